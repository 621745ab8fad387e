"""`make bench`, preview part: how soon `pressroom serve` shows a saved edit.

A report, not a test: it prints a table and exits 0. Targets from issue 10: after a save
the open page shows the change within 0.5 s (HTML) and the edited release's PDF is
ready within 1.5 s. Measured on a copy of the sample press room, as a browser sees it:
write the release file, listen on the page's event stream until it says "reload", GET
the page (or the PDF) again and find the new title in it. Baselines from the same run:
a cold `pressroom build --only` of that release (what a save cost before the preview),
and raw WeasyPrint printing the same release page (the floor of any PDF). The same
save in an archive of BENCH_PREVIEW_RELEASES releases (default 1000) shows what the
release cache saves: only the saved file is read again, not the whole archive, whose
full load is measured beside it.
"""

from __future__ import annotations

import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from archive import make_archive  # noqa: E402
from serve_support import generation_of, get, wait_for_reload  # noqa: E402

from pressroom.load import load_pressroom  # noqa: E402
from pressroom.serve import serving  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SLUG = "2021-08-26-iq-mv-10-jahre"
RUNS = 7
ARCHIVE = int(os.environ.get("BENCH_PREVIEW_RELEASES", "1000"))


def sample_room(work: Path) -> Path:
    root = work / "room"
    shutil.copytree(REPO / "releases", root / "releases")
    shutil.copytree(REPO / "templates", root / "templates")
    return root


def retitle(path: Path, title: str) -> None:
    """Save the release with a new title, as an editor does (the whole file at once)."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines = [f"title: {title}\n" if line.startswith("title:") else line for line in lines]
    path.write_text("".join(lines), encoding="utf-8")


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def save_to_shown(base: str, path: Path, run: int, suffix: str) -> tuple[float, float]:
    """Save a new title; return seconds until the event stream said reload, and until
    the page (or PDF) fetched then showed it."""
    slug = path.stem
    address = f"/{slug}/{slug}.{suffix}"
    since = generation_of(get(base, f"/{slug}/{slug}.html"))
    title = f"Neuer Titel Nummer {run} {suffix}"
    start = time.perf_counter()
    retitle(path, title)
    wait_for_reload(base, since)
    announced = time.perf_counter() - start
    answer = get(base, address)
    shown = time.perf_counter() - start
    text = pdf_text(answer.body) if suffix == "pdf" else answer.text
    assert title in text, f"{address} does not show the saved title"
    return announced, shown


def cold_build_only(root: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pressroom", "-q", "build", "--root", str(root), "--only", SLUG,
                    "--out", str(root.parent / "out")], check=True)
    seconds = time.perf_counter() - start
    shutil.rmtree(root.parent / "out")
    return seconds


def raw_weasyprint(root: Path) -> float:
    """WeasyPrint alone printing the release's print HTML (the PDF renderer's floor)."""
    import weasyprint

    from pressroom.load import load_pressroom
    from pressroom.render import RenderContext
    from pressroom.render.html import release_page

    result = load_pressroom(root, datetime.now(UTC))
    assert result.pressroom is not None
    release = result.pressroom.release(SLUG)
    ctx = RenderContext.for_settings(result.pressroom.settings, datetime.now(UTC))
    html = release_page(release, ctx, "print")
    start = time.perf_counter()
    weasyprint.HTML(string=html, base_url=str(root)).write_pdf()
    return time.perf_counter() - start


def timed_load(root: Path) -> float:
    start = time.perf_counter()
    load_pressroom(root, datetime.now(UTC))
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = sample_room(Path(folder))
        path = root / "releases" / f"{SLUG}.md"
        cold = statistics.median(cold_build_only(root) for _ in range(3))
        with serving(root) as server:
            get(server.url, f"/{SLUG}/{SLUG}.pdf")  # the first PDF imports WeasyPrint: warm up
            html = [save_to_shown(server.url, path, run, "html") for run in range(RUNS)]
            pdf = [save_to_shown(server.url, path, run, "pdf") for run in range(RUNS)]
        floor = statistics.median(raw_weasyprint(root) for _ in range(RUNS))
        archive = make_archive(Path(folder) / "archive", ARCHIVE)
        full_load = statistics.median(timed_load(archive) for _ in range(3))
        edited = sorted((archive / "releases").glob("*.md"))[ARCHIVE // 2]
        with serving(archive) as server:
            large = [save_to_shown(server.url, edited, run, "html") for run in range(RUNS)]

    def median(values: list[tuple[float, float]], index: int) -> float:
        return statistics.median(value[index] for value in values)

    rows = [
        ("cold `pressroom build --only` of the release", f"{cold:.2f} s", "baseline (before serve)"),
        ("raw WeasyPrint, same release page", f"{floor:.2f} s", "baseline (PDF floor)"),
        ("save -> reload announced (event stream)", f"{median(html, 0) * 1000:.0f} ms", ""),
        ("save -> new HTML page received", f"{median(html, 1) * 1000:.0f} ms", "target 500 ms"),
        ("save -> new PDF received", f"{median(pdf, 1):.2f} s",
         f"target 1.5 s; {cold / median(pdf, 1):.0f}x faster than the cold build"),
        (f"full load of a {ARCHIVE}-release archive", f"{full_load:.2f} s", "baseline (no cache)"),
        (f"save -> new HTML page, {ARCHIVE}-release archive", f"{median(large, 1) * 1000:.0f} ms",
         "target 500 ms"),
    ]
    print(f"preview (`pressroom serve`, sample release {SLUG}, median of {RUNS} saves):")
    width = max(len(row[0]) for row in rows)
    for name, value, note in rows:
        print(f"  {name:<{width}}  {value:>9}  {note}")


if __name__ == "__main__":
    main()
