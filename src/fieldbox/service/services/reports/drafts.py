"""A work report's draft: the reads of reports, the checks of what a report says, the draft made when the
technician opens the report, and its changes until it is signed (``signing``)."""

from __future__ import annotations

import base64
import binascii
import io
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, UnidentifiedImageError

from fieldbox.accounts.choices import WORK_DOERS
from fieldbox.accounts.models import Organisation
from fieldbox.core import audit, money, transitions
from fieldbox.core.errors import Conflict
from fieldbox.core.tenancy import Scope
from fieldbox.messaging import kinds
from fieldbox.messaging.choices import Channel
from fieldbox.messaging.kinds import MessageKind
from fieldbox.service.choices import (
    REPORT_TABLE,
    WORK_ORDER_TABLE,
    ExpenseKind,
    MaterialUse,
    ReportStatus,
)
from fieldbox.service.models import Contact, Expense, Material, WorkOrder, WorkReport
from fieldbox.service.services import hours
from fieldbox.service.services.work_orders import refuse_outsider

R = ReportStatus
PDF = "application/pdf"
TEXT_LIMIT = 20_000
NAME_LIMIT = 200
MAX_LINES = 100
MAX_TRAVEL_MINUTES = 24 * 60
MAX_KM = Decimal("9999999.9")
MAX_AMOUNT = Decimal("99999999.99")
MAX_QUANTITY = Decimal("99999999.99")
REPORT_MATERIALS = (MaterialUse.USED, MaterialUse.LEFT)
# A signature is a small drawing: a PNG of at most this many bytes and pixels (signature_pad on a phone gives
# ~30 KB at 1000x400); anything larger is refused before it is decoded (decompression bombs).
SIGNATURE_MAX_BYTES = 512 * 1024
SIGNATURE_MAX_PIXELS = 4_000_000
DATA_URL = re.compile(r"data:image/png;base64,([A-Za-z0-9+/=\s]+)")
KIND = "service.work_report"

audit.label_actions(
    {
        "work_report.create": gettext_lazy("Report started"),
        "work_report.correct": gettext_lazy("Correction of a signed report started"),
        "work_report.update": gettext_lazy("Report changed"),
        "work_report.sign": gettext_lazy("Report signed"),
        "work_report.supersede": gettext_lazy("Report replaced by a correction"),
        "work_report.send": gettext_lazy("Report sent to the customer"),
    }
)

kinds.register(
    MessageKind(
        key=KIND,
        channel=Channel.EMAIL,
        label=gettext_lazy("E-mail to the customer: the signed work report"),
        variables={
            "number": gettext_lazy("the work order's number"),
            "version": gettext_lazy("the report's version"),
            "customer": gettext_lazy("the customer's name"),
            "organisation": gettext_lazy("your organisation's name"),
            "day": gettext_lazy("the day of the work"),
        },
        template="service/email/work_report",
        sample={"number": "I0000042", "version": 1, "customer": "Condominio Aurora", "organisation": "Rossi Impianti"},
    )
)


# ---- Reads -----------------------------------------------------------------------------------------------------


def reports_for(scope: Scope) -> Any:
    return WorkReport.objects.visible_to(scope).select_related(
        "work_order", "work_order__customer", "work_order__site", "replaces"
    )


def report_for(scope: Scope, pk: int) -> WorkReport:
    """One report of the organisation (``WorkReport.DoesNotExist``, a 404, outside it)."""
    report: WorkReport = reports_for(scope).get(pk=pk)
    return report


def current_report(order: WorkOrder) -> WorkReport | None:
    """The work order's report that counts now: its draft if one is being written, else its latest signed one."""
    found = list(WorkReport.objects.filter(work_order=order).exclude(status=R.CORRECTED).order_by("-version")[:2])
    drafts = [r for r in found if r.status == R.DRAFT]
    return drafts[0] if drafts else (found[0] if found else None)


def report_materials(order: WorkOrder) -> list[Material]:
    return list(Material.objects.filter(work_order=order, use__in=REPORT_MATERIALS).order_by("pk"))


def recipient(order: WorkOrder) -> str:
    """Where the report goes: the customer's default contact's address, else the customer's own."""
    if order.customer is None:
        return ""
    contact = (
        Contact.objects.filter(organisation_id=order.organisation_id, customer=order.customer, is_default=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .first()
    )
    return contact or order.customer.email


def language_of(order: WorkOrder, organisation: Organisation) -> str:
    """The customer's language, else the organisation's."""
    return (order.customer.language if order.customer else "") or organisation.language


# ---- Checks ----------------------------------------------------------------------------------------------------


def clean_text(value: str | None, field: str, *, limit: int = TEXT_LIMIT, required: bool = False) -> str:
    words = (value or "").strip()
    if required and not words:
        raise ValidationError({field: _("This field is required.")})
    if len(words) > limit:
        raise ValidationError({field: _("At most %(n)s characters.") % {"n": limit}})
    return words


def _decimal(value: Any, field: str, places: str, *, low: Decimal, high: Decimal, above: bool = False) -> Decimal:
    """A number to ``places`` (half up; amounts of money through ``core.money``), between ``low`` (excluded when
    ``above``) and ``high``."""
    try:
        exact = Decimal(str(value))
        number = money.rounded(exact) if places == str(money.CENT) else exact.quantize(Decimal(places), ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("Give a number.")}) from None
    if number > high or number < low or (above and number == low):
        words = _("More than %(low)s, at most %(high)s.") if above else _("Between %(low)s and %(high)s.")
        raise ValidationError({field: words % {"low": low, "high": high}})
    return number


def require_on_order(order: WorkOrder, scope: Scope) -> None:
    """A doer writes the report of a work order they are on; the office may write it for them."""
    scope.require_role(*WORK_DOERS)
    refuse_outsider(order, scope)


def _times(arrived_at: datetime | None, left_at: datetime | None) -> None:
    for field, value in (("arrived_at", arrived_at), ("left_at", left_at)):
        if value is not None and timezone.is_naive(value):
            raise ValidationError({field: _("Give the day and the time.")})
    if arrived_at and left_at:
        if left_at <= arrived_at:
            raise ValidationError({"left_at": _("The departure must come after the arrival.")})
        if left_at - arrived_at > hours.MAX_LENGTH:
            raise ValidationError({"left_at": _("One report covers at most a day: write one per day.")})


@dataclass(frozen=True)
class MaterialLine:
    description: str
    quantity: Decimal | str | int = Decimal(1)
    unit: str = "pc"
    code: str = ""
    use: str = MaterialUse.USED


@dataclass(frozen=True)
class ExpenseLine:
    kind: str
    amount: Decimal | str | int
    description: str = ""


def _line_error(field: str, n: int, error: ValidationError) -> ValidationError:
    words = " ".join(error.messages)
    return ValidationError({field: _("Line %(n)s: %(error)s") % {"n": n, "error": words}})


def _materials(lines: Sequence[MaterialLine]) -> list[dict[str, Any]]:
    if len(lines) > MAX_LINES:
        raise ValidationError({"materials": _("At most %(n)s lines.") % {"n": MAX_LINES}})
    clean = []
    for n, line in enumerate(lines, start=1):
        try:
            if line.use not in REPORT_MATERIALS:
                raise ValidationError(_("choose used or left with the customer."))
            clean.append(
                {
                    "use": line.use,
                    "description": clean_text(line.description, "description", limit=255, required=True),
                    "quantity": _decimal(
                        line.quantity, "quantity", "0.01", low=Decimal(0), high=MAX_QUANTITY, above=True
                    ),
                    "unit": clean_text(line.unit, "unit", limit=10) or "pc",
                    "code": clean_text(line.code, "code", limit=40),
                }
            )
        except ValidationError as error:
            raise _line_error("materials", n, error) from None
    return clean


def _expenses(lines: Sequence[ExpenseLine]) -> list[dict[str, Any]]:
    if len(lines) > MAX_LINES:
        raise ValidationError({"expenses": _("At most %(n)s lines.") % {"n": MAX_LINES}})
    clean = []
    for n, line in enumerate(lines, start=1):
        try:
            if line.kind not in ExpenseKind.values:
                raise ValidationError(_("choose the kind of expense."))
            clean.append(
                {
                    "kind": line.kind,
                    "amount": _decimal(line.amount, "amount", "0.01", low=Decimal(0), high=MAX_AMOUNT),
                    "description": clean_text(line.description, "description", limit=255),
                }
            )
        except ValidationError as error:
            raise _line_error("expenses", n, error) from None
    return clean


def clean_signature(value: str | None, field: str) -> bytes:
    """A signature drawn with signature_pad: a PNG data URL, a real PNG within the size and pixel limits, not
    blank; answered re-encoded (no metadata)."""
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: _("The signature is missing: sign in the box.")})
    not_png = ValidationError({field: _("The signature is not a PNG image. Sign again.")})
    too_big = ValidationError({field: _("The signature is too large. Clear it and sign again.")})
    if len(text) > SIGNATURE_MAX_BYTES * 4 // 3 + 64:
        raise too_big
    found = DATA_URL.fullmatch(text)
    if found is None:
        raise not_png
    try:
        raw = base64.b64decode("".join(found.group(1).split()), validate=True)
    except (binascii.Error, ValueError):
        raise not_png from None
    if len(raw) > SIGNATURE_MAX_BYTES:
        raise too_big
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(raw), formats=["PNG"])
            if image.width * image.height > SIGNATURE_MAX_PIXELS:
                raise too_big
            image.load()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise not_png from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_big from None
    drawn = image.convert("RGBA")
    on_paper = Image.alpha_composite(Image.new("RGBA", drawn.size, "white"), drawn).convert("L")
    if on_paper.point(lambda p: 255 if p < 240 else 0).getbbox() is None:
        # Transparent or white all over: nobody signed.
        raise ValidationError({field: _("The signature is missing: sign in the box.")})
    out = io.BytesIO()
    drawn.save(out, "PNG", optimize=True)
    return out.getvalue()


# ---- Draft, update ---------------------------------------------------------------------------------------------


def locked_order(scope: Scope, work_order_id: int) -> WorkOrder:
    return WORK_ORDER_TABLE.lock(WorkOrder.objects.visible_to(scope), work_order_id)


def locked_report(scope: Scope, report_id: int) -> WorkReport:
    return REPORT_TABLE.lock(WorkReport.objects.visible_to(scope), report_id)


def report_draft(*, scope: Scope, work_order_id: int) -> WorkReport:
    """The work order's draft report, made now if it has none (only while the work order is accepted or in
    progress); a work order whose report is signed gets a correction instead (``report_correct``)."""
    REPORT_TABLE.require("create", scope)
    with transitions.atomic():
        order = locked_order(scope, work_order_id)
        require_on_order(order, scope)
        existing = current_report(order)
        if existing is not None and existing.status == R.DRAFT:
            return existing
        if existing is not None:
            raise Conflict(_("The report of this work order is signed. To change it, write a correction."))
        WORK_ORDER_TABLE.check(order, "record", scope)
        person = scope.user if order.technician_id in (None, scope.user.pk) else order.technician
        report = WorkReport(
            organisation_id=order.organisation_id,
            work_order=order,
            version=1,
            technician_name=(person.get_full_name() if person else "")[:NAME_LIMIT],
            created_by=scope.user,
        )
        REPORT_TABLE.create(report, "create", scope=scope, data={"work_order": order.number})
        WORK_ORDER_TABLE.apply(order, "record", scope=scope, data={"report": report.pk, "version": 1})
    return report


_UNSET: Any = object()


def report_update(
    *,
    scope: Scope,
    report_id: int,
    arrived_at: datetime | None = _UNSET,
    left_at: datetime | None = _UNSET,
    work_done: str | None = None,
    observations: str | None = None,
    travel_minutes: int | None = None,
    travel_km: Decimal | str | None = None,
    materials: Sequence[MaterialLine] | None = None,
    expenses: Sequence[ExpenseLine] | None = None,
) -> WorkReport:
    """Change a draft report; what is not given (``None``) stays. ``materials`` and ``expenses`` replace the
    report's lines when given (the materials are the work order's lines used or left with the customer)."""
    REPORT_TABLE.require("update", scope)
    changes: dict[str, Any] = {}
    if work_done is not None:
        changes["work_done"] = clean_text(work_done, "work_done")
    if observations is not None:
        changes["observations"] = clean_text(observations, "observations")
    if travel_minutes is not None:
        minutes = _decimal(travel_minutes, "travel_minutes", "1", low=Decimal(0), high=Decimal(MAX_TRAVEL_MINUTES))
        changes["travel_minutes"] = int(minutes)
    if travel_km is not None:
        changes["travel_km"] = _decimal(travel_km, "travel_km", "0.1", low=Decimal(0), high=MAX_KM)
    clean_materials = _materials(materials) if materials is not None else None
    clean_expenses = _expenses(expenses) if expenses is not None else None
    with transitions.atomic():
        report = locked_report(scope, report_id)
        REPORT_TABLE.check(report, "update", scope)
        order = WorkOrder.objects.select_for_update(of=("self",)).get(pk=report.work_order_id)
        require_on_order(order, scope)
        if arrived_at is not _UNSET:
            changes["arrived_at"] = arrived_at
        if left_at is not _UNSET:
            changes["left_at"] = left_at
        _times(changes.get("arrived_at", report.arrived_at), changes.get("left_at", report.left_at))
        if clean_materials is not None:
            _replace_materials(order, clean_materials, scope)
        if clean_expenses is not None:
            report.expenses.all().delete()
            Expense.objects.bulk_create(
                [Expense(organisation_id=report.organisation_id, report=report, **line) for line in clean_expenses]
            )
        data = {
            "fields": sorted(changes),
            "materials": clean_materials is not None,
            "expenses": clean_expenses is not None,
        }
        REPORT_TABLE.apply(report, "update", scope=scope, changes=changes, data=data)
    return report


def _replace_materials(order: WorkOrder, lines: list[dict[str, Any]], scope: Scope) -> None:
    Material.objects.filter(work_order=order, use__in=REPORT_MATERIALS).delete()
    Material.objects.bulk_create(
        [
            Material(organisation_id=order.organisation_id, work_order=order, created_by=scope.user, **line)
            for line in lines
        ]
    )
