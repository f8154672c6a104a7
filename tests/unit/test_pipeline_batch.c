/*
 * Batch injection (pipeline.h): vf_port_inject_batch() and
 * vf_fabric_inject_underlay_batch() do what the single calls do frame by
 * frame, and refuse a batch with one bad frame before running any.
 */
#include "unit.h"

#include <stdlib.h>

#include "core/internal.h"

#define FX(state) ((struct vt_fx *)*(state))
#define N 40

static int setup(void **state)
{
	if (vt_setup_pipe(state))
		return -1;
	FX(state)->fabric->test_now_ns = 1000000000000ull;
	return 0;
}

/* N frames from a: UDP to b (bridged), to c (routed), ARP for b, a ping
 * of the gateway, and a spoofed one, in turn. */
static size_t frames(uint8_t (*buf)[VT_FRAME_MAX], vf_frame *out)
{
	for (size_t i = 0; i < N; i++) {
		struct vt_ip ip = {.smac = VT_MAC_A, .src = VT_IP_A};
		size_t len;

		switch (i % 5) {
		case 0:
			ip.dmac = VT_MAC_B, ip.dst = VT_IP_B;
			len = vt_udp(buf[i], &ip, (uint16_t)(1000 + i), 53, "x", 1);
			break;
		case 1:
			ip.dmac = VT_RVMAC1, ip.dst = VT_IP_C;
			len = vt_udp(buf[i], &ip, (uint16_t)(2000 + i), 53, "y", 1);
			break;
		case 2:
			len = vt_arp(buf[i], VT_BCAST, VT_MAC_A, 1, VT_MAC_A, VT_IP_A,
				     MAC(0, 0, 0, 0, 0, 0), VT_IP_B);
			break;
		case 3:
			ip.dmac = VT_RVMAC1, ip.dst = VT_GW1;
			len = vt_icmp(buf[i], &ip, 8, 0, (uint32_t)i, "ping", 4);
			break;
		default:
			ip.dmac = VT_MAC_B, ip.dst = VT_IP_B, ip.src = IP4(10, 1, 1, 99);
			len = vt_udp(buf[i], &ip, 3000, 53, "z", 1);
			break;
		}
		out[i] = (vf_frame){.data = buf[i], .len = (uint32_t)len};
	}
	return N;
}

static void test_pipeline_batch_equals_single(void **state)
{
	static uint8_t buf[N][VT_FRAME_MAX];
	struct vt_fx *fx = FX(state);
	struct vt_capture single = {0};
	vf_frame f[N];
	int sent = 0;

	frames(buf, f);
	for (size_t i = 0; i < N; i++)
		sent += vf_port_inject(fx->port[0], f[i].data, f[i].len);
	single = fx->cap;
	fx->cap = (struct vt_capture){0};
	/* the same frames again, as a batch: the same outputs, in order
	 * (the second time round, connection tracking and the flow cache
	 * know the flows: what goes out must not differ) */
	assert_int_equal(vf_port_inject_batch(fx->port[0], f, N), sent);
	assert_int_equal(fx->cap.n, single.n);
	for (size_t i = 0; i < single.n; i++) {
		assert_ptr_equal(fx->cap.f[i].port, single.f[i].port);
		assert_frame_equal(fx->cap.f[i].data, fx->cap.f[i].len, single.f[i].data,
				   single.f[i].len);
	}
	assert_int_equal(vf_port_drops(fx->port[0], VF_DROP_SPOOF_IP), 2 * (N / 5));
	vt_capture_clear(&single);
	free(single.f);
}

/* Frames marked writable run in place: the same outputs as copies, and
 * the caller's bytes are what was sent (the MACs rewritten). */
static void test_pipeline_batch_in_place(void **state)
{
	static uint8_t buf[N][VT_FRAME_MAX], again[N][VT_FRAME_MAX];
	struct vt_fx *fx = FX(state);
	struct vt_capture copied = {0};
	static const uint8_t vc[6] = {0x02, 0x01, 10, 1, 2, 7}; /* c's VMAC */
	vf_frame f[N], g[N];
	int sent;

	frames(buf, f);
	frames(again, g);
	sent = vf_port_inject_batch(fx->port[0], f, N);
	copied = fx->cap;
	fx->cap = (struct vt_capture){0};
	for (size_t i = 0; i < N; i++)
		g[i].flags = VF_FRAME_F_WRITABLE;
	assert_int_equal(vf_port_inject_batch(fx->port[0], g, N), sent);
	assert_int_equal(fx->cap.n, copied.n);
	for (size_t i = 0; i < copied.n; i++)
		assert_frame_equal(fx->cap.f[i].data, fx->cap.f[i].len, copied.f[i].data,
				   copied.f[i].len);
	/* the copies left the caller's frames alone; in place, the routed
	 * one (frame 1) now carries the destination's VMAC */
	assert_memory_equal(buf[1], f[1].data, 6);
	assert_memory_not_equal(again[1], buf[1], 6);
	assert_memory_equal(again[1], vc, 6);
	vt_capture_clear(&copied);
	free(copied.f);
}

static void test_pipeline_batch_underlay(void **state)
{
	static uint8_t buf[4][VT_FRAME_MAX];
	struct vt_fx *fx = FX(state);
	struct vt_ip ip = {.dmac = VT_HOST,
			   .smac = VT_PEER,
			   .src = IP4(10, 1, 1, 50),
			   .dst = VT_IP_B};
	VF_OPTS(vf_location, l, .cell_id = 1, .vip = IP4(10, 1, 1, 50), .subnet_id = 1,
		.vmac = MAC(2, 1, 10, 1, 1, 50), .host_mac = VT_PEER);
	vf_frame f[4];

	assert_rc(vf_location_set(fx->fabric, &l), 0);
	for (int i = 0; i < 4; i++) {
		f[i] = (vf_frame){.data = buf[i],
				  .len = (uint32_t)vt_udp(
					  buf[i], &ip, (uint16_t)(7000 + i), 53, "u", 1)};
	}
	assert_rc(vf_fabric_inject_underlay_batch(fx->fabric, f, 4), 4);
	assert_int_equal(fx->cap.n, 4);
	for (int i = 0; i < 4; i++)
		assert_ptr_equal(fx->cap.f[i].port, fx->port[1]);
}

/* One bad frame refuses the batch: nothing runs, nothing is counted. */
static void test_pipeline_batch_refused_whole(void **state)
{
	static uint8_t buf[N][VT_FRAME_MAX];
	struct vt_fx *fx = FX(state);
	vf_port_stats st = {.sz = sizeof(st)};
	vf_frame f[N];

	frames(buf, f);
	f[7].len = 13;
	assert_rc(vf_port_inject_batch(fx->port[0], f, N), -EINVAL);
	assert_error_has("frame 7");
	f[7].len = 70000;
	assert_rc(vf_port_inject_batch(fx->port[0], f, N), -EINVAL);
	f[7].len = 60;
	f[7].data = NULL;
	assert_rc(vf_port_inject_batch(fx->port[0], f, N), -EINVAL);
	assert_error_has("frame 7");
	f[7].data = buf[7];
	f[3].flags = 2;
	assert_rc(vf_port_inject_batch(fx->port[0], f, N), -EINVAL);
	assert_error_has("flags");
	f[3].flags = 0;
	assert_rc(vf_port_inject_batch(fx->port[0], NULL, 1), -EINVAL);
	assert_rc(vf_port_inject_batch(fx->port[0], f, 4097), -EINVAL);
	assert_rc(vf_port_inject_batch(NULL, f, 1), -EINVAL);
	assert_rc(vf_fabric_inject_underlay_batch(NULL, f, 1), -EINVAL);
	assert_int_equal(fx->cap.n, 0);
	assert_rc(vf_port_stats_get(fx->port[0], &st), 0);
	assert_int_equal(st.rx_packets, 0);
	assert_int_equal(vt_drops_total(fx->fabric), 0);

	/* nothing to do is not an error */
	assert_rc(vf_port_inject_batch(fx->port[0], NULL, 0), 0);
	assert_rc(vf_port_inject_batch(fx->port[0], f, 0), 0);

	/* a removed port */
	vf_port_destroy(fx->port[0]);
	fx->port[0] = NULL;
	assert_rc(vf_port_inject_batch(fx->port[1], f, 1),
		  0); /* a's frame from b: spoof */
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, vt_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_pipeline_batch_equals_single),
		T(test_pipeline_batch_in_place),
		T(test_pipeline_batch_underlay),
		T(test_pipeline_batch_refused_whole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
