/*
 * The runtime (issue 4): registered datapaths, the endpoints that ports and
 * the underlay are bound to, and the workers that poll them and run the
 * pipeline.
 *
 *   datapath (rx) -> worker -> pipeline -> vf__out() -> txq -> datapath (tx)
 *
 * Concurrency. Everything the pipeline changes (counters, token buckets,
 * connection tracking, locations, the published tables) and every
 * endpoint operation is serialised by the fabric's pipeline lock, which a
 * worker holds for one batch and a control call for its change. The model
 * itself is only ever read by the control thread: workers see it through
 * the compiled tables, which the control thread rebuilds and publishes
 * (under the lock) when the loop runs after a change. Tables hold a
 * reference on each port they name, so a destroyed port's memory outlives
 * every table a worker may still use.
 */
#ifndef VF_RUNTIME_RUNTIME_H
#define VF_RUNTIME_RUNTIME_H

#include <pthread.h>

#include <vfabric/datapath.h>

#include "core/internal.h"

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

/* One open endpoint: a port's or the underlay's. */
struct vf__endpoint {
	struct vf__list node; /* in the runtime's list */
	uint64_t id;	      /* epoll data: survives the endpoint */
	struct vf__dp *dp;
	void *state;
	vf_fabric *f;
	vf_port *port; /* NULL: the underlay */
	char ifname[64];
	uint32_t flags;	   /* VF_BIND_F_*: what the bind created */
	char peer[64];	   /* the veth peer it created */
	int fd;		   /* ops.fd(), or -1 */
	vf_worker *worker; /* polls it; NULL: none yet, or no fd */
	bool link_up;
	bool flush_pending; /* in a txq's flush list */
	bool gone;	    /* its netdev vanished: closed until it is back */
	uint64_t reopens;   /* times it was opened again */
	uint64_t link_downs;
	/* counted by the fabric, under the pipeline lock */
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, tx_dropped;
};

struct vf__runtime {
	pthread_mutex_t lock; /* the pipeline lock */
	pthread_t owner;      /* holds it, while owned */
	bool owned;
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
	/* library worker threads */
	pthread_t *threads;
	vf_worker **thread_workers;
	unsigned int nthreads;
	volatile int threads_stop;
};

/* Frames the pipeline sends during one batch, staged per worker and sent
 * per endpoint at the end of it. */
#define VF__TXQ_FRAMES 64
#define VF__TXQ_BYTES (256 * 1024)
struct vf__txq {
	unsigned int n, nflush;
	uint32_t used;
	struct vf__endpoint *flush[VF__TXQ_FRAMES]; /* tx'd, to flush */
	struct {
		struct vf__endpoint *ep;
		uint32_t off, len;
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

void vf__pipe_lock(vf_fabric *f);
void vf__pipe_unlock(vf_fabric *f);
/* Whether the calling thread holds the pipeline lock (an output callback
 * calling back into the fabric). */
bool vf__pipe_mine(const vf_fabric *f);
/* For a control-thread call that reads or changes the pipeline's state
 * (counters, buckets, connection tracking): takes the lock while workers
 * share it (and the caller does not hold it already); returns whether it
 * did, for vf__pipe_leave(). */
bool vf__pipe_enter(const vf_fabric *f);
void vf__pipe_leave(const vf_fabric *f, bool locked);
/* Closes every endpoint. */
void vf__runtime_unbind_all(vf_fabric *f);

struct vf__dp *vf__dp_find(const vf_fabric *f, const char *name);

/* Built-in datapaths' tables (lib/datapath). */
extern const vf_datapath_ops vf__callback_ops;
extern const vf_datapath_ops vf__afpacket_ops;

/* Whether the pipeline's state is shared with workers right now, so that
 * a control-thread caller must take the pipeline lock (without workers,
 * the control thread is the pipeline's only user). */
static inline bool vf__pipe_shared(const vf_fabric *f)
{
	return f->rt && f->rt->nworkers;
}

/* Sending a frame for @to (NULL: the underlay): through its endpoint
 * (staged in @q, or at once when @q is NULL), or to the output callback
 * when unbound. Inline for the common case. */
void vf__out_ep(struct vf__endpoint *ep, struct vf__txq *q, const uint8_t *frame,
		uint32_t len);

static inline struct vf__endpoint *vf__out_endpoint(const vf_fabric *f, const vf_port *to)
{
	return to ? to->ep : f->rt ? f->rt->underlay : NULL;
}

/* Whether a frame for @to has anywhere to go. */
static inline bool vf__out_ready(const vf_fabric *f, const vf_port *to)
{
	const struct vf__endpoint *ep = vf__out_endpoint(f, to);

	return (ep && ep->dp->ops.tx != vf__callback_ops.tx) || f->out_fn;
}

static inline void vf__out(vf_fabric *f, struct vf__txq *q, vf_port *to,
			   const uint8_t *frame, uint32_t len)
{
	struct vf__endpoint *ep = vf__out_endpoint(f, to);

	if (ep)
		vf__out_ep(ep, q, frame, len);
	else if (f->out_fn)
		f->out_fn(f->out_user_data, to, frame, len);
}
/* Sends what @q holds. */
void vf__txq_flush(struct vf__txq *q);

/* Workers (worker.c): an endpoint with a descriptor is given to one. */
void vf__worker_assign(vf_fabric *f, struct vf__endpoint *ep);
void vf__worker_unassign(struct vf__endpoint *ep);

#endif
