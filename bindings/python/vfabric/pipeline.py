"""The pipeline's Python side (pipeline.h, location.h): frames in and out,
drop reasons, port counters, locations.

The methods that use these helpers live on their objects:
:meth:`Port.inject`, :attr:`Port.stats`, :meth:`Port.drops`,
:meth:`Fabric.set_output`, :meth:`Fabric.inject_underlay`,
:meth:`Fabric.trace`, :meth:`Fabric.drops` and the ``*location*``
methods of :class:`Fabric`.

Frames are whole Ethernet frames. Going in, any bytes-like object is
accepted (``bytes``, ``bytearray``, ``memoryview``), or any object with
``__bytes__`` (a scapy packet); coming out, they are ``bytes``.
"""

import ctypes
import enum
import errno
from collections import namedtuple
from ctypes import byref, c_void_p, sizeof

from . import addr
from ._lib import OUTPUT_FN, lib
from ._lib import Location as _CLocation, PortStats as _CPortStats
from ._lib import LocationStats as _CLocationStats, MigrateOpts as _CMigrateOpts
from ._object import trampoline, u32
from .enums import DropReason, from_c, to_c
from .errors import VfError

__all__ = ["drop_reason_name", "PortStats", "Location", "LocationEvent"]

#: A port's counters (:attr:`Port.stats`): ``rx_packets``/``rx_bytes``,
#: what its VM sent into the pipeline; ``tx_packets``/``tx_bytes``, what
#: was delivered to it; ``drops``, its frames dropped for any reason.
PortStats = namedtuple("PortStats",
                       "rx_packets rx_bytes tx_packets tx_bytes drops")

#: A VM's location (:meth:`Fabric.location`): ``cell_id`` and
#: ``subnet_id`` (int), ``vip`` ("a.b.c.d"), ``vmac`` and ``host_mac``
#: ("xx:..."), ``host_ip`` ("a.b.c.d" or None when unknown), ``version``
#: (int; 0 for static locations).
Location = namedtuple("Location",
                      "cell_id vip vmac subnet_id host_mac host_ip version")


def reason_in(reason):
    """A vf_drop_reason argument: a DropReason, an int, or a name
    ("spoof-ip", as vf_drop_reason_name() says it, or "SPOOF_IP")."""
    return to_c(DropReason, reason, "reason")


def drop_reason_name(reason):
    """The library's stable name of a drop reason, e.g. "spoof-ip"
    (vf_drop_reason_name); "unknown" for a value it does not know."""
    return lib.vf_drop_reason_name(reason_in(reason)).decode("ascii")


def frame_in(frame):
    """A frame argument as bytes: bytes-like objects, or objects with
    ``__bytes__`` (scapy packets). The library checks its length (14 to
    65535 bytes; VfError EINVAL otherwise)."""
    if isinstance(frame, (bytes, bytearray, memoryview)) or \
            hasattr(type(frame), "__bytes__"):
        return bytes(frame)
    raise TypeError("frame: expected bytes, not %s" % type(frame).__name__)


def inject(function, handle, frame):
    """Frames in: calls ``function(handle, data, len)`` (vf_port_inject or
    vf_fabric_inject_underlay) with ``frame`` as bytes; returns the number
    of frames the pipeline sent."""
    data = frame_in(frame)
    return function(handle, data, len(data))


def output_callback(fabric, fn):
    """Frames out: the C output callback of ``fabric`` calling
    ``fn(port, frame)``: ``port`` is the destination Port (from the
    fabric's registry) or None for the underlay, ``frame`` a copy of the
    frame as bytes. Exceptions follow the callback rules of
    :mod:`vfabric._object`."""
    def body(fab, user_data, port, frame, length):
        fn(fab._lookup(port) if port and fab is not None else None,
           ctypes.string_at(frame, length))
    return OUTPUT_FN(trampoline(fabric, body))


def trace(fabric_h, port_h, frame):
    """vf_trace(): (verdict as a DropReason, text); the library's copy of
    the text is freed here."""
    data = frame_in(frame)
    text = c_void_p()
    verdict = lib.vf_trace(fabric_h, port_h, data, len(data), byref(text))
    try:
        out = ctypes.string_at(text.value).decode("utf-8", "replace")
    finally:
        lib.vf_free(text)
    return from_c(DropReason, verdict), out


def port_stats(port_h):
    """vf_port_stats_get() as a PortStats."""
    out = _CPortStats(sz=sizeof(_CPortStats))
    lib.vf_port_stats_get(port_h, byref(out))
    return PortStats(out.rx_packets, out.rx_bytes, out.tx_packets,
                     out.tx_bytes, out.drops)


def location_in(cell_id, vip, vmac, subnet_id, host_mac, host_ip, version):
    """The arguments of Fabric.set_location() as a vf_location."""
    if isinstance(version, bool) or not isinstance(version, int):
        raise TypeError("version: expected int, not %s"
                        % type(version).__name__)
    if not 0 <= version < 1 << 64:
        raise VfError(errno.EINVAL, "version: %d is out of range" % version)
    return _CLocation(sz=sizeof(_CLocation),
                     cell_id=cell_id_in(cell_id),
                     vip=addr.ip_in(vip, "vip", allow_none=False),
                     vmac=addr.mac_in(vmac, "vmac"),
                     subnet_id=_id_in(subnet_id, "Subnet", "subnet_id"),
                     host_mac=addr.mac_in(host_mac, "host_mac"),
                     host_ip=addr.ip_in(host_ip, "host_ip"),
                     version=version)


def location_out(loc):
    """A vf_location as a Location."""
    return Location(loc.cell_id, addr.ip_out(loc.vip, zero_is_none=False),
                    addr.mac_out(loc.vmac, zero_is_none=False),
                    loc.subnet_id,
                    addr.mac_out(loc.host_mac, zero_is_none=False),
                    addr.ip_out(loc.host_ip), loc.version)


class LocationEvent(enum.IntEnum):
    """vf_location_event: what changed in the table of other hosts' VMs."""
    SET = 1
    DELETED = 2


def location_stats(fabric_h):
    """vf_location_stats_get() as a dict."""
    st = _CLocationStats(sz=sizeof(_CLocationStats))
    lib.vf_location_stats_get(fabric_h, byref(st))
    return {name: getattr(st, name) for name, _ in _CLocationStats._fields_
            if name != "sz"}


def migrate_opts(host_mac, host_ip, grace_ms):
    """The arguments of Port.migrate() as a vf_migrate_opts."""
    if isinstance(grace_ms, bool) or not isinstance(grace_ms, int):
        raise TypeError("grace_ms: expected int, not %s"
                        % type(grace_ms).__name__)
    if not 0 <= grace_ms <= 0xffffffff:
        raise VfError(errno.EINVAL, "grace_ms: %d is out of range" % grace_ms)
    return _CMigrateOpts(sz=sizeof(_CMigrateOpts),
                         host_mac=addr.mac_in(host_mac, "host_mac"),
                         host_ip=addr.ip_in(host_ip, "host_ip"),
                         grace_ms=grace_ms)


def location_get(fabric_h, cell_id, vip):
    """vf_location_get() as a Location; VfError ENOENT if unknown."""
    out = _CLocation(sz=sizeof(_CLocation))
    lib.vf_location_get(fabric_h, cell_id_in(cell_id),
                        addr.ip_in(vip, "vip", allow_none=False), byref(out))
    return location_out(out)


def locations(fabric_h):
    """Every location of another host's VM (vf_location_next), a list."""
    out = _CLocation(sz=sizeof(_CLocation))
    cur = ctypes.c_size_t(0)
    found = []
    while lib.vf_location_next(fabric_h, byref(cur), byref(out)) > 0:
        found.append(location_out(out))
    return found


def _id_in(value, kind, what):
    """An id argument: an int, or the object of class ``kind`` ("Cell",
    "Subnet") whose id it is."""
    from . import cell, subnet
    cls = {"Cell": cell.Cell, "Subnet": subnet.Subnet}[kind]
    if isinstance(value, cls):
        return value.id
    return u32(value, what)


def cell_id_in(value):
    """A cell_id argument: an int or a Cell."""
    return _id_in(value, "Cell", "cell_id")
