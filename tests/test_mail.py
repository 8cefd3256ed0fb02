"""Issue 9 point 2: reset mail goes out over real SMTP, and no log line holds its secrets.

Each test starts an aiosmtpd server on a free localhost port; TLS uses a throwaway CA (trustme)
that only the test's client context trusts.
"""

from __future__ import annotations

import logging
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from starlette.testclient import TestClient

from getnative.config import Settings
from getnative.db import Database
from getnative.mail import DirectoryMailer, LogMailer, SmtpMailer, SmtpTarget, make_mailer
from tests.clients import basic, login
from tests.factories import make_member

SMTP_USER, SMTP_PASSWORD = "relay-user", "relay-pa:ss"
SENDER = "Get Native <no-reply@example.com>"


@dataclass
class Sink:
    """aiosmtpd handler keeping every delivered message."""

    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"


def _authenticate(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login.decode(),
        auth_data.password.decode(),
    ) == (SMTP_USER, SMTP_PASSWORD)
    return AuthResult(success=ok)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Relay:
    sink: Sink
    port: int
    client_context: ssl.SSLContext

    def mailer(self, url: str) -> SmtpMailer:
        mailer = SmtpMailer(SmtpTarget.parse(url), SENDER, timeout=5)
        mailer.ssl_context = self.client_context
        return mailer


@pytest.fixture(scope="module")
def tls() -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(server context, client context trusting only the test CA)."""
    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server)
    client = ssl.create_default_context()
    ca.configure_trust(client)
    return server, client


StartRelay = Callable[..., Relay]


@pytest.fixture
def start_relay(tls: tuple[ssl.SSLContext, ssl.SSLContext]) -> Iterator[StartRelay]:
    controllers: list[Controller] = []

    def start(*, implicit_tls: bool = False, starttls: bool = True, auth: bool = False) -> Relay:
        sink, port = Sink(), _free_port()
        options: dict[str, Any] = {}
        if implicit_tls:
            options["ssl_context"] = tls[0]
        elif starttls:
            options.update(tls_context=tls[0], require_starttls=True)
        if auth:
            options.update(authenticator=_authenticate, auth_required=True)
        else:
            options.update(auth_require_tls=False)
        controller = Controller(sink, hostname="127.0.0.1", port=port, **options)
        controller.start()
        controllers.append(controller)
        return Relay(sink, port, tls[1])

    yield start
    for controller in controllers:
        controller.stop()


def _link_and_token(message: EmailMessage) -> tuple[str, str]:
    body: str = message.get_content()
    link = next(line for line in body.splitlines() if "token=" in line)
    return link, unquote(urlparse(link).fragment.partition("token=")[2])


def _request_reset(client: TestClient, relay: Relay, url: str, email: str) -> tuple[str, str]:
    client.app.state.container.mailer = relay.mailer(url)  # type: ignore[attr-defined]
    response = client.post("/ws/reset-password/", data={"email": email}, headers=basic())
    assert response.status_code == 204
    [(recipients, message)] = relay.sink.messages
    assert recipients == [email]
    assert message["To"] == email and message["From"] == SENDER
    assert message["Subject"] == "Reset your password"
    return _link_and_token(message)


def test_reset_mail_over_starttls_with_credentials_has_a_working_link(
    client: TestClient, db: Database, start_relay: StartRelay
) -> None:
    relay = start_relay(auth=True)
    user = make_member(db, username="mailed", email="mailed@example.com")
    url = f"smtp://{SMTP_USER}:relay-pa%3Ass@127.0.0.1:{relay.port}?starttls=required"
    link, token = _request_reset(client, relay, url, "mailed@example.com")

    assert link.startswith("http://testserver/app/#/reset?token=")
    page = client.get(urlparse(link).path)  # the browser drops the fragment
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    # What the page posts with the token from its fragment:
    confirm = client.post(
        "/password_reset/confirm", json={"token": token, "new_password": "chosen-by-mail"}
    )
    assert confirm.status_code == 204, confirm.text
    assert login(client, "mailed", "chosen-by-mail")["user_id"]
    assert user.id


def test_reset_mail_over_implicit_tls(
    client: TestClient, db: Database, start_relay: StartRelay
) -> None:
    relay = start_relay(implicit_tls=True)
    make_member(db, username="tls", email="tls@example.com")
    _, token = _request_reset(client, relay, f"smtps://127.0.0.1:{relay.port}", "tls@example.com")
    confirm = client.post(
        "/ws/reset-password/confirm/",
        data={"token": token, "password": "chosen-over-tls"},
        headers=basic(),
    )
    assert confirm.status_code == 204


def test_wrong_relay_credentials_or_untrusted_certificate_fail_quietly(
    client: TestClient, db: Database, start_relay: StartRelay, caplog: pytest.LogCaptureFixture
) -> None:
    make_member(db, username="unlucky", email="unlucky@example.com")
    authed = start_relay(auth=True)
    plain_tls = start_relay()
    untrusting = plain_tls.mailer(f"smtp://127.0.0.1:{plain_tls.port}")
    untrusting.ssl_context = ssl.create_default_context()  # the test CA is unknown to it
    container = client.app.state.container  # type: ignore[attr-defined]
    caplog.set_level(logging.DEBUG)
    for mailer in (authed.mailer(f"smtp://{SMTP_USER}:wrong@127.0.0.1:{authed.port}"), untrusting):
        container.mailer = mailer
        response = client.post("/ws/reset-password/", data={"username": "unlucky"}, headers=basic())
        assert response.status_code == 204 and response.content == b""
    assert authed.sink.messages == [] and plain_tls.sink.messages == []
    failures = [r for r in caplog.records if "could not send" in r.getMessage()]
    assert len(failures) == 2
    assert all("unlucky@" not in r.getMessage() and r.exc_info is None for r in failures)


def test_credentials_are_not_sent_in_clear_text(start_relay: StartRelay) -> None:
    relay = start_relay(starttls=False)
    mailer = relay.mailer(f"smtp://{SMTP_USER}:{SMTP_PASSWORD}@127.0.0.1:{relay.port}")
    with pytest.raises(RuntimeError, match="SMTPNotSupportedError"):
        mailer.send("someone@example.com", "hello", "body")
    assert relay.sink.messages == []
    required = relay.mailer(f"smtp://127.0.0.1:{relay.port}?starttls=required")
    with pytest.raises(RuntimeError):
        required.send("someone@example.com", "hello", "body")
    relay.mailer(f"smtp://127.0.0.1:{relay.port}").send("someone@example.com", "plain", "ok")
    assert [message["Subject"] for _, message in relay.sink.messages] == ["plain"]


def test_no_log_record_holds_the_token_link_recipient_or_password(
    client: TestClient, db: Database, start_relay: StartRelay, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    relay = start_relay(auth=True)
    make_member(db, username="private", email="private.person@example.com")
    url = f"smtp://{SMTP_USER}:relay-pa%3Ass@127.0.0.1:{relay.port}"
    link, token = _request_reset(client, relay, url, "private.person@example.com")
    confirm = client.post(
        "/ws/reset-password/confirm/",
        data={"token": token, "password": "never-logged-pw"},
        headers=basic(),
    )
    assert confirm.status_code == 204
    login(client, "private", "never-logged-pw")

    secrets = [token, link, "private.person@example.com", "never-logged-pw", "relay-pa"]
    ours = [r for r in caplog.records if not r.name.startswith("mail.log")]  # aiosmtpd's own
    assert any(r.name == "getnative.mail" for r in ours)
    for record in ours:
        text = record.getMessage() + str(record.exc_info or "")
        assert not [secret for secret in secrets if secret in text], record.name


def test_development_writes_mail_to_an_outbox_directory(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    settings = Settings(env="development", mail_outbox_dir=tmp_path / "mail")
    mailer = make_mailer(settings)
    assert isinstance(mailer, DirectoryMailer)
    mailer.send("dev@example.com", "Reset your password", "link: http://x/#/reset?token=abc")
    [saved] = (tmp_path / "mail").glob("*.eml")
    message = message_from_bytes(saved.read_bytes())
    assert message["To"] == "dev@example.com"
    assert "link: http://x/#/reset?token=abc\n" in saved.read_text()
    assert all("token=abc" not in r.getMessage() for r in caplog.records)
    assert all("dev@example.com" not in r.getMessage() for r in caplog.records)


def test_mailer_choice_follows_settings(tmp_path: Path) -> None:
    assert isinstance(make_mailer(Settings(env="test")), LogMailer)
    smtp = make_mailer(Settings(env="test", smtp_url="smtps://u:p@relay.example", mail_from="a@b"))
    assert isinstance(smtp, SmtpMailer)
    assert (smtp.target.port, smtp.target.implicit_tls, smtp.target.username) == (465, True, "u")
    assert SmtpTarget.parse("smtp://relay").port == 587
    assert SmtpTarget.parse("smtp://relay").starttls == "auto"


def test_a_silent_relay_times_out_and_the_reset_still_answers(
    client: TestClient, db: Database
) -> None:
    make_member(db, username="patient", email="patient@example.com")
    with socket.socket() as silent:  # accepts connections (backlog) and never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        port = silent.getsockname()[1]
        mailer = SmtpMailer(SmtpTarget.parse(f"smtp://127.0.0.1:{port}"), SENDER, timeout=0.5)
        client.app.state.container.mailer = mailer  # type: ignore[attr-defined]
        started = time.monotonic()
        response = client.post("/ws/reset-password/", data={"username": "patient"}, headers=basic())
        elapsed = time.monotonic() - started
    assert response.status_code == 204
    assert elapsed < 5
