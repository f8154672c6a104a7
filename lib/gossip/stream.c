/*
 * memberlist messages over TCP: one message per connection, optionally
 * encrypted ([10][len u32be][blob], the 5 header bytes as additional
 * data) and compressed ([9]{Algo, Buf}, one level each), then a ping, an
 * ack, an err, a user message ([8]{UserMsgLen} and the bytes) or a
 * push-pull ([6]{Join, Nodes, UserStateLen}, the node states, the user
 * state).
 */
#include <errno.h>
#include <string.h>

#include "gossip/codec.h"
#include "gossip/crypto.h"
#include "gossip/mp.h"

#define ENC_HEAD 5

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A length field of a push-pull or user header: -EPROTO below 0,
 * -EMSGSIZE above @max. */
static int check_len(int64_t v, int64_t max)
{
	return v < 0 ? -EPROTO : v > max ? -EMSGSIZE : 0;
}

static int decode_node_states(struct vf__gossip_stream *st, const uint8_t *p, size_t len,
			      size_t *off, int64_t n)
{
	struct vf__gossip_push_pull *pp = &st->u.push_pull;
	size_t used;
	int rc;

	if ((rc = check_len(n, VF__GOSSIP_NODES_MAX)) < 0)
		return rc;
	if ((size_t)n > len - *off)
		return -EAGAIN; /* each state takes a byte at least */
	if (n &&
	    !(pp->nodes = vf__gossip_mem_alloc(&st->mem, (size_t)n * sizeof(*pp->nodes))))
		return -ENOMEM;
	pp->nnodes = (uint32_t)n;
	for (int64_t i = 0; i < n; i++) {
		if ((rc = vf__gossip_body_decode(VF__BODY_NODE_STATE, &pp->nodes[i],
						 p + *off, len - *off, &used)) < 0)
			return rc;
		*off += used;
	}
	return 0;
}

static int decode_push_pull(struct vf__gossip_stream *st, const uint8_t *p, size_t len,
			    size_t *off)
{
	struct vf__gossip_push_pull *pp = &st->u.push_pull;
	struct vf__gossip_pp_header h;
	size_t used;
	int rc;

	if ((rc = vf__gossip_body_decode(VF__BODY_PP_HEADER, &h, p + *off, len - *off,
					 &used)) < 0)
		return rc;
	*off += used;
	pp->join = h.join;
	if ((rc = check_len(h.user_state_len, VF__GOSSIP_STREAM_MAX)) < 0 ||
	    (rc = decode_node_states(st, p, len, off, h.nodes)) < 0)
		return rc;
	if ((size_t)h.user_state_len > len - *off)
		return -EAGAIN;
	if (h.user_state_len)
		pp->user_state =
			(struct vf__gbytes){p + *off, (uint32_t)h.user_state_len};
	*off += (size_t)h.user_state_len;
	return 0;
}

static int decode_user(struct vf__gossip_stream *st, const uint8_t *p, size_t len,
		       size_t *off)
{
	struct vf__gossip_user_header h;
	size_t used;
	int rc;

	if ((rc = vf__gossip_body_decode(VF__BODY_USER_HEADER, &h, p + *off, len - *off,
					 &used)) < 0)
		return rc;
	*off += used;
	if ((rc = check_len(h.len, VF__GOSSIP_STREAM_MAX)) < 0)
		return rc;
	if ((size_t)h.len > len - *off)
		return -EAGAIN;
	st->u.user = (struct vf__gbytes){p + *off, (uint32_t)h.len};
	*off += (size_t)h.len;
	return 0;
}

/* The message after the encryption layer; *used gets its length. */
static int decode_plain(struct vf__gossip_stream *st, const uint8_t *p, size_t len,
			size_t *used, bool top)
{
	size_t off = 1, n;
	int rc;

	if (!len)
		return -EAGAIN;
	st->type = p[0];
	if (st->type == VF__GOSSIP_COMPRESS && top) {
		struct vf__gbytes raw;

		if ((rc = vf__gossip_inflate(&st->mem, &raw, p + 1, len - 1, &n,
					     VF__GOSSIP_STREAM_MAX)) < 0)
			return rc;
		*used = 1 + n;
		st->compressed = true;
		rc = decode_plain(st, raw.data, raw.len, &n, false);
		return rc == -EAGAIN ? -EPROTO : rc;
	}
	switch (st->type) {
	case VF__GOSSIP_PING:
		rc = vf__gossip_body_decode(VF__BODY_PING, &st->u.ping, p + 1, len - 1,
					    &n);
		off += n;
		break;
	case VF__GOSSIP_ACK:
		rc = vf__gossip_body_decode(VF__BODY_ACK, &st->u.ack, p + 1, len - 1, &n);
		off += n;
		break;
	case VF__GOSSIP_ERR:
		rc = vf__gossip_body_decode(VF__BODY_ERR, &st->u.err, p + 1, len - 1, &n);
		off += n;
		break;
	case VF__GOSSIP_PUSH_PULL: rc = decode_push_pull(st, p, len, &off); break;
	case VF__GOSSIP_USER: rc = decode_user(st, p, len, &off); break;
	default: return -EPROTO;
	}
	*used = off;
	return rc;
}

static int decode_encrypted(struct vf__gossip_stream *st, const uint8_t *buf, size_t len,
			    const struct vf__keyring *kr)
{
	struct vf__gbuf plain = {0};
	size_t blen, n;
	int rc;

	if (buf[0] != VF__GOSSIP_ENCRYPT)
		return -EPROTO; /* plain text where encryption is required */
	if (len < ENC_HEAD)
		return -EAGAIN;
	if ((blen = be32(buf + 1)) > VF__GOSSIP_STREAM_MAX)
		return -EMSGSIZE;
	if (blen > len - ENC_HEAD)
		return -EAGAIN;
	if ((rc = vf__gossip_decrypt(&plain, &st->enc_vsn, kr, buf + ENC_HEAD, blen, buf,
				     ENC_HEAD)) < 0) {
		vf__gbuf_free(&plain);
		return rc;
	}
	if ((rc = vf__gossip_mem_adopt(&st->mem, plain.data, plain.len)) < 0)
		return rc;
	st->encrypted = true;
	st->used = ENC_HEAD + blen;
	rc = decode_plain(st, plain.data, plain.len, &n, true);
	return rc == -EAGAIN ? -EPROTO : rc;
}

int vf__gossip_stream_decode(struct vf__gossip_stream *st, const uint8_t *buf, size_t len,
			     const struct vf__keyring *kr)
{
	int rc;

	*st = (struct vf__gossip_stream){0};
	if (!len)
		return -EAGAIN;
	if (kr)
		rc = decode_encrypted(st, buf, len, kr);
	else if (buf[0] == VF__GOSSIP_ENCRYPT)
		rc = -EPROTO; /* encrypted, and no keyring here */
	else
		rc = decode_plain(st, buf, len, &st->used, true);
	if (rc < 0)
		vf__gossip_stream_free(st);
	return rc;
}

void vf__gossip_stream_free(struct vf__gossip_stream *st)
{
	vf__gossip_mem_free(&st->mem);
	*st = (struct vf__gossip_stream){0};
}

/* ---- encoding ---- */

static int encode_push_pull(struct vf__mp_writer *w,
			    const struct vf__gossip_push_pull *pp)
{
	struct vf__gossip_pp_header h = {pp->join, pp->nnodes, pp->user_state.len};
	int rc;

	if ((rc = vf__gossip_body_encode(w, VF__BODY_PP_HEADER, &h)) < 0)
		return rc;
	for (uint32_t i = 0; i < pp->nnodes; i++)
		if ((rc = vf__gossip_body_encode(w, VF__BODY_NODE_STATE, &pp->nodes[i])) <
		    0)
			return rc;
	return vf__gbuf_put(w->b, pp->user_state.data, pp->user_state.len);
}

static int encode_plain(struct vf__gbuf *b, const struct vf__gossip_stream *st)
{
	struct vf__gossip_user_header uh = {st->u.user.len};
	struct vf__mp_writer w;
	int rc;

	vf__gossip_mp_writer(&w, b);
	if ((rc = vf__gbuf_put(b, &st->type, 1)) < 0)
		return rc;
	switch (st->type) {
	case VF__GOSSIP_PING:
		return vf__gossip_body_encode(&w, VF__BODY_PING, &st->u.ping);
	case VF__GOSSIP_ACK: return vf__gossip_body_encode(&w, VF__BODY_ACK, &st->u.ack);
	case VF__GOSSIP_ERR: return vf__gossip_body_encode(&w, VF__BODY_ERR, &st->u.err);
	case VF__GOSSIP_PUSH_PULL: return encode_push_pull(&w, &st->u.push_pull);
	case VF__GOSSIP_USER:
		if ((rc = vf__gossip_body_encode(&w, VF__BODY_USER_HEADER, &uh)) < 0)
			return rc;
		return vf__gbuf_put(b, st->u.user.data, st->u.user.len);
	default: return -EINVAL;
	}
}

static int encrypt(struct vf__gbuf *out, const struct vf__keyring *kr,
		   const struct vf__gbuf *b)
{
	size_t blen = b->len + VF__GOSSIP_ENC_OVERHEAD, start = out->len;
	uint8_t head[ENC_HEAD] = {VF__GOSSIP_ENCRYPT, (uint8_t)(blen >> 24),
				  (uint8_t)(blen >> 16), (uint8_t)(blen >> 8),
				  (uint8_t)blen};
	int rc;

	if ((rc = vf__gbuf_put(out, head, ENC_HEAD)) < 0 ||
	    (rc = vf__gossip_encrypt(out, kr, 1, b->data, b->len, head, ENC_HEAD)) < 0)
		out->len = start;
	return rc;
}

int vf__gossip_stream_encode(struct vf__gbuf *out, const struct vf__gossip_stream *st,
			     unsigned int flags, const struct vf__keyring *kr)
{
	struct vf__gbuf b = {0}, z = {0};
	const struct vf__gbuf *msg = &b;
	int rc;

	if ((rc = encode_plain(&b, st)) < 0)
		goto out;
	if ((flags & VF__GOSSIP_F_COMPRESS)) {
		if ((rc = vf__gossip_deflate(&z, b.data, b.len)) < 0)
			goto out;
		msg = &z;
	}
	if (msg->len + VF__GOSSIP_ENC_OVERHEAD > VF__GOSSIP_STREAM_MAX) {
		rc = -EMSGSIZE;
		goto out;
	}
	rc = kr ? encrypt(out, kr, msg) : vf__gbuf_put(out, msg->data, msg->len);
out:
	vf__gbuf_free(&b);
	vf__gbuf_free(&z);
	return rc;
}
