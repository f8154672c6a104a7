"""The binding and the C API build the same model and refuse the same
things with the same errno and message.

One scenario, written twice: once in C against the library, once in Python
through the binding. Each prints one line per step ("ok <step>" or
"refused <step> errno=<n> msg=<vf_last_error()>") and then the whole model
it built; the two outputs must be identical line for line.
"""

import errno
import os
import subprocess

import vfabric
from vfabric import SubnetKind, VfError, _lib

from _support import compile_c

C_SCENARIO = r"""
#include <stdio.h>
#include <vfabric/vfabric.h>

#define TRY(step, call) do { int rc_ = (call); \
	if (rc_ < 0) printf("refused %s errno=%d msg=%s\n", step, -rc_, vf_last_error()); \
	else printf("ok %s\n", step); } while (0)

static uint32_t ip(const char *s) { uint32_t a = 0; vf_ipv4_parse(&a, s); return a; }
static vf_ipv4_prefix pfx(const char *s) { vf_ipv4_prefix p = { 0, 0, { 0 } }; vf_prefix_parse(&p, s); return p; }
static vf_mac mac(const char *s) { vf_mac m = { { 0 } }; vf_mac_parse(&m, s); return m; }

static void dump(const vf_fabric *f)
{
	char a[VF_PREFIX_STRLEN], b[VF_IPV4_STRLEN], c[VF_IPV4_STRLEN], d[VF_IPV4_STRLEN];
	char m[VF_MAC_STRLEN];

	for (vf_cell *cell = vf_fabric_next_cell(f, NULL); cell; cell = vf_fabric_next_cell(f, cell)) {
		vf_router *r = vf_cell_router(cell);

		printf("cell %u %s vni=%u ports=%zu\n", vf_cell_id(cell), vf_cell_name(cell),
		       vf_cell_vni(cell), vf_cell_port_count(cell));
		for (vf_subnet *s = vf_cell_next_subnet(cell, NULL); s; s = vf_cell_next_subnet(cell, s)) {
			vf_ipv4_prefix p = vf_subnet_prefix(s);

			vf_prefix_format(a, sizeof(a), &p);
			vf_ipv4_format(b, sizeof(b), vf_subnet_gateway(s));
			vf_ipv4_format(c, sizeof(c), vf_subnet_dhcp_start(s));
			vf_ipv4_format(d, sizeof(d), vf_subnet_dhcp_end(s));
			printf(" subnet %u %s %s gw=%s dhcp=%s-%s kind=%d\n", vf_subnet_id(s),
			       vf_subnet_name(s), a, b, c, d, (int)vf_subnet_kind_of(s));
			for (vf_port *p2 = vf_subnet_next_port(s, NULL); p2; p2 = vf_subnet_next_port(s, p2)) {
				vf_mac vm = vf_port_vmac(p2);

				vf_ipv4_format(b, sizeof(b), vf_port_vip(p2));
				vf_mac_format(m, sizeof(m), &vm);
				printf("  port %u %s %s %s\n", vf_port_id(p2), vf_port_name(p2), b, m);
			}
		}
		if (!r)
			continue;
		printf(" router %s\n", vf_router_name(r));
		for (vf_subnet *s = vf_router_next_subnet(r, NULL); s; s = vf_router_next_subnet(r, s)) {
			vf_mac rv;

			vf_router_iface_mac(r, s, &rv);
			vf_mac_format(m, sizeof(m), &rv);
			printf("  iface %s %s\n", vf_subnet_name(s), m);
		}
	}
}

int main(void)
{
	vf_fabric *f = NULL;
	vf_cell *blue = NULL, *c2 = NULL, *xc = NULL;
	vf_subnet *s1 = NULL, *db = NULL, *lnk = NULL, *x = NULL;
	vf_port *vm1 = NULL, *vm2 = NULL, *vm3 = NULL, *la = NULL, *lb = NULL, *y = NULL;
	vf_router *r = NULL, *r2 = NULL;
	VF_OPTS(vf_fabric_opts, fo, .host_name = "hv1");
	VF_OPTS(vf_cell_opts, blue_o, .id = 1, .name = "blue");
	VF_OPTS(vf_subnet_opts, db_o, .name = "db", .prefix = pfx("10.1.2.0/24"));
	VF_OPTS(vf_subnet_opts, wide, .name = "wide", .prefix = pfx("10.1.0.0/16"));
	VF_OPTS(vf_subnet_opts, cross, .name = "cross", .prefix = pfx("10.1.1.128/25"));
	VF_OPTS(vf_subnet_opts, hostbits, .name = "bad", .prefix = { ip("10.9.0.1"), 24, { 0 } });
	VF_OPTS(vf_subnet_opts, link_o, .name = "cable", .kind = VF_SUBNET_LINK,
		.prefix = pfx("192.168.0.0/31"));
	VF_OPTS(vf_port_opts, vm1_o, .name = "vm1");
	VF_OPTS(vf_port_opts, vm2_o, .name = "vm2", .vip = ip("10.1.2.10"));
	VF_OPTS(vf_port_opts, vm3_o, .name = "vm3", .vmac = mac("02:aa:00:00:00:01"));
	VF_OPTS(vf_port_opts, dupvip, .name = "vm4", .vip = ip("10.1.2.10"));
	VF_OPTS(vf_port_opts, gwvip, .name = "vm4", .vip = ip("10.1.1.1"));
	VF_OPTS(vf_port_opts, outvip, .name = "vm4", .vip = ip("10.2.0.5"));
	VF_OPTS(vf_port_opts, dupmac, .name = "vm4", .vmac = mac("02:aa:00:00:00:01"));
	VF_OPTS(vf_port_opts, la_o, .name = "la");
	VF_OPTS(vf_port_opts, lb_o, .name = "lb");
	VF_OPTS(vf_port_opts, lc_o, .name = "lc");

	TRY("fabric", vf_fabric_create(&f, &fo));
	TRY("cell blue", vf_cell_create(&blue, f, &blue_o));
	TRY("cell default", vf_cell_create(&c2, f, NULL));
	TRY("cell duplicate id", vf_cell_create(&xc, f, &blue_o));
	TRY("subnet default", vf_subnet_create(&s1, blue, NULL));
	TRY("subnet db", vf_subnet_create(&db, blue, &db_o));
	TRY("subnet overlapping", vf_subnet_create(&x, blue, &wide));
	TRY("subnet overlapping other cell", vf_subnet_create(&x, c2, &cross));
	TRY("subnet host bits", vf_subnet_create(&x, c2, &hostbits));
	TRY("subnet link", vf_subnet_create(&lnk, c2, &link_o));
	TRY("port vm1", vf_port_create(&vm1, s1, &vm1_o));
	TRY("port vm2", vf_port_create(&vm2, db, &vm2_o));
	TRY("port vm3", vf_port_create(&vm3, s1, &vm3_o));
	TRY("port duplicate name", vf_port_create(&y, db, &vm1_o));
	TRY("port duplicate vip", vf_port_create(&y, db, &dupvip));
	TRY("port gateway vip", vf_port_create(&y, s1, &gwvip));
	TRY("port vip outside", vf_port_create(&y, s1, &outvip));
	TRY("port duplicate vmac", vf_port_create(&y, db, &dupmac));
	TRY("port la", vf_port_create(&la, lnk, &la_o));
	TRY("port lb", vf_port_create(&lb, lnk, &lb_o));
	TRY("port third on link", vf_port_create(&y, lnk, &lc_o));
	TRY("router", vf_router_create(&r, blue, NULL));
	TRY("router second", vf_router_create(&r2, blue, NULL));
	TRY("attach subnet1", vf_router_attach(r, s1, NULL));
	TRY("attach db", vf_router_attach(r, db, NULL));
	TRY("attach other cell", vf_router_attach(r, lnk, NULL));
	TRY("attach twice", vf_router_attach(r, s1, NULL));
	dump(f);
	TRY("destroy subnet1", (vf_subnet_destroy(s1), 0));
	dump(f);
	vf_port_destroy(vm1); vf_port_destroy(vm2); vf_port_destroy(vm3);
	vf_port_destroy(la); vf_port_destroy(lb); vf_router_destroy(r);
	vf_subnet_destroy(db); vf_subnet_destroy(lnk);
	vf_cell_destroy(blue); vf_cell_destroy(c2); vf_fabric_destroy(f);
	return 0;
}
"""


def python_scenario():
    out = []

    def TRY(step, fn):
        try:
            result = fn()
        except VfError as exc:
            out.append("refused %s errno=%d msg=%s" % (step, exc.errno, exc.strerror))
            return None
        out.append("ok " + step)
        return result

    def dump(fab):
        for cell in fab.cells:
            out.append("cell %d %s vni=%d ports=%d" % (cell.id, cell.name, cell.vni,
                                                       cell.port_count))
            for s in cell.subnets:
                out.append(" subnet %d %s %s gw=%s dhcp=%s-%s kind=%d" % (
                    s.id, s.name, s.prefix, s.gateway or "0.0.0.0", s.dhcp_start,
                    s.dhcp_end, int(s.kind)))
                for p in s.ports:
                    out.append("  port %d %s %s %s" % (p.id, p.name, p.vip, p.vmac))
            r = cell.router
            if r is None:
                continue
            out.append(" router %s" % r.name)
            for s in r.subnets:
                out.append("  iface %s %s" % (s.name, r.iface_mac(s)))

    f = TRY("fabric", lambda: vfabric.Fabric(host_name="hv1"))
    blue = TRY("cell blue", lambda: f.create_cell(id=1, name="blue"))
    c2 = TRY("cell default", lambda: f.create_cell())
    TRY("cell duplicate id", lambda: f.create_cell(id=1, name="blue"))
    s1 = TRY("subnet default", lambda: blue.create_subnet())
    db = TRY("subnet db", lambda: blue.create_subnet(name="db", prefix="10.1.2.0/24"))
    TRY("subnet overlapping", lambda: blue.create_subnet(name="wide", prefix="10.1.0.0/16"))
    TRY("subnet overlapping other cell",
        lambda: c2.create_subnet(name="cross", prefix="10.1.1.128/25"))
    TRY("subnet host bits", lambda: c2.create_subnet(name="bad", prefix="10.9.0.1/24"))
    lnk = TRY("subnet link", lambda: c2.create_subnet(name="cable", kind=SubnetKind.LINK,
                                                      prefix="192.168.0.0/31"))
    TRY("port vm1", lambda: s1.create_port("vm1"))
    TRY("port vm2", lambda: db.create_port("vm2", vip="10.1.2.10"))
    TRY("port vm3", lambda: s1.create_port("vm3", vmac="02:aa:00:00:00:01"))
    TRY("port duplicate name", lambda: db.create_port("vm1"))
    TRY("port duplicate vip", lambda: db.create_port("vm4", vip="10.1.2.10"))
    TRY("port gateway vip", lambda: s1.create_port("vm4", vip="10.1.1.1"))
    TRY("port vip outside", lambda: s1.create_port("vm4", vip="10.2.0.5"))
    TRY("port duplicate vmac", lambda: db.create_port("vm4", vmac="02:aa:00:00:00:01"))
    TRY("port la", lambda: lnk.create_port("la"))
    TRY("port lb", lambda: lnk.create_port("lb"))
    TRY("port third on link", lambda: lnk.create_port("lc"))
    r = TRY("router", lambda: blue.create_router())
    TRY("router second", lambda: blue.create_router())
    TRY("attach subnet1", lambda: r.attach(s1))
    TRY("attach db", lambda: r.attach(db))
    TRY("attach other cell", lambda: r.attach(lnk))
    TRY("attach twice", lambda: r.attach(s1))
    dump(f)
    TRY("destroy subnet1", s1.close)
    dump(f)
    f.close()
    return out


def test_python_builds_and_refuses_like_c(tmp_path):
    lib = os.path.realpath(_lib.library_path)
    exe = compile_c(tmp_path, "parity", C_SCENARIO,
                    extra=[lib, "-Wl,-rpath," + os.path.dirname(lib)])
    proc = subprocess.run([str(exe)], capture_output=True, text=True, check=True)
    c_lines = proc.stdout.splitlines()
    py_lines = python_scenario()

    # the scenario must have exercised what it claims to: these steps, and
    # only these, refused with these codes
    refused = [line.split(" msg=")[0] for line in c_lines if line.startswith("refused ")]
    assert refused == [
        "refused cell duplicate id errno=%d" % errno.EEXIST,
        "refused subnet overlapping errno=%d" % errno.EADDRINUSE,
        "refused subnet overlapping other cell errno=%d" % errno.EADDRINUSE,
        "refused subnet host bits errno=%d" % errno.EINVAL,
        "refused port duplicate name errno=%d" % errno.EEXIST,
        "refused port duplicate vip errno=%d" % errno.EADDRINUSE,
        "refused port gateway vip errno=%d" % errno.EINVAL,
        "refused port vip outside errno=%d" % errno.EINVAL,
        "refused port duplicate vmac errno=%d" % errno.EADDRINUSE,
        "refused port third on link errno=%d" % errno.ENOSPC,
        "refused router second errno=%d" % errno.EEXIST,
        "refused attach other cell errno=%d" % errno.EINVAL,
        "refused attach twice errno=%d" % errno.EEXIST,
    ]
    assert any(" port 1 vm1 10.1.1.2 02:01:0a:01:01:02" in line for line in c_lines)
    assert any("iface db 06:01:0a:01:02:01" in line for line in c_lines)
    assert c_lines == py_lines
