"""The sample press room's text and HTML against checked-in expected output.

A change in how releases render shows up here as a readable diff. When the change
is intended, `make golden` rewrites the files; review them before committing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import NOW, SLUG_2013, SLUG_2021, load_sample

from pressroom.render import RenderContext
from pressroom.render.html import render_html
from pressroom.render.text import render_text

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("PRESSROOM_UPDATE_GOLDEN") == "1"
RENDERERS = {"txt": render_text, "html": render_html}


@pytest.mark.parametrize("slug", [SLUG_2013, SLUG_2021])
@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_sample_renders_as_the_golden_file(sample_root: Path, slug: str, fmt: str) -> None:
    pressroom = load_sample(sample_root)
    ctx = RenderContext.for_settings(pressroom.settings, NOW)
    rendered = RENDERERS[fmt](pressroom.release(slug), ctx).decode("utf-8")
    golden = GOLDEN / f"{slug}.{fmt}"
    if UPDATE:
        golden.write_text(rendered, encoding="utf-8")
    assert rendered == golden.read_text(encoding="utf-8"), f"{golden.name} differs: run `make golden`"
