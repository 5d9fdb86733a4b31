"""Check voice TwiML against Twilio's documented verbs and attributes, and our own rules.

The allow-list holds what Twilio's TwiML reference documents for the verbs a helpline call
may use; anything else (a typo in an attribute, a verb Twilio does not know) fails.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping

_SSML = frozenset({"break", "emphasis", "lang", "p", "phoneme", "prosody", "s", "say-as", "sub",
                   "w"})

# element -> (allowed attributes, allowed children)
ALLOWED: Mapping[str, tuple[frozenset[str], frozenset[str]]] = {
    "Response": (frozenset(), frozenset({"Say", "Play", "Pause", "Gather", "Redirect", "Dial",
                                         "Hangup"})),
    "Say": (frozenset({"voice", "language", "loop"}), _SSML),
    "prosody": (frozenset({"rate", "pitch", "volume"}), _SSML),
    "break": (frozenset({"strength", "time"}), frozenset()),
    "Play": (frozenset({"loop", "digits"}), frozenset()),
    "Pause": (frozenset({"length"}), frozenset()),
    "Gather": (frozenset({"action", "method", "timeout", "speechTimeout", "maxSpeechTime",
                          "profanityFilter", "finishOnKey", "numDigits", "partialResultCallback",
                          "partialResultCallbackMethod", "language", "hints", "bargeIn", "debug",
                          "actionOnEmptyResult", "speechModel", "enhanced", "input"}),
               frozenset({"Say", "Play", "Pause"})),
    "Redirect": (frozenset({"method"}), frozenset()),
    "Dial": (frozenset({"action", "method", "timeout", "hangupOnStar", "timeLimit", "callerId",
                        "record", "trim", "answerOnBridge", "ringTone", "sequential"}),
             frozenset({"Number", "Client", "Sip", "Conference", "Queue"})),
    "Number": (frozenset({"sendDigits", "url", "method", "statusCallbackEvent", "statusCallback",
                          "statusCallbackMethod"}), frozenset()),
    "Hangup": (frozenset(), frozenset()),
}

# What Twilio allows in the document of <Number url> (the whisper), besides what Say nests.
SCREEN_TAGS = frozenset({"Response", "Gather", "Say", "Play", "Hangup"})
WHISPER_URL = re.compile(r"/voice/[a-z_]+/_whisper(-interpreter)?")
WHISPER_KEY_URL = re.compile(r"/voice/[a-z_]+/_whisper(-interpreter)?/key")

_VALUES: Mapping[str, Callable[[str], bool]] = {
    "method": lambda v: v in ("GET", "POST"),
    "input": lambda v: v in ("dtmf", "speech", "dtmf speech"),
    "finishOnKey": lambda v: all(c in "0123456789#*" for c in v),
    "numDigits": lambda v: v.isdecimal() and int(v) > 0,
    "callerId": lambda v: re.fullmatch(r"\+[1-9][0-9]{6,14}", v) is not None,
    "sequential": lambda v: v in ("true", "false"),
    "url": lambda v: v.startswith("/voice/"),
    "timeout": lambda v: v.isdecimal() and int(v) > 0,
    "actionOnEmptyResult": lambda v: v in ("true", "false"),
    "language": lambda v: re.fullmatch(r"[a-z]{2,3}-[A-Z]{2}", v) is not None,
    "rate": lambda v: v in ("x-slow", "slow", "medium", "fast", "x-fast")
    or re.fullmatch(r"\d+%", v) is not None,
    "length": lambda v: v.isdecimal(),
}


def check_twiml(xml: str) -> ET.Element:
    """Parse ``xml`` and fail unless it is well-formed TwiML of allowed verbs and attributes."""
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>'), xml[:80]
    root = ET.fromstring(xml)
    assert root.tag == "Response", root.tag

    def visit(element: ET.Element) -> None:
        assert element.tag in ALLOWED, f"<{element.tag}> is not a TwiML verb we allow"
        attributes, children = ALLOWED[element.tag]
        for name, value in element.attrib.items():
            assert name in attributes, f"<{element.tag} {name}=...> is not a Twilio attribute"
            check = _VALUES.get(name)
            assert check is None or check(value), f"<{element.tag} {name}={value!r}>"
        for child in element:
            assert child.tag in children, f"<{child.tag}> cannot be inside <{element.tag}>"
            visit(child)
        if element.tag in ("Say", "Play", "Redirect", "Number"):
            assert "".join(element.itertext()).strip(), f"<{element.tag}> is empty"

    visit(root)
    return root


def check_call_flow(root: ET.Element, goodbyes: frozenset[str]) -> None:
    """Fail unless the document never strands a caller.

    Every Gather waits for one key for 8 seconds with # usable as a key, and is followed by
    a Redirect (Twilio falls through on silence), or by the goodbye that ends the document;
    the document ends in that Redirect, or in a Dial with an action, or (only) after a
    goodbye, which is the one way a call may end.
    """
    verbs = list(root)
    assert verbs, "an empty document hangs up on the caller"
    for index, verb in enumerate(verbs):
        if verb.tag == "Gather" and verb.attrib.get("numDigits") == "4":
            # The postcode: four digits, # ends the entry (ISO/IEC 13714), # alone (or
            # silence) still reaches the action, which offers the region list.
            assert verb.attrib.get("timeout") == "5"
            assert verb.attrib.get("finishOnKey") == "#"
            assert verb.attrib.get("actionOnEmptyResult") == "true"
            assert verb.attrib.get("action", "").endswith("/_postcode/key")
        elif verb.tag == "Gather":
            assert verb.attrib.get("numDigits") == "1"
            assert verb.attrib.get("timeout") == "8"
            assert verb.attrib.get("finishOnKey") == ""
            assert verb.attrib.get("actionOnEmptyResult") == "false"
            assert verb.attrib.get("action"), "a Gather without action posts to itself"
            if "speech" in verb.attrib.get("input", "dtmf"):
                assert verb.attrib.get("language"), "speech needs the language's locale"
            following = verbs[index + 1] if index + 1 < len(verbs) else None
            # Silence falls through to what follows: the Redirect that counts it, or the
            # goodbye at the end of the document (checked below, as the last verb).
            assert following is not None and (following.tag == "Redirect" or (
                following is verbs[-1] and following.tag in ("Say", "Play"))), (
                "a Gather must be followed by a Redirect, or by the goodbye that ends the call")
        if verb.tag == "Dial":
            assert verb.attrib.get("action"), "a Dial without action ends the call after it"
            assert verb.attrib.get("timeout") == "20"
            # Staff phones show the helpline's number, never the caller's.
            assert verb.attrib.get("callerId"), "a Dial without callerId shows the caller's number"
            # Every staff phone screens the call, so that a voicemail never takes it.
            for number in verb.iter("Number"):
                whisper = number.attrib.get("url", "")
                assert WHISPER_URL.fullmatch(whisper), f"<Number url={whisper!r}>: no screen"
                assert number.attrib.get("method") == "POST"
        assert verb.tag != "Hangup", "never hang up on a caller"
    last = verbs[-1]
    if last.tag in ("Redirect", "Dial"):
        return
    said = "".join(last.itertext()).strip()
    assert last.tag in ("Say", "Play") and said in goodbyes, (
        f"the call ends after <{last.tag}>{said}</{last.tag}>, which is not a goodbye")


def check_hang_up(root: ET.Element) -> None:
    """Fail unless the document only ends the call: for a caller who already hung up."""
    assert ["Hangup"] == [verb.tag for verb in root], ET.tostring(root)


def check_whisper(root: ET.Element) -> None:
    """Fail unless the document is a whisper that screens the call on a staff phone.

    Twilio runs it on the staff member's leg before connecting, and allows only <Say>, <Play>,
    <Gather> and <Hangup> there. It must wait briefly for one key (1 takes the call, at the
    Gather's action) and hang up that leg when none comes, as from a voicemail: a whisper
    that simply ends would connect the caller to whatever answered.
    """
    verbs = list(root)
    assert [verb.tag for verb in verbs] == ["Gather", "Hangup"], [v.tag for v in verbs]
    assert {element.tag for element in root.iter()} <= SCREEN_TAGS, ET.tostring(root)
    gather = verbs[0]
    assert gather.attrib.get("input", "dtmf") == "dtmf", "staff answer with a key"
    assert gather.attrib.get("numDigits") == "1"
    assert 1 <= int(gather.attrib.get("timeout", "5")) <= 10, "a voicemail must not wait long"
    assert gather.attrib.get("finishOnKey") == "", "# is a key (no), not an empty entry"
    assert gather.attrib.get("actionOnEmptyResult", "false") == "false", "no key: hang up"
    assert WHISPER_KEY_URL.fullmatch(gather.attrib.get("action", "")), gather.attrib
    assert gather.attrib.get("method") == "POST"
    said = list(gather)
    assert said and all(s.tag in ("Say", "Play") for s in said), "staff hear what to press"


def check_whisper_answer(root: ET.Element) -> bool:
    """Return whether the answer to a key at the whisper takes the call; fail if it is neither.

    Taking it: the screen ends (an empty document), and Twilio connects the call. Refusing
    it: <Hangup/> ends the staff member's leg only; the caller's <Dial> goes on to its action.
    """
    verbs = [verb.tag for verb in root]
    assert verbs in ([], ["Hangup"]), verbs
    return not verbs
