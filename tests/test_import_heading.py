"""The lines above a draft's title: number, place and date are read only from lines
that hold nothing else, so a sentence with a date in it stays in the text."""

from __future__ import annotations

from datetime import date

import pytest

from pressroom.draft_import import parse_day


@pytest.mark.parametrize(("line", "day"), [
    ("26.08.2021", date(2021, 8, 26)),
    ("8. Januar 2013", date(2013, 1, 8)),
    ("8 March 2013", date(2013, 3, 8)),
    ("2021-08-26", date(2021, 8, 26)),
    (" 1. 2. 2020 ", date(2020, 2, 1)),
])
def test_a_line_that_is_only_a_date_is_read(line: str, day: date) -> None:
    assert parse_day(line) == day


@pytest.mark.parametrize("line", [
    "Am 8. Januar 2013 feiert das Netzwerk.", "31.02.2021", "8. Brumaire 2013", "Seit 2011",
])
def test_a_sentence_or_an_impossible_date_is_not_a_date_line(line: str) -> None:
    assert parse_day(line) is None
