/**
 * @file vfabric/policy.h
 * @defgroup policy Policy
 * @brief Who may talk to whom.
 *
 * - Inside a cell, traffic is allowed unless the cell's intra-cell verdict
 *   is deny (vf_cell_set_intra_cell()).
 * - Between cells it is denied unless the destination cell's inter-cell
 *   verdict is allow, or one of its policies (vf_policy) admits it.
 * - A port with security groups (vf_secgroup) accepts and sends only what
 *   one of their rules allows (pings to the router included); connection
 *   tracking lets replies through. ARP and DHCP, which the host answers
 *   itself, are always answered.
 * @{
 */
#ifndef VFABRIC_POLICY_H
#define VFABRIC_POLICY_H

#include <vfabric/common.h>

VF_BEGIN_DECLS

/** IP protocol numbers that rules name most often; any number 1..255 is
 *  accepted, 0 matches every protocol. */
#define VF_PROTO_ANY 0   /**< every protocol */
#define VF_PROTO_ICMP 1  /**< ICMP */
#define VF_PROTO_TCP 6   /**< TCP */
#define VF_PROTO_UDP 17  /**< UDP */

/** A security-group rule. Versioned like an option struct. */
typedef struct vf_rule {
	size_t sz; /**< sizeof(vf_rule) */
	/** VF_DIR_INGRESS: traffic the port receives; VF_DIR_EGRESS: traffic
	 *  it sends. */
	vf_direction direction;
	/** The other end's prefix; all zero: any address. */
	vf_ipv4_prefix remote;
	/** IP protocol, VF_PROTO_ANY for all. */
	uint8_t protocol;
	/** Destination port range for TCP and UDP, inclusive; 0 and 0: any.
	 *  Must be 0 and 0 for other protocols. */
	uint16_t port_min;
	uint16_t port_max; /**< see @c port_min */
	uint16_t reserved16_; /**< zero: fills what would be padding, so VF_OPTS zeroes it */
	uint32_t reserved_; /**< zero: fills what would be padding, so VF_OPTS zeroes it */
	size_t : 0; /**< aligns the end; fields are only ever added before it */
} vf_rule;
/** The last field of vf_rule this version knows (the size check uses it). */
#define vf_rule__last_field port_max

/** How many rules a security group holds at most. */
#define VF_SECGROUP_RULES_MAX 4096

/** Options of vf_secgroup_create(). */
typedef struct vf_secgroup_opts {
	size_t sz; /**< sizeof(vf_secgroup_opts) */
	/** Id, unique among the cell's groups; 0: the lowest free id. */
	uint32_t id;
	/** Name, unique among the cell's groups; NULL: "secgroup<id>". */
	const char *name;
	size_t : 0; /**< aligns the end; fields are only ever added before it */
} vf_secgroup_opts;
/** The last field of vf_secgroup_opts this version knows (the size check uses it). */
#define vf_secgroup_opts__last_field name

/**
 * @brief Creates a security group in a cell (with no rules: a port that
 * has only this group sends and receives nothing).
 * @return 0; -EEXIST; -ENOSPC; -EINVAL; -ENOENT if @p cell was removed;
 * -ENOMEM
 * @since 0.1
 */
VF_API int vf_secgroup_create(vf_secgroup **out, vf_cell *cell,
			      const vf_secgroup_opts *opts);
/** @brief Removes the group and takes it off every port. NULL is a no-op.
 *  @since 0.1 */
VF_API void vf_secgroup_destroy(vf_secgroup *group);

/** @brief The parent cell. @since 0.1 */
VF_API vf_cell *vf_secgroup_cell(const vf_secgroup *group);
/** @brief The id. @since 0.1 */
VF_API uint32_t vf_secgroup_id(const vf_secgroup *group);
/** @brief The name (borrowed). @since 0.1 */
VF_API const char *vf_secgroup_name(const vf_secgroup *group);

/**
 * @brief Adds a rule; it applies from the next frame on.
 * @return the new rule's id (1 or more); -EINVAL for a bad direction,
 * prefix with host bits, or port range (inverted, or on a protocol other
 * than TCP and UDP); -EEXIST for an identical rule; -ENOSPC past
 * VF_SECGROUP_RULES_MAX; -ENOENT
 * @since 0.1
 */
VF_API int vf_secgroup_add_rule(vf_secgroup *group, const vf_rule *rule);
/** @brief Deletes rule @p rule_id. @return 0; -ENOENT @since 0.1 */
VF_API int vf_secgroup_del_rule(vf_secgroup *group, uint32_t rule_id);
/** @brief Number of rules. @since 0.1 */
VF_API size_t vf_secgroup_rule_count(const vf_secgroup *group);
/**
 * @brief Reads rule @p index (0..count-1, in the order added).
 * @param group the security group
 * @param index which rule
 * @param[out] out filled up to @c out->sz, which the caller sets
 * @return the rule's id; -ENOENT past the end; -EINVAL for a bad @c sz
 * @since 0.1
 */
VF_API int vf_secgroup_rule(const vf_secgroup *group, size_t index, vf_rule *out);

/** @brief Number of security groups of the cell. @since 0.1 */
VF_API size_t vf_cell_secgroup_count(const vf_cell *cell);
/** @brief Iterates over the cell's security groups in creation order.
 *  @since 0.1 */
VF_API vf_secgroup *vf_cell_next_secgroup(const vf_cell *cell, const vf_secgroup *prev);
/** @brief The security group with this id, or NULL. @since 0.1 */
VF_API vf_secgroup *vf_cell_secgroup_by_id(const vf_cell *cell, uint32_t id);
/** @brief The security group with this name, or NULL. @since 0.1 */
VF_API vf_secgroup *vf_cell_secgroup_by_name(const vf_cell *cell, const char *name);

/** Options of vf_policy_create(): one rule by which a cell admits traffic
 *  from another cell. */
typedef struct vf_policy_opts {
	size_t sz; /**< sizeof(vf_policy_opts) */
	/** Id, unique among the cell's policies; 0: the lowest free id. */
	uint32_t id;
	/** Name, unique among the cell's policies; NULL: "policy<id>". */
	const char *name;
	/** The cell admitted; required, must exist and differ from the
	 *  destination cell. */
	uint32_t src_cell;
	/** Source prefix in the admitted cell; all zero: any. */
	vf_ipv4_prefix src;
	/** Destination prefix in this cell; all zero: any. */
	vf_ipv4_prefix dst;
	/** IP protocol, VF_PROTO_ANY for all. */
	uint8_t protocol;
	/** Destination port range (TCP, UDP), inclusive; 0 and 0: any. */
	uint16_t port_min;
	uint16_t port_max; /**< see @c port_min */
	uint16_t reserved16_; /**< zero: fills what would be padding, so VF_OPTS zeroes it */
	uint32_t reserved_; /**< zero: fills what would be padding, so VF_OPTS zeroes it */
	size_t : 0; /**< aligns the end; fields are only ever added before it */
} vf_policy_opts;
/** The last field of vf_policy_opts this version knows (the size check uses it). */
#define vf_policy_opts__last_field port_max

/**
 * @brief Creates a policy by which @p cell admits traffic from another
 * cell. Stateful: replies pass.
 * @return 0; -EINVAL for a missing or equal source cell, prefixes with host
 * bits, a bad port range; -ENOENT if the source cell does not exist or
 * @p cell was removed; -EEXIST for a taken id or name; -ENOSPC; -ENOMEM
 * @since 0.1
 */
VF_API int vf_policy_create(vf_policy **out, vf_cell *cell, const vf_policy_opts *opts);
/** @brief Removes the policy. NULL is a no-op. @since 0.1 */
VF_API void vf_policy_destroy(vf_policy *policy);

/** @brief The cell that owns (admits through) the policy. @since 0.1 */
VF_API vf_cell *vf_policy_cell(const vf_policy *policy);
/** @brief The id. @since 0.1 */
VF_API uint32_t vf_policy_id(const vf_policy *policy);
/** @brief The name (borrowed). @since 0.1 */
VF_API const char *vf_policy_name(const vf_policy *policy);
/**
 * @brief Reads the policy's match back.
 * @param policy the policy
 * @param[out] out filled up to @c out->sz, which the caller sets; its
 * @c id and @c name are the policy's (name borrowed)
 * @return 0; -EINVAL for a bad @c sz
 * @since 0.1
 */
VF_API int vf_policy_get(const vf_policy *policy, vf_policy_opts *out);

/** @brief Number of policies of the cell. @since 0.1 */
VF_API size_t vf_cell_policy_count(const vf_cell *cell);
/** @brief Iterates over the cell's policies in creation order. @since 0.1 */
VF_API vf_policy *vf_cell_next_policy(const vf_cell *cell, const vf_policy *prev);
/** @brief The policy with this id, or NULL. @since 0.1 */
VF_API vf_policy *vf_cell_policy_by_id(const vf_cell *cell, uint32_t id);
/** @brief The policy with this name, or NULL. @since 0.1 */
VF_API vf_policy *vf_cell_policy_by_name(const vf_cell *cell, const char *name);

/** @brief Attaches a caller pointer. @since 0.1 */
VF_API void vf_secgroup_set_user_data(vf_secgroup *group, void *user_data);
/** @brief The caller pointer, or NULL. @since 0.1 */
VF_API void *vf_secgroup_user_data(const vf_secgroup *group);
/** @brief Attaches a caller pointer. @since 0.1 */
VF_API void vf_policy_set_user_data(vf_policy *policy, void *user_data);
/** @brief The caller pointer, or NULL. @since 0.1 */
VF_API void *vf_policy_user_data(const vf_policy *policy);

VF_END_DECLS

/** @} */
#endif
