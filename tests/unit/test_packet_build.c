/*
 * lib/packet/build.c: the builders against frames scapy made for the same
 * answers (packet_frames.h), byte for byte, checksums recomputed by the
 * reference sum, the cases where no answer may be built, never a byte
 * written at or past cap, building in place; vf__pkt_dec_ttl and
 * vf__pkt_set_macs.
 */
#include "unit.h"

#include <stdlib.h>

#include "packet/packet.h"

#include "packet_frames.h"

#define GUARD 0x5a

/* The parse of a frame; the copy it points into lives in @buf. */
static void parse_into(struct vf__pkt *p, uint8_t *buf, const uint8_t *frame,
		       uint32_t len)
{
	memcpy(buf, frame, len);
	assert_int_equal(vf__pkt_parse(p, buf, len), VF__PKT_OK);
}

/* Fails unless @n bytes at @b all hold GUARD. */
static void assert_guard(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i] != GUARD)
			fail_msg("byte %zu was written: %#x", i, b[i]);
}

/* The IPv4 header at @ip and the ICMP message after it verify with the
 * reference sum. */
static void assert_icmp_sums(const uint8_t *ip)
{
	size_t hlen = (size_t)(ip[0] & 0xf) * 4, tot = vf__get16(ip + 2);

	assert_int_equal(ref_csum(0, ip, hlen), 0);
	assert_int_equal(ref_csum(0, ip + hlen, tot - hlen), 0);
}

/*
 * Builds with every cap below @want into cbuf, a heap buffer of exactly cap
 * bytes (ASan and valgrind see a write past it) and checks 0 is returned
 * and nothing is written.
 */
#define CHECK_CAPS(want, call_with_cbuf_cap)                                            \
	do {                                                                            \
		for (uint32_t cap = 0; cap < (want); cap++) {                           \
			uint8_t *cbuf = malloc(cap ? cap : 1);                          \
			assert_non_null(cbuf);                                          \
			memset(cbuf, GUARD, cap ? cap : 1);                             \
			if ((call_with_cbuf_cap) != 0)                                  \
				fail_msg("cap %u of %u: built", cap, (unsigned)(want)); \
			assert_guard(cbuf, cap);                                        \
			free(cbuf);                                                     \
		}                                                                       \
	} while (0)

/* ---- ARP ---- */

static void test_packet_build_arp_reply_matches_scapy(void **state)
{
	uint8_t in[64], out[64];
	struct vf__pkt req;
	vf_mac r = MAC_R;

	(void)state;
	parse_into(&req, in, fr_arp_request, sizeof(fr_arp_request));
	memset(out, GUARD, sizeof(out));
	assert_int_equal(vf__build_arp_reply(out, sizeof(out), &req, &r, IP_R), 42);
	assert_memory_equal(out, fr_arp_reply_expected, 42);
	assert_guard(out + 42, sizeof(out) - 42);
	/* exactly enough room */
	assert_int_equal(vf__build_arp_reply(out, 42, &req, &r, IP_R), 42);
	assert_memory_equal(out, fr_arp_reply_expected, 42);
	CHECK_CAPS(42, vf__build_arp_reply(cbuf, cap, &req, &r, IP_R));
}

static void test_packet_build_arp_reply_in_place_and_untagged(void **state)
{
	uint8_t in[64];
	struct vf__pkt req;
	vf_mac r = MAC_R;

	(void)state;
	/* the request's own buffer */
	parse_into(&req, in, fr_arp_request, sizeof(fr_arp_request));
	assert_int_equal(vf__build_arp_reply(in, 42, &req, &r, IP_R), 42);
	assert_memory_equal(in, fr_arp_reply_expected, 42);

	/* a tagged request, padded: the answer is the same untagged frame */
	memset(in, 0, sizeof(in));
	memcpy(in, fr_arp_request, 12);
	in[12] = 0x81;
	in[14] = 0x20;
	in[15] = 0x05;
	memcpy(in + 16, fr_arp_request + 12, 30);
	assert_int_equal(vf__pkt_parse(&req, in, 64), VF__PKT_OK);
	assert_true(req.has_vlan);
	assert_int_equal(vf__build_arp_reply(in, 64, &req, &r, IP_R), 42);
	assert_memory_equal(in, fr_arp_reply_expected, 42);
}

static void test_packet_build_arp_reply_only_to_requests(void **state)
{
	uint8_t in[128], out[64];
	struct vf__pkt req;
	vf_mac r = MAC_R;

	(void)state;
	memset(out, GUARD, sizeof(out));
	parse_into(&req, in, fr_arp_reply_expected, sizeof(fr_arp_reply_expected));
	assert_int_equal(vf__build_arp_reply(out, sizeof(out), &req, &r, IP_R), 0);
	parse_into(&req, in, fr_echo_request, sizeof(fr_echo_request));
	assert_int_equal(vf__build_arp_reply(out, sizeof(out), &req, &r, IP_R), 0);
	assert_guard(out, sizeof(out));
}

/* ---- ICMP echo ---- */

static void test_packet_build_echo_reply_matches_scapy(void **state)
{
	uint8_t in[128], out[128];
	struct vf__pkt req, rep;
	vf_mac r = MAC_R;

	(void)state;
	parse_into(&req, in, fr_echo_request, sizeof(fr_echo_request));
	memset(out, GUARD, sizeof(out));
	assert_int_equal(vf__build_echo_reply(out, sizeof(out), &req, &r, IP_R), 65);
	assert_memory_equal(out, fr_echo_reply_expected, 65);
	assert_guard(out + 65, sizeof(out) - 65);
	assert_icmp_sums(out + 14);
	/* it parses as the reply */
	assert_int_equal(vf__pkt_parse(&rep, out, 65), VF__PKT_OK);
	assert_int_equal(rep.icmp_type, 0);
	assert_int_equal(rep.icmp_id, 0x4242);
	assert_ip_equal(rep.ip_src, IP_R);
	assert_ip_equal(rep.ip_dst, IP_A);
	assert_mac_equal(rep.dst, MAC_A);
	CHECK_CAPS(65, vf__build_echo_reply(cbuf, cap, &req, &r, IP_R));
}

static void test_packet_build_echo_reply_drops_tag_and_options(void **state)
{
	uint8_t in[128], out[128];
	struct vf__pkt req;
	vf_mac r = MAC_R;

	(void)state;
	parse_into(&req, in, fr_echo_request_vlan_opts,
		   sizeof(fr_echo_request_vlan_opts));
	assert_int_equal(vf__build_echo_reply(out, sizeof(out), &req, &r, IP_R), 52);
	assert_memory_equal(out, fr_echo_reply_vlan_opts_expected, 52);
	assert_icmp_sums(out + 14);
	/* in place: the message moves 12 bytes towards the start */
	assert_int_equal(vf__build_echo_reply(in, 64, &req, &r, IP_R), 52);
	assert_memory_equal(in, fr_echo_reply_vlan_opts_expected, 52);
}

static void test_packet_build_echo_reply_in_place(void **state)
{
	uint8_t in[65];
	struct vf__pkt req;
	vf_mac r = MAC_R;

	(void)state;
	parse_into(&req, in, fr_echo_request, sizeof(fr_echo_request));
	assert_int_equal(vf__build_echo_reply(in, sizeof(in), &req, &r, IP_R), 65);
	assert_memory_equal(in, fr_echo_reply_expected, 65);
}

static void test_packet_build_echo_reply_checksum_reference(void **state)
{
	uint8_t in[1600], out[1600];
	uint32_t seed = 77;
	vf_mac r = MAC_R;

	(void)state;
	/* random payloads of every length 0..1400 (odd ones too) */
	for (uint32_t plen = 0; plen <= 1400; plen++) {
		struct vf__pkt req;
		uint32_t len = 42 + plen;

		memcpy(in, fr_echo_request, 42);
		for (uint32_t i = 0; i < plen; i++)
			in[42 + i] = (uint8_t)ref_rand(&seed);
		vf__put16(in + 16, (uint16_t)(28 + plen));
		ref_fix_ip_csum(in + 14);
		assert_int_equal(vf__pkt_parse(&req, in, len), VF__PKT_OK);
		assert_int_equal(vf__build_echo_reply(out, sizeof(out), &req, &r, IP_R),
				 len);
		assert_icmp_sums(out + 14);
		assert_memory_equal(out + 38, in + 38, 4 + plen); /* id, seq, data */
	}
}

static void test_packet_build_echo_reply_refused(void **state)
{
	uint8_t in[128], out[128];
	struct vf__pkt req;
	vf_mac r = MAC_R;

	(void)state;
	memset(out, GUARD, sizeof(out));
	/* not a request */
	parse_into(&req, in, fr_echo_reply_expected, sizeof(fr_echo_reply_expected));
	assert_int_equal(vf__build_echo_reply(out, sizeof(out), &req, &r, IP_R), 0);
	parse_into(&req, in, fr_udp, sizeof(fr_udp));
	assert_int_equal(vf__build_echo_reply(out, sizeof(out), &req, &r, IP_R), 0);
	parse_into(&req, in, fr_arp_request, sizeof(fr_arp_request));
	assert_int_equal(vf__build_echo_reply(out, sizeof(out), &req, &r, IP_R), 0);
	/* a first fragment of a request: no whole message to echo */
	memcpy(in, fr_echo_request, sizeof(fr_echo_request));
	in[20] = 0x20;
	ref_fix_ip_csum(in + 14);
	assert_int_equal(vf__pkt_parse(&req, in, sizeof(fr_echo_request)), VF__PKT_OK);
	assert_true(req.has_l4);
	assert_int_equal(vf__build_echo_reply(out, sizeof(out), &req, &r, IP_R), 0);
	assert_guard(out, sizeof(out));
}

/* ---- ICMP errors ---- */

static void test_packet_build_time_exceeded_matches_scapy(void **state)
{
	uint8_t in[128], out[128];
	struct vf__pkt orig, err;
	vf_mac r = MAC_R;

	(void)state;
	parse_into(&orig, in, fr_udp, sizeof(fr_udp));
	memset(out, GUARD, sizeof(out));
	assert_int_equal(vf__build_icmp_error(out, sizeof(out), &orig, 11, 0, &r, IP_R),
			 70);
	assert_memory_equal(out, fr_time_exceeded_expected, 70);
	assert_guard(out + 70, sizeof(out) - 70);
	assert_icmp_sums(out + 14);
	/* the quote: orig's header and 8 bytes, as received */
	assert_memory_equal(out + 42, fr_udp + 14, 28);
	assert_int_equal(vf__pkt_parse(&err, out, 70), VF__PKT_OK);
	assert_int_equal(err.icmp_type, 11);
	assert_int_equal(err.ip_tos, 0xc0);
	CHECK_CAPS(70, vf__build_icmp_error(cbuf, cap, &orig, 11, 0, &r, IP_R));
}

static void test_packet_build_unreachable_quotes_options(void **state)
{
	uint8_t in[128], out[128];
	struct vf__pkt orig;
	vf_mac r = MAC_R;

	(void)state;
	/* a tagged echo request with 8 bytes of options: the quote is its
	 * 28-byte header and 8 bytes, the answer untagged */
	parse_into(&orig, in, fr_echo_request_vlan_opts,
		   sizeof(fr_echo_request_vlan_opts));
	assert_int_equal(vf__build_icmp_error(out, sizeof(out), &orig, 3, 3, &r, IP_R),
			 78);
	assert_memory_equal(out, fr_port_unreach_vlan_opts_expected, 78);
	assert_icmp_sums(out + 14);
	/* in place: the quote moves 24 bytes towards the end */
	assert_int_equal(vf__build_icmp_error(in, sizeof(in), &orig, 3, 3, &r, IP_R), 78);
	assert_memory_equal(in, fr_port_unreach_vlan_opts_expected, 78);
}

static void test_packet_build_icmp_error_short_payload(void **state)
{
	uint8_t in[64], out[128];
	struct vf__pkt orig;
	vf_mac r = MAC_R;

	(void)state;
	/* protocol 253 (experimental) with 3 bytes of payload, padded frame */
	memset(in, 0, sizeof(in));
	memcpy(in, fr_udp, 37);
	in[17] = 23;
	in[14 + 9] = 253;
	ref_fix_ip_csum(in + 14);
	assert_int_equal(vf__pkt_parse(&orig, in, 60), VF__PKT_OK);
	assert_int_equal(vf__build_icmp_error(out, sizeof(out), &orig, 3, 2, &r, IP_R),
			 42 + 23);
	assert_memory_equal(out + 42, in + 14, 23);
	assert_int_equal(vf__get16(out + 16), 20 + 8 + 23);
	assert_int_equal(out[34], 3);
	assert_int_equal(out[35], 2);
	assert_int_equal(vf__get32(out + 38), 0);
	assert_icmp_sums(out + 14);
}

static void test_packet_build_icmp_error_about_fragments(void **state)
{
	uint8_t in[128], out[128];
	struct vf__pkt orig;
	vf_mac r = MAC_R;

	(void)state;
	memset(out, GUARD, sizeof(out));
	/* never about a later fragment (RFC 1122 3.2.2) */
	parse_into(&orig, in, fr_frag_middle, sizeof(fr_frag_middle));
	assert_int_equal(vf__build_icmp_error(out, sizeof(out), &orig, 11, 1, &r, IP_R),
			 0);
	parse_into(&orig, in, fr_frag_last, sizeof(fr_frag_last));
	assert_int_equal(vf__build_icmp_error(out, sizeof(out), &orig, 11, 1, &r, IP_R),
			 0);
	assert_guard(out, sizeof(out));
	/* the first one: yes, with its UDP header quoted */
	parse_into(&orig, in, fr_frag_first, sizeof(fr_frag_first));
	assert_int_equal(vf__build_icmp_error(out, sizeof(out), &orig, 11, 1, &r, IP_R),
			 70);
	assert_memory_equal(out + 42, fr_frag_first + 14, 28);
	assert_icmp_sums(out + 14);
}

/* @frame with the IPv4 byte at @off set to @val, or the Ethernet
 * destination's first byte set to @mac0 when @off is -1. */
static uint32_t error_about(const uint8_t *frame, uint32_t len, int off, uint8_t val)
{
	uint8_t in[128], out[128];
	struct vf__pkt orig;
	vf_mac r = MAC_R;
	uint32_t n;

	memcpy(in, frame, len);
	if (off < 0) {
		in[0] = val;
	} else {
		in[14 + off] = val;
		ref_fix_ip_csum(in + 14);
	}
	assert_int_equal(vf__pkt_parse(&orig, in, len), VF__PKT_OK);
	memset(out, GUARD, sizeof(out));
	n = vf__build_icmp_error(out, sizeof(out), &orig, 3, 1, &r, IP_R);
	if (!n)
		assert_guard(out, sizeof(out));
	return n;
}

static void test_packet_build_icmp_error_refused(void **state)
{
	(void)state;
	/* about ICMP errors: time exceeded, unreachable, quench, redirect,
	 * parameter problem */
	assert_int_equal(error_about(fr_time_exceeded_expected, 70, 0, 0x45), 0);
	assert_int_equal(error_about(fr_port_unreach_vlan_opts_expected, 78, 0, 0x45), 0);
	for (uint8_t t = 0; t < 20; t++) {
		uint8_t f[70];
		uint32_t n;

		memcpy(f, fr_time_exceeded_expected, sizeof(f));
		f[34] = t;
		n = error_about(f, sizeof(f), 0, 0x45);
		if ((t == 3 || t == 4 || t == 5 || t == 11 || t == 12) != (n == 0))
			fail_msg("ICMP type %u: %u", t, n);
	}
	/* link-layer broadcast and multicast destinations */
	assert_int_equal(error_about(fr_udp, sizeof(fr_udp), -1, 0xff), 0);
	assert_int_equal(error_about(fr_udp, sizeof(fr_udp), -1, 0x01), 0);
	assert_int_equal(error_about(fr_udp, sizeof(fr_udp), -1, 0x03), 0);
	/* IP broadcast and multicast destinations */
	{
		uint8_t f[sizeof(fr_udp)];

		memcpy(f, fr_udp, sizeof(f));
		memset(f + 30, 0xff, 4);
		assert_int_equal(error_about(f, sizeof(f), 16, 0xff), 0);
		assert_int_equal(error_about(fr_udp, sizeof(fr_udp), 16, 224), 0);
		assert_int_equal(error_about(fr_udp, sizeof(fr_udp), 16, 239), 0);
	}
	/* sources that name no single host */
	assert_int_equal(error_about(fr_udp, sizeof(fr_udp), 12, 0), 0);
	assert_int_equal(error_about(fr_udp, sizeof(fr_udp), 12, 127), 0);
	assert_int_equal(error_about(fr_udp, sizeof(fr_udp), 12, 224), 0);
	assert_int_equal(error_about(fr_udp, sizeof(fr_udp), 12, 240), 0);
	assert_int_equal(error_about(fr_udp, sizeof(fr_udp), 12, 255), 0);
	/* while these are fine: a unicast group-bit-clear MAC with the
	 * locally administered bit, class A..C sources and destinations */
	assert_int_equal(error_about(fr_udp, sizeof(fr_udp), -1, 0x02), 70);
	assert_int_equal(error_about(fr_udp, sizeof(fr_udp), 12, 1), 70);
	assert_int_equal(error_about(fr_udp, sizeof(fr_udp), 12, 223), 70);
	assert_int_equal(error_about(fr_udp, sizeof(fr_udp), 16, 223), 70);
	assert_int_equal(error_about(fr_udp, sizeof(fr_udp), 16, 240), 70);
}

static void test_packet_build_icmp_error_refused_for_arp_and_short_icmp(void **state)
{
	uint8_t in[128], out[128];
	struct vf__pkt orig;
	vf_mac r = MAC_R;

	(void)state;
	memset(out, GUARD, sizeof(out));
	parse_into(&orig, in, fr_arp_request, sizeof(fr_arp_request));
	assert_int_equal(vf__build_icmp_error(out, sizeof(out), &orig, 3, 1, &r, IP_R),
			 0);
	/* a first fragment of an ICMP message too short to show its type */
	memcpy(in, fr_echo_request, 38);
	in[17] = 24;
	in[20] = 0x20;
	ref_fix_ip_csum(in + 14);
	assert_int_equal(vf__pkt_parse(&orig, in, 38), VF__PKT_OK);
	assert_false(orig.has_l4);
	assert_int_equal(vf__build_icmp_error(out, sizeof(out), &orig, 3, 1, &r, IP_R),
			 0);
	assert_guard(out, sizeof(out));
}

/* ---- UDP ---- */

static void test_packet_build_udp_matches_scapy(void **state)
{
	static const char msg[] = "vfabric dhcp payload!";
	uint8_t out[128];
	vf_mac r = MAC_R, bc = MAC(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
	struct vf__pkt p;

	(void)state;
	memset(out, GUARD, sizeof(out));
	memcpy(out + 42, msg, 21);
	assert_int_equal(
		vf__build_udp(out, sizeof(out), &r, &bc, IP_R, 0xffffffff, 67, 68, 21),
		63);
	assert_memory_equal(out, fr_udp_build_expected, 63);
	assert_guard(out + 63, sizeof(out) - 63);
	assert_int_equal(ref_csum(0, out + 14, 20), 0);
	assert_int_equal(ref_csum(ref_pseudo(out + 14, 29), out + 34, 29), 0);
	assert_int_equal(vf__pkt_parse(&p, out, 63), VF__PKT_OK);
	assert_int_equal(p.sport, 67);
	assert_int_equal(p.payload, 42);
	/* exactly enough room, and less */
	assert_int_equal(vf__build_udp(out, 63, &r, &bc, IP_R, 0xffffffff, 67, 68, 21),
			 63);
	assert_memory_equal(out, fr_udp_build_expected, 63);
	CHECK_CAPS(63, vf__build_udp(cbuf, cap, &r, &bc, IP_R, 0xffffffff, 67, 68, 21));
}

static void test_packet_build_udp_zero_checksum_sent_as_ffff(void **state)
{
	uint8_t out[64] = {0};
	vf_mac a = MAC_A, r = MAC_R;
	uint16_t c;

	(void)state;
	/* with a zero payload word the checksum is c; a payload word of c
	 * makes the sum 0xffff and the checksum 0, sent as 0xffff */
	assert_int_equal(vf__build_udp(out, 64, &a, &r, IP_A, IP_B, 1000, 2000, 2), 44);
	c = vf__get16(out + 40);
	assert_int_not_equal(c, 0xffff);
	vf__put16(out + 42, c);
	assert_int_equal(vf__build_udp(out, 64, &a, &r, IP_A, IP_B, 1000, 2000, 2), 44);
	assert_int_equal(vf__get16(out + 40), 0xffff);
	assert_int_equal(ref_csum(ref_pseudo(out + 14, 10), out + 34, 10), 0);
}

static void test_packet_build_udp_sizes(void **state)
{
	const uint32_t max = 65535 - 28;
	uint8_t *out = malloc(14 + 65535 + 1);
	vf_mac a = MAC_A, r = MAC_R;
	struct vf__pkt p;

	(void)state;
	assert_non_null(out);
	memset(out, 0x11, 14 + 65535 + 1);
	assert_int_equal(
		vf__build_udp(out, 14 + 65535 + 1, &a, &r, IP_A, IP_B, 1, 2, max),
		14 + 65535);
	assert_int_equal(vf__get16(out + 16), 65535);
	assert_int_equal(vf__get16(out + 38), 65535 - 20);
	assert_int_equal(ref_csum(ref_pseudo(out + 14, 65515), out + 34, 65515), 0);
	assert_int_equal(vf__pkt_parse(&p, out, 14 + 65535), VF__PKT_OK);
	/* one byte more is not an IPv4 datagram */
	assert_int_equal(
		vf__build_udp(out, 14 + 65535 + 1, &a, &r, IP_A, IP_B, 1, 2, max + 1), 0);
	assert_int_equal(
		vf__build_udp(out, UINT32_MAX, &a, &r, IP_A, IP_B, 1, 2, UINT32_MAX), 0);
	assert_int_equal(
		vf__build_udp(out, UINT32_MAX, &a, &r, IP_A, IP_B, 1, 2, UINT32_MAX - 41),
		0);
	/* no payload */
	assert_int_equal(vf__build_udp(out, 42, &a, &r, IP_A, IP_B, 1, 2, 0), 42);
	assert_int_equal(vf__get16(out + 38), 8);
	assert_int_equal(vf__build_udp(out, 41, &a, &r, IP_A, IP_B, 1, 2, 0), 0);
	free(out);
}

/* ---- in-place edits ---- */

static void test_packet_dec_ttl_matches_scapy(void **state)
{
	uint8_t in[64];
	struct vf__pkt p;

	(void)state;
	parse_into(&p, in, fr_udp, sizeof(fr_udp));
	vf__pkt_dec_ttl(&p);
	assert_int_equal(p.ip_ttl, 63);
	assert_memory_equal(in, fr_udp_ttl63_expected, sizeof(fr_udp));
	assert_int_equal(vf__pkt_parse(&p, in, sizeof(fr_udp)), VF__PKT_OK);
	assert_int_equal(p.ip_ttl, 63);
}

static void test_packet_dec_ttl_random_headers(void **state)
{
	uint32_t seed = 4242;

	(void)state;
	/* random headers with options, behind a tag or not; every TTL */
	for (int i = 0; i < 20000; i++) {
		uint8_t f[18 + 60];
		struct vf__pkt p;
		bool tag = ref_rand(&seed) & 1;
		uint32_t l3 = tag ? 18 : 14, ihl = 5 + ref_rand(&seed) % 11;
		uint8_t ttl;

		for (size_t j = 0; j < sizeof(f); j++)
			f[j] = (uint8_t)ref_rand(&seed);
		vf__put16(f + 12, tag ? VF__ETH_P_VLAN : VF__ETH_P_IPV4);
		vf__put16(f + 16, VF__ETH_P_IPV4);
		f[l3] = (uint8_t)(0x40 | ihl);
		vf__put16(f + l3 + 2, (uint16_t)(ihl * 4));
		f[l3 + 6] &= 0x40; /* not a fragment */
		f[l3 + 7] = 0;
		ttl = f[l3 + 8] = (uint8_t)(2 + i % 254);
		if (f[l3 + 9] == 1 || f[l3 + 9] == 6 || f[l3 + 9] == 17)
			f[l3 + 9] = 253; /* no L4 header follows */
		ref_fix_ip_csum(f + l3);
		assert_int_equal(vf__pkt_parse(&p, f, l3 + ihl * 4), VF__PKT_OK);
		vf__pkt_dec_ttl(&p);
		assert_int_equal(p.ip_ttl, ttl - 1);
		assert_int_equal(f[l3 + 8], ttl - 1);
		/* the incremental checksum is the recomputed one */
		{
			uint16_t got = vf__get16(f + l3 + 10);

			ref_fix_ip_csum(f + l3);
			assert_int_equal(got, vf__get16(f + l3 + 10));
		}
	}
}

static void test_packet_dec_ttl_to_zero_and_not_below(void **state)
{
	uint8_t in[64];
	struct vf__pkt p;

	(void)state;
	memcpy(in, fr_udp, sizeof(fr_udp));
	in[22] = 1;
	ref_fix_ip_csum(in + 14);
	assert_int_equal(vf__pkt_parse(&p, in, sizeof(fr_udp)), VF__PKT_OK);
	vf__pkt_dec_ttl(&p);
	assert_int_equal(p.ip_ttl, 0);
	assert_int_equal(in[22], 0);
	assert_int_equal(ref_csum(0, in + 14, 20), 0);
	/* at 0 nothing wraps around */
	vf__pkt_dec_ttl(&p);
	assert_int_equal(p.ip_ttl, 0);
	assert_int_equal(in[22], 0);
	assert_int_equal(ref_csum(0, in + 14, 20), 0);
	/* and an ARP frame is left alone */
	parse_into(&p, in, fr_arp_request, sizeof(fr_arp_request));
	vf__pkt_dec_ttl(&p);
	assert_memory_equal(in, fr_arp_request, sizeof(fr_arp_request));
}

static void test_packet_set_macs(void **state)
{
	uint8_t in[64];
	struct vf__pkt p;
	vf_mac x = MAC(0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee), y = MAC(0x02, 1, 2, 3, 4, 5);

	(void)state;
	parse_into(&p, in, fr_udp, sizeof(fr_udp));
	vf__pkt_set_macs(&p, &x, &y);
	assert_memory_equal(in, y.addr, 6);
	assert_memory_equal(in + 6, x.addr, 6);
	assert_memory_equal(in + 12, fr_udp + 12, sizeof(fr_udp) - 12);
	assert_mac_equal(p.src, x);
	assert_mac_equal(p.dst, y);
	/* NULL keeps that address */
	vf__pkt_set_macs(&p, NULL, &x);
	assert_memory_equal(in, x.addr, 6);
	assert_memory_equal(in + 6, x.addr, 6);
	vf__pkt_set_macs(&p, &y, NULL);
	assert_memory_equal(in, x.addr, 6);
	assert_memory_equal(in + 6, y.addr, 6);
	assert_int_equal(vf__pkt_parse(&p, in, sizeof(fr_udp)), VF__PKT_OK);
	assert_mac_equal(p.src, y);
	assert_mac_equal(p.dst, x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_packet_build_arp_reply_matches_scapy),
		cmocka_unit_test(test_packet_build_arp_reply_in_place_and_untagged),
		cmocka_unit_test(test_packet_build_arp_reply_only_to_requests),
		cmocka_unit_test(test_packet_build_echo_reply_matches_scapy),
		cmocka_unit_test(test_packet_build_echo_reply_drops_tag_and_options),
		cmocka_unit_test(test_packet_build_echo_reply_in_place),
		cmocka_unit_test(test_packet_build_echo_reply_checksum_reference),
		cmocka_unit_test(test_packet_build_echo_reply_refused),
		cmocka_unit_test(test_packet_build_time_exceeded_matches_scapy),
		cmocka_unit_test(test_packet_build_unreachable_quotes_options),
		cmocka_unit_test(test_packet_build_icmp_error_short_payload),
		cmocka_unit_test(test_packet_build_icmp_error_about_fragments),
		cmocka_unit_test(test_packet_build_icmp_error_refused),
		cmocka_unit_test(
			test_packet_build_icmp_error_refused_for_arp_and_short_icmp),
		cmocka_unit_test(test_packet_build_udp_matches_scapy),
		cmocka_unit_test(test_packet_build_udp_zero_checksum_sent_as_ffff),
		cmocka_unit_test(test_packet_build_udp_sizes),
		cmocka_unit_test(test_packet_dec_ttl_matches_scapy),
		cmocka_unit_test(test_packet_dec_ttl_random_headers),
		cmocka_unit_test(test_packet_dec_ttl_to_zero_and_not_below),
		cmocka_unit_test(test_packet_set_macs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
