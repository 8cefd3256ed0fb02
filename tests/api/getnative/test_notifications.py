"""GET /notifications and DELETE /notifications/:id."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from getnative.config import Settings
from getnative.db import Database
from tests.clients import error_code
from tests.factories import add_notification, bearer, make_user


def test_list_is_newest_first_and_only_mine(
    client: TestClient, db: Database, settings: Settings
) -> None:
    user = make_user(db)
    other = make_user(db)
    first = add_notification(db, user.id, "First", "one")
    add_notification(db, other.id, "Not mine", "x")
    second = add_notification(db, user.id, "Second", "two")
    response = client.get("/notifications", headers=bearer(settings, user))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [r["id"] for r in body["records"]] == [second, first]
    record = body["records"][0]
    assert set(record) == {"id", "title", "text", "created_at"}
    assert (record["title"], record["text"]) == ("Second", "two")
    assert record["created_at"].endswith(" +0000 " + record["created_at"][-4:])


def test_registration_notifications_show_in_the_list(client: TestClient) -> None:
    registered = client.post("/register", json={"email": "n@example.com", "password": "secret-pw"})
    headers = {"Authorization": f"Bearer {registered.headers['x-gn-auth-token']}"}
    body = client.get("/notifications", headers=headers).json()
    assert body["count"] == 1
    assert body["records"] == registered.json()["notifications"]["records"]


def test_delete_removes_my_notification(
    client: TestClient, db: Database, settings: Settings
) -> None:
    user = make_user(db)
    headers = bearer(settings, user)
    kept = add_notification(db, user.id)
    gone = add_notification(db, user.id)
    response = client.delete(f"/notifications/{gone}", headers=headers)
    assert response.status_code == 204
    assert response.content == b""
    listed = client.get("/notifications", headers=headers).json()
    assert [r["id"] for r in listed["records"]] == [kept]
    again = client.delete(f"/notifications/{gone}", headers=headers)
    assert (again.status_code, error_code(again)) == (404, 303)


def test_another_users_notification_is_404_and_untouched(
    client: TestClient, db: Database, settings: Settings
) -> None:
    owner = make_user(db)
    theirs = add_notification(db, owner.id)
    response = client.delete(f"/notifications/{theirs}", headers=bearer(settings, make_user(db)))
    assert (response.status_code, error_code(response)) == (404, 303)
    listed = client.get("/notifications", headers=bearer(settings, owner)).json()
    assert [r["id"] for r in listed["records"]] == [theirs]


UNKNOWN_IDS = ["999999", "0", "-1", str(2**63), "9" * 40]
NON_INTEGER_IDS = ["abc", "1.5", "1e3", "%20"]


@pytest.mark.parametrize(
    ("notification_id", "answer"),
    [(unknown, (404, 303)) for unknown in UNKNOWN_IDS]
    + [(non_integer, (400, 103)) for non_integer in NON_INTEGER_IDS],
)
def test_unknown_ids_are_404_and_non_integer_ids_400(
    client: TestClient,
    db: Database,
    settings: Settings,
    notification_id: str,
    answer: tuple[int, int],
) -> None:
    response = client.delete(
        f"/notifications/{notification_id}", headers=bearer(settings, make_user(db))
    )
    assert (response.status_code, error_code(response)) == answer
