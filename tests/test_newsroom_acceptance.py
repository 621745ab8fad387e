"""Issue 11 acceptance: a release's revision date in every dated output, a dry run planning
only the files a release gets, tag links on the release page and the event box's screen style."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import lxml.etree
import lxml.html
from conftest import Room

from pressroom.build import build_pressroom
from pressroom.dryrun import _stand_ins
from pressroom.render.registry import load_renderers, renderers_for

NOW = datetime(2030, 3, 1, tzinfo=UTC)
REVISED = "2030-02-12T09:30:00+01:00"
SITE = "https://presse.beispiel.example"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
EVENT = """\
event:
  title: Pressegespräch
  start: 2030-03-05T10:00:00
  end: 2030-03-05T12:30:00
"""


def build(room: Room) -> Path:
    build_pressroom(room.root, now=NOW, jobs=1)
    return room.root / "build" / "public"


def test_a_revised_release_is_dated_by_its_revision_in_every_feed_and_the_sitemap(room: Room) -> None:
    room.ready("2030-02-10-neu", extra="tags: [Beratung]\nupdated: 2030-02-12T09:30:00\n")
    room.ready("2030-02-01-alt")
    public = build(room)
    revised = datetime.fromisoformat(REVISED)

    items = {i["url"].rsplit("/", 1)[1]: i for i in json.loads((public / "feed.json").read_bytes())["items"]}
    assert datetime.fromisoformat(items["2030-02-10-neu.html"]["date_modified"]) == revised
    assert items["2030-02-10-neu.html"]["date_published"] < items["2030-02-10-neu.html"]["date_modified"]
    # without updated: the publication is the last revision
    assert items["2030-02-01-alt.html"]["date_modified"] == items["2030-02-01-alt.html"]["date_published"]

    for atom in (public / "atom.xml", public / "tags" / "beratung" / "atom.xml"):
        parsed = feedparser.parse(atom.read_bytes())
        entry = next(e for e in parsed.entries if e.link.endswith("2030-02-10-neu.html"))
        assert datetime.fromisoformat(entry.updated) == revised, atom
        assert datetime.fromisoformat(parsed.feed.updated) == revised  # the feed changed with it

    sitemap = lxml.etree.fromstring((public / "sitemap.xml").read_bytes())
    lastmod = {u.findtext(f"{SITEMAP}loc"): u.findtext(f"{SITEMAP}lastmod") for u in sitemap}
    assert datetime.fromisoformat(lastmod[f"{SITE}/2030-02-10-neu/2030-02-10-neu.html"]) == revised
    assert datetime.fromisoformat(lastmod[f"{SITE}/index.html"]) == revised


def test_the_dry_run_plans_only_the_files_each_release_gets(room: Room, tmp_path: Path) -> None:
    room.ready("2030-02-10-termin", extra=EVENT)
    room.ready("2030-02-01-ohne")
    pressroom = room.load(NOW)
    planned = _stand_ins(tmp_path / "stand-ins", pressroom)
    for slug in ("2030-02-10-termin", "2030-02-01-ohne"):
        gets = {r.name for r in renderers_for(pressroom.release(slug), load_renderers())}
        assert set(planned(slug)) == gets
    assert "ics" in planned("2030-02-10-termin")
    assert "ics" not in planned("2030-02-01-ohne")


def test_a_public_release_page_links_each_tag_to_its_tag_page(room: Room) -> None:
    room.ready("2030-02-10-neu", extra="tags: [Berufliche Bildung, Eröffnung]\n")
    room.ready("2030-04-10-spaeter", extra="tags: [Geheim]\n")  # not public at NOW
    public = build(room)
    page = public / "2030-02-10-neu" / "2030-02-10-neu.html"
    doc = lxml.html.document_fromstring(page.read_bytes())
    links = {a.text_content(): a.get("href") for a in doc.xpath("//section[@class='tags']//a[@rel='tag']")}
    assert links == {"Berufliche Bildung": "../tags/berufliche-bildung/index.html",
                     "Eröffnung": "../tags/eroffnung/index.html"}
    for href in links.values():
        tag_page = lxml.html.document_fromstring((page.parent / href).resolve().read_bytes())
        assert tag_page.xpath("//a[contains(@href, '2030-02-10-neu.html')]")
    private = room.root / "build" / "private" / "2030-04-10-spaeter" / "2030-04-10-spaeter.html"
    # an embargoed page would link a tag page that does not exist (yet)
    assert not lxml.html.document_fromstring(private.read_bytes()).xpath("//section[@class='tags']")


def test_the_event_box_has_a_screen_style_of_its_own(room: Room) -> None:
    room.ready("2030-02-10-termin", extra=EVENT)
    public = build(room)
    doc = lxml.html.document_fromstring((public / "2030-02-10-termin" / "2030-02-10-termin.html").read_bytes())
    assert doc.xpath("//section[@class='event']")
    css = "".join(doc.xpath("//style/text()"))
    screen = css[css.index("@media screen"):css.index("@media print")]
    assert ".event {" in screen and "border-left" in screen.split(".event {", 1)[1].split("}", 1)[0]
