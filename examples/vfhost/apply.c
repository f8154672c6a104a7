/*
 * apply.c: builds a configuration's objects on a fabric (apply.h). Every
 * object it creates is kept in arrays parallel to the configuration's, so
 * that a failure, a reload or the end can remove exactly those.
 */
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"

struct model {
	vf_fabric *f;
	struct cfg *c;
	vf_cell **cells;
	vf_subnet **subnets;
	vf_router **routers;
	vf_secgroup **secgroups;
	vf_policy **policies;
	vf_port **ports;
	bool *located; /* per location: set on the fabric */
};

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
	if (line)
		snprintf(err, errlen, "%s:%u: %s", c->file, line, msg);
	else
		snprintf(err, errlen, "%s: %s", c->file, msg);
	return -1;
}

/* The library's refusal, at the section that caused it. */
static int refused(const struct cfg *c, unsigned int line, char *err, size_t errlen,
		   const char *what, int rc)
{
	const char *msg = vf_last_error();

	return bad(c, line, err, errlen, "%s: %s", what, msg[0] ? msg : vf_strerror(rc));
}

static void *array(size_t n, size_t size)
{
	return calloc(n ? n : 1, size);
}

static void release(struct model *m);

static void free_arrays(struct model *m)
{
	free(m->cells);
	free(m->subnets);
	free(m->routers);
	free(m->secgroups);
	free(m->policies);
	free(m->ports);
	free(m->located);
	free(m);
}

static struct model *model_new(vf_fabric *f, struct cfg *c)
{
	struct model *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->f = f;
	m->c = c;
	m->cells = array(c->ncells, sizeof(*m->cells));
	m->subnets = array(c->nsubnets, sizeof(*m->subnets));
	m->routers = array(c->nrouters, sizeof(*m->routers));
	m->secgroups = array(c->nsecgroups, sizeof(*m->secgroups));
	m->policies = array(c->npolicies, sizeof(*m->policies));
	m->ports = array(c->nports, sizeof(*m->ports));
	m->located = array(c->nlocations, sizeof(*m->located));
	if (!m->cells || !m->subnets || !m->routers || !m->secgroups || !m->policies ||
	    !m->ports || !m->located) {
		release(m);
		return NULL;
	}
	return m;
}

static vf_cell *cell_of(const struct model *m, const char *name)
{
	const struct cfg_cell *cc = cfg_cell(m->c, name);

	return cc ? m->cells[cc - m->c->cells] : NULL;
}

static vf_subnet *subnet_of(const struct model *m, const char *cell, const char *name)
{
	const struct cfg_subnet *s = cfg_subnet(m->c, cell, name);

	return s ? m->subnets[s - m->c->subnets] : NULL;
}

static int build_cells(struct model *m, char *err, size_t errlen)
{
	const struct cfg *c = m->c;
	int rc;

	for (size_t i = 0; i < c->ncells; i++) {
		const struct cfg_cell *cc = &c->cells[i];
		VF_OPTS(vf_cell_opts, o, .id = cc->id, .name = cc->name,
			.owner = cc->owner, .intra_cell = cc->intra,
			.inter_cell = cc->inter, .vni = cc->vni);

		if ((rc = vf_cell_create(&m->cells[i], m->f, &o)) < 0)
			return refused(c, cc->h.line, err, errlen, "cell", rc);
	}
	for (size_t i = 0; i < c->nsubnets; i++) {
		const struct cfg_subnet *s = &c->subnets[i];
		VF_OPTS(vf_subnet_opts, o, .id = s->id, .name = s->name, .kind = s->kind,
			.prefix = s->prefix, .gateway = s->gateway,
			.dhcp_start = s->dhcp_start, .dhcp_end = s->dhcp_end,
			.lease_time = s->lease, .mtu = s->mtu, .dhcp = s->dhcp,
			.domain = s->domain[0] ? s->domain : NULL);

		memcpy(o.dns, s->dns, sizeof(o.dns));
		if ((rc = vf_subnet_create(&m->subnets[i], cell_of(m, s->cell), &o)) < 0)
			return refused(c, s->h.line, err, errlen, "subnet", rc);
	}
	return 0;
}

static int build_routers(struct model *m, char *err, size_t errlen)
{
	const struct cfg *c = m->c;
	int rc;

	for (size_t i = 0; i < c->nrouters; i++) {
		const struct cfg_router *r = &c->routers[i];
		VF_OPTS(vf_router_opts, o, .name = r->name[0] ? r->name : NULL);

		if ((rc = vf_router_create(&m->routers[i], cell_of(m, r->cell), &o)) < 0)
			return refused(c, r->h.line, err, errlen, "router", rc);
		for (size_t k = 0; k < r->nsubnets; k++)
			if ((rc = vf_router_attach(m->routers[i],
						   subnet_of(m, r->cell, r->subnets[k]),
						   NULL)) < 0)
				return refused(c, r->h.line, err, errlen, "router", rc);
		for (size_t k = 0; k < r->nroutes; k++)
			if ((rc = vf_router_add_route(m->routers[i], &r->routes[k].dest,
						      r->routes[k].via)) < 0)
				return refused(c, r->routes[k].line, err, errlen, "route",
					       rc);
	}
	return 0;
}

static int build_policy(struct model *m, char *err, size_t errlen)
{
	const struct cfg *c = m->c;
	int rc;

	for (size_t i = 0; i < c->nsecgroups; i++) {
		const struct cfg_secgroup *g = &c->secgroups[i];
		VF_OPTS(vf_secgroup_opts, o, .id = g->id, .name = g->name);

		if ((rc = vf_secgroup_create(&m->secgroups[i], cell_of(m, g->cell), &o)) <
		    0)
			return refused(c, g->h.line, err, errlen, "secgroup", rc);
		for (size_t k = 0; k < g->nrules; k++)
			if ((rc = vf_secgroup_add_rule(m->secgroups[i],
						       &g->rules[k].rule)) < 0)
				return refused(c, g->rules[k].line, err, errlen, "rule",
					       rc);
	}
	for (size_t i = 0; i < c->npolicies; i++) {
		const struct cfg_policy *p = &c->policies[i];
		vf_policy_opts o = p->opts;

		o.name = p->name;
		o.src_cell = vf_cell_id(cell_of(m, p->from));
		if ((rc = vf_policy_create(&m->policies[i], cell_of(m, p->cell), &o)) < 0)
			return refused(c, p->h.line, err, errlen, "policy", rc);
	}
	return 0;
}

/* Binds a port: an existing netdev by default; one to create that exists
 * already (as after a restart) is bound as it is. */
static int bind_port(struct model *m, vf_port *port, const struct cfg_port *p, char *err,
		     size_t errlen)
{
	VF_OPTS(vf_bind_opts, b, .datapath = p->datapath[0] ? p->datapath : "afpacket",
		.ifname = p->ifname[0] ? p->ifname : p->name,
		.peer = p->peer[0] ? p->peer : NULL,
		.netns = p->netns[0] ? p->netns : NULL);
	int rc;

	b.flags = p->create == CFG_CREATE_TAP	 ? VF_BIND_F_CREATE_TAP
		  : p->create == CFG_CREATE_VETH ? VF_BIND_F_CREATE_VETH
						 : 0;
	rc = vf_port_bind(port, &b);
	/* only when the netdev itself is there (a peer name taken by
	 * another netdev is an error) */
	if (rc == -EEXIST && b.flags && if_nametoindex(b.ifname) != 0) {
		/* ours from before a restart: bind it, and still delete it
		 * when the port goes */
		b.flags = VF_BIND_F_OWN;
		b.peer = NULL;
		b.netns = NULL;
		rc = vf_port_bind(port, &b);
	}
	if (rc < 0)
		return refused(m->c, p->h.line, err, errlen, "bind", rc);
	return 0;
}

static int build_port(struct model *m, size_t i, bool bind, char *err, size_t errlen)
{
	const struct cfg_port *p = &m->c->ports[i];
	VF_OPTS(vf_port_opts, o, .name = p->name, .id = p->id, .vip = p->vip,
		.vmac = p->vmac, .flags = p->admin_down ? VF_PORT_F_ADMIN_DOWN : 0);
	vf_cell *cell = cell_of(m, p->cell);
	vf_port *port;
	int rc;

	if ((rc = vf_port_create(&port, subnet_of(m, p->cell, p->subnet), &o)) < 0)
		return refused(m->c, p->h.line, err, errlen, "port", rc);
	m->ports[i] = port;
	for (size_t k = 0; k < p->nsecgroups; k++)
		if ((rc = vf_port_add_secgroup(
			     port, vf_cell_secgroup_by_name(cell, p->secgroups[k]))) < 0)
			return refused(m->c, p->h.line, err, errlen, "secgroups", rc);
	for (int d = 0; d < 2; d++)
		if (p->qos_rate[d] &&
		    (rc = vf_port_set_qos(port, (vf_direction)d, p->qos_rate[d],
					  p->qos_burst[d])) < 0)
			return refused(m->c, p->h.line, err, errlen, "qos", rc);
	if (bind && p->bind)
		return bind_port(m, port, p, err, errlen);
	return 0;
}

static int set_location(struct model *m, size_t i, char *err, size_t errlen)
{
	const struct cfg_location *l = &m->c->locations[i];
	vf_subnet *s = subnet_of(m, l->cell, l->subnet);
	VF_OPTS(vf_location, loc, .cell_id = vf_cell_id(cell_of(m, l->cell)),
		.vip = l->vip, .vmac = l->vmac, .subnet_id = vf_subnet_id(s),
		.host_mac = l->host_mac, .host_ip = l->host_ip);
	int rc;

	if ((rc = vf_location_set(m->f, &loc)) < 0)
		return refused(m->c, l->line, err, errlen, "remote", rc);
	m->located[i] = true;
	return 0;
}

static void unset_location(struct model *m, size_t i)
{
	const struct cfg_location *l = &m->c->locations[i];
	uint32_t cell = vf_cell_id(cell_of(m, l->cell));
	VF_OPTS(vf_location, now, .cell_id = 0);

	/* only if it is still ours: gossip may have replaced it (version > 0) */
	if (m->located[i] && vf_location_get(m->f, cell, l->vip, &now) == 0 &&
	    now.version == 0)
		vf_location_del(m->f, cell, l->vip);
	m->located[i] = false;
}

int model_build(struct model **out, vf_fabric *fabric, struct cfg *c, bool bind,
		char *err, size_t errlen)
{
	struct model *m = model_new(fabric, c);

	*out = NULL;
	if (!m)
		return bad(c, 0, err, errlen, "out of memory");
	if (build_cells(m, err, errlen) < 0 || build_routers(m, err, errlen) < 0 ||
	    build_policy(m, err, errlen) < 0)
		goto fail;
	for (size_t i = 0; i < c->nports; i++)
		if (build_port(m, i, bind, err, errlen) < 0)
			goto fail;
	for (size_t i = 0; i < c->nlocations; i++)
		if (set_location(m, i, err, errlen) < 0)
			goto fail;
	*out = m;
	return 0;
fail:
	release(m); /* the configuration is still the caller's */
	return -1;
}

int model_check(const struct cfg *c, char *err, size_t errlen)
{
	VF_OPTS(vf_fabric_opts, fo, .host_name = c->host.name[0] ? c->host.name : "check",
		.host_mac = c->host.mac, .host_ip = c->host.ip);
	struct model *m;
	vf_fabric *f;
	int rc;

	if ((rc = vf_fabric_create(&f, &fo)) < 0)
		return refused(c, c->host.h.line, err, errlen, "host", rc);
	/* the model is the caller's configuration, only borrowed */
	rc = model_build(&m, f, (struct cfg *)c, false, err, errlen);
	if (rc == 0)
		release(m);
	vf_fabric_destroy(f);
	return rc;
}

const struct cfg *model_cfg(const struct model *m)
{
	return m->c;
}

/* Removes the model's objects from its fabric (each destroy removes the
 * object, and what a bind created) and frees the model, but not its
 * configuration. */
static void release(struct model *m)
{
	const struct cfg *c = m->c;

	for (size_t i = 0; m->located && i < c->nlocations; i++)
		unset_location(m, i);
	for (size_t i = 0; m->ports && i < c->nports; i++)
		vf_port_destroy(m->ports[i]);
	for (size_t i = 0; m->policies && i < c->npolicies; i++)
		vf_policy_destroy(m->policies[i]);
	for (size_t i = 0; m->secgroups && i < c->nsecgroups; i++)
		vf_secgroup_destroy(m->secgroups[i]);
	for (size_t i = 0; m->routers && i < c->nrouters; i++)
		vf_router_destroy(m->routers[i]);
	for (size_t i = 0; m->subnets && i < c->nsubnets; i++)
		vf_subnet_destroy(m->subnets[i]);
	for (size_t i = 0; m->cells && i < c->ncells; i++)
		vf_cell_destroy(m->cells[i]);
	free_arrays(m);
}

void model_destroy(struct model *m)
{
	struct cfg *c;

	if (!m)
		return;
	c = m->c;
	release(m);
	cfg_free(c);
}

/* ---- reload ---- */

static bool same_text(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

/*
 * Sections other than ports and locations must be the same in both
 * configurations (same identity, same body). For each kind, @id gives
 * item i's identity, body and line, and @carry moves the handle of item i
 * of one model to item j of another.
 */
struct kind {
	const char *what;
	size_t (*count)(const struct cfg *c);
	void (*id)(const struct cfg *c, size_t i, char *buf, size_t len,
		   const char **canon, unsigned int *line);
	void (*carry)(struct model *to, size_t j, const struct model *from, size_t i);
};

#define KIND(NAME, T, ARR, N, FMT, ...)                                                \
	static size_t NAME##_count(const struct cfg *c)                                \
	{                                                                              \
		return c->N;                                                           \
	}                                                                              \
	static void NAME##_id(const struct cfg *c, size_t i, char *buf, size_t len,    \
			      const char **canon, unsigned int *line)                  \
	{                                                                              \
		const T *x = &c->ARR[i];                                               \
		snprintf(buf, len, FMT, __VA_ARGS__);                                  \
		*canon = x->h.canon;                                                   \
		*line = x->h.line;                                                     \
	}                                                                              \
	static void NAME##_carry(struct model *to, size_t j, const struct model *from, \
				 size_t i)                                             \
	{                                                                              \
		to->ARR[j] = from->ARR[i];                                             \
	}

KIND(cells, struct cfg_cell, cells, ncells, "[cell %s]", x->name)
KIND(subnets, struct cfg_subnet, subnets, nsubnets, "[subnet %s/%s]", x->cell, x->name)
KIND(routers, struct cfg_router, routers, nrouters, "[router %s]", x->cell)
KIND(secgroups, struct cfg_secgroup, secgroups, nsecgroups, "[secgroup %s/%s]", x->cell,
     x->name)
KIND(policies, struct cfg_policy, policies, npolicies, "[policy %s/%s]", x->cell, x->name)

static const struct kind kinds[] = {
	{"cell", cells_count, cells_id, cells_carry},
	{"subnet", subnets_count, subnets_id, subnets_carry},
	{"router", routers_count, routers_id, routers_carry},
	{"secgroup", secgroups_count, secgroups_id, secgroups_carry},
	{"policy", policies_count, policies_id, policies_carry},
};

#define RESTART \
	"a restart applies it (a reload adds and removes ports and remote locations)"

/* Checks that nothing but ports and locations changed, and carries the
 * handles of the unchanged sections over to @n. */
static int carry_sections(struct model *m, struct model *n, char *err, size_t errlen)
{
	const struct cfg *o = m->c, *c = n->c;

	if (!same_text(o->host.h.canon, c->host.h.canon))
		return bad(c, c->host.h.line, err, errlen, "[host] changed: " RESTART);
	if (!same_text(o->control.h.canon, c->control.h.canon))
		return bad(c, c->control.h.line, err, errlen,
			   "[control] changed: " RESTART);
	if (!same_text(o->gossip.h.canon, c->gossip.h.canon))
		return bad(c, c->gossip.h.line, err, errlen, "[gossip] %s: " RESTART,
			   !o->gossip.h.line   ? "is new"
			   : !c->gossip.h.line ? "is gone"
					       : "changed");
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		const struct kind *kd = &kinds[k];

		if (kd->count(o) > kd->count(c)) {
			/* find the one that is gone */
			for (size_t i = 0; i < kd->count(o); i++) {
				char a[2 * CFG_NAME + 16], b[2 * CFG_NAME + 16];
				const char *ca, *cb;
				unsigned int la, lb;
				bool found = false;

				kd->id(o, i, a, sizeof(a), &ca, &la);
				for (size_t j = 0; j < kd->count(c) && !found; j++) {
					kd->id(c, j, b, sizeof(b), &cb, &lb);
					found = !strcmp(a, b);
				}
				if (!found)
					return bad(c, 0, err, errlen,
						   "%s is gone: " RESTART, a);
			}
		}
		for (size_t j = 0; j < kd->count(c); j++) {
			char a[2 * CFG_NAME + 16], b[2 * CFG_NAME + 16];
			const char *ca, *cb;
			unsigned int la, lb;
			size_t i;

			kd->id(c, j, b, sizeof(b), &cb, &lb);
			for (i = 0; i < kd->count(o); i++) {
				kd->id(o, i, a, sizeof(a), &ca, &la);
				if (!strcmp(a, b))
					break;
			}
			if (i == kd->count(o))
				return bad(c, lb, err, errlen, "%s is new: " RESTART, b);
			if (!same_text(ca, cb))
				return bad(c, lb, err, errlen, "%s changed: " RESTART, b);
			kd->carry(n, j, m, i);
		}
	}
	return 0;
}

/* The reload's bookkeeping. */
struct delta {
	bool *old_kept;	    /* per old port: carried over */
	bool *new_made;	    /* per new port: created by this reload */
	int *loc_old;	    /* per new location: the old one it replaces, or -1 */
	bool *loc_set;	    /* per new location: set by this reload */
	bool *old_loc_kept; /* per old location: still there (same or replaced) */
};

static void delta_free(struct delta *d)
{
	free(d->old_kept);
	free(d->new_made);
	free(d->loc_old);
	free(d->loc_set);
	free(d->old_loc_kept);
}

static int carry_ports(struct model *m, struct model *n, struct delta *d, char *err,
		       size_t errlen)
{
	const struct cfg *o = m->c, *c = n->c;

	for (size_t j = 0; j < c->nports; j++) {
		const struct cfg_port *p = &c->ports[j], *q = cfg_port(o, p->name);

		if (!q)
			continue;
		if (!same_text(p->h.canon, q->h.canon))
			return bad(c, p->h.line, err, errlen,
				   "[port %s] changed: remove it in one reload and add "
				   "it in the "
				   "next",
				   p->name);
		n->ports[j] = m->ports[q - o->ports];
		d->old_kept[q - o->ports] = true;
	}
	for (size_t j = 0; j < c->nlocations; j++) {
		const struct cfg_location *l = &c->locations[j];
		const struct cfg_location *q = cfg_location(o, l->cell, l->vip);

		d->loc_old[j] = q ? (int)(q - o->locations) : -1;
		if (q) {
			d->old_loc_kept[q - o->locations] = true;
			n->located[j] = same_text(l->canon, q->canon);
		}
	}
	return 0;
}

/* Undoes what a failed reload made; @n keeps only borrowed handles. */
static void roll_back(struct model *m, struct model *n, struct delta *d)
{
	const struct cfg *c = n->c;
	char err[CFG_ERR];

	for (size_t j = 0; j < c->nports; j++)
		if (d->new_made[j])
			vf_port_destroy(n->ports[j]);
	for (size_t j = 0; j < c->nlocations; j++) {
		if (!d->loc_set[j])
			continue;
		if (d->loc_old[j] >= 0)
			set_location(m, (size_t)d->loc_old[j], err,
				     sizeof(err)); /* as it was */
		else
			unset_location(n, j);
	}
}

int model_reload(struct model *m, struct cfg *next, unsigned int *changes, char *err,
		 size_t errlen)
{
	const struct cfg *o = m->c;
	struct model *n;
	struct delta d = {0};
	int rc = -1;

	*changes = 0;
	if (model_check(next, err, errlen) < 0)
		return -1;
	if (!(n = model_new(m->f, next)))
		return bad(next, 0, err, errlen, "out of memory");
	d.old_kept = array(o->nports, sizeof(bool));
	d.new_made = array(next->nports, sizeof(bool));
	d.loc_old = array(next->nlocations, sizeof(int));
	d.loc_set = array(next->nlocations, sizeof(bool));
	d.old_loc_kept = array(o->nlocations, sizeof(bool));
	if (!d.old_kept || !d.new_made || !d.loc_old || !d.loc_set || !d.old_loc_kept) {
		bad(next, 0, err, errlen, "out of memory");
		goto out;
	}
	if (carry_sections(m, n, err, errlen) < 0 ||
	    carry_ports(m, n, &d, err, errlen) < 0)
		goto out;
	/* add first: a failure leaves what was there */
	for (size_t j = 0; j < next->nports; j++) {
		if (n->ports[j])
			continue;
		if (build_port(n, j, true, err, errlen) < 0) {
			d.new_made[j] = n->ports[j] != NULL;
			goto undo;
		}
		d.new_made[j] = true;
		++*changes;
	}
	for (size_t j = 0; j < next->nlocations; j++) {
		if (n->located[j])
			continue;
		if (set_location(n, j, err, errlen) < 0)
			goto undo;
		d.loc_set[j] = true;
		++*changes;
	}
	/* then remove what is gone */
	for (size_t i = 0; i < o->nports; i++)
		if (!d.old_kept[i]) {
			vf_port_destroy(m->ports[i]);
			++*changes;
		}
	for (size_t i = 0; i < o->nlocations; i++)
		if (!d.old_loc_kept[i]) {
			unset_location(m, i);
			++*changes;
		}
	/* @n is the model now */
	free(m->cells);
	free(m->subnets);
	free(m->routers);
	free(m->secgroups);
	free(m->policies);
	free(m->ports);
	free(m->located);
	cfg_free(m->c);
	*m = *n;
	free(n);
	n = NULL;
	rc = 0;
	goto out;
undo:
	roll_back(m, n, &d);
out:
	if (n)
		free_arrays(n); /* its handles are borrowed: not destroyed */
	delta_free(&d);
	return rc;
}
