/**
 * @file vfabric/router.h
 * @defgroup router Router
 * @brief A cell's distributed virtual router: it exists on every host, has
 * one interface on each @c lan subnet it joins (the subnet's gateway address
 * and a router virtual MAC, the RVMAC) and optional static routes whose next
 * hop is a VM.
 * @{
 */
#ifndef VFABRIC_ROUTER_H
#define VFABRIC_ROUTER_H

#include <vfabric/common.h>

VF_BEGIN_DECLS

/** Options of vf_router_create(). */
typedef struct vf_router_opts {
	size_t sz; /**< sizeof(vf_router_opts) */
	/** Name, NULL: "router". */
	const char *name;
	size_t : 0; /**< aligns the end; fields are only ever added before it */
} vf_router_opts;
/** The last field of vf_router_opts this version knows (the size check uses it). */
#define vf_router_opts__last_field name

/** How many static routes a router holds at most. */
#define VF_ROUTER_ROUTES_MAX 1024

/**
 * @brief Creates the cell's router (a cell has at most one).
 * @return 0; -EEXIST if the cell has a router; -EINVAL for a bad name;
 * -ENOENT if @p cell was removed; -ENOMEM
 * @since 0.1
 */
VF_API int vf_router_create(vf_router **out, vf_cell *cell, const vf_router_opts *opts);

/** @brief Removes the router with its interfaces and routes. NULL is a
 *  no-op. @since 0.1 */
VF_API void vf_router_destroy(vf_router *router);

/** @brief The parent cell. @since 0.1 */
VF_API vf_cell *vf_router_cell(const vf_router *router);
/** @brief The name (borrowed). @since 0.1 */
VF_API const char *vf_router_name(const vf_router *router);

/**
 * @brief Gives the router an interface on a subnet: the router answers at
 * the subnet's gateway address with @p rvmac.
 * @param router the router
 * @param subnet a lan subnet of the router's cell
 * @param rvmac the interface's MAC, or NULL (or all zero) for the derived
 * one, `06:<cell id low byte>:<gateway address>`, locally administered
 * @return 0; -EINVAL if the subnet is in another cell or is a link subnet,
 * or @p rvmac is multicast; -EEXIST if the router is already on it;
 * -EADDRINUSE if @p rvmac is a port's VMAC or another interface's RVMAC in
 * the cell; -ENOENT if either object was removed
 * @since 0.1
 */
VF_API int vf_router_attach(vf_router *router, vf_subnet *subnet, const vf_mac *rvmac);

/** @brief Removes the router's interface on @p subnet.
 *  @return 0; -ENOENT if there is none @since 0.1 */
VF_API int vf_router_detach(vf_router *router, vf_subnet *subnet);

/** @brief Number of interfaces. @since 0.1 */
VF_API size_t vf_router_iface_count(const vf_router *router);
/** @brief Iterates over the subnets the router is on, in attach order
 *  (see vf_fabric_next_cell()). @since 0.1 */
VF_API vf_subnet *vf_router_next_subnet(const vf_router *router, const vf_subnet *prev);
/**
 * @brief The RVMAC of the router's interface on @p subnet.
 * @return 0; -ENOENT if the router is not on it
 * @since 0.1
 */
VF_API int vf_router_iface_mac(const vf_router *router, const vf_subnet *subnet,
			       vf_mac *out);

/**
 * @brief Adds a static route: traffic for @p dest goes to the VM at
 * @p next_hop, which must be in a subnet the router is on.
 * @return 0; -EINVAL if @p dest has host bits set or @p next_hop is in no
 * attached subnet (or is a gateway); -EEXIST for a route to the same
 * prefix; -ENOSPC past VF_ROUTER_ROUTES_MAX; -ENOENT
 * @since 0.1
 */
VF_API int vf_router_add_route(vf_router *router, const vf_ipv4_prefix *dest,
			       uint32_t next_hop);
/** @brief Deletes the route to exactly @p dest. @return 0; -ENOENT
 *  @since 0.1 */
VF_API int vf_router_del_route(vf_router *router, const vf_ipv4_prefix *dest);
/** @brief Number of static routes. @since 0.1 */
VF_API size_t vf_router_route_count(const vf_router *router);
/**
 * @brief Reads static route @p index (0..count-1, ordered by prefix).
 * @return 0; -ENOENT past the end
 * @since 0.1
 */
VF_API int vf_router_route(const vf_router *router, size_t index,
			   vf_ipv4_prefix *dest, uint32_t *next_hop);

/** @brief Attaches a caller pointer. @since 0.1 */
VF_API void vf_router_set_user_data(vf_router *router, void *user_data);
/** @brief The caller pointer, or NULL. @since 0.1 */
VF_API void *vf_router_user_data(const vf_router *router);

VF_END_DECLS

/** @} */
#endif
