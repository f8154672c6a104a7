/*
 * The local DHCP server's decisions (lib/pipeline/dhcpd.c), on messages
 * captured from real clients (dhcp_captures.h) and variations of them:
 * every row of the table in dhcpd.h.
 */
#include "unit.h"

#include "packet/dhcp.h"
#include "pipeline/dhcpd.h"

#include "dhcp_captures.h"

#define VIP IP4(10, 1, 1, 5)
#define SERVER IP4(10, 1, 1, 1)

/* The port the captures were made for: VMAC 02:01:0a:01:01:05, VIP
 * 10.1.1.5 in 10.1.1.0/24 behind the gateway 10.1.1.1. */
static const struct vf__dhcpd_cfg cfg = {
	.vmac = {{0x02, 0x01, 0x0a, 0x01, 0x01, 0x05}},
	.vip = VIP,
	.mask = IP4(255, 255, 255, 0),
	.router = SERVER,
	.broadcast = IP4(10, 1, 1, 255),
	.server_id = SERVER,
	.lease = 3600,
	.dns = {IP4(10, 1, 1, 1), IP4(9, 9, 9, 9)},
	.ndns = 2,
	.domain = "blue.example",
	.mtu = 1450,
};

/* Answers @req with a reply first filled with garbage. */
static int answer(const struct vf__dhcp_msg *req, const struct vf__dhcpd_cfg *c,
		  struct vf__dhcp_reply *r)
{
	memset(r, 0x5a, sizeof(*r));
	return vf__dhcpd_answer(req, c, r);
}

static void assert_reply_zero(const struct vf__dhcp_reply *r)
{
	static const struct vf__dhcp_reply zero;

	assert_memory_equal(r, &zero, sizeof(zero));
}

/* Fails unless @r carries @c's whole configuration. */
static void assert_config(const struct vf__dhcp_reply *r, const struct vf__dhcpd_cfg *c)
{
	assert_ip_equal(r->server_id, c->server_id);
	assert_ip_equal(r->subnet_mask, c->mask);
	assert_ip_equal(r->router, c->router);
	assert_ip_equal(r->broadcast, c->broadcast);
	assert_int_equal(r->ndns, c->ndns);
	for (int i = 0; i < c->ndns && i < 4; i++)
		assert_ip_equal(r->dns[i], c->dns[i]);
	for (int i = c->ndns; i < 4; i++)
		assert_ip_equal(r->dns[i], 0);
	assert_ptr_equal(r->domain, c->domain);
	assert_int_equal(r->mtu, c->mtu);
}

/* A NAK: type and server id, nothing else. */
static void assert_nak(const struct vf__dhcp_reply *r)
{
	struct vf__dhcp_reply want = {.msg_type = VF__DHCPNAK, .server_id = SERVER};

	assert_memory_equal(r, &want, sizeof(want));
}

/* ---- DISCOVER ---- */

static void test_pipeline_dhcpd_discover_offers_vip(void **state)
{
	struct vf__dhcp_msg req = PARSED(udhcpc_discover);
	struct vf__dhcp_reply r;

	(void)state;
	assert_int_equal(answer(&req, &cfg, &r), 1);
	assert_int_equal(r.msg_type, VF__DHCPOFFER);
	assert_ip_equal(r.yiaddr, VIP);
	assert_int_equal(r.lease_time, 3600);
	assert_config(&r, &cfg);

	req = PARSED(dhclient_discover);
	assert_int_equal(answer(&req, &cfg, &r), 1);
	assert_int_equal(r.msg_type, VF__DHCPOFFER);
	assert_ip_equal(r.yiaddr, VIP);
	assert_config(&r, &cfg);
}

static void test_pipeline_dhcpd_discover_ignores_requested_ip(void **state)
{
	struct vf__dhcp_msg req = PARSED(udhcpc_discover);
	struct vf__dhcp_reply r;

	(void)state;
	/* a client that remembers another address (or names another server)
	 * still gets its VIP offered */
	req.requested_ip = IP4(10, 1, 1, 9);
	req.server_id = IP4(10, 1, 1, 2);
	req.ciaddr = IP4(10, 1, 1, 9);
	assert_int_equal(answer(&req, &cfg, &r), 1);
	assert_int_equal(r.msg_type, VF__DHCPOFFER);
	assert_ip_equal(r.yiaddr, VIP);
	assert_ip_equal(r.server_id, SERVER);
}

static void test_pipeline_dhcpd_link_subnet_config(void **state)
{
	struct vf__dhcpd_cfg link = cfg;
	struct vf__dhcp_msg req = PARSED(udhcpc_discover);
	struct vf__dhcp_reply r;

	(void)state;
	/* a link subnet: no router, the network address as server id */
	link.router = 0;
	link.server_id = IP4(10, 1, 1, 0);
	link.ndns = 0;
	link.domain = "";
	link.mtu = 0;
	link.lease = 86400;
	assert_int_equal(answer(&req, &link, &r), 1);
	assert_int_equal(r.msg_type, VF__DHCPOFFER);
	assert_ip_equal(r.yiaddr, VIP);
	assert_int_equal(r.lease_time, 86400);
	assert_config(&r, &link);
	assert_ip_equal(r.router, 0);
	assert_string_equal(r.domain, "");
}

static void test_pipeline_dhcpd_dns_clamped(void **state)
{
	struct vf__dhcpd_cfg many = cfg;
	struct vf__dhcp_msg req = PARSED(udhcpc_discover);
	struct vf__dhcp_reply r;

	(void)state;
	many.dns[2] = IP4(1, 1, 1, 1);
	many.dns[3] = IP4(8, 8, 8, 8);
	many.ndns = 200;
	assert_int_equal(answer(&req, &many, &r), 1);
	assert_int_equal(r.ndns, 4);
	assert_ip_equal(r.dns[3], IP4(8, 8, 8, 8));
}

/* ---- REQUEST ---- */

static void test_pipeline_dhcpd_request_selecting_acked(void **state)
{
	struct vf__dhcp_msg req = PARSED(udhcpc_request);
	struct vf__dhcp_reply r;

	(void)state;
	assert_int_equal(answer(&req, &cfg, &r), 1);
	assert_int_equal(r.msg_type, VF__DHCPACK);
	assert_ip_equal(r.yiaddr, VIP);
	assert_int_equal(r.lease_time, 3600);
	assert_config(&r, &cfg);

	req = PARSED(dhclient_request);
	assert_int_equal(answer(&req, &cfg, &r), 1);
	assert_int_equal(r.msg_type, VF__DHCPACK);
	assert_ip_equal(r.yiaddr, VIP);
}

static void test_pipeline_dhcpd_request_other_server_silent(void **state)
{
	struct vf__dhcp_msg req = PARSED(udhcpc_request);
	struct vf__dhcp_reply r;

	(void)state;
	/* the client chose another server's offer: not ours to answer, whatever
	 * address it asks for */
	req.server_id = IP4(10, 1, 1, 2);
	assert_int_equal(answer(&req, &cfg, &r), 0);
	assert_reply_zero(&r);
	req.requested_ip = IP4(10, 1, 1, 9);
	assert_int_equal(answer(&req, &cfg, &r), 0);
	assert_reply_zero(&r);
}

static void test_pipeline_dhcpd_request_selecting_wrong_address_nak(void **state)
{
	struct vf__dhcp_msg req = PARSED(udhcpc_request);
	struct vf__dhcp_reply r;

	(void)state;
	req.requested_ip = IP4(10, 1, 1, 9);
	assert_int_equal(answer(&req, &cfg, &r), 1);
	assert_nak(&r);
}

static void test_pipeline_dhcpd_request_init_reboot(void **state)
{
	struct vf__dhcp_msg req = PARSED(dhclient_reboot);
	struct vf__dhcp_reply r;

	(void)state;
	/* option 50 and no server id */
	assert_int_equal(answer(&req, &cfg, &r), 1);
	assert_int_equal(r.msg_type, VF__DHCPACK);
	assert_ip_equal(r.yiaddr, VIP);
	assert_int_equal(r.lease_time, 3600);
	assert_config(&r, &cfg);

	/* the address from another subnet or lease: NAK (the client restarts) */
	req = PARSED(dhclient_reboot_other);
	assert_int_equal(answer(&req, &cfg, &r), 1);
	assert_nak(&r);
}

static void test_pipeline_dhcpd_request_renewing(void **state)
{
	struct vf__dhcp_msg req = PARSED(udhcpc_renew);
	struct vf__dhcp_reply r;

	(void)state;
	/* ciaddr, no option 50 */
	assert_int_equal(answer(&req, &cfg, &r), 1);
	assert_int_equal(r.msg_type, VF__DHCPACK);
	assert_ip_equal(r.yiaddr, VIP);
	assert_int_equal(r.lease_time, 3600);
	assert_config(&r, &cfg);

	req.ciaddr = IP4(10, 1, 1, 6);
	assert_int_equal(answer(&req, &cfg, &r), 1);
	assert_nak(&r);
}

static void test_pipeline_dhcpd_request_address_choice(void **state)
{
	struct vf__dhcp_msg req = PARSED(udhcpc_renew);
	struct vf__dhcp_reply r;

	(void)state;
	/* option 50 wins over ciaddr */
	req.requested_ip = VIP;
	req.ciaddr = IP4(10, 1, 1, 6);
	assert_int_equal(answer(&req, &cfg, &r), 1);
	assert_int_equal(r.msg_type, VF__DHCPACK);
	req.requested_ip = IP4(10, 1, 1, 6);
	req.ciaddr = VIP;
	assert_int_equal(answer(&req, &cfg, &r), 1);
	assert_nak(&r);
	/* neither: no address asked for is not the VIP */
	req.requested_ip = 0;
	req.ciaddr = 0;
	assert_int_equal(answer(&req, &cfg, &r), 1);
	assert_nak(&r);
	/* naming this server explicitly changes nothing */
	req.server_id = SERVER;
	assert_int_equal(answer(&req, &cfg, &r), 1);
	assert_nak(&r);
	req.ciaddr = VIP;
	assert_int_equal(answer(&req, &cfg, &r), 1);
	assert_int_equal(r.msg_type, VF__DHCPACK);
}

/* ---- INFORM, RELEASE, DECLINE ---- */

static void test_pipeline_dhcpd_inform(void **state)
{
	struct vf__dhcp_msg req = PARSED(dhcpcd_inform);
	struct vf__dhcp_reply r;

	(void)state;
	assert_int_equal(answer(&req, &cfg, &r), 1);
	assert_int_equal(r.msg_type, VF__DHCPACK);
	assert_ip_equal(r.yiaddr, 0);
	assert_int_equal(r.lease_time, 0);
	assert_config(&r, &cfg);
}

static void test_pipeline_dhcpd_release_decline_silent(void **state)
{
	struct vf__dhcp_msg req = PARSED(udhcpc_release);
	struct vf__dhcp_reply r;

	(void)state;
	assert_int_equal(answer(&req, &cfg, &r), 0);
	assert_reply_zero(&r);
	req = PARSED(udhcpc_decline);
	assert_int_equal(answer(&req, &cfg, &r), 0);
	assert_reply_zero(&r);
}

/* ---- refusals ---- */

static void test_pipeline_dhcpd_invalid_types_refused(void **state)
{
	static const uint8_t types[] = {
		0, VF__DHCPOFFER, VF__DHCPACK, VF__DHCPNAK, 9, 18, 255};
	struct vf__dhcp_msg req = PARSED(udhcpc_discover);
	struct vf__dhcp_reply r;

	(void)state;
	for (size_t i = 0; i < sizeof(types); i++) {
		req.msg_type = types[i];
		if (answer(&req, &cfg, &r) != -VF_DROP_DHCP_INVALID)
			fail_msg("type %u not refused as invalid", types[i]);
		assert_reply_zero(&r);
	}
}

static void test_pipeline_dhcpd_plain_bootp_refused(void **state)
{
	struct vf__dhcp_msg req;
	struct vf__dhcp_reply r;

	(void)state;
	/* udhcpc's DISCOVER cut after the cookie: a BOOTP request */
	assert_int_equal(vf__dhcp_parse(&req, udhcpc_discover, VF__DHCP_MIN_LEN), 0);
	assert_int_equal(answer(&req, &cfg, &r), -VF_DROP_DHCP_INVALID);
	assert_reply_zero(&r);
}

static void test_pipeline_dhcpd_spoofed_chaddr_refused(void **state)
{
	static const uint8_t types[] = {VF__DHCPDISCOVER, VF__DHCPREQUEST,
					VF__DHCPDECLINE, VF__DHCPRELEASE, VF__DHCPINFORM};
	struct vf__dhcp_msg req = PARSED(udhcpc_request);
	struct vf__dhcp_reply r;

	(void)state;
	for (size_t i = 0; i < sizeof(types); i++) {
		req.msg_type = types[i];
		for (int byte = 0; byte < 6; byte++) {
			struct vf__dhcp_msg bad = req;

			bad.chaddr.addr[byte] ^= 0x80;
			if (answer(&bad, &cfg, &r) != -VF_DROP_SPOOF_MAC)
				fail_msg("type %u, byte %d: not refused as spoofed",
					 types[i], byte);
			assert_reply_zero(&r);
		}
	}
	/* the same message for another port: a zero VMAC serves nobody */
	req.msg_type = VF__DHCPDISCOVER;
	{
		struct vf__dhcpd_cfg other = cfg;

		memset(&other.vmac, 0, sizeof(other.vmac));
		assert_int_equal(answer(&req, &other, &r), -VF_DROP_SPOOF_MAC);
	}
}

static void test_pipeline_dhcpd_refusal_order(void **state)
{
	struct vf__dhcp_msg req = PARSED(udhcpc_discover);
	struct vf__dhcp_reply r;

	(void)state;
	/* a server type with a foreign chaddr is invalid first */
	req.msg_type = VF__DHCPOFFER;
	req.chaddr.addr[5] = 0x99;
	assert_int_equal(answer(&req, &cfg, &r), -VF_DROP_DHCP_INVALID);
	/* a client type with a foreign chaddr is spoofed, even one we would
	 * not answer */
	req.msg_type = VF__DHCPRELEASE;
	assert_int_equal(answer(&req, &cfg, &r), -VF_DROP_SPOOF_MAC);
}

static void test_pipeline_dhcpd_non_ethernet_refused(void **state)
{
	struct vf__dhcp_msg req;
	struct vf__dhcp_reply r;
	uint8_t copy[sizeof(udhcpc_discover)];
	struct vf__dhcpd_cfg zero_mac = cfg;

	(void)state;
	/* the parser leaves chaddr zero for htype 6; even a zero VMAC does
	 * not make that a client we serve */
	memset(&zero_mac.vmac, 0, sizeof(zero_mac.vmac));
	memcpy(copy, udhcpc_discover, sizeof(copy));
	copy[1] = 6;
	assert_int_equal(vf__dhcp_parse(&req, copy, sizeof(copy)), 0);
	assert_int_equal(answer(&req, &cfg, &r), -VF_DROP_DHCP_INVALID);
	assert_int_equal(answer(&req, &zero_mac, &r), -VF_DROP_DHCP_INVALID);
	copy[1] = 1;
	copy[2] = 8;
	assert_int_equal(vf__dhcp_parse(&req, copy, sizeof(copy)), 0);
	assert_int_equal(answer(&req, &zero_mac, &r), -VF_DROP_DHCP_INVALID);
	assert_reply_zero(&r);
}

static void test_pipeline_dhcpd_bootreply_refused(void **state)
{
	struct vf__dhcp_msg req = PARSED(udhcpc_discover);
	struct vf__dhcp_reply r;

	(void)state;
	/* the parser refuses op 2 (VF__DHCP_EOP); a message built otherwise
	 * is a server's */
	req.op = 2;
	assert_int_equal(answer(&req, &cfg, &r), -VF_DROP_DHCP_SERVER);
	assert_reply_zero(&r);
	req.op = 0;
	assert_int_equal(answer(&req, &cfg, &r), -VF_DROP_DHCP_SERVER);
}

/* ---- end to end: capture -> decision -> reply bytes ---- */

static void test_pipeline_dhcpd_replies_build(void **state)
{
	static const struct {
		const uint8_t *msg;
		uint32_t len;
		int rc;
		uint8_t type;
		uint32_t reply_len;
	} cases[] = {
		{udhcpc_discover, sizeof(udhcpc_discover), 1, VF__DHCPOFFER, 314},
		{udhcpc_request, sizeof(udhcpc_request), 1, VF__DHCPACK, 314},
		{udhcpc_renew, sizeof(udhcpc_renew), 1, VF__DHCPACK, 314},
		{udhcpc_release, sizeof(udhcpc_release), 0, 0, 0},
		{udhcpc_decline, sizeof(udhcpc_decline), 0, 0, 0},
		{dhclient_discover, sizeof(dhclient_discover), 1, VF__DHCPOFFER, 314},
		{dhclient_request, sizeof(dhclient_request), 1, VF__DHCPACK, 314},
		{dhclient_reboot, sizeof(dhclient_reboot), 1, VF__DHCPACK, 314},
		{dhclient_reboot_other, sizeof(dhclient_reboot_other), 1, VF__DHCPNAK,
		 300},
		{dhcpcd_inform, sizeof(dhcpcd_inform), 1, VF__DHCPACK, 300},
	};
	uint8_t out[600];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vf__dhcp_msg req = parsed(cases[i].msg, cases[i].len);
		struct vf__dhcp_reply r;

		assert_int_equal(answer(&req, &cfg, &r), cases[i].rc);
		if (cases[i].rc != 1)
			continue;
		assert_int_equal(r.msg_type, cases[i].type);
		assert_int_equal(vf__dhcp_build(out, sizeof(out), &req, &r),
				 cases[i].reply_len);
		/* same xid and chaddr, 53 and 54 first */
		assert_memory_equal(out + 4, cases[i].msg + 4, 4);
		assert_memory_equal(out + 28, cases[i].msg + 28, 6);
		assert_int_equal(out[240], 53);
		assert_int_equal(out[242], cases[i].type);
		assert_int_equal(out[243], 54);
		assert_int_equal(out[245], 10);
		assert_int_equal(out[248], 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipeline_dhcpd_discover_offers_vip),
		cmocka_unit_test(test_pipeline_dhcpd_discover_ignores_requested_ip),
		cmocka_unit_test(test_pipeline_dhcpd_link_subnet_config),
		cmocka_unit_test(test_pipeline_dhcpd_dns_clamped),
		cmocka_unit_test(test_pipeline_dhcpd_request_selecting_acked),
		cmocka_unit_test(test_pipeline_dhcpd_request_other_server_silent),
		cmocka_unit_test(test_pipeline_dhcpd_request_selecting_wrong_address_nak),
		cmocka_unit_test(test_pipeline_dhcpd_request_init_reboot),
		cmocka_unit_test(test_pipeline_dhcpd_request_renewing),
		cmocka_unit_test(test_pipeline_dhcpd_request_address_choice),
		cmocka_unit_test(test_pipeline_dhcpd_inform),
		cmocka_unit_test(test_pipeline_dhcpd_release_decline_silent),
		cmocka_unit_test(test_pipeline_dhcpd_invalid_types_refused),
		cmocka_unit_test(test_pipeline_dhcpd_plain_bootp_refused),
		cmocka_unit_test(test_pipeline_dhcpd_spoofed_chaddr_refused),
		cmocka_unit_test(test_pipeline_dhcpd_refusal_order),
		cmocka_unit_test(test_pipeline_dhcpd_non_ethernet_refused),
		cmocka_unit_test(test_pipeline_dhcpd_bootreply_refused),
		cmocka_unit_test(test_pipeline_dhcpd_replies_build),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
