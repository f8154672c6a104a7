/*
 * The pipeline's cost per packet (issue 3): for each scenario, batches of
 * 32 pre-built 64-byte frames go through the in-process path
 * (vf_port_inject_batch / vf_fabric_inject_underlay_batch) and the output
 * callback only counts. Prints ns per packet (min and median of several runs).
 *
 * Instructions per packet come from callgrind, which is repeatable on this
 * machine where perf has no counters: `bench_pipeline --one SCENARIO N`
 * runs only that scenario, N packets, inside measure(); the script
 * tests/bench/pipeline.sh runs callgrind with --toggle-collect=measure for
 * each scenario and divides. Figures only; nothing here passes or fails
 * on time.
 *
 * `--no-cache` first turns the inject path's flow cache off
 * (vf__pipe_flowcache(f, 0), an internal call: this program links the
 * static archive), so every packet takes the whole pipeline, as the first
 * packet of each flow does.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vfabric/vfabric.h>

#include "pipeline/pipeline.h"

#define BATCH 32
#define NFRAMES 10000 /* distinct frames per scenario (flows) */
#define RULES 1000

static const vf_mac host = {{0x52, 0x54, 0x00, 0x00, 0x00, 0x01}};
static const vf_mac peer = {{0x52, 0x54, 0x00, 0x00, 0x00, 0x02}};
static uint64_t outputs;

static void count_output(void *ud, vf_port *port, const uint8_t *frame, size_t len)
{
	(void)ud;
	(void)port;
	(void)frame;
	(void)len;
	outputs++;
}

static void must(int rc, const char *what)
{
	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", what, vf_last_error());
		exit(1);
	}
}

/* ---- frames (an independent builder: checksums by RFC 1071) ---- */

static uint16_t csum(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)(p[n - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* A 64-byte Ethernet/IPv4/UDP frame (18 bytes of payload after 46 of
 * headers... 14 + 20 + 8 + 22 = 64). */
static void udp_frame(uint8_t *f, vf_mac src, vf_mac dst, uint32_t sip, uint32_t dip,
		      uint16_t sport, uint16_t dport, uint8_t ttl)
{
	memset(f, 0, 64);
	memcpy(f, dst.addr, 6);
	memcpy(f + 6, src.addr, 6);
	put16(f + 12, 0x0800);
	f[14] = 0x45;
	put16(f + 16, 50);
	f[22] = ttl;
	f[23] = 17;
	put32(f + 26, sip);
	put32(f + 30, dip);
	put16(f + 24, csum(f + 14, 20, 0));
	put16(f + 34, sport);
	put16(f + 36, dport);
	put16(f + 38, 30);
}

static void arp_frame(uint8_t *f, vf_mac src, uint32_t sip, uint32_t tip)
{
	memset(f, 0, 64);
	memset(f, 0xff, 6);
	memcpy(f + 6, src.addr, 6);
	put16(f + 12, 0x0806);
	put16(f + 14, 1);
	put16(f + 16, 0x0800);
	f[18] = 6;
	f[19] = 4;
	put16(f + 20, 1);
	memcpy(f + 22, src.addr, 6);
	put32(f + 28, sip);
	put32(f + 38, tip);
}

/* A DHCPDISCOVER (300-byte BOOTP minimum) in a 342-byte frame. */
static size_t dhcp_frame(uint8_t *f, vf_mac src, uint8_t type)
{
	uint8_t *b = f + 42;

	memset(f, 0, 342);
	memset(f, 0xff, 6);
	memcpy(f + 6, src.addr, 6);
	put16(f + 12, 0x0800);
	f[14] = 0x45;
	put16(f + 16, 328);
	f[22] = 64;
	f[23] = 17;
	put32(f + 30, 0xffffffff);
	put16(f + 24, csum(f + 14, 20, 0));
	put16(f + 34, 68);
	put16(f + 36, 67);
	put16(f + 38, 308);
	b[0] = 1;
	b[1] = 1;
	b[2] = 6;
	put32(b + 4, 0x1234);
	memcpy(b + 28, src.addr, 6);
	put32(b + 236, 0x63825363);
	b[240] = 53;
	b[241] = 1;
	b[242] = type;
	if (type == 3) {
		b[243] = 50;
		b[244] = 4;
		memcpy(b + 245, (uint8_t[]){10, 1, 1, 2}, 4);
		b[249] = 255;
	} else {
		b[243] = 255;
	}
	return 342;
}

/* ---- the fabric ---- */

struct world {
	vf_fabric *f;
	vf_port *vm1, *vm2, *vm3, *guarded;
};

static void build(struct world *w)
{
	vf_cell *c;
	vf_subnet *web, *db, *app;
	vf_router *r;
	vf_secgroup *g;
	VF_OPTS(vf_fabric_opts, fo, .host_name = "bench", .host_mac = host);
	VF_OPTS(vf_cell_opts, co, .id = 1);
	VF_OPTS(vf_subnet_opts, so, .name = "app",
		.prefix = {0x0a010000 | 3 << 8, 24, {0}});
	VF_OPTS(vf_port_opts, p1, .name = "vm1");
	VF_OPTS(vf_port_opts, p2, .name = "vm2");
	VF_OPTS(vf_port_opts, p3, .name = "vm3");
	VF_OPTS(vf_port_opts, p4, .name = "guarded");

	must(vf_fabric_create(&w->f, &fo), "fabric");
	must(vf_fabric_set_output(w->f, count_output, NULL), "output");
	must(vf_cell_create(&c, w->f, &co), "cell");
	must(vf_subnet_create(&web, c, NULL), "subnet");
	must(vf_subnet_create(&db, c, NULL), "subnet");
	must(vf_subnet_create(&app, c, &so), "subnet");
	must(vf_router_create(&r, c, NULL), "router");
	must(vf_router_attach(r, web, NULL), "attach");
	must(vf_router_attach(r, db, NULL), "attach");
	must(vf_port_create(&w->vm1, web, &p1), "port");
	must(vf_port_create(&w->vm2, web, &p2), "port");
	must(vf_port_create(&w->vm3, db, &p3), "port");
	must(vf_port_create(&w->guarded, app, &p4), "port");
	/* 1,000 egress rules; the one that matches is the last */
	must(vf_secgroup_create(&g, c, NULL), "secgroup");
	for (int i = 0; i < RULES; i++) {
		VF_OPTS(vf_rule, rule, .direction = VF_DIR_EGRESS,
			.protocol = VF_PROTO_TCP, .port_min = (uint16_t)(1000 + i),
			.port_max = (uint16_t)(1000 + i));
		if (i == RULES - 1) {
			rule.protocol = VF_PROTO_UDP;
			rule.port_min = rule.port_max = 7;
		}
		must(vf_secgroup_add_rule(g, &rule), "rule");
	}
	must(vf_port_add_secgroup(w->guarded, g), "add secgroup");
	/* the remote VMs: 10.1.1.100 and 10.1.3.100, on host `peer` */
	for (uint32_t s = 1; s <= 3; s += 2) {
		VF_OPTS(vf_location, l, .cell_id = 1, .vip = 0x0a010064 | s << 8,
			.subnet_id = s, .vmac = {{2, 1, 10, 1, (uint8_t)s, 100}},
			.host_mac = peer);

		must(vf_location_set(w->f, &l), "location");
	}
}

/* ---- scenarios ---- */

struct scenario {
	const char *name;
	vf_port *from; /* NULL: underlay */
	uint8_t (*frames)[342];
	vf_frame *batch; /* the frames, as the batch calls take them */
	size_t len, n;
};

static void make(struct world *w, struct scenario *s, int which)
{
	vf_mac v1 = vf_port_vmac(w->vm1), v2 = vf_port_vmac(w->vm2);
	vf_mac rv, vg = vf_port_vmac(w->guarded);
	vf_mac remote = {{2, 1, 10, 1, 1, 100}};

	vf_router_iface_mac(vf_cell_router(vf_port_cell(w->vm1)), vf_port_subnet(w->vm1),
			    &rv);
	s->frames = calloc(NFRAMES, sizeof(*s->frames));
	s->n = NFRAMES;
	s->len = 64;
	s->from = w->vm1;
	for (size_t i = 0; i < NFRAMES; i++) {
		uint8_t *f = s->frames[i];
		uint16_t sp = (uint16_t)(10000 + i);

		switch (which) {
		case 0: /* local bridged */
			s->name = "local bridged";
			udp_frame(f, v1, v2, 0x0a010102, 0x0a010103, sp, 7, 64);
			break;
		case 1: /* local routed */
			s->name = "local routed";
			udp_frame(f, v1, rv, 0x0a010102, 0x0a010202, sp, 7, 64);
			break;
		case 2: /* remote rewrite */
			s->name = "remote rewrite";
			udp_frame(f, v1, remote, 0x0a010102, 0x0a010164, sp, 7, 64);
			break;
		case 3: /* underlay receive */
			s->name = "underlay receive";
			s->from = NULL;
			udp_frame(f, peer, host, 0x0a010164, 0x0a010102, sp, 7, 64);
			break;
		case 4: /* ARP reply */
			s->name = "ARP reply";
			arp_frame(f, v1, 0x0a010102, 0x0a010101);
			break;
		case 5: /* DHCP: DISCOVER and REQUEST in turn */
			s->name = "DHCP exchange";
			s->len = dhcp_frame(f, v1, i & 1 ? 3 : 1);
			break;
		default: /* remote rewrite, 1,000 rules, 10,000 tracked connections */
			s->name = "remote rewrite, 1000 rules, 10k conns";
			s->from = w->guarded;
			udp_frame(f, vg, (vf_mac){{2, 1, 10, 1, 3, 100}}, 0x0a010302,
				  0x0a010364, sp, 7, 64);
			break;
		}
	}
	s->batch = calloc(NFRAMES, sizeof(*s->batch));
	for (size_t i = 0; s->batch && i < NFRAMES; i++)
		s->batch[i] = (vf_frame){.data = s->frames[i], .len = (uint32_t)s->len};
}

/* @n packets of scenario @s in batches of BATCH, through the batch calls
 * (vf_port_inject_batch, vf_fabric_inject_underlay_batch). */
static void run_frames(struct world *w, struct scenario *s, size_t n)
{
	size_t k = 0;

	for (size_t done = 0; done < n; done += BATCH, k += BATCH) {
		if (k + BATCH > s->n)
			k = 0;
		(s->from ? vf_port_inject_batch(s->from, s->batch + k, BATCH)
			 : vf_fabric_inject_underlay_batch(w->f, s->batch + k, BATCH));
	}
}

/* The measured run: callgrind counts only what happens inside measure()
 * (--toggle-collect=measure), not the warm-up. */
__attribute__((noinline)) void measure(struct world *w, struct scenario *s, size_t n);
__attribute__((noinline)) void measure(struct world *w, struct scenario *s, size_t n)
{
	run_frames(w, s, n);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

#define NSCEN 7
#define RUNS 7

int main(int argc, char **argv)
{
	struct world w;
	struct scenario s[NSCEN];
	size_t n = 1 << 20;
	bool cache = true;

	build(&w);
	if (argc > 1 && !strcmp(argv[1], "--no-cache")) {
		must(vf__pipe_flowcache(w.f, 0), "no flow cache");
		cache = false;
		argc--;
		argv++;
	}
	for (int i = 0; i < NSCEN; i++)
		make(&w, &s[i], i);
	if (argc == 4 && !strcmp(argv[1], "--one")) {
		int i = atoi(argv[2]);

		if (i < 0 || i >= NSCEN)
			return 2;
		run_frames(&w, &s[i], NFRAMES); /* warm up: its 10,000 flows tracked */
		measure(&w, &s[i], strtoul(argv[3], NULL, 10));
		return 0;
	}
	/* warm up: fill connection tracking (10,000 flows per scenario) */
	for (int i = 0; i < NSCEN; i++)
		run_frames(&w, &s[i], NFRAMES);
	printf("libvfabric %s pipeline benchmark: 64-byte frames (DHCP: 342), batches of "
	       "%d, "
	       "%zu packets per run, %d runs, flow cache %s\n\n",
	       vf_version_string(), BATCH, n, RUNS, cache ? "on" : "off");
	printf("%-40s %10s %10s %12s\n", "scenario", "min ns/pkt", "median", "out/pkt");
	for (int i = 0; i < NSCEN; i++) {
		double t[RUNS];
		uint64_t out0 = outputs;

		for (int r = 0; r < RUNS; r++) {
			double t0 = now_ns();

			measure(&w, &s[i], n);
			t[r] = (now_ns() - t0) / (double)n;
		}
		qsort(t, RUNS, sizeof(t[0]), cmp_double);
		printf("%-40s %10.1f %10.1f %12.2f\n", s[i].name, t[0], t[RUNS / 2],
		       (double)(outputs - out0) / (double)(n * RUNS));
	}
	for (int i = 0; i < NSCEN; i++) {
		free(s[i].frames);
		free(s[i].batch);
	}
	return 0;
}
