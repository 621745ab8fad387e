"""Queue ready releases for distribution, once each; resend corrections on request.

``publish`` runs in CI on every push, so it must be idempotent: a release already
in the queue is never queued again, and one that changed after it was queued is
only reported. ``resend`` queues the current text as a new revision (new keys,
so every recipient gets the correction once) and recalls what the old revision
had not yet delivered: who received the old text gets a correction threaded under
it, who was still waiting gets the new text instead, nobody else gets anything.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from .addresses import check_address
from .errors import Problem, UserError
from .model import Pressroom, Release, Settings
from .queue import OPEN_STATES, UNSENT_STATES, Edition, EditionRecord, File, Job, Mailbox, NewJob, Queue
from .render.registry import attachments, content_type
from .suppression import normalise

Outputs = Callable[[str], Mapping[str, Path]]


@dataclass
class PublishReport:
    """What publish found and did, release by release."""

    queued: dict[str, int] = field(default_factory=dict)  # slug -> new jobs
    unchanged: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    drafts: list[str] = field(default_factory=list)
    not_distributed: list[str] = field(default_factory=list)
    build_failed: dict[str, str] = field(default_factory=dict)
    withdrawn: list[Withdrawn] = field(default_factory=list)
    updated: dict[str, int] = field(default_factory=dict)  # slug -> jobs now carrying the new text
    reinstated: list[str] = field(default_factory=list)  # ready again after a withdrawal
    too_old: dict[str, datetime] = field(default_factory=dict)  # slug -> public since
    # changed since `queue baseline` recorded it: pressroom sent it to nobody, nothing to correct
    changed_unsent: list[str] = field(default_factory=list)
    # what the check found that did not stop publishing (warnings, left-out drafts' errors)
    problems: tuple[Problem, ...] = ()
    held: frozenset[Path] = frozenset()

    def lines(self) -> list[str]:
        """Describe the outcome, one line per release that needs a word."""
        out = [f"queued {slug}: {count} job(s)" for slug, count in self.queued.items()]
        out += [line for w in self.withdrawn for line in w.lines()]
        out += [f"updated before sending: {slug} ({count} job(s) now carry the new text)"
                for slug, count in self.updated.items()]
        out += [f"ready again after a withdrawal: {slug} (its cancelled jobs stay cancelled; "
                f"`pressroom queue retry` them to send it)" for slug in self.reinstated]
        out += [
            f"changed after it was queued: {slug} (not sent again to those who have the old text; "
            f"`pressroom queue resend {slug}` sends the correction)"
            for slug in self.changed
        ]
        out += [f"changed since `queue baseline` recorded it: {slug} (pressroom sent it to nobody; "
                f"`pressroom queue send {slug}` sends the current text on purpose)"
                for slug in self.changed_unsent]
        out += [f"not queued: {slug} has no recipients" for slug in self.not_distributed]
        out += [f"not queued: {slug} failed to build: {why}" for slug, why in self.build_failed.items()]
        out += [
            f"not queued: {slug} is older than max_age (public since {since.date().isoformat()}); "
            f"`pressroom queue send {slug}` sends it on purpose, "
            "`pressroom queue baseline` records it as distributed"
            for slug, since in self.too_old.items()
        ]
        jobs = sum(self.queued.values())
        withdrawn = f", {len(self.withdrawn)} withdrawn" if self.withdrawn else ""
        out.append(
            f"publish: {len(self.queued)} release(s) queued ({jobs} job(s)), "
            f"{len(self.unchanged)} already queued, {len(self.changed) + len(self.changed_unsent)} changed, "
            f"{len(self.drafts) + len(self.held)} draft(s) skipped{withdrawn}"
        )
        return out


@dataclass(frozen=True)
class Withdrawn:
    """A release taken back after it was queued: its unsent jobs are cancelled."""

    slug: str
    reason: str  # "withdrawn: status is draft" | "withdrawn: release file deleted"
    cancelled: int = 0
    sent: tuple[str, ...] = ()  # who already had it (address, or channel for a webhook)

    def lines(self) -> list[str]:
        """One line for the report, and the recipients it can no longer be recalled from."""
        head = f"{self.reason} {self.slug}: {self.cancelled} unsent job(s) cancelled"
        if not self.sent:
            return [head]
        return [f"{head}; already sent: {len(self.sent)}", *(f"  {who}" for who in self.sent)]


def content_hash(release: Release) -> str:
    """Hash what a reader sees of *release*: a different hash means a correction."""
    seen = {
        "title": release.title, "subtitle": release.subtitle, "lead": release.lead,
        "body": release.body, "published": release.published.isoformat(),
        "embargo": release.embargo.isoformat() if release.embargo else None,
        "place": release.place, "number": release.number, "language": release.language,
        "contacts": [[c.name, c.role, c.email, c.phone] for c in release.contacts],
        "boilerplate": release.boilerplate.text,
        "links": [[link.title, link.url] for link in release.links],
        "attachments": [p.name for p in release.attachments],
    }
    return hashlib.sha256(json.dumps(seen, sort_keys=True).encode("utf-8")).hexdigest()


def plan_jobs(release: Release, settings: Settings, now: datetime) -> list[NewJob]:
    """Return one job per (channel, recipient) of the release's lists.

    Lists marked ``embargoed`` get the release at once; the others when it becomes
    public (its date, or a later embargo). An address on two lists of one channel
    gets one message, the earlier one.
    """
    dist = settings.distribution
    lists = [dist.lists[name] for name in release.distribution if name in dist.lists]
    lists.sort(key=lambda lst: not lst.embargoed)  # embargoed lists win the de-duplication
    public_from = max(now, release.public_from)
    jobs: list[NewJob] = []
    seen: set[tuple[str, str]] = set()
    for lst in lists:
        channel = dist.channels[lst.channel]
        not_before = now if lst.embargoed else public_from
        for target in channel.transport.targets(lst):
            if (channel.name, target.email.lower()) in seen:
                continue
            seen.add((channel.name, target.email.lower()))
            jobs.append(NewJob(lst.name, channel.name, target.email, target.name, not_before))
    return jobs


def make_edition(
    release: Release, settings: Settings, files: Mapping[str, Path], revision: int, now: datetime
) -> Edition:
    """Freeze *release* for the queue: its record and the files every message carries.

    The text body is the built ``.txt``; the HTML body comes from the template
    ``email.html``; the PDF (and DOCX) are the built files. Storing them makes the
    queue self-contained: what was queued is what goes out, whatever build/ holds later.
    """
    from .render import RenderContext
    from .render.email import render_email_html

    site, org = settings.site, settings.organisation
    if not org.email:
        raise UserError("organisation: email is required to distribute (it is the sender)", settings.path)
    reply = next((c for c in release.contacts if c.email), None)
    urls = {kind: _public_url(settings, release.slug, files[kind]) for kind in ("html", *attachments())
            if kind in files}
    record = EditionRecord(
        title=release.title, number=release.number, language=release.language,
        published=release.published, lead=release.lead, embargo=release.embargo,
        public_from=release.public_from,
        sender=Mailbox(org.name, check_address(org.email)),
        reply_to=Mailbox(reply.name, reply.email) if reply and reply.email else None,
        host=urlsplit(site.base_url).hostname or "localhost",
        urls=urls,
    )
    stored = {"text": _file("text", files["txt"])}
    stored["html"] = File("html", f"{release.slug}.html", content_type("html"),
                          render_email_html(release, RenderContext.for_settings(settings, now), urls))
    for kind in attachments():
        if kind in files and files[kind].is_file():
            stored[kind] = _file(kind, files[kind])
    return Edition(release.slug, revision, content_hash(release), record, stored, now)


def plan_withdrawals(pressroom: Pressroom, unsent_slugs: set[str]) -> list[Withdrawn]:
    """Return the releases with unsent jobs that are no longer ready or no longer exist.

    Pure: the caller passes the slugs that have unsent jobs (see ``unsent_slugs``).
    """
    current = {release.slug: release for release in pressroom.releases}
    withdrawn = []
    for slug in sorted(unsent_slugs):
        release = current.get(slug)
        if release is None:
            withdrawn.append(Withdrawn(slug, "withdrawn: release file deleted"))
        elif release.status != "ready":
            withdrawn.append(Withdrawn(slug, f"withdrawn: status is {release.status}"))
    return withdrawn


def unsent_slugs(counts: Mapping[tuple[str, str], int]) -> set[str]:
    """Return the slugs that have jobs not yet delivered (pending, failed or sending),
    from the queue's ``counts()``."""
    return {slug for (slug, state), count in counts.items() if state in UNSENT_STATES and count}


def withdrawn_before(queue: Queue, slug: str, counts: Mapping[tuple[str, str], int]) -> bool:
    """True when *slug* has nothing left to send and jobs cancelled by a withdrawal:
    made ready again, it stays unsent until someone retries those jobs on purpose."""
    if slug in unsent_slugs(counts) or not counts.get((slug, "cancelled")):
        return False
    return any(job.last_error.startswith("withdrawn:") for job in queue.jobs(slug, "cancelled"))


def withdraw(queue: Queue, planned: list[Withdrawn], now: datetime) -> list[Withdrawn]:
    """Cancel the unsent jobs of each planned withdrawal; return them with what was done."""
    done = []
    for item in planned:
        result = queue.cancel(item.slug, now, item.reason)
        sent = tuple(job.email or job.channel for job in result.sent)
        done.append(Withdrawn(item.slug, item.reason, result.cancelled, sent))
    return done


def plan_update(release: Release, settings: Settings, unsent: list[Job],
                now: datetime) -> list[NewJob]:
    """Return the jobs that carry a changed release's new text: one for each recipient
    whose job of the old text has not gone out yet, due by the release's current
    date and embargo. Pure; recipients who already have the old text get nothing here
    (``queue resend`` sends them the correction)."""
    waiting = {(job.channel, job.email.lower()) for job in unsent}
    return [job for job in plan_jobs(release, settings, now)
            if (job.channel, job.email.lower()) in waiting]


def update_changed(release: Release, settings: Settings, outputs: Outputs, queue: Queue,
                   latest: Edition, now: datetime) -> int:
    """Queue the new text of a changed release for the recipients still waiting for the
    old one and recall the old jobs; return how many jobs now carry the new text."""
    unsent = [job for state in OPEN_STATES for job in queue.jobs(release.slug, state)
              if job.revision == latest.revision]
    jobs = plan_update(release, settings, unsent, now)
    if not jobs:
        return 0
    revision = latest.revision + 1
    edition = make_edition(release, settings, outputs(release.slug), revision, now)
    # The new edition first: from then on the gate refuses the old revision's jobs.
    added = queue.add_edition(edition, jobs, now)
    queue.supersede(release.slug, revision, now)
    return added


def queue_releases(pressroom: Pressroom, outputs: Outputs, queue: Queue, now: datetime,
                   failed: Mapping[str, str] | None = None) -> PublishReport:
    """Queue every ready release that is not in the queue yet; cancel the unsent jobs
    of withdrawn releases; give a changed release's waiting jobs its new text."""
    report = PublishReport()
    failed = failed or {}
    counts = queue.counts()
    report.withdrawn = withdraw(queue, plan_withdrawals(pressroom, unsent_slugs(counts)), now)
    for release in sorted(pressroom.releases, key=lambda r: (r.published, r.slug)):
        if release.status != "ready":
            report.drafts.append(release.slug)
            continue
        latest = queue.latest_edition(release.slug)
        if latest is not None:
            if withdrawn_before(queue, release.slug, counts):
                report.reinstated.append(release.slug)
            if latest.content_hash == content_hash(release):
                report.unchanged.append(release.slug)
            elif release.slug in failed:
                report.build_failed[release.slug] = failed[release.slug]
            else:
                updated = update_changed(release, pressroom.settings, outputs, queue, latest, now)
                if updated:
                    report.updated[release.slug] = updated
                if not any(slug == release.slug for slug, _ in counts):
                    report.changed_unsent.append(release.slug)
                elif counts.get((release.slug, "sent")) or not updated:
                    report.changed.append(release.slug)
            continue
        if release.slug in failed:
            report.build_failed[release.slug] = failed[release.slug]
            continue
        jobs = plan_jobs(release, pressroom.settings, now)
        if not jobs:
            report.not_distributed.append(release.slug)
            continue
        jobs = hold_old(release, jobs, pressroom.settings, now, report)
        if not jobs:
            continue
        edition = make_edition(release, pressroom.settings, outputs(release.slug), 1, now)
        report.queued[release.slug] = queue.add_edition(edition, jobs, now)
    return report


def correction_jobs(planned: list[NewJob], earlier: list[Job]) -> list[NewJob]:
    """Return the jobs of a new revision, given the jobs of the earlier ones.

    A planned recipient who received an earlier revision (or has it in flight) gets a
    correction that names the first delivery they got; one whose earlier job is still
    waiting (the correction recalls it) gets the new text as a first message; one whose
    earlier job died or was cancelled gets nothing. Without earlier jobs, nobody: a
    release never queued, or recorded by ``queue baseline``, has no known recipients,
    and a correction must not become a first mailing of an old release.
    """
    received: dict[tuple[str, str], str] = {}
    waiting: set[tuple[str, str]] = set()
    for job in sorted(earlier, key=lambda j: (j.revision, j.id)):
        who = (job.channel, normalise(job.email))
        if job.state in ("sent", "sending"):
            received.setdefault(who, job.key)
        elif job.state in OPEN_STATES:
            waiting.add(who)
    jobs: list[NewJob] = []
    for new in planned:
        who = (new.channel, normalise(new.email))
        if who in received:
            jobs.append(replace(new, replaces=received[who]))
        elif who in waiting:
            jobs.append(new)
    return jobs


def hold_old(release: Release, jobs: list[NewJob], settings: Settings, now: datetime,
             report: PublishReport) -> list[NewJob]:
    """Drop the smtp and webhook jobs of a release public for longer than max_age.

    An imported archive must not reach journalists on its first publish: what is
    older goes out only through ``queue send`` (Maildir jobs stay: they reach nobody).
    """
    if now - release.public_from <= settings.distribution.max_age:
        return jobs
    channels = settings.distribution.channels
    kept = [job for job in jobs if not channels[job.channel].transport.reaches_outside]
    if len(kept) < len(jobs):
        report.too_old[release.slug] = release.public_from
    return kept


def send_release(pressroom: Pressroom, outputs: Outputs, queue: Queue, slug: str,
                 now: datetime) -> tuple[int, int]:
    """Queue *slug* to all its recipients whatever its age (``queue send``), idempotently.

    Jobs already in the ledger are kept, so sending twice queues nothing new. A
    release changed since it was queued needs ``resend`` (a new revision) instead,
    unless nobody was ever sent it (recorded by ``queue baseline``).
    Returns (revision, jobs queued).
    """
    release = _ready_release(pressroom, slug)
    latest = queue.latest_edition(slug)
    revision = latest.revision if latest is not None else 1
    if latest is not None and latest.content_hash != content_hash(release):
        if queue.jobs(slug):
            raise UserError(f"{slug} changed after it was queued; "
                            f"`pressroom queue resend {slug}` sends the current text")
        revision += 1  # recorded by baseline, never sent: nobody holds the old text
    jobs = plan_jobs(release, pressroom.settings, now)
    if not jobs:
        raise UserError(f"{slug} has no recipients")
    edition = make_edition(release, pressroom.settings, outputs(slug), revision, now)
    return revision, queue.add_edition(edition, jobs, now)


@dataclass
class BaselineReport:
    """What ``queue baseline`` recorded, and what it left alone."""

    recorded: list[str] = field(default_factory=list)
    known: list[str] = field(default_factory=list)  # already in the ledger
    not_public: list[str] = field(default_factory=list)  # left for publish
    build_failed: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """Describe the outcome."""
        out = [f"not recorded: {slug} is not public yet (publish queues it)"
               for slug in self.not_public]
        out += [f"not recorded: {slug} failed to build: {why}" for slug, why in self.build_failed.items()]
        out.append(f"baseline: {len(self.recorded)} release(s) recorded as distributed without "
                   f"sending, {len(self.known)} already in the ledger")
        return out


def record_baseline(pressroom: Pressroom, outputs: Outputs, queue: Queue, now: datetime,
                    failed: Mapping[str, str] | None = None) -> BaselineReport:
    """Record every public ready release the ledger lacks as distributed, sending nothing.

    For importing an archive: each release is stored as an edition without jobs, so
    ``publish`` finds it queued and ``queue status`` names it. A release not yet
    public (embargo or date ahead) is left for ``publish``.
    """
    report = BaselineReport()
    failed = failed or {}
    for release in sorted(pressroom.releases, key=lambda r: (r.published, r.slug)):
        if release.status != "ready":
            continue
        if queue.latest_edition(release.slug) is not None:
            report.known.append(release.slug)
        elif release.public_from > now:
            report.not_public.append(release.slug)
        elif release.slug in failed:
            report.build_failed[release.slug] = failed[release.slug]
        else:
            edition = make_edition(release, pressroom.settings, outputs(release.slug), 1, now)
            queue.record_baseline(edition, now)
            report.recorded.append(release.slug)
    return report


def _ready_release(pressroom: Pressroom, slug: str) -> Release:
    """Return the release *slug*, refusing an unknown slug or a draft."""
    try:
        release = pressroom.release(slug)
    except KeyError:
        raise UserError(f"no release with the slug {slug!r}") from None
    if release.status != "ready":
        raise UserError(f"{slug} is a draft; set status: ready first")
    return release


def resend(pressroom: Pressroom, outputs: Outputs, queue: Queue, slug: str,
           now: datetime) -> tuple[int, int, int]:
    """Queue the current text of *slug* as a new revision: a correction to those who
    received it, the new text to those still waiting for it (see ``correction_jobs``).

    Returns (revision, jobs queued, older jobs recalled).
    """
    release = _ready_release(pressroom, slug)
    latest = queue.latest_edition(slug)
    revision = latest.revision + 1 if latest else 1
    planned = plan_jobs(release, pressroom.settings, now)
    if not planned:
        raise UserError(f"{slug} has no recipients")
    earlier = queue.jobs(slug)
    if not earlier:
        raise UserError(f"{slug}: pressroom never sent it to anyone (never queued, or recorded "
                        f"by `queue baseline`), so there is nothing to correct; "
                        f"`pressroom queue send {slug}` sends it on purpose")
    jobs = correction_jobs(planned, earlier)
    if not jobs:
        raise UserError(f"{slug}: nobody on its lists received it or is waiting for it")
    edition = make_edition(release, pressroom.settings, outputs(slug), revision, now)
    added = queue.add_edition(edition, jobs, now)
    recalled = queue.supersede(slug, revision, now)
    return revision, added, recalled


@dataclass(frozen=True)
class Resent:
    """What ``resend_release`` queued: the new revision, its jobs, the old jobs recalled."""

    slug: str
    revision: int
    queued: int
    recalled: int

    def line(self) -> str:
        """Describe the outcome in one line."""
        recalled = f"; {self.recalled} unsent job(s) of the old revision recalled" if self.recalled else ""
        return f"resend {self.slug}: revision {self.revision} queued ({self.queued} job(s)){recalled}"


def resend_release(root: Path, queue: Queue, slug: str, now: datetime,
                   settings: Settings | None = None) -> Resent:
    """Check the press room at *root*, build *slug*, and queue its current text as a new
    revision (see ``resend``): what ``pressroom queue resend`` does, for library users.

    Raises CheckFailed when the press room has errors, UserError when *slug* cannot be
    resent (unknown, a draft, never sent to anyone, nobody on its lists received it).
    *settings* the caller loaded already are not loaded again.
    """
    from .build import build_pressroom

    result = build_pressroom(root, now=now, only=slug, frozen=queue.numbers(), settings=settings)
    revision, added, recalled = resend(result.pressroom, result.outputs, queue, slug, now)
    return Resent(slug, revision, added, recalled)


@dataclass(frozen=True)
class Sent:
    """What ``queue_send`` queued: the revision and how many jobs were new."""

    slug: str
    revision: int
    queued: int

    def line(self) -> str:
        """Describe the outcome in one line."""
        already = "" if self.queued else "; every recipient was queued already"
        return f"send {self.slug}: {self.queued} job(s) queued (revision {self.revision}){already}"


def queue_send(root: Path, queue: Queue, slug: str, now: datetime,
               settings: Settings | None = None) -> Sent:
    """Check the press room at *root*, build *slug*, and queue it to all its recipients
    whatever its age (see ``send_release``): what ``pressroom queue send`` does.

    Raises CheckFailed when the press room has errors, UserError when *slug* cannot be
    sent (unknown, a draft, changed since it was queued, no recipients).
    *settings* the caller loaded already are not loaded again.
    """
    from .build import build_pressroom

    result = build_pressroom(root, now=now, only=slug, frozen=queue.numbers(), settings=settings)
    revision, added = send_release(result.pressroom, result.outputs, queue, slug, now)
    return Sent(slug, revision, added)


def queue_baseline(root: Path, queue: Queue, now: datetime,
                   settings: Settings | None = None) -> BaselineReport:
    """Check and build the press room at *root*, then record its public ready releases as
    distributed without sending (see ``record_baseline``): what ``pressroom queue baseline``
    does. Raises CheckFailed when the press room has errors (nothing is recorded then).
    """
    from .build import build_pressroom

    result = build_pressroom(root, now=now, frozen=queue.numbers(), settings=settings)
    return record_baseline(result.pressroom, result.outputs, queue, now, result.failure_messages())


def publish(root: Path, queue: Queue, now: datetime, settings: Settings | None = None) -> PublishReport:
    """Check and build the press room at *root*, then queue its new ready releases.

    The numbers the queue recorded stay with their releases; the numbers of the
    releases public at *now* are recorded too. Raises CheckFailed when the press
    room has errors (nothing is queued then). *settings* the caller loaded already
    (``pressroom publish`` reads them first, to judge where the ledger lives) are not
    loaded again.
    """
    from .build import build_pressroom

    result = build_pressroom(root, now=now, frozen=queue.numbers(), settings=settings)
    report = queue_releases(result.pressroom, result.outputs, queue, now, result.failure_messages())
    report.problems, report.held = result.problems, result.held
    # What is on the website now keeps its number for good (queued ones are recorded by the queue).
    public = {r.number: r.slug for r in result.pressroom.releases if r.is_public(now)}
    queue.record_numbers(public, now, "public")
    return report


def _file(kind: str, path: Path) -> File:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read the built {kind} file: {exc.strerror}", path) from None
    return File(kind, path.name, content_type(kind), data)


def _public_url(settings: Settings, slug: str, path: Path) -> str:
    """Return where *path* will stand on the website (the public/ layout, also for
    releases still in private/: the URL is valid once the embargo lifts)."""
    if path.name == "index.html":
        return settings.site.url(f"{slug}/")
    return settings.site.url(f"{slug}/{path.name}")
