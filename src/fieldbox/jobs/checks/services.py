"""Changes of checklists: the provider's items, the installer's answers, and completing a job."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldbox.accounts.choices import PROVIDER_ADMINS
from fieldbox.accounts.models import Organisation
from fieldbox.core import audit, transitions
from fieldbox.core.tenancy import Scope
from fieldbox.fleet.models import Product
from fieldbox.jobs import services
from fieldbox.jobs.checklist import NO, YES, items_of_job, missing_required
from fieldbox.jobs.choices import FILLING, JOB_TABLE, CheckType, JobKind, JobStatus, completing_move
from fieldbox.jobs.models import CheckAnswer, ChecklistItem, Job

MANAGERS = PROVIDER_ADMINS


def _clean_item(provider: Organisation, fields: dict[str, Any]) -> dict[str, Any]:
    label = str(fields.get("label") or "").strip()
    if not label:
        raise ValidationError({"label": _("Write the item as the installer should read it.")})
    if fields.get("kind") not in JobKind.values:
        raise ValidationError({"kind": _("Choose installation, removal or maintenance.")})
    if fields.get("type") not in CheckType.values:
        raise ValidationError({"type": _("Choose check, choice or photo.")})
    product_id = fields.get("product_id")
    if product_id is not None and not Product.objects.filter(pk=int(product_id), provider=provider).exists():
        raise ValidationError({"product": _("Choose one of your products, or none for every product.")})
    options = [str(o).strip()[:100] for o in fields.get("options") or [] if str(o).strip()]
    if fields["type"] == CheckType.CHOICE and len(set(options)) < 2:
        raise ValidationError({"options": _("List at least two options, one per line.")})
    return {
        "label": label[:200],
        "kind": fields["kind"],
        "type": fields["type"],
        "product_id": product_id,
        "options": list(dict.fromkeys(options)) if fields["type"] == CheckType.CHOICE else [],
        "required": bool(fields.get("required")),
    }


def _group(item: ChecklistItem) -> Any:
    product = {"product_id": item.product_id} if item.product_id else {"product__isnull": True}
    return ChecklistItem.objects.filter(
        provider_id=item.provider_id, kind=item.kind, removed_at__isnull=True, **product
    )


def item_save(*, scope: Scope, item_id: int | None = None, **fields: Any) -> ChecklistItem:
    """Add an item at the end of its list, or change one (its answers on past jobs keep their item)."""
    scope.require_role(*MANAGERS)
    provider = scope.organisation
    clean = _clean_item(provider, fields)
    with transaction.atomic():
        if item_id is None:
            item = ChecklistItem(provider=provider, **clean)
            last = _group(item).aggregate(last=Max("position"))["last"]
            item.position = 0 if last is None else last + 1
            item.save()
        else:
            item = ChecklistItem.objects.select_for_update().get(pk=item_id, provider=provider, removed_at__isnull=True)
            moved = (item.kind, item.product_id) != (clean["kind"], clean["product_id"])
            for name, value in clean.items():
                setattr(item, name, value)
            if moved:
                last = _group(item).exclude(pk=item.pk).aggregate(last=Max("position"))["last"]
                item.position = 0 if last is None else last + 1
            item.save()
        audit.record(actor=scope.user, organisation=provider, obj=item, action="checklist.item_save", data=clean)
    return item


def item_move(*, scope: Scope, item_id: int, up: bool) -> ChecklistItem:
    """Swap the item with its neighbour above (or below) in its list."""
    scope.require_role(*MANAGERS)
    with transaction.atomic():
        item = ChecklistItem.objects.select_for_update().get(
            pk=item_id, provider=scope.organisation, removed_at__isnull=True
        )
        siblings = list(_group(item).select_for_update().order_by("position", "pk"))
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
    """The item no longer shows on jobs; answers already given keep it."""
    scope.require_role(*MANAGERS)
    with transaction.atomic():
        item = ChecklistItem.objects.select_for_update().get(
            pk=item_id, provider=scope.organisation, removed_at__isnull=True
        )
        item.removed_at = timezone.now()
        item.save(update_fields=["removed_at"])
        audit.record(actor=scope.user, organisation=scope.organisation, obj=item, action="checklist.item_remove")


def checklist_defaults(provider: Organisation) -> list[ChecklistItem]:
    """A sensible installation checklist for a provider that has none yet (the demo, a first set-up)."""
    if ChecklistItem.objects.filter(provider=provider, removed_at__isnull=True).exists():
        return []
    leds = [_("off"), _("blinking green"), _("steady green"), _("red")]
    rows: list[ChecklistItem] = [
        ChecklistItem(provider=provider, position=0, label=_("Device fixed"), type=CheckType.CHECK),
        ChecklistItem(provider=provider, position=1, label=_("LED state"), type=CheckType.CHOICE, options=leds),
        ChecklistItem(provider=provider, position=2, label=_("Photo of the fitted device"), type=CheckType.PHOTO),
    ]
    for product in Product.objects.filter(provider=provider, emergency_button=True).order_by("pk"):
        label = _("Emergency button fitted and shown to the owner")
        rows.append(ChecklistItem(provider=provider, product=product, position=0, label=label))
    return ChecklistItem.objects.bulk_create(rows)


def _item_of(job: Job, item_id: int) -> ChecklistItem:
    item = items_of_job(job).filter(pk=item_id).first()
    if item is None:
        raise ValidationError({"item": _("This item is not on the checklist of this job.")})
    return item


def locked_for_filling(scope: Scope, job_id: int, item_id: int, action: str = "check") -> tuple[Job, ChecklistItem]:
    """The job, locked and checked for ``action`` (while its checklist may be filled in), and one of its items."""
    JOB_TABLE.require(action, scope)
    job = services.locked(scope, job_id)
    JOB_TABLE.check(job, action, scope)
    return job, _item_of(job, item_id)


def _value(item: ChecklistItem, value: str) -> str:
    value = value.strip()
    if item.type == CheckType.CHECK and value not in (YES, NO):
        raise ValidationError({"value": _("Answer yes or no.")})
    if item.type == CheckType.CHOICE and value and value not in item.options:
        raise ValidationError({"value": _("Choose one of: %(options)s.") % {"options": ", ".join(item.options)}})
    if item.type == CheckType.PHOTO:
        raise ValidationError({"value": _("Upload a photo for this item.")})
    return value


def check_answer(*, scope: Scope, job_id: int, item_id: int, value: str) -> CheckAnswer | None:
    """Record the installer's answer to one item (an empty choice clears it); audited."""
    with transitions.atomic():
        job, item = locked_for_filling(scope, job_id, item_id)
        value = _value(item, value)
        answer = None
        if value:
            answer, _created = CheckAnswer.objects.update_or_create(
                job=job,
                item=item,
                defaults={"value": value, "answered_by": scope.user, "answered_at": timezone.now()},
            )
        else:
            CheckAnswer.objects.filter(job=job, item=item).delete()
        JOB_TABLE.apply(job, "check", scope=scope, data={"item": item.label, "value": value})
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
