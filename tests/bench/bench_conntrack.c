/*
 * bench_conntrack: the cost of the pipeline's stateful checks, measured on
 * the internal interfaces (lib/pipeline/conntrack.h, lib/pipeline/match.h):
 *
 *   bench_conntrack [CONNS [ITERS [REPS]]]
 *
 * Defaults: 10000 tracked connections, 2000000 look-ups per phase (rule
 * phases do ITERS / 10 evaluations), 5 repetitions.
 *
 * Connection tracking: a table sized for CONNS entries, filled with CONNS
 * established TCP connections between random hosts and ports; look-ups
 * that hit (alternately in the opening and the reply direction) and that
 * miss, in a shuffled order so every look-up goes to a different place in
 * the table; peeks; commits into an empty table; and an expiry sweep.
 *
 * Rule matching: one security group of 1,000 ingress rules, built through
 * the public API and compiled with vf__ruleset_from_secgroups():
 * - "same port": TCP 443 from 1,000 different /32 remotes, the kind of
 *   list an allow-list of client addresses makes; the flow that matches
 *   comes from the last rule's address, which is also the last rule
 *   scanned in compiled order;
 * - "mixed": rules over TCP, UDP, ICMP and any protocol, with port ranges;
 *   the matching rule is the last one added and the last of its run.
 * "no match" flows are refused after looking at every rule that could
 * apply.
 *
 * It prints figures only, no pass/fail; it exits 1 if a call fails or
 * returns something the headers do not promise. Every phase is its own
 * noinline function so that callgrind attributes instructions to it (see
 * README.md: instructions per look-up).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vfabric/vfabric.h>

#include "packet/packet.h"
#include "pipeline/conntrack.h"
#include "pipeline/match.h"

#ifndef VF_BENCH_BUILD_TYPE
#define VF_BENCH_BUILD_TYPE ""
#endif
#ifndef VF_BENCH_SANITIZE
#define VF_BENCH_SANITIZE ""
#endif

#define NOINLINE __attribute__((noinline))
#define SEC(n) ((uint64_t)(n)*1000000000ull)
#define NOW SEC(1000)
#define NRULES 1000
#define ZONE 7

struct bench {
	size_t conns, iters, reps;
	struct vf__ct *ct;
	struct vf__flow *hit;  /* [conns], shuffled, alternate directions */
	struct vf__flow *miss; /* [conns], none tracked */
	struct vf__ruleset same, mixed;
	struct vf__flow same_last, same_none, mixed_last, mixed_none;
	vf_secgroup *groups[2];
};

static volatile unsigned long sink;
static uint64_t rng = 0x853c49e6748fea9bULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)((rng >> 11) % n);
}

static void die(const char *what, int rc)
{
	fprintf(stderr, "bench_conntrack: %s: %d (%s) %s\n", what, rc, vf_strerror(rc),
		vf_last_error() ? vf_last_error() : "");
	exit(1);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		die("calloc", -ENOMEM);
	return p;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static struct vf__flow rev(struct vf__flow f)
{
	return (struct vf__flow){.src = f.dst,
				 .dst = f.src,
				 .sport = f.dport,
				 .dport = f.sport,
				 .proto = f.proto,
				 .has_ports = f.has_ports};
}

/* A TCP flow between random hosts of two /16s and random ports. */
static struct vf__flow random_flow(void)
{
	return (struct vf__flow){.src = 0x0a010000 | rnd(65536),
				 .dst = 0x0a020000 | rnd(65536),
				 .sport = (uint16_t)(1024 + rnd(64512)),
				 .dport = (uint16_t)(1 + rnd(1023)),
				 .proto = VF_PROTO_TCP,
				 .has_ports = true};
}

/* ---- phases (each timed, each visible to callgrind) ---- */

NOINLINE static void phase_ct_hit(struct bench *b, size_t iters)
{
	unsigned long acc = 0;

	for (size_t i = 0, j = 0; i < iters; i++) {
		acc += vf__ct_lookup(b->ct, ZONE, &b->hit[j], VF__TCP_ACK, NOW);
		if (++j == b->conns)
			j = 0;
	}
	sink += acc;
}

NOINLINE static void phase_ct_miss(struct bench *b, size_t iters)
{
	unsigned long acc = 0;

	for (size_t i = 0, j = 0; i < iters; i++) {
		acc += vf__ct_lookup(b->ct, ZONE, &b->miss[j], VF__TCP_SYN, NOW);
		if (++j == b->conns)
			j = 0;
	}
	sink += acc;
}

NOINLINE static void phase_ct_peek(struct bench *b, size_t iters)
{
	unsigned long acc = 0;

	for (size_t i = 0, j = 0; i < iters; i++) {
		acc += vf__ct_peek(b->ct, ZONE, &b->hit[j], NOW);
		if (++j == b->conns)
			j = 0;
	}
	sink += acc;
}

/* Commits every miss flow into @ct (empty, sized for conns). */
NOINLINE static void phase_ct_commit(struct bench *b, struct vf__ct *ct)
{
	for (size_t i = 0; i < b->conns; i++) {
		int rc = vf__ct_commit(ct, ZONE, &b->miss[i], VF__TCP_SYN, NOW);

		if (rc < 0)
			die("vf__ct_commit", rc);
	}
}

NOINLINE static void phase_ct_expire(struct bench *b, struct vf__ct *ct)
{
	size_t n = vf__ct_expire(ct, NOW + SEC(121), SIZE_MAX);

	if (n != b->conns || vf__ct_count(ct))
		die("vf__ct_expire removed the wrong count", -EPROTO);
}

static void eval_rules(const struct vf__ruleset *rs, const struct vf__flow *f,
		       size_t iters)
{
	unsigned long acc = 0;

	for (size_t i = 0; i < iters; i++)
		acc += vf__ruleset_allows(rs, VF_DIR_INGRESS, f);
	sink += acc;
}

NOINLINE static void phase_rules_same_last(struct bench *b, size_t iters)
{
	eval_rules(&b->same, &b->same_last, iters);
}

NOINLINE static void phase_rules_same_none(struct bench *b, size_t iters)
{
	eval_rules(&b->same, &b->same_none, iters);
}

NOINLINE static void phase_rules_mixed_last(struct bench *b, size_t iters)
{
	eval_rules(&b->mixed, &b->mixed_last, iters);
}

NOINLINE static void phase_rules_mixed_none(struct bench *b, size_t iters)
{
	eval_rules(&b->mixed, &b->mixed_none, iters);
}

/* ---- set-up ---- */

static void fill_table(struct bench *b)
{
	int rc;

	if ((rc = vf__ct_create(&b->ct, b->conns)) < 0)
		die("vf__ct_create", rc);
	b->hit = xcalloc(b->conns, sizeof(*b->hit));
	b->miss = xcalloc(b->conns, sizeof(*b->miss));
	for (size_t i = 0; i < b->conns; i++) {
		struct vf__flow f, r;

		do
			f = random_flow();
		while (vf__ct_peek(b->ct, ZONE, &f, NOW) != VF__CT_NEW);
		r = rev(f);
		if ((rc = vf__ct_commit(b->ct, ZONE, &f, VF__TCP_SYN, NOW)) < 0)
			die("vf__ct_commit", rc);
		if (vf__ct_lookup(b->ct, ZONE, &r, VF__TCP_SYN | VF__TCP_ACK, NOW) !=
			    VF__CT_REPLY ||
		    vf__ct_lookup(b->ct, ZONE, &f, VF__TCP_ACK, NOW) != VF__CT_ORIG)
			die("vf__ct_lookup after commit", -EPROTO);
		b->hit[i] = i % 2 ? r : f;
	}
	for (size_t i = b->conns; i > 1; i--) { /* Fisher-Yates */
		size_t j = rnd((uint32_t)i);
		struct vf__flow t = b->hit[i - 1];

		b->hit[i - 1] = b->hit[j];
		b->hit[j] = t;
	}
	for (size_t i = 0; i < b->conns; i++)
		do
			b->miss[i] = random_flow();
		while (vf__ct_peek(b->ct, ZONE, &b->miss[i], NOW) != VF__CT_NEW);
	if (vf__ct_count(b->ct) != b->conns)
		die("vf__ct_count", -EPROTO);
}

static void add_rule(vf_secgroup *g, uint32_t remote, uint8_t len, uint8_t proto,
		     uint16_t pmin, uint16_t pmax)
{
	VF_OPTS(vf_rule, r, .direction = VF_DIR_INGRESS, .protocol = proto,
		.remote = {.addr = remote, .len = len}, .port_min = pmin,
		.port_max = pmax);
	int rc = vf_secgroup_add_rule(g, &r);

	if (rc < 0)
		die("vf_secgroup_add_rule", rc);
}

static void compile(struct vf__ruleset *rs, vf_secgroup *g)
{
	int rc = vf__ruleset_from_secgroups(rs, &g, 1);

	if (rc < 0)
		die("vf__ruleset_from_secgroups", rc);
	if (rs->nrules[VF_DIR_INGRESS] != NRULES)
		die("compiled rule count", -EPROTO);
}

/* The "same port" set: TCP 443 from 10.3.x.y/32, the matching rule last. */
static void build_same(struct bench *b, vf_cell *cell)
{
	vf_secgroup *g;
	int rc;

	if ((rc = vf_secgroup_create(&g, cell, NULL)) < 0)
		die("vf_secgroup_create", rc);
	b->groups[0] = g;
	for (uint32_t i = 0; i < NRULES; i++)
		add_rule(g, 0x0a030000 + i, 32, VF_PROTO_TCP, 443, 443);
	compile(&b->same, g);
	b->same_last = (struct vf__flow){.src = 0x0a030000 + NRULES - 1,
					 .dst = 0x0a000001,
					 .sport = 5555,
					 .dport = 443,
					 .proto = VF_PROTO_TCP,
					 .has_ports = true};
	b->same_none = b->same_last;
	b->same_none.src = 0x0a040000;
}

/* The "mixed" set: 4 in 10 TCP with ranges, 3 UDP with ranges, 2 ICMP,
 * 1 any protocol, each from a different /24; the last is TCP with the
 * highest range. */
static void build_mixed(struct bench *b, vf_cell *cell)
{
	static const uint8_t protos[10] = {6, 6, 6, 6, 17, 17, 17, 1, 1, 0};
	vf_secgroup *g;
	int rc;

	if ((rc = vf_secgroup_create(&g, cell, NULL)) < 0)
		die("vf_secgroup_create", rc);
	b->groups[1] = g;
	for (uint32_t i = 0; i < NRULES - 1; i++) {
		uint8_t p = protos[i % 10];
		uint16_t lo = p == 6 || p == 17 ? (uint16_t)(1000 + (i * 37) % 30000) : 0;

		add_rule(g, 0x0b000000 + (i << 8), 24, p, lo,
			 lo ? (uint16_t)(lo + 9) : 0);
	}
	add_rule(g, 0x0b0f0000, 16, VF_PROTO_TCP, 60000, 60010);
	compile(&b->mixed, g);
	b->mixed_last = (struct vf__flow){.src = 0x0b0f0203,
					  .dst = 0x0a000001,
					  .sport = 5555,
					  .dport = 60005,
					  .proto = VF_PROTO_TCP,
					  .has_ports = true};
	b->mixed_none = b->mixed_last;
	b->mixed_none.src = 0x0c000001;
}

static void build_rules(struct bench *b)
{
	vf_fabric *fabric;
	vf_cell *cell;
	int rc;

	if ((rc = vf_fabric_create(&fabric, NULL)) < 0)
		die("vf_fabric_create", rc);
	if ((rc = vf_cell_create(&cell, fabric, NULL)) < 0)
		die("vf_cell_create", rc);
	build_same(b, cell);
	build_mixed(b, cell);
	if (!vf__ruleset_allows(&b->same, VF_DIR_INGRESS, &b->same_last) ||
	    vf__ruleset_allows(&b->same, VF_DIR_INGRESS, &b->same_none) ||
	    !vf__ruleset_allows(&b->mixed, VF_DIR_INGRESS, &b->mixed_last) ||
	    vf__ruleset_allows(&b->mixed, VF_DIR_INGRESS, &b->mixed_none))
		die("vf__ruleset_allows gave the wrong answer", -EPROTO);
	/* the compiled sets are copies: the model can go */
	vf_secgroup_destroy(b->groups[0]);
	vf_secgroup_destroy(b->groups[1]);
	vf_cell_destroy(cell);
	vf_fabric_destroy(fabric);
}

/* ---- timing ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void report(const char *label, double *ns, size_t reps, size_t per)
{
	qsort(ns, reps, sizeof(*ns), cmp_double);
	printf("%-44s %10.1f %10.1f %12zu\n", label, ns[0] / (double)per,
	       ns[reps / 2] / (double)per, per);
}

typedef void (*phase_fn)(struct bench *, size_t);

static void time_phase(struct bench *b, const char *label, phase_fn fn, size_t iters)
{
	double *ns = xcalloc(b->reps, sizeof(*ns));

	fn(b, iters / 10 + 1); /* warm the caches and the branch predictors */
	for (size_t r = 0; r < b->reps; r++) {
		double t0 = now_ns();

		fn(b, iters);
		ns[r] = now_ns() - t0;
	}
	report(label, ns, b->reps, iters);
	free(ns);
}

static void time_commit_expire(struct bench *b)
{
	double *c = xcalloc(b->reps, sizeof(*c)), *e = xcalloc(b->reps, sizeof(*e));

	for (size_t r = 0; r < b->reps; r++) {
		struct vf__ct *ct;
		double t0, t1, t2;
		int rc;

		if ((rc = vf__ct_create(&ct, b->conns)) < 0)
			die("vf__ct_create", rc);
		t0 = now_ns();
		phase_ct_commit(b, ct);
		t1 = now_ns();
		phase_ct_expire(b, ct);
		t2 = now_ns();
		c[r] = t1 - t0;
		e[r] = t2 - t1;
		vf__ct_destroy(ct);
	}
	report("vf__ct_commit, empty table to full", c, b->reps, b->conns);
	report("vf__ct_expire, every entry dead", e, b->reps, b->conns);
	free(c);
	free(e);
}

static size_t parse_count(const char *s, const char *what)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (*s < '0' || *s > '9' || *end || !v || v > 100000000ull) {
		fprintf(stderr, "bench_conntrack: bad %s '%s'\n", what, s);
		exit(2);
	}
	return (size_t)v;
}

int main(int argc, char **argv)
{
	struct bench b = {.conns = 10000, .iters = 2000000, .reps = 5};
	const char *build_type = VF_BENCH_BUILD_TYPE, *sanitize = VF_BENCH_SANITIZE;

	if (argc > 4 || (argc > 1 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: bench_conntrack [CONNS [ITERS [REPS]]]\n");
		return argc > 1 && !strcmp(argv[1], "--help") ? 0 : 2;
	}
	if (argc > 1)
		b.conns = parse_count(argv[1], "connection count");
	if (argc > 2)
		b.iters = parse_count(argv[2], "iteration count");
	if (argc > 3)
		b.reps = parse_count(argv[3], "repetition count");

	printf("libvfabric %s conntrack and rule-matching benchmark\n",
	       vf_version_string());
	printf("%zu tracked TCP connections; %zu look-ups and %zu rule-set "
	       "evaluations (%d rules) per phase; %zu repetitions\n",
	       b.conns, b.iters, b.iters / 10, NRULES, b.reps);
	printf("build type: %s, sanitizers: %s\n",
	       *build_type ? build_type : "(none set: unoptimised)",
	       *sanitize ? sanitize : "none");
	if (!*build_type || !strcmp(build_type, "Debug") || *sanitize)
		printf("note: not an optimised build; configure with "
		       "-DCMAKE_BUILD_TYPE=Release for figures worth comparing\n");
	printf("\n%-44s %10s %10s %12s\n", "phase", "min ns/op", "median", "ops");

	fill_table(&b);
	build_rules(&b);
	time_phase(&b, "vf__ct_lookup, hit (orig and reply)", phase_ct_hit, b.iters);
	time_phase(&b, "vf__ct_lookup, miss", phase_ct_miss, b.iters);
	time_phase(&b, "vf__ct_peek, hit", phase_ct_peek, b.iters);
	time_commit_expire(&b);
	time_phase(&b, "rules, same port: match on the last rule", phase_rules_same_last,
		   b.iters / 10);
	time_phase(&b, "rules, same port: no match", phase_rules_same_none, b.iters / 10);
	time_phase(&b, "rules, mixed: match on the last rule", phase_rules_mixed_last,
		   b.iters / 10);
	time_phase(&b, "rules, mixed: no match", phase_rules_mixed_none, b.iters / 10);

	vf__ct_destroy(b.ct);
	vf__ruleset_free(&b.same);
	vf__ruleset_free(&b.mixed);
	free(b.hit);
	free(b.miss);
	return 0;
}
