/*
 * Shared helpers of the integration tests: checks that print what they
 * show, shell commands, and VMs as network namespaces.
 *
 * Every test first moves itself into a private network namespace
 * (it_start), so the hypervisor-side netdevs it makes vanish with
 * it; the VMs are named namespaces (ip netns) $P-NAME, removed by
 * it_start() and it_finish().
 */
#ifndef VF_TESTS_ITEST_H
#define VF_TESTS_ITEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <vfabric/vfabric.h>

#define IP4(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

extern int it_failures;
/* This run's name, vft<pid>: its VMs are namespaces vft<pid>-NAME. Shell
 * commands see it as $P, and $T is its directory for files. */
extern char it_prefix[32];

/* Prints "ok   WHAT" or "FAIL file:line: WHAT [vf_last_error()]". */
#define CHECK(cond, ...) it_check((cond), __FILE__, __LINE__, __VA_ARGS__)
void it_check(bool ok, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Runs a shell command; its exit status, or -1. */
int it_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Exits 77 (skipped) unless root with network namespaces; then moves the
 * process into a new network namespace and removes VMs left by runs that are gone. */
void it_start(void);
/* Removes this run's VM namespaces and files; returns the number of failed checks as
 * the exit status to use. */
int it_finish(void);

/* A VM: namespace $P-NAME, created empty. */
int it_vm_create(const char *name);
/* Gives the VM's NIC eth0x (moved there by a bind) @cidr, up, with a
 * default route via @gw (NULL: none). */
int it_vm_addr(const char *name, const char *cidr, const char *gw);
/* ping from VM @name to @dst, @count echoes 0.2 s apart; 0 if answered. */
int it_ping(const char *name, const char *dst, int count);

/* Creates a port in @s and binds it to a new veth @ifname whose VM end,
 * @peer, goes into VM @vm (which it_vm_create made); NULL on failure. */
vf_port *it_port_veth(vf_subnet *s, const char *name, uint32_t vip, const char *ifname,
		      const char *vm, const char *peer);

/* vf_fabric_workers_start()/_stop() under the fabric's control lock, as
 * every call must be while a library thread runs its loop. */
int it_workers_start(vf_fabric *f, unsigned int n);
int it_workers_stop(vf_fabric *f);

/* Two hosts: an underlay veth vft-ul1 <-> vft-ul2 (0 if made). */
int it_underlay(void);

/* A host: a fabric with cells blue (id 1) and red (id 2), each with a
 * router and subnets s1, s2 = 10.<cell>.<subnet>.0/24, bound to @underlay. */
struct it_host {
	vf_fabric *f;
	vf_cell *cell[2];
	vf_subnet *sub[2][2]; /* [cell][subnet] */
	vf_router *router[2];
	vf_port *ports[8];
	int nports;
};
int it_host_build(struct it_host *h, const char *name, const char *underlay);
/* A VM @name on @h in cell @c, subnet @s, with host part @n (address and
 * default route set); the other host @o, unless NULL (gossip tells it),
 * learns its location. Takes the fabrics' locks itself. */
vf_port *it_host_vm(struct it_host *h, struct it_host *o, int c, int s, int n,
		    const char *name);
/* Tells @o where port @p of @h is (vf_location_set); 0 or -errno. */
int it_host_publish(struct it_host *h, struct it_host *o, vf_port *p);
/* Destroys every handle and then the fabric. */
void it_host_teardown(struct it_host *h);

#endif
