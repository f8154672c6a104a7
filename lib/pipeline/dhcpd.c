/*
 * The local DHCP server's decisions (RFC 2131 §4.3): every port has one
 * address, its VIP, and the server answers only the port's own VMAC.
 */
#include <string.h>

#include "core/internal.h"
#include "pipeline/dhcpd.h"

#define BOOTREQUEST 1
#define HTYPE_ETHER 1

/* An OFFER or ACK: the configuration (RFC 2131 §4.3.1), and the VIP with
 * its lease unless it answers an INFORM. */
static int configure(struct vf__dhcp_reply *r, uint8_t type,
		     const struct vf__dhcpd_cfg *cfg, bool lease)
{
	r->msg_type = type;
	r->server_id = cfg->server_id;
	if (lease) {
		r->yiaddr = cfg->vip;
		r->lease_time = cfg->lease;
	}
	r->subnet_mask = cfg->mask;
	r->router = cfg->router;
	r->broadcast = cfg->broadcast;
	r->ndns = cfg->ndns < VF__ARRAY_SIZE(r->dns) ? cfg->ndns
						     : (uint8_t)VF__ARRAY_SIZE(r->dns);
	memcpy(r->dns, cfg->dns, sizeof(r->dns[0]) * r->ndns);
	r->domain = cfg->domain;
	r->mtu = cfg->mtu;
	return 1;
}

/* REQUEST (§4.3.2): in SELECTING it names a server; in INIT-REBOOT it
 * asks for an address (option 50); in RENEWING/REBINDING it has ciaddr. */
static int request(const struct vf__dhcp_msg *req, struct vf__dhcp_reply *r,
		   const struct vf__dhcpd_cfg *cfg)
{
	uint32_t addr = req->requested_ip ? req->requested_ip : req->ciaddr;

	if (req->server_id && req->server_id != cfg->server_id)
		return 0;
	if (addr == cfg->vip)
		return configure(r, VF__DHCPACK, cfg, true);
	r->msg_type = VF__DHCPNAK;
	r->server_id = cfg->server_id;
	return 1;
}

/* The message types a client sends. */
static bool client_type(uint8_t type)
{
	switch (type) {
	case VF__DHCPDISCOVER:
	case VF__DHCPREQUEST:
	case VF__DHCPDECLINE:
	case VF__DHCPRELEASE:
	case VF__DHCPINFORM: return true;
	}
	return false;
}

int vf__dhcpd_answer(const struct vf__dhcp_msg *req, const struct vf__dhcpd_cfg *cfg,
		     struct vf__dhcp_reply *reply)
{
	memset(reply, 0, sizeof(*reply));
	if (req->op != BOOTREQUEST)
		return -VF_DROP_DHCP_SERVER;
	if (!client_type(req->msg_type) || req->htype != HTYPE_ETHER ||
	    req->hlen != sizeof(req->chaddr.addr))
		return -VF_DROP_DHCP_INVALID;
	if (memcmp(&req->chaddr, &cfg->vmac, sizeof(cfg->vmac)))
		return -VF_DROP_SPOOF_MAC;
	switch (req->msg_type) {
	case VF__DHCPDISCOVER: return configure(reply, VF__DHCPOFFER, cfg, true);
	case VF__DHCPREQUEST: return request(req, reply, cfg);
	/* INFORM (§4.3.5): the configuration, no address and no lease */
	case VF__DHCPINFORM: return configure(reply, VF__DHCPACK, cfg, false);
	}
	/* RELEASE and DECLINE: the VIP stays the port's; nothing to answer */
	return 0;
}
