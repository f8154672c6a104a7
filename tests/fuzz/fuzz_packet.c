/*
 * Fuzz target: lib/packet. Parses arbitrary bytes as a frame (from a heap
 * copy of exactly their length, so ASan sees any read past it), checks
 * what a successful parse promises, then runs the in-place edits and the
 * builders on it and checks their output: it re-parses, its checksums
 * verify by a plain reference sum, it says what was asked, building in
 * place gives the same bytes, and a cap one byte short builds nothing and
 * writes nothing.
 *
 * Seeds: tests/fuzz/corpus/packet/, frames made by scapy 2.5.0 (the same
 * expressions as tests/unit/packet_frames.h) and cut copies of them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "packet/packet.h"
#include "fuzz.h"

static const vf_mac rmac = {{0x02, 0, 0, 0, 0, 0x01}};
#define RIP 0x0a010101u

/* RFC 1071 the plain way: 0 when the covered bytes verify. */
static uint16_t ref_csum(uint64_t sum, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	if (n & 1)
		sum += (uint32_t)b[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint8_t *dup_bytes(const uint8_t *b, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);

	CHECK(c);
	memcpy(c, b, n);
	return c;
}

static void check_parsed(const struct vf__pkt *p)
{
	const uint8_t *ip = p->data + p->l3;

	CHECK(p->l3 == (p->has_vlan ? 18 : 14));
	if (p->ethertype == VF__ETH_P_ARP) {
		CHECK(p->l3 + (uint32_t)VF__ARP_LEN <= p->len);
		CHECK(p->arp_op == 1 || p->arp_op == 2);
		CHECK(p->payload == p->l3 + (uint32_t)VF__ARP_LEN && !p->has_l4 &&
		      !p->l4);
		return;
	}
	CHECK(p->ethertype == VF__ETH_P_IPV4);
	CHECK(p->ip_hlen >= 20 && p->ip_hlen <= 60 && p->ip_hlen % 4 == 0);
	CHECK(p->ip_len >= p->ip_hlen && (uint32_t)p->l3 + p->ip_len <= p->len);
	CHECK(ref_csum(0, ip, p->ip_hlen) == 0);
	CHECK(p->frag_off + (uint32_t)p->ip_len - p->ip_hlen <= 0xffff);
	CHECK(p->ip_ttl == ip[8] && p->ip_proto == ip[9]);
	if (!p->has_l4) {
		CHECK(!p->l4 && !p->sport && !p->dport && !p->icmp_type);
		CHECK(p->payload == p->l3 + p->ip_hlen);
		return;
	}
	CHECK(p->frag_off == 0);
	CHECK(p->ip_proto == 1 || p->ip_proto == 6 || p->ip_proto == 17);
	CHECK(p->l4 == p->l3 + p->ip_hlen);
	CHECK(p->payload > p->l4 && p->payload <= p->l3 + p->ip_len);
}

static void check_dec_ttl(const struct vf__pkt *p)
{
	uint8_t *c = dup_bytes(p->data, p->len);
	struct vf__pkt q;

	if (p->ethertype != VF__ETH_P_IPV4 || p->ip_ttl < 1)
		goto out;
	CHECK(vf__pkt_parse(&q, c, p->len) == VF__PKT_OK);
	vf__pkt_set_macs(&q, &rmac, &p->src);
	CHECK(!memcmp(c, p->src.addr, 6) && !memcmp(c + 6, rmac.addr, 6));
	CHECK(!memcmp(c + 12, p->data + 12, p->len - 12));
	vf__pkt_dec_ttl(&q);
	CHECK(q.ip_ttl == p->ip_ttl - 1);
	/* the incremental update left a header that a full sum verifies */
	CHECK(ref_csum(0, c + p->l3, p->ip_hlen) == 0);
	for (uint32_t i = 12; i < p->len; i++)
		if (i != p->l3 + 8u && i != p->l3 + 10u && i != p->l3 + 11u)
			CHECK(c[i] == p->data[i]);
	CHECK(vf__pkt_parse(&q, c, p->len) == VF__PKT_OK);
	CHECK(q.ip_ttl == p->ip_ttl - 1);
	CHECK(!memcmp(q.src.addr, rmac.addr, 6));
	/* an address rewrite by the 32-bit update verifies too */
	{
		uint8_t *ip = c + p->l3;
		uint32_t old = vf__get32(ip + 12), nw = ~old ^ p->ip_dst;

		vf__put32(ip + 12, nw);
		vf__put16(ip + 10, vf__csum_update32(vf__get16(ip + 10), old, nw));
		CHECK(ref_csum(0, ip, p->ip_hlen) == 0);
	}
out:
	free(c);
}

/* Runs @build into a fresh buffer of @cap bytes; returns the output. */
typedef uint32_t (*build_fn)(uint8_t *out, uint32_t cap, const struct vf__pkt *p,
			     const uint8_t *arg);

/* Builds with room to spare, with one byte too few, and in place (into a
 * copy of the frame, when it fits); all must agree. */
static uint8_t *build_checked(build_fn build, const struct vf__pkt *p, const uint8_t *arg,
			      uint32_t *n)
{
	uint32_t cap = p->len + 128;
	uint8_t *out = malloc(cap), *c;
	struct vf__pkt q;

	CHECK(out);
	*n = build(out, cap, p, arg);
	if (!*n)
		return out;
	CHECK(*n <= cap);
	/* a cap one short: nothing built, and nothing past it written */
	c = malloc(*n - 1 ? *n - 1 : 1);
	CHECK(c);
	CHECK(build(c, *n - 1, p, arg) == 0);
	free(c);
	/* in place */
	c = malloc(p->len > *n ? p->len : *n);
	CHECK(c);
	memcpy(c, p->data, p->len);
	CHECK(vf__pkt_parse(&q, c, p->len) == VF__PKT_OK);
	CHECK(build(c, p->len > *n ? p->len : *n, &q, arg) == *n);
	CHECK(!memcmp(c, out, *n));
	free(c);
	return out;
}

static uint32_t do_echo(uint8_t *out, uint32_t cap, const struct vf__pkt *p,
			const uint8_t *arg)
{
	(void)arg;
	return vf__build_echo_reply(out, cap, p, &rmac, RIP);
}

static uint32_t do_error(uint8_t *out, uint32_t cap, const struct vf__pkt *p,
			 const uint8_t *arg)
{
	return vf__build_icmp_error(out, cap, p, arg[0], arg[1], &rmac, RIP);
}

static uint32_t do_arp(uint8_t *out, uint32_t cap, const struct vf__pkt *p,
		       const uint8_t *arg)
{
	(void)arg;
	return vf__build_arp_reply(out, cap, p, &rmac, RIP);
}

static void check_echo(const struct vf__pkt *p)
{
	bool want = p->ethertype == VF__ETH_P_IPV4 && p->ip_proto == 1 && p->has_l4 &&
		    p->icmp_type == 8 && !p->frag_off && !p->frag_more;
	uint32_t n, mlen = (uint32_t)p->ip_len - p->ip_hlen;
	uint8_t *out = build_checked(do_echo, p, NULL, &n);
	struct vf__pkt q;

	CHECK(want == (n != 0));
	if (!n)
		goto out;
	CHECK(n == 34 + mlen);
	CHECK(vf__pkt_parse(&q, out, n) == VF__PKT_OK);
	CHECK(q.ip_proto == 1 && q.icmp_type == 0 && q.has_l4 && !q.has_vlan);
	CHECK(q.ip_src == RIP && q.ip_dst == p->ip_src && q.ip_ttl == 64);
	CHECK(!memcmp(q.dst.addr, p->src.addr, 6) && !memcmp(q.src.addr, rmac.addr, 6));
	CHECK(ref_csum(0, out + 34, mlen) == 0);
	CHECK(!memcmp(out + 38, p->data + p->l4 + 4, mlen - 4));
out:
	free(out);
}

static bool error_allowed(const struct vf__pkt *p)
{
	uint32_t s = p->ip_src, d = p->ip_dst;
	uint8_t t = p->icmp_type;

	if (p->ethertype != VF__ETH_P_IPV4 || p->frag_off || (p->dst.addr[0] & 1))
		return false;
	if (p->ip_proto == 1 &&
	    (!p->has_l4 || t == 3 || t == 4 || t == 5 || t == 11 || t == 12))
		return false;
	if (d == 0xffffffff || (d >> 28) == 0xe)
		return false;
	return (s >> 24) != 0 && (s >> 24) != 127 && (s >> 28) < 0xe;
}

static void check_error(const struct vf__pkt *p, const uint8_t type_code[2])
{
	uint32_t n, plen = (uint32_t)p->ip_len - p->ip_hlen;
	uint32_t qlen = p->ip_hlen + (plen < 8 ? plen : 8);
	uint8_t *out = build_checked(do_error, p, type_code, &n), again[128];
	struct vf__pkt q;

	CHECK(error_allowed(p) == (n != 0));
	if (!n)
		goto out;
	CHECK(n == 42 + qlen);
	CHECK(vf__pkt_parse(&q, out, n) == VF__PKT_OK);
	CHECK(q.ip_proto == 1 && q.has_l4 && q.icmp_type == type_code[0] &&
	      q.icmp_code == type_code[1]);
	CHECK(q.ip_src == RIP && q.ip_dst == p->ip_src && q.ip_ttl == 64);
	CHECK(!memcmp(q.dst.addr, p->src.addr, 6));
	CHECK(ref_csum(0, out + 34, n - 34) == 0);
	CHECK(!memcmp(out + 42, p->data + p->l3, qlen));
	/* an error about the error is never sent */
	if (type_code[0] == 3 || type_code[0] == 11 || type_code[0] == 12)
		CHECK(vf__build_icmp_error(again, sizeof(again), &q, 11, 0, &rmac, RIP) ==
		      0);
out:
	free(out);
}

static void check_arp(const struct vf__pkt *p)
{
	uint32_t n;
	uint8_t *out = build_checked(do_arp, p, NULL, &n);
	struct vf__pkt q;

	CHECK((p->ethertype == VF__ETH_P_ARP && p->arp_op == 1) == (n != 0));
	if (n) {
		CHECK(n == 42);
		CHECK(vf__pkt_parse(&q, out, n) == VF__PKT_OK);
		CHECK(q.arp_op == 2 && q.arp_spa == RIP && q.arp_tpa == p->arp_spa);
		CHECK(!memcmp(q.arp_tha.addr, p->arp_sha.addr, 6));
		CHECK(!memcmp(q.dst.addr, p->arp_sha.addr, 6));
	}
	free(out);
}

/* The input's bytes as the payload of a built UDP frame. */
static void check_udp(const uint8_t *data, size_t size)
{
	uint32_t plen = size > 2000 ? 2000 : (uint32_t)size, n;
	uint8_t *out = malloc(42 + plen);
	struct vf__pkt q;
	uint64_t ps;

	CHECK(out);
	memcpy(out + 42, data, plen);
	CHECK(vf__build_udp(out, 41 + plen, &rmac, &rmac, RIP, 0x0a010102, 67, 68,
			    plen) == 0);
	n = vf__build_udp(out, 42 + plen, &rmac, &rmac, RIP, 0x0a010102, 67, 68, plen);
	CHECK(n == 42 + plen);
	CHECK(vf__pkt_parse(&q, out, n) == VF__PKT_OK);
	CHECK(q.has_l4 && q.sport == 67 && q.dport == 68 && q.payload == 42);
	CHECK(!memcmp(out + 42, data, plen));
	ps = (uint64_t)0x0a01 * 2 + 0x0101 + 0x0102 + 17 + 8 + plen;
	CHECK(ref_csum(ps, out + 34, 8 + plen) == 0);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t type_code[2] = {3, 1};
	struct vf__pkt p;
	uint8_t *frame;
	int rc;

	if (size > 0x20000)
		return 0;
	if (size >= 2) {
		/* the last two bytes choose the error (they are often padding) */
		type_code[0] = data[size - 2] % 16;
		type_code[1] = data[size - 1] % 16;
	}
	frame = dup_bytes(data, size);
	rc = vf__pkt_parse(&p, frame, (uint32_t)size);
	CHECK(rc <= 0 && rc >= VF__PKT_EUNSUPP);
	CHECK(vf__pkt_strerror(rc) != NULL);
	if (size >= 6) {
		vf_mac m;

		memcpy(m.addr, data, 6);
		CHECK(vf__pkt_is_broadcast(&m) ==
		      !memcmp(data, "\xff\xff\xff\xff\xff\xff", 6));
	}
	if (rc == VF__PKT_OK) {
		check_parsed(&p);
		check_dec_ttl(&p);
		check_echo(&p);
		check_error(&p, type_code);
		check_arp(&p);
	}
	check_udp(data, size);
	free(frame);
	return 0;
}
