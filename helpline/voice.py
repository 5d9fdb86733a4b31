"""The voice channel: ``POST /voice`` for an incoming call, and the follow-ups it hands out.

Thin: each view reads Twilio's fields, asks the prepared :class:`~helpline.voice_book.VoiceBook`
which document comes next (for the hour of :func:`helpline.clock.now` and the number dialled),
and returns it. Calls keep working when Redis is down: the store is only written to keep a
callback request (the caller hears if that failed) and to count anonymous figures. The URL
scheme is described in :mod:`helpline.voice_book`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from flask import Blueprint, Response, current_app, request
from twilio.twiml.voice_response import VoiceResponse

from . import callbacks, clock, identity, metrics, stats
from . import catalog as catalog_module
from .sealed import Sealer
from .signature import twilio_signed
from .store import StoreUnavailable, get_store
from .twiml import twiml_response
from .voice_book import CALLBACK, PERSON, REGION, Kind, Moment, Turn, VoiceBook

log = logging.getLogger(__name__)

bp = Blueprint("voice", __name__)


def _unavailable() -> str:
    """Say, in Dutch and English, that the line is down and 112 is there (content never loaded)."""
    doc = VoiceResponse()
    doc.say("De hulplijn is tijdelijk niet bereikbaar. Ben je in direct gevaar? Bel 112.",
            language="nl-NL", voice="Google.nl-NL-Standard-A")
    doc.say("The helpline is temporarily unavailable. Are you in danger right now? Call 112.",
            language="en-GB", voice="Google.en-GB-Standard-A")
    return str(doc)


UNAVAILABLE = _unavailable()


def _send(choose: Callable[[VoiceBook, Moment], Turn]) -> Response:
    """Send the prepared document of the turn ``choose`` picks."""
    catalog = catalog_module.current()
    if catalog is None:
        return twiml_response(UNAVAILABLE)
    book = catalog.voice
    try:
        now = clock.now()
        turn = choose(book, book.moment(request.form.get("To", ""), now))
        if turn.kind is Kind.SAVED:
            turn = _keep_callback(turn, catalog.content.base, now)
        _count(turn)
    except Exception as exc:
        # A bug must not cut off a caller (Twilio would say "application error" and hang
        # up): log it by type and place only, and offer the language menu.
        log.error("voice: %s while answering %s", type(exc).__name__, request.path)
        turn = book.home(None)
    return twiml_response(book.document(turn))


def _keep_callback(turn: Turn, base: str, now: dt.datetime) -> Turn:
    """Keep the caller's consented callback request; say so if that cannot be done."""
    config = current_app.config
    number = callbacks.callable_number(request.form.get("From", ""))
    if number is None:
        return turn._replace(kind=Kind.NOT_SAVED)
    try:
        callbacks.request(get_store(), Sealer(config["HELPLINE_ENCRYPTION_KEY"]),
                          identity.number_key(number, config["HELPLINE_HASH_KEY"].encode()),
                          number, turn.lang or base, now, int(config["HELPLINE_CALLBACK_TTL"]))
    except StoreUnavailable:
        log.error("store unreachable: a callback request could not be kept")
        return turn._replace(kind=Kind.NOT_SAVED)
    return turn


def _count(turn: Turn) -> None:
    """Count, anonymously, callers who ask for a person, by hours, and callback requests."""
    asks = (turn.node == PERSON and turn.kind in (Kind.PLAY, Kind.DIAL)) or (
        turn.node.startswith(REGION) and turn.kind is Kind.PLAY)
    if turn.kind is Kind.DIAL:
        metrics.count("handoffs", channel="voice")
    if asks:
        event = "voice.coordinator" if turn.node.startswith(REGION) else "voice.person"
        stats.count(get_store(), event, lang=turn.lang, hours="closed" if turn.closed else "open")
    elif turn.node == CALLBACK and turn.kind in (Kind.SAVED, Kind.NOT_SAVED):
        stats.count(get_store(), f"voice.callback_{turn.kind.value}", lang=turn.lang)


@bp.post("/voice")
@twilio_signed
def incoming_call() -> Response:
    dialled = request.form.get("To", "")
    return _send(lambda book, at: book.incoming(dialled))


@bp.post("/voice/<lang>/<node>")
@twilio_signed
def at_node(lang: str, node: str) -> Response:
    return _send(lambda book, at: book.play(lang, node, at))


@bp.post("/voice/<lang>/<node>/key")
@twilio_signed
def after_key(lang: str, node: str) -> Response:
    digits, speech = request.form.get("Digits", ""), request.form.get("SpeechResult", "")
    return _send(lambda book, at: book.after_key(lang, node, digits, speech, at))


@bp.post("/voice/<lang>/<node>/silence")
@twilio_signed
def after_silence(lang: str, node: str) -> Response:
    count = request.args.get("n", "")
    return _send(lambda book, at: book.after_silence(lang, node, count, at))


@bp.post("/voice/<lang>/<node>/done")
@twilio_signed
def after_dial(lang: str, node: str) -> Response:
    """A Dial to staff (``_person``) or to a coordinator (``_region-<id>``) ended."""
    status, count = request.form.get("DialCallStatus", ""), request.args.get("n", "")
    return _send(lambda book, at: book.after_dial(lang, status, count, node, at))


@bp.post("/voice/<path:rest>")
@twilio_signed
def elsewhere(rest: str) -> Response:
    """Answer a URL we never hand out (tampered, or from an older release): a menu, not a 404."""
    log.info("voice: a URL we never hand out; sending the caller to a menu")
    lang = rest.split("/", 1)[0]
    return _send(lambda book, at: book.home(lang))
