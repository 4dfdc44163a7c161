"""The old checklist items, answers and photos move to the new checklists (one way).

Each provider's items of one kind of job and one product (or any product) become the questions of one checklist,
keeping their ids (the key of a question is its id, so links and API item ids stay valid). Each job with answers or
photos gets one run per checklist it used, keeping a copy of that checklist's live questions; its answers and photos
join that run under the question's key.

One way: going back is refused once there are checklists (0009 dropped the old columns, and runs, answers of new
types and work-order checklists have no old form); a database without any goes back cleanly.
"""

from decimal import Decimal

from django.db import migrations
from django.db.migrations.exceptions import IrreversibleError
from django.db.models import CharField, F
from django.db.models.functions import Cast
from django.utils import timezone


def entry(q):
    bounds = {"min": q.min_value, "max": q.max_value}
    return {
        "key": str(q.pk),
        "id": q.pk,
        "label": q.label,
        "type": q.type,
        "options": list(q.options or []),
        "unit": q.unit,
        **{k: None if v is None else format(Decimal(str(v)).normalize(), "f") for k, v in bounds.items()},
        "required": q.required,
    }


def checklists(apps):
    """One checklist per provider, kind and product of the old items; returns {checklist id: [live entries]}."""
    question_model = apps.get_model("jobs", "Question")
    checklist_model = apps.get_model("jobs", "Checklist")
    groups = question_model.objects.values_list("provider_id", "kind", "product_id").distinct()
    snapshots = {}
    for provider_id, kind, product_id in groups:
        made = checklist_model.objects.create(organisation_id=provider_id, kind=kind, product_id=product_id)
        question_model.objects.filter(provider_id=provider_id, kind=kind, product_id=product_id).update(checklist=made)
        live = question_model.objects.filter(checklist=made, removed_at__isnull=True).order_by("position", "pk")
        snapshots[made.pk] = [entry(q) for q in live]
    return snapshots


def forward(apps, schema_editor):
    run_model = apps.get_model("jobs", "Run")
    answer_model = apps.get_model("jobs", "Answer")
    photo_model = apps.get_model("jobs", "RunPhoto")
    old_answers = apps.get_model("jobs", "CheckAnswer")
    snapshots = checklists(apps)
    used = set(old_answers.objects.values_list("job_id", "item__checklist_id").distinct())
    used |= set(photo_model.objects.values_list("job_id", "item__checklist_id").distinct())
    now = timezone.now()
    runs = run_model.objects.bulk_create(
        run_model(job_id=job_id, checklist_id=checklist_id, questions=snapshots[checklist_id], started_at=now)
        for job_id, checklist_id in sorted(used)
    )
    run_of = {(r.job_id, r.checklist_id): r.pk for r in runs}
    if not all(r.pk for r in runs):  # a database that returns no ids from a bulk insert
        run_of = {(r.job_id, r.checklist_id): r.pk for r in run_model.objects.all()}
    answer_model.objects.bulk_create(
        answer_model(
            run_id=run_of[(a.job_id, a.item.checklist_id)],
            key=str(a.item_id),
            value=a.value,
            answered_by_id=a.answered_by_id,
            answered_at=a.answered_at,
        )
        for a in old_answers.objects.select_related("item").iterator(chunk_size=2000)
    )
    for (job_id, checklist_id), run_id in run_of.items():
        photo_model.objects.filter(job_id=job_id, item__checklist_id=checklist_id).update(
            run_id=run_id, key=Cast(F("item_id"), CharField())
        )


def backward(apps, schema_editor):
    if apps.get_model("jobs", "Checklist").objects.exists() or apps.get_model("jobs", "Run").objects.exists():
        raise IrreversibleError("Checklists, runs and answers cannot go back to the old checklist items.")


class Migration(migrations.Migration):
    dependencies = [("jobs", "0007_checklist_runs")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
