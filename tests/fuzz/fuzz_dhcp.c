/*
 * Fuzz target: the DHCP codec and the local server's decisions. The input
 * is a client message (a UDP payload). Whatever parses goes through
 * vf__dhcpd_answer, twice (as sent, and with its chaddr made the port's
 * VMAC so the decisions are reached), under two configurations (a short
 * domain, and one so long that the reply must leave it out for clients
 * without a large option 57). Every reply is built and checked: length
 * within the room and what the client accepts, op 2, the cookie, 53 and 54
 * first, well-formed options up to the end option, and zero padding; a
 * build into too little room returns 0 and writes nothing past it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "packet/dhcp.h"
#include "packet/packet.h"
#include "pipeline/dhcpd.h"
#include "fuzz.h"

#define GUARD 64
#define ROOM 1024

static char long_domain[241];

static struct vf__dhcpd_cfg config(int which)
{
	struct vf__dhcpd_cfg c = {
		.vmac = {{0x02, 0x01, 0x0a, 0x01, 0x01, 0x05}},
		.vip = 0x0a010105,
		.mask = 0xffffff00,
		.router = 0x0a010101,
		.broadcast = 0x0a0101ff,
		.server_id = 0x0a010101,
		.lease = 3600,
		.dns = {0x0a010101, 0x09090909},
		.ndns = 2,
		.domain = "blue.example",
		.mtu = 1450,
	};

	if (which) {
		memset(long_domain, 'd', sizeof(long_domain) - 1);
		c.ndns = 4;
		c.domain = long_domain;
		c.lease = 0xffffffff;
	}
	return c;
}

static void check_parsed(const struct vf__dhcp_msg *m)
{
	static const vf_mac zero;

	CHECK(m->op == 1);
	CHECK(m->client_id_len == 0 || m->client_id_len >= 2);
	if (m->htype != 1 || m->hlen != 6)
		CHECK(!memcmp(&m->chaddr, &zero, sizeof(zero)));
}

/* Walks the options of a built reply: each fits, the end option comes,
 * only pads follow it. Returns the offset of the end option. */
static uint32_t check_options(const uint8_t *out, uint32_t len)
{
	uint32_t i = VF__DHCP_MIN_LEN;

	while (i < len && out[i] != 255) {
		CHECK(out[i] != 0);
		CHECK(i + 2 <= len && i + 2u + out[i + 1] <= len);
		i += 2u + out[i + 1];
	}
	CHECK(i < len);
	for (uint32_t j = i + 1; j < len; j++)
		CHECK(out[j] == 0);
	return i;
}

static void check_reply(const struct vf__dhcp_msg *req, const struct vf__dhcp_reply *r,
			const uint8_t *out, uint32_t len)
{
	uint32_t limit = req->max_size > 576 ? req->max_size : 576;
	uint32_t end;

	CHECK(len >= 300 && len <= limit - 28);
	CHECK(out[0] == 2 && out[1] == 1 && out[2] == 6 && out[3] == 0);
	CHECK(vf__get32(out + 4) == req->xid);
	CHECK(vf__get16(out + 10) == req->flags);
	CHECK(!memcmp(out + 28, &req->chaddr, 6));
	CHECK(vf__get32(out + 236) == 0x63825363);
	CHECK(out[240] == 53 && out[241] == 1 && out[242] == r->msg_type);
	CHECK(out[243] == 54 && out[244] == 4 && vf__get32(out + 245) == r->server_id);
	end = check_options(out, len);
	if (r->msg_type == VF__DHCPNAK)
		CHECK(vf__get32(out + 16) == 0 && out[249] == 56 &&
		      end == 251u + out[250]);
	else
		CHECK(vf__get32(out + 16) == r->yiaddr);
}

static void build(const struct vf__dhcp_msg *req, const struct vf__dhcp_reply *r,
		  uint8_t cap_byte)
{
	static uint8_t out[ROOM + GUARD];
	uint32_t len, cap;

	memset(out, 0xa5, sizeof(out));
	len = vf__dhcp_build(out, ROOM, req, r);
	CHECK(len > 0 && len <= ROOM);
	for (uint32_t i = len; i < sizeof(out); i++)
		CHECK(out[i] == 0xa5);
	check_reply(req, r, out, len);

	/* a cap from the input: all or nothing, nothing written past it */
	cap = (uint32_t)cap_byte * 3;
	memset(out, 0xa5, sizeof(out));
	CHECK(vf__dhcp_build(out, cap, req, r) == (cap >= len ? len : 0));
	for (uint32_t i = cap; i < sizeof(out); i++)
		CHECK(out[i] == 0xa5);
}

static void decide(const struct vf__dhcp_msg *req, const struct vf__dhcpd_cfg *c,
		   uint8_t cap_byte)
{
	struct vf__dhcp_reply r;
	int rc = vf__dhcpd_answer(req, c, &r);

	CHECK(rc == 1 || rc == 0 || rc == -VF_DROP_DHCP_INVALID ||
	      rc == -VF_DROP_SPOOF_MAC);
	if (rc != 1)
		return;
	switch (req->msg_type) {
	case VF__DHCPDISCOVER: CHECK(r.msg_type == VF__DHCPOFFER); break;
	case VF__DHCPREQUEST:
		CHECK(r.msg_type == VF__DHCPACK || r.msg_type == VF__DHCPNAK);
		break;
	case VF__DHCPINFORM: CHECK(r.msg_type == VF__DHCPACK && !r.yiaddr); break;
	default: abort();
	}
	CHECK(r.server_id == c->server_id);
	build(req, &r, cap_byte);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vf__dhcp_msg m, mine;
	uint8_t cap_byte = size ? data[size - 1] : 0;
	int rc;

	if (size > UINT32_MAX)
		return 0;
	rc = vf__dhcp_parse(&m, data, (uint32_t)size);
	CHECK(rc <= 0 && rc >= VF__DHCP_EOP);
	CHECK(vf__dhcp_strerror(rc)[0] != 0);
	CHECK(vf__dhcp_type_name(m.msg_type)[0] != 0);
	if (rc < 0)
		return 0;
	check_parsed(&m);
	for (int which = 0; which < 2; which++) {
		struct vf__dhcpd_cfg c = config(which);

		decide(&m, &c, cap_byte);
		mine = m;
		mine.htype = 1;
		mine.hlen = 6;
		mine.chaddr = c.vmac;
		decide(&mine, &c, cap_byte);
	}
	return 0;
}
