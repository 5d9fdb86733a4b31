"""Anonymous figures: counters per day, by event and plain labels (channel, language, menu item).

Nothing here identifies a person: no number, no hash of a number, no message text. A day is a
Redis hash ``helpline:stats:<YYYY-MM-DD>`` (Amsterdam time) whose fields are
``event|label=value|...``; days expire after ``KEEP_DAYS``. Counting never fails a reply.
Conversations the simulators hold (staff trying the helpline) are not counted.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from .simulate import is_simulated
from .store import PREFIX, Store, StoreUnavailable

log = logging.getLogger(__name__)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
KEEP_DAYS = 400


def _day(now: dt.datetime | None = None) -> str:
    return (now or dt.datetime.now(AMSTERDAM)).astimezone(AMSTERDAM).date().isoformat()


def field(event: str, labels: Mapping[str, str | None]) -> str:
    """Name one counter: ``sms.answer|lang=nl|node=b8-3`` (labels sorted, empty ones left out)."""
    parts = [event, *(f"{k}={v}" for k, v in sorted(labels.items()) if v)]
    return "|".join(parts)


def count(store: Store, event: str, now: dt.datetime | None = None, **labels: str | None) -> None:
    """Add one to today's counter of ``event`` with ``labels`` (one pipeline to the store)."""
    if is_simulated():
        return
    try:
        store.add_to_hash(f"{PREFIX}:stats:{_day(now)}", field(event, labels), KEEP_DAYS * 86400)
    except StoreUnavailable:
        log.info("store unreachable: a figure was not counted")


def read_day(store: Store, day: dt.date) -> dict[str, int]:
    """Return every counter of ``day``."""
    return store.read_hash(f"{PREFIX}:stats:{day.isoformat()}")
