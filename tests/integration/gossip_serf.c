/*
 * Gossip interop: a stock `serf agent` (Debian's serf, memberlist 0.2.2)
 * and two libvfabric hosts in one cluster on loopback, without and with
 * encryption. Needs no root: only 127.0.0.x addresses. Exits 77 (skipped)
 * when the serf binary is missing.
 *
 * For each mode:
 *  1. the agent starts; hosts vf-a and vf-b start gossip and join it;
 *     `serf members` lists both alive with their tags, and each fabric
 *     lists the agent alive with its tag; `serf query vf-where "CELL VIP"`
 *     for a port of vf-a gets an ack from both fabrics and vf-a's answer
 *     (not vf-b's, which knows the location only from gossip), also with
 *     a tag filter and a relay factor; a payload that does not parse is
 *     acked, not answered, and counted;
 *  2. the agent is killed (SIGKILL, by PID): both fabrics report it
 *     failed; it is started again and joins vf-a: both see it alive again
 *     (its refutation of the fabric's "dead" wins);
 *  3. vf-b stops gossip without leaving: the agent marks it failed;
 *  4. vf-a leaves gracefully: the agent shows it left;
 *  5. vf-a starts again (incarnation and Lamport clock from 1), rejoins
 *     (alive again) and leaves again (left again).
 * vf-b compresses its TCP messages (LZW, the default, as Go's memberlist
 * does), vf-a does not (VF_GOSSIP_F_NO_COMPRESS). Each fabric's loop runs on the library's loop thread; every call on a
 * fabric is made under vf_fabric_lock(). Every wait is bounded.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <vfabric/vfabric.h>

#define KEY "hVymdRNJiMjdm7en8RvIH+7M5Bnc71egceBeXV761lk="
#define AGENT_IP "127.0.0.41"
#define A_IP "127.0.0.42"
#define B_IP "127.0.0.43"

static int failures;
static int port_base;
static char tmpdir[64];

#define CHECK(cond, ...) check((cond), __LINE__, __VA_ARGS__)
static void check(bool ok, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void check(bool ok, int line, const char *fmt, ...)
{
	va_list ap;

	printf(ok ? "ok   " : "FAIL line %d: ", line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		failures++;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- the agent ---- */

static pid_t agent_start(bool enc, const char *join)
{
	char bind[64], rpc[64], log[128], joinarg[80], enc_arg[80];
	pid_t pid;

	snprintf(bind, sizeof(bind), "-bind=" AGENT_IP ":%d", port_base);
	snprintf(rpc, sizeof(rpc), "-rpc-addr=127.0.0.1:%d", port_base + 1);
	snprintf(log, sizeof(log), "%s/agent.log", tmpdir);
	snprintf(joinarg, sizeof(joinarg), "-join=%s", join ? join : "");
	snprintf(enc_arg, sizeof(enc_arg), "-encrypt=%s", KEY);
	if ((pid = fork()) == 0) {
		const char *argv[12];
		int n = 0;

		if (!freopen(log, "a", stdout) || !freopen(log, "a", stderr))
			_exit(127);
		argv[n++] = "serf";
		argv[n++] = "agent";
		argv[n++] = "-node=agent";
		argv[n++] = bind;
		argv[n++] = rpc;
		argv[n++] = "-tag";
		argv[n++] = "role=agent";
		argv[n++] = "-log-level=debug";
		if (enc)
			argv[n++] = enc_arg;
		if (join)
			argv[n++] = joinarg;
		argv[n] = NULL;
		execvp("serf", (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static void agent_kill(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* Runs the shell command @cmd; its output (truncated to @cap - 1 bytes)
 * into @out; its pclose() status. */
static int sh_out(char *out, size_t cap, const char *cmd)
{
	size_t n = 0;
	FILE *p;

	if (!(p = popen(cmd, "r")))
		return -1;
	while (n + 1 < cap) {
		size_t r = fread(out + n, 1, cap - 1 - n, p);

		if (!r)
			break;
		n += r;
	}
	out[n] = 0;
	return pclose(p);
}

/* `serf members` through the agent's RPC, into @out. */
static int members(char *out, size_t cap)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "timeout 5 serf members -rpc-addr=127.0.0.1:%d 2>&1",
		 port_base + 1);
	return sh_out(out, cap, cmd);
}

/* The line of @name in `serf members` output, and whether it has @what. */
static bool member_has(const char *out, const char *name, const char *what)
{
	size_t l = strlen(name);

	for (const char *p = out; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *e = strchr(p, '\n');
		char line[512];
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (strncmp(p, name, l) || p[l] != ' ' || len >= sizeof(line))
			continue;
		memcpy(line, p, len);
		line[len] = 0;
		return strstr(line, what) != NULL;
	}
	return false;
}

static bool wait_serf(const char *name, const char *what, double secs, char *out,
		      size_t cap)
{
	double end = now_s() + secs;

	do {
		if (members(out, cap) == 0 && member_has(out, name, what))
			return true;
		usleep(200 * 1000);
	} while (now_s() < end);
	return false;
}

/* ---- the hosts ---- */

struct host {
	vf_fabric *f;
	const char *name, *ip;
	int port;
	int events[5]; /* by vf_gossip_event */
	vf_cell *cell; /* vf-a's VM, for `serf query` */
	vf_subnet *subnet;
	vf_port *port_vm;
};

static void on_event(vf_fabric *f, vf_gossip_event ev, const vf_gossip_member *m,
		     void *ud)
{
	struct host *h = ud;

	(void)f;
	if (ev >= 1 && ev <= 4)
		h->events[ev]++;
	printf("     [%s] event %d: %s %s:%u state %d\n", h->name, ev, m->name, m->addr,
	       m->port, m->state);
}

static int host_start(struct host *h, bool enc)
{
	/* host MAC 02:00:00:00:00:xx and underlay 192.0.2.xx, xx from the IP */
	uint8_t x = (uint8_t)atoi(strrchr(h->ip, '.') + 1);
	VF_OPTS(vf_fabric_opts, fo, .host_name = h->name,
		.host_mac = {{2, 0, 0, 0, 0, x}}, .host_ip = 0xc0000200u | x);
	vf_gossip_tag tags[] = {{"fabric", "interop"}};
	const char *keys[] = {KEY};
	VF_OPTS(vf_gossip_opts, go, .bind_addr = h->ip, .bind_port = (uint16_t)h->port,
		.tags = tags, .ntags = 1, .keys = enc ? keys : NULL, .nkeys = enc ? 1 : 0,
		/* vf-b compresses its streams as Go does (the default): the
		 * agent reads them; vf-a sends them plain */
		.flags = !strcmp(h->name, "vf-b") ? 0 : VF_GOSSIP_F_NO_COMPRESS);
	char seed[64];
	const char *seeds[] = {seed};
	int rc;

	snprintf(seed, sizeof(seed), AGENT_IP ":%d", port_base);
	if (!h->f) {
		if ((rc = vf_fabric_create(&h->f, &fo)) < 0)
			return rc;
		vf_gossip_set_event_fn(h->f, on_event, h);
		if ((rc = vf_fabric_thread_start(h->f)) < 0)
			return rc;
	}
	vf_fabric_lock(h->f);
	rc = vf_gossip_start(h->f, &go);
	if (rc == 0)
		rc = vf_gossip_join(h->f, seeds, 1) == 1 ? 0 : -1;
	vf_fabric_unlock(h->f);
	return rc;
}

/* The state of member @name in @h's list, or -1. */
static int host_sees(struct host *h, const char *name, const char *tag_key,
		     const char *tag_val)
{
	vf_gossip_member m = {.sz = sizeof(m)};
	int state = -1;

	vf_fabric_lock(h->f);
	if (vf_gossip_member_find(h->f, name, &m) == 0) {
		state = m.state;
		if (tag_key) {
			bool found = false;

			for (uint32_t i = 0; i < m.ntags; i++)
				found |= !strcmp(m.tags[i].key, tag_key) &&
					 !strcmp(m.tags[i].value, tag_val);
			if (!found)
				state = -2;
		}
	}
	vf_fabric_unlock(h->f);
	return state;
}

static bool wait_host(struct host *h, const char *name, int state, double secs)
{
	double end = now_s() + secs;

	do {
		if (host_sees(h, name, NULL, NULL) == state)
			return true;
		usleep(100 * 1000);
	} while (now_s() < end);
	return false;
}

static void host_stats(struct host *h)
{
	vf_gossip_stats st = {.sz = sizeof(st)};

	vf_fabric_lock(h->f);
	vf_gossip_stats_get(h->f, &st);
	vf_fabric_unlock(h->f);
	printf("     [%s] packets in/out %llu/%llu, streams in/out %llu/%llu, bad: "
	       "malformed "
	       "%llu crc %llu decrypt %llu unknown-type %llu unknown-node %llu stream "
	       "%llu, "
	       "probes %llu (failed %llu), awareness %llu\n",
	       h->name, (unsigned long long)st.packets_in,
	       (unsigned long long)st.packets_out, (unsigned long long)st.streams_in,
	       (unsigned long long)st.streams_out, (unsigned long long)st.bad_malformed,
	       (unsigned long long)st.bad_crc, (unsigned long long)st.bad_decrypt,
	       (unsigned long long)st.bad_unknown_type,
	       (unsigned long long)st.bad_unknown_node, (unsigned long long)st.bad_stream,
	       (unsigned long long)st.probes, (unsigned long long)st.probe_failures,
	       (unsigned long long)st.awareness);
}

/* `serf query` through the agent's RPC with @args, into @out. */
static int serf_query(char *out, size_t cap, const char *args)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd),
		 "timeout 15 serf query -rpc-addr=127.0.0.1:%d -timeout=3s %s 2>&1",
		 port_base + 1, args);
	return sh_out(out, cap, cmd);
}

/* Cell 7, subnet 3 (10.1.0.0/16) and the VM 10.1.0.5 (VMAC
 * 02:00:0a:01:00:05) on @h. */
static int vm_create(struct host *h)
{
	VF_OPTS(vf_cell_opts, co, .id = 7);
	VF_OPTS(vf_subnet_opts, so, .id = 3, .prefix = {0x0a010000u, 16});
	VF_OPTS(vf_port_opts, po, .name = "vm5", .vip = 0x0a010005u,
		.vmac = {{2, 0, 0x0a, 1, 0, 5}});
	int rc;

	vf_fabric_lock(h->f);
	if ((rc = vf_cell_create(&h->cell, h->f, &co)) == 0 &&
	    (rc = vf_subnet_create(&h->subnet, h->cell, &so)) == 0)
		rc = vf_port_create(&h->port_vm, h->subnet, &po);
	vf_fabric_unlock(h->f);
	return rc;
}

static void vm_destroy(struct host *h)
{
	vf_fabric_lock(h->f);
	vf_port_destroy(h->port_vm);
	vf_subnet_destroy(h->subnet);
	vf_cell_destroy(h->cell);
	vf_fabric_unlock(h->f);
}

static vf_gossip_stats stats_of(struct host *h)
{
	vf_gossip_stats st = {.sz = sizeof(st)};

	vf_fabric_lock(h->f);
	vf_gossip_stats_get(h->f, &st);
	vf_fabric_unlock(h->f);
	return st;
}

#define WHERE_ANSWER                                                                 \
	"Response from 'vf-a': cell=7 vip=10.1.0.5 vmac=02:00:0a:01:00:05 subnet=3 " \
	"host=vf-a underlay=192.0.2.42 hmac=02:00:00:00:00:2a"

/* `serf query vf-where` asked of the cluster: vf-a has the VM. */
static void queries(struct host *a, struct host *b)
{
	char out[4096];
	vf_gossip_stats sa, sb;
	int rc;

	CHECK(vm_create(a) == 0, "vf-a has the VM 10.1.0.5 in cell 7 [%s]",
	      vf_last_error());
	rc = serf_query(out, sizeof(out), "vf-where '7 10.1.0.5'");
	printf("%s", out);
	CHECK(rc == 0 && strstr(out, "Ack from 'vf-a'") && strstr(out, "Ack from 'vf-b'"),
	      "serf query vf-where: acks from vf-a and vf-b");
	CHECK(strstr(out, WHERE_ANSWER) != NULL, "serf query vf-where: vf-a's answer");
	CHECK(!strstr(out, "Response from 'vf-b'") &&
		      !strstr(out, "Response from 'agent'"),
	      "serf query vf-where: no answer from the others");
	rc = serf_query(out, sizeof(out),
			"-tag fabric='inter.*' -relay-factor=1 vf-where '7 10.1.0.5'");
	printf("%s", out);
	CHECK(rc == 0 && strstr(out, "Ack from 'vf-a'") &&
		      strstr(out, "Ack from 'vf-b'") &&
		      !strstr(out, "Ack from 'agent'") && strstr(out, WHERE_ANSWER),
	      "serf query -tag fabric=inter.* -relay-factor=1: the fabrics ack, vf-a "
	      "answers, the agent is filtered out");
	rc = serf_query(out, sizeof(out), "-node vf-b vf-where '7 10.1.0.5'");
	printf("%s", out);
	CHECK(rc == 0 && strstr(out, "Ack from 'vf-b'") &&
		      !strstr(out, "Ack from 'vf-a'") && !strstr(out, "Response from"),
	      "serf query -node vf-b: only vf-b acks, and does not answer");
	sa = stats_of(a);
	sb = stats_of(b);
	rc = serf_query(out, sizeof(out), "vf-where 'seven 10.1.0.5'");
	printf("%s", out);
	CHECK(rc == 0 && strstr(out, "Ack from 'vf-a'") &&
		      strstr(out, "Ack from 'vf-b'") &&
		      !strstr(out, "Response from 'vf-"),
	      "serf query with a bad payload: acked, not answered");
	CHECK(stats_of(a).queries_malformed == sa.queries_malformed + 1 &&
		      stats_of(b).queries_malformed == sb.queries_malformed + 1,
	      "the bad payload was counted on both fabrics");
	sa = stats_of(a);
	CHECK(sa.queries_in >= 4 && sa.queries_acked >= 3 && sa.queries_answered == 2,
	      "vf-a counted %llu queries, %llu acks, %llu answers, %llu relayed",
	      (unsigned long long)sa.queries_in, (unsigned long long)sa.queries_acked,
	      (unsigned long long)sa.queries_answered,
	      (unsigned long long)sa.queries_relayed);
}

static void run(bool enc)
{
	struct host a = {.name = "vf-a", .ip = A_IP, .port = port_base + 2};
	struct host b = {.name = "vf-b", .ip = B_IP, .port = port_base + 3};
	char out[8192], seed_a[64];
	pid_t agent;
	double t0;
	bool ok;

	printf("== %s\n", enc ? "encrypted (AES-256-GCM)" : "plain");
	agent = agent_start(enc, NULL);
	CHECK(agent > 0, "serf agent started (pid %d)", (int)agent);
	/* the agent's RPC answers when it is up */
	t0 = now_s();
	while (members(out, sizeof(out)) != 0 && now_s() - t0 < 10)
		usleep(100 * 1000);
	CHECK(host_start(&a, enc) == 0, "vf-a started gossip and joined the agent [%s]",
	      vf_last_error());
	CHECK(host_start(&b, enc) == 0, "vf-b started gossip and joined the agent [%s]",
	      vf_last_error());

	/* 1. one cluster */
	ok = wait_serf("vf-a", " alive ", 10, out, sizeof(out)) &&
	     wait_serf("vf-b", " alive ", 10, out, sizeof(out));
	printf("%s", out);
	CHECK(ok, "serf members lists vf-a and vf-b alive");
	CHECK(member_has(out, "vf-a", "role=vfabric") &&
		      member_has(out, "vf-a", "underlay=") &&
		      member_has(out, "vf-a", "fabric=interop"),
	      "serf members shows vf-a's tags (role, underlay, fabric)");
	CHECK(member_has(out, "vf-b", "role=vfabric"), "serf members shows vf-b's tags");
	CHECK(wait_host(&a, "agent", VF_MEMBER_ALIVE, 5) &&
		      host_sees(&a, "agent", "role", "agent") == VF_MEMBER_ALIVE,
	      "vf-a lists the agent alive with role=agent");
	CHECK(wait_host(&b, "agent", VF_MEMBER_ALIVE, 5) &&
		      wait_host(&b, "vf-a", VF_MEMBER_ALIVE, 5),
	      "vf-b lists the agent and vf-a alive");
	queries(&a, &b);

	/* 2. the agent dies, and comes back */
	t0 = now_s();
	agent_kill(agent);
	ok = wait_host(&a, "agent", VF_MEMBER_FAILED, 20);
	CHECK(ok, "vf-a reports the killed agent failed after %.1f s", now_s() - t0);
	CHECK(wait_host(&b, "agent", VF_MEMBER_FAILED, 10), "vf-b reports it failed too");
	CHECK(a.events[VF_GOSSIP_EV_FAILED] >= 1, "vf-a had a 'failed' event");
	snprintf(seed_a, sizeof(seed_a), A_IP ":%d", a.port);
	agent = agent_start(enc, seed_a);
	CHECK(wait_host(&a, "agent", VF_MEMBER_ALIVE, 15) &&
		      wait_host(&b, "agent", VF_MEMBER_ALIVE, 15),
	      "the restarted agent rejoined: alive again on vf-a and vf-b");
	CHECK(wait_serf("vf-b", " alive ", 10, out, sizeof(out)),
	      "the restarted agent lists vf-b alive");

	/* 3. vf-b stops without leaving */
	t0 = now_s();
	host_stats(&b);
	vf_fabric_lock(b.f);
	CHECK(vf_gossip_stop(b.f) == 0, "vf-b stopped gossip (no leave)");
	vf_fabric_unlock(b.f);
	ok = wait_serf("vf-b", " failed ", 25, out, sizeof(out));
	printf("%s", out);
	CHECK(ok, "serf members shows vf-b failed after %.1f s", now_s() - t0);
	CHECK(wait_host(&a, "vf-b", VF_MEMBER_FAILED, 10), "vf-a reports vf-b failed");

	/* 4. vf-a leaves gracefully */
	t0 = now_s();
	vf_fabric_lock(a.f);
	CHECK(vf_gossip_leave(a.f) == 0, "vf-a leaves");
	vf_fabric_unlock(a.f);
	ok = wait_serf("vf-a", " left ", 15, out, sizeof(out));
	printf("%s", out);
	CHECK(ok, "serf members shows vf-a left after %.1f s", now_s() - t0);
	t0 = now_s();
	while (now_s() - t0 < 10) {
		vf_gossip_status s;

		vf_fabric_lock(a.f);
		s = vf_gossip_status_get(a.f);
		vf_fabric_unlock(a.f);
		if (s == VF_GOSSIP_LEFT)
			break;
		usleep(100 * 1000);
	}
	vf_fabric_lock(a.f);
	CHECK(vf_gossip_status_get(a.f) == VF_GOSSIP_LEFT,
	      "vf-a's gossip status is LEFT");
	vf_fabric_unlock(a.f);

	/* 5. vf-a comes back (its clocks start again) and leaves once more:
	 * its refutation and its Serf intents still win over what the agent
	 * recorded for its first life */
	vf_fabric_lock(a.f);
	CHECK(vf_gossip_stop(a.f) == 0, "vf-a stopped gossip after leaving");
	vf_fabric_unlock(a.f);
	CHECK(host_start(&a, enc) == 0, "vf-a started again and joined [%s]",
	      vf_last_error());
	ok = wait_serf("vf-a", " alive ", 15, out, sizeof(out));
	printf("%s", out);
	CHECK(ok, "serf members shows vf-a alive again");
	vf_fabric_lock(a.f);
	CHECK(vf_gossip_leave(a.f) == 0, "vf-a leaves again");
	vf_fabric_unlock(a.f);
	CHECK(wait_serf("vf-a", " left ", 15, out, sizeof(out)),
	      "serf members shows vf-a left again");
	host_stats(&a);

	agent_kill(agent);
	vm_destroy(&a);
	vf_fabric_destroy(a.f);
	vf_fabric_destroy(b.f);
}

int main(int argc, char **argv)
{
	bool plain = true, enc = true;

	if (system("command -v serf >/dev/null 2>&1") != 0) {
		printf("SKIP: no serf binary (Debian package serf)\n");
		return 77;
	}
	if (argc > 1) {
		plain = !strcmp(argv[1], "plain");
		enc = !strcmp(argv[1], "encrypted");
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	/* ports that differ between runs, below the ephemeral range */
	port_base = 20000 + (getpid() % 400) * 20;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vf-gossip-serf-%d", (int)getpid());
	if (mkdir(tmpdir, 0700) < 0 && errno != EEXIST)
		return 1;
	if (plain)
		run(false);
	if (enc) {
		port_base += 10;
		run(true);
	}
	if (failures) {
		printf("agent log kept: %s/agent.log\n", tmpdir);
	} else {
		char path[128];

		snprintf(path, sizeof(path), "%s/agent.log", tmpdir);
		unlink(path);
		rmdir(tmpdir);
	}
	printf("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
	return failures ? 1 : 0;
}
