/*
 * vmm_callback.c: a minimal VMM-style program on the in-process
 * "callback" datapath: no netdev, no syscall for a frame.
 *
 * Two hosts, hv1 and hv2, are two fabric instances in this one process.
 * Each has the cell "blue" with the subnet "web" (10.1.1.0/24) and one
 * VM: vm1 (10.1.1.10) on hv1, vm2 (10.1.1.20) on hv2. The VMs are a few
 * lines of C that build frames by hand (frames.h). Their "underlays" are
 * wired back to back: what hv1's pipeline sends to the underlay (output
 * callback with port NULL) is injected into hv2 with
 * vf_fabric_inject_underlay(), and the other way round. Each host knows
 * where the other's VM is from a static location (vf_location_set()),
 * as a host would learn it from the location service.
 *
 * The walk: vm1 ARPs for vm2 (answered by hv1 locally, never broadcast),
 * pings it (hv1 rewrites the MACs to the hosts' PMACs, hv2 restores the
 * VMACs and delivers), vm2 answers; then vm1 sends a frame with a forged
 * source address, which hv1 drops and counts. Everything is printed.
 *
 * The output callback must not call back into its own fabric (it runs
 * inside the pipeline), so it only queues; the main loop delivers.
 * Exits 0 when every step went as described, 1 otherwise.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vfabric/vfabric.h>

#include "frames.h"

#define QUEUE_MAX 16
#define FRAME_MAX 2048

struct queued {
	size_t len;
	bool to_vm; /* true: for the host's VM; false: onto the wire */
	uint8_t data[FRAME_MAX];
};

struct host {
	const char *name;
	vf_fabric *fabric;
	vf_cell *cell;
	vf_subnet *subnet;
	vf_port *vm;
	struct host *peer; /* the other end of the wire */
	struct queued q[QUEUE_MAX];
	unsigned int nq;
};

#define IP4(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static int failures;

static void expect(bool ok, const char *what)
{
	printf("%s %s\n", ok ? "  ok  " : "  FAIL", what);
	if (!ok)
		failures++;
}

/* The output callback: queue, never re-enter the fabric here. */
static void on_output(void *user_data, vf_port *port, const uint8_t *frame, size_t len)
{
	struct host *h = user_data;
	struct queued *e;

	if (h->nq == QUEUE_MAX || len > FRAME_MAX) {
		printf("  %s: queue full, frame lost\n", h->name);
		return;
	}
	e = &h->q[h->nq++];
	e->len = len;
	e->to_vm = port != NULL;
	memcpy(e->data, frame, len);
}

static void on_log(void *user_data, vf_log_level level, const char *msg)
{
	(void)level;
	fprintf(stderr, "[%s] %s\n", (const char *)user_data, msg);
}

static int setup_host(struct host *h, const char *mac, const char *ip, const char *vm,
		      uint32_t vip)
{
	VF_OPTS(vf_fabric_opts, fo, .host_name = h->name, .log_fn = on_log,
		.log_user_data = (void *)h->name, .log_level = VF_LOG_WARN);
	VF_OPTS(vf_cell_opts, co, .id = 1, .name = "blue");
	VF_OPTS(vf_subnet_opts, so, .id = 1, .name = "web");
	VF_OPTS(vf_port_opts, po, .name = vm, .vip = vip);

	if (vf_mac_parse(&fo.host_mac, mac) < 0 || vf_ipv4_parse(&fo.host_ip, ip) < 0 ||
	    vf_prefix_parse(&so.prefix, "10.1.1.0/24") < 0)
		return -1;
	if (vf_fabric_create(&h->fabric, &fo) < 0 ||
	    vf_cell_create(&h->cell, h->fabric, &co) < 0 ||
	    vf_subnet_create(&h->subnet, h->cell, &so) < 0 ||
	    vf_port_create(&h->vm, h->subnet, &po) < 0 ||
	    vf_fabric_set_output(h->fabric, on_output, h) < 0) {
		fprintf(stderr, "%s: %s\n", h->name, vf_last_error());
		return -1;
	}
	return 0;
}

/* Tells @h where @other's VM lives. */
static int add_location(struct host *h, const struct host *other)
{
	VF_OPTS(vf_location, loc, .cell_id = 1, .vip = vf_port_vip(other->vm),
		.vmac = vf_port_vmac(other->vm), .subnet_id = 1,
		.host_mac = vf_fabric_host_mac(other->fabric),
		.host_ip = vf_fabric_host_ip(other->fabric));

	if (vf_location_set(h->fabric, &loc) < 0) {
		fprintf(stderr, "%s: vf_location_set: %s\n", h->name, vf_last_error());
		return -1;
	}
	/* publish the changed tables */
	return vf_fabric_process(h->fabric) < 0 ? -1 : 0;
}

static void destroy_host(struct host *h)
{
	vf_port_destroy(h->vm);
	vf_subnet_destroy(h->subnet);
	vf_cell_destroy(h->cell);
	vf_fabric_destroy(h->fabric);
}

struct seen {
	bool arp_reply, request_at_vm2, reply_at_vm1;
	uint8_t request_ttl;
};

/* What a VM does with a frame its host delivered: answer pings, print. */
static void vm_receive(struct host *h, const uint8_t *f, size_t len, struct seen *seen)
{
	char macs[48], a[VF_IPV4_STRLEN], b[VF_IPV4_STRLEN];
	uint32_t sip, dip;
	uint8_t ttl;
	vf_mac mac;

	fr_macs(macs, sizeof(macs), f);
	if (fr_arp_reply(f, len, &mac, &sip)) {
		char m[VF_MAC_STRLEN];

		vf_mac_format(m, sizeof(m), &mac);
		vf_ipv4_format(a, sizeof(a), sip);
		printf("  %s gets ARP reply [%s]: %s is at %s\n", vf_port_name(h->vm),
		       macs, a, m);
		seen->arp_reply = true;
	} else if (fr_is_ping(f, len, 8, &sip, &dip, &ttl)) {
		uint8_t reply[FR_PING_LEN];
		vf_mac me = vf_port_vmac(h->vm), them;

		vf_ipv4_format(a, sizeof(a), sip);
		vf_ipv4_format(b, sizeof(b), dip);
		printf("  %s gets echo request %s -> %s ttl %u [%s]\n",
		       vf_port_name(h->vm), a, b, ttl, macs);
		seen->request_at_vm2 = true;
		seen->request_ttl = ttl;
		/* answer to the MAC it came from, as a VM's kernel would */
		memcpy(them.addr, f + 6, 6);
		fr_ping(reply, 0, &me, dip, &them, sip,
			fr_get16(f + FR_ETH_LEN + FR_IP_LEN + 4),
			fr_get16(f + FR_ETH_LEN + FR_IP_LEN + 6));
		printf("  %s sends echo reply\n", vf_port_name(h->vm));
		vf_port_inject(h->vm, reply, sizeof(reply));
	} else if (fr_is_ping(f, len, 0, &sip, &dip, &ttl)) {
		vf_ipv4_format(a, sizeof(a), sip);
		vf_ipv4_format(b, sizeof(b), dip);
		printf("  %s gets echo reply %s -> %s ttl %u [%s]\n", vf_port_name(h->vm),
		       a, b, ttl, macs);
		seen->reply_at_vm1 = true;
	} else {
		printf("  %s gets a frame of %zu bytes [%s]\n", vf_port_name(h->vm), len,
		       macs);
	}
}

/* Moves queued frames until both hosts are quiet. */
static void pump(struct host *hosts, size_t n, struct seen *seen)
{
	bool busy = true;
	char macs[48];

	while (busy) {
		busy = false;
		for (size_t i = 0; i < n; i++) {
			struct host *h = &hosts[i];
			struct queued e;

			if (h->nq == 0)
				continue;
			busy = true;
			e = h->q[0];
			memmove(h->q, h->q + 1, --h->nq * sizeof(h->q[0]));
			if (e.to_vm) {
				vm_receive(h, e.data, e.len, seen);
				continue;
			}
			printf("  wire %s -> %s: %zu bytes [%s]\n", h->name,
			       h->peer->name, e.len, fr_macs(macs, sizeof(macs), e.data));
			if (vf_fabric_inject_underlay(h->peer->fabric, e.data, e.len) < 0)
				printf("  %s: inject: %s\n", h->peer->name,
				       vf_last_error());
		}
	}
}

int main(void)
{
	struct host hosts[2] = {{.name = "hv1"}, {.name = "hv2"}};
	struct host *hv1 = &hosts[0], *hv2 = &hosts[1];
	struct seen seen = {0};
	uint8_t frame[FR_PING_LEN];
	char a[VF_IPV4_STRLEN], m[VF_MAC_STRLEN];
	vf_mac vmac1, vmac2;
	uint32_t vip1, vip2;
	size_t len;

	setvbuf(stdout, NULL, _IOLBF, 0);
	hv1->peer = hv2;
	hv2->peer = hv1;
	if (setup_host(hv1, "02:00:00:00:00:01", "192.0.2.1", "vm1", IP4(10, 1, 1, 10)) <
		    0 ||
	    setup_host(hv2, "02:00:00:00:00:02", "192.0.2.2", "vm2", IP4(10, 1, 1, 20)) <
		    0 ||
	    add_location(hv1, hv2) < 0 || add_location(hv2, hv1) < 0) {
		destroy_host(hv1);
		destroy_host(hv2);
		return 1;
	}
	vip1 = vf_port_vip(hv1->vm);
	vip2 = vf_port_vip(hv2->vm);
	vmac1 = vf_port_vmac(hv1->vm);
	vmac2 = vf_port_vmac(hv2->vm);
	for (int i = 0; i < 2; i++) {
		vf_mac pm = vf_fabric_host_mac(hosts[i].fabric),
		       vm = vf_port_vmac(hosts[i].vm);
		char pms[VF_MAC_STRLEN];

		vf_mac_format(pms, sizeof(pms), &pm);
		vf_mac_format(m, sizeof(m), &vm);
		vf_ipv4_format(a, sizeof(a), vf_port_vip(hosts[i].vm));
		printf("%s (PMAC %s): %s %s %s\n", hosts[i].name, pms,
		       vf_port_name(hosts[i].vm), a, m);
	}

	printf("1. vm1 asks who has 10.1.1.20\n");
	len = fr_arp_request(frame, &vmac1, vip1, vip2);
	vf_port_inject(hv1->vm, frame, len);
	pump(hosts, 2, &seen);
	expect(seen.arp_reply, "hv1 answered ARP for a VM on hv2, locally");

	printf("2. vm1 pings vm2\n");
	len = fr_ping(frame, 8, &vmac1, vip1, &vmac2, vip2, 0x1234, 1);
	vf_port_inject(hv1->vm, frame, len);
	pump(hosts, 2, &seen);
	expect(seen.request_at_vm2 && seen.request_ttl == 64,
	       "the request reached vm2 on hv2, TTL unchanged (same subnet)");
	expect(seen.reply_at_vm1, "the reply came back to vm1");

	printf("3. vm1 sends a ping with a forged source address\n");
	len = fr_ping(frame, 8, &vmac1, IP4(10, 1, 1, 99), &vmac2, vip2, 0x1234, 2);
	{
		char *trace = NULL;
		int verdict = vf_trace(hv1->fabric, hv1->vm, frame, len, &trace);

		printf("  vf_trace says:\n%s", trace ? trace : "");
		if (trace && trace[0] && trace[strlen(trace) - 1] != '\n')
			printf("\n");
		vf_free(trace);
		expect(verdict == VF_DROP_SPOOF_IP, "trace: dropped as spoof-ip");
	}
	vf_port_inject(hv1->vm, frame, len);
	pump(hosts, 2, &seen);
	expect(vf_port_drops(hv1->vm, VF_DROP_SPOOF_IP) == 1,
	       "hv1 dropped it, counted as spoof-ip");

	for (int i = 0; i < 2; i++) {
		vf_port_stats st = {.sz = sizeof(st)};

		vf_port_stats_get(hosts[i].vm, &st);
		printf("%s %s: %llu frames from the VM, %llu to it, %llu dropped\n",
		       hosts[i].name, vf_port_name(hosts[i].vm),
		       (unsigned long long)st.rx_packets,
		       (unsigned long long)st.tx_packets, (unsigned long long)st.drops);
	}
	destroy_host(hv1);
	destroy_host(hv2);
	printf("%s\n", failures ? "FAILED" : "PASSED");
	return failures ? 1 : 0;
}
