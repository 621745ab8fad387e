"""The ways out: the channel contract, and the registry of channel types.

A channel type is one ``Transport`` subclass (usually one module): it owns its typed
settings (a pydantic model, its defaults in that one place), the targets it makes
from a recipient list, how it composes what it sends from a queued edition, and the
delivery. pressroom ships maildir, smtp and webhook; other packages add types through
the entry point group ``pressroom.channels`` (name: the type, value: the class).
``dispatch``, ``publish`` and ``settings`` ask the type, never test its name. A channel raises
``TemporaryFailure`` for what may work later (retry with backoff),
``PermanentFailure`` for what never will (the job is dead), and ``ChannelDown``
for what concerns every job of the channel alike (a refused login or sender, a
failed TLS handshake, an unreachable server, a missing secret): the job goes back
untried and the channel pauses. Secrets come from environment variables named in
the settings, never from the settings themselves.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, StrictBool

from ..errors import PressroomError
from ..model import Channel, Recipient, RecipientList

if TYPE_CHECKING:
    from ..mail import MessageBuilder
    from ..queue import Edition, Job

ENTRY_POINT_GROUP = "pressroom.channels"


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


class ChannelSettings(BaseModel):
    """The settings of one channel as written under ``distribution.channels.NAME``.

    Each channel type subclasses this with its own keys and defaults (the one place
    they are written down); ``type`` narrows to the type's name. Unknown keys are
    errors and values are never coerced, as everywhere in the settings.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    type: str

    def problems(self, name: str) -> list[str]:
        """Return what makes this channel unusable beyond its keys' types (errors
        located at the channel); none by default."""
        return []

    def secret_variables(self) -> dict[str, str]:
        """Return the environment variables the settings name: key -> variable.

        By convention a key ending in ``_env`` names one; its value is read at delivery.
        """
        return {key: str(value) for key, value in self.model_dump().items()
                if key.endswith("_env") and value}

    def destination(self, name: str) -> str:
        """Return where a delivery that names no recipient goes (for plans and notes)."""
        return name


class EmailSettings(ChannelSettings):
    """Settings every e-mail channel has."""

    attach_docx: StrictBool = False


S = TypeVar("S", bound=ChannelSettings)
E = TypeVar("E", bound=EmailSettings)


@dataclass(frozen=True)
class Runtime:
    """What an open transport may use besides its settings: the press room folder, the
    environment (its secrets) and the builder of e-mails (shared, so each edition's MIME
    body is encoded once across channels)."""

    root: Path
    environ: Mapping[str, str]
    messages: MessageBuilder


class Transport(Generic[S]):
    """One open channel of type ``type_name``; ``dispatch`` keeps it open for many jobs
    and closes it at the end.

    The class attributes and class methods describe the channel type (what ``settings``,
    ``publish`` and the safeguards ask); an instance delivers.
    """

    type_name: ClassVar[str]
    settings_model: ClassVar[type[ChannelSettings]]
    # True: one delivery per recipient of a list (e-mail); False: one per list (a website).
    per_recipient: ClassVar[bool] = True
    # False only for channels whose deliveries stay on this machine (a folder).
    reaches_outside: ClassVar[bool] = True

    def __init__(self, channel: Channel, runtime: Runtime) -> None:
        if not isinstance(channel.settings, self.settings_model):
            raise TypeError(f"channel {channel.name!r}: settings of type {channel.type!r} "
                            f"cannot open a {self.type_name} channel")
        self.channel = channel
        self.settings: S = channel.settings  # type: ignore[assignment]  # checked just above
        self.runtime = runtime

    @property
    def root(self) -> Path:
        return self.runtime.root

    @classmethod
    def targets(cls, lst: RecipientList) -> list[Recipient]:
        """Return whom the deliveries of a release on the list *lst* go to: each recipient,
        or one delivery without an address for a channel that publishes."""
        if cls.per_recipient:
            return list(lst.recipients)
        return [Recipient("")]

    @classmethod
    def early_delivery(cls, settings: ChannelSettings, name: str) -> str:
        """Say what a delivery before its time would do (the simulation notice)."""
        return f"it would deliver to {settings.destination(name)} before its time"

    def secret(self, variable: str | None) -> str | None:
        """Read the secret from the environment *variable* (a ``*_env`` setting), if named."""
        if not variable:
            return None
        value = self.runtime.environ.get(variable)
        if not value:
            raise ChannelConfigError(
                f"channel {self.channel.name!r}: environment variable {variable} is not set"
            )
        return value

    def rate_interval(self) -> float | None:
        """Return the seconds between two sends that keep the channel's rate, or None (no limit)."""
        return None

    def compose(self, edition: Edition, job: Job) -> bytes:
        """Return what *job* sends, built from the stored *edition* and the job alone (the
        same on every attempt; a fault here is final for the job)."""
        raise NotImplementedError

    def deliver(self, content: bytes, edition: Edition, job: Job) -> None:
        """Hand *content* over; raise a DeliveryFailure if it did not go out."""
        raise NotImplementedError

    def close(self) -> None:
        """Release connections; safe to call twice."""


class EmailTransport(Transport[E]):
    """A channel that delivers each job as an e-mail to its recipient."""

    @classmethod
    def early_delivery(cls, settings: ChannelSettings, name: str) -> str:
        return "it would send real mail before its time"

    def compose(self, edition: Edition, job: Job) -> bytes:
        return self.runtime.messages.build(edition, job, self.settings.attach_docx)

    def deliver(self, content: bytes, edition: Edition, job: Job) -> None:
        from ..addresses import check_address

        # The envelope carries the addresses in the form the builder wrote into From
        # and To (an international domain as IDNA): an old ledger may hold them as
        # they were written. The builder has judged both already, so neither raises.
        self.send(content, check_address(edition.record.sender.email), check_address(job.email))

    def send(self, message: bytes, sender: str, recipient: str) -> None:
        """Deliver *message* (RFC 5322 bytes, CRLF line ends) to *recipient*, or raise
        a DeliveryFailure."""
        raise NotImplementedError


ChannelTypes = Mapping[str, type[Transport[Any]]]


def built_in_channel_types() -> dict[str, type[Transport[Any]]]:
    """Return the channel types pressroom ships, by name (imported here, when a command
    needs channels, to keep start-up light)."""
    from .maildir import MaildirChannel
    from .smtp import SmtpChannel
    from .webhook import WebhookChannel

    return {kind.type_name: kind for kind in (MaildirChannel, SmtpChannel, WebhookChannel)}


def channel_types(needed: Iterable[str] = ()) -> dict[str, type[Transport[Any]]]:
    """Return the channel types by name: the built-in ones, then those other packages
    register in the entry point group ``pressroom.channels``.

    When every type in *needed* is built in, the entry points are not scanned (that
    reads the metadata of every installed package, a few milliseconds or more). A
    plug-in that cannot be loaded is a PressroomError naming it.
    """
    types = built_in_channel_types()
    wanted = set(needed)
    if wanted and wanted <= types.keys():
        return types
    for point in entry_points(group=ENTRY_POINT_GROUP):
        if point.name in types:  # a plug-in cannot replace a built-in channel
            continue
        where = f"channel plug-in {point.name} = {point.value} ({ENTRY_POINT_GROUP})"
        try:
            loaded = point.load()
        except Exception as exc:  # a broken package must not take pressroom down with a traceback
            raise PressroomError(f"{where} cannot be loaded: {type(exc).__name__}: {exc}") from exc
        if not (isinstance(loaded, type) and issubclass(loaded, Transport)):
            raise PressroomError(f"{where} is not a pressroom.channels.Transport subclass")
        types[point.name] = loaded
    return types


def make_channel(name: str, options: Mapping[str, object],
                 types: ChannelTypes | None = None) -> Channel:
    """Return the channel *name* from its settings as written (``type`` and the type's keys).

    Raises PressroomError for an unknown type and pydantic's ValidationError for keys
    the type refuses (``settings`` turns both into located problems).
    """
    known = channel_types([str(options.get("type"))]) if types is None else types
    kind = known.get(str(options.get("type")))
    if kind is None:
        raise PressroomError(unknown_type(options.get("type"), known))
    return Channel(name, kind, kind.settings_model.model_validate(dict(options)))


def unknown_type(given: object, types: ChannelTypes) -> str:
    """Say that *given* is no channel type, naming the known ones."""
    return f"unknown channel type {given!r} (known: {', '.join(sorted(types))})"


def open_channel(channel: Channel, root: Path, environ: Mapping[str, str] | None = None,
                 messages: MessageBuilder | None = None) -> Transport[Any]:
    """Return a transport for *channel* (connections open on first use)."""
    if messages is None:
        from ..mail import MessageBuilder

        messages = MessageBuilder()
    runtime = Runtime(root, os.environ if environ is None else environ, messages)
    return channel.transport(channel, runtime)


__all__ = [
    "ENTRY_POINT_GROUP", "ChannelConfigError", "ChannelDown", "ChannelSettings", "DeliveryFailure",
    "EmailSettings", "EmailTransport", "PermanentFailure", "Runtime", "TemporaryFailure", "Transport",
    "built_in_channel_types", "channel_types", "make_channel", "open_channel", "unknown_type",
]
