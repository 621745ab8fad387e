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
        "download": "{format} herunterladen",
        "feed_rss": "RSS-Feed",
        "feed_atom": "Atom-Feed",
        "feed_json": "JSON-Feed",
        "tag_title": "Thema: {name}",
        "language_title": "Sprache: {name}",
        "archive_title": "Archiv {name}",
        "topics": "Themen",
        "languages": "Sprachen",
        "archive": "Archiv",
        "feeds": "Feeds",
        "newsroom": "Pressemitteilungen",
        "funded_by": "Gefördert durch",
        "phone": "Tel.",
        "email": "E-Mail",
        "draft": "Entwurf – nicht zur Veröffentlichung",
        "oclock": "Uhr",
        "correction": "Korrektur",
        "event": "Termin",
        "add_to_calendar": "In den Kalender (.ics)",
        "images": "Bildmaterial",
        "photo_credit": "Foto: {credit}",
        "license": "Lizenz: {license}",
        "downloads": "Downloads",
        "download_zip": "Alles als ZIP (PDF und DOCX)",
        "download_zip_images": "Alles als ZIP (PDF, DOCX, Bilder)",
        "pixels": "{width} × {height} Pixel",
        "skip_to_content": "Zum Inhalt springen",
        "preview": "Vorschau",
        "preview_public": "öffentlich",
        "preview_draft": "Entwurf",
        "preview_embargo": "Sperrfrist bis {moment}",
        "preview_problems": "Probleme",
        "preview_line": "Zeile {line}",
        "preview_warning": "Warnung",
        "preview_error": "Fehler",
        "preview_broken": "Diese Datei kann nicht angezeigt werden, bis die Fehler behoben sind.",
        "preview_not_found": "Diese Seite gibt es in der Vorschau nicht.",
        "preview_empty": "Noch keine Pressemitteilung. Die erste beginnen Sie mit pressroom new \"Titel\" "
                         "oder pressroom import Entwurf.docx.",
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
        "download": "Download {format}",
        "feed_rss": "RSS feed",
        "feed_atom": "Atom feed",
        "feed_json": "JSON Feed",
        "tag_title": "Topic: {name}",
        "language_title": "Language: {name}",
        "archive_title": "Archive {name}",
        "topics": "Topics",
        "languages": "Languages",
        "archive": "Archive",
        "feeds": "Feeds",
        "newsroom": "Press releases",
        "funded_by": "Funded by",
        "phone": "Phone",
        "email": "E-mail",
        "draft": "Draft – not for publication",
        "oclock": "",
        "correction": "Correction",
        "event": "Event",
        "add_to_calendar": "Add to calendar (.ics)",
        "images": "Images",
        "photo_credit": "Photo: {credit}",
        "license": "Licence: {license}",
        "downloads": "Downloads",
        "download_zip": "Everything as a ZIP (PDF and DOCX)",
        "download_zip_images": "Everything as a ZIP (PDF, DOCX, images)",
        "pixels": "{width} × {height} pixels",
        "skip_to_content": "Skip to content",
        "preview": "Preview",
        "preview_public": "public",
        "preview_draft": "Draft",
        "preview_embargo": "Embargoed until {moment}",
        "preview_problems": "Problems",
        "preview_line": "line {line}",
        "preview_warning": "Warning",
        "preview_error": "Error",
        "preview_broken": "This file cannot be shown until its errors are fixed.",
        "preview_not_found": "The preview has no such page.",
        "preview_empty": "No press release yet. Start the first with pressroom new \"Title\" "
                         "or pressroom import draft.docx.",
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


def format_span(start: object, end: object, language: str) -> str:
    """Format an event's time for readers: "05.03.2030, 10:00–12:00 Uhr", across days
    "05.03.2030, 10:00 Uhr – 06.03.2030, 16:00 Uhr"; without an end, the start alone.
    English: "5 March 2030, 10:00–12:00 CET" (the zone's abbreviation, as the CLI writes it)."""
    from datetime import datetime

    assert isinstance(start, datetime) and (end is None or isinstance(end, datetime))
    if language == "de":
        day, clock, suffix = "%d.%m.%Y", "%H:%M", " Uhr"
    else:
        day, clock, suffix = "", "%H:%M", " %Z"

    def on(moment: datetime) -> str:
        if day:
            return moment.strftime(day)
        from babel.dates import format_date

        return format_date(moment.date(), "d MMMM yyyy", locale=language)

    if end is None:
        return f"{on(start)}, {start.strftime(clock + suffix)}"
    if end.date() != start.date():
        return f"{on(start)}, {start.strftime(clock + suffix)} – {on(end)}, {end.strftime(clock + suffix)}"
    return f"{on(start)}, {start.strftime(clock)}–{end.strftime(clock + suffix)}"
