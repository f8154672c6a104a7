/*
 * The "callback" datapath: in process, no syscall, no netdev. Frames come
 * in by vf_port_inject() / vf_fabric_inject_underlay(); frames out go to
 * the fabric's output callback (vf_fabric_set_output). An unbound port or
 * underlay behaves the same way without an endpoint.
 */
#include <errno.h>
#include <stdlib.h>

#include "runtime/runtime.h"

struct cb_ep {
	vf_fabric *f;
	vf_port *port; /* NULL: the underlay */
};

static int cb_open(void **state, const vf_endpoint_info *info, void *user_data)
{
	vf_fabric *f = user_data;
	struct cb_ep *e = calloc(1, sizeof(*e));

	if (!e)
		return vf_datapath_error(-ENOMEM, "no memory for a callback endpoint");
	e->f = f;
	e->port = info->port ? vf_fabric_port_by_name(f, info->port) : NULL;
	*state = e;
	return 0;
}

static void cb_close(void *state)
{
	free(state);
}

static int cb_tx(void *state, const vf_frame *frames, int n)
{
	struct cb_ep *e = state;
	const struct vf__output *o = vf__output(e->f); /* workers call it too */

	if (!o)
		return 0;
	for (int i = 0; i < n; i++)
		o->fn(o->user_data, e->port, frames[i].data, frames[i].len);
	return n;
}

const vf_datapath_ops vf__callback_ops = {
	.sz = sizeof(vf_datapath_ops),
	.name = "callback",
	.flags = VF_DATAPATH_F_INJECT,
	.open = cb_open,
	.close = cb_close,
	.tx = cb_tx,
};
