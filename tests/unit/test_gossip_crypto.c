/*
 * The gossip keyring and memberlist's AES-256-GCM framing
 * (lib/gossip/crypto.c): round trips in both framing versions, the
 * capture's own encrypted packets, wrong keys, truncated and tampered
 * blobs, and key rotation (install, use, remove; the primary cannot be
 * removed).
 */
#include "unit.h"

#include <stdlib.h>

#include "gossip/codec.h"
#include "gossip/crypto.h"

static const uint8_t key1[32] = {1,  2,	 3,  4,	 5,  6,	 7,  8,	 9,  10, 11,
				 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
				 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t key2[32] = {0xaa, 0xbb, 0xcc};
static const uint8_t key3[32] = {0x33};

/* enc3.pcap frame 20 (beta pings alpha), and its key. */
static const uint8_t enc3_key[32] = {
	0x85, 0x5c, 0xa6, 0x75, 0x13, 0x49, 0x88, 0xc8, 0xdd, 0x9b, 0xb7,
	0xa7, 0xf1, 0x1b, 0xc8, 0x1f, 0xee, 0xcc, 0xe4, 0x19, 0xdc, 0xef,
	0x57, 0xa0, 0x71, 0xe0, 0x5e, 0x5d, 0x5e, 0xfa, 0xd6, 0x59,
};
static const uint8_t enc3_ping[] = {
	0x01, 0xd2, 0x8c, 0xe8, 0x23, 0xc8, 0x1f, 0x06, 0x30, 0xcf, 0xc4, 0xfd,
	0xac, 0xea, 0x50, 0xd6, 0x4f, 0x5b, 0x2d, 0x40, 0x89, 0x98, 0x48, 0x02,
	0xd2, 0x8a, 0x52, 0x67, 0xa6, 0x18, 0x45, 0x8a, 0x10, 0x6a, 0x53, 0xf8,
	0x0c, 0x63, 0xa6, 0xd3, 0xbf, 0x3e, 0x72, 0x51, 0xda, 0xc1, 0xa8, 0xf5,
	0x81, 0x9a, 0x58, 0x74, 0xce, 0xe3, 0xc8, 0xaf, 0x6d, 0x28, 0x82, 0xe2,
	0x46, 0x49, 0x80, 0xf9, 0xf4, 0x87, 0x8a, 0x3f, 0xd0, 0xac, 0x12, 0x77,
	0x74, 0x38, 0xd1, 0x1f, 0xd7, 0xb6, 0x76, 0x53, 0x6d, 0xdf, 0x4d, 0xd3,
	0x8b, 0xa1, 0x5b, 0xb2, 0x7f, 0xdf, 0xe8, 0xe1, 0x35, 0xf5, 0x24,
};

static const uint8_t msg[] = "\x00\x85\xa4Node\xa5"
			     "alpha";

struct fx {
	struct vf__keyring *kr;
	struct vf__gbuf blob, plain;
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx || vf__gossip_crypto_check() < 0 ||
	    vf__keyring_create(&fx->kr, key1, sizeof(key1)) < 0)
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	vf__keyring_destroy(fx->kr);
	vf__gbuf_free(&fx->blob);
	vf__gbuf_free(&fx->plain);
	free(fx);
	return 0;
}

static int open_blob(struct fx *fx, const uint8_t *ad, size_t adlen)
{
	uint8_t vsn = 0xff;
	int rc;

	fx->plain.len = 0;
	rc = vf__gossip_decrypt(&fx->plain, &vsn, fx->kr, fx->blob.data, fx->blob.len, ad,
				adlen);
	if (rc < 0)
		assert_int_equal(fx->plain.len, 0);
	else
		assert_int_equal(vsn, fx->blob.data[0]);
	return rc;
}

static void test_gossip_crypto_round_trip(void **state)
{
	static const uint8_t ad[5] = {10, 0, 0, 0, 42};
	struct fx *fx = *state;

	/* version 1: 29 bytes more, nonces differ from message to message */
	assert_int_equal(
		vf__gossip_encrypt(&fx->blob, fx->kr, 1, msg, sizeof(msg), NULL, 0), 0);
	assert_int_equal(fx->blob.len, sizeof(msg) + VF__GOSSIP_ENC_OVERHEAD);
	assert_int_equal(fx->blob.data[0], 1);
	assert_int_equal(open_blob(fx, NULL, 0), 0);
	assert_int_equal(fx->plain.len, sizeof(msg));
	assert_memory_equal(fx->plain.data, msg, sizeof(msg));
	assert_int_equal(
		vf__gossip_encrypt(&fx->blob, fx->kr, 1, msg, sizeof(msg), NULL, 0), 0);
	assert_memory_not_equal(fx->blob.data + 1, fx->blob.data + fx->blob.len / 2 + 1,
				12);

	/* version 0: padded to 16 (a whole block when already aligned) */
	for (size_t len = 0; len <= 32; len++) {
		fx->blob.len = 0;
		assert_int_equal(
			vf__gossip_encrypt(&fx->blob, fx->kr, 0, key1, len, NULL, 0), 0);
		assert_int_equal(fx->blob.len,
				 VF__GOSSIP_ENC_OVERHEAD + (len / 16 + 1) * 16);
		assert_int_equal(open_blob(fx, NULL, 0), 0);
		assert_int_equal(fx->plain.len, len);
		if (len)
			assert_memory_equal(fx->plain.data, key1, len);
	}

	/* the TCP framing's additional data must match */
	fx->blob.len = 0;
	assert_int_equal(
		vf__gossip_encrypt(&fx->blob, fx->kr, 1, msg, sizeof(msg), ad, 5), 0);
	assert_int_equal(open_blob(fx, ad, 5), 0);
	assert_int_equal(open_blob(fx, NULL, 0), -EBADMSG);
	assert_int_equal(open_blob(fx, ad, 4), -EBADMSG);
	assert_int_equal(vf__gossip_encrypt(&fx->blob, fx->kr, 2, msg, 1, NULL, 0),
			 -EINVAL);
}

static void test_gossip_crypto_capture(void **state)
{
	struct fx *fx = *state;
	struct vf__keyring *kr;
	struct vf__gbuf out = {0};
	uint8_t vsn;

	(void)fx;
	assert_int_equal(vf__keyring_create(&kr, enc3_key, sizeof(enc3_key)), 0);
	assert_int_equal(
		vf__gossip_decrypt(&out, &vsn, kr, enc3_ping, sizeof(enc3_ping), NULL, 0),
		0);
	assert_int_equal(vsn, 1);
	assert_int_equal(out.len, 66);
	assert_int_equal(out.data[0], 0);
	assert_memory_equal(out.data + 1,
			    "\x85\xa4Node\xa5"
			    "alpha",
			    12);
	vf__keyring_destroy(kr);
	vf__gbuf_free(&out);
}

static void test_gossip_crypto_refused(void **state)
{
	struct fx *fx = *state;
	struct vf__keyring *other;

	assert_int_equal(
		vf__gossip_encrypt(&fx->blob, fx->kr, 1, msg, sizeof(msg), NULL, 0), 0);
	/* the wrong key */
	assert_int_equal(vf__keyring_create(&other, key2, sizeof(key2)), 0);
	fx->plain.len = 0;
	assert_int_equal(vf__gossip_decrypt(&fx->plain, &(uint8_t){0}, other,
					    fx->blob.data, fx->blob.len, NULL, 0),
			 -EBADMSG);
	vf__keyring_destroy(other);
	/* truncated: every length */
	for (size_t len = fx->blob.len; len-- > 0;) {
		size_t full = fx->blob.len;

		fx->blob.len = len;
		assert_int_equal(open_blob(fx, NULL, 0),
				 len < VF__GOSSIP_ENC_OVERHEAD ? -EPROTO : -EBADMSG);
		fx->blob.len = full;
	}
	/* tampered: each byte of nonce, ciphertext and tag; the version */
	for (size_t i = 1; i < fx->blob.len; i++) {
		fx->blob.data[i] ^= 0x01;
		assert_int_equal(open_blob(fx, NULL, 0), -EBADMSG);
		fx->blob.data[i] ^= 0x01;
	}
	fx->blob.data[0] = 2;
	assert_int_equal(open_blob(fx, NULL, 0), -EPROTO);
	/* the version byte is not authenticated: a version-1 blob read as
	 * version 0 opens, and its last byte (0) is no valid padding */
	fx->blob.data[0] = 0;
	assert_int_equal(open_blob(fx, NULL, 0), -EPROTO);
	fx->blob.data[0] = 1;
	assert_int_equal(open_blob(fx, NULL, 0), 0);
}

static void test_gossip_crypto_keys(void **state)
{
	struct fx *fx = *state;
	struct vf__keyring *kr;

	(void)fx;
	/* lengths memberlist refuses, and the AES-128/192 ones libsodium lacks */
	assert_int_equal(vf__keyring_create(&kr, key1, 20), -EINVAL);
	assert_null(kr);
	assert_error_has("must be 32");
	assert_int_equal(vf__keyring_create(&kr, key1, 16), -EOPNOTSUPP);
	assert_error_has("AES-128-GCM");
	assert_int_equal(vf__keyring_create(&kr, key1, 24), -EOPNOTSUPP);
	assert_int_equal(vf__keyring_create(&kr, key1, 0), -EINVAL);
	assert_int_equal(vf__gossip_crypto_check(), 0);
}

static void test_gossip_crypto_rotation(void **state)
{
	struct fx *fx = *state;
	struct vf__gbuf old = {0};

	/* a blob from key1, the primary */
	assert_int_equal(vf__gossip_encrypt(&old, fx->kr, 1, msg, sizeof(msg), NULL, 0),
			 0);
	assert_int_equal(vf__keyring_count(fx->kr), 1);
	/* install key2: key1 still encrypts, both decrypt */
	assert_int_equal(vf__keyring_install(fx->kr, key2, 32), 0);
	assert_int_equal(vf__keyring_install(fx->kr, key2, 32), 0);
	assert_int_equal(vf__keyring_install(fx->kr, key2, 16), -EOPNOTSUPP);
	assert_int_equal(vf__keyring_count(fx->kr), 2);
	assert_memory_equal(vf__keyring_key(fx->kr, 0), key1, 32);
	assert_null(vf__keyring_key(fx->kr, 2));
	/* use key2: it encrypts now; key1's blob still opens */
	assert_int_equal(vf__keyring_use(fx->kr, key3, 32), -ENOENT);
	assert_int_equal(vf__keyring_use(fx->kr, key2, 32), 0);
	assert_memory_equal(vf__keyring_key(fx->kr, 0), key2, 32);
	assert_int_equal(
		vf__gossip_encrypt(&fx->blob, fx->kr, 1, msg, sizeof(msg), NULL, 0), 0);
	assert_int_equal(open_blob(fx, NULL, 0), 0);
	fx->blob.len = 0;
	assert_int_equal(vf__gbuf_put(&fx->blob, old.data, old.len), 0);
	assert_int_equal(open_blob(fx, NULL, 0), 0);
	/* the primary cannot go; key1 can, and then its blob is refused */
	assert_int_equal(vf__keyring_remove(fx->kr, key2, 32), -EBUSY);
	assert_error_has("primary");
	assert_int_equal(vf__keyring_remove(fx->kr, key3, 32), -ENOENT);
	assert_int_equal(vf__keyring_remove(fx->kr, key1, 32), 0);
	assert_int_equal(vf__keyring_count(fx->kr), 1);
	assert_int_equal(open_blob(fx, NULL, 0), -EBADMSG);
	assert_int_equal(vf__keyring_remove(fx->kr, key2, 32), -EBUSY);
	/* a full keyring */
	for (int i = 1; i < VF__GOSSIP_KEYS_MAX; i++) {
		uint8_t k[32] = {(uint8_t)i, 0x77};

		assert_int_equal(vf__keyring_install(fx->kr, k, 32), 0);
	}
	assert_int_equal(vf__keyring_install(fx->kr, key3, 32), -ENOSPC);
	vf__gbuf_free(&old);
}

/* Whole packets and streams through the keyring. */
static void test_gossip_crypto_layers(void **state)
{
	struct fx *fx = *state;
	struct vf__gossip_msg m = {.type = VF__GOSSIP_NACK, .u.nack.seq_no = 7};
	struct vf__gossip_stream st = {.type = VF__GOSSIP_ACK}, got;
	struct vf__gossip_packet pkt;
	struct vf__keyring *other;

	assert_int_equal(
		vf__gossip_packet_encode(&fx->blob, &m, 1, VF__GOSSIP_F_CRC, fx->kr), 0);
	assert_int_equal(
		vf__gossip_packet_decode(&pkt, fx->blob.data, fx->blob.len, fx->kr), 0);
	assert_true(pkt.encrypted && pkt.crc);
	assert_int_equal(pkt.msgs[0].u.nack.seq_no, 7);
	vf__gossip_packet_free(&pkt);
	assert_int_equal(vf__keyring_create(&other, key2, 32), 0);
	assert_int_equal(
		vf__gossip_packet_decode(&pkt, fx->blob.data, fx->blob.len, other),
		-EBADMSG);
	assert_null(pkt.msgs);

	fx->blob.len = 0;
	st.u.ack.seq_no = 9;
	assert_int_equal(
		vf__gossip_stream_encode(&fx->blob, &st, VF__GOSSIP_F_COMPRESS, fx->kr),
		0);
	assert_int_equal(fx->blob.data[0], VF__GOSSIP_ENCRYPT);
	assert_int_equal(
		vf__gossip_stream_decode(&got, fx->blob.data, fx->blob.len, fx->kr), 0);
	assert_true(got.encrypted && got.compressed);
	assert_int_equal(got.u.ack.seq_no, 9);
	assert_int_equal(got.used, fx->blob.len);
	vf__gossip_stream_free(&got);
	assert_int_equal(
		vf__gossip_stream_decode(&got, fx->blob.data, fx->blob.len, other),
		-EBADMSG);
	/* the 5-byte header is authenticated */
	fx->blob.data[4]++;
	assert_int_equal(
		vf__gossip_stream_decode(&got, fx->blob.data, fx->blob.len, fx->kr),
		-EAGAIN);
	fx->blob.data[4] -= 2;
	assert_int_equal(
		vf__gossip_stream_decode(&got, fx->blob.data, fx->blob.len, fx->kr),
		-EBADMSG);
	vf__keyring_destroy(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gossip_crypto_round_trip, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gossip_crypto_capture, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gossip_crypto_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gossip_crypto_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gossip_crypto_rotation, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gossip_crypto_layers, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
