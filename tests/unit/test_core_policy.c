/* Security groups and inter-cell policies (policy.h). */
#include "unit.h"

static char sentinel;
#define POISON(T) ((T *)(void *)&sentinel)

/* Cells 41 "dst" and 42 "src"; a security group "web" in cell 41. */
static int setup_policy(void **state)
{
	VF_OPTS(vf_cell_opts, dst, .id = 41, .name = "dst");
	VF_OPTS(vf_cell_opts, src, .id = 42, .name = "src");
	VF_OPTS(vf_secgroup_opts, go, .name = "web");
	struct vt_fx *fx;

	if (vt_setup_fabric(state) != 0)
		return -1;
	fx = *state;
	if (vf_cell_create(&fx->cell[0], fx->fabric, &dst) != 0 ||
	    vf_cell_create(&fx->cell[1], fx->fabric, &src) != 0 ||
	    vf_secgroup_create(&fx->sg[0], fx->cell[0], &go) != 0)
		return -1;
	return 0;
}

/* ---- security groups --------------------------------------------------- */

static void test_core_secgroup_create_and_lookup(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_secgroup_opts, go, .id = 9, .name = "db");
	vf_secgroup *g = POISON(vf_secgroup), *it;

	assert_int_equal(vf_secgroup_id(fx->sg[0]), 1);
	assert_string_equal(vf_secgroup_name(fx->sg[0]), "web");
	assert_ptr_equal(vf_secgroup_cell(fx->sg[0]), fx->cell[0]);
	assert_int_equal(vf_secgroup_rule_count(fx->sg[0]), 0);

	assert_rc(vf_secgroup_create(&fx->sg[1], fx->cell[0], &go), 0);
	assert_rc(vf_secgroup_create(&fx->sg[2], fx->cell[0], NULL), 0);
	assert_int_equal(vf_secgroup_id(fx->sg[2]), 2);
	assert_string_equal(vf_secgroup_name(fx->sg[2]), "secgroup2");
	assert_int_equal(vf_cell_secgroup_count(fx->cell[0]), 3);
	assert_int_equal(vf_cell_secgroup_count(fx->cell[1]), 0);

	/* Duplicates and bad names. */
	assert_rc(vf_secgroup_create(&g, fx->cell[0], &go), -EEXIST);
	assert_null(g);
	go.id = 0;
	assert_rc(vf_secgroup_create(&g, fx->cell[0], &go), -EEXIST);
	assert_error_has("db");
	go.name = "no good";
	assert_rc(vf_secgroup_create(&g, fx->cell[0], &go), -EINVAL);
	assert_error_has("no good");
	assert_int_equal(vf_cell_secgroup_count(fx->cell[0]), 3);
	/* Names are per cell. */
	go.name = "db";
	assert_rc(vf_secgroup_create(&fx->sg[3], fx->cell[1], &go), 0);

	assert_ptr_equal(vf_cell_secgroup_by_id(fx->cell[0], 9), fx->sg[1]);
	assert_ptr_equal(vf_cell_secgroup_by_name(fx->cell[0], "db"), fx->sg[1]);
	assert_ptr_equal(vf_cell_secgroup_by_name(fx->cell[1], "db"), fx->sg[3]);
	assert_null(vf_cell_secgroup_by_id(fx->cell[0], 3));
	assert_null(vf_cell_secgroup_by_name(fx->cell[0], "nope"));

	it = vf_cell_next_secgroup(fx->cell[0], NULL);
	assert_ptr_equal(it, fx->sg[0]);
	it = vf_cell_next_secgroup(fx->cell[0], it);
	assert_ptr_equal(it, fx->sg[1]);
	it = vf_cell_next_secgroup(fx->cell[0], it);
	assert_ptr_equal(it, fx->sg[2]);
	assert_null(vf_cell_next_secgroup(fx->cell[0], it));
}

static void test_core_secgroup_add_rule(void **state)
{
	struct vt_fx *fx = *state;
	vf_secgroup *g = fx->sg[0];
	VF_OPTS(vf_rule, http, .direction = VF_DIR_INGRESS,
		.protocol = VF_PROTO_TCP, .port_min = 80, .port_max = 80);
	VF_OPTS(vf_rule, out_any, .direction = VF_DIR_EGRESS);
	VF_OPTS(vf_rule, icmp, .direction = VF_DIR_INGRESS,
		.protocol = VF_PROTO_ICMP);
	VF_OPTS(vf_rule, back);
	int id1, id2, id3;

	http.remote = PFX(IP4(192, 168, 0, 0), 16);
	id1 = vf_secgroup_add_rule(g, &http);
	assert_rc_ge(id1, 1);
	id2 = vf_secgroup_add_rule(g, &out_any);
	assert_rc_ge(id2, 1);
	id3 = vf_secgroup_add_rule(g, &icmp);
	assert_rc_ge(id3, 1);
	assert_true(id1 != id2 && id2 != id3 && id1 != id3);
	assert_int_equal(vf_secgroup_rule_count(g), 3);

	/* Read back in the order added. */
	assert_rc(vf_secgroup_rule(g, 0, &back), id1);
	assert_int_equal(back.sz, sizeof(vf_rule));
	assert_int_equal(back.direction, VF_DIR_INGRESS);
	assert_prefix_equal(back.remote, PFX(IP4(192, 168, 0, 0), 16));
	assert_int_equal(back.protocol, VF_PROTO_TCP);
	assert_int_equal(back.port_min, 80);
	assert_int_equal(back.port_max, 80);
	assert_rc(vf_secgroup_rule(g, 1, &back), id2);
	assert_int_equal(back.direction, VF_DIR_EGRESS);
	assert_prefix_equal(back.remote, PFX(0, 0));
	assert_int_equal(back.protocol, VF_PROTO_ANY);
	assert_int_equal(back.port_min, 0);
	assert_int_equal(back.port_max, 0);
	assert_rc(vf_secgroup_rule(g, 2, &back), id3);
	assert_int_equal(back.protocol, VF_PROTO_ICMP);
	assert_rc(vf_secgroup_rule(g, 3, &back), -ENOENT);

	/* Protocols other than the named ones are fine without ports. */
	{
		VF_OPTS(vf_rule, gre, .protocol = 47);

		assert_rc_ge(vf_secgroup_add_rule(g, &gre), 1);
	}
}

static void test_core_secgroup_identical_rule_refused(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_rule, r, .direction = VF_DIR_INGRESS, .protocol = VF_PROTO_UDP,
		.port_min = 53, .port_max = 53);
	VF_OPTS(vf_rule, copy);

	assert_rc_ge(vf_secgroup_add_rule(fx->sg[0], &r), 1);
	copy = r;
	assert_rc(vf_secgroup_add_rule(fx->sg[0], &copy), -EEXIST);
	assert_error_set();
	assert_int_equal(vf_secgroup_rule_count(fx->sg[0]), 1);
	/* A different direction is a different rule. */
	copy.direction = VF_DIR_EGRESS;
	assert_rc_ge(vf_secgroup_add_rule(fx->sg[0], &copy), 1);
	/* The same rule in another group is fine. */
	assert_rc(vf_secgroup_create(&fx->sg[1], fx->cell[0], NULL), 0);
	assert_rc_ge(vf_secgroup_add_rule(fx->sg[1], &r), 1);
}

static void test_core_secgroup_bad_rule_refused(void **state)
{
	struct vt_fx *fx = *state;
	vf_secgroup *g = fx->sg[0];

	{
		VF_OPTS(vf_rule, r, .protocol = VF_PROTO_TCP, .port_min = 100,
			.port_max = 50);

		assert_rc(vf_secgroup_add_rule(g, &r), -EINVAL);
		assert_error_has("100");
	}
	{
		VF_OPTS(vf_rule, r, .protocol = VF_PROTO_ICMP, .port_min = 10,
			.port_max = 20);

		assert_rc(vf_secgroup_add_rule(g, &r), -EINVAL);
		assert_error_set();
	}
	{
		VF_OPTS(vf_rule, r, .protocol = VF_PROTO_ANY, .port_min = 22,
			.port_max = 22);

		assert_rc(vf_secgroup_add_rule(g, &r), -EINVAL);
	}
	{
		VF_OPTS(vf_rule, r, .protocol = VF_PROTO_ICMP, .port_max = 8);

		assert_rc(vf_secgroup_add_rule(g, &r), -EINVAL);
	}
	{
		VF_OPTS(vf_rule, r, .direction = (vf_direction)2);

		assert_rc(vf_secgroup_add_rule(g, &r), -EINVAL);
		assert_error_set();
	}
	{
		VF_OPTS(vf_rule, r, .remote = PFX(IP4(10, 0, 0, 1), 8));

		assert_rc(vf_secgroup_add_rule(g, &r), -EINVAL);
		assert_error_has("10.0.0.1/8");
		r.remote = PFX(IP4(10, 0, 0, 0), 33);
		assert_rc(vf_secgroup_add_rule(g, &r), -EINVAL);
	}
	assert_rc(vf_secgroup_add_rule(g, NULL), -EINVAL);
	assert_int_equal(vf_secgroup_rule_count(g), 0);
	/* A single port and the full range are fine. */
	{
		VF_OPTS(vf_rule, r, .protocol = VF_PROTO_TCP, .port_min = 1,
			.port_max = 65535);

		assert_rc_ge(vf_secgroup_add_rule(g, &r), 1);
		r.port_min = r.port_max = 443;
		assert_rc_ge(vf_secgroup_add_rule(g, &r), 1);
	}
}

static void test_core_secgroup_del_rule(void **state)
{
	struct vt_fx *fx = *state;
	vf_secgroup *g = fx->sg[0];
	VF_OPTS(vf_rule, a, .protocol = VF_PROTO_TCP, .port_min = 22,
		.port_max = 22);
	VF_OPTS(vf_rule, b, .protocol = VF_PROTO_TCP, .port_min = 80,
		.port_max = 80);
	VF_OPTS(vf_rule, c, .protocol = VF_PROTO_TCP, .port_min = 443,
		.port_max = 443);
	VF_OPTS(vf_rule, back);
	int ia, ib, ic;

	ia = vf_secgroup_add_rule(g, &a);
	ib = vf_secgroup_add_rule(g, &b);
	ic = vf_secgroup_add_rule(g, &c);
	assert_rc_ge(ia, 1);
	assert_rc_ge(ib, 1);
	assert_rc_ge(ic, 1);
	assert_rc(vf_secgroup_del_rule(g, (uint32_t)ib), 0);
	assert_int_equal(vf_secgroup_rule_count(g), 2);
	assert_rc(vf_secgroup_rule(g, 0, &back), ia);
	assert_int_equal(back.port_min, 22);
	assert_rc(vf_secgroup_rule(g, 1, &back), ic);
	assert_int_equal(back.port_min, 443);
	assert_rc(vf_secgroup_del_rule(g, (uint32_t)ib), -ENOENT);
	assert_error_set();
	assert_rc(vf_secgroup_del_rule(g, 0), -ENOENT);
	assert_rc(vf_secgroup_del_rule(g, 99999), -ENOENT);
	/* The deleted rule can be added again. */
	assert_rc_ge(vf_secgroup_add_rule(g, &b), 1);
	assert_int_equal(vf_secgroup_rule_count(g), 3);
}

static void test_core_secgroup_rule_limit(void **state)
{
	struct vt_fx *fx = *state;
	vf_secgroup *g = fx->sg[0];
	int i;

	for (i = 0; i < VF_SECGROUP_RULES_MAX; i++) {
		VF_OPTS(vf_rule, r, .protocol = VF_PROTO_TCP,
			.port_min = (uint16_t)(i + 1), .port_max = (uint16_t)(i + 1));

		assert_rc_ge(vf_secgroup_add_rule(g, &r), 1);
	}
	{
		VF_OPTS(vf_rule, r, .protocol = VF_PROTO_UDP);

		assert_rc(vf_secgroup_add_rule(g, &r), -ENOSPC);
		assert_error_set();
	}
	assert_int_equal(vf_secgroup_rule_count(g), VF_SECGROUP_RULES_MAX);
}

static void test_core_secgroup_user_data_and_destroy_null(void **state)
{
	struct vt_fx *fx = *state;
	int x;

	vf_secgroup_set_user_data(fx->sg[0], &x);
	assert_ptr_equal(vf_secgroup_user_data(fx->sg[0]), &x);
	vf_secgroup_destroy(NULL);
}

static void test_core_secgroup_destroy(void **state)
{
	struct vt_fx *fx = *state;

	assert_rc(vf_secgroup_create(&fx->sg[1], fx->cell[0], NULL), 0);
	vf_secgroup_destroy(fx->sg[0]);
	fx->sg[0] = NULL;
	assert_int_equal(vf_cell_secgroup_count(fx->cell[0]), 1);
	assert_null(vf_cell_secgroup_by_name(fx->cell[0], "web"));
	assert_null(vf_cell_secgroup_by_id(fx->cell[0], 1));
	assert_ptr_equal(vf_cell_next_secgroup(fx->cell[0], NULL), fx->sg[1]);
	/* Name and id are free again. */
	{
		VF_OPTS(vf_secgroup_opts, go, .id = 1, .name = "web");

		assert_rc(vf_secgroup_create(&fx->sg[0], fx->cell[0], &go), 0);
	}
}

/* ---- policies ---------------------------------------------------------- */

static void test_core_policy_create_and_read_back(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_policy_opts, opts, .name = "admit-web", .src_cell = 42,
		.src = PFX(IP4(10, 42, 1, 0), 24),
		.dst = PFX(IP4(10, 41, 1, 0), 24), .protocol = VF_PROTO_TCP,
		.port_min = 8080, .port_max = 8090);
	VF_OPTS(vf_policy_opts, back);
	vf_policy *p;

	assert_rc(vf_policy_create(&fx->pol[0], fx->cell[0], &opts), 0);
	p = fx->pol[0];
	assert_int_equal(vf_policy_id(p), 1);
	assert_string_equal(vf_policy_name(p), "admit-web");
	assert_ptr_equal(vf_policy_cell(p), fx->cell[0]);

	assert_rc(vf_policy_get(p, &back), 0);
	assert_int_equal(back.sz, sizeof(vf_policy_opts));
	assert_int_equal(back.id, 1);
	assert_non_null(back.name);
	assert_string_equal(back.name, "admit-web");
	assert_int_equal(back.src_cell, 42);
	assert_prefix_equal(back.src, PFX(IP4(10, 42, 1, 0), 24));
	assert_prefix_equal(back.dst, PFX(IP4(10, 41, 1, 0), 24));
	assert_int_equal(back.protocol, VF_PROTO_TCP);
	assert_int_equal(back.port_min, 8080);
	assert_int_equal(back.port_max, 8090);

	/* Defaults: any source, destination, protocol and port. */
	{
		VF_OPTS(vf_policy_opts, any, .src_cell = 42);

		assert_rc(vf_policy_create(&fx->pol[1], fx->cell[0], &any), 0);
		assert_int_equal(vf_policy_id(fx->pol[1]), 2);
		assert_string_equal(vf_policy_name(fx->pol[1]), "policy2");
		memset(&back, 0xee, sizeof(back));
		back.sz = sizeof(back);
		assert_rc(vf_policy_get(fx->pol[1], &back), 0);
		assert_int_equal(back.id, 2);
		assert_string_equal(back.name, "policy2");
		assert_int_equal(back.src_cell, 42);
		assert_prefix_equal(back.src, PFX(0, 0));
		assert_prefix_equal(back.dst, PFX(0, 0));
		assert_int_equal(back.protocol, 0);
		assert_int_equal(back.port_min, 0);
		assert_int_equal(back.port_max, 0);
	}
	assert_int_equal(vf_cell_policy_count(fx->cell[0]), 2);
	assert_int_equal(vf_cell_policy_count(fx->cell[1]), 0);
}

static void test_core_policy_src_cell_checked(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_policy_opts, opts, .name = "p");
	vf_policy *p = POISON(vf_policy);

	/* Missing. */
	assert_rc(vf_policy_create(&p, fx->cell[0], &opts), -EINVAL);
	assert_null(p);
	assert_error_set();
	/* The destination cell itself. */
	opts.src_cell = 41;
	p = POISON(vf_policy);
	assert_rc(vf_policy_create(&p, fx->cell[0], &opts), -EINVAL);
	assert_null(p);
	assert_error_has("41");
	/* No such cell. */
	opts.src_cell = 99;
	p = POISON(vf_policy);
	assert_rc(vf_policy_create(&p, fx->cell[0], &opts), -ENOENT);
	assert_null(p);
	assert_error_has("99");
	assert_int_equal(vf_cell_policy_count(fx->cell[0]), 0);
	assert_null(vf_cell_policy_by_name(fx->cell[0], "p"));

	/* Nothing half-done: name "p" and id 1 are still free. */
	opts.src_cell = 42;
	assert_rc(vf_policy_create(&fx->pol[0], fx->cell[0], &opts), 0);
	assert_int_equal(vf_policy_id(fx->pol[0]), 1);
}

static void test_core_policy_bad_match_refused(void **state)
{
	struct vt_fx *fx = *state;
	vf_policy *p = POISON(vf_policy);

	{
		VF_OPTS(vf_policy_opts, o, .src_cell = 42,
			.src = PFX(IP4(10, 42, 1, 1), 24));

		assert_rc(vf_policy_create(&p, fx->cell[0], &o), -EINVAL);
		assert_null(p);
		assert_error_has("10.42.1.1/24");
	}
	{
		VF_OPTS(vf_policy_opts, o, .src_cell = 42,
			.dst = PFX(IP4(10, 41, 0, 0), 8));

		assert_rc(vf_policy_create(&p, fx->cell[0], &o), -EINVAL);
		assert_error_has("10.41.0.0/8");
	}
	{
		VF_OPTS(vf_policy_opts, o, .src_cell = 42,
			.protocol = VF_PROTO_UDP, .port_min = 2000,
			.port_max = 1000);

		assert_rc(vf_policy_create(&p, fx->cell[0], &o), -EINVAL);
		assert_error_has("2000");
	}
	{
		VF_OPTS(vf_policy_opts, o, .src_cell = 42,
			.protocol = VF_PROTO_ICMP, .port_min = 1, .port_max = 2);

		assert_rc(vf_policy_create(&p, fx->cell[0], &o), -EINVAL);
	}
	{
		VF_OPTS(vf_policy_opts, o, .src_cell = 42, .name = "bad name");

		assert_rc(vf_policy_create(&p, fx->cell[0], &o), -EINVAL);
		assert_error_has("bad name");
	}
	assert_int_equal(vf_cell_policy_count(fx->cell[0]), 0);
}

static void test_core_policy_ids_names_lookup(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_policy_opts, opts, .id = 5, .name = "five", .src_cell = 42);
	vf_policy *p = POISON(vf_policy), *it;

	assert_rc(vf_policy_create(&fx->pol[0], fx->cell[0], &opts), 0);
	opts.name = "other";
	assert_rc(vf_policy_create(&p, fx->cell[0], &opts), -EEXIST);
	assert_null(p);
	assert_error_has("5");
	opts.id = 0;
	opts.name = "five";
	p = POISON(vf_policy);
	assert_rc(vf_policy_create(&p, fx->cell[0], &opts), -EEXIST);
	assert_null(p);
	assert_error_has("five");
	opts.name = NULL;
	assert_rc(vf_policy_create(&fx->pol[1], fx->cell[0], &opts), 0);
	assert_int_equal(vf_policy_id(fx->pol[1]), 1);
	assert_string_equal(vf_policy_name(fx->pol[1]), "policy1");

	/* The reverse direction lives in the other cell. */
	opts.src_cell = 41;
	opts.name = "five";
	assert_rc(vf_policy_create(&fx->pol[2], fx->cell[1], &opts), 0);

	assert_ptr_equal(vf_cell_policy_by_id(fx->cell[0], 5), fx->pol[0]);
	assert_ptr_equal(vf_cell_policy_by_name(fx->cell[0], "five"), fx->pol[0]);
	assert_ptr_equal(vf_cell_policy_by_name(fx->cell[1], "five"), fx->pol[2]);
	assert_null(vf_cell_policy_by_id(fx->cell[0], 2));
	assert_null(vf_cell_policy_by_name(fx->cell[0], "nope"));
	it = vf_cell_next_policy(fx->cell[0], NULL);
	assert_ptr_equal(it, fx->pol[0]);
	it = vf_cell_next_policy(fx->cell[0], it);
	assert_ptr_equal(it, fx->pol[1]);
	assert_null(vf_cell_next_policy(fx->cell[0], it));

	vf_policy_destroy(fx->pol[0]);
	fx->pol[0] = NULL;
	assert_int_equal(vf_cell_policy_count(fx->cell[0]), 1);
	assert_null(vf_cell_policy_by_name(fx->cell[0], "five"));
	assert_ptr_equal(vf_cell_next_policy(fx->cell[0], NULL), fx->pol[1]);
}

static void test_core_policy_get_bad_sz_refused(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_policy_opts, opts, .src_cell = 42);
	vf_policy_opts back;

	assert_rc(vf_policy_create(&fx->pol[0], fx->cell[0], &opts), 0);
	memset(&back, 0, sizeof(back));
	back.sz = 4;
	assert_rc(vf_policy_get(fx->pol[0], &back), -EINVAL);
	assert_error_set();
	assert_rc(vf_policy_get(fx->pol[0], NULL), -EINVAL);
}

static void test_core_policy_user_data_and_destroy_null(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_policy_opts, opts, .src_cell = 42);
	int x;

	assert_rc(vf_policy_create(&fx->pol[0], fx->cell[0], &opts), 0);
	assert_null(vf_policy_user_data(fx->pol[0]));
	vf_policy_set_user_data(fx->pol[0], &x);
	assert_ptr_equal(vf_policy_user_data(fx->pol[0]), &x);
	vf_policy_destroy(NULL);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_policy, vt_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_core_secgroup_create_and_lookup),
		T(test_core_secgroup_add_rule),
		T(test_core_secgroup_identical_rule_refused),
		T(test_core_secgroup_bad_rule_refused),
		T(test_core_secgroup_del_rule),
		T(test_core_secgroup_rule_limit),
		T(test_core_secgroup_user_data_and_destroy_null),
		T(test_core_secgroup_destroy),
		T(test_core_policy_create_and_read_back),
		T(test_core_policy_src_cell_checked),
		T(test_core_policy_bad_match_refused),
		T(test_core_policy_ids_names_lookup),
		T(test_core_policy_get_bad_sz_refused),
		T(test_core_policy_user_data_and_destroy_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
