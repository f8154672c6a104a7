/*
 * The pipeline's view of the model: flat, read-only tables compiled from
 * the objects (API -> model -> tables). The model bumps a generation on
 * every change that matters to traffic; the pipeline recompiles before
 * its next frame when the generation moved, so a burst of configuration
 * costs one compile and a rule change applies from the next frame on.
 *
 * Tables point at the model's ports only for their run-time state
 * (counters, token buckets, struct vf__port_rt) and their names, and hold
 * a reference on each, so a port's memory outlives every table that names
 * it. They also name the endpoints frames go out through, and index every
 * endpoint by id for the workers: an endpoint is freed only after the
 * tables that name it are replaced and no worker can still hold them
 * (runtime/qsbr.h).
 *
 * Workers read published tables without a lock (runtime/qsbr.h): once
 * published, a table set is never changed, only replaced.
 */
#ifndef VF_PIPELINE_TABLES_H
#define VF_PIPELINE_TABLES_H

#include <stdbool.h>
#include <stdint.h>

#include "core/internal.h"
#include "pipeline/dhcpd.h"
#include "pipeline/match.h"

struct vf__tcell;
struct vf__tsubnet;

struct vf__endpoint;

struct vf__tport {
	vf_port *port; /* for its run-time state and the output callback */
	struct vf__endpoint *ep; /* bound to, or NULL */
	uint32_t serial;	 /* the port's */
	const struct vf__tsubnet *subnet;
	uint32_t vip;
	vf_mac vmac;
	bool up;
	bool guarded;		  /* has security groups: rules apply */
	struct vf__ruleset rules; /* compiled from its security groups */
};

struct vf__tsubnet {
	uint32_t id;
	const struct vf__tcell *cell;
	vf_subnet_kind kind;
	uint32_t net, mask, bcast;
	uint32_t gateway;
	bool routed; /* the router is on it */
	vf_mac rvmac;
	uint32_t mtu;
	bool dhcp;
	struct vf__dhcpd_cfg dhcp_cfg; /* vmac and vip filled per port */
	struct vf__tport **ports;      /* local ports, creation order */
	uint32_t nports;
};

struct vf__tpolicy {
	uint32_t src_cell;
	struct vf__match match;
};

struct vf__troute {
	uint32_t net, mask;
	uint32_t next_hop;
};

struct vf__tcell {
	uint32_t id;
	uint32_t vni;
	bool intra_deny, inter_allow;
	struct vf__tsubnet **subnets; /* sorted by net */
	uint32_t nsubnets;
	struct vf__troute *routes; /* longest prefix first */
	uint32_t nroutes;
	struct vf__tpolicy *policies;
	uint32_t npolicies;
};

struct vf__tables {
	uint64_t gen;
	vf_wire_mode wire_mode;
	vf_mac host_mac;
	uint32_t host_ip;
	struct vf__tcell *cells;
	uint32_t ncells;
	struct vf__tsubnet *subnets;
	uint32_t nsubnets;
	struct vf__tsubnet **by_net; /* every subnet, sorted by net (rewrite mode: disjoint) */
	struct vf__tport *ports;
	uint32_t nports;
	struct vf__hmap cell_by_id;   /* -> struct vf__tcell */
	struct vf__hmap port_by_vip;  /* (cell, vip) -> struct vf__tport */
	struct vf__hmap port_by_gvip; /* rewrite mode: vip -> struct vf__tport */
	struct vf__hmap port_by_serial; /* vf_port serial -> struct vf__tport */
	struct vf__endpoint *underlay;	/* the underlay's endpoint, or NULL */
	struct vf__hmap ep_by_id;	/* every endpoint, by id (workers' events) */
};

/* Compiles the model of @f into a new table set; 0 or -ENOMEM. */
int vf__tables_build(struct vf__tables **out, const vf_fabric *f);
void vf__tables_free(struct vf__tables *t);

const struct vf__tcell *vf__t_cell(const struct vf__tables *t, uint32_t id);
/* The subnet of @cell holding @ip, or NULL. */
const struct vf__tsubnet *vf__t_subnet_of(const struct vf__tcell *cell, uint32_t ip);
/* Rewrite mode: the subnet of any cell holding @ip, or NULL. */
const struct vf__tsubnet *vf__t_any_subnet_of(const struct vf__tables *t, uint32_t ip);
const struct vf__tport *vf__t_port(const struct vf__tables *t, uint32_t cell, uint32_t vip);
/* Rewrite mode: the local port with @vip in any cell, or NULL. */
const struct vf__tport *vf__t_port_any(const struct vf__tables *t, uint32_t vip);
/* The local port with serial @serial, or NULL. */
const struct vf__tport *vf__t_port_serial(const struct vf__tables *t, uint32_t serial);
/* The endpoint with id @id, or NULL. */
struct vf__endpoint *vf__t_endpoint(const struct vf__tables *t, uint64_t id);
/* The longest static route of @cell covering @ip, or NULL. */
const struct vf__troute *vf__t_route(const struct vf__tcell *cell, uint32_t ip);

#endif
