"""The customer risk index (事前预警): an explainable additive score from one customer's
history across channels, as of a moment.

Pure Python: the caller hands in the customer's contacts (`Contact`, one per
conversation, any order, times aware and in the configured time zone) and the weights;
nothing after `as_of` is read. Each factor turns the history into a *unit* (a capped
count, a share, a yes/no) and its points are `round(weight × unit)`; the score is the sum
of the points, and every point carries its reason as data (`Reason`: a code, the
customer's values, the settings it was measured with), translated where it is shown:
"90 天内投诉 2 次：+30". Labels: high at `high_at` points or more, low below `low_below`,
normal in between. docs/customers.md gives the formulas and the defaults.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

from kefu.interactions.core.facts import REPEAT_WINDOW

HIGH, NORMAL, LOW = "high", "normal", "low"
LABELS = (HIGH, NORMAL, LOW)

# A low satisfaction answer: CSAT 1–2 of 5, or an NPS detractor (0–6 of 10).
LOW_CSAT_AT_MOST = 2
DETRACTOR_AT_MOST = 6

# The factors in the order they are shown; each is one unit of the logistic regression.
FACTORS = (
    "complaints",
    "escalations",
    "repeat_contacts",
    "negative_emotion",
    "low_satisfaction",
    "spend",
    "recent_contact",
)


@dataclass(frozen=True, slots=True)
class Contact:
    """One conversation of the customer, as far as the score reads it."""

    at: datetime  # created (aware, configured time zone)
    channel: str = "chat"
    complaint: bool = False
    escalated_at: datetime | None = None  # the first escalation
    negative: bool = False  # the customer's negative emotion (automatic QA)
    csat: int | None = None
    nps: int | None = None
    survey_at: datetime | None = None  # when answered (None: at the conversation)
    spend: float = 0.0  # a converted order's amount
    category: tuple[str, ...] = ()
    conversation: str = ""  # its external id

    @property
    def low_satisfaction(self) -> bool:
        return (self.csat is not None and self.csat <= LOW_CSAT_AT_MOST) or (
            self.nps is not None and self.nps <= DETRACTOR_AT_MOST
        )

    def answered_at(self) -> datetime:
        return self.survey_at or self.at


@dataclass(frozen=True)
class Weights:
    """Points per unit, windows (days), caps and thresholds: the settings managers edit
    (kefu.customers.models.RiskSettings holds the same fields)."""

    complaint_days: int = 90
    complaint_points: int = 15  # per complaint
    complaint_cap: int = 3
    escalation_days: int = 180
    escalation_points: int = 10  # per escalated conversation
    escalation_cap: int = 3
    repeat_days: int = 90
    repeat_points: int = 5  # per contact within 7 days of the previous one
    repeat_cap: int = 4
    negative_days: int = 180
    negative_points: int = 20  # at a share of 100 % (points = share × this)
    low_satisfaction_days: int = 180
    low_satisfaction_points: int = 10  # per low CSAT / detractor answer
    low_satisfaction_cap: int = 2
    spend_days: int = 365
    spend_threshold: int = 2000  # order amounts in that window at least this
    # 0 by default: in the demo's back-test big spenders complain no more than others
    # (the fitted weight is negative); a department whose big spenders are more demanding
    # gives it points (docs/customers.md)
    spend_points: int = 0
    recent_days: int = 14  # last contact less than this many (whole) days ago
    recent_points: int = 10
    high_at: int = 20
    low_below: int = 10

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Weights:
        names = {f.name for f in fields(cls)}
        return cls(**{k: int(v) for k, v in data.items() if k in names})

    def points_per_unit(self) -> dict[str, int]:
        """The weight of each factor's unit (see `units`)."""
        return {
            "complaints": self.complaint_points,
            "escalations": self.escalation_points,
            "repeat_contacts": self.repeat_points,
            "negative_emotion": self.negative_points,
            "low_satisfaction": self.low_satisfaction_points,
            "spend": self.spend_points,
            "recent_contact": self.recent_points,
        }

    def with_points(self, points: dict[str, int], high_at: int, low_below: int) -> Weights:
        """The same windows and caps with other points per unit and thresholds."""
        names = {
            "complaints": "complaint_points",
            "escalations": "escalation_points",
            "repeat_contacts": "repeat_points",
            "negative_emotion": "negative_points",
            "low_satisfaction": "low_satisfaction_points",
            "spend": "spend_points",
            "recent_contact": "recent_points",
        }
        data = self.as_dict() | {names[k]: int(v) for k, v in points.items()}
        return Weights.from_dict(data | {"high_at": high_at, "low_below": low_below})


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True, slots=True)
class Features:
    """What the history says, before weights: the customer's raw values."""

    contacts: int  # before as_of, all time
    complaints: int  # in the complaint window
    escalations: int
    repeat_contacts: int
    negative: int  # contacts with negative emotion in the window …
    negative_of: int  # … of this many contacts in it
    low_satisfaction: int
    spend: float
    days_since_last: int | None  # whole days since the last contact

    @property
    def negative_share(self) -> float:
        return self.negative / self.negative_of if self.negative_of else 0.0


@dataclass(frozen=True, slots=True)
class Reason:
    """One factor's points: `code`, the customer's `values` (personal: masked for roles
    without personal data) and the `settings` they were measured with."""

    code: str
    points: int
    values: dict[str, Any]
    settings: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "points": self.points,
            "values": dict(self.values),
            "settings": dict(self.settings),
        }


@dataclass(frozen=True)
class Score:
    points: int
    label: str
    reasons: list[Reason] = field(default_factory=list)
    features: Features | None = None


def _before(history: Iterable[Contact], as_of: datetime) -> list[Contact]:
    return sorted((c for c in history if c.at < as_of), key=lambda c: c.at)


def _within(moment: datetime, as_of: datetime, days: int) -> bool:
    return as_of - timedelta(days=days) <= moment < as_of


def features(history: Iterable[Contact], as_of: datetime, weights: Weights) -> Features:
    """The raw values as of `as_of` (contacts, surveys and escalations before it)."""
    w = weights
    past = _before(history, as_of)
    repeats = sum(
        1
        for previous, contact in itertools.pairwise(past)
        if contact.at - previous.at <= REPEAT_WINDOW and _within(contact.at, as_of, w.repeat_days)
    )
    negative_window = [c for c in past if _within(c.at, as_of, w.negative_days)]
    last = past[-1].at if past else None
    return Features(
        contacts=len(past),
        complaints=sum(1 for c in past if c.complaint and _within(c.at, as_of, w.complaint_days)),
        escalations=sum(
            1
            for c in past
            if c.escalated_at is not None and _within(c.escalated_at, as_of, w.escalation_days)
        ),
        repeat_contacts=repeats,
        negative=sum(1 for c in negative_window if c.negative),
        negative_of=len(negative_window),
        low_satisfaction=sum(
            1
            for c in past
            if c.low_satisfaction and _within(c.answered_at(), as_of, w.low_satisfaction_days)
        ),
        spend=round(sum(c.spend for c in past if _within(c.at, as_of, w.spend_days)), 2),
        days_since_last=None if last is None else (as_of - last).days,
    )


def units(f: Features, weights: Weights) -> dict[str, float]:
    """Each factor's unit: what its weight multiplies (capped counts, a share, yes/no)."""
    w = weights
    recent = f.days_since_last is not None and f.days_since_last < w.recent_days
    return {
        "complaints": float(min(f.complaints, w.complaint_cap)),
        "escalations": float(min(f.escalations, w.escalation_cap)),
        "repeat_contacts": float(min(f.repeat_contacts, w.repeat_cap)),
        "negative_emotion": f.negative_share,
        "low_satisfaction": float(min(f.low_satisfaction, w.low_satisfaction_cap)),
        "spend": 1.0 if f.spend > 0 and f.spend >= w.spend_threshold else 0.0,
        "recent_contact": 1.0 if recent else 0.0,
    }


def _reason(code: str, points: int, f: Features, w: Weights) -> Reason:
    if code == "complaints":
        return Reason(code, points, {"count": f.complaints}, {"days": w.complaint_days})
    if code == "escalations":
        return Reason(code, points, {"count": f.escalations}, {"days": w.escalation_days})
    if code == "repeat_contacts":
        return Reason(code, points, {"count": f.repeat_contacts}, {"days": w.repeat_days})
    if code == "negative_emotion":
        values = {"share": round(f.negative_share, 4), "count": f.negative, "of": f.negative_of}
        return Reason(code, points, values, {"days": w.negative_days})
    if code == "low_satisfaction":
        values = {"count": f.low_satisfaction}
        return Reason(code, points, values, {"days": w.low_satisfaction_days})
    if code == "spend":
        settings = {"days": w.spend_days, "threshold": w.spend_threshold}
        return Reason(code, points, {"amount": f.spend}, settings)
    if code == "recent_contact":
        return Reason(code, points, {"days": f.days_since_last}, {"within": w.recent_days})
    raise ValueError(code)


def label_of(points: int, weights: Weights) -> str:
    if points >= weights.high_at:
        return HIGH
    if points < weights.low_below:
        return LOW
    return NORMAL


def score_features(f: Features, weights: Weights) -> Score:
    per_unit = weights.points_per_unit()
    reasons = []
    for code, unit in units(f, weights).items():
        points = round(per_unit[code] * unit)
        if points:
            reasons.append(_reason(code, points, f, weights))
    total = sum(r.points for r in reasons)
    return Score(total, label_of(total, weights), reasons, f)


def score(history: Iterable[Contact], as_of: datetime, weights: Weights = DEFAULT_WEIGHTS) -> Score:
    """The customer's score, label and reasons as of `as_of`."""
    return score_features(features(history, as_of, weights), weights)


# --- the history card's profile ------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Profile:
    contacts: int
    first_contact_at: datetime | None
    last_contact_at: datetime | None
    preferred_channel: str  # the channel used most (ties: the latest used)
    preferred_hour: int | None  # the local hour most contacts began in (ties: the earliest)
    last_complaint_at: datetime | None
    last_complaint_category: tuple[str, ...]
    last_complaint_conversation: str


def profile(history: Sequence[Contact], as_of: datetime) -> Profile:
    past = _before(history, as_of)
    if not past:
        return Profile(0, None, None, "", None, None, (), "")
    channels = Counter(c.channel for c in past)
    latest_use = {c.channel: i for i, c in enumerate(past)}
    channel = max(channels, key=lambda ch: (channels[ch], latest_use[ch]))
    hours = Counter(c.at.hour for c in past)
    hour = min(hours, key=lambda h: (-hours[h], h))
    complaints = [c for c in past if c.complaint]
    last = complaints[-1] if complaints else None
    return Profile(
        contacts=len(past),
        first_contact_at=past[0].at,
        last_contact_at=past[-1].at,
        preferred_channel=channel,
        preferred_hour=hour,
        last_complaint_at=last.at if last else None,
        last_complaint_category=last.category if last else (),
        last_complaint_conversation=last.conversation if last else "",
    )


# --- outcomes (for the back-test) ------------------------------------------------------------
def complained_or_escalated(history: Iterable[Contact], start: datetime, end: datetime) -> bool:
    """A complaint (a conversation created in [start, end) flagged as one) or an escalation
    in [start, end): what the score should foresee."""
    for c in history:
        if c.complaint and start <= c.at < end:
            return True
        if c.escalated_at is not None and start <= c.escalated_at < end:
            return True
    return False
