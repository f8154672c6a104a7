/* The pipeline's public functions (pipeline.h): in-process I/O, counters,
 * traces. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pipeline/conntrack.h"
#include "pipeline/location.h"
#include "pipeline/pipeline.h"
#include "runtime/runtime.h"

#define FRAME_MIN 14
#define FRAME_MAX 65535
#define CT_MAX 262144 /* tracked connections per fabric */
/* Expiry sweeps CT_SWEEP entries every CT_SWEEP_EVERY frames: timeouts
 * are seconds long, and at 1 Mpps this still covers the whole table
 * about once a second, for a few instructions per frame. */
#define CT_SWEEP 256
#define CT_SWEEP_EVERY 1024

static const char *const reason_names[VF__DROP_COUNT] = {
	[VF_DROP_NONE] = "none",
	[VF_DROP_MALFORMED] = "malformed",
	[VF_DROP_UNSUPPORTED] = "unsupported",
	[VF_DROP_PORT_DOWN] = "port-down",
	[VF_DROP_SPOOF_MAC] = "spoof-mac",
	[VF_DROP_SPOOF_IP] = "spoof-ip",
	[VF_DROP_DHCP_SERVER] = "dhcp-server",
	[VF_DROP_ROUTER_ADVERT] = "router-advert",
	[VF_DROP_ARP_INVALID] = "arp-invalid",
	[VF_DROP_ARP_PENDING_FULL] = "arp-pending-full",
	[VF_DROP_DHCP_INVALID] = "dhcp-invalid",
	[VF_DROP_TTL_EXCEEDED] = "ttl-exceeded",
	[VF_DROP_NO_ROUTE] = "no-route",
	[VF_DROP_INTRA_CELL] = "intra-cell",
	[VF_DROP_INTER_CELL] = "inter-cell",
	[VF_DROP_SECGROUP_EGRESS] = "secgroup-egress",
	[VF_DROP_SECGROUP_INGRESS] = "secgroup-ingress",
	[VF_DROP_QOS_EGRESS] = "qos-egress",
	[VF_DROP_QOS_INGRESS] = "qos-ingress",
	[VF_DROP_NO_LOCATION] = "no-location",
	[VF_DROP_NOT_HERE] = "not-here",
	[VF_DROP_NOT_FOR_HOST] = "not-for-host",
	[VF_DROP_FRAGMENT] = "fragment",
	[VF_DROP_TOO_BIG] = "too-big",
	[VF_DROP_LINK_UNPAIRED] = "link-unpaired",
	[VF_DROP_NO_OUTPUT] = "no-output",
};

const char *vf_drop_reason_name(vf_drop_reason r)
{
	return (unsigned int)r < VF__DROP_COUNT ? reason_names[r] : "unknown";
}

uint64_t vf__now_ns(const vf_fabric *f)
{
	struct timespec ts;

	if (f && f->test_now_ns)
		return f->test_now_ns;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The pipeline state a fabric gets on its first frame; the flow cache
 * comes with the buffers, once (vf__pipe_flowcache() may change it). */
static int pipe_init(vf_fabric *f)
{
	if (!f->ct && vf__ct_create(&f->ct, CT_MAX) < 0)
		return vf__fail(f, -ENOMEM, "no memory for connection tracking");
	if (f->work)
		return 0;
	if (vf__flowcache_create(&f->fc, VF__FC_DEFAULT_ENTRIES) < 0 ||
	    !(f->work = malloc(2 * (FRAME_MAX + 64)))) {
		vf__flowcache_destroy(f->fc);
		f->fc = NULL;
		return vf__fail(f, -ENOMEM, "no memory for the pipeline's buffers");
	}
	return 0;
}

int vf__pipe_flowcache(vf_fabric *f, uint32_t entries)
{
	struct vf__flowcache *fc = NULL;
	int err;

	if ((err = pipe_init(f)) < 0 ||
	    (entries && (err = vf__flowcache_create(&fc, entries)) < 0))
		return err;
	vf__flowcache_destroy(f->fc);
	f->fc = fc;
	return 0;
}

void vf__pipe_free(vf_fabric *f)
{
	struct vf__tables *t = f->tables;

	/* workers that poll from now on find no tables (the fabric was
	 * destroyed); the ones in a batch finish it, and what waited for
	 * them is freed, before the rest goes */
	vf__qsbr_publish(&f->tables, NULL);
	vf__pipe_reflush(f);
	if (f->qsbr)
		vf__qsbr_barrier(f->qsbr);
	vf__tables_free(t);
	vf__ct_destroy(f->ct);
	f->ct = NULL;
	vf__locs_destroy(f->locs);
	f->locs = NULL;
	vf__flowcache_destroy(f->fc);
	f->fc = NULL;
	free(f->work);
	f->work = NULL;
}

int vf_fabric_set_output(vf_fabric *f, vf_output_fn fn, void *user_data)
{
	struct vf__output *o;
	int err;

	if ((err = vf__obj_check(f ? &f->obj : NULL, "vf_fabric_set_output")) < 0)
		return err;
	if (vf__worker_thread())
		return vf__fail(f, -EBUSY,
				"vf_fabric_set_output: called from the output callback");
	/* the slot not in use; workers read the pointer without a lock
	 * (vf__output()), and once the barrier returns none uses the old
	 * slot: the next set may write it, and no worker calls the old
	 * callback after this returns */
	o = &f->out_slot[f->out == &f->out_slot[0]];
	*o = (struct vf__output){fn, user_data};
	vf__qsbr_publish(&f->out, fn ? o : NULL);
	if (vf__runtime_shared(f))
		vf__qsbr_barrier(f->qsbr);
	return 0;
}

static int check_frame(const vf_fabric *f, const void *frame, size_t len,
		       const char *what)
{
	if (!frame)
		return vf__fail(f, -EINVAL, "%s: NULL frame", what);
	if (len < FRAME_MIN || len > FRAME_MAX)
		return vf__fail(f, -EINVAL, "%s: a frame of %zu bytes (%d to %d)", what,
				len, FRAME_MIN, FRAME_MAX);
	return 0;
}

/* What run() checks before a frame, in order, with a message for the
 * first that fails; 0 when all pass. */
static int run_checks(vf_fabric *f, vf_port *port, const void *frame, size_t len,
		      const char *what)
{
	int err;

	if ((err = vf__obj_check(f ? &f->obj : NULL, what)) < 0 ||
	    (port && (err = vf__obj_check(&port->obj, what)) < 0) ||
	    (err = check_frame(f, frame, len, what)) < 0 || (err = pipe_init(f)) < 0)
		return err;
	if (port && port->subnet->cell->fabric != f)
		return vf__fail(f, -EINVAL, "%s: port '%s' is of another fabric", what,
				port->entry.name);
	if (f->in_pipeline || vf__worker_thread())
		return vf__fail(f, -EBUSY,
				"%s: called from the fabric's own output callback", what);
	return 0;
}

/* What a context on the inject path needs before its first frame: the
 * tables of the model as it is now, the clock, the reply buffer, the flow
 * cache. 0 or -ENOMEM. */
static inline __attribute__((always_inline)) int ctx_begin(vf_fabric *f,
							   struct vf__ctx *c)
{
	if (!(c->t = f->tables && f->tables->gen == f->gen ? f->tables
							   : vf__pipe_tables(f)))
		return vf__fail(f, -ENOMEM, "no memory for the pipeline's tables");
	c->locs = f->locs;
	c->now = vf__now_ns(f);
	c->reply = f->work + FRAME_MAX + 64;
	c->reply_cap = FRAME_MAX + 64;
	c->fc = f->fc;
	return 0;
}

/* Runs one frame (from @port, or the underlay when NULL), tracing into
 * @tr when it is not NULL. Returns frames sent, or the verdict when
 * tracing, or -errno. Inlined into each public entry point: one call
 * frame per frame instead of two. Workers share nothing here that is not
 * safe to share (runtime.h): the control thread runs it while they run. */
static inline __attribute__((always_inline)) int
run(vf_fabric *f, vf_port *port, const void *frame, size_t len, struct vf__trace *tr)
{
	struct vf__ctx c = {.f = f, .tr = tr, .dry = tr != NULL};
	vf_drop_reason r;
	int err;

	/* every frame passes these: a few compares, and run_checks() says
	 * what failed */
	if (!f || f->obj.removed || !f->work || f->in_pipeline || vf__worker_thread() ||
	    !frame ||
	    len < FRAME_MIN || len > FRAME_MAX ||
	    (port && (port->obj.removed || port->subnet->cell->fabric != f))) {
		const char *what = tr	  ? "vf_trace"
				   : port ? "vf_port_inject"
					  : "vf_fabric_inject_underlay";

		if ((err = run_checks(f, port, frame, len, what)) < 0)
			return err;
	}
	if ((err = ctx_begin(f, &c)) < 0)
		return err;
	memcpy(f->work, frame, len);
	f->in_pipeline = true;
	r = port ? vf__pipe_from_port(&c, vf__pipe_src(c.t, port), f->work, (uint32_t)len)
		 : vf__pipe_from_underlay(&c, f->work, (uint32_t)len);
	f->in_pipeline = false;
	if (!tr)
		vf__pipe_sweep(f, &f->frames_since_sweep, c.now, 1);
	return tr ? (int)r : c.sent;
}

int vf_port_inject(vf_port *port, const void *frame, size_t len)
{
	if (!port)
		return vf__fail(NULL, -EINVAL, "vf_port_inject: NULL port");
	return run(port->subnet->cell->fabric, port, frame, len, NULL);
}

int vf_fabric_inject_underlay(vf_fabric *f, const void *frame, size_t len)
{
	return run(f, NULL, frame, len, NULL);
}

#define BATCH_MAX 4096

/* Checks a batch whole before any of it runs: nothing is half-done. */
static int check_batch(vf_fabric *f, vf_port *port, const vf_frame *frames,
		       unsigned int n, const char *what)
{
	if (!frames && n)
		return vf__fail(f, -EINVAL, "%s: NULL frames", what);
	if (n > BATCH_MAX)
		return vf__fail(f, -EINVAL, "%s: %u frames (at most %d)", what, n,
				BATCH_MAX);
	for (unsigned int i = 0; i < n; i++) {
		if (frames[i].flags & ~VF_FRAME_F_WRITABLE)
			return vf__fail(f, -EINVAL, "%s: frame %u has unknown flags 0x%x",
					what, i, frames[i].flags & ~VF_FRAME_F_WRITABLE);
		if (!frames[i].data)
			return vf__fail(f, -EINVAL, "%s: frame %u: NULL data", what, i);
		if (frames[i].len < FRAME_MIN || frames[i].len > FRAME_MAX)
			return vf__fail(f, -EINVAL, "%s: frame %u: %u bytes (%d to %d)",
					what, i, frames[i].len, FRAME_MIN, FRAME_MAX);
	}
	return n ? run_checks(f, port, frames[0].data, frames[0].len, what) : 0;
}

/* A checked batch, run as run() would each frame, with what is the same
 * for all of them (tables, clock, buffers) taken once. */
static int run_batch(vf_fabric *f, vf_port *port, const vf_frame *frames, unsigned int n)
{
	struct vf__ctx base = {.f = f}, c;
	const struct vf__tport *src;
	int sent = 0, err;

	if ((err = ctx_begin(f, &base)) < 0)
		return err;
	src = port ? vf__pipe_src(base.t, port) : NULL;
	f->in_pipeline = true;
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *buf = f->work;

		c = base;
		if (frames[i].flags & VF_FRAME_F_WRITABLE) /* the caller's to change */
			buf = (uint8_t *)(uintptr_t)frames[i].data;
		else
			memcpy(buf, frames[i].data, frames[i].len);
		if (port)
			vf__pipe_from_port(&c, src, buf, frames[i].len);
		else
			vf__pipe_from_underlay(&c, buf, frames[i].len);
		sent += c.sent;
	}
	f->in_pipeline = false;
	vf__pipe_sweep(f, &f->frames_since_sweep, base.now, n);
	return sent;
}

static int inject_batch(vf_fabric *f, vf_port *port, const vf_frame *frames,
			unsigned int n, const char *what)
{
	int rc;

	if ((rc = check_batch(f, port, frames, n, what)) < 0 || !n)
		return rc;
	return run_batch(f, port, frames, n);
}

int vf_port_inject_batch(vf_port *port, const vf_frame *frames, unsigned int n)
{
	if (!port)
		return vf__fail(NULL, -EINVAL, "vf_port_inject_batch: NULL port");
	return inject_batch(port->subnet->cell->fabric, port, frames, n,
			    "vf_port_inject_batch");
}

int vf_fabric_inject_underlay_batch(vf_fabric *f, const vf_frame *frames, unsigned int n)
{
	if (!f)
		return vf__fail(NULL, -EINVAL,
				"vf_fabric_inject_underlay_batch: NULL fabric");
	return inject_batch(f, NULL, frames, n, "vf_fabric_inject_underlay_batch");
}

int vf_trace(vf_fabric *f, vf_port *port, const void *frame, size_t len, char **out)
{
	struct vf__trace tr = {0};
	int rc;

	if (!out)
		return vf__fail(f, -EINVAL, "vf_trace: NULL out");
	*out = NULL;
	rc = run(f, port, frame, len, &tr);
	if (rc >= 0 && (tr.oom || !tr.buf))
		rc = vf__fail(f, -ENOMEM, "no memory for the trace");
	if (rc < 0) {
		free(tr.buf);
		return rc;
	}
	*out = tr.buf;
	return rc;
}

/* Forgets the connections of @zone (a port's serial), or (0) every
 * inter-cell admission (pipeline.c: pair_zone()). */
static void ct_flush(struct vf__ct *ct, uint32_t zone)
{
	if (zone)
		vf__ct_flush_zone(ct, zone);
	else
		vf__ct_flush_zones(ct, 0x80000000u, 0x80000000u);
}

/* Zones to flush again once workers have the new rules. */
struct vf__reflush {
	struct vf__reflush *next;
	struct vf__ct *ct;
	size_t n;
	uint32_t zone[32];
};

static void reflush(void *arg)
{
	struct vf__reflush *r = arg, *next;

	for (; r; r = next) {
		next = r->next;
		for (size_t i = 0; i < r->n; i++)
			ct_flush(r->ct, r->zone[i]);
		free(r);
	}
}

void vf__pipe_reflush(vf_fabric *f)
{
	if (f->reflush)
		vf__runtime_defer(f, reflush, f->reflush);
	f->reflush = NULL;
}

void vf__pipe_rules_changed(const vf_fabric *f, const vf_port *p)
{
	struct vf__reflush *r;

	if (!f || !f->ct)
		return;
	ct_flush(f->ct, p ? p->serial : 0);
	if (!vf__runtime_shared(f))
		return;
	/* workers keep the old rules until the loop publishes the new ones,
	 * and may track the flow again meanwhile: flush again once none can
	 * hold the old tables (vf__pipe_reflush()) */
	r = ((vf_fabric *)f)->reflush;
	if (!r || r->n == VF__ARRAY_SIZE(r->zone)) {
		if (!(r = calloc(1, sizeof(*r)))) {
			vf__qsbr_barrier(f->qsbr); /* no memory: as good, slower */
			return;
		}
		r->next = f->reflush;
		r->ct = f->ct;
		((vf_fabric *)f)->reflush = r;
	}
	r->zone[r->n++] = p ? p->serial : 0;
}

void vf_free(void *ptr)
{
	free(ptr);
}

/* Counters are written by workers: read atomically (VF__CNT_GET). */
int vf_port_stats_get(const vf_port *p, vf_port_stats *out)
{
	vf_port_stats s = {.sz = sizeof(s)};

	if (!p || !out)
		return vf__fail(NULL, -EINVAL, "vf_port_stats_get: NULL argument");
	s.rx_packets = VF__CNT_GET(p->rt.rx_packets);
	s.rx_bytes = VF__CNT_GET(p->rt.rx_bytes);
	s.tx_packets = VF__CNT_GET(p->rt.tx_packets);
	s.tx_bytes = VF__CNT_GET(p->rt.tx_bytes);
	s.drops = VF__CNT_GET(p->rt.drops);
	return vf__copy_out(out, &s, sizeof(s), "vf_port_stats");
}

uint64_t vf_port_drops(const vf_port *p, vf_drop_reason r)
{
	if (!p || (unsigned int)r >= VF__DROP_COUNT)
		return 0;
	return VF__CNT_GET(p->rt.drop[r]);
}

uint64_t vf_fabric_drops(const vf_fabric *f, vf_drop_reason r)
{
	if (!f || (unsigned int)r >= VF__DROP_COUNT)
		return 0;
	return VF__CNT_GET(f->drop[r]);
}

void vf__pipe_sweep(vf_fabric *f, uint32_t *since, uint64_t now, uint32_t frames)
{
	*since += frames;
	if (f->ct && *since >= CT_SWEEP_EVERY) {
		*since = 0;
		vf__ct_expire(f->ct, now, CT_SWEEP);
	}
}

int vf__pipe_init(vf_fabric *f)
{
	return pipe_init(f);
}
