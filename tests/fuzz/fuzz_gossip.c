/*
 * Fuzz target: the gossip UDP packet decoder, every layer. The first byte
 * picks the mode, the rest is the packet:
 *   0: a plain packet (CRC, compound, compress, each message type);
 *   1: an encrypted packet, opened with the test key (the key of the
 *      encrypted captures, so their packets are valid seeds);
 *   2: the rest is sealed with the test key first, then decoded, so the
 *      layers under a successful decryption are reached too.
 * Whatever decodes goes through the Serf layer (user messages, relays,
 * filters, tags), is re-encoded (with the same CRC, and sealed again when
 * it was encrypted) and decoded again: the second encoding must equal the
 * first. Refusals must be -EPROTO, -EMSGSIZE or -EBADMSG with nothing
 * held.
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

static void serf(const uint8_t *p, size_t len, int depth);

static void serf_parts(const struct vf__serf_msg *m, int depth)
{
	struct vf__gbytes nodes[8];
	struct vf__serf_filter f;
	int rc;

	if (m->type == VF__SERF_RELAY && depth < 2)
		serf(m->u.relay.msg.data, m->u.relay.msg.len, depth + 1);
	for (uint32_t i = 0; m->type == VF__SERF_QUERY && i < m->u.query.nfilters; i++) {
		rc = vf__serf_filter_decode(&f, nodes, 8, m->u.query.filters[i]);
		CHECK(rc == 0 || rc == -EPROTO || rc == -EMSGSIZE);
		CHECK(rc < 0 || f.type <= 1);
	}
}

/* A Serf message: decoded, encoded, decoded and encoded again, equal. */
static void serf(const uint8_t *p, size_t len, int depth)
{
	struct vf__serf_msg m, m2;
	struct vf__gbuf a = {0}, b = {0};
	int rc = vf__serf_decode(&m, p, len);

	CHECK(rc == 0 || rc == -EPROTO || rc == -EMSGSIZE);
	if (rc < 0) {
		CHECK(!m.mem.head);
		return;
	}
	serf_parts(&m, depth);
	CHECK(vf__serf_encode(&a, &m) == 0);
	CHECK(vf__serf_decode(&m2, a.data, a.len) == 0);
	CHECK(m2.type == m.type);
	CHECK(vf__serf_encode(&b, &m2) == 0);
	CHECK(a.len == b.len && !memcmp(a.data, b.data, a.len));
	vf__serf_free(&m);
	vf__serf_free(&m2);
	vf__gbuf_free(&a);
	vf__gbuf_free(&b);
}

static void tags(struct vf__gbytes meta)
{
	struct vf__serf_tag t[VF__SERF_TAGS_MAX];
	struct vf__gbuf b = {0};
	uint32_t n;
	int rc = vf__serf_tags_decode(t, VF__SERF_TAGS_MAX, &n, meta);

	CHECK(rc == 0 || rc == -EPROTO || rc == -EMSGSIZE);
	if (rc < 0)
		return;
	rc = vf__serf_tags_encode(&b, t, n);
	CHECK(rc == 0 || rc == -EMSGSIZE);
	CHECK(rc < 0 || b.len <= VF__GOSSIP_META_MAX);
	vf__gbuf_free(&b);
}

static void walk(const struct vf__gossip_packet *pkt)
{
	uint32_t parts = 0;

	for (uint32_t i = 0; i < pkt->nmsgs; i++) {
		const struct vf__gossip_msg *m = &pkt->msgs[i];

		CHECK(m->raw.len >= 1 && m->raw.data[0] == m->type);
		parts += m->nparts;
		if (m->type == VF__GOSSIP_USER)
			serf(m->u.user.data, m->u.user.len, 0);
		if (m->type == VF__GOSSIP_ALIVE) {
			CHECK(m->u.alive.vsn.len <= VF__GOSSIP_VSN_MAX);
			tags(m->u.alive.meta);
		}
	}
	/* a tree: every message but the root is somebody's part */
	CHECK(parts == pkt->nmsgs - 1);
	CHECK(pkt->nmsgs <= VF__GOSSIP_MSGS_MAX);
}

/* Re-encodes @pkt; the encoding must be a fixed point of decode+encode. */
static void again(const struct vf__gossip_packet *pkt, const struct vf__keyring *kr)
{
	unsigned int flags = pkt->crc ? VF__GOSSIP_F_CRC : 0;
	struct vf__gbuf a = {0}, b = {0};
	struct vf__gossip_packet p2;
	int rc;

	rc = vf__gossip_packet_encode(&a, pkt->msgs, pkt->nmsgs, flags, NULL);
	/* str8 and bin8 come back one byte longer as str16: a part or the
	 * packet may no longer fit */
	CHECK(rc == 0 || rc == -EINVAL || rc == -EMSGSIZE);
	if (rc < 0)
		return;
	CHECK(vf__gossip_packet_decode(&p2, a.data, a.len, NULL) == 0);
	CHECK(p2.nmsgs == pkt->nmsgs && p2.crc == pkt->crc);
	CHECK(vf__gossip_packet_encode(&b, p2.msgs, p2.nmsgs, flags, NULL) == 0);
	CHECK(a.len == b.len && !memcmp(a.data, b.data, a.len));
	vf__gossip_packet_free(&p2);
	if (kr) {
		b.len = 0;
		rc = vf__gossip_packet_encode(&b, pkt->msgs, pkt->nmsgs, flags, kr);
		CHECK(rc == 0 || rc == -EMSGSIZE);
		CHECK(rc < 0 || vf__gossip_packet_decode(&p2, b.data, b.len, kr) == 0);
		if (!rc)
			vf__gossip_packet_free(&p2);
	}
	vf__gbuf_free(&a);
	vf__gbuf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vf__keyring *kr;
	struct vf__gossip_packet pkt;
	struct vf__gbuf sealed = {0};
	const struct vf__keyring *use = NULL;
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
			CHECK(vf__gossip_encrypt(&sealed, kr, 1, p, n, NULL, 0) == 0);
			p = sealed.data;
			n = sealed.len;
		}
	}
	rc = vf__gossip_packet_decode(&pkt, p, n, use);
	CHECK(rc == 0 || rc == -EPROTO || rc == -EMSGSIZE || rc == -EBADMSG);
	if (rc == 0) {
		CHECK(pkt.encrypted == (use != NULL));
		walk(&pkt);
		again(&pkt, use);
	} else {
		CHECK(!pkt.msgs && !pkt.mem.head && !pkt.nmsgs);
	}
	vf__gossip_packet_free(&pkt);
	vf__gbuf_free(&sealed);
	return 0;
}
