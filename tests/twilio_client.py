"""Post what Twilio posts, signed the way Twilio signs, and read the TwiML back."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator

from helpline.segments import Measure, measure

TOKEN = "12345678901234567890123456789012"
PUBLIC_URL = "https://helpline.example.org"
ACCOUNT = "AC" + "0" * 32
HELPLINE_NUMBER = "+3197010000000"

_sids = itertools.count(1)


def sign(path: str, params: dict[str, str]) -> str:
    signature: str = RequestValidator(TOKEN).compute_signature(PUBLIC_URL + path, params)
    return signature


def post_signed(client: FlaskClient, path: str, params: dict[str, str]) -> Any:
    return client.post(path, data=params, headers={"X-Twilio-Signature": sign(path, params)})


def sms_params(number: str, body: str, **extra: str) -> dict[str, str]:
    params = {
        "MessageSid": f"SM{next(_sids):032d}",
        "SmsSid": "",
        "AccountSid": ACCOUNT,
        "From": number,
        "To": HELPLINE_NUMBER,
        "Body": body,
        "NumSegments": "1",
        "NumMedia": "0",
        "FromCountry": "NL",
        "ApiVersion": "2010-04-01",
    }
    params["SmsSid"] = params["MessageSid"]
    params.update(extra)
    return params


@dataclass(frozen=True)
class Reply:
    """What the texter's phone receives: the message text (None: nothing) and its cost."""

    status: int
    xml: str
    text: str | None

    @property
    def measure(self) -> Measure:
        assert self.text is not None
        return measure(self.text)


def parse_sms_twiml(xml: str) -> str | None:
    root = ET.fromstring(xml)
    assert root.tag == "Response"
    messages = root.findall("Message")
    assert len(messages) <= 1, xml
    assert all(child.tag == "Message" for child in root), xml
    return messages[0].text if messages else None


class Texter:
    """Someone texting the helpline from one number."""

    def __init__(self, client: FlaskClient, number: str) -> None:
        self.client, self.number = client, number

    def send(self, body: str, **extra: str) -> Reply:
        response = post_signed(self.client, "/sms", sms_params(self.number, body, **extra))
        xml = response.get_data(as_text=True)
        assert response.status_code == 200, xml
        assert response.mimetype == "text/xml"
        return Reply(response.status_code, xml, parse_sms_twiml(xml))
