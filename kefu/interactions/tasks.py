"""Background tasks of the interaction hub (django-tasks; `kefu db_worker` runs them)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_noop
from django_tasks import task

from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.core.masking import mask_text
from kefu.interactions.choices import ImportStatus
from kefu.interactions.core.encoding import FileRejected
from kefu.interactions.importer import MAX_KEPT_ERRORS, ImportReport, import_file
from kefu.interactions.models import ImportJob

logger = logging.getLogger(__name__)


def _counts(report: ImportReport) -> dict[str, int]:
    return {
        "read": report.read,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "rejected": report.rejected,
    }


def enqueue(job: ImportJob) -> None:
    """Queue the job's import; a queue that is down fails the job, saying so."""
    try:
        run_import.enqueue(job.pk)
    except Exception as exc:  # the queue is down: say so on the job page
        ImportJob.objects.filter(pk=job.pk, status=ImportStatus.QUEUED).update(
            status=ImportStatus.FAILED,
            failure=f"could not queue the import: {exc}"[:2000],
            finished_at=timezone.now(),
        )


def requeue(job: ImportJob) -> None:
    """Queue a failed or stalled job again from the start; imports are idempotent, so
    the records that made it the first time come back as unchanged."""
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.QUEUED,
        failure="",
        finished_at=None,
        heartbeat_at=timezone.now(),
        processed_bytes=0,
        errors=[],
        **dict.fromkeys(("read", "created", "updated", "unchanged", "rejected"), 0),
    )
    job.refresh_from_db()
    enqueue(job)


def resume_stalled() -> list[int]:
    """Queue again every import whose worker was lost (no heartbeat for STALLED_AFTER)
    and whose file is still there; the ids queued."""
    resumed = []
    unfinished = ImportJob.objects.filter(status__in=(ImportStatus.QUEUED, ImportStatus.RUNNING))
    for job in unfinished:
        if job.is_stalled and Path(job.stored_path).exists():
            requeue(job)
            resumed.append(job.pk)
    return resumed


@task()
def run_import(job_id: int) -> dict[str, Any]:
    """Import an uploaded file for an ImportJob; the job row tracks progress and outcome.

    Never leaves the job `running`: any exception marks it `failed` with the message.
    The uploaded file is deleted once the import succeeded (it holds personal data).
    """
    job = ImportJob.objects.filter(pk=job_id).select_related("created_by").first()
    if job is None:
        logger.warning("import job %s vanished before it ran", job_id)
        return {"status": "missing"}
    if job.status in (ImportStatus.DONE, ImportStatus.FAILED):
        return {"status": job.status}  # delivered twice: the first run decided
    jobs = ImportJob.objects.filter(pk=job_id)
    jobs.update(status=ImportStatus.RUNNING, processed_bytes=0, heartbeat_at=timezone.now())

    def progress(report: ImportReport, position: int) -> None:
        jobs.update(processed_bytes=position, heartbeat_at=timezone.now(), **_counts(report))

    path = Path(job.stored_path)
    try:
        report = import_file(path, file_format=job.file_format or None, on_progress=progress)
    except FileRejected as exc:
        # Not a fault of ours: the sentence alone (English; the page shows it translated).
        # Retrying cannot help, so the file goes now.
        path.unlink(missing_ok=True)
        return _fail(job, exc.sentence)
    except Exception as exc:
        logger.exception("import job %s failed", job_id)
        return _fail(job, f"{type(exc).__name__}: {exc}")

    errors = [e.as_dict() for e in report.errors[:MAX_KEPT_ERRORS]]
    jobs.update(
        status=ImportStatus.DONE,
        errors=errors,
        processed_bytes=F("total_bytes"),
        finished_at=timezone.now(),
        **_counts(report),
    )
    job.refresh_from_db()
    _audit(job, {})
    path.unlink(missing_ok=True)
    return {"status": ImportStatus.DONE, **_counts(report)}


def _fail(job: ImportJob, failure: str) -> dict[str, Any]:
    # An exception's message may quote a record's value: stored and shown masked.
    failure = mask_text(failure[:2000])
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.FAILED, failure=failure, finished_at=timezone.now()
    )
    job.refresh_from_db()
    _audit(job, {"failure": failure})
    return {"status": ImportStatus.FAILED, "failure": failure}


def _audit(job: ImportJob, extra: dict[str, Any]) -> None:
    audit(
        AuditAction.IMPORT,
        user=job.created_by,
        object_type="import_job",
        object_id=str(job.pk),
        detail={
            "file_name": job.file_name,
            "format": job.file_format,
            "status": job.status,
            "read": job.read,
            "created": job.created,
            "updated": job.updated,
            "unchanged": job.unchanged,
            "rejected": job.rejected,
            **extra,
        },
    )


# --- uploaded files ------------------------------------------------------------------

FILE_EXPIRED = gettext_noop(
    "The uploaded file was deleted when its retention period passed; upload it again."
)


def upload_folder() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def cleanup_import_files(now: datetime | None = None) -> int:
    """Delete uploaded import files that are no longer needed (they hold personal data):
    those of finished imports at once, those of failed or stalled imports (kept for a
    retry) and files no job refers to once KEFU_IMPORT_FILE_RETENTION_DAYS have passed.
    A queued or running job whose file goes is failed with FILE_EXPIRED. Returns the
    number of files deleted. Run by `kefu import_cleanup` (cron) and whenever an import
    starts."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.KEFU_IMPORT_FILE_RETENTION_DAYS)
    folder = upload_folder()
    if not folder.is_dir():
        return 0
    deleted = 0
    referenced: set[str] = set()
    jobs = ImportJob.objects.exclude(stored_path="").only(
        "pk", "status", "stored_path", "created_at", "heartbeat_at"
    )
    for job in jobs.iterator():
        path = Path(job.stored_path)
        referenced.add(str(path))
        expired = job.created_at < cutoff
        unfinished = job.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)
        if unfinished and not (expired and job.is_stalled):
            continue  # a worker may be reading it
        if job.status == ImportStatus.FAILED and not expired:
            continue  # kept for a retry
        if path.exists():
            path.unlink(missing_ok=True)
            deleted += 1
        if unfinished:
            ImportJob.objects.filter(pk=job.pk, status=job.status).update(
                status=ImportStatus.FAILED, failure=FILE_EXPIRED, finished_at=now
            )
    for path in folder.iterdir():
        # Files of no job (an upload cut short, a job deleted): by age alone.
        if str(path) not in referenced and path.is_file():
            modified = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
            if modified < cutoff:
                path.unlink(missing_ok=True)
                deleted += 1
    return deleted
