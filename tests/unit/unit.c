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
	vt_capture_clear(&fx->cap);
	free(fx);
	*state = NULL;
	return 0;
}

/* ---- the packet pipeline ---- */

void vt_capture_fn(void *user_data, vf_port *port, const uint8_t *frame,
		   size_t len)
{
	struct vt_capture *cap = user_data;
	struct vt_frame *f;

	if (cap->n == cap->cap) {
		size_t n = cap->cap ? cap->cap * 2 : 16;

		f = realloc(cap->f, n * sizeof(*f));
		if (!f)
			fail_msg("out of memory capturing frames");
		cap->f = f;
		cap->cap = n;
	}
	f = &cap->f[cap->n];
	f->port = port;
	f->len = len;
	f->data = malloc(len ? len : 1);
	if (!f->data)
		fail_msg("out of memory capturing a frame");
	memcpy(f->data, frame, len);
	cap->n++;
}

void vt_capture_clear(struct vt_capture *cap)
{
	size_t i;

	for (i = 0; i < cap->n; i++)
		free(cap->f[i].data);
	free(cap->f);
	memset(cap, 0, sizeof(*cap));
}

static int pipe_fail(const char *what, int rc)
{
	print_error("setup: %s: %d (%s) \"%s\"\n", what, rc, vt_errname(rc),
		    last_error());
	return -1;
}

static int pipe_subnet(struct vt_fx *fx, int slot, vf_cell *cell,
		       const char *name, const char *prefix)
{
	VF_OPTS(vf_subnet_opts, opts, .name = name);
	int rc;

	opts.prefix = vt_prefix(prefix);
	rc = vf_subnet_create(&fx->subnet[slot], cell, &opts);
	return rc ? pipe_fail("vf_subnet_create", rc) : 0;
}

static int pipe_port(struct vt_fx *fx, int slot, int subnet, const char *name,
		     uint32_t vip)
{
	VF_OPTS(vf_port_opts, opts, .name = name, .vip = vip);
	int rc = vf_port_create(&fx->port[slot], fx->subnet[subnet], &opts);

	return rc ? pipe_fail("vf_port_create", rc) : 0;
}

int vt_setup_pipe(void **state)
{
	VF_OPTS(vf_cell_opts, red, .id = 2, .name = "red");
	vf_mac host = VT_HOST;
	struct vt_fx *fx;
	int rc;

	if (vt_setup_cell(state) != 0)
		return -1;
	fx = *state;
	if ((rc = vf_fabric_set_host_mac(fx->fabric, &host)) != 0)
		return pipe_fail("vf_fabric_set_host_mac", rc);
	if ((rc = vf_cell_create(&fx->cell[1], fx->fabric, &red)) != 0)
		return pipe_fail("vf_cell_create", rc);
	if (pipe_subnet(fx, 0, fx->cell[0], "lan1", "10.1.1.0/24") ||
	    pipe_subnet(fx, 1, fx->cell[0], "lan2", "10.1.2.0/24") ||
	    pipe_subnet(fx, 2, fx->cell[1], "red1", "10.2.1.0/24"))
		return -1;
	if ((rc = vf_router_create(&fx->router[0], fx->cell[0], NULL)) != 0 ||
	    (rc = vf_router_create(&fx->router[1], fx->cell[1], NULL)) != 0)
		return pipe_fail("vf_router_create", rc);
	if ((rc = vf_router_attach(fx->router[0], fx->subnet[0], NULL)) != 0 ||
	    (rc = vf_router_attach(fx->router[0], fx->subnet[1], NULL)) != 0 ||
	    (rc = vf_router_attach(fx->router[1], fx->subnet[2], NULL)) != 0)
		return pipe_fail("vf_router_attach", rc);
	if (pipe_port(fx, 0, 0, "a", VT_IP_A) || pipe_port(fx, 1, 0, "b", VT_IP_B) ||
	    pipe_port(fx, 2, 1, "c", VT_IP_C) || pipe_port(fx, 3, 2, "d", VT_IP_D))
		return -1;
	if ((rc = vf_fabric_set_output(fx->fabric, vt_capture_fn, &fx->cap)) != 0)
		return pipe_fail("vf_fabric_set_output", rc);
	return 0;
}

uint64_t vt_drops_total(const vf_fabric *f)
{
	uint64_t n = 0;
	int r;

	for (r = VF_DROP_MALFORMED; r <= VF_DROP_NO_OUTPUT; r++)
		n += vf_fabric_drops(f, (vf_drop_reason)r);
	for (vf_cell *c = vf_fabric_next_cell(f, NULL); c;
	     c = vf_fabric_next_cell(f, c))
		for (vf_subnet *s = vf_cell_next_subnet(c, NULL); s;
		     s = vf_cell_next_subnet(c, s))
			for (vf_port *p = vf_subnet_next_port(s, NULL); p;
			     p = vf_subnet_next_port(s, p))
				for (r = VF_DROP_MALFORMED; r <= VF_DROP_NO_OUTPUT; r++)
					n += vf_port_drops(p, (vf_drop_reason)r);
	return n;
}

void vt_assert_drops(const vf_fabric *f, const vf_port *port,
		     vf_drop_reason reason, uint64_t n, uint64_t total,
		     const char *file, int line)
{
	uint64_t got = port ? vf_port_drops(port, reason) : vf_fabric_drops(f, reason);
	uint64_t all = vt_drops_total(f);
	int r;

	if (got == n && all == total)
		return;
	print_error("%s drops on %s%s: %llu, expected %llu; all drops %llu, "
		    "expected %llu. Counted:",
		    vf_drop_reason_name(reason), port ? "port " : "the fabric",
		    port ? vf_port_name(port) : "", (unsigned long long)got,
		    (unsigned long long)n, (unsigned long long)all,
		    (unsigned long long)total);
	for (r = VF_DROP_MALFORMED; r <= VF_DROP_NO_OUTPUT; r++)
		if (vf_fabric_drops(f, (vf_drop_reason)r))
			print_error(" fabric %s=%llu", vf_drop_reason_name((vf_drop_reason)r),
				    (unsigned long long)vf_fabric_drops(f, (vf_drop_reason)r));
	for (vf_cell *c = vf_fabric_next_cell(f, NULL); c;
	     c = vf_fabric_next_cell(f, c))
		for (vf_subnet *s = vf_cell_next_subnet(c, NULL); s;
		     s = vf_cell_next_subnet(c, s))
			for (vf_port *p = vf_subnet_next_port(s, NULL); p;
			     p = vf_subnet_next_port(s, p))
				for (r = VF_DROP_MALFORMED; r <= VF_DROP_NO_OUTPUT; r++)
					if (vf_port_drops(p, (vf_drop_reason)r))
						print_error(" %s:%s=%llu", vf_port_name(p),
							    vf_drop_reason_name((vf_drop_reason)r),
							    (unsigned long long)vf_port_drops(
								    p, (vf_drop_reason)r));
	print_error("\n");
	_fail(file, line);
}

uint16_t vt_csum(uint32_t sum, const uint8_t *b, size_t n)
{
	uint64_t s = sum;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)b[i] << 8 | b[i + 1];
	if (n & 1)
		s += (uint32_t)b[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

size_t vt_eth(uint8_t *out, vf_mac dst, vf_mac src, uint16_t type)
{
	memcpy(out, dst.addr, 6);
	memcpy(out + 6, src.addr, 6);
	put16(out + 12, type);
	return 14;
}

size_t vt_arp(uint8_t *out, vf_mac edst, vf_mac esrc, uint16_t op, vf_mac sha,
	      uint32_t spa, vf_mac tha, uint32_t tpa)
{
	uint8_t *a = out + vt_eth(out, edst, esrc, VT_ETH_ARP);

	put16(a, 1);
	put16(a + 2, VT_ETH_IPV4);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, sha.addr, 6);
	put32(a + 14, spa);
	memcpy(a + 18, tha.addr, 6);
	put32(a + 24, tpa);
	return 42;
}

size_t vt_ipv4(uint8_t *out, const struct vt_ip *ip, uint8_t proto,
	       const void *payload, size_t n)
{
	uint8_t *h = out + vt_eth(out, ip->dmac, ip->smac, VT_ETH_IPV4);

	if (n > VT_FRAME_MAX - 34)
		fail_msg("test frame too long: %zu bytes of payload", n);
	h[0] = 0x45;
	h[1] = ip->tos;
	put16(h + 2, (uint16_t)(20 + n));
	put16(h + 4, ip->id);
	put16(h + 6, ip->frag);
	h[8] = ip->ttl ? ip->ttl : 64;
	h[9] = proto;
	put16(h + 10, 0);
	put32(h + 12, ip->src);
	put32(h + 16, ip->dst);
	put16(h + 10, vt_csum(0, h, 20));
	if (n)
		memmove(h + 20, payload, n);
	return 34 + n;
}

/* The pseudo-header sum of the IPv4 header at @h for @l4len bytes. */
static uint32_t pseudo(const uint8_t *h, size_t l4len)
{
	return (uint32_t)get16(h + 12) + get16(h + 14) + get16(h + 16) +
	       get16(h + 18) + h[9] + (uint32_t)l4len;
}

size_t vt_udp(uint8_t *out, const struct vt_ip *ip, uint16_t sport,
	      uint16_t dport, const void *data, size_t n)
{
	uint8_t l4[VT_FRAME_MAX];
	size_t len;
	uint16_t c;

	put16(l4, sport);
	put16(l4 + 2, dport);
	put16(l4 + 4, (uint16_t)(8 + n));
	put16(l4 + 6, 0);
	if (n)
		memcpy(l4 + 8, data, n);
	len = vt_ipv4(out, ip, 17, l4, 8 + n);
	c = vt_csum(pseudo(out + 14, 8 + n), out + 34, 8 + n);
	put16(out + 40, c ? c : 0xffff);
	return len;
}

size_t vt_tcp(uint8_t *out, const struct vt_ip *ip, uint16_t sport,
	      uint16_t dport, uint8_t flags, const void *data, size_t n)
{
	uint8_t l4[VT_FRAME_MAX];
	size_t len;

	memset(l4, 0, 20);
	put16(l4, sport);
	put16(l4 + 2, dport);
	put32(l4 + 4, 1000);
	put32(l4 + 8, (flags & 0x10) ? 2000 : 0);
	l4[12] = 5 << 4;
	l4[13] = flags;
	put16(l4 + 14, 65535);
	if (n)
		memcpy(l4 + 20, data, n);
	len = vt_ipv4(out, ip, 6, l4, 20 + n);
	put16(out + 50, vt_csum(pseudo(out + 14, 20 + n), out + 34, 20 + n));
	return len;
}

size_t vt_icmp(uint8_t *out, const struct vt_ip *ip, uint8_t type,
	       uint8_t code, uint32_t rest, const void *data, size_t n)
{
	uint8_t l4[VT_FRAME_MAX];
	size_t len;

	l4[0] = type;
	l4[1] = code;
	put16(l4 + 2, 0);
	put32(l4 + 4, rest);
	if (n)
		memcpy(l4 + 8, data, n);
	len = vt_ipv4(out, ip, 1, l4, 8 + n);
	put16(out + 36, vt_csum(0, out + 34, 8 + n));
	return len;
}

size_t vt_vlan_tag(uint8_t *frame, size_t len, uint16_t tci)
{
	memmove(frame + 16, frame + 12, len - 12);
	put16(frame + 12, VT_ETH_VLAN);
	put16(frame + 14, tci);
	return len + 4;
}

void vt_assert_frame_equal(const uint8_t *got, size_t got_len,
			   const uint8_t *want, size_t want_len,
			   const char *file, int line)
{
	size_t i, n = got_len < want_len ? got_len : want_len;

	for (i = 0; i < n && got[i] == want[i]; i++)
		;
	if (i == n && got_len == want_len)
		return;
	print_error("frames differ: %zu bytes, expected %zu", got_len, want_len);
	if (i < n)
		print_error("; first at offset %zu: 0x%02x, expected 0x%02x", i,
			    got[i], want[i]);
	print_error("\n  got: ");
	for (i = 0; i < got_len && i < 96; i++)
		print_error("%02x%s", got[i], i % 16 == 15 ? "\n       " : " ");
	print_error("\n want: ");
	for (i = 0; i < want_len && i < 96; i++)
		print_error("%02x%s", want[i], i % 16 == 15 ? "\n       " : " ");
	print_error("\n");
	_fail(file, line);
}

void vt_assert_csums(const uint8_t *f, size_t len, const char *file, int line)
{
	const uint8_t *h = f + 14;
	size_t hlen, tot, l4len;
	uint16_t frag;

	if (len < 34 || get16(f + 12) != VT_ETH_IPV4) {
		print_error("not an untagged IPv4 frame (%zu bytes)\n", len);
		_fail(file, line);
	}
	hlen = (size_t)(h[0] & 0x0f) * 4;
	tot = get16(h + 2);
	if (tot < hlen || 14 + tot > len) {
		print_error("IPv4 total length %zu in a %zu-byte frame\n", tot, len);
		_fail(file, line);
	}
	if (vt_csum(0, h, hlen) != 0) {
		print_error("bad IPv4 header checksum 0x%04x\n", get16(h + 10));
		_fail(file, line);
	}
	frag = get16(h + 6);
	if (frag & 0x3fff) /* a fragment: no whole L4 datagram to check */
		return;
	l4len = tot - hlen;
	switch (h[9]) {
	case 1:
		if (vt_csum(0, h + hlen, l4len) != 0) {
			print_error("bad ICMP checksum\n");
			_fail(file, line);
		}
		break;
	case 6:
	case 17:
		if (h[9] == 17 && get16(h + hlen + 6) == 0)
			break; /* UDP without checksum */
		if (vt_csum(pseudo(h, l4len), h + hlen, l4len) != 0) {
			print_error("bad %s checksum 0x%04x\n",
				    h[9] == 6 ? "TCP" : "UDP",
				    get16(h + hlen + (h[9] == 6 ? 16 : 6)));
			_fail(file, line);
		}
		break;
	}
}

void vt_assert_capture(const struct vt_capture *cap, size_t i, const vf_port *to,
			      const uint8_t *want, size_t want_len, const char *file,
			      int line)
{
	if (cap->n <= i) {
		print_error("%zu frames sent, expected at least %zu\n", cap->n, i + 1);
		_fail(file, line);
	}
	if (cap->f[i].port != to) {
		print_error("frame %zu went to port '%s', expected '%s'\n", i,
			    cap->f[i].port ? vf_port_name(cap->f[i].port) : "(underlay)",
			    to ? vf_port_name(to) : "(underlay)");
		_fail(file, line);
	}
	vt_assert_frame_equal(cap->f[i].data, cap->f[i].len, want, want_len, file, line);
}
