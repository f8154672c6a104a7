/*
 * Host plumbing over rtnetlink (libnl-route-3): create and delete the
 * netdevs that back ports (tap, veth), set their MAC, MTU and state, move
 * them between network namespaces, and follow their link state.
 *
 * Errors are -errno, converted from libnl's -NLE_* where they enter, and
 * the kernel's extended ack message, when it sends one, becomes the
 * thread's vf_last_error() text. Nothing here knows the model.
 *
 * lib/ is on the include path before libnl's headers, so no file in this
 * folder may share a name with one of libnl's <netlink/...> headers (this
 * one is nl.h, not netlink.h, for that reason).
 */
#ifndef VF_NETLINK_NL_H
#define VF_NETLINK_NL_H

#include <stdbool.h>
#include <stdint.h>

#include <vfabric/common.h>

struct vf__nl;

/* Opens a route netlink socket (in the caller's network namespace). */
int vf__nl_open(struct vf__nl **out);
void vf__nl_close(struct vf__nl *nl);

/* The ifindex of @name, or -ENODEV. */
int vf__nl_ifindex(struct vf__nl *nl, const char *name);

/* Creates a persistent tap @name (IFF_TAP | IFF_NO_PI, vnet header off),
 * owned by root, down, in the calling thread's network namespace (an
 * ioctl, not @nl's socket, creates it). Tap creation is an ioctl on /dev/net/tun, not
 * netlink; the device is then configured over netlink. -EEXIST if a link
 * of that name exists. */
int vf__nl_tap_create(struct vf__nl *nl, const char *name);
/* Creates a veth pair @name <-> @peer; with @peer_netns_fd >= 0 the peer
 * is created in that namespace (an fd of /var/run/netns/X or
 * /proc/PID/ns/net). Both down. */
int vf__nl_veth_create(struct vf__nl *nl, const char *name, const char *peer,
		       int peer_netns_fd);
/* Deletes link @name (a veth takes its peer with it); -ENODEV if none. */
int vf__nl_link_delete(struct vf__nl *nl, const char *name);

int vf__nl_set_mac(struct vf__nl *nl, const char *name, const vf_mac *mac);
int vf__nl_set_mtu(struct vf__nl *nl, const char *name, uint32_t mtu);
int vf__nl_set_up(struct vf__nl *nl, const char *name, bool up);
/* Turns off checksum and segmentation offloads on @name (in the calling
 * thread's namespace), so what its sender transmits arrives as complete,
 * MTU-sized frames, as an emulated NIC's would (an ethtool ioctl). */
int vf__nl_offloads_off(const char *name);
/* Moves link @name into the namespace of @netns_fd, where it is called
 * @new_name (NULL: keeps its name); -EEXIST if that name is taken there. */
int vf__nl_move_to_netns(struct vf__nl *nl, const char *name, int netns_fd,
			 const char *new_name);

/* What vf__nl_get_link() reports. */
struct vf__nl_link {
	int ifindex;
	vf_mac mac;
	uint32_t mtu;
	bool admin_up; /* IFF_UP */
	bool oper_up;  /* IFF_RUNNING / operstate up: carrier */
};
int vf__nl_get_link(struct vf__nl *nl, const char *name, struct vf__nl_link *out);

/* Link-state events: a second socket subscribed to RTNLGRP_LINK. Its fd
 * becomes readable when events wait; vf__nl_watch_process() reads them
 * without blocking and calls @fn for each link added, changed or removed
 * (@present false), returning how many it handled or -errno. */
struct vf__nl_watch;
typedef void (*vf__nl_link_fn)(void *arg, const char *name, int ifindex, bool present,
			       bool oper_up);
int vf__nl_watch_open(struct vf__nl_watch **out, vf__nl_link_fn fn, void *arg);
int vf__nl_watch_fd(const struct vf__nl_watch *w);
int vf__nl_watch_process(struct vf__nl_watch *w);
void vf__nl_watch_close(struct vf__nl_watch *w);

#endif
