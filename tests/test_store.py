"""What is kept about a texter, under which key, and for how long: on real Redis and embedded."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import redis
from flask import Flask

from helpline import engine
from helpline.identity import normalize, number_key
from helpline.store import LEASE, LEASE_MS
from helpline.visit import Visit

from .conftest import HASH_KEY, kept_but_counts, personal_keys
from .twilio_client import Texter

NUMBER = "+31612345678"


def everything_kept(client: redis.Redis) -> dict[str, str]:
    """Every key and its value as text, whatever its type."""
    kept = {}
    for key in client.keys("*"):
        kind = client.type(key)
        kept[key] = str(client.hgetall(key) if kind == "hash" else client.get(key))
    return kept


def test_session_sits_under_a_hashed_key_with_the_idle_ttl(
    texter: Texter, raw_store: redis.Redis
) -> None:
    """The session key is an HMAC of the number, expiring after 30 idle minutes."""
    texter.send("HULP")
    texter.send("1")
    key = number_key(NUMBER, HASH_KEY.encode())
    assert [f"helpline:lang:{key}", f"helpline:rate:{key}", f"helpline:session:{key}"] == \
        personal_keys(raw_store, NUMBER)
    assert 1790 <= raw_store.ttl(f"helpline:session:{key}") <= 1800
    assert 30 * 24 * 3600 - 10 <= raw_store.ttl(f"helpline:lang:{key}") <= 30 * 24 * 3600


def test_each_message_renews_the_session_ttl(texter: Texter, raw_store: redis.Redis) -> None:
    """The 30 minutes count from the last message, not the first."""
    texter.send("HULP")
    key = f"helpline:session:{number_key(NUMBER, HASH_KEY.encode())}"
    raw_store.expire(key, 5)
    texter.send("1")
    assert raw_store.ttl(key) > 1700


@pytest.mark.parametrize("written", ["+31612345678", "0612345678", "+31 6 1234 5678",
                                      "whatsapp:+31612345678", "0031612345678"])
def test_no_key_or_value_holds_the_number(written: str, app: Flask, raw_store: redis.Redis) -> None:
    """However the number is written, it appears nowhere in Redis, in full or in part."""
    texter = Texter(app.test_client(), written)
    for body in ("HULP", "1", "2", "MEER"):
        texter.send(body)
    kept = everything_kept(raw_store)
    assert kept
    dump = " ".join([*kept, *kept.values()])
    for fragment in ("612345678", "0612345678", "31612345678", "12345678"):
        assert fragment not in dump


def test_every_personal_key_has_a_ttl(texter: Texter, raw_store: redis.Redis) -> None:
    """Nothing personal is kept forever."""
    for body in ("HULP", "1", "8", "2"):
        texter.send(body)
    for key in raw_store.keys("*"):
        assert raw_store.ttl(key) > 0, key


def test_wipe_leaves_nothing_behind_but_the_count_for_the_limit(
        texter: Texter, raw_store: redis.Redis) -> None:
    """After the wipe word, not one key about the number remains but the bare count of its
    messages, which expires with the limit's window (10 minutes)."""
    for body in ("HULP", "1", "1", "MEER"):
        texter.send(body)
    assert personal_keys(raw_store, NUMBER)
    texter.send("WIS")
    rate = f"helpline:rate:{number_key(NUMBER, HASH_KEY.encode())}"
    assert [rate] == personal_keys(raw_store, NUMBER)
    assert "5" == raw_store.get(rate) and 0 < raw_store.ttl(rate) <= 600


def test_wipe_leaves_other_texters_alone(app: Flask, raw_store: redis.Redis) -> None:
    """One texter's wipe erases only their own data."""
    Texter(app.test_client(), "+31611111111").send("HULP")
    Texter(app.test_client(), "+31622222222").send("HULP")
    Texter(app.test_client(), "+31622222222").send("WIS")
    assert 3 == len(personal_keys(raw_store, "+31611111111"))
    assert [] == kept_but_counts(raw_store, "+31622222222")


@pytest.mark.parametrize(
    ("written", "expected"),
    [("whatsapp:+31612345678", "+31612345678"), ("0612345678", "+31612345678"),
     ("+44 20 7946 0000", "+442079460000"), ("CoMensha", "comensha"), ("", "")],
)
def test_numbers_are_normalised_before_hashing(written: str, expected: str) -> None:
    """Different spellings of one number are one person; sender names stay distinct."""
    assert expected == normalize(written)


def test_the_hash_depends_on_the_secret() -> None:
    """Without the secret key the hash cannot be recomputed from a guessed number."""
    assert number_key(NUMBER, b"one") != number_key(NUMBER, b"two")
    assert NUMBER not in number_key(NUMBER, b"one")


def test_redis_replies_are_read_by_hiredis() -> None:
    """Production's client reads Redis's replies with hiredis (a dependency), the fast parser
    every SMS round trip uses; without it redis-py falls back to its slower pure-Python one."""
    from redis._parsers import _HiredisParser

    from helpline.store import connect

    connection = connect("redis://127.0.0.1:1/0").client.connection_pool.make_connection()
    assert isinstance(connection._parser, _HiredisParser)


def test_update_json_writes_only_its_fields_and_python_reads_them_back(
        app: Flask, raw_store: redis.Redis) -> None:
    """A field update leaves the others as they are now (not as the caller read them), keeps
    the TTL when asked, and what Lua's cjson writes back (a timestamp to 14 significant digits,
    null, an escaped slash) reads back in Python; a guarded field that holds another value,
    or a key that is gone, is left alone."""
    store = app.extensions["helpline.store"]
    store.create_json("thread", "ABCDE", {"texter": "a/b+c=", "last": 1.0, "staff": None,
                                          "told_closed": "x", "line": None}, 100)
    raw_store.expire("helpline:thread:ABCDE", 50)
    assert "updated" == store.update_json("thread", "ABCDE", {"last": 1764063000.123456,
                                                              "told_closed": None}, None)
    assert "updated" == store.update_json("thread", "ABCDE", {"staff": "k1"}, None,
                                          only_if_empty="staff")
    assert "updated" == store.update_json("thread", "ABCDE", {"staff": "k1"}, None,
                                          only_if_empty="staff")  # already theirs
    assert "held" == store.update_json("thread", "ABCDE", {"staff": "k2"}, 100,
                                       only_if_empty="staff")
    kept = store.get_json("thread", "ABCDE")
    assert {"texter": "a/b+c=", "staff": "k1", "told_closed": None, "line": None} == {
        name: value for name, value in kept.items() if name != "last"}
    assert abs(float(kept["last"]) - 1764063000.123456) < 0.001
    assert 0 < raw_store.ttl("helpline:thread:ABCDE") <= 50
    raw_store.delete("helpline:thread:ABCDE")
    assert "gone" == store.update_json("thread", "ABCDE", {"staff": "k1"}, 100,
                                       then={("handoff", "K"): ("ABCDE", 100)})
    assert [] == raw_store.keys("*")


# --- one message of a number at a time ----------------------------------------------------------

def test_two_texts_sent_at_once_are_answered_one_after_the_other(
        app: Flask, raw_store: redis.Redis, monkeypatch: pytest.MonkeyPatch) -> None:
    """A phone that sends two queued texts at once ("1" and "2" at the main menu): the second
    is answered once the first is, from the menu the first left on screen (its topic), not
    from the main menu both would otherwise read."""
    Texter(app.test_client(), NUMBER).send("HULP")
    step = engine.step

    def slow_step(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.2)  # the first text is still being answered when the second arrives
        return step(*args, **kwargs)

    monkeypatch.setattr(engine, "step", slow_step)
    replies: dict[str, str | None] = {}

    def send(body: str) -> None:
        replies[body] = Texter(app.test_client(), NUMBER).send(body).text

    first = threading.Thread(target=send, args=("1",))
    first.start()
    time.sleep(0.05)
    send("2")
    first.join()
    monkeypatch.undo()
    one_by_one = Texter(app.test_client(), "+31698765432")
    assert [one_by_one.send(body).text for body in ("HULP", "1", "2")][1:] == [
        replies["1"], replies["2"]]
    assert (replies["1"] or "").startswith("Je rechten")
    assert [] == raw_store.keys(f"helpline:{LEASE}:*")


def test_a_text_waits_while_another_of_the_number_is_answered_and_not_forever(
        app: Flask, raw_store: redis.Redis) -> None:
    """While a message of the number is being answered (its lease), the next waits; a lease
    left by a server that died answering runs out (LEASE_MS), and the text is answered."""
    key = f"helpline:{LEASE}:{number_key(NUMBER, HASH_KEY.encode())}"
    raw_store.set(key, "another message", px=600)
    answered: list[str | None] = []
    waiting = threading.Thread(
        target=lambda: answered.append(Texter(app.test_client(), NUMBER).send("HULP").text))
    waiting.start()
    time.sleep(0.3)
    assert [] == answered and waiting.is_alive()  # not answered while the other holds it
    waiting.join(timeout=LEASE_MS / 1000 + 5)
    assert (answered[0] or "").startswith("Hulplijn mensenhandel.")
    assert [] == raw_store.keys(f"helpline:{LEASE}:*")


def test_a_visit_that_ends_while_the_store_pauses_still_gives_the_lease_back(
        app: Flask, raw_store: redis.Redis) -> None:
    """After a failure elsewhere the store pauses for every request (PAUSE_AFTER_FAILURE): a
    visit that began before it and ends during it saves nothing, but gives the number's lease
    back, so that the number's next message does not wait for it to run out."""
    store = app.extensions["helpline.store"]
    visit = Visit.begin(store, number_key(NUMBER, HASH_KEY.encode()), 600)
    assert 1 == len(raw_store.keys(f"helpline:{LEASE}:*"))
    store._failed("unreachable")  # what another request's timeout does
    visit.keep("session", {"lang": "nl"}, 60)
    visit.finish()
    assert [] == raw_store.keys(f"helpline:{LEASE}:*")
