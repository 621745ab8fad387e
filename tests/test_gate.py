"""Deliver only the current, ready revision: the gate vets every job at delivery time.

Each test publishes for real (check, build, queue), edits the release files the way
a press office would, then dispatches through real SMTP (aiosmtpd) and webhook
servers on loopback. A phrase written only into the release that must not go out
is searched for in every message, every webhook body and every public file.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from distribution_support import NOW, SmtpServer, WebhookServer, smtp_server, webhook_server
from leak_search import leaks

from pressroom.build import build_pressroom
from pressroom.dispatch import Dispatcher, DispatchReport
from pressroom.gate import Gate
from pressroom.load import load_pressroom
from pressroom.model import Settings
from pressroom.publish import PublishReport, publish
from pressroom.queue import SqliteQueue
from pressroom.settings import load_settings

__all__ = ["smtp_server", "webhook_server"]  # fixtures used below

PHRASE = "Zebrafink-Quittung-7731"
SECRET = "2030-01-01-geheim"
OTHER = "2030-01-01-anders"
EMBARGO = "embargo: 2030-01-02T10:00\n"  # 09:00 UTC
AFTER_EMBARGO = datetime(2030, 1, 2, 9, 1, tzinfo=UTC)
ENVIRON = {"HOOK_SECRET": "s3cret"}
PRESSE = {"nord@zeitung.example", "sued@zeitung.example"}
VERTRAUT = "funk@sender.example"


def distribution(port: int, hook: str) -> str:
    """Two mail lists (one embargoed) and a website webhook, all default."""
    return f"""\
distribution:
  channels:
    mail: {{type: smtp, host: 127.0.0.1, port: {port}, security: none, rate_per_minute: 60000}}
    website: {{type: webhook, url: "{hook}", secret_env: HOOK_SECRET}}
  lists:
    presse: {{channel: mail, recipients: [{{email: nord@zeitung.example}}, {{email: sued@zeitung.example}}]}}
    vertraut: {{channel: mail, embargoed: true, recipients: [{{email: {VERTRAUT}}}]}}
    web: {{channel: website}}
  default_lists: [presse, vertraut, web]
"""


class Office:
    """A press room with real servers: publish, edit, dispatch as the CLI would."""

    def __init__(self, room, tmp_path: Path, smtp: SmtpServer, hooks: WebhookServer) -> None:  # type: ignore[no-untyped-def]
        self.room, self.smtp, self.hooks = room, smtp, hooks
        self.queue_path = tmp_path / "ledger.sqlite3"
        room.add_settings(distribution(smtp.port, hooks.url))
        self.lines: list[str] = []

    @property
    def root(self) -> Path:
        return self.room.root

    def secret(self, extra: str = EMBARGO, status: str = "ready", text: str = "") -> Path:
        """The release that must not go out (early): the phrase is in title and body."""
        path = self.room.ready(SECRET, title=f"Geheim {PHRASE}", extra=extra,
                               body=f"Der Text {PHRASE}. {text}\n")
        if status != "ready":
            path.write_text(path.read_text(encoding="utf-8").replace("status: ready",
                                                                     f"status: {status}"))
        return path

    def publish(self, at: datetime) -> PublishReport:
        with SqliteQueue(self.queue_path) as queue:
            return publish(self.root, queue, at)

    def dispatch(self, at: datetime) -> DispatchReport:
        settings = self.settings()
        with SqliteQueue(self.queue_path) as queue:
            dispatcher = Dispatcher(queue, settings, lambda: at, environ=ENVIRON,
                                    echo=self.lines.append, gate=Gate(self.root))
            return dispatcher.run_once()

    def settings(self) -> Settings:
        settings, problems = load_settings(self.root)
        assert settings is not None, [str(p) for p in problems]
        return settings

    def jobs(self, slug: str = SECRET) -> Counter[str]:
        with SqliteQueue(self.queue_path) as queue:
            return Counter(job.state for job in queue.jobs(slug))

    def reasons(self, slug: str = SECRET) -> set[str]:
        with SqliteQueue(self.queue_path) as queue:
            return {job.last_error for job in queue.jobs(slug, "cancelled")}

    def leaks(self) -> list[str]:
        return leaks(PHRASE, self.smtp.handler.received, self.hooks, self.root / "build" / "public")

    def recipients(self) -> Counter[str]:
        return Counter(a for r in self.smtp.handler.received for a in r.rcpt_tos)


@pytest.fixture
def office(room, tmp_path: Path, smtp_server: SmtpServer, webhook_server: WebhookServer) -> Office:  # type: ignore[no-untyped-def]
    office = Office(room, tmp_path, smtp_server, webhook_server)
    room.ready(OTHER, title="Anders")  # a release that does go out, so dispatch demonstrably works
    return office


# --- case 1: withdrawn after publish ------------------------------------------------------

@pytest.mark.parametrize("publish_again", [True, False], ids=["publish-cancels", "gate-alone"])
def test_a_release_set_back_to_draft_after_publish_never_goes_out(office: Office,
                                                                   publish_again: bool) -> None:
    office.secret()
    assert office.publish(NOW).queued == {SECRET: 4, OTHER: 4}
    office.secret(status="draft")
    if publish_again:
        report = office.publish(NOW + timedelta(minutes=1))
        assert f"withdrawn: status is draft {SECRET}: 4 unsent job(s) cancelled" in report.lines()
    sent = office.dispatch(AFTER_EMBARGO)
    assert sent.sent == 4  # OTHER, to everyone
    assert office.jobs() == Counter(cancelled=4)
    assert office.reasons() == {"withdrawn: status is draft"}
    assert office.recipients() == Counter({*PRESSE, VERTRAUT})
    assert len(office.hooks.hits) == 1 and office.hooks.hits[0].json["slug"] == OTHER
    assert office.leaks() == []
    if not publish_again:
        assert sent.cancelled == 4
        assert any(line.startswith("cancelled: ") and "withdrawn: status is draft" in line
                   for line in office.lines)


@pytest.mark.parametrize("publish_again", [True, False], ids=["publish-cancels", "gate-alone"])
def test_a_deleted_release_never_goes_out(office: Office, publish_again: bool) -> None:
    office.secret()
    office.publish(NOW)
    office.dispatch(NOW)  # OTHER goes out; the embargoed list gets SECRET ...
    office.smtp.handler.received.clear()  # ... which is the one delivery allowed: forget it
    (office.root / "releases" / f"{SECRET}.md").unlink()
    if publish_again:
        report = office.publish(NOW + timedelta(minutes=1))
        assert (f"withdrawn: release file deleted {SECRET}: 3 unsent job(s) cancelled; "
                "already sent: 1") in report.lines()
        assert f"  {VERTRAUT}" in report.lines()
    assert office.dispatch(AFTER_EMBARGO).sent == 0
    assert office.jobs() == Counter(cancelled=3, sent=1)
    assert office.reasons() == {"withdrawn: release file deleted"}
    assert office.smtp.handler.received == [] and [h.json["slug"] for h in office.hooks.hits] == [OTHER]
    assert office.leaks() == []


# --- case 5: the date is a floor ----------------------------------------------------------

def test_a_ready_release_dated_in_the_future_is_not_public_before_its_date(office: Office) -> None:
    today = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    christmas = datetime(2026, 12, 24, tzinfo=ZoneInfo("Europe/Berlin"))
    (office.root / "releases" / f"{OTHER}.md").unlink()
    path = office.room.ready("2026-12-24-weihnachten", title=f"Fest {PHRASE}",
                             body=f"Der Text {PHRASE}.\n")
    checked = load_pressroom(office.root, today)
    warnings = [(p.line, p.message) for p in checked.problems if p.path == path]
    assert warnings == [(3, "date: Datum in der Zukunft: öffentlich ab 2026-12-24 00:00 (Europe/Berlin)")]
    report = office.publish(today)
    assert report.queued == {"2026-12-24-weihnachten": 4}
    assert not (office.root / "build" / "public" / "2026-12-24-weihnachten").exists()
    assert (office.root / "build" / "private" / "2026-12-24-weihnachten").is_dir()
    with SqliteQueue(office.queue_path) as queue:
        due = {job.list_name: job.not_before for job in queue.jobs()}
    assert checked.pressroom is not None
    public_from = checked.pressroom.releases[0].public_from
    assert public_from == christmas
    assert due == {"vertraut": today, "presse": public_from, "web": public_from}
    assert office.dispatch(today).sent == 1  # the embargoed list only
    office.smtp.handler.received.clear()
    assert office.dispatch(public_from - timedelta(minutes=1)).sent == 0
    assert office.leaks() == []
    assert office.dispatch(public_from + timedelta(minutes=1)).sent == 3
    assert office.recipients() == Counter(PRESSE)


def test_an_embargoed_list_that_gets_a_future_dated_release_early_is_told_when_it_is_free(
    office: Office,
) -> None:
    """Without an embargo the date is the floor: whoever gets the release before it must
    read the notice, in the subject and the text, as for an embargo."""
    today = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    (office.root / "releases" / f"{OTHER}.md").unlink()
    office.room.ready("2026-12-24-weihnachten", title="Fest", body="Der Text.\n")
    office.publish(today)
    assert office.dispatch(today).sent == 1
    (early,) = office.smtp.handler.received
    assert early.rcpt_tos == [VERTRAUT]
    assert early.message["Subject"] == "Sperrfrist 24.12.2026, 00:00 Uhr: Fest"
    notice = "Sperrfrist: 24.12.2026, 00:00 Uhr. Veröffentlichung erst nach Ablauf der Sperrfrist."
    for kind in ("plain", "html"):
        assert notice in " ".join(early.message.get_body((kind,)).get_content().split())


# --- case 9: a moved embargo -------------------------------------------------------------

LATER = "embargo: 2030-01-03T10:00\n"
AFTER_LATER = datetime(2030, 1, 3, 9, 1, tzinfo=UTC)


def test_a_postponed_embargo_moves_the_jobs_and_they_carry_the_new_text(office: Office) -> None:
    office.secret()
    office.publish(NOW)
    office.dispatch(NOW)  # OTHER, and SECRET to the embargoed list
    office.smtp.handler.received.clear()
    office.hooks.hits.clear()
    office.secret(extra=LATER)
    report = office.publish(NOW + timedelta(hours=1))
    assert f"updated before sending: {SECRET} (3 job(s) now carry the new text)" in report.lines()
    assert any(line.startswith(f"changed after it was queued: {SECRET}") for line in report.lines())
    assert office.dispatch(AFTER_EMBARGO).sent == 0
    assert office.smtp.handler.received == [] and office.hooks.hits == []
    assert office.dispatch(AFTER_LATER).sent == 3
    assert office.recipients() == Counter(PRESSE)
    for envelope in office.smtp.handler.received:
        text = envelope.message.get_body(("plain",)).get_content()
        assert "03.01.2030" in text and "02.01.2030" not in text
    (hit,) = office.hooks.hits
    assert hit.json["embargo"].startswith("2030-01-03T10:00") and hit.json["revision"] == 2


def test_without_publish_a_postponed_embargo_holds_and_stale_text_never_goes_out(office: Office) -> None:
    office.secret()
    office.publish(NOW)
    office.dispatch(NOW)
    office.smtp.handler.received.clear()
    office.hooks.hits.clear()
    office.secret(extra=LATER)  # nobody runs publish
    held = office.dispatch(AFTER_EMBARGO)
    assert (held.sent, held.held) == (0, 3)
    with SqliteQueue(office.queue_path) as queue:
        assert {j.not_before for j in queue.jobs(SECRET, "pending")} == {AFTER_LATER - timedelta(minutes=1)}
    stale = office.dispatch(AFTER_LATER)  # public now, but the queued text is the old one
    assert (stale.sent, stale.held) == (0, 3)
    assert any("changed since it was queued; run pressroom publish" in line for line in office.lines)
    assert office.smtp.handler.received == [] and office.hooks.hits == []
    office.publish(AFTER_LATER + timedelta(minutes=1))
    assert office.dispatch(AFTER_LATER + timedelta(minutes=2)).sent == 3
    (hit,) = office.hooks.hits
    assert hit.json["embargo"].startswith("2030-01-03T10:00")


def test_an_embargo_moved_earlier_moves_the_jobs_earlier(office: Office) -> None:
    office.secret(extra=LATER)
    office.publish(NOW)
    office.secret(extra=EMBARGO)
    report = office.publish(NOW + timedelta(minutes=1))
    assert report.updated == {SECRET: 4}
    with SqliteQueue(office.queue_path) as queue:
        due = {(j.revision, j.list_name): j.not_before for j in queue.jobs(SECRET, "pending")}
    assert due == {(2, "presse"): AFTER_EMBARGO - timedelta(minutes=1),
                   (2, "web"): AFTER_EMBARGO - timedelta(minutes=1),
                   (2, "vertraut"): NOW + timedelta(minutes=1)}
    assert office.dispatch(AFTER_EMBARGO).sent == 4 + 4  # OTHER and SECRET to everyone


# --- the gate when it cannot vouch for the text ----------------------------------------------

def test_a_press_room_with_errors_holds_every_job(office: Office) -> None:
    office.publish(NOW)
    # a ready release (a draft with errors would be left out, not stop the others)
    (office.root / "releases" / "2030-01-02-kaputt.md").write_text("---\ntitle: [\nstatus: ready\n---\n")
    report = office.dispatch(NOW)
    assert (report.sent, report.held) == (0, 4)
    assert office.jobs(OTHER) == Counter(pending=4)
    assert any("press room cannot be checked" in line for line in office.lines)
    (office.root / "releases" / "2030-01-02-kaputt.md").unlink()
    assert office.dispatch(NOW + timedelta(minutes=2)).sent == 4


def test_build_puts_a_future_dated_release_in_private(room) -> None:  # type: ignore[no-untyped-def]
    room.ready("2030-02-01-spaeter", title="Später")
    result = build_pressroom(room.root, now=NOW)
    assert not (result.out / "public" / "2030-02-01-spaeter").exists()
    assert "2030-02-01-spaeter" not in (result.out / "public" / "feed.xml").read_text()
    later = build_pressroom(room.root, now=datetime(2030, 2, 1, 0, 0, tzinfo=UTC))
    assert (later.out / "public" / "2030-02-01-spaeter" / "2030-02-01-spaeter.html").is_file()


# --- the verdict itself (pure) -------------------------------------------------------------

def test_a_job_of_an_older_revision_is_cancelled_as_superseded(room) -> None:  # type: ignore[no-untyped-def]
    from pressroom.gate import vet
    from pressroom.publish import content_hash
    from pressroom.queue import Edition, EditionRecord, Job, Mailbox

    room.ready(SECRET, title="Zahlen")
    release = room.load(NOW).releases[0]
    job = Job(1, "k", SECRET, 1, "presse", "mail", "nord@zeitung.example", "", "sending", NOW, 1,
              "", NOW, "me", NOW, NOW, None)
    current = content_hash(release)
    record = EditionRecord("Zahlen", "", "de", NOW, Mailbox("", "presse@example.org"), "example.org")
    newer = Edition(SECRET, 2, current, record)
    assert vet(job, release, newer, False, current, NOW).reason == "superseded by revision 2"
    same = Edition(SECRET, 1, current, record)
    assert vet(job, release, same, False, current, NOW).go
    assert vet(job, release, same, False, "other text", NOW).action == "hold"
