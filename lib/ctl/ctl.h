/*
 * The control socket's internals (lib/ctl): what the server executes
 * (ops.c), the server on the fabric's loop (server.c), and the fabric's
 * control state, which outlives each listen/close.
 */
#ifndef VF_CTL_CTL_H
#define VF_CTL_CTL_H

#include "core/internal.h"
#include "ctl/proto.h"

struct vf__ctl_server;

/* A fabric's control state (f->ctl), made by the first
 * vf_fabric_ctl_listen() and freed with the fabric. */
struct vf__ctl {
	struct vf__ctl_server *server; /* NULL while not listening */
	/* Ports created through the socket: the server holds their creation
	 * references until they are detached or the fabric goes. */
	vf_port **owned;
	size_t nowned, capowned;
};

/* Executes request @r on @f: the return value of the call the request
 * stands for (-errno with vf_last_error() set, else 0 or a count), and
 * its result text appended to @data (NUL-terminated, not counted in
 * data->len). */
int vf__ctl_exec(vf_fabric *f, const struct vf__ctl_req *r, struct vf__ctl_out *data);

#endif
