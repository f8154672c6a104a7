/*
 * model.c: builds a small fabric model with the public API and prints it.
 *
 * Two tenants (cells), each with two lan subnets joined by the cell's
 * router, plus a few VM ports; then walks the model with the iterators and
 * prints every object. Every call that can fail is checked: functions
 * return 0 (or a count) or -errno, and vf_last_error() says which value
 * was wrong.
 *
 * Build against an installed library:
 *   cc model.c $(pkg-config --cflags --libs libvfabric) -o model
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <vfabric/vfabric.h>

/* Prints the failed call with both the generic and the detailed message. */
static int fail(const char *what, int rc)
{
	fprintf(stderr, "model: %s: %s (%s)\n", what, vf_strerror(rc),
		vf_last_error());
	return rc;
}

static int add_subnet(vf_subnet **out, vf_cell *cell, uint32_t id,
		      const char *name, const char *prefix)
{
	VF_OPTS(vf_subnet_opts, opts, .id = id, .name = name);
	int rc;

	/* No prefix: the default plan, 10.<cell id>.<subnet id>.0/24. */
	if (prefix) {
		rc = vf_prefix_parse(&opts.prefix, prefix);
		if (rc < 0)
			return fail("vf_prefix_parse", rc);
	}
	rc = vf_subnet_create(out, cell, &opts);
	if (rc < 0)
		return fail("vf_subnet_create", rc);
	return 0;
}

static int add_port(vf_subnet *subnet, const char *name, const char *vip)
{
	VF_OPTS(vf_port_opts, opts, .name = name);
	vf_port *port;
	int rc;

	if (vip) {
		rc = vf_ipv4_parse(&opts.vip, vip);
		if (rc < 0)
			return fail("vf_ipv4_parse", rc);
	}
	rc = vf_port_create(&port, subnet, &opts);
	if (rc < 0)
		return fail("vf_port_create", rc);
	return 0;
}

/*
 * One tenant: cell @id with subnets "web" and "db" (the default address
 * plan, 10.<cell>.<subnet>.0/24, for "db"), a router on both, and ports.
 */
static int add_tenant(vf_fabric *fabric, uint32_t id, const char *name,
		      const char *owner)
{
	VF_OPTS(vf_cell_opts, copts, .id = id, .name = name, .owner = owner);
	VF_OPTS(vf_router_opts, ropts, .name = "gw");
	char web_prefix[VF_PREFIX_STRLEN], vip[VF_IPV4_STRLEN];
	char port_name[VF_NAME_MAX + 1];
	vf_subnet *web, *db;
	vf_router *router;
	vf_cell *cell;
	int rc;

	rc = vf_cell_create(&cell, fabric, &copts);
	if (rc < 0)
		return fail("vf_cell_create", rc);

	snprintf(web_prefix, sizeof(web_prefix), "10.%u.1.0/24", (unsigned)id);
	rc = add_subnet(&web, cell, 1, "web", web_prefix);
	if (rc < 0)
		return rc;
	rc = add_subnet(&db, cell, 2, "db", NULL);
	if (rc < 0)
		return rc;

	rc = vf_router_create(&router, cell, &ropts);
	if (rc < 0)
		return fail("vf_router_create", rc);
	rc = vf_router_attach(router, web, NULL);
	if (rc < 0)
		return fail("vf_router_attach web", rc);
	rc = vf_router_attach(router, db, NULL);
	if (rc < 0)
		return fail("vf_router_attach db", rc);

	/* Two web VMs, one with a chosen VIP, one with the first free one. */
	snprintf(port_name, sizeof(port_name), "%s-web1", name);
	rc = add_port(web, port_name, NULL);
	if (rc < 0)
		return rc;
	snprintf(port_name, sizeof(port_name), "%s-web2", name);
	snprintf(vip, sizeof(vip), "10.%u.1.20", (unsigned)id);
	rc = add_port(web, port_name, vip);
	if (rc < 0)
		return rc;
	snprintf(port_name, sizeof(port_name), "%s-db1", name);
	return add_port(db, port_name, NULL);
}

static int print_port(const vf_port *port)
{
	char ip[VF_IPV4_STRLEN], mac[VF_MAC_STRLEN];
	vf_mac vmac = vf_port_vmac(port);
	int rc;

	rc = vf_ipv4_format(ip, sizeof(ip), vf_port_vip(port));
	if (rc < 0)
		return fail("vf_ipv4_format", rc);
	rc = vf_mac_format(mac, sizeof(mac), &vmac);
	if (rc < 0)
		return fail("vf_mac_format", rc);
	printf("      port %" PRIu32 " %-10s vip %-15s vmac %s %s\n",
	       vf_port_id(port), vf_port_name(port), ip, mac,
	       vf_port_admin_up(port) ? "up" : "down");
	return 0;
}

static int print_subnet(const vf_subnet *subnet)
{
	char prefix[VF_PREFIX_STRLEN], gw[VF_IPV4_STRLEN];
	vf_ipv4_prefix p = vf_subnet_prefix(subnet);
	const vf_port *port = NULL;
	int rc;

	rc = vf_prefix_format(prefix, sizeof(prefix), &p);
	if (rc < 0)
		return fail("vf_prefix_format", rc);
	rc = vf_ipv4_format(gw, sizeof(gw), vf_subnet_gateway(subnet));
	if (rc < 0)
		return fail("vf_ipv4_format", rc);
	printf("    subnet %" PRIu32 " %-4s %-18s gateway %-15s mtu %" PRIu32
	       " ports %zu\n",
	       vf_subnet_id(subnet), vf_subnet_name(subnet), prefix, gw,
	       vf_subnet_mtu(subnet), vf_subnet_port_count(subnet));
	while ((port = vf_subnet_next_port(subnet, port)) != NULL) {
		rc = print_port(port);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int print_router(const vf_router *router)
{
	const vf_subnet *subnet = NULL;
	char mac[VF_MAC_STRLEN];
	vf_mac rvmac;
	int rc;

	printf("    router %s, %zu interfaces\n", vf_router_name(router),
	       vf_router_iface_count(router));
	while ((subnet = vf_router_next_subnet(router, subnet)) != NULL) {
		rc = vf_router_iface_mac(router, subnet, &rvmac);
		if (rc < 0)
			return fail("vf_router_iface_mac", rc);
		rc = vf_mac_format(mac, sizeof(mac), &rvmac);
		if (rc < 0)
			return fail("vf_mac_format", rc);
		printf("      on %-4s rvmac %s\n", vf_subnet_name(subnet), mac);
	}
	return 0;
}

static int print_fabric(const vf_fabric *fabric)
{
	const vf_cell *cell = NULL;
	int rc;

	printf("fabric on %s: %zu cells, %zu ports\n",
	       vf_fabric_host_name(fabric), vf_fabric_cell_count(fabric),
	       vf_fabric_port_count(fabric));
	while ((cell = vf_fabric_next_cell(fabric, cell)) != NULL) {
		const vf_subnet *subnet = NULL;
		const vf_router *router = vf_cell_router(cell);

		printf("  cell %" PRIu32 " %s (owner %s): %zu subnets, %zu ports\n",
		       vf_cell_id(cell), vf_cell_name(cell), vf_cell_owner(cell),
		       vf_cell_subnet_count(cell), vf_cell_port_count(cell));
		while ((subnet = vf_cell_next_subnet(cell, subnet)) != NULL) {
			rc = print_subnet(subnet);
			if (rc < 0)
				return rc;
		}
		if (router) {
			rc = print_router(router);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/*
 * Releases every handle: each vf_X_create() pairs with one vf_X_destroy().
 * Destroying a parent removes its children from the model, but a child's
 * handle (and memory) stays until the child is destroyed too, so walk the
 * model bottom-up; iteration returns the handles create returned. Always
 * take the first element: the previous one has just been destroyed.
 */
static void teardown(vf_fabric *fabric)
{
	vf_cell *cell;

	while ((cell = vf_fabric_next_cell(fabric, NULL)) != NULL) {
		vf_subnet *subnet = NULL;
		vf_port *port;

		while ((subnet = vf_cell_next_subnet(cell, subnet)) != NULL)
			while ((port = vf_subnet_next_port(subnet, NULL)) != NULL)
				vf_port_destroy(port);
		vf_router_destroy(vf_cell_router(cell));
		while ((subnet = vf_cell_next_subnet(cell, NULL)) != NULL)
			vf_subnet_destroy(subnet);
		vf_cell_destroy(cell);
	}
	vf_fabric_destroy(fabric);
}

int main(void)
{
	VF_OPTS(vf_fabric_opts, fopts, .host_name = "host1");
	vf_fabric *fabric = NULL;
	int rc;

	if (vf_version() != VF_VERSION_HEX) {
		fprintf(stderr, "model: built with headers %s, running %s\n",
			VF_VERSION_STRING, vf_version_string());
		return EXIT_FAILURE;
	}

	rc = vf_ipv4_parse(&fopts.host_ip, "192.0.2.10");
	if (rc < 0) {
		fail("vf_ipv4_parse", rc);
		goto out;
	}
	rc = vf_mac_parse(&fopts.host_mac, "52:54:00:00:00:01");
	if (rc < 0) {
		fail("vf_mac_parse", rc);
		goto out;
	}
	rc = vf_fabric_create(&fabric, &fopts);
	if (rc < 0) {
		fail("vf_fabric_create", rc);
		goto out;
	}

	rc = add_tenant(fabric, 1, "blue", "tenant-a");
	if (rc < 0)
		goto out;
	rc = add_tenant(fabric, 2, "red", "tenant-b");
	if (rc < 0)
		goto out;

	/* Errors are values: a duplicate name is refused with -EEXIST and a
	 * message that names it. */
	{
		VF_OPTS(vf_cell_opts, dup, .name = "blue");
		vf_cell *cell = NULL;

		rc = vf_cell_create(&cell, fabric, &dup);
		if (rc != -EEXIST) {
			fprintf(stderr, "model: duplicate cell gave %d, not %d\n",
				rc, -EEXIST);
			vf_cell_destroy(cell);
			rc = -EPROTO;
			goto out;
		}
		printf("duplicate cell refused: %s (%s)\n", vf_strerror(rc),
		       vf_last_error());
	}

	rc = print_fabric(fabric);
out:
	if (fabric)
		teardown(fabric);
	return rc < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
