"""The address model through the binding: the default plan, prefixes,
overlap rules per wire mode, VIP/VMAC allocation and uniqueness, link
subnets; every refusal names its value and leaves nothing half-created."""

import errno

import pytest

import vfabric
from vfabric import SubnetKind, WireMode

from _support import raises


def counts(fab):
    """Every count of the model, to compare before and after a failure."""
    out = {"cells": fab.cell_count, "ports": fab.port_count}
    for c in fab.cells:
        out[c.name] = (c.subnet_count, c.port_count, c.secgroup_count,
                       c.policy_count, c.router is not None,
                       tuple((s.name, s.port_count) for s in c.subnets))
    return out


# -- the default address plan ---------------------------------------------

def test_default_plan_is_10_cell_subnet(fabric):
    c1 = fabric.create_cell()
    assert c1.id == 1 and c1.name == "cell1"
    s1 = c1.create_subnet()
    s2 = c1.create_subnet()
    assert (s1.id, s1.name, s1.prefix) == (1, "subnet1", "10.1.1.0/24")
    assert (s2.id, s2.name, s2.prefix) == (2, "subnet2", "10.1.2.0/24")
    c7 = fabric.create_cell(id=7)
    s3 = c7.create_subnet(id=3)
    assert s3.prefix == "10.7.3.0/24"
    assert s3.gateway == "10.7.3.1"
    assert s3.dhcp_range == ("10.7.3.2", "10.7.3.254")
    assert s3.kind == SubnetKind.LAN and s3.dhcp_enabled
    assert s3.mtu == 1500 and s3.lease_time == 86400
    assert s3.dns == [] and s3.domain is None


def test_default_plan_first_vips_and_ids(subnet):
    p1 = subnet.create_port("vm1")
    p2 = subnet.create_port("vm2")
    assert (p1.id, p1.vip) == (1, "10.1.1.2")
    assert (p2.id, p2.vip) == (2, "10.1.1.3")
    assert p1.admin_up


def test_no_default_prefix_past_255(fabric):
    big = fabric.create_cell(id=300)
    one = fabric.create_cell(id=1)
    before = counts(fabric)
    with raises(errno.EINVAL, "300"):
        big.create_subnet()
    with raises(errno.EINVAL, "256"):
        one.create_subnet(id=256)
    assert counts(fabric) == before
    assert big.create_subnet(prefix="10.255.0.0/24").id == 1


def test_lowest_free_ids_are_reused(cell):
    s1 = cell.create_subnet()
    s2 = cell.create_subnet()
    s1.close()
    s3 = cell.create_subnet()
    assert (s3.id, s3.prefix) == (1, "10.1.1.0/24")
    assert s2.id == 2


# -- arbitrary prefixes -----------------------------------------------------

@pytest.mark.parametrize("prefix,gateway,first,last", [
    ("192.168.10.0/24", "192.168.10.1", "192.168.10.2", "192.168.10.254"),
    ("172.16.0.0/16", "172.16.0.1", "172.16.0.2", "172.16.255.254"),
    ("10.99.0.64/26", "10.99.0.65", "10.99.0.66", "10.99.0.126"),
    ("100.64.0.0/30", "100.64.0.1", "100.64.0.2", "100.64.0.2"),
])
def test_arbitrary_prefixes(cell, prefix, gateway, first, last):
    s = cell.create_subnet(prefix=prefix)
    assert s.prefix == prefix
    assert s.gateway == gateway
    assert s.dhcp_range == (first, last)
    assert s.create_port("p-" + prefix.replace("/", "_")).vip == first


def test_prefix_types_accepted(cell):
    import ipaddress
    a = cell.create_subnet(prefix=ipaddress.IPv4Network("10.20.0.0/24"))
    b = cell.create_subnet(prefix=("10.21.0.0", 24))
    assert (a.prefix, b.prefix) == ("10.20.0.0/24", "10.21.0.0/24")


def test_explicit_gateway_and_dhcp_range(cell):
    s = cell.create_subnet(prefix="10.30.0.0/24", gateway="10.30.0.254",
                           dhcp_start="10.30.0.100", dhcp_end="10.30.0.199")
    assert s.gateway == "10.30.0.254"
    assert s.dhcp_range == ("10.30.0.100", "10.30.0.199")
    assert s.create_port("vm1").vip == "10.30.0.100"
    # An explicit VIP may lie outside the DHCP range, inside the prefix.
    assert s.create_port("vm2", vip="10.30.0.5").vip == "10.30.0.5"


@pytest.mark.parametrize("prefix,value", [
    (("10.40.0.1", 24), "10.40.0.1"),       # host bits set
    (("10.40.0.0", 33), "33"),              # length out of range
    (("10.40.0.0", 7), "/7"),               # too short for a lan
    (("10.40.0.0", 32), "/32"),             # no hosts
])
def test_bad_prefixes_refused(fabric, cell, prefix, value):
    before = counts(fabric)
    with raises(errno.EINVAL, value):
        cell.create_subnet(prefix=prefix, name="net")
    assert counts(fabric) == before
    cell.create_subnet(name="net")  # the name was not taken


def test_bad_prefix_text_refused_by_the_parser(cell):
    with raises(errno.EINVAL, "10.40.0.1/24"):
        cell.create_subnet(prefix="10.40.0.1/24")
    with raises(errno.EINVAL, "10.40.0/24"):
        cell.create_subnet(prefix="10.40.0/24")


@pytest.mark.parametrize("kw,value", [
    ({"gateway": "10.41.1.1"}, "10.41.1.1"),             # outside
    ({"gateway": "10.41.0.0"}, "10.41.0.0"),             # network address
    ({"gateway": "10.41.0.255"}, "10.41.0.255"),         # broadcast
    ({"dhcp_start": "10.41.0.10", "dhcp_end": "10.41.1.10"}, "10.41.1.10"),
    ({"dhcp_start": "10.40.0.10", "dhcp_end": "10.41.0.20"}, "10.40.0.10"),
    ({"dhcp_start": "10.41.0.50", "dhcp_end": "10.41.0.40"}, "10.41.0.50"),
    ({"gateway": "10.41.0.30", "dhcp_start": "10.41.0.20",
      "dhcp_end": "10.41.0.40"}, "10.41.0.30"),          # covers gateway
])
def test_gateway_and_dhcp_range_inside_the_subnet(fabric, cell, kw, value):
    before = counts(fabric)
    with raises(errno.EINVAL, value):
        cell.create_subnet(prefix="10.41.0.0/24", name="net", **kw)
    assert counts(fabric) == before
    cell.create_subnet(prefix="10.41.0.0/24", name="net")


def test_set_dhcp_range_checks(subnet):
    subnet.dhcp_range = ("10.1.1.100", "10.1.1.200")
    assert subnet.dhcp_range == ("10.1.1.100", "10.1.1.200")
    with raises(errno.EINVAL, "10.1.2.5"):
        subnet.set_dhcp_range("10.1.1.5", "10.1.2.5")
    with raises(errno.EINVAL, "10.1.1.1"):
        subnet.set_dhcp_range("10.1.1.1", "10.1.1.20")  # the gateway
    with raises(errno.EINVAL, "10.1.1.30"):
        subnet.set_dhcp_range("10.1.1.30", "10.1.1.20")  # inverted
    assert subnet.dhcp_range == ("10.1.1.100", "10.1.1.200")


# -- overlapping prefixes -----------------------------------------------------

def test_overlap_within_a_cell_refused(fabric, cell):
    cell.create_subnet(prefix="10.1.0.0/16", name="big")
    before = counts(fabric)
    with raises(errno.EADDRINUSE, "10.1.2.0/24"):
        cell.create_subnet(prefix="10.1.2.0/24", name="small")
    with raises(errno.EADDRINUSE, "10.0.0.0/8"):
        cell.create_subnet(prefix="10.0.0.0/8", name="huge")
    with raises(errno.EADDRINUSE, "10.1.0.0/16"):
        cell.create_subnet(prefix="10.1.0.0/16", name="same")
    assert counts(fabric) == before
    cell.create_subnet(prefix="10.2.0.0/16", name="small")  # name free


def test_overlap_within_a_cell_refused_in_vxlan_mode(vxfabric):
    cell = vxfabric.create_cell()
    cell.create_subnet(prefix="192.168.0.0/24")
    with raises(errno.EADDRINUSE, "192.168.0.128/25"):
        cell.create_subnet(prefix="192.168.0.128/25")
    assert cell.subnet_count == 1


def test_overlap_across_cells_refused_in_rewrite_mode(fabric):
    a = fabric.create_cell(name="a")
    b = fabric.create_cell(name="b")
    a.create_subnet(prefix="192.168.0.0/24")
    before = counts(fabric)
    with raises(errno.EADDRINUSE, "192.168.0.0/25"):
        b.create_subnet(prefix="192.168.0.0/25")
    with raises(errno.EADDRINUSE, "192.168.0.0/16"):
        b.create_subnet(prefix="192.168.0.0/16")
    assert counts(fabric) == before
    b.create_subnet(prefix="192.168.1.0/24")


def test_overlap_across_cells_allowed_in_vxlan_mode(vxfabric):
    assert vxfabric.wire_mode == WireMode.VXLAN
    a = vxfabric.create_cell(name="a")
    b = vxfabric.create_cell(name="b")
    sa = a.create_subnet(prefix="192.168.0.0/24")
    sb = b.create_subnet(prefix="192.168.0.0/24")
    pa = sa.create_port("a-vm", vip="192.168.0.5")
    pb = sb.create_port("b-vm", vip="192.168.0.5")  # same VIP, other cell
    assert a.port_by_vip("192.168.0.5") is pa
    assert b.port_by_vip("192.168.0.5") is pb
    assert vxfabric.port_count == 2


def test_prefix_freed_by_close_is_reusable(fabric):
    a = fabric.create_cell()
    b = fabric.create_cell()
    s = a.create_subnet(prefix="192.168.0.0/24")
    s.close()
    b.create_subnet(prefix="192.168.0.0/24")
    a.close()
    fabric.create_cell().create_subnet()  # cell 1's default prefix is free


# -- VIPs and VMACs -----------------------------------------------------------

def test_duplicate_vip_refused(fabric, subnet):
    subnet.create_port("vm1", vip="10.1.1.10")
    before = counts(fabric)
    with raises(errno.EADDRINUSE, "10.1.1.10"):
        subnet.create_port("vm2", vip="10.1.1.10")
    assert counts(fabric) == before
    assert subnet.create_port("vm2").name == "vm2"


def test_auto_vip_skips_taken_addresses(subnet):
    subnet.create_port("vm1", vip="10.1.1.2")
    subnet.create_port("vm2", vip="10.1.1.3")
    assert subnet.create_port("vm3").vip == "10.1.1.4"


def test_duplicate_vmac_refused_in_the_cell(fabric, cell, subnet):
    subnet.create_port("vm1", vmac="02:aa:bb:cc:dd:01")
    other = cell.create_subnet()
    before = counts(fabric)
    with raises(errno.EADDRINUSE, "02:aa:bb:cc:dd:01"):
        other.create_port("vm2", vmac="02:AA:BB:CC:DD:01")
    assert counts(fabric) == before
    # Unique in the cell only: another cell may use it.
    elsewhere = fabric.create_cell().create_subnet()
    assert elsewhere.create_port("vm2", vmac="02:aa:bb:cc:dd:01").vmac == \
        "02:aa:bb:cc:dd:01"


def test_explicit_vmac_equal_to_a_derived_one_refused(subnet):
    p1 = subnet.create_port("vm1")
    with raises(errno.EADDRINUSE, p1.vmac):
        subnet.create_port("vm2", vip="10.1.1.50", vmac=p1.vmac)


def test_multicast_vmac_refused(subnet):
    with raises(errno.EINVAL, "03:00:00:00:00:01"):
        subnet.create_port("vm1", vmac="03:00:00:00:00:01")
    assert subnet.port_count == 0


@pytest.mark.parametrize("vip", ["10.1.2.5", "10.1.1.0", "10.1.1.255",
                                 "10.1.1.1", "192.168.1.1"])
def test_vip_outside_subnet_or_reserved_refused(fabric, subnet, vip):
    before = counts(fabric)
    with raises(errno.EINVAL, vip):
        subnet.create_port("vm1", vip=vip)
    assert counts(fabric) == before
    subnet.create_port("vm1")


def test_vip_in_another_cells_subnet_is_outside(fabric, subnet):
    other = fabric.create_cell().create_subnet()  # 10.2.1.0/24
    with raises(errno.EINVAL, "10.2.1.9"):
        subnet.create_port("vm1", vip="10.2.1.9")
    other.create_port("vm1", vip="10.2.1.9")


def test_subnet_full(cell):
    s = cell.create_subnet(prefix="10.50.0.0/29")  # hosts .1-.6, gw .1
    ports = [s.create_port("vm%d" % i) for i in range(5)]
    assert [p.vip for p in ports] == ["10.50.0.%d" % i for i in range(2, 7)]
    with raises(errno.ENOSPC):
        s.create_port("vm6")
    assert s.port_count == 5


@pytest.mark.parametrize("cell_id,prefix,vip,vmac,rvmac", [
    (1, None, "10.1.1.2", "02:01:0a:01:01:02", "06:01:0a:01:01:01"),
    (300, "192.168.5.0/24", "192.168.5.2", "02:2c:c0:a8:05:02",
     "06:2c:c0:a8:05:01"),
    (0x1ff, "172.16.9.0/24", "172.16.9.77", "02:ff:ac:10:09:4d",
     "06:ff:ac:10:09:01"),
])
def test_derived_vmac_and_rvmac(fabric, cell_id, prefix, vip, vmac, rvmac):
    cell = fabric.create_cell(id=cell_id)
    s = cell.create_subnet(prefix=prefix)
    p = s.create_port("vm1", vip=vip if vip.endswith(".77") else None)
    assert p.vip == vip
    assert p.vmac == vmac
    r = cell.create_router()
    r.attach(s)
    assert r.iface_mac(s) == rvmac


# -- link subnets -------------------------------------------------------------

def test_link_subnet_takes_exactly_two_ports(fabric, cell):
    link = cell.create_subnet(kind=SubnetKind.LINK, prefix="10.200.0.0/29",
                              name="cable")
    assert link.kind == SubnetKind.LINK
    assert link.gateway is None
    assert not link.dhcp_enabled
    a = link.create_port("a")
    b = link.create_port("b")
    assert a.vip != b.vip
    before = counts(fabric)
    with raises(errno.ENOSPC, "cable"):
        link.create_port("c")
    with raises(errno.ENOSPC, "cable"):
        link.create_port("c", vip="10.200.0.5")
    assert counts(fabric) == before
    b.close()
    assert link.create_port("c").name == "c"


def test_lan_prefix_lengths(cell):
    """subnet.h: /8 to /30 for lan, /8 to /31 for link."""
    cell.create_subnet(prefix="10.0.0.0/8")
    cell.create_subnet(prefix="11.0.0.0/30")
    for bad in ("12.0.0.0/31", "12.0.0.0/32", "12.0.0.0/7"):
        with raises(errno.EINVAL, bad):
            cell.create_subnet(prefix=bad)
    cell.create_subnet(kind="link", prefix="12.0.0.0/31")
    for bad in ("13.0.0.0/32", "12.0.0.0/7"):
        with raises(errno.EINVAL, bad):
            cell.create_subnet(kind="link", prefix=bad)
    assert cell.subnet_count == 3


def test_default_dhcp_range_takes_the_longer_side_of_the_gateway(cell):
    low = cell.create_subnet(prefix="10.30.0.0/24", gateway="10.30.0.100")
    assert low.dhcp_range == ("10.30.0.101", "10.30.0.254")
    high = cell.create_subnet(prefix="10.31.0.0/24", gateway="10.31.0.200")
    assert high.dhcp_range == ("10.31.0.1", "10.31.0.199")
    top = cell.create_subnet(prefix="10.32.0.0/24", gateway="10.32.0.254")
    assert top.dhcp_range == ("10.32.0.1", "10.32.0.253")
    assert top.create_port("vm1").vip == "10.32.0.1"


@pytest.mark.parametrize("prefix,vips", [
    ("10.201.0.0/30", {"10.201.0.1", "10.201.0.2"}),
    ("10.201.0.0/31", {"10.201.0.0", "10.201.0.1"}),
])
def test_small_link_subnets(cell, prefix, vips):
    link = cell.create_subnet(kind="link", prefix=prefix)
    got = {link.create_port("a").vip, link.create_port("b").vip}
    assert got == vips


def test_link_subnet_has_no_gateway(fabric, cell):
    before = counts(fabric)
    with raises(errno.EINVAL, "10.202.0.1"):
        cell.create_subnet(kind=SubnetKind.LINK, prefix="10.202.0.0/30",
                           gateway="10.202.0.1")
    assert counts(fabric) == before


def test_link_subnet_dhcp_on_request(cell):
    link = cell.create_subnet(kind=SubnetKind.LINK, prefix="10.203.0.0/30",
                              dhcp=vfabric.DhcpMode.ON)
    assert link.dhcp_enabled


def test_router_refuses_link_subnets(cell):
    link = cell.create_subnet(kind=SubnetKind.LINK, prefix="10.204.0.0/30",
                              name="cable")
    r = cell.create_router()
    with raises(errno.EINVAL, "cable"):
        r.attach(link)
    assert r.iface_count == 0 and link.router is None


# -- names and ids ------------------------------------------------------------

def test_taken_ids_and_names(fabric, cell, subnet):
    before = counts(fabric)
    with raises(errno.EEXIST, "blue"):
        fabric.create_cell(name="blue")
    with raises(errno.EEXIST, "1"):
        fabric.create_cell(id=1)
    with raises(errno.EEXIST, "web"):
        cell.create_subnet(name="web")
    with raises(errno.EEXIST, "1"):
        cell.create_subnet(id=1, prefix="10.9.0.0/16")
    subnet.create_port("vm1", id=5)
    before = counts(fabric)
    with raises(errno.EEXIST, "vm1"):
        subnet.create_port("vm1")
    with raises(errno.EEXIST, "5"):
        subnet.create_port("vm2", id=5)
    # Port names are unique in the whole fabric.
    other = fabric.create_cell().create_subnet()
    before = counts(fabric)
    with raises(errno.EEXIST, "vm1"):
        other.create_port("vm1")
    assert counts(fabric) == before


@pytest.mark.parametrize("name,text", [
    ("", None), ("a b", "'a b'"), ("x" * 64, "'xxxxxxxx"),
    ("caf\u00e9", "caf\u00e9"), ("a/b", "'a/b'")])
def test_bad_names_refused(fabric, cell, subnet, name, text):
    values = [text] if text else []
    with raises(errno.EINVAL, *values):
        fabric.create_cell(name=name)
    with raises(errno.EINVAL, *values):
        cell.name = name
    with raises(errno.EINVAL, *values):
        cell.create_subnet(name=name)
    with raises(errno.EINVAL, *values):
        subnet.create_port(name)
    with raises(errno.EINVAL, *values):
        cell.create_secgroup(name=name)
    with raises(errno.EINVAL, *values):
        cell.create_router(name=name)
    assert fabric.cell_count == 1 and cell.name == "blue"
    assert cell.subnet_count == 1 and fabric.port_count == 0
    assert cell.secgroup_count == 0 and cell.router is None


def test_longest_name_accepted(fabric):
    name = "x" * vfabric.NAME_MAX
    assert fabric.create_cell(name=name).name == name


def test_port_name_required(subnet):
    with raises(errno.EINVAL):
        subnet.create_port(None)
    assert subnet.port_count == 0


def test_bad_verdict_and_vni_refused(fabric):
    with raises(errno.EINVAL, "7"):
        fabric.create_cell(intra_cell=7)
    with raises(errno.EINVAL, "16777216"):
        fabric.create_cell(vni=16777216)
    with raises(errno.EINVAL):
        fabric.create_cell(owner="o" * 256)
    assert fabric.cell_count == 0
    c = fabric.create_cell(vni=16777215, owner="o" * 255)
    assert c.vni == 16777215 and c.id == 1


def test_vni_defaults_to_cell_id(vxfabric):
    assert vxfabric.create_cell(id=42).vni == 42
