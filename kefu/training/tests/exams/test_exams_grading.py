"""Grading by trainers (audited), the failing hook, the knowledge score, results, item
analysis and pre/post pages — with the right and the wrong roles."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from conftest import client_for
from kefu.accounts.models import Agent
from kefu.audit.models import AuditLog
from kefu.training.actions import exams as actions
from kefu.training.models import Answer, Attempt, Course, Exam, ExamPart, Question
from kefu.training.selectors import exams as selectors
from kefu.training.tests.exams.conftest import make_exam, right_answers

API = "/api/v1/training"


@pytest.fixture
def submitted(personas, exam):
    """alice's attempt: every objective answer right, the short and scenario written."""
    attempt = actions.start_attempt(exam, user=personas.alice)
    responses = right_answers(attempt)
    for q in Question.objects.filter(pk__in=attempt.question_ids, kind__in=("short", "scenario")):
        responses[str(q.pk)] = ["您好，先向您致歉，我马上联系物流核实，两小时内回电。"]
    actions.submit_attempt(attempt, user=personas.alice, responses=responses)
    attempt.refresh_from_db()
    return attempt


def manual_answers(attempt):
    return list(attempt.answers.filter(question__kind__in=("short", "scenario")).order_by("pk"))


def test_short_and_scenario_answers_wait_for_a_trainer(submitted):
    assert submitted.status == "submitted" and submitted.score is None
    assert submitted.graded_at is None and submitted.passed is None
    pending = [a.question.kind for a in Answer.objects.filter(attempt=submitted, points=None)]
    assert sorted(pending) == ["scenario", "short"]


def test_a_trainer_grades_by_api_and_every_grade_is_audited(personas, submitted):
    tina = client_for(personas.tina)
    queue = tina.get(f"{API}/grading").json()
    assert {p["kind"] for p in queue} == {"short", "scenario"}
    assert all(p["rubric"] for p in queue)
    short, scenario = manual_answers(submitted)

    def grade(answer, points):
        body = json.dumps({"points": points, "comment": "缺时限"})
        response = tina.post(
            f"{API}/answers/{answer.pk}/grade", body, content_type="application/json"
        )
        assert response.status_code == 200, response.content
        return response.json()["attempt"]

    assert grade(short, 4)["score"] is None  # the scenario still waits
    attempt = grade(scenario, 2)
    # 9 objective points + 4 + 2 = 15 of 19
    assert attempt["score"] == pytest.approx(78.9) and attempt["passed"] is False
    assert attempt["status"] == "graded"
    # a grade change re-scores and is audited with before and after
    assert grade(short, 5)["score"] == pytest.approx(84.2)
    logs = list(AuditLog.objects.filter(action="training").order_by("pk"))
    assert len(logs) == 3
    assert (logs[-1].detail["points_before"], logs[-1].detail["points_after"]) == ("4.0", "5.0")
    assert (logs[-1].detail["score_before"], logs[-1].detail["score_after"]) == ("78.9", "84.2")
    assert logs[-1].user == personas.tina
    # the agent was told once, when the score appeared
    from kefu.notifications.models import Notification

    assert (
        Notification.objects.filter(recipient=personas.alice, kind="training.exam_graded").count()
        == 1
    )


def test_grades_are_bounded_and_only_for_trainers(personas, submitted):
    short, _ = manual_answers(submitted)
    url = f"{API}/answers/{short.pk}/grade"

    def grade(user, points):
        return client_for(user).post(
            url, json.dumps({"points": points}), content_type="application/json"
        )

    assert grade(personas.tina, 6).status_code == 422  # the question is worth 5
    assert grade(personas.tina, 2.25).status_code == 422
    assert grade(personas.alice, 5).status_code == 403  # her own answer: seen, not graded
    assert grade(personas.sam, 5).status_code == 403  # the supervisor: seen, not graded
    assert grade(personas.mia, 5).status_code == 403
    assert grade(personas.bob, 5).status_code == 404
    assert grade(personas.quinn, 5).status_code == 404
    assert not AuditLog.objects.filter(action="training").exists()
    assert client_for(personas.alice).get(f"{API}/grading").status_code == 403


def test_an_attempt_in_progress_is_not_graded(personas, exam):
    attempt = actions.start_attempt(exam, user=personas.alice)
    answer = attempt.answers.first()
    response = client_for(personas.tina).post(
        f"{API}/answers/{answer.pk}/grade",
        json.dumps({"points": 1}),
        content_type="application/json",
    )
    assert response.status_code == 409


def test_the_grading_page_grades_and_shows_the_rubric(personas, submitted):
    tina = client_for(personas.tina)
    queue = tina.get("/training/exams/grading/").content.decode()
    assert f"/training/exams/attempts/{submitted.pk}/grade/" in queue
    page = tina.get(f"/training/exams/attempts/{submitted.pk}/grade/").content.decode()
    assert "RUBRIC-致歉一分-时限两分" in page
    for answer in manual_answers(submitted):
        tina.post(f"/training/exams/attempts/{submitted.pk}/grade/",
                  {"answer": answer.pk, "points": "5", "comment": "好"})  # fmt: skip
    submitted.refresh_from_db()
    # 9 + 5 + 5 of 19
    assert float(submitted.score) == 100.0 and submitted.passed
    assert client_for(personas.tina).get("/training/exams/grading/").context["groups"] == []
    for who in ("alice", "sam", "mia"):
        client = client_for(getattr(personas, who))
        assert client.get(f"/training/exams/attempts/{submitted.pk}/grade/").status_code == 403
        assert client.get("/training/exams/grading/").status_code == 403
    assert (
        client_for(personas.bob).get(f"/training/exams/attempts/{submitted.pk}/").status_code == 404
    )


def test_the_failing_hook_runs_once_for_a_failed_certification(personas, bank, monkeypatch):
    calls = []
    monkeypatch.setattr(actions, "on_exam_failed", calls.append)
    quiz = make_exam(bank)
    attempt = actions.start_attempt(quiz, user=personas.alice)
    attempt = actions.submit_attempt(attempt, user=personas.alice)
    assert attempt.passed is False and calls == []  # a quiz: no hook
    certification = make_exam(bank, kind="certification", title="季度认证")
    attempt = actions.start_attempt(certification, user=personas.alice)
    actions.submit_attempt(attempt, user=personas.alice)  # blank paper: 0, failed at once
    assert [a.pk for a in calls] == [attempt.pk]
    # a re-grade that keeps it failed does not call it again
    short = attempt.answers.filter(question__kind="short").get()
    actions.grade_answer(short, 3, user=personas.tina)
    assert len(calls) == 1
    retest = make_exam(bank, kind="retest", title="补考")
    expired = actions.start_attempt(retest, user=personas.bob)
    Attempt.objects.filter(pk=expired.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    actions.close_overdue_attempts()
    assert [a.pk for a in calls] == [attempt.pk, expired.pk]


def test_the_failing_hook_waits_for_the_trainer_when_answers_are_pending(
    personas, bank, monkeypatch
):
    calls = []
    monkeypatch.setattr(actions, "on_exam_failed", calls.append)
    certification = make_exam(bank, kind="certification", title="季度认证")
    attempt = actions.start_attempt(certification, user=personas.alice)
    short = Question.objects.get(pk__in=attempt.question_ids, kind="short")
    actions.submit_attempt(attempt, user=personas.alice, responses={short.pk: ["答案"]})
    assert calls == []  # pending: not graded yet
    actions.grade_answer(attempt.answers.get(question=short), 0, user=personas.tina)
    assert len(calls) == 1


def test_best_score_is_the_best_graded_attempt(personas, bank):
    exam = make_exam(bank, attempts_allowed=3)
    alice = Agent.objects.get(user=personas.alice)
    assert selectors.best_score(alice, exam) is None
    first = actions.start_attempt(exam, user=personas.alice)
    actions.submit_attempt(first, user=personas.alice)  # 0
    second = actions.start_attempt(exam, user=personas.alice)
    actions.submit_attempt(second, user=personas.alice, responses=right_answers(second))
    third = actions.start_attempt(exam, user=personas.alice)  # in progress: not counted
    actions.save_answers(third, right_answers(third), user=personas.alice)
    assert selectors.best_score(alice, exam) == Decimal("47.4")
    assert selectors.best_score(alice.pk, exam.pk) == Decimal("47.4")
    assert selectors.knowledge_scores(exam) == {alice.pk: Decimal("47.4")}


def test_the_results_page_is_scoped(personas, bank):
    exam = make_exam(bank)
    for user in (personas.alice, personas.bob):
        attempt = actions.start_attempt(exam, user=user)
        actions.submit_attempt(attempt, user=user, responses=right_answers(attempt))
    url = f"/training/exams/{exam.pk}/results/"
    counts = {}
    for who in ("alice", "bob", "sam", "tina", "mia"):
        response = client_for(getattr(personas, who)).get(url)
        counts[who] = response.context["summary"].attempts
    assert counts == {"alice": 1, "bob": 1, "sam": 1, "tina": 2, "mia": 2}
    api = client_for(personas.mia).get(f"{API}/exams/{exam.pk}/results").json()
    assert api["graded"] == 2 and api["mean"] == pytest.approx(47.4) and api["passed"] == 0


def test_item_analysis_is_for_trainers_and_follows_the_core(personas, bank):
    exam = make_exam(bank)
    agents = []
    for i in range(6):
        agent = Agent.objects.create(external_id=f"A9{i:03d}", name=f"客服{i}")
        from django.contrib.auth.models import User

        user = User.objects.create_user(f"agent{i}")
        Agent.objects.filter(pk=agent.pk).update(user=user)
        agents.append(user)
    for i, user in enumerate(agents):
        attempt = actions.start_attempt(exam, user=user)
        right = right_answers(attempt)
        keep = dict(list(sorted(right.items()))[: 3 + i])  # stronger agents answer more
        actions.submit_attempt(attempt, user=user, responses=keep)
    tina = client_for(personas.tina)
    page = tina.get(f"/training/exams/{exam.pk}/analysis/")
    assert page.status_code == 200 and page.context["analysed"] == 6
    body = tina.get(f"{API}/exams/{exam.pk}/item-analysis").json()
    items = {i["question"]: i for i in body["items"]}
    # the short answer: blank for everyone → facility 0, too hard, no discrimination
    assert items["H1"]["facility"] == 0 and "too_hard" in items["H1"]["flags"]
    assert items["H1"]["discrimination"] is None
    for who in ("alice", "sam", "mia"):
        assert (
            client_for(getattr(personas, who))
            .get(f"/training/exams/{exam.pk}/analysis/")
            .status_code
            == 403
        )
        assert (
            client_for(getattr(personas, who))
            .get(f"{API}/exams/{exam.pk}/item-analysis")
            .status_code
            == 403
        )


def test_pre_post_pairs_the_agents_of_a_course(personas, bank):
    course = Course.objects.create(title="新人7天速赢")
    pre = make_exam(bank, kind="pre", course=course, title="前测")
    post = make_exam(bank, kind="post", course=course, title="后测")
    for user, pre_right, post_right in ((personas.alice, 2, 9), (personas.bob, 5, 9)):
        for exam, right in ((pre, pre_right), (post, post_right)):
            attempt = actions.start_attempt(exam, user=user)
            answers = dict(list(sorted(right_answers(attempt).items()))[:right])
            actions.submit_attempt(attempt, user=user, responses=answers)
    rows = selectors.pre_post(personas.tina)
    assert len(rows) == 1
    figures = rows[0].figures
    # 19 points possible: pre 2/19 = 10.5 and 5/19 = 26.3; post 9/19 = 47.4 each
    assert figures.paired_n == 2 and figures.improved == 2
    assert figures.paired_pre_mean == pytest.approx((10.5 + 26.3) / 2)
    assert figures.paired_post_mean == pytest.approx(47.4)
    page = client_for(personas.sam).get("/training/exams/pre-post/")
    assert page.status_code == 200 and page.context["rows"][0].figures.paired_n == 1  # his team
    assert (
        client_for(personas.bob)
        .get("/training/exams/pre-post/")
        .context["rows"][0]
        .figures.paired_n
        == 1
    )


def test_an_exam_is_built_on_pages_from_a_bank(personas, bank):
    tina = client_for(personas.tina)
    form = {
        "title": "结业考试", "kind": "post", "bank": bank.pk, "time_limit_minutes": 20,
        "attempts_allowed": 2, "pass_score": 85, "closed_book": "on", "published": "on",
        "parts-TOTAL_FORMS": 2, "parts-INITIAL_FORMS": 0,
        "parts-0-kind": "single", "parts-0-count": 3, "parts-1-count": 2,
    }  # fmt: skip
    refused = tina.post("/training/exams/new/", form)
    assert refused.status_code == 200 and "必须关联课程" in refused.content.decode()
    course = Course.objects.create(title="新人7天速赢")
    form["course"] = course.pk
    form["parts-0-count"] = 5  # only 4 single-choice questions
    too_many = tina.post("/training/exams/new/", form)
    assert "第 1 部分需要 5 道题" in too_many.content.decode()
    form["parts-0-count"] = 3
    response = tina.post("/training/exams/new/", form)
    exam = Exam.objects.get(title="结业考试")
    assert response.url == f"/training/exams/{exam.pk}/"
    assert [(p.kind, p.count) for p in ExamPart.objects.filter(exam=exam)] == [
        ("single", 3),
        ("", 2),
    ]
    attempt = actions.start_attempt(exam, user=personas.alice)
    kinds = [Question.objects.get(pk=q).kind for q in attempt.question_ids]
    assert len(kinds) == 5 and kinds[:3] == ["single"] * 3
    for who in ("alice", "sam", "mia"):
        assert client_for(getattr(personas, who)).get("/training/exams/new/").status_code == 403
        assert (
            client_for(getattr(personas, who)).get(f"/training/exams/{exam.pk}/edit/").status_code
            == 403
        )


def test_a_failed_certification_exam_enrols_in_the_improvement_class(personas, bank):
    from kefu.training.choices import AssignmentSource
    from kefu.training.models import Assignment, Certificate, CertificationCycle

    certification = make_exam(bank, kind="certification", title="季度认证·知识")
    today = timezone.localdate()
    cycle = CertificationCycle.objects.create(
        name="2026Q4", starts_on=today - timedelta(days=10), ends_on=today + timedelta(days=80),
        knowledge_exam=certification, knowledge_weight=100, communication_weight=0,
        problem_weight=0,
    )  # fmt: skip
    attempt = actions.start_attempt(certification, user=personas.alice)
    actions.submit_attempt(attempt, user=personas.alice)  # blank paper: 0, failed
    result = Certificate.objects.get(cycle=cycle, agent__user=personas.alice)
    assert result.total == 0 and not result.passed
    improvement = Assignment.objects.get(agent__user=personas.alice)
    assert improvement.source == AssignmentSource.IMPROVEMENT
    assert improvement.course.kind == "improvement"


def test_the_exam_form_offers_the_sessions_of_its_course_upcoming_or_recent(personas, bank):
    from kefu.training.models import TrainingSession

    now = timezone.now()

    def session(title, course, days, **kw):
        start = now + timedelta(days=days)
        return TrainingSession.objects.create(
            title=title, course=course, starts_at=start, ends_at=start + timedelta(hours=2), **kw
        )

    a, b = Course.objects.create(title="投诉处理"), Course.objects.create(title="产品知识")
    upcoming, recent = session("A 下周", a, 7), session("A 上周", a, -7)
    old, cancelled = session("A 两月前", a, -60), session("A 已取消", a, 3, status="cancelled")
    other = session("B 下周", b, 7)
    tina = client_for(personas.tina)

    def offered(page) -> set[str]:
        return {s.title for s in page.context["form"].fields["session"].queryset}

    # a new exam: every upcoming or recent session, each option saying its course
    new = tina.get("/training/exams/new/")
    assert offered(new) == {"A 下周", "A 上周", "B 下周"}
    assert f'value="{other.pk}" data-course="{b.pk}"' in new.content.decode()
    # an exam of course A: A's only, and the old session it already has
    exam = make_exam(bank, course=a, session=old)
    edit = tina.get(f"/training/exams/{exam.pk}/edit/")
    assert offered(edit) == {"A 下周", "A 上周", "A 两月前"}
    form = {
        "title": exam.title, "kind": "quiz", "course": a.pk, "bank": bank.pk,
        "time_limit_minutes": 30, "attempts_allowed": 1, "pass_score": 85,
        "parts-TOTAL_FORMS": 1, "parts-INITIAL_FORMS": 0, "parts-0-count": 3,
    }  # fmt: skip
    # another course's session is refused with the reason; an old or cancelled one is
    # not offered at all
    wrong = tina.post(f"/training/exams/{exam.pk}/edit/", form | {"session": other.pk})
    assert wrong.status_code == 200 and "请选择本考试课程的场次" in wrong.content.decode()
    refused = tina.post(f"/training/exams/{exam.pk}/edit/", form | {"session": cancelled.pk})
    assert "session" in refused.context["form"].errors
    new_exam = form | {"title": "另一场", "session": old.pk}  # old: not this exam's
    assert "session" in tina.post("/training/exams/new/", new_exam).context["form"].errors
    ok = tina.post(f"/training/exams/{exam.pk}/edit/", form | {"session": upcoming.pk})
    assert ok.status_code == 302
    exam.refresh_from_db()
    assert exam.session == upcoming
    assert recent.pk  # offered above, never chosen
