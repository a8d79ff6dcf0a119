"""What the methods' pages share: the cycle chosen, refusals, whose reviews one may open."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from kefu.accounts.access import restrict
from kefu.accounts.models import Agent
from kefu.lib.errors import ActionError
from kefu.performance.apps import REVIEWS
from kefu.performance.choices import CycleStatus
from kefu.performance.models import Cycle


def refused(request: HttpRequest, exc: ActionError) -> None:
    messages.error(request, _(exc.detail) if exc.detail else _("Refused."))


def cycles(request: HttpRequest, *, open_only: bool = False) -> QuerySet[Cycle]:
    qs = restrict(Cycle.objects.all(), request.user).order_by("-start", "kind")
    return qs.exclude(status=CycleStatus.CLOSED) if open_only else qs


def chosen_cycle(request: HttpRequest, options: QuerySet[Cycle]) -> Cycle | None:
    """The cycle of ?cycle=<id> among `options`, else the newest open one, else the
    newest."""
    raw = request.GET.get("cycle", "")
    if raw.isascii() and raw.isdigit() and len(raw) < 19:
        found = options.filter(pk=int(raw)).first()
        if found is not None:
            return found
    return options.exclude(status=CycleStatus.CLOSED).first() or options.first()


def reviewable(request: HttpRequest) -> QuerySet[Agent]:
    """The agents whose reviews the user may open: themself, their teams', everyone."""
    return restrict(Agent.objects.all(), request.user, REVIEWS)
