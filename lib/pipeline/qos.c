/* Per-port token buckets (DESIGN.md §2, step 6). Workers on several
 * threads and the control thread use a bucket at once: each is guarded by
 * its own spinlock (a few dozen instructions under it). */
#include "pipeline/pipeline.h"

#define NS 1000000000ull

void vf__bucket_set(struct vf__bucket *b, uint64_t rate_bps, uint32_t burst_bytes,
		    uint64_t now_ns)
{
	vf__spin_lock(&b->lock);
	/* relaxed: the pipeline reads it without the lock, to skip unlimited
	 * ports; the lock orders the rest */
	__atomic_store_n(&b->rate_Bps, rate_bps / 8, __ATOMIC_RELAXED);
	b->cap = (uint64_t)burst_bytes * NS;
	b->tokens = b->cap; /* a new limit starts with a full bucket */
	b->last_ns = now_ns;
	vf__spin_unlock(&b->lock);
}

/* Takes @bytes if the bucket holds them (after refilling for the time
 * since the last frame); a dry run looks without taking. No limit: always
 * true. The caller holds the lock. */
static bool take(struct vf__bucket *b, uint32_t bytes, uint64_t now_ns, bool dry)
{
	uint64_t tokens = b->tokens, need = (uint64_t)bytes * NS;
	uint64_t elapsed = now_ns > b->last_ns ? now_ns - b->last_ns : 0;

	if (!b->rate_Bps)
		return true;
	/* refill without overflow: past the time to fill up, it is full */
	if (elapsed >= (b->cap - tokens) / b->rate_Bps + 1)
		tokens = b->cap;
	else
		tokens += elapsed * b->rate_Bps;
	if (!dry) {
		b->tokens = tokens < need ? tokens : tokens - need;
		/* a worker whose clock read is older than another's must not
		 * move the bucket back (it would refill twice) */
		if (now_ns > b->last_ns)
			b->last_ns = now_ns;
	}
	return tokens >= need;
}

bool vf__bucket_take(struct vf__bucket *b, uint32_t bytes, uint64_t now_ns, bool dry)
{
	bool ok;

	vf__spin_lock(&b->lock);
	ok = take(b, bytes, now_ns, dry);
	vf__spin_unlock(&b->lock);
	return ok;
}
