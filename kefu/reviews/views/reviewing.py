"""One review: the scoring form, reassignment, a review created by hand."""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kefu.accounts.access import conversations_visible_to
from kefu.accounts.roles import (
    MANAGE_SAMPLING,
    REVIEW,
)
from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.interactions.choices import Channel
from kefu.interactions.views import personal_view
from kefu.lib.errors import ActionError
from kefu.lib.language import language
from kefu.qa import feedback as qa_feedback
from kefu.qa import presenters
from kefu.qa.core.scorecard import DEFAULT_BASE, DEFAULT_PASS_LINE
from kefu.reviews import actions, pages
from kefu.reviews.choices import OPEN_STATUSES, Kind, ReviewStatus
from kefu.reviews.core import scoring
from kefu.reviews.forms import (
    AppealForm,
    NewReviewForm,
    ReassignForm,
)
from kefu.reviews.selectors import (
    reviews_visible_to,
)
from kefu.reviews.views._common import (
    TIMER_SALT,
    _refused,
    _require,
)

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
    conv = presenters.conversation_page(
        review.conversation, [auto] if auto else [], auto, personal, lang
    )
    qa_feedback.attach(conv["hits"], review.conversation)  # 误判反馈 beside each hit
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
        "may_judge": auto is not None and auto.is_current,
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


@login_required
@require_POST
def review_conversation(request: HttpRequest, external_id: str) -> HttpResponse:
    """ "Review this conversation" (the conversation and QA pages): open the user's review
    of it still being written, or the newest review of it they may see, or else create
    one assigned to them (`actions.create_review`: never their own conversation)."""
    _require(request, REVIEW)
    conversation = get_object_or_404(
        conversations_visible_to(request.user), external_id=external_id
    )
    mine = reviews_visible_to(request.user).filter(conversation=conversation)
    existing = (
        mine.filter(reviewer=request.user, status__in=OPEN_STATUSES).order_by("-pk").first()
        or mine.order_by("-pk").first()
    )
    if existing is not None:
        return redirect("reviews:review", existing.pk)
    try:
        review = actions.create_review(conversation, by=request.user)
    except ActionError as exc:
        _refused(request, exc)
        back = request.POST.get("back", "")
        if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
            back = reverse("qa:conversation", args=[conversation.external_id])
        return redirect(back)
    messages.success(request, _("Review created and assigned to you."))
    return redirect("reviews:review", review.pk)
