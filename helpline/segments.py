"""Count SMS segments exactly as a phone network does, and fold text into GSM-7.

GSM 03.38 (basic table plus the extension table, whose characters take two septets)
comes from the maintained ``gsm0338`` codec. One character outside it turns the whole
message into UCS-2, counted in UTF-16 code units. A message that fits one segment
may use 160 septets (70 code units); a longer one is split into parts of 153 septets
(67 code units), and a part never ends halfway through an escape sequence or a
surrogate pair.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import Literal

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)
from anyascii import anyascii

GSM7: Literal["GSM-7"] = "GSM-7"
UCS2: Literal["UCS-2"] = "UCS-2"
Encoding = Literal["GSM-7", "UCS-2"]

_GSM_CODEC = "gsm03.38"
codecs.lookup(_GSM_CODEC)  # fail at import, not at the first message, if it is missing

_SINGLE = {GSM7: 160, UCS2: 70}
_PART = {GSM7: 153, UCS2: 67}


@dataclass(frozen=True)
class Measure:
    """What a message costs: its encoding, its length in units and its segment count."""

    encoding: Encoding
    units: int
    segments: int


def _gsm_units(char: str) -> int | None:
    """Return the septets ``char`` takes in GSM-7, or None if it has no GSM-7 form."""
    try:
        return len(char.encode(_GSM_CODEC))
    except UnicodeEncodeError:
        return None


def is_gsm7(text: str) -> bool:
    """Tell whether every character of ``text`` exists in GSM 03.38."""
    return all(_gsm_units(c) is not None for c in text)


def _unit_sizes(text: str) -> tuple[Encoding, list[int]]:
    sizes = [_gsm_units(c) for c in text]
    if all(s is not None for s in sizes):
        return GSM7, [s for s in sizes if s is not None]
    # UTF-16 code units: characters outside the Basic Multilingual Plane take two.
    return UCS2, [2 if ord(c) > 0xFFFF else 1 for c in text]


def _count_parts(sizes: list[int], capacity: int) -> int:
    parts, used = 1, 0
    for size in sizes:
        if used + size > capacity:
            parts, used = parts + 1, 0
        used += size
    return parts


def measure(text: str) -> Measure:
    """Measure ``text`` as one SMS: encoding, units and segments (an empty text is 1)."""
    encoding, sizes = _unit_sizes(text)
    units = sum(sizes)
    if units <= _SINGLE[encoding]:
        return Measure(encoding, units, 1)
    return Measure(encoding, units, _count_parts(sizes, _PART[encoding]))


def capacity(encoding: Encoding, segments: int) -> int:
    """Return how many units fit in ``segments`` segments (ignoring split rules)."""
    return _SINGLE[encoding] if segments == 1 else _PART[encoding] * segments


def to_gsm7(text: str) -> str:
    """Fold ``text`` into GSM-7: keep what GSM 03.38 has, transliterate the rest.

    "Română" becomes "Romana", "Tiếng Việt" becomes "Tieng Viet"; accented letters that
    GSM 03.38 does have (é, ö, ü, ñ ...) are kept.
    """
    out: list[str] = []
    for char in text:
        if _gsm_units(char) is not None:
            out.append(char)
            continue
        folded = anyascii(char)
        out.append("".join(c for c in folded if _gsm_units(c) is not None) or "?")
    return "".join(out)
