"""The ways out: maildir, smtp and webhook, looked up by type name in one registry.

A channel only transports; ``dispatch`` builds what it sends. A channel raises
``TemporaryFailure`` for what may work later (retry with backoff),
``PermanentFailure`` for what never will (the job is dead), and ``ChannelDown``
for what concerns every job of the channel alike (a refused login or sender, a
failed TLS handshake, an unreachable server, a missing secret): the job goes back
untried and the channel pauses. Secrets come from environment variables named in
the settings, never from the settings themselves.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from ..errors import PressroomError
from ..model import Channel


class DeliveryFailure(PressroomError):
    """A delivery did not happen."""


class TemporaryFailure(DeliveryFailure):
    """A delivery failed in a way that may pass: retry later.

    ``closing`` says the server also ended the session for every message (SMTP 421 in
    the middle of one): the job counts the attempt, since the answer was to it, and the
    channel pauses as well, so the jobs behind it are not tried one connection each.
    """

    def __init__(self, message: str, closing: bool = False) -> None:
        super().__init__(message)
        self.closing = closing


class PermanentFailure(DeliveryFailure):
    """A delivery failed for good: the job is dead.

    ``mailbox_gone`` says the server named the address itself as non-existent (not a
    refusal of this message): the address is then suppressed for every later release.
    """

    def __init__(self, message: str, mailbox_gone: bool = False) -> None:
        super().__init__(message)
        self.mailbox_gone = mailbox_gone


class ChannelDown(DeliveryFailure):
    """The channel as a whole cannot deliver now: no job of it would go out.

    The recipient is not at fault, so the job in hand does not lose an attempt;
    the dispatcher pauses the channel with backoff and delivers other channels.
    """


class ChannelConfigError(ChannelDown):
    """A channel cannot work as configured (a missing secret, say): fix, then dispatch again."""


class Transport:
    """One open channel; ``dispatch`` keeps it open for many jobs and closes it at the end."""

    kind: ClassVar[str]  # "email" or "webhook"

    def __init__(self, channel: Channel, root: Path, environ: Mapping[str, str] | None = None) -> None:
        self.channel = channel
        self.root = root
        self.environ = os.environ if environ is None else environ

    def option(self, key: str, default: Any = None) -> Any:
        return self.channel.option(key, default)

    def secret(self, key: str) -> str | None:
        """Read the secret from the environment variable the option *key* names."""
        variable = self.option(key)
        if not variable:
            return None
        value = self.environ.get(variable)
        if not value:
            raise ChannelConfigError(
                f"channel {self.channel.name!r}: environment variable {variable} is not set"
            )
        return value

    def rate_interval(self) -> float | None:
        """Return the seconds between two sends that keep the channel's rate, or None (no limit)."""
        return None

    def close(self) -> None:
        """Release connections; safe to call twice."""


class EmailTransport(Transport):
    kind = "email"

    def send(self, message: bytes, sender: str, recipient: str) -> None:
        """Deliver *message* (RFC 5322 bytes, CRLF line ends) to *recipient*, or raise
        a DeliveryFailure."""
        raise NotImplementedError


class WebhookTransport(Transport):
    kind = "webhook"

    def send(self, body: bytes, delivery_id: str) -> None:
        """POST *body* or raise a DeliveryFailure."""
        raise NotImplementedError


def registry() -> dict[str, type[Transport]]:
    """Return the channel types by name (imported here to keep start-up light)."""
    from .maildir import MaildirChannel
    from .smtp import SmtpChannel
    from .webhook import WebhookChannel

    return {"maildir": MaildirChannel, "smtp": SmtpChannel, "webhook": WebhookChannel}


def open_channel(channel: Channel, root: Path, environ: Mapping[str, str] | None = None) -> Transport:
    """Return a transport for *channel* (connections open on first use)."""
    types = registry()
    if channel.type not in types:
        raise ChannelConfigError(f"channel {channel.name!r}: unknown type {channel.type!r}")
    return types[channel.type](channel, root, environ)


__all__ = [
    "ChannelConfigError", "ChannelDown", "DeliveryFailure", "EmailTransport", "PermanentFailure",
    "TemporaryFailure", "Transport", "WebhookTransport", "open_channel", "registry",
]
