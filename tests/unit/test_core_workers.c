/*
 * Workers without a shared lock (runtime.h, qsbr.h), under stress: two
 * library worker threads run frames from a datapath of the test's own
 * (each endpoint an eventfd that stays readable, its rx making UDP frames
 * from its port) while the control thread changes the model in a loop:
 * security groups and their rules, QoS, locations, ports created, bound,
 * unbound and destroyed, and runs the control loop that publishes the
 * changes. Then the counts must add up exactly: every frame made is sent
 * (to an endpoint, or to the output callback) or dropped and counted.
 *
 * Meant for ThreadSanitizer (tests/run.sh step d2 runs it there) and for
 * valgrind and ASan like every unit test. Public API only.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"

#define REMOTE_VIP IP4(10, 9, 1, 200)
#define FRAME_LEN 60
#define ROUNDS 40 /* rounds of model changes, at the least */

static atomic_ulong made, sent, to_callback;
static atomic_int running;

struct gen {
	int fd;
	bool traffic; /* a stable port's endpoint makes frames */
	vf_mac mac;
	uint32_t vip, dst_vip;
	vf_mac dst_mac;
	uint16_t sport;
	uint8_t buf[32][FRAME_LEN];
};

static const vf_mac mac_a = {{0x02, 0, 0, 0, 1, 1}}, mac_b = {{0x02, 0, 0, 0, 1, 2}};

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8),
	p[3] = (uint8_t)v;
}

/* An Ethernet + IPv4 + UDP frame from @g to @dst_vip (every other one to
 * the remote VIP). */
static void make_frame(struct gen *g, uint8_t *f, bool remote)
{
	uint8_t *ip = f + 14, *udp = ip + 20;

	memset(f, 0, FRAME_LEN);
	memcpy(f, remote ? &(vf_mac){{0x02, 9, 9, 9, 9, 9}} : &g->dst_mac, 6);
	memcpy(f + 6, &g->mac, 6);
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[2] = 0, ip[3] = FRAME_LEN - 14;
	ip[8] = 64;
	ip[9] = 17;
	put32(ip + 12, g->vip);
	put32(ip + 16, remote ? REMOTE_VIP : g->dst_vip);
	ip[10] = 0, ip[11] = 0;
	{
		uint16_t c = csum(ip, 20);

		ip[10] = (uint8_t)(c >> 8), ip[11] = (uint8_t)c;
	}
	g->sport = (uint16_t)(g->sport % 64 + 1);
	udp[0] = (uint8_t)((10000 + g->sport) >> 8), udp[1] = (uint8_t)(10000 + g->sport);
	udp[2] = 0x1f, udp[3] = 0x90; /* 8080 */
	udp[5] = FRAME_LEN - 34;
}

static int gen_open(void **state, const vf_endpoint_info *info, void *ud)
{
	struct gen *g = calloc(1, sizeof(*g));
	bool a = info->port && !strcmp(info->port, "a");

	(void)ud;
	if (!g)
		return -ENOMEM;
	if ((g->fd = eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		free(g);
		return -errno;
	}
	g->traffic = info->port && (a || !strcmp(info->port, "b"));
	g->mac = info->mac;
	g->vip = a ? IP4(10, 9, 1, 2) : IP4(10, 9, 1, 3);
	g->dst_vip = a ? IP4(10, 9, 1, 3) : IP4(10, 9, 1, 2);
	g->dst_mac = a ? mac_b : mac_a;
	*state = g;
	return 0;
}

static void gen_close(void *state)
{
	struct gen *g = state;

	close(g->fd);
	free(g);
}

static int gen_fd(void *state)
{
	return ((struct gen *)state)->fd;
}

static int gen_rx(void *state, vf_frame *frames, int max)
{
	struct gen *g = state;
	int n = max < 32 ? max : 32;

	if (!g->traffic || !atomic_load(&running))
		return 0;
	for (int i = 0; i < n; i++) {
		make_frame(g, g->buf[i], i % 4 == 3);
		frames[i] = (vf_frame){.data = g->buf[i], .len = FRAME_LEN};
	}
	atomic_fetch_add(&made, (unsigned long)n);
	return n;
}

static int gen_tx(void *state, const vf_frame *frames, int n)
{
	(void)state;
	(void)frames;
	atomic_fetch_add(&sent, (unsigned long)n);
	return n;
}

static void on_output(void *ud, vf_port *to, const uint8_t *frame, size_t len)
{
	(void)ud;
	(void)to;
	(void)frame;
	(void)len;
	atomic_fetch_add(&to_callback, 1);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void workers_stress(void **state)
{
	VF_OPTS(vf_fabric_opts, fo, .host_name = "hv1",
		.host_mac = {{0x02, 0xaa, 0, 0, 0, 1}});
	VF_OPTS(vf_subnet_opts, so, .name = "s", .prefix = {IP4(10, 9, 1, 0), 24});
	VF_OPTS(vf_port_opts, ao, .name = "a", .vip = IP4(10, 9, 1, 2), .vmac = mac_a);
	VF_OPTS(vf_port_opts, bo, .name = "b", .vip = IP4(10, 9, 1, 3), .vmac = mac_b);
	VF_OPTS(vf_bind_opts, bind, .datapath = "gen", .ifname = "gen");
	VF_OPTS(vf_location, loc, .vip = REMOTE_VIP, .vmac = {{0x02, 9, 9, 9, 9, 9}},
		.host_mac = {{0x02, 0xbb, 0, 0, 0, 2}});
	VF_OPTS(vf_rule, allow, .direction = VF_DIR_INGRESS, .protocol = VF_PROTO_UDP);
	vf_datapath_ops ops = {.sz = sizeof(ops),
			       .name = "gen",
			       .open = gen_open,
			       .close = gen_close,
			       .fd = gen_fd,
			       .rx = gen_rx,
			       .tx = gen_tx};
	vf_fabric *f;
	vf_cell *c;
	vf_subnet *s;
	vf_port *a, *b, *churn[4] = {0};
	vf_secgroup *sg;
	vf_port_stats sa = {.sz = sizeof(sa)}, sb = {.sz = sizeof(sb)};
	unsigned long drops = 0, rounds = 0;
	uint64_t start;

	(void)state;
	atomic_store(&running, 1);
	assert_int_equal(vf_fabric_create(&f, &fo), 0);
	assert_int_equal(vf_datapath_register(f, &ops, NULL), 0);
	assert_int_equal(vf_cell_create(&c, f, NULL), 0);
	assert_int_equal(vf_subnet_create(&s, c, &so), 0);
	assert_int_equal(vf_port_create(&a, s, &ao), 0);
	assert_int_equal(vf_port_create(&b, s, &bo), 0);
	assert_int_equal(vf_secgroup_create(&sg, c, NULL), 0);
	assert_int_equal(vf_fabric_set_output(f, on_output, NULL), 0);
	loc.cell_id = vf_cell_id(c);
	loc.subnet_id = vf_subnet_id(s);
	bind.ifname = "gen-a";
	assert_int_equal(vf_port_bind(a, &bind), 0);
	bind.ifname = "gen-b";
	assert_int_equal(vf_port_bind(b, &bind), 0);
	assert_int_equal(vf_fabric_workers_start(f, 2, NULL), 0);

	/* at least 1.5 s and ROUNDS rounds of changes while traffic flows (a
	 * slow run, under valgrind, takes longer), at most 60 s */
	start = now_ms();
	while ((rounds < ROUNDS || now_ms() < start + 1500) && now_ms() < start + 60000) {
		unsigned int i = (unsigned int)(rounds % 4);
		char name[16];

		/* security groups: B admits UDP, or nothing, or has none */
		switch (rounds % 3) {
		case 0: assert_int_equal(vf_port_add_secgroup(b, sg), 0); break;
		case 1: assert_true(vf_secgroup_add_rule(sg, &allow) >= 0); break;
		case 2:
			assert_int_equal(vf_port_del_secgroup(b, sg), 0);
			vf_secgroup_destroy(sg);
			assert_int_equal(vf_secgroup_create(&sg, c, NULL), 0);
			break;
		}
		/* QoS on A: a tight limit, then none */
		assert_int_equal(vf_port_set_qos(a, VF_DIR_EGRESS,
						 rounds % 2 ? 0 : 8000000, 0),
				 0);
		/* the remote VM: known, then not */
		if (rounds % 2)
			assert_int_equal(vf_location_del(f, loc.cell_id, REMOTE_VIP), 0);
		else
			assert_int_equal(vf_location_set(f, &loc), 0);
		/* a port that comes and goes, bound to its own endpoint */
		if (churn[i]) {
			vf_port_destroy(churn[i]);
			churn[i] = NULL;
		} else {
			VF_OPTS(vf_port_opts, co, .name = name);
			VF_OPTS(vf_bind_opts, cb, .datapath = "gen", .ifname = name);

			snprintf(name, sizeof(name), "c%lu", rounds);
			assert_int_equal(vf_port_create(&churn[i], s, &co), 0);
			assert_int_equal(vf_port_bind(churn[i], &cb), 0);
			if (rounds % 8 == 4)
				assert_int_equal(vf_port_unbind(churn[i]), 0);
		}
		vf_fabric_process(f); /* publishes to the workers */
		rounds++;
		usleep(200);
	}
	atomic_store(&running, 0);
	assert_int_equal(vf_fabric_workers_stop(f), 0);

	assert_int_equal(vf_port_stats_get(a, &sa), 0);
	assert_int_equal(vf_port_stats_get(b, &sb), 0);
	for (int r = 0; r <= VF_DROP_NO_OUTPUT; r++)
		drops += vf_fabric_drops(f, (vf_drop_reason)r);
	drops += sa.drops + sb.drops;
	print_message("%lu rounds of changes; %lu frames made, %lu sent to endpoints, "
		      "%lu to the callback, %lu dropped\n",
		      rounds, atomic_load(&made), atomic_load(&sent),
		      atomic_load(&to_callback), drops);
	assert_true(rounds >= ROUNDS);
	assert_true(atomic_load(&made) > 0);
	assert_true(atomic_load(&sent) > 0);
	assert_int_equal(atomic_load(&made),
			 atomic_load(&sent) + atomic_load(&to_callback) + drops);
	assert_int_equal(sa.rx_packets + sb.rx_packets +
				 vf_fabric_drops(f, VF_DROP_PORT_DOWN),
			 atomic_load(&made));
	for (unsigned int i = 0; i < 4; i++)
		vf_port_destroy(churn[i]);
	vf_port_destroy(a);
	vf_port_destroy(b);
	vf_secgroup_destroy(sg);
	vf_subnet_destroy(s);
	vf_cell_destroy(c);
	vf_fabric_destroy(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(workers_stress),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
