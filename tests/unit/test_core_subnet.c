/* Subnets (subnet.h): address plan, prefixes, overlap, DHCP settings,
 * link subnets. */
#include "unit.h"

static char sentinel;
#define POISON(T) ((T *)(void *)&sentinel)

static void test_core_subnet_default_plan(void **state)
{
	struct vt_fx *fx = *state;
	vf_cell *c;
	vf_subnet *s;
	uint32_t dns[VF_SUBNET_DNS_MAX];

	fx->cell[1] = c = VT_CELL(fx->fabric, 3, "three");
	assert_rc(vf_subnet_create(&fx->subnet[0], c, NULL), 0);
	s = fx->subnet[0];
	assert_int_equal(vf_subnet_id(s), 1);
	assert_string_equal(vf_subnet_name(s), "subnet1");
	assert_ptr_equal(vf_subnet_cell(s), c);
	assert_int_equal(vf_subnet_kind_of(s), VF_SUBNET_LAN);
	assert_prefix_equal(vf_subnet_prefix(s), PFX(IP4(10, 3, 1, 0), 24));
	assert_ip_equal(vf_subnet_gateway(s), IP4(10, 3, 1, 1));
	assert_ip_equal(vf_subnet_dhcp_start(s), IP4(10, 3, 1, 2));
	assert_ip_equal(vf_subnet_dhcp_end(s), IP4(10, 3, 1, 254));
	assert_int_equal(vf_subnet_lease_time(s), 86400);
	assert_int_equal(vf_subnet_mtu(s), 1500);
	assert_true(vf_subnet_dhcp_enabled(s));
	assert_string_equal(vf_subnet_domain(s), "");
	assert_int_equal(vf_subnet_dns(s, dns, VF_SUBNET_DNS_MAX), 0);
	assert_int_equal(vf_subnet_port_count(s), 0);
	assert_null(vf_subnet_next_port(s, NULL));
	assert_null(vf_subnet_router(s));
	assert_null(vf_subnet_user_data(s));

	assert_rc(vf_subnet_create(&fx->subnet[1], c, NULL), 0);
	assert_int_equal(vf_subnet_id(fx->subnet[1]), 2);
	assert_string_equal(vf_subnet_name(fx->subnet[1]), "subnet2");
	assert_prefix_equal(vf_subnet_prefix(fx->subnet[1]),
			    PFX(IP4(10, 3, 2, 0), 24));
	assert_ip_equal(vf_subnet_gateway(fx->subnet[1]), IP4(10, 3, 2, 1));

	/* An explicit id picks its default prefix. */
	{
		VF_OPTS(vf_subnet_opts, opts, .id = 255);

		assert_rc(vf_subnet_create(&fx->subnet[2], c, &opts), 0);
		assert_prefix_equal(vf_subnet_prefix(fx->subnet[2]),
				    PFX(IP4(10, 3, 255, 0), 24));
		assert_ip_equal(vf_subnet_dhcp_end(fx->subnet[2]),
				IP4(10, 3, 255, 254));
	}
	assert_int_equal(vf_cell_subnet_count(c), 3);
}

static void test_core_subnet_no_default_plan_for_big_cell_id(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_subnet_opts, opts, .name = "wide");
	vf_subnet *s = POISON(vf_subnet);

	fx->cell[1] = VT_CELL(fx->fabric, 300, "big");
	assert_rc(vf_subnet_create(&s, fx->cell[1], &opts), -EINVAL);
	assert_null(s);
	assert_error_has("300");
	assert_int_equal(vf_cell_subnet_count(fx->cell[1]), 0);

	fx->cell[2] = VT_CELL(fx->fabric, 256, "edge");
	s = POISON(vf_subnet);
	assert_rc(vf_subnet_create(&s, fx->cell[2], NULL), -EINVAL);
	assert_null(s);
	assert_error_has("256");

	/* With an explicit prefix the cell id does not matter. */
	opts.prefix = PFX(IP4(172, 16, 0, 0), 24);
	assert_rc(vf_subnet_create(&fx->subnet[0], fx->cell[1], &opts), 0);
	assert_string_equal(vf_subnet_name(fx->subnet[0]), "wide");
	assert_int_equal(vf_subnet_id(fx->subnet[0]), 1);
	assert_ip_equal(vf_subnet_gateway(fx->subnet[0]), IP4(172, 16, 0, 1));
}

static void test_core_subnet_no_default_plan_for_big_subnet_id(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_subnet_opts, opts, .id = 256);
	vf_subnet *s = POISON(vf_subnet);

	assert_rc(vf_subnet_create(&s, fx->cell[0], &opts), -EINVAL);
	assert_null(s);
	assert_error_has("256");
	assert_int_equal(vf_cell_subnet_count(fx->cell[0]), 0);
	opts.prefix = PFX(IP4(192, 168, 50, 0), 24);
	assert_rc(vf_subnet_create(&fx->subnet[0], fx->cell[0], &opts), 0);
	assert_int_equal(vf_subnet_id(fx->subnet[0]), 256);
}

static void test_core_subnet_arbitrary_prefix(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_subnet_opts, opts);
	vf_subnet *s;

	opts.prefix = PFX(IP4(192, 168, 0, 0), 16);
	assert_rc(vf_subnet_create(&fx->subnet[0], fx->cell[0], &opts), 0);
	s = fx->subnet[0];
	assert_prefix_equal(vf_subnet_prefix(s), PFX(IP4(192, 168, 0, 0), 16));
	assert_ip_equal(vf_subnet_gateway(s), IP4(192, 168, 0, 1));
	assert_ip_equal(vf_subnet_dhcp_start(s), IP4(192, 168, 0, 2));
	assert_ip_equal(vf_subnet_dhcp_end(s), IP4(192, 168, 255, 254));

	opts.prefix = PFX(IP4(11, 0, 0, 0), 8);
	assert_rc(vf_subnet_create(&fx->subnet[1], fx->cell[0], &opts), 0);
	assert_ip_equal(vf_subnet_dhcp_end(fx->subnet[1]), IP4(11, 255, 255, 254));

	opts.prefix = PFX(IP4(172, 20, 0, 0), 30);
	assert_rc(vf_subnet_create(&fx->subnet[2], fx->cell[0], &opts), 0);
	assert_ip_equal(vf_subnet_gateway(fx->subnet[2]), IP4(172, 20, 0, 1));
	assert_ip_equal(vf_subnet_dhcp_start(fx->subnet[2]), IP4(172, 20, 0, 2));
	assert_ip_equal(vf_subnet_dhcp_end(fx->subnet[2]), IP4(172, 20, 0, 2));
}

static void test_core_subnet_prefix_length_bounds(void **state)
{
	struct vt_fx *fx = *state;
	static const vf_ipv4_prefix bad[] = {
		{ .addr = IP4(10, 0, 0, 0), .len = 7 },
		{ .addr = IP4(10, 0, 0, 0), .len = 0 },
		{ .addr = IP4(10, 9, 9, 9), .len = 32 },
		{ .addr = IP4(10, 9, 9, 0), .len = 33 },
		{ .addr = IP4(10, 9, 9, 2), .len = 31 }, /* /31: link only */
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		VF_OPTS(vf_subnet_opts, opts, .prefix = bad[i]);
		vf_subnet *s = POISON(vf_subnet);
		int rc = vf_subnet_create(&s, fx->cell[0], &opts);

		if (rc != -EINVAL)
			fail_msg("prefix 0x%08x/%u: %d (%s), expected -EINVAL",
				 (unsigned)bad[i].addr, (unsigned)bad[i].len,
				 rc, vt_errname(rc));
		assert_null(s);
		assert_error_set();
	}
	assert_int_equal(vf_cell_subnet_count(fx->cell[0]), 0);

	/* A link may be /31 (RFC 3021: both addresses are hosts), not /32. */
	{
		VF_OPTS(vf_subnet_opts, opts, .kind = VF_SUBNET_LINK,
			.prefix = PFX(IP4(10, 9, 9, 4), 32));
		vf_subnet *s = POISON(vf_subnet);

		assert_rc(vf_subnet_create(&s, fx->cell[0], &opts), -EINVAL);
		assert_null(s);
		opts.prefix = PFX(IP4(10, 9, 9, 0), 7);
		assert_rc(vf_subnet_create(&s, fx->cell[0], &opts), -EINVAL);
		opts.prefix = PFX(IP4(10, 9, 9, 2), 31);
		assert_rc(vf_subnet_create(&fx->subnet[0], fx->cell[0], &opts),
			  0);
		assert_int_equal(vf_subnet_gateway(fx->subnet[0]), 0);
		assert_ip_equal(vf_subnet_dhcp_start(fx->subnet[0]),
				IP4(10, 9, 9, 2));
		assert_ip_equal(vf_subnet_dhcp_end(fx->subnet[0]),
				IP4(10, 9, 9, 3));
		fx->port[0] = VT_PORT(fx->subnet[0], "end-a", 0);
		fx->port[1] = VT_PORT(fx->subnet[0], "end-b", 0);
		assert_ip_equal(vf_port_vip(fx->port[0]), IP4(10, 9, 9, 2));
		assert_ip_equal(vf_port_vip(fx->port[1]), IP4(10, 9, 9, 3));
	}
}

static void test_core_subnet_host_bits_refused(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_subnet_opts, opts, .id = 2, .name = "web",
		.prefix = PFX(IP4(10, 1, 2, 1), 24));
	vf_subnet *s = POISON(vf_subnet);

	assert_rc(vf_subnet_create(&s, fx->cell[0], &opts), -EINVAL);
	assert_null(s);
	assert_error_has("10.1.2.1/24");
	assert_int_equal(vf_cell_subnet_count(fx->cell[0]), 0);
	/* Nothing half-done: the id and name are free. */
	opts.prefix = PFX(IP4(10, 1, 2, 0), 24);
	assert_rc(vf_subnet_create(&fx->subnet[0], fx->cell[0], &opts), 0);
	assert_int_equal(vf_subnet_id(fx->subnet[0]), 2);
	assert_string_equal(vf_subnet_name(fx->subnet[0]), "web");
}

static void test_core_subnet_overlap_same_cell_refused(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_subnet_opts, big, .name = "big",
		.prefix = PFX(IP4(10, 1, 0, 0), 16));
	VF_OPTS(vf_subnet_opts, small, .id = 5, .name = "small",
		.prefix = PFX(IP4(10, 1, 2, 0), 24));
	vf_subnet *s = POISON(vf_subnet);

	assert_rc(vf_subnet_create(&fx->subnet[0], fx->cell[0], &big), 0);
	assert_rc(vf_subnet_create(&s, fx->cell[0], &small), -EADDRINUSE);
	assert_null(s);
	assert_error_has("10.1.2.0/24");
	assert_error_has("10.1.0.0/16");
	assert_int_equal(vf_cell_subnet_count(fx->cell[0]), 1);
	assert_null(vf_cell_subnet_by_id(fx->cell[0], 5));
	assert_null(vf_cell_subnet_by_name(fx->cell[0], "small"));

	/* The same prefix, and a covering one, overlap too. */
	s = POISON(vf_subnet);
	big.name = "big-again";
	assert_rc(vf_subnet_create(&s, fx->cell[0], &big), -EADDRINUSE);
	assert_null(s);
	big.name = "bigger";
	big.prefix = PFX(IP4(10, 0, 0, 0), 8);
	assert_rc(vf_subnet_create(&s, fx->cell[0], &big), -EADDRINUSE);
	assert_error_has("10.0.0.0/8");

	/* Once the blocker is gone, the same id, name and prefix work. */
	vf_subnet_destroy(fx->subnet[0]);
	fx->subnet[0] = NULL;
	assert_rc(vf_subnet_create(&fx->subnet[1], fx->cell[0], &small), 0);
	assert_int_equal(vf_subnet_id(fx->subnet[1]), 5);
	/* Adjacent prefixes do not overlap. */
	small.id = 0;
	small.name = "next";
	small.prefix = PFX(IP4(10, 1, 3, 0), 24);
	assert_rc(vf_subnet_create(&fx->subnet[2], fx->cell[0], &small), 0);
}

static void test_core_subnet_overlap_across_cells_rewrite(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_subnet_opts, opts, .prefix = PFX(IP4(10, 50, 0, 0), 24));
	vf_subnet *s = POISON(vf_subnet);

	assert_int_equal(vf_fabric_wire_mode(fx->fabric), VF_WIRE_REWRITE);
	fx->cell[1] = VT_CELL(fx->fabric, 2, "green");
	assert_rc(vf_subnet_create(&fx->subnet[0], fx->cell[0], &opts), 0);
	assert_rc(vf_subnet_create(&s, fx->cell[1], &opts), -EADDRINUSE);
	assert_null(s);
	assert_error_has("10.50.0.0/24");
	assert_int_equal(vf_cell_subnet_count(fx->cell[1]), 0);
	opts.prefix = PFX(IP4(10, 50, 0, 128), 25);
	assert_rc(vf_subnet_create(&s, fx->cell[1], &opts), -EADDRINUSE);
	/* Default plans of different cells never clash. */
	assert_rc(vf_subnet_create(&fx->subnet[1], fx->cell[1], NULL), 0);
	assert_prefix_equal(vf_subnet_prefix(fx->subnet[1]),
			    PFX(IP4(10, 2, 1, 0), 24));
}

static void test_core_subnet_overlap_across_cells_vxlan(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_subnet_opts, opts, .prefix = PFX(IP4(10, 50, 0, 0), 24));
	vf_subnet *s = POISON(vf_subnet);

	fx->cell[0] = VT_CELL(fx->fabric, 1, "blue");
	fx->cell[1] = VT_CELL(fx->fabric, 2, "green");
	assert_rc(vf_subnet_create(&fx->subnet[0], fx->cell[0], &opts), 0);
	assert_rc(vf_subnet_create(&fx->subnet[1], fx->cell[1], &opts), 0);
	assert_prefix_equal(vf_subnet_prefix(fx->subnet[1]),
			    PFX(IP4(10, 50, 0, 0), 24));
	/* Inside one cell, overlap is still refused. */
	opts.prefix = PFX(IP4(10, 50, 0, 0), 23);
	assert_rc(vf_subnet_create(&s, fx->cell[1], &opts), -EADDRINUSE);
	assert_null(s);
}

static void test_core_subnet_gateway(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_subnet_opts, opts, .gateway = IP4(10, 9, 9, 1));
	vf_subnet *s = POISON(vf_subnet);

	/* Outside the (default) prefix 10.1.1.0/24. */
	assert_rc(vf_subnet_create(&s, fx->cell[0], &opts), -EINVAL);
	assert_null(s);
	assert_error_has("10.9.9.1");
	assert_int_equal(vf_cell_subnet_count(fx->cell[0]), 0);

	/* An explicit gateway is used; the default DHCP range avoids it. */
	opts.gateway = IP4(10, 1, 1, 254);
	assert_rc(vf_subnet_create(&fx->subnet[0], fx->cell[0], &opts), 0);
	assert_ip_equal(vf_subnet_gateway(fx->subnet[0]), IP4(10, 1, 1, 254));
	assert_ip_equal(vf_subnet_dhcp_start(fx->subnet[0]), IP4(10, 1, 1, 1));
	assert_ip_equal(vf_subnet_dhcp_end(fx->subnet[0]), IP4(10, 1, 1, 253));

	/* A gateway inside the range: DHCP gets the longer side of it. */
	opts.gateway = IP4(10, 1, 2, 100);
	opts.prefix = PFX(IP4(10, 1, 2, 0), 24);
	assert_rc(vf_subnet_create(&fx->subnet[1], fx->cell[0], &opts), 0);
	assert_ip_equal(vf_subnet_dhcp_start(fx->subnet[1]), IP4(10, 1, 2, 101));
	assert_ip_equal(vf_subnet_dhcp_end(fx->subnet[1]), IP4(10, 1, 2, 254));
	opts.gateway = IP4(10, 1, 3, 200);
	opts.prefix = PFX(IP4(10, 1, 3, 0), 24);
	assert_rc(vf_subnet_create(&fx->subnet[2], fx->cell[0], &opts), 0);
	assert_ip_equal(vf_subnet_dhcp_start(fx->subnet[2]), IP4(10, 1, 3, 1));
	assert_ip_equal(vf_subnet_dhcp_end(fx->subnet[2]), IP4(10, 1, 3, 199));
}

static void test_core_subnet_gateway_on_network_or_broadcast_refused(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_subnet_opts, opts, .gateway = IP4(10, 1, 1, 0));
	vf_subnet *s = POISON(vf_subnet);

	assert_rc(vf_subnet_create(&s, fx->cell[0], &opts), -EINVAL);
	assert_null(s);
	assert_error_has("10.1.1.0");
	opts.gateway = IP4(10, 1, 1, 255);
	s = POISON(vf_subnet);
	assert_rc(vf_subnet_create(&s, fx->cell[0], &opts), -EINVAL);
	assert_null(s);
	assert_error_has("10.1.1.255");
	assert_int_equal(vf_cell_subnet_count(fx->cell[0]), 0);
}

static void test_core_subnet_dhcp_range_in_opts(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_subnet_opts, opts, .dhcp_start = IP4(10, 1, 1, 100),
		.dhcp_end = IP4(10, 1, 2, 5));
	vf_subnet *s = POISON(vf_subnet);

	/* Outside the prefix. */
	assert_rc(vf_subnet_create(&s, fx->cell[0], &opts), -EINVAL);
	assert_null(s);
	assert_error_has("10.1.2.5");
	/* Inverted. */
	opts.dhcp_start = IP4(10, 1, 1, 200);
	opts.dhcp_end = IP4(10, 1, 1, 100);
	assert_rc(vf_subnet_create(&s, fx->cell[0], &opts), -EINVAL);
	assert_error_has("10.1.1.200");
	/* Covering the gateway (10.1.1.1). */
	opts.dhcp_start = IP4(10, 1, 1, 1);
	opts.dhcp_end = IP4(10, 1, 1, 50);
	assert_rc(vf_subnet_create(&s, fx->cell[0], &opts), -EINVAL);
	assert_error_has("10.1.1.1");
	assert_int_equal(vf_cell_subnet_count(fx->cell[0]), 0);

	opts.dhcp_start = IP4(10, 1, 1, 100);
	opts.dhcp_end = IP4(10, 1, 1, 199);
	assert_rc(vf_subnet_create(&fx->subnet[0], fx->cell[0], &opts), 0);
	assert_ip_equal(vf_subnet_dhcp_start(fx->subnet[0]), IP4(10, 1, 1, 100));
	assert_ip_equal(vf_subnet_dhcp_end(fx->subnet[0]), IP4(10, 1, 1, 199));
}

static void test_core_subnet_set_dhcp_range(void **state)
{
	struct vt_fx *fx = *state;
	vf_subnet *s = fx->subnet[0];

	assert_rc(vf_subnet_set_dhcp_range(s, IP4(10, 1, 1, 10),
					   IP4(10, 1, 1, 20)),
		  0);
	assert_ip_equal(vf_subnet_dhcp_start(s), IP4(10, 1, 1, 10));
	assert_ip_equal(vf_subnet_dhcp_end(s), IP4(10, 1, 1, 20));
	/* A single address is a valid range. */
	assert_rc(vf_subnet_set_dhcp_range(s, IP4(10, 1, 1, 30),
					   IP4(10, 1, 1, 30)),
		  0);
	assert_ip_equal(vf_subnet_dhcp_start(s), IP4(10, 1, 1, 30));
	assert_ip_equal(vf_subnet_dhcp_end(s), IP4(10, 1, 1, 30));

	assert_rc(vf_subnet_set_dhcp_range(s, IP4(10, 1, 0, 250),
					   IP4(10, 1, 1, 20)),
		  -EINVAL);
	assert_error_has("10.1.0.250");
	assert_rc(vf_subnet_set_dhcp_range(s, IP4(10, 1, 1, 10),
					   IP4(10, 1, 2, 20)),
		  -EINVAL);
	assert_error_has("10.1.2.20");
	assert_rc(vf_subnet_set_dhcp_range(s, IP4(10, 1, 1, 20),
					   IP4(10, 1, 1, 10)),
		  -EINVAL);
	assert_error_has("10.1.1.20");
	assert_rc(vf_subnet_set_dhcp_range(s, IP4(10, 1, 1, 1),
					   IP4(10, 1, 1, 254)),
		  -EINVAL);
	assert_error_has("10.1.1.1");
	/* Refusals leave the range as it was. */
	assert_ip_equal(vf_subnet_dhcp_start(s), IP4(10, 1, 1, 30));
	assert_ip_equal(vf_subnet_dhcp_end(s), IP4(10, 1, 1, 30));
}

static void test_core_subnet_mtu(void **state)
{
	struct vt_fx *fx = *state;
	vf_subnet *s = fx->subnet[0];
	VF_OPTS(vf_subnet_opts, opts, .mtu = 67);
	vf_subnet *bad = POISON(vf_subnet);

	assert_int_equal(vf_subnet_mtu(s), 1500);
	assert_rc(vf_subnet_set_mtu(s, 9000), 0);
	assert_int_equal(vf_subnet_mtu(s), 9000);
	assert_rc(vf_subnet_set_mtu(s, 68), 0);
	assert_int_equal(vf_subnet_mtu(s), 68);
	assert_rc(vf_subnet_set_mtu(s, 9001), -EINVAL);
	assert_error_has("9001");
	assert_rc(vf_subnet_set_mtu(s, 67), -EINVAL);
	assert_error_has("67");
	assert_rc(vf_subnet_set_mtu(s, 0), -EINVAL);
	assert_int_equal(vf_subnet_mtu(s), 68);

	assert_rc(vf_subnet_create(&bad, fx->cell[0], &opts), -EINVAL);
	assert_null(bad);
	assert_error_has("67");
	opts.mtu = 9001;
	assert_rc(vf_subnet_create(&bad, fx->cell[0], &opts), -EINVAL);
	opts.mtu = 9000;
	assert_rc(vf_subnet_create(&fx->subnet[1], fx->cell[0], &opts), 0);
	assert_int_equal(vf_subnet_mtu(fx->subnet[1]), 9000);
}

static void test_core_subnet_lease_time(void **state)
{
	struct vt_fx *fx = *state;
	vf_subnet *s = fx->subnet[0];
	VF_OPTS(vf_subnet_opts, opts, .lease_time = 59);
	vf_subnet *bad = POISON(vf_subnet);

	assert_int_equal(vf_subnet_lease_time(s), 86400);
	assert_rc(vf_subnet_set_lease_time(s, 60), 0);
	assert_int_equal(vf_subnet_lease_time(s), 60);
	assert_rc(vf_subnet_set_lease_time(s, 31536000), 0);
	assert_int_equal(vf_subnet_lease_time(s), 31536000);
	assert_rc(vf_subnet_set_lease_time(s, 59), -EINVAL);
	assert_error_has("59");
	assert_rc(vf_subnet_set_lease_time(s, 31536001), -EINVAL);
	assert_error_has("31536001");
	assert_rc(vf_subnet_set_lease_time(s, 0), -EINVAL);
	assert_int_equal(vf_subnet_lease_time(s), 31536000);

	assert_rc(vf_subnet_create(&bad, fx->cell[0], &opts), -EINVAL);
	assert_null(bad);
	opts.lease_time = 31536001;
	assert_rc(vf_subnet_create(&bad, fx->cell[0], &opts), -EINVAL);
	opts.lease_time = 3600;
	assert_rc(vf_subnet_create(&fx->subnet[1], fx->cell[0], &opts), 0);
	assert_int_equal(vf_subnet_lease_time(fx->subnet[1]), 3600);
}

static void test_core_subnet_dns(void **state)
{
	struct vt_fx *fx = *state;
	vf_subnet *s = fx->subnet[0];
	const uint32_t two[] = { IP4(8, 8, 8, 8), IP4(1, 1, 1, 1) };
	const uint32_t five[] = { IP4(1, 0, 0, 1), IP4(1, 0, 0, 2),
				  IP4(1, 0, 0, 3), IP4(1, 0, 0, 4),
				  IP4(1, 0, 0, 5) };
	const uint32_t with_zero[] = { IP4(9, 9, 9, 9), 0 };
	uint32_t out[VF_SUBNET_DNS_MAX];

	assert_int_equal(vf_subnet_dns(s, NULL, 0), 0);
	assert_rc(vf_subnet_set_dns(s, two, 2), 0);
	memset(out, 0, sizeof(out));
	assert_int_equal(vf_subnet_dns(s, out, VF_SUBNET_DNS_MAX), 2);
	assert_ip_equal(out[0], IP4(8, 8, 8, 8));
	assert_ip_equal(out[1], IP4(1, 1, 1, 1));
	/* A short buffer gets the first ones; the count is still the total. */
	memset(out, 0, sizeof(out));
	assert_int_equal(vf_subnet_dns(s, out, 1), 2);
	assert_ip_equal(out[0], IP4(8, 8, 8, 8));
	assert_int_equal(out[1], 0);
	assert_int_equal(vf_subnet_dns(s, NULL, 0), 2);

	assert_rc(vf_subnet_set_dns(s, five, 5), -EINVAL);
	assert_error_set();
	assert_rc(vf_subnet_set_dns(s, with_zero, 2), -EINVAL);
	assert_error_set();
	assert_int_equal(vf_subnet_dns(s, out, VF_SUBNET_DNS_MAX), 2);
	assert_ip_equal(out[0], IP4(8, 8, 8, 8));

	assert_rc(vf_subnet_set_dns(s, five, 4), 0);
	assert_int_equal(vf_subnet_dns(s, out, VF_SUBNET_DNS_MAX), 4);
	assert_ip_equal(out[3], IP4(1, 0, 0, 4));
	assert_rc(vf_subnet_set_dns(s, NULL, 0), 0);
	assert_int_equal(vf_subnet_dns(s, NULL, 0), 0);
}

static void test_core_subnet_dns_in_opts(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_subnet_opts, opts,
		.dns = { IP4(8, 8, 8, 8), IP4(1, 1, 1, 1), 0, IP4(9, 9, 9, 9) });
	uint32_t out[VF_SUBNET_DNS_MAX];

	assert_rc(vf_subnet_create(&fx->subnet[0], fx->cell[0], &opts), 0);
	/* The first zero ends the list. */
	assert_int_equal(vf_subnet_dns(fx->subnet[0], out, VF_SUBNET_DNS_MAX), 2);
	assert_ip_equal(out[0], IP4(8, 8, 8, 8));
	assert_ip_equal(out[1], IP4(1, 1, 1, 1));
}

static void test_core_subnet_domain(void **state)
{
	struct vt_fx *fx = *state;
	vf_subnet *s = fx->subnet[0];
	char d255[256], d256[257];
	VF_OPTS(vf_subnet_opts, opts);
	vf_subnet *bad = POISON(vf_subnet);

	memset(d255, 'd', 255);
	d255[255] = 0;
	memset(d256, 'd', 256);
	d256[256] = 0;

	assert_string_equal(vf_subnet_domain(s), "");
	assert_rc(vf_subnet_set_domain(s, "example.org"), 0);
	assert_string_equal(vf_subnet_domain(s), "example.org");
	assert_rc(vf_subnet_set_domain(s, d255), 0);
	assert_string_equal(vf_subnet_domain(s), d255);
	assert_rc(vf_subnet_set_domain(s, d256), -EINVAL);
	assert_error_set();
	assert_string_equal(vf_subnet_domain(s), d255);
	assert_rc(vf_subnet_set_domain(s, NULL), 0);
	assert_string_equal(vf_subnet_domain(s), "");
	assert_rc(vf_subnet_set_domain(s, "corp.example"), 0);
	assert_rc(vf_subnet_set_domain(s, ""), 0);
	assert_string_equal(vf_subnet_domain(s), "");

	opts.domain = d256;
	assert_rc(vf_subnet_create(&bad, fx->cell[0], &opts), -EINVAL);
	assert_null(bad);
	opts.domain = "lab.example";
	assert_rc(vf_subnet_create(&fx->subnet[1], fx->cell[0], &opts), 0);
	assert_string_equal(vf_subnet_domain(fx->subnet[1]), "lab.example");
}

static void test_core_subnet_set_dhcp(void **state)
{
	struct vt_fx *fx = *state;
	vf_subnet *s = fx->subnet[0];
	VF_OPTS(vf_subnet_opts, opts, .dhcp = VF_DHCP_OFF);

	assert_true(vf_subnet_dhcp_enabled(s));
	assert_rc(vf_subnet_set_dhcp(s, VF_DHCP_OFF), 0);
	assert_false(vf_subnet_dhcp_enabled(s));
	assert_rc(vf_subnet_set_dhcp(s, VF_DHCP_ON), 0);
	assert_true(vf_subnet_dhcp_enabled(s));
	assert_rc(vf_subnet_set_dhcp(s, VF_DHCP_OFF), 0);
	assert_rc(vf_subnet_set_dhcp(s, VF_DHCP_DEFAULT), 0);
	assert_true(vf_subnet_dhcp_enabled(s));
	assert_rc(vf_subnet_set_dhcp(s, (vf_dhcp_mode)3), -EINVAL);
	assert_error_set();
	assert_true(vf_subnet_dhcp_enabled(s));

	assert_rc(vf_subnet_create(&fx->subnet[1], fx->cell[0], &opts), 0);
	assert_false(vf_subnet_dhcp_enabled(fx->subnet[1]));
	{
		VF_OPTS(vf_subnet_opts, bad_opts, .dhcp = (vf_dhcp_mode)7);
		vf_subnet *bad = POISON(vf_subnet);

		assert_rc(vf_subnet_create(&bad, fx->cell[0], &bad_opts),
			  -EINVAL);
		assert_null(bad);
	}
}

static void test_core_subnet_link(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_subnet_opts, opts, .name = "wire", .kind = VF_SUBNET_LINK,
		.prefix = PFX(IP4(10, 9, 0, 0), 30));
	vf_subnet *s;
	vf_port *p = POISON(vf_port);

	assert_rc(vf_subnet_create(&fx->subnet[0], fx->cell[0], &opts), 0);
	s = fx->subnet[0];
	assert_int_equal(vf_subnet_kind_of(s), VF_SUBNET_LINK);
	assert_int_equal(vf_subnet_gateway(s), 0);
	assert_false(vf_subnet_dhcp_enabled(s));
	assert_rc(vf_subnet_set_dhcp(s, VF_DHCP_ON), 0);
	assert_true(vf_subnet_dhcp_enabled(s));
	assert_rc(vf_subnet_set_dhcp(s, VF_DHCP_DEFAULT), 0);
	assert_false(vf_subnet_dhcp_enabled(s));

	/* A /30 link still has a network and a broadcast address. */
	{
		VF_OPTS(vf_port_opts, po, .name = "edge", .vip = IP4(10, 9, 0, 0));

		assert_rc(vf_port_create(&p, s, &po), -EINVAL);
		assert_null(p);
		assert_error_has("10.9.0.0");
		po.vip = IP4(10, 9, 0, 3);
		p = POISON(vf_port);
		assert_rc(vf_port_create(&p, s, &po), -EINVAL);
		assert_null(p);
		assert_error_has("10.9.0.3");
	}

	/* Exactly two ports. */
	fx->port[0] = VT_PORT(s, "a-eth1", IP4(10, 9, 0, 1));
	fx->port[1] = VT_PORT(s, "b-eth1", IP4(10, 9, 0, 2));
	{
		VF_OPTS(vf_port_opts, po, .name = "c-eth1");

		assert_rc(vf_port_create(&p, s, &po), -ENOSPC);
		assert_null(p);
		assert_error_has_any("wire", "10.9.0.0/30");
	}
	assert_int_equal(vf_subnet_port_count(s), 2);
	assert_null(vf_fabric_port_by_name(fx->fabric, "c-eth1"));
	/* Freeing one end makes room again. */
	vf_port_destroy(fx->port[1]);
	fx->port[1] = VT_PORT(s, "c-eth1", 0);
	assert_ip_equal(vf_port_vip(fx->port[1]), IP4(10, 9, 0, 2));
}

static void test_core_subnet_link_third_port_refused_in_big_prefix(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_subnet_opts, opts, .name = "wide-wire",
		.kind = VF_SUBNET_LINK, .prefix = PFX(IP4(10, 9, 1, 0), 29));
	VF_OPTS(vf_port_opts, po, .name = "third", .vip = IP4(10, 9, 1, 3));
	vf_port *p = POISON(vf_port);

	assert_rc(vf_subnet_create(&fx->subnet[0], fx->cell[0], &opts), 0);
	fx->port[0] = VT_PORT(fx->subnet[0], "one", IP4(10, 9, 1, 1));
	fx->port[1] = VT_PORT(fx->subnet[0], "two", IP4(10, 9, 1, 2));
	/* Free addresses remain, but a link holds two ports. */
	assert_rc(vf_port_create(&p, fx->subnet[0], &po), -ENOSPC);
	assert_null(p);
	assert_error_set();
}

static void test_core_subnet_link_gateway_refused(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_subnet_opts, opts, .kind = VF_SUBNET_LINK,
		.prefix = PFX(IP4(10, 9, 0, 0), 30), .gateway = IP4(10, 9, 0, 1));
	vf_subnet *s = POISON(vf_subnet);

	assert_rc(vf_subnet_create(&s, fx->cell[0], &opts), -EINVAL);
	assert_null(s);
	assert_error_has("10.9.0.1");
	assert_int_equal(vf_cell_subnet_count(fx->cell[0]), 0);
	opts.kind = (vf_subnet_kind)2;
	opts.gateway = 0;
	assert_rc(vf_subnet_create(&s, fx->cell[0], &opts), -EINVAL);
	assert_null(s);
}

static void test_core_subnet_ids_names_lookup(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_subnet_opts, opts, .id = 7, .name = "web");
	vf_subnet *s = POISON(vf_subnet), *it;
	char too_long[VF_NAME_MAX + 2];

	fx->subnet[0] = VT_SUBNET(fx->cell[0], NULL, NULL); /* id 1 */
	assert_rc(vf_subnet_create(&fx->subnet[1], fx->cell[0], &opts), 0);
	fx->subnet[2] = VT_SUBNET(fx->cell[0], NULL, NULL); /* id 2 */
	assert_int_equal(vf_subnet_id(fx->subnet[2]), 2);

	/* Duplicate id, duplicate name. */
	opts.name = "web2";
	assert_rc(vf_subnet_create(&s, fx->cell[0], &opts), -EEXIST);
	assert_null(s);
	assert_error_has("7");
	opts.id = 8;
	opts.name = "web";
	s = POISON(vf_subnet);
	assert_rc(vf_subnet_create(&s, fx->cell[0], &opts), -EEXIST);
	assert_null(s);
	assert_error_has("web");
	/* Bad names. */
	opts.name = "a b";
	assert_rc(vf_subnet_create(&s, fx->cell[0], &opts), -EINVAL);
	assert_error_has("a b");
	opts.name = "";
	assert_rc(vf_subnet_create(&s, fx->cell[0], &opts), -EINVAL);
	memset(too_long, 's', VF_NAME_MAX + 1);
	too_long[VF_NAME_MAX + 1] = 0;
	opts.name = too_long;
	assert_rc(vf_subnet_create(&s, fx->cell[0], &opts), -EINVAL);
	assert_int_equal(vf_cell_subnet_count(fx->cell[0]), 3);

	/* The same name in another cell is fine. */
	fx->cell[1] = VT_CELL(fx->fabric, 2, "green");
	opts.id = 7;
	opts.name = "web";
	assert_rc(vf_subnet_create(&fx->subnet[3], fx->cell[1], &opts), 0);

	assert_ptr_equal(vf_cell_subnet_by_id(fx->cell[0], 7), fx->subnet[1]);
	assert_ptr_equal(vf_cell_subnet_by_name(fx->cell[0], "web"),
			 fx->subnet[1]);
	assert_ptr_equal(vf_cell_subnet_by_name(fx->cell[1], "web"),
			 fx->subnet[3]);
	assert_ptr_equal(vf_cell_subnet_by_name(fx->cell[0], "subnet2"),
			 fx->subnet[2]);
	assert_null(vf_cell_subnet_by_id(fx->cell[0], 3));
	assert_null(vf_cell_subnet_by_name(fx->cell[0], "nope"));

	/* Iteration in creation order. */
	it = vf_cell_next_subnet(fx->cell[0], NULL);
	assert_ptr_equal(it, fx->subnet[0]);
	it = vf_cell_next_subnet(fx->cell[0], it);
	assert_ptr_equal(it, fx->subnet[1]);
	it = vf_cell_next_subnet(fx->cell[0], it);
	assert_ptr_equal(it, fx->subnet[2]);
	assert_null(vf_cell_next_subnet(fx->cell[0], it));

	/* The lowest free id is reused. */
	vf_subnet_destroy(fx->subnet[0]);
	fx->subnet[0] = NULL;
	assert_int_equal(vf_cell_subnet_count(fx->cell[0]), 2);
	fx->subnet[0] = VT_SUBNET(fx->cell[0], NULL, NULL);
	assert_int_equal(vf_subnet_id(fx->subnet[0]), 1);
	assert_prefix_equal(vf_subnet_prefix(fx->subnet[0]),
			    PFX(IP4(10, 1, 1, 0), 24));
	fx->subnet[4] = VT_SUBNET(fx->cell[0], NULL, NULL);
	assert_int_equal(vf_subnet_id(fx->subnet[4]), 3);
}

static void test_core_subnet_user_data_and_destroy_null(void **state)
{
	struct vt_fx *fx = *state;
	int x;

	vf_subnet_set_user_data(fx->subnet[0], &x);
	assert_ptr_equal(vf_subnet_user_data(fx->subnet[0]), &x);
	vf_subnet_destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_core_subnet_default_plan,
						vt_setup_fabric, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_subnet_no_default_plan_for_big_cell_id,
						vt_setup_fabric, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_subnet_no_default_plan_for_big_subnet_id,
						vt_setup_cell, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_subnet_arbitrary_prefix,
						vt_setup_cell, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_subnet_prefix_length_bounds,
						vt_setup_cell, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_subnet_host_bits_refused,
						vt_setup_cell, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_subnet_overlap_same_cell_refused,
						vt_setup_cell, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_subnet_overlap_across_cells_rewrite,
						vt_setup_cell, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_subnet_overlap_across_cells_vxlan,
						vt_setup_fabric_vxlan, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_subnet_gateway,
						vt_setup_cell, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_subnet_gateway_on_network_or_broadcast_refused,
						vt_setup_cell, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_subnet_dhcp_range_in_opts,
						vt_setup_cell, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_subnet_set_dhcp_range,
						vt_setup_subnet, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_subnet_mtu,
						vt_setup_subnet, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_subnet_lease_time,
						vt_setup_subnet, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_subnet_dns,
						vt_setup_subnet, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_subnet_dns_in_opts,
						vt_setup_cell, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_subnet_domain,
						vt_setup_subnet, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_subnet_set_dhcp,
						vt_setup_subnet, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_subnet_link,
						vt_setup_cell, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_subnet_link_third_port_refused_in_big_prefix,
						vt_setup_cell, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_subnet_link_gateway_refused,
						vt_setup_cell, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_subnet_ids_names_lookup,
						vt_setup_cell, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_subnet_user_data_and_destroy_null,
						vt_setup_subnet, vt_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
