/* Security groups with their rules, and inter-cell admission policies. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

int vf__match_check(const vf_fabric *f, uint8_t protocol, uint16_t port_min,
		    uint16_t port_max, const char *what)
{
	bool ports = protocol == VF_PROTO_TCP || protocol == VF_PROTO_UDP;

	if (!port_min && !port_max)
		return 0;
	if (!ports)
		return vf__fail(f, -EINVAL,
				"%s: ports %u-%u given for protocol %u (only TCP "
				"and UDP have ports)",
				what, port_min, port_max, protocol);
	if (port_min > port_max)
		return vf__fail(f, -EINVAL, "%s: port range %u-%u is inverted", what,
				port_min, port_max);
	return 0;
}

/* ---- security groups ---- */

/* The group's rules changed: its ports' connections are judged again. */
static void group_changed(vf_secgroup *g)
{
	vf_cell *c = g->cell;

	for (vf_subnet *s = vf_cell_next_subnet(c, NULL); s; s = vf_cell_next_subnet(c, s))
		for (vf_port *p = vf_subnet_next_port(s, NULL); p; p = vf_subnet_next_port(s, p))
			for (size_t i = 0; i < p->nsecgroups; i++)
				if (p->secgroups[i] == g)
					vf__pipe_rules_changed(c->fabric, p);
}

int vf_secgroup_create(vf_secgroup **out, vf_cell *c, const vf_secgroup_opts *user_opts)
{
	vf_secgroup_opts o;
	vf_secgroup *g;
	int err;

	if (!out)
		return vf__fail(NULL, -EINVAL, "vf_secgroup_create: NULL out");
	*out = NULL;
	if ((err = vf__obj_check(c ? &c->obj : NULL, "vf_secgroup_create")) < 0 ||
	    (err = VF__OPTS_LOAD(&o, user_opts, vf_secgroup_opts)) < 0)
		return err;
	if (!(g = calloc(1, sizeof(*g))))
		return vf__fail(c->fabric, -ENOMEM, "no memory for a security group");
	if ((err = vf__reg_prepare(&c->secgroups, c->fabric, &g->entry, o.id, o.name,
				   "secgroup", "security group", &c->obj)) < 0) {
		free(g);
		return err;
	}
	vf__obj_init(&g->obj, VF__SECGROUP, &c->obj);
	g->cell = c;
	g->next_rule_id = 1;
	vf__reg_insert(&c->secgroups, &g->entry);
	*out = g;
	return 0;
}

void vf_secgroup_destroy(vf_secgroup *g)
{
	vf__obj_destroy(g ? &g->obj : NULL);
}

void vf__secgroup_remove(vf_secgroup *g)
{
	vf_cell *c = g->cell;

	group_changed(g);
	for (vf_subnet *s = vf_cell_next_subnet(c, NULL); s;
	     s = vf_cell_next_subnet(c, s))
		for (vf_port *p = vf_subnet_next_port(s, NULL); p;
		     p = vf_subnet_next_port(s, p))
			vf__port_drop_secgroup(p, g);
	vf__reg_remove(&c->secgroups, &g->entry);
	g->obj.removed = true;
}

void vf__secgroup_free(vf_secgroup *g)
{
	free(g->rules);
}

vf_cell *vf_secgroup_cell(const vf_secgroup *g)
{
	return g ? g->cell : NULL;
}

uint32_t vf_secgroup_id(const vf_secgroup *g)
{
	return g ? g->entry.id : 0;
}

const char *vf_secgroup_name(const vf_secgroup *g)
{
	return g ? g->entry.name : NULL;
}

static bool rule_eq(const vf_rule *a, const vf_rule *b)
{
	return a->direction == b->direction && a->remote.addr == b->remote.addr &&
	       a->remote.len == b->remote.len && a->protocol == b->protocol &&
	       a->port_min == b->port_min && a->port_max == b->port_max;
}

int vf_secgroup_add_rule(vf_secgroup *g, const vf_rule *user_rule)
{
	const vf_fabric *f;
	vf_rule r;
	int err;

	if ((err = vf__obj_check(g ? &g->obj : NULL, "vf_secgroup_add_rule")) < 0)
		return err;
	f = g->cell->fabric;
	if (!user_rule)
		return vf__fail(f, -EINVAL, "vf_secgroup_add_rule: NULL rule");
	if ((err = VF__OPTS_LOAD(&r, user_rule, vf_rule)) < 0)
		return err;
	if ((unsigned int)r.direction > VF_DIR_EGRESS)
		return vf__fail(f, -EINVAL, "rule direction %d is not a vf_direction",
				r.direction);
	if ((err = vf__prefix_check(f, r.remote, "rule remote prefix")) < 0 ||
	    (err = vf__match_check(f, r.protocol, r.port_min, r.port_max, "rule")) < 0)
		return err;
	memset(r.remote.reserved_, 0, sizeof(r.remote.reserved_));
	for (size_t i = 0; i < g->nrules; i++)
		if (rule_eq(&g->rules[i].rule, &r))
			return vf__fail(f, -EEXIST,
					"security group '%s' has this rule already "
					"(id %u)",
					g->entry.name, g->rules[i].id);
	if (g->nrules >= VF_SECGROUP_RULES_MAX)
		return vf__fail(f, -ENOSPC,
				"security group '%s' has %d rules, the most it holds",
				g->entry.name, VF_SECGROUP_RULES_MAX);
	if (g->nrules == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 8;
		struct vf__rule *rules = realloc(g->rules, cap * sizeof(*rules));

		if (!rules)
			return vf__fail(f, -ENOMEM, "no memory for a rule");
		g->rules = rules;
		g->cap = cap;
	}
	if (g->next_rule_id > INT32_MAX)
		return vf__fail(f, -ENOSPC,
				"security group '%s' has used up its rule ids",
				g->entry.name);
	g->rules[g->nrules].id = g->next_rule_id++;
	g->rules[g->nrules].rule = r;
	group_changed(g);
	vf__touch(&g->obj);
	return (int)g->rules[g->nrules++].id;
}

int vf_secgroup_del_rule(vf_secgroup *g, uint32_t id)
{
	int err;

	if ((err = vf__obj_check(g ? &g->obj : NULL, "vf_secgroup_del_rule")) < 0)
		return err;
	for (size_t i = 0; i < g->nrules; i++) {
		if (g->rules[i].id != id)
			continue;
		memmove(&g->rules[i], &g->rules[i + 1],
			(g->nrules - i - 1) * sizeof(*g->rules));
		g->nrules--;
		group_changed(g);
		vf__touch(&g->obj);
		return 0;
	}
	return vf__fail(g->cell->fabric, -ENOENT, "security group '%s' has no rule %u",
			g->entry.name, id);
}

size_t vf_secgroup_rule_count(const vf_secgroup *g)
{
	return g ? g->nrules : 0;
}

int vf_secgroup_rule(const vf_secgroup *g, size_t index, vf_rule *out)
{
	int err;

	if (!g || !out)
		return vf__fail(NULL, -EINVAL, "vf_secgroup_rule: NULL argument");
	if (index >= g->nrules)
		return vf__fail(NULL, -ENOENT,
				"security group '%s' has no rule at %zu (it has "
				"%zu)",
				g->entry.name, index, g->nrules);
	if ((err = vf__copy_out(out, &g->rules[index].rule, sizeof(vf_rule), "vf_rule")) < 0)
		return err;
	return (int)g->rules[index].id;
}

VF__USER_DATA_ACCESSORS(secgroup)

/* ---- policies ---- */

int vf_policy_create(vf_policy **out, vf_cell *c, const vf_policy_opts *user_opts)
{
	vf_policy_opts o;
	vf_policy *pol;
	const vf_fabric *f;
	int err;

	if (!out)
		return vf__fail(NULL, -EINVAL, "vf_policy_create: NULL out");
	*out = NULL;
	if ((err = vf__obj_check(c ? &c->obj : NULL, "vf_policy_create")) < 0 ||
	    (err = VF__OPTS_LOAD(&o, user_opts, vf_policy_opts)) < 0)
		return err;
	f = c->fabric;
	if (!o.src_cell)
		return vf__fail(f, -EINVAL, "policy of cell '%s' names no source cell",
				c->entry.name);
	if (o.src_cell == c->entry.id)
		return vf__fail(f, -EINVAL,
				"policy source cell %u is cell '%s' itself: traffic "
				"inside a cell follows its intra-cell verdict",
				o.src_cell, c->entry.name);
	if (!vf_fabric_cell_by_id(f, o.src_cell))
		return vf__fail(f, -ENOENT, "policy source cell %u does not exist",
				o.src_cell);
	if ((err = vf__prefix_check(f, o.src, "policy source prefix")) < 0 ||
	    (err = vf__prefix_check(f, o.dst, "policy destination prefix")) < 0 ||
	    (err = vf__match_check(f, o.protocol, o.port_min, o.port_max, "policy")) < 0)
		return err;
	if (!(pol = calloc(1, sizeof(*pol))))
		return vf__fail(f, -ENOMEM, "no memory for a policy");
	if ((err = vf__reg_prepare(&c->policies, f, &pol->entry, o.id, o.name, "policy",
				   "policy", &c->obj)) < 0) {
		free(pol);
		return err;
	}
	vf__obj_init(&pol->obj, VF__POLICY, &c->obj);
	pol->cell = c;
	pol->match = o;
	pol->match.name = NULL;
	memset(pol->match.src.reserved_, 0, sizeof(pol->match.src.reserved_));
	memset(pol->match.dst.reserved_, 0, sizeof(pol->match.dst.reserved_));
	vf__reg_insert(&c->policies, &pol->entry);
	vf__pipe_rules_changed(c->fabric, NULL);
	*out = pol;
	return 0;
}

void vf_policy_destroy(vf_policy *pol)
{
	vf__obj_destroy(pol ? &pol->obj : NULL);
}

void vf__policy_remove(vf_policy *pol)
{
	vf__reg_remove(&pol->cell->policies, &pol->entry);
	vf__pipe_rules_changed(pol->cell->fabric, NULL);
	pol->obj.removed = true;
}

vf_cell *vf_policy_cell(const vf_policy *pol)
{
	return pol ? pol->cell : NULL;
}

uint32_t vf_policy_id(const vf_policy *pol)
{
	return pol ? pol->entry.id : 0;
}

const char *vf_policy_name(const vf_policy *pol)
{
	return pol ? pol->entry.name : NULL;
}

int vf_policy_get(const vf_policy *pol, vf_policy_opts *out)
{
	vf_policy_opts o;
	int err;

	if (!pol || !out)
		return vf__fail(NULL, -EINVAL, "vf_policy_get: NULL argument");
	o = pol->match;
	o.id = pol->entry.id;
	o.name = pol->entry.name;
	if ((err = vf__copy_out(out, &o, sizeof(o), "vf_policy_opts")) < 0)
		return err;
	return 0;
}

VF__USER_DATA_ACCESSORS(policy)
