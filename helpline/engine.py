"""The menu engine: state and input in, new state and the screen to show out.

Pure functions over plain data: no Flask, Redis or Twilio. The channels (SMS, voice)
turn what people press or type into a :data:`Command`, call :func:`step`, keep the new
:class:`State` where they keep it, and render the :class:`Screen` in their own way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import Enum
from functools import cached_property

from . import language_menu
from .content.model import ROOT, MenuTree

LANGUAGES = "@languages"  # the language menu
PERSON = "@person"  # how to reach a person

NOT_UNDERSTOOD = "not_understood"
NO_MORE = "no_more"


class Nav(Enum):
    """The keys that mean the same everywhere."""

    BACK = "back"
    MAIN = "main"
    LANGUAGE = "language"
    PERSON = "person"
    MORE = "more"
    REPEAT = "repeat"


@dataclass(frozen=True)
class Start:
    """A keyword: start over in this language."""

    lang: str


@dataclass(frozen=True)
class Choose:
    """A digit chosen from the menu on screen."""

    digit: int


@dataclass(frozen=True)
class Unknown:
    """Anything else: an empty message, a photo, a word we do not know."""


Command = Start | Choose | Nav | Unknown


@dataclass(frozen=True)
class State:
    """Where someone is: their language (None until chosen), node and page (of an answer, or
    of the language menu)."""

    lang: str | None
    node: str = ROOT
    page: int = 0


@dataclass(frozen=True)
class Screen:
    """What to show: a node (menu, answer page, language menu, person) and a notice."""

    node: str
    page: int = 0
    notice: str | None = None
    welcome: bool = False


@dataclass(frozen=True)
class Rules:
    """What the engine needs to know of the content."""

    tree: MenuTree
    languages: Sequence[str]
    pages: Callable[[str, str], int]  # (lang, answer id) -> number of pages

    @cached_property
    def language_pages(self) -> language_menu.Pages:
        """The languages on each page of the language menu (one page up to 9 languages)."""
        return language_menu.pages(self.languages)


def choices(rules: Rules, state: State | None) -> int:
    """Return how many numbered options the screen at ``state`` offers."""
    if state is None or state.node == LANGUAGES:
        return len(_languages_on(rules, state.page)) if state is not None else 0
    return len(rules.tree.menus.get(state.node, ()))


def paged(rules: Rules, state: State | None) -> bool:
    """Say whether the screen at ``state`` is a page of a language menu with more pages."""
    return state is not None and state.node == LANGUAGES and len(rules.language_pages) > 1


def _languages_on(rules: Rules, page: int) -> tuple[str, ...]:
    pages = rules.language_pages
    return pages[page] if 0 <= page < len(pages) else ()


def begin(rules: Rules, known_lang: str | None) -> tuple[State, Screen]:
    """Open a conversation: the main menu in a known language, else the language menu."""
    if known_lang in rules.languages:
        return State(known_lang, ROOT), Screen(ROOT, welcome=True)
    return State(None, LANGUAGES), Screen(LANGUAGES)


def step(rules: Rules, state: State | None, command: Command,
         known_lang: str | None = None) -> tuple[State, Screen]:
    """Apply ``command`` to ``state`` (None: no conversation yet) and say what to show."""
    if isinstance(command, Start) and command.lang in rules.languages:
        return State(command.lang, ROOT), Screen(ROOT, welcome=True)
    if state is None or not _valid(rules, state):
        if known_lang in rules.languages and command in (Nav.PERSON, Nav.LANGUAGE):
            # 0 and 8 mean the same on every screen: a returning texter whose conversation
            # expired gets what they asked for, in the language they chose before.
            return _navigate(rules, State(known_lang, ROOT), command)
        return begin(rules, known_lang)
    if state.node == LANGUAGES or state.lang is None:
        return _in_language_menu(rules, state, command)
    if isinstance(command, Nav):
        return _navigate(rules, state, command)
    if isinstance(command, Choose) and rules.tree.is_menu(state.node):
        target = rules.tree.option(state.node, command.digit)
        if target is not None:
            return _show(State(state.lang, target))
    return state, _current(state, NOT_UNDERSTOOD)


def _valid(rules: Rules, state: State) -> bool:
    if state.lang is not None and state.lang not in rules.languages:
        return False
    if state.node == LANGUAGES:
        return 0 <= state.page < len(rules.language_pages)
    if state.node == PERSON or rules.tree.is_menu(state.node):
        return True
    return (rules.tree.is_answer(state.node) and state.lang is not None
            and 0 <= state.page < rules.pages(state.lang, state.node))


def _show(state: State, notice: str | None = None) -> tuple[State, Screen]:
    return state, Screen(state.node, state.page, notice)


def _current(state: State, notice: str | None = None) -> Screen:
    return Screen(state.node, state.page, notice)


def _in_language_menu(rules: Rules, state: State, command: Command) -> tuple[State, Screen]:
    page = state.page if state.node == LANGUAGES else 0
    on_page = _languages_on(rules, page)
    if isinstance(command, Choose) and 1 <= command.digit <= len(on_page):
        return State(on_page[command.digit - 1], ROOT), Screen(ROOT, welcome=True)
    if command is Nav.MORE and len(rules.language_pages) > 1:
        # The next page; from the last page, the first again.
        return _show(State(state.lang, LANGUAGES, (page + 1) % len(rules.language_pages)))
    if state.lang is not None and command in (Nav.MAIN, Nav.BACK):
        return _show(State(state.lang, ROOT))
    if state.lang is not None and command is Nav.PERSON:
        return _show(State(state.lang, PERSON))
    if command is Nav.LANGUAGE:
        return _show(State(state.lang, LANGUAGES))  # the language menu, from its first page
    # Before a language is chosen the main menu is this one: no "not understood" for asking.
    notice = None if command in (Nav.REPEAT, Nav.MAIN) else NOT_UNDERSTOOD
    return _show(State(state.lang, LANGUAGES, page), notice)


def _navigate(rules: Rules, state: State, nav: Nav) -> tuple[State, Screen]:
    lang = state.lang
    if nav is Nav.MAIN:
        return _show(State(lang, ROOT))
    if nav is Nav.LANGUAGE:
        return State(lang, LANGUAGES), Screen(LANGUAGES)
    if nav is Nav.PERSON:
        return _show(State(lang, PERSON))
    if nav is Nav.BACK:
        parent = ROOT if state.node == PERSON else rules.tree.parent(state.node)
        return _show(State(lang, parent))
    if nav is Nav.MORE and rules.tree.is_answer(state.node) and lang is not None:
        if state.page + 1 < rules.pages(lang, state.node):
            return _show(replace(state, page=state.page + 1))
        return state, _current(state, NO_MORE)
    if nav is Nav.REPEAT:
        return state, _current(state)
    return state, _current(state, NOT_UNDERSTOOD)
