"""The commands staff and operators type: simulate, stats, translated, review."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from .conftest import app_on, make_app
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


def test_check_shows_which_translations_a_person_reviewed(content_copy: Path) -> None:
    """`check` counts reviewed translations per language and names the rest and the stale ones."""
    app = app_on(content_copy)
    runner = app.test_cli_runner()
    before = runner.invoke(args=["helpline", "check"])
    assert 0 == before.exit_code, before.output
    assert "  en English: 0 of 20 reviewed; none reviewed yet; all up to date" in before.output

    assert 0 == runner.invoke(args=["helpline", "review", "en", "b8-3"]).exit_code
    nl = content_copy / "content/answers/nl.yaml"
    text = nl.read_text(encoding="utf-8")
    nl.write_text(text.replace("title: Wat is mensenhandel?", "title: Wat is mensenhandel precies?"),
                  encoding="utf-8")
    after = runner.invoke(args=["helpline", "check"])
    assert 0 == after.exit_code, after.output
    line = next(x for x in after.output.splitlines() if x.startswith("  en English:"))
    not_yet = line.split("; not yet: ")[1].split("; out of date:")[0].split(", ")
    assert line.startswith("  en English: 1 of 20 reviewed; not yet: ")
    assert 19 == len(not_yet) and "b8-3" not in not_yet and "what-is-trafficking" in not_yet
    assert line.endswith("; out of date: what-is-trafficking")
    assert "  ro Română: 0 of 20 reviewed; none reviewed yet; out of date: what-is-trafficking" \
        in after.output
