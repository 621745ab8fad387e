"""Issue 10 tried as PR staff and the outside acceptance tests would: the real CLI, the
real preview server, files saved the way an editor saves them."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from conftest import NOW, Room
from pypdf import PdfReader
from serve_support import get

from pressroom.serve import PreviewServer, serving

READY = "2029-12-01-fertig"


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
