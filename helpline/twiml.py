"""The one way a webhook answers Twilio: TwiML from the twilio builders, as text/xml."""

from __future__ import annotations

from flask import Response
from twilio.twiml import TwiML
from twilio.twiml.messaging_response import MessagingResponse


def twiml_response(document: TwiML | str, status: int = 200) -> Response:
    """Serialise ``document`` (a VoiceResponse, MessagingResponse, or one prepared) for Twilio."""
    return Response(str(document), status=status, mimetype="text/xml")


def sms_reply(text: str | None, sends: tuple[tuple[str, str], ...] = ()) -> Response:
    """Answer an incoming SMS with ``text``, or with an empty ``<Response/>`` for None.

    ``sends`` are (number, text) messages to others, sent from the helpline number as
    ``<Message to=...>`` (an SMS hand-off between a texter and staff).
    """
    document = MessagingResponse()
    if text:
        document.message(text)
    for to, message in sends:
        if message:
            document.message(message, to=to)
    return twiml_response(document)
