"""Every drop has a named reason and a counter; a trace tells each
decision in words, gives the verdict the frame would get, and changes
nothing (DESIGN.md §2; pipeline.h).

One scenario per reason that the API can bring about. Each is checked
twice: vf_trace() predicts the drop without counting anything, and
injecting counts it exactly once, under its reason, where it belongs (the
port, or the fabric for underlay frames)."""

import pytest

pytest.importorskip("scapy")

from scapy.all import ICMP, IP, UDP, Ether, IPv6  # noqa: E402

import vfabric  # noqa: E402
from vfabric import Direction, DropReason, SubnetKind, Verdict  # noqa: E402

from _net import (BCAST, HOST_A, HOST_B, HOST_C, Host, arp_request,  # noqa
                  cell, counters, dhcp, ip_frame)


class Net:
    """Host A: cell 1 (a, b in s1; c in s2; p1 alone on link subnet 9),
    cell 2 (e in s1), routers everywhere."""

    def __init__(self):
        self.host = Host("hvA", HOST_A)
        self.fabric = self.host.fabric
        self.one = cell(self.fabric)
        self.two = cell(self.fabric, cell_id=2)
        self.a = self.one.s1.create_port("a", vip="10.1.1.2")
        self.b = self.one.s1.create_port("b", vip="10.1.1.3")
        self.c = self.one.s2.create_port("c", vip="10.1.2.2")
        self.e = self.two.s1.create_port("e", vip="10.2.1.2")
        link = self.one.cell.create_subnet(id=9, kind=SubnetKind.LINK,
                                           prefix="10.1.9.0/30")
        self.p1 = link.create_port("p1", vip="10.1.9.1")

    def to_b(self, **kw):
        return ip_frame(self.a, self.b.vmac, self.b.vip, **kw)

    def from_b_underlay(self, **kw):
        """What host B sends to A for a."""
        f = ip_frame(self.b, self.a.vmac, self.a.vip, **kw)
        f.src, f.dst = HOST_B, HOST_A
        return f


# Each scenario prepares the Net and returns (port or None for the
# underlay, frame, where the drop is counted: a port name or "fabric").

def s_malformed(n):
    return n.a, bytes(n.to_b())[:14 + 12], "a"


def s_unsupported(n):
    return n.a, Ether(src=n.a.vmac, dst=n.b.vmac) / IPv6() / UDP(), "a"


def s_port_down(n):
    n.a.admin_up = False
    return n.a, n.to_b(), "a"


def s_spoof_mac(n):
    return n.a, n.to_b(src_mac="02:66:66:66:66:66"), "a"


def s_spoof_ip(n):
    return n.a, n.to_b(src_ip="10.1.1.66"), "a"


def s_dhcp_server(n):
    f = ip_frame(n.a, BCAST, "255.255.255.255",
                 l4=UDP(sport=67, dport=68) / (b"\x02" + b"\x00" * 299))
    return n.a, f, "a"


def s_router_advert(n):
    return n.a, ip_frame(n.a, "01:00:5e:00:00:01", "224.0.0.1",
                         l4=ICMP(type=9) / (b"\x00" * 8)), "a"


def s_arp_invalid(n):
    return n.a, arp_request(n.a, "10.9.9.9"), "a"


def s_arp_pending_full(n):
    for i in range(256):
        n.a.inject(arp_request(n.a, "10.1.1.%d" % (10 + i % 200)))
    return n.a, arp_request(n.a, "10.1.1.250"), "a"


def s_dhcp_invalid(n):
    n.one.s1.dhcp_enabled = False
    return n.a, dhcp(n.a, "discover"), "a"


def s_ttl_exceeded(n):
    return n.a, ip_frame(n.a, n.one.rvmac1, n.c.vip, ttl=1), "a"


def s_no_route(n):
    return n.a, ip_frame(n.a, n.one.rvmac1, "192.168.1.1"), "a"


def s_intra_cell(n):
    n.one.cell.intra_cell = Verdict.DENY
    return n.a, n.to_b(), "a"


def s_inter_cell(n):
    return n.a, ip_frame(n.a, n.one.rvmac1, n.e.vip), "a"


def s_secgroup_egress(n):
    n.a.add_secgroup(n.one.cell.create_secgroup())
    return n.a, n.to_b(), "a"


def s_secgroup_ingress(n):
    n.b.add_secgroup(n.one.cell.create_secgroup())
    return n.a, n.to_b(), "b"


def _kilobyte(n):
    return n.to_b(l4=UDP(sport=1, dport=2) / (b"k" * (1000 - 28)))


def s_qos_egress(n):
    n.a.set_qos(Direction.EGRESS, 8000, 1500)
    n.a.inject(_kilobyte(n))
    return n.a, _kilobyte(n), "a"


def s_qos_ingress(n):
    n.b.set_qos(Direction.INGRESS, 8000, 1500)
    n.a.inject(_kilobyte(n))
    return n.a, _kilobyte(n), "b"


def s_no_location(n):
    return n.a, ip_frame(n.a, "02:77:77:77:77:77", "10.1.1.99"), "a"


def s_not_here(n):
    f = n.from_b_underlay()
    f[IP].dst = "10.1.1.99"
    return None, f, "fabric"


def s_not_for_host(n):
    f = n.from_b_underlay()
    f.dst = HOST_C
    return None, f, "fabric"


def s_fragment(n):
    sg = n.one.cell.create_secgroup()
    sg.add_rule(Direction.INGRESS, protocol="udp", port_min=53,
                port_max=53)
    n.b.add_secgroup(sg)
    frag = (Ether(src=n.a.vmac, dst=n.b.vmac)
            / IP(src=n.a.vip, dst=n.b.vip, proto=17, id=9, frag=100)
            / (b"f" * 40))
    return n.a, frag, "b"


def s_too_big(n):
    return n.a, n.to_b(l4=UDP() / (b"x" * 1500)), "a"


def s_link_unpaired(n):
    return n.p1, ip_frame(n.p1, BCAST, "10.1.9.3"), "p1"


def s_no_output(n):
    n.fabric.set_output(None)
    return n.a, n.to_b(), "b"


SCENARIOS = {
    DropReason.MALFORMED: s_malformed,
    DropReason.UNSUPPORTED: s_unsupported,
    DropReason.PORT_DOWN: s_port_down,
    DropReason.SPOOF_MAC: s_spoof_mac,
    DropReason.SPOOF_IP: s_spoof_ip,
    DropReason.DHCP_SERVER: s_dhcp_server,
    DropReason.ROUTER_ADVERT: s_router_advert,
    DropReason.ARP_INVALID: s_arp_invalid,
    DropReason.ARP_PENDING_FULL: s_arp_pending_full,
    DropReason.DHCP_INVALID: s_dhcp_invalid,
    DropReason.TTL_EXCEEDED: s_ttl_exceeded,
    DropReason.NO_ROUTE: s_no_route,
    DropReason.INTRA_CELL: s_intra_cell,
    DropReason.INTER_CELL: s_inter_cell,
    DropReason.SECGROUP_EGRESS: s_secgroup_egress,
    DropReason.SECGROUP_INGRESS: s_secgroup_ingress,
    DropReason.QOS_EGRESS: s_qos_egress,
    DropReason.QOS_INGRESS: s_qos_ingress,
    DropReason.NO_LOCATION: s_no_location,
    DropReason.NOT_HERE: s_not_here,
    DropReason.NOT_FOR_HOST: s_not_for_host,
    DropReason.FRAGMENT: s_fragment,
    DropReason.TOO_BIG: s_too_big,
    DropReason.LINK_UNPAIRED: s_link_unpaired,
    DropReason.NO_OUTPUT: s_no_output,
}

# Reasons whose drop vf_trace() does not foresee (reported to the lead).
def test_every_reason_has_a_scenario():
    assert set(SCENARIOS) == set(DropReason) - {DropReason.NONE}


@pytest.fixture
def net():
    n = Net()
    yield n
    n.host.close()


def _where(net, name):
    return net.fabric if name == "fabric" else net.fabric.port(name)


def _run(net, reason):
    port, frame, where = SCENARIOS[reason](net)
    return port, bytes(frame), where


@pytest.mark.parametrize("reason", list(SCENARIOS), ids=lambda r: r.name)
def test_inject_counts_the_drop_under_its_reason(net, reason):
    port, frame, where = _run(net, reason)
    before = counters(net.fabric)
    if port is None:
        net.fabric.inject_underlay(frame)
    else:
        port.inject(frame)
    after = counters(net.fabric)
    key = (where, reason)
    assert after[key] == before[key] + 1
    changed = {k for k in after if after[k] != before[k] and k[1] != "stats"}
    assert changed == {key}, changed
    if where != "fabric":
        st_before, st_after = before[(where, "stats")], after[(where, "stats")]
        assert st_after.drops == st_before.drops + 1


@pytest.mark.parametrize("reason", list(SCENARIOS), ids=lambda r: r.name)
def test_trace_predicts_the_drop_and_counts_nothing(net, reason):
    port, frame, where = _run(net, reason)
    before = counters(net.fabric)
    out = len(net.host.out)
    verdict, text = net.fabric.trace(frame, port)
    assert counters(net.fabric) == before
    assert len(net.host.out) == out
    assert "drop: " + vfabric.drop_reason_name(reason) in text
    assert verdict is reason


def _no_change(net, frame, port):
    before = counters(net.fabric)
    verdict, text = net.fabric.trace(frame, port)
    assert counters(net.fabric) == before
    return verdict, text


def test_trace_of_a_routed_frame_tells_each_decision(net):
    frame = ip_frame(net.a, net.one.rvmac1, net.c.vip, ttl=9)
    verdict, text = _no_change(net, frame, net.a)
    assert verdict is DropReason.NONE
    assert "from port 'a'" in text
    assert "router" in text and "TTL 9 -> 8" in text
    assert "local port 'c'" in text
    assert "send to port c" in text
    assert net.host.out == []


def test_trace_of_an_underlay_frame(net):
    verdict, text = _no_change(net, net.from_b_underlay(), None)
    assert verdict is DropReason.NONE
    assert "underlay" in text and "send to port a" in text
    assert net.a.stats.tx_packets == 0


def test_trace_of_a_frame_to_another_host(net):
    net.fabric.set_location(1, "10.1.1.9", "02:aa:00:00:00:09", 1, HOST_B)
    frame = ip_frame(net.a, "02:aa:00:00:00:09", "10.1.1.9")
    verdict, text = _no_change(net, frame, net.a)
    assert verdict is DropReason.NONE
    assert HOST_B in text and "send to the underlay" in text


def test_trace_does_not_take_tokens(net):
    net.a.set_qos(Direction.EGRESS, 8000, 3000)
    frame = _kilobyte(net)
    for _ in range(10):
        assert _no_change(net, frame, net.a)[0] is DropReason.NONE
    assert sum(net.a.inject(frame) for _ in range(3)) == 3


def test_trace_does_not_track_connections(net):
    sg = net.one.cell.create_secgroup()
    sg.add_rule(Direction.INGRESS, protocol="udp", port_min=5000,
                port_max=5000)
    net.b.add_secgroup(sg)
    assert _no_change(net, net.to_b(), net.a)[0] is DropReason.NONE
    reply = ip_frame(net.b, net.a.vmac, net.a.vip,
                     l4=UDP(sport=5000, dport=1234))
    # no connection was tracked by the trace: the reply is not one
    assert _no_change(net, reply, net.b)[0] is DropReason.SECGROUP_EGRESS
    assert len(net.host.inject(net.a, net.to_b())) == 1
    assert _no_change(net, reply, net.b)[0] is DropReason.NONE


def test_trace_does_not_park_arp_requests(net):
    req = arp_request(net.a, "10.1.1.60")
    assert _no_change(net, req, net.a)[0] is DropReason.NONE
    net.fabric.set_location(1, "10.1.1.60", "02:aa:00:00:00:60", 1, HOST_B)
    assert net.host.out == []
