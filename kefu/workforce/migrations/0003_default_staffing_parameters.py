"""Default staffing parameters per channel (AHT, answer-time target, service-level
target, concurrency; shrinkage and occupancy cap take the model's defaults), so that a
department whose data was imported, not made by `kefu demo`, gets a forecast and a
requirement at once. A channel that already has parameters is left alone, and so is a
database where a planner has set any (their choices, deletions included, stand)."""

from django.db import migrations


def create_defaults(apps, schema_editor):
    from kefu.workforce.defaults import PARAMETERS

    params = apps.get_model("workforce", "StaffingParameters")
    if params.objects.exists():
        return
    params.objects.bulk_create(
        params(channel=channel, aht_s=aht, target_s=target, sl_target=sl, concurrency=k)
        for channel, (aht, target, sl, k) in PARAMETERS.items()
    )


class Migration(migrations.Migration):
    dependencies = [("workforce", "0002_roster_build_and_agent_rules")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
