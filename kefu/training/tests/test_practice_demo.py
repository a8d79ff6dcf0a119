"""The demo practices: new hires' error rate falls from about 28 % to about 5 %, and the
rows are real practices (their stored score is what the QA engine gives them again)."""

from __future__ import annotations

from datetime import date

from conftest import import_native
from kefu.accounts.models import Agent
from kefu.training import demo_practice
from kefu.training.actions.practice import score_practice
from kefu.training.choices import PracticeStatus
from kefu.training.models import Practice
from kefu.training.practice_pages import new_hire_rates


def test_the_new_hires_error_rate_falls_week_by_week(db):
    # given twelve new hires of 2024
    import_native(
        *[
            {"type": "agent", "id": f"N{n:03d}", "name": f"新人{n}", "team": "新人组",
             "tier": "new", "hired_on": date(2024, 1 + n % 6, 1 + n).isoformat()}
            for n in range(12)
        ]
    )  # fmt: skip
    agents = list(Agent.objects.filter(tier="new").order_by("external_id"))
    # when the demo makes their practices
    created = demo_practice.demo(42, today=date(2024, 12, 31), agents=agents)
    # then each practised three times a week for eight weeks
    assert created == 12 * 8 * 3 == Practice.objects.count()
    data = new_hire_rates(Practice.objects.filter(status=PracticeStatus.FINISHED))
    rates = {w["week"]: w["rate"] for w in data["cohort"]}
    assert 0.20 <= rates[1] <= 0.36  # the seeds: 28 % in the first week …
    assert max(rates[6], rates[7], rates[8]) <= 0.09  # … down to about 5 %
    assert rates[1] > rates[2] > rates[4] > rates[8]
    assert len(data["rows"]) == 12
    # and a demo practice is a real one: scored again, it gets its stored score
    practice = Practice.objects.select_related("agent").order_by("pk")[5]
    result, checked, _ = score_practice(practice)
    assert result.score == float(practice.qa_score) and checked.errors == practice.errors
    # running it again replaces, never doubles
    assert demo_practice.demo(42, today=date(2024, 12, 31), agents=agents) == created
    assert Practice.objects.count() == created
