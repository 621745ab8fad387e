"""The calendar file of a release that announces a press event (RFC 5545, via icalendar).

One ``VEVENT`` in one ``VCALENDAR``. It is reproducible: its ``UID`` is
``<slug>@<host of site.base_url>`` (the slug carries the release date, so a rebuild
never changes it and a calendar that imported it updates the same entry), and its
``DTSTAMP`` is the release's last revision (``updated:``, else when it becomes
public), never the clock. Start and end carry the site's ``TZID`` with a matching
``VTIMEZONE``, so calendars show the local time the press office wrote.
"""

from __future__ import annotations

from datetime import UTC
from urllib.parse import urlsplit

from ..model import Release
from ..urls import absolute_href
from . import RenderContext
from .view import page_url, release_view

PRODID = "-//pressroom//press event//DE"


def render_ics(release: Release, ctx: RenderContext) -> bytes:
    """Render the ``.ics`` of *release*; the registry calls it only for releases with an event."""
    from icalendar import Calendar
    from icalendar import Event as VEvent

    view = release_view(release, ctx)
    event = view.event
    if event is None:
        raise ValueError(f"{release.slug} announces no event: it has no calendar file")
    site = ctx.settings.site
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    entry = VEvent()
    entry.add("uid", event_uid(release, site.base_url))
    entry.add("dtstamp", release.modified.astimezone(UTC))
    entry.add("dtstart", event.start)
    if event.end is not None:
        entry.add("dtend", event.end)
    entry.add("summary", event.title)
    place = ", ".join(filter(None, (event.location, *event.address_lines)))
    if place:
        entry.add("location", place)
    page = page_url(release, ctx.settings)
    entry.add("url", absolute_href(event.url) or page)
    entry.add("description", "\n\n".join(filter(None, (view.title, view.description, page))))
    calendar.add_component(entry)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


def event_uid(release: Release, base_url: str) -> str:
    """Return the event's permanent UID: ``<slug>@<host>``."""
    return f"{release.slug}@{urlsplit(base_url).hostname or 'localhost'}"
