"""Calibration sessions: the list, a new one, a session, scoring an item, closing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kefu.accounts.access import conversations_visible_to
from kefu.accounts.roles import (
    MANAGE_SAMPLING,
    REVIEW,
)
from kefu.interactions.choices import Channel
from kefu.interactions.views import personal_view
from kefu.lib.errors import ActionError
from kefu.lib.language import language
from kefu.qa import presenters
from kefu.reviews import actions, pages
from kefu.reviews.choices import SessionStatus
from kefu.reviews.core import scoring
from kefu.reviews.forms import (
    SessionForm,
)
from kefu.reviews.selectors import (
    calibration_scores_visible_to,
    is_participant,
    may_see_all_scores,
    sessions_visible_to,
)
from kefu.reviews.views._common import (
    _names,
    _refused,
    _require,
)

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
    conv = presenters.conversation_page(
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
                cells.append(presenters.format_points(e["points"]) if e else "")
            agreed = next(
                (x for x in (item.agreed_items or []) if x["item"] == it.id and x.get("applies")),
                None,
            )
            if any(cells) or agreed:
                matrix.append(
                    {
                        "name": names.get(it.id, it.id),
                        "cells": cells,
                        "agreed": presenters.format_points(agreed["points"]) if agreed else "",
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
