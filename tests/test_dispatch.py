"""Dispatch against real servers: exactly one message each, retries, dead letters, crashes, SIGTERM."""

from __future__ import annotations

import hashlib
import hmac
import mailbox
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

from distribution_support import (
    NOW,
    PAST,
    SmtpServer,
    WebhookServer,
    pdf_bytes,
    publish_fake,
    smtp_distribution,
    smtp_server,
    webhook_server,
)

from pressroom.dispatch import Dispatcher, RetryPolicy
from pressroom.queue import NewJob, open_queue
from pressroom.suppression import TOKEN_KEY, unsubscribe_token

__all__ = ["smtp_server", "webhook_server"]  # fixtures used below

SLUG = "2030-01-01-meldung"
PAST_SLUG = "2026-01-05-meldung"


def addresses(count: int) -> list[str]:
    return [f"redaktion{i:04d}@zeitung{i % 7}.example" for i in range(count)]


def prepare(room, tmp_path: Path, port: int, recipients: list[str],  # type: ignore[no-untyped-def]
            extra: str = "", slug: str = SLUG, now=NOW) -> tuple[Path, object]:
    """Write settings with an smtp channel, one ready release, and queue it."""
    room.add_settings(smtp_distribution(port, recipients, extra))
    room.ready(slug, title="Neue Beratungsstelle eröffnet")
    pressroom = room.load(now)
    path = tmp_path / "queue.sqlite3"
    with open_queue(path) as queue:
        publish_fake(pressroom, queue, tmp_path, now)
    return path, pressroom.settings


def run(path: Path, settings, at=NOW, policy_=None, environ=None):  # type: ignore[no-untyped-def]
    with open_queue(path) as queue:
        return Dispatcher(queue, settings, lambda: at, policy_, environ=environ).run_once()


def states(path: Path) -> Counter[str]:
    with open_queue(path) as queue:
        return Counter(job.state for job in queue.jobs())


def test_every_recipient_gets_exactly_one_message_with_pdf_and_headers(
    room, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    recipients = addresses(25)
    path, settings = prepare(room, tmp_path, smtp_server.port, recipients)
    report = run(path, settings)
    assert (report.sent, report.retrying, report.dead) == (25, 0, 0)
    received = smtp_server.handler.received
    assert sorted(a for r in received for a in r.rcpt_tos) == sorted(recipients)
    assert len(smtp_server.handler.sessions) == 1  # one connection for all 25
    with open_queue(path) as queue:
        key = queue.secret(TOKEN_KEY)
    for envelope in received:
        msg = envelope.message
        assert envelope.mail_from == "presse@beispiel.example"
        assert msg["To"].addresses[0].addr_spec == envelope.rcpt_tos[0]
        assert msg["Subject"] == "Neue Beratungsstelle eröffnet"
        assert msg["From"].addresses[0].addr_spec == "presse@beispiel.example"
        assert msg["Reply-To"].addresses[0].addr_spec == "anna@beispiel.example"
        token = unsubscribe_token(key, envelope.rcpt_tos[0])  # each recipient's own
        assert msg["List-Unsubscribe"] == (
            f"<mailto:presse@beispiel.example?subject=unsubscribe%20{token}>")
        assert msg["Message-ID"].endswith("@presse.beispiel.example>")
        (pdf,) = list(msg.iter_attachments())
        assert pdf.get_filename() == f"{SLUG}.pdf" and pdf.get_content() == pdf_bytes(SLUG)
    assert len({r.message["Message-ID"] for r in received}) == 25
    assert states(path) == Counter(sent=25)
    assert run(path, settings, NOW + timedelta(days=1)).attempted == 0  # nothing is sent twice


def test_a_421_retries_with_backoff_and_then_succeeds(room, tmp_path: Path, smtp_server: SmtpServer) -> None:
    recipients = addresses(3)
    smtp_server.handler.busy_once.add(recipients[1])
    path, settings = prepare(room, tmp_path, smtp_server.port, recipients)
    first = run(path, settings)
    # 421 closes the session for every message: the job retries, the channel pauses too.
    assert (first.sent, first.retrying) == (1, 1) and len(first.paused) == 1
    with open_queue(path) as queue:
        (failed,) = queue.jobs(state="failed")
        (waiting,) = queue.jobs(state="pending")
    assert failed.email == recipients[1] and "421" in failed.last_error
    assert waiting.email == recipients[2] and waiting.attempts == 0
    assert NOW + timedelta(minutes=1) <= failed.not_before <= NOW + timedelta(minutes=1.25)
    assert run(path, settings, NOW + timedelta(seconds=30)).attempted == 0  # not due, paused
    second = run(path, settings, NOW + timedelta(minutes=2))
    assert second.sent == 2
    assert len(smtp_server.handler.to(recipients[1])) == 1
    with open_queue(path) as queue:
        job = next(j for j in queue.jobs() if j.email == recipients[1])
    assert job.state == "sent" and job.attempts == 2


def test_a_server_answering_421_to_every_recipient_costs_one_attempt_and_pauses_the_channel(
    room, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    # Before: each of the 10 jobs got its own connection and lost an attempt, every run.
    recipients = addresses(10)
    smtp_server.handler.refusal = "421 4.3.2 System shutting down"
    smtp_server.handler.refuse.update(recipients)
    path, settings = prepare(room, tmp_path, smtp_server.port, recipients)
    report = run(path, settings)
    assert (report.sent, report.retrying, report.dead) == (0, 1, 0)
    assert len(report.paused) == 1 and "SMTP 421 4.3.2 System shutting down" in report.paused[0]
    with open_queue(path) as queue:
        attempts = sorted(job.attempts for job in queue.jobs())
        (state,) = queue.channel_states()
    assert attempts == [0] * 9 + [1]
    assert state.channel == "mail" and state.waiting == 10 and state.paused(NOW)


def test_a_550_for_one_recipient_leaves_the_rest_delivered(room, tmp_path: Path, smtp_server: SmtpServer) -> None:
    recipients = addresses(5)
    smtp_server.handler.refuse.add(recipients[2])
    path, settings = prepare(room, tmp_path, smtp_server.port, recipients)
    report = run(path, settings)
    assert (report.sent, report.dead) == (4, 1)
    assert sorted(a for r in smtp_server.handler.received for a in r.rcpt_tos) == sorted(
        set(recipients) - {recipients[2]})
    with open_queue(path) as queue:
        (dead,) = queue.jobs(state="dead")
    assert dead.email == recipients[2] and "550" in dead.last_error


def test_backoff_grows_exponentially_with_jitter_up_to_the_maximum() -> None:
    policy_ = RetryPolicy(base_delay=timedelta(minutes=1), max_delay=timedelta(minutes=10), jitter=0.25)
    rng = random.Random(4)
    delays = [policy_.delay(n, rng) for n in range(1, 8)]
    for n, delay in enumerate(delays[:4], start=1):
        base = timedelta(minutes=2 ** (n - 1))
        assert base <= delay <= base * 1.25
    assert delays[-1] == timedelta(minutes=10)


def test_a_job_that_keeps_failing_is_dead_after_the_maximum_attempts(
    room, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    recipients = addresses(1)
    smtp_server.handler.defer.update(recipients)  # 451 at RCPT, every time
    path, settings = prepare(room, tmp_path, smtp_server.port, recipients)
    policy_ = RetryPolicy(max_attempts=3)
    moments = [NOW, NOW + timedelta(hours=1), NOW + timedelta(hours=3)]
    outcomes = [run(path, settings, at, policy_) for at in moments]
    assert [(o.retrying, o.dead) for o in outcomes] == [(1, 0), (1, 0), (0, 1)]
    assert states(path) == Counter(dead=1)


def test_embargoed_list_gets_the_release_at_once_and_the_others_after_the_embargo(ledger_location,
    room, tmp_path: Path
) -> None:
    room.add_settings("""\
distribution:
  channels:
    outbox: {type: maildir, path: build/outbox}
  lists:
    presse: {channel: outbox, recipients: [{email: nord@zeitung.example}, {email: sued@zeitung.example}]}
    vertraut: {channel: outbox, embargoed: true, recipients: [{email: funk@sender.example}]}
  default_lists: [presse, vertraut]
""")
    room.ready(SLUG, title="Zahlen", extra="embargo: 2030-01-02T10:00\n")
    pressroom = room.load(NOW)
    path = ledger_location
    with open_queue(path) as queue:
        publish_fake(pressroom, queue, tmp_path)
    box = room.root / "build" / "outbox"

    def inbox() -> dict[str, str]:
        return {str(m["To"]): str(m["Subject"]) for m in mailbox.Maildir(box, create=False)}

    run(path, pressroom.settings, NOW)
    assert inbox() == {"funk@sender.example": "Sperrfrist 02.01.2030, 10:00 Uhr: Zahlen"}
    run(path, pressroom.settings, NOW + timedelta(hours=24))  # 09:00 UTC = 10:00 Berlin: lifted
    assert inbox() == {"funk@sender.example": "Sperrfrist 02.01.2030, 10:00 Uhr: Zahlen",
                       "nord@zeitung.example": "Zahlen", "sued@zeitung.example": "Zahlen"}


def test_webhook_gets_one_signed_post_and_retries_a_503(ledger_location, room, tmp_path: Path,
                                                         webhook_server: WebhookServer) -> None:
    room.add_settings(f"""\
distribution:
  channels:
    website: {{type: webhook, url: "{webhook_server.url}", secret_env: HOOK_SECRET}}
  lists:
    web: {{channel: website}}
  default_lists: [web]
""")
    room.ready(SLUG, title="Zahlen")
    pressroom = room.load(NOW)
    path = ledger_location
    with open_queue(path) as queue:
        publish_fake(pressroom, queue, tmp_path)
    webhook_server.statuses.append(503)
    environ = {"HOOK_SECRET": "s3cret"}
    assert run(path, pressroom.settings, NOW, environ=environ).retrying == 1
    assert run(path, pressroom.settings, NOW + timedelta(hours=1), environ=environ).sent == 1
    first, second = webhook_server.hits
    assert first.body == second.body  # the repeat is the same delivery
    digest = hmac.new(b"s3cret", second.body, hashlib.sha256).hexdigest()
    assert second.headers["X-Pressroom-Signature"] == f"sha256={digest}"
    payload = second.json
    assert {k: payload[k] for k in ("slug", "number", "title", "lead", "language")} == {
        "slug": SLUG, "number": "1/2030", "title": "Zahlen", "lead": "Der Vorspann.", "language": "de"}
    assert payload["date"].startswith("2030-01-01")
    assert payload["urls"]["pdf"] == f"https://presse.beispiel.example/{SLUG}/{SLUG}.pdf"
    assert set(payload["urls"]) == {"html", "pdf", "docx"}


def test_a_missing_secret_pauses_the_channel_and_loses_nothing(room, tmp_path: Path,
                                                               smtp_server: SmtpServer) -> None:
    path, settings = prepare(room, tmp_path, smtp_server.port, addresses(2))
    channel = settings.distribution.channels["mail"]
    from dataclasses import replace

    unset = channel.settings.model_copy(update={"username": "presse", "password_env": "NOT_SET_ANYWHERE"})
    broken = replace(settings, distribution=replace(
        settings.distribution, channels={"mail": replace(channel, settings=unset)}))
    report = run(path, broken, environ={})
    assert (report.sent, report.retrying, report.dead) == (0, 0, 0)
    (line,) = report.paused  # said once, not once per job
    assert "channel mail paused" in line and "NOT_SET_ANYWHERE" in line
    assert states(path) == Counter(pending=2)
    with open_queue(path) as queue:
        assert {job.attempts for job in queue.jobs()} == {0}
        (state,) = queue.channel_states()
    assert state.channel == "mail" and state.paused(NOW) and state.waiting == 2
    assert smtp_server.handler.count == 0


# --- the dispatcher as a process: SIGKILL and SIGTERM -------------------------------

def dispatcher_process(root: Path, queue: Path, at: str) -> subprocess.Popen[bytes]:
    script = "from pressroom.cli_distribution import dispatch_command; dispatch_command()"
    return subprocess.Popen(
        [sys.executable, "-c", script, "--root", str(root), "--queue", str(queue), "--once",
         "--now", at],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


def wait_for(condition, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_sigkill_mid_run_loses_no_recipient_and_repeats_at_most_the_message_in_flight(
    room, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    recipients = addresses(300)
    path, _ = prepare(room, tmp_path, smtp_server.port, recipients, slug=PAST_SLUG, now=PAST)
    handler = smtp_server.handler
    handler.delay = 0.004  # a slow server, so the kill lands mid-run
    process = dispatcher_process(room.root, path, "2026-01-05T10:00")
    wait_for(lambda: handler.count >= 60)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    time.sleep(0.3)  # let the server finish the message it had in hand
    delivered_at_kill = handler.count
    recorded = states(path)
    in_flight = delivered_at_kill - recorded["sent"]  # delivered but not yet marked sent
    assert 0 < delivered_at_kill < len(recipients)
    assert recorded["sending"] <= 1 and 0 <= in_flight <= 1
    # Restarted after the lease (5 minutes) ran out, the dispatcher takes the job back.
    restart = dispatcher_process(room.root, path, "2026-01-05T10:06")
    out, err = restart.communicate(timeout=120)
    assert restart.returncode == 0, err.decode()
    per_recipient = Counter(a for r in handler.received for a in r.rcpt_tos)
    assert set(per_recipient) == set(recipients)  # nobody lost
    duplicates = sum(per_recipient.values()) - len(recipients)
    assert duplicates == in_flight <= 1
    assert states(path) == Counter(sent=300)
    repeated = [a for a, n in per_recipient.items() if n > 1]
    for address in repeated:  # a repeat is recognisable: the same Message-ID
        assert len({r.message["Message-ID"] for r in handler.to(address)}) == 1


def test_sigterm_stops_after_the_job_in_hand_and_leaves_nothing_sending(
    room, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    recipients = addresses(200)
    path, _ = prepare(room, tmp_path, smtp_server.port, recipients, slug=PAST_SLUG, now=PAST)
    handler = smtp_server.handler
    handler.delay = 0.01
    process = dispatcher_process(room.root, path, "2026-01-05T10:00")
    wait_for(lambda: handler.count >= 20)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err.decode()
    assert b"stopped by signal" in out
    recorded = states(path)
    assert recorded["sending"] == 0
    assert recorded["sent"] == handler.count < len(recipients)  # every delivery recorded
    finish = dispatcher_process(room.root, path, "2026-01-05T10:00")
    finish.communicate(timeout=120)
    per_recipient = Counter(a for r in handler.received for a in r.rcpt_tos)
    assert per_recipient == Counter(recipients)  # everyone exactly once


def test_messages_parse_back_with_the_default_policy(room, tmp_path: Path, smtp_server: SmtpServer) -> None:
    path, settings = prepare(room, tmp_path, smtp_server.port, addresses(1))
    run(path, settings)
    (envelope,) = smtp_server.handler.received
    msg = message_from_bytes(envelope.data, policy=policy.default)
    assert msg.get_body(("plain",)).get_content().startswith(f"Der Text von {SLUG}.")
    assert b"\r\n" in envelope.data or b"\n" in envelope.data


def test_an_international_domain_queued_as_written_goes_out_as_idna_in_envelope_and_header(
    room, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    # A ledger written before addresses were stored in wire form holds the domain in
    # Unicode; smtplib cannot write it, so the envelope must get the builder's IDNA form.
    path, settings = prepare(room, tmp_path, smtp_server.port, ["ok@zeitung.example"])
    with open_queue(path) as queue:
        edition = queue.edition(SLUG, 1)
        queue.add_edition(edition, [NewJob("presse", "mail", "jose@exämple.de", "Jose", NOW)], NOW)
    report = run(path, settings)
    assert (report.sent, report.retrying, report.dead) == (2, 0, 0), report.failures
    (envelope,) = [r for r in smtp_server.handler.received if r.rcpt_tos != ["ok@zeitung.example"]]
    assert envelope.rcpt_tos == ["jose@xn--exmple-cua.de"]
    assert envelope.message["To"].addresses[0].addr_spec == "jose@xn--exmple-cua.de"
    assert states(path) == Counter({"sent": 2})


def test_a_maildir_that_cannot_be_written_pauses_its_channel_and_costs_no_attempt(ledger_location,
    room, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    # Every message into that folder fails alike: eight runs must not make its list dead.
    extra = ("    archiv: {channel: outbox, recipients: [{email: archiv@beispiel.example},"
             " {email: ablage@beispiel.example}]}\n")
    text = smtp_distribution(smtp_server.port, ["ok@zeitung.example"], extra)
    room.add_settings(text.replace("  channels:\n", "  channels:\n    outbox: {type: maildir}\n")
                      .replace("default_lists: [presse]", "default_lists: [presse, archiv]"))
    room.ready(SLUG, title="Neue Beratungsstelle eröffnet")
    pressroom = room.load(NOW)
    path = ledger_location
    with open_queue(path) as queue:
        publish_fake(pressroom, queue, tmp_path, NOW)
    blocker = room.root / "build" / "outbox"
    blocker.parent.mkdir(exist_ok=True)
    blocker.write_text("a file where the folder belongs\n")
    report = run(path, pressroom.settings)
    assert report.sent == 1 and report.retrying == report.dead == 0  # the mail went out
    assert len(report.paused) == 1 and "channel outbox paused" in report.paused[0]
    with open_queue(path) as queue:
        boxed = [job for job in queue.jobs() if job.channel == "outbox"]
    assert [(job.state, job.attempts) for job in boxed] == [("pending", 0), ("pending", 0)]
    blocker.unlink()
    later = run(path, pressroom.settings, at=NOW + timedelta(hours=1))
    assert later.sent == 2 and states(path) == Counter({"sent": 3})
