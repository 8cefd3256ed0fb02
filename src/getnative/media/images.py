"""Checking and re-encoding uploaded images with Pillow.

Every upload is decoded and re-encoded: what we store is always an image we produced, stripped of
metadata, within size limits, and never a decompression bomb.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from getnative import metrics
from getnative.errors import InvalidInput


class ImageTooLarge(InvalidInput):
    code = "image_too_large"


@dataclass(frozen=True)
class ImageLimits:
    max_bytes: int
    max_pixels: int
    max_side: int


@dataclass(frozen=True)
class EncodedImage:
    data: bytes
    width: int
    height: int
    content_type: str
    extension: str


def _open_checked(data: bytes, limits: ImageLimits) -> Image.Image:
    if len(data) > limits.max_bytes:
        raise ImageTooLarge(f"The image is larger than {limits.max_bytes} bytes.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > limits.max_pixels or max(width, height) > limits.max_side:
                raise ImageTooLarge(f"The image is larger than {limits.max_side} pixels a side.")
            image.load()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise ImageTooLarge("The image is too large.") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InvalidInput("cannot identify image file", code="image_invalid") from exc
    return image


def _encode(image: Image.Image) -> EncodedImage:
    has_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
    out = io.BytesIO()
    if has_alpha:
        image.convert("RGBA").save(out, format="PNG", optimize=True)
        return EncodedImage(out.getvalue(), image.width, image.height, "image/png", "png")
    image.convert("RGB").save(out, format="JPEG", quality=88, optimize=True)
    return EncodedImage(out.getvalue(), image.width, image.height, "image/jpeg", "jpg")


def _decode(data: bytes, limits: ImageLimits) -> Image.Image:
    """`_open_checked`, counted by outcome for the metrics."""
    try:
        image = _open_checked(data, limits)
    except ImageTooLarge:
        metrics.count_image_decode("too_large")
        raise
    except InvalidInput:
        metrics.count_image_decode("invalid")
        raise
    metrics.count_image_decode("ok")
    return image


def reencode(data: bytes, limits: ImageLimits, *, max_side: int | None = None) -> EncodedImage:
    """Decode `data` under `limits` and re-encode it, optionally scaled to fit `max_side`."""
    image = _decode(data, limits)
    if max_side is not None:
        image.thumbnail((max_side, max_side))
    return _encode(image)


def thumbnail(data: bytes, limits: ImageLimits, size: tuple[int, int]) -> EncodedImage:
    image = _decode(data, limits)
    image.thumbnail(size)
    return _encode(image)
