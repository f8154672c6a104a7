/*
 * The flow cache: the pipeline's decision for a flow, remembered after its
 * first packet so that the next ones take a short path (Open vSwitch's
 * exact-match cache, applied to the Diverter pipeline).
 *
 * One cache belongs to one pipeline context (struct vf__ctx.fc), so each
 * worker thread has its own and no entry is ever shared: nothing here is
 * thread-safe, and nothing needs to be.
 *
 * Key: the ingress (the port's serial, 0 for the underlay), the frame's
 * destination MAC, IPv4 source and destination, protocol and TCP/UDP
 * ports. Only unfragmented TCP and UDP in untagged frames with a 20-byte
 * IPv4 header are cached (vf__fc_parse); everything else always takes the
 * whole pipeline.
 *
 * Tag: an entry holds the cache's epoch when it was made, and the epoch
 * moves whenever the compiled tables (the model: ports, their state,
 * security groups, policies, routes, host MAC, ...) or the locations
 * change, so every entry becomes stale at once and a change takes effect
 * on the next frame.
 *
 * Value: what the pipeline decided that does not depend on the packet or
 * on connection-tracking state: TTL check and decrement, which connection
 * tracking steps to take (the security groups of the sending and the
 * receiving port, the inter-cell admission), whether the rules allow the
 * flow, where it goes and with which MACs. The per-packet work stays per
 * packet on a hit (pipeline.c: cached()): counters, QoS token buckets,
 * connection-tracking refresh and TCP state, the MTU, TTL and source MAC
 * checks.
 *
 * Layout: 64-byte entries in sets of VF__FC_WAYS; a hash of the key picks
 * the set. Each entry also keeps where connection tracking had the flow
 * (vf__ct_lookup_hint), so a hit does not hash the flow a second time.
 */
#ifndef VF_PIPELINE_FLOWCACHE_H
#define VF_PIPELINE_FLOWCACHE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <vfabric/vfabric.h>

#include "packet/packet.h"
#include "pipeline/match.h"

struct vf__tport;

#define VF__FC_WAYS 4
/* The in-process inject path's cache (2 MiB): room for the 10,000 flows
 * of the benchmark with few set conflicts. */
#define VF__FC_DEFAULT_ENTRIES 32768

/* Entry flags. */
enum {
	VF__FC_TTL = 1 << 0,	      /* routed: TTL must be over 1 ... */
	VF__FC_DEC_TTL = 1 << 1,      /* ... and is decremented */
	VF__FC_SG_OUT = 1 << 2,	      /* the sender's security groups (egress) */
	VF__FC_SG_OUT_KNOWN = 1 << 3, /* whether their rules allow the flow is known */
	VF__FC_SG_OUT_ALLOW = 1 << 4, /* ... and they do */
	VF__FC_SG_IN = 1 << 5,	      /* the receiver's security groups (ingress) */
	VF__FC_SG_IN_KNOWN = 1 << 6,
	VF__FC_SG_IN_ALLOW = 1 << 7,
	VF__FC_PAIR_COMMIT = 1 << 8, /* inter-cell: admitted, tracked in pair_zone */
	VF__FC_PAIR_LOOKUP = 1 << 9, /* inter-cell: passes only as tracked in pair_zone */
};

struct vf__fc_key {
	uint64_t w[3];
};

struct vf__fc_entry {
	struct vf__fc_key key;
	const struct vf__tport *to; /* the local receiver, NULL: the underlay */
	vf_mac smac, dmac;	    /* the frame's MACs on the way out */
	uint32_t epoch;		    /* the cache's epoch when made; 0: empty */
	uint32_t pair_zone;
	uint32_t ct_hint[2]; /* the security groups' conntrack entries (out, in) */
	uint16_t mtu;	     /* the sender's subnet MTU (IPv4 total length) */
	uint16_t flags;	     /* VF__FC_* */
};

struct vf__flowcache {
	struct vf__fc_entry *e;
	uint32_t mask; /* sets - 1 */
	uint32_t epoch;
	uint64_t tables_gen, locs_gen; /* what the epoch stands for */
	uint32_t victim;	       /* rotates the way a full set gives up */
	uint64_t seed;
	uint64_t hits, misses, inserts; /* for tests and benchmarks */
};

/* A frame the cache can take, in the parts the pipeline needs on a hit. */
struct vf__fc_pkt {
	struct vf__fc_key key;
	uint32_t hash;
	struct vf__flow fl; /* what rules and connection tracking look at */
	uint16_t ip_len;
	uint8_t ttl, tcp_flags;
};

/* 0, -ENOMEM, or -EINVAL if @entries is 0 or over 2^26. The size is
 * rounded up to a power of two of at least VF__FC_WAYS. */
int vf__flowcache_create(struct vf__flowcache **out, uint32_t entries);
void vf__flowcache_destroy(struct vf__flowcache *fc);
/* Forgets every entry. */
void vf__flowcache_clear(struct vf__flowcache *fc);

/* Moves the epoch (every entry stale) when the tables or the locations
 * have moved since the last frame. */
static inline void vf__fc_sync(struct vf__flowcache *fc, uint64_t tables_gen,
			       uint64_t locs_gen)
{
	if (fc->tables_gen == tables_gen && fc->locs_gen == locs_gen)
		return;
	fc->tables_gen = tables_gen;
	fc->locs_gen = locs_gen;
	if (!++fc->epoch)
		vf__flowcache_clear(fc);
}

static inline uint64_t vf__fc_load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t vf__fc_load32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define VF__FC_LE(le, be) (le)
#else
#define VF__FC_LE(le, be) (be)
#endif

/* Big-endian reads in one load each. */
static inline uint16_t vf__fc_be16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return __builtin_bswap16(v);
}

static inline uint32_t vf__fc_be32(const uint8_t *p)
{
	return __builtin_bswap32(vf__fc_load32(p));
}

/*
 * Reads what the cache needs from @len bytes at @buf, which arrived on
 * @ingress (a port's serial, 0: the underlay). Returns false for a frame
 * the cache does not take; true only for one that vf__pkt_parse() parses
 * without error into the same fields: untagged IPv4, a 20-byte header
 * with a valid checksum, not a fragment, a whole TCP or UDP header.
 */
static inline bool vf__fc_parse(struct vf__fc_pkt *p, const uint8_t *buf, uint32_t len,
				uint32_t ingress)
{
	const uint8_t *ip = buf + VF__ETH_HLEN, *l4 = ip + VF__IP_HLEN_MIN;
	uint32_t room;
	uint64_t sum;

	/* untagged IPv4 with a 20-byte header (options and tags: the
	 * pipeline), neither a fragment nor a first fragment (DF is fine) */
	/* bytes 12-14 are 08 00 45, and the fragment field but DF is 0, each
	 * tested as one native word */
	if (len < VF__ETH_HLEN + VF__IP_HLEN_MIN ||
	    (vf__fc_load32(buf + 12) & VF__FC_LE(0xffffffu, 0xffffff00u)) !=
		    VF__FC_LE(0x450008u, 0x08004500u) ||
	    (vf__fc_load32(ip + 4) & VF__FC_LE(0xff3f0000u, 0x3fffu)))
		return false;
	p->ip_len = vf__fc_be16(ip + 2);
	if (p->ip_len < VF__IP_HLEN_MIN || p->ip_len > len - VF__ETH_HLEN)
		return false;
	room = p->ip_len - VF__IP_HLEN_MIN;
	p->fl.proto = ip[9];
	if (p->fl.proto == VF_PROTO_UDP) {
		uint16_t ulen;

		if (room < VF__UDP_HLEN || (ulen = vf__fc_be16(l4 + 4)) < VF__UDP_HLEN ||
		    ulen > room)
			return false;
		p->tcp_flags = 0;
	} else if (p->fl.proto == VF_PROTO_TCP) {
		if (room < VF__TCP_HLEN_MIN || (l4[12] >> 4) * 4u < VF__TCP_HLEN_MIN ||
		    (l4[12] >> 4) * 4u > room)
			return false;
		p->tcp_flags = l4[13];
	} else {
		return false;
	}
	/* the header checksum, as vf__csum_valid() checks it: the one's
	 * complement sum of the header is 0xffff. One's complement addition
	 * is addition modulo 0xffff (2^16 and 2^32 are 1 there), whatever
	 * the byte order, and this sum cannot be 0 (the first byte is not):
	 * so the plain sum of the native-order 32-bit words must be a
	 * multiple of 0xffff. */
	sum = (uint64_t)vf__fc_load32(ip) + vf__fc_load32(ip + 4) +
	      vf__fc_load32(ip + 8) + vf__fc_load32(ip + 12) + vf__fc_load32(ip + 16);
	if (sum % 0xffff)
		return false;
	p->ttl = ip[8];
	p->fl.src = vf__fc_be32(ip + 12);
	p->fl.dst = vf__fc_be32(ip + 16);
	p->fl.sport = vf__fc_be16(l4);
	p->fl.dport = vf__fc_be16(l4 + 2);
	p->fl.has_ports = true;
	p->fl.icmp_echo = false;
	/* the destination MAC and protocol; both addresses; both ports and
	 * the ingress (raw bytes: the key is only ever compared) */
	p->key.w[0] = (vf__fc_load64(buf) & 0xffffffffffffull) | (uint64_t)ip[9] << 48;
	p->key.w[1] = vf__fc_load64(ip + 12);
	p->key.w[2] = vf__fc_load32(l4) | (uint64_t)ingress << 32;
	return true;
}

/* The live entry for @p, or NULL; hashes its key into p->hash (for
 * vf__fc_insert()). */
static inline struct vf__fc_entry *vf__fc_find(struct vf__flowcache *fc,
					       struct vf__fc_pkt *p)
{
	uint64_t h = (p->key.w[0] ^ fc->seed) * 0x9e3779b97f4a7c15ull;
	struct vf__fc_entry *e;

	h = (h ^ p->key.w[1]) * 0xbf58476d1ce4e5b9ull;
	h = (h ^ p->key.w[2]) * 0x94d049bb133111ebull;
	p->hash = (uint32_t)(h >> 32);
	e = &fc->e[(p->hash & fc->mask) * VF__FC_WAYS];

	for (int i = 0; i < VF__FC_WAYS; i++, e++)
		if (e->key.w[2] == p->key.w[2] && e->key.w[1] == p->key.w[1] &&
		    e->key.w[0] == p->key.w[0] && e->epoch == fc->epoch)
			return e;
	return NULL;
}

/* Stores @val (its key from @p) in place of the entry of the same
 * key, a free or stale way, or else one way of its set. */
void vf__fc_insert(struct vf__flowcache *fc, const struct vf__fc_pkt *p,
		   const struct vf__fc_entry *val);

#endif
