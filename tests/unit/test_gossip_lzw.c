/*
 * LZW as Go's compress/lzw writes it for memberlist (LSB, 8-bit literals)
 * and the hasCrc CRC (lib/gossip/lzw.c): a Go-made compressed message
 * both ways, the output limit, bad codes and a missing end code, round
 * trips through every code width and the clear at 4095 codes.
 */
#include "unit.h"

#include <stdlib.h>

#include "gossip/codec.h"

static void lzw_round_trip(const uint8_t *in, size_t len)
{
	struct vf__gbuf z = {0}, out = {0};

	assert_int_equal(vf__gossip_lzw_compress(&z, in, len), 0);
	assert_int_equal(vf__gossip_lzw_decompress(&out, z.data, z.len, len), 0);
	assert_int_equal(out.len, len);
	if (len)
		assert_memory_equal(out.data, in, len);
	vf__gbuf_free(&z);
	vf__gbuf_free(&out);
}

static void test_gossip_lzw(void **state)
{
	/* foreign.pcap frames 55..59: the agent's compressed TCP ack */
	static const uint8_t go_buf[] = {0x00, 0x05, 0x08, 0x3a, 0x05, 0x25, 0x4c,
					 0x1e, 0x36, 0x6f, 0xc2, 0x90, 0x01, 0x56,
					 0x6a, 0x4a, 0x99, 0x38, 0x4e, 0xde, 0x34,
					 0x1b, 0x40, 0x21, 0x20};
	static const uint8_t ack[] = {0x02, 0x82, 0xa7, 'P',  'a',  'y', 'l',
				      'o',  'a',  'd',	0xc0, 0xa5, 'S', 'e',
				      'q',  'N',  'o',	0xcd, 0x03, 0x14};
	struct vf__gbuf b = {0};
	uint8_t *big = malloc(200000);
	uint32_t x = 12345;

	(void)state;
	assert_non_null(big);
	assert_int_equal(vf__gossip_lzw_decompress(&b, go_buf, sizeof(go_buf), 64), 0);
	assert_int_equal(b.len, sizeof(ack));
	assert_memory_equal(b.data, ack, sizeof(ack));
	b.len = 0;
	assert_int_equal(vf__gossip_lzw_compress(&b, ack, sizeof(ack)), 0);
	assert_int_equal(b.len, sizeof(go_buf));
	assert_memory_equal(b.data, go_buf, sizeof(go_buf));

	/* the limit, a missing end code, a code past the table */
	b.len = 0;
	assert_int_equal(vf__gossip_lzw_decompress(&b, go_buf, sizeof(go_buf), 19),
			 -EMSGSIZE);
	assert_int_equal(b.len, 0);
	assert_int_equal(vf__gossip_lzw_decompress(&b, go_buf, sizeof(go_buf) - 2, 64),
			 -EPROTO);
	assert_int_equal(
		vf__gossip_lzw_decompress(&b, (const uint8_t[]){0x00, 0xff, 0xff}, 3, 64),
		-EPROTO);
	assert_int_equal(b.len, 0);
	vf__gbuf_free(&b);

	/* widths 9..12, the clear at 4095 codes, runs (code == hi) */
	lzw_round_trip(NULL, 0);
	lzw_round_trip(ack, 1);
	memset(big, 'a', 200000);
	lzw_round_trip(big, 200000);
	for (size_t i = 0; i < 200000; i++) {
		x = x * 1103515245 + 12345;
		big[i] = (uint8_t)((x >> 16) % (i < 100000 ? 4 : 256));
	}
	lzw_round_trip(big, 200000);
	free(big);

	assert_int_equal(vf__gossip_crc32((const uint8_t *)"123456789", 9), 0xcbf43926);
	assert_int_equal(vf__gossip_crc32(NULL, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gossip_lzw),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
