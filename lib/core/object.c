/* Object lifetime and the id/name registry every parent keeps. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "runtime/runtime.h"

static const char *const type_names[] = {
	[VF__FABRIC] = "fabric", [VF__CELL] = "cell", [VF__SUBNET] = "subnet",
	[VF__ROUTER] = "router", [VF__PORT] = "port", [VF__SECGROUP] = "security group",
	[VF__POLICY] = "policy",
};

void vf__touch(const struct vf__obj *obj)
{
	while (obj && obj->parent)
		obj = obj->parent;
	if (obj && obj->type == VF__FABRIC) {
		((vf_fabric *)obj)->gen++;
		vf__runtime_touched((vf_fabric *)obj);
	}
}

void vf__obj_init(struct vf__obj *obj, enum vf__type type, struct vf__obj *parent)
{
	obj->refs = 1;
	obj->type = type;
	obj->removed = false;
	obj->parent = parent;
	obj->user_data = NULL;
	if (parent)
		parent->refs++;
	vf__touch(parent);
}

void vf__obj_unref(struct vf__obj *obj)
{
	while (obj && --obj->refs == 0) {
		struct vf__obj *parent = obj->parent;

		switch (obj->type) {
		case VF__FABRIC: vf__fabric_free((vf_fabric *)obj); break;
		case VF__CELL: vf__cell_free((vf_cell *)obj); break;
		case VF__SUBNET: vf__subnet_free((vf_subnet *)obj); break;
		case VF__ROUTER: vf__router_free((vf_router *)obj); break;
		case VF__SECGROUP: vf__secgroup_free((vf_secgroup *)obj); break;
		case VF__PORT:
		case VF__POLICY: break;
		}
		free(obj);
		obj = parent;
	}
}

static void obj_remove(struct vf__obj *obj)
{
	switch (obj->type) {
	case VF__FABRIC: vf__fabric_remove((vf_fabric *)obj); break;
	case VF__CELL: vf__cell_remove((vf_cell *)obj); break;
	case VF__SUBNET: vf__subnet_remove((vf_subnet *)obj); break;
	case VF__ROUTER: vf__router_remove((vf_router *)obj); break;
	case VF__PORT: vf__port_remove((vf_port *)obj); break;
	case VF__SECGROUP: vf__secgroup_remove((vf_secgroup *)obj); break;
	case VF__POLICY: vf__policy_remove((vf_policy *)obj); break;
	}
}

void vf__obj_destroy(struct vf__obj *obj)
{
	if (!obj)
		return;
	if (!obj->removed) {
		vf__touch(obj);
		obj_remove(obj);
	}
	vf__obj_unref(obj);
}

static const char *obj_name(const struct vf__obj *obj)
{
	switch (obj->type) {
	case VF__FABRIC: return ((const vf_fabric *)obj)->host_name;
	case VF__ROUTER: return ((const vf_router *)obj)->name;
	case VF__CELL: return ((const vf_cell *)obj)->entry.name;
	case VF__SUBNET: return ((const vf_subnet *)obj)->entry.name;
	case VF__PORT: return ((const vf_port *)obj)->entry.name;
	case VF__SECGROUP: return ((const vf_secgroup *)obj)->entry.name;
	case VF__POLICY: return ((const vf_policy *)obj)->entry.name;
	}
	return "";
}

int vf__obj_check(const struct vf__obj *obj, const char *what)
{
	if (!obj)
		return vf__fail(NULL, -EINVAL, "%s: NULL handle", what);
	if (obj->removed)
		return vf__fail(NULL, -ENOENT, "%s: %s '%s' was removed", what,
				type_names[obj->type], obj_name(obj));
	return 0;
}

/* ---- registry ---- */

static bool entry_id_eq(const void *val, const void *key)
{
	return ((const struct vf__entry *)val)->id == *(const uint32_t *)key;
}

static bool entry_name_eq(const void *val, const void *key)
{
	return !strcmp(((const struct vf__entry *)val)->name, key);
}

void vf__reg_init(struct vf__registry *reg, bool named)
{
	memset(reg, 0, sizeof(*reg));
	vf__list_init(&reg->items);
	reg->id_hint = 1;
	reg->named = named;
}

void vf__reg_free(struct vf__registry *reg)
{
	vf__hmap_free(&reg->by_id);
	vf__hmap_free(&reg->by_name);
}

struct vf__entry *vf__reg_by_id(const struct vf__registry *reg, uint32_t id)
{
	return vf__hmap_get(&reg->by_id, vf__hash_u64(id), entry_id_eq, &id);
}

struct vf__entry *vf__reg_by_name(const struct vf__registry *reg, const char *name)
{
	if (!name || !reg->named)
		return NULL;
	return vf__hmap_get(&reg->by_name, vf__hash_str(name), entry_name_eq, name);
}

struct vf__entry *vf__reg_next(const struct vf__registry *reg,
			       const struct vf__entry *prev)
{
	struct vf__list *n = vf__list_next(&reg->items, prev ? &prev->node : NULL);

	return n ? vf__container_of(n, struct vf__entry, node) : NULL;
}

int vf__reg_prepare(struct vf__registry *reg, const vf_fabric *f, struct vf__entry *e,
		    uint32_t id, const char *name, const char *prefix, const char *what,
		    const struct vf__obj *scope)
{
	int err;

	if (id && vf__reg_by_id(reg, id))
		return vf__fail(f, -EEXIST, "%s id %u is taken in %s '%s'", what, id,
				type_names[scope->type], obj_name(scope));
	if (!id) {
		for (id = reg->id_hint; id && vf__reg_by_id(reg, id); id++)
			;
		if (!id)
			return vf__fail(f, -ENOSPC, "no free %s id in %s '%s'", what,
					type_names[scope->type], obj_name(scope));
	}
	if (name) {
		if ((err = vf__name_check(f, name, what)) < 0)
			return err;
		snprintf(e->name, sizeof(e->name), "%s", name);
	} else {
		snprintf(e->name, sizeof(e->name), "%s%u", prefix, id);
	}
	if (vf__reg_by_name(reg, e->name))
		return vf__fail(f, -EEXIST, "%s name '%s' is taken in %s '%s'", what,
				e->name, type_names[scope->type], obj_name(scope));
	if (vf__hmap_reserve(&reg->by_id, 1) < 0 ||
	    (reg->named && vf__hmap_reserve(&reg->by_name, 1) < 0))
		return vf__fail(f, -ENOMEM, "no memory for %s '%s'", what, e->name);
	e->id = id;
	vf__list_init(&e->node);
	return 0;
}

void vf__reg_insert(struct vf__registry *reg, struct vf__entry *e)
{
	vf__hmap_put(&reg->by_id, vf__hash_u64(e->id), e);
	if (reg->named)
		vf__hmap_put(&reg->by_name, vf__hash_str(e->name), e);
	vf__list_add_tail(&reg->items, &e->node);
	reg->count++;
	if (e->id == reg->id_hint)
		reg->id_hint++;
}

void vf__reg_remove(struct vf__registry *reg, struct vf__entry *e)
{
	vf__hmap_del(&reg->by_id, vf__hash_u64(e->id), e);
	if (reg->named)
		vf__hmap_del(&reg->by_name, vf__hash_str(e->name), e);
	vf__list_del(&e->node);
	reg->count--;
	if (e->id < reg->id_hint)
		reg->id_hint = e->id;
}

int vf__reg_rename(struct vf__registry *reg, const vf_fabric *f, struct vf__entry *e,
		   const char *name, const char *what, const struct vf__obj *scope)
{
	struct vf__entry *other;
	int err;

	if ((err = vf__name_check(f, name, what)) < 0)
		return err;
	other = vf__reg_by_name(reg, name);
	if (other == e)
		return 0;
	if (other)
		return vf__fail(f, -EEXIST, "%s name '%s' is taken in %s '%s'", what,
				name, type_names[scope->type], obj_name(scope));
	if (vf__hmap_reserve(&reg->by_name, 1) < 0)
		return vf__fail(f, -ENOMEM, "no memory to rename %s '%s'", what, e->name);
	vf__hmap_del(&reg->by_name, vf__hash_str(e->name), e);
	snprintf(e->name, sizeof(e->name), "%s", name);
	vf__hmap_put(&reg->by_name, vf__hash_str(e->name), e);
	return 0;
}
