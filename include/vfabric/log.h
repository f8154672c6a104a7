/**
 * @file vfabric/log.h
 * @defgroup log Logging
 * @brief Per-fabric logging to a host-supplied callback. Silent by default.
 * @{
 */
#ifndef VFABRIC_LOG_H
#define VFABRIC_LOG_H

#include <vfabric/common.h>

VF_BEGIN_DECLS

/** Severity of a log message; a fabric passes messages at or below its
 *  configured level. */
typedef enum vf_log_level {
	VF_LOG_ERROR = 0,
	VF_LOG_WARN = 1,
	VF_LOG_INFO = 2,
	VF_LOG_DEBUG = 3
} vf_log_level;

/**
 * Receives one formatted log line (no trailing newline). Called on the
 * thread that made the call which logs; @p msg is valid only during the
 * call. Must not call back into the fabric.
 */
typedef void (*vf_log_fn)(void *user_data, vf_log_level level, const char *msg);

VF_END_DECLS

/** @} */
#endif
