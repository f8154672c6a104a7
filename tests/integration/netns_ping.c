/*
 * One host, real VMs: three network namespaces play VMs, each with a veth
 * the fabric creates and binds through the afpacket datapath; a library
 * worker thread moves the frames, the control loop runs on a library
 * thread. The kernel's own ping and ARP are the clients:
 *
 *   - vm-a pings vm-b in its subnet (ARP answered by the fabric);
 *   - vm-a pings its gateway (the distributed router answers echo);
 *   - vm-a pings vm-c in another subnet of the cell (routed, TTL - 1);
 *   - a port set administratively down stops the traffic, up restores it;
 *   - the VM's NIC going down takes the port's link down (counted);
 *   - the VM going away (its veth deleted) closes the endpoint, the workers
 *     stay idle, and a veth of the same name coming back is reopened;
 *   - counters of ports and endpoints match what was sent.
 *
 * Needs root (namespaces, veth): exits 77 (skipped) otherwise. It runs in
 * a private network namespace; its VMs are namespaces vft<pid>-*, removed at the
 * end. Links the shared library and the public headers only.
 */
#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "itest.h"

/* CPU time (user + system) this process uses in the next @secs seconds. */
static double cpu_seconds_over(int secs)
{
	struct rusage a, b;

	getrusage(RUSAGE_SELF, &a);
	sleep((unsigned int)secs);
	getrusage(RUSAGE_SELF, &b);
	return (double)(b.ru_utime.tv_sec - a.ru_utime.tv_sec + b.ru_stime.tv_sec -
			a.ru_stime.tv_sec) +
	       (double)(b.ru_utime.tv_usec - a.ru_utime.tv_usec + b.ru_stime.tv_usec -
			a.ru_stime.tv_usec) /
		       1e6;
}

int main(void)
{
	VF_OPTS(vf_subnet_opts, s1o, .name = "s1", .prefix = {IP4(10, 7, 1, 0), 24});
	VF_OPTS(vf_subnet_opts, s2o, .name = "s2", .prefix = {IP4(10, 7, 2, 0), 24});
	VF_OPTS(vf_fabric_opts, fo, .host_name = "hv1");
	vf_fabric *f = NULL;
	vf_cell *c = NULL;
	vf_subnet *s1 = NULL, *s2 = NULL;
	vf_router *r = NULL;
	vf_port *a = NULL, *b = NULL, *cc = NULL;
	vf_port_stats st = {.sz = sizeof(st)};
	vf_datapath_stats ds = {.sz = sizeof(ds)};

	it_start();
	if (it_vm_create("a") || it_vm_create("b") || it_vm_create("c"))
		return it_finish() + 1;

	if (vf_fabric_create(&f, &fo) < 0 || vf_cell_create(&c, f, NULL) < 0 ||
	    vf_subnet_create(&s1, c, &s1o) < 0 || vf_subnet_create(&s2, c, &s2o) < 0 ||
	    vf_router_create(&r, c, NULL) < 0 || vf_router_attach(r, s1, NULL) < 0 ||
	    vf_router_attach(r, s2, NULL) < 0) {
		fprintf(stderr, "model: %s\n", vf_last_error());
		return it_finish() + 1;
	}
	CHECK(vf_fabric_thread_start(f) == 0, "control loop on a library thread");
	vf_fabric_lock(f);
	a = it_port_veth(s1, "vm-a", IP4(10, 7, 1, 10), "vft-pa", "a", "eth0x");
	b = it_port_veth(s1, "vm-b", IP4(10, 7, 1, 11), "vft-pb", "b", "eth0x");
	cc = it_port_veth(s2, "vm-c", IP4(10, 7, 2, 10), "vft-pc", "c", "eth0x");
	vf_fabric_unlock(f);
	it_vm_addr("a", "10.7.1.10/24", "10.7.1.1");
	it_vm_addr("b", "10.7.1.11/24", "10.7.1.1");
	it_vm_addr("c", "10.7.2.10/24", "10.7.2.1");
	CHECK(a && b && cc, "three ports bound to veths in three namespaces");
	if (!a || !b || !cc)
		goto out;
	vf_fabric_lock(f);
	CHECK(!strcmp(vf_port_datapath(a), "afpacket"), "bound through afpacket");
	CHECK(!strcmp(vf_port_ifname(a), "vft-pa"), "on vft-pa");
	vf_fabric_unlock(f);
	CHECK(it_sh("ip -n $P-a link show eth0x | grep -qi 02:01:0a:07:01:0a") == 0,
	      "the VM's NIC has the port's VMAC");
	CHECK(it_workers_start(f, 1) == 0, "one worker thread");
	CHECK(it_workers_start(f, 1) == -EALREADY, "a second start is refused");

	CHECK(it_ping("a", "10.7.1.11", 3) == 0, "vm-a pings vm-b (same subnet)");
	CHECK(it_ping("a", "10.7.1.1", 3) == 0, "vm-a pings its gateway");
	CHECK(it_ping("a", "10.7.2.10", 3) == 0, "vm-a pings vm-c (routed)");
	CHECK(it_sh("ip netns exec $P-a ping -c 1 -W 2 10.7.2.10 | grep -q 'ttl=63'") ==
		      0,
	      "the routed reply arrives with TTL 63");

	vf_fabric_lock(f);
	CHECK(vf_port_stats_get(b, &st) == 0 && st.rx_packets >= 3 && st.tx_packets >= 3,
	      "vm-b counted %llu in, %llu out", (unsigned long long)st.rx_packets,
	      (unsigned long long)st.tx_packets);
	CHECK(vf_port_datapath_stats(b, &ds) == 0 && ds.rx_packets >= 3 &&
		      ds.tx_packets >= 3,
	      "vm-b's endpoint counted %llu received, %llu sent",
	      (unsigned long long)ds.rx_packets, (unsigned long long)ds.tx_packets);
	CHECK(vf_port_set_admin_up(b, false) == 0, "vm-b set down");
	vf_fabric_unlock(f);
	vf_fabric_wakeup(f);
	usleep(100 * 1000);
	CHECK(it_ping("a", "10.7.1.11", 2) != 0, "vm-b down: no answer");
	vf_fabric_lock(f);
	CHECK(vf_port_drops(b, VF_DROP_PORT_DOWN) + vf_port_drops(a, VF_DROP_PORT_DOWN) >
		      0,
	      "drops counted as port-down");
	vf_port_set_admin_up(b, true);
	vf_fabric_unlock(f);
	usleep(100 * 1000);
	CHECK(it_ping("a", "10.7.1.11", 2) == 0, "vm-b up again: answers");

	it_sh("ip -n $P-b link set eth0x down");
	usleep(300 * 1000);
	vf_fabric_lock(f);
	CHECK(!vf_port_link_up(b), "vm-b's NIC down: the port's link is down");
	CHECK(vf_port_datapath_stats(b, &ds) == 0 && ds.link_downs == 1,
	      "one link-down counted");
	vf_fabric_unlock(f);
	it_sh("ip -n $P-b link set eth0x up");
	usleep(300 * 1000);
	vf_fabric_lock(f);
	CHECK(vf_port_link_up(b), "vm-b's NIC up: the port's link is up");
	vf_fabric_unlock(f);
	CHECK(it_ping("a", "10.7.1.11", 2) == 0, "and traffic flows again");

	/* The VM goes away: its namespace, and the veth pair with it. */
	it_sh("ip netns del $P-b");
	usleep(300 * 1000);
	vf_fabric_lock(f);
	CHECK(!vf_port_link_up(b), "vm-b's netdev vanished: the port's link is down");
	CHECK(vf_port_datapath_stats(b, &ds) == 0 && ds.link_downs == 2,
	      "a second link-down counted");
	vf_fabric_unlock(f);
	CHECK(cpu_seconds_over(1) < 0.3,
	      "the workers stay idle (no spinning on a dead socket)");
	/* It comes back, as a restarted VM would: a veth of the same name. */
	CHECK(it_vm_create("b") == 0 &&
		      it_sh("ip link add vft-pb type veth peer name eth0x netns $P-b && "
			    "ip -n $P-b link set eth0x address 02:01:0a:07:01:0b") == 0 &&
		      it_vm_addr("b", "10.7.1.11/24", "10.7.1.1") == 0,
	      "vm-b back on a new veth vft-pb");
	usleep(300 * 1000);
	CHECK(it_ping("a", "10.7.1.11", 3) == 0, "the fabric reopened it: traffic flows");

	/* A netdev that was there, bound with VF_BIND_F_OWN, is the fabric's
	 * to delete; a refused bind leaves it alone. */
	{
		VF_OPTS(vf_port_opts, po, .name = "vm-own", .vip = IP4(10, 7, 1, 12));
		VF_OPTS(vf_bind_opts, bad, .ifname = "vft-po", .datapath = "callback",
			.flags = VF_BIND_F_OWN);
		VF_OPTS(vf_bind_opts, own, .ifname = "vft-po", .flags = VF_BIND_F_OWN);
		vf_port *o = NULL;

		it_sh("ip link add vft-po type veth peer name vft-po2");
		vf_fabric_lock(f);
		CHECK(vf_port_create(&o, s1, &po) == 0 &&
			      vf_port_bind(o, &bad) == -EINVAL,
		      "VF_BIND_F_OWN is refused for a datapath without netdevs");
		vf_fabric_unlock(f);
		CHECK(it_sh("ip link show vft-po >/dev/null 2>&1") == 0,
		      "and the netdev stays");
		vf_fabric_lock(f);
		CHECK(vf_port_bind(o, &own) == 0 && vf_port_unbind(o) == 0,
		      "an existing veth bound with VF_BIND_F_OWN, then unbound");
		vf_port_destroy(o);
		vf_fabric_unlock(f);
		CHECK(it_sh("ip link show vft-po >/dev/null 2>&1") != 0 &&
			      it_sh("ip link show vft-po2 >/dev/null 2>&1") != 0,
		      "the unbind deleted it, and its peer");
	}

	CHECK(it_workers_stop(f) == 0, "worker threads stopped");
out:
	/* every handle is released by its own destroy; the fabric's last one
	 * stops the loop thread and deletes the veths */
	vf_fabric_lock(f);
	vf_port_destroy(a);
	vf_port_destroy(b);
	vf_port_destroy(cc);
	vf_router_destroy(r);
	vf_subnet_destroy(s1);
	vf_subnet_destroy(s2);
	vf_cell_destroy(c);
	vf_fabric_unlock(f);
	vf_fabric_destroy(f);
	CHECK(it_sh("ip link show vft-pa >/dev/null 2>&1") != 0,
	      "the fabric deleted its veths");
	return it_finish();
}
