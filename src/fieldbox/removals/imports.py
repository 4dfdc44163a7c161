"""Removal requests from a spreadsheet (Traqueur "Créer une demande de dépose"): read, check in sets, keep drafts.

The first sheet has exactly the columns of ``HEADER`` in that order. Every row is checked at once and each
problem names its row and column in the user's language. What a row says alone (its VIN, its date, the
partner's code, a vehicle already on an earlier row) is checked while the row is written as a draft line of the
request (``RemovalDraftLine``: no foreign keys, one index), by COPY on PostgreSQL. One query then looks the draft
lines up in the fleet (vehicle by VIN, subscription by number, an open removal of the vehicle) and answers only
the rows that fail, and one statement deletes the rows in error. The number of queries does not grow with the
rows, and the rows travel to the database once. The summary shows the draft lines as "New" until the requester
confirms (they become removal lines) or discards the request.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldbox.accounts import selectors as accounts_selectors
from fieldbox.core import bulk, uploads
from fieldbox.core.tenancy import Scope
from fieldbox.core.uploads import RowError, cell_text
from fieldbox.fleet.choices import SubscriptionStatus
from fieldbox.fleet.validators import VIN_ALPHABET, normalise_vin, uses_check_digit, validate_vin, vin_check_digit
from fieldbox.jobs.choices import BUSY
from fieldbox.removals.choices import OPEN_LINE
from fieldbox.removals.models import RemovalDraftLine, RemovalRequest

HEADER = ("Vin", "N° Abonnement", "Code Distributeur", "Lieu de dépose", "Date de dépose souhaitée", "Commentaires")
VIN, SUBSCRIPTION, CODE, PLACE, WISHED, COMMENT = HEADER
# The example rows of the Traqueur manual, in the template to fill in (their dates are long past: they never import).
EXAMPLE_ROWS = (
    ("0Z2345678901D7893", "121000BBD", "EK004", "Chambery", date(2014, 7, 30), "A faire ASAP"),
    ("ZZZ34567890134567", "140200E60", "JJ020", "Paris", date(2014, 7, 30), "pas de caractère d'urgence"),
)
NUMBER_MAX, CODE_MAX, PLACE_MAX, COMMENT_MAX = 40, 20, 200, 2000
ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
FRENCH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
# The rows of a file as read: (row number as the spreadsheet program shows it, cells as the file holds them).
Table = list[tuple[int, list[Any]]]


class ImportRefused(Exception):
    """The file cannot become a request: each error names its row and column (row 0: the file itself)."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass
class Checked:
    """What checking a file found: its rows, the draft lines kept (its valid rows) and the errors."""

    rows_total: int
    lines: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def rows_in_error(self) -> int:
        return len({e.row for e in self.errors})


# ---- reading -------------------------------------------------------------------------------------------


def read_table(stream: IO[bytes], name: str, size: int | None) -> Table:
    """The non-blank rows of the first sheet, header first, or ImportRefused saying what is wrong with the file."""
    limits = {"max_bytes": settings.REMOVAL_IMPORT_MAX_BYTES, "max_rows": settings.REMOVAL_IMPORT_MAX_ROWS}
    try:
        table = uploads.read_cells(stream, name=name, size=size, **limits)
    except ValidationError as exc:
        raise ImportRefused([RowError(0, "", message) for message in exc.messages]) from None
    check_header(*table[0])
    if len(table) < 2:
        raise ImportRefused([RowError(0, "", _("The file has a header but no vehicle rows."))])
    return table


def _letter(index: int) -> str:
    return chr(65 + index) if index < 26 else "A" + chr(65 + index - 26)


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == b.casefold()


def check_header(number: int, header: list[Any]) -> None:
    """The header has exactly the template's columns, in its order (case and extra spaces aside)."""
    errors: list[RowError] = []
    cells = [cell_text(c) for c in header]
    cells += [""] * (len(HEADER) - len(cells))
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
        errors.append(RowError(number, expected, message))
    for i, extra in enumerate(cells[len(HEADER) :], start=len(HEADER)):
        if extra:
            message = _("Column %(letter)s “%(found)s” is not a column of the template: remove it.")
            errors.append(RowError(number, extra, message % {"letter": _letter(i), "found": extra}))
    if errors:
        raise ImportRefused(errors)


# ---- checking ------------------------------------------------------------------------------------------

DRAFT_COLUMNS = ("request_id", "row", "vin", "number", "code", "company_id", "place", "wished_on", "comment")
PADDING = [""] * len(HEADER)


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


def _text(value: Any) -> str:
    return value.strip() if type(value) is str else cell_text(value)


def check(
    scope: Scope,
    request: RemovalRequest,
    table: Table,
    *,
    chunk: int | None = None,
    progress: Callable[[int], object] | None = None,
) -> Checked:
    """Every row of the file checked, the valid ones kept as draft lines of ``request``.

    ``chunk`` rows at a time when given, each part in its own transaction, ``progress`` told after each."""
    check_header(*table[0])
    rows = table[1:]
    checked = Checked(rows_total=len(rows))
    provider = scope.organisation
    today = timezone.localtime(timezone.now(), ZoneInfo(provider.time_zone)).date()
    companies = _companies(scope, rows)
    seen: dict[str, int] = {}
    size = chunk or len(rows) or 1
    for start in range(0, len(rows), size):
        part = rows[start : start + size]
        with transaction.atomic():
            bad, twice = _write(request.pk, part, today, companies, seen, checked.errors)
            failed = _lookup(provider.pk, request.pk, part[0][0], part[-1][0])
            bad |= _fleet_errors(failed, twice, checked.errors)
            _delete(request.pk, bad)
        checked.lines += len(part) - len(bad)
        if progress is not None:
            progress(start + len(part))
    checked.errors.sort(key=lambda e: (e.row, HEADER.index(e.column) if e.column in HEADER else 0))
    return checked


def _companies(scope: Scope, rows: Table) -> dict[str, int]:
    """The accepted partners named in the file, by installer code (one query; the codes are few)."""
    written = {cells[2] for _number, cells in rows if len(cells) > 2}  # a handful of distinct values
    codes = {_text(value).upper() for value in written} - {""}
    qs = accounts_selectors.accepted_installers_for(scope).filter(installer_code__in=codes)
    return {code or "": pk for code, pk in qs.values_list("installer_code", "pk")}


def _write(
    request_id: int,
    part: Table,
    today: date,
    companies: dict[str, int],
    seen: dict[str, int],
    errors: list[RowError],
) -> tuple[set[int], dict[int, tuple[int, str]]]:
    """Every row written as a draft line, with what it says alone checked: the rows already in error, and the
    rows whose VIN an earlier row has (row -> (earlier row, VIN))."""
    bad: set[int] = set()
    twice: dict[int, tuple[int, str]] = {}
    with _draft_writer() as write:
        for row, cells in part:
            before = len(errors)
            raw_vin, raw_number, raw_code, raw_place, raw_wished, raw_comment = (
                cells[:6] if len(cells) >= 6 else [*cells, *PADDING][:6]
            )
            # Most cells are text: their conversions are written out here, the others go through cell_text.
            vin = normalise_vin(raw_vin if type(raw_vin) is str else cell_text(raw_vin))
            vin_ok = bool(VIN_ALPHABET.match(vin)) and not (uses_check_digit(vin) and vin[8] != vin_check_digit(vin))
            if not vin:
                errors.append(RowError(row, VIN, _("Write the VIN.")))
            elif not vin_ok:  # the validator's own message says what is wrong
                try:
                    validate_vin(vin)
                except ValidationError as exc:
                    errors.append(RowError(row, VIN, f"{vin}: {exc.messages[0]}"))
            elif (first := seen.setdefault(vin, row)) != row:
                twice[row] = (first, vin)
            number = raw_number.strip() if type(raw_number) is str else cell_text(raw_number)
            if not number:
                errors.append(RowError(row, SUBSCRIPTION, _("Write the subscription number.")))
            elif len(number) > NUMBER_MAX:
                errors.append(RowError(row, SUBSCRIPTION, _too_long(NUMBER_MAX, number)))
                number = ""
            code = (raw_code.strip() if type(raw_code) is str else cell_text(raw_code)).upper()
            company = companies.get(code)
            if not code:
                errors.append(RowError(row, CODE, _("Write the installer code of the remover.")))
            elif company is None:
                message = _("No installer company that accepted your partnership has the code %(code)s.")
                errors.append(RowError(row, CODE, message % {"code": code}))
            wished = _wished(row, raw_wished, today, errors)
            place = raw_place.strip() if type(raw_place) is str else cell_text(raw_place)
            if len(place) > PLACE_MAX:
                errors.append(RowError(row, PLACE, _too_long(PLACE_MAX, place)))
            comment = raw_comment.strip() if type(raw_comment) is str else cell_text(raw_comment)
            if len(comment) > COMMENT_MAX:
                errors.append(RowError(row, COMMENT, _too_long(COMMENT_MAX, comment)))
            if len(errors) > before or row in twice:
                bad.add(row)
            write(
                (request_id, row, vin if vin_ok else "", number, code[:CODE_MAX], company, place[:PLACE_MAX], wished,
                 comment[:COMMENT_MAX])
            )  # fmt: skip
    return bad, twice


def _too_long(limit: int, value: str) -> str:
    return _("At most %(max)s characters (this one has %(n)s).") % {"max": limit, "n": len(value)}


def _wished(row: int, value: Any, today: date, errors: list[RowError]) -> date | None:
    """The wished date of a date cell or of ``dd/mm/yyyy`` text, not in the past; None (and an error) otherwise."""
    if type(value) is datetime:
        value = value.date()
    if type(value) is date:
        wished = value
    else:
        text = _text(value)
        parsed = parse_date(text) if text else None
        if parsed is None:
            message = _("“%(value)s” is not a date: write it as dd/mm/yyyy or use a date cell.") % {"value": text}
            errors.append(RowError(row, WISHED, message if text else _("Write the wished date (dd/mm/yyyy).")))
            return None
        wished = parsed
    if wished < today:
        message = _("The date %(date)s is in the past.") % {"date": wished.strftime("%d/%m/%Y")}
        errors.append(RowError(row, WISHED, message))
        return None
    return wished


def _draft_writer() -> AbstractContextManager[Callable[[tuple[Any, ...]], None]]:
    """Write draft lines (values in the order of DRAFT_COLUMNS): COPY on PostgreSQL, ``bulk_create`` elsewhere."""
    return bulk.writer(RemovalDraftLine, DRAFT_COLUMNS)


# A vehicle is taken when it is in an open removal (a line notified or accepted) or holds an open job (draft,
# assigned, in progress, paired): the constants of the tables, as SQL lists of named parameters.
OPEN_LINES = ", ".join(f"%(line{n})s" for n in range(len(OPEN_LINE)))
BUSY_JOBS = ", ".join(f"%(job{n})s" for n in range(len(BUSY)))

# The draft lines of rows ``first`` to ``last`` that fail in the fleet: no vehicle of that VIN, no subscription of
# that number, a subscription of another vehicle or not active, or the vehicle taken (the number of the removal
# request or of the job that holds it). The vehicles and subscriptions are the provider's own: what
# ``visible_to`` gives the requester (a test proves both find the same).
LOOKUP_SQL = f"""
SELECT t."row", t.vin, t.number, v.id, s.id, s.vehicle_id, s.status, r.number, j.number
FROM removals_removaldraftline t
LEFT JOIN fleet_vehicle v ON v.provider_id = %(provider)s AND v.vin = t.vin AND v.vin <> ''
LEFT JOIN fleet_subscription s ON s.provider_id = %(provider)s AND s.number = t.number
LEFT JOIN removals_removalline o ON o.vehicle_id = v.id AND o.status IN ({OPEN_LINES})
LEFT JOIN removals_removalrequest r ON r.id = o.request_id
LEFT JOIN jobs_job j ON j.vehicle_id = v.id AND j.status IN ({BUSY_JOBS})
WHERE t.request_id = %(request)s AND t."row" BETWEEN %(first)s AND %(last)s
AND (v.id IS NULL OR s.id IS NULL OR s.vehicle_id <> v.id OR s.status <> %(active)s OR o.id IS NOT NULL
OR j.id IS NOT NULL)
"""  # noqa: S608 - the placeholders are named parameters
# PostgreSQL: the same, the draft lines taken in the order of their VINs and each looked up through the unique
# indexes (vehicle_vin_once: (provider, vin) where vin <> '', subscription_number_once,
# removal_line_vehicle_open_once, job_vehicle_busy_once). LATERAL … LIMIT 1 keeps the plan a loop of index look-ups
# whatever the fleet's size: a hash join reads the 1,000,000 vehicles and subscriptions whole (≈1 s) for 50,000 rows
# where the look-ups take less than half of it. In VIN order they visit neighbouring index pages one after the
# other; in the file's order they take twice as long.
LOOKUP_SQL_PG = f"""
SELECT t."row", t.vin, t.number, v.id, s.id, s.vehicle_id, s.status, o.number, j.number
FROM (
    SELECT "row", vin, number FROM removals_removaldraftline
    WHERE request_id = %(request)s AND "row" BETWEEN %(first)s AND %(last)s ORDER BY vin
) t
LEFT JOIN LATERAL (
    SELECT id FROM fleet_vehicle WHERE provider_id = %(provider)s AND vin = t.vin AND vin <> '' LIMIT 1
) v ON true
LEFT JOIN LATERAL (
    SELECT id, status, vehicle_id FROM fleet_subscription WHERE provider_id = %(provider)s AND number = t.number LIMIT 1
) s ON true
LEFT JOIN LATERAL (
    SELECT r.number FROM removals_removalline l JOIN removals_removalrequest r ON r.id = l.request_id
    WHERE l.vehicle_id = v.id AND l.status IN ({OPEN_LINES}) LIMIT 1
) o ON true
LEFT JOIN LATERAL (
    SELECT number FROM jobs_job WHERE vehicle_id = v.id AND status IN ({BUSY_JOBS}) LIMIT 1
) j ON true
WHERE v.id IS NULL OR s.id IS NULL OR s.vehicle_id <> v.id OR s.status <> %(active)s OR o.number IS NOT NULL
OR j.number IS NOT NULL
"""  # noqa: S608 - the placeholders are named parameters


def lookup_params(provider_id: int, request_id: int, first: int, last: int) -> dict[str, Any]:
    """The parameters of LOOKUP_SQL for the draft lines of rows ``first`` to ``last``."""
    return {
        "provider": provider_id,
        "request": request_id,
        "first": first,
        "last": last,
        "active": SubscriptionStatus.ACTIVE,
        **{f"line{n}": status for n, status in enumerate(OPEN_LINE)},
        **{f"job{n}": status for n, status in enumerate(BUSY)},
    }


def _lookup(provider_id: int, request_id: int, first: int, last: int) -> list[tuple[Any, ...]]:
    """The draft lines of rows ``first`` to ``last`` that fail in the fleet, with what the fleet has (one query)."""
    params = lookup_params(provider_id, request_id, first, last)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL jit = off")  # compiling this plan costs more than it saves
            cursor.execute("SET LOCAL work_mem = '32MB'")  # the VINs of 50,000 rows sorted in memory, not on disk
            cursor.execute(LOOKUP_SQL_PG, params)
        else:
            cursor.execute(LOOKUP_SQL, params)
        return list(cursor.fetchall())


def _fleet_errors(failed: list[tuple[Any, ...]], twice: dict[int, tuple[int, str]], errors: list[RowError]) -> set[int]:
    """The errors of the rows that fail in the fleet and of the rows repeating a vehicle; their row numbers."""
    answered: dict[int, Any] = {}
    for row, vin, number, vehicle_id, sub_id, sub_vehicle, sub_status, open_request, open_job in failed:
        answered[row] = vehicle_id
        if vin and vehicle_id is None:
            errors.append(RowError(row, VIN, _("No vehicle of your fleet has the VIN %(vin)s.") % {"vin": vin}))
        if number and sub_id is None:
            message = _("No subscription of yours has the number %(number)s.") % {"number": number}
            errors.append(RowError(row, SUBSCRIPTION, message))
        elif number and vehicle_id is not None and sub_vehicle != vehicle_id:
            message = _("The subscription %(number)s is not the one of the vehicle %(vin)s.")
            errors.append(RowError(row, SUBSCRIPTION, message % {"number": number, "vin": vin}))
        elif number and sub_status != SubscriptionStatus.ACTIVE:
            message = _("The subscription %(number)s is no longer active.") % {"number": number}
            errors.append(RowError(row, SUBSCRIPTION, message))
        if vehicle_id is not None and open_request is not None:
            message = _("The vehicle %(vin)s is already in an open removal (request %(number)s).")
            errors.append(RowError(row, VIN, message % {"vin": vin, "number": open_request}))
            twice.pop(row, None)
        elif vehicle_id is not None and open_job is not None:
            message = _("The vehicle %(vin)s already has an open job (%(job)s).")
            errors.append(RowError(row, VIN, message % {"vin": vin, "job": open_job}))
            twice.pop(row, None)
    for row, (first, vin) in twice.items():
        if answered.get(row, True) is not None:  # the vehicle exists: the row repeats it
            message = _("The vehicle %(vin)s is already on row %(row)s.") % {"vin": vin, "row": first}
            errors.append(RowError(row, VIN, message))
    return {*answered, *twice}


def _delete(request_id: int, rows: set[int]) -> None:
    """The draft lines of the rows in error (one statement on PostgreSQL; batches of 500 elsewhere)."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        table = RemovalDraftLine._meta.db_table
        with connection.cursor() as cursor:
            delete = f'DELETE FROM {table} WHERE request_id = %s AND "row" = ANY(%s)'  # noqa: S608 - the model's table
            cursor.execute(delete, [request_id, sorted(rows)])
        return
    ordered = sorted(rows)
    for start in range(0, len(ordered), 500):
        RemovalDraftLine.objects.filter(request_id=request_id, row__in=ordered[start : start + 500]).delete()


def template_rows() -> tuple[tuple[str, ...], tuple[tuple[object, ...], ...]]:
    """The header and the example rows of the file to fill in."""
    return HEADER, EXAMPLE_ROWS
