"""What the fairness, calibration and promotion pages share: the cycles a user may pick
(those with reviews they see) and refusals as messages."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from kefu.accounts.access import restrict
from kefu.core.params import parse_id
from kefu.lib.errors import ActionError
from kefu.performance.models import AgentScore, Cycle


def cycles_with_reviews(user) -> list[Cycle]:
    """Cycles with at least one review the user may see, newest first."""
    seen = restrict(AgentScore.objects.all(), user).values("cycle_id")
    return list(restrict(Cycle.objects.filter(pk__in=seen), user).order_by("-start", "kind"))


def pick(cycles: list[Cycle], request: HttpRequest) -> Cycle | None:
    """The cycle of `?cycle=<id>` (404 when it is not among `cycles`), else the newest."""
    asked = request.GET.get("cycle", "")
    if not asked:
        return cycles[0] if cycles else None
    cycle_id = parse_id(asked)
    for cycle in cycles:
        if cycle.pk == cycle_id:
            return cycle
    raise Http404


def row_ids(*values: int) -> None:
    """Path ids past the database's integers name no row (the query itself would fail)."""
    if any(parse_id(value) is None for value in values):
        raise Http404


def refused(request: HttpRequest, exc: ActionError) -> None:
    messages.error(request, _(exc.detail) if exc.detail else _("Refused."))
