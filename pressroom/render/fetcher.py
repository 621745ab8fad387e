"""The only door WeasyPrint gets to the outside world: files inside the press room.

Release bodies are untrusted. Whatever URL ends up in the HTML we hand to
WeasyPrint (an image, a stylesheet, a ``rel=attachment`` link), the fetcher serves
it only when it is a ``file:`` URL that resolves, after ``..`` and symlinks, to a
regular file inside the press room. Network URLs are refused outright, so nothing
is ever fetched from (or redirected to) a server. ``data:`` URLs are served: they
carry their bytes inline and reach neither the disk nor the network.

A refusal raises :class:`RefusedURL`; WeasyPrint catches it, logs a warning and
renders without the resource.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from ..paths import contained, resolved
from .env import record_dependency


class RefusedURL(ValueError):
    """A URL the renderer will not fetch."""


def resolve_inside(url: str, root: Path) -> Path:
    """Return the regular file *url* names inside *root*, or raise RefusedURL.

    Only ``file:`` URLs without a remote host qualify; the press room's containment
    rule (``pressroom.paths``) decides the rest.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() != "file":
        raise RefusedURL(f"only files inside the press room may be used, not {url[:80]!r}")
    if parts.netloc not in ("", "localhost"):
        raise RefusedURL(f"file URL on another host: {url[:80]!r}")
    target = resolved(Path(url2pathname(unquote(parts.path))))
    if target is None:  # missing file, symlink loop
        raise RefusedURL(f"no such file: {url[:80]!r}")
    if not contained(target, root):
        raise RefusedURL(f"outside the press room: {url[:80]!r}")
    if not target.is_file():
        raise RefusedURL(f"not a regular file: {url[:80]!r}")
    return target


def make_url_fetcher(root: Path) -> Callable[[str], Any]:
    """Return a WeasyPrint URL fetcher that serves only files inside *root*.

    The result is an instance of a ``weasyprint.urls.URLFetcher`` subclass, which
    WeasyPrint 70 requires (it reads the fetcher's ``_fail_on_errors``).
    """
    fetcher: Callable[[str], Any] = _fetcher_class()(root)
    return fetcher


@lru_cache(maxsize=1)
def _fetcher_class() -> type:
    # weasyprint is heavy: imported only when a PDF is actually rendered
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class RoomFetcher(URLFetcher):  # type: ignore[misc]
        """Serve files inside the press room and data: URLs; refuse everything else."""

        def __init__(self, room: Path) -> None:
            super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=1)
            self.room = room

        def fetch(self, url: str, headers: dict[str, str] | None = None) -> Any:
            if url[:5].lower() == "data:":
                return super().fetch(url, headers)
            path = resolve_inside(url, self.room)
            record_dependency(path)  # the build renders the PDF again when this file changes
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                path.as_uri(), path.read_bytes(), headers={"Content-Type": content_type}
            )

    return RoomFetcher
