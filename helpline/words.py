"""Compare what people type with keywords: case, accents, spaces and punctuation ignored."""

from __future__ import annotations

import unicodedata

# Twilio handles these itself on long codes (whole-body match, any case); they must never
# be our commands. The first group opts the number out: we forget it and stay silent.
TWILIO_OPT_OUT = frozenset(
    {"stop", "stopall", "unsubscribe", "end", "quit", "cancel", "revoke", "optout"}
)
TWILIO_OPT_IN = frozenset({"start", "yes", "unstop"})
TWILIO_HELP = frozenset({"help", "info"})
TWILIO_RESERVED = TWILIO_OPT_OUT | TWILIO_OPT_IN | TWILIO_HELP


def fold(text: str) -> str:
    """Fold ``text`` for matching: " Hulp! " -> "hulp", "AJUTÓR" -> "ajutor", "ПОМОЩ" -> "помощ"."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = (c for c in decomposed if not unicodedata.combining(c) and c.isalnum())
    return "".join(kept).casefold()
