"""Outgoing mail behind a small interface, so deployments choose the transport.

The default `LogMailer` only writes the message to the log (development, tests); a deployment can
put an SMTP or provider-backed implementation on the container without touching any route.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Protocol

logger = logging.getLogger("getnative.mail")


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str


class Mailer(Protocol):
    def send(self, to: str, subject: str, body: str) -> None:
        """Deliver (or queue) one plain-text message; must not raise for a bad recipient."""
        ...


class LogMailer:
    """Writes each message to the `getnative.mail` log instead of sending it."""

    def send(self, to: str, subject: str, body: str) -> None:
        logger.info("mail to=%s subject=%r\n%s", to, subject, body)


@dataclass
class OutboxMailer:
    """Keeps messages in memory: for tests and for inspecting mail in a local server."""

    outbox: list[Message] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def send(self, to: str, subject: str, body: str) -> None:
        with self._lock:
            self.outbox.append(Message(to, subject, body))
