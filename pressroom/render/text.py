"""The plain-text version of a release (for e-mail bodies and text archives).

Rendered from the template ``release.txt`` (not HTML-escaped: it is text), which a
press room overrides like the page templates. The Markdown parts come already
turned into wrapped text by the release view; the template arranges the blocks
with the filters ``wrap``, ``underlined``, ``boxed`` and ``bullets``.
"""

from __future__ import annotations

import re

from ..model import Release
from . import RenderContext
from .view import release_view, render_template

# Blocks are separated by exactly one empty line, whatever a template leaves between them.
_BLANK_LINES = re.compile(r"\n[ \t]*(?:\n[ \t]*)+")


def render_text(release: Release, ctx: RenderContext) -> bytes:
    """Render *release* as UTF-8 plain text wrapped at 72 columns."""
    text = render_template(ctx, "release.txt", release_view(release, ctx))
    return (_BLANK_LINES.sub("\n\n", text).strip("\n") + "\n").encode("utf-8")
