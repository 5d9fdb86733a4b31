"""Abuse limits: how often one number may write, and how many replies go out per minute.

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

    def allow_reply(self) -> bool:
        """Tell whether a reply may go out under this minute's cap, and count it if so."""
        if self.visit.reachable and self.visit.replies >= self.replies_per_minute:
            return False
        self.visit.replied()
        return True
