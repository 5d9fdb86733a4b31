"""Abuse limits: how often one number may write, and how many SMS go out per minute.

The minute's cap (``HELPLINE_SMS_REPLIES_PER_MINUTE``) counts every message the helpline
sends: the reply to the sender and each hand-off message (to staff, or to a texter). The
view counts what it sends (:meth:`helpline.visit.Visit.sent`); :meth:`Limits.fits` only
tells whether a texter's messages may go out (see :mod:`helpline.sms` for who is refused).

Both read counters the visit fetched with the message (see :mod:`helpline.visit`), so they
cost no round trip of their own. Both fail open: when Redis is unreachable a texter is
answered rather than refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from .visit import Visit


@dataclass(frozen=True)
class Limits:
    visit: Visit
    per_number: int
    replies_per_minute: int

    def allow_message(self) -> bool:
        """Tell whether this number is still within its limit (this message counted)."""
        return not self.visit.reachable or self.visit.messages <= self.per_number

    def just_over(self) -> bool:
        """Tell whether this message is the first over the number's limit (told once)."""
        return self.visit.reachable and self.visit.messages == self.per_number + 1

    def fits(self, messages: int) -> bool:
        """Tell whether ``messages`` more SMS fit in what is left of this minute's cap."""
        return (messages == 0 or not self.visit.reachable
                or self.visit.replies + messages <= self.replies_per_minute)
