"""Read the recipients of a list from a CSV file, each problem at the line it is on.

The files come from spreadsheets: German Excel writes semicolons and a byte order
mark, others write commas or tabs, headers say ``E-Mail`` or ``email``. Each is
read as it is; what cannot be read is an error at its physical line, never a
traceback. A row is judged by the same rules as a recipient in the settings
(``RecipientIn``), its address by :mod:`pressroom.addresses`.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from .addresses import quoted
from .errors import Problem, Severity
from .model import Recipient
from .schema import RecipientIn

DELIMITERS = ",;\t"
# Header names as compared: lower case, without spaces, hyphens and underscores.
EMAIL_COLUMNS = ("email", "mail", "emailadresse", "emailaddress")
NAME_COLUMNS = ("name",)
# Enough lines for the sniffer to see the pattern; a whole long file would only slow it.
SNIFF_CHARS = 16 * 1024
NOT_UTF8 = "not UTF-8 text (saved as Windows-1252/Latin-1?) -- save it as UTF-8"
UTF16 = "UTF-16 text (Excel's \"Unicode text\"?) -- save it as CSV UTF-8"
# What a spreadsheet saves instead of CSV UTF-8, known by the first bytes.
NOT_CSV = {
    codecs.BOM_UTF16_LE: UTF16,
    codecs.BOM_UTF16_BE: UTF16,
    b"PK\x03\x04": "a spreadsheet workbook (.xlsx or .ods), not CSV -- save it as CSV UTF-8",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls), not CSV -- save it as CSV UTF-8",
}


@dataclass(frozen=True)
class Listed:
    """A recipient and where it is written, so that a duplicate can name both places."""

    recipient: Recipient
    path: Path
    line: int


def read_csv(csv_path: Path, settings: Path, line: int) -> tuple[list[Listed], list[Problem]]:
    """Read the recipients of *csv_path*, named in *settings* at *line*.

    Problems with the file as a whole (missing, unreadable) are reported where the
    settings name it; everything inside the file at its own line.
    """
    try:
        data = csv_path.read_bytes()
    except OSError as exc:
        return [], [Problem(settings, line, f"cannot read {csv_path.name}: {exc.strerror}")]
    text = _decode(data, csv_path)
    if isinstance(text, Problem):
        return [], [text]
    return _read_rows(text, csv_path)


def _decode(data: bytes, path: Path) -> str | Problem:
    """Return the text of *data* (UTF-8, with or without a byte order mark) or the problem."""
    for magic, message in NOT_CSV.items():
        if data.startswith(magic):
            return Problem(path, 1, message)
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Problem(path, data.count(b"\n", 0, exc.start) + 1, NOT_UTF8)


def delimiter_of(text: str) -> str:
    """Return the delimiter of *text*: comma, semicolon or tab.

    The sniffer weighs how consistently each candidate splits the first lines; when it
    cannot decide (one column, irregular rows), the header line's most frequent
    candidate wins, and with none of them there, a comma (one column).
    """
    sample = text[:SNIFF_CHARS]
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = next((row for row in sample.splitlines() if row.strip()), "")
        return max(DELIMITERS, key=header.count) if any(d in header for d in DELIMITERS) else ","


def _column_key(header: str) -> str:
    return re.sub(r"[\s_-]", "", header.strip().lower())


def _find(header: Sequence[str], names: Iterable[str]) -> int | None:
    keys = [_column_key(h) for h in header]
    return next((keys.index(name) for name in names if name in keys), None)


def _read_rows(text: str, path: Path) -> tuple[list[Listed], list[Problem]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter_of(text))
    header: list[str] | None = None
    email_at = name_at = None
    listed: list[Listed] = []
    problems: list[Problem] = []
    while True:
        # A row starts on the line after the last one read: a quoted field with line
        # breaks moves line_num by more than one, and the next row's number with it.
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(path, start, f"not readable as CSV: {exc}"))
            break
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header, email_at, name_at = row, _find(row, EMAIL_COLUMNS), _find(row, NAME_COLUMNS)
            if email_at is None:
                found = ", ".join(quoted(h.strip()) for h in row)
                return [], [Problem(path, start, f"no email column (found {found}); "
                                                 "name the column of addresses email or E-Mail")]
            continue
        assert email_at is not None
        recipient, found_problems = _recipient(row, header, email_at, name_at, path, start)
        problems += found_problems
        if recipient is not None:
            listed.append(Listed(recipient, path, start))
    return listed, problems


def _recipient(
    row: list[str], header: list[str], email_at: int, name_at: int | None, path: Path, line: int
) -> tuple[Recipient | None, list[Problem]]:
    """Judge one row by the rules of a recipient in the settings; name the column at fault."""

    def cell(index: int | None) -> str:
        return row[index] if index is not None and index < len(row) else ""

    # Problems name the columns as the file does (E-Mail, Name).
    columns = {"email": header[email_at].strip()}
    if name_at is not None:
        columns["name"] = header[name_at].strip()
    email = cell(email_at).strip()
    if not email:
        return None, [Problem(path, line, f"{columns['email']}: no address")]
    try:
        valid = RecipientIn.model_validate({"name": cell(name_at), "email": email})
    except ValidationError as exc:
        return None, [
            Problem(path, line, f"{columns[str(error['loc'][0])]}: "
                                f"{str(error['msg']).removeprefix('Value error, ')}")
            for error in exc.errors()
        ]
    return Recipient(valid.email, valid.name), []


def duplicates(listed: Sequence[Listed], list_name: str) -> list[Problem]:
    """Warn about each address written twice in one list, naming where it came first.

    Publishing sends one message per address anyway; the warning catches a list
    kept in two places that has drifted apart.
    """
    first: dict[str, Listed] = {}
    problems = []
    for entry in listed:
        # A Recipient's address is already checked and in wire form: lower case is all
        # normalise() would add, without validating each address a second time.
        key = entry.recipient.email.lower()
        earlier = first.setdefault(key, entry)
        if earlier is not entry:
            problems.append(Problem(
                entry.path, entry.line,
                f"{entry.recipient.email} is in list {list_name!r} twice "
                f"(also at {earlier.path.name}:{earlier.line}); it gets one message",
                Severity.WARNING,
            ))
    return problems
