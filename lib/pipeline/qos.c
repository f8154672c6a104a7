/* Per-port token buckets (DESIGN.md §2, step 6). */
#include "pipeline/pipeline.h"

#define NS 1000000000ull

void vf__bucket_set(struct vf__bucket *b, uint64_t rate_bps, uint32_t burst_bytes,
		    uint64_t now_ns)
{
	b->rate_Bps = rate_bps / 8;
	b->cap = (uint64_t)burst_bytes * NS;
	b->tokens = b->cap; /* a new limit starts with a full bucket */
	b->last_ns = now_ns;
}

/* Takes @bytes if the bucket holds them (after refilling for the time
 * since the last frame); a dry run looks without taking. No limit: always
 * true. */
bool vf__bucket_take(struct vf__bucket *b, uint32_t bytes, uint64_t now_ns, bool dry)
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
	if (tokens < need) {
		if (!dry) {
			b->tokens = tokens;
			b->last_ns = now_ns;
		}
		return false;
	}
	if (!dry) {
		b->tokens = tokens - need;
		b->last_ns = now_ns;
	}
	return true;
}
