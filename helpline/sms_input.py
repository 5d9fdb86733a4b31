"""Turn the body of an incoming SMS into what it asks for. Pure: no I/O."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from . import engine, keypad, words
from .content import Content


@dataclass(frozen=True)
class OptOut:
    """STOP and its kin: forget the number and send nothing more."""


@dataclass(frozen=True)
class TwilioHandled:
    """START, YES, UNSTOP: Twilio answers these itself; we stay silent."""


@dataclass(frozen=True)
class Wipe:
    """The wipe keyword: erase everything about the number (``lang`` for the reply)."""

    lang: str


Request = engine.Command | OptOut | TwilioHandled | Wipe


@dataclass(frozen=True)
class Keywords:
    """Every language's keywords, folded, mapped to what they mean."""

    start: dict[str, str]  # folded word -> language
    wipe: dict[str, str]
    more: frozenset[str]

    @classmethod
    def from_content(cls, content: Content) -> Keywords:
        start: dict[str, str] = {}
        wipe: dict[str, str] = {}
        more: set[str] = set()
        for lang in content.languages.values():
            start.update({words.fold(w): lang.code for w in lang.keywords.start})
            wipe.update({words.fold(w): lang.code for w in lang.keywords.wipe})
            more.update(words.fold(w) for w in lang.keywords.more)
        return cls(start, wipe, frozenset(more))


def parse(body: str, keywords: Keywords, current_lang: str | None, choices: int = 0,
          paged: bool = False) -> Request:
    """Say what ``body`` asks for where ``choices`` options are on screen (``paged``: a page
    of the language menu, which has more; see ``keypad``)."""
    stripped = body.strip()
    symbol = _as_key(stripped)
    if symbol in keypad.SYMBOLS:
        return keypad.SYMBOLS[symbol]
    folded = words.fold(stripped)
    if folded in words.TWILIO_OPT_OUT:
        return OptOut()
    if folded in words.TWILIO_OPT_IN:
        return TwilioHandled()
    if folded in words.TWILIO_HELP:
        # Twilio may send its own help text too; we show the main menu (the language menu
        # before a language is chosen), so that nobody who asks for help is left with only
        # a carrier notice, or told they were not understood.
        return engine.Nav.MAIN
    if folded in keywords.start:
        return engine.Start(keywords.start[folded])
    if folded in keywords.wipe:
        return Wipe(current_lang or keywords.wipe[folded])
    if folded in keywords.more:
        return engine.Nav.MORE
    if folded.isdecimal() and len(folded) == 1:
        return keypad.command(folded, choices, paged)
    return engine.Unknown()


def _as_key(text: str) -> str:
    """Return ``text`` as the key it shows, for * and #: a full-width ＊ or ＃ (Chinese and
    Japanese keyboards) or a keycap emoji (*️⃣, #️⃣: the symbol, a variation selector and the
    keycap mark) as typed on a plain keypad. (Digits are folded with the words.)"""
    if len(text) == 1 and text.isascii():
        return text
    return unicodedata.normalize("NFKC", text).replace("\ufe0f", "").replace("\u20e3", "")


def media_count(field: str) -> int:
    """Read Twilio's ``NumMedia`` (photos and other files sent with a text): 0 if not a count
    (Twilio sends at most 10)."""
    field = field.strip()
    return int(field) if field.isascii() and field.isdigit() and len(field) <= 3 else 0
