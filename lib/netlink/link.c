/*
 * Links over rtnetlink (libnl-route-3): tap and veth creation, deletion,
 * MAC, MTU, state, namespace moves and read-back.
 *
 * Every request resets the socket's error record; the error callback
 * fills it with the kernel's errno and its extended ack message (the
 * socket asks for NETLINK_EXT_ACK: libnl 3.7 has no API for it, so the
 * TLVs are read here from the NLMSG_ERROR message itself).
 */

#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/socket.h>

#include "core/internal.h"
#include "netlink/nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct vf__nl {
	struct nl_sock *sk;
	int kerr;      /* the errno of the last NLMSG_ERROR, 0 if none */
	char ext[256]; /* its extended ack message, "" if none */
};

/* -NLE_* to -errno. */
static int nl_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_EXIST: return -EEXIST;
	case NLE_OBJ_NOTFOUND:
	case NLE_NODEV: return -ENODEV;
	case NLE_PERM:
	case NLE_NOACCESS: return -EPERM;
	case NLE_INVAL:
	case NLE_RANGE:
	case NLE_NOADDR: return -EINVAL;
	case NLE_NOMEM: return -ENOMEM;
	case NLE_BUSY: return -EBUSY;
	case NLE_OPNOTSUPP: return -EOPNOTSUPP;
	case NLE_AGAIN: return -EAGAIN;
	default: return -EIO;
	}
}

/* Records the kernel's errno and extended ack message, then lets libnl
 * return its -NLE_* code (NL_STOP). */
static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	const struct nlmsghdr *h = (const void *)((const char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	struct vf__nl *nl = arg;
	size_t len = h->nlmsg_len - NLMSG_HDRLEN;
	size_t off = sizeof(*e);

	(void)who;
	nl->kerr = -e->error;
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	if (!(h->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < NLMSG_HDRLEN)
			return NL_STOP;
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	}
	off = NLMSG_ALIGN(off);
	if (off >= len)
		return NL_STOP;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)e + off),
		      (int)(len - off), NULL) < 0)
		return NL_STOP;
	if (tb[NLMSGERR_ATTR_MSG])
		nla_strlcpy(nl->ext, tb[NLMSGERR_ATTR_MSG], sizeof(nl->ext));
	return NL_STOP;
}

static void reset(struct vf__nl *nl)
{
	nl->kerr = 0;
	nl->ext[0] = '\0';
}

/* Sets the thread's error for libnl's @nlerr from the request @what on
 * @name and returns it as -errno. The kernel's own errno, when it sent
 * one, names the cause; its extended ack message is appended. */
static int fail(struct vf__nl *nl, int nlerr, const char *what, const char *name)
{
	int err = nl->kerr ? nl_errno(nl_syserr2nlerr(nl->kerr)) : nl_errno(nlerr);
	const char *why = nl->kerr ? strerror(nl->kerr) : nl_geterror(nlerr);

	if (nl->ext[0])
		return vf__fail(NULL, err, "netlink: %s '%s': %s (kernel: %s)", what,
				name, why, nl->ext);
	return vf__fail(NULL, err, "netlink: %s '%s': %s", what, name, why);
}

static int check_name(const char *name, const char *what)
{
	if (!name || !name[0] || strlen(name) >= IFNAMSIZ)
		return vf__fail(NULL, -EINVAL, "netlink: %s: bad interface name '%s'",
				what, name ? name : "(null)");
	return 0;
}

int vf__nl_open(struct vf__nl **out)
{
	struct vf__nl *nl = calloc(1, sizeof(*nl));
	int one = 1;
	int err;

	*out = NULL;
	if (!nl)
		return vf__fail(NULL, -ENOMEM, "netlink: out of memory");
	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		err = vf__fail(NULL, -ENOMEM, "netlink: out of memory");
		goto fail;
	}
	err = nl_connect(nl->sk, NETLINK_ROUTE);
	if (err < 0) {
		err = vf__fail(NULL, nl_errno(err), "netlink: connect: %s",
			       nl_geterror(err));
		goto fail;
	}
	/* Best effort: kernels before 4.12 send no extended acks. */
	(void)setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
			 sizeof(one));
	err = nl_socket_modify_err_cb(nl->sk, NL_CB_CUSTOM, on_error, nl);
	if (err < 0) {
		err = vf__fail(NULL, nl_errno(err), "netlink: %s", nl_geterror(err));
		goto fail;
	}
	*out = nl;
	return 0;
fail:
	vf__nl_close(nl);
	return err;
}

void vf__nl_close(struct vf__nl *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->sk);
	free(nl);
}

/* The kernel's link @name, a reference in *@out. */
static int lookup(struct vf__nl *nl, const char *name, struct rtnl_link **out,
		  const char *what)
{
	int err = check_name(name, what);

	*out = NULL;
	if (err < 0)
		return err;
	reset(nl);
	err = rtnl_link_get_kernel(nl->sk, 0, name, out);
	if (err < 0)
		return fail(nl, err, what, name);
	return 0;
}

int vf__nl_ifindex(struct vf__nl *nl, const char *name)
{
	struct rtnl_link *l;
	int err = lookup(nl, name, &l, "look up");

	if (err < 0)
		return err;
	err = rtnl_link_get_ifindex(l);
	rtnl_link_put(l);
	return err;
}

/* Applies @changes (consumed) to link @name. */
static int change(struct vf__nl *nl, const char *name, struct rtnl_link *changes,
		  const char *what)
{
	struct rtnl_link *orig = NULL;
	int err;

	if (!changes) {
		err = vf__fail(NULL, -ENOMEM, "netlink: out of memory");
		goto out;
	}
	err = lookup(nl, name, &orig, what);
	if (err < 0)
		goto out;
	reset(nl);
	err = rtnl_link_change(nl->sk, orig, changes, 0);
	if (err < 0)
		err = fail(nl, err, what, name);
out:
	if (orig)
		rtnl_link_put(orig);
	if (changes)
		rtnl_link_put(changes);
	return err;
}

/* A system call's @e as one of the library's -errno values. */
static int sys_errno(int e)
{
	if (e == ENOENT || e == ENODEV)
		return -EOPNOTSUPP; /* no tun driver */
	if (e == EACCES || e == EPERM)
		return -EPERM;
	if (e == ENOMEM || e == EINVAL || e == EBUSY)
		return -e;
	return -EIO;
}

/* TUNSETIFF, TUNSETOWNER and TUNSETPERSIST on an fd of /dev/net/tun. */
static int tap_ioctls(int fd, const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	/* IFF_TUN_EXCL: fail (EBUSY) rather than attach to a device. */
	/* ifr_flags is a short; IFF_TUN_EXCL (0x8000) is its top bit */
	ifr.ifr_flags = (short)(IFF_TAP | IFF_NO_PI | IFF_TUN_EXCL);
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		if (errno == EBUSY)
			return vf__fail(NULL, -EEXIST,
					"netlink: create tap '%s': a link of "
					"that name exists",
					name);
		return vf__fail(NULL, sys_errno(errno),
				"netlink: create tap '%s': TUNSETIFF: %s", name,
				strerror(errno));
	}
	if (ioctl(fd, TUNSETOWNER, 0UL) < 0 || ioctl(fd, TUNSETPERSIST, 1UL) < 0)
		return vf__fail(NULL, sys_errno(errno), "netlink: create tap '%s': %s",
				name, strerror(errno));
	return 0;
}

int vf__nl_tap_create(struct vf__nl *nl, const char *name)
{
	int err = check_name(name, "create tap");
	int fd;

	(void)nl;
	if (err < 0)
		return err;
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return vf__fail(NULL, sys_errno(errno),
				"netlink: create tap '%s': /dev/net/tun: %s", name,
				strerror(errno));
	err = tap_ioctls(fd, name);
	close(fd);
	return err;
}

int vf__nl_veth_create(struct vf__nl *nl, const char *name, const char *peer,
		       int peer_netns_fd)
{
	struct rtnl_link *link, *pl;
	int err;

	if ((err = check_name(name, "create veth")) < 0 ||
	    (err = check_name(peer, "create veth peer")) < 0)
		return err;
	link = rtnl_link_veth_alloc();
	if (!link)
		return vf__fail(NULL, -ENOMEM, "netlink: out of memory");
	rtnl_link_set_name(link, name);
	pl = rtnl_link_veth_get_peer(link);
	rtnl_link_set_name(pl, peer);
	if (peer_netns_fd >= 0)
		rtnl_link_set_ns_fd(pl, peer_netns_fd);
	rtnl_link_put(pl);
	reset(nl);
	err = rtnl_link_add(nl->sk, link, NLM_F_CREATE | NLM_F_EXCL);
	if (err < 0)
		err = fail(nl, err, "create veth", name);
	rtnl_link_put(link);
	return err;
}

int vf__nl_link_delete(struct vf__nl *nl, const char *name)
{
	struct rtnl_link *link;
	int err = check_name(name, "delete");

	if (err < 0)
		return err;
	link = rtnl_link_alloc();
	if (!link)
		return vf__fail(NULL, -ENOMEM, "netlink: out of memory");
	rtnl_link_set_name(link, name);
	reset(nl);
	err = rtnl_link_delete(nl->sk, link);
	if (err < 0)
		err = fail(nl, err, "delete", name);
	rtnl_link_put(link);
	return err;
}

int vf__nl_set_mac(struct vf__nl *nl, const char *name, const vf_mac *mac)
{
	struct rtnl_link *c;
	struct nl_addr *a;
	vf__macstr s;
	char what[64];

	if (!mac)
		return vf__fail(NULL, -EINVAL, "netlink: set MAC on '%s': no MAC",
				name ? name : "(null)");
	c = rtnl_link_alloc();
	a = nl_addr_build(AF_LLC, mac->addr, sizeof(mac->addr));
	if (!a) {
		if (c)
			rtnl_link_put(c);
		return vf__fail(NULL, -ENOMEM, "netlink: out of memory");
	}
	if (c)
		rtnl_link_set_addr(c, a);
	nl_addr_put(a);
	snprintf(what, sizeof(what), "set MAC %s on", vf__mac_str(s, mac));
	return change(nl, name, c, what);
}

int vf__nl_set_mtu(struct vf__nl *nl, const char *name, uint32_t mtu)
{
	struct rtnl_link *c = rtnl_link_alloc();
	char what[64];

	if (c)
		rtnl_link_set_mtu(c, mtu);
	snprintf(what, sizeof(what), "set MTU %u on", mtu);
	return change(nl, name, c, what);
}

int vf__nl_offloads_off(const char *name)
{
	/* The legacy ethtool set commands, one feature each: every driver
	 * still takes them. Without checksum offload there is no TSO. */
	static const struct {
		uint32_t cmd;
		const char *what;
	} off[] = {
		{ETHTOOL_STXCSUM, "tx checksumming"},
		{ETHTOOL_SSG, "scatter-gather"},
		{ETHTOOL_STSO, "TCP segmentation offload"},
		{ETHTOOL_SGSO, "generic segmentation offload"},
	};
	int fd, err = check_name(name, "turn offloads off on");

	if (err < 0)
		return err;
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return vf__fail(NULL, -errno, "ethtool: socket: %s", strerror(errno));
	for (size_t i = 0; i < VF__ARRAY_SIZE(off) && !err; i++) {
		struct ethtool_value v = {.cmd = off[i].cmd, .data = 0};
		struct ifreq ifr = {.ifr_data = (char *)&v};

		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
		if (ioctl(fd, SIOCETHTOOL, &ifr) < 0 && errno != EOPNOTSUPP)
			err = vf__fail(NULL, -errno,
				       "ethtool: turning %s off on '%s': %s", off[i].what,
				       name, strerror(errno));
	}
	close(fd);
	return err;
}

int vf__nl_set_up(struct vf__nl *nl, const char *name, bool up)
{
	struct rtnl_link *c = rtnl_link_alloc();

	if (c && up)
		rtnl_link_set_flags(c, IFF_UP);
	else if (c)
		rtnl_link_unset_flags(c, IFF_UP);
	return change(nl, name, c, up ? "set up" : "set down");
}

int vf__nl_move_to_netns(struct vf__nl *nl, const char *name, int netns_fd,
			 const char *new_name)
{
	struct rtnl_link *c;
	int err;

	if (netns_fd < 0)
		return vf__fail(NULL, -EINVAL, "netlink: move '%s': bad namespace fd %d",
				name ? name : "(null)", netns_fd);
	if (new_name && (err = check_name(new_name, "move and rename")) < 0)
		return err;
	c = rtnl_link_alloc();
	if (c)
		rtnl_link_set_ns_fd(c, netns_fd);
	if (c && new_name) /* the kernel names it so in the namespace it enters */
		rtnl_link_set_name(c, new_name);
	return change(nl, name, c,
		      new_name ? "move to namespace (renamed)" : "move to namespace");
}

int vf__nl_get_link(struct vf__nl *nl, const char *name, struct vf__nl_link *out)
{
	struct rtnl_link *l;
	struct nl_addr *a;
	unsigned int flags;
	int err = lookup(nl, name, &l, "read");

	if (err < 0)
		return err;
	memset(out, 0, sizeof(*out));
	out->ifindex = rtnl_link_get_ifindex(l);
	a = rtnl_link_get_addr(l);
	if (a && nl_addr_get_len(a) == sizeof(out->mac.addr))
		memcpy(out->mac.addr, nl_addr_get_binary_addr(a), sizeof(out->mac.addr));
	out->mtu = rtnl_link_get_mtu(l);
	flags = rtnl_link_get_flags(l);
	out->admin_up = flags & IFF_UP;
	out->oper_up = flags & IFF_RUNNING;
	rtnl_link_put(l);
	return 0;
}
