"""Pydantic models of what users write: the settings file and release front matter.

These models judge shape and type only; resolving ids, dates against periods and
anything that needs more than one file happens in ``load``.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    StrictBool,
    StrictInt,
    Tag,
)

from .addresses import check_address
from .messages import Unsaid

# Characters XML 1.0 cannot carry; feeds, HTML and DOCX would all break on them.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# Line breaks of any kind: a header injection vector in titles, names and addresses.
_LINE_BREAKS = re.compile("[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")

def check_xml_text(value: str) -> str:
    """Reject characters that cannot appear in an XML document."""
    bad = _XML_FORBIDDEN.search(value)
    if bad:
        raise Unsaid("value.control", code=ord(bad.group()))
    return value


def _single_line(value: str) -> str:
    if _LINE_BREAKS.search(value):
        raise Unsaid("value.line_break")
    return value.strip()


def _valid_address(value: str) -> str:
    """Accept *value* if it is an address pressroom can send to; keep it as written.

    Contacts and the organisation keep the form people read (an international
    domain in Unicode); the e-mail builder derives the form it sends.
    """
    check_address(value)
    return value


def _parse_when(value: Any) -> date | datetime:
    """Accept ISO dates and datetimes given as strings (YAML 1.2 keeps them strings)."""
    if isinstance(value, (date, datetime)):
        return value
    if not isinstance(value, str):
        raise Unsaid("value.not_date_text", given=value)
    text = value.strip()
    try:
        if len(text) > 10:
            return datetime.fromisoformat(text)
        return date.fromisoformat(text)
    except ValueError:
        raise Unsaid("value.not_iso_date", given=value) from None


def _parse_datetime(value: Any) -> datetime:
    when = _parse_when(value)
    if isinstance(when, datetime):
        return when
    return datetime(when.year, when.month, when.day)


def _parse_time_of_day(value: Any) -> datetime:
    when = _parse_when(value)
    if not isinstance(when, datetime):
        raise Unsaid("value.needs_time", given=value)
    return when


def _parse_day(value: Any) -> date:
    when = _parse_when(value)
    if isinstance(when, datetime):
        raise Unsaid("value.day_only", given=value)
    return when


_AGE = re.compile(r"(\d+)\s*([dh])")


def _parse_age(value: Any) -> timedelta:
    """Read a maximum age: a whole number of days, or text such as "14d" or "36h"."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return timedelta(days=value)
    match = _AGE.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None or int(match.group(1)) == 0:
        raise Unsaid("value.age", given=value)
    number, unit = int(match.group(1)), match.group(2)
    return timedelta(days=number) if unit == "d" else timedelta(hours=number)


Text = Annotated[str, Field(strict=True), AfterValidator(check_xml_text)]
Line = Annotated[Text, AfterValidator(_single_line), Field(min_length=1)]
OptionalLine = Annotated[Text, AfterValidator(_single_line)]
When = Annotated[date | datetime, PlainValidator(_parse_when)]
Moment = Annotated[datetime, PlainValidator(_parse_datetime)]
Day = Annotated[date, PlainValidator(_parse_day)]
Clock = Annotated[datetime, PlainValidator(_parse_time_of_day)]  # a moment with its time of day
Age = Annotated[timedelta, PlainValidator(_parse_age)]
Email = Annotated[Line, AfterValidator(_valid_address)]
# The address a recipient is sent to: checked once and kept in its wire form (IDNA).
SendTo = Annotated[Line, AfterValidator(check_address)]
Language = Literal["de", "en"]


class Strict(BaseModel):
    """Base model: unknown keys are errors, values are never silently coerced."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class RoleIn(Strict):
    """A contact's role during one period (inclusive), e.g. a title that changed."""

    role: Line
    valid_from: Day | None = None
    valid_until: Day | None = None


class ContactIn(Strict):
    name: Line
    role: OptionalLine = ""
    # Roles by period: a release shows the role its date falls in, else ``role``.
    roles: list[RoleIn] = []
    email: Email | None = None
    phone: OptionalLine = ""


class FunderIn(Strict):
    name: Line
    logo: OptionalLine | None = None


def _funder_from_name(value: Any) -> Any:
    return {"name": value} if isinstance(value, str) else value


class BoilerplateIn(Strict):
    text: Text
    valid_from: Day
    valid_until: Day | None = None
    funders: list[Annotated[FunderIn, BeforeValidator(_funder_from_name)]] = []


class OrganisationIn(Strict):
    name: Line
    address: Text = ""
    website: OptionalLine = ""
    email: Email | None = None
    phone: OptionalLine = ""
    logo: OptionalLine | None = None
    # The logo's public address, for the publisher in the pages' structured data.
    logo_url: Annotated[Line, Field(pattern=r"^https?://[^\s]+$")] | None = None


class SiteIn(Strict):
    base_url: Annotated[Line, Field(pattern=r"^https?://[^\s]+$")] | None = None
    title: Line | None = None
    language: Language = "de"
    timezone: Line = "Europe/Berlin"
    default_place: OptionalLine | None = None
    default_contacts: list[Line] = []
    # Releases on the front page; past it, the index links to yearly archive pages.
    front_page_size: Annotated[StrictInt, Field(ge=1)] = 20


class ChannelIn(BaseModel):
    """A channel as written: its ``type``; the channel type's own settings model
    (``pressroom.channels``) judges the other keys, so plug-in types need nothing here."""

    model_config = ConfigDict(extra="allow", frozen=True)

    type: Line


class RecipientIn(Strict):
    name: OptionalLine = ""
    email: SendTo


class ListIn(Strict):
    channel: Line
    recipients: list[RecipientIn] = []
    csv: OptionalLine | None = None
    embargoed: StrictBool = False


class DistributionIn(Strict):
    channels: dict[str, ChannelIn] = {}
    lists: dict[str, ListIn] = {}
    default_lists: list[Line] = []
    # Older releases are not mailed or posted by publish (an imported archive).
    max_age: Age = timedelta(days=14)


class SettingsIn(Strict):
    organisation: OrganisationIn
    site: SiteIn = SiteIn()
    contacts: dict[str, ContactIn] = {}
    boilerplates: dict[str, BoilerplateIn] = {}
    distribution: DistributionIn | None = None


class LinkIn(Strict):
    title: Line
    url: OptionalLine


class ImageIn(Strict):
    """A picture of the release: its file below releases/ and what must travel with it."""

    file: Line
    alt: OptionalLine = ""
    caption: OptionalLine = ""
    credit: OptionalLine = ""
    license: OptionalLine = ""


ContactRef = Annotated[
    Annotated[Line, Tag("id")] | Annotated[ContactIn, Tag("inline")],
    Discriminator(lambda v: "inline" if isinstance(v, dict) else "id"),
]


class EventIn(Strict):
    """A press event (a press conference, an opening): times are local to the site's zone
    unless written with an offset."""

    title: Line
    start: Clock
    end: Clock | None = None
    location: OptionalLine = ""
    address: Text = ""
    url: OptionalLine = ""


class FrontMatter(Strict):
    title: Line
    date: When
    place: OptionalLine | None = None
    number: OptionalLine | None = None
    subtitle: OptionalLine | None = None
    lead: Text | None = None
    contacts: list[ContactRef] | None = None
    boilerplate: OptionalLine | None = None
    embargo: Moment | None = None
    language: Language | None = None
    tags: list[Line] = []
    links: list[LinkIn] = []
    attachments: list[Line] = []
    images: list[ImageIn] = []
    status: Literal["draft", "ready"] = "draft"
    distribution: list[Line] | None = None
    event: EventIn | None = None
    updated: Moment | None = None  # the last revision: dateModified in the page's metadata
    # What is still to do before the release may go out (Word comments, by `pressroom import`).
    todo: list[Line] = []


FRONT_MATTER_KEYS = tuple(FrontMatter.model_fields)
