"""No early sends (issue 7, case 4): a future --now is a simulation, dry runs change nothing.

Each test runs against a real aiosmtpd server, a real HTTP receiver and a real
Maildir in one press room, with the real clock deciding what "the future" is.
"""

from __future__ import annotations

import hashlib
import mailbox
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.utils import parsedate_to_datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from distribution_support import (
    SmtpServer,
    WebhookServer,
    fake_outputs,
    free_port,
    hook_secret,
    publish_fake,
    smtp_server,
    webhook_server,
)

from pressroom.cli_distribution import dispatch_command, publish_command
from pressroom.mail import MessageBuilder
from pressroom.publish import make_edition, plan_jobs
from pressroom.queue import Job, SqliteQueue

__all__ = ["hook_secret", "smtp_server", "webhook_server"]  # fixtures used below
pytestmark = pytest.mark.usefixtures("hook_secret")  # the webhook channel here names it

BERLIN = ZoneInfo("Europe/Berlin")
THREE = """\
distribution:
  channels:
    outbox: {{type: maildir, path: build/outbox}}
    mail: {{type: smtp, host: 127.0.0.1, port: {port}, security: none}}
    website: {{type: webhook, url: "{url}", secret_env: PRESSROOM_TEST_HOOK_SECRET}}
  lists:
    intern: {{channel: outbox, recipients: [{{email: archiv@beispiel.example}}]}}
    presse: {{channel: mail, recipients: [{{email: nord@zeitung.example}}, {{email: sued@zeitung.example}}]}}
    web: {{channel: website}}
  default_lists: [intern, presse, web]
"""


def real_now() -> datetime:
    """The real clock, to the second (the CLI's --now takes no microseconds)."""
    return datetime.now(UTC).replace(microsecond=0)


def local_text(moment: datetime) -> str:
    return moment.astimezone(BERLIN).strftime("%Y-%m-%dT%H:%M:%S")


def three_channel_room(room, tmp_path: Path, smtp: SmtpServer, hook: WebhookServer,  # type: ignore[no-untyped-def]
                       extra: str = "") -> tuple[Path, str, datetime]:
    """A release dated today, queued now on a Maildir, an SMTP and a webhook channel."""
    room.add_settings(THREE.format(port=smtp.port, url=hook.url))
    now = real_now()
    slug = f"{now.astimezone(BERLIN).date().isoformat()}-meldung"
    room.ready(slug, title="Heute", extra=extra)
    ledger = tmp_path / "q.sqlite3"
    with SqliteQueue(ledger) as queue:
        publish_fake(room.load(now), queue, tmp_path, now)
    return ledger, slug, now


def maildir_messages(root: Path) -> list:  # type: ignore[type-arg]
    box = mailbox.Maildir(root / "build" / "outbox", create=False)
    return [message_from_bytes(m.as_bytes(), policy=policy.default) for m in box]


def states(ledger: Path) -> Counter[tuple[str, str, int]]:
    with SqliteQueue(ledger) as queue:
        return Counter((j.channel, j.state, j.attempts) for j in queue.jobs())


def fingerprint(path: Path) -> tuple[str, int]:
    """The SQLite ledger file's bytes and mtime (PostgreSQL's dry run: test_ledger_postgres.py)."""
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def test_a_future_now_delivers_only_into_the_maildir(
    room, tmp_path: Path, smtp_server: SmtpServer, webhook_server: WebhookServer  # type: ignore[no-untyped-def]
) -> None:
    ledger, slug, _ = three_channel_room(room, tmp_path, smtp_server, webhook_server)
    future = local_text(real_now() + timedelta(days=8))
    args = ["--root", str(room.root), "--queue", str(ledger), "--once", "--now", future]
    simulated = CliRunner().invoke(dispatch_command, args)
    assert simulated.exit_code == 0, simulated.output
    assert smtp_server.handler.received == [] and webhook_server.hits == []
    assert [str(m["To"]) for m in maildir_messages(room.root)] == ["archiv@beispiel.example"]
    lines = simulated.output.splitlines()
    assert ("--now is in the future: simulation; channel 'mail' not used (it would send real mail "
            "before its time); only the channels that stay on this machine deliver: outbox") in lines
    assert (f"--now is in the future: simulation; channel 'website' not used (it would post to "
            f"{webhook_server.url} before its time); only the channels that stay on this machine deliver: outbox") in lines
    assert "dispatch: 1 sent, 0 to retry, 0 dead" in lines
    # The other channels' jobs were not claimed, so not tried: they wait for the real moment.
    assert states(ledger) == Counter({("outbox", "sent", 1): 1, ("mail", "pending", 0): 2,
                                      ("website", "pending", 0): 1})
    real = CliRunner().invoke(dispatch_command, ["--root", str(room.root), "--queue", str(ledger),
                                                 "--once"])
    assert "dispatch: 3 sent" in real.output, real.output
    assert sorted(a for r in smtp_server.handler.received for a in r.rcpt_tos) == [
        "nord@zeitung.example", "sued@zeitung.example"]
    assert [hit.json["slug"] for hit in webhook_server.hits] == [slug]


def test_a_now_within_a_minute_of_the_clock_is_real(
    room, tmp_path: Path, smtp_server: SmtpServer, webhook_server: WebhookServer  # type: ignore[no-untyped-def]
) -> None:
    ledger, _, _ = three_channel_room(room, tmp_path, smtp_server, webhook_server)
    soon = local_text(real_now() + timedelta(seconds=20))
    done = CliRunner().invoke(dispatch_command, ["--root", str(room.root), "--queue", str(ledger),
                                                 "--once", "--now", soon])
    assert "simulation" not in done.output
    assert "dispatch: 4 sent" in done.output, done.output
    assert len(smtp_server.handler.received) == 2 and len(webhook_server.hits) == 1


def test_a_simulated_embargo_shows_in_the_maildir_but_not_at_the_mail_server(
    room, tmp_path: Path, smtp_server: SmtpServer, webhook_server: WebhookServer  # type: ignore[no-untyped-def]
) -> None:
    embargo = (real_now() + timedelta(days=8)).astimezone(BERLIN).replace(second=0, tzinfo=None)
    ledger, _, _ = three_channel_room(room, tmp_path, smtp_server, webhook_server,
                                      extra=f"embargo: {embargo.isoformat()}\n")
    after = (embargo + timedelta(minutes=1)).isoformat()
    before = datetime.now(UTC)
    CliRunner().invoke(dispatch_command, ["--root", str(room.root), "--queue", str(ledger),
                                          "--once", "--now", after])
    built_by = datetime.now(UTC)
    assert smtp_server.handler.received == [] and webhook_server.hits == []
    (message,) = maildir_messages(room.root)
    # The job is due at the embargo, in December say; the message was written today.
    date = parsedate_to_datetime(message["Date"])
    assert before.replace(microsecond=0) <= date <= built_by


def test_the_date_header_is_never_in_the_future_and_the_message_id_stays(room, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    room.ready("2030-01-01-meldung", title="Später")
    pressroom = room.load()
    release = pressroom.releases[0]
    now = datetime(2029, 12, 1, 9, 0, tzinfo=UTC)
    outputs = fake_outputs(tmp_path / "build")(release.slug)
    edition = make_edition(release, pressroom.settings, outputs, 1, now)
    (new,) = plan_jobs(release, pressroom.settings, datetime(2030, 1, 1, 9, 0, tzinfo=UTC))
    job = Job(1, new.key(release.slug, 1), release.slug, 1, new.list_name, new.channel, new.email,
              new.name, "pending", new.not_before, 0, "", None, "", now, now, None)
    early = message_from_bytes(MessageBuilder(clock=lambda: now).build(edition, job))
    late = message_from_bytes(MessageBuilder(clock=lambda: now + timedelta(days=90))
                              .build(edition, replace(job, attempts=2)))
    assert parsedate_to_datetime(early["Date"]) == now  # built before it was due: the build time
    assert parsedate_to_datetime(late["Date"]) == job.not_before  # once due: the fixed due time
    assert early["Message-ID"] == late["Message-ID"]


# --- dry runs ---------------------------------------------------------------------------

def test_publish_dry_run_prints_whom_when_and_how_and_creates_nothing(
    room, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    room.add_settings(THREE.format(port=25, url="https://www.beispiel.example/hooks/press"))
    room.ready("2030-01-01-sperre", title="Zahlen", extra="embargo: 2030-01-03T10:00\n")
    ledger = tmp_path / "q.sqlite3"
    args = ["--root", str(room.root), "--queue", str(ledger), "--now", "2030-01-01T09:00"]
    done = CliRunner().invoke(publish_command, [*args, "--dry-run"])
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    assert lines[0] == "publish --dry-run at 2030-01-01 09:00 CET: nothing is built, queued or sent"
    slug = "2030-01-01-sperre"
    assert set(lines[1:5]) == {
        f"would queue {slug} -> archiv@beispiel.example via outbox (intern), due 2030-01-03 10:00 CET",
        f"would queue {slug} -> nord@zeitung.example via mail (presse), due 2030-01-03 10:00 CET",
        f"would queue {slug} -> sued@zeitung.example via mail (presse), due 2030-01-03 10:00 CET",
        f"would queue {slug} -> https://www.beispiel.example/hooks/press via website (web), "
        "due 2030-01-03 10:00 CET",
    }
    assert f"  queued {slug}: 4 job(s)" in lines
    assert not ledger.exists() and not (room.root / "build").exists()
    assert not (room.root / "var").exists()


def test_publish_dry_run_leaves_an_existing_ledger_untouched(room, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    room.add_settings(THREE.format(port=25, url="https://www.beispiel.example/hooks/press"))
    room.ready("2030-01-01-eins", title="Eins")
    ledger = tmp_path / "q.sqlite3"
    with SqliteQueue(ledger) as queue:
        publish_fake(room.load(), queue, tmp_path)
    room.ready("2030-01-01-zwei", title="Zwei")
    before = fingerprint(ledger)
    done = CliRunner().invoke(publish_command, ["--root", str(room.root), "--queue", str(ledger),
                                                "--now", "2030-01-01T10:00", "--dry-run"])
    assert done.exit_code == 0, done.output
    assert "would queue 2030-01-01-zwei -> nord@zeitung.example via mail (presse), " \
           "due 2030-01-01 10:00 CET" in done.output
    assert "would queue 2030-01-01-eins" not in done.output
    assert "1 release(s) queued (4 job(s)), 1 already queued" in done.output
    assert fingerprint(ledger) == before
    with SqliteQueue(ledger) as queue:
        assert {j.slug for j in queue.jobs()} == {"2030-01-01-eins"}


def test_publish_dry_run_reports_check_errors_and_fails(room, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    room.release("2030-01-01-kaputt", "title: Kaputt\ndate: 2030-01-01\nstatus: ready\ncontcts: []")
    done = CliRunner().invoke(publish_command, ["--root", str(room.root), "--queue",
                                                str(tmp_path / "q.sqlite3"), "--dry-run"])
    assert done.exit_code == 1
    assert "contcts: unbekannter Schlüssel" in done.output
    assert not (tmp_path / "q.sqlite3").exists()


def test_dispatch_dry_run_lists_the_due_jobs_per_channel_and_claims_none(
    room, tmp_path: Path, smtp_server: SmtpServer, webhook_server: WebhookServer  # type: ignore[no-untyped-def]
) -> None:
    ledger, slug, queued_at = three_channel_room(room, tmp_path, smtp_server, webhook_server)
    before = fingerprint(ledger)
    done = CliRunner().invoke(dispatch_command, ["--root", str(room.root), "--queue", str(ledger),
                                                 "--dry-run"])
    assert done.exit_code == 0, done.output
    due = queued_at.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M %Z")
    lines = done.output.splitlines()
    assert lines[1:] == [
        "channel 'mail': 2 due",
        f"  would send {slug} -> nord@zeitung.example (presse), due {due}",
        f"  would send {slug} -> sued@zeitung.example (presse), due {due}",
        "channel 'outbox': 1 due",
        f"  would send {slug} -> archiv@beispiel.example (intern), due {due}",
        "channel 'website': 1 due",
        f"  would send {slug} -> {webhook_server.url} (web), due {due}",
        "dispatch --dry-run: 4 job(s) due",
    ]
    assert smtp_server.handler.received == [] and webhook_server.hits == []
    assert not (room.root / "build" / "outbox").exists()
    assert fingerprint(ledger) == before
    assert states(ledger) == Counter({("outbox", "pending", 0): 1, ("mail", "pending", 0): 2,
                                      ("website", "pending", 0): 1})


def test_dispatch_dry_run_at_a_future_now_marks_the_channels_a_simulation_skips(
    room, tmp_path: Path, smtp_server: SmtpServer, webhook_server: WebhookServer  # type: ignore[no-untyped-def]
) -> None:
    ledger, _, _ = three_channel_room(room, tmp_path, smtp_server, webhook_server)
    future = local_text(real_now() + timedelta(days=2))
    done = CliRunner().invoke(dispatch_command, ["--root", str(room.root), "--queue", str(ledger),
                                                 "--dry-run", "--now", future])
    assert "channel 'mail': 2 due (not used: --now is in the future)" in done.output
    assert "channel 'outbox': 1 due\n" in done.output
    assert not (room.root / "build" / "outbox").exists()


def test_dispatch_dry_run_says_which_jobs_the_gate_would_cancel(
    room, tmp_path: Path, smtp_server: SmtpServer, webhook_server: WebhookServer  # type: ignore[no-untyped-def]
) -> None:
    ledger, slug, _ = three_channel_room(room, tmp_path, smtp_server, webhook_server)
    (room.releases / f"{slug}.md").unlink()  # withdrawn after publish, before dispatch
    done = CliRunner().invoke(dispatch_command, ["--root", str(room.root), "--queue", str(ledger),
                                                 "--dry-run"])
    assert done.exit_code == 0, done.output
    assert "would send" not in done.output
    assert done.output.count("would cancel (withdrawn: release file deleted)") == 4
    assert states(ledger)[("mail", "pending", 0)] == 2  # the dry run changed nothing


def test_dispatch_dry_run_without_a_ledger_creates_none(room, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ledger = tmp_path / "nowhere" / "q.sqlite3"
    done = CliRunner().invoke(dispatch_command, ["--root", str(room.root), "--queue", str(ledger),
                                                 "--dry-run"])
    assert done.exit_code == 0, done.output
    assert done.output.splitlines()[-1] == "dispatch --dry-run: 0 job(s) due"
    assert not ledger.parent.exists()


def test_dispatch_dry_run_names_a_paused_channel_and_its_waiting_jobs(
    room, tmp_path: Path, webhook_server: WebhookServer  # type: ignore[no-untyped-def]
) -> None:
    closed = SimpleNamespace(port=free_port())  # nothing listens: the mail channel is down
    ledger, _, _ = three_channel_room(room, tmp_path, closed, webhook_server)  # type: ignore[arg-type]
    args = ["--root", str(room.root), "--queue", str(ledger)]
    real = CliRunner().invoke(dispatch_command, [*args, "--once"])
    assert real.exit_code == 3, real.output  # mail paused, the others delivered
    done = CliRunner().invoke(dispatch_command, [*args, "--dry-run"])
    assert done.exit_code == 0, done.output
    (line,) = [line for line in done.output.splitlines() if line.startswith("channel 'mail'")]
    assert " (2 job(s) waiting, none would be sent): connecting to 127.0.0.1:" in line
    assert "Connection refused" in line
    assert done.output.splitlines()[-1] == "dispatch --dry-run: 0 job(s) due"
    assert states(ledger)[("mail", "pending", 0)] == 2
