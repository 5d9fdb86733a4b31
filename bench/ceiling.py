"""The ceiling: a minimal Flask app that answers every webhook with one fixed TwiML document.

Served by gunicorn with the helpline's own settings, it shows what the server and the load
generator manage with no work at all in the app; the helpline is measured against it.

``floor`` is the same app doing only what every Twilio webhook must: read the posted form
(the helpline's way, :mod:`helpline.forms`) and check its signature (RequestValidator, as the
helpline does). The helpline cannot beat it; the distance between the two is the helpline's
own work.

``stored`` is the floor plus what every text costs the store, and nothing else: the two
Redis round trips of :class:`helpline.visit.Visit` (read the texter's state and count the
message; write the state and count the reply), with the helpline's own scripts and client.
No SMS webhook that keeps its conversations in Redis this way can beat it; its voice is the
floor's (a call's turns need no store). ``one_trip`` makes the first round trip only: the
best a design that read and wrote in one round trip could reach.
"""

from __future__ import annotations

import hmac
import os

from flask import Flask, Response, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from helpline.forms import WebhookRequest
from helpline.identity import key_of
from helpline.store import connect
from helpline.visit import Visit

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
floor.request_class = WebhookRequest
_validator = RequestValidator(os.environ.get("TWILIO_AUTH_TOKEN", ""))
_public_url = os.environ.get("HELPLINE_PUBLIC_URL", "").rstrip("/")


def _signed() -> bool:
    url = _public_url + request.full_path.rstrip("?")
    expected = _validator.compute_signature(url, request.form).encode()
    return hmac.compare_digest(expected, request.headers.get("X-Twilio-Signature", "").encode())


def _checked(document: str) -> Response:
    if not _signed():
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


_store = connect(os.environ.get("REDIS_URL"))
_secret = os.environ.get("HELPLINE_HASH_KEY", "").encode()
_STATE = {"lang": "nl", "node": "main", "page": 0}  # a texter's state, as the helpline keeps it


def _store_floor(name: str, write: bool) -> Flask:
    """The floor, plus a text's round trip to read its state and count it, and with ``write``
    the round trip that keeps the new state and counts the reply."""
    app = Flask(name)
    app.request_class = WebhookRequest

    @app.post("/sms")
    def sms() -> Response:
        if not _signed():
            return Response("invalid signature\n", status=403, mimetype="text/plain")
        visit = Visit.begin(_store, key_of(request.form.get("From", ""), _secret), 600)
        if write:
            visit.keep("session", _STATE, 1800)
            visit.keep("lang", "nl", 30 * 86400)
            visit.sent(1)
            visit.finish()
        return Response(SMS, mimetype="text/xml")

    app.add_url_rule("/voice", view_func=floor_voice, methods=["POST"])
    app.add_url_rule("/voice/<path:_rest>", view_func=floor_voice, methods=["POST"])
    app.add_url_rule("/healthz", view_func=floor_healthz)
    return app


stored = _store_floor("stored", write=True)
# What an SMS design that read and wrote a texter's state in a single round trip (its menu
# steps run inside Redis) would reach at best: the first round trip alone, nothing written.
one_trip = _store_floor("one_trip", write=False)
