"""The one way a webhook answers Twilio: TwiML from the twilio builders, as text/xml."""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from flask import Response
from twilio.twiml import TwiML
from twilio.twiml.messaging_response import MessagingResponse

# Distinct reply texts whose TwiML is kept ready: the prepared messages of every language
# (about 1,100 for the shipped content) fit several times over.
REPLIES_KEPT = 4096


class Send(NamedTuple):
    """A message to someone other than the sender (an SMS hand-off): to whom, what, and from
    which of the helpline's addresses (Twilio's ``from``), one on the channel of ``to``."""

    to: str
    text: str
    via: str | None


def twiml_response(document: TwiML | str, status: int = 200) -> Response:
    """Serialise ``document`` (a VoiceResponse, MessagingResponse, or one prepared) for Twilio."""
    return Response(str(document), status=status, mimetype="text/xml")


def sms_reply(text: str | None, sends: tuple[Send, ...] = ()) -> Response:
    """Answer an incoming SMS with ``text``, or with an empty ``<Response/>`` for None.

    The reply goes back to the sender from the address they wrote to (Twilio's default).
    ``sends`` are messages to others, ``<Message to=... from=...>`` (an SMS hand-off between a
    texter and staff): without ``from`` Twilio would send them from the address the incoming
    message came to, which is on the wrong channel when one side uses WhatsApp.
    """
    if not sends:
        return twiml_response(_reply_document(text))
    return twiml_response(_document(text, sends))


@lru_cache(maxsize=REPLIES_KEPT)
def _reply_document(text: str | None) -> str:
    """The TwiML of a reply to the sender alone, serialised once per text: the same few texts
    (the prepared messages) come back again and again. Replies with ``sends``, which carry
    a number and a texter's words, are never kept."""
    return _document(text, ())


def _document(text: str | None, sends: tuple[Send, ...]) -> str:
    document = MessagingResponse()
    if text:
        document.message(text)
    for to, message, via in sends:
        if message:
            document.message(message, to=to, from_=via)
    return str(document)
