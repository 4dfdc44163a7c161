"""What the old checklist items, answers and photos leave behind once 0008 moved them: their group columns, the old
answers' table, the photos' item column."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("jobs", "0008_checklist_runs_data")]

    operations = [
        migrations.RemoveIndex(model_name="question", name="checkitem_lookup"),
        migrations.RemoveField(model_name="question", name="provider"),
        migrations.RemoveField(model_name="question", name="kind"),
        migrations.RemoveField(model_name="question", name="product"),
        migrations.AlterField(
            model_name="question",
            name="checklist",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="questions",
                to="jobs.checklist",
                verbose_name="checklist",
            ),
        ),
        migrations.DeleteModel(name="CheckAnswer"),
        migrations.RemoveField(model_name="runphoto", name="item"),
        migrations.AlterField(
            model_name="runphoto",
            name="run",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="photos",
                to="jobs.run",
                verbose_name="run",
            ),
        ),
        migrations.AlterModelOptions(
            name="question",
            options={"verbose_name": "checklist question", "verbose_name_plural": "checklist questions"},
        ),
        migrations.AlterModelOptions(
            name="runphoto",
            options={"verbose_name": "checklist photo", "verbose_name_plural": "checklist photos"},
        ),
        migrations.AddIndex(
            model_name="question", index=models.Index(fields=["checklist", "position"], name="question_order")
        ),
        migrations.AddIndex(model_name="runphoto", index=models.Index(fields=["run", "key"], name="runphoto_answer")),
        migrations.AddConstraint(
            model_name="answer", constraint=models.UniqueConstraint(fields=("run", "key"), name="answer_once")
        ),
        migrations.AddConstraint(
            model_name="run",
            constraint=models.UniqueConstraint(
                condition=models.Q(("job__isnull", False)), fields=("job", "checklist"), name="run_once_per_job"
            ),
        ),
        migrations.AddConstraint(
            model_name="checklist",
            constraint=models.UniqueConstraint(
                condition=models.Q(("product__isnull", False)),
                fields=("organisation", "kind", "product"),
                name="checklist_one_per_product",
            ),
        ),
        migrations.AddConstraint(
            model_name="checklist",
            constraint=models.UniqueConstraint(
                condition=models.Q(("product__isnull", True), models.Q(("kind", "work_order"), _negated=True)),
                fields=("organisation", "kind"),
                name="checklist_one_per_kind",
            ),
        ),
        migrations.AddConstraint(
            model_name="checklist",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "work_order")),
                fields=("organisation", "name"),
                name="checklist_work_order_name",
            ),
        ),
    ]
