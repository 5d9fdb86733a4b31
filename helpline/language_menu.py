"""The language menu's pages: a key for every language, however many languages there are.

Up to 9 languages, the language menu is one page: keys 1 to 9, a language each (0 is always
a person). With more, it has pages, on the phone and by SMS alike: each page lists up to 8
languages on keys 1 to 8, and 9 shows the next page (from the last page, the first again).
"More languages" is offered in the language of the conversation; before a language is chosen,
in words most can read: the base language's, then English (when it is served).

Pure: language codes in, pages out.
"""

from __future__ import annotations

from collections.abc import Sequence

ONE_PAGE = 9  # so many languages fit one page: keys 1 to 9
PER_PAGE = 8  # languages on each page of a paged menu: keys 1 to 8
NEXT_PAGE_KEY = 9  # on a paged menu: the next page
ENGLISH = "en"  # besides the base language, the words everyone is offered before choosing

Pages = tuple[tuple[str, ...], ...]


def pages(codes: Sequence[str]) -> Pages:
    """Return the languages on each page of the menu, in menu order (one page up to 9)."""
    codes = tuple(codes)
    if len(codes) <= ONE_PAGE:
        return (codes,)
    return tuple(codes[start:start + PER_PAGE] for start in range(0, len(codes), PER_PAGE))


def is_paged(codes: Sequence[str]) -> bool:
    """Say whether the menu of ``codes`` has pages (more than 9 languages)."""
    return len(codes) > ONE_PAGE


def key_of(codes: Sequence[str], code: str) -> int:
    """Return the key of language ``code`` on its page."""
    index = list(codes).index(code)
    return index % PER_PAGE + 1 if is_paged(codes) else index + 1


def neutral(codes: Sequence[str], base: str) -> tuple[str, ...]:
    """Return the languages "more languages" is offered in before a language is chosen."""
    return (base, ENGLISH) if ENGLISH in codes and base != ENGLISH else (base,)
