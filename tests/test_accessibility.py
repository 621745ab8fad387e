"""The newsroom in a real browser: axe-core finds no violation, phones need no sideways
scrolling, titles never break inside a word, and a printed page drops the navigation
and shows where its links lead.

One sample-like room is built per module and its build/ served over loopback (the public
pages, and an embargoed release and a draft from build/private/);
one headless Chromium (Debian's, see browser_support.py) looks at every page.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from browser_support import DESKTOP, PHONE, axe_violations, chromium, open_page, serve
from conftest import SLUG_2013, SLUG_2021
from newsroom_support import sample_newsroom

from pressroom.build import build_pressroom

NOW = datetime(2030, 1, 1, tzinfo=UTC)


EMBARGOED = "2022-12-30-sperre"
DRAFT = "2022-12-29-entwurf"


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """build/ of the sample-like room (the sample and a few short releases, archives past
    a small front page), with an
    embargoed release (with an event box) and a draft in build/private/ (their banners
    are checked too)."""
    root = sample_newsroom(tmp_path_factory.mktemp("newsroom"))
    front = "date: {day}\nlead: Der Vorspann.\ntags: [Fachkräftesicherung]\ncontacts: [kuntzsch]\n"
    (root / "releases" / f"{EMBARGOED}.md").write_text(
        f"---\ntitle: Gesperrte Meldung\n{front.format(day=EMBARGOED[:10])}"
        "embargo: 2030-01-02T10:00\nstatus: ready\n"
        "event: {title: Pressegespräch, start: 2030-01-05T10:00, location: Rathaus Rostock}\n"
        "---\nDer Text.\n", encoding="utf-8")
    (root / "releases" / f"{DRAFT}.md").write_text(
        f"---\ntitle: Ein Entwurf\n{front.format(day=DRAFT[:10])}status: draft\n---\nDer Text.\n",
        encoding="utf-8")
    build_pressroom(root, now=NOW, jobs=2)
    return root / "build"


@pytest.fixture(scope="module")
def public(build: Path) -> Path:
    return build / "public"


@pytest.fixture(scope="module")
def site(build: Path) -> Iterator[str]:
    """The base URL of build/public/ on a loopback HTTP server (build/private/ beside it)."""
    with serve(build) as url:
        yield f"{url}/public"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole module."""
    with chromium() as instance:
        yield instance


def page_path(public: Path, pattern: str) -> str:
    """The first page under *public* matching *pattern*, as a URL path; fails when there is none."""
    pages = sorted(public.glob(pattern))
    assert pages, f"no page {pattern} under build/public/"
    return pages[0].relative_to(public).as_posix()


RELEASE = f"{SLUG_2021}/{SLUG_2021}.html"
PAGES = {
    "index": lambda public: "index.html",
    "release": lambda public: RELEASE,
    "release-2013": lambda public: f"{SLUG_2013}/{SLUG_2013}.html",
    "tag": lambda public: page_path(public, "tags/*/index.html"),
    "archive": lambda public: page_path(public, "archive/*/index.html"),
    "embargoed": lambda public: f"../private/{EMBARGOED}/{EMBARGOED}.html",
    "draft": lambda public: f"../private/{DRAFT}/{DRAFT}.html",
}
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("name", ["index", "release", "release-2013", "tag", "archive", "embargoed", "draft"])
def test_page_has_no_axe_violations(browser: Any, site: str, public: Path, name: str,
                                    viewport: dict[str, int]) -> None:
    with open_page(browser, f"{site}/{PAGES[name](public)}", viewport) as page:
        assert axe_violations(page) == []


@pytest.mark.parametrize("name", ["index", "release", "release-2013", "tag", "archive"])
def test_page_fits_a_phone_without_horizontal_scrolling(browser: Any, site: str, public: Path,
                                                        name: str) -> None:
    with open_page(browser, f"{site}/{PAGES[name](public)}", PHONE) as page:
        width = page.evaluate("() => [document.scrollingElement.scrollWidth,"
                              " document.scrollingElement.clientWidth]")
        assert width[0] <= width[1], f"page is {width[0]} px wide in a {width[1]} px window"


# Each run of letters (with a hard hyphen that ends it) must lie on one line: a title may
# break at spaces and after hyphens ("Mecklenburg-/Vorpommern"), never inside a word.
BROKEN_WORDS = """selector => {
  const broken = [];
  for (const heading of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(heading, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/[^\\s\\-\\u2010\\u2013]+[\\-\\u2010\\u2013]?/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].filter(r => r.width > 0)
                                .map(r => Math.round(r.top)));
        if (lines.size > 1) broken.push(match[0]);
      }
    }
  }
  return broken;
}"""


@pytest.mark.parametrize(("name", "selector"), [("release", "h1"), ("release-2013", "h1"),
                                                ("index", "h1, h2")])
def test_no_title_word_is_broken_at_phone_width(browser: Any, site: str, public: Path, name: str,
                                                 selector: str) -> None:
    with open_page(browser, f"{site}/{PAGES[name](public)}", PHONE) as page:
        lines = page.evaluate("s => document.querySelector(s).getClientRects().length", selector)
        assert lines >= 1  # the title is there and laid out
        assert page.evaluate(BROKEN_WORDS, selector) == []


def test_a_title_too_long_for_a_phone_line_is_caught_by_the_word_check(browser: Any, site: str,
                                                                       public: Path) -> None:
    """The check above can fail: a word wider than the phone's line does break (or overflow)."""
    with open_page(browser, f"{site}/{RELEASE}", PHONE) as page:
        page.evaluate("() => { const h = document.querySelector('h1');"
                      " h.style.overflowWrap = 'anywhere';"
                      " h.textContent = 'Arbeitsmarktintegrationsfachkräftesicherungsnetzwerk'; }")
        assert page.evaluate(BROKEN_WORDS, "h1") == ["Arbeitsmarktintegrationsfachkräftesicherungsnetzwerk"]


def test_keyboard_focus_is_visible_and_the_skip_link_leads_to_the_content(browser: Any, site: str) -> None:
    with open_page(browser, f"{site}/{RELEASE}", DESKTOP) as page:
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => {
          const a = document.activeElement, style = getComputedStyle(a), box = a.getBoundingClientRect();
          return {href: a.getAttribute('href'), outline: style.outlineStyle,
                  width: parseFloat(style.outlineWidth), visible: box.width > 1 && box.top >= 0};
        }""")
        assert focused["href"] == "#content" and focused["visible"]
        assert focused["outline"] != "none" and focused["width"] >= 2
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.querySelector('main').id") == "content"
        assert page.evaluate("() => location.hash") == "#content"


def test_printed_page_drops_navigation_and_shows_link_addresses(browser: Any, site: str) -> None:
    with open_page(browser, f"{site}/{RELEASE}", DESKTOP) as page:
        page.emulate_media(media="print")
        shown = page.evaluate("""() => ({
          navs: [...document.querySelectorAll('nav, .skip-link')].map(e => getComputedStyle(e).display),
          links: [...document.querySelectorAll('.body a[href^="http"], .boilerplate a[href^="http"]')]
                   .map(a => [a.getAttribute('href'), getComputedStyle(a, '::after').content]),
          headings: [...document.querySelectorAll('main h2')].map(h => getComputedStyle(h).breakAfter),
          contacts: [...document.querySelectorAll('.contact')].map(c => getComputedStyle(c).breakInside),
        })""")
        assert shown["navs"] and set(shown["navs"]) == {"none"}
        assert shown["links"]
        for href, after in shown["links"]:
            assert href in after, (href, after)
        assert shown["headings"] and set(shown["headings"]) == {"avoid"}
        assert shown["contacts"] and set(shown["contacts"]) == {"avoid"}
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF")


def test_screen_page_shows_navigation_and_no_link_addresses(browser: Any, site: str) -> None:
    """The print rules are print-only: the screen keeps its navigation and clean links."""
    with open_page(browser, f"{site}/{RELEASE}", DESKTOP) as page:
        shown = page.evaluate("""() => ({
          nav: getComputedStyle(document.querySelector('nav')).display,
          after: [...document.querySelectorAll('.boilerplate a[href^="http"]')]
                   .map(a => getComputedStyle(a, '::after').content),
        })""")
        assert shown["nav"] != "none"
        assert shown["after"] and set(shown["after"]) == {"none"}
