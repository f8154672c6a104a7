/*
 * domxml.c: the bounded XML reader of domxml.h. A recursive-descent pass
 * over the bytes, one element per call, depth limited; every count and
 * length is checked before it is used.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domxml.h"

struct rd {
	const char *p, *end;
	unsigned int line;
	size_t nodes;
	char *err;
	size_t errlen;
};

#if defined(__GNUC__)
static int fail(struct rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#endif
static int fail(struct rd *r, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(r->err, r->errlen, "line %u: %s", r->line, msg);
	return -1;
}

static bool at(const struct rd *r, const char *s)
{
	size_t n = strlen(s);

	return (size_t)(r->end - r->p) >= n && !memcmp(r->p, s, n);
}

static void adv(struct rd *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (r->p[i] == '\n')
			r->line++;
	r->p += n;
}

static bool space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void skip_space(struct rd *r)
{
	while (r->p < r->end && space(*r->p))
		adv(r, 1);
}

/* Skips past @close; fails if it never comes. */
static int skip_past(struct rd *r, const char *close, const char *what)
{
	size_t n = strlen(close);

	while ((size_t)(r->end - r->p) >= n) {
		if (!memcmp(r->p, close, n)) {
			adv(r, n);
			return 0;
		}
		adv(r, 1);
	}
	return fail(r, "%s without its end '%s'", what, close);
}

/* Comments, processing instructions; a DOCTYPE is refused. Returns 1 if
 * it skipped something, 0 if none is here, -1 on error. */
static int skip_misc(struct rd *r)
{
	if (at(r, "<!--")) {
		adv(r, 4);
		return skip_past(r, "-->", "a comment") < 0 ? -1 : 1;
	}
	if (at(r, "<?"))
		return skip_past(r, "?>", "a processing instruction") < 0 ? -1 : 1;
	if (at(r, "<!DOCTYPE"))
		return fail(r, "a DOCTYPE is not accepted");
	return 0;
}

static bool name_start(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':' ||
	       c >= 0x80;
}

static bool name_char(unsigned char c)
{
	return name_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

static char *read_name(struct rd *r)
{
	const char *s = r->p;
	size_t n;
	char *out;

	if (r->p >= r->end || !name_start((unsigned char)*r->p)) {
		fail(r, "a name is expected");
		return NULL;
	}
	while (r->p < r->end && name_char((unsigned char)*r->p))
		r->p++;
	n = (size_t)(r->p - s);
	if (n > XML_MAX_NAME) {
		fail(r, "a name is longer than %d bytes", XML_MAX_NAME);
		return NULL;
	}
	if (!(out = malloc(n + 1))) {
		fail(r, "out of memory");
		return NULL;
	}
	memcpy(out, s, n);
	out[n] = '\0';
	return out;
}

/* Appends the UTF-8 of @cp to @o. */
static size_t utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Decodes the entity at @s (after '&', up to ';' before @end) into @o.
 * Returns the bytes written, or 0 if it is not one we know; *used gets
 * the entity's length after '&'. */
static size_t entity(const char *s, const char *end, char *o, size_t *used)
{
	static const struct {
		const char *name;
		char c;
	} named[] = {{"lt;", '<'},
		     {"gt;", '>'},
		     {"amp;", '&'},
		     {"quot;", '"'},
		     {"apos;", '\''}};
	uint32_t cp = 0;
	size_t i = 1;

	for (size_t k = 0; k < sizeof(named) / sizeof(named[0]); k++) {
		size_t n = strlen(named[k].name);

		if ((size_t)(end - s) >= n && !memcmp(s, named[k].name, n)) {
			*used = n;
			*o = named[k].c;
			return 1;
		}
	}
	if (s >= end || *s != '#')
		return 0;
	if (s + 1 < end && s[1] == 'x') {
		for (i = 2; s + i < end && i < 10 && s[i] != ';'; i++) {
			char c = s[i];
			int v = c >= '0' && c <= '9'   ? c - '0'
				: c >= 'a' && c <= 'f' ? c - 'a' + 10
				: c >= 'A' && c <= 'F' ? c - 'A' + 10
						       : -1;

			if (v < 0)
				return 0;
			cp = cp * 16 + (uint32_t)v;
		}
		if (i == 2)
			return 0;
	} else {
		for (; s + i < end && i < 9 && s[i] != ';'; i++) {
			if (s[i] < '0' || s[i] > '9')
				return 0;
			cp = cp * 10 + (uint32_t)(s[i] - '0');
		}
		if (i == 1)
			return 0;
	}
	if (s + i >= end || s[i] != ';' || cp == 0 || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*used = i + 1;
	return utf8(o, cp);
}

/* A quoted attribute value, entities replaced. */
static char *read_value(struct rd *r)
{
	char q, *out, *o;
	const char *s;

	if (r->p >= r->end || (*r->p != '"' && *r->p != '\'')) {
		fail(r, "an attribute value in quotes is expected");
		return NULL;
	}
	q = *r->p;
	adv(r, 1);
	s = r->p;
	while (r->p < r->end && *r->p != q) {
		if (*r->p == '<') {
			fail(r, "'<' in an attribute value");
			return NULL;
		}
		adv(r, 1);
	}
	if (r->p >= r->end) {
		fail(r, "an attribute value without its closing quote");
		return NULL;
	}
	/* decoding never makes it longer: &#x10ffff; is 10 bytes, 4 in UTF-8 */
	if (!(out = malloc((size_t)(r->p - s) + 1))) {
		fail(r, "out of memory");
		return NULL;
	}
	for (o = out; s < r->p;) {
		size_t used, n;

		if (*s != '&') {
			*o++ = *s++;
			continue;
		}
		if (!(n = entity(s + 1, r->p, o, &used))) {
			free(out);
			fail(r, "an unknown or malformed entity in an attribute value");
			return NULL;
		}
		o += n;
		s += 1 + used;
	}
	*o = '\0';
	adv(r, 1);
	return out;
}

void xml_free(struct xml_node *n)
{
	while (n) {
		struct xml_node *next = n->next;

		xml_free(n->child);
		for (size_t i = 0; i < n->nattrs; i++) {
			free(n->attrs[i].name);
			free(n->attrs[i].value);
		}
		free(n->attrs);
		free(n->name);
		free(n);
		n = next;
	}
}

static int read_attrs(struct rd *r, struct xml_node *n)
{
	for (;;) {
		struct xml_attr *a;
		bool sp = r->p < r->end && space(*r->p);

		skip_space(r);
		if (r->p >= r->end)
			return fail(r, "element <%s> is not closed", n->name);
		if (*r->p == '>' || at(r, "/>"))
			return 0;
		if (!sp)
			return fail(r, "white space is expected between attributes");
		if (n->nattrs == XML_MAX_ATTRS)
			return fail(r, "element <%s> has more than %d attributes",
				    n->name, XML_MAX_ATTRS);
		if (!n->attrs && !(n->attrs = calloc(XML_MAX_ATTRS, sizeof(*n->attrs))))
			return fail(r, "out of memory");
		a = &n->attrs[n->nattrs];
		if (!(a->name = read_name(r)))
			return -1;
		n->nattrs++;
		for (size_t i = 0; i + 1 < n->nattrs; i++)
			if (!strcmp(n->attrs[i].name, a->name))
				return fail(r, "attribute '%s' twice", a->name);
		skip_space(r);
		if (r->p >= r->end || *r->p != '=')
			return fail(r, "'=' is expected after attribute '%s'", a->name);
		adv(r, 1);
		skip_space(r);
		if (!(a->value = read_value(r)))
			return -1;
	}
}

/* Text, comments, CDATA and child elements up to "</". */
static int read_element(struct rd *r, struct xml_node *parent, struct xml_node **out,
			int depth);

static int read_content(struct rd *r, struct xml_node *n, int depth)
{
	struct xml_node **tail = &n->child;

	for (;;) {
		int rc;

		while (r->p < r->end && *r->p != '<') {
			if (*r->p == '&') {
				char tmp[4];
				size_t used;

				if (!entity(r->p + 1, r->end, tmp, &used))
					return fail(r, "an unknown or malformed entity");
				adv(r, 1 + used);
				continue;
			}
			adv(r, 1);
		}
		if (r->p >= r->end)
			return fail(r, "element <%s> (line %u) is not closed", n->name,
				    n->line);
		if (at(r, "</"))
			return 0;
		if (at(r, "<![CDATA[")) {
			adv(r, 9);
			if (skip_past(r, "]]>", "a CDATA section") < 0)
				return -1;
			continue;
		}
		if ((rc = skip_misc(r)) < 0)
			return -1;
		if (rc)
			continue;
		if (read_element(r, n, tail, depth + 1) < 0)
			return -1;
		tail = &(*tail)->next;
	}
}

static int read_element(struct rd *r, struct xml_node *parent, struct xml_node **out,
			int depth)
{
	struct xml_node *n;
	char *end;

	if (depth > XML_MAX_DEPTH)
		return fail(r, "elements nest deeper than %d", XML_MAX_DEPTH);
	if (++r->nodes > XML_MAX_NODES)
		return fail(r, "more than %d elements", XML_MAX_NODES);
	if (!(n = calloc(1, sizeof(*n))))
		return fail(r, "out of memory");
	*out = n; /* freed with the tree, also on error */
	n->parent = parent;
	n->line = r->line;
	adv(r, 1); /* '<' */
	if (!(n->name = read_name(r)) || read_attrs(r, n) < 0)
		return -1;
	if (at(r, "/>")) {
		adv(r, 2);
		return 0;
	}
	adv(r, 1); /* '>' */
	if (read_content(r, n, depth) < 0)
		return -1;
	adv(r, 2); /* "</" */
	if (!(end = read_name(r)))
		return -1;
	if (strcmp(end, n->name)) {
		fail(r, "</%s> closes <%s> (line %u)", end, n->name, n->line);
		free(end);
		return -1;
	}
	free(end);
	skip_space(r);
	if (r->p >= r->end || *r->p != '>')
		return fail(r, "'>' is expected to close </%s>", n->name);
	adv(r, 1);
	return 0;
}

int xml_parse(struct xml_node **out, const char *buf, size_t len, char *err,
	      size_t errlen)
{
	struct rd r = {
		.p = buf, .end = buf + len, .line = 1, .err = err, .errlen = errlen};
	struct xml_node *root = NULL;
	int rc;

	*out = NULL;
	if (len > XML_MAX_BYTES) {
		snprintf(err, errlen, "the document is larger than %d bytes",
			 XML_MAX_BYTES);
		return -1;
	}
	if (memchr(buf, '\0', len)) {
		snprintf(err, errlen, "the document has a NUL byte");
		return -1;
	}
	if (at(&r, "\xef\xbb\xbf"))
		r.p += 3;
	for (;;) {
		skip_space(&r);
		if ((rc = skip_misc(&r)) < 0)
			return -1;
		if (!rc)
			break;
	}
	if (r.p >= r.end || *r.p != '<')
		return fail(&r, "no root element");
	if (read_element(&r, NULL, &root, 1) < 0)
		goto fail;
	for (;;) {
		skip_space(&r);
		if (r.p >= r.end)
			break;
		if ((rc = skip_misc(&r)) < 0)
			goto fail;
		if (!rc) {
			fail(&r, "content after the root element");
			goto fail;
		}
	}
	*out = root;
	return 0;
fail:
	xml_free(root);
	return -1;
}

const char *xml_attr(const struct xml_node *n, const char *name)
{
	for (size_t i = 0; i < n->nattrs; i++)
		if (!strcmp(n->attrs[i].name, name))
			return n->attrs[i].value;
	return NULL;
}

const char *xml_local(const struct xml_node *n)
{
	const char *colon = strchr(n->name, ':');

	return colon ? colon + 1 : n->name;
}

const char *xml_ns(const struct xml_node *n)
{
	const char *colon = strchr(n->name, ':');
	char attr[XML_MAX_NAME + 8];

	if (colon)
		snprintf(attr, sizeof(attr), "xmlns:%.*s", (int)(colon - n->name),
			 n->name);
	else
		snprintf(attr, sizeof(attr), "xmlns");
	for (; n; n = n->parent) {
		const char *v = xml_attr(n, attr);

		if (v)
			return v[0] ? v : NULL;
	}
	return NULL;
}

const struct xml_node *xml_next(const struct xml_node *n, const struct xml_node *prev,
				const char *local, const char *ns)
{
	const struct xml_node *c = prev ? prev->next : n->child;

	for (; c; c = c->next) {
		const char *cns;

		if (strcmp(xml_local(c), local))
			continue;
		cns = xml_ns(c);
		if (ns ? cns && !strcmp(cns, ns) : true)
			return c;
	}
	return NULL;
}
