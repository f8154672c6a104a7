/*
 * Fuzz target: the bounded XML reader of the libvirt qemu hook
 * (examples/libvirt/domxml.c). Whatever parses is walked: every element's
 * namespace is resolved and every attribute read; an error must name a
 * line or the bound it hit, and leave nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domxml.h"
#include "fuzz.h"

static size_t walk(const struct xml_node *n, int depth)
{
	size_t count = 0;

	if (depth > XML_MAX_DEPTH)
		abort();
	for (; n; n = n->next) {
		count++;
		(void)xml_ns(n);
		if (!xml_local(n) || !n->name[0])
			abort();
		for (size_t i = 0; i < n->nattrs; i++)
			if (!n->attrs[i].name || !n->attrs[i].value ||
			    xml_attr(n, n->attrs[i].name) == NULL)
				abort();
		(void)xml_next(n, NULL, "interface", NULL);
		count += walk(n->child, depth + 1);
	}
	return count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xml_node *root = NULL;
	char err[300];

	if (xml_parse(&root, (const char *)data, size, err, sizeof(err)) < 0) {
		if (root || (strncmp(err, "line ", 5) && !strstr(err, "bytes") &&
			     !strstr(err, "NUL")))
			abort();
		return 0;
	}
	if (!root || walk(root, 1) > XML_MAX_NODES)
		abort();
	xml_free(root);
	return 0;
}
