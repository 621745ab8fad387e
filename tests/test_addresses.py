"""One judge of addresses for check, CSV rows and the e-mail builder; IDNA on the wire."""

from __future__ import annotations

from dataclasses import replace
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from conftest import SETTINGS, Room
from distribution_support import NOW, SmtpServer, publish_fake, smtp_distribution, smtp_server

from pressroom.addresses import AddressError, check_address, normalise, quoted
from pressroom.dispatch import Dispatcher
from pressroom.mail import HeaderInjection, MessageBuilder
from pressroom.queue import Edition, Job, open_queue
from pressroom.settings import load_settings

__all__ = ["smtp_server"]  # fixture used below

# The addresses of issue 8 that passed `check` and failed only at delivery, with the
# reason the validator gives for each.
REFUSED = {
    "a..b@example.org": '"a..b@example.org" is not a valid address: '
                        "An email address cannot have two periods in a row.",
    ".x@example.org": '".x@example.org" is not a valid address: An email address cannot start with a period.',
    "x@-example.org": '"x@-example.org" is not a valid address: '
                      "An email address cannot have a hyphen immediately after the @-sign.",
    "josé@example.org": '"josé@example.org" cannot be sent: the part before @ has non-ASCII letters; '
                        "the mail server would need SMTPUTF8, which pressroom does not use",
    "(c)@example.org": '"(c)@example.org" is not a valid address: '
                       "The email address contains invalid characters before the @-sign: '(', ')'.",
}
INTERNATIONAL = "jose@exämple.de"
INTERNATIONAL_WIRE = "jose@xn--exmple-cua.de"


def messages(room: Room) -> list[str]:
    _, problems = load_settings(room.root)
    return [p.format(room.root) for p in problems]


@pytest.mark.parametrize("text", list(REFUSED))
def test_check_address_refuses_with_the_reason_in_plain_words(text: str) -> None:
    with pytest.raises(AddressError) as caught:
        check_address(text)
    assert str(caught.value) == REFUSED[text]
    assert isinstance(caught.value, ValueError)


def test_international_domain_is_given_in_idna_and_the_local_part_keeps_its_case() -> None:
    assert check_address(INTERNATIONAL) == INTERNATIONAL_WIRE
    assert check_address("Jose@EXÄMPLE.de") == "Jose@xn--exmple-cua.de"
    assert check_address(INTERNATIONAL_WIRE) == INTERNATIONAL_WIRE


def test_normalise_gives_one_key_for_every_spelling_of_an_address() -> None:
    spellings = ["Jose@EXÄMPLE.de", INTERNATIONAL, "JOSE@xn--exmple-cua.DE"]
    assert {normalise(s) for s in spellings} == {INTERNATIONAL_WIRE}
    with pytest.raises(AddressError):
        normalise("a..b@example.org")


def test_check_reports_each_bad_recipient_address_at_its_line_in_the_settings_language(room: Room) -> None:
    entries = "\n".join(f"        - {{name: R{i}, email: \"{a}\"}}" for i, a in enumerate(REFUSED))
    room.add_settings(
        "distribution:\n  channels:\n    outbox: {type: maildir}\n  lists:\n    presse:\n"
        f"      channel: outbox\n      recipients:\n{entries}\n"
    )
    assert messages(room) == [
        f"releases/pressroom.yaml:{34 + i}: distribution.lists.presse.recipients[{i}].email: "
        + (f"an {quoted(address)} kann nicht gesendet werden: vor dem @ stehen Umlaute oder andere Sonderzeichen; "
           "schreiben Sie sie ohne (etwa ae statt ä)" if "é" in address else
           f"{quoted(address)} ist keine gültige E-Mail-Adresse: prüfen Sie die Schreibweise, etwa presse@beispiel.de")
        for i, address in enumerate(REFUSED)
    ]


def test_check_refuses_a_bad_contact_and_organisation_address(room: Room) -> None:
    room.write_settings(
        SETTINGS.replace("email: presse@beispiel.example", "email: presse@-beispiel.example")
        .replace("email: ben@beispiel.example", "email: bén@beispiel.example")
    )
    assert messages(room) == [
        'releases/pressroom.yaml:7: organisation.email: "presse@-beispiel.example" ist keine gültige '
        "E-Mail-Adresse: prüfen Sie die Schreibweise, etwa presse@beispiel.de",
        'releases/pressroom.yaml:18: contacts.ben.email: an "bén@beispiel.example" kann nicht gesendet werden: '
        "vor dem @ stehen Umlaute oder andere Sonderzeichen; schreiben Sie sie ohne (etwa ae statt ä)",
    ]


def test_a_recipient_keeps_the_address_it_is_sent_to_and_a_contact_the_one_people_read(room: Room) -> None:
    room.write_settings(SETTINGS.replace("email: ben@beispiel.example", f"email: {INTERNATIONAL}"))
    room.add_settings(smtp_distribution(25, [INTERNATIONAL]))
    settings, problems = load_settings(room.root)
    assert problems == [] and settings is not None
    assert [r.email for r in settings.distribution.lists["presse"].recipients] == [INTERNATIONAL_WIRE]
    assert settings.contacts["ben"].email == INTERNATIONAL


def built(room: Room, tmp_path: Path, recipient: str) -> tuple[Edition, Job]:
    room.add_settings(smtp_distribution(25, [recipient]))
    room.ready("2030-01-01-meldung")
    with open_queue(tmp_path / "q.sqlite3") as queue:
        publish_fake(room.load(NOW), queue, tmp_path)
        (job,) = queue.jobs()
        return queue.edition(job.slug, job.revision), job


def parse(data: bytes) -> EmailMessage:
    parsed = message_from_bytes(data, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_builder_writes_an_international_domain_as_idna_in_the_to_header(room: Room, tmp_path: Path) -> None:
    edition, job = built(room, tmp_path, INTERNATIONAL)
    assert job.email == INTERNATIONAL_WIRE
    headers = MessageBuilder().headers(edition, job)
    headers.decode("ascii")  # the header block is plain ASCII: nothing for SMTPUTF8
    (to,) = parse(headers + b"\r\n")["To"].addresses
    assert (to.addr_spec, to.display_name) == (INTERNATIONAL_WIRE, "Redaktion 0")


def test_builder_converts_an_unconverted_address_from_an_old_queue_entry(room: Room, tmp_path: Path) -> None:
    edition, job = built(room, tmp_path, "nord@zeitung.example")
    headers = MessageBuilder().headers(edition, replace(job, email=INTERNATIONAL))
    assert parse(headers + b"\r\n")["To"].addresses[0].addr_spec == INTERNATIONAL_WIRE


@pytest.mark.parametrize("text", list(REFUSED))
def test_builder_refuses_a_bad_address_with_the_validators_reason(
    room: Room, tmp_path: Path, text: str
) -> None:
    edition, job = built(room, tmp_path, "nord@zeitung.example")
    with pytest.raises(HeaderInjection) as caught:
        MessageBuilder().build(edition, replace(job, email=text))
    assert str(caught.value) == f"To: {REFUSED[text]}"


def test_smtp_envelope_and_headers_carry_international_domains_as_idna(ledger_location,
    room: Room, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    sender = "presse@bürgerverein.example"
    room.write_settings(SETTINGS.replace("email: presse@beispiel.example", f"email: {sender}"))
    room.add_settings(smtp_distribution(smtp_server.port, [INTERNATIONAL, "nord@zeitung.example"]))
    room.ready("2030-01-01-meldung")
    pressroom = room.load(NOW)
    path = ledger_location
    with open_queue(path) as queue:
        publish_fake(pressroom, queue, tmp_path)
        report = Dispatcher(queue, pressroom.settings, lambda: NOW).run_once()
    assert (report.sent, report.dead, report.retrying) == (2, 0, 0)
    (received,) = smtp_server.handler.to(INTERNATIONAL_WIRE)
    assert received.mail_from == "presse@xn--brgerverein-thb.example"
    assert received.rcpt_tos == [INTERNATIONAL_WIRE]
    message = received.message
    assert message["To"].addresses[0].addr_spec == INTERNATIONAL_WIRE
    assert message["From"].addresses[0].addr_spec == "presse@xn--brgerverein-thb.example"
