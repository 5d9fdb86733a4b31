"""Compare what people type with keywords: case, accents, spaces and punctuation ignored."""

from __future__ import annotations

from anyascii import anyascii

# Twilio handles these itself on long codes (whole-body match, any case); they must never
# be our commands. The first group opts the number out: we forget it and stay silent.
TWILIO_OPT_OUT = frozenset(
    {"stop", "stopall", "unsubscribe", "end", "quit", "cancel", "revoke", "optout"}
)
TWILIO_OPT_IN = frozenset({"start", "yes", "unstop"})
TWILIO_HELP = frozenset({"help", "info"})
TWILIO_RESERVED = TWILIO_OPT_OUT | TWILIO_OPT_IN | TWILIO_HELP


def fold(text: str) -> str:
    """Fold ``text`` for matching: " Hulp! " -> "hulp", "Giúp đỡ" -> "giupdo".

    Every script is folded to ASCII first, so a keyword matches whether it is typed with
    accents or without, on any phone keyboard.
    """
    return "".join(c for c in anyascii(text) if c.isalnum()).casefold()
