"""Removal requests from a spreadsheet (Traqueur "Créer une demande de dépose"): read, check in sets, save drafts.

The first sheet has exactly the columns of ``HEADER`` in that order. Every row is checked at once and each
problem names its row and column in the user's language. The checks run in sets: the identifiers of all rows go
into a temporary table (COPY on PostgreSQL, one multi-row insert elsewhere) and one query joined to the fleet
answers every row, so the number of queries does not grow with the rows. Valid rows are saved as draft lines
(``RemovalDraftLine``: no foreign keys, one index; COPY on PostgreSQL, ``bulk_create`` elsewhere), shown in the
summary as "New" until the requester confirms (they become removal lines) or discards the request.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldbox.accounts import selectors as accounts_selectors
from fieldbox.core import uploads
from fieldbox.core.tenancy import Scope
from fieldbox.core.uploads import Row, RowError
from fieldbox.fleet.choices import SubscriptionStatus
from fieldbox.fleet.validators import VIN_ALPHABET, normalise_vin, uses_check_digit, validate_vin, vin_check_digit
from fieldbox.removals.choices import OPEN_LINE
from fieldbox.removals.models import RemovalDraftLine, RemovalRequest

HEADER = ("Vin", "N° Abonnement", "Code Distributeur", "Lieu de dépose", "Date de dépose souhaitée", "Commentaires")
VIN, SUBSCRIPTION, CODE, PLACE, WISHED, COMMENT = HEADER
# The example rows of the Traqueur manual, in the template to fill in (their dates are long past: they never import).
EXAMPLE_ROWS = (
    ("0Z2345678901D7893", "121000BBD", "EK004", "Chambery", date(2014, 7, 30), "A faire ASAP"),
    ("ZZZ34567890134567", "140200E60", "JJ020", "Paris", date(2014, 7, 30), "pas de caractère d'urgence"),
)
PLACE_MAX, COMMENT_MAX = 200, 2000
ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
FRENCH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
TEMP_TABLE = "removal_import_rows"


class ImportRefused(Exception):
    """The file cannot become a request: each error names its row and column (row 0: the file itself)."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass
class Line:
    """A valid row, ready to become a draft line."""

    row: int
    vin: str
    vehicle_id: int
    make: str
    model: str
    subscription_id: int
    number: str
    company_id: int
    code: str
    company_name: str
    company_email: str
    place: str
    wished_on: date
    comment: str


@dataclass
class Checked:
    rows_total: int
    lines: list[Line] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def rows_in_error(self) -> int:
        return len({e.row for e in self.errors})


# ---- reading -------------------------------------------------------------------------------------------


def read_table(stream: IO[bytes], name: str, size: int | None) -> list[Row]:
    """The non-blank rows of the first sheet, header first, or ImportRefused saying what is wrong with the file."""
    limits = {"max_bytes": settings.REMOVAL_IMPORT_MAX_BYTES, "max_rows": settings.REMOVAL_IMPORT_MAX_ROWS}
    try:
        table = uploads.read_rows(stream, name=name, size=size, **limits)
    except ValidationError as exc:
        raise ImportRefused([RowError(0, "", message) for message in exc.messages]) from None
    check_header(table[0])
    if len(table) < 2:
        raise ImportRefused([RowError(0, "", _("The file has a header but no vehicle rows."))])
    return table


def _letter(index: int) -> str:
    return chr(65 + index) if index < 26 else "A" + chr(65 + index - 26)


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == b.casefold()


def check_header(header: Row) -> None:
    """The header has exactly the template's columns, in its order (case and extra spaces aside)."""
    errors: list[RowError] = []
    cells = [*header.cells, *[""] * (len(HEADER) - len(header.cells))]
    for i, expected in enumerate(HEADER):
        found = cells[i]
        if _same(found, expected):
            continue
        values = {"letter": _letter(i), "expected": expected, "found": found}
        if not found:
            message = _("Column %(letter)s should be “%(expected)s”: it is missing.") % values
        elif any(_same(found, other) for other in HEADER):
            message = (
                _(
                    "Column %(letter)s is “%(found)s” but should be “%(expected)s”: keep the columns in the "
                    "template's order."
                )
                % values
            )
        else:
            message = _("Column %(letter)s is “%(found)s” but should be “%(expected)s”.") % values
        errors.append(RowError(header.number, expected, message))
    for i, extra in enumerate(cells[len(HEADER) :], start=len(HEADER)):
        if extra:
            message = _("Column %(letter)s “%(found)s” is not a column of the template: remove it.")
            errors.append(RowError(header.number, extra, message % {"letter": _letter(i), "found": extra}))
    if errors:
        raise ImportRefused(errors)


# ---- checking ------------------------------------------------------------------------------------------


@dataclass
class _Parsed:
    row: int
    vin: str
    number: str
    code: str
    place: str
    wished_on: date | None
    comment: str
    vin_ok: bool


def parse_date(text: str) -> date | None:
    """A date cell (read as ISO text) or ``dd/mm/yyyy`` text; None when it is no real date."""
    if len(text) == 10 and text[4] == "-" and text[7] == "-" and text.isascii():
        try:  # a date cell, the common case: the C parser, no pattern
            return date.fromisoformat(text)
        except ValueError:
            pass
    iso, french = ISO_DATE.match(text), FRENCH_DATE.match(text)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if french:
            return date(int(french[3]), int(french[2]), int(french[1]))
    except ValueError:
        return None
    return None


def _parse(r: Row, today: date, errors: list[RowError]) -> _Parsed:
    """The checks one row answers alone: written values, VIN format, date, lengths."""
    cells = [*r.cells[: len(HEADER)], *[""] * (len(HEADER) - len(r.cells))]
    raw_vin, number, code, place, wished_text, comment = cells
    vin = normalise_vin(raw_vin)
    vin_ok = bool(VIN_ALPHABET.match(vin)) and not (uses_check_digit(vin) and vin[8] != vin_check_digit(vin))
    if not vin:
        errors.append(RowError(r.number, VIN, _("Write the VIN.")))
    elif not vin_ok:  # the validator's own message says what is wrong
        try:
            validate_vin(vin)
        except ValidationError as exc:
            errors.append(RowError(r.number, VIN, f"{vin}: {exc.messages[0]}"))
    if not number:
        errors.append(RowError(r.number, SUBSCRIPTION, _("Write the subscription number.")))
    if not code:
        errors.append(RowError(r.number, CODE, _("Write the installer code of the remover.")))
    wished = parse_date(wished_text)
    if not wished_text:
        errors.append(RowError(r.number, WISHED, _("Write the wished date (dd/mm/yyyy).")))
    elif wished is None:
        message = _("“%(value)s” is not a date: write it as dd/mm/yyyy or use a date cell.")
        errors.append(RowError(r.number, WISHED, message % {"value": wished_text}))
    elif wished < today:
        message = _("The date %(date)s is in the past.") % {"date": wished.strftime("%d/%m/%Y")}
        errors.append(RowError(r.number, WISHED, message))
        wished = None
    for column, value, limit in ((PLACE, place, PLACE_MAX), (COMMENT, comment, COMMENT_MAX)):
        if len(value) > limit:
            message = _("At most %(max)s characters (this one has %(n)s).") % {"max": limit, "n": len(value)}
            errors.append(RowError(r.number, column, message))
    return _Parsed(r.number, vin, number, code.upper(), place[:PLACE_MAX], wished, comment[:COMMENT_MAX], vin_ok)


def check(
    scope: Scope, table: list[Row], *, chunk: int | None = None, progress: Callable[[int], object] | None = None
) -> Checked:
    """Every row of the file checked; ``chunk`` rows at a time when given (``progress`` told after each)."""
    check_header(table[0])
    rows = table[1:]
    checked = Checked(rows_total=len(rows))
    provider = scope.organisation
    today = timezone.localtime(timezone.now(), ZoneInfo(provider.time_zone)).date()
    companies = _companies(scope, {(r.cells[2] if len(r.cells) > 2 else "").strip().upper() for r in rows})
    seen: dict[int, int] = {}
    size = chunk or len(rows) or 1
    for start in range(0, len(rows), size):
        part = [_parse(r, today, checked.errors) for r in rows[start : start + size]]
        found = _lookup(provider.pk, part)
        for p in part:
            line = _line(p, found.get(p.row), companies, seen, checked.errors)
            if line is not None:
                checked.lines.append(line)
        if progress is not None:
            progress(min(start + size, len(rows)))
    checked.errors.sort(key=lambda e: (e.row, HEADER.index(e.column) if e.column in HEADER else 0))
    return checked


def _companies(scope: Scope, codes: set[str]) -> dict[str, tuple[int, str, str]]:
    """The accepted partners named in the file, by installer code (one query; the codes are few)."""
    qs = accounts_selectors.accepted_installers_for(scope).filter(installer_code__in=codes - {""})
    return {
        code or "": (pk, name, email)
        for code, pk, name, email in qs.values_list("installer_code", "pk", "name", "email")
    }


LOOKUP_SQL = """
SELECT t.row_no, v.id, v.make, v.model, s.id, s.number, s.status, s.vehicle_id, o.request_id
FROM {temp} t
LEFT JOIN fleet_vehicle v ON v.provider_id = %s AND v.vin = t.vin AND v.vin <> ''
LEFT JOIN fleet_subscription s ON s.provider_id = %s AND s.number = t.number
LEFT JOIN removals_removalline o ON o.vehicle_id = v.id AND o.status IN (%s, %s)
"""
# PostgreSQL: the rows of the file, in the order of their VINs, each looked up through the unique indexes
# (vehicle_vin_once: (provider, vin) where vin <> '', subscription_number_once, removal_line_vehicle_open_once).
# LATERAL … LIMIT 1 keeps the plan a loop of index look-ups whatever the fleet's size and without statistics of
# the temporary table: a hash join reads the 1,000,000 vehicles and subscriptions whole (≈1 s) for 50,000 rows
# where the look-ups take half of it; in VIN order they visit neighbouring index pages one after the other.
LOOKUP_SQL_PG = """
SELECT t.row_no, v.id, v.make, v.model, s.id, s.number, s.status, s.vehicle_id, o.request_id
FROM {temp} t
LEFT JOIN LATERAL (
    SELECT id, make, model FROM fleet_vehicle WHERE provider_id = %s AND vin = t.vin AND vin <> '' LIMIT 1
) v ON true
LEFT JOIN LATERAL (
    SELECT id, number, status, vehicle_id FROM fleet_subscription WHERE provider_id = %s AND number = t.number LIMIT 1
) s ON true
LEFT JOIN LATERAL (
    SELECT request_id FROM removals_removalline WHERE vehicle_id = v.id AND status IN (%s, %s) LIMIT 1
) o ON true
"""


def _lookup(provider_id: int, part: list[_Parsed]) -> dict[int, tuple[Any, ...]]:
    """For each row: its vehicle, the subscription of that number, an open removal of the vehicle (one query)."""
    values = sorted((p.vin if p.vin_ok else "", p.number[:40], p.row) for p in part if p.vin_ok or p.number)
    postgres = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TEMP_TABLE}")
        cursor.execute(f"CREATE TEMPORARY TABLE {TEMP_TABLE} (vin varchar(17), number varchar(40), row_no integer)")
        if postgres:
            with cursor.cursor.copy(f"COPY {TEMP_TABLE} (vin, number, row_no) FROM STDIN") as copy:
                for value in values:
                    copy.write_row(value)
            cursor.execute("SET LOCAL jit = off")  # compiling this plan costs more than it saves
        elif values:
            insert = f"INSERT INTO {TEMP_TABLE} (vin, number, row_no) VALUES (%s, %s, %s)"  # noqa: S608 - a constant name
            cursor.executemany(insert, values)
        sql = (LOOKUP_SQL_PG if postgres else LOOKUP_SQL).format(temp=TEMP_TABLE)
        cursor.execute(sql, [provider_id, provider_id, *OPEN_LINE])
        found = {row[0]: row[1:] for row in cursor.fetchall()}
        cursor.execute(f"DROP TABLE {TEMP_TABLE}")
    return found


def _line(
    p: _Parsed,
    found: tuple[Any, ...] | None,
    companies: dict[str, tuple[int, str, str]],
    seen: dict[int, int],
    errors: list[RowError],
) -> Line | None:
    """The row's checks against the fleet, the partners and the rows before it."""
    before = len(errors)
    vehicle_id, make, model, sub_id, sub_number, sub_status, sub_vehicle, open_request = found or (None,) * 8
    if p.vin_ok and vehicle_id is None:
        errors.append(RowError(p.row, VIN, _("No vehicle of your fleet has the VIN %(vin)s.") % {"vin": p.vin}))
    if p.number and sub_id is None:
        message = _("No subscription of yours has the number %(number)s.") % {"number": p.number}
        errors.append(RowError(p.row, SUBSCRIPTION, message))
    elif p.number and vehicle_id is not None and sub_vehicle != vehicle_id:
        message = _("The subscription %(number)s is not the one of the vehicle %(vin)s.")
        errors.append(RowError(p.row, SUBSCRIPTION, message % {"number": p.number, "vin": p.vin}))
    elif p.number and sub_status != SubscriptionStatus.ACTIVE:
        message = _("The subscription %(number)s is no longer active.") % {"number": p.number}
        errors.append(RowError(p.row, SUBSCRIPTION, message))
    company = companies.get(p.code)
    if p.code and company is None:
        message = _("No installer company that accepted your partnership has the code %(code)s.")
        errors.append(RowError(p.row, CODE, message % {"code": p.code}))
    if vehicle_id is not None and open_request is not None:
        message = _("The vehicle %(vin)s is already in an open removal (request %(number)s).")
        errors.append(RowError(p.row, VIN, message % {"vin": p.vin, "number": f"#{open_request}"}))
    elif vehicle_id is not None and vehicle_id in seen:
        message = _("The vehicle %(vin)s is already on row %(row)s.") % {"vin": p.vin, "row": seen[vehicle_id]}
        errors.append(RowError(p.row, VIN, message))
    if vehicle_id is not None:
        seen.setdefault(vehicle_id, p.row)
    if len(errors) > before or vehicle_id is None or sub_id is None or company is None or p.wished_on is None:
        return None
    return Line(
        p.row,
        p.vin,
        vehicle_id,
        make,
        model,
        sub_id,
        sub_number,
        company[0],
        p.code,
        company[1],
        company[2],
        p.place,
        p.wished_on,
        p.comment,
    )


# ---- saving the draft ----------------------------------------------------------------------------------

DRAFT_COLUMNS = (
    "request_id",
    "row",
    "vehicle_id",
    "subscription_id",
    "company_id",
    "vin",
    "make",
    "model",
    "number",
    "code",
    "company_name",
    "company_email",
    "place",
    "wished_on",
    "comment",
)


def _draft_values(request: RemovalRequest, n: Line) -> tuple[object, ...]:
    return (
        request.pk,
        n.row,
        n.vehicle_id,
        n.subscription_id,
        n.company_id,
        n.vin,
        n.make or "",
        n.model or "",
        n.number,
        n.code,
        n.company_name,
        n.company_email or "",
        n.place,
        n.wished_on,
        n.comment,
    )


def save_lines(request: RemovalRequest, lines: Iterable[Line]) -> None:
    """The valid rows as draft lines: COPY on PostgreSQL (a plain table, one index), inserts elsewhere."""
    if connection.vendor == "postgresql":
        table = RemovalDraftLine._meta.db_table
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({', '.join(DRAFT_COLUMNS)}) FROM STDIN") as copy,
        ):
            for n in lines:
                copy.write_row(_draft_values(request, n))
        return
    RemovalDraftLine.objects.bulk_create(
        [RemovalDraftLine(**dict(zip(DRAFT_COLUMNS, _draft_values(request, n), strict=True))) for n in lines],
        batch_size=500,
    )


def template_rows() -> tuple[tuple[str, ...], tuple[tuple[object, ...], ...]]:
    """The header and the example rows of the file to fill in."""
    return HEADER, EXAMPLE_ROWS
