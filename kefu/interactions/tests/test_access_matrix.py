"""Who gets what: every URL pattern and every API route × every role → HTTP status.

The routes come from the URL resolver and the OpenAPI schema, so a new route without a
row in MATRIX fails `test_it_has_a_row_for_every_route`. A route that needs an object id
is filled from FILL (which fixture object); a route whose object belongs to an agent is
asked twice, with alice's object (own for alice, same team for sam, other team for bob)
and with bob's. GET is sent; a POST-only page (405 on GET) is sent an empty POST, the API
its OpenAPI method with an empty JSON body. Each request runs in a rolled-back savepoint.

Cells: 200/302/403/404/405/422… as answered; 302 for anonymous = sent to log in,
401 for the anonymous API, 404 = outside the user's scope (existence not revealed).
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from http.cookies import SimpleCookie

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from conftest import SHANGHAI, build_personas, import_native, native_conversation
from kefu.interactions.tests.access_matrix_table import MATRIX  # the expected table

ROLES = ("anonymous", "alice", "bob", "sam", "quinn", "tina", "mia", "adam", "olga")
PER_AGENT = ("alice", "bob")  # the two owners of per-agent objects


# --- routes ---------------------------------------------------------------------------------
def _walk(resolver: URLResolver, prefix: str = ""):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def web_routes() -> list[str]:
    """Every URL pattern but the API's (those come from the schema, with their method)."""
    return sorted({r for r in _walk(get_resolver()) if not r.startswith("api/v1/")})


def api_routes() -> list[str]:
    from kefu.api import api

    paths = api.get_openapi_schema()["paths"]
    return sorted(f"{m.upper()} {path}" for path, ops in paths.items() for m in ops)


def all_routes() -> list[str]:
    return web_routes() + api_routes()


# --- which object fills a parameter -------------------------------------------------------
# (route regex, parameter) → a key of the `world` fixture; a key with ":alice"/":bob"
# variants there makes the route asked once per owner.
FILL: list[tuple[str, str, str]] = [
    # performance: fairness (its own quarter with reviews)
    (r"^performance/(calibration|fairness)/", "cycle_id", "performance_cycle"),
    # performance: cycles (names shared with other apps: matched by path first)
    (r"^performance/", "cycle_id", "perf_cycle"),
    (r"^performance/", "template_id", "perf_template"),
    (r"^performance/", "key", "perf_figure"),
    # performance: methods (before the other apps' cycle_id and plan_id)
    (r"^performance/", "plan_id", "perf_plan"),
    (r"^performance/", "rating_id", "perf_rating"),
    (r"^performance/", "scale_id", "perf_scale"),
    (r"^performance/", "slot", "perf_slot"),
    (r"^performance/", "feedback_id", "perf_feedback"),
    (r"^performance/", "interview_id", "perf_interview"),
    (r"^improvement/", "project_id", "improvement_project"),
    # improvement: analyses (pages under analyses/, API routes without)
    (r"^improvement/(analyses/)?five-why", "analysis_id", "improvement_fivewhy"),
    (r"^improvement/(analyses/)?fishbone", "analysis_id", "improvement_fishbone"),
    (r"^improvement/(analyses/)?retrospectives", "analysis_id", "improvement_retrospective"),
    # knowledge: a published article, a request for a new article
    (r"knowledge/", "article_id", "knowledge_article"),
    (r"knowledge/", "request_id", "knowledge_request"),
    (r"knowledge/", "attachment_id", "knowledge_attachment"),  # knowledge: files
    # qa: false-positive feedback (a rule's hit on a conversation; a report to decide)
    (r"^qa/", "indicator", "qa_indicator"),
    (r"^qa/", "feedback_id", "missing"),
    (r"^customers/", "external_id", "customer"),
    # people and access: a user (bob's log-in) and an API token
    (r"^people/", "user_id", "people_user"),
    (r"^people/", "token_id", "people_token"),
    (r"^routing/agents/", "external_id", "agent_external"),  # routing: skill profiles
    (r"", "external_id", "conversation"),
    (r"", "conversation_id", "conversation"),
    (r"", "customer_id", "customer"),
    (r"", "job_id", "import_job"),
    (r"", "team_id", "team"),
    (r"", "agent_id", "agent"),
    (r"", "target_id", "target"),
    (r"", "set_id", "benchmark_set"),
    (r"", "value_id", "benchmark_value"),
    (r"", "action_id", "improvement_action"),
    (r"", "key", "qa_rule"),
    (r"", "name", "lexicon"),
    (r"", "slug", "scorecard"),
    (r"", "run_id", "missing"),
    (r"", "channel", "channel"),
    (r"", "roster_id", "roster"),
    (r"", "event_id", "event"),
    (r"", "template_id", "shift_template"),
    (r"", "kind", "intervention_kind"),
    (r"", "alert_id", "alert"),
    (r"", "suggestion_id", "suggestion"),
    (r"^reviews/appeals/", "pk", "appeal"),
    (r"^reviews/plans/", "pk", "plan"),
    (r"^reviews/calibration/", "pk", "session"),
    (r"^reviews/", "pk", "review"),
    (r"^notifications/", "pk", "notification"),
    (r"^conversation-views/", "pk", "saved_view"),  # saved views: alice's
    (r"", "review_id", "review"),
    (r"", "appeal_id", "appeal"),
    (r"", "plan_id", "plan"),
    (r"", "session_id", "session"),
    (r"", "item_pk", "session_item"),
    (r"", "item_id", "session_item"),
    # training: practice
    (r"", "scenario_code", "scenario"),
    (r"", "practice_id", "practice"),
    (r"", "uidb64", "missing"),
    (r"", "token", "missing"),
    (r"", "object_id", "missing"),
    (r"", "content_type_id", "missing"),
    (r"", "id", "missing"),
    (r"", "app_label", "app_label"),
    (r"", "url", "missing"),
    # performance: fairness
    (r"", "entry_id", "pool_entry"),
    # training: certification and records
    (r"", "cycle_id", "cycle"),
    # training: courses, sessions, assignments
    (r"", "course_id", "course"),
    (r"", "lesson_id", "lesson"),
    (r"", "attachment_id", "attachment"),
    (r"", "track_id", "track"),
    (r"", "training_session_id", "training_session"),
    (r"", "assignment_id", "assignment"),
    (r"^routing/", "rule_id", "routing_rule"),  # routing (before training's rule_id)
    (r"", "rule_id", "assignment_rule"),
    # training: exams
    (r"", "exam_id", "exam"),
    (r"", "attempt_id", "exam_attempt"),
    (r"", "bank_id", "exam_bank"),
    (r"", "question_id", "exam_question"),
    (r"", "answer_id", "exam_answer"),
    # customers: risk
    (r"", "tag_id", "customer_tag"),
    (r"", "backtest_id", "backtest"),
    # customers: win-back
    (r"", "campaign_id", "winback_campaign"),
    (r"", "member_id", "winback_member"),
]
PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\{(\w+)\}|\(\?P<(\w+)>[^)]*\)")


def _source(route: str, param: str) -> str:
    path = route.split(" ", 1)[-1].removeprefix("/api/v1/")
    for pattern, name, key in FILL:
        if name == param and re.search(pattern, path):
            return key
    raise AssertionError(f"{route}: no FILL entry for the parameter {param!r}")


def _params(route: str) -> list[str]:
    return [next(g for g in m.groups() if g) for m in PARAM.finditer(route)]


def variants(route: str) -> list[str]:
    keys = {_source(route, p) for p in _params(route)}
    return list(PER_AGENT) if keys & PER_AGENT_KEYS else ["-"]


PER_AGENT_KEYS = {
    "conversation", "customer", "team", "agent", "alert", "suggestion", "review", "appeal",
    "assignment",  # training: courses, sessions, assignments
    "practice",  # training: practice
    # training: exams
    "exam_attempt", "exam_answer",
    # performance: methods
    "perf_rating", "perf_feedback", "perf_interview", "perf_plan",
    # performance: fairness
    "pool_entry",
    "winback_member",  # customers: win-back
    "agent_external",  # routing: skill profiles
}  # fmt: skip


def url_of(route: str, variant: str, world: dict) -> tuple[str, str]:
    """(method, path) with every parameter filled."""
    method, _, pattern = route.rpartition(" ")

    def fill(m: re.Match) -> str:
        key = _source(route, next(g for g in m.groups() if g))
        return str(world.get(f"{key}:{variant}", world.get(key)))

    path = PARAM.sub(fill, pattern)
    if not method:  # a URL pattern: strip the regex anchors of re_path()
        path = "/" + path.replace("^", "").replace("$", "")
    return method or "GET", path


def rows() -> list[str]:
    return [f"{r} [{v}]" for r in all_routes() for v in variants(r)]


# --- data: one set per module, built once ------------------------------------------------
@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Personas and one object of each kind (alice's and bob's where per agent); rolled
    back after the module."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _build_world() -> dict:
    from kefu.accounts.models import Agent
    from kefu.interactions.models import Conversation, ImportJob
    from kefu.metrics.models import BenchmarkSet, BenchmarkValue, ImprovementAction, Target
    from kefu.monitoring.models import Alert, Intervention
    from kefu.notifications.models import Notification
    from kefu.qa.models import Scorecard
    from kefu.qa.scoring import score_conversations
    from kefu.qa.store import default_version
    from kefu.reviews.models import (
        Appeal,
        CalibrationItem,
        CalibrationSession,
        Review,
        SamplingPlan,
    )
    from kefu.workforce.models import ForecastEvent, Roster, RosterAssignment, ShiftTemplate

    p = build_personas()
    created = datetime(2024, 5, 2, 10, 15, tzinfo=SHANGHAI)
    report = import_native(
        native_conversation(id="M-ALICE", agent="A0007", customer={"id": "U-M-ALICE"}),
        native_conversation(id="M-BOB", agent="A0102", customer={"id": "U-M-BOB"}),
    )
    assert report.rejected == 0, report.errors
    score_conversations(Conversation.objects.values_list("pk", flat=True), default_version())
    w: dict = {"personas": p, "missing": "0", "channel": "chat", "app_label": "accounts"}
    w["intervention_kind"] = "takeover"
    version = default_version()
    for who, ext, agent_ext in (("alice", "M-ALICE", "A0007"), ("bob", "M-BOB", "A0102")):
        conv = Conversation.objects.get(external_id=ext)
        agent = Agent.objects.get(external_id=agent_ext)
        w[f"conversation:{who}"] = ext
        w[f"customer:{who}"] = f"U-{ext}"
        w[f"agent:{who}"] = agent.pk
        w[f"team:{who}"] = agent.team_id
        alert = Alert.objects.create(
            conversation=conv, rule="r", message_id="m1", severity="high", type="t",
            agent=agent, team_id=agent.team_id,
        )  # fmt: skip
        w[f"alert:{who}"] = alert.pk
        w[f"suggestion:{who}"] = Intervention.objects.create(
            conversation=conv, kind="suggestion", supervisor=p.sam, status="pending",
            agent=agent, team_id=agent.team_id, text="建议",
        ).pk  # fmt: skip
        review = Review.objects.create(
            conversation=conv, scorecard_version=version, agent=agent, team_id=agent.team_id,
            reviewer=p.quinn, status="submitted",
        )  # fmt: skip
        w[f"review:{who}"] = review.pk
        w[f"appeal:{who}"] = Appeal.objects.create(
            review=review, item="greeting", reason="不同意", appellant=getattr(p, who),
            agent=agent, team_id=agent.team_id, status="open",
        ).pk  # fmt: skip
    w["import_job"] = ImportJob.objects.create(
        file_name="a.jsonl", file_format="jsonl", stored_path="x", created_by=p.mia
    ).pk
    w["target"] = Target.objects.get_or_create(
        key="fcr_rate", tier="", team=None, defaults={"value": 0.8}
    )[0].pk
    bench = BenchmarkSet.objects.get_or_create(slug="industry", defaults={"name": "行业"})[0]
    w["benchmark_set"] = bench.pk
    w["benchmark_value"] = BenchmarkValue.objects.get_or_create(
        benchmark=bench, key="fcr_rate", defaults={"value": 0.7}
    )[0].pk
    w["improvement_action"] = ImprovementAction.objects.create(on=date(2024, 5, 1), title="培训").pk
    scorecard = Scorecard.objects.get(is_default=True)
    w["scorecard"] = scorecard.slug
    w["qa_rule"] = version.items[0]["key"] if getattr(version, "items", None) else "missing"
    w["lexicon"] = "missing"
    w["qa_indicator"] = "forbidden_phrase"
    plan = SamplingPlan.objects.create(
        name="每人每月抽检", scorecard=scorecard, method="random", quota=2,
        quota_basis="per_agent", period="month", seed=7,
    )  # fmt: skip
    w["plan"] = plan.pk
    session = CalibrationSession.objects.create(
        name="校准", scorecard_version=version, facilitator=p.quinn
    )
    session.participants.add(p.quinn)
    w["session"] = session.pk
    w["session_item"] = CalibrationItem.objects.create(
        session=session, conversation=Conversation.objects.get(external_id="M-ALICE")
    ).pk
    roster = Roster.objects.create(week_start=date(2024, 5, 13), status="done")
    w["roster"] = roster.pk
    for agent in Agent.objects.all():
        start = created + timedelta(days=11)
        RosterAssignment.objects.create(
            roster=roster, agent=agent, day=start.date(), template="early", channel="chat",
            start=start, end=start + timedelta(hours=8),
        )  # fmt: skip
    w["event"] = ForecastEvent.objects.create(
        name="大促", start=date(2024, 6, 1), end=date(2024, 6, 2)
    ).pk
    w["shift_template"] = ShiftTemplate.objects.filter().values_list("pk", flat=True).first() or 0
    w["notification"] = Notification.objects.create(
        recipient=p.alice, kind="reviews.assigned", title="x"
    ).pk
    from kefu.interactions.models import SavedView

    w["saved_view"] = SavedView.objects.create(
        user=p.alice, name="我的差评会话", query="complaint=yes"
    ).pk
    _training_courses_world(w, p)
    # training: practice — a finished practice of alice and of bob
    from kefu.training.actions.practice import (
        finish_practice,
        start_practice,
        sync_builtin_scenarios,
    )
    from kefu.training.models import Scenario

    sync_builtin_scenarios()
    w["scenario"] = "logistics-delay"
    for who in ("alice", "bob"):
        user = getattr(p, who)
        practice = start_practice(user, Scenario.objects.get(code="logistics-delay"), seed=1)
        w[f"practice:{who}"] = finish_practice(user, practice.pk).pk
    _build_exams(w, p)
    _performance_methods_world(w, p)  # performance: methods
    _performance_cycles_world(w)
    _customers_risk_world(w)
    _routing_world(w)
    _improvement_world(w)
    _knowledge_world(w)
    _people_world(w, p)
    w["cookies"] = {"anonymous": ""}  # logged in once per role (sessions are rows)
    for role in ROLES[1:]:
        client = Client()
        client.force_login(getattr(p, role))
        w["cookies"][role] = client.cookies.output(header="", sep=";")
    # training: certification and records
    from kefu.training.models import CertificationCycle, Exam, QuestionBank

    bank = QuestionBank.objects.create(name="矩阵认证题库")
    exam = Exam.objects.create(title="季度认证", kind="certification", bank=bank)
    w["cycle"] = CertificationCycle.objects.create(
        name="2024Q2", starts_on=date(2024, 4, 1), ends_on=date(2024, 6, 30), knowledge_exam=exam
    ).pk
    _performance_fairness_world(w)
    return w


# people and access: bob's log-in and a token of his
def _people_world(w: dict, p) -> None:
    from kefu.accounts.models import ApiToken

    w["people_user"] = p.bob.pk
    w["people_token"] = ApiToken.issue(p.bob, "矩阵")[0].pk


# customers: risk — a manual tag (a fixed id, named in BODY) carried by alice's and bob's
# customers, and a finished back-test without a fitted offer
CUSTOMER_TAG_ID = 90_001


def _customers_risk_world(w: dict) -> None:
    from kefu.customers.models import Backtest, CustomerTag, Tag, TagGroup
    from kefu.interactions.models import Customer

    group = TagGroup.objects.create(name="矩阵标签组")
    tag = Tag.objects.create(pk=CUSTOMER_TAG_ID, group=group, name="矩阵", kind="manual")
    for customer in Customer.objects.filter(external_id__in=["U-M-ALICE", "U-M-BOB"]):
        CustomerTag.objects.create(customer=customer, tag=tag)
    w["customer_tag"] = tag.pk
    w["backtest"] = Backtest.objects.create(
        as_of=date(2024, 5, 1), horizon_days=30, status="done", result=None
    ).pk
    # customers: win-back — a campaign with alice's customer (assigned to alice) and bob's
    from kefu.accounts.models import Agent
    from kefu.customers.models import WinbackCampaign, WinbackMember

    campaign = WinbackCampaign.objects.create(name="矩阵回访", starts_on=date(2024, 5, 1))
    w["winback_campaign"] = campaign.pk
    for who, customer_ext, agent_ext in (
        ("alice", "U-M-ALICE", "A0007"),
        ("bob", "U-M-BOB", "A0102"),
    ):
        w[f"winback_member:{who}"] = WinbackMember.objects.create(
            campaign=campaign, customer=Customer.objects.get(external_id=customer_ext),
            group="contact", agent=Agent.objects.get(external_id=agent_ext),
        ).pk  # fmt: skip


# routing — a rule (its id in the world); alice's and bob's agents online
def _routing_world(w: dict) -> None:
    from kefu.accounts.models import Agent
    from kefu.assignment.models import RoutingRule
    from kefu.workforce.models import AgentPresence

    w["routing_rule"] = RoutingRule.objects.create(name="矩阵规则", tiers=["senior"]).pk
    for external_id in ("A0007", "A0102"):
        AgentPresence.objects.update_or_create(
            agent=Agent.objects.get(external_id=external_id), defaults={"state": "online"}
        )
    w["agent_external:alice"], w["agent_external:bob"] = "A0007", "A0102"


def _improvement_world(w: dict) -> None:
    from kefu.improvement.models import Project

    w["improvement_project"] = Project.objects.create(
        title="退款提速", owner=w["personas"].mia, problem="退款到账慢", start=date(2024, 5, 1)
    ).pk
    # analyses: a root cause of kind "missing training" (its hand-off answers), alice's
    # conversation linked
    from kefu.improvement.models import Fishbone, FiveWhy, Retrospective
    from kefu.improvement.selectors import cause_nodes
    from kefu.interactions.models import Conversation

    cause = cause_nodes("退款到账慢").get(kind="missing_training")
    common = {"problem": "退款到账慢", "root_cause": cause}
    for key, model, extra in (
        ("fivewhy", FiveWhy, {"whys": ["为什么"]}),
        ("fishbone", Fishbone, {"causes": {"people": ["新人"]}}),
        ("retrospective", Retrospective, {"background": "背景"}),
    ):
        row = model.objects.create(title="矩阵", **common, **extra)
        row.conversations.add(Conversation.objects.get(external_id=w["conversation:alice"]))
        w[f"improvement_{key}"] = row.pk


# knowledge: a published FAQ (quinn, a knowledge owner) and bob's request for a new article
def _knowledge_world(w: dict) -> None:
    from kefu.knowledge import actions as knowledge_actions

    p = w["personas"]
    article = knowledge_actions.create_article(
        p.quinn, {"kind": "faq", "title": "退款多久到账", "resolution": "1-3个工作日。"}
    )
    w["knowledge_article"] = knowledge_actions.publish(p.quinn, article.pk).pk
    w["knowledge_request"] = knowledge_actions.request_change(
        p.bob, kind="new", reason="没有文章", title="海外退款"
    ).pk
    # knowledge: a stored PNG on the published FAQ
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from kefu.knowledge.models import ArticleAttachment

    name = "knowledge/matrix/matrix.png"
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16))
    w["knowledge_attachment"] = ArticleAttachment.objects.create(
        article_id=w["knowledge_article"], file=name, name="matrix.png",
        content_type="image/png", size=24,
    ).pk  # fmt: skip


# performance: cycles — the methods' cycle computed: alice's and bob's reviews
def _performance_cycles_world(w: dict) -> None:
    from kefu.performance.actions.cycles import compute
    from kefu.performance.models import Cycle, Template

    compute(Cycle.objects.get(pk=w["perf_cycle"]))
    w["perf_template"] = Template.objects.get(family="standard", version=1).pk
    w["perf_figure"] = "qa.score"


# performance: fairness
def _performance_fairness_world(w: dict) -> None:
    """A quarterly review cycle (open) with alice's and bob's computed reviews, and a
    reserve pool entry of each."""
    from kefu.accounts.models import Agent
    from kefu.performance.models import AgentScore, Cycle, PoolEntry, Template

    cycle = Cycle.objects.create(
        name="矩阵季度", kind="quarter", start=date(2024, 4, 1), end=date(2024, 6, 30)
    )
    w["performance_cycle"] = cycle.pk
    template = Template.objects.filter(family="standard").first()
    for who, agent_ext in (("alice", "A0007"), ("bob", "A0102")):
        agent = Agent.objects.get(external_id=agent_ext)
        AgentScore.objects.create(
            cycle=cycle, agent=agent, team_id=agent.team_id, template=template, score=80.0,
            score_low=75.0, score_high=85.0,
        )  # fmt: skip
        w[f"pool_entry:{who}"] = PoolEntry.objects.create(agent=agent, added_on=date(2024, 7, 1)).pk


# training: courses, sessions, assignments
def _training_courses_world(w: dict, p) -> None:
    """A course with a lesson and a stored PNG, a track, a session starting now (alice
    enrolled), a rule, and an assignment of alice's and of bob's."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from kefu.accounts.models import Agent
    from kefu.training.models import (
        Assignment,
        AssignmentRule,
        Course,
        Enrolment,
        Lesson,
        LessonAttachment,
        Track,
        TrainingSession,
    )  # fmt: skip

    course = Course.objects.create(title="矩阵课程")
    lesson = Lesson.objects.create(course=course, title="第一课", body="**正文**")
    name = "training/matrix/matrix.png"
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16))
    w["course"], w["lesson"] = course.pk, lesson.pk
    w["attachment"] = LessonAttachment.objects.create(
        lesson=lesson, file=name, name="matrix.png", content_type="image/png", size=24
    ).pk
    w["track"] = Track.objects.create(name="矩阵路径").pk
    now = timezone.now()
    session = TrainingSession.objects.create(
        title="矩阵场次", starts_at=now, ends_at=now + timedelta(hours=1)
    )
    Enrolment.objects.create(session=session, agent=Agent.objects.get(external_id="A0007"))
    w["training_session"] = session.pk
    w["assignment_rule"] = AssignmentRule.objects.create(
        name="矩阵规则", indicator="forbidden_phrase", course=course
    ).pk
    for who, agent_ext in (("alice", "A0007"), ("bob", "A0102")):
        w[f"assignment:{who}"] = Assignment.objects.create(
            agent=Agent.objects.get(external_id=agent_ext), course=course, source="manual",
            assigned_at=now, due_at=now + timedelta(days=7),
        ).pk  # fmt: skip


# training: exams
def _build_exams(w: dict, p) -> None:
    """A bank, a published exam drawing its three questions, and alice's and bob's
    attempts in progress (an answer of each)."""
    from kefu.training.actions import exams as exam_actions
    from kefu.training.models import Exam, ExamPart, Question, QuestionBank

    bank = QuestionBank.objects.create(name="矩阵题库")
    for i in range(3):
        Question.objects.create(bank=bank, external_id=f"M{i}", kind="true_false", text="对吗？",
                                answer=[True])  # fmt: skip
    exam = Exam.objects.create(title="矩阵考试", kind="quiz", bank=bank, published=True)
    ExamPart.objects.create(exam=exam, count=3)
    w["exam_bank"], w["exam"] = bank.pk, exam.pk
    w["exam_question"] = bank.questions.order_by("pk").first().pk
    for who in PER_AGENT:
        attempt = exam_actions.start_attempt(exam, user=getattr(p, who))
        w[f"exam_attempt:{who}"] = attempt.pk
        w[f"exam_answer:{who}"] = attempt.answers.order_by("pk").first().pk


# performance: methods
def _performance_methods_world(w: dict, p) -> None:
    """A May 2024 cycle; per agent (alice, bob): a behaviour rating with her/his
    conversation as evidence, a 360-degree self-assessment request, a recorded interview
    and an improvement plan."""
    from kefu.accounts.models import Agent
    from kefu.interactions.models import Conversation
    from kefu.performance.models import (
        BarsRating,
        BarsScale,
        Cycle,
        FeedbackRequest,
        ImprovementPlan,
        Interview,
    )

    cycle = Cycle.objects.create(
        name="矩阵周期", kind="month", start=date(2024, 5, 1), end=date(2024, 5, 31)
    )
    scale = BarsScale.objects.get(code="attitude")
    w["perf_cycle"], w["perf_scale"], w["perf_slot"] = cycle.pk, scale.pk, 1
    held = datetime(2024, 6, 3, 15, 0, tzinfo=SHANGHAI)
    for who, conv, agent_ext in (("alice", "M-ALICE", "A0007"), ("bob", "M-BOB", "A0102")):
        agent = Agent.objects.get(external_id=agent_ext)
        rating = BarsRating.objects.create(
            cycle=cycle, agent=agent, scale=scale, rater=p.mia, level=3
        )
        rating.evidence.add(Conversation.objects.get(external_id=conv))
        w[f"perf_rating:{who}"] = rating.pk
        w[f"perf_feedback:{who}"] = FeedbackRequest.objects.create(
            cycle=cycle, agent=agent, rater=getattr(p, who), relation="self"
        ).pk
        w[f"perf_interview:{who}"] = Interview.objects.create(
            cycle=cycle, agent=agent, interviewer=p.mia, scheduled_at=held, held_at=held,
            achievements="达成", actions="改进",
        ).pk  # fmt: skip
        w[f"perf_plan:{who}"] = ImprovementPlan.objects.create(
            agent=agent, cycle=cycle, coach=p.mia, title="改进", opened_on=date(2024, 6, 1),
            due_on=date(2024, 7, 31),
        ).pk  # fmt: skip


# --- asking --------------------------------------------------------------------------------


SESSION_BODY = (  # training: courses, sessions, assignments
    '{"starts_at": "2024-06-01T10:00+08:00", "ends_at": "2024-06-01T11:00+08:00", "title": "x"}'
)
# A valid body where the route has one, so the access decision is what answers (an empty
# body is refused 422 before any access check).
# training: practice — the smallest valid scenario (CODE to fill in)
MATRIX_SCENARIO = (
    '{"definition": {"code": "CODE", "title": "t", "goal": "g", "start": "a", "nodes": {'
    '"a": {"say": ["x"], "routes": [{"to": "g", "keywords": ["y"]}], "otherwise": "e"}, '
    '"g": {"goal": true, "say": ["ok"]}, "e": {"end": true, "say": ["bye"]}}}}'
)

ANALYSIS_BODY = '{"title": "矩阵", "problem": "退款到账慢", %s}'
# Bodies that pass the schema, so the role decides (an empty body is refused first, 422).
BODY = {
    "POST /api/v1/conversations": json.dumps(
        native_conversation(id="M-NEW", agent="A0007", customer={"id": "U-M-NEW"})
    ),
    "POST /api/v1/conversations/{conversation_id}/messages": json.dumps(
        {"role": "customer", "at": "2024-05-02T10:30:00+08:00", "text": "还在吗？"}
    ),
    "POST /api/v1/live/conversations/{conversation_id}/suggestions": '{"text": "先安抚客户"}',
    "POST /api/v1/live/suggestions/{suggestion_id}/response": '{"used": false}',
    "POST /api/v1/reviews": '{"conversation": "M-ALICE"}',
    "POST /api/v1/reviews/appeals/{appeal_id}/decide": '{"upheld": false, "reason": "维持"}',
    "POST /api/v1/wfm/erlang": '{"calls": 120, "aht": 300, "asa": 20, "sl": 0.8}',
    # workforce: presence
    "PUT /api/v1/presence/me": '{"state": "away"}',
    # customers: win-back
    "POST /api/v1/winback": f'{{"name": "矩阵", "tags": [{CUSTOMER_TAG_ID}], "starts_on": "2024-05-01"}}',
    "PUT /api/v1/winback/members/{member_id}/outcome": '{"outcome": "reached"}',
    "POST /api/v1/reviews/{review_id}/appeals": '{"item": "greeting", "reason": "不同意"}',
    "POST /api/v1/reviews/{review_id}/reassign": '{"reviewer": "quinn"}',
    # training: courses, sessions, assignments
    "POST /api/v1/training/courses": '{"title": "矩阵"}',
    "PUT /api/v1/training/courses/{course_id}": '{"title": "矩阵"}',
    "POST /api/v1/training/courses/{course_id}/lessons": '{"title": "矩阵"}',
    "PUT /api/v1/training/lessons/{lesson_id}": '{"title": "矩阵"}',
    "POST /api/v1/training/sessions": SESSION_BODY,
    "PUT /api/v1/training/sessions/{training_session_id}": SESSION_BODY,
    "POST /api/v1/training/sessions/{training_session_id}/enrol": '{"tier": "senior"}',
    "POST /api/v1/training/sessions/{training_session_id}/attendance": '{"marks": {}}',
    "POST /api/v1/training/sessions/{training_session_id}/check-in": '{"code": "x"}',
    # training: practice
    "POST /api/v1/training/practices/{practice_id}/turns": '{"text": "您好"}',
    "POST /api/v1/training/scenarios": MATRIX_SCENARIO.replace("CODE", "matrix-test"),
    "PUT /api/v1/training/scenarios/{scenario_code}": MATRIX_SCENARIO.replace(
        "CODE", "logistics-delay"
    ),
    # training: exams
    "POST /api/v1/training/banks": '{"name": "新题库"}',
    "POST /api/v1/training/banks/{bank_id}/questions": '{"external_id": "N1", "kind": "true_false", "text": "对吗？", "answer": [false]}',
    "PUT /api/v1/training/questions/{question_id}": '{"external_id": "M0", "kind": "true_false", "text": "对吗？", "answer": [false]}',
    "POST /api/v1/training/answers/{answer_id}/grade": '{"points": 1}',
    # performance: cycles
    # customers: risk
    "POST /api/v1/customer-tags": '{"group": "矩阵标签组", "name": "新标签"}',
    "POST /api/v1/customers/{customer_id}/tags": f'{{"tag": {CUSTOMER_TAG_ID}}}',
    "POST /api/v1/performance/cycles": '{"kind": "year", "start": "2024-01-01"}',
    # routing
    "POST /api/v1/routing/conversations/{conversation_id}/reassign": '{"agent": "A0001"}',
    "PUT /api/v1/routing/settings": '{"overflow_after_s": 30}',
    "POST /api/v1/routing/rules": '{"name": "新规则", "tiers": ["senior"]}',
    "PUT /api/v1/routing/rules/{rule_id}": '{"name": "矩阵规则", "tiers": ["lead"]}',
    "PUT /api/v1/routing/agents/{agent_id}/profile": '{"capacity": 4}',
    # improvement: analyses
    "POST /api/v1/improvement/five-whys": ANALYSIS_BODY % '"whys": ["一"]',
    "PUT /api/v1/improvement/five-whys/{analysis_id}": ANALYSIS_BODY % '"whys": ["一"]',
    "POST /api/v1/improvement/fishbones": ANALYSIS_BODY % '"causes": {"people": ["新人"]}',
    "PUT /api/v1/improvement/fishbones/{analysis_id}": ANALYSIS_BODY
    % '"causes": {"people": ["新人"]}',
    "POST /api/v1/improvement/retrospectives": ANALYSIS_BODY % '"background": "背景"',
    "PUT /api/v1/improvement/retrospectives/{analysis_id}": ANALYSIS_BODY % '"background": "背景"',
    # performance: methods
    "POST /api/v1/performance/feedback/{feedback_id}/answer": json.dumps(
        {"answers": {"empathy": 4, "collaboration": 4, "knowledge_sharing": 3, "innovation": 3}}
    ),
    "PUT /api/v1/performance/interviews/{interview_id}/record": json.dumps(
        {"achievements": "达成", "actions": "改进"}
    ),
    "POST /api/v1/performance/interviews/{interview_id}/acknowledge": '{"comment": "收到"}',
    "POST /api/v1/performance/plans": json.dumps(
        {
            "agent": "A0007",
            "title": "改进",
            "opened_on": "2024-06-01",
            "due_on": "2024-07-01",
            "goals": [{"source": "qa.score", "target": 90}],
        }
    ),
    "POST /api/v1/performance/plans/{plan_id}/goals": '{"source": "qa.score", "target": 90}',
    "POST /api/v1/performance/plans/{plan_id}/checkins": '{"on": "2024-06-10", "note": "跟进"}',
    "POST /api/v1/performance/plans/{plan_id}/close": '{"status": "succeeded", "outcome": "达成"}',
    "PUT /api/v1/performance/scales/{scale_id}": '{"name": "服务态度", "anchors": ["差", "中", "好"]}',
    # performance: fairness
    "POST /api/v1/performance/calibration/{cycle_id}/agents/{agent_id}/adjust": (
        '{"after": 77, "reason": "矩阵"}'
    ),
    "POST /api/v1/performance/calibration/{cycle_id}/status": '{"status": "calibrating"}',
    "POST /api/v1/performance/promotion/agents/{agent_id}": '{"note": "矩阵"}',
    "POST /api/v1/performance/promotion/entries/{entry_id}": '{"outcome": "withdrawn"}',
    # knowledge
    "POST /api/v1/knowledge/articles": '{"title": "矩阵", "resolution": "答"}',
    "PUT /api/v1/knowledge/articles/{article_id}": '{"title": "矩阵", "resolution": "答"}',
    "POST /api/v1/knowledge/requests": '{"kind": "new", "title": "矩阵", "reason": "没有"}',
    "POST /api/v1/knowledge/requests/{request_id}/decline": '{"answer": "矩阵"}',
    "POST /api/v1/knowledge/requests/{request_id}/resolve": '{"answer": "矩阵"}',
    "POST /api/v1/knowledge/conversations/{conversation_id}/links": lambda w: json.dumps(
        {"article": w["knowledge_article"]}
    ),
}


def answers(route: str, variant: str, world: dict) -> dict[str, int]:
    method, path = url_of(route, variant, world)
    out = {}
    for role in ROLES:
        client = Client()
        # The session made once per role (a log-out within the savepoint is undone too).
        client.cookies = SimpleCookie(world["cookies"][role])
        with transaction.atomic():
            if method == "GET":
                response = client.get(path)
                if response.status_code == 405:
                    response = client.post(path, {})
            else:
                body = BODY.get(route, "{}")  # a function of the world where ids are needed
                body = body(world) if callable(body) else body
                response = client.generic(method, path, body, content_type="application/json")
            transaction.set_rollback(True)
        out[role] = response.status_code
    return out


def test_it_has_a_row_for_every_route():
    missing = sorted(set(rows()) - set(MATRIX))
    assert not missing, f"routes without a row in the access matrix: {missing}"
    stale = sorted(set(MATRIX) - set(rows()))
    assert not stale, f"rows of routes that no longer exist: {stale}"


@pytest.mark.django_db
@pytest.mark.parametrize("row", sorted(MATRIX))
def test_it_answers_each_role_as_the_matrix_says(world, row):
    route, _, variant = row.rpartition(" [")
    expected = dict(zip(ROLES, map(int, MATRIX[row].split()), strict=True))
    got = answers(route, variant.rstrip("]"), world)
    # The message is the row as it reads now: paste it into the table when intended.
    now = " ".join(str(got[role]) for role in ROLES)
    assert got == expected, f'"{row}": "{now}",'
