/*
 * What the state machine does on its own time: the probe round (ping,
 * indirect pings, TCP fallback ping, suspicion), Lifeguard's suspicion
 * timeouts, gossip rounds, periodic push-pull, joining and leaving.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gossip/crypto.h"
#include "gossip/serf.h"
#include "gossip/swim_internal.h"

#define LEAVE_BROADCAST_TIMEOUT 5000 /* Serf's BroadcastTimeout */

static bool gone(const struct vf__swim_node *n)
{
	return n->state == VF__GOSSIP_STATE_DEAD || n->state == VF__GOSSIP_STATE_LEFT;
}

/* ---- ack handlers ---- */

int vf__swim_handler_add(struct vf__swim *s, const struct handler *h)
{
	if (s->nhandlers == s->hcap) {
		size_t cap = s->hcap ? s->hcap * 2 : 8;
		struct handler *v = realloc(s->handlers, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->handlers = v;
		s->hcap = cap;
	}
	s->handlers[s->nhandlers++] = *h;
	return 0;
}

struct handler *vf__swim_handler_find(struct vf__swim *s, uint32_t seq)
{
	for (size_t i = 0; i < s->nhandlers; i++)
		if (s->handlers[i].seq == seq)
			return &s->handlers[i];
	return NULL;
}

void vf__swim_handler_del(struct vf__swim *s, struct handler *h)
{
	*h = s->handlers[--s->nhandlers];
}

/* ---- suspicion (Lifeguard) ---- */

void vf__swim_suspect_start(struct vf__swim *s, struct vf__swim_node *n,
			    const uint8_t *from, size_t from_len)
{
	struct vf__suspicion *sp = n->susp;
	double nodes = (double)s->nnodes, scale = vf__swim_log10(nodes);
	uint64_t now = vf__swim_now(s);
	char name[VF__SWIM_NAME_MAX + 1];

	if (!sp && !(sp = n->susp = calloc(1, sizeof(*sp))))
		return;
	memset(sp, 0, sizeof(*sp));
	s->nsusp++;
	if (scale < 1)
		scale = 1;
	sp->min = (uint64_t)(s->cfg.suspicion_mult * scale * s->cfg.probe_interval);
	sp->max = s->cfg.suspicion_max_mult * sp->min;
	sp->k = s->cfg.suspicion_mult > 2 ? s->cfg.suspicion_mult - 2 : 0;
	if (s->nnodes < 2 || s->nnodes - 2 < sp->k)
		sp->k = 0;
	sp->start = now;
	sp->deadline = now + (sp->k ? sp->max : sp->min);
	if (from_len && from_len <= VF__SWIM_NAME_MAX) {
		memcpy(name, from, from_len);
		name[from_len] = 0;
		sp->from[sp->nfrom++] = vf__hash_str(name);
	}
}

bool vf__swim_suspect_confirm(struct vf__swim *s, struct vf__swim_node *n,
			      const uint8_t *from, size_t from_len)
{
	struct vf__suspicion *sp = n->susp;
	char name[VF__SWIM_NAME_MAX + 1];
	uint64_t h, t;
	double frac;

	(void)s;
	if (!sp || sp->n >= sp->k || !from_len || from_len > VF__SWIM_NAME_MAX)
		return false;
	memcpy(name, from, from_len);
	name[from_len] = 0;
	h = vf__hash_str(name);
	for (uint32_t i = 0; i < sp->nfrom; i++)
		if (sp->from[i] == h)
			return false;
	if (sp->nfrom < VF__SWIM_CONFIRM_MAX)
		sp->from[sp->nfrom++] = h;
	sp->n++;
	frac = vf__swim_ln((double)sp->n + 1) / vf__swim_ln((double)sp->k + 1);
	t = sp->max - (uint64_t)(frac * (double)(sp->max - sp->min));
	if (t < sp->min)
		t = sp->min;
	sp->deadline = sp->start + t;
	return true;
}

void vf__swim_suspect_clear(struct vf__swim *s, struct vf__swim_node *n)
{
	if (!n->susp)
		return;
	free(n->susp);
	n->susp = NULL;
	s->nsusp--;
}

/* A suspicion ran out: the node is dead, and everyone is told. */
static void suspicion_expired(struct vf__swim *s, struct vf__swim_node *n)
{
	struct vf__gossip_msg m = {.type = VF__GOSSIP_DEAD};

	m.u.suspect.from = vf__gbytes_str(s->nodes[0]->name);
	m.u.suspect.incarnation = n->incarnation;
	m.u.suspect.node = vf__gbytes_str(n->name);
	vf__swim_suspect_clear(s, n);
	vf__swim_on_dead(s, &m.u.suspect);
}

/* ---- streams we open ---- */

int vf__swim_stream_start(struct vf__swim *s, const struct vf__gaddr *to, int kind,
			  uint32_t seq, const struct vf__gossip_stream *st)
{
	struct vf__gbuf b = {0};
	struct pending p = {++s->next_cookie, kind, seq};
	int rc;

	if (s->nstreams == s->scap) {
		size_t cap = s->scap ? s->scap * 2 : 8;
		struct pending *v = realloc(s->streams, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->streams = v;
		s->scap = cap;
	}
	if ((rc = vf__gossip_stream_encode(
		     &b, st, s->compress ? VF__GOSSIP_F_COMPRESS : 0, s->kr)) < 0)
		goto out;
	if ((rc = s->io.stream_open(s->io.ctx, to, b.data, b.len, p.cookie)) < 0) {
		s->st.send_errors++;
		goto out;
	}
	s->st.streams_out++;
	s->streams[s->nstreams++] = p;
out:
	vf__gbuf_free(&b);
	return rc;
}

static struct pending *pending_find(struct vf__swim *s, uint64_t cookie)
{
	for (size_t i = 0; i < s->nstreams; i++)
		if (s->streams[i].cookie == cookie)
			return &s->streams[i];
	return NULL;
}

/* Our state as a push-pull message (@user filled by the hook). */
int vf__swim_push_pull_msg(struct vf__swim *s, struct vf__gossip_stream *st, bool join,
			   struct vf__gbuf *user)
{
	struct vf__gossip_node_state *ns;
	int rc;

	memset(st, 0, sizeof(*st));
	st->type = VF__GOSSIP_PUSH_PULL;
	if (!(ns = calloc(s->nnodes, sizeof(*ns))))
		return -ENOMEM;
	for (size_t i = 0; i < s->nnodes; i++) {
		const struct vf__swim_node *n = s->nodes[i];

		ns[i].addr = (struct vf__gbytes){n->addr.ip, n->addr.len};
		ns[i].incarnation = n->incarnation;
		ns[i].meta = (struct vf__gbytes){n->meta ? n->meta : (const uint8_t *)"",
						 n->meta_len};
		ns[i].name = vf__gbytes_str(n->name);
		ns[i].port = n->addr.port;
		ns[i].state = n->state;
		ns[i].vsn = n->vsn;
	}
	st->u.push_pull.join = join;
	st->u.push_pull.nnodes = (uint32_t)s->nnodes;
	st->u.push_pull.nodes = ns;
	if (s->hooks.local_state &&
	    (rc = s->hooks.local_state(s->hooks.ctx, user, join)) < 0)
		return rc;
	if (user->len)
		st->u.push_pull.user_state =
			(struct vf__gbytes){user->data, (uint32_t)user->len};
	return 0;
}

static int push_pull(struct vf__swim *s, const struct vf__gaddr *to, bool join)
{
	struct vf__gossip_stream st;
	struct vf__gbuf user = {0};
	int rc;

	if ((rc = vf__swim_push_pull_msg(s, &st, join, &user)) == 0)
		rc = vf__swim_stream_start(s, to, join ? STREAM_JOIN : STREAM_PUSH_PULL,
					   0, &st);
	free(st.u.push_pull.nodes);
	vf__gbuf_free(&user);
	return rc;
}

int vf__swim_join(struct vf__swim *s, const struct vf__gaddr *seed)
{
	int rc;

	if (s->leaving)
		return -ESHUTDOWN;
	rc = push_pull(s, seed, true);
	vf__swim_rearm(s);
	return rc;
}

int vf__swim_stream_reply(struct vf__swim *s, uint64_t cookie, const uint8_t *p,
			  size_t len, bool eof)
{
	struct vf__gossip_stream st = {0};
	struct pending *pd = pending_find(s, cookie), pend;
	int rc;

	if (!pd)
		return -ENOENT;
	rc = vf__gossip_stream_decode(&st, p, len, s->kr);
	if (rc == -EAGAIN && !eof)
		return rc;
	pend = *pd;
	*pd = s->streams[--s->nstreams];
	if (rc < 0) {
		s->st.bad_stream++;
		if (rc == -EBADMSG)
			s->st.bad_decrypt++;
		goto out;
	}
	s->st.bytes_in += st.used;
	if (pend.kind == STREAM_PING) {
		if (st.type == VF__GOSSIP_ACK && st.u.ack.seq_no == pend.seq &&
		    s->probe.active && s->probe.seq == pend.seq)
			vf__swim_probe_acked(s, true);
	} else if (st.type == VF__GOSSIP_PUSH_PULL) {
		s->st.push_pulls++;
		if ((rc = vf__swim_merge(s, &st.u.push_pull)) == 0 &&
		    pend.kind == STREAM_JOIN && !s->joined) {
			s->joined = true;
			vf__swim_serf_intent(s, VF__SERF_JOIN, s->nodes[0]->name);
		}
	} else {
		s->st.bad_stream++;
		rc = -EPROTO;
	}
out:
	vf__gossip_stream_free(&st);
	vf__swim_rearm(s);
	return rc;
}

void vf__swim_stream_fail(struct vf__swim *s, uint64_t cookie, int err)
{
	struct pending *pd = pending_find(s, cookie);

	(void)err;
	if (pd)
		*pd = s->streams[--s->nstreams];
	vf__swim_rearm(s);
}

/* ---- probes ---- */

static struct vf__swim_node *random_node(struct vf__swim *s,
					 bool (*ok)(const struct vf__swim_node *, void *),
					 void *arg)
{
	size_t n = s->nnodes;

	if (n < 2)
		return NULL;
	/* a few random tries, then a scan from a random place */
	for (int t = 0; t < 8; t++) {
		struct vf__swim_node *c = s->nodes[1 + vf__swim_rand(s) % (n - 1)];

		if (ok(c, arg))
			return c;
	}
	for (size_t i = 0, at = vf__swim_rand(s) % (n - 1); i < n - 1; i++) {
		struct vf__swim_node *c = s->nodes[1 + (at + i) % (n - 1)];

		if (ok(c, arg))
			return c;
	}
	return NULL;
}

static void shuffle(struct vf__swim *s)
{
	for (size_t i = s->nnodes - 1; i > 1; i--) {
		size_t j = 1 + vf__swim_rand(s) % i;
		struct vf__swim_node *t = s->nodes[i];

		s->nodes[i] = s->nodes[j];
		s->nodes[j] = t;
		s->nodes[i]->index = (uint32_t)i;
		s->nodes[j]->index = (uint32_t)j;
	}
}

static struct vf__swim_node *next_target(struct vf__swim *s)
{
	if (s->nnodes < 2)
		return NULL;
	for (size_t tries = 0; tries < s->nnodes; tries++) {
		struct vf__swim_node *n;

		if (s->probe_index + 1 >= s->nnodes) {
			s->probe_index = 0;
			shuffle(s);
		}
		n = s->nodes[++s->probe_index];
		if (!gone(n))
			return n;
	}
	return NULL;
}

static void probe_end(struct vf__swim *s)
{
	free(s->probe.target);
	memset(&s->probe, 0, sizeof(s->probe));
}

void vf__swim_probe_acked(struct vf__swim *s, bool tcp)
{
	if (tcp) {
		s->probe.tcp_acked = true;
		return;
	}
	s->probe.acked = true;
	vf__swim_awareness_add(s, -1);
	probe_end(s);
}

static void ping_fill(struct vf__swim *s, struct vf__gossip_ping *p, const char *target,
		      uint32_t seq)
{
	const struct vf__swim_node *self = s->nodes[0];

	p->node = vf__gbytes_str(target);
	p->seq_no = seq;
	p->source_addr = (struct vf__gbytes){self->addr.ip, self->addr.len};
	p->source_node = vf__gbytes_str(self->name);
	p->source_port = self->addr.port;
}

static void probe_start(struct vf__swim *s, uint64_t now)
{
	struct vf__swim_node *n = next_target(s);
	struct vf__gossip_msg m = {.type = VF__GOSSIP_PING};
	struct handler h = {.kind = HANDLER_PROBE};
	struct vf__gbuf a = {0}, b = {0};
	struct vf__gbytes parts[2];
	size_t nparts = 1;

	if (!n || !(s->probe.target = strdup(n->name)))
		return;
	s->st.probes++;
	s->probe.active = true;
	s->probe.seq = h.seq = ++s->seq;
	s->probe.timeout_at = now + s->cfg.probe_timeout;
	s->probe.end_at = now + (uint64_t)s->cfg.probe_interval * (s->awareness + 1);
	h.deadline = s->probe.end_at;
	if (vf__swim_handler_add(s, &h) < 0) {
		probe_end(s);
		return;
	}
	ping_fill(s, &m.u.ping, n->name, h.seq);
	if (vf__swim_encode(&a, &m) < 0)
		goto out;
	parts[0] = (struct vf__gbytes){a.data, (uint32_t)a.len};
	if (n->state != VF__GOSSIP_STATE_ALIVE) {
		/* a suspect is told, so it can refute */
		struct vf__gossip_msg sm = {.type = VF__GOSSIP_SUSPECT};

		sm.u.suspect.from = vf__gbytes_str(s->nodes[0]->name);
		sm.u.suspect.incarnation = n->incarnation;
		sm.u.suspect.node = vf__gbytes_str(n->name);
		if (vf__swim_encode(&b, &sm) == 0)
			parts[nparts++] = (struct vf__gbytes){b.data, (uint32_t)b.len};
	}
	vf__swim_send(s, &n->addr, n, parts, nparts, true);
out:
	vf__gbuf_free(&a);
	vf__gbuf_free(&b);
}

static bool indirect_ok(const struct vf__swim_node *n, void *arg)
{
	return n->state == VF__GOSSIP_STATE_ALIVE && strcmp(n->name, arg);
}

/* No direct ack in time: ask others, and try TCP. */
static void probe_indirect(struct vf__swim *s)
{
	struct vf__swim_node *t = vf__swim_lookup(s, (const uint8_t *)s->probe.target,
						  strlen(s->probe.target));
	struct vf__swim_node *used[16];
	size_t nused = 0;

	s->probe.indirect = true;
	if (!t)
		return;
	for (uint32_t i = 0; i < s->cfg.indirect_checks && nused < 16; i++) {
		struct vf__swim_node *p = random_node(s, indirect_ok, t->name);
		struct vf__gossip_msg m = {.type = VF__GOSSIP_INDIRECT_PING};
		const struct vf__swim_node *self = s->nodes[0];
		bool dup = false;

		for (size_t k = 0; p && k < nused; k++)
			dup |= used[k] == p;
		if (!p || dup)
			continue;
		used[nused++] = p;
		m.u.indirect.nack = p->vsn.len >= 2 && p->vsn.v[1] >= 4;
		m.u.indirect.node = vf__gbytes_str(t->name);
		m.u.indirect.port = t->addr.port;
		m.u.indirect.seq_no = s->probe.seq;
		m.u.indirect.source_addr =
			(struct vf__gbytes){self->addr.ip, self->addr.len};
		m.u.indirect.source_node = vf__gbytes_str(self->name);
		m.u.indirect.source_port = self->addr.port;
		m.u.indirect.target = (struct vf__gbytes){t->addr.ip, t->addr.len};
		if (m.u.indirect.nack)
			s->probe.expected_nacks++;
		s->st.indirect_probes++;
		vf__swim_send_msg(s, &p->addr, p, &m);
	}
	if (s->cfg.tcp_ping && t->vsn.len >= 2 && t->vsn.v[1] >= 3) {
		struct vf__gossip_stream st = {.type = VF__GOSSIP_PING};

		ping_fill(s, &st.u.ping, t->name, s->probe.seq);
		s->st.tcp_probes++;
		vf__swim_stream_start(s, &t->addr, STREAM_PING, s->probe.seq, &st);
	}
}

/* The probe interval ended without an ack. */
static void probe_failed(struct vf__swim *s)
{
	struct vf__swim_node *t = vf__swim_lookup(s, (const uint8_t *)s->probe.target,
						  strlen(s->probe.target));
	struct handler *h = vf__swim_handler_find(s, s->probe.seq);
	struct vf__gossip_msg m = {.type = VF__GOSSIP_SUSPECT};

	if (h)
		vf__swim_handler_del(s, h);
	if (s->probe.expected_nacks) {
		if (s->probe.nacks < s->probe.expected_nacks)
			vf__swim_awareness_add(
				s, (int)(s->probe.expected_nacks - s->probe.nacks));
	} else {
		vf__swim_awareness_add(s, 1);
	}
	if (s->probe.tcp_acked || !t || gone(t)) {
		probe_end(s);
		return;
	}
	s->st.probe_failures++;
	m.u.suspect.from = vf__gbytes_str(s->nodes[0]->name);
	m.u.suspect.incarnation = t->incarnation;
	m.u.suspect.node = vf__gbytes_str(t->name);
	probe_end(s);
	vf__swim_on_suspect(s, &m.u.suspect);
}

/* ---- gossip, push-pull ---- */

static bool gossip_ok(const struct vf__swim_node *n, void *arg)
{
	const struct vf__swim *s = arg;

	if (!gone(n))
		return true;
	return vf__swim_now((struct vf__swim *)s) - n->state_time < s->cfg.gossip_to_dead;
}

static void gossip(struct vf__swim *s)
{
	struct vf__swim_node *sent[16];
	size_t nsent = 0;

	for (uint32_t i = 0; i < s->cfg.gossip_nodes && nsent < 16 && s->nbcasts; i++) {
		struct vf__swim_node *n = random_node(s, gossip_ok, s);
		struct bcast *b[VF__GOSSIP_PARTS_MAX];
		struct vf__gbytes parts[VF__GOSSIP_PARTS_MAX];
		size_t k, avail;
		bool dup = false;

		for (size_t j = 0; n && j < nsent; j++)
			dup |= sent[j] == n;
		if (!n || dup)
			continue;
		sent[nsent++] = n;
		avail = s->cfg.udp_budget - 2 - (s->kr ? VF__GOSSIP_ENC_OVERHEAD : 0);
		if (!(k = vf__swim_bcasts_take(s, b, VF__GOSSIP_PARTS_MAX, 2, avail)))
			break;
		for (size_t j = 0; j < k; j++)
			parts[j] = (struct vf__gbytes){b[j]->p, (uint32_t)b[j]->len};
		vf__swim_send(s, &n->addr, n, parts, k, false);
		vf__swim_bcasts_done(s, b, k);
	}
}

static bool pp_ok(const struct vf__swim_node *n, void *arg)
{
	(void)arg;
	return n->state == VF__GOSSIP_STATE_ALIVE;
}

static uint64_t pp_interval(const struct vf__swim *s)
{
	uint64_t iv = s->cfg.push_pull_interval;

	if (s->nnodes > 32)
		iv *= vf__swim_ceil(vf__swim_ln((double)s->nnodes) /
					    0.69314718055994530942 -
				    5) +
		      1;
	return iv;
}

void vf__swim_warm_start(struct vf__swim *s)
{
	uint64_t now = vf__swim_now(s);

	vf__swim_bcasts_drop(s);
	s->next_probe = now + 1 + vf__swim_rand(s) % s->cfg.probe_interval;
	s->next_gossip = now + 1 + vf__swim_rand(s) % s->cfg.gossip_interval;
	s->next_pp = now + 1 + vf__swim_rand(s) % pp_interval(s);
	s->next_reconnect = now + 1 + vf__swim_rand(s) % s->cfg.reconnect_interval;
	vf__swim_rearm(s);
}

/* ---- Serf's reconnect and reaping ---- */

static bool failed_ok(const struct vf__swim_node *n, void *arg)
{
	(void)arg;
	return n->state == VF__GOSSIP_STATE_DEAD && !n->leaving;
}

/* A random failed member gets a join push-pull: if it is back (a healed
 * partition, a restart at the same address), both sides merge again.
 * Then members failed or left for too long are forgotten. */
static void reconnect(struct vf__swim *s, uint64_t now)
{
	struct vf__swim_node *n = random_node(s, failed_ok, NULL);

	if (n)
		push_pull(s, &n->addr, true);
	for (size_t i = 1; i < s->nnodes;) {
		struct vf__swim_node *m = s->nodes[i];
		bool left = m->state == VF__GOSSIP_STATE_LEFT ||
			    (m->state == VF__GOSSIP_STATE_DEAD && m->leaving);
		uint64_t keep = left ? s->cfg.tombstone : s->cfg.reconnect_timeout;

		if (gone(m) && now - m->state_time > keep &&
		    !(s->probe.target && !strcmp(s->probe.target, m->name))) {
			vf__swim_node_remove(s, m); /* the last one moved to i */
			continue;
		}
		i++;
	}
}

/* ---- leave ---- */

int vf__swim_leave(struct vf__swim *s)
{
	struct vf__swim_node *self = s->nodes[0];
	struct vf__gossip_msg m = {.type = VF__GOSSIP_DEAD};
	uint64_t now = vf__swim_now(s);
	int rc;

	if (s->leaving)
		return -EALREADY;
	s->leaving = true;
	/* Serf's order: the leave intent first, so agents show "left". */
	if ((rc = vf__swim_serf_intent(s, VF__SERF_LEAVE, self->name)) < 0)
		return rc;
	m.u.suspect.from = vf__gbytes_str(self->name);
	m.u.suspect.incarnation = self->incarnation;
	m.u.suspect.node = vf__gbytes_str(self->name);
	{
		struct vf__gbuf b = {0};

		if ((rc = vf__swim_encode(&b, &m)) == 0)
			rc = vf__swim_queue(s, self->name, b.data, b.len, 1);
		vf__gbuf_free(&b);
	}
	self->state = VF__GOSSIP_STATE_LEFT;
	self->state_time = now;
	s->leave_deadline = now + LEAVE_BROADCAST_TIMEOUT;
	/* alone: nobody to tell */
	{
		bool others = false;

		for (size_t i = 1; i < s->nnodes; i++)
			others |= !gone(s->nodes[i]);
		if (!others)
			s->leave_deadline = now;
	}
	vf__swim_rearm(s);
	return rc;
}

static bool leave_pending(const struct vf__swim *s)
{
	struct bcast *b;

	BCAST_EACH(b, s)
	{
		if (b->flags & 1)
			return true;
	}
	return false;
}

/* ---- the timer ---- */

static void fold(uint64_t *due, uint64_t t)
{
	if (t && t < *due)
		*due = t;
}

void vf__swim_rearm(struct vf__swim *s)
{
	uint64_t due = UINT64_MAX;

	if (s->left)
		return;
	if (s->leaving) {
		fold(&due, s->left_at ? s->left_at : s->leave_deadline);
		fold(&due, s->next_gossip);
	} else {
		fold(&due, s->next_probe);
		fold(&due, s->next_gossip);
		fold(&due, s->next_pp);
		fold(&due, s->next_reconnect);
	}
	if (s->probe.active) {
		fold(&due, s->probe.indirect ? s->probe.end_at : s->probe.timeout_at);
	}
	for (size_t i = 0; i < s->nhandlers; i++)
		if (s->handlers[i].kind == HANDLER_RELAY)
			fold(&due, s->handlers[i].deadline);
	for (size_t i = 0; s->nsusp && i < s->nnodes; i++)
		if (s->nodes[i]->susp)
			fold(&due, s->nodes[i]->susp->deadline);
	if (due != UINT64_MAX)
		s->io.arm(s->io.ctx, due);
}

static void handlers_expire(struct vf__swim *s, uint64_t now)
{
	for (size_t i = 0; i < s->nhandlers;) {
		struct handler *h = &s->handlers[i];

		if (h->kind != HANDLER_RELAY || h->deadline > now) {
			i++;
			continue;
		}
		if (h->nack) {
			struct vf__gossip_msg m = {.type = VF__GOSSIP_NACK};

			m.u.nack.seq_no = h->orig_seq;
			vf__swim_send_msg(s, &h->reply_to, NULL, &m);
		}
		vf__swim_handler_del(s, h);
	}
}

void vf__swim_tick(struct vf__swim *s)
{
	uint64_t now = vf__swim_now(s);

	if (s->left)
		return;
	handlers_expire(s, now);
	for (size_t i = 0; s->nsusp && i < s->nnodes; i++) {
		struct vf__swim_node *n = s->nodes[i];

		if (n->susp && n->susp->deadline <= now)
			suspicion_expired(s, n);
	}
	if (s->probe.active && !s->probe.indirect && now >= s->probe.timeout_at)
		probe_indirect(s);
	if (s->probe.active && s->probe.indirect && now >= s->probe.end_at)
		probe_failed(s);
	if (!s->leaving && now >= s->next_probe) {
		if (s->probe.active)
			probe_failed(s);
		probe_start(s, now);
		s->next_probe =
			now + (uint64_t)s->cfg.probe_interval * (s->awareness + 1);
	}
	if (now >= s->next_gossip) {
		gossip(s);
		s->next_gossip = now + s->cfg.gossip_interval;
	}
	if (!s->leaving && now >= s->next_pp) {
		struct vf__swim_node *n = random_node(s, pp_ok, NULL);

		if (n)
			push_pull(s, &n->addr, false);
		s->next_pp = now + pp_interval(s);
	}
	if (!s->leaving && now >= s->next_reconnect) {
		reconnect(s, now);
		s->next_reconnect = now + s->cfg.reconnect_interval;
	}
	if (s->leaving && !s->left_at && (now >= s->leave_deadline || !leave_pending(s)))
		s->left_at = now + s->cfg.leave_linger;
	if (s->left_at && now >= s->left_at) {
		s->left = true;
		return;
	}
	vf__swim_rearm(s);
}
