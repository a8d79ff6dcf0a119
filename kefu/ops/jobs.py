"""The schedule table: every periodic command Kefu needs, run by `kefu scheduler`.

One place for what operators used to copy into crontabs (docs/operations.md). Times are
cron expressions in KEFU_TIME_ZONE. `KEFU_SCHEDULER_SKIP` (comma-separated names) leaves
jobs out, e.g. where a site keeps its own crontab for one of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.core.management import call_command

from kefu.ops.core import cron


@dataclass(frozen=True)
class Job:
    name: str
    cron: str
    command: tuple[str, ...]
    # How long a claim holds before another runner may take the job over (a runner that
    # died); longer than the job ever takes.
    timeout_s: int = 3600
    description: str = ""
    parsed: cron.Cron = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "parsed", cron.parse(self.cron))

    def run(self) -> None:
        call_command(*self.command)


JOBS: tuple[Job, ...] = (
    Job("routing_tick", "* * * * *", ("routing_tick",), 300,
        "overflow queued live conversations to their next tier (docs/routing.md)"),
    Job("live_push_missed", "* * * * *", ("live_push_missed",), 300,
        "push live alerts stored but never pushed to the consoles (docs/monitoring-operations.md)"),
    Job("training_close_attempts", "*/5 * * * *", ("training_close_attempts",), 900,
        "grade exam attempts whose time ran out (docs/training-exams.md)"),
    Job("qa_pending", "*/10 * * * *", ("qa", "pending"), 3600,
        "score conversations still queued for automatic QA (docs/operations.md)"),
    Job("reviews_sample", "15 1 * * *", ("reviews", "sample"), 3600,
        "run the scheduled QA sampling plans (docs/qa-review.md)"),
    Job("customers_risk", "30 2 * * *", ("customers_risk",), 3 * 3600,
        "refresh every customer's risk index and rule tags (docs/customers.md)"),
    Job("customers_risk_monthly", "45 2 * * *", ("customers_risk", "--monthly"), 3 * 3600,
        "customers' labels as of each month's first day (docs/customers.md)"),
    Job("import_resume", "*/5 * * * *", ("import_resume",), 600,
        "queue again the web imports whose worker was lost (docs/operations.md)"),
    Job("import_cleanup", "17 3 * * *", ("import_cleanup",), 3600,
        "delete uploaded import files whose time is up (docs/data-formats.md)"),
    Job("wfm_next_week", "0 4 * * 4", ("wfm", "roster", "--if-missing"), 3600,
        "forecast the coming week and build its roster unless planners have (docs/workforce.md)"),
    Job("retention", "27 3 * * *", ("retention",), 3600,
        "delete finished task results, expired sessions, old log-in logs (docs/operations.md)"),
    Job("improvement_train", "0 3 * * 1", ("improvement_classify", "--train"), 3 * 3600,
        "retrain the complaint classifier with the week's corrections (docs/improvement.md)"),
    Job("training_remind", "0 7 * * *", ("training", "remind"), 3600,
        "remind of certificates expiring soon (docs/training.md)"),
    Job("performance_feedback_weekly", "0 8 * * 1",
        ("performance_feedback", "--rhythm", "weekly"), 3600,
        "weekly performance summaries (docs/performance-methods.md)"),
    Job("performance_feedback_monthly", "0 8 1 * *",
        ("performance_feedback", "--rhythm", "monthly"), 3600,
        "monthly performance summaries (docs/performance-methods.md)"),
)  # fmt: skip


def enabled_jobs() -> tuple[Job, ...]:
    skip = set(getattr(settings, "KEFU_SCHEDULER_SKIP", ()))
    return tuple(job for job in JOBS if job.name not in skip)
