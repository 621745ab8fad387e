"""The sample room reproduces the two real press releases it was made from (the seeds):
every sentence of each seed appears in the release's HTML page, PDF, DOCX and text, read
back with real parsers; each seed's contact block appears with the role of its date."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import pytest
from conftest import NOW, REPO, SLUG_2013, SLUG_2021
from readback import docx_text, pdftotext

from pressroom.build import build_pressroom

# Copies of the two real releases, as published (tests/seeds/README.md).
SEEDS = Path(__file__).parent / "seeds"

# Seed paragraphs the sample room shows in its own form (checked by value below, not
# word for word): the number label and dateline ("Presseinfo 3/2013", "8. Januar 2013",
# "Rostock, 26.08.2021") and the contact blocks (labels and phone spacing differ).
STRUCTURED = re.compile(
    r"^(Presseinfo \d+/\d{4}|\d+\. \w+ \d{4}|Rostock, \d\d\.\d\d\.\d{4}|Ansprechpartnerin:"
    r"|Öffentlichkeitsarbeit im IQ Netzwerk Mecklenburg-Vorpommern:$|Maja Kuntzsch,"
    r"|Koordinator des IQ N Netzwerks|Dr\. Maher Fakhouri,)"
)
# A sentence ends at . ! or ? before a capital letter or an opening quote.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ„])")
LINK = re.compile(r"\[((?:[^\]\\]|\\.)*)\]\(([^)\s]+)\)")
AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
# Line breaks, hyphenation at line ends and case (text headings are upper case) vary by
# format; the words and their order do not.
_IGNORED = re.compile(r"[\s\-\u00ad\u2010\u2011]+")


def normal(text: str) -> str:
    return _IGNORED.sub("", text).casefold()


def seed_file(slug: str) -> Path:
    return SEEDS / f"{slug}.txt"


def plain(markdown: str) -> str:
    """The words of a Markdown paragraph as readers see them: links by their text, no
    emphasis marks, backslash escapes resolved."""
    text = LINK.sub(lambda m: m.group(1), markdown)
    text = AUTOLINK.sub(lambda m: m.group(1), text)
    text = re.sub(r"^#+\s*", "", text)
    text = re.sub(r"(?<!\\)\*+", "", text)  # emphasis marks; an escaped \* is a real star
    return re.sub(r"\\(.)", r"\1", text)


def seed_sentences(slug: str) -> list[str]:
    """Every sentence of the seed outside its structured blocks; a label's closing colon
    goes (the sample shows the label as a link's title)."""
    sentences = []
    for paragraph in re.split(r"\n\s*\n", seed_file(slug).read_text(encoding="utf-8")):
        text = " ".join(paragraph.split())
        if not text or STRUCTURED.match(text):
            continue
        lines = paragraph.split()
        if all(line.startswith("www.") for line in lines):  # a list of web addresses
            sentences += lines
            continue
        for sentence in SENTENCE_END.split(plain(text)):
            if not sentence.startswith(("http://", "https://")):  # a link target: see seed_urls
                sentences.append(sentence.rstrip(":").strip())
    return [s for s in sentences if s]


def seed_urls(slug: str) -> list[str]:
    """The web addresses the seed links to (its "#" links had none; mail links are checked
    with the contacts)."""
    text = seed_file(slug).read_text(encoding="utf-8")
    targets = [m.group(2) for m in LINK.finditer(text)] + AUTOLINK.findall(text)
    return [url for url in targets if url.startswith(("http://", "https://"))]


def html_text(data: bytes) -> str:
    document = lxml.html.document_fromstring(data)
    for br in document.iter("br"):  # an address's lines are words apart, not glued
        br.tail = "\n" + (br.tail or "")
    return str(document.body.text_content())




@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample room built once into a temporary folder."""
    import shutil

    root = tmp_path_factory.mktemp("seeds") / "sample"
    shutil.copytree(REPO / "releases", root / "releases")
    shutil.copytree(REPO / "templates", root / "templates")
    build_pressroom(root, root / "build", now=NOW)
    return root / "build" / "public"


def outputs(public: Path, slug: str) -> dict[str, str]:
    """The release's text in each format, read back with its parser."""
    base = public / slug / slug
    return {
        "html": html_text(base.with_suffix(".html").read_bytes()),
        "pdf": pdftotext(base.with_suffix(".pdf")),
        "docx": docx_text(base.with_suffix(".docx").read_bytes()),
        "text": base.with_suffix(".txt").read_text(encoding="utf-8"),
    }


@pytest.mark.parametrize("slug", [SLUG_2013, SLUG_2021])
def test_every_seed_sentence_appears_in_every_format(built: Path, slug: str) -> None:
    sentences = seed_sentences(slug)
    assert len(sentences) > 20  # the seed was read, not skipped
    for fmt, text in outputs(built, slug).items():
        shown = normal(text)
        missing = [s for s in sentences if normal(s) not in shown]
        assert not missing, f"{slug}.{fmt} lacks: {missing}"


@pytest.mark.parametrize("slug", [SLUG_2013, SLUG_2021])
def test_every_seed_link_target_is_linked_on_the_page_and_in_the_text(built: Path, slug: str) -> None:
    page = (built / slug / f"{slug}.html").read_bytes()
    hrefs = set(lxml.html.document_fromstring(page).xpath("//a/@href"))
    text = (built / slug / f"{slug}.txt").read_text(encoding="utf-8")
    for url in seed_urls(slug):
        url = url.replace("\\_", "_").replace("\\", "")
        assert url in hrefs, f"{slug}.html has no link to {url}"
        assert url in text, f"{slug}.txt does not show {url}"
    assert "#" not in hrefs


def test_the_2013_seed_links_without_a_target_are_plain_text(built: Path) -> None:
    page = (built / SLUG_2013 / f"{SLUG_2013}.html").read_bytes()
    anchors = lxml.html.document_fromstring(page).xpath("//main//a/text()")
    for name in ("migra e.V.", "VSP gGmbH", "Bundesagentur für Arbeit"):
        assert name not in anchors


def test_the_2013_release_is_coordinated_by_migra_as_its_seed_says(built: Path) -> None:
    for fmt, text in outputs(built, SLUG_2013).items():
        assert normal("Koordiniert durch migra e.V.") in normal(text), fmt


# Each seed's contact block: name, role as printed on that date, e-mail, phone digits.
SEED_CONTACTS = {
    SLUG_2013: [("Maja Kuntzsch", "Öffentlichkeitsarbeit", "kuntzsch@migra-mv.de", "0381 – 37 54 74 58")],
    SLUG_2021: [
        ("Maja Kuntzsch", "Öffentlichkeitsarbeit im IQ Netzwerk Mecklenburg-Vorpommern",
         "kuntzsch@migra-mv.de", "0381 37547458"),
        ("Dr. Maher Fakhouri", "Koordinator des IQ Netzwerks Mecklenburg-Vorpommern",
         "fakhouri@migra-mv.de", "0381 37799649"),
    ],
}


@pytest.mark.parametrize("slug", [SLUG_2013, SLUG_2021])
def test_each_seed_contact_block_shows_the_role_of_the_release_date(built: Path, slug: str) -> None:
    seed = " ".join(seed_file(slug).read_text(encoding="utf-8").split())
    for name, role, email, phone in SEED_CONTACTS[slug]:
        assert name in seed and email in seed  # the expectation is the seed's own block
        digits = re.sub(r"\D", "", phone)
        for fmt, text in outputs(built, slug).items():
            flat = " ".join(text.split())
            assert name in flat and email in flat, (fmt, name)
            assert normal(role) in normal(text), (fmt, role)
            assert digits in re.sub(r"\D", "", flat), (fmt, phone)


def test_the_2013_contact_block_does_not_show_the_later_role(built: Path) -> None:
    for fmt, text in outputs(built, SLUG_2013).items():
        assert "Öffentlichkeitsarbeit im IQ Netzwerk" not in " ".join(text.split()), fmt


@pytest.mark.parametrize(("slug", "number", "day"), [(SLUG_2013, "3/2013", "08.01.2013"),
                                                     (SLUG_2021, "1/2021", "26.08.2021")])
def test_each_release_shows_its_seed_number_and_date(built: Path, slug: str, number: str, day: str) -> None:
    for fmt, text in outputs(built, slug).items():
        assert number in text and day in text, fmt
