"""The counters of records by state (``core.Counter``) start from what the tables hold, as the transition tables of
this release count them (``fieldbox counters`` checks and repairs them at any time)."""

from django.db import migrations

# (key prefix, owner columns, table, condition): the ``Counted`` of each table when this migration was written.
COUNTED = (
    ("jobs.provider", ("provider_id",), "jobs_job", ""),
    ("jobs.company", ("company_id",), "jobs_job", "company_id IS NOT NULL AND in_removal_request = %s"),
    ("jobs.provider_company", ("provider_id", "company_id"), "jobs_job", "company_id IS NOT NULL"),
    ("devices.provider", ("provider_id",), "fleet_device", ""),
    ("devices.company", ("company_id",), "fleet_device", "company_id IS NOT NULL"),
    ("subscriptions.provider", ("provider_id",), "fleet_subscription", ""),
    ("removals.provider", ("provider_id",), "removals_removalline", ""),
    ("removals.company", ("company_id",), "removals_removalline", ""),
    ("removals.request", ("request_id",), "removals_removalline", ""),
)


def fill(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for prefix, owners, table, condition in COUNTED:
            key = " || ':' || ".join([f"'{prefix}'", *owners])
            where = f"WHERE {condition}" if condition else ""
            params = [False] if "%s" in condition else []
            cursor.execute(
                f"INSERT INTO core_counter (key, status, n) SELECT {key}, status, count(*) FROM {table} {where} "  # noqa: S608
                f"GROUP BY {', '.join(owners)}, status",
                params,
            )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_counters_numbers_shared_audit"),
        ("fleet", "0003_device_status_since"),
        ("jobs", "0006_numbers_columns_one_open_job"),
        ("removals", "0005_provider_numbers_line_count"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
