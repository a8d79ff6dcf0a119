"""The human-QA workflow end to end through the API: a plan samples and assigns, the QA
specialist scores, the agent appeals an item, the supervisor decides, the score changes
and every step is kept; with the role checks at each step."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from kefu.accounts.models import ApiToken
from kefu.audit.models import AuditLog
from kefu.notifications.models import Notification
from kefu.reviews import actions
from kefu.reviews.models import Appeal, Review, ReviewSettings, SamplingPlan
from kefu.reviews.tests.conftest import JUNE


class Api:
    def __init__(self, user=None) -> None:
        self.client = Client()
        self.headers = {}
        if user is not None:
            _, raw = ApiToken.issue(user, "test")
            self.headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def get(self, path: str, **params):
        return self.client.get(f"/api/v1{path}", params, **self.headers)

    def post(self, path: str, body: dict):
        return self.client.post(
            f"/api/v1{path}", json.dumps(body), content_type="application/json", **self.headers
        )


def alice_review(plan) -> Review:
    actions.run_plan(plan, today=JUNE)
    return Review.objects.filter(agent__external_id="A0007").order_by("pk").first()


def test_a_plan_samples_reproducibly_never_twice_and_assigns(plan, rita):
    # given a plan of 2 conversations per agent per month and two QA specialists
    # when it runs for May
    run = actions.run_plan(plan, today=JUNE)
    # then each agent with conversations got 2, balanced over quinn and rita
    assert (run.candidates, run.sampled, run.assigned) == (12, 4, 4)
    reviews = list(Review.objects.filter(plan=plan))
    assert {r.agent.external_id for r in reviews} == {"A0007", "A0102"}
    assert sorted(r.reviewer.username for r in reviews) == ["quinn", "quinn", "rita", "rita"]
    assert all(r.due_at and r.status == "assigned" and r.auto_result_id for r in reviews)
    assert Notification.objects.filter(kind="reviews.assigned").count() == 2
    first = sorted(r.conversation_id for r in reviews)
    # running again for May adds nothing (the quota is full); never the same conversation
    assert actions.run_plan(plan, today=JUNE).sampled == 0
    plan.quota = 3
    plan.save()
    again = actions.run_plan(plan, today=JUNE)
    assert again.sampled == 2
    ids = list(Review.objects.filter(plan=plan).values_list("conversation_id", flat=True))
    assert len(ids) == len(set(ids)) == 6
    # the same seed on the same data draws the same sample
    Review.objects.all().delete()
    plan.quota = 2
    plan.save()
    actions.run_plan(plan, today=JUNE)
    assert sorted(Review.objects.values_list("conversation_id", flat=True)) == first


def test_the_whole_workflow_through_the_api(plan, scored):
    p = scored
    review = alice_review(plan)
    quinn, alice, sam = Api(p.quinn), Api(p.alice), Api(p.sam)
    # the specialist's queue and the automatic result beside the review
    mine = quinn.get("/reviews", mine=True, status="assigned").json()
    assert review.pk in [r["id"] for r in mine]
    detail = quinn.get(f"/reviews/{review.pk}").json()
    assert detail["automatic_score"] is not None and detail["score"] is None
    # the agent does not see a review before it is submitted
    assert alice.get(f"/reviews/{review.pk}").status_code == 404
    # quinn scores: the greeting is late (−2 of 5), and a taboo phrase the engine missed
    body = {
        "items": {
            "greeting": {"applies": True, "points": 2, "comment": "问候晚了"},
            "taboo": {"applies": True, "points": 10, "comment": "说了“不知道”"},
        },
        "comment": "整体尚可",
        "coaching": "先问候再查询",
        "seconds": 300,
    }
    answer = quinn.post(f"/reviews/{review.pk}/score", body)
    assert answer.status_code == 200, answer.content
    scored_review = answer.json()
    assert scored_review["status"] == "submitted" and scored_review["score"] == 88
    rows = {r["item"]: r for r in scored_review["items"]}
    assert rows["greeting"]["manual"] == -2 and rows["greeting"]["comment"] == "问候晚了"
    assert rows["taboo"]["manual"] == -10
    assert Notification.objects.filter(recipient=p.alice, kind="reviews.reviewed").exists()
    # the agent sees it and appeals the taboo item
    assert alice.get(f"/reviews/{review.pk}").status_code == 200
    appeal = alice.post(f"/reviews/{review.pk}/appeals", {"item": "taboo", "reason": "客户先骂人"})
    assert appeal.status_code == 201, appeal.content
    appeal_id = appeal.json()["id"]
    submitted = Notification.objects.get(recipient=p.sam, kind="reviews.appeal_submitted")
    assert submitted.params["item"] == {"zh": "服务禁语", "en": "Forbidden phrases"}
    # she cannot decide it herself, nor appeal the same item twice
    decide = {"upheld": True, "reason": "同意"}
    assert alice.post(f"/reviews/appeals/{appeal_id}/decide", decide).status_code == 403
    again = alice.post(f"/reviews/{review.pk}/appeals", {"item": "taboo", "reason": "再申诉"})
    assert again.status_code == 409
    # the supervisor upholds: the taboo deduction goes, the score is recomputed
    decided = sam.post(
        f"/reviews/appeals/{appeal_id}/decide", {"upheld": True, "reason": "录音证实"}
    )
    assert decided.status_code == 200, decided.content
    body = decided.json()
    assert (body["status"], body["score_before"], body["score_after"]) == ("upheld", 88, 98)
    assert [e["status"] for e in body["events"]] == ["open", "upheld"]
    after = alice.get(f"/reviews/{review.pk}").json()
    assert after["score"] == 98
    assert [(v["number"], v["cause"], v["score"]) for v in after["revisions"]] == [
        (1, "submitted", 88),
        (2, "appeal_upheld", 98),
    ]
    assert Notification.objects.filter(recipient=p.alice, kind="reviews.appeal_decided").exists()
    assert Notification.objects.filter(recipient=p.quinn, kind="reviews.appeal_decided").exists()
    # deciding twice is refused; the audit log has every write
    assert sam.post(f"/reviews/appeals/{appeal_id}/decide", decide).status_code == 409
    kinds = set(AuditLog.objects.values_list("object_type", flat=True))
    assert {"reviews.review", "reviews.appeal", "reviews.run"} <= kinds


def test_a_rejected_appeal_keeps_the_score_and_a_partial_uphold_sets_points(plan, scored):
    p = scored
    review = alice_review(plan)
    actions.save_review(review, {"taboo": {"applies": True, "points": 20}}, user=p.quinn)
    first = actions.file_appeal(review, "taboo", "只说了一次", user=p.alice)
    actions.decide_appeal(
        first, upheld=True, reason="一次扣十分", user=p.sam, applies=True, points=10
    )
    review.refresh_from_db()
    assert review.score == 90 and review.revision == 2
    second = actions.file_appeal(review, "greeting", "我问候了", user=p.alice)
    actions.decide_appeal(second, upheld=False, reason="不适用", user=p.sam)
    review.refresh_from_db()
    second.refresh_from_db()
    assert review.score == 90 and review.revision == 2
    assert (second.status, second.score_after) == ("rejected", 90)


def test_role_checks(plan, scored):
    p = scored
    review = alice_review(plan)
    bob_review = Review.objects.filter(agent__external_id="A0102").first()
    for r in (review, bob_review):
        actions.save_review(r, {"greeting": {"applies": True}}, user=p.quinn)
    alice, bob, sam, olga = Api(p.alice), Api(p.bob), Api(p.sam), Api(p.olga)
    # an agent sees only their own reviews
    assert [r["id"] for r in alice.get("/reviews").json()] == [review.pk]
    assert alice.get(f"/reviews/{bob_review.pk}").status_code == 404
    assert bob.get(f"/reviews/{review.pk}").status_code == 404
    # a supervisor sees their team's, not another team's
    assert sam.get(f"/reviews/{review.pk}").status_code == 200
    assert sam.get(f"/reviews/{bob_review.pk}").status_code == 404
    # nobody appeals another agent's review; no role sees nothing; anonymous is 401
    assert (
        bob.post(
            f"/reviews/{review.pk}/appeals", {"item": "greeting", "reason": "x" * 3}
        ).status_code
        == 404
    )
    assert olga.get(f"/reviews/{review.pk}").status_code == 404
    assert Api().get("/reviews").status_code == 401
    # only the assigned specialist scores; agents and supervisors cannot
    assert alice.post(f"/reviews/{review.pk}/score", {"items": {}}).status_code == 403
    assert sam.post(f"/reviews/{review.pk}/score", {"items": {}}).status_code == 403
    # a supervisor of another team cannot decide; an appeal after the window is refused
    appeal = actions.file_appeal(review, "greeting", "我问候了", user=p.alice)
    assert (
        bob.post(
            f"/reviews/appeals/{appeal.pk}/decide", {"upheld": True, "reason": "好"}
        ).status_code
        == 404
    )
    bob_review.submitted_at = timezone.now() - timedelta(
        days=ReviewSettings.current().appeal_window_days + 1
    )
    bob_review.save()
    late = bob.post(f"/reviews/{bob_review.pk}/appeals", {"item": "greeting", "reason": "晚了吗"})
    assert late.status_code == 409
    # plans and the report are for QA leads and managers
    assert alice.get("/reviews/plans").status_code == 403
    assert Api(p.quinn).get("/reviews/report").status_code == 403
    assert Api(p.mia).get("/reviews/report").status_code == 200


def test_a_plans_appeal_window_wins_over_the_department_setting(plan, scored):
    p = scored
    plan.appeal_window_days = 0
    plan.save()
    review = alice_review(plan)
    actions.save_review(review, {"greeting": {"applies": True}}, user=p.quinn)
    review.submitted_at = timezone.now() - timedelta(hours=1)
    review.save()
    assert not actions.may_appeal(p.alice, review)


def test_bad_scores_are_refused_with_the_item(plan, scored):
    review = alice_review(plan)
    answer = Api(scored.quinn).post(
        f"/reviews/{review.pk}/score", {"items": {"greeting": {"applies": True, "points": 50}}}
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["id"] == "greeting"


def test_reassignment(plan, scored, rita):
    p = scored
    review = alice_review(plan)
    old = review.reviewer
    other = rita if old != rita else p.quinn
    assert (
        Api(p.alice).post(f"/reviews/{review.pk}/reassign", {"reviewer": "rita"}).status_code == 404
    )
    answer = Api(p.quinn).post(f"/reviews/{review.pk}/reassign", {"reviewer": other.username})
    assert answer.status_code == 200 and answer.json()["reviewer"] == other.username
    assert Notification.objects.filter(recipient=other, kind="reviews.assigned").exists()
    # a manager may reassign, but not to somebody who is not a QA specialist
    refused = Api(p.mia).post(f"/reviews/{review.pk}/reassign", {"reviewer": "tina"})
    assert refused.status_code == 422


def test_mystery_shopper_evaluations_use_the_scorecard_and_are_flagged(scored):
    p = scored
    api = Api(p.quinn)
    created = api.post(
        "/reviews", {"conversation": "C-A0", "kind": "mystery", "scenario": "询问退款进度"}
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["kind"] == "mystery" and body["scenario"] == "询问退款进度"
    scored_body = api.post(f"/reviews/{body['id']}/score", {"items": {}}).json()
    assert scored_body["score"] == 100
    assert api.get("/reviews", kind="mystery").json()[0]["id"] == body["id"]
    assert api.post("/reviews", {"conversation": "C-A0", "kind": "mystery"}).status_code == 422
    assert Api(p.alice).post("/reviews", {"conversation": "C-A0"}).status_code == 403


def test_risk_aimed_and_stratified_plans(scored):
    from kefu.qa.models import Scorecard

    card = Scorecard.objects.get(is_default=True)
    risk = SamplingPlan.objects.create(
        name="风险", scorecard=card, method="risk", quota=10, quota_basis="total"
    )
    run = actions.run_plan(risk, today=JUNE)
    assert run.sampled == 4  # only the four complaints (base weight 0)
    assert {r.conversation.complaint for r in risk.reviews.all()} == {True}
    strat = SamplingPlan.objects.create(
        name="分层",
        scorecard=card,
        method="stratified",
        strata="team",
        quota=6,
        quota_basis="total",
    )
    actions.run_plan(strat, today=JUNE)
    teams = sorted(strat.reviews.values_list("team__name", flat=True))
    assert teams.count("售后一组") == 4 and teams.count("售前一组") == 2  # 8:4 of 12


def test_the_sample_command_runs_scheduled_plans(plan, scored):
    call_command("reviews", "sample", "--date", "2024-06-03", verbosity=0)
    assert Review.objects.filter(plan=plan).count() == 4
    plan.active = False
    plan.save()
    plan.quota = 3
    plan.save()
    call_command("reviews", "sample", "--date", "2024-06-03", verbosity=0)
    assert Review.objects.filter(plan=plan).count() == 4  # inactive: not scheduled
    call_command("reviews", "sample", "--plan", str(plan.pk), "--date", "2024-06-03", verbosity=0)
    assert Review.objects.filter(plan=plan).count() == 6


def test_efficiency_report_figures(plan, scored):
    p = scored
    actions.run_plan(plan, today=JUNE)
    reviews = list(Review.objects.filter(reviewer=p.quinn).order_by("pk"))
    actions.save_review(reviews[0], {}, user=p.quinn, seconds=600)
    actions.save_review(reviews[1], {"rude": {"applies": True}}, user=p.quinn, seconds=300)
    body = Api(p.mia).get("/reviews/report", **{"from": "2024-01-01", "to": "2026-12-31"}).json()
    total = body["total"]
    assert total["reviews"] == 2 and total["minutes_per_review"] == 7.5
    assert total["pass_rate"] == 0.5 and total["key_problems_per_100"] == 50
    assert total["missed_by_auto_per_100"] == 50
    assert body["reviewers"][0]["name"] == "quinn"


@pytest.mark.parametrize("who", ["alice", "bob", "olga"])
def test_agents_and_outsiders_cannot_run_plans(plan, scored, who):
    answer = Api(getattr(scored, who)).post(f"/reviews/plans/{plan.pk}/run", {})
    assert answer.status_code == 403
    assert not Appeal.objects.exists()


def test_an_appeal_notification_names_the_item_in_the_readers_language():
    """Not the raw item id (`confirm_need`): the item's name, in the reader's language."""
    from django.utils import translation

    from kefu.notifications.models import Notification

    note = Notification(
        title="New appeal on %(conversation)s (item %(item)s)",
        params={"conversation": "C1", "item": {"zh": "确认客户需求", "en": "Confirming the need"}},
    )
    with translation.override("zh-hans"):
        assert "确认客户需求" in note.text and "confirm_need" not in note.text
    with translation.override("en"):
        assert note.text == "New appeal on C1 (item Confirming the need)"
