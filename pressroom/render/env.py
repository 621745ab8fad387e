"""The Jinja environment: the press room's templates/ over pressroom's defaults.

While a format renders, the environment records every template it loads (the
page, what it extends and includes, CSS pulled in by ``{% include %}``), and other
readers (the PDF's URL fetcher, the DOCX reference) record the files they read:
the build keeps that list per output and renders the output again only when one of
those files changes (as Lektor's ``record_dependency``).
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from .. import markup
from ..defaults import default_templates
from ..model import format_day
from .labels import format_moment, label
from .plaintext import TEXT_FILTERS

DEFAULT_PREFIX = "default/"

# The files read by the render running in this thread (or worker process), if one records.
_reads: ContextVar[set[Path] | None] = ContextVar("pressroom_render_reads", default=None)


@contextmanager
def recording() -> Iterator[set[Path]]:
    """Collect the files read while the block runs: templates, stylesheets, images, references."""
    files: set[Path] = set()
    token = _reads.set(files)
    try:
        yield files
    finally:
        _reads.reset(token)


def record_dependency(path: Path) -> None:
    """Note that the running render read *path* (or looked for it: a missing file counts too)."""
    files = _reads.get()
    if files is not None:
        files.add(path)


class RecordingEnvironment(jinja2.Environment):
    """A Jinja environment that records each template it hands out, cached or not.

    For a name the room may override, the room's ``templates/<name>`` is recorded too
    (missing or not): adding an override then counts as a change.
    """

    def __init__(self, overrides: Path, **options: Any) -> None:
        super().__init__(**options)
        self.overrides = overrides

    def _load_template(
        self, name: str, globals: MutableMapping[str, Any] | None
    ) -> jinja2.Template:
        template = super()._load_template(name, globals)
        if template.filename is not None:
            record_dependency(Path(template.filename))
        if not name.startswith(DEFAULT_PREFIX):
            record_dependency(self.overrides / name)
        return template


def make_env(root: Path) -> jinja2.Environment:
    """Return the template environment of the press room at *root*.

    A template in ``root/templates`` replaces the default of the same name and can
    still extend it as ``default/<name>`` (as Pelican's ``!simple/`` does).
    Cached per root and set of overrides: Jinja re-reads a template whose file
    changed, so reuse is safe and saves compiling the templates for every release;
    an override added or removed gives a new environment (Jinja's cache would
    keep serving the default it loaded before).
    """
    overrides = root / "templates"
    names = frozenset(str(p.relative_to(overrides)) for p in overrides.rglob("*"))
    return _make_env(root, names)


@lru_cache(maxsize=8)
def _make_env(root: Path, overridden: frozenset[str]) -> jinja2.Environment:
    """Build the environment of *root* (*overridden* only keys the cache)."""
    defaults = jinja2.FileSystemLoader(default_templates())
    overrides = root / "templates"
    loader = jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader(overrides),
            jinja2.PrefixLoader({DEFAULT_PREFIX.rstrip("/"): defaults}),
            defaults,
        ]
    )
    env = RecordingEnvironment(
        overrides,
        loader=loader,
        autoescape=jinja2.select_autoescape(["html", "xml", "htm"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["markdown"] = lambda text: Markup(markup.to_html(text or ""))
    env.filters["inline_markdown"] = lambda text: Markup(markup.inline_to_html(text or ""))
    env.filters["day"] = format_day
    env.filters["moment"] = format_moment
    env.filters.update(TEXT_FILTERS)  # for release.txt
    env.globals["label"] = label
    return env
