"""What each key means, the same on the phone keypad and in an SMS (ISO/IEC 13714 habits).

1 to 7 choose an option, 0 reaches a person, 8 the language menu, 9 the main menu, ``*`` goes
back, ``#`` repeats. In a menu with more than 7 choices (the language menu, with 8 or 9
languages) a digit that is a choice chooses, so that every language has a key.
"""

from __future__ import annotations

from . import engine

SYMBOLS = {"*": engine.Nav.BACK, "#": engine.Nav.REPEAT}
DIGITS = {0: engine.Nav.PERSON, 8: engine.Nav.LANGUAGE, 9: engine.Nav.MAIN}


def command(key: str, choices: int) -> engine.Command:
    """Return what one key (a digit, * or #) means where ``choices`` options are on offer."""
    if key in SYMBOLS:
        return SYMBOLS[key]
    digit = int(key)
    if 1 <= digit <= choices:
        return engine.Choose(digit)
    return DIGITS.get(digit, engine.Choose(digit))
