/*
 * config_check.c: the checks of vfhost's configuration that relate
 * sections to each other (references, unique names and addresses, options
 * that contradict each other), and the look-ups by name. No fabric is
 * touched; see config.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

#if defined(__GNUC__)
static int bad(const struct cfg *c, unsigned int line, char *err, size_t errlen,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
#endif
static int bad(const struct cfg *c, unsigned int line, char *err, size_t errlen,
	       const char *fmt, ...)
{
	char msg[CFG_ERR];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s:%u: %s", c->file, line, msg);
	return -1;
}

const struct cfg_cell *cfg_cell(const struct cfg *c, const char *nm)
{
	for (size_t i = 0; i < c->ncells; i++)
		if (!strcmp(c->cells[i].name, nm))
			return &c->cells[i];
	return NULL;
}

const struct cfg_subnet *cfg_subnet(const struct cfg *c, const char *cell, const char *nm)
{
	for (size_t i = 0; i < c->nsubnets; i++)
		if (!strcmp(c->subnets[i].cell, cell) && !strcmp(c->subnets[i].name, nm))
			return &c->subnets[i];
	return NULL;
}

static const struct cfg_secgroup *secgroup(const struct cfg *c, const char *cell,
					   const char *nm)
{
	for (size_t i = 0; i < c->nsecgroups; i++)
		if (!strcmp(c->secgroups[i].cell, cell) &&
		    !strcmp(c->secgroups[i].name, nm))
			return &c->secgroups[i];
	return NULL;
}

const struct cfg_port *cfg_port(const struct cfg *c, const char *nm)
{
	for (size_t i = 0; i < c->nports; i++)
		if (!strcmp(c->ports[i].name, nm))
			return &c->ports[i];
	return NULL;
}

const struct cfg_location *cfg_location(const struct cfg *c, const char *cell,
					uint32_t vip)
{
	for (size_t i = 0; i < c->nlocations; i++)
		if (c->locations[i].vip == vip && !strcmp(c->locations[i].cell, cell))
			return &c->locations[i];
	return NULL;
}

static bool in_prefix(const vf_ipv4_prefix *p, uint32_t a)
{
	uint32_t mask = p->len ? ~0u << (32 - p->len) : 0;

	return (a & mask) == p->addr;
}

static int check_host(const struct cfg *c, char *err, size_t errlen)
{
	const struct cfg_host *h = &c->host;

	if (h->ncpus && h->threads && h->ncpus != h->threads)
		return bad(c, h->h.line, err, errlen,
			   "cpus names %u CPUs for %u threads (one per thread)", h->ncpus,
			   h->threads);
	if (h->ip && (h->ip >> 24 == 127 || h->ip >> 28 == 14 || h->ip == 0xffffffffu))
		return bad(c, h->h.line, err, errlen,
			   "host IP is a loopback, multicast or broadcast address");
	return 0;
}

static int check_cells(const struct cfg *c, char *err, size_t errlen)
{
	for (size_t i = 0; i < c->ncells; i++) {
		const struct cfg_cell *a = &c->cells[i];

		for (size_t j = 0; j < i; j++) {
			const struct cfg_cell *b = &c->cells[j];

			if (!strcmp(a->name, b->name))
				return bad(c, a->h.line, err, errlen,
					   "cell '%s' again (first at line %u)", a->name,
					   b->h.line);
			if (a->id && a->id == b->id)
				return bad(c, a->h.line, err, errlen,
					   "cell id %u is taken by cell '%s' (line %u)",
					   a->id, b->name, b->h.line);
		}
	}
	return 0;
}

static int check_subnets(const struct cfg *c, char *err, size_t errlen)
{
	for (size_t i = 0; i < c->nsubnets; i++) {
		const struct cfg_subnet *s = &c->subnets[i];

		if (!cfg_cell(c, s->cell))
			return bad(c, s->h.line, err, errlen,
				   "no [cell %s] for subnet '%s'", s->cell, s->name);
		for (size_t j = 0; j < i; j++) {
			const struct cfg_subnet *o = &c->subnets[j];

			if (strcmp(s->cell, o->cell))
				continue;
			if (!strcmp(s->name, o->name))
				return bad(c, s->h.line, err, errlen,
					   "subnet '%s/%s' again (first at line %u)",
					   s->cell, s->name, o->h.line);
			if (s->id && s->id == o->id)
				return bad(
					c, s->h.line, err, errlen,
					"subnet id %u is taken by subnet '%s' (line %u)",
					s->id, o->name, o->h.line);
		}
		if (s->kind == VF_SUBNET_LINK && s->gateway)
			return bad(
				c, s->h.line, err, errlen,
				"a link subnet has no gateway (remove gateway or kind)");
		if (s->prefix.len && s->gateway && !in_prefix(&s->prefix, s->gateway))
			return bad(c, s->h.line, err, errlen,
				   "the gateway is outside the prefix");
		if (s->prefix.len && s->dhcp_start &&
		    (!in_prefix(&s->prefix, s->dhcp_start) ||
		     !in_prefix(&s->prefix, s->dhcp_end)))
			return bad(c, s->h.line, err, errlen,
				   "dhcp_range is outside the prefix");
	}
	return 0;
}

static int check_routers(const struct cfg *c, char *err, size_t errlen)
{
	for (size_t i = 0; i < c->nrouters; i++) {
		const struct cfg_router *r = &c->routers[i];

		if (!cfg_cell(c, r->cell))
			return bad(c, r->h.line, err, errlen,
				   "no [cell %s] for this router", r->cell);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(r->cell, c->routers[j].cell))
				return bad(c, r->h.line, err, errlen,
					   "cell '%s' has a router already (line %u)",
					   r->cell, c->routers[j].h.line);
		for (size_t k = 0; k < r->nsubnets; k++) {
			const struct cfg_subnet *s =
				cfg_subnet(c, r->cell, r->subnets[k]);

			if (!s)
				return bad(c, r->h.line, err, errlen, "no [subnet %s/%s]",
					   r->cell, r->subnets[k]);
			if (s->kind == VF_SUBNET_LINK)
				return bad(
					c, r->h.line, err, errlen,
					"subnet '%s' is a link subnet: no router on it",
					s->name);
			for (size_t m = 0; m < k; m++)
				if (!strcmp(r->subnets[k], r->subnets[m]))
					return bad(c, r->h.line, err, errlen,
						   "subnet '%s' is listed twice",
						   s->name);
		}
		for (size_t k = 0; k < r->nroutes; k++)
			for (size_t m = 0; m < k; m++)
				if (r->routes[k].dest.addr == r->routes[m].dest.addr &&
				    r->routes[k].dest.len == r->routes[m].dest.len)
					return bad(
						c, r->routes[k].line, err, errlen,
						"a route to this prefix again (line %u)",
						r->routes[m].line);
	}
	return 0;
}

static int check_groups(const struct cfg *c, char *err, size_t errlen)
{
	for (size_t i = 0; i < c->nsecgroups; i++) {
		const struct cfg_secgroup *g = &c->secgroups[i];

		if (!cfg_cell(c, g->cell))
			return bad(c, g->h.line, err, errlen,
				   "no [cell %s] for secgroup '%s'", g->cell, g->name);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(g->cell, c->secgroups[j].cell) &&
			    (!strcmp(g->name, c->secgroups[j].name) ||
			     (g->id && g->id == c->secgroups[j].id)))
				return bad(c, g->h.line, err, errlen,
					   "secgroup name or id again (line %u)",
					   c->secgroups[j].h.line);
	}
	for (size_t i = 0; i < c->npolicies; i++) {
		const struct cfg_policy *p = &c->policies[i];

		if (!cfg_cell(c, p->cell))
			return bad(c, p->h.line, err, errlen,
				   "no [cell %s] for policy '%s'", p->cell, p->name);
		if (!p->from[0])
			return bad(c, p->h.line, err, errlen,
				   "policy '%s' needs 'from = CELL'", p->name);
		if (!cfg_cell(c, p->from))
			return bad(c, p->h.line, err, errlen,
				   "no [cell %s] to admit from", p->from);
		if (!strcmp(p->from, p->cell))
			return bad(c, p->h.line, err, errlen,
				   "a policy admits another cell, not its own");
		if (p->opts.port_min && p->opts.protocol != VF_PROTO_TCP &&
		    p->opts.protocol != VF_PROTO_UDP)
			return bad(c, p->h.line, err, errlen,
				   "ports are for tcp and udp only");
		for (size_t j = 0; j < i; j++)
			if (!strcmp(p->cell, c->policies[j].cell) &&
			    (!strcmp(p->name, c->policies[j].name) ||
			     (p->opts.id && p->opts.id == c->policies[j].opts.id)))
				return bad(c, p->h.line, err, errlen,
					   "policy name or id again (line %u)",
					   c->policies[j].h.line);
	}
	return 0;
}

static int check_port(const struct cfg *c, const struct cfg_port *p, char *err,
		      size_t errlen)
{
	const struct cfg_subnet *s;
	unsigned int l = p->h.line;

	if (!p->cell[0] || !p->subnet[0])
		return bad(c, l, err, errlen, "port '%s' needs cell and subnet", p->name);
	if (!cfg_cell(c, p->cell))
		return bad(c, l, err, errlen, "no [cell %s] for port '%s'", p->cell,
			   p->name);
	if (!(s = cfg_subnet(c, p->cell, p->subnet)))
		return bad(c, l, err, errlen, "no [subnet %s/%s] for port '%s'", p->cell,
			   p->subnet, p->name);
	if (p->vip && s->prefix.len && !in_prefix(&s->prefix, p->vip))
		return bad(c, l, err, errlen, "vip is outside subnet '%s'", s->name);
	if (!p->bind && (p->ifname[0] || p->create || p->datapath[0]))
		return bad(c, l, err, errlen,
			   "bind = none contradicts ifname, create and datapath");
	if (p->create && p->datapath[0] && strcmp(p->datapath, "afpacket"))
		return bad(c, l, err, errlen,
			   "only the afpacket datapath creates netdevs");
	if (p->create == CFG_CREATE_VETH && !p->peer[0])
		return bad(c, l, err, errlen, "create = veth needs peer (the VM's end)");
	if (p->create != CFG_CREATE_VETH && (p->peer[0] || p->netns[0]))
		return bad(c, l, err, errlen,
			   "peer and netns are for create = veth only");
	if (p->peer[0] && !strcmp(p->peer, p->ifname[0] ? p->ifname : p->name))
		return bad(c, l, err, errlen, "peer is the same netdev as ifname");
	if (p->bind && !p->ifname[0] && strlen(p->name) >= CFG_IFNAME)
		return bad(c, l, err, errlen,
			   "port name '%s' is too long for a netdev: give ifname",
			   p->name);
	for (size_t k = 0; k < p->nsecgroups; k++) {
		if (!secgroup(c, p->cell, p->secgroups[k]))
			return bad(c, l, err, errlen, "no [secgroup %s/%s]", p->cell,
				   p->secgroups[k]);
		for (size_t m = 0; m < k; m++)
			if (!strcmp(p->secgroups[k], p->secgroups[m]))
				return bad(c, l, err, errlen,
					   "secgroup '%s' is listed twice",
					   p->secgroups[k]);
	}
	return 0;
}

static int check_ports(const struct cfg *c, char *err, size_t errlen)
{
	for (size_t i = 0; i < c->nports; i++) {
		const struct cfg_port *p = &c->ports[i];
		const char *ifn = p->ifname[0] ? p->ifname : p->name;

		if (check_port(c, p, err, errlen) < 0)
			return -1;
		for (size_t j = 0; j < i; j++) {
			const struct cfg_port *o = &c->ports[j];

			if (!strcmp(p->name, o->name))
				return bad(c, p->h.line, err, errlen,
					   "port '%s' again (first at line %u)", p->name,
					   o->h.line);
			if (p->bind && o->bind &&
			    !strcmp(ifn, o->ifname[0] ? o->ifname : o->name))
				return bad(c, p->h.line, err, errlen,
					   "netdev '%s' is taken by port '%s' (line %u)",
					   ifn, o->name, o->h.line);
			if (p->vip && p->vip == o->vip && !strcmp(p->cell, o->cell))
				return bad(c, p->h.line, err, errlen,
					   "vip is taken by port '%s' (line %u)", o->name,
					   o->h.line);
		}
		if (c->host.underlay[0] && p->bind && !strcmp(ifn, c->host.underlay))
			return bad(c, p->h.line, err, errlen,
				   "netdev '%s' is the underlay", ifn);
	}
	return 0;
}

static int check_locations(const struct cfg *c, char *err, size_t errlen)
{
	for (size_t i = 0; i < c->nlocations; i++) {
		const struct cfg_location *l = &c->locations[i];
		const struct cfg_subnet *s = cfg_subnet(c, l->cell, l->subnet);

		if (!cfg_cell(c, l->cell))
			return bad(c, l->line, err, errlen, "no [cell %s]", l->cell);
		if (!s)
			return bad(c, l->line, err, errlen, "no [subnet %s/%s]", l->cell,
				   l->subnet);
		if (s->prefix.len && !in_prefix(&s->prefix, l->vip))
			return bad(c, l->line, err, errlen,
				   "the VIP is outside subnet '%s'", s->name);
		if (!memcmp(&l->host_mac, &c->host.mac, sizeof(vf_mac)))
			return bad(c, l->line, err, errlen,
				   "the host MAC is this host's: a remote location is "
				   "elsewhere");
		for (size_t j = 0; j < i; j++)
			if (c->locations[j].vip == l->vip &&
			    !strcmp(c->locations[j].cell, l->cell))
				return bad(c, l->line, err, errlen,
					   "a location for this VIP again (line %u)",
					   c->locations[j].line);
		for (size_t j = 0; j < c->nports; j++)
			if (c->ports[j].vip == l->vip &&
			    !strcmp(c->ports[j].cell, l->cell))
				return bad(c, l->line, err, errlen,
					   "the VIP is local port '%s' (line %u)",
					   c->ports[j].name, c->ports[j].h.line);
	}
	return 0;
}

/* The size of a string of @n bytes in msgpack's old raw format, as
 * memberlist writes it (no str8: 32 bytes and more take a 3-byte head). */
static size_t mp_str(size_t n)
{
	return (n < 32 ? 1 : 3) + n;
}

static int check_gossip(const struct cfg *c, char *err, size_t errlen)
{
	const struct cfg_gossip *g = &c->gossip;
	uint32_t adv = g->advertise ? g->advertise : g->bind ? g->bind : c->host.ip;
	uint32_t interval = g->probe_interval;
	char ip[VF_IPV4_STRLEN];
	size_t meta;

	if (!g->h.line)
		return 0;
	if (!adv)
		return bad(c, g->h.line, err, errlen,
			   "gossip has no address to advertise: set advertise, bind or "
			   "[host] ip");
	if (g->bind && (g->bind >> 28 == 14 || g->bind == 0xffffffffu))
		return bad(c, g->h.line, err, errlen,
			   "bind is a multicast or broadcast address");
	if (adv >> 28 == 14 || adv == 0xffffffffu)
		return bad(c, g->h.line, err, errlen,
			   "advertise is a multicast or broadcast address");
	if (!interval)
		interval = g->profile == VF_GOSSIP_PROFILE_WAN ? 5000 : 1000;
	if (g->probe_timeout && g->probe_timeout >= interval)
		return bad(c, g->h.line, err, errlen,
			   "probe_timeout %u ms is not below the probe interval (%u ms)",
			   g->probe_timeout, interval);
	/* the Serf tags as the library encodes them: a magic byte, a map of
	 * role, underlay and the others; memberlist takes at most 512 bytes */
	vf_ipv4_format(ip, sizeof(ip), c->host.ip ? c->host.ip : adv);
	meta = 1 + (g->ntags + 2 < 16 ? 1 : 3) + mp_str(4) +
	       mp_str(g->role[0] ? strlen(g->role) : 7) + mp_str(8) + mp_str(strlen(ip));
	for (size_t i = 0; i < g->ntags; i++)
		meta += mp_str(strlen(g->tags[i].key)) + mp_str(strlen(g->tags[i].value));
	if (meta > 512)
		return bad(c, g->h.line, err, errlen,
			   "the tags take %zu bytes encoded (role and underlay "
			   "included); gossip carries at most 512",
			   meta);
	return 0;
}

int cfg_check(const struct cfg *c, char *err, size_t errlen)
{
	if (check_host(c, err, errlen) < 0 || check_cells(c, err, errlen) < 0 ||
	    check_subnets(c, err, errlen) < 0 || check_routers(c, err, errlen) < 0 ||
	    check_groups(c, err, errlen) < 0 || check_ports(c, err, errlen) < 0 ||
	    check_locations(c, err, errlen) < 0 || check_gossip(c, err, errlen) < 0)
		return -1;
	return 0;
}
