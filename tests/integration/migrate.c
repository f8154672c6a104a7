/*
 * Live migration with gossip: three hosts (hv1, hv2, hv3) on one underlay
 * bridge, locations only from the gossip location service (loopback
 * gossip inside the test's namespace). A VM "dst" (blue/s1 10.1.1.10) on
 * hv1 receives a 10,000 frames/s UDP stream (iperf3, 64-byte datagrams)
 * from "src" (10.1.1.30) on hv3; halfway, dst moves to hv2: hv2 creates
 * the port (same VIP and VMAC) on a second NIC of the same VM namespace
 * (a migrated VM keeps its addresses), and hv1 calls vf_port_migrate()
 * with hv2 as the new host, which removes its port and NIC at once.
 *
 * hv3 learns the move by gossip; until then its frames reach hv1, which
 * sends them on to hv2 (counted; the unit and Python tests check the
 * forwarding itself). It shows: every host points at hv2 in the end and
 * the stream went on across the move; it prints frames lost
 * (target 0; the check bounds it to 0.01 s of the stream), each host's
 * non-zero drop counters and underlay ring drops (where lost frames went),
 * and the time from the new port to the moment every host points at it
 * (target <= 1 s).
 *
 * Root only (exits 77 otherwise); runs in a private network namespace.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "itest.h"

#define NHOSTS 3
#define PORT0 17946 /* gossip: 127.0.0.1:PORT0 + i */
#define IP_DST IP4(10, 1, 1, 10)
#define IP_SRC IP4(10, 1, 1, 30)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int underlay3(void)
{
	return it_sh("ip link set lo up && ip link add vft-br type bridge && "
		     "ip link set vft-br up && "
		     "for i in 1 2 3; do ip link add vft-ul$i type veth peer name vft-ub$i "
		     "&& ip link set vft-ub$i master vft-br && ip link set vft-ub$i up "
		     "&& ip link set vft-ul$i up || exit 1; done");
}

static int gossip_on(struct it_host *h, int i)
{
	char name[16];
	VF_OPTS(vf_gossip_opts, go, .bind_addr = "127.0.0.1", .node_name = name,
		.bind_port = (uint16_t)(PORT0 + i));
	int rc;

	snprintf(name, sizeof(name), "hv%d", i + 1);
	vf_fabric_lock(h->f);
	rc = vf_gossip_start(h->f, &go);
	if (rc == 0 && i > 0) {
		const char *seed = "127.0.0.1:17946";

		rc = vf_gossip_join(h->f, &seed, 1) == 1 ? 0 : -1;
	}
	vf_fabric_unlock(h->f);
	return rc;
}

/* The host MAC @h has for dst now (all zero: none). */
static vf_mac where(struct it_host *h, vf_port *local)
{
	VF_OPTS(vf_location, l, .cell_id = 0);
	vf_mac none = {{0}};

	vf_fabric_lock(h->f);
	if (local && vf_cell_port_by_vip(h->cell[0], IP_DST) == local)
		l.host_mac = vf_fabric_host_mac(h->f);
	else if (vf_location_get(h->f, 1, IP_DST, &l) < 0)
		l.host_mac = none;
	vf_fabric_unlock(h->f);
	return l.host_mac;
}

static bool points_at(struct it_host *h, vf_port *local, const vf_mac *m)
{
	vf_mac w = where(h, local);

	return !memcmp(&w, m, sizeof(w));
}

/* A VM NIC: port @name with the VIP on @h's blue/s1, a veth whose VM end
 * @peer goes into VM @vm. */
static vf_port *nic(struct it_host *h, const char *name, uint32_t vip, const char *vm,
		    const char *peer)
{
	char ifname[16];
	vf_port *p;

	snprintf(ifname, sizeof(ifname), "vft-p%s", name);
	vf_fabric_lock(h->f);
	p = it_port_veth(h->sub[0][0], name, vip, ifname, vm, peer);
	vf_fabric_unlock(h->f);
	return p;
}

/* dst's NIC on hv1: a veth the test made (as a hypervisor makes a tap),
 * so that the fabric lets go of it without deleting it: the VM keeps
 * what the fabric delivered (a paused VM's old NIC would). */
static vf_port *old_nic(struct it_host *h)
{
	VF_OPTS(vf_port_opts, po, .name = "dst", .vip = IP_DST);
	VF_OPTS(vf_bind_opts, bo, .ifname = "vft-pdst");
	vf_port *p = NULL;

	if (it_sh("ip link add vft-pdst type veth peer name eth0x netns $P-dst && "
		  "ip netns exec $P-dst ip link set eth0x address 02:01:0a:01:01:0a && "
		  "ip link set vft-pdst up") != 0)
		return NULL;
	vf_fabric_lock(h->f);
	if (vf_port_create(&p, h->sub[0][0], &po) == 0 && vf_port_bind(p, &bo) < 0) {
		vf_port_destroy(p);
		p = NULL;
	}
	vf_fabric_unlock(h->f);
	return p;
}

/* Prints @h's non-zero drop counters (fabric-wide and of @p, if any) and
 * its underlay's: where frames that never arrived may have gone. */
static void print_drops(struct it_host *h, const char *name, vf_port *p)
{
	VF_OPTS(vf_datapath_stats, u, .rx_packets = 0);
	char line[512];
	int n = 0;

	vf_fabric_lock(h->f);
	for (int r = 1; r <= VF_DROP_NO_OUTPUT; r++) {
		uint64_t a = vf_fabric_drops(h->f, (vf_drop_reason)r);
		uint64_t b = p ? vf_port_drops(p, (vf_drop_reason)r) : 0;

		if (a + b && n < (int)sizeof(line) - 64)
			n += snprintf(line + n, sizeof(line) - (size_t)n, " %s=%llu",
				      vf_drop_reason_name((vf_drop_reason)r),
				      (unsigned long long)(a + b));
	}
	if (vf_fabric_underlay_stats(h->f, &u) < 0)
		u = (vf_datapath_stats){0};
	vf_fabric_unlock(h->f);
	printf("     %s: drops:%s; underlay rx %llu (dropped %llu), tx %llu (dropped %llu)\n",
	       name, n ? line : " none", (unsigned long long)u.rx_packets,
	       (unsigned long long)u.rx_dropped, (unsigned long long)u.tx_packets,
	       (unsigned long long)u.tx_dropped);
}

int main(void)
{
	struct it_host h[NHOSTS] = {{0}};
	vf_port *src = NULL, *dst = NULL, *dst2 = NULL;
	vf_mac hm[NHOSTS];
	VF_OPTS(vf_location_stats, st, .sets = 0);
	double t_new = 0, t_all = 0, t0;
	long lost = -1, packets = -1;
	uint64_t nolocs;
	bool ok = true;
	int rc;

	it_start();
	if (underlay3() != 0)
		return it_finish() + 1;
	for (int i = 0; i < NHOSTS; i++) {
		char name[8], ul[16];

		snprintf(name, sizeof(name), "hv%d", i + 1);
		snprintf(ul, sizeof(ul), "vft-ul%d", i + 1);
		ok = ok && it_host_build(&h[i], name, ul) == 0;
		if (ok)
			hm[i] = vf_fabric_host_mac(h[i].f);
		ok = ok && vf_fabric_thread_start(h[i].f) == 0;
	}
	CHECK(ok, "three hosts on one underlay bridge, control loops on threads");
	if (!ok)
		goto out;
	for (int i = 0; ok && i < NHOSTS; i++)
		ok = gossip_on(&h[i], i) == 0;
	CHECK(ok, "gossip on 127.0.0.1:%d-%d, hv2 and hv3 joined hv1", PORT0,
	      PORT0 + NHOSTS - 1);
	if (!ok)
		goto out;

	ok = it_vm_create("src") == 0 && it_vm_create("dst") == 0 &&
	     (src = nic(&h[2], "src", IP_SRC, "src", "eth0x")) &&
	     (dst = old_nic(&h[0])) &&
	     it_vm_addr("src", "10.1.1.30/24", "10.1.1.1") == 0 &&
	     it_vm_addr("dst", "10.1.1.10/24", "10.1.1.1") == 0;
	CHECK(ok, "VM src on hv3, VM dst on hv1");
	if (!ok)
		goto out;
	t0 = now_s();
	while (!points_at(&h[2], NULL, &hm[0]) && now_s() - t0 < 10)
		usleep(20 * 1000);
	CHECK(points_at(&h[2], NULL, &hm[0]), "hv3 learnt by gossip that dst is on hv1 (%.2f s)",
	      now_s() - t0);
	CHECK(it_workers_start(h[0].f, 1) == 0 && it_workers_start(h[1].f, 1) == 0 &&
		      it_workers_start(h[2].f, 1) == 0,
	      "a worker thread per host");
	CHECK(it_ping("src", "10.1.1.10", 3) == 0, "src (hv3) pings dst (hv1)");

	/* the stream: 64-byte datagrams at 5.12 Mbit/s = 10,000 per second */
	it_sh("ip netns exec $P-dst iperf3 -s -1 -p 5201 > $T/server.txt 2>&1 & "
	      "echo $! > $T/server.pid");
	usleep(300 * 1000);
	it_sh("(timeout 20 ip netns exec $P-src iperf3 -c 10.1.1.10 -p 5201 -u -l 64 "
	      "-b 5.12M -t 6 --json > $T/client.json 2>&1; echo $? > $T/client.rc) &");
	sleep(2);

	/* the move: the new NIC first, ready (same VIP and VMAC, addresses
	 * set) before hv2's loop runs again and publishes it; then, as it
	 * does, the old host lets go */
	t_new = now_s();
	vf_fabric_lock(h[1].f);
	dst2 = it_port_veth(h[1].sub[0][0], "dst2", IP_DST, "vft-pdst2", "dst", "eth1x");
	rc = it_sh("ip netns exec $P-dst ip addr add 10.1.1.10/24 dev eth1x && "
		   "ip netns exec $P-dst ip link set eth1x up");
	vf_fabric_lock(h[0].f);
	vf_fabric_unlock(h[1].f);
	CHECK(dst2 != NULL && rc == 0, "hv2 has dst's port, on a second NIC of the VM");
	{
		VF_OPTS(vf_migrate_opts, mo, .host_mac = hm[1], .grace_ms = 5000);

		rc = vf_port_migrate(dst, &mo);
	}
	vf_fabric_unlock(h[0].f);
	CHECK(rc == 0, "hv1: vf_port_migrate(dst, to hv2) (%.0f ms after the new port)",
	      (now_s() - t_new) * 1000);
	if (rc == 0)
		dst = NULL;
	/* the VM's old NIC is dead: what it sends goes by the new one */
	it_sh("ip netns exec $P-dst ip addr flush dev eth0x");
	while (now_s() - t_new < 5) {
		if (points_at(&h[0], NULL, &hm[1]) && points_at(&h[1], dst2, &hm[1]) &&
		    points_at(&h[2], NULL, &hm[1])) {
			t_all = now_s();
			break;
		}
		usleep(5 * 1000);
	}
	CHECK(t_all > 0, "every host points at hv2");
	if (t_all > 0)
		printf("     migration: every host points at the new location %.0f ms after "
		       "it appeared (target <= 1000 ms)\n",
		       (t_all - t_new) * 1000);

	it_sh("for i in $(seq 100); do test -s $T/client.rc && break; sleep 0.1; done");
	CHECK(it_sh("test \"$(cat $T/client.rc)\" = 0") == 0, "iperf3 ran to its end");
	{
		FILE *in = popen("python3 -c \"import json,sys; "
				 "s=json.load(open(sys.argv[1]))['end']['sum']; "
				 "print(s['lost_packets'], s['packets'])\" "
				 "$T/client.json 2>/dev/null",
				 "r");

		if (!in || fscanf(in, "%ld %ld", &lost, &packets) != 2)
			lost = packets = -1;
		if (in)
			pclose(in);
	}
	printf("     migration: %ld of %ld datagrams lost (target 0)\n", lost, packets);
	print_drops(&h[0], "hv1", NULL);
	print_drops(&h[1], "hv2", dst2);
	print_drops(&h[2], "hv3", src);
	CHECK(packets > 50000, "the stream carried %ld datagrams in 6 s", packets);
	/* the target is 0 (printed above; 0 in each of 8 runs here); this
	 * bounds it: a move that broke the path for more than 0.01 s of the
	 * stream fails (a worker that sent to the unbound port until the loop
	 * next published lost 350-550) */
	CHECK(lost >= 0 && lost <= 100, "at most 100 datagrams (0.01 s) lost across the move");
	vf_fabric_lock(h[0].f);
	rc = vf_location_stats_get(h[0].f, &st);
	vf_fabric_unlock(h[0].f);
	CHECK(rc == 0 && st.migrations == 1,
	      "hv1 counted the migration and sent on %llu frames that still reached it "
	      "(%llu not)",
	      (unsigned long long)st.forwarded, (unsigned long long)st.forward_drops);
	vf_fabric_lock(h[2].f);
	nolocs = vf_port_drops(src, VF_DROP_NO_LOCATION);
	vf_fabric_unlock(h[2].f);
	CHECK(nolocs == 0,
	      "hv3 always knew where dst was: no frame of src dropped for want of a "
	      "location (%llu; hv1's record stays until its grace ends)",
	      (unsigned long long)nolocs);
	CHECK(it_ping("src", "10.1.1.10", 3) == 0, "src pings dst on hv2");
out:
	it_sh("kill $(cat $T/server.pid 2>/dev/null) 2>/dev/null; true");
	for (int i = NHOSTS - 1; i >= 0; i--) {
		if (!h[i].f)
			continue;
		it_workers_stop(h[i].f);
		vf_fabric_lock(h[i].f);
		vf_gossip_stop(h[i].f);
		vf_fabric_unlock(h[i].f);
	}
	if (h[0].f) {
		vf_fabric_lock(h[0].f);
		vf_port_destroy(dst);
		vf_fabric_unlock(h[0].f);
	}
	if (h[1].f) {
		vf_fabric_lock(h[1].f);
		vf_port_destroy(dst2);
		vf_fabric_unlock(h[1].f);
	}
	if (h[2].f) {
		vf_fabric_lock(h[2].f);
		vf_port_destroy(src);
		vf_fabric_unlock(h[2].f);
	}
	for (int i = 0; i < NHOSTS; i++)
		if (h[i].f)
			it_host_teardown(&h[i]);
	return it_finish();
}
