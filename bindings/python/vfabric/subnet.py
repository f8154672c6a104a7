"""Subnet: an IPv4 prefix inside a cell, with its DHCP settings."""

from ctypes import byref, c_uint32

from . import addr
from ._lib import PortOpts, PortP, lib, new_opts
from ._object import _Object, dec, enc, u32
from .enums import (PORT_F_ADMIN_DOWN, SUBNET_DNS_MAX, DhcpMode, SubnetKind,
                    from_c, to_c)
from .port import Port

__all__ = ["Subnet"]


class Subnet(_Object):
    """An IPv4 prefix inside a cell (vf_subnet); made by
    Cell.create_subnet()."""

    _KIND = "subnet"
    _DESTROY = lib.vf_subnet_destroy
    _NAME = lib.vf_subnet_name
    _ID = lib.vf_subnet_id

    @property
    def cell(self):
        return self._parent

    @property
    def kind(self):
        """SubnetKind.LAN or SubnetKind.LINK."""
        return from_c(SubnetKind, lib.vf_subnet_kind_of(self._h))

    @property
    def prefix(self):
        """The prefix, "a.b.c.d/len"."""
        return addr.prefix_out(lib.vf_subnet_prefix(self._h),
                               zero_is_none=False)

    @property
    def gateway(self):
        """The router's address on the subnet; None on link subnets."""
        return addr.ip_out(lib.vf_subnet_gateway(self._h))

    @property
    def dhcp_start(self):
        return addr.ip_out(lib.vf_subnet_dhcp_start(self._h),
                           zero_is_none=False)

    @property
    def dhcp_end(self):
        return addr.ip_out(lib.vf_subnet_dhcp_end(self._h),
                           zero_is_none=False)

    @property
    def dhcp_range(self):
        """(first, last) address DHCP may hand out. Settable with a pair."""
        h = self._h
        return (addr.ip_out(lib.vf_subnet_dhcp_start(h), zero_is_none=False),
                addr.ip_out(lib.vf_subnet_dhcp_end(h), zero_is_none=False))

    @dhcp_range.setter
    def dhcp_range(self, pair):
        start, end = pair
        self.set_dhcp_range(start, end)

    def set_dhcp_range(self, start, end):
        """Sets the DHCP range (vf_subnet_set_dhcp_range)."""
        lib.vf_subnet_set_dhcp_range(
            self._h, addr.ip_in(start, "dhcp_start", allow_none=False),
            addr.ip_in(end, "dhcp_end", allow_none=False))

    @property
    def lease_time(self):
        """DHCP lease in seconds. Settable (60..31536000)."""
        return lib.vf_subnet_lease_time(self._h)

    @lease_time.setter
    def lease_time(self, seconds):
        lib.vf_subnet_set_lease_time(self._h, u32(seconds, "lease_time"))

    @property
    def mtu(self):
        """Settable (68..9000)."""
        return lib.vf_subnet_mtu(self._h)

    @mtu.setter
    def mtu(self, mtu):
        lib.vf_subnet_set_mtu(self._h, u32(mtu, "mtu"))

    @property
    def dhcp_enabled(self):
        """Whether the DHCP server answers. Settable with a bool or a
        DhcpMode (DhcpMode.DEFAULT: the kind's default)."""
        return bool(lib.vf_subnet_dhcp_enabled(self._h))

    @dhcp_enabled.setter
    def dhcp_enabled(self, mode):
        self.set_dhcp(mode)

    def set_dhcp(self, mode):
        """vf_subnet_set_dhcp: True/False, or a DhcpMode."""
        if isinstance(mode, bool):
            mode = DhcpMode.ON if mode else DhcpMode.OFF
        lib.vf_subnet_set_dhcp(self._h, to_c(DhcpMode, mode, "dhcp"))

    @property
    def domain(self):
        """The DHCP domain name, or None. Settable (None: none)."""
        return dec(lib.vf_subnet_domain(self._h)) or None

    @domain.setter
    def domain(self, domain):
        lib.vf_subnet_set_domain(self._h, enc(domain, "domain"))

    @property
    def dns(self):
        """The DNS servers offered (a list of str). Settable with a list."""
        h = self._h
        n = SUBNET_DNS_MAX
        while True:
            buf = (c_uint32 * n)()
            count = lib.vf_subnet_dns(h, buf, n)
            if count <= n:
                return [addr.ip_out(buf[i], zero_is_none=False)
                        for i in range(count)]
            n = count

    @dns.setter
    def dns(self, servers):
        servers = list(servers or ())
        vals = [addr.ip_in(s, "dns", allow_none=False) for s in servers]
        buf = (c_uint32 * max(len(vals), 1))(*vals)
        lib.vf_subnet_set_dns(self._h, buf, len(vals))

    # -- ports -------------------------------------------------------------

    @property
    def port_count(self):
        return lib.vf_subnet_port_count(self._h)

    @property
    def ports(self):
        """The ports, in creation order (a list)."""
        h = self._h
        out = []
        cur = lib.vf_subnet_next_port(h, None)
        while cur:
            out.append(self._wrap(cur))
            cur = lib.vf_subnet_next_port(h, cur)
        return out

    def port(self, id):
        """The Port with this id, or None."""
        if isinstance(id, bool) or not isinstance(id, int):
            raise TypeError("port: expected an id (int)")
        if not 0 <= id <= 0xffffffff:
            return None
        return self._wrap(lib.vf_subnet_port_by_id(self._h, id))

    @property
    def router(self):
        """The Router this subnet is attached to, or None."""
        return self._wrap(lib.vf_subnet_router(self._h))

    def create_port(self, name, id=0, vip=None, vmac=None, admin_down=False):
        """Creates a Port (vf_port_create). ``name`` is required and unique
        in the fabric; vip None: the lowest free address of the DHCP range;
        vmac None: derived 02:<cell id low byte>:<vip>."""
        if not isinstance(admin_down, bool):
            raise TypeError("admin_down: expected bool")
        opts = new_opts(PortOpts,
                        name=enc(name, "name"),
                        id=u32(id, "id"),
                        vip=addr.ip_in(vip, "vip"),
                        vmac=addr.mac_in(vmac, "vmac"),
                        flags=PORT_F_ADMIN_DOWN if admin_down else 0)
        handle = PortP()
        lib.vf_port_create(byref(handle), self._h, byref(opts))
        return Port._from_handle(handle, self)

    def __repr__(self):
        if self._handle is None:
            return "<vfabric.Subnet %r closed>" % (self._label,)
        return "<vfabric.Subnet %r %s>" % (
            self._label, addr.prefix_out(lib.vf_subnet_prefix(self._handle),
                                         zero_is_none=False))

