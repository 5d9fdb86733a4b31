"""The one clock requests read, so that tests can freeze it.

``HELPLINE_CLOCK`` in the app config (tests only) is a function returning an aware datetime;
without it, the real time in Amsterdam.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask import current_app

from .hours import AMSTERDAM


def now() -> dt.datetime:
    """Return the current time (aware, Europe/Amsterdam)."""
    clock: Callable[[], dt.datetime] | None = current_app.config.get("HELPLINE_CLOCK")
    return clock() if clock is not None else dt.datetime.now(AMSTERDAM)
