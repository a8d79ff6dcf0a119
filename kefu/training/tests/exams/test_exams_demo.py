"""The demo's exams reproduce the seeds: pre-test 68 → post-test 89 for the new hires
(paired), a certification knowledge exam around 91 with trainer-graded scenarios, and it
can run twice."""

from __future__ import annotations

import pytest

from kefu.audit.models import AuditLog
from kefu.training import demo_exams
from kefu.training.models import Attempt, Exam


@pytest.fixture
def new_hires(personas, import_records):
    records = [
        {"type": "agent", "id": f"A05{i:02d}", "name": f"新人{i}", "team": "售后一组", "tier": "new",
         "hired_on": f"2024-0{1 + i % 6}-1{i % 9}"}
        for i in range(12)
    ]  # fmt: skip
    import_records(*records)
    return personas


def test_the_demo_reproduces_the_seeds(new_hires):
    result = demo_exams.demo(42)
    assert result["questions"] == 60
    figures = result["pre_post"]
    assert figures.paired_n == 10  # 12 new hires, a multiple of five of them
    assert round(figures.paired_pre_mean, 1) == 68.0
    assert round(figures.paired_post_mean, 1) == 89.0
    assert figures.improved >= 8
    assert 86 <= result["certification_mean"] <= 96
    cert = Exam.objects.get(title=demo_exams.CERT_TITLE)
    attempts = Attempt.objects.filter(exam=cert)
    assert attempts.count() == 15 and not attempts.filter(graded_at=None).exists()
    assert attempts.filter(passed=True).exists()
    # the scenario answers were graded by the trainer, audited
    assert AuditLog.objects.filter(action="training").count() == 15
    # papers follow the exam's parts: 20 questions of the new-hire track
    pre = Exam.objects.get(title=demo_exams.PRE_TITLE)
    assert {len(a.question_ids) for a in Attempt.objects.filter(exam=pre)} == {20}
    again = demo_exams.demo(42)
    assert Attempt.objects.count() == 35 and again["questions"] == 60
