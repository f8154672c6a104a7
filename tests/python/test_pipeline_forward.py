"""Forwarding on one host (DESIGN.md §2, steps 1, 4 and 8): the router
answers pings, bridged frames keep everything but the MACs, routed frames
lose one TTL and get the RVMAC; expected frames are built with scapy and
compared byte by byte."""

import pytest

pytest.importorskip("scapy")

from scapy.all import ICMP, IP, UDP, Ether, IPerror  # noqa: E402

from vfabric import DropReason  # noqa: E402

from _net import (Host, cell, echo_request, ip_frame,  # noqa: E402
                  rebuilt)


@pytest.fixture
def lan():
    host = Host()
    net = cell(host.fabric)
    net.host = host
    net.a = net.s1.create_port("a", vip="10.1.1.2")
    net.b = net.s1.create_port("b", vip="10.1.1.3")
    net.c = net.s2.create_port("c", vip="10.1.2.2")
    yield net
    host.close()


def echo_reply_expected(req, got, src_mac, src_ip):
    """The echo reply to ``req`` as scapy builds it: addresses swapped,
    type 0, same TOS, id, sequence and data; header fields the router
    chooses itself (TTL, IP id, flags) taken from ``got``."""
    g = Ether(got)
    exp = (Ether(src=src_mac, dst=req.src)
           / IP(src=src_ip, dst=req[IP].src, tos=req[IP].tos, ttl=g[IP].ttl,
                id=g[IP].id, flags=g[IP].flags)
           / ICMP(type=0, code=0, id=req[ICMP].id, seq=req[ICMP].seq)
           / bytes(req[ICMP].payload))
    return bytes(exp)


@pytest.mark.parametrize("gateway", ["gw1", "gw2"])
def test_ping_the_gateway(lan, gateway):
    """Any of the router's addresses answers (from the interface the VM
    reached it by)."""
    dst = getattr(lan, gateway)
    req = echo_request(lan.a, lan.rvmac1, dst)
    out = lan.host.inject(lan.a, req)
    assert len(out) == 1 and out[0][0] is lan.a
    got = out[0][1]
    assert rebuilt(got) == got  # checksums and lengths are right
    assert got == echo_reply_expected(req, got, lan.rvmac1, dst)
    assert Ether(got)[IP].ttl > 1


def test_fragmented_ping_to_the_gateway_is_a_counted_drop(lan):
    req = (Ether(src=lan.a.vmac, dst=lan.rvmac1)
           / IP(src=lan.a.vip, dst=lan.gw1, flags="MF", id=5)
           / ICMP(type=8, id=1, seq=1) / (b"x" * 100))
    verdict, _ = lan.host.fabric.trace(req, lan.a)
    assert lan.host.inject(lan.a, req) == []
    assert lan.a.stats.drops == 1
    assert verdict is not DropReason.NONE


def test_udp_to_the_gateway_is_no_route(lan):
    frame = ip_frame(lan.a, lan.rvmac1, lan.gw1)
    assert lan.host.inject(lan.a, frame) == []
    assert lan.a.drops(DropReason.NO_ROUTE) == 1


def test_bridged_frame_changes_only_macs(lan):
    frame = ip_frame(lan.a, lan.b.vmac, lan.b.vip)
    out = lan.host.inject(lan.a, frame)
    assert out == [(lan.b, bytes(frame))]
    assert lan.b.stats.tx_packets == 1
    assert lan.b.stats.tx_bytes == len(frame)
    assert lan.a.stats.rx_packets == 1 and lan.a.stats.rx_bytes == len(frame)


def test_bridged_frame_to_a_stale_mac_gets_the_receivers_vmac(lan):
    """Delivery is by IP; the destination MAC becomes the receiver's."""
    frame = ip_frame(lan.a, "02:77:77:77:77:77", lan.b.vip)
    out = lan.host.inject(lan.a, frame)
    expected = frame.copy()
    expected.dst = lan.b.vmac
    assert out == [(lan.b, bytes(expected))]
    assert bytes(frame)[12:] == out[0][1][12:]


def test_routed_frame(lan):
    frame = ip_frame(lan.a, lan.rvmac1, lan.c.vip, ttl=9)
    out = lan.host.inject(lan.a, frame)
    expected = Ether(bytes(frame))
    expected.src, expected.dst = lan.rvmac2, lan.c.vmac
    expected[IP].ttl = 8
    del expected[IP].chksum  # scapy recomputes it
    assert out == [(lan.c, bytes(expected))]
    assert rebuilt(out[0][1]) == out[0][1]


def test_routed_frame_back(lan):
    frame = ip_frame(lan.c, lan.rvmac2, lan.a.vip, ttl=64)
    out = lan.host.inject(lan.c, frame)
    expected = Ether(bytes(frame))
    expected.src, expected.dst = lan.rvmac1, lan.a.vmac
    expected[IP].ttl = 63
    del expected[IP].chksum
    assert out == [(lan.a, bytes(expected))]


def test_routed_frame_with_ip_options_keeps_them(lan):
    frame = (Ether(src=lan.a.vmac, dst=lan.rvmac1)
             / IP(src=lan.a.vip, dst=lan.c.vip, ttl=30,
                  options=b"\x94\x04\x00\x00")  # router alert
             / UDP(sport=7, dport=9) / b"opt")
    out = lan.host.inject(lan.a, frame)
    expected = Ether(bytes(frame))
    expected.src, expected.dst = lan.rvmac2, lan.c.vmac
    expected[IP].ttl = 29
    del expected[IP].chksum
    assert out == [(lan.c, bytes(expected))]


def test_ttl_1_gets_time_exceeded(lan):
    frame = ip_frame(lan.a, lan.rvmac1, lan.c.vip, ttl=1)
    out = lan.host.inject(lan.a, frame)
    assert len(out) == 1
    port, raw = out[0]
    assert port is lan.a
    assert rebuilt(raw) == raw
    err = Ether(raw)
    assert (err.src, err.dst) == (lan.rvmac1, lan.a.vmac)
    assert (err[IP].src, err[IP].dst) == (lan.gw1, lan.a.vip)
    assert (err[ICMP].type, err[ICMP].code) == (11, 0)
    # the quote: the original IP header and the first 8 bytes after it
    quote = bytes(err[ICMP].payload)
    orig = bytes(frame[IP])
    assert quote == orig[:20 + 8]
    assert err[IPerror].ttl == 1
    assert lan.c.stats.tx_packets == 0
    assert lan.a.drops(DropReason.TTL_EXCEEDED) == 1


def test_no_time_exceeded_about_an_icmp_error(lan):
    """RFC 1122 3.2.2: no ICMP error about an ICMP error."""
    inner = IP(src=lan.a.vip, dst="10.1.2.9") / UDP()
    frame = ip_frame(lan.a, lan.rvmac1, lan.c.vip, ttl=1,
                     l4=ICMP(type=3, code=1) / bytes(inner)[:28])
    assert lan.host.inject(lan.a, frame) == []
    assert lan.a.drops(DropReason.TTL_EXCEEDED) == 1


@pytest.mark.parametrize("how", ["unknown net", "bridge outside subnet"])
def test_no_route(lan, how):
    if how == "unknown net":
        frame = ip_frame(lan.a, lan.rvmac1, "192.168.7.7")
    else:
        frame = ip_frame(lan.a, "02:77:77:77:77:77", lan.c.vip)
    assert lan.host.inject(lan.a, frame) == []
    assert lan.a.drops(DropReason.NO_ROUTE) == 1


def test_static_route_through_a_vm(lan):
    """A static route sends the frame to the VM at its next hop, with
    the destination IP unchanged."""
    lan.router.add_route("172.16.0.0/16", lan.c.vip)
    frame = ip_frame(lan.a, lan.rvmac1, "172.16.5.5", ttl=5)
    out = lan.host.inject(lan.a, frame)
    expected = Ether(bytes(frame))
    expected.src, expected.dst = lan.rvmac2, lan.c.vmac
    expected[IP].ttl = 4
    del expected[IP].chksum
    assert out == [(lan.c, bytes(expected))]


def test_unknown_vip_in_the_subnet_is_no_location(lan):
    frame = ip_frame(lan.a, "02:77:77:77:77:77", "10.1.1.99")
    assert lan.host.inject(lan.a, frame) == []
    assert lan.a.drops(DropReason.NO_LOCATION) == 1


def test_spoofed_source_ip_is_dropped(lan):
    frame = ip_frame(lan.a, lan.b.vmac, lan.b.vip, src_ip="10.1.1.66")
    assert lan.host.inject(lan.a, frame) == []
    assert lan.a.drops(DropReason.SPOOF_IP) == 1
    assert lan.b.stats.tx_packets == 0


def test_spoofed_source_mac_is_dropped(lan):
    frame = ip_frame(lan.a, lan.b.vmac, lan.b.vip,
                     src_mac="02:66:66:66:66:66")
    assert lan.host.inject(lan.a, frame) == []
    assert lan.a.drops(DropReason.SPOOF_MAC) == 1


def test_frame_over_the_mtu_is_too_big(lan):
    # s1's MTU is 1400
    frame = ip_frame(lan.a, lan.b.vmac, lan.b.vip,
                     l4=UDP(sport=1, dport=2) / (b"x" * (1401 - 28)))
    assert lan.host.inject(lan.a, frame) == []
    assert lan.a.drops(DropReason.TOO_BIG) == 1
    ok = ip_frame(lan.a, lan.b.vmac, lan.b.vip,
                  l4=UDP(sport=1, dport=2) / (b"x" * (1400 - 28)))
    assert len(lan.host.inject(lan.a, ok)) == 1


def test_port_down(lan):
    lan.b.admin_up = False
    frame = ip_frame(lan.a, lan.b.vmac, lan.b.vip)
    assert lan.host.inject(lan.a, frame) == []
    assert lan.b.drops(DropReason.PORT_DOWN) == 1  # counted at b
    back = ip_frame(lan.b, lan.a.vmac, lan.a.vip)
    assert lan.host.inject(lan.b, back) == []
    assert lan.b.drops(DropReason.PORT_DOWN) == 2
    lan.b.admin_up = True
    assert lan.host.inject(lan.a, frame) == [(lan.b, bytes(frame))]


def test_router_advertisement_from_a_vm_is_dropped(lan):
    frame = ip_frame(lan.a, "01:00:5e:00:00:01", "224.0.0.1",
                     l4=ICMP(type=9) / (b"\x00" * 8))
    assert lan.host.inject(lan.a, frame) == []
    assert lan.a.drops(DropReason.ROUTER_ADVERT) == 1


def test_ipv6_and_tagged_frames_are_unsupported(lan):
    from scapy.all import IPv6, Dot1Q
    v6 = Ether(src=lan.a.vmac, dst=lan.b.vmac) / IPv6() / UDP()
    tagged = (Ether(src=lan.a.vmac, dst=lan.b.vmac) / Dot1Q(vlan=5)
              / IP(src=lan.a.vip, dst=lan.b.vip) / UDP())
    assert lan.host.inject(lan.a, v6) == []
    assert lan.host.inject(lan.a, tagged) == []
    assert lan.a.drops(DropReason.UNSUPPORTED) == 2


def test_truncated_ipv4_is_malformed(lan):
    frame = bytes(ip_frame(lan.a, lan.b.vmac, lan.b.vip))[:14 + 12]
    assert lan.host.inject(lan.a, frame) == []
    assert lan.a.drops(DropReason.MALFORMED) == 1
