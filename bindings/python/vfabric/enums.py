"""The C enums and limits as Python values.

Every value here is compared with the C headers' by
tests/python/test_abi.py (a C program compiled at test time prints them);
none is trusted untested.
"""

import errno
import enum

from .errors import VfError

__all__ = ["WireMode", "Verdict", "SubnetKind", "DhcpMode", "Direction",
           "LogLevel", "Protocol", "DropReason", "NAME_MAX", "SUBNET_DNS_MAX",
           "ROUTER_ROUTES_MAX", "PORT_SECGROUPS_MAX", "SECGROUP_RULES_MAX",
           "PORT_F_ADMIN_DOWN"]


class WireMode(enum.IntEnum):
    """vf_wire_mode: how frames cross the physical network."""
    REWRITE = 0
    VXLAN = 1


class Verdict(enum.IntEnum):
    """vf_verdict: a cell's policy default."""
    DEFAULT = 0
    ALLOW = 1
    DENY = 2


class SubnetKind(enum.IntEnum):
    """vf_subnet_kind."""
    LAN = 0
    LINK = 1


class DhcpMode(enum.IntEnum):
    """vf_dhcp_mode."""
    DEFAULT = 0
    ON = 1
    OFF = 2


class Direction(enum.IntEnum):
    """vf_direction, seen from the VM's port."""
    INGRESS = 0
    EGRESS = 1


class LogLevel(enum.IntEnum):
    """vf_log_level."""
    ERROR = 0
    WARN = 1
    INFO = 2
    DEBUG = 3


class Protocol(enum.IntEnum):
    """The VF_PROTO_* numbers; any IP protocol number 1..255 is accepted
    where a protocol is asked for."""
    ANY = 0
    ICMP = 1
    TCP = 6
    UDP = 17


class DropReason(enum.IntEnum):
    """vf_drop_reason: why the pipeline dropped a frame (pipeline.h).

    ``NONE`` is not a drop: it is the verdict of a frame that was sent,
    answered or absorbed. :func:`vfabric.drop_reason_name` gives the
    library's stable names ("spoof-ip"); those names are accepted wherever
    a reason is asked for, as are the member names ("SPOOF_IP")."""
    NONE = 0
    MALFORMED = 1
    UNSUPPORTED = 2
    PORT_DOWN = 3
    SPOOF_MAC = 4
    SPOOF_IP = 5
    DHCP_SERVER = 6
    ROUTER_ADVERT = 7
    ARP_INVALID = 8
    ARP_PENDING_FULL = 9
    DHCP_INVALID = 10
    TTL_EXCEEDED = 11
    NO_ROUTE = 12
    INTRA_CELL = 13
    INTER_CELL = 14
    SECGROUP_EGRESS = 15
    SECGROUP_INGRESS = 16
    QOS_EGRESS = 17
    QOS_INGRESS = 18
    NO_LOCATION = 19
    NOT_HERE = 20
    NOT_FOR_HOST = 21
    FRAGMENT = 22
    TOO_BIG = 23
    LINK_UNPAIRED = 24
    NO_OUTPUT = 25


#: VF_NAME_MAX: longest object name.
NAME_MAX = 63
#: VF_SUBNET_DNS_MAX: DNS servers per subnet.
SUBNET_DNS_MAX = 4
#: vf_port_opts.flags: VF_PORT_F_ADMIN_DOWN (checked against C by a test).
PORT_F_ADMIN_DOWN = 1 << 0
#: VF_ROUTER_ROUTES_MAX: static routes per router.
ROUTER_ROUTES_MAX = 1024
#: VF_PORT_SECGROUPS_MAX: security groups per port.
PORT_SECGROUPS_MAX = 16
#: VF_SECGROUP_RULES_MAX: rules per security group.
SECGROUP_RULES_MAX = 4096


def to_c(cls, value, what):
    """An argument for a C enum parameter: a member, its name (any case,
    '-' for '_'), or an int. Ints outside the enum pass through unchanged,
    so the library is the one that refuses them (-EINVAL)."""
    if isinstance(value, cls):
        return int(value)
    if isinstance(value, bool):
        raise TypeError("%s: expected %s, not bool" % (what, cls.__name__))
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(cls[value.upper().replace("-", "_")])
        except KeyError:
            raise VfError(errno.EINVAL, "%s: unknown %s %r (one of %s)" % (
                what, cls.__name__, value,
                ", ".join(m.name.lower() for m in cls))) from None
    raise TypeError("%s: expected %s, int or str, not %s"
                    % (what, cls.__name__, type(value).__name__))


def from_c(cls, value):
    """A member of cls, or the plain int if this binding does not know the
    value (a newer library)."""
    try:
        return cls(value)
    except ValueError:
        return value
