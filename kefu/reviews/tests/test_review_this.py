""" "Review this conversation" from the conversation and QA pages: opens the user's review
of it or creates one assigned to them; access checked; and a hit judged on the review page
(false-positive feedback, docs/qa-feedback.md)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from kefu.qa.models import HitFeedback
from kefu.reviews.models import Review


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def review_this(user, external_id: str = "C-A1"):
    return as_user(user).post(reverse("reviews:review_conversation", args=[external_id]))


def test_it_creates_a_review_assigned_to_the_qa_specialist(scored):
    response = review_this(scored.quinn)
    review = Review.objects.get(conversation__external_id="C-A1")
    assert response.status_code == 302
    assert response["Location"] == reverse("reviews:review", args=[review.pk])
    assert (review.reviewer, review.status, review.kind) == (scored.quinn, "assigned", "manual")
    assert review.auto_result_id is not None


def test_it_opens_the_existing_review_instead_of_a_second(scored):
    first = review_this(scored.quinn)
    again = review_this(scored.quinn)
    assert again["Location"] == first["Location"]
    assert Review.objects.filter(conversation__external_id="C-A1").count() == 1
    # an admin who sees every review opens quinn's too
    assert review_this(scored.adam)["Location"] == first["Location"]


@pytest.mark.parametrize("who", ["alice", "bob", "sam", "mia", "tina", "olga"])
def test_it_refuses_users_who_do_not_review(scored, who):
    assert review_this(getattr(scored, who)).status_code == 403
    assert not Review.objects.exists()


def test_it_only_allows_post(scored):
    url = reverse("reviews:review_conversation", args=["C-A1"])
    assert as_user(scored.quinn).get(url).status_code == 405


def test_it_answers_404_for_an_unknown_conversation(scored):
    assert review_this(scored.quinn, "NOPE").status_code == 404


def test_the_pages_offer_it_to_reviewers_only(scored):
    for url in (
        reverse("qa:conversation", args=["C-A1"]),
        reverse("interactions:conversation_detail", args=["C-A1"]),
    ):
        assert 'id="review-this"' in as_user(scored.quinn).get(url).content.decode()
        assert 'id="review-this"' not in as_user(scored.alice).get(url).content.decode()


def test_a_hit_is_judged_on_the_review_page(scored):
    review_this(scored.quinn)
    review = Review.objects.get(conversation__external_id="C-A1")
    page = as_user(scored.quinn).get(reverse("reviews:review", args=[review.pk]))
    html = page.content.decode()
    assert 'data-judge="forbidden_phrase"' in html
    judged = as_user(scored.quinn).post(
        reverse("qa:hit_judge", args=["C-A1", "forbidden_phrase"]),
        {"verdict": "wrong", "next": reverse("reviews:review", args=[review.pk])},
    )
    assert judged["Location"] == reverse("reviews:review", args=[review.pk])
    assert HitFeedback.objects.get().status == "pending"


def test_the_review_queue_shows_the_automatic_score(scored):
    review_this(scored.quinn)  # C-A1: a taboo phrase, automatic score 90
    page = as_user(scored.quinn).get(reverse("reviews:queue")).content.decode()
    assert "data-auto-score>90<" in page
