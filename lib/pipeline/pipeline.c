/* The packet pipeline: see pipeline.h for the walk. */
#include <string.h>

#include "pipeline/conntrack.h"
#include "pipeline/location.h"
#include "pipeline/pipeline.h"
#include "runtime/runtime.h"

static const vf_mac bcast_mac = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

static void tables_free(void *t)
{
	vf__tables_free(t);
}

const struct vf__tables *vf__pipe_tables(vf_fabric *f)
{
	struct vf__tables *t, *old = f->tables;

	if (old && old->gen == f->gen)
		return old;
	if (vf__tables_build(&t, f) < 0)
		return NULL;
	/* workers load it once per batch (worker.c); the old set goes once
	 * none of them can hold it */
	vf__qsbr_publish(&f->tables, t);
	if (old)
		vf__runtime_defer(f, tables_free, old);
	vf__pipe_reflush(f); /* after the old tables' grace period starts */
	return t;
}

static struct vf__port_rt *rt(const struct vf__tport *p)
{
	return &p->port->rt;
}

/* Counts a drop on @on (or on the fabric) and says so in the trace. */
static vf_drop_reason drop(struct vf__ctx *c, const struct vf__tport *on,
			   vf_drop_reason r)
{
	VF__TR(c, "drop: %s%s%s", vf_drop_reason_name(r), on ? " at port " : "",
	       on ? on->port->entry.name : "");
	if (c->dry)
		return r;
	if (on) {
		VF__CNT_ADD(rt(on)->drop[r], 1);
		VF__CNT_ADD(rt(on)->drops, 1);
	} else {
		VF__CNT_ADD(c->f->drop[r], 1);
	}
	return r;
}

/* ---- recording the decision for the flow cache (flowcache.h) ---- */

/* The frame takes a path the flow cache cannot repeat. */
static void nocache(struct vf__ctx *c)
{
	c->rec = NULL;
}

static void rec_flags(struct vf__ctx *c, uint16_t flags)
{
	if (c->rec)
		c->rec->e.flags |= flags;
}

/* A port's security groups passed the flow in direction @dir, with
 * (@ruled) or without evaluating their rules. */
static void rec_secgroups(struct vf__ctx *c, vf_direction dir, bool ruled)
{
	if (dir == VF_DIR_EGRESS)
		rec_flags(c, VF__FC_SG_OUT |
				     (ruled ? VF__FC_SG_OUT_KNOWN | VF__FC_SG_OUT_ALLOW
					    : 0));
	else
		rec_flags(c,
			  VF__FC_SG_IN |
				  (ruled ? VF__FC_SG_IN_KNOWN | VF__FC_SG_IN_ALLOW : 0));
}

/* The frame leaves to @to (NULL: the underlay) with these MACs. */
static void rec_final(struct vf__ctx *c, const struct vf__tport *to, const vf_mac *smac,
		      const vf_mac *dmac)
{
	if (!c->rec)
		return;
	c->rec->e.to = to;
	c->rec->e.smac = *smac;
	c->rec->e.dmac = *dmac;
	c->rec->final = true;
}

/* Hands a frame to the output callback: to local port @to, or to the
 * underlay when @to is NULL. */
static vf_drop_reason emit(struct vf__ctx *c, const struct vf__tport *to,
			   const uint8_t *frame, uint32_t len)
{
	vf__macstr s, d;

	VF__TR(c, "send to %s%s: %u bytes, %s -> %s", to ? "port " : "the underlay",
	       to ? to->port->entry.name : "", len,
	       vf__mac_str(s, (const vf_mac *)(frame + 6)),
	       vf__mac_str(d, (const vf_mac *)frame));
	if (!vf__out_ready(c->f, c->t, to)) /* counted where it came from */
		return drop(c, to ? to : c->src, VF_DROP_NO_OUTPUT);
	if (c->dry)
		return VF_DROP_NONE;
	if (to) {
		VF__CNT_ADD(rt(to)->tx_packets, 1);
		VF__CNT_ADD(rt(to)->tx_bytes, len);
	}
	vf__out(c->f, c->t, c->txq, to, frame, len, frame == c->stable);
	c->sent++;
	return VF_DROP_NONE;
}

static struct vf__flow flow_of(const struct vf__pkt *p)
{
	struct vf__flow fl = {.src = p->ip_src, .dst = p->ip_dst, .proto = p->ip_proto};

	if (p->has_l4 && (p->ip_proto == VF_PROTO_TCP || p->ip_proto == VF_PROTO_UDP)) {
		fl.sport = p->sport;
		fl.dport = p->dport;
		fl.has_ports = true;
	} else if (p->has_l4 && p->ip_proto == VF_PROTO_ICMP &&
		   (p->icmp_type == 8 || p->icmp_type == 0)) {
		fl.icmp_echo = true;
		fl.icmp_type = p->icmp_type;
		fl.icmp_id = p->icmp_id;
	}
	return fl;
}

/*
 * Whether @p is an ICMP error (unreachable, fragmentation needed, source
 * quench, time exceeded, parameter problem) about a packet of a
 * connection tracked in @zone: RELATED traffic, which passes like a reply
 * (path MTU discovery depends on it). The quoted packet must be one its
 * receiver sent (its source is this error's destination). Looks without
 * changing anything.
 */
static bool related(struct vf__ctx *c, uint32_t zone, const struct vf__pkt *p)
{
	const uint8_t *in = p->data + p->l4 + VF__ICMP_HLEN;
	uint32_t end = (uint32_t)p->l3 + p->ip_len, at = (uint32_t)p->l4 + VF__ICMP_HLEN;
	uint32_t room = end > at ? end - at : 0, ihl;
	struct vf__flow fl = {0};
	uint8_t t = p->icmp_type;

	if (p->ip_proto != VF_PROTO_ICMP || !p->has_l4 ||
	    (t != 3 && t != 4 && t != 11 && t != 12))
		return false;
	if (room < VF__IP_HLEN_MIN || in[0] >> 4 != 4 ||
	    (ihl = (in[0] & 0x0fu) * 4u) < 20 || room < ihl)
		return false;
	fl.src = vf__get32(in + 12);
	fl.dst = vf__get32(in + 16);
	fl.proto = in[9];
	if (fl.src != p->ip_dst)
		return false;
	if ((fl.proto == VF_PROTO_TCP || fl.proto == VF_PROTO_UDP) && room >= ihl + 4) {
		fl.sport = vf__get16(in + ihl);
		fl.dport = vf__get16(in + ihl + 2);
		fl.has_ports = true;
	} else if (fl.proto == VF_PROTO_ICMP && room >= ihl + 8 &&
		   (in[ihl] == 8 || in[ihl] == 0)) {
		fl.icmp_echo = true;
		fl.icmp_type = in[ihl];
		fl.icmp_id = vf__get16(in + ihl + 4);
	}
	return vf__ct_peek(c->f->ct, zone, &fl, c->now) != VF__CT_NEW;
}

/* A tracked connection's verdict for @fl: an echo request in the reply
 * direction is the other side pinging, a new connection. */
static enum vf__ct_state tracked(struct vf__ctx *c, uint32_t zone,
				 const struct vf__flow *fl, uint8_t tcp_flags)
{
	enum vf__ct_state st =
		c->dry ? vf__ct_peek(c->f->ct, zone, fl, c->now)
		       : vf__ct_lookup(c->f->ct, zone, fl, tcp_flags, c->now);

	return st == VF__CT_REPLY && fl->icmp_echo && fl->icmp_type == 8 ? VF__CT_NEW
									 : st;
}

/* A port's security groups in one direction: a tracked connection
 * passes; otherwise a rule must allow it, and then it is tracked. */
static vf_drop_reason secgroups(struct vf__ctx *c, const struct vf__tport *port,
				vf_direction dir, const struct vf__pkt *p)
{
	struct vf__flow fl = flow_of(p);
	uint32_t zone = port->serial;
	enum vf__ct_state st;
	bool broadcast = p->ip_dst == 0xffffffff || (p->ip_dst >> 28) == 0xe;

	if (!port->guarded)
		return VF_DROP_NONE;
	st = tracked(c, zone, &fl, p->tcp_flags);
	if (st != VF__CT_NEW) {
		VF__TR(c, "security groups of '%s' (%s): tracked connection, %s",
		       port->port->entry.name,
		       dir == VF_DIR_INGRESS ? "ingress" : "egress",
		       st == VF__CT_REPLY ? "reply" : "original direction");
		rec_secgroups(c, dir, false);
		return VF_DROP_NONE;
	}
	if (related(c, zone, p)) {
		nocache(c);
		VF__TR(c,
		       "security groups of '%s' (%s): an ICMP error about a tracked "
		       "connection",
		       port->port->entry.name,
		       dir == VF_DIR_INGRESS ? "ingress" : "egress");
		return VF_DROP_NONE;
	}
	if (!vf__ruleset_allows(&port->rules, dir, &fl)) {
		VF__TR(c, "security groups of '%s' (%s): no rule allows it",
		       port->port->entry.name,
		       dir == VF_DIR_INGRESS ? "ingress" : "egress");
		if (!p->has_l4 && (p->frag_off || p->frag_more))
			return drop(c, port, VF_DROP_FRAGMENT);
		return drop(c, port,
			    dir == VF_DIR_INGRESS ? VF_DROP_SECGROUP_INGRESS
						  : VF_DROP_SECGROUP_EGRESS);
	}
	VF__TR(c, "security groups of '%s' (%s): allowed by a rule%s",
	       port->port->entry.name, dir == VF_DIR_INGRESS ? "ingress" : "egress",
	       broadcast ? "" : ", connection tracked");
	rec_secgroups(c, dir, true);
	if (!c->dry && !broadcast)
		vf__ct_commit(c->f->ct, zone, &fl, p->tcp_flags, c->now);
	return VF_DROP_NONE;
}

/* The conntrack zone of inter-cell admissions between cells @a and @b:
 * the same for both directions (so replies find it), apart from every
 * port's zone (those are below 2^31) and from other cell pairs (so
 * overlapping VXLAN cells never share an entry). */
static uint32_t pair_zone(uint32_t a, uint32_t b)
{
	uint32_t lo = a < b ? a : b, hi = a < b ? b : a;

	return 0x80000000u |
	       (uint32_t)(vf__hash_u64((uint64_t)lo << 32 | hi) & 0x7fffffffu);
}

/* Cell policy between a sender in cell @from (0: unknown) and a receiver
 * in cell @to; @on is the port the drop is counted on. */
static vf_drop_reason cell_policy(struct vf__ctx *c, uint32_t from,
				  const struct vf__tcell *to, const struct vf__pkt *p,
				  const struct vf__tport *on)
{
	struct vf__flow fl;
	enum vf__ct_state st;

	if (from == to->id) {
		if (!to->intra_deny)
			return VF_DROP_NONE;
		VF__TR(c, "policy: cell %u denies traffic inside it", to->id);
		return drop(c, on, VF_DROP_INTRA_CELL);
	}
	fl = flow_of(p);
	if (c->rec)
		c->rec->e.pair_zone = pair_zone(from, to->id);
	if (to->inter_allow) {
		rec_flags(c, VF__FC_PAIR_COMMIT);
		VF__TR(c, "policy: cell %u admits every other cell", to->id);
		if (!c->dry) /* so that replies pass whatever the other cell says */
			vf__ct_commit(c->f->ct, pair_zone(from, to->id), &fl,
				      p->tcp_flags, c->now);
		return VF_DROP_NONE;
	}
	for (uint32_t i = 0; i < to->npolicies; i++) {
		if (to->policies[i].src_cell != from ||
		    !vf__match_policy(&to->policies[i].match, &fl))
			continue;
		VF__TR(c, "policy: cell %u admits it from cell %u (policy %u)", to->id,
		       from, i);
		rec_flags(c, VF__FC_PAIR_COMMIT);
		if (!c->dry)
			vf__ct_commit(c->f->ct, pair_zone(from, to->id), &fl,
				      p->tcp_flags, c->now);
		return VF_DROP_NONE;
	}
	st = tracked(c, pair_zone(from, to->id), &fl, p->tcp_flags);
	if (st != VF__CT_NEW || related(c, pair_zone(from, to->id), p)) {
		if (st != VF__CT_NEW)
			rec_flags(c, VF__FC_PAIR_LOOKUP);
		else
			nocache(c); /* passed as related */
		VF__TR(c, "policy: tracked inter-cell connection (%s)",
		       st == VF__CT_REPLY  ? "reply"
		       : st == VF__CT_ORIG ? "original direction"
					   : "a related ICMP error");
		return VF_DROP_NONE;
	}
	VF__TR(c, "policy: cell %u admits nothing from cell %u", to->id, from);
	if (!p->has_l4 && (p->frag_off || p->frag_more))
		return drop(c, on, VF_DROP_FRAGMENT); /* its ports are not in it */
	return drop(c, on, VF_DROP_INTER_CELL);
}

static uint32_t meter_len(const struct vf__pkt *p)
{
	return p->ethertype == VF__ETH_P_IPV4 ? p->ip_len : p->len;
}

/* Whether @b limits at all: read without its lock (relaxed: a limit set a
 * moment ago may apply from the next frame; vf__bucket_take() locks). */
static inline bool limited(const struct vf__bucket *b)
{
	return __atomic_load_n(&b->rate_Bps, __ATOMIC_RELAXED) != 0;
}

/* A port's token bucket in direction @dir, for a frame of @bytes. */
static vf_drop_reason qos_take(struct vf__ctx *c, const struct vf__tport *port,
			       vf_direction dir, uint32_t bytes)
{
	struct vf__bucket *b = &rt(port)->bucket[dir];

	if (!limited(b) || vf__bucket_take(b, bytes, c->now, c->dry))
		return VF_DROP_NONE;
	VF__TR(c, "QoS: port '%s' is over its %s rate (%llu bit/s)",
	       port->port->entry.name, dir == VF_DIR_INGRESS ? "receiving" : "sending",
	       (unsigned long long)__atomic_load_n(&b->rate_Bps, __ATOMIC_RELAXED) * 8);
	return drop(c, port,
		    dir == VF_DIR_INGRESS ? VF_DROP_QOS_INGRESS : VF_DROP_QOS_EGRESS);
}

static vf_drop_reason qos(struct vf__ctx *c, const struct vf__tport *port,
			  vf_direction dir, const struct vf__pkt *p)
{
	return qos_take(c, port, dir, meter_len(p));
}

/* Delivers to local port @dst with source MAC @smac: its state, ingress
 * security groups and QoS, then the virtual MACs. */
static vf_drop_reason to_host(struct vf__ctx *c, const struct vf__tport *src,
			      struct vf__pkt *p, const vf_mac *host);

/* A frame for a VM that moved away (vf_port_migrate) still reached this
 * host: on to where it is now, as a router would (TTL down by one), never
 * back to the host it came from. */
static vf_drop_reason forward_moved(struct vf__ctx *c, struct vf__pkt *p, uint32_t cell)
{
	const vf_location *l = vf__loc_get(c->locs, cell, p->ip_dst);
	vf_drop_reason r;
	vf__ipstr a;
	vf__macstr m;

	nocache(c);
	if (!l) {
		VF__TR(c, "%s moved away; where to is not known yet", vf__ip_str(a, p->ip_dst));
		if (!c->dry)
			vf__loc_request(c->f, cell, p->ip_dst);
		r = drop(c, NULL, VF_DROP_NO_LOCATION);
	} else if (!memcmp(&l->host_mac, &p->src, sizeof(vf_mac))) {
		VF__TR(c, "%s moved to host %s, which sent it here", vf__ip_str(a, p->ip_dst),
		       vf__mac_str(m, &l->host_mac));
		r = drop(c, NULL, VF_DROP_NOT_HERE);
	} else if (p->ip_ttl <= 1) {
		VF__TR(c, "%s moved away; TTL %u runs out here", vf__ip_str(a, p->ip_dst),
		       p->ip_ttl);
		r = drop(c, NULL, VF_DROP_TTL_EXCEEDED);
	} else {
		VF__TR(c, "%s moved to host %s: sent on, TTL %u -> %u",
		       vf__ip_str(a, p->ip_dst), vf__mac_str(m, &l->host_mac), p->ip_ttl,
		       p->ip_ttl - 1);
		vf__pkt_dec_ttl(p);
		r = to_host(c, NULL, p, &l->host_mac);
	}
	if (!c->dry)
		vf__loc_forwarded(c->f->locs, r == VF_DROP_NONE);
	return r;
}

static vf_drop_reason to_local(struct vf__ctx *c, const struct vf__tport *dst,
			       struct vf__pkt *p, const vf_mac *smac, bool keep_dst_mac)
{
	vf_drop_reason r;

	if (keep_dst_mac) /* a copy of a broadcast */
		nocache(c);
	if (!keep_dst_mac && !vf__out_ready(c->f, c->t, dst)) {
		uint32_t cell;

		/* the port was just unbound as its VM moved away (the tables
		 * still have it for a moment): on to the new host */
		if (vf__loc_moved(c->locs, dst->vip, c->now, &cell))
			return forward_moved(c, p, cell);
	}
	if (!dst->up) {
		VF__TR(c, "port '%s' is down", dst->port->entry.name);
		return drop(c, dst, VF_DROP_PORT_DOWN);
	}
	if ((r = secgroups(c, dst, VF_DIR_INGRESS, p)) ||
	    (r = qos(c, dst, VF_DIR_INGRESS, p)))
		return r;
	vf__pkt_set_macs(p, smac, keep_dst_mac ? &p->dst : &dst->vmac);
	rec_final(c, dst, smac, &dst->vmac);
	return emit(c, dst, p->data, p->len);
}

/* Sends to the host of location @l, rewriting the MACs to the hosts'. */
static vf_drop_reason to_host(struct vf__ctx *c, const struct vf__tport *src,
			      struct vf__pkt *p, const vf_mac *host)
{
	if (c->t->wire_mode != VF_WIRE_REWRITE) {
		VF__TR(c, "vxlan wire mode does not send yet");
		return drop(c, src, VF_DROP_NO_OUTPUT);
	}
	if (vf__mac_is_zero(&c->t->host_mac)) {
		VF__TR(c,
		       "this host's MAC (PMAC) is not set: cannot send to other hosts");
		return drop(c, src, VF_DROP_NO_OUTPUT);
	}
	vf__pkt_set_macs(p, &c->t->host_mac, host);
	rec_final(c, NULL, &c->t->host_mac, host);
	return emit(c, NULL, p->data, p->len);
}

/* A unicast frame from local port @src to @vip in cell @to: policy,
 * egress security groups and QoS, then a local port or another host.
 * @routed: the router forwarded it (source MAC becomes the RVMAC). */
static vf_drop_reason deliver(struct vf__ctx *c, const struct vf__tport *src,
			      struct vf__pkt *p, const struct vf__tcell *to, uint32_t vip,
			      bool routed)
{
	const struct vf__tport *dst;
	const vf_location *l;
	vf_drop_reason r;
	vf__ipstr a;

	if ((r = secgroups(c, src, VF_DIR_EGRESS, p)) ||
	    (r = cell_policy(c, src->subnet->cell->id, to, p, src)) ||
	    (r = qos(c, src, VF_DIR_EGRESS, p)))
		return r;
	if ((dst = vf__t_port(c->t, to->id, vip))) {
		VF__TR(c, "location: %s is local port '%s'", vf__ip_str(a, vip),
		       dst->port->entry.name);
		return to_local(c, dst, p, routed ? &dst->subnet->rvmac : &src->vmac,
				false);
	}
	if ((l = vf__loc_get(c->locs, to->id, vip))) {
		vf__macstr m;

		VF__TR(c, "location: %s is on host %s", vf__ip_str(a, vip),
		       vf__mac_str(m, &l->host_mac));
		return to_host(c, src, p, &l->host_mac);
	}
	VF__TR(c, "location: %s in cell %u is not known", vf__ip_str(a, vip), to->id);
	vf__loc_request(c->f, to->id, vip);
	return drop(c, src, VF_DROP_NO_LOCATION);
}

/* Sends a reply the pipeline built in c->reply back to @src. */
static vf_drop_reason answer(struct vf__ctx *c, const struct vf__tport *src, uint32_t len)
{
	nocache(c);
	if (!len) {
		/* e.g. no ICMP error about an ICMP error (RFC 1122 3.2.2) */
		VF__TR(c, "no reply is due");
		return VF_DROP_NONE;
	}
	return emit(c, src, c->reply, len);
}

/* The router's own addresses: it answers ICMP echo, nothing else. */
static vf_drop_reason to_router(struct vf__ctx *c, const struct vf__tport *src,
				struct vf__pkt *p)
{
	vf_drop_reason r;
	vf__ipstr a;

	nocache(c);
	if (p->frag_off || p->frag_more) {
		VF__TR(c, "router: %s does not reassemble fragments",
		       vf__ip_str(a, p->ip_dst));
		return drop(c, src, VF_DROP_FRAGMENT);
	}
	if ((r = secgroups(c, src, VF_DIR_EGRESS, p)))
		return r;
	if (p->ip_proto == VF_PROTO_ICMP && p->has_l4 && p->icmp_type == 8) {
		VF__TR(c, "router: echo request to %s, replying",
		       vf__ip_str(a, p->ip_dst));
		return answer(c, src,
			      vf__build_echo_reply(c->reply, c->reply_cap, p,
						   &src->subnet->rvmac, p->ip_dst));
	}
	VF__TR(c, "router: %s answers only ICMP echo", vf__ip_str(a, p->ip_dst));
	return drop(c, src, VF_DROP_NO_ROUTE);
}

/* Whether @ip is one of the router's addresses in @cell. */
static bool router_addr(const struct vf__tcell *cell, uint32_t ip)
{
	for (uint32_t i = 0; i < cell->nsubnets; i++)
		if (cell->subnets[i]->routed && cell->subnets[i]->gateway == ip)
			return true;
	return false;
}

/* The distributed router: a frame sent to the RVMAC. */
static vf_drop_reason route(struct vf__ctx *c, const struct vf__tport *src,
			    struct vf__pkt *p)
{
	const struct vf__tcell *cell = src->subnet->cell;
	const struct vf__tsubnet *to;
	const struct vf__troute *rt_;
	uint32_t vip = p->ip_dst;
	vf__ipstr a, b;

	if (router_addr(cell, p->ip_dst))
		return to_router(c, src, p);
	if (p->ip_ttl <= 1) {
		VF__TR(c, "router: TTL %u runs out, ICMP time exceeded to the sender",
		       p->ip_ttl);
		answer(c, src,
		       vf__build_icmp_error(c->reply, c->reply_cap, p, 11, 0,
					    &src->subnet->rvmac, src->subnet->gateway));
		return drop(c, src, VF_DROP_TTL_EXCEEDED);
	}
	rec_flags(c, VF__FC_TTL);
	to = vf__t_subnet_of(cell, p->ip_dst);
	if (to == src->subnet) {
		/* hairpin: bridged, so that a receiver on another host, which
		 * cannot tell, sees the same frame as a local one */
		VF__TR(c, "router: %s is in the sender's own subnet: bridged",
		       vf__ip_str(a, p->ip_dst));
		return deliver(c, src, p, cell, p->ip_dst, false);
	}
	if (to && to->routed) {
		VF__TR(c, "router: %s is in subnet %u, TTL %u -> %u",
		       vf__ip_str(a, p->ip_dst), to->id, p->ip_ttl, p->ip_ttl - 1);
	} else if ((rt_ = vf__t_route(cell, p->ip_dst)) &&
		   (to = vf__t_subnet_of(cell, rt_->next_hop)) && to->routed) {
		vip = rt_->next_hop;
		VF__TR(c, "router: %s by static route via %s, TTL %u -> %u",
		       vf__ip_str(a, p->ip_dst), vf__ip_str(b, vip), p->ip_ttl,
		       p->ip_ttl - 1);
	} else if ((to = vf__t_any_subnet_of(c->t, p->ip_dst)) && to->cell != cell &&
		   to->routed) {
		VF__TR(c,
		       "router: %s is in cell %u, subnet %u (inter-cell), TTL %u -> %u",
		       vf__ip_str(a, p->ip_dst), to->cell->id, to->id, p->ip_ttl,
		       p->ip_ttl - 1);
	} else {
		VF__TR(c, "router: no route to %s", vf__ip_str(a, p->ip_dst));
		return drop(c, src, VF_DROP_NO_ROUTE);
	}
	vf__pkt_dec_ttl(p);
	rec_flags(c, VF__FC_DEC_TTL);
	return deliver(c, src, p, to->cell, vip, true);
}

/* A frame to a MAC in the sender's own subnet. */
static vf_drop_reason bridge(struct vf__ctx *c, const struct vf__tport *src,
			     struct vf__pkt *p)
{
	const struct vf__tsubnet *s = src->subnet;
	vf__ipstr a;

	if ((p->ip_dst & s->mask) != s->net) {
		VF__TR(c,
		       "bridge: %s is outside subnet %u and the frame is not for the "
		       "router's MAC",
		       vf__ip_str(a, p->ip_dst), s->id);
		return drop(c, src, VF_DROP_NO_ROUTE);
	}
	VF__TR(c, "bridge: %s in subnet %u", vf__ip_str(a, p->ip_dst), s->id);
	return deliver(c, src, p, s->cell, p->ip_dst, false);
}

struct flood {
	struct vf__ctx *c;
	const struct vf__tport *src;
	struct vf__pkt *p;
	vf_mac smac, dmac;
};

static void flood_host(void *arg, const vf_mac *host)
{
	struct flood *fl = arg;

	to_host(fl->c, fl->src, fl->p, host);
	/* the next copy starts from the VM's addresses again */
	vf__pkt_set_macs(fl->p, &fl->smac, &fl->dmac);
}

/* Broadcast and multicast stay in their subnet: a copy to each other
 * local port of it, and one unicast copy to each host with ports in it. */
static vf_drop_reason flood(struct vf__ctx *c, const struct vf__tport *src,
			    struct vf__pkt *p)
{
	const struct vf__tsubnet *s = src->subnet;
	struct flood fl = {c, src, p, p->src, p->dst};
	vf_drop_reason r;

	nocache(c);
	c->stable = NULL; /* copies, each with its own MACs */
	if ((r = secgroups(c, src, VF_DIR_EGRESS, p)) ||
	    (r = cell_policy(c, s->cell->id, s->cell, p, src)) ||
	    (r = qos(c, src, VF_DIR_EGRESS, p)))
		return r;
	VF__TR(c, "flood: broadcast/multicast stays in subnet %u (%u local ports)", s->id,
	       s->nports);
	for (uint32_t i = 0; i < s->nports; i++) {
		if (s->ports[i] == src)
			continue;
		to_local(c, s->ports[i], p, &fl.smac, true);
	}
	vf__loc_hosts(c->locs, s->cell->id, s->id, flood_host, &fl);
	return VF_DROP_NONE;
}

/* A link subnet is a cable: everything goes to the other end. */
static vf_drop_reason link_peer(struct vf__ctx *c, const struct vf__tport *src,
				struct vf__pkt *p)
{
	const struct vf__tsubnet *s = src->subnet;
	const vf_location *l = NULL;

	for (uint32_t i = 0; i < s->nports; i++)
		if (s->ports[i] != src)
			return deliver(c, src, p, s->cell, s->ports[i]->vip, false);
	/* the other end is elsewhere: most frames on a cable are addressed to
	 * it; else look through the (small) subnet */
	l = vf__loc_get(c->locs, s->cell->id, p->ip_dst);
	if (l && l->subnet_id != s->id)
		l = NULL;
	for (uint32_t ip = s->net; !l && ip <= s->bcast && s->bcast - s->net < 256; ip++)
		if (ip != src->vip)
			l = vf__loc_get(c->locs, s->cell->id, ip);
	if (l) {
		VF__TR(c, "link: the other end is on another host");
		return deliver(c, src, p, s->cell, l->vip, false);
	}
	VF__TR(c, "link subnet %u has no other end", s->id);
	return drop(c, src, VF_DROP_LINK_UNPAIRED);
}

/* The MAC a local answer for @ip comes with, if this host answers ARP
 * for it on @s: the router's, a port's, or a known location's. */
static bool arp_target(struct vf__ctx *c, const struct vf__tport *src, uint32_t ip,
		       vf_mac *mac, const char **who)
{
	const struct vf__tsubnet *s = src->subnet;
	const struct vf__tport *q;
	const vf_location *l;

	if (s->routed && ip == s->gateway) {
		*mac = s->rvmac;
		*who = "the router";
		return true;
	}
	if ((q = vf__t_port(c->t, s->cell->id, ip)) && q->subnet == s && q != src) {
		*mac = q->vmac;
		*who = "a local port";
		return true;
	}
	if ((l = vf__loc_get(c->locs, s->cell->id, ip)) && l->subnet_id == s->id) {
		*mac = l->vmac;
		*who = "a VM on another host";
		return true;
	}
	return false;
}

/* ARP is answered here and never broadcast. */
static vf_drop_reason arp(struct vf__ctx *c, const struct vf__tport *src,
			  struct vf__pkt *p)
{
	const struct vf__tsubnet *s = src->subnet;
	const char *who;
	vf_mac mac;
	vf__ipstr a, b;
	vf__macstr m;

	if (memcmp(&p->arp_sha, &src->vmac, sizeof(vf_mac))) {
		VF__TR(c, "ARP: sender MAC %s is not the port's VMAC",
		       vf__mac_str(m, &p->arp_sha));
		return drop(c, src, VF_DROP_SPOOF_MAC);
	}
	if (p->arp_spa != src->vip && p->arp_spa != 0) {
		VF__TR(c, "ARP: sender address %s is not the port's VIP",
		       vf__ip_str(a, p->arp_spa));
		return drop(c, src, VF_DROP_SPOOF_IP);
	}
	if (p->arp_op != 1 || p->arp_spa == p->arp_tpa) {
		VF__TR(c, "ARP: %s from %s for its own address, absorbed",
		       p->arp_op == 1 ? "gratuitous request" : "reply",
		       vf__ip_str(a, p->arp_spa));
		return VF_DROP_NONE;
	}
	if ((p->arp_tpa & s->mask) != s->net) {
		VF__TR(c, "ARP: who-has %s, outside subnet %u", vf__ip_str(a, p->arp_tpa),
		       s->id);
		return drop(c, src, VF_DROP_ARP_INVALID);
	}
	if (arp_target(c, src, p->arp_tpa, &mac, &who)) {
		VF__TR(c, "ARP: %s is %s, replying %s", vf__ip_str(a, p->arp_tpa), who,
		       vf__mac_str(m, &mac));
		return answer(
			c, src,
			vf__build_arp_reply(c->reply, c->reply_cap, p, &mac, p->arp_tpa));
	}
	if (p->arp_tpa == s->gateway || p->arp_tpa == src->vip) {
		VF__TR(c, "ARP: who-has %s: nothing answers there",
		       vf__ip_str(a, p->arp_tpa));
		return drop(c, src, VF_DROP_ARP_INVALID);
	}
	VF__TR(c,
	       "ARP: %s in subnet %u is not known yet; the request waits for its "
	       "location",
	       vf__ip_str(b, p->arp_tpa), s->id);
	if (c->dry)
		return vf__loc_can_park(c->f, p->len, c->now)
			       ? VF_DROP_NONE
			       : drop(c, src, VF_DROP_ARP_PENDING_FULL);
	vf__loc_request(c->f, s->cell->id, p->arp_tpa);
	if (vf__loc_park(c->f, src, s->cell->id, p->arp_tpa, p->data, p->len, c->now) < 0)
		return drop(c, src, VF_DROP_ARP_PENDING_FULL);
	return VF_DROP_NONE;
}

void vf__pipe_arp_answer(vf_fabric *f, uint32_t cell, uint32_t vip, uint32_t serial,
			 const uint8_t *req, uint32_t len, const vf_mac *mac)
{
	uint8_t frame[64], reply[64];
	struct vf__pkt p;
	const struct vf__tables *t = vf__pipe_tables(f);
	const struct vf__tport *src;
	struct vf__ctx c = {.f = f,
			    .t = t,
			    .locs = f->locs,
			    .now = vf__now_ns(f),
			    .reply = reply,
			    .reply_cap = sizeof(reply)};

	/* the port is the one that asked if its table entry is */
	if (!t || len > sizeof(frame) || !(src = vf__t_port(t, cell, vip)) ||
	    src->serial != serial)
		return;
	memcpy(frame, req, len);
	if (vf__pkt_parse(&p, frame, len) < 0)
		return;
	answer(&c, src, vf__build_arp_reply(reply, sizeof(reply), &p, mac, p.arp_tpa));
}

/* DHCP from a port's client, answered here from the port's configuration. */
static vf_drop_reason dhcp(struct vf__ctx *c, const struct vf__tport *src,
			   struct vf__pkt *p)
{
	const struct vf__tsubnet *s = src->subnet;
	struct vf__dhcpd_cfg cfg = s->dhcp_cfg;
	struct vf__dhcp_msg req;
	struct vf__dhcp_reply rep;
	uint32_t dst_ip, n, room;
	vf_mac smac, dmac;
	int rc;
	vf__ipstr a;
	vf__macstr m;

	nocache(c);
	if (!s->dhcp) {
		VF__TR(c, "DHCP: the server is off on subnet %u", s->id);
		return drop(c, src, VF_DROP_DHCP_INVALID);
	}
	/* the DHCP message is the UDP payload, as long as the UDP header says;
	 * the parser checked that against the datagram except in fragments,
	 * which DHCP never needs */
	if (p->frag_more || p->frag_off ||
	    (uint32_t)p->l4 + vf__get16(p->data + p->l4 + 4) > p->len) {
		VF__TR(c, "DHCP: a fragment, or a UDP length past the frame");
		return drop(c, src, VF_DROP_DHCP_INVALID);
	}
	rc = vf__dhcp_parse(&req, p->data + p->payload,
			    (uint32_t)vf__get16(p->data + p->l4 + 4) - VF__UDP_HLEN);
	if (rc < 0) {
		VF__TR(c, "DHCP: %s", vf__dhcp_strerror(rc));
		/* a BOOTREPLY is a server's message, whatever its ports */
		return drop(c, src,
			    rc == VF__DHCP_EOP ? VF_DROP_DHCP_SERVER
					       : VF_DROP_DHCP_INVALID);
	}
	cfg.vmac = src->vmac;
	cfg.vip = src->vip;
	rc = vf__dhcpd_answer(&req, &cfg, &rep);
	VF__TR(c, "DHCP: %s from %s", vf__dhcp_type_name(req.msg_type),
	       vf__mac_str(m, &req.chaddr));
	if (rc < 0)
		return drop(c, src, (vf_drop_reason)-rc);
	if (rc == 0) {
		VF__TR(c, "DHCP: nothing to answer");
		return VF_DROP_NONE;
	}
	/* RFC 2131 4.1: to ciaddr if the client has one, broadcast if it asks
	 * or for a NAK, else to its MAC and the address offered */
	smac = s->routed ? s->rvmac : vf__mac_derive(0x06, s->cell->id, cfg.server_id);
	if (rep.msg_type != VF__DHCPNAK && req.ciaddr) {
		dst_ip = req.ciaddr;
		dmac = req.chaddr;
	} else if (rep.msg_type == VF__DHCPNAK || (req.flags & 0x8000)) {
		dst_ip = 0xffffffff;
		dmac = bcast_mac;
	} else {
		dst_ip = rep.yiaddr;
		dmac = req.chaddr;
	}
	room = c->reply_cap - VF__ETH_HLEN - VF__IP_HLEN_MIN - VF__UDP_HLEN;
	n = vf__dhcp_build(c->reply + VF__ETH_HLEN + VF__IP_HLEN_MIN + VF__UDP_HLEN, room,
			   &req, &rep);
	VF__TR(c, "DHCP: %s %s to %s", vf__dhcp_type_name(rep.msg_type),
	       rep.yiaddr ? vf__ip_str(a, rep.yiaddr) : "",
	       dst_ip == 0xffffffff ? "broadcast" : "");
	if (!n)
		return drop(c, src, VF_DROP_DHCP_INVALID);
	return answer(c, src,
		      vf__build_udp(c->reply, c->reply_cap, &smac, &dmac, cfg.server_id,
				    dst_ip, VF__DHCP_SERVER_PORT, VF__DHCP_CLIENT_PORT,
				    n));
}

static vf_drop_reason ipv4_from_port(struct vf__ctx *c, const struct vf__tport *src,
				     struct vf__pkt *p)
{
	const struct vf__tsubnet *s = src->subnet;
	bool udp = p->ip_proto == VF_PROTO_UDP && p->has_l4;
	vf__ipstr a;

	if (udp && p->sport == VF__DHCP_CLIENT_PORT && p->dport == VF__DHCP_SERVER_PORT &&
	    (p->ip_src == 0 || p->ip_src == src->vip))
		return dhcp(c, src, p);
	if (p->ip_src != src->vip) {
		VF__TR(c, "source address %s is not the port's VIP",
		       vf__ip_str(a, p->ip_src));
		return drop(c, src, VF_DROP_SPOOF_IP);
	}
	if (udp && p->sport == VF__DHCP_SERVER_PORT) {
		VF__TR(c, "a DHCP server message from a VM");
		return drop(c, src, VF_DROP_DHCP_SERVER);
	}
	if (p->ip_proto == VF_PROTO_ICMP && p->has_l4 && p->icmp_type == 9) {
		VF__TR(c, "an ICMP router advertisement from a VM");
		return drop(c, src, VF_DROP_ROUTER_ADVERT);
	}
	if (p->ip_len > s->mtu) {
		VF__TR(c, "%u bytes is over subnet %u's MTU of %u", p->ip_len, s->id,
		       s->mtu);
		return drop(c, src, VF_DROP_TOO_BIG);
	}
	if (c->rec)
		c->rec->e.mtu = s->mtu < UINT16_MAX ? (uint16_t)s->mtu : UINT16_MAX;
	if (s->kind == VF_SUBNET_LINK)
		return link_peer(c, src, p);
	if (p->dst.addr[0] & 1)
		return flood(c, src, p);
	if (s->routed && !memcmp(&p->dst, &s->rvmac, sizeof(vf_mac)))
		return route(c, src, p);
	return bridge(c, src, p);
}

static vf_drop_reason from_port(struct vf__ctx *c, const struct vf__tport *src,
				uint8_t *buf, uint32_t len)
{
	struct vf__pkt p;
	int rc;
	vf__macstr s, d;

	if (!src)
		return drop(c, NULL, VF_DROP_PORT_DOWN);
	c->src = src;
	rc = vf__pkt_parse(&p, buf, len);
	VF__TR(c, "from port '%s' (cell %u, subnet %u): %u bytes, %s -> %s",
	       src->port->entry.name, src->subnet->cell->id, src->subnet->id, len,
	       vf__mac_str(s, (const vf_mac *)(buf + 6)),
	       vf__mac_str(d, (const vf_mac *)buf));
	if (!c->dry) {
		VF__CNT_ADD(rt(src)->rx_packets, 1);
		VF__CNT_ADD(rt(src)->rx_bytes, len);
	}
	if (rc < 0) {
		VF__TR(c, "parse: %s", vf__pkt_strerror(rc));
		return drop(c, src,
			    rc == VF__PKT_EUNSUPP ? VF_DROP_UNSUPPORTED
						  : VF_DROP_MALFORMED);
	}
	if (!src->up)
		return drop(c, src, VF_DROP_PORT_DOWN);
	if (memcmp(&p.src, &src->vmac, sizeof(vf_mac))) {
		VF__TR(c, "source MAC is not the port's VMAC %s",
		       vf__mac_str(d, &src->vmac));
		return drop(c, src, VF_DROP_SPOOF_MAC);
	}
	if (p.has_vlan) {
		VF__TR(c, "an 802.1Q tag from a VM");
		return drop(c, src, VF_DROP_UNSUPPORTED);
	}
	if (p.ethertype == VF__ETH_P_ARP)
		return arp(c, src, &p);
	return ipv4_from_port(c, src, &p);
}

/* The sender's VMAC for a frame from the underlay: its location's, or
 * the one it would have by default. */
static vf_mac sender_vmac(struct vf__ctx *c, uint32_t cell, uint32_t ip)
{
	const vf_location *l = vf__loc_get(c->locs, cell, ip);

	return l ? l->vmac : vf__mac_derive(0x02, cell, ip);
}

/* The local port a unicast frame from the underlay is for. */
static const struct vf__tport *underlay_target(struct vf__ctx *c, const struct vf__pkt *p,
					       const struct vf__tsubnet *from)
{
	const struct vf__tport *dst;
	const struct vf__troute *r;

	/* a cable first: what comes over a link goes to its other end,
	 * whatever the IP destination (VMs relay for each other) */
	if (from && from->kind == VF_SUBNET_LINK) {
		for (uint32_t i = 0; i < from->nports; i++)
			if (from->ports[i]->vip != p->ip_src)
				return from->ports[i];
		return NULL;
	}
	if ((dst = vf__t_port_any(c->t, p->ip_dst)))
		return dst;
	if (from && (r = vf__t_route(from->cell, p->ip_dst))) {
		VF__TR(c, "static route of cell %u: next hop %08x", from->cell->id,
		       r->next_hop);
		return vf__t_port(c->t, from->cell->id, r->next_hop);
	}
	return NULL;
}

static vf_drop_reason underlay_flood(struct vf__ctx *c, struct vf__pkt *p,
				     const struct vf__tsubnet *from)
{
	vf_mac smac, dmac = bcast_mac;

	nocache(c);
	c->stable = NULL; /* one copy per port */
	if (!from) {
		VF__TR(c, "broadcast from a subnet not configured here");
		return drop(c, NULL, VF_DROP_NOT_HERE);
	}
	if ((p->ip_dst >> 28) == 0xe) {
		/* IPv4 multicast MAC (RFC 1112): 01:00:5e + the low 23 bits */
		dmac = (vf_mac){{0x01, 0x00, 0x5e, (uint8_t)((p->ip_dst >> 16) & 0x7f),
				 (uint8_t)(p->ip_dst >> 8), (uint8_t)p->ip_dst}};
	}
	smac = sender_vmac(c, from->cell->id, p->ip_src);
	VF__TR(c, "broadcast/multicast for subnet %u: %u local ports", from->id,
	       from->nports);
	vf__pkt_set_macs(p, &smac, &dmac);
	for (uint32_t i = 0; i < from->nports; i++)
		if (!cell_policy(c, from->cell->id, from->cell, p, from->ports[i]))
			to_local(c, from->ports[i], p, &smac, true);
	return VF_DROP_NONE;
}

static vf_drop_reason from_underlay(struct vf__ctx *c, uint8_t *buf, uint32_t len)
{
	const struct vf__tsubnet *from;
	const struct vf__tport *dst;
	const vf_location *l;
	struct vf__pkt p;
	uint32_t src_cell, moved_cell;
	vf_mac smac;
	int rc = vf__pkt_parse(&p, buf, len);
	vf__ipstr a, b;

	VF__TR(c, "from the underlay: %u bytes", len);
	if (rc < 0 && rc != VF__PKT_EUNSUPP) {
		VF__TR(c, "parse: %s", vf__pkt_strerror(rc));
		return drop(c, NULL, VF_DROP_MALFORMED);
	}
	if (vf__mac_is_zero(&c->t->host_mac) ||
	    memcmp(&p.dst, &c->t->host_mac, sizeof(vf_mac)))
		return drop(c, NULL, VF_DROP_NOT_FOR_HOST);
	if (rc < 0 || p.ethertype != VF__ETH_P_IPV4 || p.has_vlan ||
	    c->t->wire_mode != VF_WIRE_REWRITE)
		return drop(c, NULL, VF_DROP_UNSUPPORTED);
	if (c->t->host_ip && p.ip_dst == c->t->host_ip) {
		/* the host's own traffic: its stack has it too (a datapath
		 * only copies), nothing for the fabric to do or count */
		VF__TR(c, "to this host's own address %s: left to the host",
		       vf__ip_str(a, p.ip_dst));
		return VF_DROP_NONE;
	}
	from = vf__t_any_subnet_of(c->t, p.ip_src);
	l = from ? NULL : vf__loc_get_any(c->locs, p.ip_src);
	src_cell = from ? from->cell->id : l ? l->cell_id : 0;
	VF__TR(c, "%s (cell %u) -> %s", vf__ip_str(a, p.ip_src), src_cell,
	       vf__ip_str(b, p.ip_dst));
	if (p.ip_dst == 0xffffffff || (p.ip_dst >> 28) == 0xe ||
	    (from && p.ip_dst == from->bcast))
		return underlay_flood(c, &p, from);
	if (!(dst = underlay_target(c, &p, from))) {
		if (vf__loc_moved(c->locs, p.ip_dst, c->now, &moved_cell))
			return forward_moved(c, &p, moved_cell);
		VF__TR(c, "no port here has %s", vf__ip_str(a, p.ip_dst));
		return drop(c, NULL, VF_DROP_NOT_HERE);
	}
	if ((rc = cell_policy(c, src_cell, dst->subnet->cell, &p, dst)))
		return (vf_drop_reason)rc;
	if (from == dst->subnet || dst->subnet->kind == VF_SUBNET_LINK ||
	    !dst->subnet->routed)
		smac = sender_vmac(c, src_cell, p.ip_src);
	else
		smac = dst->subnet->rvmac;
	return to_local(c, dst, &p, &smac, false);
}

/* ---- the flow cache's short path ---- */

/* A port's security groups for a frame of a cached flow: as secgroups(),
 * with the rules' answer kept in the entry once they were asked. */
static inline vf_drop_reason
cached_secgroups(struct vf__ctx *c, const struct vf__tport *port, vf_direction dir,
		 struct vf__fc_entry *e, const struct vf__flow *fl, uint8_t tcp_flags)
{
	uint16_t known = dir == VF_DIR_EGRESS ? VF__FC_SG_OUT_KNOWN : VF__FC_SG_IN_KNOWN;
	uint16_t allow = dir == VF_DIR_EGRESS ? VF__FC_SG_OUT_ALLOW : VF__FC_SG_IN_ALLOW;
	uint32_t zone = port->serial;

	if (vf__ct_lookup_hint(c->f->ct, zone, fl, tcp_flags, c->now,
			       &e->ct_hint[dir == VF_DIR_INGRESS]) != VF__CT_NEW)
		return VF_DROP_NONE;
	if (!(e->flags & known))
		e->flags |=
			known | (vf__ruleset_allows(&port->rules, dir, fl) ? allow : 0);
	if (!(e->flags & allow))
		return drop(c, port,
			    dir == VF_DIR_INGRESS ? VF_DROP_SECGROUP_INGRESS
						  : VF_DROP_SECGROUP_EGRESS);
	vf__ct_commit(c->f->ct, zone, fl, tcp_flags, c->now);
	return VF_DROP_NONE;
}

/*
 * A frame of a flow the cache knows, from port @src (NULL: the underlay):
 * the per-packet part of decision @e, in the order the stages take it.
 * Returns -1, having changed nothing, when the frame must take the whole
 * pipeline: over the MTU, a TTL that runs out, TCP SYN, FIN or RST (they
 * move connection tracking), a source MAC that is not the port's, or
 * nowhere to send it (vf__out_ready()).
 */
static int cached(struct vf__ctx *c, const struct vf__tport *src, struct vf__fc_entry *e,
		  const struct vf__fc_pkt *fp, uint8_t *buf, uint32_t len)
{
	const struct vf__tport *to = e->to;
	const struct vf__flow *fl = &fp->fl;
	uint16_t flags = e->flags;
	vf_drop_reason r;

	if (fp->ip_len > e->mtu || ((flags & VF__FC_TTL) && fp->ttl <= 1) ||
	    (fp->tcp_flags & (VF__TCP_SYN | VF__TCP_FIN | VF__TCP_RST)) ||
	    !vf__out_ready(c->f, c->t, to) ||
	    (src && memcmp(buf + 6, &src->vmac, sizeof(vf_mac))))
		return -1;
	if (src) {
		VF__CNT_ADD(rt(src)->rx_packets, 1);
		VF__CNT_ADD(rt(src)->rx_bytes, len);
	}
	if (flags & VF__FC_DEC_TTL) {
		uint8_t *ip = buf + VF__ETH_HLEN;
		uint16_t old = vf__get16(ip + 8);

		ip[8]--;
		vf__put16(ip + 10,
			  vf__csum_update16(vf__get16(ip + 10), old, vf__get16(ip + 8)));
	}
	if ((flags & VF__FC_SG_OUT) &&
	    (r = cached_secgroups(c, src, VF_DIR_EGRESS, e, fl, fp->tcp_flags)))
		return (int)r;
	if ((flags & VF__FC_PAIR_COMMIT))
		vf__ct_commit(c->f->ct, e->pair_zone, fl, fp->tcp_flags, c->now);
	else if ((flags & VF__FC_PAIR_LOOKUP) &&
		 vf__ct_lookup(c->f->ct, e->pair_zone, fl, fp->tcp_flags, c->now) ==
			 VF__CT_NEW)
		return (int)drop(c, src ? src : to, VF_DROP_INTER_CELL);
	if (src && limited(&rt(src)->bucket[VF_DIR_EGRESS]) &&
	    (r = qos_take(c, src, VF_DIR_EGRESS, fp->ip_len)))
		return (int)r;
	if (to) {
		if ((flags & VF__FC_SG_IN) &&
		    (r = cached_secgroups(c, to, VF_DIR_INGRESS, e, fl, fp->tcp_flags)))
			return (int)r;
		if (limited(&rt(to)->bucket[VF_DIR_INGRESS]) &&
		    (r = qos_take(c, to, VF_DIR_INGRESS, fp->ip_len)))
			return (int)r;
		VF__CNT_ADD(rt(to)->tx_packets, 1);
		VF__CNT_ADD(rt(to)->tx_bytes, len);
	}
	memcpy(buf, &e->dmac, sizeof(vf_mac));
	memcpy(buf + 6, &e->smac, sizeof(vf_mac));
	vf__out(c->f, c->t, c->txq, to, buf, len, buf == c->stable);
	c->sent++;
	return VF_DROP_NONE;
}

/* A frame of flow @fp the cache does not know: the whole pipeline,
 * recording its decision, which is kept if the frame went to one place by
 * a path the cache can repeat. */
static __attribute__((noinline)) vf_drop_reason record(struct vf__ctx *c,
						       const struct vf__tport *src,
						       uint8_t *buf, uint32_t len,
						       const struct vf__fc_pkt *fp)
{
	struct vf__fc_rec rec;
	vf_drop_reason r;
	int sent = c->sent;

	c->fc->misses++;
	/* broadcast and multicast destinations are never kept */
	if (fp->fl.dst == 0xffffffff || (fp->fl.dst >> 28) == 0xe)
		return src ? from_port(c, src, buf, len) : from_underlay(c, buf, len);
	memset(&rec, 0, sizeof(rec));
	rec.e.mtu = UINT16_MAX;
	c->rec = &rec;
	r = src ? from_port(c, src, buf, len) : from_underlay(c, buf, len);
	if (c->rec && rec.final && r == VF_DROP_NONE && c->sent == sent + 1)
		vf__fc_insert(c->fc, fp, &rec.e);
	c->rec = NULL;
	return r;
}

/* The flow cache around a frame from port @src (NULL: the underlay): the
 * short path when its flow is known, else record(). */
static vf_drop_reason with_cache(struct vf__ctx *c, const struct vf__tport *src,
				 uint8_t *buf, uint32_t len)
{
	struct vf__fc_entry *e;
	struct vf__fc_pkt fp;
	int hit;

	if (!vf__fc_parse(&fp, buf, len, src ? src->serial : 0))
		return src ? from_port(c, src, buf, len) : from_underlay(c, buf, len);
	vf__fc_sync(c->fc, c->t->gen, vf__locs_gen(c->locs));
	if ((e = vf__fc_find(c->fc, &fp)) &&
	    (hit = cached(c, src, e, &fp, buf, len)) >= 0) {
		c->fc->hits++;
		return (vf_drop_reason)hit;
	}
	return record(c, src, buf, len, &fp);
}

vf_drop_reason vf__pipe_from_port(struct vf__ctx *c, const struct vf__tport *src,
				  uint8_t *buf, uint32_t len)
{
	if (c->fc && !c->dry && src)
		return with_cache(c, src, buf, len);
	return from_port(c, src, buf, len);
}

vf_drop_reason vf__pipe_from_underlay(struct vf__ctx *c, uint8_t *buf, uint32_t len)
{
	if (c->fc && !c->dry)
		return with_cache(c, NULL, buf, len);
	return from_underlay(c, buf, len);
}
