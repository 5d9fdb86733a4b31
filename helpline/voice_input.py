"""Turn what a caller pressed (or said) into an engine command. Pure: no I/O.

The keys mean what they mean on SMS (see :mod:`helpline.sms_input`): 1 to 7 choose, 0 a
person, 8 the language menu, 9 the main menu, ``*`` back, ``#`` repeat. One exception: in a
menu with more choices than 7 (the language menu, with 8 or 9 languages) a digit that is a
choice chooses, so that every language has a key.
"""

from __future__ import annotations

from . import engine

_SYMBOLS = {"*": engine.Nav.BACK, "#": engine.Nav.REPEAT}
_DIGIT_NAV = {0: engine.Nav.PERSON, 8: engine.Nav.LANGUAGE, 9: engine.Nav.MAIN}
_SPOKEN_TRIM = " .,!?"


def key_pressed(digits: str, speech: str = "") -> str | None:
    """Return the one key in a Gather result, or None for anything else.

    ``Digits`` wins; otherwise a speech result that is a single digit ("2", "2.") counts.
    Recognisers write most spoken numbers as digits; a word ("twee") is not a key.
    """
    text = digits.strip() or speech.strip().strip(_SPOKEN_TRIM)
    if len(text) == 1 and (text in _SYMBOLS or text in "0123456789"):
        return text
    return None


def parse(digits: str, speech: str = "", *, choices: int) -> engine.Command:
    """Say what the key means where ``choices`` options are on offer."""
    key = key_pressed(digits, speech)
    if key is None:
        return engine.Unknown()
    if key in _SYMBOLS:
        return _SYMBOLS[key]
    digit = int(key)
    if 1 <= digit <= choices:
        return engine.Choose(digit)
    return _DIGIT_NAV.get(digit, engine.Choose(digit))
