"""Addresses: the Python side speaks strings, the C side integers and
frozen structs.

- IPv4 addresses are ``"10.1.2.3"`` (``int`` and
  :class:`ipaddress.IPv4Address` are accepted too); C uses a ``uint32_t``
  in host byte order.
- Prefixes are ``"10.1.2.0/24"`` (:class:`ipaddress.IPv4Network` and
  ``(address, length)`` tuples are accepted too).
- MACs are ``"02:01:0a:01:01:05"`` (``'-'`` separators, any case and 6
  ``bytes`` are accepted too).

Parsing and formatting go through the library's own helpers
(vf_ipv4_parse() & co.), so the binding accepts exactly what C accepts. A
malformed value raises :class:`~vfabric.errors.VfError` with ``EINVAL``
and the value in the message; a value of the wrong type raises
:class:`TypeError`.
"""

import ctypes
import errno
import ipaddress
from ctypes import byref, c_uint32

from ._lib import Mac, Prefix, lib
from .errors import VfError

__all__ = ["ipv4_parse", "ipv4_format", "prefix_parse", "prefix_format",
           "mac_parse", "mac_format"]

_IPV4_STRLEN = 16
_PREFIX_STRLEN = 19
_MAC_STRLEN = 18


def _naming(exc, value, what):
    """exc, with what/value prepended unless the library's message already
    names the value."""
    if str(value) in exc.strerror:
        return exc
    return VfError(exc.errno, "%s %r: %s" % (what, value, exc.strerror),
                   exc.function)


def ipv4_parse(text):
    """"10.1.2.3" -> 0x0a010203 (vf_ipv4_parse)."""
    if not isinstance(text, str):
        raise TypeError("expected str, not %s" % type(text).__name__)
    out = c_uint32()
    try:
        lib.vf_ipv4_parse(byref(out), text.encode("utf-8"))
    except VfError as exc:
        raise _naming(exc, text, "IPv4 address") from None
    return out.value


def ipv4_format(addr):
    """0x0a010203 -> "10.1.2.3" (vf_ipv4_format)."""
    buf = ctypes.create_string_buffer(_IPV4_STRLEN)
    n = lib.vf_ipv4_format(buf, len(buf), addr)
    return buf.raw[:n].decode("ascii")


def prefix_parse(text):
    """"10.1.2.0/24" -> (0x0a010200, 24) (vf_prefix_parse)."""
    if not isinstance(text, str):
        raise TypeError("prefix: expected str, not %s" % type(text).__name__)
    p = _parse_prefix(text, "prefix")
    return (p.addr, p.len)


def prefix_format(addr, length):
    """(0x0a010200, 24) -> "10.1.2.0/24" (vf_prefix_format)."""
    return _prefix_text(Prefix(addr=addr, len=length))


def mac_parse(text):
    """"02:01:0a:01:01:05" -> 6 bytes (vf_mac_parse)."""
    return bytes(_mac_struct(text, "MAC").addr)


def mac_format(mac):
    """6 bytes -> "02:01:0a:01:01:05" (vf_mac_format)."""
    return _mac_text(_mac_struct(mac, "MAC"))

# --------------------------------------------------------------------------
# Conversions used by the object classes; "what" names the argument in
# error messages.


def ip_in(value, what, allow_none=True):
    """An IPv4 argument as uint32; None -> 0 ("not given")."""
    if value is None:
        if allow_none:
            return 0
        raise TypeError("%s: an IPv4 address is required" % what)
    if isinstance(value, bool):
        raise TypeError("%s: expected an IPv4 address, not bool" % what)
    if isinstance(value, int):
        if not 0 <= value <= 0xffffffff:
            raise VfError(errno.EINVAL, "%s: %d is not an IPv4 address"
                          % (what, value))
        return value
    if isinstance(value, ipaddress.IPv4Address):
        return int(value)
    if isinstance(value, str):
        out = c_uint32()
        try:
            lib.vf_ipv4_parse(byref(out), value.encode("utf-8"))
        except VfError as exc:
            raise _naming(exc, value, what) from None
        return out.value
    raise TypeError("%s: expected an IPv4 address (str), not %s"
                    % (what, type(value).__name__))


def ip_out(addr, zero_is_none=True):
    """A uint32 as "a.b.c.d"; 0 -> None when it means "none"."""
    if addr == 0 and zero_is_none:
        return None
    return ipv4_format(addr)


def _parse_prefix(text, what):
    """vf_prefix_parse(), its error naming the argument."""
    out = Prefix()
    try:
        lib.vf_prefix_parse(byref(out), text.encode("utf-8"))
    except VfError as exc:
        raise _naming(exc, text, what) from None
    return out


def _prefix_struct(value, what):
    if isinstance(value, Prefix):
        return Prefix(addr=value.addr, len=value.len)
    if isinstance(value, ipaddress.IPv4Network):
        return Prefix(addr=int(value.network_address), len=value.prefixlen)
    if isinstance(value, tuple) and len(value) == 2:
        return Prefix(addr=ip_in(value[0], what, False), len=value[1])
    if isinstance(value, str):
        # A well-formed "a.b.c.d/len" goes to the library as it is: whether
        # host bits may be set is for the call that takes it to judge (and
        # word), exactly as for a C caller. Anything else gets
        # vf_prefix_parse()'s error.
        text, slash, length = value.partition("/")
        if slash and length.isdigit() and length == str(int(length)) \
                and int(length) <= 32:
            addr = ctypes.c_uint32()
            try:
                lib.vf_ipv4_parse(byref(addr), text.encode("utf-8"))
            except VfError:
                pass
            else:
                return Prefix(addr=addr.value, len=int(length))
        return _parse_prefix(value, what)
    raise TypeError("%s: expected a prefix \"a.b.c.d/len\", not %s"
                    % (what, type(value).__name__))


def prefix_in(value, what):
    """A prefix argument as a vf_ipv4_prefix; None -> all zero."""
    if value is None:
        return Prefix()
    return _prefix_struct(value, what)


def _prefix_text(p):
    buf = ctypes.create_string_buffer(_PREFIX_STRLEN)
    n = lib.vf_prefix_format(buf, len(buf), byref(p))
    return buf.raw[:n].decode("ascii")


def prefix_out(p, zero_is_none=True):
    """A vf_ipv4_prefix as "a.b.c.d/len"; all zero -> None when that means
    "any"."""
    if zero_is_none and p.addr == 0 and p.len == 0:
        return None
    return _prefix_text(p)


def _mac_struct(value, what):
    if isinstance(value, Mac):
        return Mac.from_buffer_copy(value)
    if isinstance(value, (bytes, bytearray)):
        if len(value) != 6:
            raise VfError(errno.EINVAL, "%s: %r is not 6 bytes"
                          % (what, bytes(value)))
        return Mac.from_buffer_copy(bytes(value))
    if isinstance(value, str):
        out = Mac()
        try:
            lib.vf_mac_parse(byref(out), value.encode("utf-8"))
        except VfError as exc:
            raise _naming(exc, value, what) from None
        return out
    raise TypeError("%s: expected a MAC \"xx:xx:xx:xx:xx:xx\", not %s"
                    % (what, type(value).__name__))


def mac_in(value, what):
    """A MAC argument as a vf_mac; None -> all zero ("not given")."""
    if value is None:
        return Mac()
    return _mac_struct(value, what)


def _mac_text(m):
    buf = ctypes.create_string_buffer(_MAC_STRLEN)
    n = lib.vf_mac_format(buf, len(buf), byref(m))
    return buf.raw[:n].decode("ascii")


def mac_out(m, zero_is_none=True):
    """A vf_mac as "xx:xx:..."; all zero -> None when that means
    "unknown"."""
    if zero_is_none and not any(m.addr):
        return None
    return _mac_text(m)

