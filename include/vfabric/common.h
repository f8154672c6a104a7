/**
 * @file vfabric/common.h
 * @defgroup common Common types
 * @brief Handles, value types, option-struct protocol and address helpers.
 *
 * Every object is an opaque handle. The only structures whose layout is
 * public are the frozen value types below (vf_mac, vf_ipv4_prefix) and the
 * versioned option structs, which start with their own size.
 * @{
 */
#ifndef VFABRIC_COMMON_H
#define VFABRIC_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define VF_BEGIN_DECLS extern "C" { /**< opens C linkage for C++ */
#define VF_END_DECLS }              /**< closes C linkage */
#else
#define VF_BEGIN_DECLS /**< opens C linkage for C++ */
#define VF_END_DECLS   /**< closes C linkage */
#endif

/** Marks a declaration as part of the exported ABI. */
#if defined(__GNUC__) || defined(__clang__)
#define VF_API __attribute__((visibility("default")))
#else
#define VF_API
#endif

VF_BEGIN_DECLS

/** One host's instance of the fabric (fabric.h). */
typedef struct vf_fabric vf_fabric;
/** A tenant's isolated virtual network (cell.h). */
typedef struct vf_cell vf_cell;
/** An IPv4 prefix inside a cell (subnet.h). */
typedef struct vf_subnet vf_subnet;
/** A cell's distributed virtual router (router.h). */
typedef struct vf_router vf_router;
/** One VM NIC attached to one subnet (port.h). */
typedef struct vf_port vf_port;
/** An inter-cell admission rule (policy.h). */
typedef struct vf_policy vf_policy;
/** A stateful security group of a cell (policy.h). */
typedef struct vf_secgroup vf_secgroup;

/**
 * An Ethernet MAC address, in wire order. Frozen: its layout never changes.
 * The all-zero address means "not given" in option structs.
 */
typedef struct vf_mac {
	uint8_t addr[6]; /**< the six bytes, first on the wire first */
} vf_mac;

/**
 * One frame handed to or from the fabric (batch injection, datapaths).
 * Frozen: its layout never changes.
 */
typedef struct vf_frame {
	const uint8_t *data; /**< the frame, from the Ethernet destination on */
	uint32_t len;	     /**< its length in bytes (no FCS) */
	uint32_t flags;	     /**< VF_FRAME_F_* */
} vf_frame;

/** vf_frame.flags: the fabric may change the frame's bytes in place (never
 *  beyond @c len) while it runs it, which saves copying it: a datapath's
 *  rx sets it for frames in its own memory that nothing else reads; a
 *  caller of the batch calls for frames it no longer needs. */
#define VF_FRAME_F_WRITABLE (1u << 0)

/**
 * An IPv4 prefix. Frozen: its layout never changes.
 *
 * Throughout the API an IPv4 address is a uint32_t in host byte order, so
 * 10.1.2.3 is 0x0a010203. @c len is 0..32; an all-zero prefix means "not
 * given" in option structs.
 */
typedef struct vf_ipv4_prefix {
	uint32_t addr;        /**< network address, host byte order */
	uint8_t len;          /**< prefix length, 0..32 */
	uint8_t reserved_[3]; /**< zero */
} vf_ipv4_prefix;

/** Which way traffic flows, seen from the VM's port. */
typedef enum vf_direction {
	/** Towards the VM (the VM receives). */
	VF_DIR_INGRESS = 0,
	/** From the VM (the VM transmits). */
	VF_DIR_EGRESS = 1
} vf_direction;

/** Longest object name, without the terminating NUL. Names are 1 to
 *  VF_NAME_MAX characters from [A-Za-z0-9._:-]. */
#define VF_NAME_MAX 63

/** Buffer size for vf_ipv4_format(), terminating NUL included. */
#define VF_IPV4_STRLEN 16
/** Buffer size for vf_prefix_format(), terminating NUL included. */
#define VF_PREFIX_STRLEN 19
/** Buffer size for vf_mac_format(), terminating NUL included. */
#define VF_MAC_STRLEN 18

/**
 * Declares option struct @p NAME of type @p TYPE with its size set and the
 * given designated initialisers, everything else zero (which always means
 * "default"):
 * @code
 * VF_OPTS(vf_cell_opts, opts, .id = 7, .name = "blue");
 * @endcode
 * ISO C needs at least one field after the name (for all defaults, pass
 * NULL instead of a struct). In C++, value-initialise the struct and set
 * @c sz: designated initialisers arrived only in C++20.
 *
 * Each option struct starts with @c size_t @c sz, which must be the size of
 * some version of the struct (as VF_OPTS sets it). A library accepts the
 * struct of any older or equal version (a smaller @c sz) and refuses with
 * -EINVAL a newer struct whose fields it does not know unless those fields
 * are zero. Initialise with VF_OPTS (or zero the whole struct): bytes past
 * the fields this library knows must be zero. No option struct has tail
 * padding (which C does not promise to zero): where there would be some,
 * a named reserved_ field stands, which an initialiser zeroes and which a
 * later version may turn into an option whose zero means the default.
 */
#define VF_OPTS(TYPE, NAME, ...) TYPE NAME = { .sz = sizeof(TYPE), __VA_ARGS__ }

/**
 * @brief Parses a dotted-quad IPv4 address ("10.1.2.3").
 * @param[out] out the address in host byte order
 * @param s the text
 * @return 0, or -EINVAL if @p s is not exactly one dotted-quad address
 * @since 0.1
 */
VF_API int vf_ipv4_parse(uint32_t *out, const char *s);

/**
 * @brief Formats an IPv4 address as dotted quad.
 * @param buf where to write, at least VF_IPV4_STRLEN bytes
 * @param len size of @p buf
 * @param addr the address in host byte order
 * @return the length written (without NUL), or -ENOSPC if @p len is short
 * @since 0.1
 */
VF_API int vf_ipv4_format(char *buf, size_t len, uint32_t addr);

/**
 * @brief Parses "a.b.c.d/len". The address must have no bits set past
 * @c len.
 * @return 0, or -EINVAL
 * @since 0.1
 */
VF_API int vf_prefix_parse(vf_ipv4_prefix *out, const char *s);

/**
 * @brief Formats a prefix as "a.b.c.d/len" into at least VF_PREFIX_STRLEN
 * bytes.
 * @return the length written, or -ENOSPC / -EINVAL (len above 32)
 * @since 0.1
 */
VF_API int vf_prefix_format(char *buf, size_t len, const vf_ipv4_prefix *prefix);

/**
 * @brief Parses "02:00:0a:01:02:03" (':' or '-' separated, any case).
 * @return 0, or -EINVAL
 * @since 0.1
 */
VF_API int vf_mac_parse(vf_mac *out, const char *s);

/**
 * @brief Formats a MAC as lower-case "xx:xx:xx:xx:xx:xx" into at least
 * VF_MAC_STRLEN bytes.
 * @return the length written, or -ENOSPC
 * @since 0.1
 */
VF_API int vf_mac_format(char *buf, size_t len, const vf_mac *mac);

VF_END_DECLS

/** @} */
#endif
