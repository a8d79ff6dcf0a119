"""The people processes beside the figures: who is asked in a 360-degree round, which
period a feedback summary covers, and the 360-degree score rate. Django-free.

A 360-degree round for a team (`team_round`) asks, about each member: the member
themself, up to three peers of the same team, one supervisor of the team and one rater
from another team — never the same person twice for the same member. Peers rotate
through the team (the next members after the person rated, by id), so each member is
a peer rater about as often as every other; the other-team rater rotates by `offset`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

# Who a rater is to the person rated (kefu.performance.choices.Relation's values).
SELF, PEER, SUPERVISOR, OTHER_TEAM = "self", "peer", "supervisor", "other_team"
PEERS = 3
OTHER_TEAMS = 1
HIGHEST = 5  # the top of the 1–5 answer scale


@dataclass(frozen=True)
class Member:
    """A person who may be rated or rate: the agent record and their log-in (None:
    no log-in, so they cannot be asked)."""

    agent_id: int
    user_id: int | None


@dataclass(frozen=True)
class Ask:
    agent_id: int  # about whom
    rater_id: int  # a user id
    relation: str


def team_round(
    team: Sequence[Member],
    supervisors: Sequence[int],
    outsiders: Sequence[Member],
    *,
    peers: int = PEERS,
    other_teams: int = OTHER_TEAMS,
    offset: int = 0,
) -> list[Ask]:
    """The requests of a 360-degree round for one team (`team` in a stable order, e.g. by
    agent id; `supervisors` the team's supervisors' user ids; `outsiders` members of
    other teams). Nobody is asked twice about the same member."""
    asks: list[Ask] = []
    supervisor_ids = set(supervisors)
    pool = [m for m in outsiders if m.user_id is not None]
    for index, member in enumerate(team):
        chosen: set[int] = set()
        mine: list[tuple[int, str]] = []
        if member.user_id is not None:
            mine.append((member.user_id, SELF))
        # Peers: the next members after this one (circular) with a log-in, who are not
        # supervisors of the team (a team lead who supervises it rates as the supervisor).
        for step in range(1, len(team)):
            if sum(1 for _, r in mine if r == PEER) >= peers:
                break
            peer = team[(index + step) % len(team)].user_id
            if peer is not None and peer not in supervisor_ids and peer != member.user_id:
                mine.append((peer, PEER))
        supervisor = next((s for s in supervisors if s != member.user_id), None)
        if supervisor is not None:
            mine.append((supervisor, SUPERVISOR))
        outside = 0
        for step in range(len(pool)):
            if outside >= other_teams:
                break
            rater = pool[(offset + index + step) % len(pool)].user_id
            if rater is not None and rater not in {r for r, _ in mine}:
                mine.append((rater, OTHER_TEAM))
                outside += 1
        for rater, relation in mine:
            if rater not in chosen:  # never the same person twice
                chosen.add(rater)
                asks.append(Ask(member.agent_id, rater, relation))
    return asks


def score_rate(mean: float | None) -> float | None:
    """A 1–5 mean as the share of the full score (得分率): 3.55 → 0.71."""
    return None if mean is None else mean / HIGHEST


# --- feedback rhythms ---------------------------------------------------------------------
WEEKLY, MONTHLY = "weekly", "monthly"
RHYTHMS = (WEEKLY, MONTHLY)


@dataclass(frozen=True)
class Period:
    key: str  # "2024-W18", "2024-05": a summary is sent once per agent and key
    start: date
    end: date  # inclusive


def last_complete(rhythm: str, today: date) -> Period:
    """The last whole week (Monday–Sunday) or month before `today`."""
    if rhythm == WEEKLY:
        this_monday = today - timedelta(days=today.weekday())
        start = this_monday - timedelta(days=7)
        year, week, _ = start.isocalendar()
        return Period(f"{year:04d}-W{week:02d}", start, start + timedelta(days=6))
    if rhythm == MONTHLY:
        end = today.replace(day=1) - timedelta(days=1)
        start = end.replace(day=1)
        return Period(f"{start.year:04d}-{start.month:02d}", start, end)
    raise ValueError(f"unknown rhythm {rhythm!r}")
