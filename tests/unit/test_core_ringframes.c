/*
 * Frames a datapath lends in place (VF_FRAME_F_WRITABLE, as afpacket's
 * receive ring does) are sent from where they are, not copied into the
 * worker's staging buffer: the worker must send them before it gives them
 * back (rx_release). The test's datapath "ring" lends frames from a buffer
 * that its rx_release fills with 0xee, and its tx keeps a copy of each
 * frame sent. A worker the test polls runs: a batch of unicast frames
 * (each must arrive intact, none poisoned), and a broadcast that goes to
 * two local ports and, one copy each with its own MACs, to two other
 * hosts (the copies must differ: each was staged by value, not by
 * address). Public API only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "unit.h"

#define FRAME_LEN 64
#define BATCH 24
#define LOG_MAX 64
#define POISON 0xee

struct ring {
	int fd;
	char name[16];
	/* lent: what rx hands out (the test fills it), until rx_release */
	uint8_t lent[BATCH][FRAME_LEN];
	int nlend;
	bool lending;
	/* sent: a copy of every frame tx took */
	uint8_t log[LOG_MAX][FRAME_LEN];
	int nlog;
};

static struct ring *rings[8];
static int nrings;

static struct ring *ring_named(const char *name)
{
	for (int i = 0; i < nrings; i++)
		if (!strcmp(rings[i]->name, name))
			return rings[i];
	fail_msg("no endpoint %s", name);
	return NULL;
}

static int ring_open(void **state, const vf_endpoint_info *info, void *ud)
{
	struct ring *r = calloc(1, sizeof(*r));

	(void)ud;
	if (!r || nrings == 8) {
		free(r);
		return -ENOMEM;
	}
	if ((r->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		free(r);
		return -errno;
	}
	snprintf(r->name, sizeof(r->name), "%s", info->name);
	rings[nrings++] = r;
	*state = r;
	return 0;
}

static void ring_close(void *state)
{
	struct ring *r = state;

	close(r->fd);
	for (int i = 0; i < nrings; i++)
		if (rings[i] == r)
			rings[i] = rings[--nrings];
	free(r);
}

static int ring_fd(void *state)
{
	return ((struct ring *)state)->fd;
}

static int ring_rx(void *state, vf_frame *frames, int max)
{
	struct ring *r = state;
	uint64_t v;
	int n = r->nlend < max ? r->nlend : max;

	if (read(r->fd, &v, sizeof(v)) < 0 || r->lending)
		return 0;
	for (int i = 0; i < n; i++)
		frames[i] = (vf_frame){.data = r->lent[i], .len = FRAME_LEN,
				       .flags = VF_FRAME_F_WRITABLE};
	r->lending = true;
	r->nlend = 0;
	return n;
}

static void ring_release(void *state)
{
	struct ring *r = state;

	/* what a ring does with a block it got back: fills it again */
	memset(r->lent, POISON, sizeof(r->lent));
	r->lending = false;
}

static int ring_tx(void *state, const vf_frame *frames, int n)
{
	struct ring *r = state;

	for (int i = 0; i < n && r->nlog < LOG_MAX; i++)
		memcpy(r->log[r->nlog++], frames[i].data, FRAME_LEN);
	return n;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8),
	p[3] = (uint8_t)v;
}

/* UDP from @smac/@sip to @dmac/@dip; payload byte @seq repeated. */
static void udp(uint8_t *f, vf_mac smac, uint32_t sip, vf_mac dmac, uint32_t dip,
		uint8_t seq)
{
	uint8_t *ip = f + 14, *u = ip + 20;
	uint32_t s = 0;

	memset(f, 0, FRAME_LEN);
	memcpy(f, &dmac, 6);
	memcpy(f + 6, &smac, 6);
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[3] = FRAME_LEN - 14;
	ip[8] = 64;
	ip[9] = 17;
	put32(ip + 12, sip);
	put32(ip + 16, dip);
	for (int i = 0; i < 20; i += 2)
		s += (uint32_t)ip[i] << 8 | ip[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	ip[10] = (uint8_t)(~s >> 8), ip[11] = (uint8_t)~s;
	u[0] = 0x30, u[1] = 0x39, u[2] = 0x30, u[3] = 0x3a;
	u[5] = FRAME_LEN - 34;
	memset(u + 8, seq, FRAME_LEN - 42);
}

static void kick(struct ring *r)
{
	uint64_t one = 1;

	assert_int_equal(write(r->fd, &one, sizeof(one)), (ssize_t)sizeof(one));
}

static const vf_mac mac_a = {{2, 0, 0, 0, 1, 1}}, mac_b = {{2, 0, 0, 0, 1, 2}},
		    mac_c = {{2, 0, 0, 0, 1, 3}}, host1 = {{2, 0xaa, 0, 0, 0, 1}},
		    host2 = {{2, 0xaa, 0, 0, 0, 2}}, host3 = {{2, 0xaa, 0, 0, 0, 3}},
		    bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

static void test_ring_frames_sent_before_release(void **state)
{
	VF_OPTS(vf_fabric_opts, fo, .host_name = "hv1", .host_mac = host1,
		.host_ip = IP4(192, 0, 2, 1));
	VF_OPTS(vf_subnet_opts, so, .name = "s", .prefix = {IP4(10, 9, 1, 0), 24});
	VF_OPTS(vf_port_opts, ao, .name = "a", .vip = IP4(10, 9, 1, 2), .vmac = mac_a);
	VF_OPTS(vf_port_opts, bo, .name = "b", .vip = IP4(10, 9, 1, 3), .vmac = mac_b);
	VF_OPTS(vf_port_opts, co, .name = "c", .vip = IP4(10, 9, 1, 4), .vmac = mac_c);
	VF_OPTS(vf_bind_opts, bind, .datapath = "ring");
	VF_OPTS(vf_location, l2, .vip = IP4(10, 9, 1, 20), .vmac = {{2, 0, 0, 0, 2, 1}},
		.host_mac = host2, .host_ip = IP4(192, 0, 2, 2));
	VF_OPTS(vf_location, l3, .vip = IP4(10, 9, 1, 30), .vmac = {{2, 0, 0, 0, 3, 1}},
		.host_mac = host3, .host_ip = IP4(192, 0, 2, 3));
	vf_datapath_ops ops = {.sz = sizeof(ops),
			       .name = "ring",
			       .open = ring_open,
			       .close = ring_close,
			       .fd = ring_fd,
			       .rx = ring_rx,
			       .rx_release = ring_release,
			       .tx = ring_tx};
	vf_fabric *f;
	vf_cell *c;
	vf_subnet *s;
	vf_port *a, *b, *cp;
	vf_worker *w;
	struct ring *ra, *rb, *rc, *ru;

	(void)state;
	assert_rc(vf_fabric_create(&f, &fo), 0);
	assert_rc(vf_datapath_register(f, &ops, NULL), 0);
	assert_rc(vf_cell_create(&c, f, NULL), 0);
	assert_rc(vf_subnet_create(&s, c, &so), 0);
	assert_rc(vf_port_create(&a, s, &ao), 0);
	assert_rc(vf_port_create(&b, s, &bo), 0);
	assert_rc(vf_port_create(&cp, s, &co), 0);
	bind.ifname = "ring-a";
	assert_rc(vf_port_bind(a, &bind), 0);
	bind.ifname = "ring-b";
	assert_rc(vf_port_bind(b, &bind), 0);
	bind.ifname = "ring-c";
	assert_rc(vf_port_bind(cp, &bind), 0);
	bind.ifname = "ring-u";
	assert_rc(vf_fabric_bind_underlay(f, &bind), 0);
	l2.cell_id = l3.cell_id = vf_cell_id(c);
	l2.subnet_id = l3.subnet_id = vf_subnet_id(s);
	assert_rc(vf_location_set(f, &l2), 0);
	assert_rc(vf_location_set(f, &l3), 0);
	assert_rc(vf_worker_create(&w, f, NULL), 0);
	vf_fabric_run(f, 0); /* publishes the tables and locations */
	ra = ring_named("ring-a");
	rb = ring_named("ring-b");
	rc = ring_named("ring-c");
	ru = ring_named("ring-u");

	/* a batch of unicast frames a -> b, each with its own payload */
	for (int i = 0; i < BATCH; i++)
		udp(ra->lent[i], mac_a, ao.vip, mac_b, bo.vip, (uint8_t)(i + 1));
	ra->nlend = BATCH;
	kick(ra);
	assert_int_equal(vf_worker_poll(w, 1000), BATCH);
	assert_int_equal(rb->nlog, BATCH);
	for (int i = 0; i < BATCH; i++) {
		uint8_t want[FRAME_LEN];

		udp(want, mac_a, ao.vip, mac_b, bo.vip, (uint8_t)(i + 1));
		assert_memory_equal(rb->log[i], want, FRAME_LEN);
	}
	assert_int_equal(ra->lent[0][0], POISON); /* released after */

	/* one broadcast: b and c get it as sent, each other host its copy */
	udp(ra->lent[0], mac_a, ao.vip, bcast, IP4(10, 9, 1, 255), 0x5a);
	ra->nlend = 1;
	kick(ra);
	assert_int_equal(vf_worker_poll(w, 1000), 1);
	assert_int_equal(rb->nlog, BATCH + 1);
	assert_int_equal(rc->nlog, 1);
	assert_memory_equal(rb->log[BATCH], rc->log[0], FRAME_LEN);
	assert_memory_equal(rb->log[BATCH], &bcast, 6);
	assert_int_equal(rb->log[BATCH][FRAME_LEN - 1], 0x5a);
	assert_int_equal(ru->nlog, 2);
	{
		vf_mac d0, d1;

		memcpy(&d0, ru->log[0], 6);
		memcpy(&d1, ru->log[1], 6);
		/* the hosts in either order, each once, from this host */
		assert_true((!memcmp(&d0, &host2, 6) && !memcmp(&d1, &host3, 6)) ||
			    (!memcmp(&d0, &host3, 6) && !memcmp(&d1, &host2, 6)));
		assert_memory_equal(ru->log[0] + 6, &host1, 6);
		assert_memory_equal(ru->log[1] + 6, &host1, 6);
		assert_int_equal(ru->log[0][FRAME_LEN - 1], 0x5a);
		assert_int_equal(ru->log[1][FRAME_LEN - 1], 0x5a);
	}

	vf_worker_destroy(w);
	vf_port_destroy(a);
	vf_port_destroy(b);
	vf_port_destroy(cp);
	vf_subnet_destroy(s);
	vf_cell_destroy(c);
	vf_fabric_destroy(f);
	assert_int_equal(nrings, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_frames_sent_before_release),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
