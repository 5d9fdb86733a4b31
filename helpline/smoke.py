"""``flask --app app helpline smoke [URL]``: after a deploy, ask the helpline what Twilio asks.

It posts signed, Twilio-shaped requests to the public address (``HELPLINE_PUBLIC_URL``, or the
URL given), over the real DNS, TLS certificate and proxy: a call and a text must get TwiML, a
request without a signature must be refused. Each failure says its likely cause (a wrong
``HELPLINE_PUBLIC_URL`` or token, a proxy that does not pass the path, a certificate).

Its requests are rehearsals (the signed field ``HelplineRehearsal``, see :mod:`.simulate`):
nothing is counted, no hand-off is opened, and the texter it plays (no phone number) is
wiped at the end.
"""

from __future__ import annotations

import secrets
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import click
from flask import current_app
from flask.cli import with_appcontext
from twilio.request_validator import RequestValidator

from .simulate import REHEARSAL, helpline_number
from .twiml_read import sms_text

TEXTER = "smoke-test"  # a sender no phone has: its own conversation, wiped at the end
TIMEOUT = 15  # seconds, as long as Twilio waits


@dataclass(frozen=True)
class Check:
    """One thing asked: whether it went as Twilio needs, and what was seen (or why not)."""

    name: str
    ok: bool
    seen: str


Post = Callable[[str, dict[str, str], bool], tuple[int, str]]


def poster(base: str, token: str) -> Post:
    """Return a function that POSTs a form to ``base`` + path, signed (or not) as Twilio signs."""
    validator = RequestValidator(token)

    def post(path: str, form: dict[str, str], signed: bool) -> tuple[int, str]:
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "User-Agent": "helpline-smoke"}
        if signed:
            headers["X-Twilio-Signature"] = validator.compute_signature(base + path, form)
        request = urllib.request.Request(base + path, data=urlencode(form).encode(),
                                         headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")

    return post


def run(post: Post, dialled: str, start: str, wipe: str) -> list[Check]:
    """Ask what Twilio asks: a call, a call without a signature, a text and its wipe."""
    call = {"CallSid": "CA" + secrets.token_hex(16), "From": TEXTER, "To": dialled,
            "CallStatus": "ringing", "Direction": "inbound", REHEARSAL: "1"}
    checks = [_expect(post, "a call", "/voice", call, True, 200,
                      lambda body: "<Gather" in body or "<Say" in body or "<Play" in body),
              _expect(post, "a call without a signature", "/voice", call, False, 403, None)]
    for name, body in (("a text", start), ("the wipe keyword", wipe)):
        text = {"MessageSid": "SM" + secrets.token_hex(16), "From": TEXTER, "To": dialled,
                "Body": body, "NumMedia": "0", REHEARSAL: "1"}
        checks.append(_expect(post, name, "/sms", text, True, 200,
                              lambda answer: _has_reply(answer)))
    return checks


def _has_reply(body: str) -> bool:
    try:
        return bool(sms_text(body))
    except Exception:  # not TwiML at all
        return False


def _expect(post: Post, name: str, path: str, form: dict[str, str], signed: bool, status: int,
            good: Callable[[str], bool] | None) -> Check:
    label = f"{name} (POST {path}{'' if signed else ', unsigned'})"
    try:
        got, body = post(path, form, signed)
    except OSError as error:  # DNS, refused, TLS certificate, timeout
        return Check(label, False, f"not reachable: {error}; check DNS, the proxy and its "
                                   "TLS certificate (Twilio needs a valid one)")
    if got == status and (good is None or good(body)):
        return Check(label, True, f"{got}" + (", TwiML as Twilio needs it" if good else
                                              ": signatures are checked"))
    return Check(label, False, _why(got, signed, status))


def _why(got: int, signed: bool, expected: int) -> str:
    if signed and got == 403:
        return ("403: the signature does not match. The server's HELPLINE_PUBLIC_URL must be "
                "exactly this address, and its TWILIO_AUTH_TOKEN the one used here")
    if not signed and got == 200:
        return ("200: a request without a signature was answered; is the server in "
                "HELPLINE_ENV=development without TWILIO_AUTH_TOKEN?")
    if got == 404:
        return "404: the proxy does not pass this path to the helpline (README: HTTPS and proxies)"
    if got >= 500:
        return f"{got}: the server failed; its log says where (type and place)"
    return f"{got}, where {expected} with TwiML was expected"


@click.command("smoke")
@click.argument("url", required=False)
@with_appcontext
def smoke(url: str | None) -> None:
    """Ask the deployed helpline (URL, default HELPLINE_PUBLIC_URL) what Twilio asks."""
    from . import catalog

    config = current_app.config
    base = (url or config.get("HELPLINE_PUBLIC_URL") or "").rstrip("/")
    token = config.get("TWILIO_AUTH_TOKEN")
    if not base or not token:
        raise click.ClickException("give the helpline's public URL (or set HELPLINE_PUBLIC_URL), "
                                   "and set TWILIO_AUTH_TOKEN as the server has it")
    found = catalog.current()
    if found is None:
        raise click.ClickException("the content does not load here: run `helpline check`")
    keywords = found.content.language(found.content.base).keywords
    click.echo(f"Asking {base} what Twilio asks (signed with TWILIO_AUTH_TOKEN):")
    checks = run(poster(base, token), helpline_number(), keywords.start[0], keywords.wipe[0])
    for check in checks:
        click.echo(f"  {'ok  ' if check.ok else 'FAIL'}  {check.name}: {check.seen}")
    failed = sum(1 for check in checks if not check.ok)
    if failed:
        raise click.ClickException(f"{failed} of {len(checks)} checks failed")
    click.echo(f"OK: Twilio can reach the helpline at {base}.")
