"""QA → lesson → effect: rules run after scoring and stay idempotent, assigning by hand
(trainers: anyone; supervisors: their teams, from a review), the agent completes the
lessons, overdue shown, the effect against the comparison group with its counts, the
trainees' KPIs from the metrics definitions; pages and API by role."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import SHANGHAI, client_for
from kefu.accounts.models import Agent
from kefu.interactions.models import Conversation
from kefu.metrics.selectors import Scope, totals
from kefu.notifications.models import Notification
from kefu.qa.models import QaHit
from kefu.reviews.models import Review
from kefu.reviews.tests.conftest import CLEAN, TABOO, chat
from kefu.training.actions import assignments as actions
from kefu.training.models import Assignment, AssignmentRule, Course, Lesson, LessonProgress

TABOO_INDICATOR = "forbidden_phrase"


def recent(cid: str, agent: str, days_ago: float, lines=TABOO) -> dict:
    """A chat `days_ago` days before now (chat() counts days from 2024-05-02 10:00)."""
    t0 = datetime(2024, 5, 2, 10, 0, tzinfo=SHANGHAI)
    when = timezone.now() - timedelta(days=days_ago)
    return chat(cid, agent, (when - t0).total_seconds() / 86400, lines)


@pytest.fixture
def course(personas):
    course = Course.objects.create(title="服务禁语与替代话术")
    Lesson.objects.create(course=course, position=1, title="为什么不能说“不知道”", body="…")
    Lesson.objects.create(course=course, position=2, title="替代话术", body="我帮您查一下")
    return course


@pytest.fixture
def rule(course, personas):
    return AssignmentRule.objects.create(
        name="服务禁语 3 次", indicator=TABOO_INDICATOR, min_hits=3, window_days=30,
        course=course, due_days=7, created_by=personas.tina,
    )  # fmt: skip


def test_a_rule_assigns_the_lesson_after_scoring(rule, import_records):
    # given three taboo conversations of alice and two of bob in the last month
    import_records(
        *(recent(f"C-A{n}", "A0007", n + 1) for n in range(3)),
        *(recent(f"C-B{n}", "A0102", n + 1) for n in range(2)),
    )
    # (the importer's QA scoring ran and sent scoring_finished)
    assert QaHit.objects.filter(indicator=TABOO_INDICATOR, agent__external_id="A0007").count() == 3
    # then alice has the lesson, with the evidence; bob (2 hits) has nothing
    assignment = Assignment.objects.get()
    assert (assignment.agent.external_id, assignment.rule, assignment.hits) == ("A0007", rule, 3)
    assert assignment.source == "rule" and assignment.status == "open"
    assert assignment.due_at - assignment.assigned_at == timedelta(days=7)
    assert Notification.objects.filter(
        kind="training.assigned", recipient__username="alice"
    ).exists()


def test_rules_are_idempotent_and_do_not_reassign_on_old_evidence(rule, import_records):
    import_records(*(recent(f"C-A{n}", "A0007", n + 2) for n in range(3)))
    assert Assignment.objects.count() == 1
    # running again: one open assignment per agent and rule
    assert actions.run_rules() == {rule: []}
    assert Assignment.objects.count() == 1
    # completed yesterday: the same hits do not assign it again
    first = Assignment.objects.get()
    first.status, first.completed_at = "completed", timezone.now() - timedelta(days=1)
    first.save()
    actions.run_rules()
    assert Assignment.objects.count() == 1
    # three new hits after the day of completion do
    import_records(*(recent(f"C-N{n}", "A0007", 0.001 * (n + 1)) for n in range(3)))
    assert Assignment.objects.filter(status="open").count() == 1
    assert Assignment.objects.count() == 2


def test_a_scorecard_item_rule(course, import_records, personas):
    AssignmentRule.objects.create(
        name="禁语扣分", scorecard_item="taboo", min_hits=2, window_days=10, course=course
    )
    import_records(
        recent("C-1", "A0007", 1), recent("C-2", "A0007", 2), recent("C-3", "A0007", 3, CLEAN)
    )
    assert Assignment.objects.get().hits == 2


def test_rules_past_their_window_or_inactive_assign_nothing(rule, course, import_records):
    rule.active = False
    rule.save()
    import_records(*(recent(f"C-A{n}", "A0007", n + 1) for n in range(3)))
    assert not Assignment.objects.exists()
    rule.active, rule.window_days = True, 2
    rule.save()
    actions.run_rules()
    assert not Assignment.objects.exists()  # only 1 hit in the last 2 days
    actions.run_rules(today=timezone.localdate() - timedelta(days=1))
    assert not Assignment.objects.exists()


# --- by hand --------------------------------------------------------------------------------
@pytest.fixture
def alices_review(personas, import_records):
    from kefu.qa.store import default_version

    import_records(recent("C-R1", "A0007", 2))
    conv = Conversation.objects.get(external_id="C-R1")
    return Review.objects.create(
        conversation=conv, scorecard_version=default_version(), agent=conv.agent,
        team_id=conv.team_id, reviewer=personas.quinn, status="submitted", score=70,
    )  # fmt: skip


def test_supervisors_assign_from_a_review_of_their_team(personas, course, alices_review):
    url = reverse("training:assignment_from_review", args=[alices_review.pk])
    # the review page links to it for the supervisor
    page = client_for(personas.sam).get(reverse("reviews:review", args=[alices_review.pk]))
    assert url in page.content.decode()
    assert client_for(personas.alice).get(url).status_code == 403
    assert client_for(personas.bob).get(url).status_code == 403
    sam = client_for(personas.sam)
    assert sam.get(url).status_code == 200
    answer = sam.post(url, {"course": course.pk, "due_days": "5", "note": "注意禁语"})
    a = Assignment.objects.get()
    assert answer.url == reverse("training:assignment", args=[a.pk])
    assert (a.source, a.review, a.assigned_by, a.lesson) == (
        "review",
        alices_review,
        personas.sam,
        None,
    )


def test_trainers_assign_anyone_supervisors_only_their_teams(personas, course):
    bob = Agent.objects.get(external_id="A0102")
    alice = Agent.objects.get(external_id="A0007")
    # sam does not see bob (other team): 404; alice (his team): fine
    assert (
        client_for(personas.sam).get(reverse("training:assignment_new", args=[bob.pk])).status_code
        == 404
    )
    client_for(personas.sam).post(
        reverse("training:assignment_new", args=[alice.pk]), {"course": course.pk, "due_days": "7"}
    )
    client_for(personas.tina).post(
        reverse("training:assignment_new", args=[bob.pk]),
        {"course": course.pk, "lesson": course.lessons.first().pk, "due_days": "3"},
    )
    assert set(Assignment.objects.values_list("agent__external_id", "source")) == {
        ("A0007", "manual"), ("A0102", "manual"),
    }  # fmt: skip
    # managers see everything but do not assign
    assert (
        client_for(personas.mia).get(reverse("training:assignment_new", args=[bob.pk])).status_code
        == 403
    )
    # the action itself refuses a supervisor outside their teams (the access layer's "assign")
    with pytest.raises(Exception, match="may not assign"):
        actions.assign(bob, course, user=personas.sam)
    assert Assignment.objects.count() == 2


def test_the_agent_sees_their_assignments_and_completes_them(personas, course):
    alice = Agent.objects.get(external_id="A0007")
    a = actions.assign(alice, course, user=personas.tina, due_days=1)
    overdue = actions.assign(Agent.objects.get(external_id="A0102"), course, user=personas.tina)
    Assignment.objects.filter(pk=overdue.pk).update(due_at=timezone.now() - timedelta(days=1))
    # alice sees hers, not bob's; sam (her supervisor) hers; tina both, bob's overdue
    page = client_for(personas.alice).get(reverse("training:assignments")).content.decode()
    assert f'data-assignment="{a.pk}"' in page and f'data-assignment="{overdue.pk}"' not in page
    assert (
        client_for(personas.alice)
        .get(reverse("training:assignment", args=[overdue.pk]))
        .status_code
        == 404
    )
    assert (
        client_for(personas.sam).get(reverse("training:assignment", args=[a.pk])).status_code == 200
    )
    all_rows = client_for(personas.tina).get(reverse("training:assignments"), {"status": "overdue"})
    text = all_rows.content.decode()
    assert f'data-assignment="{overdue.pk}"' in text and "tr-badge-overdue" in text
    assert f'data-assignment="{a.pk}"' not in text
    # she completes the first lesson: still open; the second: completed
    first, second = course.lessons.all()
    alice_client = client_for(personas.alice)
    answer = alice_client.post(
        reverse("training:lesson_complete", args=[first.pk]), {"assignment": a.pk}
    )
    assert answer.url == reverse("training:assignment", args=[a.pk])
    a.refresh_from_db()
    assert a.status == "open"
    alice_client.post(reverse("training:lesson_complete", args=[second.pk]))
    a.refresh_from_db()
    assert a.status == "completed" and a.completed_at is not None


def test_cancelling_is_for_whoever_may_assign(personas, course):
    a = actions.assign(Agent.objects.get(external_id="A0007"), course, user=personas.tina)
    url = reverse("training:assignment_cancel", args=[a.pk])
    client_for(personas.alice).post(url)
    a.refresh_from_db()
    assert a.status == "open"
    client_for(personas.sam).post(url)
    a.refresh_from_db()
    assert a.status == "cancelled"


# --- the effect -----------------------------------------------------------------------------
COMPLETED = date(2024, 5, 20)


def on(day: date, cid: str, agent: str, lines) -> dict:
    t0 = datetime(2024, 5, 2, 10, 0, tzinfo=SHANGHAI)
    when = datetime(day.year, day.month, day.day, 11, 0, tzinfo=SHANGHAI)
    return chat(cid, agent, (when - t0).total_seconds() / 86400, lines)


@pytest.fixture
def measured(personas, course, import_records):
    """Alice completed the rule's lesson on 2024-05-20 (window 7 days): before, 2 taboo
    conversations of 2; after, 0 of 2. Bob (not assigned): 1 of 2 before, 1 of 2 after."""
    rule = AssignmentRule.objects.create(
        name="禁语", indicator=TABOO_INDICATOR, min_hits=1, window_days=7, course=course
    )
    before, after = COMPLETED - timedelta(days=3), COMPLETED + timedelta(days=2)
    import_records(
        on(before, "E-A1", "A0007", TABOO), on(before, "E-A2", "A0007", TABOO),
        on(COMPLETED, "E-A0", "A0007", TABOO),  # the day of completion: in neither window
        on(after, "E-A3", "A0007", CLEAN), on(after, "E-A4", "A0007", CLEAN),
        on(before, "E-B1", "A0102", TABOO), on(before, "E-B2", "A0102", CLEAN),
        on(after, "E-B3", "A0102", TABOO), on(after, "E-B4", "A0102", CLEAN),
        on(COMPLETED + timedelta(days=9), "E-B5", "A0102", TABOO),  # after every window
    )  # fmt: skip
    Assignment.objects.all().delete()  # what the receiver assigned today does not matter here
    Assignment.objects.create(
        agent=Agent.objects.get(external_id="A0007"), course=course, rule=rule, source="rule",
        status="completed", hits=2,
        assigned_at=datetime(2024, 5, 18, 9, tzinfo=SHANGHAI),
        due_at=datetime(2024, 5, 25, 9, tzinfo=SHANGHAI),
        completed_at=datetime(2024, 5, 20, 15, tzinfo=SHANGHAI),
    )  # fmt: skip
    return rule


def test_the_effect_compares_with_agents_not_assigned(personas, measured):
    from kefu.training.effect import rule_effect

    result = rule_effect(measured, personas.tina, today=date(2024, 7, 1))
    e = result.effect
    assert (e.trained_before.hits, e.trained_before.conversations, e.trained_before.agents) == (
        2,
        2,
        1,
    )
    assert (e.trained_after.hits, e.trained_after.conversations) == (0, 2)
    assert (e.comparison_before.hits, e.comparison_before.conversations) == (1, 2)
    assert (
        e.comparison_after.hits,
        e.comparison_after.conversations,
        e.comparison_after.agents,
    ) == (1, 2, 1)
    assert e.difference == pytest.approx(-1.0)
    # the trainee's KPIs come from the metrics selectors over the same days
    (trainee,) = result.trainees
    expected = totals(
        Scope(COMPLETED - timedelta(days=7), COMPLETED - timedelta(days=1), visible=Q_ALL(),
              agent_ids=(trainee.agent.pk,)), percentiles=False,
    )  # fmt: skip
    assert trainee.before["frt_mean_s"] == expected["frt_mean_s"] == 10.0
    assert trainee.before["conversations"] == 2 and trainee.after["conversations"] == 2
    # not measurable yet before the after-window ends
    early = rule_effect(measured, personas.tina, today=COMPLETED + timedelta(days=3))
    assert (early.effect.completions, early.effect.pending, early.trainees) == (0, 1, [])


def Q_ALL():
    from kefu.accounts.access import ALL

    return ALL


def test_the_rule_pages_and_effect_by_role(personas, measured):
    url = reverse("training:rule", args=[measured.pk])
    for who, status in {
        "tina": 200,
        "mia": 200,
        "adam": 200,
        "alice": 403,
        "sam": 403,
        "quinn": 403,
    }.items():
        assert client_for(getattr(personas, who)).get(url).status_code == status, who
    page = client_for(personas.mia).get(url).content.decode()
    assert 'id="effect-table"' in page and 'id="trainee-kpis"' in page
    assert "−100.0 个百分点" in page  # the difference, in the page's language
    assert client_for(personas.tina).get(reverse("training:rules")).status_code == 200
    assert client_for(personas.mia).get(reverse("training:rule_new")).status_code == 403


def test_a_trainer_writes_a_rule(personas, course):
    tina = client_for(personas.tina)
    data = {"name": "未确认需求", "indicator": "no_need_confirmation", "min_hits": "3",
            "window_days": "30", "course": course.pk, "due_days": "7", "active": "on"}  # fmt: skip
    answer = tina.post(reverse("training:rule_new"), data)
    rule = AssignmentRule.objects.get(name="未确认需求")
    assert answer.url == reverse("training:rule", args=[rule.pk])
    # both targets, or neither, are refused; an unknown indicator too
    for bad in ({"scorecard_item": "greeting"}, {"indicator": ""}, {"indicator": "nope"}):
        answer = tina.post(reverse("training:rule_edit", args=[rule.pk]), data | bad)
        assert answer.status_code == 200
    rule.refresh_from_db()
    assert rule.indicator == "no_need_confirmation"
    assert client_for(personas.alice).post(reverse("training:rule_new"), data).status_code == 403
    assert client_for(personas.alice).post(reverse("training:rules_run")).status_code == 403


# --- API --------------------------------------------------------------------------------------
def test_the_assignment_api(personas, course, alices_review, measured):
    tina, sam, alice = (
        client_for(personas.tina),
        client_for(personas.sam),
        client_for(personas.alice),
    )
    body = {"agent": "A0102", "course": course.pk, "due_days": 3}
    assert (
        sam.post("/api/v1/training/assignments", body, content_type="application/json").status_code
        == 404
    )
    assert (
        alice.post(
            "/api/v1/training/assignments", body, content_type="application/json"
        ).status_code
        == 403
    )
    made = tina.post("/api/v1/training/assignments", body, content_type="application/json")
    assert made.status_code == 201 and made.json()["agent"] == "A0102"
    from_review = sam.post(
        "/api/v1/training/assignments", {"review": alices_review.pk, "course": course.pk},
        content_type="application/json",
    )  # fmt: skip
    assert from_review.status_code == 201 and from_review.json()["source"] == "review"
    again = sam.post(
        "/api/v1/training/assignments", {"review": alices_review.pk, "course": course.pk},
        content_type="application/json",
    )  # fmt: skip
    assert again.status_code == 409
    mine = alice.get("/api/v1/training/assignments").json()
    assert {a["agent"] for a in mine} == {"A0007"}
    open_one = next(a for a in mine if a["status"] == "open")
    bobs = made.json()["id"]
    assert alice.post(f"/api/v1/training/assignments/{bobs}/complete").status_code == 404
    assert tina.post(f"/api/v1/training/assignments/{open_one['id']}/complete").status_code == 403
    done = alice.post(f"/api/v1/training/assignments/{open_one['id']}/complete")
    assert done.status_code == 200 and done.json()["status"] == "completed"
    assert LessonProgress.objects.filter(agent__external_id="A0007").count() == 2
    # rules
    assert alice.get("/api/v1/training/rules").status_code == 403
    assert [r["id"] for r in client_for(personas.mia).get("/api/v1/training/rules").json()] == [
        measured.pk
    ]
    effect = client_for(personas.mia).get(f"/api/v1/training/rules/{measured.pk}/effect").json()
    assert effect["trained_before"] == {"rate": 1.0, "hits": 2, "conversations": 2, "agents": 1}
    assert effect["difference"] == pytest.approx(-1.0)
    created = tina.post(
        "/api/v1/training/rules",
        {"name": "问候", "scorecard_item": "greeting", "course": course.pk},
        content_type="application/json",
    )  # fmt: skip
    assert created.status_code == 201
    run = tina.post("/api/v1/training/rules/run")
    assert run.status_code == 200 and set(run.json()["by_rule"]) == {
        str(measured.pk), str(created.json()["id"]),
    }  # fmt: skip


def test_a_lesson_assigned_again_is_taken_again(personas, course):
    # given alice took the course for an earlier assignment
    alice = Agent.objects.get(external_id="A0007")
    first = actions.assign(alice, course, user=personas.tina)
    c = client_for(personas.alice)
    for lesson in course.lessons.all():
        c.post(reverse("training:lesson_complete", args=[lesson.pk]))
    first.refresh_from_db()
    assert first.status == "completed"
    # when it is assigned again
    again = actions.assign(alice, course, user=personas.tina)
    lesson = course.lessons.first()
    page = c.get(reverse("training:lesson", args=[lesson.pk]), {"assignment": again.pk})
    # then the lesson asks to be taken again, and the assignment stays open until it is
    assert 'id="complete-lesson"' in page.content.decode()
    assert actions.complete_finished(alice.pk) == []
    for lesson in course.lessons.all():
        c.post(reverse("training:lesson_complete", args=[lesson.pk]), {"assignment": again.pk})
    again.refresh_from_db()
    assert again.status == "completed"
    assert LessonProgress.objects.filter(agent=alice).count() == 2  # one row per lesson


def test_rules_run_after_a_rescore_and_from_the_command(rule, import_records, capsys):
    from django.core.management import call_command

    from kefu.qa.scoring import rescore

    rule.active = False
    rule.save()
    import_records(*(recent(f"C-A{n}", "A0007", n + 1) for n in range(3)))
    assert not Assignment.objects.exists()
    rule.active = True
    rule.save()
    rescore()  # a re-score run ends with scoring_finished for every agent
    assert Assignment.objects.filter(agent__external_id="A0007", status="open").count() == 1
    Assignment.objects.all().delete()
    call_command("training", "assign")
    assert "1 assigned" in capsys.readouterr().out
    assert Assignment.objects.count() == 1
