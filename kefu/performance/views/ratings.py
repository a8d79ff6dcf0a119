"""Behaviourally anchored ratings (行为锚定法): an agent's own ratings with their anchors
and evidence; supervisors (their teams) and managers (everyone) rate with linked
conversations, optionally blind; managers edit the scales.

Blind mode (?blind=1, kept in the session until ?blind=0) hides names and ids while
rating: agents are listed as "Agent #n" in an order shuffled once per session and cycle,
the form's address carries that number (the session maps it to the agent), and the
evidence is shown as excerpts with the agent's name masked. The rating records `blind`.
"""

from __future__ import annotations

import random
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kefu.accounts.access import can_view_personal_data, own_agent_id, restrict
from kefu.accounts.models import Agent
from kefu.accounts.roles import MANAGE_PERFORMANCE
from kefu.core.masking import mask_text
from kefu.interactions.models import Conversation, Message
from kefu.lib.errors import ActionError
from kefu.performance.actions import ratings as actions
from kefu.performance.actions._common import appraisable, may_appraise
from kefu.performance.auditing import audit_view
from kefu.performance.forms_methods import RatingForm, ScaleForm
from kefu.performance.models import BarsRating, BarsScale, Cycle
from kefu.performance.views._methods import chosen_cycle, cycles, reviewable

BLIND = "performance_blind"
ORDER = "performance_blind_order"
CANDIDATES = 40  # evidence offered: the agent's newest conversations of the cycle
EXCERPT = 4  # messages shown per conversation
ORDER_BY = ("-cycle__start", "cycle__kind", "scale__code")


def blind_mode(request: HttpRequest) -> bool:
    """?blind=1 / ?blind=0 switches blind mode for the session."""
    raw = request.GET.get("blind")
    if raw in ("0", "1"):
        request.session[BLIND] = raw == "1"
    return bool(request.session.get(BLIND, False))


def blind_order(request: HttpRequest, cycle: Cycle) -> list[int]:
    """The agents the user rates in this cycle, in the session's shuffled order (slot n
    is position n − 1); newcomers are appended."""
    ids = list(appraisable(request.user).values_list("pk", flat=True))
    orders = request.session.get(ORDER, {})
    known = set(ids)
    order = [pk for pk in orders.get(str(cycle.pk), []) if pk in known]
    missing = sorted(known - set(order))
    if missing or len(order) != len(orders.get(str(cycle.pk), [])):
        random.SystemRandom().shuffle(missing)
        order += missing
        orders[str(cycle.pk)] = order
        request.session[ORDER] = orders
    return order


def blind_label(slot: int) -> str:
    return _("Agent #%(n)s") % {"n": slot}


def anchor_of(scale: BarsScale, level: int) -> str:
    return next((lv["anchor"] for lv in scale.levels if lv["level"] == level), "")


def _decorate(ratings: list[BarsRating]) -> list[BarsRating]:
    evidence = actions.evidence_of(ratings)
    for r in ratings:
        r.anchor = anchor_of(r.scale, r.level)
        r.conversations = evidence.get(r.pk, [])
    return ratings


def _ratings(request: HttpRequest):
    return restrict(BarsRating.objects.all(), request.user).select_related(
        "cycle", "agent", "agent__team", "scale", "rater"
    )


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The agent's own ratings; the rating table of the agents the user rates."""
    blind = blind_mode(request)
    own = own_agent_id(request.user)
    mine = []
    if own is not None:
        mine = _decorate(list(_ratings(request).filter(agent_id=own).order_by(*ORDER_BY)))
    context = {"tab": "ratings", "mine": mine, "blind": blind, "rater": may_appraise(request.user)}
    if context["rater"]:
        options = cycles(request, open_only=True)
        cycle = chosen_cycle(request, options)
        scales = list(BarsScale.objects.filter(active=True))
        rows = []
        if cycle is not None:
            agents = {a.pk: a for a in appraisable(request.user).select_related("team")}
            done: dict[tuple[int, int], int] = {
                (agent, scale): level
                for agent, scale, level in BarsRating.objects.filter(
                    cycle=cycle, rater=request.user
                ).values_list("agent_id", "scale_id", "level")
            }
            if blind:
                order = blind_order(request, cycle)
                keyed = [(slot, agents[pk]) for slot, pk in enumerate(order, 1) if pk in agents]
            else:
                keyed = [(None, a) for a in sorted(agents.values(), key=lambda a: a.external_id)]
            for slot, agent in keyed:
                rows.append(
                    {
                        "agent": None if blind else agent,
                        "label": blind_label(slot) if blind else agent.name,
                        "url": reverse("performance:rating_blind", args=[cycle.pk, slot])
                        if blind
                        else reverse("performance:rating_form", args=[cycle.pk, agent.pk]),
                        "levels": [done.get((agent.pk, s.pk)) for s in scales],
                    }
                )
        context |= {"cycles": options, "cycle": cycle, "scales": scales, "rows": rows}
    context["manager"] = request.user.has_perm(MANAGE_PERFORMANCE)
    return render(request, "performance/ratings/index.html", context)


def _excerpts(
    request: HttpRequest, conversations: list[Conversation], agent: Agent, label: str | None
) -> dict[int, list[dict]]:
    """conversation id → its first messages, personal data masked as the user must see
    it; with `label`, the agent's name and id replaced by it (blind mode)."""
    unmasked = can_view_personal_data(request.user)
    names = {c.pk: c.customer.name for c in conversations if c.customer_id}
    out: dict[int, list[dict]] = {}
    # The name, the id, and the nicknames made of the surname (小王, 王姐, 王哥): best effort.
    surname = agent.name[:1]
    own = [n for n in (agent.name, agent.external_id) if n]
    if surname:
        own += [f"小{surname}", f"{surname}姐", f"{surname}哥", f"老{surname}"]
    pattern = re.compile("|".join(re.escape(n) for n in own)) if own else None
    rows = Message.objects.filter(
        conversation_id__in=[c.pk for c in conversations], seq__lte=EXCERPT
    ).order_by("conversation_id", "seq")
    for m in rows.only("conversation_id", "seq", "role", "text"):
        text = m.text if unmasked else mask_text(m.text, [names.get(m.conversation_id)])
        if label is not None and pattern is not None:
            text = pattern.sub(label, text)
        lines = out.setdefault(m.conversation_id, [])
        if len(lines) < EXCERPT:
            lines.append({"role": m.role, "who": m.get_role_display(), "text": text})
    return out


def _rate_page(
    request: HttpRequest, cycle: Cycle, agent: Agent, *, slot: int | None = None
) -> HttpResponse:
    blind = slot is not None
    label = blind_label(slot) if blind else None
    scales = list(BarsScale.objects.filter(active=True))
    existing = {
        r.scale_id: r
        for r in BarsRating.objects.filter(cycle=cycle, agent=agent, rater=request.user)
        .prefetch_related("evidence")
    }  # fmt: skip
    candidates = list(
        actions.cycle_conversations(cycle, agent, request.user)
        .select_related("customer")
        .order_by("-created_at")[:CANDIDATES]
    )
    linked = {c.pk for r in existing.values() for c in r.evidence.all()}
    extra = linked - {c.pk for c in candidates}
    if extra:
        candidates += list(
            actions.cycle_conversations(cycle, agent, request.user)
            .filter(pk__in=extra)
            .select_related("customer")
        )
    ids = [c.pk for c in candidates]
    posted = request.POST.get("scale") if request.method == "POST" else None
    forms = []
    for scale in scales:
        rating = existing.get(scale.pk)
        initial = (
            {"level": rating.level, "comment": rating.comment,
             "evidence": [c.pk for c in rating.evidence.all()]}
            if rating else {}
        )  # fmt: skip
        bound = request.POST if posted == scale.code else None
        forms.append(RatingForm(bound, initial=initial, scale=scale, evidence_ids=ids))
    for form in forms:
        if form.is_bound and form.is_valid():
            try:
                actions.rate(
                    cycle=cycle, agent=agent, scale=form.scale, level=form.cleaned_data["level"],
                    evidence=form.cleaned_data["evidence"], user=request.user,
                    comment=form.cleaned_data["comment"], blind=blind,
                )  # fmt: skip
            except ActionError as exc:
                form.add_error(None, _(exc.detail))
            else:
                messages.success(
                    request,
                    _("Rating saved: %(scale)s, %(who)s.")
                    % {"scale": form.scale.name, "who": label or agent.name},
                )
                return redirect(reverse("performance:ratings") + f"?cycle={cycle.pk}")
    audit_view(request, agent, "ratings")
    excerpts = _excerpts(request, candidates, agent, label)
    for c in candidates:
        c.excerpt = excerpts.get(c.pk, [])
    for form in forms:
        form.items = list(zip(form["evidence"], candidates, strict=True))
    return render(
        request,
        "performance/ratings/rate.html",
        {
            "tab": "ratings",
            "cycle": cycle,
            "agent": None if blind else agent,
            "label": label or agent.name,
            "blind": blind,
            "forms": forms,
            "has_evidence": bool(candidates),
        },
    )


def _rating_cycle(request: HttpRequest, cycle_id: int) -> Cycle:
    if not may_appraise(request.user):
        raise PermissionDenied
    return get_object_or_404(cycles(request, open_only=True), pk=cycle_id)


@login_required
@require_http_methods(["GET", "POST"])
def rating_form(request: HttpRequest, cycle_id: int, agent_id: int) -> HttpResponse:
    cycle = _rating_cycle(request, cycle_id)
    agent = get_object_or_404(appraisable(request.user), pk=agent_id)
    return _rate_page(request, cycle, agent)


@login_required
@require_http_methods(["GET", "POST"])
def rating_blind(request: HttpRequest, cycle_id: int, slot: int) -> HttpResponse:
    cycle = _rating_cycle(request, cycle_id)
    request.session[BLIND] = True
    order = blind_order(request, cycle)
    if not 1 <= slot <= len(order):
        raise Http404
    agent = get_object_or_404(appraisable(request.user), pk=order[slot - 1])
    return _rate_page(request, cycle, agent, slot=slot)


@login_required
def rating_detail(request: HttpRequest, rating_id: int) -> HttpResponse:
    rating = get_object_or_404(_ratings(request), pk=rating_id)
    audit_view(request, rating.agent, "rating")
    _decorate([rating])
    return render(
        request,
        "performance/ratings/rating.html",
        {"tab": "ratings", "r": rating, "own": rating.agent_id == own_agent_id(request.user)},
    )


@login_required
def agent_ratings(request: HttpRequest, agent_id: int) -> HttpResponse:
    """Every rating of one agent the user may see (audited unless their own)."""
    agent = get_object_or_404(reviewable(request).select_related("team"), pk=agent_id)
    audit_view(request, agent, "ratings")
    ratings = _decorate(list(_ratings(request).filter(agent=agent).order_by(*ORDER_BY)))
    return render(
        request,
        "performance/ratings/agent.html",
        {"tab": "ratings", "agent": agent, "ratings": ratings},
    )


# --- scales --------------------------------------------------------------------------------
@login_required
def scale_list(request: HttpRequest) -> HttpResponse:
    scales = restrict(BarsScale.objects.all(), request.user)
    return render(
        request,
        "performance/ratings/scales.html",
        {"tab": "ratings", "scales": scales, "manager": request.user.has_perm(MANAGE_PERFORMANCE)},
    )


def _scale_page(request: HttpRequest, scale: BarsScale | None) -> HttpResponse:
    if not request.user.has_perm(MANAGE_PERFORMANCE):
        raise PermissionDenied
    form = ScaleForm(request.POST if request.method == "POST" else None, scale=scale)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data, anchors=form.anchors())
        try:
            saved = actions.save_scale(data, user=request.user, scale=scale)
        except ActionError as exc:
            form.add_error(None, _(exc.detail))
        else:
            messages.success(request, _("Scale saved: %(name)s.") % {"name": saved.name})
            return redirect("performance:scales")
    return render(
        request,
        "performance/ratings/scale_form.html",
        {"tab": "ratings", "form": form, "scale": scale},
    )


@login_required
@require_http_methods(["GET", "POST"])
def scale_new(request: HttpRequest) -> HttpResponse:
    return _scale_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def scale_edit(request: HttpRequest, scale_id: int) -> HttpResponse:
    if not request.user.has_perm(MANAGE_PERFORMANCE):
        raise PermissionDenied
    scale = get_object_or_404(
        restrict(BarsScale.objects.all(), request.user, "change"), pk=scale_id
    )
    return _scale_page(request, scale)


urls = [
    path("ratings/", index, name="ratings"),
    path("ratings/<int:rating_id>/", rating_detail, name="rating"),
    path("ratings/cycle/<int:cycle_id>/agent/<int:agent_id>/", rating_form, name="rating_form"),
    path("ratings/cycle/<int:cycle_id>/blind/<int:slot>/", rating_blind, name="rating_blind"),
    path("ratings/agent/<int:agent_id>/", agent_ratings, name="agent_ratings"),
    path("ratings/scales/", scale_list, name="scales"),
    path("ratings/scales/new/", scale_new, name="scale_new"),
    path("ratings/scales/<int:scale_id>/", scale_edit, name="scale_edit"),
]
