"""Phone numbers in content: the numbers that preset a language, and the staff phones."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpline.content import ContentError, load_content


def _load(copy: Path) -> object:
    return load_content(copy / "content", copy / "prompts")


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_numbers_preset_a_language(content_copy: Path) -> None:
    """``numbers:`` in a language file lists the helpline numbers that start in it."""
    _append(content_copy / "content/languages/en.yaml",
            'numbers: ["+3197010000002", "+3197010000003"]\n')
    content = load_content(content_copy / "content", content_copy / "prompts")
    assert content.languages["en"].numbers == ("+3197010000002", "+3197010000003")
    assert content.languages["nl"].numbers == ()


@pytest.mark.parametrize(("additions", "expected"), [
    # One dialled number cannot preset two languages: the second file is named.
    ({"nl": 'numbers: ["+3197010000002"]', "en": 'numbers: ["+3197010000002"]'},
     "content/languages/nl.yaml:21: numbers: '+3197010000002' is already used by "
     "content/languages/en.yaml: a dialled number can start one language only; remove it from "
     "one file"),
    # A number is + country code and digits, no spaces.
    ({"en": 'numbers: ["097 010 000 02"]'},
     "content/languages/en.yaml:17: numbers[0]: '097 010 000 02' is not allowed here"
     ": write + and the country code, then the number without its first 0 and without spaces "
     "(020 ... becomes +3120...)"),
])
def test_wrong_numbers_are_errors_that_say_where(content_copy: Path, additions: dict[str, str],
                                                 expected: str) -> None:
    """A number used twice, or not in international form, stops the content loading."""
    for lang, line in additions.items():
        _append(content_copy / f"content/languages/{lang}.yaml", line + "\n")
    with pytest.raises(ContentError) as caught:
        _load(content_copy)
    assert [expected] == [str(p) for p in caught.value.problems]


def test_staff_numbers_are_read_and_examples_warned_about(content_copy: Path) -> None:
    """Staff numbers load in order; one marked ``example: true`` is a loud warning, and is
    known as an example (the fallback TwiML never dials it)."""
    contacts = content_copy / "content/contacts.yaml"
    text = contacts.read_text(encoding="utf-8")
    contacts.write_text(text.replace("\nring:", '\n  - number: "+31201234567"\nring:'),
                        encoding="utf-8")
    content = load_content(content_copy / "content", content_copy / "prompts")
    assert content.contacts.staff == ("+31000000001", "+31201234567")
    assert content.contacts.real_staff == ("+31201234567",)
    examples = [str(w) for w in content.warnings if "staff[" in str(w)]
    expected = ["content/contacts.yaml:14: staff[0].number: +31000000001 is an EXAMPLE number: "
                "a caller or texter who asks for a person reaches nobody; replace it with a real "
                "staff number and remove 'example: true' before going live"]
    assert expected == examples


def test_staff_is_optional(content_copy: Path) -> None:
    """Without ``staff:``, nobody is rung (callers are told so) and nothing is warned."""
    contacts = content_copy / "content/contacts.yaml"
    text = contacts.read_text(encoding="utf-8")
    contacts.write_text(text[:text.index("staff:")], encoding="utf-8")
    content = load_content(content_copy / "content", content_copy / "prompts")
    assert content.contacts.staff == ()
    assert not [w for w in content.warnings if "staff[" in str(w)]


@pytest.mark.parametrize("number", ["+3161234567", "+316123456789"])
def test_a_staff_number_a_digit_short_or_long_is_an_error(content_copy: Path, number: str) -> None:
    """A mistyped staff number would ring nobody: `check` names it instead of saying OK."""
    contacts = content_copy / "content/contacts.yaml"
    text = contacts.read_text(encoding="utf-8")
    contacts.write_text(text.replace('  - number: "+31000000001"\n    example: true\n',
                                     f'  - number: "{number}"\n'), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        _load(content_copy)
    assert [f"content/contacts.yaml:14: staff[0].number: '{number}' is not a phone number that "
            "exists in country +31: a digit is missing or one too many (a Dutch mobile number is "
            "+316 and 8 digits, a Dutch landline +31 and 9 digits): check it against the phone"
            ] == [str(p) for p in caught.value.problems]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(("file", "old", "new", "where"), [
    ("content/contacts.yaml", 'number: "+31000000000"\n  example: true', 'number: "+3120123456"',
     ("helpline", "number")),
    ("content/regions.yaml", 'number: "+31000000012"\n      example: true',
     'number: "+3150123456"', ("regions", 1, "coordinator", "number")),
    ("content/languages/en.yaml", "order: 2", 'order: 2\nnumbers: ["+319701000000"]',
     ("numbers", 0)),
])
def test_every_real_number_in_content_must_exist(content_copy: Path, file: str, old: str,
                                                 new: str, where: tuple[object, ...]) -> None:
    """The helpline's own number, a coordinator's and a language's are checked the same way."""
    _edit(content_copy / file, old, new)
    with pytest.raises(ContentError) as caught:
        _load(content_copy)
    assert [(file, where)] == [(p.file, p.path) for p in caught.value.problems]
    assert "is not a phone number that exists in country +31" in str(caught.value)


def test_example_numbers_need_only_the_right_form(content_copy: Path) -> None:
    """The shipped example numbers (+31000000001) are deliberately not real: they load, and
    stay loud warnings, while ``example: true`` marks them."""
    content = load_content(content_copy / "content", content_copy / "prompts")
    assert "+31000000000" == content.contacts.helpline
