"""Several real `pressroom` processes on one queue: the press room they share, and the counts.

Used by the multi-process tests (several dispatchers, crashes, concurrent publish runs)
and by ``bench/bench_dispatchers.py``: a press room in a folder with one ready release
and a CSV list of *count* recipients on an smtp channel to a loopback server, the
command lines of ``pressroom publish`` and ``pressroom dispatch``, and what the ledger
and the server say afterwards. Apart from the ``tally`` fixture nothing here is pytest-specific, so the
benchmark can import it (with
``tests/`` on ``sys.path``). A ledger is a ``Location``: a SQLite file or a URL
(the ``ledger_location`` fixture of postgres_support gives one of each).
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from distribution_support import running_smtp

from pressroom.queue import Job, Location, open_queue

SLUG = "2026-01-05-meldung"
# `publish --now`: the release's own day. Dispatchers run on the real clock (a fixed
# --now would never let a lease run out), where this day lies in the past.
PUBLISH_NOW = "2026-01-05T10:00"

SETTINGS = """\
organisation: {{name: Beispiel e.V., email: presse@beispiel.example}}
site: {{base_url: "https://presse.beispiel.example", title: Presse, default_place: Rostock,
        default_contacts: [anna], timezone: Europe/Berlin}}
contacts:
  anna: {{name: Anna Muster, email: anna@beispiel.example}}
boilerplates:
  neu: {{valid_from: 2019-01-01, text: Gefördert vom Programm.}}
distribution:
  channels:
    mail: {{type: smtp, host: 127.0.0.1, port: {port}, security: none, rate_per_minute: {rate}}}
  lists:
    presse: {{channel: mail, csv: recipients.csv}}
  default_lists: [presse]
"""

RELEASE = f"""\
---
title: Neue Beratungsstelle eröffnet
date: {SLUG[:10]}
lead: Der Vorspann.
status: ready
---
Der Text der Meldung.
"""

# No limit worth the name: 10 million a minute (the channel needs some rate).
UNLIMITED = 10_000_000


@dataclass
class Tally:
    """An aiosmtpd handler that counts messages per recipient and notes when each arrived.

    It keeps no message text, so thousands of messages cost little memory. With
    *delay*, each message is answered that many seconds after its data arrived
    (an asyncio sleep: other connections go on meanwhile), which keeps messages in
    flight for the crash test.
    """

    delay: float = 0.0
    recipients: Counter[str] = field(default_factory=Counter)
    times: list[float] = field(default_factory=list)  # time.time() of each message, as received
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            self.times.append(time.time())
            self.recipients.update(envelope.rcpt_tos)
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 OK"

    @property
    def count(self) -> int:
        with self.lock:
            return len(self.times)

    def duplicates(self) -> int:
        """Return how many messages went to an address that had one already."""
        with self.lock:
            return sum(n - 1 for n in self.recipients.values() if n > 1)


@pytest.fixture
def tally() -> Iterator[tuple[int, Tally]]:
    """A loopback aiosmtpd counting messages per recipient: (port, handler); set the
    handler's ``delay`` to keep messages in flight."""
    with running_smtp(Tally()) as server:  # type: ignore[arg-type]
        yield server.port, server.handler  # type: ignore[misc]


def address(index: int) -> str:
    """Return the address of recipient *index*."""
    return f"redaktion{index:05d}@zeitung{index % 50}.example"


@dataclass(frozen=True)
class LoadRoom:
    """A press room with one ready release for *count* recipients of one smtp channel."""

    root: Path
    count: int

    @property
    def addresses(self) -> list[str]:
        return [address(i) for i in range(self.count)]


def write_room(root: Path, port: int, count: int, rate_per_minute: int = UNLIMITED) -> LoadRoom:
    """Write a press room at *root* whose release goes to *count* recipients via 127.0.0.1:*port*."""
    releases = root / "releases"
    releases.mkdir(parents=True)
    (releases / "pressroom.yaml").write_text(SETTINGS.format(port=port, rate=rate_per_minute),
                                             encoding="utf-8")
    rows = "".join(f"Redaktion {i},{address(i)}\n" for i in range(count))
    (releases / "recipients.csv").write_text("name,email\n" + rows, encoding="utf-8")
    (releases / f"{SLUG}.md").write_text(RELEASE, encoding="utf-8")
    return LoadRoom(root, count)


def pressroom_command(root: Path, queue: Location, *args: str) -> list[str]:
    """Return the command line of ``pressroom ARGS`` on the press room *root* and *queue*."""
    return [sys.executable, "-m", "pressroom", *args, "--root", str(root), "--queue", str(queue)]


def child_environment() -> dict[str, str]:
    """The environment of the processes started here: not in CI (no ledger rule to trip)."""
    environ = {k: v for k, v in os.environ.items() if k not in ("CI", "PRESSROOM_QUEUE")}
    environ["PYTHONUNBUFFERED"] = "1"
    return environ


def publish(room: LoadRoom, queue: Location, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``pressroom publish`` (check, build, queue) to the end."""
    return subprocess.run(pressroom_command(room.root, queue, "publish", "--now", PUBLISH_NOW),
                          capture_output=True, text=True, timeout=timeout, env=child_environment())


def start_publish(room: LoadRoom, queue: Location) -> subprocess.Popen[str]:
    """Start ``pressroom publish`` (check, build, queue) without waiting for it."""
    return subprocess.Popen(pressroom_command(room.root, queue, "publish", "--now", PUBLISH_NOW),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=child_environment())


def start_dispatcher(room: LoadRoom, queue: Location, *args: str) -> subprocess.Popen[str]:
    """Start ``pressroom dispatch ARGS`` on the real clock; its output goes to pipes."""
    return subprocess.Popen(pressroom_command(room.root, queue, "dispatch", *args),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=child_environment())


def owner_prefix(pid: int) -> str:
    """Return how the leases of the dispatcher process *pid* begin (``host:pid:``)."""
    return f"{socket.gethostname()}:{pid}:"


def ledger_jobs(queue: Location, state: str | None = None) -> list[Job]:
    """Return the jobs of the ledger at *queue* (of one *state*), oldest first."""
    with closing(open_queue(queue)) as ledger:
        return ledger.jobs(state=state)


def in_flight(queue: Location, pid: int) -> list[Job]:
    """Return the jobs the dispatcher process *pid* holds in state sending."""
    prefix = owner_prefix(pid)
    return [job for job in ledger_jobs(queue, "sending") if job.lease_owner.startswith(prefix)]


def busiest(times: Sequence[float], window: float) -> int:
    """Return the most receive *times* within any *window* seconds (starting at one of them)."""
    ordered = sorted(times)
    most, end = 0, 0
    for start, moment in enumerate(ordered):
        while end < len(ordered) and ordered[end] < moment + window:
            end += 1
        most = max(most, end - start)
    return most
