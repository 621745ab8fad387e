"""Recognising the press room's own blocks in a draft's lines: tolerant about how they
were pasted, and never dropping a line that is not one of them."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from pressroom.draft_blocks import blocks_to_drop
from pressroom.model import Settings
from pressroom.settings import load_settings

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("room")
    (root / "releases").mkdir()
    shutil.copy(REPO / "releases" / "pressroom.yaml", root / "releases")
    shutil.copy(REPO / "releases" / "journalists-trusted.csv", root / "releases")
    loaded, problems = load_settings(root)
    assert loaded is not None, problems
    return loaded


def kept(lines: list[str | None], settings: Settings) -> list[str | None]:
    drop, _contacts, _funders = blocks_to_drop(lines, settings, DAY)
    return [line for index, line in enumerate(lines) if index not in drop]


DAY = date(2021, 8, 26)  # in the 2019-2022 funding period

FUNDER_2019 = (
    "Das Förderprogramm „Integration durch Qualifizierung (IQ)“ zielt auf die nachhaltige Verbesserung "
    "der Arbeitsmarktintegration von Erwachsenen mit Migrationshintergrund ab. Daran arbeiten bundesweit "
    "Landesnetzwerke, die von Fachstellen zu migrationspezifischen Schwerpunktthemen unterstützt werden. "
    "Das Programm wird durch das Bundesministerium für Arbeit und Soziales (BMAS) und den Europäischen "
    "Sozialfonds (ESF) gefördert. Partner in der Umsetzung sind das Bundesministerium für Bildung und "
    "Forschung (BMBF) und die Bundesagentur für Arbeit (BA)."
)


def test_contact_block_with_nbsp_soft_hyphens_and_other_phone_spacing_becomes_its_id(
    settings: Settings,
) -> None:
    lines: list[str | None] = [
        "Der Text.", "Kontakt:", "Maja\u00a0Kuntzsch", "Öffentlichkeits\u00adarbeit",
        "E-Mail: KUNTZSCH@migra-mv.de", "Tel. 0381/37 54 74 58",
    ]
    drop, contacts, _ = blocks_to_drop(lines, settings, DAY)
    assert contacts == ["kuntzsch"]
    assert drop == {1, 2, 3, 4, 5}


def test_contact_on_one_line_with_a_misspelt_role_above_it_is_recognised(settings: Settings) -> None:
    lines: list[str | None] = [
        "Koordinator des IQ N Netzwerks Mecklenburg-Vorpommern:",
        "Dr. Maher Fakhouri, fakhouri@migra-mv.de, Telefon: 0381 37799649",
    ]
    drop, contacts, _ = blocks_to_drop(lines, settings, DAY)
    assert contacts == ["fakhouri"] and drop == {0, 1}


def test_prose_that_names_a_contact_or_the_organisation_is_kept(settings: Settings) -> None:
    lines: list[str | None] = [
        "Maja Kuntzsch sagt: Das Fest wird schön.",
        "migra e.V. feiert mit.",
        "Öffentlichkeitsarbeit",  # a role alone, without its contact, is the release's own text
        "Rostock",
    ]
    assert kept(lines, settings) == lines


def test_funder_text_pasted_with_hard_line_breaks_and_a_typo_is_removed(settings: Settings) -> None:
    words = FUNDER_2019.replace("Landesnetzwerke", "Landesnetzwerk").split()
    pasted = [" ".join(words[i:i + 9]) for i in range(0, len(words), 9)]
    lines: list[str | None] = ["Der letzte Satz der Meldung.", *pasted, "www.netzwerk-iq.de"]
    drop, _, funders = blocks_to_drop(lines, settings, DAY)
    assert funders == ["iq-2019"]
    assert kept(lines, settings) == ["Der letzte Satz der Meldung."]


def test_address_needs_two_of_its_lines_and_a_table_breaks_a_block(settings: Settings) -> None:
    assert kept(["Waldemarstraße 32", None, "18057 Rostock"], settings) == [
        "Waldemarstraße 32", None, "18057 Rostock"]
    assert kept(["Koordiniert durch", "migra e.V.", "Waldemarstraße\u00a032", "18057  Rostock"],
                settings) == []


def test_a_label_alone_is_kept(settings: Settings) -> None:
    assert kept(["Kontakt:", "Schreiben Sie uns."], settings) == ["Kontakt:", "Schreiben Sie uns."]


def test_a_similar_name_or_address_is_someone_else_and_stays(settings: Settings) -> None:
    lines: list[str | None] = ["Max Kuntzsch", "kuntzsch@example.org", "Waldemarstraße 23", "18059 Rostock"]
    assert kept(lines, settings) == lines


def test_a_funder_text_of_two_similar_periods_is_named_by_the_period_of_the_drafts_date(
    settings: Settings,
) -> None:
    paragraphs = settings.boilerplates["iq-2013"].text.split("\n\n")
    main = max(paragraphs, key=len).replace("\n", " ")
    lines: list[str | None] = ["Der letzte Satz der Meldung.", main]
    drop, _, funders = blocks_to_drop(lines, settings, date(2013, 1, 8))
    assert funders == ["iq-2013"] and drop == {1}
