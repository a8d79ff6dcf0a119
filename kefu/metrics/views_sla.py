"""The SLA report page (/sla/report/) and its CSV: met, breached, no-reply and paused
first responses by channel, team or agent (`kefu.metrics.sla_report`). The rows are the
user's scope (`restrict`): every conversation for the department roles, a supervisor's
teams, an agent's own; the by-team tab is for those who may view teams."""

from __future__ import annotations

import csv
import io

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_GET

from kefu.accounts.access import may_view_teams
from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.core.spreadsheet import safe_cell
from kefu.metrics import dashboards, sla_report
from kefu.metrics.facts import page_state
from kefu.metrics.filtersets import SlaReportFilterSet
from kefu.metrics.page_reads import counted_on_page


def _by(request: HttpRequest) -> str:
    by = request.GET.get("by", "channel")
    if by not in sla_report.GROUPINGS or (by == "team" and not may_view_teams(request.user)):
        return "channel"
    return by


def _filters(request: HttpRequest) -> SlaReportFilterSet:
    # The facts the user may see; the FilterSet narrows them to the period, channel, team.
    visible = sla_report.facts_visible(request.user)
    return SlaReportFilterSet(
        request.GET, visible, user=request.user, default=dashboards.default_period()
    )


@login_required
@require_GET
@counted_on_page
def report(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    by = _by(request)
    total, rows = sla_report.report(filters.valid_qs, by)
    start, end = filters.period
    query = request.GET.copy()
    query.pop("by", None)
    query["date_from"], query["date_to"] = start.isoformat(), end.isoformat()
    tabs = [("channel", _("By channel")), ("agent", _("By agent"))]
    if may_view_teams(request.user):
        tabs.insert(1, ("team", _("By team")))
    return render(
        request,
        "metrics/sla_report.html",
        {
            "filters": filters,
            "form": filters.form,
            "by": by,
            "tabs": tabs,
            "date_from": start,
            "date_to": end,
            "query": query.urlencode(),
            "kpi_counting": page_state(),
            "total": sla_report.display(total),
            # the resolution columns, when any conversation's policy sets such a target
            "resolution": bool(
                total.tally.resolved_in_time + total.tally.resolved_late + total.tally.open
            ),
            "rows": [sla_report.display(r) for r in rows],
            "may_view_teams": may_view_teams(request.user),
        },
    )


CSV_COLUMNS = (
    ("group", _l("Group")),
    ("conversations", _l("Conversations")),
    ("met", _l("Met")),
    ("breached", _l("Breached")),
    ("no_reply", _l("No reply")),
    ("paused", _l("Paused")),
    ("paused_s", _l("Paused time (s)")),
    ("met_rate", _l("Met rate")),
    ("breach_rate", _l("Breach rate")),
    ("no_reply_rate", _l("No-reply rate")),
    ("paused_rate", _l("Paused rate")),
    ("targets_text", _l("First-response target")),
    ("resolved_in_time", _l("Resolved in time")),
    ("resolved_late", _l("Resolved late")),
    ("open", _l("Still open")),
    ("resolution_breach_rate", _l("Late resolution rate")),
)


@login_required
@require_GET
def report_csv(request: HttpRequest) -> HttpResponse:
    """The rows of the page's tab (and the total), as CSV: counts, rates as fractions."""
    filters = _filters(request)
    by = _by(request)
    total, rows = sla_report.report(filters.valid_qs, by)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(label) for _key, label in CSV_COLUMNS])
    for row in [*rows, total]:
        shown = sla_report.display(row)
        writer.writerow(safe_cell(shown[key]) for key, _label in CSV_COLUMNS)
    start, end = filters.period
    audit(
        AuditAction.EXPORT,
        request=request,
        object_type="sla_report",
        object_id="csv",
        detail={"filters": request.GET.dict(), "by": by, "rows": len(rows)},
    )
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="sla-report-{by}-{start}-{end}.csv"'
    return response
