"""`pressroom serve` in a real browser (Debian's Chromium, headless, see browser_support.py):
the preview page loads, a save shows on the open page without a manual reload, an error
appears on the page and goes away when fixed; the preview panel adds no accessibility
violation (axe-core)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import axe_violations, chromium, open_page
from conftest import NOW, SLUG_2021

from pressroom.serve import PreviewServer, serving

DRAFT = "2021-09-01-entwurf"


@pytest.fixture
def root(sample_root: Path) -> Path:
    """The sample press room with a draft."""
    (sample_root / "releases" / f"{DRAFT}.md").write_text(
        "---\ntitle: Ein Entwurf\ndate: 2021-09-01\nlead: Der Vorspann.\nstatus: draft\n---\nDer Text.\n",
        encoding="utf-8")
    return sample_root


@pytest.fixture
def server(root: Path) -> Iterator[PreviewServer]:
    with serving(root, clock=lambda: NOW) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as instance:
        yield instance


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_saved_edit_shows_on_the_open_page_without_a_manual_reload(
    browser: Any, server: PreviewServer, root: Path
) -> None:
    with open_page(browser, f"{server.url}{DRAFT}/{DRAFT}.html") as page:
        assert page.locator("h1.title").inner_text() == "Ein Entwurf"
        assert page.locator(".preview-state").inner_text() == "Entwurf"
        # No wait for the event stream to open: a save before it opens is announced at once
        # (the page says which change it was made at).
        replace_in(root / "releases" / f"{DRAFT}.md", "title: Ein Entwurf", "title: Ein besserer Entwurf")
        page.locator("h1.title", has_text="Ein besserer Entwurf").wait_for()


def test_an_error_appears_on_the_open_page_and_goes_away_when_fixed(
    browser: Any, server: PreviewServer, root: Path
) -> None:
    path = root / "releases" / f"{DRAFT}.md"
    with open_page(browser, f"{server.url}{DRAFT}/{DRAFT}.html") as page:
        assert page.locator(".preview-problems").count() == 0
        replace_in(path, "status: draft\n", "status: draft\ncontacts: [niemand]\n")
        problem = page.locator(".preview-problems li", has_text="niemand")
        problem.wait_for()
        assert "Zeile 6" in problem.inner_text()
        replace_in(path, "contacts: [niemand]\n", "")
        page.locator(".preview-problems").wait_for(state="detached")
        assert page.locator("h1.title").inner_text() == "Ein Entwurf"


@pytest.mark.parametrize("path", [f"{DRAFT}/{DRAFT}.html", f"{SLUG_2021}/{SLUG_2021}.html", "index.html"])
def test_the_preview_panel_adds_no_accessibility_violation(
    browser: Any, server: PreviewServer, root: Path, path: str
) -> None:
    # A warning in the panel too: the sample's 2021 release without its lead is still a page.
    with open_page(browser, f"{server.url}{path}") as page:
        assert page.locator(".pressroom-preview").count() == 1
        assert axe_violations(page) == []
