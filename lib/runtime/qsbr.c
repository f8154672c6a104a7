/* Quiescent-state-based reclamation: see qsbr.h for how it works. */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>

#include "runtime/qsbr.h"

struct deferred {
	void (*fn)(void *);
	void *arg;
	uint64_t target; /* @gp after the object was unpublished */
};

struct vf__qsbr {
	uint64_t gp; /* grace periods started; seq_cst (qsbr.h) */
	struct vf__list readers;
	struct deferred *q; /* FIFO: q[head..n), targets ascending */
	size_t head, n, cap;
};

int vf__qsbr_create(struct vf__qsbr **out)
{
	struct vf__qsbr *q = calloc(1, sizeof(*q));

	if (!q)
		return -ENOMEM;
	q->gp = 1;
	vf__list_init(&q->readers);
	*out = q;
	return 0;
}

void vf__qsbr_destroy(struct vf__qsbr *q)
{
	if (!q)
		return;
	vf__qsbr_barrier(q);
	free(q->q);
	free(q);
}

uint64_t *vf__qsbr_gp(struct vf__qsbr *q)
{
	return &q->gp;
}

void vf__qsbr_register(struct vf__qsbr *q, struct vf__qsbr_reader *r)
{
	r->ctr = 0; /* not yet visible to its thread */
	vf__list_add_tail(&q->readers, &r->node);
}

void vf__qsbr_unregister(struct vf__qsbr *q, struct vf__qsbr_reader *r)
{
	(void)q;
	vf__list_del(&r->node);
}

/* Whether every reader is offline or came online at @target or later. */
static bool due(const struct vf__qsbr *q, uint64_t target)
{
	for (struct vf__list *n = q->readers.next; n != &q->readers; n = n->next) {
		const struct vf__qsbr_reader *r =
			vf__container_of(n, struct vf__qsbr_reader, node);
		/* seq_cst: pairs with vf__qsbr_online()'s store, and acquires
		 * vf__qsbr_offline()'s release */
		uint64_t c = __atomic_load_n(&r->ctr, __ATOMIC_SEQ_CST);

		if (c && c < target)
			return false;
	}
	return true;
}

bool vf__qsbr_poll(struct vf__qsbr *q)
{
	while (q->head < q->n && due(q, q->q[q->head].target)) {
		struct deferred d = q->q[q->head++];

		d.fn(d.arg); /* may defer more: q->q may move */
	}
	if (q->head == q->n)
		q->head = q->n = 0;
	return q->head < q->n;
}

/* Waits a little for readers to go offline. */
static void nap(void)
{
	struct timespec ts = {0, 50 * 1000};

	nanosleep(&ts, NULL);
}

void vf__qsbr_defer(struct vf__qsbr *q, void (*fn)(void *), void *arg)
{
	/* seq_cst: ordered after the caller's vf__qsbr_publish() that
	 * unpublished what @fn frees, before due()'s loads (qsbr.h) */
	uint64_t target = __atomic_add_fetch(&q->gp, 1, __ATOMIC_SEQ_CST);

	if (q->head == q->n && due(q, target)) {
		fn(arg);
		return;
	}
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 16;
		struct deferred *nq = realloc(q->q, cap * sizeof(*nq));

		if (!nq) { /* no room to queue it: wait for the readers */
			while (!due(q, target))
				nap();
			vf__qsbr_poll(q);
			fn(arg);
			return;
		}
		q->q = nq;
		q->cap = cap;
	}
	q->q[q->n++] = (struct deferred){fn, arg, target};
}

static void noop(void *arg)
{
	(void)arg;
}

void vf__qsbr_barrier(struct vf__qsbr *q)
{
	vf__qsbr_defer(q, noop, NULL);
	while (vf__qsbr_poll(q))
		nap();
}
