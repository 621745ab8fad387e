"""In a German press room no problem `check` reports about a release file is in English:
one broken release per check, every message read from the command's output."""

from __future__ import annotations

import re

from click.testing import CliRunner
from conftest import Room

from pressroom.cli import cli

ENGLISH = (" the ", " is ", " must ", " not ", " has ", " no ", " and ", " before ", " very ",
           " does ", " exist", " still ", " replaced", " covered", " unknown", " missing")
# What the user wrote is quoted back as written: 'x', „x“, [[x]]; it is not ours to translate.
QUOTED = re.compile(r"'[^']*'|„[^“]*“|\[\[[^\]]*\]\]")
LOCATED = re.compile(r"^releases/[^:]+:\d+: (?:warning: )?(.*)$")


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


def test_no_problem_of_a_release_file_is_english_in_a_german_room(room: Room) -> None:
    broken_room(room)
    result = CliRunner().invoke(cli, ["check", "--root", str(room.root), "--now", "2021-06-01T12:00"])
    assert result.exit_code == 1
    messages = [m.group(1) for line in result.output.splitlines() if (m := LOCATED.match(line))]
    files = {line.split(":")[0] for line in result.output.splitlines() if LOCATED.match(line)}
    assert len(files) == 13, result.output  # every broken release was reported
    english = [message for message in messages
               if any(word in f" {QUOTED.sub('', message)} " for word in ENGLISH)]
    assert english == []
