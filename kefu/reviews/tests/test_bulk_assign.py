"""Bulk assignment of reviews (批量分配): the action (one reviewer, round robin, a bad row
reported while the others are assigned, idempotent, audited), the queue's form and the
API route, each with the right and the wrong roles."""

from __future__ import annotations

import json

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from conftest import client_for
from kefu.accounts.models import ApiToken
from kefu.audit.models import AuditLog
from kefu.lib.errors import Invalid, NotAllowed
from kefu.reviews import actions
from kefu.reviews.choices import ReviewStatus
from kefu.reviews.models import Review
from kefu.reviews.tests.conftest import JUNE


@pytest.fixture
def open_reviews(plan, scored, rita):
    """Four sampled reviews (alice's 2, bob's 2), all unassigned."""
    actions.run_plan(plan, today=JUNE)
    Review.objects.update(reviewer=None, status=ReviewStatus.UNASSIGNED, assigned_at=None)
    return list(Review.objects.order_by("pk"))


def _ids(reviews) -> list[int]:
    return [r.pk for r in reviews]


def test_one_reviewer_takes_every_row_and_again_changes_nothing(open_reviews, scored, rita):
    ids = _ids(open_reviews[:3])
    result = actions.bulk_assign(ids, [rita], by=scored.mia)
    assert result.assigned == ids and result.skipped == {}
    assert set(Review.objects.filter(pk__in=ids).values_list("reviewer__username", "status")) == {
        ("rita", ReviewStatus.ASSIGNED)
    }
    # each row audited by the single-row action, plus one entry for the whole request
    assert AuditLog.objects.filter(object_type="reviews.review", detail__to=rita.pk).count() == 3
    assert AuditLog.objects.filter(object_type="reviews.bulk_assign").count() == 1
    # the same assignment again: nothing changes (idempotent)
    before = list(Review.objects.filter(pk__in=ids).values_list("pk", "assigned_at"))
    again = actions.bulk_assign(ids, [rita], by=scored.mia)
    assert again.assigned == [] and set(again.skipped.values()) == {actions.bulk.ALREADY}
    assert list(Review.objects.filter(pk__in=ids).values_list("pk", "assigned_at")) == before
    assert AuditLog.objects.filter(object_type="reviews.review", detail__to=rita.pk).count() == 3


def test_round_robin_spreads_evenly(open_reviews, scored, rita):
    result = actions.bulk_assign(_ids(open_reviews), [scored.quinn, rita], by=scored.quinn)
    assert len(result.assigned) == 4
    names = sorted(Review.objects.values_list("reviewer__username", flat=True))
    assert names == ["quinn", "quinn", "rita", "rita"]


def test_a_bad_row_is_reported_and_the_others_assigned(open_reviews, scored, rita):
    done = open_reviews[0]
    Review.objects.filter(pk=done.pk).update(status=ReviewStatus.SUBMITTED, reviewer=scored.quinn)
    ids = [*_ids(open_reviews), 999_999]
    result = actions.bulk_assign(ids, [rita], by=scored.mia)
    assert result.assigned == _ids(open_reviews[1:])
    assert result.skipped == {
        done.pk: "a finished review cannot be reassigned",
        999_999: actions.bulk.NOT_FOUND,
    }
    assert Review.objects.get(pk=done.pk).reviewer == scored.quinn


@pytest.mark.parametrize("who", ["sam", "alice", "tina", "olga"])
def test_wrong_roles_are_refused(open_reviews, scored, rita, who):
    with pytest.raises(NotAllowed):
        actions.bulk_assign(_ids(open_reviews), [rita], by=getattr(scored, who))
    assert not Review.objects.exclude(reviewer=None).exists()


def test_only_qa_specialists_may_be_chosen(open_reviews, scored):
    with pytest.raises(Invalid):
        actions.bulk_assign(_ids(open_reviews), [scored.sam], by=scored.mia)
    with pytest.raises(Invalid):
        actions.bulk_assign(_ids(open_reviews), [], by=scored.mia)
    assert not Review.objects.exclude(reviewer=None).exists()


def test_the_queue_form_assigns_and_says_how_many(open_reviews, scored, rita):
    client = client_for(scored.mia)
    page = client.get(reverse("reviews:queue")).content.decode()
    assert 'id="bulk-assign"' in page and 'class="rv-bulk-row"' in page
    assert "选择本页全部" in page
    done = open_reviews[0]
    Review.objects.filter(pk=done.pk).update(status=ReviewStatus.SUBMITTED, reviewer=scored.quinn)
    response = client.post(
        reverse("reviews:bulk_assign"), {"review": _ids(open_reviews), "reviewer": [rita.pk]}
    )
    assert response.status_code == 302
    text = [str(m) for m in get_messages(response.wsgi_request)]
    assert text == [f"已分配 3 条，跳过 1 条（已完成的复核不能改派：#{done.pk}）。"]


@pytest.mark.parametrize("who,status", [("sam", 403), ("alice", 403), ("olga", 403)])
def test_the_queue_form_refuses_wrong_roles(open_reviews, scored, rita, who, status):
    client = client_for(getattr(scored, who))
    response = client.post(
        reverse("reviews:bulk_assign"), {"review": _ids(open_reviews), "reviewer": [rita.pk]}
    )
    assert response.status_code == status
    assert 'id="bulk-assign"' not in client.get(reverse("reviews:queue")).content.decode()
    assert not Review.objects.exclude(reviewer=None).exists()


def _api(user, body: dict):
    _, raw = ApiToken.issue(user, "t")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client.post("/api/v1/reviews/assign", json.dumps(body), content_type="application/json")


def test_the_api_assigns_many(open_reviews, scored, rita):
    body = {"reviews": [*_ids(open_reviews), 999_999], "reviewers": ["quinn", "rita"]}
    response = _api(scored.mia, body)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["assigned"] == _ids(open_reviews)
    assert [s["id"] for s in data["skipped"]] == [999_999]
    assert _api(scored.sam, body).status_code == 403
    assert _api(scored.alice, body).status_code == 403
    assert _api(scored.mia, {"reviews": [1], "reviewers": ["nobody"]}).status_code == 422
