"""The front-matter key `todo:` (what is still to do, from Word comments): a list of
one-line texts; a draft shows each as a warning, a ready release is refused while any remains."""

from __future__ import annotations

from conftest import NOW, Room

from pressroom.load import load_pressroom


def problems(room: Room) -> list[str]:
    return [p.format(room.root) for p in load_pressroom(room.root, NOW).problems]


def test_a_drafts_todos_are_warnings_on_their_lines(room: Room) -> None:
    room.release("2029-05-01-fest", "title: Fest\ndate: 2029-05-01\nlead: L.\n"
                 "todo:\n  - Uhrzeit klären\n  - Foto-Credit nachtragen\nstatus: draft")
    found = problems(room)
    assert "releases/2029-05-01-fest.md:6: warning: todo: noch zu erledigen: Uhrzeit klären" in found
    assert "releases/2029-05-01-fest.md:7: warning: todo: noch zu erledigen: Foto-Credit nachtragen" in found
    assert load_pressroom(room.root, NOW).errors == []


def test_a_ready_release_with_a_todo_is_an_error_on_the_todo_line(room: Room) -> None:
    room.ready("2029-05-01-fest", extra="todo: [Uhrzeit klären]\n")
    assert ("releases/2029-05-01-fest.md:6: todo: vor der Veröffentlichung noch zu erledigen: Uhrzeit klären "
            "(erledigen Sie es und löschen Sie dann die Zeile)" in problems(room))


def test_a_ready_release_without_todos_passes(room: Room) -> None:
    room.ready("2029-05-01-fest", extra="todo: []\n")
    assert load_pressroom(room.root, NOW).errors == []


def test_todo_must_be_a_list_of_one_line_texts(room: Room) -> None:
    room.release("2029-05-01-fest", "title: Fest\ndate: 2029-05-01\ntodo: Uhrzeit klären\n")
    room.release("2029-05-02-fest", "title: Fest\ndate: 2029-05-02\ntodo:\n  - 3\n")
    found = problems(room)
    assert "releases/2029-05-01-fest.md:4: todo: erwartet wird eine Liste, hier steht 'Uhrzeit klären'" in found
    assert "releases/2029-05-02-fest.md:5: todo[0]: erwartet wird Text, hier steht die Zahl 3; setzen Sie den Wert in Anführungszeichen" in found
