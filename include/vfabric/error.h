/**
 * @file vfabric/error.h
 * @defgroup error Errors
 * @brief Every fallible call returns 0 (or a count) on success and -errno
 * on failure; the thread's last error message says which value was wrong.
 *
 * The codes used, and what they mean everywhere in the API:
 * - -EINVAL: a malformed argument or option (NULL where a value is needed,
 *   out of range, unknown option bytes, an address outside its subnet);
 * - -ENOMEM: out of memory;
 * - -ENOENT: no such object, or the object was removed (destroyed itself or
 *   together with its parent) and only its handle is left;
 * - -EEXIST: an id or name that is already taken;
 * - -EADDRINUSE: an address already taken: an overlapping prefix, a
 *   duplicate VIP or VMAC;
 * - -ENOSPC: nothing free to allocate (ids, addresses), or a @c link subnet
 *   that already has its two ports;
 * - -EBUSY: the object is in use in a way that forbids the change;
 * - -EOPNOTSUPP: not supported by this object or build;
 * - -ENODEV: a netdev that does not exist (datapath.h);
 * - -ENOTCONN: a port or underlay that is not bound (datapath.h), or a
 *   control-socket connection that is gone (ctl.h);
 * - -EALREADY / -ESRCH: a thread that already runs / does not run
 *   (loop.h, datapath.h); -EDEADLK: a call that would wait for itself;
 * - -EACCES, -EPERM: refused for lack of rights (the control socket's peer
 *   check, the kernel's answer to netlink);
 * - -EPROTO, -EPROTONOSUPPORT, -EMSGSIZE, -EBADMSG: a malformed, foreign-
 *   version, oversized or unauthenticated message (control socket, gossip);
 * - -ETIMEDOUT, -ECONNREFUSED, -ECONNRESET, -EAGAIN, -EINTR: as for
 *   sockets.
 * Other codes pass through from the kernel as they come.
 * @{
 */
#ifndef VFABRIC_ERROR_H
#define VFABRIC_ERROR_H

#include <vfabric/common.h>

VF_BEGIN_DECLS

/**
 * @brief A static description of an error code.
 * @param err a return value of this library (negative), or its absolute
 * @return a static string, never NULL ("unknown error" for codes the
 * library does not know)
 * @since 0.1
 */
VF_API const char *vf_strerror(int err);

/**
 * @brief The detailed message of the calling thread's most recent failure,
 * naming the offending value ("subnet 10.1.2.0/24 overlaps subnet 'web'
 * (10.1.0.0/16) in cell 1").
 *
 * Thread-local. Meaningful right after a call that failed; a successful
 * call does not clear it. Valid until the thread's next call into the
 * library.
 * @return the message, or "" if this thread has had no failure
 * @since 0.1
 */
VF_API const char *vf_last_error(void);

VF_END_DECLS

/** @} */
#endif
