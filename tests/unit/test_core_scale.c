/*
 * Scale smoke test: 100 cells with 100 ports each, every port found by
 * name and by VIP, everything destroyed. Correctness only: no timing.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>

#define CELLS 100
#define PORTS 100

struct scale {
	vf_fabric *fabric;
	vf_cell *cell[CELLS];
	vf_subnet *subnet[CELLS];
	vf_port *port[CELLS][PORTS];
};

static int setup_scale(void **state)
{
	struct scale *sc = calloc(1, sizeof(*sc));

	*state = sc;
	if (!sc || vf_fabric_create(&sc->fabric, NULL) != 0)
		return -1;
	return 0;
}

static int teardown_scale(void **state)
{
	struct scale *sc = *state;
	int c, p;

	if (!sc)
		return 0;
	for (c = 0; c < CELLS; c++) {
		for (p = 0; p < PORTS; p++)
			vf_port_destroy(sc->port[c][p]);
		vf_subnet_destroy(sc->subnet[c]);
		vf_cell_destroy(sc->cell[c]);
	}
	vf_fabric_destroy(sc->fabric);
	free(sc);
	return 0;
}

static void build(struct scale *sc)
{
	int c, p;

	for (c = 0; c < CELLS; c++) {
		char name[32];

		snprintf(name, sizeof(name), "tenant-%03d", c + 1);
		sc->cell[c] = VT_CELL(sc->fabric, 0, name);
		assert_int_equal(vf_cell_id(sc->cell[c]), c + 1);
		sc->subnet[c] = VT_SUBNET(sc->cell[c], NULL, "lan");
		for (p = 0; p < PORTS; p++) {
			snprintf(name, sizeof(name), "c%d-p%d", c + 1, p);
			sc->port[c][p] = VT_PORT(sc->subnet[c], name, 0);
		}
	}
}

static void test_core_scale_create_find_destroy(void **state)
{
	struct scale *sc = *state;
	int c, p;

	build(sc);
	assert_int_equal(vf_fabric_cell_count(sc->fabric), CELLS);
	assert_int_equal(vf_fabric_port_count(sc->fabric), CELLS * PORTS);

	for (c = 0; c < CELLS; c++) {
		char name[32];

		snprintf(name, sizeof(name), "tenant-%03d", c + 1);
		assert_ptr_equal(vf_fabric_cell_by_name(sc->fabric, name),
				 sc->cell[c]);
		assert_ptr_equal(vf_fabric_cell_by_id(sc->fabric, (uint32_t)c + 1),
				 sc->cell[c]);
		assert_int_equal(vf_cell_port_count(sc->cell[c]), PORTS);
		assert_int_equal(vf_subnet_port_count(sc->subnet[c]), PORTS);
		for (p = 0; p < PORTS; p++) {
			uint32_t vip = IP4(10, c + 1, 1, p + 2);
			vf_port *port = sc->port[c][p];

			snprintf(name, sizeof(name), "c%d-p%d", c + 1, p);
			assert_ptr_equal(vf_fabric_port_by_name(sc->fabric, name),
					 port);
			assert_ip_equal(vf_port_vip(port), vip);
			assert_ptr_equal(vf_cell_port_by_vip(sc->cell[c], vip),
					 port);
			assert_ptr_equal(vf_subnet_port_by_id(sc->subnet[c],
							      (uint32_t)p + 1),
					 port);
			assert_mac_equal(vf_port_vmac(port),
					 MAC(2, (uint8_t)(c + 1), 10,
					     (uint8_t)(c + 1), 1,
					     (uint8_t)(p + 2)));
		}
		/* A VIP of another cell is not found here. */
		assert_null(vf_cell_port_by_vip(sc->cell[c],
						IP4(10, (c + 1) % CELLS + 1, 1, 2)));
	}

	/* Iteration sees every cell once, in creation order. */
	{
		vf_cell *it = NULL;

		for (c = 0; c < CELLS; c++) {
			it = vf_fabric_next_cell(sc->fabric, it);
			assert_ptr_equal(it, sc->cell[c]);
		}
		assert_null(vf_fabric_next_cell(sc->fabric, it));
	}

	/* Destroy every other port, then check the rest is intact. */
	for (c = 0; c < CELLS; c++)
		for (p = 0; p < PORTS; p += 2) {
			vf_port_destroy(sc->port[c][p]);
			sc->port[c][p] = NULL;
		}
	assert_int_equal(vf_fabric_port_count(sc->fabric), CELLS * PORTS / 2);
	for (c = 0; c < CELLS; c++)
		for (p = 0; p < PORTS; p++) {
			char name[32];
			vf_port *found;

			snprintf(name, sizeof(name), "c%d-p%d", c + 1, p);
			found = vf_fabric_port_by_name(sc->fabric, name);
			if (p % 2 == 0) {
				assert_null(found);
				assert_null(vf_cell_port_by_vip(
					sc->cell[c], IP4(10, c + 1, 1, p + 2)));
			} else {
				assert_ptr_equal(found, sc->port[c][p]);
			}
		}

	/* Everything destroyed: ports, subnets, cells. */
	for (c = 0; c < CELLS; c++) {
		for (p = 0; p < PORTS; p++) {
			vf_port_destroy(sc->port[c][p]);
			sc->port[c][p] = NULL;
		}
		vf_subnet_destroy(sc->subnet[c]);
		sc->subnet[c] = NULL;
		vf_cell_destroy(sc->cell[c]);
		sc->cell[c] = NULL;
	}
	assert_int_equal(vf_fabric_cell_count(sc->fabric), 0);
	assert_int_equal(vf_fabric_port_count(sc->fabric), 0);
	assert_null(vf_fabric_next_cell(sc->fabric, NULL));
	assert_null(vf_fabric_port_by_name(sc->fabric, "c1-p1"));
}

static void test_core_scale_destroy_fabric_first(void **state)
{
	struct scale *sc = *state;

	build(sc);
	/* The whole model goes at once; the handles are destroyed by the
	 * teardown, children after their (removed) parents. */
	vf_fabric_destroy(sc->fabric);
	sc->fabric = NULL;
	assert_string_equal(vf_port_name(sc->port[CELLS - 1][PORTS - 1]),
			    "c100-p99");
	assert_rc(vf_port_set_admin_up(sc->port[0][0], false), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_core_scale_create_find_destroy,
						setup_scale, teardown_scale),
		cmocka_unit_test_setup_teardown(test_core_scale_destroy_fabric_first,
						setup_scale, teardown_scale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
