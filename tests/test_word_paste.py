"""Text pasted from Word: its bullets become real lists, its non-breaking spaces and soft
hyphens survive, its smart quotes stay -- in every format, read back with real parsers."""

from __future__ import annotations

import email
import subprocess
from email import policy
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from conftest import Room

from pressroom import markup
from pressroom.cli import cli

SLUG = "2021-09-01-word"
NOW = "2021-10-01T12:00"
SENTENCE = "Am 1.\u00a0September in der Ge\u00admein\u00adde „Rostock“ und ‚Schwerin‘, “quoted”."
BODY = ("Unsere Angebote:\n"
        "• Beratung für Zugewanderte\n"
        "•\tCoaching für Frauen\n\n"
        "– Erstens\n"
        "– Zweitens\n\n"
        f"{SENTENCE}\n")


class Lists(HTMLParser):
    """Collect the items of each <ul>, and all text, from real HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.lists: list[list[str]] = []
        self.item: list[str] | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "ul":
            self.lists.append([])
        elif tag == "li":
            self.item = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "li" and self.item is not None:
            self.lists[-1].append("".join(self.item).strip())
            self.item = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self.item is not None:
            self.item.append(data)


def read_html(html: str) -> Lists:
    parser = Lists()
    parser.feed(html)
    return parser


WANTED_LISTS = [["Beratung für Zugewanderte", "Coaching für Frauen"], ["Erstens", "Zweitens"]]


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A room with the pasted release, built, published and dispatched into its Maildir."""
    room = Room(tmp_path_factory.mktemp("word") / "room")
    room.ready(SLUG, body=BODY)
    common = ["--root", str(room.root), "--now", NOW]
    ledger = ["--queue", str(room.root / "var/q.sqlite3")]
    for args in (["build", *common], ["publish", *common, *ledger], ["dispatch", "--once", *common, *ledger]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
    return room.root


def output(root: Path, suffix: str) -> Path:
    return root / "build/public" / SLUG / f"{SLUG}.{suffix}"


def mail(root: Path) -> EmailMessage:
    (path,) = (root / "build/outbox/new").iterdir()
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_word_bullets_become_list_items_in_the_html_page(published: Path) -> None:
    page = read_html(output(published, "html").read_text(encoding="utf-8"))
    assert all(wanted in page.lists for wanted in WANTED_LISTS)
    assert SENTENCE in "".join(page.text)


def test_word_bullets_become_list_paragraphs_in_the_docx(published: Path) -> None:
    document = docx.Document(str(output(published, "docx")))
    bullets = [p.text for p in document.paragraphs if p.style is not None and p.style.name == "List Bullet"]
    assert bullets == [item for items in WANTED_LISTS for item in items]
    assert SENTENCE in [p.text for p in document.paragraphs]


def test_word_bullets_become_dashed_lines_in_the_text_version(published: Path) -> None:
    text = output(published, "txt").read_text(encoding="utf-8")
    assert ("Unsere Angebote:\n\n- Beratung für Zugewanderte\n- Coaching für Frauen\n\n- Erstens\n- Zweitens\n\n"
            f"{SENTENCE}\n") in text


def test_word_bullets_nbsp_and_soft_hyphens_reach_both_parts_of_the_email(published: Path) -> None:
    message = mail(published)
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None and html is not None
    plain_text = plain.get_content()
    assert "- Beratung für Zugewanderte\n- Coaching für Frauen\n" in plain_text
    assert SENTENCE in plain_text
    page = read_html(html.get_content())
    assert all(wanted in page.lists for wanted in WANTED_LISTS)
    assert SENTENCE in "".join(page.text)


def test_the_pdf_shows_the_bullets_and_keeps_the_words_whole(published: Path) -> None:
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(output(published, "pdf")), "-"], check=True,
                          capture_output=True, text=True).stdout
    lines = [line.strip() for line in text.splitlines()]
    for item in ("Beratung für Zugewanderte", "Coaching für Frauen", "Erstens", "Zweitens"):
        assert f"• {item}" in lines  # a real list: each item its own bulleted line
    # pdftotext gives the non-breaking space back as a space and leaves the invisible soft
    # hyphens out: the words are whole, no hyphen shows, the quotes are as written.
    assert "Am 1. September in der Gemeinde „Rostock“ und ‚Schwerin‘, “quoted”." in \
        " ".join(lines).replace("\u00a0", " ")


def test_bullets_in_code_blocks_and_inside_lines_stay_as_written() -> None:
    assert markup.word_lists("```\n• kein Punkt\n```\nText • mitten\n") == "```\n• kein Punkt\n```\nText • mitten\n"
    assert markup.word_lists("•ohne Abstand\n") == "•ohne Abstand\n"


def test_word_bullets_keep_the_line_count() -> None:
    text = "a\n• b\n– c\n▪ d\n· e\n"
    assert markup.word_lists(text).count("\n") == text.count("\n")
