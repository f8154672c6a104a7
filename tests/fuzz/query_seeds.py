#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_query (tests/fuzz/corpus/query/): Serf
queries and relays as the agent encodes them (serf.md §7), vf-where
payloads good and bad. Standard library only; files are named by the
SHA-1 of their content, as libFuzzer names them. Existing files are kept.

    tests/fuzz/query_seeds.py
"""
import hashlib
import os
import struct

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus', 'query')


def mp(v):
    """The msgpack of v as go-msgpack writes Serf's messages."""
    if v is None:
        return b'\xc0'
    if isinstance(v, bool):
        return b'\xc3' if v else b'\xc2'
    if isinstance(v, int):
        if v < 0:
            return b'\xd3' + struct.pack('>q', v)
        if v < 128:
            return bytes([v])
        for tag, fmt, lim in ((0xcc, '>B', 1 << 8), (0xcd, '>H', 1 << 16),
                              (0xce, '>I', 1 << 32), (0xcf, '>Q', 1 << 64)):
            if v < lim:
                return bytes([tag]) + struct.pack(fmt, v)
    if isinstance(v, str):
        v = v.encode()
    if isinstance(v, bytes):
        n = len(v)
        head = bytes([0xa0 | n]) if n < 32 else (b'\xd9' + bytes([n]) if n < 256
                                                 else b'\xda' + struct.pack('>H', n))
        return head + v
    if isinstance(v, list):
        return bytes([0x90 | len(v)]) + b''.join(mp(x) for x in v)
    if isinstance(v, dict):
        return bytes([0x80 | len(v)]) + b''.join(mp(k) + mp(x) for k, x in v.items())
    raise TypeError(v)


def query(name, payload, flags=1, qid=0x4a42df49, ltime=3, filters=None, relay=0,
          timeout=3200000000, addr=b'\x7f\x00\x00\x29'):
    return b'\x04' + mp({'Addr': addr, 'Filters': filters, 'Flags': flags, 'ID': qid,
                         'LTime': ltime, 'Name': name, 'Payload': payload,
                         'Port': 7946, 'RelayFactor': relay, 'SourceNode': 'agent',
                         'Timeout': timeout})


def relay(inner, ip=b'\x7f\x00\x00\x29', port=7946):
    return b'\x09' + mp({'DestAddr': {'IP': ip, 'Port': port, 'Zone': ''},
                         'DestName': 'agent'}) + inner


def split(*msgs):
    return b''.join(struct.pack('>H', len(m)) + m for m in msgs)


def main():
    ack = b'\x05' + mp({'Flags': 1, 'From': 'beta', 'ID': 7, 'LTime': 3, 'Payload': None})
    where = query('vf-where', '7 10.1.0.5')
    seeds = [
        b'\x00' + b'7 10.1.0.5',
        b'\x00' + b' 4294967295\t10.1.0.5\n',
        b'\x00' + b'seven 10.1.0.5',
        b'\x01' + where,
        b'\x01' + query('vf-where', '7 10.1.0.5', relay=2),
        b'\x01' + query('vf-where', '7 10.1.0.6', flags=3),
        b'\x01' + query('vf-where', 'seven'),
        b'\x01' + query('vf-where', '7 10.1.0.5', timeout=0),
        b'\x01' + query('vf-where', '7 10.1.0.5', filters=[b'\x00' + mp(['fuzz', 'beta'])]),
        b'\x01' + query('vf-where', '7 10.1.0.5',
                        filters=[b'\x01' + mp({'Expr': 'fu.*', 'Tag': 'role'}),
                                 b'\x01' + mp({'Expr': '^r[12]$', 'Tag': 'rack'})]),
        b'\x01' + query('vf-where', '7 10.1.0.5', filters=[b'\x07\x90']),
        b'\x01' + query('_serf_ping', ''),
        b'\x01' + query('_serf_conflict', 'fuzz', addr=b'\x00' * 10 + b'\xff\xff\x7f\x00\x00\x29'),
        b'\x01' + relay(ack),
        b'\x01' + relay(ack, ip=b'\x20\x01' + b'\x00' * 14),
        b'\x02' + split(where, where, query('vf-where', '7 10.1.0.5', qid=8),
                        query('vf-where', '7 10.1.0.5', ltime=900),
                        query('vf-where', '7 10.1.0.5', ltime=2)),
    ]
    os.makedirs(CORPUS, exist_ok=True)
    for s in seeds:
        path = os.path.join(CORPUS, hashlib.sha1(s).hexdigest())
        if not os.path.exists(path):
            with open(path, 'wb') as f:
                f.write(s)


if __name__ == '__main__':
    main()
