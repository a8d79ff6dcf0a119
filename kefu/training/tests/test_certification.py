"""Quarterly certification and training records: computing results, the improvement
class on failing, reminders, and who sees what (pages, API, export)."""

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import client_for
from kefu.accounts.models import Agent
from kefu.audit.models import AuditLog
from kefu.notifications.models import Notification
from kefu.training.actions.certification import certify, remind_expiring
from kefu.training.choices import AssignmentSource, AttemptStatus, CourseKind, ExamKind
from kefu.training.models import (
    Assignment,
    Attempt,
    Certificate,
    CertificationCycle,
    Course,
    Enrolment,
    Exam,
    QuestionBank,
    TrainingSession,
)
from kefu.training.selectors.certification import certified_agents


def graded(exam: Exam, agent: Agent, score: float, number: int = 1) -> Attempt:
    now = timezone.now()
    return Attempt.objects.create(
        exam=exam, agent=agent, number=number, started_at=now, deadline=now,
        submitted_at=now, graded_at=now, status=AttemptStatus.GRADED, score=Decimal(str(score)),
        passed=score >= exam.pass_score,
    )  # fmt: skip


@pytest.fixture
def cycle(personas):
    bank = QuestionBank.objects.create(name="题库")
    knowledge = Exam.objects.create(title="季度认证·知识", kind=ExamKind.CERTIFICATION, bank=bank)
    problem = Exam.objects.create(title="季度认证·场景", kind=ExamKind.CERTIFICATION, bank=bank)
    retest = Exam.objects.create(title="补考", kind=ExamKind.RETEST, bank=bank)
    today = timezone.localdate()
    return CertificationCycle.objects.create(
        name="2026Q4", starts_on=today - timedelta(days=30), ends_on=today + timedelta(days=60),
        knowledge_exam=knowledge, problem_exam=problem, retest_exam=retest,
    )  # fmt: skip


def agent(external_id: str) -> Agent:
    return Agent.objects.get(external_id=external_id)


def test_certify_weights_the_components_and_issues_a_certificate(cycle):
    alice = agent("A0007")
    graded(cycle.knowledge_exam, alice, 92)
    graded(cycle.knowledge_exam, alice, 96, number=2)  # the best attempt counts
    graded(cycle.problem_exam, alice, 88)
    # no QA results in the quarter: communication is unknown → not decided yet
    [result] = certify(cycle)
    assert result.total is None and not result.passed
    cycle.communication_weight, cycle.knowledge_weight = 0, 70
    cycle.save()
    [result] = certify(cycle)
    assert float(result.total) == pytest.approx(round((96 * 70 + 88 * 30) / 100, 1))
    assert result.passed and result.number == "KF-2026Q4-A0007"
    assert result.expires_at - result.issued_at == timedelta(days=365)
    assert certified_agents().filter(pk=alice.pk).exists()
    assert AuditLog.objects.filter(action="training", object_type="training.certificate").exists()
    issued = result.issued_at
    [again] = certify(cycle)  # idempotent: same certificate, same dates
    assert again.pk == result.pk and again.issued_at == issued
    assert Certificate.objects.count() == 1


def test_failing_enrols_in_the_improvement_class_once_and_a_passed_retest_certifies(cycle):
    cycle.communication_weight, cycle.knowledge_weight = 0, 70
    cycle.save()
    bob = agent("A0102")
    improvement = Course.objects.create(title="能力提升班", kind=CourseKind.IMPROVEMENT)
    start = timezone.now() + timedelta(days=3)
    session = TrainingSession.objects.create(
        title="能力提升班 第1期", course=improvement, starts_at=start,
        ends_at=start + timedelta(hours=2), capacity=10,
    )  # fmt: skip
    graded(cycle.knowledge_exam, bob, 60)
    graded(cycle.problem_exam, bob, 70)
    [result] = certify(cycle)
    assert result.total is not None and not result.passed
    assignment = Assignment.objects.get(agent=bob, course=improvement)
    assert assignment.source == AssignmentSource.IMPROVEMENT and assignment.status == "open"
    assert Enrolment.objects.filter(session=session, agent=bob, source="improvement").exists()
    assert Notification.objects.filter(recipient=bob.user, kind="training.improvement").exists()
    certify(cycle)  # not enrolled twice
    assert Assignment.objects.filter(agent=bob, course=improvement).count() == 1
    assert Enrolment.objects.filter(agent=bob).count() == 1
    graded(cycle.retest_exam, bob, 98)  # the re-test counts as the knowledge exam
    [result] = certify(cycle)
    assert result.passed and float(result.knowledge) == 98


def test_communication_comes_from_the_quarters_qa_results(cycle, import_records):
    from conftest import native_conversation
    from kefu.interactions.models import Conversation
    from kefu.qa.scoring import score_conversations
    from kefu.qa.store import default_version

    report = import_records(native_conversation(id="C-CERT", agent="A0007"))
    assert report.rejected == 0, report.errors
    cycle.starts_on, cycle.ends_on = date(2024, 4, 1), date(2024, 6, 30)  # the record's day
    cycle.save()
    score_conversations(Conversation.objects.values_list("pk", flat=True), default_version())
    alice = agent("A0007")
    graded(cycle.knowledge_exam, alice, 90)
    graded(cycle.problem_exam, alice, 90)
    from kefu.qa.models import QaResult
    from kefu.training.core.certification import communication_score

    items = QaResult.objects.get(conversation__external_id="C-CERT", is_current=True).items
    [result] = certify(cycle)
    assert float(result.communication) == communication_score([items])
    cycle.starts_on, cycle.ends_on = date(2024, 7, 1), date(2024, 9, 30)  # another quarter
    cycle.save()
    [result] = certify(cycle)
    assert result.communication is None and result.total is None


def test_expiring_certificates_are_reminded_once(cycle):
    alice = agent("A0007")
    now = timezone.now()
    Certificate.objects.create(
        cycle=cycle, agent=alice, passed=True, number="KF-X", total=90,
        issued_at=now - timedelta(days=350), expires_at=now + timedelta(days=15),
    )  # fmt: skip
    assert remind_expiring(now) == 1
    assert remind_expiring(now) == 0
    assert Notification.objects.filter(kind="training.certificate_expiring").count() == 2
    # alice and her supervisor (sam) were told


def test_the_record_page_shows_own_record_and_hides_others(cycle, personas):
    alice, bob = agent("A0007"), agent("A0102")
    graded(cycle.knowledge_exam, alice, 91)
    graded(cycle.knowledge_exam, bob, 55)
    mine = client_for(personas.alice).get(reverse("training:records"))
    assert mine.status_code == 302 and mine["Location"] == reverse(
        "training:record", args=[alice.pk]
    )
    page = client_for(personas.alice).get(reverse("training:record", args=[alice.pk]))
    assert page.status_code == 200 and "季度认证·知识" in page.content.decode()
    assert (
        client_for(personas.alice).get(reverse("training:record", args=[bob.pk])).status_code == 404
    )
    # the supervisor: own team only; trainers and managers: everyone; QA: no records
    assert (
        client_for(personas.sam).get(reverse("training:record", args=[alice.pk])).status_code == 200
    )
    assert (
        client_for(personas.sam).get(reverse("training:record", args=[bob.pk])).status_code == 404
    )
    for who in (personas.tina, personas.mia):
        assert client_for(who).get(reverse("training:record", args=[bob.pk])).status_code == 200
    assert (
        client_for(personas.quinn).get(reverse("training:record", args=[bob.pk])).status_code == 404
    )
    listing = client_for(personas.tina).get(reverse("training:records")).content.decode()
    assert "李娜" in listing and "王强" in listing


def test_the_record_exports_to_excel_and_is_audited(cycle, personas):
    from openpyxl import load_workbook

    alice = agent("A0007")
    graded(cycle.knowledge_exam, alice, 91)
    answer = client_for(personas.sam).get(reverse("training:record_export", args=[alice.pk]))
    assert answer.status_code == 200
    book = load_workbook(BytesIO(answer.content))
    exams = book.worksheets[2]
    assert [c.value for c in exams[2]][:1] == ["季度认证·知识"]
    assert AuditLog.objects.filter(action="export", object_type="training.record").exists()
    other = client_for(personas.bob).get(reverse("training:record_export", args=[alice.pk]))
    assert other.status_code == 404


def test_only_trainers_compute_results_and_agents_see_only_their_own(cycle, personas):
    alice, bob = agent("A0007"), agent("A0102")
    cycle.communication_weight, cycle.knowledge_weight = 0, 70
    cycle.save()
    for who in (alice, bob):
        graded(cycle.knowledge_exam, who, 90)
        graded(cycle.problem_exam, who, 90)
    url = reverse("training:cycle_certify", args=[cycle.pk])
    assert client_for(personas.mia).post(url).status_code == 403
    assert client_for(personas.tina).post(url).status_code == 302
    assert Certificate.objects.filter(cycle=cycle, passed=True).count() == 2
    api = f"/api/v1/training/certification/{cycle.pk}/results"
    mine = client_for(personas.alice).get(api).json()
    assert [r["agent"] for r in mine] == ["A0007"]
    assert len(client_for(personas.mia).get(api).json()) == 2
    assert (
        client_for(personas.alice)
        .post(f"/api/v1/training/certification/{cycle.pk}/certify")
        .status_code
        == 403
    )
    record = client_for(personas.alice).get(f"/api/v1/training/records/{bob.pk}")
    assert record.status_code == 404
    own = client_for(personas.alice).get(f"/api/v1/training/records/{alice.pk}").json()
    assert own["certificates"][0]["passed"] is True


def test_a_cycle_needs_weights_adding_to_100(personas):
    client = client_for(personas.tina)
    today = date.today().isoformat()
    answer = client.post(reverse("training:cycle_new"), {
        "name": "Q", "starts_on": today, "ends_on": today, "knowledge_weight": 50,
        "communication_weight": 30, "problem_weight": 30, "pass_score": 85,
    })  # fmt: skip
    assert answer.status_code == 200 and not CertificationCycle.objects.exists()
    assert client_for(personas.alice).get(reverse("training:cycle_new")).status_code == 403


def test_the_record_counts_absences_and_hours_as_the_absence_rule_does(personas):
    from kefu.training import figures
    from kefu.training.core.figures import quarter_of
    from kefu.training.records import record_of

    alice = agent("A0007")
    now = timezone.now()
    for status, attendance in (("held", "absent"), ("cancelled", "absent"), ("held", "attended")):
        start = now - timedelta(hours=3)
        session = TrainingSession.objects.create(
            title=f"{status}-{attendance}", starts_at=start, ends_at=start + timedelta(hours=2),
            status=status,
        )  # fmt: skip
        Enrolment.objects.create(session=session, agent=alice, attendance=attendance)
    record = record_of(alice, now)
    quarter = quarter_of(timezone.localdate(now))
    assert record.absences_this_quarter == figures.absences(alice, quarter) == 1
    assert record.hours_attended == 2.0


def test_the_agent_sees_the_improvement_class_and_the_retest_after_failing(cycle, personas):
    # given: the re-test is published and for the improvement class's agents
    course = Course.objects.create(title="能力提升班", kind=CourseKind.IMPROVEMENT)
    starts = timezone.now() + timedelta(days=2)
    session = TrainingSession.objects.create(
        title="提升班一期", course=course, kind=CourseKind.IMPROVEMENT, starts_at=starts,
        ends_at=starts + timedelta(hours=2), place="2 楼",
    )  # fmt: skip
    retest = cycle.retest_exam
    retest.published, retest.session = True, session
    retest.save()
    cycle.communication_weight = cycle.problem_weight = 0
    cycle.save()
    alice, home = agent("A0007"), reverse("training:home")
    assert client_for(personas.alice).get(home).context["improvement"] is None
    # when: alice fails the certification
    graded(cycle.knowledge_exam, alice, 60)
    certify(cycle)
    # then: her training page shows the class (lessons, her seat) and the re-test to take
    page = client_for(personas.alice).get(home)
    plan = page.context["improvement"]
    assert plan.assignment.course == course and plan.enrolment.session == session
    assert plan.retest == retest and plan.retest_refusal is None
    html = page.content.decode()
    assert 'id="improvement"' in html and "提升班一期" in html and 'id="take-retest"' in html
    # her supervisor reads it on her record, without the button that is hers
    record = client_for(personas.sam).get(reverse("training:record", args=[alice.pk]))
    text = record.content.decode()
    assert 'id="improvement"' in text and "补考" in text and 'id="take-retest"' not in text
    # once the re-test is passed the certificate is hers, and the class card goes
    graded(retest, alice, 90)
    certify(cycle)
    assert client_for(personas.alice).get(home).context["improvement"] is None
