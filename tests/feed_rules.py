"""The W3C feed validator's rules that matter for pressroom's feeds, and JSON Feed 1.1's.

The validator cannot be reached from here, so what it reports as an error or a
warning for feeds like ours is written out: well-formed XML feedparser reads
without complaint, absolute URLs (also inside the HTML content), RFC 822 dates
in RSS and RFC 3339 dates in Atom that are plausible (not before 1995, not after
the build), a self link naming where the feed stands, unique ids, an author, a
language. JSON feeds are checked against a JSON Schema of the 1.1 specification
(https://www.jsonfeed.org/version/1.1/) with jsonschema.

Each check returns a list of problems ("" when none), so a test can run it over every
feed of a built site and show them all at once.
"""

from __future__ import annotations

import email.utils
import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import feedparser
from lxml import etree

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
RFC822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"\d{4} \d\d:\d\d:\d\d [+-]\d{4}$"
)
# The feed validator's own pattern for Atom dates.
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*)?(Z|[+-]\d\d:\d\d)$")
# Before this the validator reports "Implausible date" (it flags 1970 for sure).
PLAUSIBLE_FROM = datetime(1995, 1, 1, tzinfo=UTC)

_STRING = {"type": "string", "minLength": 1}
_URL = {"type": "string", "pattern": "^https?://[^\\s]+$"}
_DATE = {"type": "string", "pattern": RFC3339.pattern}
_AUTHOR = {
    "type": "object",
    "properties": {"name": _STRING, "url": _URL, "avatar": _URL},
    "anyOf": [{"required": ["name"]}, {"required": ["url"]}, {"required": ["avatar"]}],
}
# JSON Feed 1.1 as a JSON Schema: required fields, types, and what pressroom promises on top
# (every item has a url, title, content_html and dates; attachments carry type and size).
JSON_FEED_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["version", "title", "home_page_url", "feed_url", "language", "authors", "items"],
    "properties": {
        "version": {"const": "https://jsonfeed.org/version/1.1"},
        "title": _STRING,
        "home_page_url": _URL,
        "feed_url": _URL,
        "description": {"type": "string"},
        "language": {"type": "string", "pattern": "^[a-z]{2,3}(-[A-Za-z0-9]+)*$"},
        "authors": {"type": "array", "minItems": 1, "items": _AUTHOR},
        "expired": {"type": "boolean"},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "url", "title", "content_html", "date_published", "date_modified"],
                "properties": {
                    "id": _STRING,
                    "url": _URL,
                    "title": _STRING,
                    "summary": {"type": "string"},
                    "content_html": _STRING,
                    "date_published": _DATE,
                    "date_modified": _DATE,
                    "language": {"type": "string"},
                    "tags": {"type": "array", "items": _STRING},
                    "authors": {"type": "array", "items": _AUTHOR},
                    "attachments": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["url", "mime_type", "size_in_bytes"],
                            "properties": {
                                "url": _URL,
                                "mime_type": _STRING,
                                "title": {"type": "string"},
                                "size_in_bytes": {"type": "integer", "minimum": 1},
                                "duration_in_seconds": {"type": "number"},
                            },
                            "additionalProperties": False,
                        },
                    },
                },
                # Unknown keys must start with "_" (extensions), per the spec.
                "patternProperties": {"^_": {}},
                "additionalProperties": False,
            },
        },
    },
    "patternProperties": {"^_": {}},
    "additionalProperties": False,
}
_OPTIONAL_FEED_KEYS = ("user_comment", "next_url", "icon", "favicon", "hubs")
for _key in _OPTIONAL_FEED_KEYS:
    JSON_FEED_SCHEMA["properties"][_key] = {}
for _key in ("external_url", "content_text", "image", "banner_image"):
    JSON_FEED_SCHEMA["properties"]["items"]["items"]["properties"][_key] = {}


def is_absolute(url: str | None) -> bool:
    parts = urlsplit(url or "")
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def plausible(moment: datetime, now: datetime) -> bool:
    return PLAUSIBLE_FROM <= moment <= now


def content_refs(html: str) -> list[str]:
    """The href and src values inside an HTML fragment."""
    fragment = etree.fromstring(f"<div>{html}</div>", etree.HTMLParser())
    return [str(ref) for ref in fragment.xpath("//a/@href | //img/@src")]


def relative_refs(htmls: list[str]) -> list[str]:
    return [
        ref for html in htmls for ref in content_refs(html)
        if not (is_absolute(ref) or ref.startswith("mailto:"))
    ]


def rss_problems(data: bytes, self_url: str, now: datetime) -> list[str]:
    """What the validator would report about the RSS 2.0 feed *data* found at *self_url*."""
    problems = []
    parsed = feedparser.parse(data)
    if parsed.bozo:
        problems.append(f"not well-formed: {parsed.get('bozo_exception')}")
        return problems
    channel = etree.fromstring(data).find("channel")
    assert channel is not None
    for name in ("title", "link", "description", "language", "lastBuildDate"):
        if not channel.findtext(name):
            problems.append(f"channel without {name}")
    selfs = [link.get("href") for link in channel.findall(f"{ATOM}link[@rel='self']")]
    if selfs != [self_url]:
        problems.append(f"self link {selfs} is not {self_url}")
    urls = [e.text for e in channel.iter("link")] + [e.get("url") for e in channel.iter("enclosure")]
    problems += [f"relative URL {url}" for url in urls if not is_absolute(url)]
    dates = [channel.findtext("lastBuildDate")] + [e.text for e in channel.iter("pubDate")]
    for text in dates:
        if not text or not RFC822.match(text):
            problems.append(f"not an RFC 822 date: {text}")
        elif not plausible(email.utils.parsedate_to_datetime(text), now):
            problems.append(f"implausible date: {text}")
    guids = [e.text for e in channel.iter("guid")]
    if len(set(guids)) != len(guids):
        problems.append("duplicate guid")
    for item in channel.iter("item"):
        for name in ("title", "link", "guid", "pubDate"):
            if not item.findtext(name):
                problems.append(f"item without {name}")
        enclosure = item.find("enclosure")
        if enclosure is not None and not (enclosure.get("length") or "").isdigit():
            problems.append("enclosure without length")
    problems += [f"relative reference {ref}" for ref in relative_refs(
        [e.text or "" for e in channel.iter(f"{CONTENT}encoded")])]
    return problems


def atom_problems(data: bytes, self_url: str, now: datetime) -> list[str]:
    """What the validator would report about the Atom 1.0 feed *data* found at *self_url*."""
    problems = []
    parsed = feedparser.parse(data)
    if parsed.bozo:
        return [f"not well-formed: {parsed.get('bozo_exception')}"]
    feed = etree.fromstring(data)
    if not feed.get("{http://www.w3.org/XML/1998/namespace}lang"):
        problems.append("feed without xml:lang")
    for name in ("id", "title", "updated", "author/" + ATOM + "name"):
        if not feed.findtext(f"{ATOM}{name}"):
            problems.append(f"feed without {name}")
    selfs = [link.get("href") for link in feed.findall(f"{ATOM}link[@rel='self']")]
    if selfs != [self_url]:
        problems.append(f"self link {selfs} is not {self_url}")
    urls = [e.get("href") for e in feed.iter(f"{ATOM}link")]
    problems += [f"relative URL {url}" for url in urls if not is_absolute(url)]
    for text in [e.text for e in feed.iter(f"{ATOM}updated", f"{ATOM}published")]:
        if not text or not RFC3339.match(text):
            problems.append(f"not an RFC 3339 date: {text}")
        elif not plausible(datetime.fromisoformat(text), now):
            problems.append(f"implausible date: {text}")
    ids = [e.findtext(f"{ATOM}id") for e in feed.iter(f"{ATOM}entry")]
    if len(set(ids)) != len(ids):
        problems.append("duplicate entry id")
    for entry in feed.iter(f"{ATOM}entry"):
        for name in ("id", "title", "updated", "content"):
            if not entry.findtext(f"{ATOM}{name}"):
                problems.append(f"entry without {name}")
        alternates = entry.findall(f"{ATOM}link[@rel='alternate']")
        if len(alternates) != 1 or alternates[0].get("type") != "text/html":
            problems.append("entry without exactly one text/html alternate link")
        for enclosure in entry.findall(f"{ATOM}link[@rel='enclosure']"):
            if not (enclosure.get("length") or "").isdigit() or not enclosure.get("type"):
                problems.append("enclosure without length or type")
    problems += [f"relative reference {ref}" for ref in relative_refs(
        [e.text or "" for e in feed.iter(f"{ATOM}content")])]
    return problems


def json_feed_problems(data: bytes, self_url: str, now: datetime) -> list[str]:
    """What JSON Feed 1.1 (and pressroom's promises on top) find wrong with *data* at *self_url*."""
    import jsonschema

    try:
        feed = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return [f"not JSON: {exc}"]
    validator = jsonschema.Draft202012Validator(JSON_FEED_SCHEMA)
    problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(feed)]
    if problems:
        return problems
    if feed["feed_url"] != self_url:
        problems.append(f"feed_url {feed['feed_url']} is not {self_url}")
    ids = [item["id"] for item in feed["items"]]
    if len(set(ids)) != len(ids):
        problems.append("duplicate item id")
    for item in feed["items"]:
        for key in ("date_published", "date_modified"):
            if not plausible(datetime.fromisoformat(item[key]), now):
                problems.append(f"implausible {key}: {item[key]}")
    problems += [f"relative reference {ref}" for ref in relative_refs(
        [item["content_html"] for item in feed["items"]])]
    return problems
