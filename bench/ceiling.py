"""The ceiling: a minimal Flask app that answers every webhook with one fixed TwiML document.

Served by gunicorn with the helpline's own settings, it shows what the server and the load
generator manage with no work at all in the app; the helpline is measured against it.

``floor`` is the same app doing only what every Twilio webhook must: read the posted form
and check its signature (RequestValidator, as the helpline does). The helpline cannot beat
it; the distance between the two is the helpline's own work.
"""

from __future__ import annotations

import hmac
import os

from flask import Flask, Response, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

_message = MessagingResponse()
_message.message("Hulplijn mensenhandel. Informatie en hulp.\nHoofdmenu\n1 Je rechten\n2 Hulp krijgen\n"
                 "3 Is dit mensenhandel?\n4 Hoe daders werken\n5 Terugkeer en cijfers\n"
                 "0 Praten met iemand\n8 Taal/Language\nStuur een cijfer.")
SMS = str(_message)

_call = VoiceResponse()
_gather = _call.gather(action="/voice/nl/main/key", num_digits=1, timeout=8)
_gather.say("Voor je rechten, druk 1. Voor hulp krijgen, druk 2. Voor meer, druk 3.",
            language="nl-NL")
_call.redirect("/voice/nl/main/silence?n=1")
VOICE = str(_call)

app = Flask(__name__)


@app.post("/sms")
def sms() -> Response:
    return Response(SMS, mimetype="text/xml")


@app.post("/voice")
@app.post("/voice/<path:_rest>")
def voice(_rest: str = "") -> Response:
    return Response(VOICE, mimetype="text/xml")


@app.get("/healthz")
def healthz() -> Response:
    return Response("ok\n", mimetype="text/plain")


floor = Flask("floor")
_validator = RequestValidator(os.environ.get("TWILIO_AUTH_TOKEN", ""))
_public_url = os.environ.get("HELPLINE_PUBLIC_URL", "").rstrip("/")


def _checked(document: str) -> Response:
    url = _public_url + request.full_path.rstrip("?")
    expected = _validator.compute_signature(url, request.form).encode()
    if not hmac.compare_digest(expected, request.headers.get("X-Twilio-Signature", "").encode()):
        return Response("invalid signature\n", status=403, mimetype="text/plain")
    return Response(document, mimetype="text/xml")


@floor.post("/sms")
def floor_sms() -> Response:
    return _checked(SMS)


@floor.post("/voice")
@floor.post("/voice/<path:_rest>")
def floor_voice(_rest: str = "") -> Response:
    return _checked(VOICE)


@floor.get("/healthz")
def floor_healthz() -> Response:
    return Response("ok\n", mimetype="text/plain")
