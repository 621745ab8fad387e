"""The SMTP channel: one connection reused for many messages.

Error policy: a 4xx reply or a broken connection during a transaction may pass
(retry the job); a 5xx reply for a recipient or for the message is final for that
job only (and a 5xx saying the mailbox does not exist suppresses the address for
good). Whatever would stop every message alike -- the server unreachable or
not greeting (421), TLS failing, the login or the sender refused, a missing
password -- is ``ChannelDown``: the job goes back untried and the channel pauses.

``timeout`` bounds a whole exchange: connecting (greeting, EHLO, STARTTLS, login)
and each transaction (MAIL, RCPT, DATA and the final reply), however slowly the
server trickles its answers. The rate limit lives in the queue: the dispatcher
takes a slot there before each message, so it holds across dispatchers.
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import socket
import ssl
import time
from typing import Annotated, Any, Literal

from pydantic import Field, StrictInt

from ..schema import Line, OptionalLine
from . import (
    ChannelConfigError,
    ChannelDown,
    DeliveryFailure,
    EmailSettings,
    EmailTransport,
    PermanentFailure,
    TemporaryFailure,
)
from .deadline import limit, passed, tls_context


def reply(code: int, text: bytes | str) -> str:
    """Return an SMTP reply as one line of text: ``SMTP 550 5.1.1 no such mailbox``."""
    words = " ".join((text.decode("utf-8", "replace") if isinstance(text, bytes) else text).split())
    if code < 0:  # no reply code: the peer speaks another protocol; smtplib kept from the 5th byte
        return f"the answer is not SMTP: {'…' + words!r}"
    return f"SMTP {code} {words}".strip()


# RFC 3463: X.1.0 other address status, X.1.1 bad destination mailbox, X.1.10 null MX.
GONE_STATUS = {"5.1.0", "5.1.1", "5.1.10"}
GONE_CODES = {550, 551, 553}
_ENHANCED = re.compile(r"^\s*([245]\.\d{1,3}\.\d{1,3})\b")
# What servers without enhanced status codes say about a mailbox that does not exist.
_GONE_TEXT = re.compile(r"user unknown|unknown user|no such (user|mailbox|recipient)"
                        r"|mailbox (is )?unavailable|does not exist", re.IGNORECASE)


def classify(code: int, text: bytes | str) -> DeliveryFailure:
    """Map an SMTP reply code to a retry (4xx, odd codes) or a permanent failure (5xx).

    A 421 retry is marked ``closing``: the server shuts the session for every message.

    A 5xx that names the recipient's mailbox as non-existent is marked
    ``mailbox_gone``; a 5xx for policy or content (5.7.x, spam, size) is not: that
    address may work tomorrow. (A refused sender never gets here: it is ChannelDown.)
    """
    message = reply(code, text)
    if 500 <= code < 600:
        words = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        gone = _mailbox_gone(code, words)
        return PermanentFailure(message, mailbox_gone=gone)
    # RFC 5321 4.2.2: 421 may answer any command; the service is closing the session.
    return TemporaryFailure(message, closing=code == 421)


def _mailbox_gone(code: int, text: str) -> bool:
    if code not in GONE_CODES:
        return False
    enhanced = _ENHANCED.match(text)
    if enhanced:  # the enhanced status is the server's precise word: trust it over the text
        return enhanced.group(1) in GONE_STATUS
    return bool(_GONE_TEXT.search(text))


class _Smtp(smtplib.SMTP):
    """smtplib.SMTP on a socket that keeps the exchange's deadline from the first byte."""

    def __init__(self, host: str, port: int, timeout: float, deadline: float, **kwargs: Any) -> None:
        self.deadline = deadline  # read by _get_socket while the constructor connects
        super().__init__(host, port, timeout=timeout, **kwargs)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        # smtplib's own hook (SMTP_SSL wraps here too); typeshed does not list it.
        sock = super()._get_socket(host, port, timeout)  # type: ignore[misc]
        return limit(sock, self.deadline)

    def keep_deadline(self, deadline: float) -> None:
        """Bound the next exchange by *deadline* (the socket changes with STARTTLS)."""
        if self.sock is not None:
            limit(self.sock, deadline)


class _SmtpSsl(_Smtp, smtplib.SMTP_SSL):
    """The same over implicit TLS (port 465)."""


class SmtpSettings(EmailSettings):
    """``type: smtp``: the server, how to reach it, and how fast to send."""

    type: Literal["smtp"] = "smtp"
    host: Line
    port: StrictInt = 587
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: OptionalLine | None = None
    password_env: OptionalLine | None = None
    rate_per_minute: Annotated[StrictInt, Field(gt=0)] = 300
    timeout: Annotated[StrictInt, Field(gt=0)] = 30

    def destination(self, name: str) -> str:
        return f"{self.host}:{self.port}"


class SmtpChannel(EmailTransport[SmtpSettings]):
    """Send through an SMTP server (``security``: starttls, ssl or none)."""

    type_name = "smtp"
    settings_model = SmtpSettings

    _conn: _Smtp | None = None

    @property
    def timeout(self) -> float:
        """Seconds one exchange with the server may take in all."""
        return float(self.settings.timeout)

    def rate_interval(self) -> float:
        """Seconds between two messages that keep to ``rate_per_minute``."""
        return 60.0 / self.settings.rate_per_minute

    def _connect(self, deadline: float) -> _Smtp:
        """Return the open session, or open one; any fault here takes the channel down."""
        if self._conn is not None:
            self._conn.keep_deadline(deadline)
            return self._conn
        host, port = self.settings.host, self.settings.port
        security = self.settings.security
        username = self.settings.username
        password = self.secret(self.settings.password_env)
        if username and password is None:
            raise ChannelConfigError(f"channel {self.channel.name!r}: username without password_env")
        where = f"connecting to {host}:{port}"
        conn: _Smtp | None = None
        try:
            if security == "ssl":
                conn = _SmtpSsl(host, port, self.timeout, deadline, context=tls_context())
            else:
                conn = _Smtp(host, port, self.timeout, deadline)
                if security == "starttls":
                    conn.starttls(context=tls_context())
                    conn.keep_deadline(deadline)
            conn.ehlo_or_helo_if_needed()  # a refused EHLO concerns every message: say so here
            if username and password:
                conn.login(str(username), password)
        except smtplib.SMTPAuthenticationError as exc:
            _close(conn)
            raise ChannelConfigError(f"channel {self.channel.name!r}: login refused: "
                                     f"{reply(exc.smtp_code, exc.smtp_error)}") from None
        except smtplib.SMTPNotSupportedError as exc:
            _close(conn)
            raise ChannelConfigError(f"channel {self.channel.name!r}: {exc}") from None
        except ssl.SSLError as exc:  # a refused certificate, no common protocol
            _close(conn)
            raise ChannelDown(f"{where}: TLS failed: {exc.reason or exc}") from None
        except smtplib.SMTPResponseException as exc:  # 421 instead of a greeting, say
            _close(conn)
            raise ChannelDown(f"{where}: {reply(exc.smtp_code, exc.smtp_error)}") from None
        except (smtplib.SMTPException, OSError) as exc:  # refused, unreachable, no name, silent
            _close(conn)
            raise ChannelDown(f"{where}: {self._broken(exc, deadline)}") from None
        self._conn = conn
        return conn

    def send(self, message: bytes, sender: str, recipient: str) -> None:
        """Send *message* to *recipient* over the shared connection."""
        deadline = time.monotonic() + self.timeout
        conn = self._connect(deadline)
        try:
            conn.sendmail(sender, [recipient], message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = exc.recipients.get(recipient, (451, b"recipient refused"))
            failure = classify(code, text)
            if isinstance(failure, TemporaryFailure):
                self._drop()  # after a 421 the server has hung up anyway
            raise failure from None
        except smtplib.SMTPSenderRefused as exc:  # the sender is every message's sender
            self._drop()
            raise ChannelDown(f"sender {sender} refused: "
                              f"{reply(exc.smtp_code, exc.smtp_error)}") from None
        except smtplib.SMTPResponseException as exc:
            self._drop()
            raise classify(exc.smtp_code, exc.smtp_error) from None
        except UnicodeEncodeError:  # smtplib speaks ASCII; the session stopped mid-command
            self._drop()
            if not sender.isascii():
                raise ChannelDown(f"sender {sender!r} is not ASCII") from None
            raise PermanentFailure(f"{recipient!r}: an address that is not ASCII cannot be "
                                   "sent over SMTP") from None
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            raise TemporaryFailure(f"SMTP connection: {self._broken(exc, deadline)}") from None

    def _broken(self, exc: Exception, deadline: float) -> str:
        if passed(deadline):
            return f"no complete answer within {self.timeout:g} s"
        return str(exc) or type(exc).__name__

    def _drop(self) -> None:
        _close(self._conn)
        self._conn = None

    def close(self) -> None:
        """Say QUIT and close the connection."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        conn.keep_deadline(time.monotonic() + min(self.timeout, 5.0))  # a silent server may not hold QUIT
        with contextlib.suppress(smtplib.SMTPException, OSError):
            conn.quit()
        _close(conn)


def _close(conn: smtplib.SMTP | None) -> None:
    if conn is not None:
        with contextlib.suppress(OSError):
            conn.close()
