"""The maildir channel: each e-mail becomes a file any mail client opens."""

from __future__ import annotations

import mailbox
from email.message import EmailMessage
from pathlib import Path

from . import EmailTransport, TemporaryFailure


class MaildirChannel(EmailTransport):
    """Write messages into a Maildir (``path`` relative to the press room root)."""

    _box: mailbox.Maildir | None = None

    @property
    def path(self) -> Path:
        return self.root / str(self.option("path", "build/outbox"))

    def send(self, message: EmailMessage, sender: str, recipient: str) -> None:
        """Store *message*; Maildir's tmp-then-rename makes each file appear whole."""
        try:
            if self._box is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)  # Maildir makes one level only
                self._box = mailbox.Maildir(self.path, create=True)
            # mailbox converts "\n" to the platform's line ending itself; hand it LF
            # lines, or the SMTP policy's CRLF would become CR CR LF.
            data = message.as_bytes(policy=message.policy.clone(linesep="\n"))
            self._box.add(data)
        except OSError as exc:
            raise TemporaryFailure(f"maildir {self.path}: {exc}") from exc

    def close(self) -> None:
        if self._box is not None:
            self._box.close()
            self._box = None
