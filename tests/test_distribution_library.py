"""Distribution as a library: ``resend_release`` does what ``queue resend`` does without
the CLI; ``queue retry`` and ``queue cancel`` need only the site's time zone, so a broken
or missing recipient CSV never blocks recalling or retrying a release."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from pressroom.cli import cli
from pressroom.errors import CheckFailed, UserError
from pressroom.publish import publish, resend_release
from pressroom.queue import SqliteQueue

NOW = datetime(2030, 1, 1, 11, 0, tzinfo=UTC)
LATER = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
SLUG = "2030-01-01-netz"
DISTRIBUTION = """\
distribution:
  channels:
    outbox: {type: maildir}
  lists:
    presse: {channel: outbox, csv: liste.csv}
  default_lists: [presse]
"""


@pytest.fixture
def published(room, tmp_path: Path) -> Path:
    """A press room whose release was published and delivered into its Maildir."""
    (room.releases / "liste.csv").write_text("name,email\nNord,nord@zeitung.example\n"
                                             "Süd,sued@zeitung.example\n", encoding="utf-8")
    room.add_settings(DISTRIBUTION)
    room.ready(SLUG, title="Ein Netz")
    ledger = tmp_path / "ledger.sqlite3"
    with SqliteQueue(ledger) as queue:
        assert publish(room.root, queue, NOW).queued == {SLUG: 2}
    done = CliRunner().invoke(cli, ["dispatch", "--once", "--root", str(room.root), "--queue", str(ledger),
                                    "--now", NOW.isoformat()])
    assert "dispatch: 2 sent" in done.output, done.output
    return ledger


def test_resend_release_queues_a_correction_to_everyone_who_received_it(room, published: Path) -> None:
    room.ready(SLUG, title="Ein Netz, berichtigt")
    with SqliteQueue(published) as queue:
        resent = resend_release(room.root, queue, SLUG, LATER)
        jobs = queue.jobs(SLUG)
    assert (resent.revision, resent.queued, resent.recalled) == (2, 2, 0)
    assert resent.line() == f"resend {SLUG}: revision 2 queued (2 job(s))"
    corrections = [job for job in jobs if job.revision == 2]
    first = {job.email: job.key for job in jobs if job.revision == 1}
    assert {job.email: job.replaces for job in corrections} == first


def test_resend_release_refuses_a_draft_and_a_press_room_with_errors(room, published: Path) -> None:
    with SqliteQueue(published) as queue:
        room.release(SLUG, f"title: Ein Netz\ndate: {SLUG[:10]}\nstatus: draft\n")
        with pytest.raises(UserError, match="is a draft"):
            resend_release(room.root, queue, SLUG, LATER)
        room.release(SLUG, "title: [kaputt\nstatus: ready\n")  # ready: a broken draft is left out
        with pytest.raises(CheckFailed):
            resend_release(room.root, queue, SLUG, LATER)


def test_cancel_and_retry_work_while_the_recipient_csv_is_missing(room, published: Path) -> None:
    room.ready(SLUG, title="Ein Netz, berichtigt")
    with SqliteQueue(published) as queue:
        resend_release(room.root, queue, SLUG, LATER)  # two corrections wait
    (room.releases / "liste.csv").unlink()  # every command that loads the settings now fails
    common = ["--root", str(room.root), "--queue", str(published), "--now", "2030-01-01T13:30"]
    runner = CliRunner()
    assert runner.invoke(cli, ["dispatch", "--once", *common]).exit_code == 1

    cancelled = runner.invoke(cli, ["queue", *common, "cancel", SLUG])
    assert cancelled.exit_code == 0, cancelled.output
    assert cancelled.output.startswith(f"cancel {SLUG}: 2 job(s) recalled")
    retried = runner.invoke(cli, ["queue", *common, "retry", "--state", "cancelled"])
    assert retried.exit_code == 0, retried.output
    assert retried.output.startswith("retry: 2 cancelled job(s) due again")
    with SqliteQueue(published) as queue:
        due = {job.not_before for job in queue.jobs(SLUG, "pending")}
    # --now without an offset is in the site's zone (Europe/Berlin: UTC+1 in January).
    assert due == {datetime(2030, 1, 1, 12, 30, tzinfo=UTC)}
