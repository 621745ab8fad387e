"""The outbox's storage interface: what publish and dispatch need, and nothing more.

A backend stores *editions* (what a release looked like when it was queued, with
the files an e-mail carries) and *jobs* (one per release, channel and recipient).
SQLite and PostgreSQL implement it (sql.py holds their shared statements); on
PostgreSQL several dispatchers on several machines share one queue (``SELECT ...
FOR UPDATE SKIP LOCKED`` for ``claim``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from ..errors import QueueError

State = Literal["pending", "sending", "sent", "failed", "dead", "cancelled"]
STATES: tuple[State, ...] = ("pending", "sending", "sent", "failed", "dead", "cancelled")
# States a job can still leave on its own: supersede recalls these.
OPEN_STATES: tuple[State, ...] = ("pending", "failed")
# Not yet delivered: cancel recalls these, including a job whose dispatcher died under lease.
UNSENT_STATES: tuple[State, ...] = ("pending", "failed", "sending")
# States a person may make due again with `queue retry`.
RETRYABLE_STATES: tuple[State, ...] = ("failed", "dead", "cancelled")


def job_key(slug: str, channel: str, email: str, revision: int) -> str:
    """Return the stable idempotency key of one delivery.

    The same release revision to the same address on the same channel always
    gets the same key, so it can be queued only once; ``resend`` raises the
    revision and with it the key.
    """
    text = "\0".join((slug, channel, email.strip().lower(), str(revision)))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class File:
    """One stored part of an edition: the text body, the HTML body, the PDF, the DOCX."""

    kind: str  # text | html | pdf | docx
    filename: str
    content_type: str  # maintype/subtype
    data: bytes


@dataclass(frozen=True)
class Mailbox:
    """A name and an address as a message header shows them."""

    name: str
    email: str


@dataclass(frozen=True)
class EditionRecord:
    """What a release said when it was queued, beyond the stored files: everything a
    message's headers or a webhook body show. Backends store it as JSON (``to_json``)."""

    title: str
    number: str
    language: str
    published: datetime
    sender: Mailbox  # the address as the SMTP envelope carries it: ASCII, a domain in IDNA
    host: str  # the right-hand side of Message-IDs
    lead: str | None = None
    embargo: datetime | None = None
    # Until then a message is early and carries the notice: the embargo, or a later date.
    public_from: datetime | None = None
    reply_to: Mailbox | None = None
    urls: Mapping[str, str] = field(default_factory=dict)  # kind (html, pdf, docx) -> public URL

    @property
    def held_until(self) -> datetime | None:
        """The moment before which a message is early (ledgers written before
        ``public_from`` was stored name only the embargo)."""
        return self.public_from or self.embargo

    def to_json(self) -> dict[str, Any]:
        """Return the record as JSON-able data, under the keys every ledger version uses."""
        return {
            "title": self.title, "number": self.number, "language": self.language,
            "published": self.published.isoformat(), "lead": self.lead,
            "embargo": _iso(self.embargo), "public_from": _iso(self.public_from),
            "from_name": self.sender.name, "from_email": self.sender.email,
            "reply_to_name": self.reply_to.name if self.reply_to else None,
            "reply_to_email": self.reply_to.email if self.reply_to else None,
            "host": self.host, "urls": dict(self.urls),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EditionRecord:
        """Read a record stored by ``to_json`` or by an earlier version (keys it lacked
        take their defaults; keys it had that are gone, such as slug, are ignored)."""
        try:
            reply_email = data.get("reply_to_email")
            return cls(
                title=str(data["title"]), number=str(data.get("number") or ""),
                language=str(data["language"]), published=datetime.fromisoformat(data["published"]),
                sender=Mailbox(str(data.get("from_name") or ""), str(data["from_email"])),
                host=str(data.get("host") or "localhost"), lead=data.get("lead"),
                embargo=_moment(data.get("embargo")), public_from=_moment(data.get("public_from")),
                reply_to=Mailbox(str(data.get("reply_to_name") or ""), reply_email) if reply_email else None,
                urls={str(k): str(v) for k, v in (data.get("urls") or {}).items()},
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise QueueError(f"the ledger holds an edition record it cannot read ({type(exc).__name__}:"
                             f" {exc})") from None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _moment(value: object) -> datetime | None:
    return datetime.fromisoformat(str(value)) if value else None


@dataclass(frozen=True)
class Edition:
    """A release as it was queued: its record and the files it goes out with."""

    slug: str
    revision: int
    content_hash: str
    record: EditionRecord
    files: dict[str, File] = field(default_factory=dict)
    created_at: datetime | None = None


@dataclass(frozen=True)
class NewJob:
    """A job to queue: who gets which edition through which channel, from when."""

    list_name: str
    channel: str
    email: str  # "" for a webhook
    name: str
    not_before: datetime
    replaces: str = ""  # a correction: the key of the delivery it corrects

    def key(self, slug: str, revision: int) -> str:
        return job_key(slug, self.channel, self.email, revision)


@dataclass(frozen=True)
class Job:
    """One delivery as stored: its state, attempts and lease."""

    id: int
    key: str
    slug: str
    revision: int
    list_name: str
    channel: str
    email: str
    name: str
    state: State
    not_before: datetime
    attempts: int
    last_error: str
    leased_until: datetime | None
    lease_owner: str
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None
    replaces: str = ""  # a correction: the key of the delivery this recipient received first


SuppressionSource = Literal["manual", "bounce", "unsubscribe", "smtp"]


@dataclass(frozen=True)
class Suppression:
    """An address that gets nothing from any list: who asked, or which server said it is gone."""

    address: str  # normalised
    source: SuppressionSource
    reason: str
    created_at: datetime

    def why(self) -> str:
        """Return the reason a job to this address is cancelled, in plain words."""
        said = f": {self.reason}" if self.reason else ""
        return f"suppressed: {self.source} {self.created_at:%Y-%m-%d}{said}"


@dataclass(frozen=True)
class CancelResult:
    """What ``cancel`` did: jobs recalled, those already sent, and those in flight.

    *in_flight* jobs were being sent under a live lease at the moment of the recall:
    they are cancelled too, but their message may have gone out (the dispatcher then
    records it as sent).
    """

    cancelled: int
    sent: list[Job]
    in_flight: list[Job]


@dataclass(frozen=True)
class ChannelState:
    """A channel that failed as a whole: paused until a moment, with its last error."""

    channel: str
    paused_until: datetime
    failures: int  # in a row; a delivery through the channel clears the state
    last_error: str
    waiting: int  # its jobs not yet sent, dead or cancelled

    def paused(self, now: datetime) -> bool:
        """Tell whether the channel is still paused at *now*."""
        return self.paused_until > now


class Queue(Protocol):
    """The durable outbox. Every method is one transaction."""

    def add_edition(self, edition: Edition, jobs: list[NewJob], now: datetime) -> int:
        """Store *edition* and its jobs atomically; return how many jobs were new.

        The edition's number is recorded (source "queued") in the same transaction.
        """
        ...

    def record_baseline(self, edition: Edition, now: datetime) -> bool:
        """Store *edition* without jobs, marked as already distributed (``queue baseline``).

        ``publish`` then finds the release queued and sends nothing. Returns False,
        changing nothing, when the release already has an edition.
        """
        ...

    def baselines(self) -> dict[str, datetime]:
        """Return the releases recorded as distributed without sending, with when."""
        ...

    def latest_edition(self, slug: str) -> Edition | None:
        """Return the highest revision of *slug* without its files, or None."""
        ...

    def edition(self, slug: str, revision: int) -> Edition:
        """Return one edition with its files."""
        ...

    def claim(self, now: datetime, lease: timedelta, owner: str,
              max_attempts: int | None = None,
              channels: Collection[str] | None = None) -> Job | None:
        """Lease the job due first (pending or failed and due, or sending with an expired
        lease, each by the moment it became due) whose channel is not paused and whose
        attempts are below *max_attempts* (None: no limit); the claim counts an attempt.

        With *channels*, only a job of one of those channels (a simulated run uses
        its Maildir channels only); None means every channel. A job to a suppressed
        address is cancelled with the reason instead of claimed.
        """
        ...

    def give_up(self, now: datetime, max_attempts: int) -> list[Job]:
        """Mark dead the claimable jobs that have used *max_attempts*; return them."""
        ...

    def mark_sent(self, job_id: int, now: datetime) -> None:
        """Record a delivery, and the number it carried (source "sent"), in one transaction."""
        ...

    def mark_failed(self, job_id: int, owner: str, now: datetime, error: str,
                    retry_at: datetime | None) -> None:
        """Record a failed attempt: failed until *retry_at*, or dead when it is None."""
        ...

    def release(self, job_id: int, owner: str, now: datetime) -> None:
        """Give a claimed job back untried (the dispatcher is stopping, the channel is down)."""
        ...

    def pause_channel(self, channel: str, now: datetime, error: str,
                      backoff: Callable[[int], timedelta]) -> ChannelState:
        """Record that *channel* failed as a whole: pause it for ``backoff(failures in a row)``."""
        ...

    def channel_ok(self, channel: str) -> None:
        """Record that *channel* delivered: forget its failures and pause."""
        ...

    def channel_states(self) -> list[ChannelState]:
        """Return the channels that failed as a whole (paused now or before), by name."""
        ...

    def take_slot(self, channel: str, interval: float, now: float) -> float:
        """Reserve the next send of *channel*, at most one per *interval* seconds across every
        dispatcher of this queue; return when (epoch seconds, *now* is the wall clock)."""
        ...

    def cancel(self, slug: str, now: datetime, reason: str = "recalled") -> CancelResult:
        """Recall every unsent job of *slug* (pending, failed, sending) with *reason*;
        report what had already gone out and what was in flight under a live lease."""
        ...

    def mark_cancelled(self, job_id: int, owner: str, now: datetime, reason: str) -> None:
        """Cancel a job this *owner* has claimed (it must not go out), with *reason*."""
        ...

    def reschedule(self, job_id: int, owner: str, not_before: datetime, now: datetime,
                   reason: str) -> None:
        """Give a claimed job back untried, due again at *not_before*; *reason* says why."""
        ...

    def supersede(self, slug: str, below_revision: int, now: datetime) -> int:
        """Cancel the open jobs of older revisions of *slug* (a correction replaces them)."""
        ...

    def retry(self, job_id: int, now: datetime) -> Job:
        """Make a failed, dead or cancelled job due again at *now*."""
        ...

    def retry_where(self, now: datetime, state: State, slug: str | None = None,
                    channel: str | None = None) -> list[Job]:
        """Make every job in *state* (failed, dead or cancelled) due again at *now*, in one transaction.

        *slug* and *channel* narrow the selection. Jobs of a revision that a
        correction replaced stay as they are (their recipients get the new one).
        Return the jobs made due, by id.
        """
        ...

    def jobs(self, slug: str | None = None, state: str | None = None,
             limit: int | None = None) -> list[Job]:
        """List jobs, oldest first, optionally of one release or state."""
        ...

    def counts(self) -> dict[tuple[str, str], int]:
        """Count jobs by (slug, state)."""
        ...

    def numbers(self) -> dict[str, str]:
        """Return every release number recorded as published, queued or sent -> its slug.

        The order is the order of recording, so a release that (in an old ledger)
        owns several numbers is known by the first. ``add_edition`` records the
        edition's number and ``mark_sent`` the delivered edition's, each in the
        transaction of its own change, so a number that went out is never missing here.
        """
        ...

    def record_numbers(self, assignments: Mapping[str, str], now: datetime, source: str) -> None:
        """Record numbers (number -> slug) seen in *source* ("public", "queued", "sent").

        A number recorded before keeps its first owner: numbers never move.
        """
        ...

    def suppress(self, address: str, source: SuppressionSource, reason: str,
                 now: datetime) -> bool:
        """Add *address* to the suppression list; False if it was on it already (kept as it was)."""
        ...

    def unsuppress(self, address: str) -> bool:
        """Take *address* off the suppression list; False if it was not on it."""
        ...

    def suppressions(self) -> list[Suppression]:
        """List the suppressed addresses, oldest first."""
        ...

    def secret(self, name: str) -> bytes:
        """Return the ledger's random key *name*, created on first use and never changed."""
        ...

    def addresses(self) -> list[str]:
        """Return every address the ledger has a job for, normalised, once each."""
        ...

    def timeline(self) -> dict[str, tuple[datetime | None, datetime | None]]:
        """Per release: when its next open job is due, and when its last delivery went out."""
        ...

    def schema_versions(self) -> tuple[int, int]:
        """The ledger's schema version when it was opened, and now (opening migrates it)."""
        ...

    def close(self) -> None:
        """Release the storage."""
        ...
