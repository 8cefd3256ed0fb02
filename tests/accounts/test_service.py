"""Account rules called directly: language tags, UTC offsets, names, all-or-nothing updates."""

from __future__ import annotations

import pytest

from getnative.accounts import service
from getnative.accounts.models import User
from getnative.db import Database
from getnative.errors import Conflict, InvalidInput
from tests.factories import make_user


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("en", "en"),
        ("JA", "ja"),
        ("en-us", "en-US"),
        ("zh-hant-tw", "zh-Hant-TW"),
        ("es-419", "es-419"),
    ],
)
def test_language_tags_are_canonical(raw: str, canonical: str) -> None:
    assert service.normalize_language_tag(raw, field="lang") == canonical


@pytest.mark.parametrize(
    "raw", ["", "e", "english", "en_US", "en-", "-en", "en-USA1", "1a", "en US"]
)
def test_bad_language_tags(raw: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        service.normalize_language_tag(raw, field="lang")
    assert raised.value.code == "lang_invalid"


def test_utc_offset_bounds() -> None:
    assert service.validate_utc_offset(None) is None
    assert service.validate_utc_offset(-50400) == -50400
    with pytest.raises(InvalidInput):
        service.validate_utc_offset(50401)


def test_update_profile_is_all_or_nothing(db: Database) -> None:
    user = make_user(db)
    with db.session() as session:
        row = session.get(User, user.id)
        assert row is not None
        changes = service.ProfileChanges(
            given=frozenset({"lang", "utc_offset"}), lang="ja", utc_offset=99_999
        )
        with pytest.raises(InvalidInput):
            service.update_profile(session, row, changes)
        assert row.lang == "en"


def test_email_change_losing_a_race_is_email_in_use(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user(db, email="wanted@example.com")
    user = make_user(db)
    # Simulate the other transaction committing between our check and our write.
    monkeypatch.setattr(service, "email_in_use", lambda *_args, **_kwargs: False)
    with db.session() as session:
        row = session.get(User, user.id)
        assert row is not None
        with pytest.raises(Conflict) as raised:
            service.change_email(session, row, "wanted@example.com")
        assert raised.value.code == "email_in_use"
        assert session.get(User, user.id) is not None  # the session is still usable
