/**
 * @file vfabric/datapath.h
 * @defgroup datapath Datapaths and workers
 * @brief Binding ports and the underlay to real endpoints, and the
 * workers that move their frames.
 *
 * A port, or the host's underlay, is bound to one endpoint of a datapath:
 *
 * - "afpacket": a netdev (tap, veth, physical NIC) through an AF_PACKET
 *   socket with TPACKET_V3 rings. The fabric can create the netdev for a
 *   port: a tap, or a veth pair whose other end (the VM's NIC, given the
 *   port's VMAC) goes into a network namespace.
 * - "callback": in process. Frames come in by vf_port_inject() and
 *   vf_fabric_inject_underlay() and go out through the output callback of
 *   vf_fabric_set_output() (pipeline.h). An unbound port, and an unbound
 *   underlay, behave this way.
 * - a third party's datapath, registered with vf_datapath_register()
 *   (vfabric/sys/datapath.h).
 *
 * Workers poll the endpoints and run the pipeline on batches of frames.
 * The host creates them with vf_worker_create() and calls
 * vf_worker_poll() on threads it owns (with the CPU affinity it chooses),
 * or asks the library to start threads with vf_fabric_workers_start().
 * Each endpoint with a descriptor is polled by exactly one worker; new
 * endpoints go to the worker with the fewest. Control calls on the
 * fabric's thread go on while workers run: workers take no lock shared
 * with each other or with the control thread for a batch (they read the
 * tables the control loop publishes, see README "Threading and
 * embedding"), and a change reaches them once the control loop has run.
 * @{
 */
#ifndef VFABRIC_DATAPATH_H
#define VFABRIC_DATAPATH_H

#include <stdbool.h>

#include <vfabric/common.h>
#include <vfabric/sys/datapath.h>

VF_BEGIN_DECLS

/** A worker: polls endpoints and runs the pipeline (see above). */
typedef struct vf_worker vf_worker;

/** vf_bind_opts.flags: create a tap named @c ifname for the port (deleted
 *  again by vf_port_unbind()). "afpacket" only. */
#define VF_BIND_F_CREATE_TAP (1u << 0)
/** vf_bind_opts.flags: create a veth pair @c ifname <-> @c peer; the peer
 *  is the VM's NIC: it gets the port's VMAC and the subnet's MTU and moves
 *  into the namespace @c netns. Deleted again by vf_port_unbind().
 *  "afpacket" only. */
#define VF_BIND_F_CREATE_VETH (1u << 1)
/** vf_bind_opts.flags: the netdev, which exists, is the fabric's to delete
 *  as if the bind had created it (vf_port_unbind() and the port's removal
 *  delete it; a veth takes its peer along). For a host process that made
 *  the netdev before a restart. Netdev datapaths only; implied by the
 *  create flags. */
#define VF_BIND_F_OWN (1u << 2)

/** Options of vf_port_bind() and vf_fabric_bind_underlay(). */
typedef struct vf_bind_opts {
	size_t sz; /**< sizeof(vf_bind_opts) */
	/** The datapath's name; NULL: "afpacket" when @c ifname is set,
	 *  else "callback". */
	const char *datapath;
	/** The netdev (afpacket); NULL: the port's name. */
	const char *ifname;
	/** VF_BIND_F_* flags; unknown bits are refused. */
	uint32_t flags;
	uint32_t reserved_; /**< zero: fills what would be padding */
	/** VF_BIND_F_CREATE_VETH: the VM end's name (required). */
	const char *peer;
	/** VF_BIND_F_CREATE_VETH: the namespace for the VM end, as a path
	 *  (/run/netns/NAME, /proc/PID/ns/net); NULL: stays here. */
	const char *netns;
	size_t : 0; /**< aligns the end; fields are only ever added before it */
} vf_bind_opts;
/** The last field of vf_bind_opts this version knows. */
#define vf_bind_opts__last_field netns

/**
 * @brief Binds @p port to an endpoint (an unbound port uses "callback").
 * Creates the netdev when asked, sets it up, opens it through the
 * datapath and hands it to a worker. Nothing is left half-done on error.
 * @return 0, or -errno: -EINVAL (bad opts), -ENOENT (no such datapath,
 * or the port is destroyed), -EBUSY (already bound: unbind first),
 * -ENODEV (no such netdev), -EEXIST (a netdev to create exists), or what
 * the datapath or the kernel said; vf_last_error() has the details,
 * including the kernel's extended ack message.
 * @since 0.1
 */
VF_API int vf_port_bind(vf_port *port, const vf_bind_opts *opts);

/**
 * @brief Closes the port's endpoint (deleting a netdev the bind created);
 * the port is unbound ("callback") again.
 * @return 0, or -EINVAL, -ENOENT (destroyed), -ENOTCONN (not bound).
 * @since 0.1
 */
VF_API int vf_port_unbind(vf_port *port);

/** @brief The datapath the port is bound to (borrowed), or NULL when
 *  unbound. @since 0.1 */
VF_API const char *vf_port_datapath(const vf_port *port);

/** @brief The netdev (or endpoint name) the port is bound to (borrowed),
 *  or NULL. @since 0.1 */
VF_API const char *vf_port_ifname(const vf_port *port);

/**
 * @brief Whether the port's endpoint has link: false while its netdev is
 * down or gone (the pipeline then treats the port as down); true for an
 * unbound port or an endpoint without a link state.
 * @since 0.1
 */
VF_API bool vf_port_link_up(const vf_port *port);

/**
 * @brief The datapath's counters of the port's endpoint.
 * @return 0, or -EINVAL, -ENOTCONN (not bound).
 * @since 0.1
 */
VF_API int vf_port_datapath_stats(const vf_port *port, vf_datapath_stats *out);

/**
 * @brief Binds the host's underlay to an endpoint (its physical NIC, or
 * a veth in tests). The netdev's MAC becomes the fabric's host MAC when
 * none is set. The host's own traffic on it is left alone.
 * @return 0 or -errno as vf_port_bind().
 * @since 0.1
 */
VF_API int vf_fabric_bind_underlay(vf_fabric *fabric, const vf_bind_opts *opts);

/** @brief Closes the underlay's endpoint. @return 0, -EINVAL, -ENOTCONN.
 *  @since 0.1 */
VF_API int vf_fabric_unbind_underlay(vf_fabric *fabric);

/** @brief The underlay endpoint's counters. @return 0, -EINVAL, -ENOTCONN.
 *  @since 0.1 */
VF_API int vf_fabric_underlay_stats(const vf_fabric *fabric, vf_datapath_stats *out);

/** Options of vf_worker_create(). */
typedef struct vf_worker_opts {
	size_t sz; /**< sizeof(vf_worker_opts) */
	/** Frames received per endpoint per round, 1..256; 0: 32. */
	uint32_t batch;
	uint32_t reserved_; /**< zero: fills what would be padding */
	size_t : 0; /**< aligns the end; fields are only ever added before it */
} vf_worker_opts;
/** The last field of vf_worker_opts this version knows. */
#define vf_worker_opts__last_field batch

/**
 * @brief Creates a worker. Endpoints bound so far that no worker polls
 * are handed to it. A control call.
 * @return 0, or -EINVAL, -ENOMEM, -EMFILE.
 * @since 0.1
 */
VF_API int vf_worker_create(vf_worker **out, vf_fabric *fabric, const vf_worker_opts *opts);

/**
 * @brief Destroys a worker; its endpoints go to the other workers (or
 * wait for the next one). A control call: no thread may be in
 * vf_worker_poll() on it. NULL is a no-op.
 * @since 0.1
 */
VF_API void vf_worker_destroy(vf_worker *worker);

/**
 * @brief A descriptor that polls readable when the worker's endpoints have
 * frames (an epoll descriptor), for hosts that wait themselves.
 * @since 0.1
 */
VF_API int vf_worker_fd(const vf_worker *worker);

/**
 * @brief Waits up to @p timeout_ms (0: not at all, -1: until frames come)
 * and runs the pipeline on what arrived. Call it on one thread at a time
 * per worker; different workers may poll on different threads at once.
 * @return frames received, or -errno: -EINVAL, -ENOENT (its fabric was
 * destroyed), -EINTR.
 * @since 0.1
 */
VF_API int vf_worker_poll(vf_worker *worker, int timeout_ms);

/** @brief Frames this worker has received. @since 0.1 */
VF_API uint64_t vf_worker_frames(const vf_worker *worker);

/**
 * @brief Starts @p n library threads, each with its own worker, polling
 * until vf_fabric_workers_stop() or vf_fabric_destroy().
 * @param fabric the fabric
 * @param n how many threads (1..64)
 * @param cpus NULL, or @p n CPU numbers: thread i is pinned to cpus[i]
 * (-1: not pinned).
 * @return 0, or -EINVAL (n 0 or above 64, a CPU that does not exist),
 * -EALREADY (threads run), -EAGAIN, -ENOMEM.
 * @since 0.1
 */
VF_API int vf_fabric_workers_start(vf_fabric *fabric, unsigned int n, const int *cpus);

/**
 * @brief Stops and joins the library's worker threads.
 * @return 0, or -EINVAL, -ESRCH (none running).
 * @since 0.1
 */
VF_API int vf_fabric_workers_stop(vf_fabric *fabric);

VF_END_DECLS

/** @} */
#endif
