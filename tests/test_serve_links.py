"""Every link a preview page shows works in the preview: follow each href and src of the
newsroom, of every release page and of every list page they lead to (tags, languages,
years), drafts included; none is a 404. External addresses are not followed."""

from __future__ import annotations

import io
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from conftest import NOW
from serve_support import get

from pressroom.serve import serving

DRAFT = "2021-09-01-entwurf"


class Links(HTMLParser):
    """Every href and src of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [value for name, value in attrs if name in ("href", "src") and value]


def links_of(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    return parser.found


def crawl(base: str) -> dict[str, int]:
    """Follow every link inside the preview from its front page: path -> HTTP status."""
    base = base.rstrip("/")
    seen: dict[str, int] = {}
    todo = ["/"]
    while todo and len(seen) < 200:
        path = todo.pop()
        if path in seen:
            continue
        answer = get(base, path)
        seen[path] = answer.status
        if answer.status != 200 or not answer.content_type.startswith("text/html"):
            continue
        for link in links_of(answer.text):
            target = urlsplit(urljoin(base + path, link))
            if f"{target.scheme}://{target.netloc}" != base or target.path.startswith("/__"):
                continue  # another site, or the live-reload stream (never ends)
            todo.append(target.path)
    return seen


def test_every_link_of_the_preview_pages_works(sample_root: Path) -> None:
    (sample_root / "releases" / f"{DRAFT}.md").write_text(
        "---\ntitle: Ein Entwurf\ndate: 2021-09-01\nlead: Der Vorspann.\ntags: [Netzwerk, Neu]\n"
        "status: draft\n---\nDer Text.\n", encoding="utf-8")
    with serving(sample_root, clock=lambda: NOW) as server:
        seen = crawl(server.url)
        tag_page = get(server.url, "/tags/netzwerk/index.html").text
    broken = sorted(path for path, status in seen.items() if status != 200)
    assert broken == []
    # the crawl reached the downloads, the tag pages (a draft's tag too) and the ZIP
    assert f"/{DRAFT}/{DRAFT}.zip" in seen and f"/{DRAFT}/{DRAFT}.pdf" in seen
    assert any(re.fullmatch(r"/tags/neu/index\.html", path) for path in seen), sorted(seen)
    # a tag page lists the draft with the public release, and its panel names the draft's state
    assert "Ein Entwurf" in tag_page and "Das Regionale Netzwerk IQ" in tag_page
    assert "Ein Entwurf: Entwurf" in tag_page


def test_the_zip_holds_the_pdf_docx_and_images_of_the_release_as_saved(sample_root: Path) -> None:
    slug = "2021-08-26-iq-mv-10-jahre"
    with serving(sample_root, clock=lambda: NOW) as server:
        answer = get(server.url, f"/{slug}/{slug}.zip")
    assert answer.status == 200 and answer.content_type == "application/zip"
    with zipfile.ZipFile(io.BytesIO(answer.body)) as archive:
        names = archive.namelist()
        assert names[:2] == [f"{slug}.pdf", f"{slug}.docx"]
        assert archive.read(f"{slug}.pdf").startswith(b"%PDF")
        assert archive.read(f"{slug}.docx").startswith(b"PK")
