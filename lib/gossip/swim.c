/*
 * The SWIM state machine (membership.h): members and their states,
 * suspicion with Lifeguard's shrinking timeouts, the broadcast queue,
 * probes, gossip and push-pull timers, Serf's join and leave intents.
 * Decoding what arrives (packets, streams) is in swim_recv.c.
 *
 * Time is the io's milliseconds; nothing here sleeps or blocks. After each
 * input the next deadline of every timer is folded into one io->arm().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "gossip/crypto.h"
#include "gossip/serf.h"
#include "gossip/swim_internal.h"

#define QUEUE_MAX 4096

void vf__swim_config_profile(struct vf__swim_config *c, int profile)
{
	*c = (struct vf__swim_config){
		.probe_interval = 1000,
		.probe_timeout = 500,
		.indirect_checks = 3,
		.awareness_max = 8,
		.suspicion_mult = 4,
		.suspicion_max_mult = 6,
		.retransmit_mult = 4,
		.gossip_interval = 200,
		.gossip_nodes = 3,
		.gossip_to_dead = 30000,
		.push_pull_interval = 30000,
		.tcp_timeout = 10000,
		.leave_linger = 1000,
		.reconnect_interval = 30000,
		.reconnect_timeout = 24ull * 3600 * 1000,
		.tombstone = 24ull * 3600 * 1000,
		.udp_budget = 1400,
		.tcp_ping = true,
	};
	if (profile == 1) { /* WAN */
		c->tcp_timeout = 30000;
		c->suspicion_mult = 6;
		c->push_pull_interval = 60000;
		c->probe_timeout = 3000;
		c->probe_interval = 5000;
		c->gossip_nodes = 4;
		c->gossip_interval = 500;
		c->gossip_to_dead = 60000;
	} else if (profile == 2) { /* LOCAL */
		c->tcp_timeout = 1000;
		c->indirect_checks = 1;
		c->retransmit_mult = 2;
		c->suspicion_mult = 3;
		c->push_pull_interval = 15000;
		c->probe_timeout = 200;
		c->probe_interval = 1000;
		c->gossip_interval = 100;
		c->gossip_to_dead = 15000;
	}
}

/* ---- small helpers ---- */

/* Natural logarithm for x > 0, good to 1e-12: the timers need a few
 * logarithms and this keeps libm out of the link. */
double vf__swim_ln(double x)
{
	double y, y2, term, sum = 0;
	int k = 0;

	if (x <= 0)
		return 0;
	while (x > 2) {
		x /= 2;
		k++;
	}
	while (x < 1) {
		x *= 2;
		k--;
	}
	y = (x - 1) / (x + 1);
	y2 = y * y;
	term = y;
	for (int i = 1; i < 60; i += 2) {
		sum += term / i;
		term *= y2;
	}
	return 2 * sum + k * 0.69314718055994530942;
}

double vf__swim_log10(double x)
{
	return vf__swim_ln(x) / 2.30258509299404568402;
}

/* ceil() of a non-negative value */
uint64_t vf__swim_ceil(double x)
{
	uint64_t i = (uint64_t)x;

	return (double)i < x ? i + 1 : i;
}

uint64_t vf__swim_rand(struct vf__swim *s)
{
	/* xorshift64*: deterministic from the seed, for simulations */
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return s->rng * 0x2545F4914F6CDD1DULL;
}

uint64_t vf__swim_now(struct vf__swim *s)
{
	return s->io.now(s->io.ctx);
}

static bool node_eq(const void *val, const void *key)
{
	return !strcmp(((const struct vf__swim_node *)val)->name, key);
}

struct vf__swim_node *vf__swim_lookup(const struct vf__swim *s, const uint8_t *name,
				      size_t len)
{
	char buf[VF__SWIM_NAME_MAX + 1];

	if (!len || len > VF__SWIM_NAME_MAX)
		return NULL;
	memcpy(buf, name, len);
	buf[len] = 0;
	if (strlen(buf) != len)
		return NULL;
	return vf__hmap_get(&s->by_name, vf__hash_str(buf), node_eq, buf);
}

const struct vf__swim_node *vf__swim_find(const struct vf__swim *s, const char *name)
{
	return name ? vf__swim_lookup(s, (const uint8_t *)name, strlen(name)) : NULL;
}

size_t vf__swim_count(const struct vf__swim *s)
{
	return s->nnodes;
}

const struct vf__swim_node *vf__swim_node_at(const struct vf__swim *s, size_t i)
{
	return i < s->nnodes ? s->nodes[i] : NULL;
}

enum vf__member_state vf__swim_state(const struct vf__swim_node *n)
{
	switch (n->state) {
	case VF__GOSSIP_STATE_ALIVE: return VF__MEMBER_ALIVE;
	case VF__GOSSIP_STATE_SUSPECT: return VF__MEMBER_SUSPECT;
	case VF__GOSSIP_STATE_DEAD:
		return n->leaving ? VF__MEMBER_LEFT : VF__MEMBER_FAILED;
	default: return VF__MEMBER_LEFT;
	}
}

int vf__swim_awareness(const struct vf__swim *s)
{
	return s->awareness;
}

const struct vf__swim_stats *vf__swim_stats(const struct vf__swim *s)
{
	return &s->st;
}

size_t vf__swim_queued(const struct vf__swim *s)
{
	return s->nbcasts;
}

uint64_t vf__swim_generation(const struct vf__swim *s)
{
	return s->generation;
}

struct vf__keyring *vf__swim_keyring(struct vf__swim *s)
{
	return s->kr;
}

bool vf__swim_left(const struct vf__swim *s)
{
	return s->left;
}

void vf__swim_awareness_add(struct vf__swim *s, int delta)
{
	int v = s->awareness + delta;

	if (v < 0)
		v = 0;
	if (v > (int)s->cfg.awareness_max - 1)
		v = (int)s->cfg.awareness_max - 1;
	s->awareness = v;
}

void vf__swim_event(struct vf__swim *s, enum vf__swim_event ev,
		    const struct vf__swim_node *n)
{
	s->generation++;
	if (s->hooks.event && n != s->nodes[0])
		s->hooks.event(s->hooks.ctx, ev, n);
}

/* ---- nodes ---- */

/* Metadata is shared between the members that have the same bytes
 * (Serf tags are often alike): counted references, found by content. */
struct meta {
	uint32_t refs;
	uint16_t len;
	uint8_t data[];
};

struct meta_key {
	const uint8_t *p;
	size_t len;
};

static bool meta_eq(const void *val, const void *key)
{
	const struct meta *m = val;
	const struct meta_key *k = key;

	return m->len == k->len && !memcmp(m->data, k->p, k->len);
}

static uint64_t meta_hash(const uint8_t *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ len; /* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return vf__hash_u64(h);
}

static void meta_put(struct vf__swim *s, const uint8_t *data)
{
	struct meta *m;

	if (!data)
		return;
	m = (struct meta *)(void *)(data - offsetof(struct meta, data));
	if (--m->refs)
		return;
	vf__hmap_del(&s->metas, meta_hash(m->data, m->len), m);
	free(m);
}

static void node_free(struct vf__swim *s, struct vf__swim_node *n)
{
	if (!n)
		return;
	free(n->susp);
	meta_put(s, n->meta);
	free(n);
}

int vf__swim_node_set_meta(struct vf__swim *s, struct vf__swim_node *n, const uint8_t *meta,
			   size_t len)
{
	struct meta_key k = {meta, len};
	uint64_t h = meta_hash(meta, len);
	struct meta *m = NULL;

	if (len > VF__GOSSIP_META_MAX)
		return -EMSGSIZE;
	if (len && !(m = vf__hmap_get(&s->metas, h, meta_eq, &k))) {
		if (vf__hmap_reserve(&s->metas, 1) < 0 ||
		    !(m = malloc(sizeof(*m) + len)))
			return -ENOMEM;
		m->refs = 0;
		m->len = (uint16_t)len;
		memcpy(m->data, meta, len);
		vf__hmap_put(&s->metas, h, m);
	}
	if (m)
		m->refs++;
	meta_put(s, n->meta);
	n->meta = m ? m->data : NULL;
	n->meta_len = (uint16_t)len;
	return 0;
}

struct vf__swim_node *vf__swim_node_add(struct vf__swim *s, const uint8_t *name,
					size_t len)
{
	struct vf__swim_node *n, **nodes;
	size_t at;

	if (!len || len > VF__SWIM_NAME_MAX || memchr(name, 0, len))
		return NULL;
	if (s->nnodes == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;

		if (!(nodes = realloc(s->nodes, cap * sizeof(*nodes))))
			return NULL;
		s->nodes = nodes;
		s->cap = cap;
	}
	if (vf__hmap_reserve(&s->by_name, 1) < 0 || !(n = calloc(1, sizeof(*n) + len + 1)))
		return NULL;
	memcpy(n->name, name, len);
	n->name[len] = 0;
	n->state = VF__GOSSIP_STATE_DEAD;
	vf__hmap_put(&s->by_name, vf__hash_str(n->name), n);
	/* A random place in the probe order (memberlist does the same), but
	 * never before self at 0. */
	at = s->nnodes;
	s->nodes[s->nnodes++] = n;
	if (at > 1) {
		size_t j = 1 + vf__swim_rand(s) % at;
		struct vf__swim_node *t = s->nodes[j];

		s->nodes[j] = n;
		s->nodes[at] = t;
		t->index = (uint32_t)at;
		at = j;
	}
	n->index = (uint32_t)at;
	return n;
}

/* Forgets member @n (not self): out of the table and the probe order. */
void vf__swim_node_remove(struct vf__swim *s, struct vf__swim_node *n)
{
	size_t i = n->index, last = s->nnodes - 1;

	if (!i)
		return;
	vf__swim_suspect_clear(s, n);
	vf__hmap_del(&s->by_name, vf__hash_str(n->name), n);
	s->nodes[i] = s->nodes[last];
	s->nodes[i]->index = (uint32_t)i;
	s->nnodes--;
	if (s->probe_index >= s->nnodes)
		s->probe_index = 0;
	s->generation++;
	node_free(s, n);
}

/* ---- the broadcast queue ---- */

uint32_t vf__swim_retransmits(const struct vf__swim *s)
{
	double n = (double)s->nnodes;

	return s->cfg.retransmit_mult * (uint32_t)vf__swim_ceil(vf__swim_log10(n + 1));
}

static void bcast_free(struct vf__swim *s, struct bcast *b)
{
	vf__list_del(&b->node);
	s->nbcasts--;
	free(b->key);
	free(b->p);
	free(b);
}

/* Queues @p (a whole message, type byte first); one with the same @key
 * (a node's name: memberlist messages about it; "serf:" + name: its Serf
 * intents) replaces the one queued. */
int vf__swim_queue(struct vf__swim *s, const char *key, const uint8_t *p, size_t len,
		   unsigned int flags)
{
	struct bcast *b;

	if (key)
		BCAST_EACH(b, s)
		{
			if (b->key && !strcmp(b->key, key)) {
				bcast_free(s, b);
				break;
			}
		}
	if (s->nbcasts >= QUEUE_MAX) {
		/* the most transmitted goes */
		struct bcast *worst = NULL, *c;

		BCAST_EACH(c, s)
		{
			if (!worst || c->transmits > worst->transmits)
				worst = c;
		}
		bcast_free(s, worst);
		s->st.broadcasts_dropped++;
	}
	if (!(b = calloc(1, sizeof(*b))) || !(b->p = malloc(len)) ||
	    (key && !(b->key = strdup(key)))) {
		if (b)
			free(b->p);
		free(b);
		return -ENOMEM;
	}
	memcpy(b->p, p, len);
	b->len = len;
	b->flags = flags;
	b->id = ++s->bcast_id;
	vf__list_add_tail(&s->bcasts, &b->node);
	s->nbcasts++;
	return 0;
}

static int bcast_cmp(const void *a, const void *b)
{
	const struct bcast *x = *(const struct bcast *const *)a,
			   *y = *(const struct bcast *const *)b;

	if (x->transmits != y->transmits)
		return x->transmits < y->transmits ? -1 : 1;
	return x->id > y->id ? -1 : x->id < y->id;
}

/* Takes broadcasts for one packet: at most @avail bytes, each counting
 * @overhead more, least transmitted first (newest first among equals).
 * Their pointers go to @out (room for @max); each is then counted as
 * sent and dropped when it reached the limit (after the caller used the
 * bytes: vf__swim_bcasts_done()). */
size_t vf__swim_bcasts_take(struct vf__swim *s, struct bcast **out, size_t max,
			    size_t overhead, size_t avail)
{
	struct bcast *b, **all;
	size_t n = 0, k = 0, used = 0;

	if (!s->nbcasts || !(all = malloc(s->nbcasts * sizeof(*all))))
		return 0;
	BCAST_EACH(b, s) all[n++] = b;
	qsort(all, n, sizeof(*all), bcast_cmp);
	for (size_t i = 0; i < n && k < max; i++) {
		if (used + all[i]->len + overhead > avail)
			continue;
		used += all[i]->len + overhead;
		out[k++] = all[i];
	}
	free(all);
	return k;
}

void vf__swim_bcasts_done(struct vf__swim *s, struct bcast **b, size_t n)
{
	uint32_t limit = vf__swim_retransmits(s);

	for (size_t i = 0; i < n; i++)
		if (++b[i]->transmits >= limit)
			bcast_free(s, b[i]);
}

void vf__swim_bcasts_drop(struct vf__swim *s)
{
	while (!vf__list_empty(&s->bcasts))
		bcast_free(s, vf__container_of(s->bcasts.next, struct bcast, node));
}

int vf__swim_broadcast_user(struct vf__swim *s, const uint8_t *p, size_t len)
{
	uint8_t *m;
	int rc;

	if (!len || len + 1 > s->cfg.udp_budget)
		return -EMSGSIZE;
	if (!(m = malloc(len + 1)))
		return -ENOMEM;
	m[0] = VF__GOSSIP_USER;
	memcpy(m + 1, p, len);
	rc = vf__swim_queue(s, NULL, m, len + 1, 0);
	free(m);
	vf__swim_rearm(s);
	return rc;
}

int vf__swim_send_user(struct vf__swim *s, const char *node, const uint8_t *p, size_t len)
{
	const struct vf__swim_node *n = vf__swim_find(s, node);
	struct vf__gbuf b = {0};
	uint8_t t = VF__GOSSIP_USER;
	struct vf__gbytes part;
	int rc;

	if (!n || n == s->nodes[0] || n->state == VF__GOSSIP_STATE_DEAD ||
	    n->state == VF__GOSSIP_STATE_LEFT)
		return -ENOENT;
	if (!len || len + 1 > s->cfg.udp_budget)
		return -EMSGSIZE;
	if ((rc = vf__gbuf_put(&b, &t, 1)) == 0 && (rc = vf__gbuf_put(&b, p, len)) == 0) {
		part = (struct vf__gbytes){b.data, (uint32_t)b.len};
		rc = vf__swim_send(s, &n->addr, n, &part, 1, true);
	}
	vf__gbuf_free(&b);
	return rc;
}

int vf__swim_send_user_addr(struct vf__swim *s, const struct vf__gaddr *to,
			    const uint8_t *p, size_t len)
{
	struct vf__gbuf b = {0};
	uint8_t t = VF__GOSSIP_USER;
	struct vf__gbytes part;
	int rc;

	if (s->left)
		return -ESHUTDOWN;
	if (!len || len + 1 > s->cfg.udp_budget)
		return -EMSGSIZE;
	if ((rc = vf__gbuf_put(&b, &t, 1)) == 0 && (rc = vf__gbuf_put(&b, p, len)) == 0) {
		part = (struct vf__gbytes){b.data, (uint32_t)b.len};
		rc = vf__swim_send(s, to, NULL, &part, 1, false);
	}
	vf__gbuf_free(&b);
	return rc;
}

/* ---- encoding and sending ---- */

int vf__swim_encode(struct vf__gbuf *b, const struct vf__gossip_msg *m)
{
	return vf__gossip_msgs_encode(b, m, 1);
}

/* Queues a memberlist message about @name. */
int vf__swim_queue_msg(struct vf__swim *s, const char *name,
		       const struct vf__gossip_msg *m)
{
	struct vf__gbuf b = {0};
	int rc;

	if ((rc = vf__swim_encode(&b, m)) == 0)
		rc = vf__swim_queue(s, name, b.data, b.len, 0);
	vf__gbuf_free(&b);
	return rc;
}

/* The packet around @plain: the CRC header when @crc, sealed when there is
 * a keyring. */
static int finish(struct vf__swim *s, struct vf__gbuf *out, const uint8_t *plain,
		  size_t len, bool crc)
{
	struct vf__gbuf t = {0};
	int rc = 0;

	if (crc) {
		uint32_t c = vf__gossip_crc32(plain, len);
		uint8_t h[5] = {VF__GOSSIP_HAS_CRC, (uint8_t)(c >> 24),
				(uint8_t)(c >> 16), (uint8_t)(c >> 8), (uint8_t)c};

		if ((rc = vf__gbuf_put(&t, h, 5)) < 0 ||
		    (rc = vf__gbuf_put(&t, plain, len)) < 0)
			goto out;
		plain = t.data;
		len = t.len;
	}
	if (s->kr)
		rc = vf__gossip_encrypt(out, s->kr, 1, plain, len, NULL, 0);
	else
		rc = vf__gbuf_put(out, plain, len);
out:
	vf__gbuf_free(&t);
	return rc;
}

static int xmit(struct vf__swim *s, const struct vf__gaddr *to, const uint8_t *p,
		size_t len)
{
	int rc = s->io.send_packet(s->io.ctx, to, p, len);

	if (rc < 0) {
		s->st.send_errors++;
		return rc;
	}
	s->st.packets_out++;
	s->st.bytes_out += len;
	return 0;
}

/* Sends the messages @parts (each whole, type byte first) as one packet:
 * alone or as a compound, with broadcasts piggybacked when @piggyback. The
 * CRC goes on when the destination is a known node speaking protocol 5. */
int vf__swim_send(struct vf__swim *s, const struct vf__gaddr *to,
		  const struct vf__swim_node *n, const struct vf__gbytes *parts,
		  size_t nparts, bool piggyback)
{
	struct bcast *extra[VF__GOSSIP_PARTS_MAX];
	struct vf__gbuf plain = {0}, out = {0};
	size_t nextra = 0, used = 0, total;
	bool crc = n && n->vsn.len >= 2 && n->vsn.v[1] >= 5;
	int rc;

	for (size_t i = 0; i < nparts; i++)
		used += parts[i].len + 2;
	if (piggyback) {
		size_t budget =
			s->cfg.udp_budget - 2 - (s->kr ? VF__GOSSIP_ENC_OVERHEAD : 0);

		if (budget > used && nparts < VF__GOSSIP_PARTS_MAX)
			nextra = vf__swim_bcasts_take(s, extra,
						      VF__GOSSIP_PARTS_MAX - nparts, 2,
						      budget - used);
	}
	total = nparts + nextra;
	if (total == 1) {
		rc = vf__gbuf_put(&plain, parts[0].data, parts[0].len);
	} else {
		uint8_t h[2] = {VF__GOSSIP_COMPOUND, (uint8_t)total};

		rc = vf__gbuf_put(&plain, h, 2);
		for (size_t i = 0; !rc && i < total; i++) {
			size_t l = i < nparts ? parts[i].len : extra[i - nparts]->len;
			uint8_t lh[2] = {(uint8_t)(l >> 8), (uint8_t)l};

			rc = vf__gbuf_put(&plain, lh, 2);
		}
		for (size_t i = 0; !rc && i < total; i++)
			rc = i < nparts
				     ? vf__gbuf_put(&plain, parts[i].data, parts[i].len)
				     : vf__gbuf_put(&plain, extra[i - nparts]->p,
						    extra[i - nparts]->len);
	}
	if (!rc && !(rc = finish(s, &out, plain.data, plain.len, crc)))
		rc = xmit(s, to, out.data, out.len);
	vf__swim_bcasts_done(s, extra, nextra);
	vf__gbuf_free(&plain);
	vf__gbuf_free(&out);
	return rc;
}

/* One message, broadcasts piggybacked. */
int vf__swim_send_msg(struct vf__swim *s, const struct vf__gaddr *to,
		      const struct vf__swim_node *n, const struct vf__gossip_msg *m)
{
	struct vf__gbuf b = {0};
	struct vf__gbytes part;
	int rc;

	if ((rc = vf__swim_encode(&b, m)) == 0) {
		part = (struct vf__gbytes){b.data, (uint32_t)b.len};
		rc = vf__swim_send(s, to, n, &part, 1, true);
	}
	vf__gbuf_free(&b);
	return rc;
}

/* ---- own state ---- */

static struct vf__gbytes addr_bytes(const struct vf__gaddr *a)
{
	return (struct vf__gbytes){a->ip, a->len};
}

void vf__swim_alive_of(const struct vf__swim_node *n, struct vf__gossip_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = VF__GOSSIP_ALIVE;
	m->u.alive.addr = addr_bytes(&n->addr);
	m->u.alive.incarnation = n->incarnation;
	m->u.alive.meta =
		(struct vf__gbytes){n->meta ? n->meta : (const uint8_t *)"", n->meta_len};
	m->u.alive.node = vf__gbytes_str(n->name);
	m->u.alive.port = n->addr.port;
	m->u.alive.vsn = n->vsn;
}

/* Broadcasts a fresh alive about self (joined, refuted, new tags). */
int vf__swim_announce(struct vf__swim *s)
{
	struct vf__gossip_msg m;

	vf__swim_alive_of(s->nodes[0], &m);
	return vf__swim_queue_msg(s, s->nodes[0]->name, &m);
}

void vf__swim_refute(struct vf__swim *s, uint32_t accused)
{
	struct vf__swim_node *self = s->nodes[0];

	if (accused >= self->incarnation)
		self->incarnation = accused;
	self->incarnation++;
	s->st.refutes++;
	vf__swim_awareness_add(s, 1);
	vf__swim_announce(s);
}

int vf__swim_set_meta(struct vf__swim *s, const uint8_t *meta, size_t len)
{
	int rc;

	if ((rc = vf__swim_node_set_meta(s, s->nodes[0], meta, len)) < 0)
		return rc;
	s->nodes[0]->incarnation++;
	rc = vf__swim_announce(s);
	vf__swim_rearm(s);
	return rc;
}

/* Serf's member clock: an intent about @node with the clock's time. */
int vf__swim_serf_intent(struct vf__swim *s, uint8_t type, const char *node)
{
	struct vf__serf_msg m = {.type = type};
	struct vf__gbuf b = {0};
	char key[VF__SWIM_NAME_MAX + 8];
	uint8_t t = VF__GOSSIP_USER;
	int rc;

	if (type == VF__SERF_LEAVE) {
		m.u.leave.ltime = s->ltime;
		m.u.leave.node = vf__gbytes_str(node);
	} else {
		m.u.join.ltime = s->ltime;
		m.u.join.node = vf__gbytes_str(node);
	}
	s->nodes[0]->serf_ltime = s->ltime;
	s->ltime++; /* as if witnessed on receipt */
	snprintf(key, sizeof(key), "serf:%s", node);
	if ((rc = vf__gbuf_put(&b, &t, 1)) == 0 && (rc = vf__serf_encode(&b, &m)) == 0)
		rc = vf__swim_queue(s, key, b.data, b.len,
				    type == VF__SERF_LEAVE ? 1 : 0);
	vf__gbuf_free(&b);
	return rc;
}

/* ---- create, destroy ---- */

int vf__swim_create(struct vf__swim **out, const struct vf__swim_opts *o,
		    const struct vf__swim_io *io, const struct vf__swim_hooks *hooks)
{
	struct vf__swim *s;
	struct vf__swim_node *self;
	uint64_t now;
	int rc = -ENOMEM;

	*out = NULL;
	if (!o->name || !*o->name || strlen(o->name) > VF__SWIM_NAME_MAX)
		return -EINVAL;
	if (!(s = calloc(1, sizeof(*s))))
		return -ENOMEM;
	s->io = *io;
	if (hooks)
		s->hooks = *hooks;
	s->cfg = o->cfg;
	s->kr = o->kr;
	s->compress = o->compress;
	s->rng = o->seed;
	if (!s->rng)
		randombytes_buf(&s->rng, sizeof(s->rng));
	if (!s->rng)
		s->rng = 1;
	s->seq = (uint32_t)vf__swim_rand(s);
	s->ltime = 1;
	vf__list_init(&s->bcasts);
	if (!(self = vf__swim_node_add(s, (const uint8_t *)o->name, strlen(o->name))))
		goto fail;
	self->addr = o->addr;
	self->vsn = VF__GOSSIP_VSN_SERF;
	self->incarnation = 1;
	self->state = VF__GOSSIP_STATE_ALIVE;
	if ((rc = vf__swim_node_set_meta(s, self, o->meta, o->meta_len)) < 0)
		goto fail;
	now = vf__swim_now(s);
	self->state_time = now;
	s->next_probe = now + s->cfg.probe_interval;
	s->next_gossip = now + s->cfg.gossip_interval;
	s->next_pp = now + s->cfg.push_pull_interval;
	s->next_reconnect = now + s->cfg.reconnect_interval;
	vf__swim_announce(s);
	*out = s;
	vf__swim_rearm(s);
	return 0;
fail:
	vf__swim_destroy(s);
	return rc;
}

void vf__swim_destroy(struct vf__swim *s)
{
	if (!s)
		return;
	while (!vf__list_empty(&s->bcasts))
		bcast_free(s, vf__container_of(s->bcasts.next, struct bcast, node));
	for (size_t i = 0; i < s->nnodes; i++)
		node_free(s, s->nodes[i]);
	free(s->nodes);
	vf__hmap_free(&s->by_name);
	vf__hmap_free(&s->metas);
	free(s->handlers);
	free(s->streams);
	free(s->probe.target);
	free(s);
}
