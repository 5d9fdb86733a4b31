"""Turn what a caller pressed (or said) into an engine command. Pure: no I/O.

The keys mean what they mean on SMS: see :mod:`helpline.keypad`.
"""

from __future__ import annotations

from . import engine, keypad

_SPOKEN_TRIM = " .,!?"


def key_pressed(digits: str, speech: str = "") -> str | None:
    """Return the one key in a Gather result, or None for anything else.

    ``Digits`` wins; otherwise a speech result that is a single digit ("2", "2.") counts.
    Recognisers write most spoken numbers as digits; a word ("twee") is not a key.
    """
    text = digits.strip() or speech.strip().strip(_SPOKEN_TRIM)
    if len(text) == 1 and (text in keypad.SYMBOLS or text in "0123456789"):
        return text
    return None


def parse(digits: str, speech: str = "", *, choices: int, paged: bool = False) -> engine.Command:
    """Say what the key means where ``choices`` options are on offer (``paged``: on a page of
    the language menu, which has more)."""
    key = key_pressed(digits, speech)
    if key is None:
        return engine.Unknown()
    return keypad.command(key, choices, paged)
