"""Periodic work of a worker process: one daemon thread per job and process.

Started by the first request (not at import or app creation), so that under gunicorn each
worker forked from the master runs its own thread. A failing run is logged and the next one
comes as planned: the work never ends by accident.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class Periodic:
    """Call ``work`` every ``seconds`` in a background thread of this process."""

    def __init__(self, seconds: float, work: Callable[[], object], name: str) -> None:
        self.seconds, self.work, self.name = seconds, work, name
        self._pid: int | None = None

    def start(self) -> bool:
        """Start this process's thread, once; True when it was started just now."""
        if self.seconds <= 0 or self._pid == os.getpid():
            return False
        self._pid = os.getpid()
        threading.Thread(target=self._run, name=self.name, daemon=True).start()
        return True

    def _run(self) -> None:
        while True:
            time.sleep(self.seconds)
            try:
                self.work()
            except Exception:
                log.exception("%s failed; trying again in %s s", self.name, self.seconds)
