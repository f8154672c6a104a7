#!/usr/bin/python3
"""Makes the reference frames of the lib/packet tests with scapy.

Run once by hand with Debian's python3-scapy (2.5.0), not by the build:
  /usr/bin/python3 tests/unit/packet_frames.py c
      prints the fr_* arrays pasted into tests/unit/packet_frames.h
      (then clang-format -i)
  /usr/bin/python3 tests/unit/packet_frames.py corpus tests/fuzz/corpus/packet
      writes the seed corpus of tests/fuzz/fuzz_packet.c
"""
import os
import sys

from scapy.all import IPv6, Ether, ARP, IP, ICMP, UDP, TCP, Raw, Dot1Q, IPOption_NOP, IPOption_RR, fragment, raw
A='02:00:00:00:00:05'; R='02:00:00:00:00:01'; B='02:00:00:00:00:07'
AIP='10.1.1.5'; RIP='10.1.1.1'; BIP='10.1.2.7'
frames = {}
def f(name, expr):
    pkt = eval(expr)
    frames[name] = (expr, raw(pkt))
f('arp_request', "Ether(dst='ff:ff:ff:ff:ff:ff', src=A)/ARP(op=1, hwsrc=A, psrc=AIP, hwdst='00:00:00:00:00:00', pdst=RIP)")
f('arp_reply_expected', "Ether(dst=A, src=R)/ARP(op=2, hwsrc=R, psrc=RIP, hwdst=A, pdst=AIP)")
f('echo_request', "Ether(dst=R, src=A)/IP(src=AIP, dst=RIP, id=0x1234, tos=0x10)/ICMP(type=8, id=0x4242, seq=7)/Raw(b'abcdefghijklmnopqrstuvw')")
f('echo_reply_expected', "Ether(dst=A, src=R)/IP(src=RIP, dst=AIP, id=0, flags='DF', ttl=64, tos=0x10)/ICMP(type=0, id=0x4242, seq=7)/Raw(b'abcdefghijklmnopqrstuvw')")
f('echo_request_vlan_opts', "Ether(dst=R, src=A)/Dot1Q(prio=3, vlan=100)/IP(src=AIP, dst=RIP, id=0x77, options=[IPOption_RR(routers=['1.2.3.4']), IPOption_NOP()])/ICMP(type=8, id=9, seq=1)/Raw(b'0123456789')")
f('echo_reply_vlan_opts_expected', "Ether(dst=A, src=R)/IP(src=RIP, dst=AIP, id=0, flags='DF', ttl=64)/ICMP(type=0, id=9, seq=1)/Raw(b'0123456789')")
f('udp', "Ether(dst=R, src=A)/IP(src=AIP, dst=BIP, id=0x0100, ttl=64)/UDP(sport=5000, dport=53)/Raw(b'hello world')")
f('udp_ttl63_expected', "Ether(dst=R, src=A)/IP(src=AIP, dst=BIP, id=0x0100, ttl=63)/UDP(sport=5000, dport=53)/Raw(b'hello world')")
f('time_exceeded_expected', "Ether(dst=A, src=R)/IP(src=RIP, dst=AIP, id=0, flags='DF', ttl=64, tos=0xc0)/ICMP(type=11, code=0)/Raw(raw(IP(src=AIP, dst=BIP, id=0x0100, ttl=64)/UDP(sport=5000, dport=53)/Raw(b'hello world'))[:28])")
f('port_unreach_vlan_opts_expected', "Ether(dst=A, src=R)/IP(src=RIP, dst=AIP, id=0, flags='DF', ttl=64, tos=0xc0)/ICMP(type=3, code=3)/Raw(raw(IP(src=AIP, dst=RIP, id=0x77, options=[IPOption_RR(routers=['1.2.3.4']), IPOption_NOP()])/ICMP(type=8, id=9, seq=1)/Raw(b'0123456789'))[:28+8])")
f('udp_build_expected', "Ether(dst='ff:ff:ff:ff:ff:ff', src=R)/IP(src=RIP, dst='255.255.255.255', id=0, flags='DF', ttl=64)/UDP(sport=67, dport=68)/Raw(b'vfabric dhcp payload!')")
f('tcp_syn', "Ether(dst=R, src=A)/IP(src=AIP, dst=BIP, id=0x2222)/TCP(sport=40000, dport=22, flags='S', seq=1000, options=[('MSS', 1460), ('NOP', None), ('WScale', 7)])")
f('udp_padded', "raw(Ether(dst=R, src=A)/IP(src=AIP, dst=BIP, id=5)/UDP(sport=1234, dport=4321)/Raw(b'hi')) + bytes(16)")
big = "IP(src=AIP, dst=BIP, id=0xabcd)/UDP(sport=7000, dport=8000)/Raw(bytes(range(100)))"
fr = fragment(eval(big), fragsize=48)
for i, n in enumerate(['frag_first', 'frag_middle', 'frag_last']):
    frames[n] = ("Ether(dst=R, src=A)/fragment(%s, fragsize=48)[%d]" % (big, i), raw(Ether(dst=R, src=A)/fr[i]))
f('dot1ad_udp', "Ether(dst=R, src=A, type=0x88a8)/Dot1Q(vlan=7)/IP(src=AIP, dst=BIP, id=3)/UDP(sport=1, dport=2)/Raw(b'x')")
f('qinq_double', "Ether(dst=R, src=A, type=0x88a8)/Dot1Q(vlan=7)/Dot1Q(vlan=8)/IP(src=AIP, dst=BIP)/UDP()")
f('ipv6_udp', "Ether(dst=R, src=A)/IPv6(src='fe80::1', dst='fe80::2')/UDP(sport=1, dport=2)")
mode = sys.argv[1] if len(sys.argv) > 1 else 'c'
if mode == 'c':
    for n, (e, b) in frames.items():
        print('/* scapy 2.5.0: raw(%s) */' % e)
        print('static const uint8_t fr_%s[%d] = {' % (n, len(b)))
        print('\t' + ', '.join('0x%02x' % x for x in b))
        print('};\n')
else:
    d = sys.argv[2]
    extra = {'time_exceeded': frames['time_exceeded_expected'][1],
             'udp_truncated': frames['udp'][1][:40],
             'arp_truncated': frames['arp_request'][1][:30],
             'tcp_truncated_options': frames['tcp_syn'][1][:58]}
    for n, (e, b) in frames.items():
        if n.endswith('_expected'): continue
        open(os.path.join(d, n), 'wb').write(b)
    for n, b in extra.items():
        open(os.path.join(d, n), 'wb').write(b)
