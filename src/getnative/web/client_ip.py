"""The client's IP address, trusting `X-Forwarded-For` only from configured proxies.

Anyone can send an `X-Forwarded-For` header, so it is only evidence when the socket peer is one
of our own proxies (`GETNATIVE_TRUSTED_PROXIES`). Each proxy appends the address it received the
request from, so the header is read right to left: trusted proxies are skipped and the first
address that is not ours is the client. Anything to the left of it was written by the client and
is ignored. The likes API identifies users by this address, so getting it wrong would let one
client act as many users.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from getnative.accounts.ip_users import is_canonical_ipv4

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
UNKNOWN_PEER = "0.0.0.0"
_BRACKETED = re.compile(r"\[([0-9A-Fa-f:.]+)\](?::[0-9]{1,5})?")
_IPV4_PORT = re.compile(r"([0-9.]+):[0-9]{1,5}")


def parse_networks(items: Iterable[str]) -> list[IPNetwork]:
    return [ipaddress.ip_network(item, strict=False) for item in items]


@lru_cache(maxsize=1024)
def parse_address(text: str) -> IPAddress | None:
    """An address as proxies write it: `1.2.3.4`, `1.2.3.4:5678`, `[2001:db8::1]:443`, `::1`.

    IPv4-mapped IPv6 (`::ffff:1.2.3.4`, what dual-stack sockets report) becomes plain IPv4, so a
    client is one identity whichever way it reached us. None when it is not an address.

    Cached (addresses are immutable): `ipaddress` parsing showed in the likes toggle's profile,
    and every request parses its socket peer, which is the same proxy address again and again.
    """
    text = text.strip().strip('"')
    with_port = _BRACKETED.fullmatch(text) or _IPV4_PORT.fullmatch(text)
    if with_port:
        text = with_port.group(1)
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@lru_cache(maxsize=1024)
def _peer(text: str) -> tuple[int, int, str] | None:
    """`parse_address(text)` as its IP version, integer and canonical spelling (`.compressed`,
    a Python-level formatting), kept: the socket peer is the same proxy (or the same client)
    again and again, so its trust test (`_TrustedRanges.holds`) needs nothing else."""
    address = parse_address(text)
    return None if address is None else (address.version, int(address), address.compressed)


class _TrustedRanges:
    """The trusted networks as (network, mask) integers per IP version, so that a membership
    test is an `&` and a comparison: `address in network` is exactly `int(address) &
    int(network.netmask) == int(network.network_address)` for an address of the network's
    version (`ipaddress`'s own test). A canonical dotted quad (what proxies write for IPv4
    clients, a new one on almost every likes toggle) is tested from its packed bytes, without
    an `IPv4Address`: building one and testing it cost more than the rest of the walk."""

    __slots__ = ("_ipv4", "_ipv6")

    def __init__(self, networks: Iterable[IPNetwork]) -> None:
        ranges = [(n.version, int(n.network_address), int(n.netmask)) for n in networks]
        self._ipv4 = tuple((network, mask) for v, network, mask in ranges if v == 4)
        self._ipv6 = tuple((network, mask) for v, network, mask in ranges if v == 6)

    def holds(self, version: int, value: int) -> bool:
        """Whether the address of IP `version` whose integer is `value` is in a trusted network
        (a loop, not `any()`: its generator cost more than the test)."""
        for network, mask in self._ipv4 if version == 4 else self._ipv6:
            if value & mask == network:
                return True
        return False


class TrustedNetworks(tuple[IPNetwork, ...]):
    """The trusted proxies' networks (`GETNATIVE_TRUSTED_PROXIES`) with their integer ranges
    derived once, where the container parses the setting, rather than on every request."""

    ranges: _TrustedRanges

    def __new__(cls, networks: Iterable[IPNetwork] = ()) -> TrustedNetworks:
        self = super().__new__(cls, networks)
        self.ranges = _TrustedRanges(self)
        return self


def _trusted_ranges(trusted: Sequence[IPNetwork]) -> _TrustedRanges:
    """The ranges of `trusted`: the ones a `TrustedNetworks` carries, else (any other sequence
    of networks, as it is now) derived for this call."""
    if isinstance(trusted, TrustedNetworks):
        return trusted.ranges
    return _TrustedRanges(trusted)


def _hop(text: str, ranges: _TrustedRanges) -> tuple[str, bool] | None:
    """A hop's canonical spelling and whether it is trusted; None when it is not an address.
    A dotted quad spelt canonically is its own spelling and needs no `ipaddress` parse."""
    if is_canonical_ipv4(text):
        return text, ranges.holds(4, int.from_bytes(socket.inet_aton(text), "big"))
    address = parse_address(text)
    if address is None:
        return None
    return address.compressed, ranges.holds(address.version, int(address))


def resolve_client_ip(
    peer: str | None, forwarded_for: str | None, trusted: Sequence[IPNetwork]
) -> str:
    """The socket peer, unless it is a trusted proxy: then `X-Forwarded-For` read right to left,
    skipping trusted proxies; the first untrusted address wins. If every hop is trusted, the
    leftmost one is the client. A malformed hop stops the walk at the last good address (it cannot
    have been written by one of our proxies, so nothing to its left is trustworthy).
    """
    known = _peer(peer) if peer else None
    if known is None:
        return peer or UNKNOWN_PEER  # e.g. a Unix socket or a test client: no address to trust
    version, value, spelling = known
    if not forwarded_for:
        return spelling
    ranges = _trusted_ranges(trusted)
    if not ranges.holds(version, value):
        return spelling
    for text in reversed(forwarded_for.split(",")):
        text = text.strip()
        if not text:
            continue
        hop = _hop(text, ranges)
        if hop is None:
            break
        spelling, trusted_hop = hop
        if not trusted_hop:
            break
    return spelling


def client_key(ip: str, ipv6_prefix: int) -> str:
    """The identity a client is counted and remembered by: its IPv4 address, or its IPv6 network
    of `ipv6_prefix` bits (`2001:db8:1:2::/64`). An ISP hands one subscriber a whole /64, so
    keying by address would let one client rotate through 2^64 identities and budgets."""
    if ":" not in ip:  # IPv4 (or no address at all): the key is the text, no parse needed
        return ip
    address = parse_address(ip)
    if not isinstance(address, ipaddress.IPv6Address) or ipv6_prefix >= 128:
        return ip
    return ipaddress.IPv6Network((address, ipv6_prefix), strict=False).compressed


def forwarded_for_header(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """All `X-Forwarded-For` headers joined in order (a repeated header is one list, RFC 9110)."""
    values = [value.decode("latin-1") for key, value in headers if key == b"x-forwarded-for"]
    return ",".join(values) if values else None


_RESOLVED = "getnative.client_ip"  # the scope key of (trusted, client IP) once resolved


def client_ip_from_scope(scope: Any, trusted: Sequence[IPNetwork]) -> str:
    """The client IP of an ASGI HTTP scope, resolved once per request (and per `trusted`):
    the edge's rate limit and the likes toggle both need it."""
    resolved = scope.get(_RESOLVED)
    if resolved is not None and resolved[0] is trusted:
        return str(resolved[1])
    peer = scope.get("client")
    ip = resolve_client_ip(
        peer[0] if peer else None, forwarded_for_header(scope.get("headers", ())), trusted
    )
    scope[_RESOLVED] = (trusted, ip)
    return ip


def client_key_from_scope(scope: Any, trusted: Sequence[IPNetwork], ipv6_prefix: int) -> str:
    """`client_key` of the client IP of an ASGI HTTP scope."""
    return client_key(client_ip_from_scope(scope, trusted), ipv6_prefix)
