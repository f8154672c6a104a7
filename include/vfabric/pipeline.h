/**
 * @file vfabric/pipeline.h
 * @defgroup pipeline Pipeline
 * @brief What every host does to every frame: port security, local ARP and
 * DHCP, the distributed router, policy, bandwidth limits, location and MAC
 * rewriting; the in-process way in and out; counters and traces.
 *
 * Frames enter either from a port (what its VM transmits) or from the
 * underlay (what arrived for this host's MAC). Whatever the pipeline sends
 * (to a local port, or to the underlay for another host) goes to the
 * fabric's output callback. Until a datapath is attached, this in-process
 * path is the whole I/O of a fabric: a VMM can move frames with it and no
 * syscall.
 *
 * Every dropped frame is counted under one reason (vf_drop_reason), on its
 * port, or on the fabric when no port is known. vf_trace() runs a frame
 * through the pipeline without side effects and tells each decision in
 * words.
 * @{
 */
#ifndef VFABRIC_PIPELINE_H
#define VFABRIC_PIPELINE_H

#include <vfabric/common.h>

VF_BEGIN_DECLS

/** Why a frame was dropped. Values are stable; new reasons are appended. */
typedef enum vf_drop_reason {
	VF_DROP_NONE = 0,	    /**< not dropped */
	VF_DROP_MALFORMED = 1,	    /**< truncated or invalid headers */
	VF_DROP_UNSUPPORTED = 2,    /**< neither IPv4 nor ARP (IPv6, LLDP, ...) */
	VF_DROP_PORT_DOWN = 3,	    /**< the port is administratively down */
	VF_DROP_SPOOF_MAC = 4,	    /**< source MAC is not the port's VMAC */
	VF_DROP_SPOOF_IP = 5,	    /**< source IP is not the port's VIP */
	VF_DROP_DHCP_SERVER = 6,    /**< a VM sent a DHCP server message */
	VF_DROP_ROUTER_ADVERT = 7,  /**< a VM sent an ICMP router advertisement */
	VF_DROP_ARP_INVALID = 8,    /**< ARP for nothing we answer, or a bad gratuitous ARP */
	VF_DROP_ARP_PENDING_FULL = 9, /**< too many ARP requests waiting for locations */
	VF_DROP_DHCP_INVALID = 10,  /**< a DHCP message we cannot answer */
	VF_DROP_TTL_EXCEEDED = 11,  /**< TTL ran out at the router */
	VF_DROP_NO_ROUTE = 12,	    /**< no subnet, route or cell for the destination */
	VF_DROP_INTRA_CELL = 13,    /**< the cell's intra-cell verdict is deny */
	VF_DROP_INTER_CELL = 14,    /**< no policy admits it into the other cell */
	VF_DROP_SECGROUP_EGRESS = 15,  /**< no security-group rule lets the VM send it */
	VF_DROP_SECGROUP_INGRESS = 16, /**< no security-group rule lets the VM receive it */
	VF_DROP_QOS_EGRESS = 17,    /**< over the port's sending rate */
	VF_DROP_QOS_INGRESS = 18,   /**< over the port's receiving rate */
	VF_DROP_NO_LOCATION = 19,   /**< the destination VIP is nowhere known */
	VF_DROP_NOT_HERE = 20,	    /**< from the underlay, for a VIP with no port here */
	VF_DROP_NOT_FOR_HOST = 21,  /**< from the underlay, not for this host's MAC */
	VF_DROP_FRAGMENT = 22,	    /**< a later fragment a port-based rule would have to judge */
	VF_DROP_TOO_BIG = 23,	    /**< larger than the subnet's MTU */
	VF_DROP_LINK_UNPAIRED = 24, /**< a link subnet whose other end does not exist */
	VF_DROP_NO_OUTPUT = 25	    /**< nothing to send it with (no output callback) */
} vf_drop_reason;

/**
 * @brief A reason's stable name, e.g. "spoof-ip" (for logs and metrics).
 * @param reason a vf_drop_reason
 * @return a static string; "unknown" for values this library does not know
 * @since 0.1
 */
VF_API const char *vf_drop_reason_name(vf_drop_reason reason);

/**
 * Receives a frame the pipeline sends.
 * @param user_data as given to vf_fabric_set_output()
 * @param port the local port it goes to, or NULL for the underlay
 * @param frame the whole Ethernet frame, valid only during the call
 * @param len its length
 */
typedef void (*vf_output_fn)(void *user_data, vf_port *port, const uint8_t *frame,
			     size_t len);

/**
 * @brief Sets where the pipeline's frames go.
 * @param fabric the fabric
 * @param fn the callback, or NULL (frames are then dropped, counted as
 * VF_DROP_NO_OUTPUT)
 * @param user_data passed to @p fn
 * @return 0; -ENOENT if @p fabric was destroyed; -EINVAL for NULL @p fabric
 * @since 0.1
 */
VF_API int vf_fabric_set_output(vf_fabric *fabric, vf_output_fn fn, void *user_data);

/**
 * @brief Runs a frame that @p port's VM transmitted through the pipeline.
 *
 * The output callback is called, on this thread and before this returns,
 * once for each frame the pipeline sends (replies, forwarded copies).
 * A dropped frame is not an error: it is counted and 0 is returned.
 * @param port the port whose VM sent it
 * @param frame the Ethernet frame (copied if it must wait; not kept)
 * @param len its length, 14 to 65535
 * @return the number of frames sent; -EINVAL for NULL arguments or a
 * length out of range; -ENOENT if @p port was removed; -EBUSY when called
 * from this fabric's own output callback
 * @since 0.1
 */
VF_API int vf_port_inject(vf_port *port, const void *frame, size_t len);

/**
 * @brief Runs a frame that arrived from the physical network through the
 * pipeline. Only frames for this host's MAC are the fabric's (other hosts
 * send even broadcasts as unicast copies); any other is dropped as
 * VF_DROP_NOT_FOR_HOST.
 * @param fabric the fabric
 * @param frame the Ethernet frame
 * @param len its length, 14 to 65535
 * @return the number of frames sent; -EINVAL; -ENOENT; -EBUSY when called
 * from this fabric's own output callback
 * @since 0.1
 */
VF_API int vf_fabric_inject_underlay(vf_fabric *fabric, const void *frame, size_t len);

/**
 * @brief Runs a batch of frames that @p port's VM transmitted, as
 * vf_port_inject() would one by one, for less per frame (the checks, the
 * clock and the lock are taken once per batch).
 * Every frame is checked before the first is run: one bad frame refuses
 * the whole batch and nothing is run.
 * @param port the port whose VM sent them
 * @param frames @p n frames (@c flags: 0 or VF_FRAME_F_WRITABLE, which
 * lets the fabric run them in place)
 * @param n how many, 0 to 4096
 * @return the number of frames sent in all; -EINVAL (NULL arguments, a
 * frame with no data, a length out of range or unknown flags: the message
 * gives its index), -ENOENT, -EBUSY as vf_port_inject()
 * @since 0.1
 */
VF_API int vf_port_inject_batch(vf_port *port, const vf_frame *frames, unsigned int n);

/**
 * @brief Runs a batch of frames from the physical network, as
 * vf_fabric_inject_underlay() would one by one; checked as
 * vf_port_inject_batch().
 * @param fabric the fabric
 * @param frames @p n frames
 * @param n how many, 0 to 4096
 * @return the number of frames sent in all, or -errno as
 * vf_port_inject_batch()
 * @since 0.1
 */
VF_API int vf_fabric_inject_underlay_batch(vf_fabric *fabric, const vf_frame *frames,
					   unsigned int n);

/** Traffic counters of a port, seen from the fabric. Versioned like an
 *  option struct: set @c sz before vf_port_stats(). */
typedef struct vf_port_stats {
	size_t sz;		/**< sizeof(vf_port_stats) */
	uint64_t rx_packets;	/**< frames the VM sent that the pipeline took in */
	uint64_t rx_bytes;	/**< their bytes */
	uint64_t tx_packets;	/**< frames delivered to the VM */
	uint64_t tx_bytes;	/**< their bytes */
	uint64_t drops;		/**< frames dropped, all reasons */
	size_t : 0; /**< aligns the end; fields are only ever added before it */
} vf_port_stats;
/** The last field of vf_port_stats this version knows (the size check uses it). */
#define vf_port_stats__last_field drops

/**
 * @brief Reads a port's counters.
 * @param port the port
 * @param[out] out filled up to @c out->sz, which the caller sets
 * @return 0; -EINVAL for NULL arguments or a bad @c sz
 * @since 0.1
 */
VF_API int vf_port_stats_get(const vf_port *port, vf_port_stats *out);

/**
 * @brief How many frames of a port were dropped for one reason.
 * @param port the port
 * @param reason the reason
 * @return the count (0 for NULL or unknown reasons)
 * @since 0.1
 */
VF_API uint64_t vf_port_drops(const vf_port *port, vf_drop_reason reason);

/**
 * @brief How many frames the fabric dropped for one reason before any port
 * was known (underlay frames, mostly).
 * @param fabric the fabric
 * @param reason the reason
 * @return the count (0 for NULL or unknown reasons)
 * @since 0.1
 */
VF_API uint64_t vf_fabric_drops(const vf_fabric *fabric, vf_drop_reason reason);

/**
 * @brief Runs one frame through the pipeline as vf_port_inject() (or, with
 * @p port NULL, vf_fabric_inject_underlay()) would, without sending,
 * counting or changing any state, and tells each decision in words, one per
 * line, like ovn-trace.
 * @param fabric the fabric
 * @param port the ingress port, or NULL for the underlay
 * @param frame the Ethernet frame
 * @param len its length
 * @param[out] out the text, NUL-terminated; free it with vf_free()
 * @return the verdict: VF_DROP_NONE (0) if the frame would be sent or
 * answered, else the vf_drop_reason; -EINVAL; -ENOENT; -ENOMEM; -EBUSY
 * when called from this fabric's own output callback
 * @since 0.1
 */
VF_API int vf_trace(vf_fabric *fabric, vf_port *port, const void *frame, size_t len,
		    char **out);

/**
 * @brief Frees memory the library allocated for the caller (vf_trace()'s
 * text). NULL is a no-op.
 * @param ptr the memory
 * @since 0.1
 */
VF_API void vf_free(void *ptr);

VF_END_DECLS

/** @} */
#endif
