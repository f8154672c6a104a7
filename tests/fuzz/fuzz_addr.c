/*
 * Fuzz target: the text parsers (vf_ipv4_parse, vf_prefix_parse,
 * vf_mac_parse). The first byte picks the parser, the rest is the text.
 * Whatever parses must format and parse back to the same value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vfabric/vfabric.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[128], out[64];

	if (size < 1 || size > sizeof(text))
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = 0;

	switch (data[0] % 3) {
	case 0: {
		uint32_t a, b;

		if (vf_ipv4_parse(&a, text) < 0)
			break;
		if (vf_ipv4_format(out, sizeof(out), a) < 0 ||
		    vf_ipv4_parse(&b, out) < 0 || a != b || strcmp(out, text))
			abort();
		break;
	}
	case 1: {
		vf_ipv4_prefix a, b;

		if (vf_prefix_parse(&a, text) < 0)
			break;
		if (vf_prefix_format(out, sizeof(out), &a) < 0 ||
		    vf_prefix_parse(&b, out) < 0 || a.addr != b.addr || a.len != b.len ||
		    strcmp(out, text))
			abort();
		break;
	}
	case 2: {
		vf_mac a, b;

		if (vf_mac_parse(&a, text) < 0)
			break;
		if (vf_mac_format(out, sizeof(out), &a) < 0 ||
		    vf_mac_parse(&b, out) < 0 || memcmp(&a, &b, sizeof(a)))
			abort();
		break;
	}
	}
	return 0;
}
