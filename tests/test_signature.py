"""Only requests signed with the Twilio auth token drive the webhooks."""

from __future__ import annotations

import pytest
import redis
from flask import Flask
from twilio.request_validator import RequestValidator

from .conftest import make_app
from .twilio_client import PUBLIC_URL, TOKEN, sign, sms_params


def test_signature_matches_twilios_documented_example() -> None:
    """Our validator agrees with the vector of twilio-python's own request-validator tests."""
    validator = RequestValidator("12345")
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {"CallSid": "CA1234567890ABCDE", "Caller": "+14158675309", "Digits": "1234",
              "From": "+14158675309", "To": "+18005551212"}
    assert "RSOYDt4T1cUTdK1PDd93/VVr8B8=" == validator.compute_signature(url, params)
    assert validator.validate(url, params, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")


def test_signed_request_is_answered(app: Flask) -> None:
    """A correctly signed request gets the menu."""
    params = sms_params("+31612345678", "HULP")
    response = app.test_client().post("/sms", data=params,
                                      headers={"X-Twilio-Signature": sign("/sms", params)})
    assert 200 == response.status_code
    assert b"Hulplijn mensenhandel" in response.data


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Twilio-Signature": ""}, {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},
     {"X-Twilio-Signature": "ñ\x00" + "é" * 26}],
    ids=["missing", "empty", "forged", "not ascii"],
)
def test_unsigned_or_forged_request_is_refused_and_changes_nothing(
    headers: dict[str, str], app: Flask, raw_store: redis.Redis
) -> None:
    """403, no TwiML, and nothing stored."""
    response = app.test_client().post("/sms", data=sms_params("+31612345678", "HULP"),
                                      headers=headers)
    assert 403 == response.status_code
    assert [] == raw_store.keys("*")


def test_tampered_body_breaks_the_signature(app: Flask) -> None:
    """A signature for one body does not cover another."""
    params = sms_params("+31612345678", "HULP")
    signature = sign("/sms", params)
    params["Body"] = "WIS"
    response = app.test_client().post("/sms", data=params,
                                      headers={"X-Twilio-Signature": signature})
    assert 403 == response.status_code


def test_signature_over_the_url_with_its_default_port_is_accepted(app: Flask) -> None:
    """Twilio sometimes signs the URL with the port written out (https://host:443/sms)."""
    params = sms_params("+31612345678", "HULP")
    with_port = PUBLIC_URL.replace("https://helpline.example.org",
                                   "https://helpline.example.org:443")
    assert with_port != PUBLIC_URL
    signature = RequestValidator(TOKEN).compute_signature(with_port + "/sms", params)
    response = app.test_client().post("/sms", data=params,
                                      headers={"X-Twilio-Signature": signature})
    assert 200 == response.status_code


def test_signature_is_checked_against_the_public_url_behind_a_proxy(app: Flask) -> None:
    """Behind TLS termination the app sees http://localhost, but Twilio signed the public URL."""
    params = sms_params("+31612345678", "HULP")
    local = RequestValidator(TOKEN).compute_signature("http://localhost/sms", params)
    response = app.test_client().post("/sms", data=params, headers={"X-Twilio-Signature": local})
    assert 403 == response.status_code
    assert PUBLIC_URL.startswith("https://")


def test_query_string_is_part_of_the_signed_url() -> None:
    """A query string with escapes is signed as sent, not as Werkzeug decodes it."""
    app = make_app()
    params = sms_params("+31612345678", "HULP")
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC_URL + "/sms?x=a%20b", params)
    response = app.test_client().post("/sms?x=a%20b", data=params,
                                      headers={"X-Twilio-Signature": signature})
    assert 200 == response.status_code


def test_development_without_token_serves_unsigned_requests() -> None:
    """On a developer machine without a token, webhooks work (with a warning at start)."""
    app = make_app(HELPLINE_ENV="development", TWILIO_AUTH_TOKEN=None)
    response = app.test_client().post("/sms", data=sms_params("+31612345678", "HULP"))
    assert 200 == response.status_code


def test_only_a_signed_request_can_be_a_rehearsal(app: Flask, raw_store: redis.Redis) -> None:
    """``HelplineRehearsal=1`` (the smoke test's) counts only when signed: unsigned it is refused
    like any request; signed, the text is answered but left out of the figures."""
    from helpline.stats import read_day, today

    store = app.extensions["helpline.store"]
    rehearsal = {**sms_params("+31612345678", "HULP"), "HelplineRehearsal": "1"}
    client = app.test_client()
    assert 403 == client.post("/sms", data=rehearsal).status_code
    assert [] == raw_store.keys("*")
    answered = client.post("/sms", data=rehearsal,
                           headers={"X-Twilio-Signature": sign("/sms", rehearsal)})
    assert 200 == answered.status_code and b"Hulplijn mensenhandel" in answered.data
    assert {} == read_day(store, today())
    real = sms_params("+31612345678", "HULP")
    client.post("/sms", data=real, headers={"X-Twilio-Signature": sign("/sms", real)})
    assert 1 == read_day(store, today())["sms.menu|lang=nl|node=main"]


def test_without_a_token_only_a_commands_own_simulator_is_served() -> None:
    """In a command (not a server) without a token, the simulator's in-process requests are
    answered; a request without the simulator's environ mark is still refused."""
    import click

    from helpline import create_app
    from helpline.simulate import SIMULATED

    with click.Context(click.Command("simulate"), info_name="simulate"):
        app = create_app({"HELPLINE_ENV": "production", "TWILIO_AUTH_TOKEN": None,
                          "HELPLINE_RELOAD_SECONDS": 0})
    params = sms_params("+31612345678", "HULP")
    assert 403 == app.test_client().post("/sms", data=params).status_code
    simulated = app.test_client().post("/sms", data=params, environ_overrides={SIMULATED: True})
    assert 200 == simulated.status_code
    assert b"Hulplijn mensenhandel" in simulated.data
