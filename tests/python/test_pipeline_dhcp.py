"""DHCP is answered by the fabric from the port's configuration (DESIGN.md
§2, step 3; RFC 2131): the replies are parsed with scapy and checked
against the subnet's settings."""

import pytest

pytest.importorskip("scapy")

from scapy.all import BOOTP, DHCP, IP, UDP, Ether  # noqa: E402

from vfabric import DropReason  # noqa: E402

from _net import (BCAST, S1_DHCP, Host, cell, dhcp, mac_bytes,  # noqa: E402
                  rebuilt)


@pytest.fixture
def lan():
    host = Host()
    net = cell(host.fabric)
    net.host = host
    net.a = net.s1.create_port("a", vip="10.1.1.2")
    yield net
    host.close()


def options(reply):
    """The DHCP options of a reply as a dict (multi-valued ones as
    tuples)."""
    out = {}
    for opt in reply[DHCP].options:
        if opt in ("end", "pad"):
            continue
        name, *values = opt
        out[name] = values[0] if len(values) == 1 else tuple(values)
    return out


def one_reply(lan, frame):
    """Injects a client message; returns the one reply, parsed, after
    checking where it came from and that its checksums and lengths are
    right."""
    out = lan.host.inject(lan.a, frame)
    assert len(out) == 1, out
    port, raw = out[0]
    assert port is lan.a
    assert rebuilt(raw) == raw
    reply = Ether(raw)
    assert reply.src == lan.rvmac1
    assert reply[IP].src == lan.gw1
    assert (reply[UDP].sport, reply[UDP].dport) == (67, 68)
    assert reply[BOOTP].op == 2 and reply[BOOTP].xid == 0x1234abcd
    assert reply[BOOTP].chaddr[:6] == mac_bytes(lan.a.vmac)
    return reply


def check_config(lan, opts, lease=True):
    """The configuration options against subnet s1's settings."""
    s1 = lan.s1
    assert opts["subnet_mask"] == "255.255.255.0"
    assert opts["router"] == lan.gw1
    assert opts["name_server"] == tuple(S1_DHCP["dns"]) == tuple(s1.dns)
    assert opts["domain"] in (b"example.test", "example.test")
    assert opts["interface-mtu"] == S1_DHCP["mtu"] == s1.mtu
    assert opts["server_id"] == lan.gw1
    if lease:
        t = S1_DHCP["lease_time"]
        assert opts["lease_time"] == t == s1.lease_time
        assert opts["renewal_time"] == t // 2        # T1, RFC 2131 4.4.5
        assert opts["rebinding_time"] == t * 7 // 8  # T2
    else:
        for name in ("lease_time", "renewal_time", "rebinding_time"):
            assert name not in opts


def test_discover_gets_an_offer_of_the_vip(lan):
    reply = one_reply(lan, dhcp(lan.a, "discover"))
    opts = options(reply)
    assert opts["message-type"] == 2  # OFFER
    assert reply[BOOTP].yiaddr == lan.a.vip
    assert reply[BOOTP].ciaddr == "0.0.0.0"
    check_config(lan, opts)
    # no broadcast flag: unicast to chaddr and yiaddr (RFC 2131 4.1)
    assert reply.dst == lan.a.vmac and reply[IP].dst == lan.a.vip


def test_discover_with_the_broadcast_flag_is_answered_by_broadcast(lan):
    reply = one_reply(lan, dhcp(lan.a, "discover", broadcast=True))
    assert reply.dst == BCAST and reply[IP].dst == "255.255.255.255"
    assert reply[BOOTP].flags == 0x8000


def test_request_gets_an_ack(lan):
    reply = one_reply(lan, dhcp(lan.a, "request", options=[
        ("server_id", lan.gw1), ("requested_addr", lan.a.vip)]))
    opts = options(reply)
    assert opts["message-type"] == 5  # ACK
    assert reply[BOOTP].yiaddr == lan.a.vip
    check_config(lan, opts)
    assert reply.dst == lan.a.vmac and reply[IP].dst == lan.a.vip


def test_init_reboot_request_gets_an_ack(lan):
    reply = one_reply(lan, dhcp(lan.a, "request", broadcast=True, options=[
        ("requested_addr", lan.a.vip)]))
    assert options(reply)["message-type"] == 5
    assert reply.dst == BCAST and reply[IP].dst == "255.255.255.255"


def test_renewing_request_is_answered_to_ciaddr(lan):
    reply = one_reply(lan, dhcp(lan.a, "request", src_ip=lan.a.vip,
                                dst_ip=lan.gw1, ciaddr=lan.a.vip))
    assert options(reply)["message-type"] == 5
    assert reply[BOOTP].ciaddr == lan.a.vip
    assert reply.dst == lan.a.vmac and reply[IP].dst == lan.a.vip


@pytest.mark.parametrize("msg_type", ["request", "inform"])
def test_ciaddr_wins_over_the_broadcast_flag(lan, msg_type):
    reply = one_reply(lan, dhcp(lan.a, msg_type, src_ip=lan.a.vip,
                                dst_ip=lan.gw1, ciaddr=lan.a.vip,
                                broadcast=True))
    assert options(reply)["message-type"] == 5
    assert reply[IP].dst == lan.a.vip and reply.dst == lan.a.vmac


def test_request_for_a_wrong_address_gets_a_nak(lan):
    reply = one_reply(lan, dhcp(lan.a, "request", options=[
        ("requested_addr", "10.1.1.99")]))
    opts = options(reply)
    assert opts["message-type"] == 6  # NAK
    assert opts["server_id"] == lan.gw1
    assert reply[BOOTP].yiaddr == "0.0.0.0"
    for name in ("lease_time", "subnet_mask", "router"):
        assert name not in opts
    # a NAK is broadcast (RFC 2131 4.1)
    assert reply.dst == BCAST and reply[IP].dst == "255.255.255.255"


def test_request_for_another_server_gets_silence(lan):
    frame = dhcp(lan.a, "request", options=[
        ("server_id", "10.1.1.254"), ("requested_addr", lan.a.vip)])
    assert lan.host.inject(lan.a, frame) == []
    assert lan.a.stats.drops == 0


def test_inform_gets_an_ack_without_lease(lan):
    reply = one_reply(lan, dhcp(lan.a, "inform", src_ip=lan.a.vip,
                                dst_ip=lan.gw1, ciaddr=lan.a.vip))
    opts = options(reply)
    assert opts["message-type"] == 5
    assert reply[BOOTP].yiaddr == "0.0.0.0"
    check_config(lan, opts, lease=False)
    assert reply[IP].dst == lan.a.vip and reply.dst == lan.a.vmac


@pytest.mark.parametrize("msg_type", ["release", "decline"])
def test_release_and_decline_get_silence(lan, msg_type):
    frame = dhcp(lan.a, msg_type, src_ip=lan.a.vip, dst_ip=lan.gw1,
                 ciaddr=lan.a.vip, options=[("server_id", lan.gw1)])
    assert lan.host.inject(lan.a, frame) == []
    assert lan.a.stats.drops == 0


def test_dhcp_for_another_mac_is_spoofing(lan):
    frame = dhcp(lan.a, "discover", chaddr="02:66:66:66:66:66")
    assert lan.host.inject(lan.a, frame) == []
    assert lan.a.drops(DropReason.SPOOF_MAC) == 1


def test_a_rogue_dhcp_server_is_dropped(lan):
    """A VM answering DHCP clients (from port 67) is a DHCP server."""
    rogue = dhcp(lan.a, "offer", op=2, src_ip=lan.a.vip)
    rogue[UDP].sport, rogue[UDP].dport = 67, 68
    assert lan.host.inject(lan.a, rogue) == []
    assert lan.a.drops(DropReason.DHCP_SERVER) == 1


def test_a_server_message_to_the_server_port_is_dropped_as_dhcp_server(lan):
    """An OFFER (op BOOTREPLY) is a DHCP server message, whatever its
    ports: VF_DROP_DHCP_SERVER, "a VM sent a DHCP server message"."""
    offer = dhcp(lan.a, "offer", op=2)
    assert lan.host.inject(lan.a, offer) == []
    assert lan.a.drops(DropReason.DHCP_SERVER) == 1


def test_dhcp_off_is_invalid(lan):
    lan.s1.dhcp_enabled = False
    assert lan.host.inject(lan.a, dhcp(lan.a, "discover")) == []
    assert lan.a.drops(DropReason.DHCP_INVALID) == 1


def test_bootp_without_message_type_is_invalid(lan):
    frame = dhcp(lan.a, "discover")
    frame[DHCP].options = ["end"]
    assert lan.host.inject(lan.a, frame) == []
    assert lan.a.drops(DropReason.DHCP_INVALID) == 1


def test_dhcp_on_a_subnet_without_router():
    """No router: no router option, and the server speaks from the
    subnet's network address with a MAC of its own."""
    host = Host()
    try:
        net = cell(host.fabric, router=False)
        a = net.s1.create_port("a")
        out = host.inject(a, dhcp(a, "discover"))
        assert len(out) == 1
        reply = Ether(out[0][1])
        assert "router" not in options(reply)
        assert options(reply)["message-type"] == 2
        assert reply[BOOTP].yiaddr == a.vip
        assert reply.dst == a.vmac
        src = Ether(out[0][1]).src
        assert not int(src.split(":")[0], 16) & 1  # unicast
    finally:
        host.close()
