"""Fabric: one host's instance of the fabric, the root of the model."""

import errno
from ctypes import byref

import contextlib

from . import addr, ctl, pipeline, runtime
from ._lib import (LOCATION_EVENT_FN, LOG_FN, OUTPUT_FN, CellOpts, FabricOpts,
                   FabricP, CellP, lib, new_opts)
from ._lib import address
from ._object import _Object, _attach, dec, enc, lookup_key, trampoline, u32
from .cell import Cell
from .enums import LogLevel, Verdict, WireMode, from_c, to_c
from .errors import VfError
from .port import Port

__all__ = ["Fabric"]


def _make_log_callback(fabric, fn):
    """A C log callback calling fn(level, message); exceptions follow the
    callback rules of vfabric._object."""
    def body(fab, user_data, level, msg):
        fn(from_c(LogLevel, level),
           msg.decode("utf-8", "replace") if msg else "")
    return LOG_FN(trampoline(fabric, body))


class Fabric(_Object):
    """One host's instance of the fabric (vf_fabric).

    ``Fabric(host_name=None, host_mac=None, host_ip=None,
    wire_mode=WireMode.REWRITE, log=None, log_level=LogLevel.ERROR)``

    ``log`` is ``callable(level: LogLevel, message: str)``; it runs
    synchronously inside the binding call that logs and must not call back
    into the fabric (reading properties is fine). If it raises, the
    exception is re-raised when that binding call returns (after the
    call's own work is done); if the call itself failed, its VfError
    propagates with the callback's exception as its ``__context__``. The
    output callable (:meth:`set_output`) follows the same rules.
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
        self._in_callback = 0
        self._log = None
        self._log_cb = None
        self._output = None
        self._output_cb = None
        self._location_cb = None
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

    # -- the pipeline: frames in and out, counters, traces -----------------

    @property
    def output(self):
        """The output callable (see :meth:`set_output`), or None."""
        return self._output

    def set_output(self, fn):
        """Sets where the pipeline's frames go (vf_fabric_set_output).

        ``fn(port, frame)`` is called once for each frame the pipeline
        sends, synchronously, inside the :meth:`Port.inject`,
        :meth:`inject_underlay` or :meth:`set_location` call that caused
        it: ``port`` is the local :class:`Port` the frame goes to, or None
        for the underlay (another host); ``frame`` is the whole Ethernet
        frame as bytes. ``fn`` may read the properties of this fabric's
        objects (``port.name``, ``port.stats``) but must not call their
        methods or setters (RuntimeError); injecting into another fabric
        is fine. If ``fn`` raises, the frames still go on and the first
        exception is re-raised when the call that sent them returns.

        None: frames are dropped and counted as DropReason.NO_OUTPUT.
        """
        if fn is not None and not callable(fn):
            raise TypeError("output: expected a callable or None")
        cb = (pipeline.output_callback(self, fn) if fn is not None
              else OUTPUT_FN())
        lib.vf_fabric_set_output(self._h, cb, None)
        # The old callback object stays referenced until C stopped using it.
        self._output, self._output_cb = fn, cb

    def inject_underlay(self, frame):
        """Runs a frame that arrived from the physical network (for this
        host's MAC, or a broadcast) through the pipeline
        (vf_fabric_inject_underlay). ``frame``: bytes-like, or a scapy
        packet. Returns the number of frames sent to the output callable
        before it returned; a dropped frame is no error (0, and counted:
        see :meth:`drops`)."""
        return pipeline.inject(lib.vf_fabric_inject_underlay, self._h, frame)

    def inject_underlay_batch(self, frames):
        """Runs a list of underlay frames (vf_fabric_inject_underlay_batch),
        checked whole first; returns the number of frames sent in all."""
        return runtime.inject_batch(lib.vf_fabric_inject_underlay_batch,
                                    self._h, frames)

    # -- the control loop (loop.h) -----------------------------------------

    @property
    def fd(self):
        """The control loop's descriptor: poll it for reading, then call
        :meth:`process` (asyncio: ``loop.add_reader(fabric.fd,
        fabric.process)``) (vf_fabric_fd)."""
        return lib.vf_fabric_fd(self._h)

    @property
    def timeout_ms(self):
        """How long to wait for :attr:`fd` at most (-1: no timer is due)
        (vf_fabric_timeout_ms)."""
        return lib.vf_fabric_timeout_ms(self._h)

    def process(self):
        """Does the control work that is due, without blocking; returns
        how many events it handled (vf_fabric_process)."""
        return lib.vf_fabric_process(self._h)

    def run(self, timeout_ms=-1):
        """Waits up to ``timeout_ms`` for control work, then does it
        (vf_fabric_run)."""
        return lib.vf_fabric_run(self._h, timeout_ms)

    def wakeup(self):
        """Makes a waiting :meth:`run` return; safe from any thread
        (vf_fabric_wakeup)."""
        lib.vf_fabric_wakeup(self._h)

    @property
    def wakeups(self):
        """Wake-ups the loop handled (vf_fabric_wakeups)."""
        return lib.vf_fabric_wakeups(self._h)

    def thread_start(self):
        """Runs the control loop on a library thread
        (vf_fabric_thread_start); wrap other calls in :meth:`locked`."""
        lib.vf_fabric_thread_start(self._h)

    def thread_stop(self):
        """Stops the library's loop thread (vf_fabric_thread_stop)."""
        lib.vf_fabric_thread_stop(self._h)

    @contextlib.contextmanager
    def locked(self):
        """``with fabric.locked():`` holds the control lock
        (vf_fabric_lock/unlock) while the loop runs on a library thread."""
        lib.vf_fabric_lock(self._h)
        try:
            yield self
        finally:
            lib.vf_fabric_unlock(self._h)

    # -- datapaths and workers (datapath.h) ----------------------------------

    def bind_underlay(self, ifname, datapath=None):
        """Binds the host's underlay to netdev ``ifname``
        (vf_fabric_bind_underlay); its MAC becomes the host MAC if none
        is set."""
        lib.vf_fabric_bind_underlay(self._h, byref(runtime.bind_opts(
            datapath, ifname, None, None, None)))

    def unbind_underlay(self):
        """Closes the underlay's endpoint (vf_fabric_unbind_underlay)."""
        lib.vf_fabric_unbind_underlay(self._h)

    @property
    def underlay_stats(self):
        """The underlay endpoint's counters, a DatapathStats."""
        return runtime.stats(lib.vf_fabric_underlay_stats, self._h)

    def workers_start(self, n=1, cpus=None):
        """Starts ``n`` library worker threads, thread i pinned to
        ``cpus[i]`` when given (vf_fabric_workers_start)."""
        lib.vf_fabric_workers_start(self._h, n, runtime.cpus_in(n, cpus))

    def workers_stop(self):
        """Stops the library's worker threads (vf_fabric_workers_stop)."""
        lib.vf_fabric_workers_stop(self._h)

    def trace(self, frame, port=None):
        """Runs ``frame`` through the pipeline as ``port.inject(frame)``
        would (or, with port None, :meth:`inject_underlay`), without
        sending, counting or changing anything (vf_trace). Returns
        ``(verdict, text)``: DropReason.NONE if the frame would be sent,
        answered or absorbed, else the reason it would be dropped; and the
        decisions in words, one per line."""
        if port is None:
            port_h = None
        else:
            if not isinstance(port, Port):
                raise TypeError("port: expected a vfabric.Port or None, "
                                "not %s" % type(port).__name__)
            port_h = port._h
        return pipeline.trace(self._h, port_h, frame)

    def drops(self, reason):
        """How many frames this fabric dropped for ``reason`` (a
        DropReason or its name) before any port was known: underlay
        frames, mostly (vf_fabric_drops). Drops of a port's frames are
        counted on the port (:meth:`Port.drops`)."""
        return lib.vf_fabric_drops(self._h, pipeline.reason_in(reason))

    # -- the control socket ------------------------------------------------

    def ctl_listen(self, path, allow_uid=None, allow_gid=None, mode=0,
                   max_msg=0, max_clients=0, idle_ms=0):
        """Serves the control socket at ``path`` on this fabric's control
        loop (vf_fabric_ctl_listen): root and this process's uid may
        connect, plus ``allow_uid`` and members of ``allow_gid`` when
        given. The loop must run (:meth:`run`, :meth:`process` or a
        library thread) for requests to be answered."""
        lib.vf_fabric_ctl_listen(self._h, byref(ctl.listen_opts(
            path, allow_uid, allow_gid, mode, max_msg, max_clients,
            idle_ms)))

    def ctl_close(self):
        """Stops serving the control socket (vf_fabric_ctl_close)."""
        lib.vf_fabric_ctl_close(self._h)

    def ctl_stats(self):
        """The control server's counters, a CtlStats."""
        return ctl.stats(self._h)

    # -- locations ---------------------------------------------------------

    def set_location(self, cell_id, vip, vmac, subnet_id, host_mac,
                     host_ip=None, version=0):
        """Sets (adds or replaces) the location of a VM on another host
        (vf_location_set): in cell ``cell_id`` (an id or a Cell), ``vip``
        in subnet ``subnet_id`` (an id or a Subnet) with ``vmac``, on the
        host whose MAC (PMAC) is ``host_mac`` and underlay IP ``host_ip``
        (None: unknown). ``version``: higher wins; 0 for static
        locations. ARP requests that waited for this VM are answered now,
        through the output callable, before this returns."""
        loc = pipeline.location_in(cell_id, vip, vmac, subnet_id, host_mac,
                                   host_ip, version)
        lib.vf_location_set(self._h, byref(loc))

    def del_location(self, cell_id, vip):
        """Forgets the location of a VM on another host
        (vf_location_del); VfError ENOENT if none is set."""
        lib.vf_location_del(self._h, pipeline.cell_id_in(cell_id),
                            addr.ip_in(vip, "vip", allow_none=False))

    def location(self, cell_id, vip):
        """The Location of ``vip`` in cell ``cell_id`` (an id or a Cell):
        a local port's (with this host's MAC and IP) or one set or learnt;
        None if unknown (vf_location_get)."""
        try:
            return pipeline.location_get(self._h, cell_id, vip)
        except VfError as exc:
            if exc.errno == errno.ENOENT:
                return None
            raise

    def locations(self):
        """Every known location of another host's VM, as a list of
        Location, in no particular order (vf_location_next)."""
        return pipeline.locations(self._h)

    def location_stats(self):
        """The location table's counters (vf_location_stats_get) as a dict:
        sets, deletes, migrations, forwarded, forward_drops, events,
        events_dropped."""
        return pipeline.location_stats(self._h)

    def on_location_change(self, fn):
        """Calls ``fn(event: LocationEvent, location: Location)`` for each
        change of the table of other hosts' VMs (by the API, gossip or a
        migration), from :meth:`process` / :meth:`run` or the loop thread
        (vf_location_set_event_fn); None stops that."""
        if fn is None:
            lib.vf_location_set_event_fn(self._h, LOCATION_EVENT_FN(), None)
            self._location_cb = None
            return

        def body(fab, cfab, ev, loc, user_data):
            fn(pipeline.LocationEvent(ev), pipeline.location_out(loc.contents))
        cb = LOCATION_EVENT_FN(trampoline(self, body))
        lib.vf_location_set_event_fn(self._h, cb, None)
        self._location_cb = cb  # C may call it until replaced

    @property
    def location_count(self):
        """How many locations of other hosts' VMs are known
        (vf_location_count)."""
        return lib.vf_location_count(self._h)

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
