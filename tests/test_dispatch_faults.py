"""Dispatch against hostile input and servers: poison jobs, channels that are down, slow peers.

Every case of issue 8 in the dispatcher's scope: one job that cannot be delivered
never stops the others, a channel that fails as a whole pauses (once, with
backoff) while other channels deliver, and time-outs bound whole exchanges. The
servers are real: aiosmtpd, and raw TCP servers on loopback that speak the wrong
protocol, refuse, or trickle bytes.
"""

from __future__ import annotations

import contextlib
import mailbox
import socket
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from distribution_support import (
    HOOK_SECRET_ENV,
    PAST,
    SmtpRecorder,
    SmtpServer,
    WebhookServer,
    free_port,
    hook_secret,
    publish_fake,
    running_smtp,
    smtp_server,
)

from pressroom.channels import ChannelDown, PermanentFailure, make_channel, open_channel
from pressroom.cli import cli
from pressroom.dispatch import Dispatcher, DispatchReport, RetryPolicy
from pressroom.model import Settings
from pressroom.queue import NewJob, open_queue

__all__ = ["hook_secret", "smtp_server"]  # fixtures used below
pytestmark = pytest.mark.usefixtures("hook_secret")  # the webhook channels here name it

SLUG = "2026-01-05-meldung"
OUTBOX = "build/outbox"


# --- raw servers ---------------------------------------------------------------------

class RawServer:
    """A TCP server on loopback that runs *script(conn, stop)* for each connection it accepts."""

    def __init__(self, script: Callable[[socket.socket, threading.Event], None]) -> None:
        self.script = script
        self.accepted = 0
        self.stop = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.port = int(self.listener.getsockname()[1])
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):  # the client hung up: what the tests make it do
            self.script(conn, self.stop)

    def __enter__(self) -> RawServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        self.listener.close()


def read_until(conn: socket.socket, marker: bytes, limit: float = 5.0) -> bytes:
    """Read from *conn* until *marker* arrived (or the peer closed, or *limit* seconds passed)."""
    conn.settimeout(limit)
    data = b""
    while marker not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def trickle(conn: socket.socket, stop: threading.Event, line: bytes, seconds: float = 12.0) -> None:
    """Send *line* once a second, never finishing the answer."""
    deadline = time.monotonic() + seconds
    while not stop.is_set() and time.monotonic() < deadline:
        conn.sendall(line)
        stop.wait(1.0)


def greets_like_a_mail_server(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(b"220 mail.example.org ESMTP ready\r\n")
    read_until(conn, b"\r\n\r\n", limit=2.0)


def answers_421(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(b"421 4.3.2 service not available, closing channel\r\n")


def trickles_the_greeting(conn: socket.socket, stop: threading.Event) -> None:
    trickle(conn, stop, b"220-mail.example.org still greeting\r\n")


def trickles_the_reply_to_data(conn: socket.socket, stop: threading.Event) -> None:
    """Answer greeting, EHLO, MAIL and RCPT at once; after the message, trickle the reply."""
    conn.sendall(b"220 slow.example.org ESMTP\r\n")
    while True:
        line = read_until(conn, b"\r\n")
        if not line:
            return
        verb = line[:4].upper()
        if verb == b"DATA":
            conn.sendall(b"354 go ahead\r\n")
            read_until(conn, b"\r\n.\r\n")
            trickle(conn, stop, b"250-still thinking\r\n")
            return
        conn.sendall(b"250 ok\r\n")


def trickles_the_http_answer(conn: socket.socket, stop: threading.Event) -> None:
    request = read_until(conn, b"\r\n\r\n")
    head, _, body = request.partition(b"\r\n\r\n")
    length = next((int(h.split(b":")[1]) for h in head.split(b"\r\n")
                   if h.lower().startswith(b"content-length:")), 0)
    while len(body) < length:
        body += conn.recv(4096)
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    trickle(conn, stop, b"X-Slow: still sending headers\r\n")


# --- press rooms ---------------------------------------------------------------------

def addresses(count: int) -> list[str]:
    return [f"redaktion{i:02d}@zeitung.example" for i in range(count)]


def inline(recipients: list[str]) -> str:
    return "[" + ", ".join(f"{{email: {a}}}" for a in recipients) + "]"


def publish_room(room, tmp_path: Path, channels: str, lists: str,  # type: ignore[no-untyped-def]
                 default_lists: str) -> tuple[Path, Settings]:
    """Write a distribution section, one ready release, and queue it; return queue and settings."""
    room.add_settings(f"distribution:\n  channels:\n{channels}  lists:\n{lists}"
                      f"  default_lists: [{default_lists}]\n")
    room.ready(SLUG, title="Neue Beratungsstelle eröffnet")
    pressroom = room.load(PAST)
    path = tmp_path / "queue.sqlite3"
    with open_queue(path) as queue:
        publish_fake(pressroom, queue, tmp_path, PAST)
    return path, pressroom.settings


def mail_room(room, tmp_path: Path, port: int, recipients: list[str],  # type: ignore[no-untyped-def]
              extra_channels: str = "", extra_lists: str = "", first: str = "", after: str = "",
              timeout: float = 5) -> tuple[Path, Settings]:
    """A room with an smtp channel `mail` on *port* and the list `presse`; the lists *first*
    are queued before it, those *after* behind it."""
    channels = (f"    mail: {{type: smtp, host: 127.0.0.1, port: {port}, security: none,"
                f" rate_per_minute: 60000, timeout: {timeout}}}\n{extra_channels}")
    lists = f"    presse: {{channel: mail, recipients: {inline(recipients)}}}\n{extra_lists}"
    return publish_room(room, tmp_path, channels, lists, f"{first}presse{after}")


def add_job(path: Path, email: str, due: datetime = PAST - timedelta(days=2)) -> int:
    """Queue one more mail job of the release, by default due before all others: an entry
    written before today's checks existed, as an old ledger holds it."""
    with open_queue(path) as queue:
        edition = queue.edition(SLUG, 1)
        queue.add_edition(edition, [NewJob("presse", "mail", email, "", due)], PAST)
        (job,) = [j for j in queue.jobs() if j.email == email]
    return job.id


def dispatch(path: Path, settings: Settings, at=PAST, policy_=None,  # type: ignore[no-untyped-def]
             environ=None) -> DispatchReport:
    with open_queue(path) as queue:
        return Dispatcher(queue, settings, lambda: at, policy_, environ=environ).run_once()


def jobs_by_email(path: Path) -> dict[str, Any]:
    with open_queue(path) as queue:
        return {job.email or job.channel: job for job in queue.jobs()}


def delivered(server: SmtpServer) -> Counter[str]:
    return Counter(a for r in server.handler.received for a in r.rcpt_tos)


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


# --- 1. poison jobs ------------------------------------------------------------------

def test_a_webhook_server_that_speaks_smtp_fails_its_job_and_the_20_mails_behind_it_go_out(
    room, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    recipients = addresses(20)
    with RawServer(greets_like_a_mail_server) as wrong:
        path, _ = mail_room(
            room, tmp_path, smtp_server.port, recipients,
            extra_channels=f"    website: {{type: webhook, url: 'http://127.0.0.1:{wrong.port}/hook', secret_env: PRESSROOM_TEST_HOOK_SECRET}}\n",
            extra_lists="    web: {channel: website}\n", first="web, ")
        assert min(jobs_by_email(path).values(), key=lambda j: j.id).channel == "website"  # first
        code, output = invoke("dispatch", "--once", "--root", str(room.root), "--queue", str(path),
                              "--now", "2026-01-05T10:00")
    assert code == 0, output  # the run completed; the failed job is retried later
    assert "dispatch: 20 sent, 1 to retry, 0 dead" in output
    assert "Traceback" not in output
    assert delivered(smtp_server) == Counter(recipients)
    hook = jobs_by_email(path)["website"]
    assert hook.state == "failed" and hook.attempts == 1
    assert hook.last_error.endswith("the answer is not HTTP: '220 mail.example.org ESMTP ready'")


def test_an_address_the_e_mail_builder_cannot_parse_is_dead_and_the_20_behind_it_go_out(
    room, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    recipients = addresses(20)
    path, settings = mail_room(room, tmp_path, smtp_server.port, recipients)
    bad = add_job(path, "(c)@example.org")
    report = dispatch(path, settings)
    assert (report.sent, report.retrying, report.dead) == (20, 0, 1)
    assert delivered(smtp_server) == Counter(recipients)
    job = jobs_by_email(path)["(c)@example.org"]
    assert job.id == bad and job.state == "dead" and job.attempts == 1
    assert "(c)@example.org" in job.last_error
    assert report.failures == [f"dead job {bad} {SLUG} -> (c)@example.org (presse): {job.last_error}"]


def test_an_address_smtplib_cannot_encode_is_final_for_that_message_and_the_session_goes_on(
    smtp_server: SmtpServer
) -> None:
    options = {"host": "127.0.0.1", "port": smtp_server.port, "security": "none", "timeout": 5}
    transport = open_channel(make_channel("mail", {"type": "smtp", **options}), Path("."))
    message = EmailMessage(policy=SMTP)
    message["Subject"] = "Meldung"
    message.set_content("Text\n")
    with pytest.raises(PermanentFailure, match="'jose@exämple.de': an address that is not ASCII"):
        transport.send(message.as_bytes(), "presse@beispiel.example", "jose@exämple.de")
    transport.send(message.as_bytes(), "presse@beispiel.example", "ok@example.org")
    transport.close()
    assert delivered(smtp_server) == Counter(["ok@example.org"])


def test_an_unforeseen_exception_fails_only_its_job_with_its_type_and_message(
    room, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    recipients = addresses(20)
    # A port out of range makes urllib.parse raise ValueError: no channel expected that one.
    path, settings = mail_room(
        room, tmp_path, smtp_server.port, recipients,
        extra_channels="    website: {type: webhook, url: 'http://127.0.0.1:99999/hook', secret_env: PRESSROOM_TEST_HOOK_SECRET}\n",
        extra_lists="    web: {channel: website}\n", first="web, ")
    report = dispatch(path, settings)
    assert (report.sent, report.retrying, report.dead) == (20, 1, 0)
    assert delivered(smtp_server) == Counter(recipients)
    job = jobs_by_email(path)["website"]
    assert job.state == "failed" and job.attempts == 1
    assert job.last_error == "ValueError: Port out of range 0-65535"
    assert job.not_before > PAST  # retried with backoff, like any failure that may pass


def test_a_job_whose_dispatcher_died_on_every_attempt_is_dead_and_never_claimed_again(
    room, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    path, settings = mail_room(room, tmp_path, smtp_server.port, ["killer@example.org"])
    policy_ = RetryPolicy(max_attempts=3)
    lease = policy_.lease
    with open_queue(path) as queue:  # three dispatchers each claimed it and died with it
        for death in range(3):
            at = PAST + death * (lease + timedelta(seconds=1))
            job = queue.claim(at, lease, f"dead-{death}", policy_.max_attempts)
            assert job is not None and job.attempts == death + 1
        killer = job.id
        later = PAST + 4 * lease
        # The maximum is reached: the claim passes it over even before anyone marks it dead.
        assert queue.claim(later, lease, "probe", policy_.max_attempts) is None
    recipients = addresses(20)
    for address in recipients:
        add_job(path, address, due=later)
    report = dispatch(path, settings, later, policy_)
    assert (report.sent, report.dead) == (20, 1)
    assert report.failures[0].startswith(f"dead job {killer} ")
    job = jobs_by_email(path)["killer@example.org"]
    assert job.state == "dead" and job.attempts == 3
    assert job.last_error == "gave up after 3 attempts (the dispatcher died while sending)"
    assert delivered(smtp_server) == Counter(recipients)
    assert dispatch(path, settings, later + timedelta(days=1), policy_).attempted == 0


def test_an_expired_lease_waits_behind_jobs_that_were_due_before_it_expired(ledger_location, tmp_path: Path) -> None:
    from pressroom.queue import Edition, EditionRecord, Mailbox

    lease = timedelta(minutes=5)
    with open_queue(ledger_location) as queue:
        record = EditionRecord("T", "", "de", PAST, Mailbox("", "presse@example.org"), "example.org")
        edition = Edition(SLUG, 1, "hash", record)
        jobs = [NewJob("presse", "mail", f"r{i}@example.org", "", PAST) for i in range(3)]
        queue.add_edition(edition, jobs, PAST)
        crashed = queue.claim(PAST, lease, "crashed")  # its dispatcher dies with it in hand
        assert crashed is not None
        later = PAST + lease + timedelta(minutes=1)
        order = []
        while (job := queue.claim(later, lease, "next")) is not None:
            order.append(job.id)
    assert order[-1] == crashed.id and len(order) == 3  # the others first, then the retry


# --- 4 and 7: a channel that is down pauses, alone and once --------------------------

class RefusesSender(SmtpRecorder):
    """aiosmtpd handler that answers 530 to MAIL FROM while ``refusing`` is set."""

    refusing = True
    mail_commands = 0

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                          mail_options: list[str]) -> str:
        self.mail_commands += 1
        if self.refusing:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        return "250 OK"


@pytest.fixture
def refusing_server() -> Iterator[SmtpServer]:
    with running_smtp(RefusesSender()) as server:
        yield server


def test_a_sender_refused_with_530_pauses_the_channel_and_costs_no_recipient_an_attempt(
    room, tmp_path: Path, refusing_server: SmtpServer
) -> None:
    handler = refusing_server.handler
    assert isinstance(handler, RefusesSender)
    recipients = addresses(10)
    path, settings = mail_room(
        room, tmp_path, refusing_server.port, recipients,
        extra_channels=f"    outbox: {{type: maildir, path: {OUTBOX}}}\n",
        extra_lists="    archiv: {channel: outbox, recipients: [{email: archiv@beispiel.example}]}\n",
        first="archiv, ")
    report = dispatch(path, settings)
    assert (report.sent, report.retrying, report.dead) == (1, 0, 0)  # the maildir job
    assert handler.mail_commands == 1  # one try for the channel, not one per recipient
    (line,) = report.paused
    assert line.startswith("channel mail paused until 2026-01-05 10:01 CET ")  # the site's time zone
    assert line.endswith("(failure 1 in a row, 10 job(s) waiting): sender presse@beispiel.example "
                         "refused: SMTP 530 5.7.0 Authentication required")
    mails = {e: j for e, j in jobs_by_email(path).items() if e in recipients}
    assert {(j.state, j.attempts) for j in mails.values()} == {("pending", 0)}
    box = mailbox.Maildir(room.root / OUTBOX, create=False)
    assert [str(m["To"]) for m in box] == ["archiv@beispiel.example"]

    code, output = invoke("queue", "status", "--root", str(room.root), "--queue", str(path),
                          "--now", "2026-01-05T10:00:30")  # 09:00:30 UTC: still paused
    assert code == 0
    assert output.splitlines()[-1].startswith("channel mail is paused until 2026-01-05 10:01 CET")
    assert "10 job(s) waiting, failure 1 in a row" in output

    assert dispatch(path, settings, PAST + timedelta(seconds=30)).attempted == 0  # still paused
    assert handler.mail_commands == 1
    handler.refusing = False  # somebody fixed the account
    after = dispatch(path, settings, PAST + timedelta(minutes=2))
    assert (after.sent, after.paused) == (10, [])
    assert delivered(refusing_server) == Counter(recipients)
    with open_queue(path) as queue:
        assert queue.channel_states() == []  # delivering ended the pause


def test_dispatch_exits_3_while_a_channel_is_paused_with_jobs_waiting(
    room, tmp_path: Path, refusing_server: SmtpServer
) -> None:
    path, _ = mail_room(room, tmp_path, refusing_server.port, addresses(3))
    code, output = invoke("dispatch", "--once", "--root", str(room.root), "--queue", str(path),
                          "--now", "2026-01-05T10:00")
    assert code == 3
    lines = output.splitlines()
    assert lines[-2] == "dispatch: 0 sent, 0 to retry, 0 dead"
    assert lines[-1].startswith("dispatch: channel mail is paused until 2026-01-05 10:01 CET")
    assert lines[-1].endswith("SMTP 530 5.7.0 Authentication required")


def test_a_missing_webhook_secret_pauses_the_webhook_and_the_mail_goes_out(
    room, tmp_path: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(HOOK_SECRET_ENV, "set while checking, gone while dispatching")
    recipients = addresses(5)
    path, settings = mail_room(
        room, tmp_path, smtp_server.port, recipients,
        extra_channels=("    website: {type: webhook, url: 'http://127.0.0.1:9/hook',"
                        " secret_env: PRESSROOM_TEST_HOOK_SECRET}\n"),
        extra_lists="    web: {channel: website}\n", first="web, ")
    report = dispatch(path, settings, environ={})
    assert (report.sent, report.retrying, report.dead) == (5, 0, 0)
    assert delivered(smtp_server) == Counter(recipients)
    (line,) = report.paused
    assert "channel website paused" in line and "PRESSROOM_TEST_HOOK_SECRET is not set" in line
    hook = jobs_by_email(path)["website"]
    assert (hook.state, hook.attempts) == ("pending", 0)


def test_a_server_answering_421_gets_one_connection_per_run_and_the_other_channel_delivers(
    room, tmp_path: Path
) -> None:
    with RawServer(answers_421) as down:
        path, settings = mail_room(
            room, tmp_path, down.port, addresses(10),
            extra_channels=f"    outbox: {{type: maildir, path: {OUTBOX}}}\n",
            extra_lists=("    archiv: {channel: outbox, recipients: "
                         f"{inline(['a@beispiel.example', 'b@beispiel.example'])}}}\n"),
            after=", archiv")
        first = dispatch(path, settings)
        assert down.accepted == 1 and first.sent == 2  # the maildir list, after the mail jobs
        assert "SMTP 421 4.3.2 service not available" in first.paused[0]
        assert dispatch(path, settings, PAST + timedelta(seconds=50)).attempted == 0
        assert down.accepted == 1  # paused: not even one connection
        second = dispatch(path, settings, PAST + timedelta(minutes=2))  # the pause is over
        assert down.accepted == 2  # the next run tries the channel once again
    (line,) = second.paused
    assert "failure 2 in a row" in line  # and pauses it twice as long
    with open_queue(path) as queue:
        (state,) = queue.channel_states()
        mail_jobs = [j for j in queue.jobs() if j.channel == "mail"]
    assert PAST + timedelta(minutes=4) <= state.paused_until <= PAST + timedelta(minutes=4.5)
    assert {(j.state, j.attempts) for j in mail_jobs} == {("pending", 0)}


def test_a_closed_port_pauses_the_channel_after_one_try(room, tmp_path: Path) -> None:
    path, settings = mail_room(room, tmp_path, free_port(), addresses(10))  # nobody listens
    report = dispatch(path, settings)
    assert report.attempted == 0
    (line,) = report.paused
    assert "connecting to 127.0.0.1:" in line and "Connection refused" in line
    assert {(j.state, j.attempts) for j in jobs_by_email(path).values()} == {("pending", 0)}


# --- 7: time-outs are totals ---------------------------------------------------------

def test_a_server_trickling_its_reply_to_the_message_fails_the_job_at_the_timeout(
    room, tmp_path: Path
) -> None:
    with RawServer(trickles_the_reply_to_data) as slow:
        path, settings = mail_room(room, tmp_path, slow.port, addresses(1), timeout=2)
        started = time.monotonic()
        report = dispatch(path, settings)
        elapsed = time.monotonic() - started
    assert elapsed < 8  # bounded; the per-read time-out alone would wait 12 s and more
    assert report.retrying == 1
    (job,) = jobs_by_email(path).values()
    assert job.state == "failed"
    assert job.last_error == "SMTP connection: no complete answer within 2 s"


def test_a_server_trickling_its_greeting_is_cut_off_at_the_timeout_and_pauses(
    room, tmp_path: Path
) -> None:
    with RawServer(trickles_the_greeting) as slow:
        path, settings = mail_room(room, tmp_path, slow.port, addresses(3), timeout=2)
        started = time.monotonic()
        report = dispatch(path, settings)
        elapsed = time.monotonic() - started
        assert slow.accepted == 1
    assert elapsed < 8
    (line,) = report.paused
    assert line.endswith(f"connecting to 127.0.0.1:{slow.port}: no complete answer within 2 s")


def test_a_webhook_trickling_its_answer_fails_the_job_at_the_timeout(room, tmp_path: Path) -> None:
    with RawServer(trickles_the_http_answer) as slow:
        path, settings = publish_room(
            room, tmp_path,
            f"    website: {{type: webhook, url: 'http://127.0.0.1:{slow.port}/hook', timeout: 2, secret_env: PRESSROOM_TEST_HOOK_SECRET}}\n",
            "    web: {channel: website}\n", "web")
        started = time.monotonic()
        report = dispatch(path, settings)
        elapsed = time.monotonic() - started
    assert elapsed < 8
    assert report.retrying == 1
    (job,) = jobs_by_email(path).values()
    assert job.state == "failed"
    assert job.last_error == f"http://127.0.0.1:{slow.port}/hook: no complete answer within 2 s"


def test_a_starttls_handshake_with_a_server_that_speaks_no_tls_takes_the_channel_down() -> None:
    def fake_tls(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(b"220 fake.example.org ESMTP\r\n")
        read_until(conn, b"\r\n")
        conn.sendall(b"250-fake.example.org\r\n250 STARTTLS\r\n")
        read_until(conn, b"\r\n")
        conn.sendall(b"220 go ahead\r\n")
        conn.sendall(b"this is not a TLS record at all\r\n" * 4)
        read_until(conn, b"\r\n\r\n", limit=1.0)

    with RawServer(fake_tls) as server:
        options = {"host": "127.0.0.1", "port": server.port, "security": "starttls", "timeout": 3}
        transport = open_channel(make_channel("mail", {"type": "smtp", **options}), Path("."))
        with pytest.raises(ChannelDown, match="TLS failed"):
            transport.send(b"Subject: x\r\n\r\nx\r\n", "presse@beispiel.example", "a@example.org")
        transport.close()



def answers_plain_http(conn: socket.socket, stop: threading.Event) -> None:
    read_until(conn, b"\r\n\r\n", limit=1.0)  # a TLS client hello: no blank line comes
    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")


@pytest.mark.parametrize(("scheme", "script", "reason"), [
    ("https", answers_plain_http, "TLS failed"),  # the handshake meets a plain HTTP server
    ("http", None, "Connection refused"),
])
def test_a_webhook_that_cannot_be_reached_pauses_its_channel_and_keeps_its_job(
    room, tmp_path: Path, scheme: str, script: Any, reason: str
) -> None:
    with contextlib.ExitStack() as stack:
        port = stack.enter_context(RawServer(script)).port if script else free_port()
        path, settings = publish_room(
            room, tmp_path, f"    website: {{type: webhook, url: '{scheme}://127.0.0.1:{port}/hook', secret_env: PRESSROOM_TEST_HOOK_SECRET}}\n",
            "    web: {channel: website}\n", "web")
        report = dispatch(path, settings)
    assert report.attempted == 0
    (line,) = report.paused
    assert f"{scheme}://127.0.0.1:{port}/hook: " in line and reason in line
    (job,) = jobs_by_email(path).values()
    assert (job.state, job.attempts) == ("pending", 0)


# --- TLS: the deadline sockets carry real TLS sessions --------------------------------

@pytest.fixture
def tls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ssl.SSLContext:
    """Return a server context with a certificate for 127.0.0.1 that clients here trust."""
    import trustme

    authority = trustme.CA()
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))  # read by ssl.create_default_context()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server)
    return server


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_mail_over_tls_goes_through_sockets_that_keep_the_deadline(tls: ssl.SSLContext,
                                                                   security: str) -> None:
    from aiosmtpd.controller import Controller

    handler = SmtpRecorder()
    port = free_port()
    tls_options: dict[str, Any] = (
        {"tls_context": tls, "require_starttls": True} if security == "starttls"
        else {"ssl_context": tls})
    controller = Controller(handler, hostname="127.0.0.1", port=port, **tls_options)
    controller.start()
    try:
        options = {"host": "127.0.0.1", "port": port, "security": security, "timeout": 5}
        transport = open_channel(make_channel("mail", {"type": "smtp", **options}), Path("."))
        for address in ("a@example.org", "b@example.org"):
            transport.send(b"Subject: x\r\n\r\nx\r\n", "presse@beispiel.example", address)
        transport.close()
    finally:
        controller.stop()
    assert [r.rcpt_tos for r in handler.received] == [["a@example.org"], ["b@example.org"]]
    assert len(handler.sessions) == 1


def test_a_server_trickling_its_greeting_over_tls_is_cut_off_at_the_timeout(
    tls: ssl.SSLContext
) -> None:
    def trickles_over_tls(conn: socket.socket, stop: threading.Event) -> None:
        with tls.wrap_socket(conn, server_side=True) as secured:
            trickle(secured, stop, b"220-secure.example.org still greeting\r\n")

    with RawServer(trickles_over_tls) as slow:
        options = {"host": "127.0.0.1", "port": slow.port, "security": "ssl", "timeout": 2}
        transport = open_channel(make_channel("mail", {"type": "smtp", **options}), Path("."))
        started = time.monotonic()
        with pytest.raises(ChannelDown, match="no complete answer within 2 s"):
            transport.send(b"Subject: x\r\n\r\nx\r\n", "presse@beispiel.example", "a@example.org")
        assert time.monotonic() - started < 8


def test_a_webhook_over_https_goes_through_a_socket_that_keeps_the_deadline(
    tls: ssl.SSLContext
) -> None:
    receiver = WebhookServer()
    receiver.server.socket = tls.wrap_socket(receiver.server.socket, server_side=True)
    with receiver:
        url = receiver.url.replace("http://", "https://")
        transport = open_channel(make_channel("w", {"type": "webhook", "url": url, "timeout": 5}), Path("."))
        transport.send(b'{"slug": "x"}', "key-1")
    (hit,) = receiver.hits
    assert hit.json == {"slug": "x"} and hit.headers["X-Pressroom-Delivery"] == "key-1"
