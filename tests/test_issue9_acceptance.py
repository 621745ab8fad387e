"""Issue 9's last gaps and what its acceptance pass found, each proven through real outputs:
the page, index and feeds link the registry's downloads (a plug-in format too), the DOCX
metadata and the HTML e-mail come from the view, the e-mail template has blocks to override,
and the queue's send and baseline are library functions."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import lxml.html
import pytest
from click.testing import CliRunner
from conftest import SLUG_2021, Room, load_sample
from docx import Document
from test_renderers import PLUGIN, RENDER, install

import pressroom.load
import pressroom.settings
from pressroom.authoring import TEMPLATES_README
from pressroom.build import build_pressroom
from pressroom.cli import cli
from pressroom.defaults import default_templates
from pressroom.errors import UserError
from pressroom.publish import queue_baseline, queue_send
from pressroom.queue import SqliteQueue
from pressroom.render import RenderContext
from pressroom.render.docx import render_docx
from pressroom.render.email import render_email_html
from pressroom.render.registry import load_renderers
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


@pytest.fixture
def json_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The renderer plug-in of test_renderers (a JSON download), installed as pip would."""
    site = tmp_path / "site-packages"
    install(site, "[pressroom.renderers]\njson = pressroom_jsonexport:renderer\n", {
        "pressroom_jsonexport/__init__.py": PLUGIN, "pressroom_jsonexport/render.py": RENDER,
    })
    monkeypatch.syspath_prepend(str(site))
    load_renderers.cache_clear()
    yield site
    monkeypatch.undo()
    load_renderers.cache_clear()


def test_a_plugin_download_is_linked_from_page_index_and_feeds(room: Room, json_format: Path) -> None:
    slug = "2021-05-04-a"
    room.ready(slug, title="Eine Meldung")
    public = build_pressroom(room.root, now=datetime(2021, 8, 26, 9, 0, tzinfo=UTC)).out / "public"
    folder = public / slug
    page = lxml.html.fromstring((folder / f"{slug}.html").read_bytes())
    assert [(a.get("href"), a.get("type"), a.text_content()) for a in page.xpath("//nav//a")[1:]] == [
        (f"{slug}.pdf", "application/pdf", "PDF herunterladen"),
        (f"{slug}.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "DOCX herunterladen"),
        (f"{slug}.json", "application/json", "JSON herunterladen"),
    ]
    for link in page.xpath("//nav//a")[1:]:
        assert (folder / link.get("href")).is_file()  # every link leads to a built file
    index = lxml.html.fromstring((public / "index.html").read_bytes())
    assert [a.text_content() for a in index.xpath("//p[@class='entry-downloads']/a")] == ["PDF", "DOCX", "JSON"]
    assert index.xpath("//p[@class='entry-downloads']/a/@href")[2] == f"{slug}/{slug}.json"
    base = f"https://presse.beispiel.example/{slug}/{slug}"
    sizes = {fmt: str((folder / f"{slug}.{fmt}").stat().st_size) for fmt in ("pdf", "docx", "json")}
    atom = feedparser.parse((public / "atom.xml").read_bytes())
    assert atom.bozo == 0
    assert [(e.href, e.length, e.type) for e in atom.entries[0].enclosures] == [
        (f"{base}.pdf", sizes["pdf"], "application/pdf"),
        (f"{base}.docx", sizes["docx"],
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (f"{base}.json", sizes["json"], "application/json"),
    ]
    rss = feedparser.parse((public / "feed.xml").read_bytes())
    # RSS allows one enclosure per item: the first download, the PDF
    assert [(e.href, e.length) for e in rss.entries[0].enclosures] == [(f"{base}.pdf", sizes["pdf"])]


MAILDIR_ONLY = """\
distribution:
  channels:
    outbox: {type: maildir}
  lists:
    presse:
      channel: outbox
      recipients: [{name: Nord, email: nord@zeitung.example}, {name: Süd, email: sued@zeitung.example}]
  default_lists: [presse]
"""


def test_queue_send_and_baseline_are_library_functions(room: Room, tmp_path: Path) -> None:
    room.add_settings(MAILDIR_ONLY)
    room.ready("2020-01-01-alt", title="Alt")
    room.ready("2020-02-01-auch-alt", title="Auch alt")
    at = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    with SqliteQueue(tmp_path / "ledger.sqlite3") as queue:
        sent = queue_send(room.root, queue, "2020-01-01-alt", at)
        assert (sent.revision, sent.queued) == (1, 2)
        assert sent.line() == "send 2020-01-01-alt: 2 job(s) queued (revision 1)"
        assert queue_send(room.root, queue, "2020-01-01-alt", at).line() == (
            "send 2020-01-01-alt: 0 job(s) queued (revision 1); every recipient was queued already")
        with pytest.raises(UserError, match="no release with the slug 'fehlt'"):
            queue_send(room.root, queue, "fehlt", at)
        report = queue_baseline(room.root, queue, at)
        assert (report.recorded, report.known) == (["2020-02-01-auch-alt"], ["2020-01-01-alt"])
        assert {job.email for job in queue.jobs()} == {"nord@zeitung.example", "sued@zeitung.example"}


@pytest.mark.parametrize("command", [
    ["publish"], ["publish", "--dry-run"], ["queue", "send", "2020-01-01-alt"], ["queue", "baseline"],
])
def test_a_distribution_command_loads_the_settings_once(
    room: Room, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    room.add_settings(MAILDIR_ONLY)
    room.ready("2020-01-01-alt", title="Alt")
    loads: list[Path] = []
    real = pressroom.settings.load_settings

    def counted(root: Path, *args: object, **kwargs: object) -> object:
        loads.append(root)
        return real(root, *args, **kwargs)  # type: ignore[arg-type]

    # both names the settings loader is called by: the CLI's and the loader's
    monkeypatch.setattr(pressroom.settings, "load_settings", counted)
    monkeypatch.setattr(pressroom.load, "load_settings", counted)
    args = ["--root", str(room.root), "--queue", str(tmp_path / "q.sqlite3"), "--now", "2030-01-01T12:00"]
    result = CliRunner().invoke(cli, [*command[:1], *args, *command[1:]])
    assert result.exit_code == 0, result.output
    assert len(loads) == 1


def test_the_new_rooms_templates_readme_names_every_default_a_room_can_replace() -> None:
    replaceable = sorted(p.name for p in default_templates().iterdir() if p.name != "README.md")
    assert {"release.txt", "feed_entry.html", "reference.docx"} <= set(replaceable)
    assert [name for name in replaceable if name not in TEMPLATES_README] == []


# What a room's copy of the default index.html (``init`` used to copy them all) said
# before the downloads came from the registry.
OLD_INDEX = """\
<ol>
{% for entry in entries %}
  <li><a href="{{ entry.href }}">{{ entry.release.title }}</a> <a href="{{ entry.pdf }}">PDF</a></li>
{% endfor %}
</ol>
"""


def test_an_index_copied_from_an_older_default_is_one_line_naming_it(room: Room) -> None:
    templates = room.root / "templates"
    templates.mkdir()
    (templates / "index.html").write_text(OLD_INDEX, encoding="utf-8")
    room.ready("2021-05-04-a")
    result = CliRunner().invoke(cli, ["build", "--root", str(room.root), "--now", "2021-08-26T09:00"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert (f"{templates / 'index.html'}:1: template index.html: 'dict object' has no attribute 'pdf'; "
            "an index entry lists its files as `entry.downloads` (see the README, Templates): "
            "update this copy of an older default, or delete it") in result.output


def test_a_syntax_error_in_an_index_override_is_one_line_at_its_line(room: Room) -> None:
    templates = room.root / "templates"
    templates.mkdir()
    (templates / "index.html").write_text(
        '{% extends "default/index.html" %}\n{% block style %}{{ super() }\n', encoding="utf-8")
    room.ready("2021-05-04-a")
    result = CliRunner().invoke(cli, ["build", "--root", str(room.root), "--now", "2021-08-26T09:00"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert f"{templates / 'index.html'}:2: template index.html: unexpected '}}'" in result.output


def test_an_index_override_that_fails_is_one_line_and_its_traceback_with_v(room: Room) -> None:
    templates = room.root / "templates"
    templates.mkdir()
    (templates / "index.html").write_text(
        '{% extends "default/index.html" %}\n{% block style %}{{ 1 // 0 }}{% endblock %}\n',
        encoding="utf-8")
    room.ready("2021-05-04-a")
    args = ["build", "--root", str(room.root), "--now", "2021-08-26T09:00"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert ("rendering the newsroom pages and feeds failed: ZeroDivisionError: integer division or "
            "modulo by zero (pressroom -v shows where)") in result.output
    assert "Traceback" not in result.output
    verbose = CliRunner().invoke(cli, ["-v", *args])
    assert verbose.exit_code == 1
    assert "Traceback" in verbose.output and 'templates/index.html", line 2' in verbose.output
