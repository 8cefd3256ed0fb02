"""POST /ws/USERID/content_reports/: flag a channel, video or user."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from getnative.api.rockpack import ids
from getnative.channels.models import ContentReport
from getnative.config import Settings
from getnative.db import Database
from tests.clients import cid, uid, vid
from tests.factories import make_channel, make_instance, make_user, rockpack_bearer


def _reports(db: Database) -> list[tuple[Any, ...]]:
    with db.session(write=False) as session:
        rows = session.scalars(select(ContentReport).order_by(ContentReport.id)).all()
        return [
            (r.reporter_id, r.object_type, r.object_id, r.reason, r.locale, r.extra) for r in rows
        ]


def test_reports_of_each_type_and_id_form_are_stored(
    client: TestClient, db: Database, settings: Settings
) -> None:
    reporter = make_user(db)
    owner = make_user(db)
    channel = make_channel(db, owner)
    instance = make_instance(db, channel)
    url = f"/ws/{uid(reporter)}/content_reports/"
    bodies = [
        ("channel", cid(channel)),
        ("channel", str(channel.id)),
        ("video", ids.encode(ids.VIDEO, instance.video_id)),
        ("video", vid(instance)),
        ("video", instance.video_id),
        ("user", uid(owner)),
    ]
    for object_type, object_id in bodies:
        response = client.post(
            url,
            params={"locale": "en-GB"},
            json={"object_type": object_type, "object_id": object_id, "reason": " spam "},
            headers=rockpack_bearer(settings, reporter),
        )
        assert response.status_code == 204, (object_type, object_id, response.text)
        assert response.content == b""

    r = reporter.id
    assert _reports(db) == [
        (r, "channel", channel.id, "spam", "en-GB", None),
        (r, "channel", channel.id, "spam", "en-GB", None),
        (r, "video", instance.video_id, "spam", "en-GB", None),
        (r, "video", instance.video_id, "spam", "en-GB", {"video_instance_id": instance.id}),
        (r, "video", instance.video_id, "spam", "en-GB", None),
        (r, "user", owner.id, "spam", "en-GB", None),
    ]


def test_invisible_or_unknown_objects_are_invalid_ids(
    client: TestClient, db: Database, settings: Settings
) -> None:
    reporter = make_user(db)
    owner = make_user(db)
    private = make_channel(db, owner, public=False)
    hidden_instance = make_instance(db, private)
    deactivated = make_user(db, is_active=False)
    cases = [
        ("channel", cid(private)),
        ("channel", ids.encode(ids.CHANNEL, 999_999)),
        ("channel", uid(owner)),  # an id of another type
        ("video", vid(hidden_instance)),
        ("video", ids.encode(ids.VIDEO, 999_999)),
        ("video", "vi-garbage"),
        ("user", uid(deactivated)),
        ("user", "0"),
        ("user", 10**30),
        ("user", True),
        ("user", ["us"]),
        ("user", {"id": 1}),
        ("user", "１２"),  # non-ASCII digits
    ]
    for object_type, object_id in cases:
        response = client.post(
            f"/ws/{uid(reporter)}/content_reports/",
            json={"object_type": object_type, "object_id": object_id, "reason": "bad"},
            headers=rockpack_bearer(settings, reporter),
        )
        assert response.status_code == 400, (object_type, object_id)
        assert response.json() == {
            "error": "invalid_request",
            "form_errors": {"object_id": ["invalid id"]},
        }
    assert _reports(db) == []


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"object_type", "object_id", "reason"}),
        ({"object_type": "song", "object_id": "1", "reason": "x"}, {"object_type"}),
        ({"object_type": "user", "object_id": "", "reason": "x"}, {"object_id"}),
        ({"object_type": "user", "object_id": "OWNER", "reason": ""}, {"reason"}),
        ({"object_type": "user", "object_id": "OWNER", "reason": "   "}, {"reason"}),
        ({"object_type": "user", "object_id": "OWNER", "reason": 7}, {"reason"}),
        ({"object_type": "user", "object_id": "OWNER", "reason": "x" * 257}, {"reason"}),
        ({"object_type": "user", "object_id": "424242", "reason": ""}, {"object_id", "reason"}),
        (
            {"object_type": ["user"], "object_id": "OWNER", "reason": "x" * 257},
            {"object_type", "reason"},
        ),
    ],
)
def test_invalid_fields_are_reported_together(
    client: TestClient, db: Database, settings: Settings, body: dict[str, Any], fields: set[str]
) -> None:
    reporter = make_user(db)
    owner = make_user(db)
    body = {k: (uid(owner) if v == "OWNER" else v) for k, v in body.items()}
    response = client.post(
        f"/ws/{uid(reporter)}/content_reports/",
        json=body,
        headers=rockpack_bearer(settings, reporter),
    )
    assert response.status_code == 400
    payload = response.json()
    assert payload["error"] == "invalid_request"
    assert set(payload["form_errors"]) == fields
    assert _reports(db) == []


def test_a_reason_of_256_characters_is_fine(
    client: TestClient, db: Database, settings: Settings
) -> None:
    reporter = make_user(db)
    owner = make_user(db)
    response = client.post(
        f"/ws/{uid(reporter)}/content_reports/",
        json={"object_type": "user", "object_id": uid(owner), "reason": "é" * 256},
        headers=rockpack_bearer(settings, reporter),
    )
    assert response.status_code == 204
    assert _reports(db)[0][3] == "é" * 256


def test_a_bad_locale_is_400(client: TestClient, db: Database, settings: Settings) -> None:
    reporter = make_user(db)
    response = client.post(
        f"/ws/{uid(reporter)}/content_reports/",
        params={"locale": "e" * 36},
        json={"object_type": "user", "object_id": uid(reporter), "reason": "x"},
        headers=rockpack_bearer(settings, reporter),
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "form_errors": {"locale": ["invalid locale"]},
    }
