/*
 * The control socket end to end (ctl.h): a fabric serves it on its loop,
 * run by the library's loop thread, and the client calls of this same
 * process (or of a forked child under another uid) talk to it over a real
 * unix socket. Every op, every error path; malformed, oversized and
 * wrong-version messages sent raw, which leave the fabric as it was; slow,
 * idle and surplus clients; refusal by peer credentials.
 *
 * The model is vt_setup_pipe()'s (unit.h): cell "blue" with subnets
 * "lan1" (ports a, b) and "lan2" (port c), cell "red" with "red1" (d).
 * The test thread takes vf_fabric_lock() around its own calls on the
 * fabric, as the loop thread runs.
 */
#include "unit.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/internal.h"
#include "ctl/proto.h"

#define FX(state) ((struct vt_fx *)*(state))

static char dir[64];
static char path[96];

static void lock(struct vt_fx *fx)
{
	vf_fabric_lock(fx->fabric);
}

static void unlock(struct vt_fx *fx)
{
	vf_fabric_unlock(fx->fabric);
}

static int listen_with(struct vt_fx *fx, const vf_ctl_opts *o)
{
	int rc;

	lock(fx);
	rc = vf_fabric_ctl_listen(fx->fabric, o);
	unlock(fx);
	return rc;
}

static int setup_opts(void **state, const vf_ctl_opts *o)
{
	VF_OPTS(vf_ctl_opts, dflt, .path = path);
	struct vt_fx *fx;

	snprintf(dir, sizeof(dir), "/tmp/vfctl-XXXXXX");
	if (!mkdtemp(dir) || chmod(dir, 0755) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	if (vt_setup_pipe(state))
		return -1;
	fx = *state;
	if (vf_fabric_thread_start(fx->fabric) < 0)
		return -1;
	if (listen_with(fx, o ? o : &dflt) < 0) {
		print_error("listen: %s\n", vf_last_error());
		return -1;
	}
	return 0;
}

static int setup(void **state)
{
	return setup_opts(state, NULL);
}

static int teardown(void **state)
{
	struct vt_fx *fx = *state;

	if (fx && fx->fabric)
		vf_fabric_thread_stop(fx->fabric);
	vt_teardown(state);
	/* the fabric's destruction closed the server and removed its file */
	if (path[0] && access(path, F_OK) == 0) {
		print_error("socket file %s is left\n", path);
		unlink(path);
		rmdir(dir);
		return -1;
	}
	rmdir(dir);
	return 0;
}

static vf_ctl *connect_ok(void)
{
	vf_ctl *c = NULL;

	assert_rc(vf_ctl_connect(&c, path), 0);
	assert_non_null(c);
	return c;
}

/* The fabric's object listing through the socket. */
static char *listing(vf_ctl *c)
{
	char *s = NULL;

	assert_rc(vf_ctl_list(c, &s), 0);
	assert_non_null(s);
	return s;
}

static void ctl_stats(struct vt_fx *fx, vf_ctl_stats *st)
{
	st->sz = sizeof(*st);
	lock(fx);
	assert_rc(vf_fabric_ctl_stats(fx->fabric, st), 0);
	unlock(fx);
}

static void assert_has(const char *text, const char *sub)
{
	if (!strstr(text, sub))
		fail_msg("\"%s\" not in:\n%s", sub, text);
}

/* ---- connecting ---- */

static void test_ctl_server_connect_and_hello(void **state)
{
	struct vt_fx *fx = FX(state);
	vf_ctl_stats st;
	vf_ctl *c = connect_ok(), *c2 = connect_ok();
	struct stat sb;

	assert_string_equal(vf_ctl_host_name(c), vf_fabric_host_name(fx->fabric));
	assert_null(vf_ctl_host_name(NULL));
	ctl_stats(fx, &st);
	assert_int_equal(st.accepted, 2);
	assert_int_equal(st.clients, 2);
	assert_int_equal(st.requests, 2); /* the two greetings */
	assert_int_equal(st.refused, 0);
	/* the default mode: the owner only */
	assert_int_equal(stat(path, &sb), 0);
	assert_true(S_ISSOCK(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0600);
	vf_ctl_close(c);
	vf_ctl_close(c2);
	vf_ctl_close(NULL);
	/* the server sees both go */
	for (int i = 0; i < 200; i++) {
		ctl_stats(fx, &st);
		if (!st.clients)
			break;
		usleep(5000);
	}
	assert_int_equal(st.clients, 0);
}

static void test_ctl_server_client_errors(void **state)
{
	vf_ctl *c = (vf_ctl *)state;
	char long_path[200], *s = (char *)state;

	memset(long_path, 'p', sizeof(long_path) - 1);
	long_path[sizeof(long_path) - 1] = 0;
	assert_rc(vf_ctl_connect(NULL, path), -EINVAL);
	assert_rc(vf_ctl_connect(&c, NULL), -EINVAL);
	assert_null(c);
	assert_rc(vf_ctl_connect(&c, ""), -EINVAL);
	assert_rc(vf_ctl_connect(&c, long_path), -EINVAL);
	assert_rc(vf_ctl_connect(&c, "/nonexistent/vf.sock"), -ENOENT);
	assert_error_has("/nonexistent/vf.sock");
	assert_null(c);

	c = connect_ok();
	assert_rc(vf_ctl_set_timeout(NULL, 10), -EINVAL);
	assert_rc(vf_ctl_set_timeout(c, 0), -EINVAL);
	assert_rc(vf_ctl_set_timeout(c, -2), -EINVAL);
	assert_rc(vf_ctl_set_timeout(c, 3600001), -EINVAL);
	assert_rc(vf_ctl_set_timeout(c, -1), 0);
	assert_rc(vf_ctl_set_timeout(c, 2000), 0);
	assert_rc(vf_ctl_list(NULL, &s), -EINVAL);
	assert_null(s);
	assert_rc(vf_ctl_list(c, NULL), -EINVAL);
	assert_rc(vf_ctl_counters(c, NULL, NULL), -EINVAL);
	assert_rc(vf_ctl_locations(c, NULL), -EINVAL);
	assert_rc(vf_ctl_members(c, NULL), -EINVAL);
	assert_rc(vf_ctl_members(NULL, &s), -EINVAL);
	assert_rc(vf_ctl_trace(c, NULL, NULL, 60, &s), -EINVAL);
	assert_rc(vf_ctl_detach(c, NULL), -EINVAL);
	assert_rc(vf_ctl_detach(NULL, "a"), -EINVAL);
	assert_rc(vf_ctl_attach(c, NULL, "lan1", NULL, NULL, NULL), -EINVAL);
	assert_rc(vf_ctl_attach(c, "blue", NULL, NULL, NULL, NULL), -EINVAL);
	{
		/* a newer caller's struct with an unknown field set is refused
		 * here, as in process */
		struct {
			vf_port_opts o;
			uint64_t newer;
		} big = {.o = {.sz = sizeof(big), .name = "x"}, .newer = 1};

		assert_rc(vf_ctl_attach(c, "blue", "lan1", &big.o, NULL, NULL), -EINVAL);
		assert_error_has("past");
	}
	/* the connection still works */
	s = listing(c);
	vf_free(s);
	vf_ctl_close(c);
}

/* ---- the ops ---- */

static void test_ctl_server_attach_detach(void **state)
{
	struct vt_fx *fx = FX(state);
	VF_OPTS(vf_port_opts, po, .name = "vm9", .vip = IP4(10, 1, 1, 50),
		.vmac = MAC(0x02, 0, 0, 0, 0, 0x50), .flags = VF_PORT_F_ADMIN_DOWN);
	vf_ctl *c = connect_ok();
	char *out = NULL;
	vf_port *p;

	assert_rc(vf_ctl_attach(c, "blue", "lan1", &po, NULL, &out), 0);
	assert_non_null(out);
	assert_has(out, "\"name\":\"vm9\"");
	assert_has(out, "\"vip\":\"10.1.1.50\"");
	assert_has(out, "\"vmac\":\"02:00:00:00:00:50\"");
	assert_has(out, "\"admin_up\":false");
	assert_has(out, "\"datapath\":null");
	vf_free(out);
	lock(fx);
	p = vf_fabric_port_by_name(fx->fabric, "vm9");
	assert_non_null(p);
	assert_ptr_equal(vf_port_subnet(p), fx->subnet[0]);
	assert_ip_equal(vf_port_vip(p), IP4(10, 1, 1, 50));
	assert_mac_equal(vf_port_vmac(p), MAC(0x02, 0, 0, 0, 0, 0x50));
	assert_false(vf_port_admin_up(p));
	unlock(fx);

	/* defaults: the lowest free VIP, a derived VMAC; no out */
	po.vip = 0;
	po.vmac = MAC(0, 0, 0, 0, 0, 0);
	po.flags = 0;
	po.name = "vm10";
	assert_rc(vf_ctl_attach(c, "blue", "lan2", &po, NULL, NULL), 0);
	lock(fx);
	p = vf_fabric_port_by_name(fx->fabric, "vm10");
	assert_non_null(p);
	assert_ptr_equal(vf_port_subnet(p), fx->subnet[1]);
	assert_true(vf_port_admin_up(p));
	unlock(fx);

	/* detach: the socket's own port, then a port the host made (whose
	 * handle stays valid and answers -ENOENT) */
	assert_rc(vf_ctl_detach(c, "vm9"), 0);
	assert_rc(vf_ctl_detach(c, "vm9"), -ENOENT);
	assert_error_has("no port 'vm9'");
	assert_rc(vf_ctl_detach(c, "b"), 0);
	lock(fx);
	assert_null(vf_fabric_port_by_name(fx->fabric, "vm9"));
	assert_null(vf_fabric_port_by_name(fx->fabric, "b"));
	assert_rc(vf_port_set_admin_up(fx->port[1], true), -ENOENT);
	assert_int_equal(vf_subnet_port_count(fx->subnet[0]), 1);
	unlock(fx);
	/* vm10 stays; the fabric's destruction releases it (valgrind) */
	vf_ctl_close(c);
}

/* Each failure comes back as the same -errno and message as the call in
 * process. */
static void test_ctl_server_attach_errors_mirror(void **state)
{
	struct vt_fx *fx = FX(state);
	struct {
		const char *cell, *subnet;
		vf_port_opts po;
		int rc;
	} cases[] = {
		{"blue", "lan1", {.sz = sizeof(vf_port_opts), .name = "a"}, -EEXIST},
		{"blue", "lan1", {.sz = sizeof(vf_port_opts)}, -EINVAL},
		{"blue",
		 "lan1",
		 {.sz = sizeof(vf_port_opts), .name = "bad name"},
		 -EINVAL},
		{"blue",
		 "lan1",
		 {.sz = sizeof(vf_port_opts), .name = "x", .vip = IP4(10, 9, 9, 9)},
		 -EINVAL},
		{"blue",
		 "lan1",
		 {.sz = sizeof(vf_port_opts), .name = "x", .vip = VT_IP_A},
		 -EADDRINUSE},
		{"blue",
		 "lan1",
		 {.sz = sizeof(vf_port_opts), .name = "x", .vmac = VT_MAC_B},
		 -EADDRINUSE},
		{"blue",
		 "lan1",
		 {.sz = sizeof(vf_port_opts), .name = "x", .vmac = VT_BCAST},
		 -EINVAL},
		{"blue",
		 "lan1",
		 {.sz = sizeof(vf_port_opts), .name = "x", .flags = 0x80},
		 -EINVAL},
		{"blue",
		 "lan1",
		 {.sz = sizeof(vf_port_opts), .name = "x", .id = 1},
		 -EEXIST},
	};
	vf_ctl *c = connect_ok();
	char *before = listing(c), *after;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char in_process[512];
		vf_port *p = NULL;
		int rc;

		lock(fx);
		rc = vf_port_create(
			&p,
			vf_cell_subnet_by_name(
				vf_fabric_cell_by_name(fx->fabric, cases[i].cell),
				cases[i].subnet),
			&cases[i].po);
		snprintf(in_process, sizeof(in_process), "%s", vf_last_error());
		unlock(fx);
		assert_rc(rc, cases[i].rc);
		assert_rc(vf_ctl_attach(c, cases[i].cell, cases[i].subnet, &cases[i].po,
					NULL, NULL),
			  cases[i].rc);
		assert_string_equal(vf_last_error(), in_process);
	}
	assert_rc(vf_ctl_attach(c, "green", "lan1", NULL, NULL, NULL), -ENOENT);
	assert_error_has("no cell 'green'");
	assert_rc(vf_ctl_attach(c, "blue", "red1", NULL, NULL, NULL), -ENOENT);
	assert_error_has("no subnet 'red1' in cell 'blue'");
	after = listing(c);
	assert_string_equal(before, after);
	vf_free(before);
	vf_free(after);
	vf_ctl_close(c);
}

static void test_ctl_server_attach_bind(void **state)
{
	struct vt_fx *fx = FX(state);
	VF_OPTS(vf_port_opts, po, .name = "vm20");
	VF_OPTS(vf_bind_opts, bo, .datapath = "callback");
	vf_ctl *c = connect_ok();
	char *out = NULL, *before, *after;
	vf_port *p;

	assert_rc(vf_ctl_attach(c, "blue", "lan1", &po, &bo, &out), 0);
	assert_has(out, "\"datapath\":\"callback\"");
	vf_free(out);
	lock(fx);
	p = vf_fabric_port_by_name(fx->fabric, "vm20");
	assert_non_null(p);
	assert_string_equal(vf_port_datapath(p), "callback");
	unlock(fx);
	/* detach unbinds, then removes */
	assert_rc(vf_ctl_detach(c, "vm20"), 0);

	/* a bind that fails leaves no port behind, and says why */
	before = listing(c);
	bo.datapath = "no-such-datapath";
	po.name = "vm21";
	assert_rc(vf_ctl_attach(c, "blue", "lan1", &po, &bo, &out), -ENOENT);
	assert_null(out);
	assert_error_has("no-such-datapath");
	bo.datapath = "callback";
	bo.flags = 0x8000;
	assert_rc(vf_ctl_attach(c, "blue", "lan1", &po, &bo, NULL), -EINVAL);
	after = listing(c);
	assert_string_equal(before, after);
	lock(fx);
	assert_null(vf_fabric_port_by_name(fx->fabric, "vm21"));
	unlock(fx);
	vf_free(before);
	vf_free(after);
	vf_ctl_close(c);
}

/* A real netdev: the server creates a tap for the port and binds it
 * through "afpacket"; detach deletes it again. Needs root and tun. */
static void test_ctl_server_attach_tap(void **state)
{
	struct vt_fx *fx = FX(state);
	VF_OPTS(vf_port_opts, po, .name = "vm30");
	VF_OPTS(vf_bind_opts, bo, .ifname = "vfctl-t0", .flags = VF_BIND_F_CREATE_TAP);
	vf_ctl *c;
	char *out = NULL, *before, *after;
	int rc;

	if (geteuid() != 0 || access("/dev/net/tun", F_OK) != 0)
		skip();
	c = connect_ok();
	before = listing(c);
	rc = vf_ctl_attach(c, "blue", "lan1", &po, &bo, &out);
	if (rc == -EPERM || rc == -EOPNOTSUPP) {
		print_message("skipped: %s\n", vf_last_error());
		vf_free(before);
		vf_ctl_close(c);
		skip();
	}
	assert_rc(rc, 0);
	assert_has(out, "\"datapath\":\"afpacket\",\"ifname\":\"vfctl-t0\"");
	vf_free(out);
	assert_int_equal(access("/sys/class/net/vfctl-t0", F_OK), 0);
	lock(fx);
	assert_string_equal(vf_port_ifname(vf_fabric_port_by_name(fx->fabric, "vm30")),
			    "vfctl-t0");
	unlock(fx);
	/* the netdev exists now: a second port cannot create it */
	po.name = "vm31";
	assert_rc(vf_ctl_attach(c, "blue", "lan1", &po, &bo, NULL), -EEXIST);
	/* nor bind to a netdev that does not exist */
	bo.ifname = "vfctl-none0";
	bo.flags = 0;
	assert_rc(vf_ctl_attach(c, "blue", "lan1", &po, &bo, NULL), -ENODEV);
	assert_rc(vf_ctl_detach(c, "vm30"), 0);
	assert_int_equal(access("/sys/class/net/vfctl-t0", F_OK), -1);
	after = listing(c);
	assert_string_equal(before, after);
	vf_free(before);
	vf_free(after);
	vf_ctl_close(c);
}

static void test_ctl_server_list(void **state)
{
	struct vt_fx *fx = FX(state);
	vf_ctl *c = connect_ok();
	char *s = listing(c);

	assert_true(s[0] == '{' && s[strlen(s) - 1] == '}');
	assert_has(s, "\"host\":\"");
	assert_has(s, vf_fabric_host_name(fx->fabric));
	assert_has(s, "{\"id\":1,\"name\":\"blue\"");
	assert_has(s, "\"name\":\"red\"");
	assert_has(s, "\"prefix\":\"10.1.1.0/24\"");
	assert_has(s, "\"kind\":\"lan\"");
	assert_has(s, "\"name\":\"a\",\"cell\":\"blue\",\"subnet\":\"lan1\","
		      "\"vip\":\"10.1.1.5\",\"vmac\":\"02:01:0a:01:01:05\"");
	assert_has(s, "\"router\":{\"name\":");
	assert_has(s, "\"subnets\":[\"lan1\",\"lan2\"]");
	assert_has(s, "\"secgroups\":[]");
	vf_free(s);
	vf_ctl_close(c);
}

/* A listing over VF_CTL_MSG_MAX is refused as -EMSGSIZE; the connection
 * goes on. */
static void test_ctl_server_response_too_large(void **state)
{
	struct vt_fx *fx = FX(state);
	VF_OPTS(vf_subnet_opts, so, .name = "big", .prefix = PFX(IP4(10, 1, 128, 0), 17));
	enum { N = 6000 };
	vf_port **ps = calloc(N, sizeof(*ps));
	vf_ctl *c = connect_ok();
	char *s = NULL, name[32];
	vf_subnet *big;

	assert_non_null(ps);
	lock(fx);
	assert_rc(vf_subnet_create(&big, fx->cell[0], &so), 0);
	fx->subnet[10] = big;
	for (int i = 0; i < N; i++) {
		VF_OPTS(vf_port_opts, po, .name = name);

		snprintf(name, sizeof(name), "port-with-a-long-name-%05d", i);
		assert_rc(vf_port_create(&ps[i], big, &po), 0);
	}
	unlock(fx);
	assert_rc(vf_ctl_list(c, &s), -EMSGSIZE);
	assert_null(s);
	assert_error_has("over the limit");
	assert_rc(vf_ctl_counters(c, NULL, &s), 0);
	assert_has(s, "\"ports\":6004");
	vf_free(s);
	vf_ctl_close(c);
	lock(fx);
	for (int i = 0; i < N; i++)
		vf_port_destroy(ps[i]);
	unlock(fx);
	free(ps);
}

static void test_ctl_server_counters(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX];
	struct vt_ip ip = {.dmac = VT_MAC_B,
			   .smac = VT_MAC_A,
			   .src = IP4(10, 1, 1, 99),
			   .dst = VT_IP_B};
	size_t len = vt_udp(f, &ip, 1000, 2000, "x", 1);
	vf_ctl *c = connect_ok();
	char *s = NULL;

	lock(fx);
	assert_rc(vf_port_inject(fx->port[0], f, len), 0); /* spoofed source IP */
	unlock(fx);
	assert_rc(vf_ctl_counters(c, "a", &s), 0);
	assert_has(s, "{\"port\":\"a\",\"rx_packets\":");
	assert_has(s, "\"drops\":1");
	assert_has(s, "\"spoof-ip\":1");
	assert_has(s, "\"spoof-mac\":0");
	assert_has(s, "\"no-output\":0");
	vf_free(s);
	assert_rc(vf_ctl_counters(c, NULL, &s), 0);
	assert_has(s, "\"ports\":4");
	assert_has(s, "\"locations\":0");
	assert_has(s, "\"ctl\":{\"clients\":1,\"accepted\":1");
	assert_has(s, "\"not-for-host\":0");
	vf_free(s);
	s = (char *)state;
	assert_rc(vf_ctl_counters(c, "zz", &s), -ENOENT);
	assert_null(s);
	assert_error_has("no port 'zz'");
	vf_ctl_close(c);
}

static void test_ctl_server_trace(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t f[VT_FRAME_MAX];
	struct vt_ip ip = {
		.dmac = VT_MAC_B, .smac = VT_MAC_A, .src = VT_IP_A, .dst = VT_IP_B};
	size_t len = vt_udp(f, &ip, 1000, 2000, "x", 1);
	vf_ctl *c = connect_ok();
	char *s = NULL, *in_process = NULL;
	int rc;

	lock(fx);
	rc = vf_trace(fx->fabric, fx->port[0], f, len, &in_process);
	unlock(fx);
	assert_rc(vf_ctl_trace(c, "a", f, len, &s), rc);
	assert_string_equal(s, in_process);
	vf_free(s);
	vf_free(in_process);

	/* a drop's verdict is its reason */
	ip.src = IP4(10, 1, 1, 99);
	len = vt_udp(f, &ip, 1000, 2000, "x", 1);
	assert_rc(vf_ctl_trace(c, "a", f, len, &s), VF_DROP_SPOOF_IP);
	assert_has(s, "spoof");
	vf_free(s);
	/* from the underlay: not for this host */
	assert_rc(vf_ctl_trace(c, NULL, f, len, &s), VF_DROP_NOT_FOR_HOST);
	vf_free(s);
	/* errors as vf_trace() */
	assert_rc(vf_ctl_trace(c, "a", f, 10, &s), -EINVAL);
	assert_null(s);
	assert_rc(vf_ctl_trace(c, "nobody", f, len, &s), -ENOENT);
	/* nothing was counted */
	lock(fx);
	assert_int_equal(vt_drops_total(fx->fabric), 0);
	unlock(fx);
	vf_ctl_close(c);
}

static void test_ctl_server_locations(void **state)
{
	struct vt_fx *fx = FX(state);
	VF_OPTS(vf_location, loc, .cell_id = 1, .vip = IP4(10, 1, 1, 77),
		.vmac = MAC(0x02, 0x01, 10, 1, 1, 77), .subnet_id = 1,
		.host_mac = VT_PEER, .host_ip = IP4(192, 168, 0, 2), .version = 5);
	vf_ctl *c = connect_ok();
	char *s = NULL;

	lock(fx);
	assert_rc(vf_location_set(fx->fabric, &loc), 0);
	loc.cell_id = 2;
	loc.vip = IP4(10, 2, 1, 200);
	assert_rc(vf_location_set(fx->fabric, &loc), 0);
	unlock(fx);
	assert_rc(vf_ctl_locations(c, &s), 0);
	assert_has(s, "{\"cell\":1,\"vip\":\"10.1.1.5\",\"vmac\":\"02:01:0a:01:01:05\"");
	assert_has(s, "\"vip\":\"10.1.1.77\"");
	assert_has(s, "\"host_mac\":\"02:bb:00:00:00:02\",\"host_ip\":\"192.168.0.2\","
		      "\"version\":5,\"local\":false");
	assert_has(s, "{\"cell\":2,\"vip\":\"10.2.1.200\"");
	assert_has(s, "\"local\":true");
	vf_free(s);
	vf_ctl_close(c);
}

/* Gossip's members: none while it is stopped; once it runs on loopback,
 * this host with its tags. */
static void test_ctl_server_members(void **state)
{
	struct vt_fx *fx = FX(state);
	vf_gossip_tag tags[] = {{"rack", "r7"}};
	VF_OPTS(vf_gossip_opts, go, .bind_addr = "127.0.0.63", .bind_port = 21793,
		.node_name = "ctl-m", .tags = tags, .ntags = 1);
	vf_ctl *c = connect_ok();
	char *s = NULL;

	assert_rc(vf_ctl_members(c, &s), 0);
	assert_string_equal(s, "{\"status\":\"stopped\",\"members\":[]}");
	vf_free(s);
	lock(fx);
	assert_rc(vf_gossip_start(fx->fabric, &go), 0);
	unlock(fx);
	assert_rc(vf_ctl_members(c, &s), 0);
	assert_string_equal(s, "{\"status\":\"running\",\"members\":[{\"name\":\"ctl-m\","
			       "\"addr\":\"127.0.0.63\",\"port\":21793,\"state\":\"alive\","
			       "\"incarnation\":1,\"self\":true,\"tags\":{\"role\":\"vfabric\","
			       "\"underlay\":\"127.0.0.63\",\"rack\":\"r7\"}}]}");
	vf_free(s);
	lock(fx);
	assert_rc(vf_gossip_stop(fx->fabric), 0);
	unlock(fx);
	vf_ctl_close(c);
}

/* ---- bad clients ---- */

static int raw_connect(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void raw_send(int fd, const void *b, size_t n)
{
	assert_int_equal(send(fd, b, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* Sends a body with its header. */
static void raw_frame(int fd, const void *body, size_t n)
{
	uint8_t h[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8),
			(uint8_t)n};

	raw_send(fd, h, 4);
	raw_send(fd, body, n);
}

/* Reads n bytes within 3 s; -1 at EOF or timeout. */
static int raw_read(int fd, uint8_t *b, size_t n)
{
	while (n) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t r;

		if (poll(&p, 1, 3000) <= 0)
			return -1;
		if ((r = recv(fd, b, n, 0)) <= 0)
			return -1;
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Reads a response; returns its err, message in *msg. */
static int raw_response(int fd, char *msg, size_t len)
{
	uint8_t h[4], *body;
	struct vf__ctl_resp r;
	uint32_t n;

	assert_int_equal(raw_read(fd, h, 4), 0);
	n = vf__ctl_frame_len(h);
	assert_true(n < 100000);
	body = malloc(n);
	assert_int_equal(raw_read(fd, body, n), 0);
	assert_rc(vf__ctl_decode_resp(&r, body, n), 0);
	free(body);
	free(r.data);
	n = (uint32_t)strnlen(r.msg, len - 1);
	memcpy(msg, r.msg, n);
	msg[n] = 0;
	return r.err;
}

/* Whether the server closed the connection (EOF within 3 s). */
static bool raw_closed(int fd)
{
	uint8_t b;

	return raw_read(fd, &b, 1) < 0;
}

static void test_ctl_server_bad_messages(void **state)
{
	struct vt_fx *fx = FX(state);
	/* {"v":1,"op":"list"} and variants */
	static const uint8_t list[] = {0x82, 0xa1, 'v', 0x01, 0xa2, 'o',
				       'p',  0xa4, 'l', 'i',  's',  't'};
	static const uint8_t v2[] = {0x82, 0xa1, 'v', 0x02, 0xa2, 'o',
				     'p',  0xa4, 'l', 'i',  's',  't'};
	static const uint8_t noop[] = {0x82, 0xa1, 'v', 0x01, 0xa2, 'o',
				       'p',  0xa4, 'l', 'o',  'o',  'k'};
	vf_ctl *c = connect_ok();
	char *before = listing(c), *after, msg[512];
	vf_ctl_stats st;
	uint8_t junk[300];
	int fd = raw_connect();

	/* each gets its error and the connection goes on */
	raw_frame(fd, v2, sizeof(v2));
	assert_rc(raw_response(fd, msg, sizeof(msg)), -EPROTONOSUPPORT);
	assert_non_null(strstr(msg, "version 2"));
	raw_frame(fd, noop, sizeof(noop));
	assert_rc(raw_response(fd, msg, sizeof(msg)), -EOPNOTSUPP);
	assert_non_null(strstr(msg, "look"));
	raw_frame(fd, "\x93\x01\x02\x03", 4);
	assert_rc(raw_response(fd, msg, sizeof(msg)), -EPROTO);
	raw_frame(fd, "\xc1", 1);
	assert_rc(raw_response(fd, msg, sizeof(msg)), -EPROTO);
	raw_frame(fd, "", 0);
	assert_rc(raw_response(fd, msg, sizeof(msg)), -EPROTO);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 37 + 11);
	raw_frame(fd, junk, sizeof(junk));
	assert_true(raw_response(fd, msg, sizeof(msg)) < 0);
	/* two requests in one write, answered in order */
	{
		uint8_t two[2 * (4 + sizeof(list))];

		for (int k = 0; k < 2; k++) {
			uint8_t *p = two + k * (4 + sizeof(list));

			p[0] = p[1] = p[2] = 0;
			p[3] = sizeof(list);
			memcpy(p + 4, k ? list : v2, sizeof(list));
		}
		raw_send(fd, two, sizeof(two));
		assert_rc(raw_response(fd, msg, sizeof(msg)), -EPROTONOSUPPORT);
		assert_rc(raw_response(fd, msg, sizeof(msg)), 0);
	}
	/* over the limit: refused from the header alone, then closed */
	raw_send(fd, "\x00\x01\x00\x01", 4);
	assert_rc(raw_response(fd, msg, sizeof(msg)), -EMSGSIZE);
	assert_non_null(strstr(msg, "65537 bytes"));
	assert_true(raw_closed(fd));
	close(fd);
	/* a header of 4 GiB */
	fd = raw_connect();
	raw_send(fd, "\xff\xff\xff\xff", 4);
	assert_rc(raw_response(fd, msg, sizeof(msg)), -EMSGSIZE);
	assert_true(raw_closed(fd));
	close(fd);
	/* half a message, then gone */
	fd = raw_connect();
	raw_send(fd, "\x00\x00\x00\x20\x82\xa1", 6);
	close(fd);

	after = listing(c);
	assert_string_equal(before, after);
	vf_free(before);
	vf_free(after);
	ctl_stats(fx, &st);
	assert_int_equal(st.bad, 9);
	vf_ctl_close(c);
}

static void test_ctl_server_slow_client_blocks_nobody(void **state)
{
	struct vf__ctl_req r = {.op = VF__CTL_COUNTERS, .port = "a"};
	struct vf__ctl_out o = {0};
	vf_ctl *c = connect_ok();
	char *s, msg[512];
	int fd = raw_connect();

	(void)state;
	assert_rc(vf__ctl_encode_req(&o, &r, VF_CTL_MSG_MAX), 0);
	/* one byte at a time, with the other client served in between */
	for (size_t i = 0; i < o.len; i++) {
		raw_send(fd, o.p + i, 1);
		s = listing(c);
		vf_free(s);
	}
	assert_rc(raw_response(fd, msg, sizeof(msg)), 0);
	/* a client that sends requests and never reads its answers stops
	 * being read; the others go on */
	{
		struct vf__ctl_req l = {.op = VF__CTL_LIST};
		struct vf__ctl_out lo = {0};

		assert_rc(vf__ctl_encode_req(&lo, &l, VF_CTL_MSG_MAX), 0);
		fcntl(fd, F_SETFL, O_NONBLOCK);
		for (int i = 0; i < 20000; i++)
			if (send(fd, lo.p, lo.len, MSG_NOSIGNAL) < 0)
				break;
		vf__ctl_out_free(&lo);
	}
	s = listing(c);
	vf_free(s);
	close(fd);
	vf__ctl_out_free(&o);
	vf_ctl_close(c);

	/* many clients at once, served in turn */
	{
		vf_ctl *many[20];

		for (int i = 0; i < 20; i++)
			many[i] = connect_ok();
		for (int round = 0; round < 3; round++)
			for (int i = 19; i >= 0; i--) {
				s = NULL;
				assert_rc(vf_ctl_counters(many[i], NULL, &s), 0);
				assert_has(s, "\"clients\":20");
				vf_free(s);
			}
		for (int i = 0; i < 20; i++)
			vf_ctl_close(many[i]);
	}
}

static int setup_small(void **state)
{
	VF_OPTS(vf_ctl_opts, o, .path = path, .idle_ms = 150, .max_clients = 2,
		.max_msg = 256);

	return setup_opts(state, &o);
}

static void test_ctl_server_idle_busy_small(void **state)
{
	struct vt_fx *fx = FX(state);
	uint8_t frame[300] = {0};
	vf_ctl *c = connect_ok(), *c2 = connect_ok(), *c3 = NULL;
	vf_ctl_stats st;
	char *s = NULL;
	int fd;

	/* a third is one too many */
	assert_rc(vf_ctl_connect(&c3, path), -EBUSY);
	assert_error_has("2 clients");
	assert_null(c3);
	/* a request over max_msg: refused, and the connection closed */
	assert_rc(vf_ctl_trace(c, "a", frame, sizeof(frame), &s), -EMSGSIZE);
	assert_error_has("over the limit of 256");
	assert_rc(vf_ctl_list(c, &s), -ECONNRESET);
	assert_rc(vf_ctl_list(c, &s), -ENOTCONN);
	vf_ctl_close(c);
	/* idle clients go after idle_ms (waited for by the counter, not by
	 * a fixed sleep: the machine may be busy) */
	for (int i = 0; i < 500; i++) {
		ctl_stats(fx, &st);
		if (st.timeouts >= 1)
			break;
		usleep(10000);
	}
	assert_int_equal(st.timeouts, 1);
	assert_rc(vf_ctl_list(c2, &s), -ECONNRESET);
	vf_ctl_close(c2);
	fd = raw_connect();
	assert_true(raw_closed(fd));
	close(fd);
	ctl_stats(fx, &st);
	assert_int_equal(st.busy, 1);
	assert_true(st.timeouts >= 2);
	assert_int_equal(st.bad, 1);
	/* the server still serves */
	c = connect_ok();
	s = listing(c);
	vf_free(s);
	vf_ctl_close(c);
}

static void test_ctl_server_timeout_and_close(void **state)
{
	struct vt_fx *fx = FX(state);
	vf_ctl *c = connect_ok();
	char *s = NULL;

	/* nobody runs the loop: the call times out, the connection breaks */
	assert_rc(vf_fabric_thread_stop(fx->fabric), 0);
	assert_rc(vf_ctl_set_timeout(c, 200), 0);
	assert_rc(vf_ctl_list(c, &s), -ETIMEDOUT);
	assert_null(s);
	assert_rc(vf_ctl_list(c, &s), -ENOTCONN);
	vf_ctl_close(c);
	assert_rc(vf_fabric_thread_start(fx->fabric), 0);

	/* closing the server disconnects its clients and removes the file */
	c = connect_ok();
	lock(fx);
	assert_rc(vf_fabric_ctl_close(fx->fabric), 0);
	assert_rc(vf_fabric_ctl_close(fx->fabric), -ENOTCONN);
	unlock(fx);
	assert_rc(vf_ctl_list(c, &s), -ECONNRESET);
	vf_ctl_close(c);
	assert_int_equal(access(path, F_OK), -1);
	assert_rc(vf_ctl_connect(&c, path), -ENOENT);
	{
		vf_ctl_stats st = {.sz = sizeof(st)};

		lock(fx);
		assert_rc(vf_fabric_ctl_stats(fx->fabric, &st), 0);
		unlock(fx);
		assert_int_equal(st.accepted, 0);
	}
	/* and it can listen again */
	{
		VF_OPTS(vf_ctl_opts, o, .path = path);

		assert_rc(listen_with(fx, &o), 0);
	}
	c = connect_ok();
	vf_ctl_close(c);
}

static void test_ctl_server_listen_errors(void **state)
{
	struct vt_fx *fx = FX(state);
	VF_OPTS(vf_ctl_opts, o, .path = path);
	char other[96], long_path[200];
	vf_fabric *f2 = NULL;
	int fd;

	memset(long_path, 'p', sizeof(long_path) - 1);
	long_path[sizeof(long_path) - 1] = 0;
	/* on the same fabric */
	assert_rc(listen_with(fx, &o), -EALREADY);
	assert_rc(vf_fabric_ctl_listen(NULL, &o), -EINVAL);
	assert_rc(vf_fabric_ctl_close(NULL), -EINVAL);
	assert_rc(vf_fabric_ctl_stats(NULL, NULL), -EINVAL);

	/* on a second fabric: every option checked */
	assert_rc(vf_fabric_create(&f2, NULL), 0);
	assert_rc(vf_fabric_ctl_listen(f2, NULL), -EINVAL);
	assert_error_has("path is required");
	o.path = long_path;
	assert_rc(vf_fabric_ctl_listen(f2, &o), -EINVAL);
	assert_error_has("longer");
	o.path = path;
	assert_rc(vf_fabric_ctl_listen(f2, &o), -EADDRINUSE);
	o.flags = 4;
	assert_rc(vf_fabric_ctl_listen(f2, &o), -EINVAL);
	o.flags = 0;
	o.mode = 01777;
	assert_rc(vf_fabric_ctl_listen(f2, &o), -EINVAL);
	o.mode = 0;
	o.max_msg = 10;
	assert_rc(vf_fabric_ctl_listen(f2, &o), -EINVAL);
	o.max_msg = VF_CTL_MSG_MAX + 1;
	assert_rc(vf_fabric_ctl_listen(f2, &o), -EINVAL);
	o.max_msg = 0;
	o.max_clients = 1025;
	assert_rc(vf_fabric_ctl_listen(f2, &o), -EINVAL);
	o.max_clients = 0;
	o.idle_ms = 5;
	assert_rc(vf_fabric_ctl_listen(f2, &o), -EINVAL);
	o.idle_ms = 0;
	o.reserved_ = 1;
	assert_rc(vf_fabric_ctl_listen(f2, &o), -EINVAL);
	o.reserved_ = 0;
	/* a file that is not a socket */
	snprintf(other, sizeof(other), "%s/file", dir);
	assert_true((fd = open(other, O_CREAT | O_WRONLY, 0600)) >= 0);
	close(fd);
	o.path = other;
	assert_rc(vf_fabric_ctl_listen(f2, &o), -EEXIST);
	unlink(other);
	/* no such directory */
	o.path = "/nonexistent-dir/ctl.sock";
	assert_rc(vf_fabric_ctl_listen(f2, &o), -ENOENT);
	/* a stale socket (nobody listens) is replaced */
	{
		struct sockaddr_un sa = {.sun_family = AF_UNIX};

		snprintf(other, sizeof(other), "%s/stale", dir);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", other);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		close(fd);
		o.path = other;
		o.mode = 0640;
		assert_rc(vf_fabric_ctl_listen(f2, &o), 0);
		{
			struct stat sb;

			assert_int_equal(stat(other, &sb), 0);
			assert_int_equal(sb.st_mode & 0777, 0640);
		}
	}
	/* destroying the fabric closes its server and removes the file */
	vf_fabric_destroy(f2);
	assert_int_equal(access(other, F_OK), -1);
	vf_fabric_destroy(NULL);
}

/* ---- who may connect ---- */

#define NOBODY 65534

static const char *self_exe;

/* The child's side of connect_as_nobody(): a fresh process image (so
 * valgrind does not judge the forked copy of the parent's heap), which
 * drops to NOBODY, connects, and prints vf_ctl_connect()'s result and
 * message. */
static int connect_child(const char *sock)
{
	vf_ctl *c = NULL;
	int r;

	if (setgroups(0, NULL) < 0 || setgid(NOBODY) < 0 || setuid(NOBODY) < 0)
		return 2;
	r = vf_ctl_connect(&c, sock);
	printf("%d %s\n", r, r < 0 ? vf_last_error() : "");
	vf_ctl_close(c);
	return 0;
}

/* Connects as uid and gid NOBODY in a child process; returns what
 * vf_ctl_connect() returned there (1 if the child broke, or if its
 * message lacks @expect_msg). */
static int connect_as_nobody(const char *expect_msg)
{
	char out[600] = "";
	int pipefd[2], rc = 1, status;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(pipefd), 0);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pipefd[0]);
		if (dup2(pipefd[1], STDOUT_FILENO) < 0)
			_exit(2);
		execl(self_exe, self_exe, "--connect-as-nobody", path, (char *)NULL);
		_exit(2);
	}
	close(pipefd[1]);
	n = read(pipefd[0], out, sizeof(out) - 1);
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	if (n > 0 && sscanf(out, "%d", &rc) == 1 && rc < 0 && expect_msg &&
	    !strstr(out, expect_msg)) {
		print_error("child said: %s", out);
		rc = 1;
	}
	return rc;
}

static void relisten(struct vt_fx *fx, const vf_ctl_opts *o)
{
	lock(fx);
	assert_rc(vf_fabric_ctl_close(fx->fabric), 0);
	assert_rc(vf_fabric_ctl_listen(fx->fabric, o), 0);
	unlock(fx);
}

static void test_ctl_server_peer_credentials(void **state)
{
	struct vt_fx *fx = FX(state);
	VF_OPTS(vf_ctl_opts, o, .path = path, .mode = 0666);
	vf_ctl_stats st;
	struct stat sb;

	if (geteuid() != 0)
		skip();
	/* the default mode keeps others out at the file already */
	assert_int_equal(connect_as_nobody(NULL), -EACCES);
	/* with the file open to all, the credential check refuses */
	relisten(fx, &o);
	assert_int_equal(connect_as_nobody("uid 65534"), -EACCES);
	ctl_stats(fx, &st);
	assert_int_equal(st.refused, 1);
	assert_int_equal(st.accepted, 0);
	/* an allowed uid */
	o.flags = VF_CTL_F_ALLOW_UID;
	o.allow_uid = NOBODY;
	o.mode = 0;
	relisten(fx, &o);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0606);
	assert_int_equal(connect_as_nobody(NULL), 0);
	/* an allowed group; the file gets it */
	o.flags = VF_CTL_F_ALLOW_GID;
	o.allow_gid = NOBODY;
	relisten(fx, &o);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0660);
	assert_int_equal(sb.st_gid, NOBODY);
	assert_int_equal(connect_as_nobody(NULL), 0);
	/* another uid and group are not enough */
	o.flags = VF_CTL_F_ALLOW_UID | VF_CTL_F_ALLOW_GID;
	o.allow_uid = 12345;
	o.allow_gid = 12345;
	o.mode = 0666;
	relisten(fx, &o);
	assert_int_equal(connect_as_nobody("may not use"), -EACCES);
	ctl_stats(fx, &st);
	assert_int_equal(st.refused, 1);
	/* root (this process) is always allowed */
	vf_ctl_close(connect_ok());
}

/* ---- a server that misbehaves: the client must not ---- */

struct fake {
	int lfd;
	const void *reply; /* sent after the greeting request is read */
	size_t len;
};

static void *fake_serve(void *arg)
{
	struct fake *fk = arg;
	uint8_t buf[4096];
	int fd = accept(fk->lfd, NULL, NULL);

	if (fd < 0)
		return NULL;
	if (recv(fd, buf, sizeof(buf), 0) > 0 && fk->len)
		(void)!send(fd, fk->reply, fk->len, MSG_NOSIGNAL);
	usleep(100000);
	close(fd);
	return NULL;
}

/* vf_ctl_connect() to a fake server at @fake_path answering @reply. */
static int connect_fake(const char *fake_path, const void *reply, size_t len)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct fake fk = {.reply = reply, .len = len};
	vf_ctl *c = NULL;
	pthread_t t;
	int rc;

	unlink(fake_path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", fake_path);
	fk.lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fk.lfd >= 0);
	assert_int_equal(bind(fk.lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fk.lfd, 1), 0);
	assert_int_equal(pthread_create(&t, NULL, fake_serve, &fk), 0);
	rc = vf_ctl_connect(&c, fake_path);
	pthread_join(t, NULL);
	close(fk.lfd);
	unlink(fake_path);
	if (rc == 0)
		vf_ctl_close(c);
	else
		assert_null(c);
	return rc;
}

static void test_ctl_server_bad_server(void **state)
{
	/* {"v":1,"err":0,"msg":"","data":"x"}: a greeting that is no JSON */
	static const char not_hello[] = "\x00\x00\x00\x15\x84\xa1v\x01\xa3"
					"err\x00\xa3msg\xa0\xa4"
					"data\xa1x";
	/* {"v":2,...} */
	static const char v2[] = "\x00\x00\x00\x15\x84\xa1v\x02\xa3"
				 "err\x00\xa3msg\xa0\xa4"
				 "data\xa1x";
	char fake_path[96];

	(void)state;
	snprintf(fake_path, sizeof(fake_path), "%s/fake.sock", dir);
	/* closes without a word */
	assert_rc(connect_fake(fake_path, NULL, 0), -ECONNRESET);
	/* announces 16 MiB */
	assert_rc(connect_fake(fake_path, "\x01\x00\x00\x00", 4), -EPROTO);
	assert_error_has("over the limit");
	/* a body that is not msgpack, or not a response */
	assert_rc(connect_fake(fake_path, "\x00\x00\x00\x02\xc1\xc1", 6), -EPROTO);
	assert_rc(connect_fake(fake_path, "\x00\x00\x00\x01\x90", 5), -EPROTO);
	/* half a body, then gone */
	assert_rc(connect_fake(fake_path, "\x00\x00\x00\x10\x84", 5), -ECONNRESET);
	/* another version */
	assert_rc(connect_fake(fake_path, v2, sizeof(v2) - 1), -EPROTONOSUPPORT);
	/* a response, but no greeting */
	assert_rc(connect_fake(fake_path, not_hello, sizeof(not_hello) - 1), -EPROTO);
	assert_error_has("greeting");
}

/* ---- a host that drives the loop itself ---- */

struct runner {
	vf_fabric *f;
	volatile int stop;
	int err;
};

static void *run_loop(void *arg)
{
	struct runner *r = arg;

	while (!r->stop) {
		int rc = vf_fabric_run(r->f, 50);

		if (rc < 0) {
			r->err = rc;
			break;
		}
	}
	return NULL;
}

/* The host's own thread calls vf_fabric_run() (no library thread): the
 * socket added before the loop ran is taken up, requests are served. */
static void test_ctl_server_host_driven_loop(void **state)
{
	struct vt_fx *fx = FX(state);
	VF_OPTS(vf_ctl_opts, o, .path = path);
	struct runner r = {.f = fx->fabric};
	pthread_t t;
	vf_ctl *c;
	char *s = NULL;

	assert_rc(vf_fabric_thread_stop(fx->fabric), 0);
	assert_rc(vf_fabric_ctl_close(fx->fabric), 0);
	assert_rc(vf_fabric_ctl_listen(fx->fabric, &o), 0);
	assert_int_equal(pthread_create(&t, NULL, run_loop, &r), 0);
	c = connect_ok();
	assert_rc(vf_ctl_counters(c, "a", &s), 0);
	assert_has(s, "\"port\":\"a\"");
	vf_free(s);
	vf_ctl_close(c);
	r.stop = 1;
	vf_fabric_wakeup(fx->fabric);
	pthread_join(t, NULL);
	assert_rc(r.err, 0);
	/* the teardown expects the library thread */
	assert_rc(vf_fabric_thread_start(fx->fabric), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(test_ctl_server_##fn, setup, teardown)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(connect_and_hello),
		T(client_errors),
		T(attach_detach),
		T(attach_errors_mirror),
		T(attach_bind),
		T(attach_tap),
		T(list),
		T(response_too_large),
		T(counters),
		T(trace),
		T(locations),
		T(members),
		T(bad_messages),
		T(slow_client_blocks_nobody),
		cmocka_unit_test_setup_teardown(test_ctl_server_idle_busy_small,
						setup_small, teardown),
		T(timeout_and_close),
		T(host_driven_loop),
		T(bad_server),
		T(listen_errors),
		T(peer_credentials),
	};

	self_exe = argv[0];
	if (argc == 3 && !strcmp(argv[1], "--connect-as-nobody"))
		return connect_child(argv[2]);
	if (argc > 1) /* one test by name (pattern), for debugging */
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
