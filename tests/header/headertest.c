/*
 * Compiled by tests/header/CMakeLists.txt with -std=c99 -pedantic -Wall
 * -Wextra -Werror (and -std=c11): the umbrella header must be clean C99,
 * and VF_OPTS must work as a plain designated initialiser. Linked against
 * the library and run, it also checks that header and library versions
 * match.
 */
#include <vfabric/vfabric.h>

#include <stdio.h>
#include <string.h>

/* Every option struct, through VF_OPTS, with designated initialisers. */
static int opts_sizes_ok(void)
{
	VF_OPTS(vf_fabric_opts, fabric, .host_name = "h", .wire_mode = VF_WIRE_REWRITE,
		.log_level = VF_LOG_ERROR);
	VF_OPTS(vf_cell_opts, cell, .id = 7, .name = "blue", .intra_cell = VF_VERDICT_ALLOW,
		.inter_cell = VF_VERDICT_DENY);
	VF_OPTS(vf_subnet_opts, subnet, .kind = VF_SUBNET_LAN,
		.prefix = { .addr = 0x0a070100u, .len = 24 }, .dns = { 0x08080808u },
		.dhcp = VF_DHCP_DEFAULT);
	VF_OPTS(vf_router_opts, router, .name = "gw");
	VF_OPTS(vf_port_opts, port, .name = "vm1", .vmac = { { 2, 0, 10, 7, 1, 5 } },
		.flags = VF_PORT_F_ADMIN_DOWN);
	VF_OPTS(vf_secgroup_opts, secgroup, .name = "web");
	VF_OPTS(vf_policy_opts, policy, .src_cell = 1, .protocol = VF_PROTO_TCP,
		.port_min = 80, .port_max = 443);
	VF_OPTS(vf_rule, rule, .direction = VF_DIR_INGRESS, .protocol = VF_PROTO_UDP);

	return fabric.sz == sizeof(vf_fabric_opts) && cell.sz == sizeof(vf_cell_opts) &&
	       subnet.sz == sizeof(vf_subnet_opts) && router.sz == sizeof(vf_router_opts) &&
	       port.sz == sizeof(vf_port_opts) && secgroup.sz == sizeof(vf_secgroup_opts) &&
	       policy.sz == sizeof(vf_policy_opts) && rule.sz == sizeof(vf_rule) &&
	       cell.id == 7 && port.vmac.addr[5] == 5 && subnet.prefix.len == 24;
}

int main(void)
{
	/* The frozen value types keep their layout. */
	if (sizeof(vf_mac) != 6 || sizeof(vf_ipv4_prefix) != 8) {
		fprintf(stderr, "headertest: vf_mac is %zu bytes, vf_ipv4_prefix %zu\n",
			sizeof(vf_mac), sizeof(vf_ipv4_prefix));
		return 1;
	}
	if (!opts_sizes_ok()) {
		fprintf(stderr, "headertest: VF_OPTS did not initialise as expected\n");
		return 1;
	}
	if (vf_version() != VF_VERSION_HEX ||
	    strcmp(vf_version_string(), VF_VERSION_STRING) != 0) {
		fprintf(stderr, "headertest: headers are %s (0x%06x), library %s (0x%06x)\n",
			VF_VERSION_STRING, (unsigned)VF_VERSION_HEX, vf_version_string(),
			vf_version());
		return 1;
	}
	printf("headertest: vfabric %s, headers and library agree\n", vf_version_string());
	return 0;
}
