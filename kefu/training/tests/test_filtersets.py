"""One FilterSet per training list: the page and the API route of each list filter alike;
the API schemas mirror the FilterSets; a bad value is refused by the API (422 naming the
parameter) and shown, not applied, on the page."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import SHANGHAI, client_for
from kefu.accounts.models import Agent
from kefu.training import filtersets
from kefu.training.api.assignments import AssignmentQuery, RuleQuery
from kefu.training.api.courses import CourseQuery
from kefu.training.api.exams import ExamQuery, QuestionQuery
from kefu.training.api.practice import PracticeQuery, ScenarioQuery
from kefu.training.api.records import CertificateQuery, RecordQuery
from kefu.training.api.sessions import SessionQuery
from kefu.training.models import (
    Area,
    Assignment,
    AssignmentRule,
    Certificate,
    CertificationCycle,
    Course,
    Exam,
    Practice,
    Question,
    QuestionBank,
    Scenario,
    TrainingSession,
)

PAIRS = [
    (CourseQuery, filtersets.CourseFilterSet),
    (SessionQuery, filtersets.SessionFilterSet),
    (ExamQuery, filtersets.ExamFilterSet),
    (QuestionQuery, filtersets.QuestionFilterSet),
    (ScenarioQuery, filtersets.ScenarioFilterSet),
    (PracticeQuery, filtersets.PracticeFilterSet),
    (AssignmentQuery, filtersets.AssignmentFilterSet),
    (RuleQuery, filtersets.RuleFilterSet),
    (RecordQuery, filtersets.RecordFilterSet),
    (CertificateQuery, filtersets.CertificateFilterSet),
]


@pytest.mark.parametrize(("schema", "filterset"), PAIRS)
def test_it_documents_every_filter_in_the_api_schema(schema, filterset):
    paging = getattr(schema, "PAGING", frozenset())
    assert set(schema.model_fields) - paging == set(filterset.base_filters)


@pytest.fixture
def world(personas):
    """Two of everything, differing in what the filters ask."""
    basic, complaint = Area.objects.get(code="basic"), Area.objects.get(code="complaint")
    course = Course.objects.create(title="投诉处理进阶", kind="course", area=complaint)
    improvement = Course.objects.create(title="能力提升班", kind="improvement", area=basic)
    Course.objects.create(title="旧课程", kind="course", active=False)
    june = datetime(2024, 6, 12, 14, tzinfo=SHANGHAI)
    for i, (c, kind, status) in enumerate(
        [(course, "course", "planned"), (improvement, "improvement", "held"),
         (None, "case_review", "cancelled")]
    ):  # fmt: skip
        start = june + timedelta(days=i)
        TrainingSession.objects.create(
            title=f"场次{i}", course=c, kind=kind, status=status, starts_at=start,
            ends_at=start + timedelta(hours=1),
        )  # fmt: skip
    TrainingSession.objects.create(
        title="七月场次", course=course, starts_at=june + timedelta(days=30),
        ends_at=june + timedelta(days=30, hours=1),
    )  # fmt: skip
    bank = QuestionBank.objects.create(name="筛选题库")
    Question.objects.create(bank=bank, external_id="F1", kind="single", area=basic,
                            text="退货期限？", choices=["3", "7"], answer=[1])  # fmt: skip
    Question.objects.create(bank=bank, external_id="F2", kind="true_false", area=complaint,
                            text="可以推诿吗？", answer=[False], active=False)  # fmt: skip
    Exam.objects.create(title="认证", kind="certification", bank=bank, course=course,
                        published=True)  # fmt: skip
    Exam.objects.create(title="小测", kind="quiz", bank=bank, published=False)
    Scenario.objects.create(code="filter-a", title="甲", area=basic, graph={})
    Scenario.objects.create(code="filter-b", title="乙", area=complaint, graph={}, active=False)
    alice, bob = Agent.objects.get(external_id="A0007"), Agent.objects.get(external_id="A0102")
    now = timezone.now()
    a = Scenario.objects.get(code="filter-a")
    Practice.objects.create(scenario=a, agent=alice, status="finished", started_at=now)
    b = Scenario.objects.get(code="filter-b")
    Practice.objects.create(scenario=b, agent=bob, status="active", started_at=now)
    rule = AssignmentRule.objects.create(name="禁语", indicator="forbidden_phrase", course=course)
    AssignmentRule.objects.create(name="停用", indicator="x", course=improvement, active=False)
    Assignment.objects.create(agent=alice, course=course, rule=rule, source="rule",
                              assigned_at=now, due_at=now - timedelta(days=1))  # fmt: skip
    Assignment.objects.create(agent=bob, course=improvement, source="manual", assigned_at=now,
                              due_at=now + timedelta(days=7))  # fmt: skip
    cycle = CertificationCycle.objects.create(
        name="2024Q2", starts_on=date(2024, 4, 1), ends_on=date(2024, 6, 30)
    )
    Certificate.objects.create(cycle=cycle, agent=alice, total=90, passed=True)
    Certificate.objects.create(cycle=cycle, agent=bob, total=60, passed=False)
    Certificate.objects.create(cycle=cycle, agent=Agent.objects.get(external_id="A0001"))
    return {"course": course, "bank": bank, "rule": rule, "cycle": cycle, "alice": alice}


def _ids(rows) -> list[int]:
    return sorted(r.pk for r in rows)


def _cases(w):
    course, bank, rule, cycle = w["course"], w["bank"], w["rule"], w["cycle"]
    june = {"month": "2024-06"}
    return [
        # (who, page, page rows, API path, API extra, id in API rows, params, expect rows)
        ("tina", reverse("training:courses"), lambda c: c["courses"], "/training/courses", {},
         "id", [{}, {"kind": "improvement"}, {"area": "basic"}, {"active": "false"}]),
        ("tina", reverse("training:sessions"), lambda c: c["listed"], "/training/sessions",
         {"date_from": "2024-06-01", "date_to": "2024-06-30"}, "id",
         [june, june | {"kind": "improvement"}, june | {"status": "cancelled"},
          june | {"course": course.pk}]),
        ("tina", reverse("training:exams"), lambda c: [r["exam"] for r in c["rows"]],
         "/training/exams", {}, "id",
         [{}, {"kind": "certification"}, {"course": course.pk}, {"published": "false"}]),
        ("tina", reverse("training:bank", args=[bank.pk]), lambda c: c["questions"],
         f"/training/banks/{bank.pk}/questions", {}, "id",
         [{}, {"type": "single"}, {"area": "complaint"}, {"q": "退货"}, {"active": "false"}]),
        ("tina", reverse("training:practice"), lambda c: c["scenarios"], "/training/scenarios",
         {}, "code", [{"area": "basic"}, {"active": "false"}]),
        ("tina", reverse("training:practice_history"), lambda c: c["rows"],
         "/training/practices", {}, "id",
         [{}, {"agent": "A0007"}, {"status": "active"}, {"scenario": "filter-a"}]),
        ("tina", reverse("training:assignments"), lambda c: c["others"] + c["mine_open"],
         "/training/assignments", {}, "id",
         [{}, {"status": "overdue"}, {"agent": "A0102"}, {"rule": rule.pk}]),
        ("tina", reverse("training:rules"), lambda c: c["rules"], "/training/rules", {}, "id",
         [{}, {"active": "false"}, {"course": course.pk}]),
        ("mia", reverse("training:records"), lambda c: c["agents"], "/training/records", {},
         "id", [{}, {"q": "A01"}, {"team": "售后一组"}]),
        ("tina", reverse("training:cycle", args=[cycle.pk]), lambda c: c["certificates"],
         f"/training/certification/{cycle.pk}/results", {}, "agent",
         [{}, {"result": "passed"}, {"result": "failed"}, {"result": "incomplete"},
          {"team": "售前一组"}]),
    ]  # fmt: skip


def test_each_list_filters_alike_on_its_page_and_in_the_api(personas, world):
    for who, page_url, page_rows, api_path, extra, key, cases in _cases(world):
        client = client_for(getattr(personas, who))
        for params in cases:
            page = client.get(page_url, params)
            api = client.get(f"/api/v1{api_path}", {**params, **extra})
            assert page.status_code == api.status_code == 200, (page_url, params, api.content)
            rows = page_rows(page.context)
            if key == "code":
                on_page = sorted(r.code for r in rows)
            elif key == "agent":
                on_page = sorted(r.agent.external_id for r in rows)
            else:
                on_page = _ids(rows)
            assert on_page == sorted(r[key] for r in api.json()), (page_url, params)
            assert on_page, (page_url, params)  # each case keeps something …
            if params not in ({}, {"month": "2024-06"}):
                unfiltered = page_rows(client.get(page_url, extra and {"month": "2024-06"}).context)
                assert len(on_page) < len(unfiltered), (page_url, params)  # … not everything


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/training/courses", {"kind": "bogus"}, "query.kind"),
        ("/training/courses", {"area": "nowhere"}, "query.area"),
        ("/training/sessions", {"date_from": "2024-06-10", "date_to": "2024-06-01"},
         "query.date_to"),
        ("/training/sessions", {"course": "99999"}, "query.course"),
        ("/training/exams", {"course": "99999"}, "query.course"),
        ("/training/practices", {"scenario": "no-such-scenario"}, "query.scenario"),
        ("/training/assignments", {"rule": "99999"}, "query.rule"),
        ("/training/scenarios", {"active": "maybe"}, "query.active"),
    ],
)  # fmt: skip
def test_the_api_refuses_a_bad_filter_naming_it(personas, world, path, params, field):
    response = client_for(personas.tina).get(f"/api/v1{path}", params)
    assert response.status_code == 422, response.content
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_an_agent_out_of_scope_matches_nothing_in_the_api(personas, world):
    alice = client_for(personas.alice)
    assert alice.get("/api/v1/training/assignments", {"agent": "A0102"}).json() == []
    assert alice.get("/api/v1/training/practices", {"agent": "A0102"}).json() == []
    assert len(alice.get("/api/v1/training/assignments").json()) == 1


def test_a_page_shows_a_bad_filter_and_does_not_apply_it(personas, world):
    tina = client_for(personas.tina)
    page = tina.get(reverse("training:courses"), {"area": "nowhere", "kind": "improvement"})
    assert page.status_code == 200
    assert [c.title for c in page.context["courses"]] == ["能力提升班"]  # kind still applies
    assert "area" in page.context["filters"].errors
    assert "tr-filter-invalid" in page.content.decode()
    assignments = tina.get(reverse("training:assignments"), {"rule": "x" * 30})
    assert assignments.status_code == 200 and "rule" in assignments.context["filters"].errors
    assert len(assignments.context["others"]) == 2
    alice = client_for(personas.alice)
    history = alice.get(reverse("training:practice_history"), {"agent": "A0102"})
    assert history.status_code == 200 and "agent" in history.context["filters"].errors
    assert [p.agent.external_id for p in history.context["rows"]] == ["A0007"]
