"""`helpline smoke`: an operator asks the deployed helpline, over HTTP, what Twilio asks."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, Response, redirect
from werkzeug.serving import BaseWSGIServer, make_server

from .conftest import make_app
from .twilio_client import TOKEN


def serve(**overrides: Any) -> tuple[Flask, BaseWSGIServer]:
    """The helpline on a real HTTP server on loopback (development: http is allowed there)."""
    app = make_app(HELPLINE_ENV="development", **overrides)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["HELPLINE_PUBLIC_URL"] = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return app, server


@pytest.fixture
def served() -> Iterator[tuple[Flask, str]]:
    app, server = serve()
    yield app, app.config["HELPLINE_PUBLIC_URL"]
    server.shutdown()


def smoke(url: str, token: str | None = TOKEN) -> tuple[int, str]:
    result = make_app(TWILIO_AUTH_TOKEN=token).test_cli_runner().invoke(
        args=["helpline", "smoke", url])
    return result.exit_code, result.output


def test_a_good_deploy_passes_and_leaves_nothing_behind(served: tuple[Flask, str]) -> None:
    """A call and a text get TwiML, an unsigned call is refused; the rehearsal is not counted
    and its texter is wiped: the store holds nothing afterwards."""
    app, url = served
    status, output = smoke(url)
    assert 0 == status, output
    assert 4 == output.count("\n  ok  ")
    assert f"OK: Twilio can reach the helpline at {url}." in output
    assert [] == app.extensions["helpline.store"].client.keys("*")


def test_a_token_that_differs_from_the_servers_is_named(served: tuple[Flask, str]) -> None:
    """Signed with another token: every signed request is refused, and the output says why."""
    _, url = served
    status, output = smoke(url, token="not-the-servers-token")
    assert 0 != status
    assert 3 == output.count("FAIL") and "the signature does not match" in output
    assert "ok    a call without a signature" in output


def test_a_server_that_checks_no_signature_fails() -> None:
    """Development without a token answers anyone: the smoke test says so."""
    app, server = serve(TWILIO_AUTH_TOKEN=None)
    try:
        status, output = smoke(app.config["HELPLINE_PUBLIC_URL"])
    finally:
        server.shutdown()
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
    app, server = serve(HELPLINE_CONTENT_DIR=str(tmp_path / "nothing"))
    try:
        status, output = smoke(app.config["HELPLINE_PUBLIC_URL"])
    finally:
        server.shutdown()
    assert 0 != status
    assert 3 == output.count("the server's content did not load")


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
