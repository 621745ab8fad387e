"""The one link and URL policy (pressroom.urls), and the renderers that follow it."""

from __future__ import annotations

import io

import pytest
from conftest import Room

from pressroom.render import RenderContext
from pressroom.urls import URL_SCHEMES, absolute_href, local_reference, safe_href


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x.example/a", "https://x.example/a"),
        ("  https://x.example/a ", "https://x.example/a"),
        ("HTTP://x.example/", "HTTP://x.example/"),
        ("mailto:a@b.example", "mailto:a@b.example"),
        ("tel:+4930123", "tel:+4930123"),
        ("photo.jpg", "photo.jpg"),
        ("../a/b.html#x", "../a/b.html#x"),
        ("#teil-2", "#teil-2"),
        ("javascript:alert(1)", None),
        (" JAVASCRIPT:alert(1)", None),
        ("java\tscript:alert(1)", None),
        ("java\nscript:alert(1)", None),
        ("https://x.example/\x7f", None),
        ("https://x.example/\x00", None),
        ("vbscript:msgbox", None),
        ("file:///etc/passwd", None),
        ("data:text/html,x", None),
        ("ftp://x.example/f", None),
        ("#", None),
        ("", None),
        ("   ", None),
    ],
)
def test_safe_href_allows_only_web_mail_phone_and_relative(url: str, expected: str | None) -> None:
    assert safe_href(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x.example/a", "https://x.example/a"),
        ("mailto:a@b.example", "mailto:a@b.example"),
        ("photo.jpg", None),  # leads nowhere in a DOCX or a PDF
        ("#teil-2", None),
        ("file:///home/build/releases/x.pdf", None),
        ("javascript:alert(1)", None),
    ],
)
def test_absolute_href_keeps_only_links_that_work_outside_the_site(url: str, expected: str | None) -> None:
    assert absolute_href(url) == expected


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("bilder/foto.png", "bilder/foto.png"),
        ("/etc/passwd", None),
        ("//host/x.png", None),
        ("https://example.org/x.png", None),
        ("data:image/png;base64,AAAA", None),
        ("C:/Windows/x.png", None),
        ("a\x00.png", None),
    ],
)
def test_local_reference_is_a_relative_file_name_never_a_url(target: str, expected: str | None) -> None:
    assert local_reference(target) == expected


def test_the_scheme_allowlist_is_web_mail_and_phone() -> None:
    assert {"http", "https", "mailto", "tel"} == URL_SCHEMES


LINKS = (
    "links:\n"
    "  - {title: Gut, url: 'https://gut.example/seite'}\n"
    "  - {title: Skript, url: 'javascript:alert(1)'}\n"
    "  - {title: Steuerzeichen, url: \"java\\tscript:alert(2)\"}\n"
    "  - {title: Datei, url: 'file:///etc/passwd'}\n"
)
BODY = "Text mit [Web](https://web.example/) und [Relativ](anderes.html) und [Böse](javascript:alert(3)).\n"


def test_every_format_applies_the_same_policy(room: Room) -> None:
    """The HTML page, the text, the DOCX and the PDF of one release link only what the policy allows."""
    import docx
    import pypdf

    from pressroom.render.docx import render_docx
    from pressroom.render.html import render_html
    from pressroom.render.pdf import render_pdf
    from pressroom.render.text import render_text

    room.ready("2021-05-04-links", extra=LINKS, body=BODY)
    pressroom = room.load()
    release = pressroom.release("2021-05-04-links")
    ctx = RenderContext.for_settings(pressroom.settings, release.published)

    page = render_html(release, ctx).decode("utf-8")
    assert 'href="https://gut.example/seite"' in page and 'href="https://web.example/"' in page
    assert 'href="javascript:' not in page and 'href="file:' not in page

    text = render_text(release, ctx).decode("utf-8")
    assert "Gut (https://gut.example/seite)" in text or "<https://gut.example/seite>" in text
    assert "Web (https://web.example/)" in text
    assert "(javascript:alert(1))" not in text and "(file:///etc/passwd)" not in text

    document = docx.Document(io.BytesIO(render_docx(release, ctx)))
    targets = {rel.target_ref for rel in document.part.rels.values() if rel.is_external}
    assert {"https://gut.example/seite", "https://web.example/"} <= targets  # and the contacts'
    assert not any(target.startswith(("javascript:", "file:")) or "anderes.html" in target
                   for target in targets)

    reader = pypdf.PdfReader(io.BytesIO(render_pdf(release, ctx)))
    uris = {str(annot.get_object()["/A"]["/URI"]) for page_ in reader.pages
            for annot in page_.get("/Annots") or [] if "/A" in annot.get_object()
            and "/URI" in annot.get_object()["/A"]}
    assert "https://gut.example/seite" in uris and "https://web.example/" in uris
    assert not any(uri.startswith(("file:", "javascript:")) for uri in uris)
    assert not any("anderes.html" in uri for uri in uris)  # relative: a build-machine path in a PDF
