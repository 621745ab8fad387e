"""The secret-phrase technique: search every delivered byte and every public file for a phrase.

A phrase written only into a withdrawn or not-yet-public release must appear in no
message the SMTP server received, no webhook body, and no file under build/public/.
Outputs are read back with real parsers (email, pypdf, python-docx, zipfile, json),
so an encoded body, a compressed PDF stream, an escaped feed or a file packed in a
ZIP cannot hide a leak. Files are searched by what they are, not by who made them:
an output added later (a sitemap, an .ics, a ZIP) is searched without a change here.
"""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from email.message import EmailMessage
from pathlib import Path

from distribution_support import Received, WebhookServer


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def docx_text(data: bytes) -> str:
    import docx

    return "\n".join(paragraph.text for paragraph in docx.Document(io.BytesIO(data)).paragraphs)


def pdf_metadata(data: bytes) -> str:
    """The PDF's document information (title, subject, keywords...), which no page shows."""
    from pypdf import PdfReader

    info = PdfReader(io.BytesIO(data)).metadata or {}
    return "\n".join(str(value) for value in info.values())


def json_strings(value: object) -> Iterator[str]:
    """Every key and string in a parsed JSON document (escapes such as \\u00e4 undone)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_strings(item)
    elif value is not None:
        yield str(value)


def unescaped(text: str) -> str:
    """*text* with markup entities undone, repeatedly (a feed escapes HTML that escapes text)."""
    for _ in range(3):
        plain = html.unescape(text)
        if plain == text:
            break
        text = plain
    return text


def file_texts(data: bytes, name: str) -> Iterator[str]:
    """Every text a reader or a program could get out of the file *name*: its name, its
    bytes as text, and what its format's parser decodes; a ZIP (also a DOCX) member by member."""
    yield name
    yield unescaped(data.decode("utf-8", errors="replace"))
    if data.startswith(b"%PDF"):
        yield pdf_text(data)
        yield pdf_metadata(data)
    elif data.startswith(b"PK"):
        if name.endswith(".docx"):
            yield docx_text(data)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.infolist():
                yield from file_texts(archive.read(member), f"{name}!{member.filename}")
    elif name.endswith(".json"):
        yield "\n".join(json_strings(json.loads(data)))


def squeezed(text: str) -> str:
    """Letters and digits only, lower-cased: a phrase still matches when a PDF hyphenates
    or upper-cases it, a slug lower-cases it, or markup splits it at a space."""
    return re.sub(r"[\W_]+", "", text.casefold())


def public_leaks(phrase: str, public: Path) -> list[str]:
    """Return the files under *public* (relative paths) whose name or content holds *phrase*."""
    wanted = squeezed(phrase)
    found = []
    for path in sorted(p for p in public.rglob("*") if p.is_file()):
        name = str(path.relative_to(public))
        if any(wanted in squeezed(text) for text in file_texts(path.read_bytes(), name)):
            found.append(name)
    return found


def readable(data: bytes, name: str) -> str:
    """Return the text a reader of the file *name* would see."""
    if name.endswith(".pdf"):
        return pdf_text(data)
    if name.endswith(".docx"):
        return docx_text(data)
    return data.decode("utf-8", errors="replace")


def message_texts(message: EmailMessage) -> Iterable[str]:
    """Every header and every part of *message*, decoded."""
    yield "\n".join(f"{key}: {value}" for key, value in message.items())
    for part in message.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            yield readable(payload, part.get_filename() or "")


def leaks(phrase: str, received: list[Received], hooks: WebhookServer | None,
          public: Path | None) -> list[str]:
    """Return where *phrase* was found: each message, webhook body and public file."""
    found = []
    for envelope in received:
        if any(phrase in text for text in message_texts(envelope.message)):
            found.append(f"mail to {envelope.rcpt_tos}")
    for hit in hooks.hits if hooks else []:
        if phrase in hit.body.decode("utf-8"):
            found.append(f"webhook {hit.path}")
    if public is not None and public.is_dir():
        found.extend(public_leaks(phrase, public))
    return found
