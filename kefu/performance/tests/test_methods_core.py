"""The methods' pure core: who is asked in a 360-degree round, the summary periods, the
360-degree score rate."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from kefu.performance.core.methods import (
    MONTHLY,
    OTHER_TEAM,
    PEER,
    SELF,
    SUPERVISOR,
    WEEKLY,
    Member,
    last_complete,
    score_rate,
    team_round,
)


def team(n: int, first: int = 1) -> list[Member]:
    return [Member(agent_id=i, user_id=100 + i) for i in range(first, first + n)]


def test_it_asks_self_three_peers_the_supervisor_and_one_outsider():
    asks = team_round(team(6), [900], team(4, first=50))
    for agent_id in range(1, 7):
        mine = [a for a in asks if a.agent_id == agent_id]
        relations = Counter(a.relation for a in mine)
        assert relations == {SELF: 1, PEER: 3, SUPERVISOR: 1, OTHER_TEAM: 1}
        assert len({a.rater_id for a in mine}) == len(mine)  # never the same person twice
        assert next(a.rater_id for a in mine if a.relation == SELF) == 100 + agent_id
        outsider = next(a.rater_id for a in mine if a.relation == OTHER_TEAM)
        assert outsider in {150, 151, 152, 153}


def test_it_spreads_the_peer_load_evenly():
    asks = team_round(team(7), [900], [])
    load = Counter(a.rater_id for a in asks if a.relation == PEER)
    assert set(load.values()) == {3}  # each member rates three peers


def test_a_supervisor_in_the_team_is_asked_once_as_supervisor_and_never_about_himself():
    members = team(4)  # agent 1's user (101) also supervises the team
    asks = team_round(members, [101], [])
    about_lead = [a for a in asks if a.agent_id == 1]
    assert Counter(a.relation for a in about_lead) == {SELF: 1, PEER: 3}
    about_other = [a for a in asks if a.agent_id == 2]
    assert (101, SUPERVISOR) in {(a.rater_id, a.relation) for a in about_other}
    assert (101, PEER) not in {(a.rater_id, a.relation) for a in about_other}


def test_members_without_a_log_in_are_rated_but_never_asked():
    members = [Member(1, 101), Member(2, None), Member(3, 103)]
    asks = team_round(members, [], [])
    assert {a.rater_id for a in asks} <= {101, 103}
    assert {(a.rater_id, a.relation) for a in asks if a.agent_id == 2} == {(101, PEER), (103, PEER)}


def test_a_small_team_gets_as_many_peers_as_it_has():
    asks = team_round(team(2), [900], [])
    assert Counter(a.relation for a in asks if a.agent_id == 1) == {SELF: 1, PEER: 1, SUPERVISOR: 1}


@pytest.mark.parametrize(
    ("rhythm", "today", "key", "start", "end"),
    [
        (WEEKLY, date(2024, 5, 15), "2024-W19", date(2024, 5, 6), date(2024, 5, 12)),
        (WEEKLY, date(2024, 5, 13), "2024-W19", date(2024, 5, 6), date(2024, 5, 12)),
        (WEEKLY, date(2024, 1, 3), "2023-W52", date(2023, 12, 25), date(2023, 12, 31)),
        (MONTHLY, date(2024, 3, 1), "2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        (MONTHLY, date(2024, 1, 20), "2023-12", date(2023, 12, 1), date(2023, 12, 31)),
    ],
)
def test_a_summary_covers_the_last_whole_period(rhythm, today, key, start, end):
    period = last_complete(rhythm, today)
    assert (period.key, period.start, period.end) == (key, start, end)


def test_the_score_rate_is_the_mean_over_five():
    assert score_rate(3.55) == pytest.approx(0.71)
    assert score_rate(None) is None
