"""A sample-like newsroom for the site-wide tests: the sample press room, a few
releases beside it and a front page small enough that it overflows into yearly archives.

The browser tests (test_accessibility.py) look at its pages; the leak test
(test_nothing_leaks.py) adds a draft and an embargoed release to it.
"""

from __future__ import annotations

import shutil
import struct
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# The sample's two releases and three more on a front page of two: the rest move to yearly
# archives (a handful of releases instead of the 21 the default size, 20, would need).
FILLERS = 3
FRONT_PAGE_SIZE = 2
# Years the sample's boilerplate periods cover (2013-2014, 2019-2022).
YEARS = (2013, 2014, 2019, 2020, 2021, 2022)
SHARED_TAG = "Fachkräftesicherung"  # also a tag of the sample's 2021 release


def tiny_png() -> bytes:
    """A valid 1x1 grey PNG (a real image file, made here rather than shipped)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\x80")) + chunk(b"IEND", b""))


def sample_newsroom(root: Path, fillers: int = FILLERS) -> Path:
    """Write the sample press room plus *fillers* short ready releases under *root*,
    with a front page of FRONT_PAGE_SIZE releases."""
    shutil.copytree(REPO / "releases", root / "releases")
    settings = root / "releases" / "pressroom.yaml"
    text = settings.read_text(encoding="utf-8")
    anchor = "  default_place: Rostock\n"
    assert anchor in text, "the sample's settings changed: place front_page_size elsewhere"
    settings.write_text(text.replace(anchor, f"{anchor}  front_page_size: {FRONT_PAGE_SIZE}\n"),
                        encoding="utf-8")
    shutil.copytree(REPO / "templates", root / "templates")
    for index in range(fillers):
        year = YEARS[index % len(YEARS)]
        day = f"{year}-03-{index + 1:02d}"
        (root / "releases" / f"{day}-meldung-{index}.md").write_text(
            f"---\ntitle: Meldung {index} zur Fachkräftesicherung in Mecklenburg-Vorpommern\n"
            f"date: {day}\nlead: Der Vorspann der Meldung {index}.\n"
            f"tags: [{SHARED_TAG}]\nstatus: ready\n---\n"
            f"Der Text der Meldung {index}, mit einem [Verweis](https://www.iq-mv.de/{index}).\n",
            encoding="utf-8",
        )
    return root
