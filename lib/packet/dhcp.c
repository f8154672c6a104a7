/*
 * DHCP messages (RFC 2131) and options (RFC 2132): the parser of what a
 * client sends and the builder of the local server's replies.
 *
 * Layout of a message (offsets in the UDP payload):
 *   0 op, 1 htype, 2 hlen, 3 hops, 4 xid, 8 secs, 10 flags, 12 ciaddr,
 *   16 yiaddr, 20 siaddr, 24 giaddr, 28 chaddr[16], 44 sname[64],
 *   108 file[128], 236 magic cookie, 240 options.
 */
#include <string.h>

#include "core/internal.h"
#include "packet/dhcp.h"
#include "packet/packet.h"

#define OFF_XID 4
#define OFF_FLAGS 10
#define OFF_CIADDR 12
#define OFF_YIADDR 16
#define OFF_SIADDR 20
#define OFF_GIADDR 24
#define OFF_CHADDR 28
#define OFF_SNAME 44
#define OFF_FILE 108
#define OFF_COOKIE 236
#define SNAME_LEN 64
#define FILE_LEN 128
#define COOKIE 0x63825363u /* 99.130.83.99 */
#define BOOTREQUEST 1
#define BOOTREPLY 2
#define HTYPE_ETHER 1
#define BOOTP_MIN_LEN 300   /* RFC 951's 64-byte vend field */
#define IP_MIN_DATAGRAM 576 /* what every client accepts (RFC 2131 §2) */
#define IP_UDP_HLEN 28
#define LEASE_INFINITE 0xffffffffu

/* Option codes (RFC 2132). */
enum {
	OPT_PAD = 0,
	OPT_MASK = 1,
	OPT_ROUTER = 3,
	OPT_DNS = 6,
	OPT_DOMAIN = 15,
	OPT_MTU = 26,
	OPT_BROADCAST = 28,
	OPT_REQUESTED_IP = 50,
	OPT_LEASE = 51,
	OPT_OVERLOAD = 52,
	OPT_MSG_TYPE = 53,
	OPT_SERVER_ID = 54,
	OPT_PRL = 55,
	OPT_MESSAGE = 56,
	OPT_MAX_SIZE = 57,
	OPT_T1 = 58,
	OPT_T2 = 59,
	OPT_CLIENT_ID = 61,
	OPT_END = 255,
};

/* Option 52's values: which of the fixed fields carry options too. */
#define OVERLOAD_FILE 1
#define OVERLOAD_SNAME 2

/* The text of option 56 in a NAK (vf__dhcp_reply has no field for it; the
 * server NAKs only an address that is not the client's). */
static const char nak_message[] = "requested address is not this client's";

/* ---- parsing ---- */

static void parse_fixed(struct vf__dhcp_msg *m, const uint8_t *d)
{
	m->op = d[0];
	m->htype = d[1];
	m->hlen = d[2];
	m->xid = vf__get32(d + OFF_XID);
	m->flags = vf__get16(d + OFF_FLAGS);
	m->ciaddr = vf__get32(d + OFF_CIADDR);
	m->yiaddr = vf__get32(d + OFF_YIADDR);
	m->siaddr = vf__get32(d + OFF_SIADDR);
	m->giaddr = vf__get32(d + OFF_GIADDR);
	if (m->htype == HTYPE_ETHER && m->hlen == sizeof(m->chaddr.addr))
		memcpy(m->chaddr.addr, d + OFF_CHADDR, sizeof(m->chaddr.addr));
}

/* Stores one option the server reads; 0 or VF__DHCP_EOPTION. */
static int take_option(struct vf__dhcp_msg *m, uint8_t code, const uint8_t *v,
		       uint8_t len, uint8_t *overload)
{
	switch (code) {
	case OPT_MSG_TYPE:
		if (len != 1)
			return VF__DHCP_EOPTION;
		m->msg_type = v[0];
		break;
	case OPT_REQUESTED_IP:
		if (len != 4)
			return VF__DHCP_EOPTION;
		m->requested_ip = vf__get32(v);
		break;
	case OPT_SERVER_ID:
		if (len != 4)
			return VF__DHCP_EOPTION;
		m->server_id = vf__get32(v);
		break;
	case OPT_MAX_SIZE:
		if (len != 2)
			return VF__DHCP_EOPTION;
		m->max_size = vf__get16(v);
		break;
	case OPT_CLIENT_ID:
		if (len < 2)
			return VF__DHCP_EOPTION;
		m->client_id_len = len;
		memcpy(m->client_id, v, len);
		break;
	case OPT_PRL:
		if (len < 1)
			return VF__DHCP_EOPTION;
		m->prl_len = len;
		memcpy(m->prl, v, len);
		break;
	case OPT_OVERLOAD:
		/* honoured only in the options field (RFC 2131 §4.1) */
		if (!overload)
			break;
		if (len != 1 || v[0] < 1 || v[0] > 3)
			return VF__DHCP_EOPTION;
		*overload = v[0];
		break;
	}
	return 0;
}

/* Walks the options in @d[0..len): pads, end, and code-length-value
 * triples. A missing end option is fine at the end of the area. */
static int parse_options(struct vf__dhcp_msg *m, const uint8_t *d, uint32_t len,
			 uint8_t *overload)
{
	uint32_t i = 0;
	int rc;

	while (i < len) {
		uint8_t code = d[i], olen;

		if (code == OPT_PAD) {
			i++;
			continue;
		}
		if (code == OPT_END)
			return 0;
		if (len - i < 2)
			return VF__DHCP_ETRUNC;
		olen = d[i + 1];
		if (len - i - 2 < olen)
			return VF__DHCP_ETRUNC;
		rc = take_option(m, code, d + i + 2, olen, overload);
		if (rc < 0)
			return rc;
		i += 2u + olen;
	}
	return 0;
}

int vf__dhcp_parse(struct vf__dhcp_msg *m, const uint8_t *data, uint32_t len)
{
	uint8_t overload = 0;
	int rc;

	memset(m, 0, sizeof(*m));
	if (len < VF__DHCP_FIXED_LEN)
		return VF__DHCP_ETRUNC;
	parse_fixed(m, data);
	if (m->op != BOOTREQUEST)
		return VF__DHCP_EOP;
	if (len < VF__DHCP_MIN_LEN || vf__get32(data + OFF_COOKIE) != COOKIE)
		return VF__DHCP_ECOOKIE;
	rc = parse_options(m, data + VF__DHCP_MIN_LEN, len - VF__DHCP_MIN_LEN, &overload);
	/* the file field first, then sname (RFC 2131 §4.1) */
	if (!rc && (overload & OVERLOAD_FILE))
		rc = parse_options(m, data + OFF_FILE, FILE_LEN, NULL);
	if (!rc && (overload & OVERLOAD_SNAME))
		rc = parse_options(m, data + OFF_SNAME, SNAME_LEN, NULL);
	return rc;
}

const char *vf__dhcp_strerror(int rc)
{
	switch (rc) {
	case 0: return "ok";
	case VF__DHCP_ETRUNC: return "truncated DHCP message or option";
	case VF__DHCP_ECOOKIE: return "no DHCP magic cookie";
	case VF__DHCP_EOPTION: return "DHCP option of a wrong length or value";
	case VF__DHCP_EOP: return "not a BOOTREQUEST";
	}
	return "unknown DHCP parse result";
}

const char *vf__dhcp_type_name(uint8_t type)
{
	static const char *const names[] = {
		[0] = "BOOTP",
		[VF__DHCPDISCOVER] = "DHCPDISCOVER",
		[VF__DHCPOFFER] = "DHCPOFFER",
		[VF__DHCPREQUEST] = "DHCPREQUEST",
		[VF__DHCPDECLINE] = "DHCPDECLINE",
		[VF__DHCPACK] = "DHCPACK",
		[VF__DHCPNAK] = "DHCPNAK",
		[VF__DHCPRELEASE] = "DHCPRELEASE",
		[VF__DHCPINFORM] = "DHCPINFORM",
	};

	return type < VF__ARRAY_SIZE(names) ? names[type] : "unknown";
}

/* ---- building ---- */

/* A bounded writer: @len counts what was asked for, bytes land only while
 * they fit, so one check at the end tells whether @cap sufficed. */
struct writer {
	uint8_t *out;
	uint32_t len, cap;
};

static uint8_t *reserve(struct writer *w, uint32_t n)
{
	uint8_t *p = w->len <= w->cap && n <= w->cap - w->len ? w->out + w->len : NULL;

	w->len += n;
	return p;
}

static void put_opt(struct writer *w, uint8_t code, const void *v, uint8_t len)
{
	uint8_t *p = reserve(w, 2u + len);

	if (!p)
		return;
	p[0] = code;
	p[1] = len;
	memcpy(p + 2, v, len);
}

static void put_opt8(struct writer *w, uint8_t code, uint8_t v)
{
	put_opt(w, code, &v, 1);
}

static void put_opt16(struct writer *w, uint8_t code, uint16_t v)
{
	uint8_t b[2];

	vf__put16(b, v);
	put_opt(w, code, b, sizeof(b));
}

static void put_opt32(struct writer *w, uint8_t code, uint32_t v)
{
	uint8_t b[4];

	vf__put32(b, v);
	put_opt(w, code, b, sizeof(b));
}

static void put_header(struct writer *w, const struct vf__dhcp_msg *req,
		       const struct vf__dhcp_reply *r)
{
	uint8_t *p = reserve(w, VF__DHCP_MIN_LEN);

	if (!p)
		return;
	memset(p, 0, VF__DHCP_MIN_LEN);
	p[0] = BOOTREPLY;
	p[1] = HTYPE_ETHER;
	p[2] = sizeof(req->chaddr.addr);
	vf__put32(p + OFF_XID, req->xid);
	vf__put16(p + OFF_FLAGS, req->flags);
	/* RFC 2131 table 3: ACK may echo ciaddr, OFFER and NAK carry 0 */
	if (r->msg_type == VF__DHCPACK)
		vf__put32(p + OFF_CIADDR, req->ciaddr);
	if (r->msg_type != VF__DHCPNAK)
		vf__put32(p + OFF_YIADDR, r->yiaddr);
	vf__put32(p + OFF_GIADDR, req->giaddr);
	memcpy(p + OFF_CHADDR, req->chaddr.addr, sizeof(req->chaddr.addr));
	vf__put32(p + OFF_COOKIE, COOKIE);
}

static void put_lease(struct writer *w, uint32_t lease)
{
	uint32_t t1 = lease / 2, t2 = (uint32_t)((uint64_t)lease * 7 / 8);

	if (!lease)
		return;
	if (lease == LEASE_INFINITE)
		t1 = t2 = LEASE_INFINITE;
	put_opt32(w, OPT_LEASE, lease);
	put_opt32(w, OPT_T1, t1);
	put_opt32(w, OPT_T2, t2);
}

static void put_config(struct writer *w, const struct vf__dhcp_reply *r, bool domain)
{
	uint8_t dns[4 * VF__ARRAY_SIZE(r->dns)];
	uint8_t ndns =
		r->ndns < VF__ARRAY_SIZE(r->dns) ? r->ndns : VF__ARRAY_SIZE(r->dns);
	size_t dlen = domain && r->domain ? strnlen(r->domain, 256) : 0;

	if (r->subnet_mask)
		put_opt32(w, OPT_MASK, r->subnet_mask);
	if (r->router)
		put_opt32(w, OPT_ROUTER, r->router);
	for (uint8_t i = 0; i < ndns; i++)
		vf__put32(dns + 4 * i, r->dns[i]);
	if (ndns)
		put_opt(w, OPT_DNS, dns, (uint8_t)(4 * ndns));
	/* one option holds 255 bytes; a longer name is no domain name */
	if (dlen && dlen <= 255)
		put_opt(w, OPT_DOMAIN, r->domain, (uint8_t)dlen);
	if (r->mtu)
		put_opt16(w, OPT_MTU, r->mtu);
	if (r->broadcast)
		put_opt32(w, OPT_BROADCAST, r->broadcast);
	put_lease(w, r->lease_time);
}

/* Writes the whole reply; returns the length it needs (maybe > cap). */
static uint32_t put_reply(struct writer *w, const struct vf__dhcp_msg *req,
			  const struct vf__dhcp_reply *r, bool domain)
{
	uint8_t *p;

	w->len = 0;
	put_header(w, req, r);
	put_opt8(w, OPT_MSG_TYPE, r->msg_type);
	put_opt32(w, OPT_SERVER_ID, r->server_id);
	if (r->msg_type == VF__DHCPNAK)
		put_opt(w, OPT_MESSAGE, nak_message, sizeof(nak_message) - 1);
	else
		put_config(w, r, domain);
	p = reserve(w, 1);
	if (p)
		*p = OPT_END;
	if (w->len < BOOTP_MIN_LEN) {
		uint32_t n = BOOTP_MIN_LEN - w->len;

		p = reserve(w, n);
		if (p)
			memset(p, OPT_PAD, n);
	}
	return w->len;
}

uint32_t vf__dhcp_build(uint8_t *out, uint32_t cap, const struct vf__dhcp_msg *req,
			const struct vf__dhcp_reply *r)
{
	struct writer w = {.out = out, .cap = cap}, dry = {0};
	uint32_t limit =
		req->max_size > IP_MIN_DATAGRAM ? req->max_size : IP_MIN_DATAGRAM;
	bool domain;

	if (r->msg_type != VF__DHCPOFFER && r->msg_type != VF__DHCPACK &&
	    r->msg_type != VF__DHCPNAK)
		return 0;
	/* what the client accepts (RFC 2131 §2, RFC 2132 §9.10): only a very
	 * long domain name can make a reply too big, so it goes first; the
	 * dry run (no room) only measures */
	domain = put_reply(&dry, req, r, true) <= limit - IP_UDP_HLEN;
	put_reply(&w, req, r, domain);
	return w.len <= w.cap ? w.len : 0;
}
