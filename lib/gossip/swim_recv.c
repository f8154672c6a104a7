/*
 * What arrives: UDP packets (ping, indirect ping, ack, nack, alive,
 * suspect, dead, user messages, in compounds and compressed), streams
 * (push-pull, TCP ping, reliable user message), and Serf's join and leave
 * intents. Anything the codec refuses is counted by reason and changes
 * nothing; so is an unknown message type or a ping for another node.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gossip/crypto.h"
#include "gossip/serf.h"
#include "gossip/swim_internal.h"

static bool gone(const struct vf__swim_node *n)
{
	return n->state == VF__GOSSIP_STATE_DEAD || n->state == VF__GOSSIP_STATE_LEFT;
}

static bool is_self(const struct vf__swim *s, struct vf__gbytes name)
{
	return vf__gbytes_is(name, s->nodes[0]->name);
}

static bool addr_from(struct vf__gaddr *a, struct vf__gbytes ip, uint16_t port)
{
	if (ip.len != 4 && ip.len != 16)
		return false;
	memset(a, 0, sizeof(*a));
	memcpy(a->ip, ip.data, ip.len);
	a->len = (uint8_t)ip.len;
	a->port = port;
	return true;
}

static bool addr_eq(const struct vf__gaddr *a, const struct vf__gaddr *b)
{
	return a->len == b->len && a->port == b->port && !memcmp(a->ip, b->ip, a->len);
}

static bool vsn_ok(const struct vf__gossip_vsn *v)
{
	return v->len == VF__GOSSIP_VSN_LEN && v->v[0] && v->v[1] && v->v[0] <= v->v[1];
}

/* ---- alive, suspect, dead ---- */

bool vf__swim_on_alive(struct vf__swim *s, const struct vf__gossip_alive *a,
		       bool bootstrap)
{
	struct vf__swim_node *n, *self = s->nodes[0];
	struct vf__gossip_msg m = {.type = VF__GOSSIP_ALIVE};
	struct vf__gaddr addr;
	bool fresh = false, was_gone, changed;

	if (!vsn_ok(&a->vsn) || a->meta.len > VF__GOSSIP_META_MAX ||
	    !addr_from(&addr, a->addr, a->port ? a->port : self->addr.port))
		return false;
	n = vf__swim_lookup(s, a->node.data, a->node.len);
	if (n == self) {
		bool differs =
			a->meta.len != self->meta_len ||
			(a->meta.len && memcmp(a->meta.data, self->meta, a->meta.len)) ||
			memcmp(a->vsn.v, self->vsn.v, VF__GOSSIP_VSN_LEN);

		if (!bootstrap && !s->leaving &&
		    (a->incarnation > self->incarnation ||
		     (a->incarnation == self->incarnation && differs))) {
			vf__swim_refute(s, a->incarnation);
			return false;
		}
		/* ours, not newer: what we said before, or older */
		return a->incarnation < self->incarnation ||
		       (a->incarnation == self->incarnation && !differs);
	}
	if (!n) {
		if (!(n = vf__swim_node_add(s, a->node.data, a->node.len)))
			return false;
		fresh = true;
	} else if (!addr_eq(&n->addr, &addr)) {
		/* the name lives elsewhere: only a node that left may move */
		if (n->state != VF__GOSSIP_STATE_LEFT)
			return false;
	} else if (a->incarnation <= n->incarnation) {
		return true;
	}
	changed = !fresh && (!addr_eq(&n->addr, &addr) || a->meta.len != n->meta_len ||
			     (a->meta.len && memcmp(a->meta.data, n->meta, a->meta.len)));
	if (vf__swim_node_set_meta(s, n, a->meta.data, a->meta.len) < 0)
		return false;
	was_gone = fresh || gone(n);
	n->addr = addr;
	n->incarnation = a->incarnation;
	n->vsn = a->vsn;
	vf__swim_suspect_clear(s, n);
	if (n->state != VF__GOSSIP_STATE_ALIVE)
		n->state_time = vf__swim_now(s);
	n->state = VF__GOSSIP_STATE_ALIVE;
	if (was_gone)
		n->leaving = false;
	m.u.alive = *a;
	m.u.alive.port = addr.port;
	vf__swim_queue_msg(s, n->name, &m);
	if (was_gone)
		vf__swim_event(s, VF__SWIM_JOINED, n);
	else if (changed)
		vf__swim_event(s, VF__SWIM_UPDATED, n);
	return false;
}

bool vf__swim_on_suspect(struct vf__swim *s, const struct vf__gossip_suspect *m)
{
	struct vf__swim_node *n = vf__swim_lookup(s, m->node.data, m->node.len);
	struct vf__gossip_msg out = {.type = VF__GOSSIP_SUSPECT};

	if (!n)
		return false;
	if (m->incarnation < n->incarnation)
		return true;
	out.u.suspect = *m;
	if (n->state == VF__GOSSIP_STATE_SUSPECT) {
		if (vf__swim_suspect_confirm(s, n, m->from.data, m->from.len))
			vf__swim_queue_msg(s, n->name, &out);
		return false;
	}
	if (n->state != VF__GOSSIP_STATE_ALIVE)
		return true; /* dead or left: only an alive brings it back */
	if (n == s->nodes[0]) {
		if (!s->leaving)
			vf__swim_refute(s, m->incarnation);
		return false;
	}
	s->st.suspicions++;
	n->incarnation = m->incarnation;
	n->state = VF__GOSSIP_STATE_SUSPECT;
	n->state_time = vf__swim_now(s);
	vf__swim_suspect_start(s, n, m->from.data, m->from.len);
	vf__swim_queue_msg(s, n->name, &out);
	return false;
}

bool vf__swim_on_dead(struct vf__swim *s, const struct vf__gossip_suspect *m)
{
	struct vf__swim_node *n = vf__swim_lookup(s, m->node.data, m->node.len);
	struct vf__gossip_msg out = {.type = VF__GOSSIP_DEAD};
	bool left = vf__gbytes_eq(m->from, m->node);

	if (!n)
		return false;
	if (m->incarnation < n->incarnation || gone(n))
		return true;
	if (n == s->nodes[0]) {
		if (!s->leaving)
			vf__swim_refute(s, m->incarnation);
		return false;
	}
	out.u.suspect = *m;
	vf__swim_suspect_clear(s, n);
	n->incarnation = m->incarnation;
	n->state = left ? VF__GOSSIP_STATE_LEFT : VF__GOSSIP_STATE_DEAD;
	n->state_time = vf__swim_now(s);
	vf__swim_queue_msg(s, n->name, &out);
	vf__swim_event(s, left || n->leaving ? VF__SWIM_LEFT : VF__SWIM_FAILED, n);
	return false;
}

/* ---- Serf intents and other user messages ---- */

static void witness(struct vf__swim *s, uint64_t t)
{
	if (t >= s->ltime)
		s->ltime = t + 1;
}

static void rebroadcast(struct vf__swim *s, const char *name, const uint8_t *p,
			size_t len)
{
	char key[VF__SWIM_NAME_MAX + 8];
	uint8_t *m = malloc(len + 1);

	if (!m)
		return;
	m[0] = VF__GOSSIP_USER;
	memcpy(m + 1, p, len);
	snprintf(key, sizeof(key), "serf:%s", name);
	vf__swim_queue(s, key, m, len + 1, 0);
	free(m);
}

static void on_user(struct vf__swim *s, const uint8_t *p, size_t len)
{
	struct vf__serf_msg m = {0};
	struct vf__swim_node *n;

	if (!len)
		return;
	if ((p[0] != VF__SERF_JOIN && p[0] != VF__SERF_LEAVE) ||
	    vf__serf_decode(&m, p, len) < 0) {
		if (s->hooks.user)
			s->hooks.user(s->hooks.ctx, p, len);
		return;
	}
	if (m.type == VF__SERF_JOIN) {
		witness(s, m.u.join.ltime);
		n = vf__swim_lookup(s, m.u.join.node.data, m.u.join.node.len);
		if (n && n != s->nodes[0] && m.u.join.ltime > n->serf_ltime) {
			n->serf_ltime = m.u.join.ltime;
			if (!gone(n))
				n->leaving = false;
			rebroadcast(s, n->name, p, len);
		}
	} else {
		witness(s, m.u.leave.ltime);
		n = vf__swim_lookup(s, m.u.leave.node.data, m.u.leave.node.len);
		if (n == s->nodes[0]) {
			/* someone says we leave: refute with a newer join */
			if (!s->leaving && m.u.leave.ltime > n->serf_ltime)
				vf__swim_serf_intent(s, VF__SERF_JOIN, n->name);
		} else if (n && m.u.leave.ltime > n->serf_ltime) {
			n->serf_ltime = m.u.leave.ltime;
			if (!n->leaving && n->state == VF__GOSSIP_STATE_DEAD) {
				n->leaving = true;
				vf__swim_event(s, VF__SWIM_LEFT, n);
			}
			n->leaving = true;
			rebroadcast(s, n->name, p, len);
		}
	}
	vf__serf_free(&m);
}

/* ---- UDP ---- */

static void on_ping(struct vf__swim *s, const struct vf__gaddr *from,
		    const struct vf__gossip_ping *p)
{
	struct vf__gossip_msg ack = {.type = VF__GOSSIP_ACK};
	struct vf__gaddr to = *from;

	if (p->node.len && !is_self(s, p->node)) {
		s->st.bad_unknown_node++;
		return;
	}
	if (p->source_addr.len && p->source_port)
		addr_from(&to, p->source_addr, p->source_port);
	ack.u.ack.seq_no = p->seq_no;
	vf__swim_send_msg(s, &to,
			  vf__swim_lookup(s, p->source_node.data, p->source_node.len),
			  &ack);
}

static void on_indirect(struct vf__swim *s, const struct vf__gaddr *from,
			const struct vf__gossip_indirect_ping *ip)
{
	struct vf__gossip_msg ping = {.type = VF__GOSSIP_PING};
	struct handler h = {.kind = HANDLER_RELAY};
	const struct vf__swim_node *self = s->nodes[0];
	struct vf__gaddr target;

	if (!addr_from(&target, ip->target, ip->port ? ip->port : self->addr.port))
		return;
	h.reply_to = *from;
	if (ip->source_addr.len && ip->source_port)
		addr_from(&h.reply_to, ip->source_addr, ip->source_port);
	h.seq = ++s->seq;
	h.orig_seq = ip->seq_no;
	h.nack = ip->nack;
	h.deadline = vf__swim_now(s) + s->cfg.probe_timeout;
	if (vf__swim_handler_add(s, &h) < 0)
		return;
	ping.u.ping.node = ip->node;
	ping.u.ping.seq_no = h.seq;
	ping.u.ping.source_addr = (struct vf__gbytes){self->addr.ip, self->addr.len};
	ping.u.ping.source_node = vf__gbytes_str(self->name);
	ping.u.ping.source_port = self->addr.port;
	vf__swim_send_msg(s, &target, vf__swim_lookup(s, ip->node.data, ip->node.len),
			  &ping);
}

static void on_ack(struct vf__swim *s, uint32_t seq)
{
	struct handler *h = vf__swim_handler_find(s, seq);
	struct vf__gossip_msg ack = {.type = VF__GOSSIP_ACK};

	if (!h)
		return;
	if (h->kind == HANDLER_RELAY) {
		ack.u.ack.seq_no = h->orig_seq;
		vf__swim_send_msg(s, &h->reply_to, NULL, &ack);
	} else if (s->probe.active && s->probe.seq == seq) {
		vf__swim_probe_acked(s, false);
	}
	vf__swim_handler_del(s, h);
}

static void count_error(struct vf__swim *s, int rc, const uint8_t *p, size_t len)
{
	if (rc == -EBADMSG)
		s->st.bad_decrypt++;
	else if (rc == -EMSGSIZE)
		s->st.bad_oversized++;
	else if (!s->kr && len >= 5 && p[0] == VF__GOSSIP_HAS_CRC &&
		 vf__gossip_crc32(p + 5, len - 5) !=
			 ((uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 |
			  (uint32_t)p[3] << 8 | p[4]))
		s->st.bad_crc++;
	else
		s->st.bad_malformed++;
}

void vf__swim_packet(struct vf__swim *s, const struct vf__gaddr *from, const uint8_t *p,
		     size_t len)
{
	struct vf__gossip_packet pkt = {0};
	int rc;

	s->st.packets_in++;
	s->st.bytes_in += len;
	if (s->left)
		return;
	if (len > VF__GOSSIP_UDP_MAX) {
		s->st.bad_oversized++;
		return;
	}
	if ((rc = vf__gossip_packet_decode(&pkt, p, len, s->kr)) < 0) {
		count_error(s, rc, p, len);
		return;
	}
	for (uint32_t i = 0; i < pkt.nmsgs; i++) {
		const struct vf__gossip_msg *m = &pkt.msgs[i];

		switch (m->type) {
		case VF__GOSSIP_COMPOUND:
		case VF__GOSSIP_COMPRESS: break;
		case VF__GOSSIP_PING: on_ping(s, from, &m->u.ping); break;
		case VF__GOSSIP_INDIRECT_PING:
			on_indirect(s, from, &m->u.indirect);
			break;
		case VF__GOSSIP_ACK: on_ack(s, m->u.ack.seq_no); break;
		case VF__GOSSIP_NACK:
			if (s->probe.active && s->probe.seq == m->u.nack.seq_no)
				s->probe.nacks++;
			break;
		case VF__GOSSIP_ALIVE:
			s->st.stale += vf__swim_on_alive(s, &m->u.alive, false);
			break;
		case VF__GOSSIP_SUSPECT:
			s->st.stale += vf__swim_on_suspect(s, &m->u.suspect);
			break;
		case VF__GOSSIP_DEAD: s->st.stale += vf__swim_on_dead(s, &m->u.suspect); break;
		case VF__GOSSIP_USER: on_user(s, m->u.user.data, m->u.user.len); break;
		default: s->st.bad_unknown_type++; break;
		}
		if (s->left)
			break;
	}
	vf__gossip_packet_free(&pkt);
	vf__swim_rearm(s);
}

/* ---- streams ---- */

/* The version check memberlist runs before merging (memberlist.md §8.3):
 * every alive node's current versions within everyone's ranges. */
static void vsn_range(const struct vf__gossip_vsn *x, int lo[2], int hi[2])
{
	if (x->len < 6)
		return;
	for (int k = 0; k < 2; k++) {
		if (x->v[3 * k] > lo[k])
			lo[k] = x->v[3 * k];
		if (x->v[3 * k + 1] < hi[k])
			hi[k] = x->v[3 * k + 1];
	}
}

static bool vsn_cur_ok(const struct vf__gossip_vsn *x, const int lo[2], const int hi[2])
{
	return x->len >= 6 && x->v[2] >= lo[0] && x->v[2] <= hi[0] && x->v[5] >= lo[1] &&
	       x->v[5] <= hi[1];
}

static bool versions_ok(const struct vf__swim *s, const struct vf__gossip_push_pull *pp)
{
	int lo[2] = {0, 0}, hi[2] = {255, 255};

	for (uint32_t i = 0; i < pp->nnodes; i++)
		if (pp->nodes[i].state == VF__GOSSIP_STATE_ALIVE)
			vsn_range(&pp->nodes[i].vsn, lo, hi);
	for (size_t i = 0; i < s->nnodes; i++)
		if (s->nodes[i]->state == VF__GOSSIP_STATE_ALIVE)
			vsn_range(&s->nodes[i]->vsn, lo, hi);
	for (uint32_t i = 0; i < pp->nnodes; i++)
		if (pp->nodes[i].state == VF__GOSSIP_STATE_ALIVE &&
		    !vsn_cur_ok(&pp->nodes[i].vsn, lo, hi))
			return false;
	for (size_t i = 0; i < s->nnodes; i++)
		if (s->nodes[i]->state == VF__GOSSIP_STATE_ALIVE &&
		    !vsn_cur_ok(&s->nodes[i]->vsn, lo, hi))
			return false;
	return true;
}

/* A Serf agent's push-pull state: its member clock is witnessed (LTime -
 * 1, as Serf does), and so is the status time it holds for this node, so
 * the next join or leave intent is newer than what it recorded (after a
 * restart this node's own clock starts at 1 again). */
static void serf_state(struct vf__swim *s, const uint8_t *p, size_t len)
{
	struct vf__serf_msg m = {0};

	if (vf__serf_decode(&m, p, len) < 0 || m.type != VF__SERF_PUSH_PULL) {
		vf__serf_free(&m);
		return;
	}
	if (m.u.state.ltime)
		witness(s, m.u.state.ltime - 1);
	for (uint32_t i = 0; i < m.u.state.nstatus; i++) {
		const struct vf__serf_status *st = &m.u.state.status[i];
		struct vf__swim_node *n = vf__swim_lookup(s, st->name.data, st->name.len);

		if (n == s->nodes[0])
			witness(s, st->ltime);
		else if (n && st->ltime > n->serf_ltime)
			n->serf_ltime = st->ltime;
	}
	vf__serf_free(&m);
}

int vf__swim_merge(struct vf__swim *s, const struct vf__gossip_push_pull *pp)
{
	const struct vf__gbytes self = vf__gbytes_str(s->nodes[0]->name);

	if (!versions_ok(s, pp)) {
		s->st.bad_stream++;
		return -EPROTO;
	}
	for (uint32_t i = 0; i < pp->nnodes; i++) {
		const struct vf__gossip_node_state *ns = &pp->nodes[i];
		struct vf__gossip_alive a = {ns->addr, ns->incarnation, ns->meta,
					     ns->name, ns->port,	ns->vsn};
		struct vf__gossip_suspect d = {ns->name, ns->incarnation, ns->name};

		switch (ns->state) {
		case VF__GOSSIP_STATE_ALIVE: vf__swim_on_alive(s, &a, false); break;
		case VF__GOSSIP_STATE_LEFT: vf__swim_on_dead(s, &d); break;
		case VF__GOSSIP_STATE_SUSPECT:
		case VF__GOSSIP_STATE_DEAD:
			d.from = self;
			vf__swim_on_suspect(s, &d);
			break;
		default: break;
		}
	}
	if (pp->user_state.len && pp->user_state.data[0] == VF__SERF_PUSH_PULL)
		serf_state(s, pp->user_state.data, pp->user_state.len);
	if (pp->user_state.len && s->hooks.remote_state)
		s->hooks.remote_state(s->hooks.ctx, pp->user_state.data,
				      pp->user_state.len, pp->join);
	return 0;
}

int vf__swim_stream_recv(struct vf__swim *s, const uint8_t *p, size_t len, bool eof,
			 struct vf__gbuf *reply)
{
	struct vf__gossip_stream st = {0}, out = {0};
	struct vf__gbuf user = {0};
	unsigned int flags = s->compress ? VF__GOSSIP_F_COMPRESS : 0;
	int rc;

	rc = vf__gossip_stream_decode(&st, p, len, s->kr);
	if (rc == -EAGAIN && !eof)
		return rc;
	s->st.streams_in++;
	if (rc < 0) {
		s->st.bad_stream++;
		count_error(s, rc, NULL, 0);
		goto out;
	}
	s->st.bytes_in += st.used;
	switch (st.type) {
	case VF__GOSSIP_PING:
		if (st.u.ping.node.len && !is_self(s, st.u.ping.node)) {
			s->st.bad_unknown_node++;
			rc = -EPROTO;
			break;
		}
		out.type = VF__GOSSIP_ACK;
		out.u.ack.seq_no = st.u.ping.seq_no;
		rc = vf__gossip_stream_encode(reply, &out, flags, s->kr);
		break;
	case VF__GOSSIP_PUSH_PULL:
		if (s->left) {
			rc = -ESHUTDOWN;
			break;
		}
		s->st.push_pulls++;
		if ((rc = vf__swim_push_pull_msg(s, &out, st.u.push_pull.join, &user)) ==
			    0 &&
		    (rc = vf__gossip_stream_encode(reply, &out, flags, s->kr)) == 0)
			vf__swim_merge(s, &st.u.push_pull); /* refusals are counted */
		free(out.u.push_pull.nodes);
		break;
	case VF__GOSSIP_USER: on_user(s, st.u.user.data, st.u.user.len); break;
	default:
		s->st.bad_unknown_type++;
		rc = -EPROTO;
		break;
	}
out:
	vf__gbuf_free(&user);
	vf__gossip_stream_free(&st);
	vf__swim_rearm(s);
	return rc;
}
