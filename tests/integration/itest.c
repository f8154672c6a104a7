/* Shared helpers of the integration tests (itest.h). */
#include "itest.h"

#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int it_failures;

void it_check(bool ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("ok   ");
	} else {
		it_failures++;
		printf("FAIL %s:%d: ", file, line);
	}
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!ok)
		printf(" [%s]", vf_last_error());
	printf("\n");
	fflush(stdout);
}

int it_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	return rc == -1 || !WIFEXITED(rc) ? -1 : WEXITSTATUS(rc);
}

static void remove_vms(void)
{
	it_sh("for n in $(ip netns list 2>/dev/null | awk '/^vft-/{print $1}'); do "
	      "ip netns del $n; done");
}

void it_start(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid() != 0 || it_sh("ip netns add vft-probe 2>/dev/null") != 0) {
		printf("skipped: needs root and network namespaces\n");
		exit(77);
	}
	it_sh("ip netns del vft-probe");
	if (unshare(CLONE_NEWNET) < 0) {
		perror("unshare(CLONE_NEWNET)");
		exit(1);
	}
	it_sh("ip link set lo up");
	remove_vms();
}

int it_finish(void)
{
	remove_vms();
	printf("%s\n", it_failures ? "FAILED" : "PASSED");
	return it_failures ? 1 : 0;
}

int it_vm_create(const char *name)
{
	return it_sh("ip netns add vft-%s && ip -n vft-%s link set lo up", name, name);
}

int it_vm_addr(const char *name, const char *cidr, const char *gw)
{
	if (it_sh("ip -n vft-%s link set eth0x up && ip -n vft-%s addr add %s dev eth0x",
		  name, name, cidr) != 0)
		return -1;
	return gw ? it_sh("ip -n vft-%s route add default via %s", name, gw) : 0;
}

int it_ping(const char *name, const char *dst, int count)
{
	return it_sh("ip netns exec vft-%s ping -q -c %d -i 0.2 -W 2 %s >/dev/null", name,
		     count, dst);
}

vf_port *it_port_veth(vf_subnet *s, const char *name, uint32_t vip, const char *ifname,
		      const char *vm)
{
	VF_OPTS(vf_port_opts, po, .name = name, .vip = vip);
	char path[64];
	VF_OPTS(vf_bind_opts, bo, .ifname = ifname, .flags = VF_BIND_F_CREATE_VETH,
		.peer = "eth0x", .netns = path);
	vf_port *p = NULL;

	snprintf(path, sizeof(path), "/run/netns/vft-%s", vm);
	if (vf_port_create(&p, s, &po) < 0)
		return NULL;
	if (vf_port_bind(p, &bo) < 0) {
		vf_port_destroy(p);
		return NULL;
	}
	return p;
}
