#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

#define OWNER_MAX 255
#define VNI_MAX 0xffffffu

static int check_verdict(const vf_fabric *f, vf_verdict v, const char *what)
{
	if ((unsigned int)v > VF_VERDICT_DENY)
		return vf__fail(f, -EINVAL, "%s verdict %d is not a vf_verdict", what, v);
	return 0;
}

static vf_cell *cell_by_vni(const vf_fabric *f, uint32_t vni)
{
	for (vf_cell *c = vf_fabric_next_cell(f, NULL); c; c = vf_fabric_next_cell(f, c))
		if (c->vni == vni)
			return c;
	return NULL;
}

int vf_cell_create(vf_cell **out, vf_fabric *f, const vf_cell_opts *user_opts)
{
	vf_cell_opts o;
	vf_cell *c = NULL;
	int err;

	if (!out)
		return vf__fail(NULL, -EINVAL, "vf_cell_create: NULL out");
	*out = NULL;
	if ((err = vf__obj_check(f ? &f->obj : NULL, "vf_cell_create")) < 0 ||
	    (err = VF__OPTS_LOAD(&o, user_opts, vf_cell_opts)) < 0 ||
	    (err = check_verdict(f, o.intra_cell, "intra-cell")) < 0 ||
	    (err = check_verdict(f, o.inter_cell, "inter-cell")) < 0 ||
	    (err = vf__text_check(f, o.owner, OWNER_MAX, "cell owner")) < 0)
		return err;
	if (o.vni > VNI_MAX)
		return vf__fail(f, -EINVAL, "VNI %u is over %u", o.vni, VNI_MAX);

	c = calloc(1, sizeof(*c));
	if (!c || !(c->owner = strdup(o.owner ? o.owner : ""))) {
		err = vf__fail(f, -ENOMEM, "no memory for a cell");
		goto fail;
	}
	if ((err = vf__reg_prepare(&f->cells, f, &c->entry, o.id, o.name, "cell", "cell",
				   &f->obj)) < 0)
		goto fail;
	c->vni = o.vni ? o.vni : c->entry.id;
	if (c->vni > VNI_MAX) {
		err = vf__fail(f, -EINVAL,
			       "cell %u has no default VNI (over %u): give one",
			       c->entry.id, VNI_MAX);
		goto fail;
	}
	if (f->wire_mode == VF_WIRE_VXLAN && cell_by_vni(f, c->vni)) {
		err = vf__fail(f, -EEXIST, "VNI %u is taken by cell '%s'", c->vni,
			       cell_by_vni(f, c->vni)->entry.name);
		goto fail;
	}
	vf__obj_init(&c->obj, VF__CELL, &f->obj);
	c->fabric = f;
	c->intra_cell = o.intra_cell;
	c->inter_cell = o.inter_cell;
	vf__reg_init(&c->subnets, true);
	vf__reg_init(&c->secgroups, true);
	vf__reg_init(&c->policies, true);
	vf__reg_insert(&f->cells, &c->entry);
	vf_info(f, "cell '%s' (%u) created", c->entry.name, c->entry.id);
	*out = c;
	return 0;
fail:
	if (c)
		free(c->owner);
	free(c);
	return err;
}

void vf_cell_destroy(vf_cell *cell)
{
	vf__obj_destroy(cell ? &cell->obj : NULL);
}

void vf__cell_remove(vf_cell *c)
{
	struct vf__entry *e;

	while ((e = vf__reg_next(&c->subnets, NULL)))
		vf__subnet_remove(vf__entry_owner(e, offsetof(vf_subnet, entry)));
	if (c->router)
		vf__router_remove(c->router);
	while ((e = vf__reg_next(&c->secgroups, NULL)))
		vf__secgroup_remove(vf__entry_owner(e, offsetof(vf_secgroup, entry)));
	while ((e = vf__reg_next(&c->policies, NULL)))
		vf__policy_remove(vf__entry_owner(e, offsetof(vf_policy, entry)));
	vf__reg_remove(&c->fabric->cells, &c->entry);
	c->obj.removed = true;
	vf_info(c->fabric, "cell '%s' (%u) removed", c->entry.name, c->entry.id);
}

void vf__cell_free(vf_cell *c)
{
	free(c->owner);
	vf__reg_free(&c->subnets);
	vf__reg_free(&c->secgroups);
	vf__reg_free(&c->policies);
	vf__hmap_free(&c->port_by_vip);
	vf__hmap_free(&c->port_by_vmac);
}

vf_fabric *vf_cell_fabric(const vf_cell *c)
{
	return c ? c->fabric : NULL;
}

uint32_t vf_cell_id(const vf_cell *c)
{
	return c ? c->entry.id : 0;
}

const char *vf_cell_name(const vf_cell *c)
{
	return c ? c->entry.name : NULL;
}

const char *vf_cell_owner(const vf_cell *c)
{
	return c ? c->owner : NULL;
}

uint32_t vf_cell_vni(const vf_cell *c)
{
	return c ? c->vni : 0;
}

vf_verdict vf_cell_intra_cell(const vf_cell *c)
{
	return c && c->intra_cell == VF_VERDICT_DENY ? VF_VERDICT_DENY : VF_VERDICT_ALLOW;
}

vf_verdict vf_cell_inter_cell(const vf_cell *c)
{
	return c && c->inter_cell == VF_VERDICT_ALLOW ? VF_VERDICT_ALLOW
						      : VF_VERDICT_DENY;
}

int vf_cell_set_name(vf_cell *c, const char *name)
{
	int err;

	if ((err = vf__obj_check(c ? &c->obj : NULL, "vf_cell_set_name")) < 0)
		return err;
	return vf__reg_rename(&c->fabric->cells, c->fabric, &c->entry, name, "cell",
			      &c->fabric->obj);
}

int vf_cell_set_owner(vf_cell *c, const char *owner)
{
	char *copy;
	int err;

	if ((err = vf__obj_check(c ? &c->obj : NULL, "vf_cell_set_owner")) < 0 ||
	    (err = vf__text_check(c->fabric, owner, OWNER_MAX, "cell owner")) < 0)
		return err;
	if (!(copy = strdup(owner ? owner : "")))
		return vf__fail(c->fabric, -ENOMEM, "no memory for the owner");
	free(c->owner);
	c->owner = copy;
	return 0;
}

/* Sets one of the cell's verdicts (@field), judging connections again. */
static int set_verdict(vf_cell *c, vf_verdict *field, vf_verdict v, const char *fn,
		       const char *what)
{
	int err;

	if ((err = vf__obj_check(c ? &c->obj : NULL, fn)) < 0 ||
	    (err = check_verdict(c->fabric, v, what)) < 0)
		return err;
	*field = v;
	vf__pipe_rules_changed(c->fabric, NULL);
	vf__touch(&c->obj);
	return 0;
}

int vf_cell_set_intra_cell(vf_cell *c, vf_verdict v)
{
	return set_verdict(c, c ? &c->intra_cell : NULL, v, "vf_cell_set_intra_cell",
			   "intra-cell");
}

int vf_cell_set_inter_cell(vf_cell *c, vf_verdict v)
{
	return set_verdict(c, c ? &c->inter_cell : NULL, v, "vf_cell_set_inter_cell",
			   "inter-cell");
}

VF__REGISTRY_ACCESSORS(cell, subnet, subnets)
VF__REGISTRY_ACCESSORS(cell, secgroup, secgroups)
VF__REGISTRY_ACCESSORS(cell, policy, policies)
VF__USER_DATA_ACCESSORS(cell)

size_t vf_cell_port_count(const vf_cell *c)
{
	return c ? c->nports : 0;
}

static bool port_vip_eq(const void *val, const void *key)
{
	return ((const vf_port *)val)->vip == *(const uint32_t *)key;
}

static bool port_vmac_eq(const void *val, const void *key)
{
	return !memcmp(&((const vf_port *)val)->vmac, key, sizeof(vf_mac));
}

vf_port *vf_cell_port_by_vip(const vf_cell *c, uint32_t vip)
{
	return c ? vf__hmap_get(&c->port_by_vip, vf__hash_u64(vip), port_vip_eq, &vip)
		 : NULL;
}

vf_port *vf__cell_port_by_vmac(const vf_cell *c, const vf_mac *mac)
{
	return vf__hmap_get(&c->port_by_vmac, vf__hash_u64(vf__mac_key(mac)),
			    port_vmac_eq, mac);
}

vf_subnet *vf__cell_rvmac_user(const vf_cell *c, const vf_mac *mac)
{
	for (vf_subnet *s = vf_cell_next_subnet(c, NULL); s;
	     s = vf_cell_next_subnet(c, s))
		if (s->router && !memcmp(&s->rvmac, mac, sizeof(*mac)))
			return s;
	return NULL;
}

vf_router *vf_cell_router(const vf_cell *c)
{
	return c ? c->router : NULL;
}
