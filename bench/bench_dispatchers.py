"""`make bench`, several dispatchers: 1, 2 and 4 `pressroom dispatch` processes on one queue.

A report, not a test: for each backend (a SQLite file; a database on a PostgreSQL
server this script starts, as the test suite does) and each number of dispatchers,
`pressroom publish` queues one release for N recipients (5,000 unless
BENCH_RECIPIENTS says otherwise), then that many `pressroom dispatch --once`
processes deliver it to a loopback aiosmtpd that only counts. Printed: messages per
second (from the server's first to its last message, and over the whole run with
the processes' start-up) and each dispatcher's peak memory (ru_maxrss from wait4),
against the single SQLite dispatcher of the same run as the baseline. Target from
issue 12: PostgreSQL with 4 dispatchers at least the SQLite single-dispatcher rate.

The PostgreSQL server runs with its durable defaults (fsync, synchronous_commit on),
unlike the test server: a commit waits for its WAL flush, as in production
(BENCH_PG_FAST=1: the test server's fsync=off instead).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from dispatchers_support import Tally, publish, start_dispatcher, write_room  # noqa: E402
from distribution_support import running_smtp  # noqa: E402

RECIPIENTS = int(os.environ.get("BENCH_RECIPIENTS", "5000"))
DISPATCHERS = [int(n) for n in os.environ.get("BENCH_DISPATCHERS", "1,2,4").split(",")]
BACKENDS = os.environ.get("BENCH_BACKENDS", "sqlite,postgresql").split(",")
# The test server's shortcuts undone: what a production server does on commit
# (BENCH_PG_FAST=1 keeps them, to see what the commits' disk flushes cost).
DURABLE = {} if os.environ.get("BENCH_PG_FAST") == "1" else {
    "fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}


@dataclass(frozen=True)
class Run:
    """One measurement: a backend, a number of dispatchers, what they did."""

    backend: str
    dispatchers: int
    sent: int
    received: int
    flow_seconds: float  # first to last message at the server
    wall_seconds: float  # from starting the processes to the last one's exit
    peak_rss_kib: list[int]  # per dispatcher

    @property
    def rate(self) -> float:
        return (self.received - 1) / self.flow_seconds if self.flow_seconds > 0 else 0.0

    @property
    def wall_rate(self) -> float:
        return self.received / self.wall_seconds


def measure(backend: str, ledger: str, dispatchers: int, folder: Path) -> Run:
    """Publish N recipients into *ledger*, deliver with *dispatchers* processes, count."""
    with running_smtp(Tally()) as server:  # type: ignore[arg-type, unused-ignore]
        tally: Tally = server.handler  # type: ignore[assignment, unused-ignore]
        room = write_room(folder / "room", server.port, RECIPIENTS)
        done = publish(room, ledger, timeout=600)
        if done.returncode != 0:
            raise SystemExit(f"publish failed on {backend}: {done.stderr.strip()}")
        start = time.perf_counter()
        processes = [start_dispatcher(room, ledger, "--once") for _ in range(dispatchers)]
        peaks, sent = [], 0
        for process in processes:
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            out, err = process.communicate()
            if process.returncode != 0:
                raise SystemExit(f"dispatch failed on {backend}: {err.strip()}")
            match = re.search(r"dispatch: (\d+) sent", out)
            sent += int(match.group(1)) if match else 0
            peaks.append(usage.ru_maxrss)
        wall = time.perf_counter() - start
        times = sorted(tally.times)
    return Run(backend, dispatchers, sent, len(times), times[-1] - times[0], wall, peaks)


@contextmanager
def postgres_databases() -> Iterator[Iterator[str] | str]:
    """Yield an iterator of fresh database URLs on a new server, or why there is none."""
    from postgres_support import missing_tools, start_server

    reason = missing_tools() if "postgresql" in BACKENDS else "not asked for"
    if reason:
        yield reason
        return
    with contextmanager(start_server)() as server:
        for name, value in DURABLE.items():
            server.execute(f"ALTER SYSTEM SET {name} = '{value}'")
        server.execute("SELECT pg_reload_conf()")
        yield (server.create_database(f"bench_{i}") for i in range(1_000))


def main() -> None:
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="pressroom-bench-") as tmp, postgres_databases() as pg:
        backends: list[tuple[str, Iterator[str] | None]] = []
        if "sqlite" in BACKENDS:
            backends.append(("sqlite", None))
        if "postgresql" in BACKENDS:
            if isinstance(pg, str):
                print(f"PostgreSQL left out: {pg}")
            else:
                backends.append(("postgresql", pg))
        for backend, urls in backends:
            for count in DISPATCHERS:
                folder = Path(tmp) / f"{backend}-{count}"
                ledger = next(urls) if urls is not None else str(folder / "queue.sqlite3")
                runs.append(measure(backend, ledger, count, folder))
    report(runs)


def report(runs: list[Run]) -> None:
    """Print the table, rates relative to the single SQLite dispatcher."""
    baseline = next((r.rate for r in runs if r.backend == "sqlite" and r.dispatchers == 1), 0.0)
    print(f"dispatch of {RECIPIENTS} messages to loopback aiosmtpd, `pressroom dispatch --once`"
          f" processes on one queue ({os.cpu_count()} cores)")
    print(f"{'backend':<10}  {'dispatchers':>11}  {'sent':>5}  {'received':>8}  {'msg/s':>6}"
          f"  {'x baseline':>10}  {'msg/s with start-up':>19}  {'peak RSS MiB per dispatcher':<28}")
    for run in runs:
        relative = run.rate / baseline if baseline else 0.0
        peaks = " ".join(f"{kib / 1024:.0f}" for kib in run.peak_rss_kib)
        print(f"{run.backend:<10}  {run.dispatchers:>11}  {run.sent:>5}  {run.received:>8}"
              f"  {run.rate:>6.0f}  {relative:>10.2f}  {run.wall_rate:>19.0f}  {peaks:<28}")
    print("msg/s: from the server's first message to its last; 'with start-up' from starting the")
    print("processes to the last exit. Baseline: 1 SQLite dispatcher, this run. Target (issue 12):")
    print("PostgreSQL with 4 dispatchers >= the baseline. sent = received: nothing twice.")


if __name__ == "__main__":
    main()
