"""Contact roles by period: a release shows each contact's role as it was on the release's
date, in every format; `role:` alone still works; bad periods are located errors."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import lxml.html
import pytest
from click.testing import CliRunner
from conftest import Room

from pressroom.build import build_pressroom
from pressroom.cli import cli

ROLES = """\
  anna:
    name: Anna Muster
    role: Pressesprecherin
    roles:
      - {role: Volontärin, valid_until: 2015-12-31}
      - {role: Referentin, valid_from: 2016-01-01, valid_until: 2018-12-31}
    email: anna@beispiel.example
"""


def with_roles(room: Room, roles: str = ROLES) -> None:
    settings = room.releases / "pressroom.yaml"
    text = settings.read_text(encoding="utf-8")
    start = text.index("  anna:")
    end = text.index("  ben:")
    settings.write_text(text[:start] + roles + text[end:], encoding="utf-8")


def shown(public: Path, slug: str) -> dict[str, str]:
    """The release's words in each format, read back with its parser."""
    from docx import Document

    base = public / slug / slug
    docx = Document(io.BytesIO(base.with_suffix(".docx").read_bytes()))
    pdf = subprocess.run(["pdftotext", "-enc", "UTF-8", str(base.with_suffix(".pdf")), "-"],
                         check=True, capture_output=True, text=True).stdout
    html = lxml.html.document_fromstring(base.with_suffix(".html").read_bytes())
    return {
        "html": str(html.body.text_content()),
        "pdf": pdf,
        "docx": "\n".join(p.text for p in docx.paragraphs),
        "text": base.with_suffix(".txt").read_text(encoding="utf-8"),
    }


@pytest.mark.parametrize(("day", "role", "not_shown"), [
    ("2014-03-01", "Volontärin", "Referentin"),
    ("2017-03-01", "Referentin", "Volontärin"),
    ("2020-03-01", "Pressesprecherin", "Referentin"),  # after every period: `role`
])
def test_each_format_shows_the_role_of_the_release_date(
    room: Room, day: str, role: str, not_shown: str
) -> None:
    with_roles(room)
    room.ready(f"{day}-meldung", extra="contacts: [anna]\n")
    build_pressroom(room.root, room.root / "build")
    for fmt, text in shown(room.root / "build" / "public", f"{day}-meldung").items():
        assert role in text, fmt
        assert not_shown not in text, fmt


def test_a_contact_with_only_role_keeps_it_on_every_date(room: Room) -> None:
    room.ready("2014-03-01-alt", extra="contacts: [ben]\n")
    room.ready("2024-03-01-neu", extra="contacts: [ben]\n")
    assert [r.contacts[0].role_on(r.date) for r in room.load().releases] == ["Geschäftsführer"] * 2


def test_a_role_period_ending_before_it_starts_is_a_located_error(room: Room) -> None:
    with_roles(room, ROLES.replace("valid_from: 2016-01-01, valid_until: 2018-12-31",
                                   "valid_from: 2016-01-01, valid_until: 2015-12-31"))
    result = CliRunner().invoke(cli, ["check", "--root", str(room.root)])
    assert result.exit_code == 1
    lines = (room.releases / "pressroom.yaml").read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, start=1) if "Referentin" in text)
    assert f"releases/pressroom.yaml:{line}: valid_until liegt vor valid_from: tauschen Sie die beiden Daten" in result.output


def test_a_role_period_without_a_role_is_a_located_error(room: Room) -> None:
    with_roles(room, ROLES.replace("{role: Volontärin, valid_until: 2015-12-31}", "{valid_until: 2015-12-31}"))
    result = CliRunner().invoke(cli, ["check", "--root", str(room.root)])
    assert result.exit_code == 1
    lines = (room.releases / "pressroom.yaml").read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, start=1) if "{valid_until: 2015-12-31}" in text)
    assert f"releases/pressroom.yaml:{line}: contacts.anna.roles[0].role" in result.output
