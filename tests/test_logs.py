"""getnative.logs: which request ids are honoured, and the two log formats."""

from __future__ import annotations

import copy
import io
import json
import logging
import logging.config
import sys
from collections.abc import Iterator

import pytest

from getnative.logs import (
    ACCESS_FIELDS,
    MAX_REQUEST_ID_LENGTH,
    REQUEST_ID,
    JsonFormatter,
    LogFormat,
    TextFormatter,
    log_config,
    request_id_from_header,
    stamp_request_ids,
)

GRANIAN_LIKE = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"generic": {"fmt": "[%(levelname)s] %(message)s"}, "access": {}},
    "handlers": {
        "console": {"formatter": "generic", "class": "logging.StreamHandler"},
        "access": {"formatter": "access", "class": "logging.StreamHandler"},
    },
    "loggers": {"_granian": {"handlers": ["console"]}, "granian.access": {"handlers": ["access"]}},
}


@pytest.mark.parametrize(
    "sent",
    [b"3f2c9a1e-8d4b-4e6f-a1b2-0c9d8e7f6a5b", b"01HZX3Q7J8K9M0N1P2Q3R4S5T6", b"trace:span/1+2=@x."],
)
def test_a_sane_incoming_id_is_kept(sent: bytes) -> None:
    assert request_id_from_header(sent) == sent.decode()


@pytest.mark.parametrize(
    "sent",
    [
        None,
        b"",
        b"x" * (MAX_REQUEST_ID_LENGTH + 1),
        b"two words",
        b'quote"d',
        b"line\nbreak",
        b"caf\xc3\xa9",
        b"{json}",
    ],
)
def test_a_missing_or_odd_id_is_replaced_by_a_new_one(sent: bytes | None) -> None:
    made = request_id_from_header(sent)
    assert len(made) == 32
    assert int(made, 16) >= 0
    assert made != request_id_from_header(sent)


def test_the_longest_id_allowed_is_kept() -> None:
    longest = b"a" * MAX_REQUEST_ID_LENGTH
    assert request_id_from_header(longest) == longest.decode()


@pytest.fixture
def in_request() -> Iterator[str]:
    stamp_request_ids()
    token = REQUEST_ID.set("req-1")
    yield "req-1"
    REQUEST_ID.reset(token)


def record(message: str = "hello %s", *args: object, **extra: object) -> logging.LogRecord:
    made = logging.getLogger("getnative.test").makeRecord(
        "getnative.test", logging.INFO, __file__, 1, message, args or ("world",), None
    )
    made.__dict__.update(extra)
    return made


def test_a_record_made_in_a_request_carries_its_id_and_one_outside_a_dash(in_request: str) -> None:
    assert record().__dict__["request_id"] == in_request
    token = REQUEST_ID.set(None)
    try:
        assert record().__dict__["request_id"] == "-"
    finally:
        REQUEST_ID.reset(token)


def test_the_text_form_shows_the_request_id(in_request: str) -> None:
    line = TextFormatter().format(record())
    assert line.endswith(f"INFO getnative.test [{in_request}] hello world")


def test_the_json_form_is_one_object_with_the_access_fields(in_request: str) -> None:
    access = ("1.2.3.4", "GET", "/", 200, 1.5)
    line = JsonFormatter().format(record('%s "%s"', "1.2.3.4", "GET /", access=access))
    entry = json.loads(line)
    assert entry["message"] == '1.2.3.4 "GET /"'
    assert (entry["level"], entry["logger"], entry["request_id"]) == (
        "INFO",
        "getnative.test",
        in_request,
    )
    assert [entry[field] for field in ACCESS_FIELDS] == ["1.2.3.4", "GET", "/", 200, 1.5]
    assert entry["time"].endswith("+00:00")
    assert "\n" not in line


def test_the_json_form_keeps_a_traceback_in_one_line() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        made = logging.getLogger("getnative.test").makeRecord(
            "getnative.test",
            logging.ERROR,
            __file__,
            1,
            "failed",
            (),
            exc_info=sys.exc_info(),
        )
    line = JsonFormatter().format(made)
    assert "\n" not in line
    assert "ValueError: boom" in json.loads(line)["exception"]


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_every_granian_handler_gets_our_formatter(log_format: LogFormat) -> None:
    config = log_config("warning", log_format, base=copy.deepcopy(GRANIAN_LIKE))
    expected = "JsonFormatter" if log_format == "json" else "TextFormatter"
    assert {f["()"].rsplit(".", 1)[1] for f in config["formatters"].values()} == {expected}
    assert {h["formatter"] for h in config["handlers"].values()} <= set(config["formatters"])
    assert config["loggers"]["getnative"] == {
        "handlers": ["console"],
        "level": "WARNING",
        "propagate": False,
    }
    assert set(config["loggers"]) == {"_granian", "granian.access", "getnative"}


def test_the_configuration_applies_and_writes_json(in_request: str) -> None:
    stream = io.StringIO()
    config = log_config("info", "json")
    config["handlers"]["console"]["stream"] = stream
    config["loggers"]["getnative"]["handlers"] = ["console"]
    logger = logging.getLogger("getnative")
    saved = (logger.handlers[:], logger.level, logger.propagate)
    try:
        logging.config.dictConfig(config)
        logging.getLogger("getnative.somewhere").info("ready")
    finally:
        logger.handlers[:], logger.level, logger.propagate = saved
    entry = json.loads(stream.getvalue())
    assert (entry["message"], entry["request_id"]) == ("ready", in_request)
