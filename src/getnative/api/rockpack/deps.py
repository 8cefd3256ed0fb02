"""The request plumbing of the Rockpack dialect, in one place: transaction, bearer user, owner
scope, JSON bodies, paging, locale and cache headers.

Every Rockpack route reads its input through these, so a reader finds how any endpoint parses
its request here, and a rule (what a bad body answers, how large a page may be) changes once.

- Bodies are read raw and parsed by `parse_json` (never FastAPI's own body parsing: it lets
  deep nesting through to a `RecursionError`, and answers invalid JSON before the token check).
  A body declared as a `RockpackBody` model is validated by the model and worded by it, in the
  dialect's error format; `document_json_bodies` puts the models in the served OpenAPI.
- `Owner` checks the token on the async driver (no thread-pool hop); `OwnerUser` loads the
  user in the request's transaction for the few routes that change the user row itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Protocol, Self, TypeVar

from fastapi import Depends, Query, Request, Response
from fastapi.routing import APIRoute
from pydantic import AfterValidator, BaseModel, ConfigDict, RootModel, ValidationError
from pydantic_core import ErrorDetails
from starlette.routing import BaseRoute

from getnative.accounts.models import User
from getnative.accounts.service import get_user_for_token
from getnative.accounts.tokens import TokenClaims, decode_token
from getnative.api.rockpack import ids
from getnative.api.rockpack.errors import (
    RockpackError,
    form_errors,
    insufficient_scope,
    invalid_request,
    invalid_token,
    not_found,
)
from getnative.catalog.pages import Viewer, require_current_token
from getnative.errors import AuthenticationFailed
from getnative.text import json_holds_unstorable_text
from getnative.web.deps import AppContainer as AppContainer  # re-exported for the routes
from getnative.web.deps import DbSession as DbSession
from getnative.web.deps import container_of

AUDIENCE = "rockpack"

# --- tokens: the bearer user and the owner scope ---------------------------------------------


def _bearer_claims(request: Request) -> TokenClaims | None:
    """The verified claims of the bearer token, None without one; a malformed, forged or
    expired token is a 401 here. Whether it is revoked is a database question (callers)."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise invalid_token()
    settings = container_of(request).settings
    try:
        return decode_token(token.strip(), secret=settings.jwt_secret, audience=AUDIENCE)
    except AuthenticationFailed as exc:
        raise invalid_token(expired=exc.code == "token_expired") from exc


def _optional_user(request: Request, session: DbSession) -> User | None:
    claims = _bearer_claims(request)
    if claims is None:
        return None
    try:
        return get_user_for_token(
            session, user_id=claims.user_id, token_version=claims.token_version
        )
    except AuthenticationFailed as exc:
        raise invalid_token() from exc


OptionalUser = Annotated[User | None, Depends(_optional_user)]


def path_user_id(userid: str) -> int:
    """The integer key of `USERID` in the path; an unknown shape is a 404."""
    return decode_or_404(ids.USER, userid)


def decode_or_404(prefix: str, value: str) -> int:
    """The integer key of an opaque id in the path; a malformed or foreign one is a 404, so
    services only ever see real keys."""
    key = ids.decode(prefix, value)
    if key is None:
        raise not_found()
    return key


@dataclass(frozen=True)
class OwnerId:
    """The token's user, known to be the path's `USERID` and not revoked."""

    id: int
    token_version: int


async def _owner(request: Request, userid: str) -> OwnerId:
    """The token rule for private operations, on the async driver (no thread-pool hop): a
    missing, malformed, expired or revoked token is a 401 (first), a malformed USERID a 404,
    another user's USERID a 403."""
    claims = _bearer_claims(request)
    if claims is None:
        raise invalid_token()
    try:
        # One prepared statement on the raw asyncpg pool (`Database.fetch`), not SQLAlchemy's
        # asyncio layer: that layer cost more than the statement on the busiest private route.
        await require_current_token(
            container_of(request).db, Viewer(claims.user_id, claims.token_version)
        )
    except AuthenticationFailed as exc:
        raise invalid_token() from exc
    if path_user_id(userid) != claims.user_id:
        raise insufficient_scope()
    return OwnerId(claims.user_id, claims.token_version)


Owner = Annotated[OwnerId, Depends(_owner)]


def claimed_owner(request: Request, userid: str) -> OwnerId | None:
    """`Owner`'s rule without its database read, for a route's fast path
    (`web.route_table.fast_path`): the token's user when the bearer token is well-formed,
    unexpired and the path's USERID, else None (the route's dependencies then give `Owner`'s
    answer). Whether the token was revoked is still to be read, in the route's own statement."""
    try:
        claims = _bearer_claims(request)
    except RockpackError:
        return None
    if claims is None or ids.decode(ids.USER, userid) != claims.user_id:
        return None
    return OwnerId(claims.user_id, claims.token_version)


def _owner_user(owner: Owner, session: DbSession) -> User:
    """The owner's row in the request's transaction, the token rule checked again there (the
    routes that change the user row act on what this transaction sees)."""
    try:
        return get_user_for_token(session, user_id=owner.id, token_version=owner.token_version)
    except AuthenticationFailed as exc:
        raise invalid_token() from exc


OwnerUser = Annotated[User, Depends(_owner_user)]

# --- JSON bodies ----------------------------------------------------------------------------

NOT_JSON = "Request body is not valid JSON"


def parse_json(raw: bytes) -> object:
    """The parsed document; `ValueError` for anything not valid, storable JSON.

    `json.loads` alone lets three things through to a 500: nesting deep enough to exhaust the
    recursion limit, lone surrogates (`"\\ud800"`) and NUL characters, which no database column
    or password hash accepts.
    """
    try:
        document: object = json.loads(raw)
    except RecursionError as exc:
        raise ValueError("The JSON document is nested too deeply.") from exc
    if json_holds_unstorable_text(document):
        raise ValueError("Text must be valid Unicode without NUL characters.")
    return document


async def read_json(request: Request, model: type[BodyModel]) -> object:
    """The one JSON body reader: the parsed body (None for an empty one: no body is read as
    JSON `null`, so the model words it like any other wrong shape), or the model's 400 for
    one that is not valid JSON."""
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return parse_json(raw)
    except ValueError:
        raise model.not_json() from None


class _Rejecting:
    """How a declared body answers when it is bad (mixed into the two body bases below)."""

    MISSING: ClassVar[str] = "required"
    FIELD_ERRORS: ClassVar[dict[str, str]] = {}

    @classmethod
    def rejected(cls, document: object, errors: list[ErrorDetails]) -> RockpackError:
        """Each invalid field at once in `form_errors`: `FIELD_ERRORS[field]`, else `MISSING`
        for an absent field, else the validator's message."""
        if not isinstance(document, dict):
            return cls.not_an_object()
        fields: dict[str, list[str]] = {}
        for error in errors:
            field = str(error["loc"][0]) if error["loc"] else "body"
            message = cls.MISSING if error["type"] == "missing" else error["msg"]
            fields.setdefault(field, [cls.FIELD_ERRORS.get(field, message)])
        return form_errors(fields)

    @classmethod
    def not_an_object(cls) -> RockpackError:
        return invalid_request("Request body must be a JSON object")

    @classmethod
    def not_json(cls) -> RockpackError:
        """The answer to a body that is not valid, storable JSON."""
        return invalid_request(NOT_JSON)


class RockpackBody(_Rejecting, BaseModel):
    """A JSON object body declared as a model: validated by the model, documented in OpenAPI
    from it (`document_json_bodies`), and a bad one answered in the dialect's format as the
    model words it (`rejected`)."""

    model_config = ConfigDict(extra="ignore", frozen=True)


RootType = TypeVar("RootType")


class RockpackValue(_Rejecting, RootModel[RootType]):
    """A JSON body that is a single value (a string, a boolean, a list): `INVALID` when bad."""

    INVALID: ClassVar[str] = "Invalid request body"

    @classmethod
    def rejected(cls, document: object, errors: list[ErrorDetails]) -> RockpackError:  # noqa: ARG003
        return invalid_request(cls.INVALID)


class BodyModel(Protocol):
    """What the body reader needs of a declared body (both bases above)."""

    @classmethod
    def model_validate(cls, obj: Any, *, context: Any | None = None) -> Self: ...

    @classmethod
    def model_json_schema(cls) -> dict[str, Any]: ...

    @classmethod
    def rejected(cls, document: object, errors: list[ErrorDetails]) -> RockpackError: ...

    @classmethod
    def not_json(cls) -> RockpackError: ...


Body = TypeVar("Body", bound=BodyModel)


def parse_body(model: type[Body], document: object, context: dict[str, Any] | None = None) -> Body:
    """`document` as `model`, or the model's 400; `context` reaches the model's validators
    (the channel form looks its references up in the request's session)."""
    try:
        return model.model_validate(document, context=context)
    except ValidationError as exc:
        raise model.rejected(document, exc.errors()) from None


def json_body(model: type[BodyModel]) -> Any:
    """`Depends` on a reader of `model`: `Annotated[Model, json_body(Model)]` in a route."""

    async def read(request: Request) -> BodyModel:
        return parse_body(model, await read_json(request, model))

    read.body_model = model  # type: ignore[attr-defined]  # found by document_json_bodies
    return Depends(read)


def json_document(model: type[BodyModel]) -> Any:
    """`Depends` on the raw JSON document of a body that `model` describes but the route
    validates itself with `parse_body` (when the model needs a `context`)."""

    async def read(request: Request) -> object:
        return await read_json(request, model)

    read.body_model = model  # type: ignore[attr-defined]
    return Depends(read)


def _body_models(route: APIRoute) -> Iterator[type[BodyModel]]:
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        model = getattr(dependant.call, "body_model", None)
        if model is not None:
            yield model
        stack.extend(dependant.dependencies)


def document_json_bodies(routes: list[BaseRoute]) -> None:
    """Describe each route's declared body model as its OpenAPI request body (FastAPI sees only
    bodies it parses itself). Models are flat: a `$defs` would not resolve in the document."""
    for route in routes:
        if isinstance(route, APIRoute):
            for model in _body_models(route):
                schema = model.model_json_schema()
                assert "$defs" not in schema, f"{model}: body models must be flat"
                body = {"required": True, "content": {"application/json": {"schema": schema}}}
                route.openapi_extra = {**(route.openapi_extra or {}), "requestBody": body}


def raw_body_doc(content: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI of a body that is not JSON (images, multipart): `content` by media type."""
    return {"requestBody": {"required": True, "content": content}}


# --- paging, locale, cache ------------------------------------------------------------------

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
MAX_START = 1_000_000_000


def _clamp_page_size(size: int) -> int:
    return min(size, MAX_PAGE_SIZE)


# One paging rule for every Rockpack list (the document: "at most 1000"): `start` is an integer
# from 0, `size` an integer from 1, default 100; a larger size is clamped to 1000, while a size
# of 0 or less, a number beyond any plausible page (over 10^9) or a non-integer is a 400
# `invalid_request`, as a client bug should be visible rather than silently answered.
PageStart = Annotated[int, Query(ge=0, le=MAX_START)]
PageSize = Annotated[int, Query(ge=1, le=MAX_START), AfterValidator(_clamp_page_size)]


@dataclass(frozen=True)
class Page:
    start: int
    size: int


async def _page(start: PageStart = 0, size: PageSize = DEFAULT_PAGE_SIZE) -> Page:
    """`start`/`size` paging by the rule above."""
    return Page(start=start, size=size)


Paging = Annotated[Page, Depends(_page)]

# IETF language tags as clients send them (en, en-GB, zh_Hant_TW); bounded by the column width.
_LOCALE = re.compile(r"^[A-Za-z]{1,8}([-_][A-Za-z0-9]{1,8}){0,4}$")
MAX_LOCALE = 35


async def _locale(locale: Annotated[str | None, Query()] = None) -> str | None:
    """An optional `locale` query parameter; empty means none, a malformed one is a 400."""
    return parse_locale(locale)


def parse_locale(locale: str | None) -> str | None:
    """`Locale`'s rule on the parameter's value: None for none or empty, else the tag; a
    malformed one is a 400."""
    if locale is None or not locale.strip():
        return None
    value = locale.strip()
    if len(value) > MAX_LOCALE or not _LOCALE.fullmatch(value):
        raise form_errors({"locale": ["invalid locale"]})
    return value


Locale = Annotated[str | None, Depends(_locale)]

# The document's cache headers: owner-only lists may be kept a minute by the client; the owner's
# view of a user or channel (and the subscription list) is revalidated every time, as it changes
# with the owner's own edits; public views are shared for a minute.
PRIVATE_CACHE = "private, max-age=60"
PRIVATE_REVALIDATE = "private"
PUBLIC_CACHE = "public, max-age=60"


def cache(response: Response, value: str, *, per_token: bool = False) -> None:
    """Set `Cache-Control`; `per_token` for answers that differ by the caller's token."""
    response.headers["Cache-Control"] = value
    if per_token:
        response.headers["Vary"] = "Authorization"
