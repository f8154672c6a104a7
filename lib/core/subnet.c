#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

#define LEASE_MIN 60u
#define LEASE_MAX 31536000u
#define MTU_MIN 68u
#define MTU_MAX 9000u
#define DOMAIN_MAX 255

/* The first and last address a port may have in a subnet of this kind. */
static void host_range(vf_subnet_kind kind, vf_ipv4_prefix p, uint32_t *first,
		       uint32_t *last)
{
	if (kind == VF_SUBNET_LINK && p.len == 31) {
		*first = p.addr;
		*last = p.addr + 1;
	} else {
		*first = p.addr + 1;
		*last = vf__prefix_broadcast(p) - 1;
	}
}

static int check_prefix(const vf_cell *c, const struct vf__entry *e, vf_subnet_kind kind,
			vf_ipv4_prefix *p)
{
	const vf_fabric *f = c->fabric;
	uint8_t max = kind == VF_SUBNET_LINK ? 31 : 30;
	vf__pfxstr a, b;
	int err;

	if (vf__prefix_is_zero(*p)) {
		if (c->entry.id > 255 || e->id > 255)
			return vf__fail(
				f, -EINVAL,
				"subnet '%s' of cell %u has no default prefix "
				"10.<cell>.<subnet>.0/24 (cell id %u, subnet id %u: "
				"1..255): give a prefix",
				e->name, c->entry.id, c->entry.id, e->id);
		p->addr = 10u << 24 | c->entry.id << 16 | e->id << 8;
		p->len = 24;
	}
	if ((err = vf__prefix_check(f, *p, "subnet prefix")) < 0)
		return err;
	if (p->len < 8 || p->len > max)
		return vf__fail(
			f, -EINVAL, "subnet prefix %s: a %s subnet takes /8 to /%u",
			vf__pfx_str(a, *p), kind == VF_SUBNET_LINK ? "link" : "lan", max);
	for (vf_cell *oc = vf_fabric_next_cell(f, NULL); oc;
	     oc = vf_fabric_next_cell(f, oc)) {
		if (oc != c && f->wire_mode != VF_WIRE_REWRITE)
			continue;
		for (vf_subnet *s = vf_cell_next_subnet(oc, NULL); s;
		     s = vf_cell_next_subnet(oc, s))
			if (vf__prefix_overlap(s->prefix, *p))
				return vf__fail(
					f, -EADDRINUSE,
					"subnet prefix %s overlaps subnet '%s' (%s) in "
					"cell '%s'%s",
					vf__pfx_str(a, *p), s->entry.name,
					vf__pfx_str(b, s->prefix), oc->entry.name,
					oc == c ? ""
						: " (rewrite mode: VIPs are "
						  "fabric-wide)");
	}
	return 0;
}

static int check_gateway(const vf_fabric *f, vf_subnet_kind kind, vf_ipv4_prefix p,
			 uint32_t *gw)
{
	uint32_t first, last;
	vf__ipstr a;
	vf__pfxstr b;

	if (kind == VF_SUBNET_LINK) {
		if (*gw)
			return vf__fail(f, -EINVAL,
					"gateway %s on link subnet %s: link "
					"subnets have no router",
					vf__ip_str(a, *gw), vf__pfx_str(b, p));
		return 0;
	}
	host_range(kind, p, &first, &last);
	if (!*gw)
		*gw = first;
	if (*gw < first || *gw > last)
		return vf__fail(f, -EINVAL,
				"gateway %s is not a host address of subnet %s",
				vf__ip_str(a, *gw), vf__pfx_str(b, p));
	return 0;
}

static int check_dhcp_range(const vf_fabric *f, const vf_subnet *s, uint32_t *start,
			    uint32_t *end)
{
	uint32_t first, last, gw = s->gateway;
	vf__ipstr a, b, g;
	vf__pfxstr p;

	host_range(s->kind, s->prefix, &first, &last);
	if (!*start && !*end) {
		/* the longer side of the gateway */
		if (!gw || gw - first < last - gw) {
			*start = gw ? gw + 1 : first;
			*end = last;
		} else {
			*start = first;
			*end = gw - 1;
		}
		return 0;
	}
	if (!*start || !*end || *start > *end || *start < first || *end > last)
		return vf__fail(f, -EINVAL,
				"DHCP range %s-%s is not an ordered range of host "
				"addresses of subnet %s",
				vf__ip_str(a, *start), vf__ip_str(b, *end),
				vf__pfx_str(p, s->prefix));
	if (gw && gw >= *start && gw <= *end)
		return vf__fail(f, -EINVAL, "DHCP range %s-%s covers the gateway %s",
				vf__ip_str(a, *start), vf__ip_str(b, *end),
				vf__ip_str(g, gw));
	return 0;
}

static int check_lease(const vf_fabric *f, uint32_t secs)
{
	if (secs < LEASE_MIN || secs > LEASE_MAX)
		return vf__fail(f, -EINVAL, "lease time %u s is outside %u..%u", secs,
				LEASE_MIN, LEASE_MAX);
	return 0;
}

static int check_mtu(const vf_fabric *f, uint32_t mtu)
{
	if (mtu < MTU_MIN || mtu > MTU_MAX)
		return vf__fail(f, -EINVAL, "MTU %u is outside %u..%u", mtu, MTU_MIN,
				MTU_MAX);
	return 0;
}

static int check_dhcp_mode(const vf_fabric *f, vf_dhcp_mode mode)
{
	if ((unsigned int)mode > VF_DHCP_OFF)
		return vf__fail(f, -EINVAL, "DHCP mode %d is not a vf_dhcp_mode", mode);
	return 0;
}

static int check_domain(const vf_fabric *f, const char *d)
{
	size_t n = d ? strlen(d) : 0;

	if (n > DOMAIN_MAX)
		return vf__fail(f, -EINVAL, "domain '%.16s...' is longer than %d bytes",
				d, DOMAIN_MAX);
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)d[i]) && d[i] != '-' && d[i] != '.')
			return vf__fail(f, -EINVAL,
					"domain '%s' has a character outside "
					"[A-Za-z0-9.-] at position %zu",
					d, i);
	return 0;
}

/* Counts the servers in @dns (n entries). In option structs the first zero
 * ends the list; a list given with its length may hold no zero. */
static int check_dns(const vf_fabric *f, const uint32_t *dns, size_t n, bool zero_ends)
{
	size_t count = 0;

	if (n > VF_SUBNET_DNS_MAX)
		return vf__fail(f, -EINVAL, "%zu DNS servers: at most %d", n,
				VF_SUBNET_DNS_MAX);
	while (count < n && dns[count])
		count++;
	if (count < n && !zero_ends)
		return vf__fail(f, -EINVAL, "DNS server %zu is 0.0.0.0", count);
	return (int)count;
}

int vf_subnet_create(vf_subnet **out, vf_cell *c, const vf_subnet_opts *user_opts)
{
	vf_subnet_opts o;
	vf_subnet *s = NULL;
	const vf_fabric *f;
	int err, ndns;

	if (!out)
		return vf__fail(NULL, -EINVAL, "vf_subnet_create: NULL out");
	*out = NULL;
	if ((err = vf__obj_check(c ? &c->obj : NULL, "vf_subnet_create")) < 0)
		return err;
	f = c->fabric;
	if ((err = VF__OPTS_LOAD(&o, user_opts, vf_subnet_opts)) < 0 ||
	    (err = check_dhcp_mode(f, o.dhcp)) < 0 ||
	    (o.lease_time && (err = check_lease(f, o.lease_time)) < 0) ||
	    (o.mtu && (err = check_mtu(f, o.mtu)) < 0) ||
	    (err = check_domain(f, o.domain)) < 0)
		return err;
	if ((ndns = check_dns(f, o.dns, VF_SUBNET_DNS_MAX, true)) < 0)
		return ndns;
	if ((unsigned int)o.kind > VF_SUBNET_LINK)
		return vf__fail(f, -EINVAL, "subnet kind %d is not a vf_subnet_kind",
				o.kind);

	s = calloc(1, sizeof(*s));
	if (!s || !(s->domain = strdup(o.domain ? o.domain : ""))) {
		err = vf__fail(f, -ENOMEM, "no memory for a subnet");
		goto fail;
	}
	s->kind = o.kind;
	s->prefix = o.prefix;
	s->gateway = o.gateway;
	s->dhcp_start = o.dhcp_start;
	s->dhcp_end = o.dhcp_end;
	if ((err = vf__reg_prepare(&c->subnets, f, &s->entry, o.id, o.name, "subnet",
				   "subnet", &c->obj)) < 0 ||
	    (err = check_prefix(c, &s->entry, s->kind, &s->prefix)) < 0 ||
	    (err = check_gateway(f, s->kind, s->prefix, &s->gateway)) < 0 ||
	    (err = check_dhcp_range(f, s, &s->dhcp_start, &s->dhcp_end)) < 0)
		goto fail;
	vf__obj_init(&s->obj, VF__SUBNET, &c->obj);
	s->cell = c;
	s->vip_hint = s->dhcp_start;
	s->lease_time = o.lease_time ? o.lease_time : 86400;
	memcpy(s->dns, o.dns, (size_t)ndns * sizeof(s->dns[0]));
	s->mtu = o.mtu ? o.mtu : 1500;
	s->dhcp = o.dhcp;
	vf__reg_init(&s->ports, false);
	vf__list_init(&s->router_node);
	vf__reg_insert(&c->subnets, &s->entry);
	{
		vf__pfxstr p;

		vf_info(f, "subnet '%s' %s created in cell '%s'", s->entry.name,
			vf__pfx_str(p, s->prefix), c->entry.name);
	}
	*out = s;
	return 0;
fail:
	if (s)
		free(s->domain);
	free(s);
	return err;
}

void vf_subnet_destroy(vf_subnet *s)
{
	vf__obj_destroy(s ? &s->obj : NULL);
}

void vf__subnet_remove(vf_subnet *s)
{
	struct vf__entry *e;

	while ((e = vf__reg_next(&s->ports, NULL)))
		vf__port_remove(vf__entry_owner(e, offsetof(vf_port, entry)));
	if (s->router)
		vf_router_detach(s->router, s);
	vf__reg_remove(&s->cell->subnets, &s->entry);
	s->obj.removed = true;
}

void vf__subnet_free(vf_subnet *s)
{
	free(s->domain);
	vf__reg_free(&s->ports);
}

vf_cell *vf_subnet_cell(const vf_subnet *s)
{
	return s ? s->cell : NULL;
}

uint32_t vf_subnet_id(const vf_subnet *s)
{
	return s ? s->entry.id : 0;
}

const char *vf_subnet_name(const vf_subnet *s)
{
	return s ? s->entry.name : NULL;
}

vf_subnet_kind vf_subnet_kind_of(const vf_subnet *s)
{
	return s ? s->kind : VF_SUBNET_LAN;
}

vf_ipv4_prefix vf_subnet_prefix(const vf_subnet *s)
{
	vf_ipv4_prefix zero = {0, 0, {0}};

	return s ? s->prefix : zero;
}

uint32_t vf_subnet_gateway(const vf_subnet *s)
{
	return s ? s->gateway : 0;
}

uint32_t vf_subnet_dhcp_start(const vf_subnet *s)
{
	return s ? s->dhcp_start : 0;
}

uint32_t vf_subnet_dhcp_end(const vf_subnet *s)
{
	return s ? s->dhcp_end : 0;
}

uint32_t vf_subnet_lease_time(const vf_subnet *s)
{
	return s ? s->lease_time : 0;
}

uint32_t vf_subnet_mtu(const vf_subnet *s)
{
	return s ? s->mtu : 0;
}

bool vf_subnet_dhcp_enabled(const vf_subnet *s)
{
	if (!s)
		return false;
	return s->dhcp == VF_DHCP_ON ||
	       (s->dhcp == VF_DHCP_DEFAULT && s->kind == VF_SUBNET_LAN);
}

const char *vf_subnet_domain(const vf_subnet *s)
{
	return s ? s->domain : NULL;
}

int vf_subnet_dns(const vf_subnet *s, uint32_t *out, size_t n)
{
	int count = 0;

	if (!s || (!out && n))
		return vf__fail(NULL, -EINVAL, "vf_subnet_dns: NULL argument");
	while (count < VF_SUBNET_DNS_MAX && s->dns[count]) {
		if ((size_t)count < n)
			out[count] = s->dns[count];
		count++;
	}
	return count;
}

int vf_subnet_set_dhcp_range(vf_subnet *s, uint32_t start, uint32_t end)
{
	int err;

	if ((err = vf__obj_check(s ? &s->obj : NULL, "vf_subnet_set_dhcp_range")) < 0)
		return err;
	if (!start || !end) {
		vf__ipstr a, b;

		return vf__fail(s->cell->fabric, -EINVAL,
				"DHCP range %s-%s has a zero end", vf__ip_str(a, start),
				vf__ip_str(b, end));
	}
	if ((err = check_dhcp_range(s->cell->fabric, s, &start, &end)) < 0)
		return err;
	s->dhcp_start = start;
	s->dhcp_end = end;
	s->vip_hint = start;
	vf__touch(&s->obj);
	return 0;
}

int vf_subnet_set_lease_time(vf_subnet *s, uint32_t secs)
{
	int err;

	if ((err = vf__obj_check(s ? &s->obj : NULL, "vf_subnet_set_lease_time")) < 0 ||
	    (err = check_lease(s->cell->fabric, secs)) < 0)
		return err;
	s->lease_time = secs;
	vf__touch(&s->obj);
	return 0;
}

int vf_subnet_set_mtu(vf_subnet *s, uint32_t mtu)
{
	int err;

	if ((err = vf__obj_check(s ? &s->obj : NULL, "vf_subnet_set_mtu")) < 0 ||
	    (err = check_mtu(s->cell->fabric, mtu)) < 0)
		return err;
	s->mtu = mtu;
	vf__touch(&s->obj);
	return 0;
}

int vf_subnet_set_dhcp(vf_subnet *s, vf_dhcp_mode mode)
{
	int err;

	if ((err = vf__obj_check(s ? &s->obj : NULL, "vf_subnet_set_dhcp")) < 0 ||
	    (err = check_dhcp_mode(s->cell->fabric, mode)) < 0)
		return err;
	s->dhcp = mode;
	vf__touch(&s->obj);
	return 0;
}

int vf_subnet_set_domain(vf_subnet *s, const char *domain)
{
	char *copy;
	int err;

	if ((err = vf__obj_check(s ? &s->obj : NULL, "vf_subnet_set_domain")) < 0 ||
	    (err = check_domain(s->cell->fabric, domain)) < 0)
		return err;
	if (!(copy = strdup(domain ? domain : "")))
		return vf__fail(s->cell->fabric, -ENOMEM, "no memory for the domain");
	free(s->domain);
	s->domain = copy;
	vf__touch(&s->obj);
	return 0;
}

int vf_subnet_set_dns(vf_subnet *s, const uint32_t *dns, size_t n)
{
	int err;

	if ((err = vf__obj_check(s ? &s->obj : NULL, "vf_subnet_set_dns")) < 0)
		return err;
	if (!dns && n)
		return vf__fail(s->cell->fabric, -EINVAL, "vf_subnet_set_dns: NULL list");
	if ((err = check_dns(s->cell->fabric, dns, n, false)) < 0)
		return err;
	memset(s->dns, 0, sizeof(s->dns));
	if (n)
		memcpy(s->dns, dns, n * sizeof(*dns));
	vf__touch(&s->obj);
	return 0;
}

size_t vf_subnet_port_count(const vf_subnet *s)
{
	return s ? s->ports.count : 0;
}

vf_port *vf_subnet_next_port(const vf_subnet *s, const vf_port *prev)
{
	return s ? vf__entry_owner(vf__reg_next(&s->ports, prev ? &prev->entry : NULL),
				   offsetof(vf_port, entry))
		 : NULL;
}

vf_port *vf_subnet_port_by_id(const vf_subnet *s, uint32_t id)
{
	return s ? vf__entry_owner(vf__reg_by_id(&s->ports, id), offsetof(vf_port, entry))
		 : NULL;
}

vf_router *vf_subnet_router(const vf_subnet *s)
{
	return s ? s->router : NULL;
}

VF__USER_DATA_ACCESSORS(subnet)
