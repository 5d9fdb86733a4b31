"""Where a texter is in the menu, kept in the store under their hashed number."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .engine import State
from .visit import Visit


@dataclass(frozen=True)
class Sessions:
    """A texter's menu position and language, as read when the message arrived (see visit)."""

    visit: Visit
    session_ttl: int
    language_ttl: int

    def load(self) -> tuple[State | None, str | None]:
        """Return the saved state (if any) and the remembered language (if any)."""
        lang = self.visit.lang
        return _state(self.visit.session), lang if isinstance(lang, str) else None

    def save(self, state: State) -> None:
        """Keep ``state`` (and its language, longer) when the visit ends."""
        data = {"lang": state.lang, "node": state.node, "page": state.page}
        self.visit.keep("session", data, self.session_ttl)
        if state.lang is not None:
            self.visit.keep("lang", state.lang, self.language_ttl)

    def forget(self, keep_counts: bool = True) -> bool:
        """Erase everything about the number (but, with ``keep_counts``, its message counts);
        False if the store could not be reached."""
        return self.visit.forget(keep_counts)


def _state(raw: Any) -> State | None:
    if not isinstance(raw, dict):
        return None
    lang, node, page = raw.get("lang"), raw.get("node"), raw.get("page", 0)
    if not (lang is None or isinstance(lang, str)) or not isinstance(node, str):
        return None
    if not isinstance(page, int):
        return None
    return State(lang, node, page)
