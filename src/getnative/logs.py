"""Log records that can be followed across a request, as text or as JSON for log shippers.

Every request gets an id at the edge (`getnative.web.middleware`): the client's `X-Request-ID`
when it is sane (see `request_id_from_header`), else a new one. The edge puts it in
`REQUEST_ID`, a context variable, for the time of the request; every record created meanwhile
carries it as `record.request_id` (a record factory stamps it where the record is made, so the
lines of a route that runs in the thread pool carry it too: AnyIO copies the context into the
worker thread). Outside a request the field is "-".

One configuration (`log_config`) serves the CLI and Granian's workers, so our loggers and
Granian's own lines share a format: `GETNATIVE_LOG_FORMAT=text` (the default, for people) or
`json` (one object a line: time, level, logger, message, request_id, and the access log's
client, method, path, status and duration_ms).
"""

from __future__ import annotations

import json
import logging
import os
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal

LogFormat = Literal["text", "json"]
REQUEST_ID: ContextVar[str | None] = ContextVar("getnative_request_id", default=None)
REQUEST_ID_HEADER = "X-Request-ID"
# What a client's id may hold: the characters of UUIDs, ULIDs, base64 and `trace:span` forms,
# nothing that could break a log line or a header (spaces, quotes, control characters), and no
# more than this many, so a client cannot make every log line of its request huge.
MAX_REQUEST_ID_LENGTH = 128
_SANE_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:/+=@-]{1,%d}" % MAX_REQUEST_ID_LENGTH)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# The access log passes these as one tuple, `extra={"access": (...)}`; the JSON form makes
# them fields of their own.
ACCESS_FIELDS = ("client", "method", "path", "status", "duration_ms")


REQUEST_IDS_PER_READ = 256
_unused_ids: list[str] = []
# A forked worker must not hand out the ids its parent read ahead.
os.register_at_fork(after_in_child=_unused_ids.clear)


def new_request_id() -> str:
    """32 hex digits from the OS's random source: unique enough, and cheaper than uuid4().

    Read for many ids at once: one `getrandom` system call per request cost more than the rest
    of the request id's handling under load (bench/RESULTS.md, "edge3")."""
    while True:
        try:
            return _unused_ids.pop()
        except IndexError:
            block = os.urandom(16 * REQUEST_IDS_PER_READ).hex()
            _unused_ids.extend(block[at : at + 32] for at in range(0, len(block), 32))


def request_id_from_header(value: bytes | None) -> str:
    """The client's id when it is sane, else a new one (a missing or odd header is no error)."""
    if value is not None and _SANE_REQUEST_ID.fullmatch(value):
        return value.decode("ascii")
    return new_request_id()


_base_factory = logging.getLogRecordFactory()


def _record_with_request_id(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    record.request_id = REQUEST_ID.get() or "-"
    return record


def stamp_request_ids() -> None:
    """Make every log record carry the current request's id (idempotent)."""
    if logging.getLogRecordFactory() is not _record_with_request_id:
        logging.setLogRecordFactory(_record_with_request_id)


class TextFormatter(logging.Formatter):
    """The plain form, with the request id after the logger name."""

    def __init__(self, fmt: str | None = None, datefmt: str | None = None) -> None:
        super().__init__(fmt or TEXT_FORMAT, datefmt)

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):  # made before stamp_request_ids was installed
            record.request_id = "-"
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object a line; an exception goes in `exception` as its formatted traceback."""

    def __init__(self, fmt: str | None = None, datefmt: str | None = None) -> None:
        super().__init__(fmt, datefmt)  # both ignored: the fields are fixed

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        access = record.__dict__.get("access")
        if access is not None:
            entry.update(zip(ACCESS_FIELDS, access, strict=True))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def formatter_class(log_format: LogFormat) -> str:
    return f"{__name__}.{'JsonFormatter' if log_format == 'json' else 'TextFormatter'}"


def log_config(
    level: str, log_format: LogFormat, base: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A `logging.config.dictConfig` dict: `base`'s handlers and loggers (Granian's), every
    formatter replaced by ours, and the `getnative` loggers at `level` on the console handler."""
    config: dict[str, Any] = {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {},
        "loggers": {},
        **(base or {}),
    }
    config["formatters"] = {
        name: {"()": formatter_class(log_format)}
        for name in {*config.get("formatters", {}), "getnative"}
    }
    config["handlers"] = {
        "console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout"},
        **config["handlers"],
    }
    for handler in config["handlers"].values():
        handler.setdefault("formatter", "getnative")
    config["loggers"]["getnative"] = {
        "handlers": ["console"],
        "level": level.upper(),
        "propagate": False,
    }
    return config


def configure(level: str, log_format: LogFormat) -> None:
    """Set up logging in this process (the CLI's, before Granian forks its workers)."""
    import logging.config

    stamp_request_ids()
    config = log_config(level, log_format)
    config["root"] = {"handlers": ["console"], "level": level.upper()}
    config["handlers"]["console"]["stream"] = "ext://sys.stderr"
    logging.config.dictConfig(config)
