/*
 * A test-and-set spinlock for critical sections of a few dozen
 * instructions that workers and the control thread share (a connection
 * tracking shard, a token bucket): uncontended it costs an exchange and a
 * store, which a pthread mutex's call does not beat. Waiters yield after a
 * short spin, so a preempted holder is not spun against for a whole slice.
 *
 * C11 atomics (GCC builtins), so ThreadSanitizer sees the ordering: the
 * acquire in vf__spin_lock() pairs with the release in vf__spin_unlock().
 */
#ifndef VF_UTIL_SPIN_H
#define VF_UTIL_SPIN_H

#include <sched.h>
#include <stdbool.h>

#if defined(__x86_64__) || defined(__i386__)
#define VF__SPIN_PAUSE() __builtin_ia32_pause()
#else
#define VF__SPIN_PAUSE() ((void)0)
#endif

typedef struct {
	bool held;
} vf__spin;

/* The contended case, out of line: the fast path stays an exchange and a
 * branch, and its callers need no registers saved for a call. */
static __attribute__((noinline, cold, unused)) void vf__spin_wait(vf__spin *l)
{
	/* acquire: pairs with the release in vf__spin_unlock() */
	do {
		for (int i = 0; i < 64; i++) {
			/* relaxed: only waits; the exchange acquires */
			if (!__atomic_load_n(&l->held, __ATOMIC_RELAXED))
				break;
			VF__SPIN_PAUSE();
		}
		if (__atomic_load_n(&l->held, __ATOMIC_RELAXED))
			sched_yield();
	} while (__atomic_exchange_n(&l->held, true, __ATOMIC_ACQUIRE));
}

static inline void vf__spin_lock(vf__spin *l)
{
	/* acquire: pairs with the release in vf__spin_unlock() */
	if (__builtin_expect(__atomic_exchange_n(&l->held, true, __ATOMIC_ACQUIRE), 0))
		vf__spin_wait(l);
}

static inline void vf__spin_unlock(vf__spin *l)
{
	/* release: pairs with the acquire in vf__spin_lock() */
	__atomic_store_n(&l->held, false, __ATOMIC_RELEASE);
}

#endif
