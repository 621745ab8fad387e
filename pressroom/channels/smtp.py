"""The SMTP channel: one connection reused for many messages, at a limited rate.

Error policy: a 4xx reply or a broken connection may pass (retry); a 5xx reply for
a recipient is final for that recipient only (and, if it says the mailbox does not
exist, suppresses the address for good); a refused login stops the dispatcher
(every message would fail the same way).
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import ssl
import time

from . import ChannelConfigError, DeliveryFailure, EmailTransport, PermanentFailure, TemporaryFailure

# RFC 3463: X.1.0 other address status, X.1.1 bad destination mailbox, X.1.10 null MX.
GONE_STATUS = {"5.1.0", "5.1.1", "5.1.10"}
GONE_CODES = {550, 551, 553}
_ENHANCED = re.compile(r"^\s*([245]\.\d{1,3}\.\d{1,3})\b")
# What servers without enhanced status codes say about a mailbox that does not exist.
_GONE_TEXT = re.compile(r"user unknown|unknown user|no such (user|mailbox|recipient)"
                        r"|mailbox (is )?unavailable|does not exist", re.IGNORECASE)


def classify(code: int, text: bytes | str, about_recipient: bool = True) -> DeliveryFailure:
    """Map an SMTP reply code to a retry (4xx, odd codes) or a permanent failure (5xx).

    A 5xx about the recipient that names its mailbox as non-existent is marked
    ``mailbox_gone``; a 5xx for policy or content (5.7.x, spam, size) is not, nor a
    refusal of the sender (*about_recipient* False): that address may work tomorrow.
    """
    reply = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    message = f"SMTP {code} {reply}".strip()
    if 500 <= code < 600:
        gone = about_recipient and _mailbox_gone(code, reply)
        return PermanentFailure(message, mailbox_gone=gone)
    return TemporaryFailure(message)


def _mailbox_gone(code: int, reply: str) -> bool:
    if code not in GONE_CODES:
        return False
    enhanced = _ENHANCED.match(reply)
    if enhanced:  # the enhanced status is the server's precise word: trust it over the text
        return enhanced.group(1) in GONE_STATUS
    return bool(_GONE_TEXT.search(reply))


class SmtpChannel(EmailTransport):
    """Send through an SMTP server (``security``: starttls, ssl or none)."""

    _conn: smtplib.SMTP | None = None
    _last: float = 0.0

    @property
    def interval(self) -> float:
        """Seconds between two messages that keep to ``rate_per_minute``."""
        return 60.0 / float(self.option("rate_per_minute", 300))

    def _throttle(self) -> None:
        wait = self._last + self.interval - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last = time.monotonic()

    def _connect(self) -> smtplib.SMTP:
        if self._conn is not None:
            return self._conn
        host = str(self.option("host"))
        port = int(self.option("port", 587))
        timeout = float(self.option("timeout", 30))
        security = self.option("security", "starttls")
        username = self.option("username")
        password = self.secret("password_env")
        if username and password is None:
            raise ChannelConfigError(f"channel {self.channel.name!r}: username without password_env")
        conn: smtplib.SMTP | None = None
        try:
            if security == "ssl":
                conn = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                        context=ssl.create_default_context())
            else:
                conn = smtplib.SMTP(host, port, timeout=timeout)
                if security == "starttls":
                    conn.starttls(context=ssl.create_default_context())
            if username and password:
                conn.login(str(username), password)
        except smtplib.SMTPAuthenticationError as exc:
            _close(conn)
            raise ChannelConfigError(
                f"channel {self.channel.name!r}: login refused: {exc.smtp_code}"
            ) from None
        except smtplib.SMTPNotSupportedError as exc:
            _close(conn)
            raise ChannelConfigError(f"channel {self.channel.name!r}: {exc}") from None
        except smtplib.SMTPResponseException as exc:
            _close(conn)
            raise TemporaryFailure(f"connecting to {host}:{port}: SMTP {exc.smtp_code}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            _close(conn)
            raise TemporaryFailure(f"connecting to {host}:{port}: {exc}") from exc
        self._conn = conn
        return conn

    def send(self, message: bytes, sender: str, recipient: str) -> None:
        """Send *message* to *recipient* over the shared connection."""
        self._throttle()
        conn = self._connect()
        try:
            conn.sendmail(sender, [recipient], message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = exc.recipients.get(recipient, (451, b"recipient refused"))
            failure = classify(code, text)
            if isinstance(failure, TemporaryFailure):
                self._drop()  # after a 421 the server has hung up anyway
            raise failure from None
        except smtplib.SMTPResponseException as exc:
            self._drop()
            refused_sender = isinstance(exc, smtplib.SMTPSenderRefused)  # "5.1.0" is about us then
            raise classify(exc.smtp_code, exc.smtp_error, about_recipient=not refused_sender) from None
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            raise TemporaryFailure(f"SMTP connection: {exc}") from None

    def _drop(self) -> None:
        _close(self._conn)
        self._conn = None

    def close(self) -> None:
        """Say QUIT and close the connection."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        with contextlib.suppress(smtplib.SMTPException, OSError):
            conn.quit()
        _close(conn)


def _close(conn: smtplib.SMTP | None) -> None:
    if conn is not None:
        with contextlib.suppress(OSError):
            conn.close()
