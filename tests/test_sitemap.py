"""sitemap.xml and robots.txt of a built site, parsed with lxml and validated against the
sitemaps.org 0.9 structure; and the feeds of a new room, before its first release."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from click.testing import CliRunner
from feed_rules import atom_problems, json_feed_problems, rss_problems
from lxml import etree

from pressroom.build import build_pressroom
from pressroom.cli import cli

if TYPE_CHECKING:
    from conftest import Room

NOW = datetime(2026, 11, 22, tzinfo=UTC)
BASE = "https://presse.beispiel.example"
NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
# The structure of https://www.sitemaps.org/schemas/sitemap/0.9/sitemap.xsd, for what a
# urlset may hold: loc (absolute, at most 2048 characters), lastmod (W3C Datetime),
# changefreq, priority; nothing else, in this order.
SITEMAP_XSD = b"""<?xml version="1.0" encoding="UTF-8"?>
<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema"
    targetNamespace="http://www.sitemaps.org/schemas/sitemap/0.9"
    xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" elementFormDefault="qualified">
  <xsd:element name="urlset">
    <xsd:complexType><xsd:sequence>
      <xsd:element name="url" type="tUrl" maxOccurs="unbounded"/>
    </xsd:sequence></xsd:complexType>
    <xsd:unique name="uniqueLoc"><xsd:selector xpath="url"/><xsd:field xpath="loc"/></xsd:unique>
  </xsd:element>
  <xsd:complexType name="tUrl"><xsd:sequence>
    <xsd:element name="loc" type="tLoc"/>
    <xsd:element name="lastmod" type="tLastmod" minOccurs="0"/>
    <xsd:element name="changefreq" type="xsd:string" minOccurs="0"/>
    <xsd:element name="priority" type="xsd:decimal" minOccurs="0"/>
  </xsd:sequence></xsd:complexType>
  <xsd:simpleType name="tLoc">
    <xsd:restriction base="xsd:anyURI"><xsd:minLength value="12"/><xsd:maxLength value="2048"/></xsd:restriction>
  </xsd:simpleType>
  <xsd:simpleType name="tLastmod">
    <xsd:union memberTypes="xsd:date xsd:dateTime"/>
  </xsd:simpleType>
</xsd:schema>
"""
W3C_DATETIME = re.compile(r"^\d{4}-\d\d-\d\d(T\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d))?$")


def sitemap_urls(public: Path) -> dict[str, str]:
    """Validate public/sitemap.xml against the protocol and return loc -> lastmod."""
    schema = etree.XMLSchema(etree.fromstring(SITEMAP_XSD))
    tree = etree.parse(str(public / "sitemap.xml"))
    schema.assertValid(tree)
    found = {}
    for url in tree.getroot().iterfind(f"{NS}url"):
        loc, lastmod = url.findtext(f"{NS}loc"), url.findtext(f"{NS}lastmod")
        assert loc is not None and lastmod is not None
        assert W3C_DATETIME.match(lastmod), lastmod
        found[loc] = lastmod
    return found


def test_sitemap_lists_every_public_page_with_its_last_change(room: Room) -> None:
    room.ready("2021-03-01-a", extra="tags: [Bildung]\n")
    room.ready("2022-02-01-b", extra="language: en\n")
    room.write_settings((room.releases / "pressroom.yaml").read_text(encoding="utf-8").replace(
        "  default_place: Rostock\n", "  default_place: Rostock\n  front_page_size: 1\n"))
    build_pressroom(room.root, now=NOW, jobs=1)
    public = room.root / "build" / "public"
    urls = sitemap_urls(public)
    pages = {f"{BASE}/{p.relative_to(public).as_posix()}" for p in public.rglob("*.html")}
    assert set(urls) == pages
    assert len(pages) == 2 + 1 + 1 + 2 + 2  # releases, index, tag, languages, archives
    assert urls[f"{BASE}/2021-03-01-a/2021-03-01-a.html"] == "2021-03-01T00:00:00+01:00"
    assert urls[f"{BASE}/index.html"] == "2022-02-01T00:00:00+01:00"  # its newest release
    assert urls[f"{BASE}/tags/bildung/index.html"] == "2021-03-01T00:00:00+01:00"
    assert urls[f"{BASE}/archive/2021/index.html"] == "2021-03-01T00:00:00+01:00"


def test_robots_txt_points_at_the_sitemap_by_absolute_url(room: Room) -> None:
    build_pressroom(room.root, now=NOW, jobs=1)
    robots = (room.root / "build" / "public" / "robots.txt").read_text(encoding="utf-8")
    assert f"Sitemap: {BASE}/sitemap.xml" in robots.splitlines()
    assert "User-agent: *" in robots.splitlines()
    assert not any(line.startswith("Disallow: /") and line != "Disallow: " for line in robots.splitlines())


def test_a_new_room_gets_valid_feeds_dated_plausibly(tmp_path: Path) -> None:
    root = tmp_path / "new"
    runner = CliRunner()
    assert runner.invoke(cli, ["init", str(root)]).exit_code == 0
    result = runner.invoke(cli, ["build", "--root", str(root)])
    assert result.exit_code == 0, result.output
    public = root / "build" / "public"
    # init has no public release: the feeds are empty, and still pass the validator's rules.
    now = datetime.now(UTC)
    base = next(u for u in sitemap_urls(public)).removesuffix("index.html")
    assert rss_problems((public / "feed.xml").read_bytes(), f"{base}feed.xml", now) == []
    assert atom_problems((public / "atom.xml").read_bytes(), f"{base}atom.xml", now) == []
    assert json_feed_problems((public / "feed.json").read_bytes(), f"{base}feed.json", now) == []
    assert json.loads((public / "feed.json").read_bytes())["items"] == []
    assert b"1970" not in (public / "atom.xml").read_bytes()
