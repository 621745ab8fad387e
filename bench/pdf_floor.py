"""How close pressroom's PDF template comes to WeasyPrint's floor, and what each CSS feature costs.

The floor is a plain A4 document with the same text in the same fonts: one paragraph
per block of the release page, bold where the page is bold, tagged like pressroom's
PDF. Both documents, and the page with one feature switched off (or an older, dearer
layout switched on), are printed by raw WeasyPrint in this one process, round after
round (interleaved, so a busy machine slows all of them alike); each gets the median
CPU time of its runs.
"""

from __future__ import annotations

import gc
import html
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pressroom.load import load_pressroom
from pressroom.render import RenderContext
from pressroom.render.html import release_page
from pressroom.render.pdf import PDF_VARIANT

REPO = Path(__file__).resolve().parents[1]
SAMPLE = "2021-08-26-iq-mv-10-jahre"
NOW = datetime(2026, 11, 22, tzinfo=UTC)
BOLD_TAGS = {"h1", "h2", "h3", "strong", "b"}
# The blocks release.css sets in bold (besides headings): the floor sets them bold too,
# so both documents embed the same two faces.
BOLD_CLASSES = {"lead", "org-name", "kicker", "funded-by", "embargo"}


@dataclass(frozen=True)
class Feature:
    """A reader-visible part of the print CSS and the override that removes (or adds) it."""

    name: str
    css: str
    adds: bool = False  # True: the override switches a dearer alternative on


# "without" = the page with the override; cost = with - without (negative for `adds`).
FEATURES = (
    Feature("German hyphenation of running text", ".lead, .body, .boilerplate > p { hyphens: manual }"),
    Feature('page counter "Seite x von y"', "@page { @bottom-right { content: none } }"),
    Feature("running head (pages 2+)", "@page { @top-left { content: none } }"),
    Feature(
        "two columns: letterhead, contacts",
        ".org-name, .org-address, .contact { display: block; width: auto; margin-right: 0 }",
    ),
    Feature("link URLs printed under links", ".link-url { display: none }"),
    Feature(
        "spaced capitals (kicker, section heads)",
        ".kicker, .links h2, .contacts h2 { letter-spacing: normal }",
    ),
    Feature(
        "flex letterhead/contacts (before issue 9)",
        ".letterhead { display: flex; justify-content: space-between; align-items: flex-start;"
        " gap: 1rem } .org-name, .org-address, .contact { display: block; width: auto; margin-right: 0 }"
        " .contacts { display: flex; flex-wrap: wrap; column-gap: 2rem }"
        " .contacts h2 { flex-basis: 100% } .contact { flex: 1 1 14rem }",
        adds=True,
    ),
    Feature("hyphens: auto on the whole body (before)", "body { hyphens: auto }", adds=True),
    Feature(
        "floats: letterhead, contacts (before the lean page)",
        ".letterhead, .contacts { display: flow-root } .org-name { float: left; display: block }"
        " .org-address { display: block; width: auto; margin-left: 55% }"
        " .contact { float: left; display: block } .contact:nth-of-type(2n+1) { clear: left }",
        adds=True,
    ),
    Feature(
        "margin boxes of auto width, measured twice (before)",
        "@page { @top-left { width: auto } @bottom-right { width: auto } }",
        adds=True,
    ),
    Feature(
        "eight type sizes (before the lean page)",
        ".org-address, .link-url { font-size: 7.5pt } .links h2, .contacts h2 { font-size: .8rem }",
        adds=True,
    ),
)


def sample_page() -> str:
    """Return pressroom's print HTML of the 2021 sample release (what render_pdf prints)."""
    pressroom = load_pressroom(REPO, NOW).pressroom
    assert pressroom is not None
    ctx = RenderContext.for_settings(pressroom.settings, NOW)
    release = next(r for r in pressroom.releases if r.slug == SAMPLE)
    return release_page(release, ctx, "print")


def plain_document(page: str) -> str:
    """Return the floor: *page*'s text as plain A4 paragraphs in the page's font family."""
    import lxml.html

    family = re.search(r"body \{[^}]*?font-family: ([^;]+);", page)
    assert family is not None, "release.css sets no body font-family"
    root = lxml.html.fromstring(page)
    paragraphs = []
    for element in root.body.iter("p", "h1", "h2", "h3", "li", "address"):
        text = " ".join(element.text_content().split())
        if not text:
            continue
        classes = set((element.get("class") or "").split())
        bold = element.tag in BOLD_TAGS or bool(classes & BOLD_CLASSES)
        paragraphs.append(f"<p{' class=b' if bold else ''}>{html.escape(text)}</p>")
    return (
        '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>floor</title><style>'
        f"@page {{ size: A4; margin: 20mm }} body {{ font-family: {family.group(1)};"
        " font-size: 10pt; line-height: 1.45 } .b { font-weight: bold }</style></head><body>"
        + "".join(paragraphs)
        + "</body></html>"
    )


def same_style(page: str, floor: str) -> str:
    """Return *page* with the floor's stylesheet instead of its own: what its markup alone costs."""
    style = re.compile(r"<style>.*</style>", re.DOTALL)
    found = style.search(floor)
    assert found is not None
    # the floor sets no italics; <address> would otherwise embed a third face
    own = found.group(0).replace("</style>", " address { font-style: normal }</style>")
    return style.sub(lambda _: own, page, count=1)


def with_css(page: str, css: str) -> str:
    """Return *page* with *css* appended to its stylesheet (later rules win)."""
    return page.replace("</style>", f"{css}\n</style>", 1)


def print_seconds(document: str) -> float:
    """CPU seconds raw WeasyPrint takes to print *document* as a tagged PDF."""
    import weasyprint

    start = time.process_time()
    weasyprint.HTML(string=document, base_url=REPO.as_uri() + "/").write_pdf(pdf_variant=PDF_VARIANT)
    return time.process_time() - start


def interleaved_medians(
    documents: dict[str, str], rounds: int, run: Callable[[str], float]
) -> dict[str, float]:
    """Time every document once per round, round after round; return each one's median."""
    for document in documents.values():
        run(document)  # warm-up: fonts, hyphenation dictionary, caches
    runs: dict[str, list[float]] = {name: [] for name in documents}
    names = list(documents)
    for index in range(rounds):
        # Rotate the order, so no document always follows the same one
        for name in names[index % len(names) :] + names[: index % len(names)]:
            gc.collect()  # the previous document's garbage is not this one's cost
            runs[name].append(run(documents[name]))
    return {name: statistics.median(times) for name, times in runs.items()}


def main(rounds: int = 31) -> None:
    """Print the floor rows and the feature-cost table."""
    page = sample_page()
    floor = plain_document(page)
    documents = {"page": page, "floor": floor, "structure": same_style(page, floor)}
    documents.update({feature.name: with_css(page, feature.css) for feature in FEATURES})
    medians = interleaved_medians(documents, rounds, print_seconds)
    ours, floor, structure = medians["page"], medians["floor"], medians["structure"]
    print(
        f"\nPDF template against WeasyPrint's floor ({SAMPLE},"
        f" median CPU time of {rounds} interleaved runs)\n"
    )
    print(f"| {'measure':<52} | {'result':>9} | {'target':<9} |")
    print(f"|{'-' * 54}|{'-' * 11}|{'-' * 11}|")
    print(f"| {'raw WeasyPrint, pressroom HTML (tagged)':<52} | {ours * 1000:>6.0f} ms | {'':<9} |")
    print(
        f"| {'raw WeasyPrint, plain A4, same text+fonts (tagged)':<52}"
        f" | {floor * 1000:>6.0f} ms | {'floor':<9} |"
    )
    print(f"| {'ratio pressroom HTML / plain A4':<52} | {ours / floor:>9.2f} | {'<= 1.6':<9} |")
    print(
        f"| {'pressroom HTML with the floor CSS (markup alone)':<52}"
        f" | {structure * 1000:>6.0f} ms | {f'{structure / floor:.2f}x':<9} |"
    )
    print("\nwhat each print feature costs (with = as shipped, without = override applied)\n")
    print(f"| {'feature':<44} | {'with':>7} | {'without':>7} | {'cost':>7} | {'share':>6} |")
    print(f"|{'-' * 46}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 8}|")
    for feature in FEATURES:
        other = medians[feature.name]
        with_, without = (other, ours) if feature.adds else (ours, other)
        cost = with_ - without
        print(
            f"| {feature.name:<44} | {with_ * 1000:>4.0f} ms | {without * 1000:>4.0f} ms "
            f"| {cost * 1000:>+4.0f} ms | {cost / with_:>+6.0%} |"
        )


if __name__ == "__main__":
    main()
