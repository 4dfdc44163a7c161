"""The interventions of the service desk become work orders: the same rows, renamed, before the planning fields
arrive (0006)."""

from django.db import migrations


# Why each finding of the rolling-upgrade check (tests/migration_check.py) is accepted here; read by the
# check, never imported by the product. "Stop-start upgrade": an upgrade across it stops every process first.
UPGRADE_EXCEPTIONS = {
    "RENAME_TABLE": (
        "Stop-start upgrade (written before rolling upgrades, docs/deploy.md): service_intervention becomes "
        "service_workorder: the previous version reads the old name and fails from the moment this runs."
    ),
}


class Migration(migrations.Migration):
    dependencies = [
        ("service", "0004_contact_found_by_address"),
    ]

    operations = [
        migrations.RenameModel("Intervention", "WorkOrder"),
    ]
