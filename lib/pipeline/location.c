/*
 * Remote locations (vf_location_*), ARP requests waiting for them, the
 * VMs that moved away (vf_port_migrate) and the change events.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gossip/membership.h"
#include "pipeline/location.h"
#include "pipeline/pipeline.h"
#include "runtime/runtime.h"

/* A parked request: its port is (port_cell, port_vip) in the tables with
 * serial @serial (a worker holds no reference on the model). */
struct pending {
	uint32_t serial, port_cell, port_vip;
	uint32_t cell, vip;
	uint64_t since_ns;
	uint32_t len;
	uint8_t frame[64]; /* an ARP request: 42 bytes, 60 with padding */
};

/* A VM that moved away: frames for it are sent on until @until_ns. */
struct moved {
	uint32_t cell, vip;
	uint64_t until_ns;
};

struct event {
	vf_location_event ev;
	vf_location loc;
};

/* ARP requests that wait, parked by workers and the inject path and
 * answered on the control thread: a rare path, under a mutex. */
struct parking {
	pthread_mutex_t lock;
	struct pending pending[VF__PENDING_MAX];
	size_t npending;
};

/*
 * The live table is the control thread's. Workers read a snapshot of it
 * (@snap, the same type with only the look-up fields), which the control
 * loop rebuilds when the generation moved (coalescing bursts of changes)
 * and publishes as it publishes tables (runtime/qsbr.h).
 */
struct vf__locs {
	struct vf__locs_head head; /* first */
	struct vf__hmap by_key;	   /* (cell, vip) -> vf_location */
	struct vf__hmap by_vip;	   /* vip -> vf_location (rewrite mode: unique) */
	size_t count;
	struct moved *moved; /* few: migrations within their grace */
	size_t nmoved;
	vf_location *copies; /* a snapshot: its locations, in one block */
	/* the rest: the live table only */
	struct vf__locs *snap; /* published for workers (vf__qsbr_load()) */
	struct parking *parking;
	size_t moved_cap;
	/* changes for the event callback, delivered on the loop */
	vf_location_event_fn fn;
	void *ud;
	struct event *events;
	size_t nevents, events_cap;
	vf_location_stats st;
};

static uint64_t key(uint32_t cell, uint32_t vip)
{
	return vf__hash_u64((uint64_t)cell << 32 | vip);
}

struct lkey {
	uint32_t cell, vip;
};

static bool loc_eq(const void *val, const void *k)
{
	const vf_location *l = val;
	const struct lkey *lk = k;

	return l->cell_id == lk->cell && l->vip == lk->vip;
}

static bool loc_vip_eq(const void *val, const void *k)
{
	return ((const vf_location *)val)->vip == *(const uint32_t *)k;
}

int vf__locs_create(struct vf__locs **out)
{
	struct vf__locs *locs = calloc(1, sizeof(*locs));

	if (!locs || !(locs->parking = calloc(1, sizeof(*locs->parking)))) {
		free(locs);
		return -ENOMEM;
	}
	pthread_mutex_init(&locs->parking->lock, NULL);
	*out = locs;
	return 0;
}

static void unpark(struct parking *pk, size_t i)
{
	pk->pending[i] = pk->pending[--pk->npending];
}

static void snap_free(void *arg)
{
	struct vf__locs *snap = arg;

	vf__hmap_free(&snap->by_key);
	vf__hmap_free(&snap->by_vip);
	free(snap->copies);
	free(snap->moved);
	free(snap);
}

void vf__locs_destroy(struct vf__locs *locs)
{
	if (!locs)
		return;
	if (locs->snap) /* no worker is left (vf__pipe_free()) */
		snap_free(locs->snap);
	if (locs->parking) {
		pthread_mutex_destroy(&locs->parking->lock);
		free(locs->parking);
	}
	for (size_t i = 0; !locs->copies && i < locs->by_key.cap; i++) {
		vf_location *l = vf__hmap_slot(&locs->by_key, i);

		free(l);
	}
	vf__hmap_free(&locs->by_key);
	vf__hmap_free(&locs->by_vip);
	free(locs->moved);
	free(locs->events);
	free(locs);
}

const vf_location *vf__loc_get(const struct vf__locs *locs, uint32_t cell, uint32_t vip)
{
	struct lkey k = {cell, vip};

	return vf__hmap_get(&locs->by_key, key(cell, vip), loc_eq, &k);
}

const vf_location *vf__loc_get_any(const struct vf__locs *locs, uint32_t vip)
{
	return vf__hmap_get(&locs->by_vip, vf__hash_u64(vip), loc_vip_eq, &vip);
}

void vf__loc_hosts(const struct vf__locs *locs, uint32_t cell, uint32_t subnet,
		   void (*fn)(void *arg, const vf_mac *host_mac), void *arg)
{
	/* A scan per broadcast frame: broadcasts are rare in a fabric that
	 * answers ARP and DHCP itself; an index per subnet can come if a
	 * benchmark says so. Hosts are deduplicated against the ones
	 * already reported (a small list). */
	vf_mac seen[64];
	size_t nseen = 0;

	for (size_t i = 0; i < locs->by_key.cap; i++) {
		const vf_location *l = vf__hmap_slot(&locs->by_key, i);
		size_t j;

		if (!l || l->cell_id != cell || l->subnet_id != subnet)
			continue;
		for (j = 0; j < nseen; j++)
			if (!memcmp(&seen[j], &l->host_mac, sizeof(vf_mac)))
				break;
		if (j < nseen)
			continue;
		if (nseen < VF__ARRAY_SIZE(seen))
			seen[nseen++] = l->host_mac;
		fn(arg, &l->host_mac);
	}
}

/* Forgets requests that waited too long (a port that went is found out
 * when its request is answered: vf__pipe_arp_answer()). */
static void expire_parked(struct parking *pk, uint64_t now_ns)
{
	for (size_t i = 0; i < pk->npending;) {
		/* a worker's clock may be a little behind another's */
		if (now_ns > pk->pending[i].since_ns &&
		    now_ns - pk->pending[i].since_ns > VF__PENDING_NS)
			unpark(pk, i);
		else
			i++;
	}
}

int vf__loc_park(vf_fabric *f, const struct vf__tport *src, uint32_t cell, uint32_t vip,
		 const uint8_t *frame, uint32_t len, uint64_t now_ns)
{
	struct parking *pk = f->locs->parking;
	struct pending *p;
	int rc = 0;

	if (len > sizeof(p->frame))
		return -ENOSPC;
	pthread_mutex_lock(&pk->lock);
	expire_parked(pk, now_ns);
	if (pk->npending >= VF__PENDING_MAX) {
		rc = -ENOSPC;
	} else {
		p = &pk->pending[pk->npending++];
		*p = (struct pending){.serial = src->serial,
				      .port_cell = src->subnet->cell->id,
				      .port_vip = src->vip,
				      .cell = cell,
				      .vip = vip,
				      .since_ns = now_ns,
				      .len = len};
		memcpy(p->frame, frame, len);
	}
	pthread_mutex_unlock(&pk->lock);
	/* a worker may have missed a location set a moment ago (its
	 * snapshot is older): the loop answers what is known at its next
	 * round (vf__locs_publish()) */
	if (!rc && vf__runtime_shared(f))
		vf__loop_kick(f);
	return rc;
}

bool vf__loc_can_park(const vf_fabric *f, uint32_t len, uint64_t now_ns)
{
	struct parking *pk = f->locs->parking;
	size_t live = 0;

	pthread_mutex_lock(&pk->lock);
	for (size_t i = 0; i < pk->npending; i++)
		if (now_ns < pk->pending[i].since_ns ||
		    now_ns - pk->pending[i].since_ns <= VF__PENDING_NS)
			live++;
	pthread_mutex_unlock(&pk->lock);
	return live < VF__PENDING_MAX && len <= sizeof(pk->pending[0].frame);
}

void vf__loc_request(vf_fabric *f, uint32_t cell, uint32_t vip)
{
	vf__gossip_loc_request(f, cell, vip);
}

/* Answers the parked requests whose location is known now (@l, or, NULL,
 * any in the live table). They are taken out under the lock and answered
 * after it: the output callback runs from here and, like inside
 * vf_port_inject(), may not feed this fabric again. */
static void answer_parked(vf_fabric *f, const vf_location *l)
{
	struct parking *pk = f->locs->parking;
	struct pending ready[16];
	vf_mac mac[16];
	size_t n;

	do {
		n = 0;
		pthread_mutex_lock(&pk->lock);
		for (size_t i = 0; i < pk->npending && n < VF__ARRAY_SIZE(ready);) {
			struct pending *p = &pk->pending[i];
			const vf_location *k = l ? l : vf__loc_get(f->locs, p->cell, p->vip);

			if (!k || p->cell != k->cell_id || p->vip != k->vip) {
				i++;
				continue;
			}
			mac[n] = k->vmac;
			ready[n++] = *p;
			unpark(pk, i);
		}
		pthread_mutex_unlock(&pk->lock);
		f->in_pipeline = true;
		for (size_t i = 0; i < n; i++)
			vf__pipe_arp_answer(f, ready[i].port_cell, ready[i].port_vip,
					    ready[i].serial, ready[i].frame, ready[i].len,
					    &mac[i]);
		f->in_pipeline = false;
	} while (n == VF__ARRAY_SIZE(ready));
}

/* A copy of the look-up part of @live, for workers. */
static struct vf__locs *snap_build(const struct vf__locs *live)
{
	struct vf__locs *s = calloc(1, sizeof(*s));
	size_t n = 0;

	if (!s || !(s->copies = calloc(live->count + 1, sizeof(*s->copies))) ||
	    !(s->moved = calloc(live->nmoved + 1, sizeof(*s->moved))) ||
	    vf__hmap_reserve(&s->by_key, live->count) < 0 ||
	    vf__hmap_reserve(&s->by_vip, live->count) < 0) {
		if (s)
			snap_free(s);
		return NULL;
	}
	s->head.gen = live->head.gen;
	for (size_t i = 0; i < live->by_key.cap; i++) {
		const vf_location *l = vf__hmap_slot(&live->by_key, i);

		if (!l)
			continue;
		s->copies[n] = *l;
		vf__hmap_put(&s->by_key, key(l->cell_id, l->vip), &s->copies[n]);
		vf__hmap_put(&s->by_vip, vf__hash_u64(l->vip), &s->copies[n]);
		n++;
	}
	s->count = n;
	if (live->nmoved)
		memcpy(s->moved, live->moved, live->nmoved * sizeof(*s->moved));
	s->nmoved = live->nmoved;
	return s;
}

int vf__locs_publish(vf_fabric *f)
{
	struct vf__locs *locs = f->locs, *old, *s;
	bool parked;

	if (!locs)
		return 0;
	pthread_mutex_lock(&locs->parking->lock);
	parked = locs->parking->npending > 0;
	pthread_mutex_unlock(&locs->parking->lock);
	if (parked) /* a worker parked what may be known by now */
		answer_parked(f, NULL);
	if ((old = locs->snap) && old->head.gen == locs->head.gen)
		return 0;
	if (!(s = snap_build(locs)))
		return -ENOMEM;
	/* workers load it once per batch (worker.c) */
	vf__qsbr_publish(&locs->snap, s);
	if (old)
		vf__runtime_defer(f, snap_free, old);
	return 0;
}

const struct vf__locs *vf__locs_snapshot(const struct vf__locs *locs)
{
	return vf__qsbr_load(&locs->snap);
}

static int check_host(const vf_fabric *f, const vf_mac *host)
{
	vf__macstr m;

	if (vf__mac_is_multicast(host) || vf__mac_is_zero(host))
		return vf__fail(f, -EINVAL, "location: host MAC %s is not unicast",
				vf__mac_str(m, host));
	if (!memcmp(host, &f->host_mac, sizeof(vf_mac)))
		return vf__fail(f, -EINVAL, "location: host MAC %s is this host's",
				vf__mac_str(m, host));
	return 0;
}

static int check_location(const vf_fabric *f, const vf_location *l)
{
	vf_cell *c = vf_fabric_cell_by_id(f, l->cell_id);
	vf_subnet *s = c ? vf_cell_subnet_by_id(c, l->subnet_id) : NULL;
	vf__macstr m;
	int err;

	if (!c)
		return vf__fail(f, -ENOENT, "location: no cell %u here", l->cell_id);
	if (!s)
		return vf__fail(f, -ENOENT, "location: no subnet %u in cell '%s'",
				l->subnet_id, c->entry.name);
	if ((err = vf__vip_check(s, l->vip)) < 0)
		return err;
	if (vf__mac_is_multicast(&l->vmac) || vf__mac_is_zero(&l->vmac))
		return vf__fail(f, -EINVAL, "location: VMAC %s is not unicast",
				vf__mac_str(m, &l->vmac));
	return check_host(f, &l->host_mac);
}

/* Queues a change for the event callback (when one is set) and wakes the
 * loop, which delivers it (vf__loc_events_flush). */
static void note(vf_fabric *f, vf_location_event ev, const vf_location *l)
{
	struct vf__locs *locs = f->locs;

	if (ev == VF_LOCATION_EV_SET)
		locs->st.sets++;
	else
		locs->st.deletes++;
	if (!locs->fn)
		return;
	if (locs->nevents == locs->events_cap) {
		size_t cap = locs->events_cap ? locs->events_cap * 2 : 16;
		struct event *e;

		if (cap > VF_LOCATION_EVENTS_MAX ||
		    !(e = realloc(locs->events, cap * sizeof(*e)))) {
			locs->st.events_dropped++;
			return;
		}
		locs->events = e;
		locs->events_cap = cap;
	}
	locs->events[locs->nevents++] = (struct event){ev, *l};
	vf__loop_kick(f);
}

void vf__loc_events_flush(vf_fabric *f)
{
	struct vf__locs *locs = f->locs;
	struct event *batch;
	size_t n;

	if (!locs || !locs->nevents)
		return;
	/* the callback may change locations: it queues into a new array;
	 * what it queues waits for the next round (the kick ensures one) */
	batch = locs->events;
	n = locs->nevents;
	locs->events = NULL;
	locs->nevents = locs->events_cap = 0;
	for (size_t i = 0; i < n; i++) {
		if (!locs->fn || f->obj.removed)
			break;
		locs->st.events++;
		vf__loop_event(f);
		locs->fn(f, batch[i].ev, &batch[i].loc, locs->ud);
	}
	free(batch);
}

int vf_location_set_event_fn(vf_fabric *f, vf_location_event_fn fn, void *user_data)
{
	int err;

	if ((err = vf__obj_check(f ? &f->obj : NULL, "vf_location_set_event_fn")) < 0)
		return err;
	f->locs->fn = fn;
	f->locs->ud = user_data;
	if (!fn) {
		free(f->locs->events);
		f->locs->events = NULL;
		f->locs->nevents = f->locs->events_cap = 0;
	}
	return 0;
}

static int location_put(vf_fabric *f, const vf_location *new);

static int location_set(vf_fabric *f, const vf_location *user)
{
	vf_location l;
	int err;

	if ((err = vf__obj_check(f ? &f->obj : NULL, "vf_location_set")) < 0)
		return err;
	if (f->in_pipeline)
		return vf__fail(f, -EBUSY,
				"vf_location_set: called from the fabric's own "
				"output callback");
	if (!user)
		return vf__fail(f, -EINVAL, "vf_location_set: NULL location");
	if ((err = VF__OPTS_LOAD(&l, user, vf_location)) < 0 ||
	    (err = check_location(f, &l)) < 0)
		return err;
	return location_put(f, &l);
}

/* Adds or replaces @l, checked. */
static int location_put(vf_fabric *f, const vf_location *new)
{
	vf_location l = *new, *cur;
	struct lkey k;

	k = (struct lkey){l.cell_id, l.vip};
	cur = vf__hmap_get(&f->locs->by_key, key(l.cell_id, l.vip), loc_eq, &k);
	if (!cur) {
		if (!(cur = malloc(sizeof(*cur))) ||
		    vf__hmap_reserve(&f->locs->by_key, 1) < 0 ||
		    vf__hmap_reserve(&f->locs->by_vip, 1) < 0) {
			free(cur);
			return vf__fail(f, -ENOMEM, "no memory for a location");
		}
		*cur = l;
		vf__hmap_put(&f->locs->by_key, key(l.cell_id, l.vip), cur);
		vf__hmap_put(&f->locs->by_vip, vf__hash_u64(l.vip), cur);
		f->locs->count++;
	} else if (!memcmp(cur, &l, sizeof(l))) {
		return 0; /* the same again: nothing changes, nothing to tell */
	} else {
		*cur = l;
	}
	f->locs->head.gen++;
	vf__runtime_touched(f);
	note(f, VF_LOCATION_EV_SET, cur);
	answer_parked(f, cur);
	return 0;
}

static int location_del(vf_fabric *f, uint32_t cell, uint32_t vip)
{
	struct lkey k = {cell, vip};
	vf_location *cur;
	int err;

	if ((err = vf__obj_check(f ? &f->obj : NULL, "vf_location_del")) < 0)
		return err;
	cur = vf__hmap_get(&f->locs->by_key, key(cell, vip), loc_eq, &k);
	if (!cur) {
		vf__ipstr a;

		return vf__fail(f, -ENOENT, "no location for %s in cell %u",
				vf__ip_str(a, vip), cell);
	}
	vf__hmap_del(&f->locs->by_key, key(cell, vip), cur);
	vf__hmap_del(&f->locs->by_vip, vf__hash_u64(vip), cur);
	f->locs->count--;
	f->locs->head.gen++;
	vf__runtime_touched(f);
	note(f, VF_LOCATION_EV_DELETED, cur);
	free(cur);
	return 0;
}

/* Workers read locations from a snapshot the loop publishes: a change
 * has it run soon (vf__runtime_touched()). */
int vf_location_set(vf_fabric *f, const vf_location *loc)
{
	if (vf__worker_thread())
		return vf__fail(f, -EBUSY,
				"vf_location_set: called from the output callback");
	return location_set(f, loc);
}

int vf_location_del(vf_fabric *f, uint32_t cell, uint32_t vip)
{
	if (vf__worker_thread())
		return vf__fail(f, -EBUSY,
				"vf_location_del: called from the output callback");
	return location_del(f, cell, vip);
}

int vf_location_next(const vf_fabric *f, size_t *cursor, vf_location *out)
{
	if (!f || !cursor || !out)
		return vf__fail(NULL, -EINVAL, "vf_location_next: NULL argument");
	for (size_t i = *cursor; f->locs && i < f->locs->by_key.cap; i++) {
		const vf_location *l = vf__hmap_slot(&f->locs->by_key, i);
		int err;

		if (!l)
			continue;
		if ((err = vf__copy_out(out, l, sizeof(*l), "vf_location")) < 0)
			return err;
		*cursor = i + 1;
		return 1;
	}
	*cursor = f->locs ? f->locs->by_key.cap : 0;
	return 0;
}

int vf_location_get(const vf_fabric *f, uint32_t cell, uint32_t vip, vf_location *out)
{
	const vf_location *l;
	vf_location local;
	vf_cell *c;
	vf_port *p;

	if (!f || !out)
		return vf__fail(NULL, -EINVAL, "vf_location_get: NULL argument");
	l = vf__loc_get(f->locs, cell, vip);
	c = vf_fabric_cell_by_id(f, cell);
	if (!l && c && (p = vf_cell_port_by_vip(c, vip))) {
		local = (vf_location){.sz = sizeof(local),
				      .cell_id = cell,
				      .vip = vip,
				      .vmac = p->vmac,
				      .subnet_id = p->subnet->entry.id,
				      .host_mac = f->host_mac,
				      .host_ip = f->host_ip};
		l = &local;
	}
	if (!l) {
		vf__ipstr a;

		return vf__fail(f, -ENOENT, "no location for %s in cell %u",
				vf__ip_str(a, vip), cell);
	}
	return vf__copy_out(out, l, sizeof(*l), "vf_location");
}

size_t vf_location_count(const vf_fabric *f)
{
	return f && f->locs ? f->locs->count : 0;
}

int vf_location_stats_get(const vf_fabric *f, vf_location_stats *out)
{
	vf_location_stats st;

	if (!f || !out || !f->locs)
		return vf__fail(NULL, -EINVAL, "vf_location_stats_get: NULL argument");
	st = f->locs->st;
	/* workers count forwarded frames */
	st.forwarded = VF__CNT_GET(f->locs->st.forwarded);
	st.forward_drops = VF__CNT_GET(f->locs->st.forward_drops);
	st.sz = sizeof(st);
	return vf__copy_out(out, &st, sizeof(st), "vf_location_stats");
}

/* ---- VMs that moved away ---- */

bool vf__loc_moved(const struct vf__locs *locs, uint32_t vip, uint64_t now_ns,
		   uint32_t *cell)
{
	for (size_t i = 0; i < locs->nmoved; i++)
		if (locs->moved[i].vip == vip) {
			*cell = locs->moved[i].cell;
			return now_ns < locs->moved[i].until_ns;
		}
	return false;
}

void vf__loc_forwarded(struct vf__locs *locs, bool sent)
{
	if (sent)
		VF__CNT_ADD(locs->st.forwarded, 1);
	else
		VF__CNT_ADD(locs->st.forward_drops, 1);
}

/* Room for one more moved VM (expired ones make room first). */
static int moved_reserve(struct vf__locs *locs, uint64_t now_ns)
{
	struct moved *m;
	size_t cap;

	for (size_t i = 0; i < locs->nmoved;) {
		if (now_ns >= locs->moved[i].until_ns)
			locs->moved[i] = locs->moved[--locs->nmoved];
		else
			i++;
	}
	if (locs->nmoved < locs->moved_cap)
		return 0;
	cap = locs->moved_cap ? locs->moved_cap * 2 : 8;
	if (!(m = realloc(locs->moved, cap * sizeof(*m))))
		return -ENOMEM;
	locs->moved = m;
	locs->moved_cap = cap;
	return 0;
}

static void moved_add(struct vf__locs *locs, uint32_t cell, uint32_t vip, uint64_t until_ns)
{
	for (size_t i = 0; i < locs->nmoved; i++)
		if (locs->moved[i].vip == vip) {
			locs->moved[i] = (struct moved){cell, vip, until_ns};
			return;
		}
	locs->moved[locs->nmoved++] = (struct moved){cell, vip, until_ns};
}

static int migrate(vf_port *port, const vf_migrate_opts *user, bool *destroy)
{
	vf_fabric *f = port->subnet->cell->fabric;
	VF_OPTS(vf_location, l, .cell_id = port->subnet->cell->entry.id, .vip = port->vip,
		.vmac = port->vmac, .subnet_id = port->subnet->entry.id);
	vf_migrate_opts o;
	uint64_t now = vf__now_ns(f);
	int err;

	if ((err = VF__OPTS_LOAD(&o, user, vf_migrate_opts)) < 0)
		return err;
	if (o.reserved_)
		return vf__fail(f, -EINVAL, "vf_port_migrate: reserved_ must be zero");
	if (o.grace_ms > VF_MIGRATE_GRACE_MS_MAX)
		return vf__fail(f, -EINVAL, "vf_port_migrate: grace %u ms is over the %u ms maximum",
				o.grace_ms, VF_MIGRATE_GRACE_MS_MAX);
	if (!o.grace_ms)
		o.grace_ms = VF_MIGRATE_GRACE_MS_DEFAULT;
	if ((err = moved_reserve(f->locs, now)) < 0)
		return vf__fail(f, err, "no memory for a migration");
	if (!vf__mac_is_zero(&o.host_mac)) {
		/* the port still has the VIP (it goes when this returns, and
		 * until then wins over the location): the VIP is not checked */
		l.host_mac = o.host_mac;
		l.host_ip = o.host_ip;
		if ((err = check_host(f, &l.host_mac)) < 0 || (err = location_put(f, &l)) < 0)
			return err;
	} else if (o.host_ip) {
		return vf__fail(f, -EINVAL, "vf_port_migrate: a host IP without its MAC");
	}
	moved_add(f->locs, l.cell_id, l.vip, now + (uint64_t)o.grace_ms * 1000000u);
	f->locs->st.migrations++;
	f->locs->head.gen++; /* flow caches forget the port's flows */
	vf__runtime_touched(f);
	*destroy = true;
	return 0;
}

int vf_port_migrate(vf_port *port, const vf_migrate_opts *opts)
{
	bool destroy = false;
	vf_fabric *f;
	int rc;

	if ((rc = vf__obj_check(port ? &port->obj : NULL, "vf_port_migrate")) < 0)
		return rc;
	f = port->subnet->cell->fabric;
	if (f->in_pipeline || vf__worker_thread())
		return vf__fail(f, -EBUSY,
				"vf_port_migrate: called from the fabric's own output callback");
	/* the location and the forwarding entry first, then the port goes:
	 * no frame finds neither (workers: the loop publishes the snapshot
	 * and the tables in that order, vf__runtime_publish()) */
	rc = migrate(port, opts, &destroy);
	if (destroy)
		vf_port_destroy(port);
	return rc;
}
