"""Channels against real transports: a Maildir on disk, aiosmtpd and an HTTP server on loopback."""

from __future__ import annotations

import hashlib
import hmac
import json
import mailbox
import socket
import threading
from email.message import EmailMessage
from pathlib import Path

import pytest
from distribution_support import SmtpServer, WebhookServer, free_port, smtp_server, webhook_server

from pressroom.channels import (
    ChannelConfigError,
    ChannelDown,
    PermanentFailure,
    TemporaryFailure,
    channel_types,
    make_channel,
    open_channel,
)
from pressroom.channels.webhook import signature
from pressroom.model import Channel

__all__ = ["smtp_server", "webhook_server"]  # fixtures used below


def message(to: str, subject: str = "Meldung") -> bytes:
    """Return a small message as wire bytes (CRLF line ends), as dispatch hands channels."""
    from email.policy import SMTP

    msg = EmailMessage(policy=SMTP)
    msg["From"] = "presse@beispiel.example"
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content("Zeile eins\nZeile zwei\n")
    return msg.as_bytes()


def smtp_channel(port: int, **options: object) -> Channel:
    base = {"host": "127.0.0.1", "port": port, "security": "none", "rate_per_minute": 60000,
            "timeout": 5}
    base.update(options)
    return make_channel("mail", {"type": "smtp", **base})


def test_registry_knows_the_three_channel_types() -> None:
    assert set(channel_types()) == {"maildir", "smtp", "webhook"}


def test_maildir_channel_writes_messages_a_maildir_reader_opens(tmp_path: Path) -> None:
    transport = open_channel(make_channel("outbox", {"type": "maildir", "path": "build/outbox"}), tmp_path)
    transport.send(message("a@example.org", "Erste"), "presse@beispiel.example", "a@example.org")
    transport.send(message("b@example.org", "Zweite"), "presse@beispiel.example", "b@example.org")
    transport.close()
    box = mailbox.Maildir(tmp_path / "build" / "outbox", create=False)
    subjects = sorted(m["Subject"] for m in box)
    assert subjects == ["Erste", "Zweite"]
    raw = next(iter(box.values())).as_bytes()
    assert b"\r\r\n" not in raw and b"Zeile zwei" in raw


def test_smtp_channel_reuses_one_connection_for_many_messages(smtp_server: SmtpServer) -> None:
    transport = open_channel(smtp_channel(smtp_server.port), Path("."))
    for i in range(5):
        transport.send(message(f"r{i}@example.org"), "presse@beispiel.example", f"r{i}@example.org")
    transport.close()
    assert smtp_server.handler.count == 5
    assert len(smtp_server.handler.sessions) == 1


def test_smtp_550_is_permanent_and_421_temporary(smtp_server: SmtpServer) -> None:
    smtp_server.handler.refuse.add("gone@example.org")
    smtp_server.handler.busy_once.add("busy@example.org")
    transport = open_channel(smtp_channel(smtp_server.port), Path("."))
    with pytest.raises(PermanentFailure, match="550"):
        transport.send(message("gone@example.org"), "presse@beispiel.example", "gone@example.org")
    with pytest.raises(TemporaryFailure, match="421"):
        transport.send(message("busy@example.org"), "presse@beispiel.example", "busy@example.org")
    transport.send(message("busy@example.org"), "presse@beispiel.example", "busy@example.org")
    transport.close()
    assert [r.rcpt_tos for r in smtp_server.handler.received] == [["busy@example.org"]]


def test_smtp_connection_refused_takes_the_channel_down() -> None:
    transport = open_channel(smtp_channel(free_port()), Path("."))
    with pytest.raises(ChannelDown, match="connecting to 127.0.0.1:.*refused"):
        transport.send(message("a@example.org"), "presse@beispiel.example", "a@example.org")
    transport.close()


def test_smtp_password_comes_only_from_the_named_environment_variable(smtp_server: SmtpServer) -> None:
    channel = smtp_channel(smtp_server.port, username="presse", password_env="TEST_SMTP_PASSWORD")
    transport = open_channel(channel, Path("."), environ={})
    with pytest.raises(ChannelConfigError, match="TEST_SMTP_PASSWORD is not set"):
        transport.send(message("a@example.org"), "presse@beispiel.example", "a@example.org")
    assert smtp_server.handler.count == 0


def test_webhook_posts_signed_json(webhook_server: WebhookServer) -> None:
    channel = make_channel("website", {"type": "webhook", "url": webhook_server.url, "secret_env": "HOOK_SECRET"})
    transport = open_channel(channel, Path("."), environ={"HOOK_SECRET": "geheim"})
    body = json.dumps({"slug": "2030-01-01-a"}).encode()
    transport.send(body, "key-1")
    (hit,) = webhook_server.hits
    expected = "sha256=" + hmac.new(b"geheim", hit.body, hashlib.sha256).hexdigest()
    assert hit.headers["X-Pressroom-Signature"] == expected == signature("geheim", body)
    assert hit.headers["X-Pressroom-Delivery"] == "key-1"
    assert hit.json == {"slug": "2030-01-01-a"}
    assert hit.path == "/hooks/press"


@pytest.mark.parametrize(("status", "failure"), [
    (500, TemporaryFailure), (503, TemporaryFailure), (429, TemporaryFailure),
    (400, PermanentFailure), (404, PermanentFailure), (410, PermanentFailure),
])
def test_webhook_5xx_retries_and_4xx_is_final(webhook_server: WebhookServer, status: int,
                                              failure: type[Exception]) -> None:
    webhook_server.statuses.append(status)
    transport = open_channel(make_channel("w", {"type": "webhook", "url": webhook_server.url}), Path("."))
    with pytest.raises(failure, match=str(status)):
        transport.send(b"{}", "k")


@pytest.mark.parametrize("status", [401, 403])
def test_a_webhook_receiver_refusing_the_signature_takes_the_channel_down(
    webhook_server: WebhookServer, status: int
) -> None:
    # Like a refused login: every release would be refused alike, so none becomes dead.
    webhook_server.statuses.append(status)
    channel = make_channel("w", {"type": "webhook", "url": webhook_server.url, "secret_env": "HOOK_SECRET"})
    transport = open_channel(channel, Path("."), environ={"HOOK_SECRET": "falsch"})
    with pytest.raises(ChannelDown, match=f"HTTP {status} from .*: the receiver refuses pressroom"
                                          r" \(is the secret in HOOK_SECRET the one it expects\?\)"):
        transport.send(b"{}", "k")


def test_webhook_does_not_follow_redirects(webhook_server: WebhookServer) -> None:
    webhook_server.statuses.append(302)
    transport = open_channel(make_channel("w", {"type": "webhook", "url": webhook_server.url}), Path("."))
    with pytest.raises(PermanentFailure, match="302"):
        transport.send(b"{}", "k")
    assert [hit.path for hit in webhook_server.hits] == ["/hooks/press"]


def test_webhook_time_out_retries(webhook_server: WebhookServer) -> None:
    webhook_server.delay = 2.0
    channel = make_channel("w", {"type": "webhook", "url": webhook_server.url, "timeout": 1})
    transport = open_channel(channel, Path("."))
    with pytest.raises(TemporaryFailure):
        transport.send(b"{}", "k")


def test_smtp_logs_in_with_the_password_from_the_environment_and_a_refused_login_stops() -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword
    from distribution_support import SmtpRecorder

    def authenticator(server, session, envelope, mechanism, data):  # type: ignore[no-untyped-def]
        def text(value: str | bytes) -> str:
            return value.decode() if isinstance(value, bytes) else value

        ok = isinstance(data, LoginPassword) and (text(data.login), text(data.password)) == ("presse", "pw")
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535

    handler = SmtpRecorder()
    port = free_port()
    # PLAIN only: smtplib falls back to LOGIN after a refusal, which aiosmtpd answers slowly.
    controller = Controller(handler, hostname="127.0.0.1", port=port, authenticator=authenticator,
                            auth_require_tls=False, auth_exclude_mechanism=["LOGIN"])
    controller.start()
    try:
        channel = smtp_channel(port, username="presse", password_env="TEST_SMTP_PASSWORD")
        good = open_channel(channel, Path("."), environ={"TEST_SMTP_PASSWORD": "pw"})
        good.send(message("a@example.org"), "presse@beispiel.example", "a@example.org")
        good.close()
        bad = open_channel(channel, Path("."), environ={"TEST_SMTP_PASSWORD": "wrong"})
        with pytest.raises(ChannelConfigError, match="login refused"):
            bad.send(message("b@example.org"), "presse@beispiel.example", "b@example.org")
        bad.close()
    finally:
        controller.stop()
    assert [r.rcpt_tos for r in handler.received] == [["a@example.org"]]


def test_a_maildir_that_cannot_be_written_takes_the_channel_down(tmp_path: Path) -> None:
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "outbox").write_text("a file where the folder belongs\n")
    transport = open_channel(make_channel("outbox", {"type": "maildir", "path": "build/outbox"}), tmp_path)
    with pytest.raises(ChannelDown, match="maildir .*build/outbox: .*Not a directory"):
        transport.send(message("a@example.org"), "presse@beispiel.example", "a@example.org")
    transport.close()


def test_a_server_that_does_not_speak_smtp_is_named_so() -> None:
    listener = socket.create_server(("127.0.0.1", 0))

    def answer_like_a_web_server() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")
            conn.recv(1024)

    server = threading.Thread(target=answer_like_a_web_server, daemon=True)
    server.start()
    transport = open_channel(smtp_channel(listener.getsockname()[1]), Path("."))
    with pytest.raises(ChannelDown) as down:
        transport.send(message("a@example.org"), "presse@beispiel.example", "a@example.org")
    transport.close()
    listener.close()
    server.join(5)
    assert str(down.value).endswith("the answer is not SMTP: '…/1.1 400 Bad Request'")
