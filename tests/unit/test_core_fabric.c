/* The fabric (fabric.h, log.h): defaults, host identity, logging. */
#include "unit.h"

#include <stdio.h>
#include <unistd.h>

static char sentinel;
#define POISON(T) ((T *)(void *)&sentinel)

static void test_core_fabric_defaults(void **state)
{
	vf_fabric *f = POISON(vf_fabric);
	char host[256];

	(void)state;
	memset(host, 0, sizeof(host));
	assert_int_equal(gethostname(host, sizeof(host) - 1), 0);
	assert_rc(vf_fabric_create(&f, NULL), 0);
	assert_non_null(f);
	assert_non_null(vf_fabric_host_name(f));
	assert_string_equal(vf_fabric_host_name(f), host);
	assert_mac_equal(vf_fabric_host_mac(f), MAC(0, 0, 0, 0, 0, 0));
	assert_int_equal(vf_fabric_host_ip(f), 0);
	assert_int_equal(vf_fabric_wire_mode(f), VF_WIRE_REWRITE);
	assert_int_equal(vf_fabric_cell_count(f), 0);
	assert_int_equal(vf_fabric_port_count(f), 0);
	assert_null(vf_fabric_next_cell(f, NULL));
	assert_null(vf_fabric_cell_by_id(f, 1));
	assert_null(vf_fabric_cell_by_name(f, "cell1"));
	assert_null(vf_fabric_port_by_name(f, "vm1"));
	assert_null(vf_fabric_user_data(f));
	vf_fabric_destroy(f);
}

static void test_core_fabric_opts_read_back(void **state)
{
	VF_OPTS(vf_fabric_opts, opts, .host_name = "hv-01.example",
		.host_mac = MAC(0x52, 0x54, 0x00, 0x12, 0x34, 0x56),
		.host_ip = IP4(192, 168, 1, 10), .wire_mode = VF_WIRE_VXLAN);
	vf_fabric *f = NULL;

	(void)state;
	assert_rc(vf_fabric_create(&f, &opts), 0);
	assert_string_equal(vf_fabric_host_name(f), "hv-01.example");
	assert_mac_equal(vf_fabric_host_mac(f),
			 MAC(0x52, 0x54, 0x00, 0x12, 0x34, 0x56));
	assert_ip_equal(vf_fabric_host_ip(f), IP4(192, 168, 1, 10));
	assert_int_equal(vf_fabric_wire_mode(f), VF_WIRE_VXLAN);
	vf_fabric_destroy(f);
}

static void test_core_fabric_host_name_copied(void **state)
{
	char name[32];
	VF_OPTS(vf_fabric_opts, opts, .host_name = name);
	vf_fabric *f = NULL;

	(void)state;
	snprintf(name, sizeof(name), "%s", "hv-07");
	assert_rc(vf_fabric_create(&f, &opts), 0);
	memset(name, 'z', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	assert_string_equal(vf_fabric_host_name(f), "hv-07");
	vf_fabric_destroy(f);
}

static void test_core_fabric_bad_wire_mode_refused(void **state)
{
	VF_OPTS(vf_fabric_opts, opts, .wire_mode = (vf_wire_mode)2);
	vf_fabric *f = POISON(vf_fabric);

	(void)state;
	assert_rc(vf_fabric_create(&f, &opts), -EINVAL);
	assert_null(f);
	assert_error_set();
	opts.wire_mode = (vf_wire_mode)-1;
	f = POISON(vf_fabric);
	assert_rc(vf_fabric_create(&f, &opts), -EINVAL);
	assert_null(f);
}

static void test_core_fabric_bad_log_level_refused(void **state)
{
	struct vt_log log;
	VF_OPTS(vf_fabric_opts, opts, .log_fn = vt_log_record,
		.log_user_data = &log, .log_level = (vf_log_level)4);
	vf_fabric *f = POISON(vf_fabric);

	(void)state;
	memset(&log, 0, sizeof(log));
	assert_rc(vf_fabric_create(&f, &opts), -EINVAL);
	assert_null(f);
	assert_error_set();
	opts.log_level = (vf_log_level)-1;
	f = POISON(vf_fabric);
	assert_rc(vf_fabric_create(&f, &opts), -EINVAL);
	assert_null(f);
}

static void test_core_fabric_multicast_host_mac_refused(void **state)
{
	VF_OPTS(vf_fabric_opts, opts,
		.host_mac = MAC(0x01, 0x00, 0x5e, 0x00, 0x00, 0x01));
	vf_fabric *f = POISON(vf_fabric);

	(void)state;
	assert_rc(vf_fabric_create(&f, &opts), -EINVAL);
	assert_null(f);
	assert_error_has("01:00:5e:00:00:01");
}

static void test_core_fabric_bad_host_name_refused(void **state)
{
	char longname[301];
	VF_OPTS(vf_fabric_opts, opts, .host_name = "bad host");
	vf_fabric *f = POISON(vf_fabric);

	(void)state;
	assert_rc(vf_fabric_create(&f, &opts), -EINVAL);
	assert_null(f);
	assert_error_has("bad host");

	memset(longname, 'h', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	opts.host_name = longname;
	f = POISON(vf_fabric);
	assert_rc(vf_fabric_create(&f, &opts), -EINVAL);
	assert_null(f);
	assert_error_set();
}

static void test_core_fabric_set_host_mac(void **state)
{
	struct vt_fx *fx = *state;
	vf_mac good = MAC(0x52, 0x54, 0x00, 0xab, 0xcd, 0xef);
	vf_mac mcast = MAC(0x33, 0x33, 0x00, 0x00, 0x00, 0x01);
	vf_mac bcast = MAC(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
	vf_mac zero = MAC(0, 0, 0, 0, 0, 0);

	assert_rc(vf_fabric_set_host_mac(fx->fabric, &good), 0);
	assert_mac_equal(vf_fabric_host_mac(fx->fabric), good);

	assert_rc(vf_fabric_set_host_mac(fx->fabric, &mcast), -EINVAL);
	assert_error_has("33:33:00:00:00:01");
	assert_rc(vf_fabric_set_host_mac(fx->fabric, &bcast), -EINVAL);
	assert_error_has("ff:ff:ff:ff:ff:ff");
	assert_rc(vf_fabric_set_host_mac(fx->fabric, &zero), -EINVAL);
	assert_error_set();
	assert_rc(vf_fabric_set_host_mac(fx->fabric, NULL), -EINVAL);
	/* Refusals change nothing. */
	assert_mac_equal(vf_fabric_host_mac(fx->fabric), good);
}

static void test_core_fabric_set_host_ip(void **state)
{
	struct vt_fx *fx = *state;
	static const struct {
		uint32_t addr;
		const char *text;
	} bad[] = {
		{ IP4(224, 0, 0, 5), "224.0.0.5" },
		{ IP4(239, 255, 255, 250), "239.255.255.250" },
		{ IP4(255, 255, 255, 255), "255.255.255.255" },
		{ IP4(127, 0, 0, 1), "127.0.0.1" },
		{ IP4(127, 1, 2, 3), "127.1.2.3" },
	};
	size_t i;

	assert_rc(vf_fabric_set_host_ip(fx->fabric, IP4(192, 168, 7, 20)), 0);
	assert_ip_equal(vf_fabric_host_ip(fx->fabric), IP4(192, 168, 7, 20));
	assert_rc(vf_fabric_set_host_ip(fx->fabric, 0), -EINVAL);
	assert_error_set();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_rc(vf_fabric_set_host_ip(fx->fabric, bad[i].addr),
			  -EINVAL);
		assert_error_has(bad[i].text);
	}
	assert_ip_equal(vf_fabric_host_ip(fx->fabric), IP4(192, 168, 7, 20));
	assert_rc(vf_fabric_set_host_ip(fx->fabric, IP4(10, 200, 0, 1)), 0);
	assert_ip_equal(vf_fabric_host_ip(fx->fabric), IP4(10, 200, 0, 1));
}

/* Creates and destroys a little model, with a few refusals, so that a
 * fabric has something to log about. */
static void exercise(vf_fabric *f)
{
	VF_OPTS(vf_cell_opts, dup, .id = 1);
	vf_cell *c, *bad = NULL;
	vf_subnet *s;
	vf_port *p;

	c = VT_CELL(f, 1, "logged");
	s = VT_SUBNET(c, NULL, "lan");
	p = VT_PORT(s, "vm-logged", 0);
	assert_rc(vf_cell_create(&bad, f, &dup), -EEXIST);
	vf_port_destroy(p);
	vf_subnet_destroy(s);
	vf_cell_destroy(c);
}

static void test_core_fabric_log_levels(void **state)
{
	struct vt_log log;
	VF_OPTS(vf_fabric_opts, opts, .log_fn = vt_log_record,
		.log_user_data = &log, .log_level = VF_LOG_DEBUG);
	vf_fabric *f = NULL;
	int level;

	(void)state;
	memset(&log, 0, sizeof(log));
	log.max_level = -1;
	assert_rc(vf_fabric_create(&f, &opts), 0);
	exercise(f);
	/* At DEBUG, creating and destroying objects says something. */
	assert_true(log.count > 0);
	assert_int_equal(log.bad, 0);
	assert_true(log.max_level <= VF_LOG_DEBUG);

	for (level = VF_LOG_INFO; level >= VF_LOG_ERROR; level--) {
		memset(&log, 0, sizeof(log));
		log.max_level = -1;
		assert_rc(vf_fabric_set_log(f, vt_log_record, &log,
					    (vf_log_level)level),
			  0);
		exercise(f);
		assert_int_equal(log.bad, 0);
		if (log.max_level > level)
			fail_msg("a level-%d message (\"%s\") reached a "
				 "callback set to level %d",
				 log.max_level, log.last, level);
	}

	/* Back to DEBUG through the setter: messages flow again. */
	memset(&log, 0, sizeof(log));
	log.max_level = -1;
	assert_rc(vf_fabric_set_log(f, vt_log_record, &log, VF_LOG_DEBUG), 0);
	exercise(f);
	assert_true(log.count > 0);

	/* NULL: silence. */
	memset(&log, 0, sizeof(log));
	assert_rc(vf_fabric_set_log(f, NULL, &log, VF_LOG_DEBUG), 0);
	exercise(f);
	assert_int_equal(log.count, 0);
	vf_fabric_destroy(f);
}

static void test_core_fabric_log_is_per_fabric(void **state)
{
	struct vt_log log;
	VF_OPTS(vf_fabric_opts, opts, .log_fn = vt_log_record,
		.log_user_data = &log, .log_level = VF_LOG_DEBUG);
	vf_fabric *logged = NULL, *quiet = NULL;

	(void)state;
	memset(&log, 0, sizeof(log));
	assert_rc(vf_fabric_create(&logged, &opts), 0);
	assert_rc(vf_fabric_create(&quiet, NULL), 0);
	log.count = 0;
	exercise(quiet);
	assert_int_equal(log.count, 0);
	vf_fabric_destroy(quiet);
	vf_fabric_destroy(logged);
}

static void test_core_fabric_set_log_bad_level_refused(void **state)
{
	struct vt_fx *fx = *state;
	struct vt_log log;

	memset(&log, 0, sizeof(log));
	assert_rc(vf_fabric_set_log(fx->fabric, vt_log_record, &log,
				    (vf_log_level)4),
		  -EINVAL);
	assert_error_set();
	assert_rc(vf_fabric_set_log(fx->fabric, vt_log_record, &log,
				    (vf_log_level)-1),
		  -EINVAL);
	/* The refused callback was not installed. */
	exercise(fx->fabric);
	assert_int_equal(log.count, 0);
}

static void test_core_fabric_destroy_null(void **state)
{
	(void)state;
	vf_fabric_destroy(NULL);
}

static void test_core_fabric_user_data(void **state)
{
	struct vt_fx *fx = *state;
	int x;

	assert_null(vf_fabric_user_data(fx->fabric));
	vf_fabric_set_user_data(fx->fabric, &x);
	assert_ptr_equal(vf_fabric_user_data(fx->fabric), &x);
	vf_fabric_set_user_data(fx->fabric, NULL);
	assert_null(vf_fabric_user_data(fx->fabric));
}

static void test_core_fabric_instances_independent(void **state)
{
	struct vt_fx *fx = *state;
	vf_fabric *g = NULL;
	vf_cell *a, *b;
	vf_subnet *sa, *sb;
	vf_port *pa, *pb;

	assert_rc(vf_fabric_create(&g, NULL), 0);
	/* The same ids, names, prefixes and VIPs in two fabrics. */
	a = VT_CELL(fx->fabric, 1, "blue");
	b = VT_CELL(g, 1, "blue");
	sa = VT_SUBNET(a, NULL, "lan");
	sb = VT_SUBNET(b, NULL, "lan");
	pa = VT_PORT(sa, "vm1", 0);
	pb = VT_PORT(sb, "vm1", 0);
	assert_ptr_equal(vf_fabric_port_by_name(fx->fabric, "vm1"), pa);
	assert_ptr_equal(vf_fabric_port_by_name(g, "vm1"), pb);
	assert_ptr_equal(vf_cell_fabric(a), fx->fabric);
	assert_ptr_equal(vf_cell_fabric(b), g);
	assert_int_equal(vf_fabric_port_count(fx->fabric), 1);
	assert_int_equal(vf_fabric_port_count(g), 1);
	vf_port_destroy(pb);
	vf_subnet_destroy(sb);
	vf_cell_destroy(b);
	vf_fabric_destroy(g);
	assert_ptr_equal(vf_fabric_port_by_name(fx->fabric, "vm1"), pa);
	vf_port_destroy(pa);
	vf_subnet_destroy(sa);
	vf_cell_destroy(a);
}

static void test_core_fabric_counts(void **state)
{
	struct vt_fx *fx = *state;

	fx->cell[0] = VT_CELL(fx->fabric, 1, "a");
	fx->cell[1] = VT_CELL(fx->fabric, 2, "b");
	fx->subnet[0] = VT_SUBNET(fx->cell[0], NULL, "s");
	fx->subnet[1] = VT_SUBNET(fx->cell[1], NULL, "s");
	fx->port[0] = VT_PORT(fx->subnet[0], "p0", 0);
	fx->port[1] = VT_PORT(fx->subnet[0], "p1", 0);
	fx->port[2] = VT_PORT(fx->subnet[1], "p2", 0);
	assert_int_equal(vf_fabric_cell_count(fx->fabric), 2);
	assert_int_equal(vf_fabric_port_count(fx->fabric), 3);
	assert_ptr_equal(vf_fabric_port_by_name(fx->fabric, "p2"), fx->port[2]);
	assert_null(vf_fabric_port_by_name(fx->fabric, "p3"));
	vf_port_destroy(fx->port[1]);
	fx->port[1] = NULL;
	assert_int_equal(vf_fabric_port_count(fx->fabric), 2);
	assert_null(vf_fabric_port_by_name(fx->fabric, "p1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_core_fabric_defaults),
		cmocka_unit_test(test_core_fabric_opts_read_back),
		cmocka_unit_test(test_core_fabric_host_name_copied),
		cmocka_unit_test(test_core_fabric_bad_wire_mode_refused),
		cmocka_unit_test(test_core_fabric_bad_log_level_refused),
		cmocka_unit_test(test_core_fabric_multicast_host_mac_refused),
		cmocka_unit_test(test_core_fabric_bad_host_name_refused),
		cmocka_unit_test_setup_teardown(test_core_fabric_set_host_mac,
						vt_setup_fabric, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_fabric_set_host_ip,
						vt_setup_fabric, vt_teardown),
		cmocka_unit_test(test_core_fabric_log_levels),
		cmocka_unit_test(test_core_fabric_log_is_per_fabric),
		cmocka_unit_test_setup_teardown(test_core_fabric_set_log_bad_level_refused,
						vt_setup_fabric, vt_teardown),
		cmocka_unit_test(test_core_fabric_destroy_null),
		cmocka_unit_test_setup_teardown(test_core_fabric_user_data,
						vt_setup_fabric, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_fabric_instances_independent,
						vt_setup_fabric, vt_teardown),
		cmocka_unit_test_setup_teardown(test_core_fabric_counts,
						vt_setup_fabric, vt_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
