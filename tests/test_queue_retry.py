"""Bulk steering: `queue retry --state S [--slug] [--channel]` and `--all-dead` next to `retry ID`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from distribution_support import NOW, publish_fake

from pressroom.cli import cli
from pressroom.errors import UserError
from pressroom.queue import Edition, open_queue

EINS, ZWEI = "2030-01-01-eins", "2030-01-01-zwei"
LATER = NOW + timedelta(days=1)
LEASE = timedelta(minutes=5)

LISTS = """\
distribution:
  channels:
    mail: {type: maildir, path: build/outbox}
    website: {type: webhook, url: "http://127.0.0.1:9/hook", secret_env: HOOK_SECRET}
  lists:
    presse:
      channel: mail
      recipients: [{email: nord@zeitung.example}, {email: sued@zeitung.example}]
    web: {channel: website}
  default_lists: [presse, web]
"""


@pytest.fixture
def queue_file(room, tmp_path: Path, ledger_location):  # type: ignore[no-untyped-def]
    """Two releases, three jobs each (two e-mails, one webhook), every job dead."""
    room.add_settings(LISTS)
    room.ready(EINS)
    room.ready(ZWEI)
    path = ledger_location
    with open_queue(path) as queue:
        publish_fake(room.load(NOW), queue, tmp_path)
        while (job := queue.claim(NOW, LEASE, "test")) is not None:
            queue.mark_failed(job.id, "test", NOW, "550 no such mailbox", None)
    return path


def states(path: Path) -> dict[tuple[str, str, str], str]:
    """Return (slug, channel, recipient) -> state."""
    with open_queue(path) as queue:
        return {(j.slug, j.channel, j.email): j.state for j in queue.jobs()}


def test_retry_where_makes_due_only_the_selected_jobs_in_one_go(queue_file: Path) -> None:
    with open_queue(queue_file) as queue:
        retried = queue.retry_where(LATER, "dead", slug=EINS, channel="mail")
        assert [(j.slug, j.channel, j.state, j.attempts, j.not_before) for j in retried] == [
            (EINS, "mail", "pending", 0, LATER)] * 2
        assert [j.id for j in retried] == sorted(j.id for j in retried)
        assert queue.claim(LATER, LEASE, "test") is not None  # due again
    after = states(queue_file)
    assert sorted(k for k, v in after.items() if v != "dead") == [
        (EINS, "mail", "nord@zeitung.example"), (EINS, "mail", "sued@zeitung.example")]


def test_retry_where_by_channel_spans_releases_and_leaves_other_states_alone(queue_file: Path) -> None:
    with open_queue(queue_file) as queue:
        hook = next(j for j in queue.jobs(slug=ZWEI) if j.channel == "website")
        queue.retry(hook.id, NOW)
        claimed = queue.claim(NOW, LEASE, "test")
        assert claimed is not None and claimed.id == hook.id
        queue.mark_failed(hook.id, "test", NOW, "503", NOW + timedelta(hours=1))
        retried = queue.retry_where(LATER, "dead", channel="website")
    assert [(j.slug, j.channel) for j in retried] == [(EINS, "website")]
    after = states(queue_file)
    assert after[(ZWEI, "website", "")] == "failed"  # a failed job is not dead: not selected
    assert list(after.values()).count("dead") == 4


def test_retry_where_leaves_jobs_of_a_replaced_revision_alone(queue_file: Path) -> None:
    with open_queue(queue_file) as queue:
        old = queue.latest_edition(EINS)
        assert old is not None
        queue.add_edition(Edition(EINS, 2, "corrected", old.record), [], NOW)
        retried = queue.retry_where(LATER, "dead")
    assert {j.slug for j in retried} == {ZWEI}  # revision 1 of EINS was corrected: not resent


def test_retry_where_refuses_a_state_that_cannot_be_retried(queue_file: Path) -> None:
    with open_queue(queue_file) as queue, pytest.raises(UserError, match="not sent"):
        queue.retry_where(LATER, "sent")


# --- the command ---------------------------------------------------------------------------

def run(room, queue_file: Path, *args: str):  # type: ignore[no-untyped-def]
    base = ["queue", "--root", str(room.root), "--queue", str(queue_file), "--now", "2030-01-02T10:00"]
    return CliRunner().invoke(cli, [*base, *args])


def test_cli_retry_by_state_slug_and_channel_names_what_it_made_due(room, queue_file: Path) -> None:
    done = run(room, queue_file, "retry", "--state", "dead", "--slug", EINS, "--channel", "mail")
    assert done.exit_code == 0, done.output
    lines = done.stdout.splitlines()
    assert lines[0] == "retry: 2 dead job(s) due again"
    assert [line.split()[1:3] for line in lines[1:]] == [[EINS, "nord@zeitung.example"],
                                                          [EINS, "sued@zeitung.example"]]
    assert list(states(queue_file).values()).count("pending") == 2


def test_cli_retry_all_dead_makes_every_dead_job_due(room, queue_file: Path) -> None:
    done = run(room, queue_file, "retry", "--all-dead")
    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines()[0] == "retry: 6 dead job(s) due again"
    assert set(states(queue_file).values()) == {"pending"}
    again = run(room, queue_file, "retry", "--all-dead")
    assert again.exit_code == 0 and again.stdout == "retry: no dead job matched; nothing changed\n"


@pytest.mark.parametrize(("args", "message"), [
    ((), "usage: pressroom queue retry ID | --state"),
    (("--slug", EINS), "--slug and --channel narrow a selection; add --state STATE or --all-dead"),
    (("1", "--state", "dead"), "give a job ID or a selection"),
    (("--all-dead", "--state", "failed"), "--all-dead means --state dead"),
])
def test_cli_retry_without_a_clear_selection_is_refused_in_one_line(
    room, queue_file: Path, args: tuple[str, ...], message: str
) -> None:
    done = run(room, queue_file, "retry", *args)
    assert done.exit_code == 1
    assert done.stdout == "" and done.stderr.count("\n") == 1 and message in done.stderr
    assert set(states(queue_file).values()) == {"dead"}


def test_cli_retry_of_one_id_still_works(room, queue_file: Path) -> None:
    done = run(room, queue_file, "retry", "3")
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith("retry:      3  pending")
