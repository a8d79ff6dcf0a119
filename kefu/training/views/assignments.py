"""Training pages: assignments (an agent's lessons to take, a team's, everyone's), assigning
by hand (from a review or an agent), assignment rules (QA → lesson) and their effect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kefu.accounts.access import (
    CHANGE,
    agents_visible_to,
    own_agent_id,
    restrict,
)
from kefu.accounts.roles import MANAGE_TRAINING, VIEW_ALL_TRAINING
from kefu.lib.errors import ActionError
from kefu.lib.language import language
from kefu.qa.presenters import indicator_choices, indicator_names
from kefu.reviews.selectors import reviews_visible_to
from kefu.training import effect as effects
from kefu.training.actions import assignments as actions
from kefu.training.choices import AssignmentStatus
from kefu.training.filtersets import AssignmentFilterSet, RuleFilterSet
from kefu.training.forms_assignments import AssignForm, RuleForm
from kefu.training.models import Assignment, AssignmentRule, Lesson, LessonProgress
from kefu.training.views._common import refused, require_trainer

LIMIT = 200


def _require_rule_reader(request: HttpRequest) -> None:
    if not (request.user.has_perm(MANAGE_TRAINING) or request.user.has_perm(VIEW_ALL_TRAINING)):
        raise PermissionDenied


def _assignments(request: HttpRequest):
    return restrict(Assignment.objects.all(), request.user)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Agents: their own assignments; supervisors: their teams'; trainers, managers: all."""
    now = timezone.now()
    filterset = AssignmentFilterSet(
        request.GET,
        _assignments(request).select_related(
            "agent", "agent__team", "course", "lesson", "rule", "assigned_by"
        ),
        user=request.user,
    )
    qs = filterset.qs  # an invalid filter is shown on its field, not applied
    rows = list(qs.order_by("-assigned_at", "-pk")[:LIMIT])
    for a in rows:
        a.overdue = a.status == AssignmentStatus.OPEN and a.due_at < now
    agent_id = own_agent_id(request.user)
    mine = [a for a in rows if a.agent_id == agent_id] if agent_id is not None else []
    others = [a for a in rows if a.agent_id != agent_id]
    return render(
        request,
        "training/assignments/index.html",
        {
            "tab": "assignments",
            "mine_open": [a for a in mine if a.status == AssignmentStatus.OPEN],
            "mine_done": [a for a in mine if a.status != AssignmentStatus.OPEN],
            "others": others,
            "is_agent": agent_id is not None,
            "filters": filterset.form,
            "trainer": request.user.has_perm(MANAGE_TRAINING),
            "reads_rules": request.user.has_perm(MANAGE_TRAINING)
            or request.user.has_perm(VIEW_ALL_TRAINING),
            "limit": LIMIT,
        },
    )


@login_required
def assignment_detail(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = get_object_or_404(
        _assignments(request).select_related(
            "agent", "agent__team", "course", "lesson", "rule", "assigned_by", "review"
        ),
        pk=assignment_id,
    )
    ids = actions.lesson_ids(assignment)
    lessons = list(Lesson.objects.filter(pk__in=ids).order_by("position", "pk"))
    done = set(
        restrict(
            LessonProgress.objects.filter(
                agent_id=assignment.agent_id,
                lesson_id__in=ids,
                completed_at__gte=assignment.assigned_at,  # taken for this assignment
            ),
            request.user,
        ).values_list("lesson_id", flat=True)
    )
    for lesson in lessons:
        lesson.done = lesson.pk in done
    can_cancel = (
        assignment.status == AssignmentStatus.OPEN
        and restrict(Assignment.objects.filter(pk=assignment.pk), request.user, actions.ASSIGN)
        .exists()
    )  # fmt: skip
    names = indicator_names(language()) if assignment.rule_id else {}
    return render(
        request,
        "training/assignments/assignment.html",
        {
            "tab": "assignments",
            "a": assignment,
            "lessons": lessons,
            "done_count": len(done),
            "overdue": assignment.status == AssignmentStatus.OPEN
            and assignment.due_at < timezone.now(),
            "is_own": assignment.agent_id == own_agent_id(request.user),
            "can_cancel": can_cancel,
            "indicator_name": names.get(assignment.rule.indicator, "") if assignment.rule else "",
            "next_lesson": next((lesson for lesson in lessons if not lesson.done), None),
        },
    )


@login_required
@require_POST
def assignment_cancel(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = get_object_or_404(_assignments(request), pk=assignment_id)
    try:
        actions.cancel(assignment, user=request.user)
        messages.success(request, _("Assignment cancelled."))
    except ActionError as exc:
        refused(request, exc)
    return redirect("training:assignment", assignment.pk)


def _assign_page(request: HttpRequest, agent, review=None) -> HttpResponse:
    form = AssignForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assignment = actions.assign(
                agent, data["course"], data["lesson"], user=request.user,
                due_days=data["due_days"], review=review, note=data["note"],
            )  # fmt: skip
            messages.success(request, _("Lesson assigned."))
            return redirect("training:assignment", assignment.pk)
        except ActionError as exc:
            form.add_error(None, _(exc.detail))
    return render(
        request,
        "training/assignments/new.html",
        {"tab": "assignments", "form": form, "agent": agent, "review": review},
    )


@login_required
@require_http_methods(["GET", "POST"])
def assignment_new(request: HttpRequest, agent_id: int) -> HttpResponse:
    """A trainer assigns from the agent's record; a supervisor for their team's agents."""
    if not actions.may_assign(request.user):
        raise PermissionDenied
    agent = get_object_or_404(agents_visible_to(request.user).select_related("team"), pk=agent_id)
    return _assign_page(request, agent)


@login_required
@require_http_methods(["GET", "POST"])
def assignment_from_review(request: HttpRequest, review_id: int) -> HttpResponse:
    """From a review: the reviewed agent gets a lesson (the review is kept as evidence)."""
    if not actions.may_assign(request.user):
        raise PermissionDenied
    review = get_object_or_404(
        reviews_visible_to(request.user).select_related("agent", "agent__team", "conversation"),
        pk=review_id,
    )
    if review.agent is None:
        raise PermissionDenied
    return _assign_page(request, review.agent, review)


# --- rules ---------------------------------------------------------------------------------------
def _rule_form(request: HttpRequest, rule: AssignmentRule | None = None) -> RuleForm:
    names = indicator_names(language())
    items = actions.scorecard_items(language())
    return RuleForm(
        request.POST if request.method == "POST" else None,
        initial=RuleForm.initial_of(rule) if rule else None,
        indicators=indicator_choices(names),
        items=sorted(items.items(), key=lambda kv: kv[1]),
    )


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    _require_rule_reader(request)
    filterset = RuleFilterSet(
        request.GET, restrict(AssignmentRule.objects.all(), request.user), user=request.user
    )
    rows = list(
        filterset.qs.select_related("course", "lesson")
        .annotate(
            open_count=Count("assignments", filter=Q(assignments__status=AssignmentStatus.OPEN)),
            done_count=Count(
                "assignments", filter=Q(assignments__status=AssignmentStatus.COMPLETED)
            ),
        )
        .order_by("name", "pk")
    )
    names = indicator_names(language())
    items = actions.scorecard_items(language())
    for r in rows:
        r.target = (
            names.get(r.indicator, r.indicator)
            if r.indicator
            else items.get(r.scorecard_item, r.scorecard_item)
        )
    return render(
        request,
        "training/assignments/rules.html",
        {
            "tab": "assignments",
            "rules": rows,
            "filters": filterset.form,
            "trainer": request.user.has_perm(MANAGE_TRAINING),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, rule_id: int | None = None) -> HttpResponse:
    require_trainer(request)
    rule = None
    if rule_id is not None:
        rule = get_object_or_404(
            restrict(AssignmentRule.objects.all(), request.user, CHANGE), pk=rule_id
        )
    form = _rule_form(request, rule)
    if request.method == "POST" and form.is_valid():
        try:
            rule = actions.save_rule(form.cleaned_data, user=request.user, rule=rule)
            messages.success(request, _("Rule saved."))
            return redirect("training:rule", rule.pk)
        except ActionError as exc:
            form.add_error(None, _(exc.detail))
    return render(
        request,
        "training/assignments/rule_edit.html",
        {"tab": "assignments", "form": form, "rule": rule},
    )


@login_required
def rule_detail(request: HttpRequest, rule_id: int) -> HttpResponse:
    """The rule and its effect: hit rate before vs after completion, beside the
    comparison group, with the counts; each trainee's FRT and FCR before and after."""
    _require_rule_reader(request)
    rule = get_object_or_404(
        restrict(AssignmentRule.objects.all(), request.user).select_related("course", "lesson"),
        pk=rule_id,
    )
    result = effects.rule_effect(rule, request.user)
    names = indicator_names(language())
    target = (
        names.get(rule.indicator, rule.indicator)
        if rule.indicator
        else actions.scorecard_items(language()).get(rule.scorecard_item, rule.scorecard_item)
    )
    counts = dict(
        restrict(Assignment.objects.filter(rule=rule), request.user)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return render(
        request,
        "training/assignments/rule.html",
        {
            "tab": "assignments",
            "rule": rule,
            "target": target,
            "result": result,
            "e": result.effect,
            "counts": counts,
            "trainer": request.user.has_perm(MANAGE_TRAINING),
        },
    )


@login_required
@require_POST
def rules_run(request: HttpRequest) -> HttpResponse:
    require_trainer(request)
    created = actions.run_rules()
    total = sum(len(v) for v in created.values())
    messages.success(request, _("Rules run: %(n)s lessons assigned.") % {"n": total})
    return redirect("training:rules")


urls = [
    path("assignments/", index, name="assignments"),
    path("assignments/<int:assignment_id>/", assignment_detail, name="assignment"),
    path("assignments/<int:assignment_id>/cancel/", assignment_cancel, name="assignment_cancel"),
    path("assignments/new/<int:agent_id>/", assignment_new, name="assignment_new"),
    path(
        "assignments/from-review/<int:review_id>/",
        assignment_from_review,
        name="assignment_from_review",
    ),
    path("rules/", rules, name="rules"),
    path("rules/new/", rule_edit, name="rule_new"),
    path("rules/run/", rules_run, name="rules_run"),
    path("rules/<int:rule_id>/", rule_detail, name="rule"),
    path("rules/<int:rule_id>/edit/", rule_edit, name="rule_edit"),
]
