"""In a German press room no problem `check` reports about a release file, the settings file
or a Word draft is in English: one broken file per check, every message read from the
command's output; an English room keeps English."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import docx
from click.testing import CliRunner
from conftest import SETTINGS, Room

from pressroom.cli import cli
from pressroom.load import load_pressroom

ENGLISH = (" the ", " is ", " must ", " not ", " has ", " no ", " and ", " before ", " very ",
           " does ", " exist", " still ", " replaced", " covered", " unknown", " missing", " with ",
           " write ", " such as ", " here", " line", " address", " allowed", " expected", " already",
           " cannot", " duplicate", " also ", " found", " saved", " created", " accepted", " became ",
           " recognised", " left out", " file ", " choose ", " in use")
# What the user wrote is quoted back as written: 'x', „x“, "x", [[x]]; it is not ours to translate.
QUOTED = re.compile(r"'[^']*'|„[^“]*“|\"[^\"]*\"|\[\[[^\]]*\]\]")
LOCATED = re.compile(r"^releases/[^:]+:\d+: (?:warning: )?(.*)$")
NOW = "2021-06-01T12:00"


def english(messages: list[str]) -> list[str]:
    """The *messages* that still hold an English word once what the user wrote is taken out."""
    return [message for message in messages if any(word in f" {QUOTED.sub('', message)} " for word in ENGLISH)]


def located(output: str) -> list[str]:
    """The messages of the `path:line: message` lines of *output*."""
    return [m.group(1) for line in output.splitlines() if (m := LOCATED.match(line))]


def broken_room(room: Room) -> None:
    """One release per release-author check."""
    (room.releases / "bild.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="3"/>',
                                           encoding="utf-8")
    room.ready("2021-05-01-platzhalter", body="[[Platzhalter: Zitat der Vorsitzenden]]\n")
    room.ready("2021-05-02-todo", extra="todo: [Uhrzeit klären]\n")
    room.release("2021-05-03-entwurf", "title: Entwurf\ndate: 2021-05-03\nstatus: draft\ntodo: [Foto]\n")
    room.ready("2021-05-04-bild", extra="images: [{file: bild.svg}]\n")
    room.ready("2021-03-28-sommerzeit", extra="embargo: 2021-03-28T02:30\n")
    room.release("2021-03-28-uhrzeit", "title: Uhrzeit\ndate: 2021-03-28T02:30\nlead: Vorspann.\nstatus: ready\n",
                 "Text.\n")
    room.ready("2021-05-05-neu", extra="updated: 2021-05-04T09:30:00\n")
    room.ready("2010-05-04-frueh")
    room.ready("2021-05-06-baustein", extra="boilerplate: gibtsnicht\n")
    room.ready("2021-05-07-links", extra="links: [{title: Leer, url: '#'}]\n")
    room.ready("2021-05-08-lang", title="Eine sehr lange Überschrift " * 8)
    room.ready("2021-05-09-kontakt", extra="contacts: [niemand]\n")
    room.ready("2021-05-10-datum", extra="embargo: 31.12.2021\n")
    # the values the schema's validators refuse
    room.release("2021-05-11-umbruch", 'title: "Zeile\\nzwei"\ndate: 2021-05-11\nlead: V.\nstatus: ready\n')
    room.ready("2021-05-12-adresse", extra="contacts:\n  - name: Gast\n    email: kein-at\n")
    room.ready("2021-05-13-termin", extra="event: {title: Pressekonferenz, start: 2021-06-01}\n")
    room.ready("2021-05-14-sprache", extra="language: fr\n")
    room.ready("2021-05-15-zeitpunkt", extra="embargo: bald\n")
    room.release("2021-05-16-liste", "- eins\n- zwei\n")
    # the body text
    room.ready("2021-05-17-link", body="Ein [Link]() ohne Ziel.\n")
    room.ready("2021-05-18-steuer", body="Ein Glockenzeichen \x07 im Text.\n")
    room.ready("2021-05-19-bildlos", body="![Ein Bild](fehlt.png)\n")
    (room.releases / "2021-05-20-kodierung.md").write_bytes(
        b"---\ntitle: Gr\xf6\xdfe\ndate: 2021-05-20\n---\nText.\n")
    # file names, slugs and numbers
    room.ready("2021-05-21-Gross Buchstaben")
    room.ready("archiv/2021-05-01-platzhalter")
    room.ready("2021-05-22-nummer", extra="number: 7/2021\n")
    room.ready("2021-05-23-nummer", extra="number: 7/2021\n")


def test_no_problem_of_a_release_file_is_english_in_a_german_room(room: Room) -> None:
    broken_room(room)
    result = CliRunner().invoke(cli, ["check", "--root", str(room.root), "--now", NOW])
    assert result.exit_code == 1
    files = {line.split(":")[0] for line in result.output.splitlines() if LOCATED.match(line)}
    assert len(files) == 13 + 13, result.output  # every broken release (of two with one number, the second)
    assert english(located(result.output)) == []


def test_a_number_that_belongs_to_a_published_release_is_refused_in_german(room: Room) -> None:
    room.ready("2021-05-04-eins", extra="number: 9/2021\n")
    room.ready("2021-05-05-zwei", extra="number: 1/2021\n")
    frozen = {"1/2021": "2021-05-04-eins", "2/2021": "2021-01-10-weg"}
    room.ready("2021-05-06-drei", extra="number: 2/2021\n")
    result = load_pressroom(room.root, datetime.fromisoformat(NOW), frozen)
    messages = [p.message for p in result.errors]
    assert len(messages) == 3 and all(m.startswith("number: ") for m in messages), messages
    assert english(messages) == []


def test_the_settings_files_own_problems_are_german_where_its_site_language_is_de(room: Room) -> None:
    room.write_settings(
        SETTINGS.replace("default_contacts: [anna]", "default_contacts: [anna, zoe]")
        .replace("timezone: Europe/Berlin", "timezone: Europe/Rostock")
        .replace("valid_until: 2018-12-31", "valid_until: 2012-12-31")
        .replace("  base_url: https://presse.beispiel.example\n", "")
        + "distribution:\n  channels:\n    outbox: {type: maildir}\n  lists:\n"
          "    presse: {channel: post, recipients: []}\n    leer: {channel: outbox}\n"
          "  default_lists: [fehlt]\n"
    )
    result = CliRunner().invoke(cli, ["check", "--root", str(room.root), "--now", NOW])
    assert result.exit_code == 1
    messages = located(result.output)
    assert len(messages) >= 6, result.output
    assert "unbekannter Kontakt 'zoe' (bekannt: anna, ben)" in messages
    assert english(messages) == []


def german_draft(path: Path) -> Path:
    """A Word draft with a title, a bold lead and a paragraph, written by python-docx."""
    document = docx.Document()
    document.add_paragraph("Neues Labor in Rostock", style="Title")
    document.add_paragraph().add_run("Das Netzwerk eröffnet ein Labor.").bold = True
    document.add_paragraph("Am Montag beginnt die Arbeit.")
    document.save(str(path))
    return path


def test_an_import_in_a_german_room_reports_in_german(room: Room, tmp_path: Path) -> None:
    draft = german_draft(tmp_path / "Entwurf.docx")
    runner = CliRunner()
    first = runner.invoke(cli, ["import", str(draft), "--date", "2021-05-04", "--root", str(room.root)])
    assert first.exit_code == 0, first.output
    assert first.output.startswith("angelegt: ")
    again = runner.invoke(cli, ["import", str(draft), "--date", "2021-05-04", "--root", str(room.root)])
    (tmp_path / "kaputt.docx").write_bytes(b"PK\x03\x04 abgeschnitten")
    (tmp_path / "brief.docx").write_text("Nur Text", encoding="utf-8")
    refused = [runner.invoke(cli, ["import", str(tmp_path / name), "--root", str(room.root)])
               for name in ("kaputt.docx", "brief.docx")]
    assert [again.exit_code] + [r.exit_code for r in refused] == [1, 1, 1]
    lines = [line.split(": ", 1)[1] for r in (first, again, *refused) for line in r.output.splitlines()]
    assert english([line for line in lines if not line.startswith("/")]) == [], lines


def test_an_english_room_keeps_english(room: Room) -> None:
    room.write_settings(SETTINGS.replace("language: de", "language: en"))
    room.release("2021-05-11-umbruch", 'title: "Zeile\\nzwei"\ndate: 2021-05-11\nlead: V.\nstatus: ready\n')
    room.ready("2021-05-17-link", body="Ein [Link]() ohne Ziel.\n")
    room.ready("2021-05-21-Gross Buchstaben")
    result = CliRunner().invoke(cli, ["check", "--root", str(room.root), "--now", "bald"])
    assert result.output.strip().endswith("--now: 'bald' is not an ISO 8601 date or datetime: write it as "
                                          "year-month-day and time, such as 2021-05-04T10:00")
    result = CliRunner().invoke(cli, ["check", "--root", str(room.root), "--now", NOW])
    assert sorted(located(result.output)) == [
        "file name must be YYYY-MM-DD-slug.md (lower-case letters, digits, dashes): rename it, "
        "such as 2021-05-04-new-lab.md",
        "link 'Link' has no target: write the web address in the round brackets, like this: "
        "[text](https://example.org)",
        "title: line breaks are not allowed here: write it on one line",
    ]
