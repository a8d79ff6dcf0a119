from django.db import migrations


def create(apps, schema_editor):
    from kefu.interactions.search import create_index_table

    create_index_table(schema_editor)


def drop(apps, schema_editor):
    from kefu.interactions.search import drop_index_table

    drop_index_table(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("interactions", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
