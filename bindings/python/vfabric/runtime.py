"""The runtime: binding ports and the underlay to datapath endpoints
(datapath.h), workers, batch injection, and the control loop (loop.h).

The methods live on :class:`vfabric.Fabric` and :class:`vfabric.Port`;
this module holds what they share, and :class:`Worker`.
"""

import collections
import ctypes
from ctypes import byref, c_int

from . import pipeline
from ._lib import (BindOpts, DatapathStats as _CDatapathStats, Frame,
                   WorkerOpts, WorkerP, lib, new_opts)
from ._object import _Handle, enc

__all__ = ["BIND_F_CREATE_TAP", "BIND_F_CREATE_VETH", "BIND_F_OWN",
           "FRAME_F_WRITABLE", "DatapathStats",
           "Worker"]

#: vf_bind_opts.flags (datapath.h)
BIND_F_CREATE_TAP = 1 << 0
BIND_F_CREATE_VETH = 1 << 1
BIND_F_OWN = 1 << 2
#: vf_frame.flags (common.h)
FRAME_F_WRITABLE = 1 << 0

#: An endpoint's counters (vf_datapath_stats).
DatapathStats = collections.namedtuple(
    "DatapathStats", "rx_packets rx_bytes rx_dropped tx_packets tx_bytes "
    "tx_dropped link_downs")

_CREATE = {None: 0, "tap": BIND_F_CREATE_TAP, "veth": BIND_F_CREATE_VETH}


def bind_opts(datapath, ifname, create, peer, netns, own=False):
    """A vf_bind_opts; ``create`` is None, "tap" or "veth"; ``own``: the
    existing netdev is the fabric's to delete (VF_BIND_F_OWN)."""
    if create not in _CREATE:
        raise ValueError("create: expected None, 'tap' or 'veth', not %r"
                         % (create,))
    return new_opts(BindOpts, datapath=enc(datapath, "datapath"),
                    ifname=enc(ifname, "ifname"),
                    flags=_CREATE[create] | (BIND_F_OWN if own else 0),
                    peer=enc(peer, "peer"), netns=enc(netns, "netns"))


def stats(function, handle):
    """``function(handle, out)`` (vf_port_datapath_stats or
    vf_fabric_underlay_stats) as a DatapathStats."""
    out = new_opts(_CDatapathStats)
    function(handle, byref(out))
    return DatapathStats(*(getattr(out, f) for f in DatapathStats._fields))


def frames_in(frames):
    """A ctypes array of vf_frame over copies of ``frames`` (bytes-like or
    scapy packets), and the buffers it points into: keep both alive during
    the call."""
    bufs = [ctypes.create_string_buffer(pipeline.frame_in(f)) for f in frames]
    arr = (Frame * max(len(bufs), 1))()
    for i, b in enumerate(bufs):
        arr[i].data = ctypes.addressof(b)
        arr[i].len = len(b) - 1  # create_string_buffer adds a NUL
        arr[i].flags = FRAME_F_WRITABLE  # our copies: run them in place
    return arr, bufs


def inject_batch(function, handle, frames):
    """``function(handle, frames, n)``: the number of frames sent."""
    arr, keep = frames_in(frames)
    rc = function(handle, arr, len(keep))
    del keep
    return rc


def cpus_in(n, cpus):
    """A C array of ``n`` CPU numbers, or None."""
    if cpus is None:
        return None
    cpus = list(cpus)
    if len(cpus) != n:
        raise ValueError("cpus: expected %d CPU numbers, got %d"
                         % (n, len(cpus)))
    return (c_int * n)(*cpus)


class Worker(_Handle):
    """A worker (vf_worker): polls the endpoints it is given and runs the
    pipeline on what arrives, on the thread that calls :meth:`poll`.
    ``Worker(fabric, batch=0)``; :meth:`close` (or the context manager)
    destroys it, and must not run while another thread polls it."""

    _CLOSE = lib.vf_worker_destroy

    def __init__(self, fabric, batch=0):
        self._fabric = fabric  # keeps the fabric's handle alive
        handle = WorkerP()
        lib.vf_worker_create(byref(handle), fabric._h,
                             byref(new_opts(WorkerOpts, batch=batch)))
        self._handle = handle

    @property
    def _h(self):
        return self._live("worker")

    @property
    def fd(self):
        """A descriptor that polls readable when its endpoints have
        frames (vf_worker_fd)."""
        return lib.vf_worker_fd(self._h)

    def poll(self, timeout_ms=0):
        """Waits up to ``timeout_ms`` (-1: until frames come) and runs
        what arrived; returns the number of frames received
        (vf_worker_poll)."""
        return lib.vf_worker_poll(self._h, timeout_ms)

    @property
    def frames(self):
        """Frames this worker received (vf_worker_frames)."""
        return lib.vf_worker_frames(self._h)
