"""One FilterSet for the review list: the page and the API filter alike."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import client_for
from kefu.reviews import actions
from kefu.reviews.api import ReviewQuery
from kefu.reviews.filtersets import ReviewFilterSet
from kefu.reviews.models import Review
from kefu.reviews.tests.conftest import JUNE


@pytest.fixture
def sampled(plan, scored):
    actions.run_plan(plan, today=JUNE)
    return scored


def test_it_documents_every_filter_in_the_api_schema():
    filters = set(ReviewQuery.model_fields) - ReviewQuery.PAGING
    assert filters == set(ReviewFilterSet.base_filters)


@pytest.mark.parametrize(
    "params", [{}, {"status": "assigned"}, {"kind": "sampled"}, {"month": "2024-05"},
               {"month": "2023-01"}, {"mine": "true"}]
)  # fmt: skip
def test_it_filters_alike_on_the_page_and_in_the_api(sampled, params):
    reviewer = Review.objects.first().reviewer
    client = client_for(reviewer)
    page = client.get(reverse("reviews:list"), params)
    api = client.get("/api/v1/reviews", params)
    assert page.status_code == api.status_code == 200, api.content
    on_page = sorted(r.pk for r in page.context["page"].items)
    assert on_page == sorted(r["id"] for r in api.json())
    if params in ({}, {"month": "2024-05"}, {"mine": "true"}):
        assert on_page  # the case filters something, not nothing


def test_it_refuses_a_malformed_month_in_the_api_naming_it(sampled):
    response = client_for(sampled.mia).get("/api/v1/reviews", {"month": "2024-13"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["query.month"]
