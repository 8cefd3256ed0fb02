"""Checking and re-encoding uploaded images with Pillow.

Every upload is decoded and re-encoded: what we store is always an image we produced, stripped of
metadata, within size limits, and never a decompression bomb.

Decoding is what costs memory (a 155 KB PNG of 8000x5000 pixels decodes to 120 MB, ~300 MB with
the copies of a re-encode), so two bounds apply: the pixel budget (`max_pixels`, checked from the
header before any pixel is decoded; JPEGs are decoded already scaled down with `draft`), and a
process-wide number of decodes at once (`max_concurrent`): an upload waits `wait_seconds` for a
slot, then gets `ServerBusy` (503 in every dialect) rather than piling up in memory.
"""

from __future__ import annotations

import io
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from getnative import metrics
from getnative.errors import ImageTooLarge, InvalidInput, ServerBusy


@dataclass(frozen=True)
class ImageLimits:
    max_bytes: int
    max_pixels: int
    max_side: int
    max_concurrent: int = 2
    wait_seconds: float = 5.0


_slots_guard = threading.Lock()
_slots: dict[int, threading.BoundedSemaphore] = {}


def _semaphore(size: int) -> threading.BoundedSemaphore:
    """One semaphore per configured size, shared by every app of the process."""
    with _slots_guard:
        if size not in _slots:
            _slots[size] = threading.BoundedSemaphore(size)
        return _slots[size]


@contextmanager
def decode_slot(limits: ImageLimits) -> Iterator[None]:
    """Hold one of the process's `max_concurrent` decode slots (0 or less: unbounded)."""
    if limits.max_concurrent <= 0:
        yield
        return
    semaphore = _semaphore(limits.max_concurrent)
    if not semaphore.acquire(timeout=limits.wait_seconds):
        metrics.count_image_decode("busy")
        raise ServerBusy("Too many images are being processed; try again in a moment.")
    try:
        yield
    finally:
        semaphore.release()


@dataclass(frozen=True)
class EncodedImage:
    data: bytes
    width: int
    height: int
    content_type: str
    extension: str


def _open_checked(data: bytes, limits: ImageLimits, fit: int | None) -> Image.Image:
    if len(data) > limits.max_bytes:
        raise ImageTooLarge(f"The image is larger than {limits.max_bytes} bytes.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > limits.max_pixels or max(width, height) > limits.max_side:
                raise ImageTooLarge(
                    f"The image is larger than {limits.max_pixels} pixels or "
                    f"{limits.max_side} pixels a side."
                )
            if fit is not None and image.format == "JPEG":
                image.draft("RGB", (fit, fit))  # decode at 1/2..1/8 scale when that still fits
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


def _decode(data: bytes, limits: ImageLimits, fit: int | None = None) -> Image.Image:
    """`_open_checked`, counted by outcome for the metrics."""
    try:
        image = _open_checked(data, limits, fit)
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
    with decode_slot(limits):
        image = _decode(data, limits, max_side)
        if max_side is not None:
            image.thumbnail((max_side, max_side))
        return _encode(image)


def thumbnail(data: bytes, limits: ImageLimits, size: tuple[int, int]) -> EncodedImage:
    with decode_slot(limits):
        image = _decode(data, limits, max(size))
        image.thumbnail(size)
        return _encode(image)
