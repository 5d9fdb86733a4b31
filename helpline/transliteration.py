"""Prepare text for a language's SMS alphabet, as staff configured it per language."""

from __future__ import annotations

from .content.model import Language
from .segments import to_gsm7


def for_sms(text: str, lang: Language) -> str:
    """Return ``text`` as it is sent to ``lang``'s texters (GSM-7 folded where configured)."""
    if lang.alphabet == "gsm7":
        return to_gsm7(text)
    return text
