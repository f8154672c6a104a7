"""The binding of pipeline.h and location.h: the output callable (ports
from the registry, exceptions re-raised after the call), frame arguments,
counters, drop reasons, traces and locations."""

import errno
import gc

import pytest

pytest.importorskip("scapy")

import vfabric  # noqa: E402
from vfabric import DropReason, PortStats  # noqa: E402

from _net import (BCAST, HOST_A, HOST_B, Host, arp_request, cell,  # noqa: E402
                  ip_frame)
from _support import raises  # noqa: E402


@pytest.fixture
def lan():
    host = Host()
    net = cell(host.fabric)
    net.host = host
    net.fabric = host.fabric
    net.a = net.s1.create_port("a", vip="10.1.1.2")
    net.b = net.s1.create_port("b", vip="10.1.1.3")
    net.c = net.s1.create_port("c", vip="10.1.1.4")
    yield net
    host.close()


# -- the output callable -----------------------------------------------------

def test_output_gets_the_registered_port_objects(lan):
    seen = []
    lan.fabric.set_output(lambda port, frame: seen.append((port, frame)))
    assert lan.a.inject(arp_request(lan.a, lan.gw1)) == 1
    assert len(seen) == 1
    assert seen[0][0] is lan.a and type(seen[0][1]) is bytes
    assert lan.fabric.output is not None


def test_output_must_be_callable(lan):
    with pytest.raises(TypeError):
        lan.fabric.set_output(42)
    # the old one stays
    assert lan.a.inject(arp_request(lan.a, lan.gw1)) == 1


def test_output_none_drops_and_counts(lan):
    lan.fabric.set_output(None)
    assert lan.fabric.output is None
    assert lan.a.inject(arp_request(lan.a, lan.gw1)) == 0
    assert lan.a.drops(DropReason.NO_OUTPUT) == 1
    assert lan.a.inject(ip_frame(lan.a, lan.b.vmac, lan.b.vip)) == 0
    assert lan.b.drops(DropReason.NO_OUTPUT) == 1


def test_output_callable_is_kept_alive(lan):
    """The binding holds the CFUNCTYPE: no reference of the caller's is
    needed."""
    box = []

    def make():
        return lambda port, frame: box.append(frame)
    lan.fabric.set_output(make())
    gc.collect()
    assert lan.a.inject(arp_request(lan.a, lan.gw1)) == 1
    assert len(box) == 1


def test_output_exception_is_reraised_after_the_call(lan):
    """Every frame is still sent; the first exception is re-raised when
    inject() returns; the next call is clean."""
    got = []

    def out(port, frame):
        got.append(port)
        raise ValueError("output failed for %s" % port.name)

    lan.fabric.set_output(out)
    bcast = ip_frame(lan.a, BCAST, "255.255.255.255")
    with pytest.raises(ValueError, match="output failed for b"):
        lan.a.inject(bcast)
    assert got == [lan.b, lan.c]
    assert lan.b.stats.tx_packets == 1 and lan.c.stats.tx_packets == 1
    lan.fabric.set_output(lambda port, frame: got.append(port))
    assert lan.a.inject(ip_frame(lan.a, lan.b.vmac, lan.b.vip)) == 1


def test_output_exception_during_set_location(lan):
    def out(port, frame):
        raise KeyError("late answer")

    lan.a.inject(arp_request(lan.a, "10.1.1.50"))
    lan.fabric.set_output(out)
    with pytest.raises(KeyError, match="late answer"):
        lan.fabric.set_location(1, "10.1.1.50", "02:aa:00:00:00:50", 1,
                                HOST_B)
    # the location was set all the same
    assert lan.fabric.location(1, "10.1.1.50").vmac == "02:aa:00:00:00:50"


def test_output_must_not_call_back_into_its_fabric(lan):
    def out(port, frame):
        lan.b.inject(frame)

    lan.fabric.set_output(out)
    with pytest.raises(RuntimeError, match="must not call back"):
        lan.a.inject(ip_frame(lan.a, lan.b.vmac, lan.b.vip))
    lan.fabric.set_output(None)
    assert lan.b.stats.rx_packets == 0


def test_output_may_read_properties(lan):
    seen = []

    def out(port, frame):
        seen.append((port.name, port.vip, type(port.stats),
                     lan.fabric.location_count))

    lan.fabric.set_output(out)
    lan.a.inject(arp_request(lan.a, lan.gw1))
    assert seen == [("a", "10.1.1.2", PortStats, 0)]


def test_fabric_with_output_is_collected():
    import weakref

    def build():
        host = Host()
        net = cell(host.fabric)
        net.s1.create_port("a")
        return weakref.ref(host.fabric)
    ref = build()
    gc.collect()
    assert ref() is None


def test_output_may_inject_into_another_fabric(lan):
    other = Host("hv2", HOST_B)
    try:
        n2 = cell(other.fabric)
        far = n2.s1.create_port("far", vip="10.1.1.9")
        lan.fabric.set_location(1, far.vip, far.vmac, 1, HOST_B)
        lan.fabric.set_output(
            lambda port, frame: other.fabric.inject_underlay(frame))
        assert lan.a.inject(ip_frame(lan.a, far.vmac, far.vip)) == 1
        assert [p for p, _ in other.out] == [far]
    finally:
        other.close()


# -- frames in ---------------------------------------------------------------

def test_frame_types(lan):
    frame = bytes(arp_request(lan.a, lan.gw1))
    for arg in (frame, bytearray(frame), memoryview(frame),
                arp_request(lan.a, lan.gw1)):
        assert lan.a.inject(arg) == 1
    with pytest.raises(TypeError):
        lan.a.inject("not bytes")
    with pytest.raises(TypeError):
        lan.a.inject(None)


@pytest.mark.parametrize("length", [0, 13, 65536])
def test_frame_length_out_of_range(lan, length):
    with raises(errno.EINVAL, str(length)):
        lan.a.inject(b"\x00" * length)
    with raises(errno.EINVAL, str(length)):
        lan.fabric.inject_underlay(b"\x00" * length)
    with raises(errno.EINVAL, str(length)):
        lan.fabric.trace(b"\x00" * length, lan.a)
    assert lan.a.stats.rx_packets == 0


def test_inject_on_a_closed_port(lan):
    frame = arp_request(lan.a, lan.gw1)
    lan.a.close()
    with raises(errno.ENOENT, "a"):
        lan.a.inject(frame)
    with raises(errno.ENOENT):
        lan.fabric.trace(frame, lan.a)


def test_underlay_returns_the_frames_sent(lan):
    frame = ip_frame(lan.a, lan.b.vmac, lan.b.vip)
    frame.src, frame.dst = HOST_B, HOST_A
    assert lan.fabric.inject_underlay(frame) == 1
    assert lan.host.out[-1] == (lan.b, bytes(ip_frame(
        lan.a, lan.b.vmac, lan.b.vip)))


# -- counters and reasons ----------------------------------------------------

def test_stats_is_a_read_only_namedtuple(lan):
    frame = ip_frame(lan.a, lan.b.vmac, lan.b.vip)
    lan.a.inject(frame)
    lan.a.inject(ip_frame(lan.a, lan.b.vmac, lan.b.vip, src_ip="1.2.3.4"))
    st = lan.a.stats
    assert isinstance(st, PortStats) and isinstance(st, tuple)
    assert st == PortStats(rx_packets=2, rx_bytes=2 * len(frame),
                           tx_packets=0, tx_bytes=0, drops=1)
    assert lan.b.stats == PortStats(0, 0, 1, len(frame), 0)
    with pytest.raises(AttributeError):
        st.drops = 0
    with pytest.raises(AttributeError):
        lan.a.stats = st


def test_drops_accepts_members_names_and_ints(lan):
    lan.a.inject(ip_frame(lan.a, lan.b.vmac, lan.b.vip, src_ip="1.2.3.4"))
    for reason in (DropReason.SPOOF_IP, "spoof-ip", "SPOOF_IP", "spoof_ip",
                   5):
        assert lan.a.drops(reason) == 1
    assert lan.a.drops(DropReason.SPOOF_MAC) == 0
    assert lan.a.drops(999) == 0  # unknown to the library: 0
    with raises(errno.EINVAL, "no-such-reason"):
        lan.a.drops("no-such-reason")
    with pytest.raises(TypeError):
        lan.a.drops(None)
    assert lan.fabric.drops("not-here") == 0


def test_drop_reason_name():
    assert vfabric.drop_reason_name(DropReason.SPOOF_IP) == "spoof-ip"
    assert vfabric.drop_reason_name("qos_egress") == "qos-egress"
    assert vfabric.drop_reason_name(0) == "none"
    assert vfabric.drop_reason_name(12345) == "unknown"


# -- trace -------------------------------------------------------------------

def test_trace_returns_verdict_and_text(lan):
    verdict, text = lan.fabric.trace(arp_request(lan.a, lan.gw1), lan.a)
    assert verdict is DropReason.NONE
    assert isinstance(text, str) and text.endswith("\n")
    assert "ARP" in text and lan.rvmac1 in text


def test_trace_refuses_a_port_of_another_fabric(lan):
    other = Host("hv2", HOST_B)
    try:
        n2 = cell(other.fabric)
        far = n2.s1.create_port("far")
        with raises(errno.EINVAL, "far"):
            lan.fabric.trace(arp_request(far, n2.gw1), far)
        with pytest.raises(TypeError):
            lan.fabric.trace(arp_request(far, n2.gw1), lan.s1)
    finally:
        other.close()


# -- locations ---------------------------------------------------------------

def test_location_round_trip(lan):
    fab = lan.fabric
    assert fab.location_count == 0
    assert fab.location(1, "10.1.1.50") is None
    fab.set_location(lan.cell, "10.1.1.50", "02:aa:00:00:00:50", lan.s1,
                     HOST_B, host_ip="192.0.2.2", version=7)
    assert fab.location_count == 1
    loc = fab.location(lan.cell, "10.1.1.50")
    assert loc == vfabric.Location(1, "10.1.1.50", "02:aa:00:00:00:50", 1,
                                   HOST_B, "192.0.2.2", 7)
    assert loc.host_ip == "192.0.2.2" and loc.version == 7
    fab.set_location(1, "10.1.1.50", "02:aa:00:00:00:51", 1, HOST_B)
    assert fab.location(1, "10.1.1.50").vmac == "02:aa:00:00:00:51"
    assert fab.location(1, "10.1.1.50").host_ip is None
    assert fab.location_count == 1
    fab.del_location(1, "10.1.1.50")
    assert fab.location(1, "10.1.1.50") is None
    assert fab.location_count == 0
    with raises(errno.ENOENT, "10.1.1.50"):
        fab.del_location(1, "10.1.1.50")


def test_locations_iterated(lan):
    fab = lan.fabric
    assert fab.locations() == []
    vips = ["10.1.1.%d" % i for i in range(50, 90)]
    for i, vip in enumerate(vips):  # enough for the table to grow
        fab.set_location(1, vip, "02:aa:00:00:00:%02x" % i, 1, HOST_B)
    got = fab.locations()
    assert sorted(l.vip for l in got) == sorted(vips)
    assert all(l.host_mac == HOST_B for l in got)
    assert lan.a.vip not in [l.vip for l in got]  # local ports are not in it
    for vip in vips[::2]:
        fab.del_location(1, vip)
    assert sorted(l.vip for l in fab.locations()) == sorted(vips[1::2])


def test_location_of_a_local_port(lan):
    loc = lan.fabric.location(1, lan.a.vip)
    assert loc.vmac == lan.a.vmac and loc.subnet_id == 1
    assert loc.host_mac == HOST_A
    assert lan.fabric.location_count == 0  # only other hosts' count


@pytest.mark.parametrize("args,err,word", [
    ((9, "10.9.1.5", "02:aa:00:00:00:05", 1, HOST_B), errno.ENOENT, "9"),
    ((1, "10.1.7.5", "02:aa:00:00:00:05", 7, HOST_B), errno.ENOENT, "7"),
    ((1, "10.1.2.5", "02:aa:00:00:00:05", 1, HOST_B), errno.EINVAL,
     "10.1.2.5"),
    ((1, "10.1.1.2", "02:aa:00:00:00:05", 1, HOST_B), errno.EADDRINUSE,
     "10.1.1.2"),
    ((1, "10.1.1.5", "02:aa:00:00:00:05", 1, HOST_A), errno.EINVAL,
     HOST_A),
    ((1, "10.1.1.5", "01:00:5e:00:00:05", 1, HOST_B), errno.EINVAL,
     "01:00:5e:00:00:05"),
    ((1, "10.1.1.5", "02:aa:00:00:00:05", 1, None), errno.EINVAL, ""),
])
def test_location_refusals(lan, args, err, word):
    with raises(err, word):
        lan.fabric.set_location(*args)
    assert lan.fabric.location_count == 0


@pytest.mark.parametrize("vip", ["10.1.1.1", "10.1.1.0", "10.1.1.255"])
def test_location_refuses_what_no_port_may_have(lan, vip):
    with raises(errno.EINVAL, vip):
        lan.s1.create_port("x", vip=vip)
    with raises(errno.EINVAL, vip):
        lan.fabric.set_location(1, vip, "02:aa:00:00:00:05", 1, HOST_B)
    assert lan.fabric.location_count == 0


def test_location_argument_types(lan):
    with pytest.raises(TypeError):
        lan.fabric.set_location("1", "10.1.1.5", "02:aa:00:00:00:05", 1,
                                HOST_B)
    with pytest.raises(TypeError):
        lan.fabric.set_location(1, "10.1.1.5", "02:aa:00:00:00:05", 1,
                                HOST_B, version=1.5)
    with raises(errno.EINVAL, "-1"):
        lan.fabric.set_location(1, "10.1.1.5", "02:aa:00:00:00:05", 1,
                                HOST_B, version=-1)
    with raises(errno.EINVAL, "10.1.1"):
        lan.fabric.set_location(1, "10.1.1", "02:aa:00:00:00:05", 1, HOST_B)
    # a Cell or a Subnet where its id is asked for, not the other way round
    with pytest.raises(TypeError):
        lan.fabric.set_location(lan.s1, "10.1.1.5", "02:aa:00:00:00:05",
                                lan.s1, HOST_B)
    with pytest.raises(TypeError):
        lan.fabric.location(lan.s1, "10.1.1.5")


# -- the size protocol of the read-back structs ------------------------------

def _read_back(lan, struct):
    """Calls the read-back function of ``struct`` (vf_port_stats_get or
    vf_location_get) into a ctypes struct."""
    import ctypes
    from vfabric import _lib
    if struct is _lib.PortStats:
        return lambda out: _lib.lib.vf_port_stats_get(lan.a._h,
                                                      ctypes.byref(out))
    return lambda out: _lib.lib.vf_location_get(
        lan.fabric._h, 1, vfabric.ipv4_parse("10.1.1.9"), ctypes.byref(out))


@pytest.mark.parametrize("cname", ["vf_port_stats", "vf_location"])
def test_read_back_respects_the_callers_sz(lan, cname):
    """Filled up to sz: an older, smaller struct gets its fields and no
    byte past them; a newer, larger one gets zeros past this version's;
    sz below the size field is refused."""
    import ctypes
    from vfabric import _lib
    struct = _lib.STRUCTS[cname]
    lan.fabric.set_location(1, "10.1.1.9", "02:aa:00:00:00:09", 1, HOST_B,
                            version=3)
    lan.a.inject(ip_frame(lan.a, lan.b.vmac, lan.b.vip))
    call = _read_back(lan, struct)
    full = struct(sz=ctypes.sizeof(struct))
    call(full)
    size = ctypes.sizeof(struct)
    last = struct._fields_[-1][0]
    older = getattr(struct, last).offset  # a caller without the last field
    for sz in (older, size, size + 16):
        buf = (ctypes.c_uint8 * (size + 32))(*([0xee] * (size + 32)))
        out = struct.from_buffer(buf)
        out.sz = sz
        call(out)
        raw = bytes(buf)
        assert raw[8:min(sz, size)] == bytes(full)[8:min(sz, size)]
        assert raw[size:sz] == b"\0" * max(0, sz - size)
        assert raw[sz:] == b"\xee" * (size + 32 - sz)
    for sz in (0, 4):
        out = struct()
        out.sz = sz
        with raises(errno.EINVAL, "sz"):
            call(out)
