"""Vet a job against the CURRENT release files at the moment of its delivery.

A job was planned when ``publish`` ran; the release may have changed since: set back
to draft, deleted, its embargo or date moved, its text edited. The gate reads the
press room once per dispatcher run and decides, job by job:

- GO: the release is still ready and public for the job's list now, the job carries
  the latest revision, and that revision's text is the current text;
- HOLD until a moment: not public yet for this list (embargo or date moved later);
  the job goes back to pending, due then, its attempt not counted;
- CANCEL with a reason: withdrawn (draft again, file deleted) or superseded;
- HOLD briefly when the gate cannot vouch for the text: the press room has check
  errors, or the release changed since it was queued and ``publish`` has not run.

Nothing stale or unverified goes out; nothing is lost either (a hold is retried).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from .model import Pressroom, Release, local_time
from .queue import Edition, Job, Queue

# How long a job waits when the gate cannot vouch for its text: the next run re-checks.
RECHECK = timedelta(minutes=1)

Action = Literal["go", "hold", "cancel"]


@dataclass(frozen=True)
class Verdict:
    """The gate's decision on one job; *until* is when a held job is due again."""

    action: Action
    reason: str = ""
    until: datetime | None = None

    @property
    def go(self) -> bool:
        return self.action == "go"


GO = Verdict("go")


def vet(job: Job, release: Release | None, latest: Edition | None, embargoed_list: bool,
        current_hash: str, now: datetime) -> Verdict:
    """Decide on *job* from the current *release* (None: its file is gone) and the
    latest queued edition of its slug. Pure: every input is given."""
    if release is None:
        return Verdict("cancel", "withdrawn: release file deleted")
    if release.status != "ready":
        return Verdict("cancel", f"withdrawn: status is {release.status}")
    if latest is not None and job.revision < latest.revision:
        return Verdict("cancel", f"superseded by revision {latest.revision}")
    if not embargoed_list and now < release.public_from:
        when = release.public_from
        # Release times carry the site's zone (load gives it them).
        return Verdict("hold", f"not public before {local_time(when)}", when)
    if latest is None or latest.content_hash != current_hash:
        return Verdict("hold", "changed since it was queued; run pressroom publish", now + RECHECK)
    return GO


@dataclass
class Gate:
    """Vets jobs against the press room at *root*, loaded once per dispatcher run."""

    root: Path
    _pressroom: Pressroom | None = field(default=None, init=False, repr=False)
    _problem: str | None = field(default=None, init=False, repr=False)
    _loaded: bool = field(default=False, init=False, repr=False)

    def forget(self) -> None:
        """Drop the loaded press room: the next job of a new run loads it afresh."""
        self._pressroom, self._problem, self._loaded = None, None, False

    def check(self, job: Job, queue: Queue, now: datetime) -> Verdict:
        """Return the verdict on *job* at *now* (loads the press room at the first job)."""
        from .publish import content_hash

        pressroom = self._load(queue, now)
        if pressroom is None:
            return Verdict("hold", f"press room cannot be checked ({self._problem}); "
                                   "run pressroom check", now + RECHECK)
        try:
            release: Release | None = pressroom.release(job.slug)
        except KeyError:
            release = None
        lst = pressroom.settings.distribution.lists.get(job.list_name)
        embargoed_list = lst is not None and lst.embargoed
        current = content_hash(release) if release is not None else ""
        return vet(job, release, queue.latest_edition(job.slug), embargoed_list, current, now)

    def admit(self, job: Job, queue: Queue, owner: str, now: datetime) -> Verdict:
        """Vet a claimed *job* and carry out a refusal in the queue: a held job goes back
        to pending (due at the verdict's moment), a cancelled one is cancelled with the
        reason. The caller delivers only when the verdict is GO."""
        verdict = self.check(job, queue, now)
        if verdict.action == "cancel":
            queue.mark_cancelled(job.id, owner, now, verdict.reason)
        elif verdict.action == "hold":
            assert verdict.until is not None
            queue.reschedule(job.id, owner, verdict.until, now, f"held: {verdict.reason}")
        return verdict

    def _load(self, queue: Queue, now: datetime) -> Pressroom | None:
        if not self._loaded:
            from .load import load_pressroom

            # Number against the ledger, as publish did: the content hash includes the
            # number, so without the frozen ones a queued release could look changed.
            result = load_pressroom(self.root, now, frozen=queue.numbers())
            self._pressroom, self._loaded = result.pressroom, True
            if result.pressroom is None:
                first = result.errors[0] if result.errors else None
                self._problem = str(first) if first else "settings cannot be read"
        return self._pressroom
