"""Keys (and spoken digits) mean on the phone what they mean on SMS."""

from __future__ import annotations

import pytest

from helpline import engine
from helpline.voice_input import key_pressed, parse


@pytest.mark.parametrize(("digits", "expected"), [
    ("1", engine.Choose(1)),
    ("5", engine.Choose(5)),
    ("7", engine.Choose(7)),  # no such option: the engine says so
    ("0", engine.Nav.PERSON),
    ("8", engine.Nav.LANGUAGE),
    ("9", engine.Nav.MAIN),
    ("*", engine.Nav.BACK),
    ("#", engine.Nav.REPEAT),
    ("", engine.Unknown()),
    ("12", engine.Unknown()),
    ("a", engine.Unknown()),
    ("٣", engine.Unknown()),  # an Arabic-Indic digit is no keypad key
    ("1" * 5000, engine.Unknown()),
])
def test_keys_in_a_menu_of_five(digits: str, expected: engine.Command) -> None:
    """1 to 7 choose, 0 person, 8 language, 9 main menu, * back, # repeat, anything else unknown."""
    assert expected == parse(digits, choices=5)


@pytest.mark.parametrize(("digits", "expected"), [
    ("8", engine.Choose(8)),
    ("9", engine.Nav.MAIN),
    ("0", engine.Nav.PERSON),
])
def test_in_a_menu_of_eight_languages_8_chooses(digits: str, expected: engine.Command) -> None:
    """With 8 languages on offer, key 8 is the eighth language, not "language menu"."""
    assert expected == parse(digits, choices=8)


@pytest.mark.parametrize(("digits", "choices", "expected"), [
    ("9", 8, engine.Nav.MORE),
    ("9", 3, engine.Nav.MORE),
    ("3", 3, engine.Choose(3)),
    ("8", 3, engine.Nav.LANGUAGE),
    ("0", 8, engine.Nav.PERSON),
])
def test_on_a_page_of_the_language_menu_9_is_the_next_page(digits: str, choices: int,
                                                           expected: engine.Command) -> None:
    """With more than 9 languages, 9 on a page of the language menu shows the next page."""
    assert expected == parse(digits, choices=choices, paged=True)


@pytest.mark.parametrize(("speech", "expected"), [
    ("2", "2"), ("2.", "2"), (" 3! ", "3"), ("twee", None), ("22", None), ("", None),
])
def test_a_spoken_digit_counts_as_that_key(speech: str, expected: str | None) -> None:
    """A speech result that is one digit is that key; words are not keys."""
    assert expected == key_pressed("", speech)


def test_digits_win_over_speech() -> None:
    """When Twilio posts both, the key pressed is what counts."""
    assert key_pressed("4", "2") == "4"
