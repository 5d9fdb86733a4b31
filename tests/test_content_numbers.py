"""Phone numbers in content: the numbers that preset a language, and the staff phones."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpline.content import ContentError, load_content
from helpline.content._problems import format_path


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
    # One dialled number cannot preset two languages: reported in the one that is not the
    # base language, naming the base language's file.
    ({"nl": 'numbers: ["+3197010000002"]', "en": 'numbers: ["+3197010000002"]'},
     "content/languages/en.yaml:17: numbers: '+3197010000002' is already used by "
     "content/languages/nl.yaml: a dialled number can start one language only; remove it from "
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
    """Without ``staff:``, nobody is rung (callers are told so): it loads, with the warning an
    empty list gets."""
    contacts = content_copy / "content/contacts.yaml"
    text = contacts.read_text(encoding="utf-8")
    contacts.write_text(text[:text.index("staff:")], encoding="utf-8")
    content = load_content(content_copy / "content", content_copy / "prompts")
    assert content.contacts.staff == ()
    assert [f"content/contacts.yaml: staff: {NO_STAFF}"] == _warnings(content_copy, "staff")


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


def _warnings(copy: Path, key: str) -> list[str]:
    """The warnings about ``key`` (e.g. ``staff``, ``staff[0].number``)."""
    content = load_content(copy / "content", copy / "prompts")
    return [str(w) for w in content.warnings if format_path(w.path).startswith(key)]


@pytest.mark.parametrize("number", ["113", "911"])
def test_an_emergency_number_other_than_112_loads_but_is_warned(content_copy: Path,
                                                                number: str) -> None:
    """Another country's deployment may need another emergency number: it loads, but people in
    danger are told to call it, so `check` says so (and what 112 is)."""
    _edit(content_copy / "content/contacts.yaml", 'emergency: "112"', f'emergency: "{number}"')
    content = load_content(content_copy / "content", content_copy / "prompts")
    assert number == content.contacts.emergency
    assert [f"content/contacts.yaml:6: emergency: '{number}': callers and texters in danger are "
            f"told to call {number}, but 112 is the emergency number in the Netherlands (and all "
            f"of the EU): write '112' unless this helpline serves a country where {number} is the "
            "emergency number"] == _warnings(content_copy, "emergency")


def test_112_is_not_warned_about(content_copy: Path) -> None:
    assert [] == _warnings(content_copy, "emergency")


NO_STAFF = ("no staff numbers: nobody can be reached in opening hours (callers who ask for a "
            "person are told that nobody can take their call, texters how to call the helpline); "
            "add the numbers of the staff on duty before going live")


def test_an_empty_staff_list_is_warned_about(content_copy: Path) -> None:
    """``staff: []`` loads (contacts.yaml: leave the list empty to have callers told nobody can
    take their call), but is as loud as one example staff number."""
    _edit(content_copy / "content/contacts.yaml",
          'staff:\n  - number: "+31000000001"\n    example: true\n', "staff: []\n")
    assert [f"content/contacts.yaml:13: staff: {NO_STAFF}"] == _warnings(content_copy, "staff")


def test_an_unquoted_number_is_to_be_quoted_with_its_plus(content_copy: Path) -> None:
    """YAML reads +31612345678 as the number 31612345678: the advice quotes what was written,
    + included, so following it fixes the line."""
    _edit(content_copy / "content/contacts.yaml", 'number: "+31000000001"\n    example: true',
          "number: +31612345678")
    with pytest.raises(ContentError) as caught:
        _load(content_copy)
    assert ["content/contacts.yaml:14: staff[0].number: must be text, found 31612345678: put it "
            "in quotes, e.g. '+31612345678'"] == [str(p) for p in caught.value.problems]
    _edit(content_copy / "content/contacts.yaml", "number: +31612345678",
          "number: '+31612345678'")
    assert ("+31612345678",) == load_content(content_copy / "content",
                                             content_copy / "prompts").contacts.staff


def test_a_bare_staff_key_says_how_to_write_an_empty_list(content_copy: Path) -> None:
    """``staff:`` with nothing after it (what "leave the list empty" suggests) is refused in
    staff words: "found nothing", and how to write an empty list, never Python's None."""
    _edit(content_copy / "content/contacts.yaml",
          'staff:\n  - number: "+31000000001"\n    example: true\n', "staff:\n")
    with pytest.raises(ContentError) as caught:
        _load(content_copy)
    assert ["content/contacts.yaml:13: staff: must be a list, found nothing: write it as [A, B], "
            "or [] for none, or one '- ' line per entry"] == [
        str(p) for p in caught.value.problems]
