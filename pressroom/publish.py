"""Queue ready releases for distribution, once each; resend corrections on request.

``publish`` runs in CI on every push, so it must be idempotent: a release already
in the queue is never queued again, and one that changed after it was queued is
only reported. ``resend`` queues the current text as a new revision (new keys,
so every recipient gets the correction once) and recalls what the old revision
had not yet delivered.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from .addresses import check_address
from .errors import UserError
from .model import Pressroom, Release, Settings
from .queue import Edition, File, NewJob, Queue

Outputs = Callable[[str], Mapping[str, Path]]

CONTENT_TYPES = {
    "text": "text/plain",
    "html": "text/html",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@dataclass
class PublishReport:
    """What publish found and did, release by release."""

    queued: dict[str, int] = field(default_factory=dict)  # slug -> new jobs
    unchanged: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    drafts: list[str] = field(default_factory=list)
    not_distributed: list[str] = field(default_factory=list)
    build_failed: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """Describe the outcome, one line per release that needs a word."""
        out = [f"queued {slug}: {count} job(s)" for slug, count in self.queued.items()]
        out += [
            f"changed after it was queued: {slug} (not sent again; "
            f"`pressroom queue resend {slug}` sends the correction)"
            for slug in self.changed
        ]
        out += [f"not queued: {slug} has no recipients" for slug in self.not_distributed]
        out += [f"not queued: {slug} failed to build: {why}" for slug, why in self.build_failed.items()]
        jobs = sum(self.queued.values())
        out.append(
            f"publish: {len(self.queued)} release(s) queued ({jobs} job(s)), "
            f"{len(self.unchanged)} already queued, {len(self.changed)} changed, "
            f"{len(self.drafts)} draft(s) skipped"
        )
        return out


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

    Lists marked ``embargoed`` get the release at once; the others when its embargo
    lifts. An address on two lists of one channel gets one message, the earlier one.
    """
    dist = settings.distribution
    lists = [dist.lists[name] for name in release.distribution if name in dist.lists]
    lists.sort(key=lambda lst: not lst.embargoed)  # embargoed lists win the de-duplication
    embargo = release.embargo
    jobs: list[NewJob] = []
    seen: set[tuple[str, str]] = set()
    for lst in lists:
        channel = dist.channels[lst.channel]
        not_before = now if lst.embargoed or embargo is None or embargo <= now else embargo
        targets = [("", "")] if channel.type == "webhook" else [(r.email, r.name) for r in lst.recipients]
        for email, name in targets:
            if (channel.name, email.lower()) in seen:
                continue
            seen.add((channel.name, email.lower()))
            jobs.append(NewJob(lst.name, channel.name, email, name, not_before))
    return jobs


def make_edition(
    release: Release, settings: Settings, files: Mapping[str, Path], revision: int, now: datetime
) -> Edition:
    """Freeze *release* for the queue: metadata and the files every message carries.

    The text body is the built ``.txt``; the HTML body comes from the template
    ``email.html``; the PDF (and DOCX) are the built files. Storing them makes the
    queue self-contained: what was queued is what goes out, whatever build/ holds later.
    """
    site, org = settings.site, settings.organisation
    if not org.email:
        raise UserError("organisation: email is required to distribute (it is the sender)", settings.path)
    reply = next((c for c in release.contacts if c.email), None)
    urls = {kind: _public_url(settings, release.slug, files[kind]) for kind in ("html", "pdf", "docx")
            if kind in files}
    meta = {
        "slug": release.slug, "revision": revision, "title": release.title,
        "number": release.number, "lead": release.lead, "language": release.language,
        "published": release.published.isoformat(),
        "embargo": release.embargo.isoformat() if release.embargo else None,
        # The sender as the SMTP envelope carries it: ASCII, an international domain in IDNA.
        "from_name": org.name, "from_email": check_address(org.email),
        "reply_to_name": reply.name if reply else None,
        "reply_to_email": reply.email if reply else None,
        "host": urlsplit(site.base_url).hostname or "localhost",
        "urls": urls,
    }
    stored = {"text": _file("text", files["txt"])}
    stored["html"] = File("html", f"{release.slug}.html", CONTENT_TYPES["html"],
                          render_email_html(release, settings, urls, now).encode("utf-8"))
    for kind in ("pdf", "docx"):
        if kind in files and files[kind].is_file():
            stored[kind] = _file(kind, files[kind])
    return Edition(release.slug, revision, content_hash(release), meta, stored, now)


def render_email_html(release: Release, settings: Settings, urls: Mapping[str, str],
                      now: datetime) -> str:
    """Render the HTML body of the e-mail from the template ``email.html``."""
    from .render.env import make_env
    from .render.html import safe_href

    env = make_env(settings.root)
    links = [{"title": link.title, "href": safe_href(link.url)} for link in release.links]
    return env.get_template("email.html").render(
        release=release, settings=settings, organisation=settings.organisation,
        lang=release.language, urls=urls, links=links, embargoed=release.is_embargoed(now),
    )


def queue_releases(pressroom: Pressroom, outputs: Outputs, queue: Queue, now: datetime,
                   failed: Mapping[str, str] | None = None) -> PublishReport:
    """Queue every ready release that is not in the queue yet; report changed ones."""
    report = PublishReport()
    failed = failed or {}
    for release in sorted(pressroom.releases, key=lambda r: (r.published, r.slug)):
        if release.status != "ready":
            report.drafts.append(release.slug)
            continue
        latest = queue.latest_edition(release.slug)
        if latest is not None:
            if latest.content_hash == content_hash(release):
                report.unchanged.append(release.slug)
            else:
                report.changed.append(release.slug)
            continue
        if release.slug in failed:
            report.build_failed[release.slug] = failed[release.slug]
            continue
        jobs = plan_jobs(release, pressroom.settings, now)
        if not jobs:
            report.not_distributed.append(release.slug)
            continue
        edition = make_edition(release, pressroom.settings, outputs(release.slug), 1, now)
        report.queued[release.slug] = queue.add_edition(edition, jobs, now)
    return report


def resend(pressroom: Pressroom, outputs: Outputs, queue: Queue, slug: str,
           now: datetime) -> tuple[int, int, int]:
    """Queue the current text of *slug* as a new revision to all its recipients.

    Returns (revision, jobs queued, older jobs recalled).
    """
    try:
        release = pressroom.release(slug)
    except KeyError:
        raise UserError(f"no release with the slug {slug!r}") from None
    if release.status != "ready":
        raise UserError(f"{slug} is a draft; set status: ready first")
    latest = queue.latest_edition(slug)
    revision = latest.revision + 1 if latest else 1
    jobs = plan_jobs(release, pressroom.settings, now)
    if not jobs:
        raise UserError(f"{slug} has no recipients")
    edition = make_edition(release, pressroom.settings, outputs(slug), revision, now)
    added = queue.add_edition(edition, jobs, now)
    recalled = queue.supersede(slug, revision, now)
    return revision, added, recalled


def publish(root: Path, queue: Queue, now: datetime) -> PublishReport:
    """Check and build the press room at *root*, then queue its new ready releases.

    Raises CheckFailed when the press room has errors (nothing is queued then).
    """
    from .build import build_pressroom

    result = build_pressroom(root, now=now)
    return queue_releases(result.pressroom, result.outputs, queue, now, result.failures)


def _file(kind: str, path: Path) -> File:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read the built {kind} file: {exc.strerror}", path) from None
    return File(kind, path.name, CONTENT_TYPES[kind], data)


def _public_url(settings: Settings, slug: str, path: Path) -> str:
    """Return where *path* will stand on the website (the public/ layout, also for
    releases still in private/: the URL is valid once the embargo lifts)."""
    if path.name == "index.html":
        return settings.site.url(f"{slug}/")
    return settings.site.url(f"{slug}/{path.name}")
