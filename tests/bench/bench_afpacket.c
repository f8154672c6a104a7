/*
 * bench_afpacket: 64-byte frames through a veth pair with the afpacket
 * socket layer (lib/datapath/afpacket.h), in a private network namespace:
 *
 *   bench_afpacket [SECONDS]
 *
 * A sender thread (CPU 0) queues batches of 64 frames on one end with
 * vf__afp_tx() (PACKET_QDISC_BYPASS); the kernel's veth receive work runs
 * in its softirq on the same CPU. A receiver thread (CPU 1) takes them from
 * the other end's TPACKET_V3 ring with vf__afp_rx()/vf__afp_rx_release(),
 * polling when the ring is empty. Prints frames/s received and the CPU time
 * per frame of the receiving thread (CLOCK_THREAD_CPUTIME_ID) and of the
 * sending one. Figures only; needs root (skips otherwise, exit 0); exits 1
 * when a call fails.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <vfabric/vfabric.h>

#include "datapath/afpacket.h"

#define BATCH 64
#define FRAME 64

struct side {
	struct vf__afp *afp;
	int cpu;
	uint64_t frames, empty;
	double cpu_s;
	int rc;
};

static atomic_bool stop;

static double now(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *sender(void *arg)
{
	static uint8_t buf[BATCH][FRAME];
	struct vf__afp_frame f[BATCH];
	struct side *s = arg;
	double t0;
	int i, n;

	pin(s->cpu);
	for (i = 0; i < BATCH; i++) {
		/* to 02::0b from 02::0a, EtherType 0x88b5 (local) */
		memcpy(buf[i], "\x02\0\0\0\0\x0b\x02\0\0\0\0\x0a\x88\xb5", 14);
		memset(buf[i] + 14, i, FRAME - 14);
		f[i].data = buf[i];
		f[i].len = FRAME;
	}
	t0 = now(CLOCK_THREAD_CPUTIME_ID);
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		n = vf__afp_tx(s->afp, f, BATCH);
		if (n < 0) {
			fprintf(stderr, "tx: %s\n", vf_last_error());
			s->rc = n;
			break;
		}
		s->frames += (uint64_t)n;
		if (n < BATCH) {
			s->empty++;
			sched_yield();
		}
	}
	s->cpu_s = now(CLOCK_THREAD_CPUTIME_ID) - t0;
	return NULL;
}

static void *receiver(void *arg)
{
	struct vf__afp_frame f[BATCH];
	struct side *s = arg;
	struct pollfd p = {.fd = vf__afp_fd(s->afp), .events = POLLIN};
	volatile uint8_t sink = 0;
	double t0;
	int i, n;

	pin(s->cpu);
	t0 = now(CLOCK_THREAD_CPUTIME_ID);
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		n = vf__afp_rx(s->afp, f, BATCH);
		if (n < 0) {
			s->rc = n;
			break;
		}
		if (!n) {
			s->empty++;
			poll(&p, 1, 10);
			continue;
		}
		for (i = 0; i < n; i++)
			sink ^= f[i].data[f[i].len - 1]; /* touch each frame */
		s->frames += (uint64_t)n;
		vf__afp_rx_release(s->afp);
	}
	s->cpu_s = now(CLOCK_THREAD_CPUTIME_ID) - t0;
	(void)sink;
	return NULL;
}

static int setup_netns(void)
{
	FILE *f;

	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0)
		return -1;
	f = fopen("/proc/sys/net/ipv6/conf/default/disable_ipv6", "w");
	if (f) {
		fputs("1", f);
		fclose(f);
	}
	return system("ip link add vba0 type veth peer name vbb0 && "
		      "ip link set vba0 up && ip link set vbb0 up") == 0
		       ? 0
		       : -1;
}

int main(int argc, char **argv)
{
	struct vf__afp_opts ao = {.qdisc_bypass = true, .tx_frames = 1024};
	struct vf__afp_opts bo = {.block_size = 1 << 18, .block_count = 16};
	struct side tx = {.cpu = 0}, rx = {.cpu = 1};
	double secs = argc > 1 ? atof(argv[1]) : 3.0, t0, wall;
	struct vf__afp_stats st;
	pthread_t tt, rt;
	int rc;

	if (setup_netns() < 0) {
		printf("bench_afpacket: skipped (needs root, a network "
		       "namespace and ip(8))\n");
		return 0;
	}
	if ((rc = vf__afp_open(&tx.afp, "vba0", &ao)) < 0 ||
	    (rc = vf__afp_open(&rx.afp, "vbb0", &bo)) < 0) {
		fprintf(stderr, "open: %s\n", vf_last_error());
		return 1;
	}
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		rx.cpu = 0;
	t0 = now(CLOCK_MONOTONIC);
	pthread_create(&rt, NULL, receiver, &rx);
	pthread_create(&tt, NULL, sender, &tx);
	usleep((useconds_t)(secs * 1e6));
	atomic_store(&stop, true);
	pthread_join(tt, NULL);
	pthread_join(rt, NULL);
	wall = now(CLOCK_MONOTONIC) - t0;
	vf__afp_stats(rx.afp, &st);

	printf("afpacket veth, %d-byte frames, batch %d, %.1f s "
	       "(sender CPU %d, receiver CPU %d)\n",
	       FRAME, BATCH, wall, tx.cpu, rx.cpu);
	printf("  sent      %12" PRIu64 " frames  %8.3f Mframes/s  "
	       "%7.3f us CPU/frame (sender thread, with veth softirq)\n",
	       tx.frames, (double)tx.frames / wall / 1e6,
	       tx.frames ? tx.cpu_s * 1e6 / (double)tx.frames : 0.0);
	printf("  received  %12" PRIu64 " frames  %8.3f Mframes/s  "
	       "%7.3f us CPU/frame (receiver thread)\n",
	       rx.frames, (double)rx.frames / wall / 1e6,
	       rx.frames ? rx.cpu_s * 1e6 / (double)rx.frames : 0.0);
	printf("  kernel rx drops %" PRIu64 ", receiver idle polls %" PRIu64
	       ", sender ring-full batches %" PRIu64 "\n",
	       st.rx_drops, rx.empty, tx.empty);
	vf__afp_close(tx.afp);
	vf__afp_close(rx.afp);
	return tx.rc || rx.rc ? 1 : 0;
}
