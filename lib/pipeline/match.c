/*
 * Rule matching: security groups compiled into one flat array per
 * direction, and inter-cell policies compiled one match at a time.
 *
 * Rules only ever allow, so their order does not change the answer and we
 * may sort them. A direction's array is sorted by
 *   (protocol, has a port range, port_min, port_max, remote prefix),
 * which gives:
 * - the any-protocol rules first, then one run per protocol: a flow looks
 *   at the any-protocol run and at its own protocol's run (found by binary
 *   search), never at the others;
 * - inside a run, the rules without ports first (they are the only ones a
 *   flow without ports can match, so such a flow stops at the first ranged
 *   rule), then the ranged rules by rising port_min, so a scan stops at the
 *   first rule whose range starts above the flow's port;
 * - identical rules next to each other, so duplicates across groups are
 *   dropped.
 * Established connections skip this (conntrack), so it runs once per new
 * flow; tests/bench/bench_conntrack.c measures it with 1,000 rules.
 */
#include <errno.h>
#include <stdlib.h>

#include "core/internal.h"
#include "pipeline/match.h"

static bool ranged(const struct vf__match *m)
{
	return m->pmin || m->pmax;
}

static int cmp_u32(uint32_t a, uint32_t b)
{
	return (a > b) - (a < b);
}

static int cmp_match(const void *pa, const void *pb)
{
	const struct vf__match *a = pa, *b = pb;
	int c;

	if ((c = cmp_u32(a->proto, b->proto)) || (c = cmp_u32(ranged(a), ranged(b))) ||
	    (c = cmp_u32(a->pmin, b->pmin)) || (c = cmp_u32(a->pmax, b->pmax)) ||
	    (c = cmp_u32(a->rmask, b->rmask)) || (c = cmp_u32(a->rnet, b->rnet)) ||
	    (c = cmp_u32(a->lmask, b->lmask)))
		return c;
	return cmp_u32(a->lnet, b->lnet);
}

/* A security-group rule names only the remote end: the local prefix stays
 * 0/0, and vf__ruleset_allows() does not look at it. */
static void from_rule(struct vf__match *m, const vf_rule *r)
{
	m->rmask = vf__prefix_mask(r->remote.len);
	m->rnet = r->remote.addr & m->rmask;
	m->lnet = m->lmask = 0;
	m->proto = r->protocol;
	m->pmin = r->port_min;
	m->pmax = r->port_max;
}

/* Sorts @n matches and drops duplicates; returns how many are left. */
static size_t sort_unique(struct vf__match *m, size_t n)
{
	size_t k = 0;

	if (!n)
		return 0;
	qsort(m, n, sizeof(*m), cmp_match);
	for (size_t i = 1; i < n; i++)
		if (cmp_match(&m[k], &m[i]))
			m[++k] = m[i];
	return k + 1;
}

static void fill(struct vf__ruleset *rs, vf_secgroup *const *groups, size_t n)
{
	size_t at[2] = {0, 0};

	for (size_t i = 0; i < n; i++) {
		if (!groups[i])
			continue;
		for (size_t j = 0; j < groups[i]->nrules; j++) {
			const vf_rule *r = &groups[i]->rules[j].rule;
			int d = r->direction == VF_DIR_EGRESS;

			from_rule(&rs->rules[d][at[d]++], r);
		}
	}
	for (int d = 0; d < 2; d++)
		rs->nrules[d] = sort_unique(rs->rules[d], at[d]);
}

int vf__ruleset_from_secgroups(struct vf__ruleset *rs, vf_secgroup *const *groups,
			       size_t n)
{
	size_t count[2] = {0, 0};

	*rs = (struct vf__ruleset){0};
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; groups[i] && j < groups[i]->nrules; j++)
			count[groups[i]->rules[j].rule.direction == VF_DIR_EGRESS]++;
	for (int d = 0; d < 2; d++) {
		if (!count[d])
			continue;
		rs->rules[d] = malloc(count[d] * sizeof(*rs->rules[d]));
		if (!rs->rules[d]) {
			vf__ruleset_free(rs);
			return -ENOMEM;
		}
	}
	fill(rs, groups, n);
	return 0;
}

void vf__ruleset_free(struct vf__ruleset *rs)
{
	if (!rs)
		return;
	for (int d = 0; d < 2; d++) {
		free(rs->rules[d]);
		rs->rules[d] = NULL;
		rs->nrules[d] = 0;
	}
}

/* The first index in [lo, hi) of @m whose protocol is at least @proto. */
static size_t proto_start(const struct vf__match *m, size_t lo, size_t hi, uint8_t proto)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m[mid].proto < proto)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Scans one protocol's run [i, end) for a rule admitting remote address
 * @remote and flow @f: first the rules without ports, then, if the flow
 * has ports, the ranged ones up to the first that starts above its port.
 */
static bool scan_run(const struct vf__match *m, size_t i, size_t end, uint32_t remote,
		     const struct vf__flow *f)
{
	for (; i < end && !ranged(&m[i]); i++)
		if ((remote & m[i].rmask) == m[i].rnet)
			return true;
	if (!f->has_ports)
		return false;
	for (; i < end && f->dport >= m[i].pmin; i++)
		if (f->dport <= m[i].pmax && (remote & m[i].rmask) == m[i].rnet)
			return true;
	return false;
}

bool vf__ruleset_allows(const struct vf__ruleset *rs, vf_direction dir,
			const struct vf__flow *f)
{
	const struct vf__match *m;
	uint32_t remote;
	size_t n, any, lo, hi;

	if ((unsigned int)dir > VF_DIR_EGRESS || !rs->nrules[dir])
		return false;
	m = rs->rules[dir];
	n = rs->nrules[dir];
	remote = dir == VF_DIR_INGRESS ? f->src : f->dst;
	any = proto_start(m, 0, n, 1);
	if (scan_run(m, 0, any, remote, f))
		return true;
	lo = proto_start(m, any, n, f->proto);
	hi = f->proto == UINT8_MAX ? n : proto_start(m, lo, n, f->proto + 1);
	return scan_run(m, lo, hi, remote, f);
}

bool vf__match_policy(const struct vf__match *m, const struct vf__flow *f)
{
	if ((f->src & m->rmask) != m->rnet || (f->dst & m->lmask) != m->lnet)
		return false;
	if (m->proto && m->proto != f->proto)
		return false;
	if (!ranged(m))
		return true;
	return f->has_ports && f->dport >= m->pmin && f->dport <= m->pmax;
}

void vf__match_from_policy(struct vf__match *m, const vf_policy_opts *o)
{
	m->rmask = vf__prefix_mask(o->src.len);
	m->rnet = o->src.addr & m->rmask;
	m->lmask = vf__prefix_mask(o->dst.len);
	m->lnet = o->dst.addr & m->lmask;
	m->proto = o->protocol;
	m->pmin = o->port_min;
	m->pmax = o->port_max;
}
