"""The PDF renderer's URL fetcher serves files inside the press room and nothing else."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest

from pressroom.render.fetcher import RefusedURL, make_url_fetcher, resolve_inside

SECRET = "OUTSIDE-SECRET-7f3a9c"


@pytest.fixture
def layout(tmp_path: Path) -> Path:
    """A room with one image inside and a secret file next to (outside) it."""
    root = tmp_path / "room"
    (root / "releases").mkdir(parents=True)
    (root / "releases" / "photo.txt").write_text("inside", encoding="utf-8")
    (tmp_path / "secret.txt").write_text(SECRET, encoding="utf-8")
    return root


def test_file_inside_the_room_is_served(layout: Path) -> None:
    fetch = make_url_fetcher(layout)
    response = fetch((layout / "releases" / "photo.txt").as_uri())
    assert response.read() == b"inside"
    assert response.content_type == "text/plain"
    response.close()


def test_dot_dot_escape_is_refused(layout: Path) -> None:
    url = (layout / "releases").as_uri() + "/../../secret.txt"
    with pytest.raises(RefusedURL, match="outside the press room"):
        make_url_fetcher(layout)(url)


def test_percent_encoded_dot_dot_escape_is_refused(layout: Path) -> None:
    url = (layout / "releases").as_uri() + "/%2e%2e/%2e%2e/secret.txt"
    with pytest.raises(RefusedURL):
        resolve_inside(url, layout)


def test_symlink_pointing_outside_is_refused(layout: Path) -> None:
    link = layout / "releases" / "leak.png"
    link.symlink_to(layout.parent / "secret.txt")
    with pytest.raises(RefusedURL, match="outside the press room"):
        make_url_fetcher(layout)(link.as_uri())


def test_symlinked_room_still_serves_its_own_files(tmp_path: Path, layout: Path) -> None:
    alias = tmp_path / "alias"
    alias.symlink_to(layout)
    assert resolve_inside((alias / "releases" / "photo.txt").as_uri(), alias).name == "photo.txt"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x.css",
        "https://example.org/logo.png",
        "ftp://example.org/file",
        "file://otherhost/etc/passwd",
        "file:///etc/passwd",
        "javascript:alert(1)",
    ],
)
def test_network_and_foreign_urls_are_refused(layout: Path, url: str) -> None:
    with pytest.raises(RefusedURL):
        make_url_fetcher(layout)(url)


def test_directories_and_missing_files_are_refused(layout: Path) -> None:
    with pytest.raises(RefusedURL):
        resolve_inside((layout / "releases").as_uri(), layout)
    with pytest.raises(RefusedURL, match="no such file"):
        resolve_inside((layout / "releases" / "nope.png").as_uri(), layout)


def test_data_urls_are_served_without_touching_disk_or_network(layout: Path) -> None:
    response = make_url_fetcher(layout)("data:text/plain;base64,aGVsbG8=")
    assert response.read() == b"hello"
    response.close()


def test_weasyprint_skips_refused_resources_and_embeds_nothing(layout: Path) -> None:
    """Raw HTML fed straight to WeasyPrint cannot pull in files outside the room."""
    import weasyprint

    secret = (layout.parent / "secret.txt").as_uri()
    html = f"""<html lang="de"><head>
    <link rel="attachment" href="{secret}">
    <link rel="stylesheet" href="http://127.0.0.1:9/x.css">
    <style>@import url("{secret}");</style></head>
    <body><p>Text</p><img src="{secret}" alt="x"><a rel="attachment" href="{secret}">a</a>
    </body></html>"""
    pdf = weasyprint.HTML(
        string=html, base_url=(layout / "releases").as_uri() + "/", url_fetcher=make_url_fetcher(layout)
    ).write_pdf()
    assert pdf is not None
    assert SECRET.encode() not in pdf
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert reader.attachments == {}
    assert "Text" in reader.pages[0].extract_text()
