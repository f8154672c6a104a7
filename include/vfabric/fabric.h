/**
 * @file vfabric/fabric.h
 * @defgroup fabric Fabric
 * @brief One host's instance of the fabric: the root of the object model.
 *
 * Threading: a fabric and every object under it is used by one thread at a
 * time.
 *
 * Lifetime (for every object type): each vf_X_create() is paired with one
 * vf_X_destroy(). Destroying an object removes it, and everything below it,
 * from the model at once; handles of descendants that the caller still
 * holds stay valid memory, and every call on them but the getters and
 * destroy returns -ENOENT, until each is destroyed. So objects may be
 * destroyed in any order (children keep their parent's memory alive).
 * Look-ups and iteration return the same handle that create returned
 * (borrowed: not a new reference).
 * @{
 */
#ifndef VFABRIC_FABRIC_H
#define VFABRIC_FABRIC_H

#include <stdbool.h>

#include <vfabric/common.h>
#include <vfabric/log.h>

VF_BEGIN_DECLS

/** How frames cross the physical network. */
typedef enum vf_wire_mode {
	/** MAC rewriting to the hosts' own addresses, no encapsulation. VIPs
	 *  must be unique across the whole fabric. The default. */
	VF_WIRE_REWRITE = 0,
	/** VXLAN (RFC 7348), one VNI per cell; cells may overlap. */
	VF_WIRE_VXLAN = 1
} vf_wire_mode;

/** Options of vf_fabric_create(). Zero means the default in every field. */
typedef struct vf_fabric_opts {
	size_t sz; /**< sizeof(vf_fabric_opts) */
	/** This host's name in the fabric (default: gethostname()). */
	const char *host_name;
	/** Host MAC (PMAC) on the underlay; zero: not known yet. */
	vf_mac host_mac;
	/** Host IPv4 on the underlay (host byte order); 0: not known yet. */
	uint32_t host_ip;
	/** Wire mode; VF_WIRE_REWRITE by default. */
	vf_wire_mode wire_mode;
	/** Log callback; NULL: silent. */
	vf_log_fn log_fn;
	/** Passed to @c log_fn. */
	void *log_user_data;
	/** Highest level passed to @c log_fn (default VF_LOG_ERROR). */
	vf_log_level log_level;
	uint32_t reserved_; /**< zero: fills what would be padding, so VF_OPTS zeroes it */
	size_t : 0; /**< aligns the end; fields are only ever added before it */
} vf_fabric_opts;
/** The last field of vf_fabric_opts this version knows (the size check uses it). */
#define vf_fabric_opts__last_field log_level

/**
 * @brief Creates a fabric instance.
 * @param[out] out the new fabric; NULL on failure
 * @param opts options, or NULL for defaults
 * @return 0; -EINVAL for bad options (unknown wire mode or log level, a
 * multicast host MAC, a bad host name); -ENOMEM
 * @since 0.1
 */
VF_API int vf_fabric_create(vf_fabric **out, const vf_fabric_opts *opts);

/**
 * @brief Removes the fabric and its whole model. NULL is a no-op.
 * @since 0.1
 */
VF_API void vf_fabric_destroy(vf_fabric *fabric);

/** @brief This host's name (borrowed). @since 0.1 */
VF_API const char *vf_fabric_host_name(const vf_fabric *fabric);
/** @brief This host's MAC (PMAC); all zero when unknown. @since 0.1 */
VF_API vf_mac vf_fabric_host_mac(const vf_fabric *fabric);
/** @brief This host's underlay IPv4; 0 when unknown. @since 0.1 */
VF_API uint32_t vf_fabric_host_ip(const vf_fabric *fabric);
/** @brief The wire mode. @since 0.1 */
VF_API vf_wire_mode vf_fabric_wire_mode(const vf_fabric *fabric);

/**
 * @brief Sets the host MAC (PMAC).
 * @return 0; -EINVAL if @p mac is multicast or all zero
 * @since 0.1
 */
VF_API int vf_fabric_set_host_mac(vf_fabric *fabric, const vf_mac *mac);

/**
 * @brief Sets the host's underlay IPv4 address.
 * @return 0; -EINVAL for 0, multicast, broadcast or loopback addresses
 * @since 0.1
 */
VF_API int vf_fabric_set_host_ip(vf_fabric *fabric, uint32_t addr);

/**
 * @brief Replaces the log callback and level.
 * @param fabric the fabric
 * @param fn the callback, or NULL for silence
 * @param user_data passed to @p fn
 * @param level the highest level passed to @p fn
 * @return 0; -EINVAL for an unknown level
 * @since 0.1
 */
VF_API int vf_fabric_set_log(vf_fabric *fabric, vf_log_fn fn, void *user_data,
			     vf_log_level level);

/** @brief Number of cells. @since 0.1 */
VF_API size_t vf_fabric_cell_count(const vf_fabric *fabric);
/** @brief Number of ports, in all cells. @since 0.1 */
VF_API size_t vf_fabric_port_count(const vf_fabric *fabric);

/**
 * @brief Iterates over the cells in creation order.
 * @param fabric the fabric
 * @param prev NULL for the first cell, else the previous result (which must
 * not have been destroyed since)
 * @return the next cell, or NULL at the end
 * @since 0.1
 */
VF_API vf_cell *vf_fabric_next_cell(const vf_fabric *fabric, const vf_cell *prev);

/** @brief The cell with this id, or NULL. @since 0.1 */
VF_API vf_cell *vf_fabric_cell_by_id(const vf_fabric *fabric, uint32_t id);
/** @brief The cell with this name, or NULL. @since 0.1 */
VF_API vf_cell *vf_fabric_cell_by_name(const vf_fabric *fabric, const char *name);
/** @brief The port with this name (port names are unique in the fabric),
 *  or NULL. @since 0.1 */
VF_API vf_port *vf_fabric_port_by_name(const vf_fabric *fabric, const char *name);

/** @brief Attaches a caller pointer to the fabric. @since 0.1 */
VF_API void vf_fabric_set_user_data(vf_fabric *fabric, void *user_data);
/** @brief The pointer set by vf_fabric_set_user_data(), or NULL. @since 0.1 */
VF_API void *vf_fabric_user_data(const vf_fabric *fabric);

VF_END_DECLS

/** @} */
#endif
