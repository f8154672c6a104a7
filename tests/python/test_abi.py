"""The binding's copies of C facts, checked against the C compiler: enum
values, limits, option-struct layouts; typed handles; the option-struct
size protocol."""

import ctypes
import errno
import re
from ctypes import POINTER, byref, cast, sizeof

import pytest

import vfabric
from vfabric import _lib
from vfabric._lib import lib

from _support import SOURCE_DIR, raises, run_c

# Python enum -> prefix of its C constants.
ENUMS = {
    vfabric.WireMode: "VF_WIRE_",
    vfabric.Verdict: "VF_VERDICT_",
    vfabric.SubnetKind: "VF_SUBNET_",
    vfabric.DhcpMode: "VF_DHCP_",
    vfabric.Direction: "VF_DIR_",
    vfabric.LogLevel: "VF_LOG_",
    vfabric.Protocol: "VF_PROTO_",
    vfabric.DropReason: "VF_DROP_",
}

# Python constant -> C macro.
CONSTANTS = {
    "NAME_MAX": "VF_NAME_MAX",
    "SUBNET_DNS_MAX": "VF_SUBNET_DNS_MAX",
    "ROUTER_ROUTES_MAX": "VF_ROUTER_ROUTES_MAX",
    "PORT_SECGROUPS_MAX": "VF_PORT_SECGROUPS_MAX",
    "SECGROUP_RULES_MAX": "VF_SECGROUP_RULES_MAX",
    "PORT_F_ADMIN_DOWN": "VF_PORT_F_ADMIN_DOWN",
    "BIND_F_CREATE_TAP": "VF_BIND_F_CREATE_TAP",
    "BIND_F_CREATE_VETH": "VF_BIND_F_CREATE_VETH",
    "BIND_F_OWN": "VF_BIND_F_OWN",
    "FRAME_F_WRITABLE": "VF_FRAME_F_WRITABLE",
}
PRIVATE_CONSTANTS = {
    "_IPV4_STRLEN": "VF_IPV4_STRLEN",
    "_PREFIX_STRLEN": "VF_PREFIX_STRLEN",
    "_MAC_STRLEN": "VF_MAC_STRLEN",
}


def _fields(struct):
    """Every named field of a ctypes Structure mirror."""
    return [f[0] for f in struct._fields_]


@pytest.fixture(scope="module")
def cfacts(tmp_path_factory):
    """What the C compiler says: enum values, macros, sizes, offsets."""
    lines = ["#include <stdio.h>", "#include <stddef.h>",
             "#include <vfabric/vfabric.h>", "int main(void) {"]
    for enum, prefix in ENUMS.items():
        for member in enum:
            c = prefix + member.name
            lines.append('printf("%s %%lld\\n", (long long)%s);' % (c, c))
    for c in list(CONSTANTS.values()) + list(PRIVATE_CONSTANTS.values()):
        lines.append('printf("%s %%lld\\n", (long long)%s);' % (c, c))
    lines.append('printf("VF_VERSION_HEX %u\\n", (unsigned)VF_VERSION_HEX);')
    for cname, struct in _lib.STRUCTS.items():
        lines.append('printf("sizeof:%s %%zu\\n", sizeof(%s));'
                     % (cname, cname))
        lines.append('printf("alignof:%s %%zu\\n", _Alignof(%s));'
                     % (cname, cname))
        for f in _fields(struct):
            lines.append('printf("offsetof:%s.%s %%zu\\n", '
                         'offsetof(%s, %s));' % (cname, f, cname, f))
            lines.append('printf("fieldsize:%s.%s %%zu\\n", '
                         'sizeof(((%s *)0)->%s));' % (cname, f, cname, f))
    lines += ["return 0;", "}"]
    return run_c(tmp_path_factory.mktemp("cfacts"), "cfacts",
                 "\n".join(lines) + "\n")


@pytest.mark.parametrize("enum", list(ENUMS), ids=lambda e: e.__name__)
def test_enum_values_match_c(cfacts, enum):
    for member in enum:
        c = ENUMS[enum] + member.name
        assert int(cfacts[c]) == member.value, c


def _c_enumerators(header, typename):
    text = (SOURCE_DIR / "include" / "vfabric" / header).read_text()
    m = re.search(r"typedef enum %s \{(.*?)\} %s;" % (typename, typename),
                  text, re.S)
    assert m, "%s not found in %s" % (typename, header)
    body = re.sub(r"/\*.*?\*/", "", m.group(1), flags=re.S)
    return re.findall(r"\b(VF_[A-Z0-9_]+)\s*=", body)


@pytest.mark.parametrize("header,typename,enum", [
    ("fabric.h", "vf_wire_mode", vfabric.WireMode),
    ("cell.h", "vf_verdict", vfabric.Verdict),
    ("subnet.h", "vf_subnet_kind", vfabric.SubnetKind),
    ("subnet.h", "vf_dhcp_mode", vfabric.DhcpMode),
    ("common.h", "vf_direction", vfabric.Direction),
    ("log.h", "vf_log_level", vfabric.LogLevel),
    ("pipeline.h", "vf_drop_reason", vfabric.DropReason),
])
def test_every_c_enumerator_is_mirrored(header, typename, enum):
    names = {ENUMS[enum] + m.name for m in enum}
    assert set(_c_enumerators(header, typename)) == names


def test_every_proto_macro_is_mirrored():
    text = (SOURCE_DIR / "include" / "vfabric" / "policy.h").read_text()
    macros = set(re.findall(r"#define (VF_PROTO_[A-Z0-9_]+)", text))
    assert macros == {"VF_PROTO_" + m.name for m in vfabric.Protocol}


def test_constants_match_c(cfacts):
    for name, c in CONSTANTS.items():
        assert getattr(vfabric, name) == int(cfacts[c]), c
    from vfabric import addr
    for name, c in PRIVATE_CONSTANTS.items():
        assert getattr(addr, name) == int(cfacts[c]), c
    assert _lib.SubnetOpts.dns.size == 4 * int(cfacts["VF_SUBNET_DNS_MAX"])


def test_header_and_library_versions_match(cfacts):
    assert lib.vf_version() == int(cfacts["VF_VERSION_HEX"])
    major, minor, patch = vfabric.version_info
    assert vfabric.version() == "%d.%d.%d" % (major, minor, patch)
    assert major == _lib.REQUIRED_MAJOR and minor >= _lib.REQUIRED_MINOR


@pytest.mark.parametrize("cname", list(_lib.STRUCTS))
def test_struct_layout_matches_c(cfacts, cname):
    struct = _lib.STRUCTS[cname]
    assert sizeof(struct) == int(cfacts["sizeof:" + cname])
    assert ctypes.alignment(struct) == int(cfacts["alignof:" + cname])
    for f in _fields(struct):
        key = "%s.%s" % (cname, f)
        assert getattr(struct, f).offset == int(cfacts["offsetof:" + key]), key
        assert getattr(struct, f).size == int(cfacts["fieldsize:" + key]), key


def test_drop_reason_names():
    """Every reason has the library's name of its own: the member's name
    spelt with '-' ("spoof-ip"), which reason arguments accept too."""
    for member in vfabric.DropReason:
        name = vfabric.drop_reason_name(member)
        assert name == member.name.lower().replace("_", "-"), member
        assert vfabric.drop_reason_name(name) == name
    assert vfabric.drop_reason_name(len(vfabric.DropReason)) == "unknown"
    assert vfabric.drop_reason_name(-1) == "unknown"


def test_opts_structs_start_with_sz():
    for cname, struct in _lib.STRUCTS.items():
        if cname in ("vf_mac", "vf_ipv4_prefix", "vf_frame"):  # frozen values
            continue
        assert struct._fields_[0][0] == "sz"
        assert struct.sz.offset == 0
        assert _lib.new_opts(struct).sz == sizeof(struct)


# -- typed handles ----------------------------------------------------------

def test_typed_handles_refuse_the_wrong_type(subnet):
    port = subnet.create_port("vm1")
    with pytest.raises(ctypes.ArgumentError):
        lib.vf_port_name(subnet._h)
    with pytest.raises(ctypes.ArgumentError):
        lib.vf_subnet_name(port._h)
    with pytest.raises(ctypes.ArgumentError):
        lib.vf_cell_subnet_count(subnet.fabric._h)
    assert lib.vf_port_name(port._h) == b"vm1"


def test_python_api_refuses_the_wrong_object(subnet):
    port = subnet.create_port("vm1")
    router = subnet.cell.create_router()
    with pytest.raises(TypeError):
        router.attach(port)
    with pytest.raises(TypeError):
        port.add_secgroup(subnet)
    with pytest.raises(TypeError):
        vfabric.Cell()


# -- the option-struct size protocol ----------------------------------------
#
# Raw C calls on a raw fabric (not the Python objects, whose registry would
# not know these handles).

class RawModel:
    """A raw C fabric with one cell, subnet and secgroup (and a second cell
    for policies), destroyed at the end."""

    def __init__(self):
        self.made = []
        self.fabric = _lib.FabricP()
        lib.vf_fabric_create(byref(self.fabric), None)
        self.cell = self._make("cell", self.fabric, None)
        self.cell2 = self._make("cell", self.fabric, None)
        self.subnet = self._make("subnet", self.cell, None)
        self.secgroup = self._make("secgroup", self.cell, None)

    def _make(self, kind, parent, opts):
        handle = getattr(_lib, KINDS[kind][0])()
        getattr(lib, "vf_%s_create" % kind)(byref(handle), parent, opts)
        self.made.append((kind, handle))
        return handle

    def close(self):
        for kind, handle in reversed(self.made):
            getattr(lib, "vf_%s_destroy" % kind)(handle)
        lib.vf_fabric_destroy(self.fabric)


# kind -> (handle type, opts type, parent attribute of RawModel, count fn,
#          count-object attribute, required fields)
KINDS = {
    "cell": ("CellP", _lib.CellOpts, "fabric", "vf_fabric_cell_count",
             "fabric", {}),
    "subnet": ("SubnetP", _lib.SubnetOpts, "cell", "vf_cell_subnet_count",
               "cell", {}),
    "router": ("RouterP", _lib.RouterOpts, "cell", None, None, {}),
    "port": ("PortP", _lib.PortOpts, "subnet", "vf_subnet_port_count",
             "subnet", {"name": b"rawport"}),
    "secgroup": ("SecGroupP", _lib.SecGroupOpts, "cell",
                 "vf_cell_secgroup_count", "cell", {}),
    "policy": ("PolicyP", _lib.PolicyOpts, "cell", "vf_cell_policy_count",
               "cell", {"src_cell": None}),  # filled with cell2's id
}


def _raw_opts(struct, sz, tail_byte, fields):
    """A buffer holding struct with .sz = sz and, past sizeof(struct),
    tail bytes that are zero or tail_byte."""
    size = max(sizeof(struct), sz) + 16
    buf = (ctypes.c_uint8 * size)()
    opts = struct.from_buffer(buf)
    for k, v in fields.items():
        setattr(opts, k, v)
    opts.sz = sz
    if tail_byte:
        buf[sizeof(struct) + 5] = tail_byte
    return buf, opts


def _try_create(model, kind, sz, tail_byte):
    """Creates one object of kind with a raw opts buffer; returns the
    handle, or raises VfError."""
    htype, struct, parent, _, _, fields = KINDS[kind]
    fields = dict(fields)
    if "src_cell" in fields:
        fields["src_cell"] = lib.vf_cell_id(model.cell2)
    buf, opts = _raw_opts(struct, sz, tail_byte, fields)
    return model._make(kind, getattr(model, parent),
                       cast(buf, POINTER(struct)))


def _count(model, kind):
    fn, attr = KINDS[kind][3], KINDS[kind][4]
    if fn is None:
        return 1 if lib.vf_cell_router(model.cell) else 0
    return getattr(lib, fn)(getattr(model, attr))


@pytest.fixture
def raw():
    model = RawModel()
    yield model
    model.close()


@pytest.mark.parametrize("kind", list(KINDS))
def test_opts_larger_sz_with_zero_tail_is_accepted(raw, kind):
    struct = KINDS[kind][1]
    before = _count(raw, kind)
    _try_create(raw, kind, sizeof(struct) + 16, 0)
    assert _count(raw, kind) == before + 1


@pytest.mark.parametrize("kind", list(KINDS))
def test_opts_larger_sz_with_nonzero_tail_is_refused(raw, kind):
    struct = KINDS[kind][1]
    before = _count(raw, kind)
    with raises(errno.EINVAL):
        _try_create(raw, kind, sizeof(struct) + 16, 0x5a)
    assert _count(raw, kind) == before
    # The same struct with its tail cleared is fine: nothing was left over.
    _try_create(raw, kind, sizeof(struct) + 16, 0)
    assert _count(raw, kind) == before + 1


def _older_size(struct):
    """The size of the struct's previous version, had it lacked its last
    field: the last field's offset rounded up to the alignment (8)."""
    last = struct._fields_[-1][0]
    return (getattr(struct, last).offset + 7) // 8 * 8


@pytest.mark.parametrize("kind", list(KINDS))
def test_opts_older_sz_bytes_past_it_are_ignored(raw, kind):
    """A caller built against an older header never wrote past its sz:
    the library must not read there (the bytes are garbage to it)."""
    struct = KINDS[kind][1]
    sz = _older_size(struct)
    if sz >= sizeof(struct):
        pytest.skip("the last field sits in the older version's padding")
    htype, _, parent, _, _, fields = KINDS[kind]
    fields = dict(fields)
    if "src_cell" in fields:
        fields["src_cell"] = lib.vf_cell_id(raw.cell2)
    buf, opts = _raw_opts(struct, sz, 0, fields)
    ctypes.memset(ctypes.addressof(opts) + sz, 0x7f, sizeof(struct) - sz)
    before = _count(raw, kind)
    raw._make(kind, getattr(raw, parent), cast(buf, POINTER(struct)))
    assert _count(raw, kind) == before + 1


def test_fabric_opts_size_protocol():
    size = sizeof(_lib.FabricOpts) + 16
    for tail, ok in ((0, True), (0x33, False)):
        buf, opts = _raw_opts(_lib.FabricOpts, size, tail, {})
        fab = _lib.FabricP()
        if ok:
            lib.vf_fabric_create(byref(fab),
                                 cast(buf, POINTER(_lib.FabricOpts)))
            assert fab
            lib.vf_fabric_destroy(fab)
        else:
            with raises(errno.EINVAL):
                lib.vf_fabric_create(byref(fab),
                                     cast(buf, POINTER(_lib.FabricOpts)))
            assert not fab
    # An older struct (no log_level) with garbage where log_level would be.
    sz = _older_size(_lib.FabricOpts)
    buf, opts = _raw_opts(_lib.FabricOpts, sz, 0, {})
    ctypes.memset(ctypes.addressof(opts) + sz, 0x7f,
                  sizeof(_lib.FabricOpts) - sz)
    fab = _lib.FabricP()
    lib.vf_fabric_create(byref(fab), cast(buf, POINTER(_lib.FabricOpts)))
    lib.vf_fabric_destroy(fab)


def test_older_cell_opts_get_defaults(raw):
    """sz up to (excluding) vni: vni defaults to the cell id."""
    buf, opts = _raw_opts(_lib.CellOpts, _lib.CellOpts.vni.offset, 0,
                          {"id": 42})
    ctypes.memset(ctypes.addressof(opts) + _lib.CellOpts.vni.offset, 0x7f, 4)
    cell = raw._make("cell", raw.fabric, cast(buf, POINTER(_lib.CellOpts)))
    assert lib.vf_cell_id(cell) == 42
    assert lib.vf_cell_vni(cell) == 42


def test_rule_larger_sz_tail_protocol(raw):
    count = lambda: lib.vf_secgroup_rule_count(raw.secgroup)  # noqa: E731
    size = sizeof(_lib.Rule) + 16
    buf, rule = _raw_opts(_lib.Rule, size, 0x11, {"protocol": 6})
    with raises(errno.EINVAL):
        lib.vf_secgroup_add_rule(raw.secgroup, cast(buf, POINTER(_lib.Rule)))
    assert count() == 0
    buf, rule = _raw_opts(_lib.Rule, size, 0, {"protocol": 6})
    rid = lib.vf_secgroup_add_rule(raw.secgroup,
                                   cast(buf, POINTER(_lib.Rule)))
    assert rid >= 1 and count() == 1


def test_rule_read_back_respects_caller_sz(raw):
    """vf_secgroup_rule fills the out struct only up to out->sz."""
    r = _lib.new_opts(_lib.Rule, protocol=17, port_min=53, port_max=53)
    rid = lib.vf_secgroup_add_rule(raw.secgroup, byref(r))
    size = sizeof(_lib.Rule) + 16
    buf = (ctypes.c_uint8 * (size + 8))(*([0xee] * (size + 8)))
    out = _lib.Rule.from_buffer(buf)
    older = _older_size(_lib.Rule)  # an older caller: no port_max
    out.sz = older
    assert lib.vf_secgroup_rule(raw.secgroup, 0, byref(out)) == rid
    assert (out.protocol, out.port_min) == (17, 53)
    assert bytes(buf[older:size + 8]) == b"\xee" * (size + 8 - older)


def test_opts_null_means_defaults(raw):
    cell = raw._make("cell", raw.fabric, None)
    assert lib.vf_cell_id(cell) == 3
    assert lib.vf_cell_name(cell) == b"cell3"
