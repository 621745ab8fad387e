"""Opt-outs and hard bounces: a suppressed address gets nothing from any list, and says why."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from distribution_support import NOW, SmtpServer, publish_fake, queued, smtp_distribution, smtp_server

from pressroom.channels import PermanentFailure
from pressroom.channels.smtp import classify
from pressroom.cli import cli
from pressroom.dispatch import Dispatcher
from pressroom.queue import open_queue

__all__ = ["smtp_server"]  # the fixture used below

RECIPIENTS = ["nord@zeitung.example", "sued@zeitung.example", "weg@zeitung.example"]


def settings_for(room, port: int):  # type: ignore[no-untyped-def]
    room.add_settings(smtp_distribution(port, RECIPIENTS))


def dispatch(path: Path, settings, at=NOW):  # type: ignore[no-untyped-def]
    with open_queue(path) as queue:
        return Dispatcher(queue, settings, lambda: at).run_once()


def jobs_by_address(path: Path, slug: str) -> dict[str, tuple[str, str]]:
    with open_queue(path) as queue:
        return {j.email: (j.state, j.last_error) for j in queue.jobs(slug)}


def delivered(server: SmtpServer) -> Counter[str]:
    return Counter(a for r in server.handler.received for a in r.rcpt_tos)


def test_publish_queues_a_suppressed_address_as_cancelled_saying_why(ledger_location, room, tmp_path: Path) -> None:
    room.add_settings(smtp_distribution(9, RECIPIENTS))
    room.ready("2030-01-01-eins")
    path = ledger_location
    with open_queue(path) as queue:
        # Stored normalised: the list's spelling and the request's need not match.
        assert queue.suppress("  Weg@Zeitung.EXAMPLE ", "manual", "asked by phone", NOW - timedelta(days=3))
        assert not queue.suppress("weg@zeitung.example", "bounce", "later", NOW)  # the first record stays
        publish_fake(room.load(NOW), queue, tmp_path)
    jobs = jobs_by_address(path, "2030-01-01-eins")
    assert jobs["weg@zeitung.example"] == ("cancelled", "suppressed: manual 2029-12-29: asked by phone")
    assert jobs["nord@zeitung.example"] == ("pending", "")
    assert jobs["sued@zeitung.example"] == ("pending", "")


def test_a_job_queued_before_the_suppression_is_cancelled_at_delivery(ledger_location,
    room, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    settings_for(room, smtp_server.port)
    room.ready("2030-01-01-eins")
    pressroom = room.load(NOW)
    path = ledger_location
    with open_queue(path) as queue:
        publish_fake(pressroom, queue, tmp_path)
        queue.suppress("WEG@zeitung.example", "unsubscribe", "asked by mail from weg@zeitung.example", NOW)
    report = dispatch(path, pressroom.settings)
    assert (report.sent, report.dead) == (2, 0)
    assert delivered(smtp_server) == Counter({"nord@zeitung.example": 1, "sued@zeitung.example": 1})
    state, why = jobs_by_address(path, "2030-01-01-eins")["weg@zeitung.example"]
    assert state == "cancelled"
    assert why == "suppressed: unsubscribe 2030-01-01: asked by mail from weg@zeitung.example"


def test_a_suppression_written_with_an_international_domain_matches_its_idna_form(ledger_location,
    room, tmp_path: Path
) -> None:
    room.add_settings(smtp_distribution(9, ["jose@exämple.de", "nord@zeitung.example"]))
    room.ready("2030-01-01-eins")
    path = ledger_location
    with open_queue(path) as queue:
        queue.suppress("Jose@Exämple.DE", "manual", "asked by phone", NOW)
        publish_fake(room.load(NOW), queue, tmp_path)
    jobs = jobs_by_address(path, "2030-01-01-eins")
    assert jobs["jose@xn--exmple-cua.de"] == ("cancelled", "suppressed: manual 2030-01-01: asked by phone")
    assert jobs["nord@zeitung.example"] == ("pending", "")


def test_a_550_user_unknown_suppresses_the_address_for_the_next_release(ledger_location,
    room, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    settings_for(room, smtp_server.port)
    smtp_server.handler.refuse.add("weg@zeitung.example")
    smtp_server.handler.refusal = "550 5.1.1 user unknown"
    room.ready("2030-01-01-eins")
    path = queued(room, tmp_path, at=ledger_location)
    first = dispatch(path, room.load(NOW).settings)
    assert (first.sent, first.dead) == (2, 1)
    assert jobs_by_address(path, "2030-01-01-eins")["weg@zeitung.example"][0] == "dead"
    with open_queue(path) as queue:
        (entry,) = queue.suppressions()
    assert (entry.address, entry.source) == ("weg@zeitung.example", "smtp")
    assert "550 5.1.1 user unknown" in entry.reason
    # The next release: the dead address is not tried again, the others get it.
    room.ready("2030-01-02-zwei", title="Zwei")
    later = NOW + timedelta(days=1)
    with open_queue(path) as queue:
        publish_fake(room.load(later), queue, tmp_path, later)
    smtp_server.handler.refuse.clear()  # had it been tried, it would now be delivered
    second = dispatch(path, room.load(later).settings, later)
    assert (second.sent, second.dead) == (2, 0)
    state, why = jobs_by_address(path, "2030-01-02-zwei")["weg@zeitung.example"]
    assert state == "cancelled" and why.startswith("suppressed: smtp 2030-01-01: SMTP 550 5.1.1 user unknown")
    assert delivered(smtp_server)["weg@zeitung.example"] == 0
    assert delivered(smtp_server)["nord@zeitung.example"] == 2


def test_a_policy_refusal_kills_the_job_but_does_not_suppress_the_address(ledger_location,
    room, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    settings_for(room, smtp_server.port)
    smtp_server.handler.refuse.add("weg@zeitung.example")
    smtp_server.handler.refusal = "550 5.7.1 message refused as spam"
    room.ready("2030-01-01-eins")
    path = queued(room, tmp_path, at=ledger_location)
    assert dispatch(path, room.load(NOW).settings).dead == 1
    with open_queue(path) as queue:
        assert queue.suppressions() == []


def test_a_refused_sender_address_suppresses_no_recipient(ledger_location,
    room, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    settings_for(room, smtp_server.port)
    smtp_server.handler.sender_refusal = "553 5.1.0 sender address rejected"
    room.ready("2030-01-01-eins")
    path = queued(room, tmp_path, at=ledger_location)
    report = dispatch(path, room.load(NOW).settings)
    assert report.dead == 0 and len(report.paused) == 1  # the sender's problem: the channel waits
    with open_queue(path) as queue:
        assert queue.suppressions() == []


@pytest.mark.parametrize(("code", "reply", "gone"), [
    (550, "5.1.1 user unknown", True),
    (550, "5.1.1 <weg@zeitung.example>: Recipient address rejected", True),
    (553, "5.1.0 address rejected", True),
    (550, "5.1.10 recipient address has null MX", True),
    (551, "User not local; please try <x@y.example>", False),  # no enhanced code, no telling words
    (550, "Requested action not taken: mailbox unavailable", True),
    (550, "No such user here", True),
    (550, "5.7.1 user unknown to our spam filter", False),  # the enhanced code wins: policy
    (554, "5.1.1 user unknown", False),  # 554 is a transaction failure, not a mailbox verdict
    (552, "5.2.2 mailbox full", False),
    (550, "5.7.1 message refused as spam", False),
])
def test_only_a_no_such_mailbox_reply_marks_the_mailbox_gone(code: int, reply: str, gone: bool) -> None:
    failure = classify(code, reply.encode())
    assert isinstance(failure, PermanentFailure)
    assert failure.mailbox_gone is gone


def test_a_4xx_is_never_a_gone_mailbox() -> None:
    assert not isinstance(classify(450, b"4.1.1 user unknown, try later"), PermanentFailure)


def test_unsuppress_lets_a_retried_job_go_out_and_retry_alone_does_not(ledger_location,
    room, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    settings_for(room, smtp_server.port)
    room.ready("2030-01-01-eins")
    pressroom = room.load(NOW)
    path = ledger_location
    with open_queue(path) as queue:
        queue.suppress("weg@zeitung.example", "manual", "", NOW)
        publish_fake(pressroom, queue, tmp_path)
        (job,) = [j for j in queue.jobs() if j.email == "weg@zeitung.example"]
        assert job.last_error == "suppressed: manual 2030-01-01"
        queue.retry(job.id, NOW)
    dispatch(path, pressroom.settings)
    assert delivered(smtp_server)["weg@zeitung.example"] == 0  # still suppressed: cancelled again
    with open_queue(path) as queue:
        assert queue.unsuppress("WEG@zeitung.example") and not queue.unsuppress("weg@zeitung.example")
        queue.retry(job.id, NOW)
    assert dispatch(path, pressroom.settings).sent == 1
    assert delivered(smtp_server)["weg@zeitung.example"] == 1


def queue_cli(room, path: Path, *args: str, now: str = "2030-01-01T10:00"):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["queue", "--root", str(room.root), "--queue", str(path),
                                    "--now", now, *args])


def test_cli_suppress_list_and_csv_export_in_the_site_time_zone(ledger_location, room, tmp_path: Path) -> None:
    path = ledger_location
    added = queue_cli(room, path, "suppress", "Weg@Zeitung.example", "--reason", "Anruf, Frau Weg")
    assert added.exit_code == 0 and added.output == "suppressed: weg@zeitung.example\n"
    again = queue_cli(room, path, "suppress", "weg@zeitung.example")
    assert again.exit_code == 0 and "already suppressed" in again.output
    assert queue_cli(room, path, "suppress", "x@y.example", now="2030-07-01T12:00").exit_code == 0
    table = queue_cli(room, path, "suppressed")
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    assert lines[0].split() == ["address", "since", "source", "reason"]
    assert lines[1].split() == ["weg@zeitung.example", "2030-01-01", "10:00", "CET", "manual", "Anruf,",
                                "Frau", "Weg"]
    assert "2030-07-01 12:00 CEST" in lines[2]
    assert lines[-1] == "2 suppressed address(es)"
    exported = queue_cli(room, path, "suppressed", "--csv")
    rows = list(csv.DictReader(io.StringIO(exported.output)))
    assert rows[0] == {"address": "weg@zeitung.example", "since": "2030-01-01T10:00:00+01:00",
                       "source": "manual", "reason": "Anruf, Frau Weg"}
    assert [r["address"] for r in rows] == ["weg@zeitung.example", "x@y.example"]
    removed = queue_cli(room, path, "unsuppress", "WEG@zeitung.example")
    assert removed.exit_code == 0 and "unsuppressed: weg@zeitung.example" in removed.output
    missing = queue_cli(room, path, "unsuppress", "weg@zeitung.example")
    assert missing.exit_code == 1 and "is not suppressed" in missing.output
    bad = queue_cli(room, path, "suppress", "not-an-address")
    assert bad.exit_code == 1 and "not an e-mail address" in bad.output and "Traceback" not in bad.output


def test_queue_list_and_status_show_times_in_the_site_time_zone(ledger_location, room, tmp_path: Path) -> None:
    room.add_settings(smtp_distribution(9, RECIPIENTS[:2]))
    room.ready("2030-01-01-eins", extra="embargo: 2030-01-03T10:00\n")
    path = ledger_location
    with open_queue(path) as queue:
        publish_fake(room.load(NOW), queue, tmp_path)
        job = queue.jobs()[0]
        queue.mark_sent(job.id, NOW + timedelta(hours=2))  # 11:00 UTC = 12:00 in Berlin
    listed = queue_cli(room, path, "list")
    assert listed.exit_code == 0, listed.output
    first, second = listed.output.splitlines()
    assert "due=2030-01-03 10:00 CET  sent=2030-01-01 12:00 CET" in first
    assert "due=2030-01-03 10:00 CET" in second and "sent=" not in second
    assert "Z" not in listed.output.replace("Zeitung", "").replace("zeitung", "")
    status = queue_cli(room, path, "status")
    row = next(line for line in status.output.splitlines() if line.startswith("2030-01-01-eins"))
    assert row.endswith("2030-01-03 10:00 CET  2030-01-01 12:00 CET")
