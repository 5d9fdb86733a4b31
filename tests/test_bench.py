"""The benchmark's parts, quickly: the generated tree loads, and the scripts speak Twilio."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from twilio.request_validator import RequestValidator

from bench import ceiling, load
from bench.generate import generate_tree, shape
from helpline import engine
from helpline.catalog import build_catalog
from helpline.store import connect

from .conftest import make_app
from .twilio_client import parse_sms_twiml


def test_generated_tree_passes_validation_and_has_the_size_asked(tmp_path: Path) -> None:
    """A small generated tree (4 languages x 40 nodes) loads like shipped content."""
    catalog = build_catalog(*generate_tree(tmp_path, languages=4, nodes=40))
    content = catalog.content
    assert 4 == len(content.languages)
    assert 40 == len(content.tree.menus) + len(content.tree.answers)


def test_a_generated_tree_of_more_languages_than_keys_loads_whole(tmp_path: Path) -> None:
    """60 languages (more than the 52 one-letter names and the 9 keys of old) all load, and
    the language menu has pages of 8 that each fit the SMS menu budget."""
    catalog = build_catalog(*generate_tree(tmp_path, languages=60, nodes=12))
    assert 60 == len(catalog.content.languages)
    assert [8] * 7 + [4] == [len(page) for page in catalog.rules.language_pages]
    last = catalog.sms.reply(None, engine.Screen(engine.LANGUAGES, 7))
    assert "1 Taal 57\n2 Taal 58\n3 Taal 59\n4 Taal 60\n9 >> Meer talen" == last.text


def test_the_full_size_shape_is_a_valid_menu_tree() -> None:
    """500 nodes: 99 answers (the FAQ-number limit) and 401 menus of at most 7 options."""
    answers, menus = shape(500)
    assert (99, 401) == (len(answers), len(menus))
    assert all(1 <= len(options) <= 7 for options in menus.values())
    placed = [option for options in menus.values() for option in options]
    assert sorted(placed) == sorted([*answers, *list(menus)[1:]])


def test_sms_script_gets_a_reply_to_every_message_on_a_generated_tree(tmp_path: Path) -> None:
    """A bench texter's messages are signed right and each one is answered with a text."""
    content, prompts = generate_tree(tmp_path, languages=3, nodes=30)
    app = make_app(HELPLINE_CONTENT_DIR=str(content), HELPLINE_PROMPTS_DIR=str(prompts),
                   TWILIO_AUTH_TOKEN=load.TOKEN, HELPLINE_PUBLIC_URL=load.PUBLIC_URL)
    script = load.SmsConversations(load.languages_of(build_catalog(content, prompts).content), 0)
    client, validator = app.test_client(), RequestValidator(load.TOKEN)
    status, body = None, b""
    for _ in range(16):
        path, params = script.next(status, body)
        response = client.post(path, data=params, headers={
            "X-Twilio-Signature": validator.compute_signature(load.PUBLIC_URL + path, params)})
        status, body = response.status_code, response.get_data()
        assert 200 == status
        assert parse_sms_twiml(body.decode())


def test_voice_script_presses_keys_on_the_gather_and_rings_again_when_done() -> None:
    """A bench caller posts the next key to the Gather action, resolved like Twilio does."""
    calls = load.VoiceCalls()
    assert "/voice" == calls.next(None, b"")[0]
    path, params = calls.next(200, ceiling.VOICE.encode())
    assert ("/voice/nl/main/key", "1") == (path, params["Digits"])
    path, params = calls.next(200, b'<Response><Redirect>silence?n=2</Redirect></Response>')
    assert ("/voice/nl/main/silence?n=2", None) == (path, params.get("Digits"))
    assert "/voice" == calls.next(200, b"<Response><Dial>+31000000001</Dial></Response>")[0]


def test_the_floor_answers_signed_requests_and_refuses_others(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The floor does what every webhook must: a bench request is answered, a forged one not."""
    monkeypatch.setattr(ceiling, "_validator", RequestValidator(load.TOKEN))
    monkeypatch.setattr(ceiling, "_public_url", load.PUBLIC_URL)
    client, validator = ceiling.floor.test_client(), RequestValidator(load.TOKEN)
    calls = load.VoiceCalls()
    # Ring, press a key on the answer's Gather, then follow a redirect with a query string.
    answers = [b"", ceiling.VOICE.encode(), b"<Response><Redirect>silence?n=2</Redirect></Response>"]
    paths = []
    for answer in answers:
        path, params = calls.next(200 if answer else None, answer)
        signature = validator.compute_signature(load.PUBLIC_URL + path, params)
        response = client.post(path, data=params, headers={"X-Twilio-Signature": signature})
        assert (200, ceiling.VOICE.encode()) == (response.status_code, response.data)
        paths.append(path)
    assert ["/voice", "/voice/nl/main/key", "/voice/nl/main/silence?n=2"] == paths
    forged = client.post("/sms", data=params, headers={"X-Twilio-Signature": signature})
    assert 403 == forged.status_code


@pytest.mark.parametrize(("floor", "kinds"), [
    ("stored", ["lang", "rate", "replies", "session"]),  # read and count; keep and count
    ("one_trip", ["lang", "rate", "replies", "session"]),  # the same, in one script
])
def test_the_store_floors_make_a_texts_round_trips_and_no_more(
        floor: str, kinds: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The store floors read and write what the helpline's visit does: the texter's state and
    language under their hashed number, their message count, the minute's replies (the
    one-trip floor in a single script); a forged request changes nothing."""
    monkeypatch.setattr(ceiling, "_validator", RequestValidator(load.TOKEN))
    monkeypatch.setattr(ceiling, "_public_url", load.PUBLIC_URL)
    # A store of its own: never the Redis that REDIS_URL may name in the shell running the tests.
    store = connect(None)
    monkeypatch.setattr(ceiling, "_store", store)
    raw = store.client
    app: Flask = getattr(ceiling, floor)
    client, validator = app.test_client(), RequestValidator(load.TOKEN)
    path, params = load.SmsConversations([load.Language("HULP", "MEER", "WIS")], 0).next(None, b"")
    forged = client.post(path, data=params, headers={"X-Twilio-Signature": "forged"})
    assert 403 == forged.status_code
    assert [] == raw.keys("*")
    signature = validator.compute_signature(load.PUBLIC_URL + path, params)
    response = client.post(path, data=params, headers={"X-Twilio-Signature": signature})
    assert (200, ceiling.SMS.encode()) == (response.status_code, response.data)
    assert kinds == sorted(key.split(":")[1] for key in raw.keys("*"))
    assert all(raw.ttl(key) > 0 for key in raw.keys("*"))
    assert not any(params["From"] in key for key in raw.keys("*"))
