"""Deliver due jobs: claim one with a lease, send it through its channel, record the outcome.

Delivery is at least once: a job is marked sent only after its channel accepted
it, so a dispatcher killed between the two leaves that one job to be sent again
once its lease runs out (the repeat has the same Message-ID). One job is in hand
at a time, so at most one message per killed dispatcher is repeated.
"""

from __future__ import annotations

import json
import logging
import os
import random
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from .channels import (
    ChannelConfigError,
    EmailTransport,
    PermanentFailure,
    TemporaryFailure,
    Transport,
    WebhookTransport,
    open_channel,
)
from .errors import PressroomError, QueueError
from .gate import Gate
from .mail import MessageBuilder
from .model import Settings
from .queue import Edition, Job, Queue
from .suppression import TOKEN_KEY

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class RetryPolicy:
    """Lease length and exponential backoff with jitter, up to a maximum of attempts."""

    lease: timedelta = timedelta(minutes=5)
    base_delay: timedelta = timedelta(minutes=1)
    max_delay: timedelta = timedelta(hours=6)
    max_attempts: int = 8
    jitter: float = 0.25  # up to +25 %, so retries of many jobs spread out

    def delay(self, attempts: int, rng: random.Random) -> timedelta:
        """Return the wait after the *attempts*-th failed attempt."""
        exponential = self.base_delay * (2 ** max(attempts - 1, 0))
        capped = min(exponential, self.max_delay)
        return min(capped * (1 + rng.uniform(0, self.jitter)), self.max_delay)


@dataclass
class DispatchReport:
    """What one run did."""

    sent: int = 0
    retrying: int = 0
    dead: int = 0
    held: int = 0  # the gate gave them back: not public yet, or the text is not verified
    cancelled: int = 0  # the gate recalled them: withdrawn or superseded
    failures: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return self.sent + self.retrying + self.dead


def webhook_body(edition: Edition, job: Job) -> bytes:
    """Return the JSON a webhook receives for one release."""
    meta = edition.meta
    payload = {
        "event": "release",
        "slug": edition.slug,
        "revision": edition.revision,
        "number": meta["number"],
        "title": meta["title"],
        "lead": meta.get("lead"),
        "date": meta["published"],
        "embargo": meta.get("embargo"),
        "language": meta["language"],
        "urls": meta["urls"],
        "delivery": job.key,
        # A correction: the delivery it replaces is the one the receiver already has.
        "correction": bool(job.replaces),
        "replaces": job.replaces or None,
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")


class Dispatcher:
    """Claims and delivers jobs; ``stop()`` (from a signal handler) ends it after the job in hand."""

    def __init__(
        self,
        queue: Queue,
        settings: Settings,
        clock: Clock,
        policy: RetryPolicy | None = None,
        environ: Mapping[str, str] | None = None,
        owner: str | None = None,
        echo: Callable[[str], None] | None = None,
        rng: random.Random | None = None,
        gate: Gate | None = None,
        channels: frozenset[str] | None = None,
    ) -> None:
        self.queue = queue
        # The channels this run may use (None: all); see safeguards.usable_channels.
        self.channels = channels
        self.settings = settings
        self.clock = clock
        self.policy = policy or RetryPolicy()
        self.environ = environ
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.echo = echo or (lambda line: None)
        self.rng = rng or random.Random()
        self.gate = gate  # None: deliver what was queued without re-reading the release files
        self._stop = threading.Event()
        self._transports: dict[str, Transport] = {}
        self._editions: dict[tuple[str, int], Edition] = {}
        self.messages = MessageBuilder(unsubscribe_key=queue.secret(TOKEN_KEY))

    @property
    def root(self) -> Path:
        return self.settings.root

    def stop(self) -> None:
        """Ask the dispatcher to stop after the job in hand."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run_once(self) -> DispatchReport:
        """Deliver every job due now, then return (connections are closed)."""
        report = DispatchReport()
        if self.gate is not None:
            self.gate.forget()  # each run vets against the release files as they are now
        try:
            while not self._stop.is_set():
                job = self.queue.claim(self.clock(), self.policy.lease, self.owner,
                                       channels=self.channels)
                if job is None:
                    break
                self.handle(job, report)
        finally:
            self.close()
        return report

    def run_forever(self, poll: float = 10.0) -> DispatchReport:
        """Deliver due jobs, then poll every *poll* seconds until stopped."""
        total = DispatchReport()
        while not self._stop.is_set():
            report = self.run_once()
            total.sent += report.sent
            total.retrying += report.retrying
            total.dead += report.dead
            total.held += report.held
            total.cancelled += report.cancelled
            total.failures += report.failures
            self._stop.wait(poll)  # a real sleep: backoff and embargoes pass in real time
        return total

    def handle(self, job: Job, report: DispatchReport) -> None:
        """Deliver one claimed job and record what happened."""
        if self.gate is not None and not self._admitted(job, report):
            return
        try:
            self.deliver(job)
        except QueueError:
            raise  # the ledger itself failed: stop; the job's lease returns it later
        except ChannelConfigError:
            self.queue.release(job.id, self.owner, self.clock())
            raise
        except TemporaryFailure as exc:
            if job.attempts >= self.policy.max_attempts:
                self._dead(job, f"{exc} (gave up after {job.attempts} attempts)", report)
            else:
                now = self.clock()
                retry_at = now + self.policy.delay(job.attempts, self.rng)
                self.queue.mark_failed(job.id, self.owner, now, str(exc), retry_at)
                report.retrying += 1
                line = (f"retry {_who(job)}: {exc} "
                        f"(attempt {job.attempts}, next {retry_at:%Y-%m-%d %H:%M:%S}Z)")
                report.failures.append(line)
                self.echo(line)
        except (PermanentFailure, PressroomError) as exc:
            self._dead(job, str(exc), report)
            if isinstance(exc, PermanentFailure) and exc.mailbox_gone and job.email:
                self.queue.suppress(job.email, "smtp", str(exc), self.clock())
        else:
            self._mark_sent(job)
            report.sent += 1
            log.debug("sent %s", _who(job))

    def _admitted(self, job: Job, report: DispatchReport) -> bool:
        """Ask the gate whether *job* may go out now; a refusal is recorded and echoed."""
        assert self.gate is not None
        verdict = self.gate.admit(job, self.queue, self.owner, self.clock())
        if verdict.go:
            return True
        if verdict.action == "hold":
            report.held += 1
        else:
            report.cancelled += 1
        self.echo(f"{'held' if verdict.action == 'hold' else 'cancelled'}: {_who(job)}: {verdict.reason}")
        return False
    def _mark_sent(self, job: Job) -> None:
        """Record a delivery; if the queue fails now, say which message will be repeated."""
        try:
            self.queue.mark_sent(job.id, self.clock())
        except QueueError as exc:
            raise QueueError(f"{exc} ({_who(job)} was delivered but could not be marked sent,"
                             " so it may go out once more)") from exc

    def _dead(self, job: Job, error: str, report: DispatchReport) -> None:
        self.queue.mark_failed(job.id, self.owner, self.clock(), error, None)
        report.dead += 1
        line = f"dead {_who(job)}: {error}"
        report.failures.append(line)
        self.echo(line)

    def deliver(self, job: Job) -> None:
        """Send *job* through its channel; raise a DeliveryFailure if it did not go out."""
        channel = self.settings.distribution.channels.get(job.channel)
        if channel is None:
            raise PermanentFailure(f"channel {job.channel!r} is no longer in the settings")
        transport = self._transport(job.channel)
        edition = self._edition(job)
        if isinstance(transport, EmailTransport):
            message = self.messages.build(edition, job, bool(channel.option("attach_docx", False)))
            transport.send(message, edition.meta["from_email"], job.email)
        elif isinstance(transport, WebhookTransport):
            transport.send(webhook_body(edition, job), job.key)
        else:  # pragma: no cover - the registry only holds the two kinds
            raise PermanentFailure(f"channel {job.channel!r} cannot deliver")

    def _transport(self, name: str) -> Transport:
        if name not in self._transports:
            channel = self.settings.distribution.channels[name]
            self._transports[name] = open_channel(channel, self.root, self.environ)
        return self._transports[name]

    def _edition(self, job: Job) -> Edition:
        key = (job.slug, job.revision)
        if key not in self._editions:
            if len(self._editions) >= 4:  # keep memory flat however many releases are due
                self._editions.pop(next(iter(self._editions)))
            self._editions[key] = self.queue.edition(job.slug, job.revision)
        return self._editions[key]

    def close(self) -> None:
        """Close every open channel."""
        for transport in self._transports.values():
            transport.close()
        self._transports.clear()


def _who(job: Job) -> str:
    target = job.email or job.channel
    return f"job {job.id} {job.slug} -> {target} ({job.list_name})"
