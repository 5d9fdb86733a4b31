"""A staff typo gets a clear error naming file, line and key, and `check` exits non-zero."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from helpline.catalog import build_catalog
from helpline.content import ContentError

from .conftest import ROOT, app_on, make_app

FIXTURE = Path(__file__).parent / "fixtures" / "minimal"


def replace(file: str, old: str, new: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        path = root / file
        text = path.read_text(encoding="utf-8")
        assert old in text, f"fixture changed: {old!r} not in {file}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return edit


def append(file: str, text: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        path = root / file
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")

    return edit


def delete(file: str) -> Callable[[Path], None]:
    return lambda root: (root / file).unlink()


LONG = "Dit is een zin van precies vijftig tekens lang ok. " * 14  # 700 characters

GSM7_FIX = ("this language's texts are sent in the SMS alphabet: alphabet: gsm7 in "
            "content/languages/{code}.yaml")

BROKEN: list[tuple[str, Callable[[Path], None], str]] = [
    (
        "bad YAML",
        replace("content/menu.yaml", "main: [rights, what-is-trafficking]",
                "main: [rights, what-is-trafficking"),
        "content/menu.yaml:4: not valid YAML: expected ',' or ']', but got ':': check the "
        "indentation, quotes and brackets on this line and the line before (a quote left open "
        "on an earlier line shows up here too)",
    ),
    (
        "quote left open",  # YAML notices it lines later, where the next quote is
        replace("prompts/nl.yaml", "  choose: Stuur een cijfer.", '  choose: "Stuur een cijfer.'),
        "prompts/nl.yaml:18: not valid YAML: expected <block end>, but found '<scalar>': check "
        "the indentation, quotes and brackets on this line and the line before (a quote left "
        "open on an earlier line shows up here too)",
    ),
    (
        "dangling option",
        replace("content/menu.yaml", "rights: [b8-3]", "rights: [b8-4]"),
        "content/menu.yaml:4: menus.rights[0]: 'b8-4' is neither a menu here nor an answer in "
        "content/answers/nl.yaml: check the spelling",
    ),
    (
        "duplicate id",
        replace("content/answers/nl.yaml", "  b8-3:\n    faq: 11",
                "  what-is-trafficking:\n    faq: 11"),
        "content/answers/nl.yaml:7: the key 'what-is-trafficking' appears twice: each key must "
        "be unique here",
    ),
    (
        "an answer placed twice in the menu",
        replace("content/menu.yaml", "rights: [b8-3]", "rights: [b8-3, what-is-trafficking]"),
        "content/menu.yaml:4: menus.rights[1]: 'what-is-trafficking' is already an option of "
        "'main': each menu or answer has one place in the tree; remove it from one of the two menus",
    ),
    (
        "missing translation",
        replace("content/answers/en.yaml", "  b8-3:\n    title: What is the B8/3?\n    text: The "
                "B8/3 is a scheme for victims of human trafficking from abroad.\n    reviewed: "
                "true\n    source: '6741e573'\n", ""),
        "content/answers/en.yaml:2: answers: missing: the answer 'b8-3' (every language needs "
        "every answer): add it, translated from content/answers/nl.yaml",
    ),
    (
        "answer text over 600 characters",
        replace("content/answers/nl.yaml",
                "text: De B8/3 is een regeling voor slachtoffers van mensenhandel uit het buitenland.",
                f"text: {LONG.strip()}"),
        "content/answers/nl.yaml:10: answers.b8-3.text: text is 713 characters, the limit is 600: "
        "shorten it",
    ),
    (
        "misspelt key",
        replace("content/answers/en.yaml", "    title: What is the B8/3?", "    titel: What is the B8/3?"),
        "content/answers/en.yaml:9: answers.b8-3.titel: unknown key: check its spelling, or remove it",
    ),
    (
        "112 taken out of the welcome",
        replace("prompts/en.yaml", "Then call {emergency}.", "Then call the police."),
        "prompts/en.yaml:25: text.voice_welcome: missing placeholder {emergency}: the helpline "
        "writes the emergency number (112) there, which must be said here: put {emergency} back "
        "in the text",
    ),
    (
        "112 written out instead of its placeholder",
        replace("prompts/en.yaml", "In danger right now? Call {emergency}.",
                "In danger right now? Call 113."),
        "prompts/en.yaml:19: text.person_sms: missing placeholder {emergency}: the helpline "
        "writes the emergency number (112) there, which must be said here: put {emergency} back "
        "in the text",
    ),
    (
        "the close word written out in what staff read",
        replace("prompts/en.yaml", "To stop: {ref} {close}.", "To stop: {ref} DONE."),
        "prompts/en.yaml:44: text.staff_new: missing placeholder {close}: the helpline writes "
        "the word that stops a conversation there, which must be said here: put {close} back in "
        "the text",
    ),
    (
        "a date where a text goes",
        replace("prompts/en.yaml", "  choose: Send a number.", "  choose: 2026-12-24"),
        "prompts/en.yaml:9: text.choose: must be text, found the date 2026-12-24: put it in "
        "quotes, e.g. '2026-12-24'",
    ),
    (
        "a colon and a space in an unquoted text",
        replace("prompts/en.yaml", "  choose: Send a number.", "  choose: Note: send a number."),
        "prompts/en.yaml:9: not valid YAML: a colon and a space (': ') inside a text that is not in "
        "quotes: put the whole text in quotes, e.g. hours: \"Open: Monday to Friday\"",
    ),
    (
        "a tab for indentation",
        replace("prompts/en.yaml", "  choose: Send a number.", "\tchoose: Send a number."),
        "prompts/en.yaml:9: not valid YAML: a tab: indent with spaces only, never with tabs",
    ),
    (
        "unknown placeholder",
        replace("prompts/en.yaml", "Send {start} to start again.", "Send {begin} to start again."),
        "prompts/en.yaml:20: text.wiped: unknown placeholder {begin} (allowed here: {start}): use "
        "only these",
    ),
    (
        "missing prompt",
        replace("prompts/nl.yaml", "  no_more: Dit was het hele antwoord.\n", ""),
        "prompts/nl.yaml:6: text: missing: 'no_more' (reply to the paging word when there is no "
        "next page): add it under text:",
    ),
    (
        "unreachable menu",
        replace("content/menu.yaml", "  rights: [b8-3]", "  rights: [b8-3]\n  extra: [rights]"),
        "content/menu.yaml:5: menus.extra: is not reachable from the main menu: add it as an option "
        "of a menu, or remove it",
    ),
    (
        "Twilio reserved word as keyword",
        replace("content/languages/en.yaml", "start: [HELPLINE, ENGLISH]", "start: [HELPLINE, STOP]"),
        "content/languages/en.yaml:9: keywords.start[1]: 'STOP' is reserved by Twilio (STOP, HELP, "
        "START ...) and never reaches the menu: choose another word",
    ),
    (
        "a menu over its 2-segment SMS budget",
        replace("prompts/en.yaml", "  choose: Send a number.",
                "  choose: " + "Send the number of the option you want. " * 4),
        "prompts/en.yaml:4: menus.main: the SMS with the welcome lines is 3 segments (382 GSM-7 "
        "characters), the budget is 2: shorten the texts it is made of",
    ),
    (
        "missing file",
        delete("prompts/en.yaml"),
        "prompts/en.yaml: missing: this file is required: copy the file of another language and "
        "translate it",
    ),
    (
        "two base languages",
        replace("content/languages/en.yaml", "order: 2", "order: 2\nbase: true"),
        "content/languages: exactly one language must have 'base: true' (found 2: en, nl): keep it "
        "only in the file of the language the others are translated from",
    ),
    (
        "a yes/no field written as a word",
        replace("content/answers/en.yaml", "reviewed: true", "reviewed: ja"),
        "content/answers/en.yaml:11: answers.b8-3.reviewed: must be true or false, found 'ja': "
        "write true or false, without quotes",
    ),
    (
        "the same FAQ question answered twice",
        replace("content/answers/nl.yaml", "faq: 11", "faq: 1"),
        "content/answers/nl.yaml:8: answers.b8-3.faq: question 1 is already answered by "
        "'what-is-trafficking': correct the number (each question has one answer)",
    ),
    (
        "a number written in quotes",
        replace("content/languages/en.yaml", "order: 2", "order: '2'"),
        "content/languages/en.yaml:4: order: must be a whole number, found '2': write digits "
        "only, without quotes",
    ),
    (
        "a locale without its country",
        replace("content/languages/en.yaml", "locale: en-GB", "locale: en"),
        "content/languages/en.yaml:13: voice.locale: 'en' is not allowed here: write a language "
        "and a country code, e.g. 'nl-NL'",
    ),
    (
        "more staff numbers than one call can ring",
        append("content/contacts.yaml", "staff:\n" + "".join(
            f'  - number: "+3161234{n:04d}"\n' for n in range(11))),
        "content/contacts.yaml:18: staff[10]: 11 staff numbers, but a call can ring at most 10 "
        "(Twilio's limit): remove 1, from this one on",
    ),
    (
        "an SMS alphabet that does not exist",
        replace("content/languages/en.yaml", "alphabet: gsm7", "alphabet: latin"),
        "content/languages/en.yaml:7: sms.alphabet: 'latin' is not one of 'gsm7' or 'unicode': "
        "write one of these",
    ),
    (
        "a list written as a single word",
        replace("content/languages/en.yaml", "more: [MORE]", "more: MORE"),
        "content/languages/en.yaml:10: keywords.more: must be a list, found 'MORE': write it as "
        "[MORE], or one '- ' line per entry",
    ),
    (
        "a '#' in an unquoted text cuts it (YAML reads a note)",
        replace("prompts/en.yaml", "star to go back, and hash to hear this again.",
                "star to go back, and # to hear this again."),
        "prompts/en.yaml:27: text.voice_keys: the text stops before '#': YAML reads ' #' and what "
        "follows as a note, so this text is only 'At any time, press 0 to talk to a person, 9 for "
        "the main menu, star to go back, and': put the whole text in quotes (a note of your own "
        "goes on a line of its own)",
    ),
    (
        "'#1' in an unquoted text",
        replace("prompts/en.yaml", "choose: Send a number.", "choose: Send a number #1 or #2."),
        "prompts/en.yaml:9: text.choose: the text stops before '#': YAML reads ' #' and what "
        "follows as a note, so this text is only 'Send a number': put the whole text in quotes "
        "(a note of your own goes on a line of its own)",
    ),
    (
        "an unquoted phone number: the advice keeps its +",  # YAML reads it as 31612345678
        append("content/contacts.yaml", "staff:\n  - number: +31612345678\n"),
        "content/contacts.yaml:8: staff[0].number: must be text, found 31612345678: put it in "
        "quotes, e.g. '+31612345678'",
    ),
    (
        "a text starting with & (an anchor)",
        replace("prompts/en.yaml", "choose: Send a number.", "choose: &Send a number."),
        "prompts/en.yaml:9: text.choose: starts with '&Send', which YAML does not read as text (a "
        "name for another value): put the whole text in quotes",
    ),
    (
        "a text that is an alias",
        replace("prompts/en.yaml", "  main_menu: Main menu\n  back: Back",
                "  main_menu: &back Back\n  back: *back"),
        "prompts/en.yaml:13: text.back: starts with '*back', which YAML does not read as "
        "text (a copy of another value): put the whole text in quotes",
    ),
    (
        "a text that is only a {placeholder}",
        replace("prompts/en.yaml", "more: Send {more} for the rest.", "more: {more}"),
        'prompts/en.yaml:14: text.more: a text starting with { must be in quotes, e.g. "{more}"',
    ),
    (
        "a text starting with a {placeholder}",
        replace("prompts/en.yaml", "more: Send {more} for the rest.", "more: {more} for the rest"),
        'prompts/en.yaml:14: not valid YAML: a text starting with { must be in quotes, e.g. '
        '"{more} for the rest"',
    ),
    (
        "an emoji in an answer of a gsm7 language",  # folded, texters would get ":thumbsup:"
        replace("content/answers/en.yaml", "victims of human trafficking from abroad.",
                "victims of human trafficking from abroad 👍"),
        "content/answers/en.yaml:10: answers.b8-3.text: '👍' (thumbs up sign) reaches texters "
        "as ':thumbsup:': remove it or write it in words (" + GSM7_FIX.format(code="en") + ")",
    ),
    (
        "emoji in a prompt of a gsm7 language: each listed once, in one problem",
        replace("prompts/nl.yaml", "welcome: Hulplijn mensenhandel. Informatie en hulp.",
                "welcome: ⚠️ Hulplijn mensenhandel 👍 Informatie en hulp 👍"),
        "prompts/nl.yaml:7: text.welcome: '⚠️' (warning sign) reaches texters as ':warning:?', "
        "'👍' (thumbs up sign) as ':thumbsup:': remove them or write them in words ("
        + GSM7_FIX.format(code="nl") + ")",
    ),
    (
        "a word of another script in a menu title of a gsm7 language",
        replace("prompts/nl.yaml", "  main: Hoofdmenu", "  main: Hoofdmenu هاتف"),
        "prompts/nl.yaml:4: menus.main: 'هاتف' (arabic letters) reaches texters as 'h?tf': "
        "remove it or write it in words (" + GSM7_FIX.format(code="nl") + ")",
    ),
    (
        "an emoji in a text to staff (sent in the base language, folded)",
        replace("prompts/nl.yaml", "Stoppen: {ref} {close}.", "Stoppen: {ref} {close} ✅"),
        "prompts/nl.yaml:44: text.staff_new: '✅' (white heavy check mark) reaches staff as "
        "':white_check_mark:': remove it or write it in words (" + GSM7_FIX.format(code="nl")
        + ")",
    ),
]


@pytest.fixture
def broken_root(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "site")
    return tmp_path / "site"


def test_fixture_is_valid() -> None:
    """The unbroken fixture loads, so each broken case fails for its own reason only."""
    catalog = build_catalog(FIXTURE / "content", FIXTURE / "prompts")
    assert ["nl", "en"] == list(catalog.content.languages)


@pytest.mark.parametrize(("case", "breaks", "expected"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_content_gives_its_exact_error(
    case: str, breaks: Callable[[Path], None], expected: str, broken_root: Path
) -> None:
    """Each broken fixture yields exactly the error a staff member needs, and `check` fails."""
    breaks(broken_root)
    with pytest.raises(ContentError) as caught:
        build_catalog(broken_root / "content", broken_root / "prompts")
    assert expected in [str(p) for p in caught.value.problems]

    app = make_app(HELPLINE_CONTENT_DIR=str(broken_root / "content"),
                   HELPLINE_PROMPTS_DIR=str(broken_root / "prompts"))
    result = app.test_cli_runner().invoke(args=["helpline", "check"])
    assert result.exit_code != 0
    assert f"error: {expected}" in result.output


def test_ten_staff_numbers_all_ring(broken_root: Path) -> None:
    """Ten staff numbers are allowed (Twilio's most in one call): all are in the content."""
    append("content/contacts.yaml", "staff:\n" + "".join(
        f'  - number: "+3161234{n:04d}"\n' for n in range(10)))(broken_root)
    catalog = build_catalog(broken_root / "content", broken_root / "prompts")
    assert 10 == len(catalog.content.contacts.staff)


def test_errors_are_all_reported_not_just_the_first(broken_root: Path) -> None:
    """Two mistakes in two files are both reported in one run."""
    replace("content/menu.yaml", "rights: [b8-3]", "rights: [b8-4]")(broken_root)
    replace("prompts/nl.yaml", "  no_more: Dit was het hele antwoord.\n", "")(broken_root)
    with pytest.raises(ContentError) as caught:
        build_catalog(broken_root / "content", broken_root / "prompts")
    files = {p.file for p in caught.value.problems}
    assert {"content/menu.yaml", "prompts/nl.yaml"} <= files


def _patterns(node: object) -> set[str]:
    """Collect every string pattern in a pydantic core schema."""
    if isinstance(node, dict):
        found = {node["pattern"]} if isinstance(node.get("pattern"), str) else set()
        return found.union(*(_patterns(value) for value in node.values()))
    if isinstance(node, list | tuple):
        return set().union(*(_patterns(value) for value in node))
    return set()


def test_every_pattern_a_file_must_follow_is_explained_in_words() -> None:
    """A value of the wrong form gets a plain example of the right one, never a regex."""
    from helpline.content import _schema

    models = [m for m in vars(_schema).values()
              if isinstance(m, type) and issubclass(m, _schema._Strict) and m is not _schema._Strict]
    patterns = set().union(*(_patterns(m.__pydantic_core_schema__) for m in models))
    assert {"^[0-9]{3}$", _schema.PERIOD} <= patterns  # the walk finds them
    assert set() == patterns - set(_schema._PATTERN_HELP)


@pytest.mark.parametrize("value", [
    "'Send a number #1.'  # a note after a quoted text",
    "Send a number.\n  # a note on a line of its own",
    ">-\n    Send a number # one\n    or two.",
])
def test_notes_and_quoted_texts_stay_allowed(value: str, broken_root: Path) -> None:
    """Notes on their own line or after a quoted text, and '#' in quoted or block texts, load."""
    replace("prompts/en.yaml", "choose: Send a number.", f"choose: {value}")(broken_root)
    catalog = build_catalog(broken_root / "content", broken_root / "prompts")
    assert catalog.content.prompts["en"].text["choose"].startswith("Send a number")


def test_a_quoted_text_may_start_with_a_placeholder(broken_root: Path) -> None:
    """In quotes, "{more} for the rest" is the text staff wrote."""
    replace("prompts/en.yaml", "more: Send {more} for the rest.",
            'more: "{more} for the rest."')(broken_root)
    catalog = build_catalog(broken_root / "content", broken_root / "prompts")
    assert "{more} for the rest." == catalog.content.prompts["en"].text["more"]


def test_notes_after_numbers_and_yes_no_stay_allowed(broken_root: Path) -> None:
    """A note after a number or true/false cuts nothing off, and is allowed."""
    replace("content/languages/en.yaml", "order: 2", "order: 2  # second in the menu")(broken_root)
    build_catalog(broken_root / "content", broken_root / "prompts")


def test_a_note_after_a_one_word_setting_stays_allowed(broken_root: Path) -> None:
    """Settings files had notes after one-word settings (``alphabet: gsm7  # or unicode``):
    an upgrade must not refuse them (the image build and the start run the check)."""
    replace("content/languages/en.yaml", "alphabet: gsm7", "alphabet: gsm7    # or unicode")(
        broken_root)
    replace("content/languages/en.yaml", "more: [MORE]", "more:\n    - MORE  # the paging word")(
        broken_root)
    catalog = build_catalog(broken_root / "content", broken_root / "prompts")
    english = catalog.content.languages["en"]
    assert ("gsm7", ("MORE",)) == (english.alphabet, tuple(english.keywords.more))


@pytest.mark.parametrize(("file", "old", "new"), [
    # In a file of texts even one word before a note is a text cut short ("Press # to ...").
    ("prompts/en.yaml", "choose: Send a number.", "choose: Press # and a number."),
    # Elsewhere several words before a note are a text cut short.
    ("content/languages/en.yaml", "staff_name: Engels", "staff_name: Engels taal # EN"),
])
def test_a_text_cut_by_a_note_is_refused(broken_root: Path, file: str, old: str,
                                         new: str) -> None:
    """A text YAML cuts at a note is refused, with the advice to quote it."""
    replace(file, old, new)(broken_root)
    with pytest.raises(ContentError, match="the text stops before '#'"):
        build_catalog(broken_root / "content", broken_root / "prompts")


def test_prompts_kept_apart_from_the_content_are_still_texts(tmp_path: Path) -> None:
    """Prompts in a folder of their own (HELPLINE_PROMPTS_DIR anywhere) are texts all the
    same: one word before a note is a text cut short, and refused."""
    content, prompts = tmp_path / "site" / "content", tmp_path / "texts" / "prompts"
    shutil.copytree(ROOT / "content", content)
    shutil.copytree(ROOT / "prompts", prompts)
    english = prompts / "en.yaml"
    english.write_text(english.read_text().replace("choose: Send a number.",
                                                   "choose: Send  # a number."))
    with pytest.raises(ContentError, match="the text stops before '#'"):
        build_catalog(content, prompts)


ALWAYS_OPEN = ("missing: without this file the helpline is always open: at any hour, day and "
               "night, a texter who asks for a person is handed to staff and a caller is put "
               "through to the staff phones{unread}; restore it (your version control, or the "
               "last copy that worked), or create it with your team's real hours")


@pytest.mark.parametrize(("rename", "unread"), [
    (None, ""),
    ("hours.yml", "; content/hours.yml is not read: only hours.yaml is (rename it)"),
])
def test_missing_opening_hours_are_warned_about(content_copy: Path, rename: str | None,
                                                unread: str) -> None:
    """Without content/hours.yaml the helpline is always open: it loads, but `check` says so
    loudly, and names a misnamed hours file it does not read."""
    hours = content_copy / "content/hours.yaml"
    if rename:
        hours.rename(hours.with_name(rename))
    else:
        hours.unlink()
    expected = f"content/hours.yaml: {ALWAYS_OPEN.format(unread=unread)}"
    catalog = build_catalog(content_copy / "content", content_copy / "prompts")
    assert [expected] == [str(w) for w in catalog.content.warnings if w.file.endswith("hours.yaml")]
    result = app_on(content_copy).test_cli_runner().invoke(args=["helpline", "check"])
    assert 0 == result.exit_code, result.output
    assert f"warning: {expected}" in result.output


def _add_german_by_copying_english(root: Path) -> None:
    """What staff do: copy the English files to de.yaml, then change ``code``."""
    for folder in ("content/languages", "content/answers", "prompts"):
        shutil.copy(root / folder / "en.yaml", root / folder / "de.yaml")
    replace("content/languages/de.yaml", "code: en", "code: de")(root)


def test_a_copied_language_gets_the_duplicate_errors_not_the_original(content_copy: Path) -> None:
    """The copy keeps English's order and keywords: the errors point at the new de.yaml, naming
    en.yaml as the file that already has them (staff must not change English)."""
    _add_german_by_copying_english(content_copy)
    with pytest.raises(ContentError) as caught:
        build_catalog(content_copy / "content", content_copy / "prompts")
    already = "is already a keyword in content/languages/en.yaml"
    assert [
        "content/languages/de.yaml:4: order: 2 is already used by content/languages/en.yaml: "
        "give each language its own place in the menu",
        f"content/languages/de.yaml:9: keywords.start[0]: 'HELPLINE' {already} keywords.start: "
        "choose another word",
        f"content/languages/de.yaml:9: keywords.start[1]: 'ENGLISH' {already} keywords.start: "
        "choose another word",
        f"content/languages/de.yaml:11: keywords.wipe[0]: 'WIPE' {already} keywords.wipe: choose "
        "another word",
        f"content/languages/de.yaml:11: keywords.wipe[1]: 'ERASE' {already} keywords.wipe: choose "
        "another word",
    ] == [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(("file", "old", "new", "expected"), [
    # The base language (nl) came first: the other language is the one to change.
    ("content/languages/en.yaml", "start: [HELPLINE, ENGLISH]", "start: [HELPLINE, HULP]",
     "content/languages/en.yaml:9: keywords.start[1]: 'HULP' is already a keyword in "
     "content/languages/nl.yaml keywords.start: choose another word"),
    # Romanian (order 3) came before Polish (order 4), whatever the alphabet says.
    ("content/languages/pl.yaml", "start: [POMOC, POLSKI]", "start: [POMOC, AJUTOR]",
     "content/languages/pl.yaml:10: keywords.start[1]: 'AJUTOR' is already a keyword in "
     "content/languages/ro.yaml keywords.start: choose another word"),
])
def test_a_duplicate_keyword_is_reported_in_the_language_that_came_later(
        content_copy: Path, file: str, old: str, new: str, expected: str) -> None:
    replace(file, old, new)(content_copy)
    with pytest.raises(ContentError) as caught:
        build_catalog(content_copy / "content", content_copy / "prompts")
    assert [expected] == [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(("file", "old", "new"), [
    # Spoken only: a voice text is never texted.
    ("prompts/nl.yaml", "Bel dan {emergency}.", "Bel dan {emergency} 👍"),
    # The language menu is sent as written (the names are in their own scripts).
    ("prompts/nl.yaml", 'choose_language: "Kies je taal:"', 'choose_language: "Kies je taal 👇"'),
    # Texts to staff are sent in the base language only: English's are never sent.
    ("prompts/en.yaml", "To stop: {ref} {close}.", "To stop: {ref} {close} ✅"),
])
def test_an_emoji_where_nothing_is_folded_stays_allowed(broken_root: Path, file: str, old: str,
                                                        new: str) -> None:
    replace(file, old, new)(broken_root)
    build_catalog(broken_root / "content", broken_root / "prompts")


def test_a_unicode_language_keeps_its_emoji(broken_root: Path) -> None:
    """alphabet: unicode sends texts as written: an emoji is what texters receive."""
    replace("content/languages/en.yaml", "alphabet: gsm7", "alphabet: unicode")(broken_root)
    replace("content/answers/en.yaml", "victims of human trafficking from abroad.",
            "victims of human trafficking from abroad 👍")(broken_root)
    replace("prompts/en.yaml", "no_more: That was the whole answer.",
            "no_more: That was the whole answer ⚠️")(broken_root)
    catalog = build_catalog(broken_root / "content", broken_root / "prompts")
    english = [sms.text for key, sms in catalog.sms.messages.items() if key[0] == "en"]
    assert any("abroad 👍" in text for text in english)
    assert any("That was the whole answer ⚠️" in text for text in english)


def test_accented_letters_and_typographic_punctuation_fold_in_a_gsm7_language(
        broken_root: Path) -> None:
    """Letters the SMS alphabet lacks lose their accents, as intended (even written as a
    letter and a combining accent), those it has stay; curly quotes and dashes become plain:
    not refused."""
    replace("content/answers/en.yaml", "victims of human trafficking from abroad.",
            "victims from abroad, Ștefan, Lőrinc, Việt, Zoë, René \u201cok\u201d \u2013 "
            "s\u0326i\u2026")(broken_root)
    catalog = build_catalog(broken_root / "content", broken_root / "prompts")
    english = [sms.text for key, sms in catalog.sms.messages.items() if key[:2] == ("en", "b8-3")]
    assert any('Stefan, Lorinc, Viet, Zoe, René "ok" - si...' in text for text in english)


def test_cyrillic_is_written_in_latin_letters_but_an_emoji_is_refused(
        content_copy: Path) -> None:
    """script: bg-latin writes Bulgarian in Latin letters before the SMS alphabet: the
    Cyrillic of a title is fine, an emoji after it is not."""
    replace("content/answers/bg.yaml", "title: Какво е трафик на хора?",
            "title: Какво е трафик на хора? 👍")(content_copy)
    with pytest.raises(ContentError) as caught:
        build_catalog(content_copy / "content", content_copy / "prompts")
    assert [
        "content/answers/bg.yaml:7: answers.what-is-trafficking.title: '👍' (thumbs up sign) "
        "reaches texters as ':thumbsup:': remove it or write it in words ("
        + GSM7_FIX.format(code="bg") + ")",
    ] == [str(p) for p in caught.value.problems]
