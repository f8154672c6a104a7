#!/usr/bin/env python3
"""Cuts the seed corpora of fuzz_gossip and fuzz_gossip_stream from the
Serf captures in tests/vectors/serf/ (standard library only).

Each seed is a mode byte and a UDP payload or one direction of a TCP
stream: mode 0 for the plain captures, 1 for the encrypted ones (the
fuzz targets hold their key), and 2 (sealed by the target) for one
plain packet of each layer path. Per capture, the first two items of
each layer path (from <capture>.index.txt) are kept. Files are named by
the SHA-1 of their content, as libFuzzer names them.

    tests/fuzz/gossip_seeds.py        # adds them to tests/fuzz/corpus/gossip*/

Existing files are kept: the corpora also hold inputs the fuzzers found.
"""
import hashlib
import os
import re
import struct
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VECTORS = os.path.join(TOP, 'tests', 'vectors', 'serf')
CORPUS = os.path.join(TOP, 'tests', 'fuzz', 'corpus')
CAPTURES = {'plain3': 0, 'enc3': 1, 'nocomp2': 0, 'latejoin2': 0, 'foreign': 0,
            'foreign-enc': 1}


def items(path):
    """(first frame, is_tcp, bytes) per UDP packet and TCP stream direction."""
    data = open(path, 'rb').read()
    assert struct.unpack('<I', data[:4])[0] == 0xa1b2c3d4
    assert struct.unpack('<I', data[20:24])[0] == 1     # Ethernet
    off, frame, out, streams = 24, 0, [], {}
    while off + 16 <= len(data):
        incl = struct.unpack('<I', data[off + 8:off + 12])[0]
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        frame += 1
        if struct.unpack('>H', pkt[12:14])[0] != 0x0800:
            continue
        ip = pkt[14:]
        ihl, total, proto = (ip[0] & 15) * 4, struct.unpack('>H', ip[2:4])[0], ip[9]
        l4 = ip[ihl:total]
        if proto == 17:
            out.append([frame, False, bytes(l4[8:])])
        elif proto == 6:
            key = (ip[12:16], l4[0:2], ip[16:20], l4[2:4])
            seq, flags = struct.unpack('>I', l4[4:8])[0], l4[13]
            payload = l4[(l4[12] >> 4) * 4:]
            if flags & 2:
                item = [frame, True, b'']
                streams[key] = (item, seq + 1)
                out.append(item)
            elif key in streams and payload:
                item, isn = streams[key]
                pos = (seq - isn) & 0xffffffff
                item[2] = item[2][:pos].ljust(pos, b'\0') + payload + item[2][pos + len(payload):]
    return out


def paths(name):
    out = {}
    for line in open(os.path.join(VECTORS, name + '.index.txt')):
        m = re.match(r'(UDP frame|TCP stream frames) (\d+).*\[(.*)\]$', line)
        if m:
            out[int(m.group(2))] = m.group(3)
    return out


def write(target, data, seen):
    digest = hashlib.sha1(data).hexdigest()
    if digest not in seen:
        seen.add(digest)
        with open(os.path.join(CORPUS, target, digest), 'wb') as f:
            f.write(data)


def main():
    seen = set()
    for target in ('gossip', 'gossip_stream'):
        os.makedirs(os.path.join(CORPUS, target), exist_ok=True)
    for name, mode in CAPTURES.items():
        index, kept, sealed = paths(name), {}, set()
        for frame, tcp, data in items(os.path.join(VECTORS, name + '.pcap')):
            path = index[frame]
            if not data or kept.get((tcp, path), 0) >= 2:
                continue
            kept[(tcp, path)] = kept.get((tcp, path), 0) + 1
            target = 'gossip_stream' if tcp else 'gossip'
            write(target, bytes([mode]) + data, seen)
            if mode == 0 and path not in sealed:
                sealed.add(path)
                write(target, bytes([2]) + data, seen)
    for target in ('gossip', 'gossip_stream'):
        print(target, len(os.listdir(os.path.join(CORPUS, target))), 'seeds')
    return 0


if __name__ == '__main__':
    sys.exit(main())
