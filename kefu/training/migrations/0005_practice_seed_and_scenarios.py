"""Practices keep their seed and the scenario's definition; the 20 shipped practice
scenarios are loaded (later changes of the files: `kefu training load_scenarios`)."""

from django.db import migrations, models


def load_scenarios(apps, schema_editor):
    from kefu.training.actions.practice import sync_builtin_scenarios

    sync_builtin_scenarios(apps.get_model("training", "Scenario"), apps.get_model("training", "Area"))


class Migration(migrations.Migration):

    dependencies = [
        ("training", "0004_courses_tracks"),
    ]

    operations = [
        migrations.AddField(
            model_name="practice",
            name="graph",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="practice",
            name="seed",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(load_scenarios, migrations.RunPython.noop),
    ]
