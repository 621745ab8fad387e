"""The preview of a whole press room, as ``pressroom serve`` shows it: rendered in memory.

Every page comes from the real renderers (the registry's HTML, PDF, DOCX, ... and the
newsroom's ``index.html``), drafts and embargoed releases included; a panel at the top
of each page (``preview_panel.html``) says it is a preview, in which state the release
is, and lists the problems ``check`` finds, so a broken file shows its errors instead
of failing. Nothing here writes a file; :mod:`pressroom.serve` answers HTTP with it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import Problem
from .model import Release, Settings
from .paths import contained_file

if TYPE_CHECKING:
    import jinja2

    from .load import ReleaseCache
    from .render import RenderContext

EVENTS_PATH = "/__pressroom/events"  # server-sent events: "reload" after a save
INDEX = "index.html"
HTML = "text/html; charset=utf-8"
BODY_TAG = re.compile(r"<body[^>]*>", re.IGNORECASE)
# The page's skip link stays its first link (screen readers and axe expect it there).
SKIP_LINK = re.compile(r"\s*<a class=\"skip-link\"[^>]*>.*?</a>", re.DOTALL)


@dataclass(frozen=True)
class Preview:
    """The press room as loaded at *now*: every release that loads and every problem."""

    root: Path
    now: datetime
    settings: Settings | None  # None when the settings themselves are broken
    releases: tuple[Release, ...]  # newest first, drafts and embargoed ones included
    problems: tuple[Problem, ...]
    files: tuple[Path, ...]  # every release file, loaded or not
    context: RenderContext | None  # shared by the renders of this load (one view per release)
    language: str  # the room's language; read from the settings' lines when they are broken

    def release(self, slug: str) -> Release | None:
        return next((r for r in self.releases if r.slug == slug), None)

    def file_named(self, slug: str) -> Path | None:
        """The release file whose name (without ``.md``) is *slug*, loaded or not."""
        return next((p for p in self.files if p.stem == slug), None)

    def problems_of(self, path: Path) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.path.resolve() == path.resolve())


@dataclass(frozen=True)
class Page:
    """One HTTP answer: status, content type and bytes."""

    status: int
    content_type: str
    body: bytes


def load_preview(root: Path, now: datetime, cache: ReleaseCache | None = None) -> Preview:
    """Load the press room at *root* for the preview, checking it as ``check`` does; with
    *cache*, only the release files changed since the last load are read again.

    When there are errors, each release file is loaded on its own, so every one that can be
    resolved is shown (with its problems) beside the ones that cannot.
    """
    from .load import assign_numbers, in_zone, load_pressroom, load_release, release_files
    from .render import RenderContext
    from .settings import load_settings

    root = root.resolve()
    result = load_pressroom(root, now, cache=cache)
    files = tuple(release_files(root))
    problems = tuple(result.problems)
    if result.pressroom is not None and not result.errors:
        settings: Settings | None = result.pressroom.settings
        releases = result.pressroom.releases
    else:
        settings, _ = load_settings(root)
        loaded = [load_release(path, settings, now, cache)[0] for path in files] if settings else []
        releases = tuple(sorted(assign_numbers([r for r in loaded if r is not None]),
                                key=lambda r: (r.published, r.slug), reverse=True))
    if settings is None:
        return Preview(root, now, None, (), problems, files, None, broken_settings_language(root))
    now = in_zone(now, settings.site.zone)
    return Preview(root, now, settings, releases, problems, files, RenderContext.for_settings(settings, now),
                   settings.site.language)


def broken_settings_language(root: Path) -> str:
    """The language the settings' lines name, so their problems are shown in it (English
    when the file cannot be read or does not say)."""
    from .messages import language_of_settings
    from .settings import SETTINGS_FILE

    try:
        return language_of_settings((root / SETTINGS_FILE).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError):
        return "en"


def respond(preview: Preview, path: str, generation: int) -> Page:
    """Answer a GET of *path* (the URL's path, decoded) from *preview*.

    ``/`` and ``/index.html`` are the newsroom, ``/tags/<tag>/index.html`` (and the
    language and year lists) its list pages; ``/<slug>/<slug>.<suffix>`` a release in
    any registered format; ``/<slug>/<file>`` an image or attachment the release names.
    Anything else is a 404 page: no address reaches a file the releases do not name.
    """
    parts = [part for part in path.split("/") if part]
    if not parts or parts[-1] == INDEX:
        folder = "".join(f"{part}/" for part in parts[:-1])
        return list_page(preview, folder, generation) or not_found(preview, generation)
    if len(parts) < 2:
        return not_found(preview, generation)
    slug, rest = parts[0], "/".join(parts[1:])
    release = preview.release(slug)
    if rest == f"{slug}.html":
        return release_page(preview, slug, generation)
    if release is None or preview.context is None:
        return not_found(preview, generation)
    return release_file(preview, release, rest, generation) or not_found(preview, generation)


def release_page(preview: Preview, slug: str, generation: int) -> Page:
    """The release's web page with the preview panel, or its problems when it cannot be shown."""
    release = preview.release(slug)
    path = preview.file_named(slug)
    if path is None:
        return not_found(preview, generation)
    # Broken settings break every release: then their problems are this page's.
    problems = preview.problems_of(path) if preview.settings else preview.problems
    if release is None or preview.context is None:
        return message_page(preview, generation, 200, path.name, "preview_broken", problems)
    from .render.registry import downloads, load_renderers

    html = next(r for r in load_renderers() if r.name == "html")
    try:
        page = html.render(release, preview.context).decode("utf-8")
    except Exception as exc:  # a room's template failing: shown, not a crash
        failed = Problem(path, 1, f"rendering the page failed: {type(exc).__name__}: {exc}")
        return message_page(preview, generation, 200, path.name, "preview_broken", (*problems, failed))
    panel = render_panel(preview, generation, state_of(release, preview), problems,
                         list(downloads(release)))
    return Page(200, HTML, inject(page, panel).encode("utf-8"))


def release_file(preview: Preview, release: Release, name: str, generation: int) -> Page | None:
    """A format of *release* rendered now (``<slug>.pdf``), or an image or attachment it names."""
    from .release_zip import ZIP_FORMATS, image_members, release_zip
    from .render.registry import load_renderers, renderers_for

    assert preview.context is not None and preview.settings is not None
    renderers = {f"{release.slug}.{r.suffix}": r for r in renderers_for(release, load_renderers())}
    names = [f"{release.slug}.{fmt}" for fmt in ZIP_FORMATS] if name == f"{release.slug}.zip" else [name]
    wanted = [renderers[n] for n in names if n in renderers]
    rendered: list[tuple[str, bytes]] = []
    for renderer in wanted:
        try:
            rendered.append((f"{release.slug}.{renderer.suffix}", renderer.render(release, preview.context)))
        except Exception as exc:  # shown as a page: the server keeps running
            path = release.path
            failed = Problem(path, 1, f"rendering {renderer.name} failed: {type(exc).__name__}: {exc}")
            return message_page(preview, generation, 500, path.name, "preview_broken", (failed,))
    if name == f"{release.slug}.zip":
        # The download package as build packs it, from the formats rendered just now.
        members = rendered + image_members(release, preview.settings.releases_dir)
        return Page(200, "application/zip", release_zip(members, release.published))
    if rendered:
        return Page(200, renderers[name].content_type, rendered[0][1])
    source = preview.settings.releases_dir.resolve()
    for named in (*release.attachments, *(image.path for image in release.images)):
        target = contained_file(named, source)
        if target is not None and target.relative_to(source).as_posix() == name:
            return Page(200, content_type_of(target), target.read_bytes())
    return None


def list_page(preview: Preview, folder: str, generation: int) -> Page | None:
    """The newsroom's front page (*folder* "") or a list page (``tags/<tag>/``,
    ``lang/<code>/``, ``archive/<year>/``) as build makes them, but of every release,
    drafts and embargoed ones too, with the non-public ones named in the panel; None
    when no such list exists. The front page lists all releases, not the newest few."""
    if preview.context is None or preview.settings is None:
        return message_page(preview, generation, 200, "pressroom.yaml", "preview_broken", preview.problems)
    from .render.html import list_entries, render_list_page
    from .render.listing import plan_listings

    settings = preview.settings
    listings = tuple(replace(listing, limit=None)
                     for listing in plan_listings(preview.releases, settings))
    listing = next((listing for listing in listings if listing.folder == folder), None)
    if listing is None:
        return None
    try:
        page = render_list_page(listing, listings, preview.context, list_entries(listing.releases))
    except Exception as exc:  # a room's index.html failing: shown, not a crash
        failed = Problem(settings.root, 1, f"rendering the newsroom failed: {type(exc).__name__}: {exc}")
        return message_page(preview, generation, 200, settings.site.title, "preview_broken",
                            (*preview.problems, failed))
    states = [f"{release.title}: {state_of(release, preview)}" for release in listing.releases
              if not release.is_public(preview.now)]
    state = "; ".join(states) or label_in(preview, "preview_public" if preview.releases else "preview_empty")
    panel = render_panel(preview, generation, state, preview.problems, [])
    return Page(200, HTML, inject(page.decode("utf-8"), panel).encode("utf-8"))


def state_of(release: Release, preview: Preview) -> str:
    """The release's state in words: "Entwurf", "Sperrfrist bis 26.08.2021, 10:00 Uhr", "öffentlich"."""
    from .render.labels import format_moment, label

    if release.status == "draft":
        return label(preview.language, "preview_draft")
    if not release.is_public(preview.now):
        assert preview.settings is not None
        moment = format_moment(release.public_from.astimezone(preview.settings.site.zone), preview.language)
        return label(preview.language, "preview_embargo", moment=moment)
    return label(preview.language, "preview_public")


def label_in(preview: Preview, key: str) -> str:
    from .render.labels import label

    return label(preview.language, key)


def problem_rows(preview: Preview, problems: Sequence[Problem]) -> list[dict[str, str]]:
    """Each problem in plain words for the panel: which file, which line, how bad, what."""
    from .render.labels import label

    lang = preview.language
    rows = []
    for problem in problems:
        try:
            where = problem.path.resolve().relative_to(preview.root).as_posix()
        except ValueError:
            where = problem.path.name
        slug = problem.path.stem
        linked = problem.path.suffix == ".md" and preview.file_named(slug) is not None
        rows.append({
            "where": where,
            "href": f"/{slug}/{slug}.html" if linked else "",
            "line": label(lang, "preview_line", line=problem.line),
            "kind": "error" if problem.is_error else "warning",
            "severity": label(lang, "preview_error" if problem.is_error else "preview_warning"),
            "message": problem.message,
        })
    return rows


def render_panel(preview: Preview, generation: int, state: str, problems: Sequence[Problem],
                 downloads: Sequence[object]) -> str:
    """The preview panel (``preview_panel.html``) put at the top of every page."""
    return template_env(preview).get_template("preview_panel.html").render(
        lang=preview.language, state=state, problems=problem_rows(preview, problems),
        downloads=downloads, events_url=f"{EVENTS_PATH}?since={generation}",
    )


def message_page(preview: Preview, generation: int, status: int, title: str, message_key: str,
                 problems: Sequence[Problem]) -> Page:
    """A page saying what cannot be shown and why (``preview_page.html``)."""
    html = template_env(preview).get_template("preview_page.html").render(
        lang=preview.language, title=title, message=label_in(preview, message_key),
        state=label_in(preview, "preview_error") if any(p.is_error for p in problems) else "",
        problems=problem_rows(preview, problems),
        downloads=[], events_url=f"{EVENTS_PATH}?since={generation}",
    )
    return Page(status, HTML, html.encode("utf-8"))


def not_found(preview: Preview, generation: int) -> Page:
    return message_page(preview, generation, 404, "404", "preview_not_found", ())


def template_env(preview: Preview) -> jinja2.Environment:
    """The press room's templates (its own overrides first), also when its settings are broken."""
    from .render.env import make_env

    return preview.context.env if preview.context else make_env(preview.root)


def inject(page: str, panel: str) -> str:
    """Put *panel* at the top of the page's body, after its skip link (at the very top of
    a page without a body tag)."""
    match = BODY_TAG.search(page)
    at = match.end() if match else 0
    skip = SKIP_LINK.match(page, at)
    at = skip.end() if skip else at
    return page[:at] + "\n" + panel + page[at:]


def content_type_of(path: Path) -> str:
    import mimetypes

    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"
