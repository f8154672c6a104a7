/*
 * The pipeline between hosts (DESIGN.md §2 steps 7-8 and "from the
 * underlay"): sending to other hosts with the hosts' MACs, frames from the
 * underlay (for this host? for which port? ingress policy, virtual MACs
 * restored), broadcast kept inside its subnet, the output callback's
 * absence, and re-entry from the output callback.
 */
#include "unit.h"

#include "core/internal.h"

#define SEC(n) ((uint64_t)(n)*1000000000ull)
#define T0 SEC(1000)

#define FX(state) ((struct vt_fx *)*(state))

#define ZERO MAC(0, 0, 0, 0, 0, 0)
/* VMs on other hosts: e in lan1, f in lan2, g in red1 (VT_PEER); e2 in
 * lan1 on VT_PEER too; h in lan1 on a third host; k in lan2 on a fourth */
#define IP_E IP4(10, 1, 1, 9)
#define IP_E2 IP4(10, 1, 1, 19)
#define IP_F IP4(10, 1, 2, 9)
#define IP_G IP4(10, 2, 1, 9)
#define IP_H IP4(10, 1, 1, 29)
#define IP_K IP4(10, 1, 2, 39)
#define MAC_E MAC(0x02, 0x77, 0, 0, 0, 0x09)
#define MAC_E2 MAC(0x02, 0x77, 0, 0, 0, 0x19)
#define MAC_F MAC(0x02, 0x77, 0, 0, 0, 0x29)
#define MAC_G MAC(0x02, 0x77, 0, 0, 0, 0x39)
#define MAC_H MAC(0x02, 0x77, 0, 0, 0, 0x49)
#define MAC_K MAC(0x02, 0x77, 0, 0, 0, 0x59)
#define PEER3 MAC(0x02, 0xcc, 0, 0, 0, 0x03)
#define PEER4 MAC(0x02, 0xdd, 0, 0, 0, 0x04)

static const char data[] = "0123456789abcdef";

static void set_location(vf_fabric *f, uint32_t cell, uint32_t subnet, uint32_t vip,
			 vf_mac vmac, vf_mac host)
{
	VF_OPTS(vf_location, l, .cell_id = cell, .vip = vip, .vmac = vmac,
		.subnet_id = subnet, .host_mac = host);

	assert_rc(vf_location_set(f, &l), 0);
}

/* The fixture plus the remote VMs above. */
static int setup(void **state)
{
	struct vt_fx *fx;

	if (vt_setup_pipe(state))
		return -1;
	fx = *state;
	fx->fabric->test_now_ns = T0;
	set_location(fx->fabric, 1, 1, IP_E, MAC_E, VT_PEER);
	set_location(fx->fabric, 1, 1, IP_E2, MAC_E2, VT_PEER);
	set_location(fx->fabric, 1, 2, IP_F, MAC_F, VT_PEER);
	set_location(fx->fabric, 2, 1, IP_G, MAC_G, VT_PEER);
	set_location(fx->fabric, 1, 1, IP_H, MAC_H, PEER3);
	set_location(fx->fabric, 1, 2, IP_K, MAC_K, PEER4);
	assert_int_equal(vf_location_count(fx->fabric), 6);
	return 0;
}

static struct vt_ip ip_hdr(vf_mac dmac, vf_mac smac, uint32_t src, uint32_t dst)
{
	struct vt_ip ip = {.dmac = dmac, .smac = smac, .src = src, .dst = dst};

	return ip;
}

/* What another host sends us: to our MAC, from its own. */
static struct vt_ip from_peer(uint32_t src, uint32_t dst)
{
	return ip_hdr(VT_HOST, VT_PEER, src, dst);
}

/* The index of the capture that went to @to, failing if not exactly one. */
static size_t capture_to(const struct vt_capture *cap, const vf_port *to)
{
	size_t i, at = cap->n;

	for (i = 0; i < cap->n; i++) {
		if (cap->f[i].port != to)
			continue;
		assert_int_equal(at, cap->n);
		at = i;
	}
	assert_true(at < cap->n);
	return at;
}

/* ---- from the underlay ---- */

static void test_pipeline_underlay_not_for_host(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX];
	struct vt_ip ip = ip_hdr(PEER3, VT_PEER, IP_E, VT_IP_A);
	size_t n = vt_udp(f, &ip, 40000, 9, data, 16);

	/* for another host */
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 0);
	assert_drops(fx->fabric, NULL, VF_DROP_NOT_FOR_HOST, 1, 1);
	/* for a VM's MAC, as if the VMAC had leaked */
	ip.dmac = VT_MAC_A;
	n = vt_udp(f, &ip, 40000, 9, data, 16);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 0);
	assert_drops(fx->fabric, NULL, VF_DROP_NOT_FOR_HOST, 2, 2);
	/* Ethernet broadcast and multicast: other hosts send unicast copies,
	 * so these are not the fabric's (pipeline.h) */
	ip = ip_hdr(VT_BCAST, VT_PEER, IP_E, IP4(10, 1, 1, 255));
	n = vt_udp(f, &ip, 40000, 9, data, 16);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 0);
	ip = ip_hdr(MAC(0x01, 0x00, 0x5e, 0, 0, 0xfb), VT_PEER, IP_E,
		    IP4(224, 0, 0, 251));
	n = vt_udp(f, &ip, 5353, 5353, data, 16);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 0);
	n = vt_arp(f, VT_BCAST, VT_PEER, 1, VT_PEER, IP4(192, 0, 2, 2), ZERO,
		   IP4(192, 0, 2, 1));
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 0);
	assert_drops(fx->fabric, NULL, VF_DROP_NOT_FOR_HOST, 5, 5);
	assert_int_equal(fx->cap.n, 0);

	/* refused, not counted */
	assert_rc(vf_fabric_inject_underlay(NULL, f, n), -EINVAL);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, NULL, n), -EINVAL);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, 13), -EINVAL);
	assert_int_equal(vt_drops_total(fx->fabric), 5);
}

/* A fabric whose host MAC is not set takes nothing from the underlay. */
static void test_pipeline_underlay_no_host_mac(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX];
	struct vt_ip ip = ip_hdr(VT_HOST, VT_PEER, IP4(10, 1, 1, 9), VT_IP_A);
	size_t n = vt_udp(f, &ip, 40000, 9, data, 16);

	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 0);
	assert_drops(fx->fabric, NULL, VF_DROP_NOT_FOR_HOST, 1, 1);
	ip.dmac = ZERO;
	n = vt_udp(f, &ip, 40000, 9, data, 16);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 0);
	assert_drops(fx->fabric, NULL, VF_DROP_NOT_FOR_HOST, 2, 2);
	assert_int_equal(fx->cap.n, 0);
}

static void test_pipeline_underlay_not_here(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX];
	struct vt_ip ip = from_peer(IP_E, IP4(10, 1, 1, 200));
	size_t n = vt_udp(f, &ip, 40000, 9, data, 16);

	/* a VIP of a known subnet that has no port here */
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 0);
	assert_drops(fx->fabric, NULL, VF_DROP_NOT_HERE, 1, 1);
	/* a VM of another host (misdirected) */
	ip.dst = IP_F;
	n = vt_udp(f, &ip, 40000, 9, data, 16);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 0);
	/* an address in no subnet, from one in no subnet */
	ip = from_peer(IP4(192, 0, 2, 1), IP4(198, 51, 100, 7));
	n = vt_udp(f, &ip, 40000, 9, data, 16);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 0);
	/* the router's address */
	ip = from_peer(IP_E, VT_GW1);
	n = vt_icmp(f, &ip, 8, 0, 0x00010001, data, 8);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 0);
	assert_drops(fx->fabric, NULL, VF_DROP_NOT_HERE, 4, 4);
	assert_int_equal(fx->cap.n, 0);

	/* not IPv4 (ARP, IPv6), and broken IPv4, for this host */
	n = vt_arp(f, VT_HOST, VT_PEER, 1, VT_PEER, IP4(192, 0, 2, 1), ZERO,
		   IP4(192, 0, 2, 2));
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 0);
	vt_eth(f, VT_HOST, VT_PEER, VT_ETH_IPV6);
	memset(f + 14, 0x60, 46);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, 60), 0);
	assert_drops(fx->fabric, NULL, VF_DROP_UNSUPPORTED, 2, 6);
	ip = from_peer(IP_E, VT_IP_A);
	n = vt_udp(f, &ip, 40000, 9, data, 16);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n - 1), 0);
	f[24] ^= 0xff;
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 0);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, 20), 0);
	assert_drops(fx->fabric, NULL, VF_DROP_MALFORMED, 3, 9);
	assert_int_equal(fx->cap.n, 0);
}

/* IPv4 for the host's own address is the host stack's: not dropped, not
 * counted, nothing sent; the trace says so. */
static void test_pipeline_underlay_host_traffic(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX];
	struct vt_ip ip = from_peer(IP4(192, 0, 2, 2), IP4(192, 0, 2, 1));
	size_t n = vt_udp(f, &ip, 40000, 22, data, 16);
	char *tr = NULL;

	/* before the host's address is known it is just not here */
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 0);
	assert_drops(fx->fabric, NULL, VF_DROP_NOT_HERE, 1, 1);
	assert_rc(vf_fabric_set_host_ip(fx->fabric, IP4(192, 0, 2, 1)), 0);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 0);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 0);
	assert_drops(fx->fabric, NULL, VF_DROP_NOT_HERE, 1, 1);
	assert_int_equal(fx->cap.n, 0);
	assert_rc(vf_trace(fx->fabric, NULL, f, n, &tr), VF_DROP_NONE);
	assert_non_null(strstr(tr, "left to the host"));
	vf_free(tr);
}

static void test_pipeline_underlay_same_subnet(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX], want[VT_FRAME_MAX];
	struct vt_ip ip = from_peer(IP_E, VT_IP_A);
	struct vt_ip out = ip_hdr(VT_MAC_A, MAC_E, IP_E, VT_IP_A);
	VF_OPTS(vf_port_stats, st, .rx_packets = 0);
	size_t n, w;

	/* virtual MACs restored: the sender's VMAC from its location; the
	 * TTL as it came (nobody routed it) */
	ip.ttl = out.ttl = 61;
	n = vt_udp(f, &ip, 40000, 9, data, 16);
	w = vt_udp(want, &out, 40000, 9, data, 16);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 1);
	assert_capture(fx, 0, fx->port[0], want, w);
	assert_rc(vf_port_stats_get(fx->port[0], &st), 0);
	assert_int_equal(st.tx_packets, 1);
	assert_int_equal(st.tx_bytes, w);
	assert_int_equal(st.rx_packets, 0);
	/* TCP to b, from e2 */
	ip = from_peer(IP_E2, VT_IP_B);
	out = ip_hdr(VT_MAC_B, MAC_E2, IP_E2, VT_IP_B);
	n = vt_tcp(f, &ip, 40000, 22, 0x02, NULL, 0);
	w = vt_tcp(want, &out, 40000, 22, 0x02, NULL, 0);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 1);
	assert_capture(fx, 1, fx->port[1], want, w);
	assert_int_equal(vt_drops_total(fx->fabric), 0);
}

static void test_pipeline_underlay_routed(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX], want[VT_FRAME_MAX];
	struct vt_ip ip = from_peer(IP_F, VT_IP_A);
	struct vt_ip out = ip_hdr(VT_MAC_A, VT_RVMAC1, IP_F, VT_IP_A);
	size_t n, w;

	/* from lan2 to lan1: routed by the sending host, so from the RVMAC */
	ip.ttl = out.ttl = 63;
	n = vt_udp(f, &ip, 40000, 9, data, 16);
	w = vt_udp(want, &out, 40000, 9, data, 16);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 1);
	assert_capture(fx, 0, fx->port[0], want, w);
	/* from lan1 to c in lan2 */
	ip = from_peer(IP_E, VT_IP_C);
	out = ip_hdr(VT_MAC_C, VT_RVMAC2, IP_E, VT_IP_C);
	ip.ttl = out.ttl = 63;
	n = vt_icmp(f, &ip, 8, 0, 0x00050006, data, 16);
	w = vt_icmp(want, &out, 8, 0, 0x00050006, data, 16);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 1);
	assert_capture(fx, 1, fx->port[2], want, w);
	/* by a static route of the cell whose next hop is c here */
	{
		vf_ipv4_prefix p = vt_prefix("192.168.0.0/16");

		assert_rc(vf_router_add_route(fx->router[0], &p, VT_IP_C), 0);
	}
	ip = from_peer(IP_E, IP4(192, 168, 1, 1));
	out = ip_hdr(VT_MAC_C, VT_RVMAC2, IP_E, IP4(192, 168, 1, 1));
	ip.ttl = out.ttl = 63;
	n = vt_udp(f, &ip, 40000, 9, data, 16);
	w = vt_udp(want, &out, 40000, 9, data, 16);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 1);
	assert_capture(fx, 2, fx->port[2], want, w);
	assert_int_equal(vt_drops_total(fx->fabric), 0);
}

static void test_pipeline_underlay_inter_cell(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX], want[VT_FRAME_MAX];
	struct vt_ip ip = from_peer(IP_G, VT_IP_A);
	size_t n, w;

	/* red to blue: blue admits nothing; counted on the port */
	n = vt_udp(f, &ip, 40000, 53, data, 16);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 0);
	assert_drops(fx->fabric, fx->port[0], VF_DROP_INTER_CELL, 1, 1);
	/* blue admits UDP 53 from red */
	{
		VF_OPTS(vf_policy_opts, o, .src_cell = 2, .protocol = VF_PROTO_UDP,
			.port_min = 53, .port_max = 53);

		assert_rc(vf_policy_create(&fx->pol[0], fx->cell[0], &o), 0);
	}
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 1);
	{
		struct vt_ip out = ip_hdr(VT_MAC_A, VT_RVMAC1, IP_G, VT_IP_A);

		w = vt_udp(want, &out, 40000, 53, data, 16);
		assert_capture(fx, 0, fx->port[0], want, w);
	}
	/* a's reply goes back to g's host though red admits nothing */
	ip = ip_hdr(VT_RVMAC1, VT_MAC_A, VT_IP_A, IP_G);
	n = vt_udp(f, &ip, 53, 40000, data, 16);
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	{
		struct vt_ip out = ip_hdr(VT_PEER, VT_HOST, VT_IP_A, IP_G);

		out.ttl = 63;
		w = vt_udp(want, &out, 53, 40000, data, 16);
		assert_capture(fx, 1, NULL, want, w);
	}
	/* but nothing else */
	n = vt_udp(f, &ip, 53, 40001, data, 16);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_drops(fx->fabric, fx->port[0], VF_DROP_INTER_CELL, 2, 2);
}

static void test_pipeline_underlay_ingress(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX];
	struct vt_ip ip = from_peer(IP_E, VT_IP_B);
	size_t n = vt_udp(f, &ip, 40000, 9, data, 16);
	VF_OPTS(vf_secgroup_opts, so, .name = "closed");
	int i;

	/* b's security groups judge what comes from other hosts */
	assert_rc(vf_secgroup_create(&fx->sg[0], fx->cell[0], &so), 0);
	assert_rc(vf_port_add_secgroup(fx->port[1], fx->sg[0]), 0);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 0);
	assert_drops(fx->fabric, fx->port[1], VF_DROP_SECGROUP_INGRESS, 1, 1);
	assert_rc(vf_port_del_secgroup(fx->port[1], fx->sg[0]), 0);
	/* b's receiving rate: 1000 bytes/s, 1500 deep; 44-byte datagrams */
	assert_rc(vf_port_set_qos(fx->port[1], VF_DIR_INGRESS, 8000, 1500), 0);
	for (i = 0; i < 40; i++)
		if (vf_fabric_inject_underlay(fx->fabric, f, n) != 1)
			break;
	assert_int_equal(i, 1500 / 44);
	assert_drops(fx->fabric, fx->port[1], VF_DROP_QOS_INGRESS, 1, 2);
	/* and its state */
	assert_rc(vf_port_set_admin_up(fx->port[0], false), 0);
	ip = from_peer(IP_E, VT_IP_A);
	n = vt_udp(f, &ip, 40000, 9, data, 16);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 0);
	assert_drops(fx->fabric, fx->port[0], VF_DROP_PORT_DOWN, 1, 3);
	assert_int_equal(fx->cap.n, 1500 / 44);
}

static void test_pipeline_underlay_broadcast(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX], want[VT_FRAME_MAX];
	struct vt_ip ip = from_peer(IP_E, IP4(10, 1, 1, 255));
	struct vt_ip out = ip_hdr(VT_BCAST, MAC_E, IP_E, IP4(10, 1, 1, 255));
	size_t n, w;

	/* lan1's directed broadcast: a and b, nobody else */
	n = vt_udp(f, &ip, 68, 67, data, 16);
	w = vt_udp(want, &out, 68, 67, data, 16);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 2);
	assert_int_equal(fx->cap.n, 2);
	assert_capture(fx, capture_to(&fx->cap, fx->port[0]), fx->port[0], want, w);
	assert_capture(fx, capture_to(&fx->cap, fx->port[1]), fx->port[1], want, w);
	vt_capture_clear(&fx->cap);
	/* the limited broadcast from lan2's f: c only */
	ip = from_peer(IP_F, 0xffffffff);
	out = ip_hdr(VT_BCAST, MAC_F, IP_F, 0xffffffff);
	n = vt_udp(f, &ip, 5353, 5353, data, 16);
	w = vt_udp(want, &out, 5353, 5353, data, 16);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 1);
	assert_capture(fx, 0, fx->port[2], want, w);
	vt_capture_clear(&fx->cap);
	/* multicast (mDNS) from e: a and b, to the group's MAC */
	ip = from_peer(IP_E, IP4(224, 0, 0, 251));
	out = ip_hdr(MAC(0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb), MAC_E, IP_E,
		     IP4(224, 0, 0, 251));
	n = vt_udp(f, &ip, 5353, 5353, data, 16);
	w = vt_udp(want, &out, 5353, 5353, data, 16);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 2);
	assert_capture(fx, capture_to(&fx->cap, fx->port[0]), fx->port[0], want, w);
	assert_capture(fx, capture_to(&fx->cap, fx->port[1]), fx->port[1], want, w);
	vt_capture_clear(&fx->cap);
	/* a broadcast from a subnet not configured here */
	ip = from_peer(IP4(10, 7, 7, 7), 0xffffffff);
	n = vt_udp(f, &ip, 5353, 5353, data, 16);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 0);
	assert_drops(fx->fabric, NULL, VF_DROP_NOT_HERE, 1, 1);
	assert_int_equal(fx->cap.n, 0);
	/* red's g: red1's only port d */
	ip = from_peer(IP_G, IP4(10, 2, 1, 255));
	n = vt_udp(f, &ip, 5353, 5353, data, 16);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 1);
	assert_ptr_equal(fx->cap.f[0].port, fx->port[3]);
}

/*
 * Frames to and from VMs carry no 802.1Q tag: a VM's tagged frames are
 * refused (unsupported), and a tagged frame from the underlay must not
 * reach a VM with its tag either.
 */
static void test_pipeline_underlay_vlan(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX];
	struct vt_ip ip = from_peer(IP_E, VT_IP_A);
	size_t n = vt_udp(f, &ip, 40000, 9, data, 16), i;
	int rc;

	n = vt_vlan_tag(f, n, 10);
	rc = vf_fabric_inject_underlay(fx->fabric, f, n);
	assert_true(rc >= 0);
	for (i = 0; i < fx->cap.n; i++)
		if (fx->cap.f[i].port && fx->cap.f[i].len >= 14 &&
		    fx->cap.f[i].data[12] == 0x81 && fx->cap.f[i].data[13] == 0x00)
			fail_msg("port %s got an 802.1Q-tagged frame from the underlay",
				 vf_port_name(fx->cap.f[i].port));
	if (rc == 0)
		assert_drops(fx->fabric, NULL, VF_DROP_UNSUPPORTED, 1, 1);
}

/* location.h: what vf_location_set() refuses, and what get returns. */
static void test_pipeline_underlay_location_api(void **state)
{
	struct vt_fx *fx = FX(state);
	VF_OPTS(vf_location, l, .cell_id = 1, .vip = IP4(10, 1, 1, 99), .vmac = MAC_E,
		.subnet_id = 1, .host_mac = PEER3, .host_ip = IP4(192, 0, 2, 3));
	VF_OPTS(vf_location, out, .cell_id = 0);

	assert_rc(vf_location_set(fx->fabric, &l), 0);
	assert_int_equal(vf_location_count(fx->fabric), 7);
	assert_rc(vf_location_get(fx->fabric, 1, IP4(10, 1, 1, 99), &out), 0);
	assert_int_equal(out.sz, sizeof(out));
	assert_int_equal(out.cell_id, 1);
	assert_ip_equal(out.vip, IP4(10, 1, 1, 99));
	assert_mac_equal(out.vmac, MAC_E);
	assert_int_equal(out.subnet_id, 1);
	assert_mac_equal(out.host_mac, PEER3);
	assert_ip_equal(out.host_ip, IP4(192, 0, 2, 3));
	assert_int_equal(out.version, 0);
	/* a local port's: this host's MAC */
	assert_rc(vf_location_get(fx->fabric, 1, VT_IP_A, &out), 0);
	assert_mac_equal(out.vmac, VT_MAC_A);
	assert_mac_equal(out.host_mac, VT_HOST);
	assert_int_equal(out.subnet_id, 1);
	assert_rc(vf_location_get(fx->fabric, 1, IP4(10, 1, 1, 98), &out), -ENOENT);
	assert_rc(vf_location_get(fx->fabric, 2, VT_IP_A, &out), -ENOENT);
	/* refusals */
	l.vip = VT_IP_B;
	assert_rc(vf_location_set(fx->fabric, &l), -EADDRINUSE);
	l.vip = IP4(10, 1, 2, 99);
	assert_rc(vf_location_set(fx->fabric, &l), -EINVAL);
	l.vip = IP4(10, 1, 1, 99);
	l.cell_id = 9;
	assert_rc(vf_location_set(fx->fabric, &l), -ENOENT);
	l.cell_id = 1;
	l.subnet_id = 9;
	assert_rc(vf_location_set(fx->fabric, &l), -ENOENT);
	l.subnet_id = 1;
	l.host_mac = VT_HOST;
	assert_rc(vf_location_set(fx->fabric, &l), -EINVAL);
	l.host_mac = VT_BCAST;
	assert_rc(vf_location_set(fx->fabric, &l), -EINVAL);
	l.host_mac = PEER3;
	l.vmac = ZERO;
	assert_rc(vf_location_set(fx->fabric, &l), -EINVAL);
	assert_rc(vf_location_set(fx->fabric, NULL), -EINVAL);
	assert_rc(vf_location_set(NULL, &l), -EINVAL);
	assert_int_equal(vf_location_count(fx->fabric), 7);
	assert_rc(vf_location_del(fx->fabric, 1, IP4(10, 1, 1, 99)), 0);
	assert_rc(vf_location_del(fx->fabric, 1, IP4(10, 1, 1, 99)), -ENOENT);
	assert_int_equal(vf_location_count(fx->fabric), 6);
}

/* ---- to other hosts ---- */

static void test_pipeline_underlay_remote_send(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX], want[VT_FRAME_MAX];
	struct vt_ip ip = ip_hdr(MAC_E, VT_MAC_A, VT_IP_A, IP_E);
	struct vt_ip out = ip_hdr(VT_PEER, VT_HOST, VT_IP_A, IP_E);
	VF_OPTS(vf_port_stats, st, .rx_packets = 0);
	size_t n, w;

	/* same subnet: only the MACs change, to the two hosts' */
	n = vt_udp(f, &ip, 40000, 9, data, 16);
	w = vt_udp(want, &out, 40000, 9, data, 16);
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	assert_capture(fx, 0, NULL, want, w);
	/* routed: TTL - 1 as well */
	ip = ip_hdr(VT_RVMAC1, VT_MAC_A, VT_IP_A, IP_K);
	out = ip_hdr(PEER4, VT_HOST, VT_IP_A, IP_K);
	out.ttl = 63;
	n = vt_tcp(f, &ip, 40000, 80, 0x02, NULL, 0);
	w = vt_tcp(want, &out, 40000, 80, 0x02, NULL, 0);
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	assert_capture(fx, 1, NULL, want, w);
	assert_rc(vf_port_stats_get(fx->port[0], &st), 0);
	assert_int_equal(st.rx_packets, 2);
	assert_int_equal(st.tx_packets, 0);
	assert_int_equal(vt_drops_total(fx->fabric), 0);
}

static void test_pipeline_underlay_flood_from_port(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX], want[VT_FRAME_MAX];
	struct vt_ip ip = ip_hdr(VT_BCAST, VT_MAC_A, VT_IP_A, IP4(10, 1, 1, 255));
	struct vt_ip out = ip;
	size_t n, w, i;
	bool peer = false, peer3 = false;

	/* b here, and one unicast copy per host with VMs in lan1: VT_PEER
	 * (e and e2) once, PEER3 (h); not PEER4 (lan2 only) */
	n = vt_udp(f, &ip, 40000, 9, data, 16);
	assert_rc(vf_port_inject(fx->port[0], f, n), 3);
	assert_int_equal(fx->cap.n, 3);
	assert_capture(fx, capture_to(&fx->cap, fx->port[1]), fx->port[1], f, n);
	for (i = 0; i < fx->cap.n; i++) {
		if (fx->cap.f[i].port)
			continue;
		out.smac = VT_HOST;
		if (!memcmp(fx->cap.f[i].data, VT_PEER.addr, 6)) {
			assert_false(peer);
			peer = true;
			out.dmac = VT_PEER;
		} else {
			assert_false(peer3);
			peer3 = true;
			out.dmac = PEER3;
		}
		w = vt_udp(want, &out, 40000, 9, data, 16);
		assert_capture(fx, i, NULL, want, w);
	}
	assert_true(peer && peer3);
	assert_int_equal(vt_drops_total(fx->fabric), 0);
}

/* The fixture on a fabric whose host MAC was never set. */
static int setup_no_host(void **state)
{
	struct vt_fx *fx;
	VF_OPTS(vf_port_opts, a, .name = "a", .vip = VT_IP_A);
	VF_OPTS(vf_port_opts, b, .name = "b", .vip = VT_IP_B);

	if (vt_setup_subnet(state))
		return -1;
	fx = *state;
	fx->fabric->test_now_ns = T0;
	if (vf_port_create(&fx->port[0], fx->subnet[0], &a) ||
	    vf_port_create(&fx->port[1], fx->subnet[0], &b) ||
	    vf_fabric_set_output(fx->fabric, vt_capture_fn, &fx->cap))
		return -1;
	return 0;
}

static void test_pipeline_underlay_no_host_mac_send(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX];
	struct vt_ip ip = ip_hdr(MAC_E, VT_MAC_A, VT_IP_A, IP_E);
	size_t n;

	set_location(fx->fabric, 1, vf_subnet_id(fx->subnet[0]), IP_E, MAC_E, VT_PEER);
	n = vt_udp(f, &ip, 40000, 9, data, 16);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_drops(fx->fabric, fx->port[0], VF_DROP_NO_OUTPUT, 1, 1);
	assert_int_equal(fx->cap.n, 0);
	/* a broadcast reaches b here; the copy for VT_PEER cannot leave */
	ip = ip_hdr(VT_BCAST, VT_MAC_A, VT_IP_A, IP4(10, 1, 1, 255));
	n = vt_udp(f, &ip, 40000, 9, data, 16);
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	assert_ptr_equal(fx->cap.f[0].port, fx->port[1]);
	assert_drops(fx->fabric, fx->port[0], VF_DROP_NO_OUTPUT, 2, 2);
	/* local traffic is fine */
	ip = ip_hdr(VT_MAC_B, VT_MAC_A, VT_IP_A, VT_IP_B);
	n = vt_udp(f, &ip, 40000, 9, data, 16);
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	/* once set, it leaves */
	{
		vf_mac host = VT_HOST;

		assert_rc(vf_fabric_set_host_mac(fx->fabric, &host), 0);
	}
	ip = ip_hdr(MAC_E, VT_MAC_A, VT_IP_A, IP_E);
	n = vt_udp(f, &ip, 40000, 9, data, 16);
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	assert_ptr_equal(fx->cap.f[2].port, NULL);
	assert_memory_equal(fx->cap.f[2].data + 6, VT_HOST.addr, 6);
}

/* ---- no output callback ---- */

static void test_pipeline_underlay_no_output(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX];
	struct vt_ip ip = ip_hdr(VT_MAC_B, VT_MAC_A, VT_IP_A, VT_IP_B);
	VF_OPTS(vf_port_stats, st, .rx_packets = 0);
	uint64_t a0;
	size_t n;

	assert_rc(vf_fabric_set_output(fx->fabric, NULL, NULL), 0);
	/* to a local port: dropped once, on a port */
	n = vt_udp(f, &ip, 40000, 9, data, 16);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_int_equal(vf_fabric_drops(fx->fabric, VF_DROP_NO_OUTPUT), 0);
	assert_int_equal(vf_port_drops(fx->port[0], VF_DROP_NO_OUTPUT) +
				 vf_port_drops(fx->port[1], VF_DROP_NO_OUTPUT),
			 1);
	assert_int_equal(vt_drops_total(fx->fabric), 1);
	assert_rc(vf_port_stats_get(fx->port[1], &st), 0);
	assert_int_equal(st.tx_packets, 0);
	/* an answer (ARP) to the sender: on the sender */
	a0 = vf_port_drops(fx->port[0], VF_DROP_NO_OUTPUT);
	n = vt_arp(f, VT_BCAST, VT_MAC_A, 1, VT_MAC_A, VT_IP_A, ZERO, VT_GW1);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_drops(fx->fabric, fx->port[0], VF_DROP_NO_OUTPUT, a0 + 1, 2);
	/* from the underlay to a: on a */
	ip = from_peer(IP_E, VT_IP_A);
	n = vt_udp(f, &ip, 40000, 9, data, 16);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 0);
	assert_drops(fx->fabric, fx->port[0], VF_DROP_NO_OUTPUT, a0 + 2, 3);
	assert_int_equal(vt_drops_total(fx->fabric), 3);
}

/*
 * pipeline.h: every dropped frame is counted "on its port, or on the
 * fabric when no port is known". A frame port a sends to another host is
 * a's: with no output callback it must be counted on a.
 */
static void test_pipeline_underlay_no_output_remote(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX];
	struct vt_ip ip = ip_hdr(MAC_E, VT_MAC_A, VT_IP_A, IP_E);
	size_t n = vt_udp(f, &ip, 40000, 9, data, 16);

	assert_rc(vf_fabric_set_output(fx->fabric, NULL, NULL), 0);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_drops(fx->fabric, fx->port[0], VF_DROP_NO_OUTPUT, 1, 1);
}

/* ---- link subnets between hosts ---- */

#define IP_P IP4(10, 1, 9, 1)
#define IP_Q IP4(10, 1, 9, 2)
#define MAC_P MAC(0x02, 0x77, 0, 0, 0x09, 0x01)
#define MAC_Q MAC(0x02, 0x01, 10, 1, 9, 2)

/* subnet[3]: link 10.1.9.0/30; port[4] "q" .2 here, p .1 on VT_PEER. */
static void make_link(struct vt_fx *fx)
{
	VF_OPTS(vf_subnet_opts, so, .name = "link1", .kind = VF_SUBNET_LINK);
	VF_OPTS(vf_port_opts, q, .name = "q", .vip = IP_Q);

	so.prefix = vt_prefix("10.1.9.0/30");
	assert_rc(vf_subnet_create(&fx->subnet[3], fx->cell[0], &so), 0);
	assert_rc(vf_port_create(&fx->port[4], fx->subnet[3], &q), 0);
	set_location(fx->fabric, 1, vf_subnet_id(fx->subnet[3]), IP_P, MAC_P, VT_PEER);
}

static void test_pipeline_underlay_link(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX], want[VT_FRAME_MAX];
	struct vt_ip ip = from_peer(IP_P, IP_Q);
	struct vt_ip out = ip_hdr(MAC_Q, MAC_P, IP_P, IP_Q);
	size_t n, w;

	make_link(fx);
	n = vt_udp(f, &ip, 40000, 9, data, 16);
	w = vt_udp(want, &out, 40000, 9, data, 16);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 1);
	assert_capture(fx, 0, fx->port[4], want, w);
	/* q's answer goes to p's host */
	ip = ip_hdr(MAC_P, MAC_Q, IP_Q, IP_P);
	out = ip_hdr(VT_PEER, VT_HOST, IP_Q, IP_P);
	n = vt_udp(f, &ip, 9, 40000, data, 16);
	w = vt_udp(want, &out, 9, 40000, data, 16);
	assert_rc(vf_port_inject(fx->port[4], f, n), 1);
	assert_capture(fx, 1, NULL, want, w);
	assert_int_equal(vt_drops_total(fx->fabric), 0);
}

/*
 * DESIGN.md §1: a link subnet is a cable between two ports, over which
 * VMs relay for each other. What p (on the other host) sends down the
 * cable for an address beyond q must reach q, not the local port that
 * happens to have that address.
 */
static void test_pipeline_underlay_link_relay(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX], want[VT_FRAME_MAX];
	struct vt_ip ip = from_peer(IP_P, VT_IP_A);
	struct vt_ip out = ip_hdr(MAC_Q, MAC_P, IP_P, VT_IP_A);
	size_t n, w;

	make_link(fx);
	n = vt_udp(f, &ip, 40000, 9, data, 16);
	w = vt_udp(want, &out, 40000, 9, data, 16);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 1);
	assert_capture(fx, 0, fx->port[4], want, w);
}

/* ---- re-entry ---- */

struct reenter {
	struct vt_fx *fx;
	int calls;
	int rc_port, rc_underlay, rc_trace;
	char *trace;
};

static void reenter_fn(void *user_data, vf_port *port, const uint8_t *frame, size_t len)
{
	struct reenter *r = user_data;

	vt_capture_fn(&r->fx->cap, port, frame, len);
	r->calls++;
	r->rc_port = vf_port_inject(r->fx->port[0], frame, len);
	r->rc_underlay = vf_fabric_inject_underlay(r->fx->fabric, frame, len);
	r->rc_trace = vf_trace(r->fx->fabric, r->fx->port[0], frame, len, &r->trace);
}

static void test_pipeline_underlay_reentry(void **state)
{
	struct vt_fx *fx = FX(state);
	struct reenter r = {.fx = fx};
	uint8_t f[VT_FRAME_MAX];
	struct vt_ip ip = ip_hdr(VT_MAC_B, VT_MAC_A, VT_IP_A, VT_IP_B);
	size_t n = vt_udp(f, &ip, 40000, 9, data, 16);

	assert_rc(vf_fabric_set_output(fx->fabric, reenter_fn, &r), 0);
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	assert_int_equal(r.calls, 1);
	assert_rc(r.rc_port, -EBUSY);
	assert_rc(r.rc_underlay, -EBUSY);
	assert_rc(r.rc_trace, -EBUSY);
	assert_null(r.trace);
	/* the refused calls changed nothing */
	{
		VF_OPTS(vf_port_stats, st, .rx_packets = 0);

		assert_rc(vf_port_stats_get(fx->port[0], &st), 0);
		assert_int_equal(st.rx_packets, 1);
		assert_rc(vf_port_stats_get(fx->port[1], &st), 0);
		assert_int_equal(st.tx_packets, 1);
	}
	assert_int_equal(vt_drops_total(fx->fabric), 0);
	/* from the underlay too */
	ip = from_peer(IP_E, VT_IP_A);
	n = vt_udp(f, &ip, 40000, 9, data, 16);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 1);
	assert_int_equal(r.calls, 2);
	assert_rc(r.rc_port, -EBUSY);
	assert_rc(r.rc_underlay, -EBUSY);
	/* after the callback, the fabric takes frames again */
	assert_rc(vf_fabric_set_output(fx->fabric, vt_capture_fn, &fx->cap), 0);
	ip = ip_hdr(VT_MAC_B, VT_MAC_A, VT_IP_A, VT_IP_B);
	n = vt_udp(f, &ip, 40000, 9, data, 16);
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	assert_int_equal(fx->cap.n, 3);
}

/*
 * The output callback runs inside vf_location_set() when it answers
 * parked ARP requests; the pipeline is as busy then as in any other
 * output call, so a re-entering vf_port_inject() must be refused too.
 */
static void test_pipeline_underlay_reentry_location(void **state)
{
	struct vt_fx *fx = FX(state);
	struct reenter r = {.fx = fx};
	uint8_t f[VT_FRAME_MAX];
	size_t n = vt_arp(f, VT_BCAST, VT_MAC_A, 1, VT_MAC_A, VT_IP_A, ZERO,
			  IP4(10, 1, 1, 77));

	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_rc(vf_fabric_set_output(fx->fabric, reenter_fn, &r), 0);
	set_location(fx->fabric, 1, 1, IP4(10, 1, 1, 77), MAC_E, PEER3);
	vf_free(r.trace);
	assert_int_equal(r.calls, 1);
	assert_rc(r.rc_port, -EBUSY);
	assert_rc(r.rc_underlay, -EBUSY);
	assert_rc(r.rc_trace, -EBUSY);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, vt_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_pipeline_underlay_not_for_host),
		cmocka_unit_test_setup_teardown(test_pipeline_underlay_no_host_mac,
						setup_no_host, vt_teardown),
		T(test_pipeline_underlay_not_here),
		T(test_pipeline_underlay_host_traffic),
		T(test_pipeline_underlay_same_subnet),
		T(test_pipeline_underlay_routed),
		T(test_pipeline_underlay_inter_cell),
		T(test_pipeline_underlay_ingress),
		T(test_pipeline_underlay_broadcast),
		T(test_pipeline_underlay_vlan),
		T(test_pipeline_underlay_location_api),
		T(test_pipeline_underlay_remote_send),
		T(test_pipeline_underlay_flood_from_port),
		cmocka_unit_test_setup_teardown(test_pipeline_underlay_no_host_mac_send,
						setup_no_host, vt_teardown),
		T(test_pipeline_underlay_no_output),
		T(test_pipeline_underlay_no_output_remote),
		T(test_pipeline_underlay_link),
		T(test_pipeline_underlay_link_relay),
		T(test_pipeline_underlay_reentry),
		T(test_pipeline_underlay_reentry_location),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
