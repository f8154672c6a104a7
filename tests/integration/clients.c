/*
 * Real clients across two hosts (see two_hosts.c for the topology):
 *
 *   - a DHCP client (busybox udhcpc) gets the port's VIP, the gateway, the
 *     subnet's mask, DNS server and MTU;
 *   - iperf3 TCP and UDP, bridged (a -> b) and routed (a -> c), across
 *     hosts: the figures are printed, the checks are that the transfers
 *     complete and UDP at a modest rate loses almost nothing;
 *   - a VM that spoofs its IP or MAC is dropped and counted;
 *   - a security-group change takes effect while iperf3 runs;
 *   - a QoS limit measured by iperf3 (UDP) lands within 10% of the setting;
 *   - a link subnet carries frames between two VMs' second NICs, and
 *     nothing else reaches it.
 *
 * Root only (exits 77 otherwise); runs in a private network namespace.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"

/* Runs a shell command and reads one number from its output (-1: none). */
static double sh_num(const char *cmd)
{
	char out[64] = "";
	double v = -1;
	FILE *p;

	if (!(p = popen(cmd, "r")))
		return -1;
	if (fgets(out, sizeof(out), p) && out[0])
		v = strtod(out, NULL);
	pclose(p);
	return v;
}

/* The iperf3 server in VM @name, for @secs seconds (one test). */
static void iperf_server(const char *name, int secs)
{
	it_sh("ip netns exec $P-%s timeout %d iperf3 -s -1 -J > $T/srv-%s.json "
	      "2>/dev/null &",
	      name, secs, name);
	usleep(500 * 1000);
}

/* iperf3 from VM @from to @dst with @args; the receiver's bit/s, or -1. */
static double iperf(const char *from, const char *dst, const char *args)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd),
		 "ip netns exec $P-%s timeout 30 iperf3 -J -c %s %s > $T/cli.json "
		 "2>/dev/null; "
		 "python3 -c \"import json; d=json.load(open('$T/cli.json')); "
		 "e=d['end']; print(e.get('sum_received', e.get('sum', "
		 "{})).get('bits_per_second', -1))\"",
		 from, dst, args);
	return sh_num(cmd);
}

static double udp_loss(void)
{
	return sh_num("python3 -c \"import json; d=json.load(open('$T/cli.json')); "
		      "print(d['end']['sum']['lost_percent'])\"");
}

static void dhcp(vf_port *d)
{
	(void)d;
	it_sh("printf '#!/bin/sh\\n[ \"$1\" = bound ] && echo \"$ip $subnet $router $dns "
	      "$mtu\" "
	      "> $T/dhcp.txt\\nexit 0\\n' > $T/udhcpc.sh && chmod +x "
	      "$T/udhcpc.sh");
	it_sh("ip -n $P-d link set eth0x up");
	CHECK(it_sh("ip netns exec $P-d busybox udhcpc -i eth0x -n -q -f -t 4 -T 1 "
		    "-s $T/udhcpc.sh >/dev/null 2>&1") == 0,
	      "udhcpc in VM d got a lease");
	CHECK(it_sh("grep -q '^10.1.1.20 255.255.255.0 10.1.1.1 10.1.1.53 1400$' "
		    "$T/dhcp.txt") == 0,
	      "the lease: address 10.1.1.20/24, router 10.1.1.1, DNS 10.1.1.53, MTU "
	      "1400");
}

static void throughput(void)
{
	double bps;

	iperf_server("b", 20);
	bps = iperf("a", "10.1.1.11", "-t 2");
	CHECK(bps > 1e6, "iperf3 TCP a -> b (bridged, across hosts): %.0f Mbit/s",
	      bps / 1e6);
	iperf_server("c", 20);
	bps = iperf("a", "10.1.2.10", "-t 2");
	CHECK(bps > 1e6, "iperf3 TCP a -> c (routed, across hosts): %.0f Mbit/s",
	      bps / 1e6);
	iperf_server("b", 20);
	bps = iperf("a", "10.1.1.11", "-u -b 20M -t 2");
	CHECK(bps > 15e6 && udp_loss() < 1.0,
	      "iperf3 UDP 20 Mbit/s a -> b: %.1f Mbit/s received, %.2f%% lost", bps / 1e6,
	      udp_loss());
	iperf_server("c", 20);
	bps = iperf("a", "10.1.2.10", "-u -b 20M -t 2");
	CHECK(bps > 15e6 && udp_loss() < 1.0,
	      "iperf3 UDP 20 Mbit/s a -> c (routed): %.1f Mbit/s received, %.2f%% lost",
	      bps / 1e6, udp_loss());
}

static void spoofing(struct it_host *h1, vf_port *a)
{
	uint64_t ip0, mac0;

	vf_fabric_lock(h1->f);
	ip0 = vf_port_drops(a, VF_DROP_SPOOF_IP);
	mac0 = vf_port_drops(a, VF_DROP_SPOOF_MAC);
	vf_fabric_unlock(h1->f);
	it_sh("ip -n $P-a addr add 10.1.1.99/24 dev eth0x");
	CHECK(it_sh("ip netns exec $P-a ping -q -c 2 -i 0.2 -W 1 -I 10.1.1.99 10.1.1.11 "
		    ">/dev/null") != 0,
	      "a pinging from a spoofed address 10.1.1.99 gets no answer");
	it_sh("ip -n $P-a addr del 10.1.1.99/24 dev eth0x");
	it_sh("ip -n $P-a link set eth0x address 02:99:99:99:99:99");
	CHECK(it_ping("a", "10.1.1.11", 2) != 0, "a with a spoofed MAC gets no answer");
	it_sh("ip -n $P-a link set eth0x address 02:01:0a:01:01:0a");
	vf_fabric_lock(h1->f);
	CHECK(vf_port_drops(a, VF_DROP_SPOOF_IP) >= ip0 + 2,
	      "spoof-ip drops counted (%llu)",
	      (unsigned long long)(vf_port_drops(a, VF_DROP_SPOOF_IP) - ip0));
	CHECK(vf_port_drops(a, VF_DROP_SPOOF_MAC) >= mac0 + 2,
	      "spoof-mac drops counted (%llu)",
	      (unsigned long long)(vf_port_drops(a, VF_DROP_SPOOF_MAC) - mac0));
	vf_fabric_unlock(h1->f);
	CHECK(it_ping("a", "10.1.1.11", 2) == 0, "a's own addresses work again");
}

/* b gets a security group admitting iperf3 (TCP and UDP 5201) and ICMP;
 * during a UDP stream the UDP rule goes: the rest of the stream is
 * dropped from the next frame on. */
static void secgroup_change(struct it_host *h2, vf_port *b)
{
	VF_OPTS(vf_secgroup_opts, go, .name = "iperf");
	VF_OPTS(vf_rule, tcp, .direction = VF_DIR_INGRESS, .protocol = VF_PROTO_TCP,
		.port_min = 5201, .port_max = 5201);
	VF_OPTS(vf_rule, udp, .direction = VF_DIR_INGRESS, .protocol = VF_PROTO_UDP,
		.port_min = 5201, .port_max = 5201);
	VF_OPTS(vf_rule, out, .direction = VF_DIR_EGRESS);
	vf_secgroup *g = NULL;
	uint64_t before;
	int udp_id = -1;
	double first, last;

	vf_fabric_lock(h2->f);
	CHECK(vf_secgroup_create(&g, vf_port_cell(b), &go) == 0 &&
		      vf_secgroup_add_rule(g, &tcp) >= 0 &&
		      (udp_id = vf_secgroup_add_rule(g, &udp)) >= 0 &&
		      vf_secgroup_add_rule(g, &out) >= 0 &&
		      vf_port_add_secgroup(b, g) == 0,
	      "b guarded by a group admitting TCP and UDP 5201");
	before = vf_port_drops(b, VF_DROP_SECGROUP_INGRESS);
	vf_fabric_unlock(h2->f);
	vf_fabric_wakeup(h2->f);
	iperf_server("b", 20);
	it_sh("(sleep 2.5; touch $T/cut) &");
	it_sh("ip netns exec $P-a timeout 30 iperf3 -J -c 10.1.1.11 -u -b 10M -t 5 "
	      "> $T/cli.json 2>/dev/null &");
	while (it_sh("test -e $T/cut") != 0)
		usleep(50 * 1000);
	vf_fabric_lock(h2->f);
	CHECK(vf_secgroup_del_rule(g, (uint32_t)udp_id) == 0,
	      "the UDP rule removed mid-stream");
	vf_fabric_unlock(h2->f);
	vf_fabric_wakeup(h2->f);
	sleep(4);
	/* the server's per-second intervals: traffic before, none after */
	first = sh_num("python3 -c \"import json; d=json.load(open('$T/srv-b.json')); "
		       "print(d['intervals'][0]['sum']['bytes'])\"");
	last = sh_num(
		"python3 -c \"import json; d=json.load(open('$T/srv-b.json')); "
		"print(d['intervals'][-1]['sum']['bytes'] if len(d['intervals']) > 3 "
		"else -1)\"");
	CHECK(first > 1e5 && last == 0,
	      "server saw %.0f bytes in the first second, %.0f in the last", first, last);
	vf_fabric_lock(h2->f);
	CHECK(vf_port_drops(b, VF_DROP_SECGROUP_INGRESS) > before + 100,
	      "the rest counted as secgroup-ingress drops (%llu)",
	      (unsigned long long)(vf_port_drops(b, VF_DROP_SECGROUP_INGRESS) - before));
	vf_port_del_secgroup(b, g);
	vf_secgroup_destroy(g);
	vf_fabric_unlock(h2->f);
	it_sh("rm -f $T/cut");
}

static void qos(struct it_host *h1, vf_port *a)
{
	const double rate = 30e6;
	double bps;

	vf_fabric_lock(h1->f);
	CHECK(vf_port_set_qos(a, VF_DIR_EGRESS, (uint64_t)rate, 64 * 1024) == 0,
	      "a's egress limited to 30 Mbit/s");
	vf_fabric_unlock(h1->f);
	iperf_server("b", 20);
	bps = iperf("a", "10.1.1.11", "-u -b 80M -t 3 -l 1300");
	CHECK(bps > rate * 0.9 && bps < rate * 1.1,
	      "iperf3 UDP at 80 Mbit/s arrives at %.1f Mbit/s (limit 30, +-10%%)",
	      bps / 1e6);
	vf_fabric_lock(h1->f);
	vf_port_set_qos(a, VF_DIR_EGRESS, 0, 0);
	vf_fabric_unlock(h1->f);
}

/* a (hv1) and b (hv2) get second NICs on link subnet 10.1.9.0/30. */
static void link_subnet(struct it_host *h1, struct it_host *h2)
{
	VF_OPTS(vf_subnet_opts, lo, .id = 9, .name = "cable", .kind = VF_SUBNET_LINK,
		.prefix = {IP4(10, 1, 9, 0), 30});
	vf_subnet *l1 = NULL, *l2 = NULL;
	vf_port *p1, *p2;

	vf_fabric_lock(h1->f);
	vf_subnet_create(&l1, h1->cell[0], &lo);
	p1 = it_port_veth(l1, "a-link", IP4(10, 1, 9, 1), "vft-la", "a", "eth1x");
	vf_fabric_unlock(h1->f);
	vf_fabric_lock(h2->f);
	vf_subnet_create(&l2, h2->cell[0], &lo);
	p2 = it_port_veth(l2, "b-link", IP4(10, 1, 9, 2), "vft-lb", "b", "eth1x");
	vf_fabric_unlock(h2->f);
	CHECK(p1 && p2, "a link subnet with one end on each host");
	if (!p1 || !p2)
		return;
	h1->ports[h1->nports++] = p1;
	h2->ports[h2->nports++] = p2;
	it_host_publish(h1, h2, p1);
	it_host_publish(h2, h1, p2);
	it_sh("ip -n $P-a link set eth1x up && ip -n $P-a addr add 10.1.9.1/30 dev "
	      "eth1x");
	it_sh("ip -n $P-b link set eth1x up && ip -n $P-b addr add 10.1.9.2/30 dev "
	      "eth1x");
	CHECK(it_ping("a", "10.1.9.2", 3) == 0,
	      "a's second NIC reaches b's over the link");
	/* c has no route into the cable but its gateway: the router is not on it */
	CHECK(it_ping("c", "10.1.9.2", 2) != 0, "c cannot reach the link subnet");
	vf_fabric_lock(h1->f);
	vf_subnet_destroy(l1);
	vf_fabric_unlock(h1->f);
	vf_fabric_lock(h2->f);
	vf_subnet_destroy(l2);
	vf_fabric_unlock(h2->f);
}

int main(void)
{
	struct it_host h1 = {0}, h2 = {0};
	vf_port *a, *b, *c, *d = NULL;
	uint32_t dns = IP4(10, 1, 1, 53);

	it_start();
	if (it_underlay() != 0)
		return it_finish() + 1;
	CHECK(it_host_build(&h1, "hv1", "vft-ul1") == 0 &&
		      it_host_build(&h2, "hv2", "vft-ul2") == 0,
	      "two hosts");
	vf_subnet_set_mtu(h1.sub[0][0], 1400);
	vf_subnet_set_dns(h1.sub[0][0], &dns, 1);
	vf_fabric_thread_start(h1.f);
	vf_fabric_thread_start(h2.f);
	a = it_host_vm(&h1, &h2, 0, 0, 10, "a");
	b = it_host_vm(&h2, &h1, 0, 0, 11, "b");
	c = it_host_vm(&h2, &h1, 0, 1, 10, "c");
	if (it_vm_create("d") == 0) {
		vf_fabric_lock(h1.f);
		d = it_port_veth(h1.sub[0][0], "d", IP4(10, 1, 1, 20), "vft-pd", "d",
				 "eth0x");
		if (d)
			h1.ports[h1.nports++] = d;
		vf_fabric_unlock(h1.f);
	}
	CHECK(a && b && c && d, "VMs a, d on hv1; b, c on hv2");
	CHECK(it_workers_start(h1.f, 1) == 0 && it_workers_start(h2.f, 1) == 0,
	      "a worker thread per host");
	if (!(a && b && c && d))
		goto out;
	dhcp(d);
	throughput();
	spoofing(&h1, a);
	secgroup_change(&h2, b);
	qos(&h1, a);
	link_subnet(&h1, &h2);
	it_workers_stop(h1.f);
	it_workers_stop(h2.f);
out:
	it_host_teardown(&h1);
	it_host_teardown(&h2);
	it_sh("rm -f $T/*.txt $T/*.json $T/udhcpc.sh");
	return it_finish();
}
