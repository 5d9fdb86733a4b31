"""The menu engine, as pure functions: state and input in, new state and screen out."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from helpline.content.model import ROOT, MenuTree
from helpline.engine import (
    LANGUAGES,
    NO_MORE,
    NOT_UNDERSTOOD,
    PERSON,
    Choose,
    Nav,
    Rules,
    Screen,
    Start,
    State,
    Unknown,
    begin,
    step,
)

TREE = MenuTree(
    menus=MappingProxyType({ROOT: ("rights", "what"), "rights": ("b8-3", "stay")}),
    answers=("what", "b8-3", "stay"),
    parents=MappingProxyType({"rights": ROOT, "what": ROOT, "b8-3": "rights", "stay": "rights"}),
)
RULES = Rules(TREE, ("nl", "en"), lambda lang, answer: 2 if answer == "b8-3" else 1)


def test_begin_without_a_known_language_shows_the_language_menu() -> None:
    """A first contact with no language yet gets the language menu."""
    assert (State(None, LANGUAGES), Screen(LANGUAGES)) == begin(RULES, None)


def test_begin_with_a_remembered_language_welcomes_on_the_main_menu() -> None:
    """Someone whose language we remember starts on the main menu, welcomed."""
    assert (State("en", ROOT), Screen(ROOT, welcome=True)) == begin(RULES, "en")


def test_keyword_starts_over_in_its_language_from_anywhere() -> None:
    """A keyword resets to the welcome main menu in the keyword's language."""
    assert (State("en", ROOT), Screen(ROOT, welcome=True)) == step(
        RULES, State("nl", "b8-3", 1), Start("en"))


def test_digits_walk_the_tree_and_pages_follow() -> None:
    """1 opens a topic, 1 an answer, MORE the next page; MORE on the last page says so."""
    state, screen = step(RULES, State("nl"), Choose(1))
    assert (State("nl", "rights"), Screen("rights")) == (state, screen)
    state, screen = step(RULES, state, Choose(1))
    assert (State("nl", "b8-3", 0), Screen("b8-3", 0)) == (state, screen)
    state, screen = step(RULES, state, Nav.MORE)
    assert (State("nl", "b8-3", 1), Screen("b8-3", 1)) == (state, screen)
    state, screen = step(RULES, state, Nav.MORE)
    assert (State("nl", "b8-3", 1), Screen("b8-3", 1, NO_MORE)) == (state, screen)


@pytest.mark.parametrize(
    ("start", "nav", "expected"),
    [
        (State("nl", "b8-3", 1), Nav.BACK, State("nl", "rights")),
        (State("nl", "rights"), Nav.BACK, State("nl", ROOT)),
        (State("nl", ROOT), Nav.BACK, State("nl", ROOT)),
        (State("nl", "b8-3", 1), Nav.MAIN, State("nl", ROOT)),
        (State("nl", "stay"), Nav.LANGUAGE, State("nl", LANGUAGES)),
        (State("nl", "stay"), Nav.PERSON, State("nl", PERSON)),
        (State("nl", PERSON), Nav.BACK, State("nl", ROOT)),
    ],
)
def test_the_same_keys_work_everywhere(start: State, nav: Nav, expected: State) -> None:
    """Back, main menu, language and person work from every node."""
    assert expected == step(RULES, start, nav)[0]


@pytest.mark.parametrize(
    "command", [Choose(7), Choose(3), Unknown(), Nav.MORE],
)
def test_unknown_input_on_a_menu_repeats_it_with_a_notice(command: object) -> None:
    """Something that is no option keeps the place and says it was not understood."""
    state = State("nl", "rights")
    assert (state, Screen("rights", 0, NOT_UNDERSTOOD)) == step(RULES, state, command)  # type: ignore[arg-type]


def test_language_menu_picks_by_digit_and_rejects_others() -> None:
    """In the language menu a digit picks a language; anything else repeats the menu."""
    assert (State("en", ROOT), Screen(ROOT, welcome=True)) == step(
        RULES, State(None, LANGUAGES), Choose(2))
    assert (State(None, LANGUAGES), Screen(LANGUAGES, notice=NOT_UNDERSTOOD)) == step(
        RULES, State(None, LANGUAGES), Choose(5))


def test_in_the_language_menu_0_reaches_a_person_once_a_language_is_known() -> None:
    """Someone who opened the language menu (8) can still ask for a person (0) there; before
    any language is chosen the language menu comes first, with no notice for asking for the
    main menu (9, or HELP) that is not there yet."""
    assert (State("en", PERSON), Screen(PERSON)) == step(RULES, State("en", LANGUAGES), Nav.PERSON)
    assert (State(None, LANGUAGES), Screen(LANGUAGES, notice=NOT_UNDERSTOOD)) == step(
        RULES, State(None, LANGUAGES), Nav.PERSON)
    assert (State(None, LANGUAGES), Screen(LANGUAGES)) == step(
        RULES, State(None, LANGUAGES), Nav.MAIN)


@pytest.mark.parametrize(("nav", "expected"), [
    (Nav.PERSON, (State("en", PERSON), Screen(PERSON))),
    (Nav.LANGUAGE, (State("en", LANGUAGES), Screen(LANGUAGES))),
])
def test_0_and_8_work_when_a_returning_texters_conversation_has_expired(
        nav: Nav, expected: tuple[State, Screen]) -> None:
    """0 (a person) and 8 (languages) mean the same on every screen: a returning texter whose
    conversation expired gets them in the language they chose before, not the welcome menu.
    Other digits, which depend on the screen they saw, start over."""
    assert expected == step(RULES, None, nav, known_lang="en")
    assert begin(RULES, "en") == step(RULES, None, Choose(1), known_lang="en")
    assert begin(RULES, None) == step(RULES, None, Nav.PERSON, known_lang=None)


@pytest.mark.parametrize(
    "stale",
    [State("xx", ROOT), State("nl", "gone"), State("nl", "b8-3", 7), State("nl", "b8-3", -1)],
)
def test_a_stale_or_tampered_state_starts_over(stale: State) -> None:
    """State that no longer fits the content (edited menu, removed language) starts afresh."""
    assert begin(RULES, "nl") == step(RULES, stale, Choose(1), known_lang="nl")


# With 11 languages the language menu has two pages: 8 languages, then 3.
ELEVEN = ("nl", "en", "de", "uk", "zh", "ar", "tr", "es", "pt", "ru", "ti")
PAGED = Rules(TREE, ELEVEN, lambda lang, answer: 1)


def test_more_than_nine_languages_page_the_language_menu() -> None:
    """Pages of 8; MORE (key 9) shows the next page and from the last the first again."""
    assert (("nl", "en", "de", "uk", "zh", "ar", "tr", "es"), ("pt", "ru", "ti")) == (
        PAGED.language_pages)
    assert (RULES.languages,) == RULES.language_pages
    state, screen = step(PAGED, State(None, LANGUAGES), Nav.MORE)
    assert (State(None, LANGUAGES, 1), Screen(LANGUAGES, 1)) == (state, screen)
    assert (State(None, LANGUAGES, 0), Screen(LANGUAGES, 0)) == step(PAGED, state, Nav.MORE)


def test_a_digit_chooses_on_the_page_on_screen() -> None:
    """The same digit is another language on another page."""
    chosen = {(page, digit): step(PAGED, State(None, LANGUAGES, page), Choose(digit))[0].lang
              for page, digit in ((0, 1), (0, 8), (1, 1), (1, 3))}
    assert {(0, 1): "nl", (0, 8): "es", (1, 1): "pt", (1, 3): "ti"} == chosen


def test_on_a_page_other_input_stays_on_it() -> None:
    """A digit with no language on this page, or a word, says so on the same page; # repeats it;
    8 (the language menu) starts again from page 1; a keyword chooses from any page."""
    on_two = State(None, LANGUAGES, 1)
    assert (on_two, Screen(LANGUAGES, 1, NOT_UNDERSTOOD)) == step(PAGED, on_two, Choose(5))
    assert (on_two, Screen(LANGUAGES, 1, NOT_UNDERSTOOD)) == step(PAGED, on_two, Unknown())
    assert (on_two, Screen(LANGUAGES, 1)) == step(PAGED, on_two, Nav.REPEAT)
    assert (State(None, LANGUAGES), Screen(LANGUAGES)) == step(PAGED, on_two, Nav.LANGUAGE)
    assert (State("es", ROOT), Screen(ROOT, welcome=True)) == step(PAGED, on_two, Start("es"))
    assert (State("ti", ROOT), Screen(ROOT)) == step(PAGED, State("ti", LANGUAGES, 1), Nav.BACK)


def test_a_page_that_no_longer_exists_starts_over() -> None:
    """A saved page beyond the menu's pages (languages were removed) is the language menu."""
    assert begin(PAGED, None) == step(PAGED, State(None, LANGUAGES, 2), Choose(1))
    assert begin(RULES, None) == step(RULES, State(None, LANGUAGES, 1), Choose(1))
