"""Factories and helpers for the Rockpack channel tests (one transaction per record)."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

from PIL import Image

from getnative.accounts.models import User
from getnative.api.rockpack import ids
from getnative.catalog.models import Category, Video, VideoLocale
from getnative.channels.models import Channel, CoverArt, Subscription, VideoInstance
from getnative.db import Database
from tests.factories import unique


def uid(user: User | int) -> str:
    return ids.encode(ids.USER, user if isinstance(user, int) else user.id)


def cid(channel: Channel | int) -> str:
    return ids.encode(ids.CHANNEL, channel if isinstance(channel, int) else channel.id)


def vid(instance: VideoInstance | int) -> str:
    return ids.encode(ids.VIDEO_INSTANCE, instance if isinstance(instance, int) else instance.id)


def channel_path(owner: User, channel: Channel | int, suffix: str = "") -> str:
    return f"/ws/{uid(owner)}/channels/{cid(channel)}/{suffix}"


def make_channel(db: Database, owner: User, **fields: Any) -> Channel:
    fields.setdefault("title", unique("Channel "))
    fields.setdefault("description", "A channel.")
    with db.session() as session:
        channel = Channel(owner_id=owner.id, **fields)
        session.add(channel)
        session.flush()
        return channel


def make_category(db: Database, name: str | None = None) -> Category:
    with db.session() as session:
        category = Category(name=name or unique("Category "))
        session.add(category)
        session.flush()
        return category


def make_external_video(db: Database, *, locales: list[str] | None = None, **fields: Any) -> Video:
    fields.setdefault("source", "youtube")
    fields.setdefault("source_id", unique("yt").ljust(11, "x")[:11])
    fields.setdefault("title", unique("Video "))
    with db.session() as session:
        video = Video(**fields)
        session.add(video)
        session.flush()
        for locale in locales or []:
            session.add(VideoLocale(video_id=video.id, locale=locale))
        return video


def make_instance(db: Database, channel: Channel, video: Video, position: int) -> VideoInstance:
    with db.session() as session:
        instance = VideoInstance(channel_id=channel.id, video_id=video.id, position=position)
        session.add(instance)
        session.flush()
        return instance


def subscribe(db: Database, user: User, channel: Channel) -> None:
    with db.session() as session:
        session.add(Subscription(user_id=user.id, channel_id=channel.id))
        row = session.get(Channel, channel.id)
        assert row is not None
        row.subscriber_count += 1


def make_cover_art(db: Database, owner: User, cover_ref: str | None = None) -> CoverArt:
    with db.session() as session:
        ref = cover_ref or unique("ref")
        cover = CoverArt(
            owner_id=owner.id,
            cover_ref=ref,
            image_key=f"cover_art/{ref}.jpg",
            thumbnail_key=f"cover_art/{ref}-thumb.jpg",
            aoi=[0.1, 0.2, 0.9, 0.8],
        )
        session.add(cover)
        session.flush()
        return cover


def instance_rows(db: Database, channel: Channel) -> list[tuple[int, int, int]]:
    """(id, video_id, position) of the channel's instances in channel order."""
    with db.session(write=False) as session:
        rows = session.query(VideoInstance).filter_by(channel_id=channel.id)
        ordered = sorted(rows, key=lambda i: (i.position, i.id))
        return [(i.id, i.video_id, i.position) for i in ordered]


def image_bytes(size: tuple[int, int] = (1280, 720), fmt: str = "PNG", mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color=(200, 30, 30) if mode == "RGB" else None).save(out, format=fmt)
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` x `height` pixels: a decompression bomb's shape."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )
