"""Text the schema accepts: its string types allow only Basic Latin (``String20Type``: numbers, units …) or Basic
Latin and Latin-1 Supplement (``String60LatinType`` … ``String1000LatinType``: names, addresses, descriptions).
What a person types is turned into such text, never refused for its characters."""

from __future__ import annotations

import functools
import re
import unicodedata

# Typographic characters and their plain equivalents.
REPLACEMENTS = {
    "\u2018": "'",  # left single quotation mark
    "\u2019": "'",  # right single quotation mark
    "\u201a": "'",  # single low-9 quotation mark
    "\u201b": "'",  # single high-reversed-9 quotation mark
    "\u2032": "'",  # prime
    "\u02bc": "'",  # modifier letter apostrophe
    "\u201c": '"',  # left double quotation mark
    "\u201d": '"',  # right double quotation mark
    "\u201e": '"',  # double low-9 quotation mark
    "\u201f": '"',  # double high-reversed-9 quotation mark
    "\u2033": '"',  # double prime
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2012": "-",  # figure dash
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2015": "-",  # horizontal bar
    "\u2212": "-",  # minus sign
    "\u2022": "-",  # bullet
    "\u20ac": "EUR",  # euro sign
    "\u2026": "...",  # horizontal ellipsis
    "\u2122": "TM",  # trade mark sign
    "\u0152": "OE",  # latin capital ligature oe
    "\u0153": "oe",  # latin small ligature oe
    "\u00a0": " ",  # no-break space
    "\u00ad": "",  # soft hyphen
}


# Text made only of characters kept as they are (printable, not replaced): cleaned by spacing alone.
KEPT = {0x80: re.compile(r"[\x20-\x7e]*"), 0x100: re.compile(r"[\x20-\x7e\xa1-\xac\xae-\xff]*")}


def _plain(char: str, limit: int) -> str:
    """One character as text below code point ``limit`` (0x80 Basic Latin, 0x100 with Latin-1): replaced,
    decomposed (``ā`` → ``a``) or dropped."""
    if char in REPLACEMENTS:
        return "".join(c for c in REPLACEMENTS[char] if ord(c) < limit)
    if ord(char) < limit:
        return " " if unicodedata.category(char) == "Cc" else char
    if unicodedata.category(char) in ("Zs", "Zl", "Zp"):
        return " "
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed if ord(c) < limit and not unicodedata.combining(c) and c.isprintable())


@functools.lru_cache(maxsize=8192)  # a run writes the same descriptions, units and names thousands of times
def clean_text(value: str, max_len: int, *, basic_latin: bool = False) -> str:
    """``value`` as the schema accepts it: typographic quotes, dashes and ``€`` as plain ones (``'``, ``"``,
    ``-``, ``EUR``), accented letters outside the allowed range without their accent, control characters and
    runs of whitespace as one space, other characters removed; trimmed and cut to ``max_len`` characters.
    ``basic_latin`` for the fields that allow only ASCII (number, unit …): ``è`` becomes ``e``.
    May return "" (the caller decides whether an empty field is omitted or refused)."""
    limit = 0x80 if basic_latin else 0x100
    text = str(value or "")
    if not KEPT[limit].fullmatch(text):
        text = "".join(_plain(char, limit) for char in text)
    text = " ".join(text.split())
    return text[:max_len].rstrip()
