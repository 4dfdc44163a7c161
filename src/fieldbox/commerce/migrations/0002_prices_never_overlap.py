"""Two prices of one item on one list, or two rates of one type of work on one list, never cover the same day:
exclusion constraints on their validity (PostgreSQL; ``commerce.pricing`` checks the same on SQLite and says
which dates collide)."""

from django.db import migrations

EXCLUSIONS = (
    ("commerce_price", "price_not_overlapping", "price_list_id WITH =, item_id WITH ="),
    (
        "commerce_labourrate",
        "labourrate_not_overlapping",
        "price_list_id WITH =, COALESCE(work_type_id, 0) WITH =",
    ),
)


def exclude_overlaps(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    for table, name, keys in EXCLUSIONS:
        schema_editor.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {name} EXCLUDE USING gist "
            f"({keys}, daterange(valid_from, valid_to, '[]') WITH &&)"
        )


def allow_overlaps(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, name, _keys in EXCLUSIONS:
        schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("commerce", "0001_initial")]

    operations = [migrations.RunPython(exclude_overlaps, allow_overlaps)]
