"""Build the e-mail of one job from its stored edition, refusing header injection.

The standard ``email`` package folds and encodes headers, but Python 3.11 before
3.11.10 lets a line break inside a header value through (CVE-2024-6923). ``check``
already rejects line breaks in titles, names and addresses; this builder refuses
them again, for every header, so a value that slipped past (a CSV row, an old
queue entry) can never add a header or a body of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from .addresses import AddressError, check_address
from .errors import PressroomError
from .queue.base import Edition, Job
from .render.labels import format_moment, label

# Every C0 control (CR, LF, VT, FF, the file/group/record separators...), DEL, NEL,
# and the Unicode line and paragraph separators: str.splitlines() breaks on all of them.
_UNSAFE = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")
# A message identifier or a URL is one token: folding only moves it onto a continuation
# line, which some readers keep as a leading space (a thread would not match). The 998
# limit of RFC 5322 is far off.
_ID_HEADERS = {"Message-ID", "In-Reply-To", "References", "List-Unsubscribe"}
_IDS = SMTP.clone(max_line_length=998)


class HeaderInjection(PressroomError):
    """A header value cannot stand in a header: a line break or another control
    character, or an address that is not one (it could smuggle in header syntax)."""


def safe(value: str, header: str) -> str:
    """Return *value* if it can stand in the header *header*; raise HeaderInjection if not."""
    bad = _UNSAFE.search(value)
    if bad:
        raise HeaderInjection(
            f"{header}: refusing U+{ord(bad.group()):04X} in a header value ({value[:60]!r})"
        )
    return value


def address(name: str, email: str, header: str) -> Address:
    """Return a checked mailbox address for *header*, its domain in IDNA.

    The address is judged by the same validator as in ``check``, so an address
    that slipped past (an old queue entry) is refused here in plain words, never
    by the header parser's exceptions.
    """
    safe(name, header)
    safe(email, header)
    try:
        wire = check_address(email)
    except AddressError as exc:
        raise HeaderInjection(f"{header}: {exc}") from None
    # Handing over the parts, not an addr_spec, leaves nothing for the header parser to
    # misread: the validator has already accepted exactly this local part and domain.
    username, domain = wire.rsplit("@", 1)
    return Address(display_name=name, username=username, domain=domain)


def message_date(not_before: datetime, real_now: datetime) -> datetime:
    """Return the Date of a message due at *not_before*, built at *real_now* (the real clock).

    A job became due at not_before: a fixed date, whatever attempt delivers it. A
    message built before that moment (a simulated --now writing into a Maildir)
    carries the moment it was built instead: a Date is never in the future.
    """
    return min(not_before, real_now)


def message_id(key: str, host: str) -> str:
    """Return the Message-ID a job's idempotency key gives: the same for every attempt."""
    return f"<{key[:40]}@{safe(host, 'Message-ID')}>"


def subject(edition: Edition, job: Job) -> str:
    """Return the subject: the title, after the embargo notice if the job goes out before it,
    and after "Korrektur:"/"Correction:" if the job corrects a message the recipient received."""
    record = edition.record
    lang = record.language
    text = record.title
    lifts = record.held_until
    if lifts is not None and job.not_before < lifts:
        text = f"{label(lang, 'embargo')} {format_moment(lifts, lang)}: {text}"
    if job.replaces:
        text = f"{label(lang, 'correction')}: {text}"
    return text


def unsubscribe_header(sender: str, recipient: str, key: bytes | None) -> str:
    """Return the List-Unsubscribe value: a mailto to the sender whose subject carries the
    recipient's token (without a ledger *key*, as for a preview, a plain "unsubscribe")."""
    from .suppression import unsubscribe_token

    words = "unsubscribe" if key is None else f"unsubscribe%20{unsubscribe_token(key, recipient)}"
    return f"<mailto:{sender}?subject={words}>"


class MessageBuilder:
    """Build the wire bytes of many jobs' messages, each edition's MIME body only once.

    Every recipient of an edition gets the same parts (text, HTML, PDF); only the
    headers differ. Encoding the parts once per edition instead of once per
    recipient doubles the rate of a dispatch to thousands of addresses.
    """

    def __init__(self, cache_size: int = 4, unsubscribe_key: bytes | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.cache_size = cache_size
        self.unsubscribe_key = unsubscribe_key
        # The real clock, never a simulated --now: it caps the Date header.
        self.clock = clock or (lambda: datetime.now(UTC))
        self._bodies: dict[tuple[str, int, bool], bytes] = {}

    def build(self, edition: Edition, job: Job, attach_docx: bool = False) -> bytes:
        """Return the message of *job* as bytes with CRLF line ends, ready for SMTP."""
        return self.headers(edition, job) + self.body(edition, attach_docx)

    def headers(self, edition: Edition, job: Job) -> bytes:
        """Return the per-recipient header lines, each value checked and folded."""
        record = edition.record
        head = EmailMessage(policy=SMTP)
        head["Subject"] = safe(subject(edition, job), "Subject")
        head["From"] = address(record.sender.name, record.sender.email, "From")
        head["To"] = address(job.name, job.email, "To")
        if record.reply_to is not None:
            head["Reply-To"] = address(record.reply_to.name, record.reply_to.email, "Reply-To")
        head["Date"] = format_datetime(message_date(job.not_before, self.clock()))
        head["Message-ID"] = message_id(job.key, record.host)
        if job.replaces:  # a correction threads under the message the recipient received
            original = message_id(job.replaces, record.host)
            head["In-Reply-To"] = original
            head["References"] = original
        head["List-Unsubscribe"] = safe(
            unsubscribe_header(record.sender.email, job.email, self.unsubscribe_key), "List-Unsubscribe")
        head["Content-Language"] = safe(record.language, "Content-Language")
        return b"".join((_IDS if name in _ID_HEADERS else SMTP).fold_binary(name, value)
                        for name, value in head.items())

    def body(self, edition: Edition, attach_docx: bool) -> bytes:
        """Return MIME-Version, Content-Type and the encoded parts of *edition*."""
        key = (edition.slug, edition.revision, attach_docx)
        if key not in self._bodies:
            if len(self._bodies) >= self.cache_size:
                self._bodies.pop(next(iter(self._bodies)))
            self._bodies[key] = _mime_body(edition, attach_docx)
        return self._bodies[key]


def _mime_body(edition: Edition, attach_docx: bool) -> bytes:
    msg = EmailMessage(policy=SMTP)
    text = edition.files["text"].data.decode("utf-8")
    msg.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    if "html" in edition.files:
        html = edition.files["html"].data.decode("utf-8")
        msg.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    # The PDF first, then other attached formats (the DOCX only where the channel asks)
    others = sorted(k for k in edition.files if k not in ("text", "html", "pdf"))
    for kind in ["pdf", *(k for k in others if attach_docx or k != "docx")]:
        part = edition.files.get(kind)
        if part is None:
            continue
        maintype, subtype = part.content_type.split("/", 1)
        msg.add_attachment(part.data, maintype=maintype, subtype=subtype,
                           filename=safe(part.filename, "Content-Disposition"))
    # Only MIME-Version and Content-Type are set: the top-level header block of the
    # parts, which follows the per-recipient headers.
    return msg.as_bytes(policy=SMTP)
