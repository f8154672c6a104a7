/*
 * custom_datapath.c: a third-party datapath, registered at run time.
 *
 * The datapath "sockpair" moves frames over UNIX datagram socketpairs:
 * each endpoint is one pair, the fabric holds one end (its descriptor is
 * what a worker waits on), the "VM" the other, and each datagram is one
 * Ethernet frame. It implements the ops table of vfabric/sys/datapath.h
 * (open, close, fd, rx, rx_release, tx) and lets the fabric count.
 *
 * The program registers it with vf_datapath_register(), binds two ports
 * of one subnet to it (vf_port_bind() with .datapath = "sockpair"),
 * creates a worker and drives it with vf_worker_poll() on the main thread,
 * then: vm1 ARPs for vm2 and gets the fabric's answer on its socket; vm1
 * pings vm2, vm2 answers; the counters of the endpoints are checked, and
 * the datapath cannot be unregistered while ports use it.
 * Endpoint names: the library (0.1) brings every endpoint of a datapath
 * other than "callback" up through netlink by its name, as if it were a
 * netdev, so this program runs in a private network namespace (its own,
 * unshared at start; a user namespace too when not root) where it makes
 * two veth netdevs with the endpoints' names (with carrier: their
 * peers are up, or the ports would count as down). A datapath whose
 * endpoints are not netdevs needs no such thing once the library leaves
 * their names alone.
 * Exits 0 when every step went as described, 1 otherwise, 77 (skipped)
 * when no network namespace can be made.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vfabric/vfabric.h>

#include "frames.h"

#define RX_MAX 32
#define FRAME_MAX 9216

/* One endpoint: a socketpair, [0] the fabric's end, [1] the VM's. */
struct sp_endpoint {
	const char *name;
	int fd[2];
	bool open;
	uint8_t rxbuf[RX_MAX][FRAME_MAX];
};

/* The datapath's own table of endpoints (its user_data). */
struct sp_table {
	struct sp_endpoint ep[2];
};

static int sp_open(void **state, const vf_endpoint_info *info, void *user_data)
{
	struct sp_table *t = user_data;

	for (size_t i = 0; i < sizeof(t->ep) / sizeof(t->ep[0]); i++) {
		struct sp_endpoint *e = &t->ep[i];

		if (strcmp(e->name, info->name) != 0)
			continue;
		if (e->open)
			return vf_datapath_error(-EBUSY,
						 "sockpair: endpoint already open");
		e->open = true;
		*state = e;
		printf("  sockpair: open %s for port %s (mtu %u)\n", info->name,
		       info->port ? info->port : "(underlay)", info->mtu);
		return 0;
	}
	return vf_datapath_error(-ENODEV, "sockpair: no such endpoint");
}

static void sp_close(void *state)
{
	struct sp_endpoint *e = state;

	printf("  sockpair: close %s\n", e->name);
	e->open = false;
}

static int sp_fd(void *state)
{
	return ((struct sp_endpoint *)state)->fd[0];
}

/* Takes what is queued, without blocking; frames stay in rxbuf until the
 * next rx (rx_release has nothing to do). */
static int sp_rx(void *state, vf_frame *frames, int max)
{
	struct sp_endpoint *e = state;
	int n = 0;

	if (max > RX_MAX)
		max = RX_MAX;
	while (n < max) {
		ssize_t len = recv(e->fd[0], e->rxbuf[n], FRAME_MAX, MSG_DONTWAIT);

		if (len < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				break;
			return n ? n : -errno;
		}
		frames[n].data = e->rxbuf[n];
		frames[n].len = (uint32_t)len;
		frames[n].flags = 0;
		n++;
	}
	return n;
}

static void sp_rx_release(void *state)
{
	(void)state;
}

static int sp_tx(void *state, const vf_frame *frames, int n)
{
	struct sp_endpoint *e = state;
	int sent = 0;

	for (int i = 0; i < n; i++) {
		if (send(e->fd[0], frames[i].data, frames[i].len, MSG_DONTWAIT) < 0)
			return sent ? sent : -errno;
		sent++;
	}
	return sent;
}

static const vf_datapath_ops sockpair_ops = {
	.sz = sizeof(vf_datapath_ops),
	.name = "sockpair",
	.open = sp_open,
	.close = sp_close,
	.fd = sp_fd,
	.rx = sp_rx,
	.rx_release = sp_rx_release,
	.tx = sp_tx,
};

static int failures;

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* Moves this process into a network namespace of its own (and a user
 * namespace where it is root, when it is not root), with two veth
 * netdevs the endpoints are named after. */
static int private_netns(void)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (unshare(CLONE_NEWNET) < 0) {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
			return -1;
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
		if (write_file("/proc/self/uid_map", map) < 0)
			return -1;
		write_file("/proc/self/setgroups", "deny");
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
		write_file("/proc/self/gid_map", map);
	}
	return system("ip link add sp-vm1 type veth peer name sp-vm1p && "
		      "ip link add sp-vm2 type veth peer name sp-vm2p && "
		      "ip link set sp-vm1p up && ip link set sp-vm2p up") == 0
		       ? 0
		       : -1;
}

static void expect(bool ok, const char *what)
{
	printf("%s %s\n", ok ? "  ok  " : "  FAIL", what);
	if (!ok)
		failures++;
}

/* Polls the worker until @vm's socket has a frame (at most ~2 s), and
 * reads it. Returns its length or 0. */
static size_t vm_recv(vf_worker *w, struct sp_endpoint *vm, uint8_t *buf, size_t len)
{
	for (int i = 0; i < 40; i++) {
		struct pollfd p = {.fd = vm->fd[1], .events = POLLIN};
		ssize_t n;

		if (poll(&p, 1, 0) == 1) {
			n = recv(vm->fd[1], buf, len, 0);
			return n > 0 ? (size_t)n : 0;
		}
		if (vf_worker_poll(w, 50) < 0) {
			printf("  vf_worker_poll: %s\n", vf_last_error());
			return 0;
		}
	}
	return 0;
}

#define CHECK_RC(call)                                                            \
	do {                                                                      \
		int rc_ = (call);                                                 \
		if (rc_ < 0) {                                                    \
			fprintf(stderr, "%s: %s (%s)\n", #call, vf_strerror(rc_), \
				vf_last_error());                                 \
			failures++;                                               \
			goto out;                                                 \
		}                                                                 \
	} while (0)

int main(void)
{
	static struct sp_table table = {.ep = {{.name = "sp-vm1"}, {.name = "sp-vm2"}}};
	VF_OPTS(vf_fabric_opts, fo, .host_name = "hv1");
	VF_OPTS(vf_subnet_opts, so, .name = "web"); /* 10.1.1.0/24 */
	VF_OPTS(vf_port_opts, p1o, .name = "vm1");
	VF_OPTS(vf_port_opts, p2o, .name = "vm2");
	VF_OPTS(vf_bind_opts, b1, .datapath = "sockpair", .ifname = "sp-vm1");
	VF_OPTS(vf_bind_opts, b2, .datapath = "sockpair", .ifname = "sp-vm2");
	VF_OPTS(vf_cell_opts, co, .id = 1, .name = "blue");
	vf_fabric *f = NULL;
	vf_cell *cell = NULL;
	vf_subnet *web = NULL;
	vf_port *vm1 = NULL, *vm2 = NULL;
	vf_worker *w = NULL;
	vf_datapath_stats ds1 = {.sz = sizeof(ds1)}, ds2 = {.sz = sizeof(ds2)};
	uint8_t frame[FRAME_MAX];
	vf_mac vmac1, vmac2, mac;
	uint32_t vip1, vip2, sip, dip;
	uint8_t ttl;
	size_t len;
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (private_netns() < 0) {
		printf("skipped: cannot make a private network namespace\n");
		return 77;
	}
	for (int i = 0; i < 2; i++)
		if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, table.ep[i].fd) <
		    0) {
			perror("socketpair");
			return 1;
		}

	CHECK_RC(vf_fabric_create(&f, &fo));
	CHECK_RC(vf_cell_create(&cell, f, &co));
	CHECK_RC(vf_subnet_create(&web, cell, &so));
	CHECK_RC(vf_port_create(&vm1, web, &p1o));
	CHECK_RC(vf_port_create(&vm2, web, &p2o));

	printf("1. register the datapath and bind two ports to it\n");
	CHECK_RC(vf_datapath_register(f, &sockpair_ops, &table));
	rc = vf_datapath_register(f, &sockpair_ops, &table);
	expect(rc == -EEXIST, "a second registration under the same name is refused");
	CHECK_RC(vf_port_bind(vm1, &b1));
	CHECK_RC(vf_port_bind(vm2, &b2));
	expect(!strcmp(vf_port_datapath(vm1), "sockpair") &&
		       !strcmp(vf_port_ifname(vm2), "sp-vm2"),
	       "vm1 and vm2 are bound through sockpair");
	CHECK_RC(vf_worker_create(&w, f, NULL));
	CHECK_RC(vf_fabric_process(f)); /* publish the tables to the worker */

	vip1 = vf_port_vip(vm1);
	vip2 = vf_port_vip(vm2);
	vmac1 = vf_port_vmac(vm1);
	vmac2 = vf_port_vmac(vm2);

	printf("2. vm1 asks who has vm2's address\n");
	len = fr_arp_request(frame, &vmac1, vip1, vip2);
	send(table.ep[0].fd[1], frame, len, 0);
	len = vm_recv(w, &table.ep[0], frame, sizeof(frame));
	expect(fr_arp_reply(frame, len, &mac, &sip) && sip == vip2 &&
		       !memcmp(mac.addr, vmac2.addr, 6),
	       "vm1 got the ARP reply on its socket: vm2's VMAC");

	printf("3. vm1 pings vm2, vm2 answers\n");
	len = fr_ping(frame, 8, &vmac1, vip1, &vmac2, vip2, 7, 1);
	send(table.ep[0].fd[1], frame, len, 0);
	len = vm_recv(w, &table.ep[1], frame, sizeof(frame));
	expect(fr_is_ping(frame, len, 8, &sip, &dip, &ttl) && sip == vip1 && dip == vip2,
	       "vm2 got the echo request on its socket");
	len = fr_ping(frame, 0, &vmac2, vip2, &vmac1, vip1, 7, 1);
	send(table.ep[1].fd[1], frame, len, 0);
	len = vm_recv(w, &table.ep[0], frame, sizeof(frame));
	expect(fr_is_ping(frame, len, 0, &sip, &dip, &ttl) && sip == vip2 && dip == vip1,
	       "vm1 got the echo reply");

	printf("4. counters\n");
	CHECK_RC(vf_port_datapath_stats(vm1, &ds1));
	CHECK_RC(vf_port_datapath_stats(vm2, &ds2));
	printf("  sp-vm1: rx %llu tx %llu; sp-vm2: rx %llu tx %llu; worker: %llu "
	       "frames\n",
	       (unsigned long long)ds1.rx_packets, (unsigned long long)ds1.tx_packets,
	       (unsigned long long)ds2.rx_packets, (unsigned long long)ds2.tx_packets,
	       (unsigned long long)vf_worker_frames(w));
	expect(ds1.rx_packets == 2 && ds1.tx_packets == 2 && ds2.rx_packets == 1 &&
		       ds2.tx_packets == 1,
	       "the fabric counted 2 frames each way on sp-vm1, 1 on sp-vm2");

	printf("5. unregister\n");
	rc = vf_datapath_unregister(f, "sockpair");
	expect(rc == -EBUSY, "refused while ports are bound to it");
	CHECK_RC(vf_port_unbind(vm1));
	CHECK_RC(vf_port_unbind(vm2));
	rc = vf_datapath_unregister(f, "sockpair");
	expect(rc == 0, "unregistered once its endpoints are closed");
out:
	vf_worker_destroy(w);
	vf_port_destroy(vm1);
	vf_port_destroy(vm2);
	vf_subnet_destroy(web);
	vf_cell_destroy(cell);
	vf_fabric_destroy(f);
	for (int i = 0; i < 2; i++) {
		close(table.ep[i].fd[0]);
		close(table.ep[i].fd[1]);
	}
	printf("%s\n", failures ? "FAILED" : "PASSED");
	return failures ? 1 : 0;
}
