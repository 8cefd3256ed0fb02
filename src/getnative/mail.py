"""Outgoing mail behind a small interface, so deployments choose the transport.

`make_mailer` picks one from settings: `SmtpMailer` when `GETNATIVE_SMTP_URL` is set (production
refuses to start without it), else `DirectoryMailer` in development (each mail is a `.eml` file
under `GETNATIVE_MAIL_OUTBOX_DIR`, so a developer can open the reset link), else `LogMailer`.

A mail's body holds credentials (a reset link is a password for an hour), so no mailer ever logs
a recipient, a body or a link: only that a mail with some subject went out, or failed to.
"""

from __future__ import annotations

import email.policy
import logging
import smtplib
import ssl
import threading
import time
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

if TYPE_CHECKING:
    from getnative.config import Settings

logger = logging.getLogger("getnative.mail")

StartTLS = Literal["auto", "required", "never"]
SMTP_SCHEMES = {"smtp": 587, "smtps": 465}
_READABLE = email.policy.default.clone(max_line_length=998)


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
    """Drops the message, logging only its subject: for tests and servers with no mail at all."""

    def send(self, to: str, subject: str, body: str) -> None:  # noqa: ARG002 (Mailer protocol)
        logger.info("mail not sent (no mail transport configured): subject=%r", subject)


@dataclass
class OutboxMailer:
    """Keeps messages in memory: for tests and for inspecting mail in a local server."""

    outbox: list[Message] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def send(self, to: str, subject: str, body: str) -> None:
        with self._lock:
            self.outbox.append(Message(to, subject, body))


def build_message(
    sender: str, to: str, subject: str, body: str, *, readable: bool = False
) -> EmailMessage:
    """An RFC 5322 message; `readable` keeps the body as plain 8-bit text (the file outbox, so a
    long link stays one line to copy) instead of the transport-safe quoted-printable."""
    message = EmailMessage(policy=_READABLE if readable else email.policy.default)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=_domain_of(sender))
    message.set_content(body, cte="8bit" if readable else None)
    return message


def _domain_of(sender: str) -> str | None:
    address = sender.rsplit("<", 1)[-1].rstrip(">").strip()
    return address.rpartition("@")[2] or None


@dataclass
class DirectoryMailer:
    """Development: writes each mail as `<time>-<random>.eml` in `directory` (a file outbox).

    The log says only which file was written: the link stays out of logs but a developer finds
    it one `cat` away."""

    directory: Path
    sender: str = "getnative <no-reply@localhost>"

    def send(self, to: str, subject: str, body: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}.eml"
        path = self.directory / name
        path.write_bytes(bytes(build_message(self.sender, to, subject, body, readable=True)))
        logger.info("mail written to the outbox: subject=%r file=%s", subject, path)


@dataclass(frozen=True)
class SmtpTarget:
    """`GETNATIVE_SMTP_URL` parsed: `smtp://[user:pass@]host[:587][?starttls=auto|required|never]`
    or `smtps://[user:pass@]host[:465]` (TLS from the first byte)."""

    host: str
    port: int
    implicit_tls: bool
    starttls: StartTLS
    username: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str) -> SmtpTarget:
        parts = urlsplit(url)
        if parts.scheme not in SMTP_SCHEMES:
            raise ValueError("must start with smtp:// or smtps://")
        if not parts.hostname:
            raise ValueError("names no host")
        try:
            port = parts.port or SMTP_SCHEMES[parts.scheme]
        except ValueError as exc:
            raise ValueError("has an invalid port") from exc
        option = parse_qs(parts.query).get("starttls", ["auto"])[-1]
        if option not in ("auto", "required", "never"):
            raise ValueError("starttls must be auto, required or never")
        if parts.scheme == "smtps" and option == "required":
            option = "never"  # already TLS: nothing to upgrade
        return cls(
            host=parts.hostname,
            port=port,
            implicit_tls=parts.scheme == "smtps",
            starttls=option,  # type: ignore[arg-type]
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password is not None else None,
        )


class SmtpError(RuntimeError):
    """A mail could not be handed to the relay; the message never names the recipient."""


@dataclass
class SmtpMailer:
    """Hands each mail to an SMTP relay with stdlib `smtplib` (one connection per mail).

    `send` blocks for up to `timeout` seconds per network step, so callers run it off the event
    loop (the reset route is a sync route: Starlette runs it in a worker thread). The relay's
    certificate is checked against the system CAs (`SSL_CERT_FILE` adds a private CA)."""

    target: SmtpTarget
    sender: str
    timeout: float = 10.0
    ssl_context: ssl.SSLContext = field(default_factory=ssl.create_default_context)

    @classmethod
    def from_url(cls, url: str, sender: str, timeout: float = 10.0) -> SmtpMailer:
        return cls(SmtpTarget.parse(url), sender, timeout)

    def send(self, to: str, subject: str, body: str) -> None:
        message = build_message(self.sender, to, subject, body)
        try:
            with self._connect() as smtp:
                encrypted = self._secure(smtp)
                if self.target.username is not None:
                    if not encrypted and self.target.starttls != "never":
                        raise smtplib.SMTPNotSupportedError("no TLS to send credentials over")
                    smtp.login(self.target.username, self.target.password or "")
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            # The exception text of a refused recipient may quote the address: keep the class.
            raise SmtpError(f"SMTP delivery failed: {type(exc).__name__}") from None
        logger.info("mail sent over SMTP: subject=%r", subject)

    def _connect(self) -> smtplib.SMTP:
        t = self.target
        if t.implicit_tls:
            return smtplib.SMTP_SSL(t.host, t.port, timeout=self.timeout, context=self.ssl_context)
        return smtplib.SMTP(t.host, t.port, timeout=self.timeout)

    def _secure(self, smtp: smtplib.SMTP) -> bool:
        """Upgrade to TLS when offered (or required); True when the session is encrypted."""
        if self.target.implicit_tls:
            return True
        if self.target.starttls == "never":
            return False
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls(context=self.ssl_context)
            smtp.ehlo()
            return True
        if self.target.starttls == "required":
            raise smtplib.SMTPNotSupportedError("the relay does not offer STARTTLS")
        return False


def make_mailer(settings: Settings) -> Mailer:
    """The mailer the settings ask for (see the module docstring)."""
    if settings.smtp_url:
        return SmtpMailer.from_url(
            settings.smtp_url, settings.mail_from, settings.smtp_timeout_seconds
        )
    if settings.env == "development":
        sender = settings.mail_from or DirectoryMailer.sender
        return DirectoryMailer(settings.mail_outbox_dir, sender)
    return LogMailer()
