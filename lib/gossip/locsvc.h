/*
 * The gossip location service: where every VM of the fabric lives,
 * without a central controller (DESIGN.md §3).
 *
 * A location record (cell, VIP) -> (VMAC, subnet, host MAC, host underlay
 * IP, version, origin) is owned by the host where the port lives: its
 * origin. The origin publishes a record for each local port (and a
 * withdrawn record when the port goes), each with a version from its own
 * counter, which only grows and jumps past any version seen for the same
 * (cell, VIP) so a port that moves here wins over its old home.
 *
 * Spread: each publication is a piggybacked broadcast (locmsg.h [23]),
 * which every host that learns from it broadcasts again (epidemic, as
 * Serf spreads its events: memberlist alone sends a broadcast to a few
 * random members only).
 * Repair (Scuttlebutt): every host keeps a version vector, origin ->
 * version up to which it holds all that origin's records; push-pull user
 * state carries the vector ([22]), and each side answers the other's
 * vector with only the records it misses, in bounded UDP updates, at most
 * VF__LOCSVC_DELTA_MAX records per exchange. A record that arrives out of
 * order is used at once but moves the vector only when its marks prove
 * nothing before it is missing.
 *
 * Install: for each (cell, VIP) the winner among the live records of
 * live origins is set in the pipeline's table (vf_location_set): the
 * higher version wins; equal versions from different origins: the origin
 * whose name is greater (strcmp) wins, on every host alike. A local port
 * always wins here (the table holds only other hosts' VMs).
 * Withdraw: the records of an origin the membership reports failed or
 * left are taken out of the table and forgotten (with its vector entry);
 * when it is alive again, a sync request ([22] by UDP: our vector, or,
 * when that does not fit a datagram, a partial one asking for the
 * returning host's own records) and anti-entropy bring them back.
 * Tombstones: a withdrawn record (its port is gone) is kept, dead, so an
 * older copy still travelling cannot bring the VM back; it is dropped
 * after the tombstone time (VF__LOCSVC_TOMBSTONE_MS, swept in 8 steps of
 * an eighth of it). An older record of an origin whose versions we hold
 * up to above it (the vector) is stale even when its key is no longer
 * held, so a dropped tombstone stays dropped. The limit: a host that
 * stays a live member yet misses every anti-entropy exchange with the
 * origin for longer than the tombstone time may keep the withdrawn VM (a
 * failed or partitioned host forgets the origin and syncs again).
 * Misses: vf__locsvc_request() asks the last known owner, or the cluster
 * (a broadcast [21]); only the owner answers, with an update that
 * installs the record (and wakes the parked ARP requests).
 *
 * One thread (the fabric's loop) drives it; the state machine is given,
 * not owned.
 */
#ifndef VF_GOSSIP_LOCSVC_H
#define VF_GOSSIP_LOCSVC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gossip/membership.h"

/* Records sent to one peer per exchange, and the size of one UDP update. */
#define VF__LOCSVC_DELTA_MAX 512u
#define VF__LOCSVC_UDP_MAX 1024u
/* Withdrawn records are kept this long (ms) unless the options say. */
#define VF__LOCSVC_TOMBSTONE_MS (3600u * 1000u)
/* Misses asked again for the same (cell, VIP) at most this often (ms). */
#define VF__LOCSVC_QUERY_MS 1000u

struct vf_fabric;
struct vf_location;
struct vf__locsvc;

/* Where the winners go: the fabric's pipeline table unless a simulation
 * (tests/bench) counts them instead. */
struct vf__locsvc_table {
	void *ctx;
	int (*set)(void *ctx, const struct vf_location *l);
	void (*del)(void *ctx, uint32_t cell, uint32_t vip);
	bool (*has)(void *ctx, uint32_t cell, uint32_t vip);
};

struct vf__locsvc_opts {
	/* whose ports are published, whose table is filled; NULL (with
	 * @table): no ports of its own */
	struct vf_fabric *fabric;
	const struct vf__locsvc_table *table; /* NULL: the fabric's */
	const char *name;	  /* this host's member name */
	uint64_t version_base;	  /* first version is base + 1 (a restart: the time) */
	uint64_t tombstone_ms;	  /* 0: VF__LOCSVC_TOMBSTONE_MS */
};

struct vf__locsvc_stats {
	uint64_t published, withdrawn_local; /* our records */
	uint64_t recs_in, recs_applied, recs_stale, recs_gone;
	uint64_t recs_expired; /* tombstones dropped after the tombstone time */
	uint64_t installs, uninstalls, install_errors;
	uint64_t origins_withdrawn, syncs_sent;
	uint64_t syncs_partial; /* of those, for the peer's own records only */
	uint64_t syncs_in;	/* sync requests answered (not push-pull) */
	uint64_t bad_malformed, bad_oversized; /* dropped messages */
	uint64_t bcast_bytes;		       /* our updates, broadcast */
	uint64_t rebroadcasts;		       /* others', spread again */
	uint64_t ae_records, ae_bytes;	       /* anti-entropy updates sent */
	uint64_t state_bytes;		       /* version vectors sent */
	uint64_t queries_sent, queries_answered;
};

int vf__locsvc_create(struct vf__locsvc **out, const struct vf__locsvc_opts *o);
/* Takes every installed record out of the table; NULL: no-op. */
void vf__locsvc_destroy(struct vf__locsvc *ls);
/* The state machine to talk through (NULL: none, nothing is sent). */
void vf__locsvc_set_swim(struct vf__locsvc *ls, struct vf__swim *s);
/* The hooks to route to the service (user, local_state, remote_state). */
void vf__locsvc_hooks(struct vf__locsvc *ls, struct vf__swim_hooks *h);

/* The hooks themselves, for callers that route by hand. */
void vf__locsvc_user(struct vf__locsvc *ls, const uint8_t *p, size_t len);
int vf__locsvc_local_state(struct vf__locsvc *ls, struct vf__gbuf *out);
void vf__locsvc_remote_state(struct vf__locsvc *ls, const uint8_t *p, size_t len);

/* Periodic work (from the control loop): publishes what changed among
 * the fabric's ports, withdraws and restores origins as the membership
 * sees them, drops expired tombstones (on the state machine's clock). */
void vf__locsvc_tick(struct vf__locsvc *ls);
/* A pipeline miss for (cell, vip) at @now_ms: asks the owner or the
 * cluster (rate-limited per key). */
void vf__locsvc_request(struct vf__locsvc *ls, uint32_t cell, uint32_t vip,
			uint64_t now_ms);

const struct vf__locsvc_stats *vf__locsvc_stats(const struct vf__locsvc *ls);
/* Records held (ours and others', withdrawn ones included). */
size_t vf__locsvc_count(const struct vf__locsvc *ls);
/* The version up to which we hold all of @origin's records (0: none). */
uint64_t vf__locsvc_known(const struct vf__locsvc *ls, const char *origin);

#endif
