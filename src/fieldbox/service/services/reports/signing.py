"""A work report signed, corrected and sent: both signatures and names, the content frozen with its SHA-256, the
hours written, the work order done, the PDF e-mailed to the customer; a correction as a new version; the PDF again."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldbox.accounts.choices import WORK_PLANNERS
from fieldbox.accounts.models import Organisation
from fieldbox.core import money, transitions
from fieldbox.core.errors import Conflict
from fieldbox.core.tenancy import Scope
from fieldbox.jobs import runs
from fieldbox.messaging.outbox import Attachment
from fieldbox.messaging.services import send_email
from fieldbox.service import selectors_checklists as checklists
from fieldbox.service.choices import (
    REPORT_TABLE,
    WORK_ORDER_TABLE,
    TimeKind,
    WorkOrderStatus,
)
from fieldbox.service.models import Expense, TimeEntry, WorkOrder, WorkReport
from fieldbox.service.services import hours
from fieldbox.service.services.reports.drafts import (
    KIND,
    NAME_LIMIT,
    PDF,
    R,
    clean_signature,
    clean_text,
    language_of,
    locked_order,
    locked_report,
    recipient,
    report_for,
    report_materials,
    require_on_order,
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
            names[field] = " ".join(clean_text(value, field, limit=NAME_LIMIT).split())
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
            report = locked_report(scope, report_id)
            REPORT_TABLE.check(report, "sign", scope)
            order = locked_order(scope, report.work_order_id)
            require_on_order(order, scope)
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
    old = locked_report(scope, report.replaces_id)
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
        old = locked_report(scope, report_id)
        order = locked_order(scope, old.work_order_id)
        require_on_order(order, scope)
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
        report = locked_report(scope, report_id)
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
