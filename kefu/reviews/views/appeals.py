"""Appeals: filing, the list to decide, one appeal."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.interactions.choices import Channel
from kefu.interactions.views import personal_view
from kefu.lib.errors import ActionError
from kefu.lib.language import language
from kefu.lib.paging import keyset_page
from kefu.qa import presenters
from kefu.reviews import actions, pages
from kefu.reviews.choices import AppealStatus
from kefu.reviews.core import scoring
from kefu.reviews.forms import (
    AppealForm,
    DecideForm,
)
from kefu.reviews.selectors import (
    appeals_to_decide,
    appeals_visible_to,
    may_decide,
    reviews_visible_to,
)
from kefu.reviews.views._common import (
    _refused,
)

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
    # The transcript with every automatic hit marked, and beside the item the hits of its
    # own indicators: what the decider weighs the appeal against.
    auto = review.auto_result
    personal = personal_view(request)
    conv = presenters.conversation_page(
        review.conversation, [auto] if auto else [], auto, personal, language()
    )
    if personal.unmasked:
        audit(
            AuditAction.VIEW_PERSONAL_DATA,
            request=request,
            object_type="conversation",
            object_id=review.conversation.external_id,
            detail={"page": "appeal"},
        )
    own = set(item.indicators) if item else set()
    context = {
        **conv,
        "conversation": review.conversation,
        "is_phone": review.conversation.channel == Channel.PHONE,
        "unmasked": personal.unmasked,
        "item_hits": [h for h in conv["hits"] if h["indicator"] in own],
        "auto_result_missing": auto is None,
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
