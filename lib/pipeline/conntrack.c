/*
 * Connection tracking (see conntrack.h for the contract).
 *
 * Layout. A purpose-built table rather than util/hash.h, because the
 * generic map cannot promise what the datapath needs: it leaves a
 * tombstone per deletion and rehashes (allocates) to clear them, and
 * connections are deleted all the time. Here everything is allocated at
 * create and never again:
 * - entries[0..count) is a dense array of max_entries entries (32 bytes);
 *   a deletion moves the last entry into the hole, so sweeps, flushes and
 *   eviction walk live entries only;
 * - slots[] is an open-addressing index (linear probing, at least twice as
 *   many slots as entries, so the load stays at or under 1/2) of
 *   (32-bit hash, entry index + 1); a deletion shifts the following slots
 *   back instead of leaving tombstones, so probes stay short for ever.
 * A look-up is one hash, a probe of the index that compares hashes, and
 * one entry read: O(1) expected, no allocation, no system call.
 *
 * Key. The zone, the protocol and the two endpoints (address, port) in
 * canonical order: "a" is the smaller of (address << 16 | port), so both
 * directions of a connection find the same entry, and a flag says whether
 * a or b opened it. Ports count only when the flow has them (has_ports);
 * flows without ports key on the addresses and protocol alone.
 *
 * ICMP. Echo requests and replies key on their identifier in place of
 * both ports, so each ping is its own connection; the pipeline judges a
 * request seen in the reply direction as new (B pinging A is not A's
 * ping). Other ICMP keys on the addresses and protocol alone.
 *
 * TCP. No sequence numbers, only flags:
 * - a SYN without ACK from the opener marks the handshake started;
 * - SYN+ACK from the other end after it, then an ACK from the opener,
 *   make the connection established (the header's "both sides have spoken
 *   and a SYN was seen"; we wait for the opener's ACK so that a SYN flood
 *   answered with SYN+ACKs cannot fill the table with established,
 *   unevictable entries);
 * - FIN or RST from either end marks it closing (10 s) for good, except
 *   that a new SYN from the opener reuses the entry for a new connection
 *   on the same ports.
 * Connections picked up without a SYN stay at the 120 s timeout,
 * refreshed by every packet.
 *
 * Established, for eviction: a TCP connection established and not
 * closing, a UDP (or other protocol) flow whose reply has been seen. ICMP
 * is never established. An entry is dead once now_ns reaches its expiry;
 * dead entries are invisible to look-ups and are removed by look-ups,
 * vf__ct_expire() and eviction. vf__ct_count() counts them until then.
 *
 * Eviction. A commit into a full table looks at up to EVICT_SCAN entries
 * from a rotating cursor: it takes the first dead one it meets, or else
 * the non-established one that expires first; if all it met are
 * established it returns -ENOSPC (the next commit looks further on), so
 * the cost of a commit stays bounded however large the table.
 *
 * A commit of a flow that has a live entry acts as a look-up; over a dead
 * entry it starts a new connection in its place.
 *
 * Hints. vf__ct_lookup_hint() keeps an entry's index for its caller; an
 * index is only ever a guess, checked against the whole key before use,
 * so entries may move and indexes be reused freely.
 *
 * Shards. A large table is 16 shards (a small one, as tests make, is
 * one), each the layout above with max_entries / 16 entries and its own
 * spinlock (util/spin.h); the top bits of a key's hash choose its shard.
 * Every call takes the one shard it touches, so workers on several
 * threads and the control thread use the table at once and meet only on
 * the same shard; sweeps and flushes take shards one at a time. A hint
 * holds the shard in its top 4 bits, the entry index + 1 below.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <vfabric/policy.h>

#include "packet/packet.h"
#include "pipeline/conntrack.h"
#include "util/spin.h"

#define NS_PER_S 1000000000ull
#define TO_TCP_EST (7440 * NS_PER_S)
#define TO_TCP_OPEN (120 * NS_PER_S)
#define TO_TCP_CLOSING (10 * NS_PER_S)
#define TO_UDP (30 * NS_PER_S)
#define TO_UDP_ASSURED (180 * NS_PER_S)
#define TO_ICMP (30 * NS_PER_S)
#define TO_OTHER (600 * NS_PER_S)

/* How many entries a commit into a full table looks at for a victim. */
#define EVICT_SCAN 64
/* Entry indexes and hashes are 32-bit. */
#define MAX_ENTRIES ((size_t)1 << 30)
#define MIN_SLOTS 16

enum {
	F_ORIG_A = 1 << 0,  /* endpoint a opened the connection */
	F_REPLY = 1 << 1,   /* the reply direction has been seen */
	F_SYN = 1 << 2,	    /* TCP: the opener sent SYN */
	F_SYNACK = 1 << 3,  /* TCP: the other end answered SYN+ACK */
	F_EST = 1 << 4,	    /* TCP: the opener acknowledged that */
	F_CLOSING = 1 << 5, /* TCP: FIN or RST seen */
};

/* An entry; a look-up key is an entry with only the key fields and hash. */
struct ct_entry {
	uint64_t expires; /* dead from this time (ns) on */
	uint32_t zone;
	uint32_t a_ip, b_ip;	 /* (a_ip, a_port) <= (b_ip, b_port) */
	uint16_t a_port, b_port; /* 0 for flows without ports */
	uint8_t proto;
	uint8_t flags; /* F_* */
	uint32_t hash;
};

struct ct_slot {
	uint32_t hash;
	uint32_t ref; /* entry index + 1; 0: empty */
};

/* A shard: the single-table layout of the top comment. */
struct shard {
	vf__spin lock; /* everything below */
	struct ct_slot *slots;
	size_t mask; /* slots - 1 */
	struct ct_entry *entries;
	size_t count, max;
	size_t sweep; /* vf__ct_expire()'s next entry */
	size_t evict; /* eviction's next entry */
} __attribute__((aligned(64))); /* one cache line of its own for the lock */

#define SHARDS_MAX 16
#define SHARD_MIN_ENTRIES 4096 /* smaller tables are one shard */
#define HINT_SHIFT 28	       /* a hint: shard << 28 | (index + 1) */

struct vf__ct {
	struct shard shard[SHARDS_MAX];
	unsigned int nshards, shift; /* a hash's shard: hash >> shift */
	unsigned int sweep;	     /* vf__ct_expire()'s next shard (relaxed atomic) */
	uint64_t seed;
};

/* splitmix64's finaliser, as vf__hash_u64(), but inlined on the hot path. */
static inline uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/*
 * The seed makes slot positions differ between tables and runs, so a fixed
 * set of addresses cannot be made to collide everywhere. It is not a keyed
 * hash: it raises the bar, it does not stop a determined prober.
 */
static uint64_t make_seed(const void *salt)
{
	uint64_t seed;
	struct timespec ts;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == sizeof(seed))
		return seed;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return mix((uintptr_t)salt ^ (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 32);
}

/* Fills @k's key fields and hash from @f; *@from_a: @f's source is a. */
static inline void make_key(const struct vf__ct *ct, struct ct_entry *k, uint32_t zone,
			    const struct vf__flow *f, bool *from_a)
{
	uint16_t sp = f->has_ports ? f->sport : f->icmp_echo ? f->icmp_id : 0;
	uint16_t dp = f->has_ports ? f->dport : f->icmp_echo ? f->icmp_id : 0;
	uint64_t s = (uint64_t)f->src << 16 | sp, d = (uint64_t)f->dst << 16 | dp;
	uint64_t h;

	*from_a = s <= d;
	k->zone = zone;
	k->proto = f->proto;
	k->a_ip = *from_a ? f->src : f->dst;
	k->b_ip = *from_a ? f->dst : f->src;
	k->a_port = *from_a ? sp : dp;
	k->b_port = *from_a ? dp : sp;
	/* Hash inputs may collide (proto shares bits with a large zone); a
	 * collision costs a probe, never a wrong answer. */
	h = mix(((uint64_t)k->a_ip << 32 | k->b_ip) ^ ct->seed);
	h = mix(h + ((uint64_t)(zone ^ (uint32_t)k->proto << 24) << 32 |
		     (uint32_t)k->a_port << 16 | k->b_port));
	k->hash = (uint32_t)h;
}

static bool key_eq(const struct ct_entry *e, const struct ct_entry *k)
{
	return e->a_ip == k->a_ip && e->b_ip == k->b_ip && e->a_port == k->a_port &&
	       e->b_port == k->b_port && e->zone == k->zone && e->proto == k->proto;
}

/* The slot holding @k, or the empty slot that ends its probe. */
static inline size_t find_slot(const struct shard *ct, const struct ct_entry *k)
{
	size_t i = k->hash & ct->mask;

	for (;; i = (i + 1) & ct->mask) {
		const struct ct_slot *s = &ct->slots[i];

		if (!s->ref ||
		    (s->hash == k->hash && key_eq(&ct->entries[s->ref - 1], k)))
			return i;
	}
}

/* The slot that points at entry @idx. */
static size_t slot_of(const struct shard *ct, size_t idx)
{
	size_t i = ct->entries[idx].hash & ct->mask;

	while (ct->slots[i].ref != idx + 1)
		i = (i + 1) & ct->mask;
	return i;
}

/* Empties slot @i, shifting back the slots after it that may move. */
static void slot_delete(struct shard *ct, size_t i)
{
	size_t j = i;

	for (;;) {
		j = (j + 1) & ct->mask;
		if (!ct->slots[j].ref)
			break;
		/* j may move to i if i lies on j's probe path (home .. j) */
		if (((j - ct->slots[j].hash) & ct->mask) >= ((j - i) & ct->mask)) {
			ct->slots[i] = ct->slots[j];
			i = j;
		}
	}
	ct->slots[i].ref = 0;
}

/* Removes entry @idx; the last entry takes its place. */
static void remove_at(struct shard *ct, size_t idx)
{
	size_t last = ct->count - 1;

	slot_delete(ct, slot_of(ct, idx));
	if (idx != last) {
		ct->slots[slot_of(ct, last)].ref = (uint32_t)idx + 1;
		ct->entries[idx] = ct->entries[last];
	}
	/* relaxed: vf__ct_count() reads it without the lock */
	__atomic_store_n(&ct->count, last, __ATOMIC_RELAXED);
}

static uint64_t timeout(const struct ct_entry *e)
{
	switch (e->proto) {
	case VF_PROTO_TCP:
		if (e->flags & F_CLOSING)
			return TO_TCP_CLOSING;
		return e->flags & F_EST ? TO_TCP_EST : TO_TCP_OPEN;
	case VF_PROTO_UDP: return e->flags & F_REPLY ? TO_UDP_ASSURED : TO_UDP;
	case VF_PROTO_ICMP: return TO_ICMP;
	default: return TO_OTHER;
	}
}

static bool established(const struct ct_entry *e)
{
	switch (e->proto) {
	case VF_PROTO_TCP: return (e->flags & (F_EST | F_CLOSING)) == F_EST;
	case VF_PROTO_ICMP: return false;
	default: return e->flags & F_REPLY;
	}
}

static void tcp_update(struct ct_entry *e, bool orig, uint8_t fl)
{
	if (fl & (VF__TCP_FIN | VF__TCP_RST)) {
		e->flags |= F_CLOSING;
	} else if ((fl & (VF__TCP_SYN | VF__TCP_ACK)) == VF__TCP_SYN) {
		if (!orig)
			return;
		if (e->flags & F_CLOSING) /* the ports are reused: start over */
			e->flags &= F_ORIG_A;
		e->flags |= F_SYN;
	} else if (fl & VF__TCP_SYN) {
		if (!orig && (e->flags & F_SYN))
			e->flags |= F_SYNACK;
	} else if ((fl & VF__TCP_ACK) && orig && (e->flags & F_SYNACK)) {
		e->flags |= F_EST;
	}
}

/* A packet of @e's connection, in the opening direction or not. */
static inline void update(struct ct_entry *e, bool orig, uint8_t tcp_flags,
			  uint64_t now_ns)
{
	if (!orig)
		e->flags |= F_REPLY;
	if (e->proto == VF_PROTO_TCP)
		tcp_update(e, orig, tcp_flags);
	e->expires = now_ns + timeout(e);
}

static bool is_orig(const struct ct_entry *e, bool from_a)
{
	return from_a == !!(e->flags & F_ORIG_A);
}

static void shard_free(struct shard *sh)
{
	free(sh->slots);
	free(sh->entries);
}

static int shard_init(struct shard *sh, size_t max_entries)
{
	size_t nslots = MIN_SLOTS;

	while (nslots < 2 * max_entries)
		nslots *= 2;
	sh->slots = calloc(nslots, sizeof(*sh->slots));
	sh->entries = calloc(max_entries ? max_entries : 1, sizeof(*sh->entries));
	if (!sh->slots || !sh->entries)
		return -ENOMEM;
	sh->mask = nslots - 1;
	sh->max = max_entries;
	return 0;
}

int vf__ct_create(struct vf__ct **out, size_t max_entries)
{
	struct vf__ct *ct;

	*out = NULL;
	if (max_entries > MAX_ENTRIES)
		return -ENOMEM;
	if (!(ct = aligned_alloc(64, sizeof(*ct))))
		return -ENOMEM;
	memset(ct, 0, sizeof(*ct));
	ct->nshards = max_entries >= SHARD_MIN_ENTRIES ? SHARDS_MAX : 1;
	ct->shift = ct->nshards == 1 ? 32 : 32 - 4; /* log2(SHARDS_MAX) */
	for (unsigned int i = 0; i < ct->nshards; i++)
		if (shard_init(&ct->shard[i], max_entries / ct->nshards) < 0) {
			vf__ct_destroy(ct);
			return -ENOMEM;
		}
	ct->seed = make_seed(ct);
	*out = ct;
	return 0;
}

void vf__ct_destroy(struct vf__ct *ct)
{
	if (!ct)
		return;
	for (unsigned int i = 0; i < ct->nshards; i++)
		shard_free(&ct->shard[i]);
	free(ct);
}

size_t vf__ct_count(const struct vf__ct *ct)
{
	size_t n = 0;

	/* relaxed: a snapshot for statistics and tests, each shard's count
	 * is written under its lock */
	for (unsigned int i = 0; i < ct->nshards; i++)
		n += __atomic_load_n(&ct->shard[i].count, __ATOMIC_RELAXED);
	return n;
}

/* The shard of key @k, locked. */
static inline struct shard *lock_shard(const struct vf__ct *ct, const struct ct_entry *k)
{
	struct shard *sh = (struct shard *)&ct->shard[(uint64_t)k->hash >> ct->shift];

	vf__spin_lock(&sh->lock);
	return sh;
}

/* Whether @k (made from @f, *@from_a) has a live entry in @sh, locked:
 * its index in *@idx and whether @f goes its original way in *@orig; an
 * expired entry is not live (*@expired, with its index, so that a lookup
 * can remove it). */
static inline bool find_live(const struct shard *sh, const struct ct_entry *k, bool from_a,
			     uint64_t now_ns, size_t *idx, bool *orig, bool *expired)
{
	size_t s = find_slot(sh, k);

	*expired = false;
	if (!sh->slots[s].ref)
		return false;
	*idx = sh->slots[s].ref - 1;
	if (now_ns >= sh->entries[*idx].expires) {
		*expired = true;
		return false;
	}
	*orig = is_orig(&sh->entries[*idx], from_a);
	return true;
}

/* A look-up in the locked shard @sh of key @k; *@hint (if not NULL) is
 * where it found the entry. */
static enum vf__ct_state lookup_locked(struct vf__ct *ct, struct shard *sh,
				       const struct ct_entry *k, bool from_a,
				       uint8_t tcp_flags, uint64_t now_ns, uint32_t *hint)
{
	size_t i;
	bool orig, expired;

	if (!find_live(sh, k, from_a, now_ns, &i, &orig, &expired)) {
		if (expired)
			remove_at(sh, i);
		return VF__CT_NEW;
	}
	if (hint)
		*hint = (uint32_t)(sh - ct->shard) << HINT_SHIFT | ((uint32_t)i + 1);
	update(&sh->entries[i], orig, tcp_flags, now_ns);
	return orig ? VF__CT_ORIG : VF__CT_REPLY;
}

/* A look-up without a hint; with @hint (vf__ct_lookup_hint() when its
 * hint does not hold) it remembers where it found the entry. */
static __attribute__((noinline)) enum vf__ct_state
lookup_unhinted(struct vf__ct *ct, uint32_t zone, const struct vf__flow *f,
		uint8_t tcp_flags, uint64_t now_ns, uint32_t *hint)
{
	struct ct_entry k;
	struct shard *sh;
	enum vf__ct_state st;
	bool from_a;

	if (hint)
		*hint = 0;
	make_key(ct, &k, zone, f, &from_a);
	sh = lock_shard(ct, &k);
	st = lookup_locked(ct, sh, &k, from_a, tcp_flags, now_ns, hint);
	vf__spin_unlock(&sh->lock);
	return st;
}

enum vf__ct_state vf__ct_lookup(struct vf__ct *ct, uint32_t zone,
				const struct vf__flow *f, uint8_t tcp_flags,
				uint64_t now_ns)
{
	return lookup_unhinted(ct, zone, f, tcp_flags, now_ns, NULL);
}

/* The hinted entry, if it is @f's in @zone and live, is refreshed here:
 * its key compared in either order (entries move when others are
 * removed); as in make_key(), a is the smaller end, so the flow whose
 * source is a goes from a. */
enum vf__ct_state vf__ct_lookup_hint(struct vf__ct *ct, uint32_t zone,
				     const struct vf__flow *f, uint8_t tcp_flags,
				     uint64_t now_ns, uint32_t *hint)
{
	uint32_t idx = *hint & ((1u << HINT_SHIFT) - 1), sn = *hint >> HINT_SHIFT;
	struct shard *sh = &ct->shard[sn];
	struct ct_entry *e;
	bool from_a;

	/* sn < SHARDS_MAX (4 bits); a shard past nshards is empty: a miss */
	if (!idx || !f->has_ports)
		return lookup_unhinted(ct, zone, f, tcp_flags, now_ns, hint);
	vf__spin_lock(&sh->lock);
	e = &sh->entries[idx - 1];
	if (idx > sh->count || e->zone != zone || e->proto != f->proto ||
	    now_ns >= e->expires)
		goto miss;
	if (e->a_ip == f->src && e->b_ip == f->dst && e->a_port == f->sport &&
	    e->b_port == f->dport)
		from_a = true;
	else if (e->a_ip == f->dst && e->b_ip == f->src && e->a_port == f->dport &&
		 e->b_port == f->sport)
		from_a = false;
	else
		goto miss;
	if (is_orig(e, from_a)) {
		update(e, true, tcp_flags, now_ns);
		vf__spin_unlock(&sh->lock);
		return VF__CT_ORIG;
	}
	update(e, false, tcp_flags, now_ns);
	vf__spin_unlock(&sh->lock);
	return VF__CT_REPLY;
miss:
	vf__spin_unlock(&sh->lock);
	return lookup_unhinted(ct, zone, f, tcp_flags, now_ns, hint);
}

enum vf__ct_state vf__ct_peek(const struct vf__ct *ct, uint32_t zone,
			      const struct vf__flow *f, uint64_t now_ns)
{
	struct ct_entry k;
	struct shard *sh;
	size_t i;
	bool from_a, orig, expired, live;

	make_key(ct, &k, zone, f, &from_a);
	sh = lock_shard(ct, &k);
	live = find_live(sh, &k, from_a, now_ns, &i, &orig, &expired);
	vf__spin_unlock(&sh->lock);
	if (!live)
		return VF__CT_NEW;
	return orig ? VF__CT_ORIG : VF__CT_REPLY;
}

/* Frees one entry of a full shard (see the top); false if none may go. */
static bool evict(struct shard *ct, uint64_t now_ns)
{
	size_t n = ct->count < EVICT_SCAN ? ct->count : EVICT_SCAN;
	size_t victim = SIZE_MAX;
	uint64_t first = UINT64_MAX;

	for (size_t i = 0; i < n; i++) {
		const struct ct_entry *e;

		if (ct->evict >= ct->count)
			ct->evict = 0;
		e = &ct->entries[ct->evict];
		if (now_ns >= e->expires) {
			victim = ct->evict;
			break;
		}
		if (!established(e) && e->expires < first) {
			first = e->expires;
			victim = ct->evict;
		}
		ct->evict++;
	}
	if (victim == SIZE_MAX)
		return false;
	remove_at(ct, victim);
	return true;
}

/* A fresh entry for key @k, opened by @f's source. */
static void init_entry(struct ct_entry *e, const struct ct_entry *k, bool from_a,
		       uint8_t tcp_flags, uint64_t now_ns)
{
	*e = *k;
	e->flags = from_a ? F_ORIG_A : 0;
	update(e, true, tcp_flags, now_ns);
}

static int commit_locked(struct shard *sh, const struct ct_entry *k, bool from_a,
			 uint8_t tcp_flags, uint64_t now_ns)
{
	struct ct_entry *e;
	size_t s = find_slot(sh, k);

	if (sh->slots[s].ref) {
		e = &sh->entries[sh->slots[s].ref - 1];
		if (now_ns >= e->expires)
			init_entry(e, k, from_a, tcp_flags, now_ns);
		else
			update(e, is_orig(e, from_a), tcp_flags, now_ns);
		return 0;
	}
	if (sh->count == sh->max) {
		if (!evict(sh, now_ns))
			return -ENOSPC;
		s = find_slot(sh, k); /* the removal may have shifted slots */
	}
	init_entry(&sh->entries[sh->count], k, from_a, tcp_flags, now_ns);
	sh->slots[s] = (struct ct_slot){.hash = k->hash, .ref = (uint32_t)sh->count + 1};
	/* relaxed: vf__ct_count() reads it without the lock */
	__atomic_store_n(&sh->count, sh->count + 1, __ATOMIC_RELAXED);
	return 0;
}

int vf__ct_commit(struct vf__ct *ct, uint32_t zone, const struct vf__flow *f,
		  uint8_t tcp_flags, uint64_t now_ns)
{
	struct ct_entry k;
	struct shard *sh;
	bool from_a;
	int rc;

	make_key(ct, &k, zone, f, &from_a);
	sh = lock_shard(ct, &k);
	rc = commit_locked(sh, &k, from_a, tcp_flags, now_ns);
	vf__spin_unlock(&sh->lock);
	return rc;
}

static size_t expire_shard(struct shard *sh, uint64_t now_ns, size_t budget)
{
	size_t removed = 0, quiet = 0;

	/* A removal moves the last entry in, so the same index is looked at
	 * again; count looks in a row without a removal have seen every
	 * entry, so the call stops there whatever the budget. */
	for (; budget && quiet < sh->count; budget--) {
		if (sh->sweep >= sh->count)
			sh->sweep = 0;
		if (now_ns >= sh->entries[sh->sweep].expires) {
			remove_at(sh, sh->sweep);
			removed++;
			quiet = 0;
		} else {
			sh->sweep++;
			quiet++;
		}
	}
	return removed;
}

size_t vf__ct_expire(struct vf__ct *ct, uint64_t now_ns, size_t budget)
{
	/* relaxed: callers on several threads only spread their sweeps over
	 * the shards; each shard's cursor is under its lock */
	unsigned int n = __atomic_fetch_add(&ct->sweep, 1, __ATOMIC_RELAXED) % ct->nshards;
	struct shard *sh = &ct->shard[n];
	size_t removed;

	vf__spin_lock(&sh->lock);
	removed = expire_shard(sh, now_ns, budget);
	vf__spin_unlock(&sh->lock);
	return removed;
}

void vf__ct_flush_zones(struct vf__ct *ct, uint32_t mask, uint32_t value)
{
	for (unsigned int n = 0; n < ct->nshards; n++) {
		struct shard *sh = &ct->shard[n];

		vf__spin_lock(&sh->lock);
		for (size_t i = 0; i < sh->count;) {
			if ((sh->entries[i].zone & mask) == value)
				remove_at(sh, i);
			else
				i++;
		}
		vf__spin_unlock(&sh->lock);
	}
}

void vf__ct_flush_zone(struct vf__ct *ct, uint32_t zone)
{
	vf__ct_flush_zones(ct, ~0u, zone);
}
