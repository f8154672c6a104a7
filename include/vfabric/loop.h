/**
 * @file vfabric/loop.h
 * @defgroup loop Control loop
 * @brief Driving a fabric's control loop from the host's event loop, or
 * from a thread the library starts.
 *
 * Every fabric owns a private event loop for its control work: timers
 * (connection-tracking expiry, publishing new tables to the workers),
 * netdev link-state events, the control socket, gossip. It never runs by
 * itself; the host drives it in one of two ways:
 *
 * - **fd + timeout + process**, on the thread that owns the fabric: wait
 *   until vf_fabric_fd() is readable or vf_fabric_timeout_ms() passes (in
 *   epoll, poll, libuv, GLib, asyncio's add_reader, ...), then call
 *   vf_fabric_process(). vf_fabric_run() does the wait and the processing
 *   in one blocking call.
 * - **a library thread**: vf_fabric_thread_start() runs the loop on a
 *   thread of the library's. Every other call on the fabric and its
 *   objects must then be made between vf_fabric_lock() and
 *   vf_fabric_unlock() (the loop thread holds that lock while it works),
 *   and callbacks run on the loop thread, with the lock held.
 *
 * Callbacks (log, events) run only inside vf_fabric_process() and
 * vf_fabric_run(), or on the loop thread. vf_fabric_wakeup() is the one
 * call that is safe from any thread at any time.
 * @{
 */
#ifndef VFABRIC_LOOP_H
#define VFABRIC_LOOP_H

#include <vfabric/common.h>

VF_BEGIN_DECLS

/**
 * @brief A file descriptor that becomes readable when the control loop
 * has work (an epoll descriptor: poll it for POLLIN, never read it).
 * @return the descriptor, or -EINVAL; it stays the same for the fabric's
 * life and is closed by vf_fabric_destroy().
 * @since 0.1
 */
VF_API int vf_fabric_fd(const vf_fabric *fabric);

/**
 * @brief How long the host may wait for vf_fabric_fd() before calling
 * vf_fabric_process() anyway.
 * @return milliseconds; 0: call it now; -1: no timer is due (wait for
 * the descriptor alone); -EINVAL on a NULL fabric.
 * @since 0.1
 */
VF_API int vf_fabric_timeout_ms(const vf_fabric *fabric);

/**
 * @brief Does the control work that is due, without blocking.
 * @return how many events it handled (0 when none was due), or -errno:
 * -EINVAL (NULL), -ENOENT (destroyed), -EBUSY (the library's loop thread
 * runs this fabric's loop, or called from one of its callbacks).
 * @since 0.1
 */
VF_API int vf_fabric_process(vf_fabric *fabric);

/**
 * @brief Waits for control work for at most @p timeout_ms (-1: until
 * something happens, or vf_fabric_wakeup()), then does it.
 * @return how many events it handled, or -errno as vf_fabric_process().
 * @since 0.1
 */
VF_API int vf_fabric_run(vf_fabric *fabric, int timeout_ms);

/**
 * @brief Makes a waiting vf_fabric_run() (or the host's wait on
 * vf_fabric_fd()) return soon. Safe from any thread, as long as no
 * thread destroys the fabric at the same time. Calls made before the loop runs again are coalesced into one wake-up.
 * @return 0, or -EINVAL (NULL).
 * @since 0.1
 */
VF_API int vf_fabric_wakeup(vf_fabric *fabric);

/**
 * @brief How many vf_fabric_wakeup() calls the loop has handled
 * (coalesced calls count once).
 * @since 0.1
 */
VF_API uint64_t vf_fabric_wakeups(const vf_fabric *fabric);

/**
 * @brief Starts a library thread that runs the control loop until
 * vf_fabric_thread_stop() or vf_fabric_destroy(). From then on, wrap
 * every other call on this fabric in vf_fabric_lock()/vf_fabric_unlock().
 * @return 0, or -errno: -EINVAL (NULL), -EALREADY (already running),
 * -EAGAIN (no thread could be created).
 * @since 0.1
 */
VF_API int vf_fabric_thread_start(vf_fabric *fabric);

/**
 * @brief Stops the library's loop thread and waits for it; the calling
 * thread owns the loop again. Must not hold vf_fabric_lock().
 * @return 0, or -EINVAL (NULL), -ESRCH (no thread running), -EDEADLK
 * (called on the loop thread itself, e.g. from a callback).
 * @since 0.1
 */
VF_API int vf_fabric_thread_stop(vf_fabric *fabric);

/**
 * @brief Takes the fabric's control lock: the loop thread does no work
 * while it is held. Not recursive. Without a loop thread it is
 * still a plain lock, so code can use it either way. A NULL fabric is a
 * no-op.
 * @since 0.1
 */
VF_API void vf_fabric_lock(vf_fabric *fabric);

/** @brief Releases vf_fabric_lock(). A NULL fabric is a no-op. @since 0.1 */
VF_API void vf_fabric_unlock(vf_fabric *fabric);

VF_END_DECLS

/** @} */
#endif
