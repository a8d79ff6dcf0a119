"""Training and certification (培训与认证): the catalogue (knowledge areas, courses,
lessons, tracks per tier), sessions on a calendar with enrolment and check-in, question
banks and exams with attempts, quarterly certification, practice with simulated
customers, and the QA → lesson loop (assignment rules and assignments).

Per-agent rows (enrolments, attempts, certificates, practice, assignments, lesson
progress) carry `agent` and are seen through kefu.accounts.access: agents their own,
supervisors their teams', trainers and managers all (`training.view_all_training`).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.accounts.choices import Tier
from kefu.accounts.models import Agent
from kefu.training.choices import (
    AssignmentSource,
    AssignmentStatus,
    AttemptStatus,
    Attendance,
    CourseKind,
    EnrolmentSource,
    ExamKind,
    PracticeStatus,
    QuestionKind,
    SessionStatus,
)
from kefu.training.core.certification import COMMUNICATION_SECTIONS

USER = settings.AUTH_USER_MODEL


def session_code() -> str:
    """Six digits an agent types to check in (not a secret: it is shown in the room)."""
    return f"{secrets.randbelow(10**6):06d}"


class TrainingSettings(models.Model):
    """The department's training rules (one row, created by a migration)."""

    absence_limit = models.PositiveSmallIntegerField(_("absences allowed per quarter"), default=3)
    # Read by the performance review: more than `absence_limit` absences in a quarter
    # lower the development score by this share.
    absence_penalty_percent = models.PositiveSmallIntegerField(
        _("development score cut beyond the limit (%)"), default=15
    )
    pass_score = models.PositiveSmallIntegerField(_("default pass line"), default=85)
    certificate_valid_days = models.PositiveIntegerField(
        _("certificate valid for (days)"), default=365
    )
    expiry_reminder_days = models.PositiveSmallIntegerField(
        _("remind before expiry (days)"), default=30
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("training settings")
        permissions = [
            ("manage_training", "Manage courses, sessions, exams, scenarios and rules"),
            ("view_all_training", "See every agent's training record"),
        ]

    @classmethod
    def current(cls) -> TrainingSettings:
        """The row (a migration creates it); a read never writes."""
        return cls.objects.order_by("pk").first() or cls(pk=1)


class Area(models.Model):
    """A knowledge area (基础咨询, 投诉处理, …): tags courses and questions."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=60)
    # The certification component this area's questions count towards (knowledge or
    # problem analysis); communication comes from QA results.
    component = models.CharField(_("certification component"), max_length=16, default="knowledge")

    class Meta:
        ordering = ["code"]
        verbose_name = _("knowledge area")

    def __str__(self) -> str:
        return self.name


class Course(models.Model):
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=16, choices=CourseKind.choices, default=CourseKind.COURSE
    )
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="courses"
    )
    summary = models.TextField(_("summary"), blank=True)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1, default=0)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title", "pk"]
        verbose_name = _("course")

    def __str__(self) -> str:
        return self.title


class Lesson(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lessons")
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text (Markdown)"), blank=True)
    minutes = models.PositiveSmallIntegerField(_("minutes"), default=15)

    class Meta:
        ordering = ["course_id", "position", "pk"]
        verbose_name = _("lesson")

    def __str__(self) -> str:
        return self.title


class LessonAttachment(models.Model):
    """A PDF, image, audio or video file of a lesson (Django storage)."""

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="training/lessons/%Y/%m/")
    name = models.CharField(_("name"), max_length=200)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]


class LessonProgress(models.Model):
    """An agent completed a lesson (reading it to the end and confirming)."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="lesson_progress")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="progress")
    completed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agent", "lesson"], name="one_progress_per_lesson")
        ]


class Track(models.Model):
    """A learning path for a tier (new hires: 7-day quick win + 30-day pass), or for
    everyone (blank tier)."""

    name = models.CharField(_("name"), max_length=120)
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("track")

    def __str__(self) -> str:
        return self.name


class TrackItem(models.Model):
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="items")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=1)
    due_day = models.PositiveSmallIntegerField(_("due on day"), null=True, blank=True)
    weight_percent = models.PositiveSmallIntegerField(_("weight (%)"), default=0)
    # "weekly", "monthly", "quarterly" for the recurring parts; blank: once.
    recurrence = models.CharField(_("recurs"), max_length=16, blank=True)

    class Meta:
        ordering = ["track_id", "position", "pk"]


class TrainingSession(models.Model):
    """A scheduled class: instructor, place or link, capacity, a check-in code."""

    title = models.CharField(_("title"), max_length=200)
    course = models.ForeignKey(
        Course, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions"
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=CourseKind.choices, default=CourseKind.COURSE
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    instructor = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    link = models.URLField(_("link"), blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=SessionStatus.choices, default=SessionStatus.PLANNED
    )
    code = models.CharField(_("check-in code"), max_length=6, default=session_code)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["starts_at"])]
        verbose_name = _("training session")

    def __str__(self) -> str:
        return self.title

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600


class Enrolment(models.Model):
    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="enrolments"
    )
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="enrolments")
    source = models.CharField(
        max_length=16, choices=EnrolmentSource.choices, default=EnrolmentSource.MANUAL
    )
    attendance = models.CharField(
        _("attendance"), max_length=16, choices=Attendance.choices, default=Attendance.ENROLLED
    )
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "agent"], name="one_enrolment_per_session")
        ]
        indexes = [models.Index(fields=["agent", "attendance"])]


class QuestionBank(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("question bank")

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    """One question. `answer` never leaves the server before the attempt is submitted:
    single → [index], multiple → [indexes], true_false → [true|false], fill → accepted
    strings, short / scenario → [] (graded by a trainer with `rubric`)."""

    bank = models.ForeignKey(QuestionBank, on_delete=models.CASCADE, related_name="questions")
    external_id = models.CharField(_("question id"), max_length=64)
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="questions"
    )
    kind = models.CharField(_("type"), max_length=16, choices=QuestionKind.choices)
    difficulty = models.PositiveSmallIntegerField(_("difficulty (1–5)"), default=3)
    text = models.TextField(_("question"))
    # A scenario's conversation excerpt: [{"role": "customer"|"agent", "text": …}, …]
    excerpt = models.JSONField(_("conversation excerpt"), default=list, blank=True)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    answer = models.JSONField(_("answer"), default=list, blank=True)
    rubric = models.TextField(_("grading rubric"), blank=True)
    points = models.DecimalField(_("points"), max_digits=5, decimal_places=1, default=1)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["bank_id", "external_id"]
        constraints = [
            models.UniqueConstraint(fields=["bank", "external_id"], name="question_id_per_bank")
        ]
        verbose_name = _("question")

    def __str__(self) -> str:
        return f"{self.external_id} {self.text[:40]}"


class Exam(models.Model):
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=ExamKind.choices)
    course = models.ForeignKey(
        Course, null=True, blank=True, on_delete=models.SET_NULL, related_name="exams"
    )
    bank = models.ForeignKey(QuestionBank, on_delete=models.PROTECT, related_name="exams")
    time_limit_minutes = models.PositiveSmallIntegerField(_("time limit (minutes)"), default=30)
    closed_book = models.BooleanField(_("closed book"), default=True)
    attempts_allowed = models.PositiveSmallIntegerField(_("attempts allowed"), default=1)
    pass_score = models.PositiveSmallIntegerField(_("pass line (of 100)"), default=85)
    opens_at = models.DateTimeField(_("opens"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes"), null=True, blank=True)
    published = models.BooleanField(_("published"), default=False)
    # Who may take it: blank = everyone; else the agents enrolled in this session.
    session = models.ForeignKey(
        TrainingSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="exams"
    )
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("exam")

    def __str__(self) -> str:
        return self.title


class ExamPart(models.Model):
    """Draw `count` questions of this area and difficulty (blank: any) from the bank."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="parts")
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT)
    difficulty = models.PositiveSmallIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=16, choices=QuestionKind.choices, blank=True)
    count = models.PositiveSmallIntegerField(default=10)

    class Meta:
        ordering = ["exam_id", "pk"]


class Attempt(models.Model):
    """One sitting: the drawn questions (in order), the server-side deadline, the score."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="attempts")
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="exam_attempts")
    number = models.PositiveSmallIntegerField(default=1)
    question_ids = models.JSONField(default=list)
    started_at = models.DateTimeField()
    deadline = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=AttemptStatus.choices, default=AttemptStatus.IN_PROGRESS
    )
    score = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    passed = models.BooleanField(null=True)
    graded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["exam", "agent", "number"], name="attempt_number")
        ]

    @property
    def overdue(self) -> bool:
        """Still in progress after its deadline: no answer is taken any more; the worker
        (`kefu training_close_attempts`, or the task queued at the start) closes it and
        grades what was saved. Reads never close it."""
        return self.status == AttemptStatus.IN_PROGRESS and self.deadline < timezone.now()


class Answer(models.Model):
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    response = models.JSONField(default=list, blank=True)
    points = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    correct = models.BooleanField(null=True)  # None: awaits a trainer's grade
    comment = models.TextField(blank=True)
    graded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    graded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="one_answer_per_question")
        ]


def default_communication_sections() -> list[str]:
    return list(COMMUNICATION_SECTIONS)


class CertificationCycle(models.Model):
    """A quarter's certification: weights of its three components and its exams."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    starts_on = models.DateField(_("quarter starts"))
    ends_on = models.DateField(_("quarter ends"))
    knowledge_weight = models.PositiveSmallIntegerField(_("knowledge (%)"), default=40)
    communication_weight = models.PositiveSmallIntegerField(_("communication (%)"), default=30)
    problem_weight = models.PositiveSmallIntegerField(_("problem analysis (%)"), default=30)
    knowledge_exam = models.ForeignKey(
        Exam, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    problem_exam = models.ForeignKey(
        Exam, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Taken after failing (in the improvement class): counts as the knowledge exam.
    retest_exam = models.ForeignKey(
        Exam, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The scorecard sections whose items make the communication component.
    communication_sections = models.JSONField(
        _("communication sections"), default=default_communication_sections
    )
    pass_score = models.PositiveSmallIntegerField(_("pass line"), default=85)

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("certification cycle")

    def __str__(self) -> str:
        return self.name


class Certificate(models.Model):
    """An agent's certification result of a cycle (passed or not); the certificate is
    valid until `expires_at` when passed."""

    cycle = models.ForeignKey(
        CertificationCycle, on_delete=models.CASCADE, related_name="certificates"
    )
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="certificates")
    knowledge = models.DecimalField(max_digits=5, decimal_places=1, null=True)
    communication = models.DecimalField(max_digits=5, decimal_places=1, null=True)
    problem = models.DecimalField(max_digits=5, decimal_places=1, null=True)
    total = models.DecimalField(max_digits=5, decimal_places=1, null=True)
    passed = models.BooleanField(default=False)
    number = models.CharField(max_length=32, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-cycle__starts_on", "agent_id"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "agent"], name="one_certificate_per_cycle")
        ]


class Scenario(models.Model):
    """A simulated customer: a small dialogue graph (see docs/training.md)."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    title = models.CharField(_("title"), max_length=120)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL)
    goal = models.TextField(_("goal"), blank=True)
    graph = models.JSONField(_("dialogue"))
    builtin = models.BooleanField(default=False)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("practice scenario")

    def __str__(self) -> str:
        return self.title


class Practice(models.Model):
    """An agent's run of a scenario; its transcript is scored by the QA engine."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="runs")
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="practices")
    status = models.CharField(
        max_length=16, choices=PracticeStatus.choices, default=PracticeStatus.ACTIVE
    )
    node = models.CharField(max_length=64, blank=True)
    # The customer's line variants are chosen by this seed (kefu.training.core.dialogue).
    seed = models.PositiveIntegerField(default=0)
    # The scenario's definition when the practice started: a later edit of the scenario
    # does not change a practice under way or the meaning of a finished one.
    graph = models.JSONField(default=dict, blank=True)
    transcript = models.JSONField(default=list)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    goal_reached = models.BooleanField(null=True)
    qa_score = models.DecimalField(max_digits=5, decimal_places=1, null=True)
    qa_breakdown = models.JSONField(default=dict, blank=True)
    # Failed scorecard items / all items: the practice error rate.
    errors = models.PositiveSmallIntegerField(null=True)
    checks = models.PositiveSmallIntegerField(null=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["agent", "started_at"])]


class AssignmentRule(models.Model):
    """≥ `min_hits` hits of `indicator` (or failures of scorecard item `item`) in the last
    `window_days` days → the lesson, due in `due_days`."""

    name = models.CharField(_("name"), max_length=120)
    indicator = models.CharField(_("QA indicator"), max_length=64, blank=True)
    scorecard_item = models.CharField(_("scorecard item"), max_length=64, blank=True)
    min_hits = models.PositiveSmallIntegerField(_("at least (hits)"), default=3)
    window_days = models.PositiveSmallIntegerField(_("in the last (days)"), default=30)
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    lesson = models.ForeignKey(
        Lesson, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_days = models.PositiveSmallIntegerField(_("due in (days)"), default=7)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("assignment rule")

    def __str__(self) -> str:
        return self.name


class Assignment(models.Model):
    """A lesson (or a whole course) an agent is to take by `due_at`."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="assignments")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="assignments")
    lesson = models.ForeignKey(
        Lesson, null=True, blank=True, on_delete=models.SET_NULL, related_name="assignments"
    )
    rule = models.ForeignKey(
        AssignmentRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="assignments"
    )
    source = models.CharField(max_length=16, choices=AssignmentSource.choices)
    status = models.CharField(
        max_length=16, choices=AssignmentStatus.choices, default=AssignmentStatus.OPEN
    )
    # The evidence: hits in the rule's window when assigned, or the review it came from.
    hits = models.PositiveIntegerField(default=0)
    review = models.ForeignKey(
        "reviews.Review", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    assigned_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField()
    due_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-assigned_at", "-pk"]
        constraints = [
            # Idempotent rules: one open assignment per agent and rule.
            models.UniqueConstraint(
                fields=["agent", "rule"],
                condition=Q(status="open", rule__isnull=False),
                name="one_open_assignment_per_rule",
            )
        ]
        indexes = [models.Index(fields=["agent", "status"])]
