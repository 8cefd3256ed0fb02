"""Channel GET / POST / PUT / public / DELETE."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from getnative.accounts.models import User
from getnative.channels import service
from getnative.channels.models import Channel, Subscription, VideoInstance
from getnative.config import Settings
from getnative.db import Database
from tests.clients import channel_path, cid, uid, vid
from tests.factories import (
    make_category,
    make_channel,
    make_cover_art,
    make_instance,
    make_user,
    make_youtube_video,
    rockpack_bearer,
    subscribe,
)

BASE = "http://testserver"


def form(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "My channel",
        "description": "About things",
        "category": "",
        "cover": "",
        "public": True,
    }
    body.update(overrides)
    return body


# --- GET ------------------------------------------------------------------------------------


def test_get_public_channel_with_videos_in_order(db: Database, client: TestClient) -> None:
    owner = make_user(db, username="ann", first_name="Ann", picture_url="http://x/a.jpg")
    cover = make_cover_art(db, owner)
    channel = make_channel(
        db, owner, title="Trips", description="Far", cover_art_id=cover.id, ecommerce_url="http://e"
    )
    second = make_youtube_video(db, source_id="BrHlQUXFzfw", title="Teaser", like_count=4)
    first = make_youtube_video(db)
    late = make_instance(db, channel, second, position=1)
    early = make_instance(db, channel, first, position=0)

    response = client.get(channel_path(owner, channel) + "?locale=en-gb")

    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=60"
    body = response.json()
    assert body["id"] == cid(channel)
    assert body["public"] is True
    assert body["title"] == "Trips"
    assert body["description"] == "Far"
    assert body["resource_url"] == f"{BASE}{channel_path(owner, channel)}"
    assert body["ecommerce_url"] == "http://e"
    assert body["subscriber_count"] == 0
    assert body["cover"]["thumbnail_url"] == f"{BASE}/media/{cover.thumbnail_key}"
    assert body["owner"]["id"] == uid(owner)
    assert body["owner"]["display_name"] == "Ann"
    assert body["owner"]["avatar_thumbnail_url"] == "http://x/a.jpg"
    assert body["videos"]["total"] == 2
    items = body["videos"]["items"]
    assert [item["id"] for item in items] == [vid(early), vid(late)]
    assert items[1]["title"] == "Teaser"
    assert items[1]["date_added"]
    assert items[1]["video"]["source"] == "youtube"
    assert items[1]["video"]["source_id"] == "BrHlQUXFzfw"
    assert items[1]["video"]["star_count"] == 4


def test_get_channel_pages_and_filters_by_locale(db: Database, client: TestClient) -> None:
    owner = make_user(db)
    channel = make_channel(db, owner)
    everywhere = [make_youtube_video(db) for _ in range(3)]
    french_only = make_youtube_video(db, locales=["fr"])
    instances = [make_instance(db, channel, v, i) for i, v in enumerate(everywhere)]
    french = make_instance(db, channel, french_only, 3)

    page = client.get(channel_path(owner, channel) + "?start=1&size=1").json()["videos"]
    assert page["total"] == 4
    assert [i["id"] for i in page["items"]] == [vid(instances[1])]

    english = client.get(channel_path(owner, channel) + "?locale=en").json()["videos"]
    assert english["total"] == 3
    assert vid(french) not in [i["id"] for i in english["items"]]
    in_france = client.get(channel_path(owner, channel) + "?locale=fr-FR").json()["videos"]
    assert in_france["total"] == 4


def test_get_channel_rejects_bad_paging(db: Database, client: TestClient) -> None:
    owner = make_user(db)
    channel = make_channel(db, owner)
    # size=1001 is clamped since issue 12 (one paging rule): see test_paging.py.
    bad = ["start=-1", "size=0", "start=abc", "size=1e3", "start=99999999999999"]
    for query in [*bad, "locale=" + "x" * 36]:
        response = client.get(channel_path(owner, channel) + "?" + query)
        assert response.status_code == 400, query
        assert response.json()["error"] == "invalid_request"


def test_private_channel_needs_the_owner(
    db: Database, client: TestClient, settings: Settings
) -> None:
    owner = make_user(db)
    other = make_user(db)
    channel = make_channel(db, owner, public=False)
    path = channel_path(owner, channel)
    assert client.get(path).status_code == 403
    assert client.get(path).json() == {"error": "insufficient_scope"}
    assert client.get(path, headers=rockpack_bearer(settings, other)).status_code == 403
    response = client.get(path, headers=rockpack_bearer(settings, owner))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "private"
    assert response.json()["public"] is False


def test_get_channel_unknown_ids_are_404(db: Database, client: TestClient) -> None:
    owner = make_user(db)
    other = make_user(db)
    channel = make_channel(db, owner)
    gone = make_user(db, is_active=False)
    gone_channel = make_channel(db, gone)
    for path in (
        f"/ws/{uid(owner)}/channels/{cid(999999)}/",
        f"/ws/{uid(owner)}/channels/nonsense/",
        f"/ws/{uid(owner)}/channels/{uid(owner)}/",
        f"/ws/bogus/channels/{cid(channel)}/",
        channel_path(other, channel),
        channel_path(gone, gone_channel),
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"error": "not_found"}


# --- POST -----------------------------------------------------------------------------------


def test_create_channel(db: Database, client: TestClient, settings: Settings) -> None:
    owner = make_user(db)
    category = make_category(db)
    cover = make_cover_art(db, owner)
    body = form(
        title="  Cats ",
        description="Line one\nline two",
        category=category.id,
        cover=cover.cover_ref,
        public=False,
    )

    response = client.post(
        f"/ws/{uid(owner)}/channels/", json=body, headers=rockpack_bearer(settings, owner)
    )

    assert response.status_code == 201
    created = response.json()
    with db.session(write=False) as session:
        channel = session.get(Channel, _only_channel_id(session, owner))
        assert channel is not None
        assert channel.title == "Cats"
        assert channel.description == "Line one line two"
        assert channel.category_id == category.id
        assert channel.cover_art_id == cover.id
        assert channel.public is False
    assert created == {
        "id": cid(channel),
        "resource_url": f"{BASE}/ws/{uid(owner)}/channels/{cid(channel)}/",
    }
    assert response.headers["location"] == created["resource_url"]


def _only_channel_id(session: Any, owner: User) -> int:
    [key] = session.query(Channel.id).filter_by(owner_id=owner.id).all()
    return int(key[0])


def test_create_with_empty_fields_uses_defaults(
    db: Database, client: TestClient, settings: Settings
) -> None:
    owner = make_user(db)
    make_channel(db, owner, title="Untitled channel 2")
    empty = form(title="", description="", category="", cover="", public="")
    first = client.post(
        f"/ws/{uid(owner)}/channels/", json=empty, headers=rockpack_bearer(settings, owner)
    )
    assert first.status_code == 201
    second = client.post(
        f"/ws/{uid(owner)}/channels/", json=empty, headers=rockpack_bearer(settings, owner)
    )
    assert second.status_code == 201
    with db.session(write=False) as session:
        rows = session.query(Channel).filter_by(owner_id=owner.id).order_by(Channel.id).all()
        assert [c.title for c in rows] == [
            "Untitled channel 2",
            "Untitled channel 3",
            "Untitled channel 4",
        ]
        # Every field unset: `public` defaults to false, as the document says (issue 12).
        assert not any(c.public for c in rows[1:])
        assert rows[1].category_id is None
        assert rows[1].cover_art_id is None


def test_create_reports_every_bad_field(
    db: Database, client: TestClient, settings: Settings
) -> None:
    owner = make_user(db)
    other_cover = make_cover_art(db, make_user(db))
    response = client.post(
        f"/ws/{uid(owner)}/channels/",
        json={"title": 5, "category": 111111111, "cover": other_cover.cover_ref, "public": "yes"},
        headers=rockpack_bearer(settings, owner),
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "form_errors": {
            "title": ["Title must be a string."],
            "description": ["This field is required, but can be an empty string."],
            "category": ["Invalid category: 111111111"],
            "cover": ["Invalid cover reference"],
            "public": ["Value should be 'true' or 'false'"],
        },
    }
    with db.session(write=False) as session:
        assert session.query(Channel).count() == 0


BAD_VALUES: list[tuple[str, Any]] = [
    ("description", "x" * 201),
    ("title", "t" * 201),
    ("category", "abc"),
    ("category", True),
    ("category", 2**70),
    ("category", -1),
    ("category", 1.5),
    ("cover", 12),
    ("cover", "x" * 500),
    ("public", None),
    ("public", 1),
    ("public", "true"),
    ("description", None),
    ("title", ["list"]),
]


def test_create_rejects_bad_values(db: Database, client: TestClient, settings: Settings) -> None:
    owner = make_user(db)
    for field, value in BAD_VALUES:
        response = client.post(
            f"/ws/{uid(owner)}/channels/",
            json=form(**{field: value}),
            headers=rockpack_bearer(settings, owner),
        )
        assert response.status_code == 400, (field, value)
        assert list(response.json()["form_errors"]) == [field], (field, value)
    with db.session(write=False) as session:
        assert session.query(Channel).count() == 0


def test_description_length_counts_after_stripping_line_breaks(
    db: Database, client: TestClient, settings: Settings
) -> None:
    owner = make_user(db)
    text = "a" * 199 + "\r\n"
    response = client.post(
        f"/ws/{uid(owner)}/channels/",
        json=form(description=text),
        headers=rockpack_bearer(settings, owner),
    )
    assert response.status_code == 201


def test_category_may_be_a_numeric_string(
    db: Database, client: TestClient, settings: Settings
) -> None:
    owner = make_user(db)
    category = make_category(db)
    response = client.post(
        f"/ws/{uid(owner)}/channels/",
        json=form(category=str(category.id)),
        headers=rockpack_bearer(settings, owner),
    )
    assert response.status_code == 201


def test_duplicate_title_for_the_same_owner(
    db: Database, client: TestClient, settings: Settings
) -> None:
    owner = make_user(db)
    make_channel(db, owner, title="Dup")
    make_channel(db, make_user(db), title="Other's")
    response = client.post(
        f"/ws/{uid(owner)}/channels/",
        json=form(title="Dup"),
        headers=rockpack_bearer(settings, owner),
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "form_errors": {"title": ["Duplicate title"]},
    }
    ok = client.post(
        f"/ws/{uid(owner)}/channels/",
        json=form(title="Other's"),
        headers=rockpack_bearer(settings, owner),
    )
    assert ok.status_code == 201


def test_create_needs_the_owner(db: Database, client: TestClient, settings: Settings) -> None:
    owner = make_user(db)
    other = make_user(db)
    path = f"/ws/{uid(owner)}/channels/"
    assert client.post(path, json=form()).status_code == 401
    forbidden = client.post(path, json=form(), headers=rockpack_bearer(settings, other))
    assert forbidden.status_code == 403
    assert forbidden.json() == {"error": "insufficient_scope"}
    malformed = client.post(
        "/ws/zzz/channels/", json=form(), headers=rockpack_bearer(settings, owner)
    )
    assert malformed.status_code == 404


# --- PUT ------------------------------------------------------------------------------------


def test_update_channel(db: Database, client: TestClient, settings: Settings) -> None:
    owner = make_user(db)
    channel = make_channel(db, owner, title="Old", public=True)
    response = client.put(
        channel_path(owner, channel),
        json=form(title="New", description="D", public=False),
        headers=rockpack_bearer(settings, owner),
    )
    assert response.status_code == 200
    assert response.json() == {
        "id": cid(channel),
        "resource_url": f"{BASE}{channel_path(owner, channel)}",
    }
    assert response.headers["location"] == response.json()["resource_url"]
    with db.session(write=False) as session:
        row = session.get(Channel, channel.id)
        assert row is not None
        assert (row.title, row.description, row.public) == ("New", "D", False)


def test_update_keeping_own_title_is_not_a_duplicate(
    db: Database, client: TestClient, settings: Settings
) -> None:
    owner = make_user(db)
    channel = make_channel(db, owner, title="Same")
    make_channel(db, owner, title="Taken")
    same = client.put(
        channel_path(owner, channel),
        json=form(title="Same"),
        headers=rockpack_bearer(settings, owner),
    )
    assert same.status_code == 200
    taken = client.put(
        channel_path(owner, channel),
        json=form(title="Taken"),
        headers=rockpack_bearer(settings, owner),
    )
    assert taken.status_code == 400
    assert taken.json()["form_errors"] == {"title": ["Duplicate title"]}


def test_update_errors(db: Database, client: TestClient, settings: Settings) -> None:
    owner = make_user(db)
    other = make_user(db)
    channel = make_channel(db, owner)
    theirs = make_channel(db, other)
    headers = rockpack_bearer(settings, owner)
    assert client.put(channel_path(owner, channel), json=form()).status_code == 401
    assert client.put(channel_path(other, theirs), json=form(), headers=headers).status_code == 403
    assert client.put(channel_path(owner, theirs), json=form(), headers=headers).status_code == 404
    assert client.put(channel_path(owner, 424242), json=form(), headers=headers).status_code == 404
    bad = f"/ws/{uid(owner)}/channels/chXYZ/"
    assert client.put(bad, json=form(), headers=headers).status_code == 404
    missing = client.put(channel_path(owner, channel), json={"title": "x"}, headers=headers)
    assert missing.status_code == 400
    assert set(missing.json()["form_errors"]) == {"description", "category", "cover", "public"}


# --- public ---------------------------------------------------------------------------------


def test_toggle_public(db: Database, client: TestClient, settings: Settings) -> None:
    owner = make_user(db)
    channel = make_channel(db, owner)
    path = channel_path(owner, channel, "public/")
    response = client.put(path, json=False, headers=rockpack_bearer(settings, owner))
    assert response.status_code == 200
    assert response.json() is False
    assert client.get(channel_path(owner, channel)).status_code == 403
    back = client.put(path, json=True, headers=rockpack_bearer(settings, owner))
    assert back.json() is True
    assert client.get(channel_path(owner, channel)).status_code == 200


def test_toggle_public_rejects_non_booleans(
    db: Database, client: TestClient, settings: Settings
) -> None:
    owner = make_user(db)
    channel = make_channel(db, owner)
    for raw in (b'"true"', b"1", b"null", b"", b"{]", b"[true]"):
        response = client.put(
            channel_path(owner, channel, "public/"),
            content=raw,
            headers={**rockpack_bearer(settings, owner), "Content-Type": "application/json"},
        )
        assert response.status_code == 400, raw
        assert response.json() == {
            "error": "invalid_request",
            "form_errors": "Value should be 'true' or 'false'",
        }


def test_toggle_public_errors(db: Database, client: TestClient, settings: Settings) -> None:
    owner = make_user(db)
    other = make_user(db)
    channel = make_channel(db, owner)
    path = channel_path(owner, channel, "public/")
    assert client.put(path, json=False).status_code == 401
    assert client.put(path, json=False, headers=rockpack_bearer(settings, other)).status_code == 403
    unknown = channel_path(owner, 31337, "public/")
    assert (
        client.put(unknown, json=False, headers=rockpack_bearer(settings, owner)).status_code == 404
    )


# --- DELETE ---------------------------------------------------------------------------------


def test_delete_channel_takes_its_instances_and_subscriptions(
    db: Database, client: TestClient, settings: Settings
) -> None:
    owner = make_user(db)
    channel = make_channel(db, owner)
    keep = make_channel(db, owner)
    video = make_youtube_video(db)
    make_instance(db, channel, video, 0)
    kept = make_instance(db, keep, video, 0)
    subscribe(db, make_user(db), channel)

    response = client.delete(channel_path(owner, channel), headers=rockpack_bearer(settings, owner))

    assert response.status_code == 204
    assert response.content == b""
    assert client.get(channel_path(owner, channel)).status_code == 404
    with db.session(write=False) as session:
        assert session.query(Subscription).count() == 0
        assert [i.id for i in session.query(VideoInstance).all()] == [kept.id]


def test_delete_errors(db: Database, client: TestClient, settings: Settings) -> None:
    owner = make_user(db)
    other = make_user(db)
    channel = make_channel(db, owner)
    assert client.delete(channel_path(owner, channel)).status_code == 401
    assert (
        client.delete(
            channel_path(owner, channel), headers=rockpack_bearer(settings, other)
        ).status_code
        == 403
    )
    assert (
        client.delete(
            channel_path(owner, 5555), headers=rockpack_bearer(settings, owner)
        ).status_code
        == 404
    )
    assert client.get(channel_path(owner, channel)).status_code == 200


# --- service rules --------------------------------------------------------------------------


def test_default_title_skips_taken_numbers(db: Database) -> None:
    owner = make_user(db)
    make_channel(db, owner, title="Untitled channel 2")
    make_channel(db, owner, title="Untitled channel 3")
    with db.session() as session:
        channel = service.create_channel(
            session,
            owner.id,
            service.ChannelForm(
                title=None, description="", category_id=None, cover_art_id=None, public=True
            ),
        )
        assert channel.title == "Untitled channel 4"
