/*
 * The state machine's private parts, shared by swim.c (members,
 * broadcasts, sending), swim_timer.c (probes, gossip, push-pull,
 * suspicion, leave) and swim_recv.c (what arrives).
 */
#ifndef VF_GOSSIP_SWIM_INTERNAL_H
#define VF_GOSSIP_SWIM_INTERNAL_H

#include <stdio.h>

#include "gossip/membership.h"
#include "util/hash.h"
#include "util/list.h"

#define VF__SWIM_NAME_MAX 255
#define VF__SWIM_CONFIRM_MAX 16

struct vf__suspicion {
	uint64_t start, deadline;
	uint32_t k, n; /* confirmations expected, received */
	uint64_t min, max;
	uint64_t from[VF__SWIM_CONFIRM_MAX]; /* hashes of who confirmed */
	uint32_t nfrom;
};

struct bcast {
	struct vf__list node;
	char *key;
	uint8_t *p; /* a whole message, type byte first */
	size_t len;
	uint32_t transmits;
	uint32_t flags; /* 1: part of a leave */
	uint64_t id;
};

#define BCAST_EACH(b, s)                                                               \
	for (struct vf__list *it_ = (s)->bcasts.next;                                  \
	     it_ != &(s)->bcasts && ((b) = vf__container_of(it_, struct bcast, node)); \
	     it_ = it_->next)

/* Someone waits for an ack with this sequence number. */
enum { HANDLER_PROBE = 1, HANDLER_RELAY = 2 };
struct handler {
	int kind;
	uint32_t seq;
	uint64_t deadline;
	/* relay: who asked, with which sequence number */
	struct vf__gaddr reply_to;
	uint32_t orig_seq;
	bool nack;
};

/* A stream we opened. */
enum { STREAM_PUSH_PULL = 1, STREAM_JOIN = 2, STREAM_PING = 3 };
struct pending {
	uint64_t cookie;
	int kind;
	uint32_t seq;
};

struct probe {
	bool active, acked, indirect, tcp_acked;
	char *target; /* the name: the node may change meanwhile */
	uint32_t seq;
	uint64_t timeout_at, end_at;
	uint32_t expected_nacks, nacks;
};

struct vf__swim {
	struct vf__swim_io io;
	struct vf__swim_hooks hooks;
	struct vf__swim_config cfg;
	struct vf__keyring *kr;
	bool compress;
	struct vf__swim_node **nodes; /* [0] is self */
	size_t nnodes, cap;
	struct vf__hmap by_name;
	struct vf__hmap metas; /* shared metadata (struct meta) */
	uint64_t generation;
	uint64_t rng;
	uint32_t seq;
	int awareness;

	size_t probe_index;
	struct probe probe;
	uint64_t next_probe, next_gossip, next_pp, next_reconnect;

	struct vf__list bcasts;
	size_t nbcasts;
	uint64_t bcast_id;

	struct handler *handlers;
	size_t nhandlers, hcap;
	struct pending *streams;
	size_t nstreams, scap;
	uint64_t next_cookie;

	uint64_t ltime; /* Serf's member clock */
	bool joined;	/* a join push-pull succeeded */
	bool leaving, left;
	uint64_t leave_deadline, left_at;
	size_t nsusp;
	struct vf__swim_stats st;
};

uint64_t vf__swim_rand(struct vf__swim *s);
double vf__swim_ln(double x);
double vf__swim_log10(double x);
uint64_t vf__swim_ceil(double x);
void vf__swim_awareness_add(struct vf__swim *s, int delta);
void vf__swim_event(struct vf__swim *s, enum vf__swim_event ev,
		    const struct vf__swim_node *n);
struct vf__swim_node *vf__swim_lookup(const struct vf__swim *s, const uint8_t *name,
				      size_t len);
struct vf__swim_node *vf__swim_node_add(struct vf__swim *s, const uint8_t *name,
					size_t len);
void vf__swim_node_remove(struct vf__swim *s, struct vf__swim_node *n);
int vf__swim_node_set_meta(struct vf__swim *s, struct vf__swim_node *n, const uint8_t *meta,
			   size_t len);
uint32_t vf__swim_retransmits(const struct vf__swim *s);
int vf__swim_queue(struct vf__swim *s, const char *key, const uint8_t *p, size_t len,
		   unsigned int flags);
int vf__swim_queue_msg(struct vf__swim *s, const char *name,
		       const struct vf__gossip_msg *m);
size_t vf__swim_bcasts_take(struct vf__swim *s, struct bcast **out, size_t max,
			    size_t overhead, size_t avail);
void vf__swim_bcasts_done(struct vf__swim *s, struct bcast **b, size_t n);
void vf__swim_bcasts_drop(struct vf__swim *s);
int vf__swim_encode(struct vf__gbuf *b, const struct vf__gossip_msg *m);
int vf__swim_send(struct vf__swim *s, const struct vf__gaddr *to,
		  const struct vf__swim_node *n, const struct vf__gbytes *parts,
		  size_t nparts, bool piggyback);
int vf__swim_send_msg(struct vf__swim *s, const struct vf__gaddr *to,
		      const struct vf__swim_node *n, const struct vf__gossip_msg *m);
void vf__swim_alive_of(const struct vf__swim_node *n, struct vf__gossip_msg *m);
int vf__swim_announce(struct vf__swim *s);
void vf__swim_refute(struct vf__swim *s, uint32_t accused);
int vf__swim_serf_intent(struct vf__swim *s, uint8_t type, const char *node);

/* swim_timer.c */
void vf__swim_rearm(struct vf__swim *s);
void vf__swim_suspect_start(struct vf__swim *s, struct vf__swim_node *n,
			    const uint8_t *from, size_t from_len);
bool vf__swim_suspect_confirm(struct vf__swim *s, struct vf__swim_node *n,
			      const uint8_t *from, size_t from_len);
void vf__swim_suspect_clear(struct vf__swim *s, struct vf__swim_node *n);
int vf__swim_handler_add(struct vf__swim *s, const struct handler *h);
struct handler *vf__swim_handler_find(struct vf__swim *s, uint32_t seq);
void vf__swim_handler_del(struct vf__swim *s, struct handler *h);
int vf__swim_stream_start(struct vf__swim *s, const struct vf__gaddr *to, int kind,
			  uint32_t seq, const struct vf__gossip_stream *st);
int vf__swim_push_pull_msg(struct vf__swim *s, struct vf__gossip_stream *st, bool join,
			   struct vf__gbuf *user);
void vf__swim_probe_acked(struct vf__swim *s, bool tcp);

/* swim_recv.c. Each returns true if the message was stale: about a member
 * at an incarnation older than known (suspect, dead) or not newer (alive),
 * or gone (suspect, dead); a duplicate or a replay, ignored. */
bool vf__swim_on_alive(struct vf__swim *s, const struct vf__gossip_alive *a,
		       bool bootstrap);
bool vf__swim_on_suspect(struct vf__swim *s, const struct vf__gossip_suspect *m);
bool vf__swim_on_dead(struct vf__swim *s, const struct vf__gossip_suspect *m);
int vf__swim_merge(struct vf__swim *s, const struct vf__gossip_push_pull *pp);

#endif
