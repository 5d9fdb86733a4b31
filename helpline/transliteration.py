"""Prepare text for a language's SMS alphabet, as staff configured it per language.

Two choices, per language file (``sms:``): ``alphabet: gsm7`` folds letters that GSM 03.38
lacks (ș -> s, ő -> o, ệ -> e) so messages cost 160 rather than 70 characters a segment;
``script: bg-latin`` first writes Bulgarian in Latin letters by the official Bulgarian
system (Transliteration Act, 2009), on top of the ``cyrtranslit`` package.

Prepared texts are checked when they load (:func:`unfaithful`: an emoji, a symbol or another
script would be folded into ":thumbsup:" or "?", so content loading refuses them); what a
person writes (a staff reply) is not, so :func:`as_written_for_sms` folds it only where that
keeps every word as it was written.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, NamedTuple

import cyrtranslit
from anyascii import anyascii

from .segments import is_gsm7, to_gsm7

if TYPE_CHECKING:  # only a type here: content loading imports this module
    from .content.model import Language

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
        return to_gsm7(unicodedata.normalize("NFC", text))  # "s" + a combining comma is "ș"
    return text


# Punctuation phones and word processors put in for plain quotes, dashes and dots.
_TYPOGRAPHIC = frozenset("\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f\u2039\u203a\u00ab\u00bb"
                         "\u2010\u2011\u2012\u2013\u2014\u2015\u2026")


def as_written_for_sms(text: str, lang: Language) -> str:
    """Return what a person wrote (a staff reply) as it is sent to ``lang``'s texters, saying
    what it said.

    Like :func:`for_sms` where that only writes the language's script, takes accents off
    Latin letters ("jesteś" -> "jestes") and makes typographic quotes, dashes, dots and spaces
    plain (one curly apostrophe would make the whole reply UCS-2). Where the text has anything
    else outside GSM-7 (an emoji, another script, a symbol) only the script is written:
    folding would put ":thumbsup:" or "?" in someone's words, and the reply is UCS-2 anyway.
    """
    if lang.script == "bg-latin":
        text = bulgarian_to_latin(text)
    if lang.alphabet != "gsm7":
        return text
    composed = unicodedata.normalize("NFC", text)  # "s" + a combining comma is "ș"
    if all(_folds_faithfully(char) for char in composed):
        return to_gsm7(composed)
    return text


def _folds_faithfully(char: str) -> bool:
    if is_gsm7(char):
        return True
    plain = (char in _TYPOGRAPHIC or unicodedata.category(char) == "Zs"
             or unicodedata.name(char, "").startswith("LATIN "))
    folded = anyascii(char)
    return plain and bool(folded) and is_gsm7(folded)


class Unfaithful(NamedTuple):
    """A character :func:`for_sms` cannot send as it is meant, and what it sends instead."""

    written: str  # with the marks that belong to it: "⚠️" is "⚠" and a variation selector
    name: str  # its Unicode name in lower case ("thumbs up sign")
    sent: str  # what the texter receives (":thumbsup:")


def unfaithful(text: str, lang: Language) -> list[Unfaithful]:
    """Return what in ``text`` :func:`for_sms` would fold into something else than what it
    says (an emoji into ":thumbsup:", another script into "?"), each once, in order.

    Nothing for a language sent as written (``alphabet: unicode``); letters of the language's
    own script (``script: bg-latin``) are written in Latin letters first, as sent.
    """
    if lang.alphabet != "gsm7":
        return []
    if lang.script == "bg-latin":
        text = bulgarian_to_latin(text)
    found: dict[str, Unfaithful] = {}
    for run in _unfaithful_runs(unicodedata.normalize("NFC", text)):
        if run not in found:
            found[run] = Unfaithful(run, _describe(run), to_gsm7(run))
    return list(found.values())


def _unfaithful_runs(text: str) -> list[str]:
    """The clusters of ``text`` that do not fold faithfully; letters next to each other as
    one run (a word of another script: "هاتف", not four letters)."""
    runs: list[str] = []
    joined = False  # the last cluster was a letter of a run
    for cluster in _clusters(text):
        if all(_folds_faithfully(char) for char in cluster):
            joined = False
            continue
        letter = unicodedata.category(cluster[0]).startswith("L")
        if joined and letter:
            runs[-1] += cluster
        else:
            runs.append(cluster)
        joined = letter
    return runs


def _describe(run: str) -> str:
    """Name ``run`` in lower case: "thumbs up sign", or "arabic letters" for a word."""
    wrong = [char for char in run if not _folds_faithfully(char)]
    letters = [char for char in wrong if unicodedata.category(char).startswith("L")]
    scripts = {unicodedata.name(char, "").split(" ")[0] for char in letters}
    if len(letters) > 1 and len(scripts) == 1:
        return f"{scripts.pop().lower()} letters"
    return _name(wrong[0])


def _name(char: str) -> str:
    if char == "\t":
        return "tab"
    name = unicodedata.name(char, "")
    return name.lower() if name else f"U+{ord(char):04X}"


def _clusters(text: str) -> list[str]:
    """Split ``text`` into characters with the marks that belong to them: combining marks,
    variation selectors, skin tones, and what a zero width joiner joins (one emoji)."""
    out: list[str] = []
    for char in text:
        if out and (_belongs(char) or out[-1].endswith("\u200d")):
            out[-1] += char
        else:
            out.append(char)
    return out


def _belongs(char: str) -> bool:
    return (unicodedata.category(char) in ("Mn", "Me") or char == "\u200d"
            or "\ufe00" <= char <= "\ufe0f" or "\U0001f3fb" <= char <= "\U0001f3ff")
