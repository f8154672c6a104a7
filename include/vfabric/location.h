/**
 * @file vfabric/location.h
 * @defgroup location Locations
 * @brief Where each VM lives: (cell, VIP) to (VMAC, subnet, host).
 *
 * The pipeline reads locations to send a frame to the host that has its
 * destination and to answer ARP for VMs elsewhere. A fabric knows the
 * locations of its own ports by itself. Those of other hosts' ports come
 * from the gossip location service or, without it, are set here (static
 * locations, e.g. from a configuration file).
 * @{
 */
#ifndef VFABRIC_LOCATION_H
#define VFABRIC_LOCATION_H

#include <vfabric/common.h>

VF_BEGIN_DECLS

/** One VM's location. Versioned like an option struct. */
typedef struct vf_location {
	size_t sz;	   /**< sizeof(vf_location) */
	uint32_t cell_id;  /**< the cell */
	uint32_t vip;	   /**< the VM's VIP, host byte order */
	vf_mac vmac;	   /**< its VMAC */
	uint32_t subnet_id; /**< its subnet's id in the cell */
	vf_mac host_mac;   /**< the MAC (PMAC) of the host it is on */
	uint32_t host_ip;  /**< that host's underlay IPv4 (0: unknown) */
	uint64_t version;  /**< higher wins; 0 for static locations */
	size_t : 0; /**< aligns the end; fields are only ever added before it */
} vf_location;
/** The last field of vf_location this version knows (the size check uses it). */
#define vf_location__last_field version

/**
 * @brief Sets (adds or replaces) the location of a VM on another host.
 * ARP requests that were waiting for it are answered now (the output
 * callback may be called before this returns).
 * @param fabric the fabric
 * @param loc the location; its cell must exist here, its VIP must be in
 * the subnet it names, and @c host_mac must not be this host's
 * @return 0; -EINVAL (bad fields, this host's MAC, a VIP outside the
 * subnet, or an address no port may have); -ENOENT (no such cell or
 * subnet); -EADDRINUSE (the VIP is a local port's); -ENOMEM; -EBUSY when
 * called from this fabric's own output callback
 * @since 0.1
 */
VF_API int vf_location_set(vf_fabric *fabric, const vf_location *loc);

/**
 * @brief Forgets the location of a VM on another host.
 * @param fabric the fabric
 * @param cell_id the cell
 * @param vip the VIP
 * @return 0; -ENOENT if none is set
 * @since 0.1
 */
VF_API int vf_location_del(vf_fabric *fabric, uint32_t cell_id, uint32_t vip);

/**
 * @brief Looks a location up: a local port's, or one set or learnt.
 * @param fabric the fabric
 * @param cell_id the cell
 * @param vip the VIP
 * @param[out] out filled up to @c out->sz, which the caller sets; a local
 * port's location has this host's MAC and IP
 * @return 0; -ENOENT if unknown; -EINVAL
 * @since 0.1
 */
VF_API int vf_location_get(const vf_fabric *fabric, uint32_t cell_id, uint32_t vip,
			   vf_location *out);

/** @brief How many locations of other hosts' VMs are known. @since 0.1
 *  @param fabric the fabric @return the count */
VF_API size_t vf_location_count(const vf_fabric *fabric);

/**
 * @brief Iterates over the known locations of other hosts' VMs, in no
 * particular order: start with @p *cursor 0; each call writes the next
 * record to @p out and moves the cursor.
 * @code
 * size_t cur = 0;
 * VF_OPTS(vf_location, l, .cell_id = 0);
 * while (vf_location_next(fabric, &cur, &l) > 0)
 *         use(&l);
 * @endcode
 * Records set or deleted during an iteration may be seen or not, and
 * others may be seen twice (a table that grows rehashes); every record
 * present from start to end is seen at least once.
 * @param fabric the fabric
 * @param cursor where to go on from (0: the start); moved
 * @param out the record (its @c sz set by the caller)
 * @return 1 when a record was written, 0 at the end, or -EINVAL (NULL
 * arguments, a bad @c sz)
 * @since 0.1
 */
VF_API int vf_location_next(const vf_fabric *fabric, size_t *cursor, vf_location *out);

/** What changed in the table of other hosts' VMs (vf_location_event_fn). */
typedef enum vf_location_event {
	VF_LOCATION_EV_SET = 1,	    /**< a location was added or changed */
	VF_LOCATION_EV_DELETED = 2, /**< a location was taken out */
} vf_location_event;

/**
 * @brief A location of another host's VM changed: set or deleted by
 * vf_location_set() / vf_location_del(), by the gossip location service
 * (gossip.h) or by vf_port_migrate(). Called like every callback only
 * inside vf_fabric_process() / vf_fabric_run() or on the loop thread
 * (loop.h), in the order of the changes, each change once; the host may
 * call any control function from it.
 * @param fabric the fabric
 * @param ev what happened
 * @param loc the location as it is now (for VF_LOCATION_EV_DELETED: as it
 * was); valid during the call only
 * @param user_data as given to vf_location_set_event_fn()
 */
typedef void (*vf_location_event_fn)(vf_fabric *fabric, vf_location_event ev,
				     const vf_location *loc, void *user_data);

/** Changes waiting for the event callback at most; more are counted in
 *  vf_location_stats.events_dropped. */
#define VF_LOCATION_EVENTS_MAX 65536

/**
 * @brief Sets (or, with NULL @p fn, clears) the location event callback.
 * Changes made while none is set are not reported later.
 * @return 0; -EINVAL (NULL fabric); -ENOENT (destroyed)
 * @since 0.1
 */
VF_API int vf_location_set_event_fn(vf_fabric *fabric, vf_location_event_fn fn,
				    void *user_data);

/** What the location table counted. Versioned: set @c sz. */
typedef struct vf_location_stats {
	size_t sz;		 /**< sizeof(vf_location_stats) */
	uint64_t sets;		 /**< locations added or changed */
	uint64_t deletes;	 /**< locations taken out */
	uint64_t migrations;	 /**< ports moved away (vf_port_migrate()) */
	uint64_t forwarded;	 /**< frames for a moved VM sent on to its new host */
	uint64_t forward_drops;	 /**< frames for a moved VM not sent on (no new
				      location yet, TTL out, or it would go back) */
	uint64_t events;	 /**< events delivered to the callback */
	uint64_t events_dropped; /**< events lost: over VF_LOCATION_EVENTS_MAX */
	size_t : 0; /**< aligns the end; fields are only ever added before it */
} vf_location_stats;
/** The last field of vf_location_stats this version knows. */
#define vf_location_stats__last_field events_dropped

/**
 * @brief Reads the location table's counters.
 * @param fabric the fabric
 * @param[out] out filled up to @c out->sz, which the caller sets
 * @return 0; -EINVAL
 * @since 0.1
 */
VF_API int vf_location_stats_get(const vf_fabric *fabric, vf_location_stats *out);

/** Default of vf_migrate_opts.grace_ms. */
#define VF_MIGRATE_GRACE_MS_DEFAULT 10000u
/** Longest vf_migrate_opts.grace_ms. */
#define VF_MIGRATE_GRACE_MS_MAX 600000u

/** Options of vf_port_migrate(). */
typedef struct vf_migrate_opts {
	size_t sz; /**< sizeof(vf_migrate_opts) */
	/** The new host's MAC (PMAC). All zero: wait for the location
	 *  service to tell where the VM went (gossip: the new host publishes
	 *  the port with a higher version as soon as it has it). */
	vf_mac host_mac;
	uint16_t reserved_; /**< zero: fills what would be padding */
	/** The new host's underlay IPv4, host byte order (0: unknown). */
	uint32_t host_ip;
	/** How long this host sends frames for the VM that still reach it
	 *  on to the new host, in ms; 0: VF_MIGRATE_GRACE_MS_DEFAULT, at
	 *  most VF_MIGRATE_GRACE_MS_MAX. */
	uint32_t grace_ms;
	size_t : 0; /**< aligns the end; fields are only ever added before it */
} vf_migrate_opts;
/** The last field of vf_migrate_opts this version knows. */
#define vf_migrate_opts__last_field grace_ms

/**
 * @brief Moves a port's VM away to another host (live migration).
 *
 * The new host creates the port (same cell, subnet, VIP and VMAC) when
 * the VM is about to run there; with gossip it publishes the location
 * with a higher version, and every host switches to it. This host then
 * calls vf_port_migrate(): the port is removed as by vf_port_destroy()
 * (its datapath binding too), and for @c grace_ms the frames for the VM
 * that still reach this host, from the underlay (hosts that have not
 * heard yet) or from local VMs, are sent on to the new host, with the
 * MACs rewritten to the two hosts' and the IP TTL decremented (counted
 * in vf_location_stats.forwarded). With @c host_mac given, the location
 * is set at once as by vf_location_set() (version 0: gossip's record
 * replaces it); without, the frames wait for gossip's record and are
 * dropped until it comes (VF_DROP_NO_LOCATION, and the owner is asked).
 * Frames that would go back to the host they came from are dropped.
 * @param port the port (invalid after a 0 return)
 * @param opts options; NULL: learn the new host, default grace
 * @return 0; -EINVAL (NULL port, this host's MAC, a multicast MAC, a
 * grace over the maximum, unknown option fields); -ENOENT (removed);
 * -ENOMEM; -EBUSY (from this fabric's output callback). On an error the
 * port is left as it was.
 * @since 0.1
 */
VF_API int vf_port_migrate(vf_port *port, const vf_migrate_opts *opts);

VF_END_DECLS

/** @} */
#endif
