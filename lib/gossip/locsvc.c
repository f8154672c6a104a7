/* The gossip location service: see locsvc.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vfabric/vfabric.h>

#include "core/internal.h"
#include "gossip/locmsg.h"
#include "gossip/locsvc.h"
#include "pipeline/location.h"
#include "util/hash.h"

#define QHIST 16
#define PEND_MAX 16
/* New members asked for what we miss: all of them in a cluster of up to
 * SYNC_ALL_MEMBERS, else at most SYNC_NEW_MAX per look, and only those
 * whose state changed since the last look (members that come back are
 * always asked). A host that joins a cluster of thousands learns of them
 * all at once, and each would answer with up to VF__LOCSVC_DELTA_MAX
 * records: the join push-pull, broadcasts and periodic push-pulls carry
 * the rest. (Asking the first never-heard-from members at every change
 * of the member list made every host of a large cluster ask the same
 * few, again and again.) */
#define SYNC_ALL_MEMBERS 64
#define SYNC_NEW_MAX 4
/* Records are kept in chunks of this many, which never move. */
#define CHUNK_SHIFT 10
#define CHUNK (1u << CHUNK_SHIFT)

/* Marks that start above an origin's known version (out-of-order
 * broadcasts), kept to chain once the gap before them fills; allocated
 * for the few origins that have any. */
struct pend {
	struct {
		uint64_t base, upto;
	} m[PEND_MAX];
};

struct origin {
	uint64_t known;	   /* all its records up to here are held */
	struct pend *pend; /* NULL: none kept */
	uint32_t name;	   /* offset in ls->names */
	uint8_t npend;
	bool gone;   /* failed or left: its records are forgotten */
	bool member; /* an alive member when last looked at */
};

enum { R_USED = 1, R_DEAD = 2, R_INSTALLED = 4, R_SEEN = 8 };

/* 48 bytes: a record is one of these in a chunk, plus its share of the
 * (cell, VIP) index (4 bytes a slot). */
struct rec {
	uint64_t version;
	uint32_t cell, vip, subnet, host_ip;
	uint32_t origin; /* index in ls->origins; 0 is this host */
	uint32_t next;	 /* 1 + the next record of the same (cell, vip), or of
			  * the free list; 0: none */
	vf_mac vmac, host_mac;
	uint8_t flags; /* R_* */
	uint16_t died; /* R_DEAD: the sweep epoch it died in */
};

struct query {
	uint32_t cell, vip;
	uint64_t at;
};

struct vf__locsvc {
	vf_fabric *f;
	struct vf__locsvc_table table;
	struct vf__swim *swim;
	uint64_t swim_gen; /* the membership's generation last scanned */
	uint64_t scanned_at; /* when (the state machine's clock); 0: never */
	bool scanned;
	struct origin *origins;
	size_t norigins, corigins;
	char *names; /* origin names, each NUL-terminated */
	size_t names_len, names_cap;
	uint32_t *by_name; /* 1 + origin index, open addressing; 0: empty */
	size_t cby_name;
	struct rec **chunks; /* every record, in no order */
	size_t nchunks, nslots, nrecs;
	uint32_t free_recs; /* 1 + first free slot */
	uint32_t *by_key;   /* 1 + first record of a (cell, vip); 0: empty */
	size_t cby_key, nkeys;
	struct vf__gbuf vv; /* our vector, encoded (valid unless vv_dirty) */
	bool vv_dirty;
	struct query q[QHIST];
	unsigned int qnext;
	uint64_t tomb_ms, swept_at; /* tombstone time; the last sweep (ms) */
	uint16_t epoch;		    /* sweeps so far (wraps) */
	struct vf__locsvc_stats st;
};

/* ---- tables ---- */

static const char *oname(const struct vf__locsvc *ls, size_t i)
{
	return ls->names + ls->origins[i].name;
}

static uint64_t name_hash(const uint8_t *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return vf__hash_u64(h);
}

static long origin_find(const struct vf__locsvc *ls, const uint8_t *name, size_t len)
{
	size_t mask = ls->cby_name - 1;

	if (!ls->cby_name)
		return -1;
	for (size_t i = name_hash(name, len) & mask;; i = (i + 1) & mask) {
		uint32_t v = ls->by_name[i];
		const char *n;

		if (!v)
			return -1;
		n = oname(ls, v - 1);
		if (!strncmp(n, (const char *)name, len) && !n[len])
			return (long)v - 1;
	}
}

static void by_name_put(uint32_t *t, size_t cap, uint64_t h, uint32_t v)
{
	size_t i = h & (cap - 1);

	while (t[i])
		i = (i + 1) & (cap - 1);
	t[i] = v;
}

static long origin_get(struct vf__locsvc *ls, const uint8_t *name, size_t len)
{
	long i = origin_find(ls, name, len);
	struct origin *o;

	if (i >= 0)
		return i;
	if (ls->norigins == ls->corigins) {
		size_t c = ls->corigins ? 2 * ls->corigins : 8;

		if (!(o = realloc(ls->origins, c * sizeof(*o))))
			return -ENOMEM;
		ls->origins = o;
		ls->corigins = c;
	}
	if ((ls->norigins + 1) * 2 > ls->cby_name) { /* load at most 1/2 */
		size_t c = ls->cby_name ? 2 * ls->cby_name : 16;
		uint32_t *t = calloc(c, sizeof(*t));

		if (!t)
			return -ENOMEM;
		for (size_t k = 0; k < ls->norigins; k++)
			by_name_put(t, c, name_hash((const uint8_t *)oname(ls, k), strlen(oname(ls, k))),
				    (uint32_t)k + 1);
		free(ls->by_name);
		ls->by_name = t;
		ls->cby_name = c;
	}
	if (ls->names_len + len + 1 > ls->names_cap) {
		size_t c = ls->names_cap ? ls->names_cap : 256;
		char *n;

		while (ls->names_len + len + 1 > c)
			c *= 2;
		if (!(n = realloc(ls->names, c)))
			return -ENOMEM;
		ls->names = n;
		ls->names_cap = c;
	}
	o = &ls->origins[ls->norigins];
	memset(o, 0, sizeof(*o));
	o->name = (uint32_t)ls->names_len;
	memcpy(ls->names + ls->names_len, name, len);
	ls->names[ls->names_len + len] = '\0';
	ls->names_len += len + 1;
	by_name_put(ls->by_name, ls->cby_name, name_hash(name, len),
		    (uint32_t)ls->norigins + 1);
	return (long)ls->norigins++;
}

static struct rec *rec_at(const struct vf__locsvc *ls, uint32_t i)
{
	return &ls->chunks[i >> CHUNK_SHIFT][i & (CHUNK - 1)];
}

static uint32_t rec_index(const struct vf__locsvc *ls, const struct rec *r)
{
	for (size_t c = 0;; c++)
		if (r >= ls->chunks[c] && r < ls->chunks[c] + CHUNK)
			return (uint32_t)(c << CHUNK_SHIFT | (size_t)(r - ls->chunks[c]));
}

static uint64_t key_hash(uint32_t cell, uint32_t vip)
{
	return vf__hash_u64((uint64_t)cell << 32 | vip);
}

/* The slot of (cell, vip) in the key index, or of the empty slot where it
 * would go. */
static size_t key_slot(const struct vf__locsvc *ls, uint32_t cell, uint32_t vip)
{
	size_t mask = ls->cby_key - 1, i = key_hash(cell, vip) & mask;

	for (;; i = (i + 1) & mask) {
		uint32_t v = ls->by_key[i];
		const struct rec *r;

		if (!v)
			return i;
		r = rec_at(ls, v - 1);
		if (r->cell == cell && r->vip == vip)
			return i;
	}
}

/* The records of (cell, vip), a list through ->next, or NULL. */
static struct rec *key_first(const struct vf__locsvc *ls, uint32_t cell, uint32_t vip)
{
	uint32_t v;

	if (!ls->cby_key)
		return NULL;
	v = ls->by_key[key_slot(ls, cell, vip)];
	return v ? rec_at(ls, v - 1) : NULL;
}

static struct rec *rec_next(const struct vf__locsvc *ls, const struct rec *r)
{
	return r->next ? rec_at(ls, r->next - 1) : NULL;
}

#define KEY_EACH(r, ls, cell, vip) \
	for (r = key_first(ls, cell, vip); r; r = rec_next(ls, r))

static struct rec *rec_find(struct vf__locsvc *ls, uint32_t origin, uint32_t cell,
			    uint32_t vip)
{
	struct rec *r;

	KEY_EACH(r, ls, cell, vip)
	if (r->origin == origin)
		return r;
	return NULL;
}

/* Room for one more key: the index stays at most 4/5 full. */
static int key_reserve(struct vf__locsvc *ls)
{
	size_t c = ls->cby_key ? ls->cby_key : 16;
	uint32_t *old = ls->by_key;
	size_t oc = ls->cby_key;

	while ((ls->nkeys + 1) * 5 > c * 4)
		c *= 2;
	if (c == ls->cby_key)
		return 0;
	if (!(ls->by_key = calloc(c, sizeof(*ls->by_key)))) {
		ls->by_key = old;
		return -ENOMEM;
	}
	ls->cby_key = c;
	for (size_t i = 0; i < oc; i++)
		if (old[i]) {
			const struct rec *r = rec_at(ls, old[i] - 1);

			ls->by_key[key_slot(ls, r->cell, r->vip)] = old[i];
		}
	free(old);
	return 0;
}

/* Empties slot @i of the key index (backward-shift deletion: linear
 * probing needs no tombstones). */
static void key_del_slot(struct vf__locsvc *ls, size_t i)
{
	size_t mask = ls->cby_key - 1;

	for (size_t j = (i + 1) & mask; ls->by_key[j]; j = (j + 1) & mask) {
		const struct rec *r = rec_at(ls, ls->by_key[j] - 1);
		size_t home = key_hash(r->cell, r->vip) & mask;

		/* j's entry may move to i unless its home lies in (i, j] */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			ls->by_key[i] = ls->by_key[j];
			i = j;
		}
	}
	ls->by_key[i] = 0;
	ls->nkeys--;
}

/* A new zeroed record of @origin for (cell, vip), linked in. */
static struct rec *rec_add(struct vf__locsvc *ls, uint32_t origin, uint32_t cell,
			   uint32_t vip)
{
	struct rec *r, *first = key_first(ls, cell, vip);
	uint32_t i;

	if (!first && key_reserve(ls) < 0)
		return NULL;
	if (!ls->free_recs && ls->nslots == ls->nchunks * CHUNK) {
		struct rec **c = realloc(ls->chunks, (ls->nchunks + 1) * sizeof(*c));

		if (!c)
			return NULL;
		ls->chunks = c;
		if (!(c[ls->nchunks] = malloc(CHUNK * sizeof(struct rec))))
			return NULL;
		ls->nchunks++;
	}
	if (ls->free_recs) {
		i = ls->free_recs - 1;
		ls->free_recs = rec_at(ls, i)->next;
	} else {
		i = (uint32_t)ls->nslots++;
	}
	r = rec_at(ls, i);
	memset(r, 0, sizeof(*r));
	r->flags = R_USED;
	r->origin = origin;
	r->cell = cell;
	r->vip = vip;
	if (first) {
		r->next = first->next;
		first->next = i + 1;
	} else {
		ls->by_key[key_slot(ls, cell, vip)] = i + 1;
		ls->nkeys++;
	}
	ls->nrecs++;
	return r;
}

/* Unlinks @r from its key's list and frees it. */
static void rec_del(struct vf__locsvc *ls, struct rec *r)
{
	size_t slot = key_slot(ls, r->cell, r->vip);
	uint32_t i = rec_index(ls, r);
	struct rec *p;

	if (ls->by_key[slot] == i + 1) {
		if (r->next)
			ls->by_key[slot] = r->next;
		else
			key_del_slot(ls, slot);
	} else {
		for (p = rec_at(ls, ls->by_key[slot] - 1); p; p = rec_next(ls, p))
			if (p->next == i + 1) {
				p->next = r->next;
				break;
			}
	}
	r->flags = 0;
	r->next = ls->free_recs;
	ls->free_recs = i + 1;
	ls->nrecs--;
}

#define REC_EACH(r, ls)                                                    \
	for (size_t ri_ = 0; ri_ < (ls)->nslots; ri_++)                      \
		if (((r) = rec_at(ls, (uint32_t)ri_))->flags & R_USED)

/* The highest version any origin gave (cell, vip). */
static uint64_t key_version(const struct vf__locsvc *ls, uint32_t cell, uint32_t vip)
{
	const struct rec *r;
	uint64_t v = 0;

	for (r = key_first(ls, cell, vip); r; r = rec_next(ls, r))
		if (r->version > v)
			v = r->version;
	return v;
}

/* ---- the pipeline's table ---- */

/* @a beats @b: higher version, then the greater origin name. */
static bool beats(const struct vf__locsvc *ls, const struct rec *a, const struct rec *b)
{
	if (a->version != b->version)
		return a->version > b->version;
	return strcmp(oname(ls, a->origin), oname(ls, b->origin)) > 0;
}

static void to_location(const struct rec *r, vf_location *l)
{
	l->cell_id = r->cell;
	l->vip = r->vip;
	l->vmac = r->vmac;
	l->subnet_id = r->subnet;
	l->host_mac = r->host_mac;
	l->host_ip = r->host_ip;
	l->version = r->version;
}

/* Puts the winner for (cell, vip) in the table, or takes it out. */
/* Our port for (cell, vip) went with its VM to another host less than
 * its grace ago (vf_port_migrate): our record stays published, so hosts
 * that have not heard of the new one keep sending here, and this host
 * sends those frames on; the new host's higher version wins wherever it
 * arrived. It is withdrawn when the grace ends. */
static bool moved_away(const struct vf__locsvc *ls, uint32_t cell, uint32_t vip)
{
	uint32_t moved_cell;
	vf_cell *c;

	if (!ls->f || !vf__loc_moved(ls->f->locs, vip, vf__now_ns(ls->f), &moved_cell) ||
	    moved_cell != cell)
		return false;
	c = vf_fabric_cell_by_id(ls->f, cell);
	return !c || !vf_cell_port_by_vip(c, vip);
}

static void settle(struct vf__locsvc *ls, uint32_t cell, uint32_t vip)
{
	struct rec *win = NULL, *cur = NULL;
	bool local = false;

	for (struct rec *r = key_first(ls, cell, vip); r; r = rec_next(ls, r)) {
		if (r->flags & R_INSTALLED)
			cur = r;
		if ((r->flags & R_DEAD) || ls->origins[r->origin].gone)
			continue;
		if (r->origin == 0)
			local = local || !moved_away(ls, cell, vip);
		else if (!win || beats(ls, r, win))
			win = r;
	}
	if (local)
		win = NULL;
	if (cur && cur != win)
		cur->flags &= (uint8_t)~R_INSTALLED;
	if (win) {
		VF_OPTS(vf_location, l, .cell_id = 0);

		to_location(win, &l);
		if (ls->table.set(ls->table.ctx, &l) < 0) {
			ls->st.install_errors++;
			win->flags &= (uint8_t)~R_INSTALLED;
		} else {
			ls->st.installs++;
			win->flags |= R_INSTALLED;
		}
	}
	if (cur && !(cur->flags & R_INSTALLED) && (!win || !(win->flags & R_INSTALLED))) {
		ls->table.del(ls->table.ctx, cell, vip);
		ls->st.uninstalls++;
	}
}

/* ---- sending ---- */

static void rec_view(const struct vf__locsvc *ls, const struct rec *r,
		     struct vf__loc_rec *w)
{
	w->origin = vf__gbytes_str(oname(ls, r->origin));
	w->cell = r->cell;
	w->vip = r->vip;
	w->subnet = r->subnet;
	w->host_ip = r->host_ip;
	w->vmac = (struct vf__gbytes){r->vmac.addr, 6};
	w->host_mac = (struct vf__gbytes){r->host_mac.addr, 6};
	w->version = r->version;
	w->dead = r->flags & R_DEAD;
}

/* Encodes an update; @to NULL broadcasts it. Returns the bytes sent. */
static size_t send_update(struct vf__locsvc *ls, const char *to, struct vf__loc_rec *recs,
			  size_t n, struct vf__loc_mark *marks, size_t nmarks)
{
	struct vf__loc_msg m = {.type = to ? VF__LOC_UPDATE : VF__LOC_GOSSIP};
	struct vf__gbuf b = {0};
	size_t sent = 0;
	int rc;

	m.u.update.recs = recs;
	m.u.update.n = n;
	m.u.update.marks = marks;
	m.u.update.nmarks = nmarks;
	if (!ls->swim || vf__loc_msg_encode(&b, &m) < 0)
		goto out;
	rc = to ? vf__swim_send_user(ls->swim, to, b.data, b.len)
		: vf__swim_broadcast_user(ls->swim, b.data, b.len);
	if (rc == 0)
		sent = b.len;
out:
	vf__gbuf_free(&b);
	return sent;
}

/* Our record @r, new or changed: the next version, then a broadcast. */
static void publish(struct vf__locsvc *ls, struct rec *r)
{
	struct origin *self = &ls->origins[0];
	uint64_t prev = self->known, v = key_version(ls, r->cell, r->vip);
	struct vf__loc_mark k = {vf__gbytes_str(oname(ls, 0)), prev, 0};
	struct vf__loc_rec w;

	r->version = (v > prev ? v : prev) + 1;
	self->known = r->version;
	ls->vv_dirty = true;
	k.upto = r->version;
	rec_view(ls, r, &w);
	ls->st.bcast_bytes += send_update(ls, NULL, &w, 1, &k, 1);
	if (r->flags & R_DEAD)
		ls->st.withdrawn_local++;
	else
		ls->st.published++;
}

static int by_version(const void *a, const void *b)
{
	const struct rec *x = *(const struct rec *const *)a;
	const struct rec *y = *(const struct rec *const *)b;

	if (x->origin != y->origin)
		return x->origin < y->origin ? -1 : 1;
	return x->version < y->version ? -1 : x->version > y->version;
}

/* What @vv says they hold of each of our origins, by origin index: its
 * version; not listed: 0, or UINT64_MAX (not asked for) when @vv is
 * partial. One hashed look-up per entry, so an exchange costs the vector
 * plus the records, not their product. NULL: no memory. */
static uint64_t *their_versions(const struct vf__locsvc *ls, const struct vf__loc_msg *vv)
{
	uint64_t none = vv->u.state.partial ? UINT64_MAX : 0;
	uint64_t *t = malloc(ls->norigins * sizeof(*t));

	if (!t)
		return NULL;
	for (size_t i = 0; i < ls->norigins; i++)
		t[i] = none;
	for (size_t i = 0; i < vv->u.state.n; i++) {
		long o = origin_find(ls, vv->u.state.vv[i].origin.data,
				     vv->u.state.vv[i].origin.len);

		if (o >= 0)
			t[o] = vv->u.state.vv[i].version;
	}
	return t;
}

struct batch {
	struct vf__loc_rec recs[64];
	struct vf__loc_mark marks[64];
	size_t n, nmarks, bytes;
};

static void batch_flush(struct vf__locsvc *ls, const char *to, struct batch *b)
{
	if (b->n) {
		ls->st.ae_bytes +=
			send_update(ls, to, b->recs, b->n, b->marks, b->nmarks);
		ls->st.ae_records += b->n;
	}
	b->n = b->nmarks = 0;
	b->bytes = 16;
}

/* Whether they (@t, from their_versions()) miss @r, which we hold whole. */
static bool missed(const struct vf__locsvc *ls, const uint64_t *t, const struct rec *r)
{
	const struct origin *o = &ls->origins[r->origin];

	return !o->gone && r->version <= o->known && t[r->origin] != UINT64_MAX &&
	       r->version > t[r->origin];
}

/* Anti-entropy: sends @to what its vector @vv misses (of the origins it
 * lists, when it is partial), at most VF__LOCSVC_DELTA_MAX records,
 * oldest first per origin. */
static void send_delta(struct vf__locsvc *ls, const char *to,
		       const struct vf__loc_msg *vv)
{
	struct rec **pick = NULL, *c;
	size_t n = 0, sent = 0;
	uint64_t *t;
	struct batch *b = NULL;

	if (!ls->nrecs || !(t = their_versions(ls, vv)))
		return;
	if (!(pick = malloc(ls->nrecs * sizeof(*pick))))
		goto out;
	REC_EACH(c, ls)
	{
		if (missed(ls, t, c))
			pick[n++] = c;
	}
	if (!n || !(b = calloc(1, sizeof(*b))))
		goto out;
	qsort(pick, n, sizeof(*pick), by_version);
	b->bytes = 16;
	for (size_t i = 0; i < n && sent < VF__LOCSVC_DELTA_MAX; i++, sent++) {
		const struct rec *r = pick[i];
		const char *name = oname(ls, r->origin);
		struct vf__loc_mark *k = b->nmarks ? &b->marks[b->nmarks - 1] : NULL;
		struct vf__loc_rec w;

		rec_view(ls, r, &w);
		if (b->n == 64 || b->nmarks == 64 ||
		    b->bytes + vf__loc_rec_size(&w) + 2 * (3 + strlen(name) + 18) >
			    VF__LOCSVC_UDP_MAX) {
			batch_flush(ls, to, b);
			k = NULL;
		}
		b->recs[b->n++] = w;
		b->bytes += vf__loc_rec_size(&w);
		/* the first record of an origin in this batch starts a mark at
		 * what they know, or where the last batch stopped */
		if (!k || k->origin.data != (const uint8_t *)name) {
			uint64_t base = i && pick[i - 1]->origin == r->origin
						? pick[i - 1]->version
						: t[r->origin];

			k = &b->marks[b->nmarks++];
			k->origin = vf__gbytes_str(name);
			k->base = base;
			b->bytes += vf__loc_mark_size(k);
		}
		k->upto = r->version;
	}
	batch_flush(ls, to, b);
out:
	free(b);
	free(pick);
	free(t);
}

/* Our vector, appended to @out; encoded again only after it changed
 * (a sync to each of thousands of members sends the same bytes). */
static int state_encode(struct vf__locsvc *ls, struct vf__gbuf *out)
{
	struct vf__loc_msg m = {.type = VF__LOC_STATE};
	size_t n = 0;
	int rc;

	if (ls->vv_dirty || !ls->vv.len) {
		if (!(m.u.state.vv = calloc(ls->norigins, sizeof(*m.u.state.vv))))
			return -ENOMEM;
		m.u.state.from = vf__gbytes_str(oname(ls, 0));
		for (size_t i = 0; i < ls->norigins && n < VF__LOC_VV_MAX; i++)
			if (!ls->origins[i].gone && ls->origins[i].known) {
				m.u.state.vv[n].origin = vf__gbytes_str(oname(ls, i));
				m.u.state.vv[n++].version = ls->origins[i].known;
			}
		m.u.state.n = n;
		ls->vv.len = 0;
		rc = vf__loc_msg_encode(&ls->vv, &m);
		free(m.u.state.vv);
		if (rc < 0) {
			ls->vv.len = 0;
			return rc;
		}
		ls->vv_dirty = false;
	}
	return vf__gbuf_put(out, ls->vv.data, ls->vv.len);
}

/* ---- receiving ---- */

/* Whether the membership has @name failed or left. */
static bool member_gone(const struct vf__locsvc *ls, const char *name)
{
	const struct vf__swim_node *n = ls->swim ? vf__swim_find(ls->swim, name) : NULL;
	enum vf__member_state st;

	if (!n)
		return false;
	st = vf__swim_state(n);
	return st == VF__MEMBER_FAILED || st == VF__MEMBER_LEFT;
}

/* Takes @w if it is news; true if it was. */
static bool apply(struct vf__locsvc *ls, const struct vf__loc_rec *w)
{
	struct rec *r;
	long o;

	ls->st.recs_in++;
	if ((o = origin_get(ls, w->origin.data, w->origin.len)) < 0)
		return false;
	if (o == 0) {
		/* ours from before a restart: go on above it */
		if (w->version > ls->origins[0].known) {
			ls->origins[0].known = w->version;
			ls->vv_dirty = true;
		}
		ls->st.recs_stale++;
		return false;
	}
	if (ls->origins[o].gone || member_gone(ls, oname(ls, (size_t)o))) {
		ls->st.recs_gone++;
		return false;
	}
	r = rec_find(ls, (uint32_t)o, w->cell, w->vip);
	if (!r && w->version <= ls->origins[o].known) {
		/* we held all its records up to above this one: a newer one
		 * for this key (a tombstone dropped since) replaced it */
		ls->st.recs_stale++;
		return false;
	}
	if (r && r->version >= w->version) {
		ls->st.recs_stale++;
		/* an answer to a miss: the table lost what we installed
		 * (someone called vf_location_del()): put it back */
		if ((r->flags & R_INSTALLED) &&
		    !ls->table.has(ls->table.ctx, w->cell, w->vip))
			settle(ls, w->cell, w->vip);
		return false;
	}
	if (!r && !(r = rec_add(ls, (uint32_t)o, w->cell, w->vip)))
		return false;
	r->subnet = w->subnet;
	r->host_ip = w->host_ip;
	memcpy(r->vmac.addr, w->vmac.data, 6);
	memcpy(r->host_mac.addr, w->host_mac.data, 6);
	r->version = w->version;
	r->flags = (uint8_t)((r->flags & ~R_DEAD) | (w->dead ? R_DEAD : 0));
	r->died = ls->epoch;
	ls->st.recs_applied++;
	settle(ls, w->cell, w->vip);
	return true;
}

/* A mark for @o: (base, upto] is whole. Moves o's vector if it starts at
 * or below it, then any kept marks that now do; keeps it otherwise. */
static void advance(struct origin *o, uint64_t base, uint64_t upto)
{
	struct pend *pd = o->pend;
	bool moved;

	if (upto <= o->known)
		return;
	if (base > o->known) {
		if (!pd && !(pd = o->pend = calloc(1, sizeof(*pd))))
			return; /* kept nowhere: anti-entropy repairs it */
		if (o->npend == PEND_MAX) /* full: the oldest goes */
			memmove(&pd->m[0], &pd->m[1], (PEND_MAX - 1) * sizeof(pd->m[0]));
		else
			o->npend++;
		pd->m[o->npend - 1].base = base;
		pd->m[o->npend - 1].upto = upto;
		return;
	}
	o->known = upto;
	do {
		moved = false;
		for (uint8_t i = 0; i < o->npend; i++) {
			if (pd->m[i].base > o->known)
				continue;
			if (pd->m[i].upto > o->known)
				o->known = pd->m[i].upto;
			pd->m[i] = pd->m[--o->npend];
			moved = true;
			break;
		}
	} while (moved);
}

/* Returns how many records were news. */
static size_t on_update(struct vf__locsvc *ls, const struct vf__loc_msg *m)
{
	size_t news = 0;

	for (size_t i = 0; i < m->u.update.n; i++)
		news += apply(ls, &m->u.update.recs[i]);
	for (size_t i = 0; i < m->u.update.nmarks; i++) {
		const struct vf__loc_mark *k = &m->u.update.marks[i];
		long o = origin_find(ls, k->origin.data, k->origin.len);

		if (o > 0 && !ls->origins[o].gone) {
			uint64_t was = ls->origins[o].known;

			advance(&ls->origins[o], k->base, k->upto);
			ls->vv_dirty |= ls->origins[o].known != was;
		}
	}
	return news;
}

static void on_query(struct vf__locsvc *ls, const struct vf__loc_msg *m)
{
	struct rec *r = rec_find(ls, 0, m->u.query.cell, m->u.query.vip);
	char to[VF__LOC_NAME_MAX + 1];
	struct vf__loc_rec w;

	if (!r || (r->flags & R_DEAD))
		return; /* only the owner answers (again for a retransmitted
			 * query: answers are idempotent) */
	memcpy(to, m->u.query.from.data, m->u.query.from.len);
	to[m->u.query.from.len] = '\0';
	rec_view(ls, r, &w);
	if (send_update(ls, to, &w, 1, NULL, 0))
		ls->st.queries_answered++;
}

static void on_state(struct vf__locsvc *ls, const struct vf__loc_msg *m)
{
	char to[VF__LOC_NAME_MAX + 1];

	memcpy(to, m->u.state.from.data, m->u.state.from.len);
	to[m->u.state.from.len] = '\0';
	if (strcmp(to, oname(ls, 0)) != 0)
		send_delta(ls, to, m);
}

static void dispatch(struct vf__locsvc *ls, const uint8_t *p, size_t len, bool state)
{
	struct vf__loc_msg m;
	int rc;

	if (!len || p[0] < VF__LOC_UPDATE || p[0] > VF__LOC_GOSSIP)
		return; /* not ours (Serf's, or another service's) */
	if ((rc = vf__loc_msg_decode(&m, p, len)) < 0) {
		if (rc == -EMSGSIZE)
			ls->st.bad_oversized++;
		else
			ls->st.bad_malformed++;
		return;
	}
	if (m.type == VF__LOC_STATE) {
		ls->st.syncs_in += !state;
		on_state(ls, &m);
	} else if (state)
		ls->st.bad_malformed++; /* push-pull state is a vector only */
	else if (m.type == VF__LOC_UPDATE)
		on_update(ls, &m);
	else if (m.type == VF__LOC_GOSSIP && on_update(ls, &m) && ls->swim &&
		 vf__swim_broadcast_user(ls->swim, p, len) == 0)
		ls->st.rebroadcasts++;
	else
		on_query(ls, &m);
	vf__loc_msg_free(&m);
}

void vf__locsvc_user(struct vf__locsvc *ls, const uint8_t *p, size_t len)
{
	dispatch(ls, p, len, false);
}

void vf__locsvc_remote_state(struct vf__locsvc *ls, const uint8_t *p, size_t len)
{
	dispatch(ls, p, len, true);
}

int vf__locsvc_local_state(struct vf__locsvc *ls, struct vf__gbuf *out)
{
	size_t len = out->len;
	int rc = state_encode(ls, out);

	if (rc == 0)
		ls->st.state_bytes += out->len - len;
	return rc;
}

static void hook_user(void *ctx, const uint8_t *p, size_t len)
{
	vf__locsvc_user(ctx, p, len);
}

static int hook_local_state(void *ctx, struct vf__gbuf *out, bool join)
{
	(void)join;
	return vf__locsvc_local_state(ctx, out);
}

static void hook_remote_state(void *ctx, const uint8_t *p, size_t len, bool join)
{
	(void)join;
	vf__locsvc_remote_state(ctx, p, len);
}

void vf__locsvc_hooks(struct vf__locsvc *ls, struct vf__swim_hooks *h)
{
	memset(h, 0, sizeof(*h));
	h->ctx = ls;
	h->user = hook_user;
	h->local_state = hook_local_state;
	h->remote_state = hook_remote_state;
}

/* ---- periodic work ---- */

/* Our port (cell, vip) as found now; publishes it if it changed. */
static void scan_port(struct vf__locsvc *ls, const vf_port *p)
{
	uint32_t cell = vf_cell_id(vf_port_cell(p)), vip = vf_port_vip(p);
	vf_mac vmac = vf_port_vmac(p), hmac = vf_fabric_host_mac(ls->f);
	bool dead;
	uint32_t subnet = vf_subnet_id(vf_port_subnet(p));
	uint32_t hip = vf_fabric_host_ip(ls->f);
	struct rec *r;

	if (!vip)
		return;
	r = rec_find(ls, 0, cell, vip);
	dead = r && (r->flags & R_DEAD);
	if (r && !dead && !memcmp(&r->vmac, &vmac, sizeof(vmac)) &&
	    !memcmp(&r->host_mac, &hmac, sizeof(hmac)) && r->subnet == subnet &&
	    r->host_ip == hip) {
		r->flags |= R_SEEN;
		return;
	}
	if (!r && !(r = rec_add(ls, 0, cell, vip)))
		return;
	r->vmac = vmac;
	r->host_mac = hmac;
	r->subnet = subnet;
	r->host_ip = hip;
	r->flags = (uint8_t)((r->flags & ~R_DEAD) | R_SEEN);
	publish(ls, r);
	settle(ls, cell, vip); /* a local port now wins here */
}

static void scan_ports(struct vf__locsvc *ls)
{
	struct rec *r;

	if (!ls->f)
		return; /* no ports of our own (a simulation's table) */
	REC_EACH(r, ls) r->flags &= (uint8_t)~R_SEEN;
	for (vf_cell *c = vf_fabric_next_cell(ls->f, NULL); c;
	     c = vf_fabric_next_cell(ls->f, c))
		for (vf_subnet *s = vf_cell_next_subnet(c, NULL); s;
		     s = vf_cell_next_subnet(c, s))
			for (vf_port *p = vf_subnet_next_port(s, NULL); p;
			     p = vf_subnet_next_port(s, p))
				scan_port(ls, p);
	REC_EACH(r, ls)
	{
		if (r->origin == 0 && !(r->flags & (R_DEAD | R_SEEN))) {
			if (moved_away(ls, r->cell, r->vip)) {
				settle(ls, r->cell, r->vip); /* the new host's wins here */
				continue;
			}
			r->flags |= R_DEAD;
			r->died = ls->epoch;
			publish(ls, r);
			settle(ls, r->cell, r->vip); /* another host's may win */
		}
	}
}

/* Forgets what origin @o said: out of the table, out of the vector. */
static void withdraw(struct vf__locsvc *ls, uint32_t o)
{
	struct rec *r;

	ls->origins[o].gone = true;
	ls->origins[o].known = 0;
	ls->origins[o].npend = 0;
	free(ls->origins[o].pend);
	ls->origins[o].pend = NULL;
	ls->vv_dirty = true;
	ls->st.origins_withdrawn++;
	REC_EACH(r, ls)
	{
		if (r->origin == o)
			settle(ls, r->cell, r->vip);
	}
	REC_EACH(r, ls)
	{
		if (r->origin == o)
			rec_del(ls, r);
	}
}

/* Asks @to for what we miss: our vector by UDP; when it does not fit a
 * datagram (a few dozen origins, fewer with long names), a partial one
 * that asks only for @to's own records (what a host back from a failure,
 * or new, has that we miss); the rest waits for push-pull. A host back
 * from a failure is asked by every member that withdrew it, as its alive
 * spreads (about 1.5 s at 10,000 hosts): one small datagram each, each
 * answered with its records (send_delta() looks at every record held
 * for each). The simulation has no socket buffers and gives hosts few
 * records, so what that burst costs a real host at that scale is not
 * measured here. */
static void sync_with(struct vf__locsvc *ls, const char *to)
{
	struct vf__loc_msg m = {.type = VF__LOC_STATE};
	struct vf__loc_vv e = {vf__gbytes_str(to), 0};
	struct vf__gbuf b = {0};
	long o;
	int rc;

	if (!ls->swim || state_encode(ls, &b) < 0)
		goto out;
	if ((rc = vf__swim_send_user(ls->swim, to, b.data, b.len)) == -EMSGSIZE) {
		if ((o = origin_find(ls, (const uint8_t *)to, strlen(to))) > 0)
			e.version = ls->origins[o].known;
		m.u.state.from = vf__gbytes_str(oname(ls, 0));
		m.u.state.vv = &e;
		m.u.state.n = 1;
		m.u.state.partial = true;
		b.len = 0;
		if ((rc = vf__loc_msg_encode(&b, &m)) == 0 &&
		    (rc = vf__swim_send_user(ls->swim, to, b.data, b.len)) == 0)
			ls->st.syncs_partial++;
	}
	if (rc == 0) {
		ls->st.syncs_sent++;
		ls->st.state_bytes += b.len;
	}
out:
	vf__gbuf_free(&b);
}

/* Withdraws origins the membership has failed or left; asks members
 * that are back, and a few that are new, for what we miss (they answer
 * at once, not at the next push-pull). Only when the member list changed
 * since the last look. */
static void scan_members(struct vf__locsvc *ls)
{
	size_t n = ls->swim ? vf__swim_count(ls->swim) : 0;
	unsigned int fresh = 0;
	uint64_t gen, prev = ls->scanned_at; /* 0: no look yet */

	if (!ls->swim)
		return;
	gen = vf__swim_generation(ls->swim);
	if (ls->scanned && gen == ls->swim_gen)
		return;
	ls->scanned = true;
	ls->scanned_at = vf__swim_now(ls->swim);
	ls->swim_gen = gen;
	for (size_t i = 1; i < n; i++) {
		const struct vf__swim_node *m = vf__swim_node_at(ls->swim, i);
		enum vf__member_state st = vf__swim_state(m);
		bool gone = st == VF__MEMBER_FAILED || st == VF__MEMBER_LEFT;
		long k = origin_find(ls, (const uint8_t *)m->name, strlen(m->name));
		bool ask = n <= SYNC_ALL_MEMBERS ||
			   (fresh < SYNC_NEW_MAX && (!prev || m->state_time >= prev));
		struct origin *o;

		/* a member we never heard from and will not ask needs no entry
		 * (10^4 members: 10^4 entries per host saved) */
		if (k < 0 && (gone || !ask))
			continue;
		if (k < 0)
			k = origin_get(ls, (const uint8_t *)m->name, strlen(m->name));
		if (k <= 0)
			continue;
		o = &ls->origins[k];
		if (gone && !o->gone) {
			withdraw(ls, (uint32_t)k);
		} else if (!gone && o->gone) {
			o->gone = false;
			ls->vv_dirty = true;
			sync_with(ls, oname(ls, (size_t)k));
		} else if (!gone && !o->member && ask) {
			fresh++;
			sync_with(ls, oname(ls, (size_t)k));
		}
		o->member = !gone;
	}
}

/* Every eighth of the tombstone time: drops the tombstones that died more
 * than eight sweeps ago (a death falls between two sweeps, so each is
 * kept its time, and at most an eighth more). */
#define TOMB_SWEEPS 8u

static void sweep_tombstones(struct vf__locsvc *ls)
{
	uint64_t now;
	struct rec *r;

	if (!ls->swim)
		return;
	now = vf__swim_now(ls->swim);
	if (!ls->swept_at)
		ls->swept_at = now;
	if (now - ls->swept_at < ls->tomb_ms / TOMB_SWEEPS)
		return;
	ls->swept_at = now;
	ls->epoch++;
	REC_EACH(r, ls)
	{
		if ((r->flags & R_DEAD) &&
		    (uint16_t)(ls->epoch - r->died) > TOMB_SWEEPS) {
			rec_del(ls, r);
			ls->st.recs_expired++;
		}
	}
}

void vf__locsvc_tick(struct vf__locsvc *ls)
{
	if (!ls)
		return;
	scan_ports(ls);
	scan_members(ls);
	sweep_tombstones(ls);
}

void vf__locsvc_request(struct vf__locsvc *ls, uint32_t cell, uint32_t vip,
			uint64_t now_ms)
{
	struct vf__loc_msg m = {.type = VF__LOC_QUERY};
	struct vf__gbuf b = {0};
	const char *owner = NULL;
	int rc = -ENOENT;

	if (!ls || !ls->swim)
		return;
	for (unsigned int i = 0; i < QHIST; i++)
		if (ls->q[i].cell == cell && ls->q[i].vip == vip && ls->q[i].at &&
		    now_ms - ls->q[i].at < VF__LOCSVC_QUERY_MS)
			return;
	ls->q[ls->qnext] = (struct query){cell, vip, now_ms ? now_ms : 1};
	ls->qnext = (ls->qnext + 1) % QHIST;
	/* the last owner we heard of, if any */
	for (const struct rec *r = key_first(ls, cell, vip); r; r = rec_next(ls, r))
		if (r->origin && !ls->origins[r->origin].gone)
			owner = oname(ls, r->origin);
	m.u.query.cell = cell;
	m.u.query.vip = vip;
	m.u.query.from = vf__gbytes_str(oname(ls, 0));
	if (vf__loc_msg_encode(&b, &m) == 0) {
		if (owner)
			rc = vf__swim_send_user(ls->swim, owner, b.data, b.len);
		if (rc < 0)
			rc = vf__swim_broadcast_user(ls->swim, b.data, b.len);
		if (rc == 0)
			ls->st.queries_sent++;
	}
	vf__gbuf_free(&b);
}

/* ---- life ---- */

static int fabric_set(void *ctx, const vf_location *l)
{
	return vf_location_set(ctx, l);
}

static void fabric_del(void *ctx, uint32_t cell, uint32_t vip)
{
	vf_location_del(ctx, cell, vip);
}

static bool fabric_has(void *ctx, uint32_t cell, uint32_t vip)
{
	return vf__loc_get(((vf_fabric *)ctx)->locs, cell, vip) != NULL;
}

int vf__locsvc_create(struct vf__locsvc **out, const struct vf__locsvc_opts *o)
{
	struct vf__locsvc *ls;
	size_t len;

	*out = NULL;
	if (!o || (!o->fabric && !o->table) || !o->name || !(len = strlen(o->name)) ||
	    len > VF__LOC_NAME_MAX)
		return -EINVAL;
	if (o->table && (!o->table->set || !o->table->del || !o->table->has))
		return -EINVAL;
	if (!(ls = calloc(1, sizeof(*ls))))
		return -ENOMEM;
	ls->f = o->fabric;
	ls->tomb_ms = o->tombstone_ms ? o->tombstone_ms : VF__LOCSVC_TOMBSTONE_MS;
	if (o->table)
		ls->table = *o->table;
	else
		ls->table = (struct vf__locsvc_table){o->fabric, fabric_set, fabric_del,
						      fabric_has};
	ls->vv_dirty = true;
	if (origin_get(ls, (const uint8_t *)o->name, len) != 0) {
		vf__locsvc_destroy(ls);
		return -ENOMEM;
	}
	ls->origins[0].known = o->version_base;
	*out = ls;
	return 0;
}

void vf__locsvc_destroy(struct vf__locsvc *ls)
{
	struct rec *r;

	if (!ls)
		return;
	REC_EACH(r, ls)
	{
		if (r->flags & R_INSTALLED)
			ls->table.del(ls->table.ctx, r->cell, r->vip);
	}
	for (size_t i = 0; i < ls->nchunks; i++)
		free(ls->chunks[i]);
	free(ls->chunks);
	free(ls->by_key);
	for (size_t i = 0; i < ls->norigins; i++)
		free(ls->origins[i].pend);
	free(ls->origins);
	free(ls->names);
	free(ls->by_name);
	vf__gbuf_free(&ls->vv);
	free(ls);
}

void vf__locsvc_set_swim(struct vf__locsvc *ls, struct vf__swim *s)
{
	ls->swim = s;
}

const struct vf__locsvc_stats *vf__locsvc_stats(const struct vf__locsvc *ls)
{
	return &ls->st;
}

size_t vf__locsvc_count(const struct vf__locsvc *ls)
{
	return ls->nrecs;
}

uint64_t vf__locsvc_known(const struct vf__locsvc *ls, const char *origin)
{
	long i = origin_find(ls, (const uint8_t *)origin, strlen(origin));

	return i >= 0 ? ls->origins[i].known : 0;
}
