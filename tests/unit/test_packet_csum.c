/*
 * lib/packet/csum.c: RFC 1071 sums against the RFCs' own examples and a
 * plain reference sum (packet_frames.h) at every length and alignment,
 * folding, RFC 1624 incremental updates against full recomputations for
 * random inputs (fixed seed), and the pseudo-header against scapy's UDP
 * checksums.
 */
#include "unit.h"

#include <stdlib.h>

#include "packet/packet.h"

#include "packet_frames.h"

static void test_packet_csum_rfc1071_example(void **state)
{
	/* RFC 1071 section 3: these bytes sum to 0xddf2 */
	static const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};

	(void)state;
	assert_int_equal(vf__csum_add(0, b, sizeof(b)), 0xddf2);
	assert_int_equal(vf__csum_fold(0xddf2), 0x220d);
	assert_int_equal(vf__csum_fold(vf__csum_add(0, b, sizeof(b))), 0x220d);
}

static void test_packet_csum_ipv4_header_example(void **state)
{
	/* the worked example of Wikipedia's "Internet checksum" article:
	 * 192.168.0.1 to 192.168.0.199, UDP, total length 0x73; 0xb861 */
	uint8_t h[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
			 0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};

	(void)state;
	assert_int_equal(vf__csum_fold(vf__csum_add(0, h, sizeof(h))), 0xb861);
	h[10] = 0xb8;
	h[11] = 0x61;
	/* a correct header sums to 0xffff, which folds and inverts to 0 */
	assert_int_equal(vf__csum_add(0, h, sizeof(h)), 0xffff);
	assert_int_equal(vf__csum_fold(vf__csum_add(0, h, sizeof(h))), 0);
}

static void test_packet_csum_frames_from_scapy_verify(void **state)
{
	(void)state;
	/* scapy's header checksums: a whole header sums to 0xffff */
	assert_int_equal(vf__csum_add(0, fr_udp + 14, 20), 0xffff);
	assert_int_equal(vf__csum_add(0, fr_echo_request_vlan_opts + 18, 28), 0xffff);
	assert_int_equal(vf__csum_add(0, fr_tcp_syn + 14, 20), 0xffff);
	/* and its ICMP checksum over an odd-length message (31 bytes) */
	assert_int_equal(vf__csum_add(0, fr_echo_request + 34, 31), 0xffff);
}

static void test_packet_csum_odd_lengths(void **state)
{
	static const uint8_t b[] = {0x12, 0x34, 0x56};

	(void)state;
	/* a trailing byte is the high half of a zero-padded word */
	assert_int_equal(vf__csum_add(0, b, 1), 0x1200);
	assert_int_equal(vf__csum_add(0, b, 3), 0x1234 + 0x5600);
	assert_int_equal(vf__csum_add(0, b, 0), 0);
	assert_int_equal(vf__csum_add(0x1234, b, 0), 0x1234);
}

static void test_packet_csum_folds_carries(void **state)
{
	uint8_t *b = malloc(65536 + 7);
	size_t i;

	(void)state;
	assert_non_null(b);
	/* the result is folded: 0xffff + 0x0001 -> 0x0001 (end-around carry) */
	assert_int_equal(vf__csum_add(0xffff, (const uint8_t[]){0, 1}, 2), 1);
	assert_int_equal(vf__csum_add(0x1fffe, NULL, 0), 0xffff);
	assert_int_equal(vf__csum_add(0xffffffff, NULL, 0), 0xffff);
	/* 64 KiB of 0xff: 32768 words of 0xffff stay 0xffff */
	memset(b, 0xff, 65536 + 7);
	assert_int_equal(vf__csum_add(0, b, 65536), 0xffff);
	assert_int_equal(vf__csum_add(0xffffffff, b + 1, 65536 + 6), 0xffff);
	/* ... and a trailing odd 0xff counts as 0xff00 */
	assert_int_equal(vf__csum_add(0, b + 1, 65536 + 5), 0xff00);
	/* many carries at once */
	for (i = 0; i < 65536 + 7; i++)
		b[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(vf__csum_fold(vf__csum_add(0, b, 65536 + 7)),
			 ref_csum(0, b, 65536 + 7));
	free(b);

	assert_int_equal(vf__csum_fold(0), 0xffff);
	assert_int_equal(vf__csum_fold(0xffff), 0);
	assert_int_equal(vf__csum_fold(0x10000), 0xfffe);
	assert_int_equal(vf__csum_fold(0x2fffd), 0);
	assert_int_equal(vf__csum_fold(0xffffffff), 0);
	assert_int_equal(vf__csum_fold(0x12345678), (uint16_t) ~(0x1234 + 0x5678));
}

/* Every length 0..300 at every alignment 0..7, random bytes, equals the
 * reference; a sum started from a previous even-length block equals the
 * sum of the whole. */
static void test_packet_csum_matches_reference(void **state)
{
	uint8_t *buf = malloc(300 + 8);
	uint32_t seed = 0x1234567;

	(void)state;
	assert_non_null(buf);
	for (size_t len = 0; len <= 300; len++) {
		for (size_t align = 0; align < 8; align++) {
			uint8_t *b = buf + align;

			for (size_t i = 0; i < len; i++)
				b[i] = (uint8_t)ref_rand(&seed);
			if (vf__csum_fold(vf__csum_add(0, b, len)) != ref_csum(0, b, len))
				fail_msg("length %zu at alignment %zu", len, align);
			for (size_t cut = 0; cut <= len; cut += 2) {
				uint32_t s = vf__csum_add(0, b, cut);

				s = vf__csum_add(s, b + cut, len - cut);
				if (vf__csum_fold(s) != ref_csum(0, b, len))
					fail_msg("length %zu split at %zu", len, cut);
			}
		}
	}
	free(buf);
}

static void test_packet_csum_rfc1624_example(void **state)
{
	(void)state;
	/* RFC 1624 section 4: HC 0xdd2f, m 0x5555 -> m' 0x3285: eqn. 3 gives
	 * 0x0000 (eqn. 2 of RFC 1141 would give the wrong 0xffff) */
	assert_int_equal(vf__csum_update16(0xdd2f, 0x5555, 0x3285), 0x0000);
	/* no change, no change */
	assert_int_equal(vf__csum_update16(0x1234, 0xabcd, 0xabcd), 0x1234);
	assert_int_equal(vf__csum_update32(0x1234, 0xabcd0123, 0xabcd0123), 0x1234);
	/* updates are reversible */
	assert_int_equal(vf__csum_update16(vf__csum_update16(0x4321, 1, 2), 2, 1),
			 0x4321);
}

/* A random @n-byte block with a checksum field at @coff: store the full
 * checksum, change one aligned 16- or 32-bit word, update incrementally,
 * compare with a recomputation by the reference. */
static void check_incremental(uint32_t *seed, size_t n, bool wide)
{
	uint8_t b[64];
	size_t coff = 2 * (ref_rand(seed) % (n / 2));
	size_t woff;
	uint16_t c, want;

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)ref_rand(seed);
	b[coff] = b[coff + 1] = 0;
	c = ref_csum(0, b, n);
	do
		woff = 2 * (ref_rand(seed) % (n / 2 - (wide ? 1 : 0)));
	while (woff == coff || (wide && woff + 2 == coff));
	if (wide) {
		uint32_t old = vf__get32(b + woff), nw = ref_rand(seed);

		vf__put32(b + woff, nw);
		c = vf__csum_update32(c, old, nw);
	} else {
		uint16_t old = vf__get16(b + woff), nw = (uint16_t)ref_rand(seed);

		vf__put16(b + woff, nw);
		c = vf__csum_update16(c, old, nw);
	}
	want = ref_csum(0, b, n);
	if (c != want)
		fail_msg("n %zu word at %zu, checksum at %zu: incremental %#x, full %#x",
			 n, woff, coff, c, want);
	/* and the block with it verifies */
	vf__put16(b + coff, c);
	assert_int_equal(ref_csum(0, b, n), 0);
}

static void test_packet_csum_incremental_equals_full(void **state)
{
	uint32_t seed = 20240601;

	(void)state;
	for (int i = 0; i < 200000; i++)
		check_incremental(&seed, 8 + 2 * (ref_rand(&seed) % 28), i & 1);
}

/* The values where eqn. 3 is exact although naive forms are not: words
 * at 0x0000 and 0xffff, checksums at both zeros. */
static void test_packet_csum_incremental_edge_words(void **state)
{
	static const uint16_t words[] = {0x0000, 0x0001, 0x7fff, 0x8000, 0xfffe, 0xffff};

	(void)state;
	for (size_t i = 0; i < VT_ARRAY_SIZE(words); i++) {
		for (size_t j = 0; j < VT_ARRAY_SIZE(words); j++) {
			for (size_t k = 0; k < VT_ARRAY_SIZE(words); k++) {
				/* block: version word 0x4500 (never zero, like an
				 * IPv4 header), words[k], the changing word, csum */
				uint8_t b[8] = {0x45, 0x00};
				uint16_t c;

				vf__put16(b + 2, words[k]);
				vf__put16(b + 4, words[i]);
				c = ref_csum(0, b, 8);
				vf__put16(b + 4, words[j]);
				c = vf__csum_update16(c, words[i], words[j]);
				assert_int_equal(c, ref_csum(0, b, 8));
			}
		}
	}
}

static void test_packet_csum_pseudo(void **state)
{
	uint32_t s;

	(void)state;
	s = vf__csum_pseudo(0x0a010105, 0x0a010207, 17, 19);
	assert_int_equal(s, 0x0a01 + 0x0105 + 0x0a01 + 0x0207 + 17 + 19);
	/* carries are left for the caller's fold */
	s = vf__csum_pseudo(0xffffffff, 0xffffffff, 255, 0xffff);
	assert_int_equal(s, 4 * 0xffff + 255 + 0xffff);
	assert_int_equal(s, (uint64_t)ref_pseudo((const uint8_t[]){[8] = 0,
								   [9] = 255,
								   [12] = 0xff,
								   0xff,
								   0xff,
								   0xff,
								   0xff,
								   0xff,
								   0xff,
								   0xff},
						 0xffff));

	/* scapy's UDP and TCP checksums verify with it */
	s = vf__csum_pseudo(IP_A, IP_B, 17, 19);
	assert_int_equal(vf__csum_fold(vf__csum_add(s, fr_udp + 34, 19)), 0);
	s = vf__csum_pseudo(IP_A, IP_B, 6, 28);
	assert_int_equal(vf__csum_fold(vf__csum_add(s, fr_tcp_syn + 34, 28)), 0);
	s = vf__csum_pseudo(IP_R, 0xffffffff, 17, 29);
	assert_int_equal(vf__csum_fold(vf__csum_add(s, fr_udp_build_expected + 34, 29)),
			 0);
}

/* A frame whose TCP/UDP checksum was left to offload (the field holds
 * anything: the pseudo-header sum, or garbage) gets the full checksum,
 * the one scapy computed; anything else is left alone. */
static void complete_one(const uint8_t *good, size_t len, size_t field)
{
	uint8_t f[128];

	assert_true(len <= sizeof(f));
	memcpy(f, good, len);
	f[field] = 0x12;
	f[field + 1] = 0x34;
	assert_true(vf__csum_complete_l4(f, (uint32_t)len));
	assert_memory_equal(f, good, len);
}

static void test_packet_csum_complete_l4(void **state)
{
	uint8_t f[128];

	(void)state;
	complete_one(fr_udp, sizeof(fr_udp), 34 + 6);
	complete_one(fr_tcp_syn, sizeof(fr_tcp_syn), 34 + 16);

	/* a fragment, a truncated frame, ARP: untouched */
	memcpy(f, fr_udp, sizeof(fr_udp));
	f[14 + 6] |= 0x20; /* MF */
	assert_false(vf__csum_complete_l4(f, sizeof(fr_udp)));
	memcpy(f, fr_udp, sizeof(fr_udp));
	assert_false(vf__csum_complete_l4(f, 34 + 4));
	assert_false(vf__csum_complete_l4(f, sizeof(fr_udp) - 1)); /* IP total > frame */
	assert_memory_equal(f, fr_udp, sizeof(fr_udp));
	memcpy(f, fr_arp_request, sizeof(fr_arp_request));
	assert_false(vf__csum_complete_l4(f, sizeof(fr_arp_request)));
	assert_memory_equal(f, fr_arp_request, sizeof(fr_arp_request));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_packet_csum_rfc1071_example),
		cmocka_unit_test(test_packet_csum_complete_l4),
		cmocka_unit_test(test_packet_csum_ipv4_header_example),
		cmocka_unit_test(test_packet_csum_frames_from_scapy_verify),
		cmocka_unit_test(test_packet_csum_odd_lengths),
		cmocka_unit_test(test_packet_csum_folds_carries),
		cmocka_unit_test(test_packet_csum_matches_reference),
		cmocka_unit_test(test_packet_csum_rfc1624_example),
		cmocka_unit_test(test_packet_csum_incremental_equals_full),
		cmocka_unit_test(test_packet_csum_incremental_edge_words),
		cmocka_unit_test(test_packet_csum_pseudo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
