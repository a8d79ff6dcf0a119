"""Feedback rhythms: the weekly and monthly summaries (`kefu performance_feedback`),
once per agent and period."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import translation

from kefu.notifications.models import Notification
from kefu.performance.actions import ratings
from kefu.performance.actions.rhythms import send_summaries
from kefu.performance.tests.methods_world import make_world
from kefu.qa.models import QaHit, QaResult


@pytest.fixture
def w(personas):
    from kefu.qa.scoring import score_conversations
    from kefu.qa.store import default_version

    w = make_world(personas)
    score_conversations([c.pk for c in w.conv.values()], default_version())
    return w


def test_the_monthly_summary_counts_the_agents_month_and_is_sent_once(w):
    rating = ratings.rate(cycle=w.cycle, agent=w.alice, scale=w.attitude, level=4, user=w.p.sam,
                          evidence=[w.conv["C-AL-0"].pk])  # fmt: skip
    type(rating).objects.filter(pk=rating.pk).update(
        created_at=rating.created_at.replace(year=2024, month=5, day=20)
    )
    out = StringIO()
    call_command("performance_feedback", "--rhythm", "monthly", "--date", "2024-06-03", stdout=out)
    assert "2024-05" in out.getvalue()
    note = Notification.objects.get(recipient=w.p.alice, kind="performance.summary.monthly")
    may = QaResult.objects.filter(agent=w.alice, is_current=True, day__month=5)
    assert note.params["qa_scored"] == may.count() == 3
    assert (
        note.params["qa_hits"]
        == QaHit.objects.filter(agent=w.alice, is_current=True, day__month=5).count()
    )
    assert note.params["ratings"] == 1 and note.params["period"] == "2024-05"
    with translation.override("zh-hans"):
        assert note.text.startswith("月度总结 2024-05：质检均分")
    # bob and sam got theirs too; a second run sends nothing again
    assert Notification.objects.filter(kind="performance.summary.monthly").count() == 3
    again = send_summaries("monthly", today=date(2024, 6, 20))
    assert (again.sent, again.skipped) == (0, 3)
    assert Notification.objects.filter(kind="performance.summary.monthly").count() == 3
    # the next month is another period
    assert send_summaries("monthly", today=date(2024, 7, 1)).sent == 3


def test_the_weekly_summary_covers_the_last_whole_week(w):
    result = send_summaries("weekly", today=date(2024, 5, 8))  # Wednesday: week of Apr 29
    assert result.period.key == "2024-W18"
    mine = Notification.objects.get(recipient=w.p.alice, kind="performance.summary.weekly")
    assert mine.params["qa_scored"] == 3  # 2, 3 and 4 May
    bobs = Notification.objects.get(recipient=w.p.bob, kind="performance.summary.weekly")
    assert bobs.params["qa_scored"] == 0  # his is on 6 May, the week after
    assert bobs.params["qa_score"] == "—"
