/**
 * @file vfabric/port.h
 * @defgroup port Port
 * @brief One VM NIC attached to one subnet: its virtual IP (VIP), virtual
 * MAC (VMAC), security groups and bandwidth limits.
 * @{
 */
#ifndef VFABRIC_PORT_H
#define VFABRIC_PORT_H

#include <stdbool.h>

#include <vfabric/common.h>

VF_BEGIN_DECLS

/** Options of vf_port_create(). */
typedef struct vf_port_opts {
	size_t sz; /**< sizeof(vf_port_opts) */
	/** Name, unique in the fabric (typically the VM's interface name);
	 *  required. */
	const char *name;
	/** Id, unique in the subnet; 0: the lowest free id. */
	uint32_t id;
	/** VIP (host byte order) inside the subnet, not its network,
	 *  broadcast or gateway address; unique in the cell, and in the whole
	 *  fabric in VF_WIRE_REWRITE mode. 0: the lowest free address of the
	 *  subnet's DHCP range. */
	uint32_t vip;
	/** VMAC, unicast, unique in the cell; all zero: derived as
	 *  `02:<cell id low byte>:<VIP>`. */
	vf_mac vmac;
	/** VF_PORT_F_* flags; unknown bits are refused. */
	uint32_t flags;
	uint32_t reserved_; /**< zero: fills what would be padding, so VF_OPTS zeroes it */
	size_t : 0; /**< aligns the end; fields are only ever added before it */
} vf_port_opts;
/** The last field of vf_port_opts this version knows (the size check uses it). */
#define vf_port_opts__last_field flags

/** vf_port_opts.flags: create the port administratively down (default:
 *  up). */
#define VF_PORT_F_ADMIN_DOWN (1u << 0)

/**
 * @brief Creates a port on a subnet.
 * @param[out] out the new port; NULL on failure
 * @param subnet the parent
 * @param opts options; @c name is required
 * @return 0; -EINVAL for a missing or bad name, a VIP outside the subnet or
 * on its network, broadcast or gateway address, a multicast VMAC, unknown
 * flags;
 * -EEXIST for a taken name or id; -EADDRINUSE for a VIP or VMAC already
 * used; -ENOSPC if no address or id is free, or a link subnet already has
 * two ports; -ENOENT if @p subnet was removed; -ENOMEM
 * @since 0.1
 */
VF_API int vf_port_create(vf_port **out, vf_subnet *subnet, const vf_port_opts *opts);

/** @brief Removes the port. NULL is a no-op. @since 0.1 */
VF_API void vf_port_destroy(vf_port *port);

/** @brief The parent subnet. @since 0.1 */
VF_API vf_subnet *vf_port_subnet(const vf_port *port);
/** @brief The cell of the parent subnet. @since 0.1 */
VF_API vf_cell *vf_port_cell(const vf_port *port);
/** @brief The id. @since 0.1 */
VF_API uint32_t vf_port_id(const vf_port *port);
/** @brief The name (borrowed). @since 0.1 */
VF_API const char *vf_port_name(const vf_port *port);
/** @brief The VIP. @since 0.1 */
VF_API uint32_t vf_port_vip(const vf_port *port);
/** @brief The VMAC. @since 0.1 */
VF_API vf_mac vf_port_vmac(const vf_port *port);
/** @brief Whether the port is administratively up. @since 0.1 */
VF_API bool vf_port_admin_up(const vf_port *port);

/** @brief Sets the administrative state. @return 0; -ENOENT @since 0.1 */
VF_API int vf_port_set_admin_up(vf_port *port, bool up);

/**
 * @brief Limits the port's bandwidth in one direction with a token bucket.
 * @param port the port
 * @param dir VF_DIR_INGRESS (what the VM receives) or VF_DIR_EGRESS
 * @param rate_bps rate in bits per second; 0 removes the limit
 * @param burst_bytes bucket depth in bytes (at least 1500 when @p rate_bps
 * is not 0; 0: rate_bps / 80, 10 ms worth, at least 1500)
 * @return 0; -EINVAL for a bad direction or a burst under 1500; -ENOENT
 * @since 0.1
 */
VF_API int vf_port_set_qos(vf_port *port, vf_direction dir, uint64_t rate_bps,
			   uint32_t burst_bytes);
/**
 * @brief Reads the bandwidth limit of one direction (0 and 0: none).
 * @return 0; -EINVAL for a bad direction or NULL outputs
 * @since 0.1
 */
VF_API int vf_port_qos(const vf_port *port, vf_direction dir, uint64_t *rate_bps,
		       uint32_t *burst_bytes);

/** How many security groups a port may have. */
#define VF_PORT_SECGROUPS_MAX 16

/**
 * @brief Applies a security group to the port. Once a port has a group,
 * only traffic some group's rule allows passes (stateful: replies pass).
 * @return 0; -EINVAL if the group is of another cell; -EEXIST if already
 * applied; -ENOSPC past VF_PORT_SECGROUPS_MAX; -ENOENT if either was
 * removed
 * @since 0.1
 */
VF_API int vf_port_add_secgroup(vf_port *port, vf_secgroup *group);
/** @brief Takes a security group off the port. @return 0; -ENOENT if it
 *  is not applied @since 0.1 */
VF_API int vf_port_del_secgroup(vf_port *port, vf_secgroup *group);
/** @brief Number of security groups applied. @since 0.1 */
VF_API size_t vf_port_secgroup_count(const vf_port *port);
/** @brief Security group @p index (0..count-1, in the order applied), or
 *  NULL. @since 0.1 */
VF_API vf_secgroup *vf_port_secgroup_at(const vf_port *port, size_t index);

/** @brief Attaches a caller pointer. @since 0.1 */
VF_API void vf_port_set_user_data(vf_port *port, void *user_data);
/** @brief The caller pointer, or NULL. @since 0.1 */
VF_API void *vf_port_user_data(const vf_port *port);

VF_END_DECLS

/** @} */
#endif
