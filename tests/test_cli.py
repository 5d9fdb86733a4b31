"""The commands staff and operators type: simulate, stats, translated, review."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import redis
from flask import Flask

from helpline.catalog import build_catalog

from .conftest import HASH_KEY, ROOT, RedisServer, app_on, kept_but_counts, make_app, personal_keys
from .twilio_client import Texter

CONTENT = build_catalog(ROOT / "content", ROOT / "prompts").content


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


def test_stats_prints_figures_that_moved() -> None:
    """After a conversation, `stats` shows today's answers and the most read answer."""
    app = make_app(HELPLINE_ENV="development")  # the embedded store, which the texts used too
    texter = Texter(app.test_client(), "+31612345678")
    for body in ("HULP", "1", "1", "xyz"):
        texter.send(body)
    result = app.test_cli_runner().invoke(args=["helpline", "stats", "--days", "2"])
    assert 0 == result.exit_code, result.output
    assert "sms.answer" in result.output
    assert "sms.not_understood" in result.output
    assert "       1  b8-3 (nl)" in result.output
    assert "612345678" not in result.output


def test_stats_without_figures_says_so() -> None:
    """An empty store gives a plain sentence, not an empty table."""
    result = make_app(HELPLINE_ENV="development").test_cli_runner().invoke(args=["helpline", "stats"])
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


def said(unit: str, lang: str) -> str:
    from helpline.voice_script import spoken_units

    return spoken_units(CONTENT)[(unit, lang)]


def simulate_call(app: Flask, keys: str) -> list[str]:
    result = app.test_cli_runner().invoke(args=["helpline", "simulate", "call"], input=keys)
    assert 0 == result.exit_code, result.output
    return result.output.splitlines()


def test_simulate_call_says_what_is_heard_in_which_language(embedded_app: Flask) -> None:
    """A staff member calls, hears each language offered in its own, chooses English by key."""
    lines = simulate_call(embedded_app, "2\n")
    assert f"  [nl-NL] {said('prompt:voice_welcome', 'nl')}" == lines[1]
    assert f"  [en-GB] {said('lang:en', 'en')}" in lines
    assert f"  [ro-RO] {said('lang:ro', 'ro')}" in lines
    after = lines[lines.index("keys> 2") + 1:]
    assert [f"  [en-GB] {said('prompt:voice_welcome', 'en')}",
            f"  [en-GB] {said('prompt:voice_keys', 'en')}",
            f"  [en-GB] {said('menu:main', 'en')}",
            "keys> ", "(you hang up)"] == after


def test_simulate_call_follows_keys_silences_and_the_call_to_staff(embedded_app: Flask) -> None:
    """Keys, Enter alone (silence), an answer read slowly, and a person who answers, in order."""
    lines = simulate_call(embedded_app, "21\n\n12\n01\ny\n")
    silence = lines.index("  (silence)")
    assert [f"  [en-GB] {said('prompt:voice_no_input', 'en')}",
            f"  [en-GB] {said('menu:rights', 'en')}"] == lines[silence + 1:silence + 3]
    answer = said("answer:b8-3", "en")
    assert f"  [en-GB] {answer}" in lines
    assert f"  [en-GB, slowly] {answer}" in lines
    assert f"  [en-GB] {said('prompt:voice_person_menu', 'en')}" in lines
    assert lines[-5:] == [
        "(the call is put through: 1 phone rings)",
        "answered? y = a person answers and the talk ends, Enter = nobody answers> y",
        f"  [en-GB] {said('prompt:voice_talk_ended', 'en')}",
        "keys> ",
        "(you hang up)",
    ]


def test_simulate_call_when_nobody_answers_and_wrong_keys(embedded_app: Flask) -> None:
    """Nobody answers: the caller hears so, the hours and a callback offer; a letter is no key."""
    lines = simulate_call(embedded_app, "2\nA\n0\n1\n\n")
    assert "  ('A': a phone has only 0-9, * and #)" in lines
    nobody = lines.index("answered? y = a person answers and the talk ends, Enter = nobody answers> ")
    assert [f"  [en-GB] {said('prompt:voice_no_person', 'en')}",
            f"  [en-GB] {said('prompt:voice_hours', 'en')}",
            f"  [en-GB] {said('prompt:voice_callback_offer', 'en')}"] == lines[nobody + 1:nobody + 4]


def test_simulate_call_takes_a_postcode_as_one_entry(embedded_app: Flask) -> None:
    """Four digits then # are one entry: the caller is put through to that region's coordinator."""
    lines = simulate_call(embedded_app, "2\n02\n1011#\n")
    assert f"  [en-GB] {said('prompt:voice_postcode', 'en')}" in lines
    entry = lines.index("keys> 1011#")
    assert [f"  [en-GB] {said('prompt:voice_coordinator_connecting', 'en')}",
            "(the call is put through: 1 phone rings)"] == lines[entry + 1:entry + 3]


def test_simulate_call_hash_alone_is_an_empty_entry(embedded_app: Flask) -> None:
    """# alone at the postcode ("I do not know it") posts an empty entry: the list of regions."""
    lines = simulate_call(embedded_app, "2\n02\n#\n")
    entry = lines.index("keys> #")
    assert lines[entry + 1].startswith("  [en-GB] ")
    assert "West" in lines[entry + 1] and "Noord" in lines[entry + 1]


def test_simulated_conversations_are_not_counted(embedded_app: Flask) -> None:
    """Staff trying the helpline in the terminal do not move the figures."""
    import datetime as dt

    from helpline.stats import AMSTERDAM, read_day

    simulate_call(embedded_app, "21\n1\n")
    runner = embedded_app.test_cli_runner()
    assert 0 == runner.invoke(args=["helpline", "simulate", "sms"], input="HULP\n1\n").exit_code
    store = embedded_app.extensions["helpline.store"]
    assert {} == read_day(store, dt.datetime.now(AMSTERDAM).date())


def test_fallback_twiml_says_the_line_is_down_and_112(embedded_app: Flask) -> None:
    """The documents for Twilio's fallback URL (a TwiML Bin) are the app's own "line down"
    answers: spoken in Dutch and English, and one SMS of one segment, each with 112. Without
    --dial no phone is rung, and stderr (never the document) says what it holds."""
    import xml.etree.ElementTree as ET

    from helpline import sms as helpline_sms
    from helpline import voice as helpline_voice
    from helpline.segments import measure

    voice = flask_cli("fallback", "voice")
    assert 0 == voice.returncode, voice.stderr
    said = ET.fromstring(voice.stdout).findall("Say")
    assert ["nl-NL", "en-GB"] == [say.get("language") for say in said]
    # Read digit by digit on the phone (a number to dial, not "one hundred and twelve").
    assert all("1 1 2" in (say.text or "") and "112" not in (say.text or "") for say in said)
    assert "Dial" not in voice.stdout
    assert ('included: "the line is down, call 112" (nl, en); no call to staff (with --dial, the '
            "staff phones of content/contacts.yaml ring first)") in voice.stderr
    runner = embedded_app.test_cli_runner()
    sms = runner.invoke(args=["helpline", "fallback", "sms"])
    assert 0 == sms.exit_code, sms.output
    messages = ET.fromstring(sms.output).findall("Message")
    assert 1 == len(messages)
    text = messages[0].text or ""
    assert "Bel 112" in text and "Call 112" in text
    assert ("GSM-7", 1) == (measure(text).encoding, measure(text).segments)
    # What the app itself answers when its content never loaded (tests/test_voice.py, test_trust.py).
    assert (helpline_voice.UNAVAILABLE, helpline_sms.UNAVAILABLE) == (voice.stdout.strip(), text)


REAL_HELPLINE, REAL_STAFF, EXAMPLE_STAFF = "+3197010000000", "+31201234567", "+31000000001"


def contacts_with(copy: Path, *, helpline_real: bool = True, staff: str = "",
                  ring: str = "together") -> dict[str, str]:
    """Edit the contacts of ``copy`` (a content_copy): the helpline number real or the shipped
    example, ``staff`` lines added after the shipped example staff number, the ring mode; return
    the settings that point `flask --app app helpline` at it."""
    path = copy / "content" / "contacts.yaml"
    text = path.read_text(encoding="utf-8")
    if helpline_real:
        text = text.replace('number: "+31000000000"\n  example: true', f'number: "{REAL_HELPLINE}"')
    text = text.replace("\nring: together", f"\n{staff}ring: {ring}")
    path.write_text(text, encoding="utf-8")
    return {"HELPLINE_CONTENT_DIR": str(copy / "content"),
            "HELPLINE_PROMPTS_DIR": str(copy / "prompts")}


def test_fallback_with_dial_puts_callers_through_to_real_staff_before_112(
        content_copy: Path) -> None:
    """With --dial, a call while the server is down hears the welcome with 112 and "please
    hold" (Dutch, then English), then the real staff phones ring for 20 seconds showing the
    helpline number (as 0 then 1 does), then, when that call ends (nobody answered, or after
    the talk), "the line is down, call 112". The example staff number is never dialled; stderr
    says what is in it and what was left out, and nothing of that is in the document."""
    import xml.etree.ElementTree as ET

    from helpline import voice as helpline_voice

    from .twiml_checker import check_twiml

    settings = contacts_with(content_copy, staff=f'  - number: "{REAL_STAFF}"\n')
    result = flask_cli("fallback", "voice", "--dial", **settings)
    assert 0 == result.returncode, result.stderr
    root = check_twiml(result.stdout.strip())
    assert ["Say", "Say", "Say", "Say", "Dial", "Say", "Say"] == [verb.tag for verb in root]
    units = {(key, lang): CONTENT.prompts[lang].text[key].format(emergency="1 1 2")
             for key in ("voice_welcome", "voice_connecting") for lang in ("nl", "en")}
    assert [units[("voice_welcome", "nl")], units[("voice_welcome", "en")],
            units[("voice_connecting", "nl")], units[("voice_connecting", "en")]] == [
        verb.text for verb in root[:4]]
    assert ["nl-NL", "en-GB"] * 2 == [verb.get("language") for verb in root[:4]]
    dial = root[4]
    assert {"callerId": REAL_HELPLINE, "timeout": "20"} == dial.attrib
    assert [(REAL_STAFF, {})] == [(number.text, number.attrib) for number in dial]
    unavailable = ET.fromstring(helpline_voice.UNAVAILABLE)
    assert [ET.tostring(say) for say in unavailable] == [ET.tostring(say) for say in root[5:]]
    assert EXAMPLE_STAFF not in result.stdout
    assert "included:" not in result.stdout and "note:" not in result.stdout
    assert (f"then a call to 1 staff phone ({REAL_STAFF}), ringing for 20 seconds, showing the "
            f"helpline number {REAL_HELPLINE}") in result.stderr
    assert (f"left out: {EXAMPLE_STAFF}: example number (example: true in content/contacts.yaml), "
            "never dialled") in result.stderr
    assert "these phones ring at any hour" in result.stderr


def test_fallback_with_dial_rings_in_turn_as_configured(content_copy: Path) -> None:
    """``ring: in-turn`` rings the staff phones one after the other in the fallback too."""
    import xml.etree.ElementTree as ET

    second = "+31201234568"
    settings = contacts_with(content_copy, ring="in-turn", staff=(
        f'  - number: "{REAL_STAFF}"\n  - number: "{second}"\n'))
    result = flask_cli("fallback", "voice", "--dial", **settings)
    assert 0 == result.returncode, result.stderr
    dial = ET.fromstring(result.stdout.strip()).find("Dial")
    assert dial is not None and "true" == dial.get("sequential")
    assert [REAL_STAFF, second] == [number.text for number in dial]
    assert "ringing one after the other, 20 seconds each" in result.stderr


@pytest.mark.parametrize(("helpline_real", "staff", "why"), [
    (True, "", "no real staff number in content/contacts.yaml (all are example numbers)"),
    (False, f'  - number: "{REAL_STAFF}"\n', "the helpline number +31000000000 is an EXAMPLE "
     "number"),
], ids=["only example staff", "example helpline number"])
def test_fallback_with_dial_never_dials_an_example_number(content_copy: Path, helpline_real: bool,
                                                         staff: str, why: str) -> None:
    """Only example staff numbers (as shipped), or an example helpline number for staff phones
    to show: --dial prints no document at all and says why (exit 1), so that nobody pastes
    into the Bin a document they believe rings staff."""
    result = flask_cli("fallback", "voice", "--dial",
                       **contacts_with(content_copy, helpline_real=helpline_real, staff=staff))
    assert (1, "") == (result.returncode, result.stdout)
    assert f"Error: --dial: {why}" in result.stderr


def test_fallback_dial_is_for_voice_only(embedded_app: Flask) -> None:
    """An SMS cannot ring anyone: `fallback sms --dial` is a usage error, not a document."""
    result = embedded_app.test_cli_runner().invoke(args=["helpline", "fallback", "sms", "--dial"])
    assert 2 == result.exit_code
    assert "--dial is for the voice fallback only" in result.output
    assert "<Response" not in result.output


def flask_cli(*args: str, input: str = "", **environ: str) -> subprocess.CompletedProcess[str]:
    """Run ``flask --app app helpline ARGS`` as an operator would, with only ``environ`` set."""
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": "/tmp",
           "HELPLINE_AUDIO_DIR": str(ROOT / "tests" / "no-audio"), **environ}
    return subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "app",
                           "helpline", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          input=input, timeout=60, check=False)


@pytest.mark.parametrize("args", [["forget", "+31612345678"], ["stats"]])
def test_data_commands_refuse_without_the_helplines_store(args: list[str]) -> None:
    """Without REDIS_URL, `forget` and `stats` would read or erase an empty store of their own:
    they refuse, rather than report an erasure or an empty month that are not true."""
    result = make_app().test_cli_runner().invoke(args=["helpline", *args])
    assert 1 == result.exit_code
    assert (f"REDIS_URL not set: `{args[0]}` would see a store made up for this command alone, "
            "not the helpline's, and nothing was read or erased") in result.output
    assert "Erased" not in result.output and "No figures" not in result.output


@pytest.mark.redis_server
def test_forget_refuses_without_the_hash_key(redis_server: RedisServer) -> None:
    """With Redis but without HELPLINE_HASH_KEY, the command's own random key matches no number
    kept: `flask --app app helpline forget` refuses (exit 1) instead of saying it erased."""
    result = flask_cli("forget", "+31612345678", REDIS_URL=redis_server.url)
    assert 1 == result.returncode
    assert "HELPLINE_HASH_KEY not set: `forget` would see a store made up" in result.stderr
    assert "Erased" not in result.stdout


@pytest.mark.redis_server
def test_stats_needs_redis_but_no_hash_key(redis_server: RedisServer) -> None:
    """The figures are kept under no number: with REDIS_URL alone `stats` prints the helpline's."""
    app = make_app(REDIS_URL=redis_server.url)
    redis.Redis.from_url(redis_server.url).flushdb()
    Texter(app.test_client(), "+31612345678").send("HULP")
    result = flask_cli("stats", REDIS_URL=redis_server.url)
    assert 0 == result.returncode, result.stderr
    assert "total" in result.stdout


@pytest.mark.redis_server
def test_forget_with_the_helplines_settings_erases(redis_server: RedisServer) -> None:
    """With REDIS_URL and HELPLINE_HASH_KEY, as in the container, `forget` erases and says so."""
    app = make_app(REDIS_URL=redis_server.url)
    Texter(app.test_client(), "+31612345678").send("HULP")
    kept = redis.Redis.from_url(redis_server.url, decode_responses=True)
    assert personal_keys(kept, "+31612345678")
    result = flask_cli("forget", "+31612345678", REDIS_URL=redis_server.url,
                       HELPLINE_HASH_KEY=HASH_KEY)
    assert (0, "Erased everything kept about that number.\n") == (result.returncode, result.stdout)
    assert [] == personal_keys(kept, "+31612345678")


def test_data_commands_work_on_the_embedded_store_in_development() -> None:
    """In development the embedded store is the helpline's: the commands run (this one on a
    store of its own, which holds nothing about the number)."""
    result = flask_cli("forget", "+31612345678", HELPLINE_ENV="development")
    assert (0, "Nothing was kept about that number.\n") == (result.returncode, result.stdout)


def forget(app: Flask, number: str) -> tuple[int, str]:
    """Run `helpline forget NUMBER` on ``app``'s own store: the exit code and the output."""
    result = app.test_cli_runner().invoke(args=["helpline", "forget", number])
    return result.exit_code, result.output


@pytest.fixture
def kept() -> tuple[Flask, redis.Redis]:
    """A development app (its embedded store is the helpline's) that keeps a texter's
    conversation, and the store's client."""
    app = make_app(HELPLINE_ENV="development")
    Texter(app.test_client(), "+31612345678").send("HULP")
    client: redis.Redis = app.extensions["helpline.store"].client
    assert personal_keys(client, "+31612345678")
    return app, client


@pytest.mark.parametrize("number", ["+3161234567", "+316123456789", "notanumber",
                                    "whatsapp:+3161234567", ""])
def test_forget_refuses_a_number_that_cannot_exist(kept: tuple[Flask, redis.Redis],
                                                  number: str) -> None:
    """A digit missing, one too many, or no number at all: `forget` matched nothing, so it
    refuses (exit 1) and says how to write the number, rather than confirm an erasure; what
    is kept about the real number stays."""
    app, client = kept
    before = sorted(client.keys("*"))
    status, output = forget(app, number)
    assert 1 == status
    assert (f"Error: {number!r} is not a phone number that exists, and nothing was kept under "
            "it: nothing was erased. Write it as Twilio shows it: + and the country code, then "
            "the number without its first 0 (+31612345678; whatsapp:+31612345678 for a WhatsApp "
            "texter), and check that no digit is missing or one too many.\n") == output
    assert before == sorted(client.keys("*"))


def test_forget_erases_a_sender_that_is_no_valid_number(kept: tuple[Flask, redis.Redis]) -> None:
    """A sender the helpline answered and keeps state for, whose number phonenumbers does not
    know as valid (a new or fictional range): `forget` still erases it, as the wipe word would."""
    app, client = kept
    Texter(app.test_client(), "+447700900123").send("HULP")
    assert personal_keys(client, "+447700900123")
    assert (0, "Erased everything kept about that number.\n") == forget(app, "+447700900123")
    assert [] == kept_but_counts(client, "+447700900123")
    assert personal_keys(client, "+31612345678")


def test_forget_says_when_nothing_was_kept(kept: tuple[Flask, redis.Redis]) -> None:
    """A number that exists but never wrote: nothing to erase, and `forget` says so (exit 0)
    instead of claiming an erasure; the texter who did write is untouched."""
    app, client = kept
    assert (0, "Nothing was kept about that number.\n") == forget(app, "+31612345679")
    assert personal_keys(client, "+31612345678")


@pytest.mark.parametrize("written", ["whatsapp:+31612345678", "+31612345678", "06 1234 5678"])
def test_forget_erases_a_whatsapp_texter_by_their_number(written: str) -> None:
    """A texter on WhatsApp is kept under their number: `forget` erases them written either way
    (and as dialled in the Netherlands), and a second `forget` finds nothing left."""
    app = make_app(HELPLINE_ENV="development")
    Texter(app.test_client(), "whatsapp:+31612345678").send("HULP")
    client: redis.Redis = app.extensions["helpline.store"].client
    assert personal_keys(client, "+31612345678")
    assert (0, "Erased everything kept about that number.\n") == forget(app, written)
    assert [] == personal_keys(client, "+31612345678")
    assert (0, "Nothing was kept about that number.\n") == forget(app, written)


def test_simulate_works_on_a_fresh_clone() -> None:
    """The README's `flask --app app helpline simulate sms|call`, with no settings at all (no
    token, production by default), answers instead of 403 on every line."""
    sms = flask_cli("simulate", "sms", input="HULP\n")
    assert 0 == sms.returncode, sms.stderr
    assert "  | Hulplijn mensenhandel. Informatie en hulp." in sms.stdout
    assert "403" not in sms.stdout
    call = flask_cli("simulate", "call", input="2\n")
    assert 0 == call.returncode, call.stderr
    assert "  [en-GB] At any time, press 0 to talk to a person" in call.stdout
