"""Read every release file against the settings into resolved Releases, with all problems.

Only this module (and ``settings``) reads the press room's files; everything later
works on the returned model.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from markdown_it.token import Token

from . import markup
from .authoring import placeholder_problems
from .errors import Problem, Severity
from .messages import WORD_BREAKS, Language, Unsaid, say
from .model import Contact, Event, Image, Link, Pressroom, Release, Settings
from .paths import file_named
from .schema import EventIn, FrontMatter, check_xml_text
from .settings import load_settings, to_contact
from .urls import absolute_href
from .validation import validate
from .yamlload import YamlDocument, YamlError, load_yaml

FILE_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})-[a-z0-9]+(?:-[a-z0-9]+)*$")
LONG_TITLE = 120


@dataclass(frozen=True)
class LoadResult:
    """What loading found: the press room (None when errors prevent it) and every problem.

    *held* are the drafts left out because they have errors: their problems are
    reported, but they do not stop the ready releases (see ``is_draft_text``).
    """

    pressroom: Pressroom | None
    problems: list[Problem]
    files: int = 0  # release files read
    held: frozenset[Path] = frozenset()

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def blocking(self) -> list[Problem]:
        """The errors that stop a build: all but those of the drafts left out."""
        return [p for p in self.errors if p.path not in self.held]

    def failed(self, strict: bool = False) -> bool:
        """True when errors were found (a draft's too: ``check`` shows every one), or any
        problem at all under *strict*."""
        return bool(self.errors) or (strict and bool(self.problems))

    def blocked(self, strict: bool = False) -> bool:
        """True when errors outside the held drafts were found, or any problem at all under
        *strict*: what stops ``build`` and ``publish``."""
        return bool(self.blocking) or (strict and bool(self.problems))


def release_files(root: Path) -> list[Path]:
    """Return every release file below ``releases/``, sorted."""
    return sorted(p for p in (root / "releases").rglob("*.md") if p.is_file())


# What an author might have meant as a release: another Markdown ending, .MD, a text
# file, or a Word save that kept ".md" in its name. Only "*.md" files are read.
_RELEASE_LIKE = re.compile(r"\.(?:markdown|mdown|mkd|md|txt|md\.txt|md\.docx)$", re.IGNORECASE)


def misnamed_release_files(root: Path, language: Language = "en") -> list[Problem]:
    """Warn about files below ``releases/`` that look like releases but are not named ``*.md``.

    A ``.markdown``, ``.MD`` or ``.md.docx`` file is named so by its ending; a ``.txt``
    file only when it starts with front matter (``---``).
    """
    problems = []
    for path in sorted((root / "releases").rglob("*")):
        if not path.is_file() or path.suffix == ".md" or not _RELEASE_LIKE.search(path.name):
            continue
        if path.suffix.lower() == ".txt" and not _starts_with_front_matter(path):
            continue
        stem = _RELEASE_LIKE.sub("", path.name)
        problems.append(Problem(path, 1, say(language, "file.not_md", fixed=f"{stem}.md"), Severity.WARNING))
    return problems


def _starts_with_front_matter(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            start: bytes = handle.read(8)
    except OSError:
        return False
    return start.removeprefix(b"\xef\xbb\xbf").startswith(b"---")


_STATUS_LINE = re.compile(r"^status:\s*['\"]?(draft|ready)['\"]?\s*(?:#.*)?$", re.MULTILINE)


def is_draft_text(text: str) -> bool:
    """Whether the release file *text* is a draft, read from its lines alone.

    Used for a file with errors, whose front matter may not be readable: a file is
    a draft when it says ``status: draft``, or has no ``status:`` line at all (the
    default). A file whose status line cannot be read (``status: raedy``) is not
    a draft: a release meant to be published must never be left out silently.
    """
    front = _front_lines(text)
    found: list[str] = _STATUS_LINE.findall(front)
    if found:
        return found[-1] == "draft"
    return re.search(r"^status\s*:", front, re.MULTILINE) is None


def _front_lines(text: str) -> str:
    """The front matter's lines of *text* as far as they can be told: up to the closing
    ``---``, or the whole file when that line is missing."""
    lines = text.split("\n")
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            return "\n".join(lines[:index])
    return text


def load_pressroom(
    root: Path,
    now: datetime | None = None,
    frozen: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
    settings: Settings | None = None,
    cache: ReleaseCache | None = None,
) -> LoadResult:
    """Load settings and every release of the press room at *root*, checking everything.

    *now* is the moment warnings such as "embargo already past" refer to; without an
    offset it is in the site's time zone.
    *frozen* maps each number the ledger recorded as published or sent to the slug
    that owns it (``Queue.numbers()``): those numbers never move (see assign_numbers).
    With *environ*, a secret the settings name but it lacks is a warning (see load_settings).
    *settings* loaded by the caller already (a command that needed them first, without
    errors) are used as they are instead of being loaded again.
    A *cache* kept between loads (``pressroom serve``) reads again only the release files
    that changed since.
    """
    root = root.resolve()
    now = now or datetime.now(UTC)
    problems: list[Problem] = []
    if settings is None:
        settings, problems = load_settings(root, environ)
    if settings is None:
        return LoadResult(None, sorted(problems))
    now = in_zone(now, settings.site.zone)
    releases: list[Release] = []
    number_lines: dict[Path, int] = {}
    paths = release_files(root)
    load_one = cache.loader(settings) if cache is not None else _load_release
    held: set[Path] = set()
    for path in paths:
        release, doc, found, draft = load_one(path, settings, now)
        problems += found
        if draft and any(p.is_error for p in found):
            held.add(path)
        elif release is not None:
            releases.append(release)
            number_lines[path] = doc.line_of(("number",), 1)
    problems += misnamed_release_files(root, settings.site.language)
    frozen = frozen or {}
    # Before numbering: only the numbers written in the files are checked against the ledger.
    problems += check_frozen(releases, frozen, number_lines, settings.site.language)
    releases = assign_numbers(releases, frozen)
    problems += check_unique(releases, number_lines, settings.site.language, frozen)
    problems = sorted(set(problems))
    if any(p.is_error and p.path not in held for p in problems):
        return LoadResult(None, problems, len(paths), frozenset(held))
    ordered = tuple(sorted(releases, key=lambda r: (r.published, r.slug), reverse=True))
    return LoadResult(Pressroom(settings, ordered), problems, len(paths), frozenset(held))


def split_front_matter(text: str, path: Path, language: Language = "en") -> tuple[str, str, int]:
    """Split a release file into (front matter, body, first body line)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise YamlError([Problem(path, 1, say(language, "front.no_start"))])
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            return "".join(lines[1:index]), "".join(lines[index + 1 :]), index + 2
    raise YamlError([Problem(path, 1, say(language, "front.unclosed", last=_last_key_line(lines)))])


_KEY_LINE = re.compile(r"^(?:[\w-]+:|\s+\S|- )")


def _last_key_line(lines: list[str]) -> int:
    """The line number of the last front-matter line of a file whose closing --- is missing:
    the last line, counting from the top, that still looks like a key, an indented value
    or a list item."""
    last = 1
    for index, line in enumerate(lines[1:], start=2):
        if not _KEY_LINE.match(line):
            break
        last = index
    return last


def word_breaks(text: str, path: Path, language: Language) -> list[Problem]:
    """Report each line break pasted from Word (U+000B, U+2028, U+2029) by its line in *text*."""
    problems = []
    # split on \n only: str.splitlines() also breaks at the very characters we look for
    for number, line in enumerate(text.split("\n"), start=1):
        for char in sorted({c for c in line if ord(c) in WORD_BREAKS}):
            problems.append(Problem(path, number, say(language, "word.break", code=ord(char))))
    return problems


def load_release(
    path: Path, settings: Settings, now: datetime, cache: ReleaseCache | None = None
) -> tuple[Release | None, list[Problem]]:
    """Load one release file on its own (through *cache* if given), with its problems
    (None when it cannot be resolved).

    The preview (``pressroom serve``) shows every release that loads while another is broken.
    """
    load_one = cache.loader(settings) if cache is not None else _load_release
    release, _doc, problems, _draft = load_one(path, settings, in_zone(now, settings.site.zone))
    return release, problems


def _load_release(
    path: Path, settings: Settings, now: datetime
) -> tuple[Release | None, YamlDocument, list[Problem], bool]:
    """Read and check one release file: (release or None, its YAML, its problems, is it a draft)."""
    empty = YamlDocument(None)
    language = settings.site.language
    try:
        # utf-8-sig: a byte-order mark (Windows editors write one) is not part of the text;
        # read_text turns CRLF line ends into LF, so line numbers stay right.
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        return None, empty, [Problem(path, 1, say(language, "file.not_utf8"))], False
    except OSError as exc:
        return None, empty, [Problem(path, 1, say(language, "file.unreadable", reason=exc.strerror))], False
    draft = is_draft_text(text)
    breaks = word_breaks(text, path, language)
    if breaks:
        # Named here with their fix; the rest of the file is checked as if they were spaces.
        text = "".join(" " if ord(c) in WORD_BREAKS else c for c in text)
    try:
        yaml_text, body, body_line = split_front_matter(text, path, language)
        doc = load_yaml(yaml_text, path, first_line=2, language=language)
    except YamlError as exc:
        return None, empty, breaks + exc.problems, draft
    problems = breaks + check_file_name(path, language)
    tokens = markup.parse(body) if markup.may_reference(body) else []
    problems += check_body(body, tokens, body_line, path, settings.releases_dir, language)
    front, schema_problems = validate(FrontMatter, doc, path, 1, language=language)
    problems += schema_problems
    if front is None:
        return None, doc, problems, draft
    draft = front.status == "draft"
    problems += placeholder_problems(text, path, front.status, language)
    problems += check_name_date(path, front.date, doc.line_of(("date",), 1), language)
    if not body.strip():
        severity = Severity.WARNING if draft else Severity.ERROR
        problems.append(Problem(path, body_line - 1, say(language, "body.empty"), severity))
    images = body_images(tokens, settings.releases_dir, body_line)
    release, found = _resolve(front, doc, path, body, body_line, settings, now, images)
    if schema_problems:
        # Resolved without the rejected keys: only its errors are about the file as written.
        return None, doc, problems + [p for p in found if p.is_error], draft
    return release, doc, problems + found, draft


def check_name_date(path: Path, written: date | datetime, line: int, language: Language) -> list[Problem]:
    """Warn when the date in the file name differs from ``date:`` (a copied release, a moved day)."""
    match = FILE_NAME.match(path.stem)
    day = written.date() if isinstance(written, datetime) else written
    if match is None or match.group(1) == day.isoformat():
        return []
    fixed = f"{day.isoformat()}{path.stem[10:]}{path.suffix}"
    message = say(language, "name.date_differs", named=match.group(1), dated=day.isoformat(), fixed=fixed)
    return [Problem(path, line, message, Severity.WARNING)]


def check_file_name(path: Path, language: Language) -> list[Problem]:
    """Refuse a release file not named YYYY-MM-DD-slug.md (its slug and order come from the name)."""
    if FILE_NAME.match(path.stem):
        return []
    return [Problem(path, 1, say(language, "file.name"))]


def check_body(
    body: str, tokens: list[Token], first_line: int, path: Path, releases_dir: Path, language: Language
) -> list[Problem]:
    """Report control characters, dead links and images without a file."""
    problems = []
    # split on \n only: str.splitlines() also breaks at the very characters we look for
    for offset, text in enumerate(body.split("\n")):
        try:
            check_xml_text(text)
        except Unsaid as exc:
            problems.append(Problem(path, first_line + offset, exc.said(language)))
    for ref in markup.iter_references(tokens):
        line = first_line + ref.line
        if ref.kind == "link" and ref.target.strip() in ("", "#"):
            message = say(language, "body.link_target", text=ref.text)
            problems.append(Problem(path, line, message, Severity.WARNING))
        # alt text and credit are checked with the release's status (check_images)
        if ref.kind == "image" and file_named(releases_dir, unquote(ref.target)) is None:
            problems.append(Problem(path, line, say(language, "body.image_missing", name=ref.target)))
    return problems


def body_images(tokens: list[Token], releases_dir: Path, first_line: int) -> list[Image]:
    """The images a parsed Markdown body shows that exist inside *releases_dir*, each
    with its alt text, its title as caption and its line in the release file.

    markdown-it percent-encodes link targets, so they are decoded before lookup.
    """
    found = []
    for ref in markup.iter_references(tokens):
        path = file_named(releases_dir, unquote(ref.target)) if ref.kind == "image" else None
        if path is not None:
            image = image_of(path, releases_dir, first_line + ref.line, ref.text.strip(), ref.title.strip())
            found.append(replace(image, in_body=True))
    return found


def image_of(path: Path, releases_dir: Path, line: int, alt: str = "", caption: str = "",
             credit: str = "", license: str = "") -> Image:
    """Describe the image file *path* (resolved, inside *releases_dir*) with its pixel size."""
    width, height = pixel_size(path)
    file = path.relative_to(releases_dir.resolve()).as_posix()
    return Image(path, file, line, alt, caption, credit, license, width, height)


def pixel_size(path: Path) -> tuple[int | None, int | None]:
    """Return the width and height of the image at *path*; (None, None) when Pillow cannot
    read it (an SVG, a damaged file): the image is then shown without a size."""
    from PIL import Image as PILImage  # WeasyPrint needs Pillow anyway; loaded only for images
    from PIL import UnidentifiedImageError

    try:
        with PILImage.open(path) as picture:
            width, height = picture.size
    except (OSError, UnidentifiedImageError, ValueError):
        return None, None
    return int(width), int(height)


def release_images(listed: list[Image], body: list[Image]) -> tuple[Image, ...]:
    """The release's images: those listed under ``images:``, then the body's others, each once.

    A body image whose file is listed takes its credit and licence from the list (that is
    how a body image gets its credit); the list's alt text and caption win, the body's alt
    text and title fill in for missing ones.
    """
    by_path = {image.path: image for image in body[::-1]}  # the first occurrence wins
    merged = []
    for image in listed:
        shown = by_path.get(image.path)
        if shown is not None:
            image = replace(image, alt=image.alt or shown.alt, caption=image.caption or shown.caption,
                            in_body=True)
        merged.append(image)
    seen = {image.path for image in merged}
    for image in body:
        if image.path not in seen:
            seen.add(image.path)
            merged.append(image)
    return tuple(merged)


def check_images(path: Path, images: tuple[Image, ...], status: str, language: str) -> list[Problem]:
    """Every image needs alt text (for readers who cannot see it) and a credit (the
    photographer's right): an error for a ready release, a warning for a draft."""
    severity = Severity.ERROR if status == "ready" else Severity.WARNING
    problems = []
    for image in images:
        for missing, message in ((not image.alt, "image.alt"), (not image.credit, "image.credit")):
            if missing:
                problems.append(Problem(path, image.line, say(language, message, file=image.file), severity))
    return problems


def _resolve(
    front: FrontMatter,
    doc: YamlDocument,
    path: Path,
    body: str,
    body_line: int,
    settings: Settings,
    now: datetime,
    shown: list[Image],
) -> tuple[Release | None, list[Problem]]:
    """Resolve *front* against the settings; *shown* are the images of the body."""
    problems: list[Problem] = []

    def at(*key: str | int) -> int:
        return doc.line_of(key, 1)

    def error(message: str, *key: str | int) -> None:
        problems.append(Problem(path, at(*key), message))

    def warn(message: str, *key: str | int) -> None:
        problems.append(Problem(path, at(*key), message, Severity.WARNING))

    zone, language = settings.site.zone, settings.site.language
    published = localize(front.date, zone)
    if published is None:
        error(say(language, "date.dst"), "date")
    embargo = localize(front.embargo, zone) if front.embargo else None
    if front.embargo is not None and embargo is None:
        error(say(language, "moment.dst", key="embargo", when=f"{front.embargo:%Y-%m-%d %H:%M}",
                  zone=settings.site.timezone), "embargo")
    event = resolve_event(front.event, settings, error) if front.event else None
    if front.event and front.event.url and absolute_href(front.event.url) is None:
        warn(say(language, "event.url", url=repr(front.event.url)), "event", "url")
    updated = localize(front.updated, zone) if front.updated else None
    if front.updated is not None and updated is None:
        error(say(language, "moment.dst", key="updated", when=f"{front.updated:%Y-%m-%d %H:%M}",
                  zone=settings.site.timezone), "updated")
    if updated is not None and published is not None and updated < max(published, embargo or published):
        error(say(language, "updated.early"), "updated")
    place = front.place or settings.site.default_place
    if not place:
        error(say(language, "place.missing"), "title")
    contacts = _contacts(front, settings, error)
    boilerplate_id = front.boilerplate
    day = published.date() if published else None
    if boilerplate_id is None and day is not None:
        covering = [b.id for b in settings.boilerplates.values() if b.covers(day)]
        if len(covering) == 1:
            boilerplate_id = covering[0]
        elif not covering:
            error(say(language, "boilerplate.none", day=day), "date")
        else:
            error(say(language, "boilerplate.two", day=day, ids=", ".join(covering)), "date")
    elif boilerplate_id is not None and boilerplate_id not in settings.boilerplates:
        error(say(language, "boilerplate.unknown", name=repr(boilerplate_id),
                  known=", ".join(settings.boilerplates)), "boilerplate")
    attachments = []
    for index, name in enumerate(front.attachments):
        attachment = file_named(settings.releases_dir, name)
        if attachment is not None:
            attachments.append(attachment)
        else:
            error(say(language, "file.missing", key="attachments", name=name), "attachments", index)
    listed = []
    for index, entry in enumerate(front.images):
        image_path = file_named(settings.releases_dir, entry.file)
        if image_path is None:
            error(say(language, "file.missing", key="images", name=entry.file), "images", index, "file")
            continue
        listed.append(image_of(image_path, settings.releases_dir, at("images", index), entry.alt,
                               entry.caption, entry.credit, entry.license))
    images = release_images(listed, shown)
    problems += check_images(path, images, front.status, language)
    for index, link in enumerate(front.links):
        if link.url.strip() in ("", "#"):
            warn(say(language, "link.no_target", title=repr(link.title)), "links", index)
    for index, name in enumerate(front.distribution or []):
        if name not in settings.distribution.lists:
            known = ", ".join(settings.distribution.lists) or "-"
            error(say(language, "list.unknown", name=name, known=known), "distribution", index)
    if embargo is not None and embargo <= now:
        warn(say(language, "embargo.past"), "embargo")
    if published is not None and published > now and front.status == "ready":
        warn(say(language, "date.future", when=f"{published:%Y-%m-%d %H:%M}", zone=settings.site.timezone),
             "date")
    for index, item in enumerate(front.todo):
        # A ready release goes out: open to-dos must be done (and deleted) first.
        if front.status == "ready":
            error(say(language, "todo.ready", item=item), "todo", index)
        else:
            warn(say(language, "todo.open", item=item), "todo", index)
    if not front.lead:
        warn(say(language, "lead.missing"), "title")
    if len(front.title) > LONG_TITLE:
        warn(say(language, "title.long", length=len(front.title), limit=LONG_TITLE), "title")
    if problems and any(p.is_error for p in problems):
        return None, problems
    assert published is not None and place and boilerplate_id
    release = Release(
        slug=path.stem,
        path=path,
        title=front.title,
        published=published,
        place=place,
        number=front.number or "",
        language=front.language or settings.site.language,
        status=front.status,
        body=body,
        body_line=body_line,
        contacts=contacts,
        boilerplate=settings.boilerplates[boilerplate_id],
        subtitle=front.subtitle,
        lead=front.lead.strip() if front.lead else None,
        embargo=embargo,
        tags=tuple(front.tags),
        links=tuple(Link(link.title, link.url) for link in front.links),
        attachments=tuple(attachments),
        images=images,
        distribution=tuple(front.distribution or settings.distribution.default_lists),
        event=event,
        updated=updated,
    )
    return release, problems


def resolve_event(event: EventIn, settings: Settings, error: Callable[..., None]) -> Event | None:
    """Place the event's times in the site zone; report gaps, folds and an end before the start."""
    zone = settings.site.zone
    times: dict[str, datetime] = {}
    for key in ("start", "end"):
        written = getattr(event, key)
        if written is None:
            continue
        moment = localize(written, zone)
        if moment is None:
            kind = "does not exist (clocks go forward)" if in_gap(written, zone) else (
                "is ambiguous (clocks go back: it happens twice)")
            error(f"event.{key}: {written:%Y-%m-%d %H:%M} {kind} in {settings.site.timezone}; "
                  "give another time or an offset such as +01:00", "event", key)
        else:
            times[key] = moment
    if "start" in times and "end" in times and times["end"] <= times["start"]:
        error(f"event.end: {times['end']:%Y-%m-%d %H:%M} is not after the start "
              f"({times['start']:%Y-%m-%d %H:%M})", "event", "end")
    if "start" not in times or (event.end is not None and "end" not in times):
        return None
    return Event(event.title, times["start"], times.get("end"), event.location, event.address.strip(),
                 event.url)


def in_gap(moment: datetime, zone: ZoneInfo) -> bool:
    """True when the naive *moment* is skipped in *zone* (a daylight-saving gap), not repeated."""
    local = moment.replace(tzinfo=zone)
    return local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != moment


def _contacts(
    front: FrontMatter, settings: Settings, error: Callable[..., None]
) -> tuple[Contact, ...]:
    refs = front.contacts if front.contacts is not None else list(settings.site.default_contacts)
    contacts = []
    for index, ref in enumerate(refs):
        if isinstance(ref, str):
            if ref in settings.contacts:
                contacts.append(settings.contacts[ref])
            else:
                known = ", ".join(settings.contacts)
                message = say(settings.site.language, "contact.unknown", name=ref, known=known)
                error(message, "contacts", index)
        else:
            contacts.append(to_contact(f"inline-{index}", ref))
    return tuple(contacts)


def localize(moment: date | datetime, zone: ZoneInfo) -> datetime | None:
    """Give a date or naive datetime the site zone; None if the local time is in a DST gap or fold."""
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day)
    if moment.tzinfo is not None:
        return moment.astimezone(zone)
    first, second = moment.replace(tzinfo=zone, fold=0), moment.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        return None
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != moment:
        return None
    return first


def assign_numbers(releases: list[Release], frozen: Mapping[str, str] | None = None) -> list[Release]:
    """Number the releases that the files leave without a number.

    A number written in the file stays. A release that owns a number in *frozen*
    (number -> slug, in the order the ledger recorded them) keeps it, the first one
    if it owns several, whatever its date order says now: it was published with it.
    Drafts get no number otherwise: a preview must not take a number that a
    release published first would need. Every other ready release gets "N/YYYY",
    N counting the year's releases by date, skipping every number written in a
    file (a draft's too) and every frozen number, so none is ever given twice.
    """
    frozen = frozen or {}
    owned: dict[str, str] = {}
    for number, slug in frozen.items():
        owned.setdefault(slug, number)
    taken = set(frozen) | {r.number for r in releases if r.number}
    counters: dict[int, int] = defaultdict(lambda: 1)
    numbered: dict[Path, Release] = {}
    for release in sorted(releases, key=lambda r: (r.published, r.slug)):
        if not release.number and release.slug in owned:
            release = replace(release, number=owned[release.slug])
        elif not release.number and release.status == "ready":
            year = release.published.year
            while f"{counters[year]}/{year}" in taken:
                counters[year] += 1
            release = replace(release, number=f"{counters[year]}/{year}")
            counters[year] += 1
        numbered[release.path] = release
    return [numbered[r.path] for r in releases]


def check_frozen(
    releases: list[Release], frozen: Mapping[str, str], number_lines: dict[Path, int], language: Language
) -> list[Problem]:
    """Report numbers written in files that contradict the ledger's *frozen* numbers.

    A release may not take a number another release was published with (even one
    whose file is gone), and a published release may not change its number.
    """
    by_slug = {r.slug: r for r in releases}
    mine: dict[str, list[str]] = defaultdict(list)
    for number, slug in frozen.items():
        mine[slug].append(number)
    problems = []
    for release in releases:
        if not release.number:
            continue
        line = number_lines.get(release.path, 1)
        owner = frozen.get(release.number, release.slug)
        if mine[release.slug] and release.number not in mine[release.slug]:
            message = say(language, "number.published", number=mine[release.slug][0])
        elif owner in by_slug and owner != release.slug:
            message = say(language, "number.taken", number=release.number, owner=owner,
                          day=by_slug[owner].date)
        elif owner != release.slug:
            message = say(language, "number.taken_gone", number=release.number, owner=owner)
        else:
            continue
        problems.append(Problem(release.path, line, message))
    return problems


def check_unique(
    releases: list[Release], number_lines: dict[Path, int], language: Language,
    frozen: Mapping[str, str] | None = None,
) -> list[Problem]:
    """Report releases that share a slug or a number.

    A release that owns a number in the ledger (*frozen*) is never the one blamed;
    taking an owned number is check_frozen's error, not reported twice here.
    """
    frozen = frozen or {}
    owners_first = sorted(releases, key=lambda r: (frozen.get(r.number) != r.slug, str(r.path)))
    problems = []
    for attribute in ("slug", "number"):
        first_seen: dict[str, Release] = {}
        for release in owners_first:
            value = getattr(release, attribute)
            if attribute == "number" and (not value or frozen.get(value, release.slug) != release.slug):
                continue  # a draft without a number, or one check_frozen reports
            other = first_seen.setdefault(value, release)
            if other is not release:
                line = number_lines.get(release.path, 1) if attribute == "number" else 1
                where = os.path.relpath(other.path, release.path.parent)
                message = say(language, f"duplicate.{attribute}", value=value, where=where)
                problems.append(Problem(release.path, line, message))
    return problems


def parse_moment(value: str | None, zone: ZoneInfo) -> datetime:
    """Parse an ISO moment from the command line (naive means the site zone); default: now."""
    if value is None:
        return datetime.now(UTC)
    return in_zone(datetime.fromisoformat(value), zone)


def in_zone(moment: datetime, zone: ZoneInfo) -> datetime:
    """Return *moment*, read in *zone* when it has no offset (a --now given without one)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


Loaded = tuple[Release | None, YamlDocument, list[Problem], bool]


class ReleaseCache:
    """Each release file's load, kept between loads of one press room (``pressroom serve``).

    A file is read again when its size or modification time changed, when the settings
    did, or when the moment of loading crossed one of the release's own moments (its
    date, its embargo: the warnings about them depend on it); a file that did not load
    is always read again.
    """

    def __init__(self) -> None:
        self._settings = ""
        self._loads: dict[Path, tuple[tuple[int, int], datetime, Loaded]] = {}

    def loader(self, settings: Settings) -> Callable[[Path, Settings, datetime], Loaded]:
        """Return the function that loads one release file through this cache."""
        shown = repr(settings)
        if shown != self._settings:
            self._settings, self._loads = shown, {}
        return self._load

    def forget(self, paths: Iterable[Path]) -> None:
        """Read *paths* again next time, whatever their times say (a watcher saw them change:
        on a file system with coarse times, a save in the same second looks unchanged)."""
        for path in paths:
            self._loads.pop(path, None)

    def _load(self, path: Path, settings: Settings, now: datetime) -> Loaded:
        try:
            stat = path.stat()
        except OSError:
            return _load_release(path, settings, now)
        key = (stat.st_mtime_ns, stat.st_size)
        kept = self._loads.get(path)
        if kept is not None and kept[0] == key and kept[2][0] is not None:
            release = kept[2][0]
            moments = [m for m in (release.published, release.embargo) if m is not None]
            if all((m <= now) == (m <= kept[1]) for m in moments):
                return kept[2]
        loaded = _load_release(path, settings, now)
        self._loads[path] = (key, now, loaded)
        return loaded
