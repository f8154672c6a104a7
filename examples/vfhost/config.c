/*
 * config.c: vfhost's configuration parser (format: config.h and the
 * README). One pass over the lines builds a struct cfg; cfg_check() then
 * checks the references between sections. Nothing here touches a
 * fabric, so a file that fails changes nothing.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

enum sect {
	S_NONE,
	S_HOST,
	S_CONTROL,
	S_GOSSIP,
	S_CELL,
	S_SUBNET,
	S_ROUTER,
	S_SECGROUP,
	S_POLICY,
	S_PORT,
	S_LOCATIONS,
};

struct keydef {
	const char *key;
	bool list; /* may be given more than once */
};

struct sectdef {
	const char *name;
	enum sect type;
	int naming; /* 0: no name; 1: NAME; 2: CELL/NAME */
	const struct keydef *keys;
};

/* clang-format off */
#define K(k) {k, false}
#define L(k) {k, true}
/* clang-format on */
static const struct keydef host_keys[] = {K("name"), K("underlay"), K("mac"),
					  K("ip"),   K("threads"),  K("cpus"),
					  K("log"),  K("pidfile"),  {NULL, false}};
static const struct keydef control_keys[] = {K("socket"),      K("allow_uid"),
					     K("allow_gid"),   K("mode"),
					     K("max_clients"), {NULL, false}};
static const struct keydef gossip_keys[] = {
	K("bind"),	K("port"),	     K("advertise"),	 K("name"),
	K("role"),	L("seeds"),	     L("keys"),		 L("tag"),
	K("profile"),	K("probe_interval"), K("probe_timeout"), K("gossip_interval"),
	K("push_pull"), K("compress"),	     K("rejoin"),	 K("leave_timeout"),
	{NULL, false}};
static const struct keydef cell_keys[] = {K("id"),	   K("owner"), K("intra_cell"),
					  K("inter_cell"), K("vni"),   {NULL, false}};
static const struct keydef subnet_keys[] = {
	K("id"),    K("kind"), K("prefix"), K("gateway"), K("dhcp"),	K("dhcp_range"),
	K("lease"), K("dns"),  K("domain"), K("mtu"),	  {NULL, false}};
static const struct keydef router_keys[] = {
	K("name"), K("subnets"), L("route"), {NULL, false}};
static const struct keydef secgroup_keys[] = {K("id"), L("rule"), {NULL, false}};
static const struct keydef policy_keys[] = {
	K("id"), K("from"), K("src"), K("dst"), K("proto"), K("ports"), {NULL, false}};
static const struct keydef port_keys[] = {
	K("cell"),	K("subnet"),	  K("id"),	   K("vip"),
	K("vmac"),	K("admin"),	  K("bind"),	   K("datapath"),
	K("ifname"),	K("create"),	  K("peer"),	   K("netns"),
	K("secgroups"), K("qos_ingress"), K("qos_egress"), {NULL, false}};
static const struct keydef locations_keys[] = {L("remote"), {NULL, false}};

#undef K
#undef L

static const struct sectdef sections[] = {
	{"host", S_HOST, 0, host_keys},
	{"control", S_CONTROL, 0, control_keys},
	{"gossip", S_GOSSIP, 0, gossip_keys},
	{"cell", S_CELL, 1, cell_keys},
	{"subnet", S_SUBNET, 2, subnet_keys},
	{"router", S_ROUTER, 1, router_keys},
	{"secgroup", S_SECGROUP, 2, secgroup_keys},
	{"policy", S_POLICY, 2, policy_keys},
	{"port", S_PORT, 1, port_keys},
	{"locations", S_LOCATIONS, 0, locations_keys},
};

struct parser {
	struct cfg *c;
	unsigned int line;
	char *err;
	size_t errlen;
	const struct sectdef *sect;
	struct cfg_head *head; /* the current section's, NULL for [locations] */
	uint64_t seen;	       /* keys of the current section given so far */
	char *canon;	       /* its canonical body */
	size_t canon_len;
};

#if defined(__GNUC__)
static int fail(struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#endif
static int fail(struct parser *p, const char *fmt, ...)
{
	char msg[CFG_ERR];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->line)
		snprintf(p->err, p->errlen, "%s:%u: %s", p->c->file, p->line, msg);
	else
		snprintf(p->err, p->errlen, "%s: %s", p->c->file, msg);
	return -1;
}

/* ---- values ---- */

static int copy(struct parser *p, char *dst, size_t size, const char *v, const char *what)
{
	size_t n = strlen(v);

	if (n >= size)
		return fail(p, "%s '%.40s...' is longer than %zu bytes", what, v,
			    size - 1);
	memcpy(dst, v, n + 1);
	return 0;
}

static bool name_char(int ch)
{
	return isalnum(ch) || ch == '.' || ch == '_' || ch == ':' || ch == '-';
}

static int name(struct parser *p, char *dst, const char *v, const char *what)
{
	size_t n = strlen(v);

	if (n < 1 || n > VF_NAME_MAX)
		return fail(p, "%s '%.70s' is not 1 to %d characters", what, v,
			    VF_NAME_MAX);
	for (size_t i = 0; i < n; i++)
		if (!name_char((unsigned char)v[i]))
			return fail(
				p,
				"%s '%.70s' has a character other than [A-Za-z0-9._:-]",
				what, v);
	memcpy(dst, v, n + 1);
	return 0;
}

static int ifname(struct parser *p, char *dst, const char *v, const char *what)
{
	size_t n = strlen(v);

	if (n < 1 || n >= CFG_IFNAME)
		return fail(p, "%s '%.70s' is not 1 to %d bytes", what, v,
			    CFG_IFNAME - 1);
	for (size_t i = 0; i < n; i++)
		if (v[i] == '/' || v[i] == ':' || isspace((unsigned char)v[i]) ||
		    !isprint((unsigned char)v[i]))
			return fail(p, "%s '%s' is not a netdev name", what, v);
	memcpy(dst, v, n + 1);
	return 0;
}

/* A decimal number in [min, max], digits only. */
static int number(struct parser *p, uint64_t *out, const char *v, uint64_t min,
		  uint64_t max, const char *what)
{
	uint64_t x = 0;

	if (!*v)
		return fail(p, "%s is empty", what);
	for (const char *s = v; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return fail(p, "%s '%.40s' is not a decimal number", what, v);
		if (x > (UINT64_MAX - 9) / 10)
			return fail(p, "%s '%.40s' is too large", what, v);
		x = x * 10 + (uint64_t)(*s - '0');
	}
	if (x < min || x > max)
		return fail(p, "%s %llu is not in %llu..%llu", what,
			    (unsigned long long)x, (unsigned long long)min,
			    (unsigned long long)max);
	*out = x;
	return 0;
}

static int u32(struct parser *p, uint32_t *out, const char *v, uint32_t min, uint32_t max,
	       const char *what)
{
	uint64_t x;

	if (number(p, &x, v, min, max, what) < 0)
		return -1;
	*out = (uint32_t)x;
	return 0;
}

static int ipv4(struct parser *p, uint32_t *out, const char *v, const char *what)
{
	if (vf_ipv4_parse(out, v) < 0)
		return fail(p, "%s '%.40s' is not an IPv4 address", what, v);
	return 0;
}

static int prefix(struct parser *p, vf_ipv4_prefix *out, const char *v, const char *what)
{
	if (vf_prefix_parse(out, v) < 0)
		return fail(p, "%s '%.40s' is not a prefix a.b.c.d/len without host bits",
			    what, v);
	return 0;
}

static int mac(struct parser *p, vf_mac *out, const char *v, const char *what)
{
	if (vf_mac_parse(out, v) < 0)
		return fail(p, "%s '%.40s' is not a MAC address", what, v);
	if (out->addr[0] & 1)
		return fail(p, "%s %s is a multicast address", what, v);
	return 0;
}

/* One of @n words; returns its index. */
static int word(struct parser *p, const char *v, const char *const *words, int n,
		const char *what)
{
	char list[128] = "";

	for (int i = 0; i < n; i++)
		if (!strcmp(v, words[i]))
			return i;
	for (int i = 0; i < n; i++) {
		strncat(list, words[i], sizeof(list) - strlen(list) - 1);
		if (i + 1 < n)
			strncat(list, i + 2 == n ? " or " : ", ",
				sizeof(list) - strlen(list) - 1);
	}
	return fail(p, "%s '%.40s' is not %s", what, v, list);
}

static int verdict(struct parser *p, vf_verdict *out, const char *v, const char *what)
{
	static const char *const w[] = {"allow", "deny"};
	int i = word(p, v, w, 2, what);

	if (i < 0)
		return -1;
	*out = i == 0 ? VF_VERDICT_ALLOW : VF_VERDICT_DENY;
	return 0;
}

/* Splits @v at commas into trimmed, non-empty items: calls @fn on each. */
static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int split(struct parser *p, char *v, char **items, int max, const char *what)
{
	int n = 0;

	for (char *s = v;;) {
		char *comma = strchr(s, ',');

		if (comma)
			*comma = '\0';
		if (n == max)
			return fail(p, "%s has more than %d items", what, max);
		items[n] = trim(s);
		if (!*items[n])
			return fail(p, "%s has an empty item", what);
		n++;
		if (!comma)
			return n;
		s = comma + 1;
	}
}

/* Splits at white space. */
static int fields(char *v, char **out, int max)
{
	int n = 0;
	char *save = NULL;

	for (char *t = strtok_r(v, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (n == max)
			return max + 1;
		out[n++] = t;
	}
	return n;
}

static int grow(struct parser *p, void **arr, size_t *n, size_t size, size_t max,
		const char *what)
{
	void *a;

	if (*n >= max)
		return fail(p, "more than %zu %s", max, what);
	/* grow by powers of two */
	if ((*n & (*n - 1)) == 0) {
		a = realloc(*arr, (*n ? *n * 2 : 1) * size);
		if (!a)
			return fail(p, "out of memory");
		*arr = a;
	}
	memset((char *)*arr + *n * size, 0, size);
	(*n)++;
	return 0;
}

#define GROW(p, arr, n, max, what) \
	grow(p, (void **)&(arr), &(n), sizeof(*(arr)), max, what)

/* A bit rate: digits with an optional k, M or G (powers of 1000), bits/s. */
static int rate(struct parser *p, uint64_t *out, const char *v, const char *what)
{
	char num[32];
	size_t n = strlen(v);
	uint64_t mult = 1, x;

	if (n == 0 || n >= sizeof(num))
		return fail(p, "%s '%.40s' is not a rate", what, v);
	memcpy(num, v, n + 1);
	switch (num[n - 1]) {
	case 'k':
	case 'K': mult = 1000; break;
	case 'm':
	case 'M': mult = 1000000; break;
	case 'g':
	case 'G': mult = 1000000000; break;
	default: n++; break;
	}
	num[n - 1] = '\0';
	if (number(p, &x, num, 0, 100000000000ull / mult, what) < 0)
		return -1;
	*out = x * mult;
	return 0;
}

/* "RATE [BURST]": bits/s and bytes. */
static int qos(struct parser *p, struct cfg_port *port, vf_direction dir, char *v,
	       const char *what)
{
	char *f[3];
	int n = fields(v, f, 2);
	uint32_t burst = 0;

	if (n < 1 || n > 2)
		return fail(p, "%s wants 'RATE [BURST]' (bits/s with k, M or G; bytes)",
			    what);
	if (rate(p, &port->qos_rate[dir], f[0], what) < 0)
		return -1;
	if (n == 2 && u32(p, &burst, f[1], 1500, UINT32_MAX, "burst") < 0)
		return -1;
	port->qos_burst[dir] = burst;
	return 0;
}

/* "A-B" or "A", 1..65535. */
static int port_range(struct parser *p, uint16_t *lo, uint16_t *hi, char *v,
		      const char *what)
{
	char *dash = strchr(v, '-');
	uint32_t a, b;

	if (dash)
		*dash = '\0';
	if (u32(p, &a, v, 1, 65535, what) < 0)
		return -1;
	b = a;
	if (dash && u32(p, &b, dash + 1, 1, 65535, what) < 0)
		return -1;
	if (b < a)
		return fail(p, "%s %u-%u is inverted", what, a, b);
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

static int protocol(struct parser *p, uint8_t *out, const char *v)
{
	uint32_t x;

	if (!strcmp(v, "any"))
		x = VF_PROTO_ANY;
	else if (!strcmp(v, "icmp"))
		x = VF_PROTO_ICMP;
	else if (!strcmp(v, "tcp"))
		x = VF_PROTO_TCP;
	else if (!strcmp(v, "udp"))
		x = VF_PROTO_UDP;
	else if (!isdigit((unsigned char)v[0]))
		return fail(p, "protocol '%.40s' is not any, icmp, tcp, udp or 1..255",
			    v);
	else if (u32(p, &x, v, 1, 255, "protocol") < 0)
		return -1;
	*out = (uint8_t)x;
	return 0;
}

/* rule = ingress|egress PROTO [PORTS] [from|to PREFIX] */
static int rule(struct parser *p, struct cfg_secgroup *g, char *v)
{
	static const char *const dirs[] = {"ingress", "egress"};
	char *f[6];
	int n = fields(v, f, 5), i = 2, d;
	struct cfg_rule *r;

	if (n < 2 || n > 5)
		return fail(p,
			    "rule wants 'ingress|egress PROTO [PORTS] [from|to PREFIX]'");
	if ((d = word(p, f[0], dirs, 2, "rule direction")) < 0)
		return -1;
	if (GROW(p, g->rules, g->nrules, CFG_RULES_MAX, "rules in a security group") < 0)
		return -1;
	r = &g->rules[g->nrules - 1];
	r->line = p->line;
	r->rule.sz = sizeof(r->rule);
	r->rule.direction = d == 0 ? VF_DIR_INGRESS : VF_DIR_EGRESS;
	if (protocol(p, &r->rule.protocol, f[1]) < 0)
		return -1;
	if (i < n && isdigit((unsigned char)f[i][0])) {
		if (r->rule.protocol != VF_PROTO_TCP && r->rule.protocol != VF_PROTO_UDP)
			return fail(p, "rule: ports are for tcp and udp only");
		if (port_range(p, &r->rule.port_min, &r->rule.port_max, f[i],
			       "rule ports") < 0)
			return -1;
		i++;
	}
	if (i < n) {
		const char *kw = d == 0 ? "from" : "to";

		if (strcmp(f[i], kw) != 0 || i + 2 != n)
			return fail(
				p, "rule: after the protocol and ports comes '%s PREFIX'",
				kw);
		if (prefix(p, &r->rule.remote, f[i + 1], "rule prefix") < 0)
			return -1;
	}
	return 0;
}

/* route = PREFIX via ADDRESS */
static int route(struct parser *p, struct cfg_router *r, char *v)
{
	char *f[4];
	struct cfg_route *rt;

	if (fields(v, f, 3) != 3 || strcmp(f[1], "via") != 0)
		return fail(p, "route wants 'PREFIX via ADDRESS'");
	if (GROW(p, r->routes, r->nroutes, CFG_ROUTES_MAX, "routes in a router") < 0)
		return -1;
	rt = &r->routes[r->nroutes - 1];
	rt->line = p->line;
	if (prefix(p, &rt->dest, f[0], "route") < 0 ||
	    ipv4(p, &rt->via, f[2], "next hop") < 0)
		return -1;
	return 0;
}

/* remote = CELL SUBNET VIP VMAC HOST_MAC HOST_IP */
static int remote(struct parser *p, char *v)
{
	char *f[7], canon[CFG_LINE_MAX];
	struct cfg_location *l;
	struct cfg *c = p->c;

	snprintf(canon, sizeof(canon), "%s", v);
	if (fields(v, f, 6) != 6)
		return fail(p, "remote wants 'CELL SUBNET VIP VMAC HOST_MAC HOST_IP'");
	if (GROW(p, c->locations, c->nlocations, CFG_LOCATIONS_MAX, "remote locations") <
	    0)
		return -1;
	l = &c->locations[c->nlocations - 1];
	l->line = p->line;
	if (name(p, l->cell, f[0], "cell") < 0 ||
	    name(p, l->subnet, f[1], "subnet") < 0 || ipv4(p, &l->vip, f[2], "VIP") < 0 ||
	    mac(p, &l->vmac, f[3], "VMAC") < 0 ||
	    mac(p, &l->host_mac, f[4], "host MAC") < 0 ||
	    ipv4(p, &l->host_ip, f[5], "host IP") < 0)
		return -1;
	if (!(l->canon = strdup(canon)))
		return fail(p, "out of memory");
	return 0;
}

static int names_list(struct parser *p, char (**out)[CFG_NAME], size_t *n, char *v,
		      int max, const char *what)
{
	char *items[CFG_ROUTER_SUBNETS_MAX + 1];
	int k = split(p, v, items, max, what);

	if (k < 0)
		return -1;
	if (!(*out = calloc((size_t)k, sizeof(**out))))
		return fail(p, "out of memory");
	*n = (size_t)k;
	for (int i = 0; i < k; i++)
		if (name(p, (*out)[i], items[i], what) < 0)
			return -1;
	return 0;
}

/* ---- sections ---- */

static int host_key(struct parser *p, const char *k, char *v)
{
	struct cfg_host *h = &p->c->host;
	static const char *const levels[] = {"error", "warn", "info", "debug"};

	if (!strcmp(k, "name"))
		return name(p, h->name, v, "host name");
	if (!strcmp(k, "underlay"))
		return ifname(p, h->underlay, v, "underlay");
	if (!strcmp(k, "mac"))
		return mac(p, &h->mac, v, "host MAC");
	if (!strcmp(k, "ip"))
		return ipv4(p, &h->ip, v, "host IP");
	if (!strcmp(k, "threads"))
		return u32(p, &h->threads, v, 1, CFG_THREADS_MAX, "threads");
	if (!strcmp(k, "cpus")) {
		char *items[CFG_THREADS_MAX + 1];
		int n = split(p, v, items, CFG_THREADS_MAX, "cpus");

		if (n < 0)
			return -1;
		for (int i = 0; i < n; i++) {
			uint32_t cpu;

			if (!strcmp(items[i], "-")) {
				h->cpus[i] = -1;
				continue;
			}
			if (u32(p, &cpu, items[i], 0, 4095, "cpu") < 0)
				return -1;
			h->cpus[i] = (int)cpu;
		}
		h->ncpus = (unsigned int)n;
		return 0;
	}
	if (!strcmp(k, "log")) {
		int i = word(p, v, levels, 4, "log level");

		if (i < 0)
			return -1;
		h->log_level = (vf_log_level)i;
		return 0;
	}
	if (v[0] != '/')
		return fail(p, "pidfile '%.40s' is not an absolute path", v);
	return copy(p, h->pidfile, sizeof(h->pidfile), v, "pidfile");
}

static int control_key(struct parser *p, const char *k, char *v)
{
	struct cfg_control *ct = &p->c->control;

	if (!strcmp(k, "socket")) {
		if (v[0] != '/')
			return fail(p, "socket '%.40s' is not an absolute path", v);
		return copy(p, ct->socket, sizeof(ct->socket), v, "socket path");
	}
	if (!strcmp(k, "allow_uid")) {
		ct->has_uid = true;
		return u32(p, &ct->uid, v, 0, UINT32_MAX - 1, "allow_uid");
	}
	if (!strcmp(k, "allow_gid")) {
		ct->has_gid = true;
		return u32(p, &ct->gid, v, 0, UINT32_MAX - 1, "allow_gid");
	}
	if (!strcmp(k, "max_clients"))
		return u32(p, &ct->max_clients, v, 1, 1024, "max_clients");
	/* mode: octal, e.g. 0660 */
	{
		uint32_t m = 0;

		if (!*v || strlen(v) > 4)
			return fail(p, "mode '%.40s' is not an octal mode such as 0660",
				    v);
		for (const char *s = v; *s; s++) {
			if (*s < '0' || *s > '7')
				return fail(
					p,
					"mode '%.40s' is not an octal mode such as 0660",
					v);
			m = m * 8 + (uint32_t)(*s - '0');
		}
		if (m == 0 || m > 0777)
			return fail(p, "mode %s is not in 0001..0777", v);
		ct->mode = m;
		return 0;
	}
}

/* "a.b.c.d" or "a.b.c.d:port" (@port untouched without one). */
static int addr_port(struct parser *p, uint32_t *ip, uint16_t *port, char *v,
		     const char *what)
{
	char *colon = strchr(v, ':');

	if (colon) {
		uint32_t x;

		*colon = '\0';
		if (u32(p, &x, colon + 1, 1, 65535, what) < 0)
			return -1;
		*port = (uint16_t)x;
	}
	if (vf_ipv4_parse(ip, v) < 0)
		return fail(p, "%s '%.40s' is not an IPv4 address (a.b.c.d[:port])", what,
			    v);
	return 0;
}

static bool b64_char(int ch)
{
	return isalnum(ch) || ch == '+' || ch == '/';
}

/* A `serf keygen` key: standard base64 of 32 bytes, so 43 characters
 * and one '=' (the last character's two low bits zero, as an encoder
 * writes them). */
static int gossip_key(struct parser *p, const char *v)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(v);

	if (n != 44 || v[43] != '=')
		return fail(p,
			    "key '%.8s...' is not the base64 of 32 bytes (44 "
			    "characters, as serf keygen prints)",
			    v);
	for (size_t i = 0; i < 43; i++)
		if (!b64_char((unsigned char)v[i]))
			return fail(p, "key '%.8s...' has a character that is not base64",
				    v);
	if ((strchr(b64, v[42]) - b64) & 3)
		return fail(p, "key '%.8s...' is not the base64 of 32 bytes", v);
	return 0;
}

static int gossip_key_value(struct parser *p, const char *k, char *v)
{
	static const char *const profiles[] = {"lan", "wan", "local"};
	static const char *const onoff[] = {"on", "off"};
	struct cfg_gossip *g = &p->c->gossip;
	char *items[CFG_SEEDS_MAX + 1];
	int i, n;

	if (!strcmp(k, "bind"))
		return ipv4(p, &g->bind, v, "bind");
	if (!strcmp(k, "port")) {
		uint32_t x;

		if (u32(p, &x, v, 1, 65535, "port") < 0)
			return -1;
		g->port = (uint16_t)x;
		return 0;
	}
	if (!strcmp(k, "advertise")) {
		if (addr_port(p, &g->advertise, &g->advertise_port, v, "advertise") < 0)
			return -1;
		if (!g->advertise)
			return fail(p, "advertise 0.0.0.0 is not an address others can "
				       "reach");
		return 0;
	}
	if (!strcmp(k, "name"))
		return name(p, g->name, v, "gossip name");
	if (!strcmp(k, "role"))
		return name(p, g->role, v, "role");
	if (!strcmp(k, "seeds")) {
		if ((n = split(p, v, items, CFG_SEEDS_MAX, "seeds")) < 0)
			return -1;
		for (i = 0; i < n; i++) {
			uint32_t ip;
			uint16_t port = VF_GOSSIP_PORT_DEFAULT;
			char s[24], a[VF_IPV4_STRLEN];

			if (addr_port(p, &ip, &port, items[i], "seed") < 0)
				return -1;
			if (!ip || ip >> 28 == 14 || ip == 0xffffffffu)
				return fail(p, "seed %s is not a host's address",
					    items[i]);
			vf_ipv4_format(a, sizeof(a), ip);
			snprintf(s, sizeof(s), "%s:%u", a, port);
			for (size_t j = 0; j < g->nseeds; j++)
				if (!strcmp(g->seeds[j], s))
					return fail(p, "seed %s is given twice", s);
			if (GROW(p, g->seeds, g->nseeds, CFG_SEEDS_MAX, "seeds") < 0)
				return -1;
			memcpy(g->seeds[g->nseeds - 1], s, sizeof(s));
		}
		return 0;
	}
	if (!strcmp(k, "keys")) {
		if ((n = split(p, v, items, CFG_KEYS_MAX, "keys")) < 0)
			return -1;
		for (i = 0; i < n; i++) {
			if (gossip_key(p, items[i]) < 0)
				return -1;
			for (size_t j = 0; j < g->nkeys; j++)
				if (!strcmp(g->keys[j], items[i]))
					return fail(p, "key '%.8s...' is given twice",
						    items[i]);
			if (GROW(p, g->keys, g->nkeys, CFG_KEYS_MAX, "keys") < 0)
				return -1;
			memcpy(g->keys[g->nkeys - 1], items[i], 45);
		}
		return 0;
	}
	if (!strcmp(k, "tag")) {
		char *eq = strchr(v, '='), *tk, *tv;
		struct cfg_gossip_tag *t;

		if (!eq)
			return fail(p, "tag wants 'KEY=VALUE'");
		*eq = '\0';
		tk = trim(v);
		tv = trim(eq + 1);
		if (!*tk || strlen(tk) > 64 || strchr(tk, ','))
			return fail(p,
				    "tag key '%.40s' is not 1 to 64 bytes without ',' "
				    "or '='",
				    tk);
		if (!strcmp(tk, "role") || !strcmp(tk, "underlay"))
			return fail(p,
				    "tag '%s' is set by vfhost (role: the role key; "
				    "underlay: [host] ip)",
				    tk);
		if (strlen(tv) > 255)
			return fail(p, "tag '%s': the value is over 255 bytes", tk);
		for (size_t j = 0; j < g->ntags; j++)
			if (!strcmp(g->tags[j].key, tk))
				return fail(p, "tag '%s' is given twice", tk);
		if (GROW(p, g->tags, g->ntags, CFG_TAGS_MAX, "tags") < 0)
			return -1;
		t = &g->tags[g->ntags - 1];
		memcpy(t->key, tk, strlen(tk) + 1);
		memcpy(t->value, tv, strlen(tv) + 1);
		return 0;
	}
	if (!strcmp(k, "profile")) {
		if ((i = word(p, v, profiles, 3, "profile")) < 0)
			return -1;
		g->profile = (vf_gossip_profile)i;
		return 0;
	}
	if (!strcmp(k, "probe_interval"))
		return u32(p, &g->probe_interval, v, 100, 60000, "probe_interval (ms)");
	if (!strcmp(k, "probe_timeout"))
		return u32(p, &g->probe_timeout, v, 10, 60000, "probe_timeout (ms)");
	if (!strcmp(k, "gossip_interval"))
		return u32(p, &g->gossip_interval, v, 10, 60000, "gossip_interval (ms)");
	if (!strcmp(k, "push_pull"))
		return u32(p, &g->push_pull, v, 1000, 3600000, "push_pull (ms)");
	if (!strcmp(k, "compress")) {
		if ((i = word(p, v, onoff, 2, "compress")) < 0)
			return -1;
		g->compress = i == 0;
		return 0;
	}
	if (!strcmp(k, "rejoin"))
		return u32(p, &g->rejoin, v, 0, 3600, "rejoin (s)");
	return u32(p, &g->leave_timeout, v, 0, 60000, "leave_timeout (ms)");
}

static int cell_key(struct parser *p, struct cfg_cell *c, const char *k, char *v)
{
	if (!strcmp(k, "id"))
		return u32(p, &c->id, v, 1, UINT32_MAX, "cell id");
	if (!strcmp(k, "owner")) {
		for (const char *s = v; *s; s++)
			if (!isprint((unsigned char)*s))
				return fail(
					p, "owner has a character that is not printable");
		return copy(p, c->owner, sizeof(c->owner), v, "owner");
	}
	if (!strcmp(k, "intra_cell"))
		return verdict(p, &c->intra, v, "intra_cell");
	if (!strcmp(k, "inter_cell"))
		return verdict(p, &c->inter, v, "inter_cell");
	return u32(p, &c->vni, v, 1, 16777215, "vni");
}

static int subnet_key(struct parser *p, struct cfg_subnet *s, const char *k, char *v)
{
	static const char *const kinds[] = {"lan", "link"};
	static const char *const onoff[] = {"on", "off"};
	int i;

	if (!strcmp(k, "id"))
		return u32(p, &s->id, v, 1, UINT32_MAX, "subnet id");
	if (!strcmp(k, "kind")) {
		if ((i = word(p, v, kinds, 2, "kind")) < 0)
			return -1;
		s->kind = i ? VF_SUBNET_LINK : VF_SUBNET_LAN;
		return 0;
	}
	if (!strcmp(k, "prefix"))
		return prefix(p, &s->prefix, v, "prefix");
	if (!strcmp(k, "gateway"))
		return ipv4(p, &s->gateway, v, "gateway");
	if (!strcmp(k, "dhcp")) {
		if ((i = word(p, v, onoff, 2, "dhcp")) < 0)
			return -1;
		s->dhcp = i ? VF_DHCP_OFF : VF_DHCP_ON;
		return 0;
	}
	if (!strcmp(k, "dhcp_range")) {
		char *dash = strchr(v, '-');

		if (!dash)
			return fail(p, "dhcp_range wants 'FIRST-LAST'");
		*dash = '\0';
		if (ipv4(p, &s->dhcp_start, trim(v), "dhcp_range start") < 0 ||
		    ipv4(p, &s->dhcp_end, trim(dash + 1), "dhcp_range end") < 0)
			return -1;
		if (s->dhcp_end < s->dhcp_start)
			return fail(p, "dhcp_range is inverted");
		return 0;
	}
	if (!strcmp(k, "lease"))
		return u32(p, &s->lease, v, 60, 31536000, "lease");
	if (!strcmp(k, "dns")) {
		char *items[VF_SUBNET_DNS_MAX + 1];
		int n = split(p, v, items, VF_SUBNET_DNS_MAX, "dns");

		if (n < 0)
			return -1;
		for (i = 0; i < n; i++)
			if (ipv4(p, &s->dns[i], items[i], "dns server") < 0)
				return -1;
			else if (!s->dns[i])
				return fail(p, "dns server 0.0.0.0 is not an address");
		return 0;
	}
	if (!strcmp(k, "domain")) {
		for (const char *c = v; *c; c++)
			if (!isalnum((unsigned char)*c) && *c != '.' && *c != '-')
				return fail(p,
					    "domain '%.40s' has a character other than "
					    "[A-Za-z0-9.-]",
					    v);
		return copy(p, s->domain, sizeof(s->domain), v, "domain");
	}
	return u32(p, &s->mtu, v, 68, 9000, "mtu");
}

static int router_key(struct parser *p, struct cfg_router *r, const char *k, char *v)
{
	if (!strcmp(k, "name"))
		return name(p, r->name, v, "router name");
	if (!strcmp(k, "subnets"))
		return names_list(p, &r->subnets, &r->nsubnets, v, CFG_ROUTER_SUBNETS_MAX,
				  "subnets");
	return route(p, r, v);
}

static int policy_key(struct parser *p, struct cfg_policy *pol, const char *k, char *v)
{
	if (!strcmp(k, "id"))
		return u32(p, &pol->opts.id, v, 1, UINT32_MAX, "policy id");
	if (!strcmp(k, "from"))
		return name(p, pol->from, v, "from cell");
	if (!strcmp(k, "src"))
		return prefix(p, &pol->opts.src, v, "src");
	if (!strcmp(k, "dst"))
		return prefix(p, &pol->opts.dst, v, "dst");
	if (!strcmp(k, "proto"))
		return protocol(p, &pol->opts.protocol, v);
	return port_range(p, &pol->opts.port_min, &pol->opts.port_max, v, "ports");
}

static int port_key(struct parser *p, struct cfg_port *pt, const char *k, char *v)
{
	static const char *const creates[] = {"tap", "veth"};
	static const char *const updown[] = {"up", "down"};
	static const char *const binds[] = {"netdev", "none"};
	int i;

	if (!strcmp(k, "cell"))
		return name(p, pt->cell, v, "cell");
	if (!strcmp(k, "subnet"))
		return name(p, pt->subnet, v, "subnet");
	if (!strcmp(k, "id"))
		return u32(p, &pt->id, v, 1, UINT32_MAX, "port id");
	if (!strcmp(k, "vip"))
		return ipv4(p, &pt->vip, v, "vip");
	if (!strcmp(k, "vmac"))
		return mac(p, &pt->vmac, v, "vmac");
	if (!strcmp(k, "admin")) {
		if ((i = word(p, v, updown, 2, "admin")) < 0)
			return -1;
		pt->admin_down = i == 1;
		return 0;
	}
	if (!strcmp(k, "bind")) {
		if ((i = word(p, v, binds, 2, "bind")) < 0)
			return -1;
		pt->bind = i == 0;
		return 0;
	}
	if (!strcmp(k, "datapath")) {
		size_t n = strlen(v);

		if (n < 1 || n > 32)
			return fail(p, "datapath '%.40s' is not 1 to 32 characters", v);
		for (size_t j = 0; j < n; j++)
			if (!isalnum((unsigned char)v[j]) && v[j] != '.' && v[j] != '_' &&
			    v[j] != '-')
				return fail(p,
					    "datapath '%s' has a character other than "
					    "[A-Za-z0-9._-]",
					    v);
		memcpy(pt->datapath, v, n + 1);
		return 0;
	}
	if (!strcmp(k, "ifname"))
		return ifname(p, pt->ifname, v, "ifname");
	if (!strcmp(k, "create")) {
		if ((i = word(p, v, creates, 2, "create")) < 0)
			return -1;
		pt->create = i == 0 ? CFG_CREATE_TAP : CFG_CREATE_VETH;
		return 0;
	}
	if (!strcmp(k, "peer"))
		return ifname(p, pt->peer, v, "peer");
	if (!strcmp(k, "netns")) {
		/* a name is one under /run/netns, as ip netns makes them */
		if (v[0] == '/')
			return copy(p, pt->netns, sizeof(pt->netns), v, "netns");
		if (strchr(v, '/') || !strcmp(v, ".") || !strcmp(v, ".."))
			return fail(
				p, "netns '%.40s' is neither a name nor an absolute path",
				v);
		if (strlen(v) + sizeof("/run/netns/") > sizeof(pt->netns))
			return fail(p, "netns name '%.40s...' is too long", v);
		snprintf(pt->netns, sizeof(pt->netns), "/run/netns/%s", v);
		return 0;
	}
	if (!strcmp(k, "secgroups"))
		return names_list(p, &pt->secgroups, &pt->nsecgroups, v,
				  VF_PORT_SECGROUPS_MAX, "secgroups");
	if (!strcmp(k, "qos_ingress"))
		return qos(p, pt, VF_DIR_INGRESS, v, "qos_ingress");
	return qos(p, pt, VF_DIR_EGRESS, v, "qos_egress");
}

/* Splits "CELL/NAME". */
static int cell_slash(struct parser *p, char *cell, char *nm, char *v, const char *what)
{
	char *slash = strchr(v, '/');

	if (!slash)
		return fail(p, "[%s] wants CELL/NAME, as in [%s blue/web]", what, what);
	*slash = '\0';
	if (name(p, cell, v, "cell") < 0 || name(p, nm, slash + 1, what) < 0)
		return -1;
	return 0;
}

/* Ends the current section: its canonical body is kept. */
static int end_section(struct parser *p)
{
	if (p->head) {
		p->head->canon = p->canon ? p->canon : strdup("");
		p->canon = NULL;
		if (!p->head->canon)
			return fail(p, "out of memory");
	}
	free(p->canon);
	p->canon = NULL;
	p->canon_len = 0;
	p->head = NULL;
	p->seen = 0;
	return 0;
}

static int header(struct parser *p, char *s)
{
	struct cfg *c = p->c;
	char *f[3] = {NULL, NULL, NULL};
	int n;

	if (end_section(p) < 0)
		return -1;
	n = fields(s, f, 2);
	if (n < 1 || n > 2)
		return fail(p, "a section header is [TYPE] or [TYPE NAME]");
	p->sect = NULL;
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (!strcmp(f[0], sections[i].name))
			p->sect = &sections[i];
	if (!p->sect)
		return fail(
			p,
			"unknown section [%.40s] (host, control, gossip, cell, subnet, "
			"router, secgroup, policy, port, locations)",
			f[0]);
	if (p->sect->naming == 0 && n != 1)
		return fail(p, "[%s] takes no name", f[0]);
	if (p->sect->naming != 0 && n != 2)
		return fail(p, "[%s] needs a name", f[0]);

	switch (p->sect->type) {
	case S_HOST:
		if (c->host.h.line)
			return fail(p, "[host] again (first at line %u)", c->host.h.line);
		p->head = &c->host.h;
		break;
	case S_CONTROL:
		if (c->control.h.line)
			return fail(p, "[control] again (first at line %u)",
				    c->control.h.line);
		p->head = &c->control.h;
		break;
	case S_GOSSIP:
		if (c->gossip.h.line)
			return fail(p, "[gossip] again (first at line %u)",
				    c->gossip.h.line);
		p->head = &c->gossip.h;
		c->gossip.rejoin = 10;
		c->gossip.leave_timeout = 5000;
		c->gossip.compress = true;
		break;
	case S_CELL:
		if (GROW(p, c->cells, c->ncells, CFG_CELLS_MAX, "cells") < 0)
			return -1;
		p->head = &c->cells[c->ncells - 1].h;
		if (name(p, c->cells[c->ncells - 1].name, f[1], "cell name") < 0)
			return -1;
		break;
	case S_SUBNET: {
		struct cfg_subnet *sn;

		if (GROW(p, c->subnets, c->nsubnets, CFG_SUBNETS_MAX, "subnets") < 0)
			return -1;
		sn = &c->subnets[c->nsubnets - 1];
		p->head = &sn->h;
		if (cell_slash(p, sn->cell, sn->name, f[1], "subnet") < 0)
			return -1;
		break;
	}
	case S_ROUTER:
		if (GROW(p, c->routers, c->nrouters, CFG_CELLS_MAX, "routers") < 0)
			return -1;
		p->head = &c->routers[c->nrouters - 1].h;
		if (name(p, c->routers[c->nrouters - 1].cell, f[1], "cell") < 0)
			return -1;
		break;
	case S_SECGROUP: {
		struct cfg_secgroup *g;

		if (GROW(p, c->secgroups, c->nsecgroups, CFG_SECGROUPS_MAX, "secgroups") <
		    0)
			return -1;
		g = &c->secgroups[c->nsecgroups - 1];
		p->head = &g->h;
		if (cell_slash(p, g->cell, g->name, f[1], "secgroup") < 0)
			return -1;
		break;
	}
	case S_POLICY: {
		struct cfg_policy *pol;

		if (GROW(p, c->policies, c->npolicies, CFG_POLICIES_MAX, "policies") < 0)
			return -1;
		pol = &c->policies[c->npolicies - 1];
		pol->opts.sz = sizeof(pol->opts);
		p->head = &pol->h;
		if (cell_slash(p, pol->cell, pol->name, f[1], "policy") < 0)
			return -1;
		break;
	}
	case S_PORT:
		if (GROW(p, c->ports, c->nports, CFG_PORTS_MAX, "ports") < 0)
			return -1;
		p->head = &c->ports[c->nports - 1].h;
		c->ports[c->nports - 1].bind = true;
		if (name(p, c->ports[c->nports - 1].name, f[1], "port name") < 0)
			return -1;
		break;
	default: break;
	}
	if (p->head)
		p->head->line = p->line;
	return 0;
}

static int canon_add(struct parser *p, const char *k, const char *v)
{
	size_t add = strlen(k) + strlen(v) + 3;
	char *s = realloc(p->canon, p->canon_len + add);

	if (!s)
		return fail(p, "out of memory");
	p->canon = s;
	p->canon_len += (size_t)snprintf(s + p->canon_len, add, "%s=%s\n", k, v);
	return 0;
}

static int keyval(struct parser *p, char *s)
{
	char *eq = strchr(s, '='), *k, *v;
	const struct keydef *kd;
	unsigned int idx = 0;
	void *obj;
	struct cfg *c = p->c;

	if (!p->sect)
		return fail(p, "'%.40s' is outside any section", s);
	if (!eq)
		return fail(p, "'%.40s' is not 'key = value'", s);
	*eq = '\0';
	k = trim(s);
	v = trim(eq + 1);
	for (kd = p->sect->keys; kd->key && strcmp(kd->key, k); kd++)
		idx++;
	if (!kd->key)
		return fail(p, "[%s] has no key '%.40s'", p->sect->name, k);
	if (!*v)
		return fail(p, "%s has no value", k);
	if (!kd->list && (p->seen & (1ull << idx)))
		return fail(p, "%s is given twice", k);
	p->seen |= 1ull << idx;
	if (p->sect->type != S_LOCATIONS && canon_add(p, k, v) < 0)
		return -1;

	switch (p->sect->type) {
	case S_HOST: return host_key(p, k, v);
	case S_CONTROL: return control_key(p, k, v);
	case S_GOSSIP: return gossip_key_value(p, k, v);
	case S_CELL: return cell_key(p, &c->cells[c->ncells - 1], k, v);
	case S_SUBNET: return subnet_key(p, &c->subnets[c->nsubnets - 1], k, v);
	case S_ROUTER: return router_key(p, &c->routers[c->nrouters - 1], k, v);
	case S_SECGROUP:
		obj = &c->secgroups[c->nsecgroups - 1];
		if (!strcmp(k, "id"))
			return u32(p, &((struct cfg_secgroup *)obj)->id, v, 1, UINT32_MAX,
				   "secgroup id");
		return rule(p, obj, v);
	case S_POLICY: return policy_key(p, &c->policies[c->npolicies - 1], k, v);
	case S_PORT: return port_key(p, &c->ports[c->nports - 1], k, v);
	case S_LOCATIONS: return remote(p, v);
	default: return fail(p, "internal: no section");
	}
}

/* Strips a comment: '#' or ';' at the start or after white space. */
static void strip_comment(char *s)
{
	for (char *c = s; *c; c++)
		if ((*c == '#' || *c == ';') &&
		    (c == s || isspace((unsigned char)c[-1]))) {
			*c = '\0';
			return;
		}
}

static int parse_line(struct parser *p, char *s)
{
	size_t n;

	strip_comment(s);
	s = trim(s);
	if (!*s)
		return 0;
	if (*s != '[')
		return keyval(p, s);
	n = strlen(s);
	if (s[n - 1] != ']')
		return fail(p, "a section header ends with ']'");
	s[n - 1] = '\0';
	return header(p, s + 1);
}

int cfg_parse_buffer(struct cfg **out, const char *file, const char *buf, size_t len,
		     char *err, size_t errlen)
{
	struct parser p = {.err = err, .errlen = errlen};
	char line[CFG_LINE_MAX + 2];
	size_t off = 0;

	*out = NULL;
	if (!(p.c = calloc(1, sizeof(*p.c)))) {
		snprintf(err, errlen, "%s: out of memory", file);
		return -1;
	}
	snprintf(p.c->file, sizeof(p.c->file), "%s", file);
	p.c->host.log_level = VF_LOG_INFO;
	if (len > CFG_FILE_MAX) {
		fail(&p, "the file is larger than %d bytes", CFG_FILE_MAX);
		goto fail;
	}
	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (buf + off)) : len - off;

		p.line++;
		if (n > 0 && buf[off + n - 1] == '\r')
			n--;
		if (n > CFG_LINE_MAX) {
			fail(&p, "the line is longer than %d bytes", CFG_LINE_MAX);
			goto fail;
		}
		memcpy(line, buf + off, n);
		line[n] = '\0';
		if (strlen(line) != n) {
			fail(&p, "the line has a NUL byte");
			goto fail;
		}
		if (parse_line(&p, line) < 0)
			goto fail;
		off += (nl ? (size_t)(nl - (buf + off)) + 1 : len - off);
	}
	if (end_section(&p) < 0)
		goto fail;
	p.line = 0;
	if (cfg_check(p.c, err, errlen) < 0)
		goto fail;
	*out = p.c;
	return 0;
fail:
	free(p.canon);
	cfg_free(p.c);
	return -1;
}

int cfg_parse_file(struct cfg **out, const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int rc = -1;

	*out = NULL;
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_size > CFG_FILE_MAX) {
		snprintf(err, errlen, "%s: the file is larger than %d bytes", path,
			 CFG_FILE_MAX);
		goto out;
	}
	/* read one byte past the limit: the file may grow while we read */
	if (!(buf = malloc(CFG_FILE_MAX + 1))) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, CFG_FILE_MAX + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > CFG_FILE_MAX) {
			snprintf(err, errlen, "%s: the file is larger than %d bytes",
				 path, CFG_FILE_MAX);
			goto out;
		}
	}
	rc = cfg_parse_buffer(out, path, buf, len, err, errlen);
out:
	free(buf);
	close(fd);
	return rc;
}

void cfg_free(struct cfg *c)
{
	if (!c)
		return;
	free(c->host.h.canon);
	free(c->control.h.canon);
	free(c->gossip.h.canon);
	free(c->gossip.seeds);
	free(c->gossip.keys);
	free(c->gossip.tags);
	for (size_t i = 0; i < c->ncells; i++)
		free(c->cells[i].h.canon);
	for (size_t i = 0; i < c->nsubnets; i++)
		free(c->subnets[i].h.canon);
	for (size_t i = 0; i < c->nrouters; i++) {
		free(c->routers[i].h.canon);
		free(c->routers[i].subnets);
		free(c->routers[i].routes);
	}
	for (size_t i = 0; i < c->nsecgroups; i++) {
		free(c->secgroups[i].h.canon);
		free(c->secgroups[i].rules);
	}
	for (size_t i = 0; i < c->npolicies; i++)
		free(c->policies[i].h.canon);
	for (size_t i = 0; i < c->nports; i++) {
		free(c->ports[i].h.canon);
		free(c->ports[i].secgroups);
	}
	for (size_t i = 0; i < c->nlocations; i++)
		free(c->locations[i].canon);
	free(c->cells);
	free(c->subnets);
	free(c->routers);
	free(c->secgroups);
	free(c->policies);
	free(c->ports);
	free(c->locations);
	free(c);
}
