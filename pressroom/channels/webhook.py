"""The webhook channel: a signed JSON POST per release.

The body is signed with HMAC-SHA256 under the secret from the environment variable
``secret_env`` names; the receiver recomputes it over the raw body and compares in
constant time. Redirects are not followed (a signed POST must not wander to
another host); a 2xx is delivered, 5xx, 408, 429, time-outs and answers that are
not HTTP retry, any other answer is final. A server that cannot be reached or
refuses pressroom (401, 403), a failed TLS handshake or a missing secret take the
channel down (it pauses).

``timeout`` bounds the whole request -- connecting, sending, the answer's status,
headers and body -- however slowly the server trickles them (see ``deadline``).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import ssl
import time
from typing import TYPE_CHECKING, Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, StrictInt

from ..schema import Line, OptionalLine
from . import (
    ChannelConfigError,
    ChannelDown,
    ChannelSettings,
    PermanentFailure,
    TemporaryFailure,
    Transport,
)
from .deadline import limit, passed, tls_context

if TYPE_CHECKING:
    from ..queue import Edition, Job

SIGNATURE_HEADER = "X-Pressroom-Signature"
DELIVERY_HEADER = "X-Pressroom-Delivery"
RETRY_STATUS = {408, 429}
# The receiver refuses pressroom itself (its signature, its address), as a mail server
# refuses a login: every release would be refused alike, so the channel pauses.
REFUSED_STATUS = {401, 403}


def signature(secret: str, body: bytes) -> str:
    """Return the signature header value of *body*: ``sha256=<hex>``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def webhook_body(edition: Edition, job: Job) -> bytes:
    """Return the JSON a webhook receives for one release."""
    record = edition.record
    payload = {
        "event": "release",
        "slug": edition.slug,
        "revision": edition.revision,
        "number": record.number,
        "title": record.title,
        "lead": record.lead,
        "date": record.published.isoformat(),
        "embargo": record.embargo.isoformat() if record.embargo else None,
        "language": record.language,
        "urls": dict(record.urls),
        "delivery": job.key,
        # A correction: the delivery it replaces is the one the receiver already has.
        "correction": bool(job.replaces),
        "replaces": job.replaces or None,
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")


class WebhookSettings(ChannelSettings):
    """``type: webhook``: where to POST, the variable holding the signing secret."""

    type: Literal["webhook"] = "webhook"
    url: Annotated[Line, Field(pattern=r"^https?://[^\s]+$")]
    secret_env: OptionalLine | None = None
    timeout: Annotated[StrictInt, Field(gt=0)] = 10

    def problems(self, name: str) -> list[str]:
        if not self.secret_env:
            return [f"channel {name!r}: a webhook needs secret_env; an unsigned webhook lets "
                    "anyone forge releases to the website"]
        return []

    def destination(self, name: str) -> str:
        return self.url


class WebhookChannel(Transport[WebhookSettings]):
    """POST JSON to ``url``: one delivery per list, which holds no recipients."""

    type_name = "webhook"
    settings_model = WebhookSettings
    per_recipient = False

    @classmethod
    def early_delivery(cls, settings: ChannelSettings, name: str) -> str:
        return f"it would post to {settings.destination(name)} before its time"

    @property
    def timeout(self) -> float:
        """Seconds one request may take in all."""
        return float(self.settings.timeout)

    def compose(self, edition: Edition, job: Job) -> bytes:
        return webhook_body(edition, job)

    def deliver(self, content: bytes, edition: Edition, job: Job) -> None:
        self.send(content, job.key)

    def send(self, body: bytes, delivery_id: str) -> None:
        """POST *body*; *delivery_id* (the job key) lets the receiver drop repeats."""
        url = self.settings.url
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "pressroom",
            DELIVERY_HEADER: delivery_id,
        }
        secret = self.secret(self.settings.secret_env)
        if secret is not None:
            headers[SIGNATURE_HEADER] = signature(secret, body)
        deadline = time.monotonic() + self.timeout
        conn, target = self._connect(url, deadline)
        try:
            conn.request("POST", target, body=body, headers=headers)
            answer = conn.getresponse()
            answer.read()
        except http.client.RemoteDisconnected:
            raise TemporaryFailure(f"{url}: the server closed the connection without an answer") from None
        except http.client.BadStatusLine as exc:
            raise TemporaryFailure(f"{url}: the answer is not HTTP: {str(exc).strip()[:80]!r}") from None
        except http.client.HTTPException as exc:  # a header line too long, a body cut short...
            raise TemporaryFailure(f"{url}: broken HTTP answer: {type(exc).__name__}: {exc}") from None
        except OSError as exc:
            reason = f"no complete answer within {self.timeout:g} s" if passed(deadline) else exc
            raise TemporaryFailure(f"{url}: {reason}") from None
        finally:
            conn.close()
        if 200 <= answer.status < 300:
            return
        message = f"HTTP {answer.status} from {url}"
        if answer.status >= 500 or answer.status in RETRY_STATUS:
            raise TemporaryFailure(message)
        if answer.status in REFUSED_STATUS:
            raise ChannelDown(f"{message}: the receiver refuses pressroom (is the secret in "
                              f"{self.settings.secret_env} the one it expects?)")
        raise PermanentFailure(message)  # 3xx too: redirects are not followed

    def _connect(self, url: str, deadline: float) -> tuple[http.client.HTTPConnection, str]:
        """Open a connection to *url*'s server; return it and the request target."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ChannelConfigError(f"channel {self.channel.name!r}: url {url!r} is not http(s)")
        conn: http.client.HTTPConnection
        if parts.scheme == "https":
            conn = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=self.timeout,
                                               context=tls_context())
        else:
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=self.timeout)
        try:
            conn.connect()
        except ssl.SSLError as exc:
            conn.close()
            raise ChannelDown(f"{url}: TLS failed: {exc.reason or exc}") from None
        except OSError as exc:  # refused, unreachable, no such name, silent
            conn.close()
            reason = f"no connection within {self.timeout:g} s" if passed(deadline) else exc
            raise ChannelDown(f"{url}: {reason}") from None
        conn.sock = limit(conn.sock, deadline)
        target = parts.path or "/"
        return conn, f"{target}?{parts.query}" if parts.query else target
