"""The Jinja environment: the press room's templates/ over pressroom's defaults."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from .. import markup
from ..defaults import default_templates
from ..model import format_day
from .labels import format_moment, label
from .plaintext import TEXT_FILTERS


@lru_cache(maxsize=8)
def make_env(root: Path) -> jinja2.Environment:
    """Build the template environment of the press room at *root*.

    A template in ``root/templates`` replaces the default of the same name and can
    still extend it as ``default/<name>`` (as Pelican's ``!simple/`` does).
    Cached per root: Jinja re-reads a template whose file changed, so reuse is safe
    and saves compiling the templates for every release.
    """
    defaults = jinja2.FileSystemLoader(default_templates())
    loader = jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader(root / "templates"),
            jinja2.PrefixLoader({"default": defaults}),
            defaults,
        ]
    )
    env = jinja2.Environment(
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
