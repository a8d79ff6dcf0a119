"""Fixtures of the exam tests: a bank with one question or more of each type and a
published exam drawing all of them; helpers the tests import."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kefu.training.demo_exams import ensure_areas
from kefu.training.models import Area, Exam, ExamPart, Question, QuestionBank

# Texts that appear nowhere but in the key: a page or answer holding one leaks the key.
SECRET_FILL = "钻石会员KEY"
SECRET_RUBRIC = "RUBRIC-致歉一分-时限两分"


def make_bank(name: str = "客服知识题库") -> QuestionBank:
    ensure_areas()  # a live-server test runs on a flushed database
    bank = QuestionBank.objects.create(name=name)
    basic = Area.objects.get(code="basic")
    complaint = Area.objects.get(code="complaint")
    rows = [
        ("S1", "single", basic, ["3 天", "7 天", "15 天"], [1], ""),
        ("S2", "single", basic, ["可以", "不可以"], [1], ""),
        ("S3", "single", basic, ["甲", "乙", "丙", "丁"], [3], ""),
        ("S4", "single", complaint, ["立即致歉", "推给别的部门"], [0], ""),
        ("M1", "multiple", complaint, ["致歉", "推诿", "复述诉求", "给出时限"], [0, 2, 3], ""),
        ("M2", "multiple", complaint, ["记录工单", "挂断电话", "升级主管"], [0, 2], ""),
        ("T1", "true_false", basic, [], [False], ""),
        ("T2", "true_false", basic, [], [True], ""),
        ("F1", "fill", basic, [], [SECRET_FILL, "钻石"], ""),
        ("H1", "short", complaint, [], [], SECRET_RUBRIC),
        ("C1", "scenario", complaint, [], [], SECRET_RUBRIC + "（情景）"),
    ]
    for ext, kind, area, choices, answer, rubric in rows:
        Question.objects.create(
            bank=bank,
            external_id=ext,
            kind=kind,
            area=area,
            difficulty=3,
            text=f"题目 {ext}：客户问了一个问题，正确的做法是？",
            choices=choices,
            answer=answer,
            rubric=rubric,
            points=Decimal(5) if kind in ("short", "scenario") else Decimal(1),
            excerpt=[{"role": "customer", "text": "快递三天没动了"}] if kind == "scenario" else [],
        )
    return bank


def make_exam(bank: QuestionBank, **overrides) -> Exam:
    values = {
        "title": "新人知识测验",
        "kind": "quiz",
        "bank": bank,
        "time_limit_minutes": 30,
        "closed_book": True,
        "attempts_allowed": 1,
        "pass_score": 85,
        "published": True,
    }
    values.update(overrides)
    exam = Exam.objects.create(**values)
    ExamPart.objects.create(exam=exam, count=bank.questions.count())
    return exam


@pytest.fixture
def bank(personas):
    return make_bank()


@pytest.fixture
def exam(bank):
    return make_exam(bank)


def right_answers(attempt) -> dict[str, list]:
    """{question id: the right response} for the objective questions of an attempt."""
    questions = Question.objects.in_bulk(attempt.question_ids)
    out = {}
    for qid in attempt.question_ids:
        q = questions[qid]
        if q.kind == "fill":
            out[str(qid)] = [q.answer[0]]
        elif q.kind in ("single", "multiple", "true_false"):
            out[str(qid)] = list(q.answer)
    return out
