"""Rockpack user profile updates: `PUT /ws/USERID/ATTRIBUTE/`, password and avatar.

Only the owner may change a profile (`Owner`: 401 without a valid token, 403 for another
user's USERID). Reading a user (`GET /ws/USERID/`) lives with the channels routes.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request, Response
from fastapi.responses import JSONResponse

from getnative.accounts import oauth_service, profile_service
from getnative.accounts.service import change_password_throttled, end_read_transaction
from getnative.api.rockpack import ids
from getnative.api.rockpack.deps import AppContainer, DbSession, Owner
from getnative.api.rockpack.errors import RockpackError, from_domain, invalid_request
from getnative.api.rockpack.json_body import parse_json
from getnative.api.rockpack.oauth import credentials_body
from getnative.errors import Conflict, ImageTooLarge, InvalidInput, UsernameTaken
from getnative.media.images import reencode

router = APIRouter()

AVATAR_MAX_SIDE = 600
BOTH_PASSWORDS = "Both old and new passwords must be supplied."


def _body_doc(content_type: str, schema: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI description of a body read by a dependency rather than a model."""
    return {"requestBody": {"required": True, "content": {content_type: {"schema": schema}}}}


PASSWORD_BODY = _body_doc(
    "application/json",
    {
        "type": "object",
        "required": ["old", "new"],
        "properties": {"old": {"type": "string"}, "new": {"type": "string", "minLength": 6}},
    },
)
IMAGE_BODY = _body_doc("image/*", {"type": "string", "format": "binary"})
STRING_BODY = _body_doc("application/json", {"type": "string"})


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    try:
        return parse_json(raw)
    except ValueError as exc:
        raise invalid_request("Request body is not valid JSON") from exc


JsonBody = Annotated[Any, Depends(_json_body)]


def _string_body(body: JsonBody) -> str:
    """The attribute's new value: a JSON string such as `"porkchopexpress"`."""
    if not isinstance(body, str):
        raise invalid_request("The value must be a JSON string.")
    if "\x00" in body:
        raise invalid_request("The value must not contain NUL characters.")
    return body


StringBody = Annotated[str, Depends(_string_body)]


async def _raw_body(request: Request) -> bytes:
    return await request.body()


RawBody = Annotated[bytes, Depends(_raw_body)]


def _password_error(message: str) -> RockpackError:
    """The change-password errors as documented: `"invalid request"` and a list of messages."""
    return RockpackError(400, "invalid request", message=[message])


@router.put("/{userid}/password/", openapi_extra=PASSWORD_BODY)
def update_password(
    request: Request, user: Owner, body: JsonBody, session: DbSession, container: AppContainer
) -> JSONResponse:
    """Change the password; every earlier access and refresh token dies, new ones are returned.

    Attempts share the login budget's size, so a stolen access token cannot be used to guess
    the old password at speed.
    """
    old = body.get("old") if isinstance(body, dict) else None
    new = body.get("new") if isinstance(body, dict) else None
    if not isinstance(old, str) or not isinstance(new, str) or not old or not new:
        raise _password_error(BOTH_PASSWORDS)
    default_client = next(iter(container.settings.oauth_client_secrets()), "")
    client_id = oauth_service.latest_client_id(session, user.id, default_client)
    try:
        change_password_throttled(
            session,
            container.login_throttle("password-change"),
            user,
            current=old,
            new=new,
            client_ip=container.client_key(request.scope),
        )
    except InvalidInput as exc:
        raise _password_error(exc.message) from exc
    credentials = oauth_service.issue_credentials(
        session, user, client_id=client_id, settings=container.settings
    )
    return credentials_body(container, credentials)


@router.put("/{userid}/avatar/", status_code=204, openapi_extra=IMAGE_BODY)
def update_avatar(
    user: Owner,
    data: RawBody,
    session: DbSession,
    container: AppContainer,
    background: BackgroundTasks,
) -> Response:
    """Store a re-encoded copy of the image as the user's avatar (also the Get Native picture).

    The previous file is deleted after the response, once the new URL is committed.
    """
    end_read_transaction(session)  # no write lock held while decoding (or waiting to)
    try:
        image = reencode(data, container.image_limits, max_side=AVATAR_MAX_SIDE)
    except ImageTooLarge as exc:
        raise from_domain(exc, 413) from exc
    except InvalidInput as exc:
        raise invalid_request(exc.message) from exc
    key = f"avatars/{ids.encode(ids.USER, user.id)}/{secrets.token_hex(8)}.{image.extension}"
    container.media.put(key, image.data, image.content_type)
    previous = container.media.key_for_url(user.picture_url)
    user.picture_url = container.media.url(key)
    session.flush()
    if previous is not None:
        background.add_task(container.media.delete, previous)
    return Response(status_code=204, headers={"Location": user.picture_url})


def _attribute_route(attribute: str) -> Callable[..., Response]:
    def update_attribute(user: Owner, value: StringBody, session: DbSession) -> Response:
        try:
            profile_service.update_attribute(session, user, attribute, value)
        except UsernameTaken as exc:
            raise invalid_request(exc.message, suggested_username=exc.suggestion) from exc
        except (InvalidInput, Conflict) as exc:
            raise invalid_request(exc.message) from exc
        return Response(status_code=204)

    update_attribute.__doc__ = f"Change the user's `{attribute}` to the JSON string body."
    return update_attribute


for _attribute in profile_service.ATTRIBUTE_SETTERS:
    router.add_api_route(
        f"/{{userid}}/{_attribute}/",
        _attribute_route(_attribute),
        methods=["PUT"],
        status_code=204,
        name=f"update_{_attribute}",
        response_class=Response,
        openapi_extra=STRING_BODY,
    )
