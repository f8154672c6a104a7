"""The control socket through the binding: Fabric.ctl_listen() serves it,
vfabric.Ctl talks to it; results are the in-process ones (the same
errno and message on failure)."""

import errno
import os

import pytest

import vfabric
from vfabric import ctl as vctl
from vfabric._lib import lib

from _support import raises, run_c


@pytest.fixture
def served(fabric, tmp_path):
    """The fabric with cell "blue", subnet "lan1" and port "a", serving
    its control socket from the library's loop thread; yields the socket's
    path."""
    cell = fabric.create_cell(id=1, name="blue")
    net = cell.create_subnet(name="lan1")
    net.create_port("a")
    path = str(tmp_path / "ctl.sock")
    fabric.ctl_listen(path)
    lib.vf_fabric_thread_start(fabric._h)
    yield path
    lib.vf_fabric_thread_stop(fabric._h)


class _Locked:
    """The fabric's control lock, for in-process calls while the loop
    thread runs."""

    def __init__(self, fabric):
        self.fabric = fabric

    def __enter__(self):
        lib.vf_fabric_lock(self.fabric._h)

    def __exit__(self, *exc):
        lib.vf_fabric_unlock(self.fabric._h)


def test_constants_match_c(tmp_path):
    names = {"CTL_F_ALLOW_UID": "VF_CTL_F_ALLOW_UID",
             "CTL_F_ALLOW_GID": "VF_CTL_F_ALLOW_GID",
             "CTL_MSG_DEFAULT": "VF_CTL_MSG_DEFAULT",
             "CTL_MSG_MAX": "VF_CTL_MSG_MAX",
             "CTL_PROTOCOL": "VF_CTL_PROTOCOL"}
    src = ["#include <stdio.h>", "#include <vfabric/vfabric.h>",
           "int main(void) {"]
    src += ['printf("%s %%lld\\n", (long long)%s);' % (c, c)
            for c in names.values()]
    src += ["return 0; }"]
    got = run_c(tmp_path, "ctlconst", "\n".join(src) + "\n")
    for py, c in names.items():
        assert getattr(vctl, py) == int(got[c]), py


def test_every_op(fabric, served):
    with vfabric.Ctl(served, timeout_ms=3000) as c:
        assert c.host_name == "hv1"
        port = c.attach("blue", "lan1", "vm1", vip="10.1.1.50",
                        vmac="02:00:00:00:00:50", admin_up=False)
        assert port["name"] == "vm1"
        assert port["vip"] == "10.1.1.50"
        assert port["vmac"] == "02:00:00:00:00:50"
        assert port["admin_up"] is False
        assert port["datapath"] is None
        bound = c.attach("blue", "lan1", "vm2", bind={"datapath": "callback"})
        assert bound["datapath"] == "callback"

        listing = c.list()
        assert listing["host"] == "hv1"
        (blue,) = listing["cells"]
        assert blue["name"] == "blue"
        names = [p["name"] for p in blue["subnets"][0]["ports"]]
        assert names == ["a", "vm1", "vm2"]

        counters = c.counters("a")
        assert counters["port"] == "a"
        assert counters["drops"] == 0
        assert counters["drop"]["spoof-ip"] == 0
        assert set(counters["drop"]) == {
            r.name.lower().replace("_", "-")
            for r in vfabric.DropReason if r != vfabric.DropReason.NONE}
        whole = c.counters()
        assert whole["ports"] == 3
        assert whole["ctl"]["accepted"] == 1

        frame = bytes(64)
        verdict, text = c.trace(frame, port="a")
        with _Locked(fabric):
            want = fabric.trace(frame, fabric.port("a"))
        assert (verdict, text) == want
        verdict, _ = c.trace(frame)
        assert verdict == vfabric.DropReason.NOT_FOR_HOST

        locs = c.locations()
        assert {l["vip"] for l in locs} == {"10.1.1.2", "10.1.1.50",
                                           "10.1.1.3"}
        assert all(l["local"] for l in locs)
        assert c.members() == {"status": "stopped", "members": []}

        c.detach("vm1")
        c.detach("vm2")
        assert [p["name"] for p in
                c.list()["cells"][0]["subnets"][0]["ports"]] == ["a"]
    assert c.closed
    c.close()
    with raises(errno.EBADF):
        c.list()
    stats = fabric.ctl_stats()
    assert stats.accepted == 1 and stats.refused == 0
    assert stats.requests >= 10


def test_errors_are_the_in_process_ones(fabric, served):
    with vfabric.Ctl(served) as c:
        with raises(errno.EEXIST, "'a'") as remote:
            c.attach("blue", "lan1", "a")
        with _Locked(fabric):
            with raises(errno.EEXIST) as local:
                fabric.cell("blue").subnet("lan1") \
                    .create_port("a")
        assert str(remote.exc) == str(local.exc)
        with raises(errno.ENOENT, "no cell 'green'"):
            c.attach("green", "lan1", "x")
        with raises(errno.ENOENT, "no port 'zz'"):
            c.detach("zz")
        with raises(errno.ENOENT, "zz"):
            c.counters("zz")
        with raises(errno.EINVAL):
            c.trace(b"short", port="a")
        with raises(errno.ENOENT, "no-such"):
            c.attach("blue", "lan1", "x", bind={"datapath": "no-such"})
        with pytest.raises(TypeError):
            c.attach("blue", "lan1", "x", bind={"colour": "red"})
        # a failed bind left nothing behind
        assert len(c.list()["cells"][0]["subnets"][0]["ports"]) == 1


def test_connect_and_listen_errors(fabric, served, tmp_path):
    with raises(errno.ENOENT):
        vfabric.Ctl(str(tmp_path / "nothing.sock"))
    with raises(errno.EALREADY):
        with _Locked(fabric):
            fabric.ctl_listen(served)
    with vfabric.Fabric(host_name="hv2") as other:
        with raises(errno.EADDRINUSE):
            other.ctl_listen(served)
        with raises(errno.EINVAL, "max_msg"):
            other.ctl_listen(str(tmp_path / "x.sock"), max_msg=1)
        with raises(errno.ENOTCONN):
            other.ctl_close()
        other.ctl_listen(str(tmp_path / "y.sock"), allow_gid=os.getgid(),
                         mode=0o660)
        assert os.stat(str(tmp_path / "y.sock")).st_mode & 0o777 == 0o660
    # the fabric's closing removed its socket
    assert not os.path.exists(str(tmp_path / "y.sock"))
    with vfabric.Ctl(served) as c:
        c.set_timeout(-1)
        with raises(errno.EINVAL):
            c.set_timeout(0)
