"""Sessions: the calendar and a session by role, enrolment by agent / team / tier / rule
within the capacity, attendance by the trainer, check-in with the code (wrong code, not
enrolled, outside the time refused), the figures page, the absence rule the performance
review reads, the settings; the API."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import SHANGHAI, client_for
from kefu.accounts.models import Agent, Team
from kefu.audit.models import AuditLog
from kefu.training import figures
from kefu.training.models import Enrolment, TrainingSession, TrainingSettings


def make_session(starts=None, hours=2, **kw) -> TrainingSession:
    starts = starts or timezone.now() + timedelta(minutes=10)
    return TrainingSession.objects.create(
        title=kw.pop("title", "月度质检专项培训"), starts_at=starts,
        ends_at=starts + timedelta(hours=hours), **kw,
    )  # fmt: skip


@pytest.fixture
def soon(personas):
    """A session starting in ten minutes, alice enrolled."""
    session = make_session(place="3 楼培训室", capacity=10)
    Enrolment.objects.create(session=session, agent=Agent.objects.get(external_id="A0007"))
    return session


def test_the_calendar_and_a_session_by_role(personas, soon):
    url = reverse("training:sessions")
    assert client_for().get(url).status_code == 302
    for who in ("alice", "bob", "sam", "tina", "mia", "olga"):
        page = client_for(getattr(personas, who)).get(
            url, {"month": soon.starts_at.strftime("%Y-%m")}
        )
        assert page.status_code == 200, who
        assert "月度质检专项培训" in page.content.decode()
    detail = reverse("training:session", args=[soon.pk])
    # the code is shown to the trainer, never to the agents
    assert soon.code in client_for(personas.tina).get(detail).content.decode()
    assert soon.code not in client_for(personas.alice).get(detail).content.decode()
    # bob is not enrolled: he sees the session but not alice's enrolment
    assert "李娜" not in client_for(personas.bob).get(detail).content.decode()
    assert "李娜" in client_for(personas.sam).get(detail).content.decode()  # her supervisor
    for name in ("training:session_new", "training:settings"):
        assert client_for(personas.tina).get(reverse(name)).status_code == 200
        assert client_for(personas.alice).get(reverse(name)).status_code == 403
        assert client_for(personas.mia).get(reverse(name)).status_code == 403
    figures_url = reverse("training:session_figures")
    assert client_for(personas.mia).get(figures_url).status_code == 200
    assert client_for(personas.sam).get(figures_url).status_code == 403


def test_a_trainer_schedules_a_session(personas):
    tina = client_for(personas.tina)
    answer = tina.post(
        reverse("training:session_new"),
        {"title": "投诉处理工作坊", "kind": "course", "starts_at": "2024-06-05T14:00",
         "ends_at": "2024-06-05T17:00", "instructor": personas.tina.pk, "place": "3 楼",
         "capacity": "20"},
    )  # fmt: skip
    session = TrainingSession.objects.get(title="投诉处理工作坊")
    assert answer.url == reverse("training:session", args=[session.pk])
    assert session.starts_at == datetime(2024, 6, 5, 14, tzinfo=SHANGHAI)
    assert session.hours == 3 and session.capacity == 20 and len(session.code) == 6
    # ending before it starts is refused
    tina.post(
        reverse("training:session_edit", args=[session.pk]),
        {"title": "x", "kind": "course", "starts_at": "2024-06-05T14:00",
         "ends_at": "2024-06-05T13:00"},
    )  # fmt: skip
    session.refresh_from_db()
    assert session.title == "投诉处理工作坊"


def enrol(client, session, **data):
    payload = {f"enrol-{k}": v for k, v in data.items()}
    return client.post(reverse("training:session_enrol", args=[session.pk]), payload, follow=True)


def test_enrolment_by_agent_team_tier_and_rule(personas):
    tina = client_for(personas.tina)
    session = make_session(starts=timezone.now() + timedelta(days=3))
    Agent.objects.filter(external_id="A0102").update(
        hired_on=timezone.localdate() - timedelta(days=10)
    )
    enrol(tina, session, how="rule", hired_within_days="30")
    assert set(session.enrolments.values_list("agent__external_id", "source")) == {
        ("A0102", "rule")
    }
    enrol(tina, session, how="team", team=Team.objects.get(name="售后一组").pk)
    assert session.enrolments.count() == 3  # A0001 and A0007 added
    enrol(tina, session, how="tier", tier="senior")  # A0007 already there
    assert session.enrolments.count() == 3
    # agents may not enrol anyone
    assert enrol(client_for(personas.alice), session, how="tier", tier="new").status_code == 403


def test_capacity_is_respected_with_a_clear_refusal(personas):
    tina = client_for(personas.tina)
    session = make_session(starts=timezone.now() + timedelta(days=3), capacity=2)
    page = enrol(
        tina, session, how="agents", agents=list(Agent.objects.values_list("pk", flat=True))
    )
    text = page.content.decode()
    assert "2" in text and ("Nobody was enrolled" in text or "未报名任何人" in text)
    assert session.enrolments.count() == 0  # refused as a whole
    enrol(tina, session, how="team", team=Team.objects.get(name="售后一组").pk)
    assert session.enrolments.count() == 2


def test_check_in_with_the_code(personas, soon):
    alice, bob = client_for(personas.alice), client_for(personas.bob)
    url = reverse("training:session_check_in", args=[soon.pk])
    # a wrong code is refused
    page = alice.post(url, {"code": "000000" if soon.code != "000000" else "111111"}, follow=True)
    assert "Wrong session code" in page.content.decode() or "签到码错误" in page.content.decode()
    assert Enrolment.objects.get(session=soon).attendance == "enrolled"
    # an agent not enrolled is refused even with the right code
    bob.post(url, {"code": soon.code})
    assert not Enrolment.objects.filter(session=soon, agent__external_id="A0102").exists()
    # the right code checks alice in, and the session took place
    alice.post(url, {"code": soon.code})
    row = Enrolment.objects.get(session=soon)
    assert row.attendance == "attended" and row.checked_in_by == personas.alice
    soon.refresh_from_db()
    assert soon.status == "held"


def test_check_in_only_around_the_session_time(personas):
    later = make_session(starts=timezone.now() + timedelta(hours=2))
    past = make_session(starts=timezone.now() - timedelta(hours=5))
    agent = Agent.objects.get(external_id="A0007")
    for session in (later, past):
        Enrolment.objects.create(session=session, agent=agent)
        client_for(personas.alice).post(
            reverse("training:session_check_in", args=[session.pk]), {"code": session.code}
        )
        assert Enrolment.objects.get(session=session).attendance == "enrolled"


def test_too_many_wrong_codes_lock_the_check_in(personas, soon):
    alice = client_for(personas.alice)
    url = reverse("training:session_check_in", args=[soon.pk])
    wrong = "000000" if soon.code != "000000" else "111111"
    for _ in range(5):
        alice.post(url, {"code": wrong})
    alice.post(url, {"code": soon.code})
    assert Enrolment.objects.get(session=soon).attendance == "enrolled"


def test_the_trainer_marks_attendance(personas):
    started = make_session(starts=timezone.now() - timedelta(minutes=30))
    e = Enrolment.objects.create(session=started, agent=Agent.objects.get(external_id="A0007"))
    tina = client_for(personas.tina)
    tina.post(reverse("training:session_attendance", args=[started.pk]), {f"e{e.pk}": "absent"})
    e.refresh_from_db()
    started.refresh_from_db()
    assert (e.attendance, e.checked_in_by, started.status) == ("absent", personas.tina, "held")
    # not before the session starts
    future = make_session(starts=timezone.now() + timedelta(days=1))
    f = Enrolment.objects.create(session=future, agent=Agent.objects.get(external_id="A0007"))
    tina.post(reverse("training:session_attendance", args=[future.pk]), {f"e{f.pk}": "attended"})
    f.refresh_from_db()
    assert f.attendance == "enrolled"
    # a held session with attendance cannot be cancelled
    tina.post(reverse("training:session_status", args=[started.pk]), {"status": "cancelled"})
    started.refresh_from_db()
    assert started.status == "held"


def quarter_with_absences(agent, absences: int, start=datetime(2024, 7, 1, 14, tzinfo=SHANGHAI)):
    for n in range(absences + 2):
        session = make_session(starts=start + timedelta(days=7 * n), status="held")
        Enrolment.objects.create(
            session=session, agent=agent, attendance="absent" if n < absences else "attended"
        )


def test_the_absence_rule_lowers_the_development_score_beyond_the_limit(personas):
    alice = Agent.objects.get(external_id="A0007")
    bob = Agent.objects.get(external_id="A0102")
    quarter_with_absences(alice, 4)
    quarter_with_absences(bob, 3)
    assert figures.absences(alice, "2024-Q3") == 4
    assert figures.absence_penalty(alice, "2024-Q3") == 0.15
    assert figures.absence_penalty(alice, date(2024, 8, 15)) == 0.15
    assert figures.absence_penalty(bob, "2024-Q3") == 0.0  # 3 is the limit, not over it
    assert figures.absence_penalty(alice, "2024-Q2") == 0.0
    # the limit and the cut are settings
    TrainingSettings.objects.filter(pk=TrainingSettings.current().pk).update(
        absence_limit=2, absence_penalty_percent=10
    )
    assert figures.absence_penalty(bob, "2024-Q3") == 0.10
    assert figures.over_limit("2024-Q3") == [(alice.pk, 4), (bob.pk, 3)]
    page = client_for(personas.tina).get(reverse("training:session_figures"), {"year": 2024})
    assert "李娜" in page.content.decode() and "−10 %" in page.content.decode()


def test_session_figures_follow_the_one_definition(personas):
    alice = Agent.objects.get(external_id="A0007")
    bob = Agent.objects.get(external_id="A0102")
    start = datetime(2024, 3, 4, 14, tzinfo=SHANGHAI)
    held = make_session(starts=start, hours=3, status="held")
    make_session(starts=start + timedelta(days=7), status="cancelled")
    Enrolment.objects.create(session=held, agent=alice, attendance="attended")
    Enrolment.objects.create(session=held, agent=bob, attendance="absent")
    summary = figures.summary(date(2024, 1, 1), date(2024, 12, 31))
    assert (summary.coverage.numerator, summary.coverage.denominator) == (1, 2)
    assert summary.attendance.rate == 0.5
    assert summary.hours.per_person == 1.5  # 3 h attended / 2 agents enrolled
    api = (
        client_for(personas.mia)
        .get(
            "/api/v1/training/sessions/figures",
            {"date_from": "2024-01-01", "date_to": "2024-12-31"},
        )
        .json()
    )
    assert (api["planned"], api["held"], api["attendance"]["rate"], api["hours_per_person"]) == (
        2, 1, 0.5, 1.5,
    )  # fmt: skip
    assert (
        client_for(personas.alice)
        .get(
            "/api/v1/training/sessions/figures",
            {"date_from": "2024-01-01", "date_to": "2024-12-31"},
        )
        .status_code
        == 403
    )


def test_the_settings_are_saved_and_audited(personas):
    tina = client_for(personas.tina)
    tina.post(
        reverse("training:settings"),
        {"absence_limit": "2", "absence_penalty_percent": "20", "pass_score": "80",
         "certificate_valid_days": "365", "expiry_reminder_days": "30"},
    )  # fmt: skip
    row = TrainingSettings.current()
    assert (row.absence_limit, row.absence_penalty_percent, row.pass_score) == (2, 20, 80)
    log = AuditLog.objects.get(object_type="training.settings")
    assert log.detail["new"]["absence_limit"] == 2
    client_for(personas.alice).post(reverse("training:settings"), {"absence_limit": "9"})
    assert TrainingSettings.current().absence_limit == 2


# --- API --------------------------------------------------------------------------------------
def test_the_session_api_schedules_enrols_and_checks_in(personas):
    tina, alice = client_for(personas.tina), client_for(personas.alice)
    starts = timezone.now() + timedelta(minutes=5)
    body = {
        "title": "场景复盘会", "kind": "case_review", "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=1)).isoformat(), "capacity": 1,
    }  # fmt: skip
    assert (
        alice.post("/api/v1/training/sessions", body, content_type="application/json").status_code
        == 403
    )
    created = tina.post("/api/v1/training/sessions", body, content_type="application/json")
    assert created.status_code == 201
    sid, code = created.json()["id"], created.json()["code"]
    enrol_url = f"/api/v1/training/sessions/{sid}/enrol"
    too_many = tina.post(enrol_url, {"team": "售后一组"}, content_type="application/json")
    assert too_many.status_code == 409 and "1" in too_many.json()["detail"]
    ok = tina.post(enrol_url, {"agents": ["A0007"]}, content_type="application/json")
    assert ok.json() == {"added": 1, "already": 0}
    both = tina.post(
        enrol_url, {"agents": ["A0007"], "tier": "new"}, content_type="application/json"
    )
    assert both.status_code == 422
    seen = alice.get(f"/api/v1/training/sessions/{sid}").json()
    assert seen["code"] is None and [e["agent"] for e in seen["enrolments"]] == ["A0007"]
    check = f"/api/v1/training/sessions/{sid}/check-in"
    wrong = "000000" if code != "000000" else "111111"
    assert alice.post(check, {"code": wrong}, content_type="application/json").status_code == 422
    assert (
        client_for(personas.bob)
        .post(check, {"code": code}, content_type="application/json")
        .status_code
        == 403
    )
    done = alice.post(check, {"code": code}, content_type="application/json")
    assert done.status_code == 200 and done.json()["attendance"] == "attended"
    mark = tina.post(
        f"/api/v1/training/sessions/{sid}/attendance", {"marks": {"A0007": "excused"}},
        content_type="application/json",
    )  # fmt: skip
    assert mark.json()["enrolments"][0]["attendance"] == "excused"
    listed = alice.get("/api/v1/training/sessions").json()
    assert [s["id"] for s in listed] == [sid]


def test_the_calendar_lists_one_week(personas):
    monday = datetime(2024, 6, 3, 14, tzinfo=SHANGHAI)
    make_session(starts=monday, title="周一复盘")
    make_session(starts=monday + timedelta(days=7), title="下周复盘")
    page = client_for(personas.alice).get(reverse("training:sessions"), {"week": "2024-06-05"})
    listed = page.content.decode().split('id="session-list"')[1]
    assert "周一复盘" in listed and "下周复盘" not in listed
    month = client_for(personas.alice).get(reverse("training:sessions"), {"month": "2024-06"})
    assert "下周复盘" in month.content.decode().split('id="session-list"')[1]
    for hostile in ("²", "9999-12-31", "2024-02-30"):
        assert (
            client_for(personas.alice)
            .get(reverse("training:sessions"), {"week": hostile})
            .status_code
            == 200
        )


def test_the_calendar_opens_on_this_month_and_links_the_nearest_months_with_sessions(personas):
    # given: no session this month; the demo-like ones in June 2024, one a year ahead
    june = datetime(2024, 6, 12, 14, tzinfo=SHANGHAI)
    make_session(june, title="六月复盘", kind="case_review")
    make_session(june - timedelta(days=60), title="四月提升班", kind="improvement")
    today = timezone.localdate()
    ahead = today.replace(day=1) + timedelta(days=400)
    make_session(datetime(ahead.year, ahead.month, 3, 10, tzinfo=SHANGHAI), title="明年课")
    tina = client_for(personas.tina)
    url = reverse("training:sessions")
    # when: the trainer opens the calendar
    page = tina.get(url)
    # then: this month, empty, with the way to the nearest months that have sessions
    assert page.context["month"] == today.replace(day=1)
    assert page.context["listed"] == []
    assert page.context["previous_with_sessions"] == date(2024, 6, 1)
    assert page.context["next_with_sessions"] == date(ahead.year, ahead.month, 1)
    html = page.content.decode()
    assert 'id="previous-with-sessions" ' in html and "?month=2024-06" in html
    assert 'id="no-sessions"' in html and f"?month={ahead:%Y-%m}" in html
    # following the link shows June's session, and links April before it
    june_page = tina.get(url, {"month": "2024-06"})
    assert [s.title for s in june_page.context["listed"]] == ["六月复盘"]
    assert june_page.context["previous_with_sessions"] == date(2024, 4, 1)
    # the filters count: only improvement classes → April, and the links keep the filter
    only = tina.get(url, {"kind": "improvement"})
    assert only.context["previous_with_sessions"] == date(2024, 4, 1)
    assert only.context["next_with_sessions"] is None
    assert "?month=2024-04&amp;kind=improvement" in only.content.decode()
