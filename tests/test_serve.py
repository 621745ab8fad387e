"""`pressroom serve` over HTTP: the real server on a free loopback port, the real files.

Every release is previewed (drafts and embargoed ones with their state), problems are
shown on the pages instead of crashing, a save reaches the open page over the event
stream, PDF and DOCX are rendered on request, and nothing outside the press room is served.
"""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from conftest import NOW, SETTINGS, Room
from pypdf import PdfReader
from serve_support import generation_of, get, page_once, wait_for_reload

from pressroom.preview import EVENTS_PATH
from pressroom.serve import PreviewServer, serving

READY = "2029-12-01-fertig"
DRAFT = "2029-12-02-entwurf"
EMBARGOED = "2029-12-03-gesperrt"


def draft_front(title: str, extra: str = "") -> str:
    return f"title: {title}\ndate: 2029-12-02\nlead: Der Vorspann.\nstatus: draft\n{extra}"


@pytest.fixture
def filled(room: Room) -> Room:
    """A German room with a public release, a draft and an embargoed one."""
    room.ready(READY, title="Die fertige Meldung")
    room.release(DRAFT, draft_front("Der erste Entwurf"))
    room.ready(EMBARGOED, title="Die gesperrte Meldung", extra="embargo: 2030-01-02T10:00\n")
    return room


@pytest.fixture
def server(filled: Room) -> Iterator[PreviewServer]:
    with serving(filled.root, clock=lambda: NOW) as running:
        yield running


def page(server: PreviewServer, slug: str) -> str:
    answer = get(server.url, f"/{slug}/{slug}.html")
    assert answer.status == 200 and answer.content_type.startswith("text/html")
    return answer.text


def edit(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def test_index_lists_drafts_and_embargoed_releases_marked_with_their_state(server: PreviewServer) -> None:
    index = get(server.url, "/")
    assert index.status == 200
    for title in ("Die fertige Meldung", "Der erste Entwurf", "Die gesperrte Meldung"):
        assert title in index.text
    assert "Vorschau" in index.text
    assert "Der erste Entwurf: Entwurf" in index.text
    assert "Die gesperrte Meldung: Sperrfrist bis 02.01.2030, 10:00 Uhr" in index.text
    assert get(server.url, "/index.html").body == index.body


def test_release_pages_are_the_real_pages_with_a_preview_panel_saying_their_state(
    server: PreviewServer,
) -> None:
    draft = page(server, DRAFT)
    assert '<h1 class="title">Der erste Entwurf</h1>' in draft
    assert 'class="preview-state">Entwurf<' in draft
    assert "Entwurf – nicht zur Veröffentlichung" in draft  # the page's own draft banner
    embargoed = page(server, EMBARGOED)
    assert 'class="preview-state">Sperrfrist bis 02.01.2030, 10:00 Uhr<' in embargoed
    assert 'class="preview-state">öffentlich<' in page(server, READY)
    assert f'href="{DRAFT}.pdf"' in draft and f'href="{DRAFT}.docx"' in draft


def test_an_english_room_says_its_states_in_english(room: Room) -> None:
    room.write_settings(SETTINGS.replace("language: de", "language: en"))
    room.release(DRAFT, draft_front("A first draft"))
    with serving(room.root, clock=lambda: NOW) as server:
        shown = page(server, DRAFT)
    assert 'class="preview-state">Draft<' in shown
    assert 'aria-label="Preview"' in shown


def test_a_save_is_announced_on_the_event_stream_and_the_page_then_shows_it(
    server: PreviewServer, filled: Room
) -> None:
    before = get(server.url, f"/{DRAFT}/{DRAFT}.html")
    edit(filled.releases / f"{DRAFT}.md", "Der erste Entwurf", "Der zweite Entwurf")
    wait_for_reload(server.url, generation_of(before))
    after = page(server, DRAFT)
    assert "Der zweite Entwurf" in after and "Der erste Entwurf" not in after
    assert generation_of(get(server.url, "/")) > generation_of(before)


def test_a_problem_is_shown_on_its_release_page_and_the_index_with_its_line_and_cleared_when_fixed(
    server: PreviewServer, filled: Room
) -> None:
    path = filled.releases / f"{DRAFT}.md"
    since = generation_of(get(server.url, "/"))
    edit(path, "status: draft\n", "status: draft\ncontacts: [niemand]\n")
    wait_for_reload(server.url, since)
    shown = page(server, DRAFT)
    assert f"releases/{DRAFT}.md</a>, Zeile 6: Fehler: " in shown
    assert "niemand" in shown
    index = get(server.url, "/").text
    assert "niemand" in index and f'href="/{DRAFT}/{DRAFT}.html"' in index
    assert "Die fertige Meldung" in page(server, READY)  # the others are still shown

    since = generation_of(get(server.url, "/"))
    edit(path, "contacts: [niemand]\n", "")
    wait_for_reload(server.url, since)
    assert "niemand" not in page(server, DRAFT)
    assert "preview-problems" not in get(server.url, "/").text


def test_a_file_that_cannot_be_loaded_gets_a_page_with_its_problems_not_a_server_error(
    server: PreviewServer, filled: Room
) -> None:
    since = generation_of(get(server.url, "/"))
    (filled.releases / f"{DRAFT}.md").write_text("---\ntitle: Kaputt: ja\n---\nText\n", encoding="utf-8")
    wait_for_reload(server.url, since)
    broken = get(server.url, f"/{DRAFT}/{DRAFT}.html")
    assert broken.status == 200
    assert f"releases/{DRAFT}.md" in broken.text and "Zeile 2" in broken.text
    assert "Diese Datei kann nicht angezeigt werden" in broken.text
    assert get(server.url, "/").status == 200
    assert "Die fertige Meldung" in page(server, READY)


def test_broken_settings_are_shown_on_every_page(server: PreviewServer, filled: Room) -> None:
    since = generation_of(get(server.url, "/"))
    filled.write_settings("site: [kaputt\n")
    wait_for_reload(server.url, since)
    for path in ("/", f"/{READY}/{READY}.html"):
        answer = get(server.url, path)
        assert answer.status == 200
        assert "releases/pressroom.yaml" in answer.text


def test_pdf_and_docx_are_rendered_on_request_from_the_file_as_saved(
    server: PreviewServer, filled: Room
) -> None:
    pdf = get(server.url, f"/{DRAFT}/{DRAFT}.pdf")
    assert pdf.status == 200 and pdf.content_type == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body)).pages)
    assert "Der erste Entwurf" in text
    word = get(server.url, f"/{DRAFT}/{DRAFT}.docx")
    paragraphs = [p.text for p in docx.Document(io.BytesIO(word.body)).paragraphs]
    assert "Der erste Entwurf" in paragraphs

    since = generation_of(get(server.url, "/"))
    edit(filled.releases / f"{DRAFT}.md", "Der erste Entwurf", "Der neue Titel")
    wait_for_reload(server.url, since)
    again = get(server.url, f"/{DRAFT}/{DRAFT}.pdf")
    assert "Der neue Titel" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(again.body)).pages)


def test_images_the_release_names_are_served_and_nothing_else_of_the_room(
    server: PreviewServer, filled: Room
) -> None:
    from PIL import Image

    Image.new("RGB", (8, 8), "red").save(filled.releases / "bild.png")
    since = generation_of(get(server.url, "/"))
    edit(filled.releases / f"{DRAFT}.md", "status: draft\n",
         "status: draft\nimages: [{file: bild.png, alt: Ein rotes Quadrat}]\n")
    page_once(server.url, f"/{DRAFT}/{DRAFT}.html", since, "bild.png")
    image = get(server.url, f"/{DRAFT}/bild.png")
    assert image.status == 200 and image.content_type == "image/png"
    secret = "presse@beispiel.example"
    for path in ("/releases/pressroom.yaml", f"/{DRAFT}/pressroom.yaml", f"/{DRAFT}/../pressroom.yaml",
                 f"/{DRAFT}/%2e%2e/pressroom.yaml", "/%2e%2e/%2e%2e/etc/passwd", f"/{DRAFT}/{DRAFT}.md",
                 "/nothing/nothing.html", "/pressroom.yaml"):
        answer = get(server.url, path)
        assert answer.status == 404, path
        assert secret not in answer.text and "root:" not in answer.text, path


def test_the_server_binds_the_loopback_address_by_default(server: PreviewServer) -> None:
    assert server.server_address[0] == "127.0.0.1"
    assert server.url.startswith("http://127.0.0.1:")


def default_sigint() -> None:
    """Give the child Ctrl-C's default: a test run started in the background inherits an
    ignored SIGINT, and Python then installs no KeyboardInterrupt handler."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_cli(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "pressroom", "serve", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, preexec_fn=default_sigint)


def test_the_command_serves_on_loopback_and_ctrl_c_stops_it_cleanly(filled: Room) -> None:
    process = run_cli("--root", str(filled.root), "--port", "0")
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("Preview of ") and " at http://127.0.0.1:" in line, line
        url = line.split(" at ")[1].split(" ")[0]
        assert get(url, "/").status == 200
        # An open page's event stream does not keep the server from stopping.
        stream = urllib.request.urlopen(f"{url.rstrip('/')}{EVENTS_PATH}?since=0", timeout=10)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=10)
        stream.close()
    finally:
        process.kill()
    assert process.returncode == 0
    assert "Traceback" not in err and err.strip() == "preview stopped"


def test_a_port_in_use_is_a_one_line_error(filled: Room) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = run_cli("--root", str(filled.root), "--port", str(port))
        out, err = process.communicate(timeout=20)
    assert process.returncode == 1
    assert err.strip() == (f"Port {port} ist auf 127.0.0.1 schon belegt: beenden Sie den anderen Server oder "
                           "wählen Sie mit --port einen anderen Port")
    assert "Traceback" not in err


def test_open_shows_the_preview_in_the_browser_the_user_chose(filled: Room, tmp_path: Path) -> None:
    opened = tmp_path / "opened.txt"
    # webbrowser runs $BROWSER with the URL for %s: here a script that notes the URL.
    browser = f"{sys.executable} -c 'import sys; open(sys.argv[1], \"w\").write(sys.argv[2])' {opened} %s"
    env = {**os.environ, "BROWSER": browser, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "-m", "pressroom", "serve", "--root", str(filled.root),
                                "--port", "0", "--open"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=env, preexec_fn=default_sigint)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().split(" at ")[1].split(" ")[0]
        for _ in range(100):  # the browser command runs in the background: bounded wait
            if opened.is_file() and opened.read_text(encoding="utf-8"):
                break
            time.sleep(0.05)
        assert opened.read_text(encoding="utf-8") == url
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)


def test_a_room_template_that_fails_is_shown_on_the_page_not_a_server_error(filled: Room) -> None:
    (filled.root / "templates").mkdir()
    (filled.root / "templates" / "release.html").write_text(
        '{% extends "default/release.html" %}{% block body %}{{ release.title }}{% endblock %}',
        encoding="utf-8")
    with serving(filled.root, clock=lambda: NOW) as server:
        answer = get(server.url, f"/{DRAFT}/{DRAFT}.html")
    assert answer.status == 200
    assert "rendering the page failed" in answer.text and "release" in answer.text
