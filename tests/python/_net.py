"""Helpers of the pipeline tests: hosts whose output is recorded, an
underlay wiring several hosts (fabrics) of one process, the usual cell,
and scapy builders of the frames VMs send.

Import it after ``pytest.importorskip("scapy")``: the tests that use it
need python3-scapy.
"""

import types

from scapy.all import ARP, BOOTP, DHCP, ICMP, IP, UDP, Ether

import vfabric

BCAST = "ff:ff:ff:ff:ff:ff"
HOST_A = "52:54:00:00:00:0a"
HOST_B = "52:54:00:00:00:0b"
HOST_C = "52:54:00:00:00:0c"
HOST_D = "52:54:00:00:00:0d"

#: The DHCP settings of subnet s1 of cell() (checked in the replies).
S1_DHCP = dict(dns=["10.0.0.53", "10.0.0.54"], domain="example.test",
               lease_time=3600, mtu=1400)


def mac_bytes(mac):
    """ "02:01:..." -> 6 bytes."""
    return bytes.fromhex(mac.replace(":", ""))


class Host:
    """A Fabric whose output callable records every frame in ``out`` as
    (Port or None, bytes) and hands underlay frames to ``underlay`` (if
    the host is on one)."""

    def __init__(self, name="hv1", host_mac=HOST_A, host_ip=None,
                 **fabric_args):
        self.name = name
        self.host_mac = host_mac
        self.fabric = vfabric.Fabric(host_name=name, host_mac=host_mac,
                                     host_ip=host_ip, **fabric_args)
        self.out = []
        self.underlay = None
        self.fabric.set_output(self._output)

    def _output(self, port, frame):
        # Runs inside a call on self.fabric: must not touch it.
        assert isinstance(frame, bytes)
        assert port is None or isinstance(port, vfabric.Port)
        self.out.append((port, frame))
        if port is None and self.underlay is not None:
            self.underlay.carry(self, frame)

    def inject(self, port, frame):
        """port.inject(frame); returns the (port, frame) pairs this host
        sent meanwhile, checking that inject() counted them."""
        mark = len(self.out)
        sent = port.inject(frame)
        new = self.out[mark:]
        assert sent == len(new), (sent, new)
        return new

    def inject_underlay(self, frame):
        """fabric.inject_underlay(frame), as inject()."""
        mark = len(self.out)
        sent = self.fabric.inject_underlay(frame)
        new = self.out[mark:]
        assert sent == len(new), (sent, new)
        return new

    def close(self):
        self.fabric.close()


class Underlay:
    """The physical network: a frame a host sends to the underlay goes to
    the host whose MAC (PMAC) is its destination, by inject_underlay().
    Every frame on it is recorded in ``frames`` as (sender name, bytes)
    and checked: both its MACs are hosts' PMACs, never a virtual MAC (a
    failed check is re-raised from the call that sent the frame)."""

    def __init__(self, *hosts):
        self.hosts = {}
        self.frames = []
        for h in hosts:
            self.add(h)

    def add(self, host):
        self.hosts[host.host_mac] = host
        host.underlay = self

    def carry(self, sender, frame):
        e = Ether(frame)
        self.frames.append((sender.name, frame))
        assert e.src == sender.host_mac, \
            "underlay frame from %s has source MAC %s" % (sender.name, e.src)
        assert e.dst in self.hosts and e.dst != sender.host_mac, \
            "underlay frame from %s to MAC %s" % (sender.name, e.dst)
        self.hosts[e.dst].fabric.inject_underlay(frame)

    def sent_by(self, name, mark=0):
        """The frames host ``name`` put on the wire since ``mark``."""
        return [f for who, f in self.frames[mark:] if who == name]


def cell(fabric, cell_id=1, router=True):
    """Cell ``cell_id`` with subnets s1 = 10.<id>.1.0/24 (DHCP settings
    S1_DHCP) and s2 = 10.<id>.2.0/24, and a router on both (unless
    router=False). Returns a namespace: cell, s1, s2, router, rvmac1,
    rvmac2, gw1, gw2."""
    c = fabric.create_cell(id=cell_id, name="cell%d" % cell_id)
    s1 = c.create_subnet(id=1, name="s1", **S1_DHCP)
    s2 = c.create_subnet(id=2, name="s2")
    ns = types.SimpleNamespace(cell=c, s1=s1, s2=s2, router=None,
                               gw1=s1.gateway, gw2=s2.gateway)
    if router:
        ns.router = c.create_router()
        ns.router.attach(s1)
        ns.router.attach(s2)
        ns.rvmac1 = ns.router.iface_mac(s1)
        ns.rvmac2 = ns.router.iface_mac(s2)
    return ns


def ip_frame(port, dst_mac, dst_ip, l4=None, ttl=64, src_mac=None,
             src_ip=None):
    """An IPv4 frame from ``port``'s VM (UDP 1234 -> 5000 with 32 bytes
    of data unless ``l4`` is given)."""
    if l4 is None:
        l4 = UDP(sport=1234, dport=5000) / (b"payload-" * 4)
    return (Ether(src=src_mac or port.vmac, dst=dst_mac)
            / IP(src=src_ip or port.vip, dst=dst_ip, ttl=ttl) / l4)


def arp_request(port, target, hwsrc=None, psrc=None, dst=BCAST):
    """ARP who-has ``target`` from ``port``'s VM."""
    return (Ether(src=port.vmac, dst=dst)
            / ARP(op=1, hwsrc=hwsrc or port.vmac,
                  psrc=port.vip if psrc is None else psrc,
                  hwdst="00:00:00:00:00:00", pdst=target))


def arp_reply(to_port, mac, ip):
    """The ARP reply the fabric should give ``to_port`` for ``ip`` at
    ``mac``: Ethernet to the requester (unpadded)."""
    return (Ether(src=mac, dst=to_port.vmac)
            / ARP(op=2, hwsrc=mac, psrc=ip, hwdst=to_port.vmac,
                  pdst=to_port.vip))


def dhcp(port, msg_type, src_ip="0.0.0.0", dst_ip="255.255.255.255",
         ciaddr="0.0.0.0", broadcast=False, options=(), chaddr=None,
         xid=0x1234abcd, op=1):
    """A DHCP message of ``port``'s VM's client."""
    flags = 0x8000 if broadcast else 0
    return (Ether(src=port.vmac, dst=BCAST if dst_ip == "255.255.255.255"
                  else "06:00:00:00:00:00")
            / IP(src=src_ip, dst=dst_ip) / UDP(sport=68, dport=67)
            / BOOTP(op=op, xid=xid, flags=flags, ciaddr=ciaddr,
                    chaddr=mac_bytes(chaddr or port.vmac))
            / DHCP(options=[("message-type", msg_type)] + list(options)
                   + ["end"]))


def echo_request(port, dst_mac, dst_ip, ident=0x4242, seq=7,
                 data=b"ping-data-0123456789"):
    return (Ether(src=port.vmac, dst=dst_mac)
            / IP(src=port.vip, dst=dst_ip, tos=0x10)
            / ICMP(type=8, id=ident, seq=seq) / data)


def rebuilt(frame):
    """``frame`` (bytes) parsed by scapy and built again with every
    checksum and length recomputed: equal to ``frame`` iff those were
    right."""
    pkt = Ether(frame)
    for layer in (IP, UDP, ICMP):
        if layer in pkt:
            for field in ("chksum", "len"):
                if field in pkt[layer].fields and \
                        not (layer is ICMP and field == "len"):
                    delattr(pkt[layer], field)
    return bytes(pkt)


def counters(fabric):
    """Every counter of a fabric: its drops by reason, and each port's
    stats and drops by reason (to check that nothing changed)."""
    snap = {("fabric", r): fabric.drops(r) for r in vfabric.DropReason}
    for port in fabric.ports:
        snap[(port.name, "stats")] = port.stats
        for r in vfabric.DropReason:
            snap[(port.name, r)] = port.drops(r)
    return snap
