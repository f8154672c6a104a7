/*
 * The packet pipeline (DESIGN.md §2): what every host does to every frame.
 *
 * A frame comes in from a local port (vf__pipe_from_port) or from the
 * underlay (vf__pipe_from_underlay) and goes through stages that each
 * either hand it on or stop with a vf_drop_reason:
 *
 *   from a port:  parse - port state and security - ARP | DHCP | IPv4
 *                 IPv4: to the router (echo) | route (TTL) | bridge |
 *                 flood | link - policy (cell, egress security groups,
 *                 connection tracking) - egress QoS - local delivery or
 *                 location and rewrite to the hosts' MACs
 *   from the underlay: parse - for this host? - find the local port by
 *                 VIP (or static route, or link) - policy - restore
 *                 virtual MACs - ingress security groups and QoS - deliver
 *
 * Connection-tracking zones: each port's security groups track in the
 * port's own zone (its serial, never 0), so the two ends of a local
 * connection each judge it; inter-cell admissions track in zone 0.
 *
 * The same code runs for vf_trace(): a context in dry mode sends, counts
 * and remembers nothing, and writes each decision to the trace.
 *
 * A context with a flow cache (flowcache.h) records the decision for a
 * TCP or UDP flow as its frame goes through the stages; the flow's next
 * frames find it there and take only its per-packet part. A dry context
 * never reads nor writes the cache.
 */
#ifndef VF_PIPELINE_PIPELINE_H
#define VF_PIPELINE_PIPELINE_H

#include "core/internal.h"
#include "packet/packet.h"
#include "pipeline/flowcache.h"
#include "pipeline/tables.h"

/* The decision for one flow as the pipeline takes it, for the flow cache:
 * the stages fill @e; @final says the frame went to one place by a path
 * the cache can repeat. A stage the cache cannot repeat stops the
 * recording (vf__ctx.rec = NULL). */
struct vf__fc_rec {
	struct vf__fc_entry e;
	bool final;
};

/* A trace being written: lines in a growing buffer. */
struct vf__trace {
	char *buf;
	size_t len, cap;
	bool oom;
};

struct vf__ctx {
	vf_fabric *f;
	const struct vf__tables *t;
	const struct vf__locs *locs; /* the locations: live, or a worker's snapshot */
	uint64_t now;
	bool dry;		/* trace: no output, no counting, no state change */
	struct vf__trace *tr;	/* NULL unless tracing */
	int sent;		/* frames handed to the output callback */
	const struct vf__tport *src; /* the ingress port, NULL from the underlay */
	uint8_t *reply;		/* room for a reply the pipeline builds */
	uint32_t reply_cap;
	struct vf__flowcache *fc; /* this context's flow cache; NULL: none */
	struct vf__txq *txq;	  /* stages frames to send (runtime.h); NULL: send at once */
	/* the frame's buffer when it stays as it is until txq is flushed (a
	 * receive ring's): sent from there, not copied; NULL: copied. Paths
	 * that send it more than once, changing it between, clear it. */
	const uint8_t *stable;
	struct vf__fc_rec *rec;	  /* the decision being recorded, or NULL */
};

/* Writes one trace line when tracing (formats nothing otherwise). */
void vf__trace_add(struct vf__trace *tr, const char *fmt, ...) VF__PRINTF(2, 3);
#define VF__TR(c, ...)                                   \
	do {                                             \
		if ((c)->tr)                             \
			vf__trace_add((c)->tr, __VA_ARGS__); \
	} while (0)

/* The tables for the model as it is now (recompiled if it changed);
 * NULL when out of memory. */
const struct vf__tables *vf__pipe_tables(vf_fabric *f);

/* The table entry of @port in @t, or NULL (not in them: down): for the
 * control thread, which owns the model (workers use vf__t_port_serial()). */
static inline const struct vf__tport *vf__pipe_src(const struct vf__tables *t,
						   const vf_port *port)
{
	return port->tgen == t->gen ? port->tport : NULL;
}

/* Run one frame (copied into @buf, which has room for @cap bytes and may
 * be changed in place) from port @src (NULL: a port not in the tables,
 * dropped as down), or from the underlay. Return the drop reason,
 * VF_DROP_NONE if the frame was sent, answered or absorbed. */
vf_drop_reason vf__pipe_from_port(struct vf__ctx *c, const struct vf__tport *src,
				  uint8_t *buf, uint32_t len);
vf_drop_reason vf__pipe_from_underlay(struct vf__ctx *c, uint8_t *buf, uint32_t len);

/* Answers a parked ARP request now that the location of its target is
 * known (called by the location table, on the control thread): the port
 * that asked is (cell, vip) if its serial is still @serial. */
void vf__pipe_arp_answer(vf_fabric *f, uint32_t cell, uint32_t vip, uint32_t serial,
			 const uint8_t *req, uint32_t len, const vf_mac *mac);

/* Replaces the inject path's flow cache of @f by one of @entries entries
 * (0: none), for tests and benchmarks; 0 or -errno. */
int vf__pipe_flowcache(vf_fabric *f, uint32_t entries);

/* Connection-tracking zones flushed while workers had the old rules are
 * flushed again once no worker can hold the tables published before this
 * call (called as tables are published). */
void vf__pipe_reflush(vf_fabric *f);

/* Allocates the pipeline's state (connection tracking, buffers) if it is
 * not there yet: before the first frame; 0 or -ENOMEM. */
int vf__pipe_init(vf_fabric *f);

/* Expires tracked connections a little at a time: call after @frames
 * more frames; *@since counts frames for its caller (a worker, or the
 * inject path) between sweeps. */
void vf__pipe_sweep(vf_fabric *f, uint32_t *since, uint64_t now, uint32_t frames);

/* Takes from a token bucket (qos.c); vf__bucket_set() is in internal.h. */
bool vf__bucket_take(struct vf__bucket *b, uint32_t bytes, uint64_t now_ns, bool dry);

#endif
