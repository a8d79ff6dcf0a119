"""Calibration: blind until a reviewer submits, agreement with Krippendorff's alpha per
item and overall, each reviewer's deviation, and the agreed score."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from kefu.accounts.models import ApiToken
from kefu.interactions.models import Conversation
from kefu.lib.errors import ActionError
from kefu.notifications.models import Notification
from kefu.reviews import actions


def api(user, method: str, path: str, body: dict | None = None):
    _, raw = ApiToken.issue(user, "t")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    if method == "get":
        return client.get(f"/api/v1{path}")
    return client.post(f"/api/v1{path}", json.dumps(body or {}), content_type="application/json")


@pytest.fixture
def session(scored, rita):
    conversations = list(
        Conversation.objects.filter(external_id__in=["C-A0", "C-A1", "C-B0"]).order_by(
            "external_id"
        )
    )
    return actions.create_session(
        "五月校准",
        user=scored.quinn,
        conversations=conversations,
        participants=[scored.quinn, rita],
    )


def test_scores_are_blind_until_submitted(session, scored, rita):
    quinn = scored.quinn
    first = session.items.order_by("position").first()
    assert Notification.objects.filter(recipient=rita, kind="reviews.calibration").exists()
    actions.submit_calibration(first, {"taboo": {"applies": True}}, user=quinn)
    # rita has not scored: she sees neither quinn's score nor the agreement
    body = api(rita, "get", f"/reviews/calibrations/{session.pk}").json()
    row = next(i for i in body["items"] if i["id"] == first.pk)
    assert row["scores"] == [] and row["hidden"] == 1 and body["agreement"] is None
    page = Client()
    page.force_login(rita)
    page.cookies["django_language"] = "en"
    html = page.get(reverse("reviews:session_item", args=[session.pk, first.pk])).content.decode()
    assert 'id="calibration-form"' in html and 'id="calibration-scores"' not in html
    overview = page.get(reverse("reviews:session", args=[session.pk])).content.decode()
    assert "hidden until you submit" in overview and 'id="session-agreement"' not in overview
    # once she submits she sees both
    actions.submit_calibration(first, {}, user=rita)
    body = api(rita, "get", f"/reviews/calibrations/{session.pk}").json()
    row = next(i for i in body["items"] if i["id"] == first.pk)
    assert sorted(s["score"] for s in row["scores"]) == [90, 100]
    # a score is final; outsiders cannot score
    with pytest.raises(ActionError):
        actions.submit_calibration(first, {}, user=rita)
    assert api(scored.alice, "get", f"/reviews/calibrations/{session.pk}").status_code == 404
    refused = api(
        scored.mia, "post", f"/reviews/calibrations/{session.pk}/items/{first.pk}/score", {}
    )
    assert refused.status_code == 403


def test_agreement_deviation_and_the_agreed_score(session, scored, rita):
    quinn = scored.quinn
    items = list(session.items.order_by("position"))
    plans = {
        quinn.pk: [{"taboo": {"applies": True}}, {"greeting": {"applies": True}}, {}],
        rita.pk: [
            {"taboo": {"applies": True}},
            {},
            {"closing": {"applies": True}, "rude": {"applies": True}},
        ],
    }
    for user in (quinn, rita):
        for item, values in zip(items, plans[user.pk], strict=True):
            response = api(
                user,
                "post",
                f"/reviews/calibrations/{session.pk}/items/{item.pk}/score",
                {"items": values},
            )
            assert response.status_code == 200, response.content
    agreed = api(quinn, "post", f"/reviews/calibrations/{session.pk}/items/{items[1].pk}/score",
                 {"items": {"greeting": {"applies": True, "points": 3}}, "agreed": True})  # fmt: skip
    assert agreed.json()["agreed_score"] == 97
    body = api(quinn, "get", f"/reviews/calibrations/{session.pk}").json()["agreement"]
    assert body["alpha_total"] is not None and body["alpha_total"] < 1
    per_item = {i["item"]: i for i in body["per_item"]}
    assert per_item["taboo"]["exact"] == 1.0 and per_item["greeting"]["exact"] < 1
    # the level of measurement follows the item: pass/fail (一票否决) nominal, points interval
    assert per_item["rude"]["level"] == "nominal" and per_item["taboo"]["level"] == "interval"
    assert body["alpha_total_level"] == "interval" and body["alpha_items_level"] == "interval"
    deviations = {d["reviewer"]: d for d in body["deviations"]}
    assert deviations[quinn.pk]["mean"] == -deviations[rita.pk]["mean"]
    assert deviations[quinn.pk]["vs_agreed"] == 2.0
    # the page shows the same
    client = Client()
    client.force_login(rita)
    html = client.get(reverse("reviews:session", args=[session.pk])).content.decode()
    assert 'id="alpha-overall"' in html and 'id="deviations"' in html
    assert 'data-level="nominal"' in html and 'data-level="interval"' in html
    # only the facilitator (or a QA lead) records the agreed score and closes
    with pytest.raises(ActionError):
        actions.record_agreed(items[0], {}, user=scored.alice)
    actions.close_session(session, user=quinn)
    with pytest.raises(ActionError):
        actions.submit_calibration(items[0], {}, user=quinn)


def test_a_session_needs_two_specialists(scored):
    conversation = Conversation.objects.first()
    with pytest.raises(ActionError):
        actions.create_session(
            "x", user=scored.quinn, conversations=[conversation], participants=[scored.quinn]
        )
    with pytest.raises(ActionError):
        actions.create_session(
            "x",
            user=scored.quinn,
            conversations=[conversation],
            participants=[scored.quinn, scored.alice],
        )
