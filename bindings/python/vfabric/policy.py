"""Security groups (stateful per-port filters) and policies (inter-cell
admission rules)."""

import errno
from collections import namedtuple
from ctypes import byref, sizeof

from . import addr
from ._lib import PolicyOpts, Rule as _CRule, lib, new_opts
from ._object import _Object, u32
from .enums import Direction, Protocol, from_c, to_c
from .errors import VfError

__all__ = ["SecGroup", "Policy", "Rule"]

#: One security-group rule as read back: ``id`` (int), ``direction``
#: (Direction), ``remote`` (prefix str or None for any), ``protocol``
#: (Protocol or int), ``port_min``/``port_max`` (0 and 0: any).
Rule = namedtuple("Rule", "id direction remote protocol port_min port_max")


def protocol_in(value):
    """An IP protocol argument: a Protocol, its name ("tcp"), or 0..255."""
    if isinstance(value, str):
        return int(to_c(Protocol, value, "protocol"))
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("protocol: expected int or str, not %s"
                        % type(value).__name__)
    if not 0 <= value <= 255:
        raise VfError(errno.EINVAL, "protocol: %d is not an IP protocol "
                      "number (0..255)" % value)
    return int(value)


def port_range(port_min, port_max):
    """A (port_min, port_max) argument pair as uint16 values."""
    out = []
    for what, value in (("port_min", port_min), ("port_max", port_max)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError("%s: expected int, not %s"
                            % (what, type(value).__name__))
        if not 0 <= value <= 0xffff:
            raise VfError(errno.EINVAL, "%s: %d is not a port number"
                          % (what, value))
        out.append(value)
    return tuple(out)


class SecGroup(_Object):
    """A stateful security group of a cell (vf_secgroup); made by
    Cell.create_secgroup() and applied with Port.add_secgroup()."""

    _KIND = "secgroup"
    _DESTROY = lib.vf_secgroup_destroy
    _NAME = lib.vf_secgroup_name
    _ID = lib.vf_secgroup_id

    @property
    def cell(self):
        return self._parent

    def add_rule(self, direction=Direction.INGRESS, remote=None,
                 protocol=Protocol.ANY, port_min=0, port_max=0):
        """Adds a rule and returns its id (vf_secgroup_add_rule). remote
        None: any address; port_min/port_max 0 and 0: any port (TCP and
        UDP only)."""
        pmin, pmax = port_range(port_min, port_max)
        rule = new_opts(_CRule,
                        direction=to_c(Direction, direction, "direction"),
                        remote=addr.prefix_in(remote, "remote"),
                        protocol=protocol_in(protocol),
                        port_min=pmin, port_max=pmax)
        return lib.vf_secgroup_add_rule(self._h, byref(rule))

    def del_rule(self, rule_id):
        """Deletes rule ``rule_id`` (VfError ENOENT if there is none)."""
        lib.vf_secgroup_del_rule(self._h, u32(rule_id, "rule_id"))

    @property
    def rule_count(self):
        return lib.vf_secgroup_rule_count(self._h)

    def rule(self, index):
        """Rule number ``index`` (0..rule_count-1, in the order added)."""
        if isinstance(index, bool) or not isinstance(index, int):
            raise TypeError("index: expected int")
        if index < 0:
            raise IndexError(index)
        out = _CRule(sz=sizeof(_CRule))
        rule_id = lib.vf_secgroup_rule(self._h, index, byref(out))
        return Rule(rule_id, from_c(Direction, out.direction),
                    addr.prefix_out(out.remote),
                    from_c(Protocol, out.protocol),
                    out.port_min, out.port_max)

    @property
    def rules(self):
        """All rules, in the order added (a list of Rule)."""
        return [self.rule(i) for i in range(self.rule_count)]

    def __repr__(self):
        if self._handle is None:
            return "<vfabric.SecGroup %r closed>" % (self._label,)
        return "<vfabric.SecGroup %d %r>" % (
            lib.vf_secgroup_id(self._handle), self._label)


class Policy(_Object):
    """A rule by which a cell admits traffic from another cell
    (vf_policy); made by Cell.create_policy()."""

    _KIND = "policy"
    _DESTROY = lib.vf_policy_destroy
    _NAME = lib.vf_policy_name
    _ID = lib.vf_policy_id

    @property
    def cell(self):
        """The cell that admits through this policy."""
        return self._parent

    def _get(self):
        out = PolicyOpts(sz=sizeof(PolicyOpts))
        lib.vf_policy_get(self._h, byref(out))
        return out

    @property
    def src_cell_id(self):
        """The id of the admitted cell."""
        return self._get().src_cell

    @property
    def src_cell(self):
        """The admitted Cell, or None if it no longer exists."""
        return self._fabric.cell(self._get().src_cell)

    @property
    def src(self):
        """Source prefix in the admitted cell, or None for any."""
        return addr.prefix_out(self._get().src)

    @property
    def dst(self):
        """Destination prefix in this cell, or None for any."""
        return addr.prefix_out(self._get().dst)

    @property
    def protocol(self):
        return from_c(Protocol, self._get().protocol)

    @property
    def port_min(self):
        return self._get().port_min

    @property
    def port_max(self):
        return self._get().port_max

    def __repr__(self):
        if self._handle is None:
            return "<vfabric.Policy %r closed>" % (self._label,)
        return "<vfabric.Policy %d %r>" % (lib.vf_policy_id(self._handle),
                                           self._label)

