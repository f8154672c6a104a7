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

struct origin {
	char *name;
	uint64_t known; /* all its records up to here are held */
	bool gone;	/* failed or left: its records are forgotten */
	bool member;	/* an alive member when last looked at */
	/* marks that start above known (out-of-order broadcasts), kept to
	 * chain once the gap before them fills */
	struct {
		uint64_t base, upto;
	} pend[16];
	uint8_t npend;
};

struct rec {
	uint32_t origin; /* index in ls->origins; 0 is this host */
	uint32_t cell, vip, subnet, host_ip;
	vf_mac vmac, host_mac;
	uint64_t version;
	bool dead;	  /* withdrawn by its origin */
	bool installed;	  /* the one in the pipeline's table */
	bool seen;	  /* ours: the port was found by this scan */
	struct rec *next; /* the next record of the same (cell, vip) */
};

struct query {
	uint32_t cell, vip;
	uint64_t at;
};

struct vf__locsvc {
	vf_fabric *f;
	struct vf__swim *swim;
	struct origin *origins;
	size_t norigins, corigins;
	struct rec **recs; /* every record, in no order */
	size_t nrecs, crecs;
	struct vf__hmap by_key; /* (cell, vip) -> its first record */
	struct query q[QHIST];
	unsigned int qnext;
	struct vf__locsvc_stats st;
};

/* ---- tables ---- */

static long origin_find(const struct vf__locsvc *ls, const uint8_t *name, size_t len)
{
	for (size_t i = 0; i < ls->norigins; i++)
		if (strlen(ls->origins[i].name) == len &&
		    !memcmp(ls->origins[i].name, name, len))
			return (long)i;
	return -1;
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
	o = &ls->origins[ls->norigins];
	if (!(o->name = malloc(len + 1)))
		return -ENOMEM;
	memcpy(o->name, name, len);
	o->name[len] = '\0';
	o->known = 0;
	o->gone = false;
	o->member = false;
	o->npend = 0;
	return (long)ls->norigins++;
}

struct key {
	uint32_t cell, vip;
};

static uint64_t key_hash(uint32_t cell, uint32_t vip)
{
	return vf__hash_u64((uint64_t)cell << 32 | vip);
}

static bool key_eq(const void *val, const void *k)
{
	const struct rec *r = val;
	const struct key *key = k;

	return r->cell == key->cell && r->vip == key->vip;
}

/* The records of (cell, vip), a list through ->next, or NULL. */
static struct rec *key_first(const struct vf__locsvc *ls, uint32_t cell, uint32_t vip)
{
	struct key k = {cell, vip};

	return vf__hmap_get(&ls->by_key, key_hash(cell, vip), key_eq, &k);
}

static struct rec *rec_find(struct vf__locsvc *ls, uint32_t origin, uint32_t cell,
			    uint32_t vip)
{
	for (struct rec *r = key_first(ls, cell, vip); r; r = r->next)
		if (r->origin == origin)
			return r;
	return NULL;
}

/* A new zeroed record of @origin for (cell, vip), linked in. */
static struct rec *rec_add(struct vf__locsvc *ls, uint32_t origin, uint32_t cell,
			   uint32_t vip)
{
	struct rec *r, *first = key_first(ls, cell, vip);

	if (ls->nrecs == ls->crecs) {
		size_t c = ls->crecs ? 2 * ls->crecs : 64;
		struct rec **a = realloc(ls->recs, c * sizeof(*a));

		if (!a)
			return NULL;
		ls->recs = a;
		ls->crecs = c;
	}
	if (!(r = calloc(1, sizeof(*r))))
		return NULL;
	if (!first && vf__hmap_reserve(&ls->by_key, 1) < 0) {
		free(r);
		return NULL;
	}
	r->origin = origin;
	r->cell = cell;
	r->vip = vip;
	if (first) {
		r->next = first->next;
		first->next = r;
	} else {
		vf__hmap_put(&ls->by_key, key_hash(cell, vip), r);
	}
	ls->recs[ls->nrecs++] = r;
	return r;
}

/* Unlinks @r from its key's list (the table keeps room: no failure). */
static void rec_unlink(struct vf__locsvc *ls, struct rec *r)
{
	struct rec *first = key_first(ls, r->cell, r->vip);
	uint64_t h = key_hash(r->cell, r->vip);

	if (first == r) {
		vf__hmap_del(&ls->by_key, h, r);
		if (r->next)
			vf__hmap_put(&ls->by_key, h, r->next); /* into the freed slot */
		return;
	}
	for (struct rec *p = first; p; p = p->next)
		if (p->next == r) {
			p->next = r->next;
			return;
		}
}

/* The highest version any origin gave (cell, vip). */
static uint64_t key_version(const struct vf__locsvc *ls, uint32_t cell, uint32_t vip)
{
	uint64_t v = 0;

	for (const struct rec *r = key_first(ls, cell, vip); r; r = r->next)
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
	return strcmp(ls->origins[a->origin].name, ls->origins[b->origin].name) > 0;
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
static void settle(struct vf__locsvc *ls, uint32_t cell, uint32_t vip)
{
	struct rec *win = NULL, *cur = NULL;
	bool local = false;

	for (struct rec *r = key_first(ls, cell, vip); r; r = r->next) {
		if (r->installed)
			cur = r;
		if (r->dead || ls->origins[r->origin].gone)
			continue;
		if (r->origin == 0)
			local = true;
		else if (!win || beats(ls, r, win))
			win = r;
	}
	if (local)
		win = NULL;
	if (cur && cur != win)
		cur->installed = false;
	if (win) {
		VF_OPTS(vf_location, l, .cell_id = 0);

		to_location(win, &l);
		if (vf_location_set(ls->f, &l) < 0) {
			ls->st.install_errors++;
			win->installed = false;
		} else {
			ls->st.installs++;
			win->installed = true;
		}
	}
	if (cur && !cur->installed && (!win || !win->installed)) {
		vf_location_del(ls->f, cell, vip);
		ls->st.uninstalls++;
	}
}

/* ---- sending ---- */

static void rec_view(const struct vf__locsvc *ls, const struct rec *r,
		     struct vf__loc_rec *w)
{
	w->origin = vf__gbytes_str(ls->origins[r->origin].name);
	w->cell = r->cell;
	w->vip = r->vip;
	w->subnet = r->subnet;
	w->host_ip = r->host_ip;
	w->vmac = (struct vf__gbytes){r->vmac.addr, 6};
	w->host_mac = (struct vf__gbytes){r->host_mac.addr, 6};
	w->version = r->version;
	w->dead = r->dead;
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
	struct vf__loc_mark k = {vf__gbytes_str(self->name), prev, 0};
	struct vf__loc_rec w;

	r->version = (v > prev ? v : prev) + 1;
	self->known = r->version;
	k.upto = r->version;
	rec_view(ls, r, &w);
	ls->st.bcast_bytes += send_update(ls, NULL, &w, 1, &k, 1);
	if (r->dead)
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

/* Their version of origin @o in @vv (0: unknown). */
static uint64_t their(const struct vf__loc_msg *vv, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < vv->u.state.n; i++)
		if (vv->u.state.vv[i].origin.len == len &&
		    !memcmp(vv->u.state.vv[i].origin.data, name, len))
			return vv->u.state.vv[i].version;
	return 0;
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

/* Anti-entropy: sends @to what its vector @vv misses, at most
 * VF__LOCSVC_DELTA_MAX records, oldest first per origin. */
static void send_delta(struct vf__locsvc *ls, const char *to,
		       const struct vf__loc_msg *vv)
{
	struct rec **pick;
	size_t n = 0, sent = 0;
	struct batch *b;

	if (!ls->nrecs || !(pick = malloc(ls->nrecs * sizeof(*pick))))
		return;
	for (size_t i = 0; i < ls->nrecs; i++) {
		struct rec *r = ls->recs[i];
		const struct origin *o = &ls->origins[r->origin];

		if (!o->gone && r->version <= o->known && r->version > their(vv, o->name))
			pick[n++] = r;
	}
	if (!n || !(b = calloc(1, sizeof(*b)))) {
		free(pick);
		return;
	}
	qsort(pick, n, sizeof(*pick), by_version);
	b->bytes = 16;
	for (size_t i = 0; i < n && sent < VF__LOCSVC_DELTA_MAX; i++, sent++) {
		const struct rec *r = pick[i];
		const char *name = ls->origins[r->origin].name;
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
						: their(vv, name);

			k = &b->marks[b->nmarks++];
			k->origin = vf__gbytes_str(name);
			k->base = base;
			b->bytes += vf__loc_mark_size(k);
		}
		k->upto = r->version;
	}
	batch_flush(ls, to, b);
	free(b);
	free(pick);
}

static int state_encode(struct vf__locsvc *ls, struct vf__gbuf *out)
{
	struct vf__loc_msg m = {.type = VF__LOC_STATE};
	size_t n = 0, len = out->len;
	int rc;

	if (!(m.u.state.vv = calloc(ls->norigins, sizeof(*m.u.state.vv))))
		return -ENOMEM;
	m.u.state.from = vf__gbytes_str(ls->origins[0].name);
	for (size_t i = 0; i < ls->norigins && n < VF__LOC_VV_MAX; i++)
		if (!ls->origins[i].gone && ls->origins[i].known) {
			m.u.state.vv[n].origin = vf__gbytes_str(ls->origins[i].name);
			m.u.state.vv[n++].version = ls->origins[i].known;
		}
	m.u.state.n = n;
	rc = vf__loc_msg_encode(out, &m);
	free(m.u.state.vv);
	if (rc == 0)
		ls->st.state_bytes += out->len - len;
	return rc;
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
		if (w->version > ls->origins[0].known)
			ls->origins[0].known = w->version;
		ls->st.recs_stale++;
		return false;
	}
	if (ls->origins[o].gone || member_gone(ls, ls->origins[o].name)) {
		ls->st.recs_gone++;
		return false;
	}
	r = rec_find(ls, (uint32_t)o, w->cell, w->vip);
	if (r && r->version >= w->version) {
		ls->st.recs_stale++;
		/* an answer to a miss: the table lost what we installed
		 * (someone called vf_location_del()): put it back */
		if (r->installed && !vf__loc_get(ls->f->locs, w->cell, w->vip))
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
	r->dead = w->dead;
	ls->st.recs_applied++;
	settle(ls, w->cell, w->vip);
	return true;
}

/* A mark for @o: (base, upto] is whole. Moves o's vector if it starts at
 * or below it, then any kept marks that now do; keeps it otherwise. */
static void advance(struct origin *o, uint64_t base, uint64_t upto)
{
	bool moved;

	if (upto <= o->known)
		return;
	if (base > o->known) {
		if (o->npend == 16) /* full: the oldest goes */
			memmove(&o->pend[0], &o->pend[1], 15 * sizeof(o->pend[0]));
		else
			o->npend++;
		o->pend[o->npend - 1].base = base;
		o->pend[o->npend - 1].upto = upto;
		return;
	}
	o->known = upto;
	do {
		moved = false;
		for (uint8_t i = 0; i < o->npend; i++) {
			if (o->pend[i].base > o->known)
				continue;
			if (o->pend[i].upto > o->known)
				o->known = o->pend[i].upto;
			o->pend[i] = o->pend[--o->npend];
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

		if (o > 0 && !ls->origins[o].gone)
			advance(&ls->origins[o], k->base, k->upto);
	}
	return news;
}

static void on_query(struct vf__locsvc *ls, const struct vf__loc_msg *m)
{
	struct rec *r = rec_find(ls, 0, m->u.query.cell, m->u.query.vip);
	char to[VF__LOC_NAME_MAX + 1];
	struct vf__loc_rec w;

	if (!r || r->dead)
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
	if (strcmp(to, ls->origins[0].name) != 0)
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
	if (m.type == VF__LOC_STATE)
		on_state(ls, &m);
	else if (state)
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
	return state_encode(ls, out);
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
	uint32_t subnet = vf_subnet_id(vf_port_subnet(p));
	uint32_t hip = vf_fabric_host_ip(ls->f);
	struct rec *r;

	if (!vip)
		return;
	r = rec_find(ls, 0, cell, vip);
	if (r && !r->dead && !memcmp(&r->vmac, &vmac, sizeof(vmac)) &&
	    !memcmp(&r->host_mac, &hmac, sizeof(hmac)) && r->subnet == subnet &&
	    r->host_ip == hip) {
		r->seen = true;
		return;
	}
	if (!r && !(r = rec_add(ls, 0, cell, vip)))
		return;
	r->vmac = vmac;
	r->host_mac = hmac;
	r->subnet = subnet;
	r->host_ip = hip;
	r->dead = false;
	r->seen = true;
	publish(ls, r);
	settle(ls, cell, vip); /* a local port now wins here */
}

static void scan_ports(struct vf__locsvc *ls)
{
	for (size_t i = 0; i < ls->nrecs; i++)
		ls->recs[i]->seen = false;
	for (vf_cell *c = vf_fabric_next_cell(ls->f, NULL); c;
	     c = vf_fabric_next_cell(ls->f, c))
		for (vf_subnet *s = vf_cell_next_subnet(c, NULL); s;
		     s = vf_cell_next_subnet(c, s))
			for (vf_port *p = vf_subnet_next_port(s, NULL); p;
			     p = vf_subnet_next_port(s, p))
				scan_port(ls, p);
	for (size_t i = 0; i < ls->nrecs; i++) {
		struct rec *r = ls->recs[i];

		if (r->origin == 0 && !r->dead && !r->seen) {
			r->dead = true;
			publish(ls, r);
			settle(ls, r->cell, r->vip); /* another host's may win */
		}
	}
}

/* Forgets what origin @o said: out of the table, out of the vector. */
static void withdraw(struct vf__locsvc *ls, uint32_t o)
{
	size_t j = 0;

	ls->origins[o].gone = true;
	ls->origins[o].known = 0;
	ls->origins[o].npend = 0;
	ls->st.origins_withdrawn++;
	for (size_t i = 0; i < ls->nrecs; i++)
		if (ls->recs[i]->origin == o)
			settle(ls, ls->recs[i]->cell, ls->recs[i]->vip);
	for (size_t i = 0; i < ls->nrecs; i++) {
		struct rec *r = ls->recs[i];

		if (r->origin != o) {
			ls->recs[j++] = r;
			continue;
		}
		rec_unlink(ls, r);
		free(r);
	}
	ls->nrecs = j;
}

/* Asks @to for what we miss: our vector by UDP. A vector that does not
 * fit a datagram (some 50 origins and more) is not sent: the repair then
 * waits for the next push-pull (a seam: a push-pull with @to, or a
 * partial vector, would do it now). */
static void sync_with(struct vf__locsvc *ls, const char *to)
{
	struct vf__gbuf b = {0};

	if (ls->swim && state_encode(ls, &b) == 0 &&
	    vf__swim_send_user(ls->swim, to, b.data, b.len) == 0)
		ls->st.syncs_sent++;
	vf__gbuf_free(&b);
}

/* Withdraws origins the membership has failed or left; asks members
 * that are new or back for what we miss (they answer at once, not at the
 * next push-pull). */
static void scan_members(struct vf__locsvc *ls)
{
	size_t n = ls->swim ? vf__swim_count(ls->swim) : 0;

	for (size_t i = 1; i < n; i++) {
		const struct vf__swim_node *m = vf__swim_node_at(ls->swim, i);
		enum vf__member_state st = vf__swim_state(m);
		bool gone = st == VF__MEMBER_FAILED || st == VF__MEMBER_LEFT;
		long k = origin_get(ls, (const uint8_t *)m->name, strlen(m->name));
		struct origin *o;

		if (k <= 0)
			continue;
		o = &ls->origins[k];
		if (gone && !o->gone) {
			withdraw(ls, (uint32_t)k);
		} else if (!gone && (o->gone || !o->member)) {
			o->gone = false;
			sync_with(ls, o->name);
		}
		o->member = !gone;
	}
}

void vf__locsvc_tick(struct vf__locsvc *ls)
{
	if (!ls)
		return;
	scan_ports(ls);
	scan_members(ls);
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
	for (const struct rec *r = key_first(ls, cell, vip); r; r = r->next)
		if (r->origin && !ls->origins[r->origin].gone)
			owner = ls->origins[r->origin].name;
	m.u.query.cell = cell;
	m.u.query.vip = vip;
	m.u.query.from = vf__gbytes_str(ls->origins[0].name);
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

int vf__locsvc_create(struct vf__locsvc **out, const struct vf__locsvc_opts *o)
{
	struct vf__locsvc *ls;
	size_t len;

	*out = NULL;
	if (!o || !o->fabric || !o->name || !(len = strlen(o->name)) ||
	    len > VF__LOC_NAME_MAX)
		return -EINVAL;
	if (!(ls = calloc(1, sizeof(*ls))))
		return -ENOMEM;
	ls->f = o->fabric;
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
	if (!ls)
		return;
	for (size_t i = 0; i < ls->nrecs; i++) {
		if (ls->recs[i]->installed)
			vf_location_del(ls->f, ls->recs[i]->cell, ls->recs[i]->vip);
		free(ls->recs[i]);
	}
	vf__hmap_free(&ls->by_key);
	for (size_t i = 0; i < ls->norigins; i++)
		free(ls->origins[i].name);
	free(ls->origins);
	free(ls->recs);
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
