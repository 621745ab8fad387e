"""Renderers: one module per format, each a function of a resolved Release.

Every renderer takes what it renders plus a RenderContext and returns bytes; none
reads settings or release files itself, and none writes files (``build`` does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2

    from ..model import Release, Settings
    from .view import ReleaseView


@dataclass(frozen=True)
class RenderContext:
    """What every renderer may use besides the release: settings, templates, the moment."""

    settings: Settings
    env: jinja2.Environment
    now: datetime  # aware; decides embargo notices
    # The views built with this context (see view.release_view): formats rendered
    # together share one view; the context, and so the cache, lives for one build step.
    views: dict[str, tuple[Release, ReleaseView]] = field(
        default_factory=dict, compare=False, repr=False
    )
    # Each release's feed content (feed.entry_content), made once for all the feeds
    # of a build (the front page's, its tags', its language's) like the views above.
    feed_contents: dict[str, tuple[Release, str]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def for_settings(cls, settings: Settings, now: datetime) -> RenderContext:
        from .env import make_env

        return cls(settings, make_env(settings.root), now)
