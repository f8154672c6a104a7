/*
 * Two hosts, real VMs: two fabrics (hv1, hv2) joined by an underlay veth
 * pair, each with two cells of two subnets (the Diverter plan
 * 10.<cell>.<subnet>.<host>); VMs are network namespaces on veths the
 * fabrics create, and the kernel's ping and tcpdump are the clients.
 * Remote locations are set by hand (vf_location_set, as vfhost's static
 * [locations] do), or, with the argument "gossip" (ctest
 * integration.two_hosts_gossip), learnt by gossip: both fabrics run
 * vf_gossip_start() on loopback ports of the test's private namespace,
 * hv2 joins hv1, and the location service spreads the VMs (nothing is set
 * by hand); a graceful leave of hv2 then withdraws its VMs from hv1.
 *
 *   hv1: a  blue/s1 10.1.1.10     r1 red/s1 10.2.1.10
 *   hv2: b  blue/s1 10.1.1.11     c  blue/s2 10.1.2.10    r2 red/s2 10.2.2.10
 *
 * It shows: bridged and routed pings across hosts (TTL 63 when routed),
 * cells refused both ways (counted as inter-cell drops), a broadcast that
 * reaches its subnet on the other host and nothing else, and a capture
 * on the underlay with no MAC but the two hosts'.
 *
 * Root only (exits 77 otherwise); runs in a private network namespace.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "itest.h"

/* Starts tcpdump in VM @name (or, NULL, on the underlay) writing what it
 * sees to $T/NAME.txt; it stops after @secs. */
static void capture(const char *name, const char *filter, int secs)
{
	if (name)
		it_sh("(timeout %d ip netns exec $P-%s tcpdump -l -n -e -i eth0x %s "
		      "> $T/%s.txt 2>/dev/null &)",
		      secs, name, filter, name);
	else /* each end sees what arrives (frames sent with qdisc bypass skip
	      * the sender's taps) */
		it_sh("(timeout %d tcpdump -l -n -e -i vft-ul1 %s > $T/ul1.txt "
		      "2>/dev/null &); (timeout %d tcpdump -l -n -e -i vft-ul2 %s "
		      "> $T/ul2.txt 2>/dev/null &)",
		      secs, filter, secs, filter);
}

static int lines_with(const char *file, const char *what)
{
	return it_sh("exit $(grep -c '%s' %s)", what, file);
}

/* Reads the tcpdump -e captures of the underlay: every unicast MAC in it must be one of the
 * hosts' (a group MAC, low bit of the first byte set, is the hosts' own
 * IPv6 chatter), and frames must have gone both ways between them. */
static void check_underlay(const vf_mac *m1, const vf_mac *m2)
{
	char line[512], s[32], d[32];
	int lines = 0, strangers = 0, one_two = 0, two_one = 0;
	FILE *in = popen("cat $T/ul1.txt $T/ul2.txt", "r");

	while (in && fgets(line, sizeof(line), in)) {
		vf_mac src, dst;

		if (sscanf(line, "%*s %31s > %31[^,]", s, d) != 2 ||
		    vf_mac_parse(&src, s) < 0 || vf_mac_parse(&dst, d) < 0)
			continue;
		lines++;
		for (int i = 0; i < 2; i++) {
			const vf_mac *m = i ? &dst : &src;

			if (!(m->addr[0] & 1) && memcmp(m, m1, 6) && memcmp(m, m2, 6)) {
				if (!strangers++)
					printf("     a stranger on the underlay: %s",
					       line);
			}
		}
		one_two += !memcmp(&src, m1, 6) && !memcmp(&dst, m2, 6);
		two_one += !memcmp(&src, m2, 6) && !memcmp(&dst, m1, 6);
	}
	if (in)
		pclose(in);
	CHECK(lines > 10, "the underlay capture has %d frames", lines);
	CHECK(strangers == 0, "none with a unicast MAC other than the two hosts' (%d)",
	      strangers);
	CHECK(one_two > 0 && two_one > 0, "%d frames hv1 -> hv2, %d hv2 -> hv1", one_two,
	      two_one);
}

static bool gossip;

/* A VM @name on @h in cell @c, subnet @s, host part @n; without gossip
 * the other host @o is told where it is, with gossip no one is told: the
 * location service spreads it. */
static vf_port *vm(struct it_host *h, struct it_host *o, int c, int s, int n,
		   const char *name)
{
	return it_host_vm(h, gossip ? NULL : o, c, s, n, name);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static size_t locations(vf_fabric *f)
{
	size_t n;

	vf_fabric_lock(f);
	n = vf_location_count(f);
	vf_fabric_unlock(f);
	return n;
}

/* Waits (at most @ms) until hv1 knows @n1 remote locations and hv2 @n2;
 * returns the milliseconds it took, or -1. */
static long wait_locations(struct it_host *h1, size_t n1, struct it_host *h2, size_t n2,
			   unsigned int ms)
{
	uint64_t t0 = now_ms();

	while (locations(h1->f) != n1 || locations(h2->f) != n2) {
		if (now_ms() - t0 > ms)
			return -1;
		usleep(20 * 1000);
	}
	return (long)(now_ms() - t0);
}

/* Gossip on both hosts: hv1 on 127.0.0.1:17946, hv2 on :17947 joining it. */
static void gossip_start(struct it_host *h1, struct it_host *h2)
{
	static const char *const seed[] = {"127.0.0.1:17946"};
	VF_OPTS(vf_gossip_opts, g1, .bind_addr = "127.0.0.1", .bind_port = 17946);
	VF_OPTS(vf_gossip_opts, g2, .bind_addr = "127.0.0.1", .bind_port = 17947);
	int rc1, rc2, rc3;

	vf_fabric_lock(h1->f);
	rc1 = vf_gossip_start(h1->f, &g1);
	vf_fabric_unlock(h1->f);
	vf_fabric_lock(h2->f);
	rc2 = vf_gossip_start(h2->f, &g2);
	rc3 = rc2 == 0 ? vf_gossip_join(h2->f, seed, 1) : -1;
	vf_fabric_unlock(h2->f);
	CHECK(rc1 == 0 && rc2 == 0 && rc3 == 1,
	      "gossip on loopback on both hosts, hv2 joins hv1 (%d %d %d)", rc1, rc2,
	      rc3);
}

/* hv1's location of @vip in @cell: on hv2's MAC? */
static bool on_host(struct it_host *h1, uint32_t cell, uint32_t vip, const vf_mac *m2)
{
	vf_location l = {.sz = sizeof(l)};
	int rc;

	vf_fabric_lock(h1->f);
	rc = vf_location_get(h1->f, cell, vip, &l);
	vf_fabric_unlock(h1->f);
	return rc == 0 && !memcmp(&l.host_mac, m2, sizeof(*m2));
}

int main(int argc, char **argv)
{
	struct it_host h1 = {0}, h2 = {0};
	vf_port *a, *b, *c, *r1, *r2;
	char mac1[VF_MAC_STRLEN], mac2[VF_MAC_STRLEN];
	vf_mac m1, m2;
	uint64_t inter;

	gossip = argc > 1 && !strcmp(argv[1], "gossip");
	it_start();
	if (gossip && it_sh("ip link set lo up") != 0)
		return it_finish() + 1;
	if (it_underlay() != 0)
		return it_finish() + 1;
	CHECK(it_host_build(&h1, "hv1", "vft-ul1") == 0 &&
		      it_host_build(&h2, "hv2", "vft-ul2") == 0,
	      "two hosts, each bound to its underlay end");
	m1 = vf_fabric_host_mac(h1.f);
	m2 = vf_fabric_host_mac(h2.f);
	vf_mac_format(mac1, sizeof(mac1), &m1);
	vf_mac_format(mac2, sizeof(mac2), &m2);
	CHECK(it_sh("ip link show vft-ul1 | grep -q %s", mac1) == 0,
	      "hv1's host MAC is its underlay NIC's (%s)", mac1);
	CHECK(vf_fabric_thread_start(h1.f) == 0 && vf_fabric_thread_start(h2.f) == 0,
	      "both control loops on library threads");

	if (gossip)
		gossip_start(&h1, &h2);

	a = vm(&h1, &h2, 0, 0, 10, "a");
	r1 = vm(&h1, &h2, 1, 0, 10, "r1");
	b = vm(&h2, &h1, 0, 0, 11, "b");
	c = vm(&h2, &h1, 0, 1, 10, "c");
	r2 = vm(&h2, &h1, 1, 1, 10, "r2");
	CHECK(a && b && c && r1 && r2, "five VMs%s",
	      gossip ? "" : ", locations set on the other host");
	if (!(a && b && c && r1 && r2))
		goto out;
	if (gossip) {
		long ms = wait_locations(&h1, 3, &h2, 2, 10000);

		CHECK(ms >= 0,
		      "by gossip, hv1 learnt hv2's 3 VMs and hv2 hv1's 2 (%ld ms)", ms);
		CHECK(on_host(&h1, 1, IP4(10, 1, 2, 10), &m2) &&
			      on_host(&h1, 2, IP4(10, 2, 2, 10), &m2),
		      "hv1 has c and r2 on hv2's MAC");
	}
	CHECK(it_workers_start(h1.f, 1) == 0 && it_workers_start(h2.f, 1) == 0,
	      "a worker thread per host");

	capture(NULL, "", 12);
	usleep(500 * 1000);
	CHECK(it_ping("a", "10.1.1.11", 3) == 0, "a (hv1) pings b (hv2), same subnet");
	CHECK(it_ping("a", "10.1.2.10", 3) == 0, "a (hv1) pings c (hv2), routed");
	CHECK(it_sh("ip netns exec $P-a ping -c 1 -W 2 10.1.2.10 | grep -q 'ttl=63'") ==
		      0,
	      "the routed reply has TTL 63");
	CHECK(it_ping("r1", "10.2.2.10", 3) == 0,
	      "r1 (hv1) pings r2 (hv2), routed in red");
	vf_fabric_lock(h1.f);
	inter = vf_port_drops(a, VF_DROP_INTER_CELL);
	vf_fabric_unlock(h1.f);
	CHECK(it_ping("a", "10.2.1.10", 2) != 0,
	      "a (blue) cannot reach r1 (red), same host");
	CHECK(it_ping("a", "10.2.2.10", 2) != 0,
	      "a (blue) cannot reach r2 (red), other host");
	CHECK(it_ping("r2", "10.1.1.10", 2) != 0, "r2 (red) cannot reach a (blue)");
	vf_fabric_lock(h1.f);
	CHECK(vf_port_drops(a, VF_DROP_INTER_CELL) >= inter + 4,
	      "a's refused echoes counted as inter-cell drops (%llu)",
	      (unsigned long long)(vf_port_drops(a, VF_DROP_INTER_CELL) - inter));
	vf_fabric_unlock(h1.f);

	/* a broadcast in blue/s1 reaches b on the other host, and no one else */
	capture("b", "icmp", 4);
	capture("c", "icmp", 4);
	capture("r2", "icmp", 4);
	capture("r1", "icmp", 4);
	usleep(800 * 1000);
	it_sh("ip netns exec $P-a sysctl -q net.ipv4.icmp_echo_ignore_broadcasts=0; "
	      "ip netns exec $P-a ping -q -b -c 2 -i 0.3 -W 1 10.1.1.255 >/dev/null "
	      "2>&1");
	sleep(4);
	CHECK(lines_with("$T/b.txt", "10.1.1.10 > 10.1.1.255") >= 2,
	      "b (hv2) saw a's broadcast");
	CHECK(lines_with("$T/c.txt", "10.1.1.255") == 0, "c (other subnet) did not");
	CHECK(lines_with("$T/r1.txt", "10.1.1.255") == 0, "r1 (other cell) did not");
	CHECK(lines_with("$T/r2.txt", "10.1.1.255") == 0, "r2 (other cell) did not");

	sleep(1);
	check_underlay(&m1, &m2);
	if (gossip) {
		int rc;
		long ms;

		vf_fabric_lock(h2.f);
		rc = vf_gossip_leave(h2.f);
		vf_fabric_unlock(h2.f);
		ms = rc == 0 ? wait_locations(&h1, 0, &h2, locations(h2.f), 10000) : -1;
		CHECK(ms >= 0, "hv2 leaves gracefully: hv1 withdraws its VMs (%ld ms)",
		      ms);
		CHECK(it_ping("a", "10.1.1.11", 2) != 0, "a no longer reaches b");
	}
	CHECK(it_workers_stop(h1.f) == 0 && it_workers_stop(h2.f) == 0,
	      "workers stopped");
out:
	it_host_teardown(&h1);
	it_host_teardown(&h2);
	it_sh("rm -f $T/*.txt");
	return it_finish();
}
