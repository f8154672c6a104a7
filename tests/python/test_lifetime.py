"""Lifetime: destroy order independence (C and Python), removed objects
answering ENOENT, one Python owner per handle, garbage collection."""

import errno
import gc
import itertools
import weakref
from ctypes import byref

import pytest

import vfabric
from vfabric import _lib
from vfabric._lib import lib

from _support import raises


# -- the C contract, through raw calls ----------------------------------------

def _raw_model():
    """fabric > cell > subnet > port, plus a router on the subnet and a
    secgroup on the port, as raw handles."""
    h = {}
    h["fabric"] = _lib.FabricP()
    lib.vf_fabric_create(byref(h["fabric"]), None)
    h["cell"] = _lib.CellP()
    lib.vf_cell_create(byref(h["cell"]), h["fabric"], None)
    h["subnet"] = _lib.SubnetP()
    lib.vf_subnet_create(byref(h["subnet"]), h["cell"], None)
    h["router"] = _lib.RouterP()
    lib.vf_router_create(byref(h["router"]), h["cell"], None)
    lib.vf_router_attach(h["router"], h["subnet"], None)
    h["secgroup"] = _lib.SecGroupP()
    lib.vf_secgroup_create(byref(h["secgroup"]), h["cell"], None)
    h["port"] = _lib.PortP()
    opts = _lib.new_opts(_lib.PortOpts, name=b"vm1")
    lib.vf_port_create(byref(h["port"]), h["subnet"], byref(opts))
    lib.vf_port_add_secgroup(h["port"], h["secgroup"])
    return h


ORDER_KINDS = ["fabric", "cell", "subnet", "router", "secgroup", "port"]


@pytest.mark.parametrize("order", list(itertools.permutations(
    ["fabric", "cell", "subnet", "port"])), ids="-".join)
def test_c_destroy_in_any_order(order):
    h = _raw_model()
    rest = [k for k in ORDER_KINDS if k not in order]
    for kind in list(order) + rest:
        getattr(lib, "vf_%s_destroy" % kind)(h.pop(kind))
        # Every handle still held answers its getters.
        if "port" in h:
            assert lib.vf_port_name(h["port"]) == b"vm1"
        if "subnet" in h:
            lib.vf_subnet_prefix(h["subnet"])
        if "cell" in h:
            lib.vf_cell_id(h["cell"])


def test_c_removed_children_answer_enoent():
    h = _raw_model()
    lib.vf_fabric_destroy(h.pop("fabric"))
    # Getters still work on the removed objects...
    assert lib.vf_port_name(h["port"]) == b"vm1"
    assert lib.vf_cell_id(h["cell"]) == 1
    # ...everything else is ENOENT.
    with raises(errno.ENOENT):
        lib.vf_port_set_admin_up(h["port"], False)
    with raises(errno.ENOENT):
        lib.vf_subnet_set_mtu(h["subnet"], 9000)
    with raises(errno.ENOENT):
        lib.vf_cell_set_owner(h["cell"], b"x")
    sub = _lib.SubnetP()
    with raises(errno.ENOENT):
        lib.vf_subnet_create(byref(sub), h["cell"], None)
    assert not sub
    port = _lib.PortP()
    opts = _lib.new_opts(_lib.PortOpts, name=b"vm2")
    with raises(errno.ENOENT):
        lib.vf_port_create(byref(port), h["subnet"], byref(opts))
    assert not port
    with raises(errno.ENOENT):
        lib.vf_secgroup_add_rule(h["secgroup"],
                                 byref(_lib.new_opts(_lib.Rule)))
    with raises(errno.ENOENT):
        lib.vf_router_detach(h["router"], h["subnet"])
    for kind in ("port", "secgroup", "router", "subnet", "cell"):
        getattr(lib, "vf_%s_destroy" % kind)(h.pop(kind))


def test_c_removing_a_subnet_removes_its_ports():
    h = _raw_model()
    lib.vf_subnet_destroy(h.pop("subnet"))
    assert lib.vf_cell_port_count(h["cell"]) == 0
    assert lib.vf_cell_subnet_count(h["cell"]) == 0
    assert lib.vf_fabric_port_count(h["fabric"]) == 0
    assert not lib.vf_fabric_port_by_name(h["fabric"], b"vm1")
    assert lib.vf_router_iface_count(h["router"]) == 0
    with raises(errno.ENOENT):
        lib.vf_port_set_admin_up(h["port"], True)
    with raises(errno.ENOENT):
        lib.vf_port_set_qos(h["port"], 0, 10 ** 6, 0)
    # The name and the address are free again.
    sub, port = _lib.SubnetP(), _lib.PortP()
    lib.vf_subnet_create(byref(sub), h["cell"], None)
    opts = _lib.new_opts(_lib.PortOpts, name=b"vm1")
    lib.vf_port_create(byref(port), sub, byref(opts))
    assert lib.vf_port_vip(port) == 0x0a010102
    for handle, kind in ((port, "port"), (sub, "subnet")):
        getattr(lib, "vf_%s_destroy" % kind)(handle)
    for kind in ("port", "secgroup", "router", "cell", "fabric"):
        getattr(lib, "vf_%s_destroy" % kind)(h.pop(kind))


def test_c_destroy_null_is_a_noop():
    for kind in ["fabric"] + ORDER_KINDS[1:] + ["policy"]:
        getattr(lib, "vf_%s_destroy" % kind)(None)


# -- the Python objects -------------------------------------------------------

def _model(fab):
    cell = fab.create_cell(name="c")
    subnet = cell.create_subnet(name="s")
    port = subnet.create_port("vm1")
    router = cell.create_router()
    router.attach(subnet)
    group = cell.create_secgroup(name="g")
    port.add_secgroup(group)
    other = fab.create_cell(name="other")
    policy = cell.create_policy(other, name="p")
    return cell, subnet, port, router, group, policy, other


def test_close_fabric_first_then_children():
    fab = vfabric.Fabric()
    objs = _model(fab)
    fab.close()
    for obj in objs:
        assert obj.closed
        with raises(errno.ENOENT, repr(obj._label)):
            obj.name
    port = objs[2]
    with raises(errno.ENOENT, "port 'vm1'"):
        port.admin_up = False
    with raises(errno.ENOENT, "cell 'c'"):
        objs[0].create_subnet()
    for obj in objs:
        obj.close()
        obj.close()
    fab.close()
    assert fab.closed


@pytest.mark.parametrize("first", ["cell", "subnet", "port", "router",
                                   "group", "policy"])
def test_close_any_object_first(fabric, first):
    names = ["cell", "subnet", "port", "router", "group", "policy", "other"]
    objs = dict(zip(names, _model(fabric)))
    objs[first].close()
    assert objs[first].closed
    with raises(errno.ENOENT):
        objs[first].name
    closed_with = {
        "cell": {"cell", "subnet", "port", "router", "group", "policy"},
        "subnet": {"subnet", "port"},
    }.get(first, {first})
    for name, obj in objs.items():
        assert obj.closed == (name in closed_with), name
    fabric.close()
    assert all(obj.closed for obj in objs.values())


def test_closing_a_parent_closes_python_children(fabric):
    cell, subnet, port, router, group, policy, other = _model(fabric)
    cell.close()
    assert fabric.cell_count == 1 and fabric.port_count == 0
    assert fabric.cells == [other]
    assert fabric.cell("c") is None and fabric.port("vm1") is None
    # Names and addresses are free again.
    again = fabric.create_cell(name="c").create_subnet(name="s")
    assert again.create_port("vm1").vip == "10.1.1.2"


def test_closed_child_leaves_parent_lists(fabric):
    cell, subnet, port, router, group, policy, other = _model(fabric)
    port.close()
    assert subnet.ports == [] and subnet.port_count == 0
    assert group.cell is cell
    group.close()
    policy.close()
    router.close()
    assert cell.secgroups == [] and cell.policies == []
    assert cell.router is None and subnet.router is None
    assert cell.subnets == [subnet]


def test_context_managers():
    with vfabric.Fabric() as fab:
        with fab.create_cell() as cell:
            with cell.create_subnet() as subnet:
                port = subnet.create_port("vm1")
            assert subnet.closed and port.closed
            assert cell.subnet_count == 0
        assert cell.closed and fab.cell_count == 0
    assert fab.closed


def test_lookups_return_the_creating_object(fabric):
    cell, subnet, port, router, group, policy, other = _model(fabric)
    assert fabric.cell("c") is cell and fabric.cell(cell.id) is cell
    assert fabric.cells == [cell, other]
    assert fabric.port("vm1") is port
    assert cell.subnet("s") is subnet and cell.subnets[0] is subnet
    assert subnet.ports[0] is port and subnet.port(port.id) is port
    assert cell.port_by_vip(port.vip) is port
    assert cell.router is router and subnet.router is router
    assert router.subnets[0] is subnet
    assert cell.secgroup("g") is group and port.secgroups[0] is group
    assert cell.policy("p") is policy and policy.src_cell is other
    assert port.subnet is subnet and port.cell is cell
    assert port.fabric is fabric and subnet.cell is cell


def test_dropping_variables_removes_nothing(fabric):
    def build():
        c = fabric.create_cell(name="kept")
        c.create_subnet().create_port("vm1")
        c.create_router()
        c.create_secgroup()
    build()
    gc.collect()
    cell = fabric.cell("kept")
    assert cell.subnet_count == 1 and cell.port_count == 1
    assert cell.router is not None and cell.secgroup_count == 1
    assert fabric.port("vm1") is fabric.port("vm1")
    assert fabric.port("vm1").subnet is cell.subnets[0]


def test_children_keep_the_fabric_alive():
    fab = vfabric.Fabric()
    port = fab.create_cell().create_subnet().create_port("vm1")
    ref = weakref.ref(fab)
    del fab
    gc.collect()
    assert ref() is not None
    port.admin_up = False
    assert port.fabric.port("vm1") is port
    port.fabric.close()


def test_unreferenced_model_is_collected():
    def build():
        fab = vfabric.Fabric(log=lambda level, msg: None,
                             log_level=vfabric.LogLevel.DEBUG)
        _model(fab)
        return weakref.ref(fab)
    ref = build()
    gc.collect()
    assert ref() is None


def test_collection_in_any_order():
    """Finalizers of a dropped model run in the order the collector picks;
    nothing may crash, whatever it is."""
    for _ in range(20):
        fab = vfabric.Fabric()
        objs = _model(fab)
        del fab, objs
        gc.collect()


def test_objects_are_not_constructible_directly():
    for cls in (vfabric.Cell, vfabric.Subnet, vfabric.Router, vfabric.Port,
                vfabric.SecGroup, vfabric.Policy):
        with pytest.raises(TypeError):
            cls()


def test_repr_of_open_and_closed_objects(fabric):
    cell, subnet, port, router, group, policy, other = _model(fabric)
    assert "vm1" in repr(port) and "10.1.1.2" in repr(port)
    assert "10.1.1.0/24" in repr(subnet)
    fabric.close()
    for obj in (fabric, cell, subnet, port, router, group, policy):
        assert "closed" in repr(obj)


def test_c_no_log_callback_after_fabric_destroy():
    """After vf_fabric_destroy() returns its log callback never fires, even
    when descendants' handles fail or are destroyed later (the binding
    relies on it: the callback's ctypes object may be gone by then)."""
    lines = []
    cb = _lib.LOG_FN(lambda user_data, level, msg: lines.append(msg))
    opts = _lib.new_opts(_lib.FabricOpts, log_fn=cb,
                         log_level=vfabric.LogLevel.DEBUG)
    fab = _lib.FabricP()
    lib.vf_fabric_create(byref(fab), byref(opts))
    cell = _lib.CellP()
    lib.vf_cell_create(byref(cell), fab, None)
    subnet = _lib.SubnetP()
    lib.vf_subnet_create(byref(subnet), cell, None)
    port = _lib.PortP()
    popts = _lib.new_opts(_lib.PortOpts, name=b"vm1")
    lib.vf_port_create(byref(port), subnet, byref(popts))
    assert lines
    lib.vf_fabric_destroy(fab)
    seen = len(lines)
    with raises(errno.ENOENT, "vm1"):
        lib.vf_port_set_admin_up(port, False)
    lib.vf_port_destroy(port)
    lib.vf_subnet_destroy(subnet)
    lib.vf_cell_destroy(cell)
    assert lines[seen:] == []
