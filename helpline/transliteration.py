"""Prepare text for a language's SMS alphabet, as staff configured it per language.

Two choices, per language file (``sms:``): ``alphabet: gsm7`` folds letters that GSM 03.38
lacks (ș -> s, ő -> o, ệ -> e) so messages cost 160 rather than 70 characters a segment;
``script: bg-latin`` first writes Bulgarian in Latin letters by the official Bulgarian
system (Transliteration Act, 2009), on top of the ``cyrtranslit`` package.
"""

from __future__ import annotations

import re

import cyrtranslit

from .content.model import Language
from .segments import to_gsm7

_CYRILLIC_WORD = re.compile(r"[\u0400-\u04FF]+")

# cyrtranslit's Bulgarian differs from the official system in two letters: ъ and ь.
_BG_OFFICIAL = str.maketrans({"ă": "a", "Ă": "A", "j": "y", "J": "Y"})


def _bg_word(match: re.Match[str]) -> str:
    word = match.group(0)
    lower = word.lower()
    latin = str(cyrtranslit.to_latin(lower, "bg")).translate(_BG_OFFICIAL)
    if lower.endswith("ия"):
        latin = latin[: -len("iya")] + "ia"  # the official exception at the end of a word
    if word.isupper() and len(word) > 1:
        return latin.upper()
    if word[0].isupper():
        return latin[0].upper() + latin[1:]
    return latin


def bulgarian_to_latin(text: str) -> str:
    """Write Bulgarian in Latin letters: "Помощ, България" -> "Pomosht, Balgaria"."""
    return _CYRILLIC_WORD.sub(_bg_word, text)


def for_sms(text: str, lang: Language) -> str:
    """Return ``text`` as it is sent to ``lang``'s texters."""
    if lang.script == "bg-latin":
        text = bulgarian_to_latin(text)
    if lang.alphabet == "gsm7":
        return to_gsm7(text)
    return text
