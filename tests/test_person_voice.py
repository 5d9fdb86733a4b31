"""Reaching a person by phone: opening hours, the call to staff, care coordinators, callbacks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import redis
from flask import Flask

from helpline import callbacks, hours
from helpline.catalog import build_catalog
from helpline.sealed import Sealer
from helpline.voice_script import spoken_units

from .conftest import FrozenClock, app_on, kept_but_counts, make_app, personal_keys
from .test_store import everything_kept
from .twilio_client import Caller, Texter
from .twiml_checker import check_call_flow, check_twiml, check_whisper, check_whisper_answer

PROJECT = Path(__file__).resolve().parent.parent
CATALOG = build_catalog(PROJECT / "content", PROJECT / "prompts")
CONTENT = CATALOG.content
AMS = ZoneInfo("Europe/Amsterdam")
UNITS = spoken_units(CONTENT)
CALLER = "+31687654321"


def at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=AMS)  # type: ignore[misc]


def said(key: str, lang: str) -> str:
    return UNITS[(key, lang)]


def prompt(key: str, lang: str) -> str:
    return said(f"prompt:{key}", lang)


def main_menu(lang: str) -> list[str]:
    return [said("menu:main", lang), prompt("voice_person_key", lang)]


def talk_ended(lang: str) -> list[str]:
    """What a caller hears when the talk ends: that it ended (9, 0, 112), then on silence the
    goodbye."""
    return [prompt("voice_talk_ended", lang), prompt("voice_goodbye", lang)]


def caller_at(when: dt.datetime, number: str = CALLER, **config: object) -> Caller:
    return Caller(make_app(HELPLINE_CLOCK=FrozenClock(when), **config).test_client(), number)


# -- opening hours ----------------------------------------------------------------------------

@pytest.mark.parametrize(("moment", "is_open"), [
    (at(2026, 11, 25, 8, 59), False),  # Wednesday, a minute before opening
    (at(2026, 11, 25, 9, 0), True),  # the first open minute
    (at(2026, 11, 25, 16, 59), True),  # the last open minute
    (at(2026, 11, 25, 17, 0), False),  # closing time
    (at(2026, 11, 28, 11, 0), False),  # Saturday
    (at(2026, 4, 27, 11, 0), False),  # King's Day (a Monday)
    (at(2026, 4, 6, 11, 0), False),  # Easter Monday
    (at(2026, 12, 25, 11, 0), False),  # Christmas Day (a Friday)
    (at(2026, 12, 24, 11, 0), True),  # Christmas Eve is no public holiday
    (at(2026, 3, 30, 9, 0), True),  # the Monday after clocks went forward
    (dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.UTC), True),  # 09:00 in Amsterdam
    (dt.datetime(2026, 7, 1, 15, 0, tzinfo=dt.UTC), False),  # 17:00 summer time
])
def test_opening_hours_follow_the_dutch_clock_and_holidays(moment: dt.datetime,
                                                          is_open: bool) -> None:
    """Mondays to Fridays 9 to 5, Amsterdam time, closed on Dutch public holidays."""
    assert is_open == hours.is_open(CONTENT.hours, moment)


def test_extra_closed_and_open_dates(content_copy: Path) -> None:
    """Staff can close an extra day, or open on a public holiday after all."""
    path = content_copy / "content" / "hours.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('closed_dates: []', 'closed_dates: ["2026-12-24"]')
                    .replace('open_dates: []', 'open_dates: ["2026-04-03"]'), encoding="utf-8")
    content = build_catalog(content_copy / "content", content_copy / "prompts").content
    assert not hours.is_open(content.hours, at(2026, 12, 24, 11, 0))
    assert hours.is_open(content.hours, at(2026, 4, 3, 11, 0))  # Good Friday


@pytest.mark.parametrize(("moment", "menu"), [
    (at(2026, 11, 25, 16, 59), "voice_person_menu"),
    (at(2026, 11, 25, 17, 0), "voice_person_menu_closed"),
    (at(2026, 12, 25, 10, 0), "voice_person_menu_closed"),
])
def test_zero_offers_staff_in_hours_and_a_callback_outside(moment: dt.datetime, menu: str) -> None:
    """In hours 0 offers the helpline's staff; outside, 112, the hours and a callback."""
    caller = caller_at(moment)
    caller.call()
    caller.press("2")
    reply = caller.press("0")
    closed = menu.endswith("closed")
    before = [prompt("voice_no_person", "en"), prompt("voice_hours", "en")] if closed else []
    assert [*before, prompt(menu, "en")] == reply.said
    staff = caller.press("1")
    if closed:
        assert [prompt("voice_callback_offer", "en")] == staff.said
        assert staff.first("Dial") is None
    else:
        assert staff.first("Dial") is not None


# -- the call to staff -------------------------------------------------------------------------

ACCEPT = said("whisper-accept", CONTENT.base)  # "Druk 1 om het gesprek aan te nemen."
NOBODY_RO = [prompt("voice_no_person", "ro"), prompt("voice_hours", "ro"),
             prompt("voice_callback_offer", "ro")]


def romanian_call_to_staff() -> Caller:
    """A Romanian caller, in opening hours, asks for someone at the helpline: phones ring."""
    caller = caller_at(at(2026, 11, 25, 10, 0))
    caller.call()
    caller.press("3")  # Română
    caller.press("0")
    caller.press("1")
    return caller


def test_the_call_to_staff_rings_with_a_timeout_a_whisper_and_our_number() -> None:
    """Staff phones ring 20 s, show the helpline number, hear the caller's language first, then
    how to take the call; the caller's number is nowhere in what a staff phone gets."""
    caller = romanian_call_to_staff()
    assert caller.reply is not None
    dial = caller.reply.first("Dial")
    assert dial is not None
    assert {"action": "/voice/ro/_person/done?n=0", "method": "POST", "timeout": "20",
            "callerId": CONTENT.contacts.helpline} == dial.attrib
    numbers = list(dial.iter("Number"))
    assert list(CONTENT.contacts.staff) == [n.text for n in numbers]
    assert all(n.get("url") == "/voice/ro/_whisper" for n in numbers)
    # Twilio fetches the whisper on the staff member's leg, from the helpline number.
    staff = caller.answered_by(0)
    assert CONTENT.contacts.helpline == staff.shown
    check_whisper(check_twiml(staff.reply.xml))
    assert ["Beller spreekt Roemeens.", ACCEPT] == staff.reply.said
    assert ["nl-NL", "nl-NL"] == [h.language for h in staff.reply.heard]
    gather = staff.reply.first("Gather")
    assert gather is not None
    assert ("/voice/ro/_whisper/key", "1", "dtmf") == (
        gather.get("action"), gather.get("numDigits"), gather.get("input"))
    assert int(gather.get("timeout", "0")) <= 10
    assert "Hangup" == staff.reply.verbs[-1].tag
    assert CALLER[3:] not in staff.reply.xml
    ended = caller.dial_ends("no-answer")
    assert NOBODY_RO == ended.said


def test_staff_take_the_call_by_pressing_1() -> None:
    """1 ends the whisper without a hang-up: Twilio puts the caller through; after the talk,
    the caller hears that it ended and what they can do now."""
    caller = romanian_call_to_staff()
    staff = caller.answered_by(-1)  # whichever phone answers
    taken = staff.press("1")
    assert check_whisper_answer(check_twiml(taken.xml))
    assert [] == taken.verbs
    assert talk_ended("ro") == caller.dial_ends("completed").said


def test_a_voicemail_never_takes_the_call() -> None:
    """A voicemail (or an auto-answer) presses nothing: the whisper hangs up the staff leg, so
    the caller is never put through to it; the Dial ends and the caller is offered a callback."""
    caller = romanian_call_to_staff()
    assert "Hangup" == caller.answered_by(0).silence()
    # Twilio documents "completed" only for a call that was answered and connected; should it
    # say "completed" for a screened-out phone all the same, DialBridged=false says no talk.
    for status, bridged in (("no-answer", False), ("completed", False)):
        again = romanian_call_to_staff()
        again.answered_by(0).silence()
        assert NOBODY_RO == again.dial_ends(status, bridged=bridged).said


@pytest.mark.parametrize("key", ["2", "0", "9", "*", "#"])
def test_any_other_key_refuses_the_call(key: str) -> None:
    """Another key hangs up that staff phone only; the caller, still on the line, is offered
    a callback when the Dial ends (never a hang-up)."""
    caller = romanian_call_to_staff()
    refused = caller.answered_by(0).press(key)
    assert not check_whisper_answer(check_twiml(refused.xml))
    assert ["Hangup"] == [verb.tag for verb in refused.verbs]
    assert NOBODY_RO == caller.dial_ends("no-answer").said


def test_before_a_language_is_chosen_staff_screen_the_call_too() -> None:
    """0 in the language menu rings staff too: no language to announce, but they still take
    the call with 1 (a voicemail cannot); the caller's notices stay in the base language."""
    caller = caller_at(at(2026, 11, 25, 10, 0))
    caller.call()
    caller.press("0")
    reply = caller.press("1")
    dial = reply.first("Dial")
    assert dial is not None
    assert {"/voice/_/_whisper"} == {n.get("url") for n in dial.iter("Number")}
    staff = caller.answered_by(0)
    check_whisper(check_twiml(staff.reply.xml))
    assert [ACCEPT] == staff.reply.said
    assert check_whisper_answer(check_twiml(staff.press("1").xml))
    assert talk_ended(CONTENT.base) == caller.dial_ends("completed").said
    silent = caller_at(at(2026, 11, 25, 10, 0))
    silent.call()
    silent.press("0")
    silent.press("1")
    assert "Hangup" == silent.answered_by(0).silence()
    assert [prompt(k, CONTENT.base) for k in ("voice_no_person", "voice_hours",
                                              "voice_callback_offer")] == silent.dial_ends(
        "no-answer").said


def test_staff_see_the_number_the_caller_dialled(content_copy: Path) -> None:
    """A call to a second helpline number (one that presets a language) shows that number."""
    language = content_copy / "content" / "languages" / "ro.yaml"
    language.write_text(language.read_text() + 'numbers: ["+3197010000003"]\n')
    client = app_on(content_copy).test_client()
    caller = Caller(client, CALLER, dialled="+3197010000003")
    caller.call()
    caller.press("0")
    dial = caller.press("1").first("Dial")
    assert dial is not None and "+3197010000003" == dial.get("callerId")
    elsewhere = Caller(client, CALLER, dialled="+3197099999999")
    elsewhere.call()
    elsewhere.press("1")
    elsewhere.press("0")
    dial = elsewhere.press("1").first("Dial")
    assert dial is not None and CONTENT.contacts.helpline == dial.get("callerId")


def test_staff_can_ring_in_turn(content_copy: Path) -> None:
    """``ring: in-turn`` rings the staff phones one after the other."""
    contacts = content_copy / "content" / "contacts.yaml"
    contacts.write_text(contacts.read_text().replace("ring: together", "ring: in-turn"))
    caller = Caller(app_on(content_copy).test_client(), CALLER)
    caller.call()
    caller.press("1")
    caller.press("0")
    dial = caller.press("1").first("Dial")
    assert dial is not None and "true" == dial.get("sequential")


# -- care coordinators -------------------------------------------------------------------------

WEDNESDAY_MORNING = at(2026, 11, 25, 10, 0)


def region_call(postcode: str, when: dt.datetime = WEDNESDAY_MORNING,
                lang_key: str = "1") -> Caller:
    caller = caller_at(when)
    caller.call()
    caller.press(lang_key)
    caller.press("0")
    gather = caller.press("2").first("Gather")
    assert gather is not None and "4" == gather.get("numDigits") and "#" == gather.get("finishOnKey")
    caller.press(postcode)
    return caller


@pytest.mark.parametrize(("postcode", "number"), [
    ("1000", "+31000000011"), ("3999", "+31000000011"), ("4000", "+31000000012"),
    ("6599", "+31000000012"), ("6600", "+31000000013"), ("7999", "+31000000013"),
])
def test_a_postcode_reaches_its_regions_coordinator(postcode: str, number: str) -> None:
    """The four digits of a postcode put the caller through to that region's coordinator."""
    reply = region_call(postcode).reply
    assert reply is not None
    assert [prompt("voice_coordinator_connecting", "nl")] == reply.said
    dial = reply.first("Dial")
    assert dial is not None and dial.get("action", "").startswith("/voice/nl/_region-")
    assert CONTENT.contacts.helpline == dial.get("callerId")
    assert [number] == [n.text for n in dial.iter("Number")]
    check_call_flow(check_twiml(reply.xml), frozenset())


@pytest.mark.parametrize("lang_key", ["1", "3"])
def test_the_postcode_question_says_0_and_waits_no_longer_than_5_seconds(lang_key: str) -> None:
    """The postcode question also says 0 reaches a person; * (back) and 0, which do not end
    the four digits, are acted on after at most 5 seconds of silence, not 10."""
    caller = caller_at(WEDNESDAY_MORNING)
    caller.call()
    caller.press(lang_key)
    caller.press("0")
    reply = caller.press("2")
    lang = "nl" if lang_key == "1" else "ro"
    assert [prompt("voice_postcode", lang), prompt("voice_person_key", lang)] == reply.said
    gather = reply.first("Gather")
    assert gather is not None and "4" == gather.get("numDigits")
    assert 5 == int(gather.get("timeout", "0"))


@pytest.mark.parametrize("postcode", ["0999", "12", "12*4", "10000"])
def test_an_unknown_postcode_offers_the_region_list(postcode: str) -> None:
    """A postcode in no region (or not four digits): "I do not know it", then the regions."""
    reply = region_call(postcode).reply
    assert reply is not None
    assert [prompt("voice_postcode_unknown", "nl"), said("regions", "nl")] == reply.said


def test_hash_alone_offers_the_region_list_and_a_key_picks_one() -> None:
    """Not knowing the postcode (# alone): the regions, each with its key."""
    caller = region_call("")
    assert caller.reply is not None and [said("regions", "nl")] == caller.reply.said
    assert "Voor West, druk 1." in said("regions", "nl")
    dial = caller.press("3").first("Dial")
    assert dial is not None and ["+31000000013"] == [n.text for n in dial.iter("Number")]


def test_a_region_without_coordinator_goes_to_the_helpline() -> None:
    """Postcode 9999 (a region without a coordinator): said so, then put through to staff."""
    reply = region_call("9999").reply
    assert reply is not None
    assert [prompt("voice_coordinator_unavailable", "nl"), prompt("voice_connecting", "nl")] == (
        reply.said)
    dial = reply.first("Dial")
    assert dial is not None and list(CONTENT.contacts.staff) == [n.text for n in dial.iter("Number")]


def test_a_region_without_coordinator_out_of_hours_offers_a_callback() -> None:
    """Out of hours, the helpline cannot take over: 112, the hours and a callback offer."""
    reply = region_call("9999", at(2026, 11, 29, 12, 0)).reply
    assert reply is not None
    assert [prompt(k, "nl") for k in ("voice_coordinator_unavailable", "voice_no_person",
                                      "voice_hours", "voice_callback_offer")] == reply.said


def test_a_coordinator_who_does_not_answer_hands_over_to_the_helpline() -> None:
    """Nobody answers at the coordinator's: the caller is put through to staff instead."""
    caller = region_call("1000")
    reply = caller.dial_ends("no-answer")
    assert [prompt("voice_coordinator_unavailable", "nl"), prompt("voice_connecting", "nl")] == (
        reply.said)
    assert reply.first("Dial") is not None
    assert talk_ended("nl") == region_call("1000").dial_ends("completed").said


def test_a_coordinator_hears_the_language_and_whether_an_interpreter_may_be_needed() -> None:
    """A Romanian caller and a coordinator who speaks Dutch and English: "maybe an interpreter"."""
    reply = region_call("1000", lang_key="3").reply
    assert reply is not None
    dial = reply.first("Dial")
    assert dial is not None
    assert ["/voice/ro/_whisper-interpreter"] == [n.get("url") for n in dial.iter("Number")]
    english = region_call("1000", lang_key="2").reply
    dial = english.first("Dial") if english is not None else None
    assert dial is not None and ["/voice/en/_whisper"] == [n.get("url") for n in dial.iter("Number")]
    assert "Beller spreekt Roemeens. Misschien is er een tolk nodig." == said(
        "whisper-interpreter:ro", "nl")


@pytest.mark.parametrize(("key", "taken"), [("1", True), ("2", False)])
def test_a_coordinator_takes_the_call_by_pressing_1_too(key: str, taken: bool) -> None:
    """The coordinator's whisper (interpreter or not) is a screen as well: 1 takes the call;
    anything else refuses it, and the caller is put through to the helpline's staff instead."""
    caller = region_call("1000", lang_key="3")
    coordinator = caller.answered_by(0)
    check_whisper(check_twiml(coordinator.reply.xml))
    assert [said("whisper-interpreter:ro", "nl"), ACCEPT] == coordinator.reply.said
    assert taken == check_whisper_answer(check_twiml(coordinator.press(key).xml))
    after = caller.dial_ends("completed" if taken else "no-answer")
    if taken:
        assert talk_ended("ro") == after.said
    else:
        assert [prompt("voice_coordinator_unavailable", "ro"), prompt("voice_connecting", "ro")] == (
            after.said)
        assert "Hangup" == caller.answered_by(0).silence()  # and the staff phone screens too


# -- callbacks --------------------------------------------------------------------------------

def callback_call(app: Flask, number: str = CALLER) -> Caller:
    """Out of hours: 0, then 1 (a callback), to the consent question."""
    app.config["HELPLINE_CLOCK"] = FrozenClock(at(2026, 11, 29, 12, 0))
    caller = Caller(app.test_client(), number)
    caller.call()
    caller.press("2")
    caller.press("0")
    assert [prompt("voice_callback_offer", "en")] == caller.press("1").said
    return caller


def test_a_callback_is_kept_sealed_with_a_ttl_and_listed_for_staff(
    app: Flask, raw_store: redis.Redis
) -> None:
    """Consent by pressing 1: the number is kept encrypted for 7 days and staff see it listed."""
    caller = callback_call(app)
    reply = caller.press("1")
    assert [prompt("voice_callback_saved", "en"), *main_menu("en")] == reply.said
    [key] = personal_keys(raw_store, CALLER)
    assert key.startswith("helpline:callback:")
    assert 7 * 24 * 3600 - 10 <= raw_store.ttl(key) <= 7 * 24 * 3600
    dump = " ".join(f"{k} {v}" for k, v in everything_kept(raw_store).items())
    assert "87654321" not in dump
    store, sealer = app.extensions["helpline.store"], Sealer(app.config["HELPLINE_ENCRYPTION_KEY"])
    [request] = callbacks.open_requests(store, sealer)
    assert (CALLER, "en") == (request.number, request.lang)
    assert at(2026, 11, 29, 12, 0) == request.requested_at
    assert callbacks.Done.ERASED == callbacks.mark_done(store, request.id, request.version)
    assert [] == callbacks.open_requests(store, sealer)


def test_done_erases_only_the_request_staff_saw(app: Flask, raw_store: redis.Redis) -> None:
    """A caller who asks again replaces their request: "done" for the one seen before erases
    nothing (the new one stays open); "done" for the new one erases it; then it is gone."""
    callback_call(app).press("1")
    store, sealer = app.extensions["helpline.store"], Sealer(app.config["HELPLINE_ENCRYPTION_KEY"])
    [seen] = callbacks.open_requests(store, sealer)
    again = callback_call(app)  # the caller rings again and asks again, a minute later
    app.config["HELPLINE_CLOCK"].advance(minutes=1)
    again.press("1")
    [new] = callbacks.open_requests(store, sealer)
    assert seen.id == new.id and seen.version != new.version
    assert callbacks.Done.ASKED_AGAIN == callbacks.mark_done(store, seen.id, seen.version)
    assert [new] == callbacks.open_requests(store, sealer)
    assert callbacks.Done.ERASED == callbacks.mark_done(store, new.id, new.version)
    assert callbacks.Done.GONE == callbacks.mark_done(store, new.id, new.version)
    assert [] == personal_keys(raw_store, CALLER)


def test_no_consent_keeps_nothing(app: Flask, raw_store: redis.Redis) -> None:
    """Pressing 2: nothing is kept, and the caller is back at the main menu."""
    reply = callback_call(app).press("2")
    assert [*main_menu("en")] == reply.said
    assert [] == personal_keys(raw_store, CALLER)  # a call counts no messages: nothing at all


WITHHELD = ["+266696687", "anonymous", "+7378742833", "", "client:alice", "+31"]
NO_CALLBACK = ["voice_no_person", "voice_hours"]  # call again later, 112, the opening hours


@pytest.mark.parametrize("withheld", WITHHELD)
def test_a_withheld_number_is_offered_no_callback_out_of_hours(app: Flask, raw_store: redis.Redis,
                                                              withheld: str) -> None:
    """Out of hours, 0 from a number that cannot be called back: nobody is there, call again
    later, 112 and the opening hours, and only the region's coordinator is offered, on key 1
    (options are numbered from 1); never a callback."""
    app.config["HELPLINE_CLOCK"] = FrozenClock(at(2026, 11, 29, 12, 0))
    caller = Caller(app.test_client(), withheld)
    caller.call()
    caller.press("2")
    menu = caller.press("0")
    assert [*(prompt(key, "en") for key in NO_CALLBACK),
            prompt("voice_coordinator_option", "en")] == menu.said
    assert "1 1 2" in menu.said[0]
    assert menu.said[-1].endswith("press 1.")
    one = caller.press("1")
    assert prompt("voice_postcode", "en") == one.said[0]
    gather = one.first("Gather")
    assert gather is not None and "/voice/en/_postcode/key" == gather.get("action")
    assert prompt("voice_callback_offer", "en") not in "\n".join(caller.transcript)
    assert not raw_store.keys("helpline:callback:*")


@pytest.mark.parametrize("withheld", WITHHELD)
def test_a_withheld_number_nobody_answers_gets_no_callback_offer(withheld: str) -> None:
    """In hours, nobody answers the call to staff: a caller who cannot be called back hears
    nobody can come, call again later, 112 and the hours, then the main menu."""
    caller = caller_at(at(2026, 11, 25, 10, 30), withheld)
    caller.call()
    caller.press("3")
    caller.press("0")
    assert caller.press("1").first("Dial") is not None
    reply = caller.dial_ends("no-answer")
    assert [*(prompt(key, "ro") for key in NO_CALLBACK), *main_menu("ro")] == reply.said
    gather = reply.first("Gather")
    assert gather is not None and "/voice/ro/main/key" == gather.get("action")


def test_a_withheld_number_at_the_consent_question_keeps_nothing(app: Flask,
                                                                 raw_store: redis.Redis) -> None:
    """A withheld number that still reaches "may we call you back?" (a call that began
    before this release) and presses 1 hears that it did not work; nothing is kept."""
    caller = callback_call(app)
    caller.number = "+266696687"
    reply = caller.press("1")
    assert [prompt("voice_callback_failed", "en"), *main_menu("en")] == reply.said
    assert not raw_store.keys("helpline:callback:*")


def test_a_callback_that_fails_in_any_way_says_so(app: Flask, monkeypatch: pytest.MonkeyPatch,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    """Keeping the request fails with something other than Redis being down (here a cluster's
    MOVED): the caller hears it did not work and stays in their language; the log names the
    error's type, never the number."""
    caller = callback_call(app)

    def moved(*args: object, **kwargs: object) -> None:
        raise redis.ResponseError("MOVED 3999 127.0.0.1:6381")

    monkeypatch.setattr(callbacks, "request", moved)
    reply = caller.press("1")
    assert [prompt("voice_callback_failed", "en"), *main_menu("en")] == reply.said
    gather = reply.first("Gather")
    assert gather is not None and "/voice/en/main/key" == gather.get("action")
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "ResponseError" in logged
    assert "87654321" not in logged and "MOVED" not in logged


def test_the_wipe_word_erases_a_callback_request(app: Flask, raw_store: redis.Redis) -> None:
    """The caller's number texting the wipe word erases their callback request too."""
    callback_call(app).press("1")
    assert personal_keys(raw_store, CALLER)
    Texter(app.test_client(), CALLER).send("WIPE")
    assert [] == kept_but_counts(raw_store, CALLER)
