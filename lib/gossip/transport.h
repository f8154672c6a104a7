/*
 * The real io of the gossip state machine: UDP and TCP on the fabric's
 * libuv loop (transport.c). The virtual io for simulations is in
 * tests/unit/gossip_sim.h.
 */
#ifndef VF_GOSSIP_TRANSPORT_H
#define VF_GOSSIP_TRANSPORT_H

#include <vfabric/common.h>

#include "gossip/membership.h"

struct vf__gtransport;

/* Binds UDP and TCP on @ip:@port (host order) and fills @io; nothing is
 * read until vf__gtransport_attach(). -errno with vf_last_error() set. */
int vf__gtransport_open(struct vf__gtransport **out, vf_fabric *f, uint32_t ip,
			uint16_t port, uint32_t tcp_timeout, struct vf__swim_io *io);
/* Feeds @s from now on; @fn(@ctx) runs after each batch of input. */
void vf__gtransport_attach(struct vf__gtransport *t, struct vf__swim *s,
			   void (*fn)(void *ctx), void *ctx);
/* Closes every socket and stream; the memory goes with the last libuv
 * close callback. The state machine is not called any more. */
void vf__gtransport_close(struct vf__gtransport *t);

#endif
