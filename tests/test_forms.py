"""Twilio's posted forms are read the short way (helpline.forms), with werkzeug's result."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask, Request
from hypothesis import example, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator
from werkzeug.test import EnvironBuilder, run_wsgi_app

from helpline.forms import MAX_BODY_BYTES, TwilioForm, WebhookRequest

from .conftest import make_app
from .twilio_client import sign, sms_params


def _both(body: bytes, content_type: str = "application/x-www-form-urlencoded",
          **environ: object) -> tuple[Request, Request]:
    """The same posted body read by werkzeug's request and by ours."""
    def build(cls: type[Request]) -> Request:
        builder = EnvironBuilder(method="POST", data=body, content_type=content_type,
                                 environ_overrides=environ)
        return cls(builder.get_environ())
    return build(Request), build(WebhookRequest)


fields = st.lists(st.tuples(st.text(max_size=12), st.text(max_size=40)), max_size=12)


@given(fields)
@settings(max_examples=300)
def test_any_urlencoded_form_reads_as_werkzeug_reads_it(items: list[tuple[str, str]]) -> None:
    """Names and values of any characters, repeated names, empty values: the same form."""
    theirs, ours = _both(urlencode(items).encode())
    assert list(theirs.form.items(multi=True)) == list(ours.form.items(multi=True))
    assert isinstance(ours.form, TwilioForm)
    assert not ours.files


@given(st.binary(max_size=200))
@example(b"Body=caf%E9&From=%2B31612345678")  # a percent-escape that is not UTF-8
@example(b"Body=caf\xe9")  # a raw byte that is not UTF-8
@example(b"Body=%zz&=&&x")
@settings(max_examples=300)
def test_any_body_at_all_reads_as_werkzeug_reads_it(body: bytes) -> None:
    """Broken percent-escapes, bytes that are not UTF-8, stray '&' and '=': no exception,
    the same form (empty where werkzeug's is)."""
    theirs, ours = _both(body)
    assert list(theirs.form.items(multi=True)) == list(ours.form.items(multi=True))


def test_a_body_read_before_the_form_is_still_parsed() -> None:
    """``get_data()`` first (the staff page's logs do not, but any code may): the form is intact."""
    _, ours = _both(b"Body=hallo&From=%2B31612345678")
    assert b"Body=hallo&From=%2B31612345678" == ours.get_data()
    assert {"Body": "hallo", "From": "+31612345678"} == ours.form.to_dict()


def test_other_bodies_are_left_to_werkzeug() -> None:
    """A multipart form (a browser's upload) and JSON are not Twilio's: werkzeug's path."""
    _, ours = _both(b"", content_type="multipart/form-data; boundary=x")
    assert {} == ours.form.to_dict()
    multipart = EnvironBuilder(method="POST", data={"name": "value"}).get_environ()
    assert {"name": "value"} == WebhookRequest(multipart).form.to_dict()
    _, json = _both(b'{"Body": "x"}', content_type="application/json")
    assert {} == json.form.to_dict()
    assert {"Body": "x"} == json.get_json()


def test_twilios_validator_signs_over_every_repeated_value() -> None:
    """A field sent twice is signed over both values (Twilio's documented scheme: the URL,
    then each name and value, sorted); the validator reads both from our form."""
    url = "https://helpline.example.org/sms"
    items = [("From", "+31612345678"), ("MediaUrl", "b"), ("MediaUrl", "a")]
    _, ours = _both(urlencode(items).encode())
    signed = (url + "From+31612345678" + "MediaUrla" + "MediaUrlb").encode()
    by_hand = base64.b64encode(hmac.new(b"token", signed, hashlib.sha1).digest()).decode()
    assert by_hand == RequestValidator("token").compute_signature(url, ours.form)


@pytest.mark.parametrize("env", ["production", "development"])
def test_a_huge_body_is_refused_unread_and_changes_nothing(env: str) -> None:
    """A request of a megabyte gets 413 before its body is read into memory, with or without a
    Twilio token (in development nothing else reads the form before the view)."""
    overrides = {"HELPLINE_ENV": env} if env == "production" else {
        "HELPLINE_ENV": env, "TWILIO_AUTH_TOKEN": None}
    app = make_app(**overrides)
    params = sms_params("+31612345678", "x" * 1024 * 1024)
    for path in ("/sms", "/voice"):
        response = app.test_client().post(path, data=params,
                                          headers={"X-Twilio-Signature": sign(path, params)})
        assert 413 == response.status_code
    assert MAX_BODY_BYTES == app.config["MAX_CONTENT_LENGTH"]
    assert [] == app.extensions["helpline.store"].client.keys("*")


class _Chunked(io.BytesIO):
    """A body sent without a length (chunked): the server says it ends (``input_terminated``)."""


def _post_chunked(app: Flask, body: io.BytesIO) -> tuple[int, bytes]:
    environ = EnvironBuilder(path="/sms", method="POST", input_stream=body,
                             content_type="application/x-www-form-urlencoded").get_environ()
    environ.pop("CONTENT_LENGTH", None)
    environ["wsgi.input_terminated"] = True
    # Straight to the app: the test client would work out a Content-Length again.
    body, status, _ = run_wsgi_app(app, environ)
    return int(status.split()[0]), b"".join(body)


def test_a_chunked_body_over_the_limit_is_refused_not_cut() -> None:
    """A body without a length (chunked) that runs past the limit gets 413, like one that says
    its length: never read cut short at the limit and answered as if it were whole."""
    app = make_app(HELPLINE_ENV="development", TWILIO_AUTH_TOKEN=None)
    small = urlencode(sms_params("+31612345678", "HULP")).encode()
    status, data = _post_chunked(app, _Chunked(small))
    assert 200 == status and b"<Message>" in data
    store = app.extensions["helpline.store"].client
    store.flushall()
    huge = small + b"&x=" + b"a" * MAX_BODY_BYTES
    assert 413 == _post_chunked(app, _Chunked(huge))[0]
    assert [] == store.keys("*")  # not answered: nothing kept


def test_a_body_shorter_than_its_length_is_a_bad_request() -> None:
    """A body that ends before the length it announced (the client gave up half-way) is refused
    (400), never answered as if it were whole: under gunicorn werkzeug reads up to the limit,
    not the length, and would take the part for the whole."""
    app = make_app(HELPLINE_ENV="development", TWILIO_AUTH_TOKEN=None)
    body = urlencode(sms_params("+31612345678", "HULP")).encode()
    environ = EnvironBuilder(path="/sms", method="POST", input_stream=io.BytesIO(body),
                             content_type="application/x-www-form-urlencoded").get_environ()
    environ["CONTENT_LENGTH"] = str(len(body) + 100)
    environ["wsgi.input_terminated"] = True  # as gunicorn says
    _, status, _ = run_wsgi_app(app, environ)
    assert "400 BAD REQUEST" == status
    assert [] == app.extensions["helpline.store"].client.keys("*")


class _Garbled(io.BytesIO):
    """A body the server cannot take apart (gunicorn raises its own error, such as a chunk
    size that is no number, from the read)."""

    def readinto(self, buffer: Any) -> int:
        raise _UnreadableChunk("invalid chunk size")


class _UnreadableChunk(Exception):
    pass


def test_a_body_the_server_cannot_read_is_a_bad_request_not_an_error() -> None:
    """A garbled chunked body (never from Twilio) is answered 400: not a 500 that the alerts
    on errors would count as the helpline failing."""
    app = make_app(HELPLINE_ENV="development", TWILIO_AUTH_TOKEN=None)
    assert 400 == _post_chunked(app, _Garbled(b"From=%2B31612345678&Body=HULP"))[0]


def test_the_longest_message_twilio_sends_is_read_and_answered(app: Flask) -> None:
    """A WhatsApp message of 4,096 characters, each the longest to percent-encode (an emoji:
    12 bytes): well under the limit, answered as any other."""
    params = sms_params("whatsapp:+31612345678", "\U0001F600" * 4096)
    assert 48 * 1024 < len(urlencode(params)) < MAX_BODY_BYTES / 5
    response = app.test_client().post("/sms", data=params,
                                      headers={"X-Twilio-Signature": sign("/sms", params)})
    assert 200 == response.status_code
    assert b"<Message>" in response.data


def test_the_app_reads_webhooks_with_it(app: Flask) -> None:
    """The helpline's request class is this one: a signed text is read and answered."""
    assert app.request_class is WebhookRequest
    params = sms_params("+31612345678", "HULP")
    response = app.test_client().post("/sms", data=params,
                                      headers={"X-Twilio-Signature": sign("/sms", params)})
    assert 200 == response.status_code
    assert b"Hulplijn mensenhandel" in response.data
