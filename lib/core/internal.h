/*
 * The object model's internals. Only lib/ includes this.
 *
 * Every object starts with a struct vf__obj: a reference count (one for
 * the caller's handle, one per child object still alive in memory) and a
 * "removed" flag. Destroying an object removes it and its descendants from
 * the model at once (vf__X_remove), then drops the caller's reference;
 * memory goes when the last reference does (sqlite close_v2 semantics).
 *
 * Objects with an id and a name unique in their parent sit in a
 * struct vf__registry, which gives id allocation, look-ups and creation-
 * order iteration.
 */
#ifndef VF_CORE_INTERNAL_H
#define VF_CORE_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>

#include <vfabric/vfabric.h>

#include "util/hash.h"
#include "util/list.h"
#include "util/spin.h"

#define VF__ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define VF__PRINTF(f, a) __attribute__((format(printf, f, a)))

/* ---- errors and logging (error.c, log.c) ---- */

/* Sets the thread's last-error message and returns @err (a -errno). Logs
 * the message at VF_LOG_DEBUG to @fabric when it is not NULL. */
int vf__fail(const vf_fabric *fabric, int err, const char *fmt, ...) VF__PRINTF(3, 4);
void vf__log(const vf_fabric *fabric, vf_log_level level, const char *fmt, ...)
	VF__PRINTF(3, 4);
/* The arguments are evaluated only when the level is on (vf__log_on). */
#define vf__logf(f, level, ...)                         \
	do {                                            \
		if (vf__log_on(f, level))               \
			vf__log(f, level, __VA_ARGS__); \
	} while (0)
#define vf_err(f, ...) vf__logf(f, VF_LOG_ERROR, __VA_ARGS__)
#define vf_warn(f, ...) vf__logf(f, VF_LOG_WARN, __VA_ARGS__)
#define vf_info(f, ...) vf__logf(f, VF_LOG_INFO, __VA_ARGS__)
#define vf_dbg(f, ...) vf__logf(f, VF_LOG_DEBUG, __VA_ARGS__)

/* ---- option structs (opts.c) ---- */

#define vf__offsetofend(T, F) (offsetof(T, F) + sizeof(((T *)0)->F))

/* Copies the caller's option struct @src (NULL: all defaults) into @dst,
 * a zeroed struct of this library's version. */
int vf__opts_load(void *dst, size_t dst_sz, size_t known, const void *src,
		  const char *type);
/* Copies this library's versioned struct @src (src_sz bytes) into the
 * caller's @out, up to the size the caller set in out->sz; zeroes what the
 * caller has beyond. */
int vf__copy_out(void *out, const void *src, size_t src_sz, const char *type);
#define VF__OPTS_LOAD(dst, src, T) \
	vf__opts_load(dst, sizeof(T), vf__offsetofend(T, T##__last_field), src, #T)

/* ---- values (addr.c) ---- */

typedef char vf__ipstr[VF_IPV4_STRLEN];
typedef char vf__pfxstr[VF_PREFIX_STRLEN + 4]; /* room for a bad length */
typedef char vf__macstr[VF_MAC_STRLEN];
const char *vf__ip_str(vf__ipstr buf, uint32_t addr);
const char *vf__pfx_str(vf__pfxstr buf, vf_ipv4_prefix p);
const char *vf__mac_str(vf__macstr buf, const vf_mac *mac);

uint32_t vf__prefix_mask(uint8_t len);
bool vf__prefix_has(vf_ipv4_prefix p, uint32_t addr);
bool vf__prefix_overlap(vf_ipv4_prefix a, vf_ipv4_prefix b);
bool vf__prefix_is_zero(vf_ipv4_prefix p);
uint32_t vf__prefix_broadcast(vf_ipv4_prefix p);
/* 0, or -EINVAL with a message naming @what and the prefix. */
int vf__prefix_check(const vf_fabric *f, vf_ipv4_prefix p, const char *what);
bool vf__mac_is_zero(const vf_mac *mac);
bool vf__mac_is_multicast(const vf_mac *mac);
/* A locally administered unicast MAC: @first, the cell id's low byte, and
 * @addr's four bytes. */
vf_mac vf__mac_derive(uint8_t first, uint32_t cell_id, uint32_t addr);
uint64_t vf__mac_key(const vf_mac *mac);

/* Names: 1..VF_NAME_MAX of [A-Za-z0-9._:-]; 0 or -EINVAL naming @what. */
int vf__name_check(const vf_fabric *f, const char *name, const char *what);
/* Free text of at most @max bytes, printable; NULL is "". */
int vf__text_check(const vf_fabric *f, const char *text, size_t max, const char *what);

/* ---- objects ---- */

enum vf__type {
	VF__FABRIC,
	VF__CELL,
	VF__SUBNET,
	VF__ROUTER,
	VF__PORT,
	VF__SECGROUP,
	VF__POLICY,
};

struct vf__obj {
	unsigned int refs;
	enum vf__type type;
	bool removed;
	struct vf__obj *parent; /* NULL for a fabric */
	void *user_data;
};

void vf__obj_init(struct vf__obj *obj, enum vf__type type, struct vf__obj *parent);
/* Drops a reference; frees the object (and drops its parent's reference)
 * at zero. */
void vf__obj_unref(struct vf__obj *obj);
/* The common tail of every vf_X_destroy(): remove if still in the model,
 * then drop the caller's reference. */
void vf__obj_destroy(struct vf__obj *obj);
/* 0 if @obj is live; -EINVAL (NULL) or -ENOENT (removed) with a message. */
int vf__obj_check(const struct vf__obj *obj, const char *what);

/* An id and name unique in a parent, with creation-order iteration. */
struct vf__entry {
	struct vf__list node;
	uint32_t id;
	char name[VF_NAME_MAX + 1];
};

struct vf__registry {
	struct vf__list items;
	size_t count;
	uint32_t id_hint; /* no id below this is free */
	bool named;	  /* keep a by-name index */
	struct vf__hmap by_id, by_name;
};

void vf__reg_init(struct vf__registry *reg, bool named);
void vf__reg_free(struct vf__registry *reg);
struct vf__entry *vf__reg_by_id(const struct vf__registry *reg, uint32_t id);
struct vf__entry *vf__reg_by_name(const struct vf__registry *reg, const char *name);
struct vf__entry *vf__reg_next(const struct vf__registry *reg,
			       const struct vf__entry *prev);
/* Checks and claims an id and name for @e (id 0: lowest free; name NULL:
 * @prefix followed by the id), reserving room so vf__reg_insert() cannot
 * fail. @what names the kind of object in messages, @scope the parent. */
int vf__reg_prepare(struct vf__registry *reg, const vf_fabric *f, struct vf__entry *e,
		    uint32_t id, const char *name, const char *prefix, const char *what,
		    const struct vf__obj *scope);
void vf__reg_insert(struct vf__registry *reg, struct vf__entry *e);
void vf__reg_remove(struct vf__registry *reg, struct vf__entry *e);
int vf__reg_rename(struct vf__registry *reg, const vf_fabric *f, struct vf__entry *e,
		   const char *name, const char *what, const struct vf__obj *scope);

/* ---- pipeline run-time state (lib/pipeline) ---- */

#define VF__DROP_COUNT (VF_DROP_NO_OUTPUT + 1)

/* Counters that workers on several threads add to and any thread reads:
 * relaxed atomics, since a count orders nothing else; exact, never torn. */
#define VF__CNT_ADD(x, n) ((void)__atomic_fetch_add(&(x), (n), __ATOMIC_RELAXED))
#define VF__CNT_GET(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

/* A token bucket: @tokens in byte-nanoseconds (bytes x 1e9), refilled at
 * @rate_Bps bytes per second up to @burst bytes. @lock guards the rest;
 * @rate_Bps is also read without it (relaxed) to skip unlimited ports. */
struct vf__bucket {
	vf__spin lock;
	uint64_t rate_Bps;
	uint64_t cap;
	uint64_t tokens;
	uint64_t last_ns;
};

/* What the pipeline counts (VF__CNT_ADD) and meters per port; lives as
 * long as the port, across table compiles. */
struct vf__port_rt {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, drops;
	uint64_t drop[VF__DROP_COUNT];
	struct vf__bucket bucket[2]; /* [vf_direction] */
};

struct vf__tables;
struct vf__tport;
struct vf__qsbr;
struct vf__reflush;

/* The output callback and its argument, replaced as one. */
struct vf__output {
	vf_output_fn fn;
	void *user_data;
};
struct vf__ct;
struct vf__locs;
struct vf__flowcache;

/* The model changed in a way traffic sees: the pipeline recompiles its
 * tables before the next frame. */
void vf__touch(const struct vf__obj *obj);
/* Monotonic nanoseconds (a test may pin the clock, see tests/unit). */
uint64_t vf__now_ns(const vf_fabric *f);
/* Frees the fabric's pipeline state (tables, conntrack, locations). */
void vf__pipe_free(vf_fabric *f);
/* Forgets the connections tracked for @p's security groups (or, NULL, all
 * inter-cell admissions): a rule change judges every flow again. */
void vf__pipe_rules_changed(const vf_fabric *f, const vf_port *p);
/* Sets a port's token bucket (pipeline/qos.c). */
void vf__bucket_set(struct vf__bucket *b, uint64_t rate_bps, uint32_t burst_bytes,
		    uint64_t now_ns);

/* ---- the control loop (loop.c) and the runtime (lib/runtime) ---- */

struct uv_loop_s;
struct vf__loop;
struct vf__runtime;
struct vf__endpoint;
/* Opens and closes the fabric's control loop; vf__loop_close() stops the
 * loop thread and expects every other handle to be closed already. */
int vf__loop_open(vf_fabric *f);
void vf__loop_close(vf_fabric *f);
void vf__loop_stop_thread(vf_fabric *f);
/* The fabric's libuv loop, for modules that add handles to it. */
struct uv_loop_s *vf__fabric_loop(vf_fabric *f);
/* The control socket (lib/ctl): closes its server and releases the ports
 * it attached; called once as the fabric is removed. */
struct vf__ctl;
void vf__ctl_fabric_remove(vf_fabric *f);
/* Gossip (lib/gossip/membership.c): stops it and frees its state; called
 * once as the fabric is removed, after the loop thread stopped. */
struct vf__gossip;
void vf__gossip_fabric_remove(vf_fabric *f);
/* Counts one event handled by the current round (vf_fabric_process's
 * return value). */
void vf__loop_event(vf_fabric *f);
/* Delivers the queued location events (lib/pipeline/location.c) to the
 * host's callback; the loop calls it every time it is woken. */
void vf__loc_events_flush(vf_fabric *f);
/* Makes the host's next wait return, so the loop takes up handles added
 * or changed outside a round (libuv registers descriptors as it runs). */
void vf__loop_kick(vf_fabric *f);

struct vf_fabric {
	struct vf__obj obj;
	char host_name[VF_NAME_MAX + 1];
	vf_mac host_mac;
	uint32_t host_ip;
	vf_wire_mode wire_mode;
	vf_log_fn log_fn;
	void *log_user_data;
	vf_log_level log_level;
	struct vf__registry cells;
	struct vf__hmap port_by_name;
	size_t nports;

	/* pipeline */
	uint64_t gen;		   /* bumped by vf__touch() */
	/* compiled for gen tables->gen, or NULL; published to workers
	 * (vf__qsbr_publish(), lib/runtime/qsbr.h) */
	struct vf__tables *tables;
	/* the output callback, or NULL: points into out_slot[], published
	 * like the tables (a set waits for workers to leave the old slot) */
	const struct vf__output *out;
	struct vf__output out_slot[2];
	struct vf__qsbr *qsbr; /* the workers' grace periods (lib/runtime) */
	struct vf__reflush *reflush; /* conntrack zones to flush again (api.c) */
	uint64_t drop[VF__DROP_COUNT]; /* VF__CNT_ADD */
	struct vf__ct *ct;
	struct vf__locs *locs;
	struct vf__flowcache *fc; /* the inject path's flow cache, or NULL */
	uint8_t *work;	  /* the frame being processed, and room for a reply */
	bool in_pipeline; /* refuses re-entry from the output callback */
	uint32_t frames_since_sweep;
	uint32_t next_serial;
	uint64_t test_now_ns; /* non-zero: the clock, for tests */

	struct vf__loop *loop;	  /* the control loop (loop.c) */
	struct vf__runtime *rt;	  /* datapaths, endpoints, workers (lib/runtime) */
	struct vf__ctl *ctl;	  /* the control socket (lib/ctl), or NULL */
	struct vf__gossip *gossip; /* gossip membership (lib/gossip), or NULL */
};

struct vf_cell {
	struct vf__obj obj;
	struct vf__entry entry;
	vf_fabric *fabric;
	char *owner;
	vf_verdict intra_cell, inter_cell; /* as set, may be DEFAULT */
	uint32_t vni;
	struct vf__registry subnets;
	struct vf__registry secgroups;
	struct vf__registry policies;
	struct vf__hmap port_by_vip;
	struct vf__hmap port_by_vmac;
	size_t nports;
	vf_router *router;
};

struct vf_subnet {
	struct vf__obj obj;
	struct vf__entry entry;
	vf_cell *cell;
	vf_subnet_kind kind;
	vf_ipv4_prefix prefix;
	uint32_t gateway;
	uint32_t dhcp_start, dhcp_end;
	uint32_t vip_hint; /* no address below this in the DHCP range is free */
	uint32_t lease_time;
	uint32_t dns[VF_SUBNET_DNS_MAX];
	char *domain;
	uint32_t mtu;
	vf_dhcp_mode dhcp;
	struct vf__registry ports; /* ids; names are fabric-wide */
	/* the router's interface on this subnet, if it has one */
	vf_router *router;
	vf_mac rvmac;
	struct vf__list router_node;
};

struct vf__route {
	vf_ipv4_prefix dest;
	uint32_t next_hop;
};

struct vf_router {
	struct vf__obj obj;
	char name[VF_NAME_MAX + 1];
	vf_cell *cell;
	struct vf__list ifaces; /* subnets, via router_node, in attach order */
	size_t nifaces;
	struct vf__route *routes; /* sorted by (addr, len) */
	size_t nroutes;
};

struct vf_port {
	struct vf__obj obj;
	struct vf__entry entry; /* name unique in the fabric, id in the subnet */
	vf_subnet *subnet;
	uint32_t vip;
	vf_mac vmac;
	bool admin_up;
	struct {
		uint64_t rate_bps;
		uint32_t burst_bytes;
	} qos[2];
	vf_secgroup *secgroups[VF_PORT_SECGROUPS_MAX];
	size_t nsecgroups;
	uint32_t serial; /* unique in the fabric, never 0: its conntrack zone */
	/* its entry in the fabric's tables, valid while tables->gen == tgen */
	const struct vf__tport *tport;
	uint64_t tgen;
	struct vf__port_rt rt;
	struct vf__endpoint *ep; /* bound to (lib/runtime), or NULL */
	bool link_down;		 /* its endpoint's link is down: the port is down */
};

struct vf__rule {
	uint32_t id;
	vf_rule rule;
};

struct vf_secgroup {
	struct vf__obj obj;
	struct vf__entry entry;
	vf_cell *cell;
	struct vf__rule *rules;
	size_t nrules, cap;
	uint32_t next_rule_id;
};

struct vf_policy {
	struct vf__obj obj;
	struct vf__entry entry;
	vf_cell *cell;
	vf_policy_opts match; /* name NULL; id in entry */
};

/* Removing from the model, cascading to descendants (each in its .c). */
void vf__fabric_remove(vf_fabric *f);
void vf__cell_remove(vf_cell *cell);
void vf__subnet_remove(vf_subnet *subnet);
void vf__router_remove(vf_router *router);
void vf__port_remove(vf_port *port);
void vf__secgroup_remove(vf_secgroup *group);
void vf__policy_remove(vf_policy *policy);
/* Frees type-specific memory once the last reference is gone. */
void vf__fabric_free(vf_fabric *f);
void vf__cell_free(vf_cell *cell);
void vf__subnet_free(vf_subnet *subnet);
void vf__router_free(vf_router *router);
void vf__secgroup_free(vf_secgroup *group);

/* Whether a VM may have @vip in @s: inside the prefix, not its network,
 * broadcast (except on a /31 link) or gateway address, no local port's.
 * 0, -EINVAL or -EADDRINUSE, with a message. */
int vf__vip_check(const vf_subnet *s, uint32_t vip);
/* Port helpers for the subnet and router code. */
vf_port *vf__cell_port_by_vmac(const vf_cell *cell, const vf_mac *mac);
/* The subnet of @cell whose router interface has @mac, or NULL. */
vf_subnet *vf__cell_rvmac_user(const vf_cell *cell, const vf_mac *mac);
/* Takes @group off @port if it is applied. */
void vf__port_drop_secgroup(vf_port *port, const vf_secgroup *group);
/* Checks a rule's match fields (shared by secgroup rules and policies). */
int vf__match_check(const vf_fabric *f, uint8_t protocol, uint16_t port_min,
		    uint16_t port_max, const char *what);

static inline bool vf__log_on(const vf_fabric *f, vf_log_level level)
{
	return f && f->log_fn && level <= f->log_level;
}

/* The object that embeds entry @e at offset @off, or NULL. */
static inline void *vf__entry_owner(const struct vf__entry *e, size_t off)
{
	return e ? (char *)e - off : NULL;
}

/* Defines vf_P_C_count(), vf_P_next_C(), vf_P_C_by_id() and
 * vf_P_C_by_name() for children of type vf_C kept in registry P->member. */
#define VF__REGISTRY_ACCESSORS(P, C, member)                                             \
	size_t vf_##P##_##C##_count(const vf_##P *p)                                     \
	{                                                                                \
		return p ? p->member.count : 0;                                          \
	}                                                                                \
	vf_##C *vf_##P##_next_##C(const vf_##P *p, const vf_##C *prev)                   \
	{                                                                                \
		return p ? vf__entry_owner(                                              \
				   vf__reg_next(&p->member, prev ? &prev->entry : NULL), \
				   offsetof(vf_##C, entry))                              \
			 : NULL;                                                         \
	}                                                                                \
	vf_##C *vf_##P##_##C##_by_id(const vf_##P *p, uint32_t id)                       \
	{                                                                                \
		return p ? vf__entry_owner(vf__reg_by_id(&p->member, id),                \
					   offsetof(vf_##C, entry))                      \
			 : NULL;                                                         \
	}                                                                                \
	vf_##C *vf_##P##_##C##_by_name(const vf_##P *p, const char *name)                \
	{                                                                                \
		return p ? vf__entry_owner(vf__reg_by_name(&p->member, name),            \
					   offsetof(vf_##C, entry))                      \
			 : NULL;                                                         \
	}

/* Defines vf_T_set_user_data() and vf_T_user_data(). */
#define VF__USER_DATA_ACCESSORS(T)                              \
	void vf_##T##_set_user_data(vf_##T *o, void *user_data) \
	{                                                       \
		if (o)                                          \
			o->obj.user_data = user_data;           \
	}                                                       \
	void *vf_##T##_user_data(const vf_##T *o)               \
	{                                                       \
		return o ? o->obj.user_data : NULL;             \
	}

#endif
