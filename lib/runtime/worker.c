/*
 * Workers (datapath.h): each has an epoll set of the endpoints it polls;
 * a poll waits on it offline (qsbr.h), then comes online, loads the
 * published tables and locations once, receives a batch from each ready
 * endpoint, runs the pipeline on every frame, sends what came out (one
 * transmit call per endpoint), and goes offline again. No lock is shared
 * by all workers (runtime.h says what is shared, and how).
 *
 * Events carry the endpoint's id, not its address: an endpoint unbound
 * between the wait and the batch is not in the tables loaded after it.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pipeline/location.h"
#include "pipeline/pipeline.h"
#include "runtime/runtime.h"

#define FRAME_MAX 65535
#define BATCH_MAX 256
#define EVENTS_MAX 64
#define THREADS_MAX 64

struct vf_worker {
	struct vf__list node;
	vf_fabric *f;
	struct vf__qsbr_reader rd; /* online during a batch */
	int epfd;
	uint32_t batch;
	unsigned int nendpoints;
	uint64_t frames;
	uint32_t since_sweep; /* frames since it last swept connection tracking */
	struct vf__txq q;
	uint8_t *work;		  /* the frame being processed, then room for a reply */
	struct vf__flowcache *fc; /* its own: nothing in it is shared */
};

void vf__worker_assign(vf_fabric *f, struct vf__endpoint *ep)
{
	struct epoll_event ev = {.events = EPOLLIN};
	vf_worker *w, *best = NULL;

	if (ep->fd < 0 || ep->worker)
		return;
	VF__EACH(w, &f->rt->workers, vf_worker, node)
	if (!best || w->nendpoints < best->nendpoints)
		best = w;
	if (!best)
		return;
	ev.data.u64 = ep->id;
	if (epoll_ctl(best->epfd, EPOLL_CTL_ADD, ep->fd, &ev) < 0) {
		vf_err(f, "worker: cannot poll endpoint '%s': %s", ep->ifname,
		       strerror(errno));
		return;
	}
	ep->worker = best;
	best->nendpoints++;
}

void vf__worker_unassign(struct vf__endpoint *ep)
{
	if (!ep->worker)
		return;
	epoll_ctl(ep->worker->epfd, EPOLL_CTL_DEL, ep->fd, NULL);
	ep->worker->nendpoints--;
	ep->worker = NULL;
}

int vf_worker_create(vf_worker **out, vf_fabric *f, const vf_worker_opts *user)
{
	struct vf__endpoint *ep;
	vf_worker_opts o;
	vf_worker *w;
	int err;

	if (!out)
		return vf__fail(f, -EINVAL, "vf_worker_create: NULL out");
	*out = NULL;
	if ((err = vf__obj_check(f ? &f->obj : NULL, "vf_worker_create")) < 0 ||
	    (err = VF__OPTS_LOAD(&o, user, vf_worker_opts)) < 0)
		return err;
	if (o.batch > BATCH_MAX)
		return vf__fail(f, -EINVAL, "vf_worker_create: batch %u is above %u",
				o.batch, BATCH_MAX);
	if (!(w = calloc(1, sizeof(*w))) || !(w->work = malloc(2 * (FRAME_MAX + 64))) ||
	    !(w->q.buf = malloc(VF__TXQ_BYTES)) ||
	    vf__flowcache_create(&w->fc, VF__FC_DEFAULT_ENTRIES) < 0) {
		err = vf__fail(f, -ENOMEM, "no memory for a worker");
		goto fail;
	}
	if ((w->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		err = vf__fail(f, -errno, "vf_worker_create: epoll: %s", strerror(errno));
		goto fail;
	}
	w->f = f;
	w->batch = o.batch ? o.batch : 32;
	/* Tables and locations the worker can use from its first frame on. */
	if (vf__pipe_init(f) < 0 || !vf__pipe_tables(f) || vf__locs_publish(f) < 0) {
		close(w->epfd);
		err = vf__fail(f, -ENOMEM, "no memory for the pipeline's tables");
		goto fail;
	}
	vf__qsbr_register(f->qsbr, &w->rd);
	vf__list_add_tail(&f->rt->workers, &w->node);
	f->rt->nworkers++;
	f->obj.refs++; /* the worker keeps the fabric's memory */
	VF__EACH(ep, &f->rt->endpoints, struct vf__endpoint, node)
	vf__worker_assign(f, ep);
	*out = w;
	return 0;
fail:
	if (w) {
		vf__flowcache_destroy(w->fc);
		free(w->q.buf);
		free(w->work);
	}
	free(w);
	return err;
}

static void worker_free(vf_worker *w)
{
	vf__flowcache_destroy(w->fc);
	close(w->epfd);
	free(w->q.buf);
	free(w->work);
	free(w);
}

void vf_worker_destroy(vf_worker *w)
{
	vf_fabric *f;
	struct vf__endpoint *ep;

	if (!w)
		return;
	f = w->f;
	/* no thread polls it (datapath.h): it is offline */
	vf__qsbr_unregister(f->qsbr, &w->rd);
	if (f->rt) {
		vf__list_del(&w->node);
		f->rt->nworkers--;
		VF__EACH(ep, &f->rt->endpoints, struct vf__endpoint, node)
		if (ep->worker == w)
			vf__worker_unassign(ep);
		VF__EACH(ep, &f->rt->endpoints, struct vf__endpoint, node)
		vf__worker_assign(f, ep);
	}
	worker_free(w);
	vf__obj_unref(&f->obj);
}

int vf_worker_fd(const vf_worker *w)
{
	return w ? w->epfd : vf__fail(NULL, -EINVAL, "vf_worker_fd: NULL worker");
}

uint64_t vf_worker_frames(const vf_worker *w)
{
	/* the polling thread counts; any thread may read */
	return w ? __atomic_load_n(&w->frames, __ATOMIC_RELAXED) : 0;
}

__thread bool vf__in_worker;

/* Receives one batch from @ep and runs the pipeline on it, with tables @t
 * and locations @locs. */
static int rx_batch(vf_worker *w, struct vf__endpoint *ep, const struct vf__tables *t,
		    const struct vf__locs *locs, uint64_t now)
{
	vf_frame frames[BATCH_MAX];
	vf_fabric *f = w->f;
	const struct vf__tport *src = ep->serial ? vf__t_port_serial(t, ep->serial) : NULL;
	void *state;
	int n;

	/* the endpoint's lock around each datapath call (not the pipeline):
	 * its stats read what rx counts, and ep_gone() waits for it; a state
	 * replaced after rx stays open until this batch is over (qsbr.h) */
	pthread_mutex_lock(&ep->lock);
	state = ep->state;
	n = ep->gone ? 0 : ep->dp->ops.rx(state, frames, (int)w->batch);
	pthread_mutex_unlock(&ep->lock);
	if (n <= 0)
		return n;
	for (int i = 0; i < n; i++) {
		struct vf__ctx c = {
			.f = f,
			.t = t,
			.locs = locs,
			.now = now,
			.reply = w->work + FRAME_MAX + 64,
			.reply_cap = FRAME_MAX + 64,
			.txq = &w->q,
			.fc = w->fc,
		};
		uint32_t len = frames[i].len > FRAME_MAX ? FRAME_MAX : frames[i].len;

		uint8_t *buf = w->work;

		VF__CNT_ADD(ep->rx_packets, 1);
		VF__CNT_ADD(ep->rx_bytes, frames[i].len);
		if (frames[i].flags & VF_FRAME_F_WRITABLE) { /* run it where it is */
			buf = (uint8_t *)(uintptr_t)frames[i].data;
			c.stable = buf; /* until rx_release(), after the flush below */
		} else {
			memcpy(buf, frames[i].data, len);
		}
		if (ep->serial)
			vf__pipe_from_port(&c, src, buf, len);
		else
			vf__pipe_from_underlay(&c, buf, len);
	}
	/* what was staged from the ring, sent before the ring may reuse it */
	vf__txq_flush(&w->q);
	if (ep->dp->ops.rx_release) {
		pthread_mutex_lock(&ep->lock);
		ep->dp->ops.rx_release(state);
		pthread_mutex_unlock(&ep->lock);
	}
	return n;
}

int vf_worker_poll(vf_worker *w, int timeout_ms)
{
	struct epoll_event evs[EVENTS_MAX];
	const struct vf__tables *t;
	const struct vf__locs *locs;
	vf_fabric *f;
	int n, total = 0;
	uint64_t now;

	if (!w)
		return vf__fail(NULL, -EINVAL, "vf_worker_poll: NULL worker");
	f = w->f;
	if ((n = epoll_wait(w->epfd, evs, EVENTS_MAX, timeout_ms)) < 0)
		return errno == EINTR ? -EINTR
				      : vf__fail(f, -errno, "vf_worker_poll: %s",
						 strerror(errno));
	/* online: what it loads from here on stays until it is offline */
	vf__qsbr_online(f->qsbr, &w->rd);
	vf__in_worker = true; /* the output callback may not call back in */
	if (!(t = vf__qsbr_load(&f->tables))) {
		vf__qsbr_offline(&w->rd);
		vf__in_worker = false;
		return vf__fail(NULL, -ENOENT, "vf_worker_poll: the fabric was destroyed");
	}
	locs = vf__locs_snapshot(f->locs);
	now = vf__now_ns(f);
	for (int i = 0; i < n; i++) {
		struct vf__endpoint *ep = vf__t_endpoint(t, evs[i].data.u64);
		int got;

		if (!ep)
			continue;
		if (evs[i].events & (EPOLLERR | EPOLLHUP)) {
			/* a socket error (its netdev went down or away):
			 * read it, or epoll reports it for ever; the link
			 * watch closes an endpoint whose netdev is gone */
			int e = 0;
			socklen_t elen = sizeof(e);

			if (getsockopt(vf__qsbr_load(&ep->fd), SOL_SOCKET, SO_ERROR, &e,
				       &elen) == 0 &&
			    e)
				vf_dbg(f, "endpoint '%s': %s", ep->ifname, strerror(e));
		}
		if ((got = rx_batch(w, ep, t, locs, now)) < 0)
			vf_warn(f, "endpoint '%s': receive failed (%d)", ep->ifname, got);
		else
			total += got;
	}
	vf__txq_flush(&w->q);
	vf__pipe_sweep(f, &w->since_sweep, now, (uint32_t)total);
	vf__in_worker = false;
	vf__qsbr_offline(&w->rd);
	__atomic_fetch_add(&w->frames, (uint64_t)total, __ATOMIC_RELAXED);
	return total;
}

/* ---- library threads ---- */

struct thread_arg {
	vf_worker *w;
	int cpu;
	volatile int *stop;
};

static void *worker_thread(void *arg)
{
	struct thread_arg a = *(struct thread_arg *)arg;

	free(arg);
	if (a.cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(a.cpu, &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	while (!__atomic_load_n(a.stop, __ATOMIC_ACQUIRE))
		if (vf_worker_poll(a.w, 100) == -ENOENT)
			break;
	return NULL;
}

static int check_cpus(vf_fabric *f, unsigned int n, const int *cpus)
{
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);

	if (n == 0 || n > THREADS_MAX)
		return vf__fail(f, -EINVAL,
				"vf_fabric_workers_start: %u threads (1 to %d)", n,
				THREADS_MAX);
	for (unsigned int i = 0; cpus && i < n; i++)
		if (cpus[i] < -1 || cpus[i] >= ncpu)
			return vf__fail(f, -EINVAL,
					"vf_fabric_workers_start: CPU %d does not exist "
					"(0 to %ld)",
					cpus[i], ncpu - 1);
	return 0;
}

int vf_fabric_workers_start(vf_fabric *f, unsigned int n, const int *cpus)
{
	struct vf__runtime *rt;
	int err;

	if ((err = vf__obj_check(f ? &f->obj : NULL, "vf_fabric_workers_start")) < 0 ||
	    (err = check_cpus(f, n, cpus)) < 0)
		return err;
	rt = f->rt;
	if (rt->nthreads)
		return vf__fail(f, -EALREADY,
				"vf_fabric_workers_start: worker threads run");
	if (!(rt->threads = calloc(n, sizeof(*rt->threads))) ||
	    !(rt->thread_workers = calloc(n, sizeof(*rt->thread_workers)))) {
		free(rt->threads);
		rt->threads = NULL;
		return vf__fail(f, -ENOMEM, "no memory for worker threads");
	}
	rt->threads_stop = 0;
	for (unsigned int i = 0; i < n; i++) {
		struct thread_arg *a = malloc(sizeof(*a));

		if (!a || (err = vf_worker_create(&rt->thread_workers[i], f, NULL)) < 0) {
			free(a);
			err = a ? err
				: vf__fail(f, -ENOMEM, "no memory for worker threads");
			goto fail;
		}
		*a = (struct thread_arg){rt->thread_workers[i], cpus ? cpus[i] : -1,
					 &rt->threads_stop};
		if (pthread_create(&rt->threads[i], NULL, worker_thread, a) != 0) {
			free(a);
			vf_worker_destroy(rt->thread_workers[i]);
			rt->thread_workers[i] = NULL;
			err = vf__fail(f, -EAGAIN, "vf_fabric_workers_start: no thread");
			goto fail;
		}
		rt->nthreads = i + 1;
	}
	vf_info(f, "%u worker thread(s) started", n);
	return 0;
fail:
	vf__runtime_stop_threads(f);
	return err;
}

void vf__runtime_stop_threads(vf_fabric *f)
{
	struct vf__runtime *rt = f->rt;

	__atomic_store_n(&rt->threads_stop, 1, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < rt->nthreads; i++)
		pthread_join(rt->threads[i], NULL);
	for (unsigned int i = 0; i < rt->nthreads; i++)
		vf_worker_destroy(rt->thread_workers[i]);
	free(rt->threads);
	free(rt->thread_workers);
	rt->threads = NULL;
	rt->thread_workers = NULL;
	rt->nthreads = 0;
}

int vf_fabric_workers_stop(vf_fabric *f)
{
	int err;

	if ((err = vf__obj_check(f ? &f->obj : NULL, "vf_fabric_workers_stop")) < 0)
		return err;
	if (!f->rt->nthreads)
		return vf__fail(f, -ESRCH,
				"vf_fabric_workers_stop: no worker threads run");
	vf__runtime_stop_threads(f);
	return 0;
}
