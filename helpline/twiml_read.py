"""Read TwiML back (for the simulators): what a phone would show or play."""

from __future__ import annotations

import xml.etree.ElementTree as ET


def sms_text(xml: str) -> str | None:
    """Return the text of the reply's ``<Message>``, or None for an empty ``<Response/>``."""
    message = ET.fromstring(xml).find("Message")
    return None if message is None else (message.text or "")
