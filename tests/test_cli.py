"""The commands staff and operators type: simulate, stats, translated, review."""

from __future__ import annotations

from flask import Flask

from .conftest import make_app
from .twilio_client import Texter


def test_simulate_sms_shows_replies_and_their_cost(embedded_app: Flask) -> None:
    """A staff member types HULP and 1 and sees each reply with its segment count."""
    result = embedded_app.test_cli_runner().invoke(
        args=["helpline", "simulate", "sms"], input="HULP\n1\nSTOP\n")
    assert 0 == result.exit_code, result.output
    assert "[2 segments, GSM-7, 284 characters]" in result.output
    assert "  | Hulplijn mensenhandel. Informatie en hulp." in result.output
    assert "  | Je rechten" in result.output
    assert "  (no reply is sent)" in result.output


def test_simulate_goes_through_the_signature_check() -> None:
    """The simulator signs like Twilio, so it works against a production-configured app."""
    app = make_app(HELPLINE_PUBLIC_URL="https://helpline.example.org")
    result = app.test_cli_runner().invoke(args=["helpline", "simulate", "sms"], input="HELPLINE\n")
    assert "  | Human trafficking helpline. Information and help." in result.output


def test_stats_prints_figures_that_moved(embedded_app: Flask) -> None:
    """After a conversation, `stats` shows today's answers and the most read answer."""
    texter = Texter(embedded_app.test_client(), "+31612345678")
    for body in ("HULP", "1", "1", "xyz"):
        texter.send(body)
    result = embedded_app.test_cli_runner().invoke(args=["helpline", "stats", "--days", "2"])
    assert 0 == result.exit_code, result.output
    assert "sms.answer" in result.output
    assert "sms.not_understood" in result.output
    assert "       1  b8-3 (nl)" in result.output
    assert "612345678" not in result.output


def test_stats_without_figures_says_so(embedded_app: Flask) -> None:
    """An empty store gives a plain sentence, not an empty table."""
    result = embedded_app.test_cli_runner().invoke(args=["helpline", "stats"])
    assert "No figures in the last 30 days." in result.output
