#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/internal.h"
#include "pipeline/location.h"
#include "runtime/runtime.h"
#include "runtime/qsbr.h"

static int check_host_mac(const vf_mac *mac)
{
	vf__macstr s;

	if (vf__mac_is_zero(mac) || vf__mac_is_multicast(mac))
		return vf__fail(NULL, -EINVAL, "host MAC %s is not a unicast address",
				vf__mac_str(s, mac));
	return 0;
}

static int check_host_ip(uint32_t addr)
{
	vf__ipstr s;
	uint8_t top = (uint8_t)(addr >> 24);

	if (!addr || addr == 0xffffffff || top == 127 || (top >= 224 && top < 240))
		return vf__fail(NULL, -EINVAL,
				"host IP %s is not a unicast address (zero, loopback, "
				"multicast or broadcast)",
				vf__ip_str(s, addr));
	return 0;
}

static int check_log_level(vf_log_level level)
{
	if ((unsigned int)level > VF_LOG_DEBUG)
		return vf__fail(NULL, -EINVAL, "log level %d is not a vf_log_level",
				level);
	return 0;
}

int vf_fabric_create(vf_fabric **out, const vf_fabric_opts *user_opts)
{
	vf_fabric_opts o;
	vf_fabric *f;
	int err;

	if (!out)
		return vf__fail(NULL, -EINVAL, "vf_fabric_create: NULL out");
	*out = NULL;
	if ((err = VF__OPTS_LOAD(&o, user_opts, vf_fabric_opts)) < 0)
		return err;
	if ((unsigned int)o.wire_mode > VF_WIRE_VXLAN)
		return vf__fail(NULL, -EINVAL, "wire mode %d is not a vf_wire_mode",
				o.wire_mode);
	if ((err = check_log_level(o.log_level)) < 0)
		return err;
	if (!vf__mac_is_zero(&o.host_mac) && (err = check_host_mac(&o.host_mac)) < 0)
		return err;
	if (o.host_ip && (err = check_host_ip(o.host_ip)) < 0)
		return err;
	if (o.host_name && (err = vf__name_check(NULL, o.host_name, "host")) < 0)
		return err;

	f = calloc(1, sizeof(*f));
	if (!f)
		return vf__fail(NULL, -ENOMEM, "no memory for a fabric");
	vf__obj_init(&f->obj, VF__FABRIC, NULL);
	if (o.host_name) {
		snprintf(f->host_name, sizeof(f->host_name), "%s", o.host_name);
	} else if (gethostname(f->host_name, sizeof(f->host_name)) < 0 ||
		   !f->host_name[0]) {
		snprintf(f->host_name, sizeof(f->host_name), "localhost");
	}
	f->host_name[sizeof(f->host_name) - 1] = 0;
	f->host_mac = o.host_mac;
	f->host_ip = o.host_ip;
	f->wire_mode = o.wire_mode;
	f->log_fn = o.log_fn;
	f->log_user_data = o.log_user_data;
	f->log_level = o.log_level;
	vf__reg_init(&f->cells, true);
	if (vf__locs_create(&f->locs) < 0) {
		free(f);
		return vf__fail(NULL, -ENOMEM, "no memory for a fabric");
	}
	if ((err = vf__loop_open(f)) < 0 || (err = vf__runtime_open(f)) < 0) {
		vf__loop_close(f);
		vf__locs_destroy(f->locs);
		free(f);
		return err;
	}
	vf_info(f, "fabric created on host '%s' (%s mode)", f->host_name,
		f->wire_mode == VF_WIRE_REWRITE ? "rewrite" : "vxlan");
	*out = f;
	return 0;
}

void vf_fabric_destroy(vf_fabric *fabric)
{
	/* the loop thread first: destroying starts by marking the model
	 * changed, which that thread reads */
	if (fabric && !fabric->obj.removed)
		vf__loop_stop_thread(fabric);
	if (fabric && !fabric->obj.removed)
		vf_info(fabric, "fabric on host '%s' destroyed", fabric->host_name);
	vf__obj_destroy(fabric ? &fabric->obj : NULL);
}

/* Stops everything that runs on its own (the loop thread first, so no
 * callback runs during the rest), then empties the model. */
void vf__fabric_remove(vf_fabric *f)
{
	struct vf__entry *e;

	vf__loop_stop_thread(f);
	/* The control socket first (lib/ctl): no request runs while the model
	 * goes, and the ports attached through it are released. */
	vf__ctl_fabric_remove(f);
	/* Gossip (lib/gossip): its sockets close here, its libuv handles in
	 * vf__loop_close() below; no gossip callback runs after this. */
	vf__gossip_fabric_remove(f);
	vf__runtime_stop(f);
	while ((e = vf__reg_next(&f->cells, NULL)))
		vf__cell_remove(vf__container_of(e, vf_cell, entry));
	vf__pipe_free(f);
	vf__runtime_close(f);
	vf__loop_close(f);
	f->obj.removed = true;
}

void vf__fabric_free(vf_fabric *f)
{
	/* the last worker is gone: nothing waits any more */
	vf__qsbr_destroy(f->qsbr);
	vf__reg_free(&f->cells);
	vf__hmap_free(&f->port_by_name);
}

const char *vf_fabric_host_name(const vf_fabric *f)
{
	return f ? f->host_name : NULL;
}

vf_mac vf_fabric_host_mac(const vf_fabric *f)
{
	vf_mac zero = {{0}};

	return f ? f->host_mac : zero;
}

uint32_t vf_fabric_host_ip(const vf_fabric *f)
{
	return f ? f->host_ip : 0;
}

vf_wire_mode vf_fabric_wire_mode(const vf_fabric *f)
{
	return f ? f->wire_mode : VF_WIRE_REWRITE;
}

int vf_fabric_set_host_mac(vf_fabric *f, const vf_mac *mac)
{
	int err;

	if ((err = vf__obj_check(f ? &f->obj : NULL, "vf_fabric_set_host_mac")) < 0)
		return err;
	if (!mac)
		return vf__fail(f, -EINVAL, "vf_fabric_set_host_mac: NULL mac");
	if ((err = check_host_mac(mac)) < 0)
		return err;
	f->host_mac = *mac;
	vf__touch(&f->obj);
	return 0;
}

int vf_fabric_set_host_ip(vf_fabric *f, uint32_t addr)
{
	int err;

	if ((err = vf__obj_check(f ? &f->obj : NULL, "vf_fabric_set_host_ip")) < 0 ||
	    (err = check_host_ip(addr)) < 0)
		return err;
	f->host_ip = addr;
	vf__touch(&f->obj);
	return 0;
}

int vf_fabric_set_log(vf_fabric *f, vf_log_fn fn, void *user_data, vf_log_level level)
{
	int err;

	if ((err = vf__obj_check(f ? &f->obj : NULL, "vf_fabric_set_log")) < 0 ||
	    (err = check_log_level(level)) < 0)
		return err;
	f->log_fn = fn;
	f->log_user_data = user_data;
	f->log_level = level;
	return 0;
}

VF__REGISTRY_ACCESSORS(fabric, cell, cells)
VF__USER_DATA_ACCESSORS(fabric)

size_t vf_fabric_port_count(const vf_fabric *f)
{
	return f ? f->nports : 0;
}

static bool port_name_eq(const void *val, const void *key)
{
	return !strcmp(((const vf_port *)val)->entry.name, key);
}

vf_port *vf_fabric_port_by_name(const vf_fabric *f, const char *name)
{
	if (!f || !name)
		return NULL;
	return vf__hmap_get(&f->port_by_name, vf__hash_str(name), port_name_eq, name);
}
