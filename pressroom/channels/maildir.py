"""The maildir channel: each e-mail becomes a file any mail client opens."""

from __future__ import annotations

import mailbox
from pathlib import Path
from typing import Literal

from ..schema import Line
from . import ChannelDown, EmailSettings, EmailTransport


class MaildirSettings(EmailSettings):
    """``type: maildir``: the folder (relative to the press room root) to write into."""

    type: Literal["maildir"] = "maildir"
    path: Line = "build/outbox"

    def destination(self, name: str) -> str:
        return self.path


class MaildirChannel(EmailTransport[MaildirSettings]):
    """Write messages into a Maildir (``path`` relative to the press room root)."""

    type_name = "maildir"
    settings_model = MaildirSettings
    reaches_outside = False  # a file on this machine reaches nobody

    _box: mailbox.Maildir | None = None

    @property
    def path(self) -> Path:
        return self.root / self.settings.path

    def send(self, message: bytes, sender: str, recipient: str) -> None:
        """Store *message*; Maildir's tmp-then-rename makes each file appear whole."""
        try:
            if self._box is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)  # Maildir makes one level only
                self._box = mailbox.Maildir(self.path, create=True)
            # mailbox converts "\n" to the platform's line ending itself; hand it LF
            # lines, or the wire format's CRLF would become CR CR LF.
            self._box.add(message.replace(b"\r\n", b"\n"))
        except OSError as exc:
            # A folder that cannot be written (missing rights, a file in its place, a full
            # disk) fails every message alike: the channel's fault, never the recipient's.
            self.close()
            raise ChannelDown(f"maildir {self.path}: {exc}") from exc

    def close(self) -> None:
        if self._box is not None:
            self._box.close()
            self._box = None
