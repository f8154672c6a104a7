/* The control socket's wire codec (proto.h). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "ctl/proto.h"

static const char *const op_names[] = {
	[VF__CTL_HELLO] = "hello",	   [VF__CTL_ATTACH] = "attach",
	[VF__CTL_DETACH] = "detach",	   [VF__CTL_LIST] = "list",
	[VF__CTL_COUNTERS] = "counters",   [VF__CTL_TRACE] = "trace",
	[VF__CTL_LOCATIONS] = "locations", [VF__CTL_MEMBERS] = "members",
};

const char *vf__ctl_op_name(enum vf__ctl_op op)
{
	return (unsigned int)op < VF__ARRAY_SIZE(op_names) ? op_names[op] : NULL;
}

/* ---- output ---- */

void vf__ctl_out_free(struct vf__ctl_out *o)
{
	free(o->p);
	o->p = NULL;
	o->len = o->cap = 0;
}

static int out_write(void *data, const char *buf, size_t len)
{
	struct vf__ctl_out *o = data;

	if (len > o->cap - o->len) {
		size_t cap = o->cap ? o->cap : 256;
		uint8_t *p;

		while (cap - o->len < len) {
			if (cap > SIZE_MAX / 2)
				return -1;
			cap *= 2;
		}
		if (!(p = realloc(o->p, cap)))
			return -1;
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->len, buf, len);
	o->len += len;
	return 0;
}

/* Packs one string key. */
static int put_key(msgpack_packer *pk, const char *k)
{
	size_t n = strlen(k);

	return msgpack_pack_str(pk, n) || msgpack_pack_str_body(pk, k, n) ? -1 : 0;
}

static int put_str(msgpack_packer *pk, const char *k, const char *v)
{
	size_t n = strlen(v);

	return put_key(pk, k) || msgpack_pack_str(pk, n) ||
			       msgpack_pack_str_body(pk, v, n)
		       ? -1
		       : 0;
}

static int put_u32(msgpack_packer *pk, const char *k, uint32_t v)
{
	return put_key(pk, k) || msgpack_pack_uint32(pk, v) ? -1 : 0;
}

static int put_bin(msgpack_packer *pk, const char *k, const void *v, size_t n)
{
	return put_key(pk, k) || msgpack_pack_bin(pk, n) ||
			       msgpack_pack_bin_body(pk, v, n)
		       ? -1
		       : 0;
}

/* Starts a frame: reserves the header. */
static size_t frame_begin(struct vf__ctl_out *o, msgpack_packer *pk)
{
	size_t start = o->len;

	msgpack_packer_init(pk, o, out_write);
	return start;
}

/* Ends the frame started at @start: writes the header, or undoes it. */
static int frame_end(struct vf__ctl_out *o, size_t start, int failed, size_t max)
{
	size_t body;

	if (failed) {
		o->len = start;
		return vf__fail(NULL, -ENOMEM, "no memory for a control message");
	}
	body = o->len - start - VF__CTL_HDR;
	if (body > max) {
		o->len = start;
		return vf__fail(NULL, -EMSGSIZE,
				"control message of %zu bytes is over the limit of %zu",
				body, max);
	}
	o->p[start] = (uint8_t)(body >> 24);
	o->p[start + 1] = (uint8_t)(body >> 16);
	o->p[start + 2] = (uint8_t)(body >> 8);
	o->p[start + 3] = (uint8_t)body;
	return 0;
}

static int reserve_hdr(struct vf__ctl_out *o)
{
	static const char zero[VF__CTL_HDR];

	return out_write(o, zero, sizeof(zero));
}

int vf__ctl_encode_req(struct vf__ctl_out *o, const struct vf__ctl_req *r, size_t max)
{
	msgpack_packer pk;
	size_t start = frame_begin(o, &pk);
	const char *op = vf__ctl_op_name(r->op);
	uint32_t n = 2, nb = 0;
	int bad;

	if (!op)
		return vf__fail(NULL, -EINVAL, "unknown control operation %d",
				(int)r->op);
	n += !!r->cell + !!r->subnet + !!r->port + !!r->has_vmac + !!r->has_bind +
	     !!r->frame;
	if (r->op == VF__CTL_ATTACH)
		n += 3; /* id, vip, flags */
	if (r->has_bind)
		nb = 1 + !!r->bind.datapath + !!r->bind.ifname + !!r->bind.peer +
		     !!r->bind.netns;
	bad = reserve_hdr(o) || msgpack_pack_map(&pk, n) ||
	      put_u32(&pk, "v", VF__CTL_VERSION) || put_str(&pk, "op", op);
	if (!bad && r->cell)
		bad = put_str(&pk, "cell", r->cell);
	if (!bad && r->subnet)
		bad = put_str(&pk, "subnet", r->subnet);
	if (!bad && r->port)
		bad = put_str(&pk, "port", r->port);
	if (!bad && r->op == VF__CTL_ATTACH)
		bad = put_u32(&pk, "id", r->id) || put_u32(&pk, "vip", r->vip) ||
		      put_u32(&pk, "flags", r->flags);
	if (!bad && r->has_vmac)
		bad = put_bin(&pk, "vmac", r->vmac.addr, sizeof(r->vmac.addr));
	if (!bad && r->frame)
		bad = put_bin(&pk, "frame", r->frame, r->frame_len);
	if (!bad && r->has_bind) {
		bad = put_key(&pk, "bind") || msgpack_pack_map(&pk, nb) ||
		      put_u32(&pk, "flags", r->bind.flags);
		if (!bad && r->bind.datapath)
			bad = put_str(&pk, "datapath", r->bind.datapath);
		if (!bad && r->bind.ifname)
			bad = put_str(&pk, "ifname", r->bind.ifname);
		if (!bad && r->bind.peer)
			bad = put_str(&pk, "peer", r->bind.peer);
		if (!bad && r->bind.netns)
			bad = put_str(&pk, "netns", r->bind.netns);
	}
	return frame_end(o, start, bad, max);
}

int vf__ctl_encode_resp(struct vf__ctl_out *o, int err, const char *msg, const char *data,
			size_t data_len, size_t max)
{
	msgpack_packer pk;
	size_t start = frame_begin(o, &pk);
	size_t mlen = msg ? strnlen(msg, VF__CTL_MSG_TEXT_MAX) : 0;
	int bad;

	bad = reserve_hdr(o) || msgpack_pack_map(&pk, 4) ||
	      put_u32(&pk, "v", VF__CTL_VERSION) || put_key(&pk, "err") ||
	      msgpack_pack_int(&pk, err) || put_key(&pk, "msg") ||
	      msgpack_pack_str(&pk, mlen) ||
	      msgpack_pack_str_body(&pk, msg ? msg : "", mlen) || put_key(&pk, "data");
	if (!bad)
		bad = data ? msgpack_pack_str(&pk, data_len) ||
				      msgpack_pack_str_body(&pk, data, data_len)
			   : msgpack_pack_nil(&pk);
	return frame_end(o, start, bad, max);
}

uint32_t vf__ctl_frame_len(const uint8_t hdr[VF__CTL_HDR])
{
	return (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 |
	       hdr[3];
}

/* ---- input ---- */

static uint32_t be(const uint8_t *p, unsigned int n)
{
	uint32_t v = 0;

	while (n--)
		v = v << 8 | *p++;
	return v;
}

int vf__ctl_skim(const uint8_t *b, size_t len)
{
	uint32_t left[VF__CTL_DEPTH_MAX + 1]; /* items still to read per level */
	unsigned int depth = 0, objs = 0;
	size_t off = 0;

	left[0] = 1;
	for (;;) {
		uint8_t t;
		uint32_t items = 0;  /* a container's */
		size_t skip = 0;     /* a scalar's bytes after its type byte */
		unsigned int lw = 0; /* width of a length field */

		while (!left[depth]) {
			if (!depth) {
				if (off != len)
					return vf__fail(
						NULL, -EPROTO,
						"control message: %zu bytes after the "
						"message",
						len - off);
				return 0;
			}
			depth--;
		}
		left[depth]--;
		if (++objs > VF__CTL_OBJS_MAX)
			return vf__fail(NULL, -EPROTO,
					"control message: more than %u values",
					VF__CTL_OBJS_MAX);
		if (off >= len)
			return vf__fail(NULL, -EPROTO, "control message: truncated");
		t = b[off++];
		if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 || t == 0xc3)
			skip = 0;
		else if (t >= 0x80 && t <= 0x8f)
			items = 2u * (t & 0x0f);
		else if (t >= 0x90 && t <= 0x9f)
			items = t & 0x0f;
		else if (t >= 0xa0 && t <= 0xbf)
			skip = t & 0x1f;
		else {
			switch (t) {
			case 0xcc:
			case 0xd0: skip = 1; break;
			case 0xcd:
			case 0xd1: skip = 2; break;
			case 0xca:
			case 0xce:
			case 0xd2: skip = 4; break;
			case 0xcb:
			case 0xcf:
			case 0xd3: skip = 8; break;
			case 0xc4:
			case 0xd9: lw = 1; break;
			case 0xc5:
			case 0xda:
			case 0xdc:
			case 0xde: lw = 2; break;
			case 0xc6:
			case 0xdb:
			case 0xdd:
			case 0xdf: lw = 4; break;
			default:
				/* 0xc1 (never used) and the extension types,
				 * which this protocol does not use */
				return vf__fail(
					NULL, -EPROTO,
					"control message: unexpected msgpack type "
					"0x%02x at byte %zu",
					t, off - 1);
			}
		}
		if (lw) {
			uint32_t n;

			if (len - off < lw)
				return vf__fail(NULL, -EPROTO,
						"control message: truncated");
			n = be(b + off, lw);
			off += lw;
			if (t == 0xdc || t == 0xdd)
				items = n;
			else if (t == 0xde || t == 0xdf) {
				if (n > VF__CTL_OBJS_MAX)
					return vf__fail(NULL, -EPROTO,
							"control message: a map of %u "
							"entries",
							n);
				items = 2 * n;
			} else
				skip = n;
		}
		if (skip > len - off)
			return vf__fail(NULL, -EPROTO, "control message: truncated");
		off += skip;
		if (items) {
			if (items > VF__CTL_OBJS_MAX)
				return vf__fail(
					NULL, -EPROTO,
					"control message: a container of %u values",
					items);
			if (depth + 1 > VF__CTL_DEPTH_MAX)
				return vf__fail(NULL, -EPROTO,
						"control message: nested deeper than %u",
						VF__CTL_DEPTH_MAX);
			left[++depth] = items;
		}
	}
}

/* Skims, then unpacks with msgpack-c; @res is to be destroyed by the
 * caller on success. */
static int unpack(msgpack_unpacked *res, const uint8_t *body, size_t len)
{
	size_t off = 0;
	int err;

	if ((err = vf__ctl_skim(body, len)) < 0)
		return err;
	msgpack_unpacked_init(res);
	switch (msgpack_unpack_next(res, (const char *)body, len, &off)) {
	case MSGPACK_UNPACK_SUCCESS:
		if (off == len)
			break;
		/* fall through */
	case MSGPACK_UNPACK_EXTRA_BYTES:
	case MSGPACK_UNPACK_CONTINUE:
	case MSGPACK_UNPACK_PARSE_ERROR:
		msgpack_unpacked_destroy(res);
		return vf__fail(NULL, -EPROTO, "control message: malformed msgpack");
	case MSGPACK_UNPACK_NOMEM_ERROR:
	default:
		msgpack_unpacked_destroy(res);
		return vf__fail(NULL, -ENOMEM, "no memory to decode a control message");
	}
	if (res->data.type != MSGPACK_OBJECT_MAP) {
		msgpack_unpacked_destroy(res);
		return vf__fail(NULL, -EPROTO, "control message: not a map");
	}
	return 0;
}

static bool key_is(const msgpack_object *k, const char *name)
{
	size_t n = strlen(name);

	return k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
	       !memcmp(k->via.str.ptr, name, n);
}

/* The value of @name in @map, or NULL. */
static const msgpack_object *get(const msgpack_object *map, const char *name)
{
	for (uint32_t i = 0; i < map->via.map.size; i++)
		if (key_is(&map->via.map.ptr[i].key, name))
			return &map->via.map.ptr[i].val;
	return NULL;
}

/* Checks "v": -EPROTO if missing or not an unsigned integer,
 * -EPROTONOSUPPORT if not ours. */
static int check_version(const msgpack_object *map)
{
	const msgpack_object *v = get(map, "v");

	if (!v || v->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return vf__fail(NULL, -EPROTO,
				"control message: no protocol version (\"v\")");
	if (v->via.u64 != VF__CTL_VERSION)
		return vf__fail(NULL, -EPROTONOSUPPORT,
				"control protocol version %llu is not supported (this "
				"library speaks version %d)",
				(unsigned long long)v->via.u64, VF__CTL_VERSION);
	return 0;
}

/* Request fields. */
enum {
	F_V = 1u << 0,
	F_OP = 1u << 1,
	F_CELL = 1u << 2,
	F_SUBNET = 1u << 3,
	F_PORT = 1u << 4,
	F_ID = 1u << 5,
	F_VIP = 1u << 6,
	F_FLAGS = 1u << 7,
	F_VMAC = 1u << 8,
	F_BIND = 1u << 9,
	F_FRAME = 1u << 10,
	/* inside "bind" */
	F_DATAPATH = 1u << 11,
	F_IFNAME = 1u << 12,
	F_PEER = 1u << 13,
	F_NETNS = 1u << 14,
};

enum kind { K_STR, K_PATH, K_U32, K_MAC, K_BIND, K_BIN, K_SKIP };

struct field {
	const char *name;
	uint32_t bit;
	enum kind kind;
};

static const struct field req_fields[] = {
	{"v", F_V, K_SKIP},	     {"op", F_OP, K_SKIP},	{"cell", F_CELL, K_STR},
	{"subnet", F_SUBNET, K_STR}, {"port", F_PORT, K_STR},	{"id", F_ID, K_U32},
	{"vip", F_VIP, K_U32},	     {"flags", F_FLAGS, K_U32}, {"vmac", F_VMAC, K_MAC},
	{"bind", F_BIND, K_BIND},    {"frame", F_FRAME, K_BIN},
};

static const struct field bind_fields[] = {
	{"datapath", F_DATAPATH, K_STR}, {"ifname", F_IFNAME, K_STR},
	{"peer", F_PEER, K_STR},	 {"netns", F_NETNS, K_PATH},
	{"flags", F_FLAGS, K_U32},
};

/* What each op may have, and must have (besides v and op). */
static const struct {
	uint32_t may, must;
} op_fields[] = {
	[VF__CTL_HELLO] = {0, 0},
	[VF__CTL_ATTACH] = {F_CELL | F_SUBNET | F_PORT | F_ID | F_VIP | F_FLAGS | F_VMAC |
				    F_BIND,
			    F_CELL | F_SUBNET},
	[VF__CTL_DETACH] = {F_PORT, F_PORT},
	[VF__CTL_LIST] = {0, 0},
	[VF__CTL_COUNTERS] = {F_PORT, 0},
	[VF__CTL_TRACE] = {F_PORT | F_FRAME, F_FRAME},
	[VF__CTL_LOCATIONS] = {0, 0},
	[VF__CTL_MEMBERS] = {0, 0},
};

/* Where decoded strings go. */
struct store {
	char *p;
	size_t left;
};

static int field_str(const msgpack_object *v, const char *name, size_t max,
		     struct store *st, const char **out)
{
	uint32_t n;

	if (v->type != MSGPACK_OBJECT_STR)
		return vf__fail(NULL, -EINVAL, "control request: '%s' is not a string",
				name);
	n = v->via.str.size;
	if (!n)
		return vf__fail(NULL, -EINVAL, "control request: '%s' is empty", name);
	if (n > max)
		return vf__fail(NULL, -EINVAL,
				"control request: '%s' is %u bytes long, more than %zu",
				name, n, max);
	if (memchr(v->via.str.ptr, 0, n))
		return vf__fail(NULL, -EINVAL, "control request: '%s' holds a NUL byte",
				name);
	if (n + 1 > st->left) /* cannot happen: the store fits every field */
		return vf__fail(NULL, -EINVAL, "control request: too many strings");
	memcpy(st->p, v->via.str.ptr, n);
	st->p[n] = 0;
	*out = st->p;
	st->p += n + 1;
	st->left -= n + 1;
	return 0;
}

static int field_u32(const msgpack_object *v, const char *name, uint32_t *out)
{
	if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER || v->via.u64 > UINT32_MAX)
		return vf__fail(NULL, -EINVAL,
				"control request: '%s' is not an integer from 0 to %u",
				name, UINT32_MAX);
	*out = (uint32_t)v->via.u64;
	return 0;
}

static const struct field *find(const struct field *t, size_t n, const msgpack_object *k)
{
	for (size_t i = 0; i < n; i++)
		if (key_is(k, t[i].name))
			return &t[i];
	return NULL;
}

/* A key's text for messages. */
static int key_text(const msgpack_object *k, char *buf, size_t len)
{
	size_t n = k->via.str.size < len - 1 ? k->via.str.size : len - 1;

	for (size_t i = 0; i < n; i++) {
		char c = k->via.str.ptr[i];

		buf[i] = c >= 0x20 && c < 0x7f ? c : '?';
	}
	buf[n] = 0;
	return (int)n;
}

static int decode_bind(struct vf__ctl_req *r, const msgpack_object *m, struct store *st)
{
	uint32_t seen = 0;

	if (m->type != MSGPACK_OBJECT_MAP)
		return vf__fail(NULL, -EINVAL, "control request: 'bind' is not a map");
	for (uint32_t i = 0; i < m->via.map.size; i++) {
		const msgpack_object *k = &m->via.map.ptr[i].key,
				     *v = &m->via.map.ptr[i].val;
		const struct field *f;
		char kt[40];
		int err = 0;

		if (k->type != MSGPACK_OBJECT_STR)
			return vf__fail(
				NULL, -EINVAL,
				"control request: a key in 'bind' is not a string");
		if (!(f = find(bind_fields, VF__ARRAY_SIZE(bind_fields), k))) {
			key_text(k, kt, sizeof(kt));
			return vf__fail(NULL, -EINVAL,
					"control request: unknown field 'bind.%s'", kt);
		}
		if (seen & f->bit)
			return vf__fail(NULL, -EINVAL,
					"control request: 'bind.%s' given twice",
					f->name);
		seen |= f->bit;
		switch (f->bit) {
		case F_DATAPATH:
			err = field_str(v, "bind.datapath", VF__CTL_STR_MAX, st,
					&r->bind.datapath);
			break;
		case F_IFNAME:
			err = field_str(v, "bind.ifname", VF__CTL_STR_MAX, st,
					&r->bind.ifname);
			break;
		case F_PEER:
			err = field_str(v, "bind.peer", VF__CTL_STR_MAX, st,
					&r->bind.peer);
			break;
		case F_NETNS:
			err = field_str(v, "bind.netns", VF__CTL_PATH_MAX, st,
					&r->bind.netns);
			break;
		default: err = field_u32(v, "bind.flags", &r->bind.flags); break;
		}
		if (err < 0)
			return err;
	}
	r->has_bind = true;
	return 0;
}

static int decode_op(const msgpack_object *map, enum vf__ctl_op *op)
{
	const msgpack_object *v = get(map, "op");
	char name[40];

	if (!v || v->type != MSGPACK_OBJECT_STR)
		return vf__fail(NULL, -EPROTO,
				"control request: no operation (\"op\" string)");
	for (size_t i = 1; i < VF__ARRAY_SIZE(op_names); i++)
		if (key_is(v, op_names[i])) {
			*op = (enum vf__ctl_op)i;
			return 0;
		}
	key_text(v, name, sizeof(name));
	return vf__fail(NULL, -EOPNOTSUPP, "control request: unknown operation '%s'",
			name);
}

static int decode_fields(struct vf__ctl_req *r, const msgpack_object *map)
{
	struct store st = {r->store, sizeof(r->store)};
	uint32_t seen = 0, may = op_fields[r->op].may | F_V | F_OP;
	const char *op = op_names[r->op];

	for (uint32_t i = 0; i < map->via.map.size; i++) {
		const msgpack_object *k = &map->via.map.ptr[i].key;
		const msgpack_object *v = &map->via.map.ptr[i].val;
		const struct field *f;
		char kt[40];
		int err = 0;

		if (k->type != MSGPACK_OBJECT_STR)
			return vf__fail(NULL, -EPROTO,
					"control request: a key is not a string");
		f = find(req_fields, VF__ARRAY_SIZE(req_fields), k);
		if (!f || !(may & f->bit)) {
			key_text(k, kt, sizeof(kt));
			return vf__fail(NULL, -EINVAL,
					"control request: unknown field '%s' for '%s'",
					kt, op);
		}
		if (seen & f->bit)
			return vf__fail(NULL, -EINVAL,
					"control request: '%s' given twice", f->name);
		seen |= f->bit;
		switch (f->bit) {
		case F_CELL:
			err = field_str(v, "cell", VF__CTL_STR_MAX, &st, &r->cell);
			break;
		case F_SUBNET:
			err = field_str(v, "subnet", VF__CTL_STR_MAX, &st, &r->subnet);
			break;
		case F_PORT:
			err = field_str(v, "port", VF__CTL_STR_MAX, &st, &r->port);
			break;
		case F_ID: err = field_u32(v, "id", &r->id); break;
		case F_VIP: err = field_u32(v, "vip", &r->vip); break;
		case F_FLAGS: err = field_u32(v, "flags", &r->flags); break;
		case F_VMAC:
			if (v->type != MSGPACK_OBJECT_BIN ||
			    v->via.bin.size != sizeof(r->vmac.addr))
				return vf__fail(NULL, -EINVAL,
						"control request: 'vmac' is not 6 bytes");
			memcpy(r->vmac.addr, v->via.bin.ptr, sizeof(r->vmac.addr));
			r->has_vmac = true;
			break;
		case F_BIND: err = decode_bind(r, v, &st); break;
		case F_FRAME:
			if (v->type != MSGPACK_OBJECT_BIN)
				return vf__fail(NULL, -EINVAL,
						"control request: 'frame' is not binary");
			r->frame = (const uint8_t *)v->via.bin.ptr;
			r->frame_len = v->via.bin.size;
			break;
		default: break; /* v and op, checked already */
		}
		if (err < 0)
			return err;
	}
	for (const struct field *f = req_fields;
	     f < req_fields + VF__ARRAY_SIZE(req_fields); f++)
		if ((op_fields[r->op].must & f->bit) && !(seen & f->bit))
			return vf__fail(NULL, -EINVAL, "control request: '%s' needs '%s'",
					op, f->name);
	return 0;
}

int vf__ctl_decode_req(struct vf__ctl_req *r, const uint8_t *body, size_t len)
{
	msgpack_unpacked res;
	int err;

	memset(r, 0, offsetof(struct vf__ctl_req, store));
	r->store[0] = 0;
	if ((err = unpack(&res, body, len)) < 0)
		return err;
	if ((err = check_version(&res.data)) < 0 ||
	    (err = decode_op(&res.data, &r->op)) < 0 ||
	    (err = decode_fields(r, &res.data)) < 0) {
		enum vf__ctl_op op = r->op;

		memset(r, 0, offsetof(struct vf__ctl_req, store));
		r->op = op;
	}
	msgpack_unpacked_destroy(&res);
	return err;
}

int vf__ctl_decode_resp(struct vf__ctl_resp *r, const uint8_t *body, size_t len)
{
	const msgpack_object *m, *e, *msg, *data;
	msgpack_unpacked res;
	int err;

	memset(r, 0, sizeof(*r));
	if ((err = unpack(&res, body, len)) < 0)
		return err;
	m = &res.data;
	if ((err = check_version(m)) < 0)
		goto out;
	e = get(m, "err");
	msg = get(m, "msg");
	data = get(m, "data");
	err = -EPROTO;
	if (!e || !msg || !data || m->via.map.size != 4) {
		vf__fail(NULL, err, "control response: not {v, err, msg, data}");
		goto out;
	}
	if (e->type == MSGPACK_OBJECT_POSITIVE_INTEGER && e->via.u64 <= INT_MAX)
		r->err = (int)e->via.u64;
	else if (e->type == MSGPACK_OBJECT_NEGATIVE_INTEGER && e->via.i64 >= -4095)
		r->err = (int)e->via.i64;
	else {
		vf__fail(NULL, err, "control response: 'err' is not a result");
		goto out;
	}
	if (msg->type != MSGPACK_OBJECT_STR || msg->via.str.size > VF__CTL_MSG_TEXT_MAX ||
	    memchr(msg->via.str.ptr, 0, msg->via.str.size)) {
		vf__fail(NULL, err, "control response: 'msg' is not a message");
		goto out;
	}
	memcpy(r->msg, msg->via.str.ptr, msg->via.str.size);
	r->msg[msg->via.str.size] = 0;
	if (data->type == MSGPACK_OBJECT_STR) {
		if (!(r->data = malloc((size_t)data->via.str.size + 1))) {
			err = vf__fail(NULL, -ENOMEM, "no memory for a control response");
			goto out;
		}
		memcpy(r->data, data->via.str.ptr, data->via.str.size);
		r->data[data->via.str.size] = 0;
		r->data_len = data->via.str.size;
	} else if (data->type != MSGPACK_OBJECT_NIL) {
		vf__fail(NULL, err, "control response: 'data' is neither text nor nil");
		goto out;
	}
	err = 0;
out:
	msgpack_unpacked_destroy(&res);
	return err;
}
