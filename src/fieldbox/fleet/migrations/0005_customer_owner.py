"""A customer belongs to any organisation (a provider's subscriber, or an installer company's own after-sales
customer): the owner's column is renamed, its rows kept as they are."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("fleet", "0004_covering_lookups")]

    operations = [
        migrations.RemoveIndex(model_name="customer", name="customer_name"),
        migrations.RenameField(model_name="customer", old_name="provider", new_name="organisation"),
    ]
