/*
 * In-place edits of parsed frames and the builders of the frames the
 * pipeline answers with itself.
 *
 * Built frames are untagged (frames to and from VMs carry no 802.1Q tag;
 * a tagged request gets an untagged answer) and are not padded to the
 * Ethernet minimum of 60 bytes (the NIC or the tap does that). Their IPv4
 * header is 20 bytes with TTL 64, identification 0 and DF set (atomic
 * datagrams, RFC 6864 section 4). Each builder reads the request only
 * through the parsed struct and copies the request's bytes it quotes with
 * memmove before writing anything else, so @out may be the request's own
 * buffer. Nothing is written at or past out + cap; a builder that cannot
 * build returns 0 without writing.
 */
#include <string.h>

#include "packet/packet.h"

#define IP_PROTO_ICMP 1
#define IP_PROTO_UDP 17
#define IP_DF 0x4000
#define IP_TTL_DEFAULT 64
#define IP_TOS_PREC_INTERNETCONTROL 0xc0
#define IP_TOS_MASK 0x1e
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2
#define ICMP_ECHOREPLY 0
#define ICMP_ECHO 8

/* Frame offsets of the untagged frames built here. */
#define IP_OFF VF__ETH_HLEN
#define L4_OFF (VF__ETH_HLEN + VF__IP_HLEN_MIN)

static void put_eth(uint8_t *out, const vf_mac *dst, const vf_mac *src, uint16_t type)
{
	memcpy(out, dst->addr, 6);
	memcpy(out + 6, src->addr, 6);
	vf__put16(out + 12, type);
}

/* A 20-byte IPv4 header with its checksum at @ip. */
static void put_ipv4(uint8_t *ip, uint8_t tos, uint16_t tot_len, uint8_t proto,
		     uint32_t src, uint32_t dst)
{
	ip[0] = 0x45;
	ip[1] = tos;
	vf__put16(ip + 2, tot_len);
	vf__put16(ip + 4, 0);
	vf__put16(ip + 6, IP_DF);
	ip[8] = IP_TTL_DEFAULT;
	ip[9] = proto;
	vf__put16(ip + 10, 0);
	vf__put32(ip + 12, src);
	vf__put32(ip + 16, dst);
	vf__put16(ip + 10, vf__csum_fold(vf__csum_add(0, ip, VF__IP_HLEN_MIN)));
}

/* Leaves a TTL of 0 (the caller's precondition broken) and a frame that is
 * not IPv4 as they are, rather than wrapping to 255. */
void vf__pkt_dec_ttl(struct vf__pkt *p)
{
	uint8_t *ip = p->data + p->l3;
	uint16_t old, csum;

	if (p->ethertype != VF__ETH_P_IPV4 || !p->ip_ttl)
		return;
	/* TTL is the high byte of the word it shares with the protocol */
	old = vf__get16(ip + 8);
	ip[8] = --p->ip_ttl;
	csum = vf__csum_update16(vf__get16(ip + 10), old, vf__get16(ip + 8));
	vf__put16(ip + 10, csum);
}

/* A NULL address leaves that one as it is. */
void vf__pkt_set_macs(struct vf__pkt *p, const vf_mac *src, const vf_mac *dst)
{
	if (dst) {
		memcpy(p->data, dst->addr, 6);
		p->dst = *dst;
	}
	if (src) {
		memcpy(p->data + 6, src->addr, 6);
		p->src = *src;
	}
}

/* Returns 0 unless @req is an Ethernet/IPv4 ARP request. The Ethernet
 * destination is the requester's hardware address from the ARP body, as
 * Linux's arp_send() does. */
uint32_t vf__build_arp_reply(uint8_t *out, uint32_t cap, const struct vf__pkt *req,
			     const vf_mac *mac, uint32_t ip)
{
	const uint32_t len = VF__ETH_HLEN + VF__ARP_LEN;
	uint8_t *a = out + VF__ETH_HLEN;
	vf_mac sha = req->arp_sha;
	uint32_t spa = req->arp_spa;

	if (req->ethertype != VF__ETH_P_ARP || req->arp_op != ARP_OP_REQUEST || cap < len)
		return 0;
	put_eth(out, &sha, mac, VF__ETH_P_ARP);
	vf__put16(a, 1); /* Ethernet */
	vf__put16(a + 2, VF__ETH_P_IPV4);
	a[4] = 6;
	a[5] = 4;
	vf__put16(a + 6, ARP_OP_REPLY);
	memcpy(a + 8, mac->addr, 6);
	vf__put32(a + 14, ip);
	memcpy(a + 18, sha.addr, 6);
	vf__put32(a + 24, spa);
	return len;
}

/*
 * Returns 0 unless @req is a whole (unfragmented) ICMP echo request. The
 * reply has the request's TOS, no IP options, type 0 and code 0 (RFC 792),
 * and the request's identifier, sequence number and data.
 */
uint32_t vf__build_echo_reply(uint8_t *out, uint32_t cap, const struct vf__pkt *req,
			      const vf_mac *src_mac, uint32_t src_ip)
{
	uint32_t mlen, len;
	uint8_t *icmp = out + L4_OFF;
	vf_mac dst = req->src;

	if (req->ethertype != VF__ETH_P_IPV4 || req->ip_proto != IP_PROTO_ICMP ||
	    !req->has_l4 || req->icmp_type != ICMP_ECHO || req->frag_more ||
	    req->frag_off)
		return 0;
	mlen = (uint32_t)req->ip_len - req->ip_hlen;
	len = L4_OFF + mlen;
	if (cap < len)
		return 0;
	memmove(icmp, req->data + req->l4, mlen);
	put_eth(out, &dst, src_mac, VF__ETH_P_IPV4);
	put_ipv4(out + IP_OFF, req->ip_tos, (uint16_t)(VF__IP_HLEN_MIN + mlen),
		 IP_PROTO_ICMP, src_ip, req->ip_src);
	icmp[0] = ICMP_ECHOREPLY;
	icmp[1] = 0;
	vf__put16(icmp + 2, 0);
	vf__put16(icmp + 2, vf__csum_fold(vf__csum_add(0, icmp, mlen)));
	return len;
}

static bool icmp_is_error(uint8_t type)
{
	/* destination unreachable, source quench, redirect, time exceeded,
	 * parameter problem */
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/* An address that names no single host as a source (RFC 1122 3.2.2):
 * "this network" 0/8, loopback 127/8, multicast, class E, broadcast. */
static bool ip_src_bogus(uint32_t a)
{
	return (a >> 24) == 0 || (a >> 24) == 127 || (a >> 28) >= 0xe;
}

/* RFC 1122 3.2.2: when no ICMP error may be sent about @orig. */
static bool icmp_error_forbidden(const struct vf__pkt *orig)
{
	if (orig->ethertype != VF__ETH_P_IPV4 || orig->frag_off)
		return true;
	/* an ICMP error, or an ICMP fragment too short to tell */
	if (orig->ip_proto == IP_PROTO_ICMP &&
	    (!orig->has_l4 || icmp_is_error(orig->icmp_type)))
		return true;
	/* link-layer broadcast or multicast (the group bit) */
	if (orig->dst.addr[0] & 1)
		return true;
	if (orig->ip_dst == 0xffffffff || (orig->ip_dst >> 28) == 0xe)
		return true;
	return ip_src_bogus(orig->ip_src);
}

/*
 * Returns 0 when RFC 1122 3.2.2 forbids the error (see
 * icmp_error_forbidden; a directed subnet broadcast is the caller's to
 * spot, this module knows no prefixes). The quote is orig's IP header,
 * options included, as received, and up to 8 bytes of its payload. The
 * 4 bytes after the ICMP checksum are zero: the interface has no next-hop
 * MTU (type 3 code 4, RFC 1191), pointer (type 12) or gateway (type 5);
 * a caller may store one there and fix the checksum with
 * vf__csum_update16/32. TOS: the precedence of internetwork control with
 * orig's TOS bits, as Linux's icmp_send() does (RFC 1812 4.3.2.5).
 */
uint32_t vf__build_icmp_error(uint8_t *out, uint32_t cap, const struct vf__pkt *orig,
			      uint8_t type, uint8_t code, const vf_mac *src_mac,
			      uint32_t src_ip)
{
	uint32_t plen, qlen, mlen, len;
	uint8_t *icmp = out + L4_OFF;
	vf_mac dst = orig->src;

	if (icmp_error_forbidden(orig))
		return 0;
	plen = (uint32_t)orig->ip_len - orig->ip_hlen;
	qlen = orig->ip_hlen + (plen < 8 ? plen : 8);
	mlen = VF__ICMP_HLEN + qlen;
	len = L4_OFF + mlen;
	if (cap < len)
		return 0;
	memmove(icmp + VF__ICMP_HLEN, orig->data + orig->l3, qlen);
	put_eth(out, &dst, src_mac, VF__ETH_P_IPV4);
	put_ipv4(out + IP_OFF,
		 (uint8_t)((orig->ip_tos & IP_TOS_MASK) | IP_TOS_PREC_INTERNETCONTROL),
		 (uint16_t)(VF__IP_HLEN_MIN + mlen), IP_PROTO_ICMP, src_ip, orig->ip_src);
	icmp[0] = type;
	icmp[1] = code;
	vf__put16(icmp + 2, 0);
	vf__put32(icmp + 4, 0);
	vf__put16(icmp + 2, vf__csum_fold(vf__csum_add(0, icmp, mlen)));
	return len;
}

uint32_t vf__build_udp(uint8_t *out, uint32_t cap, const vf_mac *src_mac,
		       const vf_mac *dst_mac, uint32_t src_ip, uint32_t dst_ip,
		       uint16_t sport, uint16_t dport, uint32_t payload_len)
{
	const uint32_t max = 0xffff - VF__IP_HLEN_MIN - VF__UDP_HLEN;
	uint8_t *udp = out + L4_OFF;
	uint16_t ulen, csum;
	uint32_t sum;

	if (payload_len > max || cap < L4_OFF + VF__UDP_HLEN + payload_len)
		return 0;
	ulen = (uint16_t)(VF__UDP_HLEN + payload_len);
	put_eth(out, dst_mac, src_mac, VF__ETH_P_IPV4);
	put_ipv4(out + IP_OFF, 0, (uint16_t)(VF__IP_HLEN_MIN + ulen), IP_PROTO_UDP,
		 src_ip, dst_ip);
	vf__put16(udp, sport);
	vf__put16(udp + 2, dport);
	vf__put16(udp + 4, ulen);
	vf__put16(udp + 6, 0);
	sum = vf__csum_pseudo(src_ip, dst_ip, IP_PROTO_UDP, ulen);
	csum = vf__csum_fold(vf__csum_add(sum, udp, ulen));
	/* 0 means "no checksum" in UDP: send its other form (RFC 768) */
	vf__put16(udp + 6, csum ? csum : 0xffff);
	return L4_OFF + ulen;
}
