/*
 * Link-state events: a non-blocking route netlink socket subscribed to
 * RTNLGRP_LINK. RTM_NEWLINK reports a link added or changed, RTM_DELLINK
 * one removed (or moved to another namespace).
 */

/* libnl's header first: see link.c. */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/socket.h>

#include "core/internal.h"
#include "netlink/nl.h"

/* Enough for bursts of link messages (each is 1-2 KiB with statistics). */
#define RCVBUF (1 << 20)

struct vf__nl_watch {
	struct nl_sock *sk;
	struct nl_cb *cb;
	vf__nl_link_fn fn;
	void *arg;
	int handled;
};

static int on_msg(struct nl_msg *msg, void *arg)
{
	struct vf__nl_watch *w = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct nlattr *tb[IFLA_MAX + 1];
	const struct ifinfomsg *ifi;
	char name[IFNAMSIZ];
	bool present = h->nlmsg_type == RTM_NEWLINK;

	if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK)
		return NL_SKIP;
	if (nlmsg_parse(h, sizeof(*ifi), tb, IFLA_MAX, NULL) < 0)
		return NL_SKIP;
	ifi = nlmsg_data(h);
	/* Bridge port notifications share the group; they are not links. */
	if (ifi->ifi_family == AF_BRIDGE || !tb[IFLA_IFNAME])
		return NL_SKIP;
	nla_strlcpy(name, tb[IFLA_IFNAME], sizeof(name));
	w->handled++;
	w->fn(w->arg, name, ifi->ifi_index, present,
	      present && (ifi->ifi_flags & IFF_RUNNING));
	return NL_OK;
}

/* libnl's @nlerr from @what as -errno, with the thread's message. */
static int fail(int nlerr, const char *what)
{
	int err = nlerr == -NLE_NOMEM	? -ENOMEM
		  : nlerr == -NLE_PERM	? -EPERM
		  : nlerr == -NLE_AGAIN ? -EAGAIN
					: -EIO;

	return vf__fail(NULL, err, "netlink watch: %s: %s", what, nl_geterror(nlerr));
}

static int setup(struct vf__nl_watch *w)
{
	int err;

	err = nl_connect(w->sk, NETLINK_ROUTE);
	if (err < 0)
		return fail(err, "connect");
	nl_socket_disable_seq_check(w->sk);
	nl_socket_enable_msg_peek(w->sk);
	err = nl_socket_set_buffer_size(w->sk, RCVBUF, 0);
	if (err < 0)
		return fail(err, "receive buffer");
	err = nl_socket_set_nonblocking(w->sk);
	if (err < 0)
		return fail(err, "non-blocking");
	err = nl_cb_set(w->cb, NL_CB_VALID, NL_CB_CUSTOM, on_msg, w);
	if (err < 0)
		return fail(err, "callback");
	err = nl_socket_add_membership(w->sk, RTNLGRP_LINK);
	if (err < 0)
		return fail(err, "join RTNLGRP_LINK");
	return 0;
}

int vf__nl_watch_open(struct vf__nl_watch **out, vf__nl_link_fn fn, void *arg)
{
	struct vf__nl_watch *w;
	int err;

	*out = NULL;
	if (!fn)
		return vf__fail(NULL, -EINVAL, "netlink watch: no callback");
	w = calloc(1, sizeof(*w));
	if (!w)
		return vf__fail(NULL, -ENOMEM, "netlink watch: out of memory");
	w->fn = fn;
	w->arg = arg;
	w->sk = nl_socket_alloc();
	w->cb = w->sk ? nl_socket_get_cb(w->sk) : NULL;
	if (!w->cb) {
		err = vf__fail(NULL, -ENOMEM, "netlink watch: out of memory");
		goto fail;
	}
	err = setup(w);
	if (err < 0)
		goto fail;
	*out = w;
	return 0;
fail:
	vf__nl_watch_close(w);
	return err;
}

int vf__nl_watch_fd(const struct vf__nl_watch *w)
{
	return nl_socket_get_fd(w->sk);
}

int vf__nl_watch_process(struct vf__nl_watch *w)
{
	int err;

	w->handled = 0;
	for (;;) {
		err = nl_recvmsgs_report(w->sk, w->cb);
		if (err == -NLE_AGAIN || err == 0)
			break;
		/* ENOBUFS (events were dropped) arrives as NLE_NOMEM. */
		if (err == -NLE_NOMEM)
			return vf__fail(NULL, -ENOBUFS,
					"netlink watch: link events were lost "
					"(receive buffer overrun)");
		if (err < 0)
			return fail(err, "receive");
	}
	return w->handled;
}

void vf__nl_watch_close(struct vf__nl_watch *w)
{
	if (!w)
		return;
	if (w->cb)
		nl_cb_put(w->cb);
	if (w->sk)
		nl_socket_free(w->sk);
	free(w);
}
