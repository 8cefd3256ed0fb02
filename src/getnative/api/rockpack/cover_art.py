"""Rockpack routes: the owner's cover art (list, upload, remove).

An upload is either the raw image as the body (`Content-Type: image/*`) or a multipart form with
an `image` part and an optional JSON `aoi` part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from getnative.api.rockpack import render
from getnative.api.rockpack.deps import (
    PRIVATE_CACHE,
    AppContainer,
    DbSession,
    Owner,
    Paging,
    cache,
    parse_json,
    raw_body_doc,
)
from getnative.api.rockpack.errors import invalid_request, not_found
from getnative.channels import cover_art_service as covers

router = APIRouter()

_COVER_REF = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class Upload:
    image: bytes
    aoi: object  # the raw `aoi` value, None when not sent


async def _read_upload(request: Request) -> Upload:
    """The image bytes and raw aoi of either upload form."""
    content_type = request.headers.get("content-type", "").lower()
    if not content_type.startswith("multipart/form-data"):
        return Upload(image=await request.body(), aoi=None)
    form = await request.form(max_files=2, max_fields=2)
    try:
        image = await _part_bytes(form.get("image"))
        aoi_raw = form.get("aoi")
        aoi = None if aoi_raw is None else _json_or_invalid(await _part_bytes(aoi_raw))
    finally:
        await form.close()
    return Upload(image=image, aoi=aoi)


async def _part_bytes(part: UploadFile | str | None) -> bytes:
    if part is None:
        return b""
    if isinstance(part, str):
        return part.encode()
    return await part.read()


def _json_or_invalid(raw: bytes) -> object:
    try:
        return parse_json(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")[:50]


UploadBody = Annotated[Upload, Depends(_read_upload)]

_BINARY = {"type": "string", "format": "binary"}
UPLOAD_DOC = raw_body_doc(
    {
        "image/*": {"schema": _BINARY},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["image"],
                "properties": {
                    "image": _BINARY,
                    "aoi": {
                        "type": "string",
                        "description": "JSON [x1, y1, x2, y2], fractions in [0, 1]",
                    },
                },
            }
        },
    }
)


@router.get("/{userid}/cover_art/")
def list_cover_art(
    userid: Owner, response: Response, session: DbSession, container: AppContainer, page: Paging
) -> dict[str, Any]:
    rows, total = covers.list_cover_art(session, userid.id, start=page.start, size=page.size)
    cache(response, PRIVATE_CACHE)
    items = [render.render_cover_art(container, row, page.start + i) for i, row in enumerate(rows)]
    return {"cover_art": render.paged(items, total)}


@router.post("/{userid}/cover_art/", status_code=201, openapi_extra=UPLOAD_DOC)
def upload_cover_art(
    userid: Owner, session: DbSession, container: AppContainer, upload: UploadBody
) -> JSONResponse:
    # The token was checked on the async driver, so the request's transaction has not begun:
    # no write lock (SQLite) waits on image decoding. Storing the row begins it.
    aoi = None if upload.aoi is None else covers.parse_aoi(upload.aoi)
    if not upload.image:
        raise invalid_request("cannot identify image file")
    # Over the byte limit is CoverArtTooLarge, a 413 (errors.py); too many pixels or a
    # decompression bomb is ImageTooLarge, which on this route is bad input, a 400.
    processed = covers.process_image(upload.image, container.image_limits)
    row = covers.store_cover_art(
        session, container.media, owner_id=userid.id, cover=processed, aoi=aoi
    )
    body = render.render_cover_art(container, row, 0)
    created = {key: body[key] for key in ("cover_ref", "resource_url", "thumbnail_url")}
    return JSONResponse(created, status_code=201, headers={"Location": created["resource_url"]})


@router.delete("/{userid}/cover_art/{cover_ref}", status_code=204)
@router.delete("/{userid}/cover_art/{cover_ref}/", status_code=204)
def delete_cover_art(
    cover_ref: str, userid: Owner, session: DbSession, container: AppContainer
) -> Response:
    if not _COVER_REF.fullmatch(cover_ref):
        raise not_found()
    covers.remove_cover_art(session, container.media, owner_id=userid.id, cover_ref=cover_ref)
    return Response(status_code=204)
