"""Trust: limits against abuse, no personal data in logs, safe answers when things fail."""

from __future__ import annotations

import datetime as dt
import logging
import os
import runpy
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpline import engine, logs
from helpline.identity import number_key
from helpline.sealed import Sealer
from helpline.segments import measure
from helpline.stats import AMSTERDAM, per_event, read_day

from .conftest import (
    HASH_KEY,
    ROOT,
    FrozenClock,
    RedisServer,
    _redis_binary,
    kept_but_counts,
    make_app,
    personal_keys,
)
from .test_handoff import CATALOG, EN, NL, STAFF, open_handoff, ref_of, sent_this_minute
from .test_metrics import scrape, value
from .twilio_client import Caller, Texter, post_signed, sms_params

NUMBER = "+31687654321"


# --- abuse limits ----------------------------------------------------------------------------

def test_a_number_over_its_limit_is_told_once_then_gets_empty_replies() -> None:
    """The first message over the per-number limit is told, in the texter's language, to
    wait, with how to call and 112 (never silence without a word); the next ones get
    <Response/>. Each is counted as rate_limited."""
    app = make_app(HELPLINE_SMS_PER_NUMBER=3)
    texter = Texter(app.test_client(), NUMBER)
    for body in ("AJUTOR", "1", "9"):
        assert texter.send(body).text is not None
    told = texter.send("1")
    assert told.text is not None
    assert told.text.startswith("Ai trimis multe mesaje. Asteapta 10 min, apoi scrie din nou.")
    assert "Suna la 112." in told.text and told.measure.segments <= 2
    reply = texter.send("1")
    assert reply.text is None
    assert reply.xml.endswith("<Response />")
    store = app.extensions["helpline.store"]
    assert 2 == per_event(read_day(store, dt.datetime.now(AMSTERDAM).date()))["sms.rate_limited"]


@pytest.mark.parametrize(("window", "minutes"), [(600, 10), (3600, 60), (90, 2), (30, 1)])
def test_the_wait_is_the_limits_window_in_minutes(window: int, minutes: int) -> None:
    """The first message over the limit is told to wait as long as the limit can still hold
    (HELPLINE_SMS_PER_NUMBER_WINDOW, from the number's first message, rounded up to whole
    minutes), not "a few minutes": after that wait the count has expired and they are
    answered again."""
    app = make_app(HELPLINE_SMS_PER_NUMBER=1, HELPLINE_SMS_PER_NUMBER_WINDOW=window)
    client = app.extensions["helpline.store"].client
    texter = Texter(app.test_client(), NUMBER)
    texter.send("HELPLINE")
    told = texter.send("1")
    assert told.text is not None
    assert told.text.startswith(f"You sent many messages. Wait {minutes} min, then write again.\n")
    assert told.text.endswith("In danger right now? Call 112.")
    assert 0 < client.ttl(f"helpline:rate:{number_key(NUMBER, HASH_KEY.encode())}") <= minutes * 60


@pytest.mark.parametrize("lang", sorted(CATALOG.content.languages))
def test_every_language_says_the_minutes_of_the_wait(lang: str) -> None:
    """Each language's wait text has the minutes filled in, 112, and fits 2 segments, for
    a window of up to a day."""
    for minutes in (1, 10, 1440):
        text = CATALOG.sms.too_many(lang, minutes)
        assert f" {minutes} " in text and "{" not in text and text.endswith("112.")
        assert measure(text).segments <= 2


def test_the_limit_is_per_number() -> None:
    """One number at its limit does not silence another."""
    app = make_app(HELPLINE_SMS_PER_NUMBER=1)
    assert Texter(app.test_client(), NUMBER).send("HULP").text is not None
    assert "Wacht 10 min." in (Texter(app.test_client(), NUMBER).send("HULP").text or "")
    assert Texter(app.test_client(), NUMBER).send("HULP").text is None
    assert Texter(app.test_client(), "+31611111111").send("HULP").text is not None


def test_wipe_and_stop_erase_even_over_the_limit_but_keep_the_counts() -> None:
    """Someone over their limit can still erase their data, at once: everything but the
    bare count of their messages, which expires with the limit's window. Over the limit the
    wipe's reply is held back like any other."""
    app = make_app(HELPLINE_SMS_PER_NUMBER=1)
    client = app.extensions["helpline.store"].client
    texter = Texter(app.test_client(), NUMBER)
    texter.send("HULP")
    texter.send("1")  # told to wait
    assert texter.send("1").text is None
    assert texter.send("WIS").text is None
    key = number_key(NUMBER, HASH_KEY.encode())
    assert [f"helpline:rate:{key}"] == personal_keys(client, NUMBER)
    assert "4" == client.get(f"helpline:rate:{key}")
    assert 0 < client.ttl(f"helpline:rate:{key}") <= 600
    texter.send("STOP")
    assert [f"helpline:rate:{key}"] == personal_keys(client, NUMBER)


def test_the_wipe_word_is_answered_within_the_limit_and_cannot_reset_it() -> None:
    """The wipe word erases every time, but is answered like any message: up to the number's
    limit, then once more (what happened, and, as any first message over the limit, to
    wait), then never until the window ends. Erasing does not reset the count, so it cannot
    be sent and answered without end (nor use up the minute's SMS for everyone else)."""
    app = make_app(HELPLINE_SMS_PER_NUMBER=3)
    texter = Texter(app.test_client(), NUMBER)
    replies = [texter.send("WIPE").text for _ in range(10)]
    assert 4 == sum(1 for text in replies if text is not None)
    assert all(text.startswith("Everything we kept about your number is erased.")
               for text in replies[:3] if text is not None)
    assert "You sent many messages." not in (replies[2] or "")
    assert CATALOG.sms.wiped_wait("en", 10) == replies[3]
    assert [None] * 6 == replies[4:]
    assert texter.send("HELP").text is None  # still over the limit: not reset by the wipes
    store = app.extensions["helpline.store"]
    figures = per_event(read_day(store, dt.datetime.now(AMSTERDAM).date()))
    assert (4, 7) == (figures["sms.wipe"], figures["sms.rate_limited"])


def test_the_wipe_word_over_the_limit_is_told_to_wait_with_how_to_call_and_112() -> None:
    """The wipe word as the first message over the limit: the texter reads that everything
    was erased and to delete the messages, then, as any first message over the limit, to
    wait, how to call the helpline, and 112 for danger: never only "wait"."""
    app = make_app(HELPLINE_SMS_PER_NUMBER=2)
    texter = Texter(app.test_client(), NUMBER)
    assert texter.send("HULP").text is not None
    assert texter.send("1").text is not None
    told = texter.send("WIS")
    assert ("Alles over jouw nummer is gewist. Wis ook deze berichten als je telefoon niet "
            "veilig is.\n"
            "Je hebt veel berichten gestuurd. Wacht 10 min. en stuur dan weer een bericht.\n"
            "Wil je met iemand praten? Bel de hulplijn op +31000000000. In direct gevaar? "
            "Bel 112.") == told.text
    assert 2 == told.measure.segments
    assert [] == kept_but_counts(app.extensions["helpline.store"].client, NUMBER)


@pytest.mark.parametrize("lang", sorted(CATALOG.content.languages))
def test_every_language_tells_the_wipe_over_the_limit_how_to_call_and_112(lang: str) -> None:
    """In every language the erase-and-wait text holds the helpline's number and 112 (from
    content/contacts.yaml, as the wait text does) and fits 2 segments."""
    contacts = CATALOG.content.contacts
    text = CATALOG.sms.wiped_wait(lang, 1440)
    assert text.endswith(f"{contacts.emergency}.") and contacts.helpline in text
    assert CATALOG.sms.too_many(lang, 1440) in text
    assert measure(text).segments <= 2


@pytest.mark.parametrize("word", ["YES", "START"])
def test_a_twilio_word_as_the_first_message_over_the_limit_is_told_to_wait(word: str) -> None:
    """Twilio answers START and YES itself, but the first message over the limit is told to
    wait all the same: otherwise the texter is silenced without a word."""
    app = make_app(HELPLINE_SMS_PER_NUMBER=3)
    texter = Texter(app.test_client(), NUMBER)
    for body in ("HELPLINE", "1", "1"):
        assert texter.send(body).text is not None
    told = texter.send(word).text
    assert told is not None and told.startswith("You sent many messages.")
    assert texter.send("0").text is None


def test_a_flood_of_the_wipe_word_does_not_starve_other_texters() -> None:
    """One number sending the wipe word 320 times gets at most its limit's replies: the
    minute's SMS cap is left for everyone else."""
    app = make_app()
    eve, bob = Texter(app.test_client(), "+31699990000"), Texter(app.test_client(), NUMBER)
    sent = sum(1 for _ in range(320) if eve.send("WIPE").text is not None)
    assert 21 == sent  # the default limit, 20, and the one over it
    assert bob.send("HULP").text is not None


def test_global_reply_cap_stops_outgoing_messages() -> None:
    """Past the cap of replies per minute, nobody gets a reply (a guard against SMS pumping)."""
    app = make_app(HELPLINE_SMS_REPLIES_PER_MINUTE=2)
    replies = [Texter(app.test_client(), f"+3161111111{i}").send("HULP").text for i in range(4)]
    assert [True, True, False, False] == [r is not None for r in replies]


def test_in_a_hand_off_the_limit_is_higher_told_once_and_9_always_stops() -> None:
    """A texter writing to staff has a limit of their own there, three times the menus':
    up to it every text is passed on; the first over it is told to wait, in their language,
    and nothing is passed on; the rest get nothing; 9 still stops the conversation."""
    app = make_app(HELPLINE_SMS_PER_NUMBER=3)
    texter = Texter(app.test_client(), NUMBER)
    open_handoff(texter)  # two messages to the menus
    passed = [texter.send(f"message {i}") for i in range(9)]
    assert [1] * 9 == [len(reply.sends) for reply in passed]
    told = texter.send("message 9")
    assert told.text is not None and told.text.startswith("You sent many messages.")
    assert 1 == len(told.sends) and "message 9" not in told.sends[0][1]  # staff told, no more
    later = texter.send("message 10")
    assert (None, ()) == (later.text, later.sends)
    stopped = texter.send("9")
    assert stopped.text is not None and len(stopped.sends) == 1  # the texter and staff told
    figures = per_event(read_day(app.extensions["helpline.store"],
                                 dt.datetime.now(AMSTERDAM).date()))
    assert 2 == figures["sms.rate_limited"]


def test_staff_are_told_once_when_a_texter_goes_over_the_hand_off_limit() -> None:
    """The first text over the hand-off's limit is not passed on, but its staff are told, in
    Dutch, with the texter's wait notice: that what she writes is held back for at most the
    limit's window (10 minutes), and that their answers still reach her. Nothing more goes to
    staff after that; a staff reply does reach her, and her answer to it is not passed on."""
    app = make_app(HELPLINE_SMS_PER_NUMBER=3)
    texter, staff = Texter(app.test_client(), NUMBER), Texter(app.test_client(), STAFF)
    texter.send("HELPLINE")
    ref = ref_of(texter.send("0"))
    for i in range(9):
        assert texter.send(f"message {i}").sends
    told = texter.send("message 9")
    assert CATALOG.sms.too_many("en", 10) == told.text
    assert ((STAFF, NL["staff_too_many"].format(ref=ref, minutes=10, window=30)),) == (
        told.sends)
    assert [(None, ())] * 3 == [(r.text, r.sends) for r in
                                (texter.send(f"more {i}") for i in range(3))]
    reply = staff.send(f"{ref} Are you still there?")
    assert ((NUMBER, "Are you still there?"),) == reply.sends
    assert (None, ()) == (lambda r: (r.text, r.sends))(texter.send("yes, at the farm"))


def test_over_the_hand_off_limit_staff_replies_reach_her_only_within_the_hand_off_window() -> None:
    """Texts over the limit are not passed on and do not keep the hand-off's window open:
    staff can answer for the window from her last text passed on (as staff were told), then
    read that their reply was not sent."""
    app = make_app(HELPLINE_SMS_PER_NUMBER=3, HELPLINE_SMS_PER_NUMBER_WINDOW=3600)
    app.config["HELPLINE_CLOCK"] = clock = FrozenClock()
    texter, staff = Texter(app.test_client(), NUMBER), Texter(app.test_client(), STAFF)
    texter.send("HELPLINE")
    ref = ref_of(texter.send("0"))
    for i in range(9):
        texter.send(f"message {i}")
    told = texter.send("message 9")
    assert ((STAFF, NL["staff_too_many"].format(ref=ref, minutes=60, window=30)),) == (
        told.sends)
    clock.advance(minutes=29)
    assert 1 == len(staff.send(f"{ref} Still there?").sends)
    assert (None, ()) == (lambda r: (r.text, r.sends))(texter.send("yes"))  # still over
    clock.advance(minutes=2)
    late = staff.send(f"{ref} Hello?")
    assert (NL["staff_late"].format(ref=ref, minutes=30), ()) == (late.text, late.sends)


def test_over_the_hand_off_limit_0_opens_no_new_hand_off_until_the_window_ends() -> None:
    """After a flood in a hand-off and 9, 0 opens no new hand-off (what she then wrote would
    all be dropped): each 0 reads the wait text with how to call and 112, and staff get
    nothing. When the count's window ends (its key expires), 0 opens a hand-off again."""
    app = make_app(HELPLINE_SMS_PER_NUMBER=5)
    client = app.extensions["helpline.store"].client
    texter = Texter(app.test_client(), NUMBER)
    open_handoff(texter)  # two messages to the menus
    for i in range(16):
        texter.send(f"message {i}")  # 15 passed on, the 16th told to wait
    stopped = texter.send("9")
    assert stopped.text is not None and len(stopped.sends) == 1
    refused = [texter.send(body) for body in ("0", "help me")]  # the person screen: any text
    assert [(CATALOG.sms.too_many("en", 10), ())] * 2 == [(r.text, r.sends) for r in refused]
    assert [] == client.keys("helpline:thread:*")
    client.delete(f"helpline:handoff-rate:{number_key(NUMBER, HASH_KEY.encode())}")
    reopened = texter.send("0")
    assert EN["handoff_opened"].format(minutes=30) == reopened.text
    assert reopened.sends and reopened.sends[0][0] == STAFF


def test_a_0_refused_at_the_hand_off_limit_is_counted_as_asking_for_a_person() -> None:
    """Each 0 refused over the hand-off's limit is answered (wait, how to call, 112): the
    figures count it as someone asking for a person (in the staff page's total of them), not
    as a message over the limit left without a reply; /metrics counts the hand-off the
    number's limit refused."""
    from helpline import staff

    app = make_app(HELPLINE_SMS_PER_NUMBER=5)
    texter = Texter(app.test_client(), NUMBER)
    open_handoff(texter)
    for i in range(16):
        texter.send(f"message {i}")  # 15 passed on, the 16th told to wait
    texter.send("9")
    name, labels = "helpline_rate_limited_total", {"channel": "sms", "limit": "number"}
    before = value(scrape(app), name, **labels)
    for _ in range(2):
        assert CATALOG.sms.too_many("en", 10) == texter.send("0").text
    assert 2 == value(scrape(app), name, **labels) - before
    figures = per_event(read_day(app.extensions["helpline.store"],
                                 dt.datetime.now(AMSTERDAM).date()))
    assert (2, 1) == (figures["sms.person_over_limit"], figures["sms.rate_limited"])
    assert "sms.person_over_limit" in staff.HANDOFFS and "sms.person_over_limit" in staff.EVENTS


def test_at_the_hand_off_limit_exactly_0_opens_no_hand_off_that_could_pass_nothing_on() -> None:
    """A hand-off stopped with its count exactly at the limit (the 9 was the last text it
    allowed): a new one could pass nothing on, so 0 reads the wait text and staff are not
    paged for a question that would be dropped."""
    app = make_app(HELPLINE_SMS_PER_NUMBER=5)
    texter = Texter(app.test_client(), NUMBER)
    open_handoff(texter)
    for i in range(14):
        assert texter.send(f"message {i}").sends  # 14 passed on; the limit is 15
    assert texter.send("9").sends  # the 15th: it stops the hand-off
    zero = texter.send("0")
    assert (CATALOG.sms.too_many("en", 10), ()) == (zero.text, zero.sends)


def test_a_hand_off_flood_does_not_starve_other_texters() -> None:
    """One texter in a hand-off sending 320 texts a minute makes the helpline pass on only
    their hand-off limit's worth (and a note to staff): others are still answered."""
    app = make_app()
    eve, bob = Texter(app.test_client(), "+31699990000"), Texter(app.test_client(), NUMBER)
    open_handoff(eve)
    to_staff = sum(len(eve.send(f"spam {i}").sends) for i in range(320))
    assert 60 + 1 == to_staff  # her limit's worth passed on, and staff told once
    assert bob.send("HULP").text is not None


def test_after_a_long_hand_off_the_menus_answer_and_a_person_can_be_asked_for() -> None:
    """What a texter wrote to staff does not count against the menus: after 25 texts and 9
    (whose text says 0 reaches a person), 0, a keyword and a digit are all answered."""
    app = make_app()
    texter = Texter(app.test_client(), NUMBER)
    open_handoff(texter)
    for i in range(25):
        assert texter.send(f"message {i}").sends
    assert texter.send("9").text is not None
    again = texter.send("0")
    assert again.text is not None and again.sends  # a new hand-off: staff are told
    assert texter.send("9").text is not None
    assert texter.send("HELPLINE").text is not None
    assert texter.send("1").text is not None


def test_after_a_hand_off_the_menus_limit_is_still_told_once() -> None:
    """The menus' limit counts only menu messages, so the first menu message over it is
    still told to wait after a hand-off, however much was written in it."""
    app = make_app(HELPLINE_SMS_PER_NUMBER=3)
    texter = Texter(app.test_client(), NUMBER)
    open_handoff(texter)  # two messages to the menus
    for i in range(5):
        texter.send(f"message {i}")
    texter.send("9")
    assert texter.send("1").text is not None  # the third
    told = texter.send("1")
    assert told.text is not None and told.text.startswith("You sent many messages.")
    assert texter.send("1").text is None


def test_a_pointer_left_without_its_hand_off_counts_against_the_menus() -> None:
    """When a hand-off is gone but the number's pointer to it is not (it outlived its
    thread), the message counts against the menus, which tell the first one over."""
    app = make_app(HELPLINE_SMS_PER_NUMBER=3)
    client = app.extensions["helpline.store"].client
    texter = Texter(app.test_client(), NUMBER)
    open_handoff(texter)  # two messages to the menus
    [thread] = client.keys("helpline:thread:*")
    client.delete(thread)
    assert texter.send("HELPLINE").text is not None  # the third
    told = texter.send("1")
    assert told.text is not None and told.text.startswith("You sent many messages.")
    key = number_key(NUMBER, HASH_KEY.encode())
    assert ("4", 0) == (client.get(f"helpline:rate:{key}"),
                        int(client.get(f"helpline:handoff-rate:{key}") or 0))
    assert all(client.ttl(k) > 0 for k in personal_keys(client, NUMBER))


def test_the_minute_cap_still_bounds_a_hand_off() -> None:
    """What is passed on in a hand-off counts against the minute's cap: past it nothing is
    passed on, and 9 still stops the conversation once the cap allows."""
    app = make_app(HELPLINE_SMS_PER_NUMBER=2, HELPLINE_SMS_REPLIES_PER_MINUTE=7)
    store = app.extensions["helpline.store"].client
    texter = Texter(app.test_client(), NUMBER)
    open_handoff(texter)  # two messages of this number, three SMS sent
    flood = [texter.send(f"message {i}") for i in range(6)]
    assert [1, 1, 1, 1, 0, 0] == [len(reply.sends) for reply in flood]
    assert 7 == sent_this_minute(store)
    figures = per_event(read_day(app.extensions["helpline.store"],
                                 dt.datetime.now(AMSTERDAM).date()))
    assert (0, 2) == (figures.get("sms.rate_limited", 0), figures["sms.reply_capped"])
    app.config["HELPLINE_SMS_REPLIES_PER_MINUTE"] = 100
    stopped = texter.send("9")
    assert stopped.text is not None and len(stopped.sends) == 1  # the texter and staff told


# --- privacy -----------------------------------------------------------------------------------

SECRET_WORDS = "mijn baas heeft mijn paspoort"


def test_no_number_or_message_in_any_log_record(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    """A full SMS conversation, including odd input and a failure, logs no number and no text."""
    caplog.set_level(logging.DEBUG)
    texter = Texter(app.test_client(), NUMBER)
    for body in ("HULP", "1", "1", "MEER", "*", "9", "8", "2", SECRET_WORDS, "0", "WIS", "STOP",
                 "hallo", "1", "2"):
        texter.send(body)
    app.config["HELPLINE_SESSION_TTL"] = "not a number"  # force an internal error
    texter.send(SECRET_WORDS)
    assert any(r.levelno >= logging.ERROR for r in caplog.records)  # the failure was logged ...
    for record in caplog.records:
        text = record.getMessage() + str(record.exc_info or "") + str(record.args or "")
        for secret in ("87654321", "687654321", SECRET_WORDS, "paspoort"):
            assert secret not in text, record.getMessage()


def test_log_filter_redacts_numbers_and_exception_messages() -> None:
    """The safety net: number-like text and exception messages never reach the log output."""
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "texter %s said %s",
                               ("+31 6 8765 4321", "hi"), None)
    try:
        raise ValueError("body was: +31687654321 help me")
    except ValueError:
        import sys
        record.exc_info = sys.exc_info()  # type: ignore[assignment]
    logs.RedactNumbers().filter(record)
    line = logs.JsonLines().format(record)
    assert "8765" not in line and "help me" not in line
    assert "texter [number] said hi" in line
    assert "ValueError (message withheld" in line
    assert "2026-11-28" == logs.redact("2026-11-28")  # dates are not numbers


@pytest.mark.parametrize("written", ["+31687654321", "06 8765 4321", "06-87654321",
                                     "(06) 8765 4321", "06.8765.4321", "+31/6/87654321"])
def test_every_way_a_number_is_written_is_redacted_in_the_app_and_before_it(written: str) -> None:
    """A number with spaces, dashes, brackets, dots or slashes is redacted, by the app's log
    filter and by deploy/json_lines.py, which logs the start's check (it quotes what it refuses)
    and can import nothing of the app: both use the same pattern."""
    json_lines = runpy.run_path(str(ROOT / "deploy" / "json_lines.py"))
    assert logs._PHONE_LIKE.pattern == json_lines["_PHONE_LIKE"].pattern
    for redact in (logs.redact, json_lines["redact"]):
        said = redact(f"staff[0].number: '{written}' is not allowed")
        assert "[number]" in said and "8765" not in said and "staff[0]" in said
    assert "[number]" in json_lines["as_json"](written, "start.sh", "ERROR")


def test_forget_command_erases_a_number(app: Flask, raw_store: redis.Redis) -> None:
    """`flask --app app helpline forget NUMBER` erases what the wipe keyword would."""
    if not app.config["REDIS_URL"]:  # the embedded store is the helpline's in development only
        app.config["HELPLINE_ENV"] = "development"
    Texter(app.test_client(), NUMBER).send("HULP")
    assert personal_keys(raw_store, NUMBER)
    result = app.test_cli_runner().invoke(args=["helpline", "forget", "06 8765 4321"])
    assert 0 == result.exit_code, result.output
    assert [] == personal_keys(raw_store, NUMBER)
    assert "87654321" not in result.output


def test_sealed_numbers_open_only_with_their_key() -> None:
    """A number kept to reply to is unreadable without the encryption key."""
    token = Sealer("key one").seal(NUMBER)
    assert "87654321" not in token
    assert NUMBER == Sealer("key one").open(token)
    assert Sealer("key two").open(token) is None
    assert Sealer("key one").open("garbage") is None


def test_figures_hold_no_number_text_or_hash(app: Flask, raw_store: redis.Redis) -> None:
    """Daily figures move with a conversation and identify nobody."""
    from helpline.identity import number_key

    from .conftest import HASH_KEY

    texter = Texter(app.test_client(), NUMBER)
    for body in ("HULP", "1", "1", SECRET_WORDS):
        texter.send(body)
    stats_keys = [k for k in raw_store.keys("helpline:stats:*")]
    assert 1 == len(stats_keys)
    figures = raw_store.hgetall(stats_keys[0])
    assert "1" == figures["sms.answer|lang=nl|node=b8-3"]
    dump = " ".join([*figures, *figures.values(), *stats_keys])
    for secret in ("87654321", number_key(NUMBER, HASH_KEY.encode()), "paspoort"):
        assert secret not in dump


def call_in_english(caller: Caller) -> None:
    """Call, choose English, hear an answer three ways, fall silent, ask for staff: nobody."""
    caller.call()
    caller.press("2")  # English
    caller.press("1")  # Your rights
    caller.press("1")  # What is the B8/3
    caller.press("1")  # again
    caller.press("2")  # slowly
    caller.silence()
    caller.press("0")  # the person menu
    caller.press("1")  # someone at the helpline
    caller.dial_ends("no-answer")


def test_call_figures_move_and_hold_no_number_text_or_hash(app: Flask, raw_store: redis.Redis) -> None:
    """A call counts the call, the language chosen and the answers heard, and identifies nobody."""
    from helpline.identity import number_key

    from .conftest import HASH_KEY

    caller = Caller(app.test_client(), NUMBER)
    call_in_english(caller)
    stats_keys = [k for k in raw_store.keys("helpline:stats:*")]
    assert 1 == len(stats_keys)
    assert 0 < raw_store.ttl(stats_keys[0]) <= 400 * 86400
    figures = {k: int(v) for k, v in raw_store.hgetall(stats_keys[0]).items()}
    assert {
        "voice.call": 1,
        "voice.language|lang=en": 1,
        "voice.menu|lang=en|node=rights": 1,
        "voice.answer|lang=en|node=b8-3": 1,
        "voice.answer_again|lang=en": 1,
        "voice.answer_slow|lang=en": 1,
        "voice.silence|lang=en": 1,
        "voice.person|hours=open|lang=en": 1,
        "voice.staff|hours=open|lang=en": 1,
        "voice.nobody|lang=en": 1,
    } == figures
    dump = " ".join([*figures, *map(str, figures.values()), *stats_keys])
    for secret in ("87654321", number_key(NUMBER, HASH_KEY.encode()), caller.call_sid, "B8/3",
                   "+3197010000000"):
        assert secret not in dump


class CountingClient:
    """A Redis client that notes every command (a pipeline counts once, as one round trip)."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self.used: list[str] = []

    def __getattr__(self, name: str) -> object:
        self.used.append(name)
        return getattr(self.client, name)


def test_each_call_request_touches_the_store_once(app: Flask) -> None:
    """A voice request does one lookup and sends one pipeline to the store: no more."""
    store = app.extensions["helpline.store"]
    counting = CountingClient(store.client)
    store.client = counting
    caller = Caller(app.test_client(), NUMBER)
    steps = [caller.call, lambda: caller.press("2"), lambda: caller.press("1"),
             caller.silence, lambda: caller.press("0"), lambda: caller.press("1"),
             lambda: caller.dial_ends("completed")]
    for step in steps:
        counting.used.clear()
        step()
        assert ["pipeline"] == counting.used


def test_counting_never_breaks_a_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """Should counting fail in any way, the caller hears exactly what they would have heard."""
    def heard(app: Flask) -> list[str]:
        caller = Caller(app.test_client(), NUMBER)
        call_in_english(caller)
        return caller.transcript

    expected = heard(make_app())

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the figures are broken")

    from helpline.store import Store

    monkeypatch.setattr(Store, "add_to_hash", broken)
    assert expected == heard(make_app())


# --- failure -----------------------------------------------------------------------------------

def test_an_internal_error_gets_a_safe_reply(monkeypatch: pytest.MonkeyPatch,
                                             embedded_app: Flask) -> None:
    """An unexpected error: an apology, how to reach a person and 112, never a 5xx."""
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(engine, "step", broken)
    reply = Texter(embedded_app.test_client(), NUMBER).send("HULP")
    assert reply.text is not None
    # No language known yet: in the base language, then in English.
    dutch, english = reply.text.split("\n")
    assert dutch.startswith("Sorry, er ging bij ons iets mis. Wil je met iemand praten?")
    assert english.startswith("Sorry, something went wrong on our side.")
    assert "Bel 112." in dutch and "Call 112." in english and reply.measure.segments <= 2


def test_the_apology_is_in_the_texters_language(monkeypatch: pytest.MonkeyPatch,
                                               embedded_app: Flask) -> None:
    """A texter who chose Romanian gets the apology in Romanian, not in Dutch."""
    texter = Texter(embedded_app.test_client(), NUMBER)
    texter.send("AJUTOR")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(engine, "step", broken)
    reply = texter.send("1")
    assert reply.text is not None
    assert reply.text.startswith("Ne pare rau, ceva nu a mers bine la noi.")
    assert "112" in reply.text


def test_the_apology_counts_against_the_minute_cap_and_stops_at_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug that fails every answer cannot make the helpline send SMS without limit: each
    apology counts against the minute's cap, and past it nothing goes out (a figure moves)."""
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(engine, "step", broken)
    app = make_app(HELPLINE_SMS_REPLIES_PER_MINUTE=2)
    store = app.extensions["helpline.store"]
    replies = [Texter(app.test_client(), f"+3161111111{i}").send("HULP") for i in range(3)]
    assert [True, True, False] == [reply.text is not None for reply in replies]
    assert all("112" in (reply.text or "112") for reply in replies)
    assert 2 == sent_this_minute(store.client)
    figures = read_day(store, dt.datetime.now(AMSTERDAM).date())
    assert (2, 1) == (figures["sms.error"], figures["sms.reply_capped"])


def test_the_apology_goes_out_even_when_counting_it_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug in the answer and another in the figures: the texter still gets the apology."""
    from helpline.store import Store

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(engine, "step", broken)
    monkeypatch.setattr(Store, "add_to_hash", broken)
    reply = Texter(make_app().test_client(), NUMBER).send("HULP")
    assert 200 == reply.status
    assert "112" in (reply.text or "")


def test_a_failed_answer_keeps_nothing_it_was_about_to_write(monkeypatch: pytest.MonkeyPatch) -> None:
    """The menu step was made but the reply failed: the texter's place is as before the message."""
    app = make_app()
    texter = Texter(app.test_client(), NUMBER)
    texter.send("HULP")
    store = app.extensions["helpline.store"].client
    before = {key: store.get(key) for key in personal_keys(store, NUMBER) if ":session:" in key}
    assert before

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(type(app.extensions["helpline.catalog"].current.sms), "reply", broken)
    assert "112" in (texter.send("1").text or "")
    assert before == {key: store.get(key) for key in before}


def test_without_content_a_text_gets_112_within_the_limits(tmp_path: Path) -> None:
    """Content never loaded: a texter learns (in Dutch and English) that the line is down and
    that 112 is there; those texts count against the minute's cap and the number's limit."""
    app = make_app(HELPLINE_CONTENT_DIR=str(tmp_path / "nothing"), HELPLINE_SMS_PER_NUMBER=2,
                   HELPLINE_SMS_REPLIES_PER_MINUTE=3)
    store = app.extensions["helpline.store"]
    texter = Texter(app.test_client(), NUMBER)
    replies = [texter.send("HULP") for _ in range(3)]  # the third is over the number's limit
    assert [True, True, False] == [reply.text is not None for reply in replies]
    assert "Bel 112" in (replies[0].text or "") and "Call 112" in (replies[0].text or "")
    others = [Texter(app.test_client(), f"+3161111111{i}").send("HULP") for i in range(2)]
    assert [True, False] == [reply.text is not None for reply in others]  # the cap: 3 a minute
    assert 3 == sent_this_minute(store.client)
    figures = read_day(store, dt.datetime.now(AMSTERDAM).date())
    assert (3, 1, 1) == (figures["sms.unavailable"], figures["sms.rate_limited"],
                         figures["sms.reply_capped"])


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    binary = _redis_binary()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run every test: install redis-server")
        pytest.skip("no redis-server binary here")
    server = RedisServer(binary, tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.mark.redis_server
def test_redis_stopping_mid_conversation_and_coming_back(own_redis: RedisServer) -> None:
    """Redis stops mid-conversation: texts are still answered; when it is back, state is too."""
    import time

    from helpline import store as store_module

    app = make_app(REDIS_URL=own_redis.url)
    texter = Texter(app.test_client(), NUMBER)
    assert texter.send("HULP").text is not None
    own_redis.stop()
    during = [texter.send(body) for body in ("1", "HULP", "MEER")]
    assert all(r.status == 200 and r.text for r in during)
    assert during[1].text is not None and during[1].text.startswith("Hulplijn mensenhandel.")
    own_redis.start()
    time.sleep(store_module.PAUSE_AFTER_FAILURE + 0.1)  # the store's pause after a failure
    assert texter.send("HULP").text is not None
    reply = texter.send("1")  # state is kept again: "1" opens the first topic
    assert reply.text is not None and reply.text.startswith("Je rechten")
    assert personal_keys(redis.Redis.from_url(own_redis.url, decode_responses=True), NUMBER)


@pytest.mark.redis_server
def test_without_the_store_a_digit_gets_sorry_how_to_call_and_112_not_a_loop(
        own_redis: RedisServer) -> None:
    """Redis down: a digit cannot be followed (the menu it answers is unknown). Instead of the
    language menu again and again, the texter learns how to call and 112, in the base language
    and English; a keyword still opens its main menu."""
    app = make_app(REDIS_URL=own_redis.url)
    texter = Texter(app.test_client(), NUMBER)
    texter.send("AJUTOR")
    own_redis.stop()
    for body in ("1", "0", "2"):
        reply = texter.send(body)
        assert reply.text is not None
        dutch, english = reply.text.split("\n")
        assert "Bel de hulplijn op" in dutch and "Bel 112." in dutch
        assert "Call the helpline on" in english and "Call 112." in english
        assert reply.measure.segments <= 2
    keyword = texter.send("AJUTOR")
    assert keyword.text is not None and keyword.text.startswith("Linia de ajutor")


@pytest.mark.redis_server
def test_the_wipe_word_during_an_outage_says_nothing_was_erased(own_redis: RedisServer) -> None:
    """The wipe word while Redis is down erases nothing: the texter is told so, in their
    language, to send it again, and how to call the helpline and 112 (whoever wants their
    traces gone may be in danger now); once Redis is back it erases everything."""
    import time

    from helpline import store as store_module

    app = make_app(REDIS_URL=own_redis.url)
    texter = Texter(app.test_client(), NUMBER)
    texter.send("ENGLISH")
    texter.send("1")
    own_redis.stop()
    failed = texter.send("WIPE")
    assert failed.text is not None
    assert failed.text.startswith("We cannot erase anything right now")
    assert "Send WIPE again in a few minutes." in failed.text and "erased." not in failed.text
    assert failed.text.endswith("\nWant to talk to someone? Call the helpline on "
                                "+31000000000. In danger right now? Call 112.")
    own_redis.start()
    time.sleep(store_module.PAUSE_AFTER_FAILURE + 0.1)
    admin = redis.Redis.from_url(own_redis.url, decode_responses=True)
    # (A fresh redis-server: write what the first one held, as a restarted one would keep it.)
    texter.send("ENGLISH")
    assert personal_keys(admin, NUMBER)
    wiped = texter.send("WIPE")
    assert wiped.text is not None and wiped.text.startswith("Everything we kept about your number")
    assert [] == kept_but_counts(admin, NUMBER)


def _cannot_save(admin: redis.Redis, server: RedisServer) -> None:
    """Make Redis fail to save to disk (its folder is gone): it then refuses writes (MISCONF)."""
    import shutil
    import time

    admin.config_set("save", "3600 1")
    shutil.rmtree(server.workdir)
    admin.bgsave()
    for _ in range(100):
        if admin.info("persistence")["rdb_last_bgsave_status"] == "err":
            return
        time.sleep(0.05)
    raise AssertionError("the save did not fail")


REFUSING: dict[str, Callable[[redis.Redis, RedisServer], object]] = {
    # A failover left the app on a replica (Sentinel, a managed Redis): every write refused.
    "read-only": lambda admin, _: admin.execute_command("REPLICAOF", "127.0.0.1", "1"),
    # Full, with the default noeviction policy: every write refused.
    "full": lambda admin, _: (admin.config_set("maxmemory-policy", "noeviction"),
                              admin.config_set("maxmemory", "1")),
    # The last save to disk failed (a full disk, say): every write refused, PING too.
    "not-saving": _cannot_save,
}
MENDING: dict[str, Callable[[redis.Redis], object]] = {
    "read-only": lambda admin: admin.execute_command("REPLICAOF", "NO", "ONE"),
    "full": lambda admin: admin.config_set("maxmemory", "0"),
    # (And no more saving: a Redis whose last save fails will not stop when asked to.)
    "not-saving": lambda admin: (admin.config_set("stop-writes-on-bgsave-error", "no"),
                                 admin.config_set("save", "")),
}


@pytest.mark.redis_server
@pytest.mark.parametrize("refusal", sorted(REFUSING))
def test_a_redis_that_refuses_writes_is_a_store_that_is_down(own_redis: RedisServer,
                                                             refusal: str) -> None:
    """A Redis that refuses every write (a replica after a failover, a full one, one that
    cannot save) is treated as down: texts are answered without state, never with the apology,
    /healthz turns 503 and says why, and a figure counts it. When it takes writes again, so
    does the helpline."""
    import time

    from helpline import store as store_module

    app = make_app(REDIS_URL=own_redis.url)
    admin = redis.Redis.from_url(own_redis.url, decode_responses=True)
    texter = Texter(app.test_client(), NUMBER)
    assert "ok" == app.test_client().get("/healthz").get_json()["store"]["status"]
    failures_before = value(scrape(app), "helpline_store_failures_total", reason=refusal)
    REFUSING[refusal](admin, own_redis)
    try:
        during = [texter.send(body) for body in ("HULP", "1")]
        assert during[0].text is not None and during[0].text.startswith("Hulplijn mensenhandel.")
        # A digit cannot be followed without the store: sorry, how to call, and 112.
        assert during[1].text is not None and during[1].text.startswith("Sorry, er ging")
        health = app.test_client().get("/healthz")
        assert (503, refusal) == (health.status_code, health.get_json()["store"]["status"])
        failures = value(scrape(app), "helpline_store_failures_total", reason=refusal)
        assert 1 == failures - failures_before  # the first text; the next skipped Redis
    finally:
        MENDING[refusal](admin)  # also when an assertion failed: the server must stop after
    time.sleep(store_module.PAUSE_AFTER_FAILURE + 0.1)
    assert texter.send("HULP").text is not None
    reply = texter.send("1")  # state is kept again: "1" opens the first topic
    assert reply.text is not None and reply.text.startswith("Je rechten")
    assert 200 == app.test_client().get("/healthz").status_code


@pytest.mark.redis_server
def test_a_command_the_account_may_not_run_does_not_stop_the_messages(
        own_redis: RedisServer) -> None:
    """A Redis account denied one command (NOPERM: here the SCAN of the staff page's lists)
    fails that one thing, counted as "refused", and does not pause the store: the very next
    text still keeps its conversation."""
    from helpline.store import StoreUnavailable

    admin = redis.Redis.from_url(own_redis.url, decode_responses=True)
    admin.execute_command("ACL", "SETUSER", "app", "on", ">app-password", "~*", "&*",
                          "+@all", "-scan")
    app = make_app(REDIS_URL=own_redis.url.replace("redis://", "redis://app:app-password@"))
    store = app.extensions["helpline.store"]
    texter = Texter(app.test_client(), NUMBER)
    assert texter.send("HULP").text is not None
    failures_before = value(scrape(app), "helpline_store_failures_total", reason="refused")
    with pytest.raises(StoreUnavailable, match="refused"):
        store.scan_json("callback")
    reply = texter.send("1")  # at once: the state was read, so "1" opens the first topic
    assert reply.text is not None and reply.text.startswith("Je rechten")
    assert 1 == value(scrape(app), "helpline_store_failures_total",
                      reason="refused") - failures_before


# --- fuzzing -----------------------------------------------------------------------------------

EXAMPLES = 2000 if os.environ.get("CI") else 200
FUZZ_APP = None


def fuzz_app() -> Flask:
    global FUZZ_APP
    if FUZZ_APP is None:
        FUZZ_APP = make_app(HELPLINE_SMS_PER_NUMBER=10**9, HELPLINE_SMS_REPLIES_PER_MINUTE=10**9)
    return FUZZ_APP


text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)
bodies = st.one_of(text, st.text(max_size=10_000), st.sampled_from(
    ["", "1", "0", "9", "*", "#", "HULP", "STOP", "WIS", "MEER", "99", "-1", "1.5", "\x00"]))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    body=bodies,
    sender=st.one_of(text, st.sampled_from(["+31612345678", "whatsapp:+31612345678", ""])),
    extra=st.dictionaries(text.filter(bool), text, max_size=5),
    drop=st.sets(st.sampled_from(["From", "Body", "To", "MessageSid", "AccountSid"])),
    signed=st.sampled_from(["valid", "missing", "forged"]),
)
def test_sms_webhook_survives_anything(body: str, sender: str, extra: dict[str, str],
                                       drop: set[str], signed: str) -> None:
    """Whatever arrives, /sms answers 200 with well-formed TwiML, or 403 when not signed."""
    params = {**sms_params(sender, body), **extra}
    for field in drop:
        params.pop(field, None)
    client = fuzz_app().test_client()
    if signed == "valid":
        response = post_signed(client, "/sms", params)
    else:
        headers = {} if signed == "missing" else {"X-Twilio-Signature": "Zm9yZ2Vk"}
        response = client.post("/sms", data=params, headers=headers)
    if signed == "valid":
        assert 200 == response.status_code
        assert "text/xml" == response.mimetype
        root = ET.fromstring(response.get_data(as_text=True))
        assert "Response" == root.tag
        assert all(child.tag == "Message" and child.text for child in root)
    else:
        assert 403 == response.status_code


# --- voice: privacy, failure and fuzzing ---------------------------------------------------------

from .twilio_client import voice_params  # noqa: E402
from .twiml_checker import check_twiml  # noqa: E402


def test_no_number_in_any_log_record_of_a_call(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    """A whole call (menus, wrong keys, a postcode, transfers nobody answers, a callback) logs no number."""
    caplog.set_level(logging.DEBUG)
    caller = Caller(app.test_client(), number=NUMBER)
    caller.call()
    for key in ("2", "1", "7", "1", "2", "#", "*", "0", "2", "1011"):  # Twilio drops the "#"
        caller.press(key)
    caller.dial_ends("no-answer")  # the coordinator does not answer: staff are tried next
    caller.dial_ends("no-answer")  # nor do staff: 112, the hours, and the callback offer
    caller.press("1")  # yes, call me back: the number is kept, sealed
    caller.silence()
    for record in caplog.records:
        text = record.getMessage() + str(record.exc_info or "") + str(record.args or "")
        assert "87654321" not in text, record.getMessage()


def test_an_unexpected_voice_error_apologises_gives_112_and_starts_over(
    monkeypatch: pytest.MonkeyPatch, embedded_app: Flask
) -> None:
    """A bug in a voice webhook: the caller hears sorry and 112 in their language, then the menu."""
    from helpline import voice

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(voice, "twiml_response", broken)
    response = embedded_app.test_client().post(
        "/voice/en/main/key", data={"Digits": "1"},
        headers={"X-Twilio-Signature": __import__("tests.twilio_client", fromlist=["sign"]).sign(
            "/voice/en/main/key", {"Digits": "1"})})
    assert 200 == response.status_code
    root = check_twiml(response.get_data(as_text=True))
    said = [el.text for el in root.iter("Say")]
    assert said[0] == "Sorry, something went wrong on our side."
    assert "1 1 2" in (said[1] or "")
    assert "/voice/en/main" == (root.find("Redirect").text or "").strip()  # type: ignore[union-attr]


VOICE_PATHS = st.one_of(
    st.sampled_from(["/voice", "/voice/nl/main", "/voice/en/main/key", "/voice/_/_languages/key",
                     "/voice/fr/rights/silence?n=2", "/voice/nl/_person/done?n=1",
                     "/voice/nl/b8-3/key", "/voice/xx/yy/key", "/voice/nl/main/silence?n=abc"]),
    st.builds(lambda a, b, c: f"/voice/{a}/{b}/{c}",
              st.text("abcdefghijklmnopqrstuvwxyz_-0123456789", max_size=12),
              st.text("abcdefghijklmnopqrstuvwxyz_-0123456789", max_size=12),
              st.sampled_from(["key", "silence", "done", "x"])),
)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    path=VOICE_PATHS,
    digits=st.one_of(text, st.sampled_from(["", "1", "0", "*", "#", "9", "8", "12", "٣"])),
    extra=st.dictionaries(text.filter(bool), text, max_size=5),
    drop=st.sets(st.sampled_from(["From", "To", "CallSid", "Digits", "CallStatus"])),
    signed=st.sampled_from(["valid", "valid", "missing", "forged"]),
)
def test_voice_webhooks_survive_anything(path: str, digits: str, extra: dict[str, str],
                                         drop: set[str], signed: str) -> None:
    """Whatever arrives at any voice URL: 200 with well-formed Twilio TwiML, or 403 unsigned."""
    params = {**voice_params(NUMBER, "+3197010000000", "CA" + "1" * 32, Digits=digits,
                             DialCallStatus="no-answer"), **extra}
    for field in drop:
        params.pop(field, None)
    client = fuzz_app().test_client()
    if path.startswith("/voice/") and path.count("/") < 2:
        return
    if signed == "valid":
        response = post_signed(client, path, params)
        assert 200 == response.status_code, (path, response.status_code)
        assert "text/xml" == response.mimetype
        check_twiml(response.get_data(as_text=True))
    else:
        headers = {} if signed == "missing" else {"X-Twilio-Signature": "Zm9yZ2Vk"}
        assert 403 == client.post(path, data=params, headers=headers).status_code


def test_a_serving_worker_counts_figures_in_memory_and_writes_them_together(
    raw_store: redis.Redis, app: Flask
) -> None:
    """Figures wait in the worker and arrive in Redis together, anonymous, when flushed."""
    from helpline.stats import Tally

    tally = Tally(app.extensions["helpline.store"], seconds=3600)
    app.extensions["helpline.tally"] = tally
    texter = Texter(app.test_client(), NUMBER)
    for body in ("HULP", "1", "1"):
        texter.send(body)
    assert [] == raw_store.keys("helpline:stats:*")  # nothing written on the request path
    tally.flush()
    (day,) = raw_store.keys("helpline:stats:*")
    figures = raw_store.hgetall(day)
    assert {"sms.menu|lang=nl|node=main": "1", "sms.menu|lang=nl|node=rights": "1",
            "sms.answer|lang=nl|node=b8-3": "1"} == figures
    assert 0 < raw_store.ttl(day) <= 400 * 86400


def test_figures_wait_while_redis_is_down_and_arrive_later() -> None:
    """A flush that cannot reach Redis keeps the figures for the next one."""
    import fakeredis

    from helpline.stats import Tally
    from helpline.store import Store

    server = fakeredis.FakeServer()
    store = Store(fakeredis.FakeRedis(server=server, decode_responses=True), embedded=True)
    tally = Tally(store, seconds=3600)
    tally.add("helpline:stats:2026-11-28", "voice.call")
    server.connected = False
    tally.flush()
    server.connected = True
    store._down_until = 0.0
    tally.flush()
    assert {"voice.call": "1"} == store.client.hgetall("helpline:stats:2026-11-28")
