"""Nothing leaks: a draft, an embargoed and a future-dated release appear in no public file.

The sample-like newsroom (a small front page, so yearly archives exist) gets three more
releases that carry a secret phrase everywhere a release can carry text: title, subtitle,
lead, body, tags (a tag of their own and one shared with public releases), the file name
of a body image and of an attachment, and the `images:` and `event:` blocks; they are in
a language and a year no public release has. After the build the phrase
and their slugs are searched in EVERY file under build/public/, whatever made it, decoded
by what the file is (HTML, XML, JSON, text, PDF text and metadata, DOCX, each member of a
ZIP) and in every file name. This is the one leak test of the website; the distribution's
leak tests (mail, webhooks) use the same search.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import Room
from leak_search import public_leaks
from newsroom_support import FILLERS, SHARED_TAG, sample_newsroom, tiny_png

from pressroom.build import build_pressroom

PHRASE = "Zebrafink Quittung 7731"
FILE = "zebrafink-quittung-7731"
EMBARGOED = "2022-06-01-sperre"
DRAFT = "2022-05-30-entwurf"
FUTURE = "2022-12-10-vorab"  # ready, no embargo, but dated ahead of NOW
# Before the embargo lifts (10:00 on 2022-06-02, Berlin time).
NOW = datetime(2022, 6, 1, 12, 0, tzinfo=ZoneInfo("Europe/Berlin"))
# The newest public release (the sample's, 2021-08-26): on the index and in every feed.
PUBLIC_TITLE = "feiert 10-jähriges Bestehen"
# The listed image is the body's, so a ready release's image has its credit and alt.
BLOCKS = (f"images:\n  - {{file: {FILE}.png, alt: Foto {PHRASE}, caption: Bild {PHRASE},"
          f" credit: Foto {PHRASE}, license: CC BY 4.0}}\n"
          f"event:\n  title: Termin {PHRASE}\n  start: 2023-06-10T10:00\n  end: 2023-06-10T12:00\n"
          f"  location: Saal {PHRASE}\n  address: Hauptstraße 1, 18055 Rostock\n"
          f"  url: https://www.iq-mv.de/{FILE}\n")


def secret(root: Path, slug: str, extra: str) -> None:
    """Write a release whose every text field holds the phrase; *extra* makes it not public."""
    front = (f"title: Geheim {PHRASE}\nsubtitle: Unterzeile {PHRASE}\ndate: {slug[:10]}\n"
             f"lead: Vorspann {PHRASE}.\ntags: [{PHRASE}, {SHARED_TAG}]\nlanguage: en\n"
             f"attachments: [{FILE}-fakten.pdf]\n{BLOCKS}{extra}")
    body = (f"Der Text {PHRASE}.\n\n![Bild {PHRASE}]({FILE}.png)\n\n"
            f"Mehr unter [{PHRASE}](https://www.iq-mv.de/{FILE}).\n")
    (root / "releases" / f"{slug}.md").write_text(f"---\n{front}---\n{body}", encoding="utf-8")


def secret_newsroom(root: Path, fillers: int = FILLERS) -> Path:
    """The newsroom with the three secret releases and the files they name."""
    sample_newsroom(root, fillers)
    releases = root / "releases"
    (releases / f"{FILE}.png").write_bytes(tiny_png())
    (releases / f"{FILE}-fakten.pdf").write_bytes(f"%PDF-1.4 Fakten {PHRASE}".encode())
    secret(root, EMBARGOED, "embargo: 2022-06-02T10:00\nstatus: ready\n")
    secret(root, DRAFT, "status: draft\n")
    secret(root, FUTURE, "status: ready\n")
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The newsroom with the three secret releases, built before the embargo lifts."""
    root = secret_newsroom(tmp_path_factory.mktemp("leak"))
    build_pressroom(root, now=NOW, jobs=2)
    return root / "build"


def test_no_public_file_holds_the_phrase_of_a_draft_an_embargoed_or_a_future_release(built: Path) -> None:
    public = built / "public"
    assert {"sitemap.xml", "feed.json", "archive/2013/index.html", "tags/fachkraftesicherung/feed.json",
            "lang/de/feed.json"} <= {p.relative_to(public).as_posix() for p in public.rglob("*")}
    for phrase in (PHRASE, EMBARGOED, DRAFT, FUTURE):
        assert public_leaks(phrase, public) == [], phrase
    # Their language and the future one's year have no public release: no list of their own.
    assert not (public / "lang" / "en").exists()
    assert not (public / "archive" / "2022").exists()


def test_the_secret_releases_were_rendered_and_the_search_finds_them_there(built: Path) -> None:
    """The search is not blind: in build/private/ it finds the phrase in every format."""
    found = public_leaks(PHRASE, built / "private")
    for slug in (EMBARGOED, DRAFT, FUTURE):
        for suffix in (".html", ".pdf", ".docx", ".txt", ".ics", ".zip"):
            assert f"{slug}/{slug}{suffix}" in found, (slug, suffix, found)


def test_the_search_reads_every_public_format(built: Path) -> None:
    """A public release's title is found in its page, PDF, DOCX and text and in the feeds:
    the same search would see the phrase there."""
    found = public_leaks(PUBLIC_TITLE, built / "public")
    assert {"index.html", "feed.xml", "atom.xml"} <= set(found)
    assert {name.rsplit(".", 1)[-1] for name in found} >= {"html", "pdf", "docx", "txt", "xml"}


def test_once_the_embargo_lifts_the_search_finds_the_release_everywhere(tmp_path: Path) -> None:
    """The first test can fail: built after the embargo, the release and its phrase are public
    (a room without the fillers, to stay quick)."""
    root = secret_newsroom(tmp_path / "room", fillers=0)
    build_pressroom(root, now=datetime(2022, 6, 2, 10, 1, tzinfo=ZoneInfo("Europe/Berlin")), jobs=2)
    found = set(public_leaks(PHRASE, root / "build" / "public"))
    assert {"index.html", "feed.xml", "atom.xml", f"{EMBARGOED}/{EMBARGOED}.pdf",
            f"{EMBARGOED}/{EMBARGOED}.docx", f"{EMBARGOED}/{FILE}.png",
            f"{EMBARGOED}/{FILE}-fakten.pdf"} <= found
    assert not any(DRAFT in name for name in found)


def test_lists_of_a_release_going_back_under_embargo_disappear(room: Room) -> None:
    """A tag and a language only a withdrawn release had lose their pages and feeds at the
    next build: what was public once does not stay behind."""
    now = datetime(2026, 11, 22, 12, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    room.ready("2026-11-01-public", title="Öffentliche Meldung")
    front = f"language: en\ntags: [{PHRASE}]\n"
    room.ready("2026-11-10-spaeter", title=PHRASE, extra=front)
    build_pressroom(room.root, now=now, jobs=1)
    public = room.root / "build" / "public"
    assert (public / "tags" / FILE).is_dir()
    assert public_leaks(PHRASE, public)  # public now: the search finds it
    room.ready("2026-11-10-spaeter", title=PHRASE, extra=front + "embargo: 2026-12-24T10:00:00+01:00\n")
    build_pressroom(room.root, now=now, jobs=1)
    assert public_leaks(PHRASE, public) == []
    assert not (public / "tags").exists()
    assert not (public / "lang" / "en").exists()
