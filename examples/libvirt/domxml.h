/*
 * domxml.h: a small, bounded XML reader for the libvirt domain XML the
 * qemu hook gets on stdin. It keeps elements and their attributes (text
 * and comments are checked and dropped: the hook needs none) and resolves
 * namespace prefixes, which <metadata> children carry.
 *
 * What it accepts is well-formed XML 1.0 without a DTD: a DOCTYPE is
 * refused (so no entity can expand), as are unknown entities, mismatched
 * tags and anything after the root element but comments, processing
 * instructions and white space. Bounds: XML_MAX_BYTES of input,
 * XML_MAX_DEPTH nested elements, XML_MAX_NODES elements, XML_MAX_ATTRS
 * attributes on one element, XML_MAX_NAME bytes in a name. Errors read
 * "line N: what is wrong".
 */
#ifndef VF_LIBVIRT_DOMXML_H
#define VF_LIBVIRT_DOMXML_H

#include <stddef.h>

#define XML_MAX_BYTES (1024 * 1024)
#define XML_MAX_DEPTH 64
#define XML_MAX_NODES 20000
#define XML_MAX_ATTRS 64
#define XML_MAX_NAME 256

struct xml_attr {
	char *name;  /* as written, with its prefix */
	char *value; /* entities replaced */
};

struct xml_node {
	char *name; /* as written, with its prefix */
	struct xml_attr *attrs;
	size_t nattrs;
	unsigned int line;
	struct xml_node *parent, *child, *next; /* first child, next sibling */
};

/* Parses @len bytes of @buf. Returns 0 and the root element in *out (free
 * it with xml_free()), or -1 with *out NULL and the error in @err. */
int xml_parse(struct xml_node **out, const char *buf, size_t len, char *err,
	      size_t errlen);

void xml_free(struct xml_node *root);

/* The value of attribute @name (as written, e.g. "address" or
 * "xmlns:vf"), or NULL. */
const char *xml_attr(const struct xml_node *n, const char *name);

/* The element's name without its prefix. */
const char *xml_local(const struct xml_node *n);

/* The namespace URI of the element (its prefix's, or the default
 * namespace in scope), or NULL for none. */
const char *xml_ns(const struct xml_node *n);

/* The next child of @n after @prev (NULL: the first) whose local name is
 * @local and, if @ns is not NULL, whose namespace is @ns; or NULL. */
const struct xml_node *xml_next(const struct xml_node *n, const struct xml_node *prev,
				const char *local, const char *ns);

#endif
