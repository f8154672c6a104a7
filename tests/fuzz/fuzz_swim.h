/*
 * For the fuzz targets that run a SWIM node (membership, query): members
 * it knows before the input arrives.
 */
#ifndef VF_TESTS_FUZZ_SWIM_H
#define VF_TESTS_FUZZ_SWIM_H

#include "gossip/codec.h"
#include "gossip/membership.h"
#include "fuzz.h"

/* Tells @s that @name, at 127.0.0.@last:7946 with Serf's empty tags,
 * is alive at incarnation 1, as that member's own packet would. */
static inline void fuzz_alive(struct vf__swim *s, const char *name, uint8_t last)
{
	uint8_t ip[4] = {127, 0, 0, last};
	struct vf__gossip_msg m = {.type = VF__GOSSIP_ALIVE};
	struct vf__gaddr from = {{127, 0, 0, last}, 4, 7946};
	struct vf__gbuf b = {0};

	m.u.alive.addr = (struct vf__gbytes){ip, 4};
	m.u.alive.incarnation = 1;
	m.u.alive.meta = (struct vf__gbytes){(const uint8_t *)"\xff\x80", 2};
	m.u.alive.node = vf__gbytes_str(name);
	m.u.alive.port = 7946;
	m.u.alive.vsn = VF__GOSSIP_VSN_SERF;
	CHECK(vf__gossip_msgs_encode(&b, &m, 1) == 0);
	vf__swim_packet(s, &from, b.data, b.len);
	vf__gbuf_free(&b);
}

#endif
