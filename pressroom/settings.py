"""Read ``releases/pressroom.yaml`` into resolved Settings, reporting every problem."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .addresses import check_address
from .errors import PressroomError, Problem, Severity
from .messages import Language, language_of_settings, say
from .model import (
    Boilerplate,
    Channel,
    Contact,
    Distribution,
    Funder,
    Organisation,
    Recipient,
    RecipientList,
    RolePeriod,
    Settings,
    Site,
)
from .paths import contained_file
from .recipients import Listed, duplicates, read_csv
from .schema import ContactIn, DistributionIn, SettingsIn
from .validation import validate
from .yamlload import YamlDocument, YamlError, load_yaml

if TYPE_CHECKING:
    from .channels import ChannelTypes

SETTINGS_FILE = Path("releases") / "pressroom.yaml"
# Where links point while a press room has not said where it is published.
PLACEHOLDER_URL = "https://example.invalid/"

# The embedded default: a fresh press room distributes into a real Maildir
# (at the maildir channel's default path).
DEFAULT_CHANNEL = {"type": "maildir"}


def settings_path(root: Path) -> Path:
    """Return where the settings of the press room at *root* live."""
    return root / SETTINGS_FILE


def room_language(root: Path) -> Language:
    """The room's language as its settings file says it, read before (or without) loading
    the settings, so a command's own errors are in it; English without a readable file."""
    try:
        return language_of_settings(settings_path(root).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return "en"


def load_settings(
    root: Path, environ: Mapping[str, str] | None = None
) -> tuple[Settings | None, list[Problem]]:
    """Load and resolve the settings of the press room at *root*.

    With *environ*, each environment variable the settings name (``password_env``,
    ``secret_env``) must be set in it, or a warning says so. ``check`` passes the
    environment under --strict or in CI, where the secrets belong; a press officer's
    laptop lacks them by design, and commands that need none (build) pass nothing.
    """
    path = settings_path(root)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [Problem(path, 1, "settings file not found (run `pressroom init`?)")]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(path, 1, f"cannot read settings: {exc}")]
    text = text.removeprefix("\ufeff")  # a byte-order mark written by a Windows editor
    language = language_of_settings(text)
    try:
        doc = load_yaml(text, path, language=language)
    except YamlError as exc:
        return None, exc.problems
    parsed, problems = validate(SettingsIn, doc, path, 1, language=language)
    if parsed is None:
        return None, problems
    settings, found = _resolve(parsed, doc, root, path, environ, language)
    if problems:
        # Resolved without the keys the schema rejected: its warnings would be about
        # defaults standing in for those keys, so only its errors count.
        return None, problems + [p for p in found if p.is_error]
    return settings, found


def _resolve(
    raw: SettingsIn, doc: YamlDocument, root: Path, path: Path, environ: Mapping[str, str] | None,
    language: Language,
) -> tuple[Settings | None, list[Problem]]:
    problems: list[Problem] = []

    def at(*key: str | int) -> int:
        return doc.line_of(key, 1)

    def local_file(value: str | None, *key: str | int) -> Path | None:
        if value is None:
            return None
        target = contained_file(path.parent / value, root)
        if target is None:
            problems.append(Problem(path, at(*key), say(language, "settings.no_file", value=value)))
        return target

    try:
        ZoneInfo(raw.site.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        message = say(language, "settings.zone", zone=raw.site.timezone)
        problems.append(Problem(path, at("site", "timezone"), message))
    contacts = {cid: to_contact(cid, c) for cid, c in raw.contacts.items()}
    for cid, c in raw.contacts.items():
        for index, period in enumerate(c.roles):
            if period.valid_from and period.valid_until and period.valid_until < period.valid_from:
                where = at("contacts", cid, "roles", index, "valid_until")
                problems.append(Problem(path, where, say(language, "period.reversed")))
    for index, cid in enumerate(raw.site.default_contacts):
        if cid not in contacts:
            known = ", ".join(sorted(contacts)) or say(language, "word.none")
            message = say(language, "settings.contact_unknown", name=cid, known=known)
            problems.append(Problem(path, at("site", "default_contacts", index), message))
    boilerplates = {}
    for bid, b in raw.boilerplates.items():
        if b.valid_until is not None and b.valid_until < b.valid_from:
            problems.append(
                Problem(path, at("boilerplates", bid, "valid_until"), say(language, "period.reversed"))
            )
        funders = tuple(
            Funder(f.name, local_file(f.logo, "boilerplates", bid, "funders", i))
            for i, f in enumerate(b.funders)
        )
        boilerplates[bid] = Boilerplate(bid, b.text, b.valid_from, b.valid_until, funders)
    o = raw.organisation
    organisation = Organisation(
        o.name, o.address.strip(), o.website, o.email, o.phone, local_file(o.logo, "organisation", "logo"),
        o.logo_url or "",
    )
    s = raw.site
    if s.base_url is None:
        problems.append(
            Problem(
                path,
                at("site"),
                say(language, "settings.base_url", url=PLACEHOLDER_URL),
                Severity.WARNING,
            )
        )
    title = s.title or o.name
    site = Site(
        s.base_url or PLACEHOLDER_URL,
        title,
        s.language,
        s.timezone,
        s.default_place,
        tuple(s.default_contacts),
        s.front_page_size,
    )
    distribution = _resolve_distribution(raw.distribution, organisation, doc, path, problems, language)
    if environ is not None:
        problems += missing_secrets(distribution, environ, doc, path)
    if any(p.is_error for p in problems):
        return None, problems
    settings = Settings(root, path, organisation, site, contacts, boilerplates, distribution)
    return settings, problems


def to_contact(cid: str, raw: ContactIn) -> Contact:
    """Build a resolved Contact from its validated form."""
    roles = tuple(RolePeriod(r.role, r.valid_from, r.valid_until) for r in raw.roles)
    return Contact(cid, raw.name, raw.role, raw.email, raw.phone, roles)


def _resolve_distribution(
    raw: DistributionIn | None,
    organisation: Organisation,
    doc: YamlDocument,
    path: Path,
    problems: list[Problem],
    language: str = "en",
) -> Distribution:
    from .channels import channel_types, make_channel

    written = [c.type for c in raw.channels.values()] if raw is not None else [DEFAULT_CHANNEL["type"]]
    try:
        types = channel_types(written)
    except PressroomError as exc:  # a broken plug-in: say so where the channels are set
        problems.append(Problem(path, doc.line_of(("distribution",), 1), str(exc)))
        return Distribution()
    if raw is None:
        # Without a distribution section, releases go to the press office's own
        # address in a local Maildir: somewhere real, and nobody outside is reached.
        own = (Recipient(check_address(organisation.email), organisation.name),) if organisation.email else ()
        outbox = RecipientList("outbox", "outbox", own)
        default = make_channel("outbox", DEFAULT_CHANNEL, types)
        return Distribution({"outbox": default}, {"outbox": outbox}, ("outbox",))

    def at(*key: str | int) -> int:
        return doc.line_of(("distribution", *key), 1)

    channels, unusable = _resolve_channels(raw, types, doc, path, problems, language)
    lists = {}
    for name, lst in raw.lists.items():
        channel = channels.get(lst.channel)
        if channel is None:
            if lst.channel not in unusable:  # a channel with problems said so already
                message = say(language, "settings.channel_unknown", name=lst.channel,
                              known=", ".join(sorted(raw.channels)) or say(language, "word.none"))
                problems.append(Problem(path, at("lists", name, "channel"), message))
            continue
        listed = [
            Listed(Recipient(r.email, r.name), path, at("lists", name, "recipients", index))
            for index, r in enumerate(lst.recipients)
        ]
        unread: list[Problem] = []  # what the CSV file could not give
        if lst.csv is not None:
            found, unread = read_csv(path.parent / lst.csv, path, at("lists", name, "csv"))
            listed += found
            problems += unread
        problems += duplicates(listed, name)
        recipients = tuple(entry.recipient for entry in listed)
        # A channel that delivers once per list (a website) publishes: nobody on it.
        per_recipient = channel.transport.per_recipient
        if not per_recipient and recipients:
            problems.append(
                Problem(path, at("lists", name), f"a list on a {channel.type} channel holds no recipients")
            )
        if not per_recipient and lst.embargoed:
            problems.append(Problem(
                path, at("lists", name, "embargoed"),
                f"list {name!r}: a {channel.type} publishes: it cannot receive releases before their embargo",
            ))
        if per_recipient and not recipients and not unread:
            empty = say(language, "settings.list_empty")
            problems.append(Problem(path, at("lists", name), empty, Severity.WARNING))
        lists[name] = RecipientList(name, lst.channel, recipients, lst.embargoed)
    for index, name in enumerate(raw.default_lists):
        if name not in raw.lists:
            message = say(language, "settings.list_unknown", name=name,
                          known=", ".join(sorted(raw.lists)) or say(language, "word.none"))
            problems.append(Problem(path, at("default_lists", index), message))
    return Distribution(channels, lists, tuple(raw.default_lists), raw.max_age)


def _resolve_channels(
    raw: DistributionIn, types: ChannelTypes, doc: YamlDocument, path: Path, problems: list[Problem],
    language: str = "en",
) -> tuple[dict[str, Channel], set[str]]:
    """Resolve each channel by its type's own settings model; return the channels and the
    names of those that have problems (reported in *problems*, located at their keys)."""
    from .channels import unknown_type

    channels: dict[str, Channel] = {}
    unusable: set[str] = set()
    for name, written in raw.channels.items():
        key = ("distribution", "channels", name)
        transport = types.get(written.type)
        if transport is None:
            unusable.add(name)
            problems.append(Problem(path, doc.line_of((*key, "type"), 1),
                                    f"channel {name!r}: {unknown_type(written.type, types)}"))
            continue
        parsed, found = validate(transport.settings_model, doc, path, 1, key, language)
        problems += found
        if parsed is None or found:
            unusable.add(name)
            continue
        # Beyond its keys' types (a webhook without a signing secret): an error at the
        # channel, while its lists are still checked against it.
        problems += [Problem(path, doc.line_of(key, 1), message) for message in parsed.problems(name)]
        channels[name] = Channel(name, transport, parsed)
    return channels, unusable


def missing_secrets(
    distribution: Distribution, environ: Mapping[str, str], doc: YamlDocument, path: Path
) -> list[Problem]:
    """Warn about each environment variable a channel names that *environ* does not set."""
    problems = []
    for name, channel in distribution.channels.items():
        for key, variable in channel.settings.secret_variables().items():
            if not environ.get(variable):
                problems.append(Problem(
                    path, doc.line_of(("distribution", "channels", name, key), 1),
                    f"channel {name!r}: environment variable {variable} is not set; "
                    "its jobs will wait until it is",
                    Severity.WARNING,
                ))
    return problems
