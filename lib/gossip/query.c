/*
 * Serf queries answered, and Serf relays forwarded (query.h; the Serf
 * side in serf.md §7 and Serf 0.9.4's handleQuery/relayResponse).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "gossip/query.h"
#include "gossip/serf.h"

/* Node names one filter may list (a 1024-byte query holds fewer). */
#define FILTER_NODES_MAX 512
#define EXPR_MAX 255

struct slot {
	uint64_t ltime;
	uint32_t ids[VF__QUERY_IDS];
	uint8_t n, next;
	bool used;
};

struct vf__query {
	struct vf__swim *swim;
	vf_fabric *f;
	uint64_t clock;
	uint64_t rng;
	struct slot slots[VF__QUERY_SLOTS];
	struct vf__gbytes nodes[FILTER_NODES_MAX];
	struct vf__serf_tag tags[VF__SERF_TAGS_MAX];
	struct vf__query_stats st;
};

int vf__query_create(struct vf__query **out, const struct vf__query_opts *o)
{
	struct vf__query *q;

	*out = NULL;
	if (!o || !o->swim)
		return -EINVAL;
	if (!(q = calloc(1, sizeof(*q))))
		return -ENOMEM;
	q->swim = o->swim;
	q->f = o->fabric;
	q->clock = 1;
	q->rng = o->seed;
	while (!q->rng)
		randombytes_buf(&q->rng, sizeof(q->rng));
	*out = q;
	return 0;
}

void vf__query_destroy(struct vf__query *q)
{
	free(q);
}

uint64_t vf__query_clock(const struct vf__query *q)
{
	return q->clock;
}

const struct vf__query_stats *vf__query_stats(const struct vf__query *q)
{
	return &q->st;
}

static uint64_t next_rand(struct vf__query *q)
{
	q->rng ^= q->rng << 13;
	q->rng ^= q->rng >> 7;
	q->rng ^= q->rng << 17;
	return q->rng;
}

/* ---- clock and duplicates ---- */

static void witness(struct vf__query *q, uint64_t t)
{
	if (t >= q->clock)
		q->clock = t + 1;
}

/* Serf's check: older than the buffer reaches, or (LTime, ID) seen. Notes
 * it when new. */
static bool seen(struct vf__query *q, uint64_t ltime, uint32_t id)
{
	struct slot *s = &q->slots[ltime % VF__QUERY_SLOTS];

	if (q->clock > VF__QUERY_SLOTS && ltime < q->clock - VF__QUERY_SLOTS) {
		q->st.old++;
		return true;
	}
	if (s->used && s->ltime == ltime) {
		for (unsigned int i = 0; i < s->n; i++)
			if (s->ids[i] == id) {
				q->st.duplicates++;
				return true;
			}
	} else {
		*s = (struct slot){.ltime = ltime, .used = true};
	}
	if (s->n < VF__QUERY_IDS) {
		s->ids[s->n++] = id;
	} else { /* full: the oldest ID goes */
		s->ids[s->next] = id;
		s->next = (uint8_t)((s->next + 1) % VF__QUERY_IDS);
	}
	return false;
}

/* ---- filters ---- */

static const struct vf__swim_node *self(const struct vf__query *q)
{
	return vf__swim_node_at(q->swim, 0);
}

/* Our tag @key's value (missing: ""), NUL-terminated into @out. */
static void tag_value(struct vf__query *q, struct vf__gbytes key, char *out, size_t cap)
{
	const struct vf__swim_node *me = self(q);
	uint32_t n = 0;

	out[0] = 0;
	if (vf__serf_tags_decode(q->tags, VF__SERF_TAGS_MAX, &n,
				 (struct vf__gbytes){me->meta, me->meta_len}) < 0)
		return;
	for (uint32_t i = 0; i < n; i++)
		if (vf__gbytes_eq(q->tags[i].key, key) && q->tags[i].value.len < cap) {
			if (q->tags[i].value.len)
				memcpy(out, q->tags[i].value.data, q->tags[i].value.len);
			out[q->tags[i].value.len] = 0;
			return;
		}
}

static bool tag_match(struct vf__query *q, const struct vf__serf_filter *f)
{
	char expr[EXPR_MAX + 1], value[VF__GOSSIP_META_MAX + 1];
	regex_t re;
	bool ok;

	/* an empty expression has no data pointer: it matches every value */
	if (f->expr.len > EXPR_MAX ||
	    (f->expr.len && memchr(f->expr.data, 0, f->expr.len)))
		return false;
	if (f->expr.len)
		memcpy(expr, f->expr.data, f->expr.len);
	expr[f->expr.len] = 0;
	if (regcomp(&re, expr, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	tag_value(q, f->tag, value, sizeof(value));
	ok = regexec(&re, value, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

/* Whether every filter lets this host in (Serf's shouldProcessQuery). */
static bool pass(struct vf__query *q, const struct vf__serf_query *m)
{
	const char *name = self(q)->name;

	for (uint32_t i = 0; i < m->nfilters; i++) {
		struct vf__serf_filter f;
		bool in = false;

		if (vf__serf_filter_decode(&f, q->nodes, FILTER_NODES_MAX,
					   m->filters[i]) < 0)
			return false; /* undecodable, or an unknown type */
		if (f.type == 1) {
			in = tag_match(q, &f);
		} else {
			for (uint32_t k = 0; k < f.nnodes && !in; k++)
				in = vf__gbytes_is(q->nodes[k], name);
		}
		if (!in)
			return false;
	}
	return true;
}

/* ---- sending ---- */

static bool to_addr(struct vf__gaddr *a, struct vf__gbytes ip, uint64_t port)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	memset(a, 0, sizeof(*a));
	if (!port || port > 65535)
		return false;
	if (ip.len == 4) {
		memcpy(a->ip, ip.data, 4);
	} else if (ip.len == 16 && !memcmp(ip.data, mapped, 12)) {
		memcpy(a->ip, ip.data + 12, 4);
	} else {
		return false;
	}
	a->len = 4;
	a->port = (uint16_t)port;
	return true;
}

static void send_to(struct vf__query *q, const struct vf__gaddr *to, const uint8_t *p,
		    size_t len, uint64_t *counter)
{
	if (vf__swim_send_user_addr(q->swim, to, p, len) < 0)
		q->st.send_errors++;
	else
		(*counter)++;
}

/* Serf's relayResponse: @resp, wrapped, to up to RelayFactor random alive
 * members with protocol 5 other than us, when there are that many others
 * at all. */
static void relay(struct vf__query *q, const struct vf__serf_query *m,
		  const struct vf__gbuf *resp)
{
	size_t n = vf__swim_count(q->swim), ncand = 0, k;
	struct vf__serf_msg r = {.type = VF__SERF_RELAY};
	const struct vf__swim_node **cand;
	struct vf__gbuf b = {0};

	if (!m->relay_factor || n < (size_t)m->relay_factor + 1)
		return;
	r.u.relay.ip = m->addr;
	r.u.relay.port = m->port;
	r.u.relay.zone = vf__gbytes_str("");
	r.u.relay.dest_name = m->source_node;
	r.u.relay.msg = (struct vf__gbytes){resp->data, (uint32_t)resp->len};
	if (vf__serf_encode(&b, &r) < 0 || b.len > VF__SERF_RESPONSE_MAX) {
		q->st.oversized++;
		goto out;
	}
	if (!(cand = calloc(n, sizeof(*cand))))
		goto out;
	for (size_t i = 1; i < n; i++) {
		const struct vf__swim_node *c = vf__swim_node_at(q->swim, i);
		enum vf__member_state st = vf__swim_state(c);

		if ((st == VF__MEMBER_ALIVE || st == VF__MEMBER_SUSPECT) &&
		    c->vsn.len >= 2 && c->vsn.v[1] >= 5)
			cand[ncand++] = c;
	}
	k = m->relay_factor < ncand ? m->relay_factor : ncand;
	for (size_t i = 0; i < k; i++) { /* a partial Fisher-Yates shuffle */
		size_t j = i + (size_t)(next_rand(q) % (ncand - i));
		const struct vf__swim_node *t = cand[j];

		cand[j] = cand[i];
		cand[i] = t;
		send_to(q, &t->addr, b.data, b.len, &q->st.relays_sent);
	}
	free(cand);
out:
	vf__gbuf_free(&b);
}

/* An ack (@payload NULL) or an answer to @m: to the asker, and relayed. */
static int respond(struct vf__query *q, const struct vf__serf_query *m,
		   const struct vf__gaddr *to, const uint8_t *payload, size_t len)
{
	struct vf__serf_msg r = {.type = VF__SERF_QUERY_RESPONSE};
	struct vf__gbuf b = {0};
	int rc;

	r.u.response.flags = payload ? 0 : VF__SERF_QUERY_ACK;
	r.u.response.from = vf__gbytes_str(self(q)->name);
	r.u.response.id = m->id;
	r.u.response.ltime = m->ltime;
	r.u.response.payload = (struct vf__gbytes){payload, (uint32_t)len};
	if ((rc = vf__serf_encode(&b, &r)) == 0 && b.len > VF__SERF_RESPONSE_MAX)
		rc = -EMSGSIZE;
	if (rc < 0) {
		q->st.oversized++;
		goto out;
	}
	send_to(q, to, b.data, b.len, payload ? &q->st.answers : &q->st.acks);
	relay(q, m, &b);
out:
	vf__gbuf_free(&b);
	return rc;
}

/* ---- vf-where ---- */

static bool blank(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int vf__query_where_parse(const uint8_t *p, size_t len, uint32_t *cell, uint32_t *vip)
{
	char s[VF__QUERY_WHERE_MAX + 1], *c, *v, *end;
	unsigned long long id;
	struct in_addr a;

	if (len > VF__QUERY_WHERE_MAX || (len && memchr(p, 0, len)))
		return -EINVAL;
	if (len)
		memcpy(s, p, len);
	s[len] = 0;
	for (c = s; blank((uint8_t)*c); c++)
		;
	for (v = c; *v >= '0' && *v <= '9'; v++)
		;
	if (v == c || v - c > 10 || !blank((uint8_t)*v))
		return -EINVAL;
	*v++ = 0;
	while (blank((uint8_t)*v))
		v++;
	for (end = v; *end && !blank((uint8_t)*end); end++)
		;
	for (char *t = end; *t; t++)
		if (!blank((uint8_t)*t))
			return -EINVAL;
	*end = 0;
	id = strtoull(c, NULL, 10);
	if (id > UINT32_MAX || inet_pton(AF_INET, v, &a) != 1)
		return -EINVAL;
	*cell = (uint32_t)id;
	*vip = ntohl(a.s_addr);
	return 0;
}

int vf__query_where_format(char *buf, size_t size, const vf_location *l, const char *host)
{
	char vip[INET_ADDRSTRLEN], ul[INET_ADDRSTRLEN];
	char vmac[VF_MAC_STRLEN], hmac[VF_MAC_STRLEN];
	struct in_addr a;
	int n;

	a.s_addr = htonl(l->vip);
	inet_ntop(AF_INET, &a, vip, sizeof(vip));
	a.s_addr = htonl(l->host_ip);
	inet_ntop(AF_INET, &a, ul, sizeof(ul));
	vf_mac_format(vmac, sizeof(vmac), &l->vmac);
	vf_mac_format(hmac, sizeof(hmac), &l->host_mac);
	n = snprintf(buf, size,
		     "cell=%u vip=%s vmac=%s subnet=%u host=%s underlay=%s hmac=%s",
		     l->cell_id, vip, vmac, l->subnet_id, host, ul, hmac);
	return n < 0 || (size_t)n >= size ? -ENOSPC : n;
}

/* The answer to vf-where @m into @out: 1, 0 (not a VM of ours), -EINVAL. */
static int where(struct vf__query *q, const struct vf__serf_query *m, char *out,
		 size_t cap)
{
	VF_OPTS(vf_location, l, .cell_id = 0);
	uint32_t cell, vip;
	vf_mac mine;
	vf_cell *c;

	if (vf__query_where_parse(m->payload.data, m->payload.len, &cell, &vip) < 0)
		return -EINVAL;
	if (!q->f || !(c = vf_fabric_cell_by_id(q->f, cell)) ||
	    !vf_cell_port_by_vip(c, vip) || vf_location_get(q->f, cell, vip, &l) < 0)
		return 0;
	mine = vf_fabric_host_mac(q->f);
	if (memcmp(&l.host_mac, &mine, sizeof(mine)))
		return 0; /* the table's, not the port's: not authoritative */
	return vf__query_where_format(out, cap, &l, self(q)->name) < 0 ? 0 : 1;
}

/* ---- what arrives ---- */

static void on_query(struct vf__query *q, const struct vf__serf_query *m,
		     const uint8_t *raw, size_t len)
{
	char answer[VF__QUERY_ANSWER_MAX];
	struct vf__gaddr to;
	bool addr_ok;
	int rc = 0;

	witness(q, m->ltime);
	if (seen(q, m->ltime, m->id))
		return;
	q->st.queries++;
	if (!(m->flags & VF__SERF_QUERY_NO_BROADCAST))
		vf__swim_broadcast_user(q->swim, raw, len);
	if (!pass(q, m)) {
		q->st.filtered++;
		return;
	}
	if (!(addr_ok = to_addr(&to, m->addr, m->port)))
		q->st.malformed++;
	if (addr_ok && (m->flags & VF__SERF_QUERY_ACK))
		respond(q, m, &to, NULL, 0);
	if (vf__gbytes_is(m->name, VF__QUERY_WHERE))
		rc = where(q, m, answer, sizeof(answer));
	if (rc < 0)
		q->st.malformed++;
	else if (rc == 0 && vf__gbytes_is(m->name, VF__QUERY_WHERE))
		q->st.not_ours++;
	if (rc <= 0 || !addr_ok)
		return;
	if (m->timeout <= 0)
		q->st.late++;
	else
		respond(q, m, &to, (const uint8_t *)answer, strlen(answer));
}

/* A relay we were chosen for: its inner response goes on to DestAddr. */
static void on_relay(struct vf__query *q, const struct vf__serf_relay *r)
{
	struct vf__gaddr to;

	if (r->msg.data[0] != VF__SERF_QUERY_RESPONSE ||
	    r->msg.len > VF__SERF_RESPONSE_MAX ||
	    !to_addr(&to, r->ip, (uint64_t)r->port)) {
		q->st.relays_refused++;
		return;
	}
	send_to(q, &to, r->msg.data, r->msg.len, &q->st.relays_forwarded);
}

bool vf__query_user(struct vf__query *q, const uint8_t *p, size_t len)
{
	struct vf__serf_msg m;

	if (!q || !len || (p[0] != VF__SERF_QUERY && p[0] != VF__SERF_RELAY))
		return false;
	if (vf__serf_decode(&m, p, len) < 0) {
		q->st.malformed++;
		return true;
	}
	if (m.type == VF__SERF_QUERY)
		on_query(q, &m.u.query, p, len);
	else
		on_relay(q, &m.u.relay);
	vf__serf_free(&m);
	return true;
}
