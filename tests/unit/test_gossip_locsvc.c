/*
 * The location service (lib/gossip/locsvc.c) on the virtual network and
 * clock of gossip_sim.h: N fabrics with ports, each with its membership
 * state machine and location service; every host learns every remote
 * port, a moved port wins with its higher version, a failed host's
 * records go and come back with it, anti-entropy repairs a host that
 * missed broadcasts with bytes in proportion to what it missed, a miss
 * asks the owner, and bad messages are counted and change nothing.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <vfabric/vfabric.h>

#include "gossip/locmsg.h"
#include "gossip/locsvc.h"
#include "gossip_sim.h"

#define HOSTS 4
#define PORTS 8
#define CELL 1
#define NET 0x0a010000u /* 10.1.0.0/16 */

struct host {
	vf_fabric *f;
	vf_cell *cell;
	vf_subnet *subnet;
	struct vf__locsvc *ls;
	bool deaf; /* drops location updates (missed broadcasts) */
	vf_port *ports[64];
	int nports;
};

static struct sim sim;
#define MAX_HOSTS 80
static struct host hosts[MAX_HOSTS];
static uint64_t tomb_ms; /* the services' tombstone time (0: the default) */

static bool fqdn; /* host names as long as a data centre's */

static const char *name_of(int i)
{
	static char name[256];

	if (fqdn)
		snprintf(name, sizeof(name), "hv-%02d.rack-07.row-c.dc-west-1.compute.cloud.example.net",
			 i);
	else
		snprintf(name, sizeof(name), "n%d", i);
	return name;
}

static void h_user(void *ctx, const uint8_t *p, size_t len)
{
	struct host *h = ctx;

	if (h->deaf && len && (p[0] == VF__LOC_UPDATE || p[0] == VF__LOC_GOSSIP))
		return;
	vf__locsvc_user(h->ls, p, len);
}

static int h_local_state(void *ctx, struct vf__gbuf *out, bool join)
{
	(void)join;
	return vf__locsvc_local_state(((struct host *)ctx)->ls, out);
}

static void h_remote_state(void *ctx, const uint8_t *p, size_t len, bool join)
{
	(void)join;
	vf__locsvc_remote_state(((struct host *)ctx)->ls, p, len);
}

static uint32_t vip_of(int host, int port)
{
	return NET | (uint32_t)(host + 1) << 8 | (uint32_t)(port + 10);
}

static vf_port *add_port(int i, uint32_t vip)
{
	struct host *h = &hosts[i];
	char name[32];
	vf_port *p;

	snprintf(name, sizeof(name), "p%x", vip);
	VF_OPTS(vf_port_opts, o, .name = name, .vip = vip);
	assert_rc(vf_port_create(&p, h->subnet, &o), 0);
	h->ports[h->nports++] = p;
	return p;
}

static void del_port(int i, vf_port *p)
{
	struct host *h = &hosts[i];

	for (int k = 0; k < h->nports; k++)
		if (h->ports[k] == p)
			h->ports[k] = h->ports[--h->nports];
	vf_port_destroy(p);
}

/* Host i: fabric (host MAC 02:00:00:00:00:i+1, IP 192.168.0.i+1), cell
 * 1 with subnet 10.1.0.0/16, node "n<i>" on the virtual network. */
static void host_add(int i)
{
	struct host *h = &hosts[i];
	struct sim_node *n = sim_node_new(&sim);
	struct vf__swim_io io;
	struct vf__swim_hooks hooks = {h, NULL, h_user, h_local_state, h_remote_state};
	struct vf__swim_opts so = {0};
	struct vf__locsvc_opts lo = {0};
	char name[256], host[16];

	VF_OPTS(vf_fabric_opts, fo, .host_mac = {{2, 0, 0, 0, 0, (uint8_t)(i + 1)}},
		.host_ip = 0xc0a80000u | (uint32_t)(i + 1));
	VF_OPTS(vf_cell_opts, co, .id = CELL);
	VF_OPTS(vf_subnet_opts, sub, .id = 1, .prefix = {NET, 16});
	snprintf(name, sizeof(name), "%s", name_of(i));
	snprintf(host, sizeof(host), "n%d", i);
	fo.host_name = host;
	assert_rc(vf_fabric_create(&h->f, &fo), 0);
	assert_rc(vf_cell_create(&h->cell, h->f, &co), 0);
	assert_rc(vf_subnet_create(&h->subnet, h->cell, &sub), 0);
	lo.fabric = h->f;
	lo.name = name;
	lo.tombstone_ms = tomb_ms;
	assert_rc(vf__locsvc_create(&h->ls, &lo), 0);

	assert_non_null(n);
	io = sim_io(n);
	so.name = name;
	so.addr = n->addr;
	so.seed = 1000 + (uint64_t)n->idx;
	so.cfg = sim_config();
	assert_rc(vf__swim_create(&n->s, &so, &io, &hooks), 0);
	vf__locsvc_set_swim(h->ls, n->s);
}

/* Runs @ms of virtual time, ticking every location service each 100 ms. */
static void run(uint64_t ms)
{
	uint64_t end = sim.now + ms;

	while (sim.now < end) {
		sim_run(&sim, sim.now + 100);
		for (int i = 0; i < sim.n; i++)
			if (!sim.nodes[i].down)
				vf__locsvc_tick(hosts[i].ls);
	}
}

static int setup(void **state)
{
	(void)state;
	sim_reset(&sim);
	memset(hosts, 0, sizeof(hosts));
	tomb_ms = 0;
	fqdn = false;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < sim.n; i++) {
		vf__locsvc_destroy(hosts[i].ls);
		for (int k = 0; k < hosts[i].nports; k++)
			vf_port_destroy(hosts[i].ports[k]);
		vf_subnet_destroy(hosts[i].subnet);
		vf_cell_destroy(hosts[i].cell);
		vf_fabric_destroy(hosts[i].f);
	}
	sim_free(&sim);
	return 0;
}

/* @n hosts with PORTS ports each, joined, running until all is spread. */
static void fabric(int n)
{
	for (int i = 0; i < n; i++) {
		host_add(i);
		for (int k = 0; k < PORTS; k++)
			add_port(i, vip_of(i, k));
	}
	for (int i = 1; i < n; i++)
		assert_rc(vf__swim_join(sim.nodes[i].s, &sim.nodes[0].addr), 0);
	run(5000);
}

/* Host @i sees (cell, vip) on host @on (its MAC) at a version > @min. */
static void assert_at(int i, uint32_t vip, int on, uint64_t min)
{
	VF_OPTS(vf_location, l, .cell_id = 0);

	assert_rc(vf_location_get(hosts[i].f, CELL, vip, &l), 0);
	assert_int_equal(l.host_mac.addr[5], on + 1);
	assert_int_equal(l.host_ip, 0xc0a80000u | (uint32_t)(on + 1));
	assert_true(l.version > min);
}

static void assert_all_known(int n, int skip)
{
	for (int i = 0; i < n; i++) {
		if (i == skip)
			continue;
		assert_int_equal(vf_location_count(hosts[i].f),
				 (size_t)((n - 1 - (skip >= 0)) * PORTS));
		for (int j = 0; j < n; j++)
			if (j != i && j != skip)
				for (int k = 0; k < PORTS; k++)
					assert_at(i, vip_of(j, k), j, 0);
	}
}

static void test_locsvc_spread(void **state)
{
	(void)state;
	fabric(HOSTS);
	assert_all_known(HOSTS, -1);
	for (int i = 0; i < HOSTS; i++) {
		const struct vf__locsvc_stats *st = vf__locsvc_stats(hosts[i].ls);

		assert_int_equal(st->published, PORTS);
		assert_int_equal(st->install_errors, 0);
		assert_int_equal(st->bad_malformed + st->bad_oversized, 0);
	}
}

/* A VM moves: destroyed on n1, created on n2 with the same VIP. */
static void test_locsvc_move(void **state)
{
	uint32_t vip = vip_of(1, 3);
	VF_OPTS(vf_location, before, .cell_id = 0);

	(void)state;
	fabric(HOSTS);
	assert_rc(vf_location_get(hosts[0].f, CELL, vip, &before), 0);
	del_port(1, hosts[1].ports[3]);
	run(2000);
	for (int i = 0; i < HOSTS; i++)
		assert_rc(vf_location_get(hosts[i].f, CELL, vip,
					  &(vf_location){.sz = sizeof(vf_location)}),
			  -ENOENT);
	add_port(2, vip);
	run(2000);
	for (int i = 0; i < HOSTS; i++)
		if (i != 2)
			assert_at(i, vip, 2, before.version);
	/* and back to n1, whose counter must now jump past n2's version */
	del_port(2, hosts[2].ports[hosts[2].nports - 1]);
	add_port(1, vip);
	run(2000);
	for (int i = 0; i < HOSTS; i++)
		if (i != 1)
			assert_at(i, vip, 1, before.version + 1);
}

/* Everything sent to n0 while a VM moved from n1 to n2 and back (its
 * withdrawals and both hosts' records, in broadcasts and anti-entropy) is
 * replayed to n0 from the senders' addresses: every old record is counted
 * stale, and n0 still has the VM on n1 at the newest version, the same
 * table, nothing installed or removed. */
static void test_locsvc_replay(void **state)
{
	uint32_t vip = vip_of(1, 3);
	VF_OPTS(vf_location, before, .cell_id = 0);
	VF_OPTS(vf_location, after, .cell_id = 0);
	struct vf__locsvc_stats st0, st1;
	size_t count;

	(void)state;
	fabric(HOSTS);
	sim.rec_on = true;
	sim.rec_to = 0;
	del_port(1, hosts[1].ports[3]);
	run(2000);
	add_port(2, vip);
	run(2000);
	del_port(2, hosts[2].ports[hosts[2].nports - 1]);
	add_port(1, vip);
	run(2000);
	sim.rec_on = false;
	assert_true(sim.nrec > 10);
	assert_rc(vf_location_get(hosts[0].f, CELL, vip, &before), 0);
	assert_at(0, vip, 1, 0);
	count = vf_location_count(hosts[0].f);
	st0 = *vf__locsvc_stats(hosts[0].ls);

	for (size_t i = 0; i < sim.nrec; i++)
		vf__swim_packet(sim.nodes[0].s, &sim.nodes[sim.rec[i].from].addr,
				sim.rec[i].p, sim.rec[i].len);
	vf__locsvc_tick(hosts[0].ls);

	st1 = *vf__locsvc_stats(hosts[0].ls);
	assert_rc(vf_location_get(hosts[0].f, CELL, vip, &after), 0);
	assert_memory_equal(&after, &before, sizeof(before));
	assert_int_equal(vf_location_count(hosts[0].f), count);
	assert_true(st1.recs_in > st0.recs_in);
	/* every record replayed was stale: none newer, none applied */
	assert_int_equal(st1.recs_stale - st0.recs_stale, st1.recs_in - st0.recs_in);
	assert_int_equal(st1.recs_applied, st0.recs_applied);
	assert_int_equal(st1.installs, st0.installs);
	assert_int_equal(st1.uninstalls, st0.uninstalls);
	assert_int_equal(st1.bad_malformed + st1.bad_oversized,
			 st0.bad_malformed + st0.bad_oversized);
	assert_all_known(HOSTS, -1);
}

/* A withdrawn record is kept, dead, for the tombstone time (10 s here),
 * then every host drops it; a late copy of the live record it replaced
 * is stale after that as before, and the VIP can come back (on its old
 * host, at a higher version). */
static void test_locsvc_tombstones(void **state)
{
	uint32_t vip = vip_of(1, 3);
	VF_OPTS(vf_location, before, .cell_id = 0);
	VF_OPTS(vf_location, l, .cell_id = 0);
	uint8_t vmac[6], host_mac[6] = {2, 0, 0, 0, 0, 2};
	struct vf__loc_rec old = {.cell = CELL, .vip = vip};
	struct vf__loc_msg m = {.type = VF__LOC_UPDATE};
	struct vf__gbuf b = {0};
	struct vf__locsvc_stats st;
	size_t count[HOSTS];

	(void)state;
	tomb_ms = 10000;
	fabric(HOSTS);
	assert_rc(vf_location_get(hosts[0].f, CELL, vip, &before), 0);
	for (int i = 0; i < HOSTS; i++)
		count[i] = vf__locsvc_count(hosts[i].ls);
	del_port(1, hosts[1].ports[3]);
	run(2000);
	for (int i = 0; i < HOSTS; i++) {
		/* withdrawn everywhere, kept as a tombstone */
		assert_rc(vf_location_get(hosts[i].f, CELL, vip, &l), -ENOENT);
		assert_int_equal(vf__locsvc_count(hosts[i].ls), count[i]);
		assert_int_equal(vf__locsvc_stats(hosts[i].ls)->recs_expired, 0);
	}
	run(7000); /* 9 s after: kept */
	for (int i = 0; i < HOSTS; i++)
		assert_int_equal(vf__locsvc_count(hosts[i].ls), count[i]);
	run(4000); /* 13 s after: at most 10 s + an eighth */
	for (int i = 0; i < HOSTS; i++) {
		st = *vf__locsvc_stats(hosts[i].ls);
		assert_int_equal(vf__locsvc_count(hosts[i].ls), count[i] - 1);
		assert_int_equal(st.recs_expired, 1);
		assert_int_equal(vf__locsvc_known(hosts[i].ls, "n1"),
				 vf__locsvc_known(hosts[1].ls, "n1"));
	}

	/* the live record as n1 first sent it, again, to n0 */
	memcpy(vmac, before.vmac.addr, 6);
	old.origin = vf__gbytes_str("n1");
	old.subnet = before.subnet_id;
	old.host_ip = before.host_ip;
	old.vmac = (struct vf__gbytes){vmac, 6};
	old.host_mac = (struct vf__gbytes){host_mac, 6};
	old.version = before.version;
	m.u.update.recs = &old;
	m.u.update.n = 1;
	assert_rc(vf__loc_msg_encode(&b, &m), 0);
	st = *vf__locsvc_stats(hosts[0].ls);
	vf__locsvc_user(hosts[0].ls, b.data, b.len);
	vf__gbuf_free(&b);
	assert_int_equal(vf__locsvc_stats(hosts[0].ls)->recs_in, st.recs_in + 1);
	assert_int_equal(vf__locsvc_stats(hosts[0].ls)->recs_stale, st.recs_stale + 1);
	assert_int_equal(vf__locsvc_stats(hosts[0].ls)->recs_applied, st.recs_applied);
	assert_rc(vf_location_get(hosts[0].f, CELL, vip, &l), -ENOENT);
	assert_int_equal(vf__locsvc_count(hosts[0].ls), count[0] - 1);

	/* the VIP again on n1: a new record, above the dropped one */
	add_port(1, vip);
	run(2000);
	for (int i = 0; i < HOSTS; i++)
		if (i != 1)
			assert_at(i, vip, 1, before.version + 1);
	assert_all_known(HOSTS, -1);
}

/* The same VIP claimed by n1 and n2 at once, with equal versions: every
 * other host picks the origin whose name sorts last (n2); each claimant
 * keeps its own port. */
static void test_locsvc_conflict(void **state)
{
	uint32_t vip = vip_of(9, 9);
	VF_OPTS(vf_location, a, .cell_id = 0);
	VF_OPTS(vf_location, b, .cell_id = 0);

	(void)state;
	fabric(HOSTS);
	add_port(1, vip);
	add_port(2, vip);
	run(3000);
	assert_rc(vf_location_get(hosts[0].f, CELL, vip, &a), 0);
	assert_rc(vf_location_get(hosts[3].f, CELL, vip, &b), 0);
	assert_int_equal(a.host_mac.addr[5], 3); /* n2 */
	assert_int_equal(b.host_mac.addr[5], 3);
	assert_int_equal(a.version, b.version);
	/* n2's port goes: n1's claim is the one left everywhere (a host
	 * the broadcasts missed gets n1's claim at the next push-pull) */
	del_port(2, hosts[2].ports[hosts[2].nports - 1]);
	run(35000);
	for (int i = 0; i < HOSTS; i++)
		if (i != 1)
			assert_at(i, vip, 1, 0);
}

/* 24 hosts of 16 ports: everyone knows everything within 2 s; then the
 * steady-state traffic of the location service per host. */
static void test_locsvc_scale(void **state)
{
	const int n = 24, ports = 16;
	uint64_t bytes0 = 0, bytes1 = 0;

	(void)state;
	for (int i = 0; i < n; i++) {
		host_add(i);
		for (int k = 0; k < ports; k++)
			add_port(i, vip_of(i, k));
	}
	for (int i = 1; i < n; i++)
		assert_rc(vf__swim_join(sim.nodes[i].s, &sim.nodes[0].addr), 0);
	run(2000);
	for (int i = 0; i < n; i++)
		assert_int_equal(vf_location_count(hosts[i].f),
				 (size_t)((n - 1) * ports));
	for (int i = 0; i < n; i++) {
		const struct vf__locsvc_stats *st = vf__locsvc_stats(hosts[i].ls);

		bytes0 += st->bcast_bytes + st->ae_bytes + st->state_bytes;
	}
	run(120000);
	for (int i = 0; i < n; i++) {
		const struct vf__locsvc_stats *st = vf__locsvc_stats(hosts[i].ls);

		bytes1 += st->bcast_bytes + st->ae_bytes + st->state_bytes;
		assert_int_equal(st->install_errors, 0);
	}
	print_message("scale: %d hosts x %d ports known everywhere within 2 s; steady "
		      "state %.1f bytes/s per host (version vectors in push-pull)\n",
		      n, ports, (double)(bytes1 - bytes0) / n / 120.0);
	/* only vectors move: a few hundred bytes per push-pull */
	assert_true((bytes1 - bytes0) / (uint64_t)n / 120 < 100);
}

/* Of @n hosts, n3 stops: its records go everywhere; it comes back: they
 * return, and every other host asked it for them (a sync). */
static void fail_restore(int n)
{
	uint64_t syncs[SIM_NODES];
	char n3[256];

	snprintf(n3, sizeof(n3), "%s", name_of(3));
	fabric(n);
	run(30000); /* a push-pull: what the broadcasts missed is there */
	assert_all_known(n, -1);
	sim.nodes[3].down = true;
	run(15000);
	for (int i = 0; i < n; i++)
		if (i != 3) {
			assert_int_equal(sim_state(&sim.nodes[i], n3), VF__MEMBER_FAILED);
			assert_int_equal(vf__locsvc_known(hosts[i].ls, n3), 0);
			syncs[i] = vf__locsvc_stats(hosts[i].ls)->syncs_sent;
		}
	assert_all_known(n, 3);
	sim.nodes[3].down = false;
	assert_rc(vf__swim_join(sim.nodes[3].s, &sim.nodes[0].addr), 0);
	run(10000);
	for (int i = 0; i < n; i++)
		if (i != 3) {
			assert_int_equal(sim_state(&sim.nodes[i], n3), VF__MEMBER_ALIVE);
			assert_true(vf__locsvc_stats(hosts[i].ls)->syncs_sent > syncs[i]);
		}
	assert_all_known(n, -1);
}

static void test_locsvc_fail_restore(void **state)
{
	(void)state;
	fail_restore(HOSTS);
}

/* The same with 28 hosts named as in a data centre: the version vector
 * (28 x some 60 bytes) does not fit a datagram, so each host asks the
 * returning one for its own records only (a partial vector), and gets
 * them at once, not at the next push-pull. */
static void test_locsvc_fail_restore_partial(void **state)
{
	uint64_t partial = 0;

	(void)state;
	fqdn = true;
	fail_restore(28);
	for (int i = 0; i < sim.n; i++)
		partial += vf__locsvc_stats(hosts[i].ls)->syncs_partial;
	assert_true(partial >= 27);
}

/* 70 hosts (more than the 64 that are all asked when new), of which only
 * n3 has a port: n3 fails and returns. Each other host asks it once, when
 * it is back; members never heard from are asked only when their state
 * changed since the last look (here: the suspicions n3 raises as its
 * stalled timers fire on its return), not at every change of the member
 * list. (Before, every change made every host ask the first four of
 * those, the same four everywhere: 9 requests per host here.) */
static void test_locsvc_syncs_at_scale(void **state)
{
	const int n = 70;
	uint64_t before = 0, after = 0, in3;
	char n3[256];

	(void)state;
	assert_rc(sim_init(&sim, MAX_HOSTS), 0);
	for (int i = 0; i < n; i++)
		host_add(i);
	for (int i = 1; i < n; i++)
		assert_rc(vf__swim_join(sim.nodes[i].s, &sim.nodes[0].addr), 0);
	run(30000);
	add_port(3, vip_of(3, 0));
	run(5000);
	for (int i = 0; i < n; i++)
		if (i != 3)
			assert_at(i, vip_of(3, 0), 3, 0);
	snprintf(n3, sizeof(n3), "%s", name_of(3));
	for (int i = 0; i < n; i++)
		before += vf__locsvc_stats(hosts[i].ls)->syncs_sent;
	in3 = vf__locsvc_stats(hosts[3].ls)->syncs_in;
	sim.nodes[3].down = true;
	run(20000);
	for (int i = 0; i < n; i++)
		if (i != 3) {
			assert_int_equal(sim_state(&sim.nodes[i], n3), VF__MEMBER_FAILED);
			assert_int_equal(vf_location_count(hosts[i].f), 0);
		}
	sim.nodes[3].down = false;
	assert_rc(vf__swim_join(sim.nodes[3].s, &sim.nodes[0].addr), 0);
	run(10000);
	for (int i = 0; i < n; i++) {
		after += vf__locsvc_stats(hosts[i].ls)->syncs_sent;
		if (i != 3)
			assert_at(i, vip_of(3, 0), 3, 0);
	}
	in3 = vf__locsvc_stats(hosts[3].ls)->syncs_in - in3;
	print_message("70 hosts, one fails and returns: %llu sync requests, %llu of them "
		      "to it\n",
		      (unsigned long long)(after - before), (unsigned long long)in3);
	assert_int_equal(in3, n - 1);
	assert_true(after - before < 2 * (uint64_t)(n - 1));
}

static uint64_t ae_bytes(void)
{
	uint64_t b = 0;

	for (int i = 0; i < sim.n; i++)
		b += vf__locsvc_stats(hosts[i].ls)->ae_bytes;
	return b;
}

static uint64_t ae_records(void)
{
	uint64_t r = 0;

	for (int i = 0; i < sim.n; i++)
		r += vf__locsvc_stats(hosts[i].ls)->ae_records;
	return r;
}

/* n3 misses the broadcasts of 6 new ports; anti-entropy (push-pull every
 * 30 s) repairs it, sending those records, not the table. */
static void test_locsvc_anti_entropy(void **state)
{
	const uint64_t missing = 6;
	uint64_t b0, r0, b1, r1;

	(void)state;
	fabric(HOSTS);
	for (int k = 0; k < 40; k++) /* a bigger table: 4 x 8 + 40 */
		add_port(k % 3, vip_of(k % 3, 20 + k));
	run(3000);
	hosts[3].deaf = true;
	for (int k = 0; k < (int)missing; k++)
		add_port(k % 2, vip_of(k % 2, 100 + k));
	run(3000); /* the broadcasts are spent */
	assert_int_equal(vf__swim_queued(sim.nodes[0].s), 0);
	assert_int_equal(vf_location_count(hosts[3].f), 3 * PORTS + 40);
	hosts[3].deaf = false;
	b0 = ae_bytes();
	r0 = ae_records();
	run(70000);
	b1 = ae_bytes() - b0;
	r1 = ae_records() - r0;
	assert_int_equal(vf_location_count(hosts[3].f), 3 * PORTS + 40 + missing);
	for (int k = 0; k < (int)missing; k++)
		assert_at(3, vip_of(k % 2, 100 + k), k % 2, 0);
	print_message("anti-entropy: %d missing of %d records: %llu records, %llu "
		      "bytes sent\n",
		      (int)missing, (int)(4 * PORTS + 40 + missing),
		      (unsigned long long)r1, (unsigned long long)b1);
	/* each missing record sent at most twice (two peers may answer
	 * before the first answer lands), under 80 bytes each: a fraction of
	 * the table (78 records, over 4 KB) */
	assert_in_range(r1, missing, 2 * missing);
	assert_true(b1 <= 2 * missing * 80);
	assert_true(b1 * 4 < (4 * PORTS + 40 + missing) * 55u);
	/* steady state: nothing is missing, nothing is sent */
	run(70000);
	assert_int_equal(ae_records(), r0 + r1);
}

/* n2 missed a broadcast; its miss asks the owner, whose answer installs. */
static void test_locsvc_miss_query(void **state)
{
	uint32_t vip = vip_of(0, 50);
	VF_OPTS(vf_location, l, .cell_id = 0);

	(void)state;
	fabric(3);
	hosts[2].deaf = true;
	add_port(0, vip);
	run(3000);
	assert_rc(vf_location_get(hosts[2].f, CELL, vip, &l), -ENOENT);
	hosts[2].deaf = false;
	vf__locsvc_request(hosts[2].ls, CELL, vip, sim.now);
	vf__locsvc_request(hosts[2].ls, CELL, vip, sim.now); /* rate-limited */
	sim_run(&sim, sim.now + 500);
	assert_at(2, vip, 0, 0);
	assert_int_equal(vf__locsvc_stats(hosts[2].ls)->queries_sent, 1);
	assert_true(vf__locsvc_stats(hosts[0].ls)->queries_answered >= 1);
	assert_int_equal(vf__locsvc_stats(hosts[1].ls)->queries_answered, 0);
}

/* ---- bad input ---- */

static void feed(struct host *h, const uint8_t *p, size_t len)
{
	vf__locsvc_user(h->ls, p, len);
}

static void test_locsvc_bad_input(void **state)
{
	struct vf__loc_rec r = {vf__gbytes_str("n1"), CELL, 0, 1, 0, {0}, {0}, 99, false};
	struct vf__loc_msg m = {.type = VF__LOC_UPDATE};
	static const uint8_t mac[6] = {2, 0, 0, 0, 0, 9};
	struct vf__gbuf b = {0};
	const struct vf__locsvc_stats *st;
	uint8_t *big;
	size_t count, nrecs, bad;
	uint64_t recs_in;

	(void)state;
	fabric(2);
	st = vf__locsvc_stats(hosts[0].ls);
	count = vf_location_count(hosts[0].f);
	nrecs = vf__locsvc_count(hosts[0].ls);
	recs_in = st->recs_in;
	/* a good message, then broken forms of it */
	r.vip = NET | 0x0909;
	r.vmac = (struct vf__gbytes){mac, 6};
	r.host_mac = (struct vf__gbytes){mac, 6};
	m.u.update.recs = &r;
	m.u.update.n = 1;
	assert_rc(vf__loc_msg_encode(&b, &m), 0);
	for (size_t cut = 1; cut < b.len; cut++)
		feed(&hosts[0], b.data, cut); /* truncated */
	bad = b.len - 1;
	assert_int_equal(st->bad_malformed, bad);
	b.data[b.len - 1] = 0xc1; /* never used in msgpack */
	feed(&hosts[0], b.data, b.len);
	b.data[b.len - 1] = 0xc0; /* nil for a version */
	feed(&hosts[0], b.data, b.len);
	b.data[b.len - 1] = 0x05;
	vf__gbuf_put(&b, "x", 1);
	feed(&hosts[0], b.data, b.len); /* trailing bytes */
	b.data[0] = 19;
	feed(&hosts[0], b.data, b.len - 1); /* not ours: ignored, not counted */
	vf__gbuf_free(&b);
	bad += 3;
	r.vmac.len = 5; /* a short MAC */
	assert_rc(vf__loc_msg_encode(&b, &m), 0);
	feed(&hosts[0], b.data, b.len);
	vf__gbuf_free(&b);
	r.vmac.len = 6;
	r.version = 0; /* no version */
	assert_rc(vf__loc_msg_encode(&b, &m), 0);
	feed(&hosts[0], b.data, b.len);
	vf__gbuf_free(&b);
	bad += 2;
	assert_int_equal(st->bad_malformed, bad);
	/* oversized: past VF__LOC_MSG_MAX, and too many records */
	big = calloc(1, VF__LOC_MSG_MAX + 1);
	big[0] = VF__LOC_UPDATE;
	feed(&hosts[0], big, VF__LOC_MSG_MAX + 1);
	free(big);
	r.version = 5;
	m.u.update.recs = calloc(VF__LOC_RECS_MAX + 1, sizeof(r));
	for (size_t i = 0; i <= VF__LOC_RECS_MAX; i++)
		m.u.update.recs[i] = r;
	m.u.update.n = VF__LOC_RECS_MAX + 1;
	assert_rc(vf__loc_msg_encode(&b, &m), 0);
	feed(&hosts[0], b.data, b.len);
	vf__gbuf_free(&b);
	free(m.u.update.recs);
	assert_int_equal(st->bad_oversized, 2);
	/* an update in push-pull state is refused too */
	m.u.update.recs = &r;
	m.u.update.n = 1;
	assert_rc(vf__loc_msg_encode(&b, &m), 0);
	vf__locsvc_remote_state(hosts[0].ls, b.data, b.len);
	vf__gbuf_free(&b);
	assert_int_equal(st->bad_malformed, bad + 1);
	/* nothing changed */
	assert_int_equal(st->recs_in, recs_in);
	assert_int_equal(vf_location_count(hosts[0].f), count);
	assert_int_equal(vf__locsvc_count(hosts[0].ls), nrecs);
	assert_int_equal(st->installs, (uint64_t)PORTS);
}

/* vf__loc_rec_size() bounds a record's encoding (updates are filled up
 * to a UDP budget with it). */
static void test_locsvc_rec_size(void **state)
{
	static const uint8_t mac[6] = {2, 0, 0, 0, 0, 9};
	char name[VF__LOC_NAME_MAX + 1];
	struct vf__loc_rec r = {{0},	  UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX,
				{mac, 6}, {mac, 6},   UINT64_MAX, true};
	struct vf__loc_msg m = {.type = VF__LOC_UPDATE};
	const size_t lens[] = {1, 31, 32, VF__LOC_NAME_MAX};

	(void)state;
	memset(name, 'x', sizeof(name));
	m.u.update.recs = &r;
	m.u.update.n = 1;
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct vf__gbuf b = {0};

		r.origin = (struct vf__gbytes){(const uint8_t *)name, (uint32_t)lens[i]};
		assert_rc(vf__loc_msg_encode(&b, &m), 0);
		/* [20] {R: [rec], U: []}: 8 bytes around the record */
		assert_true(b.len - 8 <= vf__loc_rec_size(&r));
		vf__gbuf_free(&b);
	}
}

/* A partial vector ([22] with P: 1) decodes as written; a whole one has
 * no P (its bytes as before); P other than 0 or 1 is malformed. */
static void test_locmsg_partial_state(void **state)
{
	struct vf__loc_vv e = {vf__gbytes_str("hv-07.example.net"), 41};
	struct vf__loc_msg m = {.type = VF__LOC_STATE}, d;
	struct vf__gbuf b = {0};

	(void)state;
	m.u.state.from = vf__gbytes_str("hv-01.example.net");
	m.u.state.vv = &e;
	m.u.state.n = 1;
	assert_rc(vf__loc_msg_encode(&b, &m), 0);
	assert_int_equal(b.data[1], 0x82); /* {F, V} */
	assert_rc(vf__loc_msg_decode(&d, b.data, b.len), 0);
	assert_false(d.u.state.partial);
	vf__loc_msg_free(&d);
	vf__gbuf_free(&b);

	m.u.state.partial = true;
	assert_rc(vf__loc_msg_encode(&b, &m), 0);
	assert_int_equal(b.data[1], 0x83); /* {F, P, V} */
	assert_rc(vf__loc_msg_decode(&d, b.data, b.len), 0);
	assert_true(d.u.state.partial);
	assert_int_equal(d.u.state.n, 1);
	assert_int_equal(d.u.state.vv[0].version, 41);
	assert_memory_equal(d.u.state.vv[0].origin.data, e.origin.data, e.origin.len);
	vf__loc_msg_free(&d);
	/* P: 2 */
	for (size_t i = 0; i + 2 < b.len; i++)
		if (b.data[i] == 0xa1 && b.data[i + 1] == 'P' && b.data[i + 2] == 1)
			b.data[i + 2] = 2;
	assert_rc(vf__loc_msg_decode(&d, b.data, b.len), -EPROTO);
	vf__gbuf_free(&b);
}

/* ---- the real path: vf_gossip_start() runs the service ---- */

static size_t count_locked(vf_fabric *f)
{
	size_t n;

	vf_fabric_lock(f);
	n = vf_location_count(f);
	vf_fabric_unlock(f);
	return n;
}

/* Two fabrics on loopback, each with its loop thread and 3 ports: once
 * joined, each learns the other's ports; a miss is answered by the
 * owner; a port destroyed goes on the other side too. */
static void test_locsvc_loopback(void **state)
{
	vf_fabric *f[2];
	vf_cell *cell[2];
	vf_subnet *sub[2];
	vf_port *ports[2][3];
	int base = 23000 + (int)(getpid() % 2000) * 2;
	char seed[32];
	const char *seeds[] = {seed};
	int i, k, waited;

	(void)state;
	for (i = 0; i < 2; i++) {
		char ip[16];
		VF_OPTS(vf_fabric_opts, fo,
			.host_mac = {{2, 0, 0, 0, 1, (uint8_t)(i + 1)}},
			.host_ip = 0xc0a80100u | (uint32_t)(i + 1));
		VF_OPTS(vf_cell_opts, co, .id = CELL);
		VF_OPTS(vf_subnet_opts, so, .id = 1, .prefix = {NET, 16});
		VF_OPTS(vf_gossip_opts, go, .bind_port = (uint16_t)(base + i),
			.probe_interval_ms = 200, .gossip_interval_ms = 50,
			.push_pull_ms = 1000);

		snprintf(ip, sizeof(ip), "127.0.0.%d", 81 + i);
		fo.host_name = i ? "lo-b" : "lo-a";
		go.bind_addr = ip;
		assert_rc(vf_fabric_create(&f[i], &fo), 0);
		assert_rc(vf_fabric_thread_start(f[i]), 0);
		vf_fabric_lock(f[i]);
		assert_rc(vf_cell_create(&cell[i], f[i], &co), 0);
		assert_rc(vf_subnet_create(&sub[i], cell[i], &so), 0);
		for (k = 0; k < 3; k++) {
			char name[16];
			VF_OPTS(vf_port_opts, po, .name = name, .vip = vip_of(i, k));

			snprintf(name, sizeof(name), "lp%d%d", i, k);
			assert_rc(vf_port_create(&ports[i][k], sub[i], &po), 0);
		}
		assert_rc(vf_gossip_start(f[i], &go), 0);
		vf_fabric_unlock(f[i]);
	}
	snprintf(seed, sizeof(seed), "127.0.0.81:%d", base);
	vf_fabric_lock(f[1]);
	assert_rc(vf_gossip_join(f[1], seeds, 1), 1);
	vf_fabric_unlock(f[1]);
	for (waited = 0; waited < 5000; waited += 20) {
		if (count_locked(f[0]) == 3 && count_locked(f[1]) == 3)
			break;
		usleep(20000);
	}
	print_message("loopback: both hosts know the other's 3 ports after %d ms\n",
		      waited);
	assert_int_equal(count_locked(f[0]), 3);
	assert_int_equal(count_locked(f[1]), 3);
	vf_fabric_lock(f[0]);
	{
		VF_OPTS(vf_location, l, .cell_id = 0);

		assert_rc(vf_location_get(f[0], CELL, vip_of(1, 2), &l), 0);
		assert_int_equal(l.host_mac.addr[5], 2);
		assert_int_equal(l.host_ip, 0xc0a80102u);
	}
	vf_fabric_unlock(f[0]);
	/* a miss: the table lost one (deleted by hand); the pipeline's
	 * request (queued, then asked by the loop) gets it back from its
	 * owner */
	vf_fabric_lock(f[0]);
	assert_rc(vf_location_del(f[0], CELL, vip_of(1, 1)), 0);
	vf_fabric_unlock(f[0]);
	assert_int_equal(count_locked(f[0]), 2);
	vf__gossip_loc_request(f[0], CELL, vip_of(1, 1));
	for (waited = 0; waited < 5000 && count_locked(f[0]) != 3; waited += 20)
		usleep(20000);
	print_message("loopback: a miss answered by its owner after %d ms\n", waited);
	assert_int_equal(count_locked(f[0]), 3);
	vf_fabric_lock(f[1]);
	vf_port_destroy(ports[1][0]);
	vf_fabric_unlock(f[1]);
	for (waited = 0; waited < 5000 && count_locked(f[0]) != 2; waited += 20)
		usleep(20000);
	assert_int_equal(count_locked(f[0]), 2);
	for (i = 0; i < 2; i++) {
		vf_fabric_lock(f[i]);
		assert_rc(vf_gossip_stop(f[i]), 0);
		for (k = i; k < 3; k++) /* ports[1][0] is gone */
			vf_port_destroy(ports[i][k]);
		vf_subnet_destroy(sub[i]);
		vf_cell_destroy(cell[i]);
		vf_fabric_unlock(f[i]);
		vf_fabric_destroy(f[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_locsvc_spread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locsvc_move, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locsvc_replay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locsvc_tombstones, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locsvc_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locsvc_scale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locsvc_fail_restore, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_locsvc_fail_restore_partial, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_locsvc_syncs_at_scale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locsvc_anti_entropy, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_locsvc_miss_query, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locsvc_bad_input, setup, teardown),
		cmocka_unit_test(test_locsvc_rec_size),
		cmocka_unit_test(test_locmsg_partial_state),
		cmocka_unit_test(test_locsvc_loopback),
	};

	(void)sim_add; /* hosts are added by host_add() */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
