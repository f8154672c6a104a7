/*
 * Connection tracking: the flows a host's policy has let through, so that
 * their replies pass without a rule (stateful security groups and
 * policies). Keyed by zone (the cell id, so overlapping VXLAN cells never
 * share an entry) and the 5-tuple, direction-independent.
 *
 * Timeouts (seconds): TCP 7440 once both sides have spoken and a SYN was
 * seen, 120 before that, 10 after FIN or RST; UDP 30, 180 once both sides
 * have spoken; ICMP echo 30; other protocols 600. Memory is bounded: at
 * the limit a new entry replaces the oldest-expiring one it meets, never
 * an established one.
 */
#ifndef VF_PIPELINE_CONNTRACK_H
#define VF_PIPELINE_CONNTRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/match.h"

struct vf__ct;

enum vf__ct_state {
	VF__CT_NEW = 0,	  /* no entry */
	VF__CT_ORIG = 1,  /* an entry, seen in the direction that opened it */
	VF__CT_REPLY = 2, /* an entry, seen in the reply direction */
};

/* 0 or -ENOMEM. @max_entries bounds memory. */
int vf__ct_create(struct vf__ct **out, size_t max_entries);
void vf__ct_destroy(struct vf__ct *ct);
size_t vf__ct_count(const struct vf__ct *ct);

/* Looks @f up in @zone at time @now_ns and, when it is found, refreshes
 * its timeout and advances the TCP state from @tcp_flags. */
enum vf__ct_state vf__ct_lookup(struct vf__ct *ct, uint32_t zone, const struct vf__flow *f,
				uint8_t tcp_flags, uint64_t now_ns);
/* vf__ct_lookup() for a caller that sees the flow again and again (the
 * flow cache): *@hint, 0 at first, remembers where the entry was, and
 * while it still is there the look-up neither hashes nor probes. */
enum vf__ct_state vf__ct_lookup_hint(struct vf__ct *ct, uint32_t zone,
				     const struct vf__flow *f, uint8_t tcp_flags,
				     uint64_t now_ns, uint32_t *hint);
/* Like vf__ct_lookup() but changes nothing (for traces). */
enum vf__ct_state vf__ct_peek(const struct vf__ct *ct, uint32_t zone,
			      const struct vf__flow *f, uint64_t now_ns);
/* Records a new flow @f (its direction is the original); 0, or -ENOSPC
 * when the table is full of live connections. */
int vf__ct_commit(struct vf__ct *ct, uint32_t zone, const struct vf__flow *f,
		  uint8_t tcp_flags, uint64_t now_ns);
/* Removes expired entries, looking at no more than @budget of them;
 * returns how many it removed. */
size_t vf__ct_expire(struct vf__ct *ct, uint64_t now_ns, size_t budget);
/* Forgets every entry of @zone (a cell removed, a rule set changed). */
void vf__ct_flush_zone(struct vf__ct *ct, uint32_t zone);
/* Forgets every entry whose zone & @mask is @value. */
void vf__ct_flush_zones(struct vf__ct *ct, uint32_t mask, uint32_t value);

#endif
