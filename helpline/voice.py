"""The voice channel: ``POST /voice`` for an incoming call, and the follow-ups it hands out.

Thin: each view reads Twilio's fields, asks the prepared :class:`~helpline.voice_book.VoiceBook`
which document comes next, counts one anonymous figure, and returns it. The store is touched
only for that figure (one pipeline), and a failure there never reaches the caller, so calls
keep working when Redis is down; the URL scheme is described in :mod:`helpline.voice_book`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Blueprint, Response, request
from twilio.twiml.voice_response import VoiceResponse

from . import catalog as catalog_module
from . import stats
from .signature import twilio_signed
from .store import get_store
from .twiml import twiml_response
from .voice_book import GOODBYE_AFTER, LANGUAGES, PERSON, PERSON_AFTER, Kind, Turn, VoiceBook

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


def figure(book: VoiceBook, turn: Turn, came_from: tuple[str, str] | None = None) -> str:
    """Name what the caller gets, for the figures (``came_from``: the node a key was pressed at)."""
    lang, node, kind, silences = turn
    tree = book.rules.tree
    if kind is Kind.INCOMING:
        return "call"
    if kind is Kind.WELCOME:
        return "language"
    if kind is Kind.SILENCE:
        if silences >= GOODBYE_AFTER:
            return "goodbye"
        return "person_after_silence" if silences == PERSON_AFTER else "silence"
    if kind is Kind.TALKED:
        return "talked"
    if kind is Kind.NOBODY:
        return "nobody"
    if kind is Kind.NOT_OPTION:
        return "not_option"
    if kind is Kind.SLOW:
        return "answer_slow"
    if node == PERSON:
        return "person"
    if node == LANGUAGES:
        return "language_menu"
    if tree.is_answer(node):
        return "answer_again" if came_from == (lang or "", node) else "answer"
    return "menu"


def _count(event: str, turn: Turn) -> None:
    """Count one figure; whatever goes wrong, the caller still gets their document."""
    try:
        node = turn.node if event in ("voice.answer", "voice.menu") else None
        stats.count(get_store(), event, lang=turn.lang, node=node)
    except Exception as exc:
        log.error("voice: %s while counting a figure", type(exc).__name__)


def _send(choose: Callable[[VoiceBook], Turn], came_from: tuple[str, str] | None = None) -> Response:
    """Send the prepared document of the turn ``choose`` picks, and count it."""
    catalog = catalog_module.current()
    if catalog is None:
        return twiml_response(UNAVAILABLE)
    book = catalog.voice
    try:
        turn = choose(book)
        event = "voice." + figure(book, turn, came_from)
    except Exception as exc:
        # A bug must not cut off a caller (Twilio would say "application error" and hang
        # up): log it by type and place only, and offer the language menu.
        log.error("voice: %s while answering %s", type(exc).__name__, request.path)
        turn, event = book.home(None), "voice.error"
    _count(event, turn)
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
    return _send(lambda book: book.after_key(lang, node, digits, speech), came_from=(lang, node))


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
