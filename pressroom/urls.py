"""The one link and URL policy: which link targets a reader may follow.

Release bodies and front matter are untrusted. A link becomes clickable only with a
scheme of ``URL_SCHEMES`` (web, mail, phone) or as a relative reference within the
site; ``javascript:``, ``data:``, ``file:``, targets with control characters and a
bare ``#`` are never links. The HTML sanitizer, the page and e-mail templates, the
text, DOCX and PDF renderers all ask this module.
"""

from __future__ import annotations

import re

URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")


def has_control_characters(url: str) -> bool:
    """True when *url* holds a C0 control character or DEL (``java\\tscript:`` tricks)."""
    return any(ord(char) < 0x20 or ord(char) == 0x7F for char in url)


def safe_href(url: str) -> str | None:
    """Return *url* (stripped) when it may be a link target: a scheme of URL_SCHEMES or
    a relative reference; else None."""
    url = url.strip()
    if not url or url == "#" or has_control_characters(url):
        return None
    match = _SCHEME.match(url)
    if match:
        return url if match.group(1).lower() in URL_SCHEMES else None
    head = re.split(r"[/?#]", url, maxsplit=1)[0]
    return None if ":" in head else url


def absolute_href(url: str) -> str | None:
    """Return *url* when it is a safe link that works outside the site too (a DOCX, a PDF):
    one with a scheme of URL_SCHEMES; relative references lead nowhere there."""
    href = safe_href(url)
    return href if href is not None and _SCHEME.match(href) else None


def local_reference(target: str) -> str | None:
    """Return *target* when it names a file relative to the page (an image or attachment
    in releases/), not a URL: no scheme, no absolute or protocol-relative path."""
    target = target.strip()
    if not target or has_control_characters(target) or target.startswith(("/", "\\")):
        return None
    head = re.split(r"[/?#]", target, maxsplit=1)[0]
    return None if ":" in head else target
