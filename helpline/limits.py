"""Abuse limits: how often one number may write, and how many SMS go out per minute.

A number's messages are counted in a window of ``HELPLINE_SMS_PER_NUMBER_WINDOW`` seconds
from its first message, in two counts: its messages to the menus (and anything it sends
outside a hand-off: a keyword, the wipe word ...), limited to ``HELPLINE_SMS_PER_NUMBER``; and
its messages in a hand-off, limited to :data:`HANDOFF_FACTOR` times that. A person writing
to staff can say a lot, but not make the helpline text staff without end; and what they wrote
to staff never uses up what they may send to the menus afterwards (0, as the stop text says).
At either limit, the first message over it is told to wait; the rest get nothing (and, in a
hand-off, are not passed on) until the window ends. 9 always stops a hand-off. The first
message over the hand-off's limit is told to staff too (what they reply still reaches the
texter within the hand-off's window); and while the hand-off's count is over its limit, 0
opens no new hand-off (everything written in it would be dropped): the texter is told to
wait, and how to call.

The counts are bare counters under the hashed number that expire with the window. The wipe
word and STOP erase everything else at once but keep them: erasing them would reset the
limit, and the wipe word could be sent (and answered) without end.

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

HANDOFF_FACTOR = 3  # a number's limit in a hand-off, as a multiple of its limit in the menus


@dataclass(frozen=True)
class Limits:
    visit: Visit
    per_number: int
    replies_per_minute: int

    def _count(self, handoff: bool) -> tuple[int, int]:
        """Return this message's count and the limit it is held to: in a hand-off (the
        ``handoff`` count) or in the menus."""
        if not handoff:
            self.visit.count_in_menus()  # counted as in a hand-off that is gone: recount
            return self.visit.messages, self.per_number
        return self.visit.messages, self.per_number * HANDOFF_FACTOR

    def allow_message(self, handoff: bool = False) -> bool:
        """Tell whether this number is still within its limit (this message counted), in a
        hand-off or (by default) in the menus."""
        messages, limit = self._count(handoff)
        return not self.visit.reachable or messages <= limit

    def just_over(self, handoff: bool = False) -> bool:
        """Tell whether this message is the first over the number's limit (told once): its
        count is one INCR of its own (see :mod:`helpline.store`), so exactly one message in a
        window has the count one over the limit."""
        messages, limit = self._count(handoff)
        return self.visit.reachable and messages == limit + 1

    @property
    def minutes(self) -> int:
        """Return at most how many minutes a number over its limit waits (the window's
        length, rounded up: the window started at its first message, which is not read)."""
        return -(-self.visit.rate_window // 60)

    def handoff_over(self) -> bool:
        """Tell whether the number's hand-off count has reached its limit, whichever count this
        message was counted under (the first script reads both: no round trip of its own): at
        the limit, nothing more written in a hand-off could be passed on."""
        handoff = self.visit.messages if self.visit.handoff_count else self.visit.other_messages
        return self.visit.reachable and handoff >= self.per_number * HANDOFF_FACTOR

    def fits(self, messages: int) -> bool:
        """Tell whether ``messages`` more SMS fit in what is left of this minute's cap."""
        return (messages == 0 or not self.visit.reachable
                or self.visit.replies + messages <= self.replies_per_minute)
