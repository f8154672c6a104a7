/* The location service's messages: see locmsg.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gossip/locmsg.h"
#include "gossip/mp.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define T struct vf__loc_rec
static const struct vf__mp_field rec_fields[] = {
	VF__MP_FIELD(T, "C", U32, cell),     VF__MP_FIELD(T, "D", BOOL, dead),
	VF__MP_FIELD(T, "HI", U32, host_ip), VF__MP_FIELD(T, "HM", BYTES, host_mac),
	VF__MP_FIELD(T, "I", U32, vip),	     VF__MP_FIELD(T, "M", BYTES, vmac),
	VF__MP_FIELD(T, "O", STR, origin),   VF__MP_FIELD(T, "S", U32, subnet),
	VF__MP_FIELD(T, "V", U64, version),
};
#undef T

struct query {
	uint32_t cell;
	struct vf__gbytes from;
	uint32_t vip;
};

#define T struct query
static const struct vf__mp_field query_fields[] = {
	VF__MP_FIELD(T, "C", U32, cell),
	VF__MP_FIELD(T, "F", STR, from),
	VF__MP_FIELD(T, "I", U32, vip),
};
#undef T

static bool name_ok(struct vf__gbytes b)
{
	return b.len >= 1 && b.len <= VF__LOC_NAME_MAX;
}

/* One record map; its names and MACs must be whole. */
static int rec_decode(const msgpack_object *o, struct vf__loc_rec *r)
{
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = vf__gossip_mp_struct(o, rec_fields, N(rec_fields), r)) < 0)
		return rc;
	if (!name_ok(r->origin) || r->vmac.len != 6 || r->host_mac.len != 6 ||
	    !r->version)
		return -EPROTO;
	return 0;
}

/* One [origin, base, upto] mark. */
static int mark_decode(const msgpack_object *o, struct vf__loc_mark *k)
{
	int rc;

	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 3)
		return -EPROTO;
	if ((rc = vf__gossip_mp_bytes(&o->via.array.ptr[0], &k->origin, true)) < 0 ||
	    (rc = vf__gossip_mp_uint(&o->via.array.ptr[1], UINT64_MAX, &k->base)) < 0 ||
	    (rc = vf__gossip_mp_uint(&o->via.array.ptr[2], UINT64_MAX, &k->upto)) < 0)
		return rc;
	return name_ok(k->origin) && k->base < k->upto ? 0 : -EPROTO;
}

static int update_decode(struct vf__loc_msg *m, const msgpack_object *o)
{
	const msgpack_object *r = vf__gossip_mp_get(o, "R");
	const msgpack_object *u = vf__gossip_mp_get(o, "U");
	uint32_t n, nm;
	int rc;

	if (o->type != MSGPACK_OBJECT_MAP || !r || !u ||
	    r->type != MSGPACK_OBJECT_ARRAY || u->type != MSGPACK_OBJECT_ARRAY)
		return -EPROTO;
	n = r->via.array.size;
	nm = u->via.array.size;
	if (n > VF__LOC_RECS_MAX || nm > VF__LOC_VV_MAX)
		return -EMSGSIZE;
	if (n && !(m->u.update.recs = calloc(n, sizeof(*m->u.update.recs))))
		return -ENOMEM;
	if (nm && !(m->u.update.marks = calloc(nm, sizeof(*m->u.update.marks))))
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		if ((rc = rec_decode(&r->via.array.ptr[i], &m->u.update.recs[i])) < 0)
			return rc;
	for (uint32_t i = 0; i < nm; i++)
		if ((rc = mark_decode(&u->via.array.ptr[i], &m->u.update.marks[i])) < 0)
			return rc;
	m->u.update.n = n;
	m->u.update.nmarks = nm;
	return 0;
}

static int query_decode(struct vf__loc_msg *m, const msgpack_object *o)
{
	struct query q = {0};
	int rc;

	if ((rc = vf__gossip_mp_struct(o, query_fields, N(query_fields), &q)) < 0)
		return rc;
	if (!name_ok(q.from))
		return -EPROTO;
	m->u.query.cell = q.cell;
	m->u.query.from = q.from;
	m->u.query.vip = q.vip;
	return 0;
}

/* One [origin, version] pair of a version vector. */
static int vv_decode(const msgpack_object *o, struct vf__loc_vv *v)
{
	int rc;

	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 2)
		return -EPROTO;
	if ((rc = vf__gossip_mp_bytes(&o->via.array.ptr[0], &v->origin, true)) < 0 ||
	    (rc = vf__gossip_mp_uint(&o->via.array.ptr[1], UINT64_MAX, &v->version)) < 0)
		return rc;
	return name_ok(v->origin) ? 0 : -EPROTO;
}

static int state_decode(struct vf__loc_msg *m, const msgpack_object *o)
{
	const msgpack_object *from = vf__gossip_mp_get(o, "F");
	const msgpack_object *vv = vf__gossip_mp_get(o, "V");
	const msgpack_object *partial = vf__gossip_mp_get(o, "P");
	uint64_t p = 0;
	uint32_t n;
	int rc;

	if (o->type != MSGPACK_OBJECT_MAP || !from || !vv)
		return -EPROTO;
	if (partial && (rc = vf__gossip_mp_uint(partial, 1, &p)) < 0)
		return rc;
	m->u.state.partial = p;
	if ((rc = vf__gossip_mp_bytes(from, &m->u.state.from, true)) < 0)
		return rc;
	if (!name_ok(m->u.state.from) || vv->type != MSGPACK_OBJECT_ARRAY)
		return -EPROTO;
	n = vv->via.array.size;
	if (n > VF__LOC_VV_MAX)
		return -EMSGSIZE;
	if (n && !(m->u.state.vv = calloc(n, sizeof(*m->u.state.vv))))
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		if ((rc = vv_decode(&vv->via.array.ptr[i], &m->u.state.vv[i])) < 0)
			return rc;
	m->u.state.n = n;
	return 0;
}

void vf__loc_msg_free(struct vf__loc_msg *m)
{
	if (!m)
		return;
	if (m->type == VF__LOC_UPDATE || m->type == VF__LOC_GOSSIP) {
		free(m->u.update.recs);
		free(m->u.update.marks);
	} else if (m->type == VF__LOC_STATE)
		free(m->u.state.vv);
	memset(m, 0, sizeof(*m));
}

int vf__loc_msg_decode(struct vf__loc_msg *out, const uint8_t *p, size_t len)
{
	msgpack_unpacked res;
	size_t used;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len < 2)
		return -EPROTO;
	if (len > VF__LOC_MSG_MAX)
		return -EMSGSIZE;
	out->type = p[0];
	if (out->type < VF__LOC_UPDATE || out->type > VF__LOC_GOSSIP)
		return -EPROTO;
	if ((rc = vf__gossip_mp_unpack(&res, p + 1, len - 1, &used)) < 0)
		return rc;
	if (used != len - 1)
		rc = -EPROTO;
	else if (out->type == VF__LOC_UPDATE || out->type == VF__LOC_GOSSIP)
		rc = update_decode(out, &res.data);
	else if (out->type == VF__LOC_QUERY)
		rc = query_decode(out, &res.data);
	else
		rc = state_decode(out, &res.data);
	msgpack_unpacked_destroy(&res);
	if (rc < 0)
		vf__loc_msg_free(out);
	return rc;
}

int vf__loc_msg_encode(struct vf__gbuf *out, const struct vf__loc_msg *m)
{
	struct vf__mp_writer w;
	struct query q;

	if (vf__gbuf_byte(out, m->type) < 0)
		return -ENOMEM;
	vf__gossip_mp_writer(&w, out);
	switch (m->type) {
	case VF__LOC_UPDATE:
	case VF__LOC_GOSSIP:
		vf__gossip_mp_put_map(&w, 2);
		vf__gossip_mp_put_key(&w, "R");
		vf__gossip_mp_put_array(&w, m->u.update.n);
		for (size_t i = 0; i < m->u.update.n; i++)
			vf__gossip_mp_put_struct(&w, rec_fields, N(rec_fields),
						 &m->u.update.recs[i]);
		vf__gossip_mp_put_key(&w, "U");
		vf__gossip_mp_put_array(&w, m->u.update.nmarks);
		for (size_t i = 0; i < m->u.update.nmarks; i++) {
			vf__gossip_mp_put_array(&w, 3);
			vf__gossip_mp_put_bytes(&w, m->u.update.marks[i].origin, true);
			vf__gossip_mp_put_uint(&w, m->u.update.marks[i].base);
			vf__gossip_mp_put_uint(&w, m->u.update.marks[i].upto);
		}
		break;
	case VF__LOC_QUERY:
		q.cell = m->u.query.cell;
		q.from = m->u.query.from;
		q.vip = m->u.query.vip;
		vf__gossip_mp_put_struct(&w, query_fields, N(query_fields), &q);
		break;
	case VF__LOC_STATE:
		vf__gossip_mp_put_map(&w, m->u.state.partial ? 3 : 2);
		vf__gossip_mp_put_key(&w, "F");
		vf__gossip_mp_put_bytes(&w, m->u.state.from, true);
		if (m->u.state.partial) {
			vf__gossip_mp_put_key(&w, "P");
			vf__gossip_mp_put_uint(&w, 1);
		}
		vf__gossip_mp_put_key(&w, "V");
		vf__gossip_mp_put_array(&w, m->u.state.n);
		for (size_t i = 0; i < m->u.state.n; i++) {
			vf__gossip_mp_put_array(&w, 2);
			vf__gossip_mp_put_bytes(&w, m->u.state.vv[i].origin, true);
			vf__gossip_mp_put_uint(&w, m->u.state.vv[i].version);
		}
		break;
	default: return -EINVAL;
	}
	return w.err;
}

size_t vf__loc_mark_size(const struct vf__loc_mark *k)
{
	return 1 + 3 + k->origin.len + 2 * 9;
}

size_t vf__loc_rec_size(const struct vf__loc_rec *r)
{
	/* an upper bound: map header, 9 keys (7 of one letter, 2 of two:
	 * 20 bytes), bool, 2 x (str header + 6), 4 x u32 (at most 5 each),
	 * u64 (9), origin (header up to 3) */
	return 1 + 20 + 1 + 2 * 7 + 4 * 5 + 9 + 3 + r->origin.len;
}
