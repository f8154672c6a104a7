/*
 * A virtual network and clock for the gossip state machine (membership.h):
 * N nodes in one process, packets and streams delivered after a delay
 * (and dropped with a probability, or when a node is down), time moved
 * by sim_run(). The state machine runs unchanged: only its io differs.
 * The benchmark simulation (issue 5) builds on this.
 */
#ifndef VF_TESTS_GOSSIP_SIM_H
#define VF_TESTS_GOSSIP_SIM_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gossip/membership.h"
#include "gossip/serf.h"

#define SIM_NODES 32
#define SIM_EVENTS 4096

enum { EV_PACKET = 1, EV_STREAM, EV_REPLY, EV_FAIL };

struct sim_ev {
	int kind;
	uint64_t at;
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
	uint64_t due;
	bool down;
	int events[5]; /* by enum vf__swim_event */
	uint64_t sent;
};

struct sim {
	uint64_t now;
	uint32_t delay; /* ms, each way */
	uint32_t loss;	/* per million */
	bool partition; /* nodes of different groups cannot talk */
	int group[SIM_NODES];
	uint64_t rng;
	int n;
	struct sim_node nodes[SIM_NODES];
	struct sim_ev ev[SIM_EVENTS];
	int nev;
	/* what the tests watch */
	const uint8_t *watch; /* count packets from watch_from holding these bytes */
	size_t watch_len;
	int watch_from;
	int watched;
};

static uint64_t sim_rand(struct sim *sim)
{
	sim->rng ^= sim->rng << 13;
	sim->rng ^= sim->rng >> 7;
	sim->rng ^= sim->rng << 17;
	return sim->rng;
}

static struct sim_node *sim_by_addr(struct sim *sim, const struct vf__gaddr *a)
{
	for (int i = 0; i < sim->n; i++)
		if (sim->nodes[i].addr.port == a->port &&
		    !memcmp(sim->nodes[i].addr.ip, a->ip, 4))
			return &sim->nodes[i];
	return NULL;
}

static void sim_push(struct sim *sim, int kind, int from, int to, uint64_t cookie,
		     const uint8_t *p, size_t len)
{
	struct sim_ev *e;

	if (sim->nev == SIM_EVENTS)
		return; /* the wire is full: dropped */
	e = &sim->ev[sim->nev++];
	e->kind = kind;
	e->at = sim->now + sim->delay;
	e->from = from;
	e->to = to;
	e->cookie = cookie;
	e->p = len ? malloc(len) : NULL;
	if (len)
		memcpy(e->p, p, len);
	e->len = len;
}

static int sim_send_packet(void *ctx, const struct vf__gaddr *to, const uint8_t *p,
			   size_t len)
{
	struct sim_node *n = ctx, *d = sim_by_addr(n->sim, to);
	struct sim *sim = n->sim;

	n->sent++;
	if (sim->watch && n->idx == sim->watch_from && len >= sim->watch_len &&
	    memmem(p, len, sim->watch, sim->watch_len))
		sim->watched++;
	if (!d || n->down || (sim->loss && sim_rand(sim) % 1000000 < sim->loss))
		return 0;
	if (sim->partition && sim->group[n->idx] != sim->group[d->idx])
		return 0;
	sim_push(sim, EV_PACKET, n->idx, d->idx, 0, p, len);
	return 0;
}

static int sim_stream_open(void *ctx, const struct vf__gaddr *to, const uint8_t *p,
			   size_t len, uint64_t cookie)
{
	struct sim_node *n = ctx, *d = sim_by_addr(n->sim, to);

	if (!d)
		return -EHOSTUNREACH;
	sim_push(n->sim, EV_STREAM, n->idx, d->idx, cookie, p, len);
	return 0;
}

static uint64_t sim_now(void *ctx)
{
	return ((struct sim_node *)ctx)->sim->now;
}

static void sim_arm(void *ctx, uint64_t due)
{
	((struct sim_node *)ctx)->due = due;
}

static void sim_event(void *ctx, enum vf__swim_event ev, const struct vf__swim_node *m)
{
	struct sim_node *n = ctx;

	(void)m;
	n->events[ev]++;
}

static struct vf__swim_config sim_config(void)
{
	struct vf__swim_config c;

	vf__swim_config_profile(&c, 0); /* LAN */
	return c;
}

/* Adds node "n<i>" at 10.0.0.<i+1>:7946. */
static struct sim_node *sim_add(struct sim *sim, const struct vf__swim_config *cfg,
				struct vf__keyring *kr)
{
	struct sim_node *n = &sim->nodes[sim->n];
	struct vf__swim_io io = {n, sim_send_packet, sim_stream_open, sim_now, sim_arm};
	struct vf__swim_hooks hooks = {.ctx = n, .event = sim_event};
	struct vf__swim_opts o = {0};
	static const uint8_t meta[] = {0xff, 0x81, 0xa4, 'r', 'o', 'l',
				       'e',  0xa3, 's',	 'i', 'm'};
	char name[16];

	n->sim = sim;
	n->idx = sim->n++;
	n->addr = (struct vf__gaddr){{10, 0, 0, (uint8_t)(n->idx + 1)}, 4, 7946};
	snprintf(name, sizeof(name), "n%d", n->idx);
	o.name = name;
	o.addr = n->addr;
	o.meta = meta;
	o.meta_len = sizeof(meta);
	o.kr = kr;
	o.seed = 1000 + (uint64_t)n->idx;
	o.cfg = cfg ? *cfg : sim_config();
	if (vf__swim_create(&n->s, &o, &io, &hooks) < 0)
		return NULL;
	return n;
}

static void sim_deliver(struct sim *sim, struct sim_ev *e)
{
	struct sim_node *from = &sim->nodes[e->from], *to = &sim->nodes[e->to];
	struct vf__gbuf reply = {0};
	int rc;

	switch (e->kind) {
	case EV_PACKET:
		if (!to->down)
			vf__swim_packet(to->s, &from->addr, e->p, e->len);
		break;
	case EV_STREAM:
		if (to->down ||
		    (sim->partition && sim->group[e->from] != sim->group[e->to])) {
			sim_push(sim, EV_FAIL, e->to, e->from, e->cookie, NULL, 0);
			break;
		}
		rc = vf__swim_stream_recv(to->s, e->p, e->len, true, &reply);
		if (rc == 0 && reply.len)
			sim_push(sim, EV_REPLY, e->to, e->from, e->cookie, reply.data,
				 reply.len);
		else
			sim_push(sim, EV_FAIL, e->to, e->from, e->cookie, NULL, 0);
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
static void sim_run(struct sim *sim, uint64_t until)
{
	for (;;) {
		uint64_t t = UINT64_MAX;
		int which = -1, ev = -1;

		for (int i = 0; i < sim->nev; i++)
			if (sim->ev[i].at < t) {
				t = sim->ev[i].at;
				ev = i;
			}
		for (int i = 0; i < sim->n; i++)
			if (!sim->nodes[i].down && sim->nodes[i].due &&
			    sim->nodes[i].due <= t && !vf__swim_left(sim->nodes[i].s)) {
				t = sim->nodes[i].due;
				which = i;
				ev = -1;
			}
		if (t > until || t == UINT64_MAX)
			break;
		if (t > sim->now)
			sim->now = t;
		if (which >= 0) {
			sim->nodes[which].due = 0;
			vf__swim_tick(sim->nodes[which].s);
		} else {
			struct sim_ev e = sim->ev[ev];

			sim->ev[ev] = sim->ev[--sim->nev];
			sim_deliver(sim, &e);
			free(e.p);
		}
	}
	sim->now = until;
}

static void sim_free(struct sim *sim)
{
	for (int i = 0; i < sim->n; i++)
		vf__swim_destroy(sim->nodes[i].s);
	for (int i = 0; i < sim->nev; i++)
		free(sim->ev[i].p);
	sim->n = sim->nev = 0;
}

/* The state of @name as node @n knows it, or -1. */
static int sim_state(struct sim_node *n, const char *name)
{
	const struct vf__swim_node *m = vf__swim_find(n->s, name);

	return m ? (int)vf__swim_state(m) : -1;
}

#endif
