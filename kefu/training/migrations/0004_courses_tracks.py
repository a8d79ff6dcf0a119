"""The seeds' tracks (new hires, seniors, everyone) and the courses they name."""

from django.db import migrations


def forwards(apps, schema_editor):
    from kefu.training.catalogue import ensure_tracks

    ensure_tracks(apps)


class Migration(migrations.Migration):
    dependencies = [("training", "0003_certification_retest_and_sections")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
