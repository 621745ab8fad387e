"""The queued edition's typed record: written as JSON under the keys every ledger
version used, and read back from ledgers the previous versions wrote."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import SMTP
from pathlib import Path

import pytest
from distribution_support import queued

from pressroom.errors import QueueError
from pressroom.mail import MessageBuilder
from pressroom.queue import EditionRecord, Mailbox, SqliteQueue

NOW = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
EMBARGO = "2030-01-05T10:00:00+01:00"
DISTRIBUTION = """\
distribution:
  channels:
    mail: {type: maildir}
  lists:
    presse: {channel: mail, embargoed: true, recipients: [{email: nord@zeitung.example}]}
  default_lists: [presse]
"""
# An edition record exactly as the first distributing version stored it: no public_from,
# the sender's address as written (an international domain in Unicode), slug and revision
# repeated inside.
FIRST_VERSION = {
    "slug": "2030-01-01-alt", "revision": 1, "title": "Alte Meldung", "number": "7/2030",
    "lead": "Vorspann.", "language": "de", "published": "2030-01-01T00:00:00+01:00",
    "embargo": EMBARGO, "from_name": "Beispiel e.V.", "from_email": "presse@bücher.example",
    "reply_to_name": "Anna Muster", "reply_to_email": "anna@beispiel.example",
    "host": "presse.beispiel.example", "urls": {"pdf": "https://presse.beispiel.example/a.pdf"},
}


def test_a_record_survives_the_ledger_unchanged(room, tmp_path: Path) -> None:
    room.add_settings(DISTRIBUTION)
    room.ready("2030-01-01-neu", title="Neue Meldung", extra=f"embargo: {EMBARGO}\n")
    path = queued(room, tmp_path)
    with SqliteQueue(path) as queue:
        edition = queue.edition("2030-01-01-neu", 1)
    record = edition.record
    assert record.title == "Neue Meldung"
    assert record.embargo == record.public_from == datetime.fromisoformat(EMBARGO)
    assert record.sender == Mailbox("Beispiel e.V.", "presse@beispiel.example")
    assert record.reply_to == Mailbox("Anna Muster", "anna@beispiel.example")
    assert set(record.urls) == {"html", "pdf", "docx"}
    assert EditionRecord.from_json(json.loads(json.dumps(record.to_json()))) == record


def test_a_row_written_by_the_first_version_is_read_and_sent_as_then(room, tmp_path: Path) -> None:
    room.add_settings(DISTRIBUTION)
    room.ready("2030-01-01-alt", title="Alte Meldung", extra=f"embargo: {EMBARGO}\n")
    path = queued(room, tmp_path)
    db = sqlite3.connect(path)
    db.execute("UPDATE editions SET meta = ?", (json.dumps(FIRST_VERSION),))
    db.commit()
    db.close()
    with SqliteQueue(path) as queue:
        edition = queue.edition("2030-01-01-alt", 1)
        (job,) = queue.jobs("2030-01-01-alt")
    record = edition.record
    assert record.public_from is None
    assert record.held_until == datetime.fromisoformat(EMBARGO)  # the embargo stands in
    assert record.number == "7/2030" and record.lead == "Vorspann."
    message = message_from_bytes(MessageBuilder().build(edition, job), policy=SMTP)
    assert message["Subject"].startswith("Sperrfrist")  # queued before its embargo: the notice
    assert message["From"].addresses[0].domain == "xn--bcher-kva.example"  # sent in IDNA
    assert message["Reply-To"].addresses[0].username == "anna"
    assert message["Message-ID"].endswith("@presse.beispiel.example>")


def test_a_record_without_what_every_version_wrote_is_a_queue_error_naming_it() -> None:
    broken = {key: value for key, value in FIRST_VERSION.items() if key != "title"}
    with pytest.raises(QueueError, match="edition record it cannot read.*'title'"):
        EditionRecord.from_json(broken)


def test_held_until_prefers_the_stored_public_from() -> None:
    base = EditionRecord.from_json(FIRST_VERSION)
    later = datetime.fromisoformat(EMBARGO) + timedelta(days=1)
    assert replace(base, public_from=later).held_until == later
