"""Which pasted Word bullet lines become list items: "–" only where a list can start,
the other Word bullets always (they never start prose). Read back with html.parser."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from pressroom import markup


class Blocks(HTMLParser):
    """Collect list items and paragraphs' text from real HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[str] = []
        self.paragraphs: list[str] = []
        self.open: list[str] = []
        self.buffer: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("li", "p") and not self.open:
            self.open.append(tag)
            self.buffer = []

    def handle_endtag(self, tag: str) -> None:
        if self.open and tag == self.open[-1]:
            self.open.pop()
            text = " ".join("".join(self.buffer).split())
            (self.items if tag == "li" else self.paragraphs).append(text)

    def handle_data(self, data: str) -> None:
        if self.open:
            self.buffer.append(data)


def blocks(text: str) -> Blocks:
    parser = Blocks()
    parser.feed(markup.to_html(text))
    return parser


def test_a_gedankenstrich_wrapped_inside_a_paragraph_stays_text() -> None:
    read = blocks("Das Netzwerk wächst\n– und das seit zehn Jahren.\n\nNächster Absatz.")
    assert read.items == []
    assert read.paragraphs == ["Das Netzwerk wächst – und das seit zehn Jahren.",
                               "Nächster Absatz."]


def test_a_single_dash_line_starting_a_paragraph_is_an_item() -> None:
    read = blocks("Einleitung.\n\n– Beratung für Zugewanderte\n\nSchluss.")
    assert read.items == ["Beratung für Zugewanderte"]
    assert read.paragraphs == ["Einleitung.", "Schluss."]


def test_dash_lines_next_to_each_other_after_a_text_line_are_a_list() -> None:
    read = blocks("Unsere Angebote:\n– Beratung\n– Coaching\n\nSchluss.")
    assert read.items == ["Beratung", "Coaching"]
    assert read.paragraphs == ["Unsere Angebote:", "Schluss."]


def test_a_dash_line_is_an_item_when_the_next_line_is_one() -> None:
    # The first dash line follows text, the second follows the first: both are items.
    read = blocks("Wir bieten:\n– Beratung\n– Coaching")
    assert read.items == ["Beratung", "Coaching"]


def test_a_wrapped_dash_line_before_another_kind_of_bullet_stays_text() -> None:
    read = blocks("Das Netzwerk wächst\n– und das seit zehn Jahren.\n• Beratung")
    assert read.items == ["Beratung"]
    assert read.paragraphs == ["Das Netzwerk wächst – und das seit zehn Jahren."]


@pytest.mark.parametrize("bullet", ["•", "▪", "◦", "·", "\uf0b7"])
def test_other_word_bullets_are_items_even_inside_a_paragraph(bullet: str) -> None:
    read = blocks(f"Unsere Angebote sind\n{bullet} Beratung\n\nSchluss.")
    assert read.items == ["Beratung"]
    assert read.paragraphs == ["Unsere Angebote sind", "Schluss."]


def test_a_dash_line_in_a_code_block_stays_as_written() -> None:
    assert "– eins" in markup.word_lists("```\n– eins\n– zwei\n```")
