"""Writes of the catalogue: courses, lessons and their attachments, tracks; and an agent
completing a lesson (which may complete their assignments)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_noop

from kefu.accounts.access import own_agent_id
from kefu.accounts.choices import Tier
from kefu.lib.errors import Invalid, NotAllowed
from kefu.lib.uploads import checked_type
from kefu.training.actions._checks import require_trainer
from kefu.training.actions.assignments import complete_finished
from kefu.training.choices import CourseKind
from kefu.training.models import (
    Area,
    Course,
    Lesson,
    LessonAttachment,
    LessonProgress,
    Track,
    TrackItem,
)

# What a lesson may carry: extension → (content type, the file's first bytes, one of).
ATTACHMENT_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    ".webp": ("image/webp", (b"RIFF",)),
    ".mp3": ("audio/mpeg", (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")),
    ".m4a": ("audio/mp4", (b"ftyp",)),
    ".wav": ("audio/wav", (b"RIFF",)),
    ".ogg": ("audio/ogg", (b"OggS",)),
    ".mp4": ("video/mp4", (b"ftyp",)),
    ".webm": ("video/webm", (b"\x1a\x45\xdf\xa3",)),
}
DEFAULT_MAX_ATTACHMENT_BYTES = 200 * 1024 * 1024  # a training video
MAX_TITLE = 200
MAX_BODY = 100_000
RECURRENCES = ("", "weekly", "monthly", "quarterly")


def max_attachment_bytes() -> int:
    return int(getattr(settings, "KEFU_TRAINING_MAX_ATTACHMENT_BYTES", 0) or 0) or (
        DEFAULT_MAX_ATTACHMENT_BYTES
    )


def _title(value: Any) -> str:
    title = str(value or "").strip()
    if not title:
        raise Invalid(gettext_noop("A title is required."))
    if len(title) > MAX_TITLE:
        raise Invalid(gettext_noop("The title is too long."))
    return title


def _hours(value: Any) -> Decimal:
    try:
        hours = Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation:
        raise Invalid(gettext_noop("Hours must be a number.")) from None
    if not hours.is_finite() or hours < 0 or hours > 999:
        raise Invalid(gettext_noop("Hours must be between 0 and 999."))
    return hours.quantize(Decimal("0.1"))


# --- courses and lessons ------------------------------------------------------------------
@transaction.atomic
def save_course(data: Mapping[str, Any], *, user, course: Course | None = None) -> Course:
    """Create or change a course: title, kind, area (a knowledge area or None), summary,
    hours, active."""
    require_trainer(user)
    course = course or Course(created_by=user)
    course.title = _title(data.get("title", course.title))
    kind = data.get("kind", course.kind) or CourseKind.COURSE
    if kind not in CourseKind.values:
        raise Invalid(gettext_noop("Unknown kind of course."))
    course.kind = kind
    if "area" in data:
        area = data["area"]
        if area is not None and not isinstance(area, Area):
            area = Area.objects.filter(code=str(area)).first()
            if area is None:
                raise Invalid(gettext_noop("Unknown knowledge area."))
        course.area = area
    course.summary = str(data.get("summary", course.summary) or "")[:MAX_BODY]
    course.hours = _hours(data.get("hours", course.hours))
    course.active = bool(data.get("active", course.active))
    course.save()
    return course


@transaction.atomic
def save_lesson(
    course: Course, data: Mapping[str, Any], *, user, lesson: Lesson | None = None
) -> Lesson:
    """Create or change a lesson: title, body (Markdown), minutes, position (default: last)."""
    require_trainer(user)
    if lesson is not None and lesson.course_id != course.pk:
        raise Invalid(gettext_noop("The lesson belongs to another course."))
    if lesson is None:
        last = course.lessons.aggregate(m=Max("position"))["m"] or 0
        lesson = Lesson(course=course, position=last + 1)
    lesson.title = _title(data.get("title", lesson.title))
    body = str(data.get("body", lesson.body) or "")
    if len(body) > MAX_BODY:
        raise Invalid(gettext_noop("The lesson text is too long."))
    lesson.body = body
    minutes = data.get("minutes", lesson.minutes)
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        raise Invalid(gettext_noop("Minutes must be a whole number.")) from None
    if not 1 <= minutes <= 600:
        raise Invalid(gettext_noop("Minutes must be between 1 and 600."))
    lesson.minutes = minutes
    if data.get("position") not in (None, ""):
        try:
            lesson.position = max(1, min(int(data["position"]), 999))
        except (TypeError, ValueError):
            raise Invalid(gettext_noop("The position must be a whole number.")) from None
    lesson.save()
    return lesson


@transaction.atomic
def delete_lesson(lesson: Lesson, *, user) -> None:
    require_trainer(user)
    for attachment in lesson.attachments.all():
        attachment.file.delete(save=False)
    lesson.delete()


# --- attachments ----------------------------------------------------------------------------
def attachment_type(name: str, head: bytes) -> str:
    """The content type of an upload; Invalid for a type not allowed or a file whose
    first bytes are not what its extension says."""
    return checked_type(
        name,
        head,
        ATTACHMENT_TYPES,
        refusal=gettext_noop("Only PDF, images (PNG, JPEG, GIF, WebP), audio (MP3, M4A, WAV, "
                             "OGG) and video (MP4, WebM) can be attached."),
        mismatch=gettext_noop("The file's content does not match its type."),
    )  # fmt: skip


@transaction.atomic
def add_attachment(lesson: Lesson, upload: UploadedFile, *, user) -> LessonAttachment:
    require_trainer(user)
    limit = max_attachment_bytes()
    if not upload.size:
        raise Invalid(gettext_noop("The file is empty."))
    if upload.size > limit:
        raise Invalid(gettext_noop("The file is too large."))
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = attachment_type(upload.name or "", head)
    name = PurePath(upload.name or "file").name[:MAX_TITLE]
    attachment = LessonAttachment(
        lesson=lesson, name=name, content_type=content_type, size=upload.size
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    return attachment


@transaction.atomic
def delete_attachment(attachment: LessonAttachment, *, user) -> None:
    require_trainer(user)
    attachment.file.delete(save=False)
    attachment.delete()


# --- an agent's progress ------------------------------------------------------------------------
def complete_lesson(lesson: Lesson, *, user) -> LessonProgress:
    """The signed-in agent has read the lesson to the end: record when (one row per agent
    and lesson; taking it again, for a new assignment, moves the time on), and complete
    the agent's open assignments whose lessons are now all done."""
    agent_id = own_agent_id(user)
    if agent_id is None:
        raise NotAllowed(gettext_noop("Only agents complete lessons."))
    now = timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                progress, _ = LessonProgress.objects.update_or_create(
                    agent_id=agent_id, lesson=lesson, defaults={"completed_at": now}
                )
        except IntegrityError:  # completed twice at once: the other one stands
            progress = LessonProgress.objects.get(agent_id=agent_id, lesson=lesson)
        complete_finished(agent_id)
    return progress


# --- tracks -------------------------------------------------------------------------------
@transaction.atomic
def save_track(
    data: Mapping[str, Any],
    items: Sequence[Mapping[str, Any]],
    *,
    user,
    track: Track | None = None,
) -> Track:
    """Create or change a track (name, tier or blank for everyone, description) and set its
    items: [{course, due_day, weight_percent, recurrence}] in order. Weights are either all
    0 or add up to 100."""
    require_trainer(user)
    track = track or Track()
    name = str(data.get("name", track.name) or "").strip()
    if not name:
        raise Invalid(gettext_noop("A name is required."))
    tier = str(data.get("tier", track.tier) or "")
    if tier and tier not in Tier.values:
        raise Invalid(gettext_noop("Unknown tier."))
    rows = []
    for position, item in enumerate(items, start=1):
        course = item["course"]
        weight = int(item.get("weight_percent") or 0)
        due_day = item.get("due_day")
        recurrence = str(item.get("recurrence") or "")
        if not 0 <= weight <= 100:
            raise Invalid(gettext_noop("A weight is a percentage from 0 to 100."))
        if due_day not in (None, "") and not 1 <= int(due_day) <= 3650:
            raise Invalid(gettext_noop("The due day must be between 1 and 3650."))
        if recurrence not in RECURRENCES:
            raise Invalid(gettext_noop("Unknown recurrence."))
        rows.append((course, position, int(due_day) if due_day not in (None, "") else None,
                     weight, recurrence))  # fmt: skip
    total = sum(r[3] for r in rows)
    if total not in (0, 100):
        raise Invalid(gettext_noop("The weights must add up to 100 % (or all be 0)."))
    track.name, track.tier = name[:120], tier
    track.description = str(data.get("description", track.description) or "")[:MAX_BODY]
    track.save()
    track.items.all().delete()
    TrackItem.objects.bulk_create(
        TrackItem(track=track, course=c, position=p, due_day=d, weight_percent=w, recurrence=r)
        for c, p, d, w, r in rows
    )
    return track
