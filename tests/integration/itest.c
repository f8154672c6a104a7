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

/* Removes this test's VM namespaces ($P-*) and those of earlier runs
 * whose process is gone. */
static void remove_vms(void)
{
	it_sh("for n in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "
	      "'^vft[0-9]*-'); do "
	      "pid=${n#vft}; pid=${pid%%%%-*}; "
	      "if [ \"$n\" != \"${n#$P-}\" ] || ! kill -0 $pid 2>/dev/null; then "
	      "ip netns del $n; fi; done");
}

char it_prefix[32];

void it_start(void)
{
	char dir[64];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid() != 0 || it_sh("ip netns add vft-probe 2>/dev/null") != 0) {
		printf("skipped: needs root and network namespaces\n");
		exit(77);
	}
	it_sh("ip netns del vft-probe");
	/* Names of this run: VM namespaces $P-NAME, files in $T (the shell of
	 * every it_sh() sees both). */
	snprintf(it_prefix, sizeof(it_prefix), "vft%d", (int)getpid());
	setenv("P", it_prefix, 1);
	snprintf(dir, sizeof(dir), "/tmp/%s", it_prefix);
	setenv("T", dir, 1);
	it_sh("rm -rf $T && mkdir -p $T");
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
	it_sh("rm -rf $T");
	printf("%s\n", it_failures ? "FAILED" : "PASSED");
	return it_failures ? 1 : 0;
}

int it_vm_create(const char *name)
{
	return it_sh("ip netns add $P-%s && ip -n $P-%s link set lo up", name, name);
}

int it_vm_addr(const char *name, const char *cidr, const char *gw)
{
	if (it_sh("ip -n $P-%s link set eth0x up && ip -n $P-%s addr add %s dev eth0x",
		  name, name, cidr) != 0)
		return -1;
	return gw ? it_sh("ip -n $P-%s route add default via %s", name, gw) : 0;
}

int it_ping(const char *name, const char *dst, int count)
{
	return it_sh("ip netns exec $P-%s ping -q -c %d -i 0.2 -W 2 %s >/dev/null", name,
		     count, dst);
}

vf_port *it_port_veth(vf_subnet *s, const char *name, uint32_t vip, const char *ifname,
		      const char *vm, const char *peer)
{
	VF_OPTS(vf_port_opts, po, .name = name, .vip = vip);
	char path[64];
	VF_OPTS(vf_bind_opts, bo, .ifname = ifname, .flags = VF_BIND_F_CREATE_VETH,
		.peer = peer, .netns = path);
	vf_port *p = NULL;

	snprintf(path, sizeof(path), "/run/netns/%s-%s", it_prefix, vm);
	if (vf_port_create(&p, s, &po) < 0)
		return NULL;
	if (vf_port_bind(p, &bo) < 0) {
		vf_port_destroy(p);
		return NULL;
	}
	return p;
}

int it_workers_start(vf_fabric *f, unsigned int n)
{
	int rc;

	vf_fabric_lock(f);
	rc = vf_fabric_workers_start(f, n, NULL);
	vf_fabric_unlock(f);
	return rc;
}

int it_workers_stop(vf_fabric *f)
{
	int rc;

	vf_fabric_lock(f);
	rc = vf_fabric_workers_stop(f);
	vf_fabric_unlock(f);
	return rc;
}

/* ---- two hosts ---- */

int it_underlay(void)
{
	return it_sh("ip link add vft-ul1 type veth peer name vft-ul2 && "
		     "ip link set vft-ul1 up && ip link set vft-ul2 up");
}

int it_host_build(struct it_host *h, const char *name, const char *underlay)
{
	static const char *const cells[2] = {"blue", "red"};
	VF_OPTS(vf_fabric_opts, fo, .host_name = name);
	VF_OPTS(vf_bind_opts, ul, .ifname = underlay);

	if (vf_fabric_create(&h->f, &fo) < 0)
		return -1;
	for (int c = 0; c < 2; c++) {
		VF_OPTS(vf_cell_opts, co, .id = (uint32_t)c + 1, .name = cells[c]);

		if (vf_cell_create(&h->cell[c], h->f, &co) < 0 ||
		    vf_router_create(&h->router[c], h->cell[c], NULL) < 0)
			return -1;
		for (int s = 0; s < 2; s++) {
			char sn[8];
			VF_OPTS(vf_subnet_opts, so, .id = (uint32_t)s + 1, .name = sn,
				.prefix = {IP4(10, c + 1, s + 1, 0), 24});

			snprintf(sn, sizeof(sn), "s%d", s + 1);
			if (vf_subnet_create(&h->sub[c][s], h->cell[c], &so) < 0 ||
			    vf_router_attach(h->router[c], h->sub[c][s], NULL) < 0)
				return -1;
		}
	}
	return vf_fabric_bind_underlay(h->f, &ul);
}

void it_host_teardown(struct it_host *h)
{
	vf_fabric_lock(h->f);
	for (int i = 0; i < h->nports; i++)
		vf_port_destroy(h->ports[i]);
	for (int c = 0; c < 2; c++) {
		for (int s = 0; s < 2; s++)
			vf_subnet_destroy(h->sub[c][s]);
		vf_router_destroy(h->router[c]);
		vf_cell_destroy(h->cell[c]);
	}
	vf_fabric_unlock(h->f);
	vf_fabric_destroy(h->f);
}

int it_host_publish(struct it_host *h, struct it_host *o, vf_port *p)
{
	vf_location loc = {.sz = sizeof(loc)};
	int rc;

	vf_fabric_lock(h->f);
	loc.cell_id = vf_cell_id(vf_port_cell(p));
	loc.vip = vf_port_vip(p);
	loc.vmac = vf_port_vmac(p);
	loc.subnet_id = vf_subnet_id(vf_port_subnet(p));
	loc.host_mac = vf_fabric_host_mac(h->f);
	vf_fabric_unlock(h->f);
	vf_fabric_lock(o->f);
	rc = vf_location_set(o->f, &loc);
	vf_fabric_unlock(o->f);
	return rc;
}

vf_port *it_host_vm(struct it_host *h, struct it_host *o, int c, int s, int n,
		    const char *name)
{
	char ifname[16], cidr[48], gw[48];
	vf_port *p;

	snprintf(ifname, sizeof(ifname), "vft-p%s", name);
	if (it_vm_create(name) != 0)
		return NULL;
	vf_fabric_lock(h->f);
	p = it_port_veth(h->sub[c][s], name, IP4(10, c + 1, s + 1, n), ifname, name,
			 "eth0x");
	vf_fabric_unlock(h->f);
	if (!p)
		return NULL;
	h->ports[h->nports++] = p;
	snprintf(cidr, sizeof(cidr), "10.%d.%d.%d/24", c + 1, s + 1, n);
	snprintf(gw, sizeof(gw), "10.%d.%d.1", c + 1, s + 1);
	if (it_vm_addr(name, cidr, gw) != 0)
		return NULL;
	return o && it_host_publish(h, o, p) < 0 ? NULL : p;
}
