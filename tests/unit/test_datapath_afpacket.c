/*
 * lib/datapath/afpacket.c: the AF_PACKET socket with its TPACKET_V3 rings,
 * on a veth pair (vfa0, vfb0) in the test's own network namespace.
 *
 * Needs root (CAP_NET_ADMIN to make the namespace and the veth pair,
 * CAP_NET_RAW for the sockets) and ip(8); without them every test is
 * skipped. Frames carry the local experimental EtherType 0x88b5 and a
 * per-test magic number, so anything else the kernel sends on the link is
 * ignored; IPv6 is off in the namespace so that the link stays quiet.
 */
#include "unit.h"

#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "datapath/afpacket.h"

#define DEV_A "vfa0"
#define DEV_B "vfb0"
#define ETYPE 0x88b5
#define MAX_GOT 512

static bool env_ok;
static const char *env_why = "not set up";
static uint32_t magic = 0x5646a000;

struct got {
	int n;
	uint32_t seq[MAX_GOT];
	uint32_t len[MAX_GOT];
	uint8_t data[MAX_GOT][1514];
};

/* ---- frames ---- */

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A frame of @len bytes (>= 60) from A to B, carrying @m and @seq. */
static uint32_t make_frame(uint8_t *out, uint32_t len, uint32_t m, uint32_t seq)
{
	static const uint8_t hdr[14] = {0x02, 0, 0, 0, 0,    0x0b, 0x02,
					0,    0, 0, 0, 0x0a, 0x88, 0xb5};
	uint32_t i;

	memcpy(out, hdr, sizeof(hdr));
	put32(out + 14, m);
	put32(out + 18, seq);
	for (i = 22; i < len; i++)
		out[i] = (uint8_t)(i * 7 + seq);
	return len;
}

static bool ours(const struct vf__afp_frame *f, uint32_t m)
{
	return f->len >= 22 && f->data[12] == (ETYPE >> 8) &&
	       f->data[13] == (ETYPE & 0xff) && get32(f->data + 14) == m;
}

/* Sends @count frames of @len bytes (0: varied sizes 60..1514) numbered
 * from @seq0. */
static void send_frames(struct vf__afp *a, int count, uint32_t len, uint32_t seq0)
{
	static uint8_t buf[64][1514];
	struct vf__afp_frame f[64];
	int i, done = 0, k, rc;

	while (done < count) {
		k = count - done < 64 ? count - done : 64;
		for (i = 0; i < k; i++) {
			uint32_t n = (uint32_t)(done + i);
			uint32_t l = len ? len : 60 + n * 1454 / 63 % 1455;

			f[i].data = buf[i];
			f[i].len = make_frame(buf[i], l, magic, seq0 + n);
		}
		rc = vf__afp_tx(a, f, k);
		assert_int_equal(rc, k);
		done += k;
	}
}

/*
 * Receives frames of this test into @g until it holds @want or @ms pass,
 * releasing the ring after each batch unless @hold.
 */
static void recv_frames(struct vf__afp *a, struct got *g, int want, int ms, bool hold)
{
	struct vf__afp_frame f[64];
	struct pollfd p = {.fd = vf__afp_fd(a), .events = POLLIN};
	int i, n, waited = 0;

	while (g->n < want && waited < ms) {
		n = vf__afp_rx(a, f, 64);
		assert_true(n >= 0);
		for (i = 0; i < n; i++) {
			if (!ours(&f[i], magic) || g->n >= MAX_GOT)
				continue;
			g->seq[g->n] = get32(f[i].data + 18);
			g->len[g->n] = f[i].len;
			memcpy(g->data[g->n], f[i].data,
			       f[i].len < 1514 ? f[i].len : 1514);
			g->n++;
		}
		if (!hold)
			vf__afp_rx_release(a);
		if (!n) {
			poll(&p, 1, 10);
			waited += 10;
		}
	}
}

/* Fails unless @g holds frames @seq0.. in order, each as sent. */
static void check_frames(const struct got *g, int count, uint32_t len, uint32_t seq0)
{
	static uint8_t want[1514];
	uint32_t l;
	int i;

	assert_int_equal(g->n, count);
	for (i = 0; i < count; i++) {
		assert_int_equal(g->seq[i], seq0 + (uint32_t)i);
		l = len ? len : 60 + (uint32_t)i * 1454 / 63 % 1455;
		make_frame(want, l, magic, seq0 + (uint32_t)i);
		assert_frame_equal(g->data[i], g->len[i], want, l);
	}
}

/* ---- fixture ---- */

struct fx {
	struct vf__afp *a, *b, *c;
	struct got g;
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	magic++; /* frames of an earlier test are not this test's */
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	vf__afp_close(fx->a);
	vf__afp_close(fx->b);
	vf__afp_close(fx->c);
	free(fx);
	return 0;
}

#define NEED_ENV()                                               \
	do {                                                     \
		if (!env_ok) {                                   \
			print_message("skipped: %s\n", env_why); \
			skip();                                  \
		}                                                \
	} while (0)

static const struct vf__afp_opts small = {
	.block_size = 65536,
	.block_count = 4,
	.tx_frames = 128,
};

static int ip(const char *cmd)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "ip %s >/dev/null 2>&1", cmd);
	return system(buf);
}

/* ---- tests ---- */

static void test_datapath_afpacket_batch_arrives_in_order(void **state)
{
	struct fx *fx = *state;
	struct vf__afp_opts ao = small;
	struct vf__afp_stats st;
	struct got *mine;

	NEED_ENV();
	ao.qdisc_bypass = true;
	assert_rc(vf__afp_open(&fx->a, DEV_A, &ao), 0);
	assert_rc(vf__afp_open(&fx->b, DEV_B, &small), 0);
	send_frames(fx->a, 64, 0, 0);
	recv_frames(fx->b, &fx->g, 64, 2000, false);
	/* wait a little longer: nothing more (no duplicates) */
	recv_frames(fx->b, &fx->g, 65, 100, false);
	check_frames(&fx->g, 64, 0, 0);

	/* the sender does not see its own frames */
	mine = calloc(1, sizeof(*mine));
	assert_non_null(mine);
	recv_frames(fx->a, mine, 1, 100, false);
	assert_int_equal(mine->n, 0);
	free(mine);

	vf__afp_stats(fx->a, &st);
	assert_int_equal(st.tx_packets, 64);
	assert_int_equal(st.tx_full, 0);
	vf__afp_stats(fx->b, &st);
	assert_true(st.rx_packets >= 64);
	assert_int_equal(st.rx_drops, 0);
}

/* An underlay socket's filter (only_ipv4_to): of IPv4 to its MAC, ARP to
 * its MAC and IPv4 to another MAC, only the first is received. */
static void test_datapath_afpacket_underlay_filter(void **state)
{
	static const uint8_t mine[6] = {0x02, 0, 0, 0, 0, 0x0b};
	static const uint16_t types[3] = {0x0800, 0x0806, 0x0800};
	struct fx *fx = *state;
	struct vf__afp_opts bo = small;
	struct vf__afp_frame fr[3], in[64];
	struct pollfd p;
	uint8_t buf[3][64];
	int got[3] = {0}, n, waited = 0;

	NEED_ENV();
	memcpy(bo.only_ipv4_to, mine, 6);
	assert_rc(vf__afp_open(&fx->a, DEV_A, &small), 0);
	assert_rc(vf__afp_open(&fx->b, DEV_B, &bo), 0);
	for (int i = 0; i < 3; i++) {
		fr[i].data = buf[i];
		fr[i].len = make_frame(buf[i], 60, magic, (uint32_t)i);
		buf[i][12] = (uint8_t)(types[i] >> 8);
		buf[i][13] = (uint8_t)types[i];
		if (i == 2)
			buf[i][5] = 0x0c; /* another host's MAC */
	}
	assert_int_equal(vf__afp_tx(fx->a, fr, 3), 3);
	p = (struct pollfd){.fd = vf__afp_fd(fx->b), .events = POLLIN};
	while (waited < 500) {
		n = vf__afp_rx(fx->b, in, 64);
		assert_true(n >= 0);
		for (int i = 0; i < n; i++)
			if (in[i].len >= 22 && get32(in[i].data + 14) == magic &&
			    get32(in[i].data + 18) < 3)
				got[get32(in[i].data + 18)]++;
		vf__afp_rx_release(fx->b);
		if (!n) {
			poll(&p, 1, 10);
			waited += 10;
		}
	}
	assert_int_equal(got[0], 1);
	assert_int_equal(got[1], 0);
	assert_int_equal(got[2], 0);
}

static void test_datapath_afpacket_through_qdisc(void **state)
{
	struct fx *fx = *state;

	NEED_ENV();
	/* no bypass: the frames go through the qdisc layer and its taps,
	 * which PACKET_IGNORE_OUTGOING must keep from the sender */
	assert_rc(vf__afp_open(&fx->a, DEV_A, &small), 0);
	assert_rc(vf__afp_open(&fx->b, DEV_B, &small), 0);
	send_frames(fx->a, 20, 0, 100);
	recv_frames(fx->b, &fx->g, 20, 2000, false);
	check_frames(&fx->g, 20, 0, 100);
	fx->g.n = 0;
	recv_frames(fx->a, &fx->g, 1, 100, false);
	assert_int_equal(fx->g.n, 0);
}

static void test_datapath_afpacket_idle_and_poll(void **state)
{
	struct fx *fx = *state;
	struct vf__afp_frame f[8];
	struct pollfd p;

	NEED_ENV();
	assert_rc(vf__afp_open(&fx->a, DEV_A, &small), 0);
	assert_rc(vf__afp_open(&fx->b, DEV_B, &small), 0);
	assert_int_equal(vf__afp_rx(fx->b, f, 8), 0);
	assert_int_equal(vf__afp_rx(fx->b, f, 0), 0);
	assert_rc(vf__afp_rx(fx->b, f, -1), -EINVAL);
	vf__afp_rx_release(fx->b); /* nothing held: harmless */

	send_frames(fx->a, 1, 100, 7);
	p = (struct pollfd){.fd = vf__afp_fd(fx->b), .events = POLLIN};
	assert_int_equal(poll(&p, 1, 2000), 1);
	assert_true(p.revents & POLLIN);
	recv_frames(fx->b, &fx->g, 1, 1000, false);
	check_frames(&fx->g, 1, 100, 7);
}

static void test_datapath_afpacket_release_refills(void **state)
{
	/* 4 KiB blocks x 4: about a dozen 1000-byte frames fill the ring */
	struct vf__afp_opts bo = {.block_size = 4096, .block_count = 4};
	struct fx *fx = *state;
	struct vf__afp_stats st;
	int round;

	NEED_ENV();
	if (sysconf(_SC_PAGESIZE) != 4096)
		skip();
	assert_rc(vf__afp_open(&fx->a, DEV_A, &small), 0);
	assert_rc(vf__afp_open(&fx->b, DEV_B, &bo), 0);
	for (round = 0; round < 30; round++) {
		send_frames(fx->a, 6, 1000, (uint32_t)round * 6);
		recv_frames(fx->b, &fx->g, (round + 1) * 6, 2000, false);
	}
	check_frames(&fx->g, 180, 1000, 0);
	vf__afp_stats(fx->b, &st);
	assert_int_equal(st.rx_drops, 0);

	/* without a release the ring fills and the kernel drops */
	fx->g.n = 0;
	send_frames(fx->a, 40, 1000, 1000);
	recv_frames(fx->b, &fx->g, 40, 300, true);
	assert_true(fx->g.n > 0 && fx->g.n < 40);
	vf__afp_stats(fx->b, &st);
	assert_true(st.rx_drops > 0);
	/* given back, it takes frames again */
	vf__afp_rx_release(fx->b);
	recv_frames(fx->b, &fx->g, 40, 100, false); /* the rest retired */
	fx->g.n = 0;
	send_frames(fx->a, 6, 1000, 2000);
	recv_frames(fx->b, &fx->g, 6, 2000, false);
	check_frames(&fx->g, 6, 1000, 2000);
}

static void test_datapath_afpacket_tx_ring_full(void **state)
{
	struct vf__afp_opts ao = {.block_size = 65536,
				  .block_count = 2,
				  .tx_frames = 16,
				  .qdisc_bypass = true};
	static uint8_t buf[40][64];
	struct vf__afp_frame f[40];
	struct fx *fx = *state;
	struct vf__afp_stats st;
	int i, rc;

	NEED_ENV();
	assert_rc(vf__afp_open(&fx->a, DEV_A, &ao), 0);
	assert_rc(vf__afp_open(&fx->b, DEV_B, &small), 0);
	for (i = 0; i < 40; i++) {
		f[i].data = buf[i];
		f[i].len = make_frame(buf[i], 64, magic, (uint32_t)i);
	}
	rc = vf__afp_tx(fx->a, f, 40);
	assert_true(rc > 0 && rc <= 16);
	recv_frames(fx->b, &fx->g, rc, 2000, false);
	check_frames(&fx->g, rc, 64, 0);

	/* a device that is down takes nothing: the ring stays full */
	assert_int_equal(ip("link set " DEV_A " down"), 0);
	for (i = 0; i < 40; i++)
		make_frame(buf[i], 64, magic, 100 + (uint32_t)i);
	assert_int_equal(vf__afp_tx(fx->a, f, 40), 16);
	assert_rc(vf__afp_tx(fx->a, f, 1), -ENETDOWN);
	assert_error_has("Network is down");
	assert_error_has(DEV_A);
	vf__afp_stats(fx->a, &st);
	assert_int_equal(st.tx_packets, (uint64_t)rc + 16);
	assert_int_equal(st.tx_full, (uint64_t)(40 - rc) + 24 + 1);

	/* up again, an empty batch flushes what is queued */
	assert_int_equal(ip("link set " DEV_A " up"), 0);
	fx->g.n = 0;
	assert_int_equal(vf__afp_tx(fx->a, f, 0), 0);
	recv_frames(fx->b, &fx->g, 16, 2000, false);
	check_frames(&fx->g, 16, 64, 100);
}

static void test_datapath_afpacket_fanout(void **state)
{
	struct vf__afp_opts fo = small;
	struct fx *fx = *state;
	struct got *g2;

	NEED_ENV();
	fo.fanout_group = 77;
	assert_rc(vf__afp_open(&fx->a, DEV_A, &small), 0);
	assert_rc(vf__afp_open(&fx->b, DEV_B, &fo), 0);
	assert_rc(vf__afp_open(&fx->c, DEV_B, &fo), 0);
	send_frames(fx->a, 32, 200, 0);
	g2 = calloc(1, sizeof(*g2));
	assert_non_null(g2);
	recv_frames(fx->b, &fx->g, 32, 300, false);
	recv_frames(fx->c, g2, 32 - fx->g.n, 300, false);
	/* one flow hashes to one member: all 32 once, in order, together */
	assert_int_equal(fx->g.n + g2->n, 32);
	if (!fx->g.n)
		memcpy(&fx->g, g2, sizeof(*g2));
	check_frames(&fx->g, 32, 200, 0);
	free(g2);
}

/* A tagged frame arrives with its tag, though the kernel takes it off. */
static void test_datapath_afpacket_vlan_tag_kept(void **state)
{
	static const uint16_t tpids[] = {0x8100, 0x88a8};
	struct vf__afp_frame f, in[16];
	struct fx *fx = *state;
	uint8_t frame[80];
	int i, k, n, tries;
	bool seen;

	NEED_ENV();
	assert_rc(vf__afp_open(&fx->a, DEV_A, &small), 0);
	assert_rc(vf__afp_open(&fx->b, DEV_B, &small), 0);
	for (k = 0; k < 2; k++) {
		/* MACs, tag (TPID, PCP 5 VID 0x123), EtherType, magic */
		make_frame(frame, sizeof(frame), magic, (uint32_t)k);
		memmove(frame + 16, frame + 12, sizeof(frame) - 16);
		frame[12] = (uint8_t)(tpids[k] >> 8);
		frame[13] = (uint8_t)tpids[k];
		frame[14] = 0xa1;
		frame[15] = 0x23;
		f.data = frame;
		f.len = sizeof(frame);
		assert_int_equal(vf__afp_tx(fx->a, &f, 1), 1);
		seen = false;
		for (tries = 0; !seen && tries < 200; tries++) {
			n = vf__afp_rx(fx->b, in, 16);
			for (i = 0; i < n && !seen; i++) {
				if (in[i].len < 22 || get32(in[i].data + 18) != magic)
					continue;
				assert_frame_equal(in[i].data, in[i].len, frame,
						   sizeof(frame));
				seen = true;
			}
			vf__afp_rx_release(fx->b);
			if (!n)
				usleep(5000);
		}
		assert_true(seen);
	}
}

static void test_datapath_afpacket_no_device(void **state)
{
	struct vf__afp *a = (struct vf__afp *)state;

	NEED_ENV();
	assert_rc(vf__afp_open(&a, "vfnosuch0", NULL), -ENODEV);
	assert_null(a);
	assert_error_has("vfnosuch0");
}

static void test_datapath_afpacket_bad_opts(void **state)
{
	struct vf__afp *a = NULL;
	struct vf__afp_opts o;
	struct vf__afp_frame f = {0};

	(void)state;
	o = (struct vf__afp_opts){.block_size = 3 * 4096};
	assert_rc(vf__afp_open(&a, "lo", &o), -EINVAL);
	assert_error_has("block_size");
	o = (struct vf__afp_opts){.block_size = 1024};
	assert_rc(vf__afp_open(&a, "lo", &o), -EINVAL);
	o = (struct vf__afp_opts){.frame_size = 1000};
	assert_rc(vf__afp_open(&a, "lo", &o), -EINVAL);
	assert_error_has("frame_size");
	o = (struct vf__afp_opts){.frame_size = 32};
	assert_rc(vf__afp_open(&a, "lo", &o), -EINVAL);
	o = (struct vf__afp_opts){.fanout_group = 70000};
	assert_rc(vf__afp_open(&a, "lo", &o), -EINVAL);
	assert_error_has("fanout_group");
	assert_rc(vf__afp_open(&a, "", NULL), -EINVAL);
	assert_rc(vf__afp_open(&a, "a-name-longer-than-ifnamsiz", NULL), -EINVAL);
	assert_null(a);

	NEED_ENV();
	assert_rc(vf__afp_open(&a, DEV_A, &small), 0);
	f.data = (const uint8_t *)"short";
	f.len = 5;
	assert_rc(vf__afp_tx(a, &f, 1), -EINVAL);
	f.len = 2048;
	assert_rc(vf__afp_tx(a, &f, 1), -EMSGSIZE);
	assert_rc(vf__afp_tx(a, &f, -1), -EINVAL);
	vf__afp_close(a);
}

/* ---- the namespace ---- */

static void write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(s, f);
		fclose(f);
	}
}

static void make_env(void)
{
	int fd;

	if (geteuid() != 0) {
		env_why = "not root";
		return;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		env_why = "cannot make a network namespace";
		return;
	}
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		env_why = "no CAP_NET_RAW";
		return;
	}
	close(fd);
	write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	if (ip("link set lo up") || ip("link add " DEV_A " type veth peer name " DEV_B) ||
	    ip("link set " DEV_A " up") || ip("link set " DEV_B " up")) {
		env_why = "cannot make a veth pair with ip(8)";
		return;
	}
	env_ok = true;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_datapath_afpacket_batch_arrives_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_datapath_afpacket_underlay_filter,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_datapath_afpacket_through_qdisc,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_datapath_afpacket_idle_and_poll,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_datapath_afpacket_release_refills,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_datapath_afpacket_tx_ring_full,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_datapath_afpacket_fanout, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_datapath_afpacket_vlan_tag_kept,
						setup, teardown),
		cmocka_unit_test(test_datapath_afpacket_no_device),
		cmocka_unit_test(test_datapath_afpacket_bad_opts),
	};

	make_env();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
