/*
 * The gossip wire codec: HashiCorp memberlist's messages as Debian 12's
 * serf agent (memberlist 0.2.2, go-msgpack 0.5.5) puts them on the wire,
 * decoded into structs and encoded from them. No I/O and no state: the
 * membership layer reads and fills these structs. The wire facts are in
 * the protocol notes (memberlist.md, serf.md) next to the test vectors.
 *
 * UDP packet, outermost first: [encryption] > [12 crc] > message, where a
 * message is [type][msgpack body], or [7] compound (several messages), or
 * [9] compress (LZW of one message). TCP stream: [10 len encryption] >
 * [9 compress] > [type][body] (push-pull adds node states and user state).
 *
 * Byte strings are views (struct vf__gbytes) into the caller's input or
 * into buffers the decoded struct owns: valid until the struct is freed
 * and while the input lives. Decoders check every length before using it,
 * return 0 or -errno (-EPROTO malformed, -EMSGSIZE over a limit below,
 * -EBADMSG no key decrypts it, -ENOMEM; -EAGAIN, from the stream decoder
 * only, for a message not complete yet) and hold nothing on failure.
 * The codec keeps no state of its own: calls on different structs may
 * run on any threads at once.
 * Encoders write Go's exact forms: keys sorted by name, strings and byte
 * slices as fixstr/str16/str32, nil slices as nil, integers in their
 * smallest unsigned form.
 */
#ifndef VF_GOSSIP_CODEC_H
#define VF_GOSSIP_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vf__keyring;

/* ---- limits ---- */

#define VF__GOSSIP_UDP_MAX 65536u	  /* a UDP packet, and what it may inflate to */
#define VF__GOSSIP_STREAM_MAX (20u << 20) /* a TCP message, and what it may inflate to */
#define VF__GOSSIP_META_MAX 512u	  /* node metadata (memberlist's MetaMaxSize) */
#define VF__GOSSIP_VSN_LEN 6		  /* what a node must send as Vsn */
#define VF__GOSSIP_VSN_MAX 16		  /* longest Vsn accepted */
#define VF__GOSSIP_MSGS_MAX 1024	  /* messages (containers included) per packet */
#define VF__GOSSIP_DEPTH_MAX 4		  /* nested compound/compress messages */
#define VF__GOSSIP_PARTS_MAX 255	  /* parts of a compound */
#define VF__GOSSIP_NODES_MAX 131072	  /* node states in one push-pull */

/* memberlist message types (the first byte). */
enum vf__gossip_type {
	VF__GOSSIP_PING = 0,
	VF__GOSSIP_INDIRECT_PING = 1,
	VF__GOSSIP_ACK = 2,
	VF__GOSSIP_SUSPECT = 3,
	VF__GOSSIP_ALIVE = 4,
	VF__GOSSIP_DEAD = 5,
	VF__GOSSIP_PUSH_PULL = 6,
	VF__GOSSIP_COMPOUND = 7,
	VF__GOSSIP_USER = 8,
	VF__GOSSIP_COMPRESS = 9,
	VF__GOSSIP_ENCRYPT = 10,
	VF__GOSSIP_NACK = 11,
	VF__GOSSIP_HAS_CRC = 12,
	VF__GOSSIP_ERR = 13,
};

/* A node's state in a push-pull. */
enum vf__gossip_state {
	VF__GOSSIP_STATE_ALIVE = 0,
	VF__GOSSIP_STATE_SUSPECT = 1,
	VF__GOSSIP_STATE_DEAD = 2,
	VF__GOSSIP_STATE_LEFT = 3,
};

/* Bytes on the wire. data == NULL is Go's nil slice (msgpack nil); an
 * empty non-nil slice has data != NULL and len 0. Strings are the same
 * (not NUL-terminated); an empty string may be either. */
struct vf__gbytes {
	const uint8_t *data;
	uint32_t len;
};

/* A view of a C string (NULL gives nil). */
struct vf__gbytes vf__gbytes_str(const char *s);
bool vf__gbytes_eq(struct vf__gbytes a, struct vf__gbytes b);
bool vf__gbytes_is(struct vf__gbytes a, const char *s);

/* [pmin, pmax, pcur, dmin, dmax, dcur]; send VF__GOSSIP_VSN_LEN bytes. */
struct vf__gossip_vsn {
	uint8_t len;
	uint8_t v[VF__GOSSIP_VSN_MAX];
};

/* What a node that lives with Serf agents sends: memberlist 1..5 spoken
 * at 2, Serf (the delegate) 2..5 at 5. Anything shorter kills the Debian
 * agent; other delegate ranges make its push-pulls fail. */
#define VF__GOSSIP_VSN_SERF ((struct vf__gossip_vsn){6, {1, 5, 2, 2, 5, 5}})

/* Fields in wire order; Go's field name in the comment when it differs. */
struct vf__gossip_ping {
	struct vf__gbytes node; /* the target's name */
	uint32_t seq_no;
	struct vf__gbytes source_addr; /* omitted when empty, as the three below */
	struct vf__gbytes source_node;
	uint16_t source_port;
};

struct vf__gossip_indirect_ping {
	bool nack;
	struct vf__gbytes node; /* the target's name */
	uint16_t port;		/* the target's port */
	uint32_t seq_no;
	struct vf__gbytes source_addr, source_node;
	uint16_t source_port;
	struct vf__gbytes target; /* the target's IP */
};

struct vf__gossip_ack {
	struct vf__gbytes payload; /* nil, or Serf's [1] + coordinate */
	uint32_t seq_no;
};

struct vf__gossip_nack {
	uint32_t seq_no;
};

/* suspect (3) and dead (5); dead with from == node is a graceful leave */
struct vf__gossip_suspect {
	struct vf__gbytes from;
	uint32_t incarnation;
	struct vf__gbytes node;
};

struct vf__gossip_alive {
	struct vf__gbytes addr; /* 4 or 16 bytes */
	uint32_t incarnation;
	struct vf__gbytes meta; /* Serf tags: vf__serf_tags_decode() */
	struct vf__gbytes node;
	uint16_t port;
	struct vf__gossip_vsn vsn;
};

struct vf__gossip_err {
	struct vf__gbytes error;
};

/*
 * One message of a UDP packet. A packet decodes into an array of these in
 * pre-order: a COMPOUND is followed by its @nparts parts (each a message,
 * possibly a container itself), a COMPRESS by the one message it inflates
 * to. Any other type is a leaf. A type with no UDP body (PUSH_PULL,
 * ENCRYPT, an inner HAS_CRC, ERR, and any unknown value) is kept as a
 * leaf with only @raw: memberlist drops those, and so should the caller.
 */
struct vf__gossip_msg {
	uint8_t type; /* enum vf__gossip_type, or unknown */
	uint16_t nparts;
	struct vf__gbytes raw; /* the message as received, type byte first */
	union {
		struct vf__gossip_ping ping;
		struct vf__gossip_indirect_ping indirect;
		struct vf__gossip_ack ack;
		struct vf__gossip_nack nack;
		struct vf__gossip_suspect suspect; /* SUSPECT and DEAD */
		struct vf__gossip_alive alive;
		struct vf__gossip_err err;
		struct vf__gbytes user; /* the delegate's (Serf's) bytes */
	} u;
};

/* Memory a decoded struct owns (decrypted and inflated bytes, arrays). */
struct vf__gblob;
struct vf__gmem {
	struct vf__gblob *head;
	size_t total;
};
/* Zeroed memory owned by @mem; NULL when out of memory. */
void *vf__gossip_mem_alloc(struct vf__gmem *mem, size_t size);
/* Hands the malloc'd @p to @mem (freed with it; freed now on failure). */
int vf__gossip_mem_adopt(struct vf__gmem *mem, void *p, size_t size);
void vf__gossip_mem_free(struct vf__gmem *mem);

struct vf__gossip_packet {
	bool encrypted;
	uint8_t enc_vsn; /* 0 or 1 when encrypted */
	bool crc;	 /* had a valid [12] CRC header */
	uint32_t nmsgs;
	struct vf__gossip_msg *msgs; /* pre-order, msgs[0] the outermost */
	struct vf__gmem mem;
};

/* A growing output buffer. */
struct vf__gbuf {
	uint8_t *data;
	size_t len, cap;
};
int vf__gbuf_put(struct vf__gbuf *b, const void *p, size_t n);
void vf__gbuf_free(struct vf__gbuf *b);
/* Appends one byte (the LZW coders' inner loop). */
static inline int vf__gbuf_byte(struct vf__gbuf *b, uint8_t v)
{
	if (b->len < b->cap) {
		b->data[b->len++] = v;
		return 0;
	}
	return vf__gbuf_put(b, &v, 1);
}

/* Encoding flags. VF__GOSSIP_F_CRC: add the [12] CRC header (UDP).
 * VF__GOSSIP_F_COMPRESS: on UDP, LZW the message if that is shorter; on
 * TCP, always (as Go does). */
#define VF__GOSSIP_F_CRC (1u << 0)
#define VF__GOSSIP_F_COMPRESS (1u << 1)

/*
 * Decodes a UDP packet. With @kr (not NULL) the packet must be encrypted
 * (memberlist's GossipVerifyIncoming) and a key must open it (-EBADMSG);
 * without, it must not be. Then the CRC (if the first byte is 12, at least
 * 5 bytes, -EPROTO on mismatch) and the message tree. Empty messages (zero
 * length parts, nothing after a CRC, LZW inflating to nothing), which kill
 * the Go agent, are refused with -EPROTO, and so is a compound whose parts
 * run past its end (memberlist would take the complete ones). Unknown
 * types decode as leaves (memberlist logs and drops them).
 */
int vf__gossip_packet_decode(struct vf__gossip_packet *pkt, const uint8_t *buf,
			     size_t len, const struct vf__keyring *kr);
void vf__gossip_packet_free(struct vf__gossip_packet *pkt);

/* Decodes one message tree (no CRC, no encryption) into @pkt. */
int vf__gossip_msgs_decode(struct vf__gossip_packet *pkt, const uint8_t *buf, size_t len);

/*
 * Appends the message tree @msgs[0..n) (pre-order, as decoded: msgs[0] and
 * what it contains, n counting every node) to @out as one UDP packet:
 * VF__GOSSIP_F_COMPRESS wraps it in [9] when that is shorter,
 * VF__GOSSIP_F_CRC adds the CRC, and @kr (not NULL) encrypts with its
 * primary key (version 1). -EINVAL for a tree that does not add up, more
 * than 255 parts or a part of 64 KiB or more; -EMSGSIZE over 64 KiB.
 */
int vf__gossip_packet_encode(struct vf__gbuf *out, const struct vf__gossip_msg *msgs,
			     uint32_t n, unsigned int flags,
			     const struct vf__keyring *kr);
/* Appends the one message tree, nothing around it. */
int vf__gossip_msgs_encode(struct vf__gbuf *out, const struct vf__gossip_msg *msgs,
			   uint32_t n);

/* Layer names, as the capture listings print them ("ackResp"). */
const char *vf__gossip_type_name(uint8_t type);

/* ---- TCP streams ---- */

struct vf__gossip_node_state {
	struct vf__gbytes addr;
	uint32_t incarnation;
	struct vf__gbytes meta;
	struct vf__gbytes name;
	uint16_t port; /* 0: the receiver's own port */
	int64_t state; /* enum vf__gossip_state; others are kept as sent */
	struct vf__gossip_vsn vsn;
};

struct vf__gossip_push_pull {
	bool join;
	uint32_t nnodes;
	struct vf__gossip_node_state *nodes;
	struct vf__gbytes user_state; /* Serf: vf__serf_decode(); nil when empty */
};

/* One TCP message: PING, ACK, PUSH_PULL, USER or ERR. */
struct vf__gossip_stream {
	bool encrypted;
	uint8_t enc_vsn;
	bool compressed;
	uint8_t type;
	union {
		struct vf__gossip_ping ping;
		struct vf__gossip_ack ack;
		struct vf__gossip_push_pull push_pull;
		struct vf__gossip_err err;
		struct vf__gbytes user; /* [8] {UserMsgLen} then the bytes */
	} u;
	size_t used; /* bytes of the input it took */
	struct vf__gmem mem;
};

/*
 * Decodes the message at the start of @buf, read from a TCP connection.
 * With @kr the stream must start with [10] (encrypted), without it must
 * not. -EAGAIN when @buf ends before the message does (read more and call
 * again; at the end of the stream that is -EPROTO); -EMSGSIZE beyond
 * VF__GOSSIP_STREAM_MAX; -EPROTO for anything malformed, including a
 * message type that is not used on streams.
 */
int vf__gossip_stream_decode(struct vf__gossip_stream *st, const uint8_t *buf, size_t len,
			     const struct vf__keyring *kr);
void vf__gossip_stream_free(struct vf__gossip_stream *st);

/* Appends @st as a stream message: compressed with VF__GOSSIP_F_COMPRESS
 * (@st->compressed is not read), encrypted with @kr's primary key. */
int vf__gossip_stream_encode(struct vf__gbuf *out, const struct vf__gossip_stream *st,
			     unsigned int flags, const struct vf__keyring *kr);

/* ---- LZW (Go's compress/lzw, LSB order, literal width 8) and CRC ---- */

/* Appends what @in inflates to; -EPROTO for a bad code or no end code,
 * -EMSGSIZE past @max bytes of output. */
int vf__gossip_lzw_decompress(struct vf__gbuf *out, const uint8_t *in, size_t len,
			      size_t max);
/* Appends Go's compression of @in, byte for byte. */
int vf__gossip_lzw_compress(struct vf__gbuf *out, const uint8_t *in, size_t len);
/* CRC-32/IEEE, zlib's crc32(0, p, n). */
uint32_t vf__gossip_crc32(const uint8_t *p, size_t n);

#endif
