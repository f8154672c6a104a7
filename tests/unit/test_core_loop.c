/* The control loop (loop.h): fd + timeout + process, wake-ups from other
 * threads, and the library's loop thread with the control lock. */
#include "unit.h"

#include <poll.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int fd_readable(int fd, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, timeout_ms);
}

static void test_core_loop_idle(void **state)
{
	vf_fabric *f = NULL;
	int fd;

	(void)state;
	assert_rc(vf_fabric_create(&f, NULL), 0);
	fd = vf_fabric_fd(f);
	assert_true(fd >= 0);
	assert_int_equal(vf_fabric_fd(f), fd); /* the same for the fabric's life */
	assert_int_equal(vf_fabric_timeout_ms(f), -1); /* no timer due */
	assert_int_equal(fd_readable(fd, 0), 0);
	assert_rc(vf_fabric_process(f), 0);
	/* vf_fabric_run with a timeout and nothing to do waits, then returns 0. */
	uint64_t t0 = now_ms();
	assert_rc(vf_fabric_run(f, 50), 0);
	assert_true(now_ms() - t0 >= 40);
	assert_int_equal(vf_fabric_wakeups(f), 0);
	vf_fabric_destroy(f);
}

static void test_core_loop_wakeup_same_thread(void **state)
{
	vf_fabric *f = NULL;

	(void)state;
	assert_rc(vf_fabric_create(&f, NULL), 0);
	assert_rc(vf_fabric_wakeup(f), 0);
	assert_rc(vf_fabric_wakeup(f), 0);
	assert_rc(vf_fabric_wakeup(f), 0);
	/* the descriptor tells the host's own loop there is work */
	assert_int_equal(fd_readable(vf_fabric_fd(f), 1000), 1);
	/* three calls before the loop ran coalesce into one event */
	assert_rc(vf_fabric_process(f), 1);
	assert_int_equal(vf_fabric_wakeups(f), 1);
	assert_rc(vf_fabric_process(f), 0);
	assert_int_equal(fd_readable(vf_fabric_fd(f), 0), 0);
	vf_fabric_destroy(f);
}

static void *wake_later(void *arg)
{
	usleep(50 * 1000);
	vf_fabric_wakeup(arg);
	return NULL;
}

static void test_core_loop_wakeup_other_thread(void **state)
{
	vf_fabric *f = NULL;
	pthread_t t;
	uint64_t t0;

	(void)state;
	assert_rc(vf_fabric_create(&f, NULL), 0);
	assert_int_equal(pthread_create(&t, NULL, wake_later, f), 0);
	t0 = now_ms();
	/* blocks until the other thread wakes it, well before 10 s */
	assert_rc(vf_fabric_run(f, 10000), 1);
	assert_true(now_ms() - t0 < 5000);
	assert_int_equal(vf_fabric_wakeups(f), 1);
	pthread_join(t, NULL);
	vf_fabric_destroy(f);
}

static void test_core_loop_bad_arguments(void **state)
{
	vf_fabric *f = NULL;
	vf_cell *c = NULL;

	(void)state;
	assert_rc(vf_fabric_fd(NULL), -EINVAL);
	assert_rc(vf_fabric_timeout_ms(NULL), -EINVAL);
	assert_rc(vf_fabric_process(NULL), -EINVAL);
	assert_rc(vf_fabric_run(NULL, 0), -EINVAL);
	assert_rc(vf_fabric_wakeup(NULL), -EINVAL);
	assert_rc(vf_fabric_thread_start(NULL), -EINVAL);
	assert_rc(vf_fabric_thread_stop(NULL), -EINVAL);
	assert_int_equal(vf_fabric_wakeups(NULL), 0);
	vf_fabric_lock(NULL);
	vf_fabric_unlock(NULL);

	/* a destroyed fabric kept in memory by a child handle */
	assert_rc(vf_fabric_create(&f, NULL), 0);
	assert_rc(vf_cell_create(&c, f, NULL), 0);
	vf_fabric_destroy(f);
	assert_rc(vf_fabric_fd(f), -ENOENT);
	assert_rc(vf_fabric_process(f), -ENOENT);
	assert_rc(vf_fabric_run(f, 0), -ENOENT);
	assert_rc(vf_fabric_thread_start(f), -ENOENT);
	vf_cell_destroy(c);
}

static void test_core_loop_thread(void **state)
{
	vf_fabric *f = NULL;
	vf_cell *c = NULL;
	uint64_t t0;

	(void)state;
	assert_rc(vf_fabric_create(&f, NULL), 0);
	assert_rc(vf_fabric_thread_stop(f), -ESRCH);
	assert_rc(vf_fabric_thread_start(f), 0);
	assert_rc(vf_fabric_thread_start(f), -EALREADY);
	/* the host may not run the loop the thread runs */
	assert_rc(vf_fabric_process(f), -EBUSY);
	assert_error_has("loop thread");
	assert_rc(vf_fabric_run(f, 0), -EBUSY);

	/* the thread handles wake-ups by itself */
	assert_rc(vf_fabric_wakeup(f), 0);
	t0 = now_ms();
	while (vf_fabric_wakeups(f) < 1 && now_ms() - t0 < 5000)
		usleep(1000);
	assert_int_equal(vf_fabric_wakeups(f), 1);

	/* control calls under the lock, while the thread runs */
	vf_fabric_lock(f);
	assert_rc(vf_cell_create(&c, f, NULL), 0);
	assert_rc(vf_fabric_wakeup(f), 0); /* handled after the unlock */
	vf_fabric_unlock(f);
	t0 = now_ms();
	while (vf_fabric_wakeups(f) < 2 && now_ms() - t0 < 5000)
		usleep(1000);
	assert_int_equal(vf_fabric_wakeups(f), 2);

	assert_rc(vf_fabric_thread_stop(f), 0);
	assert_rc(vf_fabric_thread_stop(f), -ESRCH);
	/* the owner's thread runs the loop again */
	assert_rc(vf_fabric_wakeup(f), 0);
	assert_rc(vf_fabric_process(f), 1);
	assert_int_equal(vf_fabric_cell_count(f), 1);
	vf_cell_destroy(c);
	vf_fabric_destroy(f);
}

/* Destroying a fabric whose loop thread runs stops the thread first. */
static void test_core_loop_destroy_with_thread(void **state)
{
	vf_fabric *f = NULL;

	(void)state;
	for (int i = 0; i < 20; i++) {
		assert_rc(vf_fabric_create(&f, NULL), 0);
		assert_rc(vf_fabric_thread_start(f), 0);
		if (i & 1)
			vf_fabric_wakeup(f);
		vf_fabric_destroy(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_core_loop_idle),
		cmocka_unit_test(test_core_loop_wakeup_same_thread),
		cmocka_unit_test(test_core_loop_wakeup_other_thread),
		cmocka_unit_test(test_core_loop_bad_arguments),
		cmocka_unit_test(test_core_loop_thread),
		cmocka_unit_test(test_core_loop_destroy_with_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
