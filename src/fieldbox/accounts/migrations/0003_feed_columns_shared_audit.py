"""The calendar feed's generation and its last change get columns (they were read from the audit log), and the
partnership events are shared with the other side of the partnership (``AuditEvent.shared_with``)."""

from django.db import migrations, models
from django.db.models import Max


def feed_columns(apps, schema_editor):
    """Addresses handed out so far stay valid: the generation is the id of the last "new address" event."""
    membership_model = apps.get_model("accounts", "Membership")
    audit_model = apps.get_model("core", "AuditEvent")
    renewals = (
        audit_model.objects.filter(object_type="accounts.membership", action="calendar.feed_renew")
        .values("object_id")
        .annotate(last=Max("id"), at=Max("at"))
    )
    for row in renewals:
        membership_model.objects.filter(pk=int(row["object_id"])).update(
            feed_generation=row["last"], feed_renewed_at=row["at"]
        )


def shared_partnership_events(apps, schema_editor):
    partnership_model = apps.get_model("accounts", "Partnership")
    audit_model = apps.get_model("core", "AuditEvent")
    sides = {p.pk: (p.provider_id, p.installer_id) for p in partnership_model.objects.all()}
    for event in audit_model.objects.filter(object_type="accounts.partnership").only("pk", "object_id", "organisation_id"):
        provider, installer = sides.get(int(event.object_id), (None, None))
        other = installer if event.organisation_id == provider else provider
        if other is not None:
            audit_model.objects.filter(pk=event.pk).update(shared_with_id=other)


# Why each finding of the rolling-upgrade check (tests/migration_check.py) is accepted here; read by the
# check, never imported by the product. "Stop-start upgrade": an upgrade across it stops every process first.
UPGRADE_EXCEPTIONS = {
    "NOT_NULL": (
        "Stop-start upgrade (written before rolling upgrades, docs/deploy.md): "
        "accounts_membership.feed_generation has no database default; the previous version adds members "
        "without it and would fail until it is stopped."
    ),
}


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_manual_completion"),
        ("core", "0002_counters_numbers_shared_audit"),
    ]

    operations = [
        migrations.AddField(
            model_name="membership",
            name="feed_generation",
            field=models.PositiveIntegerField(default=0, verbose_name="calendar feed generation"),
        ),
        migrations.AddField(
            model_name="membership",
            name="feed_renewed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="calendar feed address changed on"),
        ),
        migrations.RunPython(feed_columns, migrations.RunPython.noop),
        migrations.RunPython(shared_partnership_events, migrations.RunPython.noop),
    ]
