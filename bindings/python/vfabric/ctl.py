"""The control socket (ctl.h): a fabric serves it with
:meth:`Fabric.ctl_listen`; another process talks to that fabric with
:class:`Ctl`.

    with vfabric.Ctl("/run/vfabric/ctl.sock") as ctl:
        port = ctl.attach("blue", "lan1", "vm1-eth0",
                          bind={"datapath": "afpacket", "ifname": "tap1"})
        print(ctl.counters("vm1-eth0")["drop"]["spoof-ip"])

A failure raises the VfError the in-process call would raise: same errno,
same message (the server's vf_last_error() text).
"""

import ctypes
import json
from ctypes import byref, c_void_p, sizeof

from . import addr
from ._lib import (BindOpts, CtlOpts, CtlP, CtlStatsC, PortOpts, lib,
                   new_opts)
from ._object import _Handle, dec, enc
from .enums import PORT_F_ADMIN_DOWN, DropReason, from_c
from .pipeline import frame_in

__all__ = ["Ctl", "CtlStats", "CTL_F_ALLOW_UID", "CTL_F_ALLOW_GID",
           "CTL_MSG_DEFAULT", "CTL_MSG_MAX", "CTL_PROTOCOL"]

#: vf_ctl_opts.flags (checked against C by tests/python/test_ctl.py).
CTL_F_ALLOW_UID = 1 << 0
CTL_F_ALLOW_GID = 1 << 1
#: Limits and the protocol version (ctl.h).
CTL_MSG_DEFAULT = 64 * 1024
CTL_MSG_MAX = 1024 * 1024
CTL_PROTOCOL = 1


def _take_text(ptr):
    """The library's malloc'd text at ptr (a c_void_p) as str; frees it."""
    try:
        if not ptr.value:
            return None
        return ctypes.string_at(ptr.value).decode("utf-8", "replace")
    finally:
        lib.vf_free(ptr)


class CtlStats(tuple):
    """What the control server counted (vf_ctl_stats)."""
    __slots__ = ()
    _fields = ("clients", "accepted", "refused", "busy", "requests", "bad",
               "timeouts")

    def __new__(cls, *values):
        return tuple.__new__(cls, values)

    def __getattr__(self, name):
        try:
            return self[self._fields.index(name)]
        except ValueError:
            raise AttributeError(name) from None

    def __repr__(self):
        return "CtlStats(%s)" % ", ".join(
            "%s=%d" % (f, v) for f, v in zip(self._fields, self))


def listen_opts(path, allow_uid=None, allow_gid=None, mode=0, max_msg=0,
                max_clients=0, idle_ms=0):
    """Fabric.ctl_listen()'s arguments as a vf_ctl_opts."""
    flags = 0
    if allow_uid is not None:
        flags |= CTL_F_ALLOW_UID
    if allow_gid is not None:
        flags |= CTL_F_ALLOW_GID
    return new_opts(CtlOpts, path=enc(path, "path"), flags=flags,
                    allow_uid=allow_uid or 0, allow_gid=allow_gid or 0,
                    mode=mode, max_msg=max_msg, max_clients=max_clients,
                    idle_ms=idle_ms)


def stats(fabric_h):
    """vf_fabric_ctl_stats() as a CtlStats."""
    out = CtlStatsC(sz=sizeof(CtlStatsC))
    lib.vf_fabric_ctl_stats(fabric_h, byref(out))
    return CtlStats(*(getattr(out, f) for f in CtlStats._fields))


class Ctl(_Handle):
    """A connection to a fabric's control socket (vf_ctl).

    ``Ctl(path, timeout_ms=None)`` connects and checks that the server
    admits this process; ``timeout_ms`` (default 5000, -1: none) bounds
    each call. ``close()`` is safe to call twice; the object is a context
    manager.
    """

    _CLOSE = lib.vf_ctl_close

    def __init__(self, path, timeout_ms=None):
        self._handle = None
        handle = CtlP()
        lib.vf_ctl_connect(byref(handle), enc(path, "path"))
        self._handle = handle
        self.path = path
        if timeout_ms is not None:
            self.set_timeout(timeout_ms)

    @property
    def _h(self):
        return self._live("control connection")

    @property
    def host_name(self):
        """The server's fabric host name."""
        return dec(lib.vf_ctl_host_name(self._h))

    def set_timeout(self, timeout_ms):
        """How long each later call waits (1..3600000 ms, or -1)."""
        lib.vf_ctl_set_timeout(self._h, timeout_ms)

    def _text(self, call, *args):
        out = c_void_p()
        rc = call(self._h, *args, byref(out))
        return rc, _take_text(out)

    def attach(self, cell, subnet, name, vip=None, vmac=None, id=0,
               admin_up=True, bind=None):
        """Creates port ``name`` on subnet ``subnet`` of cell ``cell`` (by
        name) on the server's fabric, and binds it when ``bind`` is a dict
        of vf_bind_opts fields (datapath, ifname, flags, peer, netns).
        Returns the new port as a dict (the form of :meth:`list`'s ports).
        """
        popts = new_opts(PortOpts, name=enc(name, "name"), id=id,
                         vip=addr.ip_in(vip, "vip"),
                         vmac=addr.mac_in(vmac, "vmac"),
                         flags=0 if admin_up else PORT_F_ADMIN_DOWN)
        bopts = None
        if bind is not None:
            if not isinstance(bind, dict):
                raise TypeError("bind: expected a dict, not %s"
                                % type(bind).__name__)
            unknown = set(bind) - {"datapath", "ifname", "flags", "peer",
                                   "netns"}
            if unknown:
                raise TypeError("bind: unknown field(s) %s"
                                % ", ".join(sorted(unknown)))
            bopts = new_opts(BindOpts,
                             datapath=enc(bind.get("datapath"), "datapath"),
                             ifname=enc(bind.get("ifname"), "ifname"),
                             flags=bind.get("flags", 0),
                             peer=enc(bind.get("peer"), "peer"),
                             netns=enc(bind.get("netns"), "netns"))
        _, text = self._text(lib.vf_ctl_attach, enc(cell, "cell"),
                             enc(subnet, "subnet"), byref(popts),
                             byref(bopts) if bopts is not None else None)
        return json.loads(text)

    def detach(self, name):
        """Removes port ``name`` from the server's fabric."""
        lib.vf_ctl_detach(self._h, enc(name, "name"))

    def list(self):
        """The server's objects (vf_ctl_list) as a dict."""
        return json.loads(self._text(lib.vf_ctl_list)[1])

    def counters(self, port=None):
        """A port's counters, or with None the fabric's, as a dict."""
        return json.loads(self._text(lib.vf_ctl_counters,
                                     enc(port, "port"))[1])

    def trace(self, frame, port=None):
        """vf_trace() on the server: ``(verdict, text)`` as
        :meth:`Fabric.trace`, with the ingress port given by name (None:
        the underlay)."""
        data = frame_in(frame)
        verdict, text = self._text(lib.vf_ctl_trace, enc(port, "port"),
                                   data, len(data))
        return from_c(DropReason, verdict), text

    def locations(self):
        """The locations the server's fabric knows, as a list of dicts."""
        return json.loads(self._text(lib.vf_ctl_locations)[1])

    def members(self):
        """The server's gossip state and members, as a dict: ``{"status":
        ..., "members": [{"name", "addr", "port", "state", "incarnation",
        "self", "tags"}]}`` (vf_ctl_members)."""
        return json.loads(self._text(lib.vf_ctl_members)[1])

