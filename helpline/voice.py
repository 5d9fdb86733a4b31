"""The voice channel: ``POST /voice`` for an incoming call, and the follow-ups it hands out.

Thin: each view reads Twilio's fields, asks the prepared :class:`~helpline.voice_book.VoiceBook`
which document comes next (for the hour of :func:`helpline.clock.now` and the number dialled),
counts one anonymous figure, and returns it. Calls keep working when Redis is down: the store
is written only to count that figure (one pipeline, whose failure never reaches the caller)
and, when a caller asks for one, to keep a callback request (the caller hears if that failed).
The URL scheme is described in :mod:`helpline.voice_book`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from flask import Blueprint, Response, current_app, request
from twilio.twiml.voice_response import VoiceResponse

from . import callbacks, clock, identity, metrics, stats
from . import catalog as catalog_module
from .content import Content
from .sealed import sealer_for
from .signature import twilio_signed
from .store import StoreUnavailable, get_store
from .twiml import twiml_response
from .voice_book import (
    CALLBACK,
    DIAL_TIMEOUT,
    GOODBYE_AFTER,
    PERSON,
    PERSON_AFTER,
    POSTCODE,
    REGION,
    REGIONS,
    WHISPER,
    WHISPER_INTERPRETER,
    Kind,
    Moment,
    Turn,
    VoiceBook,
    language_page,
)
from .voice_script import prompt_unit, spoken_units

log = logging.getLogger(__name__)

bp = Blueprint("voice", __name__)


def _say_unavailable(doc: VoiceResponse) -> None:
    """Say, in Dutch and English, that the line is down and 112 is there.

    112 is written digit by digit, so that it is read as the number to dial ("1 1 2"), not as
    "one hundred and twelve" (see :func:`helpline.voice_script.spoken_number`).
    """
    doc.say("De hulplijn is tijdelijk niet bereikbaar. Ben je in direct gevaar? Bel 1 1 2.",
            language="nl-NL", voice="Google.nl-NL-Standard-A")
    doc.say("The helpline is temporarily unavailable. Are you in danger right now? Call 1 1 2.",
            language="en-GB", voice="Google.en-GB-Standard-A")


def _unavailable() -> str:
    """Return what a call hears when content never loaded: the line is down, 112."""
    doc = VoiceResponse()
    _say_unavailable(doc)
    return str(doc)


UNAVAILABLE = _unavailable()


class NothingToDial(ValueError):
    """The fallback cannot put callers through to staff; the message says why."""


def fallback_with_staff(content: Content) -> tuple[str, list[str]]:
    """Return the fallback TwiML (for a TwiML Bin, used while this server is down) that first
    puts the caller through to the staff phones, and notes for the operator on what it holds.

    The welcome with 112 and "please hold" (base language, then English), a ``<Dial>`` of the
    real staff numbers as the normal route rings them (20 seconds, together or in turn, showing
    the helpline number, never the caller's), then the "line down, call 112" of
    :data:`UNAVAILABLE`: Twilio goes on to it when the Dial ends (nobody answered, or after the
    talk). Nothing here can be played from this server: every unit is a ``<Say>``.

    A number marked ``example: true`` is never dialled, and the helpline number must be real
    (it is what staff phones show). Raise :class:`NothingToDial` when no phone may be dialled.
    """
    contacts = content.contacts
    notes: list[str] = []
    skipped = [number for number in contacts.staff if number in contacts.example_staff]
    if skipped:
        notes.append(f"left out: {', '.join(skipped)}: example number{'s' if len(skipped) > 1 else ''}"
                     " (example: true in content/contacts.yaml), never dialled")
    if contacts.helpline_is_example:
        raise NothingToDial(
            f"the helpline number {contacts.helpline} is an EXAMPLE number (example: true in "
            "content/contacts.yaml): staff phones must show the real one, so no staff phone is "
            "dialled; set the real number, or leave out --dial")
    staff = contacts.real_staff
    if not staff:
        why = "all are example numbers" if skipped else "none is listed under staff:"
        raise NothingToDial(f"no real staff number in content/contacts.yaml ({why}): there is "
                            "no staff phone to dial; add one, or leave out --dial")
    units = spoken_units(content)
    langs = [content.base, *(["en"] if "en" in content.languages and content.base != "en" else [])]
    doc = VoiceResponse()
    for key in ("voice_welcome", "voice_connecting"):
        for lang in langs:
            voice = content.languages[lang].voice
            doc.say(units[(prompt_unit(key), lang)], language=voice.locale, voice=voice.say_voice)
    dial = doc.dial(timeout=DIAL_TIMEOUT, caller_id=contacts.helpline,
                    sequential=True if contacts.ring_in_turn else None)
    for number in staff:
        dial.number(number)
    _say_unavailable(doc)
    if len(staff) == 1:
        ring = f"for {DIAL_TIMEOUT} seconds"
    elif contacts.ring_in_turn:
        ring = f"one after the other, {DIAL_TIMEOUT} seconds each"
    else:
        ring = f"together for {DIAL_TIMEOUT} seconds"
    phones = f"{len(staff)} staff phone{'s' if len(staff) > 1 else ''}"
    notes[:0] = [
        f"included: the welcome with 112 and \"please hold\" ({', '.join(langs)}); then a call "
        f"to {phones} ({', '.join(staff)}), ringing {ring}, showing the helpline number "
        f"{contacts.helpline}; then, when that call ends, \"the line is down, call 112\" "
        "(nl, en)",
    ]
    notes.append("note: a TwiML Bin cannot check the opening hours, nor screen the call (the "
                 "language and \"press 1 to take the call\" come from this server): these phones "
                 "ring at any hour, and a voicemail on one of them can take a caller's call: "
                 "switch voicemail off on them. After a change to content/contacts.yaml, print "
                 "this again and paste it into the Bin.")
    return str(doc), notes


def _refused() -> str:
    """Hang up a staff phone's leg (content never loaded: there is nothing to screen with)."""
    doc = VoiceResponse()
    doc.hangup()
    return str(doc)


REFUSED = _refused()


Figure = tuple[str, dict[str, str | None]]  # an event and its labels


def figure(book: VoiceBook, turn: Turn, came_from: tuple[str, str] | None = None) -> Figure | None:
    """Name what the caller gets, for the figures: an event and its labels (None: not counted).

    ``came_from`` is where a key was pressed (to tell an answer heard again). Asking for a
    person is counted with the hours (open or closed), never with anything about the caller.
    """
    lang, node, kind, silences = turn.lang, turn.node, turn.kind, turn.silences
    plain: dict[str, str | None] = {"lang": lang}
    if turn.withheld and node == CALLBACK and kind is Kind.PLAY:
        return "voice.postcode", plain  # no callback offered: 1 was the coordinator
    hours: dict[str, str | None] = {"lang": lang, "hours": "closed" if turn.closed else "open"}
    tree = book.rules.tree
    if node in (WHISPER, WHISPER_INTERPRETER):
        return None  # what staff hear on their own phone: not a caller's step
    if kind is Kind.INCOMING:
        return "voice.call", plain
    if kind is Kind.WELCOME:
        return "voice.language", plain
    if kind is Kind.SILENCE:
        if silences >= GOODBYE_AFTER:
            return "voice.goodbye", plain
        if silences == PERSON_AFTER and node != CALLBACK:
            return "voice.person_after_silence", hours
        return "voice.silence", plain
    if kind is Kind.TALKED:
        return "voice.talked", plain
    if kind is Kind.HUNG_UP:
        return "voice.hung_up_ringing", plain
    if kind is Kind.NOBODY:
        return ("voice.coordinator_nobody" if node.startswith(REGION) else "voice.nobody"), plain
    if kind in (Kind.SAVED, Kind.NOT_SAVED):
        return f"voice.callback_{kind.value}", plain
    if kind is Kind.DIAL:
        return "voice.staff", hours
    if kind is Kind.NOT_OPTION:
        return "voice.not_option", plain
    if kind is Kind.SLOW:
        return "voice.answer_slow", plain
    if kind is Kind.UNKNOWN:
        return "voice.postcode_unknown", plain
    if node == PERSON:
        return "voice.person", hours
    if node.startswith(REGION):
        return "voice.coordinator", hours
    if language_page(node) is not None:
        return "voice.language_menu", plain  # any of its pages
    simple = {CALLBACK: "voice.callback_offer", POSTCODE: "voice.postcode",
              REGIONS: "voice.regions"}
    if node in simple:
        return simple[node], plain
    if tree.is_answer(node):
        if came_from == (lang or "", node):
            return "voice.answer_again", plain
        return "voice.answer", {**plain, "node": node}
    return "voice.menu", {**plain, "node": node}


def _count(counted: Figure | None, turn: Turn) -> None:
    """Count one figure (one pipeline) and the /metrics counters (in the process).

    Whatever goes wrong here, the caller still gets their document.
    """
    try:
        if turn.kind is Kind.DIAL:
            metrics.count("handoffs", channel="voice")
        if counted is not None:
            event, labels = counted
            stats.count(get_store(), event, None, **labels)
    except Exception as exc:
        log.error("voice: %s while counting a figure", type(exc).__name__)


def _send(choose: Callable[[VoiceBook, Moment], Turn],
          came_from: tuple[str, str] | None = None, staff_leg: bool = False) -> Response:
    """Send the prepared document of the turn ``choose`` picks, and count it.

    ``staff_leg``: the request is for a staff phone's whisper, where whatever goes wrong
    refuses the call (that leg hangs up; the caller is offered a callback) rather than put
    it through unscreened, or play a caller's menu to staff.
    """
    catalog = catalog_module.current()
    if catalog is None:
        metrics.webhook_failed("voice", "no-content")
        return twiml_response(REFUSED if staff_leg else UNAVAILABLE)
    book = catalog.voice
    try:
        now = clock.now()
        turn = choose(book, book.moment(request.form.get("To", ""), now))
        if not staff_leg:
            turn = book.for_caller(turn, lambda: callbacks.callable_number(
                request.form.get("From", "")) is None)
        if turn.kind is Kind.SAVED:
            turn = _keep_callback(turn, catalog.content.base, now)
        counted = figure(book, turn, came_from)
    except Exception as exc:
        # A bug must not cut off a caller (Twilio would say "application error" and hang
        # up): log it by type and place only; the caller hears sorry and 112 in their
        # language (the URL's, if we serve it) and starts over at their main menu.
        log.error("voice: %s while answering %s", type(exc).__name__, request.path,
                  exc_info=exc)  # the log filter keeps its type and place, never its message
        metrics.webhook_failed("voice", "error")
        turn = book.after_screen("") if staff_leg else book.apology(_lang_segment(request.path))
        counted = ("voice.error", {})
    _count(counted, turn)
    return twiml_response(book.document(turn))


def _lang_segment(path: str) -> str:
    """Return the language segment of a voice URL (``/voice/<lang>/...``), or ""."""
    parts = path.split("/")
    return parts[2] if len(parts) > 3 else ""


def _keep_callback(turn: Turn, base: str, now: dt.datetime) -> Turn:
    """Keep the caller's consented callback request; say so if that cannot be done."""
    config = current_app.config
    number = callbacks.callable_number(request.form.get("From", ""))
    if number is None:
        return turn._replace(kind=Kind.NOT_SAVED)
    try:
        callbacks.request(get_store(), sealer_for(config["HELPLINE_ENCRYPTION_KEY"]),
                          identity.number_key(number, config["HELPLINE_HASH_KEY"].encode()),
                          number, turn.lang or base, now, int(config["HELPLINE_CALLBACK_TTL"]))
    except StoreUnavailable:
        log.error("store unreachable: a callback request could not be kept")
        return turn._replace(kind=Kind.NOT_SAVED)
    except Exception as exc:
        # Any other failure (a Redis error, a bug): the caller must hear that it did not work,
        # not be dropped into a menu as if it had. By type only: no number in the log.
        log.error("voice: %s while keeping a callback request", type(exc).__name__)
        return turn._replace(kind=Kind.NOT_SAVED)
    return turn


@bp.post("/voice")
@twilio_signed
def incoming_call() -> Response:
    dialled = request.form.get("To", "")
    return _send(lambda book, at: book.incoming(dialled))


@bp.post("/voice/<lang>/_whisper", defaults={"node": WHISPER})
@bp.post("/voice/<lang>/_whisper-interpreter", defaults={"node": WHISPER_INTERPRETER})
@twilio_signed
def whisper(lang: str, node: str) -> Response:
    """A staff phone (or a care coordinator who may need an interpreter) answered a call:
    Twilio runs this on their leg, before connecting."""
    return _send(lambda book, at: book.screen(lang, node), staff_leg=True)


@bp.post("/voice/<lang>/_whisper/key")
@bp.post("/voice/<lang>/_whisper-interpreter/key")
@twilio_signed
def whisper_key(lang: str) -> Response:
    """What staff pressed at the whisper: 1 puts the call through, anything else refuses it."""
    digits = request.form.get("Digits", "")
    return _send(lambda book, at: book.after_screen(digits), staff_leg=True)


@bp.post("/voice/<lang>/<node>")
@twilio_signed
def at_node(lang: str, node: str) -> Response:
    return _send(lambda book, at: book.play(lang, node, at))


@bp.post("/voice/<lang>/<node>/key")
@twilio_signed
def after_key(lang: str, node: str) -> Response:
    digits, speech = request.form.get("Digits", ""), request.form.get("SpeechResult", "")
    return _send(lambda book, at: book.after_key(lang, node, digits, speech, at),
                 came_from=(lang, node))


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
    bridged = request.form.get("DialBridged", "")
    return _send(lambda book, at: book.after_dial(lang, status, count, node, at, bridged))


@bp.post("/voice/<path:rest>")
@twilio_signed
def elsewhere(rest: str) -> Response:
    """Answer a URL we never hand out (tampered, or from an older release): a menu, not a 404."""
    log.info("voice: a URL we never hand out; sending the caller to a menu")
    lang = rest.split("/", 1)[0]
    return _send(lambda book, at: book.home(lang))
