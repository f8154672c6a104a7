/*
 * The location service's messages (locsvc.h), as user messages of the
 * fabric's own types (the first byte, >= 10) inside memberlist's [8]
 * user messages and as push-pull user state. After the type byte comes
 * one msgpack object, written in the codec's style (maps with short keys
 * in name order, smallest unsigned integers, strings as str):
 *
 *   [20] update: {R: records, U: marks}; a record is a map
 *        {C: cell, D: withdrawn, HI: host IPv4, HM: host MAC (6 bytes),
 *         I: VIP, M: VMAC (6 bytes), O: origin host name, S: subnet,
 *         V: version}; a mark [origin, base, upto] says the records of
 *        that origin with versions in (base, upto] are all in R (or
 *        superseded by ones in R): a receiver that knows the origin up
 *        to base knows it up to upto afterwards (locsvc.c)
 *   [21] query:  {C: cell, F: asking host's name, I: VIP}
 *   [23] gossip: an update as [20], broadcast: a receiver that learns
 *        something from it broadcasts it again (as Serf does its events)
 *   [22] state:  {F: sender's name, P: 1 (optional), V: [[origin,
 *        highest version], ...]} (the version vector, in push-pull user
 *        state and in sync requests); with P the vector is partial: the
 *        sender asks only for the origins listed (an origin listed at 0:
 *        all its records), where a whole vector would not fit a datagram
 *
 * Decoding checks every length and limit; the decoded struct's strings
 * are views into the input. No state: safe on any thread.
 */
#ifndef VF_GOSSIP_LOCMSG_H
#define VF_GOSSIP_LOCMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gossip/codec.h"

enum vf__loc_type {
	VF__LOC_UPDATE = 20,
	VF__LOC_QUERY = 21,
	VF__LOC_STATE = 22,
	VF__LOC_GOSSIP = 23, /* an update that receivers spread again */
};

#define VF__LOC_MSG_MAX 65536u /* one message, type byte included */
#define VF__LOC_RECS_MAX 1024u /* records in one update */
#define VF__LOC_VV_MAX 4096u   /* origins in a version vector or marks */
#define VF__LOC_NAME_MAX 255u  /* a host name (memberlist's node name) */

struct vf__loc_rec {
	struct vf__gbytes origin;
	uint32_t cell, vip, subnet, host_ip;
	struct vf__gbytes vmac, host_mac; /* 6 bytes each */
	uint64_t version;
	bool dead; /* withdrawn by its origin (the port is gone) */
};

struct vf__loc_vv {
	struct vf__gbytes origin;
	uint64_t version;
};

struct vf__loc_mark {
	struct vf__gbytes origin;
	uint64_t base, upto;
};

struct vf__loc_msg {
	uint8_t type; /* enum vf__loc_type; [23] fills u.update */
	union {
		struct {
			struct vf__loc_rec *recs; /* owned */
			size_t n;
			struct vf__loc_mark *marks; /* owned */
			size_t nmarks;
		} update;
		struct {
			struct vf__gbytes from;
			uint32_t cell, vip;
		} query;
		struct {
			struct vf__gbytes from;
			struct vf__loc_vv *vv; /* owned */
			size_t n;
			bool partial; /* P: only the origins in vv */
		} state;
	} u;
};

/* Decodes @p (type byte first). 0; -EPROTO malformed (unknown type,
 * missing or bad field, trailing bytes); -EMSGSIZE over a limit above;
 * -ENOMEM. Nothing to free on failure. */
int vf__loc_msg_decode(struct vf__loc_msg *out, const uint8_t *p, size_t len);
void vf__loc_msg_free(struct vf__loc_msg *m);
/* Appends @m (type byte first) to @out. */
int vf__loc_msg_encode(struct vf__gbuf *out, const struct vf__loc_msg *m);
/* The encoded size of one record (to fill messages up to a budget). */
size_t vf__loc_rec_size(const struct vf__loc_rec *r);
size_t vf__loc_mark_size(const struct vf__loc_mark *k);

#endif
