"""Roster builds in the background: queued → running → done or failed, the page that
polls while it builds, stalled and failed builds built again, the time-limit setting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kefu.accounts.models import Agent
from kefu.audit.models import AuditLog
from kefu.workforce import actions, building
from kefu.workforce.models import AgentWorkRule, Roster
from kefu.workforce.tests.conftest import WEEK, login


def queued(by, **kw) -> Roster:
    """A roster queued with no worker to take it (as with a stopped `kefu db_worker`)."""
    return Roster.objects.create(week_start=WEEK, created_by=by, time_limit_s=5, **kw)


def test_it_queues_the_build_and_the_task_builds_it(planned):
    # when the manager asks for the week's roster (tests run tasks inline)
    response = login(planned.mia).post(reverse("workforce:roster_build"), {"week": WEEK})
    # then the row went through the task to done, with the solver's outcome
    roster = Roster.objects.get()
    assert response["Location"] == reverse("workforce:roster_detail", args=[roster.pk])
    assert roster.status == "done" and roster.phase == ""
    assert roster.solver_status in ("optimal", "feasible")
    assert roster.started_at <= roster.heartbeat_at <= roster.finished_at
    assert roster.plan["stages"].keys() == {"counts", "assign"}
    assert roster.time_limit_s == building.DEFAULT_TIME_LIMIT_S
    details = [a.detail for a in AuditLog.objects.filter(object_type="workforce.roster")]
    assert {"requested": str(WEEK)} in details and any("built" in d for d in details)


def test_the_time_limit_is_a_setting(planned, settings):
    settings.KEFU_WFM_ROSTER_TIME_LIMIT_S = 3
    roster = actions.start_roster_build(WEEK, by=planned.mia)
    assert roster.time_limit_s == 3 and roster.status == "done"


def test_the_page_polls_while_the_build_waits_and_reloads_when_done(planned):
    roster = queued(planned.mia)
    client = login(planned.mia)
    # the roster page shows the build's status and polls it
    page = client.get(reverse("workforce:roster_detail", args=[roster.pk])).content.decode()
    status_url = reverse("workforce:roster_status", args=[roster.pk])
    assert 'id="build-status"' in page and f'hx-get="{status_url}"' in page
    assert 'id="roster-grid"' not in page
    # the fragment keeps polling while it is queued or running
    fragment = client.get(status_url, HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 2s"' in fragment.content.decode()
    assert "HX-Refresh" not in fragment
    Roster.objects.filter(pk=roster.pk).update(
        status="running", phase="assign", started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    fragment = client.get(status_url, HTTP_HX_REQUEST="true").content.decode()
    assert "<progress" in fragment and 'id="rebuild-roster"' not in fragment
    # once the build has ended the whole page is reloaded (to show the roster)
    Roster.objects.filter(pk=roster.pk).update(status="done", solver_status="optimal")
    fragment = client.get(status_url, HTTP_HX_REQUEST="true")
    assert fragment["HX-Refresh"] == "true"


def test_a_stalled_build_can_be_built_again_by_a_planner(planned):
    roster = queued(planned.mia)
    Roster.objects.filter(pk=roster.pk).update(created_at=timezone.now() - timedelta(minutes=6))
    roster.refresh_from_db()
    assert roster.is_stalled and roster.can_restart
    url = reverse("workforce:roster_detail", args=[roster.pk])
    # the supervisor sees the build's state but may not build it again
    assert 'id="rebuild-roster"' not in login(planned.sam).get(url).content.decode()
    assert login(planned.sam).post(
        reverse("workforce:roster_rebuild", args=[roster.pk])
    ).status_code == 403  # fmt: skip
    # the manager does, and the build runs
    client = login(planned.mia)
    assert 'id="rebuild-roster"' in client.get(url).content.decode()
    response = client.post(reverse("workforce:roster_rebuild", args=[roster.pk]))
    assert response.status_code == 302
    roster.refresh_from_db()
    assert roster.status == "done" and roster.assignments.exists()


def test_a_live_build_is_not_built_again_or_taken_twice(planned):
    roster = queued(planned.mia, status="running", heartbeat_at=timezone.now())
    response = login(planned.mia).post(reverse("workforce:roster_rebuild", args=[roster.pk]))
    assert response.status_code == 409
    assert building.execute_build(roster.pk).status == "running"  # another worker has it
    assert not roster.assignments.exists()


def test_a_long_time_limit_waits_longer_before_calling_it_stalled(planned):
    beat = timezone.now() - timedelta(minutes=6)
    roster = queued(planned.mia, status="running", heartbeat_at=beat)
    assert roster.is_stalled
    roster.time_limit_s = 600
    assert not roster.is_stalled  # a solver phase may rightly run 10 minutes without a beat


def test_a_build_that_cannot_schedule_anyone_fails_with_its_reason(planned):
    AgentWorkRule.objects.bulk_create(
        AgentWorkRule(agent=agent, schedulable=False) for agent in Agent.objects.all()
    )
    roster = actions.start_roster_build(WEEK, by=planned.mia)
    assert roster.status == "failed" and roster.error == "No agent can be scheduled."
    page = login(planned.mia).get(reverse("workforce:roster_detail", args=[roster.pk]))
    content = page.content.decode()
    assert 'id="rebuild-roster"' in content and "hx-get" not in content.split("build-status")[1]
    # an export of a roster that has none is 404
    export = login(planned.mia).get(reverse("workforce:roster_export", args=[roster.pk]))
    assert export.status_code == 404


def test_an_unexpected_error_marks_the_build_failed(planned, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("solver crashed")

    monkeypatch.setattr(building, "solve", broken)
    roster = actions.start_roster_build(WEEK, by=planned.mia)
    assert roster.status == "failed" and roster.error == "RuntimeError: solver crashed"
    assert roster.finished_at is not None and not roster.assignments.exists()


def test_a_queue_that_is_down_fails_the_build_at_once(planned, monkeypatch):
    from kefu.workforce import tasks

    class Down:
        def enqueue(self, *args, **kwargs):
            raise ConnectionError("no queue")

    monkeypatch.setattr(tasks, "build_roster_task", Down())
    roster = actions.start_roster_build(WEEK, by=planned.mia)
    assert roster.status == "failed" and "no queue" in roster.error
    assert roster.can_restart


def test_a_second_delivery_of_a_done_build_changes_nothing(built):
    shifts = built.assignments.count()
    again = building.execute_build(built.pk)
    assert again.status == "done" and again.assignments.count() == shifts


def test_the_plan_page_lists_the_weeks_builds_with_their_state(planned):
    queued(planned.mia, created_at=timezone.now() - timedelta(minutes=10))
    page = login(planned.mia).get(reverse("workforce:plan"), {"week": WEEK}).content.decode()
    rosters = page.split('id="week-rosters"')[1]
    assert 'class="error"' in rosters  # the stalled build says so


@pytest.mark.parametrize("outcome", ["optimal", "feasible"])
def test_the_roster_page_says_whether_it_is_proven_optimal(built, outcome):
    from kefu.workforce.tests.test_coverage import covered

    covered(built, outcome)  # a short roster says "short-staffed" instead (test_coverage)
    page = login(built.created_by).get(reverse("workforce:roster_detail", args=[built.pk]))
    assert f'class="wfm-outcome wfm-outcome-{outcome}"' in page.content.decode()


def test_the_command_builds_in_the_foreground(planned):
    roster = actions.build_roster(WEEK, time_limit_s=3)
    assert roster.status == "done" and roster.time_limit_s == 3
