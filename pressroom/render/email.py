"""The HTML part of the e-mail that carries a release, from the template ``email.html``.

The text part is the release's ``.txt`` (``render/text.py``); both come from the
same release view as every other format. ``publish`` renders this once per
edition and stores it in the queue, so what was queued is what goes out.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urljoin

from ..model import Release
from . import RenderContext
from .view import release_view, render_template


def render_email_html(release: Release, ctx: RenderContext, urls: Mapping[str, str]) -> bytes:
    """Render the e-mail's HTML body; *urls* are the public addresses of the built files
    by format ("html", "pdf", "docx"), linked where the release is on the web."""
    view = release_view(release, ctx)
    page = urls.get("html")
    # Attachments and images are published next to the page: the same relative address, made absolute.
    hrefs = [a.href for a in view.attachments.items] + [image.href for image in view.images]
    file_urls = {href: urljoin(page, href) for href in hrefs} if page else {}
    return render_template(ctx, "email.html", view, urls=urls, file_urls=file_urls).encode("utf-8")
