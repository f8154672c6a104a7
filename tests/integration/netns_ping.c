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
 *   - counters of ports and endpoints match what was sent.
 *
 * Needs root (namespaces, veth): exits 77 (skipped) otherwise. Everything it
 * creates is named vft-* and removed at the end, also after a failure.
 * Links the shared library and the public headers only.
 */
#include <errno.h>
#include <sys/wait.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vfabric/vfabric.h>

static int failures;

#define CHECK(cond, ...)                                                \
	do {                                                            \
		if (!(cond)) {                                          \
			failures++;                                     \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                   \
			fprintf(stderr, " [%s]\n", vf_last_error());    \
		} else {                                                \
			printf("ok   ");                                \
			printf(__VA_ARGS__);                            \
			printf("\n");                                   \
		}                                                       \
	} while (0)

static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	return rc == -1 ? -1 : WEXITSTATUS(rc);
}

static void cleanup(void)
{
	sh("ip netns del vft-a 2>/dev/null; ip netns del vft-b 2>/dev/null; "
	   "ip netns del vft-c 2>/dev/null; ip link del vft-pa 2>/dev/null; "
	   "ip link del vft-pb 2>/dev/null; ip link del vft-pc 2>/dev/null; true");
}

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static vf_port *vm(vf_fabric *f, vf_subnet *s, const char *name, const char *ns,
		   const char *ifname, uint32_t vip)
{
	VF_OPTS(vf_port_opts, po, .name = name, .vip = vip);
	char path[64];
	VF_OPTS(vf_bind_opts, bo, .ifname = ifname, .flags = VF_BIND_F_CREATE_VETH,
		.peer = "eth0x", .netns = path);
	vf_port *p = NULL;
	char ipbuf[16];

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	vf_fabric_lock(f);
	if (vf_port_create(&p, s, &po) < 0 || vf_port_bind(p, &bo) < 0) {
		fprintf(stderr, "port %s: %s\n", name, vf_last_error());
		vf_fabric_unlock(f);
		return NULL;
	}
	vf_fabric_unlock(f);
	vf_ipv4_format(ipbuf, sizeof(ipbuf), vip);
	sh("ip -n %s link set lo up && ip -n %s link set eth0x up && "
	   "ip -n %s addr add %s/24 dev eth0x && ip -n %s route add default via %s",
	   ns, ns, ns, ipbuf, ns, vip >> 8 == IP4(10, 7, 1, 0) >> 8 ? "10.7.1.1" : "10.7.2.1");
	return p;
}

static int ping(const char *ns, const char *dst, int count)
{
	return sh("ip netns exec %s ping -q -c %d -i 0.2 -W 2 %s >/dev/null", ns, count, dst);
}

int main(void)
{
	VF_OPTS(vf_subnet_opts, s1o, .name = "s1", .prefix = { IP4(10, 7, 1, 0), 24 });
	VF_OPTS(vf_subnet_opts, s2o, .name = "s2", .prefix = { IP4(10, 7, 2, 0), 24 });
	VF_OPTS(vf_fabric_opts, fo, .host_name = "hv1");
	vf_fabric *f = NULL;
	vf_cell *c = NULL;
	vf_subnet *s1 = NULL, *s2 = NULL;
	vf_router *r = NULL;
	vf_port *a = NULL, *b = NULL, *cc = NULL;
	vf_port_stats st = { .sz = sizeof(st) };
	vf_datapath_stats ds = { .sz = sizeof(ds) };

	if (geteuid() != 0 || sh("ip netns add vft-probe 2>/dev/null") != 0) {
		printf("skipped: needs root and network namespaces\n");
		return 77;
	}
	sh("ip netns del vft-probe");
	setvbuf(stdout, NULL, _IOLBF, 0);
	cleanup();
	if (sh("ip netns add vft-a && ip netns add vft-b && ip netns add vft-c") != 0)
		return 1;

	if (vf_fabric_create(&f, &fo) < 0 || vf_cell_create(&c, f, NULL) < 0 ||
	    vf_subnet_create(&s1, c, &s1o) < 0 || vf_subnet_create(&s2, c, &s2o) < 0 ||
	    vf_router_create(&r, c, NULL) < 0 || vf_router_attach(r, s1, NULL) < 0 ||
	    vf_router_attach(r, s2, NULL) < 0) {
		fprintf(stderr, "model: %s\n", vf_last_error());
		cleanup();
		return 1;
	}
	CHECK(vf_fabric_thread_start(f) == 0, "control loop on a library thread");
	a = vm(f, s1, "vm-a", "vft-a", "vft-pa", IP4(10, 7, 1, 10));
	b = vm(f, s1, "vm-b", "vft-b", "vft-pb", IP4(10, 7, 1, 11));
	cc = vm(f, s2, "vm-c", "vft-c", "vft-pc", IP4(10, 7, 2, 10));
	CHECK(a && b && cc, "three ports bound to veths in three namespaces");
	if (!a || !b || !cc)
		goto out;
	vf_fabric_lock(f);
	CHECK(!strcmp(vf_port_datapath(a), "afpacket"), "bound through afpacket");
	CHECK(!strcmp(vf_port_ifname(a), "vft-pa"), "on vft-pa");
	vf_fabric_unlock(f);
	CHECK(sh("ip -n vft-a link show eth0x | grep -qi %s", "02:") == 0,
	      "the VM's NIC has the port's VMAC");
	CHECK(vf_fabric_workers_start(f, 1, NULL) == 0, "one worker thread");
	CHECK(vf_fabric_workers_start(f, 1, NULL) == -EALREADY, "a second start is refused");

	CHECK(ping("vft-a", "10.7.1.11", 3) == 0, "vm-a pings vm-b (same subnet)");
	CHECK(ping("vft-a", "10.7.1.1", 3) == 0, "vm-a pings its gateway");
	CHECK(ping("vft-a", "10.7.2.10", 3) == 0, "vm-a pings vm-c (routed)");
	CHECK(sh("ip netns exec vft-a ping -c 1 -W 2 10.7.2.10 | grep -q 'ttl=63'") == 0,
	      "the routed reply arrives with TTL 63");

	vf_fabric_lock(f);
	CHECK(vf_port_stats_get(b, &st) == 0 && st.rx_packets >= 3 && st.tx_packets >= 3,
	      "vm-b counted %llu in, %llu out", (unsigned long long)st.rx_packets,
	      (unsigned long long)st.tx_packets);
	CHECK(vf_port_datapath_stats(b, &ds) == 0 && ds.rx_packets >= 3 && ds.tx_packets >= 3,
	      "vm-b's endpoint counted %llu received, %llu sent",
	      (unsigned long long)ds.rx_packets, (unsigned long long)ds.tx_packets);
	CHECK(vf_port_set_admin_up(b, false) == 0, "vm-b set down");
	vf_fabric_unlock(f);
	vf_fabric_wakeup(f);
	usleep(100 * 1000);
	CHECK(ping("vft-a", "10.7.1.11", 2) != 0, "vm-b down: no answer");
	vf_fabric_lock(f);
	CHECK(vf_port_drops(b, VF_DROP_PORT_DOWN) + vf_port_drops(a, VF_DROP_PORT_DOWN) > 0,
	      "drops counted as port-down");
	vf_port_set_admin_up(b, true);
	vf_fabric_unlock(f);
	usleep(100 * 1000);
	CHECK(ping("vft-a", "10.7.1.11", 2) == 0, "vm-b up again: answers");

	sh("ip -n vft-b link set eth0x down");
	usleep(300 * 1000);
	vf_fabric_lock(f);
	CHECK(!vf_port_link_up(b), "vm-b's NIC down: the port's link is down");
	CHECK(vf_port_datapath_stats(b, &ds) == 0 && ds.link_downs == 1, "one link-down counted");
	vf_fabric_unlock(f);
	sh("ip -n vft-b link set eth0x up");
	usleep(300 * 1000);
	vf_fabric_lock(f);
	CHECK(vf_port_link_up(b), "vm-b's NIC up: the port's link is up");
	vf_fabric_unlock(f);
	CHECK(ping("vft-a", "10.7.1.11", 2) == 0, "and traffic flows again");

	CHECK(vf_fabric_workers_stop(f) == 0, "worker threads stopped");
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
	CHECK(sh("ip link show vft-pa >/dev/null 2>&1") != 0, "the fabric deleted its veths");
	cleanup();
	printf("%s\n", failures ? "FAILED" : "PASSED");
	return failures ? 1 : 0;
}
