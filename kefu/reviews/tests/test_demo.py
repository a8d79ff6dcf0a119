"""`kefu demo` leaves human QA with real content: plans, reviews across the year, an open
appeal for the supervisor, calibration sessions, a mystery-shopper evaluation."""

from __future__ import annotations

from django.core.management import call_command

from kefu.reviews.models import Appeal, CalibrationSession, Review, SamplingPlan


def test_the_demo_has_human_qa_content(db):
    call_command("demo", "--seed", "42", "--size", "tiny", verbosity=0)
    assert SamplingPlan.objects.count() == 2
    assert Review.objects.filter(status="submitted").count() > 50
    assert Review.objects.filter(status="assigned", reviewer__username="qa").exists()
    assert Appeal.objects.filter(status="open", appellant__username="agent").exists()
    assert Appeal.objects.filter(status="upheld").exists()
    assert CalibrationSession.objects.filter(status="closed").exists()
    assert CalibrationSession.objects.filter(status="open").exists()
    assert Review.objects.filter(kind="mystery", status="submitted").exists()
    # running it again changes nothing
    before = Review.objects.count()
    call_command("demo", "--seed", "42", "--size", "tiny", "--if-empty", verbosity=0)
    assert Review.objects.count() == before
