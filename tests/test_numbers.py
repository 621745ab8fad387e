"""Release numbers never move: drafts take none, and the ledger keeps every published one."""

from __future__ import annotations

import io
import mailbox
import re
import sqlite3
import subprocess
import sys
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path
from xml.etree import ElementTree

import docx
import lxml.html
import pytest
from click.testing import CliRunner
from conftest import NOW, SLUG_2013, SLUG_2021, Room
from distribution_support import fake_outputs

from pressroom.cli import cli
from pressroom.load import load_pressroom
from pressroom.publish import make_edition, plan_jobs
from pressroom.queue import open_queue
from pressroom.render import RenderContext
from pressroom.render.docx import render_docx
from pressroom.render.html import render_html
from pressroom.render.pdf import render_pdf
from pressroom.render.text import render_text

EARLY = "2021-03-01-frueher"
EARLY_FILE = """\
---
title: Ein früherer Termin
date: 2021-03-01
lead: Ein Vorspann.
status: {status}
---
Der Text.
"""
AT = "2030-01-01T09:00"
BARE_LABEL = re.compile(r"\bPressemitteilung\b(?! \d)")  # the word without a number after it


def numbers_of(room: Room, frozen: dict[str, str]) -> dict[str, str]:
    """Load *room* against the ledger numbers *frozen*; return slug -> number."""
    result = load_pressroom(room.root, NOW, frozen)
    assert result.pressroom is not None, [p.format(room.root) for p in result.errors]
    return {r.slug: r.number for r in result.pressroom.releases}


def cli_run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def kickers(html: bytes) -> list[str]:
    return [k.text_content().strip() for k in lxml.html.fromstring(html).find_class("kicker")]


def index_numbers(root: Path) -> dict[str, str]:
    """Map each entry of the built index to the label it shows: slug -> "Pressemitteilung N/YYYY"."""
    page = lxml.html.fromstring((root / "build" / "public" / "index.html").read_bytes())
    shown = {}
    for entry in page.find_class("entry"):
        href = entry.find_class("entry-title")[0].find("a").get("href")
        shown[href.split("/")[0]] = entry.find_class("kicker")[0].text_content().strip()
    return shown


def feed_numbers(root: Path) -> dict[str, str]:
    """Map each RSS item's link to the label line its full content opens with."""
    items = ElementTree.parse(root / "build" / "public" / "feed.xml").getroot().iter("item")
    shown = {}
    for item in items:
        content = item.findtext("{http://purl.org/rss/1.0/modules/content/}encoded") or ""
        first = lxml.html.fromstring(content).xpath("//p")[0]
        shown[item.findtext("link") or ""] = first.text_content()
    return shown


def outbox_labels(root: Path) -> list[str]:
    """The label line of every plain-text message in the sample's Maildir."""
    box = mailbox.Maildir(root / "build" / "outbox", create=False)
    labels = []
    for stored in box:
        message = message_from_bytes(stored.as_bytes(), policy=policy.default)
        text = message.get_body(("plain",)).get_content()
        labels += [line for line in text.splitlines() if line.startswith("Pressemitteilung")]
    return labels


def test_a_back_dated_release_never_renumbers_a_sent_one(ledger_location,
    sample_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 7, case 2: publish and deliver the sample, then add a back-dated draft, then make it ready."""
    monkeypatch.delenv("PRESSROOM_QUEUE", raising=False)
    queue_file = ledger_location
    base = ["--root", str(sample_root), "--queue", str(queue_file), "--now", AT]
    cli_run("publish", *base)
    assert "dispatch: 6 sent" in cli_run("dispatch", *base, "--once")
    assert sorted(set(outbox_labels(sample_root))) == ["Pressemitteilung 1/2021", "Pressemitteilung 3/2013"]

    early = sample_root / "releases" / f"{EARLY}.md"
    early.write_text(EARLY_FILE.format(status="draft"), encoding="utf-8")
    report = cli_run("publish", *base)
    assert "changed after it was queued" not in report
    assert "0 changed, 1 draft(s) skipped" in report
    assert index_numbers(sample_root)[SLUG_2021] == "Pressemitteilung 1/2021"
    page = sample_root / "build" / "public" / SLUG_2021 / f"{SLUG_2021}.html"
    assert kickers(page.read_bytes()) == ["Pressemitteilung 1/2021"]
    assert feed_numbers(sample_root)[f"https://www.iq-mv.de/presse/{SLUG_2021}/{SLUG_2021}.html"].startswith(
        "Pressemitteilung 1/2021"
    )
    preview = sample_root / "build" / "private" / EARLY / f"{EARLY}.html"
    assert kickers(preview.read_bytes()) == []  # the draft has no number and shows no label
    assert "1/2021" not in preview.read_text(encoding="utf-8")

    early.write_text(EARLY_FILE.format(status="ready"), encoding="utf-8")
    report = cli_run("publish", *base)
    assert "changed after it was queued" not in report and ", 0 changed," in report
    assert index_numbers(sample_root) == {
        SLUG_2021: "Pressemitteilung 1/2021",
        EARLY: "Pressemitteilung 2/2021",
        SLUG_2013: "Pressemitteilung 3/2013",
    }
    with open_queue(queue_file) as queue:
        assert queue.numbers() == {"1/2021": SLUG_2021, "3/2013": SLUG_2013, "2/2021": EARLY}


def test_check_names_the_owner_when_a_file_takes_a_published_number(ledger_location,
    sample_root: Path, tmp_path: Path
) -> None:
    queue_file = ledger_location
    with open_queue(queue_file) as queue:
        queue.record_numbers({"1/2021": SLUG_2021, "3/2013": SLUG_2013}, NOW, "public")
    (sample_root / "releases" / f"{EARLY}.md").write_text(
        EARLY_FILE.format(status="ready").replace("status: ready", "status: ready\nnumber: 1/2021"),
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "pressroom", "check", "--root", str(sample_root), "--queue", str(queue_file)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 1
    errors = [line for line in result.stdout.splitlines() if ": warning:" not in line]
    assert errors == [
        f"releases/{EARLY}.md:6: number: 1/2021 gehört schon zu {SLUG_2021} "
        "(veröffentlicht am 2021-08-26); wählen Sie eine andere Nummer"
    ]
    assert "Traceback" not in result.stderr and "1 error(s)" in result.stderr


def raw(queue):  # type: ignore[no-untyped-def]
    """The backend's own connection, for what only a test does: SQLite's or psycopg's."""
    return queue.db if hasattr(queue, "db") else queue.conn


def test_a_published_release_cannot_change_its_number(room: Room) -> None:
    room.ready("2021-05-04-eins", extra="number: 9/2021\n")
    result = load_pressroom(room.root, NOW, {"1/2021": "2021-05-04-eins"})
    assert [p.format(room.root) for p in result.errors] == [
        "releases/2021-05-04-eins.md:6: number: diese Meldung wurde als 1/2021 veröffentlicht; "
        "eine veröffentlichte Nummer bleibt (schreiben Sie number: 1/2021)"
    ]


def test_a_frozen_number_stays_with_its_release_and_its_year_skips_it(room: Room) -> None:
    room.ready("2021-01-10-a")
    room.ready("2021-02-10-b")
    room.ready("2021-03-10-c")
    frozen = {"1/2021": "2021-03-10-c", "2/2021": "2021-01-10-a"}
    numbers = numbers_of(room, frozen)
    assert numbers == {"2021-01-10-a": "2/2021", "2021-02-10-b": "3/2021", "2021-03-10-c": "1/2021"}


def test_a_deleted_owner_keeps_its_number_reserved(room: Room) -> None:
    gone = room.ready("2021-01-10-weg")
    room.ready("2021-02-10-bleibt")
    frozen = {"1/2021": "2021-01-10-weg", "2/2021": "2021-02-10-bleibt"}
    gone.unlink()
    room.ready("2021-01-05-neu")
    numbers = numbers_of(room, frozen)
    assert numbers == {"2021-01-05-neu": "3/2021", "2021-02-10-bleibt": "2/2021"}
    room.ready("2021-01-06-frech", extra="number: 1/2021\n")
    errors = [p.format(room.root) for p in load_pressroom(room.root, NOW, frozen).errors]
    assert errors == [
        "releases/2021-01-06-frech.md:6: number: 1/2021 gehört schon zu 2021-01-10-weg "
        "(veröffentlicht, die Datei gibt es nicht mehr); wählen Sie eine andere Nummer"
    ]


def test_a_withdrawn_release_keeps_its_number_for_when_it_returns(room: Room) -> None:
    room.release("2021-02-10-zurueck", "title: T\ndate: 2021-02-10\nlead: L.\nstatus: draft")
    room.ready("2021-01-10-vorher")
    numbers = numbers_of(room, {"1/2021": "2021-02-10-zurueck"})
    assert numbers == {"2021-02-10-zurueck": "1/2021", "2021-01-10-vorher": "2/2021"}


def test_drafts_take_no_number_but_a_written_one_is_kept_and_reserved(room: Room) -> None:
    room.release("2021-01-01-entwurf", "title: T\ndate: 2021-01-01\nlead: L.")
    room.release("2021-01-02-mit-nummer", "title: T\ndate: 2021-01-02\nlead: L.\nnumber: 1/2021")
    room.ready("2021-01-03-fertig")
    numbers = numbers_of(room, {})
    assert numbers == {"2021-01-01-entwurf": "", "2021-01-02-mit-nummer": "1/2021", "2021-01-03-fertig": "2/2021"}
    room.ready("2021-01-04-doppelt", extra="number: 1/2021\n")
    assert [p.format(room.root) for p in load_pressroom(room.root, NOW).errors] == [
        "releases/2021-01-04-doppelt.md:6: die Nummer '1/2021' hat auch 2021-01-02-mit-nummer.md: ändern oder "
        "löschen Sie eine der beiden Nummern"
    ]


def test_queueing_records_the_number_in_the_same_transaction(ledger_location, room: Room, tmp_path: Path) -> None:
    room.ready("2030-01-01-eins")
    pressroom = room.load()
    release = pressroom.releases[0]
    with open_queue(ledger_location) as queue:
        assert queue.numbers() == {}
        edition = make_edition(release, pressroom.settings, fake_outputs(tmp_path)(release.slug), 1, NOW)
        queue.add_edition(edition, plan_jobs(release, pressroom.settings, NOW), NOW)
        assert queue.numbers() == {"1/2030": "2030-01-01-eins"}
        source = raw(queue).execute("SELECT source FROM numbers").fetchall()
        assert source == [("queued",)]


def test_a_delivery_records_its_number_even_if_queueing_did_not(ledger_location, room: Room, tmp_path: Path) -> None:
    """An edition queued by an older pressroom (no numbers table then) is recorded when it goes out."""
    room.ready("2030-01-01-eins")
    pressroom = room.load()
    release = pressroom.releases[0]
    with open_queue(ledger_location) as queue:
        edition = make_edition(release, pressroom.settings, fake_outputs(tmp_path)(release.slug), 1, NOW)
        queue.add_edition(edition, plan_jobs(release, pressroom.settings, NOW), NOW)
        raw(queue).execute("DELETE FROM numbers")  # as an older pressroom would have left it
        job = queue.claim(NOW, timedelta(minutes=5), "test")
        assert job is not None
        queue.mark_sent(job.id, NOW)
        rows = raw(queue).execute("SELECT number, slug, source FROM numbers").fetchall()
        assert rows == [("1/2030", "2030-01-01-eins", "sent")]


def test_an_old_ledger_gets_the_numbers_of_its_editions_on_open(room: Room, tmp_path: Path) -> None:
    room.ready("2030-01-01-eins")
    pressroom = room.load()
    release = pressroom.releases[0]
    path = tmp_path / "q.sqlite3"
    with open_queue(path) as queue:
        edition = make_edition(release, pressroom.settings, fake_outputs(tmp_path)(release.slug), 1, NOW)
        queue.add_edition(edition, plan_jobs(release, pressroom.settings, NOW), NOW)
    with sqlite3.connect(path) as db:
        # the ledger as an older pressroom wrote it: no numbers table, no schema version
        db.execute("DROP TABLE numbers")
        db.execute("DROP TABLE schema_migrations")
    with open_queue(path) as queue:
        assert queue.numbers() == {"1/2030": "2030-01-01-eins"}


def test_a_correction_keeps_the_published_number(ledger_location, room: Room, tmp_path: Path) -> None:
    room.ready("2021-02-01-erst")
    queue_file = ledger_location
    with open_queue(queue_file) as queue:
        queue.record_numbers({"1/2021": "2021-02-01-erst"}, NOW, "public")
    queue_args = ("queue", "--root", str(room.root), "--queue", str(queue_file), "--now", AT)
    cli_run(*queue_args, "send", "2021-02-01-erst")  # a correction needs an original
    room.ready("2021-01-01-davor")  # back-dated and ready: by date it would come first
    cli_run(*queue_args, "resend", "2021-02-01-erst")
    with open_queue(queue_file) as queue:
        edition = queue.latest_edition("2021-02-01-erst")
        assert edition is not None and edition.record.number == "1/2021"


def test_record_numbers_never_gives_a_number_a_second_owner(ledger_location, tmp_path: Path) -> None:
    with open_queue(ledger_location) as queue:
        queue.record_numbers({"1/2021": "a", "": "ohne"}, NOW, "public")
        queue.record_numbers({"1/2021": "b", "2/2021": "b"}, NOW + timedelta(days=1), "public")
        assert queue.numbers() == {"1/2021": "a", "2/2021": "b"}


def test_check_and_build_read_the_ledger_but_never_create_it(ledger_location,
    sample_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PRESSROOM_QUEUE", raising=False)
    cli_run("check", "--root", str(sample_root))
    assert not (sample_root / "var").exists()
    queue_file = ledger_location
    with open_queue(queue_file) as queue:
        queue.record_numbers({"7/2021": SLUG_2021}, NOW, "public")
    monkeypatch.setenv("PRESSROOM_QUEUE", str(queue_file))
    cli_run("build", "--root", str(sample_root), "--only", SLUG_2021, "--now", AT, "--jobs", "1")
    assert not (sample_root / "var").exists()
    page = sample_root / "build" / "public" / SLUG_2021 / f"{SLUG_2021}.html"
    assert kickers(page.read_bytes()) == ["Pressemitteilung 7/2021"]


@pytest.fixture
def draft(room: Room):  # type: ignore[no-untyped-def]
    room.release("2021-05-04-entwurf", "title: Ein Entwurf\ndate: 2021-05-04\nlead: Der Vorspann.")
    pressroom = room.load()
    release = pressroom.release("2021-05-04-entwurf")
    assert release.number == ""
    return release, RenderContext.for_settings(pressroom.settings, NOW)


def test_a_draft_without_number_renders_html_without_a_bare_label(draft) -> None:  # type: ignore[no-untyped-def]
    release, ctx = draft
    html = render_html(release, ctx)
    assert kickers(html) == []
    page = lxml.html.fromstring(html)
    assert not BARE_LABEL.search(page.text_content())
    assert page.find_class("draft-banner")[0].text_content() == "Entwurf – nicht zur Veröffentlichung"


def test_a_draft_without_number_renders_text_without_a_bare_label(draft) -> None:  # type: ignore[no-untyped-def]
    release, ctx = draft
    text = render_text(release, ctx).decode("utf-8")
    assert not BARE_LABEL.search(text)
    blocks = text.split("\n\n")
    assert "Entwurf" in blocks[0] and blocks[1] == "Rostock, 04.05.2021"


def test_a_draft_without_number_renders_docx_without_a_label_paragraph(draft) -> None:  # type: ignore[no-untyped-def]
    release, ctx = draft
    document = docx.Document(io.BytesIO(render_docx(release, ctx)))
    styles = [p.style.name for p in document.paragraphs]
    assert "Release Label" not in styles
    assert styles[:3] == ["Dateline", "Embargo", "Title"]
    assert not any(BARE_LABEL.search(p.text) for p in document.paragraphs)


def test_a_draft_without_number_renders_pdf_without_a_bare_label(draft) -> None:  # type: ignore[no-untyped-def]
    release, ctx = draft
    pdf = render_pdf(release, ctx)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode("utf-8")
    assert "Entwurf" in text and "Beispiel e.V." in text  # the banner and the running head
    assert not BARE_LABEL.search(text)
