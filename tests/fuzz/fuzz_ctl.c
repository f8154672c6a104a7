/*
 * Fuzz target: the control socket's decoders (lib/ctl/proto.h). The input
 * is one message body, decoded as a request and as a response. Checked:
 * the result is 0 or one of the documented codes, always with a message
 * on failure; a decoded request is consistent (its op is known, each
 * string is NUL-terminated inside the request's store and within its
 * limit, a frame lies inside the input) and encodes again into a message
 * that decodes to the same request; nothing leaks (ASan). A decoded
 * request without binding options is then executed on a small fabric
 * (cell "blue", subnet "lan1", port "a"), as the server would, and must
 * leave it as it was: an attach that succeeds is detached again, and
 * detach itself is only decoded (it would remove "a").
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"
#include "ctl/proto.h"
#include "fuzz.h"

static struct vf__ctl_req req, again;

static void check_str(const struct vf__ctl_req *r, const char *s, size_t max)
{
	const char *end;

	if (!s)
		return;
	CHECK(s >= r->store && s < r->store + sizeof(r->store));
	/* terminated inside the store */
	end = memchr(s, 0, (size_t)(r->store + sizeof(r->store) - s));
	CHECK(end && end - s >= 1 && (size_t)(end - s) <= max);
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static void check_req(const struct vf__ctl_req *r, const uint8_t *data, size_t size)
{
	CHECK(vf__ctl_op_name(r->op) != NULL);
	check_str(r, r->cell, VF__CTL_STR_MAX);
	check_str(r, r->subnet, VF__CTL_STR_MAX);
	check_str(r, r->port, VF__CTL_STR_MAX);
	check_str(r, r->bind.datapath, VF__CTL_STR_MAX);
	check_str(r, r->bind.ifname, VF__CTL_STR_MAX);
	check_str(r, r->bind.peer, VF__CTL_STR_MAX);
	check_str(r, r->bind.netns, VF__CTL_PATH_MAX);
	if (r->frame)
		CHECK(r->frame >= data && r->frame + r->frame_len <= data + size);
	switch (r->op) {
	case VF__CTL_ATTACH: CHECK(r->cell && r->subnet); break;
	case VF__CTL_DETACH: CHECK(r->port); break;
	case VF__CTL_TRACE: CHECK(r->frame); break;
	default: CHECK(!r->cell && !r->subnet && !r->has_bind); break;
	}
}

/* What was decoded encodes and decodes to the same request. */
static void round_trip(const struct vf__ctl_req *r)
{
	struct vf__ctl_out o = {0};
	uint32_t n;

	if (vf__ctl_encode_req(&o, r, VF_CTL_MSG_MAX) < 0) {
		vf__ctl_out_free(&o);
		return; /* out of memory only */
	}
	n = vf__ctl_frame_len(o.p);
	CHECK(n + VF__CTL_HDR == o.len);
	CHECK(vf__ctl_decode_req(&again, o.p + VF__CTL_HDR, n) == 0);
	CHECK(again.op == r->op && same(again.cell, r->cell) &&
	      same(again.subnet, r->subnet) && same(again.port, r->port));
	CHECK(again.has_vmac == r->has_vmac && again.has_bind == r->has_bind);
	CHECK(!r->has_vmac || !memcmp(&again.vmac, &r->vmac, sizeof(r->vmac)));
	CHECK(same(again.bind.datapath, r->bind.datapath) &&
	      same(again.bind.ifname, r->bind.ifname) &&
	      same(again.bind.peer, r->bind.peer) &&
	      same(again.bind.netns, r->bind.netns) && again.bind.flags == r->bind.flags);
	CHECK(again.frame_len == r->frame_len);
	CHECK(!r->frame || !memcmp(again.frame, r->frame, r->frame_len));
	if (r->op == VF__CTL_ATTACH)
		CHECK(again.id == r->id && again.vip == r->vip &&
		      again.flags == r->flags);
	vf__ctl_out_free(&o);
}

static vf_fabric *fabric;

static vf_fabric *model(void)
{
	VF_OPTS(vf_cell_opts, co, .id = 1, .name = "blue");
	VF_OPTS(vf_subnet_opts, so, .name = "lan1");
	VF_OPTS(vf_port_opts, po, .name = "a");
	vf_cell *c;
	vf_subnet *s;
	vf_port *p;

	if (fabric)
		return fabric;
	CHECK(vf_fabric_create(&fabric, NULL) == 0);
	CHECK(vf_cell_create(&c, fabric, &co) == 0);
	CHECK(vf_subnet_create(&s, c, &so) == 0);
	CHECK(vf_port_create(&p, s, &po) == 0);
	return fabric;
}

static void execute(const struct vf__ctl_req *r)
{
	vf_fabric *f = model();
	struct vf__ctl_out data = { 0 };
	size_t ports = vf_fabric_port_count(f);
	int rc;

	if (r->has_bind || r->op == VF__CTL_DETACH)
		return;
	rc = vf__ctl_exec(f, r, &data);
	CHECK(rc < 0 ? vf_last_error()[0] != 0 : data.p != NULL);
	if (rc >= 0)
		CHECK(strlen((const char *)data.p) == data.len);
	vf__ctl_out_free(&data);
	if (r->op == VF__CTL_ATTACH && rc == 0) {
		struct vf__ctl_req d = { .op = VF__CTL_DETACH, .port = r->port };

		CHECK(vf_fabric_port_count(f) == ports + 1);
		CHECK(vf__ctl_exec(f, &d, &data) == 0);
		vf__ctl_out_free(&data);
	}
	CHECK(vf_fabric_port_count(f) == ports);
	CHECK(vf_fabric_port_by_name(f, "a"));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vf__ctl_resp resp;
	int rc;

	rc = vf__ctl_decode_req(&req, data, size);
	CHECK(rc == 0 || rc == -EPROTO || rc == -EPROTONOSUPPORT || rc == -EOPNOTSUPP ||
	      rc == -EINVAL || rc == -ENOMEM);
	CHECK(rc == 0 || vf_last_error()[0]);
	if (rc == 0) {
		check_req(&req, data, size);
		round_trip(&req);
		execute(&req);
	}

	rc = vf__ctl_decode_resp(&resp, data, size);
	CHECK(rc == 0 || rc == -EPROTO || rc == -EPROTONOSUPPORT || rc == -ENOMEM);
	if (rc == 0) {
		CHECK(resp.err <= INT32_MAX && resp.err >= -4095);
		CHECK(strlen(resp.msg) <= VF__CTL_MSG_TEXT_MAX);
		CHECK(!resp.data || resp.data[resp.data_len] == 0);
		free(resp.data);
	} else {
		CHECK(!resp.data);
	}
	return 0;
}
