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

/*
 * Frames the fabric's output callback sent (vt_capture_fn), in order: the
 * local port each went to (NULL: the underlay) and a copy of its bytes.
 */
struct vt_frame {
	vf_port *port;
	size_t len;
	uint8_t *data;
};

struct vt_capture {
	size_t n, cap;
	struct vt_frame *f;
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
	struct vt_capture cap; /* vt_setup_pipe() sends output here */
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

/* ---- the packet pipeline (tests/unit/test_pipeline_*.c) ---- */

/*
 * vt_setup_pipe()'s model, in VF_WIRE_REWRITE mode, on the host with MAC
 * VT_HOST (this fabric); VT_PEER is another host's MAC:
 *   cell[0] "blue" (id 1), router[0] on both subnets with derived RVMACs:
 *     subnet[0] "lan1" 10.1.1.0/24: port[0] "a" .5, port[1] "b" .6
 *     subnet[1] "lan2" 10.1.2.0/24: port[2] "c" .7
 *   cell[1] "red" (id 2), router[1]:
 *     subnet[2] "red1" 10.2.1.0/24: port[3] "d" .5
 * The output callback collects into fx->cap. The MACs below are what the
 * headers document for derived addresses (VMAC 02:<cell>:<VIP>, RVMAC
 * 06:<cell>:<gateway>), written out, not asked of the library.
 */
#define VT_HOST MAC(0x02, 0xaa, 0, 0, 0, 0x01)
#define VT_PEER MAC(0x02, 0xbb, 0, 0, 0, 0x02)
#define VT_BCAST MAC(0xff, 0xff, 0xff, 0xff, 0xff, 0xff)
#define VT_IP_A IP4(10, 1, 1, 5)
#define VT_IP_B IP4(10, 1, 1, 6)
#define VT_IP_C IP4(10, 1, 2, 7)
#define VT_IP_D IP4(10, 2, 1, 5)
#define VT_GW1 IP4(10, 1, 1, 1)
#define VT_GW2 IP4(10, 1, 2, 1)
#define VT_GWR IP4(10, 2, 1, 1)
#define VT_MAC_A MAC(0x02, 0x01, 10, 1, 1, 5)
#define VT_MAC_B MAC(0x02, 0x01, 10, 1, 1, 6)
#define VT_MAC_C MAC(0x02, 0x01, 10, 1, 2, 7)
#define VT_MAC_D MAC(0x02, 0x02, 10, 2, 1, 5)
#define VT_RVMAC1 MAC(0x06, 0x01, 10, 1, 1, 1)
#define VT_RVMAC2 MAC(0x06, 0x01, 10, 1, 2, 1)
#define VT_RVMACR MAC(0x06, 0x02, 10, 2, 1, 1)

int vt_setup_pipe(void **state);

/* The sum of every drop counter of @fabric and of all its ports: a frame
 * dropped once adds exactly 1. */
uint64_t vt_drops_total(const vf_fabric *fabric);

/*
 * Fails unless @reason counted @n drops on @port (NULL: on the fabric) and
 * all the fabric's drop counters add up to @total; the failure lists every
 * counter that is not zero, by reason name.
 */
#define assert_drops(fabric, port, reason, n, total)                          \
	vt_assert_drops((fabric), (port), (reason), (n), (total), __FILE__,   \
			__LINE__)
void vt_assert_drops(const vf_fabric *fabric, const vf_port *port,
		     vf_drop_reason reason, uint64_t n, uint64_t total,
		     const char *file, int line);

/* A vf_output_fn appending to the struct vt_capture @user_data. */
void vt_capture_fn(void *user_data, vf_port *port, const uint8_t *frame,
		   size_t len);
/* Forgets the captured frames. */
void vt_capture_clear(struct vt_capture *cap);

/*
 * Hand-built frames. Each builder writes a whole frame at @out (room for
 * VT_FRAME_MAX bytes) and returns its length. Checksums are computed here
 * with vt_csum(), a plain RFC 1071 sum independent of lib/packet.
 */
#define VT_FRAME_MAX 2048
#define VT_ETH_IPV4 0x0800
#define VT_ETH_ARP 0x0806
#define VT_ETH_VLAN 0x8100
#define VT_ETH_IPV6 0x86dd

/* The Internet checksum of @n bytes at @b added to the running sum @sum
 * (16-bit big-endian words): folded and inverted. */
uint16_t vt_csum(uint32_t sum, const uint8_t *b, size_t n);

/* An IPv4 frame's Ethernet and IP header fields. */
struct vt_ip {
	vf_mac dmac, smac;
	uint32_t src, dst;
	uint8_t ttl; /* 0: 64 */
	uint8_t tos;
	uint16_t id;
	uint16_t frag; /* flags and offset as on the wire: 0x4000 DF, 0x2000
			* MF, offset in 8-byte units */
};

size_t vt_eth(uint8_t *out, vf_mac dst, vf_mac src, uint16_t type);
/* Ethernet + ARP (42 bytes). */
size_t vt_arp(uint8_t *out, vf_mac edst, vf_mac esrc, uint16_t op, vf_mac sha,
	      uint32_t spa, vf_mac tha, uint32_t tpa);
/* Ethernet + IPv4 (20-byte header) + @n bytes of payload as given. */
size_t vt_ipv4(uint8_t *out, const struct vt_ip *ip, uint8_t proto,
	       const void *payload, size_t n);
/* ... + UDP with its checksum. */
size_t vt_udp(uint8_t *out, const struct vt_ip *ip, uint16_t sport,
	      uint16_t dport, const void *data, size_t n);
/* ... + TCP (seq 1000, ack 0 or 2000 with ACK, window 65535, no options). */
size_t vt_tcp(uint8_t *out, const struct vt_ip *ip, uint16_t sport,
	      uint16_t dport, uint8_t flags, const void *data, size_t n);
/* ... + ICMP @type/@code, @rest the 4 bytes after the checksum. */
size_t vt_icmp(uint8_t *out, const struct vt_ip *ip, uint8_t type,
	       uint8_t code, uint32_t rest, const void *data, size_t n);
/* Inserts an 802.1Q tag after the MACs; returns the new length. */
size_t vt_vlan_tag(uint8_t *frame, size_t len, uint16_t tci);

/* Fails unless the frames are equal, showing the first difference. */
#define assert_frame_equal(got, got_len, want, want_len)                   \
	vt_assert_frame_equal((got), (got_len), (want), (want_len), __FILE__, \
			      __LINE__)
/* Fails unless the untagged IPv4 frame's header checksum is right, and its
 * TCP, UDP or ICMP checksum (unfragmented datagrams), by vt_csum(). */
#define assert_csums(frame, len) vt_assert_csums((frame), (len), __FILE__, __LINE__)

void vt_assert_frame_equal(const uint8_t *got, size_t got_len,
			   const uint8_t *want, size_t want_len,
			   const char *file, int line);
void vt_assert_csums(const uint8_t *frame, size_t len, const char *file,
		     int line);

/* Asserts that capture @i went to @to (NULL: the underlay) and is @want. */
void vt_assert_capture(const struct vt_capture *cap, size_t i, const vf_port *to,
		       const uint8_t *want, size_t want_len, const char *file, int line);
#define assert_capture(fx, i, to, want, want_len) \
	vt_assert_capture(&(fx)->cap, (i), (to), (want), (want_len), __FILE__, __LINE__)

#endif
