"""Load everything, then render what changed, in parallel; write atomically.

Layout of the output folder (default ``build/``):
``public/``  the website: ``<slug>/<slug>.{html,pdf,docx,txt}`` of public releases, with
             ``<slug>.zip`` (PDF, DOCX, images) and their images and attachments beside,
             and the site-wide files (index, tag, language and archive pages, feeds,
             sitemap; see ``pressroom.site``);
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
import signal
import tempfile
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path

from . import __version__
from .atomic import write_atomic
from .defaults import default_templates
from .errors import CheckFailed, PressroomError, Problem, UserError
from .load import in_zone, load_pressroom
from .model import Distribution, Pressroom, Release, Settings
from .render.registry import Renderer, load_renderers, renderers_for
from .report import Reporter, SilentReporter
from .site import SITE_FOLDERS, write_site
from .state import FileHashes, Manifest, Output, digest

log = logging.getLogger(__name__)

PUBLIC, PRIVATE = "public", "private"
# Long-lived WeasyPrint processes grow slowly (about 0.2 MiB per PDF): recycle them.
TASKS_PER_WORKER = 200
# Fields of a release resolved from the settings: they count through the settings parts
# (contacts, boilerplates) a format shows, so a format that shows neither ignores them.
SHOWN_FROM_SETTINGS = ("contacts", "boilerplate")
# Fields that are the release file's own text: the file's bytes are hashed anyway.
IN_THE_FILE = ("body",)
NOT_OWN = frozenset(SHOWN_FROM_SETTINGS + IN_THE_FILE)
# The settings parts that differ from release to release (see scoped_settings).
PER_RELEASE_PARTS = ("contacts", "boilerplates")


@dataclass(frozen=True)
class RenderFailure:
    """One release that could not be rendered: which format failed, why, and where."""

    slug: str
    format: str
    message: str  # "ExceptionType: message", one line for the summary
    traceback: str  # logged at DEBUG (pressroom -v)


@dataclass(frozen=True)
class Rendered:
    """One format of one release: its bytes and the files its render read."""

    data: bytes
    files: tuple[str, ...]


@dataclass(frozen=True)
class BuildResult:
    """What a build did, and where each release's files are."""

    pressroom: Pressroom
    out: Path
    now: datetime
    renderers: tuple[Renderer, ...]
    # slug -> the formats rendered again (releases whose outputs were all current are skipped)
    rendered_formats: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    skipped: tuple[str, ...] = ()
    failures: Mapping[str, RenderFailure] = field(default_factory=dict)
    # what the check found that did not stop the build: warnings, and the errors of the
    # drafts left out (their paths in *held*)
    problems: tuple[Problem, ...] = ()
    held: frozenset[Path] = frozenset()

    @property
    def rendered(self) -> tuple[str, ...]:
        """The slugs of which at least one format was rendered again."""
        return tuple(self.rendered_formats)

    def visibility(self, release: Release) -> str:
        return visibility_of(release, self.now)

    def outputs(self, slug: str) -> dict[str, Path]:
        """Return the paths of the rendered files of *slug*, by format."""
        release = self.pressroom.release(slug)
        folder = self.out / self.visibility(release) / slug
        return {r.name: folder / f"{slug}.{r.suffix}" for r in renderers_for(release, self.renderers)}

    def failure_messages(self) -> dict[str, str]:
        """Return slug -> one line saying which format failed and why."""
        return {slug: f"{f.format}: {f.message}" for slug, f in self.failures.items()}


def visibility_of(release: Release, now: datetime) -> str:
    """Return the folder a release goes to at *now*: public/ or private/."""
    return PUBLIC if release.is_public(now) else PRIVATE


def build_pressroom(
    root: Path,
    out: Path | None = None,
    now: datetime | None = None,
    only: str | None = None,
    jobs: int | None = None,
    reporter: Reporter | None = None,
    strict: bool = False,
    frozen: Mapping[str, str] | None = None,
    settings: Settings | None = None,
) -> BuildResult:
    """Check the press room at *root*, then render what changed into *out*.

    Raises CheckFailed (and writes nothing) when the check finds errors, or any
    problem with *strict*; a draft with errors does not stop it, it is left out.
    Raises UserError when *out* cannot be written. *now* decides
    embargoes (without an offset: in the site's time zone); *only* limits rendering
    to one slug. *frozen* holds the ledger's numbers (number -> slug), which never move.
    *settings* already loaded by the caller are not loaded again (see load_pressroom).
    """
    root = root.resolve()
    now = now or datetime.now(UTC)
    reporter = reporter or SilentReporter()
    result = load_pressroom(root, now, frozen, settings=settings)
    if result.blocked(strict) or result.pressroom is None:
        raise CheckFailed(result.problems)
    pressroom = result.pressroom
    now = in_zone(now, pressroom.settings.site.zone)
    out = (out or root / "build").resolve()
    if only is not None and only not in {r.slug for r in pressroom.releases}:
        raise UserError(f"no release with the slug {only!r}")
    renderers = load_renderers()
    check_writable(out)
    manifest = Manifest.read(out)
    state = BuildState(out, manifest, RenderKeys(pressroom.settings, renderers, now))
    wanted = [r for r in pressroom.releases if only is None or r.slug == only]
    todo = [(release, formats) for release in wanted if (formats := state.stale(release))]
    reporter.start(len(todo))
    failures: dict[str, RenderFailure] = {}
    rendered: dict[str, tuple[str, ...]] = {}
    try:
        for release, outcome in render_all(todo, pressroom.settings, now, jobs, renderers):
            if isinstance(outcome, RenderFailure):
                failures[release.slug] = outcome
                log.debug("rendering %s as %s failed:\n%s", release.slug, outcome.format, outcome.traceback)
                manifest.forget(release.slug)
                reporter.advance(release.slug, "FAILED")
                continue
            visibility = visibility_of(release, now)
            place_release(out, release, pressroom.settings.releases_dir, visibility, outcome)
            state.record(release, outcome)
            rendered[release.slug] = tuple(outcome)
            reporter.advance(release.slug, f"rendered ({visibility})")
    finally:
        save_manifest(manifest)
    remove_stale(out, pressroom, now, manifest)
    remove_unregistered(out, pressroom, manifest, renderers)
    save_manifest(manifest)
    place_zips(out, [r for r in wanted if r.slug not in failures], pressroom.settings.releases_dir, now,
               set(rendered))
    try:
        write_site(out / PUBLIC, pressroom, now, write_output)
    except PressroomError:
        raise
    except Exception as exc:  # a room's index.html or feed_entry.html failing: one line
        log.debug("rendering the newsroom pages and feeds failed", exc_info=True)
        raise UserError(f"rendering the newsroom pages and feeds failed: {type(exc).__name__}: {exc}"
                        " (pressroom -v shows where)") from exc
    skipped = tuple(r.slug for r in pressroom.releases if r.slug not in rendered and r.slug not in failures)
    reporter.finish(
        f"build: {len(rendered)} rendered, {len(skipped)} unchanged, {len(failures)} failed -> {out}"
    )
    ordered = {r.slug: rendered[r.slug] for r in pressroom.releases if r.slug in rendered}
    return BuildResult(pressroom, out, now, renderers, ordered, skipped, failures, tuple(result.problems),
                       result.held)


def scoped_settings(settings: Settings, release: Release) -> Settings:
    """Return the settings as one release's renders see them: its own contacts and
    boilerplate, no distribution. What a render cannot see cannot make it stale."""
    return replace(
        settings,
        contacts={contact.id: contact for contact in release.contacts},
        boilerplates={release.boilerplate.id: release.boilerplate},
        distribution=Distribution(),
    )


class RenderKeys:
    """Hash, per format, what rendering a release depends on besides files.

    The release as loaded (its number resolved), the settings parts the format
    shows (its contacts and boilerplate among them), its folder and embargo state,
    pressroom's version. The parts every release shares are written out once per build.
    """

    def __init__(self, settings: Settings, renderers: tuple[Renderer, ...], now: datetime) -> None:
        self.settings, self.renderers, self.now = settings, renderers, now
        parts = {part for r in renderers for part in r.settings_parts} - set(PER_RELEASE_PARTS)
        self.shared = {part: repr(getattr(settings, part)) for part in sorted(parts)}
        self.own_fields = [f.name for f in fields(Release) if f.name not in NOT_OWN]
        self.downloads = tuple(f"download={r.name}:{r.content_type}" for r in renderers if r.attach)

    def __call__(self, release: Release) -> dict[str, str]:
        """Return format name -> key for *release*."""
        scoped = scoped_settings(self.settings, release)
        shown = {**self.shared, **{part: repr(getattr(scoped, part)) for part in PER_RELEASE_PARTS}}
        own = {name: getattr(release, name) for name in self.own_fields}
        embargo_state = "embargoed" if release.is_embargoed(self.now) else "free"
        # The defaults' folder too: the same version installed elsewhere may ship other templates.
        common = digest(
            __version__, str(default_templates()), str(self.settings.root), repr(own),
            visibility_of(release, self.now), embargo_state,
        )
        return {
            r.name: digest(
                common, r.name, *(f"{part}={shown[part]}" for part in r.settings_parts),
                *(self.downloads if r.shows_downloads else ()),
            )
            for r in self.renderers
        }


def release_files(release: Release, settings: Settings) -> list[Path]:
    """The files every format of *release* depends on: itself, what it links and shows, logos."""
    logos = [settings.organisation.logo, *(f.logo for f in release.boilerplate.funders)]
    images = [image.path for image in release.images]
    return [release.path, *release.attachments, *images, *(logo for logo in logos if logo)]


@dataclass
class BuildState:
    """The build folder's manifest and what this build knows of its inputs: which outputs
    are current, and recording what the new ones were made from."""

    out: Path
    manifest: Manifest
    keys: RenderKeys
    hashes: FileHashes = field(default_factory=FileHashes)

    def stale(self, release: Release) -> tuple[str, ...]:
        """Return the formats of *release* to render again (none when all are current)."""
        visibility = visibility_of(release, self.keys.now)
        folder = self.out / visibility / release.slug
        current = self.keys(release)
        return tuple(
            r.name
            for r in renderers_for(release, self.keys.renderers)
            if not (
                self.manifest.is_current(release.slug, r.name, current[r.name], visibility, self.hashes)
                and (folder / f"{release.slug}.{r.suffix}").is_file()
            )
        )

    def record(self, release: Release, files: Mapping[str, Rendered]) -> None:
        """Record that *files* of *release* were placed, with what each was made from."""
        visibility = visibility_of(release, self.keys.now)
        current = self.keys(release)
        for fmt, rendered in files.items():
            combined = self.hashes.combined(current[fmt], rendered.files)
            self.manifest.record(release.slug, visibility, fmt, Output(combined, rendered.files))


def check_writable(out: Path) -> None:
    """Make sure *out* can be written before anything is rendered: one line, not a traceback."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".pressroom-write-test."):
            pass  # a unique name: two builds into one folder do not trip over each other
    except OSError as exc:
        raise UserError(f"cannot write the build folder {out}: {exc.strerror or exc}") from None


def write_output(path: Path, data: bytes) -> None:
    """Write one built file atomically; a failure is a UserError naming the file."""
    try:
        write_atomic(path, data)
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None


def save_manifest(manifest: Manifest) -> None:
    try:
        manifest.save()
    except OSError as exc:
        raise UserError(f"cannot write {manifest.path}: {exc.strerror or exc}") from None


RenderOutcome = dict[str, Rendered] | RenderFailure
RenderTask = tuple[Release, tuple[str, ...], Settings, datetime, tuple[Renderer, ...]]


def render_all(
    todo: list[tuple[Release, tuple[str, ...]]], settings: Settings, now: datetime, jobs: int | None,
    renderers: tuple[Renderer, ...],
) -> Iterator[tuple[Release, RenderOutcome]]:
    """Render each release to the formats listed with it, yielding each as it is done.

    With more than one job, a pool of forked workers renders them: WeasyPrint is
    imported once here so every worker shares it instead of importing it again.
    Workers ignore Ctrl-C; the parent stops them (a KeyboardInterrupt propagates).
    """
    if not todo:
        return
    tasks: list[RenderTask] = [
        (release, formats, scoped_settings(settings, release), now, renderers) for release, formats in todo
    ]
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(tasks)))
    if any("pdf" in formats for _, formats in todo):
        import weasyprint  # noqa: F401

    # The modules and the model live as long as the build: frozen, the collector stops
    # scanning them again and again (about 7% of render time), and forked workers
    # do not copy the pages that a scan would touch.
    gc.collect()
    gc.freeze()
    try:
        if jobs == 1:
            for task in tasks:
                yield render_task(task)
            return
        context = multiprocessing.get_context("fork")
        # Leaving the with-block (done, or Ctrl-C in the parent) terminates the workers.
        with context.Pool(jobs, _ignore_interrupts, maxtasksperchild=TASKS_PER_WORKER) as pool:
            yield from pool.imap_unordered(render_task, tasks)
    finally:
        gc.unfreeze()


def _ignore_interrupts() -> None:
    # Ctrl-C reaches the whole process group: only the parent acts on it, quietly.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def render_task(task: RenderTask) -> tuple[Release, RenderOutcome]:
    """Render one release to the formats of *task* (a tuple, so a pool can send it)."""
    release, formats, settings, now, renderers = task
    return release, render_release(release, formats, settings, now, renderers)


def render_release(
    release: Release, formats: tuple[str, ...], settings: Settings, now: datetime,
    renderers: tuple[Renderer, ...],
) -> RenderOutcome:
    """Render one release to *formats*, recording the files each read; a failure comes
    back as a RenderFailure carrying its traceback."""
    from .render import RenderContext
    from .render.env import recording

    context = RenderContext.for_settings(settings, now)
    base = [str(path) for path in release_files(release, settings)]
    done: dict[str, Rendered] = {}
    for renderer in renderers:
        if renderer.name not in formats:
            continue
        try:
            with recording() as read:
                data = renderer.render(release, context)
        except Exception as exc:  # keep building the others; the build reports the failure
            message = f"{type(exc).__name__}: {exc}"
            return RenderFailure(release.slug, renderer.name, message, traceback.format_exc())
        done[renderer.name] = Rendered(data, tuple(base + sorted({str(p) for p in read} - set(base))))
    return done


def place_release(
    out: Path, release: Release, releases_dir: Path, visibility: str, files: Mapping[str, Rendered]
) -> None:
    """Write a release's files and the attachments and images it links to.

    Attachments and images keep their path below releases/, so the page's relative
    links to them work in the built site.
    """
    folder = out / visibility / release.slug
    for fmt, rendered in files.items():
        write_output(folder / f"{release.slug}.{fmt}", rendered.data)
    source = releases_dir.resolve()
    for extra in (*release.attachments, *(image.path for image in release.images)):
        write_output(folder / extra.relative_to(source), extra.read_bytes())
    other = out / (PRIVATE if visibility == PUBLIC else PUBLIC) / release.slug
    shutil.rmtree(other, ignore_errors=True)


def place_zips(out: Path, releases: list[Release], releases_dir: Path, now: datetime,
               rendered: set[str]) -> None:
    """Write ``<slug>.zip`` (PDF, DOCX, images; see release_zip) next to each release's files
    when one of them was rendered again, or the ZIP is missing: it is made of those files."""
    from .release_zip import release_zip, zip_members

    for release in releases:
        folder = out / visibility_of(release, now) / release.slug
        target = folder / f"{release.slug}.zip"
        if folder.is_dir() and (release.slug in rendered or not target.is_file()):
            members = zip_members(release, folder, releases_dir)
            write_output(target, release_zip(members, release.published))


def remove_stale(out: Path, pressroom: Pressroom, now: datetime, manifest: Manifest) -> None:
    """Remove folders of releases that were deleted, or that are no longer public."""
    wanted = {(visibility_of(r, now), r.slug) for r in pressroom.releases}
    for visibility in (PUBLIC, PRIVATE):
        base = out / visibility
        if not base.is_dir():
            continue
        for folder in base.iterdir():
            if folder.name in SITE_FOLDERS and visibility == PUBLIC:
                continue  # the site's lists: site.write_site keeps them
            if folder.is_dir() and (visibility, folder.name) not in wanted:
                shutil.rmtree(folder)
                if folder.name not in {r.slug for r in pressroom.releases}:
                    manifest.forget(folder.name)


def remove_unregistered(
    out: Path, pressroom: Pressroom, manifest: Manifest, renderers: tuple[Renderer, ...]
) -> None:
    """Remove the files of formats no longer registered (a renderer plug-in was uninstalled),
    or no longer made for their release (the calendar file of a release whose event went)."""
    releases = {r.slug: r for r in pressroom.releases}
    for slug, formats in manifest.outputs.items():
        release = releases.get(slug)
        made = renderers_for(release, renderers) if release is not None else renderers
        names = {r.name for r in made}
        for fmt in set(formats) - names:
            (out / manifest.visibility[slug] / slug / f"{slug}.{fmt}").unlink(missing_ok=True)
            del formats[fmt]
