"""The webhook channel: a signed JSON POST per release.

The body is signed with HMAC-SHA256 under the secret from the environment variable
``secret_env`` names; the receiver recomputes it over the raw body and compares in
constant time. Redirects are not followed (a signed POST must not wander to
another host); a 2xx is delivered, 5xx, 408, 429 and time-outs retry, any other
answer is final.
"""

from __future__ import annotations

import hashlib
import hmac
import urllib.error
import urllib.request
from typing import Any

from . import PermanentFailure, TemporaryFailure, WebhookTransport

SIGNATURE_HEADER = "X-Pressroom-Signature"
DELIVERY_HEADER = "X-Pressroom-Delivery"
RETRY_STATUS = {408, 429}


def signature(secret: str, body: bytes) -> str:
    """Return the signature header value of *body*: ``sha256=<hex>``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # urllib then raises the 3xx as an HTTPError


class WebhookChannel(WebhookTransport):
    """POST JSON to ``url``."""

    _opener: urllib.request.OpenerDirector | None = None

    def send(self, body: bytes, delivery_id: str) -> None:
        """POST *body*; *delivery_id* (the job key) lets the receiver drop repeats."""
        url = str(self.option("url"))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "pressroom",
            DELIVERY_HEADER: delivery_id,
        }
        secret = self.secret("secret_env")
        if secret is not None:
            headers[SIGNATURE_HEADER] = signature(secret, body)
        if self._opener is None:
            self._opener = urllib.request.build_opener(_NoRedirect)
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with self._opener.open(request, timeout=float(self.option("timeout", 10))) as answer:
                answer.read()
        except urllib.error.HTTPError as exc:
            exc.close()
            message = f"HTTP {exc.code} from {url}"
            if exc.code >= 500 or exc.code in RETRY_STATUS:
                raise TemporaryFailure(message) from None
            raise PermanentFailure(message) from None
        except (urllib.error.URLError, OSError) as exc:  # refused, DNS, time-out
            raise TemporaryFailure(f"{url}: {getattr(exc, 'reason', exc)}") from None
