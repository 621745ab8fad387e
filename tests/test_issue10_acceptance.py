"""Issue 10 tried as PR staff and the outside acceptance tests would: the real CLI, the
real preview server, files saved the way an editor saves them."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import NOW, Room
from pypdf import PdfReader
from serve_support import get

from pressroom.serve import PreviewServer, serving

READY = "2029-12-01-fertig"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def server(room: Room) -> Iterator[PreviewServer]:
    room.ready(READY, title="Die fertige Meldung", body="Der alte Text.\n")
    with serving(room.root, clock=lambda: NOW) as running:
        get(running.url, f"/{READY}/{READY}.html")  # the preview has answered once
        yield running


def pdf_text(body: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def test_a_page_asked_for_right_after_a_save_shows_the_save(server: PreviewServer, room: Room) -> None:
    """A click on "reload" straight after saving must not get the page from before the
    save, whether or not the file watcher has noticed it yet."""
    for attempt in range(3):
        room.ready(READY, title="Die fertige Meldung", body=f"Der neue Text {attempt}.\n")
        assert f"Der neue Text {attempt}." in get(server.url, f"/{READY}/{READY}.html").text


def test_the_pdf_asked_for_right_after_a_save_is_the_saved_release(server: PreviewServer, room: Room) -> None:
    """"The PDF of the edited release": a download straight after the save has the edit."""
    assert "Der alte Text." in pdf_text(get(server.url, f"/{READY}/{READY}.pdf").body)
    room.ready(READY, title="Die fertige Meldung", body="Der neue Text.\n")
    assert "Der neue Text." in pdf_text(get(server.url, f"/{READY}/{READY}.pdf").body)


@pytest.fixture
def sample_room(tmp_path: Path) -> Path:
    """A press room with the sample room's settings and no releases, in a folder whose
    name has a space and an umlaut (as a PR office's shared drive has)."""
    root = tmp_path / "Presse Büro"
    (root / "releases").mkdir(parents=True)
    for name in ("pressroom.yaml", "journalists-trusted.csv"):
        shutil.copy(REPO / "releases" / name, root / "releases" / name)
    return root


def pressroom(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The CLI as PR staff run it: a process of its own."""
    return subprocess.run([sys.executable, "-m", "pressroom", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=60)


def word_draft(path: Path) -> Path:
    """A draft as Word writes it (python-docx's template is Word's): Title and Subtitle
    styles, a bold opening paragraph, and a quotation in Word's "Quote" style."""
    import docx

    document = docx.Document()
    document.add_paragraph("Sommerfest im Netzwerk", style="Title")
    document.add_paragraph("Am 5. Juli feiert das Netzwerk in Rostock", style="Subtitle")
    document.add_paragraph().add_run("Das Netzwerk lädt alle Partner zum Sommerfest ein.").bold = True
    document.add_paragraph("Der Eintritt ist frei.")
    document.add_paragraph("„Wir freuen uns auf alle Gäste“, sagt der Koordinator.", style="Quote")
    document.save(str(path))
    return path


def test_a_quotation_in_words_quote_style_becomes_one_block_quote(sample_room: Path, tmp_path: Path) -> None:
    """Word's "Quote" style is one quotation: not a quotation inside a quotation."""
    draft = word_draft(tmp_path / "Entwurf Sommerfest.docx")
    done = pressroom("import", str(draft), "--date", "2026-07-01", cwd=sample_room / "releases")
    assert done.returncode == 0, done.stderr
    text = (sample_room / "releases" / "2026-07-01-sommerfest-im-netzwerk.md").read_text(encoding="utf-8")
    assert "subtitle: Am 5. Juli feiert das Netzwerk in Rostock" in text
    assert "lead: Das Netzwerk lädt alle Partner zum Sommerfest ein." in text
    assert "\n> „Wir freuen uns auf alle Gäste“" in text
    assert "> >" not in text


@pytest.mark.parametrize(("given", "says"), [
    ("01.07.2026", "--date: schreiben Sie das Datum als 2026-07-01 (Jahr-Monat-Tag), nicht 01.07.2026"),
    ("2026-13-01", "--date: '2026-13-01' ist kein Datum: schreiben Sie es als Jahr-Monat-Tag"),
    ("morgen", "--date: 'morgen' ist kein Datum: schreiben Sie es als Jahr-Monat-Tag"),
])
def test_a_bad_date_for_import_or_new_says_how_to_write_it_in_the_rooms_language(
    sample_room: Path, tmp_path: Path, given: str, says: str
) -> None:
    """`--date 01.07.2026` is what a German user types: the answer says how to write it,
    in German, in one line, and no file is written."""
    draft = word_draft(tmp_path / "Entwurf.docx")
    for args in (("import", str(draft)), ("new", "Sommerfest im Netzwerk")):
        done = pressroom(*args, "--date", given, cwd=sample_room)
        assert done.returncode == 1
        assert done.stderr.strip().splitlines() == [done.stderr.strip().splitlines()[0]]
        assert says in done.stderr
        assert "%Y" not in done.stderr and "Traceback" not in done.stderr
    assert sorted(p.name for p in (sample_room / "releases").iterdir()) == [
        "journalists-trusted.csv", "pressroom.yaml"]


def test_the_server_loads_the_pdf_printer_before_the_first_pdf_is_asked_for(server: PreviewServer) -> None:
    """"Rendered in the warm server process": the first PDF after the start does not pay
    for loading the printer (about a second)."""
    assert server.live.warmed.wait(timeout=10)


def test_words_list_bullet_2_style_is_a_nested_list_item_and_no_markup_leaks(
    sample_room: Path, tmp_path: Path
) -> None:
    """Word users nest a list with the "List Bullet 2" style (a list of its own in the
    file): it becomes an item inside the one above, not three lists with "<!-- -->"
    between them, which the page and the PDF would print as text."""
    import docx

    document = docx.Document()
    document.add_paragraph("Sommerfest im Netzwerk", style="Title")
    document.add_paragraph("Das Programm:")
    document.add_paragraph("Begrüßung", style="List Bullet")
    document.add_paragraph("Grußwort der Ministerin", style="List Bullet 2")
    document.add_paragraph("Musik", style="List Bullet")
    document.add_paragraph("Zum Schluss:")
    document.add_paragraph("Anmeldung", style="List Number")
    document.add_paragraph("Anreise", style="List Number")
    draft = tmp_path / "Programm.docx"
    document.save(str(draft))
    done = pressroom("import", str(draft), "--date", "2026-07-01", cwd=sample_room)
    assert done.returncode == 0, done.stderr
    body = (sample_room / "releases" / "2026-07-01-sommerfest-im-netzwerk.md").read_text(
        encoding="utf-8").split("---\n", 2)[2]
    assert "<!--" not in body
    assert re.search(r"^- Begrüßung\n+  - Grußwort der Ministerin\n+- Musik$", body, re.MULTILINE)
    assert re.search(r"^1\. +Anmeldung\n+2\. +Anreise$", body, re.MULTILINE)


def test_a_german_room_with_broken_settings_is_previewed_in_german(sample_room: Path) -> None:
    """The settings name a recipients file that is not there: every page lists the
    problem, and in the room's language (its settings say de), not in English."""
    (sample_room / "releases" / "journalists-trusted.csv").unlink()
    with serving(sample_room, clock=lambda: NOW) as running:
        page = get(running.url, "/").text
    assert "journalists-trusted.csv" in page
    assert "Vorschau" in page and "Fehler" in page
    assert "Preview" not in page and "cannot be shown" not in page


def test_the_preview_of_a_room_without_releases_says_how_to_start_one(sample_room: Path) -> None:
    """A new room has no releases yet: the index says how to write the first, not "public"
    over an empty list."""
    with serving(sample_room, clock=lambda: NOW) as running:
        page = get(running.url, "/").text
    assert "Noch keine Pressemitteilung" in page
    assert "pressroom new" in page and "pressroom import" in page
    assert "Vorschau: öffentlich" not in page
