"""The digital work report (Appsistance "rapportino digitale"): written on the phone while the work order is carried
out, signed by the technician and the customer, then frozen.

- ``report_draft``: the one draft of a work order, made when the technician opens its report (accepted or in
  progress);
- ``report_update``: arrival and departure, work done, the customer's observations, travel, expenses, and the
  materials used or left with the customer (the work order's ``Material`` rows used/left);
- ``report_sign``: both signatures (PNG data URLs from signature_pad, checked with Pillow, stored under a random
  name) and the signers' names; the content shown on the PDF is kept as signed, with its SHA-256; the arrival and
  departure become a time entry (``hours.record_entry``); the work order is done; the PDF goes to the customer
  through the outbox;
- ``report_correct``: a signed report is never edited: a correction is a new draft version that replaces it, and
  the old one becomes "corrected" when the new one is signed;
- ``report_send``: the signed PDF e-mailed again.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import re
import uuid
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, UnidentifiedImageError

from fieldbox.accounts.choices import WORK_DOERS, WORK_PLANNERS
from fieldbox.accounts.models import Organisation
from fieldbox.core import audit, money, transitions
from fieldbox.core.errors import Conflict
from fieldbox.core.tenancy import Scope
from fieldbox.jobs import runs
from fieldbox.messaging import kinds
from fieldbox.messaging.choices import Channel
from fieldbox.messaging.kinds import MessageKind
from fieldbox.messaging.outbox import Attachment
from fieldbox.messaging.services import send_email
from fieldbox.service import selectors_checklists as checklists
from fieldbox.service.choices import (
    REPORT_TABLE,
    WORK_ORDER_TABLE,
    ExpenseKind,
    MaterialUse,
    ReportStatus,
    TimeKind,
    WorkOrderStatus,
)
from fieldbox.service.models import Contact, Expense, Material, TimeEntry, WorkOrder, WorkReport
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


def _text(value: str | None, field: str, *, limit: int = TEXT_LIMIT, required: bool = False) -> str:
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


def _on_order(order: WorkOrder, scope: Scope) -> None:
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
                    "description": _text(line.description, "description", limit=255, required=True),
                    "quantity": _decimal(
                        line.quantity, "quantity", "0.01", low=Decimal(0), high=MAX_QUANTITY, above=True
                    ),
                    "unit": _text(line.unit, "unit", limit=10) or "pc",
                    "code": _text(line.code, "code", limit=40),
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
                    "description": _text(line.description, "description", limit=255),
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


def _locked_order(scope: Scope, work_order_id: int) -> WorkOrder:
    return WORK_ORDER_TABLE.lock(WorkOrder.objects.visible_to(scope), work_order_id)


def _locked_report(scope: Scope, report_id: int) -> WorkReport:
    return REPORT_TABLE.lock(WorkReport.objects.visible_to(scope), report_id)


def report_draft(*, scope: Scope, work_order_id: int) -> WorkReport:
    """The work order's draft report, made now if it has none (only while the work order is accepted or in
    progress); a work order whose report is signed gets a correction instead (``report_correct``)."""
    REPORT_TABLE.require("create", scope)
    with transitions.atomic():
        order = _locked_order(scope, work_order_id)
        _on_order(order, scope)
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
        changes["work_done"] = _text(work_done, "work_done")
    if observations is not None:
        changes["observations"] = _text(observations, "observations")
    if travel_minutes is not None:
        minutes = _decimal(travel_minutes, "travel_minutes", "1", low=Decimal(0), high=Decimal(MAX_TRAVEL_MINUTES))
        changes["travel_minutes"] = int(minutes)
    if travel_km is not None:
        changes["travel_km"] = _decimal(travel_km, "travel_km", "0.1", low=Decimal(0), high=MAX_KM)
    clean_materials = _materials(materials) if materials is not None else None
    clean_expenses = _expenses(expenses) if expenses is not None else None
    with transitions.atomic():
        report = _locked_report(scope, report_id)
        REPORT_TABLE.check(report, "update", scope)
        order = WorkOrder.objects.select_for_update(of=("self",)).get(pk=report.work_order_id)
        _on_order(order, scope)
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


# ---- Signing ---------------------------------------------------------------------------------------------------


def _stamp(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def build_content(
    report: WorkReport, order: WorkOrder, signatures: dict[str, bytes], signed_at: datetime
) -> dict[str, Any]:
    """Everything the signed report says (and its PDF shows), as plain JSON values: what the hash covers."""
    organisation = Organisation.objects.get(pk=order.organisation_id)
    expenses = list(report.expenses.order_by("pk"))
    total = sum((e.amount for e in expenses), Decimal(0))
    minutes = (
        round((report.left_at - report.arrived_at).total_seconds() / 60) if report.arrived_at and report.left_at else 0
    )
    return {
        "organisation": {"name": organisation.name, "vat_number": getattr(organisation, "vat_number", "") or ""},
        "work_order": {
            "number": order.number,
            "description": order.description,
            "work_type": str(order.work_type) if order.work_type_id else "",
            "ticket": order.ticket.number if order.ticket else "",
        },
        "version": report.version,
        "replaces": report.replaces.version if report.replaces else None,
        "customer": {
            "name": order.customer.display_name if order.customer else "",
            "code": order.customer.code if order.customer else "",
        },
        "site": str(order.site) if order.site_id else "",
        "equipment": str(order.equipment) if order.equipment_id else "",
        "arrived_at": _stamp(report.arrived_at),
        "left_at": _stamp(report.left_at),
        "minutes": minutes,
        "work_done": report.work_done,
        "observations": report.observations,
        "travel_minutes": report.travel_minutes,
        "travel_km": str(report.travel_km),
        "materials": [
            {"use": m.use, "code": m.code, "description": m.description, "quantity": str(m.quantity), "unit": m.unit}
            for m in report_materials(order)
        ],
        "expenses": [{"kind": e.kind, "description": e.description, "amount": str(e.amount)} for e in expenses],
        "expenses_total": str(money.rounded(total)),
        # The checklists filled in, each question as its run kept it with the answer given (jobs.runs.run_content).
        "checklists": [
            {"name": run.checklist.name, "questions": runs.run_content(run)} for run in checklists.runs_of(order)
        ],
        "technician_name": report.technician_name,
        "customer_name": report.customer_name,
        "signatures": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(signatures.items())},
        "signed_at": _stamp(signed_at),
        "language": report.language,
    }


def content_hash(content: dict[str, Any]) -> str:
    """The SHA-256 of the signed content, written canonically (sorted keys, no spaces, UTF-8)."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Signed:
    report: WorkReport
    sent_to: str  # where the PDF went ("" when the customer has no e-mail address)


def _missing(report: WorkReport) -> dict[str, str]:
    errors = {}
    if report.arrived_at is None:
        errors["arrived_at"] = _("Write the arrival time before signing.")
    if report.left_at is None:
        errors["left_at"] = _("Write the departure time before signing.")
    if not report.work_done.strip():
        errors["work_done"] = _("Write the work done before signing.")
    return errors


def report_sign(
    *,
    scope: Scope,
    report_id: int,
    technician_name: str,
    technician_signature: str,
    customer_name: str,
    customer_signature: str,
) -> Signed:
    """Sign a draft: both names and both signatures; the report is frozen (content and hash), its hours become a
    time entry, its work order is done, and the PDF is e-mailed to the customer. Nothing changes when refused."""
    REPORT_TABLE.require("sign", scope)
    report_for(scope, report_id)  # 404 before any other refusal: nothing said of another's report
    names: dict[str, str] = {}
    errors: dict[str, Any] = {}
    drawings: dict[str, bytes] = {}
    for field, value in (("technician_name", technician_name), ("customer_name", customer_name)):
        try:
            names[field] = " ".join(_text(value, field, limit=NAME_LIMIT).split())
            if not names[field]:
                errors[field] = _("Type the signer's name.")
        except ValidationError as error:
            errors.update(error.message_dict)
    for field, value in (("technician_signature", technician_signature), ("customer_signature", customer_signature)):
        try:
            drawings[field] = clean_signature(value, field)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return _signed(scope, report_id, names, drawings)


def _signed(scope: Scope, report_id: int, names: dict[str, str], drawings: dict[str, bytes]) -> Signed:
    from fieldbox.service import report_pdf

    stored: list[str] = []
    try:
        with transitions.atomic():
            report = _locked_report(scope, report_id)
            REPORT_TABLE.check(report, "sign", scope)
            order = _locked_order(scope, report.work_order_id)
            _on_order(order, scope)
            if order.status == WorkOrderStatus.CANCELLED:
                raise Conflict(str(WORK_ORDER_TABLE.refusal) % {"status": order.get_status_display()})
            missing = {**_missing(report), **checklists.missing_errors(order)}
            if missing:
                raise ValidationError(missing)
            organisation = Organisation.objects.get(pk=order.organisation_id)
            now = timezone.now()
            for field, data in drawings.items():
                stored.append(default_storage.save(_file_name(order, "png"), ContentFile(data)))
                setattr(report, field, stored[-1])
            for field, words in names.items():
                setattr(report, field, words)
            report.language = language_of(order, organisation)
            content = build_content(
                report,
                order,
                {"technician": drawings["technician_signature"], "customer": drawings["customer_signature"]},
                now,
            )
            report.content, report.content_hash = content, content_hash(content)
            report.signed_at, report.signed_by = now, scope.user
            pdf = report_pdf.render(report, organisation)
            stored.append(default_storage.save(_file_name(order, "pdf"), ContentFile(pdf)))
            report.pdf = stored[-1]
            changes = {
                f: getattr(report, f)
                for f in (
                    *names,
                    *drawings,
                    "language",
                    "content",
                    "content_hash",
                    "signed_at",
                    "signed_by",
                    "pdf",
                )
            }
            step = REPORT_TABLE.apply(report, "sign", scope=scope, changes=changes, data={"hash": report.content_hash})
            _supersede(scope, report)
            _record_hours(scope, report, order, organisation)
            if order.status == WorkOrderStatus.IN_PROGRESS:
                WORK_ORDER_TABLE.check(order, "finish", scope)
                WORK_ORDER_TABLE.apply(order, "finish", scope=scope, data={"report": report.pk})
            assert step.event is not None
            sent_to = _email(report, order, organisation, pdf, key=f"work_report:{report.pk}:signed")
    except BaseException:
        for name in stored:  # nothing signed, no file left behind
            default_storage.delete(name)
        raise
    return Signed(report, sent_to)


def _file_name(order: WorkOrder, extension: str) -> str:
    return f"work-reports/{order.organisation_id}/{uuid.uuid4().hex}.{extension}"


def _supersede(scope: Scope, report: WorkReport) -> None:
    """The signed report this one corrects stops being in force."""
    if report.replaces_id is None:
        return
    old = _locked_report(scope, report.replaces_id)
    REPORT_TABLE.apply(old, "supersede", scope=scope, data={"by": report.pk, "version": report.version})


def _record_hours(scope: Scope, report: WorkReport, order: WorkOrder, organisation: Organisation) -> None:
    """The report's arrival → departure is a time entry of work on the work order (a correction moves the entry of
    the report it replaces); hour rules (overlaps, a day at most) refuse the signing, naming the report's fields."""
    person = scope.user.pk
    if scope.role in WORK_PLANNERS and order.technician_id:  # the office signs for the lead technician
        person = order.technician_id
    entry = None
    if report.replaces_id:
        entry = TimeEntry.objects.select_for_update().filter(report_id=report.replaces_id).first()
    try:
        hours.record_entry(
            organisation=organisation,
            user_id=entry.user_id if entry else person,
            starts_at=report.arrived_at,  # type: ignore[arg-type]
            ends_at=report.left_at,  # type: ignore[arg-type]
            kind=TimeKind.WORK,
            actor=scope.user,
            entry=entry,
            work_order_id=order.pk,
            ticket_id=order.ticket_id,
            report_id=report.pk,
            note=_("Work report %(number)s, version %(version)s") % {"number": order.number, "version": report.version},
        )
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        names = {"starts_at": "arrived_at", "ends_at": "left_at"}
        raise ValidationError({names.get(f, f): m for f, m in error.message_dict.items()}) from None


def _email(
    report: WorkReport, order: WorkOrder, organisation: Organisation, pdf: bytes, *, key: str, to: str = ""
) -> str:
    """Queue the PDF to the customer (in the outbox, in their language); the address, or "" when there is none."""
    address = to or recipient(order)
    if not address:
        return ""
    arrived = report.arrived_at or report.signed_at or timezone.now()
    send_email(
        KIND,
        key=key,
        to=address,
        language=report.language or organisation.language,
        organisation=organisation,
        context={
            "number": order.number,
            "version": report.version,
            "customer": order.customer.display_name if order.customer else "",
            "organisation": organisation.name,
            "day": timezone.localtime(arrived).date().isoformat(),
        },
        attachments=[Attachment(filename(report), pdf, PDF)],
    )
    return address


def filename(report: WorkReport) -> str:
    number = report.content.get("work_order", {}).get("number") or report.work_order_id
    return f"work-report-{number}-v{report.version}.pdf"


def pdf_of(report: WorkReport) -> bytes:
    """The PDF as signed (stored at signing: an issued document never changes)."""
    if not report.pdf:
        raise Conflict(_("A report has a PDF once it is signed."))
    with report.pdf.open("rb") as handle:
        data: bytes = handle.read()
    return data


# ---- Correcting, sending ---------------------------------------------------------------------------------------


def report_correct(*, scope: Scope, report_id: int) -> WorkReport:
    """A new draft version of a signed report, pointing to it and starting from what it says; the signed one stays
    in force until the correction is signed. Asked twice, the same correction answers."""
    REPORT_TABLE.require("correct", scope)
    with transitions.atomic():
        old = _locked_report(scope, report_id)
        order = _locked_order(scope, old.work_order_id)
        _on_order(order, scope)
        follow = WorkReport.objects.filter(replaces=old).first()
        if follow is not None and follow.status == R.DRAFT:
            return follow
        if old.status != R.SIGNED:
            raise Conflict(
                _("Only the signed report in force can be corrected (this one is “%(status)s”).")
                % {"status": old.get_status_display()}
            )
        if order.status == WorkOrderStatus.CANCELLED:
            raise Conflict(str(WORK_ORDER_TABLE.refusal) % {"status": order.get_status_display()})
        new = WorkReport(
            organisation_id=old.organisation_id,
            work_order=order,
            version=old.version + 1,
            replaces=old,
            created_by=scope.user,
            **{
                f: getattr(old, f)
                for f in ("arrived_at", "left_at", "work_done", "observations", "travel_minutes", "travel_km")
            },
            technician_name=old.technician_name,
        )
        REPORT_TABLE.create(new, "correct", scope=scope, data={"replaces": old.pk, "version": new.version})
        Expense.objects.bulk_create(
            [
                Expense(
                    organisation_id=e.organisation_id,
                    report=new,
                    kind=e.kind,
                    description=e.description,
                    amount=e.amount,
                )
                for e in old.expenses.order_by("pk")
            ]
        )
    return new


def report_send(*, scope: Scope, report_id: int, to: str = "") -> str:
    """E-mail the signed PDF to the customer again (or to ``to``); the address it goes to."""
    REPORT_TABLE.require("send", scope)
    address = (to or "").strip()
    if address:
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError({"to": _("Enter a valid e-mail address.")}) from None
    with transitions.atomic():
        report = _locked_report(scope, report_id)
        REPORT_TABLE.check(report, "send", scope)
        order = WorkOrder.objects.select_related("customer").get(pk=report.work_order_id)
        address = address or recipient(order)
        if not address:
            raise Conflict(
                _("The customer has no e-mail address: add one to the customer or a default contact, or type it.")
            )
        organisation = Organisation.objects.get(pk=report.organisation_id)
        step = REPORT_TABLE.apply(report, "send", scope=scope, reason=address, data={"to": address})
        assert step.event is not None
        _email(
            report, order, organisation, pdf_of(report), key=f"work_report:{report.pk}:send:{step.event.pk}", to=address
        )
    return address
