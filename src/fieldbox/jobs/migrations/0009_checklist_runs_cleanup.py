"""What the old checklist items, answers and photos leave behind once 0008 moved them: their group columns, the old
answers' table, the photos' item column."""

import django.db.models.deletion
from django.db import migrations, models


# Why each finding of the rolling-upgrade check (tests/migration_check.py) is accepted here; read by the
# check, never imported by the product. "Stop-start upgrade": an upgrade across it stops every process first.
UPGRADE_EXCEPTIONS = {
    "DROP_COLUMN": (
        "Stop-start upgrade (written before rolling upgrades, docs/deploy.md): drops the group columns of "
        "jobs_question and jobs_runphoto.item_id, which the version before 0007 reads; the version of 0007 "
        "and 0008 (same release) no longer does."
    ),
    "DROP_TABLE": (
        "Stop-start upgrade (written before rolling upgrades, docs/deploy.md): drops jobs_checkanswer, moved "
        "by 0008; read only by the version before 0007."
    ),
    "NOT_NULL": (
        "Stop-start upgrade (written before rolling upgrades, docs/deploy.md): SET NOT NULL on "
        "jobs_question.checklist_id and jobs_runphoto.run_id reads both tables under an exclusive lock; 0008 "
        "filled them."
    ),
    "CREATE_INDEX": (
        "Stop-start upgrade (written before rolling upgrades, docs/deploy.md): indexes on jobs_question, "
        "jobs_runphoto, jobs_run and jobs_checklist built without CONCURRENTLY."
    ),
    "ADD_UNIQUE": (
        "Stop-start upgrade (written before rolling upgrades, docs/deploy.md): answer_once, run_once_per_job "
        "and the checklist rules are new; the previous version does not keep them."
    ),
    "DROP_INDEX": (
        "checkitem_lookup is dropped with the columns it covered (a catalog change)."
    ),
}


class Migration(migrations.Migration):
    dependencies = [("jobs", "0008_checklist_runs_data")]

    operations = [
        migrations.RemoveIndex(model_name="question", name="checkitem_lookup"),
        migrations.RemoveField(model_name="question", name="provider"),
        migrations.RemoveField(model_name="question", name="kind"),
        migrations.RemoveField(model_name="question", name="product"),
        migrations.AlterField(
            model_name="question",
            name="checklist",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="questions",
                to="jobs.checklist",
                verbose_name="checklist",
            ),
        ),
        migrations.DeleteModel(name="CheckAnswer"),
        migrations.RemoveField(model_name="runphoto", name="item"),
        migrations.AlterField(
            model_name="runphoto",
            name="run",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="photos",
                to="jobs.run",
                verbose_name="run",
            ),
        ),
        migrations.AlterModelOptions(
            name="question",
            options={"verbose_name": "checklist question", "verbose_name_plural": "checklist questions"},
        ),
        migrations.AlterModelOptions(
            name="runphoto",
            options={"verbose_name": "checklist photo", "verbose_name_plural": "checklist photos"},
        ),
        migrations.AddIndex(
            model_name="question", index=models.Index(fields=["checklist", "position"], name="question_order")
        ),
        migrations.AddIndex(model_name="runphoto", index=models.Index(fields=["run", "key"], name="runphoto_answer")),
        migrations.AddConstraint(
            model_name="answer", constraint=models.UniqueConstraint(fields=("run", "key"), name="answer_once")
        ),
        migrations.AddConstraint(
            model_name="run",
            constraint=models.UniqueConstraint(
                condition=models.Q(("job__isnull", False)), fields=("job", "checklist"), name="run_once_per_job"
            ),
        ),
        migrations.AddConstraint(
            model_name="checklist",
            constraint=models.UniqueConstraint(
                condition=models.Q(("product__isnull", False)),
                fields=("organisation", "kind", "product"),
                name="checklist_one_per_product",
            ),
        ),
        migrations.AddConstraint(
            model_name="checklist",
            constraint=models.UniqueConstraint(
                condition=models.Q(("product__isnull", True), models.Q(("kind", "work_order"), _negated=True)),
                fields=("organisation", "kind"),
                name="checklist_one_per_kind",
            ),
        ),
        migrations.AddConstraint(
            model_name="checklist",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "work_order")),
                fields=("organisation", "name"),
                name="checklist_work_order_name",
            ),
        ),
    ]
