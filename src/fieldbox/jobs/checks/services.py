"""Changes of checklists: their questions (a provider's for its jobs, any organisation's for its work orders), the
installer's answers on a job, and completing a job."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldbox.accounts.choices import ADMIN_ROLES, PROVIDER_ADMINS
from fieldbox.accounts.models import Organisation
from fieldbox.core import audit, transitions
from fieldbox.core.tenancy import Scope
from fieldbox.fleet.models import Product
from fieldbox.jobs import runs, services
from fieldbox.jobs.checklist import checklist_of, missing_required
from fieldbox.jobs.choices import (
    FILLING,
    JOB_TABLE,
    WITH_OPTIONS,
    ChecklistKind,
    CheckType,
    JobKind,
    JobStatus,
    completing_move,
)
from fieldbox.jobs.models import Answer, Checklist, Job, Question, Run
from fieldbox.jobs.runs import Line

MANAGERS = ADMIN_ROLES  # a provider's admins for its jobs' checklists, any admin for work orders'
BOUND_FIELDS = {"min_value": "min", "max_value": "max"}


def _bound(fields: dict[str, Any], name: str) -> Decimal | None:
    raw = fields.get(name)
    if raw is None or str(raw).strip() == "":
        return None
    try:
        value = Decimal(str(raw).strip().replace(",", "."))
        if not value.is_finite() or abs(value) >= 10**10:
            raise InvalidOperation
    except InvalidOperation:
        raise ValidationError({name: _("Enter a number, such as 12.5.")}) from None
    return value.quantize(Decimal("0.0001"))


def _clean_number(fields: dict[str, Any]) -> dict[str, Any]:
    low, high = _bound(fields, "min_value"), _bound(fields, "max_value")
    if low is not None and high is not None and low > high:
        raise ValidationError({"max_value": _("The highest value must not be below the lowest one.")})
    unit = str(fields.get("unit") or "").strip()
    if len(unit) > 20:
        raise ValidationError({"unit": _("Keep the unit under 20 characters.")})
    return {"unit": unit, "min_value": low, "max_value": high}


def _clean_item(organisation: Organisation, fields: dict[str, Any]) -> dict[str, Any]:
    label = str(fields.get("label") or "").strip()
    if not label:
        raise ValidationError({"label": _("Write the item as the installer should read it.")})
    if fields.get("type") not in CheckType.values:
        raise ValidationError({"type": _("Choose one of the types of question.")})
    kind = fields.get("kind")
    if kind not in ChecklistKind.values or (kind != ChecklistKind.WORK_ORDER and not organisation.is_provider):
        raise ValidationError({"kind": _("Choose what the checklist is for.")})
    options = [str(o).strip()[:100] for o in fields.get("options") or [] if str(o).strip()]
    if fields["type"] in WITH_OPTIONS and len(set(options)) < 2:
        raise ValidationError({"options": _("List at least two options, one per line.")})
    number = _clean_number(fields) if fields["type"] == CheckType.NUMBER else {}
    return {
        "label": label[:200],
        "type": fields["type"],
        "options": list(dict.fromkeys(options)) if fields["type"] in WITH_OPTIONS else [],
        "required": bool(fields.get("required")),
        "unit": "",
        "min_value": None,
        "max_value": None,
        **number,
    }


def _checklist(organisation: Organisation, fields: dict[str, Any]) -> Checklist:
    """The checklist a question goes to: the job group's (made if needed), or the work-order checklist named."""
    kind = fields["kind"]
    if kind == ChecklistKind.WORK_ORDER:
        name = str(fields.get("checklist") or "").strip()[:120]
        if not name:
            raise ValidationError({"checklist": _('Name the checklist, such as "Boiler service".')})
        found, _made = Checklist.objects.get_or_create(organisation=organisation, kind=kind, name=name)
        return found
    product_id = fields.get("product_id")
    if product_id is not None and not Product.objects.filter(pk=int(product_id), provider=organisation).exists():
        raise ValidationError({"product": _("Choose one of your products, or none for every product.")})
    product_id = int(product_id) if product_id is not None else None
    group = Checklist.objects.of_job_group(organisation.pk, kind, product_id).first()
    return group or Checklist.objects.create(organisation=organisation, kind=kind, product_id=product_id)


def _live(checklist_id: int) -> Any:
    return Question.objects.filter(checklist_id=checklist_id, removed_at__isnull=True)


def _at_end(question: Question) -> None:
    last = _live(question.checklist_id).exclude(pk=question.pk).aggregate(last=Max("position"))["last"]
    question.position = 0 if last is None else last + 1


def question_save(*, scope: Scope, question_id: int | None = None, **fields: Any) -> Question:
    """Add a question at the end of its checklist, or change one. Runs already started keep their copy.

    ``fields``: label, type, options, required, unit, min_value, max_value (a number), and where it goes:
    ``kind`` (a kind of job with ``product_id``, or "work_order" with the ``checklist`` name)."""
    scope.require_role(*MANAGERS)
    organisation = scope.organisation
    if fields.get("kind") != ChecklistKind.WORK_ORDER:
        scope.require_role(*PROVIDER_ADMINS)
    clean = _clean_item(organisation, fields)
    with transaction.atomic():
        checklist = _checklist(organisation, fields)
        if question_id is None:
            question = Question(checklist=checklist, **clean)
            _at_end(question)
        else:
            question = Question.objects.select_for_update().get(
                pk=question_id, checklist__organisation=organisation, removed_at__isnull=True
            )
            moved = question.checklist_id != checklist.pk
            for name, value in clean.items():
                setattr(question, name, value)
            question.checklist = checklist
            if moved:
                _at_end(question)
        question.save()
        data = {**clean, "checklist": checklist.pk, **{k: str(clean[k]) for k in BOUND_FIELDS if clean[k] is not None}}
        audit.record(actor=scope.user, organisation=organisation, obj=question, action="checklist.item_save", data=data)
    return question


def item_save(*, scope: Scope, item_id: int | None = None, **fields: Any) -> Question:
    """``question_save`` under the former name."""
    return question_save(scope=scope, question_id=item_id, **fields)


def item_move(*, scope: Scope, item_id: int, up: bool) -> Question:
    """Swap the question with its neighbour above (or below) in its checklist."""
    scope.require_role(*MANAGERS)
    with transaction.atomic():
        item = Question.objects.select_for_update().get(
            pk=item_id, checklist__organisation=scope.organisation, removed_at__isnull=True
        )
        siblings = list(_live(item.checklist_id).select_for_update().order_by("position", "pk"))
        at = next(i for i, s in enumerate(siblings) if s.pk == item.pk)
        other = at - 1 if up else at + 1
        if 0 <= other < len(siblings):
            siblings[at], siblings[other] = siblings[other], siblings[at]
        for position, sibling in enumerate(siblings):
            if sibling.position != position:
                sibling.position = position
                sibling.save(update_fields=["position"])
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=item,
            action="checklist.item_move",
            data={"up": up},
        )
    return item


def item_remove(*, scope: Scope, item_id: int) -> None:
    """The question no longer shows on checklists not started yet; runs and answers already given keep it."""
    scope.require_role(*MANAGERS)
    with transaction.atomic():
        item = Question.objects.select_for_update().get(
            pk=item_id, checklist__organisation=scope.organisation, removed_at__isnull=True
        )
        item.removed_at = timezone.now()
        item.save(update_fields=["removed_at"])
        audit.record(actor=scope.user, organisation=scope.organisation, obj=item, action="checklist.item_remove")


def checklist_defaults(provider: Organisation) -> list[Question]:
    """A sensible installation checklist for a provider that has none yet (the demo, a first set-up)."""
    if Question.objects.filter(
        checklist__organisation=provider, removed_at__isnull=True, checklist__kind__in=JobKind.values
    ).exists():
        return []
    leds = [_("off"), _("blinking green"), _("steady green"), _("red")]
    every, _made = Checklist.objects.get_or_create(
        organisation=provider, kind=ChecklistKind.INSTALLATION, product=None, name=""
    )
    rows: list[Question] = [
        Question(checklist=every, position=0, label=_("Device fixed"), type=CheckType.CHECK),
        Question(checklist=every, position=1, label=_("LED state"), type=CheckType.CHOICE, options=leds),
        Question(checklist=every, position=2, label=_("Photo of the fitted device"), type=CheckType.PHOTO),
    ]
    for product in Product.objects.filter(provider=provider, emergency_button=True).order_by("pk"):
        label = _("Emergency button fitted and shown to the owner")
        group, _made = Checklist.objects.get_or_create(
            organisation=provider, kind=ChecklistKind.INSTALLATION, product=product
        )
        rows.append(Question(checklist=group, position=0, label=label))
    return Question.objects.bulk_create(rows)


def _line_of(job: Job, item_id: int) -> Line:
    line = next((x for x in checklist_of(job) if x.item.id == item_id), None)
    if line is None:
        raise ValidationError({"item": _("This item is not on the checklist of this job.")})
    return line


def locked_for_filling(scope: Scope, job_id: int, item_id: int, action: str = "check") -> tuple[Job, Line]:
    """The job, locked and checked for ``action`` (while its checklist may be filled in), and one of its lines."""
    JOB_TABLE.require(action, scope)
    job = services.locked(scope, job_id)
    JOB_TABLE.check(job, action, scope)
    return job, _line_of(job, item_id)


def run_of_line(job: Job, line: Line, scope: Scope) -> Run:
    """The job's run the line belongs to, started now (a copy of its checklist) if it was not yet."""
    if line.run is not None:
        return line.run
    return runs.run_start(Checklist.objects.get(pk=int(line.checklist_id or 0)), job=job, actor=scope.user)


def check_answer(*, scope: Scope, job_id: int, item_id: int, value: str | list[str]) -> Answer | None:
    """Record the installer's answer to one item (an empty one clears it); audited. Bad input changes nothing."""
    with transitions.atomic():
        job, line = locked_for_filling(scope, job_id, item_id)
        clean = runs.clean_value(line.item, value)
        run = run_of_line(job, line, scope)
        answer = runs.run_answer(run, key=line.item.key, value=clean if clean is not None else "", actor=scope.user)
        shown = clean if clean is not None else ""
        JOB_TABLE.apply(job, "check", scope=scope, data={"item": line.item.label, "value": shown})
        succeed_if_ready(job, scope)
    return answer


def succeed_if_ready(job: Job, scope: Scope) -> None:
    """The device already activated and this was the last required item: the job succeeds now."""
    if job.status == JobStatus.PAIRED and job.activated_at is not None and not missing_required(job):
        JOB_TABLE.hold(job)
        JOB_TABLE.apply(job, "activate", scope=scope, data={"checks": "complete"})


def _refuse_missing(job: Job) -> None:
    missing = missing_required(job)
    if missing:
        raise ValidationError(
            {"checklist": _("Complete the required items first: %(items)s.") % {"items": "; ".join(missing)}}
        )


def job_complete(*, scope: Scope, job_id: int) -> Job:
    """The installer ends the job: a job without a device once its required items are complete; a paired
    installation only after its activation, or without it when the provider allows manual completion."""
    with transitions.atomic():
        job = services.locked(scope, job_id)
        action = completing_move(job)
        JOB_TABLE.check(job, action, scope)
        if job.status in FILLING:
            _refuse_missing(job)
        JOB_TABLE.apply(job, action, scope=scope)
    return job
