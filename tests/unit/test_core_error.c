/* Errors (error.h): vf_strerror(), the thread-local vf_last_error(), and
 * the version calls (vfabric.h). */
#include "unit.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>

/* Runs first, before this thread has had any failure. */
static void test_core_error_last_error_empty_at_start(void **state)
{
	const char *msg;

	(void)state;
	msg = vf_last_error();
	assert_non_null(msg);
	assert_string_equal(msg, "");
}

static void test_core_error_strerror(void **state)
{
	static const int codes[] = { EINVAL, ENOMEM, ENOENT, EEXIST,
				     EADDRINUSE, ENOSPC, EBUSY, EOPNOTSUPP,
				     ENODEV, EPROTO, EAGAIN, ETIMEDOUT,
				     EACCES, EPERM, EPROTONOSUPPORT, EMSGSIZE,
				     EBADMSG, ENOTCONN, ECONNRESET, ECONNREFUSED,
				     EALREADY, ESRCH, EDEADLK, EINTR, EMFILE };
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		const char *neg = vf_strerror(-codes[i]);
		const char *pos = vf_strerror(codes[i]);

		assert_non_null(neg);
		assert_non_null(pos);
		assert_true(neg[0] != '\0');
		assert_string_equal(neg, pos);
		assert_null(strstr(neg, "unknown error"));
		for (j = 0; j < i; j++)
			if (strcmp(neg, vf_strerror(-codes[j])) == 0)
				fail_msg("codes %d and %d share \"%s\"",
					 codes[i], codes[j], neg);
	}
}

static void test_core_error_strerror_unknown(void **state)
{
	const char *s;

	(void)state;
	s = vf_strerror(4242);
	assert_non_null(s);
	assert_string_equal(s, "unknown error");
	/* static: a second unknown code does not change the first result */
	assert_ptr_equal(vf_strerror(-4243), s);
	assert_string_equal(s, "unknown error");
	/* Never NULL, whatever the code. */
	assert_non_null(vf_strerror(0));
	assert_non_null(vf_strerror(INT_MAX));
	assert_non_null(vf_strerror(-INT_MAX));
}

/* Any int is a valid argument, including one whose absolute value does
 * not fit an int. Last in the list: UBSan aborts the process here if the
 * library negates it. */
static void test_core_error_strerror_int_min(void **state)
{
	const char *s;

	(void)state;
	s = vf_strerror(INT_MIN);
	assert_non_null(s);
	assert_non_null(strstr(s, "unknown error"));
}

static void test_core_error_message_names_value(void **state)
{
	uint32_t a;
	vf_ipv4_prefix p;

	(void)state;
	assert_rc(vf_ipv4_parse(&a, "10.1.2.999"), -EINVAL);
	assert_error_has("10.1.2.999");
	/* A new failure replaces the message. */
	assert_rc(vf_prefix_parse(&p, "10.1.2.0/99"), -EINVAL);
	assert_error_has("10.1.2.0/99");
	assert_null(strstr(vf_last_error(), "10.1.2.999"));
}

static void test_core_error_not_cleared_by_success(void **state)
{
	uint32_t a;
	char before[512];

	(void)state;
	assert_rc(vf_ipv4_parse(&a, "not-an-address"), -EINVAL);
	snprintf(before, sizeof(before), "%s", vf_last_error());
	assert_rc(vf_ipv4_parse(&a, "10.0.0.1"), 0);
	assert_string_equal(vf_last_error(), before);
	{
		vf_fabric *f = NULL;

		assert_rc(vf_fabric_create(&f, NULL), 0);
		vf_fabric_destroy(f);
	}
	assert_string_equal(vf_last_error(), before);
}

struct thread_result {
	char at_start[256];
	char after_failure[256];
	int rc;
};

static void *thread_main(void *arg)
{
	struct thread_result *r = arg;
	uint32_t a;

	snprintf(r->at_start, sizeof(r->at_start), "%s", vf_last_error());
	r->rc = vf_ipv4_parse(&a, "thread.bad.address");
	snprintf(r->after_failure, sizeof(r->after_failure), "%s",
		 vf_last_error());
	return NULL;
}

static void test_core_error_last_error_is_thread_local(void **state)
{
	struct thread_result r;
	pthread_t t;
	uint32_t a;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_rc(vf_ipv4_parse(&a, "main.bad.address"), -EINVAL);
	assert_int_equal(pthread_create(&t, NULL, thread_main, &r), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	/* A new thread starts with no message ... */
	assert_string_equal(r.at_start, "");
	/* ... gets its own ... */
	assert_int_equal(r.rc, -EINVAL);
	assert_non_null(strstr(r.after_failure, "thread.bad.address"));
	/* ... and does not touch this thread's. */
	assert_error_has("main.bad.address");
}

static void test_core_error_each_failure_sets_message(void **state)
{
	struct vt_fx *fx = *state;
	VF_OPTS(vf_cell_opts, co, .id = 1);
	VF_OPTS(vf_port_opts, po, .name = "vm", .vip = IP4(10, 1, 1, 2));
	vf_cell *c = NULL;
	vf_port *p = NULL;
	char prev[512];

	snprintf(prev, sizeof(prev), "%s", vf_last_error());
	/* -EEXIST */
	assert_rc(vf_cell_create(&c, fx->fabric, &co), -EEXIST);
	assert_error_set();
	assert_true(strcmp(vf_last_error(), prev) != 0);
	snprintf(prev, sizeof(prev), "%s", vf_last_error());
	/* -EADDRINUSE */
	fx->port[0] = VT_PORT(fx->subnet[0], "first", IP4(10, 1, 1, 2));
	assert_rc(vf_port_create(&p, fx->subnet[0], &po), -EADDRINUSE);
	assert_error_has("10.1.1.2");
	assert_true(strcmp(vf_last_error(), prev) != 0);
	snprintf(prev, sizeof(prev), "%s", vf_last_error());
	/* -ENOENT */
	assert_rc(vf_secgroup_create(&fx->sg[0], fx->cell[0], NULL), 0);
	assert_rc(vf_port_del_secgroup(fx->port[0], fx->sg[0]), -ENOENT);
	assert_error_set();
	assert_true(strcmp(vf_last_error(), prev) != 0);
}

static void test_core_version(void **state)
{
	char want[32];

	(void)state;
	assert_int_equal(vf_version(), VF_VERSION_HEX);
	assert_int_equal(vf_version() >> 16, VF_VERSION_MAJOR);
	assert_int_equal((vf_version() >> 8) & 0xff, VF_VERSION_MINOR);
	assert_int_equal(vf_version() & 0xff, VF_VERSION_PATCH);
	assert_non_null(vf_version_string());
	assert_string_equal(vf_version_string(), VF_VERSION_STRING);
	snprintf(want, sizeof(want), "%d.%d.%d", VF_VERSION_MAJOR,
		 VF_VERSION_MINOR, VF_VERSION_PATCH);
	assert_string_equal(vf_version_string(), want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_core_error_last_error_empty_at_start),
		cmocka_unit_test(test_core_error_strerror),
		cmocka_unit_test(test_core_error_strerror_unknown),
		cmocka_unit_test(test_core_error_message_names_value),
		cmocka_unit_test(test_core_error_not_cleared_by_success),
		cmocka_unit_test(test_core_error_last_error_is_thread_local),
		cmocka_unit_test_setup_teardown(test_core_error_each_failure_sets_message,
						vt_setup_subnet, vt_teardown),
		cmocka_unit_test(test_core_version),
		cmocka_unit_test(test_core_error_strerror_int_min),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
