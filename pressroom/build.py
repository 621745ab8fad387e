"""Load everything, then render what changed, in parallel; write atomically.

Layout of the output folder (default ``build/``):
``public/``  the website: ``<slug>/<slug>.{html,pdf,docx,txt}`` of public releases,
             ``index.html``, ``feed.xml``, ``atom.xml``;
``private/`` drafts and releases not public yet (under embargo, or dated in the future),
             for preview and trusted lists.
A release moves from private/ to public/ at the first build after it becomes public.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from . import __version__
from .atomic import write_atomic
from .errors import CheckFailed, UserError
from .load import in_zone, load_pressroom
from .model import Pressroom, Release, Settings
from .report import Reporter, SilentReporter
from .state import Manifest, hash_files, tree_files

log = logging.getLogger(__name__)
FORMATS = ("html", "pdf", "docx", "txt")
PUBLIC, PRIVATE = "public", "private"
# Feeds carry full content: readers want the recent releases, not the whole archive.
FEED_SIZE = 50
# Long-lived WeasyPrint processes grow slowly (about 0.2 MiB per PDF): recycle them.
TASKS_PER_WORKER = 200


@dataclass(frozen=True)
class BuildResult:
    """What a build did, and where each release's files are."""

    pressroom: Pressroom
    out: Path
    now: datetime
    rendered: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    failures: dict[str, str] = field(default_factory=dict)

    def visibility(self, release: Release) -> str:
        return PUBLIC if release.is_public(self.now) else PRIVATE

    def outputs(self, slug: str) -> dict[str, Path]:
        """Return the paths of the rendered files of *slug*, by format."""
        release = self.pressroom.release(slug)
        folder = self.out / self.visibility(release) / slug
        return {fmt: folder / f"{slug}.{fmt}" for fmt in FORMATS}


def build_pressroom(
    root: Path,
    out: Path | None = None,
    now: datetime | None = None,
    only: str | None = None,
    jobs: int | None = None,
    reporter: Reporter | None = None,
    strict: bool = False,
    frozen: Mapping[str, str] | None = None,
) -> BuildResult:
    """Check the press room at *root*, then render it into *out*.

    Raises CheckFailed (and writes nothing) when the check finds errors, or any
    problem with *strict*. *now* decides embargoes (without an offset: in the site's
    time zone); *only* limits rendering to one slug.
    *frozen* holds the ledger's numbers (number -> slug), which never move.
    """
    root = root.resolve()
    now = now or datetime.now(UTC)
    reporter = reporter or SilentReporter()
    result = load_pressroom(root, now, frozen)
    if result.failed(strict) or result.pressroom is None:
        raise CheckFailed(result.problems)
    pressroom = result.pressroom
    now = in_zone(now, pressroom.settings.site.zone)
    out = (out or root / "build").resolve()
    if only is not None and only not in {r.slug for r in pressroom.releases}:
        raise UserError(f"no release with the slug {only!r}")
    manifest = Manifest.read(out)
    shared = shared_inputs(pressroom.settings)
    todo: list[Release] = []
    hashes: dict[str, str] = {}
    for release in pressroom.releases:
        visibility = PUBLIC if release.is_public(now) else PRIVATE
        hashes[release.slug] = input_hash(release, shared, visibility, now)
        current = manifest.is_current(release.slug, hashes[release.slug], visibility)
        wanted = only is None or release.slug == only
        if wanted and not (current and _complete(out / visibility / release.slug, release.slug)):
            todo.append(release)
    reporter.start(len(todo))
    failures: dict[str, str] = {}
    try:
        for release, files in render_all(todo, pressroom.settings, now, jobs):
            if isinstance(files, str):
                failures[release.slug] = files
                manifest.forget(release.slug)
                reporter.advance(release.slug, "FAILED")
                continue
            visibility = PUBLIC if release.is_public(now) else PRIVATE
            place_release(out, release, pressroom.settings.releases_dir, visibility, files)
            manifest.record(release.slug, hashes[release.slug], visibility)
            reporter.advance(release.slug, f"rendered ({visibility})")
    finally:
        manifest.save()
    remove_stale(out, pressroom, now, manifest)
    manifest.save()
    write_site(out, pressroom, now)
    rendered = tuple(r.slug for r in todo if r.slug not in failures)
    skipped = tuple(r.slug for r in pressroom.releases if r not in todo)
    reporter.finish(
        f"build: {len(rendered)} rendered, {len(skipped)} unchanged, {len(failures)} failed -> {out}"
    )
    return BuildResult(pressroom, out, now, rendered, skipped, failures)


def shared_inputs(settings: Settings) -> str:
    """Hash what every release depends on: settings, lists, templates, pressroom itself."""
    from .defaults import default_templates

    files = [settings.path, *tree_files(settings.root / "templates", default_templates())]
    files += [b.logo for b in [settings.organisation] if b.logo]
    files += [f.logo for bp in settings.boilerplates.values() for f in bp.funders if f.logo]
    return hash_files(files, __version__)


def input_hash(release: Release, shared: str, visibility: str, now: datetime) -> str:
    """Hash one release's inputs; a change of any of them means rendering it again."""
    embargo_state = "embargoed" if release.is_embargoed(now) else "free"
    files = [release.path, *release.attachments, *release.images]
    # The number comes from the other files and the ledger too, not only this file.
    return hash_files(files, shared, visibility, embargo_state, release.number)


def _complete(folder: Path, slug: str) -> bool:
    return all((folder / f"{slug}.{fmt}").is_file() for fmt in FORMATS)


RenderOutcome = dict[str, bytes] | str


def render_all(
    releases: list[Release], settings: Settings, now: datetime, jobs: int | None
) -> Iterator[tuple[Release, RenderOutcome]]:
    """Render *releases* to every format, yielding each as it is done.

    With more than one job, a pool of forked workers renders them: WeasyPrint is
    imported once here so every worker shares it instead of importing it again.
    """
    if not releases:
        return
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(releases)))
    import weasyprint  # noqa: F401

    # The modules and the model live as long as the build: frozen, the collector stops
    # scanning them again and again (about 7% of render time), and forked workers
    # do not copy the pages that a scan would touch.
    gc.collect()
    gc.freeze()
    try:
        if jobs == 1:
            for release in releases:
                yield release, render_release(release, settings, now)
            return
        context = multiprocessing.get_context("fork")
        with context.Pool(jobs, maxtasksperchild=TASKS_PER_WORKER) as pool:
            tasks = [(release, settings, now) for release in releases]
            yield from pool.imap_unordered(_render_task, tasks)
    finally:
        gc.unfreeze()


def _render_task(task: tuple[Release, Settings, datetime]) -> tuple[Release, RenderOutcome]:
    release, settings, now = task
    return release, render_release(release, settings, now)


def render_release(release: Release, settings: Settings, now: datetime) -> RenderOutcome:
    """Render one release to every format; a failure comes back as its message."""
    from .render import RenderContext
    from .render.docx import render_docx
    from .render.html import render_html
    from .render.pdf import render_pdf
    from .render.text import render_text

    context = RenderContext.for_settings(settings, now)
    try:
        return {
            "html": render_html(release, context),
            "pdf": render_pdf(release, context),
            "docx": render_docx(release, context),
            "txt": render_text(release, context),
        }
    except Exception as exc:  # keep building the others; the build reports the failure
        log.debug("%s: rendering failed", release.path, exc_info=True)
        return f"{type(exc).__name__}: {exc}"


def place_release(
    out: Path, release: Release, releases_dir: Path, visibility: str, files: dict[str, bytes]
) -> None:
    """Write a release's files and the attachments and images it links to.

    Attachments and images keep their path below releases/, so the page's relative
    links to them work in the built site.
    """
    folder = out / visibility / release.slug
    for fmt, data in files.items():
        write_atomic(folder / f"{release.slug}.{fmt}", data)
    source = releases_dir.resolve()
    for extra in (*release.attachments, *release.images):
        write_atomic(folder / extra.relative_to(source), extra.read_bytes())
    other = out / (PRIVATE if visibility == PUBLIC else PUBLIC) / release.slug
    shutil.rmtree(other, ignore_errors=True)


def remove_stale(out: Path, pressroom: Pressroom, now: datetime, manifest: Manifest) -> None:
    """Remove folders of releases that were deleted, or that are no longer public."""
    wanted = {
        (PUBLIC if r.is_public(now) else PRIVATE, r.slug) for r in pressroom.releases
    }
    for visibility in (PUBLIC, PRIVATE):
        base = out / visibility
        if not base.is_dir():
            continue
        for folder in base.iterdir():
            if folder.is_dir() and (visibility, folder.name) not in wanted:
                shutil.rmtree(folder)
                if folder.name not in {r.slug for r in pressroom.releases}:
                    manifest.forget(folder.name)


def write_site(out: Path, pressroom: Pressroom, now: datetime) -> None:
    """Write the newsroom index and the feeds of the public releases."""
    from .render import RenderContext
    from .render.feed import render_feeds
    from .render.html import render_index

    context = RenderContext.for_settings(pressroom.settings, now)
    public = [r for r in pressroom.releases if r.is_public(now)]  # newest first
    latest = public[:FEED_SIZE]
    sizes = {}
    for release in latest:
        pdf = out / PUBLIC / release.slug / f"{release.slug}.pdf"
        sizes[release.slug] = pdf.stat().st_size if pdf.exists() else 0
    rss, atom = render_feeds(latest, context, sizes)
    write_atomic(out / PUBLIC / "index.html", render_index(public, context))
    write_atomic(out / PUBLIC / "feed.xml", rss)
    write_atomic(out / PUBLIC / "atom.xml", atom)
