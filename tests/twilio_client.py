"""Post what Twilio posts, signed the way Twilio signs, and read the TwiML back."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator

from helpline.identity import channel
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
    """What Twilio posts for a message from ``number``: to the helpline's address on the
    sender's channel (``whatsapp:+31...`` from a WhatsApp sender), unless ``To`` is given."""
    prefix = f"{channel(number)}:" if channel(number) else ""
    params = {
        "MessageSid": f"SM{next(_sids):032d}",
        "SmsSid": "",
        "AccountSid": ACCOUNT,
        "From": number,
        "To": prefix + HELPLINE_NUMBER,
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
    sends: tuple[tuple[str, str], ...] = ()  # (to, text): messages to others (a hand-off)
    sent_from: tuple[str, ...] = ()  # each send's ``from``: the helpline address it goes from

    @property
    def measure(self) -> Measure:
        assert self.text is not None
        return measure(self.text)


def parse_sms_twiml(xml: str) -> str | None:
    """Return the text of the reply to the sender (None: nothing is sent to them)."""
    return parse_sms_sends(xml)[0]


def parse_sms_sends(xml: str) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """Return the reply to the sender, and the (to, text) messages to others."""
    root = ET.fromstring(xml)
    assert root.tag == "Response"
    assert all(child.tag == "Message" and child.text for child in root), xml
    replies = [m.text for m in root if m.get("to") is None]
    assert len(replies) <= 1, xml
    sends = tuple((m.get("to", ""), m.text or "") for m in root if m.get("to") is not None)
    return (replies[0] if replies else None), sends


class Texter:
    """Someone texting the helpline from one number."""

    def __init__(self, client: FlaskClient, number: str) -> None:
        self.client, self.number = client, number

    def send(self, body: str, **extra: str) -> Reply:
        response = post_signed(self.client, "/sms", sms_params(self.number, body, **extra))
        xml = response.get_data(as_text=True)
        assert response.status_code == 200, xml
        assert response.mimetype == "text/xml"
        text, sends = parse_sms_sends(xml)
        return Reply(response.status_code, xml, text, sends, sent_from(xml))


def sent_from(xml: str) -> tuple[str, ...]:
    """Return the ``from`` of each ``<Message to=...>``, checking what Twilio requires of it:
    an address on the channel of ``to`` (else it refuses the message, error 30016)."""
    found = []
    for message in ET.fromstring(xml).iter("Message"):
        to = message.get("to")
        if to is None:
            continue  # a reply: from the address the message came to, on the sender's channel
        via = message.get("from")
        assert via, f"<Message to> without from (Twilio would use the incoming To): {xml}"
        assert channel(via) == channel(to), f"{to} from {via}: Twilio refuses (30016): {xml}"
        found.append(via)
    return tuple(found)


# Voice: what Twilio posts during a call, and a caller that follows the TwiML like Twilio.

CALLER_NUMBER = "+31612345678"


def voice_params(caller: str, dialled: str, call_sid: str, **extra: str) -> dict[str, str]:
    """Return the fields Twilio posts to a voice webhook (plus ``extra``: Digits, ...)."""
    params = {
        "CallSid": call_sid,
        "AccountSid": ACCOUNT,
        "From": caller,
        "To": dialled,
        "Caller": caller,
        "Called": dialled,
        "CallStatus": "in-progress",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
        "FromCountry": "NL",
        "ToCountry": "NL",
    }
    params.update(extra)
    return params


@dataclass(frozen=True)
class Heard:
    """One thing the caller heard: a ``Say`` (text, language, slow or not) or a ``Play`` (URL)."""

    verb: str
    text: str
    language: str | None = None
    slow: bool = False

    def __str__(self) -> str:
        if self.verb == "Play":
            return f"< play {self.text}"
        return f"< {self.language}{' slowly' if self.slow else ''}: {self.text}"


def heard_in(element: ET.Element) -> list[Heard]:
    """Return every Say and Play in ``element`` (nested ones too), in document order."""
    found = []
    for node in element.iter():
        if node.tag == "Play":
            found.append(Heard("Play", (node.text or "").strip()))
        elif node.tag == "Say":
            slow = any(p.get("rate") in ("slow", "x-slow") for p in node.iter("prosody"))
            text = "".join(node.itertext()).strip()
            found.append(Heard("Say", text, node.get("language"), slow))
    return found


@dataclass(frozen=True)
class VoiceReply:
    """One TwiML document Twilio received, and the URL it came from."""

    path: str
    status: int
    mimetype: str
    xml: str

    @property
    def root(self) -> ET.Element:
        return ET.fromstring(self.xml)

    @property
    def verbs(self) -> list[ET.Element]:
        return list(self.root)

    @property
    def heard(self) -> list[Heard]:
        return heard_in(self.root)

    @property
    def said(self) -> list[str]:
        return [h.text for h in self.heard]

    def first(self, tag: str) -> ET.Element | None:
        return next((verb for verb in self.verbs if verb.tag == tag), None)

    def after(self, tag: str) -> ET.Element | None:
        """Return the verb right after the first ``tag`` (what a silence falls through to)."""
        verbs = self.verbs
        for index, verb in enumerate(verbs[:-1]):
            if verb.tag == tag:
                return verbs[index + 1]
        return None


def twilio_path(current: str, target: str) -> str:
    """Resolve ``target`` against the document URL the way Twilio does; return its path."""
    absolute = urljoin(PUBLIC_URL + current, target)
    assert absolute.startswith(PUBLIC_URL + "/"), f"{target!r} leaves {PUBLIC_URL}"
    return absolute[len(PUBLIC_URL):]


def post_voice(client: FlaskClient, path: str, params: dict[str, str]) -> VoiceReply:
    response = post_signed(client, path, params)
    return VoiceReply(path, response.status_code, response.mimetype,
                      response.get_data(as_text=True))


class Caller:
    """Someone calling the helpline: Twilio's side of the call, one step at a time.

    Each step posts what Twilio would post where the current document sends it: the
    Gather action with ``Digits``, the Redirect that follows a Gather nobody answered,
    the Dial action with ``DialCallStatus``. ``transcript`` is the call as heard.
    """

    def __init__(self, client: FlaskClient, number: str = CALLER_NUMBER,
                 dialled: str = HELPLINE_NUMBER) -> None:
        self.client, self.number, self.dialled = client, number, dialled
        self.call_sid = f"CA{next(_sids):032d}"
        self.reply: VoiceReply | None = None
        self.transcript: list[str] = []

    def _post(self, path: str, **extra: str) -> VoiceReply:
        reply = post_voice(self.client, path, voice_params(self.number, self.dialled,
                                                           self.call_sid, **extra))
        assert reply.status == 200, f"{path}: {reply.status} {reply.xml}"
        assert reply.mimetype == "text/xml", path
        self.reply = reply
        self.transcript += [str(h) for h in reply.heard]
        return reply

    def _current(self) -> VoiceReply:
        assert self.reply is not None, "call() first"
        return self.reply

    def call(self) -> VoiceReply:
        """Ring the helpline: Twilio posts the incoming call to /voice."""
        return self._post("/voice", CallStatus="ringing")

    def press(self, key: str) -> VoiceReply:
        """Press ``key`` while the current Gather waits (Twilio posts its action)."""
        reply = self._current()
        gather = reply.first("Gather")
        assert gather is not None, f"nothing waits for a key here:\n{reply.xml}"
        self.transcript.append(f"> {key}")
        return self._post(twilio_path(reply.path, gather.get("action", reply.path)), Digits=key)

    def speak(self, words: str) -> VoiceReply:
        """Say ``words`` while the current Gather listens for speech."""
        reply = self._current()
        gather = reply.first("Gather")
        assert gather is not None and "speech" in gather.get("input", ""), reply.xml
        self.transcript.append(f"> (says) {words}")
        return self._post(twilio_path(reply.path, gather.get("action", reply.path)),
                          SpeechResult=words, Confidence="0.9")

    def silence(self) -> VoiceReply:
        """Press nothing: Twilio falls through the Gather to the Redirect after it."""
        reply = self._current()
        redirect = reply.after("Gather")
        assert redirect is not None and redirect.tag == "Redirect", reply.xml
        self.transcript.append("> (silence)")
        return self._post(twilio_path(reply.path, (redirect.text or "").strip()))

    def dial_ends(self, status: str, bridged: bool | None = None) -> VoiceReply:
        """Let the Dial in the current document end with ``status`` (completed, no-answer ...).

        ``bridged`` is Twilio's ``DialBridged``: whether the caller was put through (by default,
        only when the call was ``completed``).
        """
        reply = self._current()
        dial = reply.first("Dial")
        assert dial is not None and dial.get("action"), reply.xml
        numbers = [n.text for n in dial.iter("Number")]
        self.transcript.append(f"> (rings {', '.join(map(str, numbers))}: {status})")
        bridged = status == "completed" if bridged is None else bridged
        return self._post(twilio_path(reply.path, dial.get("action", "")), DialCallStatus=status,
                          DialCallSid=f"CA{next(_sids):032d}", DialCallDuration="0",
                          DialBridged="true" if bridged else "false")

    def answered_by(self, number: int = 0) -> StaffPhone:
        """Let the ``number``-th phone the current Dial rings answer (a person or a voicemail)."""
        return StaffPhone(self, number)


class StaffPhone:
    """A staff (or coordinator) phone that answered the caller's Dial.

    Twilio runs the ``<Number url>`` document (the whisper) on this phone's own leg of the
    call, posting as that leg: from the helpline number it shows, to the staff number. What
    the phone hears goes into the caller's ``transcript``, marked ``staff``.
    """

    def __init__(self, caller: Caller, index: int = 0) -> None:
        dial_doc = caller._current()
        dial = dial_doc.first("Dial")
        assert dial is not None, dial_doc.xml
        number = list(dial.iter("Number"))[index]
        url = number.get("url")
        assert url, f"{number.text} would be put through unscreened"
        self.caller, self.number = caller, number.text or ""
        self.shown = dial.get("callerId", "")  # what the staff phone shows as the caller
        self.call_sid = f"CA{next(_sids):032d}"
        self.reply = self._post(twilio_path(dial_doc.path, url))

    def _post(self, path: str, **extra: str) -> VoiceReply:
        params = voice_params(self.shown, self.number, self.call_sid, Direction="outbound-dial",
                              ParentCallSid=self.caller.call_sid, **extra)
        reply = post_voice(self.caller.client, path, params)
        assert (reply.status, reply.mimetype) == (200, "text/xml"), f"{path}: {reply.xml}"
        self.reply = reply
        self.caller.transcript += [f"staff {h}" for h in reply.heard]
        return reply

    def press(self, key: str) -> VoiceReply:
        """Press ``key`` while the whisper waits (Twilio posts its Gather's action)."""
        gather = self.reply.first("Gather")
        assert gather is not None, f"nothing waits for a key here:\n{self.reply.xml}"
        self.caller.transcript.append(f"staff > {key}")
        return self._post(twilio_path(self.reply.path, gather.get("action", self.reply.path)),
                          Digits=key)

    def silence(self) -> str:
        """Press nothing, as a voicemail does: return the verb Twilio falls through to."""
        after = self.reply.after("Gather")
        assert after is not None, self.reply.xml
        self.caller.transcript.append("staff > (silence)")
        return after.tag
