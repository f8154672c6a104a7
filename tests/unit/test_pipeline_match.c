/* Security-group and policy matching (lib/pipeline/match.h). */
#include "unit.h"

#include "pipeline/match.h"

/* Cell 1 "blue" with two empty security groups, sg[0] and sg[1]. */
static int setup_groups(void **state)
{
	struct vt_fx *fx;

	if (vt_setup_cell(state) != 0)
		return -1;
	fx = *state;
	if (vf_secgroup_create(&fx->sg[0], fx->cell[0], NULL) != 0 ||
	    vf_secgroup_create(&fx->sg[1], fx->cell[0], NULL) != 0)
		return -1;
	return 0;
}

/* Adds a rule; @remote NULL means any address. Returns its id. */
static int add_rule(vf_secgroup *g, vf_direction dir, const char *remote, uint8_t proto,
		    uint16_t pmin, uint16_t pmax)
{
	VF_OPTS(vf_rule, r, .direction = dir, .protocol = proto, .port_min = pmin,
		.port_max = pmax);
	int id;

	if (remote)
		r.remote = vt_prefix(remote);
	id = vf_secgroup_add_rule(g, &r);
	assert_rc_ge(id, 1);
	return id;
}

static struct vf__flow flow(uint32_t src, uint32_t dst, uint8_t proto, uint16_t sport,
			    uint16_t dport)
{
	struct vf__flow f = {.src = src, .dst = dst, .proto = proto};

	if (proto == VF_PROTO_TCP || proto == VF_PROTO_UDP) {
		f.has_ports = true;
		f.sport = sport;
		f.dport = dport;
	}
	return f;
}

/* A TCP or UDP flow whose ports were not readable (a later fragment). */
static struct vf__flow fragment(uint32_t src, uint32_t dst, uint8_t proto)
{
	return (struct vf__flow){.src = src, .dst = dst, .proto = proto};
}

static void compile(struct vf__ruleset *rs, vf_secgroup *const *groups, size_t n)
{
	assert_rc(vf__ruleset_from_secgroups(rs, groups, n), 0);
}

#define A(a, b, c, d) IP4(a, b, c, d)
#define IN VF_DIR_INGRESS
#define OUT VF_DIR_EGRESS
#define LOCAL A(10, 1, 1, 5)

static void test_pipeline_match_empty_denies(void **state)
{
	struct vt_fx *fx = *state;
	struct vf__ruleset rs;
	struct vf__flow f = flow(A(10, 9, 9, 9), LOCAL, VF_PROTO_TCP, 1000, 80);
	vf_secgroup *none[] = {NULL};

	compile(&rs, fx->sg, 0);
	assert_int_equal(rs.nrules[IN], 0);
	assert_int_equal(rs.nrules[OUT], 0);
	assert_false(vf__ruleset_allows(&rs, IN, &f));
	assert_false(vf__ruleset_allows(&rs, OUT, &f));
	vf__ruleset_free(&rs);

	/* A group without rules denies everything. */
	compile(&rs, fx->sg, 1);
	assert_false(vf__ruleset_allows(&rs, IN, &f));
	assert_false(vf__ruleset_allows(&rs, OUT, &f));
	vf__ruleset_free(&rs);

	/* A NULL group is skipped. */
	compile(&rs, none, 1);
	assert_false(vf__ruleset_allows(&rs, IN, &f));
	vf__ruleset_free(&rs);

	/* Ingress rules only: egress still denies. */
	add_rule(fx->sg[0], IN, NULL, VF_PROTO_ANY, 0, 0);
	compile(&rs, fx->sg, 1);
	assert_int_equal(rs.nrules[IN], 1);
	assert_int_equal(rs.nrules[OUT], 0);
	assert_null(rs.rules[OUT]);
	assert_true(vf__ruleset_allows(&rs, IN, &f));
	assert_false(vf__ruleset_allows(&rs, OUT, &f));
	/* Not a direction. */
	assert_false(vf__ruleset_allows(&rs, (vf_direction)2, &f));
	vf__ruleset_free(&rs);
	assert_null(rs.rules[IN]);
	assert_int_equal(rs.nrules[IN], 0);
	vf__ruleset_free(&rs); /* twice is fine */
	vf__ruleset_free(NULL);
}

static void test_pipeline_match_remote_is_source_for_ingress(void **state)
{
	struct vt_fx *fx = *state;
	struct vf__ruleset rs;
	struct vf__flow f;

	add_rule(fx->sg[0], IN, "10.2.0.0/16", VF_PROTO_ANY, 0, 0);
	compile(&rs, fx->sg, 1);

	f = flow(A(10, 2, 3, 4), LOCAL, VF_PROTO_UDP, 5, 53);
	assert_true(vf__ruleset_allows(&rs, IN, &f));
	/* The prefix's edges. */
	f.src = A(10, 2, 0, 0);
	assert_true(vf__ruleset_allows(&rs, IN, &f));
	f.src = A(10, 2, 255, 255);
	assert_true(vf__ruleset_allows(&rs, IN, &f));
	f.src = A(10, 1, 255, 255);
	assert_false(vf__ruleset_allows(&rs, IN, &f));
	f.src = A(10, 3, 0, 0);
	assert_false(vf__ruleset_allows(&rs, IN, &f));
	/* The destination does not count for ingress. */
	f = flow(LOCAL, A(10, 2, 3, 4), VF_PROTO_UDP, 5, 53);
	assert_false(vf__ruleset_allows(&rs, IN, &f));
	/* And an ingress rule says nothing about egress. */
	assert_false(vf__ruleset_allows(&rs, OUT, &f));
	vf__ruleset_free(&rs);
}

static void test_pipeline_match_remote_is_destination_for_egress(void **state)
{
	struct vt_fx *fx = *state;
	struct vf__ruleset rs;
	struct vf__flow f;

	add_rule(fx->sg[0], OUT, "192.168.7.0/24", VF_PROTO_ANY, 0, 0);
	compile(&rs, fx->sg, 1);
	assert_int_equal(rs.nrules[OUT], 1);

	f = flow(LOCAL, A(192, 168, 7, 200), VF_PROTO_TCP, 40000, 443);
	assert_true(vf__ruleset_allows(&rs, OUT, &f));
	f.dst = A(192, 168, 7, 0);
	assert_true(vf__ruleset_allows(&rs, OUT, &f));
	f.dst = A(192, 168, 7, 255);
	assert_true(vf__ruleset_allows(&rs, OUT, &f));
	f.dst = A(192, 168, 8, 0);
	assert_false(vf__ruleset_allows(&rs, OUT, &f));
	f.dst = A(192, 168, 6, 255);
	assert_false(vf__ruleset_allows(&rs, OUT, &f));
	/* The source does not count for egress. */
	f = flow(A(192, 168, 7, 200), LOCAL, VF_PROTO_TCP, 443, 40000);
	assert_false(vf__ruleset_allows(&rs, OUT, &f));
	assert_false(vf__ruleset_allows(&rs, IN, &f));
	vf__ruleset_free(&rs);
}

static void test_pipeline_match_remote_any_and_host(void **state)
{
	struct vt_fx *fx = *state;
	struct vf__ruleset rs;
	struct vf__flow f = flow(A(1, 2, 3, 4), LOCAL, VF_PROTO_TCP, 1, 2);

	add_rule(fx->sg[0], IN, "172.16.0.9/32", VF_PROTO_ANY, 0, 0);
	add_rule(fx->sg[0], OUT, "0.0.0.0/0", VF_PROTO_ANY, 0, 0);
	compile(&rs, fx->sg, 1);
	/* /32: that host only. */
	assert_false(vf__ruleset_allows(&rs, IN, &f));
	f.src = A(172, 16, 0, 9);
	assert_true(vf__ruleset_allows(&rs, IN, &f));
	f.src = A(172, 16, 0, 8);
	assert_false(vf__ruleset_allows(&rs, IN, &f));
	f.src = A(172, 16, 0, 10);
	assert_false(vf__ruleset_allows(&rs, IN, &f));
	/* Any address. */
	f.dst = 0;
	assert_true(vf__ruleset_allows(&rs, OUT, &f));
	f.dst = 0xffffffff;
	assert_true(vf__ruleset_allows(&rs, OUT, &f));
	vf__ruleset_free(&rs);
}

static void test_pipeline_match_protocol(void **state)
{
	struct vt_fx *fx = *state;
	struct vf__ruleset rs;
	struct vf__flow f;

	add_rule(fx->sg[0], IN, NULL, VF_PROTO_TCP, 0, 0);
	add_rule(fx->sg[0], IN, NULL, 47, 0, 0);
	add_rule(fx->sg[0], IN, NULL, 255, 0, 0);
	add_rule(fx->sg[0], OUT, NULL, VF_PROTO_ANY, 0, 0);
	compile(&rs, fx->sg, 1);

	f = flow(A(10, 0, 0, 1), LOCAL, VF_PROTO_TCP, 1, 22);
	assert_true(vf__ruleset_allows(&rs, IN, &f));
	assert_true(vf__ruleset_allows(&rs, OUT, &f));
	f = flow(A(10, 0, 0, 1), LOCAL, VF_PROTO_UDP, 1, 22);
	assert_false(vf__ruleset_allows(&rs, IN, &f));
	assert_true(vf__ruleset_allows(&rs, OUT, &f));
	f = flow(A(10, 0, 0, 1), LOCAL, VF_PROTO_ICMP, 0, 0);
	assert_false(vf__ruleset_allows(&rs, IN, &f));
	assert_true(vf__ruleset_allows(&rs, OUT, &f));
	f = flow(A(10, 0, 0, 1), LOCAL, 47, 0, 0);
	assert_true(vf__ruleset_allows(&rs, IN, &f));
	f.proto = 46;
	assert_false(vf__ruleset_allows(&rs, IN, &f));
	f.proto = 48;
	assert_false(vf__ruleset_allows(&rs, IN, &f));
	f.proto = 255;
	assert_true(vf__ruleset_allows(&rs, IN, &f));
	assert_true(vf__ruleset_allows(&rs, OUT, &f));
	f.proto = 254;
	assert_false(vf__ruleset_allows(&rs, IN, &f));
	/* Protocol 0 in a flow matches only "any" rules. */
	f.proto = 0;
	assert_false(vf__ruleset_allows(&rs, IN, &f));
	assert_true(vf__ruleset_allows(&rs, OUT, &f));
	vf__ruleset_free(&rs);
}

static void test_pipeline_match_port_range_edges(void **state)
{
	struct vt_fx *fx = *state;
	struct vf__ruleset rs;
	struct vf__flow f = flow(A(10, 0, 0, 1), LOCAL, VF_PROTO_TCP, 1500, 0);

	add_rule(fx->sg[0], IN, NULL, VF_PROTO_TCP, 1000, 2000);
	add_rule(fx->sg[0], IN, NULL, VF_PROTO_UDP, 53, 53);
	add_rule(fx->sg[0], IN, NULL, VF_PROTO_UDP, 65535, 65535);
	add_rule(fx->sg[0], OUT, NULL, VF_PROTO_TCP, 0, 1023);
	compile(&rs, fx->sg, 1);

	f.dport = 999;
	assert_false(vf__ruleset_allows(&rs, IN, &f));
	f.dport = 1000;
	assert_true(vf__ruleset_allows(&rs, IN, &f));
	f.dport = 2000;
	assert_true(vf__ruleset_allows(&rs, IN, &f));
	f.dport = 2001;
	assert_false(vf__ruleset_allows(&rs, IN, &f));
	/* The source port does not count. */
	f.sport = 1500;
	f.dport = 80;
	assert_false(vf__ruleset_allows(&rs, IN, &f));
	/* The same ports over UDP do not match the TCP rule. */
	f = flow(A(10, 0, 0, 1), LOCAL, VF_PROTO_UDP, 9, 1500);
	assert_false(vf__ruleset_allows(&rs, IN, &f));
	f.dport = 53;
	assert_true(vf__ruleset_allows(&rs, IN, &f));
	f.dport = 52;
	assert_false(vf__ruleset_allows(&rs, IN, &f));
	f.dport = 54;
	assert_false(vf__ruleset_allows(&rs, IN, &f));
	f.dport = 65535;
	assert_true(vf__ruleset_allows(&rs, IN, &f));
	f.dport = 65534;
	assert_false(vf__ruleset_allows(&rs, IN, &f));
	/* A range starting at 0 is a range, not "any". */
	f = flow(LOCAL, A(10, 0, 0, 1), VF_PROTO_TCP, 5000, 0);
	assert_true(vf__ruleset_allows(&rs, OUT, &f));
	f.dport = 1023;
	assert_true(vf__ruleset_allows(&rs, OUT, &f));
	f.dport = 1024;
	assert_false(vf__ruleset_allows(&rs, OUT, &f));
	vf__ruleset_free(&rs);
}

static void test_pipeline_match_flows_without_ports(void **state)
{
	struct vt_fx *fx = *state;
	struct vf__ruleset rs;
	struct vf__flow f;

	/* Port rules never match a flow without ports ... */
	add_rule(fx->sg[0], IN, NULL, VF_PROTO_TCP, 0, 65535);
	add_rule(fx->sg[0], IN, NULL, VF_PROTO_UDP, 1, 100);
	compile(&rs, fx->sg, 1);
	f = fragment(A(10, 0, 0, 1), LOCAL, VF_PROTO_TCP);
	assert_false(vf__ruleset_allows(&rs, IN, &f));
	f = fragment(A(10, 0, 0, 1), LOCAL, VF_PROTO_UDP);
	assert_false(vf__ruleset_allows(&rs, IN, &f));
	/* ... even if a port field happens to be in range. */
	f.dport = 50;
	assert_false(vf__ruleset_allows(&rs, IN, &f));
	f.has_ports = true;
	assert_true(vf__ruleset_allows(&rs, IN, &f));
	vf__ruleset_free(&rs);

	/* Rules without ports match them. */
	add_rule(fx->sg[1], IN, "10.0.0.0/8", VF_PROTO_UDP, 0, 0);
	compile(&rs, fx->sg, 2);
	f = fragment(A(10, 0, 0, 1), LOCAL, VF_PROTO_UDP);
	assert_true(vf__ruleset_allows(&rs, IN, &f));
	f = fragment(A(10, 0, 0, 1), LOCAL, VF_PROTO_TCP);
	assert_false(vf__ruleset_allows(&rs, IN, &f));
	f = fragment(A(11, 0, 0, 1), LOCAL, VF_PROTO_UDP);
	assert_false(vf__ruleset_allows(&rs, IN, &f));
	vf__ruleset_free(&rs);
}

static void test_pipeline_match_groups_merge(void **state)
{
	struct vt_fx *fx = *state;
	struct vf__ruleset rs;
	struct vf__flow f;
	int id;

	add_rule(fx->sg[0], IN, "10.5.0.0/16", VF_PROTO_TCP, 22, 22);
	add_rule(fx->sg[0], OUT, NULL, VF_PROTO_ANY, 0, 0);
	add_rule(fx->sg[1], IN, "10.6.0.0/16", VF_PROTO_UDP, 0, 0);
	/* The same rule in both groups is kept once. */
	add_rule(fx->sg[1], IN, "10.5.0.0/16", VF_PROTO_TCP, 22, 22);
	id = add_rule(fx->sg[1], IN, "10.7.0.0/16", VF_PROTO_ICMP, 0, 0);
	compile(&rs, fx->sg, 2);
	assert_int_equal(rs.nrules[IN], 3);
	assert_int_equal(rs.nrules[OUT], 1);

	f = flow(A(10, 5, 1, 1), LOCAL, VF_PROTO_TCP, 999, 22);
	assert_true(vf__ruleset_allows(&rs, IN, &f));
	f = flow(A(10, 6, 1, 1), LOCAL, VF_PROTO_UDP, 999, 22);
	assert_true(vf__ruleset_allows(&rs, IN, &f));
	f = flow(A(10, 7, 1, 1), LOCAL, VF_PROTO_ICMP, 0, 0);
	assert_true(vf__ruleset_allows(&rs, IN, &f));
	f = flow(A(10, 6, 1, 1), LOCAL, VF_PROTO_TCP, 999, 22);
	assert_false(vf__ruleset_allows(&rs, IN, &f));
	vf__ruleset_free(&rs);

	/* Only the groups passed count; a deleted rule is gone on recompile. */
	compile(&rs, fx->sg, 1);
	f = flow(A(10, 6, 1, 1), LOCAL, VF_PROTO_UDP, 999, 22);
	assert_false(vf__ruleset_allows(&rs, IN, &f));
	vf__ruleset_free(&rs);
	assert_rc(vf_secgroup_del_rule(fx->sg[1], (uint32_t)id), 0);
	compile(&rs, fx->sg, 2);
	f = flow(A(10, 7, 1, 1), LOCAL, VF_PROTO_ICMP, 0, 0);
	assert_false(vf__ruleset_allows(&rs, IN, &f));
	vf__ruleset_free(&rs);
}

/* ---- against a plain reading of the rules ------------------------------ */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)((rng_state >> 11) % n);
}

/* What vf__ruleset_allows() must say, read from the groups' rules. */
static bool reference(vf_secgroup *const *groups, size_t n, vf_direction dir,
		      const struct vf__flow *f)
{
	uint32_t remote = dir == IN ? f->src : f->dst;

	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < vf_secgroup_rule_count(groups[i]); j++) {
			VF_OPTS(vf_rule, r);
			bool ranged;

			assert_rc_ge(vf_secgroup_rule(groups[i], j, &r), 1);
			ranged = r.port_min || r.port_max;
			if (r.direction != dir)
				continue;
			if (r.remote.len &&
			    (remote >> (32 - r.remote.len)) !=
				    (r.remote.addr >> (32 - r.remote.len)))
				continue;
			if (r.protocol && r.protocol != f->proto)
				continue;
			if (ranged && (!f->has_ports || f->dport < r.port_min ||
				       f->dport > r.port_max))
				continue;
			return true;
		}
	}
	return false;
}

static const uint8_t protos[] = {0, 1, 6, 17, 47, 255};

static void random_rule(vf_secgroup *g)
{
	static const uint8_t lens[] = {0, 24, 28, 30, 32, 32, 32, 32};
	VF_OPTS(vf_rule, r);
	uint8_t len = lens[rnd(sizeof(lens))];
	int rc;

	r.direction = rnd(2) ? OUT : IN;
	r.remote.len = len;
	r.remote.addr = (A(10, 0, 0, 0) | rnd(4) << 16 | rnd(4) << 8 | rnd(64)) &
			(len ? ~0u << (32 - len) : 0);
	r.protocol = rnd(8) ? protos[1 + rnd(sizeof(protos) - 1)] : 0;
	if ((r.protocol == VF_PROTO_TCP || r.protocol == VF_PROTO_UDP) && rnd(3)) {
		r.port_min = (uint16_t)rnd(100);
		r.port_max = (uint16_t)(r.port_min + rnd(20));
	}
	rc = vf_secgroup_add_rule(g, &r);
	if (rc < 0)
		assert_rc(rc, -EEXIST); /* a duplicate: skipped */
}

static struct vf__flow random_flow(void)
{
	uint32_t a = A(10, 0, 0, 0) | rnd(4) << 16 | rnd(4) << 8 | rnd(64);
	uint32_t b = A(10, 0, 0, 0) | rnd(4) << 16 | rnd(4) << 8 | rnd(64);
	struct vf__flow f = flow(a, b, protos[rnd(sizeof(protos))], (uint16_t)rnd(130),
				 (uint16_t)rnd(130));

	if (f.has_ports && !rnd(5))
		f = fragment(a, b, f.proto);
	return f;
}

static void clear(vf_secgroup *g)
{
	VF_OPTS(vf_rule, r);

	while (vf_secgroup_rule_count(g)) {
		int id = vf_secgroup_rule(g, 0, &r);

		assert_rc_ge(id, 1);
		assert_rc(vf_secgroup_del_rule(g, (uint32_t)id), 0);
	}
}

static void test_pipeline_match_agrees_with_reference(void **state)
{
	struct vt_fx *fx = *state;
	struct vf__ruleset rs;
	int mismatches = 0, allowed = 0;

	for (int round = 0; round < 10; round++) {
		int nrules = 1 + (int)rnd(100);

		for (int i = 0; i < nrules; i++)
			random_rule(fx->sg[rnd(2)]);
		compile(&rs, fx->sg, 2);
		for (int i = 0; i < 1000; i++) {
			struct vf__flow f = random_flow();
			vf_direction dir = rnd(2) ? OUT : IN;
			bool want = reference(fx->sg, 2, dir, &f);

			allowed += want;
			if (vf__ruleset_allows(&rs, dir, &f) != want)
				mismatches++;
		}
		vf__ruleset_free(&rs);
		clear(fx->sg[0]);
		clear(fx->sg[1]);
	}
	assert_int_equal(mismatches, 0);
	/* both answers were exercised */
	assert_true(allowed > 1000 && allowed < 9000);
}

/* ---- policies ---------------------------------------------------------- */

static void policy(struct vf__match *m, vf_cell *cell, const char *src, const char *dst,
		   uint8_t proto, uint16_t pmin, uint16_t pmax)
{
	VF_OPTS(vf_policy_opts, o, .src_cell = 2, .protocol = proto, .port_min = pmin,
		.port_max = pmax);
	VF_OPTS(vf_policy_opts, back);
	vf_policy *p = NULL;

	if (src)
		o.src = vt_prefix(src);
	if (dst)
		o.dst = vt_prefix(dst);
	assert_rc(vf_policy_create(&p, cell, &o), 0);
	assert_rc(vf_policy_get(p, &back), 0);
	vf__match_from_policy(m, &back);
	vf_policy_destroy(p);
}

static void test_pipeline_match_policy(void **state)
{
	struct vt_fx *fx = *state;
	struct vf__match m;
	struct vf__flow f;

	fx->cell[1] = VT_CELL(fx->fabric, 2, "green");

	policy(&m, fx->cell[0], "10.2.0.0/16", "10.1.1.0/24", VF_PROTO_TCP, 80, 90);
	f = flow(A(10, 2, 0, 7), A(10, 1, 1, 5), VF_PROTO_TCP, 5555, 80);
	assert_true(vf__match_policy(&m, &f));
	f.dport = 90;
	assert_true(vf__match_policy(&m, &f));
	f.dport = 79;
	assert_false(vf__match_policy(&m, &f));
	f.dport = 91;
	assert_false(vf__match_policy(&m, &f));
	f.dport = 85;
	f.src = A(10, 3, 0, 7); /* source prefix */
	assert_false(vf__match_policy(&m, &f));
	f.src = A(10, 2, 255, 255);
	f.dst = A(10, 1, 2, 5); /* destination prefix */
	assert_false(vf__match_policy(&m, &f));
	f.dst = A(10, 1, 1, 255);
	assert_true(vf__match_policy(&m, &f));
	f.proto = VF_PROTO_UDP;
	assert_false(vf__match_policy(&m, &f));
	f = fragment(A(10, 2, 0, 7), A(10, 1, 1, 5), VF_PROTO_TCP);
	assert_false(vf__match_policy(&m, &f));
	/* Source and destination are not interchangeable. */
	f = flow(A(10, 1, 1, 5), A(10, 2, 0, 7), VF_PROTO_TCP, 85, 85);
	assert_false(vf__match_policy(&m, &f));

	/* All zero: anything from the source cell. */
	policy(&m, fx->cell[0], NULL, NULL, VF_PROTO_ANY, 0, 0);
	f = flow(A(1, 2, 3, 4), A(5, 6, 7, 8), 99, 0, 0);
	assert_true(vf__match_policy(&m, &f));
	f = fragment(A(1, 2, 3, 4), A(5, 6, 7, 8), VF_PROTO_UDP);
	assert_true(vf__match_policy(&m, &f));

	/* Protocol without ports matches fragments of that protocol only. */
	policy(&m, fx->cell[0], NULL, "10.1.1.5/32", VF_PROTO_UDP, 0, 0);
	assert_true(vf__match_policy(
		&m, &(struct vf__flow){.src = 1, .dst = LOCAL, .proto = VF_PROTO_UDP}));
	assert_false(vf__match_policy(
		&m, &(struct vf__flow){.src = 1, .dst = LOCAL, .proto = VF_PROTO_TCP}));
	assert_false(vf__match_policy(
		&m,
		&(struct vf__flow){.src = 1, .dst = LOCAL + 1, .proto = VF_PROTO_UDP}));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_groups, vt_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_pipeline_match_empty_denies),
		T(test_pipeline_match_remote_is_source_for_ingress),
		T(test_pipeline_match_remote_is_destination_for_egress),
		T(test_pipeline_match_remote_any_and_host),
		T(test_pipeline_match_protocol),
		T(test_pipeline_match_port_range_edges),
		T(test_pipeline_match_flows_without_ports),
		T(test_pipeline_match_groups_merge),
		T(test_pipeline_match_agrees_with_reference),
		T(test_pipeline_match_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
