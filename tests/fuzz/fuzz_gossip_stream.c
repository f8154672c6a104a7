/*
 * Fuzz target: the gossip TCP stream decoder (fallback ping and ack,
 * push-pull with node states and user state, reliable user messages,
 * err; compressed and encrypted framing). The first byte picks the mode:
 * 0 plain, 1 encrypted with the test key (the encrypted captures' key),
 * 2 the rest sealed into a [10][len] frame with the test key first. What
 * decodes goes through the Serf layer (push-pull state, user messages),
 * is re-encoded and decoded again (the encoding must be a fixed point),
 * and every prefix-length property holds: the message took at most the
 * input, and refusals are -EAGAIN, -EPROTO, -EMSGSIZE or -EBADMSG with
 * nothing held.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gossip/codec.h"
#include "gossip/crypto.h"
#include "gossip/serf.h"
#include "fuzz.h"

static const uint8_t test_key[32] = {
	0x85, 0x5c, 0xa6, 0x75, 0x13, 0x49, 0x88, 0xc8, 0xdd, 0x9b, 0xb7,
	0xa7, 0xf1, 0x1b, 0xc8, 0x1f, 0xee, 0xcc, 0xe4, 0x19, 0xdc, 0xef,
	0x57, 0xa0, 0x71, 0xe0, 0x5e, 0x5d, 0x5e, 0xfa, 0xd6, 0x59,
};

static void serf(struct vf__gbytes b)
{
	struct vf__serf_msg m, m2;
	struct vf__gbuf x = {0}, y = {0};
	int rc = vf__serf_decode(&m, b.data, b.len);

	CHECK(rc == 0 || rc == -EPROTO || rc == -EMSGSIZE);
	if (rc < 0)
		return;
	CHECK(vf__serf_encode(&x, &m) == 0);
	CHECK(vf__serf_decode(&m2, x.data, x.len) == 0);
	CHECK(vf__serf_encode(&y, &m2) == 0);
	CHECK(x.len == y.len && !memcmp(x.data, y.data, x.len));
	vf__serf_free(&m);
	vf__serf_free(&m2);
	vf__gbuf_free(&x);
	vf__gbuf_free(&y);
}

static void again(const struct vf__gossip_stream *st, const struct vf__keyring *kr)
{
	unsigned int flags = st->compressed ? VF__GOSSIP_F_COMPRESS : 0;
	struct vf__gbuf a = {0}, b = {0};
	struct vf__gossip_stream s2;
	int rc = vf__gossip_stream_encode(&a, st, flags, NULL);

	CHECK(rc == 0 || rc == -EMSGSIZE);
	if (rc < 0)
		return;
	CHECK(vf__gossip_stream_decode(&s2, a.data, a.len, NULL) == 0);
	CHECK(s2.used == a.len && s2.type == st->type && s2.compressed == st->compressed);
	CHECK(vf__gossip_stream_encode(&b, &s2, flags, NULL) == 0);
	CHECK(a.len == b.len && !memcmp(a.data, b.data, a.len));
	vf__gossip_stream_free(&s2);
	if (kr) {
		b.len = 0;
		CHECK(vf__gossip_stream_encode(&b, st, flags, kr) == 0);
		CHECK(vf__gossip_stream_decode(&s2, b.data, b.len, kr) == 0);
		CHECK(s2.used == b.len && s2.encrypted);
		vf__gossip_stream_free(&s2);
	}
	vf__gbuf_free(&a);
	vf__gbuf_free(&b);
}

/* [10][len][blob of @p] */
static void seal(struct vf__gbuf *out, const struct vf__keyring *kr, const uint8_t *p,
		 size_t n)
{
	size_t blen = n + VF__GOSSIP_ENC_OVERHEAD;
	uint8_t head[5] = {VF__GOSSIP_ENCRYPT, (uint8_t)(blen >> 24),
			   (uint8_t)(blen >> 16), (uint8_t)(blen >> 8), (uint8_t)blen};

	CHECK(vf__gbuf_put(out, head, 5) == 0);
	CHECK(vf__gossip_encrypt(out, kr, 1, p, n, head, 5) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vf__keyring *kr;
	const struct vf__keyring *use = NULL;
	struct vf__gbuf sealed = {0};
	struct vf__gossip_stream st;
	const uint8_t *p;
	size_t n;
	int rc;

	if (!kr && vf__keyring_create(&kr, test_key, sizeof(test_key)) < 0)
		abort();
	if (size < 1)
		return 0;
	p = data + 1;
	n = size - 1;
	if (data[0] & 3) {
		use = kr;
		if ((data[0] & 3) == 2) {
			seal(&sealed, kr, p, n);
			p = sealed.data;
			n = sealed.len;
		}
	}
	rc = vf__gossip_stream_decode(&st, p, n, use);
	CHECK(rc == 0 || rc == -EAGAIN || rc == -EPROTO || rc == -EMSGSIZE ||
	      rc == -EBADMSG);
	if (rc == 0) {
		CHECK(st.used <= n && st.encrypted == (use != NULL));
		if (st.type == VF__GOSSIP_PUSH_PULL && st.u.push_pull.user_state.len)
			serf(st.u.push_pull.user_state);
		if (st.type == VF__GOSSIP_USER && st.u.user.len)
			serf(st.u.user);
		again(&st, use);
	} else {
		CHECK(!st.mem.head);
	}
	vf__gossip_stream_free(&st);
	vf__gbuf_free(&sealed);
	return 0;
}
