"""The settings row and the seeds' knowledge areas (trainers add more)."""

from django.db import migrations

AREAS = [
    ("basic", "基础咨询", "knowledge"),
    ("complaint", "投诉处理", "knowledge"),
    ("coordination", "跨部门协调", "knowledge"),
    ("product", "产品知识", "knowledge"),
    ("communication", "沟通技巧", "communication"),
    ("analysis", "问题分析", "problem"),
]


def forwards(apps, schema_editor):
    apps.get_model("training", "TrainingSettings").objects.get_or_create(pk=1)
    Area = apps.get_model("training", "Area")
    for code, name, component in AREAS:
        Area.objects.get_or_create(code=code, defaults={"name": name, "component": component})


class Migration(migrations.Migration):
    dependencies = [("training", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
