"""One release view, every format: each output shows every block of the view.

The blocks to look for come from the view itself (``shown_texts`` walks its
fields), so a field added to ReleaseView and left out of some format fails here
until that format shows it, or the field is marked as not shown.
"""

from __future__ import annotations

import dataclasses
import pickle
import re
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import feedparser
import lxml.html
import pytest
from conftest import NOW, SLUG_2013, SLUG_2021, Room, load_sample
from PIL import Image as PILImage
from readback import docx_text, pdftotext

from pressroom.errors import UserError
from pressroom.mail import MessageBuilder
from pressroom.model import Release
from pressroom.publish import make_edition
from pressroom.queue import Job
from pressroom.render import RenderContext
from pressroom.render.docx import render_docx
from pressroom.render.feed import render_feeds
from pressroom.render.html import render_html
from pressroom.render.pdf import render_pdf
from pressroom.render.text import render_text
from pressroom.render.view import ReleaseView, release_view

FULL = "2030-03-01-alles"
# Before the fixture's embargo: every output carries the Sperrfrist notice.
BEFORE = datetime(2030, 2, 1, 9, 0, tzinfo=UTC)

FULL_SETTINGS = """\
organisation:
  name: Beispiel e.V.
  address: |
    Hauptstraße 1
    18055 Rostock
  website: https://www.beispiel.example/
  email: presse@beispiel.example
  phone: "0381 123456"
site:
  base_url: https://presse.beispiel.example
  title: Beispiel Pressemitteilungen
  default_place: Rostock
contacts:
  anna: {name: Anna Muster, role: Pressesprecherin, email: anna@beispiel.example, phone: "0381 1"}
  ben: {name: Ben Beispiel, role: Geschäftsführer, email: ben@beispiel.example, phone: "0381 2"}
boilerplates:
  neu:
    valid_from: 2019-01-01
    funders: [Stiftung Sonnenschein, Europäischer Sozialfonds]
    text: "Das Projekt wird **gefördert** von der Stiftung. [Mehr zum Projekt](https://projekt.example)"
"""

FULL_FRONT = """\
title: Migrant*innen eröffnen Beratungsstelle
date: 2030-03-01T10:00:00
number: 7/2030
subtitle: Ein Untertitel mit Ümlauten
lead: Der *Vorspann* mit [einem Link](https://vorspann.example/seite).
contacts: [anna, ben]
embargo: 2030-03-01T12:00:00+01:00
tags: [Beratung, Eröffnung]
links:
  - {title: Factsheet zur Beratung, url: https://example.org/factsheet%20neu.pdf}
  - {title: Böser Verweis, url: 'javascript:alert(1)'}
attachments: [factsheet.pdf]
images:
  - {file: eroeffnung.png, alt: Das Team vor der Tür, caption: Eröffnung der Beratungsstelle,
     credit: Jana Fotografin, license: CC BY 4.0}
status: draft
event:
  title: Eröffnungsfeier mit Pressegespräch
  start: 2030-03-05T10:00:00
  end: 2030-03-05T12:30:00
  location: Beratungsstelle Südstadt
  address: |
    Lindenstraße 5
    18055 Rostock
  url: https://beispiel.example/termine/eroeffnung
"""

FULL_BODY = """\
Der erste Absatz mit `Code`, **Fettem** und einem [Verweis](https://body.example/x).

## Zwischenüberschrift

- erster Punkt
- zweiter Punkt

1. eins
2. zwei

> Ein Zitat der Geschäftsführerin.

### Kleine Überschrift

| Spalte A | Spalte B |
|----------|---------:|
| Zelle 1  | Zelle 2  |

Der letzte Absatz.
"""


def full_release(room: Room) -> tuple[Release, RenderContext]:
    """The fixture release with every block, and a context before its embargo."""
    room.write_settings(FULL_SETTINGS)
    (room.releases / "factsheet.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    PILImage.new("RGB", (120, 80), (30, 90, 160)).save(room.releases / "eroeffnung.png")
    room.release(FULL, FULL_FRONT, FULL_BODY)
    pressroom = room.load(BEFORE)
    return pressroom.release(FULL), RenderContext.for_settings(pressroom.settings, BEFORE)


# -- what the view says must be shown ----------------------------------------------------

def shown_texts(value: object, path: str = "view") -> list[tuple[str, str]]:
    """Return (field path, text) for every text the view holds for readers.

    Fields marked ``shown: False`` are skipped, ``shown: "html"`` fields give the
    text of their HTML, empty values (None, "", an empty block) are not shown.
    """
    if not value:
        return []
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, tuple):
        return [item for index, element in enumerate(value)
                for item in shown_texts(element, f"{path}[{index}]")]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        found = []
        for spec in dataclasses.fields(value):
            shown = spec.metadata.get("shown", True)
            field_value = getattr(value, spec.name)
            if shown is False or not field_value:
                continue
            if shown == "html":
                found += [(f"{path}.{spec.name}", text) for text in html_texts(str(field_value))]
            else:
                found += shown_texts(field_value, f"{path}.{spec.name}")
        return found
    raise AssertionError(f"{path}: a {type(value).__name__} readers cannot see: mark the field "
                         "shown False, or give it text")


def html_texts(fragment: str) -> list[str]:
    """Return the text pieces of an HTML fragment (each text node, stripped)."""
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    return [text.strip() for text in root.itertext() if text.strip()]


# Line breaks, hyphenation at line ends and case (text headings are upper case) vary by
# format; the words and their order do not.
_IGNORED = re.compile(r"[\s\-\u00ad\u2010\u2011]+")


def normal(text: str) -> str:
    return _IGNORED.sub("", text).casefold()


# -- every format, read back with its real parser -----------------------------------------

def html_text(html: bytes | str) -> str:
    document = lxml.html.document_fromstring(html)
    return str(document.body.text_content())


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "release.pdf"
    path.write_bytes(pdf)
    return pdftotext(path)


def mail_bodies(release: Release, ctx: RenderContext, files: dict[str, bytes],
                tmp_path: Path) -> tuple[str, str]:
    """Queue-freeze *release* as publish does, build its message as a channel does, parse it
    back with the email package; return the text and the HTML part."""
    paths = {}
    for kind, data in files.items():
        paths[kind] = tmp_path / "build" / release.slug / f"{release.slug}.{kind}"
        paths[kind].parent.mkdir(parents=True, exist_ok=True)
        paths[kind].write_bytes(data)
    edition = make_edition(release, ctx.settings, paths, 1, ctx.now)
    job = Job(id=1, key="k" * 40, slug=release.slug, revision=1, list_name="presse",
              channel="outbox", email="nord@zeitung.example", name="Redaktion Nord",
              state="pending", not_before=ctx.now, attempts=0, last_error="", leased_until=None,
              lease_owner="", created_at=ctx.now, updated_at=ctx.now, sent_at=None)
    wire = MessageBuilder(clock=lambda: ctx.now).build(edition, job)
    message = message_from_bytes(wire, policy=policy.default)
    assert isinstance(message, EmailMessage)
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html_text(html.get_content())


def feed_entry_text(release: Release, ctx: RenderContext) -> str:
    """Return what the Atom entry of *release* shows: title, summary, content."""
    _, atom = render_feeds([release], ctx, {release.slug: {}})
    parsed = feedparser.parse(atom)
    assert parsed.bozo == 0, parsed.bozo_exception
    (entry,) = parsed.entries
    return "\n".join([entry.title, entry.get("summary", ""), html_text(entry.content[0].value)])


def every_format(release: Release, ctx: RenderContext, tmp_path: Path) -> dict[str, str]:
    """Render *release* to every format and return the text a reader sees in each."""
    files = {"html": render_html(release, ctx), "pdf": render_pdf(release, ctx),
             "docx": render_docx(release, ctx), "txt": render_text(release, ctx)}
    mail_text, mail_html = mail_bodies(release, ctx, files, tmp_path)
    return {
        "html": html_text(files["html"]),
        "pdf": pdf_text(files["pdf"], tmp_path),
        "docx": docx_text(files["docx"]),
        "text": files["txt"].decode("utf-8"),
        "e-mail text": mail_text,
        "e-mail html": mail_html,
        "feed entry": feed_entry_text(release, ctx),
    }


def missing_blocks(view: ReleaseView, outputs: dict[str, str]) -> list[str]:
    expected = shown_texts(view)
    return [f"{fmt}: {path} = {text!r}" for fmt, output in outputs.items()
            for path, text in expected if normal(text) not in normal(output)]


# -- the tests -----------------------------------------------------------------------------

def test_fixture_with_every_block_shows_each_in_every_format(room: Room, tmp_path: Path) -> None:
    release, ctx = full_release(room)
    view = release_view(release, ctx)
    shown = {path.split("[")[0].split(".")[1] for path, _ in shown_texts(view)}
    # The fixture really has every block, or the test below would prove less than it says.
    hidden = {f.name for f in dataclasses.fields(ReleaseView) if f.metadata.get("shown") is False}
    assert shown == {f.name for f in dataclasses.fields(ReleaseView)} - hidden
    assert missing_blocks(view, every_format(release, ctx, tmp_path)) == []


@pytest.mark.parametrize("slug", [SLUG_2013, SLUG_2021])
def test_sample_release_shows_every_block_in_every_format(
    sample_root: Path, tmp_path: Path, slug: str
) -> None:
    pressroom = load_sample(sample_root)
    release = pressroom.release(slug)
    ctx = RenderContext.for_settings(pressroom.settings, NOW)
    view = release_view(release, ctx)
    assert view.funders and view.contacts and view.kicker
    assert missing_blocks(view, every_format(release, ctx, tmp_path)) == []


def test_a_block_missing_from_a_format_is_reported(room: Room) -> None:
    release, ctx = full_release(room)
    view = release_view(release, ctx)
    text = render_text(release, ctx).decode("utf-8")
    without_funders = text.replace("Stiftung Sonnenschein", "")
    assert missing_blocks(view, {"text": without_funders}) == [
        "text: view.funders.items[0].name = 'Stiftung Sonnenschein'"
    ]


def test_funders_line_is_in_the_docx_and_the_html_email(room: Room, tmp_path: Path) -> None:
    release, ctx = full_release(room)
    outputs = every_format(release, ctx, tmp_path)
    line = "Gefördert durch: Stiftung Sonnenschein, Europäischer Sozialfonds"
    assert line in outputs["docx"]
    assert line in " ".join(outputs["e-mail html"].split())


def test_view_is_built_once_per_context_and_pickles(room: Room) -> None:
    release, ctx = full_release(room)
    view = release_view(release, ctx)
    assert release_view(release, ctx) is view  # the formats of one render share it
    other = RenderContext.for_settings(ctx.settings, ctx.now)
    assert release_view(release, other) is not view and release_view(release, other) == view
    assert pickle.loads(pickle.dumps(view)) == view  # travels to the build's workers


def test_view_is_localised_and_safe(room: Room) -> None:
    release, ctx = full_release(room)
    view = release_view(release, ctx)
    assert view.kicker == "Pressemitteilung 7/2030"
    assert view.contacts.heading == "Pressekontakte"
    assert view.funders.heading == "Gefördert durch"
    assert view.draft_notice == "Entwurf – nicht zur Veröffentlichung"
    assert view.embargo_notice == (
        "Sperrfrist: 01.03.2030, 12:00 Uhr. Veröffentlichung erst nach Ablauf der Sperrfrist."
    )
    factsheet, evil = view.links.items
    assert factsheet.href == "https://example.org/factsheet%20neu.pdf"
    assert factsheet.address == "https://example.org/factsheet neu.pdf"
    assert evil.href is None and evil.address == ""
    assert [a.href for a in view.attachments.items] == ["factsheet.pdf"]
    assert view.lead is not None and view.lead.text == (
        "Der Vorspann mit einem Link (https://vorspann.example/seite)."
    )
    assert view.organisation.website_shown == "www.beispiel.example"


def test_one_contact_gets_the_singular_heading(room: Room) -> None:
    room.ready("2030-01-01-eins", extra="contacts: [ben]\n")
    pressroom = room.load()
    view = release_view(pressroom.releases[0], RenderContext.for_settings(pressroom.settings, NOW))
    assert view.contacts.heading == "Pressekontakt"


# The README's example of a template override, word for word.
TEXT_OVERRIDE = """\
{#- Our text version (e-mail text part and .txt): pressroom's default, with the
    contacts on one line each and a reprint note at the end. -#}
{% extends "default/release.txt" %}

{% block contacts %}
{% if view.contacts %}
{{ view.contacts.heading | underlined("-") }}
{% for contact in view.contacts.items %}
{{ contact.name }}, {{ contact.role }}: {{ contact.email }}
{% endfor %}

{% endif %}
{% endblock %}

{% block organisation %}
{{ super() }}
Abdruck honorarfrei. Belegexemplar bitte an {{ view.organisation.email }}.
{% endblock %}
"""


def test_press_room_overrides_the_text_and_extends_the_default(room: Room) -> None:
    templates = room.root / "templates"
    templates.mkdir()
    (templates / "release.txt").write_text(TEXT_OVERRIDE, encoding="utf-8")
    room.ready("2030-01-01-eins", title="Zahlen & <b>Fakten</b>", extra="contacts: [anna, ben]\n")
    pressroom = room.load()
    text = render_text(pressroom.releases[0], RenderContext.for_settings(pressroom.settings, NOW))
    lines = text.decode("utf-8").splitlines()
    assert "Zahlen & <b>Fakten</b>" in lines  # text is never HTML-escaped
    assert lines[lines.index("Pressekontakte") + 2:][:2] == [
        "Anna Muster, Pressesprecherin: anna@beispiel.example",
        "Ben Beispiel, Geschäftsführer: ben@beispiel.example",
    ]
    assert lines[-3:] == [  # the default's organisation block, then the addition
        "https://www.beispiel.example",
        "",
        "Abdruck honorarfrei. Belegexemplar bitte an presse@beispiel.example.",
    ]


def test_press_room_overrides_the_feed_entry_and_it_stays_escaped(room: Room) -> None:
    templates = room.root / "templates"
    templates.mkdir()
    (templates / "feed_entry.html").write_text(
        "<p class=\"eigen\">{{ view.title }}</p>\n{% include \"default/feed_entry.html\" %}",
        encoding="utf-8",
    )
    room.ready("2030-01-01-eins", title="Zahlen & <script>alert(1)</script>")
    pressroom = room.load()
    ctx = RenderContext.for_settings(pressroom.settings, NOW)
    entry = feedparser.parse(render_feeds(pressroom.releases, ctx, {"2030-01-01-eins": {}})[1]).entries[0]
    content = entry.content[0].value
    assert content.startswith("<p>Zahlen &amp; &lt;script&gt;alert(1)&lt;/script&gt;</p>")
    assert "Gefördert vom Neuen Programm" in content  # the default's part is there too


def test_a_copied_template_from_before_the_view_names_its_file(room: Room) -> None:
    templates = room.root / "templates"
    templates.mkdir()
    outdated = templates / "release.html"
    outdated.write_text("<h1>{{ release.title }}</h1>\n{{ number_label }}\n", encoding="utf-8")
    room.ready("2030-01-01-eins")
    pressroom = room.load()
    ctx = RenderContext.for_settings(pressroom.settings, NOW)
    with pytest.raises(UserError) as raised:
        render_html(pressroom.releases[0], ctx)
    assert str(raised.value).startswith(f"{outdated}:1: template release.html: 'release' is undefined")
    assert "`view`" in str(raised.value)
