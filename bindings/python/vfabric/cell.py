"""Cell: a tenant's isolated virtual network."""

import errno
from ctypes import byref

from . import addr
from ._lib import (PolicyOpts, PolicyP, RouterOpts, RouterP,
                   SecGroupOpts, SecGroupP, SubnetOpts, SubnetP, lib,
                   new_opts)
from ._object import _Object, dec, enc, lookup_key, u32
from .enums import (SUBNET_DNS_MAX, DhcpMode, Protocol, SubnetKind, Verdict,
                    from_c, to_c)
from .errors import VfError
from .policy import Policy, SecGroup, port_range, protocol_in
from .router import Router
from .subnet import Subnet

__all__ = ["Cell"]


def _iterate(parent, next_fn):
    h = parent._h
    out = []
    cur = next_fn(h, None)
    while cur:
        out.append(parent._wrap(cur))
        cur = next_fn(h, cur)
    return out


class Cell(_Object):
    """A tenant's isolated virtual network (vf_cell); made by
    Fabric.create_cell()."""

    _KIND = "cell"
    _DESTROY = lib.vf_cell_destroy
    _NAME = lib.vf_cell_name
    _ID = lib.vf_cell_id

    # -- properties --------------------------------------------------------

    @property
    def name(self):
        """Unique name in the fabric. Settable (vf_cell_set_name)."""
        return dec(lib.vf_cell_name(self._h))

    @name.setter
    def name(self, name):
        lib.vf_cell_set_name(self._h, enc(name, "name"))
        self._label = dec(lib.vf_cell_name(self._h))

    @property
    def owner(self):
        """The owning tenant (free text). Settable."""
        return dec(lib.vf_cell_owner(self._h))

    @owner.setter
    def owner(self, owner):
        lib.vf_cell_set_owner(self._h, enc(owner, "owner"))

    @property
    def vni(self):
        return lib.vf_cell_vni(self._h)

    @property
    def intra_cell(self):
        """The effective intra-cell Verdict. Settable (Verdict.DEFAULT
        restores the default)."""
        return from_c(Verdict, lib.vf_cell_intra_cell(self._h))

    @intra_cell.setter
    def intra_cell(self, verdict):
        lib.vf_cell_set_intra_cell(self._h,
                                   to_c(Verdict, verdict, "intra_cell"))

    @property
    def inter_cell(self):
        """The effective inter-cell Verdict. Settable."""
        return from_c(Verdict, lib.vf_cell_inter_cell(self._h))

    @inter_cell.setter
    def inter_cell(self, verdict):
        lib.vf_cell_set_inter_cell(self._h,
                                   to_c(Verdict, verdict, "inter_cell"))

    # -- subnets and ports -------------------------------------------------

    @property
    def subnet_count(self):
        return lib.vf_cell_subnet_count(self._h)

    @property
    def port_count(self):
        """Ports in all its subnets."""
        return lib.vf_cell_port_count(self._h)

    @property
    def subnets(self):
        """The subnets, in creation order (a list)."""
        return _iterate(self, lib.vf_cell_next_subnet)

    @property
    def ports(self):
        """Every port of every subnet (a list)."""
        return [p for s in self.subnets for p in s.ports]

    def subnet(self, key):
        """The Subnet with this id (int) or name (str), or None."""
        kind, value = lookup_key(key, "subnet")
        if kind == "id":
            if not 0 <= value <= 0xffffffff:
                return None
            return self._wrap(lib.vf_cell_subnet_by_id(self._h, value))
        return self._wrap(lib.vf_cell_subnet_by_name(self._h, value))

    def port_by_vip(self, vip):
        """The Port with this VIP ("10.1.1.5") in this cell, or None."""
        return self._wrap(lib.vf_cell_port_by_vip(
            self._h, addr.ip_in(vip, "vip", allow_none=False)))

    def create_subnet(self, id=0, name=None, kind=SubnetKind.LAN,
                      prefix=None, gateway=None, dhcp_start=None,
                      dhcp_end=None, lease_time=0, dns=(), domain=None,
                      mtu=0, dhcp=DhcpMode.DEFAULT):
        """Creates a Subnet (vf_subnet_create). Every argument left at its
        default means the library's default: prefix 10.<cell>.<subnet>.0/24,
        gateway the first host, DHCP range the rest, lease 86400 s, MTU
        1500, DHCP on for lan and off for link subnets."""
        dns = list(dns or ())
        if len(dns) > SUBNET_DNS_MAX:
            raise VfError(errno.EINVAL, "dns: %d servers %r, at most %d"
                          % (len(dns), dns, SUBNET_DNS_MAX))
        opts = new_opts(SubnetOpts,
                        id=u32(id, "id"),
                        name=enc(name, "name"),
                        kind=to_c(SubnetKind, kind, "kind"),
                        prefix=addr.prefix_in(prefix, "prefix"),
                        gateway=addr.ip_in(gateway, "gateway"),
                        dhcp_start=addr.ip_in(dhcp_start, "dhcp_start"),
                        dhcp_end=addr.ip_in(dhcp_end, "dhcp_end"),
                        lease_time=u32(lease_time, "lease_time"),
                        domain=enc(domain, "domain"),
                        mtu=u32(mtu, "mtu"),
                        dhcp=to_c(DhcpMode, dhcp, "dhcp"))
        for i, server in enumerate(dns):
            opts.dns[i] = addr.ip_in(server, "dns", allow_none=False)
        handle = SubnetP()
        lib.vf_subnet_create(byref(handle), self._h, byref(opts))
        return Subnet._from_handle(handle, self)

    # -- router ------------------------------------------------------------

    @property
    def router(self):
        """The cell's Router, or None."""
        return self._wrap(lib.vf_cell_router(self._h))

    def create_router(self, name=None):
        """Creates the cell's Router (a cell has at most one); name None:
        "router"."""
        opts = new_opts(RouterOpts, name=enc(name, "name"))
        handle = RouterP()
        lib.vf_router_create(byref(handle), self._h, byref(opts))
        return Router._from_handle(handle, self)

    # -- security groups ---------------------------------------------------

    @property
    def secgroup_count(self):
        return lib.vf_cell_secgroup_count(self._h)

    @property
    def secgroups(self):
        """The security groups, in creation order (a list)."""
        return _iterate(self, lib.vf_cell_next_secgroup)

    def secgroup(self, key):
        """The SecGroup with this id (int) or name (str), or None."""
        kind, value = lookup_key(key, "secgroup")
        if kind == "id":
            if not 0 <= value <= 0xffffffff:
                return None
            return self._wrap(lib.vf_cell_secgroup_by_id(self._h, value))
        return self._wrap(lib.vf_cell_secgroup_by_name(self._h, value))

    def create_secgroup(self, id=0, name=None):
        """Creates a SecGroup with no rules (vf_secgroup_create)."""
        opts = new_opts(SecGroupOpts, id=u32(id, "id"),
                        name=enc(name, "name"))
        handle = SecGroupP()
        lib.vf_secgroup_create(byref(handle), self._h, byref(opts))
        return SecGroup._from_handle(handle, self)

    # -- policies ----------------------------------------------------------

    @property
    def policy_count(self):
        return lib.vf_cell_policy_count(self._h)

    @property
    def policies(self):
        """The policies, in creation order (a list)."""
        return _iterate(self, lib.vf_cell_next_policy)

    def policy(self, key):
        """The Policy with this id (int) or name (str), or None."""
        kind, value = lookup_key(key, "policy")
        if kind == "id":
            if not 0 <= value <= 0xffffffff:
                return None
            return self._wrap(lib.vf_cell_policy_by_id(self._h, value))
        return self._wrap(lib.vf_cell_policy_by_name(self._h, value))

    def create_policy(self, src_cell, id=0, name=None, src=None, dst=None,
                      protocol=Protocol.ANY, port_min=0, port_max=0):
        """Creates a Policy by which this cell admits traffic from
        ``src_cell`` (a Cell or a cell id); src/dst prefixes None: any."""
        if isinstance(src_cell, Cell):
            src_id = src_cell.id
        else:
            src_id = u32(src_cell, "src_cell")
        pmin, pmax = port_range(port_min, port_max)
        opts = new_opts(PolicyOpts,
                        id=u32(id, "id"),
                        name=enc(name, "name"),
                        src_cell=src_id,
                        src=addr.prefix_in(src, "src"),
                        dst=addr.prefix_in(dst, "dst"),
                        protocol=protocol_in(protocol),
                        port_min=pmin, port_max=pmax)
        handle = PolicyP()
        lib.vf_policy_create(byref(handle), self._h, byref(opts))
        return Policy._from_handle(handle, self)

    def __repr__(self):
        if self._handle is None:
            return "<vfabric.Cell %r closed>" % (self._label,)
        return "<vfabric.Cell %d %r>" % (lib.vf_cell_id(self._handle),
                                         self._label)

