/*
 * Fuzz target: the Serf query responder (lib/gossip/query.c) and its
 * vf-where payload parser. The first byte picks the entry:
 *   0: the rest is a vf-where payload: if it parses, "CELL a.b.c.d"
 *      printed from the result parses to the same again;
 *   1: the rest is one user message for the responder of a host "fuzz"
 *      (tags role=fuzz, rack=r1) whose fabric has the VM 10.1.0.5 in
 *      cell 7, in a cluster of four members;
 *   2: the rest split in up to 8 user messages (2-byte big-endian
 *      lengths) for the same responder (duplicates, the clock).
 * Invariants: the responder takes exactly the Serf queries and relays;
 * every response it sends is within Serf's 1024-byte limit; it acks and
 * answers at most once per new query; the clock never goes back.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vfabric/vfabric.h>

#include "gossip/query.h"
#include "gossip/serf.h"
#include "fuzz_swim.h"

static int send_packet(void *ctx, const struct vf__gaddr *to, const uint8_t *p,
		       size_t len)
{
	(void)ctx;
	CHECK(to->len == 4 && to->port);
	CHECK(len > 0 && len <= VF__GOSSIP_UDP_MAX);
	/* our own responses and relays, alone in a packet: [8][5|9]... */
	if (len >= 2 && p[0] == VF__GOSSIP_USER &&
	    (p[1] == VF__SERF_QUERY_RESPONSE || p[1] == VF__SERF_RELAY))
		CHECK(len - 1 <= VF__SERF_RESPONSE_MAX);
	return 0;
}

static int stream_open(void *ctx, const struct vf__gaddr *to, const uint8_t *p,
		       size_t len, uint64_t cookie)
{
	(void)ctx;
	(void)to;
	(void)p;
	(void)len;
	(void)cookie;
	return 0;
}

static uint64_t now(void *ctx)
{
	(void)ctx;
	return 1000;
}

static void arm(void *ctx, uint64_t due)
{
	(void)ctx;
	(void)due;
}

/* A fabric with the VM 10.1.0.5 in cell 7, made once. */
static vf_fabric *fabric(void)
{
	static vf_fabric *f;
	vf_cell *c;
	vf_subnet *sn;
	vf_port *p;

	if (f)
		return f;
	VF_OPTS(vf_fabric_opts, fo, .host_name = "fuzz", .host_mac = {{2, 0, 0, 0, 0, 1}},
		.host_ip = 0xc0000201u);
	VF_OPTS(vf_cell_opts, co, .id = 7);
	VF_OPTS(vf_subnet_opts, so, .id = 3, .prefix = {0x0a010000u, 16});
	VF_OPTS(vf_port_opts, po, .name = "vm5", .vip = 0x0a010005u);
	CHECK(vf_fabric_create(&f, &fo) == 0);
	CHECK(vf_cell_create(&c, f, &co) == 0);
	CHECK(vf_subnet_create(&sn, c, &so) == 0);
	CHECK(vf_port_create(&p, sn, &po) == 0);
	return f;
}

static void parse_again(const uint8_t *data, size_t size)
{
	uint32_t cell, vip, cell2, vip2;
	struct in_addr a;
	char s[64], ip[INET_ADDRSTRLEN];
	int n;

	if (vf__query_where_parse(data, size, &cell, &vip) < 0)
		return;
	a.s_addr = htonl(vip);
	CHECK(inet_ntop(AF_INET, &a, ip, sizeof(ip)));
	n = snprintf(s, sizeof(s), "%u %s", cell, ip);
	CHECK(vf__query_where_parse((const uint8_t *)s, (size_t)n, &cell2, &vip2) == 0);
	CHECK(cell == cell2 && vip == vip2);
}

static void one(struct vf__query *q, const uint8_t *p, size_t len)
{
	const struct vf__query_stats *st = vf__query_stats(q);
	uint64_t clock = vf__query_clock(q), queries = st->queries;
	uint64_t acks = st->acks, answers = st->answers;
	bool ours = len && (p[0] == VF__SERF_QUERY || p[0] == VF__SERF_RELAY);

	CHECK(vf__query_user(q, p, len) == ours);
	CHECK(vf__query_clock(q) >= clock);
	CHECK(st->acks - acks <= st->queries - queries);
	CHECK(st->answers - answers <= st->queries - queries);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t meta[] = {0xff, 0x82, 0xa4, 'r',  'o', 'l',  'e',
				       0xa4, 'f',  'u',	 'z',  'z', 0xa4, 'r',
				       'a',  'c',  'k',	 0xa2, 'r', '1'};
	struct vf__swim_io sio = {NULL, send_packet, stream_open, now, arm};
	struct vf__swim_opts o = {0};
	struct vf__query_opts qo = {0};
	struct vf__swim *s;
	struct vf__query *q;
	uint8_t mode;

	if (size < 1)
		return 0;
	mode = data[0] % 3;
	data++;
	size--;
	if (mode == 0) {
		parse_again(data, size);
		return 0;
	}
	o.name = "fuzz";
	o.addr = (struct vf__gaddr){{127, 0, 0, 1}, 4, 7946};
	o.meta = meta;
	o.meta_len = sizeof(meta);
	o.seed = 7;
	vf__swim_config_profile(&o.cfg, 0);
	CHECK(vf__swim_create(&s, &o, &sio, NULL) == 0);
	fuzz_alive(s, "alpha", 11);
	fuzz_alive(s, "beta", 12);
	fuzz_alive(s, "gamma", 13);
	qo.swim = s;
	qo.fabric = fabric();
	qo.seed = 3;
	CHECK(vf__query_create(&q, &qo) == 0);
	if (mode == 1) {
		one(q, data, size);
	} else {
		for (int k = 0; k < 8 && size >= 2; k++) {
			size_t len = (size_t)data[0] << 8 | data[1];

			data += 2;
			size -= 2;
			if (len > size)
				len = size;
			one(q, data, len);
			data += len;
			size -= len;
		}
	}
	vf__query_destroy(q);
	vf__swim_destroy(s);
	return 0;
}
