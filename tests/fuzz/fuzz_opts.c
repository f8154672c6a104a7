/*
 * Fuzz target: option-struct validation and the model's refusals. The
 * input is a sequence of records; each creates a subnet or a port (or a
 * cell) from fuzzed option bytes with a fuzzed size, in a fabric that
 * lives for the whole input. Invariants checked after every call: a
 * refusal leaves *out NULL, a message, and every count unchanged; a
 * success is found by its look-ups.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vfabric/vfabric.h>

#include "fuzz.h"

struct counts {
	size_t cells, ports, subnets;
};

static struct counts count(const vf_fabric *f)
{
	struct counts c = {vf_fabric_cell_count(f), vf_fabric_port_count(f), 0};

	for (vf_cell *cell = vf_fabric_next_cell(f, NULL); cell;
	     cell = vf_fabric_next_cell(f, cell))
		c.subnets += vf_cell_subnet_count(cell);
	return c;
}

/* Takes @n bytes from the input, zero-filled past its end. */
static void take(const uint8_t **data, size_t *size, void *dst, size_t n)
{
	size_t k = n < *size ? n : *size;

	memset(dst, 0, n);
	memcpy(dst, *data, k);
	*data += k;
	*size -= k;
}

/* A short NUL-terminated name from the input. */
static const char *take_name(const uint8_t **data, size_t *size, char *buf)
{
	uint8_t len = 0;

	take(data, size, &len, 1);
	len %= 16;
	if (!len)
		return NULL;
	take(data, size, buf, len);
	buf[len] = 0;
	return buf;
}

#define END(T, F) (offsetof(T, F) + sizeof(((T *)0)->F))

static const size_t cell_ends[] = {
	END(vf_cell_opts, id),	       END(vf_cell_opts, name),
	END(vf_cell_opts, owner),      END(vf_cell_opts, intra_cell),
	END(vf_cell_opts, inter_cell), END(vf_cell_opts, vni),
};
static const size_t subnet_ends[] = {
	END(vf_subnet_opts, id),       END(vf_subnet_opts, name),
	END(vf_subnet_opts, kind),     END(vf_subnet_opts, prefix),
	END(vf_subnet_opts, gateway),  END(vf_subnet_opts, dhcp_start),
	END(vf_subnet_opts, dhcp_end), END(vf_subnet_opts, lease_time),
	END(vf_subnet_opts, dns),      END(vf_subnet_opts, domain),
	END(vf_subnet_opts, mtu),      END(vf_subnet_opts, dhcp),
};
static const size_t port_ends[] = {
	END(vf_port_opts, name), END(vf_port_opts, id),	   END(vf_port_opts, vip),
	END(vf_port_opts, vmac), END(vf_port_opts, flags),
};

/*
 * A size a real caller can send: its own struct's size, the end of one of
 * the fields (an older version), or a larger struct of a newer version
 * (8-byte steps) whose unknown tail the fuzzer fills. Sizes that split a
 * field are not fuzzed: no version of the struct has them.
 */
static size_t pick_size(uint8_t sel, size_t full, const size_t *ends, size_t nends,
			size_t room)
{
	size_t i = sel >> 1;

	if (sel & 1)
		return full;
	if (i < nends)
		return ends[i];
	i = full + 8 * (i - nends);
	return i <= room ? i : full;
}

static void refused(int rc, const void *out, struct counts before, const vf_fabric *f)
{
	struct counts after = count(f);

	if (rc >= 0)
		return;
	if (out || !vf_last_error()[0] || memcmp(&before, &after, sizeof(before)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vf_fabric *f;
	vf_cell *cell = NULL;
	uint8_t mode;

	take(&data, &size, &mode, 1);
	{
		VF_OPTS(vf_fabric_opts, fo, .wire_mode = (vf_wire_mode)(mode & 1));

		if (vf_fabric_create(&f, &fo) < 0)
			abort();
	}
	if (vf_cell_create(&cell, f, NULL) < 0)
		abort();

	while (size) {
		uint8_t op, szsel;
		char name[20], buf[2 * sizeof(vf_subnet_opts)];
		struct counts before = count(f);
		size_t sz;
		int rc;

		take(&data, &size, &op, 1);
		take(&data, &size, &szsel, 1);
		switch (op % 3) {
		case 0: {
			vf_cell *c = NULL;
			vf_cell_opts *o = (vf_cell_opts *)buf;

			memset(buf, 0, sizeof(buf));
			take(&data, &size, buf, sizeof(buf));
			o->name = take_name(&data, &size, name);
			o->owner = NULL;
			sz = pick_size(szsel, sizeof(*o), cell_ends, 6, sizeof(buf));
			o->sz = sz;
			rc = vf_cell_create(&c, f, o);
			refused(rc, c, before, f);
			if (rc == 0 && vf_fabric_cell_by_id(f, vf_cell_id(c)) != c)
				abort();
			break;
		}
		case 1: {
			vf_subnet *s = NULL;
			vf_subnet_opts *o = (vf_subnet_opts *)buf;

			memset(buf, 0, sizeof(buf));
			take(&data, &size, buf, sizeof(buf));
			o->name = take_name(&data, &size, name);
			o->domain = NULL;
			sz = pick_size(szsel, sizeof(*o), subnet_ends, 12, sizeof(buf));
			o->sz = sz;
			rc = vf_subnet_create(&s, cell, o);
			refused(rc, s, before, f);
			if (rc == 0 && vf_cell_subnet_by_id(cell, vf_subnet_id(s)) != s)
				abort();
			break;
		}
		default: {
			vf_subnet *s = vf_cell_next_subnet(cell, NULL);
			vf_port *p = NULL;
			vf_port_opts *o = (vf_port_opts *)buf;

			memset(buf, 0, sizeof(buf));
			take(&data, &size, buf, sizeof(buf));
			o->name = take_name(&data, &size, name);
			sz = pick_size(szsel, sizeof(*o), port_ends, 5, sizeof(buf));
			o->sz = sz;
			if (!s)
				break;
			rc = vf_port_create(&p, s, o);
			refused(rc, p, before, f);
			if (rc == 0 && (vf_cell_port_by_vip(cell, vf_port_vip(p)) != p ||
					vf_fabric_port_by_name(f, vf_port_name(p)) != p))
				abort();
			break;
		}
		}
	}
	/* Everything goes with the fabric's cells (any order is allowed). */
	for (vf_cell *c; (c = vf_fabric_next_cell(f, NULL));) {
		for (vf_subnet *s; (s = vf_cell_next_subnet(c, NULL));) {
			for (vf_port *p; (p = vf_subnet_next_port(s, NULL));)
				vf_port_destroy(p);
			vf_subnet_destroy(s);
		}
		vf_cell_destroy(c);
	}
	vf_fabric_destroy(f);
	return 0;
}
