/*
 * Shared helpers of the integration tests: checks that print what they
 * show, shell commands, and VMs as network namespaces.
 *
 * Every test first moves itself into a private network namespace
 * (it_private_netns), so the hypervisor-side netdevs it makes vanish with
 * it; the VMs are named namespaces (ip netns) called vft-*, removed by
 * it_cleanup() at the start and at the end.
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

/* Prints "ok   WHAT" or "FAIL file:line: WHAT [vf_last_error()]". */
#define CHECK(cond, ...) it_check((cond), __FILE__, __LINE__, __VA_ARGS__)
void it_check(bool ok, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Runs a shell command; its exit status, or -1. */
int it_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Exits 77 (skipped) unless root with network namespaces; then moves the
 * process into a new network namespace and removes leftover vft-* VMs. */
void it_start(void);
/* Removes the VM namespaces vft-*; returns the number of failed checks as
 * the exit status to use. */
int it_finish(void);

/* A VM: namespace vft-NAME, created empty. */
int it_vm_create(const char *name);
/* Gives the VM's NIC eth0x (moved there by a bind) @cidr, up, with a
 * default route via @gw (NULL: none). */
int it_vm_addr(const char *name, const char *cidr, const char *gw);
/* ping from VM @name to @dst, @count echoes 0.2 s apart; 0 if answered. */
int it_ping(const char *name, const char *dst, int count);

/* Creates a port in @s and binds it to a new veth @ifname whose VM end,
 * eth0x, goes into VM @vm (which it_vm_create made); NULL on failure. */
vf_port *it_port_veth(vf_subnet *s, const char *name, uint32_t vip, const char *ifname,
		      const char *vm);

#endif
