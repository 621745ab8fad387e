"""The plain-text release: wrapped at 72 columns, Markdown walked token by token."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import NOW, PERIOD_TEXTS, SLUG_2013, SLUG_2021, Room, load_sample

from pressroom.model import Pressroom
from pressroom.render import RenderContext
from pressroom.render.plaintext import WIDTH, link_text, markdown_to_text
from pressroom.render.text import render_text


def text_of(pressroom: Pressroom, slug: str, now: datetime = NOW) -> str:
    ctx = RenderContext.for_settings(pressroom.settings, now)
    return render_text(pressroom.release(slug), ctx).decode("utf-8")


def flat(text: str) -> str:
    return " ".join(text.split())


def test_text_release_has_every_part_in_reading_order(sample_root: Path) -> None:
    text = text_of(load_sample(sample_root), SLUG_2021)
    lines = text.splitlines()
    assert lines[0] == "Pressemitteilung 1/2021"
    assert lines[1] == "Rostock, 26.08.2021"
    assert lines[3:5] == [
        "Netzwerk zur Arbeitsmarktintegration von Migrant*innen in",
        "Mecklenburg-Vorpommern feiert 10-jähriges Bestehen",
    ]
    assert set(lines[5]) == {"="} and len(lines[5]) == len(lines[3])
    parts = [
        "Seit nunmehr 10 Jahren engagiert sich",  # lead
        "In Mecklenburg-Vorpommern haben rund 8,1%",  # body
        "Mehr Informationen\n------------------",
        "- Podcast „Diversity Dialoge“ zur Vielfalt in der Arbeitswelt\n  (https://anchor.fm/iq-netzwerk-mv)",
        "Pressekontakte\n--------------\nMaja Kuntzsch\n",
        "E-Mail: fakhouri@migra-mv.de\nTel. 0381 37799649",
        "Europäischen Sozialfonds (ESF)",
        "<http://www.netzwerk-iq.de>",
        "migra e.V.\nWaldemarstraße 32\n18057 Rostock",
    ]
    positions = [text.find(part) for part in parts]
    assert -1 not in positions, [p for p, at in zip(parts, positions, strict=True) if at == -1]
    assert positions == sorted(positions)


def test_text_lines_wrap_at_72_columns_except_unbreakable_urls(sample_root: Path) -> None:
    pressroom = load_sample(sample_root)
    for slug in (SLUG_2021, SLUG_2013):
        for line in text_of(pressroom, slug).splitlines():
            assert len(line) <= WIDTH or " " not in line.strip(), line


def test_text_keeps_escaped_asterisks_as_asterisks(sample_root: Path) -> None:
    text = text_of(load_sample(sample_root), SLUG_2021)
    assert "Einwohner*innen" in text and "Arbeitnehmer*innen" in text
    assert "\\" not in text


@pytest.mark.parametrize(("slug", "present", "absent"), PERIOD_TEXTS)
def test_text_boilerplate_is_the_one_of_the_release_period(
    sample_root: Path, slug: str, present: str, absent: str
) -> None:
    text = flat(text_of(load_sample(sample_root), slug))
    assert present in text
    assert absent not in text


def test_text_links_to_nowhere_keep_only_their_words(sample_root: Path) -> None:
    text = flat(text_of(load_sample(sample_root), SLUG_2013))
    assert "Neben der koordinierenden Stelle migra e.V. und den Organisationen VSP gGmbH," in text
    assert "(#)" not in text


def test_text_embargo_notice_leads_while_the_embargo_holds(room: Room) -> None:
    room.ready("2029-12-30-sperre", extra="embargo: 2030-01-02T10:00:00\n")
    pressroom = room.load(NOW)
    before = text_of(pressroom, "2029-12-30-sperre", NOW)
    assert before.startswith("*" * WIDTH + "\nSperrfrist: 02.01.2030, 10:00 Uhr.")
    after = text_of(pressroom, "2029-12-30-sperre", datetime(2030, 1, 3, tzinfo=UTC))
    assert "Sperrfrist" not in after


def test_text_marks_drafts(room: Room) -> None:
    room.release("2024-01-01-entwurf", "title: Entwurf\ndate: 2024-01-01\nstatus: draft")
    text = text_of(room.load(NOW), "2024-01-01-entwurf")
    assert "Entwurf – nicht zur Veröffentlichung" in text.split("Pressemitteilung")[0]


MARKDOWN = """\
# Überschrift

## Unterpunkt

### Kleiner Punkt

Ein Absatz mit *Betonung*, **Fettem**, `Code`, [einem Link](https://example.org/a),
<https://example.org/b> und ![ein Bild](foto.jpg).\\
Neue Zeile nach hartem Umbruch.

- eins
- zwei
  - zwei-a

3. drei
4. vier

> Zitat über
> zwei Zeilen

```
code  bleibt
```

| A | B |
|---|---|
| 1 | 2 |

---

[Böse](javascript:alert(1))
"""


def test_markdown_blocks_become_plain_text_conventions() -> None:
    text = markdown_to_text(MARKDOWN)
    assert text.startswith("Überschrift\n===========\n\nUnterpunkt\n----------\n\nKLEINER PUNKT\n\n")
    assert (
        "Ein Absatz mit Betonung, Fettem, Code, einem Link\n(https://example.org/a), "
        "<https://example.org/b> und [ein Bild].\nNeue Zeile nach hartem Umbruch." in text
    )
    assert "- eins\n- zwei\n  - zwei-a" in text
    assert "3. drei\n4. vier" in text
    assert "> Zitat über zwei Zeilen" in text
    assert "    code  bleibt" in text
    assert "A | B\n1 | 2" in text
    assert "* * *" in text
    assert "(javascript:" not in text.replace("[Böse](javascript:alert(1))", "")


def test_long_list_items_wrap_under_their_text() -> None:
    text = markdown_to_text("- " + "Wort " * 30 + "\n")
    lines = text.splitlines()
    assert lines[0].startswith("- Wort") and all(line.startswith("  Wort") for line in lines[1:])
    assert max(len(line) for line in lines) <= WIDTH


@pytest.mark.parametrize(
    ("text", "url", "expected"),
    [
        ("Seite", "https://example.org", "Seite (https://example.org)"),
        ("https://example.org", "https://example.org", "<https://example.org>"),
        ("www.example.org", "http://www.example.org", "<http://www.example.org>"),
        ("Böse", "javascript:alert(1)", "Böse"),
        ("Leer", "#", "Leer"),
    ],
)
def test_link_text_forms(text: str, url: str, expected: str) -> None:
    assert link_text(text, url) == expected
