"""Getters, setters, look-ups and iteration of every object type."""

import errno

import pytest

import vfabric
from vfabric import DhcpMode, Direction, Protocol, Verdict

from _support import raises


# -- fabric -------------------------------------------------------------------

def test_fabric_defaults():
    import socket
    with vfabric.Fabric() as fab:
        assert fab.host_name == socket.gethostname()
        assert fab.host_mac is None and fab.host_ip is None
        assert fab.wire_mode == vfabric.WireMode.REWRITE
        assert fab.cell_count == 0 and fab.port_count == 0
        assert fab.cells == [] and fab.ports == []
        assert fab.log is None and fab.log_level == vfabric.LogLevel.ERROR


def test_fabric_options():
    with vfabric.Fabric(host_name="hv-7", host_mac="00:16:3E:00:00:07",
                        host_ip="192.0.2.7", wire_mode="vxlan") as fab:
        assert fab.host_name == "hv-7"
        assert fab.host_mac == "00:16:3e:00:00:07"
        assert fab.host_ip == "192.0.2.7"
        assert fab.wire_mode == vfabric.WireMode.VXLAN


@pytest.mark.parametrize("kw,value", [
    ({"wire_mode": 5}, "5"),
    ({"log_level": 9}, "9"),
    ({"host_mac": "01:00:5e:00:00:01"}, "01:00:5e:00:00:01"),
    ({"host_name": "bad name"}, "bad name"),
])
def test_fabric_bad_options(kw, value):
    with raises(errno.EINVAL, value):
        vfabric.Fabric(**kw)


def test_fabric_host_setters(fabric):
    fabric.host_mac = "02:00:00:00:00:01"
    fabric.host_ip = "198.51.100.1"
    assert fabric.host_mac == "02:00:00:00:00:01"
    assert fabric.host_ip == "198.51.100.1"
    for bad in ("01:00:00:00:00:01", "00:00:00:00:00:00"):
        with raises(errno.EINVAL, bad):
            fabric.host_mac = bad
    for bad in ("0.0.0.0", "224.0.0.1", "255.255.255.255", "127.0.0.1"):
        with raises(errno.EINVAL, bad):
            fabric.host_ip = bad
    assert fabric.host_mac == "02:00:00:00:00:01"
    assert fabric.host_ip == "198.51.100.1"


def test_fabric_lookups_and_iteration(fabric):
    a = fabric.create_cell(name="a")
    b = fabric.create_cell(id=10, name="b")
    c = fabric.create_cell(name="c")
    assert fabric.cells == [a, b, c]
    assert [x.id for x in fabric.cells] == [1, 10, 2]
    assert fabric.cell(10) is b and fabric.cell("c") is c
    assert fabric.cell(99) is None and fabric.cell("zz") is None
    assert fabric.cell(2 ** 40) is None
    pa = a.create_subnet().create_port("pa")
    pc = c.create_subnet().create_port("pc")
    assert fabric.port("pa") is pa and fabric.port("pc") is pc
    assert fabric.port("nope") is None
    assert fabric.ports == [pa, pc] and fabric.port_count == 2
    with pytest.raises(TypeError):
        fabric.cell(1.5)


# -- cell ---------------------------------------------------------------------

def test_cell_getters_and_setters(fabric, cell):
    assert cell.fabric is fabric
    assert (cell.id, cell.name, cell.owner, cell.vni) == (1, "blue", "acme", 1)
    assert cell.intra_cell == Verdict.ALLOW
    assert cell.inter_cell == Verdict.DENY
    cell.name = "green"
    assert cell.name == "green" and fabric.cell("green") is cell
    assert fabric.cell("blue") is None
    cell.owner = "globex"
    assert cell.owner == "globex"
    cell.owner = None
    assert cell.owner == ""
    cell.intra_cell = Verdict.DENY
    cell.inter_cell = "allow"
    assert (cell.intra_cell, cell.inter_cell) == (Verdict.DENY, Verdict.ALLOW)
    cell.intra_cell = Verdict.DEFAULT
    cell.inter_cell = Verdict.DEFAULT
    assert (cell.intra_cell, cell.inter_cell) == (Verdict.ALLOW, Verdict.DENY)


def test_cell_setters_refuse(fabric, cell):
    fabric.create_cell(name="red")
    with raises(errno.EEXIST, "red"):
        cell.name = "red"
    with raises(errno.EINVAL, "bad name"):
        cell.name = "bad name"
    with raises(errno.EINVAL, "9"):
        cell.intra_cell = 9
    with raises(errno.EINVAL):
        cell.owner = "x" * 256
    with raises(errno.EINVAL, "maybe"):
        cell.inter_cell = "maybe"
    assert cell.name == "blue" and cell.owner == "acme"


def test_cell_explicit_options(fabric):
    c = fabric.create_cell(id=5, name="five", owner="o", intra_cell="deny",
                           inter_cell=Verdict.ALLOW, vni=5000)
    assert (c.id, c.name, c.owner, c.vni) == (5, "five", "o", 5000)
    assert (c.intra_cell, c.inter_cell) == (Verdict.DENY, Verdict.ALLOW)


def test_cell_lookups_and_iteration(cell):
    s1 = cell.create_subnet(name="a")
    s2 = cell.create_subnet(id=9, name="b")
    assert cell.subnets == [s1, s2] and cell.subnet_count == 2
    assert cell.subnet(9) is s2 and cell.subnet("a") is s1
    assert cell.subnet(3) is None and cell.subnet("c") is None
    p1 = s1.create_port("p1")
    p2 = s2.create_port("p2", vip="10.1.9.77")
    assert cell.ports == [p1, p2] and cell.port_count == 2
    assert cell.port_by_vip("10.1.9.77") is p2
    assert cell.port_by_vip(0x0a010102) is p1
    assert cell.port_by_vip("10.1.9.78") is None
    assert cell.router is None
    r = cell.create_router(name="gw")
    assert cell.router is r and r.name == "gw" and r.cell is cell
    g = cell.create_secgroup(name="g")
    assert cell.secgroups == [g] and cell.secgroup("g") is g
    assert cell.secgroup(g.id) is g and cell.secgroup_count == 1


def test_one_router_per_cell(cell):
    cell.create_router()
    with raises(errno.EEXIST):
        cell.create_router(name="second")
    assert cell.router.name == "router"


# -- subnet -------------------------------------------------------------------

def test_subnet_getters(cell, subnet):
    assert subnet.cell is cell and subnet.fabric is cell.fabric
    assert (subnet.id, subnet.name) == (1, "web")
    assert subnet.router is None
    assert subnet.dhcp_start == "10.1.1.2" and subnet.dhcp_end == "10.1.1.254"


def test_subnet_setters(subnet):
    subnet.mtu = 9000
    assert subnet.mtu == 9000
    subnet.mtu = 68
    assert subnet.mtu == 68
    subnet.lease_time = 60
    assert subnet.lease_time == 60
    subnet.lease_time = 31536000
    subnet.domain = "example.org"
    assert subnet.domain == "example.org"
    subnet.domain = None
    assert subnet.domain is None
    subnet.dns = ["192.0.2.53", "192.0.2.54"]
    assert subnet.dns == ["192.0.2.53", "192.0.2.54"]
    subnet.dns = []
    assert subnet.dns == []
    subnet.dhcp_enabled = False
    assert not subnet.dhcp_enabled
    subnet.set_dhcp(DhcpMode.DEFAULT)
    assert subnet.dhcp_enabled


@pytest.mark.parametrize("attr,value,text", [
    ("mtu", 67, "67"), ("mtu", 9001, "9001"),
    ("lease_time", 59, "59"), ("lease_time", 31536001, "31536001"),
    ("domain", "d" * 256, None),
])
def test_subnet_setters_refuse(subnet, attr, value, text):
    before = getattr(subnet, attr)
    with raises(errno.EINVAL, *([text] if text else [])):
        setattr(subnet, attr, value)
    assert getattr(subnet, attr) == before


def test_subnet_dns_refusals(subnet):
    subnet.dns = ["192.0.2.1"]
    with raises(errno.EINVAL):
        subnet.dns = ["192.0.2.%d" % i for i in range(1, 6)]
    with raises(errno.EINVAL, "0.0.0.0"):
        subnet.dns = ["192.0.2.1", "0.0.0.0"]
    with raises(errno.EINVAL, "5"):
        subnet.set_dhcp(5)
    assert subnet.dns == ["192.0.2.1"]


def test_subnet_create_options(cell):
    s = cell.create_subnet(prefix="10.60.0.0/24", lease_time=3600,
                           dns=["192.0.2.1", "192.0.2.2", "192.0.2.3",
                                "192.0.2.4"],
                           domain="corp.example", mtu=1450, dhcp="off")
    assert s.lease_time == 3600 and s.mtu == 1450
    assert s.dns == ["192.0.2.%d" % i for i in range(1, 5)]
    assert s.domain == "corp.example" and not s.dhcp_enabled
    with raises(errno.EINVAL):
        cell.create_subnet(dns=["192.0.2.%d" % i for i in range(1, 6)])
    with raises(errno.EINVAL, "20"):
        cell.create_subnet(lease_time=20)
    assert cell.subnet_count == 1


def test_subnet_ports_lookup(subnet):
    a = subnet.create_port("a")
    b = subnet.create_port("b", id=7)
    assert subnet.ports == [a, b] and subnet.port_count == 2
    assert subnet.port(7) is b and subnet.port(1) is a
    assert subnet.port(2) is None


# -- port ---------------------------------------------------------------------

def test_port_getters_and_admin_state(cell, subnet):
    p = subnet.create_port("vm1", id=4, vip="10.1.1.40",
                           vmac="02:00:00:00:00:40", admin_down=True)
    assert p.subnet is subnet and p.cell is cell and p.fabric is cell.fabric
    assert (p.id, p.name, p.vip, p.vmac) == (4, "vm1", "10.1.1.40",
                                             "02:00:00:00:00:40")
    assert p.admin_up is False
    p.admin_up = True
    assert p.admin_up is True


def test_port_qos(subnet):
    p = subnet.create_port("vm1")
    assert p.qos(Direction.INGRESS) == (0, 0)
    p.set_qos(Direction.INGRESS, 10 ** 9)
    assert p.qos(Direction.INGRESS) == (10 ** 9, 12500000)
    p.set_qos("egress", 80000)
    assert p.qos(Direction.EGRESS) == (80000, 1500)  # at least 1500
    p.set_qos(Direction.EGRESS, 10 ** 6, 4000)
    assert p.qos(Direction.EGRESS) == (10 ** 6, 4000)
    with raises(errno.EINVAL, "1499"):
        p.set_qos(Direction.EGRESS, 10 ** 6, 1499)
    with raises(errno.EINVAL, "2"):
        p.set_qos(2, 10 ** 6)
    with raises(errno.EINVAL):
        p.qos(2)
    assert p.qos(Direction.EGRESS) == (10 ** 6, 4000)
    p.set_qos(Direction.INGRESS, 0)
    assert p.qos(Direction.INGRESS) == (0, 0)


def test_port_secgroups(fabric, cell, subnet):
    p = subnet.create_port("vm1")
    g1 = cell.create_secgroup(name="g1")
    g2 = cell.create_secgroup(name="g2")
    p.add_secgroup(g2)
    p.add_secgroup(g1)
    assert p.secgroups == [g2, g1] and p.secgroup_count == 2
    with raises(errno.EEXIST, "g1"):
        p.add_secgroup(g1)
    foreign = fabric.create_cell().create_secgroup(name="foreign")
    with raises(errno.EINVAL, "foreign"):
        p.add_secgroup(foreign)
    p.del_secgroup(g2)
    assert p.secgroups == [g1]
    with raises(errno.ENOENT, "g2"):
        p.del_secgroup(g2)
    g1.close()  # takes it off every port
    assert p.secgroups == [] and p.secgroup_count == 0


def test_port_secgroup_limit(cell, subnet):
    p = subnet.create_port("vm1")
    groups = [cell.create_secgroup() for _ in
              range(vfabric.PORT_SECGROUPS_MAX + 1)]
    for g in groups[:-1]:
        p.add_secgroup(g)
    with raises(errno.ENOSPC):
        p.add_secgroup(groups[-1])
    assert p.secgroup_count == vfabric.PORT_SECGROUPS_MAX


# -- security groups and rules ------------------------------------------------

def test_secgroup_rules(cell):
    g = cell.create_secgroup(id=3, name="web")
    assert (g.id, g.name, g.cell) == (3, "web", cell)
    assert g.rules == [] and g.rule_count == 0
    r1 = g.add_rule(direction=Direction.INGRESS, protocol=Protocol.TCP,
                    port_min=80, port_max=443)
    r2 = g.add_rule(direction="egress", remote="192.0.2.0/24")
    r3 = g.add_rule(protocol="icmp")
    assert r1 >= 1 and len({r1, r2, r3}) == 3
    assert g.rules == [
        vfabric.Rule(r1, Direction.INGRESS, None, Protocol.TCP, 80, 443),
        vfabric.Rule(r2, Direction.EGRESS, "192.0.2.0/24", Protocol.ANY, 0, 0),
        vfabric.Rule(r3, Direction.INGRESS, None, Protocol.ICMP, 0, 0),
    ]
    g.del_rule(r2)
    assert [r.id for r in g.rules] == [r1, r3]
    with raises(errno.ENOENT, str(r2)):
        g.del_rule(r2)


@pytest.mark.parametrize("kw,errno_code,text", [
    ({"protocol": Protocol.TCP, "port_min": 80, "port_max": 443},
     errno.EEXIST, None),                                      # identical
    ({"protocol": Protocol.ICMP, "port_min": 1, "port_max": 2},
     errno.EINVAL, None),                                      # ports on ICMP
    ({"protocol": Protocol.UDP, "port_min": 90, "port_max": 80},
     errno.EINVAL, "90"),                                      # inverted
    ({"remote": ("192.0.2.1", 24)}, errno.EINVAL, "192.0.2.1"),  # host bits
    ({"direction": 2}, errno.EINVAL, "2"),
])
def test_secgroup_rule_refusals(cell, kw, errno_code, text):
    g = cell.create_secgroup()
    g.add_rule(protocol=Protocol.TCP, port_min=80, port_max=443)
    with raises(errno_code, *([text] if text else [])):
        g.add_rule(**kw)
    assert g.rule_count == 1


def test_secgroup_lookups_and_names(cell):
    a = cell.create_secgroup()
    b = cell.create_secgroup(name="b")
    assert (a.id, a.name) == (1, "secgroup1")
    assert cell.secgroups == [a, b]
    with raises(errno.EEXIST, "b"):
        cell.create_secgroup(name="b")
    with raises(errno.EEXIST, "1"):
        cell.create_secgroup(id=1)
    assert cell.secgroup_count == 2


# -- policies -----------------------------------------------------------------

def test_policy_create_and_read_back(fabric, cell):
    src = fabric.create_cell(name="src")
    p = cell.create_policy(src, name="web-from-src", src="10.2.1.0/24",
                           dst="10.1.1.0/25", protocol=Protocol.TCP,
                           port_min=443, port_max=443)
    assert (p.id, p.name, p.cell) == (1, "web-from-src", cell)
    assert p.src_cell is src and p.src_cell_id == src.id
    assert (p.src, p.dst) == ("10.2.1.0/24", "10.1.1.0/25")
    assert (p.protocol, p.port_min, p.port_max) == (Protocol.TCP, 443, 443)
    q = cell.create_policy(src.id)
    assert (q.name, q.src, q.dst, q.protocol) == ("policy2", None, None,
                                                  Protocol.ANY)
    assert cell.policies == [p, q] and cell.policy_count == 2
    assert cell.policy("web-from-src") is p and cell.policy(2) is q
    assert cell.policy(3) is None


def test_policy_refusals(fabric, cell):
    src = fabric.create_cell(name="src")
    cell.create_policy(src, name="p")
    with raises(errno.EINVAL):
        cell.create_policy(cell)          # its own cell
    with raises(errno.EINVAL):
        cell.create_policy(0)             # missing
    with raises(errno.ENOENT, "77"):
        cell.create_policy(77)            # no such cell
    with raises(errno.EINVAL, "10.2.1.1"):
        cell.create_policy(src, src=("10.2.1.1", 24))
    with raises(errno.EINVAL, "90"):
        cell.create_policy(src, protocol=Protocol.TCP, port_min=90,
                           port_max=80)
    with raises(errno.EEXIST, "p"):
        cell.create_policy(src, name="p")
    assert cell.policy_count == 1


# -- router -------------------------------------------------------------------

def test_router_attach_detach(cell):
    a = cell.create_subnet(name="a")
    b = cell.create_subnet(name="b")
    r = cell.create_router()
    r.attach(a)
    r.attach(b, rvmac="06:00:00:00:00:0b")
    assert r.subnets == [a, b] and r.iface_count == 2
    assert a.router is r and b.router is r
    assert r.iface_mac(b) == "06:00:00:00:00:0b"
    with raises(errno.EEXIST, "a"):
        r.attach(a)
    r.detach(a)
    assert r.subnets == [b] and a.router is None
    with raises(errno.ENOENT, "a"):
        r.detach(a)
    with raises(errno.ENOENT, "a"):
        r.iface_mac(a)
    b.close()  # removes the interface with the subnet
    assert r.iface_count == 0 and r.subnets == []


def test_router_attach_refusals(fabric, cell, subnet):
    p = subnet.create_port("vm1")
    r = cell.create_router()
    other = fabric.create_cell(name="other").create_subnet(name="theirs")
    with raises(errno.EINVAL, "theirs"):
        r.attach(other)
    with raises(errno.EINVAL, "01:00:5e:00:00:01"):
        r.attach(subnet, rvmac="01:00:5e:00:00:01")
    with raises(errno.EADDRINUSE, p.vmac):
        r.attach(subnet, rvmac=p.vmac)
    assert r.iface_count == 0
    r.attach(subnet)
    s2 = cell.create_subnet()
    with raises(errno.EADDRINUSE, r.iface_mac(subnet)):
        r.attach(s2, rvmac=r.iface_mac(subnet))
    with raises(errno.EADDRINUSE, r.iface_mac(subnet)):
        s2.create_port("vm2", vmac=r.iface_mac(subnet))


def test_router_routes(cell, subnet):
    r = cell.create_router()
    subnet.create_port("fw", vip="10.1.1.9")
    r.attach(subnet)
    r.add_route("192.168.0.0/16", "10.1.1.9")
    r.add_route("0.0.0.0/0", "10.1.1.9")
    r.add_route("172.16.0.0/12", "10.1.1.10")
    assert r.route_count == 3
    assert r.routes == [("0.0.0.0/0", "10.1.1.9"),
                        ("172.16.0.0/12", "10.1.1.10"),
                        ("192.168.0.0/16", "10.1.1.9")]
    with raises(errno.EEXIST, "192.168.0.0/16"):
        r.add_route("192.168.0.0/16", "10.1.1.11")
    with raises(errno.EINVAL, "10.9.9.9"):
        r.add_route("10.8.0.0/16", "10.9.9.9")      # no attached subnet
    with raises(errno.EINVAL, "10.1.1.1"):
        r.add_route("10.8.0.0/16", "10.1.1.1")      # the gateway
    with raises(errno.EINVAL, "10.8.0.1"):
        r.add_route(("10.8.0.1", 16), "10.1.1.9")   # host bits
    r.del_route("172.16.0.0/12")
    assert [x.dest for x in r.routes] == ["0.0.0.0/0", "192.168.0.0/16"]
    with raises(errno.ENOENT, "172.16.0.0/12"):
        r.del_route("172.16.0.0/12")
