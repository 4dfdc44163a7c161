"""Document numbers (offers and orders, quotes, supplier orders, delivery notes, and the invoices of the next
issue): per organisation, kind of document, year and series, with no gap and no duplicate. The count is
``core.numbering``'s: a number is taken in the transaction that keeps the document, so a rolled-back document
gives its number back and two documents created at once never share one."""

from __future__ import annotations

from datetime import date

from fieldbox.commerce.choices import NUMBER_PREFIX, DocumentKind
from fieldbox.core import numbering


def series_key(organisation_id: int, kind: DocumentKind | str, year: int, series: str = "") -> str:
    return f"commerce.{kind}:{organisation_id}:{year}:{series}"


def shown(kind: DocumentKind | str, year: int, n: int, series: str = "") -> str:
    """How a number is written on the document: ``OF-2026/00012`` (``OF-A-2026/00012`` in series A)."""
    prefix = NUMBER_PREFIX[DocumentKind(kind)]
    mark = f"{prefix}-{series}" if series else prefix
    return f"{mark}-{year}/{n:05d}"


def take(organisation_id: int, kind: DocumentKind | str, on: date, series: str = "") -> str:
    """The next number of that kind for the organisation, in the year of ``on``: called inside the transaction
    that saves the document."""
    return shown(kind, on.year, take_many(organisation_id, kind, on, 1, series), series)


def take_many(organisation_id: int, kind: DocumentKind | str, on: date, count: int, series: str = "") -> int:
    """``count`` consecutive numbers of that kind (a run issuing many documents at once): the first; each is
    written with ``shown``."""
    return numbering.take(series_key(organisation_id, kind, on.year, series), count)
