/* Remote locations (vf_location_*) and ARP requests waiting for them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gossip/membership.h"
#include "pipeline/location.h"
#include "pipeline/pipeline.h"
#include "runtime/runtime.h"

struct pending {
	vf_port *port; /* holds a reference while parked */
	uint32_t cell, vip;
	uint64_t since_ns;
	uint32_t len;
	uint8_t frame[64]; /* an ARP request: 42 bytes, 60 with padding */
};

struct vf__locs {
	struct vf__locs_head head; /* first */
	struct vf__hmap by_key;	   /* (cell, vip) -> vf_location */
	struct vf__hmap by_vip;	   /* vip -> vf_location (rewrite mode: unique) */
	size_t count;
	struct pending pending[VF__PENDING_MAX];
	size_t npending;
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
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

static void unpark(struct vf__locs *locs, size_t i)
{
	vf__obj_unref(&locs->pending[i].port->obj);
	locs->pending[i] = locs->pending[--locs->npending];
}

void vf__locs_destroy(struct vf__locs *locs)
{
	if (!locs)
		return;
	while (locs->npending)
		unpark(locs, 0);
	for (size_t i = 0; i < locs->by_key.cap; i++) {
		vf_location *l = vf__hmap_slot(&locs->by_key, i);

		free(l);
	}
	vf__hmap_free(&locs->by_key);
	vf__hmap_free(&locs->by_vip);
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

int vf__loc_park(vf_fabric *f, vf_port *port, uint32_t cell, uint32_t vip,
		 const uint8_t *frame, uint32_t len, uint64_t now_ns)
{
	struct vf__locs *locs = f->locs;
	struct pending *p;

	/* forget requests that waited too long, or whose port went */
	for (size_t i = 0; i < locs->npending;) {
		if (now_ns - locs->pending[i].since_ns > VF__PENDING_NS ||
		    locs->pending[i].port->obj.removed)
			unpark(locs, i);
		else
			i++;
	}
	if (locs->npending >= VF__PENDING_MAX || len > sizeof(p->frame))
		return -ENOSPC;
	p = &locs->pending[locs->npending++];
	p->port = port;
	port->obj.refs++;
	p->cell = cell;
	p->vip = vip;
	p->since_ns = now_ns;
	p->len = len;
	memcpy(p->frame, frame, len);
	return 0;
}

bool vf__loc_can_park(const vf_fabric *f, uint32_t len, uint64_t now_ns)
{
	const struct vf__locs *locs = f->locs;
	size_t live = 0;

	for (size_t i = 0; i < locs->npending; i++)
		if (now_ns - locs->pending[i].since_ns <= VF__PENDING_NS &&
		    !locs->pending[i].port->obj.removed)
			live++;
	return live < VF__PENDING_MAX && len <= sizeof(locs->pending[0].frame);
}

void vf__loc_request(vf_fabric *f, uint32_t cell, uint32_t vip)
{
	vf__gossip_loc_request(f, cell, vip);
}

/* Answers the parked requests for @l. */
static void answer_parked(vf_fabric *f, const vf_location *l)
{
	struct vf__locs *locs = f->locs;

	/* the output callback runs from here: like inside vf_port_inject(),
	 * it may not feed this fabric again (which could also reshuffle the
	 * queue under this loop) */
	f->in_pipeline = true;
	for (size_t i = 0; i < locs->npending;) {
		struct pending *p = &locs->pending[i];

		if (p->cell != l->cell_id || p->vip != l->vip) {
			i++;
			continue;
		}
		if (!p->port->obj.removed)
			vf__pipe_arp_answer(f, p->port, p->frame, p->len, &l->vmac);
		unpark(locs, i);
	}
	f->in_pipeline = false;
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
	if (vf__mac_is_multicast(&l->host_mac) || vf__mac_is_zero(&l->host_mac))
		return vf__fail(f, -EINVAL, "location: host MAC %s is not unicast",
				vf__mac_str(m, &l->host_mac));
	if (!memcmp(&l->host_mac, &f->host_mac, sizeof(vf_mac)))
		return vf__fail(f, -EINVAL, "location: host MAC %s is this host's",
				vf__mac_str(m, &l->host_mac));
	return 0;
}

static int location_set(vf_fabric *f, const vf_location *user)
{
	vf_location l, *cur;
	struct lkey k;
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
	} else {
		*cur = l;
	}
	f->locs->head.gen++;
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
	free(cur);
	return 0;
}

/* The public setters under the pipeline lock: workers read locations. */
int vf_location_set(vf_fabric *f, const vf_location *loc)
{
	int rc;

	if (!f || !vf__pipe_shared(f))
		return location_set(f, loc);
	if (vf__pipe_mine(f))
		return vf__fail(f, -EBUSY,
				"vf_location_set: called from the output callback");
	vf__pipe_lock(f);
	rc = location_set(f, loc);
	vf__pipe_unlock(f);
	return rc;
}

int vf_location_del(vf_fabric *f, uint32_t cell, uint32_t vip)
{
	int rc;

	if (!f || !vf__pipe_shared(f))
		return location_del(f, cell, vip);
	if (vf__pipe_mine(f))
		return vf__fail(f, -EBUSY,
				"vf_location_del: called from the output callback");
	vf__pipe_lock(f);
	rc = location_del(f, cell, vip);
	vf__pipe_unlock(f);
	return rc;
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
