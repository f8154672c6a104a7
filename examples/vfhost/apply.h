/*
 * apply.h: turning a checked configuration (config.h) into objects of a
 * fabric, all or nothing.
 *
 * model_check() builds the whole model on a scratch fabric that is then
 * destroyed: whatever only the library can decide (overlapping prefixes,
 * duplicate addresses, a third port on a link subnet, a route whose next
 * hop is in no subnet of the router) is refused there, with the line of
 * the section that caused it, before the real fabric is touched.
 * model_build() then builds it on the real fabric and binds the ports;
 * if anything fails, what it made is removed again.
 *
 * model_reload() applies a new configuration to a running model: ports
 * and remote locations that are new are added, those no longer there are
 * removed; every other difference (a changed cell, subnet, router,
 * security group, policy, [host], [control] or [gossip], or a changed
 * port) is refused, because it takes a restart. The new configuration
 * applies wholly or not at all.
 */
#ifndef VFHOST_APPLY_H
#define VFHOST_APPLY_H

#include <vfabric/vfabric.h>

#include "config.h"

struct model;

/* Builds @c on a scratch fabric and throws it away. */
int model_check(const struct cfg *c, char *err, size_t errlen);

/*
 * Builds @c on @fabric (taking ownership of @c on success) and, with
 * @bind, binds every port that has a netdev. Returns 0 and *out, or -1
 * with the error in @err and nothing left on the fabric.
 */
int model_build(struct model **out, vf_fabric *fabric, struct cfg *c, bool bind,
		char *err, size_t errlen);

/* Applies @next (ownership taken on success, see above). *changes gets
 * how many ports and locations were added or removed. */
int model_reload(struct model *m, struct cfg *next, unsigned int *changes, char *err,
		 size_t errlen);

/* The configuration in force. */
const struct cfg *model_cfg(const struct model *m);

/* Removes everything the model made from its fabric (the netdevs the
 * binds created too) and frees it. NULL is a no-op. */
void model_destroy(struct model *m);

#endif
