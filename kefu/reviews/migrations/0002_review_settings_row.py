"""The one ReviewSettings row, created once here so that reading the settings (every
review page) never writes."""

from django.db import migrations


def create_row(apps, schema_editor):
    apps.get_model("reviews", "ReviewSettings").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("reviews", "0001_initial")]

    operations = [migrations.RunPython(create_row, migrations.RunPython.noop)]
