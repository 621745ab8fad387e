"""Errors in release and settings files say what to do, in the room's language (issue 10).

Each test writes the mistake PR staff make into a copy of the sample room (German)
or a small English room, runs ``pressroom check`` and asserts the exact located line.
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result
from conftest import SETTINGS, Room

from pressroom.cli import cli
from pressroom.messages import iso_of_german_date, say

SLUG = "2021-09-01-sommerfest"
READY = "title: Sommerfest\ndate: 2021-09-01\nlead: Der Vorspann.\nstatus: ready\n"


def check(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["check", "--root", str(root), "--now", "2030-01-01", *args])


def write(root: Path, name: str, text: str) -> Path:
    path = root / "releases" / name
    path.write_text(text, encoding="utf-8")
    return path


def lines_of(result: Result, name: str = SLUG) -> list[str]:
    """The problem lines about releases/<name>.md, as printed."""
    return [line for line in result.stdout.splitlines() if line.startswith(f"releases/{name}.md:")]


def english(room: Room) -> Room:
    room.write_settings(SETTINGS.replace("language: de", "language: en"))
    return room


def test_an_unquoted_colon_in_the_title_shows_the_line_with_quotes(sample_root: Path) -> None:
    write(sample_root, f"{SLUG}.md", "---\ntitle: Sommerfest: alle sind eingeladen\ndate: 2021-09-01\n---\nText.\n")
    result = check(sample_root)
    assert result.exit_code == 1
    assert lines_of(result) == [
        f"releases/{SLUG}.md:2: Doppelpunkt im Wert: setzen Sie den Wert in Anführungszeichen, so: "
        'title: "Sommerfest: alle sind eingeladen"'
    ]


def test_an_unquoted_colon_in_an_english_room_is_said_in_english(room: Room) -> None:
    english(room).release(SLUG, 'title: Summer party: all "welcome"\ndate: 2021-09-01')
    assert lines_of(check(room.root)) == [
        f"releases/{SLUG}.md:2: a colon inside a value: put the value in quotes, like this: "
        'title: "Summer party: all \\"welcome\\""'
    ]


def test_a_tab_says_to_indent_with_spaces(sample_root: Path) -> None:
    write(sample_root, f"{SLUG}.md", "---\ntitle: Sommerfest\ndate: 2021-09-01\nlinks:\n\t- title: x\n---\nText.\n")
    assert lines_of(check(sample_root)) == [
        f"releases/{SLUG}.md:5: Tabulatorzeichen: rücken Sie mit Leerzeichen ein, nicht mit der Tab-Taste"
    ]


def test_an_unclosed_front_matter_says_where_the_dashes_are_missing(sample_root: Path) -> None:
    write(sample_root, f"{SLUG}.md", "---\ntitle: Sommerfest\ndate: 2021-09-01\n\nDer Text beginnt hier.\n")
    assert lines_of(check(sample_root)) == [
        f"releases/{SLUG}.md:1: der Kopfbereich, der in Zeile 1 beginnt, wird nicht geschlossen: fügen Sie "
        "nach seinem letzten Eintrag (Zeile 3) eine Zeile --- ein, vor dem Text"
    ]


def test_a_word_line_break_in_the_body_names_its_line_and_the_fix(sample_root: Path) -> None:
    write(sample_root, f"{SLUG}.md", f"---\n{READY}---\nErste Zeile\x0bzweite Zeile.\n")
    assert lines_of(check(sample_root)) == [
        f"releases/{SLUG}.md:7: ein aus Word eingefügter Zeilenumbruch (U+000B, Umschalt+Eingabe): löschen Sie "
        "ihn und drücken Sie Eingabe für einen neuen Absatz, oder setzen Sie ein Leerzeichen"
    ]


def test_a_unicode_line_separator_in_the_title_keeps_the_lines_right(room: Room) -> None:
    english(room)
    write(room.root, f"{SLUG}.md", "---\ntitle: Sommer\u2028fest\ndate: 2021-09-01\ntags: [a, b\n---\nText.\n")
    assert lines_of(check(room.root)) == [
        f"releases/{SLUG}.md:2: a line break pasted from Word (U+2028, Shift+Enter): delete it and press Enter "
        "for a new paragraph, or type a space",
        # the syntax error after it is still on its own line, not shifted by the separator
        f"releases/{SLUG}.md:5: YAML syntax error: did not find expected ',' or ']' "
        "(check the spelling of this line: key, colon, space, value)",
    ]


def test_a_german_date_says_to_write_year_month_day(sample_root: Path) -> None:
    write(sample_root, f"{SLUG}.md", "---\ntitle: Sommerfest\ndate: 31.12.2021\n---\nText.\n")
    write(sample_root, "2021-09-02-kurz.md", "---\ntitle: Kurz\ndate: 1.9.21\n---\nText.\n")
    result = check(sample_root)
    assert lines_of(result) == [
        f"releases/{SLUG}.md:3: date: schreiben Sie das Datum als 2021-12-31 (Jahr-Monat-Tag), nicht 31.12.2021"
    ]
    assert lines_of(result, "2021-09-02-kurz") == [
        "releases/2021-09-02-kurz.md:3: date: schreiben Sie das Datum als 2021-09-01 (Jahr-Monat-Tag), nicht 1.9.21"
    ]


def test_german_dates_are_read_only_when_they_are_dates() -> None:
    assert iso_of_german_date("31.12.2021 10:00") == "2021-12-31 10:00"
    assert iso_of_german_date("32.12.2021") is None
    assert iso_of_german_date("2021-12-31") is None


def test_validation_messages_are_english_in_an_english_room(room: Room) -> None:
    english(room).release(SLUG, "titel: Sommerfest\ndate: 2021-09-01\ntags: Feier")
    assert lines_of(check(room.root)) == [
        f"releases/{SLUG}.md:1: title: required key is missing",
        f"releases/{SLUG}.md:2: titel: unknown key, did you mean title?",
        f"releases/{SLUG}.md:4: tags: expected a list, got 'Feier'",
    ]


def test_the_settings_file_speaks_the_language_it_names(sample_root: Path) -> None:
    settings = sample_root / "releases/pressroom.yaml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace("  default_place: Rostock", "  default_place: Rostock: Hanse"),
                        encoding="utf-8")
    line = text.splitlines().index("  default_place: Rostock") + 1
    result = check(sample_root)
    assert result.exit_code == 1
    assert f"releases/pressroom.yaml:{line}: Doppelpunkt im Wert: setzen Sie den Wert in Anführungszeichen, " \
           'so: default_place: "Rostock: Hanse"' in result.stdout.splitlines()


def test_a_byte_order_mark_and_crlf_line_ends_are_accepted(room: Room) -> None:
    text = f"---\n{READY}---\nText.\n".replace("\n", "\r\n")
    (room.releases / f"{SLUG}.md").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    result = check(room.root)
    assert result.exit_code == 0, result.output
    assert "check ok: 1 release(s), 0 error(s), 0 warning(s)" in result.stdout


def test_line_numbers_stay_right_in_a_crlf_file_with_a_byte_order_mark(room: Room) -> None:
    text = f"---\n{READY}contcts: [anna]\n---\nText.\n".replace("\n", "\r\n")
    (room.releases / f"{SLUG}.md").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert lines_of(check(room.root)) == [
        f"releases/{SLUG}.md:6: contcts: unbekannter Schlüssel, meinten Sie contacts?"
    ]


def test_files_that_look_like_releases_but_are_not_md_are_reported(room: Room) -> None:
    room.ready(SLUG)
    front = f"---\n{READY}---\nText.\n"
    for name in ("2021-09-03-a.markdown", "2021-09-04-b.MD", "2021-09-05-c.txt", "2021-09-06-d.md.docx"):
        write(room.root, name, front)
    write(room.root, "notizen.txt", "keine Meldung\n")
    result = check(room.root)
    assert result.exit_code == 0
    hint = ("warning: sieht aus wie eine Meldung, wird aber nicht gelesen (nur Dateien mit der Endung .md): "
            "benennen Sie sie in {} um")
    assert [line for line in result.stdout.splitlines() if "sieht aus" in line] == [
        f"releases/2021-09-03-a.markdown:1: {hint.format('2021-09-03-a.md')}",
        f"releases/2021-09-04-b.MD:1: {hint.format('2021-09-04-b.md')}",
        f"releases/2021-09-05-c.txt:1: {hint.format('2021-09-05-c.md')}",
        f"releases/2021-09-06-d.md.docx:1: {hint.format('2021-09-06-d.md')}",
    ]


def test_an_unknown_list_name_lists_the_known_ones(sample_root: Path) -> None:
    write(sample_root, f"{SLUG}.md", f"---\n{READY}distribution: [presse]\n---\nText.\n")
    assert lines_of(check(sample_root)) == [
        f"releases/{SLUG}.md:6: distribution: unbekannte Verteilerliste 'presse' (bekannt: presse-mv, vertraut)"
    ]


def test_a_file_name_whose_date_differs_from_date_is_a_warning(room: Room) -> None:
    room.release(SLUG, "title: Sommerfest\ndate: 2021-09-02\nlead: x")
    result = check(room.root)
    assert result.exit_code == 0
    assert lines_of(result) == [
        f"releases/{SLUG}.md:3: warning: der Dateiname nennt 2021-09-01, aber date: sagt 2021-09-02: benennen "
        "Sie die Datei in 2021-09-02-sommerfest.md um oder korrigieren Sie das Datum"
    ]


def test_an_empty_body_warns_for_a_draft_and_stops_a_ready_release(room: Room) -> None:
    room.release(SLUG, "title: Sommerfest\ndate: 2021-09-01\nlead: x", body="\n")
    room.release("2021-09-02-fertig", READY.replace("2021-09-01", "2021-09-02"), body="")
    result = check(room.root)
    assert result.exit_code == 1
    assert lines_of(result) == [
        f"releases/{SLUG}.md:5: warning: die Meldung hat keinen Text unter dem Kopfbereich"
    ]
    assert lines_of(result, "2021-09-02-fertig") == [
        "releases/2021-09-02-fertig.md:6: die Meldung hat keinen Text unter dem Kopfbereich"
    ]


def test_check_now_decides_the_time_bound_checks(room: Room) -> None:
    room.ready(SLUG, extra="embargo: 2021-09-01T10:00\n")
    before = CliRunner().invoke(cli, ["check", "--root", str(room.root), "--now", "2021-09-01T09:00"])
    after = CliRunner().invoke(cli, ["check", "--root", str(room.root), "--now", "2021-09-01T10:00"])
    assert before.exit_code == after.exit_code == 0
    assert "embargo: die Sperrfrist ist schon vorbei" not in before.stdout
    assert f"releases/{SLUG}.md:6: warning: embargo: die Sperrfrist ist schon vorbei" in after.stdout.splitlines()


def test_check_now_refuses_what_is_not_a_moment(room: Room) -> None:
    result = CliRunner().invoke(cli, ["check", "--root", str(room.root), "--now", "morgen"])
    assert (result.exit_code, result.stderr) == (
        1, "--now: 'morgen' ist kein Zeitpunkt: schreiben Sie ihn als Jahr-Monat-Tag und Uhrzeit, "
        "etwa 2021-05-04T10:00\n")


def test_an_unknown_language_falls_back_to_english() -> None:
    assert say("fr", "key.missing", key="title") == "title: required key is missing"


def test_a_misspelt_status_names_the_possible_values(room: Room) -> None:
    english(room).release(SLUG, "title: Sommerfest\ndate: 2021-09-01\nstatus: raedy")
    assert lines_of(check(room.root)) == [
        f"releases/{SLUG}.md:4: status: 'raedy' is not possible here; write draft or ready"
    ]


def test_a_date_that_is_no_date_says_how_to_write_one(sample_root: Path) -> None:
    write(sample_root, f"{SLUG}.md", "---\ntitle: Sommerfest\ndate: nächsten Freitag\n---\nText.\n")
    assert lines_of(check(sample_root)) == [
        f"releases/{SLUG}.md:3: date: 'nächsten Freitag' ist kein Datum: schreiben Sie es als Jahr-Monat-Tag, "
        "etwa 2021-12-31 (mit Uhrzeit: 2021-12-31T10:00)"
    ]


def test_a_sample_release_saved_by_a_windows_editor_still_checks_clean(sample_root: Path) -> None:
    path = sample_root / "releases/2021-08-26-iq-mv-10-jahre.md"
    before = check(sample_root).stdout
    text = path.read_text(encoding="utf-8")
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    assert check(sample_root).stdout == before


def test_a_key_given_twice_says_to_keep_one(sample_root: Path) -> None:
    write(sample_root, f"{SLUG}.md", "---\ntitle: Sommerfest\ndate: 2021-09-01\ntitle: Sommerfest 2021\n---\nT.\n")
    assert lines_of(check(sample_root)) == [
        f"releases/{SLUG}.md:4: title: dieser Schlüssel steht zweimal da: behalten Sie nur einen"
    ]
