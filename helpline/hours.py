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


def _periods(hours: OpeningHours, day: dt.date) -> tuple[tuple[int, int], ...]:
    """Return the (from, to) minutes staff answer on ``day`` (none on a closed day)."""
    if day in hours.closed_dates:
        return ()
    if (hours.closed_on_public_holidays and day not in hours.open_dates
            and day in public_holidays(day.year)):
        return ()
    return hours.week.get(day.weekday(), ())


def is_open(hours: OpeningHours, moment: dt.datetime) -> bool:
    """Say whether staff answer at ``moment`` (an aware datetime, any time zone)."""
    local = moment.astimezone(AMSTERDAM)
    minute = local.hour * 60 + local.minute
    return any(start <= minute < end for start, end in _periods(hours, local.date()))


# How far ahead :func:`next_opening` looks: a year and a week covers any closed stretch
# content/hours.yaml can describe short of never opening.
_LOOK_AHEAD_DAYS = 373


def next_opening(hours: OpeningHours, moment: dt.datetime) -> str:
    """Name the next time staff answer, at or after ``moment``: "2026-11-30 09:00" (Amsterdam
    time), or "never" when no opening lies within a year.

    Outside opening hours this names the closed stretch ``moment`` is in: two moments of the
    same stretch (Friday evening and Saturday) give the same answer.
    """
    local = moment.astimezone(AMSTERDAM)
    minute = local.hour * 60 + local.minute
    for ahead in range(_LOOK_AHEAD_DAYS):
        day = local.date() + dt.timedelta(days=ahead)
        for start, end in sorted(_periods(hours, day)):
            if ahead == 0 and end <= minute:
                continue
            at = max(start, minute) if ahead == 0 else start
            return f"{day.isoformat()} {at // 60:02d}:{at % 60:02d}"
    return "never"
