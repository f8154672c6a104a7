/*
 * Serf's messages, as Serf 0.9.4 puts them in memberlist user messages
 * ([serf type][msgpack body]) and in the push-pull user state, and Serf's
 * tags in node metadata ([0xff] + map[string]string). Same conventions as
 * codec.h: views into the input, 0 or -errno, nothing held on failure.
 */
#ifndef VF_GOSSIP_SERF_H
#define VF_GOSSIP_SERF_H

#include <stdbool.h>
#include <stdint.h>

#include "gossip/codec.h"

enum vf__serf_type {
	VF__SERF_LEAVE = 0,
	VF__SERF_JOIN = 1,
	VF__SERF_PUSH_PULL = 2,
	VF__SERF_USER_EVENT = 3,
	VF__SERF_QUERY = 4,
	VF__SERF_QUERY_RESPONSE = 5,
	VF__SERF_CONFLICT_RESPONSE = 6,
	VF__SERF_KEY_REQUEST = 7,
	VF__SERF_KEY_RESPONSE = 8,
	VF__SERF_RELAY = 9,
};

/* Query flags. */
#define VF__SERF_QUERY_ACK 1u	       /* the asker wants an ack */
#define VF__SERF_QUERY_NO_BROADCAST 2u /* do not rebroadcast */

#define VF__SERF_TAGS_MAX 256

/* The agent's size limits (serf.md §9): an encoded user event (and its
 * name plus payload), query and query response. Larger ones are dropped
 * by agents, so check before sending. */
#define VF__SERF_USER_EVENT_MAX 512
#define VF__SERF_QUERY_MAX 1024
#define VF__SERF_RESPONSE_MAX 1024

struct vf__serf_leave {
	uint64_t ltime;
	struct vf__gbytes node;
	bool prune;
};

struct vf__serf_join {
	uint64_t ltime;
	struct vf__gbytes node;
};

struct vf__serf_user_event {
	bool cc; /* coalesce */
	uint64_t ltime;
	struct vf__gbytes name, payload;
};

struct vf__serf_query {
	struct vf__gbytes addr; /* answer to addr:port */
	bool filters_nil;	/* Filters was nil (not an empty list) */
	uint32_t nfilters;
	struct vf__gbytes *filters; /* each [type] + msgpack: vf__serf_filter_decode */
	uint32_t flags;
	uint32_t id;
	uint64_t ltime;
	struct vf__gbytes name, payload;
	uint16_t port;
	uint8_t relay_factor;
	struct vf__gbytes source_node;
	int64_t timeout; /* nanoseconds */
};

struct vf__serf_query_response {
	uint32_t flags; /* VF__SERF_QUERY_ACK: an ack */
	struct vf__gbytes from;
	uint32_t id;
	uint64_t ltime;
	struct vf__gbytes payload;
};

/* Forward @msg (a [5] response) by UDP user message to ip:port. */
struct vf__serf_relay {
	struct vf__gbytes ip;
	int64_t port;
	struct vf__gbytes zone;
	struct vf__gbytes dest_name;
	struct vf__gbytes msg;
};

/* Key management: the payload of the internal queries _serf_install-key,
 * _serf_use-key, _serf_remove-key and _serf_list-keys is a [7] request,
 * and their answers carry an [8] response. Keys travel raw in requests
 * and as standard base64 in responses. */
struct vf__serf_key_request {
	struct vf__gbytes key;
};

struct vf__serf_key_response {
	bool keys_nil;
	uint32_t nkeys;
	struct vf__gbytes *keys; /* base64 */
	struct vf__gbytes message;
	struct vf__gbytes primary_key; /* base64 */
	bool result;
};

/* ---- push-pull state ---- */

struct vf__serf_event {
	struct vf__gbytes name, payload;
};

struct vf__serf_event_slot {
	bool present; /* false: a nil slot */
	bool events_nil;
	uint32_t nevents;
	struct vf__serf_event *events;
	uint64_t ltime;
};

struct vf__serf_status {
	struct vf__gbytes name;
	uint64_t ltime;
};

struct vf__serf_state {
	uint64_t event_ltime;
	bool slots_nil;
	uint32_t nslots; /* 512 from a Serf agent */
	struct vf__serf_event_slot *slots;
	uint64_t ltime;
	bool left_nil;
	uint32_t nleft;
	struct vf__gbytes *left;
	uint64_t query_ltime;
	bool status_nil;
	uint32_t nstatus; /* in the order received (Go's is random) */
	struct vf__serf_status *status;
};

struct vf__serf_msg {
	uint8_t type; /* enum vf__serf_type, or any other value */
	union {
		struct vf__serf_leave leave;
		struct vf__serf_join join;
		struct vf__serf_user_event event;
		struct vf__serf_query query;
		struct vf__serf_query_response response;
		struct vf__serf_relay relay;
		struct vf__serf_state state;
		struct vf__serf_key_request key_request;
		struct vf__serf_key_response key_response;
		/* conflict response and unknown types (the fabric's
		 * own): the bytes after the type */
		struct vf__gbytes body;
	} u;
	struct vf__gmem mem;
};

/* Decodes a user message's bytes (or a push-pull's user state, or a key
 * query's payload). Unknown types and conflict responses decode with only
 * u.body; -EPROTO for an empty message or a body
 * Serf could not decode. */
int vf__serf_decode(struct vf__serf_msg *msg, const uint8_t *p, size_t len);
void vf__serf_free(struct vf__serf_msg *msg);
/* Appends [type][body], as Serf writes it. */
int vf__serf_encode(struct vf__gbuf *out, const struct vf__serf_msg *msg);
const char *vf__serf_type_name(uint8_t type);

/* ---- tags, filters ---- */

struct vf__serf_tag {
	struct vf__gbytes key, value;
};

/* Reads the tags in node metadata into @tags (room for @max): without the
 * 0xff magic byte the whole of @meta is the value of "role", as in Serf.
 * -EMSGSIZE for more than @max tags, -EPROTO if undecodable. */
int vf__serf_tags_decode(struct vf__serf_tag *tags, uint32_t max, uint32_t *n,
			 struct vf__gbytes meta);
/* Appends [0xff] + the map; -EMSGSIZE if that passes VF__GOSSIP_META_MAX. */
int vf__serf_tags_encode(struct vf__gbuf *out, const struct vf__serf_tag *tags,
			 uint32_t n);

struct vf__serf_filter {
	uint8_t type;		     /* 0: node names, 1: tag */
	uint32_t nnodes;	     /* type 0: the names, in the caller's array */
	struct vf__gbytes tag, expr; /* type 1: Go regexp @expr on tag @tag */
};

/* Decodes one query filter; node names go to @nodes (room for @max).
 * -EPROTO for an unknown type or a bad body, -EMSGSIZE past @max. */
int vf__serf_filter_decode(struct vf__serf_filter *f, struct vf__gbytes *nodes,
			   uint32_t max, struct vf__gbytes raw);

#endif
