"""Where uploaded images live: one interface, a local directory or the database behind it.

`filesystem` (the default) keeps files under `GETNATIVE_MEDIA_DIR`: right for one machine.
`database` keeps them in the `media_files` table of the PostgreSQL database every machine
already shares, so an image uploaded through one machine is served by all of them with nothing
new to run. The rest of the code only sees keys and public URLs; `getnative.web.media` serves
both backends the same way (ETag, Cache-Control, Range), and `getnative media migrate` copies
between them.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from getnative.db import Database
from getnative.media.models import MediaFile

CONTENT_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}


@dataclass(frozen=True)
class StoredMedia:
    data: bytes
    content_type: str
    etag: str  # without quotes


class MediaStorage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> StoredMedia | None: ...

    def delete(self, key: str) -> None: ...

    def keys(self) -> Iterator[str]: ...

    def url(self, key: str) -> str: ...

    def key_for_url(self, url: str | None) -> str | None: ...


def content_etag(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


def check_key(key: str) -> str:
    """Keys are relative paths we made (`avatars/12/ab.jpg`); anything else is refused."""
    parts = key.split("/")
    if not key or key.startswith("/") or "\\" in key or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"invalid media key: {key!r}")
    return key


class _PublicUrls:
    url_prefix: str

    def url(self, key: str) -> str:
        return f"{self.url_prefix}/{key}"

    def key_for_url(self, url: str | None) -> str | None:
        """The key of a URL this storage handed out, else None (external picture URLs)."""
        prefix = self.url_prefix + "/"
        if not url or not url.startswith(prefix) or len(url) == len(prefix):
            return None
        return url[len(prefix) :]


class LocalMediaStorage(_PublicUrls):
    """Files under `root`, served at `url_prefix` (absolute, from the public base URL)."""

    def __init__(self, root: Path, url_prefix: str) -> None:
        self.root = root
        self.url_prefix = url_prefix.rstrip("/")

    def _path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"media key escapes the media root: {key!r}")
        return path

    def put(self, key: str, data: bytes, content_type: str) -> None:  # noqa: ARG002 (protocol)
        """Write atomically (temp file + rename) so a crash never leaves half an image."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp_name, path)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> StoredMedia | None:
        try:
            path = self._path(key)
            data = path.read_bytes()
        except (ValueError, OSError):  # bad key, missing file, a directory: all "not found"
            return None
        content_type = CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")
        return StoredMedia(data, content_type, content_etag(data))

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def keys(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not path.name.startswith(".upload-"):
                yield path.relative_to(self.root).as_posix()


class DatabaseMediaStorage(_PublicUrls):
    """Rows of `media_files` (bytea on PostgreSQL), each written in its own short transaction.

    A put commits before the caller's own transaction does, as a file write would: a row never
    points at a missing image. Shared by every machine using the same PostgreSQL database.
    """

    def __init__(self, db: Database, url_prefix: str) -> None:
        self.db = db
        self.url_prefix = url_prefix.rstrip("/")

    def put(self, key: str, data: bytes, content_type: str) -> None:
        values = {
            "key": check_key(key),
            "content_type": content_type,
            "etag": content_etag(data),
            "size": len(data),
            "data": data,
        }
        with self.db.session() as session:
            if self.db.is_sqlite:
                session.merge(MediaFile(**values))
                return
            statement = pg_insert(MediaFile).values(**values)
            session.execute(
                statement.on_conflict_do_update(
                    index_elements=[MediaFile.key],
                    set_={name: statement.excluded[name] for name in values if name != "key"},
                )
            )

    def get(self, key: str) -> StoredMedia | None:
        with self.db.session(write=False) as session:
            row = session.execute(
                select(MediaFile.data, MediaFile.content_type, MediaFile.etag).where(
                    MediaFile.key == key
                )
            ).first()
        return None if row is None else StoredMedia(bytes(row[0]), row[1], row[2])

    def delete(self, key: str) -> None:
        with self.db.session() as session:
            session.execute(delete(MediaFile).where(MediaFile.key == key))

    def keys(self) -> Iterator[str]:
        with self.db.session(write=False) as session:
            keys = list(session.scalars(select(MediaFile.key).order_by(MediaFile.key)))
        yield from keys


@dataclass
class MigrationReport:
    copied: int = 0
    unchanged: int = 0
    removed: int = 0


def migrate_media(
    source: MediaStorage, target: MediaStorage, *, remove_source: bool = False
) -> MigrationReport:
    """Copy every stored file from `source` to `target`; a file already there is skipped.

    Re-running after an interruption copies only what is missing. With `remove_source`, each
    file is removed from the source once it is in the target. URLs do not change (the same
    `GETNATIVE_MEDIA_URL_PATH` serves either backend), so no row needs rewriting.
    """
    report = MigrationReport()
    for key in list(source.keys()):
        stored = source.get(key)
        if stored is None:  # removed meanwhile
            continue
        existing = target.get(key)
        if existing is not None and existing.etag == stored.etag:
            report.unchanged += 1
        else:
            target.put(key, stored.data, stored.content_type)
            report.copied += 1
        if remove_source:
            source.delete(key)
            report.removed += 1
    return report


def make_media_storage(backend: str, *, db: Database, root: Path, url_prefix: str) -> MediaStorage:
    if backend == "database":
        return DatabaseMediaStorage(db, url_prefix)
    return LocalMediaStorage(root, url_prefix)
