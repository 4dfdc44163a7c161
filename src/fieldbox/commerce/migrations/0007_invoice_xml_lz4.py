"""The invoices' XML (about 15 kB each, written a thousand at a time by a run) compressed with lz4 rather than
pglz on PostgreSQL: several times quicker to write, a little larger. A server built without lz4 keeps pglz. Only new
values are compressed so: the statement changes no row and takes its lock briefly."""

from django.db import migrations

LZ4 = """
DO $$
BEGIN
    ALTER TABLE commerce_invoice ALTER COLUMN xml SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'lz4 not available: the XML stays compressed with pglz';
END $$;
"""
PGLZ = "ALTER TABLE commerce_invoice ALTER COLUMN xml SET COMPRESSION pglz;"


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(LZ4)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PGLZ)


class Migration(migrations.Migration):
    dependencies = [("commerce", "0006_invoice_run_parts")]

    operations = [migrations.RunPython(forwards, backwards)]
