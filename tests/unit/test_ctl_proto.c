/*
 * The control socket's wire codec (lib/ctl/proto.h): requests and
 * responses round-trip field for field; every malformed, oversized,
 * out-of-range or wrong-version message is refused with the documented
 * -errno and a message, and leaves nothing allocated (valgrind and ASan
 * check the latter).
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>

#include <msgpack.h>

#include "ctl/proto.h"

/* ---- hand-made messages ---- */

struct mp {
	msgpack_sbuffer sb;
	msgpack_packer pk;
};

static void mp_init(struct mp *m)
{
	msgpack_sbuffer_init(&m->sb);
	msgpack_packer_init(&m->pk, &m->sb, msgpack_sbuffer_write);
}

static void mp_free(struct mp *m)
{
	msgpack_sbuffer_destroy(&m->sb);
}

static void mp_str(struct mp *m, const char *s)
{
	msgpack_pack_str(&m->pk, strlen(s));
	msgpack_pack_str_body(&m->pk, s, strlen(s));
}

/* A request map with "v" and "op" and @extra more entries to come. */
static void mp_req(struct mp *m, uint32_t v, const char *op, uint32_t extra)
{
	mp_init(m);
	msgpack_pack_map(&m->pk, 2 + extra);
	mp_str(m, "v");
	msgpack_pack_uint32(&m->pk, v);
	mp_str(m, "op");
	mp_str(m, op);
}

static struct vf__ctl_req req;

static int decode(struct mp *m)
{
	int rc = vf__ctl_decode_req(&req, (const uint8_t *)m->sb.data, m->sb.size);

	mp_free(m);
	return rc;
}

/* Decodes raw bytes. */
static int decode_raw(const void *b, size_t n)
{
	return vf__ctl_decode_req(&req, b, n);
}

/* ---- round trips ---- */

static void test_ctl_proto_attach_round_trip(void **state)
{
	struct vf__ctl_req r = {.op = VF__CTL_ATTACH,
				.cell = "blue",
				.subnet = "lan1",
				.port = "vm1-eth0",
				.id = 7,
				.vip = IP4(10, 1, 1, 9),
				.flags = VF_PORT_F_ADMIN_DOWN,
				.vmac = MAC(2, 1, 2, 3, 4, 5),
				.has_vmac = true,
				.has_bind = true};
	struct vf__ctl_out o = {0};
	uint32_t n;

	(void)state;
	r.bind.datapath = "afpacket";
	r.bind.ifname = "tap-vm1";
	r.bind.flags = VF_BIND_F_CREATE_VETH;
	r.bind.peer = "eth0";
	r.bind.netns = "/run/netns/vm1";
	assert_rc(vf__ctl_encode_req(&o, &r, VF_CTL_MSG_MAX), 0);
	n = vf__ctl_frame_len(o.p);
	assert_int_equal(n + VF__CTL_HDR, o.len);
	assert_rc(vf__ctl_decode_req(&req, o.p + VF__CTL_HDR, n), 0);
	assert_int_equal(req.op, VF__CTL_ATTACH);
	assert_string_equal(req.cell, "blue");
	assert_string_equal(req.subnet, "lan1");
	assert_string_equal(req.port, "vm1-eth0");
	assert_int_equal(req.id, 7);
	assert_ip_equal(req.vip, IP4(10, 1, 1, 9));
	assert_int_equal(req.flags, VF_PORT_F_ADMIN_DOWN);
	assert_true(req.has_vmac);
	assert_mac_equal(req.vmac, MAC(2, 1, 2, 3, 4, 5));
	assert_true(req.has_bind);
	assert_string_equal(req.bind.datapath, "afpacket");
	assert_string_equal(req.bind.ifname, "tap-vm1");
	assert_int_equal(req.bind.flags, VF_BIND_F_CREATE_VETH);
	assert_string_equal(req.bind.peer, "eth0");
	assert_string_equal(req.bind.netns, "/run/netns/vm1");
	assert_null(req.frame);
	vf__ctl_out_free(&o);
}

static void test_ctl_proto_every_op_round_trips(void **state)
{
	static const uint8_t frame[60] = {1, 2, 3};
	struct vf__ctl_req r[] = {
		{.op = VF__CTL_HELLO},
		{.op = VF__CTL_ATTACH, .cell = "c", .subnet = "s"},
		{.op = VF__CTL_DETACH, .port = "p"},
		{.op = VF__CTL_LIST},
		{.op = VF__CTL_COUNTERS},
		{.op = VF__CTL_COUNTERS, .port = "p"},
		{.op = VF__CTL_TRACE, .frame = frame, .frame_len = sizeof(frame)},
		{.op = VF__CTL_TRACE, .port = "p", .frame = frame, .frame_len = 14},
		{.op = VF__CTL_LOCATIONS},
	};
	struct vf__ctl_out o = {0};
	size_t off = 0;

	(void)state;
	/* all in one buffer, one frame after the other */
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		assert_rc(vf__ctl_encode_req(&o, &r[i], VF_CTL_MSG_MAX), 0);
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		uint32_t n = vf__ctl_frame_len(o.p + off);

		assert_rc(vf__ctl_decode_req(&req, o.p + off + VF__CTL_HDR, n), 0);
		off += VF__CTL_HDR + n;
		assert_int_equal(req.op, r[i].op);
		assert_true(!req.port == !r[i].port);
		if (r[i].port)
			assert_string_equal(req.port, r[i].port);
		assert_int_equal(req.frame_len, r[i].frame_len);
		if (r[i].frame)
			assert_memory_equal(req.frame, frame, r[i].frame_len);
		assert_false(req.has_bind);
		assert_false(req.has_vmac);
		assert_non_null(vf__ctl_op_name(r[i].op));
	}
	assert_int_equal(off, o.len);
	assert_null(vf__ctl_op_name((enum vf__ctl_op)0));
	assert_null(vf__ctl_op_name((enum vf__ctl_op)99));
	vf__ctl_out_free(&o);
}

static void test_ctl_proto_response_round_trip(void **state)
{
	struct vf__ctl_out o = {0};
	struct vf__ctl_resp r;
	size_t off = 0;
	uint32_t n;

	(void)state;
	assert_rc(
		vf__ctl_encode_resp(&o, -ENOENT, "no port 'x'", NULL, 0, VF_CTL_MSG_MAX),
		0);
	assert_rc(vf__ctl_encode_resp(&o, 3, "", "trace\ntext", 10, VF_CTL_MSG_MAX), 0);
	assert_rc(vf__ctl_encode_resp(&o, 0, "", "", 0, VF_CTL_MSG_MAX), 0);

	n = vf__ctl_frame_len(o.p);
	assert_rc(vf__ctl_decode_resp(&r, o.p + VF__CTL_HDR, n), 0);
	assert_int_equal(r.err, -ENOENT);
	assert_string_equal(r.msg, "no port 'x'");
	assert_null(r.data);
	off += VF__CTL_HDR + n;

	n = vf__ctl_frame_len(o.p + off);
	assert_rc(vf__ctl_decode_resp(&r, o.p + off + VF__CTL_HDR, n), 0);
	assert_int_equal(r.err, 3);
	assert_string_equal(r.msg, "");
	assert_string_equal(r.data, "trace\ntext");
	assert_int_equal(r.data_len, 10);
	free(r.data);
	off += VF__CTL_HDR + n;

	n = vf__ctl_frame_len(o.p + off);
	assert_rc(vf__ctl_decode_resp(&r, o.p + off + VF__CTL_HDR, n), 0);
	assert_string_equal(r.data, "");
	free(r.data);
	vf__ctl_out_free(&o);
}

static void test_ctl_proto_encode_bounded(void **state)
{
	static uint8_t big[2000];
	struct vf__ctl_req r = {
		.op = VF__CTL_TRACE, .frame = big, .frame_len = sizeof(big)};
	struct vf__ctl_out o = {0};
	char *text = malloc(VF_CTL_MSG_MAX + 1);

	(void)state;
	assert_rc(vf__ctl_encode_req(&o, &r, 1000), -EMSGSIZE);
	assert_error_has("over the limit");
	assert_int_equal(o.len, 0);
	assert_rc(vf__ctl_encode_req(&o, &r, 3000), 0);
	assert_true(o.len > 2000);
	/* a failed encoding leaves what was there */
	{
		size_t len = o.len;

		assert_rc(vf__ctl_encode_req(&o, &r, 1000), -EMSGSIZE);
		assert_int_equal(o.len, len);
	}
	memset(text, 'x', VF_CTL_MSG_MAX);
	text[VF_CTL_MSG_MAX] = 0;
	assert_rc(vf__ctl_encode_resp(&o, 0, "", text, VF_CTL_MSG_MAX, VF_CTL_MSG_MAX),
		  -EMSGSIZE);
	/* the message is cut at VF__CTL_MSG_TEXT_MAX, never refused */
	o.len = 0;
	assert_rc(vf__ctl_encode_resp(&o, -EINVAL, text, NULL, 0, VF_CTL_MSG_MAX), 0);
	free(text);
	vf__ctl_out_free(&o);
	r.op = (enum vf__ctl_op)42;
	assert_rc(vf__ctl_encode_req(&o, &r, VF_CTL_MSG_MAX), -EINVAL);
	vf__ctl_out_free(&o);
}

/* ---- versions and ops ---- */

static void test_ctl_proto_wrong_version(void **state)
{
	struct mp m;

	(void)state;
	mp_req(&m, 2, "list", 0);
	assert_rc(decode(&m), -EPROTONOSUPPORT);
	assert_error_has("version 2");
	assert_error_has("version 1");
	/* checked before anything else: an unknown op, a bad field */
	mp_req(&m, 0, "frobnicate", 1);
	msgpack_pack_nil(&m.pk);
	msgpack_pack_nil(&m.pk);
	assert_rc(decode(&m), -EPROTONOSUPPORT);
	/* "v" of another type, or none */
	mp_init(&m);
	msgpack_pack_map(&m.pk, 2);
	mp_str(&m, "v");
	mp_str(&m, "1");
	mp_str(&m, "op");
	mp_str(&m, "list");
	assert_rc(decode(&m), -EPROTO);
	mp_init(&m);
	msgpack_pack_map(&m.pk, 1);
	mp_str(&m, "op");
	mp_str(&m, "list");
	assert_rc(decode(&m), -EPROTO);
	assert_error_has("version");
	mp_init(&m);
	msgpack_pack_map(&m.pk, 2);
	mp_str(&m, "v");
	msgpack_pack_int(&m.pk, -1);
	mp_str(&m, "op");
	mp_str(&m, "list");
	assert_rc(decode(&m), -EPROTO);
}

static void test_ctl_proto_ops(void **state)
{
	struct mp m;

	(void)state;
	mp_req(&m, 1, "frobnicate", 0);
	assert_rc(decode(&m), -EOPNOTSUPP);
	assert_error_has("frobnicate");
	mp_req(&m, 1, "", 0);
	assert_rc(decode(&m), -EOPNOTSUPP);
	mp_req(&m, 1, "lis", 0);
	assert_rc(decode(&m), -EOPNOTSUPP);
	mp_req(&m, 1, "listx", 0);
	assert_rc(decode(&m), -EOPNOTSUPP);
	/* unprintable op names are shown safely */
	mp_req(&m, 1, "a\nb\x01", 0);
	assert_rc(decode(&m), -EOPNOTSUPP);
	assert_error_has("a?b?");
	/* no op, or not a string */
	mp_init(&m);
	msgpack_pack_map(&m.pk, 1);
	mp_str(&m, "v");
	msgpack_pack_uint32(&m.pk, 1);
	assert_rc(decode(&m), -EPROTO);
	mp_init(&m);
	msgpack_pack_map(&m.pk, 2);
	mp_str(&m, "v");
	msgpack_pack_uint32(&m.pk, 1);
	mp_str(&m, "op");
	msgpack_pack_uint32(&m.pk, VF__CTL_LIST);
	assert_rc(decode(&m), -EPROTO);
}

/* ---- fields ---- */

static void test_ctl_proto_fields_checked(void **state)
{
	char long_name[VF__CTL_STR_MAX + 2], long_path[VF__CTL_PATH_MAX + 2];
	struct mp m;

	(void)state;
	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = 0;
	memset(long_path, '/', sizeof(long_path) - 1);
	long_path[sizeof(long_path) - 1] = 0;

	/* required arguments */
	mp_req(&m, 1, "detach", 0);
	assert_rc(decode(&m), -EINVAL);
	assert_error_has("'detach' needs 'port'");
	mp_req(&m, 1, "attach", 1);
	mp_str(&m, "cell");
	mp_str(&m, "blue");
	assert_rc(decode(&m), -EINVAL);
	assert_error_has("needs 'subnet'");
	mp_req(&m, 1, "trace", 0);
	assert_rc(decode(&m), -EINVAL);
	assert_error_has("needs 'frame'");

	/* a field the op does not have, an unknown field, a repeated one */
	mp_req(&m, 1, "list", 1);
	mp_str(&m, "port");
	mp_str(&m, "a");
	assert_rc(decode(&m), -EINVAL);
	assert_error_has("unknown field 'port' for 'list'");
	mp_req(&m, 1, "detach", 2);
	mp_str(&m, "port");
	mp_str(&m, "a");
	mp_str(&m, "colour");
	mp_str(&m, "red");
	assert_rc(decode(&m), -EINVAL);
	assert_error_has("colour");
	mp_req(&m, 1, "detach", 2);
	mp_str(&m, "port");
	mp_str(&m, "a");
	mp_str(&m, "port");
	mp_str(&m, "b");
	assert_rc(decode(&m), -EINVAL);
	assert_error_has("twice");
	mp_req(&m, 1, "detach", 1);
	mp_str(&m, "op");
	mp_str(&m, "detach");
	assert_rc(decode(&m), -EINVAL);
	/* a key that is not a string */
	mp_req(&m, 1, "detach", 1);
	msgpack_pack_uint32(&m.pk, 1);
	mp_str(&m, "a");
	assert_rc(decode(&m), -EPROTO);

	/* strings: type, empty, NUL, length */
	mp_req(&m, 1, "detach", 1);
	mp_str(&m, "port");
	msgpack_pack_uint32(&m.pk, 5);
	assert_rc(decode(&m), -EINVAL);
	assert_error_has("'port' is not a string");
	mp_req(&m, 1, "detach", 1);
	mp_str(&m, "port");
	msgpack_pack_bin(&m.pk, 1);
	msgpack_pack_bin_body(&m.pk, "a", 1);
	assert_rc(decode(&m), -EINVAL);
	mp_req(&m, 1, "detach", 1);
	mp_str(&m, "port");
	mp_str(&m, "");
	assert_rc(decode(&m), -EINVAL);
	assert_error_has("empty");
	mp_req(&m, 1, "detach", 1);
	mp_str(&m, "port");
	msgpack_pack_str(&m.pk, 3);
	msgpack_pack_str_body(&m.pk, "a\0b", 3);
	assert_rc(decode(&m), -EINVAL);
	assert_error_has("NUL");
	mp_req(&m, 1, "detach", 1);
	mp_str(&m, "port");
	mp_str(&m, long_name);
	assert_rc(decode(&m), -EINVAL);
	assert_error_has("256 bytes");
	long_name[VF__CTL_STR_MAX] = 0; /* exactly the limit passes */
	mp_req(&m, 1, "detach", 1);
	mp_str(&m, "port");
	mp_str(&m, long_name);
	assert_rc(decode(&m), 0);
	assert_int_equal(strlen(req.port), VF__CTL_STR_MAX);

	/* integers: type and range */
	mp_req(&m, 1, "attach", 3);
	mp_str(&m, "cell");
	mp_str(&m, "c");
	mp_str(&m, "subnet");
	mp_str(&m, "s");
	mp_str(&m, "vip");
	msgpack_pack_uint64(&m.pk, 1ull << 32);
	assert_rc(decode(&m), -EINVAL);
	assert_error_has("'vip'");
	mp_req(&m, 1, "attach", 3);
	mp_str(&m, "cell");
	mp_str(&m, "c");
	mp_str(&m, "subnet");
	mp_str(&m, "s");
	mp_str(&m, "id");
	msgpack_pack_int(&m.pk, -1);
	assert_rc(decode(&m), -EINVAL);
	mp_req(&m, 1, "attach", 3);
	mp_str(&m, "cell");
	mp_str(&m, "c");
	mp_str(&m, "subnet");
	mp_str(&m, "s");
	mp_str(&m, "flags");
	msgpack_pack_double(&m.pk, 1.0);
	assert_rc(decode(&m), -EINVAL);
	mp_req(&m, 1, "attach", 3);
	mp_str(&m, "cell");
	mp_str(&m, "c");
	mp_str(&m, "subnet");
	mp_str(&m, "s");
	mp_str(&m, "id");
	msgpack_pack_uint32(&m.pk, UINT32_MAX);
	assert_rc(decode(&m), 0);
	assert_int_equal(req.id, UINT32_MAX);

	/* vmac: 6 bytes of bin */
	mp_req(&m, 1, "attach", 3);
	mp_str(&m, "cell");
	mp_str(&m, "c");
	mp_str(&m, "subnet");
	mp_str(&m, "s");
	mp_str(&m, "vmac");
	msgpack_pack_bin(&m.pk, 5);
	msgpack_pack_bin_body(&m.pk, "12345", 5);
	assert_rc(decode(&m), -EINVAL);
	assert_error_has("vmac");
	mp_req(&m, 1, "attach", 3);
	mp_str(&m, "cell");
	mp_str(&m, "c");
	mp_str(&m, "subnet");
	mp_str(&m, "s");
	mp_str(&m, "vmac");
	mp_str(&m, "02:00:00:00:00:01");
	assert_rc(decode(&m), -EINVAL);

	/* frame: bin only */
	mp_req(&m, 1, "trace", 1);
	mp_str(&m, "frame");
	mp_str(&m, "abcdefghijklmnop");
	assert_rc(decode(&m), -EINVAL);
	assert_error_has("frame");

	/* bind: a map of known fields, each checked */
	mp_req(&m, 1, "attach", 3);
	mp_str(&m, "cell");
	mp_str(&m, "c");
	mp_str(&m, "subnet");
	mp_str(&m, "s");
	mp_str(&m, "bind");
	mp_str(&m, "afpacket");
	assert_rc(decode(&m), -EINVAL);
	assert_error_has("'bind' is not a map");
	mp_req(&m, 1, "attach", 3);
	mp_str(&m, "cell");
	mp_str(&m, "c");
	mp_str(&m, "subnet");
	mp_str(&m, "s");
	mp_str(&m, "bind");
	msgpack_pack_map(&m.pk, 1);
	mp_str(&m, "mtu");
	msgpack_pack_uint32(&m.pk, 1500);
	assert_rc(decode(&m), -EINVAL);
	assert_error_has("bind.mtu");
	mp_req(&m, 1, "attach", 3);
	mp_str(&m, "cell");
	mp_str(&m, "c");
	mp_str(&m, "subnet");
	mp_str(&m, "s");
	mp_str(&m, "bind");
	msgpack_pack_map(&m.pk, 2);
	mp_str(&m, "peer");
	mp_str(&m, "a");
	mp_str(&m, "peer");
	mp_str(&m, "b");
	assert_rc(decode(&m), -EINVAL);
	assert_error_has("twice");
	mp_req(&m, 1, "attach", 3);
	mp_str(&m, "cell");
	mp_str(&m, "c");
	mp_str(&m, "subnet");
	mp_str(&m, "s");
	mp_str(&m, "bind");
	msgpack_pack_map(&m.pk, 1);
	mp_str(&m, "netns");
	mp_str(&m, long_path);
	assert_rc(decode(&m), -EINVAL);
	assert_error_has("bind.netns");
	mp_req(&m, 1, "attach", 3);
	mp_str(&m, "cell");
	mp_str(&m, "c");
	mp_str(&m, "subnet");
	mp_str(&m, "s");
	mp_str(&m, "bind");
	msgpack_pack_map(&m.pk, 1);
	msgpack_pack_nil(&m.pk);
	msgpack_pack_nil(&m.pk);
	assert_rc(decode(&m), -EINVAL);
	mp_req(&m, 1, "attach", 3);
	mp_str(&m, "cell");
	mp_str(&m, "c");
	mp_str(&m, "subnet");
	mp_str(&m, "s");
	mp_str(&m, "bind");
	msgpack_pack_map(&m.pk, 1);
	mp_str(&m, "flags");
	msgpack_pack_int(&m.pk, -3);
	assert_rc(decode(&m), -EINVAL);
	/* an empty bind map is a bind with defaults */
	mp_req(&m, 1, "attach", 3);
	mp_str(&m, "cell");
	mp_str(&m, "c");
	mp_str(&m, "subnet");
	mp_str(&m, "s");
	mp_str(&m, "bind");
	msgpack_pack_map(&m.pk, 0);
	assert_rc(decode(&m), 0);
	assert_true(req.has_bind);
	assert_null(req.bind.datapath);
}

/* ---- structure ---- */

static void test_ctl_proto_malformed(void **state)
{
	/* {"v":1,"op":"list"} */
	static const uint8_t good[] = {0x82, 0xa1, 'v', 0x01, 0xa2, 'o',
				       'p',  0xa4, 'l', 'i',  's',  't'};
	uint8_t b[64];
	struct mp m;

	(void)state;
	assert_rc(decode_raw(good, sizeof(good)), 0);
	assert_int_equal(req.op, VF__CTL_LIST);
	/* every truncation */
	for (size_t n = 0; n < sizeof(good); n++)
		assert_rc(decode_raw(good, n), -EPROTO);
	/* a byte after the map */
	memcpy(b, good, sizeof(good));
	b[sizeof(good)] = 0xc0;
	assert_rc(decode_raw(b, sizeof(good) + 1), -EPROTO);
	assert_error_has("after the message");
	/* not a map */
	assert_rc(decode_raw("\x92\x01\x02", 3), -EPROTO);
	assert_error_has("not a map");
	assert_rc(decode_raw("\xc0", 1), -EPROTO);
	assert_rc(decode_raw("\xa4list", 5), -EPROTO);
	/* 0xc1 never appears; extension types are not used */
	assert_rc(decode_raw("\x81\xa1v\xc1", 4), -EPROTO);
	assert_rc(decode_raw("\x81\xa1v\xd4\x01\x02", 6), -EPROTO);
	assert_rc(decode_raw("\x81\xa1v\xc7\x01\x01\x02", 7), -EPROTO);
	/* lengths past the end, up to 4 GiB */
	assert_rc(decode_raw("\x81\xa1v\xdb\xff\xff\xff\xff", 8), -EPROTO);
	assert_rc(decode_raw("\x81\xa1v\xc6\xff\xff\xff\xf0x", 9), -EPROTO);
	assert_rc(decode_raw("\x81\xa1v\xd9\x05"
			     "ab",
			     7),
		  -EPROTO);
	/* containers that announce more than a message may hold */
	assert_rc(decode_raw("\xdf\xff\xff\xff\xff", 5), -EPROTO);
	assert_rc(decode_raw("\x81\xa1v\xdd\xff\xff\xff\xff", 8), -EPROTO);
	assert_rc(decode_raw("\xde\x00\x21", 3), -EPROTO);
	/* nesting */
	assert_rc(decode_raw("\x81\xa1v\x91\x91\x91\x01", 8), -EPROTO);
	assert_error_has("nested");
	/* more values than a request has */
	mp_init(&m);
	msgpack_pack_map(&m.pk, 3);
	mp_str(&m, "v");
	msgpack_pack_uint32(&m.pk, 1);
	mp_str(&m, "op");
	mp_str(&m, "list");
	mp_str(&m, "x");
	msgpack_pack_array(&m.pk, 70);
	for (int i = 0; i < 70; i++)
		msgpack_pack_nil(&m.pk);
	assert_rc(decode(&m), -EPROTO);
	/* every single-byte corruption of a full request is refused or
	 * decoded, never more */
	{
		struct vf__ctl_req r = {.op = VF__CTL_ATTACH,
					.cell = "c",
					.subnet = "s",
					.port = "p",
					.has_vmac = true,
					.has_bind = true};
		struct vf__ctl_out o = {0};

		r.bind.netns = "/run/netns/x";
		assert_rc(vf__ctl_encode_req(&o, &r, VF_CTL_MSG_MAX), 0);
		for (size_t i = VF__CTL_HDR; i < o.len; i++) {
			for (int x = 0; x < 256; x += 17) {
				uint8_t save = o.p[i];
				int rc;

				o.p[i] = (uint8_t)x;
				rc = vf__ctl_decode_req(&req, o.p + VF__CTL_HDR,
							o.len - VF__CTL_HDR);
				assert_true(rc == 0 || rc == -EPROTO || rc == -EINVAL ||
					    rc == -EOPNOTSUPP || rc == -EPROTONOSUPPORT);
				o.p[i] = save;
			}
		}
		vf__ctl_out_free(&o);
	}
	assert_rc(vf__ctl_skim(good, sizeof(good)), 0);
}

static void test_ctl_proto_bad_responses(void **state)
{
	struct vf__ctl_resp r;
	struct mp m;

	(void)state;
	/* {"v":1,"err":0,"msg":"","data":nil} is the smallest good one */
	mp_init(&m);
	msgpack_pack_map(&m.pk, 4);
	mp_str(&m, "v");
	msgpack_pack_uint32(&m.pk, 1);
	mp_str(&m, "err");
	msgpack_pack_int(&m.pk, 0);
	mp_str(&m, "msg");
	mp_str(&m, "");
	mp_str(&m, "data");
	msgpack_pack_nil(&m.pk);
	assert_rc(vf__ctl_decode_resp(&r, (uint8_t *)m.sb.data, m.sb.size), 0);
	mp_free(&m);
	/* another version */
	mp_init(&m);
	msgpack_pack_map(&m.pk, 4);
	mp_str(&m, "v");
	msgpack_pack_uint32(&m.pk, 9);
	mp_str(&m, "err");
	msgpack_pack_int(&m.pk, 0);
	mp_str(&m, "msg");
	mp_str(&m, "");
	mp_str(&m, "data");
	msgpack_pack_nil(&m.pk);
	assert_rc(vf__ctl_decode_resp(&r, (uint8_t *)m.sb.data, m.sb.size),
		  -EPROTONOSUPPORT);
	mp_free(&m);
	/* missing fields, an err that is no result, data of another type */
	mp_init(&m);
	msgpack_pack_map(&m.pk, 3);
	mp_str(&m, "v");
	msgpack_pack_uint32(&m.pk, 1);
	mp_str(&m, "err");
	msgpack_pack_int(&m.pk, 0);
	mp_str(&m, "msg");
	mp_str(&m, "");
	assert_rc(vf__ctl_decode_resp(&r, (uint8_t *)m.sb.data, m.sb.size), -EPROTO);
	mp_free(&m);
	mp_init(&m);
	msgpack_pack_map(&m.pk, 4);
	mp_str(&m, "v");
	msgpack_pack_uint32(&m.pk, 1);
	mp_str(&m, "err");
	msgpack_pack_int64(&m.pk, -100000);
	mp_str(&m, "msg");
	mp_str(&m, "");
	mp_str(&m, "data");
	msgpack_pack_nil(&m.pk);
	assert_rc(vf__ctl_decode_resp(&r, (uint8_t *)m.sb.data, m.sb.size), -EPROTO);
	mp_free(&m);
	mp_init(&m);
	msgpack_pack_map(&m.pk, 4);
	mp_str(&m, "v");
	msgpack_pack_uint32(&m.pk, 1);
	mp_str(&m, "err");
	msgpack_pack_int(&m.pk, 0);
	mp_str(&m, "msg");
	mp_str(&m, "");
	mp_str(&m, "data");
	msgpack_pack_uint32(&m.pk, 3);
	assert_rc(vf__ctl_decode_resp(&r, (uint8_t *)m.sb.data, m.sb.size), -EPROTO);
	assert_null(r.data);
	mp_free(&m);
	assert_rc(vf__ctl_decode_resp(&r, (const uint8_t *)"\x90", 1), -EPROTO);
}

#define T(fn) cmocka_unit_test(test_ctl_proto_##fn)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(attach_round_trip),	T(every_op_round_trips),
		T(response_round_trip), T(encode_bounded),
		T(wrong_version),	T(ops),
		T(fields_checked),	T(malformed),
		T(bad_responses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
