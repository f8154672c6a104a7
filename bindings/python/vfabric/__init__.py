"""Python binding of libvfabric, an embeddable virtual network fabric.

Standard library only (ctypes). The C library is loaded from
``$VFABRIC_LIBRARY`` or else by its SONAME, ``libvfabric.so.0``; importing
fails with ImportError if it is missing, of another ABI major, too old, or
lacks a function this binding needs.

Object model, as in C: a Fabric holds Cells; a Cell holds Subnets, at most
one Router, SecGroups and Policies; a Subnet holds Ports. Objects are made
by their parent's ``create_*()`` method and removed by ``close()`` (which
closes everything below them too); a parent keeps its children alive, so
dropping a variable never removes anything. Look-ups and iteration return
the very objects ``create_*()`` returned.

Addresses are strings: IPs "10.1.2.3", prefixes "10.1.2.0/24", MACs
"02:01:0a:01:02:03". Failures raise VfError (an OSError) whose ``errno``
is the C error code and whose message names the offending value.

    import vfabric
    with vfabric.Fabric(host_name="hv1") as fab:
        cell = fab.create_cell(id=1, owner="acme")
        net = cell.create_subnet()                 # 10.1.1.0/24
        port = net.create_port("vm1-eth0")         # 10.1.1.2
        print(port.vip, port.vmac)

Frames move through the pipeline in process: ``fab.set_output(fn)`` gets
every frame the pipeline sends (``fn(port_or_None, frame_bytes)``, None
meaning the underlay), ``port.inject(frame)`` runs what a VM sent and
``fab.inject_underlay(frame)`` what came from another host; drops are
counted by DropReason (``port.drops(r)``, ``fab.drops(r)``), and
``fab.trace(frame, port)`` tells the pipeline's decisions without
side effects. Locations of VMs on other hosts: ``fab.set_location()``.

Other processes reach a fabric through its control socket:
``fab.ctl_listen(path)`` serves it (while the fabric's loop runs), and
``vfabric.Ctl(path)`` attaches and detaches ports, lists objects, reads
counters and traces frames there, raising the VfError the fabric's own
call would.
"""

from ._lib import FEATURES, library_path, version_info
from ._lib import REQUIRED_MAJOR as _MAJOR, REQUIRED_MINOR as _MINOR
from ._lib import lib as _clib
from .addr import (ipv4_format, ipv4_parse, mac_format, mac_parse,
                   prefix_format, prefix_parse)
from .cell import Cell
from .enums import (NAME_MAX, PORT_F_ADMIN_DOWN, PORT_SECGROUPS_MAX,
                    ROUTER_ROUTES_MAX,
                    SECGROUP_RULES_MAX, SUBNET_DNS_MAX, DhcpMode, Direction,
                    DropReason, LogLevel, Protocol, SubnetKind, Verdict,
                    WireMode)
from .ctl import Ctl, CtlStats
from .errors import VfError
from .fabric import Fabric
from .gossip import (Gossip, GossipEvent, GossipStatus, Member, MemberState,
                     Profile)
from .pipeline import Location, LocationEvent, PortStats, drop_reason_name
from .policy import Policy, Rule, SecGroup
from .port import Port
from .router import Route, Router
from .runtime import (BIND_F_CREATE_TAP, BIND_F_CREATE_VETH, BIND_F_OWN,
                      FRAME_F_WRITABLE, DatapathStats, Worker)
from .subnet import Subnet

#: The binding's own version: it needs libvfabric of the same major and at
#: least this minor.
__version__ = "%d.%d.0" % (_MAJOR, _MINOR)


def version():
    """The loaded library's version string ("0.1.0")."""
    return _clib.vf_version_string().decode("ascii")


def strerror(err):
    """The library's static description of an error code."""
    return _clib.vf_strerror(err).decode("utf-8", "replace")


__all__ = [
    "Fabric", "Cell", "Subnet", "Router", "Port", "SecGroup", "Policy",
    "Rule", "Route", "VfError", "PortStats", "Location", "LocationEvent", "Ctl", "CtlStats",
    "Worker", "DatapathStats", "BIND_F_CREATE_TAP", "BIND_F_CREATE_VETH",
    "BIND_F_OWN", "FRAME_F_WRITABLE",
    "WireMode", "Verdict", "SubnetKind", "DhcpMode", "Direction", "LogLevel",
    "Protocol", "DropReason", "drop_reason_name", "NAME_MAX",
    "SUBNET_DNS_MAX", "ROUTER_ROUTES_MAX",
    "PORT_SECGROUPS_MAX", "SECGROUP_RULES_MAX", "PORT_F_ADMIN_DOWN",
    "ipv4_parse", "ipv4_format", "prefix_parse", "prefix_format",
    "mac_parse", "mac_format",
    "version", "version_info", "library_path", "strerror", "FEATURES",
    "Gossip", "GossipEvent", "GossipStatus", "Member", "MemberState",
    "Profile",
]
