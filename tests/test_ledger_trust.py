"""The ledger knows when it cannot be trusted (issue 7, case 3).

A ledger CI throws away is refused, `make clean` keeps the ledger, and releases
older than ``distribution.max_age`` reach no mail server or website unless sent on
purpose (``queue send``) or recorded as distributed (``queue baseline``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from conftest import REPO, SLUG_2013, SLUG_2021
from distribution_support import NOW, SmtpServer, fake_outputs, publish_fake, smtp_distribution, smtp_server

from pressroom.cli_distribution import dispatch_command, publish_command, queue_group
from pressroom.publish import send_release
from pressroom.queue import open_queue
from pressroom.safeguards import in_ci
from pressroom.settings import load_settings

__all__ = ["smtp_server"]  # fixture used below

BERLIN = ZoneInfo("Europe/Berlin")
REFUSAL = (
    "publish refused: the ledger var/queue.sqlite3 lives in this checkout, which CI throws "
    "away after the run; every release would be sent again on the next push. Point "
    "PRESSROOM_QUEUE (or --queue) at a durable place (a PostgreSQL database, "
    "postgresql://user@host:port/db, or a path outside the checkout)"
)
# A moment in the past of every real clock: a dispatch there is real, not a simulation.
THEN = "2026-01-15T10:00"

MIXED = """\
distribution:
  channels:
    outbox: {{type: maildir, path: build/outbox}}
    mail: {{type: smtp, host: 127.0.0.1, port: {port}, security: none}}
  lists:
    intern: {{channel: outbox, recipients: [{{email: archiv@beispiel.example}}]}}
    presse: {{channel: mail, recipients: [{{email: nord@zeitung.example}}, {{email: sued@zeitung.example}}]}}
  default_lists: [intern, presse]
{extra}"""


def cli_env(**extra: str) -> dict[str, str]:
    """The environment of a pressroom process: this one's, without CI and PRESSROOM_QUEUE."""
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PRESSROOM_QUEUE")}
    return env | extra


def run_cli(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pressroom", *args, "--root", str(root)],
                          capture_output=True, text=True, env=cli_env(**env), cwd=root, timeout=120)


def today_release(room) -> str:  # type: ignore[no-untyped-def]
    """Write a ready release dated today (in the site's zone) and return its slug."""
    slug = f"{datetime.now(BERLIN).date().isoformat()}-meldung"
    room.ready(slug, title="Heute")
    return slug


# --- CI and a ledger inside the checkout ----------------------------------------------

@pytest.mark.parametrize(("value", "ci"), [("true", True), ("1", True), ("yes", True),
                                           ("false", False), ("0", False), ("", False)])
def test_ci_counts_as_set_unless_empty_false_or_zero(value: str, ci: bool) -> None:
    assert in_ci({"CI": value}) is ci
    assert in_ci({}) is False


def test_ci_refuses_a_ledger_inside_the_checkout_when_smtp_is_configured(room) -> None:  # type: ignore[no-untyped-def]
    room.add_settings(smtp_distribution(25, ["nord@zeitung.example"]))
    today_release(room)
    done = run_cli(room.root, "publish", CI="true")
    assert done.returncode == 1
    assert done.stderr.splitlines() == [REFUSAL]
    assert not (room.root / "var").exists()  # nothing queued, no ledger created
    assert not (room.root / "build").exists()  # refused before the build
    rehearsed = run_cli(room.root, "publish", "--dry-run", CI="true")  # promises no deliveries
    assert (rehearsed.returncode, rehearsed.stdout, rehearsed.stderr.splitlines()) == (1, "", [REFUSAL])


@pytest.mark.parametrize("command", ["send", "resend"])
def test_ci_refuses_queue_send_and_resend_into_a_ledger_inside_the_checkout(room, command: str) -> None:  # type: ignore[no-untyped-def]
    """They queue deliveries too: into a ledger CI throws away, every run would send again."""
    room.add_settings(smtp_distribution(25, ["nord@zeitung.example"]))
    slug = today_release(room)
    done = run_cli(room.root, "queue", command, slug, CI="true")
    assert done.returncode == 1
    assert done.stderr.splitlines() == [REFUSAL.replace("publish refused", f"{command} refused")]
    assert not (room.root / "var").exists()  # nothing queued, no ledger created


def test_ci_accepts_a_ledger_outside_the_checkout(room, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    room.add_settings(smtp_distribution(25, ["nord@zeitung.example"]))
    slug = today_release(room)
    durable = tmp_path / "durable" / "ledger.sqlite3"
    done = run_cli(room.root, "publish", CI="true", PRESSROOM_QUEUE=str(durable))
    assert done.returncode == 0, done.stderr
    assert f"queued {slug}: 1 job(s)" in done.stdout
    assert durable.is_file() and not (room.root / "var").exists()


def test_ci_lets_a_maildir_only_room_publish_into_its_checkout(sample_root: Path) -> None:
    done = run_cli(sample_root, "publish", CI="true")
    assert done.returncode == 0, done.stderr
    assert "2 release(s) queued (6 job(s))" in done.stdout
    assert (sample_root / "var" / "queue.sqlite3").is_file()


# --- make clean ----------------------------------------------------------------------

def test_make_clean_keeps_the_ledger_and_only_clean_ledger_deletes_it(tmp_path: Path) -> None:
    shutil.copy(REPO / "Makefile", tmp_path / "Makefile")
    ledger = tmp_path / "var" / "queue.sqlite3"
    ledger.parent.mkdir()
    ledger.write_bytes(b"the record of what was sent")
    (tmp_path / "build" / "public").mkdir(parents=True)
    subprocess.run(["make", "-s", "clean"], cwd=tmp_path, check=True, timeout=30)
    assert not (tmp_path / "build").exists()
    assert ledger.read_bytes() == b"the record of what was sent"
    subprocess.run(["make", "-s", "clean-ledger"], cwd=tmp_path, check=True, timeout=30)
    assert not ledger.exists()
    text = (REPO / "Makefile").read_text(encoding="utf-8")
    assert "goes out AGAIN" in text.split("clean-ledger:")[-2]  # the target says what it does


# --- distribution.max_age -------------------------------------------------------------

@pytest.mark.parametrize(("written", "age"), [("14d", timedelta(days=14)), ("36h", timedelta(hours=36)),
                                              ("3", timedelta(days=3))])
def test_max_age_is_days_or_hours(room, written: str, age: timedelta) -> None:  # type: ignore[no-untyped-def]
    room.add_settings(MIXED.format(port=25, extra=f"  max_age: {written}\n"))
    settings, problems = load_settings(room.root)
    assert settings is not None and settings.distribution.max_age == age, problems


def test_a_bad_max_age_is_an_error_at_its_line(room) -> None:  # type: ignore[no-untyped-def]
    path = room.add_settings(MIXED.format(port=25, extra="  max_age: 2 weeks\n"))
    settings, problems = load_settings(room.root)
    line = path.read_text(encoding="utf-8").splitlines().index("  max_age: 2 weeks") + 1
    assert settings is None
    assert [p.format(room.root) for p in problems] == [
        f"releases/pressroom.yaml:{line}: distribution.max_age: hier gehört ein Alter hin, etwa 14d (Tage) "
        "oder 36h (Stunden); hier steht '2 weeks'"]


def test_the_default_max_age_is_fourteen_days(room) -> None:  # type: ignore[no-untyped-def]
    room.add_settings(MIXED.format(port=25, extra=""))
    settings, _ = load_settings(room.root)
    assert settings is not None and settings.distribution.max_age == timedelta(days=14)


def test_an_old_release_goes_only_to_maildir_and_publish_says_how_to_send_it(ledger_location,
    room, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    room.add_settings(MIXED.format(port=25, extra="  max_age: 36h\n"))
    room.ready("2029-12-30-alt", title="Alt")  # public since 2029-12-30 00:00 Berlin: 57 h at NOW
    room.ready("2029-12-31-frisch", title="Frisch")  # 33 h at NOW: within 36h
    with open_queue(ledger_location) as queue:
        report = publish_fake(room.load(NOW), queue, tmp_path)
        jobs = {(j.slug, j.channel) for j in queue.jobs()}
    assert jobs == {("2029-12-30-alt", "outbox"), ("2029-12-31-frisch", "outbox"),
                    ("2029-12-31-frisch", "mail")}
    assert "not queued: 2029-12-30-alt is older than max_age (public since 2029-12-30); " \
           "`pressroom queue send 2029-12-30-alt` sends it on purpose, " \
           "`pressroom queue baseline` records it as distributed" in report.lines()


def test_max_age_counts_from_the_embargo_when_it_is_later_than_the_date(ledger_location,
    room, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    room.add_settings(MIXED.format(port=25, extra="  max_age: 36h\n"))
    room.ready("2029-12-01-sperre", extra="embargo: 2029-12-31T12:00\n")  # dated a month ago
    with open_queue(ledger_location) as queue:
        report = publish_fake(room.load(NOW), queue, tmp_path)
        assert report.too_old == {}
        assert {j.channel for j in queue.jobs()} == {"outbox", "mail"}


def test_queue_send_is_idempotent_and_refuses_a_changed_release(ledger_location, room, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    room.add_settings(MIXED.format(port=25, extra=""))
    room.ready("2029-01-01-alt", title="Alt")
    pressroom = room.load(NOW)
    outputs = fake_outputs(tmp_path / "build")
    with open_queue(ledger_location) as queue:
        publish_fake(pressroom, queue, tmp_path)  # the Maildir job only
        assert send_release(pressroom, outputs, queue, "2029-01-01-alt", NOW) == (1, 2)
        assert send_release(pressroom, outputs, queue, "2029-01-01-alt", NOW) == (1, 0)
        assert sorted(j.email for j in queue.jobs()) == [
            "archiv@beispiel.example", "nord@zeitung.example", "sued@zeitung.example"]
        room.ready("2029-01-01-alt", title="Alt, korrigiert")
        from pressroom.errors import UserError

        with pytest.raises(UserError, match="queue resend 2029-01-01-alt"):
            send_release(room.load(NOW), outputs, queue, "2029-01-01-alt", NOW)


def sample_on_smtp(sample_root: Path, port: int) -> None:
    """Point the sample's lists at a real SMTP server instead of its Maildir."""
    settings = sample_root / "releases" / "pressroom.yaml"
    text = settings.read_text(encoding="utf-8")
    text = text.replace("outbox: {type: maildir, path: build/outbox}",
                        f"mail: {{type: smtp, host: 127.0.0.1, port: {port}, security: none}}")
    settings.write_text(text.replace("channel: outbox", "channel: mail"), encoding="utf-8")


def test_an_imported_archive_is_not_mailed_until_sent_on_purpose_or_recorded(ledger_location,
    sample_root: Path, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    sample_on_smtp(sample_root, smtp_server.port)
    runner = CliRunner()
    base = ["--root", str(sample_root), "--queue", str(ledger_location), "--now", THEN]

    first = runner.invoke(publish_command, base)
    assert first.exit_code == 0, first.output
    assert "0 release(s) queued (0 job(s))" in first.output
    assert f"not queued: {SLUG_2013} is older than max_age (public since 2013-01-08)" in first.output
    assert runner.invoke(dispatch_command, [*base, "--once"]).output.endswith("0 sent, 0 to retry, 0 dead\n")
    assert smtp_server.handler.received == []  # the 2013 release is not mailed today

    sent = runner.invoke(queue_group, [*base, "send", SLUG_2013])
    assert sent.exit_code == 0, sent.output
    assert f"send {SLUG_2013}: 3 job(s) queued (revision 1)" in sent.output
    delivered = runner.invoke(dispatch_command, [*base, "--once"])
    assert "dispatch: 3 sent" in delivered.output, delivered.output
    subjects = {r.message["Subject"] for r in smtp_server.handler.received}
    assert len(smtp_server.handler.received) == 3 and len(subjects) == 1  # the 2013 release only

    baseline = runner.invoke(queue_group, [*base, "baseline"])
    assert baseline.exit_code == 0, baseline.output
    assert "baseline: 1 release(s) recorded as distributed without sending, 1 already in the ledger" \
        in baseline.output
    again = runner.invoke(publish_command, base)
    assert "0 release(s) queued (0 job(s)), 2 already queued" in again.output
    assert "older than max_age" not in again.output
    runner.invoke(dispatch_command, [*base, "--once"])
    assert len(smtp_server.handler.received) == 3  # nothing more went out
    status = runner.invoke(queue_group, [*base, "status"])
    assert "baseline: 1 release(s) recorded as distributed without sending" in status.output
    assert SLUG_2021 not in status.output.split("total")[0]  # no jobs of its own


def test_publish_points_a_release_changed_since_its_baseline_to_queue_send(ledger_location, room, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Nobody got the baselined text through pressroom: `queue resend` has nothing to
    correct, so publish names `queue send` instead."""
    room.add_settings(MIXED.format(port=25, extra=""))
    room.ready("2029-06-01-alt", title="Alt")
    runner = CliRunner()
    base = ["--root", str(room.root), "--queue", str(ledger_location), "--now", "2030-01-01T10:00"]
    assert runner.invoke(queue_group, [*base, "baseline"]).exit_code == 0
    room.ready("2029-06-01-alt", title="Alt, korrigiert")
    published = runner.invoke(publish_command, base)
    assert published.exit_code == 0, published.output
    assert ("changed since `queue baseline` recorded it: 2029-06-01-alt (pressroom sent it to nobody; "
            "`pressroom queue send 2029-06-01-alt` sends the current text on purpose)") in published.output
    assert "queue resend" not in published.output and ", 1 changed," in published.output
    resent = runner.invoke(queue_group, [*base, "resend", "2029-06-01-alt"])
    assert resent.exit_code == 1 and "nothing to correct" in resent.output


def test_baseline_leaves_a_release_not_yet_public_to_publish(ledger_location, room, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    room.add_settings(MIXED.format(port=25, extra=""))
    room.ready("2029-06-01-alt", title="Alt")
    room.ready("2030-01-01-sperre", title="Sperre", extra="embargo: 2030-01-03T10:00\n")
    runner = CliRunner()
    base = ["--root", str(room.root), "--queue", str(ledger_location), "--now", "2030-01-01T10:00"]
    done = runner.invoke(queue_group, [*base, "baseline"])
    assert done.exit_code == 0, done.output
    assert "not recorded: 2030-01-01-sperre is not public yet (publish queues it)" in done.output
    assert "baseline: 1 release(s) recorded" in done.output
    published = runner.invoke(publish_command, base)
    assert "queued 2030-01-01-sperre: 3 job(s)" in published.output
    assert "1 already queued" in published.output
    with open_queue(ledger_location) as queue:
        assert {j.slug for j in queue.jobs()} == {"2030-01-01-sperre"}
        assert list(queue.baselines()) == ["2029-06-01-alt"]


def test_an_old_ledger_gains_the_baseline_column_on_open(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE editions (slug TEXT NOT NULL, revision INTEGER NOT NULL, content_hash"
               " TEXT NOT NULL, meta TEXT NOT NULL, created_at REAL NOT NULL,"
               " PRIMARY KEY (slug, revision))")
    # The record as the first version wrote it (no public_from yet).
    meta = ('{"title": "X", "number": "1/2020", "language": "de", "published": "2020-01-01T00:00:00+01:00",'
            ' "embargo": null, "from_name": "Presse", "from_email": "presse@example.org", "host": "example.org",'
            ' "lead": null, "reply_to_name": null, "reply_to_email": null, "urls": {}, "slug": "2020-01-01-x",'
            ' "revision": 1}')
    db.execute("INSERT INTO editions VALUES ('2020-01-01-x', 1, 'h', ?, 0)", (meta,))
    db.commit()
    db.close()
    with open_queue(path) as queue:
        assert queue.baselines() == {}
        assert queue.latest_edition("2020-01-01-x") is not None

