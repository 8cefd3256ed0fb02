"""IP users: keyed hashing, one record per address, race-safe creation."""

from __future__ import annotations

import hashlib
import hmac
import threading

import pytest
from sqlalchemy import func, select

from getnative.accounts.ip_users import (
    canonical_ip,
    find_ip_user,
    get_or_create_ip_user,
    hash_ip,
    is_canonical_ipv4,
    username_for,
)
from getnative.accounts.models import User
from getnative.db import Database

KEY = "test-key"


def test_hash_is_keyed_hmac_sha256_of_the_canonical_address() -> None:
    expected = hmac.new(b"test-key", b"2001:db8::1", hashlib.sha256).hexdigest()
    assert hash_ip(KEY, "2001:DB8:0::1") == expected
    assert hash_ip(KEY, "::ffff:192.0.2.1") == hash_ip(KEY, "192.0.2.1")
    assert hash_ip("other-key", "192.0.2.1") != hash_ip(KEY, "192.0.2.1")
    assert canonical_ip(" not-an-ip ") == "not-an-ip"
    assert username_for(expected) == f"visitor-{expected[:8]}"


@pytest.mark.parametrize(
    "key", ["", "k", "test-key", "é-ключ", "x" * 63, "x" * 64, "x" * 65, "y" * 200]
)
def test_hash_equals_the_standard_hmac_for_every_key_length(key: str) -> None:
    """`hash_ip` copies an HMAC keyed once (`_keyed_hmac`): the digest is `hmac.new`'s for keys
    shorter than, as long as, and longer than SHA-256's 64-byte block."""
    for ip in ["192.0.2.1", "2001:db8::1", "2001:db8:1:2::/64", "testclient", ""]:
        expected = hmac.new(key.encode(), ip.encode(), hashlib.sha256).hexdigest()
        assert hash_ip(key, ip) == expected, (key, ip)
        assert hash_ip(key, ip) == expected  # the cached keyed HMAC is not worn by use


SPELLINGS = [
    "0.0.0.0",
    "1.2.3.4",
    "9.99.100.199",
    "200.249.250.255",
    "255.255.255.255",
    "256.1.1.1",
    "1.2.3.260",
    "01.2.3.4",
    "1.2.3.00",
    "1.2.3",
    "1.2.3.4.5",
    " 1.2.3.4",
    "1.2.3.4 ",
    "1.2.3.4\n",
    "1.2.3.4:80",
    "1..3.4",
    "+1.2.3.4",
    "\u0661.2.3.4",  # an Arabic-Indic digit: `int` would take it, an address may not
    "::ffff:1.2.3.4",
    "2001:db8::1",
    "",
]


def test_canonical_ipv4_is_exactly_what_ipaddress_spells_so() -> None:
    """The fast path of `canonical_ip` (no parse for a canonical dotted quad) takes exactly
    the spellings `ipaddress` would give back unchanged, so every hash stays as it was."""
    import ipaddress

    for text in SPELLINGS:
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            spelt_so = False
        else:
            spelt_so = address.version == 4 and address.compressed == text
        assert is_canonical_ipv4(text) is spelt_so, text


def test_get_or_create_returns_the_same_user(db: Database) -> None:
    with db.session() as session:
        first = get_or_create_ip_user(session, key=KEY, ip="192.0.2.1")
    with db.session() as session:
        again = get_or_create_ip_user(session, key=KEY, ip="192.0.2.1", lock=True)
        other = get_or_create_ip_user(session, key=KEY, ip="192.0.2.2")
    assert again.id == first.id
    assert other.id != first.id
    assert first.kind == "ip"
    assert first.email is None
    assert first.password_hash is None
    assert first.is_active is True
    with db.session(write=False) as session:
        assert find_ip_user(session, key=KEY, ip="192.0.2.1").id == first.id  # type: ignore[union-attr]
        assert find_ip_user(session, key=KEY, ip="192.0.2.3") is None


def test_concurrent_first_requests_create_one_user(db: Database) -> None:
    """Many threads see the same new address at once: one row, and all of them get it."""
    barrier = threading.Barrier(12)
    ids: list[int] = []
    errors: list[BaseException] = []

    def first_visit() -> None:
        try:
            barrier.wait()
            with db.session() as session:
                ids.append(get_or_create_ip_user(session, key=KEY, ip="198.51.100.77").id)
        except BaseException as exc:  # reported below; a thread cannot fail the test itself
            errors.append(exc)

    threads = [threading.Thread(target=first_visit) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(set(ids)) == 1
    assert len(ids) == 12
    with db.session(write=False) as session:
        assert session.scalar(select(func.count()).select_from(User)) == 1
