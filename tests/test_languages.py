"""Every language is complete, translated rather than copied, within budget, and tracked."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import Flask

from helpline import engine
from helpline.catalog import Catalog, build_catalog
from helpline.content import ROOT as MAIN
from helpline.content.prompt_keys import PROMPT_KEYS
from helpline.segments import measure
from helpline.sms_book import MENU_SEGMENTS, PAGE_SEGMENTS

from .conftest import ROOT, make_app
from .twilio_client import Texter

SHIPPED: Catalog = build_catalog(ROOT / "content", ROOT / "prompts")
LANGUAGES = list(SHIPPED.content.languages)
FIXTURES = Path(__file__).parent / "fixtures"


def test_eight_languages_ship() -> None:
    """Dutch, English and the six most common nationalities' languages, Dutch first."""
    assert ["nl", "en", "ro", "pl", "bg", "hu", "vi", "fr"] == LANGUAGES
    assert "nl" == SHIPPED.content.base


def test_language_menu_names_each_language_in_itself() -> None:
    """The language menu reads Nederlands, English, Română, Polski, Български, Magyar ...,
    under what it is for in Dutch and English (nobody has chosen a language yet)."""
    text = SHIPPED.sms.reply(None, engine.Screen(engine.LANGUAGES)).text
    assert ("Kies je taal / Choose your language:\n"
            "1 Nederlands\n2 English\n3 Română\n4 Polski\n5 Български\n6 Magyar\n"
            "7 Tiếng Việt\n8 Français") == text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_answer_and_prompt_exists(lang: str) -> None:
    """Each language has all 20 answers, every menu title and every interface text."""
    content = SHIPPED.content
    assert set(content.answers[content.base]) == set(content.answers[lang])
    assert 20 == len(content.answers[lang])
    assert set(content.tree.menus) == set(content.prompts[lang].menus)
    assert set(PROMPT_KEYS) == set(content.prompts[lang].text)


@pytest.mark.parametrize("lang", [c for c in LANGUAGES if c != "nl"])
def test_translations_are_not_copies_of_another_language(lang: str) -> None:
    """No answer text, title or sentence-long prompt is the same as in another language."""
    content = SHIPPED.content
    for other in LANGUAGES:
        if other == lang:
            continue
        for answer_id, answer in content.answers[lang].items():
            theirs = content.answers[other][answer_id]
            assert answer.text != theirs.text, (lang, other, answer_id)
            assert answer.title != theirs.title, (lang, other, answer_id)
        for key, text in content.prompts[lang].text.items():
            if len(text) > 20:  # short labels like "({page}/{pages})" may coincide
                assert text != content.prompts[other].text[key], (lang, other, key)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_stays_within_its_budget(lang: str) -> None:
    """With each language's alphabet: menus in 2 segments, answer pages in 3."""
    book, tree = SHIPPED.sms, SHIPPED.content.tree
    for menu in tree.menus:
        for screen in (engine.Screen(menu), engine.Screen(menu, notice=engine.NOT_UNDERSTOOD)):
            assert book.reply(lang, screen).segments <= MENU_SEGMENTS, (menu, screen)
    assert book.reply(lang, engine.Screen(MAIN, welcome=True)).segments <= MENU_SEGMENTS
    for answer in tree.answers:
        for page in range(book.pages(lang, answer)):
            assert book.reply(lang, engine.Screen(answer, page)).segments <= PAGE_SEGMENTS


# The word after {minutes} / {window} in each language: one that is right after every number.
# Where the noun changes with the number (CLDR plural rules: English and Dutch "1 minute" /
# "2 minutes"; Bulgarian and French the same; Romanian "1 minut", "5 minute", "20 de minute";
# Polish "1 minuta", "2 minuty", "5 minut", "22 minuty"), the short form "min" does not;
# Hungarian ("perc") and Vietnamese ("phút") nouns never change after a number.
AFTER_ANY_NUMBER = {"nl": {"min"}, "en": {"min"}, "ro": {"min"}, "pl": {"min"}, "bg": {"мин"},
                    "hu": {"percen", "percet", "perce", "percig"}, "vi": {"phút"},
                    "fr": {"min"}}
MINUTES = (1, 2, 5, 21, 22, 25, 30, 60)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_minutes_read_right_whatever_the_settings_say(lang: str) -> None:
    """Every text with minutes from the settings ({minutes}, {window}: the hand-off's window,
    the limit's) reads right for 1, 2, 5, 21, 22, 25, 30 and 60 minutes: the word after the
    number is one that never changes with it. And the texter's texts with them fit 2
    segments."""
    texts = SHIPPED.content.prompts[lang].text
    keys = [key for key, spec in PROMPT_KEYS.items() if spec.placeholders & {"minutes", "window"}]
    assert {"handoff_opened", "too_many", "staff_late", "staff_too_many"} == set(keys)
    for key in keys:
        for minutes in MINUTES:
            text = texts[key].format(ref="K7QX4", minutes=minutes, window=minutes)
            after = [part.split()[0].rstrip(".,;:?!")
                     for part in text.split(f" {minutes} ")[1:]]
            assert after and set(after) <= AFTER_ANY_NUMBER[lang], (key, minutes, after)
    for minutes in MINUTES:
        assert SHIPPED.sms.too_many(lang, minutes).count(f" {minutes} ") == 1
        assert measure(SHIPPED.sms.handoff_opened(lang, minutes)).segments <= 2
        assert measure(SHIPPED.sms.too_many(lang, minutes)).segments <= 2


def test_bulgarian_is_texted_in_latin_letters_and_spoken_in_cyrillic() -> None:
    """Bulgarian SMS use the official Latin transliteration; the voice text stays Cyrillic."""
    sms = SHIPPED.sms.reply("bg", engine.Screen(MAIN)).text
    assert "Glavno menyu" in sms
    assert not any("\u0400" <= c <= "\u04ff" for c in sms)
    assert any("\u0400" <= c <= "\u04ff" for c in SHIPPED.content.answers["bg"]["b8-3"].text)


@pytest.mark.parametrize(("keyword", "lang"), [
    ("ПОМОЩ", "bg"), ("pomosht", "bg"), ("AJUTOR", "ro"), ("ajutór", "ro"), ("POMOC", "pl"),
    ("Segítség", "hu"), ("giúp đỡ", "vi"), ("GIUP DO", "vi"), ("AIDE", "fr"), ("Français", "fr"),
])
def test_keywords_in_every_script(keyword: str, lang: str, embedded_app: Flask) -> None:
    """Keywords work with or without accents, in Cyrillic and in Latin letters."""
    reply = Texter(embedded_app.test_client(), "+40712345678").send(keyword)
    assert SHIPPED.sms.reply(lang, engine.Screen(MAIN, welcome=True)).text == reply.text


def test_changing_a_dutch_answer_marks_exactly_its_seven_translations(tmp_path: Path) -> None:
    """Edit one Dutch answer: check warns about its 7 translations, and only those."""
    site = tmp_path / "site"
    shutil.copytree(ROOT / "content", site / "content")
    shutil.copytree(ROOT / "prompts", site / "prompts")
    dutch = site / "content" / "answers" / "nl.yaml"
    text = dutch.read_text(encoding="utf-8")
    dutch.write_text(text.replace("De B8/3 is een regeling", "De B8/3 is een wettelijke regeling", 1),
                     encoding="utf-8")
    catalog = build_catalog(site / "content", site / "prompts")
    stale = sorted((w.file, w.path) for w in catalog.warnings if "out of date" in w.message)
    expected = sorted((f"content/answers/{lang}.yaml", ("answers", "b8-3", "source"))
                      for lang in LANGUAGES if lang != "nl")
    assert expected == stale

    app = make_app(HELPLINE_CONTENT_DIR=str(site / "content"),
                   HELPLINE_PROMPTS_DIR=str(site / "prompts"))
    result = app.test_cli_runner().invoke(args=["helpline", "check"])
    assert 0 == result.exit_code  # out of date is a warning: translations keep being served
    assert 7 == result.output.count("answers.b8-3.source: out of date")

    result = app.test_cli_runner().invoke(args=["helpline", "review", "ro", "b8-3"])
    assert 0 == result.exit_code, result.output
    catalog = build_catalog(site / "content", site / "prompts")
    assert 6 == sum("out of date" in w.message for w in catalog.warnings)
    assert catalog.content.answers["ro"]["b8-3"].reviewed


def test_a_ninth_language_is_only_files(tmp_path: Path) -> None:
    """Adding German is three new files: it passes check and answers its own keyword."""
    site = tmp_path / "site"
    shutil.copytree(FIXTURES / "minimal", site)
    shutil.copytree(FIXTURES / "ninth-language", site, dirs_exist_ok=True)
    catalog = build_catalog(site / "content", site / "prompts")
    assert ["nl", "en", "de"] == list(catalog.content.languages)
    app = make_app(HELPLINE_CONTENT_DIR=str(site / "content"),
                   HELPLINE_PROMPTS_DIR=str(site / "prompts"))
    reply = Texter(app.test_client(), "+4915112345678").send("hilfe")
    assert reply.text is not None
    assert reply.text.startswith("Hilfetelefon Menschenhandel. Information und Hilfe.\nHauptmenü\n"
                                 "1 Deine Rechte")
    menu = Texter(app.test_client(), "+4915100000000").send("hallo").text
    assert menu is not None
    assert "3 Deutsch" in menu
