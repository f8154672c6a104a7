/*
 * Shared helpers of the cmocka unit tests (tests/unit/test_core_*.c).
 *
 * The unit tests use the public API only: they link the shared library
 * and include <vfabric/vfabric.h>, exactly as an embedder would.
 */
#ifndef VF_TESTS_UNIT_H
#define VF_TESTS_UNIT_H

/* cmocka.h needs these before it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <vfabric/vfabric.h>

/* An IPv4 address in host byte order, as the API takes it. */
#define IP4(a, b, c, d)                                                    \
	((uint32_t)(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) |        \
		    ((uint32_t)(c) << 8) | (uint32_t)(d)))

/* A vf_mac value. */
#define MAC(a, b, c, d, e, f)                                              \
	((vf_mac){ { (a), (b), (c), (d), (e), (f) } })

/* A vf_ipv4_prefix value. */
#define PFX(addr_, len_) ((vf_ipv4_prefix){ .addr = (addr_), .len = (len_) })

/*
 * Fails the test unless EXPR evaluates to WANT (0 or -errno); the failure
 * shows both codes by name and vf_last_error().
 */
#define assert_rc(expr, want)                                              \
	vt_assert_rc((int)(expr), (int)(want), #expr, __FILE__, __LINE__)

/* Fails unless EXPR evaluates to at least MIN (ids and counts). */
#define assert_rc_ge(expr, min)                                            \
	vt_assert_rc_ge((int)(expr), (int)(min), #expr, __FILE__, __LINE__)

/* Fails unless vf_last_error() contains SUB. */
#define assert_error_has(sub) vt_assert_error_has((sub), __FILE__, __LINE__)

/* Fails unless vf_last_error() contains SUB1 or SUB2. */
#define assert_error_has_any(sub1, sub2)                                   \
	vt_assert_error_has_any((sub1), (sub2), __FILE__, __LINE__)

/* Fails unless vf_last_error() is a non-empty message. */
#define assert_error_set() vt_assert_error_set(__FILE__, __LINE__)

/* Fails unless the two vf_mac values are equal (printed as text). */
#define assert_mac_equal(got, want)                                        \
	vt_assert_mac_equal((got), (want), __FILE__, __LINE__)

/* Fails unless the two prefixes are equal (printed as text). */
#define assert_prefix_equal(got, want)                                     \
	vt_assert_prefix_equal((got), (want), __FILE__, __LINE__)

/* Fails unless the two IPv4 addresses are equal (printed as text). */
#define assert_ip_equal(got, want)                                         \
	vt_assert_ip_equal((uint32_t)(got), (uint32_t)(want), __FILE__,    \
			   __LINE__)

void vt_assert_rc(int got, int want, const char *expr, const char *file,
		  int line);
void vt_assert_rc_ge(int got, int min, const char *expr, const char *file,
		     int line);
void vt_assert_error_has(const char *sub, const char *file, int line);
void vt_assert_error_has_any(const char *sub1, const char *sub2,
			     const char *file, int line);
void vt_assert_error_set(const char *file, int line);
void vt_assert_mac_equal(vf_mac got, vf_mac want, const char *file, int line);
void vt_assert_prefix_equal(vf_ipv4_prefix got, vf_ipv4_prefix want,
			    const char *file, int line);
void vt_assert_ip_equal(uint32_t got, uint32_t want, const char *file,
			int line);

/* "-EINVAL" and friends, for messages. */
const char *vt_errname(int rc);

/*
 * Creation helpers that fail the test (at the caller's line) unless the
 * object is created. A NULL prefix or vip means the library's default.
 */
#define VT_CELL(fabric, id, name)                                          \
	vt_cell_at((fabric), (id), (name), __FILE__, __LINE__)
#define VT_SUBNET(cell, prefix, name)                                      \
	vt_subnet_at((cell), (prefix), (name), __FILE__, __LINE__)
#define VT_PORT(subnet, name, vip)                                         \
	vt_port_at((subnet), (name), (vip), __FILE__, __LINE__)

vf_cell *vt_cell_at(vf_fabric *fabric, uint32_t id, const char *name,
		    const char *file, int line);
vf_subnet *vt_subnet_at(vf_cell *cell, const char *prefix, const char *name,
			const char *file, int line);
vf_port *vt_port_at(vf_subnet *subnet, const char *name, uint32_t vip,
		    const char *file, int line);

/* Parses "a.b.c.d/len" without the library (for test data). */
vf_ipv4_prefix vt_prefix(const char *s);

/*
 * Per-test fixture. Setups create the objects named below; the teardown
 * destroys every non-NULL slot (children first), so a test may put its own
 * objects in free slots, or destroy one itself and set the slot to NULL.
 */
#define VT_SLOTS 32

struct vt_log {
	int count;
	int per_level[4];
	int bad; /* levels out of range, empty or newline-terminated lines */
	int max_level;
	char last[512];
};

struct vt_fx {
	vf_fabric *fabric;
	vf_cell *cell[VT_SLOTS];
	vf_subnet *subnet[VT_SLOTS];
	vf_router *router[VT_SLOTS];
	vf_port *port[VT_SLOTS];
	vf_secgroup *sg[VT_SLOTS];
	vf_policy *pol[VT_SLOTS];
	struct vt_log log;
};

/* A fabric in VF_WIRE_REWRITE mode. */
int vt_setup_fabric(void **state);
/* A fabric in VF_WIRE_VXLAN mode. */
int vt_setup_fabric_vxlan(void **state);
/* A fabric and cell[0]: id 1, "blue". */
int vt_setup_cell(void **state);
/* ... and subnet[0]: "lan1", the default plan 10.1.1.0/24. */
int vt_setup_subnet(void **state);
/* Destroys everything in the fixture. */
int vt_teardown(void **state);

/* A vf_log_fn recording into a struct vt_log. */
void vt_log_record(void *user_data, vf_log_level level, const char *msg);

#endif
