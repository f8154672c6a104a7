/* Address helpers (common.h): vf_ipv4_*, vf_prefix_*, vf_mac_*. */
#include "unit.h"

#include <stdio.h>

static void test_core_ipv4_parse_valid(void **state)
{
	uint32_t a = 1;

	(void)state;
	assert_rc(vf_ipv4_parse(&a, "10.1.2.3"), 0);
	assert_ip_equal(a, 0x0a010203);
	assert_rc(vf_ipv4_parse(&a, "0.0.0.0"), 0);
	assert_ip_equal(a, 0);
	assert_rc(vf_ipv4_parse(&a, "255.255.255.255"), 0);
	assert_ip_equal(a, 0xffffffff);
	assert_rc(vf_ipv4_parse(&a, "192.168.100.254"), 0);
	assert_ip_equal(a, IP4(192, 168, 100, 254));
}

static void test_core_ipv4_parse_malformed_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"10",
		"10.1.2",
		"10.1.2.",
		"10.1.2.3.",
		"10.1.2.3.4",
		".10.1.2.3",
		"10..2.3",
		"256.1.2.3",
		"10.1.2.256",
		"10.1.2.1000",
		"10.1.2.-3",
		"+10.1.2.3",
		"a.b.c.d",
		"10.1.2.3a",
		"10.1.2.3 ",
		" 10.1.2.3",
		"10.1.2.3\n",
		"10.1.2.3/24",
		"10 .1.2.3",
		"0x0a.1.2.3",
		"4294967295",
		"10.1.2.3:80",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint32_t a = 0x5a5a5a5a;
		int rc = vf_ipv4_parse(&a, bad[i]);

		if (rc != -EINVAL)
			fail_msg("vf_ipv4_parse(\"%s\") returned %d (%s), "
				 "expected -EINVAL",
				 bad[i], rc, vt_errname(rc));
		assert_error_set();
	}
	assert_rc(vf_ipv4_parse(NULL, "10.1.2.3"), -EINVAL);
	{
		uint32_t a;

		assert_rc(vf_ipv4_parse(&a, NULL), -EINVAL);
	}
}

static void test_core_ipv4_parse_error_names_text(void **state)
{
	uint32_t a;

	(void)state;
	assert_rc(vf_ipv4_parse(&a, "10.1.2.300"), -EINVAL);
	assert_error_has("10.1.2.300");
	assert_rc(vf_ipv4_parse(&a, "ten.one"), -EINVAL);
	assert_error_has("ten.one");
}

static void test_core_ipv4_format(void **state)
{
	char buf[VF_IPV4_STRLEN];

	(void)state;
	assert_rc(vf_ipv4_format(buf, sizeof(buf), 0x0a010203), 8);
	assert_string_equal(buf, "10.1.2.3");
	assert_rc(vf_ipv4_format(buf, sizeof(buf), 0), 7);
	assert_string_equal(buf, "0.0.0.0");
	assert_rc(vf_ipv4_format(buf, sizeof(buf), 0xffffffff), 15);
	assert_string_equal(buf, "255.255.255.255");
}

static void test_core_ipv4_format_short_buffer(void **state)
{
	char buf[32];

	(void)state;
	/* "10.1.2.3" needs 9 bytes with its NUL. */
	memset(buf, 'X', sizeof(buf));
	assert_rc(vf_ipv4_format(buf, 8, 0x0a010203), -ENOSPC);
	assert_int_equal(buf[8], 'X');
	assert_error_set();
	assert_rc(vf_ipv4_format(buf, 0, 0x0a010203), -ENOSPC);
	assert_rc(vf_ipv4_format(buf, 9, 0x0a010203), 8);
	assert_string_equal(buf, "10.1.2.3");
	/* The longest address fits VF_IPV4_STRLEN exactly. */
	memset(buf, 'X', sizeof(buf));
	assert_rc(vf_ipv4_format(buf, VF_IPV4_STRLEN - 1, 0xffffffff),
		  -ENOSPC);
	assert_int_equal(buf[VF_IPV4_STRLEN - 1], 'X');
	assert_rc(vf_ipv4_format(buf, VF_IPV4_STRLEN, 0xffffffff), 15);
	assert_int_equal(buf[VF_IPV4_STRLEN], 'X');
}

static void test_core_ipv4_round_trip(void **state)
{
	uint32_t x = 0x12345678;
	int i;

	(void)state;
	for (i = 0; i < 5000; i++) {
		char buf[VF_IPV4_STRLEN], ref[32];
		uint32_t back = ~x;
		int n;

		x = x * 1103515245u + 12345u;
		n = vf_ipv4_format(buf, sizeof(buf), x);
		snprintf(ref, sizeof(ref), "%u.%u.%u.%u", (unsigned)(x >> 24),
			 (unsigned)((x >> 16) & 0xff),
			 (unsigned)((x >> 8) & 0xff), (unsigned)(x & 0xff));
		assert_int_equal(n, (int)strlen(ref));
		assert_string_equal(buf, ref);
		assert_rc(vf_ipv4_parse(&back, buf), 0);
		assert_ip_equal(back, x);
	}
}

static void test_core_prefix_parse_valid(void **state)
{
	vf_ipv4_prefix p;

	(void)state;
	memset(&p, 0xff, sizeof(p));
	assert_rc(vf_prefix_parse(&p, "10.1.2.0/24"), 0);
	assert_prefix_equal(p, PFX(IP4(10, 1, 2, 0), 24));
	assert_int_equal(p.reserved_[0], 0);
	assert_int_equal(p.reserved_[1], 0);
	assert_int_equal(p.reserved_[2], 0);
	assert_rc(vf_prefix_parse(&p, "0.0.0.0/0"), 0);
	assert_prefix_equal(p, PFX(0, 0));
	assert_rc(vf_prefix_parse(&p, "10.1.2.3/32"), 0);
	assert_prefix_equal(p, PFX(IP4(10, 1, 2, 3), 32));
	assert_rc(vf_prefix_parse(&p, "172.16.0.0/12"), 0);
	assert_prefix_equal(p, PFX(IP4(172, 16, 0, 0), 12));
	assert_rc(vf_prefix_parse(&p, "10.1.2.2/31"), 0);
	assert_prefix_equal(p, PFX(IP4(10, 1, 2, 2), 31));
}

static void test_core_prefix_parse_host_bits_refused(void **state)
{
	vf_ipv4_prefix p;

	(void)state;
	assert_rc(vf_prefix_parse(&p, "10.1.2.1/24"), -EINVAL);
	assert_error_has("10.1.2.1/24");
	assert_rc(vf_prefix_parse(&p, "10.1.2.0/16"), -EINVAL);
	assert_error_has("10.1.2.0/16");
	assert_rc(vf_prefix_parse(&p, "0.0.0.1/0"), -EINVAL);
	assert_rc(vf_prefix_parse(&p, "10.1.2.3/31"), -EINVAL);
	assert_rc(vf_prefix_parse(&p, "128.0.0.0/0"), -EINVAL);
}

static void test_core_prefix_parse_malformed_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"10.1.2.0",
		"10.1.2.0/",
		"/24",
		"10.1.2.0/33",
		"10.1.2.0/-1",
		"10.1.2.0/24/1",
		"10.1.2.0/2a",
		"10.1.2.0/ 24",
		"10.1.2.0 /24",
		"10.1.2/24",
		"10.1.2.0.0/24",
		"10.1.2.256/24",
		"10.1.2.0/24 ",
		"10.1.2.0/100",
		"10.1.2.0\\24",
		"10.1.2.0/4294967320",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		vf_ipv4_prefix p;
		int rc = vf_prefix_parse(&p, bad[i]);

		if (rc != -EINVAL)
			fail_msg("vf_prefix_parse(\"%s\") returned %d (%s), "
				 "expected -EINVAL",
				 bad[i], rc, vt_errname(rc));
		assert_error_set();
	}
	assert_rc(vf_prefix_parse(NULL, "10.1.2.0/24"), -EINVAL);
	{
		vf_ipv4_prefix p;

		assert_rc(vf_prefix_parse(&p, NULL), -EINVAL);
	}
}

static void test_core_prefix_format(void **state)
{
	char buf[64];
	vf_ipv4_prefix p = PFX(IP4(10, 1, 2, 0), 24);
	vf_ipv4_prefix widest = PFX(0xffffffff, 32);

	(void)state;
	assert_rc(vf_prefix_format(buf, VF_PREFIX_STRLEN, &p), 11);
	assert_string_equal(buf, "10.1.2.0/24");
	p = PFX(0, 0);
	assert_rc(vf_prefix_format(buf, VF_PREFIX_STRLEN, &p), 9);
	assert_string_equal(buf, "0.0.0.0/0");
	assert_rc(vf_prefix_format(buf, VF_PREFIX_STRLEN, &widest), 18);
	assert_string_equal(buf, "255.255.255.255/32");
}

static void test_core_prefix_format_short_buffer_and_bad_len(void **state)
{
	char buf[64];
	vf_ipv4_prefix p = PFX(IP4(10, 1, 2, 0), 24);
	vf_ipv4_prefix widest = PFX(0xffffffff, 32);

	(void)state;
	memset(buf, 'X', sizeof(buf));
	assert_rc(vf_prefix_format(buf, 11, &p), -ENOSPC);
	assert_int_equal(buf[11], 'X');
	assert_rc(vf_prefix_format(buf, 0, &p), -ENOSPC);
	assert_rc(vf_prefix_format(buf, 12, &p), 11);
	assert_string_equal(buf, "10.1.2.0/24");
	memset(buf, 'X', sizeof(buf));
	assert_rc(vf_prefix_format(buf, VF_PREFIX_STRLEN - 1, &widest), -ENOSPC);
	assert_int_equal(buf[VF_PREFIX_STRLEN - 1], 'X');

	p.len = 33;
	assert_rc(vf_prefix_format(buf, sizeof(buf), &p), -EINVAL);
	assert_error_has("33");
	p.len = 255;
	assert_rc(vf_prefix_format(buf, sizeof(buf), &p), -EINVAL);
	assert_rc(vf_prefix_format(buf, sizeof(buf), NULL), -EINVAL);
}

static void test_core_prefix_round_trip(void **state)
{
	uint32_t x = 0x9e3779b9;
	unsigned len;

	(void)state;
	for (len = 0; len <= 32; len++) {
		int i;

		for (i = 0; i < 50; i++) {
			uint32_t mask = len ? ~0u << (32 - len) : 0;
			vf_ipv4_prefix p = PFX(0, (uint8_t)len), back;
			char buf[VF_PREFIX_STRLEN];

			x = x * 1103515245u + 12345u;
			p.addr = x & mask;
			assert_rc_ge(vf_prefix_format(buf, sizeof(buf), &p), 9);
			memset(&back, 0x77, sizeof(back));
			assert_rc(vf_prefix_parse(&back, buf), 0);
			assert_prefix_equal(back, p);
		}
	}
}

static void test_core_mac_parse_valid(void **state)
{
	vf_mac m;

	(void)state;
	assert_rc(vf_mac_parse(&m, "02:00:0a:01:02:03"), 0);
	assert_mac_equal(m, MAC(0x02, 0x00, 0x0a, 0x01, 0x02, 0x03));
	assert_rc(vf_mac_parse(&m, "02-00-0A-01-02-03"), 0);
	assert_mac_equal(m, MAC(0x02, 0x00, 0x0a, 0x01, 0x02, 0x03));
	assert_rc(vf_mac_parse(&m, "aA:bB:Cc:dD:eE:fF"), 0);
	assert_mac_equal(m, MAC(0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff));
	assert_rc(vf_mac_parse(&m, "00:00:00:00:00:00"), 0);
	assert_mac_equal(m, MAC(0, 0, 0, 0, 0, 0));
	assert_rc(vf_mac_parse(&m, "FF:FF:FF:FF:FF:FF"), 0);
	assert_mac_equal(m, MAC(0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
}

static void test_core_mac_parse_malformed_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"02:00:0a:01:02",
		"02:00:0a:01:02:",
		"02:00:0a:01:02:03:",
		"02:00:0a:01:02:03:04",
		"02:00:0a:01:02:0g",
		"02:00:0a:01:02:033",
		"02::0a:01:02:03",
		":02:00:0a:01:02:03",
		"02:00:0a:01:02:03 ",
		" 02:00:0a:01:02:03",
		"0200.0a01.0203",
		"02000a010203",
		"02 00 0a 01 02 03",
		"02:00:0a:01:02:-3",
		"02:00:0a:01:02:+3",
		"102:00:0a:01:02:03",
		"zz:00:0a:01:02:03",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		vf_mac m;
		int rc = vf_mac_parse(&m, bad[i]);

		if (rc != -EINVAL)
			fail_msg("vf_mac_parse(\"%s\") returned %d (%s), "
				 "expected -EINVAL",
				 bad[i], rc, vt_errname(rc));
		assert_error_set();
	}
	assert_rc(vf_mac_parse(NULL, "02:00:0a:01:02:03"), -EINVAL);
	{
		vf_mac m;

		assert_rc(vf_mac_parse(&m, NULL), -EINVAL);
		assert_rc(vf_mac_parse(&m, "02:00:0a:01:02:0g"), -EINVAL);
		assert_error_has("02:00:0a:01:02:0g");
	}
}

static void test_core_mac_format(void **state)
{
	char buf[32];
	vf_mac m = MAC(0x02, 0xAB, 0x0a, 0x01, 0xFE, 0x03);

	(void)state;
	assert_rc(vf_mac_format(buf, VF_MAC_STRLEN, &m), 17);
	assert_string_equal(buf, "02:ab:0a:01:fe:03");
	memset(buf, 'X', sizeof(buf));
	assert_rc(vf_mac_format(buf, VF_MAC_STRLEN - 1, &m), -ENOSPC);
	assert_int_equal(buf[VF_MAC_STRLEN - 1], 'X');
	assert_rc(vf_mac_format(buf, 0, &m), -ENOSPC);
	assert_rc(vf_mac_format(buf, VF_MAC_STRLEN, &m), 17);
	assert_int_equal(buf[VF_MAC_STRLEN], 'X');
}

static void test_core_mac_round_trip(void **state)
{
	uint32_t x = 7;
	int i;

	(void)state;
	for (i = 0; i < 2000; i++) {
		vf_mac m, back;
		char buf[VF_MAC_STRLEN], upper[VF_MAC_STRLEN];
		int j;

		for (j = 0; j < 6; j++) {
			x = x * 1103515245u + 12345u;
			m.addr[j] = (uint8_t)(x >> 16);
		}
		assert_rc(vf_mac_format(buf, sizeof(buf), &m), 17);
		assert_rc(vf_mac_parse(&back, buf), 0);
		assert_mac_equal(back, m);
		/* Upper case with '-' separators parses to the same. */
		for (j = 0; j < VF_MAC_STRLEN; j++) {
			char ch = buf[j];

			upper[j] = ch == ':' ? '-' :
				   (ch >= 'a' && ch <= 'f') ? (char)(ch - 32) :
							      ch;
		}
		memset(&back, 0, sizeof(back));
		assert_rc(vf_mac_parse(&back, upper), 0);
		assert_mac_equal(back, m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_core_ipv4_parse_valid),
		cmocka_unit_test(test_core_ipv4_parse_malformed_refused),
		cmocka_unit_test(test_core_ipv4_parse_error_names_text),
		cmocka_unit_test(test_core_ipv4_format),
		cmocka_unit_test(test_core_ipv4_format_short_buffer),
		cmocka_unit_test(test_core_ipv4_round_trip),
		cmocka_unit_test(test_core_prefix_parse_valid),
		cmocka_unit_test(test_core_prefix_parse_host_bits_refused),
		cmocka_unit_test(test_core_prefix_parse_malformed_refused),
		cmocka_unit_test(test_core_prefix_format),
		cmocka_unit_test(test_core_prefix_format_short_buffer_and_bad_len),
		cmocka_unit_test(test_core_prefix_round_trip),
		cmocka_unit_test(test_core_mac_parse_valid),
		cmocka_unit_test(test_core_mac_parse_malformed_refused),
		cmocka_unit_test(test_core_mac_format),
		cmocka_unit_test(test_core_mac_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
