"""The output formats: one Renderer each, pressroom's own plus those installed as plug-ins.

Build, manifest, feeds and e-mail editions iterate over :func:`load_renderers`, so a new
format is one module: a ``render_<fmt>(release, ctx) -> bytes`` function and a
:class:`Renderer` naming it. Another package adds one by declaring, in its
``pyproject.toml``::

    [project.entry-points."pressroom.renderers"]
    json = "pressroom_json:renderer"

where ``pressroom_json.renderer`` is a :class:`Renderer`. The render function is
named by a ``"module:function"`` string and imported only when something is
rendered, so listing the formats (``pressroom --help``, planning a publish) stays cheap.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

from ..errors import UserError

if TYPE_CHECKING:
    from ..model import Release
    from . import RenderContext

ENTRY_POINT_GROUP = "pressroom.renderers"
# What a format may show of the settings (a release's own contacts and funding period).
SETTINGS_PARTS = ("organisation", "site", "contacts", "boilerplates")

RenderFunction = Callable[["Release", "RenderContext"], bytes]
AppliesTo = Callable[["Release"], bool]


def every_release(release: Release) -> bool:
    """The default of ``Renderer.applies_to``: the format is made for every release."""
    return True


def has_event(release: Release) -> bool:
    """True when *release* announces a press event (it gets a calendar file)."""
    return release.event is not None


@dataclass(frozen=True)
class Renderer:
    """One output format: how it is named, stored, served, and made.

    *name* keys the format everywhere (``BuildResult.outputs``, the manifest, the
    edition's files) and is the file suffix: ``<slug>.<name>``. *attach* offers the
    built file for download: linked from the web page and the newsroom index, an
    enclosure in the feeds, an e-mail attachment. *applies_to* says which releases get
    the format at all (the calendar file only those with an event). *settings_parts* says which parts of the
    settings the format shows: a change of one of them re-renders it (templates and
    files it reads are recorded while it renders; see ``render.env.recording``).
    """

    name: str
    content_type: str
    # "module:function", imported on first use; or a module-level function (workers get it pickled)
    function: str | RenderFunction
    attach: bool = False
    settings_parts: tuple[str, ...] = SETTINGS_PARTS
    # Which releases get this format (a module-level function: workers get it pickled);
    # the others have no such file, attachment or link.
    applies_to: AppliesTo = every_release
    # True for a format that links the downloads (the web page): installing or removing
    # a downloadable format renders it again.
    shows_downloads: bool = False

    @property
    def suffix(self) -> str:
        return self.name

    def render(self, release: Release, ctx: RenderContext) -> bytes:
        """Render *release* in this format."""
        return self.resolve()(release, ctx)

    def resolve(self) -> RenderFunction:
        """Return the render function, importing its module when named by a string."""
        if not isinstance(self.function, str):
            return self.function
        module, _, attribute = self.function.partition(":")
        function: RenderFunction = getattr(importlib.import_module(module), attribute)
        return function


BUILTIN = (
    Renderer("html", "text/html", "pressroom.render.html:render_html", shows_downloads=True),
    Renderer("pdf", "application/pdf", "pressroom.render.pdf:render_pdf", attach=True),
    Renderer(
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "pressroom.render.docx:render_docx",
        attach=True,
    ),
    Renderer("txt", "text/plain", "pressroom.render.text:render_text"),
    Renderer("ics", "text/calendar", "pressroom.render.ics:render_ics", attach=True, applies_to=has_event),
)


@lru_cache(maxsize=1)
def load_renderers() -> tuple[Renderer, ...]:
    """Return pressroom's renderers, then those registered under ``pressroom.renderers``.

    Read once per process: the installed plug-ins do not change while it runs
    (a test that installs one calls ``load_renderers.cache_clear()``).
    Raises UserError naming the entry point when a plug-in cannot be loaded, is not
    a Renderer, or takes a name that is already used.
    """
    found = list(BUILTIN)
    for point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda p: p.name):
        try:
            renderer = point.load()
        except Exception as exc:  # a broken plug-in: say which, never a traceback
            raise UserError(f"renderer plug-in {point.name!r} ({point.value}) failed to load: {exc}") from exc
        if not isinstance(renderer, Renderer):
            raise UserError(f"renderer plug-in {point.name!r} ({point.value}) is not a pressroom Renderer")
        if not re.fullmatch("[a-z0-9]+", renderer.name):
            # the name becomes a file suffix and a manifest key
            raise UserError(
                f"renderer plug-in {point.name!r}: format name {renderer.name!r} is not lower-case a-z, 0-9"
            )
        if not set(renderer.settings_parts) <= set(SETTINGS_PARTS):
            raise UserError(
                f"renderer plug-in {point.name!r}: settings_parts must be among {', '.join(SETTINGS_PARTS)}"
            )
        if renderer.name in {r.name for r in found}:
            raise UserError(f"renderer plug-in {point.name!r} takes the format name {renderer.name!r} again")
        found.append(renderer)
    return tuple(found)


def renderers_for(release: Release, renderers: tuple[Renderer, ...]) -> tuple[Renderer, ...]:
    """Return those of *renderers* that make a file for *release*."""
    return tuple(r for r in renderers if r.applies_to(release))


def content_type(name: str) -> str:
    """Return the content type of the format *name*; ``text`` is the e-mail's text body."""
    if name == "text":
        return "text/plain"
    return next(r.content_type for r in load_renderers() if r.name == name)


@dataclass(frozen=True)
class Download:
    """A built file offered for download: what the page, the index and the feeds link."""

    name: str  # the format: "pdf"
    href: str  # "<slug>.pdf": relative to the release's page, which sits beside it
    content_type: str
    label: str  # "PDF": what readers call the format


def downloads(release: Release) -> tuple[Download, ...]:
    """Return the downloads of *release*: every format marked *attach* that it gets,
    pressroom's first."""
    slug = release.slug
    return tuple(
        Download(r.name, f"{slug}.{r.suffix}", r.content_type, r.name.upper())
        for r in renderers_for(release, load_renderers()) if r.attach
    )


def attachments() -> tuple[str, ...]:
    """Return the formats offered as e-mail attachments, pressroom's own first."""
    return tuple(r.name for r in load_renderers() if r.attach)
