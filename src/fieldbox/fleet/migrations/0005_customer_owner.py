"""A customer belongs to any organisation (a provider's subscriber, or an installer company's own after-sales
customer): the owner's column is renamed, its rows kept as they are."""

from django.db import migrations


# Why each finding of the rolling-upgrade check (tests/migration_check.py) is accepted here; read by the
# check, never imported by the product. "Stop-start upgrade": an upgrade across it stops every process first.
UPGRADE_EXCEPTIONS = {
    "RENAME_COLUMN": (
        "Stop-start upgrade (written before rolling upgrades, docs/deploy.md): fleet_customer.provider_id "
        "becomes organisation_id: the previous version reads provider_id and fails from the moment this runs."
    ),
    "DROP_INDEX": (
        "The customer_name index is dropped (a catalog change) and rebuilt on the renamed column by 0006."
    ),
}


class Migration(migrations.Migration):
    dependencies = [("fleet", "0004_covering_lookups")]

    operations = [
        migrations.RemoveIndex(model_name="customer", name="customer_name"),
        migrations.RenameField(model_name="customer", old_name="provider", new_name="organisation"),
    ]
