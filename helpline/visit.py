"""One incoming message's work with the store, in two round trips.

When a message arrives, one script (see :mod:`helpline.store`) reads the texter's state,
language, hand-off pointer and notes of a hand-off closed unseen or expired, counts the
message against the number's limit (in a hand-off, against the hand-off's own count: see
:mod:`helpline.limits`), reads its other count (a texter in the menus may still be over the
hand-off's limit) and how many SMS went out this minute. When the reply is ready, one
script writes the new state and language and counts the SMS sent, the reply and any hand-off
messages, with one INCRBY (the day's figures are counted in memory: see :mod:`helpline.stats`).
Only the few messages that need more (a hand-off, a wipe) do more.
A store outage makes an empty visit: the texter is answered without state, nothing is written.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from . import stats
from .handoff import CLOSED, EXPIRY, POINTER
from .store import LEASE_MS, PREFIX, Store, StoreUnavailable

log = logging.getLogger(__name__)

REPLIES_KEPT = 120  # seconds a minute's counter of messages sent is kept
LEASE_WAIT = 0.02  # seconds between two asks for a number's lease another message holds


def replies_key(now: float | None = None) -> str:
    """Name the counter of SMS sent in the current minute (shared by every instance): replies
    and hand-off messages alike."""
    return f"{PREFIX}:replies:{int((now if now is not None else time.time()) // 60)}"


@dataclass
class Visit:
    """What the store holds about one texter, read once, and what to write back."""

    store: Store
    number_key: str
    session: Any = None
    lang: Any = None
    pointer: Any = None
    closed: Any = None  # the note of a hand-off staff closed unseen (see handoff.Closed)
    expiry: Any = None  # the note that tells the texter their hand-off expired (handoff.EXPIRY)
    messages: int = 0  # this number's messages in its rate window, this one included
    handoff_count: bool = False  # ``messages`` is the hand-off's count (the number had a pointer)
    other_messages: int = 0  # the other count (not added to): the hand-off's if in the menus
    replies: int = 0  # SMS already sent this minute (under ``minute``), by every instance
    reachable: bool = True
    minute: str = field(default_factory=replies_key)  # the counter ``replies`` was read from
    rate_window: int = 0
    lease: str = ""  # the token of the number's lease this visit holds ("": none)
    _values: dict[str, tuple[Any, int]] = field(default_factory=dict)
    _counters: list[tuple[str, int, int]] = field(default_factory=list)

    @classmethod
    def begin(cls, store: Store, number_key: str, rate_window: int,
              now: float | None = None) -> Visit:
        """Begin answering a message of ``number_key``: once no other message of the number is
        being answered (two texts sent at once, a "0" and WIPE together, are answered one
        after the other, each seeing what the other kept), read and count it."""
        minute = replies_key(now)
        lease = secrets.token_hex(8)
        # Past the lease's life the other message's server has died: take it all the same.
        deadline = time.monotonic() + LEASE_MS / 1000
        try:
            while (found := store.begin_visit(
                    number_key, ("session", "lang", POINTER, CLOSED, EXPIRY), rate_window,
                    minute, POINTER, lease, force=time.monotonic() > deadline)) is None:
                time.sleep(LEASE_WAIT)
        except StoreUnavailable as error:
            log.warning("store unavailable (%s): answering without conversation state", error)
            return cls(store, number_key, reachable=False, minute=minute, rate_window=rate_window)
        (session, lang, pointer, closed, expiry), messages, in_handoff, other, replies = found
        return cls(store, number_key, session, lang, pointer, closed, expiry, messages,
                   in_handoff, other, replies, minute=minute, rate_window=rate_window,
                   lease=lease)

    def count_in_menus(self) -> None:
        """Count this message under the menus' count after all: it was counted under the
        hand-off's, but the hand-off its pointer named is gone (rare: a pointer outlived its
        thread). One more round trip, atomic like the first: the hand-off's count is given
        back and the menus' count is one INCR, so neither skips the count one over a limit."""
        if not self.handoff_count or not self.reachable:
            return
        self.other_messages = max(self.messages - 1, 0)  # the hand-off's, this one given back
        try:
            self.messages = self.store.move_count(self.number_key, "handoff-rate", "rate",
                                                  self.rate_window)
        except StoreUnavailable:
            self.messages = 0  # fail open, as the limits do without the store
        self.handoff_count = False

    def keep(self, kind: str, value: Any, ttl: int) -> None:
        """Write ``value`` under this number's ``kind`` key when the visit ends."""
        self._values[kind] = (value, ttl)

    def sent(self, messages: int) -> None:
        """Count the ``messages`` about to be sent against the minute's cap (the one checked)."""
        if messages > 0:
            self._counters.append((self.minute, messages, REPLIES_KEPT))

    def count(self, event: str, now: dt.datetime | None = None, **labels: str | None) -> None:
        """Add one to today's anonymous figure of ``event`` (see :mod:`helpline.stats`)."""
        stats.count(self.store, event, now, **labels)

    def abandon(self) -> None:
        """Write nothing this visit was about to keep (its answer failed halfway)."""
        self._values.clear()
        self._counters.clear()

    def forget(self, keep_counts: bool = True) -> bool:
        """Erase everything about the number now, and write nothing about it later: all but
        its message counts, with ``keep_counts`` (short-lived, so that erasing cannot reset the
        number's limit)."""
        self._values.clear()
        try:
            self.store.forget(self.number_key, keep_counts=keep_counts)
        except StoreUnavailable:
            log.error("store unreachable: could not erase a number's data")
            return False
        return True

    def finish(self) -> None:
        """Write what the message changed and give back the number's lease, in one round trip
        (the next message of the number waits for it)."""
        if not self.reachable:
            return
        try:
            self.store.finish_visit(self.number_key, self._values, self._counters, self.lease)
        except StoreUnavailable:
            log.warning("store unreachable: conversation state and figures not saved")
            self.store.release(self.number_key, self.lease)
        except Exception:
            # The reply is ready: the texter still gets it, even if saving failed.
            log.exception("saving a conversation's state failed; the reply is sent anyway")
            self.store.release(self.number_key, self.lease)
