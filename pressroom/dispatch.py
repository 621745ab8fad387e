"""Deliver due jobs: claim one with a lease, send it through its channel, record the outcome.

Delivery is at least once: a job is marked sent only after its channel accepted
it, so a dispatcher killed between the two leaves that one job to be sent again
once its lease runs out (the repeat has the same Message-ID). One job is in hand
at a time, so at most one message per killed dispatcher is repeated.

Nothing one job does stops the others: whatever goes wrong while delivering it
ends that job as failed (retried with backoff) or dead, with the error recorded.
A fault of the whole channel (``ChannelDown``) gives the job back untried and
pauses the channel in the queue, so no dispatcher tries it again before the pause
ends, while other channels go on. Faults of the queue itself are not caught here:
they stop the dispatcher.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from .channels import (
    ChannelDown,
    PermanentFailure,
    TemporaryFailure,
    Transport,
    open_channel,
)
from .errors import PressroomError, QueueError
from .gate import Gate
from .mail import MessageBuilder
from .model import Settings, local_time
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
        exponential: timedelta = self.base_delay * (2 ** max(attempts - 1, 0))
        capped = min(exponential, self.max_delay)
        return min(capped * (1 + rng.uniform(0, self.jitter)), self.max_delay)


@dataclass
class DispatchReport:
    """What one run did."""

    sent: int = 0
    retrying: int = 0
    dead: int = 0
    failures: list[str] = field(default_factory=list)
    paused: list[str] = field(default_factory=list)  # one line per channel paused by this run
    held: int = 0  # the gate gave them back: not public yet, or the text is not verified
    cancelled: int = 0  # the gate recalled them: withdrawn or superseded

    @property
    def attempted(self) -> int:
        return self.sent + self.retrying + self.dead


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
        self.gate = gate  # None: deliver what was queued without re-reading the release files
        self.settings = settings
        self.clock = clock
        self.policy = policy or RetryPolicy()
        self.environ = environ
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.echo = echo or (lambda line: None)
        self.rng = rng or random.Random()
        self._stop = threading.Event()
        self._transports: dict[str, Transport[Any]] = {}
        self._working: set[str] = set()  # channels that delivered in this run
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
            for spent in self.queue.give_up(self.clock(), self.policy.max_attempts):
                self._report_dead(spent, spent.last_error, report)
            while not self._stop.is_set():
                job = self.queue.claim(self.clock(), self.policy.lease, self.owner,
                                       self.policy.max_attempts, channels=self.channels)
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
            total.failures += report.failures
            total.paused += report.paused
            total.held += report.held
            total.cancelled += report.cancelled
            self._stop.wait(poll)  # a real sleep: backoff and embargoes pass in real time
        return total

    def handle(self, job: Job, report: DispatchReport) -> None:
        """Deliver one claimed job and record the outcome; no fault of the job escapes.

        Faults of the queue itself (reading the edition, taking a rate slot,
        recording the outcome) are not the job's: they stop the dispatcher.
        """
        if self.gate is not None and not self._admitted(job, report):
            return
        edition = self._edition(job)
        try:
            transport, content = self.prepare(job, edition)
        except Exception as exc:
            self._failed(job, exc, report)
            return
        self._wait_for_slot(job.channel, transport)
        try:
            self.send(job, edition, transport, content)
        except Exception as exc:
            self._failed(job, exc, report)
            return
        self._mark_sent(job)
        report.sent += 1
        log.debug("sent %s", _who(job))
        if job.channel not in self._working:
            self._working.add(job.channel)
            self.queue.channel_ok(job.channel)  # a pause that had begun is over

    def _failed(self, job: Job, exc: Exception, report: DispatchReport) -> None:
        """Record what *exc*, raised while delivering *job*, means for it."""
        if isinstance(exc, ChannelDown):
            self._pause(job, str(exc), report)
        elif isinstance(exc, TemporaryFailure):
            self._retry(job, str(exc), report)
            if exc.closing:  # the server refuses every message now, not only this one
                self._pause_channel(job.channel, str(exc), report)
        elif isinstance(exc, PermanentFailure):
            self._dead(job, str(exc), report)
            if exc.mailbox_gone and job.email:  # "no such mailbox": never write to it again
                self.queue.suppress(job.email, "smtp", str(exc), self.clock())
        else:  # unforeseen, so perhaps passing: retry with backoff like any temporary failure
            log.debug("job %s: unexpected %s", job.id, type(exc).__name__, exc_info=exc)
            self._discard(job.channel)  # its connection may be stuck mid-command
            self._retry(job, f"{type(exc).__name__}: {exc}", report)

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

    def _retry(self, job: Job, error: str, report: DispatchReport) -> None:
        if job.attempts >= self.policy.max_attempts:
            self._dead(job, f"{error} (gave up after {job.attempts} attempts)", report)
            return
        now = self.clock()
        retry_at = now + self.policy.delay(job.attempts, self.rng)
        self.queue.mark_failed(job.id, self.owner, now, error, retry_at)
        report.retrying += 1
        line = (f"retry {_who(job)}: {error} "
                f"(attempt {job.attempts}, next {local_time(retry_at, self.settings.site.zone)})")
        report.failures.append(line)
        self.echo(line)

    def _dead(self, job: Job, error: str, report: DispatchReport) -> None:
        self.queue.mark_failed(job.id, self.owner, self.clock(), error, None)
        self._report_dead(job, error, report)

    def _report_dead(self, job: Job, error: str, report: DispatchReport) -> None:
        report.dead += 1
        line = f"dead {_who(job)}: {error}"
        report.failures.append(line)
        self.echo(line)

    def _pause(self, job: Job, error: str, report: DispatchReport) -> None:
        """Give *job* back untried and pause its channel: no job of it would go out now."""
        self.queue.release(job.id, self.owner, self.clock())
        self._pause_channel(job.channel, error, report)

    def _pause_channel(self, channel: str, error: str, report: DispatchReport) -> None:
        """Pause *channel* with backoff and say so: no dispatcher tries it before the end."""
        state = self.queue.pause_channel(channel, self.clock(), error,
                                         lambda failures: self.policy.delay(failures, self.rng))
        self._discard(channel)
        self._working.discard(channel)
        until = local_time(state.paused_until, self.settings.site.zone)
        line = (f"channel {channel} paused until {until}"
                f" (failure {state.failures} in a row, {state.waiting} job(s) waiting): {error}")
        report.paused.append(line)
        self.echo(line)

    def prepare(self, job: Job, edition: Edition) -> tuple[Transport[Any], bytes]:
        """Return the open channel of *job* and what it sends (an e-mail, a webhook body).

        The channel composes it from the stored edition and the job alone, the same way
        on every attempt, so a fault while composing is final for the job.
        """
        if job.channel not in self.settings.distribution.channels:
            raise PermanentFailure(f"channel {job.channel!r} is no longer in the settings")
        transport = self._transport(job.channel)
        try:
            return transport, transport.compose(edition, job)
        except Exception as exc:  # a header refused by the builder, an address it cannot parse
            log.debug("job %s: building failed", job.id, exc_info=True)
            reason = str(exc) if isinstance(exc, PressroomError) else f"{type(exc).__name__}: {exc}"
            raise PermanentFailure(f"cannot build the message for {job.email or job.channel}:"
                                   f" {reason}") from None

    def send(self, job: Job, edition: Edition, transport: Transport[Any], content: bytes) -> None:
        """Hand *content* to *transport*; raise a DeliveryFailure if it did not go out
        (anything else raised is a fault nobody foresaw)."""
        transport.deliver(content, edition, job)

    def _wait_for_slot(self, name: str, transport: Transport[Any]) -> None:
        """Keep the channel's rate across every dispatcher: the slots are in the queue."""
        interval = transport.rate_interval()
        if interval:
            # Wall-clock time, not self.clock: --now replays decisions, not the pace.
            wait = self.queue.take_slot(name, interval, time.time()) - time.time()
            if wait > 0:
                time.sleep(wait)

    def _transport(self, name: str) -> Transport[Any]:
        if name not in self._transports:
            channel = self.settings.distribution.channels[name]
            self._transports[name] = open_channel(channel, self.root, self.environ, self.messages)
        return self._transports[name]

    def _edition(self, job: Job) -> Edition:
        key = (job.slug, job.revision)
        if key not in self._editions:
            if len(self._editions) >= 4:  # keep memory flat however many releases are due
                self._editions.pop(next(iter(self._editions)))
            self._editions[key] = self.queue.edition(job.slug, job.revision)
        return self._editions[key]

    def _discard(self, name: str) -> None:
        """Close the channel *name*; the next job opens it afresh."""
        transport = self._transports.pop(name, None)
        if transport is not None:
            _close_quietly(transport)

    def close(self) -> None:
        """Close every open channel."""
        for name in list(self._transports):
            self._discard(name)
        self._working.clear()


def _close_quietly(transport: Transport[Any]) -> None:
    """Close *transport*; a fault while closing is logged, it undoes no delivery."""
    try:
        transport.close()
    except Exception:  # closing comes after the outcome was recorded
        log.debug("closing %s failed", transport.channel.name, exc_info=True)


def _who(job: Job) -> str:
    target = job.email or job.channel
    return f"job {job.id} {job.slug} -> {target} ({job.list_name})"
