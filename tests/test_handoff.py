"""The SMS hand-off: a texter and staff write through the helpline number, never seeing the
other's number; only staff numbers can use a reference; replies only within the window."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask

from helpline import engine, hours, simulate
from helpline.catalog import build_catalog
from helpline.content import ROOT
from helpline.handoff import ALPHABET, REF_LENGTH, Desk, Thread, for_staff, for_texter
from helpline.segments import measure
from helpline.sms_book import HANDOFF_EXPIRED
from helpline.stats import AMSTERDAM, read_day

from .conftest import OPEN_HOUR, FrozenClock, app_on, kept_but_counts, make_app, personal_keys
from .test_metrics import scrape, value
from .test_store import everything_kept
from .twilio_client import HELPLINE_NUMBER, Reply, Texter, parse_sms_sends, sms_params

PROJECT = Path(__file__).resolve().parent.parent
CATALOG = build_catalog(PROJECT / "content", PROJECT / "prompts")
CONTENT = CATALOG.content
NL, EN = ({**CONTENT.prompts[lang].text,
           # as sent: with the emergency number filled in
           "handoff_closed": CONTENT.prompts[lang].text["handoff_closed"].format(
               emergency=CONTENT.contacts.emergency)}
          for lang in ("nl", "en"))
STAFF = CONTENT.contacts.staff[0]
ANNA, BEN = "+31611112222", "+31633334444"
SECOND_STAFF = "+31655556666"
REF = re.compile(rf"\b[{ALPHABET}]{{{REF_LENGTH}}}\b")


@pytest.mark.parametrize("lang", sorted(CONTENT.languages))
def test_a_stopped_conversation_tells_the_texter_112_in_every_language(lang: str) -> None:
    """Whoever stopped it (staff, or the texter's 9), the texter reads 112 with the stop: the
    talk may have ended before they had the help they need."""
    told = CATALOG.sms.handoff_closed(lang).text
    assert f" {CONTENT.contacts.emergency}" in told.split("\n")[0]
    after_nine = CATALOG.sms.reply(lang, engine.Screen(engine.ROOT, notice="handoff_closed")).text
    assert f" {CONTENT.contacts.emergency}" in after_nine.split("\n")[0]


def ref_of(reply: Reply) -> str:
    """Return the reference staff were sent when a hand-off opened."""
    assert reply.sends, reply.xml
    found = REF.search(reply.sends[0][1])
    assert found is not None, reply.sends
    return found.group(0)


def open_handoff(texter: Texter, keyword: str = "HELPLINE") -> str:
    texter.send(keyword)
    return ref_of(texter.send("0"))


def two_staff(content_copy: Path, **config: Any) -> Flask:
    """The app with a second staff number on the list."""
    contacts = content_copy / "content" / "contacts.yaml"
    contacts.write_text(contacts.read_text().replace(
        "\nring:", f'\n  - number: "{SECOND_STAFF}"\nring:'))
    return app_on(content_copy, **config)


def test_a_whole_conversation(app: Flask, raw_store: redis.Redis) -> None:
    """Ask, write, get answers from the helpline number, stop: staff and texter never see the
    other's number, and nothing is left behind."""
    anna, staff = Texter(app.test_client(), ANNA), Texter(app.test_client(), STAFF)
    anna.send("HELPLINE")
    opened = anna.send("0")
    assert EN["handoff_opened"].format(minutes=30) == opened.text
    ref = ref_of(opened)
    expected = NL["staff_new"].format(ref=ref, language="Engels", close="KLAAR")
    assert ((STAFF, expected),) == opened.sends
    question = anna.send("My boss keeps my passport")
    assert question.text is None
    assert ((STAFF, f"{ref} Engels: My boss keeps my passport"),) == question.sends
    answer = staff.send(f"{ref.lower()} You can go to the police. Are you safe now?")
    assert answer.text is None
    assert ((ANNA, "You can go to the police. Are you safe now?"),) == answer.sends
    assert ((STAFF, f"{ref} Engels: yes"),) == anna.send("yes").sends
    closed = staff.send(f"{ref} klaar")
    assert NL["staff_closed"].format(ref=ref) == closed.text
    assert ((ANNA, f"{EN['handoff_closed']}\n0 {EN['person']}\n9 {EN['main_menu']}"),) == (
        closed.sends)
    assert not raw_store.keys("helpline:thread:*")
    assert not raw_store.keys("helpline:handoff:*")
    # Stopped: Anna's texts are the menu's again, and her reference is no longer open.
    assert anna.send("9").text is not None
    assert NL["staff_not_open"].format(ref=ref) == staff.send(f"{ref} are you there?").text
    figures = read_day(app.extensions["helpline.store"], dt.datetime.now(AMSTERDAM).date())
    assert 1 == figures["sms.handoff.opened|lang=en"]
    assert 2 == figures["sms.handoff.message|lang=en"]


@pytest.mark.parametrize("nine", ["9", " 9. ", "９", "9!"])
def test_the_texter_stops_with_9(app: Flask, nine: str) -> None:
    """9 stops the hand-off, also typed "9." or with a full-width digit (as the menus read
    it): the texter gets the main menu, staff are told."""
    anna = Texter(app.test_client(), ANNA)
    ref = open_handoff(anna, "HULP")
    stop = anna.send(nine)
    assert stop.text is not None and stop.text.startswith(NL["handoff_closed"] + "\nHoofdmenu")
    assert ((STAFF, NL["staff_closed"].format(ref=ref)),) == stop.sends
    assert stop.text.startswith(NL["handoff_closed"]) and stop.measure.segments <= 2


def test_a_question_at_the_person_screen_reaches_staff_with_the_reference(app: Flask) -> None:
    """Asking out of hours and writing again in hours: the question itself goes to staff."""
    app.config["HELPLINE_CLOCK"] = clock = FrozenClock(OPEN_HOUR.replace(hour=8))
    anna = Texter(app.test_client(), ANNA)
    anna.send("HULP")
    closed = anna.send("0")
    assert closed.sends == ()
    assert closed.text is not None and closed.text.startswith(
        f"{NL['person_closed']} {NL['hours']}\nWil je met iemand praten?")
    clock.advance(hours=2)
    reply = anna.send("Ik moet weg hier")
    assert NL["handoff_opened"].format(minutes=30) == reply.text
    ref = ref_of(reply)
    assert (STAFF, f"{ref} Nederlands: Ik moet weg hier") == reply.sends[1]


def test_out_of_hours_the_texter_hears_when_and_112(app: Flask, raw_store: redis.Redis) -> None:
    """Outside opening hours no hand-off opens: the texter reads the hours and 112."""
    app.config["HELPLINE_CLOCK"] = FrozenClock(OPEN_HOUR.replace(day=29))  # a Sunday
    anna = Texter(app.test_client(), ANNA)
    anna.send("HELPLINE")
    reply = anna.send("0")
    assert reply.sends == ()
    assert reply.text is not None and EN["hours"] in reply.text and "112" in reply.text
    assert reply.measure.segments <= 2
    assert not raw_store.keys("helpline:thread:*")
    figures = read_day(app.extensions["helpline.store"], dt.datetime.now(AMSTERDAM).date())
    assert 1 == figures["sms.person_closed|lang=en"]


def test_a_valid_reference_from_another_number_gets_nothing_and_learns_nothing(app: Flask) -> None:
    """Someone not on the staff list who sends a live reference is treated like any texter:
    the same reply as to any unknown text, and nothing reaches the texter or staff."""
    anna = Texter(app.test_client(), ANNA)
    ref = open_handoff(anna)
    stranger = Texter(app.test_client(), BEN).send(f"{ref} Hello, where are you?")
    unknown = Texter(app.test_client(), "+31677778888").send("ZQZQZ Hello, where are you?")
    assert unknown.text == stranger.text
    assert stranger.sends == ()
    assert ((STAFF, f"{ref} Engels: still here"),) == anna.send("still here").sends


def test_a_late_reply_is_not_delivered_and_staff_are_told_why(app: Flask) -> None:
    """After 30 silent minutes a staff reply is not sent; once the texter writes, it is."""
    app.config["HELPLINE_CLOCK"] = clock = FrozenClock()
    anna, staff = Texter(app.test_client(), ANNA), Texter(app.test_client(), STAFF)
    ref = open_handoff(anna)
    clock.advance(minutes=30)
    assert ((ANNA, "Just in time"),) == staff.send(f"{ref} Just in time").sends
    clock.advance(minutes=30, seconds=1)
    late = staff.send(f"{ref} Are you still there?")
    assert late.sends == ()
    assert NL["staff_late"].format(ref=ref, minutes=30) == late.text
    assert late.text is not None and late.measure.segments <= 2
    assert staff.send(f"{ref} KLAAR").sends == ()  # stopping late tells the texter nothing
    ref = open_handoff(anna)
    clock.advance(minutes=45)
    anna.send("back again")
    assert ((ANNA, "Welcome back"),) == staff.send(f"{ref} Welcome back").sends


def test_the_window_is_configurable() -> None:
    """HELPLINE_HANDOFF_WINDOW sets the minutes staff may answer after the texter's last text."""
    clock = FrozenClock()
    app = make_app(HELPLINE_CLOCK=clock, HELPLINE_HANDOFF_WINDOW=300)
    anna, staff = Texter(app.test_client(), ANNA), Texter(app.test_client(), STAFF)
    ref = open_handoff(anna)
    clock.advance(minutes=6)
    assert NL["staff_late"].format(ref=ref, minutes=5) == staff.send(f"{ref} Hi").text


def test_a_window_that_is_not_whole_minutes_is_told_rounded_up() -> None:
    """A window of 90 seconds is told as 2 minutes to the texter and to staff: never fewer
    minutes than staff really have (under a minute, never "0 min")."""
    clock = FrozenClock()
    app = make_app(HELPLINE_CLOCK=clock, HELPLINE_HANDOFF_WINDOW=90)
    anna, staff = Texter(app.test_client(), ANNA), Texter(app.test_client(), STAFF)
    anna.send("HELPLINE")
    opened = anna.send("0")
    assert EN["handoff_opened"].format(minutes=2) == opened.text
    clock.advance(minutes=2)
    assert NL["staff_late"].format(ref=ref_of(opened), minutes=2) == staff.send(
        f"{ref_of(opened)} Hi").text


def test_two_handoffs_at_once_keep_their_threads_apart(app: Flask) -> None:
    """Two texters, two references: each reply reaches only its own texter."""
    anna, ben = Texter(app.test_client(), ANNA), Texter(app.test_client(), BEN)
    staff = Texter(app.test_client(), STAFF)
    ref_anna, ref_ben = open_handoff(anna), open_handoff(ben, "HULP")
    assert ref_anna != ref_ben
    assert ((STAFF, f"{ref_ben} Nederlands: hallo"),) == ben.send("hallo").sends
    assert ((STAFF, f"{ref_anna} Engels: hello"),) == anna.send("hello").sends
    assert ((BEN, "Voor Ben"),) == staff.send(f"{ref_ben} Voor Ben").sends
    assert ((ANNA, "For Anna"),) == staff.send(f"{ref_anna} For Anna").sends


def test_the_first_staff_member_to_answer_takes_the_conversation(content_copy: Path) -> None:
    """With two staff numbers both are told; the first to answer gets the texter's next texts,
    and a colleague's reply is refused with a note."""
    app = two_staff(content_copy)
    anna = Texter(app.test_client(), ANNA)
    first, second = Texter(app.test_client(), STAFF), Texter(app.test_client(), SECOND_STAFF)
    anna.send("HELPLINE")
    opened = anna.send("0")
    ref = ref_of(opened)
    assert [STAFF, SECOND_STAFF] == [to for to, _ in opened.sends]
    assert [STAFF, SECOND_STAFF] == [to for to, _ in anna.send("help").sends]
    assert ((ANNA, "I am here"),) == second.send(f"{ref} I am here").sends
    assert ((SECOND_STAFF, f"{ref} Engels: thanks"),) == anna.send("thanks").sends
    taken = first.send(f"{ref} Hello?")
    assert NL["staff_taken"].format(ref=ref) == taken.text and taken.sends == ()


def test_staff_can_still_use_the_menus(app: Flask) -> None:
    """A staff phone that texts a keyword (no reference) gets the menu like anyone."""
    reply = Texter(app.test_client(), STAFF).send("HULP")
    assert reply.text is not None and reply.text.startswith("Hulplijn mensenhandel.")


def hand_off_keys(store: redis.Redis) -> list[str]:
    """Every key of a hand-off: threads, texters' pointers to them, notes of their expiry."""
    return sorted(key for pattern in ("thread", "handoff", "handoff-expiry")
                  for key in store.keys(f"helpline:{pattern}:*"))


def cross(monkeypatch: pytest.MonkeyPatch, method: str,
          meanwhile: Callable[[], Reply]) -> list[Reply]:
    """Make the next call of ``Desk.<method>`` (a request's write of a hand-off it read) run
    ``meanwhile`` first (another request, as if it came at that very moment); return what
    that request got, once it has run. Only the first call crosses."""
    original, crossed = getattr(Desk, method), []

    def crossing(desk: Desk, *args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(Desk, method, original)
        crossed.append(meanwhile())
        return original(desk, *args, **kwargs)

    monkeypatch.setattr(Desk, method, crossing)
    return crossed


@pytest.mark.parametrize("stop", ["9", "WIPE"])
def test_a_staff_reply_that_crosses_the_texters_stop_is_not_sent(
        app: Flask, raw_store: redis.Redis, monkeypatch: pytest.MonkeyPatch, stop: str) -> None:
    """The texter stops (or wipes) while a staff reply is on its way, between its reading of
    the hand-off and its writing: the reply is not sent, staff learn the conversation is not
    open, and the hand-off does not come back (with her encrypted number, answerable again)."""
    anna, staff = Texter(app.test_client(), ANNA), Texter(app.test_client(), STAFF)
    ref = open_handoff(anna)
    cross(monkeypatch, "claim", lambda: anna.send(stop))
    reply = staff.send(f"{ref} Are you safe?")
    assert (NL["staff_not_open"].format(ref=ref), ()) == (reply.text, reply.sends)
    assert [] == hand_off_keys(raw_store)


def test_a_text_that_crosses_staffs_stop_reaches_staff_and_the_stop_stays(
        app: Flask, raw_store: redis.Redis, monkeypatch: pytest.MonkeyPatch) -> None:
    """Staff stop the conversation (KLAAR) while the texter's "thanks" is on its way: her text
    still reaches staff (a text to a person is never dropped unread), and the conversation
    stays stopped for both: no staff reply reaches her, her next text is the menus'."""
    anna, staff = Texter(app.test_client(), ANNA), Texter(app.test_client(), STAFF)
    ref = open_handoff(anna)
    staff.send(f"{ref} Hello, how can we help?")
    crossed = cross(monkeypatch, "texter_wrote", lambda: staff.send(f"{ref} KLAAR"))
    assert ((STAFF, f"{ref} Engels: thanks"),) == anna.send("thanks").sends
    assert [NL["staff_closed"].format(ref=ref)] == [reply.text for reply in crossed]
    assert [] == hand_off_keys(raw_store)
    assert NL["staff_not_open"].format(ref=ref) == staff.send(f"{ref} Still there?").text
    assert () == anna.send("one more thing").sends


def test_two_zeros_sent_at_once_open_one_hand_off(app: Flask, raw_store: redis.Redis,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A phone that sends a queued "0" twice at once: one hand-off opens, not two (staff would
    get two references, and the one her pointer does not name would outlive the wipe word)."""
    anna = Texter(app.test_client(), ANNA)
    anna.send("HELPLINE")
    opening = Desk.open

    def slow_open(desk: Desk, *args: Any) -> Thread:
        time.sleep(0.2)  # the first "0" is still being answered when the second arrives
        return opening(desk, *args)

    monkeypatch.setattr(Desk, "open", slow_open)
    first = threading.Thread(target=lambda: Texter(app.test_client(), ANNA).send("0"))
    first.start()
    time.sleep(0.05)
    anna.send("0")
    first.join()
    assert 1 == len(raw_store.keys("helpline:thread:*"))
    anna.send("WIPE")
    assert [] == hand_off_keys(raw_store)


def test_a_staff_reply_never_keeps_a_hand_off_longer_than_the_pointer_to_it(
        app: Flask, raw_store: redis.Redis) -> None:
    """The thread (her encrypted number) must never outlive the texter's pointer to it: the
    wipe word and `forget` find it only through the pointer. A staff reply late in the
    thread's life leaves it the life it has, and then the wipe word erases it."""
    anna, staff = Texter(app.test_client(), ANNA), Texter(app.test_client(), STAFF)
    ref = open_handoff(anna)
    thread, [pointer] = f"helpline:thread:{ref}", raw_store.keys("helpline:handoff:*")
    for key in (thread, pointer):
        raw_store.expire(key, 100)  # as if most of their life had gone by since she wrote
    assert ((ANNA, "Are you safe?"),) == staff.send(f"{ref} Are you safe?").sends
    assert 0 < raw_store.ttl(thread) <= raw_store.ttl(pointer) <= 100
    anna.send("WIPE")
    assert [] == hand_off_keys(raw_store)


@pytest.fixture
def two_staff_app(content_copy: Path, store_kind: str, request: pytest.FixtureRequest) -> Flask:
    """The app with a second staff number on the list, on either store (as ``app``)."""
    config: dict[str, Any] = {}
    if store_kind == "redis":
        server = request.getfixturevalue("redis_server")
        redis.Redis.from_url(server.url).flushdb()
        config["REDIS_URL"] = server.url
    return two_staff(content_copy, **config)


def test_two_staff_answering_at_once_only_the_first_reaches_her(
        two_staff_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both staff members answer a new hand-off at the same moment: each reads it unanswered,
    and the colleague's reply is taken first. Only that reply reaches the texter; the other
    is told a colleague answers (nothing of it reaches her), and her next text goes to the
    colleague alone."""
    app = two_staff_app
    anna = Texter(app.test_client(), ANNA)
    first, second = Texter(app.test_client(), STAFF), Texter(app.test_client(), SECOND_STAFF)
    ref = open_handoff(anna)
    crossed = cross(monkeypatch, "claim", lambda: second.send(f"{ref} I am here, Anna"))
    refused = first.send(f"{ref} Hello, how can we help?")
    assert [((ANNA, "I am here, Anna"),)] == [reply.sends for reply in crossed]
    assert (NL["staff_taken"].format(ref=ref), ()) == (refused.text, refused.sends)
    assert ((SECOND_STAFF, f"{ref} Engels: thanks"),) == anna.send("thanks").sends


def test_a_text_that_crosses_the_first_staff_reply_keeps_who_answers(
        two_staff_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """The texter's text is on its way (read: nobody answers yet) when a staff member's first
    reply is taken: her text reaches every staff number (it was sent before she had an
    answer), the reply reaches her, and from then on her texts go to that staff member alone;
    a colleague's reply is told someone answers."""
    app = two_staff_app
    anna = Texter(app.test_client(), ANNA)
    first, second = Texter(app.test_client(), STAFF), Texter(app.test_client(), SECOND_STAFF)
    ref = open_handoff(anna)
    crossed = cross(monkeypatch, "texter_wrote", lambda: second.send(f"{ref} I am here, Anna"))
    assert [STAFF, SECOND_STAFF] == [to for to, _ in anna.send("is anyone there?").sends]
    assert [((ANNA, "I am here, Anna"),)] == [reply.sends for reply in crossed]
    assert ((SECOND_STAFF, f"{ref} Engels: thanks"),) == anna.send("thanks").sends
    taken = first.send(f"{ref} Hello?")
    assert (NL["staff_taken"].format(ref=ref), ()) == (taken.text, taken.sends)


def test_a_staff_reply_that_crosses_a_text_keeps_her_time(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Staff answer 20 minutes after the texter asked, just as she writes again: her text
    reaches staff, and the window runs from it, not from her first text. A reply 25 minutes
    after that text still reaches her (45 minutes after the first, past the 30 of the window
    had her text been forgotten)."""
    app.config["HELPLINE_CLOCK"] = clock = FrozenClock()
    anna, staff = Texter(app.test_client(), ANNA), Texter(app.test_client(), STAFF)
    ref = open_handoff(anna)
    clock.advance(minutes=20)
    crossed = cross(monkeypatch, "claim", lambda: anna.send("are you there?"))
    assert ((ANNA, "Yes, I am here"),) == staff.send(f"{ref} Yes, I am here").sends
    assert [((STAFF, f"{ref} Engels: are you there?"),)] == [reply.sends for reply in crossed]
    clock.advance(minutes=25)
    later = staff.send(f"{ref} Where are you now?")
    assert (None, ((ANNA, "Where are you now?"),)) == (later.text, later.sends)


def test_a_stop_unseen_that_crosses_her_wipe_keeps_nothing_of_her(
        app: Flask, raw_store: redis.Redis, monkeypatch: pytest.MonkeyPatch) -> None:
    """Staff stop a conversation she can no longer be told of (past the window) just as she
    sends the wipe word: everything of hers is erased, and stays erased. No note of the stop
    is left behind for her next text (it would outlive her wipe, under her number's key),
    and her next text is the menus', telling her nothing of a stop."""
    app.config["HELPLINE_CLOCK"] = clock = FrozenClock()
    anna, staff = Texter(app.test_client(), ANNA), Texter(app.test_client(), STAFF)
    ref = open_handoff(anna)
    clock.advance(minutes=40)
    crossed = cross(monkeypatch, "close_unseen", lambda: anna.send("WIPE"))
    stopped = staff.send(f"{ref} KLAAR")
    assert (NL["staff_closed"].format(ref=ref), ()) == (stopped.text, stopped.sends)
    assert [((STAFF, NL["staff_closed"].format(ref=ref)),)] == [reply.sends for reply in crossed]
    assert [] == kept_but_counts(raw_store, ANNA) and [] == hand_off_keys(raw_store)
    after = anna.send("I am in Tilburg")
    assert after.sends == () and after.text != CLOSED_TEXT


def test_wipe_and_stop_erase_the_handoff_and_tell_staff(app: Flask, raw_store: redis.Redis) -> None:
    """The wipe word (and STOP) erase the thread with the number; staff learn it stopped."""
    anna = Texter(app.test_client(), ANNA)
    ref = open_handoff(anna)
    assert raw_store.keys("helpline:thread:*")
    wiped = anna.send("WIPE")
    assert wiped.text is not None and wiped.text.startswith("Everything we kept")
    assert ((STAFF, NL["staff_closed"].format(ref=ref)),) == wiped.sends
    assert [] == kept_but_counts(raw_store, ANNA)
    assert not raw_store.keys("helpline:thread:*")
    ref = open_handoff(anna)
    stop = anna.send("STOP")
    assert stop.text is None and ((STAFF, NL["staff_closed"].format(ref=ref)),) == stop.sends
    assert [] == kept_but_counts(raw_store, ANNA) and not raw_store.keys("helpline:thread:*")


def test_everything_kept_has_a_ttl_and_no_number(app: Flask, raw_store: redis.Redis) -> None:
    """Thread and pointer expire (24 hours after the texter's last text) and hold no number:
    not the texter's, not the staff member's, not in any key or value."""
    anna, staff = Texter(app.test_client(), ANNA), Texter(app.test_client(), STAFF)
    ref = open_handoff(anna)
    anna.send("my secret question")
    staff.send(f"{ref} an answer")
    for key in raw_store.keys("*"):
        assert raw_store.ttl(key) > 0, key
    [thread] = raw_store.keys("helpline:thread:*")
    assert 24 * 3600 - 10 <= raw_store.ttl(thread) <= 24 * 3600
    dump = " ".join(f"{k} {v}" for k, v in everything_kept(raw_store).items())
    for digits in ("11112222", "611112222", "00000001", "000000001"):
        assert digits not in dump
    assert "secret" not in dump and "answer" not in dump


def test_no_number_in_any_log_line(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    """A whole hand-off (with a late reply, a stranger, a wipe) logs no number and no text."""
    caplog.set_level(logging.DEBUG)
    app.config["HELPLINE_CLOCK"] = clock = FrozenClock()
    anna, staff = Texter(app.test_client(), ANNA), Texter(app.test_client(), STAFF)
    ref = open_handoff(anna)
    anna.send("my secret question")
    staff.send(f"{ref} a private answer")
    Texter(app.test_client(), BEN).send(f"{ref} hello")
    clock.advance(hours=1)
    staff.send(f"{ref} too late")
    anna.send("WIPE")
    assert caplog.records
    for record in caplog.records:
        line = record.getMessage() + str(record.exc_info or "")
        for secret in ("11112222", "33334444", "00000001", "secret", "private"):
            assert secret not in line, line


# --- the cap on SMS sent per minute ----------------------------------------------------------

def sent_this_minute(store: redis.Redis) -> int:
    """Return the SMS counted against the minute's cap (every minute's counter, added up)."""
    return sum(int(store.get(key) or 0) for key in store.keys("helpline:replies:*"))


def messages_in(reply: Reply) -> int:
    """Return how many SMS Twilio sends for this TwiML: one per <Message>."""
    return len(ET.fromstring(reply.xml).findall("Message"))


def test_every_message_sent_counts_against_the_minute_cap(app: Flask,
                                                          raw_store: redis.Redis) -> None:
    """The counter grows by every <Message> sent, the copies of a hand-off included: to staff
    when it opens, each text passed on, a staff reply, both sides told when it ends."""
    anna, staff = Texter(app.test_client(), ANNA), Texter(app.test_client(), STAFF)
    sent = []
    for who, body in ((anna, "HELPLINE"), (anna, "0"), (anna, "Where can I sleep?")):
        before = sent_this_minute(raw_store)
        reply = who.send(body)
        sent.append((messages_in(reply), sent_this_minute(raw_store) - before))
    ref = ref_of_thread(raw_store)
    for who, body in ((staff, f"{ref} At a shelter."), (anna, "thanks"), (staff, f"{ref} KLAAR"),
                      (anna, "WIPE")):
        before = sent_this_minute(raw_store)
        reply = who.send(body)
        sent.append((messages_in(reply), sent_this_minute(raw_store) - before))
    assert [(1, 1), (2, 2), (1, 1), (1, 1), (1, 1), (2, 2), (1, 1)] == sent
    # The counter is the minute's alone: nothing about a number in its name or value.
    for key in raw_store.keys("helpline:replies:*"):
        assert re.fullmatch(r"helpline:replies:\d+", key), key
        assert 120 - 5 <= raw_store.ttl(key) <= 120


def ref_of_thread(store: redis.Redis) -> str:
    [key] = store.keys("helpline:thread:*")
    return str(key).rsplit(":", 1)[1]


def test_a_handoff_opening_with_two_staff_numbers_counts_three(content_copy: Path) -> None:
    """Opening a hand-off sends three SMS with two staff numbers (the texter's, one to each);
    before anyone answers, each text of the texter is two (one to each); a wipe, two."""
    app = two_staff(content_copy)
    store = app.extensions["helpline.store"].client
    anna = Texter(app.test_client(), ANNA)
    anna.send("HELPLINE")
    before = sent_this_minute(store)
    assert 3 == messages_in(anna.send("0")) == sent_this_minute(store) - before
    before = sent_this_minute(store)
    assert 2 == messages_in(anna.send("help")) == sent_this_minute(store) - before
    before = sent_this_minute(store)
    assert 3 == messages_in(anna.send("WIPE")) == sent_this_minute(store) - before


def test_a_question_that_opens_a_handoff_counts_every_copy(content_copy: Path) -> None:
    """A question at the person screen opens a hand-off with the news and the question to
    each of two staff numbers, and the texter's reply: five SMS."""
    clock = FrozenClock(OPEN_HOUR.replace(hour=8))
    app = two_staff(content_copy, HELPLINE_CLOCK=clock)
    store = app.extensions["helpline.store"].client
    anna = Texter(app.test_client(), ANNA)
    anna.send("HULP")
    anna.send("0")  # closed: the person screen, waiting for a question
    clock.advance(hours=2)
    before = sent_this_minute(store)
    opened = anna.send("Ik moet weg hier")
    assert NL["handoff_opened"].format(minutes=30) == opened.text
    assert 5 == messages_in(opened) == sent_this_minute(store) - before


def test_at_the_cap_a_texters_handoff_message_is_refused_and_counted(
        caplog: pytest.LogCaptureFixture) -> None:
    """With the minute's SMS used up, a texter's text in a hand-off is not passed on to staff
    (<Response/>), the refusal is a figure and a metric, and the log names nobody."""
    caplog.set_level(logging.DEBUG)
    app = make_app(HELPLINE_SMS_REPLIES_PER_MINUTE=3)  # HELPLINE and 0: 1 + 2
    store = app.extensions["helpline.store"].client
    anna = Texter(app.test_client(), ANNA)
    open_handoff(anna)
    assert 3 == sent_this_minute(store)
    name, labels = "helpline_rate_limited_total", {"channel": "sms", "limit": "replies"}
    before = value(scrape(app), name, **labels)
    refused = anna.send("my boss keeps my passport")
    assert refused.xml.endswith("<Response />") and refused.sends == ()
    assert 3 == sent_this_minute(store)
    assert 1 == value(scrape(app), name, **labels) - before
    figures = read_day(app.extensions["helpline.store"], dt.datetime.now(AMSTERDAM).date())
    assert 1 == figures["sms.reply_capped|lang=en"]
    assert "sms.handoff.message|lang=en" not in figures
    assert any("cap reached" in r.getMessage() for r in caplog.records)
    for record in caplog.records:
        line = record.getMessage() + str(record.exc_info or "")
        for secret in ("11112222", "00000001", "boss", "passport"):
            assert secret not in line, line


def test_a_handoff_that_does_not_fit_is_not_opened_at_all(content_copy: Path) -> None:
    """With two staff numbers and room for two SMS, asking for a person sends nothing rather
    than half a hand-off: no staff member hears of it, nothing is opened. The next minute it
    opens."""
    clock = FrozenClock()
    app = two_staff(content_copy, HELPLINE_SMS_REPLIES_PER_MINUTE=3, HELPLINE_CLOCK=clock)
    store = app.extensions["helpline.store"].client
    anna = Texter(app.test_client(), ANNA)
    anna.send("HELPLINE")
    refused = anna.send("0")
    assert refused.text is None and refused.sends == ()
    assert not store.keys("helpline:thread:*")
    assert 1 == sent_this_minute(store)
    clock.advance(minutes=1)
    opened = anna.send("0")
    assert EN["handoff_opened"].format(minutes=30) == opened.text
    assert [STAFF, SECOND_STAFF] == [to for to, _ in opened.sends]


def test_at_the_cap_staff_replies_still_reach_the_texter_and_count() -> None:
    """A staff member's reply is never dropped by the cap (staff would believe it arrived);
    it is counted, so texters' messages wait for the next minute."""
    app = make_app(HELPLINE_SMS_REPLIES_PER_MINUTE=4)
    store = app.extensions["helpline.store"].client
    anna, staff = Texter(app.test_client(), ANNA), Texter(app.test_client(), STAFF)
    ref = open_handoff(anna)
    assert 1 == len(anna.send("are you there?").sends)
    assert 4 == sent_this_minute(store)
    assert ((ANNA, "Yes, I am here."),) == staff.send(f"{ref} Yes, I am here.").sends
    assert 5 == sent_this_minute(store)
    assert anna.send("good").sends == ()


def test_at_the_cap_stop_and_9_still_end_the_handoff() -> None:
    """What a texter ends ends even when its messages do not fit: STOP and 9 close the
    hand-off and send nothing."""
    app = make_app(HELPLINE_SMS_REPLIES_PER_MINUTE=3)
    store = app.extensions["helpline.store"].client
    anna, ben = Texter(app.test_client(), ANNA), Texter(app.test_client(), BEN)
    open_handoff(anna)
    stop = anna.send("STOP")
    assert stop.xml.endswith("<Response />")
    assert not store.keys("helpline:thread:*") and [] == kept_but_counts(store, ANNA)
    app.config["HELPLINE_SMS_REPLIES_PER_MINUTE"] = 6
    open_handoff(ben, "HULP")
    assert ben.send("9").xml.endswith("<Response />")
    assert not store.keys("helpline:thread:*")
    assert 6 == sent_this_minute(store)


def test_a_simulated_texter_sees_a_hand_off_but_none_is_opened(app: Flask,
                                                                raw_store: redis.Redis) -> None:
    """Staff trying the helpline in a simulator see what a texter asking for a person would
    see, but no hand-off is kept (nobody could answer it), the texter's next text is a menu's,
    and nothing counts against the minute's SMS cap: nothing is sent."""
    with app.app_context():
        simulate.post("/sms", sms_params(ANNA, "HELPLINE"))
        opened = parse_sms_sends(simulate.post("/sms", sms_params(ANNA, "0"))[1])
        later = parse_sms_sends(simulate.post("/sms", sms_params(ANNA, "9"))[1])
    assert EN["handoff_opened"].format(minutes=30) == opened[0]
    assert not raw_store.keys("helpline:thread:*")
    assert not raw_store.keys("helpline:handoff:*")
    assert not raw_store.keys("helpline:replies:*")
    assert later[0] is not None and later[0] != EN["handoff_opened"].format(minutes=30) and not later[1]


def test_a_simulation_never_touches_a_real_hand_off(app: Flask) -> None:
    """A simulator given a staff number cannot answer or take over a real hand-off: the
    reference is not open for it; the real one goes on as before."""
    anna, staff = Texter(app.test_client(), ANNA), Texter(app.test_client(), STAFF)
    ref = open_handoff(anna)
    with app.app_context():
        reply = parse_sms_sends(simulate.post("/sms", sms_params(STAFF, f"{ref} hello"))[1])
    assert (NL["staff_not_open"].format(ref=ref), ()) == reply
    assert ((ANNA, "Are you safe?"),) == staff.send(f"{ref} Are you safe?").sends
    assert ((STAFF, f"{ref} Engels: yes"),) == anna.send("yes").sends


# --- out of hours, in an open hand-off --------------------------------------------------------

FRIDAY_LATE = dt.datetime(2026, 11, 27, 16, 55, tzinfo=AMSTERDAM)  # five minutes to closing


def closed_text(prompts: dict[str, str]) -> str:
    """The person screen out of hours: nobody there now, the hours, the helpline and 112."""
    person = prompts["person_sms"].format(helpline=CONTENT.contacts.helpline, emergency="112")
    return f"{prompts['person_closed']} {prompts['hours']}\n{person}\n9 {prompts['main_menu']}"


@pytest.mark.parametrize(("moment", "expected"), [
    (dt.datetime(2026, 11, 27, 18, 55, tzinfo=AMSTERDAM), "2026-11-30 09:00"),  # Friday night
    (dt.datetime(2026, 11, 28, 14, 55, tzinfo=AMSTERDAM), "2026-11-30 09:00"),  # Saturday
    (dt.datetime(2026, 11, 30, 7, 0, tzinfo=AMSTERDAM), "2026-11-30 09:00"),  # Monday morning
    (dt.datetime(2026, 11, 30, 10, 0, tzinfo=AMSTERDAM), "2026-11-30 10:00"),  # open: now
    (dt.datetime(2026, 12, 24, 17, 30, tzinfo=AMSTERDAM), "2026-12-28 09:00"),  # Christmas
])
def test_the_next_opening_names_the_closed_stretch(moment: dt.datetime, expected: str) -> None:
    """Friday night and Saturday are one closed stretch (the same next opening); public
    holidays are skipped."""
    assert expected == hours.next_opening(CONTENT.hours, moment)


def test_after_hours_the_texter_is_told_once_a_closed_stretch_and_staff_get_every_text(
        app: Flask) -> None:
    """A hand-off opened just before closing stays open. The texter's first text after
    closing still reaches staff, and the texter is told (in their language) that nobody is
    there now, when we are open, and 112; later texts in the same closed stretch only reach
    staff. In opening hours nothing is added; after the next closing they are told again."""
    app.config["HELPLINE_CLOCK"] = clock = FrozenClock(FRIDAY_LATE)
    anna = Texter(app.test_client(), ANNA)
    ref = open_handoff(anna, "HULP")
    clock.advance(hours=2)  # Friday 18:55
    evening = anna.send("Hij komt vanavond terug, wat moet ik doen?")
    assert closed_text(NL) == evening.text and evening.measure.segments <= 2
    assert ((STAFF, f"{ref} Nederlands: Hij komt vanavond terug, wat moet ik doen?"),) == (
        evening.sends)
    clock.advance(hours=20)  # Saturday 14:55
    saturday = anna.send("alsjeblieft")
    assert saturday.text is None
    assert ((STAFF, f"{ref} Nederlands: alsjeblieft"),) == saturday.sends
    clock.advance(hours=23)  # Sunday 13:55
    assert anna.send("hallo?").text is None
    clock.advance(hours=20, minutes=5)  # Monday 10:00: open
    monday = anna.send("goedemorgen")
    assert monday.text is None and ((STAFF, f"{ref} Nederlands: goedemorgen"),) == monday.sends
    clock.advance(hours=8)  # Monday 18:00: the next closed stretch
    assert closed_text(NL) == anna.send("nog steeds hier").text


def test_after_hours_the_notice_and_the_texts_passed_on_are_all_or_nothing() -> None:
    """At the minute's cap a text that would go to staff with the closed notice goes nowhere,
    and the notice is still owed: when both fit, both go out, and count two."""
    clock = FrozenClock(FRIDAY_LATE)
    app = make_app(HELPLINE_CLOCK=clock)
    store = app.extensions["helpline.store"].client
    anna = Texter(app.test_client(), ANNA)
    ref = open_handoff(anna)
    clock.advance(minutes=5, seconds=1)  # 17:00: closed
    app.config["HELPLINE_SMS_REPLIES_PER_MINUTE"] = 1  # room for the text to staff alone
    before = sent_this_minute(store)
    refused = anna.send("are you there?")
    assert refused.xml.endswith("<Response />")
    assert before == sent_this_minute(store)
    clock.advance(minutes=1)
    app.config["HELPLINE_SMS_REPLIES_PER_MINUTE"] = 2
    before = sent_this_minute(store)
    told = anna.send("are you there?")
    assert closed_text(EN) == told.text
    assert ((STAFF, f"{ref} Engels: are you there?"),) == told.sends
    assert 2 == messages_in(told) == sent_this_minute(store) - before


# --- Twilio's 1,600 characters a message ------------------------------------------------------

def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


LONG_PL = ("Szef zabrał mi paszport. " * 64)[:1600]  # the longest text Twilio passes on


def test_a_text_of_1600_characters_reaches_staff_in_parts_twilio_accepts(app: Flask,
                                                                          raw_store: redis.Redis
                                                                          ) -> None:
    """With its "REF Pools: " in front a text of 1,600 characters would be longer than Twilio
    sends (and be refused): staff get it in two numbered parts, each within 1,600 and
    together the whole text, and both count against the minute's cap."""
    anna = Texter(app.test_client(), ANNA)
    ref = open_handoff(anna, "POMOC")
    before = sent_this_minute(raw_store)
    reply = anna.send(LONG_PL)
    assert [STAFF, STAFF] == [to for to, _ in reply.sends]
    first, second = (text for _, text in reply.sends)
    assert first.startswith(f"{ref} Pools (1/2): ") and second.startswith(f"{ref} Pools (2/2): ")
    assert all(utf16_units(text) <= 1600 for _, text in reply.sends)
    body = " ".join(text.split(": ", 1)[1] for _, text in reply.sends)
    assert LONG_PL.strip() == body
    assert 2 == messages_in(reply) == sent_this_minute(raw_store) - before


def test_a_long_question_that_opens_a_handoff_reaches_staff_in_parts(app: Flask,
                                                                      raw_store: redis.Redis
                                                                      ) -> None:
    """A question of 1,600 characters at the person screen opens a hand-off: the news and the
    question in two parts to staff, and the texter's reply, four SMS all within 1,600."""
    app.config["HELPLINE_CLOCK"] = clock = FrozenClock(OPEN_HOUR.replace(hour=8))
    anna = Texter(app.test_client(), ANNA)
    anna.send("POMOC")
    anna.send("0")  # closed: the person screen
    clock.advance(hours=2)
    before = sent_this_minute(raw_store)
    opened = anna.send(LONG_PL)
    ref = ref_of(opened)
    assert [f"{ref} Pools (1/2): ", f"{ref} Pools (2/2): "] == [
        text[:len(ref) + 14] for _, text in opened.sends[1:]]
    assert all(utf16_units(text) <= 1600 for _, text in opened.sends)
    assert 4 == messages_in(opened) == sent_this_minute(raw_store) - before


@pytest.mark.parametrize("text", [
    "x" * 1601,  # no space to cut at
    "😀" * 800 + "a",  # every emoji is two UTF-16 units
    ("słowo " * 600).strip(),
])
def test_every_part_fits_and_nothing_is_lost(text: str) -> None:
    """However a long text is made, each part is within 1,600 UTF-16 units and the parts
    hold every character of the text."""
    for parts in (for_staff("K7QX4", "Bulgaars", text), for_texter(text)):
        assert len(parts) >= 2
        assert all(utf16_units(part) <= 1600 for part in parts)
        body = [re.sub(r"^(K7QX4 Bulgaars )?\(\d+/\d+\):? ", "", part) for part in parts]
        assert text.replace(" ", "") == "".join(body).replace(" ", "")
    assert ("short",) == for_texter("short")
    assert ("K7QX4 Bulgaars: short",) == for_staff("K7QX4", "Bulgaars", "short")


# --- what staff write -------------------------------------------------------------------------

def test_a_reference_alone_tells_staff_nothing_was_sent(app: Flask) -> None:
    """Staff who send only the reference (the text forgotten) are told nothing was sent and to
    write the text after the code, not that the conversation is closed: it is still open."""
    anna, staff = Texter(app.test_client(), ANNA), Texter(app.test_client(), STAFF)
    ref = open_handoff(anna)
    for body in (ref, f"{ref.lower()}   "):
        empty = staff.send(body)
        assert NL["staff_empty"].format(ref=ref) == empty.text and empty.sends == ()
        assert empty.measure.segments <= 2
    assert "niets verstuurd" in NL["staff_empty"]
    assert ((ANNA, "Still here."),) == staff.send(f"{ref} Still here.").sends


@pytest.mark.parametrize("written", ["{ref}: Are you safe?", "{ref}, Are you safe?",
                                     "#{ref} Are you safe?", " {lower} ;Are you safe?",
                                     "{ref}:Are you safe?", "{ref}\nAre you safe?",
                                     "{ref}. Are you safe?", "{ref}：Are you safe?"])
def test_a_reply_with_punctuation_after_the_code_reaches_the_texter(app: Flask,
                                                                    written: str) -> None:
    """Staff who type the code as phones and habit have it ("RVTH6: ...", "#RVTH6 ...") reach
    the texter with their words, without the punctuation."""
    anna, staff = Texter(app.test_client(), ANNA), Texter(app.test_client(), STAFF)
    ref = open_handoff(anna)
    sent = staff.send(written.format(ref=ref, lower=ref.lower()))
    assert (None, ((ANNA, "Are you safe?"),)) == (sent.text, sent.sends)
    closed = staff.send(f"{ref}: klaar")
    assert NL["staff_closed"].format(ref=ref) == closed.text


def test_a_staff_reply_while_the_store_is_down_tells_staff_it_was_not_sent() -> None:
    """While Redis is unreachable no reply can go (the texter's number is kept there): staff
    read, in words for staff, that it was not sent and to send it again, not the texters'
    apology."""
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    reply = Texter(app.test_client(), STAFF).send("K7WX4: Are you safe?")
    assert (NL["staff_store_down"].format(ref="K7WX4"), ()) == (reply.text, reply.sends)
    assert "NIET verstuurd" in reply.text and reply.measure.segments == 1
    texter = Texter(app.test_client(), ANNA).send("K7WX4: hello").text
    assert texter is not None and "NIET verstuurd" not in texter  # a texter's is the apology


@pytest.mark.parametrize("smiley", [":) see you at 3", ";-) ok", ":-D"])
def test_a_staff_reply_that_starts_with_a_smiley_is_sent_whole(app: Flask, smiley: str) -> None:
    """A mark right after the code is a separator only before a word: "K7QX4 :) see you"
    sends the smiley whole, not ") see you"."""
    anna, staff = Texter(app.test_client(), ANNA), Texter(app.test_client(), STAFF)
    ref = open_handoff(anna)
    assert ((ANNA, smiley),) == staff.send(f"{ref} {smiley}").sends


def test_a_staff_phone_can_still_ask_for_a_person_with_a_question(app: Flask) -> None:
    """At the person screen a question asks for a person, from a staff phone too (staff try
    the hand-off from their own phones): not "not sent: start with the code"."""
    app.config["HELPLINE_CLOCK"] = FrozenClock(OPEN_HOUR.replace(hour=8))  # closed
    staff = Texter(app.test_client(), STAFF)
    staff.send("HULP")
    closed = staff.send("0").text
    assert closed is not None and closed.startswith(NL["person_closed"])
    asked = staff.send("Ik heb hulp nodig").text
    assert asked is not None and NL["person_closed"] in asked  # as anyone's would be


@pytest.mark.parametrize("written", ["Ref {ref} Are you safe?", "{ref}Are you safe?",
                                     "Are you safe?", "ok"])
def test_a_staff_reply_without_the_code_first_is_not_lost_silently(app: Flask,
                                                                    written: str) -> None:
    """A staff message that does not start with a code goes to nobody: staff are told so, and
    how to write it, instead of getting the texters' language menu as if they were one."""
    anna, staff = Texter(app.test_client(), ANNA), Texter(app.test_client(), STAFF)
    ref = open_handoff(anna)
    lost = staff.send(written.format(ref=ref))
    assert (NL["staff_no_ref"], ()) == (lost.text, lost.sends)
    assert "NIET verstuurd" in lost.text and lost.measure.segments <= 1
    assert Texter(app.test_client(), BEN).send("Are you safe?").text != NL["staff_no_ref"]
    assert staff.send("HULP").text.startswith("Hulplijn mensenhandel.")  # the menus still work


@pytest.mark.parametrize("close", ["klaar.", "KLAAR!", " klaar ", "Klaar!!", "„klaar”", "KLAAR ."])
def test_staff_close_with_any_case_punctuation_or_spaces(app: Flask, raw_store: redis.Redis,
                                                         close: str) -> None:
    """The close word closes whatever its case and the punctuation or spaces around it: the
    texter is told the conversation stopped, never sent "klaar."."""
    anna, staff = Texter(app.test_client(), ANNA), Texter(app.test_client(), STAFF)
    ref = open_handoff(anna)
    closed = staff.send(f"{ref}  {close}")
    assert NL["staff_closed"].format(ref=ref) == closed.text
    assert ((ANNA, f"{EN['handoff_closed']}\n0 {EN['person']}\n9 {EN['main_menu']}"),) == (
        closed.sends)
    assert not raw_store.keys("helpline:thread:*")


@pytest.mark.parametrize("question", ["Klaar?", "klaar ?", "KLAAR?!", "¿klaar?"])
def test_the_close_word_asked_as_a_question_is_passed_on(app: Flask, raw_store: redis.Redis,
                                                          question: str) -> None:
    """"Klaar?" ("Ready?", "Done?") is a question to the texter: she gets it as written, the
    conversation stays open and staff are not told it stopped."""
    anna, staff = Texter(app.test_client(), ANNA), Texter(app.test_client(), STAFF)
    ref = open_handoff(anna, "HULP")
    asked = staff.send(f"{ref} {question}")
    assert asked.text is None and ((ANNA, question),) == asked.sends
    assert raw_store.keys("helpline:thread:*")
    assert ((STAFF, f"{ref} Nederlands: ja"),) == anna.send("ja").sends


def test_a_reply_that_only_starts_with_the_close_word_is_passed_on(app: Flask) -> None:
    """Only the close word alone closes: a reply with more words is a reply."""
    anna, staff = Texter(app.test_client(), ANNA), Texter(app.test_client(), STAFF)
    ref = open_handoff(anna)
    assert ((ANNA, "Klaar. Bye."),) == staff.send(f"{ref} Klaar. Bye.").sends


def test_after_staff_stop_a_thank_you_opens_no_new_handoff(app: Flask,
                                                           raw_store: redis.Redis) -> None:
    """Staff stop the conversation and the texter is told; their "thank you" then gets the main
    menu, not a new hand-off with "thank you" as its question (ringing staff again). 0 still
    asks for a person."""
    anna, staff = Texter(app.test_client(), ANNA), Texter(app.test_client(), STAFF)
    ref = open_handoff(anna)
    assert staff.send(f"{ref} KLAAR").sends
    thanks = anna.send("thank you")
    assert () == thanks.sends
    assert thanks.text is not None and thanks.text.startswith(EN["welcome"])
    assert not raw_store.keys("helpline:thread:*")
    again = anna.send("0")
    assert again.sends and again.text is not None


@pytest.mark.parametrize(("keyword", "written", "received"), [
    ("HELPLINE", "It’s ok – you’re safe now…", "It's ok - you're safe now..."),
    ("POMOC", "Gdzie jesteś? Możemy pomóc.", "Gdzie jestes? Mozemy pomoc."),
    ("ПОМОЩ", "Къде си? Ще ти помогнем.", "Kade si? Shte ti pomognem."),
    ("AJUTOR", "Unde ești?\u00a0Te ajutăm.", "Unde esti? Te ajutam."),
])
def test_a_staff_reply_is_sent_in_the_texters_sms_alphabet(app: Flask, keyword: str,
                                                           written: str, received: str) -> None:
    """A staff reply is folded like the prepared texts for the texter's language (curly
    quotes, dashes, accents the language's SMS alphabet leaves out; Bulgarian in Latin
    letters), so one typographic apostrophe does not make it UCS-2 (70 characters a segment)."""
    anna, staff = Texter(app.test_client(), ANNA), Texter(app.test_client(), STAFF)
    ref = open_handoff(anna, keyword)
    [(to, text)] = staff.send(f"{ref} {written}").sends
    assert (ANNA, received) == (to, text)
    assert "GSM-7" == measure(text).encoding


@pytest.mark.parametrize("written", ["Stay safe 👍", "Ring 112 ✓", "Ask for Жанна"])
def test_a_staff_reply_folding_would_change_is_sent_as_written(app: Flask, written: str) -> None:
    """An emoji, a symbol or another script would be mangled by folding (":thumbsup:", "?"):
    such a reply reaches the texter exactly as staff wrote it."""
    anna, staff = Texter(app.test_client(), ANNA), Texter(app.test_client(), STAFF)
    ref = open_handoff(anna)
    assert ((ANNA, written),) == staff.send(f"{ref} {written}").sends


def test_a_staff_reply_longer_once_folded_still_fits_twilios_limit(app: Flask,
                                                                   raw_store: redis.Redis
                                                                   ) -> None:
    """Folding can lengthen a reply ("…" is "..."): one that no longer fits 1,600 characters
    reaches the texter in numbered parts, each counted."""
    anna, staff = Texter(app.test_client(), ANNA), Texter(app.test_client(), STAFF)
    ref = open_handoff(anna)
    before = sent_this_minute(raw_store)
    reply = staff.send(f"{ref} " + "Wait… " * 260)
    assert [ANNA, ANNA] == [to for to, _ in reply.sends]
    assert reply.sends[0][1].startswith("(1/2) Wait... ")
    assert reply.sends[1][1].startswith("(2/2) Wait... ")
    assert all(utf16_units(text) <= 1600 for _, text in reply.sends)
    assert 2 == messages_in(reply) == sent_this_minute(raw_store) - before


# --- what the texter is told when a hand-off opens --------------------------------------------

@pytest.mark.parametrize(("window", "minutes"), [(1800, "30"), (300, "5"), (3600, "60")])
def test_the_texter_is_told_to_write_again_after_the_window(window: int, minutes: str) -> None:
    """Staff can answer only within HELPLINE_HANDOFF_WINDOW of the texter's last text: the
    texter reads to write again if no answer came in that many minutes (the setting's, not
    a number in the texts), within 2 segments."""
    anna = Texter(make_app(HELPLINE_HANDOFF_WINDOW=window).test_client(), ANNA)
    anna.send("HELPLINE")
    opened = anna.send("0")
    assert opened.text is not None
    assert f"No answer within {minutes} min? Write again." in opened.text
    assert opened.text.endswith("Send 9 to stop.") and opened.measure.segments <= 2


@pytest.mark.parametrize("lang", sorted(CONTENT.languages))
def test_every_language_says_the_minutes_when_a_handoff_opens(lang: str) -> None:
    """Each language's hand-off news has the minutes filled in and fits 2 segments."""
    text = CATALOG.sms.handoff_opened(lang, 30)
    assert "30" in text and "{" not in text
    assert measure(text).segments <= 2


# --- photos -----------------------------------------------------------------------------------

PHOTO = {"NumMedia": "1", "MediaUrl0": "https://api.twilio.com/2010-04-01/Accounts/x/Media/y",
         "MediaContentType0": "image/jpeg"}


def test_a_photo_in_a_handoff_is_not_lost_silently(app: Flask, raw_store: redis.Redis) -> None:
    """A photo cannot be passed on: staff read that one came (not "?"), the texter reads, in
    their language, that photos cannot be passed on and to write instead; two SMS counted."""
    anna = Texter(app.test_client(), ANNA)
    ref = open_handoff(anna, "POMOC")
    before = sent_this_minute(raw_store)
    photo = anna.send("", **PHOTO)
    assert CATALOG.sms.handoff_no_photo("pl").text == photo.text
    assert "Nie mozemy przekazywac zdjec. Napisz to w wiadomosci." == photo.text
    assert ((STAFF, f"{ref} Pools: [foto niet doorgestuurd]"),) == photo.sends
    assert 2 == messages_in(photo) == sent_this_minute(raw_store) - before
    with_words = anna.send("to jest mój paszport", **PHOTO)
    assert ((STAFF, f"{ref} Pools: to jest mój paszport [foto niet doorgestuurd]"),) == (
        with_words.sends)
    assert photo.text == with_words.text


def test_a_photo_after_hours_gets_the_closed_notice_and_the_photo_notice(app: Flask) -> None:
    """Out of hours, the first text of the closed stretch is a photo: the texter gets the
    closed notice (with 112) and the photo notice, staff the note."""
    app.config["HELPLINE_CLOCK"] = clock = FrozenClock(FRIDAY_LATE)
    anna = Texter(app.test_client(), ANNA)
    ref = open_handoff(anna)
    clock.advance(hours=1)
    photo = anna.send("", **PHOTO)
    assert closed_text(EN) == photo.text
    assert {(ANNA, EN["handoff_no_photo"]), (STAFF, f"{ref} Engels: [foto niet doorgestuurd]")
            } == set(photo.sends)
    assert 3 == messages_in(photo)


def test_a_photo_that_opens_a_handoff_is_not_lost_silently(app: Flask,
                                                          raw_store: redis.Redis) -> None:
    """At the person screen in opening hours, a photo with words opens a hand-off: staff get
    the news and the words with the note that a photo was not passed on, the texter that
    someone will answer and, in her language, that photos cannot be passed on; all counted."""
    app.config["HELPLINE_CLOCK"] = clock = FrozenClock(OPEN_HOUR.replace(hour=8))
    anna = Texter(app.test_client(), ANNA)
    anna.send("POMOC")
    anna.send("0")  # before opening: the hours
    clock.advance(hours=2)
    before = sent_this_minute(raw_store)
    photo = anna.send("tu jestem", **PHOTO)
    assert CATALOG.sms.handoff_opened("pl", 30) == photo.text
    ref = ref_of(photo)
    assert ((STAFF, NL["staff_new"].format(ref=ref, language="Pools", close="KLAAR")),
            (STAFF, f"{ref} Pools: tu jestem [foto niet doorgestuurd]"),
            (ANNA, "Nie mozemy przekazywac zdjec. Napisz to w wiadomosci.")) == photo.sends
    assert (HELPLINE_NUMBER,) * 3 == photo.sent_from
    assert 4 == messages_in(photo) == sent_this_minute(raw_store) - before


def test_a_photo_alone_with_0_opens_a_handoff_and_staff_read_it_came(app: Flask) -> None:
    """0 with a photo: staff read that a photo came, the texter that it cannot be passed on."""
    anna = Texter(app.test_client(), ANNA)
    anna.send("HELPLINE")
    photo = anna.send("0", **PHOTO)
    ref = ref_of(photo)
    assert ((STAFF, NL["staff_new"].format(ref=ref, language="Engels", close="KLAAR")),
            (STAFF, f"{ref} Engels: [foto niet doorgestuurd]"),
            (ANNA, EN["handoff_no_photo"])) == photo.sends


def test_a_photo_that_would_open_a_handoff_over_the_cap_opens_nothing(content_copy: Path) -> None:
    """All or nothing: with room for the hand-off's messages but not the photo notice, no
    hand-off opens and nothing is sent. The next minute it opens, with all four."""
    clock = FrozenClock()
    app = app_on(content_copy, HELPLINE_SMS_REPLIES_PER_MINUTE=4, HELPLINE_CLOCK=clock)
    store = app.extensions["helpline.store"].client
    anna = Texter(app.test_client(), ANNA)
    anna.send("HELPLINE")  # 1 of 4
    photo = anna.send("0", **PHOTO)  # the reply, staff's news, the note, the notice: 4 more
    assert photo.text is None and photo.sends == ()
    assert not store.keys("helpline:thread:*")
    assert 1 == sent_this_minute(store)
    clock.advance(minutes=1)
    before = sent_this_minute(store)
    opened = anna.send("0", **PHOTO)
    assert opened.text is not None and 3 == len(opened.sends)
    assert 4 == messages_in(opened) == sent_this_minute(store) - before


def test_a_photo_for_a_person_out_of_hours_is_not_ignored_silently(app: Flask) -> None:
    """Out of hours no hand-off takes the photo: the texter reads when we are there, how to
    call and 112, and that we cannot see photos here; nothing goes to staff."""
    app.config["HELPLINE_CLOCK"] = FrozenClock(OPEN_HOUR.replace(hour=8))
    anna = Texter(app.test_client(), ANNA)
    anna.send("HELPLINE")
    photo = anna.send("0", **PHOTO)
    assert CATALOG.sms.reply("en", engine.Screen(engine.PERSON)).text == photo.text
    assert ((ANNA, CATALOG.sms.no_photo("en").text),) == photo.sends
    assert 2 == messages_in(photo)


@pytest.mark.parametrize("num_media", ["", "x", "-1", "9" * 5000, "１"])
def test_a_strange_num_media_is_no_photo(app: Flask, num_media: str) -> None:
    """Whatever NumMedia holds, the webhook answers; what is not a count is no photo."""
    anna = Texter(app.test_client(), ANNA)
    ref = open_handoff(anna)
    assert ((STAFF, f"{ref} Engels: hello"),) == anna.send("hello", NumMedia=num_media).sends


# --- staff stop a conversation the texter cannot be told of ------------------------------------

CLOSED_TEXT = f"{EN['handoff_closed']}\n0 {EN['person']}\n9 {EN['main_menu']}"


def stopped_unseen(app: Flask, raw_store: redis.Redis) -> tuple[Texter, Texter, str, FrozenClock]:
    """Anna asks for a person and writes; staff ask where she is; 40 minutes later (past the
    window, and past her menu session) staff stop the conversation. She is not told."""
    app.config["HELPLINE_CLOCK"] = clock = FrozenClock()
    anna, staff = Texter(app.test_client(), ANNA), Texter(app.test_client(), STAFF)
    ref = open_handoff(anna)
    anna.send("my boss took my passport")
    assert ((ANNA, "Where are you now?"),) == staff.send(f"{ref} Where are you now?").sends
    clock.advance(minutes=40)
    stopped = staff.send(f"{ref} KLAAR")
    assert NL["staff_closed"].format(ref=ref) == stopped.text and stopped.sends == ()
    for key in raw_store.keys("helpline:session:*"):  # her session's 30 minutes have run out
        raw_store.delete(key)
    return anna, staff, ref, clock


def test_a_texter_who_writes_after_staff_stopped_unseen_learns_it_and_staff_get_the_text(
        app: Flask, raw_store: redis.Redis) -> None:
    """Her answer to staff's question is not lost in a welcome menu: she reads that the
    conversation stopped (0 a person, 9 the main menu), and the staff member who stopped it
    gets her text after a note that it came too late to answer. Only once: her next texts
    are the menu's again."""
    anna, staff, ref, _ = stopped_unseen(app, raw_store)
    late = anna.send("I am in Tilburg, at the farm. Please come")
    assert CLOSED_TEXT == late.text and late.measure.segments <= 2
    assert ((STAFF, NL["staff_after_close"].format(ref=ref)),
            (STAFF, f"{ref} Engels: I am in Tilburg, at the farm. Please come")) == late.sends
    assert NL["staff_not_open"].format(ref=ref) == staff.send(f"{ref} We are coming").text
    again = anna.send("9")
    assert again.sends == () and again.text is not None and again.text.startswith("Main menu")
    figures = read_day(app.extensions["helpline.store"], dt.datetime.now(AMSTERDAM).date())
    assert 1 == figures["sms.handoff.after_close|lang=en"]


def assert_0_opens_a_new_handoff(anna: Texter, old_ref: str) -> None:
    """Her 0 opens a new hand-off at once (its text says someone will answer here), under a
    new reference, and her next text goes to staff under it."""
    opened = anna.send("0")
    assert EN["handoff_opened"].format(minutes=30) == opened.text
    assert old_ref != ref_of(opened)
    assert ((STAFF, f"{ref_of(opened)} Engels: hello"),) == anna.send("hello").sends


def test_after_a_stop_unseen_0_opens_a_new_handoff(app: Flask, raw_store: redis.Redis) -> None:
    """0 as her first text after the stop asks for a person: a new hand-off opens at once (its
    text says someone will answer here), under a new reference; nothing goes to the old one."""
    anna, _, ref, _ = stopped_unseen(app, raw_store)
    assert_0_opens_a_new_handoff(anna, ref)


def test_the_note_of_a_stop_unseen_is_personal_expires_and_the_wipe_word_erases_it(
        app: Flask, raw_store: redis.Redis) -> None:
    """What tells her later sits under her hashed number, holds no number or text, expires
    when the conversation would have (24 hours after her last text), and goes with the wipe
    word (and STOP, and forget: every personal kind)."""
    from helpline.store import PERSONAL_KINDS

    anna, _, _, _ = stopped_unseen(app, raw_store)
    [note] = [key for key in personal_keys(raw_store, ANNA) if ":handoff-closed:" in key]
    assert "handoff-closed" in PERSONAL_KINDS
    assert 24 * 3600 - 40 * 60 - 10 <= raw_store.ttl(note) <= 24 * 3600 - 40 * 60
    value = str(raw_store.get(note))
    for secret in ("11112222", "00000001", "passport", "Where"):
        assert secret not in value
    assert anna.send("WIPE").sends == ()
    assert [] == kept_but_counts(raw_store, ANNA)
    after = anna.send("I am in Tilburg")
    assert after.sends == () and after.text != CLOSED_TEXT


def test_a_stop_within_the_window_tells_the_texter_at_once_and_keeps_no_note(
        app: Flask, raw_store: redis.Redis) -> None:
    """Stopped while she may still be told, she is told then: nothing waits for her next text."""
    anna, staff = Texter(app.test_client(), ANNA), Texter(app.test_client(), STAFF)
    ref = open_handoff(anna)
    assert ((ANNA, CLOSED_TEXT),) == staff.send(f"{ref} KLAAR").sends
    assert not raw_store.keys("helpline:handoff-closed:*")
    assert CLOSED_TEXT != anna.send("thank you").text


def test_at_the_cap_the_text_after_a_stop_unseen_waits_whole(content_copy: Path) -> None:
    """Her notice and the two SMS to staff are all or nothing under the minute's cap: refused,
    nothing is sent and the note stays, so her next text (the next minute) is told."""
    clock = FrozenClock()
    app = app_on(content_copy, HELPLINE_CLOCK=clock)
    store = app.extensions["helpline.store"].client
    anna, staff = Texter(app.test_client(), ANNA), Texter(app.test_client(), STAFF)
    ref = open_handoff(anna)
    clock.advance(minutes=40)
    staff.send(f"{ref} KLAAR")
    app.config["HELPLINE_SMS_REPLIES_PER_MINUTE"] = 3  # the stop's reply took 1 this minute
    refused = anna.send("are you there?")
    assert refused.xml.endswith("<Response />")
    assert store.keys("helpline:handoff-closed:*")
    clock.advance(minutes=1)
    told = anna.send("are you there?")
    assert CLOSED_TEXT == told.text and 2 == len(told.sends)


# --- a hand-off that expired while the texter was away -----------------------------------------

EXPIRED_EN = CATALOG.sms.reply("en", engine.Screen(ROOT, notice=HANDOFF_EXPIRED)).text


def expired(app: Flask, raw_store: redis.Redis) -> tuple[Texter, Texter, str]:
    """Anna asks for a person and writes; staff ask where she is; then nobody writes for
    HELPLINE_HANDOFF_TTL: the thread, her pointer to it and her menu session expire (Redis
    drops them by their TTL; here they are deleted as it would)."""
    anna, staff = Texter(app.test_client(), ANNA), Texter(app.test_client(), STAFF)
    ref = open_handoff(anna)
    anna.send("my boss took my passport")
    assert ((ANNA, "Where are you now?"),) == staff.send(f"{ref} Where are you now?").sends
    for pattern in ("helpline:thread:*", "helpline:handoff:*", "helpline:session:*"):
        for key in raw_store.keys(pattern):
            raw_store.delete(key)
    return anna, staff, ref


@pytest.mark.parametrize(("body", "lang"), [("I am in Tilburg, at the farm", "en"),
                                            ("YES", "en"), ("3", "en"), ("HULP", "nl")])
def test_a_texter_who_writes_after_her_hand_off_expired_learns_it_once(
        app: Flask, raw_store: redis.Redis, body: str, lang: str) -> None:
    """Her answer to staff's question is not taken for a first message: she reads, in her
    language (a keyword's, if she sent one), that the conversation stopped, that her message
    was not passed on, and 112, above the main menu with 0 for a person, in 2 segments.
    Nothing goes to staff (nobody reads under that reference any more). Only once: her next
    text is the main menu's."""
    anna, staff, ref = expired(app, raw_store)
    late = anna.send(body)
    notice = CONTENT.prompts[lang].text["handoff_expired"].format(emergency="112")
    assert CATALOG.sms.reply(lang, engine.Screen(ROOT, notice=HANDOFF_EXPIRED)).text == late.text
    assert late.text is not None and late.text.startswith(notice)
    assert f"\n0 {CONTENT.prompts[lang].text['person']}\n" in late.text
    assert late.sends == () and late.measure.segments <= 2
    again = anna.send("1")
    assert again.text is not None and again.text.startswith(CONTENT.prompts[lang].menus["rights"])
    assert NL["staff_not_open"].format(ref=ref) == staff.send(f"{ref} Are you there?").text
    figures = read_day(app.extensions["helpline.store"], dt.datetime.now(AMSTERDAM).date())
    assert 1 == figures[f"sms.handoff.expired|lang={lang}"]


def test_after_her_hand_off_expired_0_opens_a_new_one_at_once(app: Flask,
                                                               raw_store: redis.Redis) -> None:
    """0 as her first text after the expiry asks for a person: a new hand-off opens (its text
    says someone will answer here), not the notice; her next text goes to staff."""
    anna, _, ref = expired(app, raw_store)
    assert_0_opens_a_new_handoff(anna, ref)


def test_the_note_of_a_hand_off_is_personal_outlives_it_a_week_and_the_wipe_word_erases_it(
        app: Flask, raw_store: redis.Redis) -> None:
    """What tells her later sits under her hashed number, holds her language and nothing
    else, expires a week after the hand-off would (24 hours and 7 days after her last text),
    and goes with the wipe word (and STOP, and forget: every personal kind)."""
    from helpline.store import PERSONAL_KINDS

    anna, _, _ = expired(app, raw_store)
    [note] = [key for key in personal_keys(raw_store, ANNA) if ":handoff-expiry:" in key]
    assert "handoff-expiry" in PERSONAL_KINDS
    assert 8 * 24 * 3600 - 10 <= raw_store.ttl(note) <= 8 * 24 * 3600
    assert '"en"' == raw_store.get(note)
    assert anna.send("WIPE").sends == ()
    assert [] == kept_but_counts(raw_store, ANNA)
    after = anna.send("I am in Tilburg")
    assert after.sends == () and after.text is not None
    assert "Your message was not passed on" not in after.text


def test_a_hand_off_that_ended_and_was_told_leaves_no_note(app: Flask,
                                                           raw_store: redis.Redis) -> None:
    """Stopped with 9, or by staff while she can be told: she knows, so nothing is kept to
    tell her later."""
    anna, staff = Texter(app.test_client(), ANNA), Texter(app.test_client(), STAFF)
    open_handoff(anna)
    assert raw_store.keys("helpline:handoff-expiry:*")
    anna.send("9")
    assert not raw_store.keys("helpline:handoff-expiry:*")
    ref = open_handoff(anna)
    assert ((ANNA, CLOSED_TEXT),) == staff.send(f"{ref} KLAAR").sends
    assert not raw_store.keys("helpline:handoff-expiry:*")


def test_after_a_stop_unseen_whose_note_ran_out_she_still_learns_it_stopped(
        app: Flask, raw_store: redis.Redis) -> None:
    """Staff stopped the conversation unseen and she wrote nothing until the note of the stop
    ran out (when the hand-off would have expired): she is told as after an expiry."""
    anna, _, _, _ = stopped_unseen(app, raw_store)
    for key in raw_store.keys("helpline:handoff-closed:*"):
        raw_store.delete(key)
    late = anna.send("I am in Tilburg")
    assert EXPIRED_EN == late.text and late.sends == ()


def test_a_stop_unseen_told_leaves_no_note_of_expiry(app: Flask, raw_store: redis.Redis) -> None:
    """Told of a stop unseen with her next text, she is not told of it a second time."""
    anna, _, _, _ = stopped_unseen(app, raw_store)
    assert CLOSED_TEXT == anna.send("I am in Tilburg").text
    assert not raw_store.keys("helpline:handoff-expiry:*")
    for key in raw_store.keys("helpline:session:*"):
        raw_store.delete(key)
    assert EXPIRED_EN != anna.send("hello").text


# --- a texter on WhatsApp, staff on SMS ---------------------------------------------------------
# Twilio sends a <Message> only from an address on the channel of its "to" (error 30016), and
# without "from" it uses the address the incoming message came to. The test client checks
# every <Message to> of every test for a "from" on the right channel (twilio_client.sent_from).

ANNA_WA = f"whatsapp:{ANNA}"
PERSON_BY_PHONE_EN = (f"{EN['person_sms'].format(helpline=CONTENT.contacts.helpline, emergency='112')}"
                      f"\n9 {EN['main_menu']}")
HELPLINE_WA = f"whatsapp:{HELPLINE_NUMBER}"
SMS_NUMBER = "+3197010000099"  # the helpline's SMS number, as HELPLINE_SMS_NUMBER says


def test_a_whatsapp_texter_reaches_staff_by_sms_and_staff_reach_her_on_whatsapp() -> None:
    """From a WhatsApp webhook, staff's messages go from the helpline's SMS number (the
    setting); from staff's SMS webhook, the texter's go from the helpline's WhatsApp address
    she wrote to. Both sides get every message, as over SMS."""
    app = make_app(HELPLINE_SMS_NUMBER=SMS_NUMBER)
    anna, staff = Texter(app.test_client(), ANNA_WA), Texter(app.test_client(), STAFF)
    anna.send("HELPLINE")
    opened = anna.send("0")
    assert EN["handoff_opened"].format(minutes=30) == opened.text
    ref = ref_of(opened)
    assert (STAFF,) == tuple(to for to, _ in opened.sends) and (SMS_NUMBER,) == opened.sent_from
    asked = anna.send("My boss keeps my passport")
    assert ((STAFF, f"{ref} Engels: My boss keeps my passport"),) == asked.sends
    assert (SMS_NUMBER,) == asked.sent_from
    answer = staff.send(f"{ref} Are you safe now?")
    assert ((ANNA_WA, "Are you safe now?"),) == answer.sends and (HELPLINE_WA,) == answer.sent_from
    closed = staff.send(f"{ref} KLAAR")
    assert ((ANNA_WA, CLOSED_TEXT),) == closed.sends and (HELPLINE_WA,) == closed.sent_from


def test_a_whatsapp_texter_told_late_of_a_stop_reaches_staff_from_the_sms_number() -> None:
    """The text after a stop staff made unseen goes to staff from the SMS number too."""
    clock = FrozenClock()
    app = make_app(HELPLINE_SMS_NUMBER=SMS_NUMBER, HELPLINE_CLOCK=clock)
    anna, staff = Texter(app.test_client(), ANNA_WA), Texter(app.test_client(), STAFF)
    ref = open_handoff(anna)
    clock.advance(minutes=40)
    assert staff.send(f"{ref} KLAAR").sends == ()
    late = anna.send("I am at the farm")
    assert CLOSED_TEXT == late.text and (SMS_NUMBER, SMS_NUMBER) == late.sent_from


def test_without_the_sms_number_a_whatsapp_texter_asking_for_a_person_gets_how_to_call(
        app: Flask, raw_store: redis.Redis, caplog: pytest.LogCaptureFixture) -> None:
    """Without HELPLINE_SMS_NUMBER staff cannot be told of a WhatsApp texter (a message from
    the WhatsApp address to a staff phone is refused), so no hand-off opens that nobody would
    answer: in opening hours she reads how to call the helpline, and 112, never that the
    helpline is closed. The log says what to set, and no number."""
    anna = Texter(app.test_client(), ANNA_WA)
    anna.send("HELPLINE")
    reply = anna.send("0")
    assert reply.sends == () and not raw_store.keys("helpline:thread:*")
    assert PERSON_BY_PHONE_EN == reply.text
    assert EN["person_closed"] not in reply.text and EN["hours"] not in reply.text
    assert reply.measure.segments <= 2
    figures = read_day(app.extensions["helpline.store"], dt.datetime.now(AMSTERDAM).date())
    assert 1 == figures["sms.person_by_phone|lang=en"]
    assert any("HELPLINE_SMS_NUMBER" in r.getMessage() for r in caplog.records)
    assert not any("11112222" in r.getMessage() for r in caplog.records)
    # Over SMS the same number still reaches staff: the SMS number is the one she wrote to.
    sms = Texter(app.test_client(), ANNA).send("0")
    assert (STAFF,) == tuple(to for to, _ in sms.sends) and (HELPLINE_NUMBER,) == sms.sent_from


def test_a_thread_kept_before_its_address_was_recorded_still_replies_over_sms(
        app: Flask, raw_store: redis.Redis) -> None:
    """A hand-off open when this version starts (no address kept) goes on: replies to an SMS
    texter go from the helpline's SMS number."""
    anna, staff = Texter(app.test_client(), ANNA), Texter(app.test_client(), STAFF)
    ref = open_handoff(anna)
    [key] = raw_store.keys("helpline:thread:*")
    record = json.loads(str(raw_store.get(key)))
    del record["line"]
    raw_store.set(key, json.dumps(record), keepttl=True)
    answer = staff.send(f"{ref} hello")
    assert ((ANNA, "hello"),) == answer.sends and (HELPLINE_NUMBER,) == answer.sent_from


def test_out_of_hours_a_whatsapp_texter_without_the_sms_number_reads_the_hours(
        app: Flask) -> None:
    """Out of hours the reason no hand-off opens is the hours: she reads them, as over SMS."""
    app.config["HELPLINE_CLOCK"] = FrozenClock(OPEN_HOUR.replace(day=29))  # a Sunday
    anna = Texter(app.test_client(), ANNA_WA)
    anna.send("HELPLINE")
    reply = anna.send("0")
    assert CATALOG.sms.reply("en", engine.Screen(engine.PERSON)).text == reply.text
    assert reply.sends == ()


def test_in_hours_with_no_staff_on_the_list_a_texter_reads_how_to_call(
        content_copy: Path) -> None:
    """No staff number to hand off to, in opening hours: how to call and 112, not "closed";
    a question written at the person screen gets the same, after "not understood"."""
    contacts = content_copy / "content" / "contacts.yaml"
    text = contacts.read_text()
    contacts.write_text(re.sub(r"\nstaff:\n(  .*\n)+", "\nstaff: []\n", text))
    app = app_on(content_copy)
    anna = Texter(app.test_client(), ANNA)
    anna.send("HELPLINE")
    reply = anna.send("0")
    assert PERSON_BY_PHONE_EN == reply.text and reply.sends == ()
    asked = anna.send("where can I sleep tonight")
    assert f"{EN['not_understood']}\n{PERSON_BY_PHONE_EN}" == asked.text
    assert asked.measure.segments <= 2


@pytest.mark.parametrize("lang", sorted(CONTENT.languages))
def test_every_language_says_how_to_call_when_no_handoff_can_open(lang: str) -> None:
    """The text for no hand-off in opening hours is the person screen's how-to-call and 112
    in the texter's language, without the hours, within 2 segments."""
    texts = CONTENT.prompts[lang].text
    for notice in (None, engine.NOT_UNDERSTOOD):
        sms = CATALOG.sms.person_by_phone(lang, notice)
        assert "112" in sms.text and CONTENT.contacts.helpline in sms.text
        assert "{" not in sms.text and sms.segments <= 2
        closed = CATALOG.sms.reply(lang, engine.Screen(engine.PERSON, notice=notice)).text
        assert closed.endswith(sms.text.split("\n", 1 if notice else 0)[-1])
        assert len(sms.text) < len(closed)
    assert texts["person_sms"] != ""


def test_a_texter_who_opened_by_sms_reaches_staff_from_whatsapp_too(
        app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    """She opens a hand-off by SMS, then writes from WhatsApp (same number, same person, same
    hand-off), with no HELPLINE_SMS_NUMBER: her text reaches staff from the SMS number she
    opened it on (a message from the WhatsApp address would be refused), staff's answer
    reaches her where she opened it, and her 9 from WhatsApp reaches staff too."""
    anna, staff = Texter(app.test_client(), ANNA), Texter(app.test_client(), STAFF)
    anna_wa = Texter(app.test_client(), ANNA_WA)
    ref = open_handoff(anna)
    written = anna_wa.send("help me")
    assert written.text is None
    assert ((STAFF, f"{ref} Engels: help me"),) == written.sends
    assert (HELPLINE_NUMBER,) == written.sent_from
    answer = staff.send(f"{ref} Where are you?")
    assert ((ANNA, "Where are you?"),) == answer.sends and (HELPLINE_NUMBER,) == answer.sent_from
    stop = anna_wa.send("9")
    assert ((STAFF, NL["staff_closed"].format(ref=ref)),) == stop.sends
    assert (HELPLINE_NUMBER,) == stop.sent_from
    assert not any("HELPLINE_SMS_NUMBER" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("word", ["WIPE", "STOP"])
def test_a_texter_who_opened_by_sms_and_ends_it_from_whatsapp_tells_staff(
        app: Flask, word: str) -> None:
    """The wipe word or STOP from WhatsApp ends her SMS hand-off: staff are told, from the SMS
    number she opened it on."""
    anna = Texter(app.test_client(), ANNA)
    ref = open_handoff(anna)
    ended = Texter(app.test_client(), ANNA_WA).send(word)
    assert ((STAFF, NL["staff_closed"].format(ref=ref)),) == ended.sends
    assert (HELPLINE_NUMBER,) == ended.sent_from


def test_a_text_from_whatsapp_after_a_stop_unseen_of_an_sms_handoff_reaches_staff(
        app: Flask) -> None:
    """Staff stopped her SMS hand-off when she could not be told; her next text, from
    WhatsApp, tells her it stopped and goes to staff from the SMS number she opened it on."""
    app.config["HELPLINE_CLOCK"] = clock = FrozenClock()
    anna, staff = Texter(app.test_client(), ANNA), Texter(app.test_client(), STAFF)
    ref = open_handoff(anna)
    clock.advance(minutes=40)
    assert staff.send(f"{ref} KLAAR").sends == ()
    late = Texter(app.test_client(), ANNA_WA).send("I am at the farm")
    assert CLOSED_TEXT == late.text
    assert (STAFF, f"{ref} Engels: I am at the farm") == late.sends[-1]
    assert (HELPLINE_NUMBER, HELPLINE_NUMBER) == late.sent_from


def whatsapp_handoff_without_sms_number(app: Flask) -> tuple[Texter, str]:
    """A WhatsApp hand-off opened while HELPLINE_SMS_NUMBER was set, then the setting gone:
    no SMS number is known for messages to staff."""
    app.config["HELPLINE_SMS_NUMBER"] = SMS_NUMBER
    anna = Texter(app.test_client(), ANNA_WA)
    ref = open_handoff(anna)
    app.config["HELPLINE_SMS_NUMBER"] = None
    return anna, ref


def test_with_no_sms_number_at_all_a_text_to_staff_is_not_sent_and_the_texter_told(
        app: Flask, raw_store: redis.Redis, caplog: pytest.LogCaptureFixture) -> None:
    """No SMS number to send to staff from: nothing Twilio would refuse is sent; she reads, in
    her language, how to call the helpline and 112; the log says why, without a number."""
    anna, _ = whatsapp_handoff_without_sms_number(app)
    [key] = raw_store.keys("helpline:thread:*")
    before = json.loads(str(raw_store.get(key)))["last"]
    written = anna.send("help me")
    assert written.sends == ()
    assert PERSON_BY_PHONE_EN == written.text
    assert before == json.loads(str(raw_store.get(key)))["last"]  # staff's window unchanged
    assert any("HELPLINE_SMS_NUMBER" in r.getMessage() for r in caplog.records)
    assert not any("11112222" in r.getMessage() or "help me" in r.getMessage()
                   for r in caplog.records)
    figures = read_day(app.extensions["helpline.store"], dt.datetime.now(AMSTERDAM).date())
    assert 1 == figures["sms.handoff.unreachable|lang=en"]
    stop = anna.send("9")
    assert stop.sends == () and stop.text is not None
    assert not raw_store.keys("helpline:thread:*")


def test_with_no_sms_number_at_all_out_of_hours_the_texter_reads_the_hours(app: Flask) -> None:
    """Out of hours she reads the out-of-hours text (the hours, how to call, 112) instead."""
    app.config["HELPLINE_CLOCK"] = clock = FrozenClock(FRIDAY_LATE)
    anna, _ = whatsapp_handoff_without_sms_number(app)
    clock.advance(hours=1)
    written = anna.send("help me")
    assert written.sends == ()
    assert CATALOG.sms.reply("en", engine.Screen(engine.PERSON)).text == written.text


def test_with_no_sms_number_at_all_a_wipe_still_erases_and_sends_nothing_refused(
        app: Flask, raw_store: redis.Redis) -> None:
    """The wipe word erases the hand-off; staff cannot be told, and no refused message goes."""
    anna, _ = whatsapp_handoff_without_sms_number(app)
    wiped = anna.send("WIPE")
    assert wiped.sends == () and wiped.text is not None
    assert not raw_store.keys("helpline:thread:*")


def test_with_no_sms_number_at_all_a_text_after_a_stop_unseen_tells_the_texter(
        app: Flask) -> None:
    """After a stop unseen, her next text tells her it stopped; nothing refused goes to staff."""
    app.config["HELPLINE_CLOCK"] = clock = FrozenClock()
    anna, ref = whatsapp_handoff_without_sms_number(app)
    clock.advance(minutes=40)
    assert Texter(app.test_client(), STAFF).send(f"{ref} KLAAR").sends == ()
    late = anna.send("I am at the farm")
    assert CLOSED_TEXT == late.text and late.sends == ()
