"""Low level: loads libvfabric, mirrors its public types, declares every
function once.

Nothing here is API. The rest of the package calls the C functions as
attributes of :data:`lib` (``lib.vf_cell_create(...)``); each one has its
argtypes, restype and, when it returns ``int``, an errcheck that raises
:class:`~vfabric.errors.VfError` for a negative return.
"""

import ctypes
import os
from ctypes import (POINTER, CFUNCTYPE, Structure, c_bool, c_char_p, c_int,
                    c_size_t, c_uint, c_uint8, c_uint16, c_uint32, c_uint64,
                    c_void_p, sizeof)

from .enums import SUBNET_DNS_MAX
from .errors import VfError

#: The library version this binding was written for: same major, at least
#: this minor.
REQUIRED_MAJOR = 0
REQUIRED_MINOR = 1

#: Default library: the SONAME pins the ABI major.
DEFAULT_LIBRARY = "libvfabric.so.0"

# --------------------------------------------------------------------------
# Handles: one opaque Structure per object type, so ctypes refuses a cell
# where a port is expected.


class _Fabric(Structure):
    pass


class _Cell(Structure):
    pass


class _Subnet(Structure):
    pass


class _Router(Structure):
    pass


class _Port(Structure):
    pass


class _Policy(Structure):
    pass


class _SecGroup(Structure):
    pass


class _Worker(Structure):
    pass


FabricP = POINTER(_Fabric)
CellP = POINTER(_Cell)
SubnetP = POINTER(_Subnet)
RouterP = POINTER(_Router)
PortP = POINTER(_Port)
PolicyP = POINTER(_Policy)
SecGroupP = POINTER(_SecGroup)
WorkerP = POINTER(_Worker)


class _Ctl(Structure):
    pass


CtlP = POINTER(_Ctl)


def address(handle):
    """The address a handle points at (the registry key), or None."""
    return ctypes.cast(handle, c_void_p).value

# --------------------------------------------------------------------------
# Frozen value types (common.h).


class Mac(Structure):
    """vf_mac: six bytes in wire order."""
    _fields_ = [("addr", c_uint8 * 6)]


class Prefix(Structure):
    """vf_ipv4_prefix: address in host byte order, length 0..32."""
    _fields_ = [("addr", c_uint32),
                ("len", c_uint8),
                ("reserved_", c_uint8 * 3)]


# C enums are passed as int (every vf_ enum fits and is non-negative).
c_enum = c_int

# --------------------------------------------------------------------------
# Option structs. Each starts with size_t sz and ends with "size_t : 0;",
# which only aligns the end: sz already makes every struct 8-aligned, so the
# ctypes layouts below have the C sizes (tests/python/test_abi.py compares
# every size and offset with the C compiler's).

#: void (*vf_log_fn)(void *user_data, vf_log_level level, const char *msg)
LOG_FN = CFUNCTYPE(None, c_void_p, c_enum, c_char_p)


class FabricOpts(Structure):
    _fields_ = [("sz", c_size_t),
                ("host_name", c_char_p),
                ("host_mac", Mac),
                ("host_ip", c_uint32),
                ("wire_mode", c_enum),
                ("log_fn", LOG_FN),
                ("log_user_data", c_void_p),
                ("log_level", c_enum)]


class CellOpts(Structure):
    _fields_ = [("sz", c_size_t),
                ("id", c_uint32),
                ("name", c_char_p),
                ("owner", c_char_p),
                ("intra_cell", c_enum),
                ("inter_cell", c_enum),
                ("vni", c_uint32)]


class SubnetOpts(Structure):
    _fields_ = [("sz", c_size_t),
                ("id", c_uint32),
                ("name", c_char_p),
                ("kind", c_enum),
                ("prefix", Prefix),
                ("gateway", c_uint32),
                ("dhcp_start", c_uint32),
                ("dhcp_end", c_uint32),
                ("lease_time", c_uint32),
                ("dns", c_uint32 * SUBNET_DNS_MAX),
                ("domain", c_char_p),
                ("mtu", c_uint32),
                ("dhcp", c_enum)]


class RouterOpts(Structure):
    _fields_ = [("sz", c_size_t),
                ("name", c_char_p)]


class PortOpts(Structure):
    _fields_ = [("sz", c_size_t),
                ("name", c_char_p),
                ("id", c_uint32),
                ("vip", c_uint32),
                ("vmac", Mac),
                ("flags", c_uint32)]


class Rule(Structure):
    """vf_rule (versioned like an option struct)."""
    _fields_ = [("sz", c_size_t),
                ("direction", c_enum),
                ("remote", Prefix),
                ("protocol", c_uint8),
                ("port_min", c_uint16),
                ("port_max", c_uint16)]


class SecGroupOpts(Structure):
    _fields_ = [("sz", c_size_t),
                ("id", c_uint32),
                ("name", c_char_p)]


class PolicyOpts(Structure):
    _fields_ = [("sz", c_size_t),
                ("id", c_uint32),
                ("name", c_char_p),
                ("src_cell", c_uint32),
                ("src", Prefix),
                ("dst", Prefix),
                ("protocol", c_uint8),
                ("port_min", c_uint16),
                ("port_max", c_uint16)]


class PortStats(Structure):
    """vf_port_stats (versioned like an option struct; read back)."""
    _fields_ = [("sz", c_size_t),
                ("rx_packets", c_uint64),
                ("rx_bytes", c_uint64),
                ("tx_packets", c_uint64),
                ("tx_bytes", c_uint64),
                ("drops", c_uint64)]


class Location(Structure):
    """vf_location (versioned like an option struct)."""
    _fields_ = [("sz", c_size_t),
                ("cell_id", c_uint32),
                ("vip", c_uint32),
                ("vmac", Mac),
                ("subnet_id", c_uint32),
                ("host_mac", Mac),
                ("host_ip", c_uint32),
                ("version", c_uint64)]


class LocationStats(Structure):
    """vf_location_stats (location.h; versioned, read back)."""
    _fields_ = [("sz", c_size_t)] + [(name, c_uint64) for name in (
        "sets", "deletes", "migrations", "forwarded", "forward_drops",
        "events", "events_dropped")]


class MigrateOpts(Structure):
    """vf_migrate_opts (location.h)."""
    _fields_ = [("sz", c_size_t),
                ("host_mac", Mac),
                ("reserved_", c_uint16),
                ("host_ip", c_uint32),
                ("grace_ms", c_uint32)]


class BindOpts(Structure):
    """vf_bind_opts (datapath.h)."""
    _fields_ = [("sz", c_size_t),
                ("datapath", c_char_p),
                ("ifname", c_char_p),
                ("flags", c_uint32),
                ("reserved_", c_uint32),
                ("peer", c_char_p),
                ("netns", c_char_p)]


class WorkerOpts(Structure):
    """vf_worker_opts (datapath.h)."""
    _fields_ = [("sz", c_size_t),
                ("batch", c_uint32),
                ("reserved_", c_uint32)]


class DatapathStats(Structure):
    """vf_datapath_stats (sys/datapath.h; versioned, read back)."""
    _fields_ = [("sz", c_size_t),
                ("rx_packets", c_uint64),
                ("rx_bytes", c_uint64),
                ("rx_dropped", c_uint64),
                ("tx_packets", c_uint64),
                ("tx_bytes", c_uint64),
                ("tx_dropped", c_uint64),
                ("link_downs", c_uint64)]


class Frame(Structure):
    """vf_frame (common.h; frozen)."""
    _fields_ = [("data", c_void_p),
                ("len", c_uint32),
                ("flags", c_uint32)]


class EndpointInfo(Structure):
    """vf_endpoint_info (sys/datapath.h)."""
    _fields_ = [("sz", c_size_t),
                ("name", c_char_p),
                ("port", c_char_p),
                ("flags", c_uint32),
                ("mtu", c_uint32),
                ("mac", Mac),
                ("reserved_", c_uint16)]


#: The operations of vf_datapath_ops (sys/datapath.h), for a datapath
#: written in Python.
DP_OPEN_FN = CFUNCTYPE(c_int, POINTER(c_void_p), POINTER(EndpointInfo), c_void_p)
DP_CLOSE_FN = CFUNCTYPE(None, c_void_p)
DP_FD_FN = CFUNCTYPE(c_int, c_void_p)
DP_RX_FN = CFUNCTYPE(c_int, c_void_p, POINTER(Frame), c_int)
DP_RX_RELEASE_FN = CFUNCTYPE(None, c_void_p)
DP_TX_FN = CFUNCTYPE(c_int, c_void_p, POINTER(Frame), c_int)
DP_STATS_FN = CFUNCTYPE(c_int, c_void_p, POINTER(DatapathStats))
DP_FLUSH_FN = CFUNCTYPE(c_int, c_void_p)


class DatapathOps(Structure):
    """vf_datapath_ops (sys/datapath.h)."""
    _fields_ = [("sz", c_size_t),
                ("name", c_char_p),
                ("flags", c_uint32),
                ("reserved_", c_uint32),
                ("open", DP_OPEN_FN),
                ("close", DP_CLOSE_FN),
                ("fd", DP_FD_FN),
                ("rx", DP_RX_FN),
                ("rx_release", DP_RX_RELEASE_FN),
                ("tx", DP_TX_FN),
                ("stats", DP_STATS_FN),
                ("flush", DP_FLUSH_FN)]


#: void (*vf_output_fn)(void *user_data, vf_port *port,
#:                      const uint8_t *frame, size_t len)
#: (the frame arrives as an address: ctypes.string_at copies it).
OUTPUT_FN = CFUNCTYPE(None, c_void_p, PortP, c_void_p, c_size_t)


class CtlOpts(Structure):
    """vf_ctl_opts (ctl.h)."""
    _fields_ = [("sz", c_size_t),
                ("path", c_char_p),
                ("flags", c_uint32),
                ("allow_uid", c_uint32),
                ("allow_gid", c_uint32),
                ("mode", c_uint32),
                ("max_msg", c_uint32),
                ("max_clients", c_uint32),
                ("idle_ms", c_uint32),
                ("reserved_", c_uint32)]


class CtlStatsC(Structure):
    """vf_ctl_stats (ctl.h; versioned, read back)."""
    _fields_ = [("sz", c_size_t),
                ("clients", c_uint64),
                ("accepted", c_uint64),
                ("refused", c_uint64),
                ("busy", c_uint64),
                ("requests", c_uint64),
                ("bad", c_uint64),
                ("timeouts", c_uint64)]


class GossipTag(Structure):
    """vf_gossip_tag (gossip.h)."""
    _fields_ = [("key", c_char_p),
                ("value", c_char_p)]


class GossipOpts(Structure):
    """vf_gossip_opts (gossip.h)."""
    _fields_ = [("sz", c_size_t),
                ("bind_addr", c_char_p),
                ("advertise_addr", c_char_p),
                ("node_name", c_char_p),
                ("role", c_char_p),
                ("tags", POINTER(GossipTag)),
                ("keys", POINTER(c_void_p)),
                ("ntags", c_uint32),
                ("nkeys", c_uint32),
                ("bind_port", c_uint16),
                ("advertise_port", c_uint16),
                ("profile", c_enum),
                ("probe_interval_ms", c_uint32),
                ("probe_timeout_ms", c_uint32),
                ("gossip_interval_ms", c_uint32),
                ("push_pull_ms", c_uint32),
                ("flags", c_uint32),
                ("reserved_", c_uint32)]


class GossipMemberC(Structure):
    """vf_gossip_member (gossip.h; versioned, read back)."""
    _fields_ = [("sz", c_size_t),
                ("name", c_char_p),
                ("addr", ctypes.c_char * 46),
                ("port", c_uint16),
                ("state", c_enum),
                ("incarnation", c_uint32),
                ("ntags", c_uint32),
                ("tags", POINTER(GossipTag)),
                ("protocol_max", c_uint8),
                ("delegate_cur", c_uint8),
                ("self", c_bool)]


class GossipStatsC(Structure):
    """vf_gossip_stats (gossip.h; versioned, read back)."""
    _fields_ = [("sz", c_size_t)] + [(name, c_uint64) for name in (
        "packets_in", "packets_out", "bytes_in", "bytes_out", "streams_in",
        "streams_out", "bad_malformed", "bad_crc", "bad_decrypt",
        "bad_oversized", "bad_unknown_type", "bad_unknown_node",
        "bad_stream", "send_errors", "probes", "probe_failures",
        "suspicions", "refutes", "push_pulls", "awareness", "queries_in",
        "queries_acked", "queries_answered", "queries_malformed",
        "queries_relayed", "stale_members", "records_in", "records_stale",
        "queries_duplicate", "records_expired")]


#: void (*vf_gossip_event_fn)(vf_fabric *fabric, vf_gossip_event ev,
#:                            const vf_gossip_member *m, void *user_data)
LOCATION_EVENT_FN = CFUNCTYPE(None, FabricP, c_enum, POINTER(Location),
                              c_void_p)
GOSSIP_EVENT_FN = CFUNCTYPE(None, FabricP, c_enum, POINTER(GossipMemberC),
                            c_void_p)


#: C type name -> ctypes mirror (the layout test walks this).
STRUCTS = {
    "vf_mac": Mac,
    "vf_ipv4_prefix": Prefix,
    "vf_fabric_opts": FabricOpts,
    "vf_cell_opts": CellOpts,
    "vf_subnet_opts": SubnetOpts,
    "vf_router_opts": RouterOpts,
    "vf_port_opts": PortOpts,
    "vf_rule": Rule,
    "vf_secgroup_opts": SecGroupOpts,
    "vf_policy_opts": PolicyOpts,
    "vf_port_stats": PortStats,
    "vf_location": Location,
    "vf_location_stats": LocationStats,
    "vf_migrate_opts": MigrateOpts,
    "vf_bind_opts": BindOpts,
    "vf_worker_opts": WorkerOpts,
    "vf_datapath_stats": DatapathStats,
    "vf_frame": Frame,
    "vf_endpoint_info": EndpointInfo,
    "vf_datapath_ops": DatapathOps,
    "vf_ctl_opts": CtlOpts,
    "vf_ctl_stats": CtlStatsC,
    "vf_gossip_opts": GossipOpts,
    "vf_gossip_member": GossipMemberC,
    "vf_gossip_stats": GossipStatsC,
}


def new_opts(cls, **fields):
    """An option struct with .sz = sizeof and the given fields, the rest
    zero (which always means "default")."""
    opts = cls(**fields)
    opts.sz = sizeof(cls)
    return opts

# --------------------------------------------------------------------------
# Errors.

lib = None  # the loaded CDLL, set by _load()


def error_from(rc, function=None):
    """The VfError for return code rc (negative), with the thread's detailed
    message. Must run right after the failed call, on the same thread."""
    code = -rc if rc < 0 else rc
    msg = lib.vf_last_error()
    msg = msg.decode("utf-8", "replace") if msg else ""
    if not msg:
        text = lib.vf_strerror(-code)
        msg = text.decode("utf-8", "replace") if text else os.strerror(code)
    return VfError(code, msg, function)


def _check(result, func, args):
    """errcheck of every int-returning function: negative means -errno."""
    if result < 0:
        raise error_from(result, func.__name__)
    return result

def _check_timeout(result, func, args):
    """errcheck of vf_fabric_timeout_ms: -1 means "no timer", not -EPERM;
    anything below it is -errno."""
    if result < -1:
        raise error_from(result, func.__name__)
    return result

# --------------------------------------------------------------------------
# The prototype table: (name, argtypes, restype, errcheck).

_I = c_int
_C = _check
u32 = c_uint32
size = c_size_t

FUNCTIONS = [
    # vfabric.h
    ("vf_version", [], c_uint, None),
    ("vf_version_string", [], c_char_p, None),
    # error.h
    ("vf_strerror", [c_int], c_char_p, None),
    ("vf_last_error", [], c_char_p, None),
    # common.h
    ("vf_ipv4_parse", [POINTER(u32), c_char_p], _I, _C),
    ("vf_ipv4_format", [c_char_p, size, u32], _I, _C),
    ("vf_prefix_parse", [POINTER(Prefix), c_char_p], _I, _C),
    ("vf_prefix_format", [c_char_p, size, POINTER(Prefix)], _I, _C),
    ("vf_mac_parse", [POINTER(Mac), c_char_p], _I, _C),
    ("vf_mac_format", [c_char_p, size, POINTER(Mac)], _I, _C),
    # fabric.h
    ("vf_fabric_create", [POINTER(FabricP), POINTER(FabricOpts)], _I, _C),
    ("vf_fabric_destroy", [FabricP], None, None),
    ("vf_fabric_host_name", [FabricP], c_char_p, None),
    ("vf_fabric_host_mac", [FabricP], Mac, None),
    ("vf_fabric_host_ip", [FabricP], u32, None),
    ("vf_fabric_wire_mode", [FabricP], c_enum, None),
    ("vf_fabric_set_host_mac", [FabricP, POINTER(Mac)], _I, _C),
    ("vf_fabric_set_host_ip", [FabricP, u32], _I, _C),
    ("vf_fabric_set_log", [FabricP, LOG_FN, c_void_p, c_enum], _I, _C),
    ("vf_fabric_cell_count", [FabricP], size, None),
    ("vf_fabric_port_count", [FabricP], size, None),
    ("vf_fabric_next_cell", [FabricP, CellP], CellP, None),
    ("vf_fabric_cell_by_id", [FabricP, u32], CellP, None),
    ("vf_fabric_cell_by_name", [FabricP, c_char_p], CellP, None),
    ("vf_fabric_port_by_name", [FabricP, c_char_p], PortP, None),
    ("vf_fabric_set_user_data", [FabricP, c_void_p], None, None),
    ("vf_fabric_user_data", [FabricP], c_void_p, None),
    # cell.h
    ("vf_cell_create", [POINTER(CellP), FabricP, POINTER(CellOpts)], _I, _C),
    ("vf_cell_destroy", [CellP], None, None),
    ("vf_cell_fabric", [CellP], FabricP, None),
    ("vf_cell_id", [CellP], u32, None),
    ("vf_cell_name", [CellP], c_char_p, None),
    ("vf_cell_owner", [CellP], c_char_p, None),
    ("vf_cell_vni", [CellP], u32, None),
    ("vf_cell_intra_cell", [CellP], c_enum, None),
    ("vf_cell_inter_cell", [CellP], c_enum, None),
    ("vf_cell_set_name", [CellP, c_char_p], _I, _C),
    ("vf_cell_set_owner", [CellP, c_char_p], _I, _C),
    ("vf_cell_set_intra_cell", [CellP, c_enum], _I, _C),
    ("vf_cell_set_inter_cell", [CellP, c_enum], _I, _C),
    ("vf_cell_subnet_count", [CellP], size, None),
    ("vf_cell_port_count", [CellP], size, None),
    ("vf_cell_next_subnet", [CellP, SubnetP], SubnetP, None),
    ("vf_cell_subnet_by_id", [CellP, u32], SubnetP, None),
    ("vf_cell_subnet_by_name", [CellP, c_char_p], SubnetP, None),
    ("vf_cell_port_by_vip", [CellP, u32], PortP, None),
    ("vf_cell_router", [CellP], RouterP, None),
    ("vf_cell_set_user_data", [CellP, c_void_p], None, None),
    ("vf_cell_user_data", [CellP], c_void_p, None),
    # subnet.h
    ("vf_subnet_create", [POINTER(SubnetP), CellP, POINTER(SubnetOpts)],
     _I, _C),
    ("vf_subnet_destroy", [SubnetP], None, None),
    ("vf_subnet_cell", [SubnetP], CellP, None),
    ("vf_subnet_id", [SubnetP], u32, None),
    ("vf_subnet_name", [SubnetP], c_char_p, None),
    ("vf_subnet_kind_of", [SubnetP], c_enum, None),
    ("vf_subnet_prefix", [SubnetP], Prefix, None),
    ("vf_subnet_gateway", [SubnetP], u32, None),
    ("vf_subnet_dhcp_start", [SubnetP], u32, None),
    ("vf_subnet_dhcp_end", [SubnetP], u32, None),
    ("vf_subnet_lease_time", [SubnetP], u32, None),
    ("vf_subnet_mtu", [SubnetP], u32, None),
    ("vf_subnet_dhcp_enabled", [SubnetP], c_bool, None),
    ("vf_subnet_domain", [SubnetP], c_char_p, None),
    ("vf_subnet_dns", [SubnetP, POINTER(u32), size], _I, _C),
    ("vf_subnet_set_dhcp_range", [SubnetP, u32, u32], _I, _C),
    ("vf_subnet_set_lease_time", [SubnetP, u32], _I, _C),
    ("vf_subnet_set_mtu", [SubnetP, u32], _I, _C),
    ("vf_subnet_set_dhcp", [SubnetP, c_enum], _I, _C),
    ("vf_subnet_set_domain", [SubnetP, c_char_p], _I, _C),
    ("vf_subnet_set_dns", [SubnetP, POINTER(u32), size], _I, _C),
    ("vf_subnet_port_count", [SubnetP], size, None),
    ("vf_subnet_next_port", [SubnetP, PortP], PortP, None),
    ("vf_subnet_port_by_id", [SubnetP, u32], PortP, None),
    ("vf_subnet_router", [SubnetP], RouterP, None),
    ("vf_subnet_set_user_data", [SubnetP, c_void_p], None, None),
    ("vf_subnet_user_data", [SubnetP], c_void_p, None),
    # router.h
    ("vf_router_create", [POINTER(RouterP), CellP, POINTER(RouterOpts)],
     _I, _C),
    ("vf_router_destroy", [RouterP], None, None),
    ("vf_router_cell", [RouterP], CellP, None),
    ("vf_router_name", [RouterP], c_char_p, None),
    ("vf_router_attach", [RouterP, SubnetP, POINTER(Mac)], _I, _C),
    ("vf_router_detach", [RouterP, SubnetP], _I, _C),
    ("vf_router_iface_count", [RouterP], size, None),
    ("vf_router_next_subnet", [RouterP, SubnetP], SubnetP, None),
    ("vf_router_iface_mac", [RouterP, SubnetP, POINTER(Mac)], _I, _C),
    ("vf_router_add_route", [RouterP, POINTER(Prefix), u32], _I, _C),
    ("vf_router_del_route", [RouterP, POINTER(Prefix)], _I, _C),
    ("vf_router_route_count", [RouterP], size, None),
    ("vf_router_route", [RouterP, size, POINTER(Prefix), POINTER(u32)],
     _I, _C),
    ("vf_router_set_user_data", [RouterP, c_void_p], None, None),
    ("vf_router_user_data", [RouterP], c_void_p, None),
    # port.h
    ("vf_port_create", [POINTER(PortP), SubnetP, POINTER(PortOpts)], _I, _C),
    ("vf_port_destroy", [PortP], None, None),
    ("vf_port_subnet", [PortP], SubnetP, None),
    ("vf_port_cell", [PortP], CellP, None),
    ("vf_port_id", [PortP], u32, None),
    ("vf_port_name", [PortP], c_char_p, None),
    ("vf_port_vip", [PortP], u32, None),
    ("vf_port_vmac", [PortP], Mac, None),
    ("vf_port_admin_up", [PortP], c_bool, None),
    ("vf_port_set_admin_up", [PortP, c_bool], _I, _C),
    ("vf_port_set_qos", [PortP, c_enum, c_uint64, u32], _I, _C),
    ("vf_port_qos", [PortP, c_enum, POINTER(c_uint64), POINTER(u32)],
     _I, _C),
    ("vf_port_add_secgroup", [PortP, SecGroupP], _I, _C),
    ("vf_port_del_secgroup", [PortP, SecGroupP], _I, _C),
    ("vf_port_secgroup_count", [PortP], size, None),
    ("vf_port_secgroup_at", [PortP, size], SecGroupP, None),
    ("vf_port_set_user_data", [PortP, c_void_p], None, None),
    ("vf_port_user_data", [PortP], c_void_p, None),
    # policy.h
    ("vf_secgroup_create",
     [POINTER(SecGroupP), CellP, POINTER(SecGroupOpts)], _I, _C),
    ("vf_secgroup_destroy", [SecGroupP], None, None),
    ("vf_secgroup_cell", [SecGroupP], CellP, None),
    ("vf_secgroup_id", [SecGroupP], u32, None),
    ("vf_secgroup_name", [SecGroupP], c_char_p, None),
    ("vf_secgroup_add_rule", [SecGroupP, POINTER(Rule)], _I, _C),
    ("vf_secgroup_del_rule", [SecGroupP, u32], _I, _C),
    ("vf_secgroup_rule_count", [SecGroupP], size, None),
    ("vf_secgroup_rule", [SecGroupP, size, POINTER(Rule)], _I, _C),
    ("vf_cell_secgroup_count", [CellP], size, None),
    ("vf_cell_next_secgroup", [CellP, SecGroupP], SecGroupP, None),
    ("vf_cell_secgroup_by_id", [CellP, u32], SecGroupP, None),
    ("vf_cell_secgroup_by_name", [CellP, c_char_p], SecGroupP, None),
    ("vf_policy_create", [POINTER(PolicyP), CellP, POINTER(PolicyOpts)],
     _I, _C),
    ("vf_policy_destroy", [PolicyP], None, None),
    ("vf_policy_cell", [PolicyP], CellP, None),
    ("vf_policy_id", [PolicyP], u32, None),
    ("vf_policy_name", [PolicyP], c_char_p, None),
    ("vf_policy_get", [PolicyP, POINTER(PolicyOpts)], _I, _C),
    ("vf_cell_policy_count", [CellP], size, None),
    ("vf_cell_next_policy", [CellP, PolicyP], PolicyP, None),
    ("vf_cell_policy_by_id", [CellP, u32], PolicyP, None),
    ("vf_cell_policy_by_name", [CellP, c_char_p], PolicyP, None),
    ("vf_secgroup_set_user_data", [SecGroupP, c_void_p], None, None),
    ("vf_secgroup_user_data", [SecGroupP], c_void_p, None),
    ("vf_policy_set_user_data", [PolicyP, c_void_p], None, None),
    ("vf_policy_user_data", [PolicyP], c_void_p, None),
    # location.h
    ("vf_location_set", [FabricP, POINTER(Location)], _I, _C),
    ("vf_location_del", [FabricP, u32, u32], _I, _C),
    ("vf_location_get", [FabricP, u32, u32, POINTER(Location)], _I, _C),
    ("vf_location_count", [FabricP], size, None),
    ("vf_location_next", [FabricP, POINTER(size), POINTER(Location)], _I, _C),
    ("vf_location_set_event_fn", [FabricP, LOCATION_EVENT_FN, c_void_p], _I,
     _C),
    ("vf_location_stats_get", [FabricP, POINTER(LocationStats)], _I, _C),
    ("vf_port_migrate", [PortP, POINTER(MigrateOpts)], _I, _C),
    # pipeline.h. Frames go in as c_void_p (bytes pass as their buffer);
    # vf_trace's text comes back as a c_void_p so that it can be freed
    # with vf_free() after ctypes.string_at() has copied it.
    ("vf_drop_reason_name", [c_enum], c_char_p, None),
    ("vf_fabric_set_output", [FabricP, OUTPUT_FN, c_void_p], _I, _C),
    ("vf_port_inject", [PortP, c_void_p, size], _I, _C),
    ("vf_fabric_inject_underlay", [FabricP, c_void_p, size], _I, _C),
    ("vf_port_inject_batch", [PortP, POINTER(Frame), c_uint], _I, _C),
    ("vf_fabric_inject_underlay_batch", [FabricP, POINTER(Frame), c_uint],
     _I, _C),
    ("vf_port_stats_get", [PortP, POINTER(PortStats)], _I, _C),
    ("vf_port_drops", [PortP, c_enum], c_uint64, None),
    ("vf_fabric_drops", [FabricP, c_enum], c_uint64, None),
    ("vf_trace", [FabricP, PortP, c_void_p, size, POINTER(c_void_p)],
     _I, _C),
    ("vf_free", [c_void_p], None, None),
    # loop.h
    ("vf_fabric_fd", [FabricP], _I, _C),
    ("vf_fabric_timeout_ms", [FabricP], _I, _check_timeout),
    ("vf_fabric_process", [FabricP], _I, _C),
    ("vf_fabric_run", [FabricP, c_int], _I, _C),
    ("vf_fabric_wakeup", [FabricP], _I, _C),
    ("vf_fabric_wakeups", [FabricP], c_uint64, None),
    ("vf_fabric_thread_start", [FabricP], _I, _C),
    ("vf_fabric_thread_stop", [FabricP], _I, _C),
    ("vf_fabric_lock", [FabricP], None, None),
    ("vf_fabric_unlock", [FabricP], None, None),
    # datapath.h, sys/datapath.h
    ("vf_port_bind", [PortP, POINTER(BindOpts)], _I, _C),
    ("vf_port_unbind", [PortP], _I, _C),
    ("vf_port_datapath", [PortP], c_char_p, None),
    ("vf_port_ifname", [PortP], c_char_p, None),
    ("vf_port_link_up", [PortP], c_bool, None),
    ("vf_port_datapath_stats", [PortP, POINTER(DatapathStats)], _I, _C),
    ("vf_fabric_bind_underlay", [FabricP, POINTER(BindOpts)], _I, _C),
    ("vf_fabric_unbind_underlay", [FabricP], _I, _C),
    ("vf_fabric_underlay_stats", [FabricP, POINTER(DatapathStats)], _I, _C),
    ("vf_worker_create", [POINTER(WorkerP), FabricP, POINTER(WorkerOpts)],
     _I, _C),
    ("vf_worker_destroy", [WorkerP], None, None),
    ("vf_worker_fd", [WorkerP], _I, _C),
    ("vf_worker_poll", [WorkerP, c_int], _I, _C),
    ("vf_worker_frames", [WorkerP], c_uint64, None),
    ("vf_fabric_workers_start", [FabricP, c_uint, POINTER(c_int)], _I, _C),
    ("vf_fabric_workers_stop", [FabricP], _I, _C),
    ("vf_datapath_register", [FabricP, POINTER(DatapathOps), c_void_p],
     _I, _C),
    ("vf_datapath_unregister", [FabricP, c_char_p], _I, _C),
    ("vf_datapath_error", [c_int, c_char_p], _I, None),
    # ctl.h. Text results come back as c_void_p, copied with
    # ctypes.string_at() and then freed with vf_free().
    ("vf_fabric_ctl_listen", [FabricP, POINTER(CtlOpts)], _I, _C),
    ("vf_fabric_ctl_close", [FabricP], _I, _C),
    ("vf_fabric_ctl_stats", [FabricP, POINTER(CtlStatsC)], _I, _C),
    ("vf_ctl_connect", [POINTER(CtlP), c_char_p], _I, _C),
    ("vf_ctl_close", [CtlP], None, None),
    ("vf_ctl_set_timeout", [CtlP, c_int], _I, _C),
    ("vf_ctl_host_name", [CtlP], c_char_p, None),
    ("vf_ctl_attach", [CtlP, c_char_p, c_char_p, POINTER(PortOpts),
                       POINTER(BindOpts), POINTER(c_void_p)], _I, _C),
    ("vf_ctl_detach", [CtlP, c_char_p], _I, _C),
    ("vf_ctl_list", [CtlP, POINTER(c_void_p)], _I, _C),
    ("vf_ctl_counters", [CtlP, c_char_p, POINTER(c_void_p)], _I, _C),
    ("vf_ctl_trace", [CtlP, c_char_p, c_void_p, size, POINTER(c_void_p)],
     _I, _C),
    ("vf_ctl_locations", [CtlP, POINTER(c_void_p)], _I, _C),
    ("vf_ctl_members", [CtlP, POINTER(c_void_p)], _I, _C),
    # gossip.h. Seeds go as an array of c_void_p (char pointers).
    ("vf_gossip_start", [FabricP, POINTER(GossipOpts)], _I, _C),
    ("vf_gossip_join", [FabricP, POINTER(c_void_p), size], _I, _C),
    ("vf_gossip_leave", [FabricP], _I, _C),
    ("vf_gossip_stop", [FabricP], _I, _C),
    ("vf_gossip_status_get", [FabricP], c_enum, None),
    ("vf_gossip_member_count", [FabricP], _I, _C),
    ("vf_gossip_member_get", [FabricP, size, POINTER(GossipMemberC)], _I,
     _C),
    ("vf_gossip_member_find", [FabricP, c_char_p, POINTER(GossipMemberC)],
     _I, _C),
    ("vf_gossip_set_event_fn", [FabricP, GOSSIP_EVENT_FN, c_void_p], _I,
     _C),
    ("vf_gossip_stats_get", [FabricP, POINTER(GossipStatsC)], _I, _C),
    ("vf_gossip_key_install", [FabricP, c_char_p], _I, _C),
    ("vf_gossip_key_use", [FabricP, c_char_p], _I, _C),
    ("vf_gossip_key_remove", [FabricP, c_char_p], _I, _C),
    ("vf_gossip_key_count", [FabricP], _I, _C),
]

#: Functions newer than REQUIRED_MINOR, name -> the minor that added them.
#: A library without one still loads; FEATURES[name] says whether it is
#: there and lib.<name> is then absent.
OPTIONAL = {}

#: name -> bool for the OPTIONAL functions.
FEATURES = {}

#: The library's version as (major, minor, patch); set on load.
version_info = None
#: The path or name it was loaded from.
library_path = None


def _load():
    global lib, version_info, library_path
    path = os.environ.get("VFABRIC_LIBRARY") or DEFAULT_LIBRARY
    need = "libvfabric %d.%d or newer (ABI %d)" % (
        REQUIRED_MAJOR, REQUIRED_MINOR, REQUIRED_MAJOR)
    try:
        dll = ctypes.CDLL(path, use_errno=True)
    except OSError as exc:
        raise ImportError(
            "vfabric: cannot load %r (%s); the binding needs %s: install "
            "it or set VFABRIC_LIBRARY to the library's path"
            % (path, exc, need)) from None

    try:
        vf_version = dll.vf_version
    except AttributeError:
        raise ImportError("vfabric: %r has no vf_version(): not libvfabric; "
                          "the binding needs %s" % (path, need)) from None
    vf_version.argtypes = []
    vf_version.restype = c_uint
    hexv = vf_version()
    major, minor, patch = hexv >> 16, (hexv >> 8) & 0xff, hexv & 0xff
    if major != REQUIRED_MAJOR or minor < REQUIRED_MINOR:
        raise ImportError(
            "vfabric: %r is libvfabric %d.%d.%d; this binding needs %s"
            % (path, major, minor, patch, need))

    for name, argtypes, restype, errcheck in FUNCTIONS:
        try:
            func = getattr(dll, name)
        except AttributeError:
            since = OPTIONAL.get(name)
            if since is not None and since > minor:
                FEATURES[name] = False
                continue
            raise ImportError(
                "vfabric: %r (libvfabric %d.%d.%d) lacks %s(); the binding "
                "needs %s" % (path, major, minor, patch, name, need)) from None
        func.argtypes = argtypes
        func.restype = restype
        if errcheck is not None:
            func.errcheck = errcheck
        if name in OPTIONAL:
            FEATURES[name] = True

    lib = dll
    version_info = (major, minor, patch)
    library_path = path


_load()
