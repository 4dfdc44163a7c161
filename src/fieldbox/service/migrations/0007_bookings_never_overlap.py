"""A person or a resource is in one place at a time, and a person's time entries never overlap: exclusion
constraints on the time ranges (PostgreSQL; the planning and hours services check the same on SQLite). The work
orders that were interventions of a call take the call's customer."""

from django.db import migrations

EXCLUSIONS = (
    ("service_booking", "booking_person_not_twice", "user_id", "busy AND user_id IS NOT NULL"),
    ("service_booking", "booking_resource_not_twice", "resource_id", "busy AND resource_id IS NOT NULL"),
    ("service_timeentry", "timeentry_not_overlapping", "user_id", "true"),
)


def exclude_overlaps(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    for table, name, column, condition in EXCLUSIONS:
        schema_editor.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {name} EXCLUDE USING gist "
            f"({column} WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) WHERE ({condition})"
        )


def allow_overlaps(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, name, _column, _condition in EXCLUSIONS:
        schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}")


def customers_from_calls(apps, schema_editor):
    WorkOrder = apps.get_model("service", "WorkOrder")
    Ticket = apps.get_model("service", "Ticket")
    for ticket_id, customer_id in Ticket.objects.filter(
        interventions__isnull=False, customer__isnull=False
    ).values_list("pk", "customer_id").distinct():
        WorkOrder.objects.filter(ticket_id=ticket_id, customer__isnull=True).update(customer_id=customer_id)


def audit_names(apps, schema_editor):
    """The history of an intervention reads as a work order's: its actions and its object type follow the model."""
    AuditEvent = apps.get_model("core", "AuditEvent")
    for old in ("create", "by_phone", "cancel"):
        AuditEvent.objects.filter(action=f"intervention.{old}").update(action=f"work_order.{old}")
    AuditEvent.objects.filter(object_type="service.intervention").update(object_type="service.workorder")


class Migration(migrations.Migration):
    dependencies = [
        ("service", "0006_work_orders"),
        ("core", "0003_counter_shards"),
    ]

    operations = [
        migrations.RunPython(exclude_overlaps, allow_overlaps),
        migrations.RunPython(customers_from_calls, migrations.RunPython.noop),
        migrations.RunPython(audit_names, migrations.RunPython.noop),
    ]
