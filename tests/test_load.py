"""Every validation rule of release files: the bad input, the message and the line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import Room

from pressroom.load import load_pressroom

NOW = datetime(2030, 1, 1, tzinfo=UTC)


def problems_of(room: Room, now: datetime = NOW) -> list[str]:
    result = load_pressroom(room.root, now)
    return [p.format(room.root) for p in result.problems]


def errors_of(room: Room, now: datetime = NOW) -> list[str]:
    result = load_pressroom(room.root, now)
    return [p.format(room.root) for p in result.errors]


def test_a_valid_release_loads_with_resolved_defaults(room: Room) -> None:
    room.ready("2021-05-04-eroeffnung", title="Eröffnung")
    release = room.load().release("2021-05-04-eroeffnung")
    assert release.place == "Rostock"
    assert [c.name for c in release.contacts] == ["Anna Muster"]
    assert release.boilerplate.id == "neu"
    assert release.number == "1/2021"
    assert release.dateline == "Rostock, 04.05.2021"
    assert release.published.isoformat() == "2021-05-04T00:00:00+02:00"


def test_three_mistakes_give_three_located_errors(room: Room) -> None:
    room.release(
        "2021-05-04-drei-fehler",
        """
        title: Drei Fehler
        date: 2021-05-04
        contcts: [anna]
        language: fr
        boilerplate: gibtsnicht
        """,
    )
    assert errors_of(room) == [
        "releases/2021-05-04-drei-fehler.md:4: contcts: unbekannter Schlüssel, meinten Sie contacts?",
        "releases/2021-05-04-drei-fehler.md:5: language: die Sprache 'fr' gibt es hier nicht: schreiben Sie de oder en",
        "releases/2021-05-04-drei-fehler.md:6: boilerplate: 'gibtsnicht' steht nicht unter boilerplates: (vorhanden: alt, neu)",
    ]


def test_resolution_errors_are_all_reported_together(room: Room) -> None:
    room.release(
        "2021-05-04-drei-fehler",
        """
        title: Drei Fehler
        date: 2021-05-04
        contacts: [anna, carla]
        boilerplate: gibtsnicht
        embargo: 2021-03-28T02:30:00
        """,
    )
    assert errors_of(room) == [
        "releases/2021-05-04-drei-fehler.md:4: contacts: unbekannter Kontakt 'carla' (bekannt: anna, ben)",
        "releases/2021-05-04-drei-fehler.md:5: boilerplate: 'gibtsnicht' steht nicht unter boilerplates: (vorhanden: alt, neu)",
        "releases/2021-05-04-drei-fehler.md:6: embargo: 2021-03-28 02:30 gibt es in Europe/Berlin wegen "
        "der Zeitumstellung nicht oder zweimal: geben Sie den Zeitversatz an, etwa +02:00",
    ]


def test_missing_required_keys_are_named(room: Room) -> None:
    room.release("2021-05-04-leer", "lead: nur ein Vorspann")
    assert errors_of(room) == [
        "releases/2021-05-04-leer.md:1: date: dieser Pflichteintrag fehlt",
        "releases/2021-05-04-leer.md:1: title: dieser Pflichteintrag fehlt",
    ]


def test_yaml_syntax_error_points_at_its_line(room: Room) -> None:
    room.release("2021-05-04-kaputt", "title: gut\ndate: 2021-05-04\ntags: [a, b\nlead: x")
    (error,) = errors_of(room)
    assert error.startswith("releases/2021-05-04-kaputt.md:")
    assert "Fehler im Kopfbereich (YAML)" in error
    assert int(error.split(":")[1]) in (4, 5)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("title: no", None),
        ("title: on", None),
        ("title: 2021-05-04", None),
        ("title: true", "title: erwartet wird Text, hier steht der Wahrheitswert true; setzen Sie den Wert in Anführungszeichen"),
        ("title: 1234", "title: erwartet wird Text, hier steht die Zahl 1234; setzen Sie den Wert in Anführungszeichen"),
    ],
)
def test_yaml_11_traps_do_not_become_booleans_or_dates(room: Room, line: str, message: str | None) -> None:
    room.release("2021-05-04-falle", f"{line}\ndate: 2021-05-04\nlead: x")
    if message is None:
        title = room.load().releases[0].title
        assert title == line.removeprefix("title: ")
    else:
        assert errors_of(room) == [f"releases/2021-05-04-falle.md:2: {message}"]


def test_wrong_types_are_reported(room: Room) -> None:
    room.release("2021-05-04-typen", "title: T\ndate: 2021-05-04\ntags: Jubiläum\nstatus: published")
    assert errors_of(room) == [
        "releases/2021-05-04-typen.md:4: tags: erwartet wird eine Liste, hier steht 'Jubiläum'",
        "releases/2021-05-04-typen.md:5: status: 'published' ist hier nicht möglich; schreiben Sie draft oder ready",
    ]


def test_invalid_date_is_reported(room: Room) -> None:
    room.release("2021-05-04-datum", "title: T\ndate: 2021-02-30")
    assert errors_of(room) == [
        "releases/2021-05-04-datum.md:3: date: '2021-02-30' ist kein Datum: schreiben Sie es als Jahr-Monat-Tag, "
        "etwa 2021-12-31 (mit Uhrzeit: 2021-12-31T10:00)"
    ]


def test_date_outside_every_boilerplate_period(room: Room) -> None:
    room.ready("2010-05-04-frueh")
    assert errors_of(room) == [
        "releases/2010-05-04-frueh.md:3: date: kein Zeitraum unter boilerplates: in releases/pressroom.yaml deckt den 2010-05-04 ab: ergänzen Sie dort einen oder nennen Sie einen mit boilerplate:"
    ]


def test_date_covered_by_two_periods(room: Room) -> None:
    settings = room.releases / "pressroom.yaml"
    settings.write_text(settings.read_text().replace("valid_until: 2018-12-31", "valid_until: 2019-06-30"))
    room.ready("2019-03-04-doppelt")
    assert errors_of(room) == [
        "releases/2019-03-04-doppelt.md:3: date: der 2019-03-04 liegt in zwei Zeiträumen unter boilerplates: (alt, neu): nennen Sie einen mit boilerplate:"
    ]


def test_explicit_boilerplate_overrides_the_period(room: Room) -> None:
    room.ready("2021-05-04-alt", extra="boilerplate: alt\n")
    assert room.load().releases[0].boilerplate.id == "alt"


def test_ambiguous_naive_embargo_in_autumn_fold(room: Room) -> None:
    room.ready("2021-10-30-herbst", extra="embargo: 2021-10-31T02:30:00\n")
    (error,) = errors_of(room)
    assert error.startswith(
        "releases/2021-10-30-herbst.md:6: embargo: 2021-10-31 02:30 gibt es in Europe/Berlin wegen der Zeitumstellung"
    )


def test_embargo_with_offset_is_exact(room: Room) -> None:
    room.ready("2021-08-26-sperre", extra="embargo: 2021-08-26T10:00:00+02:00\n")
    release = room.load(datetime(2021, 8, 1, tzinfo=UTC)).releases[0]
    assert not release.is_public(datetime(2021, 8, 26, 7, 59, tzinfo=UTC))
    assert release.is_public(datetime(2021, 8, 26, 8, 0, tzinfo=UTC))


def test_draft_is_never_public(room: Room) -> None:
    room.release("2021-05-04-entwurf", "title: T\ndate: 2021-05-04\nlead: x")
    release = room.load().releases[0]
    assert release.status == "draft"
    assert not release.is_public(NOW)


def test_duplicate_numbers_are_errors(room: Room) -> None:
    room.ready("2021-05-04-eins", extra="number: 7/2021\n")
    room.ready("2021-05-05-zwei", extra="number: 7/2021\n")
    assert errors_of(room) == [
        "releases/2021-05-05-zwei.md:6: die Nummer '7/2021' hat auch 2021-05-04-eins.md: ändern oder löschen Sie "
        "eine der beiden Nummern"
    ]


def test_duplicate_slugs_in_subfolders_are_errors(room: Room) -> None:
    room.ready("2021-05-04-gleich")
    room.ready("archiv/2021-05-04-gleich")
    (error,) = errors_of(room)
    assert error.startswith("releases/archiv/2021-05-04-gleich.md:1: der Kurzname '2021-05-04-gleich' steht auch")


def test_numbers_follow_date_order_and_skip_explicit_ones(room: Room) -> None:
    room.ready("2021-01-10-a")
    room.ready("2021-02-10-b", extra="number: 2/2021\n")
    room.ready("2021-03-10-c")
    room.ready("2022-01-10-d")
    numbers = {r.slug: r.number for r in room.load().releases}
    assert numbers == {
        "2021-01-10-a": "1/2021",
        "2021-02-10-b": "2/2021",
        "2021-03-10-c": "3/2021",
        "2022-01-10-d": "1/2022",
    }


def test_attachment_missing_or_outside_releases(room: Room, tmp_path: Path) -> None:
    (room.releases / "fakten.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "geheim.txt").write_text("secret")
    (room.releases / "link.txt").symlink_to(tmp_path / "geheim.txt")
    room.ready(
        "2021-05-04-anhang", extra="attachments: [fakten.pdf, fehlt.pdf, ../../geheim.txt, link.txt]\n"
    )
    assert errors_of(room) == [
        "releases/2021-05-04-anhang.md:6: attachments: ../../geheim.txt: diese Datei gibt es nicht im Ordner releases/",
        "releases/2021-05-04-anhang.md:6: attachments: fehlt.pdf: diese Datei gibt es nicht im Ordner releases/",
        "releases/2021-05-04-anhang.md:6: attachments: link.txt: diese Datei gibt es nicht im Ordner releases/",
    ]


def test_control_characters_cannot_go_into_xml(room: Room) -> None:
    room.release(
        "2021-05-04-steuer", 'title: "Glocke\\a"\ndate: 2021-05-04\nlead: x', "Text\n\nmit \x0b Tab\n"
    )
    assert errors_of(room) == [
        "releases/2021-05-04-steuer.md:2: title: das Steuerzeichen U+0007 kann nicht in die Ausgaben: löschen Sie es",
        "releases/2021-05-04-steuer.md:8: ein aus Word eingefügter Zeilenumbruch (U+000B, Umschalt+Eingabe): "
        "löschen Sie ihn und drücken Sie Eingabe für einen neuen Absatz, oder setzen Sie ein Leerzeichen",
    ]


def test_line_breaks_in_a_title_are_refused(room: Room) -> None:
    room.release("2021-05-04-umbruch", 'title: "Zeile\\r\\nBcc: x@y.z"\ndate: 2021-05-04\nlead: x')
    assert errors_of(room) == [
        "releases/2021-05-04-umbruch.md:2: title: Zeilenumbrüche sind hier nicht erlaubt: schreiben Sie den Wert "
        "in eine Zeile"
    ]


def test_unsupported_file_name(room: Room) -> None:
    room.ready("2021-05-04-Gross Buchstaben")
    assert errors_of(room) == [
        "releases/2021-05-04-Gross Buchstaben.md:1: der Dateiname muss JJJJ-MM-TT-kurzname.md lauten "
        "(Kleinbuchstaben, Ziffern, Bindestriche): benennen Sie die Datei um, etwa 2021-05-04-neues-labor.md"
    ]


def test_missing_front_matter(room: Room) -> None:
    (room.releases / "2021-05-04-ohne.md").write_text("Nur Text\n")
    assert errors_of(room) == [
        "releases/2021-05-04-ohne.md:1: die erste Zeile muss --- (drei Bindestriche) sein, danach folgt der "
        "Kopfbereich (title:, date: ...)"
    ]


def test_warnings_do_not_fail_but_are_located(room: Room) -> None:
    room.release(
        "2021-05-04-warnungen",
        # a draft: an image without alt text or credit fails a ready release (test_images.py)
        "title: T\ndate: 2021-05-04\nstatus: draft\nembargo: 2021-05-04T10:00:00+02:00\nlinks: [{title: Leer, url: '#'}]",
        "Absatz mit [Link](#).\n\n![](bild.png)\n",
    )
    (room.releases / "bild.png").write_bytes(b"\x89PNG")
    result = load_pressroom(room.root, NOW)
    assert not result.errors
    assert result.failed(strict=True)
    assert [p.format(room.root) for p in result.problems] == [
        "releases/2021-05-04-warnungen.md:2: warning: lead: kein Vorspann (der fett gedruckte erste Absatz): fügen Sie eine Zeile lead: hinzu",
        "releases/2021-05-04-warnungen.md:5: warning: embargo: die Sperrfrist ist schon vorbei",
        "releases/2021-05-04-warnungen.md:6: warning: links: 'Leer' hat kein Ziel: tragen Sie unter url: die Webadresse ein",
        "releases/2021-05-04-warnungen.md:8: warning: der Link 'Link' hat kein Ziel: schreiben Sie die Webadresse "
        "in die runden Klammern, so: [Text](https://beispiel.de)",
        "releases/2021-05-04-warnungen.md:10: warning: Bild bild.png hat keine Bildquelle: nennen Sie unter credit: die Fotografin oder den Fotografen",
        "releases/2021-05-04-warnungen.md:10: warning: Bild bild.png hat keinen Alternativtext: beschreiben Sie unter alt: in einem Satz, was darauf zu sehen ist",
    ]


def test_image_outside_releases_is_an_error(room: Room) -> None:
    room.ready("2021-05-04-bild", body="![Alt](../../etc/passwd)\n")
    assert errors_of(room) == [
        "releases/2021-05-04-bild.md:7: Bild ../../etc/passwd: diese Datei gibt es nicht im Ordner releases/ "
        "(legen Sie sie dort ab oder korrigieren Sie den Namen)"
    ]


def test_inline_contact_is_allowed(room: Room) -> None:
    room.ready("2021-05-04-inline", extra="contacts: [ben, {name: Gast Autorin, email: gast@example.org}]\n")
    assert [c.name for c in room.load().releases[0].contacts] == ["Ben Beispiel", "Gast Autorin"]


def test_inline_contact_with_bad_email(room: Room) -> None:
    room.ready("2021-05-04-inline", extra="contacts:\n  - name: Gast\n    email: kein-at\n")
    assert errors_of(room) == [
        'releases/2021-05-04-inline.md:8: contacts[0].email: "kein-at" ist keine gültige E-Mail-Adresse: '
        "prüfen Sie die Schreibweise, etwa presse@beispiel.de"
    ]


def test_yaml_aliases_and_python_tags_are_refused(room: Room) -> None:
    room.release("2021-05-04-tags", "title: !!python/object:os.system x\ndate: 2021-05-04")
    assert errors_of(room) == [
        "releases/2021-05-04-tags.md:2: unsupported YAML tag tag:yaml.org,2002:python/object:os.system"
    ]


def test_sample_pressroom_checks_clean(sample_root: Path) -> None:
    result = load_pressroom(sample_root, NOW)
    assert result.errors == []
    assert result.pressroom is not None
    new, old = result.pressroom.releases
    assert (old.number, old.dateline, old.boilerplate.id) == ("3/2013", "Rostock, 08.01.2013", "iq-2013")
    assert (new.number, new.dateline, new.boilerplate.id) == ("1/2021", "Rostock, 26.08.2021", "iq-2019")
    assert [c.name for c in new.contacts] == ["Maja Kuntzsch", "Dr. Maher Fakhouri"]
    assert "Migrant\\*innen" in new.body
    assert all(r.status == "ready" for r in result.pressroom.releases)


def test_english_release_has_an_english_dateline(room: Room) -> None:
    room.ready("2021-08-26-english", extra="language: en\nplace: Schwerin\n")
    release = room.load().releases[0]
    assert release.dateline == "Schwerin, 26 August 2021"
