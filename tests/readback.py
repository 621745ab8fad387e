"""Outputs read back as text with real parsers, for tests that look for sentences in them."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path


def pdftotext(path: Path) -> str:
    """The text of the PDF at *path*, as poppler's pdftotext lays it out."""
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def docx_text(data: bytes) -> str:
    """Every text of a Word file: paragraphs, table cells, headers and footers."""
    from docx import Document

    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
    return "\n".join(parts)
