/*
 * The gossip wire codec (lib/gossip/codec.c, stream.c, serf.c, lzw.c)
 * against real traffic: every UDP packet and TCP stream of the six Serf
 * captures in tests/vectors/serf/ is decoded (the encrypted ones with the
 * recorded key), its layer path compared with the reference decoder's
 * index line, re-encoded and decoded again. Where the agent wrote the
 * bytes, the re-encoding must be byte-identical. Then the facts the
 * listings state (names, addresses, incarnations, tags, events, queries),
 * the LZW coder, and malformed input of every kind.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>

#include "gossip/codec.h"
#include "gossip/crypto.h"
#include "gossip/mp.h"
#include "gossip/serf.h"

#include "gossip_captures.h"

/* ---- fixtures ---- */

struct fx {
	struct vf__keyring *kr;
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx || vf__keyring_create(&fx->kr, capture_key, sizeof(capture_key)) < 0)
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	vf__keyring_destroy(fx->kr);
	free(fx);
	return 0;
}

static void assert_bytes(struct vf__gbytes got, const void *want, size_t len)
{
	if (got.len != len || (len && memcmp(got.data, want, len))) {
		print_error("got %u bytes '%.*s', want %zu bytes '%.*s'\n", got.len,
			    (int)got.len, got.data ? (const char *)got.data : "", len,
			    (int)len, (const char *)want);
		fail();
	}
}

#define assert_str(got, want) assert_bytes((got), (want), strlen(want))
#define assert_ip4(got, a, b, c, d) assert_bytes((got), (const uint8_t[]){a, b, c, d}, 4)

static void assert_vsn(const struct vf__gossip_vsn *v)
{
	const struct vf__gossip_vsn want = VF__GOSSIP_VSN_SERF;

	assert_int_equal(v->len, 6);
	assert_memory_equal(v->v, want.v, 6);
}

static void assert_buf(const struct vf__gbuf *got, const uint8_t *want, size_t len,
		       const char *what, uint32_t frame)
{
	if (got->len == len && !memcmp(got->data, want, len))
		return;
	for (size_t i = 0; i < len && i < got->len; i++) {
		if (got->data[i] != want[i]) {
			print_error(
				"%s frame %u: re-encoded %zu bytes, captured %zu; first "
				"difference at byte %zu (%02x, want %02x)\n",
				what, frame, got->len, len, i, got->data[i], want[i]);
			fail();
		}
	}
	print_error("%s frame %u: re-encoded %zu bytes, captured %zu\n", what, frame,
		    got->len, len);
	fail();
}

/* ---- conformance: every packet and stream of every capture ---- */

/* Whether a Go agent wrote the item. The foreign node (vfab-py,
 * 127.0.0.21, and the TCP connections it opened) writes map keys in its
 * own order and, in one experiment, str8, bin8 and an array Vsn; Go and
 * this encoder write sorted keys, fixstr and a 6-byte string, so only
 * the agents' bytes must come out identical. */
static bool go_made(const char *capture, const struct item *it)
{
	static const uint32_t foreign_streams[] = {24, 54, 64};

	if (it->src == 0x7f000015)
		return false;
	for (size_t i = 0; it->tcp && !strncmp(capture, "foreign", 7) && i < 3; i++)
		if (it->frame == foreign_streams[i])
			return false;
	return true;
}

struct tally {
	unsigned int udp, tcp, empty, msgs, serf, identical, go, foreign_identical;
};

/* Serf's layer: decode, encode (byte-identical), decode again. */
static void check_serf(const uint8_t *p, size_t len, bool exact, struct tally *t)
{
	struct vf__serf_msg m, m2;
	struct vf__gbuf b = {0}, b2 = {0};

	assert_int_equal(vf__serf_decode(&m, p, len), 0);
	assert_int_equal(vf__serf_encode(&b, &m), 0);
	if (exact) {
		assert_int_equal(b.len, len);
		assert_memory_equal(b.data, p, len);
	}
	assert_int_equal(vf__serf_decode(&m2, b.data, b.len), 0);
	assert_int_equal(vf__serf_encode(&b2, &m2), 0);
	assert_int_equal(b2.len, b.len);
	assert_memory_equal(b2.data, b.data, b.len);
	t->serf++;
	vf__serf_free(&m);
	vf__serf_free(&m2);
	vf__gbuf_free(&b);
	vf__gbuf_free(&b2);
}

/* The plaintext of an encrypted UDP packet or TCP stream. */
static void plaintext(struct vf__gbuf *out, const struct item *it,
		      const struct vf__keyring *kr)
{
	uint8_t vsn;

	if (it->tcp)
		assert_int_equal(vf__gossip_decrypt(out, &vsn, kr, it->data + 5,
						    it->len - 5, it->data, 5),
				 0);
	else
		assert_int_equal(
			vf__gossip_decrypt(out, &vsn, kr, it->data, it->len, NULL, 0), 0);
	assert_int_equal(vsn, 1);
}

/* The re-encoding @b against the captured plaintext: identical for what
 * the agents wrote, counted for the foreign node's. */
static void compare(const struct vf__gbuf *b, const struct vf__gbuf *plain,
		    const char *capture, const struct item *it, struct tally *t)
{
	bool same = b->len == plain->len && !memcmp(b->data, plain->data, b->len);

	if (go_made(capture, it)) {
		assert_buf(b, plain->data, plain->len, capture, it->frame);
		t->go++;
	}
	t->identical += same;
	t->foreign_identical += same && !go_made(capture, it);
}

static void check_udp(const char *capture, const struct item *it, const struct expect *x,
		      const struct vf__keyring *kr, struct tally *t)
{
	struct vf__gossip_packet pkt, again;
	struct vf__gbuf plain = {0}, b = {0}, b2 = {0}, enc = {0};
	unsigned int flags;
	char path[512];

	assert_int_equal(vf__gossip_packet_decode(&pkt, it->data, it->len, kr), 0);
	packet_path(path, sizeof(path), &pkt);
	if (strcmp(path, x->path))
		fail_msg("%s frame %u: path '%s', reference '%s'", capture, it->frame,
			 path, x->path);
	t->udp++;
	t->msgs += pkt.nmsgs;
	for (uint32_t i = 0; i < pkt.nmsgs; i++)
		if (pkt.msgs[i].type == VF__GOSSIP_USER)
			check_serf(pkt.msgs[i].u.user.data, pkt.msgs[i].u.user.len,
				   go_made(capture, it), t);

	/* the same bytes as the agent wrote, and a fixed point */
	flags = pkt.crc ? VF__GOSSIP_F_CRC : 0;
	if (kr)
		plaintext(&plain, it, kr);
	else
		assert_int_equal(vf__gbuf_put(&plain, it->data, it->len), 0);
	assert_int_equal(vf__gossip_packet_encode(&b, pkt.msgs, pkt.nmsgs, flags, NULL),
			 0);
	compare(&b, &plain, capture, it, t);
	assert_int_equal(vf__gossip_packet_decode(&again, b.data, b.len, NULL), 0);
	assert_int_equal(again.nmsgs, pkt.nmsgs);
	assert_int_equal(
		vf__gossip_packet_encode(&b2, again.msgs, again.nmsgs, flags, NULL), 0);
	assert_buf(&b2, b.data, b.len, capture, it->frame);
	vf__gossip_packet_free(&again);

	/* encrypted captures: sealed again with the key, opened again */
	if (kr) {
		assert_int_equal(
			vf__gossip_packet_encode(&enc, pkt.msgs, pkt.nmsgs, flags, kr),
			0);
		assert_int_equal(enc.len, b.len + VF__GOSSIP_ENC_OVERHEAD);
		assert_int_equal(vf__gossip_packet_decode(&again, enc.data, enc.len, kr),
				 0);
		packet_path(path, sizeof(path), &again);
		assert_string_equal(path, x->path);
		vf__gossip_packet_free(&again);
	}
	vf__gossip_packet_free(&pkt);
	vf__gbuf_free(&plain);
	vf__gbuf_free(&b);
	vf__gbuf_free(&b2);
	vf__gbuf_free(&enc);
}

static void check_tcp(const char *capture, const struct item *it, const struct expect *x,
		      const struct vf__keyring *kr, struct tally *t)
{
	struct vf__gossip_stream st, again;
	struct vf__gbuf plain = {0}, b = {0}, b2 = {0}, enc = {0};
	unsigned int flags;
	char path[512];

	if (!it->len) {
		assert_string_equal(x->path, "no payload (connect attempt / refused)");
		t->empty++;
		return;
	}
	assert_int_equal(vf__gossip_stream_decode(&st, it->data, it->len, kr), 0);
	assert_int_equal(st.used, it->len);
	stream_path(path, sizeof(path), &st);
	if (strcmp(path, x->path))
		fail_msg("%s stream at frame %u: path '%s', reference '%s'", capture,
			 it->frame, path, x->path);
	t->tcp++;
	if (st.type == VF__GOSSIP_PUSH_PULL && st.u.push_pull.user_state.len)
		check_serf(st.u.push_pull.user_state.data, st.u.push_pull.user_state.len,
			   go_made(capture, it), t);

	flags = st.compressed ? VF__GOSSIP_F_COMPRESS : 0;
	if (kr)
		plaintext(&plain, it, kr);
	else
		assert_int_equal(vf__gbuf_put(&plain, it->data, it->len), 0);
	assert_int_equal(vf__gossip_stream_encode(&b, &st, flags, NULL), 0);
	compare(&b, &plain, capture, it, t);
	assert_int_equal(vf__gossip_stream_decode(&again, b.data, b.len, NULL), 0);
	assert_int_equal(vf__gossip_stream_encode(&b2, &again, flags, NULL), 0);
	assert_buf(&b2, b.data, b.len, capture, it->frame);
	vf__gossip_stream_free(&again);
	if (kr) {
		assert_int_equal(vf__gossip_stream_encode(&enc, &st, flags, kr), 0);
		assert_int_equal(vf__gossip_stream_decode(&again, enc.data, enc.len, kr),
				 0);
		assert_int_equal(again.used, enc.len);
		stream_path(path, sizeof(path), &again);
		assert_string_equal(path, x->path);
		vf__gossip_stream_free(&again);
	}
	vf__gossip_stream_free(&st);
	vf__gbuf_free(&plain);
	vf__gbuf_free(&b);
	vf__gbuf_free(&b2);
	vf__gbuf_free(&enc);
}

static void conformance(void **state, const char *name, bool encrypted, unsigned int udp,
			unsigned int tcp, unsigned int empty)
{
	struct fx *fx = *state;
	struct vf__keyring *kr = encrypted ? fx->kr : NULL;
	struct tally t = {0};
	struct capture c;
	struct expect *x;
	size_t nx;

	load_capture(&c, name);
	x = load_index(name, &nx);
	assert_int_equal(c.n, nx);
	for (size_t i = 0; i < c.n; i++) {
		assert_int_equal(c.items[i].tcp, x[i].tcp);
		assert_int_equal(c.items[i].frame, x[i].frame);
		assert_int_equal(c.items[i].len, x[i].len);
		if (c.items[i].tcp)
			check_tcp(name, &c.items[i], &x[i], kr, &t);
		else
			check_udp(name, &c.items[i], &x[i], kr, &t);
	}
	printf("%s: %u UDP packets (%u messages), %u TCP streams, %u empty connections, "
	       "%u Serf messages; re-encoded byte for byte: %u of %u (all %u from "
	       "agents, "
	       "%u of %u from the foreign node)\n",
	       name, t.udp, t.msgs, t.tcp, t.empty, t.serf, t.identical, t.udp + t.tcp,
	       t.go, t.foreign_identical, t.udp + t.tcp - t.go);
	assert_int_equal(t.udp, udp);
	assert_int_equal(t.tcp, tcp);
	assert_int_equal(t.empty, empty);
	free(x);
	free_capture(&c);
}

static void test_gossip_capture_plain3(void **state)
{
	conformance(state, "plain3", false, 225, 4, 6);
}

static void test_gossip_capture_enc3(void **state)
{
	conformance(state, "enc3", true, 216, 4, 5);
}

static void test_gossip_capture_nocomp2(void **state)
{
	conformance(state, "nocomp2", false, 67, 2, 3);
}

static void test_gossip_capture_latejoin2(void **state)
{
	conformance(state, "latejoin2", false, 29, 2, 0);
}

static void test_gossip_capture_foreign(void **state)
{
	conformance(state, "foreign", false, 193, 10, 0);
}

static void test_gossip_capture_foreign_enc(void **state)
{
	conformance(state, "foreign-enc", true, 191, 8, 0);
}

/* ---- the facts the listings state ---- */

/* Decodes the UDP packet at @frame of @name into @pkt. */
static void udp_frame(struct vf__gossip_packet *pkt, struct capture *c, const char *name,
		      uint32_t frame, const struct vf__keyring *kr)
{
	struct item *it;

	load_capture(c, name);
	it = item_at(c, frame);
	assert_false(it->tcp);
	assert_int_equal(vf__gossip_packet_decode(pkt, it->data, it->len, kr), 0);
}

static void serf_of(struct vf__serf_msg *m, const struct vf__gossip_msg *user)
{
	assert_int_equal(user->type, VF__GOSSIP_USER);
	assert_int_equal(vf__serf_decode(m, user->u.user.data, user->u.user.len), 0);
}

static void assert_tags(struct vf__gbytes meta, const char *const *kv, uint32_t n)
{
	struct vf__serf_tag tags[VF__SERF_TAGS_MAX];
	uint32_t got;

	assert_int_equal(vf__serf_tags_decode(tags, VF__SERF_TAGS_MAX, &got, meta), 0);
	assert_int_equal(got, n);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t j = 0;

		/* Go writes tag maps in random order */
		while (j < got && !vf__gbytes_is(tags[j].key, kv[2 * i]))
			j++;
		assert_true(j < got);
		assert_str(tags[j].value, kv[2 * i + 1]);
	}
}

static void test_gossip_facts_probe(void **state)
{
	struct vf__gossip_packet pkt;
	struct capture c;

	(void)state;
	/* frame 20: beta pings alpha */
	udp_frame(&pkt, &c, "plain3", 20, NULL);
	assert_int_equal(pkt.nmsgs, 1);
	assert_int_equal(pkt.msgs[0].type, VF__GOSSIP_PING);
	assert_str(pkt.msgs[0].u.ping.node, "alpha");
	assert_int_equal(pkt.msgs[0].u.ping.seq_no, 1);
	assert_ip4(pkt.msgs[0].u.ping.source_addr, 127, 0, 0, 12);
	assert_str(pkt.msgs[0].u.ping.source_node, "beta");
	assert_int_equal(pkt.msgs[0].u.ping.source_port, 17947);
	vf__gossip_packet_free(&pkt);
	free_capture(&c);

	/* frame 21: alpha's compressed ack, a zero coordinate (150 bytes inflated) */
	udp_frame(&pkt, &c, "plain3", 21, NULL);
	assert_int_equal(pkt.nmsgs, 2);
	assert_int_equal(pkt.msgs[0].type, VF__GOSSIP_COMPRESS);
	assert_int_equal(pkt.msgs[0].nparts, 1);
	assert_int_equal(pkt.msgs[1].type, VF__GOSSIP_ACK);
	assert_int_equal(pkt.msgs[1].raw.len, 150);
	assert_int_equal(pkt.msgs[1].u.ack.seq_no, 1);
	assert_int_equal(pkt.msgs[1].u.ack.payload.len, 130);
	assert_int_equal(pkt.msgs[1].u.ack.payload.data[0], 1);
	vf__gossip_packet_free(&pkt);
	free_capture(&c);

	/* frame 179: alpha asks beta to probe gamma, with a nack */
	udp_frame(&pkt, &c, "plain3", 179, NULL);
	assert_int_equal(pkt.msgs[0].type, VF__GOSSIP_INDIRECT_PING);
	assert_true(pkt.msgs[0].u.indirect.nack);
	assert_str(pkt.msgs[0].u.indirect.node, "gamma");
	assert_int_equal(pkt.msgs[0].u.indirect.port, 17948);
	assert_int_equal(pkt.msgs[0].u.indirect.seq_no, 15);
	assert_ip4(pkt.msgs[0].u.indirect.target, 127, 0, 0, 13);
	assert_str(pkt.msgs[0].u.indirect.source_node, "alpha");
	assert_int_equal(pkt.msgs[0].u.indirect.source_port, 17946);
	vf__gossip_packet_free(&pkt);
	free_capture(&c);

	/* frames 184, 185: beta's nack, then beta suspects gamma */
	udp_frame(&pkt, &c, "plain3", 184, NULL);
	assert_int_equal(pkt.msgs[0].type, VF__GOSSIP_NACK);
	assert_int_equal(pkt.msgs[0].u.nack.seq_no, 16);
	vf__gossip_packet_free(&pkt);
	free_capture(&c);
	udp_frame(&pkt, &c, "plain3", 185, NULL);
	assert_true(pkt.crc);
	assert_int_equal(pkt.msgs[0].type, VF__GOSSIP_SUSPECT);
	assert_str(pkt.msgs[0].u.suspect.from, "beta");
	assert_str(pkt.msgs[0].u.suspect.node, "gamma");
	assert_int_equal(pkt.msgs[0].u.suspect.incarnation, 1);
	vf__gossip_packet_free(&pkt);
	free_capture(&c);

	/* frame 248: beta leaves (dead with From == Node) */
	udp_frame(&pkt, &c, "plain3", 248, NULL);
	assert_int_equal(pkt.msgs[0].type, VF__GOSSIP_DEAD);
	assert_str(pkt.msgs[0].u.suspect.from, "beta");
	assert_str(pkt.msgs[0].u.suspect.node, "beta");
	assert_int_equal(pkt.msgs[0].u.suspect.incarnation, 1);
	vf__gossip_packet_free(&pkt);
	free_capture(&c);
}

static void test_gossip_facts_alive(void **state)
{
	static const char *const gamma[] = {"role", "storage"};
	static const char *const variant[] = {"role", "vfabric", "fabric",
					      "lab",  "enc",	 "variants"};
	struct vf__gossip_packet pkt;
	struct vf__gossip_alive *a;
	struct capture c;

	(void)state;
	udp_frame(&pkt, &c, "plain3", 34, NULL);
	a = &pkt.msgs[0].u.alive;
	assert_int_equal(pkt.msgs[0].type, VF__GOSSIP_ALIVE);
	assert_str(a->node, "gamma");
	assert_ip4(a->addr, 127, 0, 0, 13);
	assert_int_equal(a->port, 17948);
	assert_int_equal(a->incarnation, 1);
	assert_vsn(&a->vsn);
	assert_tags(a->meta, gamma, 1);
	vf__gossip_packet_free(&pkt);
	free_capture(&c);

	/* the foreign node's variant: bin8 Addr and Meta, str8 Node, array Vsn */
	udp_frame(&pkt, &c, "foreign", 47, NULL);
	a = &pkt.msgs[0].u.alive;
	assert_str(a->node, "vfab-py");
	assert_ip4(a->addr, 127, 0, 0, 21);
	assert_int_equal(a->port, 17950);
	assert_int_equal(a->incarnation, 2);
	assert_vsn(&a->vsn);
	assert_tags(a->meta, variant, 3);
	vf__gossip_packet_free(&pkt);
	free_capture(&c);

	/* frame 11: alpha's first gossip to beta, two alives in a compressed compound */
	udp_frame(&pkt, &c, "plain3", 11, NULL);
	assert_int_equal(pkt.nmsgs, 4);
	assert_int_equal(pkt.msgs[1].type, VF__GOSSIP_COMPOUND);
	assert_int_equal(pkt.msgs[1].nparts, 2);
	assert_str(pkt.msgs[2].u.alive.node, "alpha");
	assert_str(pkt.msgs[3].u.alive.node, "beta");
	vf__gossip_packet_free(&pkt);
	free_capture(&c);
}

static void test_gossip_facts_unknown(void **state)
{
	struct vf__gossip_packet pkt;
	struct vf__serf_msg m;
	struct capture c;

	(void)state;
	/* an unknown memberlist type (99) is kept, raw */
	udp_frame(&pkt, &c, "foreign", 44, NULL);
	assert_int_equal(pkt.nmsgs, 1);
	assert_int_equal(pkt.msgs[0].type, 99);
	assert_string_equal(vf__gossip_type_name(99), "unknown");
	vf__gossip_packet_free(&pkt);
	free_capture(&c);

	/* an unknown Serf type (0x7f) decodes to its raw body */
	udp_frame(&pkt, &c, "foreign", 36, NULL);
	serf_of(&m, &pkt.msgs[0]);
	assert_int_equal(m.type, 0x7f);
	assert_int_equal(m.u.body.len, 9);
	vf__serf_free(&m);
	vf__gossip_packet_free(&pkt);
	free_capture(&c);
}

static void test_gossip_facts_serf(void **state)
{
	struct vf__gbytes nodes[4];
	struct vf__serf_filter f;
	struct vf__gossip_packet pkt;
	struct vf__serf_msg m;
	struct capture c;

	(void)state;
	/* frame 73: beta's user event */
	udp_frame(&pkt, &c, "plain3", 73, NULL);
	serf_of(&m, &pkt.msgs[0]);
	assert_int_equal(m.type, VF__SERF_USER_EVENT);
	assert_true(m.u.event.cc);
	assert_int_equal(m.u.event.ltime, 1);
	assert_str(m.u.event.name, "vm-moved");
	assert_str(m.u.event.payload, "vm-42:beta");
	vf__serf_free(&m);
	vf__gossip_packet_free(&pkt);
	free_capture(&c);

	/* frame 97: alpha's query "where vm-42" */
	udp_frame(&pkt, &c, "plain3", 97, NULL);
	serf_of(&m, &pkt.msgs[0]);
	assert_int_equal(m.type, VF__SERF_QUERY);
	assert_ip4(m.u.query.addr, 127, 0, 0, 11);
	assert_int_equal(m.u.query.port, 17946);
	assert_true(m.u.query.filters_nil);
	assert_int_equal(m.u.query.flags, VF__SERF_QUERY_ACK);
	assert_int_equal(m.u.query.id, 1245896521);
	assert_int_equal(m.u.query.ltime, 1);
	assert_str(m.u.query.name, "where");
	assert_str(m.u.query.payload, "vm-42");
	assert_str(m.u.query.source_node, "alpha");
	assert_int_equal(m.u.query.timeout, 3000000000);
	vf__serf_free(&m);
	vf__gossip_packet_free(&pkt);
	free_capture(&c);

	/* frame 138: the filtered, relayed query */
	udp_frame(&pkt, &c, "plain3", 138, NULL);
	serf_of(&m, &pkt.msgs[0]);
	assert_int_equal(m.u.query.relay_factor, 1);
	assert_int_equal(m.u.query.nfilters, 2);
	assert_int_equal(vf__serf_filter_decode(&f, nodes, 4, m.u.query.filters[0]), 0);
	assert_int_equal(f.type, 0);
	assert_int_equal(f.nnodes, 2);
	assert_str(nodes[0], "beta");
	assert_str(nodes[1], "gamma");
	assert_int_equal(vf__serf_filter_decode(&f, nodes, 1, m.u.query.filters[0]),
			 -EMSGSIZE);
	assert_int_equal(vf__serf_filter_decode(&f, nodes, 4, m.u.query.filters[1]), 0);
	assert_int_equal(f.type, 1);
	assert_str(f.tag, "role");
	assert_str(f.expr, "hyper.*");
	assert_str(m.u.query.payload, "vm-9");
	assert_int_equal(m.u.query.timeout, 2000000000);
	vf__serf_free(&m);
	vf__gossip_packet_free(&pkt);
	free_capture(&c);
}

static void test_gossip_facts_relay(void **state)
{
	struct vf__gossip_packet pkt;
	struct vf__serf_msg m, inner;
	struct capture c;

	(void)state;
	/* frame 140: beta relays its ack through gamma to alpha */
	udp_frame(&pkt, &c, "plain3", 140, NULL);
	serf_of(&m, &pkt.msgs[0]);
	assert_int_equal(m.type, VF__SERF_RELAY);
	assert_ip4(m.u.relay.ip, 127, 0, 0, 11);
	assert_int_equal(m.u.relay.port, 17946);
	assert_str(m.u.relay.zone, "");
	assert_str(m.u.relay.dest_name, "alpha");
	assert_int_equal(vf__serf_decode(&inner, m.u.relay.msg.data, m.u.relay.msg.len),
			 0);
	assert_int_equal(inner.type, VF__SERF_QUERY_RESPONSE);
	assert_int_equal(inner.u.response.flags, VF__SERF_QUERY_ACK);
	assert_str(inner.u.response.from, "beta");
	assert_int_equal(inner.u.response.id, 1434603736);
	assert_int_equal(inner.u.response.ltime, 2);
	assert_null(inner.u.response.payload.data);
	vf__serf_free(&inner);
	vf__serf_free(&m);
	vf__gossip_packet_free(&pkt);
	free_capture(&c);

	/* frame 239: beta's leave intent */
	udp_frame(&pkt, &c, "plain3", 239, NULL);
	serf_of(&m, &pkt.msgs[0]);
	assert_int_equal(m.type, VF__SERF_LEAVE);
	assert_int_equal(m.u.leave.ltime, 3);
	assert_str(m.u.leave.node, "beta");
	assert_false(m.u.leave.prune);
	vf__serf_free(&m);
	vf__gossip_packet_free(&pkt);
	free_capture(&c);
}

/* Decodes the stream starting at @frame of @name. */
static void tcp_frame(struct vf__gossip_stream *st, struct capture *c, const char *name,
		      uint32_t frame, const struct vf__keyring *kr)
{
	struct item *it;

	load_capture(c, name);
	it = item_at(c, frame);
	assert_true(it->tcp);
	assert_int_equal(vf__gossip_stream_decode(st, it->data, it->len, kr), 0);
}

static void test_gossip_facts_push_pull(void **state)
{
	static const char *const beta[] = {"role", "hypervisor", "rack", "r2"};
	struct vf__gossip_push_pull *pp;
	struct vf__gossip_stream st;
	struct vf__serf_state *s;
	struct vf__serf_msg m;
	struct capture c;

	(void)state;
	/* nocomp2: beta's join request, uncompressed */
	tcp_frame(&st, &c, "nocomp2", 1, NULL);
	pp = &st.u.push_pull;
	assert_int_equal(st.type, VF__GOSSIP_PUSH_PULL);
	assert_false(st.compressed);
	assert_true(pp->join);
	assert_int_equal(pp->nnodes, 1);
	assert_str(pp->nodes[0].name, "beta");
	assert_ip4(pp->nodes[0].addr, 127, 0, 0, 12);
	assert_int_equal(pp->nodes[0].port, 17947);
	assert_int_equal(pp->nodes[0].state, VF__GOSSIP_STATE_ALIVE);
	assert_int_equal(pp->nodes[0].incarnation, 1);
	assert_vsn(&pp->nodes[0].vsn);
	assert_tags(pp->nodes[0].meta, beta, 2);
	assert_int_equal(pp->user_state.len, 588);
	assert_int_equal(vf__serf_decode(&m, pp->user_state.data, pp->user_state.len), 0);
	s = &m.u.state;
	assert_int_equal(m.type, VF__SERF_PUSH_PULL);
	assert_int_equal(s->event_ltime, 1);
	assert_int_equal(s->ltime, 1);
	assert_int_equal(s->query_ltime, 1);
	assert_int_equal(s->nslots, 512);
	for (uint32_t i = 0; i < s->nslots; i++)
		assert_false(s->slots[i].present);
	assert_false(s->left_nil);
	assert_int_equal(s->nleft, 0);
	assert_int_equal(s->nstatus, 1);
	assert_str(s->status[0].name, "beta");
	assert_int_equal(s->status[0].ltime, 0);
	vf__serf_free(&m);
	vf__gossip_stream_free(&st);
	free_capture(&c);

	/* latejoin2: alpha's compressed reply (Join echoed), two buffered events */
	tcp_frame(&st, &c, "latejoin2", 2, NULL);
	pp = &st.u.push_pull;
	assert_true(st.compressed);
	assert_true(pp->join);
	assert_str(pp->nodes[0].name, "alpha");
	assert_int_equal(vf__serf_decode(&m, pp->user_state.data, pp->user_state.len), 0);
	s = &m.u.state;
	assert_int_equal(s->event_ltime, 3);
	assert_true(s->slots[1].present && s->slots[2].present);
	assert_int_equal(s->slots[1].ltime, 1);
	assert_int_equal(s->slots[1].nevents, 1);
	assert_str(s->slots[1].events[0].name, "vm-moved");
	assert_str(s->slots[1].events[0].payload, "vm-1:alpha");
	assert_int_equal(s->slots[2].ltime, 2);
	assert_str(s->slots[2].events[0].name, "vm-deleted");
	assert_str(s->slots[2].events[0].payload, "vm-2");
	vf__serf_free(&m);
	vf__gossip_stream_free(&st);
	free_capture(&c);

	/* foreign: a push-pull with 3 nodes and user state that is not Serf's */
	tcp_frame(&st, &c, "foreign", 64, NULL);
	pp = &st.u.push_pull;
	assert_false(pp->join);
	assert_int_equal(pp->nnodes, 3);
	assert_str(pp->nodes[0].name, "vfab-py");
	assert_int_equal(pp->nodes[0].meta.len, 39);
	assert_int_equal(pp->user_state.len, 11);
	assert_int_equal(vf__serf_decode(&m, pp->user_state.data, pp->user_state.len), 0);
	assert_int_equal(m.type, 0xab);
	vf__serf_free(&m);
	vf__gossip_stream_free(&st);
	free_capture(&c);
}

static void test_gossip_facts_encrypted(void **state)
{
	struct fx *fx = *state;
	struct vf__gossip_packet pkt;
	struct vf__gossip_stream st;
	struct capture c;

	udp_frame(&pkt, &c, "enc3", 20, fx->kr);
	assert_true(pkt.encrypted);
	assert_int_equal(pkt.enc_vsn, 1);
	assert_str(pkt.msgs[0].u.ping.node, "alpha");
	assert_str(pkt.msgs[0].u.ping.source_node, "beta");
	vf__gossip_packet_free(&pkt);
	/* without the keyring the same bytes are refused */
	assert_int_equal(vf__gossip_packet_decode(&pkt, item_at(&c, 20)->data,
						  item_at(&c, 20)->len, NULL),
			 -EPROTO);
	free_capture(&c);

	tcp_frame(&st, &c, "foreign-enc", 55, fx->kr);
	assert_true(st.encrypted && st.compressed);
	assert_int_equal(st.type, VF__GOSSIP_ACK);
	assert_int_equal(st.u.ack.seq_no, 267);
	assert_null(st.u.ack.payload.data);
	vf__gossip_stream_free(&st);
	assert_int_equal(vf__gossip_stream_decode(&st, item_at(&c, 55)->data,
						  item_at(&c, 55)->len, NULL),
			 -EPROTO);
	free_capture(&c);
}

/* ---- encoding from structs, as the membership layer will ---- */

static void assert_item(const struct vf__gbuf *b, struct capture *c, uint32_t frame)
{
	const struct item *it = item_at(c, frame);

	assert_buf(b, it->data, it->len, c->name, frame);
}

static void test_gossip_encode_alive(void **state)
{
	struct vf__serf_tag tag = {vf__gbytes_str("role"), vf__gbytes_str("storage")};
	struct vf__gossip_msg m = {.type = VF__GOSSIP_ALIVE};
	struct vf__gbuf meta = {0}, b = {0};
	struct capture c;

	(void)state;
	/* plain3 frame 34: gamma's alive, CRC-wrapped */
	assert_int_equal(vf__serf_tags_encode(&meta, &tag, 1), 0);
	m.u.alive = (struct vf__gossip_alive){
		.addr = {(const uint8_t[]){127, 0, 0, 13}, 4},
		.incarnation = 1,
		.meta = {meta.data, (uint32_t)meta.len},
		.node = vf__gbytes_str("gamma"),
		.port = 17948,
		.vsn = VF__GOSSIP_VSN_SERF,
	};
	assert_int_equal(vf__gossip_packet_encode(&b, &m, 1, VF__GOSSIP_F_CRC, NULL), 0);
	load_capture(&c, "plain3");
	assert_item(&b, &c, 34);

	/* frame 20: beta's ping to alpha */
	b.len = 0;
	m = (struct vf__gossip_msg){.type = VF__GOSSIP_PING};
	m.u.ping = (struct vf__gossip_ping){
		.node = vf__gbytes_str("alpha"),
		.seq_no = 1,
		.source_addr = {(const uint8_t[]){127, 0, 0, 12}, 4},
		.source_node = vf__gbytes_str("beta"),
		.source_port = 17947,
	};
	assert_int_equal(vf__gossip_packet_encode(&b, &m, 1, 0, NULL), 0);
	assert_item(&b, &c, 20);
	free_capture(&c);
	vf__gbuf_free(&meta);
	vf__gbuf_free(&b);
}

static void test_gossip_encode_push_pull(void **state)
{
	struct vf__serf_tag tags[] = {
		{vf__gbytes_str("role"), vf__gbytes_str("hypervisor")},
		{vf__gbytes_str("rack"), vf__gbytes_str("r2")},
	};
	struct vf__serf_event_slot slots[512] = {{0}};
	struct vf__serf_status status = {vf__gbytes_str("beta"), 0};
	struct vf__serf_msg serf = {.type = VF__SERF_PUSH_PULL};
	struct vf__gossip_node_state node = {
		.addr = {(const uint8_t[]){127, 0, 0, 12}, 4},
		.incarnation = 1,
		.name = vf__gbytes_str("beta"),
		.port = 17947,
		.state = VF__GOSSIP_STATE_ALIVE,
		.vsn = VF__GOSSIP_VSN_SERF,
	};
	struct vf__gossip_stream st = {.type = VF__GOSSIP_PUSH_PULL};
	struct vf__gbuf meta = {0}, user = {0}, b = {0};
	struct capture c;

	(void)state;
	/* nocomp2 frames 1..4: beta's join push-pull, uncompressed */
	assert_int_equal(vf__serf_tags_encode(&meta, tags, 2), 0);
	node.meta = (struct vf__gbytes){meta.data, (uint32_t)meta.len};
	serf.u.state = (struct vf__serf_state){
		.event_ltime = 1,
		.nslots = 512,
		.slots = slots,
		.ltime = 1,
		.left = (struct vf__gbytes[1]){{0}},
		.query_ltime = 1,
		.nstatus = 1,
		.status = &status,
	};
	assert_int_equal(vf__serf_encode(&user, &serf), 0);
	st.u.push_pull = (struct vf__gossip_push_pull){
		.join = true,
		.nnodes = 1,
		.nodes = &node,
		.user_state = {user.data, (uint32_t)user.len},
	};
	assert_int_equal(vf__gossip_stream_encode(&b, &st, 0, NULL), 0);
	load_capture(&c, "nocomp2");
	assert_item(&b, &c, 1);
	free_capture(&c);
	vf__gbuf_free(&meta);
	vf__gbuf_free(&user);
	vf__gbuf_free(&b);
}

/* ---- Serf key management (no capture has it: built from serf.md) ---- */

static void test_gossip_serf_keys(void **state)
{
	static const char b64[] = "hVymdRNJiMjdm7en8RvIH+7M5Bnc71egceBeXV761lk=";
	struct vf__gbytes keys[2] = {vf__gbytes_str(b64), vf__gbytes_str("c2Vjb25k")};
	struct vf__serf_msg m = {.type = VF__SERF_KEY_REQUEST}, got;
	struct vf__gbuf b = {0}, want = {0};

	(void)state;
	/* [7]{Key: the raw key}, a 32-byte str16 as Go writes []byte */
	m.u.key_request.key = (struct vf__gbytes){capture_key, 32};
	assert_int_equal(vf__serf_encode(&b, &m), 0);
	assert_int_equal(vf__gbuf_put(&want, "\x07\x81\xa3Key\xda\x00\x20", 9), 0);
	assert_int_equal(vf__gbuf_put(&want, capture_key, 32), 0);
	assert_buf(&b, want.data, want.len, "key request", 0);
	assert_int_equal(vf__serf_decode(&got, b.data, b.len), 0);
	assert_int_equal(got.type, VF__SERF_KEY_REQUEST);
	assert_bytes(got.u.key_request.key, capture_key, 32);
	vf__serf_free(&got);

	/* [8]{Keys, Message, PrimaryKey, Result}, as _serf_list-keys answers */
	m = (struct vf__serf_msg){.type = VF__SERF_KEY_RESPONSE};
	m.u.key_response =
		(struct vf__serf_key_response){.nkeys = 2,
					       .keys = keys,
					       .message = vf__gbytes_str(""),
					       .primary_key = vf__gbytes_str(b64),
					       .result = true};
	b.len = want.len = 0;
	assert_int_equal(vf__serf_encode(&b, &m), 0);
	assert_int_equal(vf__gbuf_put(&want, "\x08\x84\xa4Keys\x92\xda\x00\x2c", 11), 0);
	assert_int_equal(vf__gbuf_put(&want, b64, 44), 0);
	assert_int_equal(vf__gbuf_put(&want,
				      "\xa8"
				      "c2Vjb25k\xa7Message\xa0\xaaPrimaryKey"
				      "\xda\x00\x2c",
				      32),
			 0);
	assert_int_equal(vf__gbuf_put(&want, b64, 44), 0);
	assert_int_equal(vf__gbuf_put(&want, "\xa6Result\xc3", 8), 0);
	assert_buf(&b, want.data, want.len, "key response", 0);
	assert_int_equal(vf__serf_decode(&got, b.data, b.len), 0);
	assert_int_equal(got.u.key_response.nkeys, 2);
	assert_str(got.u.key_response.keys[1], "c2Vjb25k");
	assert_str(got.u.key_response.primary_key, b64);
	assert_true(got.u.key_response.result);
	vf__serf_free(&got);

	/* nil Keys (install, use, remove answers); a bin key is refused */
	m.u.key_response.keys_nil = true;
	b.len = 0;
	assert_int_equal(vf__serf_encode(&b, &m), 0);
	assert_int_equal(b.data[7], 0xc0);
	assert_int_equal(vf__serf_decode(&got, b.data, b.len), 0);
	assert_true(got.u.key_response.keys_nil);
	vf__serf_free(&got);
	assert_int_equal(vf__serf_decode(&got,
					 (const uint8_t *)"\x08\x81\xa4Keys\x91\xc4\x01x",
					 10),
			 -EPROTO);
	assert_null(got.mem.head);
	vf__gbuf_free(&b);
	vf__gbuf_free(&want);
}

/* ---- malformed input ---- */

static int dec(const uint8_t *p, size_t n)
{
	struct vf__gossip_packet pkt;
	int rc = vf__gossip_packet_decode(&pkt, p, n, NULL);

	if (rc < 0) {
		assert_int_equal(pkt.nmsgs, 0);
		assert_null(pkt.msgs);
		assert_null(pkt.mem.head);
	}
	vf__gossip_packet_free(&pkt);
	return rc;
}

static int sdec(const uint8_t *p, size_t n)
{
	struct vf__gossip_stream st;
	int rc = vf__gossip_stream_decode(&st, p, n, NULL);

	if (rc < 0)
		assert_null(st.mem.head);
	vf__gossip_stream_free(&st);
	return rc;
}

#define DEC(...) \
	dec((const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))
#define SDEC(...) \
	sdec((const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

/* "SeqNo" and "Node" as msgpack keys */
#define K_SEQ 0xa5, 'S', 'e', 'q', 'N', 'o'
#define K_NODE 0xa4, 'N', 'o', 'd', 'e'

static void test_gossip_bad_layers(void **state)
{
	static uint8_t big[70000];
	struct vf__gbuf b = {0};

	(void)state;
	big[0] = VF__GOSSIP_USER;
	assert_int_equal(dec(NULL, 0), -EPROTO);
	assert_int_equal(dec(big, VF__GOSSIP_UDP_MAX + 1), -EMSGSIZE);
	assert_int_equal(dec(big, VF__GOSSIP_UDP_MAX), 0);
	/* the empty messages that kill the Go agent */
	assert_int_equal(DEC(0x0c, 0, 0, 0, 0), -EPROTO);
	assert_int_equal(DEC(0x07, 2, 0, 0, 0, 0), -EPROTO);
	assert_int_equal(DEC(0x07, 1, 0, 0), -EPROTO);
	/* a wrong CRC; a compound whose parts run past the end */
	assert_int_equal(DEC(0x0c, 0, 0, 0, 1, 0x0b, 0x81, K_SEQ, 1), -EPROTO);
	assert_int_equal(DEC(0x07, 2, 0, 1, 0, 9, 0x08), -EPROTO);
	assert_int_equal(DEC(0x07, 3, 0, 1), -EPROTO);
	assert_int_equal(DEC(0x07), -EPROTO);
	/* compression: unknown algorithm, LZW of nothing, of garbage */
	assert_int_equal(
		DEC(0x09, 0x82, 0xa4, 'A', 'l', 'g', 'o', 1, 0xa3, 'B', 'u', 'f', 0xa0),
		-EPROTO);
	assert_int_equal(vf__gossip_deflate(&b, NULL, 0), 0);
	assert_int_equal(dec(b.data, b.len), -EPROTO);
	b.len = 0;
	assert_int_equal(DEC(0x09, 0x82, 0xa4, 'A', 'l', 'g', 'o', 0, 0xa3, 'B', 'u', 'f',
			     0xa2, 0xff, 0xff),
			 -EPROTO);
	/* an LZW bomb: 70,000 bytes inflated from a few hundred */
	memset(big, 0, 70000);
	big[0] = VF__GOSSIP_USER;
	assert_int_equal(vf__gossip_deflate(&b, big, 70000), 0);
	assert_true(b.len < 1000);
	assert_int_equal(dec(b.data, b.len), -EMSGSIZE);
	vf__gbuf_free(&b);
}

static void test_gossip_bad_nesting(void **state)
{
	uint8_t p[64], outer[2 + 2 * 255 + 255 * 17];
	size_t n = 0, inner;

	(void)state;
	/* compounds nested deeper than VF__GOSSIP_DEPTH_MAX, built inside out */
	p[sizeof(p) - 1] = VF__GOSSIP_USER;
	for (int d = 0; d < 6; d++) {
		n += 4;
		memcpy(p + sizeof(p) - n - 1,
		       (const uint8_t[]){0x07, 1, 0, (uint8_t)(n - 3)}, 4);
	}
	assert_int_equal(dec(p + sizeof(p) - n - 1, n + 1), -EMSGSIZE);
	assert_int_equal(dec(p + sizeof(p) - n + 3, n - 3), -EMSGSIZE);
	assert_int_equal(dec(p + sizeof(p) - n + 7, n - 7), 0); /* 4 deep */

	/* more than VF__GOSSIP_MSGS_MAX messages: 255 compounds of 5 */
	inner = 2 + 2 * 5 + 5;
	n = 0;
	outer[n++] = 0x07;
	outer[n++] = 255;
	for (int i = 0; i < 255; i++) {
		outer[n++] = 0;
		outer[n++] = (uint8_t)inner;
	}
	for (int i = 0; i < 255; i++) {
		static const uint8_t c5[] = {0x07, 5, 0, 1, 0, 1, 0, 1, 0,
					     1,	   0, 1, 8, 8, 8, 8, 8};

		memcpy(outer + n, c5, sizeof(c5));
		n += sizeof(c5);
	}
	assert_int_equal(dec(outer, n), -EMSGSIZE);
	assert_int_equal(outer[1] = 150, 150);
	n = 2 + 2 * 150;
	memmove(outer + n, outer + 2 + 2 * 255, 150 * inner);
	assert_int_equal(dec(outer, n + 150 * inner), 0);
}

static void test_gossip_bad_bodies(void **state)
{
	(void)state;
	/* truncated, not a map, huge container counts, deep nesting */
	assert_int_equal(DEC(0x0b, 0x81, K_SEQ), -EPROTO);
	assert_int_equal(DEC(0x0b), -EPROTO);
	assert_int_equal(DEC(0x0b, 0x91, 1), -EPROTO);
	assert_int_equal(DEC(0x0b, 0xdd, 0xff, 0xff, 0xff, 0xff), -EPROTO);
	assert_int_equal(DEC(0x0b, 0xdf, 0x7f, 0xff, 0xff, 0xff, 0xc0), -EPROTO);
	assert_int_equal(DEC(0x0b, 0xdb, 0xff, 0xff, 0xff, 0xff), -EPROTO);
	assert_int_equal(DEC(0x0b, 0xc1), -EPROTO);
	assert_int_equal(DEC(0x0b, 0x81, 0xa1, 'x', 0x91, 0x91, 0x91, 0x91, 0x91, 0x91,
			     0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x91,
			     0x91, 0x90),
			 -EPROTO);
	/* values Go refuses: negative or too big for the field, bin for a
	 * string, a bin key, a Vsn longer than 16 */
	assert_int_equal(DEC(0x0b, 0x81, K_SEQ, 0xff), -EPROTO);
	assert_int_equal(DEC(0x0b, 0x81, K_SEQ, 0xcf, 0, 0, 0, 1, 0, 0, 0, 0), -EPROTO);
	assert_int_equal(DEC(0x0b, 0x81, K_SEQ, 0xca, 0, 0, 0, 0), -EPROTO);
	assert_int_equal(DEC(0x00, 0x81, K_NODE, 0xc4, 1, 'a'), -EPROTO);
	assert_int_equal(DEC(0x0b, 0x81, 0xc4, 1, 'a', 1), -EPROTO);
	assert_int_equal(DEC(0x04, 0x81, 0xa3, 'V', 's', 'n', 0xb1, 1, 2, 3, 4, 5, 6, 7,
			     8, 9, 10, 11, 12, 13, 14, 15, 16, 17),
			 -EPROTO);
	assert_int_equal(DEC(0x04, 0x81, 0xa3, 'V', 's', 'n', 0x91, 0xcd, 1, 0), -EPROTO);
	assert_int_equal(DEC(0x02, 0x81, 0xa4, 'P', 'o', 'r', 't', 0xcd, 1, 0), 0);
	/* accepted as Go accepts them: unknown keys, nil, str8, 0/1 as bool */
	assert_int_equal(DEC(0x0b, 0x82, 0xa1, 'x', 0x93, 1, 2, 3, K_SEQ, 0xc0), 0);
	assert_int_equal(DEC(0x00, 0x81, K_NODE, 0xd9, 1, 'a'), 0);
	assert_int_equal(DEC(0x01, 0x81, 0xa4, 'N', 'a', 'c', 'k', 1), 0);
	assert_int_equal(DEC(0x01, 0x81, 0xa4, 'N', 'a', 'c', 'k', 2), -EPROTO);
}

static void test_gossip_bad_streams(void **state)
{
	(void)state;
	assert_int_equal(sdec(NULL, 0), -EAGAIN);
	/* not a stream type, compress inside compress, encrypted without a key */
	assert_int_equal(SDEC(0x07, 1, 0, 1, 8), -EPROTO);
	assert_int_equal(SDEC(0x04, 0x80), -EPROTO);
	assert_int_equal(SDEC(0x0a, 0, 0, 0, 40), -EPROTO);
	/* push-pull: too many nodes, negative or huge user state, missing bytes */
	assert_int_equal(
		SDEC(0x06, 0x81, 0xa5, 'N', 'o', 'd', 'e', 's', 0xce, 0x7f, 0, 0, 0),
		-EMSGSIZE);
	assert_int_equal(SDEC(0x06, 0x81, 0xa5, 'N', 'o', 'd', 'e', 's', 0xff), -EPROTO);
	assert_int_equal(SDEC(0x06, 0x81, 0xac, 'U', 's', 'e', 'r', 'S', 't', 'a', 't',
			      'e', 'L', 'e', 'n', 0xce, 0x7f, 0, 0, 0),
			 -EMSGSIZE);
	assert_int_equal(SDEC(0x06, 0x81, 0xa5, 'N', 'o', 'd', 'e', 's', 2, 0x80),
			 -EAGAIN);
	assert_int_equal(SDEC(0x06, 0x81, 0xa5, 'N', 'o', 'd', 'e', 's', 2, 0x80, 0x80),
			 0);
	assert_int_equal(SDEC(0x06, 0x81, 0xa5, 'N', 'o', 'd', 'e', 's', 1, 0x91, 0x01),
			 -EPROTO);
	/* a user message shorter than it says */
	assert_int_equal(SDEC(0x08, 0x81, 0xaa, 'U', 's', 'e', 'r', 'M', 's', 'g', 'L',
			      'e', 'n', 3, 1, 2),
			 -EAGAIN);
	assert_int_equal(SDEC(0x08, 0x81, 0xaa, 'U', 's', 'e', 'r', 'M', 's', 'g', 'L',
			      'e', 'n', 3, 1, 2, 3),
			 0);
}

static void test_gossip_bad_serf(void **state)
{
	struct vf__serf_tag tags[2] = {{vf__gbytes_str("role"), {0}}};
	struct vf__serf_tag got[4];
	struct vf__serf_msg m;
	struct vf__gbuf b = {0};
	uint8_t long_value[600];
	uint32_t n;

	(void)state;
	assert_int_equal(vf__serf_decode(&m, NULL, 0), -EPROTO);
	assert_int_equal(vf__serf_decode(&m, (const uint8_t[]){1, 0x81, K_NODE, 1}, 7),
			 -EPROTO);
	assert_int_equal(vf__serf_decode(&m, (const uint8_t[]){1, 0x81}, 2), -EPROTO);
	assert_int_equal(vf__serf_decode(&m,
					 (const uint8_t[]){2, 0x81, 0xa6, 'E', 'v', 'e',
							   'n', 't', 's', 0x91, 0x01},
					 11),
			 -EPROTO);
	assert_null(m.mem.head);
	/* a relay with nothing to forward */
	assert_int_equal(vf__serf_decode(&m, (const uint8_t[]){9, 0x80}, 2), -EPROTO);

	/* tags: legacy role, undecodable, too many, too long */
	assert_int_equal(vf__serf_tags_decode(got, 4, &n, vf__gbytes_str("web")), 0);
	assert_int_equal(n, 1);
	assert_str(got[0].key, "role");
	assert_str(got[0].value, "web");
	assert_int_equal(vf__serf_tags_decode(
				 got, 4, &n,
				 (struct vf__gbytes){(const uint8_t[]){0xff, 0x81}, 2}),
			 -EPROTO);
	assert_int_equal(
		vf__serf_tags_decode(
			got, 1, &n,
			(struct vf__gbytes){(const uint8_t[]){0xff, 0x82, 0xa1, 'a', 0xa0,
							      0xa1, 'b', 0xa0},
					    8}),
		-EMSGSIZE);
	memset(long_value, 'v', sizeof(long_value));
	tags[0].value = (struct vf__gbytes){long_value, 510};
	assert_int_equal(vf__serf_tags_encode(&b, tags, 1), -EMSGSIZE);
	assert_int_equal(b.len, 0);
	tags[0].value = (struct vf__gbytes){long_value, 100};
	assert_int_equal(vf__serf_tags_encode(&b, tags, 1), 0);
	assert_int_equal(b.len, 1 + 1 + 5 + 3 + 100);
	assert_int_equal(b.data[7], 0xda); /* str16, as Go writes it */
	vf__gbuf_free(&b);
}

/* Every prefix of every item of two captures, and every byte flipped in
 * some: refused or decoded, never a crash or a leak. A prefix of a stream
 * is always -EAGAIN; a cut or changed CRC or encrypted packet is refused. */
static void test_gossip_bad_truncated(void **state)
{
	static const char *const names[] = {"plain3", "enc3"};
	struct fx *fx = *state;
	struct vf__gossip_packet pkt;
	struct vf__gossip_stream st;

	for (int k = 0; k < 2; k++) {
		const struct vf__keyring *kr = k ? fx->kr : NULL;
		struct capture c;

		load_capture(&c, names[k]);
		for (size_t i = 0; i < c.n; i++) {
			struct item *it = &c.items[i];
			bool sealed =
				kr || (it->len && it->data[0] == VF__GOSSIP_HAS_CRC);

			for (size_t len = 0; it->tcp && len < it->len; len++)
				assert_int_equal(
					vf__gossip_stream_decode(&st, it->data, len, kr),
					-EAGAIN);
			for (size_t len = 0; !it->tcp && len < it->len; len++) {
				int rc =
					vf__gossip_packet_decode(&pkt, it->data, len, kr);

				/* a 12 shorter than a CRC header is an unknown type */
				assert_true(rc < 0 || !sealed || (!kr && len < 5));
				vf__gossip_packet_free(&pkt);
			}
			for (size_t j = 0; !it->tcp && i % 8 == 0 && j < it->len; j++) {
				int rc;

				it->data[j] ^= 0x20;
				rc = vf__gossip_packet_decode(&pkt, it->data, it->len,
							      kr);
				/* 12 changed to another type: no CRC header any more */
				assert_true(rc < 0 || !sealed || (!kr && j == 0));
				vf__gossip_packet_free(&pkt);
				it->data[j] ^= 0x20;
			}
		}
		free_capture(&c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gossip_capture_plain3, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gossip_capture_enc3, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gossip_capture_nocomp2, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gossip_capture_latejoin2, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gossip_capture_foreign, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gossip_capture_foreign_enc, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gossip_facts_probe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gossip_facts_alive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gossip_facts_unknown, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gossip_facts_serf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gossip_facts_relay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gossip_facts_push_pull, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gossip_facts_encrypted, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gossip_encode_alive, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gossip_encode_push_pull, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gossip_serf_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gossip_bad_layers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gossip_bad_nesting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gossip_bad_bodies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gossip_bad_streams, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gossip_bad_serf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gossip_bad_truncated, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
