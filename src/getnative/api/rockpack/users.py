"""Rockpack user profile updates: `PUT /ws/USERID/ATTRIBUTE/`, password and avatar.

Only the owner may change a profile (`Owner`: 401 without a valid token, 403 for another
user's USERID). Reading a user (`GET /ws/USERID/`) lives with the channels routes.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Annotated, ClassVar

from fastapi import APIRouter, BackgroundTasks, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field
from pydantic_core import ErrorDetails

from getnative.accounts import oauth_service, profile_service
from getnative.accounts.service import change_password_throttled, end_read_transaction
from getnative.api.rockpack import ids
from getnative.api.rockpack.deps import (
    AppContainer,
    DbSession,
    OwnerUser,
    RockpackBody,
    RockpackValue,
    json_body,
    raw_body_doc,
)
from getnative.api.rockpack.errors import RockpackError, from_domain, invalid_request
from getnative.api.rockpack.oauth import credentials_body
from getnative.errors import Conflict, ImageTooLarge, InvalidInput, UsernameTaken
from getnative.media.images import reencode

router = APIRouter()

AVATAR_MAX_SIDE = 600
BOTH_PASSWORDS = "Both old and new passwords must be supplied."
IMAGE_BODY = raw_body_doc({"image/*": {"schema": {"type": "string", "format": "binary"}}})


class AttributeValue(RockpackValue[str]):
    """The attribute's new value: a JSON string such as `"porkchopexpress"`."""

    INVALID: ClassVar[str] = "The value must be a JSON string."


async def _raw_body(request: Request) -> bytes:
    return await request.body()


RawBody = Annotated[bytes, Depends(_raw_body)]


def _password_error(message: str) -> RockpackError:
    """The change-password errors as documented: `"invalid request"` and a list of messages."""
    return RockpackError(400, "invalid request", message=[message])


class PasswordChangeIn(RockpackBody):
    """Both passwords, non-empty; the new one's rules are the accounts service's."""

    old: Annotated[str, Field(min_length=1)]
    new: Annotated[str, Field(min_length=1)]

    @classmethod
    def rejected(cls, document: object, errors: list[ErrorDetails]) -> RockpackError:  # noqa: ARG003
        return _password_error(BOTH_PASSWORDS)


@router.put("/{userid}/password/")
def update_password(
    request: Request,
    userid: OwnerUser,
    body: Annotated[PasswordChangeIn, json_body(PasswordChangeIn)],
    session: DbSession,
    container: AppContainer,
) -> JSONResponse:
    """Change the password; every earlier access and refresh token dies, new ones are returned.

    Attempts share the login budget's size, so a stolen access token cannot be used to guess
    the old password at speed.
    """
    user = userid
    default_client = next(iter(container.settings.oauth_client_secrets()), "")
    client_id = oauth_service.latest_client_id(session, user.id, default_client)
    client_ip = container.client_key(request.scope)
    try:
        change_password_throttled(
            session, container, user, client_ip, current=body.old, new=body.new
        )
    except InvalidInput as exc:
        raise _password_error(exc.message) from exc
    credentials = oauth_service.issue_credentials(
        session, user, client_id=client_id, settings=container.settings
    )
    return credentials_body(container, credentials)


@router.put("/{userid}/avatar/", status_code=204, openapi_extra=IMAGE_BODY)
def update_avatar(
    userid: OwnerUser,
    data: RawBody,
    session: DbSession,
    container: AppContainer,
    background: BackgroundTasks,
) -> Response:
    """Store a re-encoded copy of the image as the user's avatar (also the Get Native picture).

    The previous file is deleted after the response, once the new URL is committed.
    """
    user = userid
    end_read_transaction(session)  # no write lock held while decoding (or waiting to)
    try:
        image = reencode(data, container.image_limits, max_side=AVATAR_MAX_SIDE)
    except ImageTooLarge as exc:
        # Kept in the route, not errors.py, because it differs by endpoint: every avatar size
        # limit (bytes, pixels, side) is a 413, while on cover art only the byte limit is
        # (CoverArtTooLarge) and too many pixels is a 400. The spec only shows the avatar's
        # 400 for undecodable data; the 413s are our contract (tests/system/test_limits.py).
        raise from_domain(exc, 413) from exc
    key = f"avatars/{ids.encode(ids.USER, user.id)}/{secrets.token_hex(8)}.{image.extension}"
    container.media.put(key, image.data, image.content_type)
    previous = container.media.key_for_url(user.picture_url)
    user.picture_url = container.media.url(key)
    session.flush()
    if previous is not None:
        background.add_task(container.media.delete, previous)
    return Response(status_code=204, headers={"Location": user.picture_url})


def _attribute_route(attribute: str) -> Callable[..., Response]:
    def update_attribute(
        userid: OwnerUser,
        value: Annotated[AttributeValue, json_body(AttributeValue)],
        session: DbSession,
    ) -> Response:
        try:
            profile_service.update_attribute(session, userid, attribute, value.root)
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
    )
