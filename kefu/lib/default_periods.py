"""What a page says when its default period passed over a thin month
(`kefu.core.periods.default_end`): one sentence, for dashboards of conversations and of
QA results."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kefu.core.periods import DefaultEnd


def thin_month_note(end: DefaultEnd, *, scored: bool = False) -> str:
    if end.skipped_month is None:
        return ""
    values = {"month": end.skipped_month.strftime("%Y-%m"), "n": end.skipped_count}
    if scored:
        return (
            _(
                "Showing the months up to the newest one with substantial data: %(month)s has "
                "only %(n)s scored conversations so far."
            )
            % values
        )
    return (
        _(
            "Showing the period up to the newest month with substantial data: %(month)s has "
            "only %(n)s conversations so far."
        )
        % values
    )
