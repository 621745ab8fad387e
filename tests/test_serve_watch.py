"""What `pressroom serve` watches: the whole press room (a templates/ folder made while
it runs, logos outside releases/), not its outputs, its ledger or tools' folders."""

from __future__ import annotations

from pathlib import Path

from conftest import NOW, SETTINGS, Room
from serve_support import generation_of, get, page_once, wait_for_reload
from watchfiles import Change

from pressroom.serve import input_filter, serving

SLUG = "2029-12-01-fertig"
OVERRIDE = ('{% extends "default/release.html" %}{% block meta %}{{ super() }}'
            '<meta name="robots" content="noarchive">{% endblock %}')


def test_a_templates_folder_made_while_serving_changes_the_open_page(room: Room) -> None:
    room.ready(SLUG, title="Die fertige Meldung")
    assert not (room.root / "templates").exists()
    with serving(room.root, clock=lambda: NOW) as server:
        before = get(server.url, f"/{SLUG}/{SLUG}.html")
        assert "noarchive" not in before.text
        (room.root / "templates").mkdir()
        (room.root / "templates" / "release.html").write_text(OVERRIDE, encoding="utf-8")
        after = page_once(server.url, f"/{SLUG}/{SLUG}.html", generation_of(before), "noarchive")
    assert '<meta name="robots" content="noarchive">' in after.text


def test_a_logo_outside_releases_is_watched(room: Room) -> None:
    (room.root / "assets").mkdir()
    logo = room.root / "assets" / "logo.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="3"/>', encoding="utf-8")
    room.write_settings(SETTINGS.replace("organisation:\n", "organisation:\n  logo: ../assets/logo.svg\n", 1))
    room.ready(SLUG)
    with serving(room.root, clock=lambda: NOW) as server:
        before = get(server.url, "/")
        logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="90" height="30"/>',
                        encoding="utf-8")
        wait_for_reload(server.url, generation_of(before))


def test_outputs_the_ledger_and_tools_folders_are_not_inputs(tmp_path: Path) -> None:
    is_input = input_filter(tmp_path)
    modified = Change.modified
    for path in ("releases/2021-09-01-x.md", "releases/pressroom.yaml", "templates/release.html",
                 "assets/logo.png", "logo.png"):
        assert is_input(modified, str(tmp_path / path)), path
    for path in ("build/x/x.html", "var/ledger.sqlite3", ".git/index", ".venv/lib/a.py",
                 "node_modules/a/index.js", "releases/.x.md.swp"):
        assert not is_input(modified, str(tmp_path / path)), path
