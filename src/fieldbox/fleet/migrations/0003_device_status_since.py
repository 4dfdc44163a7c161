"""A device's "since" gets a column (it was the time of its last audited move)."""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import CharField, Max, OuterRef, Subquery
from django.db.models.functions import Cast, Coalesce


def since(apps, schema_editor):
    device_model = apps.get_model("fleet", "Device")
    audit_model = apps.get_model("core", "AuditEvent")
    last_move = (
        audit_model.objects.filter(object_type="fleet.device", object_id=Cast(OuterRef("pk"), CharField()))
        .values("object_id")
        .annotate(last=Max("at"))
        .values("last")
    )
    device_model.objects.update(status_since=Coalesce(Subquery(last_move[:1]), "created_at"))


# Why each finding of the rolling-upgrade check (tests/migration_check.py) is accepted here; read by the
# check, never imported by the product. "Stop-start upgrade": an upgrade across it stops every process first.
UPGRADE_EXCEPTIONS = {
    "NOT_NULL": (
        "Stop-start upgrade (written before rolling upgrades, docs/deploy.md): fleet_device.status_since has "
        "no database default; the previous version registers devices without it and would fail until it is "
        "stopped."
    ),
}


class Migration(migrations.Migration):
    dependencies = [
        ("fleet", "0002_registry"),
        ("core", "0002_counters_numbers_shared_audit"),
    ]

    operations = [
        migrations.AddField(
            model_name="device",
            name="status_since",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="in this status since"),
        ),
        migrations.RunPython(since, migrations.RunPython.noop),
    ]
