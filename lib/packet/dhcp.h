/*
 * DHCP messages (RFC 2131) and their options (RFC 2132): a bounded parser
 * of what a client sends, and a builder of what the local server answers.
 */
#ifndef VF_PACKET_DHCP_H
#define VF_PACKET_DHCP_H

#include <stdbool.h>
#include <stdint.h>

#include <vfabric/common.h>

#define VF__DHCP_SERVER_PORT 67
#define VF__DHCP_CLIENT_PORT 68
#define VF__DHCP_FIXED_LEN 236 /* BOOTP header up to the magic cookie */
#define VF__DHCP_MIN_LEN 240   /* ... and the cookie */

/* Message types (option 53). */
enum {
	VF__DHCPDISCOVER = 1,
	VF__DHCPOFFER = 2,
	VF__DHCPREQUEST = 3,
	VF__DHCPDECLINE = 4,
	VF__DHCPACK = 5,
	VF__DHCPNAK = 6,
	VF__DHCPRELEASE = 7,
	VF__DHCPINFORM = 8,
};

/* What a client's message says. */
struct vf__dhcp_msg {
	uint8_t op; /* 1 BOOTREQUEST, 2 BOOTREPLY */
	uint8_t htype, hlen;
	uint32_t xid;
	uint16_t flags; /* 0x8000: broadcast */
	uint32_t ciaddr, yiaddr, siaddr, giaddr;
	vf_mac chaddr;		/* valid when htype 1, hlen 6 */
	uint8_t msg_type;	/* option 53; 0 when absent (plain BOOTP) */
	uint32_t requested_ip;	/* option 50; 0 when absent */
	uint32_t server_id;	/* option 54; 0 when absent */
	uint16_t max_size;	/* option 57; 0 when absent */
	uint8_t client_id_len;	/* option 61 */
	uint8_t client_id[255];
	uint8_t prl_len;	/* option 55, the parameter request list */
	uint8_t prl[255];
};

/* Parse results (negative). */
enum {
	VF__DHCP_ETRUNC = -1,  /* shorter than the fixed part, or an option runs past the end */
	VF__DHCP_ECOOKIE = -2, /* no magic cookie */
	VF__DHCP_EOPTION = -3, /* an option with a wrong length (53 not 1 byte, ...) */
	VF__DHCP_EOP = -4,     /* op is not BOOTREQUEST */
};

/* Parses the UDP payload of a client message. Options split across the
 * file and sname fields (option 52, overload) are read too; a repeated
 * option keeps its last value (RFC 3396 concatenation is not needed for
 * the options read here). Returns 0 or a negative VF__DHCP_E* code. */
int vf__dhcp_parse(struct vf__dhcp_msg *m, const uint8_t *data, uint32_t len);
const char *vf__dhcp_strerror(int rc);
const char *vf__dhcp_type_name(uint8_t type);

/* What the server puts in a reply. Addresses host order; 0 omits. */
struct vf__dhcp_reply {
	uint8_t msg_type; /* OFFER, ACK or NAK */
	uint32_t yiaddr;  /* 0 for INFORM's ACK and for NAK */
	uint32_t server_id;
	uint32_t subnet_mask;
	uint32_t router;
	uint32_t broadcast;
	uint32_t lease_time; /* 0: omit lease, T1 and T2 (INFORM, NAK) */
	uint32_t dns[4];
	uint8_t ndns;
	const char *domain; /* NULL or "": omit */
	uint16_t mtu;	    /* 0: omit */
};

/* Writes the reply's UDP payload (BOOTP header, cookie, options, end)
 * into @out; returns its length, or 0 if @cap is too small. Options: 53
 * and 54 always; for OFFER and ACK the configuration (1, 3, 6, 15, 26, 28,
 * 51, 58, 59) whether or not the client listed it in option 55 (RFC 2131
 * lets a server send them); the xid, flags, giaddr and chaddr are copied
 * from @req. */
uint32_t vf__dhcp_build(uint8_t *out, uint32_t cap, const struct vf__dhcp_msg *req,
			const struct vf__dhcp_reply *r);

#endif
