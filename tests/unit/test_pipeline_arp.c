/*
 * The pipeline, first stages of a frame from a port (DESIGN.md §2 steps
 * 1-3): port security, ARP answered locally, DHCP answered locally. Frames
 * are built by hand (unit.c), injected with vf_port_inject() and the
 * output is collected by vt_capture_fn.
 */
#include "unit.h"

#include <stdlib.h>

#include "core/internal.h"
#include "pipeline/location.h"

#define SEC(n) ((uint64_t)(n)*1000000000ull)
#define T0 SEC(1000)

#define FX(state) ((struct vt_fx *)*(state))

/* 10.1.1.9 on the other host, with a VMAC of its own. */
#define IP_E IP4(10, 1, 1, 9)
#define MAC_E MAC(0x02, 0x77, 0, 0, 0, 0x09)
#define ZERO MAC(0, 0, 0, 0, 0, 0)

static int setup(void **state)
{
	if (vt_setup_pipe(state))
		return -1;
	FX(state)->fabric->test_now_ns = T0;
	return 0;
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

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static struct vt_ip ip_hdr(vf_mac dmac, vf_mac smac, uint32_t src, uint32_t dst)
{
	struct vt_ip ip = {.dmac = dmac, .smac = smac, .src = src, .dst = dst};

	return ip;
}

/* A UDP datagram from port a to port b, @n bytes of data. */
static size_t a_to_b_udp(uint8_t *f, size_t n)
{
	static uint8_t data[VT_FRAME_MAX];
	struct vt_ip ip = ip_hdr(VT_MAC_B, VT_MAC_A, VT_IP_A, VT_IP_B);

	memset(data, 0x5a, n);
	return vt_udp(f, &ip, 40000, 9, data, n);
}

static void set_location(vf_fabric *f, uint32_t cell, uint32_t subnet, uint32_t vip,
			 vf_mac vmac, vf_mac host)
{
	VF_OPTS(vf_location, l, .cell_id = cell, .vip = vip, .vmac = vmac,
		.subnet_id = subnet, .host_mac = host);

	assert_rc(vf_location_set(f, &l), 0);
}

/* Asserts that exactly one frame was dropped, on @port for @reason. */
#define assert_dropped_once(fx, port, reason) \
	assert_drops((fx)->fabric, (port), (reason), 1, 1)

/* ---- port security ---- */

static void test_pipeline_security_spoof_mac(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX];
	struct vt_ip ip =
		ip_hdr(VT_MAC_B, MAC(0x02, 0x01, 10, 1, 1, 99), VT_IP_A, VT_IP_B);
	VF_OPTS(vf_port_stats, st, .rx_packets = 0);
	size_t n = vt_udp(f, &ip, 40000, 9, "x", 1);

	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_int_equal(fx->cap.n, 0);
	assert_dropped_once(fx, fx->port[0], VF_DROP_SPOOF_MAC);
	assert_rc(vf_port_stats_get(fx->port[0], &st), 0);
	assert_int_equal(st.rx_packets, 1);
	assert_int_equal(st.rx_bytes, n);
	assert_int_equal(st.drops, 1);
	assert_int_equal(st.tx_packets, 0);

	/* another port's VMAC is no better */
	ip.smac = VT_MAC_B;
	n = vt_udp(f, &ip, 40000, 9, "x", 1);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_int_equal(vf_port_drops(fx->port[0], VF_DROP_SPOOF_MAC), 2);
	/* ARP from a wrong Ethernet source as well */
	n = vt_arp(f, VT_BCAST, VT_MAC_B, 1, VT_MAC_A, VT_IP_A, ZERO, VT_GW1);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_int_equal(vf_port_drops(fx->port[0], VF_DROP_SPOOF_MAC), 3);
	assert_int_equal(vt_drops_total(fx->fabric), 3);
	assert_int_equal(fx->cap.n, 0);
}

static void test_pipeline_security_spoof_ip(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX];
	struct vt_ip ip = ip_hdr(VT_MAC_B, VT_MAC_A, IP4(10, 1, 1, 99), VT_IP_B);
	size_t n = vt_udp(f, &ip, 40000, 9, "x", 1);

	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_dropped_once(fx, fx->port[0], VF_DROP_SPOOF_IP);
	/* another local port's VIP */
	ip.src = VT_IP_B;
	n = vt_udp(f, &ip, 40000, 9, "x", 1);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	/* 0.0.0.0 is only for DHCP */
	ip.src = 0;
	n = vt_udp(f, &ip, 40000, 9, "x", 1);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_int_equal(vf_port_drops(fx->port[0], VF_DROP_SPOOF_IP), 3);
	assert_int_equal(vt_drops_total(fx->fabric), 3);
	assert_int_equal(fx->cap.n, 0);
}

static void test_pipeline_security_dhcp_server(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX], offer[300];
	struct vt_ip ip = ip_hdr(VT_BCAST, VT_MAC_A, VT_IP_A, 0xffffffff);
	size_t n;

	memset(offer, 0, sizeof(offer));
	offer[0] = 2; /* BOOTREPLY */
	offer[1] = 1;
	offer[2] = 6;
	put32(offer + 236, 0x63825363);
	offer[240] = 53;
	offer[241] = 1;
	offer[242] = 2; /* OFFER */
	offer[243] = 255;
	n = vt_udp(f, &ip, 67, 68, offer, sizeof(offer));
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_dropped_once(fx, fx->port[0], VF_DROP_DHCP_SERVER);
	/* unicast to a neighbour, from the server port */
	ip = ip_hdr(VT_MAC_B, VT_MAC_A, VT_IP_A, VT_IP_B);
	n = vt_udp(f, &ip, 67, 68, offer, sizeof(offer));
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_int_equal(vf_port_drops(fx->port[0], VF_DROP_DHCP_SERVER), 2);
	assert_int_equal(vt_drops_total(fx->fabric), 2);
	assert_int_equal(fx->cap.n, 0);
}

static void test_pipeline_security_router_advert(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX], body[8] = {0};
	struct vt_ip ip = ip_hdr(VT_BCAST, VT_MAC_A, VT_IP_A, IP4(224, 0, 0, 1));
	size_t n;

	/* RFC 1256: one address entry (10.1.1.5, preference 0) */
	put32(body, VT_IP_A);
	n = vt_icmp(f, &ip, 9, 0, 0x01021800u /* 1 addr, size 2, lifetime */, body, 8);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_dropped_once(fx, fx->port[0], VF_DROP_ROUTER_ADVERT);
	/* unicast to the router's MAC too */
	ip = ip_hdr(VT_RVMAC1, VT_MAC_A, VT_IP_A, VT_IP_C);
	n = vt_icmp(f, &ip, 9, 0, 0x01021800u, body, 8);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_int_equal(vf_port_drops(fx->port[0], VF_DROP_ROUTER_ADVERT), 2);
	assert_int_equal(vt_drops_total(fx->fabric), 2);
	assert_int_equal(fx->cap.n, 0);
}

static void test_pipeline_security_port_down(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX];
	size_t n = a_to_b_udp(f, 10);

	assert_rc(vf_port_set_admin_up(fx->port[0], false), 0);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_dropped_once(fx, fx->port[0], VF_DROP_PORT_DOWN);
	/* ARP and DHCP are not answered either */
	n = vt_arp(f, VT_BCAST, VT_MAC_A, 1, VT_MAC_A, VT_IP_A, ZERO, VT_GW1);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_int_equal(vf_port_drops(fx->port[0], VF_DROP_PORT_DOWN), 2);
	assert_int_equal(fx->cap.n, 0);

	/* up again: it passes */
	assert_rc(vf_port_set_admin_up(fx->port[0], true), 0);
	n = a_to_b_udp(f, 10);
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	assert_int_equal(fx->cap.n, 1);
	assert_ptr_equal(fx->cap.f[0].port, fx->port[1]);

	/* a port that is down receives nothing: counted on it */
	assert_rc(vf_port_set_admin_up(fx->port[1], false), 0);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_int_equal(vf_port_drops(fx->port[1], VF_DROP_PORT_DOWN), 1);
	assert_int_equal(vt_drops_total(fx->fabric), 3);
	assert_int_equal(fx->cap.n, 1);
}

static void test_pipeline_security_vlan(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX];
	size_t n = a_to_b_udp(f, 10);

	n = vt_vlan_tag(f, n, 100);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_dropped_once(fx, fx->port[0], VF_DROP_UNSUPPORTED);
	/* priority tag (VID 0), ARP inside a tag */
	n = vt_vlan_tag(f, a_to_b_udp(f, 10), 0x2000);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	n = vt_arp(f, VT_BCAST, VT_MAC_A, 1, VT_MAC_A, VT_IP_A, ZERO, VT_GW1);
	n = vt_vlan_tag(f, n, 7);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_int_equal(vf_port_drops(fx->port[0], VF_DROP_UNSUPPORTED), 3);
	assert_int_equal(vt_drops_total(fx->fabric), 3);
	assert_int_equal(fx->cap.n, 0);
}

static void test_pipeline_security_ethertype(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX];
	static const uint16_t types[] = {VT_ETH_IPV6, 0x88cc /* LLDP */,
					 0x8035 /* RARP */, 0x0842 /* WoL */,
					 0x88a8 /* QinQ tag then IPv6 */};
	size_t i, n;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		memset(f, 0, 80);
		n = vt_eth(f, VT_MAC_B, VT_MAC_A, types[i]);
		if (types[i] == 0x88a8)
			put16(f + 16, VT_ETH_IPV6);
		f[n] = 0x60; /* an IPv6 version nibble, for what it is worth */
		assert_rc(vf_port_inject(fx->port[0], f, 60), 0);
	}
	/* ARP for another hardware type (not Ethernet/IPv4) */
	n = vt_arp(f, VT_BCAST, VT_MAC_A, 1, VT_MAC_A, VT_IP_A, ZERO, VT_GW1);
	put16(f + 14, 6); /* IEEE 802 */
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_int_equal(vf_port_drops(fx->port[0], VF_DROP_UNSUPPORTED), 6);
	assert_int_equal(vt_drops_total(fx->fabric), 6);
	assert_int_equal(fx->cap.n, 0);
}

static void test_pipeline_security_malformed(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX], g[VT_FRAME_MAX];
	struct vt_ip ip = ip_hdr(VT_MAC_B, VT_MAC_A, VT_IP_A, VT_IP_B);
	size_t n = a_to_b_udp(f, 10), m;
	int dropped = 0;

	/* Ethernet header only, then an IPv4 header cut at 19 bytes */
	assert_rc(vf_port_inject(fx->port[0], f, 14), 0);
	dropped++;
	assert_rc(vf_port_inject(fx->port[0], f, 33), 0);
	dropped++;
	/* the IPv4 total length says more than the frame has */
	assert_rc(vf_port_inject(fx->port[0], f, n - 1), 0);
	dropped++;
	/* a UDP header cut at 4 bytes (IP length says so, checksum right) */
	m = vt_ipv4(g, &ip, 17, f + 34, 4);
	assert_rc(vf_port_inject(fx->port[0], g, m), 0);
	dropped++;
	/* a TCP header cut at 10 bytes */
	m = vt_tcp(g, &ip, 40000, 22, 0x02, NULL, 0);
	m = vt_ipv4(g, &ip, 6, g + 34, 10);
	assert_rc(vf_port_inject(fx->port[0], g, m), 0);
	dropped++;
	/* a TCP header whose data offset is under 5 words */
	m = vt_tcp(g, &ip, 40000, 22, 0x02, NULL, 0);
	g[34 + 12] = 4 << 4;
	assert_rc(vf_port_inject(fx->port[0], g, m), 0);
	dropped++;
	/* a UDP length under 8 */
	memcpy(g, f, n);
	put16(g + 38, 7);
	assert_rc(vf_port_inject(fx->port[0], g, n), 0);
	dropped++;
	/* IPv4 header checksum wrong */
	memcpy(g, f, n);
	g[24] ^= 0x01;
	assert_rc(vf_port_inject(fx->port[0], g, n), 0);
	dropped++;
	/* version 6 in an IPv4 ethertype; IHL 4 (checksums made right) */
	memcpy(g, f, n);
	g[14] = 0x65;
	put16(g + 24, 0);
	put16(g + 24, vt_csum(0, g + 14, 20));
	assert_rc(vf_port_inject(fx->port[0], g, n), 0);
	dropped++;
	memcpy(g, f, n);
	g[14] = 0x44;
	assert_rc(vf_port_inject(fx->port[0], g, n), 0);
	dropped++;
	/* ARP cut after the operation, and inside the addresses */
	m = vt_arp(g, VT_BCAST, VT_MAC_A, 1, VT_MAC_A, VT_IP_A, ZERO, VT_GW1);
	assert_rc(vf_port_inject(fx->port[0], g, 14 + 8), 0);
	dropped++;
	assert_rc(vf_port_inject(fx->port[0], g, m - 1), 0);
	dropped++;
	assert_rc(vf_port_inject(fx->port[0], g, 14 + 4), 0);
	dropped++;
	/* an 802.1Q tag cut short */
	memcpy(g, f, n);
	put16(g + 12, VT_ETH_VLAN);
	assert_rc(vf_port_inject(fx->port[0], g, 16), 0);
	dropped++;

	assert_int_equal(vf_port_drops(fx->port[0], VF_DROP_MALFORMED), dropped);
	assert_int_equal(vt_drops_total(fx->fabric), dropped);
	assert_int_equal(fx->cap.n, 0);

	/* out of the API's range: refused, not counted */
	assert_rc(vf_port_inject(fx->port[0], f, 13), -EINVAL);
	assert_rc(vf_port_inject(fx->port[0], f, 0), -EINVAL);
	assert_rc(vf_port_inject(fx->port[0], NULL, 60), -EINVAL);
	assert_rc(vf_port_inject(NULL, f, 60), -EINVAL);
	{
		uint8_t *big = calloc(1, 65536);

		assert_non_null(big);
		memcpy(big, f, n);
		assert_rc(vf_port_inject(fx->port[0], big, 65536), -EINVAL);
		free(big);
	}
	assert_int_equal(vt_drops_total(fx->fabric), dropped);
}

static void test_pipeline_security_too_big(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX];
	size_t n;

	/* IP length 1500 (the default MTU) passes, 1501 does not */
	n = a_to_b_udp(f, 1500 - 28);
	assert_int_equal(n, 1514);
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	n = a_to_b_udp(f, 1501 - 28);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_dropped_once(fx, fx->port[0], VF_DROP_TOO_BIG);

	/* the subnet's MTU, as changed */
	assert_rc(vf_subnet_set_mtu(fx->subnet[0], 1400), 0);
	n = a_to_b_udp(f, 1401 - 28);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	n = a_to_b_udp(f, 1400 - 28);
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	assert_int_equal(vf_port_drops(fx->port[0], VF_DROP_TOO_BIG), 2);
	assert_int_equal(vt_drops_total(fx->fabric), 2);
	assert_int_equal(fx->cap.n, 2);
	assert_int_equal(fx->cap.f[1].len, 1414);
}

/* ---- ARP ---- */

static size_t arp_request(uint8_t *f, uint32_t tpa)
{
	return vt_arp(f, VT_BCAST, VT_MAC_A, 1, VT_MAC_A, VT_IP_A, ZERO, tpa);
}

/* Asserts that capture @i is the ARP reply to port a: @ip is at @mac. */
static void assert_arp_reply(struct vt_fx *fx, size_t i, uint32_t ip, vf_mac mac)
{
	uint8_t want[64];
	size_t n = vt_arp(want, VT_MAC_A, mac, 2, mac, ip, VT_MAC_A, VT_IP_A);

	assert_true(fx->cap.n > i);
	assert_ptr_equal(fx->cap.f[i].port, fx->port[0]);
	assert_frame_equal(fx->cap.f[i].data, fx->cap.f[i].len, want, n);
}

static void test_pipeline_arp_gateway(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX];
	VF_OPTS(vf_port_stats, st, .rx_packets = 0);
	size_t n = arp_request(f, VT_GW1);

	/* padded to the Ethernet minimum, as a NIC sends it */
	memset(f + n, 0, 60 - n);
	assert_rc(vf_port_inject(fx->port[0], f, 60), 1);
	assert_int_equal(fx->cap.n, 1);
	assert_arp_reply(fx, 0, VT_GW1, VT_RVMAC1);
	assert_int_equal(vt_drops_total(fx->fabric), 0);
	assert_rc(vf_port_stats_get(fx->port[0], &st), 0);
	assert_int_equal(st.rx_packets, 1);
	assert_int_equal(st.rx_bytes, 60);
	assert_int_equal(st.tx_packets, 1);
	assert_int_equal(st.tx_bytes, 42);

	/* the router's other interface is in another subnet: not answered
	 * on this one */
	n = arp_request(f, VT_GW2);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_dropped_once(fx, fx->port[0], VF_DROP_ARP_INVALID);

	/* lan2's gateway from port c: its own RVMAC */
	n = vt_arp(f, VT_BCAST, VT_MAC_C, 1, VT_MAC_C, VT_IP_C, ZERO, VT_GW2);
	assert_rc(vf_port_inject(fx->port[2], f, n), 1);
	{
		uint8_t want[64];
		size_t w = vt_arp(want, VT_MAC_C, VT_RVMAC2, 2, VT_RVMAC2, VT_GW2,
				  VT_MAC_C, VT_IP_C);

		assert_ptr_equal(fx->cap.f[1].port, fx->port[2]);
		assert_frame_equal(fx->cap.f[1].data, fx->cap.f[1].len, want, w);
	}
}

static void test_pipeline_arp_local_vm(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX];
	size_t n = arp_request(f, VT_IP_B);

	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	assert_int_equal(fx->cap.n, 1);
	assert_arp_reply(fx, 0, VT_IP_B, VT_MAC_B);
	/* a unicast re-check (Linux's probe of a stale entry) too */
	n = vt_arp(f, VT_MAC_B, VT_MAC_A, 1, VT_MAC_A, VT_IP_A, VT_MAC_B, VT_IP_B);
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	assert_arp_reply(fx, 1, VT_IP_B, VT_MAC_B);
	/* a port of another subnet is not on this link */
	n = arp_request(f, VT_IP_C);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_int_equal(fx->cap.n, 2);
	assert_dropped_once(fx, fx->port[0], VF_DROP_ARP_INVALID);
}

static void test_pipeline_arp_remote(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX];
	size_t n = arp_request(f, IP_E);

	set_location(fx->fabric, 1, vf_subnet_id(fx->subnet[0]), IP_E, MAC_E, VT_PEER);
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	assert_int_equal(fx->cap.n, 1);
	assert_arp_reply(fx, 0, IP_E, MAC_E);
	assert_int_equal(vt_drops_total(fx->fabric), 0);

	/* a new VMAC for it is what the next answer says */
	set_location(fx->fabric, 1, vf_subnet_id(fx->subnet[0]), IP_E,
		     MAC(0x02, 0x77, 0, 0, 0, 0x10), VT_PEER);
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	assert_arp_reply(fx, 1, IP_E, MAC(0x02, 0x77, 0, 0, 0, 0x10));
	/* forgotten: the request waits again */
	assert_rc(vf_location_del(fx->fabric, 1, IP_E), 0);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_int_equal(fx->cap.n, 2);
	assert_int_equal(vt_drops_total(fx->fabric), 0);
}

static void test_pipeline_arp_parked(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX];
	uint8_t g[VT_FRAME_MAX];
	size_t n = arp_request(f, IP_E), m;

	/* unknown: no answer, no drop */
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_int_equal(fx->cap.n, 0);
	assert_int_equal(vt_drops_total(fx->fabric), 0);
	/* port b asks too */
	m = vt_arp(g, VT_BCAST, VT_MAC_B, 1, VT_MAC_B, VT_IP_B, ZERO, IP_E);
	assert_rc(vf_port_inject(fx->port[1], g, m), 0);
	assert_int_equal(fx->cap.n, 0);

	/* the location arrives: both are answered during vf_location_set() */
	set_location(fx->fabric, 1, vf_subnet_id(fx->subnet[0]), IP_E, MAC_E, VT_PEER);
	assert_int_equal(fx->cap.n, 2);
	{
		size_t ia = fx->cap.f[0].port == fx->port[0] ? 0 : 1;
		uint8_t want[64];
		size_t w =
			vt_arp(want, VT_MAC_B, MAC_E, 2, MAC_E, IP_E, VT_MAC_B, VT_IP_B);

		assert_arp_reply(fx, ia, IP_E, MAC_E);
		assert_ptr_equal(fx->cap.f[1 - ia].port, fx->port[1]);
		assert_frame_equal(fx->cap.f[1 - ia].data, fx->cap.f[1 - ia].len, want,
				   w);
	}
	/* answered once: an update of the location answers nothing more */
	set_location(fx->fabric, 1, vf_subnet_id(fx->subnet[0]), IP_E, MAC_E, VT_PEER);
	assert_int_equal(fx->cap.n, 2);
	/* another unknown address's location answers nothing */
	set_location(fx->fabric, 1, vf_subnet_id(fx->subnet[0]), IP4(10, 1, 1, 10),
		     MAC(0x02, 0x77, 0, 0, 0, 0x0a), VT_PEER);
	assert_int_equal(fx->cap.n, 2);
	assert_int_equal(vt_drops_total(fx->fabric), 0);
}

/* A request whose port went away before the answer is forgotten. */
static void test_pipeline_arp_parked_port_gone(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX];
	size_t n = arp_request(f, IP_E);

	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	vf_port_destroy(fx->port[0]);
	fx->port[0] = NULL;
	set_location(fx->fabric, 1, vf_subnet_id(fx->subnet[0]), IP_E, MAC_E, VT_PEER);
	assert_int_equal(fx->cap.n, 0);
	/* nor does its subnet's removal leave anything behind */
	n = vt_arp(f, VT_BCAST, VT_MAC_B, 1, VT_MAC_B, VT_IP_B, ZERO, IP4(10, 1, 1, 10));
	assert_rc(vf_port_inject(fx->port[1], f, n), 0);
	vf_subnet_destroy(fx->subnet[0]);
	fx->subnet[0] = NULL;
	assert_rc(vf_location_set(fx->fabric, &(vf_location){.sz = sizeof(vf_location),
							     .cell_id = 1,
							     .vip = VT_IP_C,
							     .vmac = MAC_E,
							     .subnet_id = 2,
							     .host_mac = VT_PEER}),
		  -EADDRINUSE);
	assert_int_equal(fx->cap.n, 0);
	assert_int_equal(vt_drops_total(fx->fabric), 0);
}

static void test_pipeline_arp_pending_full(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX];
	size_t n;
	int i;

	for (i = 0; i < VF__PENDING_MAX; i++) {
		n = arp_request(f, IP4(10, 1, 1, 100 + i % 100));
		assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	}
	assert_int_equal(vt_drops_total(fx->fabric), 0);
	n = arp_request(f, IP4(10, 1, 1, 222));
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_dropped_once(fx, fx->port[0], VF_DROP_ARP_PENDING_FULL);
	n = vt_arp(f, VT_BCAST, VT_MAC_B, 1, VT_MAC_B, VT_IP_B, ZERO, IP4(10, 1, 1, 222));
	assert_rc(vf_port_inject(fx->port[1], f, n), 0);
	assert_int_equal(vf_port_drops(fx->port[1], VF_DROP_ARP_PENDING_FULL), 1);
	assert_int_equal(fx->cap.n, 0);

	/* a known address is still answered */
	n = arp_request(f, VT_GW1);
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);

	/* requests waiting longer than VF__PENDING_NS make room */
	fx->fabric->test_now_ns = T0 + VF__PENDING_NS + 1;
	n = arp_request(f, IP4(10, 1, 1, 222));
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_int_equal(vt_drops_total(fx->fabric), 2);
	set_location(fx->fabric, 1, vf_subnet_id(fx->subnet[0]), IP4(10, 1, 1, 222),
		     MAC_E, VT_PEER);
	assert_int_equal(fx->cap.n, 2);
	assert_arp_reply(fx, 1, IP4(10, 1, 1, 222), MAC_E);
}

static void test_pipeline_arp_outside_subnet(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX];
	static const uint32_t targets[] = {IP4(8, 8, 8, 8), IP4(10, 1, 2, 99),
					   IP4(10, 2, 1, 5), IP4(10, 1, 0, 1)};
	size_t i, n;

	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		n = arp_request(f, targets[i]);
		assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	}
	assert_int_equal(vf_port_drops(fx->port[0], VF_DROP_ARP_INVALID), 4);
	assert_int_equal(vt_drops_total(fx->fabric), 4);
	assert_int_equal(fx->cap.n, 0);
	/* nothing was parked for them: their locations answer nothing */
	set_location(fx->fabric, 1, vf_subnet_id(fx->subnet[1]), IP4(10, 1, 2, 99), MAC_E,
		     VT_PEER);
	assert_int_equal(fx->cap.n, 0);
}

static void test_pipeline_arp_absorbed(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX];
	size_t n;

	/* gratuitous request and gratuitous reply for its own address */
	n = vt_arp(f, VT_BCAST, VT_MAC_A, 1, VT_MAC_A, VT_IP_A, ZERO, VT_IP_A);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	n = vt_arp(f, VT_BCAST, VT_MAC_A, 2, VT_MAC_A, VT_IP_A, VT_BCAST, VT_IP_A);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	/* a reply to someone (as if it had been asked) */
	n = vt_arp(f, VT_MAC_B, VT_MAC_A, 2, VT_MAC_A, VT_IP_A, VT_MAC_B, VT_IP_B);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_int_equal(fx->cap.n, 0);
	assert_int_equal(vt_drops_total(fx->fabric), 0);
	/* nothing reached port b */
	{
		VF_OPTS(vf_port_stats, st, .rx_packets = 0);

		assert_rc(vf_port_stats_get(fx->port[1], &st), 0);
		assert_int_equal(st.tx_packets, 0);
	}
}

static void test_pipeline_arp_wrong_sender(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX];
	size_t n;

	/* sender hardware address is not the VMAC (Ethernet source is) */
	n = vt_arp(f, VT_BCAST, VT_MAC_A, 1, VT_MAC_B, VT_IP_A, ZERO, VT_GW1);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_dropped_once(fx, fx->port[0], VF_DROP_SPOOF_MAC);
	/* sender protocol address is not the VIP */
	n = vt_arp(f, VT_BCAST, VT_MAC_A, 1, VT_MAC_A, VT_IP_B, ZERO, VT_GW1);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_int_equal(vf_port_drops(fx->port[0], VF_DROP_SPOOF_IP), 1);
	/* a gratuitous ARP claiming another port's address */
	n = vt_arp(f, VT_BCAST, VT_MAC_A, 1, VT_MAC_A, VT_IP_B, ZERO, VT_IP_B);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_int_equal(vf_port_drops(fx->port[0], VF_DROP_SPOOF_IP), 2);
	assert_int_equal(vt_drops_total(fx->fabric), 3);
	assert_int_equal(fx->cap.n, 0);

	/* an RFC 5227 probe (sender 0.0.0.0) is answered, to 0.0.0.0 */
	n = vt_arp(f, VT_BCAST, VT_MAC_A, 1, VT_MAC_A, 0, ZERO, VT_IP_B);
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	{
		uint8_t want[64];
		size_t w = vt_arp(want, VT_MAC_A, VT_MAC_B, 2, VT_MAC_B, VT_IP_B,
				  VT_MAC_A, 0);

		assert_frame_equal(fx->cap.f[0].data, fx->cap.f[0].len, want, w);
	}
}

/* ---- DHCP ---- */

#define XID 0x3903f326u
#define DNS1 IP4(10, 1, 1, 53)

/* A client message from port a's VM: @chaddr, option 53 @type, option 50
 * @req (0: none), option 54 @server (0: none), from @src (0.0.0.0 or the
 * VIP) to the broadcast address. */
static size_t dhcp_frame(uint8_t *out, vf_mac chaddr, uint8_t type, uint32_t src,
			 uint32_t ciaddr, uint32_t req, uint32_t server, uint16_t flags)
{
	uint8_t d[400];
	size_t n = 240;
	struct vt_ip ip = ip_hdr(VT_BCAST, VT_MAC_A, src, 0xffffffff);

	memset(d, 0, sizeof(d));
	d[0] = 1;
	d[1] = 1;
	d[2] = 6;
	put32(d + 4, XID);
	put16(d + 10, flags);
	put32(d + 12, ciaddr);
	memcpy(d + 28, chaddr.addr, 6);
	put32(d + 236, 0x63825363);
	d[n++] = 53, d[n++] = 1, d[n++] = type;
	if (req)
		d[n++] = 50, d[n++] = 4, put32(d + n, req), n += 4;
	if (server)
		d[n++] = 54, d[n++] = 4, put32(d + n, server), n += 4;
	d[n++] = 55, d[n++] = 4, d[n++] = 1, d[n++] = 3, d[n++] = 6, d[n++] = 15;
	d[n++] = 255;
	return vt_udp(out, &ip, 68, 67, d, n);
}

/* The options of a server reply, read here independently. */
struct dhcp_seen {
	int type;
	uint32_t server, mask, router, bcast, lease, t1, t2, dns;
	int ndns;
	uint16_t mtu;
	char domain[256];
	char message[256];
	int end;
};

static void read_options(const uint8_t *o, size_t n, struct dhcp_seen *s)
{
	size_t i = 0;

	memset(s, 0, sizeof(*s));
	s->type = -1;
	while (i < n) {
		uint8_t code = o[i], len;

		if (code == 0) {
			i++;
			continue;
		}
		if (code == 255) {
			s->end = 1;
			return;
		}
		assert_true(i + 2 <= n);
		len = o[i + 1];
		assert_true(i + 2 + len <= n);
		switch (code) {
		case 53: assert_int_equal(len, 1), s->type = o[i + 2]; break;
		case 54: assert_int_equal(len, 4), s->server = get32(o + i + 2); break;
		case 1: assert_int_equal(len, 4), s->mask = get32(o + i + 2); break;
		case 3: assert_int_equal(len, 4), s->router = get32(o + i + 2); break;
		case 28: assert_int_equal(len, 4), s->bcast = get32(o + i + 2); break;
		case 51: assert_int_equal(len, 4), s->lease = get32(o + i + 2); break;
		case 58: assert_int_equal(len, 4), s->t1 = get32(o + i + 2); break;
		case 59: assert_int_equal(len, 4), s->t2 = get32(o + i + 2); break;
		case 26: assert_int_equal(len, 2), s->mtu = get16(o + i + 2); break;
		case 6:
			s->ndns = len / 4;
			s->dns = get32(o + i + 2);
			break;
		case 15: memcpy(s->domain, o + i + 2, len); break;
		case 56: memcpy(s->message, o + i + 2, len); break;
		default: fail_msg("unexpected option %u in a reply", code);
		}
		i += 2u + len;
	}
}

/*
 * Checks the Ethernet, IP and UDP headers of capture @i (from the router
 * of lan1 to @dmac / @dst_ip, 67 -> 68), the BOOTP fixed part, and reads
 * the options into @s.
 */
static void check_reply(struct vt_fx *fx, size_t i, vf_mac dmac, uint32_t dst_ip,
			uint32_t yiaddr, uint32_t ciaddr, uint16_t flags,
			struct dhcp_seen *s)
{
	const uint8_t *r;
	size_t len, ulen;
	uint8_t want[VT_FRAME_MAX];
	struct vt_ip ip = ip_hdr(dmac, VT_RVMAC1, VT_GW1, dst_ip);
	static const uint8_t zero[VT_FRAME_MAX];

	assert_true(fx->cap.n > i);
	assert_ptr_equal(fx->cap.f[i].port, fx->port[0]);
	r = fx->cap.f[i].data;
	len = fx->cap.f[i].len;
	assert_true(len >= 14 + 20 + 8 + 240);
	assert_csums(r, len);
	/* Ethernet and IP headers exactly: TTL 64, id 0, DF */
	ip.frag = 0x4000;
	vt_ipv4(want, &ip, 17, zero, len - 34);
	assert_frame_equal(r, 34, want, 34);
	/* UDP 67 -> 68, its length the rest of the datagram */
	assert_int_equal(get16(r + 34), 67);
	assert_int_equal(get16(r + 36), 68);
	ulen = get16(r + 38);
	assert_int_equal(ulen, len - 34);
	/* BOOTP */
	r += 42;
	assert_int_equal(r[0], 2);
	assert_int_equal(r[1], 1);
	assert_int_equal(r[2], 6);
	assert_int_equal(r[3], 0);
	assert_int_equal(get32(r + 4), XID);
	assert_int_equal(get16(r + 8), 0);
	assert_int_equal(get16(r + 10), flags);
	assert_ip_equal(get32(r + 12), ciaddr);
	assert_ip_equal(get32(r + 16), yiaddr);
	assert_ip_equal(get32(r + 24), 0);
	assert_memory_equal(r + 28, VT_MAC_A.addr, 6);
	assert_memory_equal(r + 34, zero, 202); /* chaddr padding, sname, file */
	assert_int_equal(get32(r + 236), 0x63825363);
	read_options(r + 240, ulen - 8 - 240, s);
	assert_true(s->end);
	assert_true(ulen - 8 >= 300); /* at least a BOOTP message (RFC 951) */
}

static void dhcp_config(struct vt_fx *fx)
{
	uint32_t dns = DNS1;

	assert_rc(vf_subnet_set_dns(fx->subnet[0], &dns, 1), 0);
	assert_rc(vf_subnet_set_domain(fx->subnet[0], "blue.example"), 0);
	assert_rc(vf_subnet_set_lease_time(fx->subnet[0], 3600), 0);
	assert_rc(vf_subnet_set_mtu(fx->subnet[0], 1450), 0);
}

static void assert_config(const struct dhcp_seen *s)
{
	assert_ip_equal(s->server, VT_GW1);
	assert_ip_equal(s->mask, IP4(255, 255, 255, 0));
	assert_ip_equal(s->router, VT_GW1);
	assert_ip_equal(s->bcast, IP4(10, 1, 1, 255));
	assert_int_equal(s->ndns, 1);
	assert_ip_equal(s->dns, DNS1);
	assert_string_equal(s->domain, "blue.example");
	assert_int_equal(s->mtu, 1450);
	assert_int_equal(s->lease, 3600);
	assert_int_equal(s->t1, 1800);
	assert_int_equal(s->t2, 3150);
}

static void test_pipeline_dhcp_discover_request(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX];
	struct dhcp_seen s;
	size_t n;

	dhcp_config(fx);
	/* DISCOVER -> OFFER of the VIP, to the client's MAC and the VIP */
	n = dhcp_frame(f, VT_MAC_A, 1, 0, 0, 0, 0, 0);
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	assert_int_equal(fx->cap.n, 1);
	check_reply(fx, 0, VT_MAC_A, VT_IP_A, VT_IP_A, 0, 0, &s);
	assert_int_equal(s.type, 2);
	assert_config(&s);

	/* REQUEST (SELECTING: server id and requested address) -> ACK */
	n = dhcp_frame(f, VT_MAC_A, 3, 0, 0, VT_IP_A, VT_GW1, 0);
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	assert_int_equal(fx->cap.n, 2);
	check_reply(fx, 1, VT_MAC_A, VT_IP_A, VT_IP_A, 0, 0, &s);
	assert_int_equal(s.type, 5);
	assert_config(&s);

	/* renewing from the VIP (ciaddr set): ACK to ciaddr */
	{
		uint8_t d[VT_FRAME_MAX];
		struct vt_ip ip = ip_hdr(VT_RVMAC1, VT_MAC_A, VT_IP_A, VT_GW1);

		n = dhcp_frame(f, VT_MAC_A, 3, 0, VT_IP_A, 0, 0, 0);
		memcpy(d, f + 42, n - 42);
		n = vt_udp(f, &ip, 68, 67, d, n - 42);
	}
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	check_reply(fx, 2, VT_MAC_A, VT_IP_A, VT_IP_A, VT_IP_A, 0, &s);
	assert_int_equal(s.type, 5);

	/* the broadcast flag: to 255.255.255.255 and ff:ff:ff:ff:ff:ff */
	n = dhcp_frame(f, VT_MAC_A, 1, 0, 0, 0, 0, 0x8000);
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	check_reply(fx, 3, VT_BCAST, 0xffffffff, VT_IP_A, 0, 0x8000, &s);
	assert_int_equal(s.type, 2);
	assert_int_equal(vt_drops_total(fx->fabric), 0);
}

static void test_pipeline_dhcp_nak_and_refusals(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX];
	struct dhcp_seen s;
	size_t n;

	/* asking for another address: NAK, broadcast */
	n = dhcp_frame(f, VT_MAC_A, 3, 0, 0, IP4(10, 1, 1, 77), 0, 0);
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	check_reply(fx, 0, VT_BCAST, 0xffffffff, 0, 0, 0, &s);
	assert_int_equal(s.type, 6);
	assert_ip_equal(s.server, VT_GW1);
	assert_int_equal(s.lease, 0);
	/* a REQUEST naming another server: silence, no drop */
	n = dhcp_frame(f, VT_MAC_A, 3, 0, 0, VT_IP_A, IP4(10, 1, 1, 254), 0);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	/* RELEASE: silence */
	n = dhcp_frame(f, VT_MAC_A, 7, 0, VT_IP_A, 0, VT_GW1, 0);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_int_equal(fx->cap.n, 1);
	assert_int_equal(vt_drops_total(fx->fabric), 0);

	/* another client hardware address */
	n = dhcp_frame(f, VT_MAC_B, 1, 0, 0, 0, 0, 0);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_dropped_once(fx, fx->port[0], VF_DROP_SPOOF_MAC);
	/* no magic cookie */
	n = dhcp_frame(f, VT_MAC_A, 1, 0, 0, 0, 0, 0);
	f[42 + 236] = 0;
	put16(f + 40, 0); /* no UDP checksum */
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_int_equal(vf_port_drops(fx->port[0], VF_DROP_DHCP_INVALID), 1);
	/* a server's message type from the client port */
	n = dhcp_frame(f, VT_MAC_A, 2, 0, 0, 0, 0, 0);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_int_equal(vf_port_drops(fx->port[0], VF_DROP_DHCP_INVALID), 2);
	assert_int_equal(vt_drops_total(fx->fabric), 3);
	assert_int_equal(fx->cap.n, 1);
}

static void test_pipeline_dhcp_off(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX];
	size_t n = dhcp_frame(f, VT_MAC_A, 1, 0, 0, 0, 0, 0);

	assert_rc(vf_subnet_set_dhcp(fx->subnet[0], VF_DHCP_OFF), 0);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_int_equal(fx->cap.n, 0);
	assert_dropped_once(fx, fx->port[0], VF_DROP_DHCP_INVALID);
	/* and on again */
	assert_rc(vf_subnet_set_dhcp(fx->subnet[0], VF_DHCP_ON), 0);
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	assert_int_equal(fx->cap.n, 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, vt_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_pipeline_security_spoof_mac),
		T(test_pipeline_security_spoof_ip),
		T(test_pipeline_security_dhcp_server),
		T(test_pipeline_security_router_advert),
		T(test_pipeline_security_port_down),
		T(test_pipeline_security_vlan),
		T(test_pipeline_security_ethertype),
		T(test_pipeline_security_malformed),
		T(test_pipeline_security_too_big),
		T(test_pipeline_arp_gateway),
		T(test_pipeline_arp_local_vm),
		T(test_pipeline_arp_remote),
		T(test_pipeline_arp_parked),
		T(test_pipeline_arp_parked_port_gone),
		T(test_pipeline_arp_pending_full),
		T(test_pipeline_arp_outside_subnet),
		T(test_pipeline_arp_absorbed),
		T(test_pipeline_arp_wrong_sender),
		T(test_pipeline_dhcp_discover_request),
		T(test_pipeline_dhcp_nak_and_refusals),
		T(test_pipeline_dhcp_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
