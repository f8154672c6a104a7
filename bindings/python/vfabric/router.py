"""Router: a cell's distributed virtual router."""

from collections import namedtuple
from ctypes import byref, c_uint32

from . import addr
from ._lib import Mac, Prefix, lib
from ._object import _Object

__all__ = ["Router", "Route"]

#: A static route as read back: ``dest`` ("a.b.c.d/len"), ``next_hop``
#: ("a.b.c.d").
Route = namedtuple("Route", "dest next_hop")


def _subnet_handle(subnet):
    from .subnet import Subnet
    if not isinstance(subnet, Subnet):
        raise TypeError("expected a vfabric.Subnet, not %s"
                        % type(subnet).__name__)
    return subnet._h


class Router(_Object):
    """A cell's distributed virtual router (vf_router); made by
    Cell.create_router()."""

    _KIND = "router"
    _DESTROY = lib.vf_router_destroy
    _NAME = lib.vf_router_name

    @property
    def cell(self):
        return self._parent

    # -- interfaces --------------------------------------------------------

    def attach(self, subnet, rvmac=None):
        """Gives the router an interface on a lan subnet, answering at the
        subnet's gateway with ``rvmac`` (None: the derived
        06:<cell id low byte>:<gateway>)."""
        h = self._h
        sh = _subnet_handle(subnet)
        mac = None if rvmac is None else byref(addr.mac_in(rvmac, "rvmac"))
        lib.vf_router_attach(h, sh, mac)

    def detach(self, subnet):
        """Removes the router's interface on ``subnet``."""
        lib.vf_router_detach(self._h, _subnet_handle(subnet))

    @property
    def iface_count(self):
        return lib.vf_router_iface_count(self._h)

    @property
    def subnets(self):
        """The subnets the router is on, in attach order (a list)."""
        h = self._h
        out = []
        cur = lib.vf_router_next_subnet(h, None)
        while cur:
            out.append(self._wrap(cur))
            cur = lib.vf_router_next_subnet(h, cur)
        return out

    def iface_mac(self, subnet):
        """The RVMAC of the interface on ``subnet`` (VfError ENOENT if the
        router is not on it)."""
        out = Mac()
        lib.vf_router_iface_mac(self._h, _subnet_handle(subnet), byref(out))
        return addr.mac_out(out, zero_is_none=False)

    # -- static routes -----------------------------------------------------

    def add_route(self, dest, next_hop):
        """Routes ``dest`` ("a.b.c.d/len") to the VM at ``next_hop``."""
        p = addr.prefix_in(dest, "dest")
        hop = addr.ip_in(next_hop, "next_hop", allow_none=False)
        lib.vf_router_add_route(self._h, byref(p), hop)

    def del_route(self, dest):
        """Deletes the route to exactly ``dest``."""
        p = addr.prefix_in(dest, "dest")
        lib.vf_router_del_route(self._h, byref(p))

    @property
    def route_count(self):
        return lib.vf_router_route_count(self._h)

    @property
    def routes(self):
        """The static routes, ordered by prefix (a list of Route)."""
        h = self._h
        out = []
        for i in range(lib.vf_router_route_count(h)):
            p, hop = Prefix(), c_uint32()
            lib.vf_router_route(h, i, byref(p), byref(hop))
            out.append(Route(addr.prefix_out(p, zero_is_none=False),
                             addr.ip_out(hop.value, zero_is_none=False)))
        return out

    def __repr__(self):
        if self._handle is None:
            return "<vfabric.Router %r closed>" % (self._label,)
        return "<vfabric.Router %r in cell %r>" % (self._label,
                                                   self._parent._label)
