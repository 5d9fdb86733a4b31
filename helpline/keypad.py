"""What each key means, the same on the phone keypad and in an SMS (ISO/IEC 13714 habits).

1 to 7 choose an option, 0 reaches a person, 8 the language menu, 9 the main menu, ``*`` goes
back, ``#`` repeats. In a menu with more than 7 choices (the language menu, with 8 or 9
languages) a digit that is a choice chooses, so that every language has a key. On a page of
a language menu that has pages (more than 9 languages, see :mod:`helpline.language_menu`),
1 to 8 choose and 9 shows the next page.
"""

from __future__ import annotations

from . import engine
from .language_menu import NEXT_PAGE_KEY

SYMBOLS = {"*": engine.Nav.BACK, "#": engine.Nav.REPEAT}
DIGITS = {0: engine.Nav.PERSON, 8: engine.Nav.LANGUAGE, 9: engine.Nav.MAIN}


def command(key: str, choices: int, paged: bool = False) -> engine.Command:
    """Return what one key (a digit, * or #) means where ``choices`` options are on offer
    (``paged``: on a page of the language menu, which has more pages)."""
    if key in SYMBOLS:
        return SYMBOLS[key]
    digit = int(key)
    if 1 <= digit <= choices:
        return engine.Choose(digit)
    if paged and digit == NEXT_PAGE_KEY:
        return engine.Nav.MORE
    return DIGITS.get(digit, engine.Choose(digit))
