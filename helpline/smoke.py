"""``flask --app app helpline smoke [URL]``: after a deploy, ask the helpline what Twilio asks.

It posts signed, Twilio-shaped requests to the public address (``HELPLINE_PUBLIC_URL``, or the
URL given), over the real DNS, TLS certificate and proxy: a call and a text must get TwiML, a
request without a signature must be refused. The call is followed one step, as Twilio follows
it: a key pressed at the welcome's menu (its ``<Gather action>``, under ``/voice/``) must get
TwiML too, and the welcome's recording (its ``<Play>``, under ``/audio/``), if one is built,
must be audio. Each failure says its likely cause (a wrong ``HELPLINE_PUBLIC_URL`` or token, a
proxy that does not pass the path, a certificate).

Its requests are rehearsals (the signed field ``HelplineRehearsal``, see :mod:`.simulate`):
they are left out of the figures and the SMS cap, no hand-off is opened, and the texter it
plays (no phone number) is wiped at the end (by the wipe keyword: when the content loads).
"""

from __future__ import annotations

import http.client
import secrets
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import urlencode, urljoin, urlsplit

import click
from flask import current_app
from flask.cli import with_appcontext
from twilio.request_validator import RequestValidator

from . import sms as sms_channel
from . import voice as voice_channel
from .metrics import FAILED_HEADER
from .simulate import REHEARSAL, helpline_number
from .twiml_read import sms_text

TEXTER = "smoke-test"  # a sender no phone has: its own conversation, wiped at the end
TIMEOUT = 15  # seconds, as long as Twilio waits
KEY = "1"  # the key the caller presses at the welcome's menu

# What a proxy that passes only the exact paths (nginx ``location = /voice``) does to a call.
UNDER_VOICE = ("the proxy passes only the exact paths /sms and /voice, not the paths under "
               "/voice/ where every key press goes: every caller would be dropped at their "
               "first key (README: HTTPS and proxies)")
REFUSED_UNDER_VOICE = (
    "403, though the call was answered with the same signature: the proxy refuses the paths "
    "under /voice/ where every key press goes (or rewrites them, so that the signature no longer "
    "matches): it must pass /voice and everything under it as it is (README: HTTPS and proxies)")
UNDER_AUDIO = ("the proxy does not pass /audio/ to the helpline: Twilio cannot fetch the "
               "recordings the calls play (README: HTTPS and proxies)")


# What the server's X-Helpline-Failed header says went wrong, as the output says it.
FAILED = {"error": "the apology: the server failed (its log says where)",
          "no-content": "the \"line down, call 112\" answer: the server's content did not load"}


@dataclass(frozen=True)
class Check:
    """One thing asked: whether it went as Twilio needs, and what was seen (or why not).

    ``asked`` False: there was nothing to ask (no recording is built); never a failure.
    """

    name: str
    ok: bool
    seen: str
    asked: bool = True


class Answer(NamedTuple):
    """What a POST got: the status, the body (a redirect's Location), and the server's
    ``X-Helpline-Failed`` header: why the answer was an apology or "line down", else ""."""

    status: int
    body: str
    failed: str = ""


# Post a form to a URL, signed (or not).
Post = Callable[[str, dict[str, str], bool], Answer]
# Get a URL: the status and the content type.
Get = Callable[[str], tuple[int, str]]


def _web(url: str) -> str:
    """Return ``url`` if Twilio could ask it (http or https); refuse anything else (file:)."""
    if urlsplit(url).scheme not in ("https", "http"):
        raise urllib.error.URLError(f"not an http(s) address: {url!r}")
    return url


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Report a redirect as the answer it is: Twilio does not follow it with the same POST."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def poster(token: str) -> Post:
    """Return a function that POSTs a form to a URL, signed (or not) as Twilio signs."""
    validator = RequestValidator(token)
    opener = urllib.request.build_opener(_NoRedirects)

    def post(url: str, form: dict[str, str], signed: bool) -> Answer:
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "User-Agent": "helpline-smoke"}
        if signed:
            headers["X-Twilio-Signature"] = validator.compute_signature(url, form)
        request = urllib.request.Request(_web(url), data=urlencode(form).encode(),
                                         headers=headers, method="POST")
        try:
            with opener.open(request, timeout=TIMEOUT) as response:
                return Answer(response.status, response.read().decode("utf-8", "replace"),
                              response.headers.get(FAILED_HEADER, ""))
        except urllib.error.HTTPError as error:
            with error:
                where = error.headers.get("Location", "") if 300 <= error.code < 400 else ""
                return Answer(error.code, where or error.read().decode("utf-8", "replace"))

    return post


def getter() -> Get:
    """Return a function that GETs a URL as Twilio fetches a recording (redirects followed)."""

    def get(url: str) -> tuple[int, str]:
        request = urllib.request.Request(_web(url), headers={"User-Agent": "helpline-smoke"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                response.read()  # the whole recording, as Twilio fetches it
                return response.status, response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.headers.get("Content-Type", "")

    return get


def run(post: Post, get: Get, base: str, dialled: str, start: str, wipe: str,
        apology: str) -> list[Check]:
    """Ask what Twilio asks: a call and its first key press (and recording), a call without a
    signature, a text and its wipe.

    A call must get a menu (a ``<Gather>``), and a key pressed there TwiML; a text a reply that
    is neither the "line down" text (the server's content did not load) nor ``apology`` (the
    server failed).
    """
    voice = base + "/voice"
    call = {"CallSid": "CA" + secrets.token_hex(16), "From": TEXTER, "To": dialled,
            "CallStatus": "ringing", "Direction": "inbound", REHEARSAL: "1"}
    welcome, document = _expect(post, base, "a call", voice, call, True, 200, _call_answer)
    checks = [welcome]
    if welcome.ok:  # a call that got no menu has no key to press: its failure says why
        checks += _follow(post, get, base, voice, document, call)
    checks.append(_expect(post, base, "a call without a signature", voice, call, False, 403,
                          None)[0])
    for name, body in (("a text", start), ("the wipe keyword", wipe)):
        text = {"MessageSid": "SM" + secrets.token_hex(16), "From": TEXTER, "To": dialled,
                "Body": body, "NumMedia": "0", REHEARSAL: "1"}
        checks.append(_expect(post, base, name, base + "/sms", text, True, 200,
                              lambda answer: _text_answer(answer, apology))[0])
    return checks


def _follow(post: Post, get: Get, base: str, voice: str, document: str,
            call: dict[str, str]) -> list[Check]:
    """Go on with the call as Twilio would: press a key at the welcome's menu, posted to its
    ``<Gather action>``; and fetch the welcome's recording (its first ``<Play>``), if any.

    Both are resolved against the URL that answered (``voice``), as Twilio resolves them.
    """
    root = ET.fromstring(document)  # _call_answer read it: TwiML with a <Gather>
    gather = next(root.iter("Gather"))
    pressed = {**call, "CallStatus": "in-progress", "Digits": KEY}
    checks = [_expect(post, base, "the first key press",
                      urljoin(voice, gather.get("action") or ""), pressed, True, 200,
                      _key_answer, {404: f"404: {UNDER_VOICE}", 403: REFUSED_UNDER_VOICE})[0]]
    played = next((play.text.strip() for play in root.iter("Play") if play.text), None)
    if played is None:
        checks.append(Check("the welcome's recording", True,
                            "none built (Twilio's voice says the welcome), /audio/ not asked",
                            asked=False))
    else:
        checks.append(_audio(get, base, urljoin(voice, played)))
    return checks


def _audio(get: Get, base: str, url: str) -> Check:
    """Fetch a recording as Twilio does: it must be there, and be audio."""
    label = f"the welcome's recording (GET {_shown(url, base)})"
    try:
        got, kind = get(url)
    except (OSError, http.client.HTTPException) as error:
        return Check(label, False, f"not reachable: {error!r}; check DNS, the proxy and its "
                                   "TLS certificate (Twilio needs a valid one)")
    if got == 404:
        return Check(label, False, f"404: {UNDER_AUDIO}")
    if got != 200:
        return Check(label, False, f"{got}, where 200 with a recording was expected")
    if not kind.startswith("audio/"):
        return Check(label, False, f"200, but {kind or 'no content type'}, not audio: "
                                   f"{UNDER_AUDIO}")
    return Check(label, True, f"{got}, {kind.split(';')[0]}")


def _shown(url: str, base: str) -> str:
    """Return ``url`` as the output shows it: its path, or all of it on another host."""
    parts, home = urlsplit(url), urlsplit(base)
    if (parts.scheme, parts.netloc) != (home.scheme, home.netloc):
        return url
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _twiml(body: str) -> ET.Element | None:
    """Return the root of a TwiML document; None if ``body`` is not one."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return None
    return root if root.tag == "Response" else None


def _voice_document(body: str) -> ET.Element | str:
    """Return the TwiML root of what a call hears, or what is wrong with ``body``."""
    if body.strip() == voice_channel.UNAVAILABLE:
        return "the \"line down, call 112\" answer: the server's content did not load"
    root = _twiml(body)
    return root if root is not None else "the answer is not TwiML"


def _call_answer(body: str) -> str | None:
    """None for a call's first menu; else what is wrong with ``body``."""
    root = _voice_document(body)
    if isinstance(root, str):
        return root
    return None if root.find(".//Gather") is not None else "no menu (no <Gather>) in the answer"


def _key_answer(body: str) -> str | None:
    """None for what a call hears after a key; else what is wrong with ``body``."""
    root = _voice_document(body)
    if isinstance(root, str):
        return root
    return None if len(root) else "an empty answer: Twilio would hang up"


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


def _expect(post: Post, base: str, name: str, url: str, form: dict[str, str], signed: bool,
            status: int, wrong: Callable[[str], str | None] | None,
            causes: Mapping[int, str] | None = None) -> tuple[Check, str]:
    """Post, and check the status and (with ``wrong``, which names a fault) the answer.

    ``causes``: the likely cause of a status, where this request knows it better than
    :func:`_why`. Returns the check and the answer.
    """
    label = f"{name} (POST {_shown(url, base)}{'' if signed else ', unsigned'})"
    try:
        got, body, failed = post(url, form, signed)
    except (OSError, http.client.HTTPException) as error:  # DNS, TLS, refused, timeout, not HTTP
        return Check(label, False, f"not reachable: {error!r}; check DNS, the proxy and its "
                                   "TLS certificate (Twilio needs a valid one)"), ""
    if got != status:
        why = (causes or {}).get(got) or _why(got, signed, status, body)
        return Check(label, False, why), body
    fault = wrong(body) if wrong is not None else None
    if fault is None and wrong is not None and failed:
        fault = FAILED.get(failed, f"a failure ({failed})")
    if fault is not None:
        return Check(label, False, f"{got}, but {fault}"), body
    return Check(label, True, f"{got}" + (", TwiML as Twilio needs it" if wrong else
                                          ": signatures are checked")), body


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
    checks = run(poster(token), getter(), base, helpline_number(), keywords.start[0],
                 keywords.wipe[0], found.sms.sorry(base_lang).text)
    for check in checks:
        mark = "ok  " if check.ok else "FAIL"
        click.echo(f"  {mark if check.asked else '--  '}  {check.name}: {check.seen}")
    failed = sum(1 for check in checks if not check.ok)
    if failed:
        asked = sum(1 for check in checks if check.asked)
        raise click.ClickException(f"{failed} of {asked} checks failed")
    click.echo(f"OK: Twilio can reach the helpline at {base}.")
