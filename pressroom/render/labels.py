"""The fixed words of every output, in each supported language."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..model import Release

LABELS: dict[str, dict[str, str]] = {
    "de": {
        "press_release": "Pressemitteilung",
        "press_contact": "Pressekontakt",
        "press_contacts": "Pressekontakte",
        "embargo": "Sperrfrist",
        "embargo_notice": "Sperrfrist: {moment}. Veröffentlichung erst nach Ablauf der Sperrfrist.",
        "page_of": "Seite {page} von {pages}",
        "more_information": "Mehr Informationen",
        "attachments": "Anhänge",
        "download_pdf": "PDF herunterladen",
        "download_docx": "DOCX herunterladen",
        "feed_rss": "RSS-Feed",
        "feed_atom": "Atom-Feed",
        "newsroom": "Pressemitteilungen",
        "funded_by": "Gefördert durch",
        "phone": "Tel.",
        "email": "E-Mail",
        "draft": "Entwurf – nicht zur Veröffentlichung",
        "oclock": "Uhr",
        "correction": "Korrektur",
        "skip_to_content": "Zum Inhalt springen",
    },
    "en": {
        "press_release": "Press release",
        "press_contact": "Press contact",
        "press_contacts": "Press contacts",
        "embargo": "Embargo",
        "embargo_notice": "Embargoed until {moment}. Not for publication before then.",
        "page_of": "Page {page} of {pages}",
        "more_information": "More information",
        "attachments": "Attachments",
        "download_pdf": "Download PDF",
        "download_docx": "Download DOCX",
        "feed_rss": "RSS feed",
        "feed_atom": "Atom feed",
        "newsroom": "Press releases",
        "funded_by": "Funded by",
        "phone": "Phone",
        "email": "E-mail",
        "draft": "Draft – not for publication",
        "oclock": "",
        "correction": "Correction",
        "skip_to_content": "Skip to content",
    },
}


def label(language: str, key: str, **values: object) -> str:
    """Return the label *key* in *language* (falling back to English), filled with *values*."""
    text = LABELS.get(language, LABELS["en"]).get(key) or LABELS["en"][key]
    return text.format(**values) if values else text


def number_label(release: Release) -> str:
    """Return "Pressemitteilung 3/2013", or "" for a release without a number (a draft):
    every output then leaves the label line out instead of printing the bare word."""
    if not release.number:
        return ""
    return f"{label(release.language, 'press_release')} {release.number}"


def format_moment(moment: object, language: str) -> str:
    """Format an aware datetime for readers: "26.08.2021, 10:00 Uhr" / "26 August 2021, 10:00 CEST"."""
    from datetime import datetime

    from babel.dates import format_datetime

    assert isinstance(moment, datetime)
    if language == "de":
        return f"{moment:%d.%m.%Y, %H:%M} Uhr"
    return format_datetime(moment, "d MMMM yyyy, HH:mm zzz", tzinfo=moment.tzinfo, locale=language)
