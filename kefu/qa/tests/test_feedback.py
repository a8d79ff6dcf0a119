"""False-positive feedback (docs/qa-feedback.md): judging a hit, the QA specialist's
decision, the hit leaving the score and the figures only once confirmed, the rules'
confirmed precision, access per role, and `kefu qa score` unaffected."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from kefu.qa.core.defaults import default_engine
from kefu.qa.core.engine import Engine
from kefu.qa.core.figures import rule_precision
from kefu.qa.models import FeedbackStatus, HitFeedback, HitRollup, QaHit, QaResult
from kefu.qa.scoring import score_conversations
from kefu.qa.tests.conversations import CLEAN, conversation, replace
from kefu.qa.tests.test_views import TABOO, as_user, chat

RULE = "forbidden_phrase"  # hits m4 of TABOO ("我不知道 … 没办法"): −10 points


@pytest.fixture
def data(personas, import_records):
    """alice's C-FB-ALICE and bob's C-FB-BOB, each hit by forbidden_phrase (score 90)."""
    report = import_records(
        chat("C-FB-ALICE", "A0007", 0, TABOO), chat("C-FB-BOB", "A0102", 1, TABOO)
    )
    assert report.rejected == 0, report.errors
    return personas


def current(external_id: str) -> QaResult:
    return QaResult.objects.get(conversation__external_id=external_id, is_current=True)


def rule_hits() -> int:
    return sum(HitRollup.objects.filter(indicator=RULE, grain="m").values_list("hits", flat=True))


def judge(client, external_id: str = "C-FB-ALICE", verdict: str = "wrong", **extra):
    url = reverse("qa:hit_judge", args=[external_id, RULE])
    return client.post(url, {"verdict": verdict, **extra})


# --- the figure -----------------------------------------------------------------------------


def test_it_defines_precision_as_one_minus_confirmed_over_reviewed():
    assert rule_precision(3, 40) == pytest.approx(0.925)
    assert rule_precision(0, 5) == 1.0
    assert rule_precision(5, 5) == 0.0
    assert rule_precision(0, 0) is None  # nothing reviewed: no precision, not 100 %
    with pytest.raises(ValueError):
        rule_precision(3, 2)


def test_it_recomputes_the_score_without_excluded_hits():
    engine: Engine = default_engine()
    scored = engine.score(conversation(replace(CLEAN, 3, "我也没办法")))
    assert RULE in {h.indicator for h in scored.hits}
    without = engine.without(scored, {RULE}, "chat")
    assert RULE not in {h.indicator for h in without.hits}
    assert without.score == scored.score + 10
    assert engine.without(scored, {"not_hit"}, "chat") is scored


# --- judging and deciding -------------------------------------------------------------------


def test_a_report_changes_nothing_until_confirmed(data):
    # given alice reports the hit on her own conversation
    response = judge(as_user(data.alice), reason="客户自己说的不知道", next="/qa/")
    # then it waits, and the hit still counts
    assert response.status_code == 302 and response["Location"] == "/qa/"
    feedback = HitFeedback.objects.get()
    assert (feedback.status, feedback.reason) == (FeedbackStatus.PENDING, "客户自己说的不知道")
    assert feedback.evidence.startswith("出现:")
    assert current("C-FB-ALICE").score == 90
    assert rule_hits() == 2


def test_a_confirmed_false_positive_leaves_the_score_and_the_figures(data):
    # given a report
    judge(as_user(data.alice))
    feedback = HitFeedback.objects.get()
    # when quinn confirms it
    response = as_user(data.quinn).post(
        reverse("qa:feedback_decide", args=[feedback.pk]), {"decision": "confirm", "note": "对"}
    )
    # then the conversation is scored without the hit
    assert response.status_code == 302
    result = current("C-FB-ALICE")
    assert (result.score, result.hit_count) == (100, 1)
    assert not QaHit.objects.filter(result=result, indicator=RULE).exists()
    assert rule_hits() == 1  # only bob's
    assert current("C-FB-BOB").score == 90
    # and stays so after a re-score of everything
    score_conversations(QaResult.objects.values_list("conversation_id", flat=True))
    assert current("C-FB-ALICE").score == 100
    # the conversation page lists it as set aside, without the judging form
    page = as_user(data.alice).get(reverse("qa:conversation", args=["C-FB-ALICE"]))
    html = page.content.decode()
    assert 'id="qa-set-aside"' in html and f'data-judge="{RULE}"' not in html


def test_a_rejected_report_leaves_the_hit(data):
    judge(as_user(data.alice))
    feedback = HitFeedback.objects.get()
    as_user(data.quinn).post(
        reverse("qa:feedback_decide", args=[feedback.pk]), {"decision": "reject"}
    )
    feedback.refresh_from_db()
    assert feedback.status == FeedbackStatus.REJECTED and feedback.decided_by == data.quinn
    assert current("C-FB-ALICE").score == 90
    # a decision is final
    assert judge(as_user(data.alice), verdict="correct").status_code == 409
    again = as_user(data.quinn).post(
        reverse("qa:feedback_decide", args=[feedback.pk]), {"decision": "confirm"}
    )
    assert again.status_code == 409
    assert current("C-FB-ALICE").score == 90


def test_the_rules_show_the_confirmed_precision(data):
    quinn = as_user(data.quinn)
    # one hit marked correct, one reported and confirmed: 1 − 1/2 = 50 %
    judge(as_user(data.alice), verdict="correct")
    judge(as_user(data.bob), "C-FB-BOB")
    decide_url = reverse("qa:feedback_decide", args=[HitFeedback.objects.get(status="pending").pk])
    queue = quinn.get(reverse("qa:feedback"))
    assert queue.status_code == 200 and "C-FB-BOB" in queue.content.decode()
    assert "C-FB-ALICE" not in queue.content.decode()  # a hit marked correct is not queued
    quinn.post(decide_url, {"decision": "confirm"})
    rules = quinn.get(reverse("qa:rules")).content.decode()
    assert f'data-precision="{RULE}">50.0 %<' in rules
    page = quinn.get(reverse("qa:rule_edit", args=[RULE])).content.decode()
    assert f'data-precision="{RULE}">50.0 %<' in page
    assert "已复核 2 次命中，其中 1 次确认误判" in page  # the UI's language


def test_a_pending_report_is_not_reviewed_yet(data):
    judge(as_user(data.alice))
    rules = as_user(data.quinn).get(reverse("qa:rules")).content.decode()
    assert f'data-precision="{RULE}">—<' in rules


# --- access -----------------------------------------------------------------------------------


def test_it_only_lets_users_judge_conversations_they_see(data):
    assert judge(as_user(data.bob)).status_code == 404  # a colleague's conversation
    assert judge(as_user(data.olga)).status_code == 404
    assert judge(as_user(data.sam)).status_code == 302  # alice's supervisor
    assert not HitFeedback.objects.filter(reported_by=data.bob).exists()


def test_it_validates_the_judgement(data):
    alice = as_user(data.alice)
    assert judge(alice, verdict="maybe").status_code == 400
    url = reverse("qa:hit_judge", args=["C-FB-ALICE", "no_such_rule"])
    assert alice.post(url, {"verdict": "wrong"}).status_code == 400
    assert alice.get(reverse("qa:hit_judge", args=["C-FB-ALICE", RULE])).status_code == 405
    assert not HitFeedback.objects.exists()


def test_only_qa_specialists_decide(data):
    judge(as_user(data.alice))
    url = reverse("qa:feedback_decide", args=[HitFeedback.objects.get().pk])
    for user in (data.alice, data.bob, data.sam, data.mia):
        assert as_user(user).post(url, {"decision": "confirm"}).status_code == 403
        assert as_user(user).get(reverse("qa:feedback")).status_code == 403
    assert HitFeedback.objects.get().status == FeedbackStatus.PENDING
    assert as_user(data.quinn).post(url, {"decision": "maybe"}).status_code == 400
    assert as_user(data.quinn).post(reverse("qa:feedback_decide", args=[0])).status_code == 404


# --- `kefu qa score` --------------------------------------------------------------------------


def test_qa_score_of_a_file_ignores_stored_feedback(data, tmp_path):
    # given a confirmed false positive stored for C-FB-ALICE
    judge(as_user(data.alice))
    feedback = HitFeedback.objects.get()
    as_user(data.quinn).post(
        reverse("qa:feedback_decide", args=[feedback.pk]), {"decision": "confirm"}
    )
    assert current("C-FB-ALICE").score == 100
    # when the same conversation is scored from a file
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(chat("C-FB-ALICE", "A0007", 0, TABOO), ensure_ascii=False) + "\n")
    out = io.StringIO()
    call_command("qa", "score", str(path), stdout=out, stderr=io.StringIO())
    (line,) = [json.loads(x) for x in out.getvalue().splitlines()]
    # then the file's result is the engine's, hit included
    assert line["score"] == 90
    assert RULE in {h["indicator"] for h in line["hits"]}
