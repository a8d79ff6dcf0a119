"""The seeds' department targets and industry benchmark sets (editable afterwards)."""

from django.db import migrations

# Copied, not imported: a migration must keep meaning what it meant when written.
TARGETS = {
    "frt_mean_s": 30,
    "frt_over_30s_rate": 0.02,
    "fcr_rate": 0.85,
    "csat_satisfied_rate": 0.93,
    "nps": 58,
    "response_rate": 0.98,
}
BENCHMARKS = {
    "ecommerce": ("电商行业", {"frt_mean_s": 60, "fcr_rate": 0.90}),
    "finance": ("金融行业", {"qa_compliance_rate": 1.0, "complaint_rate": 0.005}),
    "healthcare": ("医疗行业", {"csat_satisfied_rate": 0.85, "information_accuracy_rate": 1.0}),
}


def create(apps, schema_editor):
    Target = apps.get_model("metrics", "Target")
    BenchmarkSet = apps.get_model("metrics", "BenchmarkSet")
    BenchmarkValue = apps.get_model("metrics", "BenchmarkValue")
    for key, value in TARGETS.items():
        Target.objects.get_or_create(key=key, team=None, tier="", defaults={"value": value})
    for slug, (name, values) in BENCHMARKS.items():
        benchmark, _ = BenchmarkSet.objects.get_or_create(slug=slug, defaults={"name": name})
        for key, value in values.items():
            BenchmarkValue.objects.get_or_create(benchmark=benchmark, key=key, defaults={"value": value})


class Migration(migrations.Migration):
    dependencies = [("metrics", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
