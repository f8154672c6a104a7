"""Fabric: one host's instance of the fabric, the root of the model."""

import weakref
from ctypes import byref

from . import addr
from ._lib import LOG_FN, CellOpts, FabricOpts, FabricP, CellP, lib, new_opts
from ._lib import address
from ._object import _Object, _attach, dec, enc, lookup_key, u32
from .cell import Cell
from .enums import LogLevel, Verdict, WireMode, from_c, to_c
from .errors import VfError

__all__ = ["Fabric"]


def _make_log_callback(fabric, fn):
    """A C log callback calling fn(level, message). An exception fn raises
    cannot cross C; it is stored on the fabric and re-raised when the
    binding call during which it happened returns."""
    ref = weakref.ref(fabric)

    def trampoline(user_data, level, msg):
        fab = ref()
        if fab is not None:
            fab._in_log += 1
        try:
            fn(from_c(LogLevel, level),
               msg.decode("utf-8", "replace") if msg else "")
        except BaseException as exc:  # re-raised after the binding call
            if fab is not None and fab._pending is None:
                fab._pending = exc
        finally:
            if fab is not None:
                fab._in_log -= 1
    return LOG_FN(trampoline)


class Fabric(_Object):
    """One host's instance of the fabric (vf_fabric).

    ``Fabric(host_name=None, host_mac=None, host_ip=None,
    wire_mode=WireMode.REWRITE, log=None, log_level=LogLevel.ERROR)``

    ``log`` is ``callable(level: LogLevel, message: str)``; it runs
    synchronously inside the binding call that logs and must not call back
    into the fabric. If it raises, the exception is re-raised when that
    binding call returns (after the call's own work is done); if the call
    itself failed, its VfError propagates with the callback's exception as
    its ``__context__``.
    """

    _KIND = "fabric"
    _DESTROY = lib.vf_fabric_destroy
    _NAME = lib.vf_fabric_host_name

    def __init__(self, host_name=None, host_mac=None, host_ip=None,
                 wire_mode=WireMode.REWRITE, log=None,
                 log_level=LogLevel.ERROR):
        self._fabric = self
        self._handle = None
        self._label = host_name
        self._objects = {}
        self._pending = None
        self._depth = 0
        self._in_log = 0
        self._log = None
        self._log_cb = None
        opts = new_opts(FabricOpts,
                        host_name=enc(host_name, "host_name"),
                        host_mac=addr.mac_in(host_mac, "host_mac"),
                        host_ip=addr.ip_in(host_ip, "host_ip"),
                        wire_mode=to_c(WireMode, wire_mode, "wire_mode"),
                        log_level=to_c(LogLevel, log_level, "log_level"))
        cb = None
        if log is not None:
            if not callable(log):
                raise TypeError("log: expected a callable")
            cb = _make_log_callback(self, log)
            opts.log_fn = cb
        handle = FabricP()
        try:
            lib.vf_fabric_create(byref(handle), byref(opts))
        except VfError as exc:
            if self._pending is not None:
                pending, self._pending = self._pending, None
                _attach(exc, pending)
            raise
        self._log, self._log_cb = log, cb
        self._log_level = from_c(LogLevel, opts.log_level)
        self._adopt(handle, None, None)
        self._label = dec(lib.vf_fabric_host_name(handle))
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self._close()
            raise pending

    def _lookup(self, handle):
        if not handle:
            return None
        obj = self._objects.get(address(handle))
        if obj is None:
            raise RuntimeError("vfabric: the library returned a handle this "
                               "binding did not create")
        return obj

    # -- properties --------------------------------------------------------

    @property
    def host_name(self):
        """This host's name in the fabric."""
        return dec(lib.vf_fabric_host_name(self._h))

    @property
    def host_mac(self):
        """The host MAC (PMAC), or None while unknown. Settable."""
        return addr.mac_out(lib.vf_fabric_host_mac(self._h))

    @host_mac.setter
    def host_mac(self, mac):
        m = addr.mac_in(mac, "host_mac")
        lib.vf_fabric_set_host_mac(self._h, byref(m))

    @property
    def host_ip(self):
        """The host's underlay IPv4, or None while unknown. Settable."""
        return addr.ip_out(lib.vf_fabric_host_ip(self._h))

    @host_ip.setter
    def host_ip(self, ip):
        lib.vf_fabric_set_host_ip(self._h, addr.ip_in(ip, "host_ip"))

    @property
    def wire_mode(self):
        """WireMode, fixed at creation."""
        return from_c(WireMode, lib.vf_fabric_wire_mode(self._h))

    @property
    def log(self):
        """The log callable, or None."""
        return self._log

    @property
    def log_level(self):
        """The highest LogLevel passed to the log callable. Settable."""
        return self._log_level

    @log_level.setter
    def log_level(self, level):
        self.set_log(self._log, level)

    def set_log(self, fn, level=LogLevel.ERROR):
        """Replaces the log callable (None: silence) and level."""
        if fn is not None and not callable(fn):
            raise TypeError("log: expected a callable")
        level_c = to_c(LogLevel, level, "log_level")
        cb = _make_log_callback(self, fn) if fn is not None else None
        lib.vf_fabric_set_log(self._h, cb if cb is not None else LOG_FN(),
                              None, level_c)
        # The old callback object stays referenced until C stopped using it.
        self._log, self._log_cb = fn, cb
        self._log_level = from_c(LogLevel, level_c)

    @property
    def cell_count(self):
        return lib.vf_fabric_cell_count(self._h)

    @property
    def port_count(self):
        """Ports in all cells."""
        return lib.vf_fabric_port_count(self._h)

    @property
    def cells(self):
        """The cells, in creation order (a list)."""
        h = self._h
        out = []
        cur = lib.vf_fabric_next_cell(h, None)
        while cur:
            out.append(self._lookup(cur))
            cur = lib.vf_fabric_next_cell(h, cur)
        return out

    @property
    def ports(self):
        """Every port of every cell (a list)."""
        return [p for c in self.cells for p in c.ports]

    # -- look-ups and creation ---------------------------------------------

    def cell(self, key):
        """The Cell with this id (int) or name (str), or None."""
        kind, value = lookup_key(key, "cell")
        if kind == "id":
            if not 0 <= value <= 0xffffffff:
                return None
            return self._lookup(lib.vf_fabric_cell_by_id(self._h, value))
        return self._lookup(lib.vf_fabric_cell_by_name(self._h, value))

    def port(self, name):
        """The Port with this name (unique in the fabric), or None."""
        return self._lookup(lib.vf_fabric_port_by_name(
            self._h, enc(name, "name")))

    def create_cell(self, id=0, name=None, owner=None,
                    intra_cell=Verdict.DEFAULT, inter_cell=Verdict.DEFAULT,
                    vni=0):
        """Creates a Cell (vf_cell_create). id 0: the lowest free id; name
        None: "cell<id>"; vni 0: the cell id."""
        opts = new_opts(CellOpts,
                        id=u32(id, "id"),
                        name=enc(name, "name"),
                        owner=enc(owner, "owner"),
                        intra_cell=to_c(Verdict, intra_cell, "intra_cell"),
                        inter_cell=to_c(Verdict, inter_cell, "inter_cell"),
                        vni=u32(vni, "vni"))
        handle = CellP()
        lib.vf_cell_create(byref(handle), self._h, byref(opts))
        return Cell._from_handle(handle, self)

    def __repr__(self):
        if self._handle is None:
            return "<vfabric.Fabric %r closed>" % (self._label,)
        mode = from_c(WireMode, lib.vf_fabric_wire_mode(self._handle))
        return "<vfabric.Fabric %r %s, %d cells>" % (
            self._label, getattr(mode, "name", mode),
            lib.vf_fabric_cell_count(self._handle))
