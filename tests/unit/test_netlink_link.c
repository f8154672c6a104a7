/*
 * lib/netlink: taps, veths, MAC, MTU, state and namespace moves over
 * rtnetlink, and the link-state watch.
 *
 * Needs root (CAP_NET_ADMIN); every test is skipped otherwise. The group
 * setup moves the test process into a network namespace of its own
 * (unshare(CLONE_NEWNET)), so nothing here touches the host's links, and
 * makes a second one, "there", held only by a file descriptor: code runs
 * there by setns() into it and back. Everything read back through the
 * library is also checked through a second path, the SIOCGIF* ioctls.
 */
#include "unit.h"

#include <fcntl.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "netlink/nl.h"

#define WAIT_MS 5000

static bool usable;   /* root, in our own namespace */
static bool have_tun; /* /dev/net/tun opens */
static int ns_here = -1;
static int ns_there = -1;

struct fx {
	struct vf__nl *nl;
};

#define NL(state) (((struct fx *)*(state))->nl)
#define NEED_NS()               \
	do {                    \
		if (!usable)    \
			skip(); \
	} while (0)

static int group_setup(void **state)
{
	int fd;

	(void)state;
	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "# no CAP_NET_ADMIN / unshare: skipping\n");
		return 0;
	}
	ns_here = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (ns_here < 0 || unshare(CLONE_NEWNET) < 0)
		return 0;
	ns_there = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (setns(ns_here, CLONE_NEWNET) < 0)
		return -1;
	usable = ns_there >= 0;
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	have_tun = fd >= 0;
	if (fd >= 0)
		close(fd);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (ns_there >= 0)
		close(ns_there);
	if (ns_here >= 0)
		close(ns_here);
	return 0;
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	*state = fx;
	if (usable && vf__nl_open(&fx->nl) < 0)
		return -1;
	return 0;
}

static const char *const names[] = {"vft0", "vft1", "vfa0", "vfa1",
				    "vfm0", "vfw0", "vfs0"};

static int teardown(void **state)
{
	struct fx *fx = *state;
	size_t i;

	if (fx->nl)
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			(void)vf__nl_link_delete(fx->nl, names[i]);
	vf__nl_close(fx->nl);
	free(fx);
	return 0;
}

/* ---- the second path: ioctls on an AF_INET socket ---- */

static int ifreq_ioctl(const char *name, unsigned long req, struct ifreq *ifr)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc;

	assert_true(s >= 0);
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", name);
	rc = ioctl(s, req, ifr);
	close(s);
	return rc < 0 ? -errno : 0;
}

/* The ifindex of @name in this namespace by ioctl, or -ENODEV. */
static int io_ifindex(const char *name)
{
	struct ifreq ifr;
	int rc = ifreq_ioctl(name, SIOCGIFINDEX, &ifr);

	return rc < 0 ? rc : ifr.ifr_ifindex;
}

static void assert_io_link(const char *name, vf_mac mac, int mtu, bool up)
{
	struct ifreq ifr;
	vf_mac got;

	assert_int_equal(ifreq_ioctl(name, SIOCGIFHWADDR, &ifr), 0);
	assert_int_equal(ifr.ifr_hwaddr.sa_family, ARPHRD_ETHER);
	memcpy(got.addr, ifr.ifr_hwaddr.sa_data, 6);
	assert_mac_equal(got, mac);
	assert_int_equal(ifreq_ioctl(name, SIOCGIFMTU, &ifr), 0);
	assert_int_equal(ifr.ifr_mtu, mtu);
	assert_int_equal(ifreq_ioctl(name, SIOCGIFFLAGS, &ifr), 0);
	assert_int_equal(!!(ifr.ifr_flags & IFF_UP), up);
}

/* Runs vf__nl_ifindex(@name) with a socket opened in namespace @ns. */
static int ifindex_in(int ns, const char *name)
{
	struct vf__nl *nl;
	int rc;

	assert_int_equal(setns(ns, CLONE_NEWNET), 0);
	rc = vf__nl_open(&nl);
	assert_int_equal(setns(ns_here, CLONE_NEWNET), 0);
	assert_rc(rc, 0);
	rc = vf__nl_ifindex(nl, name);
	vf__nl_close(nl);
	return rc;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- taps ---- */

static void test_netlink_tap_create_delete(void **state)
{
	struct vf__nl *nl = NL(state);
	struct vf__nl_link l;
	int ifindex;

	NEED_NS();
	if (!have_tun)
		skip();
	assert_rc(vf__nl_tap_create(nl, "vft0"), 0);
	ifindex = vf__nl_ifindex(nl, "vft0");
	assert_rc_ge(ifindex, 1);
	assert_int_equal(io_ifindex("vft0"), ifindex);
	assert_rc(vf__nl_get_link(nl, "vft0", &l), 0);
	assert_int_equal(l.ifindex, ifindex);
	assert_false(l.admin_up);
	assert_false(l.oper_up);
	assert_int_equal(l.mtu, 1500);

	/* A second tap of the name, or a tap over a veth's name. */
	assert_rc(vf__nl_tap_create(nl, "vft0"), -EEXIST);
	assert_error_has("vft0");
	assert_rc(vf__nl_veth_create(nl, "vfa0", "vfa1", -1), 0);
	assert_rc(vf__nl_tap_create(nl, "vfa1"), -EEXIST);

	/* Persistent: still here after the creating fd closed; up works. */
	assert_rc(vf__nl_set_up(nl, "vft0", true), 0);
	assert_rc(vf__nl_get_link(nl, "vft0", &l), 0);
	assert_true(l.admin_up);
	assert_false(l.oper_up); /* nobody attached: no carrier */

	assert_rc(vf__nl_link_delete(nl, "vft0"), 0);
	assert_rc(vf__nl_ifindex(nl, "vft0"), -ENODEV);
	assert_int_equal(io_ifindex("vft0"), -ENODEV);
	assert_rc(vf__nl_link_delete(nl, "vft0"), -ENODEV);
	assert_error_has("vft0");
	assert_rc(vf__nl_get_link(nl, "vft0", &l), -ENODEV);
	assert_rc(vf__nl_tap_create(nl, "much-too-long-name"), -EINVAL);
	assert_rc(vf__nl_tap_create(nl, ""), -EINVAL);
}

/* ---- veths ---- */

static void test_netlink_veth_create(void **state)
{
	struct vf__nl *nl = NL(state);
	struct vf__nl_link a, b;

	NEED_NS();
	assert_rc(vf__nl_veth_create(nl, "vfa0", "vfa1", -1), 0);
	assert_rc_ge(vf__nl_ifindex(nl, "vfa0"), 1);
	assert_rc_ge(vf__nl_ifindex(nl, "vfa1"), 1);
	assert_int_equal(io_ifindex("vfa0"), vf__nl_ifindex(nl, "vfa0"));
	assert_int_equal(io_ifindex("vfa1"), vf__nl_ifindex(nl, "vfa1"));
	assert_rc(vf__nl_get_link(nl, "vfa0", &a), 0);
	assert_rc(vf__nl_get_link(nl, "vfa1", &b), 0);
	assert_false(a.admin_up || b.admin_up);
	assert_false(a.oper_up || b.oper_up);
	assert_int_not_equal(a.ifindex, b.ifindex);

	assert_rc(vf__nl_veth_create(nl, "vfa0", "vfs0", -1), -EEXIST);
	assert_error_has("vfa0");
	assert_rc(vf__nl_veth_create(nl, "vfs0", "much-too-long-name", -1), -EINVAL);
	assert_int_equal(io_ifindex("vfs0"), -ENODEV);

	/* Deleting one end takes the other. */
	assert_rc(vf__nl_link_delete(nl, "vfa1"), 0);
	assert_rc(vf__nl_ifindex(nl, "vfa0"), -ENODEV);
	assert_rc(vf__nl_ifindex(nl, "vfa1"), -ENODEV);
}

static void test_netlink_veth_peer_netns(void **state)
{
	struct vf__nl *nl = NL(state);

	NEED_NS();
	assert_rc(vf__nl_veth_create(nl, "vfa0", "vfa1", ns_there), 0);
	assert_rc_ge(vf__nl_ifindex(nl, "vfa0"), 1);
	assert_rc(vf__nl_ifindex(nl, "vfa1"), -ENODEV);
	assert_int_equal(io_ifindex("vfa1"), -ENODEV);
	assert_rc_ge(ifindex_in(ns_there, "vfa1"), 1);
	assert_rc(ifindex_in(ns_there, "vfa0"), -ENODEV);

	assert_rc(vf__nl_link_delete(nl, "vfa0"), 0);
	assert_rc(ifindex_in(ns_there, "vfa1"), -ENODEV);
}

/* ---- MAC, MTU, state ---- */

static bool wait_oper(struct vf__nl *nl, const char *name, bool want)
{
	struct vf__nl_link l;
	long end = now_ms() + WAIT_MS;

	do {
		assert_rc(vf__nl_get_link(nl, name, &l), 0);
		if (l.oper_up == want)
			return true;
		usleep(10000);
	} while (now_ms() < end);
	return false;
}

static void test_netlink_set_mac_mtu_up(void **state)
{
	struct vf__nl *nl = NL(state);
	vf_mac mac = MAC(0x02, 0x11, 0x22, 0x33, 0x44, 0x55);
	struct vf__nl_link l;

	NEED_NS();
	assert_rc(vf__nl_veth_create(nl, "vfa0", "vfa1", -1), 0);
	assert_rc(vf__nl_set_mac(nl, "vfa0", &mac), 0);
	assert_rc(vf__nl_set_mtu(nl, "vfa0", 1400), 0);
	assert_rc(vf__nl_get_link(nl, "vfa0", &l), 0);
	assert_mac_equal(l.mac, mac);
	assert_int_equal(l.mtu, 1400);
	assert_false(l.admin_up);
	assert_io_link("vfa0", mac, 1400, false);

	/* Up at one end: admin up, no carrier until the peer is up too. */
	assert_rc(vf__nl_set_up(nl, "vfa0", true), 0);
	assert_rc(vf__nl_get_link(nl, "vfa0", &l), 0);
	assert_true(l.admin_up);
	assert_false(l.oper_up);
	assert_io_link("vfa0", mac, 1400, true);
	assert_rc(vf__nl_set_up(nl, "vfa1", true), 0);
	assert_true(wait_oper(nl, "vfa0", true));
	assert_true(wait_oper(nl, "vfa1", true));

	assert_rc(vf__nl_set_up(nl, "vfa0", false), 0);
	assert_rc(vf__nl_get_link(nl, "vfa0", &l), 0);
	assert_false(l.admin_up);
	assert_false(l.oper_up);
	assert_io_link("vfa0", mac, 1400, false);
	assert_true(wait_oper(nl, "vfa1", false));
	/* The MAC and MTU survived the state changes. */
	assert_mac_equal(l.mac, mac);
	assert_int_equal(l.mtu, 1400);
}

static void test_netlink_set_errors(void **state)
{
	struct vf__nl *nl = NL(state);
	vf_mac mcast = MAC(0x01, 0x00, 0x5e, 0x00, 0x00, 0x01);
	vf_mac mac = MAC(0x02, 0, 0, 0, 0, 1);
	struct vf__nl_link l;

	NEED_NS();
	assert_rc(vf__nl_veth_create(nl, "vfa0", "vfa1", -1), 0);
	assert_rc(vf__nl_get_link(nl, "vfa0", &l), 0);

	/* Below the minimum: EINVAL, with the kernel's extended ack. */
	assert_rc(vf__nl_set_mtu(nl, "vfa0", 10), -EINVAL);
	print_message("# vf_last_error: %s\n", vf_last_error());
	assert_error_has("MTU 10");
	assert_error_has("vfa0");
	assert_error_has("kernel: ");
	assert_rc(vf__nl_set_mtu(nl, "vfa0", 1000000), -EINVAL);
	assert_error_has("kernel: ");
	assert_rc(vf__nl_set_mac(nl, "vfa0", &mcast), -EINVAL);
	print_message("# vf_last_error: %s\n", vf_last_error());
	assert_error_has("01:00:5e:00:00:01");

	/* Nothing changed. */
	assert_io_link("vfa0", l.mac, 1500, false);

	assert_rc(vf__nl_set_mtu(nl, "vfs0", 1400), -ENODEV);
	assert_error_has("vfs0");
	assert_rc(vf__nl_set_mac(nl, "vfs0", &mac), -ENODEV);
	assert_rc(vf__nl_set_mac(nl, "vfa0", NULL), -EINVAL);
	assert_rc(vf__nl_set_up(nl, "vfs0", true), -ENODEV);
	assert_rc(vf__nl_move_to_netns(nl, "vfs0", ns_there, NULL), -ENODEV);
	assert_rc(vf__nl_move_to_netns(nl, "vfa0", -1, NULL), -EINVAL);
	assert_rc(vf__nl_ifindex(nl, NULL), -EINVAL);
	assert_rc(vf__nl_ifindex(nl, "much-too-long-name"), -EINVAL);
}

/* ---- namespaces ---- */

static void test_netlink_move_to_netns(void **state)
{
	struct vf__nl *nl = NL(state);

	NEED_NS();
	assert_rc(vf__nl_veth_create(nl, "vfm0", "vfa1", -1), 0);
	assert_rc(vf__nl_move_to_netns(nl, "vfa1", ns_there, NULL), 0);
	assert_rc(vf__nl_ifindex(nl, "vfa1"), -ENODEV);
	assert_int_equal(io_ifindex("vfa1"), -ENODEV);
	assert_rc_ge(ifindex_in(ns_there, "vfa1"), 1);
	assert_rc_ge(vf__nl_ifindex(nl, "vfm0"), 1);

	/* And back again, from a socket over there. */
	{
		struct vf__nl *there;
		int rc;

		assert_int_equal(setns(ns_there, CLONE_NEWNET), 0);
		rc = vf__nl_open(&there);
		assert_int_equal(setns(ns_here, CLONE_NEWNET), 0);
		assert_rc(rc, 0);
		rc = vf__nl_move_to_netns(there, "vfa1", ns_here, NULL);
		vf__nl_close(there);
		assert_rc(rc, 0);
	}
	assert_rc_ge(io_ifindex("vfa1"), 1);
	assert_rc(ifindex_in(ns_there, "vfa1"), -ENODEV);

	/* Moved and renamed in one step: the name is taken here, not there. */
	assert_rc(vf__nl_veth_create(nl, "vfm1", "vfs1", -1), 0);
	assert_rc(vf__nl_move_to_netns(nl, "vfa1", ns_there, "vfs1"), 0);
	assert_rc_ge(ifindex_in(ns_there, "vfs1"), 1);
	assert_rc(ifindex_in(ns_there, "vfa1"), -ENODEV);
	/* a second one of that name over there is refused, and stays here */
	assert_rc(vf__nl_move_to_netns(nl, "vfs1", ns_there, "vfs1"), -EEXIST);
	assert_error_has("vfs1");
	assert_rc_ge(vf__nl_ifindex(nl, "vfs1"), 1);
	assert_rc(vf__nl_move_to_netns(nl, "vfs1", ns_there, "bad name"), -EINVAL);
	assert_rc(vf__nl_link_delete(nl, "vfm1"), 0);
	assert_rc(vf__nl_link_delete(nl, "vfm0"), 0);
}

/* ---- the watch ---- */

struct event {
	char name[IFNAMSIZ];
	int ifindex;
	bool present, oper_up;
};

struct events {
	int n;
	struct event e[256];
};

static void record(void *arg, const char *name, int ifindex, bool present, bool oper_up)
{
	struct events *ev = arg;
	struct event *e;

	if (ev->n == (int)(sizeof(ev->e) / sizeof(ev->e[0])))
		return;
	e = &ev->e[ev->n++];
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->ifindex = ifindex;
	e->present = present;
	e->oper_up = oper_up;
}

/* Polls the watch until an event for @name with @present and @oper_up
 * arrives after event *@from; advances *@from past it. Bounded. */
static bool wait_event(struct vf__nl_watch *w, struct events *ev, int *from,
		       const char *name, int ifindex, bool present, bool oper_up)
{
	struct pollfd p = {.fd = vf__nl_watch_fd(w), .events = POLLIN};
	long end = now_ms() + WAIT_MS;
	int i;

	for (;;) {
		for (i = *from; i < ev->n; i++) {
			struct event *e = &ev->e[i];

			if (!strcmp(e->name, name) && e->present == present &&
			    e->oper_up == oper_up && e->ifindex == ifindex) {
				*from = i + 1;
				return true;
			}
		}
		if (now_ms() >= end || poll(&p, 1, 100) < 0)
			return false;
		assert_rc_ge(vf__nl_watch_process(w), 0);
	}
}

static void test_netlink_watch(void **state)
{
	struct vf__nl *nl = NL(state);
	struct vf__nl_watch *w;
	struct events ev = {0};
	int from = 0;
	int ifindex;

	NEED_NS();
	assert_rc(vf__nl_watch_open(&w, record, &ev), 0);
	assert_true(vf__nl_watch_fd(w) >= 0);
	/* Nothing happened yet: processing reads nothing, and blocks not. */
	assert_rc(vf__nl_watch_process(w), 0);

	assert_rc(vf__nl_veth_create(nl, "vfw0", "vfa1", -1), 0);
	ifindex = vf__nl_ifindex(nl, "vfw0");
	assert_rc_ge(ifindex, 1);
	assert_true(wait_event(w, &ev, &from, "vfw0", ifindex, true, false));

	assert_rc(vf__nl_set_up(nl, "vfw0", true), 0);
	assert_rc(vf__nl_set_up(nl, "vfa1", true), 0);
	assert_true(wait_event(w, &ev, &from, "vfw0", ifindex, true, true));

	/* The peer down: carrier goes, vfw0 stays admin up. */
	assert_rc(vf__nl_set_up(nl, "vfa1", false), 0);
	assert_true(wait_event(w, &ev, &from, "vfw0", ifindex, true, false));

	assert_rc(vf__nl_link_delete(nl, "vfw0"), 0);
	assert_true(wait_event(w, &ev, &from, "vfw0", ifindex, false, false));
	print_message("# %d link events\n", ev.n);
	vf__nl_watch_close(w);
	vf__nl_watch_close(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_netlink_tap_create_delete),
		T(test_netlink_veth_create),
		T(test_netlink_veth_peer_netns),
		T(test_netlink_set_mac_mtu_up),
		T(test_netlink_set_errors),
		T(test_netlink_move_to_netns),
		T(test_netlink_watch),
#undef T
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
