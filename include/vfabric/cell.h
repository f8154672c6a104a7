/**
 * @file vfabric/cell.h
 * @defgroup cell Cell
 * @brief A tenant's isolated virtual network: subnets, one router, ports,
 * security groups and admission policies.
 * @{
 */
#ifndef VFABRIC_CELL_H
#define VFABRIC_CELL_H

#include <vfabric/common.h>

VF_BEGIN_DECLS

/** A policy default. Zero always means the documented default. */
typedef enum vf_verdict {
	VF_VERDICT_DEFAULT = 0,
	VF_VERDICT_ALLOW = 1,
	VF_VERDICT_DENY = 2
} vf_verdict;

/** Options of vf_cell_create(). */
typedef struct vf_cell_opts {
	size_t sz; /**< sizeof(vf_cell_opts) */
	/** Cell id, unique in the fabric; 0: the lowest free id. The default
	 *  address plan `10.<cell>.<subnet>.<host>` needs ids 1..255. */
	uint32_t id;
	/** Unique name; NULL: "cell<id>". */
	const char *name;
	/** The tenant that owns it (free text, at most 255 bytes); NULL: "". */
	const char *owner;
	/** Traffic between ports of this cell: VF_VERDICT_ALLOW by default. */
	vf_verdict intra_cell;
	/** Traffic from other cells: VF_VERDICT_DENY by default; vf_policy
	 *  rules admit exceptions. */
	vf_verdict inter_cell;
	/** VXLAN network identifier (1..16777215); 0: the cell id. In
	 *  VF_WIRE_VXLAN mode it must be unique in the fabric (-EEXIST). */
	uint32_t vni;
	uint32_t reserved_; /**< zero: fills what would be padding, so VF_OPTS zeroes it */
	size_t : 0; /**< aligns the end; fields are only ever added before it */
} vf_cell_opts;
/** The last field of vf_cell_opts this version knows (the size check uses it). */
#define vf_cell_opts__last_field vni

/**
 * @brief Creates a cell.
 * @param[out] out the new cell; NULL on failure
 * @param fabric the parent
 * @param opts options, or NULL for defaults
 * @return 0; -EEXIST for a taken id, name, or (VF_WIRE_VXLAN) VNI; -ENOSPC
 * if no id is free;
 * -EINVAL for a bad name, owner, verdict or vni; -ENOENT if @p fabric was
 * destroyed; -ENOMEM
 * @since 0.1
 */
VF_API int vf_cell_create(vf_cell **out, vf_fabric *fabric, const vf_cell_opts *opts);

/** @brief Removes the cell with its subnets, router, ports, security groups
 *  and policies. NULL is a no-op. @since 0.1 */
VF_API void vf_cell_destroy(vf_cell *cell);

/** @brief The parent fabric. @since 0.1 */
VF_API vf_fabric *vf_cell_fabric(const vf_cell *cell);
/** @brief The id. @since 0.1 */
VF_API uint32_t vf_cell_id(const vf_cell *cell);
/** @brief The name (borrowed). @since 0.1 */
VF_API const char *vf_cell_name(const vf_cell *cell);
/** @brief The owner (borrowed). @since 0.1 */
VF_API const char *vf_cell_owner(const vf_cell *cell);
/** @brief The VXLAN network identifier. @since 0.1 */
VF_API uint32_t vf_cell_vni(const vf_cell *cell);
/** @brief The effective intra-cell verdict (never VF_VERDICT_DEFAULT).
 *  @since 0.1 */
VF_API vf_verdict vf_cell_intra_cell(const vf_cell *cell);
/** @brief The effective inter-cell verdict (never VF_VERDICT_DEFAULT).
 *  @since 0.1 */
VF_API vf_verdict vf_cell_inter_cell(const vf_cell *cell);

/** @brief Renames the cell. @return 0; -EINVAL; -EEXIST; -ENOENT
 *  @since 0.1 */
VF_API int vf_cell_set_name(vf_cell *cell, const char *name);
/** @brief Sets the owner. @return 0; -EINVAL; -ENOENT @since 0.1 */
VF_API int vf_cell_set_owner(vf_cell *cell, const char *owner);
/** @brief Sets the intra-cell verdict (VF_VERDICT_DEFAULT restores the
 *  default). @return 0; -EINVAL; -ENOENT @since 0.1 */
VF_API int vf_cell_set_intra_cell(vf_cell *cell, vf_verdict verdict);
/** @brief Sets the inter-cell verdict. @return 0; -EINVAL; -ENOENT
 *  @since 0.1 */
VF_API int vf_cell_set_inter_cell(vf_cell *cell, vf_verdict verdict);

/** @brief Number of subnets. @since 0.1 */
VF_API size_t vf_cell_subnet_count(const vf_cell *cell);
/** @brief Number of ports in all its subnets. @since 0.1 */
VF_API size_t vf_cell_port_count(const vf_cell *cell);
/** @brief Iterates over subnets in creation order (see
 *  vf_fabric_next_cell()). @since 0.1 */
VF_API vf_subnet *vf_cell_next_subnet(const vf_cell *cell, const vf_subnet *prev);
/** @brief The subnet with this id, or NULL. @since 0.1 */
VF_API vf_subnet *vf_cell_subnet_by_id(const vf_cell *cell, uint32_t id);
/** @brief The subnet with this name, or NULL. @since 0.1 */
VF_API vf_subnet *vf_cell_subnet_by_name(const vf_cell *cell, const char *name);
/** @brief The port with this VIP in this cell, or NULL. @since 0.1 */
VF_API vf_port *vf_cell_port_by_vip(const vf_cell *cell, uint32_t vip);
/** @brief The cell's router, or NULL if it has none. @since 0.1 */
VF_API vf_router *vf_cell_router(const vf_cell *cell);

/** @brief Attaches a caller pointer. @since 0.1 */
VF_API void vf_cell_set_user_data(vf_cell *cell, void *user_data);
/** @brief The caller pointer, or NULL. @since 0.1 */
VF_API void *vf_cell_user_data(const vf_cell *cell);

VF_END_DECLS

/** @} */
#endif
