/* Connection tracking (lib/pipeline/conntrack.h). */
#include "unit.h"

#include <stdlib.h>

#include "packet/packet.h"
#include "pipeline/conntrack.h"

#define SEC(n) ((uint64_t)(n)*1000000000ull)
#define T0 SEC(1000)
#define ORIG VF__CT_ORIG
#define REPLY VF__CT_REPLY
#define NEW VF__CT_NEW

#define SYN VF__TCP_SYN
#define SYNACK (VF__TCP_SYN | VF__TCP_ACK)
#define ACK VF__TCP_ACK
#define FIN (VF__TCP_FIN | VF__TCP_ACK)
#define RST VF__TCP_RST

#define HA IP4(10, 1, 1, 5)
#define HB IP4(10, 2, 1, 9)

static struct vf__flow ports(uint8_t proto, uint32_t src, uint16_t sport, uint32_t dst,
			     uint16_t dport)
{
	return (struct vf__flow){.src = src,
				 .dst = dst,
				 .sport = sport,
				 .dport = dport,
				 .proto = proto,
				 .has_ports = true};
}

static struct vf__flow tcp(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	return ports(VF_PROTO_TCP, src, sport, dst, dport);
}

static struct vf__flow udp(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	return ports(VF_PROTO_UDP, src, sport, dst, dport);
}

static struct vf__flow noports(uint8_t proto, uint32_t src, uint32_t dst)
{
	return (struct vf__flow){.src = src, .dst = dst, .proto = proto};
}

static struct vf__flow rev(struct vf__flow f)
{
	return (struct vf__flow){.src = f.dst,
				 .dst = f.src,
				 .sport = f.dport,
				 .dport = f.sport,
				 .proto = f.proto,
				 .has_ports = f.has_ports};
}

static int setup_ct(void **state)
{
	struct vf__ct *ct;

	if (vf__ct_create(&ct, 64) != 0)
		return -1;
	*state = ct;
	return 0;
}

static int teardown_ct(void **state)
{
	vf__ct_destroy(*state);
	return 0;
}

/* Asserts that @f's entry is alive just before @dies and gone from it on
 * (without changing it). */
#define assert_dies_at(ct, zone, f, want, dies)                               \
	do {                                                                  \
		assert_int_equal(vf__ct_peek(ct, zone, f, (dies)-1), want);   \
		assert_int_equal(vf__ct_peek(ct, zone, f, dies), VF__CT_NEW); \
	} while (0)

/* A TCP connection through its handshake at T0, T0 + 1 s, T0 + 2 s. */
static void handshake(struct vf__ct *ct, uint32_t zone, const struct vf__flow *f)
{
	struct vf__flow r = rev(*f);

	assert_rc(vf__ct_commit(ct, zone, f, SYN, T0), 0);
	assert_int_equal(vf__ct_lookup(ct, zone, &r, SYNACK, T0 + SEC(1)), REPLY);
	assert_int_equal(vf__ct_lookup(ct, zone, f, ACK, T0 + SEC(2)), ORIG);
}

static void test_pipeline_conntrack_create(void **state)
{
	struct vf__ct *ct = (void *)1;
	struct vf__flow f = udp(HA, 1, HB, 2);

	(void)state;
	assert_rc(vf__ct_create(&ct, SIZE_MAX), -ENOMEM);
	assert_null(ct);
	/* A table of no entries tracks nothing. */
	assert_rc(vf__ct_create(&ct, 0), 0);
	assert_int_equal(vf__ct_count(ct), 0);
	assert_rc(vf__ct_commit(ct, 1, &f, 0, T0), -ENOSPC);
	assert_int_equal(vf__ct_lookup(ct, 1, &f, 0, T0), NEW);
	assert_int_equal(vf__ct_expire(ct, T0, 10), 0);
	vf__ct_flush_zone(ct, 1);
	vf__ct_destroy(ct);
	vf__ct_destroy(NULL);
}

static void test_pipeline_conntrack_orig_and_reply(void **state)
{
	struct vf__ct *ct = *state;
	struct vf__flow f = udp(HA, 40000, HB, 53), r = rev(f), g;

	assert_int_equal(vf__ct_lookup(ct, 1, &f, 0, T0), NEW);
	assert_rc(vf__ct_commit(ct, 1, &f, 0, T0), 0);
	assert_int_equal(vf__ct_count(ct), 1);
	assert_int_equal(vf__ct_lookup(ct, 1, &f, 0, T0), ORIG);
	assert_int_equal(vf__ct_lookup(ct, 1, &r, 0, T0), REPLY);
	assert_int_equal(vf__ct_peek(ct, 1, &f, T0), ORIG);
	assert_int_equal(vf__ct_peek(ct, 1, &r, T0), REPLY);

	/* Every key field counts. */
	g = f;
	g.sport++;
	assert_int_equal(vf__ct_lookup(ct, 1, &g, 0, T0), NEW);
	g = f;
	g.dport++;
	assert_int_equal(vf__ct_lookup(ct, 1, &g, 0, T0), NEW);
	g = f;
	g.src++;
	assert_int_equal(vf__ct_lookup(ct, 1, &g, 0, T0), NEW);
	g = f;
	g.dst++;
	assert_int_equal(vf__ct_lookup(ct, 1, &g, 0, T0), NEW);
	g = f;
	g.proto = VF_PROTO_TCP;
	assert_int_equal(vf__ct_lookup(ct, 1, &g, 0, T0), NEW);
	/* A reply must swap ports too. */
	g = r;
	g.sport = f.sport;
	g.dport = f.dport;
	assert_int_equal(vf__ct_lookup(ct, 1, &g, 0, T0), NEW);

	/* Opened from the higher address: the same answers. */
	g = tcp(HB, 5000, HA, 22);
	assert_rc(vf__ct_commit(ct, 1, &g, SYN, T0), 0);
	assert_int_equal(vf__ct_lookup(ct, 1, &g, 0, T0), ORIG);
	g = rev(g);
	assert_int_equal(vf__ct_lookup(ct, 1, &g, 0, T0), REPLY);
	/* One address, two ports. */
	g = udp(HA, 7, HA, 9);
	assert_rc(vf__ct_commit(ct, 1, &g, 0, T0), 0);
	assert_int_equal(vf__ct_lookup(ct, 1, &g, 0, T0), ORIG);
	g = rev(g);
	assert_int_equal(vf__ct_lookup(ct, 1, &g, 0, T0), REPLY);
	assert_int_equal(vf__ct_count(ct), 3);
}

static void test_pipeline_conntrack_zones_isolate(void **state)
{
	struct vf__ct *ct = *state;
	struct vf__flow f = tcp(HA, 40000, HB, 80), r = rev(f);

	assert_rc(vf__ct_commit(ct, 1, &f, SYN, T0), 0);
	assert_int_equal(vf__ct_peek(ct, 2, &f, T0), NEW);
	assert_int_equal(vf__ct_lookup(ct, 2, &r, SYNACK, T0), NEW);
	/* The same addresses in zone 2, opened by the other side. */
	assert_rc(vf__ct_commit(ct, 2, &r, SYN, T0), 0);
	assert_int_equal(vf__ct_count(ct), 2);
	assert_int_equal(vf__ct_lookup(ct, 1, &f, 0, T0), ORIG);
	assert_int_equal(vf__ct_lookup(ct, 2, &f, 0, T0), REPLY);
	assert_int_equal(vf__ct_lookup(ct, 0xffffffff, &f, 0, T0), NEW);
}

static void test_pipeline_conntrack_udp_timeouts(void **state)
{
	struct vf__ct *ct = *state;
	struct vf__flow f = udp(HA, 40000, HB, 53), r = rev(f);

	assert_rc(vf__ct_commit(ct, 1, &f, 0, T0), 0);
	assert_dies_at(ct, 1, &f, ORIG, T0 + SEC(30));
	/* A packet of the opener refreshes: 30 s again. */
	assert_int_equal(vf__ct_lookup(ct, 1, &f, 0, T0 + SEC(10)), ORIG);
	assert_dies_at(ct, 1, &f, ORIG, T0 + SEC(40));
	/* A reply makes it assured: 180 s from then on. */
	assert_int_equal(vf__ct_lookup(ct, 1, &r, 0, T0 + SEC(20)), REPLY);
	assert_dies_at(ct, 1, &r, REPLY, T0 + SEC(200));
	assert_int_equal(vf__ct_lookup(ct, 1, &f, 0, T0 + SEC(199)), ORIG);
	assert_dies_at(ct, 1, &f, ORIG, T0 + SEC(379));
	/* Dead is dead: a look-up at the expiry removes it. */
	assert_int_equal(vf__ct_lookup(ct, 1, &f, 0, T0 + SEC(379)), NEW);
	assert_int_equal(vf__ct_count(ct), 0);
}

static void test_pipeline_conntrack_icmp(void **state)
{
	struct vf__ct *ct = *state;
	struct vf__flow ping = noports(VF_PROTO_ICMP, HA, HB), pong = rev(ping);
	struct vf__flow other = ping;

	assert_rc(vf__ct_commit(ct, 1, &ping, 0, T0), 0);
	assert_int_equal(vf__ct_lookup(ct, 1, &pong, 0, T0 + SEC(1)), REPLY);
	/* 30 s, replies or not. */
	assert_dies_at(ct, 1, &ping, ORIG, T0 + SEC(31));
	assert_int_equal(vf__ct_lookup(ct, 1, &ping, 0, T0 + SEC(5)), ORIG);
	assert_dies_at(ct, 1, &pong, REPLY, T0 + SEC(35));
	/* Keyed on the addresses: port fields of a flow without ports (an
	 * echo id a parser left there) are ignored. */
	other.sport = 77;
	other.dport = 77;
	assert_int_equal(vf__ct_peek(ct, 1, &other, T0 + SEC(6)), ORIG);
	other.dst = HB + 1;
	assert_int_equal(vf__ct_peek(ct, 1, &other, T0 + SEC(6)), NEW);
	assert_int_equal(vf__ct_count(ct), 1);
}

/* Echo requests and replies key on their identifier: each ping is its
 * own connection. */
static void test_pipeline_conntrack_icmp_echo_ids(void **state)
{
	struct vf__ct *ct = *state;
	struct vf__flow ping = noports(VF_PROTO_ICMP, HA, HB), pong, other, plain;

	ping.icmp_echo = true;
	ping.icmp_type = 8;
	ping.icmp_id = 7;
	pong = rev(ping); /* rev() swaps the ends only */
	pong.icmp_echo = true;
	pong.icmp_type = 0;
	pong.icmp_id = 7;
	other = pong;
	other.icmp_id = 8;
	plain = noports(VF_PROTO_ICMP, HB, HA); /* e.g. an ICMP error */
	assert_rc(vf__ct_commit(ct, 1, &ping, 0, T0), 0);
	assert_int_equal(vf__ct_lookup(ct, 1, &pong, 0, T0), REPLY);
	assert_int_equal(vf__ct_peek(ct, 1, &other, T0), NEW);
	assert_int_equal(vf__ct_peek(ct, 1, &plain, T0), NEW);
	assert_rc(vf__ct_commit(ct, 1, &other, 0, T0), 0);
	assert_int_equal(vf__ct_count(ct), 2);
}

static void test_pipeline_conntrack_other_protocols(void **state)
{
	struct vf__ct *ct = *state;
	struct vf__flow gre = noports(47, HA, HB), back = rev(gre);

	assert_rc(vf__ct_commit(ct, 1, &gre, 0, T0), 0);
	assert_dies_at(ct, 1, &gre, ORIG, T0 + SEC(600));
	assert_int_equal(vf__ct_lookup(ct, 1, &back, 0, T0 + SEC(100)), REPLY);
	assert_dies_at(ct, 1, &gre, ORIG, T0 + SEC(700));
	/* A TCP or UDP fragment without ports keys on the addresses. */
	gre = noports(VF_PROTO_UDP, HA, HB);
	assert_rc(vf__ct_commit(ct, 1, &gre, 0, T0), 0);
	assert_dies_at(ct, 1, &gre, ORIG, T0 + SEC(30));
	assert_int_equal(vf__ct_count(ct), 2);
}

static void test_pipeline_conntrack_tcp_handshake(void **state)
{
	struct vf__ct *ct = *state;
	struct vf__flow f = tcp(HA, 40000, HB, 80), r = rev(f);

	/* SYN: 120 s. */
	assert_rc(vf__ct_commit(ct, 1, &f, SYN, T0), 0);
	assert_dies_at(ct, 1, &f, ORIG, T0 + SEC(120));
	/* SYN-ACK: still 120 s, the opener has not answered. */
	assert_int_equal(vf__ct_lookup(ct, 1, &r, SYNACK, T0 + SEC(1)), REPLY);
	assert_dies_at(ct, 1, &f, ORIG, T0 + SEC(121));
	/* ACK: established, 7440 s. */
	assert_int_equal(vf__ct_lookup(ct, 1, &f, ACK, T0 + SEC(2)), ORIG);
	assert_dies_at(ct, 1, &f, ORIG, T0 + SEC(7442));
	/* Data either way refreshes the long timeout. */
	assert_int_equal(vf__ct_lookup(ct, 1, &r, ACK | 0x08, T0 + SEC(100)), REPLY);
	assert_dies_at(ct, 1, &r, REPLY, T0 + SEC(7540));
	assert_int_equal(vf__ct_lookup(ct, 1, &f, ACK, T0 + SEC(7000)), ORIG);
	assert_dies_at(ct, 1, &r, REPLY, T0 + SEC(14440));
	/* FIN from either side: 10 s, and it stays closing. */
	assert_int_equal(vf__ct_lookup(ct, 1, &r, FIN, T0 + SEC(7001)), REPLY);
	assert_dies_at(ct, 1, &f, ORIG, T0 + SEC(7011));
	assert_int_equal(vf__ct_lookup(ct, 1, &f, ACK, T0 + SEC(7005)), ORIG);
	assert_dies_at(ct, 1, &f, ORIG, T0 + SEC(7015));
	/* A new SYN from the opener reuses the ports: 120 s again. */
	assert_int_equal(vf__ct_lookup(ct, 1, &f, SYN, T0 + SEC(7006)), ORIG);
	assert_dies_at(ct, 1, &f, ORIG, T0 + SEC(7126));
	assert_int_equal(vf__ct_lookup(ct, 1, &r, SYNACK, T0 + SEC(7007)), REPLY);
	assert_int_equal(vf__ct_lookup(ct, 1, &f, ACK, T0 + SEC(7008)), ORIG);
	assert_dies_at(ct, 1, &f, ORIG, T0 + SEC(14448));
	assert_int_equal(vf__ct_count(ct), 1);
}

static void test_pipeline_conntrack_tcp_rst(void **state)
{
	struct vf__ct *ct = *state;
	struct vf__flow f = tcp(HA, 40000, HB, 80), r = rev(f);

	handshake(ct, 1, &f);
	assert_int_equal(vf__ct_lookup(ct, 1, &f, RST, T0 + SEC(50)), ORIG);
	assert_dies_at(ct, 1, &r, REPLY, T0 + SEC(60));
	/* A SYN from the other side does not reopen it. */
	assert_int_equal(vf__ct_lookup(ct, 1, &r, SYN, T0 + SEC(51)), REPLY);
	assert_dies_at(ct, 1, &r, REPLY, T0 + SEC(61));

	/* RST answering a SYN (port closed): 10 s. */
	f.sport++;
	r = rev(f);
	assert_rc(vf__ct_commit(ct, 1, &f, SYN, T0), 0);
	assert_int_equal(vf__ct_lookup(ct, 1, &r, RST | ACK, T0 + SEC(1)), REPLY);
	assert_dies_at(ct, 1, &f, ORIG, T0 + SEC(11));
	/* A FIN as the first packet: 10 s. */
	f.sport++;
	assert_rc(vf__ct_commit(ct, 1, &f, FIN, T0), 0);
	assert_dies_at(ct, 1, &f, ORIG, T0 + SEC(10));
}

static void test_pipeline_conntrack_tcp_without_syn(void **state)
{
	struct vf__ct *ct = *state;
	struct vf__flow f = tcp(HA, 40000, HB, 80), r = rev(f);

	/* Picked up mid-stream: both sides talk, but no SYN was seen. */
	assert_rc(vf__ct_commit(ct, 1, &f, ACK, T0), 0);
	assert_dies_at(ct, 1, &f, ORIG, T0 + SEC(120));
	assert_int_equal(vf__ct_lookup(ct, 1, &r, ACK, T0 + SEC(1)), REPLY);
	assert_int_equal(vf__ct_lookup(ct, 1, &f, ACK, T0 + SEC(2)), ORIG);
	assert_dies_at(ct, 1, &f, ORIG, T0 + SEC(122));
	/* A SYN-ACK that answers no SYN does not establish it either. */
	assert_int_equal(vf__ct_lookup(ct, 1, &r, SYNACK, T0 + SEC(3)), REPLY);
	assert_int_equal(vf__ct_lookup(ct, 1, &f, ACK, T0 + SEC(4)), ORIG);
	assert_dies_at(ct, 1, &f, ORIG, T0 + SEC(124));
	/* The opener's own SYN-ACK is not an answer. */
	f.sport++;
	r = rev(f);
	assert_rc(vf__ct_commit(ct, 1, &f, SYN, T0), 0);
	assert_int_equal(vf__ct_lookup(ct, 1, &f, SYNACK, T0 + SEC(1)), ORIG);
	assert_int_equal(vf__ct_lookup(ct, 1, &f, ACK, T0 + SEC(2)), ORIG);
	assert_dies_at(ct, 1, &f, ORIG, T0 + SEC(122));
}

/* ---- eviction ---------------------------------------------------------- */

static void test_pipeline_conntrack_full_of_established(void **state)
{
	struct vf__ct *ct;
	struct vf__flow f;

	(void)state;
	assert_rc(vf__ct_create(&ct, 4), 0);
	for (uint16_t i = 0; i < 2; i++) {
		f = tcp(HA, 1000 + i, HB, 80);
		handshake(ct, 1, &f);
		f = udp(HA, 2000 + i, HB, 53);
		assert_rc(vf__ct_commit(ct, 1, &f, 0, T0), 0);
		f = rev(f);
		assert_int_equal(vf__ct_lookup(ct, 1, &f, 0, T0 + SEC(1)), REPLY);
	}
	assert_int_equal(vf__ct_count(ct), 4);
	f = udp(HA, 3000, HB, 53);
	assert_rc(vf__ct_commit(ct, 1, &f, 0, T0 + SEC(3)), -ENOSPC);
	f = tcp(HA, 3000, HB, 80);
	assert_rc(vf__ct_commit(ct, 2, &f, SYN, T0 + SEC(3)), -ENOSPC);
	assert_int_equal(vf__ct_count(ct), 4);
	for (uint16_t i = 0; i < 2; i++) {
		f = tcp(HA, 1000 + i, HB, 80);
		assert_int_equal(vf__ct_peek(ct, 1, &f, T0 + SEC(3)), ORIG);
		f = udp(HA, 2000 + i, HB, 53);
		assert_int_equal(vf__ct_peek(ct, 1, &f, T0 + SEC(3)), ORIG);
	}
	/* Once the UDP flows are dead, their room is free. */
	f = udp(HA, 3000, HB, 53);
	assert_rc(vf__ct_commit(ct, 1, &f, 0, T0 + SEC(181)), 0);
	assert_int_equal(vf__ct_count(ct), 4);
	vf__ct_destroy(ct);
}

static void test_pipeline_conntrack_evicts_oldest_expiring(void **state)
{
	struct vf__ct *ct;
	struct vf__flow est1 = tcp(HA, 1, HB, 80), est2 = tcp(HA, 2, HB, 80);
	struct vf__flow u1 = udp(HA, 1, HB, 53), ping = noports(VF_PROTO_ICMP, HA, HB);
	struct vf__flow syn = tcp(HA, 3, HB, 80), n1 = udp(HA, 11, HB, 53);
	struct vf__flow n2 = udp(HA, 12, HB, 53), n3 = udp(HA, 13, HB, 53), r;

	(void)state;
	assert_rc(vf__ct_create(&ct, 5), 0);
	handshake(ct, 1, &est1);
	handshake(ct, 1, &est2);
	/* Not established: u1 dies at T0 + 40, ping at T0 + 45, syn (its
	 * SYN-ACK answered, its ACK not yet seen) at T0 + 121. */
	assert_rc(vf__ct_commit(ct, 1, &u1, 0, T0 + SEC(10)), 0);
	assert_rc(vf__ct_commit(ct, 1, &ping, 0, T0 + SEC(15)), 0);
	r = rev(ping);
	assert_int_equal(vf__ct_lookup(ct, 1, &r, 0, T0 + SEC(15)), REPLY);
	assert_rc(vf__ct_commit(ct, 1, &syn, SYN, T0), 0);
	r = rev(syn);
	assert_int_equal(vf__ct_lookup(ct, 1, &r, SYNACK, T0 + SEC(1)), REPLY);

	/* n1 (dies T0 + 50) replaces u1 ... */
	assert_rc(vf__ct_commit(ct, 1, &n1, 0, T0 + SEC(20)), 0);
	assert_int_equal(vf__ct_peek(ct, 1, &u1, T0 + SEC(20)), NEW);
	/* ... n2 (T0 + 51) replaces the ping ... */
	assert_rc(vf__ct_commit(ct, 1, &n2, 0, T0 + SEC(21)), 0);
	assert_int_equal(vf__ct_peek(ct, 1, &ping, T0 + SEC(21)), NEW);
	/* ... and n3 replaces n1, which expires before n2 and syn. */
	assert_rc(vf__ct_commit(ct, 1, &n3, 0, T0 + SEC(22)), 0);
	assert_int_equal(vf__ct_peek(ct, 1, &n1, T0 + SEC(22)), NEW);

	assert_int_equal(vf__ct_count(ct), 5);
	assert_int_equal(vf__ct_peek(ct, 1, &est1, T0 + SEC(22)), ORIG);
	assert_int_equal(vf__ct_peek(ct, 1, &est2, T0 + SEC(22)), ORIG);
	assert_int_equal(vf__ct_peek(ct, 1, &syn, T0 + SEC(22)), ORIG);
	assert_int_equal(vf__ct_peek(ct, 1, &n2, T0 + SEC(22)), ORIG);
	assert_int_equal(vf__ct_peek(ct, 1, &n3, T0 + SEC(22)), ORIG);
	vf__ct_destroy(ct);
}

/* In a big table a commit looks at a bounded number of entries; the
 * cursor moves on, so a later commit finds the one evictable entry. */
static void test_pipeline_conntrack_eviction_moves_on(void **state)
{
	enum { N = 1000 };
	struct vf__ct *ct;
	struct vf__flow f, g = udp(HA, 2, HB, 2), last = udp(HA, 1, HB, 1);
	int refused = 0;

	(void)state;
	assert_rc(vf__ct_create(&ct, N), 0);
	for (uint16_t i = 0; i < N - 1; i++) {
		f = tcp(HA, 1000 + i, HB, 80);
		handshake(ct, 1, &f);
	}
	assert_rc(vf__ct_commit(ct, 1, &last, 0, T0 + SEC(3)), 0);
	for (int i = 0; i < 100; i++) {
		int rc = vf__ct_commit(ct, 1, &g, 0, T0 + SEC(4));

		if (rc == 0)
			break;
		assert_rc(rc, -ENOSPC);
		refused++;
	}
	assert_true(refused < 100);
	assert_int_equal(vf__ct_peek(ct, 1, &g, T0 + SEC(4)), ORIG);
	assert_int_equal(vf__ct_peek(ct, 1, &last, T0 + SEC(4)), NEW);
	assert_int_equal(vf__ct_count(ct), N);
	for (uint16_t i = 0; i < N - 1; i++) {
		f = tcp(HA, 1000 + i, HB, 80);
		assert_int_equal(vf__ct_peek(ct, 1, &f, T0 + SEC(4)), ORIG);
	}
	/* Nothing evictable left once the new flow is answered. */
	g = rev(g);
	assert_int_equal(vf__ct_lookup(ct, 1, &g, 0, T0 + SEC(4)), REPLY);
	f = udp(HA, 3, HB, 3);
	for (int i = 0; i < 100; i++)
		assert_rc(vf__ct_commit(ct, 1, &f, 0, T0 + SEC(5)), -ENOSPC);
	vf__ct_destroy(ct);
}

/* ---- expiry, flush, peek ----------------------------------------------- */

static void test_pipeline_conntrack_expire_budget(void **state)
{
	struct vf__ct *ct = *state;
	struct vf__flow f;
	size_t total = 0;
	int calls = 0;

	for (uint16_t i = 0; i < 10; i++) {
		f = udp(HA, 100 + i, HB, 53);
		assert_rc(vf__ct_commit(ct, 1, &f, 0, T0), 0);
	}
	assert_int_equal(vf__ct_expire(ct, T0 + SEC(30) - 1, 100), 0);
	assert_int_equal(vf__ct_count(ct), 10);
	assert_int_equal(vf__ct_expire(ct, T0 + SEC(30), 0), 0);
	assert_int_equal(vf__ct_expire(ct, T0 + SEC(30), 4), 4);
	assert_int_equal(vf__ct_count(ct), 6);
	assert_int_equal(vf__ct_expire(ct, T0 + SEC(30), 1), 1);
	assert_int_equal(vf__ct_expire(ct, T0 + SEC(30), SIZE_MAX), 5);
	assert_int_equal(vf__ct_count(ct), 0);
	assert_int_equal(vf__ct_expire(ct, T0 + SEC(30), SIZE_MAX), 0);

	/* Dead and live mixed: each call looks at no more than its budget,
	 * and the sweep goes on where it stopped. */
	for (uint16_t i = 0; i < 15; i++) {
		f = udp(HA, 100 + i, HB, 53);
		assert_rc(vf__ct_commit(ct, 1, &f, 0, i < 10 ? T0 : T0 + SEC(20)), 0);
	}
	while (total < 10 && calls++ < 20) {
		size_t n = vf__ct_expire(ct, T0 + SEC(30), 3);

		assert_true(n <= 3);
		total += n;
	}
	assert_int_equal(total, 10);
	assert_int_equal(vf__ct_count(ct), 5);
	for (uint16_t i = 10; i < 15; i++) {
		f = udp(HA, 100 + i, HB, 53);
		assert_int_equal(vf__ct_peek(ct, 1, &f, T0 + SEC(30)), ORIG);
	}
	assert_int_equal(vf__ct_expire(ct, T0 + SEC(30), 100), 0);
	assert_int_equal(vf__ct_expire(ct, T0 + SEC(50), 100), 5);
}

static void test_pipeline_conntrack_flush_zone(void **state)
{
	struct vf__ct *ct = *state;
	struct vf__flow f;

	for (uint16_t i = 0; i < 12; i++) {
		f = udp(HA, 100 + i, HB, 53);
		assert_rc(vf__ct_commit(ct, 1 + i % 3, &f, 0, T0), 0);
	}
	vf__ct_flush_zone(ct, 2);
	assert_int_equal(vf__ct_count(ct), 8);
	for (uint16_t i = 0; i < 12; i++) {
		f = udp(HA, 100 + i, HB, 53);
		assert_int_equal(vf__ct_peek(ct, 1 + i % 3, &f, T0),
				 i % 3 == 1 ? NEW : ORIG);
	}
	vf__ct_flush_zone(ct, 9);
	assert_int_equal(vf__ct_count(ct), 8);
	vf__ct_flush_zone(ct, 1);
	vf__ct_flush_zone(ct, 3);
	assert_int_equal(vf__ct_count(ct), 0);
	/* The zone can be used again. */
	assert_rc(vf__ct_commit(ct, 2, &f, 0, T0), 0);
	assert_int_equal(vf__ct_lookup(ct, 2, &f, 0, T0), ORIG);
}

static void test_pipeline_conntrack_peek_does_not_mutate(void **state)
{
	struct vf__ct *ct = *state;
	struct vf__flow f = udp(HA, 40000, HB, 53), r = rev(f);
	struct vf__flow t = tcp(HA, 40000, HB, 80), tr = rev(t);

	assert_rc(vf__ct_commit(ct, 1, &f, 0, T0), 0);
	/* No refresh ... */
	assert_int_equal(vf__ct_peek(ct, 1, &f, T0 + SEC(29)), ORIG);
	/* ... and a peeked reply does not make it assured. */
	assert_int_equal(vf__ct_peek(ct, 1, &r, T0 + SEC(29)), REPLY);
	assert_dies_at(ct, 1, &f, ORIG, T0 + SEC(30));
	/* A dead entry stays until something removes it. */
	assert_int_equal(vf__ct_peek(ct, 1, &f, T0 + SEC(31)), NEW);
	assert_int_equal(vf__ct_count(ct), 1);
	assert_int_equal(vf__ct_lookup(ct, 1, &f, 0, T0 + SEC(31)), NEW);
	assert_int_equal(vf__ct_count(ct), 0);

	/* A peek moves no TCP state (it takes no flags). */
	assert_rc(vf__ct_commit(ct, 1, &t, SYN, T0), 0);
	assert_int_equal(vf__ct_peek(ct, 1, &tr, T0 + SEC(1)), REPLY);
	assert_int_equal(vf__ct_lookup(ct, 1, &t, ACK, T0 + SEC(2)), ORIG);
	assert_dies_at(ct, 1, &t, ORIG, T0 + SEC(122));
}

static void test_pipeline_conntrack_commit_existing(void **state)
{
	struct vf__ct *ct = *state;
	struct vf__flow f = udp(HA, 40000, HB, 53), r = rev(f);

	/* A live entry: a commit is a look-up (it refreshes). */
	assert_rc(vf__ct_commit(ct, 1, &f, 0, T0), 0);
	assert_rc(vf__ct_commit(ct, 1, &f, 0, T0 + SEC(10)), 0);
	assert_int_equal(vf__ct_count(ct), 1);
	assert_dies_at(ct, 1, &f, ORIG, T0 + SEC(40));
	assert_rc(vf__ct_commit(ct, 1, &r, 0, T0 + SEC(11)), 0);
	assert_int_equal(vf__ct_peek(ct, 1, &f, T0 + SEC(11)), ORIG);
	assert_dies_at(ct, 1, &f, ORIG, T0 + SEC(191));
	/* A dead one is replaced: the other side opens it now. */
	assert_rc(vf__ct_commit(ct, 1, &r, 0, T0 + SEC(191)), 0);
	assert_int_equal(vf__ct_count(ct), 1);
	assert_int_equal(vf__ct_peek(ct, 1, &r, T0 + SEC(191)), ORIG);
	assert_int_equal(vf__ct_peek(ct, 1, &f, T0 + SEC(191)), REPLY);
	assert_dies_at(ct, 1, &f, REPLY, T0 + SEC(221));
}

/* ---- against a model --------------------------------------------------- */

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)((rng_state >> 11) % n);
}

struct model {
	bool present;
	bool opener_is_fwd; /* the forward flow of the key opened it */
	bool replied;
	uint64_t expires;
};

/* Key @k's forward flow: UDP between addresses of two small disjoint sets
 * (so no key is another's reverse), with the canonical order going both
 * ways; zone 1 + k % 3. */
static struct vf__flow key_flow(uint32_t k)
{
	return udp(IP4(10, 0, k % 7, k % 5), (uint16_t)(k / 35), IP4(10, 0, k % 11, 200),
		   (uint16_t)(k % 35));
}

static enum vf__ct_state model_state(const struct model *m, bool fwd, uint64_t now)
{
	if (!m->present || now >= m->expires)
		return NEW;
	return fwd == m->opener_is_fwd ? ORIG : REPLY;
}

static void model_touch(struct model *m, bool fwd, uint64_t now)
{
	if (fwd != m->opener_is_fwd)
		m->replied = true;
	m->expires = now + (m->replied ? SEC(180) : SEC(30));
}

static size_t model_live(const struct model *m, size_t n, uint64_t now)
{
	size_t live = 0;

	for (size_t i = 0; i < n; i++)
		live += m[i].present && now < m[i].expires;
	return live;
}

static void run_model(size_t max, uint32_t nkeys, int ops)
{
	struct model *m = calloc(nkeys, sizeof(*m));
	struct vf__ct *ct;
	uint64_t now = T0;
	int bad = 0;

	assert_non_null(m);
	assert_rc(vf__ct_create(&ct, max), 0);
	for (int op = 0; op < ops; op++) {
		uint32_t k = rnd(nkeys), zone = 1 + k % 3;
		bool fwd = rnd(2);
		struct vf__flow f = key_flow(k);
		enum vf__ct_state want;

		if (!fwd)
			f = rev(f);
		now += SEC(rnd(4)) + rnd(1000);
		want = model_state(&m[k], fwd, now);
		switch (rnd(10)) {
		case 0:
		case 1:
		case 2:
			bad += vf__ct_lookup(ct, zone, &f, 0, now) != want;
			if (want != NEW)
				model_touch(&m[k], fwd, now);
			m[k].present = want != NEW;
			break;
		case 3:
		case 4:
		case 5:
			assert_rc(vf__ct_commit(ct, zone, &f, 0, now), 0);
			if (want == NEW)
				m[k] = (struct model){.present = true,
						      .opener_is_fwd = fwd};
			model_touch(&m[k], fwd, now);
			break;
		case 6:
		case 7: bad += vf__ct_peek(ct, zone, &f, now) != want; break;
		case 8: vf__ct_expire(ct, now, rnd(8)); break;
		default:
			if (rnd(20))
				break;
			vf__ct_flush_zone(ct, zone);
			for (uint32_t i = 0; i < nkeys; i++)
				if (1 + i % 3 == zone)
					m[i].present = false;
		}
		if (op % 512 == 0) {
			vf__ct_expire(ct, now, SIZE_MAX);
			bad += vf__ct_count(ct) != model_live(m, nkeys, now);
		}
	}
	vf__ct_expire(ct, now, SIZE_MAX);
	assert_int_equal(vf__ct_count(ct), model_live(m, nkeys, now));
	assert_int_equal(bad, 0);
	vf__ct_destroy(ct);
	free(m);
}

static void test_pipeline_conntrack_agrees_with_model(void **state)
{
	(void)state;
	run_model(8, 8, 20000); /* a full index of 16 slots */
	run_model(64, 60, 50000);
	run_model(2000, 1900, 100000);
}

#define TS(fn) cmocka_unit_test_setup_teardown(fn, setup_ct, teardown_ct)
#define T(fn) cmocka_unit_test(fn)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_pipeline_conntrack_create),
		TS(test_pipeline_conntrack_orig_and_reply),
		TS(test_pipeline_conntrack_zones_isolate),
		TS(test_pipeline_conntrack_udp_timeouts),
		TS(test_pipeline_conntrack_icmp),
		TS(test_pipeline_conntrack_icmp_echo_ids),
		TS(test_pipeline_conntrack_other_protocols),
		TS(test_pipeline_conntrack_tcp_handshake),
		TS(test_pipeline_conntrack_tcp_rst),
		TS(test_pipeline_conntrack_tcp_without_syn),
		T(test_pipeline_conntrack_full_of_established),
		T(test_pipeline_conntrack_evicts_oldest_expiring),
		T(test_pipeline_conntrack_eviction_moves_on),
		TS(test_pipeline_conntrack_expire_budget),
		TS(test_pipeline_conntrack_flush_zone),
		TS(test_pipeline_conntrack_peek_does_not_mutate),
		TS(test_pipeline_conntrack_commit_existing),
		T(test_pipeline_conntrack_agrees_with_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
