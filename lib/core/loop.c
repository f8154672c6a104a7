/*
 * The fabric's private control loop (loop.h): a libuv loop the host drives
 * by fd + timeout + process, or a library thread runs.
 *
 * The loop thread holds the control lock while it processes and releases
 * it while it waits, so a host thread that takes vf_fabric_lock() runs
 * control calls between two rounds. vf_fabric_wakeup() is uv_async_send()
 * and needs no lock.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include <uv.h>

#include "core/internal.h"

struct vf__loop {
	uv_loop_t uv;
	uv_async_t wake;
	pthread_mutex_t lock;
	pthread_t thread;
	bool thread_on;
	atomic_bool stop;
	atomic_bool user_wake;	       /* a vf_fabric_wakeup() is pending */
	_Atomic uint64_t wakeups_seen; /* read by any thread */
	unsigned int events;	       /* handled by the current round */
	bool in_round;
};

static void on_wake(uv_async_t *h)
{
	struct vf__loop *lp = h->data;

	if (atomic_exchange(&lp->user_wake, false))
		atomic_fetch_add_explicit(&lp->wakeups_seen, 1, memory_order_relaxed);
	lp->events++;
	vf__loc_events_flush(h->loop->data);
}

int vf__loop_open(vf_fabric *f)
{
	struct vf__loop *lp = calloc(1, sizeof(*lp));
	int err;

	if (!lp)
		return vf__fail(NULL, -ENOMEM, "no memory for the control loop");
	if ((err = uv_loop_init(&lp->uv)) < 0) {
		free(lp);
		return vf__fail(NULL, err, "control loop: %s", uv_strerror(err));
	}
	if ((err = uv_async_init(&lp->uv, &lp->wake, on_wake)) < 0) {
		uv_loop_close(&lp->uv);
		free(lp);
		return vf__fail(NULL, err, "control loop wake-up: %s", uv_strerror(err));
	}
	lp->wake.data = lp;
	lp->uv.data = f;
	pthread_mutex_init(&lp->lock, NULL);
	f->loop = lp;
	/* libuv adds descriptors to its epoll set when the loop runs: one
	 * round now, so the wake-up already makes vf_fabric_fd() readable. */
	uv_run(&lp->uv, UV_RUN_NOWAIT);
	return 0;
}

void vf__loop_kick(vf_fabric *f)
{
	if (f && f->loop)
		uv_async_send(&f->loop->wake);
}

void vf__loop_close(vf_fabric *f)
{
	struct vf__loop *lp = f->loop;

	if (!lp)
		return;
	vf__loop_stop_thread(f);
	uv_close((uv_handle_t *)&lp->wake, NULL);
	/* Other modules closed their handles before this; run their close
	 * callbacks, then the loop has nothing left. */
	uv_run(&lp->uv, UV_RUN_DEFAULT);
	if (uv_loop_close(&lp->uv) < 0)
		vf_err(f, "control loop closed with handles still open");
	pthread_mutex_destroy(&lp->lock);
	f->loop = NULL;
	free(lp);
}

uv_loop_t *vf__fabric_loop(vf_fabric *f)
{
	return f && f->loop ? &f->loop->uv : NULL;
}

void vf__loop_event(vf_fabric *f)
{
	if (f && f->loop)
		f->loop->events++;
}

static int usable(const vf_fabric *f, const char *what)
{
	int err;

	if ((err = vf__obj_check(f ? &f->obj : NULL, what)) < 0)
		return err;
	if (!f->loop)
		return vf__fail(f, -ENOENT, "%s: the fabric has no control loop", what);
	return 0;
}

int vf_fabric_fd(const vf_fabric *f)
{
	int err;

	if ((err = usable(f, "vf_fabric_fd")) < 0)
		return err;
	return uv_backend_fd(&f->loop->uv);
}

int vf_fabric_timeout_ms(const vf_fabric *f)
{
	int err;

	if ((err = usable(f, "vf_fabric_timeout_ms")) < 0)
		return err;
	return uv_backend_timeout(&f->loop->uv);
}

/* One non-blocking round; the caller holds the loop (and, on the loop
 * thread, the lock). */
static int round_run(vf_fabric *f)
{
	struct vf__loop *lp = f->loop;

	lp->events = 0;
	lp->in_round = true;
	uv_run(&lp->uv, UV_RUN_NOWAIT);
	lp->in_round = false;
	return (int)lp->events;
}

static int may_run(const vf_fabric *f, const char *what)
{
	int err;

	if ((err = usable(f, what)) < 0)
		return err;
	if (f->loop->thread_on)
		return vf__fail(f, -EBUSY,
				"%s: the library's loop thread runs this fabric", what);
	if (f->loop->in_round)
		return vf__fail(f, -EBUSY,
				"%s: called from a callback of the fabric's loop", what);
	return 0;
}

int vf_fabric_process(vf_fabric *f)
{
	int err;

	if ((err = may_run(f, "vf_fabric_process")) < 0)
		return err;
	return round_run(f);
}

/* Waits for the loop's descriptor for @timeout_ms, capped by its timers;
 * 0 or -errno. */
static int wait_loop(struct vf__loop *lp, int timeout_ms)
{
	struct pollfd p = {.fd = uv_backend_fd(&lp->uv), .events = POLLIN};
	int due = uv_backend_timeout(&lp->uv);

	if (due >= 0 && (timeout_ms < 0 || due < timeout_ms))
		timeout_ms = due;
	if (poll(&p, 1, timeout_ms) < 0 && errno != EINTR)
		return -errno;
	return 0;
}

int vf_fabric_run(vf_fabric *f, int timeout_ms)
{
	int err;

	if ((err = may_run(f, "vf_fabric_run")) < 0)
		return err;
	if ((err = wait_loop(f->loop, timeout_ms)) < 0)
		return vf__fail(f, err, "vf_fabric_run: poll failed");
	return round_run(f);
}

int vf_fabric_wakeup(vf_fabric *f)
{
	if (!f || !f->loop)
		return vf__fail(NULL, -EINVAL, "vf_fabric_wakeup: no fabric");
	atomic_store(&f->loop->user_wake, true);
	uv_async_send(&f->loop->wake);
	return 0;
}

uint64_t vf_fabric_wakeups(const vf_fabric *f)
{
	return f && f->loop ? atomic_load_explicit(&f->loop->wakeups_seen,
						   memory_order_relaxed)
			    : 0;
}

/* Takes the control lock unless asked to stop meanwhile (the thread that
 * stops the loop may hold the lock while it waits for this one). */
static bool lock_unless_stopped(struct vf__loop *lp)
{
	struct timespec ts;

	for (;;) {
		if (atomic_load(&lp->stop))
			return false;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 10 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		if (pthread_mutex_timedlock(&lp->lock, &ts) == 0)
			return true;
	}
}

static void *loop_thread(void *arg)
{
	vf_fabric *f = arg;
	struct vf__loop *lp = f->loop;

	while (!atomic_load(&lp->stop)) {
		if (wait_loop(lp, -1) < 0)
			vf_err(f, "loop thread: poll failed");
		if (!lock_unless_stopped(lp))
			break;
		round_run(f);
		pthread_mutex_unlock(&lp->lock);
	}
	return NULL;
}

void vf__loop_stop_thread(vf_fabric *f)
{
	struct vf__loop *lp = f->loop;

	if (!lp || !lp->thread_on || pthread_equal(lp->thread, pthread_self()))
		return;
	atomic_store(&lp->stop, true);
	uv_async_send(&lp->wake);
	pthread_join(lp->thread, NULL);
	lp->thread_on = false;
}

int vf_fabric_thread_start(vf_fabric *f)
{
	int err;

	if ((err = usable(f, "vf_fabric_thread_start")) < 0)
		return err;
	if (f->loop->thread_on)
		return vf__fail(f, -EALREADY,
				"vf_fabric_thread_start: the loop thread runs");
	atomic_store(&f->loop->stop, false);
	if ((err = pthread_create(&f->loop->thread, NULL, loop_thread, f)) != 0)
		return vf__fail(f, -EAGAIN, "vf_fabric_thread_start: no thread (%d)",
				err);
	f->loop->thread_on = true;
	vf_info(f, "control loop runs on a library thread");
	return 0;
}

int vf_fabric_thread_stop(vf_fabric *f)
{
	struct vf__loop *lp;
	int err;

	if ((err = usable(f, "vf_fabric_thread_stop")) < 0)
		return err;
	lp = f->loop;
	if (!lp->thread_on)
		return vf__fail(f, -ESRCH, "vf_fabric_thread_stop: no loop thread runs");
	if (pthread_equal(lp->thread, pthread_self()))
		return vf__fail(f, -EDEADLK,
				"vf_fabric_thread_stop: called on the loop thread");
	vf__loop_stop_thread(f);
	return 0;
}

void vf_fabric_lock(vf_fabric *f)
{
	if (f && f->loop)
		pthread_mutex_lock(&f->loop->lock);
}

void vf_fabric_unlock(vf_fabric *f)
{
	if (f && f->loop)
		pthread_mutex_unlock(&f->loop->lock);
}
