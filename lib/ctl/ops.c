/*
 * What the control server executes for each request, through the public
 * API, so a request does exactly what the in-process call does; and the
 * JSON its answers are written in.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vfabric/datapath.h>

#include "ctl/ctl.h"

/* ---- JSON writing ---- */

struct json {
	struct vf__ctl_out *o;
	bool comma; /* a value precedes at this level */
	bool oom;
};

static void j_raw(struct json *j, const char *s, size_t n)
{
	struct vf__ctl_out *o = j->o;

	if (j->oom)
		return;
	if (n + 1 > o->cap - o->len) {
		size_t cap = o->cap ? o->cap : 1024;
		uint8_t *p;

		while (cap - o->len < n + 1)
			cap *= 2;
		if (!(p = realloc(o->p, cap))) {
			j->oom = true;
			return;
		}
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = 0;
}

static void j_sep(struct json *j)
{
	if (j->comma)
		j_raw(j, ",", 1);
	j->comma = true;
}

static void j_open(struct json *j, char c)
{
	j_sep(j);
	j_raw(j, &c, 1);
	j->comma = false;
}

static void j_close(struct json *j, char c)
{
	j_raw(j, &c, 1);
	j->comma = true;
}

/* A JSON string: quotes, backslashes and control bytes escaped. */
static void j_text(struct json *j, const char *s)
{
	j_raw(j, "\"", 1);
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		char esc[8];

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			j_raw(j, esc, 2);
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			j_raw(j, esc, 6);
		} else {
			j_raw(j, p, 1);
		}
	}
	j_raw(j, "\"", 1);
}

static void j_key(struct json *j, const char *k)
{
	j_sep(j);
	j_text(j, k);
	j_raw(j, ":", 1);
	j->comma = false;
}

static void j_str(struct json *j, const char *k, const char *v)
{
	if (k)
		j_key(j, k);
	j_sep(j);
	if (v)
		j_text(j, v);
	else
		j_raw(j, "null", 4);
}

static void j_u64(struct json *j, const char *k, uint64_t v)
{
	char buf[24];

	if (k)
		j_key(j, k);
	j_sep(j);
	j_raw(j, buf, (size_t)snprintf(buf, sizeof(buf), "%" PRIu64, v));
}

static void j_bool(struct json *j, const char *k, bool v)
{
	j_key(j, k);
	j_sep(j);
	j_raw(j, v ? "true" : "false", v ? 4 : 5);
}

static void j_ip(struct json *j, const char *k, uint32_t a)
{
	vf__ipstr s;

	j_str(j, k, vf__ip_str(s, a));
}

static void j_mac(struct json *j, const char *k, const vf_mac *m)
{
	vf__macstr s;

	j_str(j, k, vf__mac_str(s, m));
}

static int j_done(struct json *j, const vf_fabric *f)
{
	return j->oom ? vf__fail(f, -ENOMEM, "no memory for a control response") : 0;
}

/* ---- the objects ---- */

static void port_json(struct json *j, const vf_port *p)
{
	vf_mac m = vf_port_vmac(p);

	j_open(j, '{');
	j_u64(j, "id", vf_port_id(p));
	j_str(j, "name", vf_port_name(p));
	j_str(j, "cell", vf_cell_name(vf_port_cell(p)));
	j_str(j, "subnet", vf_subnet_name(vf_port_subnet(p)));
	j_ip(j, "vip", vf_port_vip(p));
	j_mac(j, "vmac", &m);
	j_bool(j, "admin_up", vf_port_admin_up(p));
	j_bool(j, "link_up", vf_port_link_up(p));
	j_str(j, "datapath", vf_port_datapath(p));
	j_str(j, "ifname", vf_port_ifname(p));
	j_close(j, '}');
}

static void subnet_json(struct json *j, const vf_subnet *s)
{
	vf__pfxstr pfx;

	j_open(j, '{');
	j_u64(j, "id", vf_subnet_id(s));
	j_str(j, "name", vf_subnet_name(s));
	j_str(j, "kind", vf_subnet_kind_of(s) == VF_SUBNET_LINK ? "link" : "lan");
	j_str(j, "prefix", vf__pfx_str(pfx, vf_subnet_prefix(s)));
	j_ip(j, "gateway", vf_subnet_gateway(s));
	j_u64(j, "mtu", vf_subnet_mtu(s));
	j_key(j, "ports");
	j_open(j, '[');
	for (vf_port *p = vf_subnet_next_port(s, NULL); p; p = vf_subnet_next_port(s, p))
		port_json(j, p);
	j_close(j, ']');
	j_close(j, '}');
}

static void cell_json(struct json *j, const vf_cell *c)
{
	const vf_router *r = vf_cell_router(c);

	j_open(j, '{');
	j_u64(j, "id", vf_cell_id(c));
	j_str(j, "name", vf_cell_name(c));
	j_str(j, "owner", vf_cell_owner(c));
	j_u64(j, "vni", vf_cell_vni(c));
	j_key(j, "subnets");
	j_open(j, '[');
	for (vf_subnet *s = vf_cell_next_subnet(c, NULL); s;
	     s = vf_cell_next_subnet(c, s))
		subnet_json(j, s);
	j_close(j, ']');
	j_key(j, "router");
	if (r) {
		j_open(j, '{');
		j_str(j, "name", vf_router_name(r));
		j_key(j, "subnets");
		j_open(j, '[');
		for (vf_subnet *s = vf_router_next_subnet(r, NULL); s;
		     s = vf_router_next_subnet(r, s))
			j_str(j, NULL, vf_subnet_name(s));
		j_close(j, ']');
		j_close(j, '}');
	} else {
		j_str(j, NULL, NULL);
	}
	j_key(j, "secgroups");
	j_open(j, '[');
	for (vf_secgroup *g = vf_cell_next_secgroup(c, NULL); g;
	     g = vf_cell_next_secgroup(c, g))
		j_str(j, NULL, vf_secgroup_name(g));
	j_close(j, ']');
	j_key(j, "policies");
	j_open(j, '[');
	for (vf_policy *p = vf_cell_next_policy(c, NULL); p;
	     p = vf_cell_next_policy(c, p))
		j_str(j, NULL, vf_policy_name(p));
	j_close(j, ']');
	j_close(j, '}');
}

static int op_list(vf_fabric *f, struct json *j)
{
	j_open(j, '{');
	j_str(j, "host", vf_fabric_host_name(f));
	j_key(j, "cells");
	j_open(j, '[');
	for (vf_cell *c = vf_fabric_next_cell(f, NULL); c; c = vf_fabric_next_cell(f, c))
		cell_json(j, c);
	j_close(j, ']');
	j_close(j, '}');
	return j_done(j, f);
}

static void drops_json(struct json *j, uint64_t (*get)(const void *, vf_drop_reason),
		       const void *obj)
{
	j_key(j, "drop");
	j_open(j, '{');
	for (int r = VF_DROP_NONE + 1; r < VF__DROP_COUNT; r++)
		j_u64(j, vf_drop_reason_name((vf_drop_reason)r),
		      get(obj, (vf_drop_reason)r));
	j_close(j, '}');
}

static uint64_t port_drops(const void *p, vf_drop_reason r)
{
	return vf_port_drops(p, r);
}

static uint64_t fabric_drops(const void *f, vf_drop_reason r)
{
	return vf_fabric_drops(f, r);
}

/* The port named @name, or -ENOENT naming it. */
static int find_port(vf_fabric *f, const char *name, vf_port **out)
{
	if (!(*out = vf_fabric_port_by_name(f, name)))
		return vf__fail(f, -ENOENT, "no port '%s' in fabric '%s'", name,
				vf_fabric_host_name(f));
	return 0;
}

static int op_counters(vf_fabric *f, const struct vf__ctl_req *r, struct json *j)
{
	int err;

	j_open(j, '{');
	if (r->port) {
		VF_OPTS(vf_port_stats, st, .rx_packets = 0);
		vf_port *p;

		if ((err = find_port(f, r->port, &p)) < 0 ||
		    (err = vf_port_stats_get(p, &st)) < 0)
			return err;
		j_str(j, "port", vf_port_name(p));
		j_u64(j, "rx_packets", st.rx_packets);
		j_u64(j, "rx_bytes", st.rx_bytes);
		j_u64(j, "tx_packets", st.tx_packets);
		j_u64(j, "tx_bytes", st.tx_bytes);
		j_u64(j, "drops", st.drops);
		drops_json(j, port_drops, p);
	} else {
		VF_OPTS(vf_ctl_stats, cs, .clients = 0);
		uint64_t total = 0;

		for (int d = VF_DROP_NONE + 1; d < VF__DROP_COUNT; d++)
			total += vf_fabric_drops(f, (vf_drop_reason)d);
		vf_fabric_ctl_stats(f, &cs);
		j_str(j, "host", vf_fabric_host_name(f));
		j_u64(j, "ports", vf_fabric_port_count(f));
		j_u64(j, "locations", vf_location_count(f));
		j_u64(j, "drops", total);
		drops_json(j, fabric_drops, f);
		j_key(j, "ctl");
		j_open(j, '{');
		j_u64(j, "clients", cs.clients);
		j_u64(j, "accepted", cs.accepted);
		j_u64(j, "refused", cs.refused);
		j_u64(j, "busy", cs.busy);
		j_u64(j, "requests", cs.requests);
		j_u64(j, "bad", cs.bad);
		j_u64(j, "timeouts", cs.timeouts);
		j_close(j, '}');
	}
	j_close(j, '}');
	return j_done(j, f);
}

static void location_json(struct json *j, const vf_location *l, bool local)
{
	j_open(j, '{');
	j_u64(j, "cell", l->cell_id);
	j_ip(j, "vip", l->vip);
	j_mac(j, "vmac", &l->vmac);
	j_u64(j, "subnet", l->subnet_id);
	j_mac(j, "host_mac", &l->host_mac);
	j_ip(j, "host_ip", l->host_ip);
	j_u64(j, "version", l->version);
	j_bool(j, "local", local);
	j_close(j, '}');
}

/* This host's ports (local: true), then other hosts' VMs as the location
 * table has them (vf_location_next). */
static int op_locations(vf_fabric *f, struct json *j)
{
	VF_OPTS(vf_location, l, .cell_id = 0);
	size_t cur = 0;

	j_open(j, '[');
	for (vf_cell *c = vf_fabric_next_cell(f, NULL); c; c = vf_fabric_next_cell(f, c))
		for (vf_subnet *s = vf_cell_next_subnet(c, NULL); s;
		     s = vf_cell_next_subnet(c, s))
			for (vf_port *p = vf_subnet_next_port(s, NULL); p;
			     p = vf_subnet_next_port(s, p))
				if (!vf_location_get(f, vf_cell_id(c), vf_port_vip(p),
						     &l))
					location_json(j, &l, true);
	while (vf_location_next(f, &cur, &l) > 0)
		location_json(j, &l, false);
	j_close(j, ']');
	return j_done(j, f);
}

/* Gossip's state and its members as vf_gossip_member_get() has them
 * (this host first). */
static int op_members(vf_fabric *f, struct json *j)
{
	static const char *const status[] = {"stopped", "running", "leaving", "left"};
	static const char *const state[] = {"alive", "suspect", "failed", "left"};
	vf_gossip_status st = vf_gossip_status_get(f);
	int n = vf_gossip_member_count(f);

	j_open(j, '{');
	j_str(j, "status", (unsigned int)st < 4 ? status[st] : "unknown");
	j_key(j, "members");
	j_open(j, '[');
	for (int i = 0; i < n; i++) {
		VF_OPTS(vf_gossip_member, m, .name = NULL);

		if (vf_gossip_member_get(f, (size_t)i, &m) < 0)
			continue;
		j_open(j, '{');
		j_str(j, "name", m.name);
		j_str(j, "addr", m.addr);
		j_u64(j, "port", m.port);
		j_str(j, "state", (unsigned int)m.state < 4 ? state[m.state] : "unknown");
		j_u64(j, "incarnation", m.incarnation);
		j_bool(j, "self", m.self);
		j_key(j, "tags");
		j_open(j, '{');
		for (uint32_t t = 0; t < m.ntags; t++)
			j_str(j, m.tags[t].key, m.tags[t].value);
		j_close(j, '}');
		j_close(j, '}');
	}
	j_close(j, ']');
	j_close(j, '}');
	return j_done(j, f);
}

/* ---- changes ---- */

/* Keeps the creation reference of a port made through the socket. */
static int own(vf_fabric *f, vf_port *p)
{
	struct vf__ctl *ctl = f->ctl;
	size_t k = 0;

	if (!ctl && !(ctl = f->ctl = calloc(1, sizeof(*ctl))))
		return -ENOMEM;

	/* forget ports removed since (with their subnet, say) */
	for (size_t i = 0; i < ctl->nowned; i++) {
		if (ctl->owned[i]->obj.removed)
			vf_port_destroy(ctl->owned[i]);
		else
			ctl->owned[k++] = ctl->owned[i];
	}
	ctl->nowned = k;
	if (ctl->nowned == ctl->capowned) {
		size_t cap = ctl->capowned ? 2 * ctl->capowned : 16;
		vf_port **n = realloc(ctl->owned, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		ctl->owned = n;
		ctl->capowned = cap;
	}
	ctl->owned[ctl->nowned++] = p;
	return 0;
}

static int op_attach(vf_fabric *f, const struct vf__ctl_req *r, struct json *j)
{
	VF_OPTS(vf_port_opts, po, .name = r->port, .id = r->id, .vip = r->vip,
		.flags = r->flags);
	vf_cell *c;
	vf_subnet *s;
	vf_port *p;
	int err;

	if (!(c = vf_fabric_cell_by_name(f, r->cell)))
		return vf__fail(f, -ENOENT, "no cell '%s' in fabric '%s'", r->cell,
				vf_fabric_host_name(f));
	if (!(s = vf_cell_subnet_by_name(c, r->subnet)))
		return vf__fail(f, -ENOENT, "no subnet '%s' in cell '%s'", r->subnet,
				r->cell);
	if (r->has_vmac)
		po.vmac = r->vmac;
	if ((err = vf_port_create(&p, s, &po)) < 0)
		return err;
	if (own(f, p) < 0) {
		vf_port_destroy(p);
		return vf__fail(f, -ENOMEM, "no memory for port '%s'", r->port);
	}
	if (r->has_bind) {
		VF_OPTS(vf_bind_opts, bo, .datapath = r->bind.datapath,
			.ifname = r->bind.ifname, .flags = r->bind.flags,
			.peer = r->bind.peer, .netns = r->bind.netns);
		char msg[512];

		if ((err = vf_port_bind(p, &bo)) < 0) {
			/* nothing half-done: the port goes again, and the
			 * caller sees the bind's own message */
			snprintf(msg, sizeof(msg), "%s", vf_last_error());
			f->ctl->nowned--;
			vf_port_destroy(p);
			return vf__fail(f, err, "%s", msg);
		}
	}
	port_json(j, p);
	if ((err = j_done(j, f)) < 0) {
		/* no answer, no port: the caller would not know it exists */
		f->ctl->nowned--;
		vf_port_destroy(p);
		return err;
	}
	return 0;
}

static int op_detach(vf_fabric *f, const struct vf__ctl_req *r)
{
	struct vf__ctl *ctl = f->ctl;
	vf_port *p;
	int err;

	if ((err = find_port(f, r->port, &p)) < 0)
		return err;
	if (vf_port_datapath(p) && (err = vf_port_unbind(p)) < 0 && err != -ENOTCONN)
		return err;
	for (size_t i = 0; ctl && i < ctl->nowned; i++)
		if (ctl->owned[i] == p) {
			ctl->owned[i] = ctl->owned[--ctl->nowned];
			vf_port_destroy(p);
			return 0;
		}
	/* A port the host created: it leaves the model as if removed with its
	 * parent; the host's handle stays valid and answers -ENOENT. */
	vf__touch(&p->obj);
	vf__port_remove(p);
	return 0;
}

int vf__ctl_exec(vf_fabric *f, const struct vf__ctl_req *r, struct vf__ctl_out *data)
{
	struct json j = {.o = data};
	char *text;
	int rc;

	switch (r->op) {
	case VF__CTL_HELLO:
		j_open(&j, '{');
		j_str(&j, "host", vf_fabric_host_name(f));
		j_str(&j, "version", vf_version_string());
		j_u64(&j, "protocol", VF__CTL_VERSION);
		j_close(&j, '}');
		return j_done(&j, f);
	case VF__CTL_ATTACH: return op_attach(f, r, &j);
	case VF__CTL_DETACH: return op_detach(f, r);
	case VF__CTL_LIST: return op_list(f, &j);
	case VF__CTL_COUNTERS: return op_counters(f, r, &j);
	case VF__CTL_LOCATIONS: return op_locations(f, &j);
	case VF__CTL_MEMBERS: return op_members(f, &j);
	case VF__CTL_TRACE: {
		vf_port *p = NULL;

		if (r->port && (rc = find_port(f, r->port, &p)) < 0)
			return rc;
		rc = vf_trace(f, p, r->frame, r->frame_len, &text);
		if (rc < 0)
			return rc;
		j_raw(&j, text, strlen(text));
		vf_free(text);
		return j.oom ? j_done(&j, f) : rc;
	}
	}
	return vf__fail(f, -EOPNOTSUPP, "unknown control operation %d", (int)r->op);
}
