/*
 * The local DHCP server's decisions (RFC 2131 §4.3): what to answer a
 * port's DHCP client, from the port's configuration. Pure: no I/O, no
 * model; the pipeline builds and sends the reply.
 */
#ifndef VF_PIPELINE_DHCPD_H
#define VF_PIPELINE_DHCPD_H

#include <stdbool.h>
#include <stdint.h>

#include <vfabric/vfabric.h>

#include "packet/dhcp.h"

/* One port's view of its subnet's DHCP settings. Addresses host order. */
struct vf__dhcpd_cfg {
	vf_mac vmac;	    /* the port's VMAC: the only chaddr served */
	uint32_t vip;	    /* the address offered */
	uint32_t mask;	    /* subnet mask */
	uint32_t router;    /* the gateway; 0 on link subnets */
	uint32_t broadcast; /* the subnet's broadcast address */
	uint32_t server_id; /* the gateway, or the network address on link subnets */
	uint32_t lease;	    /* seconds */
	uint32_t dns[4];
	uint8_t ndns;
	const char *domain; /* "" for none */
	uint16_t mtu;
};

/*
 * Decides the answer to @req:
 * - DISCOVER: OFFER of the VIP.
 * - REQUEST: ACK if the address it asks for (option 50, else ciaddr) is
 *   the VIP and it names this server or none; silence if it names another
 *   server (the client chose it); NAK otherwise.
 * - INFORM: ACK with the configuration, no address and no lease.
 * - RELEASE, DECLINE: silence.
 * - BOOTP without option 53, OFFER/ACK/NAK from a client, other types:
 *   refused (-VF_DROP_DHCP_INVALID); a client whose chaddr is not the
 *   VMAC: refused (-VF_DROP_SPOOF_MAC).
 * Returns 1 with *reply filled, 0 for silence, or -vf_drop_reason.
 */
int vf__dhcpd_answer(const struct vf__dhcp_msg *req, const struct vf__dhcpd_cfg *cfg,
		     struct vf__dhcp_reply *reply);

#endif
