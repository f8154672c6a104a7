/*
 * vf_trace() and the drop reasons: every vf_drop_reason is triggered
 * once, traced first (the verdict is the reason, the text names the
 * reason and the decision, and nothing changes: counters, statistics,
 * connection tracking, token buckets, parked ARP requests, output), then
 * run for real (its counter, and only it, goes up by one).
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/internal.h"
#include "pipeline/conntrack.h"
#include "pipeline/location.h"

#define SEC(n) ((uint64_t)(n)*1000000000ull)
#define T0 SEC(1000)

#define FX(state) ((struct vt_fx *)*(state))

#define ZERO MAC(0, 0, 0, 0, 0, 0)
#define NPORTS 6 /* slots used: a b c d, and link ends */

static int setup(void **state)
{
	if (vt_setup_pipe(state))
		return -1;
	FX(state)->fabric->test_now_ns = T0;
	return 0;
}

static struct vt_ip ip_hdr(vf_mac dmac, vf_mac smac, uint32_t src, uint32_t dst)
{
	struct vt_ip ip = {.dmac = dmac, .smac = smac, .src = src, .dst = dst};

	return ip;
}

static size_t udp_ab(uint8_t *f, uint16_t dport, size_t len)
{
	static const uint8_t data[VT_FRAME_MAX];
	struct vt_ip ip = ip_hdr(VT_MAC_B, VT_MAC_A, VT_IP_A, VT_IP_B);

	return vt_udp(f, &ip, 40000, dport, data, len);
}

/* ---- what must not change ---- */

struct snap {
	uint64_t fdrop[VF__DROP_COUNT];
	uint64_t drop[NPORTS][VF__DROP_COUNT];
	vf_port_stats st[NPORTS];
	struct vf__bucket bucket[NPORTS][2];
	size_t ct, cap, locs;
};

static void snap(struct vt_fx *fx, struct snap *s)
{
	int i, r;

	memset(s, 0, sizeof(*s));
	for (r = 0; r < VF__DROP_COUNT; r++)
		s->fdrop[r] = vf_fabric_drops(fx->fabric, (vf_drop_reason)r);
	for (i = 0; i < NPORTS; i++) {
		if (!fx->port[i])
			continue;
		for (r = 0; r < VF__DROP_COUNT; r++)
			s->drop[i][r] = vf_port_drops(fx->port[i], (vf_drop_reason)r);
		s->st[i].sz = sizeof(s->st[i]);
		assert_rc(vf_port_stats_get(fx->port[i], &s->st[i]), 0);
		memcpy(s->bucket[i], fx->port[i]->rt.bucket, sizeof(s->bucket[i]));
	}
	s->ct = fx->fabric->ct ? vf__ct_count(fx->fabric->ct) : 0;
	s->cap = fx->cap.n;
	s->locs = vf_location_count(fx->fabric);
}

static void assert_unchanged(struct vt_fx *fx, const struct snap *before)
{
	struct snap now;

	snap(fx, &now);
	assert_memory_equal(now.fdrop, before->fdrop, sizeof(now.fdrop));
	assert_memory_equal(now.drop, before->drop, sizeof(now.drop));
	assert_memory_equal(now.st, before->st, sizeof(now.st));
	assert_memory_equal(now.bucket, before->bucket, sizeof(now.bucket));
	assert_int_equal(now.ct, before->ct);
	assert_int_equal(now.cap, before->cap);
	assert_int_equal(now.locs, before->locs);
}

/* Traces a frame: the verdict is returned, the text checked for form. */
static int trace(struct vt_fx *fx, vf_port *port, const uint8_t *f, size_t n, char **text)
{
	int rc = vf_trace(fx->fabric, port, f, n, text);

	if (rc >= 0) {
		size_t len;

		assert_non_null(*text);
		len = strlen(*text);
		assert_true(len > 0);
		assert_int_equal((*text)[len - 1], '\n');
		assert_non_null(
			strstr(*text, port ? "from port '" : "from the underlay"));
	}
	return rc;
}

#define assert_says(text, what) vt_assert_says((text), (what), __FILE__, __LINE__)

/* Fails unless @text has @what; frees @text then. */
static void vt_assert_says(char *text, const char *what, const char *file, int line)
{
	if (strstr(text, what))
		return;
	print_error("the trace does not say \"%s\":\n%s", what, text);
	vf_free(text);
	_fail(file, line);
}

/* ---- one case per drop reason ---- */

struct tcase {
	vf_drop_reason reason;
	int from;	  /* port slot, or -1: the underlay */
	int on;		  /* the port slot it is counted on, or -1: the fabric */
	const char *says; /* part of the decision's words */
	size_t (*prepare)(struct vt_fx *fx, uint8_t *f);
};

static void run_case(void **state, const struct tcase *tc)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX];
	vf_port *from, *on;
	struct snap before;
	char *text = NULL, name[64];
	size_t n = tc->prepare(fx, f);
	uint64_t total;
	int rc;

	from = tc->from >= 0 ? fx->port[tc->from] : NULL;
	on = tc->on >= 0 ? fx->port[tc->on] : NULL;
	snap(fx, &before);
	total = vt_drops_total(fx->fabric);

	rc = trace(fx, from, f, n, &text);
	assert_non_null(text);
	if (rc != (int)tc->reason) {
		print_error(
			"vf_trace's verdict is %d (%s), expected %d (%s); the trace:\n%s",
			rc, vf_drop_reason_name((vf_drop_reason)rc), tc->reason,
			vf_drop_reason_name(tc->reason), text);
		vf_free(text);
		fail();
	}
	snprintf(name, sizeof(name), "drop: %s", vf_drop_reason_name(tc->reason));
	assert_says(text, name);
	assert_says(text, tc->says);
	vf_free(text);
	assert_unchanged(fx, &before);

	/* for real: counted once, on its port (or the fabric) */
	rc = from ? vf_port_inject(from, f, n)
		  : vf_fabric_inject_underlay(fx->fabric, f, n);
	assert_true(rc >= 0);
	assert_drops(fx->fabric, on, tc->reason,
		     (on ? before.drop[tc->on][tc->reason] : before.fdrop[tc->reason]) +
			     1,
		     total + 1);
	/* and traced again, the same */
	rc = vf_trace(fx->fabric, from, f, n, &text);
	assert_int_equal(rc, tc->reason);
	vf_free(text);
}

static size_t prep_malformed(struct vt_fx *fx, uint8_t *f)
{
	(void)fx;
	return udp_ab(f, 9, 10) - 1;
}

static size_t prep_unsupported(struct vt_fx *fx, uint8_t *f)
{
	(void)fx;
	memset(f, 0x60, 80);
	return vt_eth(f, VT_MAC_B, VT_MAC_A, VT_ETH_IPV6) + 46;
}

static size_t prep_port_down(struct vt_fx *fx, uint8_t *f)
{
	assert_rc(vf_port_set_admin_up(fx->port[0], false), 0);
	return udp_ab(f, 9, 10);
}

static size_t prep_spoof_mac(struct vt_fx *fx, uint8_t *f)
{
	struct vt_ip ip = ip_hdr(VT_MAC_B, MAC(0x02, 0, 0, 0, 0, 0x66), VT_IP_A, VT_IP_B);

	(void)fx;
	return vt_udp(f, &ip, 40000, 9, "x", 1);
}

static size_t prep_spoof_ip(struct vt_fx *fx, uint8_t *f)
{
	struct vt_ip ip = ip_hdr(VT_MAC_B, VT_MAC_A, IP4(10, 1, 1, 66), VT_IP_B);

	(void)fx;
	return vt_udp(f, &ip, 40000, 9, "x", 1);
}

static size_t prep_dhcp_server(struct vt_fx *fx, uint8_t *f)
{
	struct vt_ip ip = ip_hdr(VT_BCAST, VT_MAC_A, VT_IP_A, 0xffffffff);
	uint8_t d[300] = {2, 1, 6};

	(void)fx;
	return vt_udp(f, &ip, 67, 68, d, sizeof(d));
}

static size_t prep_router_advert(struct vt_fx *fx, uint8_t *f)
{
	struct vt_ip ip = ip_hdr(VT_BCAST, VT_MAC_A, VT_IP_A, IP4(224, 0, 0, 1));
	uint8_t body[8] = {10, 1, 1, 5};

	(void)fx;
	return vt_icmp(f, &ip, 9, 0, 0x01021800u, body, 8);
}

static size_t prep_arp_invalid(struct vt_fx *fx, uint8_t *f)
{
	(void)fx;
	return vt_arp(f, VT_BCAST, VT_MAC_A, 1, VT_MAC_A, VT_IP_A, ZERO, IP4(8, 8, 8, 8));
}

static size_t prep_arp_pending_full(struct vt_fx *fx, uint8_t *f)
{
	size_t n;
	int i;

	for (i = 0; i < VF__PENDING_MAX; i++) {
		n = vt_arp(f, VT_BCAST, VT_MAC_B, 1, VT_MAC_B, VT_IP_B, ZERO,
			   IP4(10, 1, 1, 100 + i % 100));
		assert_rc(vf_port_inject(fx->port[1], f, n), 0);
	}
	assert_int_equal(vt_drops_total(fx->fabric), 0);
	return vt_arp(f, VT_BCAST, VT_MAC_A, 1, VT_MAC_A, VT_IP_A, ZERO,
		      IP4(10, 1, 1, 222));
}

static size_t prep_dhcp_invalid(struct vt_fx *fx, uint8_t *f)
{
	struct vt_ip ip = ip_hdr(VT_BCAST, VT_MAC_A, 0, 0xffffffff);
	uint8_t d[300] = {1, 1, 6};

	assert_rc(vf_subnet_set_dhcp(fx->subnet[0], VF_DHCP_OFF), 0);
	return vt_udp(f, &ip, 68, 67, d, sizeof(d));
}

static size_t prep_ttl(struct vt_fx *fx, uint8_t *f)
{
	struct vt_ip ip = ip_hdr(VT_RVMAC1, VT_MAC_A, VT_IP_A, VT_IP_C);

	(void)fx;
	ip.ttl = 1;
	return vt_udp(f, &ip, 33434, 33435, "trace", 5);
}

static size_t prep_no_route(struct vt_fx *fx, uint8_t *f)
{
	struct vt_ip ip = ip_hdr(VT_RVMAC1, VT_MAC_A, VT_IP_A, IP4(172, 16, 0, 1));

	(void)fx;
	return vt_udp(f, &ip, 40000, 9, "x", 1);
}

static size_t prep_intra(struct vt_fx *fx, uint8_t *f)
{
	assert_rc(vf_cell_set_intra_cell(fx->cell[0], VF_VERDICT_DENY), 0);
	return udp_ab(f, 9, 10);
}

static size_t prep_inter(struct vt_fx *fx, uint8_t *f)
{
	struct vt_ip ip = ip_hdr(VT_RVMAC1, VT_MAC_A, VT_IP_A, VT_IP_D);

	(void)fx;
	return vt_udp(f, &ip, 40000, 9, "x", 1);
}

static size_t prep_sg_egress(struct vt_fx *fx, uint8_t *f)
{
	assert_rc(vf_secgroup_create(&fx->sg[0], fx->cell[0], NULL), 0);
	assert_rc(vf_port_add_secgroup(fx->port[0], fx->sg[0]), 0);
	return udp_ab(f, 9, 10);
}

static size_t prep_sg_ingress(struct vt_fx *fx, uint8_t *f)
{
	assert_rc(vf_secgroup_create(&fx->sg[0], fx->cell[0], NULL), 0);
	assert_rc(vf_port_add_secgroup(fx->port[1], fx->sg[0]), 0);
	return udp_ab(f, 9, 10);
}

static size_t prep_qos_egress(struct vt_fx *fx, uint8_t *f)
{
	size_t n = udp_ab(f, 9, 500 - 28);
	int i;

	assert_rc(vf_port_set_qos(fx->port[0], VF_DIR_EGRESS, 8000, 1500), 0);
	for (i = 0; i < 3; i++)
		assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	return n;
}

static size_t prep_qos_ingress(struct vt_fx *fx, uint8_t *f)
{
	size_t n = udp_ab(f, 9, 500 - 28);
	int i;

	assert_rc(vf_port_set_qos(fx->port[1], VF_DIR_INGRESS, 8000, 1500), 0);
	for (i = 0; i < 3; i++)
		assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	return n;
}

static size_t prep_no_location(struct vt_fx *fx, uint8_t *f)
{
	struct vt_ip ip = ip_hdr(MAC(0x02, 0x01, 10, 1, 1, 66), VT_MAC_A, VT_IP_A,
				 IP4(10, 1, 1, 66));

	(void)fx;
	return vt_udp(f, &ip, 40000, 9, "x", 1);
}

static size_t prep_not_here(struct vt_fx *fx, uint8_t *f)
{
	struct vt_ip ip = ip_hdr(VT_HOST, VT_PEER, IP4(10, 1, 1, 9), IP4(10, 1, 1, 66));

	(void)fx;
	return vt_udp(f, &ip, 40000, 9, "x", 1);
}

static size_t prep_not_for_host(struct vt_fx *fx, uint8_t *f)
{
	struct vt_ip ip = ip_hdr(VT_PEER, VT_PEER, IP4(10, 1, 1, 9), VT_IP_A);

	(void)fx;
	return vt_udp(f, &ip, 40000, 9, "x", 1);
}

static size_t prep_fragment(struct vt_fx *fx, uint8_t *f)
{
	VF_OPTS(vf_rule, r, .direction = VF_DIR_INGRESS, .protocol = VF_PROTO_UDP,
		.port_min = 9, .port_max = 9);
	struct vt_ip ip = ip_hdr(VT_MAC_B, VT_MAC_A, VT_IP_A, VT_IP_B);
	uint8_t d[64];

	assert_rc(vf_secgroup_create(&fx->sg[0], fx->cell[0], NULL), 0);
	assert_rc_ge(vf_secgroup_add_rule(fx->sg[0], &r), 1);
	assert_rc(vf_port_add_secgroup(fx->port[1], fx->sg[0]), 0);
	memset(d, 0x33, sizeof(d));
	ip.frag = 1480 / 8;
	return vt_ipv4(f, &ip, 17, d, sizeof(d));
}

static size_t prep_too_big(struct vt_fx *fx, uint8_t *f)
{
	(void)fx;
	return udp_ab(f, 9, 1501 - 28);
}

static size_t prep_unpaired(struct vt_fx *fx, uint8_t *f)
{
	VF_OPTS(vf_subnet_opts, so, .name = "link1", .kind = VF_SUBNET_LINK);
	VF_OPTS(vf_port_opts, p, .name = "p", .vip = IP4(10, 1, 9, 1));
	struct vt_ip ip = ip_hdr(VT_BCAST, MAC(0x02, 0x01, 10, 1, 9, 1), IP4(10, 1, 9, 1),
				 IP4(10, 1, 9, 2));

	so.prefix = vt_prefix("10.1.9.0/30");
	assert_rc(vf_subnet_create(&fx->subnet[3], fx->cell[0], &so), 0);
	assert_rc(vf_port_create(&fx->port[4], fx->subnet[3], &p), 0);
	return vt_udp(f, &ip, 40000, 9, "x", 1);
}

static size_t prep_no_output(struct vt_fx *fx, uint8_t *f)
{
	assert_rc(vf_fabric_set_output(fx->fabric, NULL, NULL), 0);
	return vt_arp(f, VT_BCAST, VT_MAC_A, 1, VT_MAC_A, VT_IP_A, ZERO, VT_GW1);
}

/* The host MAC not set: what must go to another host cannot. */
static size_t prep_no_output_host(struct vt_fx *fx, uint8_t *f)
{
	VF_OPTS(vf_location, l, .cell_id = 1, .vip = IP4(10, 1, 1, 9),
		.vmac = MAC(0x02, 0x77, 0, 0, 0, 9), .subnet_id = 1, .host_mac = VT_PEER);
	VF_OPTS(vf_port_opts, po, .name = "a", .vip = VT_IP_A);
	struct vt_ip ip =
		ip_hdr(MAC(0x02, 0x77, 0, 0, 0, 9), VT_MAC_A, VT_IP_A, IP4(10, 1, 1, 9));

	/* a fabric of its own, without a host MAC, in the fixture's place */
	for (int i = VT_SLOTS - 1; i >= 0; i--) {
		vf_port_destroy(fx->port[i]);
		vf_router_destroy(fx->router[i]);
		vf_subnet_destroy(fx->subnet[i]);
		vf_cell_destroy(fx->cell[i]);
		fx->port[i] = NULL;
		fx->router[i] = NULL;
		fx->subnet[i] = NULL;
		fx->cell[i] = NULL;
	}
	vf_fabric_destroy(fx->fabric);
	assert_rc(vf_fabric_create(&fx->fabric, NULL), 0);
	fx->fabric->test_now_ns = T0;
	fx->cell[0] = VT_CELL(fx->fabric, 1, "blue");
	fx->subnet[0] = VT_SUBNET(fx->cell[0], "10.1.1.0/24", "lan1");
	assert_rc(vf_port_create(&fx->port[0], fx->subnet[0], &po), 0);
	assert_rc(vf_location_set(fx->fabric, &l), 0);
	assert_rc(vf_fabric_set_output(fx->fabric, vt_capture_fn, &fx->cap), 0);
	return vt_udp(f, &ip, 40000, 9, "x", 1);
}

#define CASE(fn, reason, from, on, says)                                            \
	static void test_pipeline_trace_##fn(void **state)                          \
	{                                                                           \
		static const struct tcase tc = {reason, from, on, says, prep_##fn}; \
		run_case(state, &tc);                                               \
	}

CASE(malformed, VF_DROP_MALFORMED, 0, 0, "truncated")
CASE(unsupported, VF_DROP_UNSUPPORTED, 0, 0, "unsupported")
CASE(port_down, VF_DROP_PORT_DOWN, 0, 0, "port-down at port a")
CASE(spoof_mac, VF_DROP_SPOOF_MAC, 0, 0, "not the port's VMAC")
CASE(spoof_ip, VF_DROP_SPOOF_IP, 0, 0, "10.1.1.66 is not the port's VIP")
CASE(dhcp_server, VF_DROP_DHCP_SERVER, 0, 0, "DHCP server message")
CASE(router_advert, VF_DROP_ROUTER_ADVERT, 0, 0, "router advertisement")
CASE(arp_invalid, VF_DROP_ARP_INVALID, 0, 0, "8.8.8.8")
CASE(arp_pending_full, VF_DROP_ARP_PENDING_FULL, 0, 0, "10.1.1.222")
CASE(dhcp_invalid, VF_DROP_DHCP_INVALID, 0, 0, "DHCP")
CASE(ttl, VF_DROP_TTL_EXCEEDED, 0, 0, "TTL 1")
CASE(no_route, VF_DROP_NO_ROUTE, 0, 0, "no route to 172.16.0.1")
CASE(intra, VF_DROP_INTRA_CELL, 0, 0, "cell 1 denies")
CASE(inter, VF_DROP_INTER_CELL, 0, 0, "cell 2 admits nothing from cell 1")
CASE(sg_egress, VF_DROP_SECGROUP_EGRESS, 0, 0, "(egress): no rule allows it")
CASE(sg_ingress, VF_DROP_SECGROUP_INGRESS, 0, 1, "(ingress): no rule allows it")
CASE(qos_egress, VF_DROP_QOS_EGRESS, 0, 0, "sending rate")
CASE(qos_ingress, VF_DROP_QOS_INGRESS, 0, 1, "receiving rate")
CASE(no_location, VF_DROP_NO_LOCATION, 0, 0, "10.1.1.66 in cell 1 is not known")
CASE(not_here, VF_DROP_NOT_HERE, -1, -1, "no port here has 10.1.1.66")
CASE(not_for_host, VF_DROP_NOT_FOR_HOST, -1, -1, "from the underlay")
CASE(fragment, VF_DROP_FRAGMENT, 0, 1, "no rule allows it")
CASE(too_big, VF_DROP_TOO_BIG, 0, 0, "MTU of 1500")
CASE(unpaired, VF_DROP_LINK_UNPAIRED, 4, 4, "no other end")
CASE(no_output, VF_DROP_NO_OUTPUT, 0, 0, "send to port a")
CASE(no_output_host, VF_DROP_NO_OUTPUT, 0, 0, "MAC (PMAC) is not set")

/* Every reason has a name, and the names are the stable ones. */
static void test_pipeline_trace_reason_names(void **state)
{
	static const char *const names[] = {
		"none",
		"malformed",
		"unsupported",
		"port-down",
		"spoof-mac",
		"spoof-ip",
		"dhcp-server",
		"router-advert",
		"arp-invalid",
		"arp-pending-full",
		"dhcp-invalid",
		"ttl-exceeded",
		"no-route",
		"intra-cell",
		"inter-cell",
		"secgroup-egress",
		"secgroup-ingress",
		"qos-egress",
		"qos-ingress",
		"no-location",
		"not-here",
		"not-for-host",
		"fragment",
		"too-big",
		"link-unpaired",
		"no-output",
	};
	int r;

	(void)state;
	for (r = 0; r <= VF_DROP_NO_OUTPUT; r++)
		assert_string_equal(vf_drop_reason_name((vf_drop_reason)r), names[r]);
	assert_string_equal(vf_drop_reason_name((vf_drop_reason)(VF_DROP_NO_OUTPUT + 1)),
			    "unknown");
	assert_string_equal(vf_drop_reason_name((vf_drop_reason)-1), "unknown");
	assert_int_equal(vf_port_drops(NULL, VF_DROP_MALFORMED), 0);
	assert_int_equal(vf_fabric_drops(NULL, VF_DROP_MALFORMED), 0);
}

/* ---- frames that pass: traced without any effect ---- */

static void test_pipeline_trace_pass(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX], want[VT_FRAME_MAX];
	struct vt_ip ip = ip_hdr(VT_RVMAC1, VT_MAC_A, VT_IP_A, VT_IP_C);
	struct snap before;
	char *text;
	size_t n = vt_udp(f, &ip, 40000, 9, "routed", 6), w;

	snap(fx, &before);
	assert_int_equal(trace(fx, fx->port[0], f, n, &text), VF_DROP_NONE);
	assert_says(text, "router: 10.1.2.7 is in subnet 2, TTL 64 -> 63");
	assert_says(text, "location: 10.1.2.7 is local port 'c'");
	assert_says(text, "send to port c");
	assert_null(strstr(text, "drop:"));
	vf_free(text);
	assert_unchanged(fx, &before);
	/* the frame given is not changed, and the real run gives TTL 63 once */
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	ip = ip_hdr(VT_MAC_C, VT_RVMAC2, VT_IP_A, VT_IP_C);
	ip.ttl = 63;
	w = vt_udp(want, &ip, 40000, 9, "routed", 6);
	assert_frame_equal(fx->cap.f[0].data, fx->cap.f[0].len, want, w);

	/* answers: ARP, echo, DHCP */
	snap(fx, &before);
	n = vt_arp(f, VT_BCAST, VT_MAC_A, 1, VT_MAC_A, VT_IP_A, ZERO, VT_IP_B);
	assert_int_equal(trace(fx, fx->port[0], f, n, &text), VF_DROP_NONE);
	assert_says(text, "ARP: 10.1.1.6 is a local port, replying 02:01:0a:01:01:06");
	vf_free(text);
	ip = ip_hdr(VT_RVMAC1, VT_MAC_A, VT_IP_A, VT_GW1);
	n = vt_icmp(f, &ip, 8, 0, 0x00010001, "ping", 4);
	assert_int_equal(trace(fx, fx->port[0], f, n, &text), VF_DROP_NONE);
	assert_says(text, "echo request to 10.1.1.1");
	vf_free(text);
	/* from the underlay, a broadcast for lan1 */
	ip = ip_hdr(VT_HOST, VT_PEER, IP4(10, 1, 1, 9), IP4(10, 1, 1, 255));
	n = vt_udp(f, &ip, 40000, 9, "b", 1);
	assert_int_equal(trace(fx, NULL, f, n, &text), VF_DROP_NONE);
	assert_says(text, "send to port a");
	assert_says(text, "send to port b");
	vf_free(text);
	assert_unchanged(fx, &before);
}

/* Tracing remembers nothing: no connection, no tokens, no parked ARP. */
static void test_pipeline_trace_no_state(void **state)
{
	struct vt_fx *fx = FX(state);
	VF_OPTS(vf_rule, r, .direction = VF_DIR_EGRESS, .protocol = VF_PROTO_UDP,
		.port_min = 53, .port_max = 53);
	uint8_t f[VT_FRAME_MAX];
	struct vt_ip ip;
	struct snap before;
	char *text;
	size_t n;
	int i;

	/* a may send DNS; the trace of a query tracks nothing, so b's answer
	 * is refused */
	assert_rc(vf_secgroup_create(&fx->sg[0], fx->cell[0], NULL), 0);
	assert_rc_ge(vf_secgroup_add_rule(fx->sg[0], &r), 1);
	assert_rc(vf_port_add_secgroup(fx->port[0], fx->sg[0]), 0);
	n = udp_ab(f, 53, 10);
	snap(fx, &before);
	for (i = 0; i < 3; i++) {
		assert_int_equal(trace(fx, fx->port[0], f, n, &text), VF_DROP_NONE);
		assert_says(text, "allowed by a rule, connection tracked");
		vf_free(text);
	}
	assert_unchanged(fx, &before);
	ip = ip_hdr(VT_MAC_A, VT_MAC_B, VT_IP_B, VT_IP_A);
	n = vt_udp(f, &ip, 53, 40000, "r", 1);
	assert_rc(vf_port_inject(fx->port[1], f, n), 0);
	assert_drops(fx->fabric, fx->port[0], VF_DROP_SECGROUP_INGRESS, 1, 1);
	/* a tracked connection is reported, not refreshed */
	n = udp_ab(f, 53, 10);
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	n = vt_udp(f, &ip, 53, 40000, "r", 1);
	snap(fx, &before);
	assert_int_equal(trace(fx, fx->port[1], f, n, &text), VF_DROP_NONE);
	assert_says(text, "tracked connection, reply");
	vf_free(text);
	assert_unchanged(fx, &before);

	/* a token bucket: traces take no tokens */
	assert_rc(vf_port_set_qos(fx->port[2], VF_DIR_EGRESS, 8000, 1500), 0);
	ip = ip_hdr(VT_RVMAC2, VT_MAC_C, VT_IP_C, VT_IP_B);
	{
		static const uint8_t d[472];

		n = vt_udp(f, &ip, 40000, 9, d, sizeof(d));
	}
	snap(fx, &before);
	for (i = 0; i < 10; i++) {
		assert_int_equal(vf_trace(fx->fabric, fx->port[2], f, n, &text),
				 VF_DROP_NONE);
		vf_free(text);
	}
	assert_unchanged(fx, &before);
	for (i = 0; i < 10; i++)
		if (vf_port_inject(fx->port[2], f, n) != 1)
			break;
	assert_int_equal(i, 3);

	/* an ARP request for an unknown address: traced, not parked */
	n = vt_arp(f, VT_BCAST, VT_MAC_B, 1, VT_MAC_B, VT_IP_B, ZERO, IP4(10, 1, 1, 88));
	assert_int_equal(trace(fx, fx->port[1], f, n, &text), VF_DROP_NONE);
	assert_says(text, "not known yet");
	vf_free(text);
	{
		size_t cap = fx->cap.n;
		VF_OPTS(vf_location, l, .cell_id = 1, .vip = IP4(10, 1, 1, 88),
			.vmac = MAC(0x02, 0x77, 0, 0, 0, 0x88), .subnet_id = 1,
			.host_mac = VT_PEER);

		assert_rc(vf_location_set(fx->fabric, &l), 0);
		assert_int_equal(fx->cap.n, cap);
	}
}

static void test_pipeline_trace_args(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX];
	size_t n = udp_ab(f, 9, 10);
	char *text = (char *)"untouched";
	vf_fabric *other = NULL;

	assert_rc(vf_trace(fx->fabric, fx->port[0], f, n, NULL), -EINVAL);
	assert_rc(vf_trace(NULL, fx->port[0], f, n, &text), -EINVAL);
	assert_null(text);
	assert_rc(vf_trace(fx->fabric, fx->port[0], NULL, n, &text), -EINVAL);
	assert_rc(vf_trace(fx->fabric, fx->port[0], f, 13, &text), -EINVAL);
	assert_null(text);
	/* a port of another fabric */
	assert_rc(vf_fabric_create(&other, NULL), 0);
	assert_rc(vf_trace(other, fx->port[0], f, n, &text), -EINVAL);
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	vf_fabric_destroy(other);
	/* a port removed with its subnet (the handle stays valid memory) */
	vf_subnet_destroy(fx->subnet[1]);
	fx->subnet[1] = NULL;
	assert_rc(vf_trace(fx->fabric, fx->port[2], f, n, &text), -ENOENT);
	assert_null(text);
	assert_rc(vf_port_inject(fx->port[2], f, n), -ENOENT);
	/* traffic routed to it: no route now */
	{
		struct vt_ip ip = ip_hdr(VT_RVMAC1, VT_MAC_A, VT_IP_A, VT_IP_C);

		n = vt_udp(f, &ip, 40000, 9, "x", 1);
	}
	assert_int_equal(vf_trace(fx->fabric, fx->port[0], f, n, &text),
			 VF_DROP_NO_ROUTE);
	vf_free(text);
	vf_free(NULL);
}

#define T(fn) \
	cmocka_unit_test_setup_teardown(test_pipeline_trace_##fn, setup, vt_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(reason_names),   T(malformed),
		T(unsupported),	   T(port_down),
		T(spoof_mac),	   T(spoof_ip),
		T(dhcp_server),	   T(router_advert),
		T(arp_invalid),	   T(arp_pending_full),
		T(dhcp_invalid),   T(ttl),
		T(no_route),	   T(intra),
		T(inter),	   T(sg_egress),
		T(sg_ingress),	   T(qos_egress),
		T(qos_ingress),	   T(no_location),
		T(not_here),	   T(not_for_host),
		T(fragment),	   T(too_big),
		T(unpaired),	   T(no_output),
		T(no_output_host), T(pass),
		T(no_state),	   T(args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
