"""The resolved, immutable objects every later stage shares. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from .channels import ChannelSettings, Transport

Status = Literal["draft", "ready"]


@dataclass(frozen=True)
class RolePeriod:
    """A contact's role from ``valid_from`` until ``valid_until`` (inclusive; None: open)."""

    role: str
    valid_from: date | None = None
    valid_until: date | None = None

    def covers(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )


@dataclass(frozen=True)
class Contact:
    """A press contact as printed under a release."""

    id: str
    name: str
    role: str = ""
    email: str | None = None
    phone: str = ""
    roles: tuple[RolePeriod, ...] = ()

    def role_on(self, day: date) -> str:
        """The role as it was on *day*: the first period covering it, else ``role``."""
        return next((period.role for period in self.roles if period.covers(day)), self.role)


@dataclass(frozen=True)
class Funder:
    name: str
    logo: Path | None = None


@dataclass(frozen=True)
class Boilerplate:
    """The funder text of one funding period (Markdown), valid from..until inclusive."""

    id: str
    text: str
    valid_from: date
    valid_until: date | None = None
    funders: tuple[Funder, ...] = ()

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


@dataclass(frozen=True)
class Organisation:
    name: str
    address: str = ""
    website: str = ""
    email: str | None = None
    phone: str = ""
    logo: Path | None = None
    logo_url: str = ""  # the logo's public address (structured data), when the settings give one


@dataclass(frozen=True)
class Site:
    base_url: str
    title: str
    language: str = "de"
    timezone: str = "Europe/Berlin"
    default_place: str | None = None
    default_contacts: tuple[str, ...] = ()
    front_page_size: int = 20  # releases on the index; older ones are in yearly archives

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def url(self, path: str) -> str:
        """Return the absolute URL of *path* below base_url."""
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")


@dataclass(frozen=True)
class Recipient:
    """Someone a list sends to: *email* is the checked address as sent (ASCII, domain in IDNA)."""

    email: str
    name: str = ""


@dataclass(frozen=True)
class Channel:
    """A named way out of the press room: its channel type (the transport class that
    delivers, see ``pressroom.channels``) and its typed settings."""

    name: str
    transport: type[Transport[Any]]
    settings: ChannelSettings

    @property
    def type(self) -> str:
        """The channel type's name: maildir, smtp, webhook or one a plug-in registers."""
        return self.transport.type_name


@dataclass(frozen=True)
class RecipientList:
    """Who receives releases on one channel; embargoed lists get them before the embargo."""

    name: str
    channel: str
    recipients: tuple[Recipient, ...] = ()
    embargoed: bool = False


@dataclass(frozen=True)
class Distribution:
    channels: dict[str, Channel] = field(default_factory=dict)
    lists: dict[str, RecipientList] = field(default_factory=dict)
    default_lists: tuple[str, ...] = ()
    # publish leaves a release older than this to `queue send` on smtp and webhook channels
    max_age: timedelta = timedelta(days=14)


@dataclass(frozen=True)
class Settings:
    """The press room's settings, resolved: where it lives and its standard blocks."""

    root: Path
    path: Path
    organisation: Organisation
    site: Site
    contacts: dict[str, Contact]
    boilerplates: dict[str, Boilerplate]
    distribution: Distribution

    @property
    def releases_dir(self) -> Path:
        return self.path.parent


@dataclass(frozen=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True)
class Event:
    """A press event a release announces; *start* and *end* are aware, in the site zone."""

    title: str
    start: datetime
    end: datetime | None = None
    location: str = ""
    address: str = ""
    url: str = ""


@dataclass(frozen=True)
class Image:
    """A picture of a release: listed under ``images:`` or shown in the body.

    *path* is the resolved file inside releases/; *file* its path below releases/
    (where the build publishes it). *line* locates it in the release file (the
    ``images:`` entry, or the body line of the Markdown image). *width* and *height*
    are its pixel size, None for a format Pillow cannot read (SVG).
    """

    path: Path
    file: str
    line: int
    alt: str = ""
    caption: str = ""
    credit: str = ""
    license: str = ""
    width: int | None = None
    height: int | None = None
    in_body: bool = False  # the body shows it: the other formats do not show it again


@dataclass(frozen=True)
class Release:
    """One press release with every reference resolved against the settings."""

    slug: str
    path: Path
    title: str
    published: datetime  # aware, in the site time zone
    place: str
    number: str
    language: str
    status: Status
    body: str  # Markdown
    body_line: int  # line of the file where the body starts
    contacts: tuple[Contact, ...]
    boilerplate: Boilerplate
    subtitle: str | None = None
    lead: str | None = None
    embargo: datetime | None = None  # aware
    tags: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    attachments: tuple[Path, ...] = ()
    # the images: list first, then the body's images not listed there (see load.release_images)
    images: tuple[Image, ...] = ()
    distribution: tuple[str, ...] = ()
    event: Event | None = None
    updated: datetime | None = None  # aware; the last revision, when the file says so

    @property
    def modified(self) -> datetime:
        """The moment of the last revision: ``updated``, else when the release became public."""
        return self.updated or self.public_from

    @property
    def date(self) -> date:
        return self.published.date()

    @property
    def dateline(self) -> str:
        """Place and date as they open the release: "Rostock, 26.08.2021"."""
        return f"{self.place}, {format_day(self.date, self.language)}"

    @property
    def public_from(self) -> datetime:
        """The moment a ready release becomes public: its date, or its embargo if later."""
        return max(self.published, self.embargo or self.published)

    def is_embargoed(self, at: datetime) -> bool:
        """True while the release is held back at the aware moment *at*: before its embargo,
        or before its date when that is later (a date ahead works as an embargo until
        ``public_from``, so whoever gets it early is told so)."""
        return at < self.public_from

    def is_public(self, at: datetime) -> bool:
        """True when the release may be shown to anyone: ready, dated and out of embargo."""
        return self.status == "ready" and at >= self.public_from


def local_time(moment: datetime, zone: tzinfo | None = None) -> str:
    """Write *moment* for the press office, in *zone* (default: the zone it carries):
    "2026-12-01 10:00 CET". Every line for people (commands, dry runs, the dispatcher) uses it."""
    shown = moment.astimezone(zone) if zone is not None else moment
    return shown.strftime("%Y-%m-%d %H:%M %Z")


def format_day(day: date, language: str) -> str:
    """Format a date the way a dateline in *language* writes it."""
    if language == "de":
        return day.strftime("%d.%m.%Y")
    from babel.dates import format_date  # babel loads locale data: only when needed

    return format_date(day, "d MMMM yyyy", locale=language)


@dataclass(frozen=True)
class Pressroom:
    """Everything loaded: the settings and every release, sorted newest first."""

    settings: Settings
    releases: tuple[Release, ...]

    def release(self, slug: str) -> Release:
        for release in self.releases:
            if release.slug == slug:
                return release
        raise KeyError(slug)
