/*
 * Frames as bytes: a bounds-checked parsed view, checksums, and builders
 * for the replies the pipeline makes itself. Nothing here knows the model.
 *
 * Byte order: fields of struct vf__pkt are host order unless named *_be.
 * Every offset is checked against the frame's length before any read; a
 * frame that does not parse gets a negative VF__PKT_E* code and is never
 * read past its end.
 */
#ifndef VF_PACKET_PACKET_H
#define VF_PACKET_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vfabric/common.h>

#define VF__ETH_HLEN 14
#define VF__VLAN_HLEN 4
#define VF__ETH_P_IPV4 0x0800
#define VF__ETH_P_ARP 0x0806
#define VF__ETH_P_VLAN 0x8100
#define VF__ETH_P_QINQ 0x88a8
#define VF__IP_HLEN_MIN 20
#define VF__UDP_HLEN 8
#define VF__TCP_HLEN_MIN 20
#define VF__ICMP_HLEN 8
#define VF__ARP_LEN 28 /* Ethernet/IPv4 ARP body */

/* Parse results (negative): why a frame is not usable. */
enum {
	VF__PKT_OK = 0,
	VF__PKT_ETRUNC = -1,   /* shorter than a header says */
	VF__PKT_EHEADER = -2,  /* a header field is invalid (version, IHL, ...) */
	VF__PKT_ECSUM = -3,    /* IPv4 header checksum wrong */
	VF__PKT_EUNSUPP = -4,  /* an ethertype or ARP kind we do not carry */
};

/* TCP flags (struct vf__pkt.tcp_flags). */
#define VF__TCP_FIN 0x01
#define VF__TCP_SYN 0x02
#define VF__TCP_RST 0x04
#define VF__TCP_ACK 0x10

/* A parsed frame. Offsets are from the start of the frame. */
struct vf__pkt {
	uint8_t *data;
	uint32_t len;

	vf_mac dst, src;
	bool has_vlan;
	uint16_t vlan_tci;
	uint16_t ethertype; /* after any 802.1Q tag */
	uint16_t l3;	    /* offset of the ARP or IPv4 header */

	/* ARP (ethertype VF__ETH_P_ARP): Ethernet/IPv4 only */
	uint16_t arp_op; /* 1 request, 2 reply */
	vf_mac arp_sha, arp_tha;
	uint32_t arp_spa, arp_tpa;

	/* IPv4 */
	uint8_t ip_hlen; /* bytes, options included */
	uint8_t ip_proto, ip_ttl, ip_tos;
	uint16_t ip_len; /* total length from the header (<= len - l3) */
	uint16_t ip_id;
	uint16_t frag_off; /* fragment offset in bytes */
	bool frag_more;	   /* MF set */
	uint32_t ip_src, ip_dst;
	uint16_t l4; /* offset of the L4 header; 0 when it is not there */
	bool has_l4; /* an unfragmented or first fragment with a full L4 header */

	/* TCP/UDP (when has_l4) */
	uint16_t sport, dport;
	uint8_t tcp_flags;
	/* ICMP (when has_l4) */
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id; /* echo request/reply identifier */

	uint16_t payload; /* offset of the L4 payload (UDP data, ...) */
};

/* Parses @len bytes at @data (which stays owned by the caller). Fills every
 * field it reaches; returns VF__PKT_OK or a negative VF__PKT_E* code. The
 * IPv4 header checksum is verified. */
int vf__pkt_parse(struct vf__pkt *p, uint8_t *data, uint32_t len);

/* Names a parse result for traces. */
const char *vf__pkt_strerror(int rc);

bool vf__pkt_is_broadcast(const vf_mac *mac);

/* ---- checksums ---- */

/* The Internet checksum (RFC 1071) of @len bytes, folded, not inverted,
 * starting from @sum. */
uint32_t vf__csum_add(uint32_t sum, const void *data, size_t len);
/* Folds and inverts a running sum into a checksum field value (network
 * order bytes when stored with vf__put16). */
uint16_t vf__csum_fold(uint32_t sum);
/* RFC 1624 incremental update of checksum @csum (as stored, host order of
 * the 16-bit field) when a 16-bit word changes from @old to @new. */
uint16_t vf__csum_update16(uint16_t csum, uint16_t old, uint16_t new_);
uint16_t vf__csum_update32(uint16_t csum, uint32_t old, uint32_t new_);
/* Whether the @len bytes at @data (even @len) sum to a valid checksum:
 * for verifying headers. One's complement sums do not depend on byte
 * order, so this adds native-order 32-bit words: a few instructions per
 * IPv4 header. */
bool vf__csum_valid(const void *data, size_t len);
/* The TCP/UDP pseudo-header sum for IPv4. */
uint32_t vf__csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t l4len);
/* Writes the full TCP or UDP checksum of an IPv4 frame (Ethernet, with or
 * without one 802.1Q tag) whose checksum the sender left to offload
 * (a netdev's "checksum not ready" frames: only the pseudo-header sum is
 * in the field). Returns true if it wrote one; anything else (not IPv4
 * TCP/UDP, a fragment, truncated) is left as it is. */
bool vf__csum_complete_l4(uint8_t *frame, uint32_t len);

/* ---- unaligned big-endian access ---- */

static inline uint16_t vf__get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t vf__get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void vf__put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void vf__put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* ---- in-place edits (incremental checksums) ---- */

/* Decrements the TTL of the parsed IPv4 frame and fixes the header
 * checksum incrementally. The caller checked ip_ttl > 1. */
void vf__pkt_dec_ttl(struct vf__pkt *p);
/* Rewrites the Ethernet addresses (no checksum covers them). */
void vf__pkt_set_macs(struct vf__pkt *p, const vf_mac *src, const vf_mac *dst);

/* ---- builders: each writes a whole frame into @out (room @cap) and
 * returns its length, or 0 when @cap is too small ---- */

/* ARP reply to request @req: "@ip is at @mac". */
uint32_t vf__build_arp_reply(uint8_t *out, uint32_t cap, const struct vf__pkt *req,
			     const vf_mac *mac, uint32_t ip);
/* ICMP echo reply to echo request @req, from @src_ip/@src_mac (the
 * router's interface) back to the sender. */
uint32_t vf__build_echo_reply(uint8_t *out, uint32_t cap, const struct vf__pkt *req,
			      const vf_mac *src_mac, uint32_t src_ip);
/* ICMP error (@type, @code: time exceeded 11/0, unreachable 3/x) about
 * frame @orig, from @src_ip/@src_mac to orig's sender, quoting orig's IP
 * header and the first 8 bytes of its payload (RFC 792). */
uint32_t vf__build_icmp_error(uint8_t *out, uint32_t cap, const struct vf__pkt *orig,
			      uint8_t type, uint8_t code, const vf_mac *src_mac,
			      uint32_t src_ip);
/* Ethernet + IPv4 + UDP headers around @payload_len bytes the caller has
 * already written at out + VF__ETH_HLEN + 20 + 8; fills lengths and both
 * checksums. Returns the frame length. */
uint32_t vf__build_udp(uint8_t *out, uint32_t cap, const vf_mac *src_mac,
		       const vf_mac *dst_mac, uint32_t src_ip, uint32_t dst_ip,
		       uint16_t sport, uint16_t dport, uint32_t payload_len);

#endif
