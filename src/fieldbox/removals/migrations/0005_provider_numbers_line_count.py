"""A removal line names its requester (the tenancy and the counters need no join), a request gets its number when it
is saved ("#" and its id for those saved so far) and remembers how many lines its check kept; the jobs of removal
lines are marked so."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import Count, Max, OuterRef, Subquery


def backfill(apps, schema_editor):
    line_model = apps.get_model("removals", "RemovalLine")
    request_model = apps.get_model("removals", "RemovalRequest")
    draft_model = apps.get_model("removals", "RemovalDraftLine")
    job_model = apps.get_model("jobs", "Job")
    series_model = apps.get_model("core", "NumberSeries")
    provider = request_model.objects.filter(pk=OuterRef("request_id")).values("provider_id")[:1]
    line_model.objects.update(provider_id=Subquery(provider))
    job_model.objects.filter(pk__in=line_model.objects.filter(job__isnull=False).values("job_id")).update(
        in_removal_request=True
    )
    saved = request_model.objects.filter(state="saved")
    for pk in saved.values_list("pk", flat=True):
        request_model.objects.filter(pk=pk).update(number=f"#{pk}")
    for row in saved.values("provider_id").annotate(last=Max("id")):
        series_model.objects.update_or_create(
            key=f"removals.request:{row['provider_id']}", defaults={"last": row["last"]}
        )
    for row in draft_model.objects.values("request_id").annotate(n=Count("id")):
        request_model.objects.filter(pk=row["request_id"]).update(line_count=row["n"])


# Why each finding of the rolling-upgrade check (tests/migration_check.py) is accepted here; read by the
# check, never imported by the product. "Stop-start upgrade": an upgrade across it stops every process first.
UPGRADE_EXCEPTIONS = {
    "NOT_NULL": (
        "Stop-start upgrade (written before rolling upgrades, docs/deploy.md): "
        "removals_removalrequest.line_count and number have no database default, and "
        "removals_removalline.provider_id becomes NOT NULL (a scan under an exclusive lock); the previous "
        "version writes requests and lines without them."
    ),
    "CREATE_INDEX": (
        "Stop-start upgrade (written before rolling upgrades, docs/deploy.md): indexes on "
        "removals_removalline and removals_removalrequest built without CONCURRENTLY."
    ),
    "ADD_UNIQUE": (
        "Stop-start upgrade (written before rolling upgrades, docs/deploy.md): removal_request_number_once: "
        "the previous version saves requests without a number (allowed by the rule, '' is left out) but its "
        "index is built without CONCURRENTLY."
    ),
}


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_feed_columns_shared_audit"),
        ("fleet", "0003_device_status_since"),
        ("jobs", "0006_numbers_columns_one_open_job"),
        ("removals", "0004_draft_lines_as_written"),
        ("core", "0002_counters_numbers_shared_audit"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="removalline",
            name="provider",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.organisation",
                verbose_name="requester",
            ),
        ),
        migrations.AddField(
            model_name="removalrequest",
            name="line_count",
            field=models.PositiveIntegerField(default=0, verbose_name="lines"),
        ),
        migrations.AddField(
            model_name="removalrequest",
            name="number",
            field=models.CharField(blank=True, max_length=16, verbose_name="number"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="removalline",
            name="provider",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.organisation",
                verbose_name="requester",
            ),
        ),
        migrations.AddIndex(
            model_name="removalline",
            index=models.Index(fields=["provider", "status", "-id"], name="removal_line_provider"),
        ),
        migrations.AddConstraint(
            model_name="removalrequest",
            constraint=models.UniqueConstraint(
                condition=models.Q(("number", ""), _negated=True),
                fields=("provider", "number"),
                name="removal_request_number_once",
            ),
        ),
    ]
