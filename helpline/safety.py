"""The last line of defence: an unexpected error in a voice webhook never reaches Twilio.

Twilio answers a 5xx with its own "application error" and hangs up on the caller. Instead the
caller hears an apology in their language (when the URL says which), the emergency number,
and is taken back to the start. The error is logged by type and place only.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, request
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed, NotFound

from . import catalog as catalog_module
from . import metrics
from .signature import is_valid_request
from .twiml import twiml_response
from .voice_script import spoken_number

log = logging.getLogger(__name__)


def voice_apology(lang_segment: str) -> str:
    """Return TwiML that apologises, gives 112 and starts the call over."""
    catalog = catalog_module.current()
    document = VoiceResponse()
    if catalog is None:
        document.say("Sorry. Ben je in direct gevaar? Bel 1 1 2. Are you in danger? Call 1 1 2.",
                     language="nl-NL")
        return str(document)
    content = catalog.content
    lang = content.language(lang_segment)
    prompts = content.prompts[lang.code].text
    say = {"language": lang.voice.locale, **({"voice": lang.voice.say_voice}
                                             if lang.voice.say_voice else {})}
    document.say(prompts["sorry"], **say)
    document.say(prompts["voice_welcome"].format(emergency=spoken_number(content.contacts.emergency)), **say)
    known = lang_segment in content.languages
    document.redirect(f"/voice/{lang.code}/main" if known else "/voice", method="POST")
    return str(document)


def _handle(error: Exception) -> Response | HTTPException:
    if isinstance(error, NotFound | MethodNotAllowed) and request.path.startswith("/voice"):
        # A voice URL no route matches ("/voice///key"): Twilio follows no 404, so start over.
        if not is_valid_request():
            return Response("invalid signature\n", status=403, mimetype="text/plain")
        document = VoiceResponse()
        document.redirect("/voice", method="POST")
        return twiml_response(document)
    if isinstance(error, HTTPException):
        return error
    log.error("unexpected %s in %s", type(error).__name__, request.path,
              exc_info=(type(error), error, error.__traceback__))
    channel = metrics.channel(request.path)
    if channel in metrics.CHANNELS:
        metrics.webhook_failed(channel, "error")
    if request.path.startswith("/voice"):
        parts = request.path.split("/")
        return twiml_response(voice_apology(parts[2] if len(parts) > 2 else ""))
    return InternalServerError()


def init_app(app: Flask) -> None:
    app.register_error_handler(Exception, _handle)
