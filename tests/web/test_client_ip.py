"""Client IP resolution: the peer, or X-Forwarded-For only through trusted proxies."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from getnative.accounts.ip_users import hash_ip
from getnative.config import Settings
from getnative.web.client_ip import (
    IPAddress,
    IPNetwork,
    TrustedNetworks,
    client_ip_from_scope,
    parse_address,
    parse_networks,
    resolve_client_ip,
)
from tests.conftest import ClientFactory

TRUSTED = parse_networks(["10.0.0.0/8", "127.0.0.1", "2001:db8:ffff::/48"])


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        # Untrusted peer: the header is the client's own words and is ignored (spoofing).
        ("203.0.113.5", "1.1.1.1", "203.0.113.5"),
        ("203.0.113.5", "10.0.0.1, 1.1.1.1", "203.0.113.5"),
        ("203.0.113.5", None, "203.0.113.5"),
        # Trusted peer, one proxy: the rightmost address is the client.
        ("10.0.0.2", "198.51.100.4", "198.51.100.4"),
        # A client-supplied spoof to the left of the real address is ignored.
        ("10.0.0.2", "6.6.6.6, 198.51.100.4", "198.51.100.4"),
        # Chains of trusted proxies are skipped right to left.
        ("10.0.0.2", "6.6.6.6, 198.51.100.4, 10.1.1.1, 127.0.0.1", "198.51.100.4"),
        # Every hop trusted: the leftmost is the client.
        ("10.0.0.2", "10.9.9.9, 10.1.1.1", "10.9.9.9"),
        # Trusted peer without a header: the peer itself.
        ("127.0.0.1", None, "127.0.0.1"),
        ("127.0.0.1", "", "127.0.0.1"),
        ("127.0.0.1", " , ", "127.0.0.1"),
        # A malformed hop stops the walk at the last good address.
        ("10.0.0.2", "198.51.100.4, unknown", "10.0.0.2"),
        ("10.0.0.2", "junk, 198.51.100.4", "198.51.100.4"),
        ("10.0.0.2", "198.51.100.4, junk, 10.1.1.1", "10.1.1.1"),
        # Ports, brackets, IPv6 and IPv4-mapped addresses.
        ("10.0.0.2", "198.51.100.4:5123", "198.51.100.4"),
        ("10.0.0.2", "[2001:DB8::1]:443", "2001:db8::1"),
        ("10.0.0.2", "2001:db8:0:0::7", "2001:db8::7"),
        ("10.0.0.2", "::ffff:198.51.100.4", "198.51.100.4"),
        ("::ffff:10.0.0.2", "198.51.100.4", "198.51.100.4"),
        ("2001:db8:ffff::1", "198.51.100.4", "198.51.100.4"),
        ("::ffff:203.0.113.5", "1.1.1.1", "203.0.113.5"),
        # No usable peer address (Unix socket, test client): kept as is, never trusted.
        (None, "1.1.1.1", "0.0.0.0"),
        ("testclient", "1.1.1.1", "testclient"),
    ],
)
def test_resolve_client_ip(peer: str | None, forwarded: str | None, expected: str) -> None:
    assert resolve_client_ip(peer, forwarded, TRUSTED) == expected


def test_nothing_is_trusted_by_default() -> None:
    assert resolve_client_ip("127.0.0.1", "1.1.1.1", []) == "127.0.0.1"


# --- the integer trust test and the canonical-quad shortcut against `ipaddress` -------------

NETWORK_SETS = [
    [],
    TRUSTED,
    parse_networks(["127.0.0.1/32"]),
    parse_networks(["0.0.0.0/0"]),
    parse_networks(["::/0"]),
    parse_networks(["192.0.2.128/25", "::1", "fd00::/8"]),
    parse_networks(["10.1.2.3/31", "198.51.100.4/32", "2001:db8::/32"]),
]
_SPELT_PLAINLY = """127.0.0.1 127.0.0.2 10.0.0.1 10.255.255.255 11.0.0.0 9.255.255.255 0.0.0.0
    255.255.255.255 192.0.2.127 192.0.2.128 192.0.2.255 10.1.2.2 10.1.2.3 10.1.2.4 198.51.100.4
    198.51.100.5 ::1 ::2 :: fd00::1 fe00::1 2001:db8::1 2001:db8:ffff::9 2001:db9::1
    ::ffff:10.0.0.1 ::ffff:127.0.0.1 [::1]:443 127.0.0.1:80 010.0.0.1 10.0.0.01 1.2.3
    2001:DB8::1 not-an-address"""
ADDRESSES = [
    *_SPELT_PLAINLY.split(),
    " 10.0.0.1",
    '"10.0.0.1"',
    "",
]


def reference_resolve(peer: str | None, forwarded: str | None, trusted: list[IPNetwork]) -> str:
    """The walk as written before the integer ranges (`ipaddress` parse and membership for
    every hop): the fast one must answer exactly this."""
    peer_address = parse_address(peer) if peer else None
    if peer_address is None:
        return peer or "0.0.0.0"

    def is_trusted(address: IPAddress) -> bool:
        return any(address in network for network in trusted)

    if not forwarded or not is_trusted(peer_address):
        return peer_address.compressed
    candidate = peer_address
    for hop in reversed(forwarded.split(",")):
        hop = hop.strip()
        if not hop:
            continue
        parsed = parse_address(hop)
        if parsed is None:
            break
        candidate = parsed
        if not is_trusted(candidate):
            break
    return candidate.compressed


@pytest.mark.parametrize("derived_once", [False, True], ids=["list", "TrustedNetworks"])
@pytest.mark.parametrize("networks", NETWORK_SETS)
def test_the_walk_equals_ipaddress_membership_on_a_table(
    networks: list[IPNetwork], derived_once: bool
) -> None:
    """Every peer and every one- and two-hop header of the table resolves as `ipaddress`
    membership tests resolve it (the fast walk tests integers and skips the parse of a
    canonical dotted quad), whether the ranges come with the networks (`TrustedNetworks`, as
    the container makes them) or are derived from a plain list."""
    trusted: Sequence[IPNetwork] = TrustedNetworks(networks) if derived_once else networks
    peers = [*ADDRESSES, "testclient", None]
    headers = [None, "", *ADDRESSES, *(f"{a}, {b}" for a in ADDRESSES[::3] for b in ADDRESSES)]
    for peer in peers:
        for forwarded in headers:
            expected = reference_resolve(peer, forwarded, networks)
            assert resolve_client_ip(peer, forwarded, trusted) == expected, (peer, forwarded)


def test_a_changed_trusted_list_is_seen() -> None:
    """A plain list of networks is read as it is at each call, also after a change in place."""
    trusted = parse_networks(["127.0.0.1"])
    assert resolve_client_ip("127.0.0.1", "198.51.100.4", trusted) == "198.51.100.4"
    trusted[0] = parse_networks(["10.0.0.0/8"])[0]
    assert resolve_client_ip("127.0.0.1", "198.51.100.4", trusted) == "127.0.0.1"
    assert resolve_client_ip("10.0.0.2", "198.51.100.4", trusted) == "198.51.100.4"
    assert resolve_client_ip("10.0.0.2", "198.51.100.4", []) == "10.0.0.2"


@pytest.mark.parametrize(
    "text", ["", "x", "1.2.3", "1.2.3.4.5", "300.1.1.1", "[::1", "1.2.3.4:", "1.2.3.4:x", "[x]:1"]
)
def test_parse_address_refuses_non_addresses(text: str) -> None:
    assert parse_address(text) is None


def test_hops_spelt_otherwise_resolve_to_the_canonical_spelling() -> None:
    """A dotted quad is taken as it is spelt only when that is its canonical spelling; any
    other spelling of a hop is parsed, and the answer is the address's canonical spelling."""
    assert resolve_client_ip("10.0.0.2", " 198.51.100.4 ", TRUSTED) == "198.51.100.4"
    assert resolve_client_ip("10.0.0.2", '"198.51.100.4"', TRUSTED) == "198.51.100.4"
    assert resolve_client_ip("10.0.0.2", "198.51.100.4, 010.1.1.1", TRUSTED) == "10.0.0.2"
    assert resolve_client_ip("10.0.0.2", "198.51.100.4, 10.1.1.1", TRUSTED) == "198.51.100.4"
    assert resolve_client_ip("10.0.0.2", "10.1.1.1, 2001:DB8::1", TRUSTED) == "2001:db8::1"


def test_the_client_ip_is_resolved_once_per_request_and_trusted_list() -> None:
    headers = [(b"x-forwarded-for", b"198.51.100.4")]
    scope: dict[str, object] = {"client": ("10.0.0.2", 1234), "headers": headers}
    assert client_ip_from_scope(scope, TRUSTED) == "198.51.100.4"
    headers[0] = (b"x-forwarded-for", b"198.51.100.5")  # no request changes its headers
    assert client_ip_from_scope(scope, TRUSTED) == "198.51.100.4"
    assert client_ip_from_scope(scope, []) == "10.0.0.2"  # another list: resolved for it


def test_repeated_headers_are_one_list() -> None:
    scope = {
        "client": ("10.0.0.2", 1234),
        "headers": [
            (b"x-forwarded-for", b"6.6.6.6"),
            (b"x-forwarded-for", b"198.51.100.4"),
        ],
    }
    assert client_ip_from_scope(scope, TRUSTED) == "198.51.100.4"
    assert client_ip_from_scope({"headers": []}, TRUSTED) == "0.0.0.0"


# --- over HTTP: the IP user follows the resolved address ----------------------------------


def me(client, **headers: str) -> str:
    response = client.get("/api/me", headers=headers)
    assert response.status_code == 200
    return str(response.json()["username"])


def visitor(settings: Settings, ip: str) -> str:
    return "visitor-" + hash_ip(settings.ip_hash_key, ip)[:8]


def test_spoofed_header_from_untrusted_peer_is_ignored(
    make_client: ClientFactory, settings: Settings
) -> None:
    client = make_client(ip="203.0.113.5", trusted_proxies=["127.0.0.1"])
    assert me(client, **{"X-Forwarded-For": "1.1.1.1"}) == visitor(settings, "203.0.113.5")
    assert me(client) == visitor(settings, "203.0.113.5")


def test_header_from_trusted_proxy_names_the_user(
    make_client: ClientFactory, settings: Settings
) -> None:
    client = make_client(ip="127.0.0.1", trusted_proxies=["127.0.0.1"])
    assert me(client, **{"X-Forwarded-For": "6.6.6.6, 198.51.100.4"}) == visitor(
        settings, "198.51.100.4"
    )
    assert me(client) == visitor(settings, "127.0.0.1")


def test_ipv4_mapped_peer_is_the_ipv4_user(make_client: ClientFactory, settings: Settings) -> None:
    mapped = me(make_client(ip="::ffff:198.51.100.4"))
    assert mapped == me(make_client(ip="198.51.100.4")) == visitor(settings, "198.51.100.4")


def test_rate_limit_counts_the_resolved_client(make_client: ClientFactory) -> None:
    """Clients behind one trusted proxy have separate budgets; spoofing gains nothing."""
    proxy = make_client(
        ip="127.0.0.1", trusted_proxies=["127.0.0.1"], likes_rate_limit_per_minute=1
    )
    assert proxy.get("/api/me", headers={"X-Forwarded-For": "198.51.100.1"}).status_code == 200
    assert proxy.get("/api/me", headers={"X-Forwarded-For": "198.51.100.2"}).status_code == 200
    assert proxy.get("/api/me", headers={"X-Forwarded-For": "198.51.100.1"}).status_code == 429

    spoofer = make_client(ip="203.0.113.5", likes_rate_limit_per_minute=1)
    assert spoofer.get("/api/me", headers={"X-Forwarded-For": "1.1.1.1"}).status_code == 200
    assert spoofer.get("/api/me", headers={"X-Forwarded-For": "2.2.2.2"}).status_code == 429
