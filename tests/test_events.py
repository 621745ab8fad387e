"""Press events: the front-matter `event:` block, its checks, its calendar file and attachment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import Room
from icalendar import Calendar

from pressroom.build import build_pressroom
from pressroom.load import load_pressroom
from pressroom.mail import MessageBuilder
from pressroom.publish import make_edition
from pressroom.queue import Job
from pressroom.render import RenderContext
from pressroom.render.html import render_html
from pressroom.render.ics import render_ics
from pressroom.render.text import render_text
from pressroom.render.view import release_view

NOW = datetime(2030, 1, 1, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
SLUG = "2030-02-10-pressegespraech"
EVENT = """\
event:
  title: Pressegespräch zur Eröffnung
  start: 2030-03-05T10:00:00
  end: 2030-03-05T12:30:00
  location: Beratungsstelle Südstadt
  address: |
    Lindenstraße 5
    18055 Rostock
  url: https://beispiel.example/termine/eroeffnung
"""


def errors_of(room: Room) -> list[str]:
    return [p.format(room.root) for p in load_pressroom(room.root, NOW).errors]


def with_event(room: Room, event: str = EVENT, slug: str = SLUG, extra: str = "") -> None:
    room.ready(slug, title="Einladung zum Pressegespräch", extra=extra + event)


def calendar_of(data: bytes) -> Calendar:
    calendar = Calendar.from_ical(data)
    assert isinstance(calendar, Calendar)
    return calendar


# -- the front matter and its checks ---------------------------------------------------------

def test_event_times_are_read_in_the_site_zone(room: Room) -> None:
    with_event(room)
    event = room.load(NOW).release(SLUG).event
    assert event is not None
    assert event.start == datetime(2030, 3, 5, 10, 0, tzinfo=BERLIN)
    assert event.start.utcoffset() == timedelta(hours=1)
    assert event.end == datetime(2030, 3, 5, 12, 30, tzinfo=BERLIN)
    assert (event.title, event.location) == ("Pressegespräch zur Eröffnung", "Beratungsstelle Südstadt")
    assert event.address == "Lindenstraße 5\n18055 Rostock"


def test_a_time_in_the_spring_gap_is_an_error_on_its_line(room: Room) -> None:
    # 2030-03-31: clocks in Berlin go from 02:00 straight to 03:00.
    with_event(room, "event:\n  title: Nachts\n  start: 2030-03-31T02:30:00\n")
    assert errors_of(room) == [
        f"releases/{SLUG}.md:8: event.start: 2030-03-31 02:30 does not exist (clocks go forward) "
        "in Europe/Berlin; give another time or an offset such as +01:00"
    ]


def test_a_time_in_the_autumn_fold_is_an_error_on_its_line(room: Room) -> None:
    # 2030-10-27: 02:30 happens twice in Berlin (fold 0 in CEST, fold 1 in CET).
    with_event(room, "event:\n  title: Nachts\n  start: 2030-10-27T01:00:00\n  end: 2030-10-27T02:30:00\n")
    assert errors_of(room) == [
        f"releases/{SLUG}.md:9: event.end: 2030-10-27 02:30 is ambiguous (clocks go back: it happens "
        "twice) in Europe/Berlin; give another time or an offset such as +01:00"
    ]


def test_an_offset_settles_a_time_in_the_fold(room: Room) -> None:
    with_event(room, "event:\n  title: Nachts\n  start: 2030-10-27T02:30:00+01:00\n")
    event = room.load(NOW).release(SLUG).event
    assert event is not None
    # (compared in UTC: Python never finds a fold=1 time equal to another zone's)
    assert event.start.astimezone(UTC) == datetime(2030, 10, 27, 1, 30, tzinfo=UTC)
    assert event.start.tzinfo == BERLIN and event.start.fold == 1


def test_an_end_before_the_start_is_an_error(room: Room) -> None:
    with_event(room, "event:\n  title: Rückwärts\n  start: 2030-03-05T12:00:00\n  end: 2030-03-05T11:00:00\n")
    assert errors_of(room) == [
        f"releases/{SLUG}.md:9: event.end: 2030-03-05 11:00 is not after the start (2030-03-05 12:00)"
    ]


def test_unknown_keys_missing_title_and_a_bare_date_are_located(room: Room) -> None:
    with_event(room, "event:\n  start: 2030-03-05\n  raum: Saal 2\n")
    assert errors_of(room) == [
        f"releases/{SLUG}.md:6: event.title: dieser Pflichteintrag fehlt",
        f"releases/{SLUG}.md:7: event.start: hier gehört eine Uhrzeit zum Datum, etwa 2030-03-05T10:00; "
        "hier steht '2030-03-05': ergänzen Sie die Uhrzeit",
        f"releases/{SLUG}.md:8: event.raum: unbekannter Schlüssel (bekannte Schlüssel: title, start, end, location, "
        "address, url)",
    ]


def test_updated_is_the_last_revision_and_not_before_publication(room: Room) -> None:
    room.ready("2030-02-10-neu", extra="updated: 2030-02-12T09:30:00\n")
    release = room.load(NOW).release("2030-02-10-neu")
    assert release.modified == datetime(2030, 2, 12, 9, 30, tzinfo=BERLIN)
    room.ready("2030-02-10-neu", extra="updated: 2030-02-09T09:30:00\n")
    assert errors_of(room) == [
        "releases/2030-02-10-neu.md:6: updated: liegt vor der Veröffentlichung (Datum oder Sperrfrist); "
        "tragen Sie hier nur eine spätere Überarbeitung ein"
    ]


# -- the Termin box --------------------------------------------------------------------------

def test_the_event_box_is_localised(room: Room) -> None:
    with_event(room, extra="language: en\n")
    pressroom = room.load(NOW)
    view = release_view(pressroom.release(SLUG), RenderContext.for_settings(pressroom.settings, NOW))
    assert view.event is not None
    assert (view.event.heading, view.event.when) == ("Event", "5 March 2030, 10:00–12:30 CET")
    room.ready(SLUG, extra=EVENT)
    pressroom = room.load(NOW)
    ctx = RenderContext.for_settings(pressroom.settings, NOW)
    view = release_view(pressroom.release(SLUG), ctx)
    assert view.event is not None
    assert (view.event.heading, view.event.when) == ("Termin", "05.03.2030, 10:00–12:30 Uhr")
    text = render_text(pressroom.release(SLUG), ctx).decode("utf-8")
    assert "Termin\n------\nPressegespräch zur Eröffnung\n05.03.2030, 10:00–12:30 Uhr\n" in text


def test_an_event_over_two_days_names_both(room: Room) -> None:
    with_event(room, "event:\n  title: Tagung\n  start: 2030-03-05T10:00:00\n  end: 2030-03-06T16:00:00\n")
    pressroom = room.load(NOW)
    view = release_view(pressroom.release(SLUG), RenderContext.for_settings(pressroom.settings, NOW))
    assert view.event is not None and view.event.when == "05.03.2030, 10:00 Uhr – 06.03.2030, 16:00 Uhr"


def test_the_page_links_its_calendar_file(room: Room) -> None:
    import lxml.html

    with_event(room)
    pressroom = room.load(NOW)
    page = render_html(pressroom.release(SLUG), RenderContext.for_settings(pressroom.settings, NOW))
    doc = lxml.html.document_fromstring(page)
    (link,) = doc.xpath("//section[@class='event']//a[@type='text/calendar']")
    assert link.get("href") == f"{SLUG}.ics"
    assert link.text_content() == "In den Kalender (.ics)"


# -- the calendar file ------------------------------------------------------------------------

def test_the_calendar_file_carries_every_property(room: Room) -> None:
    with_event(room)
    pressroom = room.load(NOW)
    release = pressroom.release(SLUG)
    data = render_ics(release, RenderContext.for_settings(pressroom.settings, NOW))
    calendar = calendar_of(data)
    assert str(calendar["VERSION"]) == "2.0" and str(calendar["PRODID"]).startswith("-//pressroom//")
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"{SLUG}@presse.beispiel.example"
    # DTSTAMP is the release's, not the clock's: when it became public, in UTC
    assert event.decoded("DTSTAMP") == datetime(2030, 2, 9, 23, 0, tzinfo=UTC)
    assert event.decoded("DTSTART") == datetime(2030, 3, 5, 10, 0, tzinfo=BERLIN)
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event.decoded("DTEND") == datetime(2030, 3, 5, 12, 30, tzinfo=BERLIN)
    assert str(event["SUMMARY"]) == "Pressegespräch zur Eröffnung"
    assert str(event["LOCATION"]) == "Beratungsstelle Südstadt, Lindenstraße 5, 18055 Rostock"
    assert str(event["URL"]) == "https://beispiel.example/termine/eroeffnung"
    # RFC 5545: every TZID used has its VTIMEZONE
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert b"\r\n" in data and all(len(line) <= 75 for line in data.split(b"\r\n"))


def test_the_calendar_file_is_the_same_at_every_build(room: Room) -> None:
    with_event(room)
    pressroom = room.load(NOW)
    release = pressroom.release(SLUG)
    first = render_ics(release, RenderContext.for_settings(pressroom.settings, NOW))
    later = render_ics(release, RenderContext.for_settings(pressroom.settings, NOW + timedelta(days=400)))
    assert first == later


def test_without_an_event_url_the_calendar_links_the_release_page(room: Room) -> None:
    with_event(room, "event:\n  title: Kurz\n  start: 2030-03-05T10:00:00\n")
    pressroom = room.load(NOW)
    data = render_ics(pressroom.release(SLUG), RenderContext.for_settings(pressroom.settings, NOW))
    (event,) = calendar_of(data).walk("VEVENT")
    assert str(event["URL"]) == f"https://presse.beispiel.example/{SLUG}/{SLUG}.html"
    assert "DTEND" not in event and "LOCATION" not in event


# -- the build ----------------------------------------------------------------------------------

def test_only_releases_with_an_event_get_a_calendar_file(room: Room) -> None:
    with_event(room)
    room.ready("2030-02-01-ohne", title="Ohne Termin")
    result = build_pressroom(room.root, now=datetime(2030, 2, 15, tzinfo=UTC), jobs=1)
    public = room.root / "build" / "public"
    assert (public / SLUG / f"{SLUG}.ics").is_file()
    assert not (public / "2030-02-01-ohne" / "2030-02-01-ohne.ics").exists()
    assert "ics" in result.outputs(SLUG) and "ics" not in result.outputs("2030-02-01-ohne")


def test_an_embargoed_calendar_file_stays_private_and_goes_when_the_event_does(room: Room) -> None:
    with_event(room, extra="embargo: 2030-02-20T10:00:00\n")
    before = datetime(2030, 2, 15, tzinfo=UTC)
    build_pressroom(room.root, now=before, jobs=1)
    build = room.root / "build"
    assert (build / "private" / SLUG / f"{SLUG}.ics").is_file()
    assert list((build / "public").rglob("*.ics")) == []
    room.ready(SLUG, title="Einladung zum Pressegespräch", extra="embargo: 2030-02-20T10:00:00\n")
    build_pressroom(room.root, now=before, jobs=1)
    assert list(build.rglob("*.ics")) == []


def test_a_rebuild_leaves_the_calendar_file_alone(room: Room) -> None:
    with_event(room)
    when = datetime(2030, 2, 15, tzinfo=UTC)
    build_pressroom(room.root, now=when, jobs=1)
    result = build_pressroom(room.root, now=when + timedelta(hours=1), jobs=1)
    assert result.rendered == ()


# -- the e-mail ---------------------------------------------------------------------------------

def test_the_email_carries_the_calendar_file_as_text_calendar(room: Room, tmp_path: Path) -> None:
    with_event(room)
    when = datetime(2030, 2, 15, tzinfo=UTC)
    result = build_pressroom(room.root, now=when, jobs=1)
    pressroom = result.pressroom
    release = pressroom.release(SLUG)
    edition = make_edition(release, pressroom.settings, result.outputs(SLUG), 1, when)
    job = Job(id=1, key="k" * 40, slug=SLUG, revision=1, list_name="presse", channel="outbox",
              email="nord@zeitung.example", name="Redaktion Nord", state="pending", not_before=when,
              attempts=0, last_error="", leased_until=None, lease_owner="", created_at=when,
              updated_at=when, sent_at=None)
    message = message_from_bytes(MessageBuilder(clock=lambda: when).build(edition, job), policy=policy.default)
    assert isinstance(message, EmailMessage)
    (ics,) = [part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"]
    assert ics.get_filename() == f"{SLUG}.ics"
    event = calendar_of(ics.get_payload(decode=True)).walk("VEVENT")[0]
    assert str(event["UID"]) == f"{SLUG}@presse.beispiel.example"
    assert str(event["SUMMARY"]) == "Pressegespräch zur Eröffnung"


def test_a_release_without_event_has_no_calendar_attachment(room: Room) -> None:
    room.ready("2030-02-01-ohne", title="Ohne Termin")
    when = datetime(2030, 2, 15, tzinfo=UTC)
    result = build_pressroom(room.root, now=when, jobs=1)
    release = result.pressroom.release("2030-02-01-ohne")
    edition = make_edition(release, result.pressroom.settings, result.outputs(release.slug), 1, when)
    assert "ics" not in edition.files and "ics" not in edition.record.urls


@pytest.mark.parametrize("key", ["start", "end"])
def test_a_gap_in_either_time_blocks_the_release(room: Room, key: str) -> None:
    times = {"start": "2030-03-31T01:00:00", "end": "2030-03-31T04:00:00"}
    times[key] = "2030-03-31T02:15:00"
    with_event(room, f"event:\n  title: Nachts\n  start: {times['start']}\n  end: {times['end']}\n")
    (error,) = errors_of(room)
    assert f"event.{key}: 2030-03-31 02:15 does not exist" in error


def test_check_reports_every_event_mistake_as_one_line_each(room: Room) -> None:
    import subprocess
    import sys

    with_event(room, "event:\n  title: Nachts\n  start: 2030-03-31T02:30:00\n", slug="2030-02-10-luecke")
    with_event(room, "event:\n  title: Rückwärts\n  start: 2030-03-05T12:00:00\n  end: 2030-03-05T11:00:00\n",
               slug="2030-02-11-rueckwaerts")
    with_event(room, "event: morgen um zehn\n", slug="2030-02-12-text")
    result = subprocess.run([sys.executable, "-m", "pressroom", "check", "--root", str(room.root)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 1
    errors = [line for line in result.stdout.splitlines() if line.startswith("releases/") and ": warning:" not in line]
    assert errors == [
        "releases/2030-02-10-luecke.md:8: event.start: 2030-03-31 02:30 does not exist (clocks go forward) "
        "in Europe/Berlin; give another time or an offset such as +01:00",
        "releases/2030-02-11-rueckwaerts.md:9: event.end: 2030-03-05 11:00 is not after the start "
        "(2030-03-05 12:00)",
        "releases/2030-02-12-text.md:6: event: erwartet wird eine Zuordnung (Schlüssel: Wert), hier steht 'morgen um zehn'",
    ]
    assert "Traceback" not in result.stderr


def test_an_event_url_that_is_no_web_address_is_a_warning_and_left_out(room: Room) -> None:
    with_event(room, "event:\n  title: T\n  start: 2030-03-05T10:00:00\n  url: 'javascript:alert(1)'\n")
    result = load_pressroom(room.root, NOW)
    assert [p.format(room.root) for p in result.problems if "event" in p.message] == [
        f"releases/{SLUG}.md:9: warning: event.url: 'javascript:alert(1)' ist keine Webadresse "
        "(http, https) und wird weggelassen: schreiben Sie sie mit https:// davor"
    ]
    assert result.pressroom is not None
    release = result.pressroom.release(SLUG)
    ctx = RenderContext.for_settings(result.pressroom.settings, NOW)
    assert b"javascript" not in render_html(release, ctx) and b"javascript" not in render_ics(release, ctx)
