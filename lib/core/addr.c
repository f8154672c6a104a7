/* Address values: parsing, formatting, prefixes, MACs, names. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/internal.h"

int vf_ipv4_parse(uint32_t *out, const char *s)
{
	const char *text = s;
	uint32_t addr = 0;

	if (!out || !s)
		return vf__fail(NULL, -EINVAL, "vf_ipv4_parse: NULL argument");
	for (int part = 0; part < 4; part++) {
		unsigned int v = 0, digits = 0;

		if (part && *s++ != '.')
			goto bad;
		while (isdigit((unsigned char)*s) && digits < 4) {
			v = v * 10 + (unsigned int)(*s++ - '0');
			digits++;
		}
		/* 1-3 digits, no leading zero (which some parsers read as octal) */
		if (!digits || digits > 3 || v > 255 ||
		    (digits > 1 && s[-(int)digits] == '0'))
			goto bad;
		addr = addr << 8 | v;
	}
	if (*s)
		goto bad;
	*out = addr;
	return 0;
bad:
	return vf__fail(NULL, -EINVAL, "'%s' is not a dotted-quad IPv4 address", text);
}

int vf_ipv4_format(char *buf, size_t len, uint32_t addr)
{
	int n;

	if (!buf)
		return vf__fail(NULL, -EINVAL, "vf_ipv4_format: NULL buffer");
	n = snprintf(buf, len, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff,
		     (addr >> 8) & 0xff, addr & 0xff);
	if ((size_t)n >= len)
		return vf__fail(NULL, -ENOSPC, "buffer of %zu bytes is too small for %d",
				len, n + 1);
	return n;
}

uint32_t vf__prefix_mask(uint8_t len)
{
	return len ? ~(uint32_t)0 << (32 - len) : 0;
}

int vf_prefix_parse(vf_ipv4_prefix *out, const char *s)
{
	char addr[VF_IPV4_STRLEN];
	const char *slash;
	unsigned int len = 0, digits = 0;
	uint32_t a;

	if (!out || !s)
		return vf__fail(NULL, -EINVAL, "vf_prefix_parse: NULL argument");
	slash = strchr(s, '/');
	if (!slash || (size_t)(slash - s) >= sizeof(addr))
		goto bad;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = 0;
	for (const char *p = slash + 1; *p; p++, digits++) {
		if (!isdigit((unsigned char)*p) || digits >= 2)
			goto bad;
		len = len * 10 + (unsigned int)(*p - '0');
	}
	if (!digits || len > 32 || (digits > 1 && slash[1] == '0') ||
	    vf_ipv4_parse(&a, addr) < 0)
		goto bad;
	if (a & ~vf__prefix_mask((uint8_t)len))
		return vf__fail(NULL, -EINVAL, "prefix '%s' has bits set past /%u", s,
				len);
	memset(out, 0, sizeof(*out));
	out->addr = a;
	out->len = (uint8_t)len;
	return 0;
bad:
	return vf__fail(NULL, -EINVAL, "'%s' is not an IPv4 prefix a.b.c.d/len", s);
}

int vf_prefix_format(char *buf, size_t len, const vf_ipv4_prefix *p)
{
	int n;

	if (!buf || !p)
		return vf__fail(NULL, -EINVAL, "vf_prefix_format: NULL argument");
	if (p->len > 32)
		return vf__fail(NULL, -EINVAL, "prefix length %u is over 32", p->len);
	n = snprintf(buf, len, "%u.%u.%u.%u/%u", p->addr >> 24, (p->addr >> 16) & 0xff,
		     (p->addr >> 8) & 0xff, p->addr & 0xff, p->len);
	if ((size_t)n >= len)
		return vf__fail(NULL, -ENOSPC, "buffer of %zu bytes is too small for %d",
				len, n + 1);
	return n;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int vf_mac_parse(vf_mac *out, const char *s)
{
	const char *text = s;
	vf_mac m;
	char sep = 0;

	if (!out || !s)
		return vf__fail(NULL, -EINVAL, "vf_mac_parse: NULL argument");
	for (int i = 0; i < 6; i++) {
		int hi, lo;

		if (i) {
			if (!sep && (*s == ':' || *s == '-'))
				sep = *s;
			if (*s++ != sep)
				goto bad;
		}
		hi = hexval((unsigned char)s[0]);
		lo = hi < 0 ? -1 : hexval((unsigned char)s[1]);
		if (lo < 0)
			goto bad;
		m.addr[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	if (*s)
		goto bad;
	*out = m;
	return 0;
bad:
	return vf__fail(NULL, -EINVAL, "'%s' is not a MAC address xx:xx:xx:xx:xx:xx",
			text);
}

int vf_mac_format(char *buf, size_t len, const vf_mac *m)
{
	int n;

	if (!buf || !m)
		return vf__fail(NULL, -EINVAL, "vf_mac_format: NULL argument");
	n = snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m->addr[0], m->addr[1],
		     m->addr[2], m->addr[3], m->addr[4], m->addr[5]);
	if ((size_t)n >= len)
		return vf__fail(NULL, -ENOSPC, "buffer of %zu bytes is too small for %d",
				len, n + 1);
	return n;
}

const char *vf__ip_str(vf__ipstr buf, uint32_t addr)
{
	vf_ipv4_format(buf, VF_IPV4_STRLEN, addr);
	return buf;
}

const char *vf__pfx_str(vf__pfxstr buf, vf_ipv4_prefix p)
{
	/* lengths over 32 are shown as given: messages must name bad values */
	snprintf(buf, sizeof(vf__pfxstr), "%u.%u.%u.%u/%u", p.addr >> 24,
		 (p.addr >> 16) & 0xff, (p.addr >> 8) & 0xff, p.addr & 0xff, p.len);
	return buf;
}

const char *vf__mac_str(vf__macstr buf, const vf_mac *mac)
{
	vf_mac_format(buf, VF_MAC_STRLEN, mac);
	return buf;
}

bool vf__prefix_has(vf_ipv4_prefix p, uint32_t addr)
{
	return ((addr ^ p.addr) & vf__prefix_mask(p.len)) == 0;
}

bool vf__prefix_overlap(vf_ipv4_prefix a, vf_ipv4_prefix b)
{
	uint8_t len = a.len < b.len ? a.len : b.len;

	return ((a.addr ^ b.addr) & vf__prefix_mask(len)) == 0;
}

bool vf__prefix_is_zero(vf_ipv4_prefix p)
{
	return !p.addr && !p.len;
}

uint32_t vf__prefix_broadcast(vf_ipv4_prefix p)
{
	return p.addr | ~vf__prefix_mask(p.len);
}

int vf__prefix_check(const vf_fabric *f, vf_ipv4_prefix p, const char *what)
{
	vf__pfxstr s;

	if (p.len > 32)
		return vf__fail(f, -EINVAL, "%s %s: length over 32", what,
				vf__pfx_str(s, p));
	if (p.addr & ~vf__prefix_mask(p.len))
		return vf__fail(f, -EINVAL, "%s %s has bits set past /%u", what,
				vf__pfx_str(s, p), p.len);
	return 0;
}

bool vf__mac_is_zero(const vf_mac *mac)
{
	static const vf_mac zero;

	return !memcmp(mac, &zero, sizeof(zero));
}

bool vf__mac_is_multicast(const vf_mac *mac)
{
	return mac->addr[0] & 1;
}

vf_mac vf__mac_derive(uint8_t first, uint32_t cell_id, uint32_t addr)
{
	vf_mac m = {{first, (uint8_t)cell_id, (uint8_t)(addr >> 24),
		     (uint8_t)(addr >> 16), (uint8_t)(addr >> 8), (uint8_t)addr}};

	return m;
}

uint64_t vf__mac_key(const vf_mac *mac)
{
	uint64_t k = 0;

	for (int i = 0; i < 6; i++)
		k = k << 8 | mac->addr[i];
	return k;
}

int vf__name_check(const vf_fabric *f, const char *name, const char *what)
{
	size_t n;

	if (!name || !*name)
		return vf__fail(f, -EINVAL, "%s name is missing or empty", what);
	n = strnlen(name, VF_NAME_MAX + 1);
	if (n > VF_NAME_MAX)
		return vf__fail(f, -EINVAL,
				"%s name '%.*s...' is longer than %d characters", what,
				16, name, VF_NAME_MAX);
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("._:-", name[i]))
			return vf__fail(
				f, -EINVAL,
				"%s name '%s' has a character outside [A-Za-z0-9._:-] "
				"at position %zu",
				what, name, i);
	return 0;
}

int vf__text_check(const vf_fabric *f, const char *text, size_t max, const char *what)
{
	size_t n;

	if (!text)
		return 0;
	n = strnlen(text, max + 1);
	if (n > max)
		return vf__fail(f, -EINVAL, "%s '%.16s...' is longer than %zu bytes",
				what, text, max);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			return vf__fail(f, -EINVAL,
					"%s has a control character at position %zu",
					what, i);
	return 0;
}
