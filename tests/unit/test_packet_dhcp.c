/*
 * The DHCP codec (lib/packet/dhcp.c): vf__dhcp_parse on messages captured
 * from real clients (dhcp_captures.h) and on hand-made ones for every
 * error path, and vf__dhcp_build's replies byte by byte. The expected
 * replies were checked with scapy 2.5.0's BOOTP/DHCP layers (every option
 * decoded as intended) and accepted by udhcpc, dhclient and dhcpcd in a
 * network namespace (see dhcp_captures.h).
 */
#include "unit.h"

#include "packet/dhcp.h"
#include "packet/packet.h"

#include "dhcp_captures.h"

#define VMAC_BYTES 0x02, 0x01, 0x0a, 0x01, 0x01, 0x05
#define COOKIE_BYTES 0x63, 0x82, 0x53, 0x63
#define OFF_SNAME 44
#define OFF_FILE 108

static const vf_mac vmac = {{VMAC_BYTES}};

/* ---- helpers ---- */

static uint8_t buf[1024];

/* A BOOTREQUEST in buf: htype 1, hlen 6, xid 0x01020304, chaddr the VMAC,
 * the cookie and @olen option bytes. Returns its length. */
static uint32_t synth(const uint8_t *opts, uint32_t olen)
{
	static const uint8_t hdr[] = {1, 1, 6, 0, 1, 2, 3, 4};
	static const uint8_t chaddr[] = {VMAC_BYTES};
	static const uint8_t cookie[] = {COOKIE_BYTES};

	memset(buf, 0, sizeof(buf));
	memcpy(buf, hdr, sizeof(hdr));
	memcpy(buf + 28, chaddr, sizeof(chaddr));
	memcpy(buf + 236, cookie, sizeof(cookie));
	memcpy(buf + 240, opts, olen);
	return 240 + olen;
}

/* Parses a synth() message with these options. */
static int parse_opts(struct vf__dhcp_msg *m, const uint8_t *opts, uint32_t olen)
{
	return vf__dhcp_parse(m, buf, synth(opts, olen));
}

#define PARSE_OPTS(m, ...)                              \
	parse_opts((m), (const uint8_t[]){__VA_ARGS__}, \
		   sizeof((const uint8_t[]){__VA_ARGS__}))

static void assert_msg_zero_options(const struct vf__dhcp_msg *m)
{
	assert_int_equal(m->msg_type, 0);
	assert_int_equal(m->requested_ip, 0);
	assert_int_equal(m->server_id, 0);
	assert_int_equal(m->max_size, 0);
	assert_int_equal(m->client_id_len, 0);
	assert_int_equal(m->prl_len, 0);
}

/* ---- parsing real messages ---- */

static void test_packet_dhcp_parse_udhcpc_discover(void **state)
{
	static const uint8_t prl[] = {1, 3, 6, 12, 15, 28, 42};
	static const uint8_t cid[] = {0x01, VMAC_BYTES};
	struct vf__dhcp_msg m;

	(void)state;
	assert_int_equal(vf__dhcp_parse(&m, udhcpc_discover, sizeof(udhcpc_discover)), 0);
	assert_int_equal(m.op, 1);
	assert_int_equal(m.htype, 1);
	assert_int_equal(m.hlen, 6);
	assert_int_equal(m.xid, 0x3e80c555);
	assert_int_equal(m.flags, 0);
	assert_ip_equal(m.ciaddr, 0);
	assert_ip_equal(m.yiaddr, 0);
	assert_ip_equal(m.siaddr, 0);
	assert_ip_equal(m.giaddr, 0);
	assert_mac_equal(m.chaddr, vmac);
	assert_int_equal(m.msg_type, VF__DHCPDISCOVER);
	assert_ip_equal(m.requested_ip, 0);
	assert_ip_equal(m.server_id, 0);
	assert_int_equal(m.max_size, 576);
	assert_int_equal(m.client_id_len, sizeof(cid));
	assert_memory_equal(m.client_id, cid, sizeof(cid));
	assert_int_equal(m.prl_len, sizeof(prl));
	assert_memory_equal(m.prl, prl, sizeof(prl));
}

static void test_packet_dhcp_parse_udhcpc_request(void **state)
{
	struct vf__dhcp_msg m;

	(void)state;
	assert_int_equal(vf__dhcp_parse(&m, udhcpc_request, sizeof(udhcpc_request)), 0);
	assert_int_equal(m.xid, 0x3e80c555);
	assert_int_equal(m.msg_type, VF__DHCPREQUEST);
	assert_ip_equal(m.ciaddr, 0);
	assert_ip_equal(m.requested_ip, IP4(10, 1, 1, 5));
	assert_ip_equal(m.server_id, IP4(10, 1, 1, 1));
	assert_int_equal(m.max_size, 576);
	assert_int_equal(m.client_id_len, 7);
	assert_int_equal(m.prl_len, 7);
	assert_mac_equal(m.chaddr, vmac);
}

static void test_packet_dhcp_parse_udhcpc_renew(void **state)
{
	struct vf__dhcp_msg m;

	(void)state;
	assert_int_equal(vf__dhcp_parse(&m, udhcpc_renew, sizeof(udhcpc_renew)), 0);
	assert_int_equal(m.msg_type, VF__DHCPREQUEST);
	assert_ip_equal(m.ciaddr, IP4(10, 1, 1, 5));
	assert_ip_equal(m.requested_ip, 0);
	assert_ip_equal(m.server_id, 0);
	assert_int_equal(m.max_size, 576);
}

static void test_packet_dhcp_parse_udhcpc_release_decline(void **state)
{
	static const uint8_t cid[] = {0x01, VMAC_BYTES};
	struct vf__dhcp_msg m;

	(void)state;
	assert_int_equal(vf__dhcp_parse(&m, udhcpc_release, sizeof(udhcpc_release)), 0);
	assert_int_equal(m.xid, 0x696d0754);
	assert_int_equal(m.msg_type, VF__DHCPRELEASE);
	assert_ip_equal(m.ciaddr, IP4(10, 1, 1, 5));
	assert_ip_equal(m.server_id, IP4(10, 1, 1, 1));
	assert_ip_equal(m.requested_ip, 0);
	assert_int_equal(m.prl_len, 0);
	assert_int_equal(m.client_id_len, sizeof(cid));
	assert_memory_equal(m.client_id, cid, sizeof(cid));

	assert_int_equal(vf__dhcp_parse(&m, udhcpc_decline, sizeof(udhcpc_decline)), 0);
	assert_int_equal(m.xid, 0x56be4417);
	assert_int_equal(m.msg_type, VF__DHCPDECLINE);
	assert_ip_equal(m.ciaddr, 0);
	assert_ip_equal(m.requested_ip, IP4(10, 1, 1, 5));
	assert_ip_equal(m.server_id, IP4(10, 1, 1, 1));
	assert_mac_equal(m.chaddr, vmac);
}

static void test_packet_dhcp_parse_dhclient(void **state)
{
	static const uint8_t prl[] = {1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42};
	struct vf__dhcp_msg m;

	(void)state;
	assert_int_equal(vf__dhcp_parse(&m, dhclient_discover, sizeof(dhclient_discover)),
			 0);
	assert_int_equal(m.xid, 0x91b4707d);
	assert_int_equal(m.msg_type, VF__DHCPDISCOVER);
	assert_int_equal(m.max_size, 0);
	assert_int_equal(m.client_id_len, 0);
	assert_int_equal(m.prl_len, sizeof(prl));
	assert_memory_equal(m.prl, prl, sizeof(prl));
	assert_mac_equal(m.chaddr, vmac);

	assert_int_equal(vf__dhcp_parse(&m, dhclient_request, sizeof(dhclient_request)),
			 0);
	assert_int_equal(m.msg_type, VF__DHCPREQUEST);
	assert_ip_equal(m.requested_ip, IP4(10, 1, 1, 5));
	assert_ip_equal(m.server_id, IP4(10, 1, 1, 1));

	assert_int_equal(vf__dhcp_parse(&m, dhclient_reboot, sizeof(dhclient_reboot)), 0);
	assert_int_equal(m.xid, 0xe4896127);
	assert_int_equal(m.msg_type, VF__DHCPREQUEST);
	assert_ip_equal(m.ciaddr, 0);
	assert_ip_equal(m.requested_ip, IP4(10, 1, 1, 5));
	assert_ip_equal(m.server_id, 0);

	assert_int_equal(
		vf__dhcp_parse(&m, dhclient_reboot_other, sizeof(dhclient_reboot_other)),
		0);
	assert_int_equal(m.xid, 0x6e6b691c);
	assert_ip_equal(m.requested_ip, IP4(10, 1, 1, 9));
	assert_ip_equal(m.server_id, 0);
}

static void test_packet_dhcp_parse_dhcpcd_inform(void **state)
{
	static const uint8_t prl[] = {1, 3, 28, 33, 51};
	struct vf__dhcp_msg m;

	(void)state;
	/* 314 bytes: the end option is the last byte, no padding */
	assert_int_equal(sizeof(dhcpcd_inform), 314);
	assert_int_equal(dhcpcd_inform[313], 255);
	assert_int_equal(vf__dhcp_parse(&m, dhcpcd_inform, sizeof(dhcpcd_inform)), 0);
	assert_int_equal(m.xid, 0x3ee1a4e0);
	assert_int_equal(m.msg_type, VF__DHCPINFORM);
	assert_ip_equal(m.ciaddr, IP4(10, 1, 1, 5));
	assert_int_equal(m.max_size, 1472);
	assert_int_equal(m.prl_len, sizeof(prl));
	assert_memory_equal(m.prl, prl, sizeof(prl));
	assert_int_equal(m.client_id_len, 0); /* options 60 and 145 skipped */
	assert_mac_equal(m.chaddr, vmac);
}

static void test_packet_dhcp_parse_server_reply_refused(void **state)
{
	struct vf__dhcp_msg m;

	(void)state;
	assert_int_equal(vf__dhcp_parse(&m, udhcpd_offer, sizeof(udhcpd_offer)),
			 VF__DHCP_EOP);
	/* the fixed part was read, the options were not */
	assert_int_equal(m.op, 2);
	assert_int_equal(m.xid, 0x3e80c555);
	assert_ip_equal(m.yiaddr, IP4(10, 1, 1, 5));
	assert_int_equal(m.msg_type, 0);
}

/* ---- parse errors ---- */

static void test_packet_dhcp_parse_truncated_fixed_part(void **state)
{
	struct vf__dhcp_msg m;
	uint32_t len;

	(void)state;
	for (len = 0; len < VF__DHCP_FIXED_LEN; len++) {
		memset(&m, 0x5a, sizeof(m));
		if (vf__dhcp_parse(&m, udhcpc_discover, len) != VF__DHCP_ETRUNC)
			fail_msg("length %u: not VF__DHCP_ETRUNC", len);
		assert_int_equal(m.xid, 0); /* cleared, not left stale */
	}
	/* the fixed part is there, the cookie is not (whole or partly) */
	for (; len < VF__DHCP_MIN_LEN; len++)
		assert_int_equal(vf__dhcp_parse(&m, udhcpc_discover, len),
				 VF__DHCP_ECOOKIE);
	assert_int_equal(vf__dhcp_parse(&m, udhcpc_discover, VF__DHCP_MIN_LEN), 0);
	assert_int_equal(m.msg_type, 0); /* no options: plain BOOTP */
	assert_int_equal(vf__dhcp_parse(&m, NULL, 0), VF__DHCP_ETRUNC);
}

static void test_packet_dhcp_parse_truncated_options(void **state)
{
	/* udhcpc's options: 53 at 240, 57 at 243, 55 at 247, 12 at 256, 60 at
	 * 261, 61 at 275, end at 284. A cut between two options is a message
	 * without an end option (fine); a cut inside one is truncated. */
	static const uint32_t whole[] = {240, 243, 247, 256, 261, 275, 284};
	struct vf__dhcp_msg m;
	uint32_t len;
	size_t i = 0;

	(void)state;
	for (len = VF__DHCP_MIN_LEN; len <= 284; len++) {
		bool at_boundary =
			i < sizeof(whole) / sizeof(whole[0]) && whole[i] == len;
		int rc = vf__dhcp_parse(&m, udhcpc_discover, len);

		if (at_boundary)
			i++;
		if (rc != (at_boundary ? 0 : VF__DHCP_ETRUNC))
			fail_msg("length %u: rc %d", len, rc);
	}
	for (; len <= sizeof(udhcpc_discover); len++)
		assert_int_equal(vf__dhcp_parse(&m, udhcpc_discover, len), 0);
	assert_int_equal(vf__dhcp_parse(&m, udhcpc_discover, 256), 0);
	assert_int_equal(m.msg_type, VF__DHCPDISCOVER);
	assert_int_equal(m.max_size, 576);
	assert_int_equal(m.prl_len, 7);
	assert_int_equal(m.client_id_len, 0);
}

static void test_packet_dhcp_parse_bad_cookie(void **state)
{
	struct vf__dhcp_msg m;
	uint8_t copy[sizeof(udhcpc_discover)];

	(void)state;
	for (int i = 0; i < 4; i++) {
		memcpy(copy, udhcpc_discover, sizeof(copy));
		copy[236 + i] ^= 0x01;
		assert_int_equal(vf__dhcp_parse(&m, copy, sizeof(copy)),
				 VF__DHCP_ECOOKIE);
	}
	/* a BOOTP vend field of zeros */
	memcpy(copy, udhcpc_discover, sizeof(copy));
	memset(copy + 236, 0, sizeof(copy) - 236);
	assert_int_equal(vf__dhcp_parse(&m, copy, sizeof(copy)), VF__DHCP_ECOOKIE);
}

static void test_packet_dhcp_parse_op(void **state)
{
	static const uint8_t ops[] = {0, 2, 3, 255};
	struct vf__dhcp_msg m;
	uint8_t copy[sizeof(udhcpc_discover)];

	(void)state;
	for (size_t i = 0; i < sizeof(ops); i++) {
		memcpy(copy, udhcpc_discover, sizeof(copy));
		copy[0] = ops[i];
		assert_int_equal(vf__dhcp_parse(&m, copy, sizeof(copy)), VF__DHCP_EOP);
		assert_int_equal(m.op, ops[i]);
	}
	/* op is judged before the cookie and the options */
	copy[0] = 2;
	assert_int_equal(vf__dhcp_parse(&m, copy, VF__DHCP_FIXED_LEN), VF__DHCP_EOP);
	copy[236] = 0;
	assert_int_equal(vf__dhcp_parse(&m, copy, sizeof(copy)), VF__DHCP_EOP);
}

static void test_packet_dhcp_parse_chaddr_only_ethernet(void **state)
{
	static const vf_mac zero = {{0}};
	struct vf__dhcp_msg m;
	uint8_t copy[sizeof(udhcpc_discover)];

	(void)state;
	memcpy(copy, udhcpc_discover, sizeof(copy));
	copy[1] = 6; /* IEEE 802 */
	assert_int_equal(vf__dhcp_parse(&m, copy, sizeof(copy)), 0);
	assert_int_equal(m.htype, 6);
	assert_int_equal(m.hlen, 6);
	assert_mac_equal(m.chaddr, zero);

	copy[1] = 1;
	copy[2] = 16;
	assert_int_equal(vf__dhcp_parse(&m, copy, sizeof(copy)), 0);
	assert_int_equal(m.htype, 1);
	assert_int_equal(m.hlen, 16);
	assert_mac_equal(m.chaddr, zero);
	assert_int_equal(m.msg_type, VF__DHCPDISCOVER);
}

static void test_packet_dhcp_parse_option_overrun(void **state)
{
	struct vf__dhcp_msg m;

	(void)state;
	/* a code without its length byte */
	assert_int_equal(PARSE_OPTS(&m, 53, 1, 1, 12), VF__DHCP_ETRUNC);
	/* a length past the end, by one */
	assert_int_equal(PARSE_OPTS(&m, 53, 1, 1, 12, 3, 'v', 'm'), VF__DHCP_ETRUNC);
	assert_int_equal(PARSE_OPTS(&m, 53, 2, 1), VF__DHCP_ETRUNC);
	assert_int_equal(PARSE_OPTS(&m, 200, 255, 0, 0), VF__DHCP_ETRUNC);
	/* exactly to the end, no end option */
	assert_int_equal(PARSE_OPTS(&m, 53, 1, 1, 12, 3, 'v', 'm', '1'), 0);
	assert_int_equal(m.msg_type, VF__DHCPDISCOVER);
	/* an empty option at the very end */
	assert_int_equal(PARSE_OPTS(&m, 53, 1, 3, 200, 0), 0);
	assert_int_equal(m.msg_type, VF__DHCPREQUEST);
}

static void test_packet_dhcp_parse_option_lengths(void **state)
{
	struct vf__dhcp_msg m;

	(void)state;
	/* 53: one byte */
	assert_int_equal(PARSE_OPTS(&m, 53, 0, 255), VF__DHCP_EOPTION);
	assert_int_equal(PARSE_OPTS(&m, 53, 2, 1, 1, 255), VF__DHCP_EOPTION);
	/* 50 and 54: four bytes */
	assert_int_equal(PARSE_OPTS(&m, 53, 1, 3, 50, 3, 10, 1, 1, 255),
			 VF__DHCP_EOPTION);
	assert_int_equal(PARSE_OPTS(&m, 53, 1, 3, 50, 5, 10, 1, 1, 5, 0, 255),
			 VF__DHCP_EOPTION);
	assert_int_equal(PARSE_OPTS(&m, 53, 1, 3, 54, 3, 10, 1, 1, 255),
			 VF__DHCP_EOPTION);
	assert_int_equal(PARSE_OPTS(&m, 53, 1, 3, 54, 5, 10, 1, 1, 1, 0, 255),
			 VF__DHCP_EOPTION);
	assert_int_equal(PARSE_OPTS(&m, 50, 0, 255), VF__DHCP_EOPTION);
	/* 57: two bytes */
	assert_int_equal(PARSE_OPTS(&m, 57, 1, 2, 255), VF__DHCP_EOPTION);
	assert_int_equal(PARSE_OPTS(&m, 57, 3, 2, 64, 0, 255), VF__DHCP_EOPTION);
	/* 61: at least two bytes */
	assert_int_equal(PARSE_OPTS(&m, 61, 0, 255), VF__DHCP_EOPTION);
	assert_int_equal(PARSE_OPTS(&m, 61, 1, 1, 255), VF__DHCP_EOPTION);
	assert_int_equal(PARSE_OPTS(&m, 61, 2, 0, 'x', 255), 0);
	assert_int_equal(m.client_id_len, 2);
	assert_int_equal(m.client_id[1], 'x');
	/* 55: at least one byte */
	assert_int_equal(PARSE_OPTS(&m, 55, 0, 255), VF__DHCP_EOPTION);
	assert_int_equal(PARSE_OPTS(&m, 55, 1, 1, 255), 0);
	assert_int_equal(m.prl_len, 1);
	assert_int_equal(m.prl[0], 1);
	/* 52: one byte, 1 to 3 */
	assert_int_equal(PARSE_OPTS(&m, 52, 0, 255), VF__DHCP_EOPTION);
	assert_int_equal(PARSE_OPTS(&m, 52, 2, 1, 0, 255), VF__DHCP_EOPTION);
	assert_int_equal(PARSE_OPTS(&m, 52, 1, 0, 255), VF__DHCP_EOPTION);
	assert_int_equal(PARSE_OPTS(&m, 52, 1, 4, 255), VF__DHCP_EOPTION);
	/* other options may have any length */
	assert_int_equal(PARSE_OPTS(&m, 12, 0, 1, 0, 51, 1, 9, 255), 0);
	assert_msg_zero_options(&m);
}

static void test_packet_dhcp_parse_option_values(void **state)
{
	uint8_t opts[2 + 255 + 2 + 255 + 1];
	struct vf__dhcp_msg m;

	(void)state;
	assert_int_equal(PARSE_OPTS(&m, 53, 1, 8, 50, 4, 192, 168, 100, 254, 54, 4, 255,
				    255, 255, 255, 57, 2, 0xff, 0xff, 255),
			 0);
	assert_int_equal(m.msg_type, VF__DHCPINFORM);
	assert_ip_equal(m.requested_ip, IP4(192, 168, 100, 254));
	assert_ip_equal(m.server_id, 0xffffffff);
	assert_int_equal(m.max_size, 0xffff);

	/* the longest client id and parameter list */
	opts[0] = 61;
	opts[1] = 255;
	for (int i = 0; i < 255; i++)
		opts[2 + i] = (uint8_t)i;
	opts[257] = 55;
	opts[258] = 255;
	for (int i = 0; i < 255; i++)
		opts[259 + i] = (uint8_t)(255 - i);
	opts[514] = 255;
	assert_int_equal(parse_opts(&m, opts, sizeof(opts)), 0);
	assert_int_equal(m.client_id_len, 255);
	assert_memory_equal(m.client_id, opts + 2, 255);
	assert_int_equal(m.prl_len, 255);
	assert_memory_equal(m.prl, opts + 259, 255);
}

static void test_packet_dhcp_parse_pad_end_unknown(void **state)
{
	struct vf__dhcp_msg m;

	(void)state;
	/* pads anywhere; unknown options skipped; a repeated option keeps its
	 * last value */
	assert_int_equal(PARSE_OPTS(&m, 0, 0, 53, 1, 1, 0, 200, 5, 53, 1, 2, 3, 4, 0, 53,
				    1, 3, 255),
			 0);
	assert_int_equal(m.msg_type, VF__DHCPREQUEST);
	/* nothing after the end option is read, however broken */
	assert_int_equal(PARSE_OPTS(&m, 53, 1, 1, 255, 53, 1, 7, 54, 9), 0);
	assert_int_equal(m.msg_type, VF__DHCPDISCOVER);
	assert_int_equal(m.server_id, 0);
	/* only pads; an end at once */
	assert_int_equal(PARSE_OPTS(&m, 0, 0, 0), 0);
	assert_msg_zero_options(&m);
	assert_int_equal(PARSE_OPTS(&m, 255), 0);
	assert_msg_zero_options(&m);
	/* a message parsed before does not leak into the next one */
	assert_int_equal(PARSE_OPTS(&m, 53, 1, 1, 61, 2, 1, 2, 55, 1, 3, 255), 0);
	assert_int_equal(PARSE_OPTS(&m, 255), 0);
	assert_msg_zero_options(&m);
}

/* ---- option overload (52) ---- */

static void test_packet_dhcp_parse_overload_file(void **state)
{
	static const uint8_t file[] = {53, 1, 3, 50, 4, 10, 1, 1, 5, 255};
	struct vf__dhcp_msg m;
	uint32_t len;

	(void)state;
	len = synth((const uint8_t[]){53, 1, 1, 52, 1, 1, 255}, 7);
	memcpy(buf + OFF_FILE, file, sizeof(file));
	/* the file field's options come after (and override) the main ones */
	assert_int_equal(vf__dhcp_parse(&m, buf, len), 0);
	assert_int_equal(m.msg_type, VF__DHCPREQUEST);
	assert_ip_equal(m.requested_ip, IP4(10, 1, 1, 5));

	/* without option 52 the file field is a file name */
	len = synth((const uint8_t[]){53, 1, 1, 255}, 4);
	memcpy(buf + OFF_FILE, file, sizeof(file));
	assert_int_equal(vf__dhcp_parse(&m, buf, len), 0);
	assert_int_equal(m.msg_type, VF__DHCPDISCOVER);
	assert_ip_equal(m.requested_ip, 0);

	/* overload 1 does not read sname */
	len = synth((const uint8_t[]){53, 1, 1, 52, 1, 1, 255}, 7);
	memcpy(buf + OFF_SNAME, file, sizeof(file));
	assert_int_equal(vf__dhcp_parse(&m, buf, len), 0);
	assert_int_equal(m.msg_type, VF__DHCPDISCOVER);
}

static void test_packet_dhcp_parse_overload_sname_and_both(void **state)
{
	static const uint8_t sname[] = {54, 4, 10, 1, 1, 1, 53, 1, 8};
	static const uint8_t file[] = {53, 1, 3, 57, 2, 5, 220, 255};
	struct vf__dhcp_msg m;
	uint32_t len;

	(void)state;
	len = synth((const uint8_t[]){52, 1, 2, 53, 1, 1}, 6);
	memcpy(buf + OFF_SNAME, sname, sizeof(sname));
	memcpy(buf + OFF_FILE, file, sizeof(file));
	assert_int_equal(vf__dhcp_parse(&m, buf, len), 0);
	assert_int_equal(m.msg_type, VF__DHCPINFORM); /* from sname */
	assert_ip_equal(m.server_id, IP4(10, 1, 1, 1));
	assert_int_equal(m.max_size, 0); /* file not read */

	/* 3: file, then sname (RFC 2131 §4.1): sname's 53 is the last one */
	len = synth((const uint8_t[]){52, 1, 3, 53, 1, 1}, 6);
	memcpy(buf + OFF_SNAME, sname, sizeof(sname));
	memcpy(buf + OFF_FILE, file, sizeof(file));
	assert_int_equal(vf__dhcp_parse(&m, buf, len), 0);
	assert_int_equal(m.msg_type, VF__DHCPINFORM);
	assert_ip_equal(m.server_id, IP4(10, 1, 1, 1));
	assert_int_equal(m.max_size, 1500);
}

static void test_packet_dhcp_parse_overload_errors(void **state)
{
	struct vf__dhcp_msg m;
	uint32_t len;

	(void)state;
	/* an option running past the file field is truncated, even though
	 * the message goes on (the cookie follows) */
	len = synth((const uint8_t[]){52, 1, 1, 255}, 4);
	buf[OFF_FILE + 126] = 12;
	buf[OFF_FILE + 127] = 2;
	assert_int_equal(vf__dhcp_parse(&m, buf, len), VF__DHCP_ETRUNC);
	buf[OFF_FILE + 127] = 0; /* an empty option exactly at the end */
	assert_int_equal(vf__dhcp_parse(&m, buf, len), 0);
	buf[OFF_FILE + 126] = 0;
	buf[OFF_FILE + 127] = 12; /* a code without its length */
	assert_int_equal(vf__dhcp_parse(&m, buf, len), VF__DHCP_ETRUNC);

	/* and past the sname field into file */
	len = synth((const uint8_t[]){52, 1, 2, 255}, 4);
	buf[OFF_SNAME + 62] = 12;
	buf[OFF_SNAME + 63] = 1;
	assert_int_equal(vf__dhcp_parse(&m, buf, len), VF__DHCP_ETRUNC);

	/* a bad length in an overloaded field */
	len = synth((const uint8_t[]){52, 1, 2, 255}, 4);
	memcpy(buf + OFF_SNAME, (const uint8_t[]){53, 2, 1, 1}, 4);
	assert_int_equal(vf__dhcp_parse(&m, buf, len), VF__DHCP_EOPTION);
	len = synth((const uint8_t[]){52, 1, 1, 255}, 4);
	memcpy(buf + OFF_FILE, (const uint8_t[]){0, 0, 54, 2, 1, 1}, 6);
	assert_int_equal(vf__dhcp_parse(&m, buf, len), VF__DHCP_EOPTION);

	/* an error in the main options stops before the fields */
	len = synth((const uint8_t[]){52, 1, 1, 53, 0, 255}, 6);
	assert_int_equal(vf__dhcp_parse(&m, buf, len), VF__DHCP_EOPTION);
}

static void test_packet_dhcp_parse_overload_not_nested(void **state)
{
	struct vf__dhcp_msg m;
	uint32_t len;

	(void)state;
	/* a 52 inside the file field is not honoured (nor checked) */
	len = synth((const uint8_t[]){52, 1, 1, 255}, 4);
	memcpy(buf + OFF_FILE, (const uint8_t[]){52, 1, 2, 52, 1, 9, 255}, 7);
	memcpy(buf + OFF_SNAME, (const uint8_t[]){53, 1, 1, 255}, 4);
	assert_int_equal(vf__dhcp_parse(&m, buf, len), 0);
	assert_int_equal(m.msg_type, 0);
	/* the last 52 of the main options counts */
	len = synth((const uint8_t[]){52, 1, 1, 52, 1, 2, 255}, 7);
	memcpy(buf + OFF_SNAME, (const uint8_t[]){53, 1, 1, 255}, 4);
	memcpy(buf + OFF_FILE, (const uint8_t[]){53, 1, 3, 255}, 4);
	assert_int_equal(vf__dhcp_parse(&m, buf, len), 0);
	assert_int_equal(m.msg_type, VF__DHCPDISCOVER);
}

/* ---- names ---- */

static void test_packet_dhcp_names(void **state)
{
	(void)state;
	assert_string_equal(vf__dhcp_strerror(0), "ok");
	assert_string_equal(vf__dhcp_strerror(VF__DHCP_ETRUNC),
			    "truncated DHCP message or option");
	assert_string_equal(vf__dhcp_strerror(VF__DHCP_ECOOKIE), "no DHCP magic cookie");
	assert_string_equal(vf__dhcp_strerror(VF__DHCP_EOPTION),
			    "DHCP option of a wrong length or value");
	assert_string_equal(vf__dhcp_strerror(VF__DHCP_EOP), "not a BOOTREQUEST");
	assert_string_equal(vf__dhcp_strerror(-5), "unknown DHCP parse result");
	assert_string_equal(vf__dhcp_strerror(1), "unknown DHCP parse result");

	assert_string_equal(vf__dhcp_type_name(0), "BOOTP");
	assert_string_equal(vf__dhcp_type_name(VF__DHCPDISCOVER), "DHCPDISCOVER");
	assert_string_equal(vf__dhcp_type_name(VF__DHCPOFFER), "DHCPOFFER");
	assert_string_equal(vf__dhcp_type_name(VF__DHCPREQUEST), "DHCPREQUEST");
	assert_string_equal(vf__dhcp_type_name(VF__DHCPDECLINE), "DHCPDECLINE");
	assert_string_equal(vf__dhcp_type_name(VF__DHCPACK), "DHCPACK");
	assert_string_equal(vf__dhcp_type_name(VF__DHCPNAK), "DHCPNAK");
	assert_string_equal(vf__dhcp_type_name(VF__DHCPRELEASE), "DHCPRELEASE");
	assert_string_equal(vf__dhcp_type_name(VF__DHCPINFORM), "DHCPINFORM");
	assert_string_equal(vf__dhcp_type_name(9), "unknown");
	assert_string_equal(vf__dhcp_type_name(255), "unknown");
}

/* ---- building ---- */

/* The configuration of udhcpd in dhcp_captures.h, plus a second DNS
 * server, an MTU and the broadcast address. */
static struct vf__dhcp_reply full_reply(uint8_t type)
{
	return (struct vf__dhcp_reply){
		.msg_type = type,
		.yiaddr = IP4(10, 1, 1, 5),
		.server_id = IP4(10, 1, 1, 1),
		.subnet_mask = IP4(255, 255, 255, 0),
		.router = IP4(10, 1, 1, 1),
		.broadcast = IP4(10, 1, 1, 255),
		.lease_time = 3600,
		.dns = {IP4(10, 1, 1, 1), IP4(9, 9, 9, 9)},
		.ndns = 2,
		.domain = "blue.example",
		.mtu = 1450,
	};
}

/* The options of full_reply() after 53 and 54, as scapy decodes them:
 * subnet_mask, router, name_server x2, domain, interface-mtu,
 * broadcast_address, lease_time 3600, renewal_time 1800,
 * rebinding_time 3150, end. */
#define FULL_CONFIG_OPTS                                                               \
	1, 4, 255, 255, 255, 0, 3, 4, 10, 1, 1, 1, 6, 8, 10, 1, 1, 1, 9, 9, 9, 9, 15,  \
		12, 'b', 'l', 'u', 'e', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', 26, 2, \
		0x05, 0xaa, 28, 4, 10, 1, 1, 255
#define FULL_LEASE_OPTS \
	51, 4, 0, 0, 0x0e, 0x10, 58, 4, 0, 0, 0x07, 0x08, 59, 4, 0, 0, 0x0c, 0x4e

/* Fails unless out[0..len) is the reply with this fixed part (the first
 * 44 bytes), zero sname and file, the cookie, these options, and pads up
 * to @total. */
static void assert_reply(const uint8_t *out, uint32_t len, const uint8_t *hdr,
			 const uint8_t *opts, uint32_t olen, uint32_t total)
{
	static const uint8_t cookie[] = {COOKIE_BYTES};
	uint8_t want[1024] = {0};

	assert_int_equal(len, total);
	assert_true(240 + olen <= total);
	memcpy(want, hdr, 44);
	memcpy(want + 236, cookie, sizeof(cookie));
	memcpy(want + 240, opts, olen);
	assert_memory_equal(out, want, total);
}

#define ASSERT_REPLY(out, len, hdr, total, ...)                           \
	assert_reply((out), (len), (hdr), (const uint8_t[]){__VA_ARGS__}, \
		     sizeof((const uint8_t[]){__VA_ARGS__}), (total))

/* op 2, htype 1, hlen 6, hops 0, xid, secs 0, flags, ciaddr, yiaddr,
 * siaddr 0, giaddr, chaddr (16 bytes). */
#define REPLY_HDR(xid, flags, ci, yi, gi)                                                \
	2, 1, 6, 0, xid, 0, 0, flags, ci, yi, 0, 0, 0, 0, gi, VMAC_BYTES, 0, 0, 0, 0, 0, \
		0, 0, 0, 0, 0

#define XID_UDHCPC 0x3e, 0x80, 0xc5, 0x55
#define XID_DHCLIENT 0x91, 0xb4, 0x70, 0x7d
#define XID_DHCPCD 0x3e, 0xe1, 0xa4, 0xe0
#define XID_REBOOT_OTHER 0x6e, 0x6b, 0x69, 0x1c
#define XID_SYNTH 1, 2, 3, 4
#define FLAGS_BROADCAST 0x80, 0
#define IP_NONE 0, 0, 0, 0
#define IP_VIP 10, 1, 1, 5
#define IP_HOST7 10, 1, 1, 7
#define IP_RELAY 10, 9, 9, 9
#define NO_FLAGS 0, 0

static void test_packet_dhcp_build_offer(void **state)
{
	static const uint8_t hdr[44] = {
		REPLY_HDR(XID_UDHCPC, NO_FLAGS, IP_NONE, IP_VIP, IP_NONE)};
	struct vf__dhcp_msg req = PARSED(udhcpc_discover);
	struct vf__dhcp_reply r = full_reply(VF__DHCPOFFER);
	uint8_t out[600];
	uint32_t len;

	(void)state;
	memset(out, 0xa5, sizeof(out));
	len = vf__dhcp_build(out, sizeof(out), &req, &r);
	/* 314 bytes: longer than 300, so no padding after the end option */
	ASSERT_REPLY(out, len, hdr, 314, 53, 1, VF__DHCPOFFER, 54, 4, 10, 1, 1, 1,
		     FULL_CONFIG_OPTS, FULL_LEASE_OPTS, 255);
	assert_int_equal(out[314], 0xa5);
	/* the parser takes no replies */
	assert_int_equal(vf__dhcp_parse(&req, out, len), VF__DHCP_EOP);
}

static void test_packet_dhcp_build_ack(void **state)
{
	static const uint8_t hdr[44] = {
		REPLY_HDR(XID_UDHCPC, NO_FLAGS, IP_NONE, IP_VIP, IP_NONE)};
	static const uint8_t hdr_renew[44] = {
		REPLY_HDR(XID_UDHCPC, NO_FLAGS, IP_VIP, IP_VIP, IP_NONE)};
	struct vf__dhcp_msg req = PARSED(udhcpc_request);
	struct vf__dhcp_reply r = full_reply(VF__DHCPACK);
	uint8_t out[600];
	uint32_t len;

	(void)state;
	/* secs (2 in the request) is not copied */
	assert_int_equal(udhcpc_request[9], 2);
	len = vf__dhcp_build(out, sizeof(out), &req, &r);
	ASSERT_REPLY(out, len, hdr, 314, 53, 1, VF__DHCPACK, 54, 4, 10, 1, 1, 1,
		     FULL_CONFIG_OPTS, FULL_LEASE_OPTS, 255);

	/* renewing: an ACK echoes ciaddr (RFC 2131 table 3) */
	req = PARSED(udhcpc_renew);
	len = vf__dhcp_build(out, sizeof(out), &req, &r);
	ASSERT_REPLY(out, len, hdr_renew, 314, 53, 1, VF__DHCPACK, 54, 4, 10, 1, 1, 1,
		     FULL_CONFIG_OPTS, FULL_LEASE_OPTS, 255);
}

static void test_packet_dhcp_build_ack_inform(void **state)
{
	static const uint8_t hdr[44] = {
		REPLY_HDR(XID_DHCPCD, NO_FLAGS, IP_VIP, IP_NONE, IP_NONE)};
	struct vf__dhcp_msg req = PARSED(dhcpcd_inform);
	struct vf__dhcp_reply r = full_reply(VF__DHCPACK);
	uint8_t out[600];
	uint32_t len;

	(void)state;
	r.yiaddr = 0;
	r.lease_time = 0;
	len = vf__dhcp_build(out, sizeof(out), &req, &r);
	/* no lease, T1, T2; 296 bytes padded to 300 */
	ASSERT_REPLY(out, len, hdr, 300, 53, 1, VF__DHCPACK, 54, 4, 10, 1, 1, 1,
		     FULL_CONFIG_OPTS, 255);
	assert_int_equal(out[295], 255);
}

static void test_packet_dhcp_build_nak(void **state)
{
	static const uint8_t hdr[44] = {
		REPLY_HDR(XID_REBOOT_OTHER, NO_FLAGS, IP_NONE, IP_NONE, IP_NONE)};
	static const char text[] = "requested address is not this client's";
	struct vf__dhcp_msg req = PARSED(dhclient_reboot_other);
	/* a NAK carries no configuration, and yiaddr and ciaddr are 0 */
	struct vf__dhcp_reply r = full_reply(VF__DHCPNAK);
	uint8_t out[600];
	uint32_t len;

	(void)state;
	req.ciaddr = IP4(10, 1, 1, 9);
	len = vf__dhcp_build(out, sizeof(out), &req, &r);
	assert_int_equal(sizeof(text) - 1, 38);
	ASSERT_REPLY(out, len, hdr, 300, 53, 1, VF__DHCPNAK, 54, 4, 10, 1, 1, 1, 56, 38,
		     'r', 'e', 'q', 'u', 'e', 's', 't', 'e', 'd', ' ', 'a', 'd', 'd', 'r',
		     'e', 's', 's', ' ', 'i', 's', ' ', 'n', 'o', 't', ' ', 't', 'h', 'i',
		     's', ' ', 'c', 'l', 'i', 'e', 'n', 't', '\'', 's', 255);
	assert_memory_equal(out + 251, text, 38);
}

static void test_packet_dhcp_build_copies_request_fields(void **state)
{
	static const uint8_t hdr[44] = {
		REPLY_HDR(XID_SYNTH, FLAGS_BROADCAST, IP_NONE, IP_HOST7, IP_RELAY)};
	struct vf__dhcp_msg req;
	struct vf__dhcp_reply r = {
		.msg_type = VF__DHCPOFFER,
		.yiaddr = IP4(10, 1, 1, 7),
		.server_id = IP4(10, 1, 1, 1),
	};
	uint8_t out[600];
	uint32_t len;

	(void)state;
	/* broadcast flag, relay agent, hops, secs and a longer chaddr field */
	assert_int_equal(PARSE_OPTS(&req, 53, 1, 1, 255), 0);
	buf[3] = 1;
	buf[8] = 9;
	buf[10] = 0x80;
	buf[24] = 10, buf[25] = 9, buf[26] = 9, buf[27] = 9;
	memset(buf + 34, 0xee, 10);
	assert_int_equal(vf__dhcp_parse(&req, buf, 244), 0);
	assert_int_equal(req.flags, 0x8000);
	len = vf__dhcp_build(out, sizeof(out), &req, &r);
	/* only 53 and 54: everything else in @r is 0 */
	ASSERT_REPLY(out, len, hdr, 300, 53, 1, VF__DHCPOFFER, 54, 4, 10, 1, 1, 1, 255);
}

static void test_packet_dhcp_build_omits_zero_config(void **state)
{
	static const uint8_t hdr[44] = {
		REPLY_HDR(XID_DHCLIENT, NO_FLAGS, IP_NONE, IP_VIP, IP_NONE)};
	struct vf__dhcp_msg req = PARSED(dhclient_discover);
	struct vf__dhcp_reply r = full_reply(VF__DHCPOFFER);
	uint8_t out[600];
	uint32_t len;

	(void)state;
	/* a link subnet: no router, DNS, domain or MTU; the server id is the
	 * network address */
	r.server_id = IP4(10, 1, 1, 0);
	r.router = 0;
	r.ndns = 0;
	r.domain = "";
	r.mtu = 0;
	len = vf__dhcp_build(out, sizeof(out), &req, &r);
	ASSERT_REPLY(out, len, hdr, 300, 53, 1, VF__DHCPOFFER, 54, 4, 10, 1, 1, 0, 1, 4,
		     255, 255, 255, 0, 28, 4, 10, 1, 1, 255, FULL_LEASE_OPTS, 255);

	/* and without mask, broadcast, lease, or a domain at all */
	r.subnet_mask = 0;
	r.broadcast = 0;
	r.lease_time = 0;
	r.domain = NULL;
	len = vf__dhcp_build(out, sizeof(out), &req, &r);
	ASSERT_REPLY(out, len, hdr, 300, 53, 1, VF__DHCPOFFER, 54, 4, 10, 1, 1, 0, 255);

	/* each alone */
	r.mtu = 576;
	len = vf__dhcp_build(out, sizeof(out), &req, &r);
	ASSERT_REPLY(out, len, hdr, 300, 53, 1, VF__DHCPOFFER, 54, 4, 10, 1, 1, 0, 26, 2,
		     0x02, 0x40, 255);
	r.mtu = 0;
	r.domain = "x";
	len = vf__dhcp_build(out, sizeof(out), &req, &r);
	ASSERT_REPLY(out, len, hdr, 300, 53, 1, VF__DHCPOFFER, 54, 4, 10, 1, 1, 0, 15, 1,
		     'x', 255);
	r.domain = NULL;
	r.ndns = 1;
	len = vf__dhcp_build(out, sizeof(out), &req, &r);
	ASSERT_REPLY(out, len, hdr, 300, 53, 1, VF__DHCPOFFER, 54, 4, 10, 1, 1, 0, 6, 4,
		     10, 1, 1, 1, 255);
}

static void test_packet_dhcp_build_dns_clamped(void **state)
{
	struct vf__dhcp_msg req = PARSED(udhcpc_discover);
	struct vf__dhcp_reply r = {
		.msg_type = VF__DHCPOFFER,
		.server_id = IP4(10, 1, 1, 1),
		.dns = {IP4(1, 1, 1, 1), IP4(2, 2, 2, 2), IP4(3, 3, 3, 3),
			IP4(4, 4, 4, 4)},
		.ndns = 9,
	};
	static const uint8_t want[] = {6, 16, 1, 1, 1, 1, 2, 2, 2,  2,
				       3, 3,  3, 3, 4, 4, 4, 4, 255};
	uint8_t out[600];

	(void)state;
	assert_int_equal(vf__dhcp_build(out, sizeof(out), &req, &r), 300);
	assert_memory_equal(out + 249, want, sizeof(want));
}

/* The lease, T1 and T2 options of a reply built with @lease. */
static void assert_lease(uint32_t lease, uint32_t t1, uint32_t t2)
{
	struct vf__dhcp_msg req = PARSED(udhcpc_discover);
	struct vf__dhcp_reply r = {
		.msg_type = VF__DHCPACK,
		.server_id = IP4(10, 1, 1, 1),
		.lease_time = lease,
	};
	uint8_t out[600];

	assert_int_equal(vf__dhcp_build(out, sizeof(out), &req, &r), 300);
	assert_int_equal(out[249], 51);
	assert_int_equal(out[250], 4);
	assert_int_equal(vf__get32(out + 251), lease);
	assert_int_equal(out[255], 58);
	assert_int_equal(out[256], 4);
	assert_int_equal(vf__get32(out + 257), t1);
	assert_int_equal(out[261], 59);
	assert_int_equal(out[262], 4);
	assert_int_equal(vf__get32(out + 263), t2);
	assert_int_equal(out[267], 255);
}

static void test_packet_dhcp_build_t1_t2(void **state)
{
	(void)state;
	assert_lease(3600, 1800, 3150);
	assert_lease(86400, 43200, 75600);
	assert_lease(1, 0, 0);
	assert_lease(9, 4, 7);
	/* lease * 7 needs 64 bits */
	assert_lease(0xfffffffe, 0x7fffffff, 0xdffffffe);
	/* infinite (RFC 2131 §3.3): the client never renews */
	assert_lease(0xffffffff, 0xffffffff, 0xffffffff);
}

/* Builds the full OFFER with four DNS servers and a domain of @n bytes
 * for a client whose option 57 says @max_size. */
static uint32_t build_domain(uint8_t *out, uint16_t max_size, size_t n)
{
	static char name[300];
	struct vf__dhcp_msg req = PARSED(udhcpc_discover);
	struct vf__dhcp_reply r = full_reply(VF__DHCPOFFER);

	memset(name, 'a', n);
	name[n] = 0;
	r.domain = name;
	r.ndns = 4;
	req.max_size = max_size;
	memset(out, 0xa5, 1024);
	return vf__dhcp_build(out, 1024, &req, &r);
}

static void test_packet_dhcp_build_long_domain(void **state)
{
	uint8_t out[1024];

	(void)state;
	/* 308 bytes without a domain, which would be at 279 after four DNS
	 * servers; a domain of n bytes adds n + 2 */
	assert_int_equal(build_domain(out, 576, 0), 308);
	assert_int_equal(out[279], 26);
	/* udhcpc takes 576-byte datagrams (its option 57): 548 bytes of DHCP,
	 * so a 238-byte domain fits and a 239-byte one is left out */
	assert_int_equal(build_domain(out, 576, 238), 548);
	assert_int_equal(out[279], 15);
	assert_int_equal(out[280], 238);
	assert_int_equal(out[281 + 238], 26);
	assert_int_equal(build_domain(out, 576, 239), 308);
	assert_int_equal(out[279], 26);
	/* measured before it is written: nothing past the reply is touched */
	for (int i = 308; i < 1024; i++)
		assert_int_equal(out[i], 0xa5);
	/* the same without option 57, or with one below the minimum */
	assert_int_equal(build_domain(out, 0, 238), 548);
	assert_int_equal(build_domain(out, 0, 239), 308);
	assert_int_equal(build_domain(out, 300, 238), 548);
	assert_int_equal(build_domain(out, 300, 239), 308);
	/* 604: 576 bytes of DHCP */
	assert_int_equal(build_domain(out, 604, 266), 308); /* too long anyway */
	assert_int_equal(build_domain(out, 604, 250), 560);
	/* a client that takes more gets a domain of up to 255 bytes */
	assert_int_equal(build_domain(out, 1500, 255), 565);
	assert_int_equal(out[279], 15);
	assert_int_equal(out[280], 255);
	for (int i = 0; i < 255; i++)
		assert_int_equal(out[281 + i], 'a');
	assert_int_equal(out[281 + 255], 26);
	/* longer than an option can hold: left out */
	assert_int_equal(build_domain(out, 1500, 256), 308);
	assert_int_equal(build_domain(out, 1500, 299), 308);
}

static void test_packet_dhcp_build_cap(void **state)
{
	struct vf__dhcp_msg req = PARSED(udhcpc_discover);
	struct vf__dhcp_reply offer = full_reply(VF__DHCPOFFER);
	struct vf__dhcp_reply nak = full_reply(VF__DHCPNAK);
	uint8_t want[600], out[600];
	uint32_t cap, len;

	(void)state;
	len = vf__dhcp_build(want, sizeof(want), &req, &offer);
	assert_int_equal(len, 314);
	/* every cap short of the length: 0, and nothing written past cap */
	for (cap = 0; cap < len; cap++) {
		memset(out, 0xa5, sizeof(out));
		if (vf__dhcp_build(out, cap, &req, &offer) != 0)
			fail_msg("cap %u: not 0", cap);
		for (uint32_t i = cap; i < sizeof(out); i++)
			if (out[i] != 0xa5)
				fail_msg("cap %u: byte %u written", cap, i);
	}
	assert_int_equal(vf__dhcp_build(out, len, &req, &offer), len);
	assert_memory_equal(out, want, len);
	/* padding counts: a NAK needs 300 */
	assert_int_equal(vf__dhcp_build(out, 299, &req, &nak), 0);
	assert_int_equal(vf__dhcp_build(out, 300, &req, &nak), 300);
	assert_int_equal(vf__dhcp_build(NULL, 0, &req, &nak), 0);
}

static void test_packet_dhcp_build_refuses_other_types(void **state)
{
	static const uint8_t types[] = {0,
					VF__DHCPDISCOVER,
					VF__DHCPREQUEST,
					VF__DHCPDECLINE,
					VF__DHCPRELEASE,
					VF__DHCPINFORM,
					9,
					255};
	struct vf__dhcp_msg req = PARSED(udhcpc_discover);
	struct vf__dhcp_reply r = full_reply(0);
	uint8_t out[600];

	(void)state;
	for (size_t i = 0; i < sizeof(types); i++) {
		r.msg_type = types[i];
		memset(out, 0xa5, sizeof(out));
		assert_int_equal(vf__dhcp_build(out, sizeof(out), &req, &r), 0);
		assert_int_equal(out[0], 0xa5);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_packet_dhcp_parse_udhcpc_discover),
		cmocka_unit_test(test_packet_dhcp_parse_udhcpc_request),
		cmocka_unit_test(test_packet_dhcp_parse_udhcpc_renew),
		cmocka_unit_test(test_packet_dhcp_parse_udhcpc_release_decline),
		cmocka_unit_test(test_packet_dhcp_parse_dhclient),
		cmocka_unit_test(test_packet_dhcp_parse_dhcpcd_inform),
		cmocka_unit_test(test_packet_dhcp_parse_server_reply_refused),
		cmocka_unit_test(test_packet_dhcp_parse_truncated_fixed_part),
		cmocka_unit_test(test_packet_dhcp_parse_truncated_options),
		cmocka_unit_test(test_packet_dhcp_parse_bad_cookie),
		cmocka_unit_test(test_packet_dhcp_parse_op),
		cmocka_unit_test(test_packet_dhcp_parse_chaddr_only_ethernet),
		cmocka_unit_test(test_packet_dhcp_parse_option_overrun),
		cmocka_unit_test(test_packet_dhcp_parse_option_lengths),
		cmocka_unit_test(test_packet_dhcp_parse_option_values),
		cmocka_unit_test(test_packet_dhcp_parse_pad_end_unknown),
		cmocka_unit_test(test_packet_dhcp_parse_overload_file),
		cmocka_unit_test(test_packet_dhcp_parse_overload_sname_and_both),
		cmocka_unit_test(test_packet_dhcp_parse_overload_errors),
		cmocka_unit_test(test_packet_dhcp_parse_overload_not_nested),
		cmocka_unit_test(test_packet_dhcp_names),
		cmocka_unit_test(test_packet_dhcp_build_offer),
		cmocka_unit_test(test_packet_dhcp_build_ack),
		cmocka_unit_test(test_packet_dhcp_build_ack_inform),
		cmocka_unit_test(test_packet_dhcp_build_nak),
		cmocka_unit_test(test_packet_dhcp_build_copies_request_fields),
		cmocka_unit_test(test_packet_dhcp_build_omits_zero_config),
		cmocka_unit_test(test_packet_dhcp_build_dns_clamped),
		cmocka_unit_test(test_packet_dhcp_build_t1_t2),
		cmocka_unit_test(test_packet_dhcp_build_long_domain),
		cmocka_unit_test(test_packet_dhcp_build_cap),
		cmocka_unit_test(test_packet_dhcp_build_refuses_other_types),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
