/*
 * msgpack for the gossip codec: the bounds check that runs before
 * msgpack-c, struct <-> map conversion by field tables, Go's encodings,
 * and the small byte-string, buffer and memory helpers of lib/gossip.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gossip/mp.h"

/* ---- byte views, buffers, owned memory ---- */

struct vf__gblob {
	struct vf__gblob *next;
	void *p;
};

struct vf__gbytes vf__gbytes_str(const char *s)
{
	return (struct vf__gbytes){(const uint8_t *)s, s ? (uint32_t)strlen(s) : 0};
}

bool vf__gbytes_eq(struct vf__gbytes a, struct vf__gbytes b)
{
	return a.len == b.len && (!a.len || !memcmp(a.data, b.data, a.len));
}

bool vf__gbytes_is(struct vf__gbytes a, const char *s)
{
	return vf__gbytes_eq(a, vf__gbytes_str(s));
}

int vf__gossip_mem_adopt(struct vf__gmem *mem, void *p, size_t size)
{
	struct vf__gblob *b = malloc(sizeof(*b));

	if (!b) {
		free(p);
		return -ENOMEM;
	}
	b->next = mem->head;
	b->p = p;
	mem->head = b;
	mem->total += size;
	return 0;
}

void *vf__gossip_mem_alloc(struct vf__gmem *mem, size_t size)
{
	void *p = calloc(1, size ? size : 1);

	if (!p || vf__gossip_mem_adopt(mem, p, size) < 0)
		return NULL;
	return p;
}

void vf__gossip_mem_free(struct vf__gmem *mem)
{
	while (mem->head) {
		struct vf__gblob *b = mem->head;

		mem->head = b->next;
		free(b->p);
		free(b);
	}
	mem->total = 0;
}

int vf__gbuf_put(struct vf__gbuf *b, const void *p, size_t n)
{
	if (n > SIZE_MAX / 2 - b->len)
		return -ENOMEM;
	if (b->len + n > b->cap || !b->data) { /* never NULL after a put */
		size_t cap = b->cap ? b->cap : 256;
		uint8_t *d;

		while (cap < b->len + n)
			cap *= 2;
		if (!(d = realloc(b->data, cap)))
			return -ENOMEM;
		b->data = d;
		b->cap = cap;
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

void vf__gbuf_free(struct vf__gbuf *b)
{
	free(b->data);
	*b = (struct vf__gbuf){0};
}

/* ---- the bounds check ---- */

static uint64_t be(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | *p++;
	return v;
}

/* The header at @p: its length, the payload bytes after it and the number
 * of objects it contains. -EAGAIN if cut short, -EPROTO for 0xc1. */
static int head(const uint8_t *p, size_t len, size_t *hlen, uint64_t *data,
		uint64_t *kids)
{
	static const uint8_t fixed[32] = {
		/* c0..df: header length (0: special) */
		1, 0, 1, 1, 2, 3, 5, 3, 4, 6, 5, 9, 2, 3, 5, 9,
		2, 3, 5, 9, 2, 2, 2, 2, 2, 2, 3, 5, 3, 5, 3, 5,
	};
	uint8_t b = p[0];
	unsigned int h;

	*data = *kids = 0;
	*hlen = 1;
	if (b <= 0x7f || b >= 0xe0)
		return 0;
	if (b <= 0x8f) {
		*kids = 2u * (b & 0x0f);
		return 0;
	}
	if (b <= 0x9f) {
		*kids = b & 0x0f;
		return 0;
	}
	if (b <= 0xbf) {
		*data = b & 0x1f;
		return 0;
	}
	if (b == 0xc1)
		return -EPROTO;
	h = fixed[b - 0xc0];
	if (len < h)
		return -EAGAIN;
	*hlen = h;
	switch (b) {
	case 0xc4:
	case 0xc5:
	case 0xc6: *data = be(p + 1, h - 1); break;
	case 0xc7:
	case 0xc8:
	case 0xc9: *data = be(p + 1, h - 2); break;
	case 0xd4:
	case 0xd5:
	case 0xd6:
	case 0xd7:
	case 0xd8: *data = 1u << (b - 0xd4); break;
	case 0xd9:
	case 0xda:
	case 0xdb: *data = be(p + 1, h - 1); break;
	case 0xdc:
	case 0xdd: *kids = be(p + 1, h - 1); break;
	case 0xde:
	case 0xdf: *kids = 2 * be(p + 1, h - 1); break;
	}
	return 0;
}

int vf__gossip_mp_skim(const uint8_t *buf, size_t len, size_t *used)
{
	uint64_t left[VF__MP_DEPTH_MAX + 1] = {1};
	size_t pos = 0, objs = 0;
	int depth = 0, rc;

	while (depth >= 0) {
		size_t hlen;
		uint64_t data, kids;

		if (!left[depth]) {
			depth--;
			continue;
		}
		left[depth]--;
		if (pos >= len)
			return -EAGAIN;
		if ((rc = head(buf + pos, len - pos, &hlen, &data, &kids)) < 0)
			return rc;
		if (++objs > VF__MP_OBJS_MAX || kids > VF__MP_OBJS_MAX)
			return -EPROTO;
		if (data > len - pos - hlen)
			return data > VF__GOSSIP_STREAM_MAX ? -EPROTO : -EAGAIN;
		pos += hlen + data;
		if (!kids)
			continue;
		if (depth == VF__MP_DEPTH_MAX)
			return -EPROTO;
		left[++depth] = kids;
	}
	*used = pos;
	return 0;
}

int vf__gossip_mp_unpack(msgpack_unpacked *res, const uint8_t *buf, size_t len,
			 size_t *used)
{
	size_t off = 0;
	int rc;

	if ((rc = vf__gossip_mp_skim(buf, len, used)) < 0)
		return rc;
	msgpack_unpacked_init(res);
	switch (msgpack_unpack_next(res, (const char *)buf, *used, &off)) {
	case MSGPACK_UNPACK_SUCCESS:
		if (off == *used)
			return 0;
		rc = -EPROTO;
		break;
	case MSGPACK_UNPACK_NOMEM_ERROR: rc = -ENOMEM; break;
	default: rc = -EPROTO; break;
	}
	msgpack_unpacked_destroy(res);
	return rc;
}

/* ---- decoding values ---- */

static const uint8_t empty[1];

int vf__gossip_mp_bytes(const msgpack_object *o, struct vf__gbytes *out, bool str_only)
{
	switch (o->type) {
	case MSGPACK_OBJECT_NIL: *out = (struct vf__gbytes){0}; return 0;
	case MSGPACK_OBJECT_STR:
		out->data = o->via.str.size ? (const uint8_t *)o->via.str.ptr : empty;
		out->len = o->via.str.size;
		return 0;
	case MSGPACK_OBJECT_BIN:
		if (str_only)
			return -EPROTO;
		out->data = o->via.bin.size ? (const uint8_t *)o->via.bin.ptr : empty;
		out->len = o->via.bin.size;
		return 0;
	default: return -EPROTO;
	}
}

int vf__gossip_mp_uint(const msgpack_object *o, uint64_t max, uint64_t *out)
{
	if (o->type == MSGPACK_OBJECT_NIL) {
		*out = 0;
		return 0;
	}
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 > max)
		return -EPROTO;
	*out = o->via.u64;
	return 0;
}

int vf__gossip_mp_int(const msgpack_object *o, int64_t *out)
{
	if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
		*out = o->via.i64;
		return 0;
	}
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 > INT64_MAX)
		return -EPROTO;
	return vf__gossip_mp_uint(o, INT64_MAX, (uint64_t *)out);
}

static int get_bool(const msgpack_object *o, bool *out)
{
	uint64_t v;

	if (o->type == MSGPACK_OBJECT_BOOLEAN) {
		*out = o->via.boolean;
		return 0;
	}
	if (vf__gossip_mp_uint(o, 1, &v) < 0)
		return -EPROTO;
	*out = v;
	return 0;
}

static int get_vsn(const msgpack_object *o, struct vf__gossip_vsn *out)
{
	struct vf__gbytes b;
	uint64_t v;

	*out = (struct vf__gossip_vsn){0};
	if (o->type != MSGPACK_OBJECT_ARRAY) {
		if (vf__gossip_mp_bytes(o, &b, false) < 0 || b.len > VF__GOSSIP_VSN_MAX)
			return -EPROTO;
		out->len = (uint8_t)b.len;
		if (b.len)
			memcpy(out->v, b.data, b.len);
		return 0;
	}
	if (o->via.array.size > VF__GOSSIP_VSN_MAX)
		return -EPROTO;
	for (uint32_t i = 0; i < o->via.array.size; i++) {
		if (vf__gossip_mp_uint(&o->via.array.ptr[i], UINT8_MAX, &v) < 0)
			return -EPROTO;
		out->v[i] = (uint8_t)v;
	}
	out->len = (uint8_t)o->via.array.size;
	return 0;
}

static int get_field(const msgpack_object *o, const struct vf__mp_field *f, void *out)
{
	static const uint64_t max[] = {
		[VF__MP_U8] = UINT8_MAX,
		[VF__MP_U16] = UINT16_MAX,
		[VF__MP_U32] = UINT32_MAX,
		[VF__MP_U64] = UINT64_MAX,
	};
	uint8_t *p = (uint8_t *)out + f->off;
	uint64_t v;

	switch (f->kind) {
	case VF__MP_STR: return vf__gossip_mp_bytes(o, (struct vf__gbytes *)p, true);
	case VF__MP_BYTES: return vf__gossip_mp_bytes(o, (struct vf__gbytes *)p, false);
	case VF__MP_BOOL: return get_bool(o, (bool *)p);
	case VF__MP_I64: return vf__gossip_mp_int(o, (int64_t *)p);
	case VF__MP_VSN: return get_vsn(o, (struct vf__gossip_vsn *)p);
	}
	if (vf__gossip_mp_uint(o, max[f->kind], &v) < 0)
		return -EPROTO;
	switch (f->kind) {
	case VF__MP_U8: *p = (uint8_t)v; break;
	case VF__MP_U16: *(uint16_t *)p = (uint16_t)v; break;
	case VF__MP_U32: *(uint32_t *)p = (uint32_t)v; break;
	default: *(uint64_t *)p = v; break;
	}
	return 0;
}

static bool key_is(const msgpack_object *k, const char *name)
{
	size_t n = strlen(name);

	return k->via.str.size == n && !memcmp(k->via.str.ptr, name, n);
}

int vf__gossip_mp_struct(const msgpack_object *o, const struct vf__mp_field *f, size_t nf,
			 void *out)
{
	if (o->type != MSGPACK_OBJECT_MAP)
		return -EPROTO;
	for (uint32_t i = 0; i < o->via.map.size; i++) {
		const msgpack_object_kv *kv = &o->via.map.ptr[i];

		if (kv->key.type != MSGPACK_OBJECT_STR)
			return -EPROTO;
		for (size_t j = 0; j < nf; j++) {
			if (key_is(&kv->key, f[j].name)) {
				if (get_field(&kv->val, &f[j], out) < 0)
					return -EPROTO;
				break;
			}
		}
	}
	return 0;
}

const msgpack_object *vf__gossip_mp_get(const msgpack_object *map, const char *key)
{
	const msgpack_object *found = NULL;

	if (map->type != MSGPACK_OBJECT_MAP)
		return NULL;
	for (uint32_t i = 0; i < map->via.map.size; i++) {
		const msgpack_object_kv *kv = &map->via.map.ptr[i];

		if (kv->key.type == MSGPACK_OBJECT_STR && key_is(&kv->key, key))
			found = &kv->val; /* the last one wins, as in Go */
	}
	return found;
}

/* ---- encoding ---- */

static int write_cb(void *data, const char *buf, size_t len)
{
	struct vf__mp_writer *w = data;

	if (vf__gbuf_put(w->b, buf, len) < 0) {
		w->err = -ENOMEM;
		return -1;
	}
	return 0;
}

void vf__gossip_mp_writer(struct vf__mp_writer *w, struct vf__gbuf *b)
{
	w->b = b;
	w->err = 0;
	msgpack_packer_init(&w->pk, w, write_cb);
}

static int done(struct vf__mp_writer *w, int rc)
{
	return rc < 0 ? (w->err ? w->err : -ENOMEM) : 0;
}

int vf__gossip_mp_put_bytes(struct vf__mp_writer *w, struct vf__gbytes v, bool str)
{
	if (!v.data && !str)
		return done(w, msgpack_pack_nil(&w->pk));
	if (msgpack_pack_v4raw(&w->pk, v.len) < 0)
		return done(w, -1);
	return done(w, msgpack_pack_v4raw_body(&w->pk, v.data, v.len));
}

int vf__gossip_mp_put_key(struct vf__mp_writer *w, const char *key)
{
	return vf__gossip_mp_put_bytes(w, vf__gbytes_str(key), true);
}

int vf__gossip_mp_put_uint(struct vf__mp_writer *w, uint64_t v)
{
	return done(w, msgpack_pack_uint64(&w->pk, v));
}

static int put_vsn(struct vf__mp_writer *w, const struct vf__gossip_vsn *v)
{
	struct vf__gbytes b = {v->v, v->len};

	return vf__gossip_mp_put_bytes(w, b, false);
}

static bool is_zero(const struct vf__mp_field *f, const void *in)
{
	const uint8_t *p = (const uint8_t *)in + f->off;

	switch (f->kind) {
	case VF__MP_STR:
	case VF__MP_BYTES: return !((const struct vf__gbytes *)p)->len;
	case VF__MP_BOOL: return !*(const bool *)p;
	case VF__MP_U8: return !*p;
	case VF__MP_U16: return !*(const uint16_t *)p;
	case VF__MP_U32: return !*(const uint32_t *)p;
	case VF__MP_U64: return !*(const uint64_t *)p;
	case VF__MP_I64: return !*(const int64_t *)p;
	default: return !((const struct vf__gossip_vsn *)p)->len;
	}
}

static int put_field(struct vf__mp_writer *w, const struct vf__mp_field *f,
		     const void *in)
{
	const uint8_t *p = (const uint8_t *)in + f->off;
	int64_t i;

	switch (f->kind) {
	case VF__MP_STR:
		return vf__gossip_mp_put_bytes(w, *(const struct vf__gbytes *)p, true);
	case VF__MP_BYTES:
		return vf__gossip_mp_put_bytes(w, *(const struct vf__gbytes *)p, false);
	case VF__MP_BOOL:
		return done(w, *(const bool *)p ? msgpack_pack_true(&w->pk)
						: msgpack_pack_false(&w->pk));
	case VF__MP_U8: return vf__gossip_mp_put_uint(w, *p);
	case VF__MP_U16: return vf__gossip_mp_put_uint(w, *(const uint16_t *)p);
	case VF__MP_U32: return vf__gossip_mp_put_uint(w, *(const uint32_t *)p);
	case VF__MP_U64: return vf__gossip_mp_put_uint(w, *(const uint64_t *)p);
	case VF__MP_I64:
		i = *(const int64_t *)p;
		return i >= 0 ? vf__gossip_mp_put_uint(w, (uint64_t)i)
			      : done(w, msgpack_pack_int64(&w->pk, i));
	default: return put_vsn(w, (const struct vf__gossip_vsn *)p);
	}
}

int vf__gossip_mp_put_struct(struct vf__mp_writer *w, const struct vf__mp_field *f,
			     size_t nf, const void *in)
{
	size_t n = 0;
	int rc;

	for (size_t i = 0; i < nf; i++)
		n += !(f[i].omitempty && is_zero(&f[i], in));
	if ((rc = vf__gossip_mp_put_map(w, n)) < 0)
		return rc;
	return vf__gossip_mp_put_fields(w, f, nf, in);
}

int vf__gossip_mp_put_map(struct vf__mp_writer *w, size_t n)
{
	return done(w, msgpack_pack_map(&w->pk, n));
}

int vf__gossip_mp_put_array(struct vf__mp_writer *w, size_t n)
{
	return done(w, msgpack_pack_array(&w->pk, n));
}

int vf__gossip_mp_put_nil(struct vf__mp_writer *w)
{
	return done(w, msgpack_pack_nil(&w->pk));
}

int vf__gossip_mp_put_fields(struct vf__mp_writer *w, const struct vf__mp_field *f,
			     size_t nf, const void *in)
{
	int rc;

	for (size_t i = 0; i < nf; i++) {
		if (f[i].omitempty && is_zero(&f[i], in))
			continue;
		if ((rc = vf__gossip_mp_put_key(w, f[i].name)) < 0 ||
		    (rc = put_field(w, &f[i], in)) < 0)
			return rc;
	}
	return 0;
}
