/*
 * Fuzz target: the whole pipeline. A fabric with two cells (subnets, a
 * router, a link subnet, security groups, a policy, QoS, a remote
 * location) takes the input as one frame, from the port the first byte
 * picks or from the underlay, then traces the same frame.
 *
 * Invariants checked on every frame the pipeline sends: it parses; to the
 * underlay it carries only hosts' MACs (ours to the other host's), never a
 * virtual one;
 * to a port its destination is that port's VMAC or a broadcast/multicast
 * address. The fabric is built once and kept (so conntrack and the ARP
 * queue fill up across inputs, as in real life).
 *
 * The flow cache: a second fabric, built alike but without the cache
 * (vf__pipe_flowcache(f, 0)), takes every frame too, on the same pinned
 * clock, and each frame goes through both twice (the second time the
 * cached fabric may find its flow). Both must return the same, send the
 * same frames to the same ports, and count the same, every time.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vfabric/vfabric.h>

#include "core/internal.h"
#include "packet/packet.h"
#include "pipeline/pipeline.h"
#include "fuzz.h"

#define NPORTS 5

static vf_fabric *fab, *fab2; /* with the flow cache, without */
static vf_port *ports[NPORTS], *ports2[NPORTS];

/* What a fabric sent for the current frame: port index (NPORTS: the
 * underlay), length and a hash of the bytes, in order. */
struct sent {
	size_t n;
	struct {
		int port;
		size_t len;
		uint64_t hash;
	} f[64];
};

static struct sent sent[2];

static uint64_t fnv(const uint8_t *b, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}
static const vf_mac host = { { 0x52, 0x54, 0x00, 0x00, 0x00, 0x01 } };
static const vf_mac peer = { { 0x52, 0x54, 0x00, 0x00, 0x00, 0x02 } };

static void check(void *ud, vf_port *port, const uint8_t *frame, size_t len)
{
	static uint8_t copy[65536];
	struct sent *s = &sent[ud != NULL];
	vf_port *const *pv = ud ? ports2 : ports;
	struct vf__pkt p;
	int i;

	for (i = 0; i < NPORTS && pv[i] != port; i++)
		;
	if (s->n < sizeof(s->f) / sizeof(s->f[0])) {
		s->f[s->n].port = i;
		s->f[s->n].len = len;
		s->f[s->n].hash = fnv(frame, len);
	}
	s->n++;
	if (len > sizeof(copy))
		abort();
	memcpy(copy, frame, len);
	if (vf__pkt_parse(&p, copy, (uint32_t)len) < 0)
		abort();
	if (!port) {
		/* only hosts' MACs on the wire: ours, and the one other host */
		if (memcmp(&p.src, &host, sizeof(host)) || memcmp(&p.dst, &peer, sizeof(peer)))
			abort();
		return;
	}
	vf_mac vmac = vf_port_vmac(port);
	if (memcmp(&p.dst, &vmac, sizeof(vmac)) && !(p.dst.addr[0] & 1))
		abort();
}

/* Setting the fabric up must work: say what failed before aborting. */
#define must(call) must_((call), #call)
static void must_(int rc, const char *what)
{
	if (rc < 0) {
		fprintf(stderr, "fuzz_pipeline setup: %s: %s\n", what, vf_last_error());
		abort();
	}
}

/* Builds the fabric in fab and ports[], its output to check() with @ud. */
static void build(void *ud)
{
	vf_cell *c1, *c2;
	vf_subnet *web, *db, *cable, *other;
	vf_router *r;
	vf_secgroup *g;
	VF_OPTS(vf_fabric_opts, fo, .host_name = "fuzz", .host_mac = host);
	VF_OPTS(vf_cell_opts, co1, .id = 1);
	VF_OPTS(vf_cell_opts, co2, .id = 2);
	VF_OPTS(vf_subnet_opts, lo, .kind = VF_SUBNET_LINK, .prefix = { 0xc0a80000, 31, { 0 } });
	VF_OPTS(vf_port_opts, p0, .name = "p0");
	VF_OPTS(vf_port_opts, p1, .name = "p1");
	VF_OPTS(vf_port_opts, p2, .name = "p2");
	VF_OPTS(vf_port_opts, p3, .name = "p3");
	VF_OPTS(vf_port_opts, p4, .name = "p4");
	VF_OPTS(vf_rule, rule, .direction = VF_DIR_INGRESS, .protocol = VF_PROTO_TCP,
		.port_min = 22, .port_max = 22);
	VF_OPTS(vf_policy_opts, po, .src_cell = 1, .protocol = VF_PROTO_ICMP);
	VF_OPTS(vf_location, loc, .cell_id = 1, .vip = 0x0a010164, .subnet_id = 1,
		.vmac = { { 0x02, 1, 10, 1, 1, 100 } }, .host_mac = peer);

	must(vf_fabric_create(&fab, &fo));
	must(vf_fabric_set_output(fab, check, ud));
	must(vf_cell_create(&c1, fab, &co1));
	must(vf_cell_create(&c2, fab, &co2));
	must(vf_subnet_create(&web, c1, NULL));
	must(vf_subnet_create(&db, c1, NULL));
	must(vf_subnet_create(&cable, c1, &lo));
	must(vf_subnet_create(&other, c2, NULL));
	must(vf_router_create(&r, c1, NULL));
	must(vf_router_attach(r, web, NULL));
	must(vf_router_attach(r, db, NULL));
	must(vf_port_create(&ports[0], web, &p0));
	must(vf_port_create(&ports[1], web, &p1));
	must(vf_port_create(&ports[2], db, &p2));
	must(vf_port_create(&ports[3], cable, &p3));
	must(vf_port_create(&ports[4], other, &p4));
	must(vf_secgroup_create(&g, c1, NULL));
	must(vf_secgroup_add_rule(g, &rule));
	must(vf_port_add_secgroup(ports[2], g));
	must(vf_policy_create(&(vf_policy *){ NULL }, c2, &po));
	must(vf_port_set_qos(ports[1], VF_DIR_EGRESS, 10000000, 3000));
	must(vf_location_set(fab, &loc));
	fab->test_now_ns = 1000000000000ull;
}

/* Both fabrics counted alike. */
static void same_counters(void)
{
	for (int i = 0; i < NPORTS; i++) {
		vf_port_stats a = {.sz = sizeof(a)}, b = {.sz = sizeof(b)};

		if (vf_port_stats_get(ports[i], &a) < 0 ||
		    vf_port_stats_get(ports2[i], &b) < 0 || memcmp(&a, &b, sizeof(a)))
			abort();
		for (int r = VF_DROP_MALFORMED; r <= VF_DROP_NO_OUTPUT; r++)
			if (vf_port_drops(ports[i], (vf_drop_reason)r) !=
			    vf_port_drops(ports2[i], (vf_drop_reason)r))
				abort();
	}
	for (int r = VF_DROP_MALFORMED; r <= VF_DROP_NO_OUTPUT; r++)
		if (vf_fabric_drops(fab, (vf_drop_reason)r) !=
		    vf_fabric_drops(fab2, (vf_drop_reason)r))
			abort();
}

/* The frame into both fabrics: the same answer, frames and counters. */
static int both(int slot, const uint8_t *frame, size_t len)
{
	int rc[2];

	sent[0].n = sent[1].n = 0;
	rc[0] = slot < NPORTS ? vf_port_inject(ports[slot], frame, len)
			      : vf_fabric_inject_underlay(fab, frame, len);
	rc[1] = slot < NPORTS ? vf_port_inject(ports2[slot], frame, len)
			      : vf_fabric_inject_underlay(fab2, frame, len);
	if (rc[0] != rc[1] || sent[0].n != sent[1].n)
		abort();
	for (size_t i = 0; i < sent[0].n && i < sizeof(sent[0].f) / sizeof(sent[0].f[0]);
	     i++)
		if (sent[0].f[i].port != sent[1].f[i].port ||
		    sent[0].f[i].len != sent[1].f[i].len ||
		    sent[0].f[i].hash != sent[1].f[i].hash)
			abort();
	same_counters();
	return rc[0];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vf_port *port;
	char *text = NULL;
	int rc, slot;

	if (!fab) {
		build(&fab2); /* the one without the cache, moved aside */
		must(vf__pipe_flowcache(fab, 0));
		fab2 = fab;
		memcpy(ports2, ports, sizeof(ports));
		build(NULL);
	}
	if (size < 1 + 14)
		return 0;
	/* the clock moves on a little each input, more when the first byte
	 * says so (timeouts, token buckets) */
	fab->test_now_ns += (data[0] & 0x80 ? 20000000000ull : 1000000ull);
	fab2->test_now_ns = fab->test_now_ns;
	slot = data[0] % (NPORTS + 1);
	port = slot < NPORTS ? ports[slot] : NULL;
	for (int i = 0; i < 2; i++) {
		rc = both(slot, data + 1, size - 1);
		if (rc < 0 && size - 1 <= 65535)
			abort();
	}
	rc = vf_trace(fab, port, data + 1, size - 1, &text);
	if (size - 1 <= 65535 && (rc < 0 || !text))
		abort();
	vf_free(text);
	return 0;
}
