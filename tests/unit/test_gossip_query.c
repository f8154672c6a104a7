/*
 * Serf queries answered by libvfabric hosts (lib/gossip/query.c) on the
 * virtual network and clock of gossip_sim.h: N fabrics, each with its
 * membership state machine and query responder; one of them plays the
 * asker (its address is the query's Addr:Port) and records the [5]
 * responses that reach it. Covered: the ack from every host a query
 * reaches (rebroadcast), the answer from the VM's host only, duplicates
 * and old queries dropped, the query clock, flag 2, node and tag
 * filters, malformed payloads (acked, not answered, counted), undecodable
 * queries, the deadline, the 1024-byte cap (a relay too big is not
 * sent), relays sent and forwarded, internal _serf_ queries acked only.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>

#include <vfabric/vfabric.h>

#include "gossip/mp.h"
#include "gossip/query.h"
#include "gossip/serf.h"
#include "gossip_sim.h"

#define CELL 1
#define NET 0x0a010000u	   /* 10.1.0.0/16 */
#define VIP (NET | 0x0105) /* 10.1.1.5 */
#define RESP_MAX 64

struct resp {
	uint32_t flags, id;
	uint64_t ltime;
	char from[256];
	char payload[1100];
	bool nil; /* Payload was nil */
};

struct host {
	vf_fabric *f;
	vf_cell *cell;
	vf_subnet *subnet;
	vf_port *port;
	struct vf__query *q;
	struct resp resp[RESP_MAX]; /* what reached this host as the asker */
	int nresp;
	int others; /* user messages that were neither */
};

static struct sim sim;
static struct host hosts[SIM_NODES];

static void record(struct host *h, const uint8_t *p, size_t len)
{
	struct vf__serf_msg m;
	struct resp *r;

	if (vf__serf_decode(&m, p, len) < 0 || m.type != VF__SERF_QUERY_RESPONSE ||
	    h->nresp == RESP_MAX) {
		vf__serf_free(&m);
		h->others++;
		return;
	}
	r = &h->resp[h->nresp++];
	r->flags = m.u.response.flags;
	r->id = m.u.response.id;
	r->ltime = m.u.response.ltime;
	snprintf(r->from, sizeof(r->from), "%.*s", (int)m.u.response.from.len,
		 (const char *)m.u.response.from.data);
	snprintf(r->payload, sizeof(r->payload), "%.*s", (int)m.u.response.payload.len,
		 (const char *)m.u.response.payload.data);
	r->nil = !m.u.response.payload.data;
	vf__serf_free(&m);
}

static void h_user(void *ctx, const uint8_t *p, size_t len)
{
	struct host *h = ctx;

	if (!vf__query_user(h->q, p, len))
		record(h, p, len);
}

/* Host i: fabric (host MAC 02:00:00:00:00:i+1, IP 192.168.0.i+1), cell 1
 * with subnet 10.1.0.0/16, node "n<i>" with tags role=hyper, rack=r<i>. */
static void host_add(int i)
{
	struct host *h = &hosts[i];
	struct sim_node *n = sim_node_new(&sim);
	struct vf__swim_io io;
	struct vf__swim_hooks hooks = {h, NULL, h_user, NULL, NULL};
	struct vf__swim_opts so = {0};
	struct vf__query_opts qo = {0};
	struct vf__gbuf meta = {0};
	char name[16], rack[16];
	struct vf__serf_tag tags[2];

	VF_OPTS(vf_fabric_opts, fo, .host_mac = {{2, 0, 0, 0, 0, (uint8_t)(i + 1)}},
		.host_ip = 0xc0a80000u | (uint32_t)(i + 1));
	VF_OPTS(vf_cell_opts, co, .id = CELL);
	VF_OPTS(vf_subnet_opts, sub, .id = 3, .prefix = {NET, 16});
	snprintf(name, sizeof(name), "n%d", i);
	snprintf(rack, sizeof(rack), "r%d", i);
	tags[0] = (struct vf__serf_tag){vf__gbytes_str("role"), vf__gbytes_str("hyper")};
	tags[1] = (struct vf__serf_tag){vf__gbytes_str("rack"), vf__gbytes_str(rack)};
	fo.host_name = name;
	assert_rc(vf_fabric_create(&h->f, &fo), 0);
	assert_rc(vf_cell_create(&h->cell, h->f, &co), 0);
	assert_rc(vf_subnet_create(&h->subnet, h->cell, &sub), 0);
	assert_rc(vf__serf_tags_encode(&meta, tags, 2), 0);

	assert_non_null(n);
	io = sim_io(n);
	so.name = name;
	so.addr = n->addr;
	so.meta = meta.data;
	so.meta_len = meta.len;
	so.seed = 1000 + (uint64_t)n->idx;
	so.cfg = sim_config();
	assert_rc(vf__swim_create(&n->s, &so, &io, &hooks), 0);
	vf__gbuf_free(&meta);
	qo.swim = n->s;
	qo.fabric = h->f;
	qo.seed = 7 + (uint64_t)i;
	assert_rc(vf__query_create(&h->q, &qo), 0);
}

static int setup(void **state)
{
	(void)state;
	sim_reset(&sim);
	memset(hosts, 0, sizeof(hosts));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < sim.n; i++) {
		vf__query_destroy(hosts[i].q);
		vf_port_destroy(hosts[i].port);
		vf_subnet_destroy(hosts[i].subnet);
		vf_cell_destroy(hosts[i].cell);
		vf_fabric_destroy(hosts[i].f);
	}
	sim_free(&sim);
	return 0;
}

/* @n hosts, joined; host 1 has the VM VIP as a local port. */
static void fabric(int n)
{
	for (int i = 0; i < n; i++)
		host_add(i);
	{
		VF_OPTS(vf_port_opts, o, .name = "vm5", .vip = VIP,
			.vmac = {{2, 0xaa, 0, 0, 1, 5}});

		assert_rc(vf_port_create(&hosts[1].port, hosts[1].subnet, &o), 0);
	}
	for (int i = 1; i < n; i++)
		assert_rc(vf__swim_join(sim.nodes[i].s, &sim.nodes[0].addr), 0);
	sim_run(&sim, sim.now + 3000);
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++) {
			char name[16];

			snprintf(name, sizeof(name), "n%d", j);
			assert_int_equal(sim_state(&sim.nodes[i], name),
					 VF__MEMBER_ALIVE);
		}
	/* what the joins queued has gone out */
	sim_run(&sim, sim.now + 3000);
}

struct qspec {
	const char *name, *payload;
	uint32_t flags, id;
	uint64_t ltime;
	int64_t timeout;
	uint8_t relay;
	const char *source;
	struct vf__gbytes *filters;
	uint32_t nfilters;
};

/* A query asked by host 0 (Addr:Port n0's), as Serf encodes it. */
static void query_encode(struct vf__gbuf *out, const struct qspec *s)
{
	struct vf__serf_msg m = {.type = VF__SERF_QUERY};
	struct vf__serf_query *q = &m.u.query;

	q->addr = (struct vf__gbytes){sim.nodes[0].addr.ip, 4};
	q->port = sim.nodes[0].addr.port;
	q->filters_nil = !s->nfilters;
	q->filters = s->filters;
	q->nfilters = s->nfilters;
	q->flags = s->flags;
	q->id = s->id;
	q->ltime = s->ltime;
	q->name = vf__gbytes_str(s->name);
	q->payload = vf__gbytes_str(s->payload ? s->payload : "");
	q->relay_factor = s->relay;
	q->source_node = vf__gbytes_str(s->source ? s->source : "n0");
	q->timeout = s->timeout;
	assert_rc(vf__serf_encode(out, &m), 0);
}

/* Hands the query to host @i's responder, as its state machine would. */
static void ask(int i, const struct qspec *s)
{
	struct vf__gbuf b = {0};

	query_encode(&b, s);
	assert_true(vf__query_user(hosts[i].q, b.data, b.len));
	vf__gbuf_free(&b);
}

static struct qspec where(const char *payload, uint32_t id, uint64_t ltime)
{
	return (struct qspec){VF__QUERY_WHERE,
			      payload,
			      VF__SERF_QUERY_ACK,
			      id,
			      ltime,
			      3200000000LL,
			      0,
			      NULL,
			      NULL,
			      0};
}

static int count(const struct host *h, uint32_t flags, const char *from)
{
	int n = 0;

	for (int i = 0; i < h->nresp; i++)
		n += h->resp[i].flags == flags &&
		     (!from || !strcmp(h->resp[i].from, from));
	return n;
}

static const struct resp *answer_from(const struct host *h, const char *from)
{
	for (int i = 0; i < h->nresp; i++)
		if (h->resp[i].flags == 0 && !strcmp(h->resp[i].from, from))
			return &h->resp[i];
	return NULL;
}

#define EXPECT_ANSWER                                                  \
	"cell=1 vip=10.1.1.5 vmac=02:aa:00:00:01:05 subnet=3 host=n1 " \
	"underlay=192.168.0.2 hmac=02:00:00:00:00:02"

/* One query to one host spreads: every host acks, the VM's host answers
 * once, the asker (n0) answers its own query too, as an agent does. */
static void test_query_spread_ack_answer(void **state)
{
	struct qspec s = where("1 10.1.1.5", 77, 5);
	const struct resp *r;

	(void)state;
	fabric(4);
	ask(3, &s);
	sim_run(&sim, sim.now + 3000);
	for (int i = 0; i < 4; i++) {
		char name[8];

		snprintf(name, sizeof(name), "n%d", i);
		assert_int_equal(count(&hosts[0], VF__SERF_QUERY_ACK, name), 1);
		assert_int_equal(vf__query_stats(hosts[i].q)->queries, 1);
		assert_int_equal(vf__query_stats(hosts[i].q)->acks, 1);
		assert_int_equal(vf__query_clock(hosts[i].q), 6);
	}
	assert_int_equal(count(&hosts[0], 0, NULL), 1);
	assert_non_null(r = answer_from(&hosts[0], "n1"));
	assert_string_equal(r->payload, EXPECT_ANSWER);
	assert_int_equal(r->id, 77);
	assert_int_equal(r->ltime, 5);
	assert_int_equal(vf__query_stats(hosts[1].q)->answers, 1);
	assert_int_equal(vf__query_stats(hosts[0].q)->not_ours, 1);
	/* acks carry a nil payload */
	for (int i = 0; i < hosts[0].nresp; i++)
		if (hosts[0].resp[i].flags == VF__SERF_QUERY_ACK)
			assert_true(hosts[0].resp[i].nil);
	/* the copies that came back were dropped as duplicates */
	assert_true(vf__query_stats(hosts[3].q)->duplicates >= 1);
}

/* (LTime, ID) seen: dropped, neither acked nor rebroadcast again; the
 * same LTime with another ID is a new query; one older than the buffer
 * reaches is dropped too. */
static void test_query_dedup_and_clock(void **state)
{
	struct qspec s = where("1 10.1.1.5", 1, 40);
	const struct vf__query_stats *st;
	size_t queued;

	(void)state;
	fabric(2);
	st = vf__query_stats(hosts[1].q);
	queued = vf__swim_queued(sim.nodes[1].s);
	ask(1, &s);
	assert_int_equal(vf__query_clock(hosts[1].q), 41);
	assert_int_equal(vf__swim_queued(sim.nodes[1].s), queued + 1);
	ask(1, &s);
	assert_int_equal(st->duplicates, 1);
	assert_int_equal(st->acks, 1);
	assert_int_equal(st->answers, 1);
	assert_int_equal(vf__swim_queued(sim.nodes[1].s), queued + 1);
	s.id = 2;
	ask(1, &s);
	assert_int_equal(st->queries, 2);
	assert_int_equal(st->acks, 2);
	/* more IDs than a slot keeps: the oldest is forgotten, not the rest */
	for (uint32_t id = 3; id < 3 + VF__QUERY_IDS; id++) {
		s.id = id;
		ask(1, &s);
	}
	assert_int_equal(st->queries, 2 + VF__QUERY_IDS);
	s.id = 2 + VF__QUERY_IDS;
	ask(1, &s);
	assert_int_equal(st->duplicates, 2);
	/* the clock moves on: a query far behind it is old */
	s.ltime = 5000;
	ask(1, &s);
	assert_int_equal(vf__query_clock(hosts[1].q), 5001);
	s.ltime = 5001 - VF__QUERY_SLOTS - 1;
	ask(1, &s);
	assert_int_equal(st->old, 1);
	/* a lower LTime does not move the clock back */
	assert_int_equal(vf__query_clock(hosts[1].q), 5001);
}

/* Flag 2: processed (acked, answered) but not rebroadcast. */
static void test_query_no_broadcast(void **state)
{
	struct qspec s = where("1 10.1.1.5", 9, 3);
	size_t queued;

	(void)state;
	fabric(3);
	queued = vf__swim_queued(sim.nodes[1].s);
	s.flags |= VF__SERF_QUERY_NO_BROADCAST;
	ask(1, &s);
	assert_int_equal(vf__swim_queued(sim.nodes[1].s), queued);
	sim_run(&sim, sim.now + 3000);
	assert_int_equal(count(&hosts[0], VF__SERF_QUERY_ACK, NULL), 1);
	assert_non_null(answer_from(&hosts[0], "n1"));
	assert_int_equal(vf__query_stats(hosts[2].q)->queries, 0);
	/* without flag 1: answered, no ack */
	s = where("1 10.1.1.5", 10, 3);
	s.flags = VF__SERF_QUERY_NO_BROADCAST;
	ask(1, &s);
	sim_run(&sim, sim.now + 100);
	assert_int_equal(count(&hosts[0], VF__SERF_QUERY_ACK, NULL), 1);
	assert_int_equal(count(&hosts[0], 0, "n1"), 2);
}

static struct vf__gbytes filter(struct vf__gbuf *b, uint8_t type, const char *a,
				const char *c)
{
	struct vf__mp_writer w;

	vf__gossip_mp_writer(&w, b);
	assert_rc(vf__gbuf_put(b, &type, 1), 0);
	if (type == 0) {
		assert_rc(vf__gossip_mp_put_array(&w, c ? 2 : 1), 0);
		assert_rc(vf__gossip_mp_put_bytes(&w, vf__gbytes_str(a), true), 0);
		if (c)
			assert_rc(vf__gossip_mp_put_bytes(&w, vf__gbytes_str(c), true),
				  0);
	} else {
		assert_rc(vf__gossip_mp_put_map(&w, 2), 0);
		assert_rc(vf__gossip_mp_put_key(&w, "Expr"), 0);
		assert_rc(vf__gossip_mp_put_bytes(&w, vf__gbytes_str(c), true), 0);
		assert_rc(vf__gossip_mp_put_key(&w, "Tag"), 0);
		assert_rc(vf__gossip_mp_put_bytes(&w, vf__gbytes_str(a), true), 0);
	}
	return (struct vf__gbytes){b->data, (uint32_t)b->len};
}

/* Host 1 gets a query with @nf filters: whether it acked. The query is
 * rebroadcast either way. */
static bool passes(struct vf__gbytes *f, uint32_t nf, uint32_t id)
{
	struct qspec s = where("1 10.1.1.5", id, 2);
	const struct vf__query_stats *st = vf__query_stats(hosts[1].q);
	uint64_t acks = st->acks, filtered = st->filtered;
	size_t queued = vf__swim_queued(sim.nodes[1].s);

	s.filters = f;
	s.nfilters = nf;
	ask(1, &s);
	assert_int_equal(vf__swim_queued(sim.nodes[1].s), queued + 1);
	assert_int_equal(st->acks - acks + st->filtered - filtered, 1);
	return st->acks > acks;
}

static void test_query_filters(void **state)
{
	struct vf__gbuf b[8] = {{0}};
	struct vf__gbytes f[2];
	uint8_t junk[] = {7, 0x90};
	uint32_t id = 100;

	(void)state;
	fabric(2);
	f[0] = filter(&b[0], 0, "n2", "n1");
	assert_true(passes(f, 1, id++));
	f[0] = filter(&b[1], 0, "n0", "n2");
	assert_false(passes(f, 1, id++));
	f[0] = filter(&b[2], 1, "role", "^hyp.*");
	assert_true(passes(f, 1, id++));
	f[0] = filter(&b[3], 1, "role", "storage");
	assert_false(passes(f, 1, id++));
	/* a tag the host does not have is "" */
	f[0] = filter(&b[4], 1, "zone", "^$");
	assert_true(passes(f, 1, id++));
	/* every filter must pass */
	f[0] = filter(&b[5], 1, "rack", "r1|r2");
	assert_true(passes(f, 1, id++));
	f[1] = filter(&b[6], 0, "n0", NULL);
	assert_false(passes(f, 2, id++));
	/* a regexp that does not compile, an unknown filter type */
	f[0] = filter(&b[7], 1, "role", "(hyper");
	assert_false(passes(f, 1, id++));
	f[0] = (struct vf__gbytes){junk, sizeof(junk)};
	assert_false(passes(f, 1, id++));
	f[0] = (struct vf__gbytes){junk, 0};
	assert_false(passes(f, 1, id++));
	assert_int_equal(vf__query_stats(hosts[1].q)->filtered, 6);
	for (int i = 0; i < 8; i++)
		vf__gbuf_free(&b[i]);
}

/* A vf-where payload that does not parse: acked, not answered, counted.
 * An undecodable query: taken (not passed on), counted. */
static void test_query_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"1",
		"x 10.1.1.5",
		"1 10.1.1",
		"1 10.1.1.5 2",
		"-1 10.1.1.5",
		"4294967296 10.1.1.5",
		"1,10.1.1.5",
		"1 10.1.1.500",
		"01234567890 10.1.1.5",
	};
	const struct vf__query_stats *st;
	uint8_t undecodable[] = {VF__SERF_QUERY, 0xc1};
	uint8_t relay_junk[] = {VF__SERF_RELAY, 0x80};
	uint32_t cell, vip;

	(void)state;
	fabric(2);
	st = vf__query_stats(hosts[1].q);
	for (uint32_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct qspec s = where(bad[i], 200 + i, 7);

		s.flags |= VF__SERF_QUERY_NO_BROADCAST;
		ask(1, &s);
		assert_int_equal(st->malformed, i + 1);
	}
	assert_int_equal(st->acks, sizeof(bad) / sizeof(bad[0]));
	assert_int_equal(st->answers, 0);
	assert_true(vf__query_user(hosts[1].q, undecodable, sizeof(undecodable)));
	/* a relay without its inner message */
	assert_true(vf__query_user(hosts[1].q, relay_junk, sizeof(relay_junk)));
	assert_int_equal(st->malformed, sizeof(bad) / sizeof(bad[0]) + 2);
	assert_int_equal(st->queries, sizeof(bad) / sizeof(bad[0]));
	/* not ours: other Serf types, the fabric's own */
	assert_false(vf__query_user(hosts[1].q, (const uint8_t *)"\x03", 1));
	assert_false(vf__query_user(hosts[1].q, (const uint8_t *)"\x17", 1));
	assert_false(vf__query_user(hosts[1].q, NULL, 0));
	/* what does parse: blanks around and between */
	assert_rc(vf__query_where_parse((const uint8_t *)" 7\t 10.1.1.5\n", 13, &cell,
					&vip),
		  0);
	assert_int_equal(cell, 7);
	assert_int_equal(vip, VIP);
	assert_rc(vf__query_where_parse((const uint8_t *)"4294967295 0.0.0.1", 18, &cell,
					&vip),
		  0);
	assert_int_equal(cell, UINT32_MAX);
	sim_run(&sim, sim.now + 100);
	assert_int_equal(count(&hosts[0], 0, NULL), 0);
}

/* Only the VM's own host answers: not a host that knows its location
 * from the table (a static location here), nor for a cell it lacks. */
static void test_query_owner_only(void **state)
{
	VF_OPTS(vf_location, l, .cell_id = CELL, .vip = VIP, .subnet_id = 3,
		.vmac = {{2, 0xaa, 0, 0, 1, 5}}, .host_mac = {{2, 0, 0, 0, 0, 2}},
		.host_ip = 0xc0a80002u);
	struct qspec s = where("1 10.1.1.5", 300, 8);

	(void)state;
	fabric(3);
	assert_rc(vf_location_set(hosts[2].f, &l), 0);
	s.flags |= VF__SERF_QUERY_NO_BROADCAST;
	ask(2, &s);
	s.payload = "2 10.1.1.5";
	ask(1, &s);
	s.payload = "1 10.1.1.6";
	s.id++;
	ask(1, &s);
	sim_run(&sim, sim.now + 100);
	assert_int_equal(count(&hosts[0], VF__SERF_QUERY_ACK, NULL), 3);
	assert_int_equal(count(&hosts[0], 0, NULL), 0);
	assert_int_equal(vf__query_stats(hosts[2].q)->not_ours, 1);
	assert_int_equal(vf__query_stats(hosts[1].q)->not_ours, 2);
}

/* No time left (Timeout <= 0): acked, not answered. Internal queries and
 * other names: acked only. */
static void test_query_late_and_internal(void **state)
{
	static const char *const names[] = {"_serf_ping", "_serf_conflict",
					    "_serf_list-keys", "uptime"};
	struct qspec s = where("1 10.1.1.5", 400, 9);
	const struct vf__query_stats *st;

	(void)state;
	fabric(2);
	st = vf__query_stats(hosts[1].q);
	s.flags |= VF__SERF_QUERY_NO_BROADCAST;
	s.timeout = 0;
	ask(1, &s);
	assert_int_equal(st->late, 1);
	assert_int_equal(st->acks, 1);
	for (int i = 0; i < 4; i++) {
		s = where("n1", 500 + (uint32_t)i, 9);
		s.name = names[i];
		s.flags |= VF__SERF_QUERY_NO_BROADCAST;
		ask(1, &s);
	}
	sim_run(&sim, sim.now + 100);
	assert_int_equal(count(&hosts[0], VF__SERF_QUERY_ACK, "n1"), 5);
	assert_int_equal(count(&hosts[0], 0, NULL), 0);
	assert_int_equal(st->answers, 0);
}

/* RelayFactor k: the ack and the answer also go, wrapped, through k other
 * members, which forward them to the asker; a relay that would pass
 * 1024 bytes is not sent (the direct response still is). */
static void test_query_relay(void **state)
{
	struct qspec s = where("1 10.1.1.5", 600, 11);
	uint64_t fwd = 0;
	char longname[1001];

	(void)state;
	fabric(4);
	s.flags |= VF__SERF_QUERY_NO_BROADCAST;
	s.relay = 2;
	ask(1, &s);
	sim_run(&sim, sim.now + 100);
	assert_int_equal(vf__query_stats(hosts[1].q)->relays_sent, 4);
	for (int i = 0; i < 4; i++)
		fwd += vf__query_stats(hosts[i].q)->relays_forwarded;
	assert_int_equal(fwd, 4);
	assert_int_equal(count(&hosts[0], VF__SERF_QUERY_ACK, "n1"), 3);
	assert_int_equal(count(&hosts[0], 0, "n1"), 3);
	assert_string_equal(answer_from(&hosts[0], "n1")->payload, EXPECT_ANSWER);
	/* more relays asked for than there are other members: none */
	s.id++;
	s.relay = 4;
	ask(1, &s);
	assert_int_equal(vf__query_stats(hosts[1].q)->relays_sent, 4);
	/* the relay header names the asker: too long a name, too big */
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	s.id++;
	s.relay = 1;
	s.source = longname;
	ask(1, &s);
	sim_run(&sim, sim.now + 100);
	assert_int_equal(vf__query_stats(hosts[1].q)->relays_sent, 4);
	assert_int_equal(vf__query_stats(hosts[1].q)->oversized, 2);
	assert_int_equal(count(&hosts[0], 0, "n1"), 5);
}

/* Relays we are chosen for: only responses, only to IPv4, are forwarded. */
static void test_query_relay_forward(void **state)
{
	struct vf__serf_msg r = {.type = VF__SERF_RELAY};
	const struct vf__query_stats *st;
	struct vf__gbuf b = {0};
	uint8_t v6[16] = {0x20, 1, 0xd, 0xb8, [15] = 1};
	uint8_t mapped[16] = {[10] = 0xff, [11] = 0xff, 10, 0, 0, 1};
	uint8_t inner[] = {VF__SERF_QUERY_RESPONSE, 0x80};
	uint8_t event[] = {VF__SERF_USER_EVENT, 0x80};

	(void)state;
	fabric(2);
	st = vf__query_stats(hosts[1].q);
	r.u.relay.ip = (struct vf__gbytes){mapped, 16};
	r.u.relay.port = 7946;
	r.u.relay.zone = vf__gbytes_str("");
	r.u.relay.dest_name = vf__gbytes_str("n0");
	r.u.relay.msg = (struct vf__gbytes){inner, sizeof(inner)};
	assert_rc(vf__serf_encode(&b, &r), 0);
	assert_true(vf__query_user(hosts[1].q, b.data, b.len));
	assert_int_equal(st->relays_forwarded, 1);
	sim_run(&sim, sim.now + 100);
	assert_int_equal(hosts[0].nresp + hosts[0].others, 1); /* it came */
	b.len = 0;
	r.u.relay.msg = (struct vf__gbytes){event, sizeof(event)};
	assert_rc(vf__serf_encode(&b, &r), 0);
	assert_true(vf__query_user(hosts[1].q, b.data, b.len));
	b.len = 0;
	r.u.relay.msg = (struct vf__gbytes){inner, sizeof(inner)};
	r.u.relay.ip = (struct vf__gbytes){v6, 16};
	assert_rc(vf__serf_encode(&b, &r), 0);
	assert_true(vf__query_user(hosts[1].q, b.data, b.len));
	b.len = 0;
	r.u.relay.ip = (struct vf__gbytes){mapped + 12, 4};
	r.u.relay.port = 70000;
	assert_rc(vf__serf_encode(&b, &r), 0);
	assert_true(vf__query_user(hosts[1].q, b.data, b.len));
	assert_int_equal(st->relays_refused, 3);
	assert_int_equal(st->relays_forwarded, 1);
	vf__gbuf_free(&b);
}

/* The answer's text, and its bound. */
static void test_query_where_format(void **state)
{
	VF_OPTS(vf_location, l, .cell_id = 4000000000u, .vip = 0xfffffffeu,
		.subnet_id = 12, .vmac = {{0xde, 0xad, 0xbe, 0xef, 0, 1}},
		.host_mac = {{2, 0, 0, 0, 0, 9}}, .host_ip = 0);
	char buf[VF__QUERY_ANSWER_MAX], big[300];

	(void)state;
	assert_rc(vf__query_where_format(buf, sizeof(buf), &l, "h"), 115);
	assert_string_equal(buf, "cell=4000000000 vip=255.255.255.254 "
				 "vmac=de:ad:be:ef:00:01 subnet=12 host=h "
				 "underlay=0.0.0.0 hmac=02:00:00:00:00:09");
	assert_rc(vf__query_where_format(buf, 115, &l, "h"), -ENOSPC);
	/* the longest member name fits, and the response stays under 1024 */
	memset(big, 'x', 255);
	big[255] = 0;
	assert_rc_ge(vf__query_where_format(buf, sizeof(buf), &l, big), 300);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_query_spread_ack_answer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_query_dedup_and_clock, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_query_no_broadcast, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_owner_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_late_and_internal, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_query_relay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_relay_forward, setup,
						teardown),
		cmocka_unit_test(test_query_where_format),
	};

	(void)sim_add; /* hosts are added by host_add() */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
