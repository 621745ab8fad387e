"""`make bench`, build part: pressroom against raw WeasyPrint on the same HTML, same run.

A report, not a test: it prints a table and exits 0. Targets come from issues 3 and 9;
the PDF template's distance from WeasyPrint's floor and the cost of each print feature
come from ``pdf_floor.py``.
"""

from __future__ import annotations

import ctypes.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from archive import make_archive  # noqa: E402
from pdf_floor import main as pdf_floor_report  # noqa: E402

from pressroom.build import build_pressroom  # noqa: E402
from pressroom.load import load_pressroom  # noqa: E402
from pressroom.render import RenderContext  # noqa: E402
from pressroom.render.html import release_page  # noqa: E402
from pressroom.render.pdf import render_pdf  # noqa: E402

NOW = datetime(2026, 11, 22, tzinfo=UTC)
RENDER_COUNT = int(os.environ.get("BENCH_RELEASES", "24"))
NOOP_COUNT = int(os.environ.get("BENCH_NOOP_RELEASES", "1000"))


def timed(action) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def pdf_seconds(root: Path) -> tuple[float, float]:
    """Time plain WeasyPrint (default options) on the exact HTML pressroom prints, and
    pressroom's own PDF step (template, fetcher, tagged PDF/UA) on the same releases."""
    import weasyprint

    pressroom = load_pressroom(root, NOW).pressroom
    assert pressroom is not None
    ctx = RenderContext.for_settings(pressroom.settings, NOW)
    pages = [release_page(r, ctx, "print") for r in pressroom.releases]
    base = pressroom.settings.releases_dir.as_uri() + "/"
    weasyprint.HTML(string=pages[0], base_url=base).write_pdf()  # warm-up, as the build's first PDF
    raw = timed(lambda: [weasyprint.HTML(string=p, base_url=base).write_pdf() for p in pages])
    ours = timed(lambda: [render_pdf(r, ctx) for r in pressroom.releases])
    return raw, ours


def peak_rss_mib(count: int, work: Path) -> float:
    """Peak resident memory of a one-process build of *count* releases, in MiB."""
    root = make_archive(work / f"mem-{count}", count)
    code = (
        "import resource, sys; from datetime import datetime, UTC; from pathlib import Path;"
        "from pressroom.build import build_pressroom;"
        f"build_pressroom(Path({str(root)!r}), now=datetime(2026, 11, 22, tzinfo=UTC), jobs=1);"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[-1]) / 1024


def help_seconds() -> float:
    exe = Path(sys.executable).with_name("pressroom")
    runs = []
    for _ in range(7):
        runs.append(timed(lambda: subprocess.run([str(exe), "--help"], capture_output=True, check=True)))
    return statistics.median(runs)


def main() -> None:
    has_harfbuzz_subset = ctypes.util.find_library("harfbuzz-subset") is not None
    subsetter = "HarfBuzz (libharfbuzz-subset)" if has_harfbuzz_subset else "fontTools (slow)"
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        # Warm up (template compilation, font discovery) so both sides start equal.
        build_pressroom(make_archive(work / "warm", 2), now=NOW, jobs=1)
        root = make_archive(work / "archive", RENDER_COUNT)
        raw, ours = (seconds / RENDER_COUNT for seconds in pdf_seconds(root))
        serial = timed(lambda: build_pressroom(root, out=work / "out1", now=NOW, jobs=1)) / RENDER_COUNT
        parallel = timed(lambda: build_pressroom(root, out=work / "out2", now=NOW, jobs=2)) / RENDER_COUNT
        rows.append(("raw WeasyPrint, PDF only, per release", f"{raw * 1000:.0f} ms", "baseline"))
        rows.append(("pressroom PDF step (tagged PDF/UA), per release", f"{ours * 1000:.0f} ms", ""))
        rows.append(("overhead ratio PDF step / raw WeasyPrint", f"{ours / raw:.2f}", "<= 1.15"))
        rows.append(("pressroom build, all 4 formats, per release (1 job)", f"{serial * 1000:.0f} ms", ""))
        rows.append(("overhead ratio build / raw WeasyPrint", f"{serial / raw:.2f}", "<= 1.3"))
        rows.append(("speed-up 2 jobs over 1", f"{serial / parallel:.2f}x", ">= 1.7x"))

        big = make_archive(work / "big", NOOP_COUNT)
        first = timed(lambda: build_pressroom(big, now=NOW, jobs=2))
        noop = statistics.median(timed(lambda: build_pressroom(big, now=NOW)) for _ in range(3))
        rows.append((f"first build of {NOOP_COUNT} releases (2 jobs)", f"{first:.1f} s", ""))
        rows.append((f"no-op rebuild of {NOOP_COUNT} releases", f"{noop:.2f} s", "< 1 s"))
        start_up = help_seconds() * 1000
        rows.append(("`pressroom --help` start-up (median of 7)", f"{start_up:.0f} ms", "< 300 ms"))
        small, large = peak_rss_mib(10, work), peak_rss_mib(40, work)
        rows.append(("peak memory, build of 10 releases (1 process)", f"{small:.0f} MiB", ""))
        rows.append(("peak memory, build of 40 releases (1 process)", f"{large:.0f} MiB", "flat"))
    print(f"\nbuild benchmark ({os.cpu_count()} cores; font subsetting: {subsetter})\n")
    print(f"| {'measure':<52} | {'result':>9} | {'target':<9} |")
    print(f"|{'-' * 54}|{'-' * 11}|{'-' * 11}|")
    for name, value, target in rows:
        print(f"| {name:<52} | {value:>9} | {target:<9} |")
    pdf_floor_report()


if __name__ == "__main__":
    main()
