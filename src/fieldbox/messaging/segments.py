"""How long an SMS is for the network: its encoding (GSM 03.38 or UCS-2) and how many parts it costs.

A text made only of GSM 03.38 characters travels as 7-bit septets (160 in one SMS, 153 per part
of a longer one); the extension-table characters take two septets (escape + character). Any
other character sends the whole text as UCS-2: 70 UTF-16 code units in one SMS, 67 per part,
and a character outside the BMP (an emoji) takes two units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final, Literal

# GSM 03.38 default alphabet, in table order (0x1B, the escape to the extension table, left out).
GSM7_BASIC: Final = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# GSM 03.38 extension table: each character is sent as escape + character, two septets.
GSM7_EXTENSION: Final = frozenset("\f^{}\\[~]|€")

Encoding = Literal["GSM-7", "UCS-2"]

# (units in a single SMS, units per part of a concatenated one)
_LIMITS: Final[dict[Encoding, tuple[int, int]]] = {"GSM-7": (160, 153), "UCS-2": (70, 67)}


@dataclass(frozen=True)
class SmsParts:
    """The encoding of a text, its length in that encoding's units and the SMS parts it needs."""

    encoding: Encoding
    units: int
    segments: int
    per_segment: int


def is_gsm7(text: str) -> bool:
    """Whether every character of ``text`` is in the GSM 03.38 alphabet or its extension table."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _gsm7_units(text: str) -> int:
    return sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)


def _ucs2_units(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def sms_parts(text: str) -> SmsParts:
    """The encoding, length and number of SMS parts of ``text`` (0 parts for an empty text)."""
    encoding: Encoding
    if is_gsm7(text):
        encoding, units = "GSM-7", _gsm7_units(text)
    else:
        encoding, units = "UCS-2", _ucs2_units(text)
    single, multi = _LIMITS[encoding]
    if units == 0:
        return SmsParts(encoding, 0, 0, single)
    if units <= single:
        return SmsParts(encoding, units, 1, single)
    return SmsParts(encoding, units, math.ceil(units / multi), multi)
