/*
 * The Internet checksum: RFC 1071 sums, RFC 1624 incremental updates and
 * the IPv4 pseudo-header of TCP and UDP.
 *
 * Sums are kept as big-endian 16-bit words, so the results do not depend
 * on the host's byte order, and bytes are read one at a time, so any
 * alignment is fine.
 */
#include <string.h>

#include "packet/packet.h"

/* Folds a 64-bit one's complement accumulator to 16 bits (end-around
 * carry): the result is 0 only when the sum was 0. */
static uint32_t fold64(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint32_t)sum;
}

/*
 * The data is taken to start at an even offset of the checksummed message:
 * a trailing odd byte is the high half of a last word padded with zero
 * (RFC 1071 2.(1)), so of a chain of calls only the last may be odd.
 */
uint32_t vf__csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *b = data;
	uint64_t acc = sum;

	/* 32-bit big-endian words add up to the same one's complement sum
	 * as their 16-bit halves; 2^32 of them cannot overflow 64 bits. */
	while (len >= 4) {
		acc += vf__get32(b);
		b += 4;
		len -= 4;
	}
	if (len >= 2) {
		acc += vf__get16(b);
		b += 2;
		len -= 2;
	}
	if (len)
		acc += (uint32_t)b[0] << 8;
	return fold64(acc);
}

bool vf__csum_valid(const void *data, size_t len)
{
	const uint8_t *b = data;
	uint64_t acc = 0;
	uint32_t w;
	uint16_t h;

	for (; len >= 4; b += 4, len -= 4) {
		memcpy(&w, b, 4); /* one load, any alignment */
		acc += w;
	}
	if (len >= 2) {
		memcpy(&h, b, 2);
		acc += h;
	}
	return fold64(acc) == 0xffff;
}

uint16_t vf__csum_fold(uint32_t sum)
{
	return (uint16_t)~fold64(sum);
}

/*
 * RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). Unlike RFC 1141's form it gives
 * what a full recomputation gives (RFC 1624 section 3), with one exception
 * that cannot arise in an IPv4 header (its version nibble is not zero): when
 * every covered word becomes zero, it stores 0x0000 where a recomputation
 * stores 0xffff.
 */
uint16_t vf__csum_update16(uint16_t csum, uint16_t old, uint16_t new_)
{
	uint32_t sum = (uint32_t)(uint16_t)~csum + (uint16_t)~old + new_;

	return (uint16_t)~fold64(sum);
}

uint16_t vf__csum_update32(uint16_t csum, uint32_t old, uint32_t new_)
{
	uint32_t sum = (uint32_t)(uint16_t)~csum;

	sum += (uint16_t) ~(old >> 16);
	sum += (uint16_t)~old;
	sum += new_ >> 16;
	sum += new_ & 0xffff;
	return (uint16_t)~fold64(sum);
}

uint32_t vf__csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t l4len)
{
	uint32_t sum = 0;

	sum += src >> 16;
	sum += src & 0xffff;
	sum += dst >> 16;
	sum += dst & 0xffff;
	sum += proto;
	sum += l4len;
	return sum;
}

bool vf__csum_complete_l4(uint8_t *frame, uint32_t len)
{
	uint32_t l2 = 14, ihl, total, l4len, off;
	uint8_t *ip, proto;
	uint16_t csum;

	if (len >= 18 && vf__get16(frame + 12) == 0x8100)
		l2 = 18;
	if (len < l2 + 20 || vf__get16(frame + l2 - 2) != 0x0800)
		return false;
	ip = frame + l2;
	ihl = (uint32_t)(ip[0] & 0x0f) * 4;
	total = vf__get16(ip + 2);
	proto = ip[9];
	if ((ip[0] >> 4) != 4 || ihl < 20 || total < ihl || total > len - l2 ||
	    (vf__get16(ip + 6) & 0x3fff)) /* MF or an offset: a fragment */
		return false;
	l4len = total - ihl;
	if (proto == 6 && l4len >= 20)
		off = 16;
	else if (proto == 17 && l4len >= 8)
		off = 6;
	else
		return false;
	vf__put16(ip + ihl + off, 0);
	csum = vf__csum_fold(
		vf__csum_add(vf__csum_pseudo(vf__get32(ip + 12), vf__get32(ip + 16),
					     proto, (uint16_t)l4len),
			     ip + ihl, l4len));
	if (proto == 17 && csum == 0)
		csum = 0xffff;
	vf__put16(ip + ihl + off, csum);
	return true;
}
