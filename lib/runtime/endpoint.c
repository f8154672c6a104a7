/*
 * Endpoints (datapath.h): binding ports and the underlay to a datapath,
 * the netdevs a bind creates, link state, and sending frames out.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "netlink/nl.h"
#include "pipeline/location.h"
#include "pipeline/pipeline.h"
#include "runtime/runtime.h"

#define CREATE_FLAGS (VF_BIND_F_CREATE_TAP | VF_BIND_F_CREATE_VETH)
#define BIND_FLAGS (CREATE_FLAGS | VF_BIND_F_OWN)

/* ---- sending ---- */

static bool is_callback(const struct vf__endpoint *ep)
{
	return ep->dp->ops.tx == vf__callback_ops.tx;
}

static bool is_netdev(const struct vf__dp *dp)
{
	return dp->ops.flags & VF_DATAPATH_F_NETDEV;
}

static bool has_flush(const struct vf__endpoint *ep)
{
	return ep->dp->ops.sz >= vf__offsetofend(vf_datapath_ops, flush) &&
	       ep->dp->ops.flush;
}

/* Sends @n frames through @ep (and flushes, for a datapath that queues):
 * under the endpoint's lock, which orders the senders (several workers,
 * and the control thread) and keeps ep_gone() from closing the state
 * mid-call. */
static void ep_tx(struct vf__endpoint *ep, const vf_frame *frames, int n)
{
	int rc, took, err;

	pthread_mutex_lock(&ep->lock);
	if (ep->gone) { /* its netdev vanished */
		pthread_mutex_unlock(&ep->lock);
		VF__CNT_ADD(ep->tx_dropped, (uint64_t)n);
		return;
	}
	rc = ep->dp->ops.tx(ep->state, frames, n);
	if (has_flush(ep) && (err = ep->dp->ops.flush(ep->state)) < 0)
		vf_dbg(ep->f, "endpoint '%s': flush failed (%d)", ep->ifname, err);
	pthread_mutex_unlock(&ep->lock);
	took = rc < 0 ? 0 : rc > n ? n : rc;
	for (int i = 0; i < took; i++)
		VF__CNT_ADD(ep->tx_bytes, frames[i].len);
	VF__CNT_ADD(ep->tx_packets, (uint64_t)took);
	VF__CNT_ADD(ep->tx_dropped, (uint64_t)(n - took));
}

void vf__txq_flush(struct vf__txq *q)
{
	vf_frame batch[VF__TXQ_FRAMES];

	/* Send each endpoint's frames in one call, in the order staged. */
	for (unsigned int i = 0; i < q->n; i++) {
		struct vf__endpoint *ep = q->e[i].ep;
		int n = 0;

		if (!ep)
			continue;
		for (unsigned int j = i; j < q->n; j++) {
			if (q->e[j].ep != ep)
				continue;
			batch[n++] = (vf_frame){.data = q->e[j].p, .len = q->e[j].len};
			q->e[j].ep = NULL;
		}
		ep_tx(ep, batch, n);
	}
	q->n = 0;
	q->used = 0;
}

void vf__out_ep(struct vf__endpoint *ep, struct vf__txq *q, const uint8_t *frame,
		uint32_t len, bool stable)
{
	vf_frame one = {.data = frame, .len = len};

	if (!q || is_callback(ep) || len > VF__TXQ_BYTES) {
		ep_tx(ep, &one, 1);
		return;
	}
	if (q->n == VF__TXQ_FRAMES || (!stable && q->used + len > VF__TXQ_BYTES))
		vf__txq_flush(q);
	q->e[q->n].ep = ep;
	q->e[q->n].len = len;
	if (stable) {
		q->e[q->n].p = frame;
	} else {
		memcpy(q->buf + q->used, frame, len);
		q->e[q->n].p = q->buf + q->used;
		q->used += len;
	}
	q->n++;
}

/* ---- link state ---- */

static void set_link(struct vf__endpoint *ep, bool up)
{
	if (ep->link_up == up)
		return;
	ep->link_up = up;
	if (!up)
		ep->link_downs++;
	vf_info(ep->f, "%s%s: link %s", ep->port ? "port " : "underlay ",
		ep->port ? ep->port->entry.name : ep->ifname, up ? "up" : "down");
	if (ep->port) {
		ep->port->link_down = !up;
		vf__touch(&ep->port->obj);
	}
}

static int open_ep(vf_fabric *f, struct vf__endpoint *ep, const vf_bind_opts *o,
		   void **state, int *fd);

/* A datapath state to close once no worker can be using it. */
struct closing {
	struct vf__dp *dp;
	void *state;
};

static void close_state(void *arg)
{
	struct closing *c = arg;

	c->dp->ops.close(c->state);
	free(c);
}

/* Closes @state of @ep after a grace period: a worker may be receiving
 * from it (it loaded it before it went out of use). Closing a socket can
 * wait for the kernel (synchronize_net), which workers never wait for.
 * Without memory for the note, waits for the workers and closes now. */
static void close_later(struct vf__endpoint *ep, void *state)
{
	struct closing *c = malloc(sizeof(*c));

	if (!c) {
		vf__qsbr_barrier(ep->f->qsbr);
		ep->dp->ops.close(state);
		return;
	}
	*c = (struct closing){ep->dp, state};
	vf__runtime_defer(ep->f, close_state, c);
}

/* The netdev of an endpoint vanished: its socket is bound to an interface
 * that is gone for good. Stop polling it and close it (a worker would
 * otherwise be woken by its error for ever). */
static void ep_gone(struct vf__endpoint *ep)
{
	vf__worker_unassign(ep);
	pthread_mutex_lock(&ep->lock); /* no sender is in a tx call on it */
	/* seq_cst: workers load it without the lock (rx_batch()) */
	__atomic_store_n(&ep->gone, true, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&ep->lock);
	close_later(ep, ep->state);
	vf_info(ep->f, "%s '%s' vanished: closed until it is back",
		ep->port ? "port netdev" : "underlay netdev", ep->ifname);
}

/* A netdev of that name is back (a restarted VM, a re-created tap): open
 * it again. */
static void ep_back(struct vf__endpoint *ep)
{
	vf_bind_opts o = {.sz = sizeof(o), .ifname = ep->ifname};
	bool was = ep->link_up, now;
	void *state;
	int fd;

	if (open_ep(ep->f, ep, &o, &state, &fd) < 0) {
		vf_warn(ep->f, "'%s' is back but cannot be opened: %s", ep->ifname,
			vf_last_error());
		ep->link_up = was;
		return;
	}
	now = ep->link_up;
	ep->link_up = was;
	pthread_mutex_lock(&ep->lock);
	/* seq_cst: workers load these without the lock (rx_batch()); the
	 * state first, so that one that sees it back sees the new state */
	__atomic_store_n(&ep->state, state, __ATOMIC_SEQ_CST);
	__atomic_store_n(&ep->fd, fd, __ATOMIC_SEQ_CST);
	__atomic_store_n(&ep->gone, false, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&ep->lock);
	ep->reopens++;
	vf__worker_assign(ep->f, ep);
	set_link(ep, now);
}

static void on_link(void *arg, const char *name, int ifindex, bool present, bool oper_up)
{
	vf_fabric *f = arg;
	struct vf__endpoint *ep;

	(void)ifindex;
	VF__EACH(ep, &f->rt->endpoints, struct vf__endpoint, node)
	{
		if (!is_netdev(ep->dp) || strcmp(ep->ifname, name))
			continue;
		if (!present && !ep->gone)
			ep_gone(ep);
		else if (present && ep->gone)
			ep_back(ep);
		set_link(ep, present && oper_up);
	}
}

static void on_watch(uv_poll_t *h, int status, int events)
{
	vf_fabric *f = h->data;

	(void)events;
	if (status < 0 || vf__nl_watch_process(f->rt->watch) < 0)
		vf_warn(f, "link events: %s", vf_last_error());
	vf__loop_event(f);
}

/* The netlink socket, and the link watch on the loop, on first need. */
static int need_netlink(vf_fabric *f)
{
	struct vf__runtime *rt = f->rt;
	uv_poll_t *h;
	int err;

	if (!rt->nl && (err = vf__nl_open(&rt->nl)) < 0)
		return err;
	if (rt->watch)
		return 0;
	if ((err = vf__nl_watch_open(&rt->watch, on_link, f)) < 0)
		return err;
	if (!(h = calloc(1, sizeof(*h))) ||
	    uv_poll_init(vf__fabric_loop(f), h, vf__nl_watch_fd(rt->watch)) < 0) {
		free(h);
		vf__nl_watch_close(rt->watch);
		rt->watch = NULL;
		return vf__fail(f, -ENOMEM, "cannot watch link events");
	}
	h->data = f;
	uv_poll_start(h, UV_READABLE, on_watch);
	rt->watch_handle = h;
	vf__loop_kick(f);
	return 0;
}

/* ---- netdevs a bind creates ---- */

/* The VM end is made here under a temporary name, configured, then moved
 * into its namespace and renamed there in one step: its name (eth0, say)
 * may well be taken here. */
static int create_veth(vf_fabric *f, const vf_port *p, const vf_bind_opts *o)
{
	struct vf__nl *nl = f->rt->nl;
	char tmp[16];
	const char *peer = o->peer;
	int ns = -1, err;

	if (o->netns) {
		if ((ns = open(o->netns, O_RDONLY | O_CLOEXEC)) < 0)
			return vf__fail(f, -errno, "network namespace %s: %s", o->netns,
					strerror(errno));
		snprintf(tmp, sizeof(tmp), "vfp%06x%06x",
			 (unsigned int)getpid() & 0xffffff, ++f->rt->tmp_seq & 0xffffff);
		peer = tmp;
	}
	if ((err = vf__nl_veth_create(nl, o->ifname, peer, -1)) < 0)
		goto out;
	/* The VM end behaves as an emulated NIC: no offloads, so its TCP
	 * and UDP frames come complete and MTU-sized (AF_PACKET would see
	 * 64 KiB segments with checksums left undone otherwise). */
	if ((err = vf__nl_set_mac(nl, peer, &p->vmac)) < 0 ||
	    (err = vf__nl_offloads_off(peer)) < 0 ||
	    (err = vf__nl_set_mtu(nl, peer, p->subnet->mtu)) < 0 ||
	    (err = vf__nl_set_mtu(nl, o->ifname, p->subnet->mtu)) < 0 ||
	    (ns >= 0 && (err = vf__nl_move_to_netns(nl, peer, ns, o->peer)) < 0)) {
		if (err == -EEXIST)
			vf__fail(f, err, "a netdev named '%s' exists in %s already",
				 o->peer, o->netns);
		vf__nl_link_delete(nl, o->ifname);
	}
out:
	if (ns >= 0)
		close(ns);
	return err;
}

static int create_netdev(vf_fabric *f, const vf_port *p, const vf_bind_opts *o)
{
	int err;

	if (o->flags & VF_BIND_F_CREATE_TAP) {
		if ((err = vf__nl_tap_create(f->rt->nl, o->ifname)) < 0)
			return err;
		if (p && (err = vf__nl_set_mtu(f->rt->nl, o->ifname, p->subnet->mtu)) < 0)
			vf__nl_link_delete(f->rt->nl, o->ifname);
		return err;
	}
	return create_veth(f, p, o);
}

/* ---- bind ---- */

static int check_bind(vf_fabric *f, const vf_port *p, vf_bind_opts *o, const char *what)
{
	if (o->flags & ~BIND_FLAGS)
		return vf__fail(f, -EINVAL, "%s: unknown flags 0x%x", what,
				o->flags & ~BIND_FLAGS);
	if ((o->flags & CREATE_FLAGS) == CREATE_FLAGS)
		return vf__fail(f, -EINVAL, "%s: create a tap or a veth, not both", what);
	if (!o->ifname)
		o->ifname = p ? p->entry.name : NULL;
	if (!o->datapath)
		o->datapath = o->ifname && (o->flags || !p || o->ifname != p->entry.name)
				      ? "afpacket"
				      : "callback";
	if (o->ifname && (strlen(o->ifname) < 1 || strlen(o->ifname) >= 16))
		return vf__fail(f, -EINVAL,
				"%s: interface name '%s' is not 1 to 15 bytes", what,
				o->ifname);
	if (!vf__dp_find(f, o->datapath))
		return vf__fail(f, -ENOENT, "%s: no datapath '%s' is registered", what,
				o->datapath);
	if (o->flags && !is_netdev(vf__dp_find(f, o->datapath)))
		return vf__fail(
			f, -EINVAL,
			"%s: datapath '%s' does not use netdevs: it cannot create one",
			what, o->datapath);
	if (o->flags && !o->ifname)
		return vf__fail(f, -EINVAL, "%s: a netdev to create needs a name", what);
	if ((o->flags & VF_BIND_F_CREATE_VETH) &&
	    (!p || !o->peer || !o->peer[0] || strlen(o->peer) >= 16))
		return vf__fail(
			f, -EINVAL,
			"%s: a veth is for a port and needs a peer name of 1 to 15 bytes",
			what);
	if (o->netns && !(o->flags & VF_BIND_F_CREATE_VETH))
		return vf__fail(f, -EINVAL, "%s: netns is only for VF_BIND_F_CREATE_VETH",
				what);
	return 0;
}

/* Opens @ep's netdev through its datapath: its state and descriptor in
 * *@state and *@fd (the caller publishes them). */
static int open_ep(vf_fabric *f, struct vf__endpoint *ep, const vf_bind_opts *o,
		   void **state, int *fd)
{
	vf_endpoint_info info = {.sz = sizeof(info), .name = o->ifname};
	struct vf__dp *dp = ep->dp;
	struct vf__nl_link l;
	int err;

	info.port = ep->port ? ep->port->entry.name : NULL;
	info.flags = ep->port ? 0 : VF_ENDPOINT_F_UNDERLAY;
	info.mtu = (ep->port ? ep->port->subnet->mtu : 9000) + 18;
	info.mac = ep->port ? ep->port->vmac : f->host_mac;
	ep->link_up = true;
	if (is_netdev(dp)) {
		if ((err = need_netlink(f)) < 0)
			return err;
		if ((err = vf__nl_set_up(f->rt->nl, o->ifname, true)) < 0)
			return err;
		if ((err = vf__nl_get_link(f->rt->nl, o->ifname, &l)) < 0)
			return err;
		ep->link_up = l.oper_up;
		if (!ep->port && vf__mac_is_zero(&f->host_mac)) {
			f->host_mac = l.mac;
			info.mac = l.mac;
			vf__touch(&f->obj);
		}
	}
	vf__fail(NULL, 0, "%s", ""); /* the datapath's own message, if it sets one */
	if ((err = dp->ops.open(state, &info, dp->user_data)) < 0) {
		if (!vf_last_error()[0])
			vf__fail(f, err, "datapath '%s' could not open '%s'", dp->name,
				 o->ifname ? o->ifname : "");
		return err;
	}
	*fd = dp->ops.fd ? dp->ops.fd(*state) : -1;
	return 0;
}

static int bind_ep(vf_fabric *f, vf_port *p, const vf_bind_opts *user, const char *what)
{
	struct vf__endpoint *ep;
	vf_bind_opts o;
	int err;

	if ((err = VF__OPTS_LOAD(&o, user, vf_bind_opts)) < 0 ||
	    (err = check_bind(f, p, &o, what)) < 0)
		return err;
	if (p ? p->ep != NULL : f->rt->underlay != NULL)
		return vf__fail(f, -EBUSY, "%s: %s is bound already (unbind first)", what,
				p ? "the port" : "the underlay");
	if (!(ep = calloc(1, sizeof(*ep))))
		return vf__fail(f, -ENOMEM, "no memory for an endpoint");
	ep->f = f;
	ep->port = p;
	ep->serial = p ? p->serial : 0;
	ep->dp = vf__dp_find(f, o.datapath);
	ep->fd = -1;
	pthread_mutex_init(&ep->lock, NULL);
	if (o.ifname)
		snprintf(ep->ifname, sizeof(ep->ifname), "%s", o.ifname);
	if (o.flags & CREATE_FLAGS) {
		if ((err = need_netlink(f)) < 0 || (err = create_netdev(f, p, &o)) < 0)
			goto fail;
		ep->flags = o.flags & CREATE_FLAGS;
		if (o.peer)
			snprintf(ep->peer, sizeof(ep->peer), "%s", o.peer);
	}
	/* not published yet: no worker sees it before the tables name it */
	if ((err = open_ep(f, ep, &o, &ep->state, &ep->fd)) < 0)
		goto fail;
	/* a netdev that was there is the fabric's to delete only once bound:
	 * a failed bind leaves it as it was */
	ep->flags |= o.flags & VF_BIND_F_OWN;
	ep->id = ++f->rt->next_id;
	ep->dp->endpoints++;
	vf__list_add_tail(&f->rt->endpoints, &ep->node);
	if (p) {
		p->ep = ep;
		p->link_down = !ep->link_up;
	} else {
		f->rt->underlay = ep;
	}
	vf__touch(p ? &p->obj : &f->obj);
	/* the tables that name it first: its events find it there */
	vf__runtime_publish(f);
	vf__worker_assign(f, ep);
	vf_info(f, "%s%s bound to %s '%s'", p ? "port " : "the underlay",
		p ? p->entry.name : "", ep->dp->name, ep->ifname);
	return 0;
fail:
	if (ep->flags)
		vf__nl_link_delete(f->rt->nl, ep->ifname);
	pthread_mutex_destroy(&ep->lock);
	free(ep);
	return err;
}

/* The end of an unbound endpoint, a grace period after the tables stopped
 * naming it: no worker can hold it. */
static void ep_free(void *arg)
{
	struct vf__endpoint *ep = arg;

	if (!ep->gone) /* else closed as it went (ep_gone()) */
		ep->dp->ops.close(ep->state);
	ep->dp->endpoints--;
	pthread_mutex_destroy(&ep->lock);
	free(ep);
}

static void unbind(struct vf__endpoint *ep)
{
	vf_fabric *f = ep->f;

	vf__worker_unassign(ep);
	vf__list_del(&ep->node);
	if (ep->port) {
		ep->port->ep = NULL;
		ep->port->link_down = false;
		vf__touch(&ep->port->obj);
	} else {
		f->rt->underlay = NULL;
		vf__touch(&f->obj);
	}
	/* the locations first, as vf__runtime_publish() orders them: a port
	 * unbound as its VM moves away (vf_port_migrate()) has its forwarding
	 * entry there, and a worker that sees the port unbound must see it
	 * (without, it sent what came for the VM to no endpoint until the
	 * loop next published: ~50 ms of a stream lost, uncounted once the
	 * port went) */
	if (f->tables && vf__runtime_shared(f) && vf__locs_publish(f) < 0)
		vf_err(f, "no memory to publish the locations");
	/* tables without it, published now, before the grace period starts:
	 * a worker online after that cannot find it */
	if (f->tables && !vf__pipe_tables(f)) {
		/* the published tables still name it: it can never go */
		vf_err(f, "no memory to publish the pipeline's tables: endpoint '%s' "
			  "is kept",
		       ep->ifname);
		return;
	}
	if (ep->flags && vf__nl_link_delete(f->rt->nl, ep->ifname) < 0 && ep->peer[0])
		vf_warn(f, "could not delete %s: %s", ep->ifname, vf_last_error());
	vf__runtime_defer(f, ep_free, ep);
}

static int port_ok(vf_port *p, const char *what)
{
	int err;

	if ((err = vf__obj_check(p ? &p->obj : NULL, what)) < 0)
		return err;
	return 0;
}

int vf_port_bind(vf_port *p, const vf_bind_opts *opts)
{
	int err;

	if ((err = port_ok(p, "vf_port_bind")) < 0)
		return err;
	return bind_ep(p->subnet->cell->fabric, p, opts, "vf_port_bind");
}

int vf_port_unbind(vf_port *p)
{
	int err;

	if ((err = port_ok(p, "vf_port_unbind")) < 0)
		return err;
	if (!p->ep)
		return vf__fail(NULL, -ENOTCONN, "vf_port_unbind: port '%s' is not bound",
				p->entry.name);
	unbind(p->ep);
	return 0;
}

void vf__runtime_port_removed(vf_port *p)
{
	if (p->ep)
		unbind(p->ep);
}

int vf_fabric_bind_underlay(vf_fabric *f, const vf_bind_opts *opts)
{
	int err;

	if ((err = vf__obj_check(f ? &f->obj : NULL, "vf_fabric_bind_underlay")) < 0)
		return err;
	return bind_ep(f, NULL, opts, "vf_fabric_bind_underlay");
}

int vf_fabric_unbind_underlay(vf_fabric *f)
{
	int err;

	if ((err = vf__obj_check(f ? &f->obj : NULL, "vf_fabric_unbind_underlay")) < 0)
		return err;
	if (!f->rt->underlay)
		return vf__fail(f, -ENOTCONN, "vf_fabric_unbind_underlay: not bound");
	unbind(f->rt->underlay);
	return 0;
}

void vf__runtime_unbind_all(vf_fabric *f)
{
	while (!vf__list_empty(&f->rt->endpoints))
		unbind(vf__container_of(f->rt->endpoints.next, struct vf__endpoint,
					node));
}

const char *vf_port_datapath(const vf_port *p)
{
	return p && p->ep ? p->ep->dp->name : NULL;
}

const char *vf_port_ifname(const vf_port *p)
{
	return p && p->ep && p->ep->ifname[0] ? p->ep->ifname : NULL;
}

bool vf_port_link_up(const vf_port *p)
{
	return p && !p->link_down;
}

static int ep_stats(vf_fabric *f, struct vf__endpoint *ep, vf_datapath_stats *out,
		    const char *what)
{
	vf_datapath_stats s = {.sz = sizeof(s)};

	if (!out)
		return vf__fail(f, -EINVAL, "%s: NULL out", what);
	if (!ep)
		return vf__fail(f, -ENOTCONN, "%s: not bound", what);
	/* the transmit side's lock: a datapath's counters are its tx's */
	pthread_mutex_lock(&ep->lock);
	if (!ep->gone && ep->dp->ops.stats &&
	    ep->dp->ops.sz >= vf__offsetofend(vf_datapath_ops, stats))
		ep->dp->ops.stats(ep->state, &s);
	pthread_mutex_unlock(&ep->lock);
	s.rx_packets = VF__CNT_GET(ep->rx_packets);
	s.rx_bytes = VF__CNT_GET(ep->rx_bytes);
	s.tx_packets = VF__CNT_GET(ep->tx_packets);
	s.tx_bytes = VF__CNT_GET(ep->tx_bytes);
	s.tx_dropped += VF__CNT_GET(ep->tx_dropped);
	s.link_downs = ep->link_downs;
	return vf__copy_out(out, &s, sizeof(s), "vf_datapath_stats");
}

int vf_port_datapath_stats(const vf_port *p, vf_datapath_stats *out)
{
	if (!p)
		return vf__fail(NULL, -EINVAL, "vf_port_datapath_stats: NULL port");
	return ep_stats(p->subnet->cell->fabric, p->ep, out, "vf_port_datapath_stats");
}

int vf_fabric_underlay_stats(const vf_fabric *f, vf_datapath_stats *out)
{
	if (!f || !f->rt)
		return vf__fail(NULL, -EINVAL, "vf_fabric_underlay_stats: NULL fabric");
	return ep_stats((vf_fabric *)f, f->rt->underlay, out, "vf_fabric_underlay_stats");
}
