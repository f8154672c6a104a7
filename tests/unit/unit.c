/* Shared helpers of the cmocka unit tests; see unit.h. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>

const char *vt_errname(int rc)
{
	static const struct {
		int code;
		const char *name;
	} names[] = {
		{ 0, "0" },
		{ -EINVAL, "-EINVAL" },
		{ -ENOMEM, "-ENOMEM" },
		{ -ENOENT, "-ENOENT" },
		{ -EEXIST, "-EEXIST" },
		{ -EADDRINUSE, "-EADDRINUSE" },
		{ -ENOSPC, "-ENOSPC" },
		{ -EBUSY, "-EBUSY" },
		{ -EOPNOTSUPP, "-EOPNOTSUPP" },
		{ -ENODEV, "-ENODEV" },
		{ -EAGAIN, "-EAGAIN" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].code == rc)
			return names[i].name;
	return rc > 0 ? "a positive value" : "another code";
}

static const char *last_error(void)
{
	const char *msg = vf_last_error();

	return msg ? msg : "(NULL)";
}

void vt_assert_rc(int got, int want, const char *expr, const char *file,
		  int line)
{
	if (got == want)
		return;
	print_error("%s returned %d (%s), expected %d (%s); "
		    "vf_last_error(): \"%s\"\n",
		    expr, got, vt_errname(got), want, vt_errname(want),
		    last_error());
	_fail(file, line);
}

void vt_assert_rc_ge(int got, int min, const char *expr, const char *file,
		     int line)
{
	if (got >= min)
		return;
	print_error("%s returned %d (%s), expected at least %d; "
		    "vf_last_error(): \"%s\"\n",
		    expr, got, vt_errname(got), min, last_error());
	_fail(file, line);
}

void vt_assert_error_has(const char *sub, const char *file, int line)
{
	const char *msg = vf_last_error();

	if (msg && strstr(msg, sub))
		return;
	print_error("vf_last_error() is \"%s\", which does not name \"%s\"\n",
		    msg ? msg : "(NULL)", sub);
	_fail(file, line);
}

void vt_assert_error_has_any(const char *sub1, const char *sub2,
			     const char *file, int line)
{
	const char *msg = vf_last_error();

	if (msg && (strstr(msg, sub1) || strstr(msg, sub2)))
		return;
	print_error("vf_last_error() is \"%s\", which names neither \"%s\" "
		    "nor \"%s\"\n",
		    msg ? msg : "(NULL)", sub1, sub2);
	_fail(file, line);
}

void vt_assert_error_set(const char *file, int line)
{
	const char *msg = vf_last_error();

	if (msg && msg[0])
		return;
	print_error("vf_last_error() is %s after a failure\n",
		    msg ? "\"\"" : "NULL");
	_fail(file, line);
}

static void mac_text(char *buf, size_t len, const vf_mac *m)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m->addr[0],
		 m->addr[1], m->addr[2], m->addr[3], m->addr[4], m->addr[5]);
}

static void ip_text(char *buf, size_t len, uint32_t a)
{
	snprintf(buf, len, "%u.%u.%u.%u", (unsigned)(a >> 24),
		 (unsigned)((a >> 16) & 0xff), (unsigned)((a >> 8) & 0xff),
		 (unsigned)(a & 0xff));
}

void vt_assert_mac_equal(vf_mac got, vf_mac want, const char *file, int line)
{
	char g[32], w[32];

	if (memcmp(got.addr, want.addr, sizeof(got.addr)) == 0)
		return;
	mac_text(g, sizeof(g), &got);
	mac_text(w, sizeof(w), &want);
	print_error("MAC %s, expected %s\n", g, w);
	_fail(file, line);
}

void vt_assert_prefix_equal(vf_ipv4_prefix got, vf_ipv4_prefix want,
			    const char *file, int line)
{
	char g[32], w[32];

	if (got.addr == want.addr && got.len == want.len)
		return;
	ip_text(g, sizeof(g), got.addr);
	ip_text(w, sizeof(w), want.addr);
	print_error("prefix %s/%u, expected %s/%u\n", g, (unsigned)got.len, w,
		    (unsigned)want.len);
	_fail(file, line);
}

void vt_assert_ip_equal(uint32_t got, uint32_t want, const char *file,
			int line)
{
	char g[32], w[32];

	if (got == want)
		return;
	ip_text(g, sizeof(g), got);
	ip_text(w, sizeof(w), want);
	print_error("address %s (0x%08x), expected %s (0x%08x)\n", g,
		    (unsigned)got, w, (unsigned)want);
	_fail(file, line);
}

vf_ipv4_prefix vt_prefix(const char *s)
{
	unsigned a, b, c, d, len;
	vf_ipv4_prefix p;

	memset(&p, 0, sizeof(p));
	if (sscanf(s, "%u.%u.%u.%u/%u", &a, &b, &c, &d, &len) != 5)
		fail_msg("bad test prefix \"%s\"", s);
	p.addr = IP4(a, b, c, d);
	p.len = (uint8_t)len;
	return p;
}

vf_cell *vt_cell_at(vf_fabric *fabric, uint32_t id, const char *name,
		    const char *file, int line)
{
	VF_OPTS(vf_cell_opts, opts, .id = id, .name = name);
	vf_cell *cell = NULL;

	vt_assert_rc(vf_cell_create(&cell, fabric, &opts), 0, "vf_cell_create",
		     file, line);
	if (!cell) {
		print_error("vf_cell_create returned 0 but no cell\n");
		_fail(file, line);
	}
	return cell;
}

vf_subnet *vt_subnet_at(vf_cell *cell, const char *prefix, const char *name,
			const char *file, int line)
{
	VF_OPTS(vf_subnet_opts, opts, .name = name);
	vf_subnet *subnet = NULL;

	if (prefix)
		opts.prefix = vt_prefix(prefix);
	vt_assert_rc(vf_subnet_create(&subnet, cell, &opts), 0,
		     "vf_subnet_create", file, line);
	if (!subnet) {
		print_error("vf_subnet_create returned 0 but no subnet\n");
		_fail(file, line);
	}
	return subnet;
}

vf_port *vt_port_at(vf_subnet *subnet, const char *name, uint32_t vip,
		    const char *file, int line)
{
	VF_OPTS(vf_port_opts, opts, .name = name, .vip = vip);
	vf_port *port = NULL;

	vt_assert_rc(vf_port_create(&port, subnet, &opts), 0, "vf_port_create",
		     file, line);
	if (!port) {
		print_error("vf_port_create returned 0 but no port\n");
		_fail(file, line);
	}
	return port;
}

void vt_log_record(void *user_data, vf_log_level level, const char *msg)
{
	struct vt_log *log = user_data;
	size_t n;

	log->count++;
	if ((int)level < 0 || (int)level > 3)
		log->bad++;
	else
		log->per_level[level]++;
	if ((int)level > log->max_level)
		log->max_level = (int)level;
	if (!msg || !msg[0]) {
		log->bad++;
		return;
	}
	n = strlen(msg);
	if (msg[n - 1] == '\n')
		log->bad++;
	snprintf(log->last, sizeof(log->last), "%s", msg);
}

static struct vt_fx *fx_new(vf_wire_mode mode)
{
	VF_OPTS(vf_fabric_opts, opts, .wire_mode = mode);
	struct vt_fx *fx = calloc(1, sizeof(*fx));
	int rc;

	if (!fx)
		return NULL;
	fx->log.max_level = -1;
	rc = vf_fabric_create(&fx->fabric, &opts);
	if (rc != 0) {
		print_error("setup: vf_fabric_create: %d (%s) \"%s\"\n", rc,
			    vt_errname(rc), last_error());
		free(fx);
		return NULL;
	}
	return fx;
}

int vt_setup_fabric(void **state)
{
	*state = fx_new(VF_WIRE_REWRITE);
	return *state ? 0 : -1;
}

int vt_setup_fabric_vxlan(void **state)
{
	*state = fx_new(VF_WIRE_VXLAN);
	return *state ? 0 : -1;
}

int vt_setup_cell(void **state)
{
	VF_OPTS(vf_cell_opts, opts, .id = 1, .name = "blue");
	struct vt_fx *fx = fx_new(VF_WIRE_REWRITE);
	int rc;

	*state = fx;
	if (!fx)
		return -1;
	rc = vf_cell_create(&fx->cell[0], fx->fabric, &opts);
	if (rc != 0) {
		print_error("setup: vf_cell_create: %d (%s) \"%s\"\n", rc,
			    vt_errname(rc), last_error());
		return -1;
	}
	return 0;
}

int vt_setup_subnet(void **state)
{
	VF_OPTS(vf_subnet_opts, opts, .name = "lan1");
	struct vt_fx *fx;
	int rc;

	if (vt_setup_cell(state) != 0)
		return -1;
	fx = *state;
	rc = vf_subnet_create(&fx->subnet[0], fx->cell[0], &opts);
	if (rc != 0) {
		print_error("setup: vf_subnet_create: %d (%s) \"%s\"\n", rc,
			    vt_errname(rc), last_error());
		return -1;
	}
	return 0;
}

int vt_teardown(void **state)
{
	struct vt_fx *fx = *state;
	int i;

	if (!fx)
		return 0;
	for (i = VT_SLOTS - 1; i >= 0; i--)
		vf_port_destroy(fx->port[i]);
	for (i = VT_SLOTS - 1; i >= 0; i--)
		vf_policy_destroy(fx->pol[i]);
	for (i = VT_SLOTS - 1; i >= 0; i--)
		vf_secgroup_destroy(fx->sg[i]);
	for (i = VT_SLOTS - 1; i >= 0; i--)
		vf_router_destroy(fx->router[i]);
	for (i = VT_SLOTS - 1; i >= 0; i--)
		vf_subnet_destroy(fx->subnet[i]);
	for (i = VT_SLOTS - 1; i >= 0; i--)
		vf_cell_destroy(fx->cell[i]);
	vf_fabric_destroy(fx->fabric);
	free(fx);
	*state = NULL;
	return 0;
}
