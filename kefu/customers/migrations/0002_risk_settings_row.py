from django.db import migrations


def create_row(apps, schema_editor):
    # The one settings row, with the defaults of kefu.customers.core.risk.Weights.
    apps.get_model("customers", "RiskSettings").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [migrations.RunPython(create_row, migrations.RunPython.noop)]
