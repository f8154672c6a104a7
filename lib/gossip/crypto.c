/*
 * The gossip keyring and memberlist's AES-256-GCM framing (libsodium's
 * crypto_aead_aes256gcm with precomputed key schedules).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/internal.h"
#include "gossip/crypto.h"

struct key {
	crypto_aead_aes256gcm_state st; /* first: 16-byte aligned */
	uint8_t raw[VF__GOSSIP_KEY_LEN];
};

struct vf__keyring {
	size_t n;
	struct key keys[VF__GOSSIP_KEYS_MAX]; /* keys[0] is the primary */
};

/* ---- libsodium, once ---- */

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_rc; /* written once, under @once */

static void init(void)
{
	if (sodium_init() < 0)
		init_rc = -ENOMEM;
	else if (!crypto_aead_aes256gcm_is_available())
		init_rc = -EOPNOTSUPP;
}

int vf__gossip_crypto_check(void)
{
	pthread_once(&once, init);
	if (init_rc == -EOPNOTSUPP)
		return vf__fail(
			NULL, -EOPNOTSUPP,
			"gossip encryption: AES-256-GCM needs a CPU with AES-NI "
			"and PCLMULQDQ (libsodium 1.0.18), and this one lacks them");
	if (init_rc < 0)
		return vf__fail(NULL, init_rc,
				"gossip encryption: libsodium failed to start");
	return 0;
}

/* ---- the keyring ---- */

static int check_key(size_t len)
{
	int rc;

	if (len == 16 || len == 24)
		return vf__fail(NULL, -EOPNOTSUPP,
				"gossip key of %zu bytes (AES-%zu-GCM): only 32-byte "
				"AES-256-GCM keys are supported (libsodium)",
				len, len * 8);
	if (len != VF__GOSSIP_KEY_LEN)
		return vf__fail(NULL, -EINVAL, "gossip key of %zu bytes: must be 32",
				len);
	if ((rc = vf__gossip_crypto_check()) < 0)
		return rc;
	return 0;
}

static ptrdiff_t find(const struct vf__keyring *kr, const uint8_t *key, size_t len)
{
	if (len != VF__GOSSIP_KEY_LEN)
		return -1;
	for (size_t i = 0; i < kr->n; i++)
		if (!sodium_memcmp(kr->keys[i].raw, key, len))
			return (ptrdiff_t)i;
	return -1;
}

static void set_key(struct key *k, const uint8_t *key)
{
	memcpy(k->raw, key, sizeof(k->raw));
	crypto_aead_aes256gcm_beforenm(&k->st, key);
}

int vf__keyring_create(struct vf__keyring **out, const uint8_t *key, size_t len)
{
	struct vf__keyring *kr;
	int rc;

	*out = NULL;
	if ((rc = check_key(len)) < 0)
		return rc;
	if (!(kr = calloc(1, sizeof(*kr))))
		return -ENOMEM;
	set_key(&kr->keys[0], key);
	kr->n = 1;
	*out = kr;
	return 0;
}

void vf__keyring_destroy(struct vf__keyring *kr)
{
	if (!kr)
		return;
	sodium_memzero(kr, sizeof(*kr));
	free(kr);
}

int vf__keyring_install(struct vf__keyring *kr, const uint8_t *key, size_t len)
{
	int rc;

	if ((rc = check_key(len)) < 0)
		return rc;
	if (find(kr, key, len) >= 0)
		return 0;
	if (kr->n == VF__GOSSIP_KEYS_MAX)
		return vf__fail(NULL, -ENOSPC, "gossip keyring full (%d keys)",
				VF__GOSSIP_KEYS_MAX);
	set_key(&kr->keys[kr->n++], key);
	return 0;
}

int vf__keyring_use(struct vf__keyring *kr, const uint8_t *key, size_t len)
{
	ptrdiff_t i = find(kr, key, len);
	struct key tmp;

	if (i < 0)
		return vf__fail(NULL, -ENOENT, "gossip key not installed");
	tmp = kr->keys[i];
	kr->keys[i] = kr->keys[0];
	kr->keys[0] = tmp;
	sodium_memzero(&tmp, sizeof(tmp));
	return 0;
}

int vf__keyring_remove(struct vf__keyring *kr, const uint8_t *key, size_t len)
{
	ptrdiff_t i = find(kr, key, len);

	if (i < 0)
		return vf__fail(NULL, -ENOENT, "gossip key not installed");
	if (i == 0)
		return vf__fail(
			NULL, -EBUSY,
			"the primary gossip key cannot be removed; use another first");
	kr->keys[i] = kr->keys[kr->n - 1];
	sodium_memzero(&kr->keys[kr->n - 1], sizeof(kr->keys[0]));
	kr->n--;
	return 0;
}

size_t vf__keyring_count(const struct vf__keyring *kr)
{
	return kr->n;
}

const uint8_t *vf__keyring_key(const struct vf__keyring *kr, size_t i)
{
	return i < kr->n ? kr->keys[i].raw : NULL;
}

/* ---- framing ---- */

int vf__gossip_encrypt(struct vf__gbuf *out, const struct vf__keyring *kr, uint8_t vsn,
		       const uint8_t *pt, size_t len, const uint8_t *ad, size_t adlen)
{
	size_t pad = vsn == 0 ? 16 - len % 16 : 0, start = out->len;
	uint8_t head[1 + VF__GOSSIP_NONCE_LEN], padding[16];
	unsigned long long clen;
	uint8_t *c;
	int rc;

	if (vsn > 1)
		return -EINVAL;
	if (len > VF__GOSSIP_STREAM_MAX)
		return -EMSGSIZE;
	head[0] = vsn;
	randombytes_buf(head + 1, VF__GOSSIP_NONCE_LEN);
	memset(padding, (int)pad, sizeof(padding));
	/* the plaintext and padding go where the ciphertext will be */
	if ((rc = vf__gbuf_put(out, head, sizeof(head))) < 0 ||
	    (rc = vf__gbuf_put(out, pt, len)) < 0 ||
	    (rc = vf__gbuf_put(out, padding, pad)) < 0 ||
	    (rc = vf__gbuf_put(out, padding, VF__GOSSIP_TAG_LEN)) < 0)
		goto out;
	c = out->data + start + sizeof(head);
	crypto_aead_aes256gcm_encrypt_afternm(c, &clen, c, len + pad, ad, ad ? adlen : 0,
					      NULL, head + 1, &kr->keys[0].st);
out:
	if (rc < 0)
		out->len = start;
	return rc;
}

/* Strips version 0's padding from the @len bytes at @p; the new length. */
static int unpad(const uint8_t *p, size_t len, size_t *out)
{
	uint8_t n = len ? p[len - 1] : 0;

	if (n < 1 || n > 16 || n > len)
		return -EPROTO;
	*out = len - n;
	return 0;
}

int vf__gossip_decrypt(struct vf__gbuf *out, uint8_t *vsn, const struct vf__keyring *kr,
		       const uint8_t *blob, size_t len, const uint8_t *ad, size_t adlen)
{
	size_t start = out->len, mlen = len - VF__GOSSIP_ENC_OVERHEAD;
	const uint8_t *nonce = blob + 1, *c = blob + 1 + VF__GOSSIP_NONCE_LEN;
	unsigned long long plen;
	int rc = -EBADMSG;

	if (len < VF__GOSSIP_ENC_OVERHEAD || blob[0] > 1)
		return -EPROTO;
	if ((rc = vf__gbuf_put(out, c, mlen)) < 0)
		return rc;
	rc = -EBADMSG;
	for (size_t i = 0; i < kr->n && rc < 0; i++)
		if (!crypto_aead_aes256gcm_decrypt_afternm(
			    out->data + start, &plen, NULL, c, mlen + VF__GOSSIP_TAG_LEN,
			    ad, ad ? adlen : 0, nonce, &kr->keys[i].st))
			rc = 0;
	if (!rc && blob[0] == 0)
		rc = unpad(out->data + start, mlen, &mlen);
	if (rc < 0) {
		out->len = start;
		return rc;
	}
	out->len = start + mlen;
	*vsn = blob[0];
	return 0;
}
