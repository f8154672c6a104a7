"""Gossip membership (gossip.h): the fabric's hosts find each other and
notice failures, in one cluster with stock Serf agents.

    fab = vfabric.Fabric(host_name="hv1")
    g = vfabric.Gossip(fab, bind_addr="10.0.0.1", tags={"rack": "r1"},
                       keys=["<serf keygen output>"])
    g.on_event(lambda ev, m: print(ev.name, m.name, m.state.name))
    g.join(["10.0.0.2"])
    while True:
        fab.run(1000)          # gossip runs on the fabric's loop
        print([m.name for m in g.members()])

Events run inside :meth:`Fabric.process`/:meth:`Fabric.run` (or on the
loop thread); an exception they raise is re-raised there.
"""

import enum
from ctypes import byref, c_char_p, c_void_p, cast, sizeof

from ._lib import (GOSSIP_EVENT_FN, GossipMemberC, GossipOpts, GossipStatsC,
                   GossipTag, lib, new_opts)
from ._object import dec, enc, trampoline

__all__ = ["Gossip", "Member", "MemberState", "GossipEvent", "GossipStatus",
           "Profile", "GOSSIP_PORT_DEFAULT", "GOSSIP_F_COMPRESS",
           "GOSSIP_F_NO_COMPRESS"]

#: gossip.h constants (checked against C by tests/python/test_gossip.py).
GOSSIP_PORT_DEFAULT = 7946
GOSSIP_F_COMPRESS = 1 << 0
GOSSIP_F_NO_COMPRESS = 1 << 1


class Profile(enum.IntEnum):
    """vf_gossip_profile: memberlist's timing profiles."""
    LAN = 0
    WAN = 1
    LOCAL = 2


class MemberState(enum.IntEnum):
    """vf_member_state."""
    ALIVE = 0
    SUSPECT = 1
    FAILED = 2
    LEFT = 3


class GossipEvent(enum.IntEnum):
    """vf_gossip_event."""
    JOINED = 1
    FAILED = 2
    LEFT = 3
    UPDATED = 4


class GossipStatus(enum.IntEnum):
    """vf_gossip_status."""
    STOPPED = 0
    RUNNING = 1
    LEAVING = 2
    LEFT = 3


class Member:
    """A member as gossip knows it (a copy: it does not change)."""
    __slots__ = ("name", "addr", "port", "state", "incarnation", "tags",
                 "is_self")

    def __init__(self, c):
        self.name = dec(c.name)
        self.addr = c.addr.decode("ascii")
        self.port = c.port
        self.state = MemberState(c.state)
        self.incarnation = c.incarnation
        self.tags = {dec(c.tags[i].key): dec(c.tags[i].value)
                     for i in range(c.ntags)}
        self.is_self = bool(c.self)

    def __repr__(self):
        return "Member(%r, %s:%d, %s, %r)" % (self.name, self.addr,
                                              self.port, self.state.name,
                                              self.tags)


def _member_out():
    m = GossipMemberC()
    m.sz = sizeof(GossipMemberC)
    return m


class Gossip:
    """Gossip on ``fabric`` (vf_gossip_start); :meth:`close` stops it.

    ``Gossip(fabric, bind_addr=None, bind_port=0, advertise_addr=None,
    advertise_port=0, node_name=None, role=None, tags=None, keys=None,
    profile=Profile.LAN, probe_interval_ms=0, probe_timeout_ms=0,
    gossip_interval_ms=0, push_pull_ms=0, compress=True)``

    ``tags`` is a dict of extra Serf tags, ``keys`` a list of base64 keys
    (``serf keygen``), the first one encrypting. ``compress=False`` sends
    uncompressed TCP messages (VF_GOSSIP_F_NO_COMPRESS); compressed ones are
    read either way.
    """

    def __init__(self, fabric, bind_addr=None, bind_port=0,
                 advertise_addr=None, advertise_port=0, node_name=None,
                 role=None, tags=None, keys=None, profile=Profile.LAN,
                 probe_interval_ms=0, probe_timeout_ms=0,
                 gossip_interval_ms=0, push_pull_ms=0, compress=True):
        self._fabric = fabric
        self._cb = None
        self._started = False
        tags = dict(tags or {})
        keys = list(keys or [])
        keep = []  # the bytes the C struct points to, until the call returns
        tag_array = (GossipTag * max(1, len(tags)))()
        for i, (k, v) in enumerate(tags.items()):
            kb, vb = enc(k, "tag key"), enc(v, "tag value")
            keep += [kb, vb]
            tag_array[i].key, tag_array[i].value = kb, vb
        key_array = (c_void_p * max(1, len(keys)))()
        for i, k in enumerate(keys):
            kb = c_char_p(enc(k, "key"))
            keep.append(kb)
            key_array[i] = cast(kb, c_void_p)
        opts = new_opts(
            GossipOpts, bind_addr=enc(bind_addr, "bind_addr"),
            advertise_addr=enc(advertise_addr, "advertise_addr"),
            node_name=enc(node_name, "node_name"), role=enc(role, "role"),
            tags=tag_array if tags else None, ntags=len(tags),
            keys=key_array if keys else None, nkeys=len(keys),
            bind_port=bind_port, advertise_port=advertise_port,
            profile=int(Profile(profile)),
            probe_interval_ms=probe_interval_ms,
            probe_timeout_ms=probe_timeout_ms,
            gossip_interval_ms=gossip_interval_ms, push_pull_ms=push_pull_ms,
            flags=0 if compress else GOSSIP_F_NO_COMPRESS)
        lib.vf_gossip_start(fabric._h, byref(opts))
        self._started = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        """Stops gossip at once, without leaving (vf_gossip_stop); safe to
        call twice, and after the fabric was closed."""
        if not self._started:
            return
        self._started = False
        try:
            lib.vf_gossip_set_event_fn(self._fabric._h, GOSSIP_EVENT_FN(),
                                       None)
            lib.vf_gossip_stop(self._fabric._h)
        except Exception:  # the fabric is gone: so is its gossip
            pass
        self._cb = None

    stop = close

    def join(self, seeds):
        """Joins through ``seeds`` ("ip" or "ip:port"); returns how many
        were contacted (the exchanges then run on the loop)."""
        if isinstance(seeds, str):
            seeds = [seeds]
        raw = [c_char_p(enc(s, "seed")) for s in seeds]
        arr = (c_void_p * len(raw))(*[cast(r, c_void_p) for r in raw])
        return lib.vf_gossip_join(self._fabric._h, arr, len(raw))

    def leave(self):
        """Leaves gracefully (vf_gossip_leave); :attr:`status` becomes
        LEFT once the others were told."""
        lib.vf_gossip_leave(self._fabric._h)

    @property
    def status(self):
        """A GossipStatus."""
        return GossipStatus(lib.vf_gossip_status_get(self._fabric._h))

    def members(self):
        """Every member known, this one first, as Member copies."""
        out = []
        for i in range(lib.vf_gossip_member_count(self._fabric._h)):
            m = _member_out()
            lib.vf_gossip_member_get(self._fabric._h, i, byref(m))
            out.append(Member(m))
        return out

    def member(self, name):
        """The Member called ``name``, or None."""
        m = _member_out()
        try:
            lib.vf_gossip_member_find(self._fabric._h, enc(name, "name"),
                                      byref(m))
        except OSError as exc:
            if exc.errno == 2:
                return None
            raise
        return Member(m)

    def stats(self):
        """The counters (vf_gossip_stats) as a dict."""
        st = GossipStatsC()
        st.sz = sizeof(st)
        lib.vf_gossip_stats_get(self._fabric._h, byref(st))
        return {name: getattr(st, name) for name, _ in GossipStatsC._fields_
                if name != "sz"}

    def install_key(self, key):
        """Adds a base64 key to the running keyring (vf_gossip_key_install):
        it decrypts at once, encrypts after :meth:`use_key`."""
        lib.vf_gossip_key_install(self._fabric._h, enc(key, "key"))

    def use_key(self, key):
        """Encrypts with an installed key from now on (vf_gossip_key_use)."""
        lib.vf_gossip_key_use(self._fabric._h, enc(key, "key"))

    def remove_key(self, key):
        """Removes a key that is not in use (vf_gossip_key_remove)."""
        lib.vf_gossip_key_remove(self._fabric._h, enc(key, "key"))

    @property
    def key_count(self):
        """Keys in the running keyring (vf_gossip_key_count)."""
        return lib.vf_gossip_key_count(self._fabric._h)

    def on_event(self, fn):
        """Calls ``fn(event: GossipEvent, member: Member)`` when a member
        joins, fails, leaves or changes; None stops that."""
        if fn is None:
            lib.vf_gossip_set_event_fn(self._fabric._h, GOSSIP_EVENT_FN(),
                                       None)
            self._cb = None
            return

        def body(fab, cfab, ev, member, user_data):
            fn(GossipEvent(ev), Member(member.contents))
        cb = GOSSIP_EVENT_FN(trampoline(self._fabric, body))
        lib.vf_gossip_set_event_fn(self._fabric._h, cb, None)
        self._cb = cb  # C may call it until replaced or stopped
