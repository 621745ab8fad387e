"""The renderer registry: pressroom's formats and plug-ins installed under ``pressroom.renderers``."""

from __future__ import annotations

import json
import mailbox
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import Room

from pressroom.build import build_pressroom
from pressroom.cli import cli
from pressroom.errors import UserError
from pressroom.render.registry import load_renderers
from pressroom.state import MANIFEST

NOW = datetime(2021, 8, 26, 9, 0, tzinfo=UTC)
SLUG = "2021-05-04-a"
PLUGIN = '''\
from pressroom import Renderer

renderer = Renderer(
    "json", "application/json", "pressroom_jsonexport.render:render_json",
    attach=True, settings_parts=("organisation",),
)
'''
RENDER = '''\
import json


def render_json(release, ctx):
    data = {"title": release.title, "number": release.number, "from": ctx.settings.organisation.name}
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")
'''


def install(site: Path, entry_points: str, modules: dict[str, str]) -> None:
    """Install a distribution the way pip would: its modules and a .dist-info beside them."""
    info = site / "pressroom_jsonexport-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: pressroom-jsonexport\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(textwrap.dedent(entry_points))
    for name, text in modules.items():
        path = site / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder on sys.path for installed test plug-ins; the registry is read afresh around it."""
    folder = tmp_path / "site-packages"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    load_renderers.cache_clear()
    yield folder
    monkeypatch.undo()
    load_renderers.cache_clear()


@pytest.fixture
def json_plugin(site: Path) -> Path:
    install(site, "[pressroom.renderers]\njson = pressroom_jsonexport:renderer\n", {
        "pressroom_jsonexport/__init__.py": PLUGIN, "pressroom_jsonexport/render.py": RENDER,
    })
    return site


def test_pressroom_offers_html_pdf_docx_text_and_calendar_by_itself(site: Path) -> None:
    assert [(r.name, r.content_type, r.attach) for r in load_renderers()] == [
        ("html", "text/html", False),
        ("pdf", "application/pdf", True),
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", True),
        ("txt", "text/plain", False),
        ("ics", "text/calendar", True),  # made only for releases with an event (applies_to)
    ]


def test_an_installed_renderer_is_built_placed_and_recorded_without_touching_pressroom(
    room: Room, json_plugin: Path
) -> None:
    room.ready(SLUG, title="Eine Meldung")
    result = build_pressroom(room.root, now=NOW, jobs=2)
    assert result.rendered_formats[SLUG] == ("html", "pdf", "docx", "txt", "json")
    path = result.outputs(SLUG)["json"]
    assert path == room.root / "build" / "public" / SLUG / f"{SLUG}.json"
    assert json.loads(path.read_bytes()) == {"title": "Eine Meldung", "number": "1/2021", "from": "Beispiel e.V."}
    manifest = json.loads((room.root / "build" / MANIFEST).read_text(encoding="utf-8"))
    assert set(manifest["releases"][SLUG]["formats"]) == {"html", "pdf", "docx", "txt", "json"}
    # it declared it shows only the organisation: a new contact phone leaves it alone
    settings = room.releases / "pressroom.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace('"0381 1"', '"0381 7"'), encoding="utf-8")
    assert build_pressroom(room.root, now=NOW).rendered_formats == {SLUG: ("html", "pdf", "docx", "txt")}


def test_an_installed_renderer_marked_attach_goes_out_as_an_e_mail_attachment(
    room: Room, json_plugin: Path
) -> None:
    room.add_settings("""\
distribution:
  channels:
    outbox: {type: maildir, path: build/outbox}
  lists:
    presse:
      channel: outbox
      recipients: [{name: Redaktion Nord, email: nord@zeitung.example}]
  default_lists: [presse]
""")
    room.ready("2026-01-05-a", title="Mit Anhang")
    queue = room.root / "q.sqlite3"
    at = ["--root", str(room.root), "--queue", str(queue), "--now", "2026-01-05T12:00"]
    published = CliRunner().invoke(cli, ["publish", *at])
    assert published.exit_code == 0, published.output
    dispatched = CliRunner().invoke(cli, ["dispatch", "--once", *at])
    assert dispatched.exit_code == 0, dispatched.output
    [stored] = mailbox.Maildir(room.root / "build" / "outbox", create=False)
    message = message_from_bytes(stored.as_bytes(), policy=policy.default)
    parts = {str(part.get_filename()): part for part in message.iter_attachments()}
    assert sorted(parts) == ["2026-01-05-a.json", "2026-01-05-a.pdf"]
    assert parts["2026-01-05-a.json"].get_content_type() == "application/json"
    assert json.loads(parts["2026-01-05-a.json"].get_content())["title"] == "Mit Anhang"


@pytest.mark.parametrize(
    ("entry", "modules", "says"),
    [
        ("broken = pressroom_missing:renderer", {}, "renderer plug-in 'broken' (pressroom_missing:renderer) "
         "failed to load: No module named 'pressroom_missing'"),
        ("plain = pressroom_plain:renderer", {"pressroom_plain.py": "renderer = 42\n"},
         "renderer plug-in 'plain' (pressroom_plain:renderer) is not a pressroom Renderer"),
        ("again = pressroom_again:renderer", {"pressroom_again.py": (
            "from pressroom.render.registry import Renderer\n"
            "renderer = Renderer('pdf', 'application/pdf', 'pressroom_again:nothing')\n")},
         "renderer plug-in 'again' takes the format name 'pdf' again"),
        ("parts = pressroom_parts:renderer", {"pressroom_parts.py": (
            "from pressroom.render.registry import Renderer\n"
            "renderer = Renderer('csv', 'text/csv', 'pressroom_parts:nothing', settings_parts=('channels',))\n")},
         "renderer plug-in 'parts': settings_parts must be among organisation, site, contacts, boilerplates"),
    ],
)
def test_a_bad_plug_in_is_one_line_naming_it(site: Path, entry: str, modules: dict[str, str], says: str) -> None:
    install(site, f"[pressroom.renderers]\n{entry}\n", modules)
    with pytest.raises(UserError) as info:
        load_renderers()
    assert str(info.value) == says


def test_the_files_of_an_uninstalled_renderer_leave_the_site(room: Room, json_plugin: Path) -> None:
    room.ready(SLUG)
    json_file = build_pressroom(room.root, now=NOW).outputs(SLUG)["json"]
    assert json_file.is_file()
    shutil.rmtree(json_plugin / "pressroom_jsonexport-1.0.dist-info")  # as pip uninstall does
    load_renderers.cache_clear()
    result = build_pressroom(room.root, now=NOW)
    # only the page again: it no longer links the JSON download
    assert dict(result.rendered_formats) == {SLUG: ("html",)} and not json_file.exists()
    page = result.outputs(SLUG)["html"].read_text(encoding="utf-8")
    assert f'href="{SLUG}.pdf"' in page and f'href="{SLUG}.json"' not in page
    assert set(result.outputs(SLUG)) == {"html", "pdf", "docx", "txt"}
    manifest = json.loads((room.root / "build" / MANIFEST).read_text(encoding="utf-8"))
    assert set(manifest["releases"][SLUG]["formats"]) == {"html", "pdf", "docx", "txt"}


def test_cli_start_up_neither_reads_the_plug_ins_nor_imports_a_renderer() -> None:
    code = "import sys, pressroom.cli; print(sorted(m for m in sys.modules if m.startswith(('pressroom.render', 'weasyprint', 'docx'))))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
