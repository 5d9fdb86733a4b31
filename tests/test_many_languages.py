"""More than 9 languages: the language menu has pages, on the phone and by SMS alike.

The content is ``tests/many_languages.py``: 11 languages, so page 1 lists nl en de uk zh ar
tr es on keys 1 to 8 and page 2 lists pt ru ti on keys 1 to 3; 9 is the next page.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpline import audio_build, engine
from helpline.audio_build import Key
from helpline.catalog import Catalog, build_catalog
from helpline.config import DEFAULTS
from helpline.content import ContentError
from helpline.segments import measure
from helpline.sms_book import MENU_SEGMENTS, PAGE_SEGMENTS
from helpline.voice_book import WHISPER, WHISPER_INTERPRETER, Kind, Turn
from helpline.voice_script import spoken_units

from . import many_languages, test_voice
from .conftest import make_app
from .test_trust import EXAMPLES
from .test_voice_book import FakeAudio
from .twilio_client import (
    Caller,
    Heard,
    Texter,
    heard_in,
    parse_sms_sends,
    post_signed,
    sms_params,
)
from .twiml_checker import (
    check_call_flow,
    check_hang_up,
    check_twiml,
    check_whisper,
    check_whisper_answer,
)

PAGE_1 = ("1 Nederlands\n2 English\n3 Deutsch\n4 Українська\n5 中文\n6 العربية\n7 Türkçe\n"
          "8 Español\n9 >> Meer talen / More languages")
PAGE_2 = "1 Português\n2 Русский\n3 ትግርኛ\n9 >> Meer talen / More languages"
# What a caller hears on each page before choosing: each language in itself, then key 9 in
# Dutch (the base language) and English.
SAID_1 = ["Voor Nederlands, druk 1.", "For English, press 2.", "Für Deutsch, drücke 3.",
          "[uk] For Українська, press 4.", "[zh] For 中文, press 5.",
          "[ar] For العربية, press 6.", "[tr] For Türkçe, press 7.", "[es] For Español, press 8.",
          "Voor Meer talen, druk 9.", "For More languages, press 9."]
SAID_2 = ["[pt] For Português, press 1.", "[ru] For Русский, press 2.", "[ti] For ትግርኛ, press 3.",
          "Voor Meer talen, druk 9.", "For More languages, press 9."]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return many_languages.build(tmp_path_factory.mktemp("many-languages"))


@functools.cache
def catalog_at(site: Path) -> Catalog:
    return build_catalog(site / "content", site / "prompts")


@pytest.fixture(scope="module")
def catalog(site: Path) -> Catalog:
    return catalog_at(site)


def app_of(site: Path, **overrides: object) -> Flask:
    return make_app(HELPLINE_CONTENT_DIR=str(site / "content"),
                    HELPLINE_PROMPTS_DIR=str(site / "prompts"), **overrides)


@pytest.fixture
def client(site: Path) -> FlaskClient:
    return app_of(site).test_client()


@pytest.fixture
def texter(client: FlaskClient) -> Texter:
    return Texter(client, "+31612345678")


def texts(texter: Texter, *bodies: str) -> list[str | None]:
    return [texter.send(body).text for body in bodies]


def welcomed(lang: str) -> str:
    """Return how the first message in a stand-in language begins: the welcome, the main menu."""
    return f"[{lang}] Human trafficking helpline. Information and help.\n[{lang}] Main menu\n"


def test_check_passes_with_eleven_languages(site: Path) -> None:
    """Eleven languages are content like any other: `check` passes and counts them."""
    result = app_of(site).test_cli_runner().invoke(args=["helpline", "check"])
    assert 0 == result.exit_code, result.output
    assert "OK: content version" in result.output
    assert "11 languages" in result.output
    assert "language menu: 2 pages" in result.output


# -- SMS --------------------------------------------------------------------------------------

def test_sms_language_menu_has_pages_and_a_digit_chooses_on_its_page(texter: Texter) -> None:
    """Page 1 lists 8 languages and 9 for more; 9 shows page 2, where 2 is Russian."""
    first, second, chosen = texts(texter, "hallo", "9", "2")
    assert PAGE_1 == first
    assert PAGE_2 == second
    assert chosen is not None and chosen.startswith(welcomed("ru"))


def test_sms_nine_on_the_last_page_shows_the_first_again(texter: Texter) -> None:
    """From the last page, 9 goes round to page 1; 8 there chooses Spanish."""
    assert [PAGE_1, PAGE_2, PAGE_1] == texts(texter, "hallo", "9", "9")
    reply = texter.send("8").text
    assert reply is not None and reply.startswith(welcomed("es"))


def test_sms_other_keys_on_a_page(texter: Texter) -> None:
    """On page 2 a digit that is no option, # and MORE keep to the pages; 8 goes to page 1."""
    assert [PAGE_1, PAGE_2, PAGE_2, PAGE_2] == texts(texter, "hallo", "9", "5", "#")
    assert [PAGE_1, PAGE_2] == texts(texter, "MORE", "MEER")  # the paging words turn it too
    assert [PAGE_1] == texts(texter, "8")


@pytest.mark.parametrize(("keyword", "lang"), [("AYUDA", "es"), ("ሓገዝ", "ti"), ("hulp", "nl")])
def test_sms_keyword_chooses_directly_on_any_page(texter: Texter, keyword: str, lang: str) -> None:
    """A start keyword chooses its language whatever page is on screen."""
    texts(texter, "hallo", "9")
    reply = texter.send(keyword).text
    assert reply is not None
    dutch = "Hulplijn mensenhandel. Informatie en hulp.\nHoofdmenu\n"
    assert reply.startswith(welcomed(lang) if lang != "nl" else dutch)


def test_sms_pages_after_choosing_speak_the_texters_language(texter: Texter) -> None:
    """With a language chosen, 8 shows page 1 with that language's heading and words for 9;
    * goes back to the main menu."""
    texts(texter, "ДОПОМОГА")
    assert ("[uk] Choose your language:\n" + PAGE_1.replace(
        "Meer talen / More languages", "[uk] More languages")) == texter.send("8").text
    assert ("[uk] Choose your language:\n" + PAGE_2.replace(
        "Meer talen / More languages", "[uk] More languages")) == texter.send("9").text
    back = texter.send("*").text
    assert back is not None and back.startswith("[uk] Main menu\n")


def test_every_sms_page_stays_within_the_menu_budget(catalog: Catalog) -> None:
    """Every page, before and after a language is chosen, with or without a notice: 2 segments."""
    assert 2 == len(catalog.rules.language_pages)
    for lang, page, notice in itertools.product([None, *many_languages.CODES], (0, 1),
                                                (None, engine.NOT_UNDERSTOOD)):
        sms = catalog.sms.reply(lang, engine.Screen(engine.LANGUAGES, page, notice))
        assert sms.segments <= MENU_SEGMENTS, (lang, page, notice, sms.text)


# -- voice ------------------------------------------------------------------------------------

def test_a_call_hears_page_one_and_more_in_dutch_and_english(client: FlaskClient) -> None:
    """The first page: 8 languages, each in itself, then 9 for more in Dutch and in English."""
    reply = Caller(client).call()
    gather = reply.first("Gather")
    assert gather is not None and "/voice/_/_languages/key" == gather.get("action")
    heard = heard_in(gather)
    assert SAID_1 == [h.text for h in heard]
    assert ["nl-NL", "en-GB", "de-DE", "uk-UA", "zh-CN", "ar-XA", "tr-TR", "es-ES", "nl-NL",
            "en-GB"] == [h.language for h in heard]


def test_a_caller_turns_the_page_with_9_and_chooses_there(client: FlaskClient,
                                                          catalog: Catalog) -> None:
    """9 reads page 2; 2 there is Russian: the keys and the main menu, in Russian."""
    caller = Caller(client)
    caller.call()
    page = caller.press("9")
    gather = page.first("Gather")
    assert gather is not None and "/voice/_/_languages-2/key" == gather.get("action")
    assert SAID_2 == page.said
    chosen = caller.press("2")
    units = spoken_units(catalog.content)
    assert [units[("prompt:voice_welcome", "ru")], units[("prompt:voice_keys", "ru")],
            units[("menu:main", "ru")]] == chosen.said
    gather = chosen.first("Gather")
    assert gather is not None and "/voice/ru/main/key" == gather.get("action")


def test_a_caller_goes_round_the_pages_and_0_is_a_person(client: FlaskClient) -> None:
    """9 on the last page reads page 1 again; 0 on any page puts the caller through."""
    caller = Caller(client)
    caller.call()
    caller.press("9")
    assert SAID_1 == caller.press("9").said
    caller.press("9")
    person = caller.press("0")
    dial = person.first("Dial")
    assert dial is not None and ["+31000000001"] == [n.text for n in dial.iter("Number")]


def test_a_wrong_key_or_silence_on_page_two_repeats_page_two(client: FlaskClient,
                                                            catalog: Catalog) -> None:
    """A key that is no option there, or silence, says so and reads the same page again."""
    units = spoken_units(catalog.content)
    caller = Caller(client)
    caller.call()
    caller.press("9")
    assert [units[("prompt:voice_not_option", "nl")], units[("prompt:voice_not_option", "en")],
            *SAID_2] == caller.press("5").said
    silence = caller.silence()
    assert [units[("prompt:voice_no_input", "nl")], units[("prompt:voice_no_input", "en")],
            *SAID_2] == silence.said
    redirect = silence.after("Gather")
    assert redirect is not None and "/voice/_/_languages-2/silence?n=2" == redirect.text


def test_with_a_language_chosen_more_is_said_in_it(client: FlaskClient) -> None:
    """A Tigrinya caller who presses 8 hears key 9 in Tigrinya only; * is the main menu."""
    caller = Caller(client)
    caller.call()
    caller.press("9")
    caller.press("3")
    languages = caller.press("8")
    assert [*SAID_1[:8], "[ti] For [ti] More languages, press 9."] == languages.said
    page = caller.press("9")
    gather = page.first("Gather")
    assert gather is not None and "/voice/ti/_languages-2/key" == gather.get("action")
    assert [*SAID_2[:3], "[ti] For [ti] More languages, press 9."] == page.said
    back = caller.press("*").first("Gather")
    assert back is not None and "/voice/ti/main/key" == back.get("action")


def goodbyes(catalog: Catalog) -> frozenset[str]:
    units = spoken_units(catalog.content)
    return frozenset(units[("prompt:voice_goodbye", lang)] for lang in catalog.content.languages)


def test_every_voice_document_is_good_twiml(catalog: Catalog) -> None:
    """Every prepared document, the pages of the language menu included, is TwiML that never
    strands a caller."""
    pages = {turn.node for turn in catalog.voice.documents if turn.node.startswith("@languages")}
    assert {"@languages", "@languages:2"} == pages
    for turn, xml in catalog.voice.documents.items():
        root = check_twiml(xml)
        if turn.node in (WHISPER, WHISPER_INTERPRETER) and turn.kind is Kind.PLAY:
            check_whisper(root)
        elif turn.node in (WHISPER, WHISPER_INTERPRETER):  # the answer to a key on the screen
            check_whisper_answer(root)
        elif turn.kind is Kind.HUNG_UP:  # the caller hung up while phones rang
            check_hang_up(root)
        else:
            check_call_flow(root, goodbyes(catalog))


def test_walk_reaches_every_language_through_the_pages(
        site: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    """Following every key from /voice reaches each language's main menu, and all that is
    said is said in its own locale."""
    units = spoken_units(catalog.content)
    langs_of: dict[str, set[str]] = {}
    for (_, lang), text in units.items():
        langs_of.setdefault(text, set()).add(lang)
    languages = catalog.content.languages
    heard: set[str] = set()

    def listen(item: Heard) -> None:
        assert item.text in langs_of, f"said something that is no unit: {item.text!r}"
        assert item.language in {languages[lang].voice.locale for lang in langs_of[item.text]}
        heard.add(item.text)

    monkeypatch.setattr(test_voice, "GOODBYES", goodbyes(catalog))  # walk() ends calls on these
    _, paths = test_voice.walk(app_of(site).test_client(), listen)
    for lang in languages:
        assert units[("menu:main", lang)] in heard, f"{lang} cannot be chosen"
        assert units[("more-languages", lang)] in heard, f"{lang}: key 9 is never said"
    assert {"/voice/_/_languages-2/key", "/voice/ti/_languages-2/key"} <= paths


def test_recordings_of_the_next_page_line_are_built_and_played(site: Path,
                                                               catalog: Catalog) -> None:
    """build-audio wants key 9's line in every language; calls play it once built."""
    wanted = {want.key for want in audio_build.wanted(catalog.content)}
    assert {Key("more-languages", lang, False) for lang in many_languages.CODES} <= wanted
    answers = len(catalog.content.tree.answers)
    assert len(spoken_units(catalog.content)) + answers * 11 == len(wanted)
    with_audio = build_catalog(site / "content", site / "prompts", audio=FakeAudio())
    page = with_audio.voice.documents[Turn(None, "@languages:2", Kind.PLAY)]
    fake = FakeAudio()
    played = [h.text for h in heard_in(check_twiml(page)) if h.verb == "Play"]
    assert [fake.url("lang:pt", "pt", False), fake.url("lang:ru", "ru", False),
            fake.url("lang:ti", "ti", False), fake.url("more-languages", "nl", False),
            fake.url("more-languages", "en", False)] == played


# -- up to 9 languages nothing changes; 10 have pages -----------------------------------------

def test_nine_languages_are_one_page_and_9_chooses_the_ninth(tmp_path: Path) -> None:
    """With 9 languages the menu is as it always was: keys 1 to 9, no "more" line."""
    site = many_languages.build(tmp_path, languages=9)
    catalog = build_catalog(site / "content", site / "prompts")
    menu = catalog.sms.reply(None, engine.Screen(engine.LANGUAGES)).text
    # One page, so it opens with what the list is for, in Dutch and English.
    assert ("Kies je taal / Choose your language:\n"
            + PAGE_1.replace("9 >> Meer talen / More languages", "9 Português")) == menu
    texter = Texter(app_of(site).test_client(), "+31612345678")
    reply = texts(texter, "hallo", "9")[1]
    assert reply is not None and reply.startswith(welcomed("pt"))
    caller = Caller(app_of(site).test_client())
    assert [*SAID_1[:8], "[pt] For Português, press 9."] == caller.call().said[1:]
    assert not any(unit == "more-languages" for unit, _ in spoken_units(catalog.content))


def test_ten_languages_have_two_pages(tmp_path: Path) -> None:
    """With 10 languages page 1 holds 8 and 9 for more, page 2 the other two."""
    site = many_languages.build(tmp_path, languages=10)
    texter = Texter(app_of(site).test_client(), "+31612345678")
    assert [PAGE_1, "1 Português\n2 Русский\n9 >> Meer talen / More languages"] == texts(
        texter, "hallo", "9")


# -- check: a page over its budget --------------------------------------------------------------

def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _problems(site: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        build_catalog(site / "content", site / "prompts")
    return [str(problem) for problem in caught.value.problems]


def test_names_too_long_for_a_page_are_reported_once_at_the_longest(tmp_path: Path) -> None:
    """Page 1 with long names: one error, at the longest name, saying what to shorten."""
    site = many_languages.build(tmp_path)
    _edit(site / "content" / "languages" / "uk.yaml", "name: Українська",
          "name: Українська мова (Україна)")
    _edit(site / "content" / "languages" / "zh.yaml", "name: 中文", "name: 中文 (简体, 中国大陆)")
    expected = ("content/languages/uk.yaml:2: name: the SMS language menu, page 1 of 2 (nl, en, "
                "de, uk, zh, ar, tr, es), is 3 segments (138 UCS-2 characters), the budget is 2: "
                "shorten the names of the languages on that page (this one is the longest), or "
                "text.more_languages in prompts/nl.yaml and prompts/en.yaml")
    assert [expected] == _problems(site)
    result = app_of(site).test_cli_runner().invoke(args=["helpline", "check"])
    assert 0 != result.exit_code
    assert f"error: {expected}" in result.output


def test_a_heading_too_long_for_the_pages_is_reported_at_the_heading(tmp_path: Path) -> None:
    """One language's heading makes its pages too long: one error at that text, naming them."""
    site = many_languages.build(tmp_path)
    _edit(site / "prompts" / "de.yaml", "choose_language: \"Wähle deine Sprache:\"",
          "choose_language: \"Bitte wähle hier die Sprache, in der wir schreiben sollen:\"")
    assert ["prompts/de.yaml:18: text.choose_language: the SMS language menu, page 1 of 2, is 3 "
            "segments (160 UCS-2 characters), the budget is 2: shorten this text or "
            "text.more_languages"] == _problems(site)


# -- whatever arrives -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fuzz_client(site: Path) -> FlaskClient:
    return app_of(site, HELPLINE_SMS_PER_NUMBER=10**9,
                  HELPLINE_SMS_REPLIES_PER_MINUTE=10**9).test_client()


@functools.cache
def prepared(site: Path) -> frozenset[str]:
    """Every prepared SMS, with the hand-off window's minutes filled in as a request does."""
    minutes = str(DEFAULTS["HELPLINE_HANDOFF_WINDOW"] // 60)
    return frozenset(sms.text.replace("{minutes}", minutes)
                     for sms in catalog_at(site).sms.messages.values())


_numbers: Iterator[int] = itertools.count(10_000_000)
bodies = st.one_of(st.sampled_from(["hallo", "1", "2", "3", "5", "8", "9", "0", "*", "#", "MORE",
                                    "AYUDA", "ሓገዝ", "WIPEuk", "STOP", "99"]),
                   st.text(max_size=20))


@settings(max_examples=max(EXAMPLES // 4, 50), deadline=None,
          suppress_health_check=list(HealthCheck))
@given(conversation=st.lists(bodies, min_size=1, max_size=8))
def test_any_sms_conversation_gets_good_replies(site: Path, fuzz_client: FlaskClient,
                                                conversation: list[str]) -> None:
    """Whatever a texter sends through the pages: 200, well-formed TwiML, and a reply (if any)
    that was prepared when the content loaded, within budget."""
    number = f"+316{next(_numbers):08d}"
    for body in conversation:
        response = post_signed(fuzz_client, "/sms", sms_params(number, body))
        assert 200 == response.status_code
        assert "text/xml" == response.mimetype
        reply, _ = parse_sms_sends(response.get_data(as_text=True))
        assert reply is None or reply in prepared(site), reply
        assert reply is None or measure(reply).segments <= PAGE_SEGMENTS, reply


# The pages (and pages we never write), beside other nodes. Not "_person": without regions
# (this content has none) 0 puts a caller through at once, so "_person/key" is never handed out.
segments_ = st.one_of(st.sampled_from(["_", "_languages", "_languages-2", "_languages-3",
                                       "_languages-1", "_languages-02", "_languages-",
                                       "_languages-９", "_callback", "main", "ti", "nl"]),
                      st.text(max_size=20))
keys_ = st.one_of(st.sampled_from(list("0123456789*#")), st.text(max_size=5))


@settings(max_examples=max(EXAMPLES // 2, 100), deadline=None,
          suppress_health_check=list(HealthCheck))
@given(lang=segments_, node=segments_, digits=keys_, count=st.text(max_size=4))
def test_any_key_or_silence_on_any_page_lands_on_a_prepared_document(
        site: Path, lang: str, node: str, digits: str, count: str) -> None:
    """Whatever the page in the URL and the key, the next turn was prepared."""
    book = catalog_at(site).voice
    assert book.after_key(lang, node, digits, "") in book.documents
    assert book.after_silence(lang, node, count) in book.documents
    assert book.play(lang, node) in book.documents
