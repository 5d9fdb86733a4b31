"""The loaded content: immutable objects built once from the files."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

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
    staff_name: str = ""  # its name in the base language, for staff (the call whisper)


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
    staff: tuple[str, ...] = ()  # on duty: who a call for a person rings, who gets hand-offs
    ring_in_turn: bool = False  # ring staff one after the other instead of all at once
    staff_close_word: str = "KLAAR"
    # Staff numbers marked ``example: true``: not real, never to be dialled from anywhere the
    # helpline's own checks do not run (the fallback TwiML Bin).
    example_staff: frozenset[str] = frozenset()

    @property
    def real_staff(self) -> tuple[str, ...]:
        """Return the staff numbers that are not examples, in their order."""
        return tuple(number for number in self.staff if number not in self.example_staff)


@dataclass(frozen=True)
class OpeningHours:
    """When staff answer, in Europe/Amsterdam time (see :mod:`helpline.hours`)."""

    week: Mapping[int, tuple[tuple[int, int], ...]]  # weekday (0 Monday) -> (from, to) minutes
    closed_on_public_holidays: bool = True
    closed_dates: frozenset[date] = frozenset()
    open_dates: frozenset[date] = frozenset()  # public holidays with the usual hours after all


ALWAYS_OPEN = OpeningHours(MappingProxyType({day: ((0, 24 * 60),) for day in range(7)}), False)


@dataclass(frozen=True)
class Coordinator:
    number: str
    languages: tuple[str, ...]


@dataclass(frozen=True)
class Region:
    """A care coordination region: its four-digit postcode ranges and its coordinator."""

    id: str
    name: str
    postcodes: tuple[tuple[int, int], ...]  # inclusive ranges
    coordinator: Coordinator | None

    def covers(self, postcode: int) -> bool:
        return any(low <= postcode <= high for low, high in self.postcodes)


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
    hours: OpeningHours = ALWAYS_OPEN  # content/hours.yaml (absent: always open)
    regions: tuple[Region, ...] = ()  # content/regions.yaml (absent: no regional routing)

    def problem(self, file: str, path: tuple[str | int, ...], message: str) -> Problem:
        """Build a problem at ``path`` in ``file``, with its line where the file gives one."""
        lines = self.lines.get(file, {})
        probe = path
        while probe and probe not in lines:
            probe = probe[:-1]
        return Problem(file, message, path, lines.get(probe) if probe else None)

    def region_of(self, postcode: int) -> Region | None:
        """Return the region whose ranges hold ``postcode``, if any."""
        return next((region for region in self.regions if region.covers(postcode)), None)

    def language(self, code: str | None) -> Language:
        """Return the language ``code``, or the base language for an unknown code."""
        return self.languages.get(code or "", self.languages[self.base])
