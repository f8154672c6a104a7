/*
 * An open-addressing hash table of pointers keyed by a caller-computed
 * 64-bit hash; equality is decided by a caller callback, so one table type
 * serves string and integer keys. Grows by doubling; vf__hmap_reserve()
 * makes later insertions infallible, so a caller can reserve every table it
 * will touch and then change them all with nothing half-done.
 */
#ifndef VF_UTIL_HASH_H
#define VF_UTIL_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vf__hslot {
	uint64_t hash;
	void *val; /* NULL: empty; vf__hmap_tomb: deleted */
};

extern const char vf__hmap_tomb; /* its address marks a deleted slot */

struct vf__hmap {
	struct vf__hslot *slots;
	size_t cap;  /* power of two, or 0 */
	size_t len;  /* live entries */
	size_t used; /* live entries plus tombstones */
};

typedef bool (*vf__hmap_eq_fn)(const void *val, const void *key);

/* splitmix64's finaliser: every bit of @x reaches every bit */
static inline uint64_t vf__hash_u64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

uint64_t vf__hash_str(const char *s);

void vf__hmap_free(struct vf__hmap *m);
/* Ensures @extra more insertions cannot fail. 0 or -ENOMEM. */
int vf__hmap_reserve(struct vf__hmap *m, size_t extra);
/* Inserts; the caller reserved room. @val must not be NULL. */
void vf__hmap_put(struct vf__hmap *m, uint64_t hash, void *val);
/* Inline: the pipeline looks up several times per frame; with a
 * constant @eq the compiler folds the comparison in. */
static inline void *vf__hmap_get(const struct vf__hmap *m, uint64_t hash,
				 vf__hmap_eq_fn eq, const void *key)
{
	if (!m->cap)
		return NULL;
	for (size_t i = hash & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		const struct vf__hslot *s = &m->slots[i];

		if (!s->val)
			return NULL;
		if (s->hash == hash && s->val != (const void *)&vf__hmap_tomb && eq(s->val, key))
			return s->val;
	}
}
/* The value in slot @i (0..cap-1), or NULL for an empty or deleted slot:
 * for iterating over every value. */
void *vf__hmap_slot(const struct vf__hmap *m, size_t i);
/* Removes exactly @val (stored under @hash); false if absent. */
bool vf__hmap_del(struct vf__hmap *m, uint64_t hash, const void *val);

#endif
