import io

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import translation

from kefu.audit.models import AuditLog
from kefu.sla import actions
from kefu.sla.models import BusinessCalendar, Holiday, SlaPolicy

pytestmark = pytest.mark.django_db


def test_saving_a_policy_stores_a_new_version_and_retires_the_old():
    # given the seeded chat policy (version 1)
    v1 = SlaPolicy.objects.get(key="chat", active=True)
    # when its first-response target changes
    v2 = actions.save_policy(
        "chat",
        {
            "name": "在线客服",
            "channel": "chat",
            "first_response_s": "45",
            "next_response_s": 60,
            "measure": "calendar",
            "calendar": v1.calendar,
        },
    )
    # then version 2 is the active one and version 1 is kept, retired
    v1.refresh_from_db()
    assert (v2.version, v2.active, v2.first_response_s) == (2, True, 45.0)
    assert (v1.version, v1.active, v1.first_response_s) == (1, False, 30.0)
    assert AuditLog.objects.filter(object_type="sla.policy", object_id="chat v2").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"channel": "fax"}, "channel"),
        ({"first_response_s": "-1"}, "between"),
        ({"first_response_s": "abc"}, "number"),
        ({"measure": "business", "calendar": None}, "calendar"),
        ({"name": " "}, "name"),
    ],
)
def test_it_validates_a_policy(change, message):
    data = {"name": "x", "channel": "chat", "first_response_s": 30, "measure": "calendar"}
    with translation.override("en"), pytest.raises(ValidationError, match=message):
        actions.save_policy("x", data | change)
    assert not SlaPolicy.objects.filter(key="x").exists()


def test_it_validates_calendar_hours():
    with translation.override("en"), pytest.raises(ValidationError, match="09-18"):
        actions.save_calendar(None, {"name": "c", "zone": "Asia/Shanghai", "weekly": ["09-18"] * 7})
    with translation.override("en"), pytest.raises(ValidationError, match="time zone"):
        actions.save_calendar(None, {"name": "c", "zone": "Mars/Base", "weekly": [""] * 7})
    saved = actions.save_calendar(
        None, {"name": "c", "zone": "America/New_York", "weekly": ["08:00-20:00"] * 7}
    )
    assert BusinessCalendar.objects.get(pk=saved.pk).weekly[0] == "08:00-20:00"


def test_holidays_round_trip_through_the_command():
    out = io.StringIO()
    call_command("sla_calendar", "export", stdout=out)
    exported = yaml.safe_load(out.getvalue())
    assert sorted(exported) == [2024, 2025, 2026]
    # importing a year replaces that year only
    actions.import_holidays({2027: [{"name": "元旦", "closed": ["2027-01-01", "2027-01-01"]}]})
    actions.import_holidays({2025: [{"name": "元旦", "closed": ["2025-01-01", "2025-01-01"]}]})
    assert Holiday.objects.filter(first__year=2025).count() == 1
    assert Holiday.objects.filter(first__year=2024).count() == 7
    assert Holiday.objects.filter(first__year=2027).count() == 1


def test_the_command_reports_a_bad_file(tmp_path):
    bad = tmp_path / "h.yaml"
    bad.write_text("2024:\n  - {name: x, closed: [2024-02-01]}\n", encoding="utf-8")
    with pytest.raises(CommandError, match="2024 #1"):
        call_command("sla_calendar", "import", str(bad))


def test_the_policies_command_lists_per_channel_targets():
    out = io.StringIO()
    call_command("sla_policies", stdout=out)
    import json

    rows = json.loads(out.getvalue())
    assert {r["channel"]: r["first_response_s"] for r in rows} == {
        "chat": 30.0,
        "app": 30.0,
        "phone": 20.0,
        "email": 86400.0,
    }
