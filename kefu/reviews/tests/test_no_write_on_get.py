"""Reading is not writing: the review form and the settings are read without a write."""

from __future__ import annotations

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kefu.reviews import actions
from kefu.reviews.models import Review, ReviewSettings
from kefu.reviews.tests.conftest import JUNE

WRITES = ("INSERT", "UPDATE", "DELETE")


def writes(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().startswith(WRITES)]


def test_it_reads_the_settings_without_writing_a_row(db):
    ReviewSettings.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        settings = ReviewSettings.current()
    assert writes(queries) == [] and not ReviewSettings.objects.exists()
    assert (settings.appeal_window_days, settings.due_days) == (7, 3)  # the defaults
    settings.due_days = 5
    settings.save()
    assert ReviewSettings.current().due_days == 5


def test_it_opens_the_review_form_without_writing(plan, scored):
    actions.run_plan(plan, today=JUNE)
    review = Review.objects.filter(agent__external_id="A0007").first()
    client = Client()
    client.force_login(review.reviewer)
    url = reverse("reviews:review", args=[review.pk])
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url)
    assert page.status_code == 200
    assert [sql for sql in writes(queries) if "reviews_" in sql] == []
    # the clock starts at the first save, as of when the form was opened
    client.post(url, {"timer": page.context["timer"], "action": "draft"})
    review.refresh_from_db()
    assert review.status == "draft" and review.started_at is not None
