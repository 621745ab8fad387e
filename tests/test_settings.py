"""Validation of releases/pressroom.yaml, each problem with its line."""

from __future__ import annotations

from conftest import SETTINGS, Room

from pressroom.settings import load_settings


def messages(room: Room) -> list[str]:
    _, problems = load_settings(room.root)
    return [p.format(room.root) for p in problems]


def test_valid_settings_resolve_contacts_and_periods(room: Room) -> None:
    settings, problems = load_settings(room.root)
    assert problems == []
    assert settings is not None
    assert settings.contacts["anna"].email == "anna@beispiel.example"
    assert settings.boilerplates["alt"].covers(__import__("datetime").date(2015, 6, 1))
    assert settings.organisation.address == "Hauptstraße 1\n18055 Rostock"


def test_missing_settings_file_is_reported(room: Room) -> None:
    (room.releases / "pressroom.yaml").unlink()
    assert messages(room) == ["releases/pressroom.yaml:1: settings file not found (run `pressroom init`?)"]


def test_unknown_settings_key_gets_a_suggestion(room: Room) -> None:
    room.write_settings(SETTINGS.replace("  default_place: Rostock", "  default_plaec: Rostock"))
    assert messages(room) == [
        "releases/pressroom.yaml:14: site.default_plaec: unbekannter Schlüssel, meinten Sie default_place?"
    ]


def test_unknown_default_contact_and_time_zone_are_named_with_what_to_write_instead(room: Room) -> None:
    room.write_settings(
        SETTINGS.replace("default_contacts: [anna]", "default_contacts: [anna, zoe]").replace(
            "timezone: Europe/Berlin", "timezone: Europe/Rostock"
        )
    )
    assert messages(room) == [
        "releases/pressroom.yaml:13: unbekannte Zeitzone 'Europe/Rostock': schreiben Sie etwa Europe/Berlin",
        "releases/pressroom.yaml:15: unbekannter Kontakt 'zoe' (bekannt: anna, ben)",
    ]


def test_period_ending_before_it_starts(room: Room) -> None:
    room.write_settings(SETTINGS.replace("valid_until: 2018-12-31", "valid_until: 2012-12-31"))
    assert messages(room) == [
        "releases/pressroom.yaml:22: valid_until liegt vor valid_from: tauschen Sie die beiden Daten oder "
        "korrigieren Sie eines"
    ]


def test_secrets_are_not_accepted_in_the_file(room: Room) -> None:
    room.add_settings(
        "distribution:\n  channels:\n    mail: {type: smtp, host: smtp.example.org, password: geheim}\n"
    )
    assert messages(room) == [
        "releases/pressroom.yaml:29: distribution.channels.mail.password: unbekannter Schlüssel, meinten Sie password_env?"
    ]


def test_distribution_lists_need_known_channels(room: Room) -> None:
    room.add_settings(
        """\
        distribution:
          channels:
            outbox: {type: maildir}
          lists:
            presse: {channel: post, recipients: [{email: a@b.example}]}
          default_lists: [presse, fehlt]
        """
    )
    assert messages(room) == [
        "releases/pressroom.yaml:31: unbekannter Versandweg 'post' (vorhanden: outbox)",
        "releases/pressroom.yaml:32: unbekannte Verteilerliste 'fehlt' (vorhanden: presse)",
    ]


def test_csv_recipients_are_read_and_checked(room: Room) -> None:
    (room.releases / "liste.csv").write_text("name,email\nA,a@b.example\nB,kaputt\n", encoding="utf-8")
    room.add_settings(
        """\
        distribution:
          channels:
            outbox: {type: maildir}
          lists:
            presse: {channel: outbox, csv: liste.csv}
        """
    )
    assert messages(room) == [
        'releases/liste.csv:3: email: "kaputt" is not a valid address: An email address must have an @-sign.'
    ]


def test_minimal_settings_need_only_the_organisation_and_a_boilerplate(room: Room) -> None:
    room.write_settings(
        """\
        organisation: {name: Kleiner Verein}
        boilerplates:
          immer: {valid_from: 2000-01-01, text: Gefördert.}
        """
    )
    settings, problems = load_settings(room.root)
    assert settings is not None
    assert (settings.site.title, settings.site.base_url) == ("Kleiner Verein", "https://example.invalid/")
    assert [p.format(room.root) for p in problems] == [
        "releases/pressroom.yaml:1: warning: site.base_url is not set: feeds and e-mails link to https://example.invalid/"
    ]
