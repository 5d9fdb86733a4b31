"""``flask --app app helpline simulate ...``: try a conversation in the terminal, through the
real webhooks (signed like Twilio signs, when a token is set), with what each reply costs."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from twilio.request_validator import RequestValidator

from .segments import measure
from .twiml_read import sms_text

simulate = AppGroup("simulate", help="Try the helpline in the terminal, as a texter or caller.")


def post(path: str, form: dict[str, str]) -> tuple[int, str]:
    """Post ``form`` to ``path`` of this app, signed as Twilio would sign it."""
    headers = {}
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    if token:
        base = (current_app.config.get("HELPLINE_PUBLIC_URL") or "http://localhost").rstrip("/")
        headers["X-Twilio-Signature"] = RequestValidator(token).compute_signature(base + path, form)
    response = current_app.test_client().post(path, data=form, headers=headers)
    return response.status_code, response.get_data(as_text=True)


@simulate.command("sms")
@click.option("--number", default="+31600000000", show_default=True,
              help="the texter's number (a made-up one is fine)")
def simulate_sms(number: str) -> None:
    """Text the helpline: type a message, see the reply and its SMS segments. Ctrl-D ends."""
    click.echo("Type what a texter would send (for example HULP), Enter to send, Ctrl-D to stop.")
    stdin = click.get_text_stream("stdin")
    while True:
        click.echo("you> ", nl=False)
        line = stdin.readline()
        if not line:  # end of input (Ctrl-D)
            click.echo()
            return
        body = line.rstrip("\n")
        status, xml = post("/sms", {"From": number, "To": "+3197000000000", "Body": body,
                                    "MessageSid": "SMsimulated", "NumMedia": "0"})
        if status != 200:
            click.echo(f"  (the webhook answered {status})")
            continue
        text = sms_text(xml)
        if text is None:
            click.echo("  (no reply is sent)")
            continue
        cost = measure(text)
        click.echo(f"  [{cost.segments} segment{'s' if cost.segments > 1 else ''}, {cost.encoding},"
                   f" {cost.units} characters]")
        click.echo("\n".join(f"  | {line}" for line in text.splitlines()))
