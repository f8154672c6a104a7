"""Port: one VM NIC attached to one subnet."""

import errno
from ctypes import byref, c_uint32, c_uint64

from . import addr, pipeline, runtime
from ._lib import lib
from ._object import _Object
from .enums import Direction, to_c
from .errors import VfError
from .policy import SecGroup

__all__ = ["Port"]


def _group_handle(group):
    if not isinstance(group, SecGroup):
        raise TypeError("expected a vfabric.SecGroup, not %s"
                        % type(group).__name__)
    return group._h


class Port(_Object):
    """One VM NIC on one subnet (vf_port); made by Subnet.create_port()."""

    _KIND = "port"
    _DESTROY = lib.vf_port_destroy
    _NAME = lib.vf_port_name
    _ID = lib.vf_port_id

    @property
    def subnet(self):
        return self._parent

    @property
    def cell(self):
        return self._parent._parent

    @property
    def vip(self):
        """The virtual IP, "a.b.c.d"."""
        return addr.ip_out(lib.vf_port_vip(self._h), zero_is_none=False)

    @property
    def vmac(self):
        """The virtual MAC, "xx:xx:xx:xx:xx:xx"."""
        return addr.mac_out(lib.vf_port_vmac(self._h), zero_is_none=False)

    @property
    def admin_up(self):
        """Administrative state. Settable."""
        return bool(lib.vf_port_admin_up(self._h))

    @admin_up.setter
    def admin_up(self, up):
        if not isinstance(up, bool):
            raise TypeError("admin_up: expected bool")
        lib.vf_port_set_admin_up(self._h, up)

    # -- frames and counters -----------------------------------------------

    def inject(self, frame):
        """Runs a frame this port's VM transmitted through the pipeline
        (vf_port_inject). ``frame``: bytes-like, or a scapy packet; 14 to
        65535 bytes. Returns the number of frames sent to the fabric's
        output callable (:meth:`Fabric.set_output`) before it returned:
        replies and forwarded copies. A dropped frame is no error: it is
        counted (see :meth:`drops`) and 0 is returned."""
        return pipeline.inject(lib.vf_port_inject, self._h, frame)

    def inject_batch(self, frames):
        """Runs a list of frames this port's VM transmitted
        (vf_port_inject_batch): as :meth:`inject` one by one, but checked
        whole first (one bad frame refuses all, nothing runs). Returns the
        number of frames sent in all."""
        return runtime.inject_batch(lib.vf_port_inject_batch, self._h, frames)

    # -- the endpoint (datapath.h) -----------------------------------------

    def bind(self, ifname=None, datapath=None, create=None, peer=None,
             netns=None, own=False):
        """Binds the port to an endpoint (vf_port_bind): ``datapath``
        "afpacket" (the default when ``ifname`` is given) or "callback",
        or a registered one; ``create`` "tap" or "veth" has the fabric make
        the netdev (a veth's VM end ``peer``, with the port's VMAC, goes
        into the namespace at path ``netns``); ``own``: an existing netdev
        is deleted by the unbind as if the bind had made it."""
        lib.vf_port_bind(self._h, byref(runtime.bind_opts(
            datapath, ifname, create, peer, netns, own)))

    def unbind(self):
        """Closes the port's endpoint (vf_port_unbind); a netdev the bind
        created is deleted."""
        lib.vf_port_unbind(self._h)

    @property
    def datapath(self):
        """The datapath's name, or None when unbound."""
        v = lib.vf_port_datapath(self._h)
        return v.decode() if v else None

    @property
    def ifname(self):
        """The endpoint's netdev (or name), or None."""
        v = lib.vf_port_ifname(self._h)
        return v.decode() if v else None

    @property
    def link_up(self):
        """False while the endpoint's netdev is down or gone."""
        return lib.vf_port_link_up(self._h)

    @property
    def datapath_stats(self):
        """The endpoint's counters, a DatapathStats
        (vf_port_datapath_stats)."""
        return runtime.stats(lib.vf_port_datapath_stats, self._h)

    @property
    def stats(self):
        """The port's counters as a PortStats (a namedtuple: rx_packets,
        rx_bytes, tx_packets, tx_bytes, drops), read now
        (vf_port_stats_get)."""
        return pipeline.port_stats(self._h)

    def migrate(self, host_mac=None, host_ip=None, grace_ms=0):
        """Moves the VM away to another host (vf_port_migrate): the port is
        removed (this object is closed) and, for ``grace_ms`` (0: 10 s),
        frames for the VM that still reach this host go on to the new
        host, whose MAC is ``host_mac`` (None: wait for gossip's record)
        and underlay IP ``host_ip``."""
        opts = pipeline.migrate_opts(host_mac, host_ip, grace_ms)
        lib.vf_port_migrate(self._h, byref(opts))
        self._forget()

    def drops(self, reason):
        """How many of this port's frames were dropped for ``reason``, a
        DropReason or its name ("spoof-ip") (vf_port_drops)."""
        return lib.vf_port_drops(self._h, pipeline.reason_in(reason))

    # -- QoS ---------------------------------------------------------------

    def set_qos(self, direction, rate_bps, burst_bytes=0):
        """Limits the bandwidth in one Direction (rate 0 removes the
        limit; burst 0: rate/80, at least 1500 bytes)."""
        for what, v, bits in (("rate_bps", rate_bps, 64),
                              ("burst_bytes", burst_bytes, 32)):
            if isinstance(v, bool) or not isinstance(v, int):
                raise TypeError("%s: expected int" % what)
            if not 0 <= v < 1 << bits:
                raise VfError(errno.EINVAL, "%s: %d is out of range"
                              % (what, v))
        lib.vf_port_set_qos(self._h, to_c(Direction, direction, "direction"),
                            rate_bps, burst_bytes)

    def qos(self, direction):
        """(rate_bps, burst_bytes) of one Direction; (0, 0): no limit."""
        rate, burst = c_uint64(), c_uint32()
        lib.vf_port_qos(self._h, to_c(Direction, direction, "direction"),
                        byref(rate), byref(burst))
        return (rate.value, burst.value)

    # -- security groups ---------------------------------------------------

    def add_secgroup(self, group):
        """Applies a SecGroup of the same cell."""
        lib.vf_port_add_secgroup(self._h, _group_handle(group))

    def del_secgroup(self, group):
        """Takes a SecGroup off the port (VfError ENOENT if not applied)."""
        lib.vf_port_del_secgroup(self._h, _group_handle(group))

    @property
    def secgroup_count(self):
        return lib.vf_port_secgroup_count(self._h)

    @property
    def secgroups(self):
        """The applied groups, in the order applied (a list)."""
        h = self._h
        return [self._wrap(lib.vf_port_secgroup_at(h, i))
                for i in range(lib.vf_port_secgroup_count(h))]

    def __repr__(self):
        if self._handle is None:
            return "<vfabric.Port %r closed>" % (self._label,)
        h = self._handle
        return "<vfabric.Port %r %s %s>" % (
            self._label,
            addr.ip_out(lib.vf_port_vip(h), zero_is_none=False),
            addr.mac_out(lib.vf_port_vmac(h), zero_is_none=False))
