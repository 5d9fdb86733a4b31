"""The speakable units: one text per (unit, language), the same numbering as SMS."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpline.content import load_content
from helpline.content.prompt_keys import PROMPT_KEYS
from helpline.voice_script import (
    BUILDING_BLOCKS,
    PROMPT_UNITS,
    has_slow_variant,
    spoken_number,
    spoken_text,
    spoken_units,
)

ROOT = Path(__file__).resolve().parent.parent
CONTENT = load_content(ROOT / "content", ROOT / "prompts")
LANGS = list(CONTENT.languages)


def test_every_voice_prompt_is_a_unit_or_a_building_block() -> None:
    """A new voice_* prompt key must be spoken somewhere: as a unit or inside one."""
    voice_keys = {key for key in PROMPT_KEYS if key.startswith("voice_")}
    assert voice_keys == set(PROMPT_UNITS) | set(BUILDING_BLOCKS)
    assert not set(PROMPT_UNITS) & set(BUILDING_BLOCKS)


@pytest.mark.parametrize("lang", LANGS)
def test_the_emergency_number_is_spoken_digit_by_digit(lang: str) -> None:
    """112 is a number to dial: every unit that says it writes it "1 1 2", so espeak-ng, gTTS
    and Twilio read its digits, not "one hundred and twelve"; no unit says "112" whole."""
    units = spoken_units(CONTENT)
    for key in ("voice_welcome", "voice_no_person"):
        assert "1 1 2" in units[(f"prompt:{key}", lang)], key
    assert [] == [unit for (unit, code), text in units.items() if code == lang and "112" in text]


@pytest.mark.parametrize(("number", "spoken"), [("112", "1 1 2"), ("144", "1 4 4"),
                                                 ("+31 20 123", "+ 3 1 2 0 1 2 3")])
def test_spoken_number(number: str, spoken: str) -> None:
    """A number is written for a voice digit by digit, whatever its spacing."""
    assert spoken == spoken_number(number)


def test_unit_ids_are_the_documented_ones() -> None:
    """Every language has the same prompt, menu and answer units; lang:<code> only its own."""
    units = spoken_units(CONTENT)
    tree = CONTENT.tree
    # What staff hear (only in the base language): each language, with or without "an
    # interpreter may be needed", and "press 1 to take the call".
    staff = ({f"whisper:{lang}" for lang in LANGS} | {f"whisper-interpreter:{lang}" for lang in LANGS}
             | {"whisper-accept"})
    assert 2 * len(LANGS) + 1 == len(staff)
    for lang in LANGS:
        expected = ({f"prompt:{key}" for key in PROMPT_UNITS}
                    | {f"menu:{menu}" for menu in tree.menus}
                    | {f"answer:{answer}" for answer in tree.answers}
                    | {f"lang:{lang}", "regions"}
                    | (staff if lang == CONTENT.base else set()))
        assert expected == {unit for unit, code in units if code == lang}
    assert len(units) == len(LANGS) * (len(PROMPT_UNITS) + len(tree.menus) + len(tree.answers) + 2
                                       ) + len(staff)


def test_staff_hear_press_1_in_the_base_language_only() -> None:
    """"Press 1 to take the call" is one unit, in the base language, from its prompt."""
    units = spoken_units(CONTENT)
    assert {("whisper-accept", CONTENT.base)} == {key for key in units if key[0] == "whisper-accept"}
    assert "Druk 1 om het gesprek aan te nemen." == units[("whisper-accept", "nl")]


@pytest.mark.parametrize("lang", LANGS)
def test_units_are_filled_in_and_not_empty(lang: str) -> None:
    """No unit is empty or still holds a {placeholder}."""
    units = spoken_units(CONTENT)
    for (unit, code), text in units.items():
        if code == lang:
            assert text.strip(), unit
            assert "{" not in text and "}" not in text, (unit, text)


@pytest.mark.parametrize("lang", LANGS)
def test_menu_unit_numbers_options_like_sms(lang: str) -> None:
    """menu:<id> says the title, then each option with the key SMS shows for it, in order."""
    units = spoken_units(CONTENT)
    prompts = CONTENT.prompts[lang]
    for menu, options in CONTENT.tree.menus.items():
        text = units[(f"menu:{menu}", lang)]
        assert text.startswith(prompts.menus[menu].rstrip("?"))
        positions = []
        for key, option in enumerate(options, start=1):
            label = (prompts.menus[option] if CONTENT.tree.is_menu(option)
                     else CONTENT.answers[lang][option].title).rstrip("?")
            line = spoken_text(prompts.text["voice_option"].format(label=label, key=key))
            assert line in text, (menu, line)
            positions.append(text.index(line))
        assert positions == sorted(positions)


def test_language_line_says_its_own_key() -> None:
    """lang:<code> names the key that language has in the language menu (its position)."""
    units = spoken_units(CONTENT)
    for position, lang in enumerate(LANGS, start=1):
        expected = CONTENT.prompts[lang].text["voice_choose_language"].format(key=position)
        assert expected == units[(f"lang:{lang}", lang)]


def test_answer_unit_is_the_spoken_text() -> None:
    """answer:<id> is what staff wrote to be heard (``say``, else ``text``), references written
    for a voice."""
    units = spoken_units(CONTENT)
    for lang in LANGS:
        for answer, text in CONTENT.answers[lang].items():
            assert spoken_text(text.spoken) == units[(f"answer:{answer}", lang)]


@pytest.mark.parametrize(("written", "spoken"), [
    ("De B8/3 is een regeling.", "De B 8 3 is een regeling."),
    ("een B8/3-vergunning", "een B 8 3-vergunning"),  # nl: a B8/3 permit
    ("van B8/3-as engedélyed?", "van B 8 3-as engedélyed?"),  # hu: a suffix after it
    ("Какво е B8/3", "Какво е B 8 3"),
    ("Wat is de B8/3?", "Wat is de B 8 3?"),
    ("Bel 1 1 2.", "Bel 1 1 2."),  # nothing else changes
    ("In 2016, 1049 victims", "In 2016, 1049 victims"),
])
def test_a_reference_is_spoken_as_its_parts(written: str, spoken: str) -> None:
    """"B8/3" is written "B 8 3" for a voice, so that it is said as people say it ("bee acht
    drie"), not "B eight slash three", "B nyolc per három" (divided by) or "8 March"."""
    assert spoken == spoken_text(written)


@pytest.mark.parametrize("lang", LANGS)
def test_no_unit_reads_a_reference_or_a_slash_literally(lang: str) -> None:
    """Where the B8/3 is named (the rights menu, three answers), every language says "B 8 3";
    no unit holds a slash a voice would read out. SMS keep "B8/3" as written."""
    units = spoken_units(CONTENT)
    mine = {unit: text for (unit, code), text in units.items() if code == lang}
    assert [] == [unit for unit, text in mine.items() if "/" in text]
    for unit in ("menu:rights", "answer:b8-3", "answer:reporting", "answer:stay-after-report"):
        assert "B 8 3" in mine[unit], unit
    assert "B8/3" in CONTENT.answers[lang]["b8-3"].text
    assert "B8/3" in CONTENT.answers[lang]["b8-3"].title


@pytest.mark.parametrize(("unit", "slow"), [
    ("answer:b8-3", True), ("menu:main", False), ("prompt:voice_keys", False), ("lang:nl", False),
])
def test_only_answers_have_a_slow_variant(unit: str, slow: bool) -> None:
    """Key 2 after an answer reads it slowly; nothing else is ever heard slowly."""
    assert slow == has_slow_variant(unit)
