"""What an operator sees: start-up refusals, /healthz, and `check` on the shipped content."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

from helpline.config import ConfigError, from_environment

from .conftest import ROOT, make_app


@pytest.mark.parametrize("missing", ["TWILIO_AUTH_TOKEN", "HELPLINE_HASH_KEY",
                                     "HELPLINE_ENCRYPTION_KEY", "HELPLINE_PUBLIC_URL"])
def test_production_refuses_to_start_without_secrets(missing: str) -> None:
    """A production server without the Twilio token, the hash key, the encryption key or the
    public URL (what Twilio signs for, and fetches recordings from) does not start."""
    with pytest.raises(ConfigError, match=missing):
        make_app(**{missing: None})


def test_production_refuses_to_serve_without_redis() -> None:
    """Without REDIS_URL each gunicorn worker would keep its own store (a wipe erasing one
    worker's copy, limits per worker) while /healthz said healthy: production does not start."""
    import click

    from helpline import create_app

    settings = {"HELPLINE_ENV": "production", "TWILIO_AUTH_TOKEN": "t", "HELPLINE_HASH_KEY": "h",
                "HELPLINE_ENCRYPTION_KEY": "e", "HELPLINE_RELOAD_SECONDS": 0, "REDIS_URL": None,
                "HELPLINE_PUBLIC_URL": "https://helpline.example.org"}
    with pytest.raises(ConfigError, match="refusing to start in production without REDIS_URL"):
        create_app(settings)  # gunicorn
    with click.Context(click.Command("run"), info_name="run"), \
            pytest.raises(ConfigError, match="without REDIS_URL"):
        create_app(settings)
    with click.Context(click.Command("check"), info_name="check"):
        assert create_app(settings).config["HELPLINE_SERVING"] is False  # commands still run
    assert create_app({**settings, "HELPLINE_ENV": "development"})  # ./scripts/run


def test_bad_numbers_in_the_environment_are_named() -> None:
    """A typo in a TTL says which variable is wrong."""
    with pytest.raises(ConfigError, match="HELPLINE_SESSION_TTL"):
        from_environment({"HELPLINE_SESSION_TTL": "30 minutes"})


@pytest.mark.parametrize(("name", "value", "says"), [
    ("HELPLINE_SMS_PER_NUMBER", "twenty", "a whole number of messages (per window), not 'twenty'"),
    ("HELPLINE_SMS_REPLIES_PER_MINUTE", "3OO", "a whole number of messages (a minute), not '3OO'"),
    ("HELPLINE_HANDOFF_WINDOW", "30m", "a whole number of seconds, not '30m'"),
    ("HELPLINE_SMS_PER_NUMBER", "0", "a positive whole number of messages (per window), not 0"),
    ("HELPLINE_CALLBACK_TTL", "-1", "a positive whole number of seconds, not -1"),
])
def test_a_setting_typo_stops_a_command_with_one_line_naming_it(
        name: str, value: str, says: str, tmp_path: Path) -> None:
    """`check` (which the container's start runs first) stops at a wrong setting with one line
    that says what it counts, not a traceback (and a limit of messages is not "seconds")."""
    result = subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "--app", str(ROOT / "app.py"), "helpline",
         "check"], cwd=tmp_path, env={**os.environ, name: value, "HELPLINE_ENV": "production"},
        capture_output=True, text=True, timeout=120, check=False)
    assert (4, f"Error: {name} must be {says}") == (result.returncode, result.stderr.strip())


def test_environment_variables_are_read() -> None:
    """Settings come from the environment, and empty values count as unset."""
    assert {"REDIS_URL": "redis://r:6379/0", "HELPLINE_SESSION_TTL": 600} == from_environment(
        {"REDIS_URL": "redis://r:6379/0", "HELPLINE_SESSION_TTL": "600", "TWILIO_AUTH_TOKEN": ""})


@pytest.mark.parametrize(("public", "refused"), [
    ("https://helpline.example.org", None),
    ("https://helpline.example.org/", None),
    ("https://helpline.example.org:8443", None),
    ("https://example.org/helpline", "without a path"),
    ("https://helpline.example.org/?x=1", "without a path"),
    ("http://helpline.example.org", "https:// in production"),
    ("helpline.example.org", "an address such as"),
])
def test_the_public_url_must_be_one_twilio_can_follow(public: str, refused: str | None) -> None:
    """The voice menus hand out root-relative URLs: a public URL with a path would send every
    caller's key press to a 404 (Twilio drops the path); plain http would send texts unencrypted."""
    if refused is None:
        assert public == make_app(HELPLINE_PUBLIC_URL=public).config["HELPLINE_PUBLIC_URL"]
        return
    with pytest.raises(ConfigError, match=refused):
        make_app(HELPLINE_PUBLIC_URL=public)


@pytest.mark.parametrize("number", ["0201234567", "whatsapp:+3197010000099",
                                    "+31 970 1000 0099", "31970100000999"])
def test_an_sms_number_twilio_would_refuse_stops_the_start(number: str) -> None:
    """Messages to staff about a WhatsApp texter go from HELPLINE_SMS_NUMBER, and Twilio sends
    only from an E.164 number: any other form would leave the texter waiting for staff who
    never hear of them, so the app does not start, and says why."""
    with pytest.raises(ConfigError) as refused:
        make_app(HELPLINE_SMS_NUMBER=number)
    assert (f"HELPLINE_SMS_NUMBER must be the helpline's own SMS number as Twilio shows it, not "
            f"{number!r}: + and the country code, then the number without its first 0, without "
            "spaces and without 'whatsapp:' (+31970...)") == str(refused.value)


@pytest.mark.parametrize("number", ["+319701000009", "+31970100000999"])
def test_an_sms_number_the_numbering_plan_does_not_know_is_warned_about(
        number: str, caplog: pytest.LogCaptureFixture) -> None:
    """In E.164 form but a digit short or long (or in a range too new for the numbering plan):
    a warning, not a refusal, which could keep a real number's helpline from starting."""
    with caplog.at_level(logging.WARNING, logger="helpline.config"):
        app = make_app(HELPLINE_SMS_NUMBER=number)
    assert number == app.config["HELPLINE_SMS_NUMBER"]
    assert any("is not a number the numbering plan knows" in r.getMessage() for r in caplog.records)


def test_plain_http_is_allowed_in_development() -> None:
    """A developer's tunnel or local address may be http."""
    app = make_app(HELPLINE_ENV="development", HELPLINE_PUBLIC_URL="http://127.0.0.1:5000")
    assert "http://127.0.0.1:5000" == app.config["HELPLINE_PUBLIC_URL"]


def test_healthz_reports_content_and_store(app: Flask, store_kind: str) -> None:
    """/healthz says the content version and languages, and that the store answers."""
    response = app.test_client().get("/healthz")
    assert 200 == response.status_code
    body = response.get_json()
    assert "ok" == body["status"]
    assert ["nl", "en"] == body["content"]["languages"][:2]
    assert {"status": "ok", "kind": "embedded" if store_kind == "embedded" else "redis"} == body["store"]


def test_healthz_is_503_when_the_store_is_unreachable() -> None:
    """With Redis unreachable, /healthz turns 503 and says which part is down."""
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    response = app.test_client().get("/healthz")
    assert 503 == response.status_code
    assert "unreachable" == response.get_json()["store"]["status"]


def test_sms_still_answers_when_the_store_is_unreachable() -> None:
    """With Redis unreachable, a texter still gets the language menu, never a 5xx."""
    from .twilio_client import Texter

    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    reply = Texter(app.test_client(), "+31612345678").send("HULP")
    assert reply.text is not None
    assert reply.text.startswith("Hulplijn mensenhandel.")


def test_check_prints_segment_counts_per_language(embedded_app: Flask) -> None:
    """On the shipped content `check` passes and lists every menu and answer page per language."""
    result = embedded_app.test_cli_runner().invoke(args=["helpline", "check"])
    assert 0 == result.exit_code, result.output
    assert "\nnl Nederlands: SMS GSM-7 (simplified letters); segments per message" in result.output
    assert "  menu   main                     1 (first message: 2)" in result.output
    assert "  answer b8-3                     " in result.output
    assert "20 answers" in result.output.splitlines()[-1]
    assert "EXAMPLE number" in result.output


def test_flask_run_counts_as_serving() -> None:
    """`flask run` is a web server: production refuses it without secrets, like gunicorn."""
    import click

    from helpline import create_app

    with click.Context(click.Command("run"), info_name="run"), \
            pytest.raises(ConfigError, match="TWILIO_AUTH_TOKEN"):
        create_app({"HELPLINE_ENV": "production", "TWILIO_AUTH_TOKEN": None})


def test_other_commands_run_without_secrets() -> None:
    """`flask ... helpline check` works on a machine without the production secrets."""
    import click

    from helpline import create_app

    with click.Context(click.Command("check"), info_name="check"):
        app = create_app({"HELPLINE_ENV": "production", "TWILIO_AUTH_TOKEN": None,
                          "HELPLINE_RELOAD_SECONDS": 0})
    assert app.config["HELPLINE_SERVING"] is False
