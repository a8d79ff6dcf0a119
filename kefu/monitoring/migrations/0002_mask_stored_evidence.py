"""Evidence is stored masked from now on (it may quote a message: phone numbers, the
customer's name); this masks what was stored before, in batches."""

from django.db import migrations


def mask_evidence(apps, schema_editor):
    from kefu.interactions.personal import mask_stored_evidence

    mask_stored_evidence(apps.get_model("monitoring", "Alert"), "conversation__customer__name")


class Migration(migrations.Migration):
    dependencies = [
        ('monitoring', '0001_initial'),
    ]

    operations = [migrations.RunPython(mask_evidence, migrations.RunPython.noop, elidable=True)]
