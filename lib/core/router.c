#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

int vf_router_create(vf_router **out, vf_cell *c, const vf_router_opts *user_opts)
{
	vf_router_opts o;
	vf_router *r;
	int err;

	if (!out)
		return vf__fail(NULL, -EINVAL, "vf_router_create: NULL out");
	*out = NULL;
	if ((err = vf__obj_check(c ? &c->obj : NULL, "vf_router_create")) < 0 ||
	    (err = VF__OPTS_LOAD(&o, user_opts, vf_router_opts)) < 0 ||
	    (o.name && (err = vf__name_check(c->fabric, o.name, "router")) < 0))
		return err;
	if (c->router)
		return vf__fail(c->fabric, -EEXIST, "cell '%s' already has router '%s'",
				c->entry.name, c->router->name);
	if (!(r = calloc(1, sizeof(*r))))
		return vf__fail(c->fabric, -ENOMEM, "no memory for a router");
	vf__obj_init(&r->obj, VF__ROUTER, &c->obj);
	snprintf(r->name, sizeof(r->name), "%s", o.name ? o.name : "router");
	r->cell = c;
	vf__list_init(&r->ifaces);
	c->router = r;
	vf_info(c->fabric, "router '%s' created in cell '%s'", r->name, c->entry.name);
	*out = r;
	return 0;
}

void vf_router_destroy(vf_router *r)
{
	vf__obj_destroy(r ? &r->obj : NULL);
}

void vf__router_remove(vf_router *r)
{
	struct vf__list *n;

	while ((n = vf__list_next(&r->ifaces, NULL)))
		vf_router_detach(r, vf__container_of(n, vf_subnet, router_node));
	free(r->routes);
	r->routes = NULL;
	r->nroutes = 0;
	r->cell->router = NULL;
	r->obj.removed = true;
}

void vf__router_free(vf_router *r)
{
	free(r->routes);
}

vf_cell *vf_router_cell(const vf_router *r)
{
	return r ? r->cell : NULL;
}

const char *vf_router_name(const vf_router *r)
{
	return r ? r->name : NULL;
}

int vf_router_attach(vf_router *r, vf_subnet *s, const vf_mac *rvmac)
{
	const vf_fabric *f;
	vf_mac mac;
	vf__macstr m;
	vf_subnet *other;
	vf_port *p;
	int err;

	if ((err = vf__obj_check(r ? &r->obj : NULL, "vf_router_attach")) < 0 ||
	    (err = vf__obj_check(s ? &s->obj : NULL, "vf_router_attach")) < 0)
		return err;
	f = r->cell->fabric;
	if (s->cell != r->cell)
		return vf__fail(f, -EINVAL,
				"subnet '%s' is in cell '%s', router '%s' in cell '%s'",
				s->entry.name, s->cell->entry.name, r->name,
				r->cell->entry.name);
	if (s->kind == VF_SUBNET_LINK)
		return vf__fail(f, -EINVAL,
				"subnet '%s' is a link subnet: it has no router",
				s->entry.name);
	if (s->router)
		return vf__fail(f, -EEXIST, "router '%s' is already on subnet '%s'",
				r->name, s->entry.name);
	mac = rvmac && !vf__mac_is_zero(rvmac)
		      ? *rvmac
		      : vf__mac_derive(0x06, r->cell->entry.id, s->gateway);
	if (vf__mac_is_multicast(&mac))
		return vf__fail(f, -EINVAL, "RVMAC %s is multicast",
				vf__mac_str(m, &mac));
	if ((p = vf__cell_port_by_vmac(r->cell, &mac)))
		return vf__fail(f, -EADDRINUSE, "RVMAC %s is the VMAC of port '%s'",
				vf__mac_str(m, &mac), p->entry.name);
	if ((other = vf__cell_rvmac_user(r->cell, &mac)))
		return vf__fail(f, -EADDRINUSE,
				"RVMAC %s is the router's MAC on subnet '%s'",
				vf__mac_str(m, &mac), other->entry.name);
	s->router = r;
	s->rvmac = mac;
	vf__list_add_tail(&r->ifaces, &s->router_node);
	r->nifaces++;
	vf_info(f, "router '%s' attached to subnet '%s' with RVMAC %s", r->name,
		s->entry.name, vf__mac_str(m, &mac));
	vf__touch(&r->obj);
	return 0;
}

int vf_router_detach(vf_router *r, vf_subnet *s)
{
	int err;

	if ((err = vf__obj_check(r ? &r->obj : NULL, "vf_router_detach")) < 0)
		return err;
	if (!s || s->router != r)
		return vf__fail(r->cell->fabric, -ENOENT,
				"router '%s' is not on subnet '%s'", r->name,
				s ? s->entry.name : "(null)");
	vf__list_del(&s->router_node);
	s->router = NULL;
	memset(&s->rvmac, 0, sizeof(s->rvmac));
	r->nifaces--;
	vf__touch(&r->obj);
	return 0;
}

size_t vf_router_iface_count(const vf_router *r)
{
	return r ? r->nifaces : 0;
}

vf_subnet *vf_router_next_subnet(const vf_router *r, const vf_subnet *prev)
{
	struct vf__list *n;

	if (!r)
		return NULL;
	n = vf__list_next(&r->ifaces, prev ? &prev->router_node : NULL);
	return n ? vf__container_of(n, vf_subnet, router_node) : NULL;
}

int vf_router_iface_mac(const vf_router *r, const vf_subnet *s, vf_mac *out)
{
	if (!r || !s || !out)
		return vf__fail(NULL, -EINVAL, "vf_router_iface_mac: NULL argument");
	if (s->router != r)
		return vf__fail(NULL, -ENOENT, "router '%s' is not on subnet '%s'",
				r->name, s->entry.name);
	*out = s->rvmac;
	return 0;
}

/* Index of the first route not ordered before @dest. */
static size_t route_pos(const vf_router *r, const vf_ipv4_prefix *dest)
{
	size_t lo = 0, hi = r->nroutes;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const vf_ipv4_prefix *p = &r->routes[mid].dest;

		if (p->addr < dest->addr || (p->addr == dest->addr && p->len < dest->len))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool route_at(const vf_router *r, size_t i, const vf_ipv4_prefix *dest)
{
	return i < r->nroutes && r->routes[i].dest.addr == dest->addr &&
	       r->routes[i].dest.len == dest->len;
}

int vf_router_add_route(vf_router *r, const vf_ipv4_prefix *dest, uint32_t next_hop)
{
	const vf_fabric *f;
	vf__pfxstr p;
	vf__ipstr h;
	vf_subnet *s;
	struct vf__route *routes;
	size_t i;
	int err;

	if ((err = vf__obj_check(r ? &r->obj : NULL, "vf_router_add_route")) < 0)
		return err;
	f = r->cell->fabric;
	if (!dest)
		return vf__fail(f, -EINVAL, "vf_router_add_route: NULL destination");
	if ((err = vf__prefix_check(f, *dest, "route destination")) < 0)
		return err;
	for (s = vf_router_next_subnet(r, NULL); s; s = vf_router_next_subnet(r, s))
		if (vf__prefix_has(s->prefix, next_hop) && next_hop != s->gateway &&
		    next_hop != s->prefix.addr &&
		    next_hop != vf__prefix_broadcast(s->prefix))
			break;
	if (!s)
		return vf__fail(f, -EINVAL,
				"next hop %s for %s is not a host address in a "
				"subnet router '%s' is on",
				vf__ip_str(h, next_hop), vf__pfx_str(p, *dest), r->name);
	i = route_pos(r, dest);
	if (route_at(r, i, dest))
		return vf__fail(f, -EEXIST, "router '%s' has a route to %s already",
				r->name, vf__pfx_str(p, *dest));
	if (r->nroutes >= VF_ROUTER_ROUTES_MAX)
		return vf__fail(f, -ENOSPC,
				"router '%s' has %d routes, the most it holds", r->name,
				VF_ROUTER_ROUTES_MAX);
	routes = realloc(r->routes, (r->nroutes + 1) * sizeof(*routes));
	if (!routes)
		return vf__fail(f, -ENOMEM, "no memory for a route");
	r->routes = routes;
	memmove(&routes[i + 1], &routes[i], (r->nroutes - i) * sizeof(*routes));
	routes[i].dest = *dest;
	memset(routes[i].dest.reserved_, 0, sizeof(routes[i].dest.reserved_));
	routes[i].next_hop = next_hop;
	r->nroutes++;
	vf__touch(&r->obj);
	return 0;
}

int vf_router_del_route(vf_router *r, const vf_ipv4_prefix *dest)
{
	vf__pfxstr p;
	size_t i;
	int err;

	if ((err = vf__obj_check(r ? &r->obj : NULL, "vf_router_del_route")) < 0)
		return err;
	if (!dest)
		return vf__fail(r->cell->fabric, -EINVAL,
				"vf_router_del_route: NULL destination");
	i = route_pos(r, dest);
	if (!route_at(r, i, dest))
		return vf__fail(r->cell->fabric, -ENOENT,
				"router '%s' has no route to %s", r->name,
				vf__pfx_str(p, *dest));
	memmove(&r->routes[i], &r->routes[i + 1],
		(r->nroutes - i - 1) * sizeof(*r->routes));
	r->nroutes--;
	vf__touch(&r->obj);
	return 0;
}

size_t vf_router_route_count(const vf_router *r)
{
	return r ? r->nroutes : 0;
}

int vf_router_route(const vf_router *r, size_t index, vf_ipv4_prefix *dest,
		    uint32_t *next_hop)
{
	if (!r)
		return vf__fail(NULL, -EINVAL, "vf_router_route: NULL router");
	if (index >= r->nroutes)
		return vf__fail(NULL, -ENOENT,
				"router '%s' has no route %zu (it has %zu)", r->name,
				index, r->nroutes);
	if (dest)
		*dest = r->routes[index].dest;
	if (next_hop)
		*next_hop = r->routes[index].next_hop;
	return 0;
}

VF__USER_DATA_ACCESSORS(router)
