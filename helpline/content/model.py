"""The loaded content: immutable objects built once from the files."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from ._problems import Problem

ROOT = "main"


def text_version(*parts: str) -> str:
    """Return the short, stable version stamp of a text (what translations refer to)."""
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:8]


@dataclass(frozen=True)
class Keywords:
    start: tuple[str, ...]
    more: tuple[str, ...]
    wipe: tuple[str, ...]


@dataclass(frozen=True)
class Voice:
    locale: str
    say_voice: str | None
    gtts: str
    espeak: str
    speech_input: bool


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    order: int
    base: bool
    alphabet: str  # "gsm7" or "unicode"
    script: str | None
    keywords: Keywords
    voice: Voice
    numbers: tuple[str, ...] = ()  # dialled helpline numbers that preset this language


@dataclass(frozen=True)
class AnswerText:
    """One answer in one language."""

    id: str
    lang: str
    faq: int
    title: str
    text: str
    say: str | None
    reviewed: bool
    source_version: str  # the base text's version this text was made from (its own, for base)

    @property
    def spoken(self) -> str:
        """Return the text to speak: the ``say`` version where staff wrote one."""
        return self.say or self.text


@dataclass(frozen=True)
class Prompts:
    """The interface texts of one language: menu titles and fixed phrases."""

    lang: str
    menus: Mapping[str, str]
    text: Mapping[str, str]


@dataclass(frozen=True)
class MenuTree:
    """The menus and what each option leads to; every node has one parent."""

    menus: Mapping[str, tuple[str, ...]]
    answers: tuple[str, ...]
    parents: Mapping[str, str]

    def is_menu(self, node: str) -> bool:
        return node in self.menus

    def is_answer(self, node: str) -> bool:
        return node in self.parents and node not in self.menus

    def option(self, menu: str, digit: int) -> str | None:
        """Return what key ``digit`` leads to in ``menu``, or None if it is no option."""
        options = self.menus.get(menu, ())
        return options[digit - 1] if 1 <= digit <= len(options) else None

    def parent(self, node: str) -> str:
        return self.parents.get(node, ROOT)


@dataclass(frozen=True)
class Contacts:
    helpline: str
    helpline_is_example: bool
    emergency: str
    staff: tuple[str, ...] = ()  # who a call for a person rings, all at once


@dataclass(frozen=True)
class Content:
    """Everything the helpline says, in every language, validated."""

    base: str
    languages: Mapping[str, Language]  # in menu order
    tree: MenuTree
    answers: Mapping[str, Mapping[str, AnswerText]]  # lang -> answer id -> text
    prompts: Mapping[str, Prompts]
    contacts: Contacts
    version: str
    warnings: tuple[Problem, ...]
    lines: Mapping[str, Mapping[tuple[str | int, ...], int]]  # file -> key path -> line

    def problem(self, file: str, path: tuple[str | int, ...], message: str) -> Problem:
        """Build a problem at ``path`` in ``file``, with its line where the file gives one."""
        lines = self.lines.get(file, {})
        probe = path
        while probe and probe not in lines:
            probe = probe[:-1]
        return Problem(file, message, path, lines.get(probe) if probe else None)

    def language(self, code: str | None) -> Language:
        """Return the language ``code``, or the base language for an unknown code."""
        return self.languages.get(code or "", self.languages[self.base])
