"""The SMS channel: ``POST /sms`` from Twilio Messaging (SMS and WhatsApp alike)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Blueprint, current_app, request
from flask.typing import ResponseReturnValue

from . import catalog as catalog_module
from . import engine, identity, metrics, sms_input, stats
from .catalog import Catalog
from .limits import Limits
from .sessions import Sessions
from .signature import twilio_signed
from .store import get_store
from .twiml import sms_reply

log = logging.getLogger(__name__)

bp = Blueprint("sms", __name__)

# Said when the content could not be loaded at all (never after a good load).
UNAVAILABLE = ("Hulplijn tijdelijk niet bereikbaar. In gevaar? Bel 112. / "
               "Helpline temporarily unavailable. In danger? Call 112.")


# Outcomes that are an abuse limit at work, and the ``limit`` label /metrics counts them under.
_LIMITS = {"rate_limited": "number", "reply_capped": "replies"}


@dataclass(frozen=True)
class Outcome:
    """The reply to one message (None: send nothing) and what to count about it."""

    text: str | None
    event: str
    lang: str | None = None
    node: str | None = None


def answer(catalog: Catalog, sessions: Sessions, limits: Limits, number_key: str,
           body: str) -> Outcome:
    """Work out the reply to one incoming message."""
    state, known_lang = sessions.load(number_key)
    current_lang = state.lang if state else known_lang
    choices = engine.choices(catalog.rules, state)
    request_ = sms_input.parse(body, catalog.keywords, current_lang, choices)
    if isinstance(request_, sms_input.OptOut):
        sessions.forget(number_key)
        return Outcome(None, "opt_out")
    if isinstance(request_, sms_input.TwilioHandled):
        return Outcome(None, "twilio_keyword")
    if isinstance(request_, sms_input.Wipe):
        sessions.forget(number_key)
        return _capped(limits, Outcome(catalog.sms.wiped(request_.lang).text, "wipe", request_.lang))
    if not limits.allow_message(number_key):
        return Outcome(None, "rate_limited")
    new_state, screen = engine.step(catalog.rules, state, request_, known_lang)
    sessions.save(number_key, new_state)
    text = catalog.sms.reply(new_state.lang, screen).text
    return _capped(limits, Outcome(text, _event(catalog, screen), new_state.lang, screen.node))


def _event(catalog: Catalog, screen: engine.Screen) -> str:
    """Name what was shown, for the figures: a menu, an answer (first page), a notice ..."""
    tree = catalog.content.tree
    if screen.notice:
        return screen.notice
    if tree.is_answer(screen.node):
        return "answer" if screen.page == 0 else "answer_page"
    if tree.is_menu(screen.node):
        return "menu"
    return {engine.LANGUAGES: "language_menu", engine.PERSON: "person"}.get(screen.node, "other")


def _capped(limits: Limits, outcome: Outcome) -> Outcome:
    if limits.allow_reply():
        return outcome
    log.warning("outgoing SMS cap reached: a reply was not sent")
    return Outcome(None, "reply_capped", outcome.lang, outcome.node)


@bp.post("/sms")
@twilio_signed
def incoming_sms() -> ResponseReturnValue:
    catalog = catalog_module.current()
    if catalog is None:
        return sms_reply(UNAVAILABLE)
    config = current_app.config
    store = get_store()
    try:
        number_key = identity.number_key(request.form.get("From", ""),
                                         config["HELPLINE_HASH_KEY"].encode())
        sessions = Sessions(store, config["HELPLINE_SESSION_TTL"], config["HELPLINE_LANGUAGE_TTL"])
        limits = Limits(store, config["HELPLINE_SMS_PER_NUMBER"],
                        config["HELPLINE_SMS_PER_NUMBER_WINDOW"],
                        config["HELPLINE_SMS_REPLIES_PER_MINUTE"])
        outcome = answer(catalog, sessions, limits, number_key, request.form.get("Body", ""))
    except Exception:
        # Never Twilio's generic error: the texter hears how to reach a person, and 112.
        log.exception("the SMS webhook failed; the texter got the apology")
        stats.count(store, "sms.error")
        return sms_reply(catalog.sms.sorry(catalog.content.base).text)
    node = outcome.node if outcome.event in ("answer", "menu") else None
    stats.count(store, f"sms.{outcome.event}", lang=outcome.lang, node=node)
    if outcome.event in _LIMITS:
        metrics.count("rate_limited", channel="sms", limit=_LIMITS[outcome.event])
    return sms_reply(outcome.text)
