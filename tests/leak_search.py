"""The secret-phrase technique: search every delivered byte and every public file for a phrase.

A phrase written only into a withdrawn or not-yet-public release must appear in no
message the SMTP server received, no webhook body, and no file under build/public/.
Outputs are read back with real parsers (email, pypdf, python-docx), so an encoded
body or a compressed PDF stream cannot hide a leak.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from email.message import EmailMessage
from pathlib import Path

from distribution_support import Received, WebhookServer


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def docx_text(data: bytes) -> str:
    import docx

    return "\n".join(paragraph.text for paragraph in docx.Document(io.BytesIO(data)).paragraphs)


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
        for path in sorted(p for p in public.rglob("*") if p.is_file()):
            if phrase in readable(path.read_bytes(), path.name):
                found.append(str(path.relative_to(public)))
    return found
