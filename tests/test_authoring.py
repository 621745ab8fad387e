"""`pressroom new` and `pressroom init` for PR staff: placeholders in the room's language
that `check` finds until they are replaced, a German room by default, and a sample room
in which `new` works on today's date."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import lxml.html
import pytest
from click.testing import CliRunner
from conftest import Room

from pressroom.build import build_pressroom
from pressroom.cli import cli
from pressroom.load import load_pressroom


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def new(root: Path, title: str, *extra: str) -> Path:
    code, output = run("new", title, "--root", str(root), *extra)
    assert code == 0, output
    # the line is in the room's language: "created PATH" or "angelegt: PATH"
    return Path(re.split(r"created |angelegt: ", output, maxsplit=1)[1].strip())


def test_new_works_in_the_sample_room_on_todays_date(sample_root: Path) -> None:
    path = new(sample_root, "Sommerfest im Netzwerk")
    assert path.name == f"{date.today().isoformat()}-sommerfest-im-netzwerk.md"
    code, output = run("check", "--root", str(sample_root))
    assert code == 0, output
    # Only the two placeholders stand between the draft and a clean check.
    assert output.splitlines()[-1] == "check ok: 3 release(s), 0 error(s), 2 warning(s)"


def test_the_sample_boilerplate_of_today_is_marked_as_sample_text(sample_root: Path) -> None:
    result = load_pressroom(sample_root)
    assert result.pressroom is not None
    today = [b for b in result.pressroom.settings.boilerplates.values() if b.covers(date.today())]
    assert len(today) == 1 and today[0].text.startswith("Beispieltext:")


def test_new_in_a_german_room_writes_german_placeholders_and_check_finds_each_at_its_line(
    room: Room,
) -> None:
    path = new(room.root, "Sommerfest im Netzwerk", "--date", "2021-06-01")
    lines = path.read_text(encoding="utf-8").splitlines()
    marked = [number for number, line in enumerate(lines, start=1) if "[[Platzhalter:" in line]
    assert len(marked) == 2  # the lead and the body
    assert "Placeholder" not in path.read_text(encoding="utf-8")
    code, output = run("check", "--root", str(room.root))
    assert code == 0, output
    for number in marked:
        assert f"{path.relative_to(room.root)}:{number}: warning: Platzhalter noch nicht ersetzt: [[Platzhalter:" in output


def test_new_in_an_english_room_writes_english_placeholders(room: Room) -> None:
    settings = room.releases / "pressroom.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("language: de", "language: en"),
                        encoding="utf-8")
    path = new(room.root, "Summer party", "--date", "2021-06-01")
    assert path.read_text(encoding="utf-8").count("[[Placeholder:") == 2


def test_a_placeholder_left_in_a_ready_release_is_an_error(room: Room) -> None:
    path = room.ready("2021-06-01-fest", body="Erster Absatz.\n\n[[Platzhalter: Zitat der Vorsitzenden]]\n")
    line = path.read_text(encoding="utf-8").splitlines().index("[[Platzhalter: Zitat der Vorsitzenden]]") + 1
    code, output = run("check", "--root", str(room.root))
    assert code == 1
    assert (f"releases/2021-06-01-fest.md:{line}: Platzhalter noch nicht ersetzt: "
            "[[Platzhalter: Zitat der Vorsitzenden]]") in output


def test_replacing_the_placeholders_clears_the_warnings(room: Room) -> None:
    path = new(room.root, "Sommerfest", "--date", "2021-06-01")
    text = path.read_text(encoding="utf-8")
    for line in text.splitlines():
        if "[[Platzhalter:" in line:
            text = text.replace(line.strip(), "Am Samstag feiert das Netzwerk.")
    path.write_text(text, encoding="utf-8")
    code, output = run("check", "--root", str(room.root), "--strict")
    assert code == 0, output


def test_prose_in_double_brackets_of_another_kind_is_not_a_placeholder(room: Room) -> None:
    room.ready("2021-06-01-fest", body="Die Reihe [[1]] und [[Platzhalter ohne Doppelpunkt]].\n")
    code, output = run("check", "--root", str(room.root), "--strict")
    assert code == 0, output


def test_init_defaults_to_german(tmp_path: Path) -> None:
    code, output = run("init", str(tmp_path / "raum"))
    assert code == 0, output
    settings = (tmp_path / "raum" / "releases" / "pressroom.yaml").read_text(encoding="utf-8")
    assert "language: de" in settings


@pytest.mark.parametrize(("language", "site_title", "release_title", "html_lang"), [
    ("de", "Beispielverein – Pressemitteilungen", "Unsere erste Pressemitteilung", "de"),
    ("en", "Example Organisation – Press releases", "Our first press release", "en"),
])
def test_init_writes_the_example_in_its_language_and_it_passes_check_and_build(
    tmp_path: Path, language: str, site_title: str, release_title: str, html_lang: str
) -> None:
    root = tmp_path / language
    code, output = run("init", str(root), "--language", language)
    assert code == 0, output
    code, output = run("check", "--root", str(root), "--strict")
    assert code == 0, output
    example = next((root / "releases").glob("*.md"))  # a draft: made ready, as its author would
    example.write_text(example.read_text(encoding="utf-8").replace("status: draft", "status: ready"),
                       encoding="utf-8")
    build_pressroom(root, root / "build")
    page = next((root / "build" / "public").glob("*/*.html"))
    document = lxml.html.document_fromstring(page.read_bytes())
    assert document.get("lang") == html_lang
    assert document.xpath("string(//h1)").strip() == release_title
    index = lxml.html.document_fromstring((root / "build" / "public" / "index.html").read_bytes())
    assert site_title in index.xpath("string(//title)")
