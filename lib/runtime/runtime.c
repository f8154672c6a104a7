/* The runtime's life with its fabric, publication to the workers and
 * deferred frees (qsbr.h), and the datapath registry (sys/datapath.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "netlink/nl.h"
#include "pipeline/location.h"
#include "pipeline/pipeline.h"
#include "runtime/runtime.h"

/* Runs the deferred frees that are due; while some wait for workers, a
 * timer looks again every millisecond (workers' batches are short). */
static void reclaim_cb(uv_timer_t *h);

static void reclaim(vf_fabric *f)
{
	uv_timer_t *t = f->rt->reclaim_handle;

	if (vf__qsbr_poll(f->qsbr)) {
		if (!uv_is_active((uv_handle_t *)t))
			uv_timer_start(t, reclaim_cb, 1, 1);
	} else if (uv_is_active((uv_handle_t *)t)) {
		uv_timer_stop(t);
	}
}

static void reclaim_cb(uv_timer_t *h)
{
	reclaim(h->data);
}

void vf__runtime_defer(vf_fabric *f, void (*fn)(void *), void *arg)
{
	vf__qsbr_defer(f->qsbr, fn, arg);
	if (f->rt)
		reclaim(f);
}

void vf__runtime_publish(vf_fabric *f)
{
	/* the locations first: a worker that sees the new tables sees them
	 * too (a migrated port's forwarding entry before its absence) */
	if (vf__runtime_shared(f) && vf__locs_publish(f) < 0)
		vf_err(f, "no memory to publish the locations");
	if (!f->tables || f->tables->gen != f->gen) {
		if (!vf__pipe_tables(f))
			vf_err(f, "no memory to publish the pipeline's tables");
	}
	reclaim(f);
}

/* Each loop round: if the model or the locations moved since they were
 * published, publish them again for the workers. */
static void on_prepare(uv_prepare_t *h)
{
	vf__runtime_publish(h->data);
}

void vf__runtime_touched(vf_fabric *f)
{
	/* Workers only see a change once the loop publishes it: have the
	 * host run the loop soon. */
	if (vf__runtime_shared(f))
		vf__loop_kick(f);
}

static bool name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n < 1 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

struct vf__dp *vf__dp_find(const vf_fabric *f, const char *name)
{
	struct vf__dp *dp;

	if (!f->rt || !name)
		return NULL;
	VF__EACH(dp, &f->rt->dps, struct vf__dp, node)
	if (!strcmp(dp->name, name))
		return dp;
	return NULL;
}

#define OPS_MIN vf__offsetofend(vf_datapath_ops, tx)

int vf_datapath_register(vf_fabric *f, const vf_datapath_ops *ops, void *user_data)
{
	struct vf__dp *dp;
	int err;

	if ((err = vf__obj_check(f ? &f->obj : NULL, "vf_datapath_register")) < 0)
		return err;
	if (!ops || ops->sz < OPS_MIN)
		return vf__fail(
			f, -EINVAL,
			"vf_datapath_register: %s ops table (sz %zu, at least %zu)",
			ops ? "a short" : "a NULL", ops ? ops->sz : 0, (size_t)OPS_MIN);
	if (!name_ok(ops->name))
		return vf__fail(f, -EINVAL,
				"vf_datapath_register: the name must be 1 to 32 of "
				"[A-Za-z0-9._-]");
	if (!ops->open || !ops->close || !ops->tx ||
	    (!ops->rx && !(ops->flags & VF_DATAPATH_F_INJECT)))
		return vf__fail(f, -EINVAL,
				"vf_datapath_register: '%s' lacks open, close, tx, or rx "
				"(rx is optional only with VF_DATAPATH_F_INJECT)",
				ops->name);
	if (ops->flags & ~(VF_DATAPATH_F_INJECT | VF_DATAPATH_F_NETDEV))
		return vf__fail(f, -EINVAL, "vf_datapath_register: unknown flags 0x%x",
				ops->flags &
					~(VF_DATAPATH_F_INJECT | VF_DATAPATH_F_NETDEV));
	if (vf__dp_find(f, ops->name))
		return vf__fail(f, -EEXIST, "a datapath '%s' is registered already",
				ops->name);
	if (!(dp = calloc(1, sizeof(*dp))))
		return vf__fail(f, -ENOMEM, "no memory for a datapath");
	memcpy(&dp->ops, ops, ops->sz < sizeof(dp->ops) ? ops->sz : sizeof(dp->ops));
	dp->ops.sz = sizeof(dp->ops);
	snprintf(dp->name, sizeof(dp->name), "%s", ops->name);
	dp->ops.name = dp->name;
	dp->user_data = user_data;
	vf__list_add_tail(&f->rt->dps, &dp->node);
	vf_info(f, "datapath '%s' registered", dp->name);
	return 0;
}

int vf_datapath_unregister(vf_fabric *f, const char *name)
{
	struct vf__dp *dp;
	int err;

	if ((err = vf__obj_check(f ? &f->obj : NULL, "vf_datapath_unregister")) < 0)
		return err;
	if (!(dp = vf__dp_find(f, name)))
		return vf__fail(f, -ENOENT, "no datapath '%s' is registered",
				name ? name : "(null)");
	if (dp->endpoints) /* some may only wait for their grace period */
		vf__qsbr_barrier(f->qsbr);
	if (dp->endpoints)
		return vf__fail(f, -EBUSY, "datapath '%s' has %u endpoint(s) open",
				dp->name, dp->endpoints);
	vf__list_del(&dp->node);
	free(dp);
	return 0;
}

int vf_datapath_error(int err, const char *msg)
{
	return vf__fail(NULL, err, "%s", msg ? msg : "");
}

static void free_dps(struct vf__runtime *rt)
{
	while (!vf__list_empty(&rt->dps)) {
		struct vf__dp *dp = vf__container_of(rt->dps.next, struct vf__dp, node);

		vf__list_del(&dp->node);
		free(dp);
	}
}

int vf__runtime_open(vf_fabric *f)
{
	struct vf__runtime *rt = calloc(1, sizeof(*rt));
	uv_prepare_t *prep = calloc(1, sizeof(*prep));
	uv_timer_t *timer = calloc(1, sizeof(*timer));
	int err;

	if (!rt || !prep || !timer || (!f->qsbr && vf__qsbr_create(&f->qsbr) < 0)) {
		free(rt);
		free(prep);
		free(timer);
		return vf__fail(NULL, -ENOMEM, "no memory for the fabric's runtime");
	}
	vf__list_init(&rt->dps);
	vf__list_init(&rt->endpoints);
	vf__list_init(&rt->workers);
	f->rt = rt;
	if ((err = vf_datapath_register(f, &vf__callback_ops, f)) < 0 ||
	    (err = vf_datapath_register(f, &vf__afpacket_ops, NULL)) < 0)
		goto fail;
	uv_prepare_init(vf__fabric_loop(f), prep);
	prep->data = f;
	uv_prepare_start(prep, on_prepare);
	rt->publish_handle = prep;
	uv_timer_init(vf__fabric_loop(f), timer);
	timer->data = f;
	rt->reclaim_handle = timer;
	return 0;
fail:
	free_dps(rt);
	free(prep);
	free(timer);
	free(rt);
	f->rt = NULL;
	return err;
}

static void free_handle(uv_handle_t *h)
{
	free(h);
}

void vf__runtime_close(vf_fabric *f)
{
	struct vf__runtime *rt = f->rt;

	if (!rt)
		return;
	vf__runtime_stop(f);
	if (rt->publish_handle)
		uv_close(rt->publish_handle, free_handle);
	if (rt->reclaim_handle)
		uv_close(rt->reclaim_handle, free_handle);
	if (rt->watch_handle)
		uv_close(rt->watch_handle, free_handle);
	vf__nl_watch_close(rt->watch);
	vf__nl_close(rt->nl);
	free_dps(rt);
	free(rt);
	f->rt = NULL;
}

void vf__runtime_stop(vf_fabric *f)
{
	if (!f->rt)
		return;
	if (f->rt->nthreads)
		vf__runtime_stop_threads(f);
	vf__runtime_unbind_all(f);
}
