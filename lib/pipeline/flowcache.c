/* The flow cache's table and its frame reader (see flowcache.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "packet/packet.h"
#include "pipeline/flowcache.h"

#define MAX_ENTRIES (1u << 26)

int vf__flowcache_create(struct vf__flowcache **out, uint32_t entries)
{
	struct vf__flowcache *fc;
	uint32_t n = VF__FC_WAYS;

	*out = NULL;
	if (!entries || entries > MAX_ENTRIES)
		return -EINVAL;
	while (n < entries)
		n *= 2;
	if (!(fc = calloc(1, sizeof(*fc))))
		return -ENOMEM;
	fc->e = aligned_alloc(64, (size_t)n * sizeof(*fc->e));
	if (!fc->e) {
		free(fc);
		return -ENOMEM;
	}
	memset(fc->e, 0, (size_t)n * sizeof(*fc->e));
	fc->mask = n / VF__FC_WAYS - 1;
	fc->epoch = 1;
	/* tables and locations start at generation 0 or more: the first
	 * frame always moves the epoch past any entry */
	fc->tables_gen = fc->locs_gen = UINT64_MAX;
	/* a seed per cache, so that a chosen set of flows cannot be made to
	 * share a set everywhere; a miss costs the whole pipeline, never a
	 * wrong answer */
	if (getrandom(&fc->seed, sizeof(fc->seed), GRND_NONBLOCK) != sizeof(fc->seed))
		fc->seed = (uintptr_t)fc ^ 0x9e3779b97f4a7c15ull;
	*out = fc;
	return 0;
}

void vf__flowcache_destroy(struct vf__flowcache *fc)
{
	if (!fc)
		return;
	free(fc->e);
	free(fc);
}

void vf__flowcache_clear(struct vf__flowcache *fc)
{
	memset(fc->e, 0, ((size_t)fc->mask + 1) * VF__FC_WAYS * sizeof(*fc->e));
	fc->epoch = 1;
}

void vf__fc_insert(struct vf__flowcache *fc, const struct vf__fc_pkt *p,
		   const struct vf__fc_entry *val)
{
	struct vf__fc_entry *set = &fc->e[(p->hash & fc->mask) * VF__FC_WAYS], *e = NULL;

	for (int i = 0; i < VF__FC_WAYS && !e; i++)
		if (set[i].epoch == fc->epoch &&
		    !memcmp(&set[i].key, &p->key, sizeof(p->key)))
			e = &set[i];
	for (int i = 0; i < VF__FC_WAYS && !e; i++)
		if (set[i].epoch != fc->epoch)
			e = &set[i];
	if (!e)
		e = &set[fc->victim++ % VF__FC_WAYS];
	*e = *val;
	e->key = p->key;
	e->epoch = fc->epoch;
	fc->inserts++;
}
