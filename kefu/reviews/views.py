"""Human-QA pages. Views parse, call an action (kefu.reviews.actions) or a selector, and
render; every query set comes from `kefu.reviews.selectors`, so an object outside the
user's scope is 404, and a refused action is shown as a message."""

from __future__ import annotations

import time
from datetime import date, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kefu.accounts.roles import (
    MANAGE_REVIEW_SETTINGS,
    MANAGE_SAMPLING,
    REVIEW,
    VIEW_QA_EFFICIENCY,
)
from kefu.accounts.scoping import conversations_visible_to, own_agent_id, supervised_team_ids
from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.core.language import language
from kefu.core.paging import keyset_page
from kefu.interactions.actions import ActionError
from kefu.interactions.choices import Channel
from kefu.interactions.views import personal_view
from kefu.qa import dashboards
from kefu.qa.core.scorecard import DEFAULT_BASE, DEFAULT_PASS_LINE
from kefu.qa.models import QaResult
from kefu.reviews import actions, pages
from kefu.reviews.choices import OPEN_STATUSES, AppealStatus, Kind, ReviewStatus, SessionStatus
from kefu.reviews.core import scoring
from kefu.reviews.filtersets import ReviewFilterSet
from kefu.reviews.forms import (
    AppealForm,
    DecideForm,
    NewReviewForm,
    PlanForm,
    ReassignForm,
    ReportForm,
    SessionForm,
    SettingsForm,
)
from kefu.reviews.models import Review, ReviewSettings
from kefu.reviews.selectors import (
    appeals_to_decide,
    appeals_visible_to,
    calibration_scores_visible_to,
    is_participant,
    may_decide,
    may_see_all_scores,
    plans_visible_to,
    reviews_visible_to,
    sessions_visible_to,
)

TIMER_SALT = "kefu.reviews.timer"


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _refused(request: HttpRequest, exc: ActionError) -> None:
    messages.error(request, _(exc.detail) if exc.detail else _("Refused."))


def _names(user_ids) -> dict[int, str]:
    users = get_user_model().objects.filter(pk__in=set(user_ids))
    return {u.pk: u.get_full_name() or u.get_username() for u in users}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.has_perm(REVIEW):
        return redirect("reviews:queue")
    if user.has_perm(VIEW_QA_EFFICIENCY):
        return redirect("reviews:report")
    if supervised_team_ids(user):
        return redirect("reviews:appeals")
    return redirect("reviews:list")


# --- queue and lists --------------------------------------------------------------------


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (user.has_perm(REVIEW) or user.has_perm(MANAGE_SAMPLING)):
        raise PermissionDenied
    visible = reviews_visible_to(user).select_related("conversation", "agent", "team", "plan")
    mine = list(
        visible.filter(reviewer=user, status__in=OPEN_STATUSES).order_by("due_at", "pk")[:200]
    )
    others, workload = [], []
    if user.has_perm(MANAGE_SAMPLING):
        others = list(
            visible.filter(status__in=OPEN_STATUSES)
            .exclude(reviewer=user)
            .select_related("reviewer")
            .order_by("due_at", "pk")[:200]
        )
        workload = pages.workload(visible)
    now = timezone.now()
    for r in [*mine, *others]:
        r.overdue = r.due_at is not None and r.due_at < now
    context = {
        "mine": mine,
        "others": others,
        "workload": workload,
        "reassign_form": ReassignForm(),
        "tab": "queue",
    }
    return render(request, "reviews/queue.html", context)


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    filterset = ReviewFilterSet(
        request.GET,
        reviews_visible_to(request.user).select_related(
            "conversation", "agent", "team", "reviewer", "plan"
        ),
        user=request.user,
    )
    form = filterset.form
    qs = filterset.qs  # an invalid filter is not applied
    page = keyset_page(
        qs,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        size=settings.KEFU_PAGE_SIZE,
    )
    for r in page.items:
        r.score_info = pages.score_info(r.score)
    context = {
        "form": form,
        "page": page,
        "tab": "list",
        "own_agent_id": own_agent_id(request.user),
    }
    return render(request, "reviews/list.html", context)


# --- one review -------------------------------------------------------------------------


def _timer(review_pk: int) -> str:
    return signing.dumps({"r": review_pk, "t": int(time.time())}, salt=TIMER_SALT)


def _seconds(token: str, review_pk: int) -> int:
    """Seconds since the form was shown (signed, so the figure cannot be typed in)."""
    try:
        data = signing.loads(token, salt=TIMER_SALT, max_age=actions.MAX_SECONDS_PER_SAVE)
    except signing.BadSignature:
        return 0
    return max(0, int(time.time()) - int(data["t"])) if data.get("r") == review_pk else 0


@login_required
@require_http_methods(["GET", "POST"])
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(
        reviews_visible_to(request.user).select_related(
            "conversation",
            "agent",
            "team",
            "reviewer",
            "plan",
            "scorecard_version__scorecard",
            "auto_result__scorecard_version__scorecard",
        ),
        pk=pk,
    )
    user = request.user
    editable = (
        review.reviewer_id == user.pk
        and user.has_perm(REVIEW)
        and review.status != ReviewStatus.CANCELLED
    )
    definition = dict(review.scorecard_version.definition) | {
        "version": review.scorecard_version.number
    }
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        raw = pages.values_from_post(definition, request.POST)
        submit = request.POST.get("action") != "draft"
        try:
            actions.save_review(
                review,
                raw,
                user=user,
                comment=request.POST.get("comment", ""),
                coaching=request.POST.get("coaching", ""),
                submit=submit,
                seconds=_seconds(request.POST.get("timer", ""), review.pk),
            )
        except ActionError as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("Review submitted.") if submit else _("Draft saved."))
            if submit:
                following = (
                    reviews_visible_to(user)
                    .filter(reviewer=user, status__in=OPEN_STATUSES)
                    .order_by("due_at", "pk")
                    .first()
                )
                if following is not None and request.POST.get("next") == "1":
                    return redirect("reviews:review", following.pk)
        return redirect("reviews:review", review.pk)
    auto = review.auto_result
    lang = language()
    personal = personal_view(request)
    conv = dashboards.conversation_page(
        review.conversation, [auto] if auto else [], auto, personal, lang
    )
    if personal.unmasked:
        audit(
            AuditAction.VIEW_PERSONAL_DATA,
            request=request,
            object_type="conversation",
            object_id=review.conversation.external_id,
            detail={"page": "review"},
        )
    appeals = list(review.appeals.select_related("appellant", "decided_by").order_by("created_at"))
    item_names = pages.item_names(definition, language())
    for a in appeals:
        a.item_name = item_names.get(a.item, a.item)
    appeals_by_item = {a.item: a for a in appeals}
    edit_mode = editable and (
        review.status != ReviewStatus.SUBMITTED or request.GET.get("edit") == "1"
    )
    if edit_mode:
        prefill = (
            scoring.values_from_stored(review.items)
            if review.items or review.status != ReviewStatus.ASSIGNED
            else scoring.values_from_automatic(auto.items if auto else [])
        )
    else:
        prefill = None
    sections = pages.scorecard_rows(
        definition,
        channel=review.conversation.channel,
        automatic=auto.items if auto else None,
        manual=review.items if review.status == ReviewStatus.SUBMITTED else None,
        prefill=prefill,
        appeals=appeals_by_item,
    )
    may_appeal = actions.may_appeal(user, review)
    context = {
        "review": review,
        "conversation": review.conversation,
        "is_phone": review.conversation.channel == Channel.PHONE,
        "unmasked": personal.unmasked,
        **conv,
        "sections": sections,
        "edit_mode": edit_mode,
        "editable": editable,
        "timer": _timer(review.pk) if edit_mode else "",
        "manual": pages.score_info(review.score),
        "automatic": pages.score_info(auto.score if auto else None),
        "auto": auto,
        "revisions": list(review.revisions.select_related("created_by", "appeal")),
        "appeals": appeals,
        "may_appeal": may_appeal,
        "appeal_deadline": actions.appeal_deadline(review),
        "appeal_form": AppealForm(),
        "reassign_form": ReassignForm(),
        "may_reassign": review.status in OPEN_STATUSES
        and (user.has_perm(MANAGE_SAMPLING) or review.reviewer_id == user.pk),
        "pass_line": definition.get("pass_line", DEFAULT_PASS_LINE),
        "base": definition.get("base", DEFAULT_BASE),
        "item_names": item_names,
        "tab": "queue" if editable else "list",
    }
    return render(request, "reviews/review.html", context)


@login_required
@require_POST
def reassign(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(reviews_visible_to(request.user), pk=pk)
    form = ReassignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a QA specialist."))
    else:
        try:
            actions.reassign(review, form.cleaned_data["reviewer"], by=request.user)
            messages.success(request, _("Review reassigned."))
        except ActionError as exc:
            _refused(request, exc)
    return redirect(request.POST.get("back") or "reviews:queue")


@login_required
@require_http_methods(["GET", "POST"])
def review_new(request: HttpRequest) -> HttpResponse:
    _require(request, REVIEW)
    form = NewReviewForm(
        request.POST or None,
        initial={
            "conversation": request.GET.get("conversation", ""),
            "kind": request.GET.get("kind", Kind.MANUAL),
        },
    )
    if request.method == "POST" and form.is_valid():
        conversation = (
            conversations_visible_to(request.user)
            .filter(external_id=form.cleaned_data["conversation"].strip())
            .first()
        )
        if conversation is None:
            form.add_error("conversation", _("No such conversation."))
        else:
            try:
                review = actions.create_review(
                    conversation,
                    by=request.user,
                    kind=form.cleaned_data["kind"],
                    scenario=form.cleaned_data["scenario"],
                    shopper=form.cleaned_data["shopper"],
                )
                return redirect("reviews:review", review.pk)
            except ActionError as exc:
                form.add_error(None, _(exc.detail))
    return render(request, "reviews/new.html", {"form": form, "tab": "queue"})


# --- appeals ----------------------------------------------------------------------------


@login_required
@require_POST
def appeal_create(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(reviews_visible_to(request.user), pk=pk)
    form = AppealForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("An appeal needs an item and a reason."))
    else:
        try:
            appeal = actions.file_appeal(
                review, form.cleaned_data["item"], form.cleaned_data["reason"], user=request.user
            )
            messages.success(request, _("Appeal submitted; your supervisor decides it."))
            return redirect("reviews:appeal", appeal.pk)
        except ActionError as exc:
            _refused(request, exc)
    return redirect("reviews:review", review.pk)


@login_required
def appeal_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    related = (
        "review__conversation",
        "review__reviewer",
        "agent",
        "team",
        "appellant",
        "decided_by",
    )
    to_decide = list(
        appeals_to_decide(user)
        .filter(pk__in=appeals_visible_to(user).values("pk"))
        .select_related(*related)
        .order_by("created_at")[:200]
    )
    status = request.GET.get("status", "")
    qs = appeals_visible_to(user).select_related(*related)
    if status in AppealStatus.values:
        qs = qs.filter(status=status)
    page = keyset_page(
        qs,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        size=settings.KEFU_PAGE_SIZE,
    )
    context = {
        "to_decide": to_decide,
        "page": page,
        "status": status,
        "statuses": AppealStatus.choices,
        "tab": "appeals",
    }
    return render(request, "reviews/appeals.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def appeal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = get_object_or_404(
        appeals_visible_to(request.user).select_related(
            "review__conversation",
            "review__scorecard_version",
            "review__reviewer",
            "appellant",
            "decided_by",
            "agent",
            "team",
        ),
        pk=pk,
    )
    review = appeal.review
    deciding = may_decide(request.user, appeal) and appeal.status == AppealStatus.OPEN
    form = DecideForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("action") == "withdraw":
            try:
                actions.withdraw_appeal(appeal, user=request.user)
                messages.success(request, _("Appeal withdrawn."))
            except ActionError as exc:
                _refused(request, exc)
            return redirect("reviews:appeal", appeal.pk)
        if not deciding:
            raise PermissionDenied
        if form.is_valid():
            try:
                actions.decide_appeal(
                    appeal,
                    upheld=form.cleaned_data["decision"] == AppealStatus.UPHELD,
                    reason=form.cleaned_data["reason"],
                    user=request.user,
                    applies=form.cleaned_data["applies"],
                    points=form.cleaned_data["points"],
                )
                messages.success(request, _("Appeal decided."))
                return redirect("reviews:appeal", appeal.pk)
            except ActionError as exc:
                form.add_error(None, _(exc.detail))
    definition = review.scorecard_version.definition
    names = pages.item_names(definition, language())
    card = scoring.load(dict(definition) | {"version": review.scorecard_version.number})
    item = next((i for i in card.items() if i.id == appeal.item), None)
    entry = next((e for e in review.items if e["item"] == appeal.item), None)
    context = {
        "appeal": appeal,
        "review": review,
        "item_name": names.get(appeal.item, appeal.item),
        "item": item,
        "item_cap": scoring.cap(item, card.base) if item else 0,
        "entry": entry,
        "events": list(appeal.events.select_related("by")),
        "form": form,
        "deciding": deciding,
        "may_withdraw": appeal.appellant_id == request.user.pk
        and appeal.status == AppealStatus.OPEN,
        "manual": pages.score_info(review.score),
        "before": pages.score_info(appeal.score_before),
        "after": pages.score_info(appeal.score_after),
        "tab": "appeals",
    }
    return render(request, "reviews/appeal.html", context)


# --- sampling plans ---------------------------------------------------------------------


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    _require(request, MANAGE_SAMPLING)
    plans = list(
        plans_visible_to(request.user).select_related("scorecard").prefetch_related("teams")
    )
    for plan in plans:
        plan.last_run = plan.runs.first()
        plan.open_count = plan.reviews.filter(status__in=OPEN_STATUSES).count()
        plan.done_count = plan.reviews.filter(status=ReviewStatus.SUBMITTED).count()
    return render(request, "reviews/plans.html", {"plans": plans, "tab": "plans"})


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require(request, MANAGE_SAMPLING)
    plan = get_object_or_404(plans_visible_to(request.user), pk=pk) if pk else None
    form = PlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        try:
            plan = actions.save_plan(
                form.plan_data(),
                user=request.user,
                plan=plan,
                teams=form.cleaned_data["teams"],
                reviewers=form.cleaned_data["reviewers"],
            )
            messages.success(request, _("Sampling plan saved."))
            return redirect("reviews:plan", plan.pk)
        except ActionError as exc:
            form.add_error(None, _(exc.detail))
    runs = list(plan.runs.select_related("created_by")[:20]) if plan else []
    return render(
        request, "reviews/plan.html", {"form": form, "plan": plan, "runs": runs, "tab": "plans"}
    )


@login_required
@require_POST
def plan_run(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, MANAGE_SAMPLING)
    plan = get_object_or_404(plans_visible_to(request.user), pk=pk)
    try:
        run = actions.run_plan(
            plan, user=request.user, current=request.POST.get("period") == "current"
        )
        messages.success(
            request,
            _("Sampled %(sampled)s of %(candidates)s conversations; %(assigned)s assigned.")
            % {"sampled": run.sampled, "candidates": run.candidates, "assigned": run.assigned},
        )
    except ActionError as exc:
        _refused(request, exc)
    return redirect("reviews:plan", plan.pk)


# --- calibration ------------------------------------------------------------------------


@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (user.has_perm(REVIEW) or user.has_perm(MANAGE_SAMPLING)):
        raise PermissionDenied
    sessions = list(
        sessions_visible_to(user).select_related("facilitator").prefetch_related("participants")
    )
    for s in sessions:
        s.item_count = s.items.count()
        s.my_done = s.items.filter(scores__reviewer=user).count()
        s.is_participant = any(p.pk == user.pk for p in s.participants.all())
    return render(request, "reviews/sessions.html", {"sessions": sessions, "tab": "calibration"})


@login_required
@require_http_methods(["GET", "POST"])
def session_new(request: HttpRequest) -> HttpResponse:
    _require(request, MANAGE_SAMPLING)
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ids = form.conversation_ids()
        found = {
            c.external_id: c
            for c in conversations_visible_to(request.user).filter(external_id__in=ids)
        }
        missing = [i for i in ids if i not in found]
        if missing:
            form.add_error(
                "conversations",
                _("Unknown conversations: %(ids)s") % {"ids": ", ".join(missing[:5])},
            )
        else:
            due = form.cleaned_data["due"]
            due_at = (
                timezone.make_aware(timezone.datetime.combine(due, timezone.datetime.max.time()))
                if due
                else None
            )
            try:
                session = actions.create_session(
                    form.cleaned_data["name"],
                    user=request.user,
                    conversations=[found[i] for i in ids],
                    participants=list(form.cleaned_data["participants"]),
                    due_at=due_at,
                )
                return redirect("reviews:session", session.pk)
            except ActionError as exc:
                form.add_error(None, _(exc.detail))
    return render(request, "reviews/session_new.html", {"form": form, "tab": "calibration"})


@login_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(
        sessions_visible_to(request.user).select_related(
            "facilitator", "scorecard_version__scorecard"
        ),
        pk=pk,
    )
    user = request.user
    items = list(session.items.select_related("conversation__agent", "session__scorecard_version"))
    view = pages.session_scores(session, user, items)
    participant, mine = view.participant, view.mine
    names = _names(
        [s.reviewer_id for s in view.all_scores] + [p.pk for p in session.participants.all()]
    )
    item_names = pages.item_names(session.scorecard_version.definition, language())
    rows = [
        {
            "item": it,
            "mine": it.pk in mine,
            "count": view.count(it),
            "scores": [
                {"name": names.get(s.reviewer_id, "?"), **pages.score_info(s.score)}
                for s in view.shown(it)
            ]
            if view.sees(it)
            else None,
            "agreed": pages.score_info(it.agreed_score),
        }
        for it in items
    ]
    results = view.agreement(item_names)
    if results is not None:
        results["deviation_rows"] = [
            {"name": names.get(d.reviewer, "?"), "d": d} for d in results["deviations"]
        ]
    context = {
        "session": session,
        "rows": rows,
        "participant": participant,
        "done": len(mine),
        "results": results,
        "participants": [names.get(p.pk, p.get_username()) for p in session.participants.all()],
        "may_facilitate": session.facilitator_id == user.pk or user.has_perm(MANAGE_SAMPLING),
        "tab": "calibration",
    }
    return render(request, "reviews/session.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def session_item(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    session = get_object_or_404(sessions_visible_to(request.user), pk=pk)
    item = get_object_or_404(
        session.items.select_related("conversation", "session__scorecard_version"), pk=item_pk
    )
    user = request.user
    version = session.scorecard_version
    definition = dict(version.definition) | {"version": version.number}
    participant = is_participant(user, session)
    own = calibration_scores_visible_to(user, item).filter(reviewer=user).first()
    facilitate = session.facilitator_id == user.pk or user.has_perm(MANAGE_SAMPLING)
    if request.method == "POST":
        raw = pages.values_from_post(definition, request.POST)
        try:
            if request.POST.get("action") == "agree":
                actions.record_agreed(item, raw, user=user, note=request.POST.get("comment", ""))
                messages.success(request, _("Agreed score recorded."))
            else:
                actions.submit_calibration(
                    item, raw, user=user, comment=request.POST.get("comment", "")
                )
                messages.success(request, _("Score submitted; the others' scores are now shown."))
        except ActionError as exc:
            _refused(request, exc)
        return redirect("reviews:session_item", session.pk, item.pk)
    personal = personal_view(request)
    lang = language()
    conv = dashboards.conversation_page(
        item.conversation, [], None, personal, lang
    )  # blind: no auto score
    see_all = may_see_all_scores(user, item)
    scores = (
        list(calibration_scores_visible_to(user, item).select_related("reviewer"))
        if see_all
        else []
    )
    names = pages.item_names(definition, lang)
    reviewer_names = _names([s.reviewer_id for s in scores])
    matrix = []
    if scores:
        card = scoring.load(definition)
        for it in card.items():
            cells = []
            for s in scores:
                e = next((x for x in s.items if x["item"] == it.id and x.get("applies")), None)
                cells.append(dashboards.format_points(e["points"]) if e else "")
            agreed = next(
                (x for x in (item.agreed_items or []) if x["item"] == it.id and x.get("applies")),
                None,
            )
            if any(cells) or agreed:
                matrix.append(
                    {
                        "name": names.get(it.id, it.id),
                        "cells": cells,
                        "agreed": dashboards.format_points(agreed["points"]) if agreed else "",
                        "spread": len(set(cells)) > 1,
                    }
                )
    form_mode = (participant and own is None and session.status == SessionStatus.OPEN) or (
        facilitate and see_all and request.GET.get("agree") == "1"
    )
    prefill = (
        scoring.values_from_stored(item.agreed_items or (own.items if own else []))
        if form_mode
        else None
    )
    sections = pages.scorecard_rows(
        definition, channel=item.conversation.channel, automatic=None, manual=None, prefill=prefill
    )
    context = {
        "session": session,
        "item": item,
        "conversation": item.conversation,
        "is_phone": item.conversation.channel == Channel.PHONE,
        "unmasked": personal.unmasked,
        "transcript": conv["transcript"],
        "sections": sections,
        "form_mode": form_mode,
        "agree_mode": form_mode and not (participant and own is None),
        "own": own,
        "scores": [
            {"name": reviewer_names.get(s.reviewer_id, "?"), "s": s, **pages.score_info(s.score)}
            for s in scores
        ],
        "matrix": matrix,
        "reviewer_names": [reviewer_names.get(s.reviewer_id, "?") for s in scores],
        "see_all": see_all,
        "facilitate": facilitate,
        "agreed": pages.score_info(item.agreed_score),
        "tab": "calibration",
    }
    return render(request, "reviews/session_item.html", context)


@login_required
@require_POST
def session_close(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(sessions_visible_to(request.user), pk=pk)
    try:
        actions.close_session(session, user=request.user)
        messages.success(request, _("Session closed."))
    except ActionError as exc:
        _refused(request, exc)
    return redirect("reviews:session", session.pk)


# --- report and settings ----------------------------------------------------------------


def default_report_period() -> tuple[date, date]:
    """The year up to the newest sampled month (else the newest review, else today)."""
    newest = Review.objects.exclude(period_start=None).order_by("-period_start")
    last = newest.values_list("period_start", flat=True).first()
    if last is None:
        at = (
            Review.objects.filter(status=ReviewStatus.SUBMITTED)
            .order_by("-submitted_at")
            .values_list("submitted_at", flat=True)
            .first()
        )
        last = timezone.localtime(at).date() if at else timezone.localdate()
    start = date(last.year, 1, 1)
    end = (last.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return start, end


@login_required
def report(request: HttpRequest) -> HttpResponse:
    _require(request, VIEW_QA_EFFICIENCY)
    form = ReportForm(request.GET)
    start, end = default_report_period()
    if form.is_valid():
        start = form.cleaned_data["date_from"] or start
        end = form.cleaned_data["date_to"] or end
    if end < start:
        start, end = end, start
    reviews = reviews_visible_to(request.user)
    reviewer_ids = reviews.exclude(reviewer=None).values_list("reviewer_id", flat=True).distinct()
    split = form.cleaned_data.get("split") if form.is_valid() else None
    data = pages.report(reviews, start, end, _names(reviewer_ids), split=split or None)
    auto_total = QaResult.objects.filter(is_current=True, day__gte=start, day__lte=end).count()
    context = {
        "form": form,
        "data": data,
        "date_from": start,
        "date_to": end,
        "auto_total": auto_total,
        "tab": "report",
    }
    return render(request, "reviews/report.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request: HttpRequest) -> HttpResponse:
    _require(request, MANAGE_REVIEW_SETTINGS)
    row = ReviewSettings.current()
    form = SettingsForm(request.POST or None, instance=row)
    if request.method == "POST" and form.is_valid():
        actions.save_settings(
            {f: form.cleaned_data[f] for f in SettingsForm.Meta.fields}, user=request.user
        )
        messages.success(request, _("Settings saved."))
        return redirect("reviews:settings")
    return render(request, "reviews/settings.html", {"form": form, "tab": "settings"})
