"""Training API: courses, lessons, tracks — /api/v1/training/courses…, /lessons…, /tracks.

Reads: every signed-in caller (the catalogue); writes: trainers (403 otherwise, 404 for an
id that is not there). Lesson texts come as Markdown and as the rendered, safe HTML.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from django.db.models import Count
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status

from kefu.accounts.access import CHANGE, own_agent_id, restrict
from kefu.lib.schemas import ErrorOut, RowId, Text
from kefu.training import rendering
from kefu.training.actions import courses as actions
from kefu.training.actions._checks import require_trainer
from kefu.training.api._filters import filtered, query_data
from kefu.training.choices import CourseKind
from kefu.training.filtersets import CourseFilterSet
from kefu.training.models import Course, Lesson, LessonProgress, Track
from kefu.training.selectors.courses import listed_courses

router = Router(tags=["training"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
MAX_BODY = actions.MAX_BODY


class CourseOut(Schema):
    id: int
    title: str
    kind: str
    area: str | None = Field(None, description="knowledge area code")
    summary: str
    hours: float
    active: bool
    lessons: int


class LessonOut(Schema):
    id: int
    course: int
    position: int
    title: str
    minutes: int
    attachments: list[dict] = Field(default_factory=list)
    completed: bool | None = Field(None, description="by the calling agent (None: not an agent)")


class LessonDetail(LessonOut):
    body: str = Field(description="Markdown")
    html: str = Field(description="the Markdown rendered (raw HTML escaped)")


class CourseDetail(CourseOut):
    lesson_list: list[LessonOut]


Kind = Literal[tuple(CourseKind.values)]  # type: ignore[valid-type]


class CourseIn(Schema):
    title: str = Field(max_length=200)
    kind: Kind = "course"  # type: ignore[valid-type]
    area: Text | None = Field(None, description="knowledge area code")
    summary: str = Field("", max_length=MAX_BODY)
    hours: Decimal = Field(Decimal(0), ge=0, le=999, decimal_places=1)
    active: bool = True


class LessonIn(Schema):
    title: str = Field(max_length=200)
    body: str = Field("", max_length=MAX_BODY, description="Markdown")
    minutes: int = Field(15, ge=1, le=600)
    position: int | None = Field(None, ge=1, le=999)


def _course_out(c: Course, lessons: int) -> dict:
    return {
        "id": c.pk,
        "title": c.title,
        "kind": c.kind,
        "area": c.area.code if c.area_id else None,
        "summary": c.summary,
        "hours": float(c.hours),
        "active": c.active,
        "lessons": lessons,
    }


def _lesson_out(lesson: Lesson, done: set[int] | None, detail: bool = False) -> dict:
    out = {
        "id": lesson.pk,
        "course": lesson.course_id,
        "position": lesson.position,
        "title": lesson.title,
        "minutes": lesson.minutes,
        "attachments": [
            {
                "id": a.pk,
                "name": a.name,
                "content_type": a.content_type,
                "size": a.size,
                "url": reverse("training:attachment", args=[a.pk]),
            }
            for a in lesson.attachments.all()
        ],
        "completed": None if done is None else lesson.pk in done,
    }
    if detail:
        out |= {"body": lesson.body, "html": str(rendering.render(lesson.body))}
    return out


def _done(request: HttpRequest) -> set[int] | None:
    agent_id = own_agent_id(request.user)
    if agent_id is None:
        return None
    rows = restrict(LessonProgress.objects.filter(agent_id=agent_id), request.user)
    return set(rows.values_list("lesson_id", flat=True))


class CourseQuery(Schema):
    """Mirrors `kefu.training.filtersets.CourseFilterSet`."""

    area: Text | None = Field(None, description="a knowledge area code")
    kind: Kind | None = None  # type: ignore[valid-type]
    active: bool | None = None


@router.get("/training/courses", response={200: list[CourseOut], **ERRORS})
def list_courses(request: HttpRequest, q: Query[CourseQuery]):
    """The catalogue's courses (inactive ones: trainers only), by title."""
    filterset = CourseFilterSet(
        query_data(q), listed_courses(request.user).select_related("area"), user=request.user
    )
    qs = filtered(filterset).annotate(n=Count("lessons")).order_by("title", "pk")
    return [_course_out(c, c.n) for c in qs]


@router.post("/training/courses", response={201: CourseOut, **ERRORS})
def create_course(request: HttpRequest, payload: CourseIn):
    require_trainer(request.user)
    course = actions.save_course(payload.model_dump(), user=request.user)
    return Status(201, _course_out(course, 0))


@router.get("/training/courses/{int:course_id}", response={200: CourseDetail, **ERRORS})
def get_course(request: HttpRequest, course_id: RowId):
    course = get_object_or_404(
        restrict(Course.objects.all(), request.user).select_related("area"), pk=course_id
    )
    lessons = list(course.lessons.prefetch_related("attachments"))
    done = _done(request)
    return _course_out(course, len(lessons)) | {
        "lesson_list": [_lesson_out(lesson, done) for lesson in lessons]
    }


@router.put("/training/courses/{int:course_id}", response={200: CourseOut, **ERRORS})
def update_course(request: HttpRequest, course_id: RowId, payload: CourseIn):
    require_trainer(request.user)
    course = get_object_or_404(restrict(Course.objects.all(), request.user, CHANGE), pk=course_id)
    course = actions.save_course(payload.model_dump(), user=request.user, course=course)
    return _course_out(course, course.lessons.count())


@router.post("/training/courses/{int:course_id}/lessons", response={201: LessonDetail, **ERRORS})
def create_lesson(request: HttpRequest, course_id: RowId, payload: LessonIn):
    require_trainer(request.user)
    course = get_object_or_404(restrict(Course.objects.all(), request.user, CHANGE), pk=course_id)
    lesson = actions.save_lesson(course, payload.model_dump(), user=request.user)
    return Status(201, _lesson_out(lesson, _done(request), detail=True))


@router.get("/training/lessons/{int:lesson_id}", response={200: LessonDetail, **ERRORS})
def get_lesson(request: HttpRequest, lesson_id: RowId):
    lesson = get_object_or_404(
        restrict(Lesson.objects.all(), request.user).prefetch_related("attachments"), pk=lesson_id
    )
    return _lesson_out(lesson, _done(request), detail=True)


@router.put("/training/lessons/{int:lesson_id}", response={200: LessonDetail, **ERRORS})
def update_lesson(request: HttpRequest, lesson_id: RowId, payload: LessonIn):
    require_trainer(request.user)
    lesson = get_object_or_404(
        restrict(Lesson.objects.all(), request.user, CHANGE).select_related("course"), pk=lesson_id
    )
    lesson = actions.save_lesson(
        lesson.course, payload.model_dump(), user=request.user, lesson=lesson
    )
    return _lesson_out(lesson, _done(request), detail=True)


@router.post("/training/lessons/{int:lesson_id}/complete", response={200: LessonOut, **ERRORS})
def complete_lesson(request: HttpRequest, lesson_id: RowId):
    """The calling agent has completed the lesson (their assignments follow)."""
    lesson = get_object_or_404(restrict(Lesson.objects.all(), request.user), pk=lesson_id)
    actions.complete_lesson(lesson, user=request.user)
    return _lesson_out(lesson, _done(request))


class TrackItemOut(Schema):
    course: int
    title: str
    position: int
    due_day: int | None
    weight_percent: int
    recurrence: str


class TrackOut(Schema):
    id: int
    name: str
    tier: str = Field(description="blank: everyone")
    description: str
    items: list[TrackItemOut]


@router.get("/training/tracks", response={200: list[TrackOut], **ERRORS})
def list_tracks(request: HttpRequest):
    tracks = restrict(Track.objects.all(), request.user).prefetch_related("items__course")
    return [
        {
            "id": t.pk,
            "name": t.name,
            "tier": t.tier,
            "description": t.description,
            "items": [
                {
                    "course": i.course_id,
                    "title": i.course.title,
                    "position": i.position,
                    "due_day": i.due_day,
                    "weight_percent": i.weight_percent,
                    "recurrence": i.recurrence,
                }
                for i in t.items.all()
            ],
        }
        for t in tracks
    ]
