"""The e-mail of a job: structure, headers, embargo subject, and refusal of header injection."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from distribution_support import NOW, pdf_bytes, publish_fake

from pressroom.mail import HeaderInjection, MessageBuilder, safe
from pressroom.queue import Edition, Job, open_queue

DISTRIBUTION = """\
distribution:
  channels:
    outbox: {type: maildir, path: build/outbox, attach_docx: true}
  lists:
    presse:
      channel: outbox
      recipients: [{name: Redaktion Nord, email: nord@zeitung.example}]
"""


def queued(room, tmp_path: Path, extra: str = "") -> tuple[Edition, Job]:  # type: ignore[no-untyped-def]
    room.add_settings(DISTRIBUTION + "  default_lists: [presse]\n")
    room.ready("2030-01-01-meldung", title="Neue Beratungsstelle eröffnet", extra=extra)
    with open_queue(tmp_path / "q.sqlite3") as queue:
        publish_fake(room.load(NOW), queue, tmp_path)
        job = queue.jobs()[0]
        return queue.edition(job.slug, job.revision), job


def sent_message(edition: Edition, job: Job, attach_docx: bool = False,
                  clock: Callable[[], datetime] | None = None) -> EmailMessage:
    """Build the message as a channel does (wire bytes) and parse it back."""
    wire = MessageBuilder(clock=clock).build(edition, job, attach_docx)
    parsed = message_from_bytes(wire, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_message_is_text_and_html_alternatives_with_the_pdf_attached(room, tmp_path: Path) -> None:
    edition, job = queued(room, tmp_path)
    msg = sent_message(edition, job)
    assert msg.get_content_type() == "multipart/mixed"
    alternative, attachment = msg.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/html"]
    assert "Zweite Zeile: äöü." in msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "<h1" in html and "Neue Beratungsstelle eröffnet" in html
    assert attachment.get_filename() == "2030-01-01-meldung.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == pdf_bytes("2030-01-01-meldung")


def test_docx_is_attached_only_where_the_channel_asks(room, tmp_path: Path) -> None:
    edition, job = queued(room, tmp_path)
    without = [p.get_filename() for p in sent_message(edition, job).iter_attachments()]
    with_docx = [p.get_filename() for p in sent_message(edition, job, True).iter_attachments()]
    assert without == ["2030-01-01-meldung.pdf"]
    assert with_docx == ["2030-01-01-meldung.pdf", "2030-01-01-meldung.docx"]


def test_headers_name_sender_reply_contact_unsubscribe_and_a_key_derived_message_id(
    room, tmp_path: Path
) -> None:
    edition, job = queued(room, tmp_path)
    msg = sent_message(edition, job, clock=lambda: NOW + timedelta(days=1))  # sent when due
    assert msg["Subject"] == "Neue Beratungsstelle eröffnet"
    assert msg["From"].addresses[0].addr_spec == "presse@beispiel.example"
    assert msg["From"].addresses[0].display_name == "Beispiel e.V."
    assert msg["To"].addresses[0].addr_spec == "nord@zeitung.example"
    assert msg["Reply-To"].addresses[0].addr_spec == "anna@beispiel.example"
    assert msg["List-Unsubscribe"] == "<mailto:presse@beispiel.example?subject=unsubscribe>"
    assert msg["Message-ID"] == f"<{job.key[:40]}@presse.beispiel.example>"
    assert parsedate_to_datetime(msg["Date"]) == job.not_before


def test_every_attempt_builds_the_same_identity(room, tmp_path: Path) -> None:
    edition, job = queued(room, tmp_path)
    def later() -> datetime:
        return NOW + timedelta(days=1)

    first = sent_message(edition, job, clock=later)
    second = sent_message(edition, replace(job, attempts=3), clock=later)
    for header in ("Message-ID", "Date", "Subject", "To"):
        assert first[header] == second[header]


def test_subject_carries_the_embargo_when_the_job_goes_out_before_it(room, tmp_path: Path) -> None:
    edition, job = queued(room, tmp_path, extra="embargo: 2030-01-02T10:00\n")
    early = replace(job, not_before=NOW)
    late = replace(job, not_before=NOW + timedelta(days=2))
    subject = sent_message(edition, early)["Subject"]
    assert subject.startswith("Sperrfrist 02.01.2030, 10:00 Uhr: ")
    assert subject.endswith("Neue Beratungsstelle eröffnet")
    assert sent_message(edition, late)["Subject"] == "Neue Beratungsstelle eröffnet"


SEPARATORS = ["\r", "\n", "\r\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029",
              "\x00"]


@pytest.mark.parametrize("separator", SEPARATORS, ids=[f"U+{ord(s[-1]):04X}" for s in SEPARATORS])
def test_builder_refuses_line_separators_in_every_header_value(room, tmp_path: Path,
                                                               separator: str) -> None:
    edition, job = queued(room, tmp_path)
    injected = f"Titel{separator}Bcc: victim@example.org"
    record = edition.record
    bad_title = replace(edition, record=replace(record, title=injected))
    bad_sender = replace(edition, record=replace(record, sender=replace(record.sender, name=injected)))
    with pytest.raises(HeaderInjection):
        sent_message(bad_title, job)
    with pytest.raises(HeaderInjection):
        sent_message(bad_sender, job)
    with pytest.raises(HeaderInjection):
        sent_message(edition, replace(job, name=injected))
    with pytest.raises(HeaderInjection):
        sent_message(edition, replace(job, email=f"a{separator}@example.org"))


def test_safe_lets_ordinary_unicode_through() -> None:
    assert safe("Größte Meldung – „Zitat“ 🎉", "Subject") == "Größte Meldung – „Zitat“ 🎉"


def test_html_body_escapes_markup_in_the_release(ledger_location, room, tmp_path: Path) -> None:
    room.add_settings(DISTRIBUTION + "  default_lists: [presse]\n")
    room.ready("2030-01-01-boese", title="Böse <script>alert(1)</script>",
               body="Hallo <img src=x onerror=alert(1)> [klick](javascript:alert(1))\n")
    with open_queue(ledger_location) as queue:
        publish_fake(room.load(NOW), queue, tmp_path)
        job = queue.jobs()[0]
        edition = queue.edition(job.slug, job.revision)
    html = sent_message(edition, job).get_body(("html",)).get_content()
    assert "<script>" not in html and "onerror" not in html.replace("&lt;img src=x onerror", "")
    assert "href=\"javascript" not in html
