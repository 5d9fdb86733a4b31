"""Phone numbers become keyed hashes before they go anywhere near storage or logs."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

import phonenumbers

_CHANNEL_PREFIXES = ("whatsapp:", "messenger:", "sms:", "client:")

# A number as Twilio writes it (E.164): +, the country code, the number without its first 0.
E164 = r"^\+[1-9][0-9]{6,14}$"


def exists(number: str) -> bool:
    """Return True if ``number`` is written as :data:`E164` and a phone can have it: not a
    digit short or one too many (``+3161234567``), by the numbering plan of its country."""
    if re.fullmatch(E164, number) is None:
        return False
    return phonenumbers.is_valid_number(phonenumbers.parse(number))


def normalize(address: str) -> str:
    """Reduce a Twilio ``From`` to one form per person: ``whatsapp:+31 6 ...`` -> ``+316...``.

    SMS and WhatsApp from the same number are the same person (one session, one wipe).
    Something that is not a phone number (a short code, a sender name) is kept as written,
    lower-cased, so it still gets its own conversation.
    """
    text = address.strip()
    lowered = text.lower()
    for prefix in _CHANNEL_PREFIXES:
        if lowered.startswith(prefix):
            text = text[len(prefix):]
            break
    try:
        parsed = phonenumbers.parse(text, "NL")
    except phonenumbers.NumberParseException:
        return text.lower()
    if not phonenumbers.is_possible_number(parsed):
        return text.lower()
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def channel(address: str) -> str:
    """Name the channel of a Twilio address: ``whatsapp`` for ``whatsapp:+31...`` (any other
    prefix likewise), ``""`` for a plain number (SMS and MMS, also written ``sms:+31...``).

    Twilio sends a message only from an address on the channel of the one it goes to (error
    30016: 'To' and 'From' channel types are incompatible).
    """
    lowered = address.strip().lower()
    for prefix in _CHANNEL_PREFIXES:
        if lowered.startswith(prefix):
            return "" if prefix == "sms:" else prefix[:-1]
    return ""


def number_key(address: str, secret: bytes) -> str:
    """Return the keyed HMAC of a number: stable for one secret, useless without it."""
    return key_of(normalize(address), secret)


def key_of(normal: str, secret: bytes) -> str:
    """Return the number key of a number already in its normal form (see ``normalize``)."""
    digest = hmac.new(secret, normal.encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()[:32]


@dataclass(frozen=True)
class Sender:
    """Who wrote: the address as Twilio gave it (to write back to) and its normal form."""

    address: str
    normal: str

    @classmethod
    def of(cls, address: str) -> Sender:
        return cls(address, normalize(address))
