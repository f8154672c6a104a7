/*
 * LZW as Go's compress/lzw does it with LSB bit order and 8-bit literals
 * (what memberlist's compress message carries), both ways, and the
 * CRC-32 of memberlist's hasCrc header.
 *
 * Codes 0..255 are bytes, 256 clears the table, 257 ends the data, new
 * codes start at 258. Codes are packed least significant bit first, 9 bits
 * wide at first and one bit wider each time the next code reaches 512,
 * 1024, 2048, up to 12. The encoder starts with a clear code, sends clear
 * again when its next code would reach 4095, and ends with the end code
 * and a last partial byte. The encoder below keeps Go's hash table (same
 * size, hash and probing), so its output is Go's byte for byte.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gossip/codec.h"

#define LIT_WIDTH 8
#define MAX_WIDTH 12
#define CLEAR (1u << LIT_WIDTH)
#define EOD (CLEAR + 1)
#define MAX_CODE ((1u << MAX_WIDTH) - 1)
#define TABLE_SIZE (4u << MAX_WIDTH)
#define TABLE_MASK (TABLE_SIZE - 1)
#define INVALID 0xffffffffu

/* ---- decompression ---- */

struct lzw_reader {
	const uint8_t *in;
	size_t len, pos;
	uint32_t bits;
	unsigned int nbits, width;
	uint32_t hi, overflow, last;
	uint16_t prefix[1u << MAX_WIDTH];
	uint8_t suffix[1u << MAX_WIDTH];
	uint8_t stack[1u << MAX_WIDTH];
};

/* The next code; -EPROTO when the input ends first. */
static int read_code(struct lzw_reader *r)
{
	int code;

	while (r->nbits < r->width) {
		if (r->pos == r->len)
			return -EPROTO;
		r->bits |= (uint32_t)r->in[r->pos++] << r->nbits;
		r->nbits += 8;
	}
	code = (int)(r->bits & ((1u << r->width) - 1));
	r->bits >>= r->width;
	r->nbits -= r->width;
	return code;
}

/* Writes what @code stands for (Go's decode, case code <= hi). */
static int expand(struct lzw_reader *r, struct vf__gbuf *out, uint32_t code)
{
	size_t i = sizeof(r->stack);
	uint32_t c = code;

	if (code == r->hi && r->last != INVALID) {
		c = r->last;
		while (c >= CLEAR)
			c = r->prefix[c];
		r->stack[--i] = (uint8_t)c;
		c = r->last;
	}
	while (c >= CLEAR) {
		if (!i)
			return -EPROTO;
		r->stack[--i] = r->suffix[c];
		c = r->prefix[c];
	}
	if (!i)
		return -EPROTO;
	r->stack[--i] = (uint8_t)c;
	if (r->last != INVALID) {
		r->suffix[r->hi] = (uint8_t)c;
		r->prefix[r->hi] = (uint16_t)r->last;
	}
	return vf__gbuf_put(out, r->stack + i, sizeof(r->stack) - i);
}

static void reset(struct lzw_reader *r)
{
	r->width = LIT_WIDTH + 1;
	r->hi = EOD;
	r->overflow = 1u << r->width;
	r->last = INVALID;
}

/* After a literal or an expanded code: the next table entry. */
static void advance(struct lzw_reader *r, uint32_t code)
{
	r->last = code;
	r->hi++;
	if (r->hi < r->overflow)
		return;
	if (r->width == MAX_WIDTH) {
		r->last = INVALID;
		r->hi--;
	} else {
		r->width++;
		r->overflow = 1u << r->width;
	}
}

static int literal(struct lzw_reader *r, struct vf__gbuf *out, uint32_t code)
{
	uint8_t byte = (uint8_t)code;

	if (r->last != INVALID) {
		r->suffix[r->hi] = byte;
		r->prefix[r->hi] = (uint16_t)r->last;
	}
	return vf__gbuf_put(out, &byte, 1);
}

static int decode(struct lzw_reader *r, struct vf__gbuf *out, size_t limit)
{
	int code, rc;

	for (;;) {
		if ((code = read_code(r)) < 0)
			return code;
		if ((uint32_t)code == CLEAR) {
			reset(r);
			continue;
		}
		if ((uint32_t)code == EOD)
			return 0;
		if ((uint32_t)code < CLEAR)
			rc = literal(r, out, (uint32_t)code);
		else if ((uint32_t)code <= r->hi)
			rc = expand(r, out, (uint32_t)code);
		else
			rc = -EPROTO;
		if (rc < 0)
			return rc;
		if (out->len > limit)
			return -EMSGSIZE;
		advance(r, (uint32_t)code);
	}
}

int vf__gossip_lzw_decompress(struct vf__gbuf *out, const uint8_t *in, size_t len,
			      size_t max)
{
	struct lzw_reader *r;
	size_t start = out->len;
	int rc;

	if (!(r = calloc(1, sizeof(*r))))
		return -ENOMEM;
	r->in = in;
	r->len = len;
	reset(r);
	rc = decode(r, out, start + max);
	free(r);
	if (rc < 0)
		out->len = start;
	return rc;
}

/* ---- compression ---- */

struct lzw_writer {
	struct vf__gbuf *out;
	uint32_t bits;
	unsigned int nbits, width;
	uint32_t hi, overflow;
	int err;
	uint32_t table[TABLE_SIZE];
};

static void put_code(struct lzw_writer *w, uint32_t code)
{
	w->bits |= code << w->nbits;
	w->nbits += w->width;
	while (w->nbits >= 8) {
		uint8_t byte = (uint8_t)w->bits;

		if (!w->err)
			w->err = vf__gbuf_put(w->out, &byte, 1);
		w->bits >>= 8;
		w->nbits -= 8;
	}
}

/* Go's incHi: true when the codes ran out and the table was cleared. */
static bool inc_hi(struct lzw_writer *w)
{
	w->hi++;
	if (w->hi == w->overflow) {
		w->width++;
		w->overflow <<= 1;
	}
	if (w->hi != MAX_CODE)
		return false;
	put_code(w, CLEAR);
	w->width = LIT_WIDTH + 1;
	w->hi = EOD;
	w->overflow = CLEAR << 1;
	memset(w->table, 0, sizeof(w->table));
	return true;
}

/* Returns the code now being extended. */
static uint32_t compress_byte(struct lzw_writer *w, uint32_t code, uint8_t x)
{
	uint32_t key = code << 8 | x;
	uint32_t hash = (key >> 12 ^ key) & TABLE_MASK;

	for (uint32_t h = hash, t = w->table[hash]; t; t = w->table[h]) {
		if (key == t >> 12)
			return t & MAX_CODE;
		h = (h + 1) & TABLE_MASK;
	}
	put_code(w, code);
	if (inc_hi(w))
		return x;
	while (w->table[hash])
		hash = (hash + 1) & TABLE_MASK;
	w->table[hash] = key << 12 | w->hi;
	return x;
}

int vf__gossip_lzw_compress(struct vf__gbuf *out, const uint8_t *in, size_t len)
{
	struct lzw_writer *w;
	size_t start = out->len;
	uint8_t byte;
	int rc;

	if (!(w = calloc(1, sizeof(*w))))
		return -ENOMEM;
	w->out = out;
	w->width = LIT_WIDTH + 1;
	w->hi = EOD;
	w->overflow = 1u << w->width;
	put_code(w, CLEAR);
	if (len) {
		uint32_t code = in[0];

		for (size_t i = 1; i < len; i++)
			code = compress_byte(w, code, in[i]);
		put_code(w, code);
		inc_hi(w);
	}
	put_code(w, EOD);
	byte = (uint8_t)w->bits;
	if (w->nbits && !w->err)
		w->err = vf__gbuf_put(out, &byte, 1);
	rc = w->err;
	free(w);
	if (rc < 0)
		out->len = start;
	return rc;
}

/* ---- CRC-32/IEEE ---- */

uint32_t vf__gossip_crc32(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xffffffffu;

	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = crc >> 1 ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}
