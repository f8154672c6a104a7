/*
 * Quiescent-state-based reclamation (QSBR), the way workers read what the
 * control thread publishes (tables, location snapshots, endpoints) without
 * a lock.
 *
 * How it works. The control thread (the only writer) replaces a shared
 * pointer with an atomic store, then hands the old object to
 * vf__qsbr_defer(), which bumps the domain's grace-period counter @gp and
 * queues the object with that value as its target. Each reader (a worker)
 * has one counter: 0 while it is offline (between batches, in epoll_wait,
 * in the host's code between two vf_worker_poll() calls), or the value of
 * @gp it read when it came online for a batch. A reader holds published
 * pointers only while online, and loads each one after coming online. So an
 * object queued with target T is unreachable once every reader is offline
 * or came online at T or later (it loaded the pointers after the store
 * that unpublished the object); the control loop frees it then
 * (vf__qsbr_poll()), never waiting for it. A reader's batch is short, so
 * this takes microseconds to a millisecond.
 *
 * Ordering: every access to @gp and to the readers' counters is seq_cst,
 * and so are the publication store and the readers' loads of published
 * pointers (vf__qsbr_publish()/vf__qsbr_load()): a reader going online
 * and the control thread reading that reader's counter after unpublishing
 * are ordered either way round (a store-load pair that acquire/release
 * alone would not order), so the control thread sees the reader online,
 * or the reader sees the new pointer. A reader's last use of an object
 * happens before its release of the counter (offline, or a later value),
 * which the control thread reads before freeing: ThreadSanitizer sees
 * that edge too (no fences, no asm).
 *
 * Threads: vf__qsbr_online()/offline() on the reader's thread; everything
 * else on the control thread (the reader list is the control thread's).
 */
#ifndef VF_RUNTIME_QSBR_H
#define VF_RUNTIME_QSBR_H

#include <stdbool.h>
#include <stdint.h>

#include "util/list.h"

struct vf__qsbr;

struct vf__qsbr_reader {
	struct vf__list node; /* in the domain's readers (control thread) */
	uint64_t ctr;	      /* 0: offline; else @gp as it came online */
};

int vf__qsbr_create(struct vf__qsbr **out);
/* Runs what is still deferred (no reader may be online) and frees. */
void vf__qsbr_destroy(struct vf__qsbr *q);

/* Readers are added offline, and removed offline. */
void vf__qsbr_register(struct vf__qsbr *q, struct vf__qsbr_reader *r);
void vf__qsbr_unregister(struct vf__qsbr *q, struct vf__qsbr_reader *r);

/* The grace-period counter, for vf__qsbr_online(). */
uint64_t *vf__qsbr_gp(struct vf__qsbr *q);

/* Before a reader's first load of a published pointer. */
static inline void vf__qsbr_online(struct vf__qsbr *q, struct vf__qsbr_reader *r)
{
	/* seq_cst: pairs with vf__qsbr_defer()'s increment; the store is
	 * ordered before the reader's vf__qsbr_load()s (see the top) */
	__atomic_store_n(&r->ctr, __atomic_load_n(vf__qsbr_gp(q), __ATOMIC_SEQ_CST),
			 __ATOMIC_SEQ_CST);
}

/* After a reader's last use of what it loaded. */
static inline void vf__qsbr_offline(struct vf__qsbr_reader *r)
{
	/* release: everything the reader did happens before the control
	 * thread's seq_cst load of the counter (due(), qsbr.c) */
	__atomic_store_n(&r->ctr, 0, __ATOMIC_RELEASE);
}

/* Publishing and reading a shared pointer (seq_cst, see the top). */
#define vf__qsbr_publish(pp, v) __atomic_store_n((pp), (v), __ATOMIC_SEQ_CST)
#define vf__qsbr_load(pp) __atomic_load_n((pp), __ATOMIC_SEQ_CST)

/* Calls @fn(@arg) on the control thread once no reader online now can
 * still hold what it frees: at once when none is online, else from a
 * later vf__qsbr_poll(). Never fails (out of memory, it waits). */
void vf__qsbr_defer(struct vf__qsbr *q, void (*fn)(void *), void *arg);
/* Runs the deferred calls that are due; returns whether some still wait. */
bool vf__qsbr_poll(struct vf__qsbr *q);
/* Waits until every reader online now has gone offline once, then runs
 * every deferred call. */
void vf__qsbr_barrier(struct vf__qsbr *q);

#endif
