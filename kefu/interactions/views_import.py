"""Web import (upload → background task → progress page) and export (streamed JSONL)."""

from __future__ import annotations

import csv
import os
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import tzinfo
from pathlib import Path

from asgiref.sync import sync_to_async
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.core.files.uploadedfile import UploadedFile
from django.core.handlers.asgi import ASGIRequest
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.accounts.access import (
    agents_visible_to,
    can_view_personal_data,
    conversations_visible_to,
    teams_visible_to,
)
from kefu.accounts.roles import EXPORT, IMPORT
from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.core import periods
from kefu.core.spreadsheet import safe_cell
from kefu.interactions.choices import Channel, ImportStatus
from kefu.interactions.core.native import dumps
from kefu.interactions.exporter import iter_native
from kefu.interactions.importer import detect_format, reason_text
from kefu.interactions.models import ImportJob
from kefu.interactions.tasks import cleanup_import_files, enqueue, requeue, upload_folder
from kefu.lib.formfields import DayField
from kefu.lib.localtime import configured_tz

ALLOWED_SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv")
ERRORS_SHOWN = 50
JOBS_SHOWN = 50
EXPORT_BLOCK_BYTES = 256 * 1024

FORMAT_CHOICES = [
    ("", _("Detect automatically")),
    ("jsonl", _("Native JSON Lines (.jsonl)")),
    ("csv-agents", _("Agents CSV")),
    ("csv-conversations", _("Conversations CSV")),
]


def render_page(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    return render(request, template, {"layout": "base.html", **context})


# --- import --------------------------------------------------------------------------


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File"))
    file_format = forms.ChoiceField(label=_("Format"), choices=FORMAT_CHOICES, required=False)

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(ALLOWED_SUFFIXES):
            raise forms.ValidationError(_("Upload a .jsonl or .csv file."))
        limit = settings.KEFU_IMPORT_MAX_UPLOAD_BYTES
        if limit and upload.size > limit:
            raise forms.ValidationError(
                _("The file is %(size)s; at most %(limit)s can be uploaded.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
            )
        return upload


def store_upload(upload: UploadedFile) -> tuple[Path, bytes, int]:
    """Write the upload under MEDIA_ROOT/imports/<uuid>.<ext> chunk by chunk, readable by
    the server's user alone (the file holds personal data; tasks.cleanup_import_files
    deletes it later).

    Returns the path, the first bytes (format detection) and the size.
    """
    suffix = Path(upload.name).suffix.lower()
    folder = upload_folder()
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    path = folder / f"{uuid.uuid4().hex}{suffix}"
    head = b""
    size = 0
    # Created 0600 from the start: a chmod afterwards would leave a window.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        for chunk in upload.chunks():
            if len(head) < 4096:
                head += chunk[: 4096 - len(head)]
            out.write(chunk)
            size += len(chunk)
    return path, head, size


def start_import(user, upload: UploadedFile, file_format: str) -> ImportJob:
    cleanup_import_files()  # files of earlier imports whose time is up
    path, head, size = store_upload(upload)
    job = ImportJob.objects.create(
        created_by=user,
        file_name=Path(upload.name).name[:255],
        file_format=file_format or detect_format(Path(upload.name), head),
        stored_path=str(path),
        total_bytes=size,
    )
    enqueue(job)
    return job


@login_required
@permission_required(IMPORT, raise_exception=True)
@require_POST
def import_retry(request: HttpRequest, job_id: int) -> HttpResponse:
    """Queue a failed or stalled job again; imports are idempotent, so records that
    made it the first time come back as unchanged."""
    job = _visible_job(request, job_id)
    if not _can_retry(job):
        return HttpResponse(status=409)
    requeue(job)
    return redirect("interactions:import_detail", job_id=job.pk)


@login_required
@permission_required(IMPORT, raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            job = start_import(
                request.user, form.cleaned_data["file"], form.cleaned_data["file_format"]
            )
            return redirect("interactions:import_detail", job_id=job.pk)
    else:
        form = ImportForm()
    jobs = ImportJob.objects.select_related("created_by")[:JOBS_SHOWN]
    return render_page(request, "interactions/import_list.html", {"form": form, "jobs": jobs})


def _visible_job(request: HttpRequest, job_id: int) -> ImportJob:
    """The job's creator or an importer; anyone else gets 404 (as for other objects)."""
    job = get_object_or_404(ImportJob.objects.select_related("created_by"), pk=job_id)
    user = request.user
    if job.created_by_id != user.pk and not user.has_perm(IMPORT):
        raise Http404
    return job


def _can_retry(job: ImportJob) -> bool:
    return job.can_retry and Path(job.stored_path).exists()


def _job_context(job: ImportJob) -> dict:
    errors = [{**e, "reason": reason_text(e)} for e in job.errors[:ERRORS_SHOWN]]
    return {
        "job": job,
        "running": job.status in (ImportStatus.QUEUED, ImportStatus.RUNNING),
        # Stored in English (a worker has no reader); known sentences are shown translated.
        "failure": gettext(job.failure) if job.failure else "",
        "can_retry": _can_retry(job),
        "file_expired": job.can_retry and not Path(job.stored_path).exists(),
        "errors": errors,
        "more_errors": max(0, len(job.errors) - ERRORS_SHOWN),
        "unstored_errors": max(0, job.rejected - len(job.errors)),
    }


@login_required
@require_GET
def import_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _visible_job(request, job_id)
    return render_page(request, "interactions/import_detail.html", _job_context(job))


@login_required
@require_GET
def import_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """The progress partial the detail page polls (HTMX) while the job runs."""
    job = _visible_job(request, job_id)
    return render(request, "interactions/import_progress.html", _job_context(job))


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
def import_errors(request: HttpRequest, job_id: int) -> StreamingHttpResponse:
    """All stored errors of a job as CSV (UTF-8 with BOM, so Excel shows Chinese)."""
    job = _visible_job(request, job_id)
    writer = csv.writer(_Echo())

    # The rows are written after the view returned, when the request's language is no
    # longer active: each is translated in it explicitly.
    language = translation.get_language()

    def rows() -> Iterator[str]:
        with translation.override(language):
            header = [str(_("Line")), str(_("Record id")), str(_("Field")), str(_("Reason"))]
        yield "\ufeff" + writer.writerow(header)
        for e in job.errors:
            with translation.override(language):
                reason = reason_text(e)
            yield writer.writerow(
                [e.get("line"), safe_cell(e.get("id")), safe_cell(e.get("field")),
                 safe_cell(reason)]
            )  # fmt: skip

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
    return response


# --- export --------------------------------------------------------------------------


class ExportForm(forms.Form):
    date_from = DayField(label=_("From"), required=False)
    date_to = DayField(label=_("To"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=None, required=False, empty_label=_("All teams")
    )
    include_agents = forms.BooleanField(label=_("Include agents"), required=False, initial=True)

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [("", _("All channels")), *Channel.choices]
        self.fields["team"].queryset = teams_visible_to(user)

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data


def _blocks(lines: Iterable[bytes]) -> Iterator[bytes]:
    """Group JSONL lines into blocks of about 256 KB (fewer, larger writes)."""
    block: list[bytes] = []
    size = 0
    for line in lines:
        block.append(line)
        size += len(line)
        if size >= EXPORT_BLOCK_BYTES:
            yield b"".join(block)
            block, size = [], 0
    if block:
        yield b"".join(block)


async def _async_blocks(blocks: Iterator[bytes]) -> AsyncIterator[bytes]:
    """Under ASGI, pull each block in the sync thread (database access), one at a time;
    a plain iterator would be read whole into memory by Django first."""
    pull = sync_to_async(lambda: next(blocks, None), thread_sensitive=True)
    while (block := await pull()) is not None:
        yield block


def export_querysets(user, data: dict, tz: tzinfo) -> tuple[QuerySet, QuerySet | None]:
    """What the user may export, narrowed by the form's filters."""
    conversations = conversations_visible_to(user).filter(
        **periods.lookups("created_at", data["date_from"], data["date_to"], tz)
    )
    if data["channel"]:
        conversations = conversations.filter(channel=data["channel"])
    agents = agents_visible_to(user) if data["include_agents"] else None
    if data["team"] is not None:
        conversations = conversations.filter(team=data["team"])
        agents = agents.filter(team=data["team"]) if agents is not None else None
    return conversations, agents


@login_required
@permission_required(EXPORT, raise_exception=True)
@require_http_methods(["GET", "POST"])
def export(request: HttpRequest) -> HttpResponse:
    """Form (GET); the download (POST): native JSONL streamed, scoped and masked."""
    user = request.user
    if request.method != "POST":
        return render_page(
            request, "interactions/import_export.html", {"form": ExportForm(user=user)}
        )
    form = ExportForm(request.POST, user=user)
    if not form.is_valid():
        return render_page(request, "interactions/import_export.html", {"form": form})
    data = form.cleaned_data
    tz = configured_tz()
    conversations, agents = export_querysets(user, data, tz)
    masked = not can_view_personal_data(user)
    audit(
        AuditAction.EXPORT,
        request=request,
        object_type="file",
        object_id="web",
        detail={
            "from": data["date_from"].isoformat() if data["date_from"] else None,
            "to": data["date_to"].isoformat() if data["date_to"] else None,
            "channel": data["channel"] or None,
            "team": data["team"].name if data["team"] else None,
            "agents": data["include_agents"],
            "masked": masked,
        },
    )
    blocks = _blocks(dumps(obj) for obj in iter_native(conversations, agents, tz, masked=masked))
    content = _async_blocks(blocks) if isinstance(request, ASGIRequest) else blocks
    response = StreamingHttpResponse(content, content_type="application/x-ndjson; charset=utf-8")
    stamp = timezone.now().astimezone(tz).strftime("%Y%m%d-%H%M%S")
    suffix = "-masked" if masked else ""
    response["Content-Disposition"] = f'attachment; filename="kefu-export-{stamp}{suffix}.jsonl"'
    return response
