"""The rate limit lives in the queue: slots shared by every dispatcher of one queue file."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from distribution_support import PAST, SmtpServer, publish_fake, smtp_distribution, smtp_server

from pressroom.queue import open_queue

__all__ = ["smtp_server"]  # fixture used below


def test_slots_of_one_channel_are_spaced_across_queue_connections(ledger_location, tmp_path: Path) -> None:
    path = ledger_location
    with open_queue(path) as one, open_queue(path) as two:
        taken = [one.take_slot("mail", 0.1, 100.0), two.take_slot("mail", 0.1, 100.0),
                 one.take_slot("mail", 0.1, 100.05)]
        assert taken == pytest.approx([100.0, 100.1, 100.2])  # no slot is handed out twice
        assert two.take_slot("hook", 0.1, 100.0) == 100.0  # each channel has its own
        assert one.take_slot("mail", 0.1, 500.0) == 500.0  # an idle channel has no debt to pay
        # A wall clock set back an hour does not leave the channel waiting an hour.
        assert two.take_slot("mail", 0.1, 500.1 - 3600) <= 500.1 - 3600 + 64 * 0.1


def test_three_dispatcher_processes_together_keep_to_rate_per_minute(ledger_location,
    room, tmp_path: Path, smtp_server: SmtpServer  # type: ignore[no-untyped-def]
) -> None:
    recipients = [f"redaktion{i:02d}@zeitung.example" for i in range(36)]
    settings = smtp_distribution(smtp_server.port, recipients).replace(
        "rate_per_minute: 60000", "rate_per_minute: 600")  # 10 a second
    room.add_settings(settings)
    room.ready("2026-01-05-meldung", title="Zahlen")
    path = ledger_location
    with open_queue(path) as queue:
        publish_fake(room.load(PAST), queue, tmp_path, PAST)
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "pressroom", "dispatch", "--once", "--root", str(room.root),
             "--queue", str(path), "--now", "2026-01-05T10:00"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=60) for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], outputs
    sent = [int(re.search(r"dispatch: (\d+) sent", out).group(1))  # type: ignore[union-attr]
            for out, _ in outputs]
    assert sum(sent) == 36 and sorted(sent)[1] > 0  # they overlapped: two or three took part
    assert Counter(a for r in smtp_server.handler.received for a in r.rcpt_tos) == Counter(recipients)
    # Measured by the receiver: within any one second at most 10 messages, plus one slot
    # of slack per process (a slot taken just before the window, delivered inside it).
    # Three dispatchers each keeping the rate alone deliver about 30 a second.
    times = sorted(smtp_server.handler.times)
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= 10 + 3, busiest
