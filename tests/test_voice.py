"""The voice channel as Twilio drives it: signed posts, following the TwiML it gets back."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections import deque
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient

from helpline.catalog import build_catalog
from helpline.voice_book import VoiceBook
from helpline.voice_script import spoken_units

from .conftest import OPEN_HOUR, FrozenClock, RedisServer, app_on, make_app
from .test_voice_book import FakeAudio
from .twilio_client import (
    CALLER_NUMBER,
    HELPLINE_NUMBER,
    Caller,
    Heard,
    VoiceReply,
    heard_in,
    post_signed,
    post_voice,
    sign,
    twilio_path,
    voice_params,
)
from .twiml_checker import (
    check_call_flow,
    check_hang_up,
    check_twiml,
    check_whisper,
    check_whisper_answer,
)

# A Sunday afternoon: closed.
CLOSED_HOUR = dt.datetime(2026, 11, 29, 14, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
PROJECT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
CATALOG = build_catalog(PROJECT / "content", PROJECT / "prompts")
CONTENT = CATALOG.content
LANGS = list(CONTENT.languages)
UNITS = spoken_units(CONTENT)
STAFF = list(CONTENT.contacts.staff)

KEYS = list("0123456789*#")
# What a caller may key in at the postcode: region edges, no region, too short, # alone.
POSTCODES = ["1000", "3999", "4000", "6599", "6600", "9999", "0999", "12", "", "*", "0", "12*4"]
# Twilio's DialCallStatus values (its <Dial> reference): canceled is a caller who hung up.
DIAL_ENDS = ("completed", "answered", "no-answer", "busy", "failed", "canceled")


def said(unit: str, lang: str) -> str:
    """Return the text of ``unit`` in ``lang``."""
    return UNITS[(unit, lang)]


def locale(lang: str) -> str:
    return CONTENT.languages[lang].voice.locale


GOODBYES = frozenset(said("prompt:voice_goodbye", lang) for lang in LANGS)
LANG_OF_TEXT = {text: lang for (_, lang), text in UNITS.items()}


def language_menu() -> list[str]:
    return [said(f"lang:{lang}", lang) for lang in LANGS]


def key_of(lang: str) -> str:
    return str(LANGS.index(lang) + 1)


def reach(caller: Caller, lang: str, *keys: str) -> VoiceReply:
    """Call, choose ``lang``, then press ``keys``; return the last reply."""
    caller.call()
    reply = caller.press(key_of(lang))
    for key in keys:
        reply = caller.press(key)
    return reply


# -- the whole tree ---------------------------------------------------------------------------

def walk(client: FlaskClient, on_heard: Callable[[Heard], None]) -> tuple[int, set[str]]:
    """Follow every key, postcode, silence, whisper and end of a Dial from /voice, as Twilio
    would; return how many posts that took and every path posted to.

    Every response must be well-formed TwiML of Twilio's verbs and attributes that never
    strands the caller (a whisper: that it screens the call on the staff phone, and a key
    there takes or refuses it; a caller who hung up while phones rang: only the end of the
    call); ``on_heard`` sees everything said or played.
    """
    start: tuple[str, tuple[tuple[str, str], ...]] = ("/voice", ())
    todo, seen = deque([start]), {start}
    while todo:
        path, extra = todo.popleft()
        reply = post_voice(client, path, voice_params(CALLER_NUMBER, HELPLINE_NUMBER,
                                                      "CA" + "1" * 32, **dict(extra)))
        assert (reply.status, reply.mimetype) == (200, "text/xml"), f"{path}: {reply.xml}"
        root = check_twiml(reply.xml)
        if "/_whisper" in path and path.endswith("/key"):
            taken = check_whisper_answer(root)
            assert taken == (dict(extra).get("Digits") == "1"), (path, extra, reply.xml)
        elif "/_whisper" in path:
            check_whisper(root)
        elif dict(extra).get("DialCallStatus") == "canceled":
            check_hang_up(root)
        else:
            check_call_flow(root, GOODBYES | {h.text for h in heard_in(root) if h.verb == "Play"})
        for heard in heard_in(root):
            on_heard(heard)
        steps: list[tuple[str, tuple[tuple[str, str], ...]]] = []
        gather, redirect, dial = reply.first("Gather"), reply.after("Gather"), reply.first("Dial")
        if gather is not None:
            action = twilio_path(path, gather.get("action", path))
            keys = POSTCODES if gather.get("numDigits") == "4" else KEYS
            steps += [(action, (("Digits", key),)) for key in keys]
        if redirect is not None and redirect.tag == "Redirect":
            steps.append((twilio_path(path, (redirect.text or "").strip()), ()))
        if dial is not None:
            action = twilio_path(path, dial.get("action", path))
            steps += [(action, (("DialCallStatus", status),)) for status in DIAL_ENDS]
            steps += [(twilio_path(path, number.get("url", "")), ())
                      for number in dial.iter("Number") if number.get("url")]
        for step in steps:
            if step not in seen:
                seen.add(step)
                todo.append(step)
    return len(seen), {path.split("?")[0] for path, _ in seen}


# Every route of reaching a person, in every language: the walk must post to each of them.
PERSON_ROUTES = ["_person/key", "_person/silence", "_person/done", "_callback/key",
                 "_callback/silence", "_postcode/key", "_regions", "_regions/key",
                 "_regions/silence", "_whisper", "_whisper/key",
                 *(f"_region-{r.id}/done" for r in CONTENT.regions if r.coordinator)]
# ... and everything said on the way.
PERSON_PROMPTS = ["voice_person_menu", "voice_person_menu_closed", "voice_connecting",
                  "voice_no_person", "voice_hours", "voice_callback_offer", "voice_callback_saved",
                  "voice_postcode", "voice_postcode_unknown", "voice_coordinator_connecting",
                  "voice_coordinator_unavailable"]


@pytest.mark.parametrize("when", [OPEN_HOUR, CLOSED_HOUR], ids=["open", "closed"])
def test_walk_the_whole_tree_in_every_language(store_kind: str, when: dt.datetime,
                                              request: pytest.FixtureRequest) -> None:
    """Every answer and every way to a person is reachable in every language, in and out of
    opening hours, and all that is said is in its locale (whispers: in Dutch, for staff)."""
    app = request.getfixturevalue("app")
    app.config["HELPLINE_CLOCK"] = FrozenClock(when)
    client = app.test_client()
    heard: set[tuple[str, str, bool]] = set()

    def listen(item: Heard) -> None:
        assert item.verb == "Say", "no recordings yet: everything is said"
        lang = LANG_OF_TEXT.get(item.text)
        assert lang is not None, f"said something that is no unit: {item.text!r}"
        assert locale(lang) == item.language, item.text
        heard.add((lang, item.text, item.slow))

    posts, paths = walk(client, listen)
    for lang in LANGS:
        for answer in CONTENT.tree.answers:
            text = said(f"answer:{answer}", lang)
            assert (lang, text, False) in heard, f"{lang}: answer {answer} is unreachable"
            assert (lang, text, True) in heard, f"{lang}: answer {answer} never read slowly"
        for route in PERSON_ROUTES:
            if route == "_person/done" and when == CLOSED_HOUR:
                continue  # closed: staff phones never ring
            if route.startswith("_whisper") and f"/voice/{lang}/_whisper-interpreter" in paths:
                continue  # closed, only coordinators ring: some may not speak the language
            assert f"/voice/{lang}/{route}" in paths, f"{lang}: {route} is never reached"
        for prompt in PERSON_PROMPTS:
            # In hours, the closed person menu is never heard; closed, nobody is put through.
            if prompt not in (("voice_person_menu_closed",) if when == OPEN_HOUR
                              else ("voice_person_menu", "voice_connecting")):
                text = said(f"prompt:{prompt}", lang)
                assert (lang, text, False) in heard, f"{lang}: {prompt} is never heard"
        assert (lang, said("regions", lang), False) in heard
        whispers = {said(f"{unit}:{lang}", CONTENT.base) for unit in ("whisper", "whisper-interpreter")}
        assert {text for _, text, _ in heard} & whispers, f"{lang}: staff never hear the language"
    assert len(CONTENT.tree.answers) == 20
    assert posts > 100 * len(LANGS)


def test_walk_with_recordings_plays_them(embedded_app: Flask) -> None:
    """With a recording for every unit, a whole call only plays them, from absolute URLs."""
    holder = embedded_app.extensions["helpline.catalog"]
    holder.current = build_catalog(PROJECT / "content", PROJECT / "prompts", audio=FakeAudio())
    fake = FakeAudio()
    expected = {fake.url(unit, lang, slow) for unit, lang in UNITS for slow in (False, True)}
    played: set[str] = set()

    def listen(item: Heard) -> None:
        assert item.verb == "Play"
        # No audio route yet (issue 5): the URL must be the one the index gave.
        assert item.text in expected
        played.add(item.text)

    walk(embedded_app.test_client(), listen)
    for lang in LANGS:
        for answer in CONTENT.tree.answers:
            assert fake.url(f"answer:{answer}", lang, True) in played


# -- the start of a call ----------------------------------------------------------------------

def test_a_call_starts_with_112_then_each_language_in_its_own(caller: Caller) -> None:
    """The welcome (with 112) is heard whole, then each language offers itself in its locale."""
    reply = caller.call()
    welcome = reply.verbs[0]
    assert welcome.tag == "Say"
    assert said("prompt:voice_welcome", CONTENT.base) == welcome.text
    assert "1 1 2" in (welcome.text or "")
    gather = reply.first("Gather")
    assert gather is not None and gather.get("action") == "/voice/_/_languages/key"
    assert language_menu() == [h.text for h in heard_in(gather)]
    assert [locale(lang) for lang in LANGS] == [h.language for h in heard_in(gather)]


def main_menu(lang: str) -> list[str]:
    """What the main menu says once the keys were said: its options, then how to reach a
    person (0)."""
    return [said("menu:main", lang), said("prompt:voice_person_key", lang)]


def welcome_in(lang: str) -> list[str]:
    """What a caller hears on choosing ``lang`` before the keys: the welcome with 112 in that
    language (none again for the base language: the call started with it)."""
    return [] if lang == CONTENT.base else [said("prompt:voice_welcome", lang)]


@pytest.mark.parametrize("lang", [lang for lang in LANGS if lang != CONTENT.base])
def test_choosing_a_language_says_112_in_it(caller: Caller, lang: str) -> None:
    """The welcome with 112 was said in Dutch: on choosing a language it is said again in
    that language, in its locale, whole (before the keys can interrupt it)."""
    caller.call()
    reply = caller.press(key_of(lang))
    first = reply.verbs[0]
    assert (first.tag, first.text) == ("Say", said("prompt:voice_welcome", lang))
    assert locale(lang) == first.get("language")
    assert [said("prompt:voice_keys", lang), said("menu:main", lang)] == reply.said[1:]


@pytest.mark.parametrize("lang", LANGS)
def test_keys_are_announced_once_after_choosing_a_language(caller: Caller, lang: str) -> None:
    """After the language, the keys are said once; later menus go straight to their options."""
    caller.call()
    reply = caller.press(key_of(lang))
    assert [*welcome_in(lang), said("prompt:voice_keys", lang), said("menu:main", lang)] == (
        reply.said)
    caller.press("1")
    caller.press("*")
    caller.press("1")
    assert main_menu(lang) == caller.press("9").said
    assert caller.transcript.count(f"< {locale(lang)}: {said('prompt:voice_keys', lang)}") == 1


@pytest.mark.parametrize("lang", LANGS)
def test_the_main_menu_and_a_repeated_menu_say_how_to_reach_a_person(caller: Caller,
                                                                     lang: str) -> None:
    """After the one-time key list, the main menu ends with "to talk to a person, press 0",
    and so does a topic menu said again after a wrong key or silence; 0 then reaches one."""
    reach(caller, lang)
    assert main_menu(lang) == caller.press("9").said
    caller.press("1")
    person_key = said("prompt:voice_person_key", lang)
    wrong = caller.press("7")
    assert [said("prompt:voice_not_option", lang), said("menu:rights", lang), person_key] == (
        wrong.said)
    silent = caller.silence()
    assert [said("prompt:voice_no_input", lang), said("menu:rights", lang), person_key] == (
        silent.said)
    assert [said("prompt:voice_person_menu", lang)] == caller.press("0").said


def test_dialled_number_presets_the_language(content_copy: Path) -> None:
    """A call to a number listed under a language starts in that language, keys and all."""
    language_file = content_copy / "content" / "languages" / "en.yaml"
    language_file.write_text(language_file.read_text() + 'numbers: ["+3197010000002"]\n')
    client = app_on(content_copy).test_client()
    reply = Caller(client, dialled="+3197010000002").call()
    assert [said("prompt:voice_welcome", "en"), said("prompt:voice_keys", "en"),
            said("menu:main", "en")] == reply.said
    gather = reply.first("Gather")
    assert gather is not None and gather.get("action") == "/voice/en/main/key"
    other = Caller(client).call()
    assert language_menu() == other.said[1:]


# -- keys -------------------------------------------------------------------------------------

@pytest.mark.parametrize("digits", ["6", "7", "a", "12", "", "٣", "1" * 300])
def test_a_wrong_key_says_so_and_repeats_the_menu(caller: Caller, digits: str) -> None:
    """A key that is no option (or no key at all) is "not an option", then the menu again."""
    reach(caller, "nl")
    reply = caller.press(digits)
    assert [said("prompt:voice_not_option", "nl"), *main_menu("nl")] == reply.said
    gather, redirect = reply.first("Gather"), reply.after("Gather")
    assert gather is not None and gather.get("action") == "/voice/nl/main/key"
    assert redirect is not None and redirect.text == "/voice/nl/main/silence?n=1"


def test_a_wrong_key_after_an_answer_repeats_the_choices_not_the_answer(caller: Caller) -> None:
    """After an answer, a wrong key repeats what the keys do, not the whole answer."""
    reach(caller, "en", "1", "1")
    reply = caller.press("5")
    assert [said("prompt:voice_not_option", "en"), said("prompt:voice_after_answer", "en")] == (
        reply.said)


def test_a_wrong_key_in_the_language_menu(caller: Caller) -> None:
    """Before a language is chosen, "not an option" is said in Dutch and in English."""
    caller.call()
    # Not a digit: with up to 9 languages, every digit but 0 may be a language here.
    reply = caller.press("*")
    assert [said("prompt:voice_not_option", "nl"), said("prompt:voice_not_option", "en"),
            *language_menu()] == reply.said
    assert ["nl-NL", "en-GB"] == [h.language for h in reply.heard[:2]]


def test_after_an_answer(caller: Caller) -> None:
    """1 again, 2 slower, # repeat, * back, 9 main menu, 8 language menu."""
    reach(caller, "en", "1")
    answer = caller.press("1")
    text = said("answer:b8-3", "en")
    assert [text, said("prompt:voice_after_answer", "en")] == answer.said
    assert [h.slow for h in answer.heard] == [False, False]
    assert answer.said == caller.press("1").said
    slower = caller.press("2")
    assert [h.slow for h in slower.heard] == [True, False]
    assert answer.said == caller.press("#").said
    assert [said("menu:rights", "en")] == caller.press("*").said
    caller.press("1")
    assert main_menu("en") == caller.press("9").said
    caller.press("1")
    caller.press("1")
    languages = caller.press("8")
    assert language_menu() == languages.said
    gather = languages.first("Gather")
    assert gather is not None and gather.get("action") == "/voice/en/_languages/key"
    assert main_menu("en") == caller.press("9").said


# -- silence ----------------------------------------------------------------------------------

def test_one_silence_says_so_and_repeats_the_menu(caller: Caller) -> None:
    """Silence: "I did not hear a key", the menu again, and the count goes on."""
    reach(caller, "nl")
    reply = caller.silence()
    assert [said("prompt:voice_no_input", "nl"), *main_menu("nl")] == reply.said
    redirect = reply.after("Gather")
    assert redirect is not None and redirect.text == "/voice/nl/main/silence?n=2"


def test_one_silence_after_an_answer_repeats_the_choices(caller: Caller) -> None:
    """Silence after an answer repeats what the keys do."""
    reach(caller, "nl", "1", "1")
    reply = caller.silence()
    assert [said("prompt:voice_no_input", "nl"), said("prompt:voice_after_answer", "nl")] == (
        reply.said)


def test_three_silences_put_the_caller_through_to_a_person(caller: Caller) -> None:
    """The third silence in a row: "please hold", and the staff phones ring for 20 seconds."""
    reach(caller, "en")
    caller.silence()
    caller.silence()
    reply = caller.silence()
    assert [said("prompt:voice_no_input", "en"), said("prompt:voice_connecting", "en")] == (
        reply.said)
    dial = reply.first("Dial")
    assert dial is not None
    assert (dial.get("action"), dial.get("timeout")) == ("/voice/en/_person/done?n=3", "20")
    assert [number.text for number in dial.iter("Number")] == STAFF


def test_a_key_resets_the_silences(caller: Caller) -> None:
    """Two silences, a key, two silences: still no transfer."""
    reach(caller, "nl")
    caller.silence()
    caller.silence()
    caller.press("1")
    caller.silence()
    reply = caller.silence()
    assert [said("prompt:voice_no_input", "nl"), said("menu:rights", "nl"),
            said("prompt:voice_person_key", "nl")] == reply.said


def test_a_silent_open_line_ends_with_a_goodbye_not_a_hang_up(caller: Caller) -> None:
    """Nobody on the line, nobody to take the call: after 6 silences a goodbye ends it, with
    112 said first (a caller who cannot speak or press may be in danger)."""
    reach(caller, "nl")
    for _ in range(3):
        caller.silence()
    nobody = caller.dial_ends("no-answer")
    assert [said("prompt:voice_no_person", "nl"), said("prompt:voice_hours", "nl"),
            said("prompt:voice_callback_offer", "nl")] == nobody.said
    caller.silence()
    caller.silence()
    last = caller.silence()
    assert [said("prompt:voice_no_input", "nl"), said("prompt:voice_emergency", "nl"),
            said("prompt:voice_goodbye", "nl")] == last.said
    assert "Bel dan 1 1 2." in said("prompt:voice_emergency", "nl")
    check_call_flow(check_twiml(last.xml), GOODBYES)
    assert "Hangup" not in last.xml


def test_silence_in_the_language_menu(caller: Caller) -> None:
    """Before a language is chosen, silence is noticed in Dutch and English and repeats the
    language menu; three reach a person."""
    caller.call()
    first = caller.silence()
    assert [said("prompt:voice_no_input", "nl"), said("prompt:voice_no_input", "en"),
            *language_menu()] == first.said
    caller.silence()
    third = caller.silence()
    assert third.first("Dial") is not None
    back = caller.dial_ends("failed")
    assert [said(f"prompt:{key}", CONTENT.base) for key in
            ("voice_no_person", "voice_hours", "voice_callback_offer")] == back.said


def test_a_silent_call_that_never_chose_a_language_ends_with_112_in_dutch_and_english(
        caller: Caller) -> None:
    """Before a language is chosen, the last words of a silent call (the sixth silence) are
    said in Dutch and English, 112 included: the caller may understand neither well, and
    Dutch alone is the least likely."""
    caller.call()
    last = caller._post("/voice/_/_languages/silence?n=6")
    assert [said(f"prompt:{key}", lang) for key in ("voice_no_input", "voice_emergency",
                                                    "voice_goodbye") for lang in ("nl", "en")
            ] == last.said


# -- a person ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("keys", "lang"), [
    ((), CONTENT.base), ((key_of("en"),), "en"), ((key_of("en"), "1", "1"), "en"),
], ids=["language menu", "main menu", "answer"])
def test_zero_reaches_a_person_everywhere(caller: Caller, keys: tuple[str, ...],
                                          lang: str) -> None:
    """0 offers a person from any menu (the language menu and answers included); 1 puts the
    caller through to staff, whose phones show the helpline's number."""
    caller.call()
    for key in keys:
        caller.press(key)
    menu = caller.press("0")
    assert [said("prompt:voice_person_menu", lang)] == menu.said
    reply = caller.press("1")
    assert [said("prompt:voice_connecting", lang)] == reply.said
    dial = reply.first("Dial")
    assert dial is not None and dial.get("action", "").endswith("/_person/done?n=0")
    assert CONTENT.contacts.helpline == dial.get("callerId")
    assert [number.text for number in dial.iter("Number")] == STAFF


@pytest.mark.parametrize("status", ["no-answer", "busy", "failed", "", "ringing", "NO-ANSWER"])
def test_nobody_answers_112_hours_and_a_callback_offer(caller: Caller, status: str) -> None:
    """When no staff phone answers (busy, no answer, a failed call, or a status we do not know):
    112, when we are open, and may we call you back? Never a hang-up."""
    reach(caller, "en", "0", "1")
    reply = caller.dial_ends(status)
    assert [said("prompt:voice_no_person", "en"), said("prompt:voice_hours", "en"),
            said("prompt:voice_callback_offer", "en")] == reply.said
    assert "1 1 2" in reply.said[0]
    redirect = reply.after("Gather")
    assert redirect is not None and redirect.text == "/voice/en/_callback/silence?n=1"


def talk_ended(lang: str) -> list[str]:
    """What a caller hears when the talk with a person ends and they are still on the line:
    that it ended (they can hang up, 9 main menu, 0 a person again, 112), then on silence
    the goodbye."""
    return [said("prompt:voice_talk_ended", lang), said("prompt:voice_goodbye", lang)]


@pytest.mark.parametrize("status", ["completed", "answered"])
@pytest.mark.parametrize("lang", LANGS)
def test_after_talking_to_a_person_the_caller_hears_it_ended_and_can_go_on(
        caller: Caller, lang: str, status: str) -> None:
    """The person hung up first (or the line dropped): the caller is not cut off without a
    word. They hear, in their language, that the conversation has ended, that they can hang
    up, press 9 for the main menu or 0 for a person again, and 112; the keys wait 8 seconds,
    then silence says goodbye and ends the call (no <Hangup>, no loop through the menus)."""
    reach(caller, lang, "0", "1")
    reply = caller.dial_ends(status, bridged=True)
    assert talk_ended(lang) == reply.said
    assert [locale(lang)] * 2 == [h.language for h in reply.heard]
    assert "1 1 2" in reply.said[0]
    gather = reply.first("Gather")
    assert gather is not None
    assert [said("prompt:voice_talk_ended", lang)] == [h.text for h in heard_in(gather)]
    assert (f"/voice/{lang}/main/key", "1", "8") == (
        gather.get("action"), gather.get("numDigits"), gather.get("timeout"))
    assert ["Gather", "Say"] == [verb.tag for verb in reply.verbs]  # silence: the goodbye, the end
    check_call_flow(check_twiml(reply.xml), GOODBYES)
    assert main_menu(lang) == caller.press("9").said


def test_after_a_talk_0_reaches_a_person_again(caller: Caller) -> None:
    """A caller cut off mid-conversation presses 0 and is offered a person again."""
    reach(caller, "ro", "0", "1")
    caller.dial_ends("completed")
    assert [said("prompt:voice_person_menu", "ro")] == caller.press("0").said
    assert caller.press("1").first("Dial") is not None


def test_after_a_talk_before_a_language_was_chosen(caller: Caller) -> None:
    """Put through from the language menu (0): the end of the talk is said in the base
    language, and a key leads back to the language menu, not to a main menu."""
    caller.call()
    caller.press("0")
    caller.press("1")
    reply = caller.dial_ends("completed")
    assert talk_ended(CONTENT.base) == reply.said
    gather = reply.first("Gather")
    assert gather is not None and "/voice/_/_languages/key" == gather.get("action")
    assert language_menu() == caller.press("9").said


@pytest.mark.parametrize("node", ["_person", "_region-west"])
def test_a_caller_who_hung_up_while_phones_rang_gets_only_the_end_of_the_call(
        caller: Caller, node: str, caplog: pytest.LogCaptureFixture) -> None:
    """canceled: the caller hung up before anyone answered. Nothing is said (nobody would
    hear it), no callback is offered and no error is logged: the call just ends."""
    reply = post_voice(caller.client, f"/voice/en/{node}/done?n=0", voice_params(
        CALLER_NUMBER, HELPLINE_NUMBER, "CA" + "3" * 32, DialCallStatus="canceled",
        CallStatus="completed"))
    assert (200, "text/xml") == (reply.status, reply.mimetype)
    check_hang_up(check_twiml(reply.xml))
    assert [] == [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def test_without_staff_numbers_the_caller_hears_112(content_copy: Path) -> None:
    """With no staff number configured, 0 then 1 says nobody can come (with 112), and offers a
    callback."""
    contacts = content_copy / "content" / "contacts.yaml"
    text = contacts.read_text()
    contacts.write_text(text[:text.index("staff:")])
    caller = Caller(app_on(content_copy).test_client())
    reach(caller, "nl", "0")
    reply = caller.press("1")
    assert [said("prompt:voice_no_person", "nl"), said("prompt:voice_hours", "nl"),
            said("prompt:voice_callback_offer", "nl")] == reply.said
    assert reply.first("Dial") is None


# -- URLs we never hand out -------------------------------------------------------------------

MAIN_NL = "/voice/nl/main/key"
LANGUAGE_MENU = "/voice/_/_languages/key"


@pytest.mark.parametrize(("path", "fields", "action", "first"), [
    # an unknown language: the language menu
    ("/voice/xx/main/key", {"Digits": "1"}, LANGUAGE_MENU, None),
    ("/voice/xx/_languages/key", {"Digits": "2"}, LANGUAGE_MENU, None),
    ("/voice/NL/main", {}, LANGUAGE_MENU, None),
    ("/voice/_/main/key", {"Digits": "1"}, LANGUAGE_MENU, None),
    ("/voice/xx/_person/done?n=0", {"DialCallStatus": "failed"}, "/voice/_/_callback/key",
     "prompt:voice_no_person"),
    # an unknown node: the main menu
    ("/voice/nl/no-such-node/key", {"Digits": "1"}, MAIN_NL, None),
    ("/voice/nl/no-such-node/silence?n=1", {}, MAIN_NL, None),
    ("/voice/nl/_region-nowhere/done", {"DialCallStatus": "failed"}, "/voice/nl/_callback/key",
     "prompt:voice_no_person"),
    ("/voice/nl/b8-3/99999999999999999999", {}, MAIN_NL, None),
    ("/voice/nl/main/key/extra/parts", {"Digits": "1"}, MAIN_NL, None),
    # a counter or page we never wrote: as if it were the first silence
    ("/voice/nl/b8-3/silence?n=99999999999999999999", {}, "/voice/nl/b8-3/key",
     "prompt:voice_no_input"),
    ("/voice/nl/b8-3/silence?n=abc", {}, "/voice/nl/b8-3/key", "prompt:voice_no_input"),
    ("/voice/nl/b8-3/silence?n=-1", {}, "/voice/nl/b8-3/key", "prompt:voice_no_input"),
    ("/voice/nl/b8-3/silence", {}, "/voice/nl/b8-3/key", "prompt:voice_no_input"),
    ("/voice/nl/b8-3/key?page=99999999999999999999", {"Digits": "#"}, "/voice/nl/b8-3/key",
     "answer:b8-3"),
    ("/voice/nl/_person/done?n=99999", {"DialCallStatus": "busy"}, "/voice/nl/_callback/key",
     "prompt:voice_no_person"),
])
def test_a_tampered_url_lands_on_a_menu(client: FlaskClient, path: str, fields: dict[str, str],
                                         action: str, first: str | None) -> None:
    """A URL we never handed out gets a menu (language or main), never an error."""
    reply = post_voice(client, path, voice_params(CALLER_NUMBER, HELPLINE_NUMBER, "CA" + "2" * 32,
                                                  **fields))
    assert (reply.status, reply.mimetype) == (200, "text/xml"), reply.xml
    check_call_flow(check_twiml(reply.xml), GOODBYES)
    gather = reply.first("Gather")
    assert gather is not None and action == gather.get("action")
    if first is not None:
        lang = path.split("/")[2] if path.split("/")[2] in LANGS else CONTENT.base
        assert said(first, lang) == reply.said[0]


# A key at the whisper was once a URL we never handed out (and got the Dutch main menu, a
# caller's menu on a staff phone). It is the staff member's answer now: only 1 takes the call.
STAFF_NUMBER = STAFF[0]


@pytest.mark.parametrize("path", [
    "/voice/nl/_whisper/key", "/voice/ro/_whisper-interpreter/key", "/voice/_/_whisper/key",
    "/voice/_/_whisper-interpreter/key", "/voice/xx/_whisper/key",  # a language since removed
])
@pytest.mark.parametrize(("fields", "taken"), [
    ({"Digits": "1"}, True), ({"Digits": " 1 "}, True),
    ({"Digits": "2"}, False), ({"Digits": "0"}, False), ({"Digits": "#"}, False),
    ({"Digits": "*"}, False), ({"Digits": ""}, False), ({}, False), ({"Digits": "11"}, False),
    ({"Digits": "１"}, False), ({"Digits": "1" * 300}, False), ({"SpeechResult": "1"}, False),
    ({"Digits": "2", "SpeechResult": "1"}, False),
], ids=lambda v: repr(v) if isinstance(v, dict) else str(v))
def test_only_1_at_the_whisper_takes_the_call(client: FlaskClient, path: str,
                                             fields: dict[str, str], taken: bool) -> None:
    """Whatever a staff phone sends back from the whisper: 1 ends the screen (Twilio puts the
    call through), anything else hangs up that phone's leg; never a caller's menu."""
    reply = post_voice(client, path, voice_params(HELPLINE_NUMBER, STAFF_NUMBER, "CA" + "5" * 32,
                                                  **fields))
    assert (reply.status, reply.mimetype) == (200, "text/xml"), reply.xml
    assert taken == check_whisper_answer(check_twiml(reply.xml))
    assert ([] if taken else ["Hangup"]) == [verb.tag for verb in reply.verbs]


@pytest.mark.parametrize(("path", "language"), [
    ("/voice/ro/_whisper", "Roemeens"), ("/voice/ro/_whisper-interpreter", "Roemeens"),
    ("/voice/_/_whisper", None), ("/voice/xx/_whisper", None), ("/voice/_/_whisper-interpreter", None),
])
def test_every_whisper_screens_the_call(client: FlaskClient, path: str,
                                        language: str | None) -> None:
    """Any whisper URL gets a screen (the caller's language when one is known, then press 1),
    never a caller's menu: a staff phone cannot be left connected to nobody's choice."""
    reply = post_voice(client, path, voice_params(HELPLINE_NUMBER, STAFF_NUMBER, "CA" + "6" * 32))
    check_whisper(check_twiml(reply.xml))
    gather = reply.first("Gather")
    # A language no longer served is no language: the key goes to /voice/_/...
    assert gather is not None and path.replace("/xx/", "/_/") + "/key" == gather.get("action")
    assert said("whisper-accept", CONTENT.base) == reply.said[-1]
    assert (language is not None) == (len(reply.said) == 2)
    if language is not None:
        assert language in reply.said[0]


def test_an_unknown_language_lands_on_the_language_menu(client: FlaskClient) -> None:
    """A language code that is not (or no longer) served: the language menu, in full."""
    reply = post_voice(client, "/voice/xx/main/silence?n=1",
                       voice_params(CALLER_NUMBER, HELPLINE_NUMBER, "CA" + "3" * 32))
    assert reply.status == 200
    assert language_menu() == reply.said


# -- signatures -------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/voice", "/voice/nl/main", "/voice/nl/main/key", "/voice/nl/main/silence?n=1",
    "/voice/nl/_person/done?n=0", "/voice/something/else/entirely", "/voice/nl/_whisper",
    "/voice/nl/_whisper/key", "/voice/ro/_whisper-interpreter/key", "/voice/_/_whisper/key",
])
def test_unsigned_or_forged_requests_are_refused(client: FlaskClient, path: str) -> None:
    """Without Twilio's valid signature every voice URL answers 403, follow-ups included."""
    params = voice_params(CALLER_NUMBER, HELPLINE_NUMBER, "CA" + "4" * 32, Digits="1",
                          DialCallStatus="completed")
    assert client.post(path, data=params).status_code == 403
    forged = {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}
    assert client.post(path, data=params, headers=forged).status_code == 403
    other_digits = {"X-Twilio-Signature": sign(path, {**params, "Digits": "2"})}
    assert client.post(path, data=params, headers=other_digits).status_code == 403
    assert post_signed(client, path, params).status_code == 200


# -- Redis down, content missing --------------------------------------------------------------

@pytest.mark.redis_server
def test_a_whole_call_works_with_redis_stopped(redis_server: RedisServer) -> None:
    """Voice keeps no state: with the Redis server stopped, a whole call goes on as usual."""
    app = make_app(REDIS_URL=redis_server.url)
    redis_server.stop()
    try:
        assert "unreachable" == app.extensions["helpline.store"].check(), "Redis should be down here"
        caller = Caller(app.test_client())
        assert [*welcome_in("en"), said("prompt:voice_keys", "en"), said("menu:main", "en")] == (
            reach(caller, "en").said)
        caller.press("2")
        assert said("answer:where-help", "en") == caller.press("1").said[0]
        assert [h.slow for h in caller.press("2").heard] == [True, False]
        caller.silence()
        caller.press("9")
        caller.press("0")
        caller.press("1")
        assert said("prompt:voice_no_person", "en") == caller.dial_ends("no-answer").said[0]
        # A callback cannot be kept without the store: the caller is told, never cut off.
        assert said("prompt:voice_callback_failed", "en") == caller.press("1").said[0]
    finally:
        redis_server.start()


def test_a_bug_before_a_language_is_chosen_apologises_and_offers_the_languages(
        embedded_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should deciding the next step fail in the language menu, the caller hears sorry and 112
    (in the base language), then the language menu: never a 500."""
    def broken(*args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(VoiceBook, "after_key", broken)
    caller = Caller(embedded_app.test_client())
    caller.call()
    reply = caller.press("1")
    assert [said("prompt:voice_sorry", CONTENT.base), said("prompt:voice_welcome", CONTENT.base),
            *language_menu()] == reply.said


@pytest.mark.parametrize("lang", ["ro", "vi"])
def test_a_bug_mid_call_apologises_with_112_in_the_callers_language(
        embedded_app: Flask, monkeypatch: pytest.MonkeyPatch, lang: str,
        caplog: pytest.LogCaptureFixture) -> None:
    """Should a step fail once a language is chosen, the caller hears sorry and 112 in that
    language (not cut into by a key), then that language's main menu: not the Dutch
    language menu. The log names the error's type and the place only."""
    caller = Caller(embedded_app.test_client())
    reach(caller, lang, "1")

    def broken(*args: object) -> None:
        raise RuntimeError("a bug with 0612345678 in it")

    monkeypatch.setattr(VoiceBook, "after_key", broken)
    reply = caller.press("1")
    assert [said("prompt:voice_sorry", lang), said("prompt:voice_welcome", lang),
            *main_menu(lang)] == reply.said
    assert [locale(lang)] * 4 == [h.language for h in reply.heard]
    assert ["Say", "Say", "Gather", "Redirect"] == [verb.tag for verb in reply.verbs]
    gather = reply.first("Gather")
    assert gather is not None and f"/voice/{lang}/main/key" == gather.get("action")
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "RuntimeError" in logged and "0612345678" not in logged


def test_without_content_the_caller_hears_112(tmp_path: Path) -> None:
    """If content never loaded, a call hears (in Dutch and English) that the line is down: 112."""
    client = make_app(HELPLINE_CONTENT_DIR=str(tmp_path / "nothing")).test_client()
    reply = Caller(client).call()
    assert [h.language for h in reply.heard] == ["nl-NL", "en-GB"]
    assert all("1 1 2" in text and "112" not in text for text in reply.said)


# -- golden transcripts -----------------------------------------------------------------------

def short_call(client: FlaskClient, lang: str) -> list[str]:
    """Call, choose ``lang``, a topic, an answer, the main menu, then a person: a staff phone
    hears the language, takes the call with 1, and they talk; return what both heard."""
    caller = Caller(client)
    reach(caller, lang, "1", "1", "9", "0", "1")
    caller.answered_by(0).press("1")
    caller.dial_ends("completed")
    return caller.transcript


@pytest.mark.parametrize("lang", LANGS)
def test_golden_transcript(embedded_app: Flask, lang: str) -> None:
    """A short call in each language (and the staff phone that takes it) says exactly what
    tests/golden/voice-<lang>.txt says."""
    transcript = "\n".join(short_call(embedded_app.test_client(), lang)) + "\n"
    path = GOLDEN / f"voice-{lang}.txt"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(transcript, encoding="utf-8")
    if not path.exists():
        pytest.fail(f"{path.relative_to(PROJECT)} is missing: run UPDATE_GOLDEN=1 pytest "
                    "tests/test_voice.py -k golden, read the file, and commit it")
    assert path.read_text(encoding="utf-8") == transcript, (
        f"the call in {lang} changed: if that is intended, run UPDATE_GOLDEN=1 pytest "
        "tests/test_voice.py -k golden and review the diff")

