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

VF_END_DECLS

/** @} */
#endif
