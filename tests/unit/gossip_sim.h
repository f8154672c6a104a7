/*
 * A virtual network and clock for the gossip state machine (membership.h):
 * N nodes in one process, packets and streams delivered after a delay
 * (plus a random jitter; packets dropped with a probability, or when a
 * node is down), time moved by sim_run(). The state machine runs
 * unchanged: only its io differs.
 *
 * Used by the unit tests (a few dozen nodes) and by the gossip benchmark
 * (tests/bench/bench_gossip.c, up to 10,000): pending deliveries and
 * node timers sit in one binary heap ordered by (time, timers first,
 * order of arrival), so a step costs O(log events) whatever N is.
 */
#ifndef VF_TESTS_GOSSIP_SIM_H
#define VF_TESTS_GOSSIP_SIM_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gossip/membership.h"
#include "gossip/serf.h"

#define SIM_NODES 32 /* nodes when sim_init() did not say */

enum { EV_TIMER = 0, EV_PACKET, EV_STREAM, EV_REPLY, EV_FAIL };

struct sim_ev {
	uint64_t at, seq;
	int kind;
	int from, to;
	uint64_t cookie;
	uint8_t *p;
	size_t len;
};

struct sim;

struct sim_node {
	struct sim *sim;
	int idx;
	struct vf__swim *s;
	struct vf__gaddr addr;
	uint64_t due;	/* the timer the state machine armed (0: none) */
	uint64_t armed; /* the due time a heap entry exists for */
	bool down;
	int group; /* with sim->partition: nodes of different groups cannot talk */
	int events[5]; /* by enum vf__swim_event */
	uint64_t sent;		   /* packets */
	uint64_t bytes_out;	   /* packets, streams opened and answered */
	void *user;		   /* the caller's */
};

struct sim {
	uint64_t now;
	uint32_t delay;	 /* ms, each way */
	uint32_t jitter; /* ms: each delivery takes delay + [0, jitter] */
	uint32_t loss;	 /* per million */
	bool partition;
	bool compress; /* nodes added from now on LZW their streams */
	uint64_t rng;
	int n, cap; /* nodes, room (fixed at the first node: they never move) */
	struct sim_node *nodes;
	struct sim_ev *heap;
	size_t nev, cev;
	uint64_t seq;
	uint64_t delivered, lost; /* packets */
	/* what the tests watch */
	const uint8_t *watch; /* count packets from watch_from holding these bytes */
	size_t watch_len;
	int watch_from;
	int watched;
	/* packets sent to node rec_to while rec_on (as a sniffer on the wire
	 * sees them: before loss, encrypted if the sender encrypts) */
	bool rec_on;
	int rec_to;
	struct sim_pkt {
		int from;
		uint8_t *p;
		size_t len;
	} *rec;
	size_t nrec, crec;
};

static inline uint64_t sim_rand(struct sim *sim)
{
	sim->rng ^= sim->rng << 13;
	sim->rng ^= sim->rng >> 7;
	sim->rng ^= sim->rng << 17;
	return sim->rng;
}

/* An empty simulation in its start state: 1 ms delay, a fixed seed, the
 * clock at 1000 ms. */
static inline void sim_reset(struct sim *sim)
{
	memset(sim, 0, sizeof(*sim));
	sim->delay = 1;
	sim->rng = 42;
	sim->now = 1000;
}

/* Room for @cap nodes (call before the first sim_add()). */
static inline int sim_init(struct sim *sim, int cap)
{
	if (sim->nodes)
		return -EBUSY;
	if (!(sim->nodes = calloc((size_t)cap, sizeof(*sim->nodes))))
		return -ENOMEM;
	sim->cap = cap;
	return 0;
}

/* Node i is 10.x.y.z with x.y.z = i + 1, port 7946. */
static inline struct sim_node *sim_by_addr(struct sim *sim, const struct vf__gaddr *a)
{
	uint32_t v;

	if (a->len != 4 || a->ip[0] != 10 || a->port != 7946)
		return NULL;
	v = (uint32_t)a->ip[1] << 16 | (uint32_t)a->ip[2] << 8 | a->ip[3];
	return v >= 1 && v <= (uint32_t)sim->n ? &sim->nodes[v - 1] : NULL;
}

static inline bool sim_ev_before(const struct sim_ev *a, const struct sim_ev *b)
{
	if (a->at != b->at)
		return a->at < b->at;
	if ((a->kind == EV_TIMER) != (b->kind == EV_TIMER))
		return a->kind == EV_TIMER;
	return a->seq < b->seq;
}

static inline void sim_heap_push(struct sim *sim, const struct sim_ev *ev)
{
	struct sim_ev e = *ev;
	size_t i;

	if (sim->nev == sim->cev) {
		size_t c = sim->cev ? 2 * sim->cev : 1024;
		struct sim_ev *h = realloc(sim->heap, c * sizeof(*h));

		if (!h) {
			free(e.p); /* no memory: the wire drops it */
			return;
		}
		sim->heap = h;
		sim->cev = c;
	}
	e.seq = sim->seq++;
	i = sim->nev++;
	while (i && sim_ev_before(&e, &sim->heap[(i - 1) / 2])) {
		sim->heap[i] = sim->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	sim->heap[i] = e;
}

static inline struct sim_ev sim_heap_pop(struct sim *sim)
{
	struct sim_ev top = sim->heap[0], last = sim->heap[--sim->nev];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= sim->nev)
			break;
		if (c + 1 < sim->nev && sim_ev_before(&sim->heap[c + 1], &sim->heap[c]))
			c++;
		if (!sim_ev_before(&sim->heap[c], &last))
			break;
		sim->heap[i] = sim->heap[c];
		i = c;
	}
	if (sim->nev)
		sim->heap[i] = last;
	return top;
}

static inline void sim_push(struct sim *sim, int kind, int from, int to, uint64_t cookie,
		     const uint8_t *p, size_t len)
{
	struct sim_ev e = {0};

	e.kind = kind;
	e.at = sim->now + sim->delay + (sim->jitter ? sim_rand(sim) % (sim->jitter + 1) : 0);
	e.from = from;
	e.to = to;
	e.cookie = cookie;
	if (len && !(e.p = malloc(len)))
		return;
	if (len)
		memcpy(e.p, p, len);
	e.len = len;
	sim_heap_push(sim, &e);
}

static inline int sim_send_packet(void *ctx, const struct vf__gaddr *to, const uint8_t *p,
			   size_t len)
{
	struct sim_node *n = ctx, *d = sim_by_addr(n->sim, to);
	struct sim *sim = n->sim;

	n->sent++;
	n->bytes_out += len;
	if (sim->watch && n->idx == sim->watch_from && len >= sim->watch_len &&
	    memmem(p, len, sim->watch, sim->watch_len))
		sim->watched++;
	if (sim->rec_on && d && d->idx == sim->rec_to) {
		struct sim_pkt *r = sim->rec;

		if (sim->nrec == sim->crec) {
			sim->crec = sim->crec ? 2 * sim->crec : 64;
			if (!(r = realloc(sim->rec, sim->crec * sizeof(*r))))
				abort();
			sim->rec = r;
		}
		r = &sim->rec[sim->nrec++];
		r->from = n->idx;
		r->len = len;
		if (!(r->p = malloc(len)))
			abort();
		memcpy(r->p, p, len);
	}
	if (!d || n->down || (sim->loss && sim_rand(sim) % 1000000 < sim->loss)) {
		sim->lost++;
		return 0;
	}
	if (sim->partition && n->group != d->group)
		return 0;
	sim_push(sim, EV_PACKET, n->idx, d->idx, 0, p, len);
	return 0;
}

static inline int sim_stream_open(void *ctx, const struct vf__gaddr *to, const uint8_t *p,
			   size_t len, uint64_t cookie)
{
	struct sim_node *n = ctx, *d = sim_by_addr(n->sim, to);

	if (!d)
		return -EHOSTUNREACH;
	n->bytes_out += len;
	sim_push(n->sim, EV_STREAM, n->idx, d->idx, cookie, p, len);
	return 0;
}

static inline uint64_t sim_now(void *ctx)
{
	return ((struct sim_node *)ctx)->sim->now;
}

static inline void sim_timer_push(struct sim_node *n)
{
	struct sim_ev e = {.kind = EV_TIMER, .at = n->due, .to = n->idx};

	n->armed = n->due;
	sim_heap_push(n->sim, &e);
}

static inline void sim_arm(void *ctx, uint64_t due)
{
	struct sim_node *n = ctx;

	n->due = due;
	if (due && due != n->armed && !n->down)
		sim_timer_push(n);
}

static inline void sim_event(void *ctx, enum vf__swim_event ev, const struct vf__swim_node *m)
{
	struct sim_node *n = ctx;

	(void)m;
	n->events[ev]++;
}

static inline struct vf__swim_config sim_config(void)
{
	struct vf__swim_config c;

	vf__swim_config_profile(&c, 0); /* LAN */
	return c;
}

/* The next node's slot, its address set (no state machine yet). */
static inline struct sim_node *sim_node_new(struct sim *sim)
{
	struct sim_node *n;
	uint32_t v;

	if (!sim->nodes && sim_init(sim, SIM_NODES) < 0)
		return NULL;
	if (sim->n == sim->cap)
		return NULL;
	n = &sim->nodes[sim->n];
	memset(n, 0, sizeof(*n));
	n->sim = sim;
	n->idx = sim->n++;
	v = (uint32_t)n->idx + 1;
	n->addr = (struct vf__gaddr){{10, (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v},
				     4,
				     7946};
	return n;
}

/* The io of node @n. */
static inline struct vf__swim_io sim_io(struct sim_node *n)
{
	return (struct vf__swim_io){n, sim_send_packet, sim_stream_open, sim_now, sim_arm};
}

/* Adds node "n<i>" at its address, with @hooks (NULL: events counted). */
static inline struct sim_node *sim_add_hooks(struct sim *sim, const struct vf__swim_config *cfg,
				      struct vf__keyring *kr,
				      const struct vf__swim_hooks *hooks)
{
	struct sim_node *n = sim_node_new(sim);
	struct vf__swim_io io;
	struct vf__swim_hooks h;
	struct vf__swim_opts o = {0};
	static const uint8_t meta[] = {0xff, 0x81, 0xa4, 'r', 'o', 'l',
				       'e',  0xa3, 's',	 'i', 'm'};
	char name[16];

	if (!n)
		return NULL;
	io = sim_io(n);
	h = hooks ? *hooks : (struct vf__swim_hooks){.ctx = n, .event = sim_event};
	snprintf(name, sizeof(name), "n%d", n->idx);
	o.name = name;
	o.addr = n->addr;
	o.meta = meta;
	o.meta_len = sizeof(meta);
	o.kr = kr;
	o.compress = sim->compress;
	o.seed = 1000 + (uint64_t)n->idx;
	o.cfg = cfg ? *cfg : sim_config();
	if (vf__swim_create(&n->s, &o, &io, &h) < 0) {
		sim->n--;
		return NULL;
	}
	return n;
}

static inline struct sim_node *sim_add(struct sim *sim, const struct vf__swim_config *cfg,
				struct vf__keyring *kr)
{
	return sim_add_hooks(sim, cfg, kr, NULL);
}

static inline void sim_deliver(struct sim *sim, struct sim_ev *e)
{
	struct sim_node *from = &sim->nodes[e->from], *to = &sim->nodes[e->to];
	struct vf__gbuf reply = {0};
	int rc;

	switch (e->kind) {
	case EV_PACKET:
		if (!to->down) {
			sim->delivered++;
			vf__swim_packet(to->s, &from->addr, e->p, e->len);
		}
		break;
	case EV_STREAM:
		if (to->down || (sim->partition && from->group != to->group)) {
			sim_push(sim, EV_FAIL, e->to, e->from, e->cookie, NULL, 0);
			break;
		}
		rc = vf__swim_stream_recv(to->s, e->p, e->len, true, &reply);
		if (rc == 0 && reply.len) {
			to->bytes_out += reply.len;
			sim_push(sim, EV_REPLY, e->to, e->from, e->cookie, reply.data,
				 reply.len);
		} else {
			sim_push(sim, EV_FAIL, e->to, e->from, e->cookie, NULL, 0);
		}
		vf__gbuf_free(&reply);
		break;
	case EV_REPLY:
		if (!to->down)
			vf__swim_stream_reply(to->s, e->cookie, e->p, e->len, true);
		break;
	case EV_FAIL:
		if (!to->down)
			vf__swim_stream_fail(to->s, e->cookie, -ECONNREFUSED);
		break;
	}
}

/* Runs everything due until @until (virtual ms). */
static inline void sim_run(struct sim *sim, uint64_t until)
{
	/* timers of nodes that were down when they came due */
	for (int i = 0; i < sim->n; i++) {
		struct sim_node *n = &sim->nodes[i];

		if (!n->down && n->due && n->armed != n->due)
			sim_timer_push(n);
	}
	while (sim->nev && sim->heap[0].at <= until) {
		struct sim_ev e = sim_heap_pop(sim);
		struct sim_node *n = &sim->nodes[e.to];

		if (e.at > sim->now)
			sim->now = e.at;
		if (e.kind != EV_TIMER) {
			sim_deliver(sim, &e);
			free(e.p);
			continue;
		}
		if (e.at != n->armed)
			continue; /* replaced by a later arm() */
		n->armed = 0;
		if (e.at != n->due || n->down || vf__swim_left(n->s))
			continue; /* up again: re-armed by the next sim_run() */
		n->due = 0;
		vf__swim_tick(n->s);
	}
	if (until > sim->now)
		sim->now = until;
}

static inline void sim_free(struct sim *sim)
{
	for (int i = 0; i < sim->n; i++)
		vf__swim_destroy(sim->nodes[i].s);
	for (size_t i = 0; i < sim->nev; i++)
		free(sim->heap[i].p);
	free(sim->heap);
	for (size_t i = 0; i < sim->nrec; i++)
		free(sim->rec[i].p);
	free(sim->rec);
	sim->rec = NULL;
	sim->nrec = sim->crec = 0;
	free(sim->nodes);
	sim->heap = NULL;
	sim->nodes = NULL;
	sim->n = sim->cap = 0;
	sim->nev = sim->cev = 0;
}

/* The state of @name as node @n knows it, or -1. */
static inline int sim_state(struct sim_node *n, const char *name)
{
	const struct vf__swim_node *m = vf__swim_find(n->s, name);

	return m ? (int)vf__swim_state(m) : -1;
}

#endif
