"""Background tasks of the interaction hub (django-tasks; `kefu db_worker` runs them)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.db.models import F
from django.utils import timezone
from django_tasks import task

from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.interactions.choices import ImportStatus
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
    except Exception as exc:
        logger.exception("import job %s failed", job_id)
        failure = f"{type(exc).__name__}: {exc}"[:2000]
        jobs.update(status=ImportStatus.FAILED, failure=failure, finished_at=timezone.now())
        job.refresh_from_db()
        _audit(job, {"failure": failure})
        return {"status": ImportStatus.FAILED, "failure": failure}

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
