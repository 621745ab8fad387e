"""The PDF of a release: ``release.html`` printed by WeasyPrint.

The PDF is tagged (PDF/UA-1) for screen readers, carries its metadata (title,
author, subject, keywords, language) from the HTML head, and is reproducible: its
dates come from the release, not the clock, so the same release renders to the
same bytes.
"""

from __future__ import annotations

from ..model import Release
from . import RenderContext
from .fetcher import make_url_fetcher
from .html import release_page, safe_href

PDF_VARIANT = "pdf/ua-1"


def render_pdf(release: Release, ctx: RenderContext) -> bytes:
    """Render *release* to an A4 PDF.

    Relative URLs (body images) resolve against the folder of the release files;
    only files inside the press room are ever read.
    """
    return html_to_pdf(release_page(release, ctx, "print"), ctx)


def html_to_pdf(html: str, ctx: RenderContext) -> bytes:
    """Print *html* with the press room's fetcher and the house PDF options."""
    import weasyprint  # heavy: only when a PDF is made

    base_url = ctx.settings.releases_dir.resolve().as_uri() + "/"
    document = weasyprint.HTML(
        string=html, base_url=base_url, url_fetcher=make_url_fetcher(ctx.settings.root)
    ).render()
    for page in document.pages:
        page.links = [link for link in page.links if keep_link(link[0], link[1])]
    # A release embeds nothing: its attachments are published next to it, not inside
    document.metadata.attachments = []
    pdf = document.write_pdf(pdf_variant=PDF_VARIANT)
    assert isinstance(pdf, bytes)  # write_pdf returns bytes when given no target
    return pdf


def keep_link(kind: str, target: str) -> bool:
    """Keep in-document links and web links; drop embedded files and links to local files.

    WeasyPrint resolves relative hrefs (and ``#``) against the base URL, which is
    a ``file:`` URL of the build machine: such links would leak its paths and
    lead nowhere for a reader of the PDF.
    """
    if kind == "internal":
        return True
    return kind == "external" and not target.lower().startswith("file:") and safe_href(target) is not None
