/*
 * Fuzz target: the location service's message decoder (lib/gossip/locmsg.c),
 * what arrives as fabric user messages and push-pull user state. An input
 * is one message, type byte first. Invariants: a decoded message holds
 * whole fields (6-byte MACs, names of 1..255 bytes, versions > 0, marks
 * with base < upto) within the limits; it encodes, and its encoding
 * decodes to the same encoding again (a fixed point).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gossip/locmsg.h"
#include "fuzz.h"

static void check_fields(const struct vf__loc_msg *m)
{
	if (m->type == VF__LOC_UPDATE || m->type == VF__LOC_GOSSIP) {
		CHECK(m->u.update.n <= VF__LOC_RECS_MAX);
		CHECK(m->u.update.nmarks <= VF__LOC_VV_MAX);
		for (size_t i = 0; i < m->u.update.n; i++) {
			const struct vf__loc_rec *r = &m->u.update.recs[i];

			CHECK(r->vmac.len == 6 && r->host_mac.len == 6);
			CHECK(r->origin.len >= 1 && r->origin.len <= VF__LOC_NAME_MAX);
			CHECK(r->version > 0);
		}
		for (size_t i = 0; i < m->u.update.nmarks; i++)
			CHECK(m->u.update.marks[i].base < m->u.update.marks[i].upto);
	} else if (m->type == VF__LOC_QUERY) {
		CHECK(m->u.query.from.len >= 1);
	} else {
		CHECK(m->type == VF__LOC_STATE);
		CHECK(m->u.state.n <= VF__LOC_VV_MAX);
		CHECK(m->u.state.from.len >= 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vf__loc_msg m, m2;
	struct vf__gbuf a = {0}, b = {0};

	if (vf__loc_msg_decode(&m, data, size) < 0)
		return 0;
	check_fields(&m);
	CHECK(vf__loc_msg_encode(&a, &m) == 0);
	vf__loc_msg_free(&m);
	CHECK(vf__loc_msg_decode(&m2, a.data, a.len) == 0);
	CHECK(vf__loc_msg_encode(&b, &m2) == 0);
	CHECK(a.len == b.len && !memcmp(a.data, b.data, a.len));
	vf__loc_msg_free(&m2);
	vf__gbuf_free(&a);
	vf__gbuf_free(&b);
	return 0;
}
