/*
 * The public gossip API (vfabric/gossip.h): a state machine (swim*.c) on
 * the real transport (transport.c), per fabric.
 *
 * Events reach the host's callback straight from the state machine, which
 * runs only in the loop's callbacks (vf_fabric_process(), vf_fabric_run(),
 * the loop thread) or in the calls below, which emit none. A callback may
 * read members but not stop gossip (-EBUSY). The member views handed out
 * borrow their strings from one buffer per fabric.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/internal.h"
#include "gossip/crypto.h"
#include "gossip/locsvc.h"
#include "gossip/query.h"
#include "gossip/serf.h"
#include "gossip/transport.h"

#define KEY_KEYMAX 64
#define TAG_VALMAX 255
#define SEEDS_MAX 64

#define LOC_MISS_MAX 64

struct vf__gossip {
	vf_fabric *f;
	struct vf__swim *swim;
	struct vf__gtransport *tr;
	struct vf__keyring *kr;
	vf_gossip_event_fn fn;
	void *ud;
	struct vf__swim_hooks delegate; /* the location service's, or zero */
	struct vf__locsvc *loc;		/* ours, when no other delegate is set */
	struct vf__query *query;	/* answers `serf query` */
	uint64_t loc_tick;		/* when it last ran (ms) */
	/* pipeline misses (from any worker thread) waiting for the loop */
	pthread_mutex_t miss_lock;
	struct {
		uint32_t cell, vip;
	} miss[LOC_MISS_MAX];
	unsigned int nmiss;
	bool in_cb;
	bool left;
	uint16_t port;
	/* the member view's borrowed strings */
	vf_gossip_tag tags[VF__SERF_TAGS_MAX];
	char text[VF__GOSSIP_META_MAX * 2 + VF__SERF_TAGS_MAX * 2];
};

static struct vf__gossip *gossip_of(vf_fabric *f)
{
	struct vf__gossip *g;

	if (!f->gossip && (g = calloc(1, sizeof(*g)))) {
		g->f = f;
		pthread_mutex_init(&g->miss_lock, NULL);
		/* workers read it (vf__gossip_loc_request()) */
		__atomic_store_n(&f->gossip, g, __ATOMIC_RELEASE);
	}
	return f->gossip;
}

static bool running(const vf_fabric *f)
{
	return f && f->gossip && f->gossip->swim;
}

/* ---- member views ---- */

static void view(struct vf__gossip *g, const struct vf__swim_node *n, vf_gossip_member *m)
{
	struct vf__serf_tag tags[VF__SERF_TAGS_MAX];
	uint32_t ntags = 0;
	char *p = g->text, *end = g->text + sizeof(g->text);

	memset(m, 0, sizeof(*m));
	m->sz = sizeof(*m);
	m->name = n->name;
	if (n->addr.len == 4)
		inet_ntop(AF_INET, n->addr.ip, m->addr, sizeof(m->addr));
	else if (n->addr.len == 16)
		inet_ntop(AF_INET6, n->addr.ip, m->addr, sizeof(m->addr));
	m->port = n->addr.port;
	m->state = (vf_member_state)vf__swim_state(n);
	m->incarnation = n->incarnation;
	m->protocol_max = n->vsn.len >= 2 ? n->vsn.v[1] : 0;
	m->delegate_cur = n->vsn.len >= 6 ? n->vsn.v[5] : 0;
	m->self = n == vf__swim_node_at(g->swim, 0);
	if (vf__serf_tags_decode(tags, VF__SERF_TAGS_MAX, &ntags,
				 (struct vf__gbytes){n->meta, n->meta_len}) < 0)
		ntags = 0;
	for (uint32_t i = 0; i < ntags; i++) {
		size_t need = tags[i].key.len + tags[i].value.len + 2;

		if ((size_t)(end - p) < need)
			break;
		g->tags[m->ntags].key = p;
		memcpy(p, tags[i].key.data, tags[i].key.len);
		p += tags[i].key.len;
		*p++ = 0;
		g->tags[m->ntags].value = p;
		memcpy(p, tags[i].value.data, tags[i].value.len);
		p += tags[i].value.len;
		*p++ = 0;
		m->ntags++;
	}
	m->tags = g->tags;
}

static void on_event(void *ctx, enum vf__swim_event ev, const struct vf__swim_node *n)
{
	struct vf__gossip *g = ctx;
	vf_gossip_member m;

	vf_info(g->f, "gossip: member %s %s", n->name,
		ev == VF__SWIM_JOINED	? "joined"
		: ev == VF__SWIM_FAILED ? "failed"
		: ev == VF__SWIM_LEFT	? "left"
					: "updated");
	if (!g->fn)
		return;
	view(g, n, &m);
	g->in_cb = true;
	g->fn(g->f, (vf_gossip_event)ev, &m, g->ud);
	g->in_cb = false;
}

/* The delegate's hooks, behind fixed functions so the delegate can change
 * while the state machine runs. */
static void on_user(void *ctx, const uint8_t *p, size_t len)
{
	struct vf__gossip *g = ctx;

	if (vf__query_user(g->query, p, len))
		return;
	if (g->delegate.user)
		g->delegate.user(g->delegate.ctx, p, len);
}

static int on_local_state(void *ctx, struct vf__gbuf *out, bool join)
{
	struct vf__gossip *g = ctx;

	return g->delegate.local_state
		       ? g->delegate.local_state(g->delegate.ctx, out, join)
		       : 0;
}

static void on_remote_state(void *ctx, const uint8_t *p, size_t len, bool join)
{
	struct vf__gossip *g = ctx;

	if (g->delegate.remote_state)
		g->delegate.remote_state(g->delegate.ctx, p, len, join);
}

struct vf__swim *vf__gossip_swim(vf_fabric *f)
{
	return running(f) && !f->gossip->left ? f->gossip->swim : NULL;
}

static void loc_stop(struct vf__gossip *g);

int vf__gossip_set_delegate(vf_fabric *f, const struct vf__swim_hooks *h)
{
	struct vf__gossip *g = gossip_of(f);

	if (!g)
		return -ENOMEM;
	loc_stop(g); /* a delegate of one's own replaces the service */
	if (h)
		g->delegate = *h;
	else
		memset(&g->delegate, 0, sizeof(g->delegate));
	g->delegate.event = NULL;
	return 0;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The location service's periodic work, at most every LOC_TICK_MS. */
#define LOC_TICK_MS 200

static void loc_tick(struct vf__gossip *g)
{
	uint64_t now = mono_ms();
	unsigned int n;

	if (!g->loc || g->left)
		return;
	pthread_mutex_lock(&g->miss_lock);
	n = g->nmiss;
	for (unsigned int i = 0; i < n; i++)
		vf__locsvc_request(g->loc, g->miss[i].cell, g->miss[i].vip, now);
	g->nmiss = 0;
	pthread_mutex_unlock(&g->miss_lock);
	if (now - g->loc_tick < LOC_TICK_MS)
		return;
	g->loc_tick = now;
	vf__locsvc_tick(g->loc);
}

/* After each batch of input (packets, streams, timers): a finished leave
 * closes the sockets; the location service runs. */
static void after_input(void *ctx)
{
	struct vf__gossip *g = ctx;

	loc_tick(g);
	if (g->swim && vf__swim_left(g->swim) && !g->left) {
		g->left = true;
		vf_info(g->f, "gossip: left the cluster");
		vf__gtransport_close(g->tr);
		g->tr = NULL;
	}
}

/* ---- options ---- */

static int parse_ip(vf_fabric *f, const char *s, uint32_t *ip, const char *what)
{
	struct in_addr a;

	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return vf__fail(f, -EINVAL,
				"vf_gossip_start: %s '%s' is not an IPv4 address", what,
				s ? s : "(null)");
	*ip = ntohl(a.s_addr);
	return 0;
}

static int tag_check(vf_fabric *f, const char *k, const char *v)
{
	if (!k || !*k || strlen(k) > 64 || strpbrk(k, "=,"))
		return vf__fail(f, -EINVAL, "vf_gossip_start: bad tag key '%s'",
				k ? k : "");
	if (!v || strlen(v) > TAG_VALMAX)
		return vf__fail(f, -EINVAL,
				"vf_gossip_start: tag '%s': value missing or over "
				"%d bytes",
				k, TAG_VALMAX);
	if (!strcmp(k, "role") || !strcmp(k, "underlay"))
		return vf__fail(
			f, -EINVAL,
			"vf_gossip_start: tag '%s' is set by the library (opts.role, "
			"the host IP)",
			k);
	return 0;
}

static int make_meta(vf_fabric *f, const vf_gossip_opts *o, uint32_t underlay,
		     struct vf__gbuf *out)
{
	struct vf__serf_tag t[VF_GOSSIP_TAGS_MAX + 2];
	char ip[INET_ADDRSTRLEN];
	struct in_addr a = {htonl(underlay)};
	uint32_t n = 0;
	int rc;

	if (o->ntags > VF_GOSSIP_TAGS_MAX || (o->ntags && !o->tags))
		return vf__fail(f, -EINVAL, "vf_gossip_start: %u tags (at most %d)",
				o->ntags, VF_GOSSIP_TAGS_MAX);
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	t[n++] = (struct vf__serf_tag){vf__gbytes_str("role"),
				       vf__gbytes_str(o->role ? o->role : "vfabric")};
	t[n++] = (struct vf__serf_tag){vf__gbytes_str("underlay"), vf__gbytes_str(ip)};
	if (o->role && (!*o->role || strlen(o->role) > TAG_VALMAX))
		return vf__fail(f, -EINVAL, "vf_gossip_start: bad role '%s'", o->role);
	for (uint32_t i = 0; i < o->ntags; i++) {
		if ((rc = tag_check(f, o->tags[i].key, o->tags[i].value)) < 0)
			return rc;
		t[n++] = (struct vf__serf_tag){vf__gbytes_str(o->tags[i].key),
					       vf__gbytes_str(o->tags[i].value)};
	}
	if ((rc = vf__serf_tags_encode(out, t, n)) < 0)
		return vf__fail(f, rc,
				"vf_gossip_start: the tags take over %u bytes encoded",
				VF__GOSSIP_META_MAX);
	return 0;
}

static int make_keyring(vf_fabric *f, const vf_gossip_opts *o, struct vf__keyring **kr)
{
	int rc = 0;

	*kr = NULL;
	if (!o->nkeys)
		return 0;
	if (!o->keys || o->nkeys > KEY_KEYMAX)
		return vf__fail(f, -EINVAL, "vf_gossip_start: %u keys (at most %d)",
				o->nkeys, KEY_KEYMAX);
	if ((rc = vf__gossip_crypto_check()) < 0)
		return vf__fail(f, rc, "vf_gossip_start: encryption: %s",
				vf_last_error());
	for (uint32_t i = 0; i < o->nkeys; i++) {
		uint8_t key[64];
		size_t len = 0;

		if (!o->keys[i] ||
		    sodium_base642bin(key, sizeof(key), o->keys[i], strlen(o->keys[i]),
				      NULL, &len, NULL,
				      sodium_base64_VARIANT_ORIGINAL) != 0) {
			rc = vf__fail(f, -EINVAL, "vf_gossip_start: key %u is not base64",
				      i);
			break;
		}
		if (len != VF__GOSSIP_KEY_LEN) {
			rc = vf__fail(
				f, len == 16 || len == 24 ? -EOPNOTSUPP : -EINVAL,
				"vf_gossip_start: key %u has %zu bytes; only 32-byte "
				"(AES-256, `serf keygen`) keys are supported",
				i, len);
			break;
		}
		rc = i ? vf__keyring_install(*kr, key, len)
		       : vf__keyring_create(kr, key, len);
		sodium_memzero(key, sizeof(key));
		if (rc < 0) {
			rc = vf__fail(f, rc, "vf_gossip_start: key %u: %s", i,
				      vf_last_error());
			break;
		}
	}
	if (rc < 0) {
		vf__keyring_destroy(*kr);
		*kr = NULL;
	}
	return rc;
}

/* ---- start, stop ---- */

/* Starts the location service on @g's state machine, unless someone set
 * a delegate of their own (tests). */
static int loc_start(struct vf__gossip *g, const char *name)
{
	struct vf__locsvc_opts lo = {0};
	struct timespec ts;
	int rc;

	if (g->delegate.user || g->delegate.local_state || g->delegate.remote_state)
		return 0;
	/* versions start at the wall clock (ms): a restarted host publishes
	 * above what it published before */
	clock_gettime(CLOCK_REALTIME, &ts);
	lo.fabric = g->f;
	lo.name = name;
	lo.version_base = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	if ((rc = vf__locsvc_create(&g->loc, &lo)) < 0)
		return rc;
	vf__locsvc_set_swim(g->loc, g->swim);
	vf__locsvc_hooks(g->loc, &g->delegate);
	return 0;
}

static void loc_stop(struct vf__gossip *g)
{
	if (!g->loc)
		return;
	vf__locsvc_destroy(g->loc);
	g->loc = NULL;
	memset(&g->delegate, 0, sizeof(g->delegate));
}

/* From the pipeline, on any thread: queued for the loop, which asks at
 * its next input or timer (the location service is the loop's alone). */
void vf__gossip_loc_request(vf_fabric *f, uint32_t cell, uint32_t vip)
{
	struct vf__gossip *g = __atomic_load_n(&f->gossip, __ATOMIC_ACQUIRE);
	unsigned int i;

	if (!g)
		return;
	pthread_mutex_lock(&g->miss_lock);
	for (i = 0; i < g->nmiss; i++)
		if (g->miss[i].cell == cell && g->miss[i].vip == vip)
			break;
	if (i == g->nmiss && g->nmiss < LOC_MISS_MAX) {
		g->miss[g->nmiss].cell = cell;
		g->miss[g->nmiss++].vip = vip;
	}
	pthread_mutex_unlock(&g->miss_lock);
}

static void teardown(struct vf__gossip *g)
{
	loc_stop(g);
	vf__query_destroy(g->query);
	g->query = NULL;
	vf__gtransport_close(g->tr);
	g->tr = NULL;
	vf__swim_destroy(g->swim);
	g->swim = NULL;
	vf__keyring_destroy(g->kr);
	g->kr = NULL;
	g->left = false;
}

int vf_gossip_start(vf_fabric *f, const vf_gossip_opts *opts)
{
	struct vf__swim_hooks hooks = {0};
	struct vf__swim_opts so = {0};
	struct vf__query_opts qo = {0};
	struct vf__swim_io io;
	struct vf__gbuf meta = {0};
	struct vf__gossip *g;
	vf_gossip_opts o;
	uint32_t bind_ip = 0, adv_ip = 0;
	int rc;

	if ((rc = vf__obj_check(f ? &f->obj : NULL, "vf_gossip_start")) < 0)
		return rc;
	if ((rc = VF__OPTS_LOAD(&o, opts, vf_gossip_opts)) < 0)
		return rc;
	if (!(g = gossip_of(f)))
		return vf__fail(f, -ENOMEM, "vf_gossip_start: no memory");
	if (g->swim)
		return vf__fail(f, -EALREADY, "vf_gossip_start: gossip runs already");
	if (o.flags & ~(VF_GOSSIP_F_COMPRESS | VF_GOSSIP_F_NO_COMPRESS))
		return vf__fail(f, -EINVAL, "vf_gossip_start: unknown flags 0x%x",
				o.flags);
	if ((o.flags & VF_GOSSIP_F_COMPRESS) && (o.flags & VF_GOSSIP_F_NO_COMPRESS))
		return vf__fail(f, -EINVAL,
				"vf_gossip_start: flags COMPRESS and NO_COMPRESS together");
	if ((unsigned int)o.profile > VF_GOSSIP_PROFILE_LOCAL)
		return vf__fail(f, -EINVAL, "vf_gossip_start: unknown profile %d",
				o.profile);
	if (o.bind_addr && (rc = parse_ip(f, o.bind_addr, &bind_ip, "bind_addr")) < 0)
		return rc;
	if (o.advertise_addr) {
		if ((rc = parse_ip(f, o.advertise_addr, &adv_ip, "advertise_addr")) < 0)
			return rc;
	} else {
		adv_ip = bind_ip ? bind_ip : f->host_ip;
	}
	if (!adv_ip)
		return vf__fail(
			f, -EINVAL,
			"vf_gossip_start: no address to advertise: set advertise_addr, "
			"bind_addr or the fabric's host IP");
	so.name = o.node_name ? o.node_name : f->host_name;
	if (!*so.name || strlen(so.name) > 255)
		return vf__fail(f, -EINVAL, "vf_gossip_start: bad node name");
	if ((rc = make_meta(f, &o, f->host_ip ? f->host_ip : adv_ip, &meta)) < 0)
		return rc;
	if ((rc = make_keyring(f, &o, &g->kr)) < 0)
		goto out;
	vf__swim_config_profile(&so.cfg, o.profile);
	if (o.probe_interval_ms)
		so.cfg.probe_interval = o.probe_interval_ms;
	if (o.probe_timeout_ms)
		so.cfg.probe_timeout = o.probe_timeout_ms;
	if (o.gossip_interval_ms)
		so.cfg.gossip_interval = o.gossip_interval_ms;
	if (o.push_pull_ms)
		so.cfg.push_pull_interval = o.push_pull_ms;
	g->port = o.bind_port ? o.bind_port : VF_GOSSIP_PORT_DEFAULT;
	if ((rc = vf__gtransport_open(&g->tr, f, bind_ip, g->port, so.cfg.tcp_timeout,
				      &io)) < 0)
		goto out;
	so.addr.len = 4;
	so.addr.ip[0] = (uint8_t)(adv_ip >> 24);
	so.addr.ip[1] = (uint8_t)(adv_ip >> 16);
	so.addr.ip[2] = (uint8_t)(adv_ip >> 8);
	so.addr.ip[3] = (uint8_t)adv_ip;
	so.addr.port = o.advertise_port ? o.advertise_port : g->port;
	so.meta = meta.data;
	so.meta_len = meta.len;
	so.kr = g->kr;
	so.compress = !(o.flags & VF_GOSSIP_F_NO_COMPRESS);
	hooks.ctx = g;
	hooks.event = on_event;
	hooks.user = on_user;
	hooks.local_state = on_local_state;
	hooks.remote_state = on_remote_state;
	if ((rc = vf__swim_create(&g->swim, &so, &io, &hooks)) < 0) {
		rc = vf__fail(f, rc, "vf_gossip_start: %s", strerror(-rc));
		goto out;
	}
	qo.swim = g->swim;
	qo.fabric = f;
	if ((rc = vf__query_create(&g->query, &qo)) < 0) {
		rc = vf__fail(f, rc, "vf_gossip_start: %s", strerror(-rc));
		goto out;
	}
	if ((rc = loc_start(g, so.name)) < 0) {
		rc = vf__fail(f, rc, "vf_gossip_start: location service: %s",
			      strerror(-rc));
		goto out;
	}
	vf__gtransport_attach(g->tr, g->swim, after_input, g);
	vf_info(f, "gossip: started as '%s' on port %u%s", so.name, g->port,
		g->kr ? ", encrypted" : "");
out:
	if (rc < 0)
		teardown(g);
	vf__gbuf_free(&meta);
	return rc;
}

int vf_gossip_stop(vf_fabric *f)
{
	if (!f)
		return vf__fail(NULL, -EINVAL, "vf_gossip_stop: NULL fabric");
	if (!running(f))
		return vf__fail(f, -ENOTCONN, "vf_gossip_stop: gossip is not running");
	if (f->gossip->in_cb)
		return vf__fail(f, -EBUSY,
				"vf_gossip_stop: called from a gossip callback");
	teardown(f->gossip);
	vf_info(f, "gossip: stopped");
	return 0;
}

void vf__gossip_fabric_remove(vf_fabric *f)
{
	if (!f->gossip)
		return;
	teardown(f->gossip);
	pthread_mutex_destroy(&f->gossip->miss_lock);
	free(f->gossip);
	f->gossip = NULL;
}

static int parse_seed(vf_fabric *f, const char *s, struct vf__gaddr *a)
{
	char host[INET_ADDRSTRLEN + 8];
	const char *colon;
	unsigned long port = VF_GOSSIP_PORT_DEFAULT;
	struct in_addr in;
	char *end;

	if (!s || strlen(s) >= sizeof(host))
		return vf__fail(f, -EINVAL, "vf_gossip_join: bad seed '%s'",
				s ? s : "(null)");
	strcpy(host, s);
	if ((colon = strchr(s, ':'))) {
		host[colon - s] = 0;
		errno = 0;
		port = strtoul(colon + 1, &end, 10);
		if (errno || *end || !port || port > 65535)
			return vf__fail(f, -EINVAL, "vf_gossip_join: bad port in '%s'",
					s);
	}
	if (inet_pton(AF_INET, host, &in) != 1)
		return vf__fail(f, -EINVAL, "vf_gossip_join: '%s' is not IPv4[:port]", s);
	memset(a, 0, sizeof(*a));
	a->len = 4;
	memcpy(a->ip, &in, 4);
	a->port = (uint16_t)port;
	return 0;
}

int vf_gossip_join(vf_fabric *f, const char *const *seeds, size_t nseeds)
{
	struct vf__gaddr a[SEEDS_MAX];
	int rc, n = 0;

	if (!f || !seeds || !nseeds || nseeds > SEEDS_MAX)
		return vf__fail(f, -EINVAL, "vf_gossip_join: 1..%d seeds", SEEDS_MAX);
	if (!running(f) || f->gossip->left)
		return vf__fail(f, -ENOTCONN, "vf_gossip_join: gossip is not running");
	for (size_t i = 0; i < nseeds; i++)
		if ((rc = parse_seed(f, seeds[i], &a[i])) < 0)
			return rc;
	for (size_t i = 0; i < nseeds; i++) {
		if ((rc = vf__swim_join(f->gossip->swim, &a[i])) == -ESHUTDOWN)
			return vf__fail(f, rc, "vf_gossip_join: leaving");
		if (rc < 0)
			vf_warn(f, "gossip: join %s: %s", seeds[i], strerror(-rc));
		else
			n++;
	}
	return n;
}

int vf_gossip_leave(vf_fabric *f)
{
	int rc;

	if (!running(f) || f->gossip->left)
		return vf__fail(f, -ENOTCONN, "vf_gossip_leave: gossip is not running");
	if ((rc = vf__swim_leave(f->gossip->swim)) < 0)
		return vf__fail(f, rc, "vf_gossip_leave: %s",
				rc == -EALREADY ? "leaving already" : strerror(-rc));
	vf__loop_kick(f);
	return 0;
}

vf_gossip_status vf_gossip_status_get(const vf_fabric *f)
{
	if (!running(f))
		return VF_GOSSIP_STOPPED;
	if (f->gossip->left)
		return VF_GOSSIP_LEFT;
	return vf__swim_node_at(f->gossip->swim, 0)->state == VF__GOSSIP_STATE_ALIVE
		       ? VF_GOSSIP_RUNNING
		       : VF_GOSSIP_LEAVING;
}

/* ---- members, events, counters ---- */

int vf_gossip_member_count(const vf_fabric *f)
{
	if (!f)
		return vf__fail(NULL, -EINVAL, "vf_gossip_member_count: NULL fabric");
	return running(f) ? (int)vf__swim_count(f->gossip->swim) : 0;
}

static int member_out(const vf_fabric *f, const struct vf__swim_node *n,
		      vf_gossip_member *out)
{
	vf_gossip_member m;

	view(f->gossip, n, &m);
	return vf__copy_out(out, &m, sizeof(m), "vf_gossip_member");
}

int vf_gossip_member_get(const vf_fabric *f, size_t index, vf_gossip_member *out)
{
	const struct vf__swim_node *n;

	if (!f || !out)
		return vf__fail(NULL, -EINVAL, "vf_gossip_member_get: NULL argument");
	if (!running(f))
		return vf__fail(f, -ENOTCONN,
				"vf_gossip_member_get: gossip is not running");
	if (!(n = vf__swim_node_at(f->gossip->swim, index)))
		return vf__fail(f, -ERANGE, "vf_gossip_member_get: no member %zu", index);
	return member_out(f, n, out);
}

int vf_gossip_member_find(const vf_fabric *f, const char *name, vf_gossip_member *out)
{
	const struct vf__swim_node *n;

	if (!f || !out || !name)
		return vf__fail(NULL, -EINVAL, "vf_gossip_member_find: NULL argument");
	if (!running(f))
		return vf__fail(f, -ENOTCONN,
				"vf_gossip_member_find: gossip is not running");
	if (!(n = vf__swim_find(f->gossip->swim, name)))
		return vf__fail(f, -ENOENT, "vf_gossip_member_find: no member '%s'",
				name);
	return member_out(f, n, out);
}

int vf_gossip_set_event_fn(vf_fabric *f, vf_gossip_event_fn fn, void *user_data)
{
	struct vf__gossip *g;
	int rc;

	if ((rc = vf__obj_check(f ? &f->obj : NULL, "vf_gossip_set_event_fn")) < 0)
		return rc;
	if (!(g = gossip_of(f)))
		return vf__fail(f, -ENOMEM, "vf_gossip_set_event_fn: no memory");
	g->fn = fn;
	g->ud = fn ? user_data : NULL;
	return 0;
}

static void query_stats(const struct vf__query *q, vf_gossip_stats *st)
{
	const struct vf__query_stats *s;

	if (!q)
		return;
	s = vf__query_stats(q);
	st->queries_in = s->queries;
	st->queries_acked = s->acks;
	st->queries_answered = s->answers;
	st->queries_malformed = s->malformed;
	st->queries_relayed = s->relays_sent + s->relays_forwarded;
	st->queries_duplicate = s->duplicates + s->old;
}

int vf_gossip_stats_get(const vf_fabric *f, vf_gossip_stats *out)
{
	vf_gossip_stats st = {.sz = sizeof(st)};

	if (!f || !out)
		return vf__fail(NULL, -EINVAL, "vf_gossip_stats_get: NULL argument");
	if (running(f)) {
		const struct vf__swim_stats *s = vf__swim_stats(f->gossip->swim);

		st.packets_in = s->packets_in;
		st.packets_out = s->packets_out;
		st.bytes_in = s->bytes_in;
		st.bytes_out = s->bytes_out;
		st.streams_in = s->streams_in;
		st.streams_out = s->streams_out;
		st.bad_malformed = s->bad_malformed;
		st.bad_crc = s->bad_crc;
		st.bad_decrypt = s->bad_decrypt;
		st.bad_oversized = s->bad_oversized;
		st.bad_unknown_type = s->bad_unknown_type;
		st.bad_unknown_node = s->bad_unknown_node;
		st.bad_stream = s->bad_stream;
		st.send_errors = s->send_errors;
		st.probes = s->probes;
		st.probe_failures = s->probe_failures;
		st.suspicions = s->suspicions;
		st.refutes = s->refutes;
		st.push_pulls = s->push_pulls;
		st.awareness = (uint64_t)vf__swim_awareness(f->gossip->swim);
		st.stale_members = s->stale;
		if (f->gossip->loc) {
			const struct vf__locsvc_stats *l = vf__locsvc_stats(f->gossip->loc);

			st.records_in = l->recs_in;
			st.records_stale = l->recs_stale;
			st.records_expired = l->recs_expired;
		}
		query_stats(f->gossip->query, &st);
	}
	return vf__copy_out(out, &st, sizeof(st), "vf_gossip_stats");
}

/* ---- keys at run time ---- */

enum { KEY_INSTALL, KEY_USE, KEY_REMOVE };

static int key_op(vf_fabric *f, const char *b64, int op, const char *what)
{
	uint8_t key[64];
	size_t len = 0;
	int rc;

	if (!f || !b64)
		return vf__fail(NULL, -EINVAL, "%s: NULL argument", what);
	if (!running(f) || f->gossip->left)
		return vf__fail(f, -ENOTCONN, "%s: gossip is not running", what);
	if (!f->gossip->kr)
		return vf__fail(f, -EINVAL,
				"%s: gossip runs without encryption (start it with keys)",
				what);
	if (sodium_base642bin(key, sizeof(key), b64, strlen(b64), NULL, &len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    len != VF__GOSSIP_KEY_LEN) {
		sodium_memzero(key, sizeof(key));
		return vf__fail(f, -EINVAL, "%s: not the base64 of a 32-byte key", what);
	}
	if (op == KEY_INSTALL)
		rc = vf__keyring_install(f->gossip->kr, key, len);
	else if (op == KEY_USE)
		rc = vf__keyring_use(f->gossip->kr, key, len);
	else
		rc = vf__keyring_remove(f->gossip->kr, key, len);
	sodium_memzero(key, sizeof(key));
	if (rc < 0)
		return vf__fail(f, rc, "%s: %s", what,
				rc == -ENOENT	? "no such key installed"
				: rc == -EBUSY	? "the key in use cannot be removed"
				: rc == -ENOSPC ? "the keyring is full"
						: strerror(-rc));
	vf_info(f, "gossip: %s done (%zu keys)", what, vf__keyring_count(f->gossip->kr));
	return 0;
}

int vf_gossip_key_install(vf_fabric *f, const char *key)
{
	return key_op(f, key, KEY_INSTALL, "vf_gossip_key_install");
}

int vf_gossip_key_use(vf_fabric *f, const char *key)
{
	return key_op(f, key, KEY_USE, "vf_gossip_key_use");
}

int vf_gossip_key_remove(vf_fabric *f, const char *key)
{
	return key_op(f, key, KEY_REMOVE, "vf_gossip_key_remove");
}

int vf_gossip_key_count(const vf_fabric *f)
{
	if (!f)
		return vf__fail(NULL, -EINVAL, "vf_gossip_key_count: NULL fabric");
	return running(f) && f->gossip->kr ? (int)vf__keyring_count(f->gossip->kr) : 0;
}
