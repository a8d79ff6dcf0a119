from django.db import models
from django.utils.translation import gettext_lazy as _


class CourseKind(models.TextChoices):
    COURSE = "course", _("Course")
    CASE_REVIEW = "case_review", _("Weekly case review")
    QA_DRIVEN = "qa_driven", _("Monthly QA-driven training")
    CERTIFICATION = "certification", _("Quarterly certification")
    IMPROVEMENT = "improvement", _("Improvement class")
    PROJECT = "project", _("Project")


class SessionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class EnrolmentSource(models.TextChoices):
    MANUAL = "manual", _("By hand")
    TEAM = "team", _("Team")
    TIER = "tier", _("Tier")
    RULE = "rule", _("Rule")
    IMPROVEMENT = "improvement", _("Failed certification")


class Attendance(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    ATTENDED = "attended", _("Attended")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excused", _("Excused")


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TRUE_FALSE = "true_false", _("True / false")
    FILL = "fill", _("Fill in the blank")
    SHORT = "short", _("Short answer")
    SCENARIO = "scenario", _("Scenario")


class ExamKind(models.TextChoices):
    QUIZ = "quiz", _("Quiz")
    PRE = "pre", _("Pre-test")
    POST = "post", _("Post-test")
    CERTIFICATION = "certification", _("Certification")
    RETEST = "retest", _("Re-test")


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Awaiting grading")
    GRADED = "graded", _("Graded")
    EXPIRED = "expired", _("Time ran out")


class AssignmentSource(models.TextChoices):
    RULE = "rule", _("QA rule")
    MANUAL = "manual", _("By hand")
    REVIEW = "review", _("From a review")
    IMPROVEMENT = "improvement", _("Failed certification")


class AssignmentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class PracticeStatus(models.TextChoices):
    ACTIVE = "active", _("In progress")
    FINISHED = "finished", _("Finished")
    ABANDONED = "abandoned", _("Abandoned")
