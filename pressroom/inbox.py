"""Read a mailbox of replies and bounces; suppress the addresses that bounced or asked out.

The mailbox is a Maildir (where the sender address's mail is delivered or fetched to).
Each message not read before is one of:

- a bounce: a delivery status notification or a server's own bounce format, read by
  flufl.bounce (the bounce detectors of GNU Mailman). Permanent failures suppress the
  address; a delay notice (temporary failures only) changes nothing.
- an unsubscribe request: it carries a recipient's token from ``List-Unsubscribe``
  in its subject or text. The token, not the sender, names the recipient, so a
  request sent from another address of the same person works too.
- anything else: not understood, left for a person to read.

A handled message is marked seen (``S``), one not understood flagged (``F``); both are
moved to ``cur/`` and skipped by the next run, so reading the mailbox twice counts nothing twice.
"""

from __future__ import annotations

import mailbox
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from .errors import UserError
from .queue import Queue
from .suppression import TOKEN_KEY, normalise, tokens_in, unsubscribe_token

SEEN, FLAGGED = "S", "F"


@dataclass
class InboxReport:
    """What one reading of the mailbox found and suppressed."""

    messages: int = 0
    bounces: int = 0
    delays: int = 0
    unsubscribes: int = 0
    not_understood: int = 0
    bounced: list[str] = field(default_factory=list)  # addresses newly suppressed
    unsubscribed: list[str] = field(default_factory=list)

    def line(self) -> str:
        """Summarise the run in one line."""
        parts = []
        if self.bounces:
            parts.append(f"{self.bounces} bounce{_s(self.bounces)}{_named(self.bounced)}")
        if self.delays:
            parts.append(f"{self.delays} delay notice{_s(self.delays)} (nothing to do)")
        if self.unsubscribes:
            parts.append(f"{self.unsubscribes} unsubscribe{_s(self.unsubscribes)}"
                         f"{_named(self.unsubscribed)}")
        if self.not_understood:
            parts.append(f"{self.not_understood} not understood (left for a person, flagged)")
        return f"inbox: {self.messages} message(s)" + (": " + ", ".join(parts) if parts else "")


def read_inbox(maildir: Path, queue: Queue, now: datetime) -> InboxReport:
    """Read the unread messages of *maildir*, suppress what they ask for, mark them read."""
    try:
        box = mailbox.Maildir(maildir, factory=None, create=False)
        keys = sorted(box.keys())
    except (mailbox.NoSuchMailboxError, FileNotFoundError, NotADirectoryError):
        raise UserError("not a Maildir (it needs cur/, new/ and tmp/)", maildir) from None
    # Every address the ledger ever had a job for, by its token.
    secret = queue.secret(TOKEN_KEY)
    recipients = {unsubscribe_token(secret, address): address for address in queue.addresses()}
    report = InboxReport()
    for key in keys:
        stored = box.get_message(key)
        if SEEN in stored.get_flags() or FLAGGED in stored.get_flags():
            continue
        report.messages += 1
        message = message_from_bytes(box.get_bytes(key), policy=policy.default)
        assert isinstance(message, EmailMessage)
        handled = _read_one(message, recipients, queue, now, report)
        stored.set_subdir("cur")
        stored.add_flag(SEEN if handled else FLAGGED)
        box[key] = stored
    return report


def _read_one(message: EmailMessage, recipients: dict[str, str], queue: Queue, now: datetime,
              report: InboxReport) -> bool:
    """Act on one message; return False if it was not understood."""
    from flufl.bounce import all_failures

    subject = str(message.get("Subject", "")).strip()
    temporary, permanent = all_failures(message)
    if permanent:
        report.bounces += 1
        for raw in sorted(permanent):
            address = normalise(raw.decode("utf-8", "replace"))
            if queue.suppress(address, "bounce", f"bounce: {subject}"[:200], now):
                report.bounced.append(address)
        return True
    if temporary:  # a delay notice: the server is still trying
        report.delays += 1
        return True
    # A bounce quotes the original headers, List-Unsubscribe included: only now look for tokens.
    asked = sorted({recipients[token] for token in tokens_in(_text(message)) if token in recipients})
    if asked:
        report.unsubscribes += 1
        sender = str(message.get("From", "")).strip()
        for address in asked:
            if queue.suppress(address, "unsubscribe", f"asked by mail from {sender}"[:200], now):
                report.unsubscribed.append(address)
        return True
    report.not_understood += 1
    return False


def _text(message: EmailMessage) -> str:
    """Return the subject and every text part of *message*, where a token may stand."""
    texts = [str(message.get("Subject", ""))]
    for part in message.walk():
        if part.get_content_type() in ("text/plain", "text/html") and not part.is_attachment():
            raw = part.get_payload(decode=True)
            if isinstance(raw, bytes):  # decoded by hand: a wrong charset must not stop the run
                texts.append(_decode(raw, part.get_content_charset() or "utf-8"))
    return "\n".join(texts)


def _decode(raw: bytes, charset: str) -> str:
    try:
        return raw.decode(charset, "replace")
    except LookupError:  # a charset Python does not know
        return raw.decode("utf-8", "replace")


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def _named(addresses: list[str]) -> str:
    return f" (suppressed {', '.join(addresses)})" if addresses else ""
