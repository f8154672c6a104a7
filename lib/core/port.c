#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "runtime/runtime.h"

#define BURST_MIN 1500u

/* The lowest free address of the subnet's DHCP range, or 0. */
static uint32_t alloc_vip(vf_subnet *s)
{
	uint32_t a = s->vip_hint < s->dhcp_start ? s->dhcp_start : s->vip_hint;

	for (; a && a <= s->dhcp_end; a++)
		if (!vf_cell_port_by_vip(s->cell, a))
			return a;
	return 0;
}

int vf__vip_check(const vf_subnet *s, uint32_t vip)
{
	const vf_fabric *f = s->cell->fabric;
	bool p31 = s->kind == VF_SUBNET_LINK && s->prefix.len == 31;
	vf__ipstr a;
	vf__pfxstr p;
	vf_port *other;

	if (!vf__prefix_has(s->prefix, vip))
		return vf__fail(f, -EINVAL, "VIP %s is outside subnet '%s' (%s)",
				vf__ip_str(a, vip), s->entry.name,
				vf__pfx_str(p, s->prefix));
	if (!p31 && (vip == s->prefix.addr || vip == vf__prefix_broadcast(s->prefix)))
		return vf__fail(f, -EINVAL,
				"VIP %s is the network or broadcast address of "
				"subnet '%s' (%s)",
				vf__ip_str(a, vip), s->entry.name,
				vf__pfx_str(p, s->prefix));
	if (vip == s->gateway)
		return vf__fail(f, -EINVAL, "VIP %s is the gateway of subnet '%s'",
				vf__ip_str(a, vip), s->entry.name);
	if ((other = vf_cell_port_by_vip(s->cell, vip)))
		return vf__fail(
			f, -EADDRINUSE, "VIP %s is taken by port '%s' in cell '%s'",
			vf__ip_str(a, vip), other->entry.name, s->cell->entry.name);
	return 0;
}

static int check_vmac(const vf_cell *c, const vf_mac *mac)
{
	vf__macstr m;
	vf_port *other;
	vf_subnet *s;

	if (vf__mac_is_multicast(mac))
		return vf__fail(c->fabric, -EINVAL, "VMAC %s is multicast",
				vf__mac_str(m, mac));
	if ((other = vf__cell_port_by_vmac(c, mac)))
		return vf__fail(c->fabric, -EADDRINUSE,
				"VMAC %s is taken by port '%s' in cell '%s'",
				vf__mac_str(m, mac), other->entry.name, c->entry.name);
	if ((s = vf__cell_rvmac_user(c, mac)))
		return vf__fail(c->fabric, -EADDRINUSE,
				"VMAC %s is the router's MAC on subnet '%s'",
				vf__mac_str(m, mac), s->entry.name);
	return 0;
}

int vf_port_create(vf_port **out, vf_subnet *s, const vf_port_opts *user_opts)
{
	vf_port_opts o;
	vf_port *p;
	vf_cell *c;
	vf_fabric *f;
	int err;

	if (!out)
		return vf__fail(NULL, -EINVAL, "vf_port_create: NULL out");
	*out = NULL;
	if ((err = vf__obj_check(s ? &s->obj : NULL, "vf_port_create")) < 0)
		return err;
	c = s->cell;
	f = c->fabric;
	if ((err = VF__OPTS_LOAD(&o, user_opts, vf_port_opts)) < 0 ||
	    (err = vf__name_check(f, o.name, "port")) < 0)
		return err;
	if (vf_fabric_port_by_name(f, o.name))
		return vf__fail(f, -EEXIST, "port name '%s' is taken in fabric '%s'",
				o.name, f->host_name);
	if (o.flags & ~VF_PORT_F_ADMIN_DOWN)
		return vf__fail(f, -EINVAL, "port '%s': unknown flags 0x%x", o.name,
				o.flags & ~VF_PORT_F_ADMIN_DOWN);
	if (s->kind == VF_SUBNET_LINK && s->ports.count >= 2)
		return vf__fail(f, -ENOSPC, "link subnet '%s' already has its two ports",
				s->entry.name);
	if (!o.vip && !(o.vip = alloc_vip(s))) {
		vf__ipstr a, b;

		return vf__fail(f, -ENOSPC,
				"no free VIP in the DHCP range %s-%s of subnet '%s'",
				vf__ip_str(a, s->dhcp_start), vf__ip_str(b, s->dhcp_end),
				s->entry.name);
	}
	if (vf__mac_is_zero(&o.vmac))
		o.vmac = vf__mac_derive(0x02, c->entry.id, o.vip);
	if ((err = vf__vip_check(s, o.vip)) < 0 || (err = check_vmac(c, &o.vmac)) < 0)
		return err;

	if (!(p = calloc(1, sizeof(*p))))
		return vf__fail(f, -ENOMEM, "no memory for a port");
	if ((err = vf__reg_prepare(&s->ports, f, &p->entry, o.id, o.name, "port", "port",
				   &s->obj)) < 0)
		goto fail;
	if (vf__hmap_reserve(&f->port_by_name, 1) < 0 ||
	    vf__hmap_reserve(&c->port_by_vip, 1) < 0 ||
	    vf__hmap_reserve(&c->port_by_vmac, 1) < 0) {
		err = vf__fail(f, -ENOMEM, "no memory for port '%s'", o.name);
		goto fail;
	}
	vf__obj_init(&p->obj, VF__PORT, &s->obj);
	p->subnet = s;
	p->vip = o.vip;
	p->vmac = o.vmac;
	p->admin_up = !(o.flags & VF_PORT_F_ADMIN_DOWN);
	if (!++f->next_serial) /* 0 is the inter-cell zone */
		f->next_serial = 1;
	p->serial = f->next_serial;
	vf__reg_insert(&s->ports, &p->entry);
	vf__hmap_put(&f->port_by_name, vf__hash_str(p->entry.name), p);
	vf__hmap_put(&c->port_by_vip, vf__hash_u64(p->vip), p);
	vf__hmap_put(&c->port_by_vmac, vf__hash_u64(vf__mac_key(&p->vmac)), p);
	f->nports++;
	c->nports++;
	if (p->vip == s->vip_hint)
		s->vip_hint++;
	{
		vf__ipstr a;
		vf__macstr m;

		vf_dbg(f, "port '%s' created on subnet '%s': VIP %s VMAC %s",
		       p->entry.name, s->entry.name, vf__ip_str(a, p->vip),
		       vf__mac_str(m, &p->vmac));
	}
	*out = p;
	return 0;
fail:
	free(p);
	return err;
}

void vf_port_destroy(vf_port *p)
{
	vf__obj_destroy(p ? &p->obj : NULL);
}

void vf__port_remove(vf_port *p)
{
	vf_subnet *s = p->subnet;
	vf_cell *c = s->cell;
	vf_fabric *f = c->fabric;

	vf__runtime_port_removed(p);
	vf__reg_remove(&s->ports, &p->entry);
	vf__hmap_del(&f->port_by_name, vf__hash_str(p->entry.name), p);
	vf__hmap_del(&c->port_by_vip, vf__hash_u64(p->vip), p);
	vf__hmap_del(&c->port_by_vmac, vf__hash_u64(vf__mac_key(&p->vmac)), p);
	f->nports--;
	c->nports--;
	if (p->vip >= s->dhcp_start && p->vip < s->vip_hint)
		s->vip_hint = p->vip;
	p->nsecgroups = 0;
	p->obj.removed = true;
}

vf_subnet *vf_port_subnet(const vf_port *p)
{
	return p ? p->subnet : NULL;
}

vf_cell *vf_port_cell(const vf_port *p)
{
	return p ? p->subnet->cell : NULL;
}

uint32_t vf_port_id(const vf_port *p)
{
	return p ? p->entry.id : 0;
}

const char *vf_port_name(const vf_port *p)
{
	return p ? p->entry.name : NULL;
}

uint32_t vf_port_vip(const vf_port *p)
{
	return p ? p->vip : 0;
}

vf_mac vf_port_vmac(const vf_port *p)
{
	vf_mac zero = {{0}};

	return p ? p->vmac : zero;
}

bool vf_port_admin_up(const vf_port *p)
{
	return p && p->admin_up;
}

int vf_port_set_admin_up(vf_port *p, bool up)
{
	int err;

	if ((err = vf__obj_check(p ? &p->obj : NULL, "vf_port_set_admin_up")) < 0)
		return err;
	p->admin_up = up;
	vf__touch(&p->obj);
	return 0;
}

static int check_dir(vf_direction dir)
{
	if ((unsigned int)dir > VF_DIR_EGRESS)
		return vf__fail(NULL, -EINVAL, "direction %d is not a vf_direction", dir);
	return 0;
}

int vf_port_set_qos(vf_port *p, vf_direction dir, uint64_t rate_bps, uint32_t burst)
{
	int err;

	if ((err = vf__obj_check(p ? &p->obj : NULL, "vf_port_set_qos")) < 0 ||
	    (err = check_dir(dir)) < 0)
		return err;
	if (!rate_bps) {
		burst = 0;
	} else if (!burst) {
		uint64_t b = rate_bps / 80;

		burst = b < BURST_MIN	 ? BURST_MIN
			: b > UINT32_MAX ? UINT32_MAX
					 : (uint32_t)b;
	} else if (burst < BURST_MIN) {
		return vf__fail(
			p->subnet->cell->fabric, -EINVAL,
			"burst %u bytes on port '%s' is under %u (one full frame)", burst,
			p->entry.name, BURST_MIN);
	}
	p->qos[dir].rate_bps = rate_bps;
	p->qos[dir].burst_bytes = burst;
	/* workers take from it: under its lock (qos.c) */
	vf__bucket_set(&p->rt.bucket[dir], rate_bps, burst,
		       vf__now_ns(p->subnet->cell->fabric));
	vf__touch(&p->obj);
	return 0;
}

int vf_port_qos(const vf_port *p, vf_direction dir, uint64_t *rate_bps, uint32_t *burst)
{
	int err;

	if (!p || !rate_bps || !burst)
		return vf__fail(NULL, -EINVAL, "vf_port_qos: NULL argument");
	if ((err = check_dir(dir)) < 0)
		return err;
	*rate_bps = p->qos[dir].rate_bps;
	*burst = p->qos[dir].burst_bytes;
	return 0;
}

static int secgroup_index(const vf_port *p, const vf_secgroup *g)
{
	for (size_t i = 0; i < p->nsecgroups; i++)
		if (p->secgroups[i] == g)
			return (int)i;
	return -1;
}

int vf_port_add_secgroup(vf_port *p, vf_secgroup *g)
{
	const vf_fabric *f;
	int err;

	if ((err = vf__obj_check(p ? &p->obj : NULL, "vf_port_add_secgroup")) < 0 ||
	    (err = vf__obj_check(g ? &g->obj : NULL, "vf_port_add_secgroup")) < 0)
		return err;
	f = p->subnet->cell->fabric;
	if (g->cell != p->subnet->cell)
		return vf__fail(f, -EINVAL,
				"security group '%s' is of cell '%s', port '%s' of "
				"cell '%s'",
				g->entry.name, g->cell->entry.name, p->entry.name,
				p->subnet->cell->entry.name);
	if (secgroup_index(p, g) >= 0)
		return vf__fail(f, -EEXIST, "port '%s' has security group '%s' already",
				p->entry.name, g->entry.name);
	if (p->nsecgroups >= VF_PORT_SECGROUPS_MAX)
		return vf__fail(f, -ENOSPC,
				"port '%s' has %d security groups, the most it may",
				p->entry.name, VF_PORT_SECGROUPS_MAX);
	p->secgroups[p->nsecgroups++] = g;
	vf__pipe_rules_changed(f, p);
	vf__touch(&p->obj);
	return 0;
}

void vf__port_drop_secgroup(vf_port *p, const vf_secgroup *g)
{
	int i = secgroup_index(p, g);

	if (i < 0)
		return;
	memmove(&p->secgroups[i], &p->secgroups[i + 1],
		(p->nsecgroups - (size_t)i - 1) * sizeof(p->secgroups[0]));
	p->nsecgroups--;
}

int vf_port_del_secgroup(vf_port *p, vf_secgroup *g)
{
	int err;

	if ((err = vf__obj_check(p ? &p->obj : NULL, "vf_port_del_secgroup")) < 0)
		return err;
	if (!g || secgroup_index(p, g) < 0)
		return vf__fail(p->subnet->cell->fabric, -ENOENT,
				"port '%s' does not have security group '%s'",
				p->entry.name, g ? g->entry.name : "(null)");
	vf__port_drop_secgroup(p, g);
	vf__pipe_rules_changed(p->subnet->cell->fabric, p);
	vf__touch(&p->obj);
	return 0;
}

size_t vf_port_secgroup_count(const vf_port *p)
{
	return p ? p->nsecgroups : 0;
}

vf_secgroup *vf_port_secgroup_at(const vf_port *p, size_t i)
{
	return p && i < p->nsecgroups ? p->secgroups[i] : NULL;
}

VF__USER_DATA_ACCESSORS(port)
