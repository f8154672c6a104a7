/**
 * @file vfabric/ctl.h
 * @defgroup ctl Control socket
 * @brief A unix socket through which short-lived processes (libvirt qemu
 * hooks, the vfctl tool) act on the fabric that a long-lived process holds.
 *
 * The process that owns the fabric serves the socket with
 * vf_fabric_ctl_listen(); it runs on the fabric's control loop (loop.h),
 * so requests are handled while the host drives that loop. Other processes
 * link this same library and call the vf_ctl_* client functions, which
 * block (with a timeout) until the fabric answered. A request does exactly
 * what the in-process call would do: a failure returns the same -errno and
 * vf_last_error() on the client's thread holds the same message.
 *
 * Who may connect: the kernel reports the credentials of the connecting
 * process (SO_PEERCRED, taken at connect time). Allowed are
 * - effective uid 0 (root);
 * - the effective uid of the process serving the socket;
 * - if vf_ctl_opts.flags has VF_CTL_F_ALLOW_UID, the uid @c allow_uid;
 * - if it has VF_CTL_F_ALLOW_GID, a process whose effective gid, or one of
 *   whose supplementary groups (SO_PEERGROUPS), is @c allow_gid.
 *
 * Anyone else gets one error response (-EACCES, naming its uid) and is
 * disconnected; vf_ctl_connect() returns that error. Refusals are counted
 * (vf_fabric_ctl_stats()). The socket file's mode is a first gate: by
 * default only what the allowed users need (see vf_ctl_opts.mode).
 *
 * Messages are bounded: a request longer than vf_ctl_opts.max_msg is
 * refused before its body is read; a response is at most VF_CTL_MSG_MAX.
 * A malformed request gets an error response and changes nothing; a
 * client that sends nothing for vf_ctl_opts.idle_ms is disconnected.
 *
 * The client calls block until the server answers: never call them on a
 * fabric's own socket from its loop thread or while holding its
 * vf_fabric_lock(), since the request could then only time out.
 * @{
 */
#ifndef VFABRIC_CTL_H
#define VFABRIC_CTL_H

#include <vfabric/common.h>
#include <vfabric/datapath.h>
#include <vfabric/port.h>

VF_BEGIN_DECLS

/** The control protocol version this library speaks. */
#define VF_CTL_PROTOCOL 1
/** The default of vf_ctl_opts.max_msg: 64 KiB. */
#define VF_CTL_MSG_DEFAULT (64u * 1024u)
/** The largest message either side accepts: 1 MiB. */
#define VF_CTL_MSG_MAX (1024u * 1024u)

/** vf_ctl_opts.flags: also allow the uid vf_ctl_opts.allow_uid. */
#define VF_CTL_F_ALLOW_UID (1u << 0)
/** vf_ctl_opts.flags: also allow members of the group
 *  vf_ctl_opts.allow_gid. */
#define VF_CTL_F_ALLOW_GID (1u << 1)

/** Options of vf_fabric_ctl_listen(). */
typedef struct vf_ctl_opts {
	size_t sz; /**< sizeof(vf_ctl_opts) */
	/** The socket's path (at most 107 bytes); required. A stale socket
	 *  file there (nobody listening) is replaced; a live one or any
	 *  other file is refused. */
	const char *path;
	/** VF_CTL_F_* flags; unknown bits are refused. */
	uint32_t flags;
	/** With VF_CTL_F_ALLOW_UID: one more uid that may connect. */
	uint32_t allow_uid;
	/** With VF_CTL_F_ALLOW_GID: a group whose members may connect; the
	 *  socket file is given this group. */
	uint32_t allow_gid;
	/** The socket file's permission bits (at most 0777); 0: 0600, plus
	 *  0060 with VF_CTL_F_ALLOW_GID and 0006 with VF_CTL_F_ALLOW_UID (the
	 *  credential check still decides). */
	uint32_t mode;
	/** Largest request accepted, in bytes, 64 to VF_CTL_MSG_MAX; 0:
	 *  VF_CTL_MSG_DEFAULT. */
	uint32_t max_msg;
	/** Clients connected at once, 1 to 1024; 0: 32. One more is told
	 *  -EBUSY and disconnected. */
	uint32_t max_clients;
	/** A client that neither completes a request nor takes its response
	 *  for this long is disconnected, in ms, 100 to 3600000; 0: 30000. */
	uint32_t idle_ms;
	uint32_t reserved_; /**< zero: fills what would be padding */
	size_t : 0;	    /**< aligns the end; fields are only ever added before it */
} vf_ctl_opts;
/** The last field of vf_ctl_opts this version knows. */
#define vf_ctl_opts__last_field idle_ms

/**
 * @brief Serves the control socket for @p fabric on its control loop.
 * @param fabric the fabric
 * @param opts options; @c path is required
 * @return 0, or -errno: -EINVAL (bad options, a path too long), -EALREADY
 * (already listening), -EADDRINUSE (a server listens at the path),
 * -EEXIST (a file that is not a socket is there), -ENOENT (destroyed
 * fabric, or no such directory), -EACCES, -EPERM (chown to the group
 * refused), -ENOMEM
 * @since 0.1
 */
VF_API int vf_fabric_ctl_listen(vf_fabric *fabric, const vf_ctl_opts *opts);

/**
 * @brief Stops serving: disconnects every client and removes the socket
 * file (if it is still the one vf_fabric_ctl_listen() made).
 * vf_fabric_destroy() does this too.
 * @param fabric the fabric
 * @return 0, or -EINVAL (NULL), -ENOTCONN (not listening)
 * @since 0.1
 */
VF_API int vf_fabric_ctl_close(vf_fabric *fabric);

/** What the control socket's server counted. Versioned like an option
 *  struct: set @c sz before vf_fabric_ctl_stats(). */
typedef struct vf_ctl_stats {
	size_t sz;	   /**< sizeof(vf_ctl_stats) */
	uint64_t clients;  /**< clients connected now */
	uint64_t accepted; /**< connections accepted (credentials allowed) */
	uint64_t refused;  /**< connections refused for their credentials */
	uint64_t busy;	   /**< connections refused past max_clients */
	uint64_t requests; /**< requests handled (whatever their result) */
	uint64_t bad;	   /**< malformed, oversized or wrong-version messages */
	uint64_t timeouts; /**< clients disconnected for idleness */
	size_t : 0;	   /**< aligns the end; fields are only ever added before it */
} vf_ctl_stats;
/** The last field of vf_ctl_stats this version knows. */
#define vf_ctl_stats__last_field timeouts

/**
 * @brief Reads the control server's counters (all zero while not
 * listening; they start again at each vf_fabric_ctl_listen()).
 * @param fabric the fabric
 * @param[out] out filled up to @c out->sz, which the caller sets
 * @return 0, or -EINVAL
 * @since 0.1
 */
VF_API int vf_fabric_ctl_stats(const vf_fabric *fabric, vf_ctl_stats *out);

/** A client's connection to a control socket. */
typedef struct vf_ctl vf_ctl;

/**
 * @brief Connects to the control socket at @p path and checks that the
 * server speaks this protocol and admits this process.
 * @param[out] out the connection; NULL on failure
 * @param path the socket's path
 * @return 0, or -errno: -EINVAL, -ENOENT (no socket there), -ECONNREFUSED
 * (nobody listens), -EACCES (the file's mode, or the server refused this
 * process's credentials: vf_last_error() says which), -EBUSY (the server
 * has too many clients), -EPROTONOSUPPORT, -ETIMEDOUT, -ENOMEM
 * @since 0.1
 */
VF_API int vf_ctl_connect(vf_ctl **out, const char *path);

/** @brief Closes the connection. NULL is a no-op. @since 0.1 */
VF_API void vf_ctl_close(vf_ctl *ctl);

/**
 * @brief Sets how long each later call waits for the server (default
 * 5000 ms).
 * @param ctl the connection
 * @param timeout_ms 1 to 3600000, or -1 for no limit
 * @return 0, or -EINVAL
 * @since 0.1
 */
VF_API int vf_ctl_set_timeout(vf_ctl *ctl, int timeout_ms);

/**
 * @brief The server's fabric host name (borrowed, valid until
 * vf_ctl_close()).
 * @since 0.1
 */
VF_API const char *vf_ctl_host_name(const vf_ctl *ctl);

/**
 * @brief Creates a port on the server's fabric and, when @p bind is given,
 * binds it (vf_port_create() then vf_port_bind()). If the bind fails, the
 * port is removed again: nothing is left half-done. The port belongs to
 * the fabric's control socket, which holds it until vf_ctl_detach() or
 * vf_fabric_destroy(): the host may use it (look-ups return a borrowed
 * handle) but must not vf_port_destroy() it.
 * @param ctl the connection
 * @param cell the cell's name
 * @param subnet the subnet's name in that cell
 * @param port the port's options (@c name required), as for
 * vf_port_create()
 * @param bind NULL: leave the port unbound; else the options of
 * vf_port_bind() (string fields: at most 255 bytes, 4095 for @c netns)
 * @param[out] out NULL, or the new port described as a JSON object (the
 * form of vf_ctl_list()'s ports); free it with vf_free()
 * @return 0, or what vf_port_create() or vf_port_bind() return; -ENOENT
 * also for an unknown cell or subnet; transport errors as vf_ctl_list()
 * @since 0.1
 */
VF_API int vf_ctl_attach(vf_ctl *ctl, const char *cell, const char *subnet,
			 const vf_port_opts *port, const vf_bind_opts *bind, char **out);

/**
 * @brief Removes a port from the server's fabric (unbinding it first). A
 * port the host created leaves the model as if its subnet had been
 * destroyed: the host's handle stays valid, answers -ENOENT, and is still
 * released by the host's vf_port_destroy().
 * @param ctl the connection
 * @param port the port's name
 * @return 0, or -ENOENT (no such port), -EINVAL; transport errors as
 * vf_ctl_list()
 * @since 0.1
 */
VF_API int vf_ctl_detach(vf_ctl *ctl, const char *port);

/**
 * @brief Lists the server's objects as JSON:
 * `{"host": ..., "cells": [{"id", "name", "owner", "vni", "subnets":
 * [{"id", "name", "kind", "prefix", "gateway", "mtu", "ports": [{"id",
 * "name", "cell", "subnet", "vip", "vmac", "admin_up", "link_up",
 * "datapath", "ifname"}]}], "router": null or {"name", "subnets": [...]},
 * "secgroups": [names], "policies": [names]}]}`. Addresses are strings
 * ("10.1.1.5", "02:01:0a:01:01:05"); "datapath" and "ifname" are null for
 * an unbound port.
 * @param ctl the connection
 * @param[out] out the text, NUL-terminated; free it with vf_free()
 * @return 0, or -errno: -EINVAL, -EMSGSIZE (the listing is larger than
 * VF_CTL_MSG_MAX), -ETIMEDOUT, -ECONNRESET (the server closed the
 * connection), -EPROTO (a response that does not parse), -ENOTCONN (an
 * earlier transport error broke this connection), -ENOMEM
 * @since 0.1
 */
VF_API int vf_ctl_list(vf_ctl *ctl, char **out);

/**
 * @brief Reads counters as JSON. For a port: `{"port", "rx_packets",
 * "rx_bytes", "tx_packets", "tx_bytes", "drops", "drop": {reason name:
 * count, ...}}`; for the fabric: `{"host", "ports", "locations", "drops",
 * "drop": {...}, "ctl": {vf_ctl_stats fields}}`. "drop" has every reason
 * of vf_drop_reason but VF_DROP_NONE, by vf_drop_reason_name().
 * @param ctl the connection
 * @param port a port's name, or NULL for the fabric's counters
 * @param[out] out the text; free it with vf_free()
 * @return 0, or -ENOENT (no such port); transport errors as vf_ctl_list()
 * @since 0.1
 */
VF_API int vf_ctl_counters(vf_ctl *ctl, const char *port, char **out);

/**
 * @brief Runs vf_trace() on the server.
 * @param ctl the connection
 * @param port the ingress port's name, or NULL for the underlay
 * @param frame the Ethernet frame
 * @param len its length, 14 to 65535
 * @param[out] out the trace text; free it with vf_free()
 * @return the verdict as vf_trace(), or -errno as vf_trace() and
 * vf_ctl_list(); -ENOENT for an unknown port
 * @since 0.1
 */
VF_API int vf_ctl_trace(vf_ctl *ctl, const char *port, const void *frame, size_t len,
			char **out);

/**
 * @brief Lists the locations the server's fabric knows, as JSON: `[{"cell",
 * "vip", "vmac", "subnet", "host_mac", "host_ip", "version", "local"}]`,
 * its own ports' first ("local": true), then other hosts' VMs.
 * @param ctl the connection
 * @param[out] out the text; free it with vf_free()
 * @return 0, or transport errors as vf_ctl_list()
 * @since 0.1
 */
VF_API int vf_ctl_locations(vf_ctl *ctl, char **out);

/**
 * @brief The server's gossip members, as JSON: `{"status": "stopped" |
 * "running" | "leaving" | "left", "members": [{"name", "addr", "port",
 * "state": "alive" | "suspect" | "failed" | "left", "incarnation",
 * "self", "tags": {key: value, ...}}]}`, its own member first; no members
 * when gossip is not running (vf_gossip_member_get()).
 * @param ctl the connection
 * @param[out] out the text; free it with vf_free()
 * @return 0, or transport errors as vf_ctl_list()
 * @since 0.1
 */
VF_API int vf_ctl_members(vf_ctl *ctl, char **out);

VF_END_DECLS

/** @} */
#endif
