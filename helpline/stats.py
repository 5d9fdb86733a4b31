"""Anonymous figures: counters per day, by event and plain labels (channel, language, menu item).

Nothing here identifies a person: no number, no hash of a number, no message text. A day is a
Redis hash ``helpline:stats:<YYYY-MM-DD>`` (Amsterdam time) whose fields are
``event|label=value|...``; days expire after ``KEEP_DAYS``. Counting never fails a reply.
Conversations the simulators hold (staff trying the helpline) are not counted.

A serving app counts in memory and writes its figures every ``HELPLINE_FIGURES_SECONDS`` in one
pipeline (:class:`Tally`, one per worker process), so that a call or a text never waits on Redis
for a figure. At most those few seconds of figures are lost if a worker dies; with the setting at
0 (tests, CLI) every figure is written at once.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import threading
from collections import Counter
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_app_context

from .background import Periodic
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


def figure(event: str, now: dt.datetime | None = None,
           **labels: str | None) -> tuple[str, str, int] | None:
    """Return (hash key, field, ttl) of today's counter of ``event``; None when simulated."""
    if is_simulated():
        return None
    return f"{PREFIX}:stats:{_day(now)}", field(event, labels), KEEP_DAYS * 86400


# Figures a worker holds while Redis is unreachable, at most (then the oldest are dropped).
MAX_PENDING = 10_000


class Tally:
    """Figures counted in this process, written to the store in one pipeline every few seconds."""

    def __init__(self, store: Store, seconds: float) -> None:
        self.store, self.seconds = store, seconds
        self._counts: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()
        self._writer = Periodic(seconds, self.flush, "writing figures")

    def add(self, key: str, name: str) -> None:
        with self._lock:
            self._counts[(key, name)] += 1
        if self._writer.start():  # the first figure of this worker process
            atexit.register(self.flush)

    def flush(self) -> None:
        """Write what was counted since the last flush; keep it for later if Redis is down."""
        with self._lock:
            counts, self._counts = self._counts, Counter()
        if not counts:
            return
        try:
            self.store.add_counts(dict(counts), KEEP_DAYS * 86400)
        except StoreUnavailable:
            with self._lock:
                self._counts.update(counts)
                if len(self._counts) > MAX_PENDING:
                    self._counts = Counter(dict(list(self._counts.items())[-MAX_PENDING:]))


def init_app(app: Flask) -> None:
    """Count in memory when serving (see the module docstring), else write at once."""
    from .store import get_store

    seconds = float(app.config.get("HELPLINE_FIGURES_SECONDS", 0))
    with app.app_context():
        tally = Tally(get_store(), seconds) if seconds > 0 and app.config["HELPLINE_SERVING"] else None
    app.extensions["helpline.tally"] = tally


def count(store: Store, event: str, now: dt.datetime | None = None, **labels: str | None) -> None:
    """Add one to today's counter of ``event`` with ``labels``."""
    found = figure(event, now, **labels)
    if found is None:
        return
    key, name, ttl = found
    tally: Tally | None = current_app.extensions.get("helpline.tally") if has_app_context() else None
    if tally is not None:
        tally.add(key, name)
        return
    try:
        store.add_to_hash(key, name, ttl)
    except StoreUnavailable:
        log.info("store unreachable: a figure was not counted")


def read_day(store: Store, day: dt.date) -> dict[str, int]:
    """Return every counter of ``day``."""
    return store.read_hash(f"{PREFIX}:stats:{day.isoformat()}")


def today() -> dt.date:
    return dt.datetime.now(AMSTERDAM).date()


def read_days(store: Store, days: int, last: dt.date | None = None) -> list[tuple[dt.date, dict[str, int]]]:
    """Return the counters of the ``days`` days up to ``last`` (today), oldest first."""
    last = last or today()
    dates = [last - dt.timedelta(days=back) for back in range(days - 1, -1, -1)]
    figures = store.read_hashes([f"{PREFIX}:stats:{day.isoformat()}" for day in dates])
    return list(zip(dates, figures, strict=True))


def parse_field(name: str) -> tuple[str, dict[str, str]]:
    """Split ``sms.answer|lang=nl|node=b8-3`` into its event and labels."""
    event, *labels = name.split("|")
    return event, dict(label.split("=", 1) for label in labels if "=" in label)


def per_event(figures: Mapping[str, int]) -> dict[str, int]:
    """Add up one day's counters per event (over all labels)."""
    totals: dict[str, int] = {}
    for name, value in figures.items():
        event = parse_field(name)[0]
        totals[event] = totals.get(event, 0) + value
    return totals


def per_label(days: list[tuple[dt.date, dict[str, int]]], label: str,
              events: tuple[str, ...] | None = None) -> dict[str, int]:
    """Add up the counters per value of ``label`` (e.g. lang), over ``days`` and ``events``."""
    totals: dict[str, int] = {}
    for _, figures in days:
        for name, value in figures.items():
            event, labels = parse_field(name)
            if label in labels and (events is None or event in events):
                totals[labels[label]] = totals.get(labels[label], 0) + value
    return totals


def most_read(days: list[tuple[dt.date, dict[str, int]]], top: int = 10) -> list[tuple[str, int]]:
    """Return the answers read or heard most, as ``b8-3 (nl)``, with their counts."""
    answers: dict[str, int] = {}
    for _, figures in days:
        for name, value in figures.items():
            event, labels = parse_field(name)
            if event in ("sms.answer", "voice.answer"):
                key = f"{labels.get('node', '?')} ({labels.get('lang', '?')})"
                answers[key] = answers.get(key, 0) + value
    return sorted(answers.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
