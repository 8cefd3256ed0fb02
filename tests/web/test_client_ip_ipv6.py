"""Review point 8: every address of one IPv6 /64 is one client (likes-API user and rate-limit
bucket); the prefix length is a setting."""

from __future__ import annotations

import pytest

from getnative.db import Database
from getnative.web.client_ip import client_key
from tests.conftest import ClientFactory
from tests.factories import make_video

PROXY = "10.0.0.1"


def _from(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


def test_client_key_is_the_ipv6_network() -> None:
    assert client_key("2001:db8:1:2:aaaa::1", 64) == "2001:db8:1:2::/64"
    assert client_key("2001:db8:1:2:aaaa::1", 128) == "2001:db8:1:2:aaaa::1"
    assert client_key("2001:db8:1:2:aaaa::1", 48) == "2001:db8:1::/48"
    assert client_key("203.0.113.9", 64) == "203.0.113.9"


def test_one_ipv6_network_is_one_likes_user(make_client: ClientFactory) -> None:
    client = make_client(ip=PROXY, trusted_proxies=["10.0.0.0/8"])
    first = client.get("/api/me", headers=_from("2001:db8:1:2::1")).json()
    rotated = client.get("/api/me", headers=_from("2001:db8:1:2:ffff:1:2:3")).json()
    neighbour = client.get("/api/me", headers=_from("2001:db8:1:3::1")).json()
    assert first == rotated
    assert neighbour != first


def test_rotating_addresses_of_one_network_shares_one_rate_limit_bucket(
    db: Database, make_client: ClientFactory
) -> None:
    video = make_video(db)
    client = make_client(ip=PROXY, trusted_proxies=["10.0.0.0/8"], likes_rate_limit_per_minute=10)
    statuses = [
        client.post(
            f"/api/videos/{video.id}/like", headers=_from(f"2001:db8:7:7::{n:x}")
        ).status_code
        for n in range(1, 31)
    ]
    assert statuses == [200] * 10 + [429] * 20


@pytest.mark.parametrize(("prefix", "same_user"), [(128, False), (48, True)])
def test_the_prefix_length_is_configurable(
    make_client: ClientFactory, prefix: int, same_user: bool
) -> None:
    client = make_client(ip=PROXY, trusted_proxies=["10.0.0.0/8"], ipv6_client_prefix=prefix)
    first = client.get("/api/me", headers=_from("2001:db8:1:2::1")).json()
    other = client.get("/api/me", headers=_from("2001:db8:1:3::1")).json()
    assert (first == other) is same_user
