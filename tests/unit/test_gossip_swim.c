/*
 * The gossip state machine (lib/gossip/swim*.c) on the virtual network and
 * clock of gossip_sim.h: probe cycle, suspicion and its Lifeguard timeouts,
 * refutation, dead after timeout, graceful leave, push-pull merge,
 * broadcast transmit limits, local health awareness, and bad input (the
 * codec's fuzz corpus) that must be counted and change nothing.
 */
#include "unit.h"

#include <dirent.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>

#include "gossip/crypto.h"
#include "gossip/swim_internal.h"
#include "gossip_sim.h"

static struct sim sim;

static int setup(void **state)
{
	(void)state;
	sim_reset(&sim);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sim_free(&sim);
	return 0;
}

/* @n nodes; all but n0 join n0; runs until everyone knows everyone. */
static void cluster(int n)
{
	for (int i = 0; i < n; i++)
		assert_non_null(sim_add(&sim, NULL, NULL));
	for (int i = 1; i < n; i++)
		assert_int_equal(vf__swim_join(sim.nodes[i].s, &sim.nodes[0].addr), 0);
	sim_run(&sim, sim.now + 3000);
	for (int i = 0; i < n; i++) {
		assert_int_equal(vf__swim_count(sim.nodes[i].s), n);
		for (int j = 0; j < n; j++) {
			char name[16];

			snprintf(name, sizeof(name), "n%d", j);
			assert_int_equal(sim_state(&sim.nodes[i], name),
					 VF__MEMBER_ALIVE);
		}
	}
}

/* An encoded message as a UDP packet (no CRC, no key). */
static void feed(struct vf__swim *s, const struct vf__gossip_msg *m)
{
	struct vf__gbuf b = {0};
	struct vf__gaddr from = {{10, 9, 9, 9}, 4, 7946};

	assert_int_equal(vf__gossip_msgs_encode(&b, m, 1), 0);
	vf__swim_packet(s, &from, b.data, b.len);
	vf__gbuf_free(&b);
}

static void feed_alive(struct vf__swim *s, const char *name, uint8_t last, uint32_t inc)
{
	static uint8_t ip[4];
	struct vf__gossip_msg m = {.type = VF__GOSSIP_ALIVE};

	ip[0] = 10;
	ip[1] = 1;
	ip[2] = 0;
	ip[3] = last;
	m.u.alive.addr = (struct vf__gbytes){ip, 4};
	m.u.alive.incarnation = inc;
	m.u.alive.meta = (struct vf__gbytes){(const uint8_t *)"", 0};
	m.u.alive.node = vf__gbytes_str(name);
	m.u.alive.port = 7946;
	m.u.alive.vsn = VF__GOSSIP_VSN_SERF;
	feed(s, &m);
}

static void feed_suspect(struct vf__swim *s, uint8_t type, const char *node, uint32_t inc,
			 const char *from)
{
	struct vf__gossip_msg m = {.type = type};

	m.u.suspect.from = vf__gbytes_str(from);
	m.u.suspect.incarnation = inc;
	m.u.suspect.node = vf__gbytes_str(node);
	feed(s, &m);
}

/* ---- probes ---- */

static void test_gossip_probe_cycle(void **state)
{
	(void)state;
	cluster(4);
	sim_run(&sim, sim.now + 10000);
	for (int i = 0; i < 4; i++) {
		const struct vf__swim_stats *st = vf__swim_stats(sim.nodes[i].s);

		/* one probe per second, nobody suspected, everyone healthy */
		assert_in_range(st->probes, 9, 14);
		assert_int_equal(st->probe_failures, 0);
		assert_int_equal(st->suspicions, 0);
		assert_int_equal(vf__swim_awareness(sim.nodes[i].s), 0);
		assert_int_equal(st->bad_malformed + st->bad_crc + st->bad_decrypt, 0);
	}
}

/* A node that stops answering: suspect after a failed probe, dead when
 * the suspicion times out (n = 3: no confirmations expected, so
 * SuspicionMult x ProbeInterval = 4 s), and everyone agrees. */
static void test_gossip_dead_after_timeout(void **state)
{
	uint64_t down, suspect_at = 0, dead_at = 0;

	(void)state;
	cluster(3);
	down = sim.now;
	sim.nodes[2].down = true;
	for (uint64_t t = down; t < down + 20000 && !dead_at; t += 10) {
		sim_run(&sim, t);
		if (!suspect_at && sim_state(&sim.nodes[0], "n2") == VF__MEMBER_SUSPECT)
			suspect_at = sim.now;
		if (sim_state(&sim.nodes[0], "n2") == VF__MEMBER_FAILED)
			dead_at = sim.now;
	}
	assert_true(suspect_at > 0 && dead_at > 0);
	/* n0 suspects within two probe rounds (or learns it from n1) */
	assert_true(suspect_at - down <= 2600);
	assert_in_range(dead_at - suspect_at, 3900, 4100);
	sim_run(&sim, sim.now + 2000);
	assert_int_equal(sim_state(&sim.nodes[1], "n2"), VF__MEMBER_FAILED);
	assert_int_equal(sim.nodes[0].events[VF__SWIM_FAILED], 1);
}

/* ---- suspicion: Lifeguard timeouts shrink with confirmations ---- */

static void test_gossip_suspicion_confirmations(void **state)
{
	struct sim_node *a;
	const struct vf__swim_node *x;
	uint64_t start;

	(void)state;
	a = sim_add(&sim, NULL, NULL);
	for (int i = 0; i < 9; i++) {
		char name[8];

		snprintf(name, sizeof(name), "m%d", i);
		feed_alive(a->s, name, (uint8_t)(10 + i), 1);
	}
	assert_int_equal(vf__swim_count(a->s), 10);
	/* n = 10: min = 4 x log10(10) x 1 s = 4 s, max = 6 x min = 24 s,
	 * k = SuspicionMult - 2 = 2 confirmations expected */
	start = sim.now;
	feed_suspect(a->s, VF__GOSSIP_SUSPECT, "m0", 1, "m1");
	x = vf__swim_find(a->s, "m0");
	assert_int_equal(vf__swim_state(x), VF__MEMBER_SUSPECT);
	assert_int_equal(x->susp->k, 2);
	assert_int_equal(x->susp->min, 4000);
	assert_int_equal(x->susp->max, 24000);
	assert_int_equal(x->susp->deadline, start + 24000);
	/* the same accuser again is no confirmation */
	feed_suspect(a->s, VF__GOSSIP_SUSPECT, "m0", 1, "m1");
	assert_int_equal(x->susp->n, 0);
	/* a second one: max - ln(2)/ln(3) x (max - min) = 24000 - 12618 */
	feed_suspect(a->s, VF__GOSSIP_SUSPECT, "m0", 1, "m2");
	assert_int_equal(x->susp->n, 1);
	assert_int_equal(x->susp->deadline, start + 24000 - 12618);
	/* the expected count reached: the minimum */
	feed_suspect(a->s, VF__GOSSIP_SUSPECT, "m0", 1, "m3");
	assert_int_equal(x->susp->deadline, start + 4000);
	sim_run(&sim, start + 3999);
	assert_int_equal(vf__swim_state(x), VF__MEMBER_SUSPECT);
	sim_run(&sim, start + 4001);
	assert_int_equal(vf__swim_state(x), VF__MEMBER_FAILED);
	/* an older incarnation's suspicion changes nothing */
	feed_alive(a->s, "m1", 11, 5);
	feed_suspect(a->s, VF__GOSSIP_SUSPECT, "m1", 4, "m2");
	assert_int_equal(sim_state(a, "m1"), VF__MEMBER_ALIVE);
	/* an alive with a newer incarnation clears a suspicion */
	feed_suspect(a->s, VF__GOSSIP_SUSPECT, "m1", 5, "m2");
	assert_int_equal(sim_state(a, "m1"), VF__MEMBER_SUSPECT);
	feed_alive(a->s, "m1", 11, 6);
	assert_int_equal(sim_state(a, "m1"), VF__MEMBER_ALIVE);
	assert_null(vf__swim_find(a->s, "m1")->susp);
}

/* ---- refutation ---- */

static void test_gossip_refute(void **state)
{
	struct sim_node *a;
	const struct vf__swim_node *self;

	(void)state;
	a = sim_add(&sim, NULL, NULL);
	feed_alive(a->s, "m0", 10, 1);
	self = vf__swim_node_at(a->s, 0);
	assert_int_equal(self->incarnation, 1);
	feed_suspect(a->s, VF__GOSSIP_SUSPECT, "n0", 1, "m0");
	assert_int_equal(self->incarnation, 2);
	assert_int_equal(vf__swim_stats(a->s)->refutes, 1);
	assert_int_equal(vf__swim_awareness(a->s), 1);
	assert_int_equal(vf__swim_state(self), VF__MEMBER_ALIVE);
	/* dead about self, with a higher incarnation: refuted above it */
	feed_suspect(a->s, VF__GOSSIP_DEAD, "n0", 7, "m0");
	assert_int_equal(self->incarnation, 8);
	assert_int_equal(vf__swim_state(self), VF__MEMBER_ALIVE);
	/* an alive about self that claims a newer incarnation */
	feed_alive(a->s, "n0", 99, 20);
	assert_int_equal(self->incarnation, 21);
	assert_int_equal(vf__swim_stats(a->s)->refutes, 3);
	/* stale: nothing */
	feed_suspect(a->s, VF__GOSSIP_SUSPECT, "n0", 3, "m0");
	assert_int_equal(self->incarnation, 21);
}

/* In a cluster, a false suspicion is refuted before it times out. */
static void test_gossip_refute_in_cluster(void **state)
{
	(void)state;
	cluster(3);
	feed_suspect(sim.nodes[0].s, VF__GOSSIP_SUSPECT, "n2",
		     vf__swim_find(sim.nodes[0].s, "n2")->incarnation, "n1");
	assert_int_equal(sim_state(&sim.nodes[0], "n2"), VF__MEMBER_SUSPECT);
	sim_run(&sim, sim.now + 10000);
	assert_int_equal(sim_state(&sim.nodes[0], "n2"), VF__MEMBER_ALIVE);
	assert_int_equal(sim_state(&sim.nodes[1], "n2"), VF__MEMBER_ALIVE);
	assert_true(vf__swim_stats(sim.nodes[2].s)->refutes >= 1);
	assert_int_equal(sim.nodes[0].events[VF__SWIM_FAILED], 0);
}

/* ---- leave ---- */

static void test_gossip_leave(void **state)
{
	uint64_t t0;

	(void)state;
	cluster(4);
	t0 = sim.now;
	assert_int_equal(vf__swim_leave(sim.nodes[3].s), 0);
	assert_int_equal(vf__swim_leave(sim.nodes[3].s), -EALREADY);
	while (!vf__swim_left(sim.nodes[3].s) && sim.now < t0 + 10000)
		sim_run(&sim, sim.now + 50);
	assert_true(vf__swim_left(sim.nodes[3].s));
	/* the dead message went round before the linger second ended */
	assert_true(sim.now - t0 <= 6100);
	sim.nodes[3].down = true;
	sim_run(&sim, sim.now + 10000);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(sim_state(&sim.nodes[i], "n3"), VF__MEMBER_LEFT);
		assert_int_equal(sim.nodes[i].events[VF__SWIM_LEFT], 1);
		assert_int_equal(sim.nodes[i].events[VF__SWIM_FAILED], 0);
		/* the Serf leave intent came first */
		assert_true(vf__swim_find(sim.nodes[i].s, "n3")->leaving);
	}
}

/* ---- push-pull ---- */

static void test_gossip_push_pull_merge(void **state)
{
	struct sim_node *a, *b, *c;

	(void)state;
	a = sim_add(&sim, NULL, NULL);
	b = sim_add(&sim, NULL, NULL);
	c = sim_add(&sim, NULL, NULL);
	feed_alive(a->s, "far", 77, 3);
	/* b joins a (push-pull, Join = true), c joins b */
	assert_int_equal(vf__swim_join(b->s, &a->addr), 0);
	sim_run(&sim, sim.now + 10);
	assert_int_equal(vf__swim_count(b->s), 3);
	assert_int_equal(vf__swim_find(b->s, "far")->incarnation, 3);
	assert_int_equal(vf__swim_count(a->s), 3);
	assert_int_equal(vf__swim_join(c->s, &b->addr), 0);
	sim_run(&sim, sim.now + 10);
	assert_int_equal(vf__swim_count(c->s), 4);
	assert_true(vf__swim_stats(b->s)->push_pulls >= 2);
	/* a failed member in the remote state only makes it suspect here */
	assert_int_equal(sim_state(c, "far"), VF__MEMBER_ALIVE);
	feed_suspect(a->s, VF__GOSSIP_DEAD, "far", 3, "n0");
	{
		struct sim_node *d = sim_add(&sim, NULL, NULL);

		assert_int_equal(vf__swim_join(d->s, &a->addr), 0);
		sim_run(&sim, sim.now + 10);
		assert_int_equal(sim_state(d, "far"),
				 -1); /* unknown: nothing to suspect */
		assert_int_equal(sim_state(d, "n1"), VF__MEMBER_ALIVE);
	}
	/* a join to nobody fails cleanly */
	{
		struct vf__gaddr none = {{10, 0, 0, 99}, 4, 7946};

		assert_int_equal(vf__swim_join(a->s, &none), -EHOSTUNREACH);
	}
}

/* ---- broadcasts ---- */

static void test_gossip_transmit_limit(void **state)
{
	static const uint8_t marker[] = "\x7f-broadcast-marker";
	uint32_t limit;

	(void)state;
	cluster(5);
	sim_run(&sim, sim.now + 5000);
	/* RetransmitMult x ceil(log10(n + 1)) = 4 x 1 for 5 nodes */
	limit = vf__swim_retransmits(sim.nodes[0].s);
	assert_int_equal(limit, 4);
	sim.watch = marker;
	sim.watch_len = sizeof(marker) - 1;
	sim.watch_from = 0;
	assert_int_equal(
		vf__swim_broadcast_user(sim.nodes[0].s, marker, sizeof(marker) - 1), 0);
	sim_run(&sim, sim.now + 10000);
	assert_int_equal(sim.watched, limit);
	assert_int_equal(vf__swim_queued(sim.nodes[0].s), 0);
	/* a broadcast larger than a packet's room is refused */
	{
		uint8_t big[1500] = {0x7f};

		assert_int_equal(
			vf__swim_broadcast_user(sim.nodes[0].s, big, sizeof(big)),
			-EMSGSIZE);
	}
	/* a newer message about a node replaces the queued one */
	{
		struct sim_node *a = &sim.nodes[0];
		size_t before = vf__swim_queued(a->s);

		feed_alive(a->s, "x", 50, 1);
		feed_alive(a->s, "x", 50, 2);
		assert_int_equal(vf__swim_queued(a->s), before + 1);
	}
}

/* ---- Lifeguard: local health awareness ---- */

static void test_gossip_awareness(void **state)
{
	struct sim_node *a;
	const struct vf__swim_stats *st;
	int peak = 0;

	(void)state;
	cluster(4);
	a = &sim.nodes[0];
	st = vf__swim_stats(a->s);
	/* everyone else unreachable: missing acks and missing nacks raise the
	 * score, up to AwarenessMaxMultiplier - 1 */
	for (int i = 1; i < 4; i++)
		sim.nodes[i].down = true;
	for (int k = 0; k < 40; k++) {
		sim_run(&sim, sim.now + 500);
		if (vf__swim_awareness(a->s) > peak)
			peak = vf__swim_awareness(a->s);
	}
	assert_true(peak >= 3);
	assert_true(peak <= 7);
	/* probes slow down: interval x (score + 1) */
	{
		uint64_t probes = st->probes;

		sim_run(&sim, sim.now + 4000);
		assert_true(st->probes - probes <= 2);
	}
	/* healthy again: acks bring it down */
	sim.nodes[1].down = false;
	sim.nodes[2].down = false;
	sim.nodes[3].down = false;
	feed_alive(a->s, "n1", 2, 50);
	feed_alive(a->s, "n2", 3, 50);
	feed_alive(a->s, "n3", 4, 50);
	sim_run(&sim, sim.now + 60000);
	assert_int_equal(vf__swim_awareness(a->s), 0);
}

/* ---- bad input ---- */

struct snap {
	size_t n;
	uint64_t h;
};

static struct snap snapshot(const struct vf__swim *s)
{
	struct snap sn = {vf__swim_count(s), 1469598103934665603ULL};

	for (size_t i = 0; i < sn.n; i++) {
		const struct vf__swim_node *m = vf__swim_node_at(s, i);
		uint64_t v[4] = {m->state, m->incarnation, m->meta_len, m->addr.port};

		for (const char *c = m->name; *c; c++)
			sn.h = (sn.h ^ (uint8_t)*c) * 1099511628211ULL;
		for (int k = 0; k < 4; k++)
			sn.h = (sn.h ^ v[k]) * 1099511628211ULL;
	}
	return sn;
}

static uint64_t bad(const struct vf__swim_stats *st)
{
	return st->bad_malformed + st->bad_crc + st->bad_decrypt + st->bad_oversized +
	       st->bad_stream;
}

/* Feeds @p as a packet (or a stream) and checks: refused inputs are
 * counted and leave the member table as it was. Returns 1 if refused. */
static int try_input(struct vf__swim *s, const uint8_t *p, size_t len, bool stream)
{
	struct vf__gaddr from = {{10, 9, 9, 9}, 4, 7946};
	struct snap before = snapshot(s), after;
	uint64_t b0 = bad(vf__swim_stats(s));
	struct vf__gbuf reply = {0};

	if (stream)
		vf__swim_stream_recv(s, p, len, true, &reply);
	else
		vf__swim_packet(s, &from, p, len);
	vf__gbuf_free(&reply);
	if (bad(vf__swim_stats(s)) == b0)
		return 0;
	after = snapshot(s);
	assert_int_equal(after.n, before.n);
	assert_true(after.h == before.h);
	return 1;
}

static void test_gossip_bad_input_corpus(void **state)
{
	static const uint8_t other_key[32] = {1, 2, 3};
	char dir[4096], path[8192];
	struct sim_node *plain, *keyed;
	struct vf__keyring *kr;
	size_t files = 0, refused = 0, keyed_refused = 0;
	DIR *d;
	struct dirent *e;
	const char *sub[] = {"gossip", "gossip_stream"};

	(void)state;
	if (vf__gossip_crypto_check() < 0)
		skip();
	assert_int_equal(vf__keyring_create(&kr, other_key, 32), 0);
	plain = sim_add(&sim, NULL, NULL);
	keyed = sim_add(&sim, NULL, kr);
	for (int i = 0; i < 5; i++) {
		char name[8];

		snprintf(name, sizeof(name), "m%d", i);
		feed_alive(plain->s, name, (uint8_t)(10 + i), 1);
	}
	snprintf(path, sizeof(path), "%s", __FILE__);
	snprintf(dir, sizeof(dir), "%s/../fuzz/corpus", dirname(path));
	for (int k = 0; k < 2; k++) {
		snprintf(path, sizeof(path), "%s/%s", dir, sub[k]);
		assert_non_null(d = opendir(path));
		while ((e = readdir(d))) {
			uint8_t buf[70000];
			size_t len;
			FILE *f;

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s/%s", dir, sub[k], e->d_name);
			if (!(f = fopen(path, "rb")))
				continue;
			len = fread(buf, 1, sizeof(buf), f);
			fclose(f);
			files++;
			/* the fuzz targets' first byte picks a mode: skip it */
			if (len < 2)
				continue;
			/* as is: a keyed node refuses all of it (not sealed with its key) */
			keyed_refused += try_input(keyed->s, buf + 1, len - 1, k == 1);
			/* as is, and truncated at several lengths */
			refused += try_input(plain->s, buf + 1, len - 1, k == 1);
			for (size_t cut = 1; cut < len - 1; cut += 1 + (len - 1) / 7)
				refused += try_input(plain->s, buf + 1, cut, k == 1);
		}
		closedir(d);
	}
	assert_true(files > 50);
	assert_true(refused > files / 2);
	assert_int_equal(vf__swim_count(keyed->s), 1);
	assert_true(keyed_refused > files / 2);
	/* oversized */
	{
		static uint8_t big[VF__GOSSIP_UDP_MAX + 1];
		uint64_t o = vf__swim_stats(plain->s)->bad_oversized;

		assert_int_equal(try_input(plain->s, big, sizeof(big), false), 1);
		assert_int_equal(vf__swim_stats(plain->s)->bad_oversized, o + 1);
	}
	printf("# %zu corpus files; %zu plain inputs and %zu keyed inputs refused, "
	       "member table unchanged each time\n",
	       files, refused, keyed_refused);
	sim_free(&sim);
	vf__keyring_destroy(kr);
}

/* Encrypted cluster: works with one key, and a node with another key
 * cannot join (its streams and packets fail to decrypt). */
static void test_gossip_encrypted(void **state)
{
	static const uint8_t k1[32] = {9, 9, 9}, k2[32] = {8, 8, 8};
	struct vf__keyring *kr1, *kr2;
	struct sim_node *a, *b, *c;

	(void)state;
	if (vf__gossip_crypto_check() < 0)
		skip();
	assert_int_equal(vf__keyring_create(&kr1, k1, 32), 0);
	assert_int_equal(vf__keyring_create(&kr2, k2, 32), 0);
	a = sim_add(&sim, NULL, kr1);
	b = sim_add(&sim, NULL, kr1);
	c = sim_add(&sim, NULL, kr2);
	assert_int_equal(vf__swim_join(b->s, &a->addr), 0);
	assert_int_equal(vf__swim_join(c->s, &a->addr), 0);
	sim_run(&sim, sim.now + 5000);
	assert_int_equal(sim_state(a, "n1"), VF__MEMBER_ALIVE);
	assert_int_equal(sim_state(b, "n0"), VF__MEMBER_ALIVE);
	assert_int_equal(sim_state(a, "n2"), -1);
	assert_true(vf__swim_stats(a->s)->bad_stream >= 1);
	assert_int_equal(vf__swim_count(c->s), 1);
	sim_free(&sim);
	vf__keyring_destroy(kr1);
	vf__keyring_destroy(kr2);
}

/* ---- partitions, reconnect, reaping ---- */

/* {n0, n1} and {n2, n3} cannot talk for 60 s: each side declares the other
 * failed. Once the network heals, Serf's reconnect (a join push-pull to a
 * random failed member every 30 s) merges the cluster again: within two
 * rounds, as the first may only make each side refute (its refutation
 * cannot cross while the other side holds it failed for over
 * gossip_to_dead), depending on which reconnect goes first. Members
 * failed for longer than reconnect_timeout are then forgotten. */
static void test_gossip_partition_heals(void **state)
{
	uint64_t healed, merged = 0;

	(void)state;
	cluster(4);
	sim.nodes[2].group = sim.nodes[3].group = 1;
	sim.partition = true;
	sim_run(&sim, sim.now + 60000);
	assert_int_equal(sim_state(&sim.nodes[0], "n2"), VF__MEMBER_FAILED);
	assert_int_equal(sim_state(&sim.nodes[3], "n1"), VF__MEMBER_FAILED);
	assert_int_equal(sim_state(&sim.nodes[0], "n1"), VF__MEMBER_ALIVE);
	sim.partition = false;
	healed = sim.now;
	while (!merged && sim.now < healed + 120000) {
		bool all = true;

		sim_run(&sim, sim.now + 100);
		for (int i = 0; i < 4; i++)
			for (int j = 0; j < 4; j++) {
				char name[8];

				snprintf(name, sizeof(name), "n%d", j);
				all &= sim_state(&sim.nodes[i], name) == VF__MEMBER_ALIVE;
			}
		if (all)
			merged = sim.now - healed;
	}
	printf("# partition healed: all alive again after %llu ms\n",
	       (unsigned long long)merged);
	assert_true(merged > 0 && merged <= 2 * 31000 + 5000);
}

static void test_gossip_reap(void **state)
{
	struct vf__swim *s;

	(void)state;
	cluster(3);
	s = sim.nodes[0].s;
	s->cfg.reconnect_timeout = 120000;
	s->cfg.tombstone = 60000;
	assert_int_equal(vf__swim_leave(sim.nodes[1].s), 0);
	sim_run(&sim, sim.now + 3000);
	sim.nodes[1].down = true;
	sim.nodes[2].down = true;
	sim_run(&sim, sim.now + 20000);
	assert_int_equal(sim_state(&sim.nodes[0], "n1"), VF__MEMBER_LEFT);
	assert_int_equal(sim_state(&sim.nodes[0], "n2"), VF__MEMBER_FAILED);
	/* left: forgotten after the tombstone time; failed: after the
	 * reconnect timeout (and retried meanwhile) */
	sim_run(&sim, sim.now + 70000);
	assert_int_equal(sim_state(&sim.nodes[0], "n1"), -1);
	assert_int_equal(sim_state(&sim.nodes[0], "n2"), VF__MEMBER_FAILED);
	assert_true(vf__swim_stats(s)->streams_out >= 2);
	sim_run(&sim, sim.now + 60000);
	assert_int_equal(sim_state(&sim.nodes[0], "n2"), -1);
	assert_int_equal(vf__swim_count(s), 1);
	assert_string_equal(vf__swim_node_at(s, 0)->name, "n0");
}

/* ---- under loss ---- */

/* 16 members, 10% of packets lost both ways, 10 virtual minutes: Lifeguard
 * (indirect probes, TCP fallback, suspicion with confirmations, refutation)
 * must declare nobody failed; then a tag change reaches everyone. */
static void test_gossip_loss_no_false_failures(void **state)
{
	static const uint8_t meta[] = {0xff, 0x81, 0xa4, 'r', 'o', 'l',
				       'e',  0xa3, 'n',	 'e', 'w'};
	uint64_t suspicions = 0, refutes = 0, t0, spread = 0, packets = 0, probes = 0;
	uint32_t inc;
	int failed = 0;

	(void)state;
	cluster(16);
	sim.loss = 100000; /* per million */
	sim_run(&sim, sim.now + 600000);
	for (int i = 0; i < 16; i++) {
		failed += sim.nodes[i].events[VF__SWIM_FAILED];
		suspicions += vf__swim_stats(sim.nodes[i].s)->suspicions;
		refutes += vf__swim_stats(sim.nodes[i].s)->refutes;
		packets += vf__swim_stats(sim.nodes[i].s)->packets_out;
		probes += vf__swim_stats(sim.nodes[i].s)->probes;
	}
	inc = vf__swim_node_at(sim.nodes[0].s, 0)->incarnation;
	t0 = sim.now;
	assert_int_equal(vf__swim_set_meta(sim.nodes[0].s, meta, sizeof(meta)), 0);
	while (!spread && sim.now < t0 + 30000) {
		int seen = 0;

		sim_run(&sim, sim.now + 10);
		for (int i = 1; i < 16; i++)
			seen += vf__swim_find(sim.nodes[i].s, "n0")->incarnation > inc;
		if (seen == 15)
			spread = sim.now - t0;
	}
	printf("# 16 members, 10%% loss, 600 s: %llu probes, %llu packets, %d false "
	       "failures, %llu suspicions, %llu refutations; a tag change reached all in "
	       "%llu ms\n",
	       (unsigned long long)probes, (unsigned long long)packets, failed,
	       (unsigned long long)suspicions, (unsigned long long)refutes,
	       (unsigned long long)spread);
	assert_int_equal(failed, 0);
	assert_true(spread > 0 && spread < 5000);
	for (int i = 1; i < 16; i++)
		assert_int_equal(sim.nodes[i].events[VF__SWIM_UPDATED], 1);
}

/* ---- seams for the location service ---- */

static int user_msgs, remote_states;
static uint8_t last_user[64];
static size_t last_user_len;

static void hook_user(void *ctx, const uint8_t *p, size_t len)
{
	(void)ctx;
	user_msgs++;
	last_user_len = len < sizeof(last_user) ? len : sizeof(last_user);
	memcpy(last_user, p, last_user_len);
}

static int hook_local_state(void *ctx, struct vf__gbuf *out, bool join)
{
	(void)ctx;
	(void)join;
	return vf__gbuf_put(out, "\x7fstate", 6);
}

static void hook_remote_state(void *ctx, const uint8_t *p, size_t len, bool join)
{
	(void)ctx;
	(void)join;
	if (len == 6 && !memcmp(p, "\x7fstate", 6))
		remote_states++;
}

/* ---- replays ---- */

/* What n0 knows, to compare before and after a replay. */
struct view {
	uint32_t inc[3];
	int state[3];
	uint8_t meta[64];
	size_t meta_len;
	int events[5];
	struct vf__swim_stats st;
};

static void view_get(struct view *v)
{
	const struct vf__swim_node *n2 = vf__swim_find(sim.nodes[0].s, "n2");

	for (int i = 0; i < 3; i++) {
		char name[8];

		snprintf(name, sizeof(name), "n%d", i);
		v->inc[i] = vf__swim_find(sim.nodes[0].s, name)->incarnation;
		v->state[i] = sim_state(&sim.nodes[0], name);
	}
	assert_true(n2->meta_len <= sizeof(v->meta));
	v->meta_len = n2->meta_len;
	memcpy(v->meta, n2->meta, n2->meta_len);
	memcpy(v->events, sim.nodes[0].events, sizeof(v->events));
	v->st = *vf__swim_stats(sim.nodes[0].s);
}

/* Everything n1 and n2 sent n0 while n2 changed its tags twice, went
 * silent until n0 declared it failed, and came back (refuting at a higher
 * incarnation), is replayed to n0 from the senders' addresses: the old
 * alives, suspects and deads are counted stale and change nothing (no
 * member changes state, incarnation or tags, no event), and nothing is
 * counted bad: a replay decodes (and, with keys, decrypts) fine. */
static void replay(struct vf__keyring *kr)
{
	static const uint8_t meta1[] = {0xff, 0x81, 0xa4, 'r', 'o', 'l', 'e', 0xa1, '1'};
	static const uint8_t meta2[] = {0xff, 0x81, 0xa4, 'r', 'o', 'l', 'e', 0xa1, '2'};
	struct sim_node *n0, *n2;
	struct view before, after;
	uint64_t t;

	for (int i = 0; i < 3; i++)
		assert_non_null(sim_add(&sim, NULL, kr));
	n0 = &sim.nodes[0];
	n2 = &sim.nodes[2];
	for (int i = 1; i < 3; i++)
		assert_int_equal(vf__swim_join(sim.nodes[i].s, &n0->addr), 0);
	sim_run(&sim, sim.now + 3000);
	assert_int_equal(sim_state(n0, "n2"), VF__MEMBER_ALIVE);

	sim.rec_on = true;
	sim.rec_to = 0;
	assert_int_equal(vf__swim_set_meta(n2->s, meta1, sizeof(meta1)), 0);
	sim_run(&sim, sim.now + 2000);
	assert_int_equal(vf__swim_set_meta(n2->s, meta2, sizeof(meta2)), 0);
	sim_run(&sim, sim.now + 2000);
	n2->down = true;
	for (t = sim.now + 60000; sim.now < t && sim_state(n0, "n2") != VF__MEMBER_FAILED;)
		sim_run(&sim, sim.now + 500);
	assert_int_equal(sim_state(n0, "n2"), VF__MEMBER_FAILED);
	n2->down = false;
	for (t = sim.now + 60000; sim.now < t && sim_state(n0, "n2") != VF__MEMBER_ALIVE;)
		sim_run(&sim, sim.now + 500);
	sim_run(&sim, sim.now + 3000);
	sim.rec_on = false;
	assert_int_equal(sim_state(n0, "n2"), VF__MEMBER_ALIVE);
	assert_true(sim.nrec > 20);

	view_get(&before);
	assert_int_equal(before.meta_len, sizeof(meta2));
	assert_memory_equal(before.meta, meta2, sizeof(meta2));
	/* with no time passing, so no probe or suspicion can time out */
	for (size_t i = 0; i < sim.nrec; i++)
		vf__swim_packet(n0->s, &sim.nodes[sim.rec[i].from].addr, sim.rec[i].p,
				sim.rec[i].len);
	view_get(&after);
	assert_memory_equal(after.inc, before.inc, sizeof(before.inc));
	assert_memory_equal(after.state, before.state, sizeof(before.state));
	assert_int_equal(after.meta_len, before.meta_len);
	assert_memory_equal(after.meta, before.meta, before.meta_len);
	assert_memory_equal(after.events, before.events, sizeof(before.events));
	assert_int_equal(after.st.packets_in, before.st.packets_in + sim.nrec);
	/* the suspects and deads about n2 and its two older alives at least */
	assert_true(after.st.stale >= before.st.stale + 4);
	assert_int_equal(after.st.suspicions, before.st.suspicions);
	assert_int_equal(after.st.bad_malformed, before.st.bad_malformed);
	assert_int_equal(after.st.bad_decrypt, before.st.bad_decrypt);
	assert_int_equal(after.st.bad_crc, before.st.bad_crc);
	/* and the cluster runs on as before */
	sim_run(&sim, sim.now + 5000);
	for (int i = 0; i < 3; i++) {
		char name[8];

		snprintf(name, sizeof(name), "n%d", i);
		assert_int_equal(sim_state(n0, name), VF__MEMBER_ALIVE);
	}
	assert_int_equal(n0->events[VF__SWIM_FAILED], before.events[VF__SWIM_FAILED]);
}

static void test_gossip_replay_plain(void **state)
{
	(void)state;
	replay(NULL);
}

static void test_gossip_replay_encrypted(void **state)
{
	static const uint8_t k[32] = {7, 7, 7};
	struct vf__keyring *kr;

	(void)state;
	if (vf__gossip_crypto_check() < 0)
		skip();
	assert_int_equal(vf__keyring_create(&kr, k, 32), 0);
	replay(kr);
	sim_free(&sim); /* before the keyring the nodes borrow */
	vf__keyring_destroy(kr);
}

static void test_gossip_user_hooks(void **state)
{
	struct vf__swim_hooks h;

	(void)state;
	cluster(3);
	user_msgs = remote_states = 0;
	for (int i = 0; i < 3; i++) {
		h = sim.nodes[i].s->hooks;
		h.user = hook_user;
		h.local_state = hook_local_state;
		h.remote_state = hook_remote_state;
		sim.nodes[i].s->hooks = h;
	}
	/* one member alone */
	assert_int_equal(
		vf__swim_send_user(sim.nodes[0].s, "n1", (const uint8_t *)"\x7fhi", 3),
		0);
	assert_int_equal(vf__swim_send_user(sim.nodes[0].s, "nobody",
					    (const uint8_t *)"\x7fhi", 3),
			 -ENOENT);
	sim_run(&sim, sim.now + 10);
	assert_int_equal(user_msgs, 1);
	assert_int_equal(last_user_len, 3);
	assert_memory_equal(last_user, "\x7fhi", 3);
	/* everyone, by gossip: each member hands it up once per copy it
	 * gets; at least the two others get it */
	user_msgs = 0;
	assert_int_equal(vf__swim_broadcast_user(sim.nodes[0].s,
						 (const uint8_t *)"\x7f"
								  "all",
						 4),
			 0);
	sim_run(&sim, sim.now + 2000);
	assert_true(user_msgs >= 2);
	/* push-pull carries the user state both ways */
	assert_int_equal(vf__swim_join(sim.nodes[2].s, &sim.nodes[0].addr), 0);
	sim_run(&sim, sim.now + 10);
	assert_int_equal(remote_states, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gossip_probe_cycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gossip_replay_plain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gossip_replay_encrypted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gossip_dead_after_timeout, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gossip_suspicion_confirmations,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_gossip_refute, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gossip_refute_in_cluster, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gossip_leave, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gossip_push_pull_merge, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gossip_transmit_limit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gossip_awareness, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gossip_bad_input_corpus, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gossip_encrypted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gossip_user_hooks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gossip_partition_heals, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gossip_reap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gossip_loss_no_false_failures, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
