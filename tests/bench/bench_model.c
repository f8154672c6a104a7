/*
 * bench_model: how fast the object model is built, searched, walked and
 * torn down, and how much memory a port costs, through the public API only.
 *
 *   bench_model [PORTS [CELLS [REPS [SUBNETS_PER_CELL]]]]
 *
 * Defaults: 10000 ports in 100 cells, 5 repetitions, 2 subnets per cell.
 * Every cell gets its subnets, a router attached to each of them, and its
 * share of the ports, spread evenly over its subnets, with automatic VIPs
 * and VMACs. Prefixes are given explicitly (consecutive blocks of
 * 10.0.0.0/8, /24 or larger as the ports need), so the same layout works
 * for any number of cells and the VIPs are unique across the fabric as
 * rewrite mode requires.
 *
 * It prints figures only: there is no timing threshold. The exit status is
 * 0, or 1 when an API call fails or returns something other than what the
 * headers promise (the message says which call and vf_last_error()).
 */
#include <vfabric/vfabric.h>

#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef VF_BENCH_BUILD_TYPE
#define VF_BENCH_BUILD_TYPE ""
#endif
#ifndef VF_BENCH_SANITIZE
#define VF_BENCH_SANITIZE ""
#endif

#define NAME_LEN 32

struct layout {
	size_t ports;
	size_t cells;
	size_t reps;
	size_t subnets_per_cell;
	size_t subnets;       /* cells * subnets_per_cell */
	unsigned host_bits;   /* of every subnet prefix */
};

/* Everything the benchmark keeps about the model it builds. Allocated
 * once, before any measurement, so it never counts as the library's. */
struct model {
	vf_fabric *fabric;
	vf_cell **cell;          /* [cells] */
	vf_router **router;      /* [cells] */
	vf_subnet **subnet;      /* [subnets] */
	vf_port **port;          /* [ports] */
	size_t *port_subnet;     /* [ports] index into subnet[] */
	uint32_t *port_vip;      /* [ports] as created */
	uint32_t *port_id;       /* [ports] as created */
	char (*port_name)[NAME_LEN];
	size_t *order;           /* [ports] shuffled look-up order */
};

/* One phase's samples, in nanoseconds. */
struct samples {
	const char *label;
	double *ns;
	size_t n;
};

static const struct layout *g_layout;

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("bench_model: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* Fails the run when a call returned a negative errno. */
static void check(int rc, const char *call)
{
	if (rc < 0)
		die("%s failed: %s (%s)", call, vf_last_error(), vf_strerror(rc));
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		die("out of memory for the benchmark's own arrays");
	return p;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Bytes the allocator has handed out, heap and mmap'ed chunks alike. */
static size_t heap_bytes(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static size_t rss_bytes(void)
{
	unsigned long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

static void add_sample(struct samples *s, double ns)
{
	s->ns[s->n++] = ns;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static size_t parse_count(const char *s, const char *what, size_t min)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v < min || v > 100000000ull) {
		fprintf(stderr, "bench_model: bad %s '%s' (want %zu or more)\n",
			what, s, min);
		exit(2);
	}
	return (size_t)v;
}

/* Ports of subnet k: an even share, the first ones taking the remainder. */
static size_t ports_in_subnet(const struct layout *l, size_t k)
{
	return l->ports / l->subnets + (k < l->ports % l->subnets ? 1 : 0);
}

static void model_alloc(struct model *m, const struct layout *l)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;

	m->cell = xcalloc(l->cells, sizeof(*m->cell));
	m->router = xcalloc(l->cells, sizeof(*m->router));
	m->subnet = xcalloc(l->subnets, sizeof(*m->subnet));
	m->port = xcalloc(l->ports, sizeof(*m->port));
	m->port_subnet = xcalloc(l->ports, sizeof(*m->port_subnet));
	m->port_vip = xcalloc(l->ports, sizeof(*m->port_vip));
	m->port_id = xcalloc(l->ports, sizeof(*m->port_id));
	m->port_name = xcalloc(l->ports, sizeof(*m->port_name));
	m->order = xcalloc(l->ports, sizeof(*m->order));

	for (size_t i = 0; i < l->ports; i++) {
		snprintf(m->port_name[i], NAME_LEN, "vnet%zu", i);
		m->order[i] = i;
	}
	/* Look-ups visit the ports in a fixed pseudo-random order, so that
	 * creation order does not flatter the caches. */
	for (size_t i = l->ports; i > 1; i--) {
		size_t j, t;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		j = (size_t)(x % i);
		t = m->order[i - 1];
		m->order[i - 1] = m->order[j];
		m->order[j] = t;
	}
}

static void model_free(struct model *m)
{
	free(m->cell);
	free(m->router);
	free(m->subnet);
	free(m->port);
	free(m->port_subnet);
	free(m->port_vip);
	free(m->port_id);
	free(m->port_name);
	free(m->order);
}

/* Builds fabric, cells, subnets, routers and ports. */
static void build(struct model *m, const struct layout *l)
{
	VF_OPTS(vf_fabric_opts, fopts, .host_name = "bench-host");
	size_t p = 0;

	check(vf_fabric_create(&m->fabric, &fopts), "vf_fabric_create()");
	for (size_t c = 0; c < l->cells; c++) {
		VF_OPTS(vf_cell_opts, copts, .id = (uint32_t)(c + 1));

		check(vf_cell_create(&m->cell[c], m->fabric, &copts), "vf_cell_create()");
		check(vf_router_create(&m->router[c], m->cell[c], NULL),
		      "vf_router_create()");
		for (size_t s = 0; s < l->subnets_per_cell; s++) {
			size_t k = c * l->subnets_per_cell + s;
			VF_OPTS(vf_subnet_opts, sopts,
				.prefix = { .addr = 0x0a000000u |
						    (uint32_t)(k << l->host_bits),
					    .len = (uint8_t)(32 - l->host_bits) });

			check(vf_subnet_create(&m->subnet[k], m->cell[c], &sopts),
			      "vf_subnet_create()");
			check(vf_router_attach(m->router[c], m->subnet[k], NULL),
			      "vf_router_attach()");
			for (size_t n = ports_in_subnet(l, k); n > 0; n--, p++) {
				VF_OPTS(vf_port_opts, popts, .name = m->port_name[p]);

				check(vf_port_create(&m->port[p], m->subnet[k], &popts),
				      "vf_port_create()");
				m->port_subnet[p] = k;
			}
		}
	}
	if (p != l->ports)
		die("internal: built %zu ports, wanted %zu", p, l->ports);
}

/* Reads back what the library assigned, and checks the counts. */
static void record(struct model *m, const struct layout *l)
{
	if (vf_fabric_port_count(m->fabric) != l->ports)
		die("vf_fabric_port_count() = %zu, %zu ports were created",
		    vf_fabric_port_count(m->fabric), l->ports);
	if (vf_fabric_cell_count(m->fabric) != l->cells)
		die("vf_fabric_cell_count() = %zu, %zu cells were created",
		    vf_fabric_cell_count(m->fabric), l->cells);
	for (size_t i = 0; i < l->ports; i++) {
		m->port_vip[i] = vf_port_vip(m->port[i]);
		m->port_id[i] = vf_port_id(m->port[i]);
		if (m->port_vip[i] == 0 || m->port_id[i] == 0)
			die("port '%s' has VIP %" PRIu32 " and id %" PRIu32,
			    m->port_name[i], m->port_vip[i], m->port_id[i]);
	}
}

static void lookup_by_name(const struct model *m, const struct layout *l)
{
	for (size_t n = 0; n < l->ports; n++) {
		size_t i = m->order[n];
		vf_port *p = vf_fabric_port_by_name(m->fabric, m->port_name[i]);

		if (p != m->port[i])
			die("vf_fabric_port_by_name(\"%s\") returned %p, not the "
			    "handle %p that vf_port_create() returned",
			    m->port_name[i], (void *)p, (void *)m->port[i]);
	}
}

static void lookup_by_vip(const struct model *m, const struct layout *l)
{
	for (size_t n = 0; n < l->ports; n++) {
		size_t i = m->order[n];
		vf_cell *cell = m->cell[m->port_subnet[i] / l->subnets_per_cell];
		vf_port *p = vf_cell_port_by_vip(cell, m->port_vip[i]);

		if (p != m->port[i]) {
			char ip[VF_IPV4_STRLEN];

			vf_ipv4_format(ip, sizeof(ip), m->port_vip[i]);
			die("vf_cell_port_by_vip(cell %" PRIu32 ", %s) returned %p, "
			    "not port '%s' (%p)", vf_cell_id(cell), ip, (void *)p,
			    m->port_name[i], (void *)m->port[i]);
		}
	}
}

static void lookup_by_id(const struct model *m, const struct layout *l)
{
	for (size_t n = 0; n < l->ports; n++) {
		size_t i = m->order[n];
		vf_subnet *s = m->subnet[m->port_subnet[i]];
		vf_port *p = vf_subnet_port_by_id(s, m->port_id[i]);

		if (p != m->port[i])
			die("vf_subnet_port_by_id(%" PRIu32 ") returned %p, not "
			    "port '%s' (%p)", m->port_id[i], (void *)p,
			    m->port_name[i], (void *)m->port[i]);
	}
}

/* Walks cells -> subnets -> ports, reading each port's VIP and name. */
static void iterate(const struct model *m, const struct layout *l)
{
	size_t cells = 0, subnets = 0, ports = 0;
	uint64_t sum = 0, want = 0;

	for (vf_cell *c = vf_fabric_next_cell(m->fabric, NULL); c;
	     c = vf_fabric_next_cell(m->fabric, c)) {
		cells++;
		for (vf_subnet *s = vf_cell_next_subnet(c, NULL); s;
		     s = vf_cell_next_subnet(c, s)) {
			subnets++;
			for (vf_port *p = vf_subnet_next_port(s, NULL); p;
			     p = vf_subnet_next_port(s, p)) {
				ports++;
				sum += vf_port_vip(p) + (uint8_t)vf_port_name(p)[0];
			}
		}
	}
	for (size_t i = 0; i < l->ports; i++)
		want += m->port_vip[i] + (uint8_t)m->port_name[i][0];
	if (cells != l->cells || subnets != l->subnets || ports != l->ports ||
	    sum != want)
		die("iteration found %zu cells, %zu subnets, %zu ports (want %zu, "
		    "%zu, %zu)%s", cells, subnets, ports, l->cells, l->subnets,
		    l->ports, sum != want ? " and other VIPs or names" : "");
}

/* Children first, newest first: the order a careful manager tears down. */
static void destroy_reverse(struct model *m, const struct layout *l)
{
	for (size_t i = l->ports; i-- > 0;)
		vf_port_destroy(m->port[i]);
	for (size_t c = l->cells; c-- > 0;) {
		vf_router_destroy(m->router[c]);
		for (size_t s = l->subnets_per_cell; s-- > 0;)
			vf_subnet_destroy(m->subnet[c * l->subnets_per_cell + s]);
		vf_cell_destroy(m->cell[c]);
	}
	vf_fabric_destroy(m->fabric);
}

/* The fabric first (which removes the whole model at once), then the
 * handles the caller still holds, parents before children. Returns the
 * time vf_fabric_destroy() alone took. */
static double destroy_fabric_first(struct model *m, const struct layout *l)
{
	double t0 = now_ns(), t1;

	vf_fabric_destroy(m->fabric);
	t1 = now_ns();
	for (size_t c = 0; c < l->cells; c++) {
		vf_cell_destroy(m->cell[c]);
		vf_router_destroy(m->router[c]);
	}
	for (size_t k = 0; k < l->subnets; k++)
		vf_subnet_destroy(m->subnet[k]);
	for (size_t i = 0; i < l->ports; i++)
		vf_port_destroy(m->port[i]);
	return t1 - t0;
}

static void print_time(char *buf, size_t len, double ns)
{
	if (ns >= 1e9)
		snprintf(buf, len, "%.3f s", ns / 1e9);
	else if (ns >= 1e6)
		snprintf(buf, len, "%.3f ms", ns / 1e6);
	else
		snprintf(buf, len, "%.1f us", ns / 1e3);
}

static void print_bytes(char *buf, size_t len, double b)
{
	if (b >= 1024.0 * 1024.0 * 1024.0)
		snprintf(buf, len, "%.2f GiB", b / (1024.0 * 1024.0 * 1024.0));
	else if (b >= 1024.0 * 1024.0 || b <= -1024.0 * 1024.0)
		snprintf(buf, len, "%.2f MiB", b / (1024.0 * 1024.0));
	else if (b >= 1024.0 || b <= -1024.0)
		snprintf(buf, len, "%.1f KiB", b / 1024.0);
	else
		snprintf(buf, len, "%.0f B", b);
}

static void print_row(struct samples *s)
{
	char tmin[32], tmed[32];
	double min, med;
	size_t ports = g_layout->ports;

	qsort(s->ns, s->n, sizeof(*s->ns), cmp_double);
	min = s->ns[0];
	med = s->n % 2 ? s->ns[s->n / 2]
		       : (s->ns[s->n / 2 - 1] + s->ns[s->n / 2]) / 2.0;
	print_time(tmin, sizeof(tmin), min);
	print_time(tmed, sizeof(tmed), med);
	printf("%-32s %12s %12s %10.1f %10.1f\n", s->label, tmin, tmed,
	       min / (double)ports, med / (double)ports);
}

static void usage(void)
{
	fputs("usage: bench_model [PORTS [CELLS [REPS [SUBNETS_PER_CELL]]]]\n"
	      "  defaults: 10000 100 5 2; e.g. bench_model 100000 1000\n",
	      stderr);
}

int main(int argc, char **argv)
{
	struct layout l = { .ports = 10000, .cells = 100, .reps = 5,
			    .subnets_per_cell = 2 };
	struct model m = { 0 };
	enum { CREATE, BY_NAME, BY_VIP, BY_ID, ITERATE, DESTROY_REV,
	       DESTROY_FF, DESTROY_FF_FABRIC, DESTROY_FF_HANDLES, NPHASES };
	static const char *const labels[NPHASES] = {
		"create all",
		"look up by name (fabric)",
		"look up by VIP (cell)",
		"look up by id (subnet)",
		"iterate cells/subnets/ports",
		"destroy, reverse order",
		"destroy, fabric first",
		"  vf_fabric_destroy() alone",
		"  then the held handles",
	};
	struct samples ph[NPHASES];
	size_t max_pps, heap0 = 0, heap1 = 0, rss0 = 0, rss1 = 0;
	ssize_t left_rev = 0, left_ff = 0;
	const char *build_type = VF_BENCH_BUILD_TYPE;
	const char *sanitize = VF_BENCH_SANITIZE;
	char b1[32], b2[32];

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage();
		return 0;
	}
	if (argc > 5) {
		usage();
		return 2;
	}
	if (argc > 1)
		l.ports = parse_count(argv[1], "port count", 1);
	if (argc > 2)
		l.cells = parse_count(argv[2], "cell count", 1);
	if (argc > 3)
		l.reps = parse_count(argv[3], "repetition count", 1);
	if (argc > 4)
		l.subnets_per_cell = parse_count(argv[4], "subnets per cell", 1);
	l.subnets = l.cells * l.subnets_per_cell;

	/* Each prefix holds its ports plus network, gateway and broadcast. */
	max_pps = ports_in_subnet(&l, 0);
	for (l.host_bits = 8; ((size_t)1 << l.host_bits) < max_pps + 3;)
		l.host_bits++;
	if (l.host_bits > 24 || l.subnets > ((size_t)1 << (24 - l.host_bits))) {
		fprintf(stderr, "bench_model: %zu subnets of /%u do not fit in "
			"10.0.0.0/8; use fewer ports\n",
			l.subnets, 32 - l.host_bits);
		return 2;
	}
	g_layout = &l;

	if (vf_version() >> 8 != (unsigned)VF_VERSION_HEX >> 8)
		fprintf(stderr, "bench_model: warning: headers %s, library %s\n",
			VF_VERSION_STRING, vf_version_string());

	printf("libvfabric %s object-model benchmark\n", vf_version_string());
	printf("%zu ports in %zu cells x %zu subnets (/%u, about %zu ports "
	       "each), 1 router per cell; %zu repetitions\n",
	       l.ports, l.cells, l.subnets_per_cell, 32 - l.host_bits, max_pps,
	       l.reps);
	printf("build type: %s, sanitizers: %s\n",
	       *build_type ? build_type : "(none set: unoptimised)",
	       *sanitize ? sanitize : "none");
	if (!*build_type || !strcmp(build_type, "Debug") || *sanitize)
		printf("note: not an optimised build; configure with "
		       "-DCMAKE_BUILD_TYPE=Release for figures worth comparing\n");
	printf("\n");

	for (size_t i = 0; i < NPHASES; i++) {
		ph[i].label = labels[i];
		ph[i].ns = xcalloc(2 * l.reps, sizeof(double));
		ph[i].n = 0;
	}
	model_alloc(&m, &l);

	for (size_t r = 0; r < l.reps; r++) {
		double t0, t1, ff;
		size_t heap_before;

		/* Build, search, walk, then tear down children first. */
		heap_before = heap_bytes();
		if (r == 0) {
			heap0 = heap_before;
			rss0 = rss_bytes();
		}
		t0 = now_ns();
		build(&m, &l);
		t1 = now_ns();
		add_sample(&ph[CREATE], t1 - t0);
		if (r == 0) {
			heap1 = heap_bytes();
			rss1 = rss_bytes();
		}
		record(&m, &l);

		t0 = now_ns();
		lookup_by_name(&m, &l);
		add_sample(&ph[BY_NAME], now_ns() - t0);
		t0 = now_ns();
		lookup_by_vip(&m, &l);
		add_sample(&ph[BY_VIP], now_ns() - t0);
		t0 = now_ns();
		lookup_by_id(&m, &l);
		add_sample(&ph[BY_ID], now_ns() - t0);
		t0 = now_ns();
		iterate(&m, &l);
		add_sample(&ph[ITERATE], now_ns() - t0);

		t0 = now_ns();
		destroy_reverse(&m, &l);
		add_sample(&ph[DESTROY_REV], now_ns() - t0);
		if (r == 0)
			left_rev = (ssize_t)heap_bytes() - (ssize_t)heap_before;

		/* Build again, and tear down from the top. */
		heap_before = heap_bytes();
		t0 = now_ns();
		build(&m, &l);
		add_sample(&ph[CREATE], now_ns() - t0);
		t0 = now_ns();
		ff = destroy_fabric_first(&m, &l);
		t1 = now_ns();
		add_sample(&ph[DESTROY_FF], t1 - t0);
		add_sample(&ph[DESTROY_FF_FABRIC], ff);
		add_sample(&ph[DESTROY_FF_HANDLES], t1 - t0 - ff);
		if (r == 0)
			left_ff = (ssize_t)heap_bytes() - (ssize_t)heap_before;
	}

	printf("%-32s %12s %12s %10s %10s\n", "phase (all ports)", "min",
	       "median", "min ns", "median ns");
	printf("%-32s %12s %12s %10s %10s\n", "", "total", "total", "per port",
	       "per port");
	for (size_t i = 0; i < NPHASES; i++)
		print_row(&ph[i]);
	printf("(create: %zu samples, two builds per repetition; look-ups in "
	       "shuffled order)\n\n", ph[CREATE].n);

	printf("%-32s %12s %12s\n", "memory (first build)", "total", "per port");
	if (heap1 > heap0) {
		print_bytes(b1, sizeof(b1), (double)(heap1 - heap0));
		print_bytes(b2, sizeof(b2),
			    (double)(heap1 - heap0) / (double)l.ports);
	} else {
		/* valgrind and other malloc replacements report nothing */
		snprintf(b1, sizeof(b1), "n/a");
		snprintf(b2, sizeof(b2), "n/a");
	}
	printf("%-32s %12s %12s\n", "heap, mallinfo2()", b1, b2);
	print_bytes(b1, sizeof(b1), (double)rss1 - (double)rss0);
	print_bytes(b2, sizeof(b2), ((double)rss1 - (double)rss0) / (double)l.ports);
	printf("%-32s %12s %12s\n", "RSS, /proc/self/statm", b1, b2);
	snprintf(b1, sizeof(b1), "n/a");
	snprintf(b2, sizeof(b2), "n/a");
	if (heap1 > heap0) {
		print_bytes(b1, sizeof(b1), (double)left_rev);
		print_bytes(b2, sizeof(b2), (double)left_ff);
	}
	printf("%-32s %12s\n", "heap kept after reverse destroy", b1);
	printf("%-32s %12s\n", "heap kept after fabric-first", b2);
	printf("(per-port figures include each port's share of its cell, "
	       "subnet and router;\n heap kept: glibc's tcache holds up to "
	       "some 30 KiB of freed blocks that\n mallinfo2() counts as in "
	       "use, so only more than that hints at a leak)\n");

	for (size_t i = 0; i < NPHASES; i++)
		free(ph[i].ns);
	model_free(&m);
	return 0;
}
