"""Read TwiML back (for the simulators): what a phone would show, or a caller would hear."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urljoin, urlsplit


def sms_text(xml: str) -> str | None:
    """Return the text of the reply's ``<Message>``, or None for an empty ``<Response/>``.

    Messages to others (``<Message to=...>``, an SMS hand-off) are not the sender's reply.
    """
    message = next((m for m in ET.fromstring(xml).iter("Message") if m.get("to") is None), None)
    return None if message is None else (message.text or "")


@dataclass(frozen=True)
class Heard:
    """One thing a caller hears: text said in a language, a file played, or a pause."""

    verb: Literal["say", "play", "pause"]
    text: str  # what is said; the URL played; the seconds of a pause
    language: str | None = None
    slow: bool = False

    def __str__(self) -> str:
        if self.verb == "play":
            return f"[play] {self.text}"
        if self.verb == "pause":
            return f"(pause, {self.text} s)"
        return f"[{self.language or 'default voice'}{', slowly' if self.slow else ''}] {self.text}"


Next = Literal["key", "redirect", "dial", "end"]


@dataclass(frozen=True)
class CallStep:
    """What one TwiML document does, up to where the call waits, moves on or ends.

    ``next`` is what Twilio does then: ``key`` (a Gather waits: a key goes to ``url``),
    ``redirect`` (it requests ``url``), ``dial`` (it rings ``phones`` phones; when that call
    ends it requests ``url``) or ``end`` (it hangs up). ``otherwise`` is the rest of the
    document, which Twilio goes on with when nothing is pressed (or a Dial has no action).

    A Gather takes up to ``digits`` keys (0: no limit), ends early at a key in ``finish``, and
    with nothing entered posts an empty entry when ``empty`` (else it goes on ``otherwise``).
    """

    heard: tuple[Heard, ...]
    next: Next
    url: str | None = None
    otherwise: CallStep | None = None
    phones: int = 0
    digits: int = 0
    finish: str = ""
    empty: bool = False

    def entry(self, keys: str) -> tuple[str, int]:
        """Return what a Gather posts as ``Digits`` when ``keys`` are pressed, and how many it took.

        An entry ends at ``digits`` keys or at a ``finish`` key (which is not posted); keys that
        run out first end it as the wait does. A finish key right after a full entry ("four
        digits, then hash") is taken with it: Twilio drops it.
        """
        entered = ""
        for used, key in enumerate(keys, 1):
            if key in self.finish:
                return entered, used
            entered += key
            if self.digits and len(entered) >= self.digits:
                finished = used < len(keys) and keys[used] in self.finish
                return entered, used + finished
        return entered, len(keys)


def _heard(element: ET.Element) -> list[Heard]:
    """Return what ``element`` (a Say, Play or Pause, or a Gather holding them) makes heard."""
    found: list[Heard] = []
    for node in element.iter():
        if node.tag == "Say":
            slow = any(p.get("rate") in ("slow", "x-slow") for p in node.iter("prosody"))
            found.append(Heard("say", " ".join("".join(node.itertext()).split()),
                               node.get("language"), slow))
        elif node.tag == "Play":
            found.append(Heard("play", (node.text or "").strip()))
        elif node.tag == "Pause":
            found.append(Heard("pause", node.get("length", "1")))
    return found


def resolve(current: str, target: str | None) -> str:
    """Resolve ``target`` against the document's path as Twilio does; return path and query."""
    parts = urlsplit(urljoin("https://helpline.invalid" + current, target or current))
    return parts.path + (f"?{parts.query}" if parts.query else "")


def read_call(xml: str, current: str) -> CallStep:
    """Read the document that ``current`` (a path) answered with."""
    return _run(list(ET.fromstring(xml)), current)


def _run(verbs: list[ET.Element], current: str) -> CallStep:
    heard: list[Heard] = []
    for index, verb in enumerate(verbs):
        rest = verbs[index + 1:]
        if verb.tag in ("Say", "Play", "Pause"):
            heard += _heard(verb)
        elif verb.tag == "Gather":
            heard += _heard(verb)
            digits = verb.get("numDigits", "")
            return CallStep(tuple(heard), "key", resolve(current, verb.get("action")),
                            _run(rest, current), digits=int(digits) if digits.isdigit() else 0,
                            finish=verb.get("finishOnKey", "#"),  # Twilio's default
                            empty=verb.get("actionOnEmptyResult", "false") == "true")
        elif verb.tag == "Redirect":
            return CallStep(tuple(heard), "redirect", resolve(current, (verb.text or "").strip()))
        elif verb.tag == "Dial":
            phones = len(list(verb)) or 1  # <Number> children, or one number as text
            action = verb.get("action")
            url = resolve(current, action) if action else None
            return CallStep(tuple(heard), "dial", url, None if url else _run(rest, current), phones)
        elif verb.tag in ("Hangup", "Reject"):
            break
    return CallStep(tuple(heard), "end")
