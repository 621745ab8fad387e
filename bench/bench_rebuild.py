"""`make bench`, rebuild part: what a rebuild of a large archive costs after small edits.

A report, not a test: it prints a table and exits 0. Targets come from issue 9: a
comment in the settings or a new recipient re-renders no PDF and takes under 1 s on
1,000 releases. BENCH_REBUILD_RELEASES sets the archive size (default 1000); the
cold build of that archive with 2 jobs is measured on the way.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from archive import make_archive  # noqa: E402

from pressroom.build import BuildResult, build_pressroom  # noqa: E402

NOW = datetime(2026, 11, 22, tzinfo=UTC)
COUNT = int(os.environ.get("BENCH_REBUILD_RELEASES", "1000"))


def timed_build(root: Path, jobs: int = 2) -> tuple[float, BuildResult]:
    start = time.perf_counter()
    result = build_pressroom(root, now=NOW, jobs=jobs)
    return time.perf_counter() - start, result


def after(root: Path, edit: Callable[[], object]) -> tuple[float, int, int]:
    """Apply *edit*, rebuild; return seconds, PDFs rendered again, outputs rendered again."""
    edit()
    seconds, result = timed_build(root)
    formats = result.rendered_formats.values()
    return seconds, sum("pdf" in f for f in formats), sum(len(f) for f in formats)


def append(path: Path, text: str) -> Callable[[], object]:
    return lambda: path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def prepend(path: Path, text: str) -> Callable[[], object]:
    return lambda: path.write_text(text + path.read_text(encoding="utf-8"), encoding="utf-8")


def rebuild_rows(work: Path) -> list[tuple[str, str, str]]:
    """Cold build, then rebuilds after edits that should render nothing, against a no-op rebuild."""
    root = make_archive(work / "rebuild", COUNT)
    settings = root / "releases" / "pressroom.yaml"
    cold, _ = timed_build(root)
    noop = statistics.median(timed_build(root)[0] for _ in range(3))
    rows = [
        (f"cold build of {COUNT} releases (2 jobs)", f"{cold:.1f} s", ""),
        (f"no-op rebuild of {COUNT} releases", f"{noop:.2f} s", "baseline"),
    ]
    (root / "templates").mkdir(exist_ok=True)
    edits = [
        ("a comment in pressroom.yaml", prepend(settings, "# Notiz der Pressestelle\n")),
        ("a new journalist in a recipient CSV",
         append(root / "releases" / "journalists-trusted.csv", "Neu Redaktion,neu@zeitung.example\n")),
        ("an edited email.html", lambda: (root / "templates" / "email.html").write_text(
            "<p>{{ release.title }}</p>\n", encoding="utf-8")),
    ]
    for name, edit in edits:
        seconds, pdfs, outputs = after(root, edit)
        rows.append((f"rebuild after {name}", f"{seconds:.2f} s", "< 1 s"))
        rows.append(("  PDFs / outputs rendered again", f"{pdfs} / {outputs}", "0 / 0"))
    return rows


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rows = rebuild_rows(Path(tmp))
    print(f"\nrebuild benchmark ({os.cpu_count()} cores, {COUNT} releases)\n")
    print(f"| {'measure':<62} | {'result':>9} | {'target':<9} |")
    print(f"|{'-' * 64}|{'-' * 11}|{'-' * 11}|")
    for name, value, target in rows:
        print(f"| {name:<62} | {value:>9} | {target:<9} |")


if __name__ == "__main__":
    main()
