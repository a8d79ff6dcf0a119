"""The service-level settings page (/sla/settings/): a manager lists, adds, edits (a new
version, the old one retired) and retires policies, edits business calendars and imports
public holidays; bad input re-renders the page (400) with the error and nothing stored;
nobody without the KPI settings permission gets in."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kefu.audit.models import AuditAction, AuditLog
from kefu.sla.forms import MAX_UPLOAD_BYTES, target_text, to_entered
from kefu.sla.models import BusinessCalendar, Holiday, SlaPolicy

PAGE = reverse("sla_settings:page")
SAVE = reverse("sla_settings:policy_save")
RETIRE = reverse("sla_settings:policy_retire")
CALENDAR = reverse("sla_settings:calendar_save")
HOLIDAYS = reverse("sla_settings:holidays_upload")


def login(persona, lang: str = "en") -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    client.force_login(persona)
    return client


def policy_post(**overrides) -> dict:
    data = {
        "key": "email",
        "name": "邮件客服",
        "channel": "email",
        "segment": "",
        "category": "",
        "priority": "",
        "first_value": "12",
        "first_unit": "h",
        "next_value": "24",
        "next_unit": "h",
        "resolution_value": "",
        "resolution_unit": "h",
        "measure": "calendar",
        "calendar": "",
    }
    data.update(overrides)
    return data


def calendar_post(calendar: BusinessCalendar, **overrides) -> dict:
    data = {
        "calendar": str(calendar.pk),
        "name": calendar.name,
        "zone": calendar.zone,
        "makeup_hours": calendar.makeup_hours,
        "observes_holidays": "on" if calendar.observes_holidays else "",
        **{f"day{d}": calendar.weekly[d] for d in range(7)},
    }
    data.update(overrides)
    return data


def office() -> BusinessCalendar:
    return BusinessCalendar.objects.get(name="工作日 09:00–18:00")


# --- units --------------------------------------------------------------------------------
def test_targets_are_shown_in_the_largest_whole_unit():
    assert to_entered(86400.0) == ("24", "h")
    assert to_entered(120.0) == ("2", "min")
    assert to_entered(90.0) == ("90", "s")
    assert to_entered(None) == ("", "s")
    with translation.override("zh-hans"):
        assert target_text(30.0) == "30 秒"
        assert target_text(120.0) == "2 分钟"
        assert target_text(86400.0) == "24 小时"
        assert target_text(None) == "—"


# --- the page -----------------------------------------------------------------------------
def test_a_manager_sees_policies_calendars_and_holidays_in_chinese(personas):
    response = login(personas.mia, "zh-hans").get(PAGE)
    assert response.status_code == 200
    keys = [row["policy"].key for row in response.context["policies"]]
    assert sorted(keys) == ["app", "chat", "email", "phone"]
    text = response.content.decode()
    assert "服务水平" in text
    assert "24 小时" in text and "30 秒" in text
    assert "工作日 09:00–18:00" in text
    assert "春节" in text
    assert "kefu metrics_rebuild" in text


def test_the_kpi_settings_page_links_here(personas):
    text = login(personas.mia).get(reverse("metrics:settings")).content.decode()
    assert f'href="{PAGE}"' in text


def test_both_sla_urls_resolve(personas):
    client = login(personas.mia)
    assert client.get(PAGE).status_code == 200
    report = client.get(reverse("sla:report"))
    assert report.status_code == 200
    assert f'href="{PAGE}"' in report.content.decode()


def test_the_report_hides_the_link_from_those_who_may_not_change_settings(personas):
    report = login(personas.alice).get(reverse("sla:report"))
    assert report.status_code == 200
    assert f'href="{PAGE}"' not in report.content.decode()


@pytest.mark.parametrize("who", ["alice", "sam", "quinn", "tina"])
def test_others_get_403(personas, who):
    client = login(getattr(personas, who))
    assert client.get(PAGE).status_code == 403
    assert client.post(SAVE, policy_post()).status_code == 403
    assert SlaPolicy.objects.get(key="email", active=True).version == 1


def test_anonymous_is_sent_to_log_in(db):
    response = Client().get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- policies -----------------------------------------------------------------------------
def test_editing_a_policy_stores_a_new_version_and_retires_the_old(personas):
    client = login(personas.mia)
    response = client.post(SAVE, policy_post())
    assert response.status_code == 302
    assert response["Location"] == f"{PAGE}#policy-email"
    versions = SlaPolicy.objects.filter(key="email").order_by("version")
    assert [(p.version, p.active) for p in versions] == [(1, False), (2, True)]
    new = versions[1]
    assert new.first_response_s == 12 * 3600
    assert new.next_response_s == 24 * 3600
    assert new.resolution_s is None
    assert new.created_by == personas.mia
    assert AuditLog.objects.filter(
        action=AuditAction.CHANGE_SETTINGS, object_type="sla.policy", object_id="email v2"
    ).exists()
    page = client.get(PAGE)
    assert "Policy saved: 邮件客服, version 2." in page.content.decode()
    row = next(r for r in page.context["policies"] if r["policy"].key == "email")
    assert row["targets"][0] == "12 hours"
    assert [h["policy"].version for h in row["history"]] == [1]


def test_a_new_policy_with_criteria(personas):
    client = login(personas.mia)
    data = policy_post(
        key="vip-chat", name="VIP 在线", channel="chat", segment="vip", new="1",
        first_value="15", first_unit="s", next_value="1", next_unit="min",
        resolution_value="4", resolution_unit="h", measure="business",
        calendar=str(office().pk),
    )  # fmt: skip
    assert client.post(SAVE, data).status_code == 302
    policy = SlaPolicy.objects.get(key="vip-chat", active=True)
    assert (policy.version, policy.segment, policy.measure) == (1, "vip", "business")
    assert (policy.first_response_s, policy.next_response_s, policy.resolution_s) == (
        15, 60, 4 * 3600,
    )  # fmt: skip
    assert policy.calendar == office()


def test_a_policy_for_a_customer_tag(personas):
    client = login(personas.mia)
    data = policy_post(key="key-accounts", name="大客户在线", channel="chat", tag="大客户",
                       new="1", first_value="10", first_unit="s")  # fmt: skip
    assert client.post(SAVE, data).status_code == 302
    policy = SlaPolicy.objects.get(key="key-accounts", active=True)
    assert (policy.tag, policy.first_response_s) == ("大客户", 10)
    page = client.get(PAGE).content.decode()
    assert "Customer tag: 大客户" in page
    # a tag name longer than the field is refused with the form kept
    data["tag"] = "长" * 51
    data.pop("new")
    response = client.post(SAVE, data)
    assert response.status_code == 400


def test_a_new_policy_may_not_reuse_an_active_code(personas):
    response = login(personas.mia).post(SAVE, policy_post(new="1", key="chat"))
    assert response.status_code == 400
    assert "A policy with this code exists" in response.content.decode()
    assert SlaPolicy.objects.filter(key="chat").count() == 1


def test_a_bad_target_is_refused_with_the_message_and_the_input_kept(personas):
    client = login(personas.mia)
    response = client.post(SAVE, policy_post(first_value="-5", first_unit="s", name="改过的"))
    assert response.status_code == 400
    text = response.content.decode()
    assert "a target is between 1 second and 90 days" in text
    assert 'value="改过的"' in text  # what was typed stays in the form
    assert SlaPolicy.objects.get(key="email", active=True).version == 1
    # over 90 days and business time without a calendar: check_policy's errors too
    too_long = client.post(SAVE, policy_post(first_value="91", first_unit="h", next_value="2200"))
    assert too_long.status_code == 400
    no_calendar = client.post(SAVE, policy_post(measure="business", calendar=""))
    assert no_calendar.status_code == 400
    assert "Business time needs a business calendar." in no_calendar.content.decode()
    assert SlaPolicy.objects.filter(key="email").count() == 1


def test_editing_an_unknown_policy_is_404(personas):
    response = login(personas.mia).post(SAVE, policy_post(key="nope"))
    assert response.status_code == 404


def test_retiring_a_policy(personas):
    client = login(personas.mia)
    response = client.post(RETIRE, {"key": "phone"})
    assert response.status_code == 302
    assert not SlaPolicy.objects.filter(key="phone", active=True).exists()
    page = client.get(PAGE)
    assert "phone" not in [r["policy"].key for r in page.context["policies"]]
    assert [r["policy"].key for r in page.context["retired"]] == ["phone"]
    assert client.post(RETIRE, {"key": "phone"}).status_code == 404
    # a new policy with its code brings it back as the next version
    revived = policy_post(key="phone", new="1", channel="phone", name="电话客服")
    assert client.post(SAVE, revived).status_code == 302
    assert SlaPolicy.objects.get(key="phone", active=True).version == 2


# --- calendars ----------------------------------------------------------------------------
def test_editing_a_calendar(personas):
    client = login(personas.mia)
    data = calendar_post(office(), day5="10:00-16:00", makeup_hours="09:00-17:00")
    response = client.post(CALENDAR, data)
    assert response.status_code == 302
    calendar = office()
    assert calendar.weekly[5] == "10:00-16:00"
    assert calendar.makeup_hours == "09:00-17:00"
    assert calendar.observes_holidays


def test_a_calendar_with_bad_hours_is_refused(personas):
    client = login(personas.mia)
    response = client.post(CALENDAR, calendar_post(office(), day0="9 to 5"))
    assert response.status_code == 400
    assert "9 to 5" in response.content.decode()
    assert office().weekly[0] == "09:00-18:00"
    bad_zone = client.post(CALENDAR, calendar_post(office(), zone="Mars/Olympus"))
    assert bad_zone.status_code == 400
    assert "Unknown time zone: Mars/Olympus" in bad_zone.content.decode()


def test_a_new_calendar(personas):
    data = {
        "name": "客服夜班",
        "zone": "Asia/Shanghai",
        **{f"day{d}": "00:00-08:00" for d in range(7)},
        "makeup_hours": "",
    }
    assert login(personas.mia).post(CALENDAR, data).status_code == 302
    calendar = BusinessCalendar.objects.get(name="客服夜班")
    assert calendar.weekly == ["00:00-08:00"] * 7
    assert not calendar.observes_holidays


# --- holidays -----------------------------------------------------------------------------
def upload(text: str | bytes, name: str = "holidays.yaml") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode() if isinstance(text, str) else text)


def test_importing_holidays_replaces_the_years_listed(personas):
    before_2024 = Holiday.objects.filter(first__year=2024).count()
    text = "2026:\n  - {name: 国庆节, closed: [2026-10-01, 2026-10-08], workdays: [2026-10-10]}\n"
    response = login(personas.mia).post(HOLIDAYS, {"file": upload(text)})
    assert response.status_code == 302
    assert list(Holiday.objects.filter(first__year=2026).values_list("name", "last")) == [
        ("国庆节", date(2026, 10, 8))
    ]
    assert Holiday.objects.filter(first__year=2024).count() == before_2024
    assert AuditLog.objects.filter(action=AuditAction.IMPORT, object_type="sla.holidays").exists()


def test_importing_json(personas):
    data = {"2027": [{"name": "元旦", "closed": ["2027-01-01", "2027-01-01"]}]}
    response = login(personas.mia).post(HOLIDAYS, {"file": upload(json.dumps(data), "h.json")})
    assert response.status_code == 302
    assert Holiday.objects.filter(first=date(2027, 1, 1), name="元旦").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "2026:\n  - {name: 国庆节, closed: [2026-10-01]}\n",
            "2026 #1: closed must be [first, last]",
        ),
        ("2026: [", "not valid YAML or JSON"),
        ("# nothing yet\n", "lists no holidays"),
        ("", "The submitted file is empty"),
        (b"\xff\xfe\x00", "not UTF-8"),
    ],
)
def test_a_bad_holidays_file_imports_nothing(personas, text, message):
    before = list(Holiday.objects.values_list("name", "first"))
    response = login(personas.mia).post(HOLIDAYS, {"file": upload(text)})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert list(Holiday.objects.values_list("name", "first")) == before


def test_a_holidays_file_over_1_mb_is_refused(personas):
    big = "# " + "x" * MAX_UPLOAD_BYTES + "\n"
    response = login(personas.mia).post(HOLIDAYS, {"file": upload(big)})
    assert response.status_code == 400
    assert "larger than 1 MB" in response.content.decode()
