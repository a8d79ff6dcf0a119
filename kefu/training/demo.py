"""The training part of `kefu demo`: the catalogue and tracks, the year's sessions and
attendance, the question bank with pre/post tests and the Q4 certification exam, new
hires' practice with simulated customers, the QA → lesson rules and their assignments,
and the Q4 certification computed from those exams and the quarter's QA results.
Each part is its module's `demo()` (see their docstrings); running it again changes
nothing."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from kefu.lib.localtime import configured_tz
from kefu.training import demo_assignments, demo_courses, demo_exams, demo_practice, demo_sessions
from kefu.training.actions.certification import certify
from kefu.training.models import CertificationCycle, Exam

YEAR = 2024
CYCLE = "2024Q4"


def seed_demo(seed: int) -> dict[str, Any]:
    demo_courses.demo(seed, year=YEAR)
    sessions = demo_sessions.demo(seed, year=YEAR)
    exams = demo_exams.demo(seed)
    practices = demo_practice.demo(seed)
    assignments = demo_assignments.demo(seed, year=YEAR)
    certificates = _certification()
    return {
        "sessions": sessions,
        "exams": exams,
        "practices": practices,
        "assignments": assignments,
        "certified": sum(1 for c in certificates if c.passed),
        "certification_results": len(certificates),
    }


def _certification() -> list:
    """Q4: knowledge from the certification exam, communication from the quarter's QA
    results. No scenario exam was held in the demo's quarter, so problem analysis is
    weighted 0 and knowledge carries its share (70 / 30 / 0; the cycle page says so)."""
    exam = Exam.objects.filter(title=demo_exams.CERT_TITLE).first()
    if exam is None:
        return []
    cycle, _ = CertificationCycle.objects.update_or_create(
        name=CYCLE,
        defaults={
            "starts_on": date(YEAR, 10, 1), "ends_on": date(YEAR, 12, 31),
            "knowledge_exam": exam, "knowledge_weight": 70, "communication_weight": 30,
            "problem_weight": 0, "pass_score": 85,
        },
    )  # fmt: skip
    # Results published on the quarter's last afternoon (what the year's reviews read).
    published = datetime(YEAR, 12, 31, 17, 0, tzinfo=configured_tz())
    return certify(cycle, on=published)
