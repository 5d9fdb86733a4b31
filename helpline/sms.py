"""The SMS channel: ``POST /sms`` from Twilio Messaging (SMS and WhatsApp alike)."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, request
from flask.typing import ResponseReturnValue

from . import catalog as catalog_module
from . import engine, identity, sms_input
from .catalog import Catalog
from .sessions import Sessions
from .signature import twilio_signed
from .store import get_store
from .twiml import sms_reply

log = logging.getLogger(__name__)

bp = Blueprint("sms", __name__)

# Said when the content could not be loaded at all (never after a good load).
UNAVAILABLE = ("Hulplijn tijdelijk niet bereikbaar. In gevaar? Bel 112. / "
               "Helpline temporarily unavailable. In danger? Call 112.")


def answer(catalog: Catalog, sessions: Sessions, number_key: str, body: str) -> str | None:
    """Work out the reply to one incoming message (None: send nothing)."""
    state, known_lang = sessions.load(number_key)
    current_lang = state.lang if state else known_lang
    request_ = sms_input.parse(body, catalog.keywords, current_lang)
    if isinstance(request_, sms_input.OptOut):
        sessions.forget(number_key)
        return None
    if isinstance(request_, sms_input.TwilioHandled):
        return None
    if isinstance(request_, sms_input.Wipe):
        sessions.forget(number_key)
        return catalog.sms.wiped(request_.lang).text
    new_state, screen = engine.step(catalog.rules, state, request_, known_lang)
    sessions.save(number_key, new_state)
    return catalog.sms.reply(new_state.lang, screen).text


@bp.post("/sms")
@twilio_signed
def incoming_sms() -> ResponseReturnValue:
    catalog = catalog_module.current()
    if catalog is None:
        return sms_reply(UNAVAILABLE)
    config = current_app.config
    sessions = Sessions(get_store(), config["HELPLINE_SESSION_TTL"],
                        config["HELPLINE_LANGUAGE_TTL"])
    number_key = identity.number_key(request.form.get("From", ""),
                                     config["HELPLINE_HASH_KEY"].encode())
    return sms_reply(answer(catalog, sessions, number_key, request.form.get("Body", "")))
