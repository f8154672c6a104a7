/*
 * The runtime (issue 4): registered datapaths, the endpoints that ports and
 * the underlay are bound to, and the workers that poll them and run the
 * pipeline.
 *
 *   datapath (rx) -> worker -> pipeline -> vf__out() -> txq -> datapath (tx)
 *
 * Concurrency: no lock is shared by all workers. The model is only ever
 * read by the control thread; workers see it through what the control
 * loop publishes and never changes afterwards, read without a lock and
 * freed only when no worker can hold it (qsbr.h): the compiled tables
 * (which name ports, holding a reference on each, and endpoints) and a
 * snapshot of the locations. What workers change is shared piecewise:
 * counters are relaxed atomics (VF__CNT_ADD), each token bucket and each
 * connection-tracking shard has a spinlock, parked ARP requests a mutex,
 * and each endpoint a mutex around its datapath calls (taken per call:
 * once per batch, and by the control thread when it sends). An endpoint unbound, or
 * closed as its netdev vanished, is freed or closed after a grace period.
 */
#ifndef VF_RUNTIME_RUNTIME_H
#define VF_RUNTIME_RUNTIME_H

#include <pthread.h>

#include <vfabric/datapath.h>

#include "core/internal.h"
#include "pipeline/tables.h"
#include "runtime/qsbr.h"

struct vf__ctx;

/* Visits each element of a struct vf__list (not safe against removal). */
#define VF__EACH(pos, head, type, member)                                     \
	for (struct vf__list *n_ = (head)->next;                              \
	     n_ != (head) && ((pos) = vf__container_of(n_, type, member), 1); \
	     n_ = n_->next)

/* A registered datapath. */
struct vf__dp {
	struct vf__list node;
	vf_datapath_ops ops; /* the caller's table, zero-extended */
	char name[33];
	void *user_data;
	unsigned int endpoints; /* open through it */
};

/* One open endpoint: a port's or the underlay's. Workers reach it through
 * the published tables only; the control thread frees it a grace period
 * after the tables stop naming it. */
struct vf__endpoint {
	struct vf__list node; /* in the runtime's list (control thread) */
	uint64_t id;	      /* epoll data: workers find it in the tables */
	struct vf__dp *dp;
	vf_fabric *f;
	vf_port *port;	 /* NULL: the underlay (control thread only) */
	uint32_t serial; /* the port's (its table entry), 0: the underlay */
	char ifname[64];
	uint32_t flags;	   /* VF_BIND_F_*: what the bind created */
	char peer[64];	   /* the veth peer it created */
	vf_worker *worker; /* polls it; NULL: none yet, or no fd (control thread) */
	bool link_up;
	uint64_t reopens; /* times it was opened again */
	uint64_t link_downs;
	/* Written under @lock; @fd is also loaded without it (seq_cst, paired
	 * with ep_back()). A state replaced stays open for a grace period. */
	void *state;
	int fd;	  /* ops.fd(), or -1 */
	bool gone; /* its netdev vanished: closed until it is back */
	/* Around every datapath call on it (rx, rx_release, tx, flush, stats:
	 * once per batch each, never across the pipeline), and ep_gone(). */
	pthread_mutex_t lock;
	/* counters (VF__CNT_ADD) */
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, tx_dropped;
};

struct vf__runtime {
	struct vf__list dps;
	struct vf__list endpoints;
	struct vf__list workers;
	unsigned int nworkers;
	uint64_t next_id;
	uint32_t tmp_seq; /* temporary netdev names */
	struct vf__endpoint *underlay;
	struct vf__nl *nl;	    /* netlink, opened on first need */
	struct vf__nl_watch *watch; /* link events, while endpoints have netdevs */
	void *watch_handle;	    /* its uv_poll_t */
	void *publish_handle;	    /* uv_prepare_t: publishes tables */
	void *reclaim_handle;	    /* uv_timer_t: runs deferred frees */
	/* library worker threads */
	pthread_t *threads;
	vf_worker **thread_workers;
	unsigned int nthreads;
	volatile int threads_stop;
};

/* Frames the pipeline sends during one batch, staged per worker and sent
 * per endpoint at the end of it (one lock, one tx and one flush call per
 * endpoint). */
#define VF__TXQ_FRAMES 64
#define VF__TXQ_BYTES (256 * 1024)
struct vf__txq {
	unsigned int n;
	uint32_t used;
	struct {
		struct vf__endpoint *ep;
		const uint8_t *p; /* in buf, or a stable frame (vf__out()) */
		uint32_t len;
	} e[VF__TXQ_FRAMES];
	uint8_t *buf; /* VF__TXQ_BYTES */
};

/* Fabric life (called by lib/core/fabric.c). */
int vf__runtime_open(vf_fabric *f);
void vf__runtime_close(vf_fabric *f);
/* Stops the library's worker threads and closes every endpoint. */
void vf__runtime_stop(vf_fabric *f);
void vf__runtime_stop_threads(vf_fabric *f);
/* The model changed: tables must be published again (control thread). */
void vf__runtime_touched(vf_fabric *f);
/* A port leaves the model: its endpoint is closed. */
void vf__runtime_port_removed(vf_port *p);

/* Publishes what workers read (tables, the locations' snapshot) if it is
 * out of date, and runs the deferred frees that are due (control thread). */
void vf__runtime_publish(vf_fabric *f);
/* Whether workers exist: what the control thread changes must then be
 * published for them (and old versions freed after a grace period). */
static inline bool vf__runtime_shared(const vf_fabric *f)
{
	return f->rt && f->rt->nworkers;
}
/* Calls @fn(@arg) once no worker can hold what it frees (qsbr.h). */
void vf__runtime_defer(vf_fabric *f, void (*fn)(void *), void *arg);
/* Closes every endpoint. */
void vf__runtime_unbind_all(vf_fabric *f);

struct vf__dp *vf__dp_find(const vf_fabric *f, const char *name);

/* Built-in datapaths' tables (lib/datapath). */
extern const vf_datapath_ops vf__callback_ops;
extern const vf_datapath_ops vf__afpacket_ops;

/* Sending a frame for @to (NULL: the underlay) through the endpoint the
 * tables @t name (staged in @q, or at once when @q is NULL), or to the
 * output callback when unbound. Inline for the common case. A @stable
 * frame stays as it is until @q is flushed (a receive ring's frame, which
 * the worker gives back only after the flush): it is staged by address,
 * not copied, so the datapath's transmit is its only copy. */
void vf__out_ep(struct vf__endpoint *ep, struct vf__txq *q, const uint8_t *frame,
		uint32_t len, bool stable);

static inline struct vf__endpoint *vf__out_endpoint(const struct vf__tables *t,
						    const struct vf__tport *to)
{
	return to ? to->ep : t->underlay;
}

/* The output callback (vf_fabric_set_output()), or NULL: read by workers
 * without a lock (seq_cst: vf__qsbr_publish() in api.c stores it). */
static inline const struct vf__output *vf__output(const vf_fabric *f)
{
	return vf__qsbr_load(&f->out);
}

/* Whether a frame for @to has anywhere to go. */
static inline bool vf__out_ready(const vf_fabric *f, const struct vf__tables *t,
				 const struct vf__tport *to)
{
	const struct vf__endpoint *ep = vf__out_endpoint(t, to);

	return (ep && ep->dp->ops.tx != vf__callback_ops.tx) || vf__output(f);
}

static inline void vf__out(vf_fabric *f, const struct vf__tables *t, struct vf__txq *q,
			   const struct vf__tport *to, const uint8_t *frame, uint32_t len,
			   bool stable)
{
	struct vf__endpoint *ep = vf__out_endpoint(t, to);
	const struct vf__output *o;

	if (ep)
		vf__out_ep(ep, q, frame, len, stable);
	else if ((o = vf__output(f)))
		o->fn(o->user_data, to ? to->port : NULL, frame, len);
}
/* Sends what @q holds. */
void vf__txq_flush(struct vf__txq *q);

/* Whether the calling thread is a worker in a batch (its output callback
 * calling back into the fabric is refused). */
extern __thread bool vf__in_worker __attribute__((tls_model("initial-exec")));
static inline bool vf__worker_thread(void)
{
	return vf__in_worker;
}

/* Workers (worker.c): an endpoint with a descriptor is given to one. */
void vf__worker_assign(vf_fabric *f, struct vf__endpoint *ep);
void vf__worker_unassign(struct vf__endpoint *ep);

#endif
