"""Cover art: a user's uploaded channel cover images, each with a thumbnail and an area of interest.

Files and rows are written in an order that never leaves a row pointing at a missing file: an
upload stores both files first and commits the row afterwards (removing the files if the commit
fails); a removal commits the row's deletion first and removes the files afterwards. The worst a
crash can leave behind is an unreferenced file, never a broken image. That ordering is why these
functions, unlike most services, commit the session themselves.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from getnative.channels.models import Channel, CoverArt
from getnative.errors import CoverArtTooLarge, InvalidInput, NotFound
from getnative.media.images import EncodedImage, ImageLimits, reencode, thumbnail
from getnative.media.storage import MediaStorage

logger = logging.getLogger("getnative.channels.cover_art")

FULL_MAX_SIDE = 2048
THUMBNAIL_SIZE = (640, 360)
DEFAULT_AOI = (0.0, 0.0, 1.0, 1.0)


@dataclass(frozen=True)
class ProcessedCover:
    image: EncodedImage
    thumbnail: EncodedImage


def parse_aoi(value: object) -> list[float]:
    """`[x1, y1, x2, y2]`, fractions of the image in [0, 1] with x1 < x2 and y1 < y2."""
    if (
        not isinstance(value, list)
        or len(value) != 4
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        raise InvalidInput("aoi must be a list of four numbers [x1, y1, x2, y2].", field="aoi")
    x1, y1, x2, y2 = (float(v) for v in value)
    if not all(0.0 <= v <= 1.0 for v in (x1, y1, x2, y2)):
        raise InvalidInput("aoi values must be between 0 and 1.", field="aoi")
    if not (x1 < x2 and y1 < y2):
        raise InvalidInput("aoi must satisfy x1 < x2 and y1 < y2.", field="aoi")
    return [x1, y1, x2, y2]


def process_image(data: bytes, limits: ImageLimits) -> ProcessedCover:
    """Decode under the limits (bombs refused) and re-encode the image and its thumbnail."""
    if len(data) > limits.max_bytes:
        raise CoverArtTooLarge(f"The image is larger than {limits.max_bytes} bytes.")
    image = reencode(data, limits, max_side=FULL_MAX_SIDE)
    return ProcessedCover(image=image, thumbnail=thumbnail(image.data, limits, THUMBNAIL_SIZE))


def store_cover_art(
    session: Session,
    media: MediaStorage,
    *,
    owner_id: int,
    cover: ProcessedCover,
    aoi: list[float] | None,
) -> CoverArt:
    """Store both files, then commit the row; on any failure remove the files again."""
    cover_ref = secrets.token_urlsafe(18)
    image_key = f"cover_art/{cover_ref}.{cover.image.extension}"
    thumbnail_key = f"cover_art/{cover_ref}-thumb.{cover.thumbnail.extension}"
    try:
        media.put(image_key, cover.image.data, cover.image.content_type)
        media.put(thumbnail_key, cover.thumbnail.data, cover.thumbnail.content_type)
        row = CoverArt(
            owner_id=owner_id,
            cover_ref=cover_ref,
            image_key=image_key,
            thumbnail_key=thumbnail_key,
            aoi=aoi or list(DEFAULT_AOI),
            width=cover.image.width,
            height=cover.image.height,
        )
        session.add(row)
        session.commit()
    except BaseException:
        session.rollback()
        _remove_files(media, image_key, thumbnail_key)
        raise
    return row


def list_cover_art(
    session: Session, owner_id: int, *, start: int, size: int
) -> tuple[list[CoverArt], int]:
    """The owner's cover art, newest first, and how many there are."""
    condition = CoverArt.owner_id == owner_id
    total = session.scalar(select(func.count()).select_from(CoverArt).where(condition)) or 0
    rows = session.scalars(
        select(CoverArt).where(condition).order_by(CoverArt.id.desc()).offset(start).limit(size)
    )
    return list(rows), total


def remove_cover_art(
    session: Session, media: MediaStorage, *, owner_id: int, cover_ref: str
) -> None:
    """Delete the row (channels using it lose their cover), commit, then remove the files."""
    row = session.scalar(
        select(CoverArt).where(CoverArt.cover_ref == cover_ref, CoverArt.owner_id == owner_id)
    )
    if row is None:
        raise NotFound("Cover art not found.", code="cover_art_not_found")
    keys = (row.image_key, row.thumbnail_key)
    session.execute(update(Channel).where(Channel.cover_art_id == row.id).values(cover_art_id=None))
    session.delete(row)
    session.commit()
    _remove_files(media, *keys)


def _remove_files(media: MediaStorage, *keys: str) -> None:
    """Best effort: a file left behind is unreferenced, which is harmless."""
    for key in keys:
        try:
            media.delete(key)
        except Exception:
            logger.warning("could not remove media file %s", key, exc_info=True)
