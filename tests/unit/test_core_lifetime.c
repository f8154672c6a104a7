/*
 * Object lifetime (fabric.h, "Lifetime"): objects are destroyed in any
 * order; destroying one removes it and everything below it from the model
 * at once; handles still held stay valid, their getters work and every
 * other call returns -ENOENT until each handle is destroyed.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>

static char sentinel;
#define POISON(T) ((T *)(void *)&sentinel)

/* One of everything: cell 1 "blue" with lan1 (10.1.1.0/24) and lan2
 * (10.1.2.0/24), a router on both, ports vm1 (.2) and vm2 (.3) on lan1 and
 * vm3 on lan2, security groups "web" (on vm1) and "db", a policy admitting
 * cell 2 "green" (which has lan1 10.2.1.0/24 and port g1). */
struct world {
	vf_fabric *fabric;
	vf_cell *blue, *green;
	vf_subnet *lan1, *lan2, *glan;
	vf_router *router;
	vf_port *vm1, *vm2, *vm3, *g1;
	vf_secgroup *web, *db;
	vf_policy *admit;
};

static int setup_world(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	VF_OPTS(vf_cell_opts, blue, .id = 1, .name = "blue");
	VF_OPTS(vf_cell_opts, green, .id = 2, .name = "green");
	VF_OPTS(vf_subnet_opts, lan1, .name = "lan1");
	VF_OPTS(vf_subnet_opts, lan2, .name = "lan2");
	VF_OPTS(vf_port_opts, vm1, .name = "vm1");
	VF_OPTS(vf_port_opts, vm2, .name = "vm2");
	VF_OPTS(vf_port_opts, vm3, .name = "vm3");
	VF_OPTS(vf_port_opts, g1, .name = "g1");
	VF_OPTS(vf_secgroup_opts, web, .name = "web");
	VF_OPTS(vf_secgroup_opts, db, .name = "db");
	VF_OPTS(vf_policy_opts, admit, .name = "admit", .src_cell = 2);
	VF_OPTS(vf_rule, rule, .protocol = VF_PROTO_TCP, .port_min = 80,
		.port_max = 80);
	VF_OPTS(vf_router_opts, ro, .name = "gw");

	*state = w;
	if (!w)
		return -1;
	if (vf_fabric_create(&w->fabric, NULL) ||
	    vf_cell_create(&w->blue, w->fabric, &blue) ||
	    vf_cell_create(&w->green, w->fabric, &green) ||
	    vf_subnet_create(&w->lan1, w->blue, &lan1) ||
	    vf_subnet_create(&w->lan2, w->blue, &lan2) ||
	    vf_subnet_create(&w->glan, w->green, &lan1) ||
	    vf_router_create(&w->router, w->blue, &ro) ||
	    vf_router_attach(w->router, w->lan1, NULL) ||
	    vf_router_attach(w->router, w->lan2, NULL) ||
	    vf_port_create(&w->vm1, w->lan1, &vm1) ||
	    vf_port_create(&w->vm2, w->lan1, &vm2) ||
	    vf_port_create(&w->vm3, w->lan2, &vm3) ||
	    vf_port_create(&w->g1, w->glan, &g1) ||
	    vf_secgroup_create(&w->web, w->blue, &web) ||
	    vf_secgroup_create(&w->db, w->blue, &db) ||
	    vf_secgroup_add_rule(w->web, &rule) < 1 ||
	    vf_port_add_secgroup(w->vm1, w->web) ||
	    vf_port_add_secgroup(w->vm1, w->db) ||
	    vf_policy_create(&w->admit, w->blue, &admit)) {
		print_error("setup_world: \"%s\"\n", vf_last_error());
		return -1;
	}
	return 0;
}

/* Destroys whatever the test left, children first. */
static int teardown_world(void **state)
{
	struct world *w = *state;

	if (!w)
		return 0;
	vf_port_destroy(w->vm1);
	vf_port_destroy(w->vm2);
	vf_port_destroy(w->vm3);
	vf_port_destroy(w->g1);
	vf_policy_destroy(w->admit);
	vf_secgroup_destroy(w->web);
	vf_secgroup_destroy(w->db);
	vf_router_destroy(w->router);
	vf_subnet_destroy(w->lan1);
	vf_subnet_destroy(w->lan2);
	vf_subnet_destroy(w->glan);
	vf_cell_destroy(w->blue);
	vf_cell_destroy(w->green);
	vf_fabric_destroy(w->fabric);
	free(w);
	*state = NULL;
	return 0;
}

/* Every non-getter call on blue's removed objects returns -ENOENT and
 * changes nothing. */
static void check_blue_removed(struct world *w)
{
	VF_OPTS(vf_subnet_opts, so, .name = "late",
		.prefix = PFX(IP4(10, 99, 0, 0), 24));
	VF_OPTS(vf_port_opts, po, .name = "late");
	VF_OPTS(vf_rule, rule, .protocol = VF_PROTO_UDP);
	VF_OPTS(vf_policy_opts, lo, .src_cell = 2);
	vf_subnet *s = POISON(vf_subnet);
	vf_port *p = POISON(vf_port);
	vf_router *r = POISON(vf_router);
	vf_secgroup *g = POISON(vf_secgroup);
	vf_policy *l = POISON(vf_policy);
	vf_ipv4_prefix dest = PFX(IP4(192, 168, 0, 0), 16);
	const uint32_t dns[] = { IP4(8, 8, 8, 8) };

	/* Cell. */
	assert_rc(vf_cell_set_name(w->blue, "renamed"), -ENOENT);
	assert_error_set();
	assert_rc(vf_cell_set_owner(w->blue, "x"), -ENOENT);
	assert_rc(vf_cell_set_intra_cell(w->blue, VF_VERDICT_DENY), -ENOENT);
	assert_rc(vf_cell_set_inter_cell(w->blue, VF_VERDICT_ALLOW), -ENOENT);
	assert_rc(vf_subnet_create(&s, w->blue, &so), -ENOENT);
	assert_null(s);
	assert_rc(vf_router_create(&r, w->blue, NULL), -ENOENT);
	assert_null(r);
	assert_rc(vf_secgroup_create(&g, w->blue, NULL), -ENOENT);
	assert_null(g);
	assert_rc(vf_policy_create(&l, w->blue, &lo), -ENOENT);
	assert_null(l);

	/* Subnets. */
	assert_rc(vf_port_create(&p, w->lan1, &po), -ENOENT);
	assert_null(p);
	assert_rc(vf_subnet_set_mtu(w->lan1, 9000), -ENOENT);
	assert_rc(vf_subnet_set_lease_time(w->lan1, 600), -ENOENT);
	assert_rc(vf_subnet_set_dhcp_range(w->lan1, IP4(10, 1, 1, 10),
					   IP4(10, 1, 1, 20)),
		  -ENOENT);
	assert_rc(vf_subnet_set_dhcp(w->lan1, VF_DHCP_OFF), -ENOENT);
	assert_rc(vf_subnet_set_domain(w->lan1, "example.org"), -ENOENT);
	assert_rc(vf_subnet_set_dns(w->lan1, dns, 1), -ENOENT);

	/* Router. */
	assert_rc(vf_router_attach(w->router, w->lan1, NULL), -ENOENT);
	assert_rc(vf_router_add_route(w->router, &dest, IP4(10, 1, 1, 9)),
		  -ENOENT);
	assert_rc(vf_router_del_route(w->router, &dest), -ENOENT);
	assert_rc(vf_router_detach(w->router, w->lan2), -ENOENT);

	/* Ports. */
	assert_rc(vf_port_set_admin_up(w->vm1, false), -ENOENT);
	assert_rc(vf_port_set_qos(w->vm1, VF_DIR_EGRESS, 1000000, 0), -ENOENT);
	assert_rc(vf_port_add_secgroup(w->vm2, w->db), -ENOENT);
	assert_rc(vf_port_del_secgroup(w->vm1, w->web), -ENOENT);

	/* Security groups. */
	assert_rc(vf_secgroup_add_rule(w->db, &rule), -ENOENT);
	assert_rc(vf_secgroup_del_rule(w->web, 1), -ENOENT);
}

/* Getters on blue's removed objects still answer. */
static void check_blue_getters(struct world *w)
{
	VF_OPTS(vf_policy_opts, back);

	assert_int_equal(vf_cell_id(w->blue), 1);
	assert_string_equal(vf_cell_name(w->blue), "blue");
	assert_string_equal(vf_cell_owner(w->blue), "");
	assert_int_equal(vf_cell_vni(w->blue), 1);
	assert_int_equal(vf_cell_intra_cell(w->blue), VF_VERDICT_ALLOW);
	assert_string_equal(vf_subnet_name(w->lan1), "lan1");
	assert_int_equal(vf_subnet_id(w->lan2), 2);
	assert_prefix_equal(vf_subnet_prefix(w->lan2), PFX(IP4(10, 1, 2, 0), 24));
	assert_ip_equal(vf_subnet_gateway(w->lan1), IP4(10, 1, 1, 1));
	assert_int_equal(vf_subnet_mtu(w->lan1), 1500);
	assert_ptr_equal(vf_subnet_cell(w->lan1), w->blue);
	assert_string_equal(vf_router_name(w->router), "gw");
	assert_ptr_equal(vf_router_cell(w->router), w->blue);
	assert_string_equal(vf_port_name(w->vm1), "vm1");
	assert_ip_equal(vf_port_vip(w->vm2), IP4(10, 1, 1, 3));
	assert_mac_equal(vf_port_vmac(w->vm2), MAC(2, 1, 10, 1, 1, 3));
	assert_true(vf_port_admin_up(w->vm1));
	assert_ptr_equal(vf_port_subnet(w->vm3), w->lan2);
	assert_ptr_equal(vf_port_cell(w->vm3), w->blue);
	assert_string_equal(vf_secgroup_name(w->web), "web");
	assert_int_equal(vf_secgroup_id(w->db), 2);
	assert_ptr_equal(vf_secgroup_cell(w->db), w->blue);
	assert_string_equal(vf_policy_name(w->admit), "admit");
	assert_ptr_equal(vf_policy_cell(w->admit), w->blue);
	assert_rc(vf_policy_get(w->admit, &back), 0);
	assert_int_equal(back.src_cell, 2);
}

static void test_core_lifetime_fabric_first(void **state)
{
	struct world *w = *state;

	vf_fabric_destroy(w->fabric);
	w->fabric = NULL;
	check_blue_removed(w);
	check_blue_getters(w);
	assert_rc(vf_port_set_admin_up(w->g1, false), -ENOENT);
	assert_string_equal(vf_port_name(w->g1), "g1");

	/* Then cells, subnets, ports, the rest. */
	vf_cell_destroy(w->blue);
	vf_cell_destroy(w->green);
	w->blue = w->green = NULL;
	assert_string_equal(vf_subnet_name(w->lan2), "lan2");
	assert_string_equal(vf_port_name(w->vm3), "vm3");
	vf_subnet_destroy(w->lan1);
	vf_subnet_destroy(w->lan2);
	vf_subnet_destroy(w->glan);
	w->lan1 = w->lan2 = w->glan = NULL;
	assert_ip_equal(vf_port_vip(w->vm1), IP4(10, 1, 1, 2));
	assert_rc(vf_port_set_admin_up(w->vm1, true), -ENOENT);
	vf_port_destroy(w->vm1);
	vf_port_destroy(w->vm2);
	vf_port_destroy(w->vm3);
	vf_port_destroy(w->g1);
	w->vm1 = w->vm2 = w->vm3 = w->g1 = NULL;
	vf_router_destroy(w->router);
	vf_secgroup_destroy(w->web);
	vf_secgroup_destroy(w->db);
	vf_policy_destroy(w->admit);
	w->router = NULL;
	w->web = w->db = NULL;
	w->admit = NULL;
}

static void test_core_lifetime_cell_first(void **state)
{
	struct world *w = *state;
	vf_cell *again;
	vf_subnet *s;
	vf_port *p;

	vf_cell_destroy(w->blue);
	check_blue_removed(w);
	check_blue_getters(w);
	w->blue = NULL;

	/* Gone from the fabric's look-ups and counts. */
	assert_int_equal(vf_fabric_cell_count(w->fabric), 1);
	assert_null(vf_fabric_cell_by_id(w->fabric, 1));
	assert_null(vf_fabric_cell_by_name(w->fabric, "blue"));
	assert_ptr_equal(vf_fabric_next_cell(w->fabric, NULL), w->green);
	assert_null(vf_fabric_next_cell(w->fabric, w->green));
	assert_int_equal(vf_fabric_port_count(w->fabric), 1);
	assert_null(vf_fabric_port_by_name(w->fabric, "vm1"));
	assert_null(vf_fabric_port_by_name(w->fabric, "vm3"));
	assert_ptr_equal(vf_fabric_port_by_name(w->fabric, "g1"), w->g1);

	/* The green cell is untouched. */
	assert_rc(vf_port_set_admin_up(w->g1, false), 0);

	/* Its id, name, prefixes, port names and VIPs are free again. */
	again = VT_CELL(w->fabric, 1, "blue");
	s = VT_SUBNET(again, NULL, "lan1");
	p = VT_PORT(s, "vm1", IP4(10, 1, 1, 2));
	assert_ptr_equal(vf_fabric_port_by_name(w->fabric, "vm1"), p);
	assert_ptr_equal(vf_cell_port_by_vip(again, IP4(10, 1, 1, 2)), p);

	/* Old handles stay removed. */
	assert_rc(vf_port_set_admin_up(w->vm1, false), -ENOENT);
	assert_true(vf_port_admin_up(p));

	vf_port_destroy(p);
	vf_subnet_destroy(s);
	vf_cell_destroy(again);
}

static void test_core_lifetime_subnet_removal(void **state)
{
	struct world *w = *state;
	vf_subnet *old = w->lan1, *s;
	vf_port *p1, *p2;
	vf_mac m;

	/* The caller gives up its lan1 handle; vm1 and vm2 still hold
	 * theirs. */
	vf_subnet_destroy(old);
	w->lan1 = NULL;

	/* Its ports left every look-up and count. */
	assert_int_equal(vf_cell_subnet_count(w->blue), 1);
	assert_null(vf_cell_subnet_by_name(w->blue, "lan1"));
	assert_null(vf_cell_subnet_by_id(w->blue, 1));
	assert_ptr_equal(vf_cell_next_subnet(w->blue, NULL), w->lan2);
	assert_null(vf_fabric_port_by_name(w->fabric, "vm1"));
	assert_null(vf_fabric_port_by_name(w->fabric, "vm2"));
	assert_null(vf_cell_port_by_vip(w->blue, IP4(10, 1, 1, 2)));
	assert_null(vf_cell_port_by_vip(w->blue, IP4(10, 1, 1, 3)));
	assert_int_equal(vf_cell_port_count(w->blue), 1);
	assert_int_equal(vf_fabric_port_count(w->fabric), 2);
	assert_ptr_equal(vf_fabric_port_by_name(w->fabric, "vm3"), w->vm3);

	/* ... and the router's interface on it went too. */
	assert_int_equal(vf_router_iface_count(w->router), 1);
	assert_ptr_equal(vf_router_next_subnet(w->router, NULL), w->lan2);
	assert_null(vf_router_next_subnet(w->router, w->lan2));

	/* The removed ports answer getters, refuse the rest. */
	assert_string_equal(vf_port_name(w->vm1), "vm1");
	assert_ip_equal(vf_port_vip(w->vm2), IP4(10, 1, 1, 3));
	assert_ptr_equal(vf_port_subnet(w->vm1), old);
	assert_ptr_equal(vf_port_cell(w->vm1), w->blue);
	assert_rc(vf_port_set_admin_up(w->vm1, false), -ENOENT);
	assert_rc(vf_port_add_secgroup(w->vm2, w->web), -ENOENT);
	assert_rc(vf_port_del_secgroup(w->vm1, w->web), -ENOENT);

	/* The same prefix, names and VIPs can be used again; the router can
	 * join the new subnet at the same gateway and RVMAC. */
	s = VT_SUBNET(w->blue, NULL, "lan1");
	p1 = VT_PORT(s, "vm1", IP4(10, 1, 1, 2));
	p2 = VT_PORT(s, "vm2", IP4(10, 1, 1, 3));
	assert_rc(vf_router_attach(w->router, s, NULL), 0);
	assert_rc(vf_router_iface_mac(w->router, s, &m), 0);
	assert_mac_equal(m, MAC(6, 1, 10, 1, 1, 1));
	assert_mac_equal(vf_port_vmac(p1), MAC(2, 1, 10, 1, 1, 2));

	vf_port_destroy(p2);
	vf_port_destroy(p1);
	vf_subnet_destroy(s);
	/* The old port handles are still destroyable after all that. */
	vf_port_destroy(w->vm1);
	vf_port_destroy(w->vm2);
	w->vm1 = w->vm2 = NULL;
}

static void test_core_lifetime_secgroup_removal(void **state)
{
	struct world *w = *state;
	VF_OPTS(vf_rule, rule, .protocol = VF_PROTO_ICMP);

	assert_int_equal(vf_port_secgroup_count(w->vm1), 2);
	vf_secgroup_destroy(w->web);
	w->web = NULL;
	assert_int_equal(vf_port_secgroup_count(w->vm1), 1);
	assert_ptr_equal(vf_port_secgroup_at(w->vm1, 0), w->db);
	assert_null(vf_port_secgroup_at(w->vm1, 1));
	assert_int_equal(vf_cell_secgroup_count(w->blue), 1);
	assert_null(vf_cell_secgroup_by_name(w->blue, "web"));

	/* Removing the port's last group as well leaves it with none. */
	vf_secgroup_destroy(w->db);
	w->db = NULL;
	assert_int_equal(vf_port_secgroup_count(w->vm1), 0);
	assert_null(vf_port_secgroup_at(w->vm1, 0));

	/* A group removed with its cell: -ENOENT, getters work. */
	{
		VF_OPTS(vf_secgroup_opts, go, .name = "later");
		vf_secgroup *g = NULL;

		assert_rc(vf_secgroup_create(&g, w->blue, &go), 0);
		assert_rc(vf_port_add_secgroup(w->vm2, g), 0);
		vf_cell_destroy(w->blue);
		w->blue = NULL;
		assert_string_equal(vf_secgroup_name(g), "later");
		assert_rc(vf_secgroup_add_rule(g, &rule), -ENOENT);
		vf_secgroup_destroy(g);
	}
}

static void test_core_lifetime_router_removal(void **state)
{
	struct world *w = *state;

	vf_router_destroy(w->router);
	w->router = NULL;
	assert_null(vf_cell_router(w->blue));
	assert_null(vf_subnet_router(w->lan1));
	assert_null(vf_subnet_router(w->lan2));
	/* A new router can be made and attached. */
	assert_rc(vf_router_create(&w->router, w->blue, NULL), 0);
	assert_rc(vf_router_attach(w->router, w->lan1, NULL), 0);
}

static void test_core_lifetime_policy_removed_with_cell(void **state)
{
	struct world *w = *state;
	VF_OPTS(vf_policy_opts, back);

	vf_cell_destroy(w->blue);
	w->blue = NULL;
	assert_string_equal(vf_policy_name(w->admit), "admit");
	assert_rc(vf_policy_get(w->admit, &back), 0);
	assert_string_equal(back.name, "admit");
	vf_policy_destroy(w->admit);
	w->admit = NULL;
}

static void test_core_lifetime_destroy_null_every_type(void **state)
{
	(void)state;
	vf_fabric_destroy(NULL);
	vf_cell_destroy(NULL);
	vf_subnet_destroy(NULL);
	vf_router_destroy(NULL);
	vf_port_destroy(NULL);
	vf_secgroup_destroy(NULL);
	vf_policy_destroy(NULL);
}

/* Destroys the 14 handles of a world in the order given by @perm. */
static void destroy_in_order(struct world *w, const int *perm)
{
	int i;

	for (i = 0; i < 14; i++) {
		switch (perm[i]) {
		case 0: vf_fabric_destroy(w->fabric); w->fabric = NULL; break;
		case 1: vf_cell_destroy(w->blue); w->blue = NULL; break;
		case 2: vf_cell_destroy(w->green); w->green = NULL; break;
		case 3: vf_subnet_destroy(w->lan1); w->lan1 = NULL; break;
		case 4: vf_subnet_destroy(w->lan2); w->lan2 = NULL; break;
		case 5: vf_subnet_destroy(w->glan); w->glan = NULL; break;
		case 6: vf_router_destroy(w->router); w->router = NULL; break;
		case 7: vf_port_destroy(w->vm1); w->vm1 = NULL; break;
		case 8: vf_port_destroy(w->vm2); w->vm2 = NULL; break;
		case 9: vf_port_destroy(w->vm3); w->vm3 = NULL; break;
		case 10: vf_port_destroy(w->g1); w->g1 = NULL; break;
		case 11: vf_secgroup_destroy(w->web); w->web = NULL; break;
		case 12: vf_secgroup_destroy(w->db); w->db = NULL; break;
		default: vf_policy_destroy(w->admit); w->admit = NULL; break;
		}
		/* What is left still answers getters. */
		if (w->vm3)
			assert_string_equal(vf_port_name(w->vm3), "vm3");
		if (w->lan2)
			assert_string_equal(vf_subnet_name(w->lan2), "lan2");
		if (w->blue)
			assert_string_equal(vf_cell_name(w->blue), "blue");
		if (w->db)
			assert_string_equal(vf_secgroup_name(w->db), "db");
	}
}

static void test_core_lifetime_any_order(void **state)
{
	uint32_t seed = 12345;
	int round;

	teardown_world(state);
	for (round = 0; round < 200; round++) {
		int perm[14], i;

		assert_int_equal(setup_world(state), 0);
		for (i = 0; i < 14; i++)
			perm[i] = i;
		if (round == 1) {
			for (i = 0; i < 14; i++) /* fabric last */
				perm[i] = 13 - i;
		} else if (round > 1) {
			for (i = 13; i > 0; i--) {
				int j, t;

				seed = seed * 1103515245u + 12345u;
				j = (int)((seed >> 8) % (uint32_t)(i + 1));
				t = perm[i];
				perm[i] = perm[j];
				perm[j] = t;
			}
		}
		destroy_in_order(*state, perm);
		teardown_world(state);
	}
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_world, teardown_world)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_core_lifetime_fabric_first),
		T(test_core_lifetime_cell_first),
		T(test_core_lifetime_subnet_removal),
		T(test_core_lifetime_secgroup_removal),
		T(test_core_lifetime_router_removal),
		T(test_core_lifetime_policy_removed_with_cell),
		cmocka_unit_test(test_core_lifetime_destroy_null_every_type),
		T(test_core_lifetime_any_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
