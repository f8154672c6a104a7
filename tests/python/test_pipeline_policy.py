"""Policy and QoS (DESIGN.md §2, steps 5 and 6; policy.h): intra-cell
allowed unless denied, inter-cell denied unless a policy admits it,
stateful security groups, per-port token buckets."""

import pytest

pytest.importorskip("scapy")

from scapy.all import ICMP, IP, UDP, Ether  # noqa: E402

from vfabric import Direction, DropReason, Verdict  # noqa: E402

from _net import Host, cell, ip_frame  # noqa: E402


@pytest.fixture
def lan():
    """Cell 1 (a, b in s1) and cell 2 (e in s1), each with its router."""
    host = Host()
    net = cell(host.fabric)
    net.two = cell(host.fabric, cell_id=2)
    net.host = host
    net.a = net.s1.create_port("a", vip="10.1.1.2")
    net.b = net.s1.create_port("b", vip="10.1.1.3")
    net.e = net.two.s1.create_port("e", vip="10.2.1.2")
    yield net
    host.close()


def udp(src, dst_mac, dst, sport=1234, dport=5000, data=b"data"):
    return ip_frame(src, dst_mac, dst.vip if hasattr(dst, "vip") else dst,
                    l4=UDP(sport=sport, dport=dport) / data)


def delivered(host, port, frame):
    """Injects; returns the ports it reached."""
    return [p for p, _ in host.inject(port, frame)]


# -- cells ------------------------------------------------------------------

def test_intra_cell_is_allowed_by_default(lan):
    assert delivered(lan.host, lan.a, udp(lan.a, lan.b.vmac, lan.b)) == \
        [lan.b]


def test_intra_cell_deny(lan):
    lan.cell.intra_cell = Verdict.DENY
    frame = udp(lan.a, lan.b.vmac, lan.b)
    assert delivered(lan.host, lan.a, frame) == []
    assert lan.a.drops(DropReason.INTRA_CELL) == 1
    lan.cell.intra_cell = Verdict.DEFAULT
    assert delivered(lan.host, lan.a, frame) == [lan.b]


def test_inter_cell_is_denied_by_default(lan):
    frame = udp(lan.a, lan.rvmac1, lan.e)
    assert delivered(lan.host, lan.a, frame) == []
    assert lan.a.drops(DropReason.INTER_CELL) == 1
    assert lan.e.stats.tx_packets == 0


def test_a_policy_admits_inter_cell_and_replies_pass(lan):
    pol = lan.two.cell.create_policy(lan.cell, protocol="udp",
                                     port_min=5000, port_max=5000)
    frame = udp(lan.a, lan.rvmac1, lan.e)
    out = lan.host.inject(lan.a, frame)
    expected = Ether(bytes(frame))
    expected.src, expected.dst = lan.two.rvmac1, lan.e.vmac
    expected[IP].ttl -= 1
    del expected[IP].chksum
    assert out == [(lan.e, bytes(expected))]
    # the reply passes, though cell 1 admits nothing from cell 2
    reply = udp(lan.e, lan.two.rvmac1, lan.a, sport=5000, dport=1234)
    assert delivered(lan.host, lan.e, reply) == [lan.a]
    # a new connection from cell 2 does not
    other = udp(lan.e, lan.two.rvmac1, lan.a, sport=5000, dport=22)
    assert delivered(lan.host, lan.e, other) == []
    assert lan.e.drops(DropReason.INTER_CELL) == 1
    # what the policy does not cover stays denied
    assert delivered(lan.host, lan.a,
                     udp(lan.a, lan.rvmac1, lan.e, dport=5001)) == []
    assert lan.a.drops(DropReason.INTER_CELL) == 1
    # removing the policy takes effect on the next frame
    pol.close()
    assert delivered(lan.host, lan.a, frame) == []
    assert lan.a.drops(DropReason.INTER_CELL) == 2


def test_inter_cell_allow_verdict(lan):
    lan.two.cell.inter_cell = Verdict.ALLOW
    assert delivered(lan.host, lan.a, udp(lan.a, lan.rvmac1, lan.e)) == \
        [lan.e]


def test_inter_cell_into_a_subnet_without_router_is_no_route():
    host = Host()
    try:
        one = cell(host.fabric)
        two = cell(host.fabric, cell_id=2, router=False)
        two.cell.inter_cell = Verdict.ALLOW
        a = one.s1.create_port("a", vip="10.1.1.2")
        e = two.s1.create_port("e", vip="10.2.1.2")
        out = host.inject(a, udp(a, one.rvmac1, e))
        assert all(Ether(f).src != "00:00:00:00:00:00" for _, f in out)
        assert out == []
        assert a.drops(DropReason.NO_ROUTE) == 1
    finally:
        host.close()


# -- security groups ---------------------------------------------------------

def test_secgroup_without_rules_drops_ingress(lan):
    sg = lan.cell.create_secgroup(name="closed")
    lan.b.add_secgroup(sg)
    assert delivered(lan.host, lan.a, udp(lan.a, lan.b.vmac, lan.b)) == []
    assert lan.b.drops(DropReason.SECGROUP_INGRESS) == 1
    assert lan.a.stats.drops == 0


def test_secgroup_without_rules_drops_egress(lan):
    sg = lan.cell.create_secgroup(name="closed")
    lan.a.add_secgroup(sg)
    assert delivered(lan.host, lan.a, udp(lan.a, lan.b.vmac, lan.b)) == []
    assert lan.a.drops(DropReason.SECGROUP_EGRESS) == 1


def test_secgroup_rule_admits_and_tracks(lan):
    sg = lan.cell.create_secgroup(name="web")
    rule = sg.add_rule(Direction.INGRESS, protocol="udp", port_min=5000,
                       port_max=5000)
    lan.b.add_secgroup(sg)
    frame = udp(lan.a, lan.b.vmac, lan.b)
    assert delivered(lan.host, lan.a, frame) == [lan.b]
    # the reply leaves b although no egress rule allows it (stateful)
    reply = udp(lan.b, lan.a.vmac, lan.a, sport=5000, dport=1234)
    assert delivered(lan.host, lan.b, reply) == [lan.a]
    # but b may not start a connection of its own
    assert delivered(lan.host, lan.b,
                     udp(lan.b, lan.a.vmac, lan.a, dport=53)) == []
    assert lan.b.drops(DropReason.SECGROUP_EGRESS) == 1
    # nor receive on another port
    assert delivered(lan.host, lan.a,
                     udp(lan.a, lan.b.vmac, lan.b, dport=5001)) == []
    assert lan.b.drops(DropReason.SECGROUP_INGRESS) == 1
    # deleting the rule takes effect on the next frame, tracked or not
    sg.del_rule(rule)
    assert delivered(lan.host, lan.a, frame) == []
    assert lan.b.drops(DropReason.SECGROUP_INGRESS) == 2
    assert delivered(lan.host, lan.b, reply) == []
    assert lan.b.drops(DropReason.SECGROUP_EGRESS) == 2


def test_secgroup_tracks_each_ping_by_its_echo_id(lan):
    """a may ping out; only the replies to its own pings come back: b
    pinging a, under a new id or under a's own id, is a new connection
    that a's (empty) ingress rules refuse."""
    sg = lan.cell.create_secgroup(name="ping-out")
    sg.add_rule(Direction.EGRESS, protocol="icmp")
    lan.a.add_secgroup(sg)

    def ping(src, dst, icmp_type, ident):
        return (Ether(src=src.vmac, dst=dst.vmac) / IP(src=src.vip, dst=dst.vip)
                / ICMP(type=icmp_type, id=ident, seq=1) / b"ping")

    assert delivered(lan.host, lan.a, ping(lan.a, lan.b, 8, 7)) == [lan.b]
    assert delivered(lan.host, lan.b, ping(lan.b, lan.a, 0, 7)) == [lan.a]
    # a reply to a ping a never sent
    assert delivered(lan.host, lan.b, ping(lan.b, lan.a, 0, 8)) == []
    # b's own pings, with a new id and with a's
    assert delivered(lan.host, lan.b, ping(lan.b, lan.a, 8, 9)) == []
    assert delivered(lan.host, lan.b, ping(lan.b, lan.a, 8, 7)) == []
    assert lan.a.drops(DropReason.SECGROUP_INGRESS) == 3


def test_secgroup_passes_icmp_errors_about_its_connections(lan):
    """An ICMP error (port unreachable, fragmentation needed) quoting a
    packet of a tracked connection is related traffic and passes; one
    about a flow never sent, or quoting someone else's packet, does not."""
    sg = lan.cell.create_secgroup(name="udp-out")
    sg.add_rule(Direction.EGRESS, protocol="udp")
    lan.a.add_secgroup(sg)
    sent = udp(lan.a, lan.b.vmac, lan.b, sport=40000, dport=53)
    assert delivered(lan.host, lan.a, sent) == [lan.b]

    def error(quoted, icmp_type=3, code=3):
        inner = bytes(quoted[IP])[:28]  # its IP header and 8 bytes
        return (Ether(src=lan.b.vmac, dst=lan.a.vmac)
                / IP(src=lan.b.vip, dst=lan.a.vip)
                / ICMP(type=icmp_type, code=code) / inner)

    assert delivered(lan.host, lan.b, error(sent)) == [lan.a]
    assert delivered(lan.host, lan.b, error(sent, 3, 4)) == [lan.a]
    # about a flow a never sent (another port)
    other = udp(lan.a, lan.b.vmac, lan.b, sport=40001, dport=53)
    assert delivered(lan.host, lan.b, error(other)) == []
    # quoting a packet that was not a's (its source is b)
    spoof = udp(lan.b, lan.a.vmac, lan.a, sport=53, dport=40000)
    assert delivered(lan.host, lan.b, error(spoof)) == []
    assert lan.a.drops(DropReason.SECGROUP_INGRESS) == 2


def test_secgroup_tracks_tcp(lan):
    from scapy.all import TCP

    def tcp(src, dst, sport, dport, flags):
        return ip_frame(src, dst.vmac, dst.vip,
                        l4=TCP(sport=sport, dport=dport, flags=flags))

    sg = lan.cell.create_secgroup(name="ssh")
    sg.add_rule(Direction.INGRESS, protocol="tcp", port_min=22, port_max=22)
    lan.b.add_secgroup(sg)
    for src, dst, sport, dport, flags in [
            (lan.a, lan.b, 40000, 22, "S"), (lan.b, lan.a, 22, 40000, "SA"),
            (lan.a, lan.b, 40000, 22, "A"), (lan.b, lan.a, 22, 40000, "PA")]:
        assert delivered(lan.host, src, tcp(src, dst, sport, dport,
                                            flags)) == [dst], flags
    # b opening a connection of its own is not a reply
    assert delivered(lan.host, lan.b, tcp(lan.b, lan.a, 22, 40001, "S")) \
        == []
    assert lan.b.drops(DropReason.SECGROUP_EGRESS) == 1
    # nor is a connection to another port of b
    assert delivered(lan.host, lan.a, tcp(lan.a, lan.b, 40000, 23, "S")) \
        == []
    assert lan.b.drops(DropReason.SECGROUP_INGRESS) == 1


def test_secgroup_without_rules_also_keeps_the_router_from_answering(lan):
    from _net import echo_request
    lan.a.add_secgroup(lan.cell.create_secgroup(name="closed"))
    req = echo_request(lan.a, lan.rvmac1, lan.gw1)
    assert lan.host.inject(lan.a, req) == []
    assert lan.a.drops(DropReason.SECGROUP_EGRESS) == 1


def test_secgroup_remote_prefix(lan):
    sg = lan.cell.create_secgroup()
    sg.add_rule(Direction.INGRESS, remote="10.1.1.2/32")
    lan.b.add_secgroup(sg)
    c = lan.s1.create_port("c", vip="10.1.1.4")
    assert delivered(lan.host, lan.a, udp(lan.a, lan.b.vmac, lan.b)) == \
        [lan.b]
    assert delivered(lan.host, c, udp(c, lan.b.vmac, lan.b)) == []
    assert lan.b.drops(DropReason.SECGROUP_INGRESS) == 1


def test_later_fragment_to_a_port_rule_is_dropped(lan):
    """A later fragment has no ports for a port-based rule to judge."""
    sg = lan.cell.create_secgroup()
    sg.add_rule(Direction.INGRESS, protocol="udp", port_min=5000,
                port_max=5000)
    lan.b.add_secgroup(sg)
    frag = (Ether(src=lan.a.vmac, dst=lan.b.vmac)
            / IP(src=lan.a.vip, dst=lan.b.vip, proto=17, id=77, frag=185)
            / (b"f" * 64))
    assert delivered(lan.host, lan.a, frag) == []
    assert lan.b.drops(DropReason.FRAGMENT) == 1


# -- QoS ---------------------------------------------------------------------

def burst(host, port, frame, n):
    """Injects n copies quickly; returns how many were sent on."""
    return sum(port.inject(frame) for _ in range(n))


def test_qos_egress_drops_over_the_burst(lan):
    frame = udp(lan.a, lan.b.vmac, lan.b, data=b"q" * (1000 - 28))
    assert Ether(bytes(frame))[IP].len == 1000
    # 8000 bit/s = 1000 bytes/s: refilling one frame takes a second
    lan.a.set_qos(Direction.EGRESS, 8000, 3000)
    assert burst(lan.host, lan.a, frame, 10) == 3
    assert lan.a.drops(DropReason.QOS_EGRESS) == 7
    assert lan.b.stats.tx_packets == 3
    lan.a.set_qos(Direction.EGRESS, 0)  # no limit
    assert burst(lan.host, lan.a, frame, 5) == 5


def test_qos_ingress_drops_over_the_burst(lan):
    frame = udp(lan.a, lan.b.vmac, lan.b, data=b"q" * (1000 - 28))
    lan.b.set_qos(Direction.INGRESS, 8000, 3000)
    assert burst(lan.host, lan.a, frame, 8) == 3
    assert lan.b.drops(DropReason.QOS_INGRESS) == 5
    assert lan.a.stats.drops == 0
