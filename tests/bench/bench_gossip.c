/*
 * The gossip simulation benchmark (issue 5): N hosts in one process on
 * virtual time (tests/unit/gossip_sim.h), each running the production
 * SWIM state machine (lib/gossip/swim*.c) and location service
 * (lib/gossip/locsvc.c); only the clock and the transport are swapped.
 * Prints figures, never pass/fail: see tests/bench/README.md.
 *
 * Usage: bench_gossip [-q] [-u] [-l SECONDS] [N ...]   (default 100 1000 10000)
 * -q: quick (shorter virtual runs); -u: uncompressed push-pull; -l: the
 * lossy window for every N, in virtual seconds.
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vfabric/vfabric.h>

#include "gossip/codec.h"
#include "gossip/locmsg.h"
#include "gossip/locsvc.h"
#include "gossip/membership.h"
#include "../unit/gossip_sim.h"

#define CELL 1
#define NET 0x0a010000u /* 10.1.0.0/16 */
#define LOC_TICK_MS 200 /* as lib/gossip/membership.c ticks the service */
#define CHUNK_ALIVES 64 /* alive messages per warm-start packet */

struct bnode {
	struct sim_node *sn;
	struct vf__locsvc *ls;
	uint64_t got_at;    /* the watched record installed (virtual ms) */
	uint64_t lost_at;   /* the watched record withdrawn */
	uint64_t failed_at; /* the watched member seen failed */
	uint64_t installs, fps;
};

static struct sim sim;
static bool compress; /* as vf_gossip_start() by default; -u: off */
static double loss_s; /* -l: the lossy window; 0: by N */
static struct bnode *bn;
static int nb;
static uint32_t watch_vip;
static const char *watch_failed;
static bool fp_phase;
static vf_fabric *fab; /* host 0's: it publishes a port */
static vf_subnet *fab_subnet;

static void die(const char *what, int rc)
{
	fprintf(stderr, "bench_gossip: %s failed: %d (%s)\n", what, rc, vf_last_error());
	exit(1);
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static size_t heap_bytes(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/* ---- the table: installs counted, not made ---- */

static int t_set(void *ctx, const vf_location *l)
{
	struct bnode *b = ctx;

	b->installs++;
	if (l->vip == watch_vip && !b->got_at)
		b->got_at = sim.now;
	return 0;
}

static void t_del(void *ctx, uint32_t cell, uint32_t vip)
{
	struct bnode *b = ctx;

	(void)cell;
	if (vip == watch_vip && !b->lost_at)
		b->lost_at = sim.now;
}

static bool t_has(void *ctx, uint32_t cell, uint32_t vip)
{
	(void)ctx;
	(void)cell;
	(void)vip;
	return true;
}

static const struct vf__locsvc_table count_table = {NULL, t_set, t_del, t_has};

/* ---- hooks: the membership's events, the service's messages ---- */

static void h_event(void *ctx, enum vf__swim_event ev, const struct vf__swim_node *m)
{
	struct bnode *b = ctx;

	if (ev != VF__SWIM_FAILED)
		return;
	if (fp_phase)
		b->fps++;
	else if (watch_failed && !strcmp(m->name, watch_failed) && !b->failed_at)
		b->failed_at = sim.now;
}

static void h_user(void *ctx, const uint8_t *p, size_t len)
{
	vf__locsvc_user(((struct bnode *)ctx)->ls, p, len);
}

static int h_local_state(void *ctx, struct vf__gbuf *out, bool join)
{
	(void)join;
	return vf__locsvc_local_state(((struct bnode *)ctx)->ls, out);
}

static void h_remote_state(void *ctx, const uint8_t *p, size_t len, bool join)
{
	(void)join;
	vf__locsvc_remote_state(((struct bnode *)ctx)->ls, p, len);
}

/* ---- building a formed cluster ---- */

static void make_host0_fabric(void)
{
	VF_OPTS(vf_fabric_opts, fo, .host_mac = {{2, 0, 0, 0, 0, 1}}, .host_ip = 0xc0a80001u,
		.host_name = "n0");
	VF_OPTS(vf_cell_opts, co, .id = CELL);
	VF_OPTS(vf_subnet_opts, so, .id = 1, .prefix = {NET, 16});
	vf_cell *cell;
	int rc;

	if ((rc = vf_fabric_create(&fab, &fo)) < 0)
		die("vf_fabric_create", rc);
	if ((rc = vf_cell_create(&cell, fab, &co)) < 0)
		die("vf_cell_create", rc);
	if ((rc = vf_subnet_create(&fab_subnet, cell, &so)) < 0)
		die("vf_subnet_create", rc);
}

static void build(int n)
{
	struct vf__swim_config cfg;

	vf__swim_config_profile(&cfg, 0); /* LAN: memberlist's defaults */
	sim_reset(&sim);
	sim.compress = compress;
	sim.jitter = 2;
	if (sim_init(&sim, n) < 0 || !(bn = calloc((size_t)n, sizeof(*bn))))
		die("calloc", -ENOMEM);
	nb = n;
	make_host0_fabric();
	for (int i = 0; i < n; i++) {
		struct bnode *b = &bn[i];
		struct vf__locsvc_opts lo = {0};
		struct vf__locsvc_table t = count_table;
		struct vf__swim_hooks h = {b, h_event, h_user, h_local_state, h_remote_state};
		char name[16];
		int rc;

		snprintf(name, sizeof(name), "n%d", i);
		t.ctx = b;
		lo.name = name;
		if (i == 0)
			lo.fabric = fab;
		else
			lo.table = &t;
		if ((rc = vf__locsvc_create(&b->ls, &lo)) < 0)
			die("vf__locsvc_create", rc);
		if (!(b->sn = sim_add_hooks(&sim, &cfg, NULL, &h)))
			die("vf__swim_create", -ENOMEM);
		vf__locsvc_set_swim(b->ls, b->sn->s);
	}
}

/* Every host learns every other through alive messages, the way a push-
 * pull or gossip would bring them (compound packets through
 * vf__swim_packet()), then drops the broadcasts that queued and takes a
 * random phase of its timers: the cluster as it is once formed. */
static void warm_start(void)
{
	static const uint8_t meta[] = {0xff, 0x81, 0xa4, 'r', 'o', 'l',
				       'e',  0xa3, 's',	 'i', 'm'};
	int nchunks = (nb + CHUNK_ALIVES - 1) / CHUNK_ALIVES;
	struct vf__gbuf *pk = calloc((size_t)nchunks, sizeof(*pk));

	if (!pk)
		die("calloc", -ENOMEM);
	for (int c = 0; c < nchunks; c++) {
		int lo = c * CHUNK_ALIVES, hi = lo + CHUNK_ALIVES < nb ? lo + CHUNK_ALIVES : nb;
		struct vf__gbuf parts[CHUNK_ALIVES] = {{0}};
		uint8_t h[2] = {VF__GOSSIP_COMPOUND, (uint8_t)(hi - lo)};

		vf__gbuf_put(&pk[c], h, 2);
		for (int j = lo; j < hi; j++) {
			struct vf__gossip_msg m = {.type = VF__GOSSIP_ALIVE};
			char name[16];
			uint8_t lh[2];

			snprintf(name, sizeof(name), "n%d", j);
			m.u.alive.addr = (struct vf__gbytes){sim.nodes[j].addr.ip, 4};
			m.u.alive.incarnation = 1;
			m.u.alive.meta = (struct vf__gbytes){meta, sizeof(meta)};
			m.u.alive.node = vf__gbytes_str(name);
			m.u.alive.port = 7946;
			m.u.alive.vsn = VF__GOSSIP_VSN_SERF;
			if (vf__gossip_msgs_encode(&parts[j - lo], &m, 1) < 0)
				die("vf__gossip_msgs_encode", -EINVAL);
			lh[0] = (uint8_t)(parts[j - lo].len >> 8);
			lh[1] = (uint8_t)parts[j - lo].len;
			vf__gbuf_put(&pk[c], lh, 2);
		}
		for (int j = lo; j < hi; j++) {
			vf__gbuf_put(&pk[c], parts[j - lo].data, parts[j - lo].len);
			vf__gbuf_free(&parts[j - lo]);
		}
	}
	for (int i = 0; i < nb; i++) {
		struct vf__swim *s = sim.nodes[i].s;

		for (int c = 0; c < nchunks; c++) {
			vf__swim_packet(s, &sim.nodes[c * CHUNK_ALIVES].addr, pk[c].data,
					pk[c].len);
			vf__swim_warm_start(s); /* keeps the queue short */
		}
		vf__locsvc_tick(bn[i].ls); /* knows its members (a few syncs) */
	}
	for (int c = 0; c < nchunks; c++)
		vf__gbuf_free(&pk[c]);
	free(pk);
}

/* Runs @ms of virtual time, ticking every location service each 200 ms. */
static void run(uint64_t ms)
{
	uint64_t end = sim.now + ms;

	while (sim.now < end) {
		uint64_t next = (sim.now / LOC_TICK_MS + 1) * LOC_TICK_MS;

		sim_run(&sim, next < end ? next : end);
		if (sim.now % LOC_TICK_MS == 0)
			for (int i = 0; i < nb; i++)
				if (!sim.nodes[i].down)
					vf__locsvc_tick(bn[i].ls);
	}
}

static uint64_t bytes_out(void)
{
	uint64_t b = 0;

	for (int i = 0; i < nb; i++)
		b += sim.nodes[i].bytes_out;
	return b;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The time by which @frac of @n values (UINT64_MAX: never) were reached. */
static uint64_t quantile(uint64_t *v, int n, double frac)
{
	int k = (int)(frac * n + 0.999999) - 1;

	qsort(v, (size_t)n, sizeof(*v), cmp_u64);
	return v[k < 0 ? 0 : k];
}

static void teardown(void)
{
	for (int i = 0; i < nb; i++)
		vf__locsvc_destroy(bn[i].ls);
	sim_free(&sim);
	vf_fabric_destroy(fab);
	fab = NULL;
	free(bn);
	bn = NULL;
	nb = 0;
}

struct result {
	int n;
	double build_s, wall_s, mem_member;
	uint64_t t99, t100; /* update, ms after publish */
	int reached;
	uint64_t f99, f100; /* failure known */
	int fknown;
	double steady_bps, fp_s, fp_per_hour;
	uint64_t fps, fp_hosts;
	uint64_t back99, back100; /* a failed host's record back, after its return */
	int back, back_of;
	uint64_t syncs, partial;   /* sync requests sent by all, of those partial */
	uint64_t to_it;		   /* sync requests it answered */
	double in_steady, in_peak; /* its packets in per second: before, peak */
};

/* Packets host @i has received. */
static uint64_t packets_in(int i)
{
	return vf__swim_stats(sim.nodes[i].s)->packets_in;
}

/* Steps of virtual time until @done holds for every host that is up but
 * @skip, at most @max_ms; @sample, if given, after each step. */
static void run_until(bool (*done)(const struct bnode *), int skip, uint64_t max_ms,
		      void (*sample)(void))
{
	for (uint64_t t = 0; t < max_ms; t += 100) {
		bool all = true;

		run(100);
		if (sample)
			sample();
		for (int i = 0; i < nb && all; i++)
			all = i == skip || sim.nodes[i].down || done(&bn[i]);
		if (all)
			break;
	}
}

static bool has_lost(const struct bnode *b)
{
	return b->lost_at != 0;
}

static bool has_got(const struct bnode *b)
{
	return b->got_at != 0;
}

static uint64_t in_last, in_peak;

static void sample_in(void)
{
	uint64_t now = packets_in(0);

	if (now - in_last > in_peak)
		in_peak = now - in_last;
	in_last = now;
}

/* Host 0, whose port is the watched VIP, fails; once every other host
 * (that is up: n1 stays down) has withdrawn its record it returns
 * (joining through n2): how long until every host has the record again,
 * how many sync requests went, and its peak of packets in per 100 ms
 * against its steady rate. */
static void ret(uint64_t *v, struct result *r)
{
	uint64_t syncs0 = 0, partial0 = 0, in0, start, to0;
	int rc, up = 0;

	in0 = packets_in(0);
	run(10000);
	r->in_steady = (double)(packets_in(0) - in0) / 10.0;
	for (int i = 0; i < nb; i++) {
		const struct vf__locsvc_stats *st = vf__locsvc_stats(bn[i].ls);

		syncs0 += st->syncs_sent;
		partial0 += st->syncs_partial;
		bn[i].lost_at = 0;
	}
	to0 = vf__locsvc_stats(bn[0].ls)->syncs_in;
	sim.nodes[0].down = true;
	run_until(has_lost, 0, nb >= 10000 ? 90000 : 180000, NULL);
	for (int i = 0; i < nb; i++)
		bn[i].got_at = 0;
	sim.nodes[0].down = false;
	if ((rc = vf__swim_join(sim.nodes[0].s, &sim.nodes[2].addr)) < 0)
		die("vf__swim_join", rc);
	start = sim.now;
	in_last = packets_in(0);
	in_peak = 0;
	run_until(has_got, 0, 120000, sample_in);
	for (int i = 1; i < nb; i++) {
		if (sim.nodes[i].down)
			continue;
		v[up++] = bn[i].got_at ? bn[i].got_at - start : UINT64_MAX;
		r->back += bn[i].got_at != 0;
	}
	r->back_of = up;
	r->back99 = quantile(v, up, 0.99);
	r->back100 = quantile(v, up, 1.0);
	for (int i = 0; i < nb; i++) {
		const struct vf__locsvc_stats *st = vf__locsvc_stats(bn[i].ls);

		r->syncs += st->syncs_sent;
		r->partial += st->syncs_partial;
	}
	r->syncs -= syncs0;
	r->to_it = vf__locsvc_stats(bn[0].ls)->syncs_in - to0;
	r->partial -= partial0;
	r->in_peak = (double)in_peak * 10.0;
	fprintf(stderr,
		"N=%d: a failed host back: its record everywhere 99%% %llu ms, 100%% %llu ms "
		"(%d of %d); %llu sync requests, %llu to it (%llu partial); its packets in "
		"%.0f/s steady, peak %.0f/s over 100 ms\n",
		nb, (unsigned long long)r->back99, (unsigned long long)r->back100, r->back,
		up, (unsigned long long)r->syncs, (unsigned long long)r->to_it,
		(unsigned long long)r->partial,
		r->in_steady, r->in_peak);
}

static void one(int n, bool quick, struct result *r)
{
	double t0 = now_s(), tb;
	size_t m0 = heap_bytes(), m1;
	uint32_t gi;
	uint64_t b0, start, *v;
	double steady_s, fp_s;
	vf_port *port;
	int rc;

	memset(r, 0, sizeof(*r));
	r->n = n;
	build(n);
	warm_start();
	m1 = heap_bytes();
	tb = now_s();
	r->build_s = tb - t0;
	r->mem_member = (double)(m1 - m0) / ((double)n * n);
	gi = 200;
	fprintf(stderr, "N=%d: formed in %.1f s, heap %.2f GiB\n", n, r->build_s,
		(double)(m1 - m0) / (1 << 30));
	run(5000); /* settle: the warm start's few syncs */

	/* steady state: bytes sent per host (UDP and TCP, every message) */
	steady_s = n >= 10000 ? (quick ? 30 : 120) : n >= 1000 ? 300 : 600;
	b0 = bytes_out();
	run((uint64_t)(steady_s * 1000));
	r->steady_bps = (double)(bytes_out() - b0) / n / steady_s;
	fprintf(stderr, "N=%d: steady %.0f B/s per host (%.1f s)\n", n, r->steady_bps,
		now_s() - t0);

	/* one location update: host 0 publishes a port */
	watch_vip = NET | 0x0105;
	{
		VF_OPTS(vf_port_opts, po, .name = "p0", .vip = watch_vip);

		if ((rc = vf_port_create(&port, fab_subnet, &po)) < 0)
			die("vf_port_create", rc);
	}
	start = sim.now;
	vf__locsvc_tick(bn[0].ls);
	for (int step = 0; step < 3000; step++) {
		bool all = true;

		sim_run(&sim, sim.now + 10);
		if (sim.now % LOC_TICK_MS == 0)
			for (int i = 0; i < nb; i++)
				vf__locsvc_tick(bn[i].ls);
		for (int i = 1; i < nb && all; i++)
			all = bn[i].got_at != 0;
		if (all)
			break;
	}
	v = malloc((size_t)n * sizeof(*v));
	for (int i = 1; i < n; i++) {
		v[i - 1] = bn[i].got_at ? bn[i].got_at - start : UINT64_MAX;
		r->reached += bn[i].got_at != 0;
	}
	r->t99 = quantile(v, n - 1, 0.99);
	r->t100 = quantile(v, n - 1, 1.0);
	fprintf(stderr, "N=%d: update 99%% %llu ms, 100%% %llu ms (%.1f s)\n", n,
		(unsigned long long)r->t99, (unsigned long long)r->t100, now_s() - t0);

	/* false positives under 10% packet loss (each way, every packet) */
	fp_s = n >= 10000 ? (quick ? 30 : 120) : n >= 1000 ? (quick ? 300 : 1800)
							    : (quick ? 600 : 3600);
	if (loss_s > 0)
		fp_s = loss_s;
	sim.loss = 100000;
	fp_phase = true;
	run((uint64_t)(fp_s * 1000));
	fp_phase = false;
	sim.loss = 0;
	for (int i = 0; i < n; i++) {
		r->fps += bn[i].fps;
		r->fp_hosts += bn[i].fps != 0;
	}
	r->fp_s = fp_s;
	r->fp_per_hour = (double)r->fps / n * 3600.0 / fp_s;
	fprintf(stderr, "N=%d: %llu failures seen under loss in %.0f s (%.1f s)\n", n,
		(unsigned long long)r->fps, fp_s, now_s() - t0);
	run(n >= 10000 ? 20000 : 60000); /* the refuted come back */

	/* a host fails: how long until every other knows */
	watch_failed = "n1";
	sim.nodes[1].down = true;
	start = sim.now;
	for (int step = 0; step < (n >= 10000 ? 900 : 1800); step++) {
		bool all = true;

		run(100);
		for (int i = 0; i < nb && all; i++)
			all = i == 1 || bn[i].failed_at != 0;
		if (all)
			break;
	}
	for (int i = 0, k = 0; i < n; i++) {
		if (i == 1)
			continue;
		v[k++] = bn[i].failed_at ? bn[i].failed_at - start : UINT64_MAX;
		r->fknown += bn[i].failed_at != 0;
	}
	r->f99 = quantile(v, n - 1, 0.99);
	r->f100 = quantile(v, n - 1, 1.0);
	watch_failed = NULL;
	ret(v, r);
	free(v);
	vf_port_destroy(port);
	r->wall_s = now_s() - t0;
	(void)gi;
	teardown();
}

static void ms_cell(char *out, size_t len, uint64_t ms)
{
	if (ms == UINT64_MAX)
		snprintf(out, len, "never");
	else
		snprintf(out, len, "%.2f s (%llu rounds)", ms / 1000.0,
			 (unsigned long long)((ms + 199) / 200));
}

/* Memory per location record: one service holds @n records from 1,000
 * origins (as if gossiped to it), heap in use before and after. */
static void record_memory(size_t n)
{
	struct vf__locsvc_table t = count_table;
	struct vf__locsvc_opts lo = {.name = "self", .table = &t};
	struct bnode b = {0};
	struct vf__locsvc *ls;
	size_t m0, m1, per = 64;
	uint8_t mac[6] = {2, 0, 0, 0, 0, 1};
	char name[16];
	int rc;

	t.ctx = &b;
	m0 = heap_bytes();
	if ((rc = vf__locsvc_create(&ls, &lo)) < 0)
		die("vf__locsvc_create", rc);
	for (size_t i = 0; i < n; i += per) {
		struct vf__loc_rec recs[64];
		struct vf__loc_msg m = {.type = VF__LOC_UPDATE};
		struct vf__gbuf buf = {0};

		snprintf(name, sizeof(name), "h%zu", (i / per) % 1000);
		for (size_t k = 0; k < per; k++)
			recs[k] = (struct vf__loc_rec){
				vf__gbytes_str(name), CELL, (uint32_t)(NET + i + k), 1,
				0xc0a80000u | (uint32_t)(i / per % 1000),
				(struct vf__gbytes){mac, 6}, (struct vf__gbytes){mac, 6},
				1 + i / per / 1000, false};
		m.u.update.recs = recs;
		m.u.update.n = per;
		if (vf__loc_msg_encode(&buf, &m) < 0)
			die("vf__loc_msg_encode", -EINVAL);
		vf__locsvc_user(ls, buf.data, buf.len);
		vf__gbuf_free(&buf);
	}
	m1 = heap_bytes();
	printf("memory per location record: %.1f bytes (%zu records from 1,000 origins "
	       "in one service, heap in use by mallinfo2; target 64: %.2fx)\n",
	       (double)(m1 - m0) / (double)vf__locsvc_count(ls), vf__locsvc_count(ls),
	       (double)(m1 - m0) / (double)vf__locsvc_count(ls) / 64.0);
	vf__locsvc_destroy(ls);
}

int main(int argc, char **argv)
{
	int sizes[8] = {100, 1000, 10000}, nsizes = 3, a = 1;
	bool quick = false, plain = false;
	struct result r[8];

	for (; a < argc && argv[a][0] == '-'; a++) {
		if (!strcmp(argv[a], "-q")) {
			quick = true;
		} else if (!strcmp(argv[a], "-u")) {
			plain = true;
		} else if (!strcmp(argv[a], "-l") && a + 1 < argc && atof(argv[a + 1]) > 0) {
			loss_s = atof(argv[++a]);
		} else {
			fprintf(stderr, "usage: %s [-q] [-u] [-l SECONDS] [N...]\n"
				"  -q  quick: short loss and steady windows\n"
				"  -u  uncompressed push-pull (VF_GOSSIP_F_NO_COMPRESS)\n"
				"  -l  the lossy (10%%) window for every N, virtual seconds\n",
				argv[0]);
			return 2;
		}
	}
	if (a < argc)
		for (nsizes = 0; a < argc && nsizes < 8; a++)
			sizes[nsizes++] = atoi(argv[a]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	compress = !plain;
	printf("# gossip simulation: LAN profile (probe 1 s, gossip 200 ms to 3 hosts, "
	       "retransmit_mult 4, push-pull 30 s scaled, %s), one-way delay 1-3 ms\n",
	       compress ? "LZW-compressed as by default" : "uncompressed");
	record_memory(100000);
	for (int i = 0; i < nsizes; i++)
		one(sizes[i], quick, &r[i]);
	printf("\n| N | one update: 99%% | 100%% (target 2 s at N=10,000) | failure known by "
	       "all | false positives per host-hour at 10%% loss (run) | steady bytes/s "
	       "per host (target 2,048) | swim+locsvc memory per member per host | run |\n");
	printf("|---|---|---|---|---|---|---|---|\n");
	for (int i = 0; i < nsizes; i++) {
		char a99[48], a100[48], f100[48];

		ms_cell(a99, sizeof(a99), r[i].t99);
		ms_cell(a100, sizeof(a100), r[i].t100);
		ms_cell(f100, sizeof(f100), r[i].f100);
		printf("| %d | %s | %s (%.2fx) | %s | %.3f (%llu seen by %llu hosts in %.0f s%s) | "
		       "%.0f (%.2fx) | %.0f B | %.0f s |\n",
		       r[i].n, a99, a100, r[i].t100 == UINT64_MAX ? 0 : r[i].t100 / 2000.0,
		       f100, r[i].fp_per_hour, (unsigned long long)r[i].fps,
		       (unsigned long long)r[i].fp_hosts, r[i].fp_s,
		       r[i].fp_s < 3600 ? ", extrapolated to an hour" : "", r[i].steady_bps,
		       r[i].steady_bps / 2048.0, r[i].mem_member, r[i].wall_s);
	}
	printf("\n| N | a failed host back: its records everywhere, 99%% | 100%% | sync "
	       "requests: all | to it | its packets in per s: steady | peak (100 ms) |\n");
	printf("|---|---|---|---|---|---|---|\n");
	for (int i = 0; i < nsizes; i++) {
		char b99[48], b100[48];

		ms_cell(b99, sizeof(b99), r[i].back99);
		ms_cell(b100, sizeof(b100), r[i].back100);
		printf("| %d | %s | %s | %llu | %llu | %.0f | %.0f (%.1fx) |\n", r[i].n, b99,
		       b100, (unsigned long long)r[i].syncs, (unsigned long long)r[i].to_it,
		       r[i].in_steady, r[i].in_peak,
		       r[i].in_steady > 0 ? r[i].in_peak / r[i].in_steady : 0.0);
	}
	return 0;
}
