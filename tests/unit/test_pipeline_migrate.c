/*
 * A VM moving away (vf_port_migrate): the frames that still reach the old
 * host go on to the new one for the grace period, as a router would send
 * them (hosts' MACs, TTL down by one), never back where they came from;
 * and the location events (vf_location_set_event_fn), delivered on the
 * control loop in the order of the changes.
 */
#include "unit.h"

#include "core/internal.h"

#define SEC(n) ((uint64_t)(n)*1000000000ull)
#define T0 SEC(1000)

#define FX(state) ((struct vt_fx *)*(state))

/* the new host of a, and a third one */
#define NEW_HOST MAC(0x02, 0xcc, 0, 0, 0, 0x03)
#define NEW_IP IP4(192, 0, 2, 3)
#define IP_E IP4(10, 1, 1, 9)
#define MAC_E MAC(0x02, 0x77, 0, 0, 0, 0x09)

static const char data[] = "0123456789abcdef";

static int setup(void **state)
{
	if (vt_setup_pipe(state))
		return -1;
	FX(state)->fabric->test_now_ns = T0;
	return 0;
}

static struct vt_ip ip_hdr(vf_mac dmac, vf_mac smac, uint32_t src, uint32_t dst, uint8_t ttl)
{
	struct vt_ip ip = {.dmac = dmac, .smac = smac, .src = src, .dst = dst, .ttl = ttl};

	return ip;
}

static vf_location_stats stats(vf_fabric *f)
{
	VF_OPTS(vf_location_stats, st, .sets = 0);

	assert_rc(vf_location_stats_get(f, &st), 0);
	return st;
}

/* Moves port a (10.1.1.5) to NEW_HOST with @grace_ms; the fixture forgets it. */
static void migrate_a(struct vt_fx *fx, bool tell_host, uint32_t grace_ms)
{
	VF_OPTS(vf_migrate_opts, mo, .grace_ms = grace_ms);

	if (tell_host) {
		mo.host_mac = NEW_HOST;
		mo.host_ip = NEW_IP;
	}
	assert_rc(vf_port_migrate(fx->port[0], &mo), 0);
	fx->port[0] = NULL;
}

static void test_pipeline_migrate_forward(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX], want[VT_FRAME_MAX];
	struct vt_ip in = ip_hdr(VT_HOST, VT_PEER, IP4(10, 1, 2, 9), VT_IP_A, 60);
	struct vt_ip out = ip_hdr(NEW_HOST, VT_HOST, IP4(10, 1, 2, 9), VT_IP_A, 59);
	VF_OPTS(vf_location, l, .cell_id = 0);
	size_t n, w;

	migrate_a(fx, true, 2000);
	assert_null(vf_cell_port_by_vip(fx->cell[0], VT_IP_A));
	/* the location is set at once, version 0 (gossip's replaces it) */
	assert_rc(vf_location_get(fx->fabric, 1, VT_IP_A, &l), 0);
	assert_memory_equal(&l.host_mac, &NEW_HOST, 6);
	assert_int_equal(l.host_ip, NEW_IP);
	assert_memory_equal(&l.vmac, &VT_MAC_A, 6);
	assert_int_equal(l.subnet_id, 1);
	assert_int_equal(l.version, 0);
	assert_int_equal(stats(fx->fabric).migrations, 1);

	/* from a host that has not heard: sent on, MACs the hosts', TTL - 1 */
	n = vt_udp(f, &in, 40000, 9, data, 16);
	w = vt_udp(want, &out, 40000, 9, data, 16);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 1);
	assert_capture(fx, 0, NULL, want, w);
	assert_int_equal(stats(fx->fabric).forwarded, 1);
	assert_int_equal(vt_drops_total(fx->fabric), 0);

	/* from the new host itself (its table is behind): not back */
	in.smac = NEW_HOST;
	n = vt_udp(f, &in, 40000, 9, data, 16);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 0);
	assert_drops(fx->fabric, NULL, VF_DROP_NOT_HERE, 1, 1);
	/* TTL out */
	in = ip_hdr(VT_HOST, VT_PEER, IP4(10, 1, 2, 9), VT_IP_A, 1);
	n = vt_udp(f, &in, 40000, 9, data, 16);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 0);
	assert_drops(fx->fabric, NULL, VF_DROP_TTL_EXCEEDED, 1, 2);
	assert_int_equal(stats(fx->fabric).forward_drops, 2);
	assert_int_equal(stats(fx->fabric).forwarded, 1);

	/* a local VM's frames go to the new host as to any remote VM */
	in = ip_hdr(VT_MAC_A, VT_MAC_B, VT_IP_B, VT_IP_A, 64);
	out = ip_hdr(NEW_HOST, VT_HOST, VT_IP_B, VT_IP_A, 64);
	n = vt_udp(f, &in, 40000, 9, data, 16);
	w = vt_udp(want, &out, 40000, 9, data, 16);
	assert_rc(vf_port_inject(fx->port[1], f, n), 1);
	assert_capture(fx, 1, NULL, want, w);

	/* after the grace: not this host's any more */
	fx->fabric->test_now_ns = T0 + SEC(2) + 1;
	in = ip_hdr(VT_HOST, VT_PEER, IP4(10, 1, 2, 9), VT_IP_A, 60);
	n = vt_udp(f, &in, 40000, 9, data, 16);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 0);
	assert_drops(fx->fabric, NULL, VF_DROP_NOT_HERE, 2, 3);
	assert_int_equal(stats(fx->fabric).forwarded, 1);
	assert_int_equal(stats(fx->fabric).forward_drops, 2);
}

static void test_pipeline_migrate_learn(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX], want[VT_FRAME_MAX];
	struct vt_ip in = ip_hdr(VT_HOST, VT_PEER, IP4(10, 1, 2, 9), VT_IP_A, 64);
	struct vt_ip out = ip_hdr(NEW_HOST, VT_HOST, IP4(10, 1, 2, 9), VT_IP_A, 63);
	VF_OPTS(vf_location, l, .cell_id = 1, .vip = VT_IP_A, .vmac = VT_MAC_A,
		.subnet_id = 1, .host_mac = NEW_HOST, .version = 7);
	size_t n, w;

	migrate_a(fx, false, 0);
	assert_rc(vf_location_get(fx->fabric, 1, VT_IP_A, &l), -ENOENT);
	/* where to is not known yet: dropped, counted */
	n = vt_udp(f, &in, 40000, 9, data, 16);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 0);
	assert_drops(fx->fabric, NULL, VF_DROP_NO_LOCATION, 1, 1);
	assert_int_equal(stats(fx->fabric).forward_drops, 1);
	/* the location service tells (as gossip would): sent on */
	l.sz = sizeof(l);
	assert_rc(vf_location_set(fx->fabric, &l), 0);
	w = vt_udp(want, &out, 40000, 9, data, 16);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 1);
	assert_capture(fx, 0, NULL, want, w);
	/* the default grace is VF_MIGRATE_GRACE_MS_DEFAULT */
	fx->fabric->test_now_ns = T0 + VF_MIGRATE_GRACE_MS_DEFAULT * 1000000ull - 1;
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 1);
	fx->fabric->test_now_ns = T0 + VF_MIGRATE_GRACE_MS_DEFAULT * 1000000ull;
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 0);
	assert_int_equal(stats(fx->fabric).forwarded, 2);
	/* a port that comes back here within the grace wins over the moved
	 * entry */
	assert_rc(vf_location_del(fx->fabric, 1, VT_IP_A), 0);
	fx->fabric->test_now_ns = T0;
	fx->port[0] = VT_PORT(fx->subnet[0], "a2", VT_IP_A);
	out = ip_hdr(VT_MAC_A, VT_PEER, IP4(10, 1, 2, 9), VT_IP_A, 64);
	vt_capture_clear(&fx->cap);
	in.smac = VT_PEER;
	n = vt_udp(f, &in, 40000, 9, data, 16);
	assert_rc(vf_fabric_inject_underlay(fx->fabric, f, n), 1);
	assert_int_equal(fx->cap.n, 1);
	assert_ptr_equal(fx->cap.f[0].port, fx->port[0]);
	assert_int_equal(stats(fx->fabric).forwarded, 2);
}

static void test_pipeline_migrate_bad(void **state)
{
	struct vt_fx *fx = FX(state);
	VF_OPTS(vf_migrate_opts, mo, .host_mac = VT_HOST);

	assert_rc(vf_port_migrate(NULL, NULL), -EINVAL);
	/* this host's MAC, a multicast MAC, an IP without MAC, a grace too
	 * long, reserved bits: refused, the port left as it was */
	assert_rc(vf_port_migrate(fx->port[0], &mo), -EINVAL);
	assert_error_has("this host's");
	mo.host_mac = MAC(0x01, 0, 0x5e, 0, 0, 1);
	assert_rc(vf_port_migrate(fx->port[0], &mo), -EINVAL);
	mo.host_mac = MAC(0, 0, 0, 0, 0, 0);
	mo.host_ip = NEW_IP;
	assert_rc(vf_port_migrate(fx->port[0], &mo), -EINVAL);
	mo.host_ip = 0;
	mo.grace_ms = VF_MIGRATE_GRACE_MS_MAX + 1;
	assert_rc(vf_port_migrate(fx->port[0], &mo), -EINVAL);
	assert_error_has("maximum");
	mo.grace_ms = 0;
	mo.reserved_ = 1;
	assert_rc(vf_port_migrate(fx->port[0], &mo), -EINVAL);
	assert_ptr_equal(vf_cell_port_by_vip(fx->cell[0], VT_IP_A), fx->port[0]);
	assert_int_equal(vf_location_count(fx->fabric), 0);
	assert_int_equal(stats(fx->fabric).migrations, 0);
	/* a removed port */
	vf_port_destroy(fx->port[3]);
	fx->port[3] = NULL;
	assert_int_equal(vf_location_stats_get(NULL, NULL), -EINVAL);
}

/* ---- location events ---- */

struct seen {
	int n;
	vf_location_event ev[16];
	vf_location loc[16];
	bool del_in_cb; /* delete what is set, from the callback */
};

static void on_loc(vf_fabric *f, vf_location_event ev, const vf_location *l, void *ud)
{
	struct seen *s = ud;

	if (s->n < 16) {
		s->ev[s->n] = ev;
		s->loc[s->n] = *l;
	}
	s->n++;
	if (s->del_in_cb && ev == VF_LOCATION_EV_SET)
		assert_rc(vf_location_del(f, l->cell_id, l->vip), 0);
}

static void test_pipeline_migrate_events(void **state)
{
	struct vt_fx *fx = FX(state);
	struct seen s = {0};
	VF_OPTS(vf_location, l, .cell_id = 1, .vip = IP_E, .vmac = MAC_E, .subnet_id = 1,
		.host_mac = VT_PEER, .version = 3);

	/* nothing is told without a callback */
	assert_rc(vf_location_set(fx->fabric, &l), 0);
	assert_rc(vf_location_del(fx->fabric, 1, IP_E), 0);
	assert_rc(vf_location_set_event_fn(fx->fabric, on_loc, &s), 0);
	while (vf_fabric_process(fx->fabric) > 0)
		;
	assert_int_equal(s.n, 0);

	/* told on the loop, not from inside the call */
	assert_rc(vf_location_set(fx->fabric, &l), 0);
	assert_int_equal(s.n, 0);
	/* the same again changes nothing: no event */
	assert_rc(vf_location_set(fx->fabric, &l), 0);
	l.version = 4;
	assert_rc(vf_location_set(fx->fabric, &l), 0);
	assert_rc(vf_location_del(fx->fabric, 1, IP_E), 0);
	assert_rc_ge(vf_fabric_process(fx->fabric), 1);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.ev[0], VF_LOCATION_EV_SET);
	assert_int_equal(s.loc[0].version, 3);
	assert_memory_equal(&s.loc[0].host_mac, &VT_PEER, 6);
	assert_int_equal(s.ev[1], VF_LOCATION_EV_SET);
	assert_int_equal(s.loc[1].version, 4);
	assert_int_equal(s.ev[2], VF_LOCATION_EV_DELETED);
	assert_int_equal(s.loc[2].vip, IP_E);
	assert_int_equal(s.loc[2].version, 4);

	/* a migration with its new host is a change too */
	migrate_a(fx, true, 0);
	assert_rc_ge(vf_fabric_process(fx->fabric), 1);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.ev[3], VF_LOCATION_EV_SET);
	assert_int_equal(s.loc[3].vip, VT_IP_A);
	assert_memory_equal(&s.loc[3].host_mac, &NEW_HOST, 6);

	/* a callback that changes locations: its change comes next round */
	s.del_in_cb = true;
	l.version = 5;
	assert_rc(vf_location_set(fx->fabric, &l), 0);
	while (vf_fabric_process(fx->fabric) > 0)
		;
	assert_int_equal(s.n, 6);
	assert_int_equal(s.ev[4], VF_LOCATION_EV_SET);
	assert_int_equal(s.ev[5], VF_LOCATION_EV_DELETED);
	assert_int_equal(stats(fx->fabric).events, 6);
	assert_int_equal(stats(fx->fabric).events_dropped, 0);
	assert_int_equal(stats(fx->fabric).sets, 5);
	assert_int_equal(stats(fx->fabric).deletes, 3);

	/* cleared: queued changes are forgotten */
	assert_rc(vf_location_set(fx->fabric, &l), 0);
	assert_rc(vf_location_set_event_fn(fx->fabric, NULL, NULL), 0);
	while (vf_fabric_process(fx->fabric) > 0)
		;
	assert_int_equal(s.n, 6);
	assert_rc(vf_location_set_event_fn(NULL, on_loc, NULL), -EINVAL);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, vt_teardown)
	const struct CMUnitTest tests[] = {
		T(test_pipeline_migrate_forward),
		T(test_pipeline_migrate_learn),
		T(test_pipeline_migrate_bad),
		T(test_pipeline_migrate_events),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
