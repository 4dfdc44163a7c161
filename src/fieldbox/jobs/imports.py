"""Jobs from a spreadsheet: one row per vehicle, every row checked at once, all-or-nothing.

Reading refuses what is not a spreadsheet (.xlsx, .xls, .ods, .csv), a file protected by a password, a file
over ``JOB_IMPORT_MAX_BYTES`` or with more than ``JOB_IMPORT_MAX_ROWS`` rows. Checking runs one query per
check whatever the number of rows. Writing (``job_import``) creates the drafts with one multi-row insert and
their audit events with another, in the transaction that re-checks the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models.functions import Upper
from django.utils import translation
from django.utils.translation import gettext as _

from fieldbox.accounts import selectors as accounts_selectors
from fieldbox.core import transitions, uploads
from fieldbox.core.tenancy import Scope
from fieldbox.core.uploads import Row, RowError
from fieldbox.fleet.models import Subscription
from fieldbox.jobs import services
from fieldbox.jobs.choices import JOB_TABLE, JobKind
from fieldbox.jobs.models import Job
from fieldbox.jobs.services.moves import job_number

COLUMNS = ("subscription", "kind", "vehicle_model", "central_lock_type", "notes", "installer_code")
REQUIRED = ("subscription", "kind")
SPEC_LIMITS = {"vehicle_model": 200, "central_lock_type": 200, "notes": 500}
# The kinds as people write them, in the three languages, besides the translated labels.
KIND_WORDS = {
    "installation": JobKind.INSTALLATION,
    "installazione": JobKind.INSTALLATION,
    "montaggio": JobKind.INSTALLATION,
    "removal": JobKind.REMOVAL,
    "rimozione": JobKind.REMOVAL,
    "disinstallazione": JobKind.REMOVAL,
    "smontaggio": JobKind.REMOVAL,
    "dépose": JobKind.REMOVAL,
    "depose": JobKind.REMOVAL,
    "désinstallation": JobKind.REMOVAL,
    "retrait": JobKind.REMOVAL,
    "maintenance": JobKind.MAINTENANCE,
    "manutenzione": JobKind.MAINTENANCE,
    "entretien": JobKind.MAINTENANCE,
}


class ImportRefused(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(errors)
        self.errors = errors


def _refuse(message: str) -> ImportRefused:
    return ImportRefused([RowError(0, "", message)])


@dataclass
class Planned:
    """A valid row, ready to become a job."""

    row: int
    subscription_id: int
    vehicle_id: int
    customer_id: int
    product_id: int
    number: str
    plate: str
    kind: str
    spec: dict[str, str] = field(default_factory=dict)
    company_id: int | None = None
    company_name: str = ""

    def kind_label(self) -> str:
        return str(JobKind(self.kind).label)


# ---- reading -------------------------------------------------------------------------------------------


def read_table(stream: IO[bytes], name: str, size: int | None) -> list[Row]:
    """The non-blank rows of the first sheet, or ImportRefused saying what is wrong with the file."""
    limits = {"max_bytes": settings.JOB_IMPORT_MAX_BYTES, "max_rows": settings.JOB_IMPORT_MAX_ROWS}
    try:
        return uploads.read_rows(stream, name=name, size=size, **limits)
    except ValidationError as exc:
        raise ImportRefused([RowError(0, "", message) for message in exc.messages]) from None


def template_header() -> list[str]:
    """The header of the file to fill in (no example row: it could be imported by mistake)."""
    return list(COLUMNS)


# ---- checking ------------------------------------------------------------------------------------------


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _header(header: Row) -> dict[str, int]:
    found: dict[str, int] = {}
    errors: list[RowError] = []
    for i, raw in enumerate(header.cells):
        name = raw.strip().lower().replace(" ", "_")
        if not name:
            continue
        if name not in COLUMNS:
            message = _("Unknown column “%(name)s” in column %(letter)s: the columns are %(columns)s.")
            errors.append(
                RowError(
                    header.number, raw, message % {"name": raw, "letter": _letter(i), "columns": ", ".join(COLUMNS)}
                )
            )
        elif name in found:
            errors.append(RowError(header.number, name, _("Column “%(name)s” appears twice.") % {"name": name}))
        else:
            found[name] = i
    for name in REQUIRED:
        if name not in found:
            errors.append(RowError(header.number, name, _("The header has no “%(name)s” column.") % {"name": name}))
    if errors:
        raise ImportRefused(errors)
    return found


def _kinds() -> dict[str, str]:
    words: dict[str, str] = {k: str(v) for k, v in KIND_WORDS.items()}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            words.update({str(label).lower(): value for value, label in JobKind.choices})
    return words


@dataclass
class _Row:
    row: int
    cells: dict[str, str]


def _rows(table: list[Row], columns: dict[str, int]) -> list[_Row]:
    return [
        _Row(r.number, {name: (r.cells[i] if i < len(r.cells) else "") for name, i in columns.items()})
        for r in table[1:]
    ]


def plan(scope: Scope, table: list[Row], *, lock: bool = False) -> list[Planned]:
    """Every row checked at once; ImportRefused lists each problem with its row and column."""
    rows = _rows(table, _header(table[0]))
    if not rows:
        raise _refuse(_("The file has a header but no job rows."))
    errors: list[RowError] = []
    subs = _subscriptions(scope, {r.cells["subscription"].upper() for r in rows}, lock=lock)
    codes = {r.cells.get("installer_code", "").upper() for r in rows} - {""}
    companies = _companies(scope, codes)
    kinds = _kinds()
    planned: list[Planned] = []
    seen: dict[int, int] = {}
    for r in rows:
        p = _plan_row(r, subs, companies, kinds, errors)
        if p is None:
            continue
        if p.vehicle_id in seen:
            message = _("The vehicle %(plate)s is already on row %(row)s.") % {
                "plate": p.plate,
                "row": seen[p.vehicle_id],
            }
            errors.append(RowError(r.row, "subscription", message))
            continue
        seen[p.vehicle_id] = r.row
        planned.append(p)
    _check_busy(scope, planned, errors)
    if errors:
        raise ImportRefused(
            sorted(errors, key=lambda e: (e.row, COLUMNS.index(e.column) if e.column in COLUMNS else 0))
        )
    return planned


def _subscriptions(scope: Scope, numbers: set[str], *, lock: bool) -> dict[str, dict[str, Any]]:
    """The provider's subscriptions named in the file (one query), locked while the jobs are written."""
    qs = Subscription.objects.filter(provider=scope.organisation).annotate(key=Upper("number"))
    qs = qs.filter(key__in=numbers - {""})
    if lock:
        qs = qs.select_for_update(of=("self",))
    fields = ("key", "pk", "number", "vehicle_id", "customer_id", "product_id", "vehicle__plate")
    return {row["key"]: row for row in qs.values(*fields)}


def _companies(scope: Scope, codes: set[str]) -> dict[str, tuple[int, str]]:
    if not codes:
        return {}
    qs = accounts_selectors.accepted_installers_for(scope).annotate(key=Upper("installer_code"))
    return {key: (pk, name) for key, pk, name in qs.filter(key__in=codes).values_list("key", "pk", "name")}


def _plan_row(
    r: _Row,
    subs: dict[str, dict[str, Any]],
    companies: dict[str, tuple[int, str]],
    kinds: dict[str, str],
    errors: list[RowError],
) -> Planned | None:
    before = len(errors)
    number, kind_text, code = r.cells["subscription"], r.cells["kind"], r.cells.get("installer_code", "")
    sub = subs.get(number.upper())
    if not number:
        errors.append(RowError(r.row, "subscription", _("Write the subscription number.")))
    elif sub is None:
        errors.append(
            RowError(r.row, "subscription", _("No subscription of yours has the number %(n)s.") % {"n": number})
        )
    kind = kinds.get(kind_text.lower())
    if kind is None:
        message = _("“%(kind)s” is not a kind of job: write installation, removal or maintenance.")
        errors.append(RowError(r.row, "kind", message % {"kind": kind_text}))
    company = companies.get(code.upper()) if code else None
    if code and company is None:
        message = _("No installer company that accepted your partnership has the code %(code)s.")
        errors.append(RowError(r.row, "installer_code", message % {"code": code}))
    spec = {k: r.cells.get(k, "") for k in SPEC_LIMITS if r.cells.get(k)}
    for key, value in spec.items():
        if len(value) > SPEC_LIMITS[key]:
            message = _("At most %(max)s characters (this one has %(n)s).")
            errors.append(RowError(r.row, key, message % {"max": SPEC_LIMITS[key], "n": len(value)}))
    if len(errors) > before or sub is None or kind is None:
        return None
    return Planned(
        row=r.row,
        subscription_id=sub["pk"],
        vehicle_id=sub["vehicle_id"],
        customer_id=sub["customer_id"],
        product_id=sub["product_id"],
        number=sub["number"],
        plate=sub["vehicle__plate"],
        kind=kind,
        spec=spec,
        company_id=company[0] if company else None,
        company_name=company[1] if company else "",
    )


def _check_busy(scope: Scope, planned: list[Planned], errors: list[RowError]) -> None:
    """No vehicle of the file may have a job still open (one query)."""
    busy = dict(
        Job.objects.visible_to(scope).holding([p.vehicle_id for p in planned]).values_list("vehicle_id", "number")
    )
    for p in planned:
        if p.vehicle_id in busy:
            message = _("The vehicle %(plate)s already has an open job (%(job)s).")
            errors.append(RowError(p.row, "subscription", message % {"plate": p.plate, "job": busy[p.vehicle_id]}))


# ---- writing -------------------------------------------------------------------------------------------


def job_import(*, scope: Scope, table: list[Row]) -> list[tuple[int, Job]]:
    """Create every job of the file or none: drafts in one insert, their audit events in another.
    Answers each job with the row it came from."""
    JOB_TABLE.require("create", scope)
    with transitions.atomic():
        planned = plan(scope, table, lock=True)
        org = scope.organisation
        numbers = job_number(org.pk, len(planned)) if planned else []
        drafts = [
            Job(
                provider=org,
                kind=p.kind,
                subscription_id=p.subscription_id,
                vehicle_id=p.vehicle_id,
                customer_id=p.customer_id,
                product_id=p.product_id,
                spec=p.spec,
                number=number,
            )
            for p, number in zip(planned, numbers, strict=True)
        ]
        rows = {id(job): p.row for job, p in zip(drafts, planned, strict=True)}
        jobs = JOB_TABLE.create_many(drafts, "create", scope=scope, data=lambda j: {"import_row": rows[id(j)]})
        # Assigned rows go through job_assign one by one, so that deadline, visibility, the owner's SMS and the
        # webhook are exactly those of a single assignment: a few queries per assigned row, fine for files of a
        # few thousand rows (the limit is JOB_IMPORT_MAX_ROWS).
        return [
            (p.row, services.job_assign(scope=scope, job_id=job.pk, company_id=p.company_id) if p.company_id else job)
            for job, p in zip(jobs, planned, strict=True)
        ]
