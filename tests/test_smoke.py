"""`helpline smoke`: an operator asks the deployed helpline, over HTTP, what Twilio asks."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from flask import Flask, Response, redirect
from werkzeug.exceptions import Forbidden, HTTPException, NotFound
from werkzeug.serving import BaseWSGIServer, make_server

from helpline.audio import AudioFiles
from helpline.audio_build import Key
from helpline.catalog import build_catalog
from helpline.voice_book import VoiceBook

from .conftest import ROOT, make_app
from .twilio_client import TOKEN

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


def behind(app: Flask, passes: Callable[[str], bool] | None,
           otherwise: type[HTTPException] = NotFound) -> WSGIApplication:
    """``app`` behind a proxy that passes only the paths ``passes`` says yes to, and answers
    the others with ``otherwise`` (404)."""
    if passes is None:
        return app

    def proxy(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if passes(environ["PATH_INFO"]):
            return app(environ, start_response)
        return otherwise()(environ, start_response)

    return proxy


def serve(passes: Callable[[str], bool] | None = None,
          otherwise: type[HTTPException] = NotFound,
          **overrides: Any) -> tuple[Flask, BaseWSGIServer]:
    """The helpline on a real HTTP server on loopback (development: http is allowed there),
    behind a proxy that passes only some paths, if ``passes`` says which."""
    app = make_app(HELPLINE_ENV="development", **overrides)
    server = make_server("127.0.0.1", 0, behind(app, passes, otherwise), threaded=True)
    app.config["HELPLINE_PUBLIC_URL"] = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return app, server


WELCOME = "nl-prompt-voice-welcome-0123456789abcdef.mp3"


def with_welcome_recording(app: Flask, folder: Path) -> None:
    """Give the served app a recording of the welcome, at /audio/WELCOME (the rest is said)."""
    folder.mkdir()
    (folder / WELCOME).write_bytes(b"ID3 not really a recording")
    url = app.config["HELPLINE_PUBLIC_URL"]
    audio = AudioFiles(folder, f"{url}/audio/",
                       ((Key("prompt:voice_welcome", "nl", False), WELCOME),), {})
    app.extensions["helpline.catalog"].current = build_catalog(
        ROOT / "content", ROOT / "prompts", audio=audio)


@pytest.fixture
def served() -> Iterator[tuple[Flask, str]]:
    app, server = serve()
    yield app, app.config["HELPLINE_PUBLIC_URL"]
    server.shutdown()


def smoke(url: str, token: str | None = TOKEN) -> tuple[int, str]:
    result = make_app(TWILIO_AUTH_TOKEN=token).test_cli_runner().invoke(
        args=["helpline", "smoke", url])
    return result.exit_code, result.output


def smoke_served(passes: Callable[[str], bool] | None = None,
                 otherwise: type[HTTPException] = NotFound,
                 prepare: Callable[[Flask], None] | None = None,
                 **overrides: Any) -> tuple[int, str]:
    """Serve the helpline as :func:`serve` does (``prepare`` it, if given), run the smoke test
    against it, stop it; return smoke's exit status and output."""
    app, server = serve(passes, otherwise, **overrides)
    try:
        if prepare is not None:
            prepare(app)
        return smoke(app.config["HELPLINE_PUBLIC_URL"])
    finally:
        server.shutdown()


def test_a_good_deploy_passes_and_leaves_nothing_behind(served: tuple[Flask, str]) -> None:
    """A call and its first key press and a text get TwiML, an unsigned call is refused; no
    recording is built, and the output says so; the rehearsal is not counted and its texter is
    wiped: the store holds nothing afterwards."""
    app, url = served
    status, output = smoke(url)
    assert 0 == status, output
    assert 5 == output.count("\n  ok  ")
    assert ("  ok    the first key press (POST /voice/_/_languages/key): 200, TwiML as Twilio "
            "needs it\n") in output
    assert ("  --    the welcome's recording: none built (Twilio's voice says the welcome), "
            "/audio/ not asked\n") in output
    assert f"OK: Twilio can reach the helpline at {url}." in output
    assert [] == app.extensions["helpline.store"].client.keys("*")


def only_sms_and_voice(path: str) -> bool:
    """An nginx ``location = /sms`` and ``location = /voice``: the exact paths, nothing under."""
    return path in ("/sms", "/voice")


def test_a_proxy_that_passes_only_the_exact_paths_fails_at_the_first_key() -> None:
    """Behind a proxy that passes /sms and /voice but nothing under /voice/, a call gets its
    welcome but every key press a 404: the smoke test follows the call to its first key, fails,
    and names the proxy."""
    status, output = smoke_served(only_sms_and_voice)
    assert 1 == status, output
    assert "  ok    a call (POST /voice): 200, TwiML as Twilio needs it\n" in output
    assert ("  FAIL  the first key press (POST /voice/_/_languages/key): 404: the proxy passes "
            "only the exact paths /sms and /voice, not the paths under /voice/ where every key "
            "press goes: every caller would be dropped at their first key (README: HTTPS and "
            "proxies)\n") in output
    assert "Error: 1 of 5 checks failed" in output
    assert "OK: Twilio can reach" not in output


def test_a_proxy_that_refuses_the_paths_under_voice_is_named() -> None:
    """A proxy that answers 403 under /voice/: the call's own signature was accepted, so the
    smoke test names the proxy, not the token."""
    status, output = smoke_served(only_sms_and_voice, Forbidden)
    assert 1 == status, output
    assert ("  FAIL  the first key press (POST /voice/_/_languages/key): 403, though the call was "
            "answered with the same signature: the proxy refuses the paths under /voice/") in output
    assert "the signature does not match" not in output


def test_a_built_recording_is_fetched_as_twilio_fetches_it(tmp_path: Path) -> None:
    """With the welcome's recording built, the smoke test fetches the <Play> URL: audio."""
    status, output = smoke_served(
        prepare=lambda app: with_welcome_recording(app, tmp_path / "audio"))
    assert 0 == status, output
    assert f"  ok    the welcome's recording (GET /audio/{WELCOME}): 200, audio/mpeg\n" in output
    assert 6 == output.count("\n  ok  ")


def test_a_proxy_that_does_not_pass_the_recordings_fails(tmp_path: Path) -> None:
    """Behind a proxy that passes the webhooks but not /audio/, Twilio could not fetch what
    the calls play: the smoke test fetches the welcome's recording, fails, and names the proxy."""
    status, output = smoke_served(
        lambda path: path in ("/sms", "/voice") or path.startswith("/voice/"),
        prepare=lambda app: with_welcome_recording(app, tmp_path / "audio"))
    assert 1 == status, output
    assert (f"  FAIL  the welcome's recording (GET /audio/{WELCOME}): 404: the proxy does not "
            "pass /audio/ to the helpline: Twilio cannot fetch the recordings the calls play "
            "(README: HTTPS and proxies)\n") in output
    assert "  ok    the first key press" in output


def test_a_token_that_differs_from_the_servers_is_named(served: tuple[Flask, str]) -> None:
    """Signed with another token: every signed request is refused, and the output says why."""
    _, url = served
    status, output = smoke(url, token="not-the-servers-token")
    assert 0 != status
    assert 3 == output.count("FAIL") and "the signature does not match" in output
    assert "ok    a call without a signature" in output


def test_a_server_that_checks_no_signature_fails() -> None:
    """Development without a token answers anyone: the smoke test says so."""
    status, output = smoke_served(TWILIO_AUTH_TOKEN=None)
    assert 0 != status
    assert "a request without a signature was answered" in output


def test_an_address_nobody_answers_is_named() -> None:
    """Nothing listens there: not reachable, with where to look."""
    app, server = serve()
    url = app.config["HELPLINE_PUBLIC_URL"]
    server.shutdown()
    server.server_close()
    status, output = smoke(url)
    assert 0 != status
    assert 4 == output.count("not reachable")


def test_a_server_whose_content_did_not_load_fails(tmp_path: Path) -> None:
    """The "line down, call 112" answers are TwiML too, but no deploy to be content with."""
    status, output = smoke_served(HELPLINE_CONTENT_DIR=str(tmp_path / "nothing"))
    assert 0 != status
    assert 3 == output.count("the server's content did not load")


def test_a_server_that_fails_at_every_key_press_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """A key press the server fails on still gets a 200 with TwiML: the apology, 112 and the
    menu again, so no caller would get past the first menu. The smoke test names it (from the
    answer's X-Helpline-Failed header)."""
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(VoiceBook, "after_key", broken)
    status, output = smoke_served()
    assert 1 == status, output
    assert "  ok    a call (POST /voice): 200, TwiML as Twilio needs it\n" in output
    assert ("  FAIL  the first key press (POST /voice/_/_languages/key): 200, but the apology: "
            "the server failed (its log says where)\n") in output
    assert "Error: 1 of 5 checks failed" in output


def test_a_redirect_is_named_not_followed() -> None:
    """An http:// address that the proxy redirects to https://: Twilio would not follow it."""
    redirecting = Flask("redirecting")

    @redirecting.post("/<path:rest>")
    def elsewhere(rest: str) -> Response:
        return redirect(f"https://helpline.example.org/{rest}", code=301)

    server = make_server("127.0.0.1", 0, redirecting, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        status, output = smoke(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
    assert 0 != status
    assert "301: a redirect (to https://helpline.example.org/voice)" in output


@pytest.mark.parametrize("url", ["helpline.example.org", "ftp://helpline.example.org"])
def test_an_address_that_is_no_web_address_is_refused_at_once(url: str) -> None:
    status, output = smoke(url)
    assert 0 != status
    assert "give the helpline's public https:// address" in output
