"""Recalls reach every job not yet delivered, and the ledger says why a job did not go out."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner
from distribution_support import NOW, SmtpServer, publish_fake, smtp_distribution, smtp_server

from pressroom.cli_distribution import queue_group
from pressroom.dispatch import Dispatcher
from pressroom.queue import open_queue

__all__ = ["smtp_server"]  # fixture used below

SLUG = "2030-01-01-rueckruf"
LEASE = timedelta(minutes=5)
RECIPIENTS = ["nord@zeitung.example", "sued@zeitung.example", "west@zeitung.example"]


def queued(room, tmp_path: Path, port: int, path):  # type: ignore[no-untyped-def]
    room.add_settings(smtp_distribution(port, RECIPIENTS))
    room.ready(SLUG, title="Rückruf")
    with open_queue(path) as queue:
        assert publish_fake(room.load(NOW), queue, tmp_path).queued == {SLUG: 3}
    return path


def cancel(room, path: Path, at: str) -> str:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(queue_group, ["--root", str(room.root), "--queue", str(path),
                                              "--now", at, "cancel", SLUG])
    assert result.exit_code == 0, result.output
    return result.output


def test_cancel_recalls_a_job_whose_dispatcher_died_under_its_lease(ledger_location,
    room, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    path = queued(room, tmp_path, smtp_server.port, ledger_location)
    with open_queue(path) as queue:
        abandoned = queue.claim(NOW, LEASE, "killed-dispatcher")  # then SIGKILL: never marked
        assert abandoned is not None
    output = cancel(room, path, "2030-01-01T10:07")  # 09:07 UTC: the lease ran out at 09:05
    assert f"cancel {SLUG}: 3 job(s) recalled" in output
    assert "in flight" not in output
    with open_queue(path) as queue:
        settings = room.load(NOW).settings
        report = Dispatcher(queue, settings, lambda: NOW + timedelta(minutes=30)).run_once()
        assert report.attempted == 0
        assert Counter(j.state for j in queue.jobs()) == Counter(cancelled=3)
        assert {j.last_error for j in queue.jobs()} == {"recalled: pressroom queue cancel"}
    assert smtp_server.handler.received == []


def test_a_job_in_flight_at_the_recall_is_cancelled_and_reported_as_possibly_sent(ledger_location,
    room, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    path = queued(room, tmp_path, smtp_server.port, ledger_location)
    with open_queue(path) as queue:
        delivering = queue.claim(NOW, LEASE, "alive")
        failing = queue.claim(NOW, LEASE, "alive-too")
        assert delivering is not None and failing is not None
    output = cancel(room, path, "2030-01-01T10:01")  # both leases still live
    assert f"cancel {SLUG}: 3 job(s) recalled" in output
    assert "in flight at the moment of the recall (2), may have gone out:" in output
    assert f"  {delivering.email} (presse, mail)" in output
    with open_queue(path) as queue:
        # The first dispatcher's message did go out: the ledger says so.
        queue.mark_sent(delivering.id, NOW + timedelta(minutes=2))
        # The second one failed: it must not come back for a retry.
        queue.mark_failed(failing.id, "alive-too", NOW + timedelta(minutes=2), "421 busy",
                          NOW + timedelta(minutes=3))
        assert Counter(j.state for j in queue.jobs()) == Counter(cancelled=2, sent=1)
        assert queue.claim(NOW + timedelta(hours=1), LEASE, "later") is None


def test_queue_status_says_why_jobs_were_cancelled(ledger_location, room, tmp_path: Path, smtp_server: SmtpServer) -> None:
    path = queued(room, tmp_path, smtp_server.port, ledger_location)
    draft = room.releases / f"{SLUG}.md"
    draft.write_text(draft.read_text(encoding="utf-8").replace("status: ready", "status: draft"))
    with open_queue(path) as queue:
        report = publish_fake(room.load(NOW), queue, tmp_path)
    assert report.lines()[0] == f"withdrawn: status is draft {SLUG}: 3 unsent job(s) cancelled"
    assert report.lines()[-1].endswith("1 draft(s) skipped, 1 withdrawn")
    result = CliRunner().invoke(queue_group, ["--root", str(room.root), "--queue", str(path), "status"])
    assert result.exit_code == 0, result.output
    assert f"{SLUG}: 3 cancelled (withdrawn: status is draft)" in result.output.splitlines()


def test_a_withdrawn_release_made_ready_again_is_not_sent_until_its_jobs_are_retried(ledger_location,
    room, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    path = queued(room, tmp_path, smtp_server.port, ledger_location)
    release = room.releases / f"{SLUG}.md"
    ready = release.read_text(encoding="utf-8")
    release.write_text(ready.replace("status: ready", "status: draft"))
    with open_queue(path) as queue:
        publish_fake(room.load(NOW), queue, tmp_path)
    release.write_text(ready)
    with open_queue(path) as queue:
        report = publish_fake(room.load(NOW), queue, tmp_path)
        assert report.reinstated == [SLUG] and report.queued == {}
        assert any(line.startswith(f"ready again after a withdrawal: {SLUG}") for line in report.lines())
        settings = room.load(NOW).settings
        assert Dispatcher(queue, settings, lambda: NOW).run_once().attempted == 0
        queue.retry(queue.jobs(SLUG)[0].id, NOW)  # on purpose, one recipient
        assert Dispatcher(queue, settings, lambda: NOW).run_once().sent == 1
    assert len(smtp_server.handler.received) == 1


DISPATCH_SCRIPT = """\
import sys
from datetime import datetime
from pathlib import Path
from pressroom.dispatch import Dispatcher
from pressroom.gate import Gate
from pressroom.queue import open_queue
from pressroom.settings import load_settings
root, ledger, at = Path(sys.argv[1]), sys.argv[2], datetime.fromisoformat(sys.argv[3])
settings, _ = load_settings(root)
with open_queue(ledger) as queue:
    Dispatcher(queue, settings, lambda: at, gate=Gate(root)).run_once()
"""


def test_a_recall_after_sigkill_reaches_the_job_the_dead_dispatcher_held(ledger_location,
    room, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    recipients = [f"redaktion{i:02d}@zeitung.example" for i in range(40)]
    room.add_settings(smtp_distribution(smtp_server.port, recipients))
    room.ready(SLUG, title="Rückruf")
    path = ledger_location
    with open_queue(path) as queue:
        publish_fake(room.load(NOW), queue, tmp_path)
    handler = smtp_server.handler
    handler.delay = 0.05  # a slow server, so the kill lands mid-run
    process = subprocess.Popen([sys.executable, "-c", DISPATCH_SCRIPT, str(room.root), str(path),
                                NOW.isoformat()], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while handler.count < 3:
        assert time.monotonic() < deadline and process.poll() is None, process.stderr
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    time.sleep(0.2)  # let the server finish the message it had in hand
    delivered = handler.count
    with open_queue(path) as queue:
        held = queue.jobs(SLUG, "sending")
    assert len(held) <= 1 and delivered < len(recipients)
    output = cancel(room, path, "2030-01-01T10:01")  # the dead dispatcher's lease looks live
    if held:  # nearly always: the kill lands while the slow server holds a message
        assert "in flight at the moment of the recall (1), may have gone out:" in output
    with open_queue(path) as queue:
        late = NOW + timedelta(minutes=30)  # long after the lease ran out
        assert Dispatcher(queue, room.load(NOW).settings, lambda: late).run_once().attempted == 0
        states = Counter(j.state for j in queue.jobs())
    assert set(states) <= {"sent", "cancelled"} and states["cancelled"] >= len(recipients) - delivered
    assert handler.count == delivered  # nothing went out after the recall
