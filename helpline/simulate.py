"""Try the helpline through its real webhooks, signed as Twilio signs them (when a token is set).

``flask --app app helpline simulate sms|call`` in the terminal, and the staff page's phone,
post here. Simulated requests are marked in the WSGI environ (which no outside request can
set), so they are left out of the figures; so are signed requests with the field
``HelplineRehearsal=1`` (``helpline smoke``, :mod:`helpline.smoke`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from typing import TextIO

import click
from flask import current_app, has_request_context, request
from flask.cli import AppGroup
from twilio.request_validator import RequestValidator

from .segments import Measure, measure
from .twiml_read import CallStep, read_call, sms_text

simulate = AppGroup("simulate", help="Try the helpline in the terminal, as a texter or caller.")

SIMULATED = "helpline.simulated"  # WSGI environ key of a request this module made
# A signed form field that marks a request from outside as a rehearsal too (the smoke test
# through the public URL): only a holder of the Twilio token can sign it; Twilio never sends it.
REHEARSAL = "HelplineRehearsal"
MAX_REDIRECTS = 20  # a document that redirects more often than this without input is a bug
TEXTER = "+31600000000"
CALLER = "+31600000000"


def is_simulated() -> bool:
    """Return True while answering a request the simulators made (not Twilio)."""
    return has_request_context() and bool(request.environ.get(SIMULATED))


def post(path: str, form: dict[str, str]) -> tuple[int, str]:
    """Post ``form`` to ``path`` of this app, signed as Twilio would sign it."""
    headers = {}
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    if token:
        base = (current_app.config.get("HELPLINE_PUBLIC_URL") or "http://localhost").rstrip("/")
        headers["X-Twilio-Signature"] = RequestValidator(token).compute_signature(base + path, form)
    response = current_app.test_client().post(path, data=form, headers=headers,
                                              environ_overrides={SIMULATED: True})
    return response.status_code, response.get_data(as_text=True)


class WebhookFailed(Exception):
    """A webhook answered with something Twilio could not use."""

    def __init__(self, path: str, status: int) -> None:
        super().__init__(f"{path} answered {status}")
        self.path, self.status = path, status


@dataclass(frozen=True)
class SmsReply:
    """What the texter's phone receives: the text (None: nothing is sent) and its cost."""

    text: str | None

    @property
    def measure(self) -> Measure | None:
        return None if self.text is None else measure(self.text)


def text_helpline(number: str, body: str) -> SmsReply:
    """Send ``body`` from ``number`` to ``POST /sms``; return the reply."""
    status, xml = post("/sms", {"From": number, "To": helpline_number(), "Body": body,
                                "MessageSid": "SM" + secrets.token_hex(16), "NumMedia": "0"})
    if status != 200:
        raise WebhookFailed("/sms", status)
    return SmsReply(sms_text(xml))


def helpline_number() -> str:
    """Return the helpline's own number from the content (what texters and callers dial)."""
    from . import catalog

    found = catalog.current()
    return found.content.contacts.helpline if found else "+3197000000000"


class Call:
    """One simulated call: posts what Twilio posts, in order, and follows its Redirects."""

    def __init__(self, caller: str = CALLER, dialled: str | None = None,
                 sid: str | None = None) -> None:
        self.caller = caller
        self.dialled = dialled or helpline_number()
        self.sid = sid or "CA" + secrets.token_hex(16)

    def request(self, path: str, **extra: str) -> CallStep:
        """Post to ``path`` as Twilio would during this call; read the document."""
        form = {"CallSid": self.sid, "From": self.caller, "To": self.dialled,
                "CallStatus": "in-progress", "Direction": "inbound", **extra}
        status, xml = post(path, form)
        if status != 200 or not xml.strip():
            raise WebhookFailed(path, status)
        return read_call(xml, path)

    def settle(self, step: CallStep) -> CallStep:
        """Follow Redirects, as Twilio does, to where the call waits or ends."""
        heard = list(step.heard)
        for _ in range(MAX_REDIRECTS):
            if step.next != "redirect" or step.url is None:
                return replace(step, heard=tuple(heard))
            step = self.request(step.url)
            heard += step.heard
        raise WebhookFailed(step.url or "?", 508)

    def start(self) -> CallStep:
        """Ring the helpline."""
        return self.settle(self.request("/voice", CallStatus="ringing"))

    def enter(self, step: CallStep, digits: str) -> CallStep:
        """Enter ``digits`` (what the Gather of ``step`` posts; "" is an empty entry)."""
        assert step.next == "key" and step.url is not None
        if not digits and not step.empty:
            return self.silence(step)  # Twilio posts nothing: the document goes on
        return self.settle(self.request(step.url, Digits=digits))

    def silence(self, step: CallStep) -> CallStep:
        """Press nothing: Twilio goes on with the rest of the document."""
        assert step.otherwise is not None
        return self.settle(step.otherwise)

    def dial_ends(self, step: CallStep, status: str) -> CallStep:
        """End the call to staff with ``status`` (completed, no-answer, busy ...)."""
        if step.url is None:
            return self.settle(step.otherwise or CallStep((), "end"))
        return self.settle(self.request(step.url, DialCallStatus=status, DialCallDuration="0"))


@simulate.command("sms")
@click.option("--number", default=TEXTER, show_default=True,
              help="the texter's number (a made-up one is fine)")
def simulate_sms(number: str) -> None:
    """Text the helpline: type a message, see the reply and its SMS segments. Ctrl-D ends."""
    click.echo("Type what a texter would send (for example HULP), Enter to send, Ctrl-D to stop.")
    stdin = click.get_text_stream("stdin")
    while True:
        line = _read(stdin, "you> ")
        if line is None:  # end of input (Ctrl-D)
            return
        try:
            reply = text_helpline(number, line)
        except WebhookFailed as failed:
            click.echo(f"  (the webhook answered {failed.status}{_why(failed)})")
            continue
        if reply.text is None or reply.measure is None:
            click.echo("  (no reply is sent)")
            continue
        cost = reply.measure
        click.echo(f"  [{cost.segments} segment{'s' if cost.segments > 1 else ''}, {cost.encoding},"
                   f" {cost.units} characters]")
        click.echo("\n".join(f"  | {line}" for line in reply.text.splitlines()))


KEYS = frozenset("0123456789*#")


@simulate.command("call")
@click.option("--number", default=CALLER, show_default=True,
              help="the caller's number (a made-up one is fine)")
@click.option("--dialled", default=None,
              help="the number dialled (default: the helpline's; a number listed in a language "
                   "file starts in that language)")
def simulate_call(number: str, dialled: str | None) -> None:
    """Call the helpline: hear what would be said or played, type keys. Ctrl-D hangs up.

    Type a key (0-9, * or #) and Enter; several keys are pressed one after the other (a
    postcode: its four digits, or # alone). Enter alone is silence: no key before the wait
    runs out.
    """
    click.echo("Type a key (0-9, * or #) and Enter. Enter alone: silence. Ctrl-D: hang up.")
    stdin = click.get_text_stream("stdin")
    call = Call(number, dialled)
    queued: list[str] = []
    try:
        step = _show(call.start())
        while True:
            if step.next == "end":
                click.echo("(the helpline ends the call)")
                return
            if step.next == "dial":
                click.echo(f"(the call is put through: {step.phones} phone"
                           f"{'s ring' if step.phones > 1 else ' rings'})")
                answer = _read(stdin, "answered? y = a person answers and the talk ends, "
                                      "Enter = nobody answers> ")
                if answer is None:
                    click.echo("(you hang up)")
                    return
                talked = answer.strip().lower().startswith("y")
                step = _show(call.dial_ends(step, "completed" if talked else "no-answer"))
                continue
            if not queued:
                line = _read(stdin, "keys> ")
                if line is None:
                    click.echo("(you hang up)")
                    return
                keys = line.replace(" ", "")
                wrong = [c for c in keys if c not in KEYS]
                if wrong:
                    click.echo(f"  ({''.join(wrong)!r}: a phone has only 0-9, * and #)")
                    continue
                if not keys:
                    click.echo("  (silence)")
                    step = _show(call.silence(step))
                    continue
                queued = list(keys)
            digits, used = step.entry("".join(queued))
            del queued[:used]
            step = _show(call.enter(step, digits))
    except WebhookFailed as failed:
        click.echo(f"({failed.path} answered {failed.status}{_why(failed)}: Twilio would say that "
                   "an application error occurred and hang up)")


def _show(step: CallStep) -> CallStep:
    for heard in step.heard:
        click.echo(f"  {heard}")
    return step


def _read(stdin: TextIO, prompt: str) -> str | None:
    """Prompt and read one line (None at the end of input); show it when it was not typed."""
    click.echo(prompt, nl=False)
    line = stdin.readline()
    if not line:
        click.echo()
        return None
    line = line.rstrip("\n")
    if not stdin.isatty():  # piped in: show it, so the transcript reads like a conversation
        click.echo(line)
    return line


def _why(failed: WebhookFailed) -> str:
    if failed.status == 403:
        return (" (refused: not signed; set TWILIO_AUTH_TOKEN as the server has it, or "
                "HELPLINE_ENV=development)")
    return ""
