"""``flask --app app helpline smoke [URL]``: after a deploy, ask the helpline what Twilio asks.

It posts signed, Twilio-shaped requests to the public address (``HELPLINE_PUBLIC_URL``, or the
URL given), over the real DNS, TLS certificate and proxy: a call and a text must get TwiML, a
request without a signature must be refused. Each failure says its likely cause (a wrong
``HELPLINE_PUBLIC_URL`` or token, a proxy that does not pass the path, a certificate).

Its requests are rehearsals (the signed field ``HelplineRehearsal``, see :mod:`.simulate`):
they are left out of the figures and the SMS cap, no hand-off is opened, and the texter it
plays (no phone number) is wiped at the end (by the wipe keyword: when the content loads).
"""

from __future__ import annotations

import http.client
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

from . import sms as sms_channel
from . import voice as voice_channel
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


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Report a redirect as the answer it is: Twilio does not follow it with the same POST."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def poster(base: str, token: str) -> Post:
    """Return a function that POSTs a form to ``base`` + path, signed (or not) as Twilio signs."""
    validator = RequestValidator(token)
    opener = urllib.request.build_opener(_NoRedirects)

    def post(path: str, form: dict[str, str], signed: bool) -> tuple[int, str]:
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "User-Agent": "helpline-smoke"}
        if signed:
            headers["X-Twilio-Signature"] = validator.compute_signature(base + path, form)
        request = urllib.request.Request(base + path, data=urlencode(form).encode(),
                                         headers=headers, method="POST")
        try:
            with opener.open(request, timeout=TIMEOUT) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            where = error.headers.get("Location", "") if 300 <= error.code < 400 else ""
            return error.code, where or error.read().decode("utf-8", "replace")

    return post


def run(post: Post, dialled: str, start: str, wipe: str, apology: str) -> list[Check]:
    """Ask what Twilio asks: a call, a call without a signature, a text and its wipe.

    A call must get a menu (a ``<Gather>``) and a text a reply that is neither the "line down"
    text (the server's content did not load) nor ``apology`` (the server failed).
    """
    call = {"CallSid": "CA" + secrets.token_hex(16), "From": TEXTER, "To": dialled,
            "CallStatus": "ringing", "Direction": "inbound", REHEARSAL: "1"}
    checks = [_expect(post, "a call", "/voice", call, True, 200, _call_answer),
              _expect(post, "a call without a signature", "/voice", call, False, 403, None)]
    for name, body in (("a text", start), ("the wipe keyword", wipe)):
        text = {"MessageSid": "SM" + secrets.token_hex(16), "From": TEXTER, "To": dialled,
                "Body": body, "NumMedia": "0", REHEARSAL: "1"}
        checks.append(_expect(post, name, "/sms", text, True, 200,
                              lambda answer: _text_answer(answer, apology)))
    return checks


def _call_answer(body: str) -> str | None:
    """None for a call's first menu; else what is wrong with ``body``."""
    if body.strip() == voice_channel.UNAVAILABLE:
        return "the \"line down, call 112\" answer: the server's content did not load"
    return None if "<Gather" in body else "no menu (no <Gather>) in the answer"


def _text_answer(body: str, apology: str) -> str | None:
    """None for a reply to a text; else what is wrong with ``body``."""
    try:
        reply = sms_text(body)
    except Exception:  # not TwiML at all
        return "the answer is not TwiML"
    if not reply:
        return "no reply to the text"
    if reply == sms_channel.UNAVAILABLE:
        return "the \"line down, call 112\" reply: the server's content did not load"
    if reply == apology:
        return "the apology: the server failed (its log says where)"
    return None


def _expect(post: Post, name: str, path: str, form: dict[str, str], signed: bool, status: int,
            wrong: Callable[[str], str | None] | None) -> Check:
    """Post, and check the status and (with ``wrong``, which names a fault) the answer."""
    label = f"{name} (POST {path}{'' if signed else ', unsigned'})"
    try:
        got, body = post(path, form, signed)
    except (OSError, http.client.HTTPException) as error:  # DNS, TLS, refused, timeout, not HTTP
        return Check(label, False, f"not reachable: {error!r}; check DNS, the proxy and its "
                                   "TLS certificate (Twilio needs a valid one)")
    if got != status:
        return Check(label, False, _why(got, signed, status, body))
    fault = wrong(body) if wrong is not None else None
    if fault is not None:
        return Check(label, False, f"{got}, but {fault}")
    return Check(label, True, f"{got}" + (", TwiML as Twilio needs it" if wrong else
                                          ": signatures are checked"))


def _why(got: int, signed: bool, expected: int, body: str) -> str:
    if 300 <= got < 400:
        return (f"{got}: a redirect (to {body or '?'}), which Twilio does not follow with its "
                "POST; give the final https:// address, the one the proxy serves")
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
    if not base.startswith(("https://", "http://")) or not token:
        raise click.ClickException("give the helpline's public https:// address (or set "
                                   "HELPLINE_PUBLIC_URL), and set TWILIO_AUTH_TOKEN as the "
                                   "server has it")
    found = catalog.current()
    if found is None:
        raise click.ClickException("the content does not load here: run `helpline check`")
    base_lang = found.content.base
    keywords = found.content.language(base_lang).keywords
    click.echo(f"Asking {base} what Twilio asks (signed with TWILIO_AUTH_TOKEN):")
    checks = run(poster(base, token), helpline_number(), keywords.start[0], keywords.wipe[0],
                 found.sms.sorry(base_lang).text)
    for check in checks:
        click.echo(f"  {'ok  ' if check.ok else 'FAIL'}  {check.name}: {check.seen}")
    failed = sum(1 for check in checks if not check.ok)
    if failed:
        raise click.ClickException(f"{failed} of {len(checks)} checks failed")
    click.echo(f"OK: Twilio can reach the helpline at {base}.")
