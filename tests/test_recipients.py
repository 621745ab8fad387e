"""Recipient CSV files as spreadsheets write them: encodings, delimiters, headers, located rows."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import Room

from pressroom.model import Recipient
from pressroom.recipients import delimiter_of, read_csv
from pressroom.settings import load_settings

# The list `presse` reads releases/liste.csv; the csv: key is on line 31 of the settings.
LIST = """\
distribution:
  channels:
    outbox: {type: maildir}
  lists:
    presse: {channel: outbox, csv: liste.csv}
"""
NOT_UTF8 = "not UTF-8 text (saved as Windows-1252/Latin-1?) -- save it as UTF-8"


def read(room: Room, data: bytes, extra: str = "") -> tuple[list[Recipient], list[str]]:
    """Write *data* as liste.csv, load the settings; return the list's recipients and the problems."""
    (room.releases / "liste.csv").write_bytes(data)
    room.add_settings(LIST + extra)
    settings, problems = load_settings(room.root)
    recipients = list(settings.distribution.lists["presse"].recipients) if settings else []
    return recipients, [p.format(room.root) for p in problems]


def test_windows_1252_file_is_an_error_at_the_line_of_the_first_bad_byte(room: Room) -> None:
    data = "name,email\nAnna,anna@zeitung.example\nJörg Müller,joerg@zeitung.example\n".encode("cp1252")
    recipients, problems = read(room, data)
    assert problems == [f"releases/liste.csv:3: {NOT_UTF8}"]
    assert recipients == []


def test_utf16_file_from_excel_unicode_text_is_named_as_such(room: Room) -> None:
    data = "name\temail\nAnna\tanna@zeitung.example\n".encode("utf-16")
    _, problems = read(room, data)
    assert problems == ['releases/liste.csv:1: UTF-16 text (Excel\'s "Unicode text"?) -- save it as CSV UTF-8']


def test_a_workbook_saved_instead_of_csv_is_named_as_such(room: Room, tmp_path: Path) -> None:
    workbook = tmp_path / "liste.xlsx"
    with zipfile.ZipFile(workbook, "w") as archive:  # an .xlsx is a zip of XML parts
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
    _, problems = read(room, workbook.read_bytes())
    assert problems == [
        "releases/liste.csv:1: a spreadsheet workbook (.xlsx or .ods), not CSV -- save it as CSV UTF-8"
    ]


def test_semicolon_file_from_german_excel_with_bom_and_e_mail_header(room: Room) -> None:
    data = "E-Mail;Name\r\nanna@zeitung.example;Müller, Anna\r\nlee@radio.example;\"Kim; Lee\"\r\n"
    recipients, problems = read(room, b"\xef\xbb\xbf" + data.encode("utf-8"))
    assert problems == []
    assert recipients == [
        Recipient("anna@zeitung.example", "Müller, Anna"),
        Recipient("lee@radio.example", "Kim; Lee"),
    ]


def test_tab_separated_file_with_headers_in_any_case_and_spacing(room: Room) -> None:
    data = " NAME \t Email \nAnna\t anna@zeitung.example \n"
    recipients, problems = read(room, data.encode("utf-8"))
    assert (recipients, problems) == ([Recipient("anna@zeitung.example", "Anna")], [])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name,email\nA,a@b.example\n", ","),
        ("E-Mail;Name\nanna@x.example;Müller, Anna\n", ";"),
        ("name\temail\nA\ta@b.example\n", "\t"),
        ("email\na@b.example\n", ","),  # one column: the sniffer gives up, nothing to split
        # Rows of uneven length: the sniffer gives up, the header line decides.
        ("Name;E-Mail;Medium\nA;a@b.example\nB;b@b.example;NDR, Kultur;x;y\n", ";"),
    ],
    ids=["comma", "semicolon", "tab", "one-column", "uneven-rows"],
)
def test_delimiter_is_detected(text: str, expected: str) -> None:
    assert delimiter_of(text) == expected


def test_row_problems_name_the_column_and_the_physical_line_after_a_multi_line_field(room: Room) -> None:
    data = (
        "name,email\n"                          # 1
        '"Erste Zeile\n'                        # 2: a quoted name over two lines
        'zweite Zeile",a@b.example\n'           # 3
        "B,a..b@x.org\n"                        # 4
        ",\n"                                   # 5: empty row, skipped
        "\n"                                    # 6: blank line, skipped
        "C,c@d.example\n"                       # 7
        "D,\n"                                  # 8
        '"E","e@-x.example"\n'                  # 9
    )
    csv_path = room.releases / "liste.csv"
    csv_path.write_bytes(data.encode("utf-8"))
    listed, problems = read_csv(csv_path, room.releases / "pressroom.yaml", 31)
    assert [p.format(room.root) for p in problems] == [
        "releases/liste.csv:2: name: line breaks are not allowed here: write it on one line",
        'releases/liste.csv:4: email: "a..b@x.org" is not a valid address: '
        "An email address cannot have two periods in a row.",
        "releases/liste.csv:8: email: no address",
        'releases/liste.csv:9: email: "e@-x.example" is not a valid address: '
        "An email address cannot have a hyphen immediately after the @-sign.",
    ]
    assert [(e.recipient, e.line) for e in listed] == [(Recipient("c@d.example", "C"), 7)]


def test_the_bad_addresses_of_the_issue_are_located_errors_in_a_csv(room: Room) -> None:
    data = "Name;E-Mail\nA;a..b@example.org\nB;.x@example.org\nC;x@-example.org\nD;josé@example.org\n"
    _, problems = read(room, data.encode("utf-8"))
    assert problems == [
        'releases/liste.csv:2: E-Mail: "a..b@example.org" is not a valid address: '
        "An email address cannot have two periods in a row.",
        'releases/liste.csv:3: E-Mail: ".x@example.org" is not a valid address: '
        "An email address cannot start with a period.",
        'releases/liste.csv:4: E-Mail: "x@-example.org" is not a valid address: '
        "An email address cannot have a hyphen immediately after the @-sign.",
        'releases/liste.csv:5: E-Mail: "josé@example.org" cannot be sent: the part before @ has non-ASCII '
        "letters; the mail server would need SMTPUTF8, which pressroom does not use",
    ]


def test_international_domain_in_a_csv_is_kept_as_idna(room: Room) -> None:
    recipients, problems = read(room, "email\njose@exämple.de\n".encode())
    assert (recipients, problems) == ([Recipient("jose@xn--exmple-cua.de", "")], [])


def test_missing_email_column_is_one_error_naming_the_columns_found(room: Room) -> None:
    _, problems = read(room, b"\n\nName;Adresse\nA;a@b.example\nB;b@b.example\n")
    assert problems == [
        'releases/liste.csv:3: no email column (found "Name", "Adresse"); '
        "name the column of addresses email or E-Mail"
    ]


def test_missing_file_is_reported_where_the_settings_name_it(room: Room) -> None:
    room.add_settings(LIST)
    _, problems = load_settings(room.root)
    assert [p.format(room.root) for p in problems] == [
        "releases/pressroom.yaml:31: cannot read liste.csv: No such file or directory"
    ]


def test_duplicate_addresses_in_one_list_are_a_warning_with_both_places(room: Room) -> None:
    extra = "      recipients: [{name: Anna, email: Anna@Zeitung.example}]\n"
    data = "email,name\nanna@zeitung.example,Anna\nb@b.example,B\nb@b.example,B zwei\n"
    (room.releases / "liste.csv").write_bytes(data.encode())
    room.add_settings(LIST.replace("presse: {channel: outbox, csv: liste.csv}",
                                   "presse:\n      channel: outbox\n      csv: liste.csv") + extra)
    settings, problems = load_settings(room.root)
    assert [p.format(room.root) for p in problems] == [
        "releases/liste.csv:2: warning: anna@zeitung.example is in list 'presse' twice "
        "(also at pressroom.yaml:34); it gets one message",
        "releases/liste.csv:4: warning: b@b.example is in list 'presse' twice "
        "(also at liste.csv:3); it gets one message",
    ]
    assert settings is not None and len(settings.distribution.lists["presse"].recipients) == 4


def test_check_on_a_non_utf8_csv_exits_1_with_a_located_message_and_no_traceback(room: Room) -> None:
    (room.releases / "liste.csv").write_bytes("name,email\nJörg,j@zeitung.example\n".encode("latin-1"))
    room.add_settings(LIST)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    result = subprocess.run(
        [sys.executable, "-m", "pressroom", "check", "--root", str(room.root)],
        capture_output=True, text=True, check=False, env=env, timeout=60,
    )
    assert result.returncode == 1
    assert f"releases/liste.csv:2: {NOT_UTF8}" in result.stdout.splitlines()
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr.startswith("check failed:")
