"""Opening hours: is someone there at a given moment? Pure: the caller passes the time.

The hours are data (``content/hours.yaml``, Europe/Amsterdam time). Dutch public holidays come
from the maintained ``holidays`` package, computed once per year. Requests ask with the time of
:func:`helpline.clock.now`, which tests replace by a frozen clock.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from .content.model import OpeningHours

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@lru_cache(maxsize=8)
def public_holidays(year: int) -> frozenset[dt.date]:
    """Return the Dutch public holidays of ``year``."""
    return frozenset(holidays.country_holidays("NL", years=year))


def is_open(hours: OpeningHours, moment: dt.datetime) -> bool:
    """Say whether staff answer at ``moment`` (an aware datetime, any time zone)."""
    local = moment.astimezone(AMSTERDAM)
    day = local.date()
    if day in hours.closed_dates:
        return False
    if (hours.closed_on_public_holidays and day not in hours.open_dates
            and day in public_holidays(day.year)):
        return False
    minute = local.hour * 60 + local.minute
    return any(start <= minute < end for start, end in hours.week.get(local.weekday(), ()))
