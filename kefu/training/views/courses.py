"""Training pages: courses, lessons (Markdown, attachments), tracks.

Everyone signed in reads the catalogue; trainers change it (403 for the others before
anything is looked up; objects through `restrict`, 404 outside). Agents complete lessons.
Attachments are served only here, to signed-in users the access layer lets see them.
"""

from __future__ import annotations

from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kefu.accounts.access import CHANGE, own_agent_id, restrict
from kefu.accounts.roles import MANAGE_TRAINING
from kefu.lib.errors import ActionError
from kefu.training import rendering
from kefu.training.actions import courses as actions
from kefu.training.filtersets import CourseFilterSet
from kefu.training.forms_courses import (
    AttachmentForm,
    CourseForm,
    LessonForm,
    TrackForm,
    TrackItemFormSet,
)
from kefu.training.models import (
    Assignment,
    Course,
    Lesson,
    LessonAttachment,
    LessonProgress,
    Track,
    TrackItem,
    TrainingSession,
)
from kefu.training.selectors.courses import listed_courses
from kefu.training.views._common import refused, require_trainer
from kefu.training.views._ids import row_id

INLINE_KINDS = ("image/", "audio/", "video/", "application/pdf")


def _courses(request: HttpRequest):
    return restrict(Course.objects.all(), request.user)


def _done_lessons(request: HttpRequest) -> set[int]:
    agent_id = own_agent_id(request.user)
    if agent_id is None:
        return set()
    rows = restrict(LessonProgress.objects.filter(agent_id=agent_id), request.user)
    return set(rows.values_list("lesson_id", flat=True))


# --- courses --------------------------------------------------------------------------------
@login_required
def index(request: HttpRequest) -> HttpResponse:
    trainer = request.user.has_perm(MANAGE_TRAINING)
    filterset = CourseFilterSet(
        request.GET,
        listed_courses(request.user).select_related("area").annotate(lesson_count=Count("lessons")),
        user=request.user,
    )
    courses = filterset.qs  # an invalid filter is shown on its field, not applied
    courses = list(courses.order_by("title", "pk"))
    done = _done_lessons(request)
    if done:
        per_course = dict(
            Lesson.objects.filter(pk__in=done)
            .values_list("course_id")
            .annotate(n=Count("pk"))
            .values_list("course_id", "n")
        )
        for course in courses:
            course.done_count = per_course.get(course.pk, 0)
    tracks = restrict(Track.objects.all(), request.user).prefetch_related(
        Prefetch("items", queryset=TrackItem.objects.select_related("course"))
    )
    return render(
        request,
        "training/courses/index.html",
        {
            "tab": "courses",
            "courses": courses,
            "tracks": tracks,
            "filters": filterset.form,
            "trainer": trainer,
            "is_agent": own_agent_id(request.user) is not None,
        },
    )


@login_required
def course_detail(request: HttpRequest, course_id: int) -> HttpResponse:
    course = get_object_or_404(_courses(request).select_related("area"), pk=course_id)
    lessons = list(course.lessons.annotate(attachment_count=Count("attachments")))
    done = _done_lessons(request)
    for lesson in lessons:
        lesson.done = lesson.pk in done
    sessions = restrict(TrainingSession.objects.filter(course=course), request.user).order_by(
        "-starts_at"
    )[:10]
    return render(
        request,
        "training/courses/course.html",
        {
            "tab": "courses",
            "course": course,
            "lessons": lessons,
            "sessions": sessions,
            "trainer": request.user.has_perm(MANAGE_TRAINING),
            "is_agent": own_agent_id(request.user) is not None,
            "done_count": sum(1 for lesson in lessons if lesson.done),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def course_edit(request: HttpRequest, course_id: int | None = None) -> HttpResponse:
    require_trainer(request)
    course = None
    if course_id is not None:
        course = get_object_or_404(
            restrict(Course.objects.all(), request.user, CHANGE), pk=course_id
        )
    form = CourseForm.for_course(course, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            course = actions.save_course(form.cleaned_data, user=request.user, course=course)
            messages.success(request, _("Course saved."))
            return redirect("training:course", course.pk)
        except ActionError as exc:
            form.add_error(None, _(exc.detail))
    return render(
        request,
        "training/courses/course_edit.html",
        {"tab": "courses", "form": form, "course": course},
    )


# --- lessons ------------------------------------------------------------------------------
@login_required
def lesson_detail(request: HttpRequest, lesson_id: int) -> HttpResponse:
    lesson = get_object_or_404(
        restrict(Lesson.objects.all(), request.user).select_related("course"), pk=lesson_id
    )
    siblings = list(lesson.course.lessons.values_list("pk", flat=True))
    at = siblings.index(lesson.pk)
    attachments = restrict(LessonAttachment.objects.filter(lesson=lesson), request.user)
    agent_id = own_agent_id(request.user)
    assignment = None
    if (assignment_id := row_id(request.GET.get("assignment"))) is not None:
        assignment = (
            restrict(Assignment.objects.all(), request.user).filter(pk=assignment_id).first()
        )
    progress = None
    if agent_id is not None:
        progress = restrict(
            LessonProgress.objects.filter(agent_id=agent_id, lesson=lesson), request.user
        ).first()
    # Done: completed at all, or, opened from an assignment, since it was assigned.
    done = progress is not None and (
        assignment is None or progress.completed_at >= assignment.assigned_at
    )
    return render(
        request,
        "training/courses/lesson.html",
        {
            "tab": "courses",
            "lesson": lesson,
            "course": lesson.course,
            "body": rendering.render(lesson.body),
            "attachments": attachments,
            "previous_id": siblings[at - 1] if at > 0 else None,
            "next_id": siblings[at + 1] if at + 1 < len(siblings) else None,
            "position": at + 1,
            "count": len(siblings),
            "is_agent": agent_id is not None,
            "done": done,
            "assignment": assignment,
            "trainer": request.user.has_perm(MANAGE_TRAINING),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def lesson_edit(
    request: HttpRequest, course_id: int | None = None, lesson_id: int | None = None
) -> HttpResponse:
    require_trainer(request)
    lesson = None
    if lesson_id is not None:
        lesson = get_object_or_404(
            restrict(Lesson.objects.all(), request.user, CHANGE).select_related("course"),
            pk=lesson_id,
        )
        course = lesson.course
    else:
        course = get_object_or_404(
            restrict(Course.objects.all(), request.user, CHANGE), pk=course_id
        )
    initial = None
    if lesson is not None:
        initial = {
            "title": lesson.title,
            "position": lesson.position,
            "minutes": lesson.minutes,
            "body": lesson.body,
        }
    form = LessonForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            lesson = actions.save_lesson(
                course, form.cleaned_data, user=request.user, lesson=lesson
            )
            messages.success(request, _("Lesson saved."))
            return redirect("training:lesson_edit", lesson.pk)
        except ActionError as exc:
            form.add_error(None, _(exc.detail))
    return render(
        request,
        "training/courses/lesson_edit.html",
        {
            "tab": "courses",
            "form": form,
            "lesson": lesson,
            "course": course,
            "attachments": lesson.attachments.all() if lesson else [],
            "attachment_form": AttachmentForm(),
            "preview": rendering.render(lesson.body) if lesson else "",
            "max_bytes": actions.max_attachment_bytes(),
        },
    )


@login_required
@require_POST
def lesson_delete(request: HttpRequest, lesson_id: int) -> HttpResponse:
    require_trainer(request)
    lesson = get_object_or_404(restrict(Lesson.objects.all(), request.user, CHANGE), pk=lesson_id)
    course_id = lesson.course_id
    try:
        actions.delete_lesson(lesson, user=request.user)
        messages.success(request, _("Lesson deleted."))
    except ActionError as exc:
        refused(request, exc)
    return redirect("training:course", course_id)


@login_required
@require_POST
def lesson_complete(request: HttpRequest, lesson_id: int) -> HttpResponse:
    lesson = get_object_or_404(restrict(Lesson.objects.all(), request.user), pk=lesson_id)
    try:
        actions.complete_lesson(lesson, user=request.user)
        messages.success(request, _("Lesson completed."))
    except ActionError as exc:
        refused(request, exc)
    assignment_id = row_id(request.POST.get("assignment"))
    if assignment_id is not None:
        found = restrict(Assignment.objects.all(), request.user).filter(pk=assignment_id).first()
        if found is not None:
            return redirect("training:assignment", found.pk)
    return redirect("training:lesson", lesson.pk)


# --- attachments ----------------------------------------------------------------------------
@login_required
@require_POST
def attachment_add(request: HttpRequest, lesson_id: int) -> HttpResponse:
    require_trainer(request)
    lesson = get_object_or_404(restrict(Lesson.objects.all(), request.user, CHANGE), pk=lesson_id)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to attach."))
    else:
        try:
            actions.add_attachment(lesson, form.cleaned_data["file"], user=request.user)
            messages.success(request, _("File attached."))
        except ActionError as exc:
            refused(request, exc)
    return redirect("training:lesson_edit", lesson.pk)


@login_required
@require_POST
def attachment_delete(request: HttpRequest, attachment_id: int) -> HttpResponse:
    require_trainer(request)
    attachment = get_object_or_404(
        restrict(LessonAttachment.objects.all(), request.user, CHANGE), pk=attachment_id
    )
    lesson_id = attachment.lesson_id
    actions.delete_attachment(attachment, user=request.user)
    messages.success(request, _("File removed."))
    return redirect("training:lesson_edit", lesson_id)


@login_required
def attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    """The file, to signed-in users who may see its lesson (never a public media URL)."""
    found = get_object_or_404(
        restrict(LessonAttachment.objects.all(), request.user), pk=attachment_id
    )
    try:
        handle = found.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    inline = found.content_type.startswith(INLINE_KINDS)
    response = FileResponse(handle, content_type=found.content_type or "application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(
        not inline, PurePath(found.name).name
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- tracks ---------------------------------------------------------------------------------
@login_required
def track_detail(request: HttpRequest, track_id: int) -> HttpResponse:
    track = get_object_or_404(restrict(Track.objects.all(), request.user), pk=track_id)
    items = list(track.items.select_related("course", "course__area"))
    return render(
        request,
        "training/courses/track.html",
        {
            "tab": "courses",
            "track": track,
            "items": items,
            "trainer": request.user.has_perm(MANAGE_TRAINING),
            "total_weight": sum(i.weight_percent for i in items),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def track_edit(request: HttpRequest, track_id: int | None = None) -> HttpResponse:
    require_trainer(request)
    track = None
    if track_id is not None:
        track = get_object_or_404(restrict(Track.objects.all(), request.user, CHANGE), pk=track_id)
    post = request.POST if request.method == "POST" else None
    form = TrackForm(
        post,
        initial={"name": track.name, "tier": track.tier, "description": track.description}
        if track
        else None,
    )
    initial_items = [
        {
            "course": i.course_id,
            "due_day": i.due_day,
            "weight_percent": i.weight_percent,
            "recurrence": i.recurrence,
        }
        for i in (track.items.all() if track else [])
    ]
    formset = TrackItemFormSet(post, initial=initial_items, prefix="items")
    if post is not None and form.is_valid() and formset.is_valid():
        items = [f.cleaned_data for f in formset if f.cleaned_data.get("course")]
        try:
            track = actions.save_track(form.cleaned_data, items, user=request.user, track=track)
            messages.success(request, _("Track saved."))
            return redirect("training:track", track.pk)
        except ActionError as exc:
            form.add_error(None, _(exc.detail))
    return render(
        request,
        "training/courses/track_edit.html",
        {"tab": "courses", "form": form, "formset": formset, "track": track},
    )


urls = [
    path("courses/", index, name="courses"),
    path("courses/new/", course_edit, name="course_new"),
    path("courses/<int:course_id>/", course_detail, name="course"),
    path("courses/<int:course_id>/edit/", course_edit, name="course_edit"),
    path("courses/<int:course_id>/lessons/new/", lesson_edit, name="lesson_new"),
    path("lessons/<int:lesson_id>/", lesson_detail, name="lesson"),
    path("lessons/<int:lesson_id>/edit/", lesson_edit, name="lesson_edit"),
    path("lessons/<int:lesson_id>/delete/", lesson_delete, name="lesson_delete"),
    path("lessons/<int:lesson_id>/complete/", lesson_complete, name="lesson_complete"),
    path("lessons/<int:lesson_id>/attachments/", attachment_add, name="attachment_add"),
    path("attachments/<int:attachment_id>/", attachment, name="attachment"),
    path("attachments/<int:attachment_id>/delete/", attachment_delete, name="attachment_delete"),
    path("tracks/new/", track_edit, name="track_new"),
    path("tracks/<int:track_id>/", track_detail, name="track"),
    path("tracks/<int:track_id>/edit/", track_edit, name="track_edit"),
]
