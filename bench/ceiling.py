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
floor's (a call's turns need no store). ``one_trip`` does the same reads and writes in one
script, one round trip: the best a design that ran its menu steps inside Redis could reach.
"""

from __future__ import annotations

import hmac
import json
import os

from flask import Flask, Response, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from helpline.forms import WebhookRequest
from helpline.handoff import CLOSED, EXPIRY, POINTER
from helpline.identity import key_of
from helpline.store import connect
from helpline.visit import Visit, replies_key

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


# The one-trip floor's single script: read the texter's state, language and hand-off keys,
# count the message (under the hand-off's count if the number has a hand-off pointer, else
# the menus'), read the other count, count the reply, and keep the new state and language
# (as the helpline's two scripts do between them). KEYS: session, lang, pointer, closed,
# expiry, rate, handoff-rate, replies. ARGV: rate window, then the state and language, each
# with its TTL.
_ONE_TRIP = """
local found = redis.call('MGET', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
local counter, other = KEYS[6], KEYS[7]
if found[3] then counter, other = KEYS[7], KEYS[6] end
table.insert(found, redis.call('INCR', counter))
redis.call('EXPIRE', counter, ARGV[1], 'NX')
table.insert(found, redis.call('GET', other))
table.insert(found, redis.call('INCRBY', KEYS[8], 1))
redis.call('EXPIRE', KEYS[8], 120, 'NX')
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
redis.call('SET', KEYS[2], ARGV[4], 'EX', ARGV[5])
return found
"""
_one_trip_script = _store.client.register_script(_ONE_TRIP)


def _visit_in_one_trip(number_key: str) -> None:
    keys = [_store.key(kind, number_key)
            for kind in ("session", "lang", POINTER, CLOSED, EXPIRY, "rate", "handoff-rate")]
    _one_trip_script(keys=[*keys, replies_key()], client=_store.client,
                     args=[600, json.dumps(_STATE), 1800, json.dumps("nl"), 30 * 86400])


def _store_floor(name: str, trips: int) -> Flask:
    """The floor, plus what a text costs the store: with ``trips`` 2, the helpline's own two
    round trips (read the state and count the message; keep the new state and count the
    reply); with 1, the same work in one script."""
    app = Flask(name)
    app.request_class = WebhookRequest

    @app.post("/sms")
    def sms() -> Response:
        if not _signed():
            return Response("invalid signature\n", status=403, mimetype="text/plain")
        number_key = key_of(request.form.get("From", ""), _secret)
        if trips == 1:
            _visit_in_one_trip(number_key)
            return Response(SMS, mimetype="text/xml")
        visit = Visit.begin(_store, number_key, 600)
        visit.keep("session", _STATE, 1800)
        visit.keep("lang", "nl", 30 * 86400)
        visit.sent(1)
        visit.finish()
        return Response(SMS, mimetype="text/xml")

    app.add_url_rule("/voice", view_func=floor_voice, methods=["POST"])
    app.add_url_rule("/voice/<path:_rest>", view_func=floor_voice, methods=["POST"])
    app.add_url_rule("/healthz", view_func=floor_healthz)
    return app


stored = _store_floor("stored", trips=2)
# What an SMS design that read and wrote a texter's state in a single round trip (its menu
# steps run inside Redis) would reach at best: the same reads and writes in one script.
one_trip = _store_floor("one_trip", trips=1)
