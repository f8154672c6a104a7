"""C API details that the Python classes hide, through raw calls: the
thread-local error message, formatting buffers, partial copies, read-back
structs with a caller-set sz, user data, and the documented limits."""

import ctypes
import errno
import threading
from ctypes import byref, c_uint32, sizeof

import pytest

import vfabric
from vfabric import _lib
from vfabric._lib import lib

from _support import raises


def _in_new_thread(fn):
    out = []
    t = threading.Thread(target=lambda: out.append(fn()))
    t.start()
    t.join()
    return out[0]


def test_last_error_is_thread_local():
    assert _in_new_thread(lib.vf_last_error) == b""
    with raises(errno.EINVAL, "nope"):
        vfabric.ipv4_parse("nope")
    mine = lib.vf_last_error()
    assert b"nope" in mine
    # Another thread does not see it, and its failures do not touch ours.

    def other():
        before = lib.vf_last_error()
        try:
            vfabric.mac_parse("zz")
        except vfabric.VfError:
            pass
        return before, lib.vf_last_error()
    before, after = _in_new_thread(other)
    assert before == b"" and b"zz" in after
    assert lib.vf_last_error() == mine


def test_success_does_not_clear_last_error():
    with raises(errno.EINVAL):
        vfabric.ipv4_parse("x.y")
    vfabric.ipv4_parse("10.0.0.1")
    assert b"x.y" in lib.vf_last_error()


def test_strerror():
    assert lib.vf_strerror(-errno.EINVAL) == lib.vf_strerror(errno.EINVAL)
    assert lib.vf_strerror(-errno.EINVAL)
    # one static string for every code the library does not know
    assert lib.vf_strerror(-99999) == b"unknown error"
    assert lib.vf_strerror(-2**31) == b"unknown error"


@pytest.mark.parametrize("fn,size,arg,text", [
    ("vf_ipv4_format", 16, 0xffffffff, b"255.255.255.255"),
    ("vf_mac_format", 18, _lib.Mac((ctypes.c_uint8 * 6)(2, 0, 0, 0, 0, 0xff)),
     b"02:00:00:00:00:ff"),
    ("vf_prefix_format", 19, _lib.Prefix(0xffffff00, 24),
     b"255.255.255.0/24"),
])
def test_format_buffers(fn, size, arg, text):
    func = getattr(lib, fn)
    argument = byref(arg) if isinstance(arg, ctypes.Structure) else arg
    buf = ctypes.create_string_buffer(size)
    assert func(buf, size, argument) == len(text)
    assert buf.value == text
    small = ctypes.create_string_buffer(len(text))  # no room for the NUL
    with raises(errno.ENOSPC):
        func(small, len(text), argument)


def test_subnet_dns_partial_copy(subnet):
    subnet.dns = ["192.0.2.1", "192.0.2.2", "192.0.2.3"]
    buf = (c_uint32 * 4)(7, 7, 7, 7)
    assert lib.vf_subnet_dns(subnet._h, buf, 1) == 3
    assert list(buf) == [0xc0000201, 7, 7, 7]
    assert lib.vf_subnet_dns(subnet._h, None, 0) == 3


@pytest.mark.parametrize("sz", [0, 4])
def test_read_back_structs_refuse_a_bad_sz(cell, sz):
    g = cell.create_secgroup()
    g.add_rule()
    with raises(errno.EINVAL):
        lib.vf_secgroup_rule(g._h, 0, byref(_lib.Rule(sz=sz)))
    src = cell.fabric.create_cell()
    p = cell.create_policy(src)
    with raises(errno.EINVAL):
        lib.vf_policy_get(p._h, byref(_lib.PolicyOpts(sz=sz)))


def test_policy_get_respects_caller_sz(cell):
    src = cell.fabric.create_cell()
    p = cell.create_policy(src, name="pol", protocol=6, port_min=1,
                           port_max=2)
    out = _lib.PolicyOpts(sz=_lib.PolicyOpts.name.offset, port_max=0x7777)
    lib.vf_policy_get(p._h, byref(out))
    assert out.id == p.id and out.name is None and out.port_max == 0x7777
    full = _lib.PolicyOpts(sz=sizeof(_lib.PolicyOpts))
    lib.vf_policy_get(p._h, byref(full))
    assert (full.id, full.name, full.src_cell) == (p.id, b"pol", src.id)
    assert (full.protocol, full.port_min, full.port_max) == (6, 1, 2)


def test_out_of_range_reads(cell, subnet):
    port = subnet.create_port("vm1")
    router = cell.create_router()
    g = cell.create_secgroup()
    with raises(errno.ENOENT):
        lib.vf_router_route(router._h, 0, byref(_lib.Prefix()),
                            byref(c_uint32()))
    with raises(errno.ENOENT):
        lib.vf_secgroup_rule(g._h, 0, byref(_lib.new_opts(_lib.Rule)))
    assert not lib.vf_port_secgroup_at(port._h, 0)
    with raises(errno.EINVAL):
        lib.vf_port_qos(port._h, 0, None, None)
    with pytest.raises(IndexError):
        g.rule(-1)


def test_user_data_round_trip(fabric, cell, subnet):
    port = subnet.create_port("vm1")
    router = cell.create_router()
    g = cell.create_secgroup()
    p = cell.create_policy(fabric.create_cell())
    for obj, kind in ((fabric, "fabric"), (cell, "cell"), (subnet, "subnet"),
                      (router, "router"), (port, "port"), (g, "secgroup"),
                      (p, "policy")):
        assert getattr(lib, "vf_%s_user_data" % kind)(obj._h) is None
        getattr(lib, "vf_%s_set_user_data" % kind)(obj._h, 0x1234)
        assert getattr(lib, "vf_%s_user_data" % kind)(obj._h) == 0x1234


def test_parent_getters_return_registered_objects(fabric, cell, subnet):
    port = subnet.create_port("vm1")
    assert fabric._lookup(lib.vf_port_subnet(port._h)) is subnet
    assert fabric._lookup(lib.vf_port_cell(port._h)) is cell
    assert fabric._lookup(lib.vf_subnet_cell(subnet._h)) is cell
    assert fabric._lookup(lib.vf_cell_fabric(cell._h)) is fabric


def test_null_name_lookups(fabric):
    assert not lib.vf_fabric_cell_by_name(fabric._h, None)
    assert not lib.vf_fabric_port_by_name(fabric._h, None)


def test_route_limit(cell, subnet):
    subnet.create_port("hop", vip="10.1.1.9")
    r = cell.create_router()
    r.attach(subnet)
    for i in range(vfabric.ROUTER_ROUTES_MAX):
        r.add_route(((100 << 24) | (i << 8), 24), "10.1.1.9")
    with raises(errno.ENOSPC):
        r.add_route("101.0.0.0/24", "10.1.1.9")
    assert r.route_count == vfabric.ROUTER_ROUTES_MAX
    routes = r.routes
    assert routes == sorted(routes, key=lambda x: vfabric.prefix_parse(x.dest))


def test_rule_limit(cell):
    g = cell.create_secgroup()
    for i in range(vfabric.SECGROUP_RULES_MAX):
        g.add_rule(protocol=6, port_min=i + 1, port_max=i + 1)
    with raises(errno.ENOSPC):
        g.add_rule(protocol=17)
    assert g.rule_count == vfabric.SECGROUP_RULES_MAX


def test_port_unknown_flags_refused(subnet):
    port = _lib.PortP()
    opts = _lib.new_opts(_lib.PortOpts, name=b"vm1",
                         flags=vfabric.PORT_F_ADMIN_DOWN | 0x2)
    with raises(errno.EINVAL, "0x2"):
        lib.vf_port_create(byref(port), subnet._h, byref(opts))
    assert not port and subnet.port_count == 0
    opts.flags = vfabric.PORT_F_ADMIN_DOWN
    lib.vf_port_create(byref(port), subnet._h, byref(opts))
    assert not lib.vf_port_admin_up(port)
    lib.vf_port_destroy(port)
    assert subnet.port_count == 0
