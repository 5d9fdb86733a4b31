"""Abuse limits: how often one number may write, and how many replies go out per minute.

Both fail open: when Redis is unreachable a texter is answered rather than refused.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from .store import PREFIX, Store, StoreUnavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limits:
    store: Store
    per_number: int
    per_number_window: int
    replies_per_minute: int

    def allow_message(self, number_key: str) -> bool:
        """Count one incoming message of this number; False once it is over its limit."""
        try:
            return self.store.hit(Store.key("rate", number_key), self.per_number_window) <= self.per_number
        except StoreUnavailable:
            return True

    def allow_reply(self) -> bool:
        """Count one outgoing reply; False once this minute's cap is reached."""
        minute = int(time.time() // 60)
        try:
            return self.store.hit(f"{PREFIX}:replies:{minute}", 120) <= self.replies_per_minute
        except StoreUnavailable:
            return True
