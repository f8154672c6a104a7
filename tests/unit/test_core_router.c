/* The cell router (router.h): creation, interfaces and RVMACs, static
 * routes. */
#include "unit.h"

static char sentinel;
#define POISON(T) ((T *)(void *)&sentinel)

/* Cell 1 "blue" with lan1 10.1.1.0/24, lan2 10.1.2.0/24 and a router. */
static int setup_router(void **state)
{
	VF_OPTS(vf_subnet_opts, so, .name = "lan2");
	struct vt_fx *fx;

	if (vt_setup_subnet(state) != 0)
		return -1;
	fx = *state;
	if (vf_subnet_create(&fx->subnet[1], fx->cell[0], &so) != 0)
		return -1;
	if (vf_router_create(&fx->router[0], fx->cell[0], NULL) != 0)
		return -1;
	return 0;
}

static void test_core_router_one_per_cell(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_router_opts, opts, .name = "gw");
	vf_router *r = POISON(vf_router);

	assert_rc(vf_router_create(&fx->router[0], fx->cell[0], &opts), 0);
	assert_string_equal(vf_router_name(fx->router[0]), "gw");
	assert_ptr_equal(vf_router_cell(fx->router[0]), fx->cell[0]);
	assert_ptr_equal(vf_cell_router(fx->cell[0]), fx->router[0]);
	assert_int_equal(vf_router_iface_count(fx->router[0]), 0);
	assert_int_equal(vf_router_route_count(fx->router[0]), 0);
	assert_null(vf_router_next_subnet(fx->router[0], NULL));

	opts.name = "second";
	assert_rc(vf_router_create(&r, fx->cell[0], &opts), -EEXIST);
	assert_null(r);
	assert_error_has_any("blue", "gw");
	assert_ptr_equal(vf_cell_router(fx->cell[0]), fx->router[0]);

	/* Another cell has its own. */
	fx->cell[1] = VT_CELL(fx->fabric, 2, "green");
	assert_rc(vf_router_create(&fx->router[1], fx->cell[1], &opts), 0);

	/* After destroy the cell may get a new one. */
	vf_router_destroy(fx->router[0]);
	fx->router[0] = NULL;
	assert_null(vf_cell_router(fx->cell[0]));
	assert_rc(vf_router_create(&fx->router[0], fx->cell[0], NULL), 0);
	assert_string_equal(vf_router_name(fx->router[0]), "router");
}

static void test_core_router_bad_name_refused(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_router_opts, opts, .name = "my router");
	vf_router *r = POISON(vf_router);

	assert_rc(vf_router_create(&r, fx->cell[0], &opts), -EINVAL);
	assert_null(r);
	assert_error_has("my router");
	opts.name = "";
	assert_rc(vf_router_create(&r, fx->cell[0], &opts), -EINVAL);
	assert_null(vf_cell_router(fx->cell[0]));
	assert_rc(vf_router_create(&fx->router[0], fx->cell[0], NULL), 0);
}

static void test_core_router_attach_derived_rvmac(void **state)
{
	struct vt_fx *fx = *state;
	vf_router *r = fx->router[0];
	vf_mac m;

	assert_rc(vf_router_attach(r, fx->subnet[0], NULL), 0);
	assert_rc(vf_router_iface_mac(r, fx->subnet[0], &m), 0);
	assert_mac_equal(m, MAC(0x06, 0x01, 10, 1, 1, 1));
	assert_ptr_equal(vf_subnet_router(fx->subnet[0]), r);
	assert_int_equal(vf_router_iface_count(r), 1);

	/* All zero means derived, too. */
	m = MAC(0, 0, 0, 0, 0, 0);
	assert_rc(vf_router_attach(r, fx->subnet[1], &m), 0);
	assert_rc(vf_router_iface_mac(r, fx->subnet[1], &m), 0);
	assert_mac_equal(m, MAC(0x06, 0x01, 10, 1, 2, 1));
	assert_int_equal(vf_router_iface_count(r), 2);
}

static void test_core_router_rvmac_uses_gateway_and_cell_low_byte(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_subnet_opts, so, .prefix = PFX(IP4(172, 16, 4, 0), 22),
		.gateway = IP4(172, 16, 7, 254));
	vf_mac m;

	fx->cell[0] = VT_CELL(fx->fabric, 0x1234, "wide");
	assert_rc(vf_subnet_create(&fx->subnet[0], fx->cell[0], &so), 0);
	assert_rc(vf_router_create(&fx->router[0], fx->cell[0], NULL), 0);
	assert_rc(vf_router_attach(fx->router[0], fx->subnet[0], NULL), 0);
	assert_rc(vf_router_iface_mac(fx->router[0], fx->subnet[0], &m), 0);
	assert_mac_equal(m, MAC(0x06, 0x34, 172, 16, 7, 254));
}

static void test_core_router_attach_explicit_rvmac(void **state)
{
	struct vt_fx *fx = *state;
	vf_mac want = MAC(0x0a, 0x00, 0x00, 0x00, 0x00, 0x01), m;
	vf_mac mcast = MAC(0x01, 0x00, 0x5e, 0x00, 0x00, 0x09);

	assert_rc(vf_router_attach(fx->router[0], fx->subnet[0], &mcast),
		  -EINVAL);
	assert_error_has("01:00:5e:00:00:09");
	assert_int_equal(vf_router_iface_count(fx->router[0]), 0);
	assert_null(vf_subnet_router(fx->subnet[0]));

	assert_rc(vf_router_attach(fx->router[0], fx->subnet[0], &want), 0);
	assert_rc(vf_router_iface_mac(fx->router[0], fx->subnet[0], &m), 0);
	assert_mac_equal(m, want);

	/* Another interface may not reuse it. */
	assert_rc(vf_router_attach(fx->router[0], fx->subnet[1], &want),
		  -EADDRINUSE);
	assert_error_has("0a:00:00:00:00:01");
	assert_int_equal(vf_router_iface_count(fx->router[0]), 1);
	assert_null(vf_subnet_router(fx->subnet[1]));
	assert_rc(vf_router_attach(fx->router[0], fx->subnet[1], NULL), 0);
}

static void test_core_router_attach_twice_refused(void **state)
{
	struct vt_fx *fx = *state;

	assert_rc(vf_router_attach(fx->router[0], fx->subnet[0], NULL), 0);
	assert_rc(vf_router_attach(fx->router[0], fx->subnet[0], NULL), -EEXIST);
	assert_error_has("lan1");
	assert_int_equal(vf_router_iface_count(fx->router[0]), 1);
}

static void test_core_router_attach_link_subnet_refused(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_subnet_opts, so, .name = "wire", .kind = VF_SUBNET_LINK,
		.prefix = PFX(IP4(10, 9, 0, 0), 30));

	assert_rc(vf_subnet_create(&fx->subnet[2], fx->cell[0], &so), 0);
	assert_rc(vf_router_attach(fx->router[0], fx->subnet[2], NULL), -EINVAL);
	assert_error_has("wire");
	assert_int_equal(vf_router_iface_count(fx->router[0]), 0);
	assert_null(vf_subnet_router(fx->subnet[2]));
}

static void test_core_router_attach_other_cell_subnet_refused(void **state)
{
	struct vt_fx *fx = *state;

	fx->cell[1] = VT_CELL(fx->fabric, 2, "green");
	fx->subnet[2] = VT_SUBNET(fx->cell[1], NULL, "foreign");
	assert_rc(vf_router_attach(fx->router[0], fx->subnet[2], NULL), -EINVAL);
	assert_error_has("foreign");
	assert_int_equal(vf_router_iface_count(fx->router[0]), 0);
	assert_null(vf_subnet_router(fx->subnet[2]));
	assert_rc(vf_router_attach(fx->router[0], NULL, NULL), -EINVAL);
}

static void test_core_router_rvmac_equal_to_port_vmac_refused(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_port_opts, po, .name = "squatter",
		.vmac = MAC(0x06, 0x01, 10, 1, 1, 1));
	vf_mac explicit_mac = MAC(0x02, 0x01, 10, 1, 2, 2);

	/* A port holds what the derived RVMAC of lan1 would be. */
	assert_rc(vf_port_create(&fx->port[0], fx->subnet[0], &po), 0);
	assert_rc(vf_router_attach(fx->router[0], fx->subnet[0], NULL),
		  -EADDRINUSE);
	assert_error_has("06:01:0a:01:01:01");
	assert_int_equal(vf_router_iface_count(fx->router[0]), 0);
	assert_null(vf_subnet_router(fx->subnet[0]));

	/* An explicit RVMAC equal to a port's derived VMAC. */
	fx->port[1] = VT_PORT(fx->subnet[1], "vm", 0); /* 10.1.2.2 */
	assert_rc(vf_router_attach(fx->router[0], fx->subnet[1], &explicit_mac),
		  -EADDRINUSE);
	assert_error_has("02:01:0a:01:02:02");
	assert_null(vf_subnet_router(fx->subnet[1]));

	/* Once the port is gone the address is free. */
	vf_port_destroy(fx->port[0]);
	fx->port[0] = NULL;
	assert_rc(vf_router_attach(fx->router[0], fx->subnet[0], NULL), 0);
}

static void test_core_router_detach(void **state)
{
	struct vt_fx *fx = *state;
	vf_router *r = fx->router[0];
	vf_mac m;

	assert_rc(vf_router_attach(r, fx->subnet[1], NULL), 0);
	assert_rc(vf_router_attach(r, fx->subnet[0], NULL), 0);
	/* Attach order, not creation order. */
	assert_ptr_equal(vf_router_next_subnet(r, NULL), fx->subnet[1]);
	assert_ptr_equal(vf_router_next_subnet(r, fx->subnet[1]), fx->subnet[0]);
	assert_null(vf_router_next_subnet(r, fx->subnet[0]));

	assert_rc(vf_router_detach(r, fx->subnet[1]), 0);
	assert_int_equal(vf_router_iface_count(r), 1);
	assert_null(vf_subnet_router(fx->subnet[1]));
	assert_ptr_equal(vf_router_next_subnet(r, NULL), fx->subnet[0]);
	assert_null(vf_router_next_subnet(r, fx->subnet[0]));
	assert_rc(vf_router_iface_mac(r, fx->subnet[1], &m), -ENOENT);
	assert_rc(vf_router_detach(r, fx->subnet[1]), -ENOENT);
	assert_error_has("lan2");
	/* Re-attach. */
	assert_rc(vf_router_attach(r, fx->subnet[1], NULL), 0);
	assert_rc(vf_router_iface_mac(r, fx->subnet[1], &m), 0);
	assert_mac_equal(m, MAC(0x06, 0x01, 10, 1, 2, 1));
}

static void test_core_router_routes(void **state)
{
	struct vt_fx *fx = *state;
	vf_router *r = fx->router[0];
	vf_ipv4_prefix d192 = PFX(IP4(192, 168, 0, 0), 16);
	vf_ipv4_prefix d0 = PFX(0, 0);
	vf_ipv4_prefix d172 = PFX(IP4(172, 16, 5, 0), 24);
	vf_ipv4_prefix dest;
	uint32_t hop;

	assert_rc(vf_router_attach(r, fx->subnet[0], NULL), 0);
	assert_rc(vf_router_attach(r, fx->subnet[1], NULL), 0);
	assert_rc(vf_router_add_route(r, &d192, IP4(10, 1, 1, 10)), 0);
	assert_rc(vf_router_add_route(r, &d0, IP4(10, 1, 1, 11)), 0);
	assert_rc(vf_router_add_route(r, &d172, IP4(10, 1, 2, 20)), 0);
	assert_int_equal(vf_router_route_count(r), 3);

	/* Ordered by prefix. */
	assert_rc(vf_router_route(r, 0, &dest, &hop), 0);
	assert_prefix_equal(dest, d0);
	assert_ip_equal(hop, IP4(10, 1, 1, 11));
	assert_rc(vf_router_route(r, 1, &dest, &hop), 0);
	assert_prefix_equal(dest, d172);
	assert_ip_equal(hop, IP4(10, 1, 2, 20));
	assert_rc(vf_router_route(r, 2, &dest, &hop), 0);
	assert_prefix_equal(dest, d192);
	assert_ip_equal(hop, IP4(10, 1, 1, 10));
	assert_rc(vf_router_route(r, 3, &dest, &hop), -ENOENT);

	/* Same destination again. */
	assert_rc(vf_router_add_route(r, &d172, IP4(10, 1, 1, 12)), -EEXIST);
	assert_error_has("172.16.5.0/24");
	assert_int_equal(vf_router_route_count(r), 3);

	assert_rc(vf_router_del_route(r, &d172), 0);
	assert_int_equal(vf_router_route_count(r), 2);
	assert_rc(vf_router_route(r, 1, &dest, &hop), 0);
	assert_prefix_equal(dest, d192);
	assert_rc(vf_router_del_route(r, &d172), -ENOENT);
	assert_error_has("172.16.5.0/24");
	/* Exactly that prefix: a shorter one with the same address is
	 * another route. */
	dest = PFX(IP4(192, 168, 0, 0), 24);
	assert_rc(vf_router_del_route(r, &dest), -ENOENT);
	assert_int_equal(vf_router_route_count(r), 2);
	/* The deleted destination can be added again. */
	assert_rc(vf_router_add_route(r, &d172, IP4(10, 1, 1, 12)), 0);
	assert_rc(vf_router_route(r, 1, &dest, &hop), 0);
	assert_prefix_equal(dest, d172);
	assert_ip_equal(hop, IP4(10, 1, 1, 12));
}

static void test_core_router_route_bad_refused(void **state)
{
	struct vt_fx *fx = *state;
	vf_router *r = fx->router[0];
	vf_ipv4_prefix dest = PFX(IP4(192, 168, 1, 1), 16);
	VF_OPTS(vf_subnet_opts, so, .name = "lan3");

	assert_rc(vf_subnet_create(&fx->subnet[2], fx->cell[0], &so), 0);
	assert_rc(vf_router_attach(r, fx->subnet[0], NULL), 0);

	/* Host bits in the destination. */
	assert_rc(vf_router_add_route(r, &dest, IP4(10, 1, 1, 10)), -EINVAL);
	assert_error_has("192.168.1.1/16");
	dest = PFX(IP4(192, 168, 0, 0), 33);
	assert_rc(vf_router_add_route(r, &dest, IP4(10, 1, 1, 10)), -EINVAL);
	dest = PFX(IP4(192, 168, 0, 0), 16);
	/* Next hop in a subnet the router is not on (lan3, 10.1.3.0/24). */
	assert_rc(vf_router_add_route(r, &dest, IP4(10, 1, 3, 5)), -EINVAL);
	assert_error_has("10.1.3.5");
	/* ... in no subnet at all. */
	assert_rc(vf_router_add_route(r, &dest, IP4(8, 8, 8, 8)), -EINVAL);
	assert_error_has("8.8.8.8");
	/* ... the gateway itself. */
	assert_rc(vf_router_add_route(r, &dest, IP4(10, 1, 1, 1)), -EINVAL);
	assert_error_has("10.1.1.1");
	assert_rc(vf_router_add_route(r, NULL, IP4(10, 1, 1, 10)), -EINVAL);
	assert_int_equal(vf_router_route_count(r), 0);

	/* Valid hops, including one in lan3 once it is attached. */
	assert_rc(vf_router_add_route(r, &dest, IP4(10, 1, 1, 10)), 0);
	dest = PFX(IP4(192, 169, 0, 0), 16);
	assert_rc(vf_router_attach(r, fx->subnet[2], NULL), 0);
	assert_rc(vf_router_add_route(r, &dest, IP4(10, 1, 3, 5)), 0);
	assert_int_equal(vf_router_route_count(r), 2);
}

static void test_core_router_route_limit(void **state)
{
	struct vt_fx *fx = *state;
	vf_router *r = fx->router[0];
	vf_ipv4_prefix dest;
	uint32_t i;

	assert_rc(vf_router_attach(r, fx->subnet[0], NULL), 0);
	for (i = 0; i < VF_ROUTER_ROUTES_MAX; i++) {
		dest = PFX(IP4(100, 64, 0, 0) + (i << 8), 24);
		assert_rc(vf_router_add_route(r, &dest, IP4(10, 1, 1, 10)), 0);
	}
	assert_int_equal(vf_router_route_count(r), VF_ROUTER_ROUTES_MAX);
	dest = PFX(IP4(198, 18, 0, 0), 15);
	assert_rc(vf_router_add_route(r, &dest, IP4(10, 1, 1, 10)), -ENOSPC);
	assert_error_set();
	assert_int_equal(vf_router_route_count(r), VF_ROUTER_ROUTES_MAX);
	/* Sorted: the first and last. */
	{
		vf_ipv4_prefix d;
		uint32_t hop;

		assert_rc(vf_router_route(r, 0, &d, &hop), 0);
		assert_prefix_equal(d, PFX(IP4(100, 64, 0, 0), 24));
		assert_rc(vf_router_route(r, VF_ROUTER_ROUTES_MAX - 1, &d, &hop),
			  0);
		assert_prefix_equal(d, PFX(IP4(100, 67, 255, 0), 24));
	}
}

static void test_core_router_user_data_and_destroy_null(void **state)
{
	struct vt_fx *fx = *state;
	int x;

	vf_router_set_user_data(fx->router[0], &x);
	assert_ptr_equal(vf_router_user_data(fx->router[0]), &x);
	vf_router_destroy(NULL);
}

static void test_core_router_destroy_detaches(void **state)
{
	struct vt_fx *fx = *state;

	assert_rc(vf_router_attach(fx->router[0], fx->subnet[0], NULL), 0);
	assert_rc(vf_router_attach(fx->router[0], fx->subnet[1], NULL), 0);
	vf_router_destroy(fx->router[0]);
	fx->router[0] = NULL;
	assert_null(vf_cell_router(fx->cell[0]));
	assert_null(vf_subnet_router(fx->subnet[0]));
	assert_null(vf_subnet_router(fx->subnet[1]));
	/* A port may now take the old RVMAC. */
	{
		VF_OPTS(vf_port_opts, po, .name = "p",
			.vmac = MAC(0x06, 0x01, 10, 1, 1, 1));

		assert_rc(vf_port_create(&fx->port[0], fx->subnet[0], &po), 0);
	}
}

#define T(fn, setup) cmocka_unit_test_setup_teardown(fn, setup, vt_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_core_router_one_per_cell, vt_setup_cell),
		T(test_core_router_bad_name_refused, vt_setup_cell),
		T(test_core_router_attach_derived_rvmac, setup_router),
		T(test_core_router_rvmac_uses_gateway_and_cell_low_byte,
		  vt_setup_fabric),
		T(test_core_router_attach_explicit_rvmac, setup_router),
		T(test_core_router_attach_twice_refused, setup_router),
		T(test_core_router_attach_link_subnet_refused, setup_router),
		T(test_core_router_attach_other_cell_subnet_refused,
		  setup_router),
		T(test_core_router_rvmac_equal_to_port_vmac_refused,
		  setup_router),
		T(test_core_router_detach, setup_router),
		T(test_core_router_routes, setup_router),
		T(test_core_router_route_bad_refused, setup_router),
		T(test_core_router_route_limit, setup_router),
		T(test_core_router_user_data_and_destroy_null, setup_router),
		T(test_core_router_destroy_detaches, setup_router),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
