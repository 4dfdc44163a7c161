"""An invoice line's database checks only its invoice key (organisation, work order and ticket unchecked, no index
on organisation); a billable's report and stock move keys lose their index. Dropping a constraint or an index is
quick and leaves the running version working. The billable's keys keep their constraint: their indexes are dropped
by hand, where Django would drop the constraint and add it again (reading every row to validate it)."""

import django.db.models.deletion
from django.db import migrations, models

BILLABLE_INDEXES = {
    "commerce_billable_move_id_95aeac3a": "move_id",
    "commerce_billable_report_id_126b387e": "report_id",
}


# Why each finding of the rolling-upgrade check (tests/migration_check.py) is accepted here; read by the
# check, never imported by the product. "Stop-start upgrade": an upgrade across it stops every process first.
UPGRADE_EXCEPTIONS = {
    "DROP_INDEX": (
        "The two indexes of commerce_billable (move_id, report_id) are read by no query of the previous "
        "version, which works the same without them; DROP INDEX takes the table's lock only for the catalog "
        "change (no scan). It waits behind running queries on the table, so run migrate outside an invoice "
        "run. The constraints stay; Django alone would have dropped and re-validated them."
    ),
}


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_customer_administration"),
        ("commerce", "0007_invoice_xml_lz4"),
        ("service", "0009_contracts_plans_verification"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="billable",
                    name="move",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="commerce.stockmove",
                    ),
                ),
                migrations.AlterField(
                    model_name="billable",
                    name="report",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="service.workreport",
                        verbose_name="work report",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    [f"DROP INDEX IF EXISTS {name}" for name in BILLABLE_INDEXES],
                    [
                        f"CREATE INDEX {name} ON commerce_billable ({column})"
                        for name, column in BILLABLE_INDEXES.items()
                    ],
                )
            ],
        ),
        migrations.AlterField(
            model_name="invoiceline",
            name="organisation",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.organisation",
            ),
        ),
        migrations.AlterField(
            model_name="invoiceline",
            name="ticket",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="service.ticket",
            ),
        ),
        migrations.AlterField(
            model_name="invoiceline",
            name="work_order",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="service.workorder",
            ),
        ),
    ]
