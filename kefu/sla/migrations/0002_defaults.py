"""Default business calendars, public holidays 2024–2026 and one policy per channel.

Targets from the seeds and common practice: chat and app first response 30 s and next
response 60 s (the QA indicators' thresholds before SLA policies); phone answered within
20 s (the 80/20 service level); e-mail first reply and next reply within 24 h.
"""

from django.db import migrations

from kefu.sla.core import holidays as holiday_core

ALWAYS = "全天候 24×7"
OFFICE = "工作日 09:00–18:00"
POLICIES = [
    # key, name, channel, first response, next response
    ("chat", "在线客服", "chat", 30.0, 60.0),
    ("app", "App 客服", "app", 30.0, 60.0),
    ("phone", "电话客服", "phone", 20.0, None),
    ("email", "邮件客服", "email", 24 * 3600.0, 24 * 3600.0),
]


def seed(apps, schema_editor):
    Holiday = apps.get_model("sla", "Holiday")
    BusinessCalendar = apps.get_model("sla", "BusinessCalendar")
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    for h in holiday_core.load():
        Holiday.objects.get_or_create(
            first=h.first,
            defaults={"name": h.name, "last": h.last, "workdays": [d.isoformat() for d in h.workdays]},
        )
    always, _ = BusinessCalendar.objects.get_or_create(
        name=ALWAYS,
        defaults={"weekly": ["24h"] * 7, "makeup_hours": "24h", "observes_holidays": False},
    )
    BusinessCalendar.objects.get_or_create(
        name=OFFICE,
        defaults={"weekly": ["09:00-18:00"] * 5 + ["", ""], "makeup_hours": "09:00-18:00"},
    )
    for key, name, channel, first, following in POLICIES:
        SlaPolicy.objects.get_or_create(
            key=key,
            version=1,
            defaults={
                "name": name,
                "channel": channel,
                "first_response_s": first,
                "next_response_s": following,
                "calendar": always,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
