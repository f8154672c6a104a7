/**
 * @file vfabric/sys/datapath.h
 * @defgroup sysdatapath Datapath back ends
 * @brief The interface a datapath implements: for third parties that
 * plug in their own way of moving frames.
 *
 * A datapath moves frames between the fabric and one kind of endpoint (a
 * netdev through AF_PACKET, an in-process VMM, ...). It registers an ops
 * table with a fabric under a name; vf_port_bind() and
 * vf_fabric_bind_underlay() (datapath.h) then open endpoints through it.
 * The built-in datapaths ("afpacket", "callback") register through this
 * same table.
 *
 * Like everything under vfabric/sys/, this is stable ABI with fewer
 * conveniences: the ops table is versioned by its size field, fields are
 * only ever appended, and the library calls an op only if the caller's
 * table is large enough to hold it.
 *
 * Threads: the library never calls two ops on the same endpoint at the
 * same time, but it may call them from different threads (the worker that
 * polls the endpoint receives; whichever worker routes a frame to it
 * transmits). open and close are called on the fabric's control thread.
 * @{
 */
#ifndef VFABRIC_SYS_DATAPATH_H
#define VFABRIC_SYS_DATAPATH_H

#include <vfabric/common.h>

VF_BEGIN_DECLS

/* vf_frame, one frame between the fabric and a datapath, is in common.h. */

/** vf_endpoint_info.flags: the endpoint is the host's underlay NIC. */
#define VF_ENDPOINT_F_UNDERLAY (1u << 0)

/** What the fabric asks a datapath to open. Versioned like an option struct. */
typedef struct vf_endpoint_info {
	size_t sz;	  /**< sizeof(vf_endpoint_info) */
	const char *name; /**< the netdev (or the datapath's own endpoint name) */
	const char *port; /**< the port's name; NULL for the underlay */
	uint32_t flags;	  /**< VF_ENDPOINT_F_* */
	uint32_t mtu;	  /**< largest frame the fabric will send, Ethernet header included */
	vf_mac mac;	  /**< the port's VMAC, or the host's MAC for the underlay */
	uint16_t reserved_; /**< zero: fills what would be padding */
	size_t : 0; /**< aligns the end; fields are only ever added before it */
} vf_endpoint_info;
/** The last field of vf_endpoint_info this version knows. */
#define vf_endpoint_info__last_field mac

/** An endpoint's traffic, as its datapath counts it. Versioned. */
typedef struct vf_datapath_stats {
	size_t sz;	     /**< sizeof(vf_datapath_stats) */
	uint64_t rx_packets; /**< frames received from the endpoint */
	uint64_t rx_bytes;   /**< their bytes */
	uint64_t rx_dropped; /**< frames lost before the fabric saw them (ring full, ...) */
	uint64_t tx_packets; /**< frames sent to the endpoint */
	uint64_t tx_bytes;   /**< their bytes */
	uint64_t tx_dropped; /**< frames the endpoint could not take (ring full, link down) */
	uint64_t link_downs; /**< times its link went down or its netdev vanished (the fabric counts) */
	size_t : 0; /**< aligns the end; fields are only ever added before it */
} vf_datapath_stats;
/** The last field of vf_datapath_stats this version knows. */
#define vf_datapath_stats__last_field link_downs

/** vf_datapath_ops.flags: no descriptor to wait on; the endpoint gets
 *  its frames by vf_port_inject() / vf_fabric_inject_underlay() and rx is
 *  never called. */
#define VF_DATAPATH_F_INJECT (1u << 0)
/** vf_datapath_ops.flags: endpoint names are netdevs in the fabric's
 *  network namespace. The fabric then creates them on request
 *  (VF_BIND_F_CREATE_TAP/VETH), sets them up, follows their link state (a
 *  port goes down with its netdev) and takes the host MAC from the
 *  underlay's. Without it, the name is the datapath's own business. */
#define VF_DATAPATH_F_NETDEV (1u << 1)

/**
 * A datapath's operations. Versioned by @c sz; the library copies the
 * table at registration.
 */
typedef struct vf_datapath_ops {
	size_t sz; /**< sizeof(vf_datapath_ops) */
	/** The name users bind with: 1..32 of [A-Za-z0-9._-], unique per fabric. */
	const char *name;
	/** VF_DATAPATH_F_* */
	uint32_t flags;
	uint32_t reserved_; /**< zero */
	/**
	 * Opens an endpoint. Stores the endpoint's state in @p *state.
	 * Returns 0 or -errno (the message the datapath sets with
	 * vf_datapath_error() reaches the caller of vf_port_bind()).
	 */
	int (*open)(void **state, const vf_endpoint_info *info, void *user_data);
	/** Closes an endpoint; frames from its last rx are no longer used. */
	void (*close)(void *state);
	/** A descriptor that polls readable when rx has frames, or -1 when the
	 *  endpoint must be polled (or has VF_DATAPATH_F_INJECT). */
	int (*fd)(void *state);
	/**
	 * Receives up to @p max frames into @p frames, without blocking.
	 * The frames stay valid until rx_release(). Returns how many
	 * (0: none ready) or -errno.
	 */
	int (*rx)(void *state, vf_frame *frames, int max);
	/** The fabric is done with the frames of the last rx. May be NULL. */
	void (*rx_release)(void *state);
	/**
	 * Sends @p n frames; the data is only valid during the call.
	 * Returns how many were taken (the rest count as tx_dropped), or
	 * -errno when none were.
	 */
	int (*tx)(void *state, const vf_frame *frames, int n);
	/** Fills @p out (whose sz is set). May be NULL: the fabric counts. */
	int (*stats)(void *state, vf_datapath_stats *out);
	/**
	 * May be NULL. When set, tx only queues the frames it takes (it must
	 * still copy them: their data is valid only during tx), and flush
	 * sends what is queued: the fabric calls tx as frames come out of the
	 * pipeline and flush once at the end of each batch, which saves
	 * staging them. Returns 0 or -errno.
	 */
	int (*flush)(void *state);
	size_t : 0; /**< aligns the end; fields are only ever added before it */
} vf_datapath_ops;
/** The last field of vf_datapath_ops this version knows. */
#define vf_datapath_ops__last_field flush

/**
 * @brief Registers a datapath with @p fabric under @p ops->name. The table
 * is copied; @p user_data is passed to its open.
 * @return 0, or -EINVAL (a NULL or short table, a bad name, a missing
 * open/close/tx, or rx missing without VF_DATAPATH_F_INJECT), -EEXIST
 * (the name is taken), -ENOMEM.
 * @since 0.1
 */
VF_API int vf_datapath_register(vf_fabric *fabric, const vf_datapath_ops *ops,
				void *user_data);

/**
 * @brief Removes a registered datapath.
 * @return 0, or -ENOENT (no such name), -EBUSY (endpoints are open
 * through it).
 * @since 0.1
 */
VF_API int vf_datapath_unregister(vf_fabric *fabric, const char *name);

/**
 * @brief Sets the thread's vf_last_error() text to @p msg, for a datapath's
 * open to explain a failure. Returns @p err, so
 * `return vf_datapath_error(-ENODEV, "no such netdev");` works.
 * @since 0.1
 */
VF_API int vf_datapath_error(int err, const char *msg);

VF_END_DECLS

/** @} */
#endif
