"""Gossip (gossip.h) through the binding: two fabrics in this process on
loopback (127.0.0.x) find each other, see each other's tags, notice a
graceful leave, count bad input; constants and enums match the header."""

import re
import socket
import time

import pytest

import vfabric
from vfabric import gossip
from vfabric.gossip import (Gossip, GossipEvent, GossipStatus, MemberState,
                            Profile)

from _support import SOURCE_DIR

KEY = "hVymdRNJiMjdm7en8RvIH+7M5Bnc71egceBeXV761lk="
HEADER = (SOURCE_DIR / "include" / "vfabric" / "gossip.h").read_text()


def _port():
    """A free port on 127.0.0.1 for both UDP and TCP (best effort)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pump(fabs, cond, secs=10.0):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        for f in fabs:
            f.run(20)
        if cond():
            return True
    return False


@pytest.mark.parametrize("enum,typename", [
    (Profile, "vf_gossip_profile"), (MemberState, "vf_member_state"),
    (GossipEvent, "vf_gossip_event"), (GossipStatus, "vf_gossip_status")])
def test_enums_match_the_header(enum, typename):
    body = re.search(r"typedef enum %s \{(.*?)\}" % typename, HEADER,
                     re.S).group(1)
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    values = {int(v) for v in re.findall(r"=\s*(\d+)", body)}
    assert values == {m.value for m in enum}


def test_constants_match_the_header():
    assert int(re.search(r"#define VF_GOSSIP_PORT_DEFAULT (\d+)",
                         HEADER).group(1)) == gossip.GOSSIP_PORT_DEFAULT
    assert "#define VF_GOSSIP_F_COMPRESS (1u << 0)" in HEADER
    assert gossip.GOSSIP_F_COMPRESS == 1
    assert "#define VF_GOSSIP_F_NO_COMPRESS (1u << 1)" in HEADER
    assert gossip.GOSSIP_F_NO_COMPRESS == 2


@pytest.mark.parametrize("keys", [None, [KEY]], ids=["plain", "encrypted"])
def test_two_fabrics_join_and_leave(keys):
    pa, pb = _port(), _port()
    with vfabric.Fabric(host_name="py-a") as fa, \
            vfabric.Fabric(host_name="py-b") as fb:
        events = []
        ga = Gossip(fa, bind_addr="127.0.0.51", bind_port=pa,
                    tags={"rack": "r1"}, keys=keys, profile=Profile.LOCAL, compress=False)
        gb = Gossip(fb, bind_addr="127.0.0.52", bind_port=pb, role="edge",
                    keys=keys, profile=Profile.LOCAL, compress=True)
        ga.on_event(lambda ev, m: events.append((ev, m.name, m.state)))
        assert ga.status == GossipStatus.RUNNING
        assert gb.join(["127.0.0.51:%d" % pa]) == 1
        assert _pump([fa, fb], lambda: len(ga.members()) == 2 and
                     len(gb.members()) == 2)
        me = ga.members()[0]
        assert me.is_self and me.name == "py-a"
        assert me.tags == {"role": "vfabric", "underlay": "127.0.0.51",
                           "rack": "r1"}
        b = ga.member("py-b")
        assert b.state == MemberState.ALIVE and b.port == pb
        assert b.addr == "127.0.0.52" and b.tags["role"] == "edge"
        assert (GossipEvent.JOINED, "py-b", MemberState.ALIVE) in events
        assert ga.member("nobody") is None

        gb.leave()
        assert _pump([fa, fb], lambda: gb.status == GossipStatus.LEFT and
                     ga.member("py-b").state == MemberState.LEFT)
        assert (GossipEvent.LEFT, "py-b", MemberState.LEFT) in events
        st = ga.stats()
        assert st["packets_in"] > 0 and st["bad_malformed"] == 0
        assert st["bad_decrypt"] == 0
        gb.close()
        ga.close()
        ga.close()  # twice is fine
        assert ga.status == GossipStatus.STOPPED


def test_bad_packets_are_counted_not_applied():
    port = _port()
    with vfabric.Fabric(host_name="py-c") as f:
        g = Gossip(f, bind_addr="127.0.0.53", bind_port=port, keys=[KEY])
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(b"\x00\x81\xa4Node", ("127.0.0.53", port))  # plain
            s.sendto(b"\x01" + b"\x00" * 40, ("127.0.0.53", port))
        assert _pump([f], lambda: g.stats()["packets_in"] >= 2, 5)
        st = g.stats()
        # too short to be a sealed packet, and one no key opens
        assert st["bad_malformed"] == 1 and st["bad_decrypt"] == 1
        assert [m.name for m in g.members()] == ["py-c"]
        g.close()


def test_bad_options_raise():
    with vfabric.Fabric(host_name="py-d") as f:
        with pytest.raises(vfabric.VfError) as exc:
            Gossip(f, bind_addr="not-an-ip")
        assert exc.value.errno == 22
        with pytest.raises(vfabric.VfError) as exc:
            Gossip(f, bind_addr="127.0.0.54", keys=["c2hvcnQ="])
        assert exc.value.errno == 22 and "32-byte" in str(exc.value)
        with pytest.raises(vfabric.VfError) as exc:
            Gossip(f, bind_addr="127.0.0.54", tags={"role": "x"})
        assert exc.value.errno == 22
        with pytest.raises(vfabric.VfError) as exc:
            f_g = Gossip(f, bind_addr="127.0.0.54", bind_port=_port())
            try:
                Gossip(f, bind_addr="127.0.0.54")
            finally:
                f_g.close()
        assert exc.value.errno == 114  # EALREADY


# memberlist's push-pull request with no nodes: message type 6, then the
# header {"Nodes": 0, "UserStateLen": 0, "Join": true} in msgpack.
PUSH_PULL_EMPTY = (b"\x06\x83\xa5Nodes\x00\xacUserStateLen\x00"
                   b"\xa4Join\xc3")


@pytest.mark.parametrize("compress,first", [(None, 9), (True, 9), (False, 6)],
                         ids=["default", "on", "off"])
def test_push_pull_answer_is_compressed_by_default(compress, first):
    """The answer to a push-pull is LZW-compressed (message type 9), as Go's
    memberlist sends it by default, unless compression is turned off."""
    port = _port()
    kw = {} if compress is None else {"compress": compress}
    with vfabric.Fabric(host_name="py-z") as f:
        g = Gossip(f, bind_addr="127.0.0.55", bind_port=port, **kw)
        with socket.create_connection(("127.0.0.55", port), timeout=5) as s:
            s.sendall(PUSH_PULL_EMPTY)
            s.setblocking(False)
            got = bytearray()

            def answered():
                try:
                    got.extend(s.recv(65536))
                except BlockingIOError:
                    pass
                return len(got) > 0
            assert _pump([f], answered, 5)
        assert got[0] == first
        g.close()


def _sniffer():
    """A raw socket on lo (root): every frame the loopback carries."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind(("lo", 0))
    s.setblocking(False)
    return s


def _udp_to(sniff, src, dst, dport, out):
    """Appends to ``out`` the payloads of UDP datagrams src -> dst:dport
    that ``sniff`` has (each once: not the copy sent)."""
    while True:
        try:
            frame, addr = sniff.recvfrom(65536)
        except BlockingIOError:
            return
        if addr[2] == socket.PACKET_OUTGOING or len(frame) < 42:
            continue
        ip = frame[14:]
        if ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        ihl = (ip[0] & 15) * 4
        if (socket.inet_ntoa(ip[12:16]) != src or
                socket.inet_ntoa(ip[16:20]) != dst or
                int.from_bytes(ip[ihl + 2:ihl + 4], "big") != dport):
            continue
        out.append(bytes(ip[ihl + 8:]))


@pytest.mark.parametrize("keys", [None, [KEY]], ids=["plain", "encrypted"])
def test_replayed_packets_change_nothing(keys):
    """Every datagram py-f sent py-e, sniffed on lo, is sent to py-e again
    after py-f left: py-e keeps py-f as left, emits no event, counts the
    old alives as stale_members and nothing as bad (a replay decrypts)."""
    pe, pf = _port(), _port()
    got = []
    with vfabric.Fabric(host_name="py-e") as fe, \
            vfabric.Fabric(host_name="py-f") as ff, _sniffer() as sniff:
        ge = Gossip(fe, bind_addr="127.0.0.57", bind_port=pe, keys=keys,
                    profile=Profile.LOCAL)
        gf = Gossip(ff, bind_addr="127.0.0.58", bind_port=pf, keys=keys,
                    profile=Profile.LOCAL)
        assert gf.join(["127.0.0.57:%d" % pe]) == 1
        assert _pump([fe, ff], lambda: len(ge.members()) == 2)
        # a few seconds of probes and gossip, sniffed
        end = time.monotonic() + 3
        _pump([fe, ff], lambda: (_udp_to(sniff, "127.0.0.58", "127.0.0.57",
                                         pe, got) or
                                 time.monotonic() > end), 5)
        gf.leave()
        assert _pump([fe, ff], lambda: ge.member("py-f").state ==
                     MemberState.LEFT)
        _udp_to(sniff, "127.0.0.58", "127.0.0.57", pe, got)
        gf.close()
        assert len(got) >= 3
        events = []
        ge.on_event(lambda ev, m: events.append((ev, m.name)))
        before = ge.stats()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.58", 0))
            for p in got:
                s.sendto(p, ("127.0.0.57", pe))
        assert _pump([fe], lambda: ge.stats()["packets_in"] >=
                     before["packets_in"] + len(got), 5)
        fe.run(200)
        after = ge.stats()
        assert ge.member("py-f").state == MemberState.LEFT
        assert events == []
        assert after["stale_members"] > before["stale_members"]
        for bad in ("bad_malformed", "bad_crc", "bad_decrypt",
                    "bad_oversized", "bad_unknown_type"):
            assert after[bad] == before[bad], bad
        assert {"records_in", "records_stale", "queries_duplicate",
                "records_expired"} <= after.keys()
        assert after["records_expired"] == before["records_expired"]
        ge.close()


KEY2 = "LVa7LrUMn1ETfhFh6aLmHDf/3aJQkfvcBXIbZx1OZNY="


def test_key_rotation_without_a_restart():
    """Install a second key everywhere, use it, remove the first: the
    members stay alive and nothing fails to decrypt."""
    pa, pb = _port(), _port()
    with vfabric.Fabric(host_name="py-k1") as fa, \
            vfabric.Fabric(host_name="py-k2") as fb:
        ga = Gossip(fa, bind_addr="127.0.0.55", bind_port=pa, keys=[KEY],
                    profile=Profile.LOCAL, gossip_interval_ms=50)
        gb = Gossip(fb, bind_addr="127.0.0.56", bind_port=pb, keys=[KEY],
                    profile=Profile.LOCAL, gossip_interval_ms=50)
        gb.join("127.0.0.55:%d" % pa)
        assert _pump([fa, fb], lambda: len(ga.members()) == 2)
        for g in (ga, gb):
            g.install_key(KEY2)
            g.install_key(KEY2)  # already there: fine
            assert g.key_count == 2
        for g in (ga, gb):
            g.use_key(KEY2)
        with pytest.raises(vfabric.VfError) as exc:
            ga.remove_key(KEY2)  # the one in use
        assert exc.value.errno == 16  # EBUSY
        for g in (ga, gb):
            g.remove_key(KEY)
            assert g.key_count == 1
        with pytest.raises(vfabric.VfError) as exc:
            ga.use_key(KEY)
        assert exc.value.errno == 2  # ENOENT
        before = ga.stats()["packets_in"]
        assert _pump([fa, fb], lambda: ga.stats()["packets_in"] > before + 10)
        assert ga.member("py-k2").state == MemberState.ALIVE
        assert gb.member("py-k1").state == MemberState.ALIVE
        assert ga.stats()["bad_decrypt"] == 0 and gb.stats()["bad_decrypt"] == 0
        ga.close()
        gb.close()


def test_keys_need_an_encrypted_start():
    with vfabric.Fabric(host_name="py-k3") as f:
        g = Gossip(f, bind_addr="127.0.0.57", bind_port=_port())
        with pytest.raises(vfabric.VfError) as exc:
            g.install_key(KEY)
        assert exc.value.errno == 22
        assert g.key_count == 0
        g.close()
