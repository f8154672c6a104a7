/* Compiling the model into the pipeline's tables (see tables.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/tables.h"
#include "runtime/runtime.h"

static uint64_t key2(uint32_t a, uint32_t b)
{
	return vf__hash_u64((uint64_t)a << 32 | b);
}

struct vipkey {
	uint32_t cell, vip;
};

static bool tport_eq(const void *val, const void *key)
{
	const struct vf__tport *p = val;
	const struct vipkey *k = key;

	return p->vip == k->vip && p->subnet->cell->id == k->cell;
}

static bool tport_gvip_eq(const void *val, const void *key)
{
	return ((const struct vf__tport *)val)->vip == *(const uint32_t *)key;
}

static bool tport_serial_eq(const void *val, const void *key)
{
	return ((const struct vf__tport *)val)->serial == *(const uint32_t *)key;
}

static bool ep_eq(const void *val, const void *key)
{
	return ((const struct vf__endpoint *)val)->id == *(const uint64_t *)key;
}

static bool tcell_eq(const void *val, const void *key)
{
	return ((const struct vf__tcell *)val)->id == *(const uint32_t *)key;
}

static int cmp_subnet_net(const void *a, const void *b)
{
	uint32_t x = (*(struct vf__tsubnet *const *)a)->net;
	uint32_t y = (*(struct vf__tsubnet *const *)b)->net;

	return x < y ? -1 : x > y;
}

static int cmp_route_len(const void *a, const void *b)
{
	uint32_t x = ((const struct vf__troute *)a)->mask;
	uint32_t y = ((const struct vf__troute *)b)->mask;

	/* longer mask (more bits) first */
	return x > y ? -1 : x < y;
}

/* The endpoints, for the workers. */
static int fill_endpoints(struct vf__tables *t, const vf_fabric *f)
{
	struct vf__endpoint *ep;
	size_t n = 0;

	if (!f->rt)
		return 0;
	t->underlay = f->rt->underlay;
	VF__EACH(ep, &f->rt->endpoints, struct vf__endpoint, node)
	n++;
	if (vf__hmap_reserve(&t->ep_by_id, n) < 0)
		return -ENOMEM;
	VF__EACH(ep, &f->rt->endpoints, struct vf__endpoint, node)
	vf__hmap_put(&t->ep_by_id, vf__hash_u64(ep->id), ep);
	return 0;
}

/* Counts what the arrays need. */
static void count(const vf_fabric *f, uint32_t *ncells, uint32_t *nsubnets,
		  uint32_t *nports)
{
	*ncells = *nsubnets = *nports = 0;
	for (vf_cell *c = vf_fabric_next_cell(f, NULL); c; c = vf_fabric_next_cell(f, c)) {
		(*ncells)++;
		*nsubnets += (uint32_t)vf_cell_subnet_count(c);
		*nports += (uint32_t)vf_cell_port_count(c);
	}
}

static void fill_dhcp(struct vf__tsubnet *ts, const vf_subnet *s)
{
	struct vf__dhcpd_cfg *d = &ts->dhcp_cfg;

	d->mask = ts->mask;
	d->router = ts->routed ? ts->gateway : 0;
	d->broadcast = ts->bcast;
	d->server_id = ts->gateway ? ts->gateway : ts->net;
	d->lease = s->lease_time;
	d->ndns = (uint8_t)vf_subnet_dns(s, d->dns, VF__ARRAY_SIZE(d->dns));
	d->domain = s->domain;
	d->mtu = (uint16_t)s->mtu;
}

static int fill_port(struct vf__tables *t, struct vf__tport *tp, vf_port *p,
		     const struct vf__tsubnet *ts)
{
	struct vipkey k = { ts->cell->id, p->vip };

	tp->port = p;
	tp->ep = p->ep;
	tp->serial = p->serial;
	p->obj.refs++; /* workers may use these tables after the port is gone */
	p->tport = tp;
	p->tgen = t->gen;
	tp->subnet = ts;
	tp->vip = p->vip;
	tp->vmac = p->vmac;
	tp->up = p->admin_up && !p->link_down;
	tp->guarded = p->nsecgroups > 0;
	if (tp->guarded && vf__ruleset_from_secgroups(&tp->rules, p->secgroups,
						      p->nsecgroups) < 0)
		return -ENOMEM;
	vf__hmap_put(&t->port_by_vip, key2(k.cell, k.vip), tp);
	vf__hmap_put(&t->port_by_serial, vf__hash_u64(p->serial), tp);
	if (t->wire_mode == VF_WIRE_REWRITE)
		vf__hmap_put(&t->port_by_gvip, vf__hash_u64(p->vip), tp);
	return 0;
}

static int fill_subnet(struct vf__tables *t, struct vf__tsubnet *ts, vf_subnet *s,
		       const struct vf__tcell *tc, uint32_t *next_port)
{
	ts->id = s->entry.id;
	ts->cell = tc;
	ts->kind = s->kind;
	ts->net = s->prefix.addr;
	ts->mask = vf__prefix_mask(s->prefix.len);
	ts->bcast = vf__prefix_broadcast(s->prefix);
	ts->gateway = s->gateway;
	ts->routed = s->router != NULL;
	ts->rvmac = s->rvmac;
	ts->mtu = s->mtu;
	ts->dhcp = vf_subnet_dhcp_enabled(s);
	fill_dhcp(ts, s);
	ts->nports = (uint32_t)s->ports.count;
	ts->ports = calloc(ts->nports ? ts->nports : 1, sizeof(*ts->ports));
	if (!ts->ports)
		return -ENOMEM;
	ts->nports = 0;
	for (vf_port *p = vf_subnet_next_port(s, NULL); p; p = vf_subnet_next_port(s, p)) {
		struct vf__tport *tp = &t->ports[(*next_port)++];

		ts->ports[ts->nports++] = tp;
		if (fill_port(t, tp, p, ts) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int fill_cell(struct vf__tables *t, struct vf__tcell *tc, vf_cell *c,
		     uint32_t *next_subnet, uint32_t *next_port)
{
	vf_router *r = c->router;
	uint32_t i = 0;

	tc->id = c->entry.id;
	tc->vni = c->vni;
	tc->intra_deny = vf_cell_intra_cell(c) == VF_VERDICT_DENY;
	tc->inter_allow = vf_cell_inter_cell(c) == VF_VERDICT_ALLOW;
	tc->nsubnets = (uint32_t)c->subnets.count;
	tc->npolicies = (uint32_t)c->policies.count;
	tc->nroutes = r ? (uint32_t)r->nroutes : 0;
	tc->subnets = calloc(tc->nsubnets + 1, sizeof(*tc->subnets));
	tc->policies = calloc(tc->npolicies + 1, sizeof(*tc->policies));
	tc->routes = calloc(tc->nroutes + 1, sizeof(*tc->routes));
	if (!tc->subnets || !tc->policies || !tc->routes)
		return -ENOMEM;
	for (vf_subnet *s = vf_cell_next_subnet(c, NULL); s; s = vf_cell_next_subnet(c, s)) {
		struct vf__tsubnet *ts = &t->subnets[(*next_subnet)++];

		tc->subnets[i++] = ts;
		t->by_net[*next_subnet - 1] = ts;
		if (fill_subnet(t, ts, s, tc, next_port) < 0)
			return -ENOMEM;
	}
	qsort(tc->subnets, tc->nsubnets, sizeof(*tc->subnets), cmp_subnet_net);
	i = 0;
	for (vf_policy *p = vf_cell_next_policy(c, NULL); p; p = vf_cell_next_policy(c, p)) {
		tc->policies[i].src_cell = p->match.src_cell;
		vf__match_from_policy(&tc->policies[i++].match, &p->match);
	}
	for (i = 0; i < tc->nroutes; i++) {
		tc->routes[i].net = r->routes[i].dest.addr;
		tc->routes[i].mask = vf__prefix_mask(r->routes[i].dest.len);
		tc->routes[i].next_hop = r->routes[i].next_hop;
	}
	qsort(tc->routes, tc->nroutes, sizeof(*tc->routes), cmp_route_len);
	vf__hmap_put(&t->cell_by_id, vf__hash_u64(tc->id), tc);
	return 0;
}

int vf__tables_build(struct vf__tables **out, const vf_fabric *f)
{
	struct vf__tables *t = calloc(1, sizeof(*t));
	uint32_t nc, ns, np, next_subnet = 0, next_port = 0, i = 0;

	*out = NULL;
	if (!t)
		return -ENOMEM;
	count(f, &nc, &ns, &np);
	t->gen = f->gen;
	t->wire_mode = f->wire_mode;
	t->host_mac = f->host_mac;
	t->host_ip = f->host_ip;
	t->ncells = nc;
	t->nsubnets = ns;
	t->nports = np;
	t->cells = calloc(nc + 1, sizeof(*t->cells));
	t->subnets = calloc(ns + 1, sizeof(*t->subnets));
	t->by_net = calloc(ns + 1, sizeof(*t->by_net));
	t->ports = calloc(np + 1, sizeof(*t->ports));
	if (!t->cells || !t->subnets || !t->by_net || !t->ports ||
	    vf__hmap_reserve(&t->cell_by_id, nc) < 0 ||
	    vf__hmap_reserve(&t->port_by_vip, np) < 0 ||
	    vf__hmap_reserve(&t->port_by_gvip, np) < 0 ||
	    vf__hmap_reserve(&t->port_by_serial, np) < 0 || fill_endpoints(t, f) < 0)
		goto fail;
	for (vf_cell *c = vf_fabric_next_cell(f, NULL); c; c = vf_fabric_next_cell(f, c))
		if (fill_cell(t, &t->cells[i++], c, &next_subnet, &next_port) < 0)
			goto fail;
	qsort(t->by_net, ns, sizeof(*t->by_net), cmp_subnet_net);
	*out = t;
	return 0;
fail:
	vf__tables_free(t);
	return -ENOMEM;
}

void vf__tables_free(struct vf__tables *t)
{
	if (!t)
		return;
	for (uint32_t i = 0; t->cells && i < t->ncells; i++) {
		free(t->cells[i].subnets);
		free(t->cells[i].policies);
		free(t->cells[i].routes);
	}
	for (uint32_t i = 0; t->subnets && i < t->nsubnets; i++)
		free(t->subnets[i].ports);
	for (uint32_t i = 0; t->ports && i < t->nports; i++) {
		vf__ruleset_free(&t->ports[i].rules);
		if (t->ports[i].port)
			vf__obj_unref(&t->ports[i].port->obj);
	}
	free(t->cells);
	free(t->subnets);
	free(t->by_net);
	free(t->ports);
	vf__hmap_free(&t->cell_by_id);
	vf__hmap_free(&t->port_by_vip);
	vf__hmap_free(&t->port_by_gvip);
	vf__hmap_free(&t->port_by_serial);
	vf__hmap_free(&t->ep_by_id);
	free(t);
}

const struct vf__tcell *vf__t_cell(const struct vf__tables *t, uint32_t id)
{
	return vf__hmap_get(&t->cell_by_id, vf__hash_u64(id), tcell_eq, &id);
}

/* The subnet among @v (n of them, sorted by net, disjoint) holding @ip. */
static const struct vf__tsubnet *search(struct vf__tsubnet *const *v, uint32_t n,
					uint32_t ip)
{
	uint32_t lo = 0, hi = n;

	/* the last subnet whose net is <= ip */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (v[mid]->net <= ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || (ip & v[lo - 1]->mask) != v[lo - 1]->net)
		return NULL;
	return v[lo - 1];
}

const struct vf__tsubnet *vf__t_subnet_of(const struct vf__tcell *c, uint32_t ip)
{
	return search(c->subnets, c->nsubnets, ip);
}

const struct vf__tsubnet *vf__t_any_subnet_of(const struct vf__tables *t, uint32_t ip)
{
	return t->wire_mode == VF_WIRE_REWRITE ? search(t->by_net, t->nsubnets, ip) : NULL;
}

const struct vf__tport *vf__t_port(const struct vf__tables *t, uint32_t cell, uint32_t vip)
{
	struct vipkey k = { cell, vip };

	return vf__hmap_get(&t->port_by_vip, key2(cell, vip), tport_eq, &k);
}

const struct vf__tport *vf__t_port_serial(const struct vf__tables *t, uint32_t serial)
{
	return vf__hmap_get(&t->port_by_serial, vf__hash_u64(serial), tport_serial_eq,
			    &serial);
}

struct vf__endpoint *vf__t_endpoint(const struct vf__tables *t, uint64_t id)
{
	return vf__hmap_get(&t->ep_by_id, vf__hash_u64(id), ep_eq, &id);
}

const struct vf__tport *vf__t_port_any(const struct vf__tables *t, uint32_t vip)
{
	return vf__hmap_get(&t->port_by_gvip, vf__hash_u64(vip), tport_gvip_eq, &vip);
}

const struct vf__troute *vf__t_route(const struct vf__tcell *c, uint32_t ip)
{
	for (uint32_t i = 0; i < c->nroutes; i++)
		if ((ip & c->routes[i].mask) == c->routes[i].net)
			return &c->routes[i];
	return NULL;
}
