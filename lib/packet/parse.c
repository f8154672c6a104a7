/*
 * The frame parser: Ethernet with at most one 802.1Q or 802.1ad tag, then
 * Ethernet/IPv4 ARP or IPv4 with its TCP, UDP or ICMP header.
 *
 * Every read is preceded by a check against the frame's length, and the
 * IPv4 total length, not the frame's, bounds everything after the IPv4
 * header (frames may carry Ethernet padding after the datagram).
 *
 * What the struct holds after a successful parse:
 * - ARP: the arp_* fields; payload is the end of the 28-byte ARP body.
 * - IPv4: the ip_* fields, frag_off and frag_more. has_l4 is set, and
 *   l4, the L4 fields and payload (the L4 payload) with it, for a TCP,
 *   UDP or ICMP datagram that is unfragmented or the first fragment and
 *   holds the whole L4 header. Otherwise l4 is 0, the L4 fields are 0 and
 *   payload is the start of the IPv4 payload.
 * - UDP: 8 <= UDP length <= IPv4 payload length (a shorter UDP length is
 *   accepted, as Linux does: the datagram is the first UDP length bytes,
 *   so readers of UDP data should take its length from the UDP header).
 *   In a first fragment the UDP length covers the whole datagram and is
 *   not checked.
 * - Only the IPv4 header checksum is verified; L4 checksums are not.
 */
#include <string.h>

#include "packet/packet.h"

#define IP_PROTO_ICMP 1
#define IP_PROTO_TCP 6
#define IP_PROTO_UDP 17

#define IP_MF 0x2000
#define IP_OFFMASK 0x1fff

#define ARP_HTYPE_ETHER 1
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2

#define ICMP_ECHOREPLY 0
#define ICMP_ECHO 8

static int parse_arp(struct vf__pkt *p)
{
	const uint8_t *a = p->data + p->l3;
	uint32_t room = p->len - p->l3;

	/* htype, ptype, hlen, plen, op: which kind of ARP this is */
	if (room < 8)
		return VF__PKT_ETRUNC;
	if (vf__get16(a) != ARP_HTYPE_ETHER || vf__get16(a + 2) != VF__ETH_P_IPV4 ||
	    a[4] != 6 || a[5] != 4)
		return VF__PKT_EUNSUPP;
	p->arp_op = vf__get16(a + 6);
	if (p->arp_op != ARP_OP_REQUEST && p->arp_op != ARP_OP_REPLY)
		return VF__PKT_EUNSUPP;
	if (room < VF__ARP_LEN)
		return VF__PKT_ETRUNC;
	memcpy(p->arp_sha.addr, a + 8, 6);
	p->arp_spa = vf__get32(a + 14);
	memcpy(p->arp_tha.addr, a + 18, 6);
	p->arp_tpa = vf__get32(a + 24);
	p->payload = (uint16_t)(p->l3 + VF__ARP_LEN);
	return VF__PKT_OK;
}

/*
 * The L4 header at @off, @room bytes of IPv4 payload after it. A header
 * that does not fit is an error in a whole datagram and merely absent in a
 * first fragment (@frag): the rest of it is in a later one.
 */
static int parse_l4(struct vf__pkt *p, uint16_t off, uint32_t room, bool frag)
{
	const uint8_t *l = p->data + off;
	uint32_t hlen;

	switch (p->ip_proto) {
	case IP_PROTO_ICMP: hlen = VF__ICMP_HLEN; break;
	case IP_PROTO_UDP: hlen = VF__UDP_HLEN; break;
	case IP_PROTO_TCP:
		if (room < VF__TCP_HLEN_MIN)
			return frag ? VF__PKT_OK : VF__PKT_ETRUNC;
		hlen = (uint32_t)(l[12] >> 4) * 4;
		if (hlen < VF__TCP_HLEN_MIN)
			return VF__PKT_EHEADER;
		break;
	default: return VF__PKT_OK;
	}
	if (room < hlen)
		return frag ? VF__PKT_OK : VF__PKT_ETRUNC;

	if (p->ip_proto == IP_PROTO_ICMP) {
		p->icmp_type = l[0];
		p->icmp_code = l[1];
		if (l[0] == ICMP_ECHO || l[0] == ICMP_ECHOREPLY)
			p->icmp_id = vf__get16(l + 4);
	} else {
		p->sport = vf__get16(l);
		p->dport = vf__get16(l + 2);
	}
	if (p->ip_proto == IP_PROTO_UDP) {
		uint16_t ulen = vf__get16(l + 4);

		if (ulen < VF__UDP_HLEN)
			return VF__PKT_EHEADER;
		if (!frag && ulen > room)
			return VF__PKT_ETRUNC;
	}
	if (p->ip_proto == IP_PROTO_TCP)
		p->tcp_flags = l[13];
	p->l4 = off;
	p->has_l4 = true;
	p->payload = (uint16_t)(off + hlen);
	return VF__PKT_OK;
}

static int parse_ipv4(struct vf__pkt *p)
{
	const uint8_t *ip = p->data + p->l3;
	uint32_t room = p->len - p->l3, hlen, frag;

	if (room < VF__IP_HLEN_MIN)
		return VF__PKT_ETRUNC;
	hlen = (uint32_t)(ip[0] & 0x0f) * 4;
	if (ip[0] >> 4 != 4 || hlen < VF__IP_HLEN_MIN)
		return VF__PKT_EHEADER;
	if (room < hlen)
		return VF__PKT_ETRUNC;
	if (!vf__csum_valid(ip, hlen))
		return VF__PKT_ECSUM;

	p->ip_hlen = (uint8_t)hlen;
	p->ip_tos = ip[1];
	p->ip_len = vf__get16(ip + 2);
	p->ip_id = vf__get16(ip + 4);
	frag = vf__get16(ip + 6);
	p->frag_off = (uint16_t)((frag & IP_OFFMASK) * 8);
	p->frag_more = frag & IP_MF;
	p->ip_ttl = ip[8];
	p->ip_proto = ip[9];
	p->ip_src = vf__get32(ip + 12);
	p->ip_dst = vf__get32(ip + 16);
	p->payload = (uint16_t)(p->l3 + hlen);

	if (p->ip_len < hlen)
		return VF__PKT_EHEADER;
	if (p->ip_len > room)
		return VF__PKT_ETRUNC;
	/* no fragment may reach past the largest datagram (ping of death) */
	if ((uint32_t)p->frag_off + p->ip_len - hlen > 0xffff)
		return VF__PKT_EHEADER;
	if (p->frag_off)
		return VF__PKT_OK;
	return parse_l4(p, p->payload, p->ip_len - hlen, p->frag_more);
}

int vf__pkt_parse(struct vf__pkt *p, uint8_t *data, uint32_t len)
{
	memset(p, 0, sizeof(*p));
	p->data = data;
	p->len = len;
	if (len < VF__ETH_HLEN)
		return VF__PKT_ETRUNC;
	memcpy(p->dst.addr, data, 6);
	memcpy(p->src.addr, data + 6, 6);
	p->ethertype = vf__get16(data + 12);
	p->l3 = VF__ETH_HLEN;
	if (p->ethertype == VF__ETH_P_VLAN || p->ethertype == VF__ETH_P_QINQ) {
		if (len < VF__ETH_HLEN + VF__VLAN_HLEN)
			return VF__PKT_ETRUNC;
		p->has_vlan = true;
		p->vlan_tci = vf__get16(data + 14);
		p->ethertype = vf__get16(data + 16);
		p->l3 += VF__VLAN_HLEN;
	}

	switch (p->ethertype) {
	case VF__ETH_P_ARP: return parse_arp(p);
	case VF__ETH_P_IPV4: return parse_ipv4(p);
	/* includes a second tag: only one is carried */
	default: return VF__PKT_EUNSUPP;
	}
}

const char *vf__pkt_strerror(int rc)
{
	switch (rc) {
	case VF__PKT_OK: return "ok";
	case VF__PKT_ETRUNC: return "truncated frame";
	case VF__PKT_EHEADER: return "invalid header field";
	case VF__PKT_ECSUM: return "bad IPv4 header checksum";
	case VF__PKT_EUNSUPP: return "unsupported protocol";
	default: return "unknown parse result";
	}
}

bool vf__pkt_is_broadcast(const vf_mac *mac)
{
	static const uint8_t all[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

	return memcmp(mac->addr, all, sizeof(all)) == 0;
}
