"""Callback requests: a caller nobody could answer asks, by pressing 1, to be called back.

What is kept, per number (``helpline:callback:<hmac of the number>``): the number itself,
sealed (encrypted with ``HELPLINE_ENCRYPTION_KEY``, :mod:`helpline.sealed`), when it was asked
and in which language. It expires after ``HELPLINE_CALLBACK_TTL`` seconds (7 days by default),
and the wipe keyword, STOP and ``helpline forget`` erase it with everything else about the
number. A second request from one number replaces the first.

For the staff web page (or any staff tool), the whole interface is two functions::

    from helpline.callbacks import open_requests, mark_done

    for request in open_requests(store, sealer):   # oldest first
        request.id            # opaque: pass it to mark_done
        request.requested_at  # aware datetime, Europe/Amsterdam
        request.lang          # language code of the call ("nl", "ro", ...)
        request.number        # the number to call back, opened only here
        request.version       # opaque: which request of this number it is (when it was asked)
    mark_done(store, request.id, request.version)  # called back: erase the request

``mark_done`` erases only the request that was shown: if the caller asked again since (the new
request replaces the old one under the same id), it erases nothing and says so, so that the new
request stays listed. ``store`` is :func:`helpline.store.get_store`; ``sealer`` is
``Sealer(current_app.config["HELPLINE_ENCRYPTION_KEY"])``. Never log or keep ``number``.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import math
from dataclasses import dataclass

import phonenumbers

from .hours import AMSTERDAM
from .identity import normalize
from .sealed import Sealer
from .store import Store

KIND = "callback"
DEFAULT_TTL = 7 * 24 * 3600

# What Twilio posts as ``From`` when a caller withholds their number: the words spelt on a
# phone keypad (ANONYMOUS, RESTRICTED, UNKNOWN, BLOCKED, UNAVAILABLE). Nobody can be called back.
_KEYPAD = {letter: str(digit) for digit, letters in
           {2: "ABC", 3: "DEF", 4: "GHI", 5: "JKL", 6: "MNO", 7: "PQRS", 8: "TUV", 9: "WXYZ"}.items()
           for letter in letters}
WITHHELD = frozenset("+" + "".join(_KEYPAD[c] for c in word)
                     for word in ("ANONYMOUS", "RESTRICTED", "UNKNOWN", "BLOCKED", "UNAVAILABLE"))


@dataclass(frozen=True)
class CallbackRequest:
    """One caller to call back, as staff see it."""

    id: str
    requested_at: dt.datetime
    lang: str
    number: str
    version: str  # the ``at`` of the record, as stored: a later request of the number has another


class Done(enum.Enum):
    """What :func:`mark_done` did."""

    ERASED = "erased"
    GONE = "gone"  # already erased (by a colleague, the caller's wipe) or expired
    ASKED_AGAIN = "asked again"  # the caller asked again since: their new request was kept


def callable_number(caller: str) -> str | None:
    """Return the number to call back (E.164), or None for a withheld or odd caller id."""
    number = normalize(caller)
    if not number.startswith("+") or number in WITHHELD:
        return None
    try:
        parsed = phonenumbers.parse(number)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_possible_number(parsed) else None


def request(store: Store, sealer: Sealer, number_key: str, number: str, lang: str,
            now: dt.datetime, ttl: int = DEFAULT_TTL) -> None:
    """Keep a request to call ``number`` back (raises StoreUnavailable when Redis is down)."""
    record = {"number": sealer.seal(number), "at": now.timestamp(), "lang": lang}
    store.set_json(KIND, number_key, record, ttl)


def open_requests(store: Store, sealer: Sealer) -> list[CallbackRequest]:
    """Return every callback request still open, oldest first, with its number opened."""
    found = []
    for key, record in store.scan_json(KIND).items():
        if not isinstance(record, dict):
            continue
        number = sealer.open(str(record.get("number", "")))
        at = record.get("at")
        if number is None or not isinstance(at, int | float):
            continue  # sealed with another key (rotated): nobody can read it any more
        when = dt.datetime.fromtimestamp(at, AMSTERDAM)
        found.append(CallbackRequest(key, when, str(record.get("lang", "")), number,
                                     json.dumps(at)))
    return sorted(found, key=lambda r: r.requested_at)


def mark_done(store: Store, request_id: str, version: str) -> Done:
    """Erase a request once the caller was called back, only if it is still the ``version``
    staff saw (see :class:`Done`). Raises ValueError for a ``version`` that no request has."""
    try:
        at = float(version)
    except ValueError:
        raise ValueError("not a callback request's version") from None
    if not math.isfinite(at):
        raise ValueError("not a callback request's version")
    erased = store.delete_if(KIND, request_id, "at", at)
    if erased is None:
        return Done.GONE
    return Done.ERASED if erased else Done.ASKED_AGAIN
