"""Publish: queue each ready release once, honour embargoes and lists, report corrections."""

from __future__ import annotations

import mailbox
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

from click.testing import CliRunner
from distribution_support import NOW, fake_outputs, publish_fake

from pressroom.cli_distribution import dispatch_command, publish_command, queue_group
from pressroom.publish import content_hash, resend
from pressroom.queue import open_queue

LISTS = """\
distribution:
  channels:
    outbox: {type: maildir, path: build/outbox}
    website: {type: webhook, url: "http://127.0.0.1:9/hook", secret_env: HOOK_SECRET}
  lists:
    presse:
      channel: outbox
      recipients:
        - {name: Redaktion Nord, email: nord@zeitung.example}
        - {name: Redaktion Süd, email: sued@zeitung.example}
    vertraut:
      channel: outbox
      embargoed: true
      recipients:
        - {name: Funkhaus, email: funk@sender.example}
        - {name: Redaktion Nord, email: NORD@zeitung.example}
    web: {channel: website}
  default_lists: [presse, vertraut, web]
"""


def test_publishing_twice_queues_nothing_new(ledger_location, room, tmp_path: Path) -> None:
    room.add_settings(LISTS)
    room.ready("2030-01-01-eins")
    room.ready("2030-01-01-zwei", title="Zwei")
    pressroom = room.load(NOW)
    with open_queue(ledger_location) as queue:
        first = publish_fake(pressroom, queue, tmp_path)
        second = publish_fake(pressroom, queue, tmp_path, NOW + timedelta(hours=1))
        assert first.queued == {"2030-01-01-eins": 4, "2030-01-01-zwei": 4}
        assert second.queued == {} and sorted(second.unchanged) == ["2030-01-01-eins", "2030-01-01-zwei"]
        assert len(queue.jobs()) == 8


def test_a_draft_is_never_queued(ledger_location, room, tmp_path: Path) -> None:
    room.add_settings(LISTS)
    room.release("2030-01-01-entwurf", "title: Entwurf\ndate: 2030-01-01\nlead: L.\nstatus: draft")
    with open_queue(ledger_location) as queue:
        report = publish_fake(room.load(NOW), queue, tmp_path)
        assert report.drafts == ["2030-01-01-entwurf"] and report.queued == {}
        assert queue.jobs() == []


def test_embargoed_lists_are_due_at_once_and_the_others_when_the_embargo_lifts(ledger_location, room, tmp_path: Path) -> None:
    room.add_settings(LISTS)
    room.ready("2030-01-01-sperre", extra="embargo: 2030-01-03T10:00\n")
    pressroom = room.load(NOW)
    embargo = pressroom.releases[0].embargo
    with open_queue(ledger_location) as queue:
        publish_fake(pressroom, queue, tmp_path)
        due = {(j.list_name, j.email or j.channel): j.not_before for j in queue.jobs()}
    assert due == {
        ("vertraut", "funk@sender.example"): NOW,
        ("vertraut", "NORD@zeitung.example"): NOW,
        ("presse", "sued@zeitung.example"): embargo,
        ("web", "website"): embargo,  # the website must not publish before the embargo either
    }


def test_an_address_on_two_lists_of_one_channel_gets_one_job(ledger_location, room, tmp_path: Path) -> None:
    room.add_settings(LISTS)
    room.ready("2030-01-01-eins")
    with open_queue(ledger_location) as queue:
        publish_fake(room.load(NOW), queue, tmp_path)
        nord = [j for j in queue.jobs() if j.email.lower() == "nord@zeitung.example"]
    assert [j.list_name for j in nord] == ["vertraut"]


def test_release_lists_in_front_matter_replace_the_default_lists(ledger_location, room, tmp_path: Path) -> None:
    room.add_settings(LISTS)
    room.ready("2030-01-01-eins", extra="distribution: [web]\n")
    with open_queue(ledger_location) as queue:
        publish_fake(room.load(NOW), queue, tmp_path)
        assert [(j.list_name, j.channel, j.email) for j in queue.jobs()] == [("web", "website", "")]


def test_without_distribution_settings_the_press_office_gets_its_own_release(ledger_location, room, tmp_path: Path) -> None:
    room.ready("2030-01-01-eins")
    with open_queue(ledger_location) as queue:
        publish_fake(room.load(NOW), queue, tmp_path)
        assert [(j.channel, j.email) for j in queue.jobs()] == [("outbox", "presse@beispiel.example")]


def test_a_release_changed_after_queueing_is_reported_and_resend_queues_a_correction(ledger_location,
    room, tmp_path: Path
) -> None:
    room.add_settings(LISTS)
    room.ready("2030-01-01-eins", extra="embargo: 2030-01-03T10:00\n")
    with open_queue(ledger_location) as queue:
        publish_fake(room.load(NOW), queue, tmp_path)
        for _ in range(2):  # the embargoed list got the first text already
            job = queue.claim(NOW, timedelta(minutes=5), "test")
            assert job is not None and job.list_name == "vertraut"
            queue.mark_sent(job.id, NOW)
        room.ready("2030-01-01-eins", body="Korrigierter Text.\n", extra="embargo: 2030-01-03T10:00\n")
        changed = room.load(NOW)
        report = publish_fake(changed, queue, tmp_path)
        assert report.changed == ["2030-01-01-eins"] and report.queued == {}
        # the two still waiting for the embargo get the new text (revision 2) instead
        assert report.updated == {"2030-01-01-eins": 2}
        assert any("queue resend 2030-01-01-eins" in line for line in report.lines())
        revision, added, recalled = resend(changed, fake_outputs(tmp_path / "b2"), queue,
                                           "2030-01-01-eins", NOW)
        assert (revision, added) == (3, 4)
        assert recalled == 2  # the two revision-2 jobs still waiting for the embargo
        states = sorted((j.revision, j.state) for j in queue.jobs())
        assert states == ([(1, "cancelled")] * 2 + [(1, "sent")] * 2 + [(2, "cancelled")] * 2
                          + [(3, "pending")] * 4)
        latest = queue.latest_edition("2030-01-01-eins")
        assert latest is not None and latest.content_hash == content_hash(changed.releases[0])
        assert publish_fake(changed, queue, tmp_path).unchanged == ["2030-01-01-eins"]


def test_cli_publish_then_dispatch_fills_the_outbox_of_the_sample(ledger_location, sample_root: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    queue_file = ledger_location
    args = ["--root", str(sample_root), "--queue", str(queue_file), "--now", "2030-01-01T09:00"]
    first = runner.invoke(publish_command, args)
    assert first.exit_code == 0, first.output
    assert "2 release(s) queued (6 job(s))" in first.output
    again = runner.invoke(publish_command, args)
    assert "0 release(s) queued" in again.output and "2 already queued" in again.output
    sent = runner.invoke(dispatch_command, [*args, "--once"])
    assert sent.exit_code == 0, sent.output
    assert "dispatch: 6 sent, 0 to retry, 0 dead" in sent.output
    box = mailbox.Maildir(sample_root / "build" / "outbox", create=False)
    messages = [message_from_bytes(m.as_bytes(), policy=policy.default) for m in box]
    assert len(messages) == 6
    assert len({m["Message-ID"] for m in messages}) == 6
    for msg in messages:
        (pdf,) = list(msg.iter_attachments())
        assert pdf.get_content().startswith(b"%PDF-") and pdf.get_filename().endswith(".pdf")
    assert not (sample_root / "build" / "public" / "outbox").exists()
    status = runner.invoke(queue_group, ["--root", str(sample_root), "--queue", str(queue_file), "status"])
    assert status.exit_code == 0 and "total" in status.output
    assert status.output.splitlines()[-1].split()[1:] == ["0", "0", "6", "0", "0", "0"]


def test_cli_queue_cancel_list_and_retry(ledger_location, room, tmp_path: Path) -> None:
    room.add_settings(LISTS)
    room.ready("2030-01-01-eins", extra="embargo: 2030-01-03T10:00\n")
    queue_file = ledger_location
    with open_queue(queue_file) as queue:
        publish_fake(room.load(NOW), queue, tmp_path)
        job = queue.claim(NOW, timedelta(minutes=5), "test")
        assert job is not None
        queue.mark_sent(job.id, NOW)
    runner = CliRunner()
    base = ["--root", str(room.root), "--queue", str(queue_file), "--now", "2030-01-01T10:00"]
    cancelled = runner.invoke(queue_group, [*base, "cancel", "2030-01-01-eins"])
    assert cancelled.exit_code == 0, cancelled.output
    assert "3 job(s) recalled" in cancelled.output
    assert "already sent (1)" in cancelled.output and job.email in cancelled.output
    listed = runner.invoke(queue_group, [*base, "list", "--state", "cancelled"])
    assert len(listed.output.splitlines()) == 3
    first_id = listed.output.split()[0]
    retried = runner.invoke(queue_group, [*base, "retry", first_id])
    assert retried.exit_code == 0 and "pending" in retried.output
    refused = runner.invoke(queue_group, [*base, "retry", str(job.id)])
    assert refused.exit_code == 1 and "resend" in refused.output
