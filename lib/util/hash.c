#include "util/hash.h"

#include <errno.h>
#include <stdlib.h>

const char vf__hmap_tomb;
#define TOMB ((void *)(uintptr_t)&vf__hmap_tomb)

uint64_t vf__hash_str(const char *s)
{
	/* FNV-1a, then mixed so the low bits are usable */
	uint64_t h = 0xcbf29ce484222325ULL;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 0x100000001b3ULL;
	}
	return vf__hash_u64(h);
}

void vf__hmap_free(struct vf__hmap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->len = m->used = 0;
}

static void insert(struct vf__hslot *slots, size_t cap, uint64_t hash, void *val)
{
	size_t i = hash & (cap - 1);

	while (slots[i].val && slots[i].val != TOMB)
		i = (i + 1) & (cap - 1);
	slots[i].hash = hash;
	slots[i].val = val;
}

static int rehash(struct vf__hmap *m, size_t cap)
{
	struct vf__hslot *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].val && m->slots[i].val != TOMB)
			insert(slots, cap, m->slots[i].hash, m->slots[i].val);
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
	m->used = m->len;
	return 0;
}

int vf__hmap_reserve(struct vf__hmap *m, size_t extra)
{
	size_t need = m->used + extra, cap = m->cap ? m->cap : 8;

	/* keep the load (live plus tombstones) at or under 3/4 */
	if (need * 4 <= m->cap * 3)
		return 0;
	while ((m->len + extra) * 2 > cap)
		cap *= 2;
	return rehash(m, cap);
}

void vf__hmap_put(struct vf__hmap *m, uint64_t hash, void *val)
{
	size_t i = hash & (m->cap - 1);

	while (m->slots[i].val && m->slots[i].val != TOMB)
		i = (i + 1) & (m->cap - 1);
	if (!m->slots[i].val)
		m->used++;
	m->slots[i].hash = hash;
	m->slots[i].val = val;
	m->len++;
}

static struct vf__hslot *find(const struct vf__hmap *m, uint64_t hash, vf__hmap_eq_fn eq,
			      const void *key, const void *val)
{
	if (!m->cap)
		return NULL;
	for (size_t i = hash & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		struct vf__hslot *s = &m->slots[i];

		if (!s->val)
			return NULL;
		if (s->val == TOMB || s->hash != hash)
			continue;
		if (val ? s->val == val : eq(s->val, key))
			return s;
	}
}


void *vf__hmap_slot(const struct vf__hmap *m, size_t i)
{
	void *v = i < m->cap ? m->slots[i].val : NULL;

	return v == TOMB ? NULL : v;
}

bool vf__hmap_del(struct vf__hmap *m, uint64_t hash, const void *val)
{
	struct vf__hslot *s = find(m, hash, NULL, NULL, val);

	if (!s)
		return false;
	s->val = TOMB;
	m->len--;
	return true;
}
