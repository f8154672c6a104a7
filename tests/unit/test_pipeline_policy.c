/*
 * The pipeline's policy and QoS stages (DESIGN.md §2 steps 5-6): intra-
 * and inter-cell verdicts, inter-cell policies with connection tracking in
 * zone 0, stateful security groups per port, fragments, and per-port
 * token buckets on a pinned clock (f->test_now_ns).
 */
#include "unit.h"

#include "core/internal.h"

#define SEC(n) ((uint64_t)(n)*1000000000ull)
#define MS(n) ((uint64_t)(n)*1000000ull)
#define T0 SEC(1000)

#define FX(state) ((struct vt_fx *)*(state))

#define SYN 0x02
#define SYNACK 0x12
#define ACK 0x10

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

/* Frames between the fixture's ports: bridged inside lan1, routed
 * elsewhere. */
struct end {
	int port; /* fixture slot */
	vf_mac mac, gw_mac;
	uint32_t ip;
	uint32_t subnet; /* slot */
};

static const struct end A = {0, VT_MAC_A, VT_RVMAC1, VT_IP_A, 0};
static const struct end B = {1, VT_MAC_B, VT_RVMAC1, VT_IP_B, 0};
static const struct end C = {2, VT_MAC_C, VT_RVMAC2, VT_IP_C, 1};
static const struct end D = {3, VT_MAC_D, VT_RVMACR, VT_IP_D, 2};

static struct vt_ip between(const struct end *from, const struct end *to)
{
	bool bridged = from->subnet == to->subnet;

	return ip_hdr(bridged ? to->mac : from->gw_mac, from->mac, from->ip, to->ip);
}

/* Sends UDP @sport -> @dport from @from to @to; returns vf_port_inject(). */
static int udp(struct vt_fx *fx, const struct end *from, const struct end *to,
	       uint16_t sport, uint16_t dport, size_t len)
{
	static const uint8_t data[1500];
	uint8_t f[VT_FRAME_MAX];
	struct vt_ip ip = between(from, to);
	size_t n = vt_udp(f, &ip, sport, dport, data, len);

	return vf_port_inject(fx->port[from->port], f, n);
}

static int tcp(struct vt_fx *fx, const struct end *from, const struct end *to,
	       uint16_t sport, uint16_t dport, uint8_t flags)
{
	uint8_t f[VT_FRAME_MAX];
	struct vt_ip ip = between(from, to);
	size_t n = vt_tcp(f, &ip, sport, dport, flags, NULL, 0);

	return vf_port_inject(fx->port[from->port], f, n);
}

static int icmp_echo(struct vt_fx *fx, const struct end *from, const struct end *to,
		     uint8_t type)
{
	uint8_t f[VT_FRAME_MAX];
	struct vt_ip ip = between(from, to);
	size_t n = vt_icmp(f, &ip, type, 0, 0x00420001, "ping", 4);

	return vf_port_inject(fx->port[from->port], f, n);
}

#define assert_dropped_once(fx, port, reason) \
	assert_drops((fx)->fabric, (port), (reason), 1, 1)

static vf_secgroup *group(struct vt_fx *fx, int slot, int cell, const char *name)
{
	VF_OPTS(vf_secgroup_opts, o, .name = name);

	assert_rc(vf_secgroup_create(&fx->sg[slot], fx->cell[cell], &o), 0);
	return fx->sg[slot];
}

static int rule(vf_secgroup *g, vf_direction dir, const char *remote, uint8_t proto,
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

/* ---- cells ---- */

static void test_pipeline_policy_intra_cell_deny(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX];
	size_t n;

	assert_rc(vf_cell_set_intra_cell(fx->cell[0], VF_VERDICT_DENY), 0);
	assert_rc(udp(fx, &A, &B, 40000, 9, 10), 0);
	assert_dropped_once(fx, fx->port[0], VF_DROP_INTRA_CELL);
	/* routed inside the cell: denied too */
	assert_rc(udp(fx, &A, &C, 40000, 9, 10), 0);
	/* broadcast inside the subnet */
	{
		struct vt_ip ip = ip_hdr(VT_BCAST, VT_MAC_A, VT_IP_A, IP4(10, 1, 1, 255));

		n = vt_udp(f, &ip, 40000, 9, "x", 1);
		assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	}
	assert_int_equal(vf_port_drops(fx->port[0], VF_DROP_INTRA_CELL), 3);
	assert_int_equal(fx->cap.n, 0);
	/* what the fabric answers itself is not traffic between ports */
	n = vt_arp(f, VT_BCAST, VT_MAC_A, 1, VT_MAC_A, VT_IP_A, MAC(0, 0, 0, 0, 0, 0),
		   VT_IP_B);
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	{
		struct vt_ip ip = ip_hdr(VT_RVMAC1, VT_MAC_A, VT_IP_A, VT_GW1);

		n = vt_icmp(f, &ip, 8, 0, 0x00010001, "x", 1);
		assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	}
	/* the other cell is not affected */
	assert_int_equal(vt_drops_total(fx->fabric), 3);
	/* allowed again: from the next frame on */
	assert_rc(vf_cell_set_intra_cell(fx->cell[0], VF_VERDICT_DEFAULT), 0);
	assert_rc(udp(fx, &A, &B, 40000, 9, 10), 1);
	assert_rc(udp(fx, &A, &C, 40000, 9, 10), 1);
	assert_int_equal(vt_drops_total(fx->fabric), 3);
}

static void test_pipeline_policy_inter_cell_deny(void **state)
{
	struct vt_fx *fx = FX(state);

	assert_rc(udp(fx, &A, &D, 40000, 53, 10), 0);
	assert_dropped_once(fx, fx->port[0], VF_DROP_INTER_CELL);
	assert_rc(udp(fx, &D, &A, 53, 40000, 10), 0);
	assert_int_equal(vf_port_drops(fx->port[3], VF_DROP_INTER_CELL), 1);
	assert_rc(icmp_echo(fx, &D, &C, 8), 0);
	assert_int_equal(vf_port_drops(fx->port[3], VF_DROP_INTER_CELL), 2);
	assert_int_equal(vt_drops_total(fx->fabric), 3);
	assert_int_equal(fx->cap.n, 0);
}

static vf_policy *admit(struct vt_fx *fx, int slot, int cell, uint32_t src_cell,
			const char *src, const char *dst, uint8_t proto, uint16_t pmin,
			uint16_t pmax)
{
	VF_OPTS(vf_policy_opts, o, .src_cell = src_cell, .protocol = proto,
		.port_min = pmin, .port_max = pmax);

	if (src)
		o.src = vt_prefix(src);
	if (dst)
		o.dst = vt_prefix(dst);
	assert_rc(vf_policy_create(&fx->pol[slot], fx->cell[cell], &o), 0);
	return fx->pol[slot];
}

static void test_pipeline_policy_inter_cell_admitted(void **state)
{
	struct vt_fx *fx = FX(state);
	static const uint8_t data[10];
	uint8_t want[VT_FRAME_MAX];
	size_t w;

	/* red admits UDP 53 from lan1 of blue */
	admit(fx, 0, 1, 1, "10.1.1.0/24", "10.2.1.0/24", VF_PROTO_UDP, 53, 53);
	assert_rc(udp(fx, &A, &D, 40000, 53, 10), 1);
	{
		/* routed into red: red's RVMAC, TTL 63 */
		struct vt_ip out = ip_hdr(VT_MAC_D, VT_RVMACR, VT_IP_A, VT_IP_D);

		out.ttl = 63;
		w = vt_udp(want, &out, 40000, 53, data, 10);
		assert_ptr_equal(fx->cap.f[0].port, fx->port[3]);
		assert_frame_equal(fx->cap.f[0].data, fx->cap.f[0].len, want, w);
	}
	/* the reply passes, though blue admits nothing (zone 0) */
	assert_rc(udp(fx, &D, &A, 53, 40000, 10), 1);
	{
		struct vt_ip out = ip_hdr(VT_MAC_A, VT_RVMAC1, VT_IP_D, VT_IP_A);

		out.ttl = 63;
		w = vt_udp(want, &out, 53, 40000, data, 10);
		assert_ptr_equal(fx->cap.f[1].port, fx->port[0]);
		assert_frame_equal(fx->cap.f[1].data, fx->cap.f[1].len, want, w);
	}
	assert_int_equal(vt_drops_total(fx->fabric), 0);
	/* what the policy does not name */
	assert_rc(udp(fx, &A, &D, 40000, 54, 10), 0);  /* port */
	assert_rc(tcp(fx, &A, &D, 40000, 53, SYN), 0); /* protocol */
	assert_rc(udp(fx, &C, &D, 40000, 53, 10), 0);  /* source prefix */
	assert_rc(udp(fx, &D, &A, 53, 40001, 10), 0);  /* not a reply */
	assert_int_equal(vf_port_drops(fx->port[0], VF_DROP_INTER_CELL), 2);
	assert_int_equal(vf_port_drops(fx->port[2], VF_DROP_INTER_CELL), 1);
	assert_int_equal(vf_port_drops(fx->port[3], VF_DROP_INTER_CELL), 1);
	assert_int_equal(vt_drops_total(fx->fabric), 4);
	assert_int_equal(fx->cap.n, 2);

	/* TCP: the handshake's replies pass */
	admit(fx, 1, 1, 1, NULL, NULL, VF_PROTO_TCP, 80, 80);
	assert_rc(tcp(fx, &C, &D, 41000, 80, SYN), 1);
	assert_rc(tcp(fx, &D, &C, 80, 41000, SYNACK), 1);
	assert_rc(tcp(fx, &C, &D, 41000, 80, ACK), 1);
	/* the policy removed: the connection is judged again */
	vf_policy_destroy(fx->pol[1]);
	fx->pol[1] = NULL;
	assert_rc(tcp(fx, &D, &C, 80, 41000, ACK), 0);
	assert_rc(tcp(fx, &C, &D, 41000, 80, ACK), 0);
	assert_int_equal(vf_port_drops(fx->port[3], VF_DROP_INTER_CELL), 2);
	assert_int_equal(vf_port_drops(fx->port[2], VF_DROP_INTER_CELL), 2);
	assert_int_equal(vt_drops_total(fx->fabric), 6);
	assert_int_equal(fx->cap.n, 5);
}

static void test_pipeline_policy_inter_cell_allow(void **state)
{
	struct vt_fx *fx = FX(state);

	assert_rc(vf_cell_set_inter_cell(fx->cell[1], VF_VERDICT_ALLOW), 0);
	assert_rc(udp(fx, &A, &D, 40000, 7, 10), 1);
	assert_rc(tcp(fx, &C, &D, 41000, 22, SYN), 1);
	assert_rc(icmp_echo(fx, &A, &D, 8), 1);
	assert_ptr_equal(fx->cap.f[2].port, fx->port[3]);
	/* blue still admits nothing new from red */
	assert_rc(udp(fx, &D, &A, 7, 40001, 10), 0);
	assert_dropped_once(fx, fx->port[3], VF_DROP_INTER_CELL);
	/* back to deny: the next frame is dropped */
	assert_rc(vf_cell_set_inter_cell(fx->cell[1], VF_VERDICT_DENY), 0);
	assert_rc(udp(fx, &A, &D, 40000, 7, 10), 0);
	assert_int_equal(vf_port_drops(fx->port[0], VF_DROP_INTER_CELL), 1);
	assert_int_equal(fx->cap.n, 3);
}

/*
 * policy.h: between cells traffic is admitted by the destination cell's
 * verdict or policies, and "replies pass" (the brief: replies of admitted
 * flows pass, conntrack zone 0). A flow red admits because its verdict
 * is allow must get its replies back into blue, which admits nothing.
 */
static void test_pipeline_policy_inter_cell_allow_replies(void **state)
{
	struct vt_fx *fx = FX(state);

	assert_rc(vf_cell_set_inter_cell(fx->cell[1], VF_VERDICT_ALLOW), 0);
	assert_rc(udp(fx, &A, &D, 40000, 7, 10), 1);
	assert_rc(udp(fx, &D, &A, 7, 40000, 10), 1);
	assert_rc(tcp(fx, &C, &D, 41000, 22, SYN), 1);
	assert_rc(tcp(fx, &D, &C, 22, 41000, SYNACK), 1);
	assert_rc(icmp_echo(fx, &A, &D, 8), 1);
	assert_rc(icmp_echo(fx, &D, &A, 0), 1);
	assert_int_equal(vt_drops_total(fx->fabric), 0);
	assert_int_equal(fx->cap.n, 6);
}

/* ---- security groups ---- */

static void test_pipeline_secgroup_no_rules(void **state)
{
	struct vt_fx *fx = FX(state);

	/* a group without rules: the port sends and receives nothing */
	assert_rc(vf_port_add_secgroup(fx->port[0], group(fx, 0, 0, "closed")), 0);
	assert_rc(udp(fx, &A, &B, 40000, 9, 10), 0);
	assert_dropped_once(fx, fx->port[0], VF_DROP_SECGROUP_EGRESS);
	assert_rc(udp(fx, &B, &A, 40000, 9, 10), 0);
	assert_int_equal(vf_port_drops(fx->port[0], VF_DROP_SECGROUP_INGRESS), 1);
	assert_rc(udp(fx, &C, &A, 40000, 9, 10), 0);
	assert_int_equal(vf_port_drops(fx->port[0], VF_DROP_SECGROUP_INGRESS), 2);
	assert_int_equal(vt_drops_total(fx->fabric), 3);
	assert_int_equal(fx->cap.n, 0);
	/* without groups again: everything passes */
	assert_rc(vf_port_del_secgroup(fx->port[0], fx->sg[0]), 0);
	assert_rc(udp(fx, &A, &B, 40000, 9, 10), 1);
	assert_rc(udp(fx, &B, &A, 40000, 9, 10), 1);
}

static void test_pipeline_secgroup_egress(void **state)
{
	struct vt_fx *fx = FX(state);
	vf_secgroup *g = group(fx, 0, 0, "dns-out");

	rule(g, VF_DIR_EGRESS, "10.1.1.0/24", VF_PROTO_UDP, 53, 53);
	assert_rc(vf_port_add_secgroup(fx->port[0], g), 0);
	assert_rc(udp(fx, &A, &B, 40000, 53, 10), 1);
	assert_ptr_equal(fx->cap.f[0].port, fx->port[1]);
	/* return traffic */
	assert_rc(udp(fx, &B, &A, 53, 40000, 10), 1);
	assert_ptr_equal(fx->cap.f[1].port, fx->port[0]);
	assert_int_equal(vt_drops_total(fx->fabric), 0);
	/* not allowed: another port, another remote, another protocol */
	assert_rc(udp(fx, &A, &B, 40000, 54, 10), 0);
	assert_dropped_once(fx, fx->port[0], VF_DROP_SECGROUP_EGRESS);
	assert_rc(udp(fx, &A, &C, 40000, 53, 10), 0);
	assert_rc(tcp(fx, &A, &B, 40000, 53, SYN), 0);
	assert_int_equal(vf_port_drops(fx->port[0], VF_DROP_SECGROUP_EGRESS), 3);
	/* new traffic towards a: no ingress rule */
	assert_rc(udp(fx, &B, &A, 40001, 53, 10), 0);
	assert_int_equal(vf_port_drops(fx->port[0], VF_DROP_SECGROUP_INGRESS), 1);
	assert_int_equal(vt_drops_total(fx->fabric), 4);
	assert_int_equal(fx->cap.n, 2);

	/* a second group adds its rules */
	{
		vf_secgroup *h = group(fx, 1, 0, "any-out");

		rule(h, VF_DIR_EGRESS, NULL, VF_PROTO_ANY, 0, 0);
		assert_rc(vf_port_add_secgroup(fx->port[0], h), 0);
	}
	assert_rc(udp(fx, &A, &C, 40000, 53, 10), 1);
	assert_rc(tcp(fx, &A, &B, 40000, 53, SYN), 1);
	assert_rc(tcp(fx, &B, &A, 53, 40000, SYNACK), 1);
	assert_int_equal(vt_drops_total(fx->fabric), 4);
}

static void test_pipeline_secgroup_ingress(void **state)
{
	struct vt_fx *fx = FX(state);
	vf_secgroup *g = group(fx, 0, 0, "ssh-in");

	rule(g, VF_DIR_INGRESS, "10.1.1.0/24", VF_PROTO_TCP, 22, 22);
	assert_rc(vf_port_add_secgroup(fx->port[1], g), 0);
	assert_rc(tcp(fx, &A, &B, 40000, 22, SYN), 1);
	assert_ptr_equal(fx->cap.f[0].port, fx->port[1]);
	/* b's answers go back though b has no egress rule */
	assert_rc(tcp(fx, &B, &A, 22, 40000, SYNACK), 1);
	assert_rc(tcp(fx, &A, &B, 40000, 22, ACK), 1);
	assert_int_equal(vt_drops_total(fx->fabric), 0);
	/* not allowed in: counted on the receiving port */
	assert_rc(tcp(fx, &A, &B, 40000, 23, SYN), 0);
	assert_dropped_once(fx, fx->port[1], VF_DROP_SECGROUP_INGRESS);
	assert_rc(tcp(fx, &C, &B, 40000, 22, SYN), 0); /* remote outside the prefix */
	assert_int_equal(vf_port_drops(fx->port[1], VF_DROP_SECGROUP_INGRESS), 2);
	/* b opening a connection: no egress rule */
	assert_rc(tcp(fx, &B, &A, 40002, 80, SYN), 0);
	assert_int_equal(vf_port_drops(fx->port[1], VF_DROP_SECGROUP_EGRESS), 1);
	assert_int_equal(vt_drops_total(fx->fabric), 3);
	assert_int_equal(fx->cap.n, 3);
}

static void test_pipeline_secgroup_rule_change(void **state)
{
	struct vt_fx *fx = FX(state);
	vf_secgroup *g = group(fx, 0, 0, "dns-out");
	vf_secgroup *h = group(fx, 1, 0, "ssh-in");
	int id = rule(g, VF_DIR_EGRESS, NULL, VF_PROTO_UDP, 53, 53);
	int ssh = rule(h, VF_DIR_INGRESS, NULL, VF_PROTO_TCP, 22, 22);

	/* a may send DNS, b may receive SSH; c has no groups */
	assert_rc(vf_port_add_secgroup(fx->port[0], g), 0);
	assert_rc(vf_port_add_secgroup(fx->port[1], h), 0);
	assert_rc(udp(fx, &A, &C, 40000, 53, 10), 1);
	assert_rc(udp(fx, &C, &A, 53, 40000, 10), 1);
	assert_rc(tcp(fx, &C, &B, 40000, 22, SYN), 1);
	assert_rc(tcp(fx, &B, &C, 22, 40000, SYNACK), 1);
	assert_int_equal(vt_drops_total(fx->fabric), 0);

	/* a's rule deleted: the tracked flow is judged again, both ways */
	assert_rc(vf_secgroup_del_rule(g, (uint32_t)id), 0);
	assert_rc(udp(fx, &A, &C, 40000, 53, 10), 0);
	assert_dropped_once(fx, fx->port[0], VF_DROP_SECGROUP_EGRESS);
	assert_rc(udp(fx, &C, &A, 53, 40000, 10), 0);
	assert_int_equal(vf_port_drops(fx->port[0], VF_DROP_SECGROUP_INGRESS), 1);
	/* and added back: passes from the next frame */
	rule(g, VF_DIR_EGRESS, NULL, VF_PROTO_UDP, 53, 53);
	assert_rc(udp(fx, &A, &C, 40000, 53, 10), 1);
	assert_rc(udp(fx, &C, &A, 53, 40000, 10), 1);

	/* b's ingress rule deleted: the old connection stops both ways */
	assert_rc(vf_secgroup_del_rule(h, (uint32_t)ssh), 0);
	assert_rc(tcp(fx, &B, &C, 22, 40000, ACK), 0);
	assert_int_equal(vf_port_drops(fx->port[1], VF_DROP_SECGROUP_EGRESS), 1);
	assert_rc(tcp(fx, &C, &B, 40000, 22, ACK), 0);
	assert_int_equal(vf_port_drops(fx->port[1], VF_DROP_SECGROUP_INGRESS), 1);
	/* the group taken off b: b is open */
	assert_rc(vf_port_del_secgroup(fx->port[1], h), 0);
	assert_rc(tcp(fx, &C, &B, 40000, 22, ACK), 1);
	assert_rc(udp(fx, &C, &B, 40000, 7, 10), 1);
	/* and put back (no rules now): closed from the next frame */
	assert_rc(vf_port_add_secgroup(fx->port[1], h), 0);
	assert_rc(udp(fx, &C, &B, 40000, 7, 10), 0);
	assert_int_equal(vf_port_drops(fx->port[1], VF_DROP_SECGROUP_INGRESS), 2);
	assert_int_equal(vt_drops_total(fx->fabric), 5);
}

/*
 * policy.h: a port's security groups judge its pings to the router too;
 * ARP and DHCP, which the host answers itself, are always answered.
 */
static void test_pipeline_secgroup_router(void **state)
{
	struct vt_fx *fx = FX(state);
	vf_secgroup *g = group(fx, 0, 0, "closed");
	uint8_t f[VT_FRAME_MAX], d[300] = {1, 1, 6};
	struct vt_ip ip = ip_hdr(VT_RVMAC1, VT_MAC_A, VT_IP_A, VT_GW1);
	size_t n;

	assert_rc(vf_port_add_secgroup(fx->port[0], g), 0);
	n = vt_icmp(f, &ip, 8, 0, 0x00090001, "ping", 4);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_dropped_once(fx, fx->port[0], VF_DROP_SECGROUP_EGRESS);
	assert_int_equal(fx->cap.n, 0);
	/* ARP for the router and a DHCP DISCOVER: answered all the same */
	n = vt_arp(f, VT_BCAST, VT_MAC_A, 1, VT_MAC_A, VT_IP_A, MAC(0, 0, 0, 0, 0, 0),
		   VT_GW1);
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	memcpy(d + 28, VT_MAC_A.addr, 6);
	d[236] = 0x63, d[237] = 0x82, d[238] = 0x53, d[239] = 0x63;
	d[240] = 53, d[241] = 1, d[242] = 1, d[243] = 255;
	ip = ip_hdr(VT_BCAST, VT_MAC_A, 0, 0xffffffff);
	n = vt_udp(f, &ip, 68, 67, d, sizeof(d));
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	assert_int_equal(fx->cap.n, 2);
	assert_int_equal(vt_drops_total(fx->fabric), 1);

	/* ICMP allowed out to lan2 only: lan2's gateway answers, lan1's not */
	rule(g, VF_DIR_EGRESS, "10.1.2.0/24", VF_PROTO_ICMP, 0, 0);
	ip = ip_hdr(VT_RVMAC1, VT_MAC_A, VT_IP_A, VT_GW2);
	n = vt_icmp(f, &ip, 8, 0, 0x00090002, "ping", 4);
	assert_rc(vf_port_inject(fx->port[0], f, n), 1);
	assert_ptr_equal(fx->cap.f[2].port, fx->port[0]);
	ip.dst = VT_GW1;
	n = vt_icmp(f, &ip, 8, 0, 0x00090003, "ping", 4);
	assert_rc(vf_port_inject(fx->port[0], f, n), 0);
	assert_int_equal(vf_port_drops(fx->port[0], VF_DROP_SECGROUP_EGRESS), 2);
	assert_int_equal(vt_drops_total(fx->fabric), 2);
	assert_int_equal(fx->cap.n, 3);
}

/* Sends an IPv4 fragment @from -> @to: TCP (@first: offset 0, MF, a whole
 * TCP header to @dport; else offset 1480, no L4 header). */
static int fragment(struct vt_fx *fx, const struct end *from, const struct end *to,
		    uint8_t proto, bool first, uint16_t dport)
{
	uint8_t f[VT_FRAME_MAX], l4[VT_FRAME_MAX];
	struct vt_ip ip = between(from, to);
	size_t n;

	ip.id = 0x7777;
	memset(l4, 0xab, sizeof(l4));
	if (first) {
		ip.frag = 0x2000;
		if (proto == VF_PROTO_TCP)
			n = vt_tcp(f, &ip, 40000, dport, SYN, l4, 64);
		else
			n = vt_udp(f, &ip, 40000, dport, l4, 64);
	} else {
		ip.frag = 1480 / 8;
		n = vt_ipv4(f, &ip, proto, l4, 100);
	}
	return vf_port_inject(fx->port[from->port], f, n);
}

static void test_pipeline_secgroup_fragments(void **state)
{
	struct vt_fx *fx = FX(state);
	vf_secgroup *g = group(fx, 0, 0, "ssh-in");

	/* unguarded ports take fragments */
	assert_rc(fragment(fx, &A, &B, VF_PROTO_UDP, false, 0), 1);
	assert_rc(fragment(fx, &A, &C, VF_PROTO_TCP, false, 0), 1);

	rule(g, VF_DIR_INGRESS, NULL, VF_PROTO_TCP, 22, 22);
	assert_rc(vf_port_add_secgroup(fx->port[1], g), 0);
	/* the first fragment holds the ports: judged and allowed */
	assert_rc(fragment(fx, &A, &B, VF_PROTO_TCP, true, 22), 1);
	/* a later one cannot be judged by a port rule */
	assert_rc(fragment(fx, &A, &B, VF_PROTO_TCP, false, 0), 0);
	assert_dropped_once(fx, fx->port[1], VF_DROP_FRAGMENT);
	/* egress: a's only rule is a port rule */
	{
		vf_secgroup *h = group(fx, 1, 0, "dns-out");

		rule(h, VF_DIR_EGRESS, NULL, VF_PROTO_UDP, 53, 53);
		assert_rc(vf_port_add_secgroup(fx->port[0], h), 0);
	}
	assert_rc(fragment(fx, &A, &C, VF_PROTO_UDP, true, 53), 1);
	assert_rc(fragment(fx, &A, &C, VF_PROTO_UDP, false, 0), 0);
	assert_int_equal(vf_port_drops(fx->port[0], VF_DROP_FRAGMENT), 1);
	assert_int_equal(vt_drops_total(fx->fabric), 2);
	/* a rule without ports judges later fragments (a open again) */
	assert_rc(vf_port_del_secgroup(fx->port[0], fx->sg[1]), 0);
	rule(g, VF_DIR_INGRESS, "10.1.1.0/24", VF_PROTO_ANY, 0, 0);
	assert_rc(fragment(fx, &A, &B, VF_PROTO_TCP, false, 0), 1);
	/* not from its prefix: an ordinary ingress refusal */
	assert_rc(fragment(fx, &C, &B, VF_PROTO_UDP, false, 0), 0);
	assert_int_equal(vf_port_drops(fx->port[1], VF_DROP_FRAGMENT) +
				 vf_port_drops(fx->port[1], VF_DROP_SECGROUP_INGRESS),
			 2);
	assert_int_equal(vt_drops_total(fx->fabric), 3);
}

/*
 * Inter-cell policies with a port range are port-based rules too: a later
 * fragment of an admitted flow cannot be judged by them (VF_DROP_FRAGMENT:
 * "a later fragment a port-based rule would have to judge").
 */
static void test_pipeline_policy_fragments(void **state)
{
	struct vt_fx *fx = FX(state);

	admit(fx, 0, 1, 1, NULL, NULL, VF_PROTO_UDP, 53, 53);
	assert_rc(fragment(fx, &A, &D, VF_PROTO_UDP, true, 53), 1);
	assert_rc(fragment(fx, &A, &D, VF_PROTO_UDP, false, 0), 0);
	assert_dropped_once(fx, fx->port[0], VF_DROP_FRAGMENT);
}

/* ---- QoS ---- */

/* A UDP frame of IP length @ip_len from @from to @to. */
static int sized(struct vt_fx *fx, const struct end *from, const struct end *to,
		 size_t ip_len)
{
	return udp(fx, from, to, 40000, 9, ip_len - 28);
}

/* Sends frames of IP length @len until one is dropped (at most @max);
 * returns how many passed. */
static int burst(struct vt_fx *fx, const struct end *from, const struct end *to,
		 size_t len, int max)
{
	int i;

	for (i = 0; i < max; i++)
		if (sized(fx, from, to, len) != 1)
			break;
	return i;
}

static void test_pipeline_qos_egress(void **state)
{
	struct vt_fx *fx = FX(state);
	uint64_t rate;
	uint32_t depth;

	/* 8000 bit/s = 1000 bytes/s, 1500 bytes deep */
	assert_rc(vf_port_set_qos(fx->port[0], VF_DIR_EGRESS, 8000, 1500), 0);
	assert_rc(vf_port_qos(fx->port[0], VF_DIR_EGRESS, &rate, &depth), 0);
	assert_int_equal(rate, 8000);
	assert_int_equal(depth, 1500);
	assert_int_equal(burst(fx, &A, &B, 500, 10), 3);
	assert_dropped_once(fx, fx->port[0], VF_DROP_QOS_EGRESS);
	/* the clock still: still empty */
	assert_rc(sized(fx, &A, &B, 28), 0);
	assert_int_equal(vf_port_drops(fx->port[0], VF_DROP_QOS_EGRESS), 2);
	/* 0.5 s refills 500 bytes: one more */
	fx->fabric->test_now_ns = T0 + MS(500);
	assert_int_equal(burst(fx, &A, &B, 500, 10), 1);
	/* 0.25 s: 250 bytes, not enough; 0.25 s more: enough */
	fx->fabric->test_now_ns = T0 + MS(750);
	assert_rc(sized(fx, &A, &B, 500), 0);
	fx->fabric->test_now_ns = T0 + MS(1000);
	assert_rc(sized(fx, &A, &B, 500), 1);
	assert_int_equal(vf_port_drops(fx->port[0], VF_DROP_QOS_EGRESS), 4);
	/* a long pause fills it to the burst, no more */
	fx->fabric->test_now_ns = T0 + SEC(3600);
	assert_int_equal(burst(fx, &A, &B, 500, 10), 3);
	/* routed and to other hosts alike: the same bucket */
	fx->fabric->test_now_ns = T0 + SEC(7200);
	assert_int_equal(burst(fx, &A, &C, 750, 10), 2);
	assert_int_equal(vf_port_drops(fx->port[0], VF_DROP_QOS_EGRESS), 6);
	/* b is not limited, nor is a's receiving side */
	assert_int_equal(burst(fx, &B, &A, 1500, 20), 20);
	assert_int_equal(vt_drops_total(fx->fabric), 6);
	/* the limit removed */
	assert_rc(vf_port_set_qos(fx->port[0], VF_DIR_EGRESS, 0, 0), 0);
	assert_int_equal(burst(fx, &A, &B, 1500, 20), 20);
}

static void test_pipeline_qos_ingress(void **state)
{
	struct vt_fx *fx = FX(state);

	/* b receives 1000 bytes/s, 2000 deep */
	assert_rc(vf_port_set_qos(fx->port[1], VF_DIR_INGRESS, 8000, 2000), 0);
	assert_int_equal(burst(fx, &A, &B, 400, 10), 5);
	assert_dropped_once(fx, fx->port[1], VF_DROP_QOS_INGRESS);
	/* from another sender, the same bucket */
	assert_rc(sized(fx, &C, &B, 400), 0);
	assert_int_equal(vf_port_drops(fx->port[1], VF_DROP_QOS_INGRESS), 2);
	fx->fabric->test_now_ns = T0 + MS(800);
	assert_int_equal(burst(fx, &C, &B, 400, 10), 2);
	assert_int_equal(vf_port_drops(fx->port[1], VF_DROP_QOS_INGRESS), 3);
	/* b sends freely */
	assert_int_equal(burst(fx, &B, &A, 1500, 10), 10);
	assert_int_equal(vt_drops_total(fx->fabric), 3);
	assert_int_equal(fx->cap.n, 5 + 2 + 10);
}

static void test_pipeline_qos_default_burst(void **state)
{
	struct vt_fx *fx = FX(state);
	uint64_t rate;
	uint32_t depth;

	/* burst 0: rate / 80, 10 ms worth = 100000 bytes at 8 Mbit/s */
	assert_rc(vf_port_set_qos(fx->port[0], VF_DIR_EGRESS, 8000000, 0), 0);
	assert_rc(vf_port_qos(fx->port[0], VF_DIR_EGRESS, &rate, &depth), 0);
	assert_int_equal(depth, 100000);
	assert_int_equal(burst(fx, &A, &B, 1000, 200), 100);
	/* 1 ms is 1000 bytes */
	fx->fabric->test_now_ns = T0 + MS(1);
	assert_int_equal(burst(fx, &A, &B, 1000, 200), 1);
	fx->fabric->test_now_ns = T0 + MS(11);
	assert_int_equal(burst(fx, &A, &B, 1000, 200), 10);
	assert_int_equal(vf_port_drops(fx->port[0], VF_DROP_QOS_EGRESS), 3);
	assert_int_equal(vt_drops_total(fx->fabric), 3);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, vt_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_pipeline_policy_intra_cell_deny),
		T(test_pipeline_policy_inter_cell_deny),
		T(test_pipeline_policy_inter_cell_admitted),
		T(test_pipeline_policy_inter_cell_allow),
		T(test_pipeline_policy_inter_cell_allow_replies),
		T(test_pipeline_secgroup_no_rules),
		T(test_pipeline_secgroup_egress),
		T(test_pipeline_secgroup_ingress),
		T(test_pipeline_secgroup_rule_change),
		T(test_pipeline_secgroup_router),
		T(test_pipeline_secgroup_fragments),
		T(test_pipeline_policy_fragments),
		T(test_pipeline_qos_egress),
		T(test_pipeline_qos_ingress),
		T(test_pipeline_qos_default_burst),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
