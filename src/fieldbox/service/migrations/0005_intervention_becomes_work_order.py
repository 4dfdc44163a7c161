"""The interventions of the service desk become work orders: the same rows, renamed, before the planning fields
arrive (0006)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("service", "0004_contact_found_by_address"),
    ]

    operations = [
        migrations.RenameModel("Intervention", "WorkOrder"),
    ]
