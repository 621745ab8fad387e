"""Generate synthetic press rooms of seed-like releases for the benchmarks."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "releases" / "2021-08-26-iq-mv-10-jahre.md"


def make_archive(root: Path, count: int) -> Path:
    """Write a press room at *root* with *count* ready releases modelled on the 2021 seed."""
    if root.exists():
        shutil.rmtree(root)
    (root / "releases").mkdir(parents=True)
    shutil.copy(REPO / "releases" / "pressroom.yaml", root / "releases")
    shutil.copy(REPO / "releases" / "journalists-trusted.csv", root / "releases")
    seed = SEED.read_text(encoding="utf-8")
    front, body = seed.split("\n---\n", 1)
    front_lines = [
        line for line in front.splitlines() if not line.startswith(("date:", "title:", "---"))
    ]
    first = date(2019, 1, 1)
    for index in range(count):
        day = first + timedelta(days=(index * 1461) // max(count, 1))
        slug = f"{day.isoformat()}-meldung-{index:05d}"
        text = "\n".join(
            ["---", f"title: Meldung {index} – IQ Netzwerk Mecklenburg-Vorpommern", f"date: {day}"]
            + front_lines
            + ["---", body]
        )
        (root / "releases" / f"{slug}.md").write_text(text, encoding="utf-8")
    return root
