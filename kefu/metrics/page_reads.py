"""KPI pages read their figures within `facts.page_read`: a person waiting on a page never
counts a large import's backlog; a worker is asked to, and the page says its figures are
behind (the notice in metrics/base.html)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from kefu.metrics import facts
from kefu.metrics.tasks import hand_over_refresh


def counted_on_page(view: Callable) -> Callable:
    """A view decorator: the view's figures are read within `facts.page_read`; work it left
    is handed to a worker (at most one task per few seconds per process)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        with facts.page_read() as page:
            response = view(*args, **kwargs)
        if page.behind:
            hand_over_refresh(live=True)
        return response

    return wrapped
