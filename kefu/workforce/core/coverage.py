"""How well a roster covers the requirement: agent-hours required, scheduled and short per
channel, and whether the gap is too large for the roster to be called optimal.

A solver can prove a roster optimal *under its rules and agents* while leaving a channel
without anyone (no agent has the skill): "optimal" then misleads. The verdict here is what
the roster page, the API and the Excel export say about coverage.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# More than 5 % of the week's required agent-hours uncovered (or any channel more than
# 5 % short) is a large gap: the roster is shown as short-staffed, never as optimal.
GAP_TOLERANCE = 0.05


@dataclass(frozen=True)
class ChannelCoverage:
    channel: str
    required_hours: float
    scheduled_hours: float
    # Σ max(0, required − on duty) over the intervals, in agent-hours
    gap_hours: float
    short_intervals: int

    @property
    def gap_share(self) -> float | None:
        """Uncovered share of the required agent-hours (None: nothing required)."""
        return self.gap_hours / self.required_hours if self.required_hours else None

    @property
    def uncovered(self) -> bool:
        """Work required and nobody scheduled on the channel all week."""
        return self.required_hours > 0 and self.scheduled_hours == 0

    @property
    def short(self) -> bool:
        share = self.gap_share
        return share is not None and share > GAP_TOLERANCE


@dataclass(frozen=True)
class Coverage:
    channels: tuple[ChannelCoverage, ...]

    @property
    def required_hours(self) -> float:
        return sum(c.required_hours for c in self.channels)

    @property
    def gap_hours(self) -> float:
        return sum(c.gap_hours for c in self.channels)

    @property
    def gap_share(self) -> float | None:
        required = self.required_hours
        return self.gap_hours / required if required else None

    @property
    def uncovered(self) -> list[str]:
        return [c.channel for c in self.channels if c.uncovered]

    @property
    def short(self) -> list[str]:
        """Channels more than the tolerance short (the uncovered ones included)."""
        return [c.channel for c in self.channels if c.short]

    @property
    def large_gap(self) -> bool:
        share = self.gap_share
        return bool(self.short) or (share is not None and share > GAP_TOLERANCE)


def channel_coverage(
    channel: str,
    requirement: Sequence[int],
    scheduled: Sequence[int],
    gap: Sequence[int],
    interval_min: int,
) -> ChannelCoverage:
    """One channel's week from the per-interval requirement, agents on duty and gap."""
    hours = interval_min / 60
    return ChannelCoverage(
        channel=channel,
        required_hours=sum(requirement) * hours,
        scheduled_hours=sum(scheduled) * hours,
        gap_hours=sum(gap) * hours,
        short_intervals=sum(1 for g in gap if g > 0),
    )


def coverage(channels: Iterable[ChannelCoverage]) -> Coverage:
    return Coverage(tuple(channels))
