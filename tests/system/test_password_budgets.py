"""Review points 3, 10 and 11: the failed-password budgets.

3: a limit of 0 switches throttling off everywhere; 10: parallel guesses cannot overshoot the
limit; 11: Get Native's password change spends the same budget as Rockpack's.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from getnative.accounts import service
from getnative.accounts.passwords import verify_password
from getnative.db import Database
from getnative.errors import AuthenticationFailed, RateLimited
from getnative.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from tests.clients import FrozenClock, basic, custom_app, user_path
from tests.factories import DEFAULT_PASSWORD, bearer, make_member, make_user, rockpack_bearer
from tests.test_ratelimit import REDIS_URL, needs_redis


def test_limit_zero_disables_every_password_budget(tmp_path: Path, db: Database) -> None:
    client, container = custom_app(tmp_path, db, login_attempts_per_15_minutes=0)
    user = make_member(db)
    rp = rockpack_bearer(container.settings, user)
    gn = bearer(container.settings, user)
    wrong = {"old": "wrong-password", "new": "new-password-1"}
    for _ in range(4):
        assert client.put(user_path(user, "password/"), json=wrong, headers=rp).status_code == 400
        reset = client.post("/ws/reset-password/", data={"email": "x@example.com"}, headers=basic())
        assert reset.status_code == 204
        guess = {"current_password": "wrong-password", "new_password": "new-password-1"}
        assert client.post("/account/password", json=guess, headers=gn).status_code == 400
        assert (
            client.post("/login", json={"email": user.email, "password": "x" * 8}).status_code
            == 401
        )


def test_get_native_password_change_is_throttled_with_rockpack(
    tmp_path: Path, db: Database
) -> None:
    client, container = custom_app(tmp_path, db, login_attempts_per_15_minutes=3)
    user = make_member(db)
    gn = bearer(container.settings, user)
    guess = {"current_password": "wrong-password", "new_password": "new-password-1"}
    statuses = [
        client.post("/account/password", json=guess, headers=gn).status_code for _ in range(2)
    ]
    rp = rockpack_bearer(container.settings, user)
    wrong = {"old": "wrong-password", "new": "new-password-1"}
    statuses.append(client.put(user_path(user, "password/"), json=wrong, headers=rp).status_code)
    right = {"current_password": DEFAULT_PASSWORD, "new_password": "new-password-1"}
    statuses.append(client.post("/account/password", json=right, headers=gn).status_code)
    assert statuses == [400, 400, 400, 429]
    throttled = client.post("/account/password", json=right, headers=gn)
    assert throttled.json()["errors"][0]["code"] == 221  # login_throttled


@pytest.fixture(params=["memory", pytest.param("redis", marks=needs_redis)])
def limiter(request: pytest.FixtureRequest) -> Iterator[RateLimiter]:
    if request.param == "memory":  # a frozen clock: the burst never straddles a window
        yield MemoryRateLimiter(clock=FrozenClock())
        return
    prefix = f"getnative:test:{uuid.uuid4().hex}:"
    redis_limiter = RedisRateLimiter(REDIS_URL, prefix=prefix, clock=FrozenClock())
    yield redis_limiter
    redis_limiter.close()


def test_a_burst_of_parallel_guesses_cannot_overshoot_the_limit(
    db: Database, limiter: RateLimiter, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user(db, email="target@example.com")
    checked: list[int] = []
    real_verify = verify_password

    def counting_verify(password_hash: Any, password: str) -> bool:
        checked.append(1)
        return real_verify(password_hash, password)

    monkeypatch.setattr(service, "verify_password", counting_verify)
    throttle = service.LoginThrottle(limiter, limit=5)
    start = threading.Barrier(40)
    outcomes: list[str] = []

    def guess(n: int) -> None:
        start.wait()
        try:
            with db.session(write=False) as session:
                service.authenticate_throttled(
                    session,
                    throttle,
                    login="target@example.com",
                    password=f"guess-{n}",
                    client_ip=f"198.51.100.{n}",
                )
        except RateLimited:
            outcomes.append("throttled")
        except AuthenticationFailed:
            outcomes.append("wrong")

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(checked) == 5
    assert sorted(outcomes) == ["throttled"] * 35 + ["wrong"] * 5
