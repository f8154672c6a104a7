/*
 * The pipeline's distributed router and link subnets (DESIGN.md §2 step
 * 4): echo at the router's addresses, TTL, forwarding between subnets,
 * static routes to a next-hop VM, no route; link subnets as cables.
 */
#include "unit.h"

#include "core/internal.h"

#define SEC(n) ((uint64_t)(n)*1000000000ull)
#define T0 SEC(1000)

#define FX(state) ((struct vt_fx *)*(state))

#define ZERO MAC(0, 0, 0, 0, 0, 0)
#define MAC_R MAC(0x02, 0x77, 0, 0, 0, 0x09) /* a VM on the other host */

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

static void set_location(vf_fabric *f, uint32_t cell, uint32_t subnet, uint32_t vip,
			 vf_mac vmac, vf_mac host)
{
	VF_OPTS(vf_location, l, .cell_id = cell, .vip = vip, .vmac = vmac,
		.subnet_id = subnet, .host_mac = host);

	assert_rc(vf_location_set(f, &l), 0);
}

static void add_route(vf_router *r, const char *dest, uint32_t next_hop)
{
	vf_ipv4_prefix p = vt_prefix(dest);

	assert_rc(vf_router_add_route(r, &p, next_hop), 0);
}

#define assert_dropped_once(fx, port, reason) \
	assert_drops((fx)->fabric, (port), (reason), 1, 1)


static const char data32[] = "abcdefghijklmnopqrstuvwxyz012345";

/* ---- the router's own addresses ---- */

static void test_pipeline_route_echo_gateway(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX], want[VT_FRAME_MAX];
	struct vt_ip ip = ip_hdr(VT_RVMAC1, VT_MAC_A, VT_IP_A, VT_GW1);
	struct vt_ip rip = ip_hdr(VT_MAC_A, VT_RVMAC1, VT_GW1, VT_IP_A);
	size_t n, w;

	ip.id = 0x4242;
	ip.tos = 0x10;
	ip.frag = 0x4000;
	n = vt_icmp(f, &ip, 8, 0, 0x12340001, data32, 32);
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	/* reply: the request's TOS, id 0, DF, TTL 64; type 0, same id, seq, data */
	rip.tos = 0x10;
	rip.frag = 0x4000;
	w = vt_icmp(want, &rip, 0, 0, 0x12340001, data32, 32);
	assert_capture(fx, 0, fx->port[0], want, w);
	assert_csums(fx->cap.f[0].data, fx->cap.f[0].len);

	/* odd length of data, and a TTL of 1 (for the router itself) */
	ip.tos = 0;
	ip.ttl = 1;
	n = vt_icmp(f, &ip, 8, 0, 0xbeef0002, data32, 31);
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	rip.tos = 0;
	w = vt_icmp(want, &rip, 0, 0, 0xbeef0002, data32, 31);
	assert_capture(fx, 1, fx->port[0], want, w);
	assert_csums(fx->cap.f[1].data, fx->cap.f[1].len);

	/* padded to 60 bytes: the reply is the datagram, not the padding */
	ip.ttl = 0;
	n = vt_icmp(f, &ip, 8, 0, 0x00010003, "hi", 2);
	memset(f + n, 0xee, 60 - n);
	assert_rc(vf_port_inject(fx->port[0], f, 60), 1);
	w = vt_icmp(want, &rip, 0, 0, 0x00010003, "hi", 2);
	assert_capture(fx, 2, fx->port[0], want, w);
	assert_int_equal(vt_drops_total(fx->fabric), 0);
}

static void test_pipeline_route_echo_other_gateway(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX], want[VT_FRAME_MAX];
	struct vt_ip ip = ip_hdr(VT_RVMAC1, VT_MAC_A, VT_IP_A, VT_GW2);
	struct vt_ip rip = ip_hdr(VT_MAC_A, VT_RVMAC1, VT_GW2, VT_IP_A);
	size_t n, w;

	/* lan2's gateway, asked on lan1: answered from 10.1.2.1 by lan1's
	 * interface */
	n = vt_icmp(f, &ip, 8, 0, 0x77770001, data32, 16);
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	rip.frag = 0x4000;
	w = vt_icmp(want, &rip, 0, 0, 0x77770001, data32, 16);
	assert_capture(fx, 0, fx->port[0], want, w);

	/* and lan1's from port c on lan2 */
	ip = ip_hdr(VT_RVMAC2, VT_MAC_C, VT_IP_C, VT_GW1);
	n = vt_icmp(f, &ip, 8, 0, 0x77770002, data32, 16);
	assert_rc(vf_port_inject(fx->port[2], f, n), 1);
	rip = ip_hdr(VT_MAC_C, VT_RVMAC2, VT_GW1, VT_IP_C);
	rip.frag = 0x4000;
	w = vt_icmp(want, &rip, 0, 0, 0x77770002, data32, 16);
	assert_capture(fx, 1, fx->port[2], want, w);
	assert_int_equal(vt_drops_total(fx->fabric), 0);
}

static void test_pipeline_route_router_not_echo(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX];
	struct vt_ip ip = ip_hdr(VT_RVMAC1, VT_MAC_A, VT_IP_A, VT_GW1);
	size_t n;

	n = vt_udp(f, &ip, 40000, 53, "q", 1);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_dropped_once(fx, fx->port[0], VF_DROP_NO_ROUTE);
	n = vt_tcp(f, &ip, 40000, 22, 0x02, NULL, 0);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	/* an echo reply, a timestamp request: not answered */
	n = vt_icmp(f, &ip, 0, 0, 0x00010001, "x", 1);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	n = vt_icmp(f, &ip, 13, 0, 0x00010001, data32, 12);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	/* the other interface's address too */
	ip.dst = VT_GW2;
	n = vt_udp(f, &ip, 40000, 53, "q", 1);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_int_equal(vf_port_drops(fx->port[0], VF_DROP_NO_ROUTE), 5);
	assert_int_equal(vt_drops_total(fx->fabric), 5);
	assert_int_equal(fx->cap.n, 0);
}

/* ---- TTL ---- */

static void test_pipeline_route_ttl_exceeded(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX], want[VT_FRAME_MAX];
	struct vt_ip ip = ip_hdr(VT_RVMAC1, VT_MAC_A, VT_IP_A, VT_IP_C);
	struct vt_ip rip = ip_hdr(VT_MAC_A, VT_RVMAC1, VT_GW1, VT_IP_A);
	size_t n, w;

	ip.ttl = 1;
	ip.id = 0x1001;
	ip.tos = 0x08;
	n = vt_udp(f, &ip, 33434, 33435, data32, 20);
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	assert_dropped_once(fx, fx->port[0], VF_DROP_TTL_EXCEEDED);
	/* ICMP time exceeded (11/0) from the gateway, quoting the IP header
	 * as received and 8 bytes of UDP; TOS internetwork control */
	rip.tos = 0xc0 | 0x08;
	rip.frag = 0x4000;
	w = vt_icmp(want, &rip, 11, 0, 0, f + 14, 28);
	assert_capture(fx, 0, fx->port[0], want, w);
	assert_csums(fx->cap.f[0].data, fx->cap.f[0].len);
	assert_int_equal(fx->cap.n, 1);

	/* TTL 0 the same */
	ip.ttl = 0;
	n = vt_udp(f, &ip, 33434, 33435, data32, 20);
	f[22] = 0;
	f[24] = f[25] = 0;
	{
		uint16_t c = vt_csum(0, f + 14, 20);

		f[24] = (uint8_t)(c >> 8);
		f[25] = (uint8_t)c;
	}
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	assert_int_equal(vf_port_drops(fx->port[0], VF_DROP_TTL_EXCEEDED), 2);
	w = vt_icmp(want, &rip, 11, 0, 0, f + 14, 28);
	assert_capture(fx, 1, fx->port[0], want, w);

	/* no ICMP error about an ICMP error (RFC 1122 3.2.2): counted only */
	ip.ttl = 1;
	n = vt_icmp(f, &ip, 3, 3, 0, data32, 28);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_int_equal(vf_port_drops(fx->port[0], VF_DROP_TTL_EXCEEDED), 3);
	assert_int_equal(fx->cap.n, 2);
	/* nothing reached port c */
	{
		VF_OPTS(vf_port_stats, st, .rx_packets = 0);

		assert_rc(vf_port_stats_get(fx->port[2], &st), 0);
		assert_int_equal(st.tx_packets, 0);
	}
	assert_int_equal(vt_drops_total(fx->fabric), 3);
}

/* ---- forwarding ---- */

static void test_pipeline_route_across_subnets(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX], want[VT_FRAME_MAX];
	struct vt_ip ip = ip_hdr(VT_RVMAC1, VT_MAC_A, VT_IP_A, VT_IP_C);
	struct vt_ip out = ip_hdr(VT_MAC_C, VT_RVMAC2, VT_IP_A, VT_IP_C);
	size_t n, w, k = 0;
	uint32_t id;

	/* many identifications and TTLs, so the incremental checksum meets
	 * every carry; each output must equal a full recomputation */
	for (id = 0; id < 65536; id += 257) {
		ip.id = out.id = (uint16_t)id;
		ip.ttl = (uint8_t)(2 + id % 254);
		out.ttl = (uint8_t)(ip.ttl - 1);
		ip.tos = out.tos = (uint8_t)(id & 0xfc);
		n = vt_udp(f, &ip, 40000, 9, data32, id % 32);
		w = vt_udp(want, &out, 40000, 9, data32, id % 32);
		assert_rc(vf_port_inject(fx->port[0], f, n), 1);
		assert_capture(fx, k, fx->port[2], want, w);
		assert_csums(fx->cap.f[k].data, fx->cap.f[k].len);
		k++;
	}
	/* and back from c to a, TCP */
	ip = ip_hdr(VT_RVMAC2, VT_MAC_C, VT_IP_C, VT_IP_A);
	out = ip_hdr(VT_MAC_A, VT_RVMAC1, VT_IP_C, VT_IP_A);
	out.ttl = 63;
	n = vt_tcp(f, &ip, 22, 40000, 0x12, NULL, 0);
	w = vt_tcp(want, &out, 22, 40000, 0x12, NULL, 0);
	assert_rc(vf_port_inject(fx->port[2], f, n), 1);
	assert_capture(fx, k, fx->port[0], want, w);
	assert_int_equal(vt_drops_total(fx->fabric), 0);
}

static void test_pipeline_route_static(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX], want[VT_FRAME_MAX];
	struct vt_ip ip = ip_hdr(VT_RVMAC1, VT_MAC_A, VT_IP_A, IP4(192, 168, 2, 1));
	struct vt_ip out = ip_hdr(VT_MAC_C, VT_RVMAC2, VT_IP_A, IP4(192, 168, 2, 1));
	size_t n, w;

	add_route(fx->router[0], "192.168.0.0/16", VT_IP_C);
	add_route(fx->router[0], "192.168.1.0/24", VT_IP_B);
	/* 192.168.2.1: the /16, via c on lan2; the destination IP stays */
	out.ttl = 63;
	n = vt_udp(f, &ip, 40000, 9, data32, 8);
	w = vt_udp(want, &out, 40000, 9, data32, 8);
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	assert_capture(fx, 0, fx->port[2], want, w);
	/* 192.168.1.1: the longer /24, via b on the sender's own subnet */
	ip.dst = out.dst = IP4(192, 168, 1, 1);
	out.dmac = VT_MAC_B;
	out.smac = VT_RVMAC1;
	n = vt_udp(f, &ip, 40000, 9, data32, 8);
	w = vt_udp(want, &out, 40000, 9, data32, 8);
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	assert_capture(fx, 1, fx->port[1], want, w);
	/* a route whose next hop is on another host: to that host */
	set_location(fx->fabric, 1, vf_subnet_id(fx->subnet[1]), IP4(10, 1, 2, 9), MAC_R,
		     VT_PEER);
	add_route(fx->router[0], "172.16.0.0/12", IP4(10, 1, 2, 9));
	ip.dst = out.dst = IP4(172, 20, 0, 1);
	out.dmac = VT_PEER;
	out.smac = VT_HOST;
	n = vt_udp(f, &ip, 40000, 9, data32, 8);
	w = vt_udp(want, &out, 40000, 9, data32, 8);
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	assert_capture(fx, 2, NULL, want, w);
	/* the route deleted: no route */
	{
		vf_ipv4_prefix p = vt_prefix("172.16.0.0/12");

		assert_rc(vf_router_del_route(fx->router[0], &p), 0);
	}
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_dropped_once(fx, fx->port[0], VF_DROP_NO_ROUTE);
	assert_int_equal(fx->cap.n, 3);
}

static void test_pipeline_route_no_route(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX];
	struct vt_ip ip = ip_hdr(VT_RVMAC1, VT_MAC_A, VT_IP_A, IP4(172, 31, 0, 1));
	size_t n;
	int drops = 0;

	/* nothing covers it */
	n = vt_udp(f, &ip, 40000, 9, "x", 1);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	drops++;
	assert_dropped_once(fx, fx->port[0], VF_DROP_NO_ROUTE);
	/* in the cell's plan but no such subnet */
	ip.dst = IP4(10, 1, 3, 5);
	n = vt_udp(f, &ip, 40000, 9, "x", 1);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	drops++;
	/* off the subnet and not sent to the router's MAC */
	ip.dmac = VT_MAC_B;
	ip.dst = VT_IP_C;
	n = vt_udp(f, &ip, 40000, 9, "x", 1);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	drops++;
	/* to another interface's RVMAC, which is not on this subnet */
	ip.dmac = VT_RVMAC2;
	n = vt_udp(f, &ip, 40000, 9, "x", 1);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	drops++;
	assert_int_equal(vf_port_drops(fx->port[0], VF_DROP_NO_ROUTE), drops);
	assert_int_equal(vt_drops_total(fx->fabric), drops);
	assert_int_equal(fx->cap.n, 0);

	/* a subnet without the router: nothing leaves it */
	{
		VF_OPTS(vf_subnet_opts, so, .name = "lan3");
		VF_OPTS(vf_port_opts, po, .name = "e", .vip = IP4(10, 1, 3, 5));

		so.prefix = vt_prefix("10.1.3.0/24");
		assert_rc(vf_subnet_create(&fx->subnet[3], fx->cell[0], &so), 0);
		assert_rc(vf_port_create(&fx->port[4], fx->subnet[3], &po), 0);
	}
	ip = ip_hdr(MAC(0x06, 0x01, 10, 1, 3, 1), MAC(0x02, 0x01, 10, 1, 3, 5),
		    IP4(10, 1, 3, 5), VT_IP_A);
	n = vt_udp(f, &ip, 40000, 9, "x", 1);
	assert_rc(vf_port_inject(fx->port[4], f, n), 0);
	assert_int_equal(vf_port_drops(fx->port[4], VF_DROP_NO_ROUTE), 1);
	assert_int_equal(fx->cap.n, 0);
}

static void test_pipeline_route_no_location(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX];
	struct vt_ip ip = ip_hdr(MAC(0x02, 0x01, 10, 1, 1, 77), VT_MAC_A, VT_IP_A,
				 IP4(10, 1, 1, 77));
	size_t n;

	/* same subnet, nobody has it */
	n = vt_udp(f, &ip, 40000, 9, "x", 1);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_dropped_once(fx, fx->port[0], VF_DROP_NO_LOCATION);
	/* routed into lan2, nobody has it */
	ip.dmac = VT_RVMAC1;
	ip.dst = IP4(10, 1, 2, 77);
	n = vt_udp(f, &ip, 40000, 9, "x", 1);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_int_equal(vf_port_drops(fx->port[0], VF_DROP_NO_LOCATION), 2);
	assert_int_equal(vt_drops_total(fx->fabric), 2);
	assert_int_equal(fx->cap.n, 0);
	/* once known, it goes to its host */
	set_location(fx->fabric, 1, vf_subnet_id(fx->subnet[1]), IP4(10, 1, 2, 77), MAC_R,
		     VT_PEER);
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	assert_ptr_equal(fx->cap.f[0].port, NULL);
}

/* ---- link subnets ---- */

#define IP_P IP4(10, 1, 9, 1)
#define IP_Q IP4(10, 1, 9, 2)
#define MAC_P MAC(0x02, 0x01, 10, 1, 9, 1)
#define MAC_Q MAC(0x02, 0x01, 10, 1, 9, 2)

/* subnet[3]: link 10.1.9.0/30 in cell blue; port[4] "p" .1 and, if
 * @both, port[5] "q" .2. */
static void make_link(struct vt_fx *fx, bool both)
{
	VF_OPTS(vf_subnet_opts, so, .name = "link1", .kind = VF_SUBNET_LINK);
	VF_OPTS(vf_port_opts, p, .name = "p", .vip = IP_P);
	VF_OPTS(vf_port_opts, q, .name = "q", .vip = IP_Q);

	so.prefix = vt_prefix("10.1.9.0/30");
	assert_rc(vf_subnet_create(&fx->subnet[3], fx->cell[0], &so), 0);
	assert_rc(vf_port_create(&fx->port[4], fx->subnet[3], &p), 0);
	if (both)
		assert_rc(vf_port_create(&fx->port[5], fx->subnet[3], &q), 0);
}

static void test_pipeline_link_other_end(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX], want[VT_FRAME_MAX];
	struct vt_ip ip = ip_hdr(MAC_Q, MAC_P, IP_P, IP_Q);
	struct vt_ip out = ip_hdr(MAC_Q, MAC_P, IP_P, IP_Q);
	size_t n, w;

	make_link(fx, true);
	n = vt_udp(f, &ip, 40000, 9, data32, 10);
	assert_rc(vf_port_inject(fx->port[4], f, n), 1);
	assert_capture(fx, 0, fx->port[5], f, n);
	/* relayed traffic for anyone, to any MAC (broadcast, the RVMAC of
	 * lan1, a's VMAC): the other end, addressed to it, TTL unchanged */
	ip.dmac = out.dmac = VT_BCAST;
	ip.dst = out.dst = VT_IP_A;
	out.dmac = MAC_Q;
	n = vt_udp(f, &ip, 40000, 9, data32, 10);
	w = vt_udp(want, &out, 40000, 9, data32, 10);
	assert_rc(vf_port_inject(fx->port[4], f, n), 1);
	assert_capture(fx, 1, fx->port[5], want, w);
	ip.dmac = VT_RVMAC1;
	ip.dst = out.dst = IP4(8, 8, 8, 8);
	n = vt_udp(f, &ip, 40000, 9, data32, 10);
	w = vt_udp(want, &out, 40000, 9, data32, 10);
	assert_rc(vf_port_inject(fx->port[4], f, n), 1);
	assert_capture(fx, 2, fx->port[5], want, w);
	ip.dmac = VT_MAC_A;
	ip.dst = out.dst = VT_IP_A;
	n = vt_udp(f, &ip, 40000, 9, data32, 10);
	w = vt_udp(want, &out, 40000, 9, data32, 10);
	assert_rc(vf_port_inject(fx->port[4], f, n), 1);
	assert_capture(fx, 3, fx->port[5], want, w);
	/* and back */
	ip = ip_hdr(MAC_P, MAC_Q, IP_Q, IP_P);
	n = vt_udp(f, &ip, 9, 40000, data32, 3);
	assert_rc(vf_port_inject(fx->port[5], f, n), 1);
	assert_capture(fx, 4, fx->port[4], f, n);
	/* ARP for the other end: its VMAC */
	n = vt_arp(f, VT_BCAST, MAC_P, 1, MAC_P, IP_P, ZERO, IP_Q);
	assert_rc(vf_port_inject(fx->port[4], f, n), 1);
	w = vt_arp(want, MAC_P, MAC_Q, 2, MAC_Q, IP_Q, MAC_P, IP_P);
	assert_capture(fx, 5, fx->port[4], want, w);
	assert_int_equal(fx->cap.n, 6);
	assert_int_equal(vt_drops_total(fx->fabric), 0);
}

static void test_pipeline_link_unpaired(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX], want[VT_FRAME_MAX];
	struct vt_ip ip = ip_hdr(MAC_Q, MAC_P, IP_P, IP_Q);
	size_t n, w;

	make_link(fx, false);
	n = vt_udp(f, &ip, 40000, 9, data32, 10);
	assert_rc(vf_port_inject(fx->port[4], f, n), 0);
	assert_dropped_once(fx, fx->port[4], VF_DROP_LINK_UNPAIRED);
	assert_int_equal(fx->cap.n, 0);

	/* the other end on another host: to that host */
	set_location(fx->fabric, 1, vf_subnet_id(fx->subnet[3]), IP_Q, MAC_Q, VT_PEER);
	assert_rc(vf_port_inject(fx->port[4], f, n), 1);
	{
		struct vt_ip out = ip_hdr(VT_PEER, VT_HOST, IP_P, IP_Q);

		w = vt_udp(want, &out, 40000, 9, data32, 10);
		assert_capture(fx, 0, NULL, want, w);
	}
	/* ... for relayed traffic as well */
	ip.dst = IP4(10, 1, 1, 200);
	n = vt_udp(f, &ip, 40000, 9, data32, 10);
	assert_rc(vf_port_inject(fx->port[4], f, n), 1);
	assert_ptr_equal(fx->cap.f[1].port, NULL);
	assert_memory_equal(fx->cap.f[1].data, VT_PEER.addr, 6);
	assert_rc(vf_location_del(fx->fabric, 1, IP_Q), 0);

	/* the other end created here */
	{
		VF_OPTS(vf_port_opts, q, .name = "q", .vip = IP_Q);

		assert_rc(vf_port_create(&fx->port[5], fx->subnet[3], &q), 0);
	}
	ip.dst = IP_Q;
	n = vt_udp(f, &ip, 40000, 9, data32, 10);
	assert_rc(vf_port_inject(fx->port[4], f, n), 1);
	assert_capture(fx, 2, fx->port[5], f, n);
	/* and removed again */
	vf_port_destroy(fx->port[5]);
	fx->port[5] = NULL;
	assert_rc(vf_port_inject(fx->port[4], f, n), 0);
	assert_int_equal(vf_port_drops(fx->port[4], VF_DROP_LINK_UNPAIRED), 2);
	assert_int_equal(vt_drops_total(fx->fabric), 2);
	assert_int_equal(fx->cap.n, 3);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, vt_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_pipeline_route_echo_gateway),
		T(test_pipeline_route_echo_other_gateway),
		T(test_pipeline_route_router_not_echo),
		T(test_pipeline_route_ttl_exceeded),
		T(test_pipeline_route_across_subnets),
		T(test_pipeline_route_static),
		T(test_pipeline_route_no_route),
		T(test_pipeline_route_no_location),
		T(test_pipeline_link_other_end),
		T(test_pipeline_link_unpaired),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
