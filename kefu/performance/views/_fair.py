"""What the fairness, calibration and promotion pages share: the cycles a user may pick
(those with reviews they see) and refusals as messages."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from kefu.accounts.access import restrict
from kefu.core.params import parse_id
from kefu.performance.models import AgentScore, Cycle
from kefu.performance.views._methods import refused

__all__ = ["cycles_with_reviews", "pick", "refused", "row_ids"]


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
