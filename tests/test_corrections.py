"""`queue resend`: a correction says so, threads under the original, reaches only its recipients."""

from __future__ import annotations

import mailbox
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from distribution_support import (
    NOW,
    SmtpServer,
    WebhookServer,
    fake_outputs,
    hook_secret,
    queued,
    smtp_distribution,
    smtp_server,
    webhook_server,
)

from pressroom.dispatch import Dispatcher
from pressroom.publish import resend
from pressroom.queue import open_queue

__all__ = ["hook_secret", "smtp_server", "webhook_server"]  # fixtures used below

SLUG = "2030-01-01-eins"
RECIPIENTS = ["nord@zeitung.example", "sued@zeitung.example", "weg@zeitung.example"]


def dispatch(path: Path, settings, at=NOW) -> None:  # type: ignore[no-untyped-def]
    with open_queue(path) as queue:
        Dispatcher(queue, settings, lambda: at).run_once()


def correct(room, path: Path, tmp_path: Path, at=NOW, extra: str = "") -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """Change the release's text and resend it."""
    room.ready(SLUG, title="Eine Meldung", body="Korrigierter Text.\n", extra=extra)
    with open_queue(path) as queue:
        return resend(room.load(at), fake_outputs(tmp_path / "b2"), queue, SLUG, at)


def test_a_correction_reaches_exactly_who_received_the_original_threaded_under_it(
    room, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    room.add_settings(smtp_distribution(smtp_server.port, RECIPIENTS))
    smtp_server.handler.refuse.add("weg@zeitung.example")
    smtp_server.handler.refusal = "550 5.7.1 refused by policy"  # dead, but not a gone mailbox
    room.ready(SLUG)
    path = queued(room, tmp_path)
    dispatch(path, room.load(NOW).settings)
    originals = {r.rcpt_tos[0]: r.message for r in smtp_server.handler.received}
    assert sorted(originals) == ["nord@zeitung.example", "sued@zeitung.example"]
    smtp_server.handler.refuse.clear()  # had the correction gone to it, it would arrive now
    later = NOW + timedelta(hours=3)
    revision, added, recalled = correct(room, path, tmp_path, later)
    assert (revision, added, recalled) == (2, 2, 0)
    dispatch(path, room.load(later).settings, later)
    corrections = {r.rcpt_tos[0]: r.message for r in smtp_server.handler.received[2:]}
    assert sorted(corrections) == ["nord@zeitung.example", "sued@zeitung.example"]
    for address, message in corrections.items():
        original = originals[address]
        assert message["Subject"] == "Korrektur: Eine Meldung"
        assert message["In-Reply-To"] == original["Message-ID"]
        assert message["References"] == original["Message-ID"]
        assert message["Message-ID"] != original["Message-ID"]
        assert "Korrigierter Text." in message.get_body(("html",)).get_content()
    with open_queue(path) as queue:
        assert not [j for j in queue.jobs(SLUG) if j.revision == 2 and j.email == "weg@zeitung.example"]


def test_an_english_correction_says_correction(room, tmp_path: Path, smtp_server: SmtpServer) -> None:
    room.add_settings(smtp_distribution(smtp_server.port, RECIPIENTS[:1]))
    room.ready(SLUG, extra="language: en\n")
    path = queued(room, tmp_path)
    dispatch(path, room.load(NOW).settings)
    correct(room, path, tmp_path, extra="language: en\n")
    dispatch(path, room.load(NOW).settings)
    first, second = (r.message for r in smtp_server.handler.received)
    assert first["Subject"] == "Eine Meldung"
    assert second["Subject"] == "Correction: Eine Meldung"
    assert second["In-Reply-To"] == first["Message-ID"]


def test_who_was_still_waiting_gets_the_new_text_as_a_first_message(room, tmp_path: Path) -> None:
    room.add_settings("""\
distribution:
  channels:
    outbox: {type: maildir, path: build/outbox}
  lists:
    presse:
      channel: outbox
      recipients: [{name: Redaktion Nord, email: nord@zeitung.example}]
    vertraut:
      channel: outbox
      embargoed: true
      recipients: [{name: Funkhaus, email: funk@sender.example}]
  default_lists: [presse, vertraut]
""")
    embargo = "embargo: 2030-01-03T10:00\n"
    room.ready(SLUG, extra=embargo)
    path = queued(room, tmp_path)
    dispatch(path, room.load(NOW).settings)  # only the embargoed list gets it now
    assert correct(room, path, tmp_path, extra=embargo) == (2, 2, 1)  # nord's first job recalled
    dispatch(path, room.load(NOW).settings, NOW + timedelta(days=3))
    box = mailbox.Maildir(room.root / "build" / "outbox", create=False)
    messages = [message_from_bytes(m.as_bytes(), policy=policy.default) for m in box]
    by_subject = {(m["To"].addresses[0].addr_spec, str(m["Subject"])): m for m in messages}
    assert sorted(by_subject) == [
        ("funk@sender.example", "Korrektur: Sperrfrist 03.01.2030, 10:00 Uhr: Eine Meldung"),
        ("funk@sender.example", "Sperrfrist 03.01.2030, 10:00 Uhr: Eine Meldung"),
        ("nord@zeitung.example", "Eine Meldung"),  # never saw the first text: no correction
    ]
    assert by_subject[("nord@zeitung.example", "Eine Meldung")]["In-Reply-To"] is None
    assert "Korrigierter Text." in by_subject[("nord@zeitung.example", "Eine Meldung")].get_body(
        ("html",)).get_content()


def test_a_webhook_that_received_the_original_gets_the_correction_marked_as_one(
    room, tmp_path: Path, webhook_server: WebhookServer, hook_secret: str
) -> None:
    room.add_settings(f"""\
distribution:
  channels:
    website: {{type: webhook, url: "{webhook_server.url}", secret_env: PRESSROOM_TEST_HOOK_SECRET}}
  lists:
    web: {{channel: website}}
  default_lists: [web]
""")
    room.ready(SLUG)
    path = queued(room, tmp_path)
    dispatch(path, room.load(NOW).settings)
    correct(room, path, tmp_path)
    dispatch(path, room.load(NOW).settings)
    first, second = webhook_server.hits
    assert (first.json["correction"], first.json["replaces"]) == (False, None)
    assert second.json["correction"] is True
    assert second.json["replaces"] == first.headers["X-Pressroom-Delivery"] == first.json["delivery"]
    assert second.json["revision"] == 2 and second.json["delivery"] != first.json["delivery"]


def test_a_ledger_written_before_corrections_and_suppressions_is_migrated_on_open(
    room, tmp_path: Path
) -> None:
    import sqlite3

    room.add_settings("""\
distribution:
  channels:
    outbox: {type: maildir, path: build/outbox}
  lists:
    presse: {channel: outbox, recipients: [{name: Nord, email: nord@zeitung.example}]}
  default_lists: [presse]
""")
    room.ready(SLUG)
    path = queued(room, tmp_path)
    with sqlite3.connect(path) as db:  # what an older pressroom wrote
        db.execute("ALTER TABLE jobs DROP COLUMN replaces")
        db.execute("DROP TABLE suppressions")
        db.execute("DROP TABLE ledger_meta")
        db.execute("DROP TABLE schema_migrations")  # older pressrooms wrote no schema version
    db.close()
    dispatch(path, room.load(NOW).settings)
    correct(room, path, tmp_path)
    with open_queue(path) as queue:
        (original, correction) = queue.jobs(SLUG)
        assert (original.state, original.replaces) == ("sent", "")
        assert correction.replaces == original.key
        assert queue.suppress("nord@zeitung.example", "manual", "", NOW)


def test_a_correction_of_a_baselined_release_mails_nobody_and_queue_send_sends_it_on_purpose(ledger_location,
    room, tmp_path: Path
) -> None:
    """Nobody is known to have the baselined text: `resend` must not turn into a first
    mailing of an old release to every list; `queue send` is the deliberate way."""
    from pressroom.errors import UserError
    from pressroom.publish import record_baseline, send_release

    room.add_settings("""\
distribution:
  channels:
    outbox: {type: maildir, path: build/outbox}
  lists:
    presse: {channel: outbox, recipients: [{email: nord@zeitung.example}, {email: sued@zeitung.example}]}
  default_lists: [presse]
""")
    room.ready(SLUG, title="Eine Meldung")
    outputs = fake_outputs(tmp_path / "b1")
    later = NOW + timedelta(days=400)
    with open_queue(ledger_location) as queue:
        assert record_baseline(room.load(NOW), outputs, queue, NOW).recorded == [SLUG]
        room.ready(SLUG, title="Eine Meldung", body="Korrigierter Text.\n")
        with pytest.raises(UserError, match="nothing to correct"):
            resend(room.load(later), outputs, queue, SLUG, later)
        assert queue.jobs(SLUG) == []
        assert send_release(room.load(later), outputs, queue, SLUG, later) == (2, 2)
        assert {(j.revision, j.email, j.replaces) for j in queue.jobs(SLUG)} == {
            (2, "nord@zeitung.example", ""), (2, "sued@zeitung.example", "")}
