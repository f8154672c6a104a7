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

struct vf__hslot;

struct vf__hmap {
	struct vf__hslot *slots;
	size_t cap;  /* power of two, or 0 */
	size_t len;  /* live entries */
	size_t used; /* live entries plus tombstones */
};

typedef bool (*vf__hmap_eq_fn)(const void *val, const void *key);

uint64_t vf__hash_u64(uint64_t x);
uint64_t vf__hash_str(const char *s);

void vf__hmap_free(struct vf__hmap *m);
/* Ensures @extra more insertions cannot fail. 0 or -ENOMEM. */
int vf__hmap_reserve(struct vf__hmap *m, size_t extra);
/* Inserts; the caller reserved room. @val must not be NULL. */
void vf__hmap_put(struct vf__hmap *m, uint64_t hash, void *val);
void *vf__hmap_get(const struct vf__hmap *m, uint64_t hash, vf__hmap_eq_fn eq,
		   const void *key);
/* The value in slot @i (0..cap-1), or NULL for an empty or deleted slot:
 * for iterating over every value. */
void *vf__hmap_slot(const struct vf__hmap *m, size_t i);
/* Removes exactly @val (stored under @hash); false if absent. */
bool vf__hmap_del(struct vf__hmap *m, uint64_t hash, const void *val);

#endif
