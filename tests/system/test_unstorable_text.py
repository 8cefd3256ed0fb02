"""Review point 9: lone surrogates, NUL characters and absurdly deep JSON are clear 400s.

The property test walks each dialect's served OpenAPI and puts a hostile string (one holding a
NUL or a lone surrogate) into every string field it documents, one field at a time: query and
path parameters, JSON and form body properties and whole-string JSON bodies. No answer may be a
5xx, and every answer is the dialect's JSON error format.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from getnative.api.rockpack import ids
from getnative.config import Settings
from getnative.db import Database
from tests.clients import basic
from tests.factories import bearer, make_channel, make_member, make_video, rockpack_bearer

BAD = ["\x00", "\ud800", "\udfff", "\udbff"]
hostile = st.builds(
    lambda before, bad, after: before + bad + after,
    st.text(max_size=6),
    st.sampled_from(BAD),
    st.text(max_size=6),
)
PROBE = settings(
    max_examples=6,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
CLIENT_AUTH_PATHS = ("/login/", "/register/", "/token/", "/reset-password/")
DIALECTS = {"": "getnative", "/ws": "rockpack", "/api": "likes"}


@dataclass(frozen=True)
class Field:
    """One string field of one operation: where it goes (`query`, `path`, `json`, `form`,
    `json-string`) and its name."""

    prefix: str
    method: str
    path: str
    place: str
    name: str
    body_fields: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.method} {self.prefix}{self.path} {self.place}:{self.name}"


def _schema(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return _schema(doc, doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]])
    return schema


def _is_string(doc: dict[str, Any], schema: dict[str, Any]) -> bool:
    schema = _schema(doc, schema)
    options = [schema, *schema.get("anyOf", [])]
    return any(_schema(doc, option).get("type") == "string" for option in options)


def _operation_fields(doc: dict[str, Any], prefix: str, path: str, method: str) -> list[Field]:
    op = doc["paths"][path][method]
    fields = [
        Field(prefix, method, path, p["in"], p["name"])
        for p in op.get("parameters", [])
        if p["in"] in ("query", "path") and _is_string(doc, p.get("schema", {}))
    ]
    for media, content in op.get("requestBody", {}).get("content", {}).items():
        schema = _schema(doc, content.get("schema", {}))
        place = {"application/json": "json", "application/x-www-form-urlencoded": "form"}.get(media)
        if place is None:
            continue
        properties = schema.get("properties", {})
        if place == "json" and schema.get("type") == "string":
            fields.append(Field(prefix, method, path, "json-string", "body"))
        for name, prop in properties.items():
            if _is_string(doc, prop):
                fields.append(Field(prefix, method, path, place, name, tuple(properties)))
    return fields


def _all_fields() -> list[Field]:
    from getnative.web.app import create_app

    app = create_app(Settings(env="test", database_url="sqlite://", recaptcha_secret=""))
    client = TestClient(app)
    fields: list[Field] = []
    for prefix in DIALECTS:
        doc = client.get(f"{prefix}/openapi.json").json()
        for path, operations in doc["paths"].items():
            for method in operations:
                fields.extend(_operation_fields(doc, prefix, path, method))
    return fields


FIELDS = _all_fields()


def _quoted(value: str) -> str:
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


class Target:
    """The owner, resources and credentials the requests address."""

    def __init__(self, db: Database, settings: Settings) -> None:
        owner = make_member(db)
        channel = make_channel(db, owner)
        self.path_values = {
            "userid": ids.encode(ids.USER, owner.id),
            "channelid": ids.encode(ids.CHANNEL, channel.id),
            "video_id": str(make_video(db).id),
        }
        self.headers = {
            "": bearer(settings, owner),
            "/ws": {**rockpack_bearer(settings, owner)},
            "/api": {},
        }

    def request(self, client: TestClient, field: Field, value: str) -> Any:
        path = field.path
        for name in (
            "userid",
            "channelid",
            "video_id",
            "speaker_id",
            "notification_id",
            "lang",
            "cover_ref",
            "subscription",
        ):
            filler = value if field.place == "path" and field.name == name else None
            replacement = _quoted(filler) if filler is not None else self.path_values.get(name, "1")
            path = path.replace(f"{{{name}}}", replacement if name != "lang" or filler else "en")
        url = f"{field.prefix}{path}"
        if field.place == "query":
            url += f"?{field.name}={_quoted(value)}"
        headers = dict(self.headers[field.prefix])
        if field.prefix == "/ws" and path.startswith(CLIENT_AUTH_PATHS):
            headers.update(basic())
        content: bytes | None = None
        if field.place in ("json", "json-string"):
            body: object = (
                value
                if field.place == "json-string"
                else {name: value if name == field.name else "x" for name in field.body_fields}
            )
            content = json.dumps(body).encode()
            headers["content-type"] = "application/json"
        elif field.place == "form":
            pairs = {name: value if name == field.name else "x" for name in field.body_fields}
            content = "&".join(f"{k}={_quoted(v)}" for k, v in pairs.items()).encode()
            headers["content-type"] = "application/x-www-form-urlencoded"
        return client.request(field.method.upper(), url, content=content, headers=headers)


def _assert_dialect_error(field: Field, response: Any) -> None:
    assert response.status_code < 500, f"{field}: {response.status_code} {response.text[:300]}"
    if response.status_code >= 400:
        assert response.headers.get("content-type", "").startswith("application/json"), (
            f"{field}: {response.request.url} {response.status_code} {response.text[:200]}"
        )
        body = response.json()
        dialect = DIALECTS[field.prefix]
        key = {"getnative": "errors", "rockpack": "error", "likes": "error"}[dialect]
        assert key in body, f"{field}: {body}"


@pytest.mark.parametrize("field", FIELDS, ids=str)
def test_every_text_field_refuses_unstorable_text(
    client: TestClient, db: Database, settings: Settings, field: Field
) -> None:
    target = Target(db, settings)

    @PROBE
    @given(value=hostile)
    def probe(value: str) -> None:
        _assert_dialect_error(field, target.request(client, field, value))

    probe()


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("channels/", {"title": "a\ud800", "description": "d", "category": "", "public": True}),
        ("channels/", {"title": "t", "description": "a\x00b", "category": "", "public": True}),
        ("password/", {"old": "correct-horse-42", "new": "new-\ud800-pw"}),
        ("first_name/", "Jo\udfffn"),
        ("content_reports/", {"object_type": "channel", "object_id": "x", "reason": "\ud800"}),
    ],
)
def test_named_rockpack_fields_answer_400(
    client: TestClient, db: Database, settings: Settings, path: str, body: object
) -> None:
    owner = make_member(db)
    response = client.request(
        "PUT" if path in ("password/", "first_name/") else "POST",
        f"/ws/{ids.encode(ids.USER, owner.id)}/{path}",
        content=json.dumps(body).encode(),
        headers={
            **rockpack_bearer(settings, owner),
            "content-type": "application/json",
        },
    )
    assert response.status_code == 400, response.text
    assert "error" in response.json()


@pytest.mark.parametrize("path", ["password/", "first_name/", "channels/", "content_reports/"])
def test_deeply_nested_json_is_a_rockpack_400(
    client: TestClient, db: Database, settings: Settings, path: str
) -> None:
    owner = make_member(db)
    response = client.request(
        "PUT" if path in ("password/", "first_name/") else "POST",
        f"/ws/{ids.encode(ids.USER, owner.id)}/{path}",
        content=b"[" * 10_000 + b"]" * 10_000,
        headers={
            **rockpack_bearer(settings, owner),
            "content-type": "application/json",
        },
    )
    assert response.status_code == 400, response.text
    assert "error" in response.json()
