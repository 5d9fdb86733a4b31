"""The request class of the app: Twilio's posted forms, read the short way.

Every webhook request is a small url-encoded form (Twilio's fields, a ``Body`` of at most
1,600 characters) that is read once, then signed over (:mod:`helpline.signature`). Two things
make that cheaper than werkzeug's general path, with the same result:

- The form is parsed straight from the body with the same call werkzeug makes
  (``parse_qsl``, same error handling), skipping its parser object built per request; every
  other kind of body (multipart, JSON, the staff page's forms) goes werkzeug's way.
- Forms and query strings are :class:`TwilioForm`, a multi-dict with the ``getall`` that
  Twilio's ``RequestValidator`` looks for first: otherwise it finds its way to ``getlist``
  through two raised ``AttributeError`` per field.
"""

from __future__ import annotations

from typing import IO
from urllib.parse import parse_qsl

import werkzeug.urls  # noqa: F401  (registers the "werkzeug.url_quote" error handler used below)
from flask import Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest, HTTPException

URLENCODED = "application/x-www-form-urlencoded"

# The longest body a request may have (Flask's MAX_CONTENT_LENGTH; longer: 413, unread).
# Twilio's longest fits several times: a WhatsApp message of 4,096 characters, each up to 12
# bytes percent-encoded, and its other fields. Without a limit a forged request of any size
# would be read into memory before its signature could be checked.
MAX_BODY_BYTES = 256 * 1024


class TwilioForm(ImmutableMultiDict[str, str]):
    """A form or query string, readable by Twilio's ``RequestValidator`` as it expects."""

    def getall(self, key: str) -> list[str]:
        """Every value of ``key`` (the name Twilio's validator looks for)."""
        return self.getlist(key)


class WebhookRequest(Request):
    """Flask's request, reading url-encoded forms (all of Twilio's) the short way."""

    parameter_storage_class = TwilioForm

    def _load_form_data(self) -> None:
        if "form" in self.__dict__ or self.mimetype != URLENCODED:
            super()._load_form_data()
            return
        # As werkzeug's FormDataParser does for this type: the stream is the request's own,
        # limited to MAX_CONTENT_LENGTH (too long: 413); a body that is not UTF-8 makes an
        # empty form, as its parser (silent) does.
        stream = self._get_stream_for_parsing()
        body = _read_whole(stream, self.content_length, self.max_content_length)
        try:
            items = parse_qsl(body.decode(), keep_blank_values=True, errors="werkzeug.url_quote")
        except ValueError:
            items = []
        fields = self.__dict__
        fields["stream"], fields["form"], fields["files"] = (
            stream, self.parameter_storage_class(items), self.parameter_storage_class())


def _read_whole(stream: IO[bytes], length: int | None, limit: int | None) -> bytes:
    """Read the whole body, or refuse it: never a part of it taken for the whole.

    A body that says its length longer than ``limit`` was refused (413) before it was read; one
    that ends before the length it said (the client gave up) is a bad request (400): under
    gunicorn werkzeug reads up to the limit, not the length, and would take the part for the
    whole. One sent without a length (chunked) is read up to ``limit``: if it goes on, it is
    refused too (413; werkzeug's stream would stop at the limit and return a body cut short).
    A body the server cannot take apart (a garbled chunk: gunicorn raises an error of its own)
    is a bad request (400), not a failure of the helpline (500).
    """
    try:
        body = stream.read()
        if length is None and limit is not None and len(body) >= limit:
            stream.read(1)  # at the limit: one byte more is one too many (413)
    except HTTPException:
        raise
    except Exception as error:  # whatever the server raises for a body it cannot read
        raise BadRequest("the request's body could not be read") from error
    if length is not None and len(body) < length:
        raise BadRequest("the request's body ended before its Content-Length")
    return body
