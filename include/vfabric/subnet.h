/**
 * @file vfabric/subnet.h
 * @defgroup subnet Subnet
 * @brief An IPv4 prefix inside a cell, with its DHCP settings.
 *
 * A @c lan subnet is a broadcast domain whose ports reach other subnets
 * through the cell's router. A @c link subnet is a direct virtual cable
 * between exactly two ports: no gateway, no router, no broadcast domain,
 * and no DHCP unless it is asked for.
 * @{
 */
#ifndef VFABRIC_SUBNET_H
#define VFABRIC_SUBNET_H

#include <stdbool.h>

#include <vfabric/common.h>

VF_BEGIN_DECLS

/** The kind of a subnet. */
typedef enum vf_subnet_kind {
	VF_SUBNET_LAN = 0,
	VF_SUBNET_LINK = 1
} vf_subnet_kind;

/** Whether the local DHCP server answers on a subnet. */
typedef enum vf_dhcp_mode {
	/** On for @c lan subnets, off for @c link subnets. */
	VF_DHCP_DEFAULT = 0,
	VF_DHCP_ON = 1,
	VF_DHCP_OFF = 2
} vf_dhcp_mode;

/** How many DNS servers a subnet's DHCP offers carry at most. */
#define VF_SUBNET_DNS_MAX 4

/** Options of vf_subnet_create(). Addresses are host byte order. */
typedef struct vf_subnet_opts {
	size_t sz; /**< sizeof(vf_subnet_opts) */
	/** Id, unique in the cell; 0: the lowest free id. */
	uint32_t id;
	/** Name, unique in the cell; NULL: "subnet<id>". */
	const char *name;
	/** VF_SUBNET_LAN (default) or VF_SUBNET_LINK. */
	vf_subnet_kind kind;
	/** The prefix: /8 to /30 for lan, /8 to /31 for link (a /31 uses both
	 *  addresses, RFC 3021). All zero: `10.<cell>.<subnet>.0/24`, the
	 *  default plan (cell and subnet id 1..255). Host bits must be zero. */
	vf_ipv4_prefix prefix;
	/** The router's address on a lan subnet; 0: the first host address.
	 *  Must be 0 on a link subnet. */
	uint32_t gateway;
	/** First and last address DHCP may hand out (and ports get when
	 *  they name no VIP); 0: the subnet's host addresses but the gateway
	 *  (the longer side of it, if the gateway is not at an end). */
	uint32_t dhcp_start;
	uint32_t dhcp_end; /**< see @c dhcp_start */
	/** DHCP lease in seconds (60..31536000); 0: 86400. */
	uint32_t lease_time;
	/** DNS servers offered, the first zero ends the list. */
	uint32_t dns[VF_SUBNET_DNS_MAX];
	/** Domain name offered: at most 255 bytes of [A-Za-z0-9.-]; NULL:
	 *  none. */
	const char *domain;
	/** MTU offered and enforced (68..9000); 0: 1500. */
	uint32_t mtu;
	/** DHCP on or off; see vf_dhcp_mode. */
	vf_dhcp_mode dhcp;
	size_t : 0; /**< aligns the end; fields are only ever added before it */
} vf_subnet_opts;
/** The last field of vf_subnet_opts this version knows (the size check uses it). */
#define vf_subnet_opts__last_field dhcp

/**
 * @brief Creates a subnet in a cell.
 * @param[out] out the new subnet; NULL on failure
 * @param cell the parent
 * @param opts options, or NULL for defaults
 * @return 0; -EINVAL for a malformed value (host bits set in the prefix, a
 * gateway or DHCP range outside the prefix, a gateway on a link subnet, no
 * default prefix for this cell or subnet id); -EADDRINUSE if the prefix
 * overlaps another subnet of the cell, or, in VF_WIRE_REWRITE mode, of any
 * cell; -EEXIST for a taken id or name; -ENOSPC if no id is free; -ENOENT
 * if @p cell was removed; -ENOMEM
 * @since 0.1
 */
VF_API int vf_subnet_create(vf_subnet **out, vf_cell *cell,
			    const vf_subnet_opts *opts);

/** @brief Removes the subnet with its ports and its router interface. NULL
 *  is a no-op. @since 0.1 */
VF_API void vf_subnet_destroy(vf_subnet *subnet);

/** @brief The parent cell. @since 0.1 */
VF_API vf_cell *vf_subnet_cell(const vf_subnet *subnet);
/** @brief The id. @since 0.1 */
VF_API uint32_t vf_subnet_id(const vf_subnet *subnet);
/** @brief The name (borrowed). @since 0.1 */
VF_API const char *vf_subnet_name(const vf_subnet *subnet);
/** @brief The kind. @since 0.1 */
VF_API vf_subnet_kind vf_subnet_kind_of(const vf_subnet *subnet);
/** @brief The prefix. @since 0.1 */
VF_API vf_ipv4_prefix vf_subnet_prefix(const vf_subnet *subnet);
/** @brief The gateway (0 on link subnets). @since 0.1 */
VF_API uint32_t vf_subnet_gateway(const vf_subnet *subnet);
/** @brief First address of the DHCP range. @since 0.1 */
VF_API uint32_t vf_subnet_dhcp_start(const vf_subnet *subnet);
/** @brief Last address of the DHCP range. @since 0.1 */
VF_API uint32_t vf_subnet_dhcp_end(const vf_subnet *subnet);
/** @brief Lease time in seconds. @since 0.1 */
VF_API uint32_t vf_subnet_lease_time(const vf_subnet *subnet);
/** @brief The MTU. @since 0.1 */
VF_API uint32_t vf_subnet_mtu(const vf_subnet *subnet);
/** @brief Whether the DHCP server answers. @since 0.1 */
VF_API bool vf_subnet_dhcp_enabled(const vf_subnet *subnet);
/** @brief The domain name, "" for none (borrowed). @since 0.1 */
VF_API const char *vf_subnet_domain(const vf_subnet *subnet);
/**
 * @brief Copies the DNS servers.
 * @param subnet the subnet
 * @param out where to write, room for @p n addresses (may be NULL if @p n
 * is 0)
 * @param n room in @p out
 * @return how many servers the subnet has (which may exceed @p n)
 * @since 0.1
 */
VF_API int vf_subnet_dns(const vf_subnet *subnet, uint32_t *out, size_t n);

/** @brief Sets the DHCP range. @return 0; -EINVAL if outside the prefix,
 *  inverted, or covering the gateway; -ENOENT @since 0.1 */
VF_API int vf_subnet_set_dhcp_range(vf_subnet *subnet, uint32_t start, uint32_t end);
/** @brief Sets the lease time (60..31536000 s). @return 0; -EINVAL;
 *  -ENOENT @since 0.1 */
VF_API int vf_subnet_set_lease_time(vf_subnet *subnet, uint32_t seconds);
/** @brief Sets the MTU (68..9000). @return 0; -EINVAL; -ENOENT
 *  @since 0.1 */
VF_API int vf_subnet_set_mtu(vf_subnet *subnet, uint32_t mtu);
/** @brief Turns the DHCP server on or off (VF_DHCP_DEFAULT: the kind's
 *  default). @return 0; -EINVAL; -ENOENT @since 0.1 */
VF_API int vf_subnet_set_dhcp(vf_subnet *subnet, vf_dhcp_mode mode);
/** @brief Sets the domain name (NULL or "" for none; at most 255 bytes of
 *  [A-Za-z0-9.-]).
 *  @return 0; -EINVAL; -ENOENT @since 0.1 */
VF_API int vf_subnet_set_domain(vf_subnet *subnet, const char *domain);
/** @brief Replaces the DNS servers (@p n at most VF_SUBNET_DNS_MAX, no
 *  zero address). @return 0; -EINVAL; -ENOENT @since 0.1 */
VF_API int vf_subnet_set_dns(vf_subnet *subnet, const uint32_t *dns, size_t n);

/** @brief Number of ports. @since 0.1 */
VF_API size_t vf_subnet_port_count(const vf_subnet *subnet);
/** @brief Iterates over ports in creation order (see
 *  vf_fabric_next_cell()). @since 0.1 */
VF_API vf_port *vf_subnet_next_port(const vf_subnet *subnet, const vf_port *prev);
/** @brief The port with this id, or NULL. @since 0.1 */
VF_API vf_port *vf_subnet_port_by_id(const vf_subnet *subnet, uint32_t id);
/** @brief The router this subnet is attached to, or NULL. @since 0.1 */
VF_API vf_router *vf_subnet_router(const vf_subnet *subnet);

/** @brief Attaches a caller pointer. @since 0.1 */
VF_API void vf_subnet_set_user_data(vf_subnet *subnet, void *user_data);
/** @brief The caller pointer, or NULL. @since 0.1 */
VF_API void *vf_subnet_user_data(const vf_subnet *subnet);

VF_END_DECLS

/** @} */
#endif
