/*
 * Serf's message layer: intents, user events, queries, responses, relays
 * and the push-pull state inside memberlist user messages, and the tags in
 * node metadata. Field tables are sorted by Go field name, as go-msgpack
 * writes them.
 */
#include <errno.h>
#include <string.h>

#include "gossip/mp.h"
#include "gossip/serf.h"

#define TAG_MAGIC 0xff

#define T struct vf__serf_leave
static const struct vf__mp_field leave_fields[] = {
	VF__MP_FIELD(T, "LTime", U64, ltime),
	VF__MP_FIELD(T, "Node", STR, node),
	VF__MP_FIELD(T, "Prune", BOOL, prune),
};
#undef T
#define T struct vf__serf_join
static const struct vf__mp_field join_fields[] = {
	VF__MP_FIELD(T, "LTime", U64, ltime),
	VF__MP_FIELD(T, "Node", STR, node),
};
#undef T
#define T struct vf__serf_user_event
static const struct vf__mp_field event_fields[] = {
	VF__MP_FIELD(T, "CC", BOOL, cc),
	VF__MP_FIELD(T, "LTime", U64, ltime),
	VF__MP_FIELD(T, "Name", STR, name),
	VF__MP_FIELD(T, "Payload", BYTES, payload),
};
#undef T
/* Filters, second in wire order, is read and written by hand */
#define T struct vf__serf_query
static const struct vf__mp_field query_fields[] = {
	VF__MP_FIELD(T, "Addr", BYTES, addr),
	VF__MP_FIELD(T, "Flags", U32, flags),
	VF__MP_FIELD(T, "ID", U32, id),
	VF__MP_FIELD(T, "LTime", U64, ltime),
	VF__MP_FIELD(T, "Name", STR, name),
	VF__MP_FIELD(T, "Payload", BYTES, payload),
	VF__MP_FIELD(T, "Port", U16, port),
	VF__MP_FIELD(T, "RelayFactor", U8, relay_factor),
	VF__MP_FIELD(T, "SourceNode", STR, source_node),
	VF__MP_FIELD(T, "Timeout", I64, timeout),
};
#undef T
#define T struct vf__serf_query_response
static const struct vf__mp_field response_fields[] = {
	VF__MP_FIELD(T, "Flags", U32, flags),
	VF__MP_FIELD(T, "From", STR, from),
	VF__MP_FIELD(T, "ID", U32, id),
	VF__MP_FIELD(T, "LTime", U64, ltime),
	VF__MP_FIELD(T, "Payload", BYTES, payload),
};
#undef T
#define T struct vf__serf_relay
static const struct vf__mp_field dest_fields[] = {
	VF__MP_FIELD(T, "IP", BYTES, ip),
	VF__MP_FIELD(T, "Port", I64, port),
	VF__MP_FIELD(T, "Zone", STR, zone),
};
static const struct vf__mp_field relay_fields[] = {
	VF__MP_FIELD(T, "DestName", STR, dest_name),
};
#undef T
#define T struct vf__serf_key_request
static const struct vf__mp_field key_request_fields[] = {
	VF__MP_FIELD(T, "Key", BYTES, key),
};
#undef T
/* Keys, first in wire order, is read and written by hand */
#define T struct vf__serf_key_response
static const struct vf__mp_field key_response_fields[] = {
	VF__MP_FIELD(T, "Message", STR, message),
	VF__MP_FIELD(T, "PrimaryKey", STR, primary_key),
	VF__MP_FIELD(T, "Result", BOOL, result),
};
#undef T
#define T struct vf__serf_event
static const struct vf__mp_field state_event_fields[] = {
	VF__MP_FIELD(T, "Name", STR, name),
	VF__MP_FIELD(T, "Payload", BYTES, payload),
};
#undef T

#define N(a) (sizeof(a) / sizeof((a)[0]))

const char *vf__serf_type_name(uint8_t type)
{
	static const char *const names[] = {
		"leave",       "join",		"pushPull",	    "userEvent",
		"query",       "queryResponse", "conflictResponse", "keyRequest",
		"keyResponse", "relay",
	};

	return type < N(names) ? names[type] : "unknown";
}

/* ---- decoding ---- */

/* An array (or nil) of @size-byte items, allocated in @mem. */
static int get_array(struct vf__gmem *mem, const msgpack_object *o, size_t size,
		     void **items, uint32_t *n, bool *nil, msgpack_object_type type)
{
	*items = NULL;
	*n = 0;
	*nil = !o || o->type == MSGPACK_OBJECT_NIL;
	if (*nil)
		return 0;
	if (o->type != type)
		return -EPROTO;
	*n = type == MSGPACK_OBJECT_MAP ? o->via.map.size : o->via.array.size;
	if (*n && !(*items = vf__gossip_mem_alloc(mem, (size_t)*n * size)))
		return -ENOMEM;
	return 0;
}

static int get_bytes_list(struct vf__gmem *mem, const msgpack_object *o,
			  struct vf__gbytes **out, uint32_t *n, bool *nil, bool str_only)
{
	int rc = get_array(mem, o, sizeof(**out), (void **)out, n, nil,
			   MSGPACK_OBJECT_ARRAY);

	for (uint32_t i = 0; !rc && i < *n; i++)
		rc = vf__gossip_mp_bytes(&o->via.array.ptr[i], &(*out)[i], str_only);
	return rc;
}

static int get_u64(const msgpack_object *map, const char *key, uint64_t *out)
{
	const msgpack_object *o = vf__gossip_mp_get(map, key);

	*out = 0;
	return o ? vf__gossip_mp_uint(o, UINT64_MAX, out) : 0;
}

static int get_slot(struct vf__gmem *mem, const msgpack_object *o,
		    struct vf__serf_event_slot *slot)
{
	int rc;

	if (o->type == MSGPACK_OBJECT_NIL)
		return 0;
	if (o->type != MSGPACK_OBJECT_MAP)
		return -EPROTO;
	slot->present = true;
	if ((rc = get_u64(o, "LTime", &slot->ltime)) < 0)
		return rc;
	o = vf__gossip_mp_get(o, "Events");
	if ((rc = get_array(mem, o, sizeof(*slot->events), (void **)&slot->events,
			    &slot->nevents, &slot->events_nil, MSGPACK_OBJECT_ARRAY)) < 0)
		return rc;
	for (uint32_t i = 0; i < slot->nevents; i++)
		if ((rc = vf__gossip_mp_struct(&o->via.array.ptr[i], state_event_fields,
					       N(state_event_fields), &slot->events[i])) <
		    0)
			return rc;
	return 0;
}

static int get_status(struct vf__gmem *mem, const msgpack_object *o,
		      struct vf__serf_state *s)
{
	int rc = get_array(mem, o, sizeof(*s->status), (void **)&s->status, &s->nstatus,
			   &s->status_nil, MSGPACK_OBJECT_MAP);

	for (uint32_t i = 0; !rc && i < s->nstatus; i++) {
		const msgpack_object_kv *kv = &o->via.map.ptr[i];

		if ((rc = vf__gossip_mp_bytes(&kv->key, &s->status[i].name, true)) == 0)
			rc = vf__gossip_mp_uint(&kv->val, UINT64_MAX,
						&s->status[i].ltime);
	}
	return rc;
}

static int decode_state(struct vf__serf_msg *msg, const msgpack_object *o)
{
	struct vf__serf_state *s = &msg->u.state;
	const msgpack_object *slots = vf__gossip_mp_get(o, "Events");
	int rc;

	if (o->type != MSGPACK_OBJECT_MAP)
		return -EPROTO;
	if ((rc = get_u64(o, "EventLTime", &s->event_ltime)) < 0 ||
	    (rc = get_u64(o, "LTime", &s->ltime)) < 0 ||
	    (rc = get_u64(o, "QueryLTime", &s->query_ltime)) < 0 ||
	    (rc = get_bytes_list(&msg->mem, vf__gossip_mp_get(o, "LeftMembers"), &s->left,
				 &s->nleft, &s->left_nil, true)) < 0 ||
	    (rc = get_status(&msg->mem, vf__gossip_mp_get(o, "StatusLTimes"), s)) < 0 ||
	    (rc = get_array(&msg->mem, slots, sizeof(*s->slots), (void **)&s->slots,
			    &s->nslots, &s->slots_nil, MSGPACK_OBJECT_ARRAY)) < 0)
		return rc;
	for (uint32_t i = 0; i < s->nslots; i++)
		if ((rc = get_slot(&msg->mem, &slots->via.array.ptr[i], &s->slots[i])) <
		    0)
			return rc;
	return 0;
}

static int decode_query(struct vf__serf_msg *msg, const msgpack_object *o)
{
	struct vf__serf_query *q = &msg->u.query;
	int rc;

	if ((rc = vf__gossip_mp_struct(o, query_fields, N(query_fields), q)) < 0)
		return rc;
	return get_bytes_list(&msg->mem, vf__gossip_mp_get(o, "Filters"), &q->filters,
			      &q->nfilters, &q->filters_nil, false);
}

static int decode_relay(struct vf__serf_msg *msg, const msgpack_object *o,
			const uint8_t *rest, size_t len)
{
	struct vf__serf_relay *r = &msg->u.relay;
	const msgpack_object *dest = vf__gossip_mp_get(o, "DestAddr");
	int rc;

	if ((rc = vf__gossip_mp_struct(o, relay_fields, N(relay_fields), r)) < 0)
		return rc;
	if (dest && dest->type != MSGPACK_OBJECT_NIL &&
	    (rc = vf__gossip_mp_struct(dest, dest_fields, N(dest_fields), r)) < 0)
		return rc;
	if (!len)
		return -EPROTO;
	r->msg = (struct vf__gbytes){rest, (uint32_t)len};
	return 0;
}

static int decode_key_response(struct vf__serf_msg *msg, const msgpack_object *o)
{
	struct vf__serf_key_response *r = &msg->u.key_response;
	int rc;

	if ((rc = vf__gossip_mp_struct(o, key_response_fields, N(key_response_fields),
				       r)) < 0)
		return rc;
	return get_bytes_list(&msg->mem, vf__gossip_mp_get(o, "Keys"), &r->keys,
			      &r->nkeys, &r->keys_nil, true);
}

static int decode_body(struct vf__serf_msg *msg, const msgpack_object *o,
		       const uint8_t *rest, size_t len)
{
	switch (msg->type) {
	case VF__SERF_LEAVE:
		return vf__gossip_mp_struct(o, leave_fields, N(leave_fields), &msg->u);
	case VF__SERF_JOIN:
		return vf__gossip_mp_struct(o, join_fields, N(join_fields), &msg->u);
	case VF__SERF_USER_EVENT:
		return vf__gossip_mp_struct(o, event_fields, N(event_fields), &msg->u);
	case VF__SERF_QUERY: return decode_query(msg, o);
	case VF__SERF_QUERY_RESPONSE:
		return vf__gossip_mp_struct(o, response_fields, N(response_fields),
					    &msg->u);
	case VF__SERF_RELAY: return decode_relay(msg, o, rest, len);
	case VF__SERF_KEY_REQUEST:
		return vf__gossip_mp_struct(o, key_request_fields, N(key_request_fields),
					    &msg->u);
	case VF__SERF_KEY_RESPONSE: return decode_key_response(msg, o);
	default: return decode_state(msg, o);
	}
}

int vf__serf_decode(struct vf__serf_msg *msg, const uint8_t *p, size_t len)
{
	msgpack_unpacked res;
	size_t used;
	int rc;

	memset(msg, 0, sizeof(*msg));
	if (!len)
		return -EPROTO;
	if (len > VF__GOSSIP_STREAM_MAX)
		return -EMSGSIZE;
	msg->type = p[0];
	if (msg->type > VF__SERF_RELAY || msg->type == VF__SERF_CONFLICT_RESPONSE) {
		msg->u.body = (struct vf__gbytes){p + 1, (uint32_t)(len - 1)};
		return 0;
	}
	if ((rc = vf__gossip_mp_unpack(&res, p + 1, len - 1, &used)) < 0)
		return rc == -EAGAIN ? -EPROTO : rc;
	rc = decode_body(msg, &res.data, p + 1 + used, len - 1 - used);
	msgpack_unpacked_destroy(&res);
	if (rc < 0)
		vf__serf_free(msg);
	return rc;
}

void vf__serf_free(struct vf__serf_msg *msg)
{
	vf__gossip_mem_free(&msg->mem);
	memset(msg, 0, sizeof(*msg));
}

/* ---- encoding ---- */

static int put_bytes_list(struct vf__mp_writer *w, const struct vf__gbytes *v, uint32_t n,
			  bool nil, bool str)
{
	int rc;

	if (nil)
		return vf__gossip_mp_put_nil(w);
	if ((rc = vf__gossip_mp_put_array(w, n)) < 0)
		return rc;
	for (uint32_t i = 0; i < n && !rc; i++)
		rc = vf__gossip_mp_put_bytes(w, v[i], str);
	return rc;
}

static int put_slot(struct vf__mp_writer *w, const struct vf__serf_event_slot *slot)
{
	int rc;

	if (!slot->present)
		return vf__gossip_mp_put_nil(w);
	if ((rc = vf__gossip_mp_put_map(w, 2)) < 0 ||
	    (rc = vf__gossip_mp_put_key(w, "Events")) < 0)
		return rc;
	if (slot->events_nil)
		rc = vf__gossip_mp_put_nil(w);
	else
		rc = vf__gossip_mp_put_array(w, slot->nevents);
	for (uint32_t i = 0; !slot->events_nil && i < slot->nevents && !rc; i++)
		rc = vf__gossip_mp_put_struct(w, state_event_fields,
					      N(state_event_fields), &slot->events[i]);
	if (rc < 0 || (rc = vf__gossip_mp_put_key(w, "LTime")) < 0)
		return rc;
	return vf__gossip_mp_put_uint(w, slot->ltime);
}

static int put_status(struct vf__mp_writer *w, const struct vf__serf_state *s)
{
	int rc;

	if (s->status_nil)
		return vf__gossip_mp_put_nil(w);
	if ((rc = vf__gossip_mp_put_map(w, s->nstatus)) < 0)
		return rc;
	for (uint32_t i = 0; i < s->nstatus && !rc; i++)
		if ((rc = vf__gossip_mp_put_bytes(w, s->status[i].name, true)) == 0)
			rc = vf__gossip_mp_put_uint(w, s->status[i].ltime);
	return rc;
}

static int encode_state(struct vf__mp_writer *w, const struct vf__serf_state *s)
{
	int rc;

	if ((rc = vf__gossip_mp_put_map(w, 6)) < 0 ||
	    (rc = vf__gossip_mp_put_key(w, "EventLTime")) < 0 ||
	    (rc = vf__gossip_mp_put_uint(w, s->event_ltime)) < 0 ||
	    (rc = vf__gossip_mp_put_key(w, "Events")) < 0)
		return rc;
	rc = s->slots_nil ? vf__gossip_mp_put_nil(w)
			  : vf__gossip_mp_put_array(w, s->nslots);
	for (uint32_t i = 0; !s->slots_nil && i < s->nslots && !rc; i++)
		rc = put_slot(w, &s->slots[i]);
	if (rc < 0 || (rc = vf__gossip_mp_put_key(w, "LTime")) < 0 ||
	    (rc = vf__gossip_mp_put_uint(w, s->ltime)) < 0 ||
	    (rc = vf__gossip_mp_put_key(w, "LeftMembers")) < 0 ||
	    (rc = put_bytes_list(w, s->left, s->nleft, s->left_nil, true)) < 0 ||
	    (rc = vf__gossip_mp_put_key(w, "QueryLTime")) < 0 ||
	    (rc = vf__gossip_mp_put_uint(w, s->query_ltime)) < 0 ||
	    (rc = vf__gossip_mp_put_key(w, "StatusLTimes")) < 0)
		return rc;
	return put_status(w, s);
}

static int encode_query(struct vf__mp_writer *w, const struct vf__serf_query *q)
{
	int rc;

	if ((rc = vf__gossip_mp_put_map(w, N(query_fields) + 1)) < 0 ||
	    (rc = vf__gossip_mp_put_fields(w, query_fields, 1, q)) < 0 ||
	    (rc = vf__gossip_mp_put_key(w, "Filters")) < 0 ||
	    (rc = put_bytes_list(w, q->filters, q->nfilters, q->filters_nil, false)) < 0)
		return rc;
	return vf__gossip_mp_put_fields(w, query_fields + 1, N(query_fields) - 1, q);
}

static int encode_relay(struct vf__mp_writer *w, const struct vf__serf_relay *r)
{
	int rc;

	if ((rc = vf__gossip_mp_put_map(w, 2)) < 0 ||
	    (rc = vf__gossip_mp_put_key(w, "DestAddr")) < 0 ||
	    (rc = vf__gossip_mp_put_struct(w, dest_fields, N(dest_fields), r)) < 0 ||
	    (rc = vf__gossip_mp_put_fields(w, relay_fields, N(relay_fields), r)) < 0)
		return rc;
	return vf__gbuf_put(w->b, r->msg.data, r->msg.len);
}

static int encode_key_response(struct vf__mp_writer *w,
			       const struct vf__serf_key_response *r)
{
	int rc;

	if ((rc = vf__gossip_mp_put_map(w, 1 + N(key_response_fields))) < 0 ||
	    (rc = vf__gossip_mp_put_key(w, "Keys")) < 0 ||
	    (rc = put_bytes_list(w, r->keys, r->nkeys, r->keys_nil, true)) < 0)
		return rc;
	return vf__gossip_mp_put_fields(w, key_response_fields, N(key_response_fields),
					r);
}

static int encode_body(struct vf__mp_writer *w, const struct vf__serf_msg *msg)
{
	switch (msg->type) {
	case VF__SERF_LEAVE:
		return vf__gossip_mp_put_struct(w, leave_fields, N(leave_fields),
						&msg->u);
	case VF__SERF_JOIN:
		return vf__gossip_mp_put_struct(w, join_fields, N(join_fields), &msg->u);
	case VF__SERF_PUSH_PULL: return encode_state(w, &msg->u.state);
	case VF__SERF_USER_EVENT:
		return vf__gossip_mp_put_struct(w, event_fields, N(event_fields),
						&msg->u);
	case VF__SERF_QUERY: return encode_query(w, &msg->u.query);
	case VF__SERF_QUERY_RESPONSE:
		return vf__gossip_mp_put_struct(w, response_fields, N(response_fields),
						&msg->u);
	case VF__SERF_RELAY: return encode_relay(w, &msg->u.relay);
	case VF__SERF_KEY_REQUEST:
		return vf__gossip_mp_put_struct(w, key_request_fields,
						N(key_request_fields), &msg->u);
	case VF__SERF_KEY_RESPONSE: return encode_key_response(w, &msg->u.key_response);
	default: return vf__gbuf_put(w->b, msg->u.body.data, msg->u.body.len);
	}
}

int vf__serf_encode(struct vf__gbuf *out, const struct vf__serf_msg *msg)
{
	struct vf__mp_writer w;
	size_t start = out->len;
	int rc;

	vf__gossip_mp_writer(&w, out);
	if ((rc = vf__gbuf_put(out, &msg->type, 1)) < 0 ||
	    (rc = encode_body(&w, msg)) < 0)
		out->len = start;
	return rc;
}

/* ---- tags ---- */

int vf__serf_tags_decode(struct vf__serf_tag *tags, uint32_t max, uint32_t *n,
			 struct vf__gbytes meta)
{
	msgpack_unpacked res;
	const msgpack_object *o = &res.data;
	size_t used;
	int rc = 0;

	*n = 0;
	if (!meta.len || meta.data[0] != TAG_MAGIC) {
		if (!max)
			return -EMSGSIZE;
		tags[0].key = vf__gbytes_str("role");
		tags[0].value = meta;
		*n = 1;
		return 0;
	}
	if ((rc = vf__gossip_mp_unpack(&res, meta.data + 1, meta.len - 1, &used)) < 0)
		return rc == -EAGAIN ? -EPROTO : rc;
	if (o->type != MSGPACK_OBJECT_MAP)
		rc = o->type == MSGPACK_OBJECT_NIL ? 0 : -EPROTO;
	else if (o->via.map.size > max)
		rc = -EMSGSIZE;
	for (uint32_t i = 0; !rc && o->type == MSGPACK_OBJECT_MAP && i < o->via.map.size;
	     i++)
		if ((rc = vf__gossip_mp_bytes(&o->via.map.ptr[i].key, &tags[i].key,
					      true)) == 0)
			rc = vf__gossip_mp_bytes(&o->via.map.ptr[i].val, &tags[i].value,
						 true);
	if (!rc && o->type == MSGPACK_OBJECT_MAP)
		*n = o->via.map.size;
	msgpack_unpacked_destroy(&res);
	return rc;
}

int vf__serf_tags_encode(struct vf__gbuf *out, const struct vf__serf_tag *tags,
			 uint32_t n)
{
	struct vf__mp_writer w;
	uint8_t magic = TAG_MAGIC;
	size_t start = out->len;
	int rc;

	vf__gossip_mp_writer(&w, out);
	if ((rc = vf__gbuf_put(out, &magic, 1)) == 0)
		rc = vf__gossip_mp_put_map(&w, n);
	for (uint32_t i = 0; i < n && !rc; i++)
		if ((rc = vf__gossip_mp_put_bytes(&w, tags[i].key, true)) == 0)
			rc = vf__gossip_mp_put_bytes(&w, tags[i].value, true);
	if (!rc && out->len - start > VF__GOSSIP_META_MAX)
		rc = -EMSGSIZE;
	if (rc < 0)
		out->len = start;
	return rc;
}

/* ---- query filters ---- */

#define F struct vf__serf_filter
static const struct vf__mp_field tag_filter_fields[] = {
	VF__MP_FIELD(F, "Expr", STR, expr),
	VF__MP_FIELD(F, "Tag", STR, tag),
};
#undef F

static int decode_filter(struct vf__serf_filter *f, struct vf__gbytes *nodes,
			 uint32_t max, const msgpack_object *o)
{
	if (f->type == 1)
		return vf__gossip_mp_struct(o, tag_filter_fields, N(tag_filter_fields),
					    f);
	if (f->type != 0 ||
	    (o->type != MSGPACK_OBJECT_ARRAY && o->type != MSGPACK_OBJECT_NIL))
		return -EPROTO;
	if (o->type == MSGPACK_OBJECT_NIL)
		return 0;
	if (o->via.array.size > max)
		return -EMSGSIZE;
	for (uint32_t i = 0; i < o->via.array.size; i++)
		if (vf__gossip_mp_bytes(&o->via.array.ptr[i], &nodes[i], true) < 0)
			return -EPROTO;
	f->nnodes = o->via.array.size;
	return 0;
}

int vf__serf_filter_decode(struct vf__serf_filter *f, struct vf__gbytes *nodes,
			   uint32_t max, struct vf__gbytes raw)
{
	msgpack_unpacked res;
	size_t used;
	int rc;

	memset(f, 0, sizeof(*f));
	if (!raw.len)
		return -EPROTO;
	f->type = raw.data[0];
	if ((rc = vf__gossip_mp_unpack(&res, raw.data + 1, raw.len - 1, &used)) < 0)
		return rc == -EAGAIN ? -EPROTO : rc;
	rc = decode_filter(f, nodes, max, &res.data);
	msgpack_unpacked_destroy(&res);
	return rc;
}
