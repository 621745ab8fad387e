"""The one judge of e-mail addresses: `check`, the CSV reader and the e-mail builder ask it.

The syntax rules are those of the email-validator library (RFC 5321/5322 as mail
servers accept them), never a hand-written pattern, and never a network lookup.
An address comes back in the form it is sent in: an international domain as IDNA
(``jose@exämple.de`` -> ``jose@xn--exmple-cua.de``), since SMTP commands and headers
carry ASCII. A non-ASCII part before the @ could only travel over SMTPUTF8, which
pressroom does not use, so such an address is refused with that reason.
"""

from __future__ import annotations

import json
from functools import lru_cache

from .messages import Unsaid


class AddressError(Unsaid):
    """An address pressroom will not send to; the message says why in plain words.

    A ValueError (an Unsaid one, said in the room's language), so that the schemas report it
    like any other bad value.
    """


def quoted(text: str) -> str:
    """Quote *text* for a one-line message: double quotes, control characters escaped."""
    return json.dumps(text, ensure_ascii=False)


# The builder asks about the same sender and reply address for every message of a run:
# answering those from memory keeps the validator's cost to one address per message.
@lru_cache(maxsize=1024)
def check_address(text: str) -> str:
    """Return *text* as the address to send to (ASCII, the domain as IDNA), or raise AddressError.

    The domain is lower-cased; the part before the @ keeps its case, since only the
    receiving server may decide that ``Anna`` and ``anna`` are one mailbox.
    """
    # Imported here: the library is needed only where addresses are judged, not at CLI start.
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(text, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as exc:
        raise AddressError("address.invalid", address=quoted(text), reason=str(exc)) from None
    if checked.ascii_email is None:  # the local part needs SMTPUTF8
        raise AddressError("address.smtputf8", address=quoted(text))
    return checked.ascii_email


def normalise(address: str) -> str:
    """Return the key under which *address* is one recipient: its ASCII form, lower-cased.

    Used to find the same person twice (duplicates in a list, the suppression list),
    whatever case or domain spelling (Unicode or IDNA) each mention uses. Raises
    AddressError for an address that is not valid.
    """
    return check_address(address).lower()
