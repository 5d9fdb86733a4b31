"""Where a texter is in the menu, kept in the store under their hashed number."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from .engine import State
from .store import Store, StoreUnavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sessions:
    """Load and save conversation state; a store outage means "no state", never an error."""

    store: Store
    session_ttl: int
    language_ttl: int

    def load(self, number_key: str) -> tuple[State | None, str | None]:
        """Return the saved state (if any) and the remembered language (if any)."""
        try:
            raw, lang = self.store.get_jsons(("session", "lang"), number_key)
        except StoreUnavailable:
            log.warning("store unreachable: answering without conversation state")
            return None, None
        return _state(raw), lang if isinstance(lang, str) else None

    def save(self, number_key: str, state: State) -> None:
        data = {"lang": state.lang, "node": state.node, "page": state.page}
        values: dict[str, tuple[Any, int]] = {"session": (data, self.session_ttl)}
        if state.lang is not None:
            values["lang"] = (state.lang, self.language_ttl)
        try:
            self.store.set_jsons(number_key, values)
        except StoreUnavailable:
            log.warning("store unreachable: conversation state not saved")

    def forget(self, number_key: str) -> bool:
        """Erase everything about the number; False if the store could not be reached."""
        try:
            self.store.forget(number_key)
        except StoreUnavailable:
            log.error("store unreachable: could not erase a number's data")
            return False
        return True


def _state(raw: Any) -> State | None:
    if not isinstance(raw, dict):
        return None
    lang, node, page = raw.get("lang"), raw.get("node"), raw.get("page", 0)
    if not (lang is None or isinstance(lang, str)) or not isinstance(node, str):
        return None
    if not isinstance(page, int):
        return None
    return State(lang, node, page)
