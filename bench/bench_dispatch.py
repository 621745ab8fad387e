"""`make bench`, distribution part: dispatch N recipients to a loopback aiosmtpd.

A report, not a test: it prints messages per second and the dispatcher's peak
memory for 1,000 and 5,000 recipients (target from issue 4: >= 200 messages/s,
memory flat as the count grows) and exits 0.

The SMTP server runs in this process and only counts; each dispatch runs in a
child process of its own, so its peak RSS (ru_maxrss) is the dispatcher's alone.
The channel's rate limit is lifted for the measurement.
"""

from __future__ import annotations

import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from dispatchers_support import SLUG, write_room  # noqa: E402

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # the day of the release dispatchers_support writes
COUNTS = [int(n) for n in os.environ.get("BENCH_RECIPIENTS", "1000,5000").split(",")]
PDF_SIZE = 24_000  # about the sample releases' PDFs


class Counter:
    """aiosmtpd handler that counts messages and keeps nothing."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            self.count += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(folder: Path, port: int, count: int) -> Path:
    """Write a press room with *count* recipients and queue its one release."""
    from pressroom.load import load_pressroom
    from pressroom.publish import queue_releases
    from pressroom.queue import SqliteQueue

    write_room(folder, port, count)  # the press room of the several-dispatchers bench
    result = load_pressroom(folder, NOW)
    assert result.pressroom is not None, [str(p) for p in result.problems]
    built = folder / "build" / SLUG
    built.mkdir(parents=True)
    outputs = {kind: built / f"{SLUG}.{kind}" for kind in ("html", "pdf", "docx", "txt")}
    outputs["html"].write_text("<p>Text</p>", encoding="utf-8")
    outputs["pdf"].write_bytes(b"%PDF-1.7\n" + os.urandom(PDF_SIZE))
    outputs["docx"].write_bytes(b"PK\x03\x04")
    outputs["txt"].write_text("Der Text der Meldung.\n" * 40, encoding="utf-8")
    queue_path = folder / "queue.sqlite3"
    with SqliteQueue(queue_path) as queue:
        queue_releases(result.pressroom, lambda slug: outputs, queue, NOW)
    return queue_path


def child(root: Path, queue_path: Path, trace: bool) -> None:
    """Dispatch everything due and print the numbers as JSON."""
    from pressroom.dispatch import Dispatcher
    from pressroom.queue import SqliteQueue
    from pressroom.settings import load_settings

    settings, _ = load_settings(root)
    assert settings is not None
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    with SqliteQueue(queue_path) as queue:
        report = Dispatcher(queue, settings, lambda: NOW).run_once()
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"sent": report.sent, "seconds": seconds, "rss_before_kib": before,
                      "rss_peak_kib": after, "traced_peak_bytes": peak}))


def measure(port: int, count: int, trace: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        queue_path = prepare(root, port, count)
        answer = subprocess.run(
            [sys.executable, __file__, "--child", str(root), str(queue_path), "1" if trace else "0"],
            check=True, capture_output=True, text=True,
        )
        return dict(json.loads(answer.stdout.strip().splitlines()[-1]))


def main() -> None:
    from aiosmtpd.controller import Controller

    handler = Counter()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        print(f"dispatch to loopback aiosmtpd, one connection, PDF of {PDF_SIZE // 1000} kB attached")
        print(f"{'recipients':>10}  {'sent':>6}  {'seconds':>8}  {'msg/s':>7}"
              f"  {'RSS before MiB':>14}  {'peak RSS MiB':>12}  {'traced peak MiB':>15}")
        for count in COUNTS:
            fast = measure(port, count, trace=False)
            traced = measure(port, count, trace=True)
            rate = fast["sent"] / fast["seconds"]
            print(f"{count:>10}  {fast['sent']:>6}  {fast['seconds']:>8.2f}  {rate:>7.0f}"
                  f"  {fast['rss_before_kib'] / 1024:>14.1f}  {fast['rss_peak_kib'] / 1024:>12.1f}"
                  f"  {traced['traced_peak_bytes'] / 2**20:>15.2f}")
        print("target: >= 200 msg/s; memory flat as recipients grow. 'RSS before' is the process")
        print("after loading the settings (whose CSV lists hold every recipient, about 1 kB each);")
        print("'traced peak' is the Python heap the dispatch run itself allocates (tracemalloc).")
    finally:
        controller.stop()


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4] == "1")
    else:
        main()
