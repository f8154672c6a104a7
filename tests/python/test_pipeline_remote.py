"""Between hosts (DESIGN.md §2, steps 7 and 8, and the underlay path):
several Fabric objects of one process, wired by their output callables
through an Underlay; on the wire both MACs are the hosts' PMACs (checked
for every underlay frame by the Underlay), and the receiving host
restores the virtual MACs. Broadcasts stay in their subnet; link subnets
are cables."""

import errno

import pytest

pytest.importorskip("scapy")

from scapy.all import IP, UDP, Ether  # noqa: E402

from vfabric import DropReason, LocationEvent, SubnetKind, VfError  # noqa: E402

from _net import (BCAST, HOST_A, HOST_B, HOST_C, HOST_D, Host,  # noqa: E402
                  Underlay, arp_reply, arp_request, cell, ip_frame)


def publish(port, *hosts):
    """Sets port's location on the other hosts (what gossip would do)."""
    loc = port.fabric.location(port.cell.id, port.vip)
    for h in hosts:
        h.fabric.set_location(loc.cell_id, loc.vip, loc.vmac, loc.subnet_id,
                              loc.host_mac, loc.host_ip)


@pytest.fixture
def pair():
    """Hosts A and B with the same cell 1; a (s1) and a2 (s2) on A, b (s1)
    and c (s2) on B; every location published."""
    A = Host("hvA", HOST_A, host_ip="192.0.2.10")
    B = Host("hvB", HOST_B, host_ip="192.0.2.11")
    wire = Underlay(A, B)
    na, nb = cell(A.fabric), cell(B.fabric)
    a = na.s1.create_port("a", vip="10.1.1.2")
    a2 = na.s2.create_port("a2", vip="10.1.2.5")
    b = nb.s1.create_port("b", vip="10.1.1.3")
    c = nb.s2.create_port("c", vip="10.1.2.2")
    for p in (a, a2):
        publish(p, B)
    for p in (b, c):
        publish(p, A)
    yield A, B, wire, na, nb, a, a2, b, c
    A.close()
    B.close()


def test_locations_are_known(pair):
    A, B, wire, na, nb, a, a2, b, c = pair
    assert A.fabric.location_count == 2 and B.fabric.location_count == 2
    loc = A.fabric.location(1, b.vip)
    assert (loc.vmac, loc.subnet_id, loc.host_mac, loc.host_ip) == \
        (b.vmac, 1, HOST_B, "192.0.2.11")
    # a local port's location names this host
    assert A.fabric.location(1, a.vip).host_mac == HOST_A


def test_same_subnet_across_hosts(pair):
    A, B, wire, na, nb, a, a2, b, c = pair
    frame = ip_frame(a, b.vmac, b.vip)
    mark = len(B.out)
    out = A.inject(a, frame)
    # on the wire: the hosts' PMACs, nothing else changed
    on_wire = Ether(bytes(frame))
    on_wire.src, on_wire.dst = HOST_A, HOST_B
    assert out == [(None, bytes(on_wire))]
    assert wire.sent_by("hvA") == [bytes(on_wire)]
    # B delivers with the virtual MACs restored
    assert B.out[mark:] == [(b, bytes(frame))]
    assert b.stats.tx_packets == 1


def test_same_subnet_reply_goes_back(pair):
    A, B, wire, na, nb, a, a2, b, c = pair
    reply = ip_frame(b, a.vmac, a.vip,
                     l4=UDP(sport=5000, dport=1234) / b"pong")
    mark = len(A.out)
    out = B.inject(b, reply)
    on_wire = Ether(bytes(reply))
    on_wire.src, on_wire.dst = HOST_B, HOST_A
    assert out == [(None, bytes(on_wire))]
    assert A.out[mark:] == [(a, bytes(reply))]


def test_routed_across_hosts(pair):
    A, B, wire, na, nb, a, a2, b, c = pair
    frame = ip_frame(a, na.rvmac1, c.vip, ttl=20)
    mark = len(B.out)
    out = A.inject(a, frame)
    routed = Ether(bytes(frame))
    routed[IP].ttl = 19
    del routed[IP].chksum
    on_wire = Ether(bytes(routed))
    on_wire.src, on_wire.dst = HOST_A, HOST_B
    assert out == [(None, bytes(on_wire))]
    delivered = Ether(bytes(routed))
    delivered.src, delivered.dst = nb.rvmac2, c.vmac
    assert B.out[mark:] == [(c, bytes(delivered))]


def test_routed_back_across_hosts(pair):
    A, B, wire, na, nb, a, a2, b, c = pair
    frame = ip_frame(c, nb.rvmac2, a.vip, ttl=64)
    mark = len(A.out)
    B.inject(c, frame)
    expected = Ether(bytes(frame))
    expected.src, expected.dst = na.rvmac1, a.vmac
    expected[IP].ttl = 63
    del expected[IP].chksum
    assert A.out[mark:] == [(a, bytes(expected))]


def test_arp_for_a_vm_on_the_other_host(pair):
    A, B, wire, na, nb, a, a2, b, c = pair
    out = A.inject(a, arp_request(a, b.vip))
    assert out == [(a, bytes(arp_reply(a, b.vmac, b.vip)))]
    assert wire.frames == []


def test_moved_vm_follows_its_location(pair):
    """A location set again (higher version, another host) is used from
    the next frame on; deleting it makes the VIP unknown."""
    A, B, wire, na, nb, a, a2, b, c = pair
    C = Host("hvC", HOST_C)
    try:
        wire.add(C)
        nc = cell(C.fabric)
        b_on_c = nc.s1.create_port("b", vip=b.vip, vmac=b.vmac)
        A.fabric.set_location(1, b.vip, b.vmac, 1, HOST_C, version=5)
        mark = len(C.out)
        frame = ip_frame(a, b.vmac, b.vip)
        assert A.inject(a, frame)[0][1][:6] == bytes.fromhex(
            HOST_C.replace(":", ""))
        assert C.out[mark:] == [(b_on_c, bytes(frame))]
        A.fabric.del_location(1, b.vip)
        assert A.fabric.location(1, b.vip) is None
        assert A.inject(a, frame) == []
        assert a.drops(DropReason.NO_LOCATION) == 1
    finally:
        C.close()


def test_underlay_frame_not_for_this_host(pair):
    A, B, wire, na, nb, a, a2, b, c = pair
    frame = ip_frame(a, b.vmac, b.vip)
    frame.src, frame.dst = HOST_A, HOST_C
    assert B.inject_underlay(frame) == []
    assert B.fabric.drops(DropReason.NOT_FOR_HOST) == 1


def test_underlay_frame_for_a_vip_not_here(pair):
    A, B, wire, na, nb, a, a2, b, c = pair
    frame = ip_frame(a, b.vmac, "10.1.1.77")
    frame.src, frame.dst = HOST_A, HOST_B
    assert B.inject_underlay(frame) == []
    assert B.fabric.drops(DropReason.NOT_HERE) == 1


def test_underlay_malformed_and_unsupported(pair):
    A, B, wire, na, nb, a, a2, b, c = pair
    good = ip_frame(a, b.vmac, b.vip)
    good.src, good.dst = HOST_A, HOST_B
    assert B.inject_underlay(bytes(good)[:14 + 10]) == []
    assert B.fabric.drops(DropReason.MALFORMED) == 1
    arp = Ether(src=HOST_A, dst=HOST_B) / bytes(arp_request(a, b.vip))[14:]
    arp.type = 0x0806
    assert B.inject_underlay(arp) == []
    assert B.fabric.drops(DropReason.UNSUPPORTED) == 1


def test_no_pmac_means_no_output_to_other_hosts():
    A = Host("hvA", None)
    try:
        na = cell(A.fabric)
        a = na.s1.create_port("a", vip="10.1.1.2")
        A.fabric.set_location(1, "10.1.1.3", "02:01:0a:01:01:03", 1, HOST_B)
        assert A.inject(a, ip_frame(a, "02:01:0a:01:01:03", "10.1.1.3")) \
            == []
        assert a.drops(DropReason.NO_OUTPUT) == 1
        # the host MAC setter makes it work
        A.fabric.host_mac = HOST_A
        out = A.inject(a, ip_frame(a, "02:01:0a:01:01:03", "10.1.1.3"))
        assert Ether(out[0][1]).src == HOST_A
    finally:
        A.close()


# -- broadcast ----------------------------------------------------------------

@pytest.fixture
def fabric4():
    """Four hosts. A: a, a2 (cell 1 s1), a3 (cell 1 s2), x (cell 2 s1).
    B: b (s1). C: c3 (s2 only). D: d1, d2 (s1). Every location is
    published to every other host."""
    hosts = [Host("hv" + n, m) for n, m in
             (("A", HOST_A), ("B", HOST_B), ("C", HOST_C), ("D", HOST_D))]
    A, B, C, D = hosts
    wire = Underlay(*hosts)
    nets = [cell(h.fabric) for h in hosts]
    cell2 = [cell(h.fabric, cell_id=2) for h in hosts]
    ports = {
        "a": nets[0].s1.create_port("a", vip="10.1.1.2"),
        "a2": nets[0].s1.create_port("a2", vip="10.1.1.4"),
        "a3": nets[0].s2.create_port("a3", vip="10.1.2.4"),
        "x": cell2[0].s1.create_port("x", vip="10.2.1.2"),
        "b": nets[1].s1.create_port("b", vip="10.1.1.3"),
        "c3": nets[2].s2.create_port("c3", vip="10.1.2.3"),
        "d1": nets[3].s1.create_port("d1", vip="10.1.1.5"),
        "d2": nets[3].s1.create_port("d2", vip="10.1.1.6"),
    }
    for p in ports.values():
        publish(p, *[h for h in hosts if h.fabric is not p.fabric])
    yield hosts, wire, ports
    for h in hosts:
        h.close()


@pytest.mark.parametrize("dst_ip", ["255.255.255.255", "10.1.1.255"])
def test_broadcast_stays_in_its_subnet(fabric4, dst_ip):
    (A, B, C, D), wire, p = fabric4
    frame = ip_frame(p["a"], BCAST, dst_ip,
                     l4=UDP(sport=999, dport=999) / b"hello all")
    marks = [len(h.out) for h in (A, B, C, D)]
    out = A.inject(p["a"], frame)
    local = [(port, f) for port, f in out if port is not None]
    remote = [f for port, f in out if port is None]
    # the other local port of s1, unchanged (broadcast MAC kept)
    assert local == [(p["a2"], bytes(frame))]
    # one unicast copy per host with ports in s1: B and D, not C
    dsts = sorted(Ether(f).dst for f in remote)
    assert dsts == [HOST_B, HOST_D]
    for f in remote:
        copy = Ether(f)
        assert copy.src == HOST_A
        assert bytes(copy)[12:] == bytes(frame)[12:]
    # B and D deliver to their s1 ports with the broadcast MAC
    assert B.out[marks[1]:] == [(p["b"], bytes(frame))]
    got_d = D.out[marks[3]:]
    assert sorted(port.name for port, _ in got_d) == ["d1", "d2"]
    assert all(f == bytes(frame) for _, f in got_d)
    assert C.out[marks[2]:] == []
    # not a3 (other subnet), not x (other cell)
    for name in ("a3", "x", "c3"):
        assert p[name].stats.tx_packets == 0


def test_multicast_stays_in_its_subnet(fabric4):
    (A, B, C, D), wire, p = fabric4
    frame = ip_frame(p["a"], "01:00:5e:01:02:03", "239.1.2.3")
    out = A.inject(p["a"], frame)
    assert [port for port, _ in out].count(None) == 2
    assert [port for port, _ in out if port] == [p["a2"]]
    mark = len(B.out)
    # a copy arriving at B gets the multicast MAC back
    A.inject(p["a"], frame)
    assert B.out[mark:] == [(p["b"], bytes(frame))]


# -- link subnets -------------------------------------------------------------

@pytest.fixture
def link():
    host = Host()
    net = cell(host.fabric)
    net.host = host
    net.l = net.cell.create_subnet(id=9, name="cable", kind=SubnetKind.LINK,
                                   prefix="10.1.9.0/30")
    net.p1 = net.l.create_port("p1", vip="10.1.9.1")
    net.p2 = net.l.create_port("p2", vip="10.1.9.2")
    net.a = net.s1.create_port("a", vip="10.1.1.2")
    yield net
    host.close()


@pytest.mark.parametrize("dst_mac,dst_ip", [
    ("02:01:0a:01:09:02", "10.1.9.2"),    # the other end
    (BCAST, "255.255.255.255"),          # a broadcast
    ("02:77:77:77:77:77", "10.1.1.2"),    # a VM that relays: not a's
])
def test_link_frames_go_to_the_other_end_only(link, dst_mac, dst_ip):
    frame = ip_frame(link.p1, dst_mac, dst_ip)
    out = link.host.inject(link.p1, frame)
    expected = frame.copy()
    expected.dst = link.p2.vmac
    assert out == [(link.p2, bytes(expected))]
    assert link.a.stats.tx_packets == 0


def test_link_with_one_end_is_unpaired(link):
    link.p2.close()
    frame = ip_frame(link.p1, BCAST, "255.255.255.255")
    assert link.host.inject(link.p1, frame) == []
    assert link.p1.drops(DropReason.LINK_UNPAIRED) == 1


def test_link_across_hosts():
    A, B = Host("hvA", HOST_A), Host("hvB", HOST_B)
    try:
        wire = Underlay(A, B)
        ports = []
        for h, end in ((A, 1), (B, 2)):
            c = h.fabric.create_cell(id=1)
            s = c.create_subnet(id=9, kind="link", prefix="10.1.9.0/30")
            ports.append(s.create_port("p%d" % end, vip="10.1.9.%d" % end))
        p1, p2 = ports
        publish(p1, B)
        publish(p2, A)
        frame = ip_frame(p1, "02:77:77:77:77:77", "10.1.2.2")
        mark = len(B.out)
        out = A.inject(p1, frame)
        assert len(out) == 1 and out[0][0] is None
        assert Ether(out[0][1]).dst == HOST_B
        assert B.out[mark:] == [(p2, bytes(ip_frame(
            p1, p2.vmac, "10.1.2.2")))]
        assert len(wire.frames) == 1
    finally:
        A.close()
        B.close()


# -- hairpin and underlay broadcasts ------------------------------------------

def test_hairpin_through_the_router_is_bridged_the_same_local_and_remote(pair):
    """A frame a VM sends to the RVMAC for a VM of its own subnet is
    bridged (sender's VMAC, TTL unchanged): a receiver on another host
    cannot tell a hairpinned frame from a bridged one, so only this way is
    the frame the same wherever the receiver is."""
    A, B, wire, na, nb, a, a2, b, c = pair
    local = na.s1.create_port("a3", vip="10.1.1.4")
    expected = {}
    for dst in (local, b):
        exp = Ether(bytes(ip_frame(a, na.rvmac1, dst.vip, ttl=9)))
        exp.src, exp.dst = a.vmac, dst.vmac
        expected[dst.name] = bytes(exp)
    assert A.inject(a, ip_frame(a, na.rvmac1, local.vip, ttl=9)) == [
        (local, expected["a3"])]
    mark = len(B.out)
    A.inject(a, ip_frame(a, na.rvmac1, b.vip, ttl=9))
    assert B.out[mark:] == [(b, expected["b"])]


def test_underlay_ethernet_broadcast_is_not_for_the_host(pair):
    """Hosts send even broadcasts to each other as unicast copies; an
    Ethernet broadcast on the underlay is not the fabric's."""
    A, B, wire, na, nb, a, a2, b, c = pair
    frame = ip_frame(a, BCAST, "255.255.255.255")
    on_wire = frame.copy()
    on_wire.src = HOST_A
    mark = len(B.out)
    before = B.fabric.drops(DropReason.NOT_FOR_HOST)
    B.fabric.inject_underlay(on_wire)
    assert B.fabric.drops(DropReason.NOT_FOR_HOST) == before + 1
    assert B.out[mark:] == []


def test_migration_forwards_and_tells(pair):
    """b moves from B to a third host C (Port.migrate with C's MAC): A,
    which has not heard, still sends to B; B sends the frame on to C (TTL
    down by one) and C delivers it to b's new port; B's location table
    tells its callable about the change, from process()."""
    A, B, wire, na, nb, a, a2, b, c = pair
    C = Host("hvC", HOST_C, host_ip="192.0.2.12")
    wire.add(C)
    nc = cell(C.fabric)
    b_new = nc.s1.create_port("b", vip=b.vip, vmac=b.vmac)
    publish(a, C)
    seen = []
    B.fabric.on_location_change(lambda ev, loc: seen.append((ev, loc)))
    b_vip = b.vip
    b.migrate(host_mac=HOST_C, host_ip="192.0.2.12", grace_ms=5000)
    assert b.closed and nb.s1.port_count == 0
    loc = B.fabric.location(1, b_vip)
    assert (loc.host_mac, loc.host_ip, loc.version) == (HOST_C, "192.0.2.12", 0)
    assert seen == []  # told on the loop, not from inside the call
    B.fabric.process()
    assert [(ev, l.vip, l.host_mac) for ev, l in seen] == \
        [(LocationEvent.SET, b_vip, HOST_C)]

    frame = ip_frame(a, b_new.vmac, b_vip)
    mark_c = len(C.out)
    A.inject(a, frame)
    hops = [Ether(f) for f in wire.sent_by("hvB")]
    assert len(hops) == 1 and hops[0].src == HOST_B and hops[0].dst == HOST_C
    assert hops[0][IP].ttl == 63
    delivered = C.out[mark_c:]
    assert len(delivered) == 1 and delivered[0][0] is b_new
    assert Ether(delivered[0][1])[IP].ttl == 63
    st = B.fabric.location_stats()
    assert (st["migrations"], st["forwarded"], st["forward_drops"],
            st["events"]) == (1, 1, 0, 1)
    C.close()


def test_migration_refused_leaves_the_port(pair):
    A, B, wire, na, nb, a, a2, b, c = pair
    with pytest.raises(VfError) as exc:
        b.migrate(host_mac=HOST_B)  # this host's own MAC
    assert exc.value.errno == errno.EINVAL
    with pytest.raises(VfError):
        b.migrate(host_mac=HOST_C, grace_ms=600001)
    assert not b.closed and b.stats.drops == 0
    assert B.fabric.location_stats()["migrations"] == 0
