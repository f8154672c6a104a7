/*
 * The control socket's wire codec (ctl.h): each message is a 4-byte
 * big-endian body length followed by a body that is one msgpack map.
 *
 *   request:  {"v": 1, "op": "<name>", <arguments>}
 *   response: {"v": 1, "err": <int>, "msg": <str>, "data": <str or nil>}
 *
 * "err" is what the in-process call returns (-errno on failure, else 0 or
 * a count: the trace verdict), "msg" its vf_last_error() text on failure,
 * "data" the result text (JSON, or the trace). Arguments by op:
 *
 *   hello      (none)                    data: {"host","version","protocol"}
 *   attach     cell, subnet, port: str; id, vip, flags: uint32;
 *              vmac: bin 6; bind: map {datapath, ifname, peer, netns: str;
 *              flags: uint32}              data: the port (JSON)
 *   detach     port: str
 *   list       (none)                    data: JSON
 *   counters   port: str (absent: the fabric's)   data: JSON
 *   trace      port: str (absent: underlay); frame: bin   data: text
 *   locations  (none)                    data: JSON
 *   members    (none)                    data: JSON
 *
 * Decoding is bounded before msgpack-c sees a byte: nesting, the number of
 * objects and every length are checked against what is left. Every field
 * is type- and range-checked; unknown and repeated keys are refused.
 * Errors (also in vf_last_error()):
 *   -EPROTO           not one msgpack map, a key that is not a string, no
 *                     or a bad "v"/"op"
 *   -EPROTONOSUPPORT  "v" is not VF__CTL_VERSION (checked first)
 *   -EOPNOTSUPP       an unknown op
 *   -EINVAL           a field of the wrong type, out of range, unknown or
 *                     repeated; a missing argument
 */
#ifndef VF_CTL_PROTO_H
#define VF_CTL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include <vfabric/vfabric.h>

#define VF__CTL_VERSION VF_CTL_PROTOCOL
#define VF__CTL_HDR 4
/* Nesting (request: map in map) and objects (keys and values) one message
 * may hold. */
#define VF__CTL_DEPTH_MAX 3
#define VF__CTL_OBJS_MAX 64
/* Longest string argument: names and interface names, and paths. */
#define VF__CTL_STR_MAX 255
#define VF__CTL_PATH_MAX 4095
/* Longest "msg". */
#define VF__CTL_MSG_TEXT_MAX 1024

enum vf__ctl_op {
	VF__CTL_HELLO = 1,
	VF__CTL_ATTACH,
	VF__CTL_DETACH,
	VF__CTL_LIST,
	VF__CTL_COUNTERS,
	VF__CTL_TRACE,
	VF__CTL_LOCATIONS,
	VF__CTL_MEMBERS,
};

/* The op's wire name, or NULL. */
const char *vf__ctl_op_name(enum vf__ctl_op op);

/* A request. String fields are NULL when absent. Decoded strings are
 * NUL-terminated copies in @store; @frame points into the decoded body. */
struct vf__ctl_req {
	enum vf__ctl_op op;
	const char *cell, *subnet, *port;
	uint32_t id, vip, flags;
	vf_mac vmac;
	bool has_vmac;
	bool has_bind;
	struct {
		const char *datapath, *ifname, *peer, *netns;
		uint32_t flags;
	} bind;
	const uint8_t *frame;
	uint32_t frame_len;
	char store[6 * (VF__CTL_STR_MAX + 1) + VF__CTL_PATH_MAX + 1];
};

/* A growable output buffer; frames are appended to it. */
struct vf__ctl_out {
	uint8_t *p;
	size_t len, cap;
};
void vf__ctl_out_free(struct vf__ctl_out *o);

/* Appends one framed request or response to @o. 0, -ENOMEM, or -EMSGSIZE
 * when the body would be longer than @max; @o is unchanged on failure. */
int vf__ctl_encode_req(struct vf__ctl_out *o, const struct vf__ctl_req *r, size_t max);
int vf__ctl_encode_resp(struct vf__ctl_out *o, int err, const char *msg, const char *data,
			size_t data_len, size_t max);

/* The body length a 4-byte header announces. */
uint32_t vf__ctl_frame_len(const uint8_t hdr[VF__CTL_HDR]);

/* Decodes a request body (without its header). 0 or -errno, see above. */
int vf__ctl_decode_req(struct vf__ctl_req *r, const uint8_t *body, size_t len);

struct vf__ctl_resp {
	int err;
	char msg[VF__CTL_MSG_TEXT_MAX + 1];
	char *data; /* malloc'd, NUL-terminated, or NULL; the caller frees it */
	size_t data_len;
};

/* Decodes a response body: 0 (r->err is the server's result), or -EPROTO,
 * -EPROTONOSUPPORT, -ENOMEM about the response itself. */
int vf__ctl_decode_resp(struct vf__ctl_resp *r, const uint8_t *body, size_t len);

/* Checks that @buf holds exactly one msgpack object within the bounds
 * above. 0 or -EPROTO. (Exposed for tests.) */
int vf__ctl_skim(const uint8_t *buf, size_t len);

#endif
