/*
 * The flow cache (lib/pipeline/flowcache.h), differentially: two fabrics
 * built alike, one with the cache and one without (vf__pipe_flowcache(f,
 * 0)), take the same frames on the same pinned clock, and must give the
 * same return value, the same output frames byte for byte, to the same
 * ports, and the same counters (every port's statistics and drop counters
 * by reason, the fabric's drop counters) after every frame.
 *
 * Random sequences mix every kind of frame the pipeline meets (bridged,
 * routed, inter-cell, remote, from the underlay, over a link subnet, TCP
 * flag changes, TTL running out, too big, broadcast, ICMP, bad checksums,
 * IP options, fragments, tags, truncation) with clock jumps and model
 * changes. Scripted cases put a flow in the cache, change one thing the
 * decision depends on, and check the next frame sees it.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/internal.h"
#include "pipeline/pipeline.h"

#define SEC(n) ((uint64_t)(n)*1000000000ull)
#define MS(n) ((uint64_t)(n)*1000000ull)
#define T0 SEC(1000)

#define SYN 0x02
#define ACK 0x10
#define FIN 0x01
#define RST 0x04
#define PSH 0x08

/* Ports: the fixture's a, b (lan1), c (lan2), d (red1), then p and q at
 * the ends of a link subnet 10.1.9.0/30 in blue. */
#define NPORTS 6
#define IP_P IP4(10, 1, 9, 1)
#define IP_Q IP4(10, 1, 9, 2)
#define MAC_P MAC(0x02, 0x01, 10, 1, 9, 1)
#define MAC_Q MAC(0x02, 0x01, 10, 1, 9, 2)
/* VMs on other hosts */
#define IP_R1 IP4(10, 1, 1, 100) /* lan1, on VT_PEER */
#define IP_R2 IP4(10, 1, 2, 100) /* lan2, on VT_PEER */
#define IP_R3 IP4(10, 2, 1, 100) /* red1, on PEER2 */
#define MAC_R1 MAC(0x02, 0x01, 10, 1, 1, 100)
#define MAC_R2 MAC(0x02, 0x01, 10, 1, 2, 100)
#define MAC_R3 MAC(0x02, 0x02, 10, 2, 1, 100)
#define PEER2 MAC(0x02, 0xbb, 0, 0, 0, 0x03)
#define PEER3 MAC(0x02, 0xbb, 0, 0, 0, 0x04)

/* Two worlds: [0] with the flow cache, [1] without. */
struct duo {
	struct vt_fx *fx[2];
	int rule_ids[2]; /* b's egress rules (the same ids in both) */
	int extra_rule;	 /* random_change()'s rule in gc, or 0 */
	uint64_t frames;
};

#define DUO(state) ((struct duo *)*(state))

static void location(vf_fabric *f, uint32_t cell, uint32_t vip, vf_mac vmac,
		     uint32_t subnet, vf_mac host)
{
	VF_OPTS(vf_location, l, .cell_id = cell, .vip = vip, .vmac = vmac,
		.subnet_id = subnet, .host_mac = host);

	assert_rc(vf_location_set(f, &l), 0);
}

static int rule(vf_secgroup *g, vf_direction dir, uint8_t proto, uint16_t pmin,
		uint16_t pmax)
{
	VF_OPTS(vf_rule, r, .direction = dir, .protocol = proto, .port_min = pmin,
		.port_max = pmax);
	int id = vf_secgroup_add_rule(g, &r);

	assert_rc_ge(id, 1);
	return id;
}

/*
 * What each world adds to vt_setup_pipe()'s model: a link subnet; port b
 * guarded (egress UDP 7 and TCP 80, ingress UDP 53) and c guarded (ingress
 * TCP 22 and UDP 7); red admits TCP 80 from blue; remote VMs in lan1,
 * lan2 and red1; lan2's MTU 300; a's egress limited to 100 kbit/s with a
 * burst of 1,500 bytes.
 */
static void world(struct duo *d, int w)
{
	struct vt_fx *fx = d->fx[w];
	vf_fabric *f = fx->fabric;
	VF_OPTS(vf_subnet_opts, so, .name = "link1", .kind = VF_SUBNET_LINK);
	VF_OPTS(vf_port_opts, p, .name = "p", .vip = IP_P);
	VF_OPTS(vf_port_opts, q, .name = "q", .vip = IP_Q);
	VF_OPTS(vf_secgroup_opts, gb, .name = "gb");
	VF_OPTS(vf_secgroup_opts, gc, .name = "gc");
	VF_OPTS(vf_policy_opts, po, .src_cell = 1, .protocol = VF_PROTO_TCP,
		.port_min = 80, .port_max = 80);

	f->test_now_ns = T0;
	so.prefix = vt_prefix("10.1.9.0/30");
	assert_rc(vf_subnet_create(&fx->subnet[3], fx->cell[0], &so), 0);
	assert_rc(vf_port_create(&fx->port[4], fx->subnet[3], &p), 0);
	assert_rc(vf_port_create(&fx->port[5], fx->subnet[3], &q), 0);
	assert_rc(vf_secgroup_create(&fx->sg[0], fx->cell[0], &gb), 0);
	assert_rc(vf_secgroup_create(&fx->sg[1], fx->cell[0], &gc), 0);
	d->rule_ids[0] = rule(fx->sg[0], VF_DIR_EGRESS, VF_PROTO_UDP, 7, 7);
	d->rule_ids[1] = rule(fx->sg[0], VF_DIR_EGRESS, VF_PROTO_TCP, 80, 80);
	rule(fx->sg[0], VF_DIR_INGRESS, VF_PROTO_UDP, 53, 53);
	rule(fx->sg[1], VF_DIR_INGRESS, VF_PROTO_TCP, 22, 22);
	rule(fx->sg[1], VF_DIR_INGRESS, VF_PROTO_UDP, 7, 7);
	assert_rc(vf_port_add_secgroup(fx->port[1], fx->sg[0]), 0);
	assert_rc(vf_port_add_secgroup(fx->port[2], fx->sg[1]), 0);
	assert_rc(vf_policy_create(&fx->pol[0], fx->cell[1], &po), 0);
	location(f, 1, IP_R1, MAC_R1, vf_subnet_id(fx->subnet[0]), VT_PEER);
	location(f, 1, IP_R2, MAC_R2, vf_subnet_id(fx->subnet[1]), VT_PEER);
	location(f, 2, IP_R3, MAC_R3, vf_subnet_id(fx->subnet[2]), PEER2);
	assert_rc(vf_subnet_set_mtu(fx->subnet[1], 300), 0);
	assert_rc(vf_port_set_qos(fx->port[0], VF_DIR_EGRESS, 100000, 1500), 0);
}

static int setup_entries(void **state, uint32_t entries)
{
	struct duo *d = calloc(1, sizeof(*d));
	void *s;

	if (!d)
		return -1;
	*state = d;
	for (int w = 0; w < 2; w++) {
		if (vt_setup_pipe(&s))
			return -1;
		d->fx[w] = s;
		world(d, w);
		if (vf__pipe_flowcache(d->fx[w]->fabric, w ? 0 : entries) < 0)
			return -1;
	}
	assert_non_null(d->fx[0]->fabric->fc);
	assert_null(d->fx[1]->fabric->fc);
	return 0;
}

static int setup(void **state)
{
	return setup_entries(state, VF__FC_DEFAULT_ENTRIES);
}

/* A cache of one set: flows keep pushing each other out. */
static int setup_tiny(void **state)
{
	return setup_entries(state, VF__FC_WAYS);
}

static int teardown(void **state)
{
	struct duo *d = DUO(state);
	void *s;

	for (int w = 0; w < 2; w++) {
		s = d->fx[w];
		if (s)
			vt_teardown(&s);
	}
	free(d);
	return 0;
}

static int slot_of(const struct vt_fx *fx, const vf_port *p)
{
	if (!p)
		return -1;
	for (int i = 0; i < NPORTS; i++)
		if (fx->port[i] == p)
			return i;
	fail_msg("a frame went to a port of no slot");
	return -2;
}

/* Fails unless both worlds counted alike. */
static void same_counters(const struct duo *d)
{
	for (int i = 0; i < NPORTS; i++) {
		vf_port_stats s[2];

		for (int w = 0; w < 2; w++) {
			s[w] = (vf_port_stats){.sz = sizeof(s[w])};
			assert_rc(vf_port_stats_get(d->fx[w]->port[i], &s[w]), 0);
		}
		if (memcmp(&s[0], &s[1], sizeof(s[0])))
			fail_msg("port %d statistics differ after frame %llu: rx "
				 "%llu/%llu, tx "
				 "%llu/%llu, drops %llu/%llu",
				 i, (unsigned long long)d->frames,
				 (unsigned long long)s[0].rx_packets,
				 (unsigned long long)s[1].rx_packets,
				 (unsigned long long)s[0].tx_packets,
				 (unsigned long long)s[1].tx_packets,
				 (unsigned long long)s[0].drops,
				 (unsigned long long)s[1].drops);
		for (int r = VF_DROP_MALFORMED; r <= VF_DROP_NO_OUTPUT; r++)
			if (vf_port_drops(d->fx[0]->port[i], (vf_drop_reason)r) !=
			    vf_port_drops(d->fx[1]->port[i], (vf_drop_reason)r))
				fail_msg("port %d: %s drops differ after frame %llu", i,
					 vf_drop_reason_name((vf_drop_reason)r),
					 (unsigned long long)d->frames);
	}
	for (int r = VF_DROP_MALFORMED; r <= VF_DROP_NO_OUTPUT; r++)
		if (vf_fabric_drops(d->fx[0]->fabric, (vf_drop_reason)r) !=
		    vf_fabric_drops(d->fx[1]->fabric, (vf_drop_reason)r))
			fail_msg("fabric %s drops differ after frame %llu",
				 vf_drop_reason_name((vf_drop_reason)r),
				 (unsigned long long)d->frames);
}

/*
 * Sends @frame from port slot @from (-1: the underlay) into both worlds
 * and fails unless they answer alike. Returns what vf_port_inject() or
 * vf_fabric_inject_underlay() returned; the captures stay for the caller
 * until the next send.
 */
static int send(struct duo *d, int from, const uint8_t *frame, size_t len)
{
	int rc[2];

	for (int w = 0; w < 2; w++) {
		struct vt_fx *fx = d->fx[w];

		vt_capture_clear(&fx->cap);
		rc[w] = from < 0 ? vf_fabric_inject_underlay(fx->fabric, frame, len)
				 : vf_port_inject(fx->port[from], frame, len);
	}
	d->frames++;
	if (rc[0] != rc[1])
		fail_msg("frame %llu: %d with the cache, %d without",
			 (unsigned long long)d->frames, rc[0], rc[1]);
	assert_int_equal(d->fx[0]->cap.n, d->fx[1]->cap.n);
	for (size_t i = 0; i < d->fx[0]->cap.n; i++) {
		const struct vt_frame *a = &d->fx[0]->cap.f[i], *b = &d->fx[1]->cap.f[i];

		assert_int_equal(slot_of(d->fx[0], a->port), slot_of(d->fx[1], b->port));
		assert_frame_equal(a->data, a->len, b->data, b->len);
	}
	same_counters(d);
	return rc[0];
}

static void set_clock(struct duo *d, uint64_t now)
{
	d->fx[0]->fabric->test_now_ns = d->fx[1]->fabric->test_now_ns = now;
}

static void advance(struct duo *d, uint64_t ns)
{
	set_clock(d, d->fx[0]->fabric->test_now_ns + ns);
}

static uint64_t hits(const struct duo *d)
{
	return d->fx[0]->fabric->fc->hits;
}

/* ---- frames ---- */

struct end {
	int slot; /* port slot, -1: another host's VM */
	uint32_t ip;
	vf_mac mac;
	vf_mac gw;  /* the RVMAC of its subnet's router (zero: none) */
	int subnet; /* fixture subnet slot */
	uint32_t cell;
};

static const struct end ends[] = {
	{0, VT_IP_A, VT_MAC_A, VT_RVMAC1, 0, 1},
	{1, VT_IP_B, VT_MAC_B, VT_RVMAC1, 0, 1},
	{2, VT_IP_C, VT_MAC_C, VT_RVMAC2, 1, 1},
	{3, VT_IP_D, VT_MAC_D, VT_RVMACR, 2, 2},
	{4, IP_P, MAC_P, {{0}}, 3, 1},
	{5, IP_Q, MAC_Q, {{0}}, 3, 1},
	{-1, IP_R1, MAC_R1, VT_RVMAC1, 0, 1},
	{-1, IP_R2, MAC_R2, VT_RVMAC2, 1, 1},
	{-1, IP_R3, MAC_R3, VT_RVMACR, 2, 2},
	{-1, IP4(10, 1, 1, 200), MAC(0x02, 0x01, 10, 1, 1, 200), VT_RVMAC1, 0, 1},
};

#define NENDS (sizeof(ends) / sizeof(ends[0]))
#define E_A (&ends[0])
#define E_B (&ends[1])
#define E_C (&ends[2])
#define E_D (&ends[3])
#define E_P (&ends[4])
#define E_Q (&ends[5])
#define E_R1 (&ends[6])
#define E_R2 (&ends[7])
#define E_R3 (&ends[8])

/* The MACs of a frame from @from to @to as a VM would send it: to the
 * other VM's MAC in the same subnet, else to its router. */
static struct vt_ip hdr(const struct end *from, const struct end *to)
{
	struct vt_ip ip = {.smac = from->mac, .src = from->ip, .dst = to->ip};

	ip.dmac = from->subnet == to->subnet || from->subnet == 3 ? to->mac : from->gw;
	return ip;
}

/* The same flow arriving from another host: to this host's MAC. */
static struct vt_ip hdr_underlay(const struct end *from, const struct end *to)
{
	struct vt_ip ip = {
		.dmac = VT_HOST, .smac = VT_PEER, .src = from->ip, .dst = to->ip};

	return ip;
}

static size_t udp(uint8_t *f, const struct vt_ip *ip, uint16_t sport, uint16_t dport,
		  size_t n)
{
	static const uint8_t data[VT_FRAME_MAX];

	return vt_udp(f, ip, sport, dport, data, n);
}

static size_t tcp(uint8_t *f, const struct vt_ip *ip, uint16_t sport, uint16_t dport,
		  uint8_t flags)
{
	return vt_tcp(f, ip, sport, dport, flags, "data", 4);
}

/* ---- random sequences ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)((rng >> 11) % n);
}

/* Recomputes the IPv4 header checksum of the untagged frame @f. */
static void fix_ip_csum(uint8_t *f)
{
	uint32_t hlen = (f[14] & 0x0fu) * 4;
	uint16_t c;

	f[24] = f[25] = 0;
	c = vt_csum(0, f + 14, hlen);
	f[24] = (uint8_t)(c >> 8);
	f[25] = (uint8_t)c;
}

/* Adds 4 bytes of IP options (NOPs) after the 20-byte header. */
static size_t add_options(uint8_t *f, size_t n)
{
	uint16_t tot = (uint16_t)(f[16] << 8 | f[17]);

	memmove(f + 38, f + 34, n - 34);
	memset(f + 34, 1, 4);
	f[14] = 0x46;
	tot += 4;
	f[16] = (uint8_t)(tot >> 8);
	f[17] = (uint8_t)tot;
	fix_ip_csum(f);
	return n + 4;
}

/* Flows the model lets through, at least in one direction. */
struct good {
	int from, to; /* ends[] */
	uint16_t sport, dport;
	bool tcp;
};

static const struct good goods[] = {
	{1, 2, 40000, 7, false},  {2, 1, 7, 40000, false},  /* b <-> c, routed */
	{0, 6, 40001, 9, false},  {6, 0, 9, 40001, false},  /* a <-> R1 */
	{0, 7, 40002, 9, true},	  {7, 0, 9, 40002, true},   /* a <-> R2, routed */
	{4, 5, 40000, 443, true}, {5, 4, 443, 40000, true}, /* p <-> q, link */
	{0, 3, 40000, 80, true},  {3, 0, 80, 40000, true},  /* a <-> d, inter-cell */
	{8, 3, 40001, 22, false}, {3, 8, 22, 40001, false}, /* R3 <-> d */
	{1, 6, 40002, 80, true},  {6, 1, 80, 40002, true},  /* b <-> R1 */
	{7, 2, 40000, 22, true},  {2, 7, 22, 40000, true},  /* R2 <-> c */
	{0, 1, 40000, 53, false}, {1, 0, 53, 40000, false}, /* a <-> b */
};

#define NGOODS (sizeof(goods) / sizeof(goods[0]))

/* The hot flows of a sequence (end, end, sport, dport, protocol). */
#define HOT 24
static uint32_t hot[HOT];

/* One random frame into both worlds. */
static void random_frame(struct duo *d)
{
	static const uint16_t dports[] = {7, 22, 53, 80, 443, 67};
	static const uint8_t tflags[] = {SYN,	    SYN | ACK, ACK, ACK,      ACK | PSH,
					 ACK | PSH, FIN | ACK, RST, ACK | PSH};
	const struct end *from = &ends[rnd(NENDS)], *to = &ends[rnd(NENDS)];
	uint8_t f[VT_FRAME_MAX];
	struct vt_ip ip;
	uint16_t sport = (uint16_t)(40000 + rnd(3)), dport = dports[rnd(6)];
	uint32_t k = rnd(100);
	size_t n;
	int in;
	uint32_t pick = rnd(4);
	bool is_hot = pick != 0;

	/* most frames belong to a few flows, as traffic does: flows the
	 * policy lets through, and random ones */
	if (pick >= 2) {
		const struct good *g = &goods[rnd(NGOODS)];

		from = &ends[g->from];
		to = &ends[g->to];
		sport = g->sport;
		dport = g->dport;
		k = g->tcp ? 60 : 0;
	} else if (is_hot) {
		uint32_t h = rnd(HOT);

		from = &ends[hot[h] % NENDS];
		to = &ends[hot[h] / NENDS % NENDS];
		sport = (uint16_t)(40000 + hot[h] / (NENDS * NENDS) % 3);
		dport = dports[hot[h] / (NENDS * NENDS * 3) % 6];
		k = hot[h] / (NENDS * NENDS * 18) % 90; /* TCP or UDP */
	}

	if (from->slot < 0) {
		in = -1;
		ip = hdr_underlay(from, to);
		if (rnd(20) == 0)
			ip.dmac = PEER3; /* not for this host */
	} else {
		in = from->slot;
		ip = hdr(from, to);
		if (rnd(30) == 0)
			ip.dmac = VT_BCAST;
		if (rnd(40) == 0)
			ip.smac = MAC(0x02, 0x01, 1, 2, 3, 4); /* spoofed */
	}
	if (rnd(30) == 0)
		ip.dst = rnd(2) ? 0xffffffffu : IP4(10, 1, 1, 255);
	if (rnd(25) == 0)
		ip.dst = IP4(10, 1, 1, 1); /* the router */
	if (rnd(8) == 0)
		ip.ttl = (uint8_t)(1 + rnd(2));
	if (k < 45)
		n = udp(f, &ip, sport, dport, rnd(10) ? rnd(40) : 200 + rnd(200));
	else if (k < 90)
		n = tcp(f, &ip, sport, dport,
			is_hot && rnd(4) ? ACK | PSH : tflags[rnd(sizeof(tflags))]);
	else
		n = vt_icmp(f, &ip, rnd(2) ? 8 : 0, 0, 0x00420001u + rnd(2), "ping", 4);
	switch (is_hot && rnd(4) ? 40 : rnd(40)) {
	case 0: f[24] ^= 0x40; break;	      /* bad checksum */
	case 1: n = add_options(f, n); break; /* IP options */
	case 2:
		f[20] |= 0x20;
		fix_ip_csum(f);
		break; /* first fragment */
	case 3:
		f[21] = 0x10;
		fix_ip_csum(f);
		break;				 /* later fragment */
	case 4: n = vt_vlan_tag(f, n, 5); break; /* 802.1Q */
	case 5: n -= 1 + rnd(8); break;		 /* truncated */
	case 6:
		f[20] |= 0x40;
		fix_ip_csum(f);
		break; /* DF: fine */
	default: break;
	}
	send(d, in, f, n);
}

/* Changes something in both worlds, picked at random. */
static void random_change(struct duo *d)
{
	uint32_t k = rnd(8), p = rnd(NPORTS);
	bool up = rnd(3) != 0, alt = rnd(2) != 0;

	for (int w = 0; w < 2; w++) {
		struct vt_fx *fx = d->fx[w];
		vf_fabric *f = fx->fabric;

		switch (k) {
		case 0: assert_rc(vf_port_set_admin_up(fx->port[p], up), 0); break;
		case 1:
			location(f, 1, IP_R1, MAC_R1, vf_subnet_id(fx->subnet[0]),
				 alt ? VT_PEER : PEER3);
			break;
		case 2:
			if (vf_location_del(f, 2, IP_R3) == -ENOENT)
				location(f, 2, IP_R3, MAC_R3, vf_subnet_id(fx->subnet[2]),
					 PEER2);
			break;
		case 3:
			assert_rc(vf_port_set_qos(fx->port[p], VF_DIR_INGRESS,
						  up ? 0 : 50000, 1500),
				  0);
			break;
		case 4:
			assert_rc(vf_cell_set_inter_cell(fx->cell[1],
							 up ? VF_VERDICT_DENY
							    : VF_VERDICT_ALLOW),
				  0);
			break;
		case 5:
			if (vf_port_secgroup_count(fx->port[0]))
				assert_rc(vf_port_del_secgroup(fx->port[0], fx->sg[1]),
					  0);
			else
				assert_rc(vf_port_add_secgroup(fx->port[0], fx->sg[1]),
					  0);
			break;
		case 6: /* a rule in gc comes and goes (both worlds give it one id) */
			if (d->extra_rule) {
				assert_rc(vf_secgroup_del_rule(fx->sg[1],
							       (uint32_t)d->extra_rule),
					  0);
				if (w)
					d->extra_rule = 0;
			} else {
				int id = rule(fx->sg[1], VF_DIR_EGRESS, VF_PROTO_UDP, 53,
					      53);

				if (w)
					d->extra_rule = id;
			}
			break;
		default:
			assert_rc(
				vf_cell_set_intra_cell(fx->cell[0], up ? VF_VERDICT_ALLOW
								       : VF_VERDICT_DENY),
				0);
			break;
		}
	}
}

static void run_random(struct duo *d, unsigned frames, uint64_t seed)
{
	rng = seed;
	for (int i = 0; i < HOT; i++)
		hot[i] = rnd(NENDS * NENDS * 18 * 100);
	for (unsigned i = 0; i < frames; i++) {
		uint32_t k = rnd(1000);

		if (k < 10)
			advance(d, SEC(rnd(40)));
		else if (k < 12)
			random_change(d);
		else
			advance(d, rnd(3) * MS(1) + rnd(1000));
		random_frame(d);
	}
}

static void test_flowcache_random(void **state)
{
	struct duo *d = DUO(state);
	const char *env = getenv("VF_TEST_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : 0x5eed0001ull;

	for (unsigned round = 0; round < 4; round++)
		run_random(d, 5000, seed + round);
	/* the cache was used, and the whole pipeline too */
	printf("flow cache: %llu hits, %llu misses in %llu frames\n",
	       (unsigned long long)hits(d),
	       (unsigned long long)d->fx[0]->fabric->fc->misses,
	       (unsigned long long)d->frames);
	assert_true(hits(d) > 1000);
	assert_true(d->fx[0]->fabric->fc->misses > 1000);
}

static void test_flowcache_random_tiny(void **state)
{
	struct duo *d = DUO(state);

	run_random(d, 8000, 0x5eed1001ull);
	printf("tiny flow cache: %llu hits, %llu misses in %llu frames\n",
	       (unsigned long long)hits(d),
	       (unsigned long long)d->fx[0]->fabric->fc->misses,
	       (unsigned long long)d->frames);
	assert_true(hits(d) > 100);
}

/* A steady mix of flows that stay cached: most frames hit, all alike. */
static void test_flowcache_steady(void **state)
{
	struct duo *d = DUO(state);
	uint8_t f[VT_FRAME_MAX];
	struct vt_ip ip;
	uint64_t h0;
	size_t n;

	for (int round = 0; round < 50; round++) {
		advance(d, MS(20));
		/* bridged, routed, remote, over the link, inter-cell, underlay */
		ip = hdr(E_A, E_B);
		n = udp(f, &ip, 40000, 7, 10);
		assert_rc(send(d, 0, f, n), 0); /* b's ingress admits UDP 53 only */
		ip = hdr(E_B, E_C);
		n = udp(f, &ip, 40001, 7, 10);
		assert_rc(send(d, 1, f, n), 1);
		ip = hdr(E_C, E_B);
		n = udp(f, &ip, 7, 40001, 10); /* c's reply: tracked by b */
		assert_rc(send(d, 2, f, n), 1);
		ip = hdr(E_A, E_R1);
		n = udp(f, &ip, 40002, 9, 10);
		assert_rc(send(d, 0, f, n), 1);
		ip = hdr(E_A, E_R2);
		ip.ttl = 9;
		n = udp(f, &ip, 40003, 9, 10);
		assert_rc(send(d, 0, f, n), 1);
		ip = hdr(E_P, E_Q);
		n = tcp(f, &ip, 40004, 5000, ACK);
		assert_rc(send(d, 4, f, n), 1);
		ip = hdr(E_A, E_D);
		n = tcp(f, &ip, 40005, 80, ACK | PSH);
		assert_rc(send(d, 0, f, n), 1);
		ip = hdr(E_D, E_A);
		n = tcp(f, &ip, 80, 40005, ACK | PSH); /* the reply, tracked */
		assert_rc(send(d, 3, f, n), 1);
		ip = hdr_underlay(E_R1, E_A);
		n = udp(f, &ip, 9, 40002, 10);
		assert_rc(send(d, -1, f, n), 1);
		ip = hdr_underlay(E_R3, E_D);
		n = udp(f, &ip, 9, 9, 10);
		assert_rc(send(d, -1, f, n), 1);
		if (round == 0)
			h0 = hits(d);
	}
	/* after the first round, all but the dropped a->b hit */
	assert_true(hits(d) - h0 >= 49 * 9);
}

/* ---- invalidation: each change takes effect on the next frame ---- */

/* Sends one UDP frame of flow @from -> @to (@dport) a few times, checks
 * the last ones hit the cache and returns the last verdict. */
static int warm(struct duo *d, const struct end *from, const struct end *to,
		uint16_t sport, uint16_t dport)
{
	uint8_t f[VT_FRAME_MAX];
	struct vt_ip ip = from->slot < 0 ? hdr_underlay(from, to) : hdr(from, to);
	size_t n = udp(f, &ip, sport, dport, 10);
	uint64_t h;
	int rc = 0;

	for (int i = 0; i < 3; i++)
		rc = send(d, from->slot, f, n);
	h = hits(d);
	rc = send(d, from->slot, f, n);
	assert_int_equal(hits(d), h + 1);
	return rc;
}

static int again(struct duo *d, const struct end *from, const struct end *to,
		 uint16_t sport, uint16_t dport)
{
	uint8_t f[VT_FRAME_MAX];
	struct vt_ip ip = from->slot < 0 ? hdr_underlay(from, to) : hdr(from, to);
	size_t n = udp(f, &ip, sport, dport, 10);

	return send(d, from->slot, f, n);
}

static void test_flowcache_rule_change(void **state)
{
	struct duo *d = DUO(state);

	assert_int_equal(warm(d, E_B, E_R1, 40000, 7), 1);
	for (int w = 0; w < 2; w++)
		assert_rc(vf_secgroup_del_rule(d->fx[w]->sg[0], (uint32_t)d->rule_ids[0]),
			  0);
	assert_int_equal(again(d, E_B, E_R1, 40000, 7), 0);
	assert_int_equal(vf_port_drops(d->fx[0]->port[1], VF_DROP_SECGROUP_EGRESS), 1);
	/* and a rule added back lets the next frame through */
	for (int w = 0; w < 2; w++)
		rule(d->fx[w]->sg[0], VF_DIR_EGRESS, VF_PROTO_UDP, 7, 7);
	assert_int_equal(again(d, E_B, E_R1, 40000, 7), 1);
}

static void test_flowcache_secgroup_change(void **state)
{
	struct duo *d = DUO(state);

	/* a is unguarded: anything goes both ways, until it gets c's group
	 * (ingress TCP 22 and UDP 7, no egress rule) */
	assert_int_equal(warm(d, E_A, E_R1, 40000, 9), 1);
	assert_int_equal(warm(d, E_R2, E_A, 9, 9), 1);
	for (int w = 0; w < 2; w++)
		assert_rc(vf_port_add_secgroup(d->fx[w]->port[0], d->fx[w]->sg[1]), 0);
	assert_int_equal(again(d, E_A, E_R1, 40000, 9), 0);
	assert_int_equal(vf_port_drops(d->fx[0]->port[0], VF_DROP_SECGROUP_EGRESS), 1);
	assert_int_equal(again(d, E_R2, E_A, 9, 9), 0);
	assert_int_equal(vf_port_drops(d->fx[0]->port[0], VF_DROP_SECGROUP_INGRESS), 1);
	/* c admits UDP 7 from the underlay, until it loses its group (and
	 * then it admits anything) */
	assert_int_equal(warm(d, E_R2, E_C, 40000, 7), 1);
	assert_int_equal(again(d, E_R2, E_C, 40000, 9), 0);
	for (int w = 0; w < 2; w++)
		assert_rc(vf_port_del_secgroup(d->fx[w]->port[2], d->fx[w]->sg[1]), 0);
	assert_int_equal(again(d, E_R2, E_C, 40000, 9), 1);
	assert_int_equal(again(d, E_R2, E_C, 40000, 7), 1);
}

static void test_flowcache_location_move(void **state)
{
	struct duo *d = DUO(state);

	assert_int_equal(warm(d, E_A, E_R1, 40000, 9), 1);
	assert_mac_equal(*(const vf_mac *)d->fx[0]->cap.f[0].data, VT_PEER);
	/* the VM moves to another host */
	for (int w = 0; w < 2; w++)
		location(d->fx[w]->fabric, 1, IP_R1, MAC_R1,
			 vf_subnet_id(d->fx[w]->subnet[0]), PEER3);
	assert_int_equal(again(d, E_A, E_R1, 40000, 9), 1);
	assert_mac_equal(*(const vf_mac *)d->fx[0]->cap.f[0].data, PEER3);
	/* and goes away */
	for (int w = 0; w < 2; w++)
		assert_rc(vf_location_del(d->fx[w]->fabric, 1, IP_R1), 0);
	assert_int_equal(again(d, E_A, E_R1, 40000, 9), 0);
	assert_int_equal(vf_port_drops(d->fx[0]->port[0], VF_DROP_NO_LOCATION), 1);
	/* the sender of an underlay frame: its VMAC comes from its location */
	assert_int_equal(warm(d, E_R2, E_A, 40000, 9), 1);
	for (int w = 0; w < 2; w++)
		location(d->fx[w]->fabric, 1, IP_R2, MAC(0x02, 0x01, 0, 0, 0, 0x99),
			 vf_subnet_id(d->fx[w]->subnet[1]), VT_PEER);
	assert_int_equal(again(d, E_R2, E_A, 40000, 9), 1);
}

static void test_flowcache_port_down(void **state)
{
	struct duo *d = DUO(state);

	assert_int_equal(warm(d, E_A, E_C, 40000, 7), 1);
	for (int w = 0; w < 2; w++)
		assert_rc(vf_port_set_admin_up(d->fx[w]->port[2], false), 0);
	assert_int_equal(again(d, E_A, E_C, 40000, 7), 0);
	assert_int_equal(vf_port_drops(d->fx[0]->port[2], VF_DROP_PORT_DOWN), 1);
	for (int w = 0; w < 2; w++)
		assert_rc(vf_port_set_admin_up(d->fx[w]->port[2], true), 0);
	assert_int_equal(again(d, E_A, E_C, 40000, 7), 1);
	/* the sender down */
	for (int w = 0; w < 2; w++)
		assert_rc(vf_port_set_admin_up(d->fx[w]->port[0], false), 0);
	assert_int_equal(again(d, E_A, E_C, 40000, 7), 0);
	assert_int_equal(vf_port_drops(d->fx[0]->port[0], VF_DROP_PORT_DOWN), 1);
}

static void test_flowcache_qos_change(void **state)
{
	struct duo *d = DUO(state);
	int sent = 0;

	assert_int_equal(warm(d, E_B, E_R1, 40000, 7), 1);
	/* 8 kbit/s with a burst of 1,500 bytes: 39 datagrams of 38 bytes pass
	 * (IPv4 length, as the bucket meters), on a clock that stands still */
	for (int w = 0; w < 2; w++)
		assert_rc(vf_port_set_qos(d->fx[w]->port[1], VF_DIR_EGRESS, 8000, 1500),
			  0);
	for (int i = 0; i < 45; i++)
		sent += again(d, E_B, E_R1, 40000, 7);
	assert_int_equal(sent, 39);
	assert_int_equal(vf_port_drops(d->fx[0]->port[1], VF_DROP_QOS_EGRESS), 6);
	/* 38 ms later, 38 bytes have come back */
	advance(d, MS(38));
	assert_int_equal(again(d, E_B, E_R1, 40000, 7), 1);
	assert_int_equal(again(d, E_B, E_R1, 40000, 7), 0);
	/* ingress on the receiver, for a flow from the underlay */
	assert_int_equal(warm(d, E_R1, E_B, 9, 53), 1);
	for (int w = 0; w < 2; w++)
		assert_rc(vf_port_set_qos(d->fx[w]->port[1], VF_DIR_INGRESS, 8000, 1500),
			  0);
	sent = 0;
	for (int i = 0; i < 40; i++)
		sent += again(d, E_R1, E_B, 9, 53);
	assert_int_equal(sent, 39);
	assert_int_equal(vf_port_drops(d->fx[0]->port[1], VF_DROP_QOS_INGRESS), 1);
}

static void test_flowcache_conntrack_expiry(void **state)
{
	struct duo *d = DUO(state);

	/* b opens UDP 40000 -> 7 to c; c's replies pass c's egress and b's
	 * ingress as tracked (c sends nothing of its own, b admits only UDP
	 * 53 in) */
	assert_int_equal(warm(d, E_B, E_C, 40000, 7), 1);
	assert_int_equal(warm(d, E_C, E_B, 7, 40000), 1);
	/* both sides spoke: 180 s; the reply alone a little before that */
	advance(d, SEC(179));
	assert_int_equal(again(d, E_C, E_B, 7, 40000), 1);
	/* then silence past the timeout: the reply is new, and c's egress
	 * refuses it */
	advance(d, SEC(181));
	assert_int_equal(again(d, E_C, E_B, 7, 40000), 0);
	assert_int_equal(vf_port_drops(d->fx[0]->port[2], VF_DROP_SECGROUP_EGRESS), 1);
	/* b speaks again: tracked anew, and the reply passes */
	assert_int_equal(again(d, E_B, E_C, 40000, 7), 1);
	assert_int_equal(again(d, E_C, E_B, 7, 40000), 1);
}

static int tcp_send(struct duo *d, const struct end *from, const struct end *to,
		    uint16_t sport, uint16_t dport, uint8_t flags)
{
	uint8_t f[VT_FRAME_MAX];
	struct vt_ip ip = from->slot < 0 ? hdr_underlay(from, to) : hdr(from, to);
	size_t n = tcp(f, &ip, sport, dport, flags);

	return send(d, from->slot, f, n);
}

static void test_flowcache_tcp_close(void **state)
{
	struct duo *d = DUO(state);
	uint64_t h;

	/* b opens TCP 80 on a remote VM: handshake, then data both ways */
	assert_int_equal(tcp_send(d, E_B, E_R1, 40000, 80, SYN), 1);
	assert_int_equal(tcp_send(d, E_R1, E_B, 80, 40000, SYN | ACK), 1);
	assert_int_equal(tcp_send(d, E_B, E_R1, 40000, 80, ACK), 1);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(tcp_send(d, E_B, E_R1, 40000, 80, ACK | PSH), 1);
		assert_int_equal(tcp_send(d, E_R1, E_B, 80, 40000, ACK | PSH), 1);
	}
	h = hits(d);
	assert_int_equal(tcp_send(d, E_R1, E_B, 80, 40000, ACK), 1);
	assert_int_equal(hits(d), h + 1);
	/* established: an hour of silence is nothing */
	advance(d, SEC(3600));
	assert_int_equal(tcp_send(d, E_R1, E_B, 80, 40000, ACK), 1);
	/* the peer closes: 10 s from then on */
	h = hits(d);
	assert_int_equal(tcp_send(d, E_R1, E_B, 80, 40000, FIN | ACK), 1);
	assert_int_equal(hits(d), h); /* FIN takes the whole pipeline */
	assert_int_equal(tcp_send(d, E_R1, E_B, 80, 40000, ACK), 1);
	advance(d, SEC(11));
	/* gone: what the peer sends now is new, and b admits nothing on 40000 */
	assert_int_equal(tcp_send(d, E_R1, E_B, 80, 40000, ACK), 0);
	assert_int_equal(vf_port_drops(d->fx[0]->port[1], VF_DROP_SECGROUP_INGRESS), 1);
	/* an RST likewise ends a connection */
	assert_int_equal(tcp_send(d, E_B, E_R1, 40001, 80, SYN), 1);
	assert_int_equal(tcp_send(d, E_R1, E_B, 80, 40001, SYN | ACK), 1);
	assert_int_equal(tcp_send(d, E_B, E_R1, 40001, 80, ACK), 1);
	assert_int_equal(tcp_send(d, E_R1, E_B, 80, 40001, ACK), 1);
	assert_int_equal(tcp_send(d, E_R1, E_B, 80, 40001, ACK), 1);
	assert_int_equal(tcp_send(d, E_R1, E_B, 80, 40001, RST), 1);
	advance(d, SEC(11));
	assert_int_equal(tcp_send(d, E_R1, E_B, 80, 40001, ACK), 0);
}

static void test_flowcache_ttl_mtu(void **state)
{
	struct duo *d = DUO(state);
	uint8_t f[VT_FRAME_MAX];
	struct vt_ip ip = hdr(E_A, E_C);
	size_t n;

	/* routed a -> c: cached, then a TTL of 1 runs out at the router */
	assert_int_equal(warm(d, E_A, E_C, 40000, 7), 1);
	ip.ttl = 1;
	n = udp(f, &ip, 40000, 7, 10);
	assert_int_equal(send(d, 0, f, n), 1); /* the ICMP error back to a */
	assert_int_equal(vf_port_drops(d->fx[0]->port[0], VF_DROP_TTL_EXCEEDED), 1);
	/* lan2's MTU is 300: a bigger datagram from c is refused */
	ip = hdr(E_C, E_A);
	n = udp(f, &ip, 7, 40000, 10);
	assert_int_equal(send(d, 2, f, n), 1);
	assert_int_equal(send(d, 2, f, n), 1);
	n = udp(f, &ip, 7, 40000, 300);
	assert_int_equal(send(d, 2, f, n), 0);
	assert_int_equal(vf_port_drops(d->fx[0]->port[2], VF_DROP_TOO_BIG), 1);
}

/* A trace reads the cache never and changes nothing in it. */
static void test_flowcache_trace(void **state)
{
	struct duo *d = DUO(state);
	uint8_t f[VT_FRAME_MAX];
	struct vt_ip ip = hdr(E_A, E_R1);
	size_t n = udp(f, &ip, 40000, 9, 10);
	struct vf__flowcache *fc = d->fx[0]->fabric->fc;
	uint64_t h, m, ins;
	char *out;

	assert_int_equal(warm(d, E_A, E_R1, 40000, 9), 1);
	h = fc->hits;
	m = fc->misses;
	ins = fc->inserts;
	assert_rc(vf_trace(d->fx[0]->fabric, d->fx[0]->port[0], f, n, &out), 0);
	assert_non_null(strstr(out, "location"));
	vf_free(out);
	assert_int_equal(fc->hits, h);
	assert_int_equal(fc->misses, m);
	assert_int_equal(fc->inserts, ins);
}

/* Sizes: a power of two of at least one set; 0 refused; NULL destroyed. */
static void test_flowcache_create(void **state)
{
	struct vf__flowcache *fc = (void *)1;

	(void)state;
	assert_rc(vf__flowcache_create(&fc, 0), -EINVAL);
	assert_null(fc);
	assert_rc(vf__flowcache_create(&fc, 1), 0);
	assert_int_equal(fc->mask, 0); /* one set */
	vf__flowcache_destroy(fc);
	assert_rc(vf__flowcache_create(&fc, 100), 0);
	assert_int_equal((fc->mask + 1) * VF__FC_WAYS, 128);
	vf__flowcache_destroy(fc);
	vf__flowcache_destroy(NULL);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flowcache_create),
		T(test_flowcache_random),
		cmocka_unit_test_setup_teardown(test_flowcache_random_tiny, setup_tiny,
						teardown),
		T(test_flowcache_steady),
		T(test_flowcache_rule_change),
		T(test_flowcache_secgroup_change),
		T(test_flowcache_location_move),
		T(test_flowcache_port_down),
		T(test_flowcache_qos_change),
		T(test_flowcache_conntrack_expiry),
		T(test_flowcache_tcp_close),
		T(test_flowcache_ttl_mtu),
		T(test_flowcache_trace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
