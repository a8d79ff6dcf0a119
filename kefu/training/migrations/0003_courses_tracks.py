"""The seeds' tracks (new hires, seniors, everyone) and the courses they name."""

from django.db import migrations


def forwards(apps, schema_editor):
    from kefu.training.catalogue import ensure_tracks

    ensure_tracks(apps)


class Migration(migrations.Migration):
    dependencies = [("training", "0002_areas_and_settings")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
