/**
 * @file vfabric/vfabric.h
 * @brief libvfabric: an embeddable virtual network fabric.
 *
 * The only header users need. Nothing outside include/vfabric/ is API, and
 * only what these headers declare is: the library exports vf_-prefixed
 * symbols alone, versioned (VFABRIC_0.1, ...), under SONAME libvfabric.so.0.
 *
 * Object model: a fabric holds cells; a cell holds subnets, at most one
 * router, security groups and policies; a subnet holds ports. Frames go
 * through the pipeline (pipeline.h), which reads locations (location.h).
 *
 * Conventions: every fallible call returns 0 (or a count) or -errno
 * (error.h); option structs start with their size (VF_OPTS in common.h); a
 * fabric and its objects are used by one thread at a time.
 */
#ifndef VFABRIC_VFABRIC_H
#define VFABRIC_VFABRIC_H

#include <vfabric/version.h>
#include <vfabric/common.h>
#include <vfabric/error.h>
#include <vfabric/log.h>
#include <vfabric/fabric.h>
#include <vfabric/cell.h>
#include <vfabric/subnet.h>
#include <vfabric/router.h>
#include <vfabric/port.h>
#include <vfabric/policy.h>
#include <vfabric/location.h>
#include <vfabric/pipeline.h>
#include <vfabric/loop.h>
#include <vfabric/ctl.h>
#include <vfabric/gossip.h>
#include <vfabric/datapath.h>

VF_BEGIN_DECLS

/**
 * @brief The library's version, (major << 16) | (minor << 8) | patch;
 * compare with VF_VERSION_HEX to detect a header/library mismatch.
 * @since 0.1
 */
VF_API unsigned int vf_version(void);

/** @brief The library's version as "major.minor.patch". @since 0.1 */
VF_API const char *vf_version_string(void);

VF_END_DECLS

#endif
