/*
 * frames.h: building and reading the few Ethernet frames the examples
 * send by hand (an ARP request, an ICMP echo request and its reply), so
 * that a "VM" can be a few lines of C. Header-only, used by
 * vmm_callback.c and custom_datapath.c; not part of the library.
 *
 * Addresses are as the library takes them: IPv4 in host byte order,
 * vf_mac in wire order.
 */
#ifndef VF_EXAMPLES_FRAMES_H
#define VF_EXAMPLES_FRAMES_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <vfabric/vfabric.h>

#define FR_ETH_LEN 14
#define FR_ARP_LEN (FR_ETH_LEN + 28)
#define FR_IP_LEN 20
#define FR_ICMP_LEN 8
#define FR_PING_DATA 32
#define FR_PING_LEN (FR_ETH_LEN + FR_IP_LEN + FR_ICMP_LEN + FR_PING_DATA)

static inline void fr_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void fr_put32(uint8_t *p, uint32_t v)
{
	fr_put16(p, (uint16_t)(v >> 16));
	fr_put16(p + 2, (uint16_t)v);
}

static inline uint16_t fr_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t fr_get32(const uint8_t *p)
{
	return (uint32_t)fr_get16(p) << 16 | fr_get16(p + 2);
}

/* The Internet checksum (RFC 1071) of @len bytes. */
static inline uint16_t fr_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += fr_get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static inline void fr_eth(uint8_t *f, const vf_mac *dst, const vf_mac *src, uint16_t type)
{
	memcpy(f, dst->addr, 6);
	memcpy(f + 6, src->addr, 6);
	fr_put16(f + 12, type);
}

/* An ARP request "who has @tip? tell @sip" from @smac, broadcast.
 * Returns its length (FR_ARP_LEN). */
static inline size_t fr_arp_request(uint8_t *f, const vf_mac *smac, uint32_t sip,
				    uint32_t tip)
{
	const vf_mac bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
	uint8_t *a = f + FR_ETH_LEN;

	fr_eth(f, &bcast, smac, 0x0806);
	fr_put16(a, 1);		 /* Ethernet */
	fr_put16(a + 2, 0x0800); /* IPv4 */
	a[4] = 6;
	a[5] = 4;
	fr_put16(a + 6, 1); /* request */
	memcpy(a + 8, smac->addr, 6);
	fr_put32(a + 14, sip);
	memset(a + 18, 0, 6);
	fr_put32(a + 24, tip);
	return FR_ARP_LEN;
}

/* Whether @f is an ARP reply; if so, the sender's MAC and IP. */
static inline int fr_arp_reply(const uint8_t *f, size_t len, vf_mac *mac, uint32_t *ip)
{
	if (len < FR_ARP_LEN || fr_get16(f + 12) != 0x0806 ||
	    fr_get16(f + FR_ETH_LEN + 6) != 2)
		return 0;
	memcpy(mac->addr, f + FR_ETH_LEN + 8, 6);
	*ip = fr_get32(f + FR_ETH_LEN + 14);
	return 1;
}

/* An ICMP echo (@type 8: request, 0: reply) from @smac/@sip to
 * @dmac/@dip with id and sequence. Returns its length (FR_PING_LEN). */
static inline size_t fr_ping(uint8_t *f, uint8_t type, const vf_mac *smac, uint32_t sip,
			     const vf_mac *dmac, uint32_t dip, uint16_t id, uint16_t seq)
{
	uint8_t *ip = f + FR_ETH_LEN, *icmp = ip + FR_IP_LEN;

	fr_eth(f, dmac, smac, 0x0800);
	memset(ip, 0, FR_IP_LEN);
	ip[0] = 0x45;
	fr_put16(ip + 2, FR_IP_LEN + FR_ICMP_LEN + FR_PING_DATA);
	fr_put16(ip + 4, seq); /* identification */
	ip[8] = 64;	       /* TTL */
	ip[9] = 1;	       /* ICMP */
	fr_put32(ip + 12, sip);
	fr_put32(ip + 16, dip);
	fr_put16(ip + 10, fr_csum(ip, FR_IP_LEN));
	memset(icmp, 0, FR_ICMP_LEN);
	icmp[0] = type;
	fr_put16(icmp + 4, id);
	fr_put16(icmp + 6, seq);
	for (int i = 0; i < FR_PING_DATA; i++)
		icmp[FR_ICMP_LEN + i] = (uint8_t)('a' + i % 26);
	fr_put16(icmp + 2, fr_csum(icmp, FR_ICMP_LEN + FR_PING_DATA));
	return FR_PING_LEN;
}

/* Whether @f is an ICMP echo of @type (8 request, 0 reply); if so its
 * addresses and TTL. */
static inline int fr_is_ping(const uint8_t *f, size_t len, uint8_t type, uint32_t *sip,
			     uint32_t *dip, uint8_t *ttl)
{
	const uint8_t *ip = f + FR_ETH_LEN;

	if (len < FR_ETH_LEN + FR_IP_LEN + FR_ICMP_LEN || fr_get16(f + 12) != 0x0800 ||
	    (ip[0] & 0x0f) != 5 || ip[9] != 1 || ip[FR_IP_LEN] != type)
		return 0;
	*sip = fr_get32(ip + 12);
	*dip = fr_get32(ip + 16);
	*ttl = ip[8];
	return 1;
}

/* "02:01:0a:07:01:0a > ff:ff:ff:ff:ff:ff" into @buf (at least 40). */
static inline const char *fr_macs(char *buf, size_t len, const uint8_t *f)
{
	char d[VF_MAC_STRLEN], s[VF_MAC_STRLEN];
	vf_mac m;

	memcpy(m.addr, f + 6, 6);
	vf_mac_format(s, sizeof(s), &m);
	memcpy(m.addr, f, 6);
	vf_mac_format(d, sizeof(d), &m);
	snprintf(buf, len, "%s > %s", s, d);
	return buf;
}

#endif
