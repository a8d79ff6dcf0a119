from django.db import models
from django.utils.translation import gettext_lazy as _


class ScheduledJob(models.Model):
    """One periodic job of the schedule table (kefu.ops.jobs): its lock and last run.

    A runner claims a job with one conditional UPDATE (the slot not done yet and no live
    lock), so however many schedulers run on however many hosts, each slot of a job runs
    once (kefu.ops.scheduler). The lock expires after the job's timeout, so a runner that
    dies does not block the job for ever; on PostgreSQL an advisory lock held while the job
    runs keeps a second one out even then.
    """

    name = models.CharField(_("job"), max_length=64, primary_key=True)
    slot = models.DateTimeField(_("last slot claimed"), null=True, blank=True)
    locked_by = models.CharField(_("locked by"), max_length=128, blank=True, default="")
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    last_started_at = models.DateTimeField(_("last started"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last finished"), null=True, blank=True)
    last_status = models.CharField(_("last status"), max_length=16, blank=True, default="")
    last_duration_ms = models.PositiveIntegerField(_("last duration (ms)"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True, default="")
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    runs = models.PositiveIntegerField(_("runs"), default=0)
    failures = models.PositiveIntegerField(_("failures"), default=0)

    class Meta:
        verbose_name = _("scheduled job")
        verbose_name_plural = _("scheduled jobs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
