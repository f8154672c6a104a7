/* Cells (cell.h): ids, names, look-ups, iteration, verdicts, VNI. */
#include "unit.h"

#include <stdio.h>

static char sentinel;
#define POISON(T) ((T *)(void *)&sentinel)

static void test_core_cell_id_auto_lowest_free(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_cell_opts, ten, .id = 10);
	int i;

	for (i = 0; i < 3; i++) {
		char name[16];

		assert_rc(vf_cell_create(&fx->cell[i], fx->fabric, NULL), 0);
		assert_int_equal(vf_cell_id(fx->cell[i]), i + 1);
		snprintf(name, sizeof(name), "cell%d", i + 1);
		assert_string_equal(vf_cell_name(fx->cell[i]), name);
	}
	vf_cell_destroy(fx->cell[1]);
	fx->cell[1] = NULL;
	assert_rc(vf_cell_create(&fx->cell[1], fx->fabric, NULL), 0);
	assert_int_equal(vf_cell_id(fx->cell[1]), 2);
	assert_string_equal(vf_cell_name(fx->cell[1]), "cell2");

	assert_rc(vf_cell_create(&fx->cell[3], fx->fabric, &ten), 0);
	assert_int_equal(vf_cell_id(fx->cell[3]), 10);
	assert_rc(vf_cell_create(&fx->cell[4], fx->fabric, NULL), 0);
	assert_int_equal(vf_cell_id(fx->cell[4]), 4);

	/* The lowest free id, even below explicit ones. */
	vf_cell_destroy(fx->cell[0]);
	fx->cell[0] = NULL;
	assert_rc(vf_cell_create(&fx->cell[0], fx->fabric, NULL), 0);
	assert_int_equal(vf_cell_id(fx->cell[0]), 1);
	assert_rc(vf_cell_create(&fx->cell[5], fx->fabric, NULL), 0);
	assert_int_equal(vf_cell_id(fx->cell[5]), 5);
}

static void test_core_cell_duplicate_id_refused(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_cell_opts, opts, .id = 77, .name = "first");
	vf_cell *c = POISON(vf_cell);

	assert_rc(vf_cell_create(&fx->cell[0], fx->fabric, &opts), 0);
	opts.name = "second";
	assert_rc(vf_cell_create(&c, fx->fabric, &opts), -EEXIST);
	assert_null(c);
	assert_error_has("77");
	assert_int_equal(vf_fabric_cell_count(fx->fabric), 1);
	assert_null(vf_fabric_cell_by_name(fx->fabric, "second"));
	/* The name was not taken by the failed call. */
	opts.id = 78;
	assert_rc(vf_cell_create(&fx->cell[1], fx->fabric, &opts), 0);
	assert_string_equal(vf_cell_name(fx->cell[1]), "second");
}

static void test_core_cell_duplicate_name_refused(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_cell_opts, opts, .id = 3, .name = "blue");
	vf_cell *c = POISON(vf_cell);

	assert_rc(vf_cell_create(&fx->cell[0], fx->fabric, &opts), 0);
	opts.id = 4;
	assert_rc(vf_cell_create(&c, fx->fabric, &opts), -EEXIST);
	assert_null(c);
	assert_error_has("blue");
	assert_int_equal(vf_fabric_cell_count(fx->fabric), 1);
	assert_null(vf_fabric_cell_by_id(fx->fabric, 4));
	/* Id 4 was not taken by the failed call. */
	opts.name = "green";
	assert_rc(vf_cell_create(&fx->cell[1], fx->fabric, &opts), 0);
	assert_int_equal(vf_cell_id(fx->cell[1]), 4);
	/* A default name that is taken is refused the same way. */
	opts.id = 9;
	opts.name = "cell12";
	assert_rc(vf_cell_create(&fx->cell[2], fx->fabric, &opts), 0);
	opts.id = 12;
	opts.name = NULL;
	c = POISON(vf_cell);
	assert_rc(vf_cell_create(&c, fx->fabric, &opts), -EEXIST);
	assert_null(c);
	assert_error_has("cell12");
}

static void test_core_cell_bad_names_refused(void **state)
{
	struct vt_fx *fx = *state;
	char too_long[VF_NAME_MAX + 2];
	char longest[VF_NAME_MAX + 1];
	const char *bad[] = { "", too_long, "bad name", "bad/name",
			      "tab\tname", "caf\xc3\xa9", "semi;colon",
			      "star*", "new\nline", "quote\"" };
	size_t i;

	memset(too_long, 'x', VF_NAME_MAX + 1);
	too_long[VF_NAME_MAX + 1] = 0;
	memset(longest, 'y', VF_NAME_MAX);
	longest[VF_NAME_MAX] = 0;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		VF_OPTS(vf_cell_opts, opts, .name = bad[i]);
		vf_cell *c = POISON(vf_cell);
		int rc = vf_cell_create(&c, fx->fabric, &opts);

		if (rc != -EINVAL)
			fail_msg("vf_cell_create(name \"%s\") returned %d "
				 "(%s), expected -EINVAL",
				 bad[i], rc, vt_errname(rc));
		assert_null(c);
		assert_error_set();
	}
	{
		VF_OPTS(vf_cell_opts, opts, .name = "bad/name");
		vf_cell *c = NULL;

		assert_rc(vf_cell_create(&c, fx->fabric, &opts), -EINVAL);
		assert_error_has("bad/name");
	}
	assert_int_equal(vf_fabric_cell_count(fx->fabric), 0);

	/* Every allowed character, and the longest name. */
	fx->cell[0] = VT_CELL(fx->fabric, 0, "Az09._:-");
	fx->cell[1] = VT_CELL(fx->fabric, 0, longest);
	assert_string_equal(vf_cell_name(fx->cell[1]), longest);
	/* The first cell took id 1 even though its create came after
	 * refusals: refused creates allocate nothing. */
	assert_int_equal(vf_cell_id(fx->cell[0]), 1);
	assert_int_equal(vf_cell_id(fx->cell[1]), 2);
}

static void test_core_cell_name_copied(void **state)
{
	struct vt_fx *fx = *state;
	char name[16] = "copied";
	char owner[16] = "tenant";
	VF_OPTS(vf_cell_opts, opts, .name = name, .owner = owner);

	assert_rc(vf_cell_create(&fx->cell[0], fx->fabric, &opts), 0);
	strcpy(name, "changed");
	strcpy(owner, "changed");
	assert_string_equal(vf_cell_name(fx->cell[0]), "copied");
	assert_string_equal(vf_cell_owner(fx->cell[0]), "tenant");
	assert_ptr_equal(vf_fabric_cell_by_name(fx->fabric, "copied"),
			 fx->cell[0]);
	assert_null(vf_fabric_cell_by_name(fx->fabric, "changed"));
}

static void test_core_cell_lookup(void **state)
{
	struct vt_fx *fx = *state;

	fx->cell[0] = VT_CELL(fx->fabric, 4, "red");
	fx->cell[1] = VT_CELL(fx->fabric, 1000, "green");
	assert_ptr_equal(vf_fabric_cell_by_id(fx->fabric, 4), fx->cell[0]);
	assert_ptr_equal(vf_fabric_cell_by_id(fx->fabric, 1000), fx->cell[1]);
	assert_ptr_equal(vf_fabric_cell_by_name(fx->fabric, "red"), fx->cell[0]);
	assert_ptr_equal(vf_fabric_cell_by_name(fx->fabric, "green"),
			 fx->cell[1]);
	assert_null(vf_fabric_cell_by_id(fx->fabric, 5));
	assert_null(vf_fabric_cell_by_id(fx->fabric, 0));
	assert_null(vf_fabric_cell_by_name(fx->fabric, "blue"));
	assert_null(vf_fabric_cell_by_name(fx->fabric, "RED"));
	assert_null(vf_fabric_cell_by_name(fx->fabric, "re"));
	assert_ptr_equal(vf_cell_fabric(fx->cell[0]), fx->fabric);
}

static void test_core_cell_iteration_creation_order(void **state)
{
	struct vt_fx *fx = *state;
	vf_cell *c;

	fx->cell[0] = VT_CELL(fx->fabric, 5, "five");
	fx->cell[1] = VT_CELL(fx->fabric, 2, "two");
	fx->cell[2] = VT_CELL(fx->fabric, 9, "nine");
	c = vf_fabric_next_cell(fx->fabric, NULL);
	assert_ptr_equal(c, fx->cell[0]);
	c = vf_fabric_next_cell(fx->fabric, c);
	assert_ptr_equal(c, fx->cell[1]);
	c = vf_fabric_next_cell(fx->fabric, c);
	assert_ptr_equal(c, fx->cell[2]);
	assert_null(vf_fabric_next_cell(fx->fabric, c));

	vf_cell_destroy(fx->cell[1]);
	fx->cell[1] = NULL;
	fx->cell[3] = VT_CELL(fx->fabric, 1, "one");
	c = vf_fabric_next_cell(fx->fabric, NULL);
	assert_ptr_equal(c, fx->cell[0]);
	c = vf_fabric_next_cell(fx->fabric, c);
	assert_ptr_equal(c, fx->cell[2]);
	c = vf_fabric_next_cell(fx->fabric, c);
	assert_ptr_equal(c, fx->cell[3]);
	assert_null(vf_fabric_next_cell(fx->fabric, c));
}

static void test_core_cell_counts(void **state)
{
	struct vt_fx *fx = *state;

	assert_int_equal(vf_fabric_cell_count(fx->fabric), 0);
	fx->cell[0] = VT_CELL(fx->fabric, 0, NULL);
	fx->cell[1] = VT_CELL(fx->fabric, 0, NULL);
	assert_int_equal(vf_fabric_cell_count(fx->fabric), 2);
	assert_int_equal(vf_cell_subnet_count(fx->cell[0]), 0);
	assert_int_equal(vf_cell_port_count(fx->cell[0]), 0);
	assert_int_equal(vf_cell_secgroup_count(fx->cell[0]), 0);
	assert_int_equal(vf_cell_policy_count(fx->cell[0]), 0);
	assert_null(vf_cell_router(fx->cell[0]));
	fx->subnet[0] = VT_SUBNET(fx->cell[0], NULL, NULL);
	fx->subnet[1] = VT_SUBNET(fx->cell[0], NULL, NULL);
	fx->port[0] = VT_PORT(fx->subnet[0], "a", 0);
	fx->port[1] = VT_PORT(fx->subnet[1], "b", 0);
	fx->port[2] = VT_PORT(fx->subnet[1], "c", 0);
	assert_int_equal(vf_cell_subnet_count(fx->cell[0]), 2);
	assert_int_equal(vf_cell_port_count(fx->cell[0]), 3);
	assert_int_equal(vf_cell_port_count(fx->cell[1]), 0);
	vf_cell_destroy(fx->cell[1]);
	fx->cell[1] = NULL;
	assert_int_equal(vf_fabric_cell_count(fx->fabric), 1);
}

static void test_core_cell_set_name(void **state)
{
	struct vt_fx *fx = *state;
	char too_long[VF_NAME_MAX + 2];

	fx->cell[0] = VT_CELL(fx->fabric, 1, "blue");
	fx->cell[1] = VT_CELL(fx->fabric, 2, "green");
	assert_rc(vf_cell_set_name(fx->cell[0], "red"), 0);
	assert_string_equal(vf_cell_name(fx->cell[0]), "red");
	assert_ptr_equal(vf_fabric_cell_by_name(fx->fabric, "red"), fx->cell[0]);
	assert_null(vf_fabric_cell_by_name(fx->fabric, "blue"));

	assert_rc(vf_cell_set_name(fx->cell[0], "green"), -EEXIST);
	assert_error_has("green");
	assert_rc(vf_cell_set_name(fx->cell[0], "not ok"), -EINVAL);
	assert_error_has("not ok");
	assert_rc(vf_cell_set_name(fx->cell[0], ""), -EINVAL);
	memset(too_long, 'n', VF_NAME_MAX + 1);
	too_long[VF_NAME_MAX + 1] = 0;
	assert_rc(vf_cell_set_name(fx->cell[0], too_long), -EINVAL);
	assert_rc(vf_cell_set_name(fx->cell[0], NULL), -EINVAL);
	assert_string_equal(vf_cell_name(fx->cell[0]), "red");
	assert_ptr_equal(vf_fabric_cell_by_name(fx->fabric, "red"), fx->cell[0]);
	assert_ptr_equal(vf_fabric_cell_by_name(fx->fabric, "green"),
			 fx->cell[1]);

	/* Renaming to its own name is not a clash; the old name is free. */
	assert_rc(vf_cell_set_name(fx->cell[0], "red"), 0);
	fx->cell[2] = VT_CELL(fx->fabric, 3, "blue");
}

static void test_core_cell_owner(void **state)
{
	struct vt_fx *fx = *state;
	char owner255[256], owner256[257];
	VF_OPTS(vf_cell_opts, opts, .owner = "Acme Corp, tenant #4");
	vf_cell *c = POISON(vf_cell);

	memset(owner255, 'o', 255);
	owner255[255] = 0;
	memset(owner256, 'o', 256);
	owner256[256] = 0;

	assert_rc(vf_cell_create(&fx->cell[0], fx->fabric, &opts), 0);
	assert_string_equal(vf_cell_owner(fx->cell[0]), "Acme Corp, tenant #4");
	fx->cell[1] = VT_CELL(fx->fabric, 0, NULL);
	assert_string_equal(vf_cell_owner(fx->cell[1]), "");

	assert_rc(vf_cell_set_owner(fx->cell[1], owner255), 0);
	assert_string_equal(vf_cell_owner(fx->cell[1]), owner255);
	assert_rc(vf_cell_set_owner(fx->cell[1], owner256), -EINVAL);
	assert_error_set();
	assert_string_equal(vf_cell_owner(fx->cell[1]), owner255);
	assert_rc(vf_cell_set_owner(fx->cell[1], "other"), 0);
	assert_string_equal(vf_cell_owner(fx->cell[1]), "other");

	opts.owner = owner256;
	assert_rc(vf_cell_create(&c, fx->fabric, &opts), -EINVAL);
	assert_null(c);
	assert_int_equal(vf_fabric_cell_count(fx->fabric), 2);
	opts.owner = owner255;
	assert_rc(vf_cell_create(&fx->cell[2], fx->fabric, &opts), 0);
}

static void test_core_cell_verdicts(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_cell_opts, opts, .intra_cell = VF_VERDICT_DENY,
		.inter_cell = VF_VERDICT_ALLOW);

	fx->cell[0] = VT_CELL(fx->fabric, 0, NULL);
	assert_int_equal(vf_cell_intra_cell(fx->cell[0]), VF_VERDICT_ALLOW);
	assert_int_equal(vf_cell_inter_cell(fx->cell[0]), VF_VERDICT_DENY);

	assert_rc(vf_cell_create(&fx->cell[1], fx->fabric, &opts), 0);
	assert_int_equal(vf_cell_intra_cell(fx->cell[1]), VF_VERDICT_DENY);
	assert_int_equal(vf_cell_inter_cell(fx->cell[1]), VF_VERDICT_ALLOW);

	assert_rc(vf_cell_set_intra_cell(fx->cell[0], VF_VERDICT_DENY), 0);
	assert_int_equal(vf_cell_intra_cell(fx->cell[0]), VF_VERDICT_DENY);
	assert_rc(vf_cell_set_intra_cell(fx->cell[0], VF_VERDICT_DEFAULT), 0);
	assert_int_equal(vf_cell_intra_cell(fx->cell[0]), VF_VERDICT_ALLOW);
	assert_rc(vf_cell_set_inter_cell(fx->cell[0], VF_VERDICT_ALLOW), 0);
	assert_int_equal(vf_cell_inter_cell(fx->cell[0]), VF_VERDICT_ALLOW);
	assert_rc(vf_cell_set_inter_cell(fx->cell[0], VF_VERDICT_DEFAULT), 0);
	assert_int_equal(vf_cell_inter_cell(fx->cell[0]), VF_VERDICT_DENY);

	assert_rc(vf_cell_set_intra_cell(fx->cell[0], (vf_verdict)3), -EINVAL);
	assert_error_set();
	assert_rc(vf_cell_set_inter_cell(fx->cell[0], (vf_verdict)-1), -EINVAL);
	assert_int_equal(vf_cell_intra_cell(fx->cell[0]), VF_VERDICT_ALLOW);
	assert_int_equal(vf_cell_inter_cell(fx->cell[0]), VF_VERDICT_DENY);
}

static void test_core_cell_bad_verdict_refused(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_cell_opts, opts, .id = 6, .intra_cell = (vf_verdict)3);
	vf_cell *c = POISON(vf_cell);

	assert_rc(vf_cell_create(&c, fx->fabric, &opts), -EINVAL);
	assert_null(c);
	assert_error_set();
	opts.intra_cell = VF_VERDICT_DEFAULT;
	opts.inter_cell = (vf_verdict)9;
	c = POISON(vf_cell);
	assert_rc(vf_cell_create(&c, fx->fabric, &opts), -EINVAL);
	assert_null(c);
	assert_int_equal(vf_fabric_cell_count(fx->fabric), 0);
	opts.inter_cell = VF_VERDICT_DEFAULT;
	assert_rc(vf_cell_create(&fx->cell[0], fx->fabric, &opts), 0);
	assert_int_equal(vf_cell_id(fx->cell[0]), 6);
}

static void test_core_cell_vni(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_cell_opts, opts, .id = 5, .name = "v", .vni = 16777216);
	vf_cell *c = POISON(vf_cell);

	fx->cell[0] = VT_CELL(fx->fabric, 0, NULL);
	assert_int_equal(vf_cell_vni(fx->cell[0]), 1);
	fx->cell[1] = VT_CELL(fx->fabric, 300, NULL);
	assert_int_equal(vf_cell_vni(fx->cell[1]), 300);

	assert_rc(vf_cell_create(&c, fx->fabric, &opts), -EINVAL);
	assert_null(c);
	assert_error_has("16777216");
	assert_int_equal(vf_fabric_cell_count(fx->fabric), 2);
	opts.vni = 16777215;
	assert_rc(vf_cell_create(&fx->cell[2], fx->fabric, &opts), 0);
	assert_int_equal(vf_cell_vni(fx->cell[2]), 16777215);
	assert_int_equal(vf_cell_id(fx->cell[2]), 5);
	assert_string_equal(vf_cell_name(fx->cell[2]), "v");
}

static void test_core_cell_vni_in_vxlan_fabric(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_cell_opts, opts, .vni = 5000);

	assert_int_equal(vf_fabric_wire_mode(fx->fabric), VF_WIRE_VXLAN);
	assert_rc(vf_cell_create(&fx->cell[0], fx->fabric, &opts), 0);
	assert_int_equal(vf_cell_vni(fx->cell[0]), 5000);
	fx->cell[1] = VT_CELL(fx->fabric, 0, NULL);
	assert_int_equal(vf_cell_vni(fx->cell[1]), vf_cell_id(fx->cell[1]));
}

static void test_core_cell_user_data(void **state)
{
	struct vt_fx *fx = *state;
	int x;

	fx->cell[0] = VT_CELL(fx->fabric, 0, NULL);
	assert_null(vf_cell_user_data(fx->cell[0]));
	vf_cell_set_user_data(fx->cell[0], &x);
	assert_ptr_equal(vf_cell_user_data(fx->cell[0]), &x);
}

static void test_core_cell_destroy_null(void **state)
{
	(void)state;
	vf_cell_destroy(NULL);
}

static void test_core_cell_null_fabric_refused(void **state)
{
	vf_cell *c = POISON(vf_cell);

	(void)state;
	assert_rc(vf_cell_create(&c, NULL, NULL), -EINVAL);
	assert_null(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_core_cell_id_auto_lowest_free,
						vt_setup_fabric, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_cell_duplicate_id_refused,
						vt_setup_fabric, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_cell_duplicate_name_refused,
						vt_setup_fabric, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_cell_bad_names_refused,
						vt_setup_fabric, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_cell_name_copied,
						vt_setup_fabric, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_cell_lookup,
						vt_setup_fabric, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_cell_iteration_creation_order,
						vt_setup_fabric, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_cell_counts,
						vt_setup_fabric, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_cell_set_name,
						vt_setup_fabric, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_cell_owner,
						vt_setup_fabric, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_cell_verdicts,
						vt_setup_fabric, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_cell_bad_verdict_refused,
						vt_setup_fabric, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_cell_vni,
						vt_setup_fabric, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_cell_vni_in_vxlan_fabric,
						vt_setup_fabric_vxlan, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_cell_user_data,
						vt_setup_fabric, vt_teardown),
		cmocka_unit_test(test_core_cell_destroy_null),
		cmocka_unit_test(test_core_cell_null_fabric_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
