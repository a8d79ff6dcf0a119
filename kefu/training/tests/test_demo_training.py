"""The training demo functions (courses, sessions, assignments) on the tiny demo: the
seeds' session figures, two agents over the absence limit, rules that assigned and
completed lessons through the real rule code; running them again changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from kefu.training import demo_assignments, demo_courses, demo_sessions
from kefu.training.models import Assignment, AssignmentRule, Course, Enrolment, TrainingSession


@pytest.fixture
def tiny(db):
    call_command("demo", "--seed", "42", "--size", "tiny", verbosity=0)


def test_the_demo_shows_the_seeds_figures(tiny):
    courses = demo_courses.demo(42)
    assert {"basic", "complaint", "coordination", "confirm_need", "taboo"} <= set(courses)
    figures = demo_sessions.demo(42)
    assert (figures["planned"], figures["held"]) == (48, 47)
    assert round(figures["coverage"] * 100, 1) == 97.9
    assert round(figures["attendance"] * 100, 1) == 98.4
    assert 120 <= figures["hours_per_person"] <= 132
    assert figures["over_limit_q3"] == 2
    result = demo_assignments.demo(42)
    assert result["rules"] == 3
    assert Assignment.objects.filter(status="completed").exists()
    assert Assignment.objects.filter(
        agent__user__username="agent", status="open", source="manual"
    ).exists()  # the demo agent has a lesson to take now
    # again: the same rows, not twice as many
    sessions, seats = TrainingSession.objects.count(), Enrolment.objects.count()
    rules, courses_n = AssignmentRule.objects.count(), Course.objects.count()
    demo_courses.demo(42)
    demo_sessions.demo(42)
    demo_assignments.demo(42)
    assert TrainingSession.objects.count() == sessions
    assert Enrolment.objects.count() == seats
    assert (AssignmentRule.objects.count(), Course.objects.count()) == (rules, courses_n)
