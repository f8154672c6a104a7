/*
 * Gossip encryption: a keyring of AES-256-GCM keys and memberlist's
 * framing, [vsn][nonce 12][ciphertext][tag 16], through libsodium.
 *
 * The first key (primary) encrypts; decryption tries every key. Version 1
 * (what Serf sends) carries the plaintext as is; version 0 pads it
 * PKCS#7-style to 16 bytes first; both are accepted. UDP packets use no
 * additional data, TCP messages the 5 bytes of their [10][len u32be]
 * header. memberlist allows 16- and 24-byte keys (AES-128/192) too;
 * libsodium has only AES-256, and only on CPUs with AES-NI and PCLMUL, so
 * those are refused with -EOPNOTSUPP and a message saying why.
 */
#ifndef VF_GOSSIP_CRYPTO_H
#define VF_GOSSIP_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "gossip/codec.h"

#define VF__GOSSIP_KEY_LEN 32
#define VF__GOSSIP_NONCE_LEN 12
#define VF__GOSSIP_TAG_LEN 16
#define VF__GOSSIP_ENC_OVERHEAD (1 + VF__GOSSIP_NONCE_LEN + VF__GOSSIP_TAG_LEN)
#define VF__GOSSIP_KEYS_MAX 64

/*
 * 0 if AES-256-GCM can be used here: initialises libsodium once
 * (pthread_once). -EOPNOTSUPP, with vf_last_error() naming the missing
 * CPU feature, where it cannot; -ENOMEM if libsodium fails to start.
 */
int vf__gossip_crypto_check(void);

struct vf__keyring;

/* A keyring holding @key as its primary. -EINVAL for a key length
 * memberlist refuses, -EOPNOTSUPP for 16/24 bytes or a CPU without
 * AES-NI. */
int vf__keyring_create(struct vf__keyring **out, const uint8_t *key, size_t len);
/* Wipes the keys and frees the keyring; NULL is a no-op. */
void vf__keyring_destroy(struct vf__keyring *kr);
/* Adds a key (already there: nothing to do). -ENOSPC past
 * VF__GOSSIP_KEYS_MAX keys. */
int vf__keyring_install(struct vf__keyring *kr, const uint8_t *key, size_t len);
/* Makes an installed key the primary; -ENOENT if it is not installed. */
int vf__keyring_use(struct vf__keyring *kr, const uint8_t *key, size_t len);
/* Removes a key; -EBUSY for the primary, -ENOENT if not installed. */
int vf__keyring_remove(struct vf__keyring *kr, const uint8_t *key, size_t len);
size_t vf__keyring_count(const struct vf__keyring *kr);
/* The @i-th key (0: the primary), VF__GOSSIP_KEY_LEN bytes. */
const uint8_t *vf__keyring_key(const struct vf__keyring *kr, size_t i);

/* Appends the blob of @pt encrypted with the primary key, framing version
 * @vsn (1, or 0 with padding), @ad as additional data (NULL: none). */
int vf__gossip_encrypt(struct vf__gbuf *out, const struct vf__keyring *kr, uint8_t vsn,
		       const uint8_t *pt, size_t len, const uint8_t *ad, size_t adlen);
/* Appends the plaintext of @blob; *vsn gets its version. -EPROTO for a
 * version above 1, a blob too short or bad padding; -EBADMSG when no key
 * opens it. */
int vf__gossip_decrypt(struct vf__gbuf *out, uint8_t *vsn, const struct vf__keyring *kr,
		       const uint8_t *blob, size_t len, const uint8_t *ad, size_t adlen);

#endif
