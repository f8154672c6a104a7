/* Ports (port.h): names, VIPs, VMACs, admin state, QoS, security groups.
 * The fixture is cell 1 "blue" with subnet "lan1", 10.1.1.0/24 (gateway
 * .1, DHCP .2-.254). */
#include "unit.h"

static char sentinel;
#define POISON(T) ((T *)(void *)&sentinel)

static void test_core_port_name_required(void **state)
{
	struct vt_fx *fx = *state;
	char too_long[VF_NAME_MAX + 2];
	const char *bad[] = { "", "vm 1", "vm/1", too_long, "eth0\n" };
	VF_OPTS(vf_port_opts, opts);
	vf_port *p = POISON(vf_port);
	size_t i;

	memset(too_long, 'p', VF_NAME_MAX + 1);
	too_long[VF_NAME_MAX + 1] = 0;
	assert_rc(vf_port_create(&p, fx->subnet[0], &opts), -EINVAL);
	assert_null(p);
	assert_error_set();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc;

		opts.name = bad[i];
		p = POISON(vf_port);
		rc = vf_port_create(&p, fx->subnet[0], &opts);
		if (rc != -EINVAL)
			fail_msg("port name \"%s\": %d (%s), expected -EINVAL",
				 bad[i], rc, vt_errname(rc));
		assert_null(p);
	}
	opts.name = "vm/1";
	assert_rc(vf_port_create(&p, fx->subnet[0], &opts), -EINVAL);
	assert_error_has("vm/1");
	assert_int_equal(vf_subnet_port_count(fx->subnet[0]), 0);
	assert_int_equal(vf_fabric_port_count(fx->fabric), 0);
	/* Nothing was allocated: the first port still gets .2 and id 1. */
	fx->port[0] = VT_PORT(fx->subnet[0], "tap-1.0:a_b", 0);
	assert_ip_equal(vf_port_vip(fx->port[0]), IP4(10, 1, 1, 2));
	assert_int_equal(vf_port_id(fx->port[0]), 1);
}

static void test_core_port_defaults_and_getters(void **state)
{
	struct vt_fx *fx = *state;
	vf_port *p;
	uint64_t rate = 1;
	uint32_t burst = 1;

	fx->port[0] = p = VT_PORT(fx->subnet[0], "vm1-eth0", 0);
	assert_string_equal(vf_port_name(p), "vm1-eth0");
	assert_int_equal(vf_port_id(p), 1);
	assert_ptr_equal(vf_port_subnet(p), fx->subnet[0]);
	assert_ptr_equal(vf_port_cell(p), fx->cell[0]);
	assert_ip_equal(vf_port_vip(p), IP4(10, 1, 1, 2));
	assert_mac_equal(vf_port_vmac(p), MAC(0x02, 0x01, 10, 1, 1, 2));
	assert_true(vf_port_admin_up(p));
	assert_int_equal(vf_port_secgroup_count(p), 0);
	assert_null(vf_port_secgroup_at(p, 0));
	assert_rc(vf_port_qos(p, VF_DIR_INGRESS, &rate, &burst), 0);
	assert_true(rate == 0);
	assert_int_equal(burst, 0);
	assert_null(vf_port_user_data(p));

	assert_ptr_equal(vf_fabric_port_by_name(fx->fabric, "vm1-eth0"), p);
	assert_ptr_equal(vf_cell_port_by_vip(fx->cell[0], IP4(10, 1, 1, 2)), p);
	assert_ptr_equal(vf_subnet_port_by_id(fx->subnet[0], 1), p);
	assert_ptr_equal(vf_subnet_next_port(fx->subnet[0], NULL), p);
	assert_null(vf_subnet_next_port(fx->subnet[0], p));
	assert_int_equal(vf_subnet_port_count(fx->subnet[0]), 1);
	assert_int_equal(vf_cell_port_count(fx->cell[0]), 1);
	assert_int_equal(vf_fabric_port_count(fx->fabric), 1);
}

static void test_core_port_duplicate_name_refused(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_port_opts, opts, .name = "vm1", .vip = IP4(10, 1, 1, 50));
	vf_port *p = POISON(vf_port);

	fx->port[0] = VT_PORT(fx->subnet[0], "vm1", 0);
	assert_rc(vf_port_create(&p, fx->subnet[0], &opts), -EEXIST);
	assert_null(p);
	assert_error_has("vm1");
	assert_int_equal(vf_subnet_port_count(fx->subnet[0]), 1);
	assert_null(vf_cell_port_by_vip(fx->cell[0], IP4(10, 1, 1, 50)));

	/* Port names are fabric-wide: another subnet, another cell. */
	fx->subnet[1] = VT_SUBNET(fx->cell[0], NULL, "lan2");
	p = POISON(vf_port);
	opts.vip = 0;
	assert_rc(vf_port_create(&p, fx->subnet[1], &opts), -EEXIST);
	assert_null(p);
	fx->cell[1] = VT_CELL(fx->fabric, 2, "green");
	fx->subnet[2] = VT_SUBNET(fx->cell[1], NULL, "lan1");
	p = POISON(vf_port);
	assert_rc(vf_port_create(&p, fx->subnet[2], &opts), -EEXIST);
	assert_null(p);
	assert_error_has("vm1");
	assert_int_equal(vf_fabric_port_count(fx->fabric), 1);
	assert_int_equal(vf_cell_port_count(fx->cell[1]), 0);

	/* The VIP the refused call asked for is still free. */
	opts.name = "vm2";
	opts.vip = IP4(10, 1, 1, 50);
	assert_rc(vf_port_create(&fx->port[1], fx->subnet[0], &opts), 0);
}

static void test_core_port_vip_auto_lowest_free(void **state)
{
	struct vt_fx *fx = *state;

	fx->port[0] = VT_PORT(fx->subnet[0], "p0", 0);
	fx->port[1] = VT_PORT(fx->subnet[0], "p1", 0);
	fx->port[2] = VT_PORT(fx->subnet[0], "p2", IP4(10, 1, 1, 5));
	fx->port[3] = VT_PORT(fx->subnet[0], "p3", 0);
	assert_ip_equal(vf_port_vip(fx->port[0]), IP4(10, 1, 1, 2));
	assert_ip_equal(vf_port_vip(fx->port[1]), IP4(10, 1, 1, 3));
	assert_ip_equal(vf_port_vip(fx->port[3]), IP4(10, 1, 1, 4));
	fx->port[4] = VT_PORT(fx->subnet[0], "p4", 0);
	assert_ip_equal(vf_port_vip(fx->port[4]), IP4(10, 1, 1, 6));
	vf_port_destroy(fx->port[0]);
	fx->port[0] = NULL;
	fx->port[5] = VT_PORT(fx->subnet[0], "p5", 0);
	assert_ip_equal(vf_port_vip(fx->port[5]), IP4(10, 1, 1, 2));
}

static void test_core_port_vip_auto_uses_dhcp_range(void **state)
{
	struct vt_fx *fx = *state;

	assert_rc(vf_subnet_set_dhcp_range(fx->subnet[0], IP4(10, 1, 1, 100),
					   IP4(10, 1, 1, 101)),
		  0);
	fx->port[0] = VT_PORT(fx->subnet[0], "p0", 0);
	assert_ip_equal(vf_port_vip(fx->port[0]), IP4(10, 1, 1, 100));
	/* A static VIP outside the DHCP range is fine. */
	fx->port[1] = VT_PORT(fx->subnet[0], "p1", IP4(10, 1, 1, 20));
	fx->port[2] = VT_PORT(fx->subnet[0], "p2", 0);
	assert_ip_equal(vf_port_vip(fx->port[2]), IP4(10, 1, 1, 101));
	{
		VF_OPTS(vf_port_opts, opts, .name = "p3");
		vf_port *p = POISON(vf_port);

		/* The range is used up. */
		assert_rc(vf_port_create(&p, fx->subnet[0], &opts), -ENOSPC);
		assert_null(p);
		assert_error_set();
		assert_int_equal(vf_subnet_port_count(fx->subnet[0]), 3);
	}
}

static void test_core_port_vip_bad_refused(void **state)
{
	struct vt_fx *fx = *state;
	static const struct {
		uint32_t vip;
		const char *text;
	} bad[] = {
		{ IP4(10, 1, 2, 5), "10.1.2.5" },     /* other prefix */
		{ IP4(192, 168, 0, 9), "192.168.0.9" },
		{ IP4(10, 1, 1, 0), "10.1.1.0" },     /* network */
		{ IP4(10, 1, 1, 255), "10.1.1.255" }, /* broadcast */
		{ IP4(10, 1, 1, 1), "10.1.1.1" },     /* gateway */
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		VF_OPTS(vf_port_opts, opts, .name = "vm", .vip = bad[i].vip);
		vf_port *p = POISON(vf_port);
		int rc = vf_port_create(&p, fx->subnet[0], &opts);

		if (rc != -EINVAL)
			fail_msg("VIP %s: %d (%s), expected -EINVAL; \"%s\"",
				 bad[i].text, rc, vt_errname(rc),
				 vf_last_error());
		assert_null(p);
		assert_error_has(bad[i].text);
	}
	assert_int_equal(vf_subnet_port_count(fx->subnet[0]), 0);
	assert_null(vf_fabric_port_by_name(fx->fabric, "vm"));
	fx->port[0] = VT_PORT(fx->subnet[0], "vm", IP4(10, 1, 1, 254));
}

static void test_core_port_vip_duplicate_refused(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_port_opts, opts, .name = "second", .vip = IP4(10, 1, 1, 7));
	vf_port *p = POISON(vf_port);

	fx->port[0] = VT_PORT(fx->subnet[0], "first", IP4(10, 1, 1, 7));
	assert_rc(vf_port_create(&p, fx->subnet[0], &opts), -EADDRINUSE);
	assert_null(p);
	assert_error_has("10.1.1.7");
	assert_int_equal(vf_subnet_port_count(fx->subnet[0]), 1);
	assert_ptr_equal(vf_cell_port_by_vip(fx->cell[0], IP4(10, 1, 1, 7)),
			 fx->port[0]);
	assert_null(vf_fabric_port_by_name(fx->fabric, "second"));
	/* The name is free; after the first port goes, so is the VIP. */
	vf_port_destroy(fx->port[0]);
	fx->port[0] = NULL;
	assert_null(vf_cell_port_by_vip(fx->cell[0], IP4(10, 1, 1, 7)));
	assert_rc(vf_port_create(&fx->port[1], fx->subnet[0], &opts), 0);
	assert_ptr_equal(vf_cell_port_by_vip(fx->cell[0], IP4(10, 1, 1, 7)),
			 fx->port[1]);
}

static void test_core_port_vip_same_in_two_vxlan_cells(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_subnet_opts, so, .prefix = PFX(IP4(10, 50, 0, 0), 24));

	fx->cell[0] = VT_CELL(fx->fabric, 1, "blue");
	fx->cell[1] = VT_CELL(fx->fabric, 2, "green");
	assert_rc(vf_subnet_create(&fx->subnet[0], fx->cell[0], &so), 0);
	assert_rc(vf_subnet_create(&fx->subnet[1], fx->cell[1], &so), 0);
	fx->port[0] = VT_PORT(fx->subnet[0], "b1", IP4(10, 50, 0, 9));
	fx->port[1] = VT_PORT(fx->subnet[1], "g1", IP4(10, 50, 0, 9));
	assert_ptr_equal(vf_cell_port_by_vip(fx->cell[0], IP4(10, 50, 0, 9)),
			 fx->port[0]);
	assert_ptr_equal(vf_cell_port_by_vip(fx->cell[1], IP4(10, 50, 0, 9)),
			 fx->port[1]);
	/* Derived VMACs differ by the cell byte. */
	assert_mac_equal(vf_port_vmac(fx->port[0]), MAC(2, 1, 10, 50, 0, 9));
	assert_mac_equal(vf_port_vmac(fx->port[1]), MAC(2, 2, 10, 50, 0, 9));
}

static void test_core_port_vmac_derived(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_subnet_opts, so, .prefix = PFX(IP4(172, 16, 0, 0), 24));

	fx->port[0] = VT_PORT(fx->subnet[0], "a", IP4(10, 1, 1, 200));
	assert_mac_equal(vf_port_vmac(fx->port[0]),
			 MAC(0x02, 0x01, 0x0a, 0x01, 0x01, 0xc8));
	/* Only the cell id's low byte goes in. */
	fx->cell[1] = VT_CELL(fx->fabric, 0x1234, "wide");
	assert_rc(vf_subnet_create(&fx->subnet[1], fx->cell[1], &so), 0);
	fx->port[1] = VT_PORT(fx->subnet[1], "b", 0);
	assert_ip_equal(vf_port_vip(fx->port[1]), IP4(172, 16, 0, 2));
	assert_mac_equal(vf_port_vmac(fx->port[1]),
			 MAC(0x02, 0x34, 0xac, 0x10, 0x00, 0x02));
}

static void test_core_port_vmac_explicit_and_duplicate(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_port_opts, opts, .name = "a",
		.vmac = MAC(0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee));
	vf_port *p = POISON(vf_port);

	assert_rc(vf_port_create(&fx->port[0], fx->subnet[0], &opts), 0);
	assert_mac_equal(vf_port_vmac(fx->port[0]),
			 MAC(0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee));

	opts.name = "b";
	assert_rc(vf_port_create(&p, fx->subnet[0], &opts), -EADDRINUSE);
	assert_null(p);
	assert_error_has("02:aa:bb:cc:dd:ee");
	assert_int_equal(vf_subnet_port_count(fx->subnet[0]), 1);

	/* Another port's derived VMAC is taken too (a's VIP is .2). */
	fx->port[1] = VT_PORT(fx->subnet[0], "c", 0); /* .3, 02:01:0a:01:01:03 */
	opts.vmac = MAC(0x02, 0x01, 10, 1, 1, 3);
	p = POISON(vf_port);
	assert_rc(vf_port_create(&p, fx->subnet[0], &opts), -EADDRINUSE);
	assert_null(p);
	assert_error_has("02:01:0a:01:01:03");

	/* VMACs are unique per cell: another cell may reuse one. */
	fx->cell[1] = VT_CELL(fx->fabric, 2, "green");
	fx->subnet[1] = VT_SUBNET(fx->cell[1], NULL, "lan");
	opts.vmac = MAC(0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee);
	assert_rc(vf_port_create(&fx->port[2], fx->subnet[1], &opts), 0);

	/* The name "b" and VIP .4 were not taken by the refusals. */
	fx->port[3] = VT_PORT(fx->subnet[0], "d", 0);
	assert_ip_equal(vf_port_vip(fx->port[3]), IP4(10, 1, 1, 4));
}

static void test_core_port_derived_vmac_clash_refused(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_port_opts, opts, .name = "squatter", .vip = IP4(10, 1, 1, 9),
		.vmac = MAC(0x02, 0x01, 10, 1, 1, 2));
	vf_port *p = POISON(vf_port);

	/* A static VMAC equal to what .2 derives ... */
	assert_rc(vf_port_create(&fx->port[0], fx->subnet[0], &opts), 0);
	/* ... makes the next automatic port (VIP .2) clash. */
	opts.name = "auto";
	opts.vip = 0;
	memset(&opts.vmac, 0, sizeof(opts.vmac));
	assert_rc(vf_port_create(&p, fx->subnet[0], &opts), -EADDRINUSE);
	assert_null(p);
	assert_error_has("02:01:0a:01:01:02");
	assert_int_equal(vf_subnet_port_count(fx->subnet[0]), 1);
}

static void test_core_port_vmac_multicast_refused(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_port_opts, opts, .name = "m",
		.vmac = MAC(0x03, 0x00, 0x00, 0x00, 0x00, 0x01));
	vf_port *p = POISON(vf_port);

	assert_rc(vf_port_create(&p, fx->subnet[0], &opts), -EINVAL);
	assert_null(p);
	assert_error_has("03:00:00:00:00:01");
	opts.vmac = MAC(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
	assert_rc(vf_port_create(&p, fx->subnet[0], &opts), -EINVAL);
	assert_error_has("ff:ff:ff:ff:ff:ff");
	assert_int_equal(vf_subnet_port_count(fx->subnet[0]), 0);
	fx->port[0] = VT_PORT(fx->subnet[0], "m", 0);
}

static void test_core_port_vmac_equal_to_rvmac_refused(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_port_opts, opts, .name = "r",
		.vmac = MAC(0x06, 0x01, 10, 1, 1, 1));
	vf_port *p = POISON(vf_port);

	assert_rc(vf_router_create(&fx->router[0], fx->cell[0], NULL), 0);
	assert_rc(vf_router_attach(fx->router[0], fx->subnet[0], NULL), 0);
	assert_rc(vf_port_create(&p, fx->subnet[0], &opts), -EADDRINUSE);
	assert_null(p);
	assert_error_has("06:01:0a:01:01:01");
}

static void test_core_port_admin_state(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_port_opts, opts, .name = "down",
		.flags = VF_PORT_F_ADMIN_DOWN);
	vf_port *p = POISON(vf_port);

	assert_rc(vf_port_create(&fx->port[0], fx->subnet[0], &opts), 0);
	assert_false(vf_port_admin_up(fx->port[0]));
	assert_rc(vf_port_set_admin_up(fx->port[0], true), 0);
	assert_true(vf_port_admin_up(fx->port[0]));
	assert_rc(vf_port_set_admin_up(fx->port[0], true), 0);
	assert_true(vf_port_admin_up(fx->port[0]));
	assert_rc(vf_port_set_admin_up(fx->port[0], false), 0);
	assert_false(vf_port_admin_up(fx->port[0]));

	/* Unknown flags are refused, and take nothing. */
	opts.name = "flagged";
	opts.flags = 1u << 31;
	assert_rc(vf_port_create(&p, fx->subnet[0], &opts), -EINVAL);
	assert_null(p);
	assert_error_set();
	opts.flags = VF_PORT_F_ADMIN_DOWN | (1u << 5);
	assert_rc(vf_port_create(&p, fx->subnet[0], &opts), -EINVAL);
	assert_null(p);
	assert_int_equal(vf_subnet_port_count(fx->subnet[0]), 1);
	opts.flags = 0;
	assert_rc(vf_port_create(&fx->port[1], fx->subnet[0], &opts), 0);
	assert_true(vf_port_admin_up(fx->port[1]));
	assert_ip_equal(vf_port_vip(fx->port[1]), IP4(10, 1, 1, 3));
}

static void test_core_port_qos(void **state)
{
	struct vt_fx *fx = *state;
	vf_port *p;
	uint64_t rate;
	uint32_t burst;

	fx->port[0] = p = VT_PORT(fx->subnet[0], "q", 0);
	assert_rc(vf_port_set_qos(p, VF_DIR_INGRESS, 100000000, 0), 0);
	assert_rc(vf_port_qos(p, VF_DIR_INGRESS, &rate, &burst), 0);
	assert_true(rate == 100000000);
	assert_int_equal(burst, 1250000); /* rate / 80 */
	/* The other direction is untouched. */
	assert_rc(vf_port_qos(p, VF_DIR_EGRESS, &rate, &burst), 0);
	assert_true(rate == 0);
	assert_int_equal(burst, 0);

	/* A small rate gets the 1500-byte minimum burst. */
	assert_rc(vf_port_set_qos(p, VF_DIR_EGRESS, 64000, 0), 0);
	assert_rc(vf_port_qos(p, VF_DIR_EGRESS, &rate, &burst), 0);
	assert_true(rate == 64000);
	assert_int_equal(burst, 1500);

	assert_rc(vf_port_set_qos(p, VF_DIR_EGRESS, 1000000000ULL, 9000), 0);
	assert_rc(vf_port_qos(p, VF_DIR_EGRESS, &rate, &burst), 0);
	assert_true(rate == 1000000000ULL);
	assert_int_equal(burst, 9000);
	assert_rc(vf_port_set_qos(p, VF_DIR_EGRESS, 1000000, 1500), 0);

	/* Bad bursts and directions change nothing. */
	assert_rc(vf_port_set_qos(p, VF_DIR_EGRESS, 5000000, 1499), -EINVAL);
	assert_error_has("1499");
	assert_rc(vf_port_set_qos(p, (vf_direction)2, 5000000, 0), -EINVAL);
	assert_error_set();
	assert_rc(vf_port_qos(p, VF_DIR_EGRESS, &rate, &burst), 0);
	assert_true(rate == 1000000);
	assert_int_equal(burst, 1500);

	/* Rate 0 removes the limit. */
	assert_rc(vf_port_set_qos(p, VF_DIR_INGRESS, 0, 0), 0);
	assert_rc(vf_port_qos(p, VF_DIR_INGRESS, &rate, &burst), 0);
	assert_true(rate == 0);
	assert_int_equal(burst, 0);

	/* rate / 80 past what a uint32_t holds saturates, never wraps. */
	assert_rc(vf_port_set_qos(p, VF_DIR_INGRESS, 1000000000000ULL, 0), 0);
	assert_rc(vf_port_qos(p, VF_DIR_INGRESS, &rate, &burst), 0);
	assert_true(rate == 1000000000000ULL);
	assert_true(burst == UINT32_MAX);

	assert_rc(vf_port_qos(p, (vf_direction)5, &rate, &burst), -EINVAL);
	assert_rc(vf_port_qos(p, VF_DIR_INGRESS, NULL, &burst), -EINVAL);
	assert_rc(vf_port_qos(p, VF_DIR_INGRESS, &rate, NULL), -EINVAL);
}

static void test_core_port_secgroups(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_secgroup_opts, go);
	vf_port *p;

	fx->port[0] = p = VT_PORT(fx->subnet[0], "sg", 0);
	go.name = "web";
	assert_rc(vf_secgroup_create(&fx->sg[0], fx->cell[0], &go), 0);
	go.name = "ssh";
	assert_rc(vf_secgroup_create(&fx->sg[1], fx->cell[0], &go), 0);

	assert_rc(vf_port_add_secgroup(p, fx->sg[0]), 0);
	assert_rc(vf_port_add_secgroup(p, fx->sg[1]), 0);
	assert_int_equal(vf_port_secgroup_count(p), 2);
	assert_ptr_equal(vf_port_secgroup_at(p, 0), fx->sg[0]);
	assert_ptr_equal(vf_port_secgroup_at(p, 1), fx->sg[1]);
	assert_null(vf_port_secgroup_at(p, 2));

	assert_rc(vf_port_add_secgroup(p, fx->sg[0]), -EEXIST);
	assert_error_has("web");
	assert_int_equal(vf_port_secgroup_count(p), 2);

	assert_rc(vf_port_del_secgroup(p, fx->sg[0]), 0);
	assert_int_equal(vf_port_secgroup_count(p), 1);
	assert_ptr_equal(vf_port_secgroup_at(p, 0), fx->sg[1]);
	assert_rc(vf_port_del_secgroup(p, fx->sg[0]), -ENOENT);
	assert_error_has("web");
	/* Re-applied, it goes last. */
	assert_rc(vf_port_add_secgroup(p, fx->sg[0]), 0);
	assert_ptr_equal(vf_port_secgroup_at(p, 1), fx->sg[0]);
}

static void test_core_port_secgroup_of_other_cell_refused(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_secgroup_opts, go, .name = "foreign");

	fx->port[0] = VT_PORT(fx->subnet[0], "p", 0);
	fx->cell[1] = VT_CELL(fx->fabric, 2, "green");
	assert_rc(vf_secgroup_create(&fx->sg[0], fx->cell[1], &go), 0);
	assert_rc(vf_port_add_secgroup(fx->port[0], fx->sg[0]), -EINVAL);
	assert_error_has("foreign");
	assert_int_equal(vf_port_secgroup_count(fx->port[0]), 0);
	assert_rc(vf_port_add_secgroup(fx->port[0], NULL), -EINVAL);
}

static void test_core_port_secgroup_limit(void **state)
{
	struct vt_fx *fx = *state;
	int i;

	fx->port[0] = VT_PORT(fx->subnet[0], "p", 0);
	for (i = 0; i <= VF_PORT_SECGROUPS_MAX; i++)
		assert_rc(vf_secgroup_create(&fx->sg[i], fx->cell[0], NULL), 0);
	for (i = 0; i < VF_PORT_SECGROUPS_MAX; i++)
		assert_rc(vf_port_add_secgroup(fx->port[0], fx->sg[i]), 0);
	assert_rc(vf_port_add_secgroup(fx->port[0],
				       fx->sg[VF_PORT_SECGROUPS_MAX]),
		  -ENOSPC);
	assert_error_set();
	assert_int_equal(vf_port_secgroup_count(fx->port[0]),
			 VF_PORT_SECGROUPS_MAX);
}

static void test_core_port_ids(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_port_opts, opts, .name = "seven", .id = 7);
	vf_port *p = POISON(vf_port);

	fx->port[0] = VT_PORT(fx->subnet[0], "a", 0);
	assert_rc(vf_port_create(&fx->port[1], fx->subnet[0], &opts), 0);
	fx->port[2] = VT_PORT(fx->subnet[0], "b", 0);
	assert_int_equal(vf_port_id(fx->port[0]), 1);
	assert_int_equal(vf_port_id(fx->port[1]), 7);
	assert_int_equal(vf_port_id(fx->port[2]), 2);

	opts.name = "also-seven";
	assert_rc(vf_port_create(&p, fx->subnet[0], &opts), -EEXIST);
	assert_null(p);
	assert_error_has("7");
	assert_int_equal(vf_subnet_port_count(fx->subnet[0]), 3);

	/* Ids are per subnet. */
	fx->subnet[1] = VT_SUBNET(fx->cell[0], NULL, "lan2");
	assert_rc(vf_port_create(&fx->port[3], fx->subnet[1], &opts), 0);
	assert_int_equal(vf_port_id(fx->port[3]), 7);

	assert_ptr_equal(vf_subnet_port_by_id(fx->subnet[0], 7), fx->port[1]);
	assert_ptr_equal(vf_subnet_port_by_id(fx->subnet[1], 7), fx->port[3]);
	assert_null(vf_subnet_port_by_id(fx->subnet[0], 3));

	vf_port_destroy(fx->port[0]);
	fx->port[0] = VT_PORT(fx->subnet[0], "c", 0);
	assert_int_equal(vf_port_id(fx->port[0]), 1);
}

static void test_core_port_iteration_and_counts(void **state)
{
	struct vt_fx *fx = *state;
	vf_port *it;

	fx->subnet[1] = VT_SUBNET(fx->cell[0], NULL, "lan2");
	fx->port[0] = VT_PORT(fx->subnet[0], "z", IP4(10, 1, 1, 50));
	fx->port[1] = VT_PORT(fx->subnet[0], "a", IP4(10, 1, 1, 10));
	fx->port[2] = VT_PORT(fx->subnet[1], "m", 0);
	fx->port[3] = VT_PORT(fx->subnet[0], "b", 0);
	it = vf_subnet_next_port(fx->subnet[0], NULL);
	assert_ptr_equal(it, fx->port[0]);
	it = vf_subnet_next_port(fx->subnet[0], it);
	assert_ptr_equal(it, fx->port[1]);
	it = vf_subnet_next_port(fx->subnet[0], it);
	assert_ptr_equal(it, fx->port[3]);
	assert_null(vf_subnet_next_port(fx->subnet[0], it));
	assert_int_equal(vf_subnet_port_count(fx->subnet[0]), 3);
	assert_int_equal(vf_subnet_port_count(fx->subnet[1]), 1);
	assert_int_equal(vf_cell_port_count(fx->cell[0]), 4);
	assert_int_equal(vf_fabric_port_count(fx->fabric), 4);
	assert_ptr_equal(vf_cell_port_by_vip(fx->cell[0], IP4(10, 1, 2, 2)),
			 fx->port[2]);
	assert_null(vf_cell_port_by_vip(fx->cell[0], IP4(10, 1, 2, 3)));
}

static void test_core_port_user_data_and_destroy_null(void **state)
{
	struct vt_fx *fx = *state;
	int x;

	fx->port[0] = VT_PORT(fx->subnet[0], "u", 0);
	vf_port_set_user_data(fx->port[0], &x);
	assert_ptr_equal(vf_port_user_data(fx->port[0]), &x);
	vf_port_destroy(NULL);
}

#define T(fn, setup) cmocka_unit_test_setup_teardown(fn, setup, vt_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_core_port_name_required, vt_setup_subnet),
		T(test_core_port_defaults_and_getters, vt_setup_subnet),
		T(test_core_port_duplicate_name_refused, vt_setup_subnet),
		T(test_core_port_vip_auto_lowest_free, vt_setup_subnet),
		T(test_core_port_vip_auto_uses_dhcp_range, vt_setup_subnet),
		T(test_core_port_vip_bad_refused, vt_setup_subnet),
		T(test_core_port_vip_duplicate_refused, vt_setup_subnet),
		T(test_core_port_vip_same_in_two_vxlan_cells,
		  vt_setup_fabric_vxlan),
		T(test_core_port_vmac_derived, vt_setup_subnet),
		T(test_core_port_vmac_explicit_and_duplicate, vt_setup_subnet),
		T(test_core_port_derived_vmac_clash_refused, vt_setup_subnet),
		T(test_core_port_vmac_multicast_refused, vt_setup_subnet),
		T(test_core_port_vmac_equal_to_rvmac_refused, vt_setup_subnet),
		T(test_core_port_admin_state, vt_setup_subnet),
		T(test_core_port_qos, vt_setup_subnet),
		T(test_core_port_secgroups, vt_setup_subnet),
		T(test_core_port_secgroup_of_other_cell_refused,
		  vt_setup_subnet),
		T(test_core_port_secgroup_limit, vt_setup_subnet),
		T(test_core_port_ids, vt_setup_subnet),
		T(test_core_port_iteration_and_counts, vt_setup_subnet),
		T(test_core_port_user_data_and_destroy_null, vt_setup_subnet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
