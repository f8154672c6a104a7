/*
 * msgpack for the gossip codec (lib/gossip only): a bounds check run
 * before msgpack-c sees any byte, struct <-> map conversion driven by
 * field tables, and Go's encodings on the way out.
 */
#ifndef VF_GOSSIP_MP_H
#define VF_GOSSIP_MP_H

#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "gossip/codec.h"

/* Nesting and object count of one msgpack object accepted for decoding. */
#define VF__MP_DEPTH_MAX 16
#define VF__MP_OBJS_MAX (1u << 20)

/* The kinds of struct field a table can describe. */
enum vf__mp_kind {
	VF__MP_STR,   /* struct vf__gbytes; msgpack str only (Go string) */
	VF__MP_BYTES, /* struct vf__gbytes; str or bin (Go []byte) */
	VF__MP_BOOL,
	VF__MP_U8,
	VF__MP_U16,
	VF__MP_U32,
	VF__MP_U64,
	VF__MP_I64,
	VF__MP_VSN, /* struct vf__gossip_vsn; bytes or an array of uint8 */
};

struct vf__mp_field {
	const char *name; /* Go's field name, the map key */
	uint8_t kind;
	uint8_t omitempty;
	uint16_t off; /* offset in the struct */
};

#define VF__MP_FIELD(T, name, kind, member)                           \
	{                                                             \
		name, VF__MP_##kind, 0, (uint16_t)offsetof(T, member) \
	}
#define VF__MP_OMIT(T, name, kind, member)                            \
	{                                                             \
		name, VF__MP_##kind, 1, (uint16_t)offsetof(T, member) \
	}

/* One msgpack object at the start of @buf: the length it takes in *used.
 * -EAGAIN if @buf ends first; -EPROTO if malformed, nested deeper than
 * VF__MP_DEPTH_MAX or holding more than VF__MP_OBJS_MAX objects. */
int vf__gossip_mp_skim(const uint8_t *buf, size_t len, size_t *used);

/* Skims, then unpacks with msgpack-c into @res (msgpack_unpacked_destroy
 * it when 0 is returned); strings point into @buf. */
int vf__gossip_mp_unpack(msgpack_unpacked *res, const uint8_t *buf, size_t len,
			 size_t *used);

/* Fills @out (zeroed first by the caller) from the map @o: keys matched by
 * exact bytes, unknown keys skipped, nil gives the zero value. -EPROTO for
 * a non-map, a non-str key or a value Go would refuse. */
int vf__gossip_mp_struct(const msgpack_object *o, const struct vf__mp_field *f, size_t nf,
			 void *out);

/* Views of msgpack values; 0 or -EPROTO. */
int vf__gossip_mp_bytes(const msgpack_object *o, struct vf__gbytes *out, bool str_only);
int vf__gossip_mp_uint(const msgpack_object *o, uint64_t max, uint64_t *out);
int vf__gossip_mp_int(const msgpack_object *o, int64_t *out);
const msgpack_object *vf__gossip_mp_get(const msgpack_object *map, const char *key);

/* A packer appending to @b; *err becomes -ENOMEM if a write fails. */
struct vf__mp_writer {
	msgpack_packer pk;
	struct vf__gbuf *b;
	int err;
};
void vf__gossip_mp_writer(struct vf__mp_writer *w, struct vf__gbuf *b);

/* Writes @in as a map of the fields in table order (keep tables sorted by
 * name, as Go writes them); omitempty fields that are zero are left out. */
int vf__gossip_mp_put_struct(struct vf__mp_writer *w, const struct vf__mp_field *f,
			     size_t nf, const void *in);
/* The same without the map header (for maps with hand-written keys). */
int vf__gossip_mp_put_fields(struct vf__mp_writer *w, const struct vf__mp_field *f,
			     size_t nf, const void *in);
int vf__gossip_mp_put_map(struct vf__mp_writer *w, size_t n);
int vf__gossip_mp_put_array(struct vf__mp_writer *w, size_t n);
int vf__gossip_mp_put_nil(struct vf__mp_writer *w);
/* Go's forms: str/[]byte as fixstr/str16/str32 (nil as nil unless @str),
 * integers smallest-unsigned. */
int vf__gossip_mp_put_bytes(struct vf__mp_writer *w, struct vf__gbytes v, bool str);
int vf__gossip_mp_put_key(struct vf__mp_writer *w, const char *key);
int vf__gossip_mp_put_uint(struct vf__mp_writer *w, uint64_t v);

/* ---- message bodies, shared by codec.c, stream.c and serf.c ---- */

struct vf__gossip_compress {
	uint8_t algo; /* 0: LZW */
	struct vf__gbytes buf;
};

struct vf__gossip_pp_header {
	bool join;
	int64_t nodes;
	int64_t user_state_len;
};

struct vf__gossip_user_header {
	int64_t len;
};

enum vf__gossip_body {
	VF__BODY_PING,
	VF__BODY_INDIRECT_PING,
	VF__BODY_ACK,
	VF__BODY_NACK,
	VF__BODY_SUSPECT, /* suspect and dead */
	VF__BODY_ALIVE,
	VF__BODY_ERR,
	VF__BODY_COMPRESS,
	VF__BODY_PP_HEADER,
	VF__BODY_NODE_STATE,
	VF__BODY_USER_HEADER,
};

/* Zeroes @out and fills it from the msgpack map at @p (trailing bytes are
 * left; *used says how many were read). 0, -EAGAIN or -EPROTO. */
int vf__gossip_body_decode(enum vf__gossip_body body, void *out, const uint8_t *p,
			   size_t len, size_t *used);
int vf__gossip_body_encode(struct vf__mp_writer *w, enum vf__gossip_body body,
			   const void *in);
/* Inflates a [9] message's body into @mem: -EPROTO unless it is LZW and
 * inflates to at least one byte, -EMSGSIZE past @max. */
int vf__gossip_inflate(struct vf__gmem *mem, struct vf__gbytes *out, const uint8_t *p,
		       size_t len, size_t *used, size_t max);
/* Appends [9]{Algo: 0, Buf: LZW of @in}. */
int vf__gossip_deflate(struct vf__gbuf *out, const uint8_t *in, size_t len);

#endif
