/*
 * vfctl: a command-line client of a fabric's control socket (vfabric/ctl.h).
 *
 *   vfctl [-s SOCKET] [-t TIMEOUT_MS] COMMAND [ARGS]
 *
 *   list                              the objects, as JSON
 *   attach CELL SUBNET PORT [KEY=VALUE ...]
 *        keys: vip, vmac, id, admin=up|down (port); ifname, datapath,
 *        create=tap|veth, peer, netns (bind: a netns name means
 *        /run/netns/NAME); with none of the bind keys the port is left
 *        unbound (in-process)
 *   detach PORT
 *   counters [PORT]                   a port's counters, or the fabric's
 *   trace PORT|- HEXFRAME             PORT's VM (or, with -, the
 *        underlay) sends the frame; hex digits, ':', '-' or spaces between
 *        bytes allowed
 *   locations                         where each VM is
 *   members                           gossip's state and members
 *
 * SOCKET defaults to $VFABRIC_SOCKET, else /run/vfabric/ctl.sock.
 * Output: the server's JSON (or trace text) on stdout. Exit status 0 on
 * success, 1 when the fabric or the connection refused (the library's
 * message on stderr), 2 for a usage error.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vfabric/vfabric.h>

#define DEFAULT_SOCKET "/run/vfabric/ctl.sock"
#define FRAME_MAX 65535

static void usage(FILE *to)
{
	fprintf(to, "usage: vfctl [-s SOCKET] [-t TIMEOUT_MS] COMMAND [ARGS]\n"
		    "  list\n"
		    "  attach CELL SUBNET PORT [vip=A] [vmac=M] [id=N] [admin=up|down]\n"
		    "         [ifname=DEV] [datapath=NAME] [create=tap|veth] [peer=DEV] "
		    "[netns=NAME|PATH]\n"
		    "  detach PORT\n"
		    "  counters [PORT]\n"
		    "  trace PORT|- HEXFRAME\n"
		    "  locations\n"
		    "  members\n");
}

static int fail(const char *what, int rc)
{
	const char *msg = vf_last_error();

	fprintf(stderr, "vfctl: %s: %s\n", what, msg[0] ? msg : vf_strerror(rc));
	return 1;
}

#if defined(__GNUC__)
static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#endif
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vfctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	usage(stderr);
	return 2;
}

/* Prints and frees a JSON or text answer. */
static void emit(char *text)
{
	if (text) {
		fputs(text, stdout);
		if (!text[0] || text[strlen(text) - 1] != '\n')
			putchar('\n');
	}
	vf_free(text);
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* Hex bytes, with optional ':', '-' or white space between bytes. */
static int parse_hex(uint8_t *out, size_t max, const char *s, size_t *len)
{
	size_t n = 0;

	while (*s) {
		int hi, lo;

		if (*s == ':' || *s == '-' || isspace((unsigned char)*s)) {
			s++;
			continue;
		}
		hi = hexval((unsigned char)s[0]);
		lo = s[1] ? hexval((unsigned char)s[1]) : -1;
		if (hi < 0 || lo < 0 || n == max)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	*len = n;
	return 0;
}

static int attach(vf_ctl *ctl, int argc, char **argv)
{
	VF_OPTS(vf_port_opts, po, .name = argv[2]);
	VF_OPTS(vf_bind_opts, bo, .datapath = NULL);
	char netns[4096];
	bool bind = false;
	char *out = NULL;
	int rc;

	for (int i = 3; i < argc; i++) {
		char *eq = strchr(argv[i], '='), *v;

		if (!eq || eq == argv[i] || !eq[1])
			return usage_error("attach: '%s' is not KEY=VALUE", argv[i]);
		*eq = '\0';
		v = eq + 1;
		if (!strcmp(argv[i], "vip")) {
			if (vf_ipv4_parse(&po.vip, v) < 0)
				return usage_error(
					"attach: vip '%s' is not an IPv4 address", v);
		} else if (!strcmp(argv[i], "vmac")) {
			if (vf_mac_parse(&po.vmac, v) < 0)
				return usage_error(
					"attach: vmac '%s' is not a MAC address", v);
		} else if (!strcmp(argv[i], "id")) {
			char *end;
			unsigned long id;

			errno = 0;
			id = strtoul(v, &end, 10);
			if (errno || *end || !isdigit((unsigned char)v[0]) || id == 0 ||
			    id > UINT32_MAX)
				return usage_error("attach: id '%s' is not 1..4294967295",
						   v);
			po.id = (uint32_t)id;
		} else if (!strcmp(argv[i], "admin")) {
			if (!strcmp(v, "down"))
				po.flags |= VF_PORT_F_ADMIN_DOWN;
			else if (strcmp(v, "up"))
				return usage_error("attach: admin '%s' is not up or down",
						   v);
		} else if (!strcmp(argv[i], "ifname")) {
			bo.ifname = v;
			bind = true;
		} else if (!strcmp(argv[i], "datapath")) {
			bo.datapath = v;
			bind = true;
		} else if (!strcmp(argv[i], "create")) {
			if (!strcmp(v, "tap"))
				bo.flags |= VF_BIND_F_CREATE_TAP;
			else if (!strcmp(v, "veth"))
				bo.flags |= VF_BIND_F_CREATE_VETH;
			else
				return usage_error(
					"attach: create '%s' is not tap or veth", v);
			bind = true;
		} else if (!strcmp(argv[i], "peer")) {
			bo.peer = v;
			bind = true;
		} else if (!strcmp(argv[i], "netns")) {
			if (v[0] == '/')
				bo.netns = v;
			else if (strchr(v, '/') ||
				 (size_t)snprintf(netns, sizeof(netns), "/run/netns/%s",
						  v) >= sizeof(netns))
				return usage_error(
					"attach: netns '%s' is not a name or a path", v);
			else
				bo.netns = netns;
			bind = true;
		} else {
			return usage_error("attach: unknown key '%s'", argv[i]);
		}
	}
	/* binding to a netdev: afpacket unless told otherwise */
	if (bind && !bo.datapath)
		bo.datapath = "afpacket";
	rc = vf_ctl_attach(ctl, argv[0], argv[1], &po, bind ? &bo : NULL, &out);
	if (rc < 0)
		return fail("attach", rc);
	emit(out);
	return 0;
}

static int trace(vf_ctl *ctl, const char *port, const char *hex)
{
	static uint8_t frame[FRAME_MAX];
	char *out = NULL;
	size_t len;
	int rc;

	if (parse_hex(frame, sizeof(frame), hex, &len) < 0)
		return usage_error("trace: '%.40s' is not a frame in hex", hex);
	if (len < 14)
		return usage_error("trace: a frame has at least 14 bytes");
	rc = vf_ctl_trace(ctl, strcmp(port, "-") ? port : NULL, frame, len, &out);
	if (rc < 0)
		return fail("trace", rc);
	emit(out);
	printf("verdict: %s\n", rc == VF_DROP_NONE ? "pass" : vf_drop_reason_name(rc));
	return 0;
}

static int command(vf_ctl *ctl, const char *cmd, int argc, char **argv)
{
	char *out = NULL;
	int rc;

	if (!strcmp(cmd, "list") && argc == 0)
		rc = vf_ctl_list(ctl, &out);
	else if (!strcmp(cmd, "locations") && argc == 0)
		rc = vf_ctl_locations(ctl, &out);
	else if (!strcmp(cmd, "members") && argc == 0)
		rc = vf_ctl_members(ctl, &out);
	else if (!strcmp(cmd, "counters") && argc <= 1)
		rc = vf_ctl_counters(ctl, argc ? argv[0] : NULL, &out);
	else if (!strcmp(cmd, "detach") && argc == 1)
		rc = vf_ctl_detach(ctl, argv[0]);
	else if (!strcmp(cmd, "attach") && argc >= 3)
		return attach(ctl, argc, argv);
	else if (!strcmp(cmd, "trace") && argc == 2)
		return trace(ctl, argv[0], argv[1]);
	else
		return usage_error("bad command or arguments: '%s'", cmd);
	if (rc < 0)
		return fail(cmd, rc);
	emit(out);
	return 0;
}

/* Whether @cmd with @argc arguments is a command at all (before we
 * connect: a usage error needs no server). */
static bool known(const char *cmd, int argc)
{
	return (!strcmp(cmd, "list") && argc == 0) ||
	       (!strcmp(cmd, "locations") && argc == 0) ||
	       (!strcmp(cmd, "members") && argc == 0) ||
	       (!strcmp(cmd, "counters") && argc <= 1) ||
	       (!strcmp(cmd, "detach") && argc == 1) ||
	       (!strcmp(cmd, "attach") && argc >= 3) ||
	       (!strcmp(cmd, "trace") && argc == 2);
}

int main(int argc, char **argv)
{
	const char *path = getenv("VFABRIC_SOCKET");
	long timeout = 0;
	vf_ctl *ctl;
	int opt, rc;

	if (!path || !path[0])
		path = DEFAULT_SOCKET;
	while ((opt = getopt(argc, argv, "+s:t:h")) != -1) {
		switch (opt) {
		case 's': path = optarg; break;
		case 't': {
			char *end;

			errno = 0;
			timeout = strtol(optarg, &end, 10);
			if (errno || *end || timeout < 1 || timeout > 3600000)
				return usage_error("-t %s: not 1..3600000 ms", optarg);
			break;
		}
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (!known(argv[optind], argc - optind - 1))
		return usage_error("bad command or arguments: '%s'", argv[optind]);
	if ((rc = vf_ctl_connect(&ctl, path)) < 0) {
		const char *msg = vf_last_error();

		fprintf(stderr, "vfctl: %s: %s\n", path, msg[0] ? msg : vf_strerror(rc));
		return 1;
	}
	if (timeout && (rc = vf_ctl_set_timeout(ctl, (int)timeout)) < 0) {
		vf_ctl_close(ctl);
		return fail("timeout", rc);
	}
	rc = command(ctl, argv[optind], argc - optind - 1, argv + optind + 1);
	vf_ctl_close(ctl);
	return rc;
}
