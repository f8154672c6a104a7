/*
 * bench_datapath: frames per second and CPU time per forwarded packet
 * through libvfabric's afpacket datapath and through peer forwarders
 * (Linux bridge, Open vSwitch) on the same veth topology, measured back
 * to back in one run. tests/bench/datapath.sh builds the namespaces and
 * the peers and runs it inside the "hypervisor" namespace; see README.md.
 *
 *   bench_datapath [options] [--peer SPEC]...
 *     --secs S        measuring window per sample (default 3)
 *     --reps N        samples per forwarder and size (default 5)
 *     --sizes A,B     frame sizes in bytes, FCS excluded (default 64,1500)
 *     --gen-cpu C     generator CPU (default 0)
 *     --fwd-cpu C     forwarding CPU (default 1)
 *     --no-fabric     peers only
 *     --peer NAME:NS_A:NS_B:DST_IP:HVIF_B:COST
 *         a forwarder the script set up: VM namespaces NS_A (sender) and
 *         NS_B (receiver, its NIC is eth0), B's address DST_IP, HVIF_B the
 *         hypervisor end of B's veth (its tx_packets count what was
 *         delivered); COST "pid=P" (the CPU time of every thread of
 *         process or kernel thread P, from schedstat) or "softirq" (the
 *         forwarding CPU's irq + softirq time from /proc/stat: tick-sampled
 *         on kernels without IRQ time accounting, so coarse).
 *
 * Forwarders it builds itself (namespaces vfb-va, vfb-vb, vfb-vc, vfb-vd
 * must exist; the fabrics create veths vfb-p*; the underlay pair vfb-u1 /
 * vfb-u2 comes from the script):
 *   vf-l2      fabric hv1, VM a -> VM b, same subnet
 *   vf-l3      fabric hv1, VM a -> VM c, another subnet (router)
 *   vf-2host   VM a on hv1 -> underlay -> hv2 -> VM d (same subnet)
 *   afp-floor  when the script made vfb-pra / vfb-prb (VMs vfb-ra, vfb-rb):
 *              libvfabric's AF_PACKET socket layer alone, a batch in, the
 *              same batch out of the other socket; what any forwarder on
 *              this socket layer pays, without pipeline or runtime.
 * Each fabric has one worker, polled by a thread of ours pinned to the
 * forwarding CPU; its cost is that thread's CPU time
 * (CLOCK_THREAD_CPUTIME_ID), which includes the softirq work its sends
 * trigger (the receiving VM's veth), as the bridge's NAPI thread does.
 *
 * Generator: a thread in the sender's namespace, pinned to the generator
 * CPU, with a TPACKET_V2 TX ring and PACKET_QDISC_BYPASS, one UDP flow.
 * The receiver drops in a tc ingress program (VFB_DROP_OBJ, a BPF object
 * with section "tc"; tc matchall drop without it).
 * Figures only: exits 0, or 1 when setting up fails.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <vfabric/vfabric.h>

#include "datapath/afpacket.h"
#include "packet/packet.h"

#define MAX_FWD 8
#define MAX_REPS 32
#define MAX_SIZES 4
#define RING_FRAMES 1024
#define RING_FRAME_SZ 2048
#define GEN_BATCH 64

#define IP4(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

enum cost_kind { COST_THREADS, COST_SOFTIRQ, COST_PID };

/* A libvfabric host: one fabric, its model, one worker on our thread. */
struct host {
	vf_fabric *f;
	vf_cell *cell;
	vf_subnet *sub[2];
	vf_router *router;
	vf_port *ports[3];
	int nports;
	vf_worker *worker;
	struct vf__afp *wire[2]; /* the floor: two sockets, no fabric */
	bool running;
	pthread_t th;
	clockid_t clock;
	atomic_int tid;
	atomic_uint_fast64_t polls, frames; /* vf_worker_poll() calls, frames */
};

struct fwd {
	char name[32];
	char ns_a[32], ns_b[32], hvif_b[32];
	char dst_ip[16];
	enum cost_kind cost;
	int pid;
	struct host *hosts[2]; /* COST_THREADS: the fabrics whose worker runs */
	int nhosts;
	/* resolved */
	uint8_t src_mac[6], dst_mac[6];
	uint32_t src_ip, dst_ip4;
	/* samples [size][rep] */
	double mpps[MAX_SIZES][MAX_REPS], us[MAX_SIZES][MAX_REPS];
	double gen_us[MAX_SIZES][MAX_REPS], deliv[MAX_SIZES][MAX_REPS];
	double tot[MAX_SIZES][MAX_REPS]; /* generator + forwarder per delivered */
	/* COST_THREADS: share of user time, frames per vf_worker_poll() */
	double user_pct[MAX_SIZES][MAX_REPS], per_poll[MAX_SIZES][MAX_REPS];
};

static struct fwd fwds[MAX_FWD];
static int nfwd;
static int gen_cpu, fwd_cpu = 1;

static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	return rc == -1 ? -1 : WEXITSTATUS(rc);
}

/* The first line of a command's output, without its newline. */
static int sh_line(char *out, size_t len, const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	FILE *p;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	out[0] = 0;
	if (!(p = popen(cmd, "r")))
		return -1;
	if (!fgets(out, (int)len, p))
		out[0] = 0;
	pclose(p);
	out[strcspn(out, "\n")] = 0;
	return out[0] ? 0 : -1;
}

static double now_s(clockid_t c)
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

static int enter_ns(const char *ns)
{
	char path[96];
	int fd, rc;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	rc = setns(fd, CLONE_NEWNET);
	close(fd);
	return rc;
}

/* ---- counters ---- */

static uint64_t read_u64(const char *path)
{
	unsigned long long v = 0;
	FILE *f = fopen(path, "r");

	if (f) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

static uint64_t delivered(const struct fwd *w)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/tx_packets",
		 w->hvif_b);
	return read_u64(path);
}

/* irq + softirq time of @cpu, seconds (tick-sampled, USER_HZ units). */
static double cpu_irq_s(int cpu)
{
	char line[512], tag[16];
	unsigned long long v[8];
	double r = -1;
	FILE *f = fopen("/proc/stat", "r");

	if (!f)
		return -1;
	snprintf(tag, sizeof(tag), "cpu%d ", cpu);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, tag, strlen(tag)) &&
		    sscanf(line + strlen(tag), "%llu %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8) {
			r = (double)(v[5] + v[6]) / (double)sysconf(_SC_CLK_TCK);
			break;
		}
	fclose(f);
	return r;
}

/* CPU time of every thread of @pid, seconds (schedstat, nanoseconds). */
static double pid_cpu_s(int pid)
{
	char path[128], line[128];
	FILE *p;
	double sum = 0;

	snprintf(path, sizeof(path), "cat /proc/%d/task/*/schedstat 2>/dev/null", pid);
	if (!(p = popen(path, "r")))
		return 0;
	while (fgets(line, sizeof(line), p))
		sum += strtod(line, NULL) / 1e9;
	pclose(p);
	return sum;
}

/* User and system ticks of thread @tid of this process. */
static void thread_ticks(int tid, uint64_t *user, uint64_t *sys)
{
	char path[64], buf[1024], *p;
	unsigned long long u = 0, k = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	if ((f = fopen(path, "r"))) {
		if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) &&
		    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			   &u, &k) != 2)
			u = k = 0;
		fclose(f);
	}
	*user += u;
	*sys += k;
}

struct thr_snap {
	uint64_t user, sys, polls, frames;
};

static void thr_snap(const struct fwd *w, struct thr_snap *s)
{
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < w->nhosts; i++) {
		thread_ticks(atomic_load(&w->hosts[i]->tid), &s->user, &s->sys);
		s->polls += atomic_load(&w->hosts[i]->polls);
		s->frames += atomic_load(&w->hosts[i]->frames);
	}
}

static double fwd_cpu_s(const struct fwd *w)
{
	double s = 0;

	switch (w->cost) {
	case COST_THREADS:
		for (int i = 0; i < w->nhosts; i++)
			s += now_s(w->hosts[i]->clock);
		return s;
	case COST_SOFTIRQ: return cpu_irq_s(fwd_cpu);
	case COST_PID: return pid_cpu_s(w->pid);
	}
	return 0;
}

/* ---- generator ---- */

struct gen {
	pthread_t th;
	const struct fwd *w;
	size_t size;
	atomic_bool stop;
	atomic_uint_fast64_t sent;
	clockid_t clock;
	int rc;
	int ready; /* 1 set up, -1 failed */
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static void build_frame(uint8_t *b, const struct fwd *w, size_t size)
{
	uint8_t *ip = b + 14, *udp = ip + 20;
	uint16_t c;

	memset(b, 0, size);
	memcpy(b, w->dst_mac, 6);
	memcpy(b + 6, w->src_mac, 6);
	b[12] = 0x08;
	ip[0] = 0x45;
	ip[2] = (uint8_t)((size - 14) >> 8);
	ip[3] = (uint8_t)(size - 14);
	ip[6] = 0x40; /* DF */
	ip[8] = 64;
	ip[9] = 17;
	for (int i = 0; i < 4; i++) {
		ip[12 + i] = (uint8_t)(w->src_ip >> (24 - 8 * i));
		ip[16 + i] = (uint8_t)(w->dst_ip4 >> (24 - 8 * i));
	}
	c = vf__csum_fold(vf__csum_add(0, ip, 20));
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	udp[0] = 0x23, udp[1] = 0x28; /* 9000 */
	udp[2] = 0x00, udp[3] = 0x09; /* discard */
	udp[4] = (uint8_t)((size - 34) >> 8);
	udp[5] = (uint8_t)(size - 34);
}

static void gen_ready(struct gen *g, int v)
{
	pthread_mutex_lock(&g->mu);
	g->ready = v;
	pthread_cond_signal(&g->cv);
	pthread_mutex_unlock(&g->mu);
}

static void *gen_main(void *arg)
{
	struct gen *g = arg;
	struct tpacket_req req = {
		.tp_block_size = RING_FRAME_SZ * 32,
		.tp_block_nr = RING_FRAMES / 32,
		.tp_frame_size = RING_FRAME_SZ,
		.tp_frame_nr = RING_FRAMES,
	};
	const size_t off = TPACKET_ALIGN(sizeof(struct tpacket2_hdr));
	struct sockaddr_ll sll = {.sll_family = AF_PACKET};
	int fd = -1, one = 1, ver = TPACKET_V2;
	unsigned int idx = 0;
	uint8_t *ring = MAP_FAILED;
	size_t ring_len = (size_t)req.tp_block_size * req.tp_block_nr;

	pin(gen_cpu);
	if (enter_ns(g->w->ns_a) < 0 || (fd = socket(AF_PACKET, SOCK_RAW, 0)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_VERSION, &ver, sizeof(ver)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof(req)) < 0 ||
	    (ring = mmap(NULL, ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) ==
		    MAP_FAILED ||
	    !(sll.sll_ifindex = (int)if_nametoindex("eth0")) ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		fprintf(stderr, "generator in %s: %s\n", g->w->ns_a, strerror(errno));
		g->rc = -1;
		if (fd >= 0)
			close(fd);
		gen_ready(g, -1);
		return NULL;
	}
	pthread_getcpuclockid(pthread_self(), &g->clock);
	for (unsigned int i = 0; i < RING_FRAMES; i++)
		build_frame(ring + (size_t)i * RING_FRAME_SZ + off, g->w, g->size);
	gen_ready(g, 1);
	while (!atomic_load_explicit(&g->stop, memory_order_relaxed)) {
		int queued = 0;
		ssize_t n;

		for (; queued < GEN_BATCH; queued++) {
			struct tpacket2_hdr *h =
				(void *)(ring + (size_t)idx * RING_FRAME_SZ);

			if (__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) !=
			    TP_STATUS_AVAILABLE)
				break;
			h->tp_len = (uint32_t)g->size;
			__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST,
					 __ATOMIC_RELEASE);
			idx = (idx + 1) % RING_FRAMES;
		}
		n = sendto(fd, NULL, 0, 0, NULL, 0);
		if (n > 0)
			atomic_fetch_add_explicit(&g->sent, (uint64_t)n / g->size,
						  memory_order_relaxed);
		else if (n < 0 && errno != EAGAIN && errno != ENOBUFS && errno != EINTR) {
			fprintf(stderr, "generator: sendto: %s\n", strerror(errno));
			g->rc = -1;
			break;
		}
		if (!queued)
			sched_yield();
	}
	munmap(ring, ring_len);
	close(fd);
	return NULL;
}

/* ---- one sample ---- */

static int sample(struct fwd *w, size_t size, double secs, int si, int rep)
{
	struct gen g = {.w = w, .size = size};
	double c0, c1, g0, g1, t0, t1;
	uint64_t d0, d1, s0, s1;
	struct thr_snap th0, th1;

	pthread_mutex_init(&g.mu, NULL);
	pthread_cond_init(&g.cv, NULL);
	if (pthread_create(&g.th, NULL, gen_main, &g) != 0)
		return -1;
	pthread_mutex_lock(&g.mu);
	while (!g.ready)
		pthread_cond_wait(&g.cv, &g.mu);
	pthread_mutex_unlock(&g.mu);
	if (g.ready < 0) {
		pthread_join(g.th, NULL);
		return -1;
	}
	usleep(500 * 1000); /* warm up: rings, caches, frequency */
	t0 = now_s(CLOCK_MONOTONIC);
	d0 = delivered(w);
	s0 = atomic_load(&g.sent);
	c0 = fwd_cpu_s(w);
	g0 = now_s(g.clock);
	thr_snap(w, &th0);
	usleep((useconds_t)(secs * 1e6));
	t1 = now_s(CLOCK_MONOTONIC);
	d1 = delivered(w);
	s1 = atomic_load(&g.sent);
	c1 = fwd_cpu_s(w);
	g1 = now_s(g.clock);
	thr_snap(w, &th1);
	atomic_store(&g.stop, true);
	pthread_join(g.th, NULL);
	usleep(200 * 1000); /* let the forwarder drain */
	if (d1 <= d0)
		fprintf(stderr, "%s, %zu B: nothing delivered (%" PRIu64 " sent)\n",
			w->name, size, s1 - s0);
	w->mpps[si][rep] = (double)(d1 - d0) / (t1 - t0) / 1e6;
	w->us[si][rep] = d1 > d0 ? (c1 - c0) * 1e6 / (double)(d1 - d0) : 0;
	w->gen_us[si][rep] = s1 > s0 ? (g1 - g0) * 1e6 / (double)(s1 - s0) : 0;
	w->tot[si][rep] = d1 > d0 ? (c1 - c0 + g1 - g0) * 1e6 / (double)(d1 - d0) : 0;
	w->deliv[si][rep] = s1 > s0 ? 100.0 * (double)(d1 - d0) / (double)(s1 - s0) : 0;
	if (w->cost == COST_THREADS) {
		uint64_t u = th1.user - th0.user, k = th1.sys - th0.sys;

		w->user_pct[si][rep] = u + k ? 100.0 * (double)u / (double)(u + k) : 0;
		w->per_poll[si][rep] = th1.polls > th0.polls
					       ? (double)(th1.frames - th0.frames) /
							 (double)(th1.polls - th0.polls)
					       : 0;
	}
	return g.rc;
}

/* ---- resolving what the generator writes ---- */

static int parse_mac(uint8_t *out, const char *s)
{
	char tok[18];
	vf_mac m;

	memcpy(tok, s, sizeof(tok) - 1); /* "xx:xx:xx:xx:xx:xx", then stop */
	tok[sizeof(tok) - 1] = 0;
	if (vf_mac_parse(&m, tok) < 0)
		return -1;
	memcpy(out, m.addr, 6);
	return 0;
}

/* Pings B from A (so A's neighbour table has the next hop), then reads A's
 * MAC and address and the next hop's MAC. */
static int resolve(struct fwd *w)
{
	char line[256], nh[16], mac[32], ip[32];
	struct in_addr a;

	if (sh("ip netns exec %s ping -q -c 2 -i 0.2 -W 2 %s >/dev/null", w->ns_a,
	       w->dst_ip) != 0) {
		fprintf(stderr, "%s: %s does not answer a ping from %s\n", w->name,
			w->dst_ip, w->ns_a);
		return -1;
	}
	if (sh_line(line, sizeof(line), "ip -n %s -4 -o addr show dev eth0", w->ns_a) <
		    0 ||
	    sscanf(line, "%*d: %*s inet %31[0-9.]", ip) != 1 ||
	    inet_pton(AF_INET, ip, &a) != 1)
		return -1;
	w->src_ip = ntohl(a.s_addr);
	if (inet_pton(AF_INET, w->dst_ip, &a) != 1)
		return -1;
	w->dst_ip4 = ntohl(a.s_addr);
	if (sh_line(line, sizeof(line), "ip -n %s -o link show dev eth0", w->ns_a) < 0 ||
	    !strstr(line, "link/ether ") ||
	    parse_mac(w->src_mac, strstr(line, "link/ether ") + 11) < 0)
		return -1;
	/* the next hop: B itself, or the default gateway */
	if (sh_line(line, sizeof(line), "ip -n %s -4 route get %s", w->ns_a, w->dst_ip) <
	    0)
		return -1;
	if (strstr(line, " via ") && sscanf(strstr(line, " via ") + 5, "%15s", nh) == 1)
		;
	else
		snprintf(nh, sizeof(nh), "%s", w->dst_ip);
	if (sh_line(line, sizeof(line), "ip -n %s neigh show %s dev eth0", w->ns_a, nh) <
		    0 ||
	    !strstr(line, "lladdr ") ||
	    sscanf(strstr(line, "lladdr ") + 7, "%31s", mac) != 1 ||
	    parse_mac(w->dst_mac, mac) < 0) {
		fprintf(stderr, "%s: no neighbour entry for %s in %s\n", w->name, nh,
			w->ns_a);
		return -1;
	}
	return 0;
}

/* Drops everything arriving on B's NIC in a tc ingress program. */
static int install_drop(const struct fwd *w, const char *bpf_obj)
{
	sh("ip netns exec %s tc qdisc del dev eth0 clsact 2>/dev/null", w->ns_b);
	if (sh("ip netns exec %s tc qdisc add dev eth0 clsact", w->ns_b) != 0)
		return -1;
	if (bpf_obj && *bpf_obj &&
	    sh("ip netns exec %s tc filter add dev eth0 ingress bpf da obj %s sec tc "
	       "2>/dev/null",
	       w->ns_b, bpf_obj) == 0)
		return 0;
	return sh("ip netns exec %s tc filter add dev eth0 ingress matchall action drop",
		  w->ns_b);
}

/* ---- the fabrics ---- */

static struct host hosts[3]; /* hv1, hv2, the floor */
static atomic_bool workers_stop;

static int vferr(const char *what)
{
	fprintf(stderr, "%s: %s\n", what, vf_last_error());
	return -1;
}

static int build(struct host *h, const char *name, const char *underlay)
{
	VF_OPTS(vf_fabric_opts, fo, .host_name = name);
	VF_OPTS(vf_cell_opts, co, .id = 1, .name = "bench");
	VF_OPTS(vf_bind_opts, ul, .ifname = underlay);

	if (vf_fabric_create(&h->f, &fo) < 0 || vf_cell_create(&h->cell, h->f, &co) < 0 ||
	    vf_router_create(&h->router, h->cell, NULL) < 0)
		return vferr("fabric");
	for (int s = 0; s < 2; s++) {
		char sn[8];
		VF_OPTS(vf_subnet_opts, so, .id = (uint32_t)s + 1, .name = sn,
			.prefix = {IP4(10, 7, s + 1, 0), 24});

		snprintf(sn, sizeof(sn), "s%d", s + 1);
		if (vf_subnet_create(&h->sub[s], h->cell, &so) < 0 ||
		    vf_router_attach(h->router, h->sub[s], NULL) < 0)
			return vferr("subnet");
	}
	if (vf_fabric_bind_underlay(h->f, &ul) < 0)
		return vferr("vf_fabric_bind_underlay");
	return vf_fabric_thread_start(h->f) < 0 ? vferr("vf_fabric_thread_start") : 0;
}

/* A VM (namespace vfb-v<n>) on @h, subnet @s, host part @hp; @o learns
 * where it is. */
static vf_port *vm(struct host *h, struct host *o, int s, int hp, char n)
{
	char name[16], ifname[16], ns[16], path[64];
	uint32_t vip = IP4(10, 7, s + 1, hp);
	VF_OPTS(vf_port_opts, po, .name = name, .vip = vip);
	VF_OPTS(vf_bind_opts, bo, .ifname = ifname, .flags = VF_BIND_F_CREATE_VETH,
		.peer = "eth0", .netns = path);
	vf_location loc = {.sz = sizeof(loc)};
	vf_port *p = NULL;

	snprintf(name, sizeof(name), "vm-%c", n);
	snprintf(ifname, sizeof(ifname), "vfb-p%c", n);
	snprintf(ns, sizeof(ns), "vfb-v%c", n);
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	vf_fabric_lock(h->f);
	if (vf_port_create(&p, h->sub[s], &po) < 0 || vf_port_bind(p, &bo) < 0) {
		vferr(name);
		vf_port_destroy(p);
		vf_fabric_unlock(h->f);
		return NULL;
	}
	h->ports[h->nports++] = p;
	loc.cell_id = 1;
	loc.vip = vip;
	loc.vmac = vf_port_vmac(p);
	loc.subnet_id = (uint32_t)s + 1;
	loc.host_mac = vf_fabric_host_mac(h->f);
	vf_fabric_unlock(h->f);
	vf_fabric_lock(o->f);
	if (vf_location_set(o->f, &loc) < 0)
		p = NULL, vferr("vf_location_set");
	vf_fabric_unlock(o->f);
	if (p && sh("ip -n %s link set lo up && ip -n %s link set eth0 up && "
		    "ip -n %s addr add 10.7.%d.%d/24 dev eth0 && "
		    "ip -n %s route add default via 10.7.%d.1",
		    ns, ns, ns, s + 1, hp, ns, s + 1) != 0)
		p = NULL;
	return p;
}

static void *worker_main(void *arg)
{
	struct host *h = arg;

	pin(fwd_cpu);
	atomic_store(&h->tid, (int)gettid());
	while (!atomic_load_explicit(&workers_stop, memory_order_relaxed)) {
		int n = vf_worker_poll(h->worker, 100);

		if (n == -ENOENT)
			break;
		atomic_fetch_add_explicit(&h->polls, 1, memory_order_relaxed);
		if (n > 0)
			atomic_fetch_add_explicit(&h->frames, (uint64_t)n,
						  memory_order_relaxed);
	}
	return NULL;
}

/* The floor: what the afpacket socket layer alone costs. Frames from
 * one socket go out of the other unchanged (both ways, so ping and ARP
 * work), a batch per round, as a minimal AF_PACKET forwarder does; no
 * pipeline, no copy but the kernel's. */
static void *floor_main(void *arg)
{
	struct host *h = arg;
	struct vf__afp_frame fr[32];
	struct epoll_event ev[2];
	int ep = epoll_create1(EPOLL_CLOEXEC);

	pin(fwd_cpu);
	atomic_store(&h->tid, (int)gettid());
	for (int i = 0; i < 2; i++) {
		struct epoll_event e = {.events = EPOLLIN, .data.u32 = (uint32_t)i};

		epoll_ctl(ep, EPOLL_CTL_ADD, vf__afp_fd(h->wire[i]), &e);
	}
	while (!atomic_load_explicit(&workers_stop, memory_order_relaxed)) {
		int n = epoll_wait(ep, ev, 2, 100), total = 0;

		for (int i = 0; i < n; i++) {
			int from = (int)ev[i].data.u32, got;

			if ((got = vf__afp_rx(h->wire[from], fr, 32)) <= 0)
				continue;
			vf__afp_tx(h->wire[!from], fr, got);
			vf__afp_rx_release(h->wire[from]);
			total += got;
		}
		atomic_fetch_add_explicit(&h->polls, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&h->frames, (uint64_t)total,
					  memory_order_relaxed);
	}
	close(ep);
	return NULL;
}

static int start_floor(struct host *h, const char *if_a, const char *if_b)
{
	struct vf__afp_opts o = {.qdisc_bypass = true};

	if (vf__afp_open(&h->wire[0], if_a, &o) < 0 ||
	    vf__afp_open(&h->wire[1], if_b, &o) < 0)
		return vferr("floor: vf__afp_open");
	if (pthread_create(&h->th, NULL, floor_main, h) != 0)
		return -1;
	h->running = true;
	return pthread_getcpuclockid(h->th, &h->clock) ? -1 : 0;
}

static int start_worker(struct host *h)
{
	vf_fabric_lock(h->f);
	if (vf_worker_create(&h->worker, h->f, NULL) < 0) {
		vf_fabric_unlock(h->f);
		return vferr("vf_worker_create");
	}
	vf_fabric_unlock(h->f);
	if (pthread_create(&h->th, NULL, worker_main, h) != 0)
		return -1;
	h->running = true;
	return pthread_getcpuclockid(h->th, &h->clock) ? -1 : 0;
}

static void teardown(struct host *h)
{
	if (!h->f)
		return;
	vf_fabric_lock(h->f);
	for (int i = 0; i < h->nports; i++)
		vf_port_destroy(h->ports[i]);
	for (int s = 0; s < 2; s++)
		vf_subnet_destroy(h->sub[s]);
	vf_router_destroy(h->router);
	vf_cell_destroy(h->cell);
	vf_fabric_unlock(h->f);
	vf_fabric_destroy(h->f);
}

static void stop_workers(void)
{
	atomic_store(&workers_stop, true);
	for (int i = 0; i < 3; i++)
		if (hosts[i].running) {
			pthread_join(hosts[i].th, NULL);
			hosts[i].running = false;
		}
	for (int i = 0; i < 2; i++)
		vf__afp_close(hosts[2].wire[i]);
	for (int i = 0; i < 2; i++)
		if (hosts[i].worker) {
			vf_fabric_lock(hosts[i].f);
			vf_worker_destroy(hosts[i].worker);
			vf_fabric_unlock(hosts[i].f);
			hosts[i].worker = NULL;
		}
}

static struct fwd *add_fwd(const char *name, const char *a, const char *b,
			   const char *dst, const char *hvif)
{
	struct fwd *w = &fwds[nfwd++];

	snprintf(w->name, sizeof(w->name), "%s", name);
	snprintf(w->ns_a, sizeof(w->ns_a), "%s", a);
	snprintf(w->ns_b, sizeof(w->ns_b), "%s", b);
	snprintf(w->dst_ip, sizeof(w->dst_ip), "%s", dst);
	snprintf(w->hvif_b, sizeof(w->hvif_b), "%s", hvif);
	return w;
}

static int setup_fabrics(void)
{
	struct host *h1 = &hosts[0], *h2 = &hosts[1];
	struct fwd *w;

	if (build(h1, "hv1", "vfb-u1") < 0 || build(h2, "hv2", "vfb-u2") < 0)
		return -1;
	if (!vm(h1, h2, 0, 10, 'a') || !vm(h1, h2, 0, 11, 'b') ||
	    !vm(h1, h2, 1, 10, 'c') || !vm(h2, h1, 0, 20, 'd'))
		return -1;
	if (start_worker(h1) < 0 || start_worker(h2) < 0)
		return -1;
	w = add_fwd("vf-l2", "vfb-va", "vfb-vb", "10.7.1.11", "vfb-pb");
	w->cost = COST_THREADS, w->hosts[0] = h1, w->nhosts = 1;
	w = add_fwd("vf-l3", "vfb-va", "vfb-vc", "10.7.2.10", "vfb-pc");
	w->cost = COST_THREADS, w->hosts[0] = h1, w->nhosts = 1;
	w = add_fwd("vf-2host", "vfb-va", "vfb-vd", "10.7.1.20", "vfb-pd");
	w->cost = COST_THREADS, w->hosts[0] = h1, w->hosts[1] = h2, w->nhosts = 2;
	/* the floor's veths come from the script: namespaces vfb-ra, vfb-rb */
	if (access("/sys/class/net/vfb-pra", F_OK) == 0) {
		if (start_floor(&hosts[2], "vfb-pra", "vfb-prb") < 0)
			return -1;
		w = add_fwd("afp-floor", "vfb-ra", "vfb-rb", "10.6.1.11", "vfb-prb");
		w->cost = COST_THREADS, w->hosts[0] = &hosts[2], w->nhosts = 1;
	}
	return 0;
}

/* Where libvfabric lost frames over the whole run: each endpoint's
 * kernel ring drops (rx) and frames it could not queue (tx). */
static void print_endpoint_drops(void)
{
	printf("\nlibvfabric endpoints over the run (rx = from the netdev, tx = to "
	       "it):\n");
	for (int i = 0; i < 2; i++) {
		vf_datapath_stats st = {.sz = sizeof(st)};

		if (!hosts[i].f)
			continue;
		vf_fabric_lock(hosts[i].f);
		for (int p = 0; p < hosts[i].nports; p++)
			if (vf_port_datapath_stats(hosts[i].ports[p], &st) == 0 &&
			    (st.rx_packets > 1000 || st.tx_packets > 1000))
				printf("  hv%d %-6s rx %10" PRIu64 " (dropped %9" PRIu64
				       ")  tx %10" PRIu64 " (dropped %9" PRIu64 ")\n",
				       i + 1, vf_port_name(hosts[i].ports[p]),
				       st.rx_packets, st.rx_dropped, st.tx_packets,
				       st.tx_dropped);
		if (vf_fabric_underlay_stats(hosts[i].f, &st) == 0)
			printf("  hv%d %-6s rx %10" PRIu64 " (dropped %9" PRIu64
			       ")  tx %10" PRIu64 " (dropped %9" PRIu64 ")\n",
			       i + 1, "uplink", st.rx_packets, st.rx_dropped,
			       st.tx_packets, st.tx_dropped);
		vf_fabric_unlock(hosts[i].f);
	}
}

/* ---- results ---- */

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void minmed(const double *v, int n, double *mn, double *med)
{
	double s[MAX_REPS];

	memcpy(s, v, (size_t)n * sizeof(*s));
	qsort(s, (size_t)n, sizeof(*s), cmp_d);
	*mn = s[0];
	*med = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static struct fwd *find_fwd(const char *name)
{
	for (int i = 0; i < nfwd; i++)
		if (!strcmp(fwds[i].name, name))
			return &fwds[i];
	return NULL;
}

static int parse_peer(char *spec)
{
	char *f[6], *save = NULL;
	struct fwd *w;
	int n = 0;

	for (char *t = strtok_r(spec, ":", &save); t && n < 6;
	     t = strtok_r(NULL, ":", &save))
		f[n++] = t;
	if (n != 6 || nfwd >= MAX_FWD)
		return -1;
	w = add_fwd(f[0], f[1], f[2], f[3], f[4]);
	if (!strcmp(f[5], "softirq"))
		w->cost = COST_SOFTIRQ;
	else if (!strncmp(f[5], "pid=", 4) && (w->pid = atoi(f[5] + 4)) > 0)
		w->cost = COST_PID;
	else
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	double secs = 3;
	int reps = 5, nsizes = 0, fabric = 1, rc = 1;
	size_t sizes[MAX_SIZES];
	char peers[MAX_FWD][256];
	int npeers = 0;
	const char *bpf_obj = getenv("VFB_DROP_OBJ");

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--no-fabric")) {
			fabric = 0;
			continue;
		}
		if (!v)
			goto usage;
		i++;
		if (!strcmp(a, "--secs"))
			secs = atof(v);
		else if (!strcmp(a, "--reps"))
			reps = atoi(v);
		else if (!strcmp(a, "--gen-cpu"))
			gen_cpu = atoi(v);
		else if (!strcmp(a, "--fwd-cpu"))
			fwd_cpu = atoi(v);
		else if (!strcmp(a, "--sizes")) {
			char buf[64], *save = NULL;

			snprintf(buf, sizeof(buf), "%s", v);
			for (char *t = strtok_r(buf, ",", &save); t && nsizes < MAX_SIZES;
			     t = strtok_r(NULL, ",", &save))
				sizes[nsizes++] = (size_t)atoi(t);
		} else if (!strcmp(a, "--peer") && npeers < MAX_FWD)
			snprintf(peers[npeers++], sizeof(peers[0]), "%s", v);
		else
			goto usage;
	}
	if (!nsizes)
		sizes[nsizes++] = 64, sizes[nsizes++] = 1500;
	for (int i = 0; i < nsizes; i++)
		if (sizes[i] < 60 || sizes[i] > 1514 || sizes[i] + 64 > RING_FRAME_SZ)
			goto usage;
	if (reps < 1 || reps > MAX_REPS || secs <= 0)
		goto usage;
	if (geteuid() != 0) {
		printf("bench_datapath: skipped (needs root; run "
		       "tests/bench/datapath.sh)\n");
		return 0;
	}
	if (fabric && setup_fabrics() < 0)
		goto out;
	for (int i = 0; i < npeers; i++)
		if (parse_peer(peers[i]) < 0) {
			fprintf(stderr, "bad --peer %s\n", peers[i]);
			goto out;
		}
	for (int i = 0; i < nfwd; i++)
		if (resolve(&fwds[i]) < 0 || install_drop(&fwds[i], bpf_obj) < 0) {
			fprintf(stderr, "%s: cannot set up\n", fwds[i].name);
			goto out;
		}
	printf("%d forwarders, sizes", nfwd);
	for (int i = 0; i < nsizes; i++)
		printf(" %zu", sizes[i]);
	printf(" B, %d x %.1f s each, generator CPU %d, forwarding CPU %d\n", reps, secs,
	       gen_cpu, fwd_cpu);
	/* back to back: every forwarder once per repetition */
	for (int si = 0; si < nsizes; si++)
		for (int r = 0; r < reps; r++)
			for (int i = 0; i < nfwd; i++) {
				struct fwd *w = &fwds[i];

				if (sample(w, sizes[si], secs, si, r) < 0)
					goto out;
				printf("  %4zu B rep %d %-10s %7.3f Mpps %7.3f us/pkt "
				       "fwd "
				       "%6.3f us/pkt gen %5.1f%% delivered",
				       sizes[si], r + 1, w->name, w->mpps[si][r],
				       w->us[si][r], w->gen_us[si][r], w->deliv[si][r]);
				if (w->cost == COST_THREADS)
					printf("  (worker: %.0f%% user, %.1f "
					       "frames/poll)",
					       w->user_pct[si][r], w->per_poll[si][r]);
				printf("\n");
			}
	printf("\n| forwarder | frame | Mpps min / median | fwd-core us/pkt min / median "
	       "| both cores us/pkt (median) | generator us/sent pkt (median) "
	       "| delivered %% (median) |\n|---|---|---|---|---|---|---|\n");
	for (int si = 0; si < nsizes; si++)
		for (int i = 0; i < nfwd; i++) {
			struct fwd *w = &fwds[i];
			double a, b, c, d, e, g, x, y, t;

			minmed(w->tot[si], reps, &x, &t);
			minmed(w->mpps[si], reps, &a, &b);
			minmed(w->us[si], reps, &c, &d);
			minmed(w->gen_us[si], reps, &x, &e);
			minmed(w->deliv[si], reps, &y, &g);
			printf("| %s | %zu B | %.3f / %.3f | %.3f / %.3f | %.3f | %.3f | "
			       "%.1f |\n",
			       w->name, sizes[si], a, b, c, d, t, e, g);
		}
	printf("\nRatios of medians, fwd-core us/pkt (both cores in brackets); targets: "
	       "<= 1.0 x bridge, <= 0.4 x ovs-system\n");
	for (int si = 0; si < nsizes; si++) {
		const char *peers_[] = {"bridge", "ovs-system"};

		for (int p = 0; p < 2; p++) {
			struct fwd *pw = find_fwd(peers_[p]);
			double pmn, pmed, ptot;

			if (!pw)
				continue;
			minmed(pw->us[si], reps, &pmn, &pmed);
			minmed(pw->tot[si], reps, &pmn, &ptot);
			for (int i = 0; i < nfwd; i++) {
				double mn, med, tot;

				if (strncmp(fwds[i].name, "vf-", 3) &&
				    strcmp(fwds[i].name, "afp-floor"))
					continue;
				minmed(fwds[i].us[si], reps, &mn, &med);
				minmed(fwds[i].tot[si], reps, &mn, &tot);
				printf("  %4zu B  %-9s / %-10s = %5.2f  (%4.2f)\n",
				       sizes[si], fwds[i].name, pw->name,
				       pmed > 0 ? med / pmed : 0,
				       ptot > 0 ? tot / ptot : 0);
			}
		}
	}
	print_endpoint_drops();
	rc = 0;
out:
	stop_workers();
	teardown(&hosts[1]);
	teardown(&hosts[0]);
	return rc;
usage:
	fprintf(stderr, "usage: bench_datapath [--secs S] [--reps N] [--sizes 64,1500] "
			"[--gen-cpu C] [--fwd-cpu C] [--no-fabric] [--peer SPEC]...\n");
	return 2;
}
