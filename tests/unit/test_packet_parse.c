/*
 * lib/packet/parse.c: vf__pkt_parse on reference frames from scapy
 * (packet_frames.h) and on hand-made corruptions of them, every parse
 * error path, vf__pkt_strerror and vf__pkt_is_broadcast.
 *
 * Each parse runs on a heap copy of exactly the frame's length, so a read
 * past its end shows under valgrind and ASan.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>

#include "packet/packet.h"

#include "packet_frames.h"

/* Parses a heap copy of @len bytes of @frame; p->data is cleared (the copy
 * is gone), every other field stays for the asserts. */
static int parse_len(struct vf__pkt *p, const uint8_t *frame, uint32_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, frame, len);
	rc = vf__pkt_parse(p, copy, len);
	assert_ptr_equal(p->data, copy);
	assert_int_equal(p->len, len);
	free(copy);
	p->data = NULL;
	return rc;
}

#define PARSE(p, frame) parse_len((p), (frame), sizeof(frame))

static void assert_mac_bytes(vf_mac got, const uint8_t *want)
{
	assert_memory_equal(got.addr, want, 6);
}

/* ---- Ethernet and ARP ---- */

static void test_packet_parse_arp_request(void **state)
{
	struct vf__pkt p;

	(void)state;
	assert_int_equal(PARSE(&p, fr_arp_request), VF__PKT_OK);
	assert_mac_bytes(p.dst, (const uint8_t[]){0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
	assert_mac_equal(p.src, MAC_A);
	assert_false(p.has_vlan);
	assert_int_equal(p.vlan_tci, 0);
	assert_int_equal(p.ethertype, VF__ETH_P_ARP);
	assert_int_equal(p.l3, 14);
	assert_int_equal(p.arp_op, 1);
	assert_mac_equal(p.arp_sha, MAC_A);
	assert_ip_equal(p.arp_spa, IP_A);
	assert_mac_equal(p.arp_tha, MAC(0, 0, 0, 0, 0, 0));
	assert_ip_equal(p.arp_tpa, IP_R);
	assert_int_equal(p.payload, 42);
	assert_false(p.has_l4);
	assert_int_equal(p.l4, 0);
	assert_int_equal(p.ip_len, 0);
}

static void test_packet_parse_arp_reply_padded(void **state)
{
	uint8_t f[60] = {0};
	struct vf__pkt p;

	(void)state;
	memcpy(f, fr_arp_reply_expected, sizeof(fr_arp_reply_expected));
	assert_int_equal(PARSE(&p, f), VF__PKT_OK);
	assert_int_equal(p.arp_op, 2);
	assert_mac_equal(p.arp_sha, MAC_R);
	assert_ip_equal(p.arp_spa, IP_R);
	assert_mac_equal(p.arp_tha, MAC_A);
	assert_ip_equal(p.arp_tpa, IP_A);
	assert_int_equal(p.payload, 42);
}

static void test_packet_parse_arp_truncated(void **state)
{
	struct vf__pkt p;
	uint32_t len;

	(void)state;
	for (len = 0; len < sizeof(fr_arp_request); len++) {
		int rc = parse_len(&p, fr_arp_request, len);

		if (rc != VF__PKT_ETRUNC)
			fail_msg("ARP cut to %u bytes: %d", len, rc);
	}
}

static void test_packet_parse_arp_unsupported_kinds(void **state)
{
	static const struct {
		unsigned int off;
		uint8_t val;
	} bad[] = {
		{15, 6},    /* htype 6 (IEEE 802) */
		{14, 1},    /* htype 0x0101 */
		{16, 0x86}, /* ptype 0x8600 */
		{17, 0xdd}, /* ptype 0x08dd */
		{18, 8},    /* hlen 8 */
		{19, 16},   /* plen 16 */
		{21, 3},    /* RARP request */
		{21, 0},    /* op 0 */
		{20, 1},    /* op 0x0101 */
	};
	size_t i;

	(void)state;
	for (i = 0; i < VT_ARRAY_SIZE(bad); i++) {
		uint8_t f[sizeof(fr_arp_request)];
		struct vf__pkt p;
		int rc;

		memcpy(f, fr_arp_request, sizeof(f));
		f[bad[i].off] = bad[i].val;
		rc = PARSE(&p, f);
		if (rc != VF__PKT_EUNSUPP)
			fail_msg("ARP byte %u = %u: %d", bad[i].off, bad[i].val, rc);
		assert_int_equal(p.ethertype, VF__ETH_P_ARP);
	}
}

static void test_packet_parse_arp_kind_checked_before_length(void **state)
{
	uint8_t f[sizeof(fr_arp_request)];
	struct vf__pkt p;

	(void)state;
	memcpy(f, fr_arp_request, sizeof(f));
	f[19] = 16; /* an IPv6-sized ARP, cut short: not ours either way */
	assert_int_equal(parse_len(&p, f, 30), VF__PKT_EUNSUPP);
	assert_int_equal(parse_len(&p, f, 21), VF__PKT_ETRUNC);
}

static void test_packet_parse_other_ethertypes(void **state)
{
	uint8_t f[60];
	struct vf__pkt p;

	(void)state;
	assert_int_equal(PARSE(&p, fr_ipv6_udp), VF__PKT_EUNSUPP);
	assert_int_equal(p.ethertype, 0x86dd);
	assert_int_equal(p.l3, 14);
	assert_mac_equal(p.src, MAC_A);

	/* an 802.3 frame: a length, not a type */
	memcpy(f, fr_udp, 14);
	memset(f + 14, 0xaa, sizeof(f) - 14);
	f[12] = 0x00;
	f[13] = 0x2e;
	assert_int_equal(PARSE(&p, f), VF__PKT_EUNSUPP);
	assert_int_equal(p.ethertype, 0x002e);

	/* just a header, nothing after it */
	f[12] = 0x88;
	f[13] = 0xcc;
	assert_int_equal(parse_len(&p, f, 14), VF__PKT_EUNSUPP);
	assert_int_equal(p.ethertype, 0x88cc);
}

/* ---- VLAN tags ---- */

static void test_packet_parse_vlan_with_ip_options(void **state)
{
	struct vf__pkt p;

	(void)state;
	assert_int_equal(PARSE(&p, fr_echo_request_vlan_opts), VF__PKT_OK);
	assert_true(p.has_vlan);
	assert_int_equal(p.vlan_tci, 3 << 13 | 100);
	assert_int_equal(p.ethertype, VF__ETH_P_IPV4);
	assert_int_equal(p.l3, 18);
	assert_int_equal(p.ip_hlen, 28);
	assert_int_equal(p.ip_len, 46);
	assert_int_equal(p.ip_id, 0x77);
	assert_int_equal(p.ip_proto, 1);
	assert_true(p.has_l4);
	assert_int_equal(p.l4, 46);
	assert_int_equal(p.icmp_type, 8);
	assert_int_equal(p.icmp_code, 0);
	assert_int_equal(p.icmp_id, 9);
	assert_int_equal(p.payload, 54);
}

static void test_packet_parse_vlan_truncated(void **state)
{
	struct vf__pkt p;
	uint32_t len;

	(void)state;
	for (len = 0; len < sizeof(fr_echo_request_vlan_opts); len++) {
		int rc = parse_len(&p, fr_echo_request_vlan_opts, len);

		if (rc != VF__PKT_ETRUNC)
			fail_msg("tagged frame cut to %u bytes: %d", len, rc);
		assert_false(p.has_l4);
	}
	/* the tag itself cut: nothing after the TPID */
	assert_int_equal(parse_len(&p, fr_echo_request_vlan_opts, 16), VF__PKT_ETRUNC);
	assert_int_equal(p.ethertype, VF__ETH_P_VLAN);
	assert_false(p.has_vlan);
}

static void test_packet_parse_dot1ad_one_tag(void **state)
{
	struct vf__pkt p;

	(void)state;
	assert_int_equal(PARSE(&p, fr_dot1ad_udp), VF__PKT_OK);
	assert_true(p.has_vlan);
	assert_int_equal(p.vlan_tci, 7);
	assert_int_equal(p.ethertype, VF__ETH_P_IPV4);
	assert_int_equal(p.l3, 18);
	assert_true(p.has_l4);
	assert_int_equal(p.sport, 1);
	assert_int_equal(p.dport, 2);
	assert_int_equal(p.payload, 46);
}

static void test_packet_parse_two_tags_unsupported(void **state)
{
	uint8_t f[sizeof(fr_qinq_double)];
	struct vf__pkt p;

	(void)state;
	assert_int_equal(PARSE(&p, fr_qinq_double), VF__PKT_EUNSUPP);
	assert_int_equal(p.ethertype, VF__ETH_P_VLAN);
	assert_true(p.has_vlan);
	assert_int_equal(p.vlan_tci, 7);

	/* 0x8100 inside 0x8100, and 0x88a8 inside 0x8100 */
	memcpy(f, fr_qinq_double, sizeof(f));
	f[12] = 0x81;
	f[13] = 0x00;
	assert_int_equal(PARSE(&p, f), VF__PKT_EUNSUPP);
	assert_int_equal(p.ethertype, VF__ETH_P_VLAN);
	f[16] = 0x88;
	f[17] = 0xa8;
	assert_int_equal(PARSE(&p, f), VF__PKT_EUNSUPP);
	assert_int_equal(p.ethertype, VF__ETH_P_QINQ);
}

/* ---- IPv4 ---- */

static void test_packet_parse_icmp_echo(void **state)
{
	struct vf__pkt p;

	(void)state;
	assert_int_equal(PARSE(&p, fr_echo_request), VF__PKT_OK);
	assert_mac_equal(p.dst, MAC_R);
	assert_mac_equal(p.src, MAC_A);
	assert_int_equal(p.ethertype, VF__ETH_P_IPV4);
	assert_int_equal(p.l3, 14);
	assert_int_equal(p.ip_hlen, 20);
	assert_int_equal(p.ip_proto, 1);
	assert_int_equal(p.ip_ttl, 64);
	assert_int_equal(p.ip_tos, 0x10);
	assert_int_equal(p.ip_len, 51);
	assert_int_equal(p.ip_id, 0x1234);
	assert_int_equal(p.frag_off, 0);
	assert_false(p.frag_more);
	assert_ip_equal(p.ip_src, IP_A);
	assert_ip_equal(p.ip_dst, IP_R);
	assert_true(p.has_l4);
	assert_int_equal(p.l4, 34);
	assert_int_equal(p.icmp_type, 8);
	assert_int_equal(p.icmp_code, 0);
	assert_int_equal(p.icmp_id, 0x4242);
	assert_int_equal(p.sport, 0);
	assert_int_equal(p.dport, 0);
	assert_int_equal(p.payload, 42);
}

static void test_packet_parse_icmp_non_echo_has_no_id(void **state)
{
	struct vf__pkt p;

	(void)state;
	assert_int_equal(PARSE(&p, fr_time_exceeded_expected), VF__PKT_OK);
	assert_int_equal(p.icmp_type, 11);
	assert_int_equal(p.icmp_code, 0);
	assert_int_equal(p.icmp_id, 0);
	assert_int_equal(p.ip_tos, 0xc0);
	assert_int_equal(p.payload, 42);

	assert_int_equal(PARSE(&p, fr_echo_reply_expected), VF__PKT_OK);
	assert_int_equal(p.icmp_type, 0);
	assert_int_equal(p.icmp_id, 0x4242);
	assert_int_equal(p.ip_id, 0);
	assert_int_equal(p.frag_off, 0);
	assert_false(p.frag_more);
}

static void test_packet_parse_udp(void **state)
{
	struct vf__pkt p;

	(void)state;
	assert_int_equal(PARSE(&p, fr_udp), VF__PKT_OK);
	assert_int_equal(p.ip_proto, 17);
	assert_int_equal(p.ip_len, 39);
	assert_int_equal(p.ip_id, 0x0100);
	assert_ip_equal(p.ip_src, IP_A);
	assert_ip_equal(p.ip_dst, IP_B);
	assert_true(p.has_l4);
	assert_int_equal(p.l4, 34);
	assert_int_equal(p.sport, 5000);
	assert_int_equal(p.dport, 53);
	assert_int_equal(p.tcp_flags, 0);
	assert_int_equal(p.payload, 42);
	assert_memory_equal(fr_udp + p.payload, "hello world", 11);
}

static void test_packet_parse_tcp_syn(void **state)
{
	struct vf__pkt p;

	(void)state;
	assert_int_equal(PARSE(&p, fr_tcp_syn), VF__PKT_OK);
	assert_int_equal(p.ip_proto, 6);
	assert_int_equal(p.ip_len, 48);
	assert_true(p.has_l4);
	assert_int_equal(p.l4, 34);
	assert_int_equal(p.sport, 40000);
	assert_int_equal(p.dport, 22);
	assert_int_equal(p.tcp_flags, VF__TCP_SYN);
	assert_int_equal(p.payload, 62); /* 28 bytes of header: MSS, NOP, WScale */
}

static void test_packet_parse_tcp_flags(void **state)
{
	uint8_t f[sizeof(fr_tcp_syn)];
	struct vf__pkt p;

	(void)state;
	memcpy(f, fr_tcp_syn, sizeof(f));
	f[34 + 13] = 0xd5; /* CWR ECE ACK RST FIN; no checksum covers it here */
	assert_int_equal(PARSE(&p, f), VF__PKT_OK);
	assert_int_equal(p.tcp_flags, 0xd5);
	assert_int_equal(p.tcp_flags & (VF__TCP_ACK | VF__TCP_RST | VF__TCP_FIN),
			 VF__TCP_ACK | VF__TCP_RST | VF__TCP_FIN);
	assert_int_equal(p.tcp_flags & VF__TCP_SYN, 0);
}

/* Every frame that parses, cut anywhere before its datagram ends, is
 * truncated; padding after the datagram may go. */
static void test_packet_parse_ipv4_truncated_everywhere(void **state)
{
	static const struct {
		const uint8_t *f;
		uint32_t len, need;
	} frames[] = {
		{fr_echo_request, sizeof(fr_echo_request), 65},
		{fr_udp, sizeof(fr_udp), 53},
		{fr_tcp_syn, sizeof(fr_tcp_syn), 62},
		{fr_udp_padded, sizeof(fr_udp_padded), 44},
		{fr_frag_first, sizeof(fr_frag_first), 82},
		{fr_frag_middle, sizeof(fr_frag_middle), 82},
		{fr_frag_last, sizeof(fr_frag_last), 46},
		{fr_dot1ad_udp, sizeof(fr_dot1ad_udp), 47},
		{fr_port_unreach_vlan_opts_expected,
		 sizeof(fr_port_unreach_vlan_opts_expected), 78},
	};
	size_t i;

	(void)state;
	for (i = 0; i < VT_ARRAY_SIZE(frames); i++) {
		for (uint32_t len = 0; len <= frames[i].len; len++) {
			struct vf__pkt p;
			int want = len < frames[i].need ? VF__PKT_ETRUNC : VF__PKT_OK;
			int rc = parse_len(&p, frames[i].f, len);

			if (rc != want)
				fail_msg("frame %zu cut to %u bytes: %d, expected %d", i,
					 len, rc, want);
		}
	}
}

static void test_packet_parse_trailing_padding(void **state)
{
	struct vf__pkt p;

	(void)state;
	assert_int_equal(PARSE(&p, fr_udp_padded), VF__PKT_OK);
	assert_int_equal(p.len, 60);
	assert_int_equal(p.ip_len, 30);
	assert_true(p.has_l4);
	assert_int_equal(p.sport, 1234);
	assert_int_equal(p.dport, 4321);
	assert_int_equal(p.payload, 42);
}

/* The UDP frame with one IPv4 header byte replaced (checksum fixed). */
static int parse_udp_with(struct vf__pkt *p, unsigned int off, uint8_t val)
{
	uint8_t f[14 + 60] = {0}; /* room for the checksum of any IHL */

	memcpy(f, fr_udp, sizeof(fr_udp));
	f[14 + off] = val;
	ref_fix_ip_csum(f + 14);
	return parse_len(p, f, sizeof(fr_udp));
}

static void test_packet_parse_ipv4_bad_version(void **state)
{
	struct vf__pkt p;

	(void)state;
	assert_int_equal(parse_udp_with(&p, 0, 0x65), VF__PKT_EHEADER);
	assert_int_equal(parse_udp_with(&p, 0, 0x05), VF__PKT_EHEADER);
	assert_int_equal(parse_udp_with(&p, 0, 0xf5), VF__PKT_EHEADER);
	assert_int_equal(parse_udp_with(&p, 0, 0x35), VF__PKT_EHEADER);
	assert_false(p.has_l4);
	assert_int_equal(p.ip_hlen, 0);
}

static void test_packet_parse_ipv4_bad_ihl(void **state)
{
	uint8_t f[14 + 60 + 8] = {0};
	struct vf__pkt p;

	(void)state;
	for (uint8_t ihl = 0; ihl < 5; ihl++)
		assert_int_equal(parse_udp_with(&p, 0, (uint8_t)(0x40 | ihl)),
				 VF__PKT_EHEADER);
	/* IHL 15: a 60-byte header the 39-byte frame does not hold */
	assert_int_equal(parse_udp_with(&p, 0, 0x4f), VF__PKT_ETRUNC);
	/* IHL 6 in a datagram whose total length says 20 */
	memcpy(f, fr_udp, 34);
	f[14] = 0x46;
	f[16] = 0;
	f[17] = 20;
	ref_fix_ip_csum(f + 14);
	assert_int_equal(parse_len(&p, f, 38), VF__PKT_EHEADER);
	/* IHL 15 with all 60 bytes there: 40 bytes of NOP options, no L4 */
	memcpy(f, fr_udp, 34);
	memset(f + 34, 1, 40);
	f[14] = 0x4f;
	f[16] = 0;
	f[17] = 60;
	f[14 + 9] = 99;
	ref_fix_ip_csum(f + 14);
	assert_int_equal(parse_len(&p, f, 74), VF__PKT_OK);
	assert_int_equal(p.ip_hlen, 60);
	assert_false(p.has_l4);
	assert_int_equal(p.payload, 74);
	assert_int_equal(parse_len(&p, f, 73), VF__PKT_ETRUNC);
}

static void test_packet_parse_ipv4_bad_checksum(void **state)
{
	struct vf__pkt p;

	(void)state;
	/* one's complement sums catch every single-bit error; byte 0 holds
	 * version and IHL, checked first */
	for (unsigned int byte = 1; byte < 20; byte++) {
		for (unsigned int bit = 0; bit < 8; bit++) {
			uint8_t f[sizeof(fr_udp)];
			int rc;

			memcpy(f, fr_udp, sizeof(f));
			f[14 + byte] ^= (uint8_t)(1u << bit);
			rc = PARSE(&p, f);
			if (rc != VF__PKT_ECSUM)
				fail_msg("IPv4 byte %u bit %u flipped: %d", byte, bit,
					 rc);
			assert_false(p.has_l4);
		}
	}
	/* an option byte too */
	{
		uint8_t f[sizeof(fr_echo_request_vlan_opts)];

		memcpy(f, fr_echo_request_vlan_opts, sizeof(f));
		f[18 + 24] ^= 0x40;
		assert_int_equal(PARSE(&p, f), VF__PKT_ECSUM);
	}
}

static void test_packet_parse_ipv4_total_length_lies(void **state)
{
	struct vf__pkt p;

	(void)state;
	/* longer than the frame */
	assert_int_equal(parse_udp_with(&p, 3, 40), VF__PKT_ETRUNC);
	assert_int_equal(parse_udp_with(&p, 2, 1), VF__PKT_ETRUNC);
	/* shorter than the header */
	assert_int_equal(parse_udp_with(&p, 3, 19), VF__PKT_EHEADER);
	assert_int_equal(parse_udp_with(&p, 3, 0), VF__PKT_EHEADER);
	/* exactly the header: UDP cut away */
	assert_int_equal(parse_udp_with(&p, 3, 20), VF__PKT_ETRUNC);
	/* shorter than the frame but shorter than the UDP length too */
	assert_int_equal(parse_udp_with(&p, 3, 38), VF__PKT_ETRUNC);
}

static void test_packet_parse_udp_length_lies(void **state)
{
	uint8_t f[sizeof(fr_udp)];
	struct vf__pkt p;

	(void)state;
	memcpy(f, fr_udp, sizeof(f));
	for (unsigned int ulen = 0; ulen < 8; ulen++) {
		f[34 + 5] = (uint8_t)ulen;
		assert_int_equal(PARSE(&p, f), VF__PKT_EHEADER);
		assert_false(p.has_l4);
		assert_int_equal(p.l4, 0);
	}
	f[34 + 5] = 20; /* the IP payload is 19 bytes */
	assert_int_equal(PARSE(&p, f), VF__PKT_ETRUNC);
	f[34 + 4] = 0xff;
	assert_int_equal(PARSE(&p, f), VF__PKT_ETRUNC);
	/* shorter than the IP payload: accepted, the datagram is 8 bytes */
	f[34 + 4] = 0;
	f[34 + 5] = 8;
	assert_int_equal(PARSE(&p, f), VF__PKT_OK);
	assert_true(p.has_l4);
	assert_int_equal(p.payload, 42);
	f[34 + 5] = 19;
	assert_int_equal(PARSE(&p, f), VF__PKT_OK);
}

static void test_packet_parse_udp_header_truncated(void **state)
{
	uint8_t f[sizeof(fr_udp)];
	struct vf__pkt p;

	(void)state;
	/* the datagram ends 4 bytes into the UDP header; the frame is longer */
	memcpy(f, fr_udp, sizeof(f));
	f[17] = 24;
	ref_fix_ip_csum(f + 14);
	assert_int_equal(PARSE(&p, f), VF__PKT_ETRUNC);
	f[17] = 28;
	ref_fix_ip_csum(f + 14);
	f[34 + 5] = 8;
	assert_int_equal(PARSE(&p, f), VF__PKT_OK);
	assert_int_equal(p.payload, 42);
}

static void test_packet_parse_tcp_doff_lies(void **state)
{
	uint8_t f[sizeof(fr_tcp_syn)];
	struct vf__pkt p;

	(void)state;
	memcpy(f, fr_tcp_syn, sizeof(f));
	for (unsigned int doff = 0; doff < 5; doff++) {
		f[34 + 12] = (uint8_t)(doff << 4);
		assert_int_equal(PARSE(&p, f), VF__PKT_EHEADER);
		assert_false(p.has_l4);
	}
	for (unsigned int doff = 8; doff < 16; doff++) {
		f[34 + 12] = (uint8_t)(doff << 4);
		assert_int_equal(PARSE(&p, f), VF__PKT_ETRUNC);
		assert_false(p.has_l4);
	}
	f[34 + 12] = 5 << 4; /* options become payload */
	assert_int_equal(PARSE(&p, f), VF__PKT_OK);
	assert_int_equal(p.payload, 54);
	f[34 + 12] = 7 << 4 | 0xf; /* reserved bits are not the offset */
	assert_int_equal(PARSE(&p, f), VF__PKT_OK);
	assert_int_equal(p.payload, 62);
	/* the datagram ends inside the 20 fixed bytes */
	f[17] = 20 + 19;
	ref_fix_ip_csum(f + 14);
	assert_int_equal(PARSE(&p, f), VF__PKT_ETRUNC);
}

static void test_packet_parse_icmp_truncated(void **state)
{
	uint8_t f[sizeof(fr_echo_request)];
	struct vf__pkt p;

	(void)state;
	memcpy(f, fr_echo_request, sizeof(f));
	for (uint8_t plen = 0; plen < 8; plen++) {
		f[17] = (uint8_t)(20 + plen);
		ref_fix_ip_csum(f + 14);
		assert_int_equal(PARSE(&p, f), VF__PKT_ETRUNC);
	}
	f[17] = 28;
	ref_fix_ip_csum(f + 14);
	assert_int_equal(PARSE(&p, f), VF__PKT_OK);
	assert_int_equal(p.payload, 42);
	assert_int_equal(p.icmp_id, 0x4242);
}

static void test_packet_parse_other_protocol(void **state)
{
	struct vf__pkt p;

	(void)state;
	/* GRE: no L4 fields, payload is the IPv4 payload */
	assert_int_equal(parse_udp_with(&p, 9, 47), VF__PKT_OK);
	assert_int_equal(p.ip_proto, 47);
	assert_false(p.has_l4);
	assert_int_equal(p.l4, 0);
	assert_int_equal(p.sport, 0);
	assert_int_equal(p.payload, 34);
	/* even an empty one */
	{
		uint8_t f[34];

		memcpy(f, fr_udp, sizeof(f));
		f[17] = 20;
		f[14 + 9] = 47;
		ref_fix_ip_csum(f + 14);
		assert_int_equal(PARSE(&p, f), VF__PKT_OK);
		assert_int_equal(p.payload, 34);
	}
}

/* ---- fragments ---- */

static void test_packet_parse_fragments(void **state)
{
	struct vf__pkt p;

	(void)state;
	assert_int_equal(PARSE(&p, fr_frag_first), VF__PKT_OK);
	assert_int_equal(p.ip_id, 0xabcd);
	assert_int_equal(p.frag_off, 0);
	assert_true(p.frag_more);
	assert_true(p.has_l4);
	assert_int_equal(p.l4, 34);
	assert_int_equal(p.sport, 7000);
	assert_int_equal(p.dport, 8000);
	assert_int_equal(p.payload, 42);

	assert_int_equal(PARSE(&p, fr_frag_middle), VF__PKT_OK);
	assert_int_equal(p.ip_id, 0xabcd);
	assert_int_equal(p.frag_off, 48);
	assert_true(p.frag_more);
	assert_false(p.has_l4);
	assert_int_equal(p.l4, 0);
	assert_int_equal(p.sport, 0);
	assert_int_equal(p.dport, 0);
	assert_int_equal(p.ip_proto, 17);
	assert_int_equal(p.payload, 34);

	assert_int_equal(PARSE(&p, fr_frag_last), VF__PKT_OK);
	assert_int_equal(p.frag_off, 96);
	assert_false(p.frag_more);
	assert_false(p.has_l4);
	assert_int_equal(p.l4, 0);
	assert_int_equal(p.ip_len, 32);
	assert_int_equal(p.payload, 34);
}

/* A first fragment (MF, offset 0) of @frame with @plen bytes of payload. */
static int parse_first_frag(struct vf__pkt *p, const uint8_t *frame, uint8_t plen)
{
	uint8_t f[128];

	memcpy(f, frame, 34 + plen);
	f[16] = 0;
	f[17] = (uint8_t)(20 + plen);
	f[20] = 0x20;
	f[21] = 0;
	ref_fix_ip_csum(f + 14);
	return parse_len(p, f, 34u + plen);
}

static void test_packet_parse_first_fragment_partial_l4(void **state)
{
	struct vf__pkt p;

	(void)state;
	/* TCP: 16 bytes is not the fixed header, 24 not all 28 */
	assert_int_equal(parse_first_frag(&p, fr_tcp_syn, 16), VF__PKT_OK);
	assert_true(p.frag_more);
	assert_false(p.has_l4);
	assert_int_equal(p.l4, 0);
	assert_int_equal(p.sport, 0);
	assert_int_equal(p.payload, 34);
	assert_int_equal(parse_first_frag(&p, fr_tcp_syn, 24), VF__PKT_OK);
	assert_false(p.has_l4);
	assert_int_equal(parse_first_frag(&p, fr_tcp_syn, 28), VF__PKT_OK);
	assert_true(p.has_l4);
	assert_int_equal(p.tcp_flags, VF__TCP_SYN);
	assert_int_equal(p.payload, 62);
	/* UDP and ICMP: 8 bytes needed */
	assert_int_equal(parse_first_frag(&p, fr_udp, 0), VF__PKT_OK);
	assert_false(p.has_l4);
	assert_int_equal(parse_first_frag(&p, fr_udp, 7), VF__PKT_OK);
	assert_false(p.has_l4);
	/* the UDP length (19) is of the whole datagram, not checked */
	assert_int_equal(parse_first_frag(&p, fr_udp, 8), VF__PKT_OK);
	assert_true(p.has_l4);
	assert_int_equal(p.dport, 53);
	assert_int_equal(parse_first_frag(&p, fr_echo_request, 4), VF__PKT_OK);
	assert_false(p.has_l4);
	assert_int_equal(p.icmp_type, 0);
	assert_int_equal(parse_first_frag(&p, fr_echo_request, 8), VF__PKT_OK);
	assert_true(p.has_l4);
	assert_int_equal(p.icmp_id, 0x4242);
}

static void test_packet_parse_first_fragment_bad_l4_still_refused(void **state)
{
	uint8_t f[sizeof(fr_tcp_syn)];
	struct vf__pkt p;

	(void)state;
	memcpy(f, fr_tcp_syn, sizeof(f));
	f[34 + 12] = 4 << 4;
	assert_int_equal(parse_first_frag(&p, f, 28), VF__PKT_EHEADER);
	memcpy(f, fr_udp, sizeof(fr_udp));
	f[34 + 5] = 7;
	assert_int_equal(parse_first_frag(&p, f, 8), VF__PKT_EHEADER);
}

static void test_packet_parse_fragment_past_64k(void **state)
{
	uint8_t f[sizeof(fr_frag_last)];
	struct vf__pkt p;

	(void)state;
	memcpy(f, fr_frag_last, sizeof(f));
	/* offset 65512 + 12 bytes = 65524: fits */
	f[20] = 0x1f;
	f[21] = 0xfd;
	ref_fix_ip_csum(f + 14);
	assert_int_equal(PARSE(&p, f), VF__PKT_OK);
	assert_int_equal(p.frag_off, 65512);
	/* offset 65528 + 12 bytes: past 65535 */
	f[21] = 0xff;
	ref_fix_ip_csum(f + 14);
	assert_int_equal(PARSE(&p, f), VF__PKT_EHEADER);
	/* 65528 + 7 bytes = 65535: the very last byte */
	f[17] = 27;
	ref_fix_ip_csum(f + 14);
	assert_int_equal(parse_len(&p, f, 41), VF__PKT_OK);
	assert_int_equal(p.frag_off, 65528);
	assert_false(p.frag_more);
}

static void test_packet_parse_fragment_flags(void **state)
{
	struct vf__pkt p;

	(void)state;
	/* DF alone: not a fragment */
	assert_int_equal(parse_udp_with(&p, 6, 0x40), VF__PKT_OK);
	assert_false(p.frag_more);
	assert_int_equal(p.frag_off, 0);
	assert_true(p.has_l4);
	/* a non-first fragment with the rest of the datagram already whole */
	assert_int_equal(parse_udp_with(&p, 7, 1), VF__PKT_OK);
	assert_int_equal(p.frag_off, 8);
	assert_false(p.frag_more);
	assert_false(p.has_l4);
	assert_int_equal(p.sport, 0);
}

/* ---- the struct ---- */

static void test_packet_parse_clears_stale_fields(void **state)
{
	struct vf__pkt p;

	(void)state;
	memset(&p, 0xa5, sizeof(p));
	assert_int_equal(PARSE(&p, fr_arp_request), VF__PKT_OK);
	assert_false(p.has_vlan);
	assert_false(p.has_l4);
	assert_false(p.frag_more);
	assert_int_equal(p.ip_src, 0);
	assert_int_equal(p.ip_len, 0);
	assert_int_equal(p.sport, 0);
	assert_int_equal(p.l4, 0);

	memset(&p, 0xa5, sizeof(p));
	assert_int_equal(parse_len(&p, fr_udp, 10), VF__PKT_ETRUNC);
	assert_int_equal(p.ethertype, 0);
	assert_int_equal(p.l3, 0);
	assert_false(p.has_l4);
}

static void test_packet_strerror(void **state)
{
	(void)state;
	assert_string_equal(vf__pkt_strerror(VF__PKT_OK), "ok");
	assert_string_equal(vf__pkt_strerror(VF__PKT_ETRUNC), "truncated frame");
	assert_string_equal(vf__pkt_strerror(VF__PKT_EHEADER), "invalid header field");
	assert_string_equal(vf__pkt_strerror(VF__PKT_ECSUM), "bad IPv4 header checksum");
	assert_string_equal(vf__pkt_strerror(VF__PKT_EUNSUPP), "unsupported protocol");
	assert_string_equal(vf__pkt_strerror(-5), "unknown parse result");
	assert_string_equal(vf__pkt_strerror(1), "unknown parse result");
}

static void test_packet_is_broadcast(void **state)
{
	vf_mac m = MAC(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);

	(void)state;
	assert_true(vf__pkt_is_broadcast(&m));
	for (int i = 0; i < 6; i++) {
		vf_mac n = m;

		n.addr[i] = 0xfe;
		assert_false(vf__pkt_is_broadcast(&n));
	}
	m = MAC(0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb);
	assert_false(vf__pkt_is_broadcast(&m));
	m = MAC_A;
	assert_false(vf__pkt_is_broadcast(&m));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_packet_parse_arp_request),
		cmocka_unit_test(test_packet_parse_arp_reply_padded),
		cmocka_unit_test(test_packet_parse_arp_truncated),
		cmocka_unit_test(test_packet_parse_arp_unsupported_kinds),
		cmocka_unit_test(test_packet_parse_arp_kind_checked_before_length),
		cmocka_unit_test(test_packet_parse_other_ethertypes),
		cmocka_unit_test(test_packet_parse_vlan_with_ip_options),
		cmocka_unit_test(test_packet_parse_vlan_truncated),
		cmocka_unit_test(test_packet_parse_dot1ad_one_tag),
		cmocka_unit_test(test_packet_parse_two_tags_unsupported),
		cmocka_unit_test(test_packet_parse_icmp_echo),
		cmocka_unit_test(test_packet_parse_icmp_non_echo_has_no_id),
		cmocka_unit_test(test_packet_parse_udp),
		cmocka_unit_test(test_packet_parse_tcp_syn),
		cmocka_unit_test(test_packet_parse_tcp_flags),
		cmocka_unit_test(test_packet_parse_ipv4_truncated_everywhere),
		cmocka_unit_test(test_packet_parse_trailing_padding),
		cmocka_unit_test(test_packet_parse_ipv4_bad_version),
		cmocka_unit_test(test_packet_parse_ipv4_bad_ihl),
		cmocka_unit_test(test_packet_parse_ipv4_bad_checksum),
		cmocka_unit_test(test_packet_parse_ipv4_total_length_lies),
		cmocka_unit_test(test_packet_parse_udp_length_lies),
		cmocka_unit_test(test_packet_parse_udp_header_truncated),
		cmocka_unit_test(test_packet_parse_tcp_doff_lies),
		cmocka_unit_test(test_packet_parse_icmp_truncated),
		cmocka_unit_test(test_packet_parse_other_protocol),
		cmocka_unit_test(test_packet_parse_fragments),
		cmocka_unit_test(test_packet_parse_first_fragment_partial_l4),
		cmocka_unit_test(test_packet_parse_first_fragment_bad_l4_still_refused),
		cmocka_unit_test(test_packet_parse_fragment_past_64k),
		cmocka_unit_test(test_packet_parse_fragment_flags),
		cmocka_unit_test(test_packet_parse_clears_stale_fields),
		cmocka_unit_test(test_packet_strerror),
		cmocka_unit_test(test_packet_is_broadcast),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
