"""KPI settings: a manager sets department, team and tier targets, edits benchmark sets
and records improvement actions; values are checked, every write is audited, and nobody
else can change anything."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kefu.accounts.models import Team
from kefu.audit.models import AuditAction, AuditLog
from kefu.metrics import actions
from kefu.metrics.core.catalogue import DEFAULT_TARGETS, FIGURES
from kefu.metrics.forms_settings import to_entered, to_stored
from kefu.metrics.models import BenchmarkSet, BenchmarkValue, ImprovementAction, Target
from kefu.metrics.selectors import targets

PAGE = reverse("metrics:settings")
SAVE_TARGET = reverse("metrics:settings_target_save")
ADD_SET = reverse("metrics:settings_benchmark_create")
ADD_ACTION = reverse("metrics:settings_improvement_add")


def english(client: Client) -> Client:
    """Messages are asserted in English (the language switch's cookie)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def login(persona) -> Client:
    client = english(Client())
    client.force_login(persona)
    return client


def team(name: str = "售后一组") -> Team:
    return Team.objects.get(name=name)


def department(key: str) -> Target:
    return Target.objects.get(key=key, team=None, tier="")


def settings_audits() -> list[AuditLog]:
    return list(AuditLog.objects.filter(action=AuditAction.CHANGE_SETTINGS).order_by("pk"))


def ecommerce() -> BenchmarkSet:
    return BenchmarkSet.objects.get(slug="ecommerce")


# --- the page ------------------------------------------------------------------------------


def test_the_page_lists_every_figure_with_the_seeded_department_targets(personas):
    response = login(personas.mia).get(PAGE)
    assert response.status_code == 200
    rows = {row["key"]: row for row in response.context["figure_rows"]}
    assert list(rows) == list(FIGURES)
    assert {k: department(k).value for k in DEFAULT_TARGETS} == DEFAULT_TARGETS
    # rates are shown as percentages, with the direction of the figure
    assert rows["fcr_rate"]["entered"] == "85"
    assert rows["fcr_rate"]["direction"] == "≥"
    assert rows["frt_over_30s_rate"]["entered"] == "2"
    assert rows["frt_over_30s_rate"]["direction"] == "≤"
    assert rows["frt_mean_s"]["entered"] == "30"
    assert rows["nps"]["entered"] == "58"
    assert rows["conversations"]["department"] is None
    html = response.content.decode()
    for name in ("电商行业", "金融行业", "医疗行业"):
        assert name in html
    assert 'name="value" value="85"' in html


def test_an_administrator_may_open_the_page_too(personas):
    assert login(personas.adam).get(PAGE).status_code == 200


def test_anonymous_users_are_sent_to_log_in(personas, client):
    before = department("fcr_rate").value
    for response in (
        client.get(PAGE),
        client.post(SAVE_TARGET, {"key": "fcr_rate", "value": "50"}),
        client.post(ADD_ACTION, {"on": "2024-05-01", "title": "x"}),
    ):
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    assert department("fcr_rate").value == before
    assert not ImprovementAction.objects.exists()


@pytest.mark.parametrize("persona", ["alice", "sam", "quinn", "tina", "olga"])
def test_only_managers_and_admins_may_see_or_change_settings(personas, persona):
    client = login(getattr(personas, persona))
    target = department("fcr_rate")
    benchmark = ecommerce()
    item = benchmark.values.get(key="fcr_rate")
    action = ImprovementAction.objects.create(on=date(2024, 5, 1), title="新话术上线")
    audits_before = len(settings_audits())

    page = client.get(PAGE)
    assert page.status_code == 403
    assert "403" in page.content.decode()  # the house 403 page
    writes = [
        (SAVE_TARGET, {"key": "fcr_rate", "value": "50"}),
        (SAVE_TARGET, {"key": "fcr_rate", "team": team().pk, "value": "50"}),
        (reverse("metrics:settings_target_delete", args=[target.pk]), {}),
        (ADD_SET, {"name": "自定义"}),
        (reverse("metrics:settings_benchmark_rename", args=[benchmark.pk]), {"name": "x"}),
        (reverse("metrics:settings_benchmark_delete", args=[benchmark.pk]), {}),
        (
            reverse("metrics:settings_benchmark_value_save", args=[benchmark.pk]),
            {"key": "fcr_rate", "value": "10"},
        ),
        (reverse("metrics:settings_benchmark_value_delete", args=[item.pk]), {}),
        (ADD_ACTION, {"on": "2024-05-01", "title": "x"}),
        (reverse("metrics:settings_improvement_delete", args=[action.pk]), {}),
    ]
    for url, data in writes:
        assert client.post(url, data).status_code == 403, url

    assert department("fcr_rate").value == 0.85
    assert Target.objects.count() == len(DEFAULT_TARGETS)
    assert ecommerce().name == "电商行业"
    assert BenchmarkSet.objects.count() == 3
    assert ecommerce().values.get(key="fcr_rate").value == 0.90
    assert list(ImprovementAction.objects.values_list("title", flat=True)) == ["新话术上线"]
    assert len(settings_audits()) == audits_before


# --- targets -------------------------------------------------------------------------------


def test_a_manager_changes_a_department_target_and_it_is_audited(personas):
    response = login(personas.mia).post(SAVE_TARGET, {"key": "fcr_rate", "value": "88"})
    assert response.status_code == 302
    assert response.url.startswith(PAGE)
    target = department("fcr_rate")
    assert target.value == pytest.approx(0.88)
    assert target.updated_by == personas.mia
    assert targets()["fcr_rate"] == pytest.approx(0.88)
    assert Target.objects.filter(key="fcr_rate").count() == 1  # changed, not duplicated
    (entry,) = settings_audits()
    assert (entry.actor, entry.object_type, entry.object_id) == (
        "mia",
        "kpi_target",
        str(target.pk),
    )
    assert entry.detail["key"] == "fcr_rate"
    assert entry.detail["old"] == 0.85
    assert entry.detail["new"] == pytest.approx(0.88)


def test_seconds_and_points_are_stored_as_typed(personas):
    client = login(personas.mia)
    client.post(SAVE_TARGET, {"key": "frt_mean_s", "value": "25.5"})
    client.post(SAVE_TARGET, {"key": "nps", "value": "-10"})
    client.post(SAVE_TARGET, {"key": "csat_mean", "value": "4.5"})
    assert department("frt_mean_s").value == 25.5
    assert department("nps").value == -10
    assert department("csat_mean").value == 4.5


def test_a_team_override_wins_for_that_team_only(personas):
    after_sales, pre_sales = team("售后一组"), team("售前一组")
    client = login(personas.mia)
    response = client.post(
        SAVE_TARGET, {"key": "fcr_rate", "team": after_sales.pk, "tier": "", "value": "90"}
    )
    assert response.status_code == 302
    override = Target.objects.get(key="fcr_rate", team=after_sales, tier="")
    assert override.value == pytest.approx(0.90)
    assert override.updated_by == personas.mia
    assert targets(after_sales.pk)["fcr_rate"] == pytest.approx(0.90)
    assert targets(pre_sales.pk)["fcr_rate"] == 0.85
    assert targets()["fcr_rate"] == 0.85
    # the team's other figures keep the department's targets
    assert targets(after_sales.pk)["nps"] == 58
    (entry,) = settings_audits()
    assert entry.detail["team"] == "售后一组"
    assert entry.detail["old"] is None
    # the page lists it
    page = client.get(PAGE)
    assert [o["target"].pk for o in page.context["overrides"]] == [override.pk]


def test_tier_and_team_tier_overrides_apply_most_specific_first(personas):
    after_sales = team()
    client = login(personas.mia)
    client.post(SAVE_TARGET, {"key": "frt_mean_s", "tier": "new", "value": "45"})
    client.post(SAVE_TARGET, {"key": "frt_mean_s", "team": after_sales.pk, "value": "25"})
    client.post(
        SAVE_TARGET,
        {"key": "frt_mean_s", "team": after_sales.pk, "tier": "senior", "value": "20"},
    )
    assert targets(None, "new")["frt_mean_s"] == 45
    assert targets(after_sales.pk, "regular")["frt_mean_s"] == 25
    assert targets(after_sales.pk, "senior")["frt_mean_s"] == 20
    assert targets(team("售前一组").pk, "regular")["frt_mean_s"] == 30
    assert len(settings_audits()) == 3


def test_saving_an_override_again_changes_it_and_deleting_it_restores_the_department(personas):
    after_sales = team()
    client = login(personas.mia)
    client.post(SAVE_TARGET, {"key": "nps", "team": after_sales.pk, "value": "60"})
    client.post(SAVE_TARGET, {"key": "nps", "team": after_sales.pk, "value": "65"})
    override = Target.objects.get(key="nps", team=after_sales)
    assert override.value == 65
    response = client.post(reverse("metrics:settings_target_delete", args=[override.pk]))
    assert response.status_code == 302
    assert not Target.objects.filter(key="nps", team=after_sales).exists()
    assert targets(after_sales.pk)["nps"] == 58
    last = settings_audits()[-1]
    assert last.detail["deleted"] is True
    assert last.detail["old"] == 65


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("fcr_rate", "120", "A rate is a percentage between 0 and 100."),
        ("frt_over_30s_rate", "-1", "A rate is a percentage between 0 and 100."),
        ("nps", "150", "NPS is between −100 and 100."),
        ("nps", "-101", "NPS is between −100 and 100."),
        ("csat_mean", "7", "A CSAT score is between 1 and 5."),
        ("csat_mean", "0.5", "A CSAT score is between 1 and 5."),
        ("frt_mean_s", "-5", "A time in seconds must be between 0 and"),
        ("fcr_rate", "abc", "Enter a number."),
        ("fcr_rate", "nan", "Enter a number."),
        ("no_such_figure", "10", "Select a valid choice."),
    ],
)
def test_invalid_targets_are_rejected_with_a_clear_message(personas, key, value, message):
    response = login(personas.mia).post(
        SAVE_TARGET, {"key": key, "team": team().pk, "value": value}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Target.objects.count() == len(DEFAULT_TARGETS)
    assert not settings_audits()


def test_an_unknown_tier_is_rejected(personas):
    response = login(personas.mia).post(
        SAVE_TARGET, {"key": "fcr_rate", "tier": "boss", "value": "90"}
    )
    assert response.status_code == 400
    assert Target.objects.count() == len(DEFAULT_TARGETS)


def test_the_actions_check_values_themselves(personas):
    with translation.override("en"), pytest.raises(ValidationError) as error:
        actions.set_target(key="fcr_rate", value=85, by=personas.mia)  # a percentage
    with translation.override("en"):  # the message is lazy: read it in English too
        assert "between 0 and 100" in " ".join(error.value.messages)
    with pytest.raises(ValidationError):
        actions.set_target(key="fcr_rate", value=0.9, tier="boss", by=personas.mia)
    with pytest.raises(ValidationError):
        actions.set_target(key="qa_compliance_rate", value=0.9, by=personas.mia)  # not ours
    assert department("fcr_rate").value == 0.85
    assert not settings_audits()


def test_percentages_convert_both_ways():
    assert to_stored("fcr_rate", 85) == 0.85
    assert to_stored("frt_mean_s", 30) == 30
    assert to_entered("frt_over_30s_rate", 0.02) == "2"
    assert to_entered("complaint_rate", 0.005) == "0.5"
    assert to_entered("csat_mean", 4.25) == "4.25"
    assert to_entered("nps", -0.0) == "0"


# --- benchmark sets ------------------------------------------------------------------------


def test_a_manager_edits_and_adds_benchmark_values(personas):
    client = login(personas.mia)
    benchmark = ecommerce()
    url = reverse("metrics:settings_benchmark_value_save", args=[benchmark.pk])
    assert client.post(url, {"key": "frt_mean_s", "value": "45"}).status_code == 302
    assert client.post(url, {"key": "csat_satisfied_rate", "value": "92.5"}).status_code == 302
    values = dict(benchmark.values.values_list("key", "value"))
    assert values == {"frt_mean_s": 45, "fcr_rate": 0.90, "csat_satisfied_rate": 0.925}
    audits = settings_audits()
    assert [a.object_type for a in audits] == ["benchmark_value", "benchmark_value"]
    assert audits[0].detail == {"set": "电商行业", "key": "frt_mean_s", "old": 60, "new": 45}
    # a figure measured elsewhere in Kefu may be a benchmark
    assert client.post(url, {"key": "qa_compliance_rate", "value": "99"}).status_code == 302
    assert benchmark.values.get(key="qa_compliance_rate").value == pytest.approx(0.99)


def test_a_bad_benchmark_value_is_rejected(personas):
    benchmark = ecommerce()
    url = reverse("metrics:settings_benchmark_value_save", args=[benchmark.pk])
    response = login(personas.mia).post(url, {"key": "fcr_rate", "value": "190"})
    assert response.status_code == 400
    assert "A rate is a percentage between 0 and 100." in response.content.decode()
    assert benchmark.values.get(key="fcr_rate").value == 0.90


def test_a_benchmark_value_is_deleted(personas):
    item = ecommerce().values.get(key="fcr_rate")
    url = reverse("metrics:settings_benchmark_value_delete", args=[item.pk])
    assert login(personas.mia).post(url).status_code == 302
    assert list(ecommerce().values.values_list("key", flat=True)) == ["frt_mean_s"]
    assert settings_audits()[-1].detail["deleted"] is True


def test_a_benchmark_set_is_added_renamed_and_deleted(personas):
    client = login(personas.mia)
    assert client.post(ADD_SET, {"name": "物流行业"}).status_code == 302
    created = BenchmarkSet.objects.get(name="物流行业")
    assert created.slug  # generated (a Chinese name has no ASCII slug)
    url = reverse("metrics:settings_benchmark_value_save", args=[created.pk])
    client.post(url, {"key": "response_rate", "value": "97"})
    rename = reverse("metrics:settings_benchmark_rename", args=[created.pk])
    assert client.post(rename, {"name": "物流快递行业"}).status_code == 302
    created.refresh_from_db()
    assert created.name == "物流快递行业"
    # a name already used is refused
    response = client.post(rename, {"name": "电商行业"})
    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    delete = reverse("metrics:settings_benchmark_delete", args=[created.pk])
    assert client.post(delete).status_code == 302
    assert not BenchmarkSet.objects.filter(pk=created.pk).exists()
    assert not BenchmarkValue.objects.filter(benchmark_id=created.pk).exists()
    kinds = [(a.object_type, sorted(a.detail)) for a in settings_audits()]
    assert kinds == [
        ("benchmark_set", ["created", "name"]),
        ("benchmark_value", ["key", "new", "old", "set"]),
        ("benchmark_set", ["name", "old"]),
        ("benchmark_set", ["deleted", "name", "values"]),
    ]


def test_an_empty_or_duplicate_set_name_is_refused(personas):
    client = login(personas.mia)
    assert client.post(ADD_SET, {"name": "  "}).status_code == 400
    assert client.post(ADD_SET, {"name": "金融行业"}).status_code == 400
    assert BenchmarkSet.objects.count() == 3


# --- improvement actions -------------------------------------------------------------------


def test_a_manager_adds_and_deletes_an_improvement_action(personas):
    client = login(personas.mia)
    response = client.post(
        ADD_ACTION,
        {"on": "2024-05-10", "title": "退款话术更新", "note": "新话术培训", "team": team().pk},
    )
    assert response.status_code == 302
    action = ImprovementAction.objects.get()
    assert (action.on, action.title, action.note, action.team) == (
        date(2024, 5, 10),
        "退款话术更新",
        "新话术培训",
        team(),
    )
    assert action.created_by == personas.mia
    page = client.get(PAGE)
    assert "退款话术更新" in page.content.decode()
    # a department-wide action (no team)
    client.post(ADD_ACTION, {"on": "2024-06-01", "title": "排班调整"})
    assert ImprovementAction.objects.get(title="排班调整").team is None

    delete = reverse("metrics:settings_improvement_delete", args=[action.pk])
    assert client.post(delete).status_code == 302
    assert list(ImprovementAction.objects.values_list("title", flat=True)) == ["排班调整"]
    audits = settings_audits()
    assert [a.object_type for a in audits] == ["improvement_action"] * 3
    assert audits[0].detail["title"] == "退款话术更新"
    assert audits[-1].detail["deleted"] is True


def test_an_improvement_action_needs_a_date_and_a_title(personas):
    client = login(personas.mia)
    assert client.post(ADD_ACTION, {"on": "", "title": "x"}).status_code == 400
    assert client.post(ADD_ACTION, {"on": "2024-05-10", "title": ""}).status_code == 400
    assert client.post(ADD_ACTION, {"on": "2024-13-45", "title": "x"}).status_code == 400
    assert not ImprovementAction.objects.exists()
    assert not settings_audits()


# --- admin ---------------------------------------------------------------------------------


def test_the_admin_lists_the_settings_and_checks_values(personas):
    root = User.objects.create_superuser("root", password="pw-root-123")
    client = english(Client())
    client.force_login(root)
    for url in (
        "/admin/metrics/target/",
        "/admin/metrics/benchmarkset/",
        "/admin/metrics/improvementaction/",
        f"/admin/metrics/benchmarkset/{ecommerce().pk}/change/",
    ):
        assert client.get(url).status_code == 200, url
    response = client.post(
        "/admin/metrics/target/add/", {"key": "fcr_rate", "team": team().pk, "value": "85"}
    )
    assert response.status_code == 200  # the form again: 85 is not a fraction
    assert "A rate is a percentage between 0 and 100." in response.content.decode()
    response = client.post(
        "/admin/metrics/target/add/", {"key": "fcr_rate", "team": team().pk, "value": "0.9"}
    )
    assert response.status_code == 302
    added = Target.objects.get(key="fcr_rate", team=team())
    assert added.updated_by == root
    # the department's target exists already (no team): a second one is refused
    response = client.post("/admin/metrics/target/add/", {"key": "fcr_rate", "value": "0.9"})
    assert response.status_code == 200
    assert Target.objects.filter(key="fcr_rate", team=None).count() == 1


def test_the_admin_is_closed_to_staff_without_the_permission(personas):
    personas.quinn.is_staff = True
    personas.quinn.save()
    client = Client()
    client.force_login(personas.quinn)
    assert client.get("/admin/metrics/target/").status_code == 403
