"""A real browser for the tests: Debian's Chromium, headless, driven by Playwright.

Playwright is pointed at the system browser (/usr/bin/chromium, which .ci/system-deps
installs): it never downloads one of its own. axe-core, the accessibility engine, is
the npm package pinned in tests/browser/package-lock.json, which `make install`
installs with `npm ci`. Pages are served from build/public/ by a loopback HTTP server,
so relative links, styles and images resolve as they would on the web server.

Without the browser (or axe-core) the tests skip with the reason locally, and fail
in CI (CI=true): a green CI run must have looked at the pages.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
AXE_JS = Path(__file__).resolve().parent / "browser" / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2 at levels A and AA, and Deque's best practices; every impact level.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]
# A phone's width: what the page must fit without horizontal scrolling.
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
TIMEOUT_MS = 8_000


def in_ci() -> bool:
    """Whether this run is CI's, which must not skip what it cannot run."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def unavailable(reason: str) -> None:
    """Skip with *reason* locally; fail with it in CI."""
    if in_ci():
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def missing_tools() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} is missing: run `make install` (.ci/system-deps installs Debian's chromium)"
    if not AXE_JS.is_file():
        return f"{AXE_JS} is missing: run `make install` (npm ci in tests/browser/ installs axe-core)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing: run `make install`"
    return None


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves files without logging each request to stderr."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class names it so
        return


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve *folder* over HTTP on a free loopback port; yield its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def chromium() -> Iterator[Any]:
    """Launch headless Chromium once; yield the Playwright Browser."""
    reason = missing_tools()
    if reason:
        unavailable(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             timeout=TIMEOUT_MS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def open_page(browser: Any, url: str, viewport: dict[str, int] = DESKTOP) -> Iterator[Any]:
    """Open *url* in a fresh context of *browser* (no state shared between tests)."""
    context = browser.new_context(viewport=viewport, reduced_motion="reduce")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        response = page.goto(url, wait_until="load")
        assert response is not None and response.ok, f"{url}: HTTP {response and response.status}"
        yield page
    finally:
        context.close()


def axe_violations(page: Any) -> list[str]:
    """Run axe-core on *page*; return one line per violation and element, empty when none."""
    page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
    results = page.evaluate(
        "options => axe.run(document, options)",
        {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]},
    )
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at {node['target']}: "
        f"{node['failureSummary']}"
        for violation in results["violations"]
        for node in violation["nodes"]
    ]
