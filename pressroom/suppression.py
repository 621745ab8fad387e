"""Who asked not to be mailed: address normalisation and per-recipient unsubscribe tokens.

A token identifies a recipient without showing the address: HMAC-SHA256 of the
normalised address under a random key the ledger creates once. The ``List-Unsubscribe``
mailto carries it, so an unsubscribe reply from any address names the right recipient,
and nobody can unsubscribe someone else without the message that person received.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

TOKEN_LENGTH = 20  # base32 characters: 100 bits, beyond guessing
TOKEN_KEY = "unsubscribe_key"  # the name of the key in the ledger's meta table
# A token as it stands in a subject or body: base32 letters, case-insensitive.
TOKEN_PATTERN = re.compile(rf"\b[A-Za-z2-7]{{{TOKEN_LENGTH}}}\b")


def normalise(address: str) -> str:
    """Return the form an address is suppressed and looked up under: the validator's
    (ASCII, IDNA domain, lower case), so `jose@exämple.de` and `jose@xn--exmple-cua.de`
    are one person; text the validator refuses is only trimmed and lower-cased."""
    from .addresses import AddressError
    from .addresses import normalise as address_key

    try:
        return address_key(address.strip())
    except AddressError:
        return address.strip().lower()


def unsubscribe_token(key: bytes, address: str) -> str:
    """Return the unsubscribe token of *address* under the ledger's *key*."""
    digest = hmac.new(key, normalise(address).encode("utf-8"), hashlib.sha256).digest()
    return base64.b32encode(digest).decode("ascii")[:TOKEN_LENGTH]


def tokens_in(text: str) -> set[str]:
    """Return every token-shaped word of *text*, upper-cased as tokens are written."""
    return {match.upper() for match in TOKEN_PATTERN.findall(text)}
