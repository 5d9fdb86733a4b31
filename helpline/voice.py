"""The voice channel: ``POST /voice`` for an incoming call, and the follow-ups it hands out.

Thin: each view reads Twilio's fields, asks the prepared :class:`~helpline.voice_book.VoiceBook`
which document comes next, and returns it. No store is touched, so calls keep working when
Redis is down; the URL scheme is described in :mod:`helpline.voice_book`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Blueprint, Response, request
from twilio.twiml.voice_response import VoiceResponse

from . import catalog as catalog_module
from .signature import twilio_signed
from .twiml import twiml_response
from .voice_book import Turn, VoiceBook

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


def _send(choose: Callable[[VoiceBook], Turn]) -> Response:
    """Send the prepared document of the turn ``choose`` picks."""
    catalog = catalog_module.current()
    if catalog is None:
        return twiml_response(UNAVAILABLE)
    book = catalog.voice
    try:
        turn = choose(book)
    except Exception as exc:
        # A bug must not cut off a caller (Twilio would say "application error" and hang
        # up): log it by type and place only, and offer the language menu.
        log.error("voice: %s while answering %s", type(exc).__name__, request.path)
        turn = book.home(None)
    return twiml_response(book.document(turn))


@bp.post("/voice")
@twilio_signed
def incoming_call() -> Response:
    dialled = request.form.get("To", "")
    return _send(lambda book: book.incoming(dialled))


@bp.post("/voice/<lang>/<node>")
@twilio_signed
def at_node(lang: str, node: str) -> Response:
    return _send(lambda book: book.play(lang, node))


@bp.post("/voice/<lang>/<node>/key")
@twilio_signed
def after_key(lang: str, node: str) -> Response:
    digits, speech = request.form.get("Digits", ""), request.form.get("SpeechResult", "")
    return _send(lambda book: book.after_key(lang, node, digits, speech))


@bp.post("/voice/<lang>/<node>/silence")
@twilio_signed
def after_silence(lang: str, node: str) -> Response:
    count = request.args.get("n", "")
    return _send(lambda book: book.after_silence(lang, node, count))


@bp.post("/voice/<lang>/_person/done")
@twilio_signed
def after_dial(lang: str) -> Response:
    status, count = request.form.get("DialCallStatus", ""), request.args.get("n", "")
    return _send(lambda book: book.after_dial(lang, status, count))


@bp.post("/voice/<path:rest>")
@twilio_signed
def elsewhere(rest: str) -> Response:
    """Answer a URL we never hand out (tampered, or from an older release): a menu, not a 404."""
    log.info("voice: a URL we never hand out; sending the caller to a menu")
    lang = rest.split("/", 1)[0]
    return _send(lambda book: book.home(lang))
