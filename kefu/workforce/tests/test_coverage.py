"""Coverage of a roster: a channel nobody covers, or a large gap, is said loudly and the
roster is never called optimal; skills are learnt from the data before the planned week,
not from a short test run that follows a year of history."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.urls import reverse

from conftest import native_conversation
from kefu.workforce import selectors
from kefu.workforce.core.coverage import GAP_TOLERANCE, channel_coverage, coverage
from kefu.workforce.models import Roster
from kefu.workforce.tests.conftest import TZ, WEEK, login


def test_hours_gap_share_and_the_uncovered_channel():
    chat = channel_coverage("chat", [2, 2, 0, 0], [2, 1, 1, 0], [0, 1, 0, 0], 30)
    email = channel_coverage("email", [3, 3], [0, 0], [3, 3], 30)
    assert (chat.required_hours, chat.scheduled_hours, chat.gap_hours) == (2.0, 2.0, 0.5)
    assert chat.gap_share == 0.25 and chat.short_intervals == 1 and not chat.uncovered
    assert email.uncovered and email.gap_share == 1.0
    week = coverage([chat, email])
    assert week.uncovered == ["email"] and week.short == ["chat", "email"]
    assert week.gap_share == pytest.approx(3.5 / 5) and week.large_gap


def test_a_gap_within_the_tolerance_is_not_large():
    required = [10] * 100
    within = channel_coverage("chat", required, [10] * 100, [1] * 5 + [0] * 95, 30)
    assert within.gap_share == 0.005 * 10 / 10 and within.gap_share <= GAP_TOLERANCE
    assert not coverage([within]).large_gap
    assert not coverage([channel_coverage("app", [0, 0], [0, 0], [0, 0], 30)]).large_gap


def _uncover_email(roster: Roster) -> None:
    plan = roster.plan
    email = plan["channels"].setdefault("email", {**next(iter(plan["channels"].values()))})
    email["requirement"] = [1] * len(email["requirement"])
    email["scheduled"] = [0] * len(email["requirement"])
    email["gap"] = [1] * len(email["requirement"])
    Roster.objects.filter(pk=roster.pk).update(plan=plan, solver_status="optimal")


def test_a_channel_left_uncovered_is_said_loudly_and_never_called_optimal(built):
    _uncover_email(built)
    built.refresh_from_db()
    client = login(built.created_by)
    page = client.get(reverse("workforce:roster_detail", args=[built.pk])).content.decode()
    assert 'id="uncovered-warning"' in page and 'class="wfm-outcome wfm-outcome-short"' in page
    assert "Proven optimal" not in page and "已证明最优" not in page
    assert 'id="gap-chart"' in page  # the gap as a heat-map per day and half hour
    api = client.get(f"/api/v1/wfm/rosters/{built.pk}").json()
    assert api["optimal"] is False and api["solver_status"] == "optimal"
    email = next(c for c in api["channels"] if c["channel"] == "email")
    assert email["uncovered"] is True and email["gap_share"] == 1.0


def covered(roster: Roster, status: str = "optimal") -> Roster:
    """The roster as if it covered every interval (the fixture's three agents cannot)."""
    plan = roster.plan
    for data in plan["channels"].values():
        data["scheduled"] = list(data["requirement"])
        data["gap"] = [0] * len(data["gap"])
    Roster.objects.filter(pk=roster.pk).update(plan=plan, solver_status=status)
    roster.refresh_from_db()
    return roster


def test_a_covered_optimal_roster_still_says_so(built):
    built = covered(built)
    page = login(built.created_by).get(reverse("workforce:roster_detail", args=[built.pk]))
    assert 'id="uncovered-warning"' not in page.content.decode()
    assert 'class="wfm-outcome wfm-outcome-optimal"' in page.content.decode()
    assert built.proven_optimal and built.outcome_label == str(built.get_solver_status_display())


def test_skills_come_from_the_data_before_the_week_not_a_later_test_run(planned, import_records):
    # three weeks of chat history in 2024 (the fixture), then a test run of `kefu simulate`
    # two years later: three e-mails of one agent
    import_records(*(
        native_conversation(id=f"SIM-{i}", channel="email", agent="A0007",
                            created=datetime(2026, 12, 2, 10 + i, tzinfo=TZ))
        for i in range(3)
    ))  # fmt: skip
    # the default week follows the substantial data, and so do the skills
    assert selectors.default_week() == WEEK
    skills = selectors.learnt_skills()
    agents, _by_key = selectors.roster_agents(before=WEEK)
    assert {a.key: set(a.skills) for a in agents} == {
        key: {"chat"} for key in ("A0001", "A0007", "A0102")
    }
    assert all(channels == {"chat"} for channels in skills.values()) and len(skills) == 3
    # a week planned before the data begins has no history to learn from
    assert selectors.learnt_skills(before=date(2000, 1, 3)) == {}
