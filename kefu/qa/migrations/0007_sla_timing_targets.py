"""The built-in timing indicators read the service-level policy (kefu.sla): a database
whose slow_first_response / slow_response_60s are still the shipped definitions gets the
new ones (`target: sla`; same ids). Definitions a user changed are left alone."""

from django.db import migrations

OLD = {
    "slow_first_response": {"first_response": {"over_s": 30}},
    "slow_response_60s": {"response_gap": {"over_s": 60, "skip_first": True}},
}
NEW = {
    "slow_first_response": (
        {"zh": "首次响应超过 SLA 目标", "en": "First response over its SLA target"},
        {"first_response": {"over_s": 30, "target": "sla"}},
    ),
    "slow_response_60s": (
        {"zh": "回复等待超过 SLA 目标", "en": "Reply wait over its SLA target"},
        {"response_gap": {"over_s": 60, "skip_first": True, "target": "sla"}},
    ),
}


def update(apps, schema_editor):
    Indicator = apps.get_model("qa", "Indicator")
    for indicator in Indicator.objects.filter(key__in=list(OLD), builtin=True):
        if indicator.definition.get("when") == OLD[indicator.key]:
            name, when = NEW[indicator.key]
            indicator.definition = indicator.definition | {"name": name, "when": when}
            indicator.save(update_fields=["definition", "updated_at"])


class Migration(migrations.Migration):
    dependencies = [("qa", "0006_mask_stored_evidence"), ("sla", "0002_defaults")]
    operations = [migrations.RunPython(update, migrations.RunPython.noop)]
