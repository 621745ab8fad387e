"""Word drafts for the import tests, written by LibreOffice as PR staff's Word would.

Each draft is written as HTML or flat ODF (.fodt: comments and tracked changes need
ODF markup) and converted by ``soffice --headless --convert-to docx`` with its own
user profile, so parallel test runs do not clash. Without soffice the tests skip
with the reason locally and fail in CI (as the browser tests do).
"""

from __future__ import annotations

import base64
import html
import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice")


def in_ci() -> bool:
    """Whether this run is CI's, which must not skip what it cannot run."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def need_soffice() -> str:
    """The soffice executable; skips (locally) or fails (CI) without it."""
    if SOFFICE is None:
        reason = "soffice is missing: run `make install` (.ci/system-deps installs libreoffice-writer-nogui)"
        if in_ci():
            pytest.fail(f"import tests cannot run in CI: {reason}", pytrace=False)
        pytest.skip(reason)
    return SOFFICE


def to_docx(sources: list[Path], out_dir: Path, profile: Path) -> dict[str, Path]:
    """Convert *sources* (.html, .fodt) to .docx in one soffice run; name -> docx path."""
    soffice = need_soffice()
    out_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to",
         "docx:MS Word 2007 XML", "--outdir", str(out_dir), *map(str, sources)],
        check=True, capture_output=True, timeout=120,
    )
    return {source.stem: out_dir / f"{source.stem}.docx" for source in sources}


def _inline(text: str) -> str:
    """The seeds' inline Markdown (links, *italic*, **bold**, \\* escapes) as HTML."""
    # The seeds' backslash escapes (\\* and \\\\_) are Markdown artefacts, not the visible text.
    out = html.escape(text.replace("\\*", "\x00").replace("\\\\_", "_"), quote=False)
    out = re.sub(r"\[([^\]]*)\]\(([^)]*)\)", lambda m: f'<a href="{m.group(2)}">{m.group(1)}</a>', out)
    out = re.sub(r"&lt;(https?://[^&]+)&gt;", r'<a href="\1">\1</a>', out)
    out = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", out)
    out = re.sub(r"\*(.+?)\*", r"<i>\1</i>", out)
    return out.replace("\x00", "*")


def seed_html(seed: str) -> str:
    """A seed as a Word draft: paragraphs, ``## `` the heading, lines of a block kept as
    line breaks (the contact and address blocks as PR staff paste them)."""
    blocks = [b for b in re.split(r"\n\s*\n", seed) if b.strip()]
    parts = []
    for block in blocks:
        lines = [line.strip() for line in block.strip().splitlines()]
        if lines[0].startswith("## "):
            parts.append(f"<h1>{_inline(lines[0][3:])}</h1>")
        else:
            parts.append("<p>" + "<br/>".join(_inline(line) for line in lines) + "</p>")
    return "<html><head><meta charset='utf-8'/></head><body>" + "\n".join(parts) + "</body></html>"


def png_bytes() -> bytes:
    """A small red picture."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


CONTACT_BLOCK = ("Ansprechpartnerin:", "Maja Kuntzsch", "Öffentlichkeitsarbeit",
                 "kuntzsch@migra-mv.de", "Tel.: 0381\u00a0–\u00a037 54 74 58")
ADDRESS_BLOCK = ("migra e.V.", "Waldemarstraße 32", "18057 Rostock")


def everything_fodt(funder_text: str) -> str:
    """A flat ODF document holding every construct the import reads."""
    image = base64.b64encode(png_bytes()).decode()
    funder = html.escape(funder_text)
    br = "<text:line-break/>"
    contact = br.join(html.escape(line) for line in CONTACT_BLOCK)
    address = br.join(html.escape(line) for line in ADDRESS_BLOCK)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 xmlns:xlink="http://www.w3.org/1999/xlink"
 xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
 <office:automatic-styles>
  <style:style style:name="B" style:family="text"><style:text-properties fo:font-weight="bold"/></style:style>
  <style:style style:name="I" style:family="text"><style:text-properties fo:font-style="italic"/></style:style>
 </office:automatic-styles>
 <office:body><office:text>
  <text:tracked-changes>
   <text:changed-region text:id="ins1"><text:insertion><office:change-info>
    <dc:creator>Lektorat</dc:creator><dc:date>2026-11-20T10:00:00</dc:date></office:change-info>
   </text:insertion></text:changed-region>
   <text:changed-region text:id="del1"><text:deletion><office:change-info>
    <dc:creator>Lektorat</dc:creator><dc:date>2026-11-20T10:01:00</dc:date></office:change-info>
    <text:p>gestrichener Satz </text:p></text:deletion></text:changed-region>
  </text:tracked-changes>
  <text:p text:style-name="Title">Sommerfest im Netzwerk</text:p>
  <text:p text:style-name="Subtitle">Alle Partner feiern in Schwerin</text:p>
  <text:p><text:span text:style-name="B">Das Netzwerk lädt zum Sommerfest ein. Alle sind willkommen.</text:span></text:p>
  <text:h text:outline-level="2">Programm des Tages</text:h>
  <text:p>Es gibt <text:span text:style-name="B">Musik</text:span> und <text:span text:style-name="I">Essen</text:span>, mehr auf <text:a xlink:type="simple" xlink:href="https://www.iq-mv.de/fest">unserer Seite</text:a>.<text:note text:id="n1" text:note-class="footnote"><text:note-citation>1</text:note-citation><text:note-body><text:p>Eintritt frei für alle Gäste.</text:p></text:note-body></text:note></text:p>
  <text:list>
   <text:list-item><text:p>Begrüßung</text:p>
    <text:list><text:list-item><text:p>durch den Vorstand</text:p></text:list-item></text:list>
   </text:list-item>
   <text:list-item><text:p>Workshops</text:p></text:list-item>
  </text:list>
  <table:table table:name="Zeiten"><table:table-column table:number-columns-repeated="2"/>
   <table:table-row><table:table-cell><text:p>Zeit</text:p></table:table-cell><table:table-cell><text:p>Punkt</text:p></table:table-cell></table:table-row>
   <table:table-row><table:table-cell><text:p>14 Uhr</text:p></table:table-cell><table:table-cell><text:p>Eröffnung</text:p></table:table-cell></table:table-row>
  </table:table>
  <text:p text:style-name="Quotations">Ein Fest für alle, die hier arbeiten.</text:p>
  <text:p>Das Bild zeigt die Bühne:<draw:frame draw:name="Bild1" text:anchor-type="as-char" svg:width="4cm" svg:height="2cm"><draw:image><office:binary-data>{image}</office:binary-data></draw:image><svg:title>Bühne</svg:title><svg:desc>Die rote Bühne im Park</svg:desc></draw:frame></text:p>
  <text:p><office:annotation office:name="c1"><dc:creator>Maja</dc:creator><dc:date>2026-11-20T09:00:00</dc:date><text:p>Uhrzeit mit der Stadt klären</text:p></office:annotation>Beginn um 14 Uhr<office:annotation-end office:name="c1"/> im Park.</text:p>
  <text:p>Neu: <text:change-start text:change-id="ins1"/>eingefügter Satz.<text:change-end text:change-id="ins1"/> <text:change text:change-id="del1"/>Ende.</text:p>
  <text:p>{contact}</text:p>
  <text:p>{address}</text:p>
  <text:p>{funder}</text:p>
 </office:text></office:body>
</office:document>
"""
