/*
 * Locations of other hosts' VMs, and ARP requests that wait for one.
 *
 * This is the narrow interface between the pipeline and the location
 * service: the pipeline reads vf__loc_get(), and on a miss parks the ARP
 * request here and calls vf__loc_request(); whoever learns a location
 * (vf_location_set() now, the gossip service later) stores it with
 * vf__loc_put(), which answers the requests that waited for it.
 */
#ifndef VF_PIPELINE_LOCATION_H
#define VF_PIPELINE_LOCATION_H

#include "core/internal.h"

/* ARP requests waiting for a location, at most this many per fabric... */
#define VF__PENDING_MAX 256
/* ... for at most this long. */
#define VF__PENDING_NS (3ull * 1000000000ull)

int vf__locs_create(struct vf__locs **out);
/* Frees the table and its snapshot: no worker may hold the snapshot. */
void vf__locs_destroy(struct vf__locs *locs);
/* Control loop: answers parked requests that are known now, and if the
 * locations moved since the snapshot, publishes a new one for workers
 * (runtime/qsbr.h). 0 or -ENOMEM. */
int vf__locs_publish(vf_fabric *f);
/* A worker's view: the published snapshot (load it after going online,
 * use it until offline), or NULL before the first one. */
const struct vf__locs *vf__locs_snapshot(const struct vf__locs *locs);

/* The first member of struct vf__locs: what the pipeline reads on every
 * frame without a call. */
struct vf__locs_head {
	uint64_t gen; /* vf__locs_gen() */
};

/* Moves on every change to the locations (vf_location_set/del): flow
 * caches remember decisions made from them until it moves. */
static inline uint64_t vf__locs_gen(const struct vf__locs *locs)
{
	return ((const struct vf__locs_head *)(const void *)locs)->gen;
}

/* A known remote location, or NULL. */
const vf_location *vf__loc_get(const struct vf__locs *locs, uint32_t cell, uint32_t vip);
/* Rewrite mode: a remote location with @vip in any cell, or NULL. */
const vf_location *vf__loc_get_any(const struct vf__locs *locs, uint32_t vip);
/* Calls @fn for each distinct host that has a VM in (cell, subnet). */
void vf__loc_hosts(const struct vf__locs *locs, uint32_t cell, uint32_t subnet,
		   void (*fn)(void *arg, const vf_mac *host_mac), void *arg);

struct vf__tport;
/* Parks an ARP request @frame (len bytes) from port @src for (cell, vip);
 * 0, or -ENOSPC when VF__PENDING_MAX requests wait already. Any thread. */
int vf__loc_park(vf_fabric *f, const struct vf__tport *src, uint32_t cell, uint32_t vip,
		 const uint8_t *frame, uint32_t len, uint64_t now_ns);
/* Whether vf__loc_park() would take a request of @len bytes now (for
 * traces, which must not park). */
bool vf__loc_can_park(const vf_fabric *f, uint32_t len, uint64_t now_ns);
/* Whether @vip belongs to a VM that moved away (vf_port_migrate) less than
 * its grace ago (its cell in @cell): frames for it are sent on to its new
 * host. */
bool vf__loc_moved(const struct vf__locs *locs, uint32_t vip, uint64_t now_ns,
		   uint32_t *cell);
/* Counts a frame for a moved VM: sent on, or dropped. */
void vf__loc_forwarded(struct vf__locs *locs, bool sent);
/* Asks the location service for (cell, vip) (vf__gossip_loc_request());
 * a no-op without gossip. */
void vf__loc_request(vf_fabric *f, uint32_t cell, uint32_t vip);

#endif
