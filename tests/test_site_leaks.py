"""Nothing leaks into the website's lists, feeds and sitemap: a secret phrase written only
into a draft, an embargoed release and one dated ahead is searched for in every file
under build/public/ (leak_search reads PDFs and DOCX files as text)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from leak_search import leaks

from pressroom.build import build_pressroom

if TYPE_CHECKING:
    from conftest import Room

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
SECRET = "Geheimsache Zitronenfalter"
SECRET_SLUG = "zitronenfalter"  # a tag's folder name would carry it


def secret_room(room: Room) -> None:
    room.ready("2026-11-01-public", title="Öffentliche Meldung", extra="tags: [Offen]\n")
    room.release(
        "2026-11-20-entwurf",
        f"title: {SECRET} Entwurf\ndate: 2026-11-20\nstatus: draft\nlanguage: en\n"
        f"tags: [{SECRET}]\nlead: {SECRET} im Vorspann.\n",
        body=f"{SECRET} im Text.\n",
    )
    room.ready(
        "2026-11-21-sperre",
        title=f"{SECRET} Sperrfrist",
        extra=f"embargo: 2026-12-01T10:00:00+01:00\nlanguage: en\ntags: [{SECRET}, Offen]\n",
        body=f"{SECRET} im Text.\n",
    )
    room.ready("2027-01-05-vorab", title=f"{SECRET} vorab", extra=f"tags: [{SECRET}]\n", body=f"{SECRET}.\n")


def test_no_draft_or_embargoed_release_appears_in_any_public_file(room: Room) -> None:
    secret_room(room)
    room.write_settings((room.releases / "pressroom.yaml").read_text(encoding="utf-8").replace(
        "  default_place: Rostock\n", "  default_place: Rostock\n  front_page_size: 1\n"))
    build_pressroom(room.root, now=NOW, jobs=1)
    public = room.root / "build" / "public"
    names = sorted(p.relative_to(public).as_posix() for p in public.rglob("*") if p.is_file())
    assert "sitemap.xml" in names and "feed.json" in names and "tags/offen/feed.json" in names
    for phrase in (SECRET, SECRET_SLUG, "2026-11-20-entwurf", "2026-11-21-sperre", "2027-01-05-vorab"):
        assert leaks(phrase, [], None, public) == [], phrase
        assert not [name for name in names if phrase.lower() in name.lower()], phrase
    # Only the public release's language and year have lists: English and 2027 come from hidden ones.
    assert not (public / "lang" / "en").exists()
    assert not (public / "archive" / "2027").exists()


def test_lists_of_a_release_going_back_under_embargo_disappear(room: Room) -> None:
    room.ready("2026-11-01-public", title="Öffentliche Meldung")
    room.ready("2026-11-10-spaeter", title=f"{SECRET}", extra=f"language: en\ntags: [{SECRET}]\n")
    build_pressroom(room.root, now=NOW, jobs=1)
    public = room.root / "build" / "public"
    assert (public / "tags" / "geheimsache-zitronenfalter").is_dir()
    assert leaks(SECRET, [], None, public)  # public now: the search finds it
    # Held back after all (an embargo added): every list naming it goes at the next build.
    room.ready("2026-11-10-spaeter", title=f"{SECRET}",
               extra=f"language: en\ntags: [{SECRET}]\nembargo: 2026-12-24T10:00:00+01:00\n")
    build_pressroom(room.root, now=NOW, jobs=1)
    assert leaks(SECRET, [], None, public) == []
    assert not (public / "tags").exists()
    assert not (public / "lang" / "en").exists()
