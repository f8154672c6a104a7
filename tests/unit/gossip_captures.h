/*
 * The Serf captures of tests/vectors/serf/ for the gossip unit tests: a
 * classic pcap reader (Ethernet, IPv4, UDP datagrams and TCP streams put
 * back together per direction), the reference decoder's index of each
 * capture, and the layer path of a decoded packet or stream in the index's
 * words. The vectors are found next to this file (or in $VF_SERF_VECTORS).
 */
#ifndef VF_TESTS_GOSSIP_CAPTURES_H
#define VF_TESTS_GOSSIP_CAPTURES_H

#include <stdio.h>
#include <stdlib.h>

#include "gossip/codec.h"
#include "gossip/serf.h"

/* The key of enc3.pcap and foreign-enc.pcap (see the vectors' README). */
static const uint8_t capture_key[32] = {
	0x85, 0x5c, 0xa6, 0x75, 0x13, 0x49, 0x88, 0xc8, 0xdd, 0x9b, 0xb7,
	0xa7, 0xf1, 0x1b, 0xc8, 0x1f, 0xee, 0xcc, 0xe4, 0x19, 0xdc, 0xef,
	0x57, 0xa0, 0x71, 0xe0, 0x5e, 0x5d, 0x5e, 0xfa, 0xd6, 0x59,
};

/* ---- a classic pcap reader (Ethernet, IPv4, UDP and TCP) ---- */

struct item {
	bool tcp;
	uint32_t frame; /* UDP: its frame; TCP: the SYN's */
	uint32_t src, dst;
	uint16_t sport, dport;
	uint32_t isn;
	uint8_t *data;
	size_t len;
};

struct capture {
	const char *name;
	struct item *items;
	size_t n;
};

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	long n;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	assert_true(n >= 0);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	buf[n] = 0;
	*len = (size_t)n;
	return buf;
}

static void vector_path(char *out, size_t cap, const char *file)
{
	const char *dir = getenv("VF_SERF_VECTORS");
	const char *src = __FILE__, *slash = strrchr(src, '/');

	if (dir)
		snprintf(out, cap, "%s/%s", dir, file);
	else
		snprintf(out, cap, "%.*s/../vectors/serf/%s", (int)(slash - src), src,
			 file);
}

static uint32_t rd32(const uint8_t *p, bool le)
{
	return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			       (uint32_t)p[3] << 24
		  : (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
			       p[3];
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static struct item *add_item(struct capture *c)
{
	c->items = realloc(c->items, (c->n + 1) * sizeof(*c->items));
	assert_non_null(c->items);
	memset(&c->items[c->n], 0, sizeof(c->items[0]));
	return &c->items[c->n++];
}

static struct item *find_stream(struct capture *c, uint32_t src, uint16_t sport,
				uint32_t dst, uint16_t dport)
{
	for (size_t i = c->n; i-- > 0;) {
		struct item *it = &c->items[i];

		if (it->tcp && it->src == src && it->dst == dst && it->sport == sport &&
		    it->dport == dport)
			return it;
	}
	return NULL;
}

static void add_tcp(struct capture *c, uint32_t frame, uint32_t src, uint32_t dst,
		    const uint8_t *l4, size_t len)
{
	size_t doff = (size_t)(l4[12] >> 4) * 4, off;
	uint32_t seq = rd32(l4 + 4, false);
	struct item *it;

	assert_true(len >= 20 && doff <= len);
	if (l4[13] & 0x02) { /* SYN: a new stream direction */
		it = add_item(c);
		*it = (struct item){.tcp = true,
				    .frame = frame,
				    .src = src,
				    .dst = dst,
				    .sport = be16(l4),
				    .dport = be16(l4 + 2),
				    .isn = seq + 1};
		return;
	}
	it = find_stream(c, src, be16(l4), dst, be16(l4 + 2));
	if (!it || len == doff)
		return;
	off = seq - it->isn;
	assert_true(off <= it->len + 65536);
	if (off + len - doff > it->len) {
		it->data = realloc(it->data, off + len - doff);
		assert_non_null(it->data);
		memset(it->data + it->len, 0, off + len - doff - it->len);
		it->len = off + len - doff;
	}
	memcpy(it->data + off, l4 + doff, len - doff);
}

static void add_frame(struct capture *c, uint32_t frame, const uint8_t *p, size_t len)
{
	size_t ihl, total;
	struct item *it;
	uint32_t src, dst;

	if (len < 34 || be16(p + 12) != 0x0800)
		return;
	p += 14;
	len -= 14;
	assert_int_equal(p[0] >> 4, 4);
	ihl = (size_t)(p[0] & 15) * 4;
	total = be16(p + 2);
	assert_true(total <= len && ihl + 8 <= total);
	src = rd32(p + 12, false);
	dst = rd32(p + 16, false);
	if (p[9] == 6) {
		add_tcp(c, frame, src, dst, p + ihl, total - ihl);
		return;
	}
	if (p[9] != 17)
		return;
	it = add_item(c);
	*it = (struct item){.frame = frame,
			    .src = src,
			    .dst = dst,
			    .sport = be16(p + ihl),
			    .dport = be16(p + ihl + 2),
			    .len = total - ihl - 8};
	it->data = malloc(it->len + 1);
	assert_non_null(it->data);
	memcpy(it->data, p + ihl + 8, it->len);
}

static void load_capture(struct capture *c, const char *name)
{
	char path[4096], file[128];
	size_t len, off = 24;
	uint8_t *buf;
	uint32_t frame = 0;
	bool le;

	memset(c, 0, sizeof(*c));
	c->name = name;
	snprintf(file, sizeof(file), "%s.pcap", name);
	vector_path(path, sizeof(path), file);
	buf = read_file(path, &len);
	assert_true(len >= 24);
	le = rd32(buf, true) == 0xa1b2c3d4;
	assert_true(le || rd32(buf, false) == 0xa1b2c3d4);
	assert_int_equal(rd32(buf + 20, le), 1); /* LINKTYPE_ETHERNET */
	while (off + 16 <= len) {
		uint32_t incl = rd32(buf + off + 8, le);

		assert_true(incl <= len - off - 16);
		add_frame(c, ++frame, buf + off + 16, incl);
		off += 16 + incl;
	}
	free(buf);
}

static void free_capture(struct capture *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->items[i].data);
	free(c->items);
}

static struct item *item_at(struct capture *c, uint32_t frame)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->items[i].frame == frame)
			return &c->items[i];
	fail_msg("%s: no UDP packet or TCP stream starts at frame %u", c->name, frame);
	return NULL;
}

/* ---- layer paths, as the reference decoder prints them ---- */

static void cat(char *out, size_t cap, const char *s)
{
	size_t n = strlen(out);

	snprintf(out + n, cap - n, "%s%s", n ? " > " : "", s);
}

static void serf_path(char *out, size_t cap, const uint8_t *p, size_t len)
{
	struct vf__serf_msg m;
	char name[64];

	assert_int_equal(vf__serf_decode(&m, p, len), 0);
	snprintf(name, sizeof(name), "serf:%s", vf__serf_type_name(m.type));
	cat(out, cap, name);
	if (m.type == VF__SERF_RELAY)
		serf_path(out, cap, m.u.relay.msg.data, m.u.relay.msg.len);
	vf__serf_free(&m);
}

static void packet_path(char *out, size_t cap, const struct vf__gossip_packet *pkt)
{
	out[0] = 0;
	if (pkt->encrypted)
		cat(out, cap, pkt->enc_vsn ? "encrypted(v1)" : "encrypted(v0)");
	if (pkt->crc)
		cat(out, cap, "hasCrc");
	for (uint32_t i = 0; i < pkt->nmsgs; i++) {
		const struct vf__gossip_msg *m = &pkt->msgs[i];

		cat(out, cap, vf__gossip_type_name(m->type));
		if (m->type == VF__GOSSIP_USER)
			serf_path(out, cap, m->u.user.data, m->u.user.len);
	}
}

static void stream_path(char *out, size_t cap, const struct vf__gossip_stream *st)
{
	out[0] = 0;
	if (st->encrypted)
		cat(out, cap, "encrypt");
	if (st->compressed)
		cat(out, cap, "compress");
	cat(out, cap, vf__gossip_type_name(st->type));
	if (st->type == VF__GOSSIP_PUSH_PULL && st->u.push_pull.user_state.len)
		serf_path(out, cap, st->u.push_pull.user_state.data,
			  st->u.push_pull.user_state.len);
}

struct expect {
	bool tcp;
	uint32_t frame;
	size_t len;
	char path[512];
};

/* Reads "<name>.index.txt": the reference decoder's one line per item. */
static struct expect *load_index(const char *name, size_t *n)
{
	char path[4096], file[128], *line, *save = NULL;
	struct expect *e = NULL;
	size_t len;
	uint8_t *buf;

	snprintf(file, sizeof(file), "%s.index.txt", name);
	vector_path(path, sizeof(path), file);
	buf = read_file(path, &len);
	*n = 0;
	for (line = strtok_r((char *)buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *open = strrchr(line, '['), *close = strrchr(line, ']'), *bytes;
		struct expect *x;

		if (line[0] == '#')
			continue;
		assert_true(open && close && close > open);
		e = realloc(e, (*n + 1) * sizeof(*e));
		assert_non_null(e);
		x = &e[(*n)++];
		x->tcp = !strncmp(line, "TCP stream frames ", 18);
		x->frame = (uint32_t)strtoul(line + (x->tcp ? 18 : 10), NULL, 10);
		bytes = strstr(line, " bytes  [");
		assert_non_null(bytes);
		while (bytes > line && bytes[-1] != ' ')
			bytes--;
		x->len = strtoul(bytes, NULL, 10);
		snprintf(x->path, sizeof(x->path), "%.*s", (int)(close - open - 1),
			 open + 1);
	}
	free(buf);
	return e;
}

#endif
