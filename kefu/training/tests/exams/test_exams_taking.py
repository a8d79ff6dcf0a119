"""Taking an exam, by page and by API: the paper carries no answer before submission,
the server keeps the deadline, and late, repeated, foreign or off-paper answers are
refused — as the agent, another agent, the supervisor and a trainer."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import client_for
from kefu.audit.models import AuditLog
from kefu.training.actions import exams as actions
from kefu.training.models import Answer, Attempt, Question
from kefu.training.tests.exams.conftest import (
    SECRET_FILL,
    make_exam,
    right_answers,
)

API = "/api/v1/training"
DUMMY_TASKS = "django_tasks.backends.dummy.DummyBackend"


def put(client, url, body):
    return client.put(url, json.dumps(body), content_type="application/json")


def post(client, url, body=None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


@pytest.fixture
def started(personas, exam):
    """alice's attempt in progress, started through the page."""
    response = client_for(personas.alice).post(f"/training/exams/{exam.pk}/start/")
    attempt = Attempt.objects.get(exam=exam, agent__user=personas.alice)
    assert response.url == f"/training/exams/attempts/{attempt.pk}/take/"
    return attempt


def test_it_draws_every_question_once_and_fixes_the_deadline_on_the_server(started, exam):
    assert sorted(started.question_ids) == sorted(exam.bank.questions.values_list("pk", flat=True))
    assert started.deadline - started.started_at == timedelta(minutes=30)
    assert started.answers.count() == len(started.question_ids)


def test_two_attempts_draw_in_different_orders(personas, bank):
    exam = make_exam(bank, attempts_allowed=5)
    papers = set()
    for _ in range(3):
        attempt = actions.start_attempt(exam, user=personas.alice)
        papers.add(tuple(attempt.question_ids))
        actions.submit_attempt(attempt, user=personas.alice)
    assert len(papers) > 1


def test_the_taking_page_carries_no_answer_and_no_rubric(personas, started):
    html = client_for(personas.alice).get(f"/training/exams/attempts/{started.pk}/take/")
    assert html.status_code == 200
    text = html.content.decode()
    assert SECRET_FILL not in text and "RUBRIC" not in text
    assert "ex-right" not in text and "✓" not in text and "data-answer" not in text
    # every choice is there, unmarked
    for q in Question.objects.filter(pk__in=started.question_ids, kind="single"):
        for choice in q.choices:
            assert choice in text


def test_the_api_paper_carries_no_answer_and_no_rubric(personas, started):
    response = client_for(personas.alice).get(f"{API}/attempts/{started.pk}/questions")
    assert response.status_code == 200
    raw = response.content.decode()
    assert SECRET_FILL not in raw and "RUBRIC" not in raw
    body = response.json()
    assert len(body["questions"]) == len(started.question_ids)
    for q in body["questions"]:
        assert set(q) == {"id", "position", "kind", "text", "points", "choices", "excerpt",
                          "response"}  # fmt: skip
    # the exam itself neither
    raw_exam = client_for(personas.alice).get(f"{API}/exams/{started.exam_id}").content.decode()
    assert SECRET_FILL not in raw_exam and "RUBRIC" not in raw_exam and '"answer"' not in raw_exam


def test_a_closed_book_exam_page_has_no_way_out(personas, started, exam):
    text = client_for(personas.alice).get(f"/training/exams/attempts/{started.pk}/take/").content
    text = text.decode()
    assert 'class="mainnav"' not in text and 'id="notification-bell"' not in text
    assert 'id="closed-book"' in text and 'data-closed-book="1"' in text
    assert "/training/exams/" not in text.replace(f"/training/exams/attempts/{started.pk}/", "")
    exam.closed_book = False
    exam.save()
    open_book = client_for(personas.alice).get(f"/training/exams/attempts/{started.pk}/take/")
    assert 'class="mainnav"' in open_book.content.decode()


def test_the_agent_saves_then_submits_and_sees_the_key_after(personas, started):
    alice = client_for(personas.alice)
    right = right_answers(started)
    assert put(alice, f"{API}/attempts/{started.pk}/answers", {"answers": right}).status_code == 200
    before = alice.get(f"{API}/attempts/{started.pk}/result")
    assert before.status_code == 409  # no result before submission
    result = post(alice, f"{API}/attempts/{started.pk}/submit")
    assert result.status_code == 200
    body = result.json()
    # 9 objective questions right (9 points), short and scenario left blank (0 of 10)
    assert body["status"] == "graded" and body["score"] == pytest.approx(47.4)
    assert body["passed"] is False and body["key_shown"] is True
    fill = next(a for a in body["answers"] if a["kind"] == "fill")
    assert SECRET_FILL in fill["answer"]
    page = alice.get(f"/training/exams/attempts/{started.pk}/").content.decode()
    assert 'id="score"' in page and "47.4" in page and SECRET_FILL in page


def test_the_page_form_saves_and_submits(personas, started):
    alice = client_for(personas.alice)
    fields = {"action": "save"}
    for qid, response in right_answers(started).items():
        fields[f"q{qid}"] = [str(v).lower() if isinstance(v, bool) else str(v) for v in response]
    short = next(q for q in Question.objects.filter(pk__in=started.question_ids, kind="short"))
    fields[f"q{short.pk}"] = "先致歉，再给出处理时限"
    url = f"/training/exams/attempts/{started.pk}/take/"
    assert alice.post(url, fields).status_code == 302
    assert Answer.objects.get(attempt=started, question=short).response == [
        "先致歉，再给出处理时限"
    ]
    fields["action"] = "submit"
    response = alice.post(url, fields)
    assert response.url == f"/training/exams/attempts/{started.pk}/"
    started.refresh_from_db()
    assert started.status == "submitted" and started.score is None  # short and scenario wait


def test_a_repeated_submission_is_refused(personas, started):
    alice = client_for(personas.alice)
    assert post(alice, f"{API}/attempts/{started.pk}/submit").status_code == 200
    again = post(alice, f"{API}/attempts/{started.pk}/submit")
    assert again.status_code == 409
    late_save = put(alice, f"{API}/attempts/{started.pk}/answers", {"answers": {}})
    assert late_save.status_code == 409


def test_answers_to_questions_not_drawn_are_refused(personas, bank, started):
    other = Question.objects.create(bank=bank, external_id="X9", kind="true_false", text="?",
                                    answer=[True])  # fmt: skip
    alice = client_for(personas.alice)
    first = started.question_ids[0]
    body = {"answers": {str(first): [], str(other.pk): [True]}}
    response = put(alice, f"{API}/attempts/{started.pk}/answers", body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["id"] == str(other.pk)
    submitted = post(alice, f"{API}/attempts/{started.pk}/submit", body)
    assert submitted.status_code == 422
    started.refresh_from_db()
    assert started.status == "in_progress"  # nothing was submitted
    # the page form refuses it too, saving nothing
    page = alice.post(f"/training/exams/attempts/{started.pk}/take/",
                      {"action": "save", f"q{other.pk}": "true", f"q{first}": "0"})  # fmt: skip
    assert page.status_code == 302
    assert Answer.objects.get(attempt=started, question_id=first).response == []
    assert not Answer.objects.filter(attempt=started, question=other).exists()


def test_responses_that_do_not_fit_are_refused(personas, started):
    single = Question.objects.filter(pk__in=started.question_ids, kind="single").first()
    alice = client_for(personas.alice)
    for bad in ([9], ["A"], [True], "x", [0, 1]):
        body = {"answers": {str(single.pk): bad}}
        assert put(alice, f"{API}/attempts/{started.pk}/answers", body).status_code == 422


def test_others_may_not_answer_or_submit(personas, started):
    url = f"{API}/attempts/{started.pk}"
    body = {"answers": right_answers(started)}
    # bob, another agent of another team: the attempt does not exist for him
    bob = client_for(personas.bob)
    assert bob.get(url).status_code == 404
    assert put(bob, f"{url}/answers", body).status_code == 404
    assert post(bob, f"{url}/submit").status_code == 404
    assert bob.get(f"/training/exams/attempts/{started.pk}/take/").status_code == 404
    # sam, alice's supervisor, sees the attempt but not its questions while it runs
    sam = client_for(personas.sam)
    assert sam.get(url).status_code == 200
    assert sam.get(f"{url}/questions").status_code == 403
    assert put(sam, f"{url}/answers", body).status_code == 403
    assert post(sam, f"{url}/submit").status_code == 403
    assert sam.get(f"/training/exams/attempts/{started.pk}/take/").status_code == 403
    # tina, a trainer: sees it all, answers nothing
    tina = client_for(personas.tina)
    assert tina.get(f"{url}/questions").status_code == 200
    assert put(tina, f"{url}/answers", body).status_code == 403
    assert post(tina, f"{url}/submit").status_code == 403
    assert client_for(personas.olga).get(url).status_code == 404
    started.refresh_from_db()
    assert started.status == "in_progress"
    assert not started.answers.exclude(response=[]).exists()


def test_late_answers_and_submissions_are_refused_and_what_was_saved_is_graded(personas, started):
    alice = client_for(personas.alice)
    right = right_answers(started)
    half = dict(list(right.items())[:4])
    assert put(alice, f"{API}/attempts/{started.pk}/answers", {"answers": half}).status_code == 200
    Attempt.objects.filter(pk=started.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    late = put(alice, f"{API}/attempts/{started.pk}/answers", {"answers": right})
    assert late.status_code == 409
    assert post(alice, f"{API}/attempts/{started.pk}/submit", {"answers": right}).status_code == 409
    started.refresh_from_db()
    # closed at the deadline with the four answers saved before it: 4 of 19 points
    assert started.status == "expired" and started.submitted_at == started.deadline
    assert float(started.score) == pytest.approx(21.1) and started.passed is False


def _rows() -> list:
    """Every attempt and answer as stored, and the audit trail's length."""
    return [
        list(Attempt.objects.order_by("pk").values()),
        list(Answer.objects.order_by("pk").values()),
        AuditLog.objects.count(),
    ]


def test_reading_an_overdue_attempt_changes_no_row(personas, started):
    # given: alice saved her answers and left; the time ran out
    actions.save_answers(started, right_answers(started), user=personas.alice)
    Attempt.objects.filter(pk=started.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    alice, sam, tina = (client_for(getattr(personas, w)) for w in ("alice", "sam", "tina"))
    before = _rows()  # after the log-ins (audited)
    exam, agent = started.exam_id, started.agent_id
    # when: everyone reads every page and API route that shows it
    take = alice.get(f"/training/exams/attempts/{started.pk}/take/")
    assert take.status_code == 302 and take.url == f"/training/exams/attempts/{started.pk}/"
    page = alice.get(f"/training/exams/attempts/{started.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="overdue"' in html and 'id="grade-now"' in html and "正在评分" in html
    for client, url in [
        (alice, "/training/exams/"), (alice, f"/training/exams/{exam}/"),
        (alice, f"/training/records/{agent}/"), (alice, "/training/"),
        (sam, f"/training/exams/attempts/{started.pk}/"), (tina, f"/training/exams/{exam}/results/"),
        (tina, "/training/exams/grading/"), (tina, f"/training/exams/attempts/{started.pk}/grade/"),
    ]:  # fmt: skip
        assert client.get(url).status_code == 200, url
    got = alice.get(f"{API}/attempts/{started.pk}").json()
    assert got["overdue"] is True and got["status"] == "in_progress" and got["score"] is None
    assert alice.get(f"{API}/attempts/{started.pk}/questions").status_code == 200
    assert alice.get(f"{API}/attempts/{started.pk}/result").status_code == 409
    detail = alice.get(f"{API}/exams/{exam}").json()
    assert detail["current_attempt"] is None and detail["my_attempts"][0]["overdue"] is True
    results = tina.get(f"{API}/exams/{exam}/results").json()
    assert (results["overdue"], results["in_progress"]) == (1, 0)
    assert tina.get(f"{API}/grading").status_code == 200
    assert alice.get(f"{API}/records/{agent}").json()["exams"][0]["overdue"] is True
    # then: not a row changed
    assert _rows() == before
    # a POST closes it: graded with what was saved before the deadline
    closed = alice.post(f"/training/exams/attempts/{started.pk}/take/", {"action": "close"})
    assert closed.url == f"/training/exams/attempts/{started.pk}/"
    started.refresh_from_db()
    assert started.status == "expired" and float(started.score) == pytest.approx(47.4)


def test_a_start_queues_the_closing_for_just_after_the_deadline(
    personas, exam, django_capture_on_commit_callbacks
):
    from django.test import override_settings
    from django_tasks import default_task_backend

    with override_settings(TASKS={"default": {"BACKEND": DUMMY_TASKS}}):
        default_task_backend.clear()
        with django_capture_on_commit_callbacks(execute=True):
            attempt = actions.start_attempt(exam, user=personas.alice)
        (queued,) = [r for r in default_task_backend.results
                     if r.task.name == "close_overdue_attempts_task"]  # fmt: skip
        assert queued.task.run_after == attempt.deadline + timedelta(
            seconds=actions.CLOSING_DELAY_S
        )
        # what the worker then runs
        Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(1))
        assert actions.close_overdue_attempts_task.call() == 1
    attempt.refresh_from_db()
    assert attempt.status == "expired"


def test_the_cron_command_closes_overdue_attempts(personas, started):
    from django.core.management import call_command

    Attempt.objects.filter(pk=started.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    call_command("training_close_attempts", verbosity=0)
    started.refresh_from_db()
    assert started.status == "expired" and started.graded_at is not None


def test_starting_resumes_the_attempt_in_progress_and_stops_at_the_allowance(personas, exam):
    alice = client_for(personas.alice)
    first = post(alice, f"{API}/exams/{exam.pk}/attempts")
    assert first.status_code == 201
    again = post(alice, f"{API}/exams/{exam.pk}/attempts")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert post(alice, f"{API}/attempts/{first.json()['id']}/submit").status_code == 200
    refused = post(alice, f"{API}/exams/{exam.pk}/attempts")
    assert refused.status_code == 409 and refused.json()["detail"]
    assert Attempt.objects.filter(exam=exam).count() == 1


def test_only_agents_take_published_open_exams(personas, exam):
    assert post(client_for(personas.tina), f"{API}/exams/{exam.pk}/attempts").status_code == 403
    exam.published = False
    exam.save()
    assert post(client_for(personas.alice), f"{API}/exams/{exam.pk}/attempts").status_code == 404
    exam.published = True
    exam.opens_at = timezone.now() + timedelta(days=1)
    exam.save()
    assert post(client_for(personas.alice), f"{API}/exams/{exam.pk}/attempts").status_code == 409


def test_the_deadline_is_cut_at_the_exam_closing(personas, exam):
    closes = timezone.now() + timedelta(minutes=10)
    exam.closes_at = closes
    exam.save()
    attempt = actions.start_attempt(exam, user=personas.alice)
    assert attempt.deadline == closes


def test_the_key_waits_while_attempts_remain(personas, bank):
    exam = make_exam(bank, attempts_allowed=2)
    attempt = actions.start_attempt(exam, user=personas.alice)
    actions.submit_attempt(attempt, user=personas.alice)
    alice = client_for(personas.alice)
    body = alice.get(f"{API}/attempts/{attempt.pk}/result").json()
    assert body["key_shown"] is False and all(a["answer"] is None for a in body["answers"])
    assert SECRET_FILL not in alice.get(f"/training/exams/attempts/{attempt.pk}/").content.decode()
    # the supervisor sees the key of a finished attempt
    assert client_for(personas.sam).get(f"{API}/attempts/{attempt.pk}/result").json()["key_shown"]


def test_the_exam_list_shows_an_agent_published_exams_only(
    personas, exam, bank, django_assert_max_num_queries
):
    make_exam(bank, title="草稿考试", published=False)
    alice = client_for(personas.alice)
    with django_assert_max_num_queries(25):
        page = alice.get("/training/exams/")
    assert "新人知识测验" in page.content.decode() and "草稿考试" not in page.content.decode()
    titles = [e["title"] for e in alice.get(f"{API}/exams").json()]
    assert titles == ["新人知识测验"]
    assert {e["title"] for e in client_for(personas.tina).get(f"{API}/exams").json()} == {
        "新人知识测验", "草稿考试",
    }  # fmt: skip
