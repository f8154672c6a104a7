/*
 * memberlist messages over UDP: the field tables of every message body,
 * and the packet layers (encryption, CRC, compound, compress) around
 * them. See codec.h for the layout and the rules.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gossip/codec.h"
#include "gossip/crypto.h"
#include "gossip/mp.h"

/* ---- field tables, sorted by Go field name as Go writes them ---- */

#define T struct vf__gossip_ping
static const struct vf__mp_field ping_fields[] = {
	VF__MP_FIELD(T, "Node", STR, node),
	VF__MP_FIELD(T, "SeqNo", U32, seq_no),
	VF__MP_OMIT(T, "SourceAddr", BYTES, source_addr),
	VF__MP_OMIT(T, "SourceNode", STR, source_node),
	VF__MP_OMIT(T, "SourcePort", U16, source_port),
};
#undef T
#define T struct vf__gossip_indirect_ping
static const struct vf__mp_field indirect_fields[] = {
	VF__MP_FIELD(T, "Nack", BOOL, nack),
	VF__MP_FIELD(T, "Node", STR, node),
	VF__MP_FIELD(T, "Port", U16, port),
	VF__MP_FIELD(T, "SeqNo", U32, seq_no),
	VF__MP_OMIT(T, "SourceAddr", BYTES, source_addr),
	VF__MP_OMIT(T, "SourceNode", STR, source_node),
	VF__MP_OMIT(T, "SourcePort", U16, source_port),
	VF__MP_FIELD(T, "Target", BYTES, target),
};
#undef T
#define T struct vf__gossip_ack
static const struct vf__mp_field ack_fields[] = {
	VF__MP_FIELD(T, "Payload", BYTES, payload),
	VF__MP_FIELD(T, "SeqNo", U32, seq_no),
};
#undef T
#define T struct vf__gossip_nack
static const struct vf__mp_field nack_fields[] = {
	VF__MP_FIELD(T, "SeqNo", U32, seq_no),
};
#undef T
#define T struct vf__gossip_suspect
static const struct vf__mp_field suspect_fields[] = {
	VF__MP_FIELD(T, "From", STR, from),
	VF__MP_FIELD(T, "Incarnation", U32, incarnation),
	VF__MP_FIELD(T, "Node", STR, node),
};
#undef T
#define T struct vf__gossip_alive
static const struct vf__mp_field alive_fields[] = {
	VF__MP_FIELD(T, "Addr", BYTES, addr),
	VF__MP_FIELD(T, "Incarnation", U32, incarnation),
	VF__MP_FIELD(T, "Meta", BYTES, meta),
	VF__MP_FIELD(T, "Node", STR, node),
	VF__MP_FIELD(T, "Port", U16, port),
	VF__MP_FIELD(T, "Vsn", VSN, vsn),
};
#undef T
#define T struct vf__gossip_err
static const struct vf__mp_field err_fields[] = {
	VF__MP_FIELD(T, "Error", STR, error),
};
#undef T
#define T struct vf__gossip_compress
static const struct vf__mp_field compress_fields[] = {
	VF__MP_FIELD(T, "Algo", U8, algo),
	VF__MP_FIELD(T, "Buf", BYTES, buf),
};
#undef T
#define T struct vf__gossip_pp_header
static const struct vf__mp_field pp_header_fields[] = {
	VF__MP_FIELD(T, "Join", BOOL, join),
	VF__MP_FIELD(T, "Nodes", I64, nodes),
	VF__MP_FIELD(T, "UserStateLen", I64, user_state_len),
};
#undef T
#define T struct vf__gossip_node_state
static const struct vf__mp_field node_state_fields[] = {
	VF__MP_FIELD(T, "Addr", BYTES, addr),
	VF__MP_FIELD(T, "Incarnation", U32, incarnation),
	VF__MP_FIELD(T, "Meta", BYTES, meta),
	VF__MP_FIELD(T, "Name", STR, name),
	VF__MP_FIELD(T, "Port", U16, port),
	VF__MP_FIELD(T, "State", I64, state),
	VF__MP_FIELD(T, "Vsn", VSN, vsn),
};
#undef T
#define T struct vf__gossip_user_header
static const struct vf__mp_field user_header_fields[] = {
	VF__MP_FIELD(T, "UserMsgLen", I64, len),
};
#undef T

struct table {
	const struct vf__mp_field *f;
	size_t n;
	size_t size;
};

#define TABLE(fields, type)                                              \
	{                                                                \
		fields, sizeof(fields) / sizeof(fields[0]), sizeof(type) \
	}

static const struct table tables[] = {
	[VF__BODY_PING] = TABLE(ping_fields, struct vf__gossip_ping),
	[VF__BODY_INDIRECT_PING] =
		TABLE(indirect_fields, struct vf__gossip_indirect_ping),
	[VF__BODY_ACK] = TABLE(ack_fields, struct vf__gossip_ack),
	[VF__BODY_NACK] = TABLE(nack_fields, struct vf__gossip_nack),
	[VF__BODY_SUSPECT] = TABLE(suspect_fields, struct vf__gossip_suspect),
	[VF__BODY_ALIVE] = TABLE(alive_fields, struct vf__gossip_alive),
	[VF__BODY_ERR] = TABLE(err_fields, struct vf__gossip_err),
	[VF__BODY_COMPRESS] = TABLE(compress_fields, struct vf__gossip_compress),
	[VF__BODY_PP_HEADER] = TABLE(pp_header_fields, struct vf__gossip_pp_header),
	[VF__BODY_NODE_STATE] = TABLE(node_state_fields, struct vf__gossip_node_state),
	[VF__BODY_USER_HEADER] = TABLE(user_header_fields, struct vf__gossip_user_header),
};

int vf__gossip_body_decode(enum vf__gossip_body body, void *out, const uint8_t *p,
			   size_t len, size_t *used)
{
	const struct table *t = &tables[body];
	msgpack_unpacked res;
	int rc;

	memset(out, 0, t->size);
	if ((rc = vf__gossip_mp_unpack(&res, p, len, used)) < 0)
		return rc;
	rc = vf__gossip_mp_struct(&res.data, t->f, t->n, out);
	msgpack_unpacked_destroy(&res);
	return rc;
}

int vf__gossip_body_encode(struct vf__mp_writer *w, enum vf__gossip_body body,
			   const void *in)
{
	return vf__gossip_mp_put_struct(w, tables[body].f, tables[body].n, in);
}

/* ---- compression ---- */

int vf__gossip_inflate(struct vf__gmem *mem, struct vf__gbytes *out, const uint8_t *p,
		       size_t len, size_t *used, size_t max)
{
	struct vf__gossip_compress c;
	struct vf__gbuf b = {0};
	int rc;

	if ((rc = vf__gossip_body_decode(VF__BODY_COMPRESS, &c, p, len, used)) < 0)
		return rc;
	if (c.algo != 0)
		return -EPROTO;
	if ((rc = vf__gossip_lzw_decompress(&b, c.buf.data, c.buf.len, max)) < 0)
		goto out;
	if (!b.len) {
		rc = -EPROTO;
		goto out;
	}
	out->data = b.data;
	out->len = (uint32_t)b.len;
	rc = vf__gossip_mem_adopt(mem, b.data, b.len);
	b.data = NULL;
out:
	vf__gbuf_free(&b);
	return rc;
}

int vf__gossip_deflate(struct vf__gbuf *out, const uint8_t *in, size_t len)
{
	struct vf__gossip_compress c = {0};
	struct vf__gbuf z = {0};
	struct vf__mp_writer w;
	uint8_t type = VF__GOSSIP_COMPRESS;
	size_t start = out->len;
	int rc;

	if ((rc = vf__gossip_lzw_compress(&z, in, len)) < 0)
		return rc;
	c.buf = (struct vf__gbytes){z.data, (uint32_t)z.len};
	vf__gossip_mp_writer(&w, out);
	if ((rc = vf__gbuf_put(out, &type, 1)) < 0 ||
	    (rc = vf__gossip_body_encode(&w, VF__BODY_COMPRESS, &c)) < 0)
		out->len = start;
	vf__gbuf_free(&z);
	return rc;
}

/* ---- names ---- */

const char *vf__gossip_type_name(uint8_t type)
{
	static const char *const names[] = {
		"ping",	   "indirectPing", "ackResp",  "suspect", "alive",
		"dead",	   "pushPull",	   "compound", "user",	  "compress",
		"encrypt", "nackResp",	   "hasCrc",   "err",
	};

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "unknown";
}

/* ---- decoding a packet ---- */

/* The body of a UDP leaf message of @type; -1 if it has none this codec
 * reads (user messages, and types memberlist does not take on UDP). */
static int body_of(uint8_t type)
{
	switch (type) {
	case VF__GOSSIP_PING: return VF__BODY_PING;
	case VF__GOSSIP_INDIRECT_PING: return VF__BODY_INDIRECT_PING;
	case VF__GOSSIP_ACK: return VF__BODY_ACK;
	case VF__GOSSIP_SUSPECT:
	case VF__GOSSIP_DEAD: return VF__BODY_SUSPECT;
	case VF__GOSSIP_ALIVE: return VF__BODY_ALIVE;
	case VF__GOSSIP_NACK: return VF__BODY_NACK;
	default: return -1;
	}
}

struct dctx {
	struct vf__gossip_packet *pkt;
	uint32_t cap;
};

/* A new message slot; its index in *idx. */
static int new_msg(struct dctx *c, uint32_t *idx)
{
	struct vf__gossip_packet *pkt = c->pkt;

	if (pkt->nmsgs == VF__GOSSIP_MSGS_MAX)
		return -EMSGSIZE;
	if (pkt->nmsgs == c->cap) {
		uint32_t cap = c->cap ? c->cap * 2 : 8;
		struct vf__gossip_msg *m = realloc(pkt->msgs, cap * sizeof(*m));

		if (!m)
			return -ENOMEM;
		pkt->msgs = m;
		c->cap = cap;
	}
	*idx = pkt->nmsgs++;
	memset(&pkt->msgs[*idx], 0, sizeof(pkt->msgs[0]));
	return 0;
}

static int decode_msg(struct dctx *c, const uint8_t *p, size_t len, int depth);

static int decode_compound(struct dctx *c, uint32_t idx, const uint8_t *p, size_t len,
			   int depth)
{
	size_t off, n;
	int rc;

	if (len < 2 || len < 2 + 2 * (size_t)p[1])
		return -EPROTO;
	n = p[1];
	c->pkt->msgs[idx].nparts = (uint16_t)n;
	off = 2 + 2 * n;
	for (size_t i = 0; i < n; i++) {
		size_t plen = (size_t)p[2 + 2 * i] << 8 | p[3 + 2 * i];

		if (!plen || plen > len - off)
			return -EPROTO;
		if ((rc = decode_msg(c, p + off, plen, depth + 1)) < 0)
			return rc;
		off += plen;
	}
	return 0;
}

static int decode_compress(struct dctx *c, uint32_t idx, const uint8_t *p, size_t len,
			   int depth)
{
	struct vf__gbytes raw;
	size_t used;
	int rc;

	if ((rc = vf__gossip_inflate(&c->pkt->mem, &raw, p + 1, len - 1, &used,
				     VF__GOSSIP_UDP_MAX)) < 0)
		return rc == -EAGAIN ? -EPROTO : rc;
	c->pkt->msgs[idx].nparts = 1;
	return decode_msg(c, raw.data, raw.len, depth + 1);
}

/* A leaf's body; unknown types keep only their bytes. */
static int decode_leaf(struct vf__gossip_msg *m, const uint8_t *p, size_t len)
{
	size_t used;
	int rc;

	if (m->type == VF__GOSSIP_USER) {
		m->u.user = (struct vf__gbytes){p + 1, (uint32_t)(len - 1)};
		return 0;
	}
	if (body_of(m->type) < 0)
		return 0;
	rc = vf__gossip_body_decode(body_of(m->type), &m->u, p + 1, len - 1, &used);
	return rc == -EAGAIN ? -EPROTO : rc;
}

static int decode_msg(struct dctx *c, const uint8_t *p, size_t len, int depth)
{
	struct vf__gossip_msg *m;
	uint32_t idx;
	int rc;

	if (!len)
		return -EPROTO;
	if (depth > VF__GOSSIP_DEPTH_MAX)
		return -EMSGSIZE;
	if ((rc = new_msg(c, &idx)) < 0)
		return rc;
	m = &c->pkt->msgs[idx];
	m->type = p[0];
	m->raw = (struct vf__gbytes){p, (uint32_t)len};
	if (m->type == VF__GOSSIP_COMPOUND)
		return decode_compound(c, idx, p, len, depth);
	if (m->type == VF__GOSSIP_COMPRESS)
		return decode_compress(c, idx, p, len, depth);
	return decode_leaf(m, p, len);
}

int vf__gossip_msgs_decode(struct vf__gossip_packet *pkt, const uint8_t *buf, size_t len)
{
	struct dctx c = {pkt, 0};
	int rc;

	*pkt = (struct vf__gossip_packet){0};
	if (len > VF__GOSSIP_UDP_MAX)
		return -EMSGSIZE;
	if ((rc = decode_msg(&c, buf, len, 0)) < 0)
		vf__gossip_packet_free(pkt);
	return rc;
}

/* Strips a valid CRC header; -EPROTO for a wrong CRC or nothing after it. */
static int strip_crc(struct vf__gossip_packet *pkt, const uint8_t **buf, size_t *len)
{
	const uint8_t *p = *buf;
	uint32_t crc;

	if (*len < 5 || p[0] != VF__GOSSIP_HAS_CRC)
		return 0;
	crc = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4];
	if (*len == 5 || crc != vf__gossip_crc32(p + 5, *len - 5))
		return -EPROTO;
	pkt->crc = true;
	*buf += 5;
	*len -= 5;
	return 0;
}

int vf__gossip_packet_decode(struct vf__gossip_packet *pkt, const uint8_t *buf,
			     size_t len, const struct vf__keyring *kr)
{
	struct vf__gossip_packet tmp = {0};
	struct vf__gbuf plain = {0};
	uint8_t vsn = 0;
	int rc;

	*pkt = tmp;
	if (len > VF__GOSSIP_UDP_MAX)
		return -EMSGSIZE;
	if (kr) {
		if ((rc = vf__gossip_decrypt(&plain, &vsn, kr, buf, len, NULL, 0)) < 0)
			goto out;
		buf = plain.data;
		len = plain.len;
	}
	if ((rc = strip_crc(&tmp, &buf, &len)) < 0)
		goto out;
	if ((rc = vf__gossip_msgs_decode(pkt, buf, len)) < 0)
		goto out;
	if (kr && (rc = vf__gossip_mem_adopt(&pkt->mem, plain.data, plain.len)) < 0) {
		plain.data = NULL;
		vf__gossip_packet_free(pkt);
		goto out;
	}
	plain.data = NULL;
	pkt->encrypted = kr != NULL;
	pkt->enc_vsn = vsn;
	pkt->crc = tmp.crc;
out:
	vf__gbuf_free(&plain);
	return rc;
}

void vf__gossip_packet_free(struct vf__gossip_packet *pkt)
{
	free(pkt->msgs);
	vf__gossip_mem_free(&pkt->mem);
	*pkt = (struct vf__gossip_packet){0};
}

/* ---- encoding a packet ---- */

static int encode_msg(struct vf__gbuf *out, const struct vf__gossip_msg *msgs, uint32_t n,
		      uint32_t *i, int depth);

static int encode_compound(struct vf__gbuf *out, const struct vf__gossip_msg *msgs,
			   uint32_t n, uint32_t *i, int depth)
{
	uint16_t parts = msgs[*i - 1].nparts;
	uint8_t head[2 + 2 * VF__GOSSIP_PARTS_MAX] = {VF__GOSSIP_COMPOUND,
						      (uint8_t)parts};
	size_t at = out->len, start;
	int rc;

	if (parts > VF__GOSSIP_PARTS_MAX)
		return -EINVAL;
	if ((rc = vf__gbuf_put(out, head, 2 + 2 * (size_t)parts)) < 0)
		return rc;
	for (uint16_t k = 0; k < parts; k++) {
		start = out->len;
		if ((rc = encode_msg(out, msgs, n, i, depth + 1)) < 0)
			return rc;
		if (out->len - start > UINT16_MAX)
			return -EINVAL;
		out->data[at + 2 + 2 * k] = (uint8_t)((out->len - start) >> 8);
		out->data[at + 3 + 2 * k] = (uint8_t)(out->len - start);
	}
	return 0;
}

static int encode_compress(struct vf__gbuf *out, const struct vf__gossip_msg *msgs,
			   uint32_t n, uint32_t *i, int depth)
{
	struct vf__gbuf inner = {0};
	int rc;

	if (msgs[*i - 1].nparts != 1)
		return -EINVAL;
	if ((rc = encode_msg(&inner, msgs, n, i, depth + 1)) == 0)
		rc = vf__gossip_deflate(out, inner.data, inner.len);
	vf__gbuf_free(&inner);
	return rc;
}

static int encode_leaf(struct vf__gbuf *out, const struct vf__gossip_msg *m)
{
	struct vf__mp_writer w;
	int rc;

	if (m->type == VF__GOSSIP_USER)
		return (rc = vf__gbuf_put(out, &m->type, 1)) < 0
			       ? rc
			       : vf__gbuf_put(out, m->u.user.data, m->u.user.len);
	if (body_of(m->type) < 0) {
		/* unknown on UDP: sent back as it came */
		if (!m->raw.len || m->raw.data[0] != m->type)
			return -EINVAL;
		return vf__gbuf_put(out, m->raw.data, m->raw.len);
	}
	vf__gossip_mp_writer(&w, out);
	if ((rc = vf__gbuf_put(out, &m->type, 1)) < 0)
		return rc;
	return vf__gossip_body_encode(&w, body_of(m->type), &m->u);
}

static int encode_msg(struct vf__gbuf *out, const struct vf__gossip_msg *msgs, uint32_t n,
		      uint32_t *i, int depth)
{
	const struct vf__gossip_msg *m;

	if (*i >= n || depth > VF__GOSSIP_DEPTH_MAX)
		return -EINVAL;
	m = &msgs[(*i)++];
	if (m->type == VF__GOSSIP_COMPOUND)
		return encode_compound(out, msgs, n, i, depth);
	if (m->type == VF__GOSSIP_COMPRESS)
		return encode_compress(out, msgs, n, i, depth);
	return encode_leaf(out, m);
}

int vf__gossip_msgs_encode(struct vf__gbuf *out, const struct vf__gossip_msg *msgs,
			   uint32_t n)
{
	size_t start = out->len;
	uint32_t i = 0;
	int rc;

	rc = encode_msg(out, msgs, n, &i, 0);
	if (!rc && i != n)
		rc = -EINVAL;
	if (!rc && out->len - start > VF__GOSSIP_UDP_MAX)
		rc = -EMSGSIZE;
	if (rc < 0)
		out->len = start;
	return rc;
}

/* @b becomes [9]{LZW of b} when that is shorter. */
static int maybe_compress(struct vf__gbuf *b)
{
	struct vf__gbuf z = {0};
	int rc;

	if ((rc = vf__gossip_deflate(&z, b->data, b->len)) < 0)
		return rc;
	if (z.len < b->len) {
		vf__gbuf_free(b);
		*b = z;
		return 0;
	}
	vf__gbuf_free(&z);
	return 0;
}

static int add_crc(struct vf__gbuf *b)
{
	uint32_t crc = vf__gossip_crc32(b->data, b->len);
	uint8_t head[5] = {VF__GOSSIP_HAS_CRC, (uint8_t)(crc >> 24), (uint8_t)(crc >> 16),
			   (uint8_t)(crc >> 8), (uint8_t)crc};
	struct vf__gbuf c = {0};
	int rc;

	if ((rc = vf__gbuf_put(&c, head, 5)) < 0 ||
	    (rc = vf__gbuf_put(&c, b->data, b->len)) < 0) {
		vf__gbuf_free(&c);
		return rc;
	}
	vf__gbuf_free(b);
	*b = c;
	return 0;
}

int vf__gossip_packet_encode(struct vf__gbuf *out, const struct vf__gossip_msg *msgs,
			     uint32_t n, unsigned int flags, const struct vf__keyring *kr)
{
	struct vf__gbuf b = {0};
	int rc;

	if ((rc = vf__gossip_msgs_encode(&b, msgs, n)) < 0)
		goto out;
	if ((flags & VF__GOSSIP_F_COMPRESS) && msgs[0].type != VF__GOSSIP_COMPRESS &&
	    (rc = maybe_compress(&b)) < 0)
		goto out;
	if ((flags & VF__GOSSIP_F_CRC) && (rc = add_crc(&b)) < 0)
		goto out;
	if (b.len + (kr ? VF__GOSSIP_ENC_OVERHEAD : 0) > VF__GOSSIP_UDP_MAX) {
		rc = -EMSGSIZE;
		goto out;
	}
	if (kr)
		rc = vf__gossip_encrypt(out, kr, 1, b.data, b.len, NULL, 0);
	else
		rc = vf__gbuf_put(out, b.data, b.len);
out:
	vf__gbuf_free(&b);
	return rc;
}
