"""SMS segment counting at the edges that decide what a texter pays."""

from __future__ import annotations

import pytest

from helpline.segments import GSM7, UCS2, Measure, is_gsm7, measure, to_gsm7


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Measure(GSM7, 0, 1)),
        ("a" * 160, Measure(GSM7, 160, 1)),
        ("a" * 161, Measure(GSM7, 161, 2)),
        ("a" * 306, Measure(GSM7, 306, 2)),
        ("a" * 307, Measure(GSM7, 307, 3)),
        ("a" * 459, Measure(GSM7, 459, 3)),
        ("a" * 460, Measure(GSM7, 460, 4)),
        # Extension characters (€ [ ] { } ~ ^ \ |) take two septets each.
        ("€" * 80, Measure(GSM7, 160, 1)),
        ("a" * 159 + "€", Measure(GSM7, 161, 2)),
        ("{}[]~^\\|", Measure(GSM7, 16, 1)),
        # One character outside GSM 03.38 turns the whole message into UCS-2.
        ("a" * 69 + "ë", Measure(UCS2, 70, 1)),
        ("a" * 70 + "ë", Measure(UCS2, 71, 2)),
        ("ë" * 134, Measure(UCS2, 134, 2)),
        ("ë" * 135, Measure(UCS2, 135, 3)),
        # Emoji lie outside the Basic Multilingual Plane: two UTF-16 units each.
        ("😀" * 35, Measure(UCS2, 70, 1)),
        ("😀" * 36, Measure(UCS2, 72, 2)),
        # GSM 03.38 has é, ö, ü, ñ, à: these stay GSM-7.
        ("é ö ü ñ à Ä Ö Ü ß", Measure(GSM7, 17, 1)),
    ],
)
def test_measure(text: str, expected: Measure) -> None:
    """Messages cost 160/153 GSM-7 septets or 70/67 UCS-2 units per segment."""
    assert expected == measure(text)


def test_escape_sequence_is_never_split_across_segments() -> None:
    """A 2-septet character that would straddle a part boundary moves to the next part."""
    # 152 plain septets then '€' (2): the first part can hold only 153, so € starts part 2.
    text = "a" * 152 + "€" + "a" * 152
    assert Measure(GSM7, 306, 3) == measure(text)


def test_surrogate_pair_is_never_split_across_segments() -> None:
    """An emoji that would straddle a UCS-2 part boundary moves to the next part."""
    text = "ë" * 66 + "😀" + "ë" * 66
    assert Measure(UCS2, 134, 3) == measure(text)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Română: ș ț ă î â", "Romana: s t a i a"),
        ("Polski: łódź żółć", "Polski: lodz zolc"),
        ("Magyar: őrült ű", "Magyar: orült u"),
        ("Tiếng Việt", "Tieng Viet"),
        ("Roemenië", "Roemenie"),
        ("“curly” – quotes", '"curly" - quotes'),
        ("Français: ça é è", "Francais: ca é è"),
    ],
)
def test_to_gsm7_keeps_what_gsm_has_and_folds_the_rest(text: str, folded: str) -> None:
    """Letters GSM 03.38 has (é, è, ü) stay; others are transliterated."""
    assert folded == to_gsm7(text)
    assert is_gsm7(to_gsm7(text))
