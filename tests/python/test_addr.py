"""The address helpers (vf_ipv4_parse & co. through the binding) and the
conversions every object method uses."""

import errno
import ipaddress

import pytest

import vfabric

from _support import raises


@pytest.mark.parametrize("text,value", [
    ("10.1.2.3", 0x0a010203), ("0.0.0.0", 0), ("255.255.255.255", 2**32 - 1),
])
def test_ipv4_round_trip(text, value):
    assert vfabric.ipv4_parse(text) == value
    assert vfabric.ipv4_format(value) == text


@pytest.mark.parametrize("text", ["10.1.2", "10.1.2.3.4", "256.1.1.1",
                                  "10.1.2.3 ", "a.b.c.d", "", "10..2.3"])
def test_ipv4_bad(text):
    with raises(errno.EINVAL, repr(text) if not text.strip() else text):
        vfabric.ipv4_parse(text)


@pytest.mark.parametrize("text,value", [
    ("10.1.2.0/24", (0x0a010200, 24)), ("0.0.0.0/0", (0, 0)),
    ("192.0.2.7/32", (0xc0000207, 32)),
])
def test_prefix_round_trip(text, value):
    assert vfabric.prefix_parse(text) == value
    assert vfabric.prefix_format(*value) == text


@pytest.mark.parametrize("text", ["10.1.2.1/24", "10.1.2.0/33",
                                  "10.1.2.0", "10.1.2.0/", "10.1.2.0/024"])
def test_prefix_bad(text):
    with raises(errno.EINVAL, text):
        vfabric.prefix_parse(text)


def test_prefix_format_bad_length():
    with raises(errno.EINVAL):
        vfabric.prefix_format(0, 33)


@pytest.mark.parametrize("text,norm", [
    ("02:01:0a:01:02:03", "02:01:0a:01:02:03"),
    ("02-01-0A-01-02-03", "02:01:0a:01:02:03"),
    ("FF:FF:FF:FF:FF:FF", "ff:ff:ff:ff:ff:ff"),
])
def test_mac_round_trip(text, norm):
    raw = vfabric.mac_parse(text)
    assert len(raw) == 6
    assert vfabric.mac_format(raw) == norm


@pytest.mark.parametrize("text", ["02:01:0a:01:02", "02:01:0a:01:02:03:04",
                                  "02:01:0a:01:02:0g", "0201.0a01.0203"])
def test_mac_bad(text):
    with raises(errno.EINVAL, text):
        vfabric.mac_parse(text)


def test_argument_types(subnet):
    p = subnet.create_port("a", vip=ipaddress.IPv4Address("10.1.1.20"),
                           vmac=bytes.fromhex("020000000020"))
    assert (p.vip, p.vmac) == ("10.1.1.20", "02:00:00:00:00:20")
    q = subnet.create_port("b", vip=0x0a010115)
    assert q.vip == "10.1.1.21"
    with pytest.raises(TypeError):
        subnet.create_port("c", vip=1.5)
    with pytest.raises(TypeError):
        subnet.create_port("c", vip=True)
    with raises(errno.EINVAL, str(2 ** 32)):
        subnet.create_port("c", vip=2 ** 32)
    with raises(errno.EINVAL, "10.1.1"):
        subnet.create_port("c", vip="10.1.1")
    with raises(errno.EINVAL):
        subnet.create_port("c", vmac=b"\x02\x00")
    with pytest.raises(TypeError):
        subnet.create_port("c", id="1")
    assert subnet.port_count == 2


def test_strerror():
    assert vfabric.strerror(-errno.EADDRINUSE)
    assert vfabric.strerror(errno.EADDRINUSE) == \
        vfabric.strerror(-errno.EADDRINUSE)
    assert "unknown" in vfabric.strerror(-99999)
