"""Real servers on loopback for the distribution tests: aiosmtpd and an HTTP receiver.

Imported by the test modules of the queue, channels, publish and dispatch; the
servers are the real thing (no mocks), started on 127.0.0.1 with a free port.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from pressroom.model import Pressroom
from pressroom.publish import PublishReport, queue_releases
from pressroom.queue import Location, Queue, open_queue

NOW = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
# A moment in the past, for runs through the CLI or a dispatcher process: they go by the real
# clock, where a --now ahead of it is a simulation that leaves smtp and webhook jobs alone.
PAST = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
# The environment variable the test settings name as a webhook channel's secret_env.
HOOK_SECRET_ENV = "PRESSROOM_TEST_HOOK_SECRET"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    session: int

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class SmtpRecorder:
    """An aiosmtpd handler that records envelopes and can refuse on demand."""

    refuse: set[str] = field(default_factory=set)  # 550 at RCPT, every time
    refusal: str = "550 5.1.1 no such mailbox"  # the reply to a refused address
    sender_refusal: str = ""  # if set, the reply to every MAIL FROM
    busy_once: set[str] = field(default_factory=set)  # 421 at RCPT, the first time only
    defer: set[str] = field(default_factory=set)  # 451 at RCPT, every time
    delay: float = 0.0  # seconds per message, to stretch a run
    keep: bool = True  # False: count only (the benchmark)
    received: list[Received] = field(default_factory=list)
    times: list[float] = field(default_factory=list)  # time.time() of each accepted message
    count: int = 0
    sessions: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str,
                          mail_options: list[str]) -> str:
        if self.sender_refusal:
            return self.sender_refusal
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return self.refusal
        if address in self.busy_once:
            self.busy_once.discard(address)
            return "421 4.3.2 busy, try again later"
        if address in self.defer:
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            time.sleep(self.delay)  # blocks the server loop on purpose: a slow server
        with self.lock:
            self.count += 1
            self.times.append(time.time())
            self.sessions.add(id(session))
            if self.keep:
                self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                              bytes(envelope.content), id(session)))
        return "250 OK"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]


@dataclass
class SmtpServer:
    port: int
    handler: SmtpRecorder


@contextmanager
def running_smtp(handler: SmtpRecorder) -> Iterator[SmtpServer]:
    """aiosmtpd on 127.0.0.1 with *handler* (a SmtpRecorder or a subclass that misbehaves)."""
    from aiosmtpd.controller import Controller

    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer(port, handler)
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """aiosmtpd on 127.0.0.1 with a recording handler."""
    with running_smtp(SmtpRecorder()) as server:
        yield server


@pytest.fixture
def hook_secret(monkeypatch: pytest.MonkeyPatch) -> str:
    """Set the webhook secret the test settings name (``secret_env``), as check demands."""
    monkeypatch.setenv(HOOK_SECRET_ENV, "geheim")
    return "geheim"


@dataclass
class Hit:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class WebhookServer:
    """A ThreadingHTTPServer that records POSTs and answers with scripted statuses."""

    def __init__(self) -> None:
        self.hits: list[Hit] = []
        self.statuses: list[int] = []  # answered in order; 200 once they run out
        self.delay = 0.0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.hits.append(Hit(self.path, dict(self.headers.items()), body))
                if outer.delay:
                    time.sleep(outer.delay)
                status = outer.statuses.pop(0) if outer.statuses else 200
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/press"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> WebhookServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook_server() -> Iterator[WebhookServer]:
    with WebhookServer() as server:
        yield server


def fake_outputs(base: Path):  # type: ignore[no-untyped-def]
    """Return an ``outputs(slug)`` that writes small stand-ins for the built files."""

    def outputs(slug: str) -> dict[str, Path]:
        folder = base / slug
        folder.mkdir(parents=True, exist_ok=True)
        files = {
            "html": folder / f"{slug}.html",
            "pdf": folder / f"{slug}.pdf",
            "docx": folder / f"{slug}.docx",
            "txt": folder / f"{slug}.txt",
        }
        files["html"].write_text(f"<p>{slug}</p>", encoding="utf-8")
        files["pdf"].write_bytes(pdf_bytes(slug))
        files["docx"].write_bytes(b"PK\x03\x04 docx of " + slug.encode())
        files["txt"].write_text(f"Der Text von {slug}.\nZweite Zeile: äöü.\n", encoding="utf-8")
        return files

    return outputs


def pdf_bytes(slug: str) -> bytes:
    return b"%PDF-1.4\n% stand-in for " + slug.encode() + b"\n%%EOF\n"


def publish_fake(pressroom: Pressroom, queue: Queue, tmp: Path,
                 now: datetime = NOW) -> PublishReport:
    """Queue the press room's releases with stand-in build outputs."""
    return queue_releases(pressroom, fake_outputs(tmp / "build"), queue, now)


def queued(room: Any, tmp: Path, now: datetime = NOW, at: Location | None = None) -> Location:
    """Queue the releases of *room* (a conftest ``Room``) in a new ledger (``tmp/q.sqlite3``
    unless *at*, e.g. the ``ledger_location`` fixture); return where it is."""
    path = tmp / "q.sqlite3" if at is None else at
    with open_queue(path) as queue:  # type: ignore[attr-defined]
        publish_fake(room.load(now), queue, tmp, now)
    return path


def smtp_distribution(port: int, addresses: list[str], extra: str = "") -> str:
    """Settings text: an smtp channel on loopback and a list `presse` of *addresses*."""
    recipients = "\n".join(f"        - {{name: Redaktion {i}, email: {a}}}"
                           for i, a in enumerate(addresses))
    return f"""\
distribution:
  channels:
    mail: {{type: smtp, host: 127.0.0.1, port: {port}, security: none, rate_per_minute: 60000}}
  lists:
    presse:
      channel: mail
      recipients:
{recipients}
{extra}  default_lists: [presse]
"""
