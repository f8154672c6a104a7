/*
 * The gossip transport out of file descriptors: a stream that arrives
 * when accept() fails with EMFILE is shed (the peer sees the connection
 * closed) instead of leaving the listening socket readable for ever, which
 * would spin the control loop. And vf_gossip_start()'s flags. Loopback
 * only.
 */
#include "unit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PORT 21791

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_gossip_transport_sheds_at_emfile(void **state)
{
	VF_OPTS(vf_gossip_opts, go, .bind_addr = "127.0.0.61", .bind_port = PORT,
		.node_name = "shed");
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(PORT)};
	struct rlimit old, low;
	vf_fabric *f = NULL;
	int cli, fds[4096], n = 0, spun = 0;
	char b;
	double t0;

	(void)state;
	inet_pton(AF_INET, "127.0.0.61", &sa.sin_addr);
	assert_rc(vf_fabric_create(&f, NULL), 0);
	assert_rc(vf_gossip_start(f, &go), 0);
	cli = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(cli >= 0);
	/* every descriptor taken, under a low limit */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = 256;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	while (n < 4096 && (fds[n] = dup(0)) >= 0)
		n++;
	/* the kernel completes the connection into the backlog */
	assert_int_equal(connect(cli, (struct sockaddr *)&sa, sizeof(sa)), 0);
	t0 = cpu_now();
	for (int i = 0; i < 20; i++)
		spun += vf_fabric_run(f, 10);
	/* shed: the peer sees it closed, and the loop went idle */
	assert_int_equal(recv(cli, &b, 1, MSG_DONTWAIT), 0);
	assert_true(cpu_now() - t0 < 0.1);
	assert_true(spun < 20);
	while (n)
		close(fds[--n]);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	close(cli);
	vf_gossip_stop(f);
	vf_fabric_destroy(f);
}

/* Flags: unknown bits and COMPRESS with NO_COMPRESS are refused with a
 * message, and leave gossip stopped; each known flag alone starts. */
static void test_gossip_start_flags(void **state)
{
	static const uint32_t bad[] = {VF_GOSSIP_F_COMPRESS | VF_GOSSIP_F_NO_COMPRESS,
				       1u << 2, 1u << 31};
	static const uint32_t good[] = {0, VF_GOSSIP_F_COMPRESS, VF_GOSSIP_F_NO_COMPRESS};
	vf_fabric *f = NULL;

	(void)state;
	assert_rc(vf_fabric_create(&f, NULL), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		VF_OPTS(vf_gossip_opts, go, .bind_addr = "127.0.0.62", .bind_port = PORT,
			.flags = bad[i]);

		assert_rc(vf_gossip_start(f, &go), -EINVAL);
		assert_non_null(strstr(vf_last_error(), "flags"));
		assert_int_equal(vf_gossip_status_get(f), VF_GOSSIP_STOPPED);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		VF_OPTS(vf_gossip_opts, go, .bind_addr = "127.0.0.62", .bind_port = PORT,
			.flags = good[i]);

		assert_rc(vf_gossip_start(f, &go), 0);
		assert_int_equal(vf_gossip_status_get(f), VF_GOSSIP_RUNNING);
		vf_gossip_stop(f);
	}
	vf_fabric_destroy(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gossip_transport_sheds_at_emfile),
		cmocka_unit_test(test_gossip_start_flags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
