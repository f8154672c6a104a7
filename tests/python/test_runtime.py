"""The runtime through the binding: the control loop (fd, process, run,
wake-ups, a library thread with the lock), batch injection, binding ports
(callback here; afpacket on real netdevs is tested in tests/integration
and examples), workers, and their refusals."""

import errno
import select
import threading

import pytest

import vfabric
from vfabric import VfError



@pytest.fixture
def world():
    f = vfabric.Fabric(host_name="hv1", host_mac="02:aa:00:00:00:01")
    cell = f.create_cell(id=1, name="blue")
    s = cell.create_subnet(prefix="10.1.1.0/24", name="lan1")
    a = s.create_port(name="a", vip="10.1.1.5")
    b = s.create_port(name="b", vip="10.1.1.6")
    yield f, a, b
    f.close()


def test_loop_fd_process_wakeup(world):
    f, _, _ = world
    assert f.fd >= 0
    assert f.timeout_ms == -1
    assert f.process() == 0
    f.wakeup()
    assert select.select([f.fd], [], [], 2)[0] == [f.fd]
    assert f.process() == 1
    assert f.wakeups == 1


def test_loop_run_woken_from_a_thread(world):
    f, _, _ = world
    t = threading.Timer(0.05, f.wakeup)
    t.start()
    assert f.run(5000) == 1
    t.join()


def test_loop_thread_and_lock(world):
    f, a, _ = world
    f.thread_start()
    with pytest.raises(VfError) as e:
        f.thread_start()
    assert e.value.errno == errno.EALREADY
    with pytest.raises(VfError) as e:
        f.process()
    assert e.value.errno == errno.EBUSY
    with f.locked():
        assert a.vip == "10.1.1.5"
    f.thread_stop()
    assert f.process() >= 0


def _udp(src_mac, dst_mac, src, dst, sport):
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Ether
    return bytes(Ether(src=src_mac, dst=dst_mac) / IP(src=src, dst=dst) /
                 UDP(sport=sport, dport=53) / b"x")


def test_inject_batch(world):
    f, a, b = world
    out = []
    f.set_output(lambda port, frame: out.append((port, frame)))
    frames = [_udp(a.vmac, b.vmac, "10.1.1.5", "10.1.1.6", 1000 + i)
              for i in range(8)]
    assert a.inject_batch(frames) == 8
    assert [p for p, _ in out] == [b] * 8
    assert [fr[12:] for _, fr in out] == [fr[12:] for fr in frames]
    # one bad frame refuses the whole batch
    with pytest.raises(VfError) as e:
        a.inject_batch(frames[:3] + [b"short"] + frames[3:])
    assert e.value.errno == errno.EINVAL and "frame 3" in str(e.value)
    assert len(out) == 8
    assert a.inject_batch([]) == 0


def test_bind_callback_and_refusals(world):
    f, a, _ = world
    assert a.datapath is None and a.ifname is None and a.link_up
    with pytest.raises(VfError) as e:
        a.datapath_stats
    assert e.value.errno == errno.ENOTCONN
    a.bind(datapath="callback")
    assert a.datapath == "callback"
    with pytest.raises(VfError) as e:
        a.bind(datapath="callback")
    assert e.value.errno == errno.EBUSY
    st = a.datapath_stats
    assert isinstance(st, vfabric.DatapathStats) and st.link_downs == 0
    a.unbind()
    with pytest.raises(VfError) as e:
        a.unbind()
    assert e.value.errno == errno.ENOTCONN
    with pytest.raises(VfError) as e:
        a.bind(datapath="nosuch")
    assert e.value.errno == errno.ENOENT
    with pytest.raises(VfError) as e:
        a.bind(datapath="callback", create="tap")
    assert e.value.errno == errno.EINVAL
    with pytest.raises(VfError) as e:
        a.bind(datapath="callback", own=True)
    assert e.value.errno == errno.EINVAL
    with pytest.raises(ValueError):
        a.bind(create="bridge")
    with pytest.raises(VfError) as e:
        f.underlay_stats
    assert e.value.errno == errno.ENOTCONN


def test_workers(world):
    f, _, _ = world
    with vfabric.Worker(f) as w:
        assert w.fd >= 0
        assert w.poll(0) == 0
        assert w.frames == 0
    assert w.closed
    with pytest.raises(VfError) as e:
        w.poll(0)
    assert e.value.errno == errno.EBADF
    f.workers_start(2, cpus=[0, -1])
    with pytest.raises(VfError) as e:
        f.workers_start(1)
    assert e.value.errno == errno.EALREADY
    f.workers_stop()
    with pytest.raises(VfError) as e:
        f.workers_stop()
    assert e.value.errno == errno.ESRCH
    with pytest.raises(VfError) as e:
        f.workers_start(1, cpus=[4096])
    assert e.value.errno == errno.EINVAL
    with pytest.raises(ValueError):
        f.workers_start(2, cpus=[0])
