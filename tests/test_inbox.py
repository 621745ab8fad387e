"""`pressroom inbox`: bounces and unsubscribe replies in a real Maildir suppress addresses."""

from __future__ import annotations

import mailbox
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import make_msgid
from pathlib import Path
from urllib.parse import unquote, urlsplit

from click.testing import CliRunner
from distribution_support import NOW, queued

from pressroom.cli import cli
from pressroom.dispatch import Dispatcher
from pressroom.inbox import read_inbox
from pressroom.queue import Location, open_queue
from pressroom.suppression import TOKEN_KEY, unsubscribe_token

RECIPIENTS = ["nord@zeitung.example", "sued@zeitung.example", "weg@zeitung.example"]
SETTINGS = """\
distribution:
  channels:
    outbox: {type: maildir, path: build/outbox}
  lists:
    presse:
      channel: outbox
      recipients:
        - {name: Redaktion Nord, email: nord@zeitung.example}
        - {name: Redaktion Süd, email: Sued@Zeitung.example}
        - {name: Redaktion Weg, email: weg@zeitung.example}
  default_lists: [presse]
"""


def ledger(room, tmp_path: Path, at: Location) -> Location:  # type: ignore[no-untyped-def]
    """Queue one release to the three recipients in the ledger *at* (either backend)."""
    room.add_settings(SETTINGS)
    room.ready("2030-01-01-eins")
    return queued(room, tmp_path, at=at)


def token_of(path: Location, address: str) -> str:
    with open_queue(path) as queue:
        return unsubscribe_token(queue.secret(TOKEN_KEY), address)


def dsn(recipient: str, status: str, action: str, quoted_headers: str) -> bytes:
    """An RFC 3464 delivery status notification, as an MTA sends one back."""
    report = MIMEMultipart("report", report_type="delivery-status")
    report["From"] = "Mail Delivery System <MAILER-DAEMON@mx.zeitung.example>"
    report["To"] = "presse@beispiel.example"
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report["Message-ID"] = make_msgid(domain="mx.zeitung.example")
    report.attach(MIMEText(f"I'm sorry to have to inform you that your message could not\n"
                           f"be delivered to {recipient}.\n", "plain"))
    per_message = Message()
    per_message["Reporting-MTA"] = "dns; mx.zeitung.example"
    per_recipient = Message()
    per_recipient["Final-Recipient"] = f"rfc822; {recipient}"
    per_recipient["Action"] = action
    per_recipient["Status"] = status
    per_recipient["Diagnostic-Code"] = f"smtp; 550 {status} user unknown"
    delivery_status = MIMEBase("message", "delivery-status")
    delivery_status.set_payload([per_message, per_recipient])
    report.attach(delivery_status)
    original = MIMEBase("text", "rfc822-headers")
    original.set_payload(quoted_headers)
    report.attach(original)
    return report.as_bytes()


def reply(sender: str, subject: str, body: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "presse@beispiel.example"
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="web.example")
    msg.set_content(body)
    return msg.as_bytes()


def maildir_with(path: Path, *messages: bytes) -> mailbox.Maildir:
    box = mailbox.Maildir(path, create=True)
    for raw in messages:
        box.add(raw)
    return box


def test_a_dsn_suppresses_the_recipient_that_failed_and_no_other(room, tmp_path: Path, ledger_location) -> None:
    path = ledger(room, tmp_path, ledger_location)
    # The bounce quotes the original's headers, List-Unsubscribe token and all: still a bounce.
    quoted = (f"To: weg@zeitung.example\nList-Unsubscribe: <mailto:presse@beispiel.example"
              f"?subject=unsubscribe%20{token_of(path, 'weg@zeitung.example')}>\n")
    maildir_with(tmp_path / "inbox", dsn("weg@zeitung.example", "5.1.1", "failed", quoted))
    with open_queue(path) as queue:
        report = read_inbox(tmp_path / "inbox", queue, NOW)
        (entry,) = queue.suppressions()
    assert (report.bounces, report.unsubscribes, report.bounced) == (1, 0, ["weg@zeitung.example"])
    assert (entry.address, entry.source) == ("weg@zeitung.example", "bounce")
    assert entry.reason == "bounce: Undelivered Mail Returned to Sender"


def test_a_delay_notice_suppresses_nothing(room, tmp_path: Path, ledger_location) -> None:
    path = ledger(room, tmp_path, ledger_location)
    maildir_with(tmp_path / "inbox", dsn("weg@zeitung.example", "4.4.1", "delayed", "To: weg\n"))
    with open_queue(path) as queue:
        report = read_inbox(tmp_path / "inbox", queue, NOW)
        assert queue.suppressions() == []
    assert (report.delays, report.bounces) == (1, 0)
    assert report.line() == "inbox: 1 message(s): 1 delay notice (nothing to do)"


def test_the_list_unsubscribe_of_a_delivered_message_unsubscribes_its_recipient_from_any_address(
    room, tmp_path: Path, ledger_location
) -> None:
    path = ledger(room, tmp_path, ledger_location)
    with open_queue(path) as queue:
        assert Dispatcher(queue, room.load(NOW).settings, lambda: NOW).run_once().sent == 3
    outbox = mailbox.Maildir(room.root / "build" / "outbox", create=False)
    received = [message_from_bytes(outbox.get_bytes(k), policy=policy.default) for k in outbox.iterkeys()]
    (sued,) = [m for m in received if m["To"].addresses[0].addr_spec == "Sued@zeitung.example"]
    mailto = urlsplit(str(sued["List-Unsubscribe"]).strip("<>"))
    assert (mailto.scheme, mailto.path) == ("mailto", "presse@beispiel.example")
    subject = unquote(mailto.query.removeprefix("subject="))
    # The person answers from a private address: the token, not the sender, names them.
    maildir_with(tmp_path / "inbox", reply("Frau Süd <privat@web.example>", subject, "Bitte austragen."))
    with open_queue(path) as queue:
        report = read_inbox(tmp_path / "inbox", queue, NOW)
        (entry,) = queue.suppressions()
    assert report.unsubscribed == ["sued@zeitung.example"]
    assert (entry.address, entry.source) == ("sued@zeitung.example", "unsubscribe")
    assert entry.reason == "asked by mail from Frau Süd <privat@web.example>"


def test_a_token_quoted_in_the_body_is_an_unsubscribe_request_too(room, tmp_path: Path, ledger_location) -> None:
    path = ledger(room, tmp_path, ledger_location)
    body = f"Hallo,\nbitte keine Mails mehr.\n\n> unsubscribe {token_of(path, 'nord@zeitung.example').lower()}\n"
    maildir_with(tmp_path / "inbox", reply("nord@zeitung.example", "Re: Abmeldung", body))
    with open_queue(path) as queue:
        assert read_inbox(tmp_path / "inbox", queue, NOW).unsubscribed == ["nord@zeitung.example"]


def test_cli_inbox_sorts_three_messages_and_a_second_run_counts_nothing_again(
    room, tmp_path: Path, ledger_location
) -> None:
    path = ledger(room, tmp_path, ledger_location)
    inbox = tmp_path / "inbox"
    maildir_with(
        inbox,
        dsn("weg@zeitung.example", "5.1.1", "failed", "To: weg@zeitung.example\n"),
        reply("sued@zeitung.example", f"unsubscribe {token_of(path, 'sued@zeitung.example')}", "."),
        reply("nord@zeitung.example", "Re: Eine Meldung", "Danke, wir berichten morgen darüber."),
    )
    args = ["inbox", "--root", str(room.root), "--queue", str(path), "--now", "2030-01-01T10:00",
            str(inbox)]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert first.output == (
        "inbox: 3 message(s): 1 bounce (suppressed weg@zeitung.example), "
        "1 unsubscribe (suppressed sued@zeitung.example), "
        "1 not understood (left for a person, flagged)\n")
    assert sorted(p.name for p in (inbox / "new").iterdir()) == []
    flags = sorted(name.rsplit(",", 1)[1] for name in (p.name for p in (inbox / "cur").iterdir()))
    assert flags == ["F", "S", "S"]
    second = CliRunner().invoke(cli, args)
    assert second.output == "inbox: 0 message(s)\n"
    with open_queue(path) as queue:
        assert [s.address for s in queue.suppressions()] == ["sued@zeitung.example", "weg@zeitung.example"]
        assert {j.email: j.state for j in queue.jobs()} == {
            "nord@zeitung.example": "pending", "Sued@zeitung.example": "pending",
            "weg@zeitung.example": "pending"}
        claimed = []
        while (job := queue.claim(NOW, timedelta(minutes=5), "t")) is not None:
            claimed.append(job.email)
        assert claimed == ["nord@zeitung.example"]  # the other two are cancelled at claim time


def test_cli_inbox_refuses_a_folder_that_is_not_a_maildir(room, tmp_path: Path, ledger_location) -> None:
    path = ledger(room, tmp_path, ledger_location)
    (tmp_path / "plain").mkdir()
    result = CliRunner().invoke(cli, ["inbox", "--root", str(room.root), "--queue", str(path),
                                      str(tmp_path / "plain")])
    assert result.exit_code == 1
    assert "not a Maildir" in result.output and "Traceback" not in result.output
