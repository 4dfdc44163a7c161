"""Checklists become one mechanism: a checklist (a provider's for one kind of job and product, or an organisation's
for work orders) with its questions (more types: text, number with a unit and bounds, multiple choice), runs that
keep a copy of their questions, answers and photos per question key. The old items, answers and photos move over in
0008; 0009 drops what they leave behind."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

TYPES = [
    ("check", "Check (yes/no)"),
    ("text", "Text"),
    ("number", "Number"),
    ("choice", "Single choice"),
    ("multi", "Multiple choice"),
    ("photo", "Photo"),
]
KINDS = [
    ("installation", "Installation jobs"),
    ("removal", "Removal jobs"),
    ("maintenance", "Maintenance jobs"),
    ("work_order", "Work orders"),
]


# Why each finding of the rolling-upgrade check (tests/migration_check.py) is accepted here; read by the
# check, never imported by the product. "Stop-start upgrade": an upgrade across it stops every process first.
UPGRADE_EXCEPTIONS = {
    "RENAME_TABLE": (
        "Stop-start upgrade (written before rolling upgrades, docs/deploy.md): jobs_checklistitem becomes "
        "jobs_question and jobs_jobphoto becomes jobs_runphoto: the previous version reads the old names and "
        "fails from the moment this runs."
    ),
    "NOT_NULL": (
        "Stop-start upgrade (written before rolling upgrades, docs/deploy.md): jobs_question.unit and "
        "jobs_runphoto.key have no database default; the previous version writes checklist items and photos "
        "without them."
    ),
    "CREATE_INDEX": (
        "Stop-start upgrade (written before rolling upgrades, docs/deploy.md): indexes on the renamed "
        "jobs_question and jobs_runphoto (one row per checklist item, one per photo) built without "
        "CONCURRENTLY."
    ),
}


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_manual_completion"),
        ("fleet", "0002_registry"),
        ("jobs", "0006_numbers_columns_one_open_job"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Checklist",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "name",
                    models.CharField(
                        blank=True, help_text="Empty for a kind of job.", max_length=120, verbose_name="name"
                    ),
                ),
                (
                    "kind",
                    models.CharField(choices=KINDS, default="installation", max_length=16, verbose_name="for"),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="created on")),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.organisation",
                        verbose_name="organisation",
                    ),
                ),
                (
                    "product",
                    models.ForeignKey(
                        blank=True,
                        help_text="Empty: every product.",
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="fleet.product",
                        verbose_name="product",
                    ),
                ),
            ],
            options={"verbose_name": "checklist", "verbose_name_plural": "checklists"},
        ),
        migrations.RenameModel("ChecklistItem", "Question"),
        migrations.AddField(
            model_name="question",
            name="checklist",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="questions",
                to="jobs.checklist",
                verbose_name="checklist",
            ),
        ),
        migrations.AddField(
            model_name="question", name="unit", field=models.CharField(blank=True, max_length=20, verbose_name="unit")
        ),
        migrations.AddField(
            model_name="question",
            name="min_value",
            field=models.DecimalField(
                blank=True, decimal_places=4, max_digits=14, null=True, verbose_name="lowest value"
            ),
        ),
        migrations.AddField(
            model_name="question",
            name="max_value",
            field=models.DecimalField(
                blank=True, decimal_places=4, max_digits=14, null=True, verbose_name="highest value"
            ),
        ),
        migrations.AlterField(
            model_name="question",
            name="type",
            field=models.CharField(choices=TYPES, default="check", max_length=8, verbose_name="type"),
        ),
        migrations.CreateModel(
            name="Run",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("questions", models.JSONField(default=list, verbose_name="questions")),
                ("started_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="started on")),
                (
                    "checklist",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="jobs.checklist",
                        verbose_name="checklist",
                    ),
                ),
                (
                    "job",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="checklist_runs",
                        to="jobs.job",
                        verbose_name="job",
                    ),
                ),
                (
                    "started_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="started by",
                    ),
                ),
            ],
            options={"verbose_name": "checklist run", "verbose_name_plural": "checklist runs"},
        ),
        migrations.CreateModel(
            name="Answer",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(max_length=32, verbose_name="question")),
                ("value", models.JSONField(null=True, verbose_name="answer")),
                ("answered_at", models.DateTimeField(verbose_name="answered on")),
                (
                    "answered_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="answered by",
                    ),
                ),
                (
                    "run",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="answers",
                        to="jobs.run",
                        verbose_name="run",
                    ),
                ),
            ],
            options={"verbose_name": "checklist answer", "verbose_name_plural": "checklist answers"},
        ),
        migrations.RenameModel("JobPhoto", "RunPhoto"),
        migrations.AddField(
            model_name="runphoto",
            name="run",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="photos",
                to="jobs.run",
                verbose_name="run",
            ),
        ),
        migrations.AddField(
            model_name="runphoto",
            name="key",
            field=models.CharField(default="", max_length=32, verbose_name="question"),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="runphoto",
            name="job",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="photos",
                to="jobs.job",
                verbose_name="job",
            ),
        ),
    ]
