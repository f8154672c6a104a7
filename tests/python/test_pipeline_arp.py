"""ARP is answered by the fabric itself and never broadcast (DESIGN.md §2,
step 2): the gateway gets the RVMAC, a VM of the same subnet its VMAC,
local or remote; a miss waits for the location."""

import pytest

pytest.importorskip("scapy")

from vfabric import DropReason  # noqa: E402

from _net import (HOST_B, Host, arp_reply, arp_request, cell,  # noqa: E402
                  counters)


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


def test_arp_for_the_gateway_gets_the_rvmac(lan):
    out = lan.host.inject(lan.a, arp_request(lan.a, lan.gw1))
    assert [(p, f) for p, f in out] == [
        (lan.a, bytes(arp_reply(lan.a, lan.rvmac1, lan.gw1)))]
    assert lan.a.stats.tx_packets == 1 and lan.a.stats.drops == 0


def test_arp_for_a_local_vm_gets_its_vmac(lan):
    out = lan.host.inject(lan.a, arp_request(lan.a, lan.b.vip))
    assert out == [(lan.a, bytes(arp_reply(lan.a, lan.b.vmac, lan.b.vip)))]
    # nothing reached b: ARP is answered, not broadcast
    assert lan.b.stats.tx_packets == 0


def test_arp_for_a_remote_vm_gets_its_vmac(lan):
    lan.host.fabric.set_location(1, "10.1.1.9", "02:aa:00:00:00:09", 1,
                                 HOST_B)
    out = lan.host.inject(lan.a, arp_request(lan.a, "10.1.1.9"))
    assert out == [(lan.a, bytes(arp_reply(lan.a, "02:aa:00:00:00:09",
                                           "10.1.1.9")))]


def test_arp_unicast_request_is_answered_too(lan):
    """A cache refresh (RFC 1122 2.3.2.1) is sent to the MAC it knows."""
    out = lan.host.inject(lan.a, arp_request(lan.a, lan.b.vip,
                                             dst=lan.b.vmac))
    assert out == [(lan.a, bytes(arp_reply(lan.a, lan.b.vmac, lan.b.vip)))]


def test_arp_miss_is_answered_when_the_location_is_set(lan):
    fab = lan.host.fabric
    req = arp_request(lan.a, "10.1.1.20")
    assert lan.host.inject(lan.a, req) == []
    assert lan.a.stats.drops == 0  # it waits: not a drop
    mark = len(lan.host.out)
    fab.set_location(lan.cell, "10.1.1.20", "02:aa:00:00:00:20", lan.s1,
                     HOST_B)
    # the reply came out during set_location()
    assert lan.host.out[mark:] == [
        (lan.a, bytes(arp_reply(lan.a, "02:aa:00:00:00:20", "10.1.1.20")))]
    # answered once: setting it again sends nothing more
    mark = len(lan.host.out)
    fab.set_location(lan.cell, "10.1.1.20", "02:aa:00:00:00:20", lan.s1,
                     HOST_B, version=2)
    assert lan.host.out[mark:] == []


def test_arp_miss_for_another_subnet_location_stays_unanswered(lan):
    """A location in another subnet is no answer to an ARP in s1 (the VM
    must go through its router)."""
    fab = lan.host.fabric
    assert lan.host.inject(lan.a, arp_request(lan.a, "10.1.2.20")) == []
    assert lan.a.drops(DropReason.ARP_INVALID) == 1
    mark = len(lan.host.out)
    fab.set_location(1, "10.1.2.20", "02:aa:00:00:00:20", 2, HOST_B)
    assert lan.host.out[mark:] == []


def test_gratuitous_arp_is_absorbed(lan):
    before = counters(lan.host.fabric)
    for op in (1, 2):  # request and reply forms
        garp = arp_request(lan.a, lan.a.vip)
        garp["ARP"].op = op
        assert lan.host.inject(lan.a, garp) == []
    after = counters(lan.host.fabric)
    assert lan.a.stats.drops == 0
    assert lan.b.stats.tx_packets == 0
    changed = {k for k in after if after[k] != before[k]}
    assert changed == {("a", "stats")}


def test_arp_probe_gets_no_answer(lan):
    """An RFC 5227 probe (sender IP 0) for a free address is not answered
    and not taken for spoofing."""
    probe = arp_request(lan.a, "10.1.1.77", psrc="0.0.0.0")
    out = lan.host.inject(lan.a, probe)
    assert out == []
    assert lan.a.drops(DropReason.SPOOF_IP) == 0


@pytest.mark.parametrize("field,reason", [
    ("hwsrc", DropReason.SPOOF_MAC),
    ("psrc", DropReason.SPOOF_IP),
])
def test_arp_with_a_wrong_sender_is_dropped_and_counted(lan, field, reason):
    wrong = {"hwsrc": "02:66:66:66:66:66", "psrc": "10.1.1.66"}[field]
    req = arp_request(lan.a, lan.gw1, **{field: wrong})
    verdict, text = lan.host.fabric.trace(req, lan.a)
    assert verdict == reason
    assert lan.host.inject(lan.a, req) == []
    assert lan.a.drops(reason) == 1
    assert lan.a.stats.drops == 1


def test_arp_with_a_wrong_ethernet_source_is_dropped(lan):
    req = arp_request(lan.a, lan.gw1)
    req.src = "02:66:66:66:66:66"
    assert lan.host.inject(lan.a, req) == []
    assert lan.a.drops(DropReason.SPOOF_MAC) == 1


@pytest.mark.parametrize("target", ["10.9.9.9", "10.1.2.2"])
def test_arp_outside_the_subnet_is_invalid(lan, target):
    assert lan.host.inject(lan.a, arp_request(lan.a, target)) == []
    assert lan.a.drops(DropReason.ARP_INVALID) == 1


def test_arp_for_the_gateway_without_router_is_invalid():
    host = Host()
    try:
        net = cell(host.fabric, router=False)
        a = net.s1.create_port("a")
        assert host.inject(a, arp_request(a, net.gw1)) == []
        assert a.drops(DropReason.ARP_INVALID) == 1
    finally:
        host.close()


def test_arp_pending_requests_are_bounded(lan):
    """At most 256 ARP requests wait for locations; more are dropped."""
    for i in range(256):
        target = "10.1.1.%d" % (10 + i % 200)
        assert lan.host.inject(lan.a, arp_request(lan.a, target)) == []
    assert lan.a.stats.drops == 0
    assert lan.host.inject(lan.a, arp_request(lan.a, "10.1.1.250")) == []
    assert lan.a.drops(DropReason.ARP_PENDING_FULL) == 1
