"""The fairness page and API: bias checks over the reviews the user may see, rater flags
for managers only."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from conftest import client_for
from kefu.accounts.models import Agent, Team
from kefu.performance.core import bias
from kefu.performance.models import BarsRating, BarsScale
from kefu.performance.tests.fairness_data import (
    conversations,
    department,
    details,
    make_cycle,
    make_score,
)

pytestmark = pytest.mark.django_db
URL = "/performance/fairness/"


@pytest.fixture
def cycle(personas):
    cycle = make_cycle()
    department(cycle, night_gap=-8.0)
    # sam's team: alice and three colleagues (too few to judge within it alone)
    team = Team.objects.get(name="售后一组")
    for i, agent in enumerate([personas.alice.agent, *_colleagues(team, 3)]):
        conversations(agent, (cycle.start, cycle.end), [10] * 4)
        make_score(cycle, agent, 75 + i, breakdown=details(qa_points=60, qa_value=88))
    return cycle


def _colleagues(team: Team, n: int) -> list[Agent]:
    return [
        Agent.objects.create(external_id=f"S{i:03d}", name=f"同事{i}", team=team, tier="regular")
        for i in range(n)
    ]


def _rate(cycle, rater, agents, level: int, scale: str = "attitude") -> None:
    scale = BarsScale.objects.get(code=scale)
    for agent in agents:
        BarsRating.objects.create(cycle=cycle, agent=agent, scale=scale, rater=rater, level=level)


def test_it_shows_the_department_checks_to_a_manager(cycle, personas):
    response = client_for(personas.mia).get(URL)
    assert response.status_code == 200
    report = response.context["report"]
    (night,) = report.of("shift")
    assert night.level == bias.NIGHT and night.verdict == bias.REMAINS
    assert night.adjusted.low <= -8 <= night.adjusted.high
    # alice's team has no hire dates: left out (4 agents), the 36 others in the model
    assert (report.n, report.left_out) == (36, 4)
    page = response.content.decode()
    assert 'data-verdict="remains"' in page and 'id="pf-raters"' in page
    assert 'id="pf-scope"' not in page


def test_it_flags_a_rater_whose_ratings_exceed_the_evidence(cycle, personas):
    lenient = User.objects.create_user("lenient")
    team = Team.objects.get(name="售后一组")
    rated = list(Agent.objects.filter(team=team, performance_scores__cycle=cycle))
    _rate(cycle, lenient, rated, level=5)  # 100 points against 60 evidence points
    _rate(cycle, personas.sam, rated, level=3, scale="problem_solving")  # 50 vs QA 88
    response = client_for(personas.mia).get(URL, {"cycle": cycle.pk})
    raters = {row.rater.username: row.gap for row in response.context["raters"].rows}
    assert raters["lenient"].flagged and raters["lenient"].direction == "lenient"
    assert raters["lenient"].gap.value == pytest.approx(40.0)
    # problem_solving reads kpi.fcr_rate, absent here: sam is compared with the QA score
    assert raters["sam"].gap.value == pytest.approx(-38.0) and raters["sam"].flagged
    assert 'data-rater="lenient" class="pf-flagged"' in response.content.decode()


def test_a_supervisor_sees_their_teams_checks_without_rater_flags(cycle, personas):
    response = client_for(personas.sam).get(URL)
    assert response.status_code == 200
    assert response.context["report"].n == 0 and response.context["report"].left_out == 4
    assert "raters" not in response.context
    page = response.content.decode()
    assert 'id="pf-scope"' in page and 'id="pf-raters"' not in page


@pytest.mark.parametrize("who", ["alice", "bob", "quinn", "olga"])
def test_other_roles_are_refused(cycle, personas, who):
    assert client_for(getattr(personas, who)).get(URL).status_code == 403


def test_anonymous_is_sent_to_log_in(cycle):
    assert client_for().get(URL).status_code == 302


def test_an_unknown_cycle_is_not_found(cycle, personas):
    client = client_for(personas.mia)
    assert client.get(URL, {"cycle": cycle.pk + 1000}).status_code == 404
    assert client.get(URL, {"cycle": "x"}).status_code == 404


def test_without_reviews_the_page_says_so(personas):
    response = client_for(personas.mia).get(URL)
    assert response.status_code == 200 and response.context["cycle"] is None


# --- API ---------------------------------------------------------------------------------
def test_the_api_gives_the_gaps_and_the_rater_flags_to_managers(cycle, personas):
    body = client_for(personas.mia).get(f"/api/v1/performance/fairness/{cycle.pk}").json()
    assert body["scope"] == "department" and body["agents"] == 36
    night = next(g for g in body["gaps"] if g["factor"] == "shift")
    assert night["verdict"] == "remains" and night["adjusted"]["high"] < 0
    assert body["raters"] == []


def test_the_api_limits_supervisors_and_refuses_agents(cycle, personas):
    body = client_for(personas.sam).get(f"/api/v1/performance/fairness/{cycle.pk}").json()
    assert body["scope"] == "teams" and body["raters"] is None
    response = client_for(personas.alice).get(f"/api/v1/performance/fairness/{cycle.pk}")
    assert response.status_code == 403
    assert client_for().get(f"/api/v1/performance/fairness/{cycle.pk}").status_code == 401
