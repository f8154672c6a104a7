/*
 * Gossip membership: SWIM with the Lifeguard refinements, as memberlist
 * 0.2.2 runs it under Debian's serf agent (protocol notes memberlist.md
 * §10, serf.md §5), so a stock agent and libvfabric hosts share a cluster.
 *
 * Two layers:
 * - the state machine (swim.c, swim_msg.c), struct vf__swim: members,
 *   probes, suspicion, broadcasts, push-pull, Serf intents. It does no
 *   I/O and reads no clock: it calls the four functions of a struct
 *   vf__swim_io (send a datagram, open a stream, read the time, arm the
 *   one timer) and is fed by vf__swim_packet(), vf__swim_stream_*() and
 *   vf__swim_tick(). The real io is transport.c (UDP and TCP on the
 *   fabric's libuv loop); a virtual one (tests/unit/gossip_sim.h) runs
 *   many nodes in one process on a virtual clock.
 * - the public API (membership.c): vfabric/gossip.h on a fabric.
 *
 * Nothing here is thread-safe: one thread (the loop's) drives a vf__swim.
 */
#ifndef VF_GOSSIP_MEMBERSHIP_H
#define VF_GOSSIP_MEMBERSHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gossip/codec.h"

struct vf__keyring;
struct vf__swim;

/* A memberlist address: IPv4 (4 bytes) or IPv6 (16), and a port. */
struct vf__gaddr {
	uint8_t ip[16];
	uint8_t len;
	uint16_t port;
};

/* Timing and sizes; memberlist's names, milliseconds. */
struct vf__swim_config {
	uint32_t probe_interval, probe_timeout;
	uint32_t indirect_checks;
	uint32_t awareness_max; /* AwarenessMaxMultiplier: score 0..max-1 */
	uint32_t suspicion_mult, suspicion_max_mult;
	uint32_t retransmit_mult;
	uint32_t gossip_interval, gossip_nodes, gossip_to_dead;
	uint32_t push_pull_interval;
	uint32_t tcp_timeout;
	uint32_t leave_linger; /* answer pings this long after a leave */
	/* Serf's: every reconnect_interval a random failed member gets a join
	 * push-pull (a healed partition merges again); failed members are
	 * forgotten after reconnect_timeout, left ones after tombstone. */
	uint32_t reconnect_interval;
	uint64_t reconnect_timeout, tombstone;
	uint32_t udp_budget; /* UDPBufferSize */
	bool tcp_ping;	     /* fallback TCP ping (DisableTcpPings off) */
};

/* LAN (0), WAN (1), LOCAL (2) profiles of memberlist.md §10. */
void vf__swim_config_profile(struct vf__swim_config *c, int profile);

/* The io a state machine runs on. Every function gets @ctx. */
struct vf__swim_io {
	void *ctx;
	/* One datagram to @to; errors are counted, never retried. */
	int (*send_packet)(void *ctx, const struct vf__gaddr *to, const uint8_t *p,
			   size_t len);
	/* Opens a stream to @to, writes @p, then hands what comes back to
	 * vf__swim_stream_reply(@cookie) (or vf__swim_stream_fail()). */
	int (*stream_open)(void *ctx, const struct vf__gaddr *to, const uint8_t *p,
			   size_t len, uint64_t cookie);
	/* Milliseconds on a monotonic clock. */
	uint64_t (*now)(void *ctx);
	/* Call vf__swim_tick() at @due (ms, same clock); replaces the last. */
	void (*arm)(void *ctx, uint64_t due);
};

/* Member states, as the public API numbers them. */
enum vf__member_state {
	VF__MEMBER_ALIVE = 0,
	VF__MEMBER_SUSPECT = 1,
	VF__MEMBER_FAILED = 2,
	VF__MEMBER_LEFT = 3,
};

enum vf__swim_event {
	VF__SWIM_JOINED = 1,
	VF__SWIM_FAILED = 2,
	VF__SWIM_LEFT = 3,
	VF__SWIM_UPDATED = 4,
};

struct vf__swim_node;

/* Hooks for what comes next (location records, anti-entropy, queries). */
struct vf__swim_hooks {
	void *ctx;
	/* A member changed; @n is valid during the call. */
	void (*event)(void *ctx, enum vf__swim_event ev, const struct vf__swim_node *n);
	/* A user message (UDP or TCP) that is not a Serf intent: Serf
	 * events, queries and the fabric's own types (first byte >= 10). */
	void (*user)(void *ctx, const uint8_t *p, size_t len);
	/* Push-pull user state: what to send (append to @out; nothing: no
	 * state) and what came (only when non-empty). */
	int (*local_state)(void *ctx, struct vf__gbuf *out, bool join);
	void (*remote_state)(void *ctx, const uint8_t *p, size_t len, bool join);
};

/* Bad-input and traffic counters. */
struct vf__swim_stats {
	uint64_t packets_in, packets_out, bytes_in, bytes_out;
	uint64_t streams_in, streams_out;
	uint64_t bad_malformed, bad_crc, bad_decrypt, bad_oversized;
	uint64_t bad_unknown_type, bad_unknown_node, bad_stream;
	uint64_t send_errors;
	uint64_t probes, probe_failures, indirect_probes, tcp_probes;
	uint64_t suspicions, refutes, push_pulls, broadcasts_dropped;
	/* alive, suspect and dead packets that changed nothing (stale:
	 * vf__swim_on_alive()): duplicates and replays */
	uint64_t stale;
};

struct vf__swim_opts {
	const char *name;
	struct vf__gaddr addr; /* advertised */
	const uint8_t *meta;   /* Serf tags, [0xff] + map */
	size_t meta_len;
	struct vf__keyring *kr; /* borrowed; NULL: plain */
	bool compress;		/* compress TCP messages (Go's default) */
	uint64_t seed;		/* random generator; 0: from libsodium */
	struct vf__swim_config cfg;
};

/* One per member per host, so laid out small (a 10,000-member cluster
 * holds 10^8 of them across its hosts): the name is part of the same
 * allocation, and equal metadata is shared between members. */
struct vf__swim_node {
	struct vf__gaddr addr;
	uint32_t incarnation;
	uint64_t state_time; /* when the state last changed */
	uint64_t serf_ltime; /* last Serf intent's LTime */
	const uint8_t *meta; /* shared, read-only (NULL: none) */
	struct vf__suspicion *susp;
	uint32_t index; /* in the member array */
	uint16_t meta_len;
	uint8_t state; /* enum vf__gossip_state */
	bool leaving;  /* a Serf leave intent came */
	struct vf__gossip_vsn vsn;
	char name[];
};

int vf__swim_create(struct vf__swim **out, const struct vf__swim_opts *o,
		    const struct vf__swim_io *io, const struct vf__swim_hooks *hooks);
void vf__swim_destroy(struct vf__swim *s);

/* Inputs from the io. */
void vf__swim_packet(struct vf__swim *s, const struct vf__gaddr *from, const uint8_t *p,
		     size_t len);
/* A stream someone opened to us: all bytes so far in @p (@eof: no more
 * come). -EAGAIN: call again with more; 0: write @reply (may be empty)
 * and close; < 0: close (counted). */
int vf__swim_stream_recv(struct vf__swim *s, const uint8_t *p, size_t len, bool eof,
			 struct vf__gbuf *reply);
/* What came back on a stream we opened (all so far; -EAGAIN: more). */
int vf__swim_stream_reply(struct vf__swim *s, uint64_t cookie, const uint8_t *p,
			  size_t len, bool eof);
void vf__swim_stream_fail(struct vf__swim *s, uint64_t cookie, int err);
/* Runs what is due and arms the next timer. */
void vf__swim_tick(struct vf__swim *s);

/* Control. */
int vf__swim_join(struct vf__swim *s, const struct vf__gaddr *seed);
/* Starts a graceful leave: Serf leave intent, dead about self; done
 * (vf__swim_left() true) once both went out and leave_linger passed. */
int vf__swim_leave(struct vf__swim *s);
bool vf__swim_left(const struct vf__swim *s);
/* New metadata (tags): a new alive with a higher incarnation. */
int vf__swim_set_meta(struct vf__swim *s, const uint8_t *meta, size_t len);
/* Queues a user message broadcast (sent piggybacked, [8] + @p). */
int vf__swim_broadcast_user(struct vf__swim *s, const uint8_t *p, size_t len);
/* Sends [8] + @p to member @node alone, by UDP (its own message: the
 * fabric's location requests and answers). -ENOENT: unknown or gone. */
int vf__swim_send_user(struct vf__swim *s, const char *node, const uint8_t *p,
		       size_t len);
/* Sends [8] + @p to @to alone, by UDP, as memberlist's SendToAddress
 * does (no CRC, nothing piggybacked): Serf's query acks, responses and
 * relays. -ESHUTDOWN once left. */
int vf__swim_send_user_addr(struct vf__swim *s, const struct vf__gaddr *to,
			    const uint8_t *p, size_t len);
struct vf__keyring *vf__swim_keyring(struct vf__swim *s);

/* Members, self included (index 0). */
size_t vf__swim_count(const struct vf__swim *s);
const struct vf__swim_node *vf__swim_node_at(const struct vf__swim *s, size_t i);
const struct vf__swim_node *vf__swim_find(const struct vf__swim *s, const char *name);
/* The public state of @n: left if a leave (memberlist or Serf) came. */
enum vf__member_state vf__swim_state(const struct vf__swim_node *n);
int vf__swim_awareness(const struct vf__swim *s);
const struct vf__swim_stats *vf__swim_stats(const struct vf__swim *s);
/* Broadcasts waiting to go out. */
size_t vf__swim_queued(const struct vf__swim *s);
/* Counts changes to the member list that matter to a service keyed by
 * member: one joined, failed, left, was updated or was forgotten. Equal
 * values: nothing of that changed in between. */
uint64_t vf__swim_generation(const struct vf__swim *s);
/* The state machine's clock (its io's now), in ms. */
uint64_t vf__swim_now(struct vf__swim *s);
/* For simulations that build a formed cluster without gossiping its
 * formation: drops every queued broadcast, and puts the probe, gossip,
 * push-pull and reconnect timers at a random phase of their periods, as
 * in a cluster that has run for a while (memberlist staggers its timers
 * at random too). */
void vf__swim_warm_start(struct vf__swim *s);

/* ---- seams for the location service (membership.c) ---- */

struct vf_fabric;
/* The running state machine of @f's gossip, or NULL. */
struct vf__swim *vf__gossip_swim(struct vf_fabric *f);
/* Routes user messages that are not Serf intents (fabric types >= 10,
 * Serf events and queries) and the push-pull user state to @h (its
 * @event is not used: the public callback gets events). Kept across
 * restarts; NULL clears. */
int vf__gossip_set_delegate(struct vf_fabric *f, const struct vf__swim_hooks *h);
/* The pipeline's miss for (cell, vip): the location service (locsvc.h),
 * which vf_gossip_start() runs unless a delegate was set, asks the owner
 * or the cluster; a no-op without gossip. */
void vf__gossip_loc_request(struct vf_fabric *f, uint32_t cell, uint32_t vip);

#endif
